/*
 * conn.c - connections: reading, writing through the queue, graceful close.
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
 *               (closing with unread input would send a reset that can
 *               destroy the peer's copy of our last bytes) until the peer
 *               closes too or, where SIOCOUTQ tells, the kernel's send
 *               queue is empty: the peer has everything, and need not
 *               close for us (polled every SENT_POLL, never waited for)
 *   DEAD        the socket is closed; lost() and the free are queued
 *
 * Every write is queued (wqueue.c). What data() writes is sent as soon as
 * it returns; other writes from a tw_soon, before the loop waits. Either way
 * what a protocol writes together leaves in one writev. Listening sockets
 * are listener.c's; it hands each accepted socket to tw__conn_accepted().
 */
#define _GNU_SOURCE

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <unistd.h>
#ifdef __linux__
#include <linux/sockios.h>	/* SIOCOUTQ */
#endif

#include "conn.h"
#include "internal.h"
#include "timer.h"
#include "wqueue.h"

#define READ_CHUNK 65536
#define READS_PER_TURN 16	/* then let other connections have a turn */
#define IOV_PER_WRITE 1024	/* IOV_MAX on Linux: a deep queue leaves in one call */
#define CLOSE_DEADLINE 2.0
#define SENT_POLL 0.01		/* LINGER: look at the kernel's send queue */

enum state { CONNECTING, OPEN, CLOSING, LINGER, DEAD };

/* conn.c's state in each reactor, made on first use, freed with it. */
struct conns {
	LIST_HEAD(, tw__conn) conns;	/* every live tw_conn */
	struct tw__stock stock;		/* queue chunks to reuse */
};

/*
 * One connection, and all an idle one costs besides its socket: thousands
 * of them make an idle server's memory, so it is kept small (one timer
 * for every deadline, the flags and the state in one word, the peer's
 * name as long as it is).
 */
struct tw__conn {
	tw_conn pub;		/* first: a tw_conn * is a struct tw__conn * */
	tw_reactor *r;
	const tw_protocol *p;
	tw_factory *f;
	LIST_ENTRY(tw__conn) link;	/* in conns */
	tw_io io;
	tw_soon soon;		/* flush the queue, or deliver lost() */
	tw_timer timer;		/* connect timeout, close deadline; in
				   LINGER, also polls the send queue */
	double deadline;	/* LINGER: the close's, tw_reactor_now() */
	struct tw__wqueue wq;
	size_t high, low;
	int reason;		/* for lost() */
	unsigned state : 3;	/* enum state */
	unsigned made : 1, paused : 1, eof : 1, blocked : 1, above : 1;
	char peer[];		/* as long as it is */
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

int
tw__set_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl == -1 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) == -1)
		return -1;
	return fcntl(fd, F_SETFD, FD_CLOEXEC);
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
free_conn(struct tw__conn *c)
{
	tw_timer_cancel(c->r, &c->timer);
	tw_soon_cancel(c->r, &c->soon);
	if (c->io.fd >= 0) {
		tw_io_stop(c->r, &c->io);
		close(c->io.fd);
	}
	tw__wq_clear(&c->wq);
	LIST_REMOVE(c, link);
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
	tw__wq_clear(&c->wq);
	c->state = DEAD;
	c->reason = reason;
	tw_soon_queue(c->r, &c->soon);
}

/* A connection on fd to the peer at sa (len bytes). */
static struct tw__conn *
new_conn(tw_reactor *r, int fd, const tw_protocol *p, tw_factory *f, void *data,
    const struct sockaddr *sa, socklen_t len)
{
	char peer[TW_ADDR_STRLEN];
	struct conns *m;
	struct tw__conn *c;
	size_t n;

	tw_addr_format(sa, len, peer, sizeof(peer));
	n = strlen(peer) + 1;
	if ((m = get_conns(r)) == NULL ||
	    (c = calloc(1, sizeof(*c) + n)) == NULL)
		return NULL;
	memcpy(c->peer, peer, n);
	c->pub.data = data;
	c->r = r;
	c->p = p;
	c->f = f;
	c->high = TW_CONN_HIGH_WATER;
	c->low = TW_CONN_LOW_WATER;
	tw_io_init(&c->io, fd, conn_io_cb, c);
	tw_soon_init(&c->soon, conn_soon_cb, c);
	tw_timer_init(&c->timer, conn_timer_cb, c);
	tw__wq_init(&c->wq, &m->stock);
	LIST_INSERT_HEAD(&m->conns, c, link);
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
	if (c->state == OPEN && c->wq.n > 0 && !c->blocked)
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
	/* The close's deadline is armed until the end (tw_conn_close). */
	c->deadline = tw_reactor_now(c->r) +
	    tw_timer_remaining(c->r, &c->timer);
#ifdef SIOCOUTQ
	/*
	 * Watch the send queue from the next turn (finish() here would free
	 * c under our caller); moving an armed timer cannot fail.
	 */
	(void)tw_call_later(c->r, &c->timer, 0);
#endif
	if (c->made && c->p->lost != NULL)
		c->p->lost(&c->pub, 0);
	c->made = 0;		/* lost() has run */
}

/* Send what the kernel takes. Called from the loop, never from a protocol. */
static void
flush(struct tw__conn *c)
{
	while (c->wq.n > 0) {
		struct iovec iov[IOV_PER_WRITE];
		size_t want;
		int niov = tw__wq_iov(&c->wq, iov, IOV_PER_WRITE, &want);
		ssize_t n;

		n = send_iov(c, iov, niov);
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
		tw__wq_advance(&c->wq, (size_t)n);
		if (c->above && c->wq.bytes <= c->low) {
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
	if (c->wq.n == 0)
		c->blocked = 0;
	if (c->wq.n == 0 && c->state == CLOSING)
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

/*
 * LINGER: SIOCOUTQ counts what the peer has not yet acknowledged (TCP, our
 * FIN included) or read (a Unix socket). At 0 the peer has it all, and the
 * connection is done without waiting for the peer to close. Polled every
 * SENT_POLL up to the deadline; when the system cannot tell, the wait is
 * for the peer, up to the deadline.
 */
static int
linger_poll(struct tw__conn *c)
{
#ifdef SIOCOUTQ
	double left = c->deadline - tw_reactor_now(c->r);
	int n;

	if (left <= 0)
		return -1;
	if (ioctl(c->io.fd, SIOCOUTQ, &n) == -1)
		n = -1;		/* cannot tell: wait for the peer */
	if (n == 0) {
		finish(c, 0);	/* in LINGER: frees c */
		return 0;
	}
	/* Re-armed from its own callback: cannot fail (timer.h). */
	(void)tw_call_later(c->r, &c->timer,
	    n > 0 && left > SENT_POLL ? SENT_POLL : left);
	return 0;
#else
	(void)c;
	return -1;		/* the timer is the deadline alone */
#endif
}

static void
conn_timer_cb(tw_timer *t)
{
	struct tw__conn *c = t->data;

	if (c->state == LINGER && linger_poll(c) == 0)
		return;
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
	if (!c->above && c->wq.bytes > c->high) {
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

	if (!writable(c))
		return -1;
	if (len == 0)
		return 0;
	if (tw__wq_copy(&c->wq, buf, len) == -1)
		return -1;
	schedule_flush(c);
	check_high(c);
	return 0;
}

int
tw_conn_write_bytes(tw_conn *pc, tw_bytes *b)
{
	struct tw__conn *c = CONN(pc);

	if (!writable(c))
		return -1;
	if (b->len == 0)
		return 0;
	if (tw__wq_add(&c->wq, b) == -1)
		return -1;
	schedule_flush(c);
	check_high(c);
	return 0;
}

size_t
tw_conn_queued(const tw_conn *c)
{
	return CONN(c)->wq.bytes;
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
		/*
		 * A close without its deadline could be held forever by a peer
		 * that never reads: if it cannot be armed, abort instead.
		 */
		if (tw_call_later(c->r, &c->timer, deadline) == -1) {
			finish(c, errno);
			return;
		}
		c->state = CLOSING;
		update_io(c);
		schedule_flush(c);
		return;
	case CLOSING:
	case LINGER:
		/* The deadline is armed until the end: moving it cannot fail. */
		if (c->state == LINGER &&
		    c->deadline > tw_reactor_now(c->r) + deadline)
			c->deadline = tw_reactor_now(c->r) + deadline;
		if (tw_timer_remaining(c->r, &c->timer) > deadline)
			(void)tw_call_later(c->r, &c->timer, deadline);
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
	if (tw__set_nonblock(fd) == -1 ||
	    (c = new_conn(r, fd, p, NULL, data, (const struct sockaddr *)&a->ss,
	    a->len)) == NULL) {
		err = errno;
		close(fd);
		errno = err;
		return NULL;
	}
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
	if (timeout > 0 && tw_call_later(r, &c->timer, timeout) == -1) {
		err = errno;
		free_conn(c);
		errno = err;
		return NULL;
	}
	return &c->pub;
}

/* -------------------------------------------------------------- accept */

void
tw__conn_accepted(tw_reactor *r, int fd, tw_factory *f,
    const struct sockaddr *peer, socklen_t len)
{
	struct tw__conn *c;

	if ((c = new_conn(r, fd, f->proto, f, NULL, peer, len)) == NULL) {
		close(fd);
		return;
	}
	if (peer->sa_family != AF_UNIX) {
		int one = 1;

		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	}
	c->state = OPEN;
	if (update_io(c) == -1) {
		free_conn(c);
		return;
	}
	c->made = 1;
	if (c->p->made != NULL)
		c->p->made(&c->pub);
}

/* The reactor is going: abort every connection it holds. */
static void
conns_destroy(tw_reactor *r, void *state)
{
	struct conns *m = state;

	(void)r;
	while (!LIST_EMPTY(&m->conns))
		free_conn(LIST_FIRST(&m->conns));
	tw__stock_free(&m->stock);
	free(m);
}
