/*
 * weblog-client - print the hits one or more weblog-serves stream, one line
 * each.
 *
 * Connects to each address given, parses each stream as it arrives
 * (hitstream.h: bounded memory whatever the server sends), and writes each
 * hit to standard output at once, in the order the hits arrive; with
 * several addresses, each hit is labelled with its server's address (the
 * source of tsv, json and xml). In poll mode a timer sends NEW? every
 * interval. With --reconnect a lost connection, a refused one, or a
 * stream the server ended, is retried with exponential backoff, each
 * server on its own. A host name is looked up on a worker thread
 * (tw_resolve) before each connect, so a server that moved is found, and
 * each of its addresses, IPv6 and IPv4, is tried in turn. The new stream
 * resumes where the last one stopped: the client keeps each server's
 * epoch and the last sequence number it knows (a hit's n, or past a
 * <dropped>), and sends RESUME E SEQ first (RESUME 0 0 the first time: the
 * server then opens the stream at once instead of waiting to see whether
 * a RESUME comes). A server that announces a heartbeat is never silent
 * for longer; four heartbeats of silence are a lost connection (a
 * half-open one would otherwise hang forever).
 *
 * A stream whose start tag names a log format (format="...") has each hit
 * rebuilt with that format, compiled once per stream (logfmt.h), so -f
 * combined prints the original line whatever the format.
 *
 * --status, --match and --exclude are weblog-serve's filters (filter.h),
 * the same parser and matcher, applied to each hit received before it is
 * printed. A filtered hit is not printed, counted (-n) or taken for a sign
 * of life (-t), but its number still moves the resume position: a
 * reconnect must not ask for it again.
 *
 * Standard output is written with plain blocking write(2), deliberately,
 * as cat and nc do: a reader that does not keep up holds the client back,
 * the client stops reading its sockets, and the servers then drop hits for
 * it and say so with <dropped count="N"/>. Nothing else ever waits. A
 * <lost count="N"/> (hits a server lost before it read them: trimmed from
 * its Redis stream) is said on stderr the same way, and counted apart; it
 * skips no numbers, so the resume position stays.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/cli.h"
#include "weblog/filter.h"
#include "weblog/hitstream.h"
#include "twirl.h"

#define DEFAULT_ADDRESS "127.0.0.1:8888"
#define DEFAULT_MAX_LINE 65536
#define MAX_MAX_LINE (16 * 1024 * 1024)
#define CONNECT_TIMEOUT 10.0
#define BACKOFF_FIRST 0.1
#define BACKOFF_CAP 30.0
#define POLL_REQUEST "NEW?\n"
#define SILENT_BEATS 4		/* heartbeats of silence: a lost connection */

/* Exit statuses (SPEC "weblog-client"). */
enum {
	EXIT_DONE = 0, EXIT_LOST = 1, EXIT_USAGE = 2, EXIT_MALFORMED = 3,
	EXIT_TIMEOUT = 4
};

/* What all the streams share: the options, the output, the exit status. */
struct client {
	tw_reactor *r;
	tw_hsformat format;	/* format.fmt; the rest is per stream */
	double poll, timeout;	/* seconds; 0: off */
	long long count;	/* hits to print; 0: no limit */
	int reconnect;
	size_t max_line;
	tw_filter filter;	/* --status, --match, --exclude */
	int nfilter;		/* options added to it */
	long long hits;		/* of all streams */
	tw_timer timeout_timer;
	int labelled;		/* several addresses: label each hit */
	struct stream *streams;
	int nstreams;
	int ended;		/* streams that ended with </hits> */
	char *out;		/* one formatted hit */
	int done;		/* the exit status is decided */
	int status;
};

/* One server's address, connection and stream. */
struct stream {
	struct client *cl;
	const char *name;	/* the address as given */
	tw_deferred *lookup;	/* looking name up; NULL otherwise */
	tw_addrlist *addrs;	/* what it found, tried in turn */
	size_t next_addr;	/* the next one to try */
	int lookup_failing;	/* said so once; quiet till a lookup works */
	tw_conn *conn;		/* NULL between connections */
	tw_hitstream hs;
	tw_logfmt *lf;		/* this stream's format="..."; NULL: none */
	unsigned long long dropped;
	unsigned long long lost;	/* before the server read them */
	double backoff;
	tw_timer poll_timer, retry_timer, silence_timer;
	unsigned long long epoch;	/* the last stream's; 0: none yet */
	unsigned long long seq;		/* the last hit's number known in it */
	double heartbeat;		/* its heartbeat; 0: none announced */
	int silent;			/* this connection went silent */
	int made;		/* this connection was made */
};

static _Noreturn void usage(FILE *fp, int status);
static int parse_format(const char *s);
static void filter_option(struct client *cl, int kind, const char *opt,
    const char *val);
static void arm(struct client *cl, tw_timer *t, double delay);
static void check_address(const char *name);
static void start_connect(struct stream *st);
static void connect_next(struct stream *st);
static void poll_cb(tw_timer *t);
static void timeout_cb(tw_timer *t);
static void retry_cb(tw_timer *t);
static void silence_cb(tw_timer *t);

/* Long options without a letter, past every char getopt returns. */
enum { OPT_STATUS = 256, OPT_MATCH, OPT_EXCLUDE };

static const struct option longopts[] = {
	{ "exclude", required_argument, NULL, OPT_EXCLUDE },
	{ "format", required_argument, NULL, 'f' },
	{ "help", no_argument, NULL, 'h' },
	{ "count", required_argument, NULL, 'n' },
	{ "poll", required_argument, NULL, 'p' },
	{ "timeout", required_argument, NULL, 't' },
	{ "match", required_argument, NULL, OPT_MATCH },
	{ "max-line", required_argument, NULL, 'M' },
	{ "reconnect", no_argument, NULL, 'R' },
	{ "status", required_argument, NULL, OPT_STATUS },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 }
};

int
main(int argc, char *argv[])
{
	static const char *const default_address[] = { DEFAULT_ADDRESS };
	const char *const *names;
	struct client cl;
	const char *errstr;
	long long max_line = DEFAULT_MAX_LINE;
	size_t labellen = 0;
	int ch, i;

	tw_setprogname(argv[0]);
	memset(&cl, 0, sizeof(cl));
	cl.format.fmt = TW_HS_COMBINED;
	tw_filter_init(&cl.filter);
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":f:hn:p:t:", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'f':
			if ((cl.format.fmt = parse_format(optarg)) == -1) {
				tw_warnx("-f %s: not combined, common, tsv, json "
				    "or xml", optarg);
				usage(stderr, EXIT_USAGE);
			}
			break;
		case 'h':
			usage(stdout, EXIT_DONE);
		case 'n':
			cl.count = tw_strtonum(optarg, 1, LLONG_MAX, &errstr);
			if (errstr != NULL) {
				tw_warnx("-n %s: %s", optarg, errstr);
				usage(stderr, EXIT_USAGE);
			}
			break;
		case 'p':
			if (tw_parse_seconds(optarg, 86400, &cl.poll,
			    &errstr) == -1 || cl.poll == 0) {
				tw_warnx("-p %s: %s", optarg,
				    errstr != NULL ? errstr : "too small");
				usage(stderr, EXIT_USAGE);
			}
			break;
		case 't':
			if (tw_parse_seconds(optarg, 1e9, &cl.timeout,
			    &errstr) == -1 || cl.timeout == 0) {
				tw_warnx("-t %s: %s", optarg,
				    errstr != NULL ? errstr : "too small");
				usage(stderr, EXIT_USAGE);
			}
			break;
		case 'M':
			max_line = tw_strtonum(optarg, 1, MAX_MAX_LINE, &errstr);
			if (errstr != NULL) {
				tw_warnx("--max-line %s: %s", optarg, errstr);
				usage(stderr, EXIT_USAGE);
			}
			break;
		case 'R':
			cl.reconnect = 1;
			break;
		case OPT_STATUS:
			filter_option(&cl, TW_FILTER_STATUS, "--status", optarg);
			break;
		case OPT_MATCH:
			filter_option(&cl, TW_FILTER_MATCH, "--match", optarg);
			break;
		case OPT_EXCLUDE:
			filter_option(&cl, TW_FILTER_EXCLUDE, "--exclude",
			    optarg);
			break;
		case 'V':
			printf("weblog-client %s\n", TWIRL_VERSION);
			return EXIT_DONE;
		default:
			tw_bad_option(ch, argv, longopts, usage);
		}
	}
	argc -= optind;
	argv += optind;
	names = argc > 0 ? (const char *const *)argv : default_address;
	cl.nstreams = argc > 0 ? argc : 1;
	cl.labelled = cl.nstreams > 1;
	cl.max_line = (size_t)max_line;
	for (i = 0; i < cl.nstreams; i++) {
		check_address(names[i]);
		if (cl.labelled && strlen(names[i]) > labellen)
			labellen = strlen(names[i]);
	}

	/* A reader that went away is an EPIPE from write(2), not a signal. */
	signal(SIGPIPE, SIG_IGN);
	if ((cl.r = tw_reactor_create(NULL)) == NULL)
		tw_err(EXIT_LOST, "reactor");
	if ((cl.out = malloc(TW_HS_FORMAT_MAX(cl.max_line, labellen))) ==
	    NULL || (cl.streams = calloc((size_t)cl.nstreams,
	    sizeof(*cl.streams))) == NULL)
		tw_err(EXIT_LOST, "malloc");
	tw_timer_init(&cl.timeout_timer, timeout_cb, &cl);
	for (i = 0; i < cl.nstreams; i++) {
		struct stream *st = &cl.streams[i];

		st->cl = &cl;
		st->name = names[i];
		st->backoff = BACKOFF_FIRST;
		tw_hitstream_init(&st->hs, cl.max_line);
		tw_timer_init(&st->poll_timer, poll_cb, st);
		tw_timer_init(&st->retry_timer, retry_cb, st);
		tw_timer_init(&st->silence_timer, silence_cb, st);
	}

	if (cl.timeout > 0)
		arm(&cl, &cl.timeout_timer, cl.timeout);
	for (i = 0; i < cl.nstreams && !cl.done; i++)
		start_connect(&cl.streams[i]);
	if (!cl.done && tw_reactor_run(cl.r) == -1)
		tw_err(EXIT_LOST, "event loop");

	for (i = 0; i < cl.nstreams; i++) {
		struct stream *st = &cl.streams[i];

		if (st->lookup != NULL)
			tw_deferred_cancel(st->lookup);
		free(st->addrs);
		tw_hitstream_free(&st->hs);
		tw_logfmt_free(st->lf);
	}
	tw_reactor_destroy(cl.r);
	tw_filter_free(&cl.filter);
	free(cl.streams);
	free(cl.out);
	return cl.status;
}

static _Noreturn void
usage(FILE *fp, int status)
{
	fprintf(fp, "usage: weblog-client [-f combined|common|tsv|json|xml] "
	    "[-p SECONDS] [-n N]\n"
	    "                     [-t SECONDS] [--reconnect] "
	    "[--max-line BYTES]\n"
	    "                     [--status LIST] [--match REGEX] "
	    "[--exclude CIDR]\n"
	    "                     [ADDRESS ...]\n");
	if (status == EXIT_DONE)
		fprintf(fp, "\n"
		    "  -f, --format FORMAT    how to print each hit "
		    "(default combined)\n"
		    "  -p, --poll SECONDS     poll mode: ask for new hits "
		    "this often\n"
		    "  -n, --count N          exit 0 after N hits\n"
		    "  -t, --timeout SECONDS  exit 4 after SECONDS without "
		    "a hit\n"
		    "      --reconnect        retry a lost or refused "
		    "connection, with backoff\n"
		    "      --max-line BYTES   the longest line a hit may "
		    "stand for (default 65536)\n"
		    "      --status LIST      only these statuses: "
		    "404,5xx,400-499\n"
		    "      --match REGEX      only requests matching it "
		    "(repeatable)\n"
		    "      --exclude CIDR     not clients from there "
		    "(repeatable)\n"
		    "  -h, --help             print this help\n"
		    "      --version          print the version\n");
	exit(status);
}

/* The address is looked up later, on each connect; its form, now. */
static void
check_address(const char *name)
{
	char err[128], host[TW_ADDR_HOSTLEN];
	unsigned short port;
	tw_addr a;

	if (tw_addr_parse_numeric(&a, name, host, &port, err,
	    sizeof(err)) == -1)
		tw_errx(EXIT_USAGE, "%s: %s", name, err);
}

/*
 * A filter option's value (kind: TW_FILTER_*), or exit 2 with the reason,
 * in one line as weblog-serve says it: "--status: 6xx: not a status...".
 */
static void
filter_option(struct client *cl, int kind, const char *opt, const char *val)
{
	char err[256];

	if (tw_filter_add(&cl->filter, kind, val, strlen(val), err,
	    sizeof(err)) == -1)
		tw_errx(EXIT_USAGE, "%s: %s", opt, err);
	cl->nfilter++;
}

static int
parse_format(const char *s)
{
	static const struct {
		const char *name;
		int format;
	} formats[] = {
		{ "combined", TW_HS_COMBINED }, { "common", TW_HS_COMMON },
		{ "tsv", TW_HS_TSV }, { "json", TW_HS_JSON },
		{ "xml", TW_HS_XML },
	};
	size_t i;

	for (i = 0; i < sizeof(formats) / sizeof(formats[0]); i++)
		if (strcmp(s, formats[i].name) == 0)
			return formats[i].format;
	return -1;
}

/* The exit status is decided: leave the loop, which then frees everything. */
static void
finish(struct client *cl, int status)
{
	if (cl->done)
		return;
	cl->done = 1;
	cl->status = status;
	tw_reactor_stop(cl->r);
}

/* ------------------------------------------------------------- output */

/* Write all of buf to standard output; 0, or -1 (a message is printed). */
static int
write_out(struct client *cl, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(STDOUT_FILENO, buf, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EPIPE) {
				/* The reader has all it wanted (| head). */
				finish(cl, EXIT_DONE);
				return -1;
			}
			tw_warn("standard output");
			finish(cl, EXIT_LOST);
			return -1;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/*
 * The start tag's format="...": compiled once for the stream. One that
 * does not compile makes the stream useless: a malformed stream.
 */
static int
stream_format(struct stream *st, const tw_hitev *ev)
{
	char err[256];

	tw_logfmt_free(st->lf);
	st->lf = NULL;
	if (ev->format == NULL)
		return 0;
	if (memchr(ev->format, '\0', ev->formatlen) != NULL)
		snprintf(err, sizeof(err), "a NUL byte in it");
	else if ((st->lf = tw_logfmt_compile(ev->format, err,
	    sizeof(err))) != NULL)
		return 0;
	tw_warnx("%s: stream not well-formed: format=\"%.64s\": %s",
	    st->name, ev->format, err);
	finish(st->cl, EXIT_MALFORMED);
	return 1;
}

/*
 * Does hit ev pass the filter? Its fields as weblog-serve's hub gives
 * them to the same matcher: a <line> hit is matched on its line and has
 * no status or client; a hit of a format without a request is matched on
 * its whole line, rebuilt here (in cl->out, free until the hit is
 * formatted) as -f combined rebuilds it.
 */
static int
passes(struct stream *st, const tw_hitev *ev)
{
	struct client *cl = st->cl;
	tw_hsformat whole = { .fmt = TW_HS_COMBINED, .lf = st->lf };
	const char *req = ev->field[TW_HS_REQUEST];
	size_t reqlen = ev->len[TW_HS_REQUEST];
	long n;

	if (cl->nfilter == 0)
		return 1;
	if (ev->line != NULL)
		return tw_filter_pass(&cl->filter, NULL, 0, ev->line,
		    ev->linelen, NULL, 0);
	if (!(ev->present & TW_LOGFMT_BIT(TW_HS_REQUEST)) &&
	    (n = tw_hitstream_format(ev, &whole, cl->out)) > 0) {
		req = cl->out;
		reqlen = (size_t)n - 1;		/* less its newline */
	}
	return tw_filter_pass(&cl->filter, ev->field[TW_HS_STATUS],
	    ev->len[TW_HS_STATUS], req, reqlen, ev->field[TW_HS_CLIENT],
	    ev->len[TW_HS_CLIENT]);
}

static int
on_hit(struct stream *st, const tw_hitev *ev)
{
	struct client *cl = st->cl;
	tw_hsformat f = cl->format;
	long n;

	/* Filtered or not, the next connection resumes after this hit. */
	if (ev->seq > 0)
		st->seq = ev->seq;
	if (!passes(st, ev))
		return 0;
	f.lf = st->lf;
	f.label = cl->labelled ? st->name : NULL;
	if ((n = tw_hitstream_format(ev, &f, cl->out)) < 0) {
		if (ev->seq > 0)
			tw_warnx("%s: stream not well-formed: hit %llu does "
			    "not fit its format", st->name, ev->seq);
		else
			tw_warnx("%s: stream not well-formed: a hit does not "
			    "fit its format", st->name);
		finish(cl, EXIT_MALFORMED);
		return 1;
	}
	if (write_out(cl, cl->out, (size_t)n) == -1)
		return 1;
	cl->hits++;
	if (cl->timeout > 0)
		arm(cl, &cl->timeout_timer, cl->timeout);
	if (cl->count > 0 && cl->hits >= cl->count) {
		finish(cl, EXIT_DONE);
		return 1;
	}
	return 0;
}

static int
on_event(void *arg, const tw_hitev *ev)
{
	struct stream *st = arg;
	struct client *cl = st->cl;

	switch (ev->type) {
	case TW_HS_START:
		st->backoff = BACKOFF_FIRST;	/* a stream: a good connection */
		if (ev->epoch != st->epoch)
			st->seq = 0;	/* another server's numbers */
		st->epoch = ev->epoch;
		st->heartbeat = ev->heartbeat;
		if (st->heartbeat > 0)
			arm(cl, &st->silence_timer,
			    SILENT_BEATS * st->heartbeat);
		return stream_format(st, ev);
	case TW_HS_HIT:
		return on_hit(st, ev);
	case TW_HS_DROPPED:
		st->seq += ev->count;	/* it stands for the numbers it skips */
		st->dropped += ev->count;
		tw_warnx("%s%s%llu %s dropped by the server (%llu in all)",
		    cl->labelled ? st->name : "", cl->labelled ? ": " : "",
		    ev->count, ev->count == 1 ? "hit" : "hits", st->dropped);
		return 0;
	case TW_HS_LOST:
		/* Never numbered: the resume position stays. */
		st->lost += ev->count;
		tw_warnx("%s%s%llu %s lost before the server read them "
		    "(%llu in all)", cl->labelled ? st->name : "",
		    cl->labelled ? ": " : "", ev->count,
		    ev->count == 1 ? "hit" : "hits", st->lost);
		return 0;
	case TW_HS_NONE:
		return 0;
	case TW_HS_END:
		if (!cl->reconnect) {
			/* Done with this one; the others may go on. */
			if (++cl->ended == cl->nstreams)
				finish(cl, EXIT_DONE);
			tw_timer_cancel(cl->r, &st->poll_timer);
			tw_timer_cancel(cl->r, &st->silence_timer);
			tw_conn_close(st->conn, CONNECT_TIMEOUT);
			return 1;
		}
		/* The server stopped; lost() below tries again. */
		tw_conn_abort(st->conn);
		return 1;
	}
	return 0;
}

/* --------------------------------------------------------- connection */

/* Arm a timer; without memory for it the client cannot keep its word. */
static void
arm(struct client *cl, tw_timer *t, double delay)
{
	if (tw_call_later(cl->r, t, delay) == -1)
		tw_err(EXIT_LOST, "timer");
}

/* Capped exponential backoff; reset when a stream starts. */
static void
retry_later(struct stream *st)
{
	arm(st->cl, &st->retry_timer, st->backoff);
	st->backoff *= 2;
	if (st->backoff > BACKOFF_CAP)
		st->backoff = BACKOFF_CAP;
}

/* This stream cannot go on: try again later, or the client is done. */
static void
give_up_or_retry(struct stream *st)
{
	if (st->cl->reconnect)
		retry_later(st);
	else
		finish(st->cl, EXIT_LOST);
}

static void
poll_cb(tw_timer *t)
{
	struct stream *st = t->data;

	if (st->cl->done || st->conn == NULL)
		return;
	tw_conn_write(st->conn, POLL_REQUEST, sizeof(POLL_REQUEST) - 1);
	arm(st->cl, &st->poll_timer, st->cl->poll);
}

static void
timeout_cb(tw_timer *t)
{
	struct client *cl = t->data;

	if (cl->done)
		return;
	tw_warnx("no hit for %g seconds", cl->timeout);
	finish(cl, EXIT_TIMEOUT);
}

static void
retry_cb(tw_timer *t)
{
	start_connect(t->data);
}

/* Four heartbeats without a byte: the connection is as good as lost. */
static void
silence_cb(tw_timer *t)
{
	struct stream *st = t->data;

	if (st->cl->done || st->conn == NULL)
		return;
	st->silent = 1;
	tw_conn_abort(st->conn);
}

static void
conn_made(tw_conn *c)
{
	struct stream *st = c->data;
	struct client *cl = st->cl;

	st->made = 1;
	if (cl->poll == 0) {
		/* Epoch 0 is no server's: the first time, a new client. */
		char resume[64];
		int n = snprintf(resume, sizeof(resume), "RESUME %llu %llu\n",
		    st->epoch, st->seq);

		tw_conn_write(c, resume, (size_t)n);
	}
	if (cl->poll > 0) {
		tw_conn_write(c, POLL_REQUEST, sizeof(POLL_REQUEST) - 1);
		arm(cl, &st->poll_timer, cl->poll);
	}
}

static void
conn_data(tw_conn *c, const char *buf, size_t len)
{
	struct stream *st = c->data;
	struct client *cl = st->cl;

	/* Stopped or reconnecting: the rest of this turn's reads are moot. */
	if (cl->done || st->conn != c || tw_hitstream_ended(&st->hs))
		return;
	if (st->heartbeat > 0)
		arm(cl, &st->silence_timer, SILENT_BEATS * st->heartbeat);
	if (tw_hitstream_feed(&st->hs, buf, len, on_event, st, NULL) == -1) {
		if (errno == ENOMEM) {
			tw_warnx("%s: %s", st->name,
			    tw_hitstream_error(&st->hs));
			finish(cl, EXIT_LOST);
			return;
		}
		tw_warnx("%s: stream not well-formed: %s", st->name,
		    tw_hitstream_error(&st->hs));
		finish(cl, EXIT_MALFORMED);
	}
}

static void
conn_lost(tw_conn *c, int reason)
{
	struct stream *st = c->data;
	struct client *cl = st->cl;
	char why[160];

	if (st->conn == c)
		st->conn = NULL;
	tw_timer_cancel(cl->r, &st->poll_timer);
	tw_timer_cancel(cl->r, &st->silence_timer);
	if (cl->done)
		return;
	if (tw_hitstream_ended(&st->hs) && !cl->reconnect)
		return;		/* closed after its </hits>: counted */
	if (!st->made && st->next_addr < st->addrs->n) {
		connect_next(st);	/* the name's next address */
		return;
	}
	if (st->silent)
		snprintf(why, sizeof(why), "no data for %g seconds (%d "
		    "heartbeats)", SILENT_BEATS * st->heartbeat, SILENT_BEATS);
	else if (!st->made)
		snprintf(why, sizeof(why), "connect: %s", strerror(reason));
	else if (tw_hitstream_ended(&st->hs))
		snprintf(why, sizeof(why), "the server ended the stream");
	else if (reason == 0)
		snprintf(why, sizeof(why), "stream ended without </hits>");
	else
		snprintf(why, sizeof(why), "connection lost: %s",
		    strerror(reason));
	if (!cl->reconnect) {
		tw_warnx("%s: %s", st->name, why);
		finish(cl, EXIT_LOST);
		return;
	}
	tw_warnx("%s: %s; reconnecting in %g s", st->name, why, st->backoff);
	retry_later(st);
}

static const tw_protocol client_proto = {
	.made = conn_made,
	.data = conn_data,
	.lost = conn_lost,
};

static int
resolved(void *arg, void **value, int error)
{
	struct stream *st = arg;

	(void)error;
	tw_deferred_unref(st->lookup);
	st->lookup = NULL;
	st->addrs = *value;
	*value = NULL;
	st->next_addr = 0;
	st->lookup_failing = 0;
	if (!st->cl->done)
		connect_next(st);
	return 0;
}

static int
lookup_failed(void *arg, void **value, int error)
{
	struct stream *st = arg;

	(void)value;
	tw_deferred_unref(st->lookup);
	st->lookup = NULL;
	if (st->cl->done)
		return 0;
	if (!st->cl->reconnect) {
		tw_warnx("%s: %s", st->name, tw_resolve_strerror(error));
		finish(st->cl, EXIT_LOST);
		return 0;
	}
	/* Once, not at every retry: a name may stay away for long. */
	if (!st->lookup_failing)
		tw_warnx("%s: %s; retrying", st->name,
		    tw_resolve_strerror(error));
	st->lookup_failing = 1;
	retry_later(st);
	return 0;
}

/*
 * Look the address up again at each connect: the name may have moved
 * (another address, another family) since the last.
 */
static void
start_connect(struct stream *st)
{
	free(st->addrs);
	st->addrs = NULL;
	if ((st->lookup = tw_resolve(st->cl->r, st->name)) == NULL) {
		tw_warn("%s: look up", st->name);
		give_up_or_retry(st);
		return;
	}
	/* A literal address has its answer already: resolved() runs now. */
	if (tw_deferred_add(st->lookup, resolved, lookup_failed, st) == -1)
		tw_err(EXIT_LOST, "look up");
}

/* A new connection to the next address, and a new stream on it. */
static void
connect_next(struct stream *st)
{
	const tw_addr *a;

	while (st->next_addr < st->addrs->n) {
		a = &st->addrs->addr[st->next_addr++];
		st->made = 0;
		st->silent = 0;
		st->heartbeat = 0;
		tw_hitstream_reset(&st->hs);
		st->conn = tw_connect(st->cl->r, a, &client_proto, st,
		    CONNECT_TIMEOUT);
		if (st->conn != NULL)
			return;
	}
	/* Could not even start (out of descriptors?): as a failed connect. */
	tw_warn("%s: connect", st->name);
	give_up_or_retry(st);
}
