/*
 * backend.h - internal: the interface every I/O backend implements.
 *
 * A backend keeps the kernel's view of which descriptors are watched for
 * what, and waits. It knows nothing of watchers or callbacks: the reactor
 * maps each reported descriptor back to its tw_io. Backends are
 * level-triggered, so an event the reactor does not consume in one turn is
 * reported again in the next.
 */
#ifndef TWIRL_BACKEND_H
#define TWIRL_BACKEND_H

struct tw__event {
	int fd;
	int events;		/* TW_READ | TW_WRITE | TW_ERROR */
};

struct tw__backend {
	const char *name;
	void *(*create)(void);
	void (*destroy)(void *state);
	/*
	 * Change fd's interest from old to events (either may be 0). 0, or -1
	 * with errno.
	 */
	int (*set)(void *state, int fd, int old, int events);
	/*
	 * Wait up to timeout_ms (-1: forever); fill ev[0..max). The count, or
	 * -1 with errno (EINTR: interrupted, nothing to report).
	 */
	int (*wait)(void *state, int timeout_ms, struct tw__event *ev, int max);
};

extern const struct tw__backend tw__backend_poll;
#ifdef __linux__
extern const struct tw__backend tw__backend_epoll;
#endif

#endif
