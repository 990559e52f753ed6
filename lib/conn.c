/*
 * conn.c - listeners, connections, buffered writes, graceful close.
 *
 * The model for the I/O is netcat's fill and drain: EAGAIN and EINTR mean
 * "later", a partial write leaves the rest queued, write interest only
 * while output is blocked, read interest only while the protocol wants
 * data. A connection goes through these states:
 *
 *   CONNECTING  a client's connect(2) is under way (write interest, timer)
 *   OPEN        reading and writing
 *   CLOSING     tw_conn_close(): no more reading, the queue drains (timer)
 *   LINGER      the queue is sent and the write side shut: lost() has run,
 *               and the socket reads and drops whatever the peer still sends
 *               until it closes too (closing with unread input would send a
 *               reset that can destroy the peer's copy of our last bytes)
 *   DEAD        the socket is closed; lost() and the free are queued
 *
 * Every write is queued. What data() writes is sent as soon as it returns;
 * other writes from a tw_soon, before the loop waits. Either way what a
 * protocol writes together leaves in one writev.
 */
#define _GNU_SOURCE

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <unistd.h>

#include "conn.h"
#include "internal.h"
#include "timer.h"

#define READ_CHUNK 65536
#define READS_PER_TURN 16	/* then let other connections have a turn */
#define ACCEPTS_PER_TURN 64
#define IOV_PER_WRITE 1024	/* IOV_MAX on Linux: a deep queue leaves in one call */
#define CHUNK_SIZE 16384	/* room of a queue chunk for copied writes */
#define CLOSE_DEADLINE 2.0
#define ACCEPT_RETRY 0.1	/* after EMFILE: try again this much later */

enum state { CONNECTING, OPEN, CLOSING, LINGER, DEAD };

struct seg {
	tw_bytes *b;
	size_t off, len;	/* unsent bytes: b->data[off..off+len) */
	int own;		/* b is ours alone and may take more bytes */
};

/* conn.c's state in each reactor, made on first use, freed with it. */
struct conns {
	struct tw__conn *conns;		/* every live tw_conn */
	tw_listener *listeners;		/* every open listener */
	tw_bytes *spare[64];		/* queue chunks to reuse */
	int nspare;
};

struct tw__conn {
	tw_conn pub;		/* first: a tw_conn * is a struct tw__conn * */
	tw_reactor *r;
	struct conns *m;
	const tw_protocol *p;
	tw_factory *f;
	struct tw__conn *prev, *next;
	tw_io io;
	tw_soon soon;		/* flush the queue, or deliver lost() */
	tw_timer timer;		/* connect timeout, close deadline */
	struct seg *q;		/* ring of queued segments */
	unsigned qhead, qlen, qcap;
	size_t queued, high, low;
	enum state state;
	int reason;		/* for lost() */
	unsigned made : 1, paused : 1, eof : 1, blocked : 1, above : 1;
	char peer[TW_ADDR_STRLEN];
};

struct tw_listener {
	tw_reactor *r;
	struct conns *m;
	tw_factory *f;
	tw_io io;
	tw_timer retry;
	tw_listener *prev, *next;
	int unlink_path;	/* we made the Unix socket file */
	int accepting;		/* inside accept_cb: a close must not free */
	int closed;
	tw_addr addr;		/* as bound */
};

#define CONN(c) ((struct tw__conn *)(c))

static void conn_io_cb(tw_io *io, int events);
static void conn_soon_cb(tw_soon *s);
static void conn_timer_cb(tw_timer *t);
static void flush(struct tw__conn *c);

static char conns_key;	/* its address names struct conns in the reactor */

static void conns_destroy(tw_reactor *r, void *state);

static struct conns *
get_conns(tw_reactor *r)
{
	struct conns *m;

	if ((m = tw__module_state(r, &conns_key)) != NULL)
		return m;
	if ((m = calloc(1, sizeof(*m))) == NULL)
		return NULL;
	if (tw__module_add(r, &conns_key, m, conns_destroy) == -1) {
		free(m);
		return NULL;
	}
	return m;
}

static int
set_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl == -1 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) == -1)
		return -1;
	return fcntl(fd, F_SETFD, FD_CLOEXEC);
}

/* ------------------------------------------------------------- the queue */

/*
 * Queue chunks for copied writes come from a small per-reactor stock, not
 * from malloc each time: a server answering in 16 KiB chunks would
 * otherwise have malloc hand memory back to the kernel and fault it in
 * again, turn after turn (page faults were a seventh of fib-serve's time).
 */
static tw_bytes *
chunk_get(struct conns *m, size_t need)
{
	tw_bytes *b;

	if (need <= CHUNK_SIZE && m->nspare > 0) {
		b = m->spare[--m->nspare];
		b->refs = 1;
		b->len = 0;
		return b;
	}
	return tw_bytes_new(need > CHUNK_SIZE ? need : CHUNK_SIZE);
}

static void
chunk_put(struct conns *m, tw_bytes *b)
{
	int n = (int)(sizeof(m->spare) / sizeof(m->spare[0]));

	if (b->refs == 1 && b->cap == CHUNK_SIZE && m->nspare < n)
		m->spare[m->nspare++] = b;
	else
		tw_bytes_unref(b);
}

static void
chunks_free(struct conns *m)
{
	while (m->nspare > 0)
		tw_bytes_unref(m->spare[--m->nspare]);
}

static void
queue_clear(struct tw__conn *c)
{
	while (c->qlen > 0) {
		chunk_put(c->m, c->q[c->qhead].b);
		c->qhead = (c->qhead + 1) % c->qcap;
		c->qlen--;
	}
	free(c->q);
	c->q = NULL;
	c->qhead = c->qcap = 0;
	c->queued = 0;
}

static struct seg *
queue_push(struct tw__conn *c)
{
	if (c->qlen == c->qcap) {
		unsigned n = c->qcap ? c->qcap * 2 : 8, i;
		struct seg *q;

		if ((q = malloc(n * sizeof(*q))) == NULL)
			return NULL;
		for (i = 0; i < c->qlen; i++)
			q[i] = c->q[(c->qhead + i) % c->qcap];
		free(c->q);
		c->q = q;
		c->qhead = 0;
		c->qcap = n;
	}
	return &c->q[(c->qhead + c->qlen++) % c->qcap];
}

/* Take n sent bytes off the front of the queue. */
static void
queue_advance(struct tw__conn *c, size_t n)
{
	c->queued -= n;
	while (n > 0 && c->qlen > 0) {
		struct seg *s = &c->q[c->qhead];

		if (n < s->len) {
			s->off += n;
			s->len -= n;
			return;
		}
		n -= s->len;
		chunk_put(c->m, s->b);
		c->qhead = (c->qhead + 1) % c->qcap;
		c->qlen--;
	}
	if (c->qlen == 0 && c->qcap > 64) {
		/* A burst made the ring big; an idle connection keeps little. */
		free(c->q);
		c->q = NULL;
		c->qhead = c->qcap = 0;
	}
}

/* ------------------------------------------------------------ lifecycle */

/* Watch for what the state wants. -1 only if the watcher table cannot grow. */
static int
update_io(struct tw__conn *c)
{
	int ev = 0;

	switch (c->state) {
	case CONNECTING:
		ev = TW_WRITE;
		break;
	case OPEN:
		if (!c->paused && !c->eof)
			ev |= TW_READ;
		/* FALLTHROUGH */
	case CLOSING:
		if (c->blocked)
			ev |= TW_WRITE;
		break;
	case LINGER:
		ev = TW_READ;
		break;
	case DEAD:
		break;
	}
	if (ev == 0) {
		tw_io_stop(c->r, &c->io);
		return 0;
	}
	return tw_io_start(c->r, &c->io, ev);
}

static void
unlink_conn(struct tw__conn *c)
{
	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		c->m->conns = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
}

static void
free_conn(struct tw__conn *c)
{
	tw_timer_cancel(c->r, &c->timer);
	tw_soon_cancel(c->r, &c->soon);
	if (c->io.fd >= 0) {
		tw_io_stop(c->r, &c->io);
		close(c->io.fd);
	}
	queue_clear(c);
	unlink_conn(c);
	free(c);
}

/*
 * The connection is over: close the socket now, and queue lost() (unless it
 * already ran) and the free for the loop's top level, never inside a
 * callback of this connection.
 */
static void
finish(struct tw__conn *c, int reason)
{
	if (c->state == DEAD)
		return;
	if (c->state == LINGER) {
		free_conn(c);	/* lost() ran; called from the loop itself */
		return;
	}
	tw_timer_cancel(c->r, &c->timer);
	tw_io_stop(c->r, &c->io);
	close(c->io.fd);
	c->io.fd = -1;
	queue_clear(c);
	c->state = DEAD;
	c->reason = reason;
	tw_soon_queue(c->r, &c->soon);
}

static struct tw__conn *
new_conn(tw_reactor *r, int fd, const tw_protocol *p, tw_factory *f, void *data)
{
	struct conns *m;
	struct tw__conn *c;

	if ((m = get_conns(r)) == NULL || (c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	c->pub.data = data;
	c->r = r;
	c->m = m;
	c->p = p;
	c->f = f;
	c->high = TW_CONN_HIGH_WATER;
	c->low = TW_CONN_LOW_WATER;
	tw_io_init(&c->io, fd, conn_io_cb, c);
	tw_soon_init(&c->soon, conn_soon_cb, c);
	tw_timer_init(&c->timer, conn_timer_cb, c);
	c->next = m->conns;
	if (m->conns != NULL)
		m->conns->prev = c;
	m->conns = c;
	return c;
}

/* ----------------------------------------------------------- reading */

static void
on_eof(struct tw__conn *c)
{
	c->eof = 1;
	if (c->p->eof != NULL)
		c->p->eof(&c->pub);
	else
		tw_conn_close(&c->pub, 0);
}

static void
do_read(struct tw__conn *c)
{
	char buf[READ_CHUNK];
	int i;

	for (i = 0; i < READS_PER_TURN; i++) {
		ssize_t n;

		if (c->state == OPEN && (c->paused || c->eof))
			break;
		if (c->state != OPEN && c->state != LINGER)
			break;
		n = read(c->io.fd, buf, sizeof(buf));
		if (n > 0) {
			if (c->state == OPEN)
				c->p->data(&c->pub, buf, (size_t)n);
			if ((size_t)n < sizeof(buf))
				break;	/* drained, most likely */
			continue;
		}
		if (n == 0) {
			if (c->state == LINGER) {
				finish(c, 0);	/* frees c */
				return;
			}
			on_eof(c);
			break;
		}
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK) {
			finish(c, errno);	/* may free c */
			return;
		}
		break;
	}
	/*
	 * What data() wrote in answer leaves now, in one writev, not at the
	 * end of the turn: its chunks go back to the stock before the next
	 * connection's answers need them.
	 */
	if (c->state == OPEN && c->qlen > 0 && !c->blocked)
		flush(c);
	else if (c->state == OPEN)
		update_io(c);
}

/* ----------------------------------------------------------- writing */

/* writev(2) without SIGPIPE: every connection is a socket. */
static ssize_t
send_iov(struct tw__conn *c, struct iovec *iov, int n)
{
	struct msghdr m;

	memset(&m, 0, sizeof(m));
	m.msg_iov = iov;
	m.msg_iovlen = (size_t)n;
	return sendmsg(c->io.fd, &m, MSG_NOSIGNAL);
}

/* The queue is empty and the connection closing: shut, then linger or end. */
static void
closed_write_side(struct tw__conn *c)
{
	if (c->eof || shutdown(c->io.fd, SHUT_WR) == -1) {
		finish(c, 0);
		return;
	}
	c->state = LINGER;
	update_io(c);
	if (c->made && c->p->lost != NULL)
		c->p->lost(&c->pub, 0);
	c->made = 0;		/* lost() has run */
}

/* Send what the kernel takes. Called from the loop, never from a protocol. */
static void
flush(struct tw__conn *c)
{
	while (c->qlen > 0) {
		struct iovec iov[IOV_PER_WRITE];
		size_t want = 0;
		unsigned i;
		ssize_t n;

		for (i = 0; i < c->qlen && i < IOV_PER_WRITE; i++) {
			struct seg *s = &c->q[(c->qhead + i) % c->qcap];

			iov[i].iov_base = s->b->data + s->off;
			iov[i].iov_len = s->len;
			want += s->len;
		}
		n = send_iov(c, iov, (int)i);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK) {
				c->blocked = 1;
				break;
			}
			finish(c, errno);
			return;
		}
		queue_advance(c, (size_t)n);
		if (c->above && c->queued <= c->low) {
			c->above = 0;
			if (c->state == OPEN && c->p->low != NULL)
				c->p->low(&c->pub);
			if (c->state == DEAD)
				return;
		}
		if ((size_t)n < want) {
			/* The socket's buffer is full: skip the send that says EAGAIN. */
			c->blocked = 1;
			break;
		}
	}
	if (c->qlen == 0)
		c->blocked = 0;
	if (c->qlen == 0 && c->state == CLOSING)
		closed_write_side(c);
	else
		update_io(c);
}

/* ------------------------------------------------------------ callbacks */

static void
connected(struct tw__conn *c)
{
	int err = 0;
	socklen_t len = sizeof(err);

	if (getsockopt(c->io.fd, SOL_SOCKET, SO_ERROR, &err, &len) == -1)
		err = errno;
	if (err != 0) {
		finish(c, err);
		return;
	}
	tw_timer_cancel(c->r, &c->timer);
	c->state = OPEN;
	c->made = 1;
	update_io(c);
	if (c->p->made != NULL)
		c->p->made(&c->pub);
}

static void
conn_io_cb(tw_io *io, int events)
{
	struct tw__conn *c = io->data;

	if (c->state == CONNECTING) {
		connected(c);
		return;
	}
	if ((events & TW_WRITE) && c->blocked) {
		c->blocked = 0;
		flush(c);
		if (c->state == DEAD)
			return;
	}
	if (events & (TW_READ | TW_ERROR))
		do_read(c);
}

static void
conn_soon_cb(tw_soon *s)
{
	struct tw__conn *c = s->data;

	if (c->state == DEAD) {
		/* A client that never connected hears of it here too. */
		if ((c->made || c->f == NULL) && c->p->lost != NULL)
			c->p->lost(&c->pub, c->reason);
		free_conn(c);
		return;
	}
	if (!c->blocked)
		flush(c);
}

static void
conn_timer_cb(tw_timer *t)
{
	struct tw__conn *c = t->data;

	/* Connect timeout, or a close past its deadline. */
	finish(c, ETIMEDOUT);
}

/* --------------------------------------------------------------- API */

static void
schedule_flush(struct tw__conn *c)
{
	if (!c->blocked)
		tw_soon_queue(c->r, &c->soon);
}

static void
check_high(struct tw__conn *c)
{
	if (!c->above && c->queued > c->high) {
		c->above = 1;
		if (c->p->high != NULL)
			c->p->high(&c->pub);
	}
}

static int
writable(const struct tw__conn *c)
{
	if (c->state == OPEN || c->state == CONNECTING)
		return 1;
	errno = EPIPE;
	return 0;
}

int
tw_conn_write(tw_conn *pc, const void *buf, size_t len)
{
	struct tw__conn *c = CONN(pc);
	struct seg *s = NULL;
	const char *p = buf;

	if (!writable(c))
		return -1;
	if (len == 0)
		return 0;
	if (c->qlen > 0)
		s = &c->q[(c->qhead + c->qlen - 1) % c->qcap];
	if (s != NULL && s->own && s->off + s->len == s->b->len) {
		size_t room = s->b->cap - s->b->len, n = len < room ? len : room;

		memcpy(s->b->data + s->b->len, p, n);
		s->b->len += n;
		s->len += n;
		c->queued += n;
		p += n;
		len -= n;
	}
	if (len > 0) {
		tw_bytes *b = chunk_get(c->m, len);

		if (b == NULL || (s = queue_push(c)) == NULL) {
			if (b != NULL)
				chunk_put(c->m, b);
			errno = ENOMEM;
			return -1;
		}
		memcpy(b->data, p, len);
		b->len = len;
		s->b = b;
		s->off = 0;
		s->len = len;
		s->own = 1;
		c->queued += len;
	}
	schedule_flush(c);
	check_high(c);
	return 0;
}

int
tw_conn_write_bytes(tw_conn *pc, tw_bytes *b)
{
	struct tw__conn *c = CONN(pc);
	struct seg *s;

	if (!writable(c))
		return -1;
	if (b->len == 0)
		return 0;
	if ((s = queue_push(c)) == NULL) {
		errno = ENOMEM;
		return -1;
	}
	s->b = tw_bytes_ref(b);
	s->off = 0;
	s->len = b->len;
	s->own = 0;
	c->queued += b->len;
	schedule_flush(c);
	check_high(c);
	return 0;
}

size_t
tw_conn_queued(const tw_conn *c)
{
	return CONN(c)->queued;
}

void
tw_conn_set_watermarks(tw_conn *pc, size_t high, size_t low)
{
	struct tw__conn *c = CONN(pc);

	c->high = high;
	c->low = low <= high ? low : high;
}

void
tw_conn_pause(tw_conn *pc)
{
	struct tw__conn *c = CONN(pc);

	c->paused = 1;
	if (c->state == OPEN)
		update_io(c);
}

void
tw_conn_resume(tw_conn *pc)
{
	struct tw__conn *c = CONN(pc);

	c->paused = 0;
	if (c->state == OPEN)
		update_io(c);
}

void
tw_conn_close(tw_conn *pc, double deadline)
{
	struct tw__conn *c = CONN(pc);

	if (deadline <= 0)
		deadline = CLOSE_DEADLINE;
	switch (c->state) {
	case CONNECTING:
		finish(c, ECONNABORTED);
		return;
	case OPEN:
		c->state = CLOSING;
		update_io(c);
		tw_call_later(c->r, &c->timer, deadline);
		schedule_flush(c);
		return;
	case CLOSING:
	case LINGER:
		if (tw_timer_remaining(c->r, &c->timer) > deadline)
			tw_call_later(c->r, &c->timer, deadline);
		return;
	case DEAD:
		return;
	}
}

void
tw_conn_abort(tw_conn *pc)
{
	struct tw__conn *c = CONN(pc);

	if (c->state == CONNECTING || c->state == OPEN || c->state == CLOSING)
		finish(c, ECONNABORTED);
}

const char *
tw_conn_peer(const tw_conn *c)
{
	return CONN(c)->peer;
}

tw_factory *
tw_conn_factory(const tw_conn *c)
{
	return CONN(c)->f;
}

/* ------------------------------------------------------------- connect */

tw_conn *
tw_connect(tw_reactor *r, const tw_addr *a, const tw_protocol *p, void *data,
    double timeout)
{
	struct tw__conn *c;
	int fd, err = 0;

	if ((fd = socket(a->ss.ss_family, SOCK_STREAM, 0)) == -1)
		return NULL;
	if (set_nonblock(fd) == -1 ||
	    (c = new_conn(r, fd, p, NULL, data)) == NULL) {
		err = errno;
		close(fd);
		errno = err;
		return NULL;
	}
	tw_addr_format((const struct sockaddr *)&a->ss, a->len, c->peer,
	    sizeof(c->peer));
	if (a->ss.ss_family != AF_UNIX) {
		int one = 1;

		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	}
	c->state = CONNECTING;
	if (connect(fd, (const struct sockaddr *)&a->ss, a->len) == -1 &&
	    errno != EINPROGRESS)
		err = errno;
	if (err != 0) {
		/* Refused at once (a Unix socket): report it from the loop. */
		finish(c, err);
		return &c->pub;
	}
	if (update_io(c) == -1) {
		err = errno;
		free_conn(c);
		errno = err;
		return NULL;
	}
	if (timeout > 0)
		tw_call_later(r, &c->timer, timeout);
	return &c->pub;
}

/* -------------------------------------------------------------- listen */

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
		struct tw__conn *c;
		int fd;

#ifdef __linux__
		fd = accept4(l->io.fd, (struct sockaddr *)&ss, &len,
		    SOCK_NONBLOCK | SOCK_CLOEXEC);
#else
		fd = accept(l->io.fd, (struct sockaddr *)&ss, &len);
		if (fd >= 0 && set_nonblock(fd) == -1) {
			close(fd);
			continue;
		}
#endif
		if (fd == -1) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno == EMFILE || errno == ENFILE ||
			    errno == ENOBUFS || errno == ENOMEM) {
				/* Out of descriptors: pause, or we would spin. */
				tw_io_stop(l->r, &l->io);
				tw_call_later(l->r, &l->retry, ACCEPT_RETRY);
			}
			break;
		}
		if ((c = new_conn(l->r, fd, l->f->proto, l->f, NULL)) == NULL) {
			close(fd);
			continue;
		}
			if (ss.ss_family == AF_UNIX) {
			tw_addr_format((struct sockaddr *)&l->addr.ss, l->addr.len,
			    c->peer, sizeof(c->peer));
		} else {
			int one = 1;

			setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
			tw_addr_format((struct sockaddr *)&ss, len, c->peer,
			    sizeof(c->peer));
		}
		c->state = OPEN;
		if (update_io(c) == -1) {
			free_conn(c);
			continue;
		}
		c->made = 1;
		if (c->p->made != NULL)
			c->p->made(&c->pub);	/* may close the listener */
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
	struct conns *m;
	tw_listener *l;

	if ((m = get_conns(r)) == NULL || (l = calloc(1, sizeof(*l))) == NULL)
		return NULL;
	l->r = r;
	l->m = m;
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
	l->next = m->listeners;
	if (m->listeners != NULL)
		m->listeners->prev = l;
	m->listeners = l;
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
	if (set_nonblock(fd) == -1)
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
	if (set_nonblock(fd) == -1)
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
	if (l->prev != NULL)
		l->prev->next = l->next;
	else
		l->m->listeners = l->next;
	if (l->next != NULL)
		l->next->prev = l->prev;
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

/* The reactor is going: abort every connection and listener it holds. */
static void
conns_destroy(tw_reactor *r, void *state)
{
	struct conns *m = state;

	(void)r;
	while (m->conns != NULL)
		free_conn(m->conns);
	while (m->listeners != NULL)
		free_listener(m->listeners);
	chunks_free(m);
	free(m);
}
