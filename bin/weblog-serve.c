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
 *
 * Sequence and resume (SPEC "Sequence, resume and heartbeat"): each hit is
 * numbered from 1 in this run's epoch, and carries its number. A new
 * push-mode client is "opening" until its first line, or RESUME_WAIT
 * seconds: hits that arrive meanwhile wait in its FIFO. Then it is opened
 * from where RESUME E SEQ says (the history after SEQ, <dropped> for what
 * the history no longer has), or as a new client (--replay, then live).
 * weblog-client always sends RESUME, so only clients that send nothing
 * wait. A heartbeat timer sends a newline to every client that was sent
 * nothing for a whole --heartbeat period.
 */
#define _GNU_SOURCE

#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "util/cli.h"
#include "util/log.h"
#include "util/ring.h"
#include "util/service.h"
#include "weblog/follow.h"
#include "weblog/hit.h"
#include "twirl.h"

#define REQUEST_MAX 1024	/* a poll request line, SPEC */
#define PENDING_MAX 8		/* poll requests read ahead of their answers */
#define RESUME_WAIT 0.25	/* seconds a push client has to send RESUME */

struct options {
	int quiet;
	int daemon;
	const char *pidfile, *logfile;
	const char *listen;
	int poll;
	double interval;
	size_t keep, replay, max_clients, max_queue, max_line;
	double linger;
	double heartbeat;	/* 0: none */
	int from_start;
	double rotate_wait;
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
	tw_ring fifo;		/* struct batch: hits not yet handed to c */
	size_t fbytes;		/* their bytes */
	unsigned long long dropped;	/* to report before the next hit */
	uint64_t cursor;	/* poll: the first hit not yet answered */
	tw_lines req;		/* poll: request lines */
	unsigned pending;	/* poll: requests not yet answered */
	int eof;		/* the peer sends no more */
	int closing;		/* </hits> sent, closing */
	int opening;		/* push: waiting for RESUME */
	unsigned quiet;		/* heartbeat ticks since the last write */
	tw_timer open_timer;	/* push: RESUME_WAIT after the connect */
};

struct server {
	struct options opt;
	tw_service svc;		/* -d, --pidfile, --logfile, listeners */
	tw_reactor *r;
	tw_follow *in;
	tw_lines lines;
	struct client *clients;
	size_t nclients;
	size_t high;		/* hand hits to a connection up to this */
	tw_ring hist;		/* tw_bytes *: the last opt.keep hits */
	uint64_t next_seq;	/* sequence number of the next hit, from 1 */
	unsigned long long epoch;	/* this run's */
	tw_timer beat;		/* every half --heartbeat */
	tw_bytes *batch;	/* hits encoded since the last publish */
	size_t batch_hits;
	tw_timer tick;
	int stopping;
	int status;
};

static _Noreturn void usage(FILE *fp, int status);
static void parse_options(struct options *o, int argc, char **argv);
static void raise_fd_limit(size_t clients);
static void open_input(struct server *s);
static void on_stop_signal(void *data);
static void stop(struct server *s);
static void free_server(struct server *s);
static unsigned long long choose_epoch(void);
static void start_heartbeat(struct server *s);
static size_t start_tag(const struct server *s, char *buf, size_t size);

static const tw_protocol client_proto;

int
main(int argc, char **argv)
{
	struct server s;
	char *file = NULL;

	memset(&s, 0, sizeof(s));
	tw_service_init(&s.svc);	/* TERM, INT, HUP wait for the loop */
	tw_setprogname(argv[0]);
	parse_options(&s.opt, argc, argv);

	s.svc.daemon = s.opt.daemon;
	s.svc.pidfile = s.opt.pidfile;
	s.svc.logfile = s.opt.logfile;
	s.svc.quiet = s.opt.quiet;
	s.svc.factory.proto = &client_proto;
	s.svc.factory.data = &s;
	s.svc.stop = on_stop_signal;
	s.svc.data = &s;
	if (s.opt.file != NULL)
		s.opt.file = file = tw_service_path(&s.svc, s.opt.file);
	tw_service_start(&s.svc);	/* from here on, maybe a daemon */
	raise_fd_limit(s.opt.max_clients);
	s.high = s.opt.max_queue < TW_CONN_HIGH_WATER ?
	    s.opt.max_queue : TW_CONN_HIGH_WATER;
	tw_ring_init(&s.hist, sizeof(tw_bytes *), s.opt.keep);
	if (tw_ring_reserve(&s.hist, s.opt.keep) == -1)
		tw_err(1, "history");
	tw_lines_init(&s.lines, s.opt.max_line);
	if ((s.r = tw_reactor_create(NULL)) == NULL)
		tw_err(1, "event loop");
	s.epoch = choose_epoch();
	s.next_seq = 1;
	start_heartbeat(&s);

	open_input(&s);
	if (tw_service_listen(&s.svc, s.r, s.opt.listen) == -1) {
		free_server(&s);	/* standard input gets its flags back */
		free(file);
		return 1;
	}
	tw_service_ready(&s.svc);

	if (tw_reactor_run(s.r) == -1) {
		tw_log_warn("event loop");
		s.status = 1;
	}

	free_server(&s);
	free(file);
	return s.status;	/* the pidfile goes, the log drains: at exit */
}

/* ------------------------------------------------------------- options */

static _Noreturn void
usage(FILE *fp, int status)
{
	fprintf(fp,
	    "usage: weblog-serve [-dq] [-l ADDRESS] [-m push|poll] [-i SECONDS] "
	    "[-k N] [-r N]\n"
	    "                    [--max-clients N] [--max-queue BYTES] "
	    "[--max-line BYTES]\n"
	    "                    [--linger SECONDS] [--heartbeat SECONDS] "
	    "[--from-start]\n"
	    "                    [--rotate-wait SECONDS] [--pidfile FILE] "
	    "[--logfile FILE]\n"
	    "                    [FILE]\n");
	if (status == 0)
		fprintf(fp, "\n"
		    "  -d, --daemon              detach; exit once serving\n"
		    "  -q, --quiet               log errors and cut lines only\n"
		    "  -l, --listen ADDRESS      where to listen (default 127.0.0.1:8888)\n"
		    "  -m, --mode push|poll      push hits as they come, or answer polls\n"
		    "  -i, --interval SECONDS    push in batches this often (default 0: at once)\n"
		    "  -k, --keep N              keep the last N hits (default 100)\n"
		    "  -r, --replay N            send each new client N kept hits (default 0)\n"
		    "      --max-clients N       serve at most N clients at once (default 1024)\n"
		    "      --max-queue BYTES     unsent output per client (default 1048576)\n"
		    "      --max-line BYTES      cut longer lines there (default 65536)\n"
		    "      --linger SECONDS      on stop, each client's time to drain (default 2)\n"
		    "      --heartbeat SECONDS   a newline to a silent client (default 15)\n"
		    "      --from-start          read FILE from its beginning, not its end\n"
		    "      --rotate-wait SECONDS read a renamed FILE this long (default 5)\n"
		    "      --pidfile FILE        write the pid there, locked\n"
		    "      --logfile FILE        log there, stamped; HUP reopens it\n"
		    "  -h, --help                print this help\n"
		    "      --version             print the version\n");
	exit(status);
}

enum {
	OPT_MAX_CLIENTS = 256, OPT_MAX_QUEUE, OPT_MAX_LINE, OPT_LINGER,
	OPT_FROM_START, OPT_ROTATE_WAIT, OPT_VERSION, OPT_HEARTBEAT,
	OPT_PIDFILE, OPT_LOGFILE
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
		{ "daemon", no_argument, NULL, 'd' },
		{ "from-start", no_argument, NULL, OPT_FROM_START },
		{ "heartbeat", required_argument, NULL, OPT_HEARTBEAT },
		{ "help", no_argument, NULL, 'h' },
		{ "interval", required_argument, NULL, 'i' },
		{ "keep", required_argument, NULL, 'k' },
		{ "linger", required_argument, NULL, OPT_LINGER },
		{ "listen", required_argument, NULL, 'l' },
		{ "logfile", required_argument, NULL, OPT_LOGFILE },
		{ "max-clients", required_argument, NULL, OPT_MAX_CLIENTS },
		{ "max-line", required_argument, NULL, OPT_MAX_LINE },
		{ "max-queue", required_argument, NULL, OPT_MAX_QUEUE },
		{ "mode", required_argument, NULL, 'm' },
		{ "pidfile", required_argument, NULL, OPT_PIDFILE },
		{ "quiet", no_argument, NULL, 'q' },
		{ "replay", required_argument, NULL, 'r' },
		{ "rotate-wait", required_argument, NULL, OPT_ROTATE_WAIT },
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
	o->rotate_wait = 5;
	o->heartbeat = 15;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":dhi:k:l:m:qr:", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'd':
			o->daemon = 1;
			break;
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
		case OPT_LOGFILE:
			o->logfile = optarg;
			break;
		case OPT_PIDFILE:
			o->pidfile = optarg;
			break;
		case OPT_LINGER:
			o->linger = seconds("--linger", optarg, 3600);
			break;
		case OPT_ROTATE_WAIT:
			o->rotate_wait = seconds("--rotate-wait", optarg, 3600);
			break;
		case OPT_HEARTBEAT:
			o->heartbeat = seconds("--heartbeat", optarg, 86400);
			if (o->heartbeat > 0 && o->heartbeat < 0.01) {
				tw_warnx("--heartbeat %s: too small", optarg);
				exit(2);
			}
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
			tw_bad_option(ch, argv, longopts, usage);
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
	if (o->daemon && o->file == NULL) {
		/* A daemon's standard input is /dev/null. */
		tw_warnx("-d: a daemon cannot read standard input; "
		    "name a FILE");
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

/* ------------------------------------------------------------- history */

static void
history_add(struct server *s, tw_bytes *b)
{
	tw_bytes *old;

	s->next_seq++;
	if (s->opt.keep == 0)
		return;
	if (tw_ring_len(&s->hist) == s->opt.keep &&
	    tw_ring_shift(&s->hist, &old) == 0)
		tw_bytes_unref(old);
	b = tw_bytes_ref(b);
	tw_ring_push(&s->hist, &b);	/* cannot fail: reserved whole */
}

/* The sequence number of the oldest hit in the history. */
static uint64_t
history_first(const struct server *s)
{
	return s->next_seq - tw_ring_len(&s->hist);
}

/* The hit numbered seq, which must be in the history. */
static tw_bytes *
history_get(const struct server *s, uint64_t seq)
{
	return *(tw_bytes **)tw_ring_at(&s->hist,
	    (size_t)(seq - history_first(s)));
}

static void
unref_hit(void *elem)
{
	tw_bytes_unref(*(tw_bytes **)elem);
}

/* ------------------------------------------------------------- clients */

static int
fifo_push(struct client *cl, tw_bytes *b, size_t hits)
{
	struct batch e = { b, hits };

	if (tw_ring_push(&cl->fifo, &e) == -1)
		return -1;
	tw_bytes_ref(b);
	cl->fbytes += b->len;
	return 0;
}

/* The oldest batch in the FIFO, which must not be empty. */
static struct batch
fifo_pop(struct client *cl)
{
	struct batch b;

	tw_ring_shift(&cl->fifo, &b);
	cl->fbytes -= b.b->len;
	return b;
}

static void
unref_batch(void *elem)
{
	tw_bytes_unref(((struct batch *)elem)->b);
}

/* Every write to a client goes through these two: the heartbeat's count. */
static void
put(struct client *cl, const char *p, size_t n)
{
	cl->quiet = 0;
	tw_conn_write(cl->c, p, n);
}

static void
put_bytes(struct client *cl, tw_bytes *b)
{
	cl->quiet = 0;
	tw_conn_write_bytes(cl->c, b);
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
	put(cl, buf, (size_t)n);
	cl->dropped = 0;
}

/* Hand hits to the connection while its queue is short (all: at the end). */
static void
pump(struct client *cl, int all)
{
	if (cl->opening)
		return;
	while (tw_ring_len(&cl->fifo) > 0 && (all || tw_conn_queued(cl->c) <= cl->s->high)) {
		struct batch b = fifo_pop(cl);

		write_dropped(cl);
		put_bytes(cl, b.b);
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
	if (tw_ring_len(&cl->fifo) == 0 && cl->dropped == 0 && !cl->opening &&
	    tw_conn_queued(cl->c) <= cl->s->high) {
		put_bytes(cl, b);
		return;
	}
	if (fifo_push(cl, b, hits) == -1) {
		cl->dropped += hits;
		return;
	}
	while (tw_ring_len(&cl->fifo) > 0 &&
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

/*
 * Open a push client's stream: from after resume (the number of the last
 * hit it has) when it sent RESUME with this epoch, else as a new client:
 * --replay hits, then what arrived since it connected.
 */
static void
client_open(struct client *cl, int resuming, uint64_t resume)
{
	struct server *s = cl->s;
	uint64_t first = history_first(s), from;
	struct batch *held = NULL;
	size_t nheld = 0, i;

	if (!cl->opening)
		return;
	cl->opening = 0;
	tw_timer_cancel(s->r, &cl->open_timer);
	if (resuming) {
		/* All of it comes from the history: what it holds is moot. */
		while (tw_ring_len(&cl->fifo) > 0)
			tw_bytes_unref(fifo_pop(cl).b);
		cl->dropped = 0;
		from = resume + 1 < s->next_seq ? resume + 1 : s->next_seq;
	} else {
		/* The replay goes before what arrived while it was opening. */
		if (tw_ring_len(&cl->fifo) > 0 &&
		    (held = malloc(tw_ring_len(&cl->fifo) *
		    sizeof(*held))) == NULL) {
			client_close(cl);
			return;
		}
		while (tw_ring_len(&cl->fifo) > 0)
			held[nheld++] = fifo_pop(cl);
		from = cl->cursor - (s->opt.replay < cl->cursor - first ?
		    s->opt.replay : cl->cursor - first);
	}
	if (from < first) {
		cl->dropped += first - from;	/* gone from the history */
		from = first;
	}
	for (; from < (resuming ? s->next_seq : cl->cursor); from++)
		client_push(cl, history_get(s, from), 1);
	for (i = 0; i < nheld; i++) {
		client_push(cl, held[i].b, held[i].hits);
		tw_bytes_unref(held[i].b);
	}
	free(held);
	cl->cursor = s->next_seq;
	pump(cl, 0);
}

static void
open_timer_cb(tw_timer *t)
{
	client_open(t->data, 0, 0);
}

/* End the stream: what waits, what was dropped, </hits>; then close. */
static void
client_finish(struct client *cl)
{
	if (cl->closing)
		return;
	client_open(cl, 0, 0);
	pump(cl, 1);
	write_dropped(cl);
	put(cl, "</hits>\n", 8);
	client_close(cl);
}

/* Poll mode: every hit since the client's last answer, or <none/>. */
static void
answer(struct client *cl)
{
	struct server *s = cl->s;
	uint64_t first = history_first(s);

	if (cl->cursor < first) {
		/* Fell behind the history: those hits are gone. */
		cl->dropped += first - cl->cursor;
		cl->cursor = first;
	}
	if (cl->cursor == s->next_seq) {
		if (cl->dropped > 0)
			write_dropped(cl);
		else
			put(cl, "<none/>\n", 8);
		return;
	}
	for (; cl->cursor < s->next_seq; cl->cursor++)
		client_push(cl, history_get(s, cl->cursor), 1);
	if (tw_ring_len(&cl->fifo) == 0)
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
	while (cl->pending > 0 && tw_ring_len(&cl->fifo) == 0 &&
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
	char start[96];
	size_t n, i, hlen = tw_ring_len(&s->hist);

	if (s->nclients >= s->opt.max_clients ||
	    (cl = calloc(1, sizeof(*cl))) == NULL) {
		tw_log_info("refused %s: too many clients", tw_conn_peer(c));
		tw_conn_abort(c);
		return;
	}
	cl->s = s;
	cl->c = c;
	c->data = cl;
	/* A batch has bytes: --max-queue keeps the count within this. */
	tw_ring_init(&cl->fifo, sizeof(struct batch), s->opt.max_queue + 1);
	cl->next = s->clients;
	if (s->clients != NULL)
		s->clients->prev = cl;
	s->clients = cl;
	s->nclients++;
	tw_lines_init(&cl->req, REQUEST_MAX);
	tw_conn_set_watermarks(c, s->high, s->high / 4);
	tw_log_info("connect %s", tw_conn_peer(c));

	put(cl, start, start_tag(s, start, sizeof(start)));
	cl->cursor = s->next_seq;
	if (!s->opt.poll) {
		/* Hits wait until it says RESUME, or RESUME_WAIT passes. */
		cl->opening = 1;
		tw_timer_init(&cl->open_timer, open_timer_cb, cl);
		if (tw_call_later(s->r, &cl->open_timer, RESUME_WAIT) == -1)
			client_open(cl, 0, 0);
		return;
	}
	n = s->opt.replay < hlen ? s->opt.replay : hlen;
	for (i = hlen - n; i < hlen; i++)
		client_push(cl, history_get(s, history_first(s) + i), 1);
}

/* A push client's first line: RESUME E SEQ, or anything else (a new client). */
static int
on_first_line(void *arg, const char *line, size_t len, int flags)
{
	struct client *cl = arg;
	unsigned long long epoch, seq;
	char buf[64];
	int end = 0;

	if (!(flags & TW_LINE_CUT) && len < sizeof(buf)) {
		memcpy(buf, line, len);
		buf[len] = '\0';
		if (sscanf(buf, "RESUME %llu %llu%n", &epoch, &seq, &end) == 2 &&
		    (size_t)end == len && epoch == cl->s->epoch) {
			client_open(cl, 1, seq);
			return 1;
		}
	}
	client_open(cl, 0, 0);
	return 1;
}

static int
on_request(void *arg, const char *line, size_t len, int flags)
{
	struct client *cl = arg;

	(void)line;
	(void)len;
	if (flags & TW_LINE_CUT) {
		tw_log_notice("%s: request line longer than %d bytes; closing",
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

	if (cl == NULL || cl->closing)
		return;
	if (!cl->s->opt.poll) {
		/* Push mode reads its first line, and drops the rest. */
		if (cl->opening)
			tw_lines_feed(&cl->req, buf, len, on_first_line, cl,
			    NULL);
		return;
	}
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
	tw_timer_cancel(cl->s->r, &cl->open_timer);
	tw_ring_free(&cl->fifo, unref_batch);
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
	tw_log_info("disconnect %s", tw_conn_peer(c));
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
	.made = client_made,
	.data = client_data,
	.lost = client_lost,
	.eof = client_eof,
	.low = client_low,
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
		tw_log_notice("line cut at %zu bytes", s->opt.max_line);
	if (batch_room(s, TW_HIT_ENCODED_MAX(len)) == -1) {
		tw_log_notice("out of memory: a line is lost");
		return 0;
	}
	hit = s->batch->data + s->batch->len;
	n = tw_hit_encode(line, len, s->next_seq, hit);
	if (s->opt.keep > 0) {
		tw_bytes *h = tw_bytes_copy(hit, n);

		if (h == NULL) {
			tw_log_notice("out of memory: a line is lost");
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
		tw_log_warn("input");
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
		tw_log_info("%s: appeared; following it", name);
		break;
	case TW_FOLLOW_ROTATED:
		/* The old file's partial last line will never end: it is whole. */
		tw_lines_finish(&s->lines, on_line, s);
		tw_log_info("%s: replaced; following the new file", name);
		if (s->opt.interval == 0)
			publish(s);
		break;
	case TW_FOLLOW_TRUNCATED:
		tw_lines_finish(&s->lines, on_line, s);
		tw_log_info("%s: truncated; reading from its start", name);
		if (s->opt.interval == 0)
			publish(s);
		break;
	case TW_FOLLOW_MISSING:
		tw_log_info("%s: %s; waiting for it", name, strerror(err));
		break;
	case TW_FOLLOW_ERROR:
		errno = err;
		tw_log_warn("%s", name != NULL ? name : "standard input");
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
		    s->opt.from_start ? TW_FOLLOW_FROM_START : 0,
		    s->opt.rotate_wait, input_data, input_event, s);
	if (s->in == NULL)
		tw_err(1, "%s", s->opt.file != NULL ? s->opt.file :
		    "standard input");
	if (s->opt.interval > 0) {
		tw_timer_init(&s->tick, tick_cb, s);
		tw_call_later(s->r, &s->tick, s->opt.interval);
	}
}

/* ------------------------------------------------------------- serving */

/* A number no earlier run chose: the time in microseconds. */
static unsigned long long
choose_epoch(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (unsigned long long)ts.tv_sec * 1000000 +
	    (unsigned long long)ts.tv_nsec / 1000;
}

/* The stream's start tag: <hits epoch="E" heartbeat="S">, and a newline. */
static size_t
start_tag(const struct server *s, char *buf, size_t size)
{
	unsigned long long ms = (unsigned long long)(s->opt.heartbeat * 1000 +
	    0.5);

	char frac[8] = "";
	int n;

	if (ms % 1000 != 0) {
		/* Milliseconds, without the zeros at the end: 0.2, 0.25. */
		snprintf(frac, sizeof(frac), ".%03llu", ms % 1000);
		while (frac[strlen(frac) - 1] == '0')
			frac[strlen(frac) - 1] = '\0';
	}
	if (ms == 0)
		n = snprintf(buf, size, "<hits epoch=\"%llu\">\n", s->epoch);
	else
		n = snprintf(buf, size, "<hits epoch=\"%llu\" "
		    "heartbeat=\"%llu%s\">\n", s->epoch, ms / 1000, frac);
	return (size_t)n;
}

/*
 * Every half heartbeat: a newline to each client sent nothing during the
 * last two ticks (so none is silent much past a heartbeat) that has
 * nothing queued either.
 */
static void
beat_cb(tw_timer *t)
{
	struct server *s = t->data;
	struct client *cl;

	tw_call_later(s->r, &s->beat, s->opt.heartbeat / 2);	/* re-arms */
	for (cl = s->clients; cl != NULL; cl = cl->next) {
		if (cl->closing || cl->opening || ++cl->quiet < 2)
			continue;
		if (tw_ring_len(&cl->fifo) == 0 && tw_conn_queued(cl->c) == 0)
			put(cl, "\n", 1);
		cl->quiet = 0;
	}
}

static void
start_heartbeat(struct server *s)
{
	tw_timer_init(&s->beat, beat_cb, s);
	if (s->opt.heartbeat > 0 &&
	    tw_call_later(s->r, &s->beat, s->opt.heartbeat / 2) == -1)
		tw_err(1, "heartbeat timer");
}

/*
 * Input ended, or a signal: stop accepting and reading, send what is
 * batched, end every stream; the loop ends when the last client is gone.
 */
static void
stop(struct server *s)
{
	struct client *cl, *next;

	if (s->stopping)
		return;
	s->stopping = 1;
	tw_service_stop_listening(&s->svc);
	tw_follow_close(s->in);
	s->in = NULL;
	tw_timer_cancel(s->r, &s->tick);
	tw_timer_cancel(s->r, &s->beat);
	publish(s);	/* the last partial line, or what --interval holds */
	for (cl = s->clients; cl != NULL; cl = next) {
		next = cl->next;
		client_finish(cl);
	}
}

/* The first SIGTERM or SIGINT stops cleanly; a second cuts every client off. */
static void
on_stop_signal(void *data)
{
	struct server *s = data;
	struct client *cl;

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
	tw_service_end(&s->svc);
	tw_follow_close(s->in);
	while (s->clients != NULL) {
		struct client *cl = s->clients;

		s->clients = cl->next;
		client_free(cl);
	}
	tw_reactor_destroy(s->r);
	tw_ring_free(&s->hist, unref_hit);
	tw_bytes_unref(s->batch);
	tw_lines_free(&s->lines);
}
