/*
 * timer.c - call later: a binary heap of caller-owned timers.
 *
 * Each timer knows its slot in the heap, so cancel and reset are O(log n)
 * without a search (libev's layout). Deadlines are absolute nanoseconds on
 * the monotonic clock, read when the timer is armed. Expiry takes due timers
 * off the top one at a time, so a callback may cancel or re-arm any timer,
 * the ones due in the same pass included; a timer armed during the pass has
 * a sequence number past the pass's and waits for the next turn.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "timer.h"

static int
before(const tw_timer *a, const tw_timer *b)
{
	return a->when < b->when || (a->when == b->when && a->seq < b->seq);
}

static void
place(tw_reactor *r, size_t i, tw_timer *t)
{
	r->heap[i] = t;
	t->slot = i + 1;
}

static void
sift_up(tw_reactor *r, size_t i)
{
	tw_timer *t = r->heap[i];

	while (i > 0) {
		size_t parent = (i - 1) / 2;

		if (!before(t, r->heap[parent]))
			break;
		place(r, i, r->heap[parent]);
		i = parent;
	}
	place(r, i, t);
}

static void
sift_down(tw_reactor *r, size_t i)
{
	tw_timer *t = r->heap[i];

	for (;;) {
		size_t c = 2 * i + 1;

		if (c >= r->nheap)
			break;
		if (c + 1 < r->nheap && before(r->heap[c + 1], r->heap[c]))
			c++;
		if (!before(r->heap[c], t))
			break;
		place(r, i, r->heap[c]);
		i = c;
	}
	place(r, i, t);
}

static void
heap_remove(tw_reactor *r, tw_timer *t)
{
	size_t i = t->slot - 1;
	tw_timer *last = r->heap[--r->nheap];

	t->slot = 0;
	if (i == r->nheap)
		return;
	place(r, i, last);
	if (i > 0 && before(last, r->heap[(i - 1) / 2]))
		sift_up(r, i);
	else
		sift_down(r, i);
}

void
tw_timer_init(tw_timer *t, tw_timer_cb cb, void *data)
{
	memset(t, 0, sizeof(*t));
	t->cb = cb;
	t->data = data;
}

static uint64_t
delay_ns(double delay)
{
	if (!(delay > 0))	/* negative, zero or NaN */
		return 0;
	if (delay > 1e9)	/* 31 years: call it never-ish, without overflow */
		delay = 1e9;
	return (uint64_t)(delay * 1e9);
}

int
tw_call_later(tw_reactor *r, tw_timer *t, double delay)
{
	if (t->slot != 0)
		heap_remove(r, t);
	if (r->nheap == r->heap_cap) {
		size_t n = r->heap_cap ? r->heap_cap * 2 : 64;
		tw_timer **h;

		if ((h = realloc(r->heap, n * sizeof(*h))) == NULL) {
			errno = ENOMEM;
			return -1;
		}
		r->heap = h;
		r->heap_cap = n;
	}
	t->when = tw__now_ns() + delay_ns(delay);
	t->seq = r->timer_seq++;
	place(r, r->nheap++, t);
	sift_up(r, r->nheap - 1);
	return 0;
}

void
tw_timer_cancel(tw_reactor *r, tw_timer *t)
{
	if (t->slot != 0)
		heap_remove(r, t);
}

double
tw_timer_remaining(const tw_reactor *r, const tw_timer *t)
{
	uint64_t now = tw__now_ns();

	(void)r;
	if (t->slot == 0)
		return -1;
	return t->when <= now ? 0 : (double)(t->when - now) / 1e9;
}

int
tw__timers_timeout_ms(tw_reactor *r)
{
	uint64_t now, when;

	if (r->nheap == 0)
		return -1;
	now = tw__now_ns();
	when = r->heap[0]->when;
	if (when <= now)
		return 0;
	/* Round up: waking a little late beats waking early and spinning. */
	when = (when - now + 999999) / 1000000;
	return when > 0x7fffffff ? 0x7fffffff : (int)when;
}

int
tw__timers_run(tw_reactor *r)
{
	uint64_t now = tw__now_ns(), seq = r->timer_seq;
	int n = 0;

	while (r->nheap > 0) {
		tw_timer *t = r->heap[0];

		if (t->when > now || t->seq >= seq)
			break;
		heap_remove(r, t);
		t->cb(t);
		n++;
	}
	return n;
}

void
tw__timers_free(tw_reactor *r)
{
	size_t i;

	for (i = 0; i < r->nheap; i++)
		r->heap[i]->slot = 0;
	free(r->heap);
	r->heap = NULL;
	r->nheap = r->heap_cap = 0;
}
