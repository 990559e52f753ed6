/*
 * hub.h - weblog-serve's fan-out: each hit numbered, kept, encoded once
 * per format in use, and handed to every subscriber of that format, with
 * backpressure and drop accounting (SPEC "The stream", "Sequence, resume
 * and heartbeat", "HTTP").
 *
 * Formats: the XML stream (raw TCP clients and GET /hits.xml), Server-Sent
 * Events (GET /hits) and NDJSON in HTTP chunks (GET /hits.ndjson). A
 * subscriber is one connection and one format.
 *
 * One encoding per hit per format, shared: the hits that arrive together
 * (one read of the input, or one --interval) are encoded into one batch
 * per format that has subscribers, and every subscriber of that format
 * gets a reference to it: one iovec per batch, not one copy per client.
 * The history keeps the last --keep hits, each as its line and, made when
 * first asked for, its encoding in each format, for replay, resume and
 * poll mode. A subscriber with a filter of its own (an HTTP query) cannot
 * share batches: it gets the hits that pass, one by one, each hit's own
 * encoding made once for all such subscribers and kept in the history.
 *
 * Without letting a slow subscriber cost the others: a subscriber's
 * connection is handed batches only while its queue is short; the rest
 * waits in the subscriber's FIFO (util/ring.h), and when the FIFO and the
 * queue together pass --max-queue, the oldest waiting hits are dropped and
 * counted, reported in the format's own way (<dropped count="N"/>, an
 * event "dropped", {"dropped":N}) before the next hit it gets. Every hit
 * is delivered or counted. Hits lost before the hub read them
 * (tw_hub_lost()) are reported the same way, as <lost count="N"/>, an
 * event "lost", {"lost":N}: those never had numbers, so unlike a dropped
 * report, a lost one skips none.
 *
 * Sequence and resume: each hit is numbered from 1 in this run's epoch.
 * A raw push client is "opening" until its first line (RESUME E SEQ, or
 * anything), or TW_HUB_RESUME_WAIT seconds; an HTTP subscriber says where
 * it resumes when it subscribes (Last-Event-ID, ?from=). A heartbeat timer
 * sends each subscriber that was sent nothing for a --heartbeat period the
 * format's keep-alive (a newline; a comment line).
 *
 * The raw protocol (tw_hub_xml_proto) is the hub's own: a factory whose
 * data is the hub. HTTP subscribers come through tw_hub_subscribe(), their
 * connection's events forwarded with tw_sub_low() and tw_sub_lost().
 */
#ifndef TWIRL_HUB_H
#define TWIRL_HUB_H

#include <stddef.h>
#include <stdint.h>

#include "twirl.h"
#include "weblog/filter.h"
#include "weblog/logfmt.h"

enum { TW_HUB_XML, TW_HUB_SSE, TW_HUB_NDJSON, TW_HUB_NFMT };

#define TW_HUB_RESUME_WAIT 0.25	/* seconds a raw push client has for RESUME */

struct tw_hub_opts {
	size_t keep;		/* hits kept (--keep) */
	size_t replay;		/* kept hits sent to a new raw client (-r) */
	size_t max_queue;	/* unsent bytes per subscriber (--max-queue) */
	size_t max_clients;	/* connections at once, every listener's */
	double linger;		/* a finished stream's time to be taken */
	double heartbeat;	/* seconds; 0: none */
	int poll;		/* raw clients ask (NEW?) instead */
	const tw_filter *allow;	/* --allow: the peers' ranges, or NULL */
	const tw_logfmt *format;	/* --format: how lines split (not NULL) */
	const tw_filter *filter;	/* --status, --match, --exclude, or NULL */
	int anonymize;		/* --anonymize */
};

/*
 * A per-client filter's regexes see at most this many bytes of the
 * request (or of a <line> hit's line): glibc's regexec() is quadratic in
 * the text (filter.h), and the peer chooses the regex.
 */
#define TW_HUB_FILTER_TEXT 1024

struct tw_hub_stats {
	unsigned long long epoch;
	unsigned long long last;	/* the last hit's number; 0: none yet */
	unsigned long long read;	/* hits read */
	unsigned long long sent;	/* hits handed to connections */
	unsigned long long dropped;	/* hits dropped for slow subscribers */
	unsigned long long lost;	/* hits lost before the hub read them */
	size_t subs[TW_HUB_NFMT];	/* subscribers of each format */
	size_t conns;			/* connections, subscribers or not */
};

typedef struct tw_hub tw_hub;
typedef struct tw_sub tw_sub;

/* A hub on r; NULL with errno ENOMEM. */
tw_hub *tw_hub_new(tw_reactor *r, const struct tw_hub_opts *o);

/* Free the hub and every subscriber (their connections are the reactor's). */
void tw_hub_free(tw_hub *h);

/*
 * A line read: line[0..len), without its newline, from source (a FILE's
 * name, living as long as the hub; NULL: no <source>). Split once by the
 * format; dropped if the server's filter does not pass it (no number, no
 * encoding); its client anonymised with --anonymize; then numbered, kept
 * (as the anonymised line), encoded into the pending batch of each format
 * in use, and per hit for each format with filtered subscribers. Returns
 * 0, or -1 with ENOMEM (the line is lost; its number is not used).
 */
int tw_hub_add(tw_hub *h, const char *line, size_t len, const char *source);

/* Hand the pending batches to the subscribers (push mode). */
void tw_hub_publish(tw_hub *h);

/*
 * n hits were lost before the hub read them (--subscribe: trimmed from the
 * stream, or never published): the pending batches are published, and
 * every subscriber is told in its format's lost report (not a dropped
 * one, which would skip numbers), before the next hit it gets or at the
 * stream's end (at once when its count would pass 2^24 - 1, what a
 * subscriber keeps). Those hits were never numbered: the sequence goes on
 * unbroken, and a client that resumes later is not told of them.
 */
void tw_hub_lost(tw_hub *h, unsigned long long n);

/*
 * End every stream: what waits, what was dropped or lost, the format's end;
 * then close with the linger. A second call cuts every connection off at
 * once.
 */
void tw_hub_stop(tw_hub *h);

void tw_hub_stats(const tw_hub *h, struct tw_hub_stats *st);

/*
 * Admission for every listener: 0 and the connection is counted (until
 * tw_hub_leave()), or -1 (logged) for a peer outside the --allow ranges
 * (peer as tw_conn_peer() says it; a Unix-domain peer has no address and
 * is let in: the socket file's permissions guard it) or when --max-clients
 * are connected.
 */
int tw_hub_admit(tw_hub *h, const char *peer);
void tw_hub_leave(tw_hub *h);

/* The raw XML stream: tw_factory.data is the hub. */
extern const tw_protocol tw_hub_xml_proto;

/*
 * Subscribe c (admitted, its response head written) to the hits in format
 * fmt: when resume is set and epoch is this hub's, from the hit after seq
 * (<dropped> for those no longer kept); otherwise the last replay kept
 * hits, then live. filter (NULL: none), the client's own, is the hub's from
 * then on, even on failure (freed with the subscriber): such a subscriber
 * gets the hits that pass it one by one, each from its encoding kept in
 * the history, numbers skipped. Returns the subscriber, or NULL with
 * ENOMEM. While subscribed, the caller forwards c's low and lost events.
 */
tw_sub *tw_hub_subscribe(tw_hub *h, tw_conn *c, int fmt, int resume,
    unsigned long long epoch, unsigned long long seq, size_t replay,
    tw_filter *filter);
void tw_sub_low(tw_sub *s);
void tw_sub_lost(tw_sub *s);

#endif
