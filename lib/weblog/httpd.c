/*
 * httpd.c - weblog-serve's HTTP face: read a request head, answer it or
 * subscribe the connection to the hub. See httpd.h.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>

#include "util/log.h"
#include "weblog/dashboard.h"
#include "weblog/http.h"
#include "weblog/httpd.h"
#include "weblog/json.h"

#define BODY_MAX 4096		/* /stats, /metrics, an error's text */

struct tw_httpd {
	LIST_HEAD(, hconn) conns;
	tw_reactor *r;
	tw_hub *hub;
	const char *input;
	double started;		/* tw_reactor_now() at start */
};

/*
 * What reading a request head takes: made with the connection, freed once
 * the head is read, so a stream (a thousand of them, idle) keeps none of
 * it.
 */
struct head {
	tw_http_req req;
	tw_timer timer;		/* TW_HTTPD_HEAD_WAIT */
};

/* One connection: a request head being read, then an answer or a stream. */
struct hconn {
	LIST_ENTRY(hconn) link;
	tw_httpd *d;
	tw_conn *c;
	struct head *head;	/* while the head is read */
	tw_sub *sub;		/* once it streams */
	int done;		/* answered: nothing more is read */
};

/* The head is read, or will never be: its state goes. */
static void
head_free(struct hconn *hc)
{
	if (hc->head == NULL)
		return;
	tw_timer_cancel(hc->d->r, &hc->head->timer);
	free(hc->head);
	hc->head = NULL;
}

tw_httpd *
tw_httpd_new(tw_reactor *r, tw_hub *h, const char *input)
{
	tw_httpd *d;

	if ((d = calloc(1, sizeof(*d))) == NULL)
		return NULL;
	LIST_INIT(&d->conns);
	d->r = r;
	d->hub = h;
	d->input = input;
	d->started = tw_reactor_now(r);
	return d;
}

void
tw_httpd_stop(tw_httpd *d)
{
	struct hconn *hc, *next;

	for (hc = LIST_FIRST(&d->conns); hc != NULL; hc = next) {
		next = LIST_NEXT(hc, link);
		if (!hc->done) {
			hc->done = 1;
			head_free(hc);
			tw_conn_close(hc->c, 0);
		}
	}
}

void
tw_httpd_free(tw_httpd *d)
{
	if (d == NULL)
		return;
	while (!LIST_EMPTY(&d->conns)) {
		struct hconn *hc = LIST_FIRST(&d->conns);

		LIST_REMOVE(hc, link);
		head_free(hc);
		free(hc);
	}
	free(d);
}

/* ------------------------------------------------------------ answers */

static void
log_request(struct hconn *hc, int status)
{
	const tw_http_req *q = hc->head != NULL ? &hc->head->req : NULL;

	if (q != NULL && q->mname != NULL && q->path != NULL)
		tw_log_info("%s \"%.*s %.*s\" %d", tw_conn_peer(hc->c),
		    (int)q->mnamelen, q->mname, (int)q->pathlen, q->path, status);
	else
		tw_log_info("%s: bad request: %s; %d", tw_conn_peer(hc->c),
		    q != NULL && q->error != NULL ? q->error : "?", status);
}

/* Write a response head: status, type, and the length when known (>= 0). */
static void
head(struct hconn *hc, int status, const char *type, long long length,
    int chunked)
{
	tw_http_head h = {
		.status = status,
		.type = type,
		.cache = "no-store",
		.length = length,
		.chunked = chunked,
		.close = 1,
	};
	char buf[512];
	long n = tw_http_head_format(&h, buf, sizeof(buf));

	if (n > 0)
		tw_conn_write(hc->c, buf, (size_t)n);
}

static void
finish(struct hconn *hc)
{
	hc->done = 1;
	head_free(hc);
	tw_conn_close(hc->c, 2.0);
}

/* A whole answer: head, and body unless the request was HEAD; close. */
static void
answer(struct hconn *hc, int status, const char *type, const void *body,
    size_t len)
{
	log_request(hc, status);
	head(hc, status, type, (long long)len, 0);
	if (hc->head == NULL || hc->head->req.method != TW_HTTP_HEAD)
		tw_conn_write(hc->c, body, len);
	finish(hc);
}

static void
error(struct hconn *hc, int status, const char *why)
{
	char body[256];
	int n = snprintf(body, sizeof(body), "%d %s: %s\n", status,
	    tw_http_reason(status), why);

	answer(hc, status, "text/plain; charset=utf-8", body,
	    n < 0 ? 0 : (size_t)n < sizeof(body) ? (size_t)n :
	    sizeof(body) - 1);
}

/* ------------------------------------------------------------- routes */

static size_t
stats_json(const tw_httpd *d, char *out, size_t cap)
{
	struct tw_hub_stats st;
	char input[600];
	size_t others;
	int n;

	tw_hub_stats(d->hub, &st);
	others = st.conns - st.subs[TW_HUB_XML] - st.subs[TW_HUB_SSE] -
	    st.subs[TW_HUB_NDJSON];
	/* The input's name, as a JSON string (a path may hold any byte). */
	if (strlen(d->input) > 96)
		memcpy(input, "\"(long name)\"", 14);
	else
		input[tw_json_string(d->input, strlen(d->input), input)] = '\0';
	n = snprintf(out, cap, "{\"uptime\":%.3f,\"epoch\":%llu,\"last\":%llu,"
	    "\"read\":%llu,\"sent\":%llu,\"dropped\":%llu,\"lost\":%llu,"
	    "\"clients\":{\"xml\":%zu,\"sse\":%zu,\"ndjson\":%zu,"
	    "\"other\":%zu},\"input\":%s}\n",
	    tw_reactor_now(d->r) - d->started, st.epoch, st.last, st.read,
	    st.sent, st.dropped, st.lost, st.subs[TW_HUB_XML],
	    st.subs[TW_HUB_SSE], st.subs[TW_HUB_NDJSON], others, input);
	return n < 0 ? 0 : (size_t)n < cap ? (size_t)n : cap - 1;
}

static size_t
metrics_text(const tw_httpd *d, char *out, size_t cap)
{
	struct tw_hub_stats st;
	size_t others;
	int n;

	tw_hub_stats(d->hub, &st);
	others = st.conns - st.subs[TW_HUB_XML] - st.subs[TW_HUB_SSE] -
	    st.subs[TW_HUB_NDJSON];
	n = snprintf(out, cap,
	    "# HELP weblog_uptime_seconds Seconds since the server started.\n"
	    "# TYPE weblog_uptime_seconds gauge\n"
	    "weblog_uptime_seconds %.3f\n"
	    "# HELP weblog_epoch This run's epoch, of the hits' numbers.\n"
	    "# TYPE weblog_epoch gauge\n"
	    "weblog_epoch %llu\n"
	    "# HELP weblog_last_sequence The last hit's number.\n"
	    "# TYPE weblog_last_sequence gauge\n"
	    "weblog_last_sequence %llu\n"
	    "# HELP weblog_hits_read_total Hits read from the input.\n"
	    "# TYPE weblog_hits_read_total counter\n"
	    "weblog_hits_read_total %llu\n"
	    "# HELP weblog_hits_sent_total Hits handed to clients.\n"
	    "# TYPE weblog_hits_sent_total counter\n"
	    "weblog_hits_sent_total %llu\n"
	    "# HELP weblog_hits_dropped_total Hits dropped for slow clients.\n"
	    "# TYPE weblog_hits_dropped_total counter\n"
	    "weblog_hits_dropped_total %llu\n"
	    "# HELP weblog_hits_lost_total Hits lost before the server read "
	    "them.\n"
	    "# TYPE weblog_hits_lost_total counter\n"
	    "weblog_hits_lost_total %llu\n"
	    "# HELP weblog_clients Connected clients, by kind.\n"
	    "# TYPE weblog_clients gauge\n"
	    "weblog_clients{kind=\"xml\"} %zu\n"
	    "weblog_clients{kind=\"sse\"} %zu\n"
	    "weblog_clients{kind=\"ndjson\"} %zu\n"
	    "weblog_clients{kind=\"other\"} %zu\n",
	    tw_reactor_now(d->r) - d->started, st.epoch, st.last, st.read,
	    st.sent, st.dropped, st.lost, st.subs[TW_HUB_XML],
	    st.subs[TW_HUB_SSE], st.subs[TW_HUB_NDJSON], others);
	return n < 0 ? 0 : (size_t)n < cap ? (size_t)n : cap - 1;
}

/* "E-SEQ" into *epoch and *seq; -1 if it is not that. */
static int
parse_event_id(const char *s, size_t len, unsigned long long *epoch,
    unsigned long long *seq)
{
	char buf[64], *end;

	if (len == 0 || len >= sizeof(buf))
		return -1;
	memcpy(buf, s, len);
	buf[len] = '\0';
	if (buf[0] < '0' || buf[0] > '9')
		return -1;
	errno = 0;
	*epoch = strtoull(buf, &end, 10);
	if (errno != 0 || *end != '-' || end[1] < '0' || end[1] > '9')
		return -1;
	*seq = strtoull(end + 1, &end, 10);
	return errno != 0 || *end != '\0' ? -1 : 0;
}

/*
 * The client's own filter from the query's status, match and exclude
 * (filter.h), into *fp: NULL when it has none. -1 after answering 400
 * with the filter's reason (or 500 when out of memory).
 */
static int
query_filter(struct hconn *hc, tw_filter **fp)
{
	tw_http_param p;
	tw_filter *f = NULL;
	size_t pos = 0, nlen, vlen;
	char name[16], *val = NULL, err[256], why[320];
	int kind;

	*fp = NULL;
	while (tw_http_param_next(&hc->head->req, &pos, &p)) {
		if (p.namelen >= sizeof(name))
			continue;	/* not one of ours: stream() says so */
		nlen = tw_http_decode(p.name, p.namelen, name);
		if ((kind = tw_filter_kind(name, nlen)) < 0)
			continue;
		if ((f == NULL && (f = malloc(sizeof(*f))) == NULL) ||
		    (val = malloc(p.valuelen + 1)) == NULL) {
			error(hc, 500, "out of memory");
			goto fail;
		}
		if (*fp == NULL)
			tw_filter_init(*fp = f);
		vlen = tw_http_decode(p.value, p.valuelen, val);
		if (tw_filter_add(f, kind, val, vlen, err, sizeof(err)) == -1) {
			snprintf(why, sizeof(why), "%s=...: %s",
			    tw_filter_names[kind], err);
			error(hc, 400, why);
			goto fail;
		}
		free(val);
		val = NULL;
	}
	return 0;
fail:
	free(val);
	if (*fp != NULL)
		tw_filter_free(*fp);
	free(f);
	*fp = NULL;
	return -1;
}

/* Is the decoded name of p that of a filter? */
static int
is_filter_param(const tw_http_param *p)
{
	char name[16];

	return p->namelen < sizeof(name) &&
	    tw_filter_kind(name, tw_http_decode(p->name, p->namelen,
	    name)) >= 0;
}

/* A stream of the hub in format fmt, as the request's parameters say. */
static void
stream(struct hconn *hc, int fmt)
{
	static const char *const types[TW_HUB_NFMT] = {
		"application/xml; charset=utf-8",
		"text/event-stream; charset=utf-8",
		"application/x-ndjson; charset=utf-8",
	};
	tw_http_req *q = &hc->head->req;
	tw_http_param p;
	tw_filter *filter;
	unsigned long long epoch = 0, seq = 0;
	size_t pos = 0, replay = 0;
	int resume = 0;
	char val[64];
	long n;

	while (tw_http_param_next(q, &pos, &p)) {
		if (!((p.namelen == 6 && memcmp(p.name, "replay", 6) == 0) ||
		    (p.namelen == 4 && memcmp(p.name, "from", 4) == 0) ||
		    is_filter_param(&p))) {
			error(hc, 400, "unknown query parameter (replay, from, "
			    "status, match and exclude are known)");
			return;
		}
	}
	if ((n = tw_http_get(q, "replay", val, sizeof(val))) >= 0) {
		char *end;

		errno = 0;
		replay = strtoul(val, &end, 10);
		if (n == 0 || *end != '\0' || errno != 0 || val[0] == '-') {
			error(hc, 400, "replay: not a number");
			return;
		}
	} else if (n == -2) {
		error(hc, 400, "replay: not a number");
		return;
	}
	if ((n = tw_http_get(q, "from", val, sizeof(val))) != -1) {
		if (n < 0 || parse_event_id(val, (size_t)n, &epoch, &seq) == -1) {
			error(hc, 400, "from: not EPOCH-SEQ");
			return;
		}
		resume = 1;
	} else if (q->last_event_id != NULL) {
		/* A browser's EventSource resuming: a bad id is a new start. */
		resume = parse_event_id(q->last_event_id, q->last_event_idlen,
		    &epoch, &seq) == 0;
	}
	if (fmt == TW_HUB_NDJSON && q->minor == 0) {
		error(hc, 505, "/hits.ndjson is chunked: HTTP/1.1 needed");
		return;
	}
	if (query_filter(hc, &filter) == -1)
		return;
	log_request(hc, 200);
	head(hc, 200, types[fmt], -1, fmt == TW_HUB_NDJSON);
	if (q->method == TW_HTTP_HEAD) {
		if (filter != NULL)
			tw_filter_free(filter);
		free(filter);
		finish(hc);
		return;
	}
	hc->done = 1;
	head_free(hc);
	hc->sub = tw_hub_subscribe(hc->d->hub, hc->c, fmt, resume, epoch, seq,
	    replay, filter);
	if (hc->sub == NULL) {
		tw_log_notice("%s: out of memory; closing", tw_conn_peer(hc->c));
		tw_conn_abort(hc->c);
	}
}

static int
is_path(const tw_http_req *q, const char *path)
{
	return q->pathlen == strlen(path) &&
	    memcmp(q->path, path, q->pathlen) == 0;
}

static void
route(struct hconn *hc)
{
	tw_http_req *q = &hc->head->req;
	char body[BODY_MAX];

	if (q->method == TW_HTTP_OTHER) {
		error(hc, 405, "only GET and HEAD");
		return;
	}
	if (is_path(q, "/hits"))
		stream(hc, TW_HUB_SSE);
	else if (is_path(q, "/hits.ndjson"))
		stream(hc, TW_HUB_NDJSON);
	else if (is_path(q, "/hits.xml"))
		stream(hc, TW_HUB_XML);
	else if (q->query != NULL && q->querylen > 0)
		error(hc, 400, "no query parameter here");
	else if (is_path(q, "/"))
		answer(hc, 200, "text/html; charset=utf-8", tw_dashboard,
		    tw_dashboard_len);
	else if (is_path(q, "/stats"))
		answer(hc, 200, "application/json", body,
		    stats_json(hc->d, body, sizeof(body)));
	else if (is_path(q, "/metrics"))
		answer(hc, 200, "text/plain; version=0.0.4; charset=utf-8", body,
		    metrics_text(hc->d, body, sizeof(body)));
	else
		error(hc, 404, "no such page");
}

/* ----------------------------------------------------------- protocol */

static void
head_timer_cb(tw_timer *t)
{
	struct hconn *hc = t->data;

	tw_log_info("%s: no whole request head in %g s; closing",
	    tw_conn_peer(hc->c), TW_HTTPD_HEAD_WAIT);
	hc->done = 1;
	tw_conn_abort(hc->c);
}

static void
h_made(tw_conn *c)
{
	tw_httpd *d = tw_conn_factory(c)->data;
	struct hconn *hc;

	c->data = NULL;
	if (tw_hub_admit(d->hub, tw_conn_peer(c)) == -1) {
		tw_conn_abort(c);
		return;
	}
	if ((hc = calloc(1, sizeof(*hc))) == NULL ||
	    (hc->head = malloc(sizeof(*hc->head))) == NULL) {
		free(hc);
		tw_hub_leave(d->hub);
		tw_log_notice("%s: out of memory; closing", tw_conn_peer(c));
		tw_conn_abort(c);
		return;
	}
	hc->d = d;
	hc->c = c;
	c->data = hc;
	LIST_INSERT_HEAD(&d->conns, hc, link);
	tw_http_reset(&hc->head->req);
	tw_timer_init(&hc->head->timer, head_timer_cb, hc);
	if (tw_call_later(d->r, &hc->head->timer, TW_HTTPD_HEAD_WAIT) == -1) {
		tw_log_notice("%s: out of memory; closing", tw_conn_peer(c));
		hc->done = 1;
		tw_conn_abort(c);
	}
}

static void
h_data(tw_conn *c, const char *buf, size_t len)
{
	struct hconn *hc = c->data;
	int rc;

	if (hc == NULL || hc->done)
		return;		/* answered: the rest is not read */
	rc = tw_http_feed(&hc->head->req, buf, len, NULL);
	if (rc == -1)
		error(hc, hc->head->req.status, hc->head->req.error);
	else if (rc == 1)
		route(hc);
}

/*
 * The peer sends no more: a browser or curl that closes its side has gone
 * (a request cut short, or a stream it no longer reads): close.
 */
static void
h_eof(tw_conn *c)
{
	struct hconn *hc = c->data;

	if (hc != NULL) {
		hc->done = 1;
		head_free(hc);
	}
	tw_conn_close(c, 0);
}

static void
h_low(tw_conn *c)
{
	struct hconn *hc = c->data;

	if (hc != NULL && hc->sub != NULL)
		tw_sub_low(hc->sub);
}

static void
h_lost(tw_conn *c, int reason)
{
	struct hconn *hc = c->data;

	(void)reason;
	if (hc == NULL)
		return;		/* refused */
	if (hc->sub != NULL)
		tw_sub_lost(hc->sub);
	head_free(hc);
	tw_hub_leave(hc->d->hub);
	LIST_REMOVE(hc, link);
	free(hc);
}

const tw_protocol tw_httpd_proto = {
	.made = h_made,
	.data = h_data,
	.lost = h_lost,
	.eof = h_eof,
	.low = h_low,
};
