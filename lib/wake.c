/*
 * wake.c - the reactor's one wake-up, shared by signals and worker threads.
 *
 * An eventfd on Linux (one descriptor, a counter that never fills), else a
 * non-blocking pipe. A signal handler or a worker thread wakes the loop
 * with tw__wake(), which only write(2)s: async-signal-safe and
 * thread-safe. The loop watches the read end with a weak watcher (a
 * pending job keeps the loop going through tw__reactor_hold() instead),
 * drains it, and runs every subscriber, each of which then looks at its
 * own flags or queue: a wake-up says "look", never what happened, so two
 * wake-ups merged into one lose nothing.
 */
#define _GNU_SOURCE

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/eventfd.h>
#endif

#include "internal.h"

#define SUBSCRIBERS 4		/* signals and the pool: a fixed table is plenty */

struct wake {
	int rfd, wfd;		/* the same descriptor for an eventfd */
	tw_io io;
	tw_reactor *r;
	struct {
		tw__wake_fn fn;
		void *arg;
	} subs[SUBSCRIBERS];
};

static char wake_key;	/* its address names struct wake in the reactor */

static void
drain_cb(tw_io *io, int events)
{
	struct wake *w = io->data;
	char buf[64];
	int i;

	(void)events;
	while (read(w->rfd, buf, sizeof(buf)) > 0)
		;
	for (i = 0; i < SUBSCRIBERS; i++)
		if (w->subs[i].fn != NULL)
			w->subs[i].fn(w->r, w->subs[i].arg);
}

static void
wake_destroy(tw_reactor *r, void *state)
{
	struct wake *w = state;

	tw_io_stop(r, &w->io);
	close(w->rfd);
	if (w->wfd != w->rfd)
		close(w->wfd);
	free(w);
}

static int
open_fds(struct wake *w)
{
#ifdef __linux__
	if ((w->rfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) == -1)
		return -1;
	w->wfd = w->rfd;
	return 0;
#else
	int fd[2], i;

	if (pipe(fd) == -1)
		return -1;
	for (i = 0; i < 2; i++) {
		if (fcntl(fd[i], F_SETFL, O_NONBLOCK) == -1 ||
		    fcntl(fd[i], F_SETFD, FD_CLOEXEC) == -1) {
			i = errno;
			close(fd[0]);
			close(fd[1]);
			errno = i;
			return -1;
		}
	}
	w->rfd = fd[0];
	w->wfd = fd[1];
	return 0;
#endif
}

static struct wake *
get_wake(tw_reactor *r)
{
	struct wake *w;
	int err;

	if ((w = tw__module_state(r, &wake_key)) != NULL)
		return w;
	if ((w = calloc(1, sizeof(*w))) == NULL)
		return NULL;
	if (open_fds(w) == -1) {
		free(w);
		return NULL;
	}
	w->r = r;
	tw_io_init(&w->io, w->rfd, drain_cb, w);
	w->io.weak = 1;
	if (tw_io_start(r, &w->io, TW_READ) == -1 ||
	    tw__module_add(r, &wake_key, w, wake_destroy) == -1) {
		err = errno;
		tw_io_stop(r, &w->io);
		close(w->rfd);
		if (w->wfd != w->rfd)
			close(w->wfd);
		free(w);
		errno = err;
		return NULL;
	}
	return w;
}

int
tw__wake_add(tw_reactor *r, tw__wake_fn fn, void *arg)
{
	struct wake *w;
	int i;

	if ((w = get_wake(r)) == NULL)
		return -1;
	for (i = 0; i < SUBSCRIBERS; i++) {
		if (w->subs[i].fn == NULL) {
			w->subs[i].fn = fn;
			w->subs[i].arg = arg;
			return w->wfd;
		}
	}
	errno = ENOSPC;
	return -1;
}

void
tw__wake_remove(tw_reactor *r, tw__wake_fn fn, void *arg)
{
	struct wake *w;
	int i;

	if ((w = tw__module_state(r, &wake_key)) == NULL)
		return;
	for (i = 0; i < SUBSCRIBERS; i++) {
		if (w->subs[i].fn == fn && w->subs[i].arg == arg) {
			w->subs[i].fn = NULL;
			w->subs[i].arg = NULL;
		}
	}
}

void
tw__wake(int fd)
{
	uint64_t one = 1;	/* an eventfd wants 8 bytes; a pipe takes them */

	if (write(fd, &one, sizeof(one)) == -1) {
		/* Full pipe, or a counter near overflow: a wake-up is pending. */
	}
}
