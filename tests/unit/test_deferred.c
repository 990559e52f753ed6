/*
 * test_deferred.c - deferred chains, timeouts, cancel, worker threads.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "tap.h"
#include "twirl.h"

static char trace[64];

static void
note(char c)
{
	size_t n = strlen(trace);

	if (n + 1 < sizeof(trace)) {
		trace[n] = c;
		trace[n + 1] = '\0';
	}
}

static int
add_one(void *arg, void **value, int error)
{
	(void)arg;
	(void)error;
	note('+');
	*value = (void *)((intptr_t)*value + 1);
	return 0;
}

static int
fail_with(void *arg, void **value, int error)
{
	(void)value;
	(void)error;
	note('!');
	return (int)(intptr_t)arg;
}

static int
recover(void *arg, void **value, int error)
{
	(void)arg;
	note('r');
	*value = (void *)(intptr_t)(1000 + error);
	return 0;
}

static int
pass_error(void *arg, void **value, int error)
{
	(void)arg;
	(void)value;
	note('e');
	return error;
}

static void
callbacks_run_in_order_and_pass_the_value_on(void)
{
	tw_reactor *r = tw_reactor_create(NULL);
	tw_deferred *d = tw_deferred_new(r);

	trace[0] = '\0';
	tw_deferred_add(d, add_one, NULL, NULL);
	tw_deferred_add(d, add_one, pass_error, NULL);
	CHECK(!tw_deferred_fired(d));
	CHECK_EQ(tw_deferred_callback(d, (void *)(intptr_t)40), 0);
	CHECK(tw_deferred_fired(d));
	CHECK_EQ((intptr_t)tw_deferred_value(d), 42);
	/* Added after firing: runs at once. */
	tw_deferred_add(d, add_one, NULL, NULL);
	CHECK_EQ((intptr_t)tw_deferred_value(d), 43);
	CHECK(strcmp(trace, "+++") == 0);
	/* Fires once. */
	CHECK_EQ(tw_deferred_callback(d, NULL), -1);
	CHECK_EQ(errno, EALREADY);
	CHECK_EQ(tw_deferred_errback(d, EIO), -1);
	tw_deferred_unref(d);
	tw_reactor_destroy(r);
}

static void
an_error_skips_callbacks_until_an_errback_recovers(void)
{
	tw_reactor *r = tw_reactor_create(NULL);
	tw_deferred *d = tw_deferred_new(r);

	trace[0] = '\0';
	tw_deferred_add(d, add_one, NULL, NULL);
	tw_deferred_add(d, fail_with, NULL, (void *)(intptr_t)EIO);
	tw_deferred_add(d, add_one, NULL, NULL);	/* skipped */
	tw_deferred_add(d, NULL, pass_error, NULL);
	tw_deferred_add(d, add_one, recover, NULL);
	tw_deferred_add(d, add_one, pass_error, NULL);
	tw_deferred_callback(d, (void *)(intptr_t)1);
	CHECK(strcmp(trace, "+!er+") == 0);
	CHECK_EQ(tw_deferred_error(d), 0);
	CHECK_EQ((intptr_t)tw_deferred_value(d), 1000 + EIO + 1);
	tw_deferred_unref(d);

	d = tw_deferred_new(r);
	trace[0] = '\0';
	tw_deferred_add(d, add_one, pass_error, NULL);
	tw_deferred_errback(d, ENOSPC);
	CHECK(strcmp(trace, "e") == 0);
	CHECK_EQ(tw_deferred_error(d), ENOSPC);
	tw_deferred_unref(d);
	tw_reactor_destroy(r);
}

static int cancelled;

static void
canceller(tw_deferred *d, void *arg)
{
	(void)d;
	(void)arg;
	cancelled++;
}

static void
a_timeout_fails_the_deferred_and_runs_the_canceller(void)
{
	tw_reactor *r = tw_reactor_create(NULL);
	tw_deferred *d = tw_deferred_new(r), *ok = tw_deferred_new(r);
	double start = tw_reactor_now(r);

	cancelled = 0;
	trace[0] = '\0';
	tw_deferred_set_canceller(d, canceller, NULL);
	tw_deferred_add(d, add_one, pass_error, NULL);
	CHECK_EQ(tw_deferred_set_timeout(d, 0.05), 0);
	/* One that fires in time is not touched by its timeout. */
	tw_deferred_set_timeout(ok, 0.05);
	tw_deferred_callback(ok, NULL);
	tw_deferred_unref(ok);
	tw_reactor_run(r);
	CHECK(tw_reactor_now(r) - start >= 0.05);
	CHECK(tw_deferred_fired(d));
	CHECK_EQ(tw_deferred_error(d), ETIMEDOUT);
	CHECK_EQ(cancelled, 1);
	CHECK(strcmp(trace, "e") == 0);
	/* A late result is refused. */
	CHECK_EQ(tw_deferred_callback(d, NULL), -1);
	tw_deferred_unref(d);
	tw_reactor_destroy(r);
}

static void
cancel_fails_with_ecanceled_once(void)
{
	tw_reactor *r = tw_reactor_create(NULL);
	tw_deferred *d = tw_deferred_new(r);

	cancelled = 0;
	tw_deferred_set_canceller(d, canceller, NULL);
	tw_deferred_set_timeout(d, 10);
	tw_deferred_cancel(d);
	tw_deferred_cancel(d);
	CHECK_EQ(cancelled, 1);
	CHECK_EQ(tw_deferred_error(d), ECANCELED);
	tw_deferred_unref(d);
	/* The timeout went with it: nothing keeps the loop. */
	CHECK_EQ(tw_reactor_run(r), 0);
	tw_reactor_destroy(r);
}

/* ------------------------------------------------------ worker threads */

static pthread_t loop_thread;
static int on_loop_thread, results;

static int
square_slowly(void *arg, void **value)
{
	struct timespec ts = { 0, 20 * 1000000 };

	/* Blocking work: fine here, on a worker. */
	nanosleep(&ts, NULL);
	if (pthread_equal(pthread_self(), loop_thread))
		return EDEADLK;
	*value = (void *)((intptr_t)arg * (intptr_t)arg);
	return 0;
}

static int
failing_work(void *arg, void **value)
{
	(void)arg;
	(void)value;
	return ENOSPC;
}

static int
check_thread(void *arg, void **value, int error)
{
	(void)value;
	if (pthread_equal(pthread_self(), loop_thread))
		on_loop_thread++;
	results++;
	*(int *)arg = error;
	return error;
}

static void
a_worker_result_arrives_on_the_loop_thread(void)
{
	tw_reactor *r = tw_reactor_create(NULL);
	tw_deferred *d[8], *bad;
	int err[8], bad_err = 0, i;

	loop_thread = pthread_self();
	on_loop_thread = results = 0;
	for (i = 0; i < 8; i++) {
		err[i] = -1;
		CHECK((d[i] = tw_defer_to_thread(r, square_slowly,
		    (void *)(intptr_t)i)) != NULL);
		tw_deferred_add(d[i], check_thread, check_thread, &err[i]);
	}
	bad = tw_defer_to_thread(r, failing_work, NULL);
	tw_deferred_add(bad, check_thread, check_thread, &bad_err);
	/* run() waits for the results: the pending jobs keep it going. */
	CHECK_EQ(tw_reactor_run(r), 0);
	CHECK_EQ(results, 9);
	CHECK_EQ(on_loop_thread, 9);
	for (i = 0; i < 8; i++) {
		CHECK_EQ(err[i], 0);
		CHECK_EQ((intptr_t)tw_deferred_value(d[i]), i * i);
		tw_deferred_unref(d[i]);
	}
	CHECK_EQ(bad_err, ENOSPC);
	tw_deferred_unref(bad);
	tw_reactor_destroy(r);
}

static void
cancelling_a_queued_job_drops_it(void)
{
	tw_reactor *r = tw_reactor_create(NULL);
	tw_deferred *first, *second;
	int e1 = -1, e2 = -1;

	loop_thread = pthread_self();
	results = 0;
	tw_thread_pool_size(r, 1);
	first = tw_defer_to_thread(r, square_slowly, (void *)(intptr_t)3);
	second = tw_defer_to_thread(r, square_slowly, (void *)(intptr_t)4);
	tw_deferred_add(first, check_thread, check_thread, &e1);
	tw_deferred_add(second, check_thread, check_thread, &e2);
	tw_deferred_cancel(second);
	CHECK_EQ(e2, ECANCELED);
	CHECK_EQ(tw_reactor_run(r), 0);
	CHECK_EQ(e1, 0);
	CHECK_EQ((intptr_t)tw_deferred_value(first), 9);
	CHECK_EQ(results, 2);
	tw_deferred_unref(first);
	tw_deferred_unref(second);
	tw_reactor_destroy(r);
}

static void
destroy_waits_for_running_jobs(void)
{
	tw_reactor *r = tw_reactor_create(NULL);
	tw_deferred *d;

	loop_thread = pthread_self();
	d = tw_defer_to_thread(r, square_slowly, (void *)(intptr_t)5);
	CHECK(d != NULL);
	tw_deferred_unref(d);
	tw_reactor_destroy(r);	/* joins the worker; frees the job */
}

int
main(void)
{
	RUN(callbacks_run_in_order_and_pass_the_value_on);
	RUN(an_error_skips_callbacks_until_an_errback_recovers);
	RUN(a_timeout_fails_the_deferred_and_runs_the_canceller);
	RUN(cancel_fails_with_ecanceled_once);
	RUN(a_worker_result_arrives_on_the_loop_thread);
	RUN(cancelling_a_queued_job_drops_it);
	RUN(destroy_waits_for_running_jobs);
	return TAP_DONE();
}
