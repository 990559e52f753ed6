/*
 * signals.h - Unix signals delivered as ordinary callbacks in the loop.
 *
 * The handler installed by tw_signal_start() only records the signal and
 * wakes the loop (through the reactor's one wake-up, an eventfd on Linux or
 * a non-blocking pipe, which worker threads share); the loop then runs
 * every watcher of each signal that arrived, on the loop's thread, where
 * any library call is safe. Signals that arrive twice before the loop sees
 * them are reported once, as the kernel itself merges pending signals.
 *
 * Signal dispositions are process-wide: one reactor at a time may watch
 * signals. Watchers alone do not keep tw_reactor_run() going. When the last
 * watcher of a signal stops, its disposition is restored.
 */
#ifndef TWIRL_SIGNALS_H
#define TWIRL_SIGNALS_H

#include <sys/queue.h>

#include "reactor.h"

typedef struct tw_signal tw_signal;
typedef void (*tw_signal_cb)(tw_signal *s, int signo);

struct tw_signal {
	tw_signal_cb cb;
	void *data;		/* the caller's */
	/* private */
	int signo;
	unsigned gen;		/* last delivery round that ran it */
	LIST_ENTRY(tw_signal) link;
};

void tw_signal_init(tw_signal *s, tw_signal_cb cb, void *data);

/*
 * Deliver signo to s->cb. Returns 0, or -1 with errno (EINVAL for a signal
 * that cannot be caught, EBUSY if another reactor watches signals).
 */
int tw_signal_start(tw_reactor *r, tw_signal *s, int signo);
void tw_signal_stop(tw_reactor *r, tw_signal *s);

#endif
