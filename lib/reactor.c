/*
 * reactor.c - the loop: watchers by descriptor, the soon queue, one turn.
 *
 * Like Redis's ae.c, the reactor keeps a table from descriptor to watcher
 * and asks a backend to wait; the backend reports (fd, events) pairs and the
 * reactor looks each watcher up again at dispatch time, so a callback that
 * stops another watcher in the same turn is safe: the stopped watcher is
 * simply not called. (A descriptor closed and reused for a new watcher in
 * the same turn may see one spurious event; watched descriptors are
 * non-blocking, so that costs a read that returns EAGAIN.)
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "internal.h"

#define MAX_EVENTS 1024

uint64_t
tw__now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static const struct tw__backend *
pick_backend(const char *name)
{
	if (name == NULL || *name == '\0')
		name = getenv("TWIRL_BACKEND");
	if (name == NULL || *name == '\0') {
#ifdef __linux__
		return &tw__backend_epoll;
#else
		return &tw__backend_poll;
#endif
	}
	if (strcmp(name, "poll") == 0)
		return &tw__backend_poll;
#ifdef __linux__
	if (strcmp(name, "epoll") == 0)
		return &tw__backend_epoll;
#endif
	return NULL;
}

tw_reactor *
tw_reactor_create(const char *backend)
{
	const struct tw__backend *be;
	tw_reactor *r;

	if ((be = pick_backend(backend)) == NULL) {
		errno = EINVAL;
		return NULL;
	}
	if ((r = calloc(1, sizeof(*r))) == NULL)
		return NULL;
	r->be = be;
	TAILQ_INIT(&r->soon);
	r->soon_run = 1;
	r->nevents = MAX_EVENTS;
	if ((r->events = calloc(MAX_EVENTS, sizeof(*r->events))) == NULL ||
	    (r->be_state = be->create()) == NULL) {
		free(r->events);
		free(r);
		return NULL;
	}
	return r;
}

void
tw_reactor_destroy(tw_reactor *r)
{
	if (r == NULL)
		return;
	while (r->nmodules > 0) {
		struct tw__module *m = &r->modules[--r->nmodules];

		m->destroy(r, m->state);
	}
	tw__timers_free(r);
	r->be->destroy(r->be_state);
	free(r->watchers);
	free(r->events);
	free(r);
}

void *
tw__module_state(const tw_reactor *r, const void *key)
{
	int i;

	for (i = 0; i < r->nmodules; i++)
		if (r->modules[i].key == key)
			return r->modules[i].state;
	return NULL;
}

int
tw__module_add(tw_reactor *r, const void *key, void *state,
    tw__destroy_fn destroy)
{
	struct tw__module *m;

	if (r->nmodules == TW__MODULES) {
		errno = ENOSPC;
		return -1;
	}
	m = &r->modules[r->nmodules++];
	m->key = key;
	m->state = state;
	m->destroy = destroy;
	return 0;
}

const char *
tw_reactor_backend(const tw_reactor *r)
{
	return r->be->name;
}

double
tw_reactor_now(const tw_reactor *r)
{
	(void)r;
	return (double)tw__now_ns() / 1e9;
}

void
tw_reactor_stop(tw_reactor *r)
{
	r->stopping = 1;
}

static int
alive(const tw_reactor *r)
{
	return r->nactive_io > 0 || r->nheap > 0 || !TAILQ_EMPTY(&r->soon) ||
	    r->holds > 0;
}

void
tw__reactor_hold(tw_reactor *r, int delta)
{
	if (delta >= 0)
		r->holds += (size_t)delta;
	else
		r->holds -= (size_t)-delta;
}

int
tw_reactor_run(tw_reactor *r)
{
	r->stopping = 0;
	while (!r->stopping && alive(r))
		if (tw_reactor_turn(r, -1) == -1)
			return -1;
	r->stopping = 0;
	return 0;
}

/*
 * Run the handles queued before this call; ones queued meanwhile wait. Each
 * handle is stamped with the run it was queued for, so this run's handles
 * are a prefix of the queue, whatever the callbacks queue or cancel.
 */
static int
run_soon(tw_reactor *r)
{
	uint64_t run = r->soon_run++;
	tw_soon *s;
	int n = 0;

	while ((s = TAILQ_FIRST(&r->soon)) != NULL && s->queued == run) {
		TAILQ_REMOVE(&r->soon, s, link);
		s->queued = 0;
		s->cb(s);
		n++;
	}
	return n;
}

static int
dispatch(tw_reactor *r, int nev)
{
	int i, n = 0;

	for (i = 0; i < nev; i++) {
		int fd = r->events[i].fd, ev = r->events[i].events;
		tw_io *io;

		if (fd < 0 || fd >= r->nwatchers || (io = r->watchers[fd]) == NULL)
			continue;
		/* An error is reported to whatever the watcher waits for. */
		if (ev & TW_ERROR)
			ev |= io->events;
		ev &= io->events | TW_ERROR;
		if (ev == 0)
			continue;
		io->cb(io, ev);
		n++;
	}
	return n;
}

int
tw_reactor_turn(tw_reactor *r, int timeout_ms)
{
	int n, nev, t;

	n = run_soon(r);
	/* More to do now, or nothing left that could ever wake us. */
	if (!TAILQ_EMPTY(&r->soon) || r->stopping || !alive(r))
		timeout_ms = 0;
	t = tw__timers_timeout_ms(r);
	if (t >= 0 && (timeout_ms < 0 || t < timeout_ms))
		timeout_ms = t;
	nev = r->be->wait(r->be_state, timeout_ms, r->events, r->nevents);
	if (nev == -1) {
		if (errno != EINTR)
			return -1;
		nev = 0;
	}
	n += dispatch(r, nev);
	n += tw__timers_run(r);
	return n;
}

void
tw_io_init(tw_io *io, int fd, tw_io_cb cb, void *data)
{
	memset(io, 0, sizeof(*io));
	io->fd = fd;
	io->cb = cb;
	io->data = data;
}

static int
grow_watchers(tw_reactor *r, int fd)
{
	int n = r->nwatchers ? r->nwatchers : 64;
	tw_io **w;

	while (n <= fd)
		n *= 2;
	if ((w = realloc(r->watchers, (size_t)n * sizeof(*w))) == NULL)
		return -1;
	memset(w + r->nwatchers, 0, (size_t)(n - r->nwatchers) * sizeof(*w));
	r->watchers = w;
	r->nwatchers = n;
	return 0;
}

int
tw_io_start(tw_reactor *r, tw_io *io, int events)
{
	int fd = io->fd;

	events &= TW_READ | TW_WRITE;
	if (events == 0) {
		tw_io_stop(r, io);
		return 0;
	}
	if (fd < 0) {
		errno = EBADF;
		return -1;
	}
	if (fd >= r->nwatchers && grow_watchers(r, fd) == -1)
		return -1;
	if (r->watchers[fd] != NULL && r->watchers[fd] != io) {
		errno = EEXIST;
		return -1;
	}
	if (events == io->events)
		return 0;
	if (r->be->set(r->be_state, fd, io->events, events) == -1)
		return -1;
	if (io->events == 0 && !io->weak)
		r->nactive_io++;
	io->events = events;
	r->watchers[fd] = io;
	return 0;
}

void
tw_io_stop(tw_reactor *r, tw_io *io)
{
	if (io->events == 0)
		return;
	r->be->set(r->be_state, io->fd, io->events, 0);
	if (!io->weak)
		r->nactive_io--;
	io->events = 0;
	r->watchers[io->fd] = NULL;
}

void
tw_soon_init(tw_soon *s, tw_soon_cb cb, void *data)
{
	memset(s, 0, sizeof(*s));
	s->cb = cb;
	s->data = data;
}

void
tw_soon_queue(tw_reactor *r, tw_soon *s)
{
	if (s->queued)
		return;
	s->queued = r->soon_run;
	TAILQ_INSERT_TAIL(&r->soon, s, link);
}

void
tw_soon_cancel(tw_reactor *r, tw_soon *s)
{
	if (!s->queued)
		return;
	TAILQ_REMOVE(&r->soon, s, link);
	s->queued = 0;
}
