/*
 * weblog-serve - stream an access log to many clients: the XML stream on
 * raw TCP, and with --http Server-Sent Events, NDJSON, the XML stream and
 * a live dashboard over HTTP.
 *
 * Lines come from each followed FILE (follow.h), standard input, or a
 * Redis stream (redisfeed.h, which also publishes them with --publish),
 * and go to the hub (hub.h), which splits each by --format, filters it
 * (--status, --match, --exclude), anonymises it (--anonymize), numbers
 * it, keeps the last --keep, encodes each once per format in use and
 * hands it to every subscriber, with the backpressure and drop
 * accounting that keep a slow client from costing the others. The raw
 * protocol is the hub's; the HTTP face is httpd.h.
 * This file reads the options and the input, and runs the service
 * (util/service.h: -d, --pidfile, --logfile, signals, the listeners).
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
#include "util/service.h"
#include "weblog/follow.h"
#include "weblog/httpd.h"
#include "weblog/hub.h"
#include "weblog/logfmt.h"
#include "weblog/redisfeed.h"
#include "twirl.h"

struct options {
	int quiet;
	int daemon;
	const char *pidfile, *logfile;
	const char *listen;
	const char *http;	/* --http ADDRESS, or NULL */
	int poll;
	double interval;
	size_t keep, replay, max_clients, max_queue, max_line;
	double linger;
	double heartbeat;	/* 0: none */
	int from_start;
	double rotate_wait;
	char **files;		/* FILE arguments; "-" is standard input */
	int nfiles;		/* 0: standard input */
	tw_filter allow;	/* --allow: the ranges peers may come from */
	int nallow;
	tw_logfmt *format;	/* --format, compiled */
	tw_filter filter;	/* --status, --match, --exclude */
	int nfilter;
	int anonymize;
	const char *publish;	/* --publish URL, or NULL */
	const char *subscribe;	/* --subscribe URL: the input, not a file */
};

/* One input: a followed FILE or standard input, and its partial line. */
struct input {
	struct server *s;
	tw_follow *f;
	tw_lines lines;
	const char *name;	/* as given, for messages and <source> */
	const char *source;	/* <source>: several inputs; else NULL */
	char *path;		/* the FILE for the follower, or NULL */
};

struct server {
	struct options opt;
	tw_service svc;		/* -d, --pidfile, --logfile, listeners */
	tw_reactor *r;
	struct input *in;	/* one per FILE, or standard input */
	int nin;
	int open_streams;	/* inputs that can still end */
	char *inputs;		/* their names, for /stats */
	tw_hub *hub;		/* the fan-out */
	tw_httpd *httpd;	/* --http */
	tw_redisfeed *pub;	/* --publish */
	tw_redisfeed *sub;	/* --subscribe: the input */
	tw_factory http_factory;
	tw_timer tick;		/* --interval */
	int stopping;
	int status;
};

static _Noreturn void usage(FILE *fp, int status);
static void parse_options(struct options *o, int argc, char **argv);
static void raise_fd_limit(size_t clients);
static void make_inputs(struct server *s);
static int all_streams(const struct server *s);
static void open_input(struct server *s);
static void on_stop_signal(void *data);
static void stop(struct server *s);
static void free_server(struct server *s);
static void start_hub(struct server *s);


int
main(int argc, char **argv)
{
	struct server s;

	memset(&s, 0, sizeof(s));
	tw_service_init(&s.svc);	/* TERM, INT, HUP wait for the loop */
	tw_setprogname(argv[0]);
	parse_options(&s.opt, argc, argv);

	s.svc.daemon = s.opt.daemon;
	s.svc.pidfile = s.opt.pidfile;
	s.svc.logfile = s.opt.logfile;
	s.svc.quiet = s.opt.quiet;
	s.svc.factory.proto = &tw_hub_xml_proto;
	s.svc.stop = on_stop_signal;
	s.svc.data = &s;
	make_inputs(&s);
	tw_service_start(&s.svc);	/* from here on, maybe a daemon */
	raise_fd_limit(s.opt.max_clients);
	if ((s.r = tw_reactor_create(NULL)) == NULL)
		tw_err(1, "event loop");
	start_hub(&s);

	open_input(&s);
	if (tw_service_listen(&s.svc, s.r, s.opt.listen) == -1 ||
	    (s.opt.http != NULL && tw_service_listen_http(&s.svc, s.opt.http,
	    &s.http_factory) == -1)) {
		free_server(&s);	/* standard input gets its flags back */
		return 1;
	}
	tw_service_ready(&s.svc);

	if (tw_reactor_run(s.r) == -1) {
		tw_log_warn("event loop");
		s.status = 1;
	}

	free_server(&s);
	return s.status;	/* the pidfile goes, the log drains: at exit */
}

/* ------------------------------------------------------------- options */

static _Noreturn void
usage(FILE *fp, int status)
{
	fprintf(fp,
	    "usage: weblog-serve [-dq] [-l ADDRESS] [--http ADDRESS] [-m push|poll]\n"
	    "                    [-i SECONDS] [-k N] [-r N] [--max-clients N]\n"
	    "                    [--max-queue BYTES] [--max-line BYTES] "
	    "[--linger SECONDS]\n"
	    "                    [--heartbeat SECONDS] [--from-start] "
	    "[--rotate-wait SECONDS]\n"
	    "                    [--pidfile FILE] [--logfile FILE] "
	    "[--allow CIDR]\n"
	    "                    [--format FORMAT] [--status LIST] "
	    "[--match REGEX]\n"
	    "                    [--exclude CIDR] [--anonymize] [--publish URL]\n"
	    "                    [--subscribe URL | FILE ...]\n");
	if (status == 0)
		fprintf(fp, "\n"
		    "  -d, --daemon              detach; exit 0 once serving\n"
		    "  -q, --quiet               "
		    "log errors and cut lines only\n"
		    "  -l, --listen ADDRESS      "
		    "the XML stream (default 127.0.0.1:8888)\n"
		    "      --http ADDRESS        "
		    "also HTTP: dashboard, SSE, NDJSON, stats\n"
		    "  -m, --mode push|poll      "
		    "push hits as they come, or answer polls\n"
		    "  -i, --interval SECONDS    "
		    "push in batches this often (default: at once)\n"
		    "  -k, --keep N              "
		    "keep the last N hits (default 100)\n"
		    "  -r, --replay N            "
		    "send a new client N kept hits (default 0)\n"
		    "      --max-clients N       "
		    "serve at most N clients at once (default 1024)\n"
		    "      --max-queue BYTES     "
		    "unsent output per client (default 1048576)\n"
		    "      --max-line BYTES      "
		    "cut longer lines there (default 65536)\n"
		    "      --linger SECONDS      "
		    "on stop, each client's time to drain (default 2)\n"
		    "      --heartbeat SECONDS   "
		    "a keep-alive to a silent client (default 15)\n"
		    "      --from-start          "
		    "read FILE from its beginning, not its end\n"
		    "      --rotate-wait SECONDS "
		    "read a renamed FILE this long (default 5)\n"
		    "      --pidfile FILE        write the pid there, locked\n"
		    "      --allow CIDR          peers only from there "
		    "(repeatable)\n"
		    "      --logfile FILE        "
		    "log there, time-stamped; SIGHUP reopens it\n"
		    "      --format FORMAT       "
		    "combined, common, vhost_combined, or a format\n"
		    "      --status LIST         "
		    "only these statuses: 404,5xx,400-499\n"
		    "      --match REGEX         "
		    "only requests matching it (repeatable)\n"
		    "      --exclude CIDR        "
		    "not clients from there (repeatable)\n"
		    "      --anonymize           "
		    "clients' last byte (IPv6: past /48) zeroed\n"
		    "      --publish URL         "
		    "also append every hit to a Redis stream\n"
		    "      --subscribe URL       "
		    "read hits from a Redis stream, not FILE\n"
		    "  -h, --help                print this help\n"
		    "      --version             print the version\n");
	exit(status);
}

enum {
	OPT_MAX_CLIENTS = 256, OPT_MAX_QUEUE, OPT_MAX_LINE, OPT_LINGER,
	OPT_FROM_START, OPT_ROTATE_WAIT, OPT_VERSION, OPT_HEARTBEAT,
	OPT_PIDFILE, OPT_LOGFILE, OPT_HTTP, OPT_ALLOW, OPT_FORMAT,
	OPT_STATUS, OPT_MATCH, OPT_EXCLUDE, OPT_ANONYMIZE, OPT_PUBLISH,
	OPT_SUBSCRIBE
};

/* A filter option's value (kind: TW_FILTER_*), or exit 2 with the reason. */
static void
filter_option(struct options *o, int kind, const char *opt, const char *val)
{
	char err[256];

	if (tw_filter_add(&o->filter, kind, val, strlen(val), err,
	    sizeof(err)) == -1) {
		tw_warnx("%s: %s", opt, err);
		exit(2);
	}
	o->nfilter++;
}

/* A --publish or --subscribe address, checked. */
static const char *
redis_url(const char *opt, const char *s)
{
	char err[160];

	if (tw_redisfeed_check(s, err, sizeof(err)) == -1) {
		tw_warnx("%s %s: %s", opt, s, err);
		exit(2);
	}
	return s;
}

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
		{ "allow", required_argument, NULL, OPT_ALLOW },
		{ "anonymize", no_argument, NULL, OPT_ANONYMIZE },
		{ "exclude", required_argument, NULL, OPT_EXCLUDE },
		{ "format", required_argument, NULL, OPT_FORMAT },
		{ "match", required_argument, NULL, OPT_MATCH },
		{ "status", required_argument, NULL, OPT_STATUS },
		{ "daemon", no_argument, NULL, 'd' },
		{ "from-start", no_argument, NULL, OPT_FROM_START },
		{ "heartbeat", required_argument, NULL, OPT_HEARTBEAT },
		{ "help", no_argument, NULL, 'h' },
		{ "http", required_argument, NULL, OPT_HTTP },
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
		{ "publish", required_argument, NULL, OPT_PUBLISH },
		{ "quiet", no_argument, NULL, 'q' },
		{ "replay", required_argument, NULL, 'r' },
		{ "rotate-wait", required_argument, NULL, OPT_ROTATE_WAIT },
		{ "subscribe", required_argument, NULL, OPT_SUBSCRIBE },
		{ "version", no_argument, NULL, OPT_VERSION },
		{ NULL, 0, NULL, 0 }
	};
	const char *format = "combined";
	char err[256];
	int ch, i;

	tw_filter_init(&o->allow);
	tw_filter_init(&o->filter);
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
		case OPT_ALLOW:
			if (tw_filter_add(&o->allow, TW_FILTER_EXCLUDE, optarg,
			    strlen(optarg), err, sizeof(err)) == -1) {
				tw_warnx("--allow: %s", err);
				exit(2);
			}
			o->nallow++;
			break;
		case OPT_HTTP:
			o->http = optarg;
			break;
		case OPT_FORMAT:
			format = optarg;
			break;
		case OPT_STATUS:
			filter_option(o, TW_FILTER_STATUS, "--status", optarg);
			break;
		case OPT_MATCH:
			filter_option(o, TW_FILTER_MATCH, "--match", optarg);
			break;
		case OPT_EXCLUDE:
			filter_option(o, TW_FILTER_EXCLUDE, "--exclude", optarg);
			break;
		case OPT_ANONYMIZE:
			o->anonymize = 1;
			break;
		case OPT_LOGFILE:
			o->logfile = optarg;
			break;
		case OPT_PIDFILE:
			o->pidfile = optarg;
			break;
		case OPT_PUBLISH:
			o->publish = redis_url("--publish", optarg);
			break;
		case OPT_SUBSCRIBE:
			o->subscribe = redis_url("--subscribe", optarg);
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

	if ((o->format = tw_logfmt_compile(format, err, sizeof(err))) == NULL) {
		tw_warnx("--format: %s", err);
		exit(2);
	}
	if (argc > 0 && o->subscribe != NULL) {
		tw_warnx("--subscribe: the input is the stream; no FILE");
		exit(2);
	}
	if (o->publish != NULL && o->subscribe != NULL &&
	    strcmp(o->publish, o->subscribe) == 0) {
		tw_warnx("--publish %s: the stream read would grow forever",
		    o->publish);
		exit(2);
	}
	o->files = argv;
	o->nfiles = argc;
	for (i = 0, ch = 0; i < argc; i++) {
		if (strcmp(argv[i], "-") == 0 && (o->daemon || ch++ > 0)) {
			tw_warnx(o->daemon ? "-d: a daemon cannot read "
			    "standard input; name a FILE" :
			    "-: standard input named twice");
			exit(2);
		}
	}
	if (o->poll && o->interval > 0) {
		tw_warnx("-i: batching is for push mode, not poll");
		exit(2);
	}
	if (o->daemon && o->nfiles == 0 && o->subscribe == NULL) {
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

/* --------------------------------------------------------------- input */

/* In push mode, the hits read since the last publish go to every client. */
static void
publish(struct server *s)
{
	tw_hub_publish(s->hub);
}

static void
tick_cb(tw_timer *t)
{
	struct server *s = t->data;

	tw_call_later(s->r, &s->tick, s->opt.interval);	/* re-arms */
	publish(s);
}

/* A line: to the hub. */
static int
on_line(void *arg, const char *line, size_t len, int flags)
{
	struct input *in = arg;
	struct server *s = in->s;

	if (flags & TW_LINE_CUT)
		tw_log_notice("line cut at %zu bytes", s->opt.max_line);
	if (tw_hub_add(s->hub, line, len, in->source) == -1)
		tw_log_notice("out of memory: a line is lost");
	if (s->pub != NULL)
		tw_redisfeed_publish(s->pub, line, len);
	return 0;
}

/* What one read brought goes out at once, unless --interval batches it. */
static void
input_data(tw_follow *f, const char *buf, size_t len)
{
	struct input *in = tw_follow_arg(f);
	struct server *s = in->s;

	if (tw_lines_feed(&in->lines, buf, len, on_line, in, NULL) == -1)
		tw_log_warn("input");
	if (s->opt.interval == 0)
		publish(s);
}

static void
input_event(tw_follow *f, int event, int err)
{
	struct input *in = tw_follow_arg(f);
	struct server *s = in->s;
	const char *name = in->name;

	switch (event) {
	case TW_FOLLOW_OPENED:
		tw_log_info("%s: appeared; following it", name);
		break;
	case TW_FOLLOW_ROTATED:
		/* The old file's partial last line will never end: it is whole. */
		tw_lines_finish(&in->lines, on_line, in);
		tw_log_info("%s: replaced; following the new file", name);
		if (s->opt.interval == 0)
			publish(s);
		break;
	case TW_FOLLOW_TRUNCATED:
		tw_lines_finish(&in->lines, on_line, in);
		tw_log_info("%s: truncated; reading from its start", name);
		if (s->opt.interval == 0)
			publish(s);
		break;
	case TW_FOLLOW_MISSING:
		tw_log_info("%s: %s; waiting for it", name, strerror(err));
		break;
	case TW_FOLLOW_ERROR:
		errno = err;
		tw_log_warn("%s", name);
		if (tw_follow_is_file(f))
			break;
		s->status = 1;
		/* FALLTHROUGH */
	case TW_FOLLOW_EOF:
		/* Input ended: its partial last line is complete. */
		tw_lines_finish(&in->lines, on_line, in);
		if (s->opt.interval == 0)
			publish(s);
		tw_follow_close(in->f);
		in->f = NULL;
		/* The server stops when no input is left (files never end). */
		if (--s->open_streams == 0 && all_streams(s))
			stop(s);
		break;
	}
}

/* Are all the inputs streams (standard input), none a followed FILE? */
static int
all_streams(const struct server *s)
{
	int i;

	for (i = 0; i < s->nin; i++)
		if (s->in[i].path != NULL)
			return 0;
	return 1;
}

/*
 * The inputs, before the service starts (a daemon's FILEs made absolute):
 * each FILE, or standard input; <source> only when there are several.
 */
static void
make_inputs(struct server *s)
{
	static char *stdin_only[] = { "-" };
	char *stream[] = { (char *)s->opt.subscribe };
	char **names = s->opt.nfiles > 0 ? s->opt.files :
	    s->opt.subscribe != NULL ? stream : stdin_only;
	size_t total = 1;
	int i, n = s->opt.nfiles > 0 ? s->opt.nfiles : 1;

	if ((s->in = calloc((size_t)n, sizeof(*s->in))) == NULL)
		tw_err(1, "inputs");
	s->nin = n;
	for (i = 0; i < n; i++) {
		struct input *in = &s->in[i];

		in->s = s;
		in->name = strcmp(names[i], "-") == 0 ? "standard input" :
		    names[i];
		in->source = n > 1 ? names[i] : NULL;
		if (s->opt.subscribe != NULL)
			;	/* the stream: no file, and it never ends */
		else if (strcmp(names[i], "-") != 0)
			in->path = tw_service_path(&s->svc, names[i]);
		else
			s->open_streams++;
		tw_lines_init(&in->lines, s->opt.max_line);
		total += strlen(in->name) + 2;
	}
	if ((s->inputs = malloc(total)) == NULL)
		tw_err(1, "inputs");
	s->inputs[0] = '\0';
	for (i = 0; i < n; i++) {
		if (i > 0)
			strcat(s->inputs, ", ");
		strcat(s->inputs, s->in[i].name);
	}
}

/* Hits --subscribe never read: the clients are told, in their place. */
static void
input_lost(void *arg, unsigned long long n)
{
	struct input *in = arg;

	tw_hub_lost(in->s->hub, n);
}

/* A reply of --subscribe's, every line of it added: out it goes. */
static void
input_batch(void *arg)
{
	struct input *in = arg;

	if (in->s->opt.interval == 0)
		publish(in->s);
}

static void
open_input(struct server *s)
{
	struct tw_hub_stats st;
	int i;

	tw_hub_stats(s->hub, &st);	/* the epoch: the entries' too */
	if (s->opt.publish != NULL && (s->pub = tw_redisfeed_publisher(s->r,
	    s->opt.publish, s->opt.keep, st.epoch)) == NULL)
		tw_err(1, "--publish %s", s->opt.publish);
	if (s->opt.subscribe != NULL &&
	    (s->sub = tw_redisfeed_subscriber(s->r, s->opt.subscribe,
	    s->opt.from_start, s->opt.max_line, on_line, input_lost,
	    input_batch, &s->in[0])) == NULL)
		tw_err(1, "--subscribe %s", s->opt.subscribe);
	for (i = 0; s->sub == NULL && i < s->nin; i++) {
		struct input *in = &s->in[i];

		if (in->path == NULL)
			in->f = tw_follow_fd(s->r, STDIN_FILENO, input_data,
			    input_event, in);
		else
			in->f = tw_follow_file(s->r, in->path,
			    s->opt.from_start ? TW_FOLLOW_FROM_START : 0,
			    s->opt.rotate_wait, input_data, input_event, in);
		if (in->f == NULL)
			tw_err(1, "%s", in->name);
	}
	if (s->opt.interval > 0) {
		tw_timer_init(&s->tick, tick_cb, s);
		tw_call_later(s->r, &s->tick, s->opt.interval);
	}
}

/* Stop reading every input. */
static void
close_inputs(struct server *s)
{
	int i;

	for (i = 0; i < s->nin; i++) {
		tw_follow_close(s->in[i].f);
		s->in[i].f = NULL;
	}
}

/* ------------------------------------------------------------- serving */

/* The fan-out, and the HTTP face when --http asks for it. */
static void
start_hub(struct server *s)
{
	struct tw_hub_opts o = {
		.keep = s->opt.keep,
		.replay = s->opt.replay,
		.max_queue = s->opt.max_queue,
		.max_clients = s->opt.max_clients,
		.linger = s->opt.linger,
		.heartbeat = s->opt.heartbeat,
		.poll = s->opt.poll,
		.allow = s->opt.nallow > 0 ? &s->opt.allow : NULL,
		.format = s->opt.format,
		.filter = s->opt.nfilter > 0 ? &s->opt.filter : NULL,
		.anonymize = s->opt.anonymize,
	};

	if ((s->hub = tw_hub_new(s->r, &o)) == NULL)
		tw_err(1, "history of %zu hits", s->opt.keep);
	s->svc.factory.data = s->hub;
	if (s->opt.http == NULL)
		return;
	if ((s->httpd = tw_httpd_new(s->r, s->hub, s->inputs)) == NULL)
		tw_err(1, "HTTP");
	s->http_factory.proto = &tw_httpd_proto;
	s->http_factory.data = s->httpd;
}

/*
 * Input ended, or a signal: stop accepting and reading, send what is
 * batched, end every stream; the loop ends when the last client is gone.
 */
static void
stop(struct server *s)
{
	if (s->stopping)
		return;
	s->stopping = 1;
	tw_service_stop_listening(&s->svc);
	close_inputs(s);
	tw_redisfeed_close(s->sub, 0);
	s->sub = NULL;
	tw_redisfeed_close(s->pub, s->opt.linger);	/* sends what it has */
	s->pub = NULL;
	tw_timer_cancel(s->r, &s->tick);
	tw_hub_stop(s->hub);	/* what --interval holds, then every end */
	if (s->httpd != NULL)
		tw_httpd_stop(s->httpd);
}

/* The first SIGTERM or SIGINT stops cleanly; a second cuts every client off. */
static void
on_stop_signal(void *data)
{
	struct server *s = data;

	if (!s->stopping)
		stop(s);
	else
		tw_hub_stop(s->hub);	/* the second time: cut off */
}

static void
free_server(struct server *s)
{
	int i;

	tw_service_end(&s->svc);
	close_inputs(s);
	tw_redisfeed_free(s->sub);
	tw_redisfeed_free(s->pub);
	tw_hub_free(s->hub);
	tw_httpd_free(s->httpd);
	tw_reactor_destroy(s->r);
	for (i = 0; i < s->nin; i++) {
		tw_lines_free(&s->in[i].lines);
		free(s->in[i].path);
	}
	free(s->in);
	free(s->inputs);
	tw_filter_free(&s->opt.allow);
	tw_filter_free(&s->opt.filter);
	tw_logfmt_free(s->opt.format);
}
