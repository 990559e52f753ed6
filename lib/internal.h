/*
 * internal.h - internal: the reactor's state, and the few names the
 * library's files share.
 *
 * Only the library's own files include this. Cross-file names are tw__; the public API is
 * in the other headers.
 */
#ifndef TWIRL_INTERNAL_H
#define TWIRL_INTERNAL_H

#include <stdint.h>
#include <sys/socket.h>

#include "backend.h"
#include "reactor.h"
#include "timer.h"

/*
 * A module the reactor does not know (connections, worker threads, signals)
 * keeps its per-reactor state under a key, the address of one of its own
 * statics, and registers it on first use with a destroy hook.
 * tw_reactor_destroy() runs the hooks in reverse order of registration, so
 * a module that uses another (the pool uses the wake-up) is destroyed
 * first. So the reactor links only what a program uses.
 */
typedef void (*tw__destroy_fn)(tw_reactor *r, void *state);

struct tw__module {
	const void *key;
	void *state;
	tw__destroy_fn destroy;
};

#define TW__MODULES 8		/* the library has fewer; a fixed table is plenty */

struct tw_reactor {
	const struct tw__backend *be;
	void *be_state;

	tw_io **watchers;		/* by descriptor */
	int nwatchers;
	size_t nactive_io;
	struct tw__event *events;	/* filled by the backend's wait */
	int nevents;

	tw_timer **heap;		/* binary heap of armed timers */
	size_t nheap, heap_cap;
	uint64_t timer_seq;

	TAILQ_HEAD(, tw_soon) soon;	/* queued, in order */
	uint64_t soon_run;		/* the next run of the queue, from 1 */

	int stopping;
	size_t holds;			/* tw__reactor_hold(): work not on a watcher */

	struct tw__module modules[TW__MODULES];
	int nmodules;
};

uint64_t tw__now_ns(void);
int tw__timers_run(tw_reactor *r);
int tw__timers_timeout_ms(tw_reactor *r);	/* -1: no timer */
void tw__timers_free(tw_reactor *r);

/* The state registered under key, or NULL. */
void *tw__module_state(const tw_reactor *r, const void *key);
/* Register state under key, to be destroyed with r. 0, or -1 with ENOSPC. */
int tw__module_add(tw_reactor *r, const void *key, void *state,
    tw__destroy_fn destroy);

/*
 * Keep tw_reactor_run() going (delta > 0) while work the loop will hear of
 * through the wake-up is pending, such as a job on a worker thread; then
 * release it (delta < 0).
 */
void tw__reactor_hold(tw_reactor *r, int delta);

/*
 * wake.c: the one wake-up. tw__wake_add() subscribes fn(r, arg), run in the
 * loop after every wake-up, and returns the descriptor to pass to
 * tw__wake(), or -1 with errno. tw__wake() is async-signal-safe and may be
 * called from any thread.
 */
typedef void (*tw__wake_fn)(tw_reactor *r, void *arg);
int tw__wake_add(tw_reactor *r, tw__wake_fn fn, void *arg);
void tw__wake_remove(tw_reactor *r, tw__wake_fn fn, void *arg);
void tw__wake(int fd);

/* conn.c: O_NONBLOCK and FD_CLOEXEC on fd. 0, or -1 with errno. */
int tw__set_nonblock(int fd);

/*
 * conn.c, for listener.c: make a connection of f's protocol on fd, just
 * accepted from peer, and call made(). A socket that cannot be watched or
 * whose connection cannot be allocated is closed, as if the peer had gone.
 */
struct tw_factory;
void tw__conn_accepted(tw_reactor *r, int fd, struct tw_factory *f,
    const struct sockaddr *peer, socklen_t len);

#endif
