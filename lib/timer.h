/*
 * timer.h - call later: run a callback after a delay on the monotonic clock.
 *
 * Twisted's callLater and its DelayedCall: a tw_timer is a handle the caller
 * owns; tw_call_later() arms it (arming an armed timer moves its
 * deadline: Twisted's reset) and tw_timer_cancel() disarms it. A repeating
 * call is a timer that arms itself again from its own callback.
 *
 * Pending timers live in a binary heap ordered by deadline, so arming,
 * cancelling and resetting cost O(log n) and a loop turn costs O(1) until a
 * timer is due. Timers with the same deadline fire in the order they were
 * armed. A callback may arm, cancel or reset any timer, itself included; a
 * timer armed from a callback never fires in the same turn, so a zero-delay
 * timer that re-arms itself cannot starve the loop.
 */
#ifndef TWIRL_TIMER_H
#define TWIRL_TIMER_H

#include <stddef.h>
#include <stdint.h>

#include "reactor.h"

typedef struct tw_timer tw_timer;
typedef void (*tw_timer_cb)(tw_timer *t);

struct tw_timer {
	tw_timer_cb cb;
	void *data;		/* the caller's */
	/* private */
	uint64_t when;		/* deadline, ns on the monotonic clock */
	uint64_t seq;		/* arming order, breaks ties */
	size_t slot;		/* index in the heap + 1; 0 when not armed */
};

void tw_timer_init(tw_timer *t, tw_timer_cb cb, void *data);

/*
 * Arm t to fire once, delay seconds from now (a negative delay counts as 0).
 * Arming an armed timer moves it. Returns 0, or -1 with ENOMEM, which
 * only arming a timer that is not armed can meet (the heap grows): moving
 * an armed timer, or arming a timer again from its own callback (it left
 * the heap as it fired), never fails.
 */
int tw_call_later(tw_reactor *r, tw_timer *t, double delay);

/* Disarm t; nothing happens if it is not armed. */
void tw_timer_cancel(tw_reactor *r, tw_timer *t);

static inline int tw_timer_active(const tw_timer *t) { return t->slot != 0; }

/* Seconds until t fires (0 if due), or -1 when it is not armed. */
double tw_timer_remaining(const tw_reactor *r, const tw_timer *t);

#endif
