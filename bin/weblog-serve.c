/*
 * weblog-serve - stream an access log to many clients as XML hits.
 *
 * Lines come from a followed FILE (follow.h) or standard input; each is
 * encoded once into a shared tw_bytes (hit.h) and goes to every client:
 * pushed as it arrives (or every --interval), or handed out on request in
 * poll mode. The last --keep hits stay in a history ring, for --replay and
 * for poll mode's cursors.
 *
 * Fan-out with as little work per client as can be: the hits that arrive
 * together (one read of the input, or one --interval) are encoded into one
 * shared buffer, so each client costs one reference and one iovec per
 * batch, not per hit; the kernel then copies one long buffer per client,
 * which is where the time goes (a profile of a 1,000-client burst: half of
 * it in the kernel's copy, when each hit was its own buffer).
 *
 * Without letting a slow client cost the others: each client has
 * a FIFO of references to batches not yet handed to its connection. Hits go
 * to the connection only while its queue is at most `high` bytes (then
 * low() hands more), so the connection never holds much; the FIFO holds
 * the rest, and when the FIFO and the connection's queue together pass
 * --max-queue, the oldest hits in the FIFO are dropped and counted, to be
 * reported as <dropped count="N"/> before the next hit that client gets.
 * Every hit is delivered or counted, and a stalled client's memory is
 * bounded by --max-queue.
 */
#define _GNU_SOURCE

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "util/cli.h"
#include "weblog/follow.h"
#include "weblog/hit.h"
#include "sdnotify.h"
#include "twirl.h"

#define REQUEST_MAX 1024	/* a poll request line, SPEC */
#define PENDING_MAX 8		/* poll requests read ahead of their answers */
#define LISTEN_MAX 16		/* sockets systemd may pass */

struct options {
	int quiet;
	const char *listen;
	int poll;
	double interval;
	size_t keep, replay, max_clients, max_queue, max_line;
	double linger;
	int from_start;
	const char *file;	/* NULL: standard input */
};

/* Hits encoded together, and how many they are (for the dropped count). */
struct batch {
	tw_bytes *b;
	size_t hits;
};

struct client {
	struct server *s;
	tw_conn *c;
	struct client *prev, *next;
	struct batch *fifo;	/* ring of hits not yet handed to c */
	size_t fhead, flen, fcap;
	size_t fbytes;		/* their bytes */
	unsigned long long dropped;	/* to report before the next hit */
	uint64_t cursor;	/* poll: the first hit not yet answered */
	tw_lines req;		/* poll: request lines */
	unsigned pending;	/* poll: requests not yet answered */
	int eof;		/* the peer sends no more */
	int closing;		/* </hits> sent, closing */
};

struct server {
	struct options opt;
	tw_reactor *r;
	tw_listener *l[LISTEN_MAX];
	int nl;
	tw_follow *in;
	tw_lines lines;
	struct client *clients;
	size_t nclients;
	size_t high;		/* hand hits to a connection up to this */
	tw_bytes **hist;	/* ring of the last opt.keep hits */
	size_t hhead, hlen;
	uint64_t next_seq;	/* sequence number of the next hit */
	tw_bytes *batch;	/* hits encoded since the last publish */
	size_t batch_hits;
	tw_timer tick;
	tw_signal sigterm, sigint;
	int stopping;
	int status;
};

static _Noreturn void usage(FILE *fp, int status);
static void parse_options(struct options *o, int argc, char **argv);
static void raise_fd_limit(size_t clients);
static void open_input(struct server *s);
static int start_listening(struct server *s);
static void on_signal(tw_signal *sig, int signo);
static void notify(const char *state);
static void stop(struct server *s);
static void free_server(struct server *s);
static void info(const struct server *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static const tw_protocol client_proto;

int
main(int argc, char **argv)
{
	struct server s;

	tw_setprogname(argv[0]);
	memset(&s, 0, sizeof(s));
	parse_options(&s.opt, argc, argv);

	signal(SIGPIPE, SIG_IGN);
	raise_fd_limit(s.opt.max_clients);
	s.high = s.opt.max_queue < TW_CONN_HIGH_WATER ?
	    s.opt.max_queue : TW_CONN_HIGH_WATER;
	if (s.opt.keep > 0 &&
	    (s.hist = calloc(s.opt.keep, sizeof(*s.hist))) == NULL)
		tw_err(1, "history");
	tw_lines_init(&s.lines, s.opt.max_line);
	if ((s.r = tw_reactor_create(NULL)) == NULL)
		tw_err(1, "event loop");

	open_input(&s);
	if (start_listening(&s) == -1) {
		free_server(&s);	/* standard input gets its flags back */
		return 1;
	}

	tw_signal_init(&s.sigterm, on_signal, &s);
	tw_signal_init(&s.sigint, on_signal, &s);
	if (tw_signal_start(s.r, &s.sigterm, SIGTERM) == -1 ||
	    tw_signal_start(s.r, &s.sigint, SIGINT) == -1)
		tw_err(1, "signals");
	notify("READY=1");

	if (tw_reactor_run(s.r) == -1) {
		tw_warn("event loop");
		s.status = 1;
	}

	free_server(&s);
	return s.status;
}

/* ------------------------------------------------------------- options */

static _Noreturn void
usage(FILE *fp, int status)
{
	fprintf(fp,
	    "usage: weblog-serve [-q] [-l ADDRESS] [-m push|poll] [-i SECONDS] "
	    "[-k N] [-r N]\n"
	    "                    [--max-clients N] [--max-queue BYTES] "
	    "[--max-line BYTES]\n"
	    "                    [--linger SECONDS] [--from-start] [FILE]\n");
	exit(status);
}

enum {
	OPT_MAX_CLIENTS = 256, OPT_MAX_QUEUE, OPT_MAX_LINE, OPT_LINGER,
	OPT_FROM_START, OPT_VERSION
};

static size_t
number(const char *opt, const char *s, long long min, long long max)
{
	const char *errstr;
	long long v = tw_strtonum(s, min, max, &errstr);

	if (errstr != NULL) {
		tw_warnx("%s %s: %s", opt, s, errstr);
		exit(2);
	}
	return (size_t)v;
}

static double
seconds(const char *opt, const char *s, double max)
{
	const char *errstr;
	double v;

	if (tw_parse_seconds(s, max, &v, &errstr) == -1) {
		tw_warnx("%s %s: %s", opt, s, errstr);
		exit(2);
	}
	return v;
}

static void
parse_options(struct options *o, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "from-start", no_argument, NULL, OPT_FROM_START },
		{ "help", no_argument, NULL, 'h' },
		{ "interval", required_argument, NULL, 'i' },
		{ "keep", required_argument, NULL, 'k' },
		{ "linger", required_argument, NULL, OPT_LINGER },
		{ "listen", required_argument, NULL, 'l' },
		{ "max-clients", required_argument, NULL, OPT_MAX_CLIENTS },
		{ "max-line", required_argument, NULL, OPT_MAX_LINE },
		{ "max-queue", required_argument, NULL, OPT_MAX_QUEUE },
		{ "mode", required_argument, NULL, 'm' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "replay", required_argument, NULL, 'r' },
		{ "version", no_argument, NULL, OPT_VERSION },
		{ NULL, 0, NULL, 0 }
	};
	int ch;

	o->listen = "127.0.0.1:8888";
	o->keep = 100;
	o->max_clients = 1024;
	o->max_queue = 1024 * 1024;
	o->max_line = 65536;
	o->linger = 2;
	while ((ch = getopt_long(argc, argv, "hi:k:l:m:qr:", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'h':
			usage(stdout, 0);
		case 'i':
			o->interval = seconds("-i", optarg, 86400);
			break;
		case 'k':
			o->keep = number("-k", optarg, 0, 1000000);
			break;
		case 'l':
			o->listen = optarg;
			break;
		case 'm':
			if (strcmp(optarg, "push") == 0)
				o->poll = 0;
			else if (strcmp(optarg, "poll") == 0)
				o->poll = 1;
			else {
				tw_warnx("-m %s: not push or poll", optarg);
				exit(2);
			}
			break;
		case 'q':
			o->quiet = 1;
			break;
		case 'r':
			o->replay = number("-r", optarg, 0, 1000000);
			break;
		case OPT_FROM_START:
			o->from_start = 1;
			break;
		case OPT_LINGER:
			o->linger = seconds("--linger", optarg, 3600);
			break;
		case OPT_MAX_CLIENTS:
			o->max_clients = number("--max-clients", optarg, 1,
			    1000000);
			break;
		case OPT_MAX_LINE:
			o->max_line = number("--max-line", optarg, 1,
			    64 * 1024 * 1024);
			break;
		case OPT_MAX_QUEUE:
			o->max_queue = number("--max-queue", optarg, 1,
			    1LL << 40);
			break;
		case OPT_VERSION:
			printf("weblog-serve %s\n", TWIRL_VERSION);
			exit(0);
		default:
			usage(stderr, 2);
		}
	}
	argc -= optind;
	argv += optind;

	if (argc > 1)
		usage(stderr, 2);
	if (argc == 1 && strcmp(argv[0], "-") != 0)
		o->file = argv[0];
	if (o->poll && o->interval > 0) {
		tw_warnx("-i: batching is for push mode, not poll");
		exit(2);
	}
}

/* Room for every client's descriptor, if the hard limit allows. */
static void
raise_fd_limit(size_t clients)
{
	struct rlimit rl;
	rlim_t want = (rlim_t)clients + 64;

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1 || rl.rlim_cur >= want)
		return;
	rl.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max > want ?
	    want : rl.rlim_max;
	setrlimit(RLIMIT_NOFILE, &rl);
}

/* The log lines of the article's server: connect, disconnect, ... */
static void
info(const struct server *s, const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	int n;

	if (s->opt.quiet)
		return;
	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf) - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n > sizeof(buf) - 2)
		n = sizeof(buf) - 2;
	buf[n++] = '\n';
	fwrite(buf, 1, (size_t)n, stderr);	/* one write per line */
	fflush(stderr);
}

/* ------------------------------------------------------------- history */

static void
history_add(struct server *s, tw_bytes *b)
{
	s->next_seq++;
	if (s->opt.keep == 0)
		return;
	if (s->hlen == s->opt.keep) {
		tw_bytes_unref(s->hist[s->hhead]);
		s->hhead = (s->hhead + 1) % s->opt.keep;
		s->hlen--;
	}
	s->hist[(s->hhead + s->hlen++) % s->opt.keep] = tw_bytes_ref(b);
}

/* The hit numbered seq, which must be in the history. */
static tw_bytes *
history_get(const struct server *s, uint64_t seq)
{
	uint64_t first = s->next_seq - s->hlen;

	return s->hist[(s->hhead + (size_t)(seq - first)) % s->opt.keep];
}

/* ------------------------------------------------------------- clients */

static int
fifo_push(struct client *cl, tw_bytes *b, size_t hits)
{
	if (cl->flen == cl->fcap) {
		size_t n = cl->fcap ? cl->fcap * 2 : 16, i;
		struct batch *f = malloc(n * sizeof(*f));

		if (f == NULL)
			return -1;
		for (i = 0; i < cl->flen; i++)
			f[i] = cl->fifo[(cl->fhead + i) % cl->fcap];
		free(cl->fifo);
		cl->fifo = f;
		cl->fhead = 0;
		cl->fcap = n;
	}
	cl->fifo[(cl->fhead + cl->flen) % cl->fcap].b = tw_bytes_ref(b);
	cl->fifo[(cl->fhead + cl->flen++) % cl->fcap].hits = hits;
	cl->fbytes += b->len;
	return 0;
}

static struct batch
fifo_pop(struct client *cl)
{
	struct batch b = cl->fifo[cl->fhead];

	cl->fhead = (cl->fhead + 1) % cl->fcap;
	cl->flen--;
	cl->fbytes -= b.b->len;
	if (cl->flen == 0 && cl->fcap > 1024) {
		/* A burst made the ring big; an idle client keeps little. */
		free(cl->fifo);
		cl->fifo = NULL;
		cl->fhead = cl->fcap = 0;
	}
	return b;
}

static void
write_dropped(struct client *cl)
{
	char buf[64];
	int n;

	if (cl->dropped == 0)
		return;
	n = snprintf(buf, sizeof(buf), "<dropped count=\"%llu\"/>\n",
	    cl->dropped);
	tw_conn_write(cl->c, buf, (size_t)n);
	cl->dropped = 0;
}

/* Hand hits to the connection while its queue is short (all: at the end). */
static void
pump(struct client *cl, int all)
{
	while (cl->flen > 0 && (all || tw_conn_queued(cl->c) <= cl->s->high)) {
		struct batch b = fifo_pop(cl);

		write_dropped(cl);
		tw_conn_write_bytes(cl->c, b.b);
		tw_bytes_unref(b.b);
	}
}

/*
 * Give hits (b holds that many) to a client: straight to its connection
 * when nothing waits before it, otherwise to its FIFO, dropping the oldest
 * waiting hits while the client's unsent bytes are past --max-queue.
 */
static void
client_push(struct client *cl, tw_bytes *b, size_t hits)
{
	if (cl->closing)
		return;
	if (cl->flen == 0 && cl->dropped == 0 &&
	    tw_conn_queued(cl->c) <= cl->s->high) {
		tw_conn_write_bytes(cl->c, b);
		return;
	}
	if (fifo_push(cl, b, hits) == -1) {
		cl->dropped += hits;
		return;
	}
	while (cl->flen > 0 &&
	    cl->fbytes + tw_conn_queued(cl->c) > cl->s->opt.max_queue) {
		struct batch old = fifo_pop(cl);

		tw_bytes_unref(old.b);
		cl->dropped += old.hits;
	}
	pump(cl, 0);
}

/* Close once what is queued is sent, or --linger has passed: no more hits. */
static void
client_close(struct client *cl)
{
	cl->closing = 1;
	tw_conn_close(cl->c, cl->s->opt.linger > 0 ? cl->s->opt.linger : 1e-3);
}

/* End the stream: what waits, what was dropped, </hits>; then close. */
static void
client_finish(struct client *cl)
{
	if (cl->closing)
		return;
	pump(cl, 1);
	write_dropped(cl);
	tw_conn_write(cl->c, "</hits>\n", 8);
	client_close(cl);
}

/* Poll mode: every hit since the client's last answer, or <none/>. */
static void
answer(struct client *cl)
{
	struct server *s = cl->s;
	uint64_t first = s->next_seq - s->hlen;

	if (cl->cursor < first) {
		/* Fell behind the history: those hits are gone. */
		cl->dropped += first - cl->cursor;
		cl->cursor = first;
	}
	if (cl->cursor == s->next_seq) {
		if (cl->dropped > 0)
			write_dropped(cl);
		else
			tw_conn_write(cl->c, "<none/>\n", 8);
		return;
	}
	for (; cl->cursor < s->next_seq; cl->cursor++)
		client_push(cl, history_get(s, cl->cursor), 1);
	if (cl->flen == 0)
		write_dropped(cl);	/* all of them, if none went out */
}

/*
 * Move a client on: hand it more hits, answer its poll requests one at a
 * time once the previous answer is on its way, read more requests, and
 * end its stream once it has sent its last request.
 */
static void
service(struct client *cl)
{
	struct server *s = cl->s;

	if (cl->closing)
		return;
	pump(cl, 0);
	while (cl->pending > 0 && cl->flen == 0 &&
	    tw_conn_queued(cl->c) <= s->high) {
		answer(cl);
		cl->pending--;
	}
	if (cl->eof && cl->pending == 0) {
		client_finish(cl);
		return;
	}
	if (cl->pending < PENDING_MAX && !cl->eof)
		tw_conn_resume(cl->c);
}

static void
client_made(tw_conn *c)
{
	struct server *s = tw_conn_factory(c)->data;
	struct client *cl;
	size_t n, i;

	if (s->nclients >= s->opt.max_clients ||
	    (cl = calloc(1, sizeof(*cl))) == NULL) {
		info(s, "refused %s: too many clients", tw_conn_peer(c));
		tw_conn_abort(c);
		return;
	}
	cl->s = s;
	cl->c = c;
	c->data = cl;
	cl->next = s->clients;
	if (s->clients != NULL)
		s->clients->prev = cl;
	s->clients = cl;
	s->nclients++;
	tw_lines_init(&cl->req, REQUEST_MAX);
	tw_conn_set_watermarks(c, s->high, s->high / 4);
	info(s, "connect %s", tw_conn_peer(c));

	tw_conn_write(c, "<hits>\n", 7);
	n = s->opt.replay < s->hlen ? s->opt.replay : s->hlen;
	for (i = s->hlen - n; i < s->hlen; i++)
		client_push(cl, history_get(s, s->next_seq - s->hlen + i), 1);
	cl->cursor = s->next_seq;
}

static int
on_request(void *arg, const char *line, size_t len, int flags)
{
	struct client *cl = arg;

	(void)line;
	(void)len;
	if (flags & TW_LINE_CUT) {
		tw_warnx("%s: request line longer than %d bytes; closing",
		    tw_conn_peer(cl->c), REQUEST_MAX);
		client_close(cl);
		return 1;
	}
	cl->pending++;
	return 0;
}

static void
client_data(tw_conn *c, const char *buf, size_t len)
{
	struct client *cl = c->data;

	/* Push mode reads and drops what a client sends. */
	if (cl == NULL || !cl->s->opt.poll || cl->closing)
		return;
	if (tw_lines_feed(&cl->req, buf, len, on_request, cl, NULL) != 0)
		return;
	if (cl->pending >= PENDING_MAX)
		tw_conn_pause(c);	/* answer before reading more */
	service(cl);
}

/* The client sends no more: its stream ends once its requests are answered. */
static void
client_eof(tw_conn *c)
{
	struct client *cl = c->data;

	if (cl == NULL) {
		tw_conn_close(c, 0);
		return;
	}
	cl->eof = 1;
	service(cl);
}

static void
client_low(tw_conn *c)
{
	struct client *cl = c->data;

	if (cl != NULL)
		service(cl);
}

static void
client_free(struct client *cl)
{
	while (cl->flen > 0)
		tw_bytes_unref(fifo_pop(cl).b);
	free(cl->fifo);
	tw_lines_free(&cl->req);
	free(cl);
}

static void
client_lost(tw_conn *c, int reason)
{
	struct client *cl = c->data;
	struct server *s;

	(void)reason;
	if (cl == NULL)
		return;		/* refused */
	s = cl->s;
	info(s, "disconnect %s", tw_conn_peer(c));
	if (cl->prev != NULL)
		cl->prev->next = cl->next;
	else
		s->clients = cl->next;
	if (cl->next != NULL)
		cl->next->prev = cl->prev;
	s->nclients--;
	client_free(cl);
}

static const tw_protocol client_proto = {
	client_made, client_data, client_lost, client_eof, NULL, client_low
};

/* --------------------------------------------------------------- input */

/* In push mode, the hits encoded since the last publish go to every client. */
static void
publish(struct server *s)
{
	struct client *cl;

	if (s->batch == NULL)
		return;
	/* Clients may hold it a while: keep no spare room. */
	s->batch = tw_bytes_trim(s->batch);
	if (!s->opt.poll)
		for (cl = s->clients; cl != NULL; cl = cl->next)
			client_push(cl, s->batch, s->batch_hits);
	tw_bytes_unref(s->batch);
	s->batch = NULL;
	s->batch_hits = 0;
}

static void
tick_cb(tw_timer *t)
{
	struct server *s = t->data;

	tw_call_later(s->r, &s->tick, s->opt.interval);
	publish(s);
}

/* Make room for n more bytes in the batch being encoded. */
static int
batch_room(struct server *s, size_t n)
{
	tw_bytes *b;
	size_t cap;

	if (s->batch != NULL && s->batch->cap - s->batch->len >= n)
		return 0;
	cap = s->batch != NULL ? s->batch->cap * 2 : 16384;
	while (cap - (s->batch != NULL ? s->batch->len : 0) < n)
		cap *= 2;
	if ((b = tw_bytes_new(cap)) == NULL)
		return -1;
	if (s->batch != NULL) {
		memcpy(b->data, s->batch->data, s->batch->len);
		b->len = s->batch->len;
		tw_bytes_unref(s->batch);
	}
	s->batch = b;
	return 0;
}

/* A line: encoded into the batch, and (a copy) into the history. */
static int
on_line(void *arg, const char *line, size_t len, int flags)
{
	struct server *s = arg;
	char *hit;
	size_t n;

	if (flags & TW_LINE_CUT)
		tw_warnx("line cut at %zu bytes", s->opt.max_line);
	if (batch_room(s, TW_HIT_ENCODED_MAX(len)) == -1) {
		tw_warnx("out of memory: a line is lost");
		return 0;
	}
	hit = s->batch->data + s->batch->len;
	n = tw_hit_encode(line, len, hit);
	if (s->opt.keep > 0) {
		tw_bytes *h = tw_bytes_copy(hit, n);

		if (h == NULL) {
			tw_warnx("out of memory: a line is lost");
			return 0;
		}
		history_add(s, h);
		tw_bytes_unref(h);
	} else {
		history_add(s, NULL);
	}
	s->batch->len += n;
	s->batch_hits++;
	return 0;
}

/* What one read brought goes out at once, unless --interval batches it. */
static void
input_data(tw_follow *f, const char *buf, size_t len)
{
	struct server *s = tw_follow_arg(f);

	if (tw_lines_feed(&s->lines, buf, len, on_line, s, NULL) == -1)
		tw_warn("input");
	if (s->opt.interval == 0)
		publish(s);
}

static void
input_event(tw_follow *f, int event, int err)
{
	struct server *s = tw_follow_arg(f);
	const char *name = s->opt.file;

	switch (event) {
	case TW_FOLLOW_OPENED:
		info(s, "%s: %s: appeared; following it", tw_getprogname(), name);
		break;
	case TW_FOLLOW_ROTATED:
		/* The old file's partial last line will never end: it is whole. */
		tw_lines_finish(&s->lines, on_line, s);
		info(s, "%s: %s: replaced; following the new file",
		    tw_getprogname(), name);
		if (s->opt.interval == 0)
			publish(s);
		break;
	case TW_FOLLOW_TRUNCATED:
		tw_lines_finish(&s->lines, on_line, s);
		info(s, "%s: %s: truncated; reading from its start",
		    tw_getprogname(), name);
		if (s->opt.interval == 0)
			publish(s);
		break;
	case TW_FOLLOW_MISSING:
		info(s, "%s: %s: %s; waiting for it", tw_getprogname(), name,
		    strerror(err));
		break;
	case TW_FOLLOW_ERROR:
		errno = err;
		tw_warn("%s", name != NULL ? name : "standard input");
		if (tw_follow_is_file(f))
			break;
		s->status = 1;
		/* FALLTHROUGH */
	case TW_FOLLOW_EOF:
		/* Input ended: its partial last line is complete. */
		tw_lines_finish(&s->lines, on_line, s);
		stop(s);
		break;
	}
}

static void
open_input(struct server *s)
{
	if (s->opt.file == NULL)
		s->in = tw_follow_fd(s->r, STDIN_FILENO, input_data,
		    input_event, s);
	else
		s->in = tw_follow_file(s->r, s->opt.file,
		    s->opt.from_start ? TW_FOLLOW_FROM_START : 0, input_data,
		    input_event, s);
	if (s->in == NULL)
		tw_err(1, "%s", s->opt.file != NULL ? s->opt.file :
		    "standard input");
	if (s->opt.interval > 0) {
		tw_timer_init(&s->tick, tick_cb, s);
		tw_call_later(s->r, &s->tick, s->opt.interval);
	}
}

/* ------------------------------------------------------------- serving */

/*
 * Listen on -l, or, under systemd's socket activation, on the sockets it
 * passed (then -l is ignored: the .socket unit says where to listen).
 */
static int
start_listening(struct server *s)
{
	static tw_factory factory = { &client_proto, NULL, NULL, NULL };
	char err[128], bound[TW_ADDR_STRLEN];
	int fds[LISTEN_MAX], n, i;
	tw_addr a;

	factory.data = s;
	if ((n = tw_listen_fds(fds, LISTEN_MAX)) == -1) {
		tw_warn("sockets passed by LISTEN_FDS");
		return -1;
	}
	for (i = 0; i < n; i++) {
		if ((s->l[i] = tw_listen_fd(s->r, fds[i], &factory)) == NULL) {
			tw_warn("socket %d passed by LISTEN_FDS", fds[i]);
			return -1;
		}
		s->nl++;
	}
	if (n == 0) {
		if (tw_addr_parse(&a, s->opt.listen, err, sizeof(err)) == -1) {
			tw_warnx("%s: %s", s->opt.listen, err);
			return -1;
		}
		if ((s->l[0] = tw_listen(s->r, &a, &factory)) == NULL) {
			tw_warn("%s", s->opt.listen);
			return -1;
		}
		s->nl = 1;
	}
	for (i = 0; i < s->nl; i++)	/* even with -q: tests wait for it */
		fprintf(stderr, "listening on %s\n", tw_listener_address(s->l[i],
		    bound, sizeof(bound)));
	return 0;
}

/* Tell systemd, when it started us with NOTIFY_SOCKET; a no-op otherwise. */
static void
notify(const char *state)
{
	if (tw_notify(state) == -1)
		tw_warn("NOTIFY_SOCKET %s", getenv("NOTIFY_SOCKET"));
}

/*
 * Input ended, or a signal: stop accepting and reading, send what is
 * batched, end every stream; the loop ends when the last client is gone.
 */
static void
stop(struct server *s)
{
	struct client *cl, *next;
	int i;

	if (s->stopping)
		return;
	s->stopping = 1;
	notify("STOPPING=1");
	for (i = 0; i < s->nl; i++)
		tw_listener_close(s->l[i]);
	s->nl = 0;
	tw_follow_close(s->in);
	s->in = NULL;
	tw_timer_cancel(s->r, &s->tick);
	publish(s);	/* the last partial line, or what --interval holds */
	for (cl = s->clients; cl != NULL; cl = next) {
		next = cl->next;
		client_finish(cl);
	}
}

/* The first SIGTERM or SIGINT stops cleanly; a second cuts every client off. */
static void
on_signal(tw_signal *sig, int signo)
{
	struct server *s = sig->data;
	struct client *cl;

	(void)signo;
	if (!s->stopping) {
		stop(s);
		return;
	}
	for (cl = s->clients; cl != NULL; cl = cl->next)
		tw_conn_abort(cl->c);
}

static void
free_server(struct server *s)
{
	size_t i;

	tw_signal_stop(s->r, &s->sigterm);
	tw_signal_stop(s->r, &s->sigint);
	tw_follow_close(s->in);
	while (s->clients != NULL) {
		struct client *cl = s->clients;

		s->clients = cl->next;
		client_free(cl);
	}
	tw_reactor_destroy(s->r);
	for (i = 0; i < s->hlen; i++)
		tw_bytes_unref(s->hist[(s->hhead + i) % s->opt.keep]);
	free(s->hist);
	tw_bytes_unref(s->batch);
	tw_lines_free(&s->lines);
}
