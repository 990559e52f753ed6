/*
 * test_reactor.c - the loop, tw_io, tw_soon, timers and signals.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tap.h"
#include "twirl.h"

static tw_reactor *
new_reactor(void)
{
	return tw_reactor_create(NULL);
}

/* ------------------------------------------------------------- timers */

static int order[16], norder;

static void
record_cb(tw_timer *t)
{
	order[norder++] = (int)(intptr_t)t->data;
}

static void
timers_fire_in_deadline_order(void)
{
	tw_reactor *r = new_reactor();
	tw_timer t[5];
	double delays[5] = { 0.03, 0.01, 0.02, 0.01, 0 };
	int i;

	CHECK(r != NULL);
	norder = 0;
	for (i = 0; i < 5; i++) {
		tw_timer_init(&t[i], record_cb, (void *)(intptr_t)i);
		CHECK_EQ(tw_call_later(r, &t[i], delays[i]), 0);
	}
	CHECK_EQ(tw_reactor_run(r), 0);
	CHECK_EQ(norder, 5);
	/* Equal deadlines (1 and 3) fire in the order they were armed. */
	CHECK_EQ(order[0], 4);
	CHECK_EQ(order[1], 1);
	CHECK_EQ(order[2], 3);
	CHECK_EQ(order[3], 2);
	CHECK_EQ(order[4], 0);
	tw_reactor_destroy(r);
}

static void
timers_do_not_fire_early(void)
{
	tw_reactor *r = new_reactor();
	tw_timer t;
	double start;

	tw_timer_init(&t, record_cb, NULL);
	norder = 0;
	start = tw_reactor_now(r);
	tw_call_later(r, &t, 0.05);
	tw_reactor_run(r);
	CHECK_EQ(norder, 1);
	CHECK(tw_reactor_now(r) - start >= 0.05);
	tw_reactor_destroy(r);
}

struct cancel_ctx {
	tw_reactor *r;
	tw_timer a, b, c;
	int fired_a, fired_b, fired_c;
};

static void
cancel_b_cb(tw_timer *t)
{
	struct cancel_ctx *x = t->data;

	x->fired_a++;
	tw_timer_cancel(x->r, &x->b);		/* due in this same pass */
	tw_call_later(x->r, &x->c, 0.02);	/* push c later */
}

static void
count_b_cb(tw_timer *t)
{
	((struct cancel_ctx *)t->data)->fired_b++;
}

static void
count_c_cb(tw_timer *t)
{
	struct cancel_ctx *x = t->data;

	x->fired_c++;
	CHECK(!tw_timer_active(&x->c));
}

static void
a_callback_cancels_and_resets_other_timers(void)
{
	struct cancel_ctx x;

	memset(&x, 0, sizeof(x));
	x.r = new_reactor();
	tw_timer_init(&x.a, cancel_b_cb, &x);
	tw_timer_init(&x.b, count_b_cb, &x);
	tw_timer_init(&x.c, count_c_cb, &x);
	tw_call_later(x.r, &x.a, 0.01);
	tw_call_later(x.r, &x.b, 0.01);
	tw_call_later(x.r, &x.c, 0.012);
	/* Let both a and b be due before the loop looks. */
	while (tw_timer_remaining(x.r, &x.b) > 0)
		;
	CHECK(tw_reactor_turn(x.r, 0) >= 1);
	CHECK_EQ(x.fired_a, 1);
	CHECK_EQ(x.fired_b, 0);
	CHECK_EQ(x.fired_c, 0);
	CHECK(tw_timer_active(&x.c));
	CHECK(tw_timer_remaining(x.r, &x.c) > 0.01);
	tw_reactor_run(x.r);
	CHECK_EQ(x.fired_b, 0);
	CHECK_EQ(x.fired_c, 1);
	tw_reactor_destroy(x.r);
}

struct self_ctx {
	tw_reactor *r;
	int n, turns;
};

static void
rearm_self_cb(tw_timer *t)
{
	struct self_ctx *x = t->data;

	/* Re-arming with no delay must wait for the next turn. */
	if (++x->n < 100)
		tw_call_later(x->r, t, 0);
}

static void
a_timer_rearms_itself_without_starving_the_loop(void)
{
	struct self_ctx x = { NULL, 0, 0 };
	tw_timer t;
	int n;

	x.r = new_reactor();
	tw_timer_init(&t, rearm_self_cb, &x);
	tw_call_later(x.r, &t, 0);
	n = tw_reactor_turn(x.r, 0);
	CHECK_EQ(n, 1);
	CHECK_EQ(x.n, 1);
	CHECK(tw_timer_active(&t));
	tw_reactor_run(x.r);
	CHECK_EQ(x.n, 100);
	tw_reactor_destroy(x.r);
}

static void
cancel_self_cb(tw_timer *t)
{
	struct self_ctx *x = t->data;

	x->n++;
	tw_timer_cancel(x->r, t);	/* not armed any more: harmless */
	tw_call_later(x->r, t, 10);
	tw_timer_cancel(x->r, t);	/* armed again, then cancelled */
}

static void
a_timer_cancels_itself_from_its_callback(void)
{
	struct self_ctx x = { NULL, 0, 0 };
	tw_timer t;

	x.r = new_reactor();
	tw_timer_init(&t, cancel_self_cb, &x);
	tw_call_later(x.r, &t, 0);
	CHECK_EQ(tw_reactor_run(x.r), 0);	/* returns: nothing left */
	CHECK_EQ(x.n, 1);
	CHECK(!tw_timer_active(&t));
	tw_reactor_destroy(x.r);
}

static size_t nfired;
static uint64_t last_when;
static int out_of_order;

static void
ordered_cb(tw_timer *t)
{
	if (t->when < last_when)
		out_of_order++;
	last_when = t->when;
	nfired++;
}

static void
run_many_timers(size_t n, double spread, int cancel_every)
{
	tw_reactor *r = new_reactor();
	tw_timer *t = calloc(n, sizeof(*t));
	size_t i, cancelled = 0;

	CHECK(r != NULL && t != NULL);
	nfired = 0;
	last_when = 0;
	out_of_order = 0;
	srand(42);
	for (i = 0; i < n; i++) {
		tw_timer_init(&t[i], ordered_cb, NULL);
		CHECK_EQ(tw_call_later(r, &t[i], spread * rand() / RAND_MAX), 0);
	}
	for (i = 0; cancel_every > 0 && i < n; i += (size_t)cancel_every) {
		tw_timer_cancel(r, &t[i]);
		cancelled++;
	}
	CHECK_EQ(tw_reactor_run(r), 0);
	CHECK_EQ(nfired, n - cancelled);
	CHECK_EQ(out_of_order, 0);
	tw_reactor_destroy(r);
	free(t);
}

static void
hundred_thousand_timers_fire_in_order(void)
{
	run_many_timers(100000, 0.2, 7);
}

static void
a_million_pending_timers_work(void)
{
	run_many_timers(1000000, 0.3, 0);
}

/* --------------------------------------------------------------- soon */

static int soon_runs;

static void
soon_requeue_cb(tw_soon *s)
{
	tw_reactor *r = s->data;

	if (++soon_runs < 3)
		tw_soon_queue(r, s);	/* next turn, not this one */
}

static void
soon_runs_once_per_queue_and_requeues_for_next_turn(void)
{
	tw_reactor *r = new_reactor();
	tw_soon s, c;

	soon_runs = 0;
	tw_soon_init(&s, soon_requeue_cb, r);
	tw_soon_init(&c, soon_requeue_cb, r);
	tw_soon_queue(r, &s);
	tw_soon_queue(r, &s);	/* already queued: once */
	CHECK_EQ(tw_reactor_turn(r, 0), 1);
	CHECK_EQ(soon_runs, 1);
	tw_soon_queue(r, &c);
	tw_soon_cancel(r, &c);
	CHECK_EQ(tw_reactor_turn(r, 0), 1);
	CHECK_EQ(soon_runs, 2);
	tw_reactor_run(r);
	CHECK_EQ(soon_runs, 3);
	tw_reactor_destroy(r);
}

static tw_soon chain[3];
static int chain_ran[3];

static void
cancel_next_cb(tw_soon *s)
{
	int i = (int)(s - chain);

	chain_ran[i]++;
	if (i == 0) {
		/* Cancel the next one in the running list and queue it anew. */
		tw_soon_cancel(s->data, &chain[1]);
		tw_soon_queue(s->data, &chain[1]);
	}
}

static void
soon_cancel_inside_the_running_list_keeps_the_rest(void)
{
	tw_reactor *r = new_reactor();
	int i;

	for (i = 0; i < 3; i++) {
		chain_ran[i] = 0;
		tw_soon_init(&chain[i], cancel_next_cb, r);
		tw_soon_queue(r, &chain[i]);
	}
	tw_reactor_turn(r, 0);
	CHECK_EQ(chain_ran[0], 1);
	CHECK_EQ(chain_ran[1], 0);
	CHECK_EQ(chain_ran[2], 1);
	tw_reactor_turn(r, 0);
	CHECK_EQ(chain_ran[1], 1);
	tw_reactor_destroy(r);
}

/* ----------------------------------------------------------------- io */

static int io_got;

static void
pipe_read_cb(tw_io *io, int events)
{
	char c;

	CHECK(events & TW_READ);
	if (read(io->fd, &c, 1) == 1)
		io_got = c;
	tw_io_stop(io->data, io);
}

static void
a_watcher_sees_a_readable_pipe_and_stop_ends_run(void)
{
	tw_reactor *r = new_reactor();
	tw_io io, other;
	int p[2];

	CHECK_EQ(pipe(p), 0);
	fcntl(p[0], F_SETFL, O_NONBLOCK);
	io_got = 0;
	tw_io_init(&io, p[0], pipe_read_cb, r);
	CHECK_EQ(tw_io_start(r, &io, TW_READ), 0);
	tw_io_init(&other, p[0], pipe_read_cb, r);
	CHECK_EQ(tw_io_start(r, &other, TW_READ), -1);
	CHECK_EQ(errno, EEXIST);
	CHECK_EQ(write(p[1], "x", 1), 1);
	CHECK_EQ(tw_reactor_run(r), 0);
	CHECK_EQ(io_got, 'x');
	CHECK(!tw_io_active(&io));
	close(p[0]);
	close(p[1]);
	tw_reactor_destroy(r);
}

static int file_reads;

static void
file_read_cb(tw_io *io, int events)
{
	char buf[8];

	(void)events;
	if (read(io->fd, buf, sizeof(buf)) <= 0) {
		tw_io_stop(io->data, io);
		return;
	}
	file_reads++;
}

static void
a_regular_file_is_always_ready(void)
{
	tw_reactor *r = new_reactor();
	char path[] = "/tmp/twirl-test-XXXXXX";
	int fd = mkstemp(path);
	tw_io io;

	CHECK(fd >= 0);
	unlink(path);
	CHECK_EQ(write(fd, "0123456789abcdef", 16), 16);
	lseek(fd, 0, SEEK_SET);
	file_reads = 0;
	tw_io_init(&io, fd, file_read_cb, r);
	CHECK_EQ(tw_io_start(r, &io, TW_READ), 0);
	tw_reactor_run(r);
	CHECK_EQ(file_reads, 2);
	close(fd);
	tw_reactor_destroy(r);
}

static void
stop_cb(tw_timer *t)
{
	tw_reactor_stop(t->data);
}

static void
stop_makes_run_return_with_work_left(void)
{
	tw_reactor *r = new_reactor();
	tw_timer a, later;

	tw_timer_init(&a, stop_cb, r);
	tw_timer_init(&later, stop_cb, r);
	tw_call_later(r, &a, 0.01);
	tw_call_later(r, &later, 100);
	CHECK_EQ(tw_reactor_run(r), 0);
	CHECK(tw_timer_active(&later));
	tw_reactor_destroy(r);
}

static void
an_unknown_backend_is_refused(void)
{
	tw_reactor *r;

	errno = 0;
	CHECK(tw_reactor_create("select") == NULL);
	CHECK_EQ(errno, EINVAL);
	r = tw_reactor_create("poll");
	CHECK(r != NULL);
	CHECK(strcmp(tw_reactor_backend(r), "poll") == 0);
	tw_reactor_destroy(r);
	if (getenv("TWIRL_BACKEND") != NULL) {
		r = tw_reactor_create(NULL);
		CHECK(strcmp(tw_reactor_backend(r), getenv("TWIRL_BACKEND")) == 0);
		tw_reactor_destroy(r);
	}
}

/* ------------------------------------------------------------ signals */

static int got_usr1, got_usr2, got_hup;

static void
sig_cb(tw_signal *s, int signo)
{
	if (signo == SIGUSR1)
		got_usr1++;
	else if (signo == SIGUSR2)
		got_usr2++;
	else if (signo == SIGHUP)
		got_hup++;
	if (got_usr1 >= 2 && got_usr2 >= 1 && got_hup >= 1)
		tw_reactor_stop(s->data);
}

static void
raise_cb(tw_timer *t)
{
	static int step;

	/* One at a time, each seen before the next is raised. */
	switch (step++) {
	case 0: raise(SIGUSR1); break;
	case 1: raise(SIGUSR2); raise(SIGHUP); break;
	case 2: raise(SIGUSR1); return;
	}
	tw_call_later(t->data, t, 0.005);
}

static void
signals_arrive_as_callbacks_several_and_repeated(void)
{
	tw_reactor *r = new_reactor();
	tw_signal s1, s2, s3;
	tw_timer t, guard;

	got_usr1 = got_usr2 = got_hup = 0;
	tw_signal_init(&s1, sig_cb, r);
	tw_signal_init(&s2, sig_cb, r);
	tw_signal_init(&s3, sig_cb, r);
	CHECK_EQ(tw_signal_start(r, &s1, SIGUSR1), 0);
	CHECK_EQ(tw_signal_start(r, &s2, SIGUSR2), 0);
	CHECK_EQ(tw_signal_start(r, &s3, SIGHUP), 0);
	CHECK_EQ(tw_signal_start(r, &s3, SIGKILL), -1);
	tw_timer_init(&t, raise_cb, r);
	tw_timer_init(&guard, stop_cb, r);
	tw_call_later(r, &t, 0.005);
	tw_call_later(r, &guard, 5);
	tw_reactor_run(r);
	CHECK_EQ(got_usr1, 2);
	CHECK_EQ(got_usr2, 1);
	CHECK_EQ(got_hup, 1);
	tw_signal_stop(r, &s1);
	tw_signal_stop(r, &s2);
	tw_reactor_destroy(r);	/* forgets s3, restores SIGHUP */
}

static void
signal_watchers_alone_do_not_keep_the_loop_running(void)
{
	tw_reactor *r = new_reactor();
	tw_signal s;
	struct sigaction sa;

	tw_signal_init(&s, sig_cb, r);
	CHECK_EQ(tw_signal_start(r, &s, SIGUSR2), 0);
	CHECK_EQ(tw_reactor_run(r), 0);
	tw_signal_stop(r, &s);
	sigaction(SIGUSR2, NULL, &sa);
	CHECK(sa.sa_handler == SIG_DFL);
	tw_reactor_destroy(r);
}

int
main(void)
{
	RUN(timers_fire_in_deadline_order);
	RUN(timers_do_not_fire_early);
	RUN(a_callback_cancels_and_resets_other_timers);
	RUN(a_timer_rearms_itself_without_starving_the_loop);
	RUN(a_timer_cancels_itself_from_its_callback);
	RUN(hundred_thousand_timers_fire_in_order);
	RUN(a_million_pending_timers_work);
	RUN(soon_runs_once_per_queue_and_requeues_for_next_turn);
	RUN(soon_cancel_inside_the_running_list_keeps_the_rest);
	RUN(a_watcher_sees_a_readable_pipe_and_stop_ends_run);
	RUN(a_regular_file_is_always_ready);
	RUN(stop_makes_run_return_with_work_left);
	RUN(an_unknown_backend_is_refused);
	RUN(signals_arrive_as_callbacks_several_and_repeated);
	RUN(signal_watchers_alone_do_not_keep_the_loop_running);
	return TAP_DONE();
}
