/*
 * signals.c - signals as loop callbacks, through the reactor's wake-up.
 *
 * The handler does the two async-signal-safe things it must: set a flag and
 * wake the loop (tw__wake(), a write(2) to the eventfd or pipe of wake.c,
 * shared with the worker threads; a failed write means a wake-up is already
 * pending, so it loses nothing). The wake-up does not keep the loop alive;
 * when it fires, the loop runs the watchers of every flagged signal. The
 * wake-up rather than signalfd: signalfd needs the signal blocked in every thread, worker
 * threads and children included, which a library cannot promise.
 */
#define _GNU_SOURCE

#include <errno.h>
#include <signal.h>
#include <string.h>

#include "internal.h"
#include "signals.h"

#ifndef NSIG
#define NSIG 65
#endif

static tw_reactor *owner;
static volatile sig_atomic_t wake_fd = -1;	/* read by the handler */
static LIST_HEAD(, tw_signal) watchers[NSIG];
static struct sigaction saved[NSIG];
static volatile sig_atomic_t pending[NSIG];
static unsigned round_gen;
static char signals_key;	/* registered with the reactor that owns them */

static void signals_forget(tw_reactor *r, void *state);

static void
handler(int signo)
{
	int saved_errno = errno;

	pending[signo] = 1;
	if (wake_fd >= 0)
		tw__wake(wake_fd);
	errno = saved_errno;
}

static void
run_watchers(int signo)
{
	tw_signal *s;

	/*
	 * A callback may stop any watcher, so walk from the head again after
	 * each call and run those not yet run in this round.
	 */
	for (;;) {
		LIST_FOREACH(s, &watchers[signo], link)
			if (s->gen != round_gen)
				break;
		if (s == NULL)
			return;
		s->gen = round_gen;
		s->cb(s, signo);
	}
}

static void
woken(tw_reactor *r, void *arg)
{
	int signo;

	(void)r;
	(void)arg;
	round_gen++;
	for (signo = 1; signo < NSIG; signo++) {
		if (!pending[signo])
			continue;
		pending[signo] = 0;
		run_watchers(signo);
	}
}

/* Subscribe to r's wake-up; the signals' hook is registered after it. */
static int
open_wake(tw_reactor *r)
{
	int fd;

	if ((fd = tw__wake_add(r, woken, NULL)) == -1)
		return -1;
	if (tw__module_state(r, &signals_key) == NULL &&
	    tw__module_add(r, &signals_key, &signals_key, signals_forget) == -1) {
		tw__wake_remove(r, woken, NULL);
		return -1;
	}
	wake_fd = fd;
	owner = r;
	return 0;
}

static void
close_wake(tw_reactor *r)
{
	wake_fd = -1;
	tw__wake_remove(r, woken, NULL);
	owner = NULL;
}

void
tw_signal_init(tw_signal *s, tw_signal_cb cb, void *data)
{
	memset(s, 0, sizeof(*s));
	s->cb = cb;
	s->data = data;
}

int
tw_signal_start(tw_reactor *r, tw_signal *s, int signo)
{
	struct sigaction sa;

	if (signo <= 0 || signo >= NSIG || signo == SIGKILL || signo == SIGSTOP) {
		errno = EINVAL;
		return -1;
	}
	if (owner != NULL && owner != r) {
		errno = EBUSY;
		return -1;
	}
	if (s->signo != 0)
		tw_signal_stop(r, s);
	if (owner == NULL && open_wake(r) == -1)
		return -1;
	if (LIST_EMPTY(&watchers[signo])) {
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = handler;
		sa.sa_flags = SA_RESTART;
		sigfillset(&sa.sa_mask);
		if (sigaction(signo, &sa, &saved[signo]) == -1)
			return -1;
	}
	s->signo = signo;
	s->gen = round_gen;	/* not run in a round already under way */
	LIST_INSERT_HEAD(&watchers[signo], s, link);
	return 0;
}

static int
any_watcher(void)
{
	int i;

	for (i = 1; i < NSIG; i++)
		if (!LIST_EMPTY(&watchers[i]))
			return 1;
	return 0;
}

void
tw_signal_stop(tw_reactor *r, tw_signal *s)
{
	int signo = s->signo;

	if (signo == 0 || owner != r)
		return;
	LIST_REMOVE(s, link);
	s->signo = 0;
	if (LIST_EMPTY(&watchers[signo])) {
		sigaction(signo, &saved[signo], NULL);
		pending[signo] = 0;
	}
	if (!any_watcher())
		close_wake(r);
}

/* The reactor is going: restore every disposition, forget the watchers. */
static void
signals_forget(tw_reactor *r, void *state)
{
	int i;

	(void)state;
	if (owner != r)
		return;
	for (i = 1; i < NSIG; i++) {
		tw_signal *s;

		if (LIST_EMPTY(&watchers[i]))
			continue;
		sigaction(i, &saved[i], NULL);
		while ((s = LIST_FIRST(&watchers[i])) != NULL) {
			LIST_REMOVE(s, link);
			s->signo = 0;
		}
		pending[i] = 0;
	}
	close_wake(r);
}
