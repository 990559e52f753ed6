/*
 * deferred.c - callback and errback chains that fire once.
 *
 * The chain is an array of links run in order from the first not yet run;
 * a link added while the chain runs (or after it ran) is picked up by the
 * same loop, so order is always the order of tw_deferred_add(). The chain
 * holds a reference while it runs: a link may drop the caller's last one.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <stdlib.h>

#include "deferred.h"
#include "timer.h"

struct link {
	tw_deferred_fn callback, errback;
	void *arg;
};

struct tw_deferred {
	tw_reactor *r;
	size_t refs;
	struct link *links;
	size_t nlinks, cap, next;
	int fired, running;
	void *value;
	int error;
	tw_timer timeout;	/* holds a reference while armed */
	tw_canceller_fn canceller;
	void *canceller_arg;
};

static void timeout_cb(tw_timer *t);

tw_deferred *
tw_deferred_new(tw_reactor *r)
{
	tw_deferred *d;

	if ((d = calloc(1, sizeof(*d))) == NULL)
		return NULL;
	d->r = r;
	d->refs = 1;
	tw_timer_init(&d->timeout, timeout_cb, d);
	return d;
}

tw_deferred *
tw_deferred_ref(tw_deferred *d)
{
	d->refs++;
	return d;
}

void
tw_deferred_unref(tw_deferred *d)
{
	if (d == NULL || --d->refs > 0)
		return;
	free(d->links);
	free(d);
}

static void
run_chain(tw_deferred *d)
{
	if (d->running)
		return;		/* the outer loop will reach the new links */
	d->running = 1;
	tw_deferred_ref(d);
	while (d->next < d->nlinks) {
		struct link *k = &d->links[d->next++];
		tw_deferred_fn fn = d->error ? k->errback : k->callback;

		if (fn != NULL)
			d->error = fn(k->arg, &d->value, d->error);
	}
	d->running = 0;
	tw_deferred_unref(d);
}

int
tw_deferred_add(tw_deferred *d, tw_deferred_fn callback,
    tw_deferred_fn errback, void *arg)
{
	if (d->nlinks == d->cap) {
		size_t n = d->cap ? d->cap * 2 : 4;
		struct link *k;

		if ((k = realloc(d->links, n * sizeof(*k))) == NULL) {
			errno = ENOMEM;
			return -1;
		}
		d->links = k;
		d->cap = n;
	}
	d->links[d->nlinks].callback = callback;
	d->links[d->nlinks].errback = errback;
	d->links[d->nlinks].arg = arg;
	d->nlinks++;
	if (d->fired)
		run_chain(d);
	return 0;
}

static int
fire(tw_deferred *d, void *value, int error)
{
	int timed;

	if (d->fired) {
		errno = EALREADY;
		return -1;
	}
	d->fired = 1;
	d->value = value;
	d->error = error;
	timed = tw_timer_active(&d->timeout);
	tw_timer_cancel(d->r, &d->timeout);
	run_chain(d);
	if (timed)
		tw_deferred_unref(d);	/* the timer's reference, kept till now */
	return 0;
}

int
tw_deferred_callback(tw_deferred *d, void *value)
{
	return fire(d, value, 0);
}

int
tw_deferred_errback(tw_deferred *d, int error)
{
	return fire(d, NULL, error ? error : EINVAL);
}

static void
cancel_with(tw_deferred *d, int error)
{
	/* The caller holds a reference: d outlives the canceller and the chain. */
	if (d->fired)
		return;
	if (d->canceller != NULL)
		d->canceller(d, d->canceller_arg);
	if (!d->fired)
		fire(d, NULL, error);
}

static void
timeout_cb(tw_timer *t)
{
	tw_deferred *d = t->data;

	cancel_with(d, ETIMEDOUT);
	tw_deferred_unref(d);	/* the timer's reference */
}

int
tw_deferred_set_timeout(tw_deferred *d, double seconds)
{
	int armed = tw_timer_active(&d->timeout);

	if (d->fired)
		return 0;
	if (tw_call_later(d->r, &d->timeout, seconds) == -1)
		return -1;
	if (!armed)
		tw_deferred_ref(d);
	return 0;
}

void
tw_deferred_set_canceller(tw_deferred *d, tw_canceller_fn fn, void *arg)
{
	d->canceller = fn;
	d->canceller_arg = arg;
}

void
tw_deferred_cancel(tw_deferred *d)
{
	cancel_with(d, ECANCELED);
}

int
tw_deferred_fired(const tw_deferred *d)
{
	return d->fired;
}

void *
tw_deferred_value(const tw_deferred *d)
{
	return d->value;
}

int
tw_deferred_error(const tw_deferred *d)
{
	return d->error;
}
