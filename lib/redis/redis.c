/*
 * redis.c - the Redis client (redis.h): one connection, a ring of the
 * callbacks awaiting replies, a RESP reader, a retry timer.
 *
 * A callback may free the client. So everything that calls out holds
 * c->busy; tw_redis_free() from inside only detaches the connection and
 * marks the client dying, and the outermost caller frees it on the way
 * out. A detached connection's lost() finds no client and does nothing.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conn.h"
#include "timer.h"
#include "redis/redis.h"

#define MAX_ARGS 32

struct pending {
	tw_redis_reply_cb cb;
	void *arg;
};

struct tw_redis {
	tw_reactor *r;
	tw_addr addr;
	tw_redis_opts o;
	tw_conn *conn;		/* connecting or up; NULL between attempts */
	int connected;		/* conn was made */
	int up;			/* connected and taking commands */
	int down_told;		/* this outage was reported */
	int busy, dying;
	double backoff;		/* the next retry's delay */
	tw_timer retry;
	tw_soon retry_now;	/* when the timer cannot be armed */
	tw_resp_reader rd;
	struct pending *q;	/* a ring: head, len, cap */
	size_t qhead, qlen, qcap;
	char why[160];		/* why we dropped the connection, or "" */
};

static void made(tw_conn *conn);
static void data(tw_conn *conn, const char *buf, size_t len);
static void lost(tw_conn *conn, int reason);
static void down(tw_redis *c);
static void attempt_now(tw_soon *s);

static const tw_protocol proto = { made, data, lost, NULL, NULL, NULL };

void
tw_redis_opts_init(tw_redis_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->max_pending = 65536;
	o->max_output = 4 * 1024 * 1024;
	o->max_reply = TW_RESP_MAX_BYTES;
	o->backoff_min = 0.1;
	o->backoff_max = 5;
	o->connect_timeout = 5;
}

static void
destroy(tw_redis *c)
{
	tw_resp_free(&c->rd);
	free(c->q);
	free(c);
}

/* Leave a callback section; the last one out frees a dying client. */
static int
unbusy(tw_redis *c)
{
	if (--c->busy == 0 && c->dying) {
		destroy(c);
		return 1;
	}
	return c->dying;
}

static void
connect_now(tw_redis *c)
{
	c->why[0] = '\0';
	c->conn = tw_connect(c->r, &c->addr, &proto, c, c->o.connect_timeout);
	if (c->conn != NULL)
		return;
	/* Could not even start (no descriptors, say): as a failed attempt. */
	snprintf(c->why, sizeof(c->why), "cannot connect: %s",
	    strerror(errno));
	down(c);
}

static void
attempt(tw_timer *t)
{
	connect_now(t->data);
}

static void
attempt_now(tw_soon *s)
{
	connect_now(s->data);
}

tw_redis *
tw_redis_create(tw_reactor *r, const tw_addr *a, const tw_redis_opts *o)
{
	tw_redis *c;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	c->r = r;
	c->addr = *a;
	c->o = *o;
	c->backoff = o->backoff_min;
	tw_resp_init(&c->rd);
	c->rd.max_bytes = o->max_reply;
	tw_timer_init(&c->retry, attempt, c);
	tw_soon_init(&c->retry_now, attempt_now, c);
	if (tw_call_later(r, &c->retry, 0) == -1) {
		destroy(c);
		return NULL;
	}
	return c;
}

void
tw_redis_free(tw_redis *c)
{
	if (c == NULL || c->dying)
		return;
	tw_timer_cancel(c->r, &c->retry);
	tw_soon_cancel(c->r, &c->retry_now);
	if (c->conn != NULL) {
		c->conn->data = NULL;
		tw_conn_abort(c->conn);
		c->conn = NULL;
	}
	c->up = 0;
	c->dying = 1;
	if (c->busy == 0)
		destroy(c);
}

void *
tw_redis_data(const tw_redis *c)
{
	return c->o.data;
}

int
tw_redis_up(const tw_redis *c)
{
	return c->up;
}

size_t
tw_redis_pending(const tw_redis *c)
{
	return c->qlen;
}

static void
made(tw_conn *conn)
{
	tw_redis *c = conn->data;

	if (c == NULL)
		return;
	c->connected = c->up = 1;
	c->down_told = 0;
	c->backoff = c->o.backoff_min;
	tw_resp_reset(&c->rd);
	if (c->o.state == NULL)
		return;
	c->busy++;
	c->o.state(c, 1, NULL);
	unbusy(c);
}

/* The oldest command awaiting a reply, taken off the ring. */
static struct pending
pop(tw_redis *c)
{
	struct pending p = c->q[c->qhead];

	c->qhead = (c->qhead + 1) % c->qcap;
	c->qlen--;
	return p;
}

static void
data(tw_conn *conn, const char *buf, size_t len)
{
	tw_redis *c = conn->data;
	struct pending p;
	size_t used;
	int rc;

	if (c == NULL)
		return;
	c->busy++;
	while (len > 0 && !c->dying) {
		rc = tw_resp_feed(&c->rd, buf, len, &used);
		buf += used;
		len -= used;
		if (rc == 0)
			break;
		if (rc == -1 || c->qlen == 0) {
			snprintf(c->why, sizeof(c->why), "protocol error: %s",
			    rc == -1 ? c->rd.error : "a reply to no command");
			c->up = 0;
			tw_conn_abort(conn);
			break;
		}
		p = pop(c);
		if (p.cb != NULL)
			p.cb(c, tw_resp_reply(&c->rd), NULL, p.arg);
	}
	unbusy(c);
}

/*
 * The connection is gone, or an attempt failed (c->why says why): fail
 * what awaits a reply, in order, say so once per outage, retry later.
 */
static void
down(tw_redis *c)
{
	char error[sizeof(c->why) + 32];
	struct pending p;
	int was_up = c->connected;

	c->up = c->connected = 0;
	c->busy++;
	snprintf(error, sizeof(error), "lost the connection: %s", c->why);
	while (c->qlen > 0 && !c->dying) {
		p = pop(c);
		if (p.cb != NULL)
			p.cb(c, NULL, error, p.arg);
	}
	if (!c->dying && !c->down_told && c->o.state != NULL)
		c->o.state(c, 0, was_up ? error : c->why);
	c->down_told = 1;
	if (unbusy(c))
		return;
	/*
	 * Arming can fail only for want of memory; then try again at once
	 * rather than never (a tw_soon allocates nothing).
	 */
	if (tw_call_later(c->r, &c->retry, c->backoff) == -1)
		tw_soon_queue(c->r, &c->retry_now);
	c->backoff *= 2;
	if (c->backoff > c->o.backoff_max)
		c->backoff = c->o.backoff_max;
}

static void
lost(tw_conn *conn, int reason)
{
	tw_redis *c = conn->data;

	if (c == NULL)
		return;		/* detached by tw_redis_free() */
	c->conn = NULL;
	if (c->why[0] == '\0')
		snprintf(c->why, sizeof(c->why), "%s", reason == 0 ?
		    "the server closed the connection" : strerror(reason));
	down(c);
}

static int
queue(tw_redis *c, tw_redis_reply_cb cb, void *arg)
{
	struct pending *q;
	size_t cap, i;

	if (c->qlen == c->qcap) {
		cap = c->qcap ? c->qcap * 2 : 64;
		if (cap > c->o.max_pending)
			cap = c->o.max_pending;
		if ((q = malloc(cap * sizeof(*q))) == NULL)
			return -1;
		for (i = 0; i < c->qlen; i++)
			q[i] = c->q[(c->qhead + i) % c->qcap];
		free(c->q);
		c->q = q;
		c->qcap = cap;
		c->qhead = 0;
	}
	c->q[(c->qhead + c->qlen) % c->qcap].cb = cb;
	c->q[(c->qhead + c->qlen) % c->qcap].arg = arg;
	c->qlen++;
	return 0;
}

int
tw_redis_command(tw_redis *c, tw_redis_reply_cb cb, void *arg, int argc,
    const char *const argv[], const size_t argl[])
{
	char small[512];
	tw_bytes *b;
	size_t n;
	int rc;

	if (argc < 1) {
		errno = EINVAL;
		return -1;
	}
	if (!c->up) {
		errno = ENOTCONN;
		return -1;
	}
	n = tw_resp_encode(NULL, 0, argc, argv, argl);
	if (c->qlen >= c->o.max_pending ||
	    tw_conn_queued(c->conn) > c->o.max_output ||
	    n > c->o.max_output - tw_conn_queued(c->conn)) {
		errno = ENOBUFS;
		return -1;
	}
	if (queue(c, cb, arg) == -1)
		return -1;
	if (n <= sizeof(small)) {
		tw_resp_encode(small, sizeof(small), argc, argv, argl);
		rc = tw_conn_write(c->conn, small, n);
	} else if ((b = tw_bytes_new(n)) != NULL) {
		b->len = tw_resp_encode(b->data, n, argc, argv, argl);
		rc = tw_conn_write_bytes(c->conn, b);
		tw_bytes_unref(b);
	} else {
		rc = -1;
	}
	if (rc == -1) {
		/* Not sent: take it back (it is the newest). */
		c->qlen--;
		return -1;
	}
	return 0;
}

int
tw_redis_commandl(tw_redis *c, tw_redis_reply_cb cb, void *arg, ...)
{
	const char *argv[MAX_ARGS];
	size_t argl[MAX_ARGS];
	const char *s;
	va_list ap;
	int argc = 0;

	va_start(ap, arg);
	while ((s = va_arg(ap, const char *)) != NULL) {
		if (argc == MAX_ARGS) {
			va_end(ap);
			errno = EINVAL;
			return -1;
		}
		argv[argc] = s;
		argl[argc++] = strlen(s);
	}
	va_end(ap);
	return tw_redis_command(c, cb, arg, argc, argv, argl);
}
