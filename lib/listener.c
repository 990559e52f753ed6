/*
 * listener.c - listening sockets: accept connections for a factory.
 *
 * A listener accepts up to ACCEPTS_PER_TURN connections a turn and hands
 * each to conn.c, which calls the protocol's made(). Out of descriptors
 * (EMFILE and the like) it stops accepting for ACCEPT_RETRY seconds rather
 * than spin on a backlog it cannot take. A protocol's made() may close the
 * listener, so a close from inside accept_cb only marks it, and accept_cb
 * frees it on the way out.
 */
#define _GNU_SOURCE

#include <errno.h>
#include <stdlib.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "conn.h"
#include "internal.h"
#include "timer.h"

#define ACCEPTS_PER_TURN 64
#define ACCEPT_RETRY 0.1	/* after EMFILE: try again this much later */

/* listener.c's state in each reactor, made on first use, freed with it. */
struct listeners {
	LIST_HEAD(, tw_listener) head;	/* every open listener */
};

struct tw_listener {
	tw_reactor *r;
	tw_factory *f;
	tw_io io;
	tw_timer retry;
	LIST_ENTRY(tw_listener) link;	/* in listeners */
	int unlink_path;	/* we made the Unix socket file */
	int accepting;		/* inside accept_cb: a close must not free */
	int closed;
	tw_addr addr;		/* as bound */
};

static char listeners_key;	/* its address names struct listeners */

static void listeners_destroy(tw_reactor *r, void *state);

static struct listeners *
get_listeners(tw_reactor *r)
{
	struct listeners *m;

	if ((m = tw__module_state(r, &listeners_key)) != NULL)
		return m;
	if ((m = calloc(1, sizeof(*m))) == NULL)
		return NULL;
	if (tw__module_add(r, &listeners_key, m, listeners_destroy) == -1) {
		free(m);
		return NULL;
	}
	return m;
}

static void
accept_cb(tw_io *io, int events)
{
	tw_listener *l = io->data;
	int i;

	(void)events;
	l->accepting = 1;
	for (i = 0; i < ACCEPTS_PER_TURN && !l->closed; i++) {
		struct sockaddr_storage ss;
		socklen_t len = sizeof(ss);
		int fd;

#ifdef __linux__
		fd = accept4(l->io.fd, (struct sockaddr *)&ss, &len,
		    SOCK_NONBLOCK | SOCK_CLOEXEC);
#else
		fd = accept(l->io.fd, (struct sockaddr *)&ss, &len);
		if (fd >= 0 && tw__set_nonblock(fd) == -1) {
			close(fd);
			continue;
		}
#endif
		if (fd == -1) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno == EMFILE || errno == ENFILE ||
			    errno == ENOBUFS || errno == ENOMEM) {
				/*
				 * Out of descriptors: pause, or we would spin.
				 * Without the timer to resume, spinning beats
				 * never accepting again.
				 */
				if (tw_call_later(l->r, &l->retry,
				    ACCEPT_RETRY) == 0)
					tw_io_stop(l->r, &l->io);
			}
			break;
		}
		/* A Unix peer has no name of its own: call it by ours. */
		if (ss.ss_family == AF_UNIX)
			tw__conn_accepted(l->r, fd, l->f,
			    (const struct sockaddr *)&l->addr.ss, l->addr.len);
		else
			tw__conn_accepted(l->r, fd, l->f,
			    (const struct sockaddr *)&ss, len);
	}
	l->accepting = 0;
	if (l->closed)
		free(l);
}

static void
retry_cb(tw_timer *t)
{
	tw_listener *l = t->data;

	tw_io_start(l->r, &l->io, TW_READ);
}

static tw_listener *
new_listener(tw_reactor *r, int fd, tw_factory *f)
{
	struct listeners *m;
	tw_listener *l;

	if ((m = get_listeners(r)) == NULL || (l = calloc(1, sizeof(*l))) == NULL)
		return NULL;
	l->r = r;
	l->f = f;
	l->addr.len = sizeof(l->addr.ss);
	if (getsockname(fd, (struct sockaddr *)&l->addr.ss, &l->addr.len) == -1)
		l->addr.len = 0;
	tw_io_init(&l->io, fd, accept_cb, l);
	tw_timer_init(&l->retry, retry_cb, l);
	if (tw_io_start(r, &l->io, TW_READ) == -1) {
		free(l);
		return NULL;
	}
	LIST_INSERT_HEAD(&m->head, l, link);
	if (f->start != NULL)
		f->start(f);
	return l;
}

/*
 * A Unix socket file in the way: if nobody answers on it, it was left by a
 * dead server and may go; if someone does, the address is in use.
 */
static int
stale_unix(const tw_addr *a)
{
	int fd, rc;

	if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) == -1)
		return 0;
	rc = connect(fd, (const struct sockaddr *)&a->ss, a->len) == -1 &&
	    errno == ECONNREFUSED;
	close(fd);
	return rc;
}

tw_listener *
tw_listen(tw_reactor *r, const tw_addr *a, tw_factory *f)
{
	tw_listener *l;
	int fd, one = 1, err, is_unix = a->ss.ss_family == AF_UNIX;

	if ((fd = socket(a->ss.ss_family, SOCK_STREAM, 0)) == -1)
		return NULL;
	if (tw__set_nonblock(fd) == -1)
		goto fail;
	if (!is_unix)
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (const struct sockaddr *)&a->ss, a->len) == -1) {
		if (!is_unix || errno != EADDRINUSE || !stale_unix(a))
			goto fail;
		unlink(((const struct sockaddr_un *)&a->ss)->sun_path);
		if (bind(fd, (const struct sockaddr *)&a->ss, a->len) == -1)
			goto fail;
	}
	if (listen(fd, 65535) == -1 || (l = new_listener(r, fd, f)) == NULL) {
		err = errno;
		if (is_unix)
			unlink(((const struct sockaddr_un *)&a->ss)->sun_path);
		close(fd);
		errno = err;
		return NULL;
	}
	if (is_unix) {
		l->unlink_path = 1;
		l->addr = *a;
	}
	return l;
fail:
	err = errno;
	close(fd);
	errno = err;
	return NULL;
}

tw_listener *
tw_listen_fd(tw_reactor *r, int fd, tw_factory *f)
{
	if (tw__set_nonblock(fd) == -1)
		return NULL;
	return new_listener(r, fd, f);
}

char *
tw_listener_address(const tw_listener *l, char *buf, size_t n)
{
	return tw_addr_format((const struct sockaddr *)&l->addr.ss, l->addr.len,
	    buf, n);
}

/* Close the socket and unlink l; free it unless accept_cb is using it. */
static void
free_listener(tw_listener *l)
{
	l->closed = 1;
	tw_io_stop(l->r, &l->io);
	tw_timer_cancel(l->r, &l->retry);
	close(l->io.fd);
	if (l->unlink_path)
		unlink(((struct sockaddr_un *)&l->addr.ss)->sun_path);
	LIST_REMOVE(l, link);
	if (!l->accepting)
		free(l);
}

void
tw_listener_close(tw_listener *l)
{
	tw_factory *f = l->f;

	free_listener(l);
	if (f->stop != NULL)
		f->stop(f);
}

/* The reactor is going: close every listener it holds. */
static void
listeners_destroy(tw_reactor *r, void *state)
{
	struct listeners *m = state;

	(void)r;
	while (!LIST_EMPTY(&m->head))
		free_listener(LIST_FIRST(&m->head));
	free(m);
}
