/*
 * hub.c - the fan-out: numbering, history, batches per format,
 * subscribers with backpressure, the raw XML protocol. See hub.h.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <time.h>

#include "util/log.h"
#include "util/ring.h"
#include "weblog/anon.h"
#include "weblog/hit.h"
#include "weblog/hub.h"
#include "weblog/json.h"

#define REQUEST_MAX 1024	/* a poll or RESUME line, SPEC */
#define PENDING_MAX 8		/* poll requests read ahead of their answers */
#define CHUNK_HEAD 18		/* "%016zx\r\n": chunk sizes of fixed width */
#define SSE_HEAD 96		/* "id: E-SEQ\nevent: hit\ndata: " and "\n\n" */
#define LOST_MAX ((1u << 24) - 1)	/* what tw_sub.lost holds */

/* Hits encoded together, and how many they are (for the dropped count). */
struct batch {
	tw_bytes *b;
	size_t hits;
};

/* Where a filter looks in a hit's line: status, request, client. */
enum { KEY_STATUS, KEY_REQUEST, KEY_CLIENT, NKEYS };

/*
 * A kept hit: its line (anonymised), its source, where its filter keys are
 * in the line (length 0: absent, but for the request), and its encoding
 * in each format once asked for.
 */
struct kept {
	tw_bytes *line;
	tw_bytes *enc[TW_HUB_NFMT];
	const char *source;
	uint32_t koff[NKEYS], klen[NKEYS];
};

/*
 * What a raw client reads requests with: a poll client's for its life; a
 * push client's only when its first line comes in pieces (an idle
 * server's memory is mostly its subscribers: they do without).
 */
struct rawreq {
	tw_lines lines;		/* request lines */
	uint64_t cursor;	/* poll: the first hit not yet answered */
	unsigned pending;	/* poll: requests not yet answered */
};

/* A subscriber's hits not yet handed to its connection. */
struct fifo {
	tw_ring batches;	/* struct batch */
	size_t bytes;		/* their bytes */
};

/*
 * A raw push client waiting for RESUME, in the hub's queue of them (in
 * the order they came, so in the order of their deadlines): one timer for
 * them all, and nothing of their own to allocate.
 */
struct waiting {
	tw_sub *s;		/* NULL once it opened, or went */
	uint64_t cursor;	/* the first hit after it connected */
	double deadline;	/* tw_reactor_now() */
};

/*
 * A subscriber: what each idle client costs, so kept small (72 bytes; the
 * FIFO, a filter, the request state are made only when needed).
 */
struct tw_sub {
	tw_hub *h;
	tw_conn *c;
	LIST_ENTRY(tw_sub) link;
	tw_filter *filter;	/* the client's own (HTTP query), or NULL */
	struct fifo *fifo;	/* NULL when none (most subscribers) */
	unsigned long long dropped;	/* to report before the next hit */
	struct rawreq *rq;	/* raw, poll or a first line in pieces */
	uint32_t ticket;	/* opening: its place in the hub's queue */
	unsigned fmt : 2;
	unsigned raw : 1;	/* the raw protocol: RESUME, NEW?, its eof */
	unsigned eof : 1;	/* the peer sends no more */
	unsigned closing : 1;	/* the end sent, closing */
	unsigned opening : 1;	/* raw push: waiting for RESUME */
	unsigned quiet : 2;	/* heartbeat ticks since the last write (< 2) */
	unsigned lost : 24;	/* as dropped, tw_hub_lost()'s (< LOST_MAX) */
};

struct tw_hub {
	struct tw_hub_opts o;
	tw_reactor *r;
	LIST_HEAD(, tw_sub) subs;
	size_t nsubs[TW_HUB_NFMT];
	size_t nfilt[TW_HUB_NFMT];	/* of them, with a filter of their own */
	size_t conns;
	size_t high;		/* hand hits to a connection up to this */
	tw_ring hist;		/* struct kept: the last o.keep hits */
	uint64_t next_seq;	/* the next hit's number, from 1 */
	unsigned long long epoch;
	tw_bytes *batch[TW_HUB_NFMT];	/* hits encoded since the last publish */
	size_t batch_hits;
	unsigned long long read, sent, dropped, lost;
	tw_timer beat;
	tw_ring waiting;	/* struct waiting: raw push clients opening */
	uint32_t first_ticket;	/* the oldest one's */
	tw_timer open_timer;	/* the oldest one's deadline */
	int stopping;
	char *scratch;		/* one hit's encoding, for the history */
	size_t scratch_cap;
	char *lbuf;		/* an anonymised line */
	size_t lbuf_cap;
	struct kept *pend;	/* hits for filtered subscribers, to publish */
	size_t npend, pend_cap;
	char *start;		/* the XML start tag */
	size_t startlen;
	size_t namelen;		/* the format's text: its names' bound */
	tw_bytes *preamble[TW_HUB_NFMT];	/* what each stream starts with */
};

static void sub_free(tw_sub *s);

/* ------------------------------------------------------------ encoding */

static size_t
slen(const char *s)
{
	return s != NULL ? strlen(s) : 0;
}

/* The most bytes a hit of a line of len bytes takes in format fmt. */
static size_t
encoded_max(const tw_hub *h, int fmt, size_t len, const char *source)
{
	if (fmt == TW_HUB_XML)
		return TW_HIT_REC_MAX(len, h->namelen, slen(source));
	return TW_JSON_REC_MAX(len, h->namelen, slen(source)) + SSE_HEAD;
}

/*
 * Hit seq in format fmt, into out (encoded_max): r, the line split (NULL:
 * line[0..len) matches no format), from source (NULL: none).
 */
static size_t
encode(const tw_hub *h, int fmt, const tw_logrec *r, const char *line,
    size_t len, const char *source, uint64_t seq, char *out)
{
	const tw_logfmt *f = h->o.format;
	size_t n;

	switch (fmt) {
	case TW_HUB_XML:
		return tw_hit_rec(f, r, line, len, source, slen(source), seq,
		    out);
	case TW_HUB_SSE:
		n = (size_t)sprintf(out, "id: %llu-%llu\nevent: hit\ndata: ",
		    h->epoch, (unsigned long long)seq);
		n += tw_json_rec(f, r, line, len, source, slen(source), out + n);
		memcpy(out + n, "\n\n", 2);
		return n + 2;
	default:
		n = tw_json_rec(f, r, line, len, source, slen(source), out);
		out[n] = '\n';
		return n + 1;
	}
}

/* The chunk head of an NDJSON batch, in the room kept for it. */
static void
chunk_head(char *out, size_t n)
{
	char head[CHUNK_HEAD + 1];

	snprintf(head, sizeof(head), "%016zx\r\n", n);
	memcpy(out, head, CHUNK_HEAD);
}

/*
 * Bytes that say n hits were what (dropped: skipped numbers; lost: never
 * numbered), in format fmt, into out (128).
 */
static size_t
report_text(int fmt, const char *what, unsigned long long n, char *out)
{
	char body[64];
	int len;

	switch (fmt) {
	case TW_HUB_XML:
		return (size_t)sprintf(out, "<%s count=\"%llu\"/>\n", what, n);
	case TW_HUB_SSE:
		return (size_t)sprintf(out, "event: %s\ndata: "
		    "{\"count\":%llu}\n\n", what, n);
	default:
		len = snprintf(body, sizeof(body), "{\"%s\":%llu}\n", what, n);
		return (size_t)sprintf(out, "%x\r\n%s\r\n", (unsigned)len, body);
	}
}

static const struct {
	const char *s;
	size_t n;
} endings[TW_HUB_NFMT] = {
	{ "</hits>\n", 8 },
	{ "event: end\ndata: {}\n\n", 21 },
	{ "0\r\n\r\n", 5 },
}, beats[TW_HUB_NFMT] = {
	{ "\n", 1 },
	{ ":\n\n", 3 },
	{ "1\r\n\n\r\n", 6 },
};

/* ------------------------------------------------------------- history */

static uint64_t
history_first(const tw_hub *h)
{
	return h->next_seq - tw_ring_len(&h->hist);
}

static void
kept_free(void *elem)
{
	struct kept *k = elem;
	int f;

	tw_bytes_unref(k->line);
	for (f = 0; f < TW_HUB_NFMT; f++)
		tw_bytes_unref(k->enc[f]);
}

/* Room for n bytes in *buf (its capacity *cap); -1 when out of memory. */
static int
grow(char **buf, size_t *cap, size_t n)
{
	char *p;

	if (n <= *cap)
		return 0;
	if ((p = realloc(*buf, n)) == NULL)
		return -1;
	*buf = p;
	*cap = n;
	return 0;
}

/*
 * Hit seq alone in format fmt (an NDJSON chunk of its own), as its own
 * bytes: for the history and filtered subscribers. NULL when out of
 * memory.
 */
static tw_bytes *
encode_one(tw_hub *h, int fmt, const tw_logrec *r, const char *line,
    size_t len, const char *source, uint64_t seq)
{
	size_t n, off = fmt == TW_HUB_NDJSON ? CHUNK_HEAD : 0;

	if (grow(&h->scratch, &h->scratch_cap,
	    encoded_max(h, fmt, len, source) + CHUNK_HEAD + 2) == -1)
		return NULL;
	n = encode(h, fmt, r, line, len, source, seq, h->scratch + off);
	if (fmt == TW_HUB_NDJSON) {
		chunk_head(h->scratch, n);
		memcpy(h->scratch + off + n, "\r\n", 2);
		n += CHUNK_HEAD + 2;
	}
	return tw_bytes_copy(h->scratch, n);
}

/*
 * Kept hit seq (in the history) in format fmt, encoded the first time it
 * is asked for (its line split again: it was encoded in this format by
 * no one yet); NULL when out of memory.
 */
static tw_bytes *
history_get(tw_hub *h, uint64_t seq, int fmt)
{
	struct kept *k = tw_ring_at(&h->hist, (size_t)(seq - history_first(h)));
	tw_logrec r;
	int ok;

	if (k->enc[fmt] != NULL)
		return k->enc[fmt];
	ok = tw_logfmt_parse(h->o.format, &r, k->line->data, k->line->len);
	k->enc[fmt] = encode_one(h, fmt, ok ? &r : NULL, k->line->data,
	    k->line->len, k->source, seq);
	return k->enc[fmt];
}

/* Does kept hit k pass filter f, a client's own (its text capped)? */
static int
kept_pass(const tw_filter *f, const struct kept *k, const char *line)
{
	size_t reqlen = k->klen[KEY_REQUEST];

	if (reqlen > TW_HUB_FILTER_TEXT)
		reqlen = TW_HUB_FILTER_TEXT;
	return tw_filter_pass(f, line + k->koff[KEY_STATUS],
	    k->klen[KEY_STATUS], line + k->koff[KEY_REQUEST], reqlen,
	    line + k->koff[KEY_CLIENT], k->klen[KEY_CLIENT]);
}

/* -------------------------------------------------------- subscribers */

/* Every write to a subscriber goes through these two: the heartbeat's. */
static void
put(tw_sub *s, const char *p, size_t n)
{
	s->quiet = 0;
	tw_conn_write(s->c, p, n);
}

static void
deliver(tw_sub *s, tw_bytes *b, size_t hits)
{
	s->quiet = 0;
	s->h->sent += hits;
	tw_conn_write_bytes(s->c, b);
}

static size_t
fifo_len(const tw_sub *s)
{
	return s->fifo != NULL ? tw_ring_len(&s->fifo->batches) : 0;
}

static size_t
fifo_bytes(const tw_sub *s)
{
	return s->fifo != NULL ? s->fifo->bytes : 0;
}

static void fifo_clear(tw_sub *s);

/* The FIFO is made when a subscriber falls behind, freed when it catches up. */
static int
fifo_push(tw_sub *s, tw_bytes *b, size_t hits)
{
	struct batch e = { b, hits };

	if (s->fifo == NULL) {
		if ((s->fifo = malloc(sizeof(*s->fifo))) == NULL)
			return -1;
		/* A batch has bytes: --max-queue keeps the count within this. */
		tw_ring_init(&s->fifo->batches, sizeof(struct batch),
		    s->h->o.max_queue + 1);
		s->fifo->bytes = 0;
	}
	if (tw_ring_push(&s->fifo->batches, &e) == -1) {
		if (tw_ring_len(&s->fifo->batches) == 0)
			fifo_clear(s);
		return -1;
	}
	tw_bytes_ref(b);
	s->fifo->bytes += b->len;
	return 0;
}

/* The oldest batch in the FIFO, which must not be empty. */
static struct batch
fifo_pop(tw_sub *s)
{
	struct batch b;

	tw_ring_shift(&s->fifo->batches, &b);
	s->fifo->bytes -= b.b->len;
	if (tw_ring_len(&s->fifo->batches) == 0)
		fifo_clear(s);
	return b;
}

static void
unref_batch(void *elem)
{
	tw_bytes_unref(((struct batch *)elem)->b);
}

/* Drop what waits in the FIFO, and the FIFO. */
static void
fifo_clear(tw_sub *s)
{
	if (s->fifo == NULL)
		return;
	tw_ring_free(&s->fifo->batches, unref_batch);
	free(s->fifo);
	s->fifo = NULL;
}

static void
count_dropped(tw_sub *s, unsigned long long n)
{
	s->dropped += n;
	s->h->dropped += n;
}

/* Are there hits dropped or lost to report? */
static int
reports_pending(const tw_sub *s)
{
	return s->dropped > 0 || s->lost > 0;
}

/* Report the hits dropped and those lost, if any. */
static void
write_reports(tw_sub *s)
{
	char buf[128];

	if (s->dropped > 0)
		put(s, buf, report_text(s->fmt, "dropped", s->dropped, buf));
	if (s->lost > 0)
		put(s, buf, report_text(s->fmt, "lost", s->lost, buf));
	s->dropped = 0;
	s->lost = 0;
}

/* Hand hits to the connection while its queue is short (all: at the end). */
static void
pump(tw_sub *s, int all)
{
	if (s->opening)
		return;
	while (fifo_len(s) > 0 &&
	    (all || tw_conn_queued(s->c) <= s->h->high)) {
		struct batch b = fifo_pop(s);

		write_reports(s);
		deliver(s, b.b, b.hits);
		tw_bytes_unref(b.b);
	}
	/* Caught up after a drop or loss: say so now, not at the next hit. */
	if (fifo_len(s) == 0 && reports_pending(s) && !s->h->o.poll &&
	    tw_conn_queued(s->c) <= s->h->high)
		write_reports(s);
}

/*
 * Give hits (b holds that many) to a subscriber: straight to its
 * connection when nothing waits before it, otherwise to its FIFO, dropping
 * the oldest waiting hits while its unsent bytes are past --max-queue.
 */
static void
sub_push(tw_sub *s, tw_bytes *b, size_t hits)
{
	if (s->closing)
		return;
	if (b == NULL) {
		count_dropped(s, hits);		/* could not be encoded */
		return;
	}
	if (fifo_len(s) == 0 && !reports_pending(s) && !s->opening &&
	    tw_conn_queued(s->c) <= s->h->high) {
		deliver(s, b, hits);
		return;
	}
	if (fifo_push(s, b, hits) == -1) {
		count_dropped(s, hits);
		return;
	}
	while (fifo_len(s) > 0 &&
	    fifo_bytes(s) + tw_conn_queued(s->c) > s->h->o.max_queue) {
		struct batch old = fifo_pop(s);

		tw_bytes_unref(old.b);
		count_dropped(s, old.hits);
	}
	pump(s, 0);
}

/* The kept hits from seq on (those gone counted as dropped), to s. */
static void
push_kept(tw_sub *s, uint64_t from, uint64_t to)
{
	tw_hub *h = s->h;

	if (from < history_first(h)) {
		count_dropped(s, history_first(h) - from);
		from = history_first(h);
	}
	for (; from < to; from++) {
		struct kept *k;

		k = tw_ring_at(&h->hist, (size_t)(from - history_first(h)));
		if (s->filter == NULL || kept_pass(s->filter, k, k->line->data))
			sub_push(s, history_get(h, from, s->fmt), 1);
	}
}

/* Close once what is queued is taken, or the linger has passed. */
static void
sub_close(tw_sub *s)
{
	s->closing = 1;
	tw_conn_close(s->c, s->h->o.linger > 0 ? s->h->o.linger : 1e-3);
}

/* ------------------------------------------- raw push clients opening */

static struct waiting *
waiting_of(const tw_sub *s)
{
	return tw_ring_at(&s->h->waiting, (uint32_t)(s->ticket -
	    s->h->first_ticket));
}

/*
 * A raw push client starts waiting for RESUME: 0, or -1 when there is no
 * memory for its wait (then it is new at once).
 */
static int
waiting_add(tw_sub *s)
{
	tw_hub *h = s->h;
	struct waiting w = { s, h->next_seq,
	    tw_reactor_now(h->r) + TW_HUB_RESUME_WAIT };

	if (tw_ring_len(&h->waiting) == 0 &&
	    tw_call_later(h->r, &h->open_timer, TW_HUB_RESUME_WAIT) == -1)
		return -1;
	if (tw_ring_push(&h->waiting, &w) == -1) {
		if (tw_ring_len(&h->waiting) == 0)
			tw_timer_cancel(h->r, &h->open_timer);
		return -1;
	}
	s->ticket = h->first_ticket + (uint32_t)(tw_ring_len(&h->waiting) - 1);
	s->opening = 1;
	return 0;
}

/*
 * s opens, or goes: out of the queue (the entries at its front that did
 * so go; with none left, its memory and the timer go too). Returns the
 * first hit after it connected.
 */
static uint64_t
waiting_leave(tw_sub *s)
{
	tw_hub *h = s->h;
	struct waiting *w = waiting_of(s), old;
	uint64_t cursor = w->cursor;

	s->opening = 0;
	w->s = NULL;
	while ((w = tw_ring_at(&h->waiting, 0)) != NULL && w->s == NULL) {
		tw_ring_shift(&h->waiting, &old);
		h->first_ticket++;
	}
	if (w == NULL) {
		tw_ring_free(&h->waiting, NULL);
		tw_timer_cancel(h->r, &h->open_timer);
	}
	return cursor;
}

/*
 * Open a raw push client's stream: from after seq when it sent RESUME with
 * this epoch, else as a new client: --replay hits, then what arrived since
 * it connected (held in its FIFO meanwhile).
 */
static void
sub_open(tw_sub *s, int resuming, uint64_t seq)
{
	tw_hub *h = s->h;
	struct batch *held = NULL;
	size_t nheld = 0, i, n;
	uint64_t cursor;

	if (!s->opening)
		return;
	cursor = waiting_leave(s);
	if (resuming) {
		/* All of it comes from the history: what it holds is moot. */
		fifo_clear(s);
		s->dropped = 0;
		push_kept(s, seq + 1 < h->next_seq ? seq + 1 : h->next_seq,
		    h->next_seq);
	} else {
		/* The replay goes before what arrived while it was opening. */
		if (fifo_len(s) > 0 &&
		    (held = malloc(fifo_len(s) * sizeof(*held))) == NULL) {
			sub_close(s);
			return;
		}
		while (fifo_len(s) > 0)
			held[nheld++] = fifo_pop(s);
		n = cursor - history_first(h);
		if (h->o.replay < n)
			n = h->o.replay;
		push_kept(s, cursor - n, cursor);
		for (i = 0; i < nheld; i++) {
			sub_push(s, held[i].b, held[i].hits);
			tw_bytes_unref(held[i].b);
		}
		free(held);
	}
	pump(s, 0);
}

static void
rawreq_free(tw_sub *s)
{
	if (s->rq == NULL)
		return;
	tw_lines_free(&s->rq->lines);
	free(s->rq);
	s->rq = NULL;
}

/* A push client done opening needs its request state no more. */
static void
rawreq_done(tw_sub *s)
{
	if (!s->opening && !s->h->o.poll)
		rawreq_free(s);
}

/* The oldest waiting client is a new one. */
static void
open_front(tw_hub *h)
{
	tw_sub *s = ((struct waiting *)tw_ring_at(&h->waiting, 0))->s;

	sub_open(s, 0, 0);
	rawreq_done(s);
}

/* The wait of the oldest is over, and maybe of a few after it. */
static void
open_timer_cb(tw_timer *t)
{
	tw_hub *h = t->data;
	struct waiting *w;
	double now = tw_reactor_now(h->r);

	while ((w = tw_ring_at(&h->waiting, 0)) != NULL && w->deadline <= now)
		open_front(h);
	/* The next deadline; should the timer not arm, they all open now. */
	if (w != NULL && tw_call_later(h->r, &h->open_timer,
	    w->deadline - now) == -1)
		while (tw_ring_at(&h->waiting, 0) != NULL)
			open_front(h);
}

/* End the stream: what waits, what was dropped or lost, the end; close. */
static void
sub_finish(tw_sub *s)
{
	if (s->closing)
		return;
	sub_open(s, 0, 0);
	pump(s, 1);
	write_reports(s);
	put(s, endings[s->fmt].s, endings[s->fmt].n);
	sub_close(s);
}

/* Poll mode: every hit since the client's last answer, or <none/>. */
static void
answer(tw_sub *s)
{
	tw_hub *h = s->h;
	struct rawreq *q = s->rq;

	if (q->cursor < history_first(h)) {
		/* Fell behind the history: those hits are gone. */
		count_dropped(s, history_first(h) - q->cursor);
		q->cursor = history_first(h);
	}
	if (q->cursor == h->next_seq) {
		if (reports_pending(s))
			write_reports(s);
		else
			put(s, "<none/>\n", 8);
		return;
	}
	push_kept(s, q->cursor, h->next_seq);
	q->cursor = h->next_seq;
	if (fifo_len(s) == 0)
		write_reports(s);	/* all of them, if none went out */
}

/*
 * Move a subscriber on: hand it more hits, answer its poll requests one at
 * a time once the previous answer is on its way, read more requests, and
 * end a raw client's stream once it has sent its last request.
 */
static void
service(tw_sub *s)
{
	if (s->closing)
		return;
	pump(s, 0);
	if (!s->raw)
		return;
	/* A push client has no requests (nor, once open, their state). */
	while (s->rq != NULL && s->rq->pending > 0 && fifo_len(s) == 0 &&
	    tw_conn_queued(s->c) <= s->h->high) {
		answer(s);
		s->rq->pending--;
	}
	if (s->eof && (s->rq == NULL || s->rq->pending == 0)) {
		sub_finish(s);
		return;
	}
	if ((s->rq == NULL || s->rq->pending < PENDING_MAX) && !s->eof)
		tw_conn_resume(s->c);
}

/*
 * A new subscriber on c in format fmt, with its own filter (NULL: none;
 * freed with it, or here on failure); the pending batches published.
 */
static tw_sub *
sub_new(tw_hub *h, tw_conn *c, int fmt, tw_filter *filter)
{
	tw_sub *s;

	tw_hub_publish(h);	/* what came before it is not its */
	if ((s = calloc(1, sizeof(*s))) == NULL) {
		if (filter != NULL)
			tw_filter_free(filter);
		free(filter);
		return NULL;
	}
	s->h = h;
	s->c = c;
	s->fmt = (unsigned)fmt;
	s->filter = filter;
	if (filter != NULL)
		h->nfilt[fmt]++;
	LIST_INSERT_HEAD(&h->subs, s, link);
	h->nsubs[fmt]++;
	tw_conn_set_watermarks(c, h->high, h->high / 4);
	return s;
}

static void
sub_free(tw_sub *s)
{
	LIST_REMOVE(s, link);
	s->h->nsubs[s->fmt]--;
	if (s->filter != NULL) {
		s->h->nfilt[s->fmt]--;
		tw_filter_free(s->filter);
		free(s->filter);
	}
	if (s->opening)
		(void)waiting_leave(s);
	rawreq_free(s);
	fifo_clear(s);
	free(s);
}

/*
 * <hits epoch="E" heartbeat="S" format="FMT">, and a newline, made once:
 * the heartbeat when there is one, the format unless it is the default.
 */
static int
start_tag(tw_hub *h)
{
	unsigned long long ms = (unsigned long long)(h->o.heartbeat * 1000 +
	    0.5);
	const char *fmt = tw_logfmt_text(h->o.format);
	char frac[8] = "", *o;

	if ((h->start = malloc(TW_HIT_ATTR_MAX(strlen(fmt)) + 128)) == NULL)
		return -1;
	o = h->start + sprintf(h->start, "<hits epoch=\"%llu\"", h->epoch);
	if (ms != 0) {
		if (ms % 1000 != 0) {
			/* Milliseconds, without the zeros at the end: 0.2, 0.25. */
			snprintf(frac, sizeof(frac), ".%03llu", ms % 1000);
			while (frac[strlen(frac) - 1] == '0')
				frac[strlen(frac) - 1] = '\0';
		}
		o += sprintf(o, " heartbeat=\"%llu%s\"", ms / 1000, frac);
	}
	if (strcmp(fmt, "combined") != 0) {
		memcpy(o, " format=\"", 9);
		o += 9;
		o += tw_hit_attr(fmt, strlen(fmt), o);
		*o++ = '"';
	}
	memcpy(o, ">\n", 2);
	h->startlen = (size_t)(o + 2 - h->start);
	return 0;
}

/*
 * What a stream in format fmt starts with, made once: every stream shares
 * it, and a thousand connections opening together take no copy each
 * (their write queues would each take a 16 KiB chunk meanwhile).
 */
static int
preamble_make(tw_hub *h)
{
	h->preamble[TW_HUB_XML] = tw_bytes_copy(h->start, h->startlen);
	/* Server-Sent Events: reconnect soon. */
	h->preamble[TW_HUB_SSE] = tw_bytes_copy("retry: 1000\n\n", 13);
	return h->preamble[TW_HUB_XML] != NULL &&
	    h->preamble[TW_HUB_SSE] != NULL ? 0 : -1;
}

static void
preamble(tw_sub *s)
{
	if (s->h->preamble[s->fmt] != NULL) {
		s->quiet = 0;
		tw_conn_write_bytes(s->c, s->h->preamble[s->fmt]);
	}
}

tw_sub *
tw_hub_subscribe(tw_hub *h, tw_conn *c, int fmt, int resume,
    unsigned long long epoch, unsigned long long seq, size_t replay,
    tw_filter *filter)
{
	tw_sub *s;
	size_t n;

	if ((s = sub_new(h, c, fmt, filter)) == NULL)
		return NULL;
	preamble(s);
	if (resume && epoch == h->epoch) {
		push_kept(s, seq + 1 < h->next_seq ? seq + 1 : h->next_seq,
		    h->next_seq);
	} else {
		n = tw_ring_len(&h->hist) < replay ? tw_ring_len(&h->hist) :
		    replay;
		push_kept(s, h->next_seq - n, h->next_seq);
	}
	if (h->stopping)
		sub_finish(s);
	return s;
}

void
tw_sub_low(tw_sub *s)
{
	service(s);
}

void
tw_sub_lost(tw_sub *s)
{
	sub_free(s);
}

/* ------------------------------------------------------- raw protocol */

static void
raw_made(tw_conn *c)
{
	tw_hub *h = tw_conn_factory(c)->data;
	tw_sub *s;
	size_t n;

	c->data = NULL;
	if (tw_hub_admit(h, tw_conn_peer(c)) == -1) {
		tw_conn_abort(c);
		return;
	}
	/* A push client allocates no more: it waits in the hub's queue. */
	if ((s = sub_new(h, c, TW_HUB_XML, NULL)) == NULL ||
	    (h->o.poll && (s->rq = calloc(1, sizeof(*s->rq))) == NULL)) {
		if (s != NULL)
			sub_free(s);
		tw_hub_leave(h);
		tw_log_notice("%s: out of memory; closing", tw_conn_peer(c));
		tw_conn_abort(c);
		return;
	}
	c->data = s;
	s->raw = 1;
	if (s->rq != NULL)
		tw_lines_init(&s->rq->lines, REQUEST_MAX);
	tw_log_info("connect %s", tw_conn_peer(c));
	preamble(s);
	if (h->stopping) {
		sub_finish(s);
		return;
	}
	/* Push: hits wait until it says RESUME, or RESUME_WAIT passes. */
	if (!h->o.poll && waiting_add(s) == 0)
		return;
	/* Poll mode, or a push client that cannot wait: the replay now. */
	n = tw_ring_len(&h->hist) < h->o.replay ? tw_ring_len(&h->hist) :
	    h->o.replay;
	push_kept(s, h->next_seq - n, h->next_seq);
	if (s->rq != NULL)
		s->rq->cursor = h->next_seq;
}

/*
 * A push client's first line, read where it lies; only one that comes in
 * pieces is kept (in a rawreq) until it ends.
 */
static int on_first_line(void *arg, const char *line, size_t len, int flags);

static void
first_line(tw_sub *s, const char *buf, size_t len)
{
	tw_lines l;

	if (s->rq != NULL) {
		tw_lines_feed(&s->rq->lines, buf, len, on_first_line, s, NULL);
		return;
	}
	tw_lines_init(&l, REQUEST_MAX);
	tw_lines_feed(&l, buf, len, on_first_line, s, NULL);
	if (!s->opening) {
		tw_lines_free(&l);
		return;
	}
	if ((s->rq = calloc(1, sizeof(*s->rq))) == NULL) {
		tw_lines_free(&l);
		sub_open(s, 0, 0);	/* as for a line that is not RESUME */
		return;
	}
	s->rq->lines = l;
}

/* A push client's first line: RESUME E SEQ, or anything else (new). */
static int
on_first_line(void *arg, const char *line, size_t len, int flags)
{
	tw_sub *s = arg;
	unsigned long long epoch, seq;
	char buf[64];
	int end = 0;

	if (!(flags & TW_LINE_CUT) && len < sizeof(buf)) {
		memcpy(buf, line, len);
		buf[len] = '\0';
		if (sscanf(buf, "RESUME %llu %llu%n", &epoch, &seq, &end) == 2 &&
		    (size_t)end == len && epoch == s->h->epoch) {
			sub_open(s, 1, seq);
			return 1;
		}
	}
	sub_open(s, 0, 0);
	return 1;
}

static int
on_request(void *arg, const char *line, size_t len, int flags)
{
	tw_sub *s = arg;

	(void)line;
	(void)len;
	if (flags & TW_LINE_CUT) {
		tw_log_notice("%s: request line longer than %d bytes; closing",
		    tw_conn_peer(s->c), REQUEST_MAX);
		sub_close(s);
		return 1;
	}
	s->rq->pending++;
	return 0;
}

static void
raw_data(tw_conn *c, const char *buf, size_t len)
{
	tw_sub *s = c->data;

	if (s == NULL || s->closing)
		return;
	if (!s->h->o.poll) {
		/* Push mode reads its first line, and drops the rest. */
		if (s->opening)
			first_line(s, buf, len);
		rawreq_done(s);
		return;
	}
	if (tw_lines_feed(&s->rq->lines, buf, len, on_request, s, NULL) != 0)
		return;
	if (s->rq->pending >= PENDING_MAX)
		tw_conn_pause(c);	/* answer before reading more */
	service(s);
}

/* The client sends no more: its stream ends once its requests are answered. */
static void
raw_eof(tw_conn *c)
{
	tw_sub *s = c->data;

	if (s == NULL) {
		tw_conn_close(c, 0);
		return;
	}
	s->eof = 1;
	service(s);
}

static void
raw_low(tw_conn *c)
{
	if (c->data != NULL)
		service(c->data);
}

static void
raw_lost(tw_conn *c, int reason)
{
	tw_sub *s = c->data;
	tw_hub *h;

	(void)reason;
	if (s == NULL)
		return;		/* refused */
	h = s->h;
	tw_log_info("disconnect %s", tw_conn_peer(c));
	sub_free(s);
	tw_hub_leave(h);
}

const tw_protocol tw_hub_xml_proto = {
	.made = raw_made,
	.data = raw_data,
	.lost = raw_lost,
	.eof = raw_eof,
	.low = raw_low,
};

/* ---------------------------------------------------------------- hub */

/* A number no earlier run chose: the time in microseconds. */
static unsigned long long
choose_epoch(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (unsigned long long)ts.tv_sec * 1000000 +
	    (unsigned long long)ts.tv_nsec / 1000;
}

/*
 * Every half heartbeat: the format's keep-alive to each subscriber sent
 * nothing during the last two ticks (so none is silent much past a
 * heartbeat) that has nothing queued either.
 */
static void
beat_cb(tw_timer *t)
{
	tw_hub *h = t->data;
	tw_sub *s;

	tw_call_later(h->r, &h->beat, h->o.heartbeat / 2);	/* re-arms */
	LIST_FOREACH(s, &h->subs, link) {
		if (s->closing || s->opening || ++s->quiet < 2)
			continue;
		if (fifo_len(s) == 0 && tw_conn_queued(s->c) == 0)
			put(s, beats[s->fmt].s, beats[s->fmt].n);
		s->quiet = 0;
	}
}

tw_hub *
tw_hub_new(tw_reactor *r, const struct tw_hub_opts *o)
{
	tw_hub *h;

	if ((h = calloc(1, sizeof(*h))) == NULL)
		return NULL;
	h->o = *o;
	h->r = r;
	LIST_INIT(&h->subs);
	h->high = o->max_queue < TW_CONN_HIGH_WATER ? o->max_queue :
	    TW_CONN_HIGH_WATER;
	h->next_seq = 1;
	h->epoch = choose_epoch();
	h->namelen = strlen(tw_logfmt_text(o->format));
	tw_ring_init(&h->hist, sizeof(struct kept), o->keep);
	tw_ring_init(&h->waiting, sizeof(struct waiting), SIZE_MAX);
	tw_timer_init(&h->beat, beat_cb, h);
	tw_timer_init(&h->open_timer, open_timer_cb, h);
	if (start_tag(h) == -1 || tw_ring_reserve(&h->hist, o->keep) == -1 ||
	    preamble_make(h) == -1 ||
	    (o->heartbeat > 0 &&
	    tw_call_later(r, &h->beat, o->heartbeat / 2) == -1)) {
		tw_hub_free(h);
		errno = ENOMEM;
		return NULL;
	}
	return h;
}

void
tw_hub_free(tw_hub *h)
{
	int f;

	if (h == NULL)
		return;
	while (!LIST_EMPTY(&h->subs))
		sub_free(LIST_FIRST(&h->subs));	/* and the queue with them */
	tw_timer_cancel(h->r, &h->beat);
	tw_ring_free(&h->hist, kept_free);
	for (f = 0; f < TW_HUB_NFMT; f++) {
		tw_bytes_unref(h->batch[f]);
		tw_bytes_unref(h->preamble[f]);
	}
	while (h->npend > 0)
		kept_free(&h->pend[--h->npend]);
	free(h->pend);
	free(h->scratch);
	free(h->lbuf);
	free(h->start);
	free(h);
}

/* Room for n more bytes in the batch of format fmt being encoded. */
static int
batch_room(tw_hub *h, int fmt, size_t n)
{
	tw_bytes *old = h->batch[fmt], *b;
	size_t cap, len = old != NULL ? old->len : 0;

	if (fmt == TW_HUB_NDJSON)
		n += 2;			/* the chunk's CRLF, at publish */
	if (old != NULL && old->cap - old->len >= n)
		return 0;
	cap = old != NULL ? old->cap * 2 : 16384;
	while (cap - len < n + CHUNK_HEAD)
		cap *= 2;
	if ((b = tw_bytes_new(cap)) == NULL)
		return -1;
	if (old != NULL) {
		memcpy(b->data, old->data, old->len);
		b->len = old->len;
		tw_bytes_unref(old);
	} else if (fmt == TW_HUB_NDJSON) {
		b->len = CHUNK_HEAD;	/* its head, once its size is known */
	}
	h->batch[fmt] = b;
	return 0;
}

/* Does format fmt's batch have readers (those without a filter)? */
static int
in_use(const tw_hub *h, int fmt)
{
	return h->nsubs[fmt] > h->nfilt[fmt];
}

/* Any subscriber with a filter of its own? */
static int
any_filtered(const tw_hub *h)
{
	int f;

	for (f = 0; f < TW_HUB_NFMT; f++)
		if (h->nfilt[f] > 0)
			return 1;
	return 0;
}

/* Record field i's place in line into k's key j (absent: length 0). */
static void
key(struct kept *k, int j, const tw_logrec *r, int i, const char *line)
{
	if (r != NULL && (r->present & TW_LOGFMT_BIT(i))) {
		k->koff[j] = (uint32_t)(r->val[i] - line);
		k->klen[j] = (uint32_t)r->len[i];
	}
}

/*
 * Anonymise r's client: the line written again with it into h->lbuf, and
 * r pointed into that line (the fields after the client move by the
 * change in its length). Returns the new line's length, or -1 when out of
 * memory.
 */
static long
anonymise(tw_hub *h, tw_logrec *r, const char *line, size_t len)
{
	char anon[TW_ANON_MAX];
	const char *client = r->val[TW_CLF_CLIENT];
	size_t alen = tw_anon_client(client, r->len[TW_CLF_CLIENT], anon);
	size_t clen = r->len[TW_CLF_CLIENT];
	long n;
	int i;

	if (grow(&h->lbuf, &h->lbuf_cap, len + TW_ANON_MAX) == -1)
		return -1;
	r->val[TW_CLF_CLIENT] = anon;
	r->len[TW_CLF_CLIENT] = alen;
	n = tw_logfmt_format(h->o.format, r, h->lbuf, h->lbuf_cap);
	for (i = 0; i < TW_CLF_NFIELDS + r->nextra; i++) {
		if (i < TW_CLF_NFIELDS && !(r->present & TW_LOGFMT_BIT(i)))
			continue;
		if (i == TW_CLF_CLIENT)
			r->val[i] = h->lbuf + (client - line);
		else if (r->val[i] > client)
			r->val[i] = h->lbuf + (r->val[i] - line) + alen - clen;
		else
			r->val[i] = h->lbuf + (r->val[i] - line);
	}
	return n;
}

int
tw_hub_add(tw_hub *h, const char *line, size_t len, const char *source)
{
	struct kept k, old;
	tw_logrec rec, *r = &rec;
	long n;
	int f, filtered = any_filtered(h);

	if (!tw_logfmt_parse(h->o.format, r, line, len))
		r = NULL;
	memset(&k, 0, sizeof(k));
	k.source = source;
	k.klen[KEY_REQUEST] = (uint32_t)len;	/* a <line>: all of it */
	key(&k, KEY_STATUS, r, TW_CLF_STATUS, line);
	key(&k, KEY_REQUEST, r, TW_CLF_REQUEST, line);
	key(&k, KEY_CLIENT, r, TW_CLF_CLIENT, line);
	if (h->o.filter != NULL && !tw_filter_pass(h->o.filter,
	    line + k.koff[KEY_STATUS], k.klen[KEY_STATUS],
	    line + k.koff[KEY_REQUEST], k.klen[KEY_REQUEST],
	    line + k.koff[KEY_CLIENT], k.klen[KEY_CLIENT]))
		return 0;	/* no number, no encoding */
	if (h->o.anonymize && r != NULL &&
	    (r->present & TW_LOGFMT_BIT(TW_CLF_CLIENT))) {
		if ((n = anonymise(h, r, line, len)) < 0)
			return -1;
		line = h->lbuf;
		len = (size_t)n;
		key(&k, KEY_STATUS, r, TW_CLF_STATUS, line);
		key(&k, KEY_REQUEST, r, TW_CLF_REQUEST, line);
		key(&k, KEY_CLIENT, r, TW_CLF_CLIENT, line);
	}
	if ((h->o.keep > 0 || filtered) &&
	    (k.line = tw_bytes_copy(line, len)) == NULL)
		return -1;
	if (filtered && h->npend == h->pend_cap) {
		size_t cap = h->pend_cap > 0 ? h->pend_cap * 2 : 64;
		struct kept *p = realloc(h->pend, cap * sizeof(*p));

		if (p == NULL) {
			kept_free(&k);
			return -1;
		}
		h->pend = p;
		h->pend_cap = cap;
	}
	for (f = 0; f < TW_HUB_NFMT; f++) {
		if (in_use(h, f) && batch_room(h, f,
		    encoded_max(h, f, len, source)) == -1) {
			kept_free(&k);
			return -1;
		}
		/* Filtered subscribers take it alone: encoded once for them. */
		if (h->nfilt[f] > 0 && (k.enc[f] = encode_one(h, f, r, line,
		    len, source, h->next_seq)) == NULL) {
			kept_free(&k);
			return -1;
		}
	}
	for (f = 0; f < TW_HUB_NFMT; f++) {
		tw_bytes *b = h->batch[f];

		if (in_use(h, f))
			b->len += encode(h, f, r, line, len, source,
			    h->next_seq, b->data + b->len);
	}
	h->batch_hits++;
	h->read++;
	if (filtered) {
		/* Its own references: the history may let go of it first. */
		struct kept *p = &h->pend[h->npend++];

		*p = k;
		tw_bytes_ref(p->line);
		for (f = 0; f < TW_HUB_NFMT; f++)
			if (p->enc[f] != NULL)
				tw_bytes_ref(p->enc[f]);
	}
	if (h->o.keep > 0) {
		if (tw_ring_len(&h->hist) == h->o.keep &&
		    tw_ring_shift(&h->hist, &old) == 0)
			kept_free(&old);
		tw_ring_push(&h->hist, &k);	/* cannot fail: reserved */
	} else {
		kept_free(&k);
	}
	h->next_seq++;
	return 0;
}

/* The hits since the last publish, one by one, to filtered subscribers. */
static void
publish_filtered(tw_hub *h)
{
	tw_sub *s;
	size_t i;

	LIST_FOREACH(s, &h->subs, link) {
		if (s->filter == NULL)
			continue;
		for (i = 0; i < h->npend; i++)
			if (kept_pass(s->filter, &h->pend[i],
			    h->pend[i].line->data))
				sub_push(s, h->pend[i].enc[s->fmt], 1);
	}
	while (h->npend > 0)
		kept_free(&h->pend[--h->npend]);
}

void
tw_hub_publish(tw_hub *h)
{
	tw_sub *s;
	int f;

	for (f = 0; f < TW_HUB_NFMT; f++) {
		tw_bytes *b = h->batch[f];

		if (b == NULL)
			continue;
		if (f == TW_HUB_NDJSON) {
			chunk_head(b->data, b->len - CHUNK_HEAD);
			memcpy(b->data + b->len, "\r\n", 2);
			b->len += 2;
		}
		/* Subscribers may hold it a while: keep no spare room. */
		h->batch[f] = b = tw_bytes_trim(b);
		LIST_FOREACH(s, &h->subs, link)
			if (s->fmt == f && s->filter == NULL &&
			    !(s->raw && h->o.poll))
				sub_push(s, b, h->batch_hits);
		tw_bytes_unref(b);
		h->batch[f] = NULL;
	}
	h->batch_hits = 0;
	publish_filtered(h);
}

void
tw_hub_lost(tw_hub *h, unsigned long long n)
{
	char buf[128];
	tw_sub *s;

	tw_hub_publish(h);	/* the hits before the loss come first */
	h->lost += n;
	LIST_FOREACH(s, &h->subs, link) {
		if (s->closing)
			continue;
		if (s->lost + n <= LOST_MAX) {
			s->lost += (unsigned)n;
			continue;
		}
		/*
		 * Past what the subscriber holds (24 bits, free in its
		 * bit-fields): said at once, a report per 16 M hits at most.
		 */
		put(s, buf, report_text(s->fmt, "lost", s->lost + n, buf));
		s->lost = 0;
	}
}

void
tw_hub_stop(tw_hub *h)
{
	tw_sub *s, *next;

	if (h->stopping) {
		for (s = LIST_FIRST(&h->subs); s != NULL; s = next) {
			next = LIST_NEXT(s, link);
			tw_conn_abort(s->c);
		}
		return;
	}
	h->stopping = 1;
	tw_timer_cancel(h->r, &h->beat);
	tw_hub_publish(h);
	for (s = LIST_FIRST(&h->subs); s != NULL; s = next) {
		next = LIST_NEXT(s, link);
		sub_finish(s);
	}
}

void
tw_hub_stats(const tw_hub *h, struct tw_hub_stats *st)
{
	int f;

	st->epoch = h->epoch;
	st->last = h->next_seq - 1;
	st->read = h->read;
	st->sent = h->sent;
	st->dropped = h->dropped;
	st->lost = h->lost;
	for (f = 0; f < TW_HUB_NFMT; f++)
		st->subs[f] = h->nsubs[f];
	st->conns = h->conns;
}

/* Is peer ("1.2.3.4:5", "[::1]:5", "unix:...") in an --allow range? */
static int
allowed(const tw_filter *allow, const char *peer)
{
	const char *end = strrchr(peer, ':');
	size_t len;

	if (allow == NULL || strncmp(peer, "unix:", 5) == 0 || end == NULL)
		return 1;
	len = (size_t)(end - peer);
	if (peer[0] == '[' && len >= 2 && peer[len - 1] == ']')
		return !tw_filter_pass(allow, NULL, 0, NULL, 0, peer + 1,
		    len - 2);
	/* The ranges are an exclude filter: "filtered" is "in a range". */
	return !tw_filter_pass(allow, NULL, 0, NULL, 0, peer, len);
}

int
tw_hub_admit(tw_hub *h, const char *peer)
{
	if (!allowed(h->o.allow, peer)) {
		tw_log_info("refused %s: not in --allow", peer);
		return -1;
	}
	if (h->conns >= h->o.max_clients) {
		tw_log_info("refused %s: too many clients", peer);
		return -1;
	}
	h->conns++;
	return 0;
}

void
tw_hub_leave(tw_hub *h)
{
	h->conns--;
}
