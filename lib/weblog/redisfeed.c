/*
 * redisfeed.c - weblog-serve's hits through a Redis stream (redisfeed.h):
 * a publisher's XADDs, a subscriber's chain of XREADs.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "timer.h"
#include "redis/redis.h"
#include "redis/url.h"
#include "util/log.h"
#include "weblog/gaps.h"
#include "weblog/redisfeed.h"

#define READ_COUNT 100		/* entries per XREAD */
#define READ_COUNT_S "100"
#define MAX_REPLY (256u * 1024 * 1024)	/* a subscriber's bound, at most */
#define RETRY_SECONDS 1		/* after Redis refused a command */
#define PUB_MAX_OUTPUT (16u * 1024 * 1024)	/* a publisher's bounds */
#define PUB_MAX_PENDING 262144
#define LOST_QUIET 1		/* seconds between two counts of hits lost */

struct tw_redisfeed {
	tw_reactor *r;
	tw_redis *c;
	char stream[TW_REDIS_KEY_MAX];
	int subscriber;

	/* publisher */
	char keep[24];			/* MAXLEN ~ keep, in decimal */
	char epoch[24];			/* the server's, in decimal */
	unsigned long long seq;		/* the last hit's number */
	unsigned long long unpublished;	/* not yet said in the log */
	int refusal_told;		/* this connection's first refusal */
	int closing;			/* tw_redisfeed_close(): draining */
	tw_timer linger;		/* the drain's deadline */

	/* subscriber */
	char last[48];			/* the last ID read; "" for the end */
	size_t max_line;
	tw_line_cb line_cb;
	tw_redisfeed_lost_cb lost_cb;
	tw_redisfeed_batch_cb batch_cb;
	void *arg;
	int was_up;
	int skip_told;			/* an entry without "line" */
	tw_timer retry;
	tw_gaps gaps;			/* each publisher's last number read */
	unsigned long long lost;	/* hits lost, not yet said in the log */
	tw_timer quiet;			/* until the next count may be said */
};

static int
parse(const char *url, tw_addr *a, char *stream, char *err, size_t errlen)
{
	tw_redis_url u;

	if (tw_redis_url_parse(&u, url, err, errlen) == -1)
		return -1;
	if (u.key[0] == '\0') {
		snprintf(err, errlen, "no stream name");
		return -1;
	}
	if (tw_redis_url_addr(&u, a, err, errlen) == -1)
		return -1;
	if (stream != NULL)
		memcpy(stream, u.key, sizeof(u.key));
	return 0;
}

int
tw_redisfeed_check(const char *url, char *err, size_t errlen)
{
	tw_addr a;

	return parse(url, &a, NULL, err, errlen);
}

static tw_redisfeed *
create(tw_reactor *r, const char *url, tw_redis_opts *o)
{
	tw_redisfeed *f;
	tw_addr a;
	char err[160];

	if ((f = calloc(1, sizeof(*f))) == NULL)
		return NULL;
	if (parse(url, &a, f->stream, err, sizeof(err)) == -1) {
		free(f);
		errno = EINVAL;		/* tw_redisfeed_check() said why */
		return NULL;
	}
	f->r = r;
	o->data = f;
	if ((f->c = tw_redis_create(r, &a, o)) == NULL) {
		free(f);
		return NULL;
	}
	return f;
}

void
tw_redisfeed_free(tw_redisfeed *f)
{
	if (f == NULL)
		return;
	if (f->subscriber) {
		tw_timer_cancel(f->r, &f->retry);
		tw_timer_cancel(f->r, &f->quiet);
	} else {
		tw_timer_cancel(f->r, &f->linger);
	}
	tw_redis_free(f->c);
	free(f);
}

static void tell_lost(tw_redisfeed *f);

/* ----------------------------------------------------------- publisher */

/* Say how many hits the stream missed, once. */
static void
tell_unpublished(tw_redisfeed *f)
{
	if (f->unpublished == 0)
		return;
	tw_log_notice("redis: %llu hit%s not published to %s", f->unpublished,
	    f->unpublished == 1 ? "" : "s", f->stream);
	f->unpublished = 0;
}

static void
pub_state(tw_redis *c, int up, const char *why)
{
	tw_redisfeed *f = tw_redis_data(c);

	if (!up) {
		tw_log_notice("redis: %s; not publishing until it is back",
		    why);
		if (f->closing) {
			tell_unpublished(f);
			tw_redisfeed_free(f);
		}
		return;
	}
	f->refusal_told = 0;
	tw_log_info("redis: publishing to %s", f->stream);
	tell_unpublished(f);
}

static void
added(tw_redis *c, const tw_resp *reply, const char *error, void *arg)
{
	tw_redisfeed *f = tw_redis_data(c);

	(void)error;	/* the state callback says it */
	(void)arg;
	if (reply == NULL) {
		f->unpublished++;
		return;		/* the state callback follows */
	}
	if (reply->type == TW_RESP_ERROR) {
		f->unpublished++;
		if (!f->refusal_told)
			tw_log_notice("redis: XADD %s: %s", f->stream,
			    reply->str);
		f->refusal_told = 1;
	} else {
		tell_unpublished(f);	/* what the output's limit cost */
	}
	if (f->closing && tw_redis_pending(c) == 0)
		tw_redisfeed_free(f);	/* drained */
}

static void
linger_cb(tw_timer *t)
{
	tw_redisfeed *f = t->data;

	f->unpublished += tw_redis_pending(f->c);
	tell_unpublished(f);
	tw_redisfeed_free(f);
}

void
tw_redisfeed_close(tw_redisfeed *f, double linger)
{
	if (f == NULL)
		return;
	if (f->subscriber) {
		tw_timer_cancel(f->r, &f->quiet);
		tell_lost(f);		/* what the quiet held back */
	}
	if (f->subscriber || !tw_redis_up(f->c) ||
	    tw_redis_pending(f->c) == 0 ||
	    tw_call_later(f->r, &f->linger, linger) == -1) {
		tell_unpublished(f);
		tw_redisfeed_free(f);
		return;
	}
	f->closing = 1;
}

tw_redisfeed *
tw_redisfeed_publisher(tw_reactor *r, const char *url, size_t keep,
    unsigned long long epoch)
{
	tw_redis_opts o;
	tw_redisfeed *f;

	tw_redis_opts_init(&o);
	o.state = pub_state;
	o.max_output = PUB_MAX_OUTPUT;	/* a burst of some 100000 hits */
	o.max_pending = PUB_MAX_PENDING;
	if ((f = create(r, url, &o)) == NULL)
		return NULL;
	snprintf(f->keep, sizeof(f->keep), "%zu", keep);
	snprintf(f->epoch, sizeof(f->epoch), "%llu", epoch);
	tw_timer_init(&f->linger, linger_cb, f);
	return f;
}

/* Numbered whether it goes out or not: what does not leaves a gap. */
void
tw_redisfeed_publish(tw_redisfeed *f, const char *line, size_t len)
{
	char n[24];
	size_t nlen = (size_t)snprintf(n, sizeof(n), "%llu", ++f->seq);
	const char *argv[] = {
		"XADD", f->stream, "MAXLEN", "~", f->keep, "*", "line", line,
		"n", n, "epoch", f->epoch
	};
	size_t argl[] = {
		4, strlen(f->stream), 6, 1, strlen(f->keep), 1, 4, len,
		1, nlen, 5, strlen(f->epoch)
	};

	if (tw_redis_command(f->c, added, NULL, 12, argv, argl) == -1)
		f->unpublished++;	/* away, or the output is full */
}

/* ---------------------------------------------------------- subscriber */

static void read_next(tw_redisfeed *f);

/* Redis refused, or said something unexpected: try again later. */
static void
retry_later(tw_redisfeed *f, const char *cmd, const char *why)
{
	tw_log_notice("redis: %s %s: %s; again in %d s", cmd, f->stream, why,
	    RETRY_SECONDS);
	if (tw_call_later(f->r, &f->retry, RETRY_SECONDS) == -1)
		tw_log_warn("redis: timer");
}

static void
retry_cb(tw_timer *t)
{
	tw_redisfeed *f = t->data;

	if (tw_redis_up(f->c))
		read_next(f);
}

static int
is_string(const tw_resp *n)
{
	return n->type == TW_RESP_STRING || n->type == TW_RESP_STATUS;
}

/* Is n the field name? */
static int
is_field(const tw_resp *n, const char *name)
{
	return is_string(n) && n->len == strlen(name) &&
	    memcmp(n->str, name, n->len) == 0;
}

/*
 * Say how many hits were lost, at most once every LOST_QUIET seconds
 * (what is lost meanwhile is said at its end): a subscriber that cannot
 * keep up loses hits at every read.
 */
static void
tell_lost(tw_redisfeed *f)
{
	if (f->lost == 0 || tw_timer_active(&f->quiet))
		return;
	tw_log_notice("redis: %llu hit%s of %s lost before this server read "
	    "them: trimmed from the stream, or never published (a larger -k "
	    "on the publisher keeps more)", f->lost, f->lost == 1 ? "" : "s",
	    f->stream);
	f->lost = 0;
	tw_call_later(f->r, &f->quiet, LOST_QUIET);	/* else: no quiet */
}

static void
quiet_cb(tw_timer *t)
{
	tell_lost(t->data);
}

/* XREVRANGE's answer: the stream's last ID, where reading starts. */
static void
got_last(tw_redis *c, const tw_resp *reply, const char *error, void *arg)
{
	tw_redisfeed *f = tw_redis_data(c);
	const tw_resp *id;

	(void)error;	/* lost: the state callback reads again */
	(void)arg;
	if (reply == NULL)
		return;
	if (reply->type == TW_RESP_ERROR) {
		retry_later(f, "XREVRANGE", reply->str);
		return;
	}
	if (reply->type != TW_RESP_ARRAY || (reply->n > 0 &&
	    (reply->elem[0].type != TW_RESP_ARRAY || reply->elem[0].n < 1 ||
	    !is_string(id = &reply->elem[0].elem[0]) ||
	    id->len >= sizeof(f->last)))) {
		retry_later(f, "XREVRANGE", "unexpected reply");
		return;
	}
	if (reply->n == 0)
		strcpy(f->last, "0-0");	/* empty: all that comes is new */
	else
		memcpy(f->last, id->str, id->len + 1);
	read_next(f);
}

/*
 * An entry [ID, [field, value, ...]]: the hits its publisher numbered
 * since the last one read said lost, then its line to the callback. The
 * first of each field counts.
 */
static int
entry(tw_redisfeed *f, const tw_resp *e)
{
	const tw_resp *id, *kv, *v, *line = NULL, *n = NULL, *epoch = NULL;
	unsigned long long pub, seq, lost;
	size_t i;

	if (e->type != TW_RESP_ARRAY || e->n != 2 ||
	    !is_string(id = &e->elem[0]) || id->len >= sizeof(f->last))
		return -1;
	memcpy(f->last, id->str, id->len + 1);
	kv = &e->elem[1];
	for (i = 0; kv->type == TW_RESP_ARRAY && i + 1 < kv->n; i += 2) {
		if (!is_string(v = &kv->elem[i + 1]))
			continue;
		if (line == NULL && is_field(&kv->elem[i], "line"))
			line = v;
		else if (n == NULL && is_field(&kv->elem[i], "n"))
			n = v;
		else if (epoch == NULL && is_field(&kv->elem[i], "epoch"))
			epoch = v;
	}
	if (n != NULL && epoch != NULL && tw_gaps_parse(epoch->str,
	    epoch->len, n->str, n->len, &pub, &seq) &&
	    (lost = tw_gaps_note(&f->gaps, pub, seq)) > 0) {
		f->lost += lost;
		f->lost_cb(f->arg, lost);
	}
	if (line == NULL) {
		if (!f->skip_told)
			tw_log_notice("redis: %s entry %s has no line; skipped",
			    f->stream, f->last);
		f->skip_told = 1;
	} else if (line->len > f->max_line) {
		f->line_cb(f->arg, line->str, f->max_line, TW_LINE_CUT);
	} else {
		f->line_cb(f->arg, line->str, line->len, 0);
	}
	return 0;
}

/* XREAD's answer: [[STREAM, [entry, ...]]], or nil. */
static void
got_entries(tw_redis *c, const tw_resp *reply, const char *error,
    void *arg)
{
	tw_redisfeed *f = tw_redis_data(c);
	const tw_resp *s, *entries;
	size_t i;

	(void)error;
	(void)arg;
	if (reply == NULL)
		return;
	if (reply->type == TW_RESP_ERROR) {
		retry_later(f, "XREAD", reply->str);
		return;
	}
	if (reply->type == TW_RESP_ARRAY) {
		if (reply->n != 1 || (s = &reply->elem[0])->type !=
		    TW_RESP_ARRAY || s->n != 2 ||
		    (entries = &s->elem[1])->type != TW_RESP_ARRAY) {
			retry_later(f, "XREAD", "unexpected reply");
			return;
		}
		for (i = 0; i < entries->n; i++) {
			if (entry(f, &entries->elem[i]) == -1) {
				retry_later(f, "XREAD", "unexpected entry");
				f->batch_cb(f->arg);
				tell_lost(f);
				return;
			}
		}
		f->batch_cb(f->arg);
		tell_lost(f);
	} else if (reply->type != TW_RESP_NIL) {
		retry_later(f, "XREAD", "unexpected reply");
		return;
	}
	read_next(f);
}

/* Ask for what follows the last ID (first learning it, from the end). */
static void
read_next(tw_redisfeed *f)
{
	int rc;

	if (f->last[0] == '\0')
		rc = tw_redis_commandl(f->c, got_last, NULL, "XREVRANGE",
		    f->stream, "+", "-", "COUNT", "1", NULL);
	else
		rc = tw_redis_commandl(f->c, got_entries, NULL, "XREAD",
		    "BLOCK", "0", "COUNT", READ_COUNT_S, "STREAMS", f->stream,
		    f->last, NULL);
	if (rc == -1 && errno != ENOTCONN)	/* down: up reads again */
		retry_later(f, "XREAD", strerror(errno));
}

static void
sub_state(tw_redis *c, int up, const char *why)
{
	tw_redisfeed *f = tw_redis_data(c);

	if (!up) {
		tw_log_notice("redis: %s; reading %s again once it is back",
		    why, f->stream);
		return;
	}
	tw_timer_cancel(f->r, &f->retry);
	f->skip_told = 0;
	if (f->was_up)
		tw_log_notice("redis: back; reading %s after %s", f->stream,
		    f->last[0] != '\0' ? f->last : "its end");
	else
		tw_log_info("redis: reading %s from its %s", f->stream,
		    strcmp(f->last, "0-0") == 0 ? "start" : "end");
	f->was_up = 1;
	read_next(f);
}

tw_redisfeed *
tw_redisfeed_subscriber(tw_reactor *r, const char *url, int from_start,
    size_t max_line, tw_line_cb line_cb, tw_redisfeed_lost_cb lost_cb,
    tw_redisfeed_batch_cb batch_cb, void *arg)
{
	tw_redis_opts o;
	tw_redisfeed *f;

	tw_redis_opts_init(&o);
	o.state = sub_state;
	o.max_pending = 1;	/* one XREAD at a time */
	o.max_reply = max_line < MAX_REPLY / READ_COUNT - 1024 ?
	    READ_COUNT * (max_line + 1024) : MAX_REPLY;
	if (o.max_reply < TW_RESP_MAX_BYTES)
		o.max_reply = TW_RESP_MAX_BYTES;
	if ((f = create(r, url, &o)) == NULL)
		return NULL;
	f->subscriber = 1;
	if (from_start)
		strcpy(f->last, "0-0");
	f->max_line = max_line;
	f->line_cb = line_cb;
	f->lost_cb = lost_cb;
	f->batch_cb = batch_cb;
	f->arg = arg;
	tw_timer_init(&f->retry, retry_cb, f);
	tw_timer_init(&f->quiet, quiet_cb, f);
	tw_gaps_init(&f->gaps);
	return f;
}
