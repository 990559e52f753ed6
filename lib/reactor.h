/*
 * reactor.h - the event loop: one per thread, single-threaded, never blocks
 * on I/O.
 *
 * A reactor waits on file descriptors (through a backend, poll(2) or
 * epoll(7), chosen at run time) and on timers (timer.h), and dispatches each
 * ready event to a callback. Everything else in libtwirl (signals,
 * connections, deferreds, worker threads) is built from the three handles
 * declared here and in timer.h:
 *
 *   tw_io     watch one descriptor for reading and/or writing;
 *   tw_soon   run a callback once, before the loop next waits;
 *   tw_timer  run a callback after a delay (timer.h).
 *
 * Handles are structs the caller owns and initialises; the reactor never
 * allocates or frees them. A handle must stay at the same address while it
 * is started, and must be stopped before it is freed.
 *
 * Callbacks run on the loop's thread, one at a time. Any callback may start
 * or stop any handle, its own included, and may call tw_reactor_stop().
 *
 * Errors: functions that can fail return -1 and set errno (or return NULL
 * and set errno). The library never prints and never exits.
 */
#ifndef TWIRL_REACTOR_H
#define TWIRL_REACTOR_H

typedef struct tw_reactor tw_reactor;
typedef struct tw_io tw_io;
typedef struct tw_soon tw_soon;

enum {
	TW_READ = 1,		/* descriptor readable, or at end of file */
	TW_WRITE = 2,		/* descriptor writable */
	TW_ERROR = 4		/* error or hang-up; only ever reported */
};

/*
 * Create a reactor. backend is "poll", "epoll" or NULL; NULL means the
 * environment variable TWIRL_BACKEND when it is set, otherwise the best the
 * system has (epoll on Linux). An unknown name fails with EINVAL.
 */
tw_reactor *tw_reactor_create(const char *backend);

/*
 * Free the reactor, aborting every connection and listener it still holds
 * and joining its worker threads. Handles the caller owns are simply
 * forgotten (their callbacks never run again).
 */
void tw_reactor_destroy(tw_reactor *r);

/* The name of the backend in use: "poll" or "epoll". */
const char *tw_reactor_backend(const tw_reactor *r);

/*
 * Run the loop until tw_reactor_stop() is called or nothing is left that
 * could make a callback run: no started tw_io, tw_timer or tw_soon, no job
 * on a worker thread. Signal watchers alone do not keep the loop running.
 * Returns 0, or -1 with errno set if the backend failed.
 */
int tw_reactor_run(tw_reactor *r);

/*
 * One turn of the loop: run due tw_soon callbacks, wait at most timeout_ms
 * (-1: until something happens, 0: not at all) for descriptors, dispatch
 * them, then run expired timers. Returns the number of callbacks run, or -1
 * with errno set.
 */
int tw_reactor_turn(tw_reactor *r, int timeout_ms);

/* Make tw_reactor_run() return once the current turn ends. */
void tw_reactor_stop(tw_reactor *r);

/* The monotonic clock in seconds, as the timers see it. */
double tw_reactor_now(const tw_reactor *r);

/* ---------------------------------------------------------------- tw_io */

typedef void (*tw_io_cb)(tw_io *io, int events);

struct tw_io {
	int fd;
	tw_io_cb cb;
	void *data;		/* the caller's */
	/* private */
	int events;		/* what is being watched, 0 when stopped */
	int weak;		/* does not keep tw_reactor_run() going */
};

void tw_io_init(tw_io *io, int fd, tw_io_cb cb, void *data);

/*
 * Watch io->fd for events (TW_READ | TW_WRITE); calling it again changes the
 * set; an empty set stops the watcher. One watcher per descriptor. Returns
 * 0, or -1 with errno set (EEXIST: another watcher holds this descriptor).
 * A regular file, which epoll cannot watch, is reported always ready, as
 * poll(2) does.
 */
int tw_io_start(tw_reactor *r, tw_io *io, int events);

/* Stop watching. Call it before closing the descriptor. */
void tw_io_stop(tw_reactor *r, tw_io *io);

static inline int tw_io_active(const tw_io *io) { return io->events != 0; }

/* -------------------------------------------------------------- tw_soon */

typedef void (*tw_soon_cb)(tw_soon *s);

struct tw_soon {
	tw_soon_cb cb;
	void *data;		/* the caller's */
	/* private */
	tw_soon *next, **pprev;
	int queued;
};

void tw_soon_init(tw_soon *s, tw_soon_cb cb, void *data);

/*
 * Run s->cb once, at the start of the next turn, before the loop waits (so
 * work queued now is done before the loop sleeps). Queuing a queued handle
 * does nothing. A callback that queues handles during the run makes them
 * run on the following turn, which then does not wait.
 */
void tw_soon_queue(tw_reactor *r, tw_soon *s);
void tw_soon_cancel(tw_reactor *r, tw_soon *s);

#endif
