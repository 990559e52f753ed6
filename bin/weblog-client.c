/*
 * weblog-client - print the hits a weblog-serve streams, one line each.
 *
 * Connects, parses the stream as it arrives (hitstream.h: bounded memory
 * whatever the server sends), and writes each hit to standard output at
 * once. In poll mode a timer sends NEW? every interval. With --reconnect a
 * lost connection, a refused one, or a stream the server ended, is retried
 * with exponential backoff. A host name is looked up on a worker thread
 * (tw_resolve) before each connect, so a server that moved is found, and
 * each of its addresses, IPv6 and IPv4, is tried in turn. The new stream
 * resumes where the last one stopped: the client keeps the stream's epoch
 * and the last sequence number it knows (a hit's n, or past a <dropped>),
 * and sends RESUME E SEQ first (RESUME 0 0 the first time: the server then
 * opens the stream at once instead of waiting to see whether a RESUME
 * comes). A server that announces a heartbeat is never silent for longer;
 * four heartbeats of silence are a lost connection (a half-open one would
 * otherwise hang forever).
 *
 * Standard output is written with plain blocking write(2), deliberately,
 * as cat and nc do: a reader that does not keep up holds the client back,
 * the client stops reading its socket, and the server then drops hits for
 * it and says so with <dropped count="N"/>. Nothing else ever waits.
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

struct client {
	tw_reactor *r;
	const char *name;	/* the address as given */
	tw_deferred *lookup;	/* looking name up; NULL otherwise */
	tw_addrlist *addrs;	/* what it found, tried in turn */
	size_t next_addr;	/* the next one to try */
	int lookup_failing;	/* said so once; quiet till a lookup works */
	tw_conn *conn;		/* NULL between connections */
	tw_hitstream hs;
	int format;
	double poll, timeout;	/* seconds; 0: off */
	long long count;	/* hits to print; 0: no limit */
	int reconnect;
	long long hits;
	unsigned long long dropped;
	double backoff;
	tw_timer poll_timer, timeout_timer, retry_timer, silence_timer;
	unsigned long long epoch;	/* the last stream's; 0: none yet */
	unsigned long long seq;		/* the last hit's number known in it */
	double heartbeat;		/* its heartbeat; 0: none announced */
	int silent;			/* this connection went silent */
	char *out;		/* one formatted hit */
	int made;		/* this connection was made */
	int done;		/* the exit status is decided */
	int status;
};

static _Noreturn void usage(FILE *fp, int status);
static int parse_format(const char *s);
static void arm(struct client *cl, tw_timer *t, double delay);
static void check_address(const char *name);
static void start_connect(struct client *cl);
static void connect_next(struct client *cl);
static void poll_cb(tw_timer *t);
static void timeout_cb(tw_timer *t);
static void retry_cb(tw_timer *t);
static void silence_cb(tw_timer *t);

static const struct option longopts[] = {
	{ "format", required_argument, NULL, 'f' },
	{ "help", no_argument, NULL, 'h' },
	{ "count", required_argument, NULL, 'n' },
	{ "poll", required_argument, NULL, 'p' },
	{ "timeout", required_argument, NULL, 't' },
	{ "max-line", required_argument, NULL, 'M' },
	{ "reconnect", no_argument, NULL, 'R' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 }
};

int
main(int argc, char *argv[])
{
	struct client cl;
	const char *errstr;
	long long max_line = DEFAULT_MAX_LINE;
	int ch;

	tw_setprogname(argv[0]);
	memset(&cl, 0, sizeof(cl));
	cl.format = TW_HS_COMBINED;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":f:hn:p:t:", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'f':
			if ((cl.format = parse_format(optarg)) == -1) {
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
		case 'V':
			printf("weblog-client %s\n", TWIRL_VERSION);
			return EXIT_DONE;
		default:
			tw_bad_option(ch, argv, longopts, usage);
		}
	}
	argc -= optind;
	argv += optind;
	if (argc > 1)
		usage(stderr, EXIT_USAGE);
	cl.name = argc == 1 ? argv[0] : DEFAULT_ADDRESS;
	check_address(cl.name);

	/* A reader that went away is an EPIPE from write(2), not a signal. */
	signal(SIGPIPE, SIG_IGN);
	if ((cl.r = tw_reactor_create(NULL)) == NULL)
		tw_err(EXIT_LOST, "reactor");
	if ((cl.out = malloc(TW_HS_FORMAT_MAX((size_t)max_line))) == NULL)
		tw_err(EXIT_LOST, "malloc");
	tw_hitstream_init(&cl.hs, (size_t)max_line);
	cl.backoff = BACKOFF_FIRST;
	tw_timer_init(&cl.poll_timer, poll_cb, &cl);
	tw_timer_init(&cl.retry_timer, retry_cb, &cl);
	tw_timer_init(&cl.timeout_timer, timeout_cb, &cl);
	tw_timer_init(&cl.silence_timer, silence_cb, &cl);

	if (cl.timeout > 0)
		arm(&cl, &cl.timeout_timer, cl.timeout);
	start_connect(&cl);
	if (!cl.done && tw_reactor_run(cl.r) == -1)
		tw_err(EXIT_LOST, "event loop");

	if (cl.lookup != NULL)
		tw_deferred_cancel(cl.lookup);
	free(cl.addrs);
	tw_reactor_destroy(cl.r);
	tw_hitstream_free(&cl.hs);
	free(cl.out);
	return cl.status;
}

static _Noreturn void
usage(FILE *fp, int status)
{
	fprintf(fp, "usage: weblog-client [-f combined|common|tsv|json|xml] "
	    "[-p SECONDS] [-n N]\n"
	    "                     [-t SECONDS] [--reconnect] "
	    "[--max-line BYTES] [ADDRESS]\n");
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

static int
on_event(void *arg, const tw_hitev *ev)
{
	struct client *cl = arg;

	switch (ev->type) {
	case TW_HS_START:
		cl->backoff = BACKOFF_FIRST;	/* a stream: a good connection */
		if (ev->epoch != cl->epoch)
			cl->seq = 0;	/* another server's numbers */
		cl->epoch = ev->epoch;
		cl->heartbeat = ev->heartbeat;
		if (cl->heartbeat > 0)
			arm(cl, &cl->silence_timer, SILENT_BEATS * cl->heartbeat);
		return 0;
	case TW_HS_HIT:
		if (ev->seq > 0)
			cl->seq = ev->seq;
		if (write_out(cl, cl->out, tw_hitstream_format(ev, cl->format,
		    cl->out)) == -1)
			return 1;
		cl->hits++;
		if (cl->timeout > 0)
			arm(cl, &cl->timeout_timer, cl->timeout);
		if (cl->count > 0 && cl->hits >= cl->count) {
			finish(cl, EXIT_DONE);
			return 1;
		}
		return 0;
	case TW_HS_DROPPED:
		cl->seq += ev->count;	/* it stands for the numbers it skips */
		cl->dropped += ev->count;
		tw_warnx("%llu %s dropped by the server (%llu in all)",
		    ev->count, ev->count == 1 ? "hit" : "hits", cl->dropped);
		return 0;
	case TW_HS_NONE:
		return 0;
	case TW_HS_END:
		if (!cl->reconnect) {
			finish(cl, EXIT_DONE);
			return 1;
		}
		/* The server stopped; lost() below tries again. */
		tw_conn_abort(cl->conn);
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
retry_later(struct client *cl)
{
	arm(cl, &cl->retry_timer, cl->backoff);
	cl->backoff *= 2;
	if (cl->backoff > BACKOFF_CAP)
		cl->backoff = BACKOFF_CAP;
}

static void
poll_cb(tw_timer *t)
{
	struct client *cl = t->data;

	if (cl->done || cl->conn == NULL)
		return;
	tw_conn_write(cl->conn, POLL_REQUEST, sizeof(POLL_REQUEST) - 1);
	arm(cl, &cl->poll_timer, cl->poll);
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
	struct client *cl = t->data;

	if (cl->done || cl->conn == NULL)
		return;
	cl->silent = 1;
	tw_conn_abort(cl->conn);
}

static void
conn_made(tw_conn *c)
{
	struct client *cl = c->data;

	cl->made = 1;
	if (cl->poll == 0) {
		/* Epoch 0 is no server's: the first time, a new client. */
		char resume[64];
		int n = snprintf(resume, sizeof(resume), "RESUME %llu %llu\n",
		    cl->epoch, cl->seq);

		tw_conn_write(c, resume, (size_t)n);
	}
	if (cl->poll > 0) {
		tw_conn_write(c, POLL_REQUEST, sizeof(POLL_REQUEST) - 1);
		arm(cl, &cl->poll_timer, cl->poll);
	}
}

static void
conn_data(tw_conn *c, const char *buf, size_t len)
{
	struct client *cl = c->data;

	/* Stopped or reconnecting: the rest of this turn's reads are moot. */
	if (cl->done || cl->conn != c || tw_hitstream_ended(&cl->hs))
		return;
	if (cl->heartbeat > 0)
		arm(cl, &cl->silence_timer, SILENT_BEATS * cl->heartbeat);
	if (tw_hitstream_feed(&cl->hs, buf, len, on_event, cl, NULL) == -1) {
		if (errno == ENOMEM) {
			tw_warnx("%s: %s", cl->name, tw_hitstream_error(&cl->hs));
			finish(cl, EXIT_LOST);
			return;
		}
		tw_warnx("%s: stream not well-formed: %s", cl->name,
		    tw_hitstream_error(&cl->hs));
		finish(cl, EXIT_MALFORMED);
	}
}

static void
conn_lost(tw_conn *c, int reason)
{
	struct client *cl = c->data;
	char why[160];

	cl->conn = NULL;
	tw_timer_cancel(cl->r, &cl->poll_timer);
	tw_timer_cancel(cl->r, &cl->silence_timer);
	if (cl->done)
		return;
	if (!cl->made && cl->next_addr < cl->addrs->n) {
		connect_next(cl);	/* the name's next address */
		return;
	}
	if (cl->silent)
		snprintf(why, sizeof(why), "no data for %g seconds (%d "
		    "heartbeats)", SILENT_BEATS * cl->heartbeat, SILENT_BEATS);
	else if (!cl->made)
		snprintf(why, sizeof(why), "connect: %s", strerror(reason));
	else if (tw_hitstream_ended(&cl->hs))
		snprintf(why, sizeof(why), "the server ended the stream");
	else if (reason == 0)
		snprintf(why, sizeof(why), "stream ended without </hits>");
	else
		snprintf(why, sizeof(why), "connection lost: %s",
		    strerror(reason));
	if (!cl->reconnect) {
		tw_warnx("%s: %s", cl->name, why);
		finish(cl, EXIT_LOST);
		return;
	}
	tw_warnx("%s: %s; reconnecting in %g s", cl->name, why, cl->backoff);
	retry_later(cl);
}

static const tw_protocol client_proto = {
	.made = conn_made,
	.data = conn_data,
	.lost = conn_lost,
};

static int
resolved(void *arg, void **value, int error)
{
	struct client *cl = arg;

	(void)error;
	tw_deferred_unref(cl->lookup);
	cl->lookup = NULL;
	cl->addrs = *value;
	*value = NULL;
	cl->next_addr = 0;
	cl->lookup_failing = 0;
	if (!cl->done)
		connect_next(cl);
	return 0;
}

static int
lookup_failed(void *arg, void **value, int error)
{
	struct client *cl = arg;

	(void)value;
	tw_deferred_unref(cl->lookup);
	cl->lookup = NULL;
	if (cl->done)
		return 0;
	if (!cl->reconnect) {
		tw_warnx("%s: %s", cl->name, tw_resolve_strerror(error));
		finish(cl, EXIT_LOST);
		return 0;
	}
	/* Once, not at every retry: a name may stay away for long. */
	if (!cl->lookup_failing)
		tw_warnx("%s: %s; retrying", cl->name,
		    tw_resolve_strerror(error));
	cl->lookup_failing = 1;
	retry_later(cl);
	return 0;
}

/*
 * Look the address up again at each connect: the name may have moved
 * (another address, another family) since the last.
 */
static void
start_connect(struct client *cl)
{
	free(cl->addrs);
	cl->addrs = NULL;
	if ((cl->lookup = tw_resolve(cl->r, cl->name)) == NULL) {
		tw_warn("%s: look up", cl->name);
		if (cl->reconnect)
			retry_later(cl);
		else
			finish(cl, EXIT_LOST);
		return;
	}
	/* A literal address has its answer already: resolved() runs now. */
	if (tw_deferred_add(cl->lookup, resolved, lookup_failed, cl) == -1)
		tw_err(EXIT_LOST, "look up");
}

/* A new connection to the next address, and a new stream on it. */
static void
connect_next(struct client *cl)
{
	const tw_addr *a;

	while (cl->next_addr < cl->addrs->n) {
		a = &cl->addrs->addr[cl->next_addr++];
		cl->made = 0;
		cl->silent = 0;
		cl->heartbeat = 0;
		tw_hitstream_reset(&cl->hs);
		cl->conn = tw_connect(cl->r, a, &client_proto, cl,
		    CONNECT_TIMEOUT);
		if (cl->conn != NULL)
			return;
	}
	/* Could not even start (out of descriptors?): as a failed connect. */
	tw_warn("%s: connect", cl->name);
	if (cl->reconnect)
		retry_later(cl);
	else
		finish(cl, EXIT_LOST);
}
