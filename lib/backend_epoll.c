/*
 * backend_epoll.c - the epoll(7) backend, Linux's default.
 *
 * A wait costs O(ready descriptors), not O(watched), so thousands of idle
 * connections cost a loop turn nothing. Level-triggered, like poll. The
 * traps, as libev's notes list them:
 *
 * - epoll watches the open file description, not the descriptor: a
 *   descriptor closed while watched stays in the set while a dup of it
 *   lives. The reactor's contract is to stop a watcher before closing its
 *   descriptor, which removes it here first.
 * - Regular files cannot be watched (EPERM); poll(2) reports them always
 *   ready, and so do we: they are kept aside and reported on every wait,
 *   which then does not block.
 * - EPOLLERR and EPOLLHUP are reported whether asked for or not.
 * - The set is shared across fork(): make reactors after daemonising.
 */
#ifdef __linux__

#define _GNU_SOURCE

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "backend.h"
#include "reactor.h"

#define MAX_READY 1024

struct state {
	int epfd;
	struct epoll_event ready[MAX_READY];
	struct tw__event *files;	/* regular files: always ready */
	int nfiles, capfiles;
};

static void *
epoll_create_state(void)
{
	struct state *st;

	if ((st = calloc(1, sizeof(*st))) == NULL)
		return NULL;
	if ((st->epfd = epoll_create1(EPOLL_CLOEXEC)) == -1) {
		free(st);
		return NULL;
	}
	return st;
}

static void
epoll_destroy_state(void *p)
{
	struct state *st = p;

	close(st->epfd);
	free(st->files);
	free(st);
}

static int
file_index(const struct state *st, int fd)
{
	int i;

	/* Linear: regular files on a reactor are few (a followed log, stdin). */
	for (i = 0; i < st->nfiles; i++)
		if (st->files[i].fd == fd)
			return i;
	return -1;
}

static int
set_file(struct state *st, int fd, int events)
{
	int i = file_index(st, fd);

	if (events == 0) {
		if (i >= 0)
			st->files[i] = st->files[--st->nfiles];
		return 0;
	}
	if (i < 0) {
		if (st->nfiles == st->capfiles) {
			int n = st->capfiles ? st->capfiles * 2 : 4;
			struct tw__event *f;

			if ((f = realloc(st->files, (size_t)n * sizeof(*f))) == NULL) {
				errno = ENOMEM;
				return -1;
			}
			st->files = f;
			st->capfiles = n;
		}
		i = st->nfiles++;
		st->files[i].fd = fd;
	}
	st->files[i].events = events;
	return 0;
}

static int
epoll_set(void *p, int fd, int old, int events)
{
	struct state *st = p;
	struct epoll_event e;
	int op;

	if (st->nfiles > 0 && file_index(st, fd) >= 0)
		return set_file(st, fd, events);
	memset(&e, 0, sizeof(e));
	e.data.fd = fd;
	e.events = ((events & TW_READ) ? EPOLLIN : 0u) |
	    ((events & TW_WRITE) ? EPOLLOUT : 0u);
	op = old == 0 ? EPOLL_CTL_ADD : events == 0 ? EPOLL_CTL_DEL : EPOLL_CTL_MOD;
	if (epoll_ctl(st->epfd, op, fd, &e) == 0)
		return 0;
	if (errno == EPERM && op == EPOLL_CTL_ADD)
		return set_file(st, fd, events);
	if (errno == EEXIST && op == EPOLL_CTL_ADD &&
	    epoll_ctl(st->epfd, EPOLL_CTL_MOD, fd, &e) == 0)
		return 0;
	if (errno == ENOENT && op == EPOLL_CTL_MOD &&
	    epoll_ctl(st->epfd, EPOLL_CTL_ADD, fd, &e) == 0)
		return 0;
	if (op == EPOLL_CTL_DEL)
		return 0;	/* already gone with its descriptor */
	return -1;
}

static int
epoll_wait_state(void *p, int timeout_ms, struct tw__event *ev, int max)
{
	struct state *st = p;
	int n, i, got = 0, room = max;

	if (st->nfiles > 0)
		timeout_ms = 0;
	if (room > st->nfiles)
		room -= st->nfiles;
	if (room > MAX_READY)
		room = MAX_READY;
	if ((n = epoll_wait(st->epfd, st->ready, room, timeout_ms)) < 0)
		return -1;
	for (i = 0; i < n; i++) {
		uint32_t r = st->ready[i].events;
		int e = 0;

		if (r & (EPOLLIN | EPOLLHUP | EPOLLRDHUP))
			e |= TW_READ;
		if (r & EPOLLOUT)
			e |= TW_WRITE;
		if (r & EPOLLERR)
			e |= TW_ERROR;
		ev[got].fd = st->ready[i].data.fd;
		ev[got].events = e;
		got++;
	}
	for (i = 0; i < st->nfiles && got < max; i++)
		ev[got++] = st->files[i];
	return got;
}

const struct tw__backend tw__backend_epoll = {
	.name = "epoll",
	.create = epoll_create_state,
	.destroy = epoll_destroy_state,
	.set = epoll_set,
	.wait = epoll_wait_state,
};

#else
typedef int tw__no_epoll;	/* ISO C wants a translation unit to say something */
#endif
