/*
 * backend_poll.c - the poll(2) backend, for every POSIX system.
 *
 * The pollfd array is dense; a table from descriptor to array index makes
 * add, change and remove O(1) (remove moves the last entry into the hole).
 * A wait costs O(watched descriptors): poll's nature, and why epoll is the
 * default on Linux. The scan for ready entries starts where the last full
 * one stopped, so with more ready descriptors than one turn reports, none
 * waits forever.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>

#include "backend.h"
#include "reactor.h"

struct state {
	struct pollfd *fds;
	int nfds, cap;
	int *slot;		/* by descriptor: index in fds, or -1 */
	int nslot;
	int start;		/* where the next scan begins */
};

static void *
poll_create(void)
{
	return calloc(1, sizeof(struct state));
}

static void
poll_destroy(void *p)
{
	struct state *st = p;

	free(st->fds);
	free(st->slot);
	free(st);
}

static short
to_poll(int events)
{
	return (short)(((events & TW_READ) ? POLLIN : 0) |
	    ((events & TW_WRITE) ? POLLOUT : 0));
}

static int
grow(struct state *st, int fd)
{
	if (fd >= st->nslot) {
		int n = st->nslot ? st->nslot : 64, *s;

		while (n <= fd)
			n *= 2;
		if ((s = realloc(st->slot, (size_t)n * sizeof(*s))) == NULL) {
			errno = ENOMEM;
			return -1;
		}
		memset(s + st->nslot, 0xff, (size_t)(n - st->nslot) * sizeof(*s));
		st->slot = s;
		st->nslot = n;
	}
	if (st->nfds == st->cap) {
		int n = st->cap ? st->cap * 2 : 64;
		struct pollfd *f;

		if ((f = realloc(st->fds, (size_t)n * sizeof(*f))) == NULL) {
			errno = ENOMEM;
			return -1;
		}
		st->fds = f;
		st->cap = n;
	}
	return 0;
}

static int
poll_set(void *p, int fd, int old, int events)
{
	struct state *st = p;
	int i;

	(void)old;
	if (fd < st->nslot && (i = st->slot[fd]) >= 0) {
		if (events != 0) {
			st->fds[i].events = to_poll(events);
			return 0;
		}
		st->fds[i] = st->fds[--st->nfds];
		if (i < st->nfds)
			st->slot[st->fds[i].fd] = i;
		st->slot[fd] = -1;
		return 0;
	}
	if (events == 0)
		return 0;
	if (grow(st, fd) == -1)
		return -1;
	i = st->nfds++;
	st->fds[i].fd = fd;
	st->fds[i].events = to_poll(events);
	st->fds[i].revents = 0;
	st->slot[fd] = i;
	return 0;
}

static int
poll_wait(void *p, int timeout_ms, struct tw__event *ev, int max)
{
	struct state *st = p;
	int n, i, k, got = 0;

	if ((n = poll(st->fds, (nfds_t)st->nfds, timeout_ms)) < 0)
		return -1;
	if (st->start >= st->nfds)
		st->start = 0;
	for (k = 0; k < st->nfds && got < n && got < max; k++) {
		struct pollfd *f;
		int e = 0;

		i = (st->start + k) % st->nfds;
		f = &st->fds[i];
		if (f->revents == 0)
			continue;
		if (f->revents & (POLLIN | POLLHUP))
			e |= TW_READ;
		if (f->revents & POLLOUT)
			e |= TW_WRITE;
		if (f->revents & (POLLERR | POLLNVAL))
			e |= TW_ERROR;
		ev[got].fd = f->fd;
		ev[got].events = e;
		got++;
	}
	st->start = got == max ? (st->start + k) % (st->nfds ? st->nfds : 1) : 0;
	return got;
}

const struct tw__backend tw__backend_poll = {
	.name = "poll",
	.create = poll_create,
	.destroy = poll_destroy,
	.set = poll_set,
	.wait = poll_wait,
};
