/*
 * fib-serve - hand every client distinct Fibonacci numbers, forever.
 *
 * For each newline a client sends, the next number of the sequence, in
 * decimal, one per line. The position lives in a state file (fib-state(5))
 * that must never fall behind what was served, or a crash would serve a
 * number twice; so the server works inside a reservation:
 *
 *   limit   the served count the file on disk covers: it says "position
 *           served, and up to reserve more may be gone", so a restart after
 *           kill -9 skips to limit and never repeats a number.
 *
 * A request is answered only while served < limit. Halfway through the
 * range, the next reservation (the current position, plus --reserve) is
 * written on a worker thread, so the loop never waits on fsync while
 * numbers remain; at most one write is in flight, and limit moves only
 * once the file, and its directory, are on disk. If the write fails, the
 * server answers nothing past limit and retries every second.
 *
 * With --redis the reservations come from a Redis hash instead (SPEC
 * "Sharing one sequence across machines (Redis)"): the hash holds the
 * pair the sequence started from (a, b) and how many numbers were ever
 * reserved; HINCRBY KEY reserved R hands this server the R numbers that
 * end at the count it returns. limit is then the end of the block being
 * served: halfway through it the next block is reserved, and its starting
 * pair computed from a, b by fast doubling on a worker thread (a block
 * far down the sequence is a few large multiplications); it is installed
 * when this one runs out. Nothing is written at exit: the rest of the
 * block is skipped, as after a crash.
 *
 * Requests are counted, never buffered: each '\n' read is one request
 * (content before it is ignored), and a number is assigned only as its
 * answer is queued. A client that does not read is not answered past
 * 1 MiB of unsent output, and not read from until it catches up.
 */
#define _GNU_SOURCE

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <unistd.h>

#include "fib/bignum.h"
#include "util/cli.h"
#include "fib/decimal.h"
#include "fib/fibstate.h"
#include "redis/redis.h"
#include "redis/url.h"
#include "util/lockfile.h"
#include "util/log.h"
#include "util/service.h"
#include "twirl.h"

#define DEFAULT_STATE "fib.state"
#define DEFAULT_LISTEN "127.0.0.1:8889"
#define DEFAULT_RESERVE 1000
#define HIGH_WATER (1024 * 1024)	/* unsent bytes past which we stop */
#define LOW_WATER (256 * 1024)
#define RETRY_DELAY 1.0		/* after a failed write */
#define STOP_DEADLINE 5.0	/* for clients that stop reading at exit */
#define WAIT_TIMEOUT "1000"	/* ms a WAIT for replicas may take */
#define REPLICAS_MAX 1000	/* --redis-wait */
#define REDIS_REPLY_MAX (128 * 1024 * 1024)	/* a, b of F(10^8) */

struct client {
	tw_conn *c;
	struct server *s;
	uint64_t pending;	/* requests read, not yet answered */
	uint64_t answered;
	int paused;		/* we stopped reading it */
	int eof;		/* it sent end of file */
	int closing;		/* we closed it: write nothing more */
	LIST_ENTRY(client) link;
};

struct server {
	tw_service svc;		/* -d, --pidfile, --logfile, -q, listeners */
	tw_reactor *r;
	char *state_path;
	tw_fibstate st;		/* the file's record; its pair is stale while
				 * serving: a and b below are the position */
	tw_dec a, b;		/* the position now: next is a + b */
	uint64_t limit;		/* served count the file on disk covers */
	uint64_t reserve;	/* --reserve */
	int writing;		/* a reservation write is in flight */
	int failed;		/* the last write failed; said so once */
	tw_timer retry;
	LIST_HEAD(client_list, client) clients;
	size_t nclients;
	int stopping;
	tw_timer stop_timer;

	/* --redis: blocks instead of a file (limit ends the block) */
	const char *redis_spec;		/* the URL as given */
	tw_redis_url url;
	tw_redis *redis;
	long long replicas;		/* --redis-wait; 0 without */
	int configured;			/* its settings checked, a and b read */
	int ready;			/* the first block came: serving */
	int down;			/* Redis is away; said once */
	tw_big base_a, base_b;		/* the hash's pair: workers read it */
	struct block *next;		/* reserved and computed, not started */
	struct block *pending;		/* reserving, waiting or computing */
	uint64_t reserved;		/* blocks and numbers, for the log */
};

/* A block of numbers from Redis: its first pair, once computed. */
struct block {
	struct server *s;
	uint64_t start;		/* numbers reserved before it */
	uint64_t count;		/* --reserve */
	int computing;		/* a worker has it */
	int cmds;		/* HINCRBY, WAIT awaiting their replies */
	int error;		/* the HINCRBY failed: skip it */
	tw_dec a, b;		/* the pair at start: next is a + b */
};

/* A reservation on its way to disk: a copy the worker alone touches. */
struct write_job {
	struct server *s;
	tw_fibstate st;
	int error;
};

static _Noreturn void usage(FILE *fp, int status);
static void read_state(struct server *s);
static void advance_and_reserve(struct server *s);
static void save_position(struct server *s);
static void begin_stop(void *data);
static void stop_deadline_cb(tw_timer *t);
static void maybe_write_ahead(struct server *s);
static void retry_cb(tw_timer *t);
static int take_next_block(struct server *s);
static _Noreturn void redis_start(struct server *s, const char *listen_spec);
static void redis_reserve(struct server *s);

static const tw_protocol fib_protocol;

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "state", required_argument, NULL, 's' },
		{ "listen", required_argument, NULL, 'l' },
		{ "reserve", required_argument, NULL, 'R' },
		{ "redis", required_argument, NULL, 'r' },
		{ "redis-wait", required_argument, NULL, 'W' },
		{ "daemon", no_argument, NULL, 'd' },
		{ "pidfile", required_argument, NULL, 'P' },
		{ "logfile", required_argument, NULL, 'L' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	struct server server, *s = &server;
	const char *state = NULL, *listen_spec = NULL, *errstr;
	char err[256];
	int ch;

	memset(s, 0, sizeof(*s));
	LIST_INIT(&s->clients);
	tw_service_init(&s->svc);	/* TERM, INT, HUP wait for the loop */
	tw_setprogname(argv[0]);
	s->reserve = DEFAULT_RESERVE;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":dhl:qs:", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'd':
			s->svc.daemon = 1;
			break;
		case 'h':
			usage(stdout, 0);
		case 'l':
			listen_spec = optarg;
			break;
		case 'L':
			s->svc.logfile = optarg;
			break;
		case 'P':
			s->svc.pidfile = optarg;
			break;
		case 'q':
			s->svc.quiet = 1;
			break;
		case 'R':
			s->reserve = (uint64_t)tw_strtonum(optarg, 1,
			    (long long)TW_FIBSTATE_RESERVE_MAX, &errstr);
			if (errstr != NULL)
				tw_errx(2, "--reserve %s: %s (1 to %llu)", optarg,
				    errstr, TW_FIBSTATE_RESERVE_MAX);
			break;
		case 'r':
			s->redis_spec = optarg;
			break;
		case 's':
			state = optarg;
			break;
		case 'W':
			s->replicas = tw_strtonum(optarg, 1, REPLICAS_MAX,
			    &errstr);
			if (errstr != NULL)
				tw_errx(2, "--redis-wait %s: %s (1 to %d)",
				    optarg, errstr, REPLICAS_MAX);
			break;
		case 'V':
			printf("fib-serve %s\n", TWIRL_VERSION);
			exit(0);
		default:
			tw_bad_option(ch, argv, longopts, usage);
		}
	}
	argc -= optind;
	if (argc != 0)
		usage(stderr, 2);
	/* One source of reservations: a file or a hash, never both. */
	if (s->redis_spec != NULL && state != NULL) {
		tw_warnx("-s and --redis are exclusive");
		usage(stderr, 2);
	}
	if (s->replicas > 0 && s->redis_spec == NULL) {
		tw_warnx("--redis-wait needs --redis");
		usage(stderr, 2);
	}
	if (s->redis_spec != NULL &&
	    tw_redis_url_parse(&s->url, s->redis_spec, err, sizeof(err)) == -1)
		tw_errx(2, "--redis %s: %s", s->redis_spec, err);
	if (s->redis_spec != NULL && s->url.key[0] == '\0')
		tw_errx(2, "--redis %s: no key (redis://HOST:PORT/KEY or "
		    "unix:PATH#KEY)", s->redis_spec);

	s->svc.factory.proto = &fib_protocol;
	s->svc.factory.data = s;
	s->svc.stop = begin_stop;
	s->svc.data = s;
	if (s->redis_spec != NULL) {
		redis_start(s, listen_spec);
		return 0;
	}
	s->state_path = tw_service_path(&s->svc, state != NULL ? state :
	    DEFAULT_STATE);
	tw_service_start(&s->svc);	/* from here on, maybe a daemon */

	/*
	 * Read the state before the lock: a missing or defective file is
	 * refused with its own reason, and leaves no STATE.lock behind (nor
	 * fails on it, when the file's directory is missing).
	 */
	tw_fibstate_init(&s->st);
	tw_dec_init(&s->a);
	tw_dec_init(&s->b);
	read_state(s);
	(void)tw_lock_state_or_die(s->state_path);	/* held until exit */
	/* Under the lock: what a writer killed mid-write left is garbage. */
	tw_fibstate_remove_temps(s->state_path);
	/* Again, under the lock: a writer may have replaced it meanwhile. */
	read_state(s);

	if ((s->r = tw_reactor_create(NULL)) == NULL)
		tw_err(1, "cannot create the reactor");
	tw_thread_pool_size(s->r, 1);	/* one write at a time anyway */
	tw_timer_init(&s->retry, retry_cb, s);
	tw_timer_init(&s->stop_timer, stop_deadline_cb, s);
	if (listen_spec == NULL)
		listen_spec = s->st.listen[0] != '\0' ? s->st.listen :
		    DEFAULT_LISTEN;
	if (tw_service_listen(&s->svc, s->r, listen_spec) == -1)
		exit(1);
	/* Bound first: a busy address must not cost a reservation. */
	advance_and_reserve(s);
	/* Reserved: a client that connects now is answered at once. */
	tw_service_ready(&s->svc);
	tw_log_notice("served %llu, reserved up to %llu",
	    (unsigned long long)s->st.served, (unsigned long long)s->limit);

	if (tw_reactor_run(s->r) == -1) {
		tw_log_warn("event loop");
		exit(1);
	}

	/* Every client is answered and gone: write the exact position. */
	save_position(s);
	s->st.reserve = 0;
	if (tw_fibstate_write(&s->st, s->state_path) == -1) {
		tw_log_warn("cannot write %s; it keeps the reservation up to "
		    "%llu", s->state_path, (unsigned long long)s->limit);
		exit(1);
	}
	tw_log_notice("stopped; served %llu, %s written with reserve 0",
	    (unsigned long long)s->st.served, s->state_path);

	tw_service_end(&s->svc);
	tw_reactor_destroy(s->r);
	tw_fibstate_free(&s->st);
	tw_dec_free(&s->a);
	tw_dec_free(&s->b);
	free(s->state_path);
	return 0;	/* the pidfile goes, the log drains: at exit */
}

static _Noreturn void
usage(FILE *fp, int status)
{
	fprintf(fp, "usage: fib-serve [-s STATE | --redis URL [--redis-wait N]] "
	    "[-l ADDRESS]\n                 [--reserve N] [-d] "
	    "[--pidfile FILE] [--logfile FILE] [-q]\n");
	if (status == 0)
		fprintf(fp, "\n"
		    "  -s, --state STATE     state file (default fib.state; "
		    "see fib-snapshot init)\n"
		    "  -l, --listen ADDRESS  where to listen "
		    "(default: the state's or 127.0.0.1:8889)\n"
		    "      --redis URL       share a Redis hash: "
		    "redis://HOST:PORT/KEY, unix:PATH#KEY\n"
		    "      --redis-wait N    serve a block once N replicas "
		    "have it (WAIT)\n"
		    "      --reserve N       file N numbers ahead, or blocks of N "
		    "(default 1000)\n"
		    "  -d, --daemon          detach; exit once the server "
		    "listens\n"
		    "      --pidfile FILE    write the pid there, locked, "
		    "removed at exit\n"
		    "      --logfile FILE    append the log there; SIGHUP "
		    "reopens it\n"
		    "  -q, --quiet           do not log connections\n"
		    "  -h, --help            print this help\n"
		    "      --version         print the version\n");
	exit(status);
}

/* ----------------------------------------------------------- serving */

static _Noreturn void
oom(void)
{
	/* The file on disk covers what was served: exiting repeats nothing. */
	tw_log_notice("out of memory");
	exit(1);
}

/* d = n, through text. */
static void
big_to_dec(tw_dec *d, const tw_big *n)
{
	char *text;
	size_t len;

	if ((text = malloc(tw_big_digits(n))) == NULL)
		oom();
	len = tw_big_print(n, text);
	if (tw_dec_set(d, text, len) == -1)
		oom();
	free(text);
}

/*
 * Serving adds and answers in decimal text (decimal.h): no printing per
 * answer. The file's pair is brought up to date only when it is written.
 */
static void
load_position(struct server *s)
{
	big_to_dec(&s->a, &s->st.a);
	big_to_dec(&s->b, &s->st.b);
}

static void
save_position(struct server *s)
{
	const char *t;
	size_t len;

	t = tw_dec_text(&s->a, &len);
	if (tw_big_parse(&s->st.a, t, len) == -1)
		oom();
	t = tw_dec_text(&s->b, &len);
	if (tw_big_parse(&s->st.b, t, len) == -1)
		oom();
}

/* Queue the next number for cl. The number is gone once this is called. */
static void
serve_one(struct server *s, struct client *cl)
{
	const char *digits;
	size_t n;
	tw_dec t;

	if (tw_dec_add(&s->a, &s->b) == -1)
		oom();
	t = s->a;
	s->a = s->b;
	s->b = t;
	s->st.served++;
	digits = tw_dec_text(&s->b, &n);
	if (tw_conn_write(cl->c, digits, n) == -1 ||
	    tw_conn_write(cl->c, "\n", 1) == -1) {
		/* Never happens while open; a lost number is not a repeat. */
		cl->closing = 1;
		tw_conn_abort(cl->c);
		return;
	}
	cl->answered++;
}

static void
set_reading(struct client *cl, int on)
{
	if (on && cl->paused) {
		cl->paused = 0;
		tw_conn_resume(cl->c);
	} else if (!on && !cl->paused) {
		cl->paused = 1;
		tw_conn_pause(cl->c);
	}
}

/*
 * Answer what cl asked, as far as the reservation and cl's queue allow.
 * What is left waits for a write to land (served == limit) or for low().
 */
static void
answer(struct client *cl)
{
	struct server *s = cl->s;

	maybe_write_ahead(s);
	while (cl->pending > 0 && !cl->closing &&
	    (s->st.served < s->limit || take_next_block(s)) &&
	    tw_conn_queued(cl->c) <= HIGH_WATER) {
		serve_one(s, cl);
		cl->pending--;
		/* Reserve the next range while this one still has numbers. */
		if (s->st.served + s->reserve / 2 >= s->limit)
			maybe_write_ahead(s);
	}
	if (cl->closing)
		return;
	if (cl->pending > 0) {
		/* Counting more requests we cannot answer yet helps nobody. */
		set_reading(cl, 0);
		return;
	}
	if (cl->eof || s->stopping) {
		cl->closing = 1;
		tw_conn_close(cl->c, 0);
		return;
	}
	set_reading(cl, 1);
}

static void
answer_all(struct server *s)
{
	struct client *cl, *next;

	for (cl = LIST_FIRST(&s->clients); cl != NULL; cl = next) {
		next = LIST_NEXT(cl, link);
		if (cl->pending > 0)
			answer(cl);
	}
}

static void
fib_made(tw_conn *c)
{
	struct server *s = tw_conn_factory(c)->data;
	struct client *cl;

	if ((cl = calloc(1, sizeof(*cl))) == NULL) {
		tw_conn_abort(c);
		return;
	}
	cl->c = c;
	cl->s = s;
	c->data = cl;
	LIST_INSERT_HEAD(&s->clients, cl, link);
	s->nclients++;
	tw_conn_set_watermarks(c, HIGH_WATER, LOW_WATER);
	tw_log_info("%s connected", tw_conn_peer(c));
}

static void
fib_data(tw_conn *c, const char *buf, size_t len)
{
	struct client *cl = c->data;
	const char *p = buf, *end = buf + len;

	if (cl == NULL)
		return;
	/* Count the newlines; the bytes around them are never kept. */
	while ((p = memchr(p, '\n', (size_t)(end - p))) != NULL) {
		cl->pending++;
		p++;
	}
	if (cl->pending > 0)
		answer(cl);
}

static void
fib_eof(tw_conn *c)
{
	struct client *cl = c->data;

	if (cl == NULL) {
		tw_conn_close(c, 0);
		return;
	}
	/* Keep it until what it asked is written. */
	cl->eof = 1;
	if (cl->pending == 0 && !cl->closing) {
		cl->closing = 1;
		tw_conn_close(c, 0);
	}
}

static void
fib_low(tw_conn *c)
{
	struct client *cl = c->data;

	if (cl != NULL && cl->pending > 0)
		answer(cl);
}

static void check_stopped(struct server *s);

static void
fib_lost(tw_conn *c, int reason)
{
	struct client *cl = c->data;
	struct server *s;

	if (cl == NULL)
		return;
	s = cl->s;
	LIST_REMOVE(cl, link);
	s->nclients--;
	if (reason != 0)
		tw_log_info("%s gone after %llu numbers: %s", tw_conn_peer(c),
		    (unsigned long long)cl->answered, strerror(reason));
	else
		tw_log_info("%s gone after %llu numbers", tw_conn_peer(c),
		    (unsigned long long)cl->answered);
	free(cl);
	c->data = NULL;
	check_stopped(s);
}

static const tw_protocol fib_protocol = {
	.made = fib_made,
	.data = fib_data,
	.lost = fib_lost,
	.eof = fib_eof,
	.low = fib_low,
};

/* ------------------------------------------------------- reservations */

static int
write_work(void *arg, void **value)
{
	struct write_job *j = arg;

	(void)value;
	/* On a worker: fsync may take its time here. */
	return tw_fibstate_write(&j->st, j->s->state_path) == -1 ? errno : 0;
}

static int
write_done(void *arg, void **value, int error)
{
	struct write_job *j = arg;
	struct server *s = j->s;

	(void)value;
	s->writing = 0;
	if (error == 0) {
		s->limit = j->st.served + j->st.reserve;
		if (s->failed)
			tw_log_notice("wrote %s again; serving resumes",
			    s->state_path);
		s->failed = 0;
	} else {
		if (!s->failed)
			tw_log_notice("cannot write %s: %s; serving stops at %llu",
			    s->state_path, strerror(error),
			    (unsigned long long)s->limit);
		s->failed = 1;
		if (tw_call_later(s->r, &s->retry, RETRY_DELAY) == -1)
			oom();
	}
	tw_fibstate_free(&j->st);
	free(j);
	if (error == 0) {
		maybe_write_ahead(s);
		answer_all(s);
	}
	check_stopped(s);
	return 0;
}

static void
submit_write(struct server *s)
{
	struct write_job *j;
	tw_deferred *d;

	if ((j = calloc(1, sizeof(*j))) == NULL)
		oom();
	j->s = s;
	tw_fibstate_init(&j->st);
	save_position(s);
	if (tw_fibstate_copy(&j->st, &s->st) == -1)
		oom();
	j->st.reserve = s->reserve;
	if ((d = tw_defer_to_thread(s->r, write_work, j)) == NULL)
		oom();
	tw_deferred_add(d, write_done, write_done, j);
	tw_deferred_unref(d);	/* the job holds its own reference */
	s->writing = 1;
}

/* Halfway through the range, reserve the next one: ahead of need. */
static void
maybe_write_ahead(struct server *s)
{
	if (s->redis != NULL) {
		redis_reserve(s);
		return;
	}
	if (s->writing || tw_timer_active(&s->retry))
		return;
	if (s->st.served + s->reserve / 2 >= s->limit)
		submit_write(s);
}

static void
retry_cb(tw_timer *t)
{
	struct server *s = t->data;

	if (s->redis != NULL)
		redis_reserve(s);
	else if (!s->writing)
		submit_write(s);
}

/*
 * At start: the file says up to reserve numbers past its pair may have been
 * served before the last crash, so skip them all; then write the first
 * reservation, before any client is answered. The loop is not running:
 * blocking here stalls nobody.
 */
static void
advance_and_reserve(struct server *s)
{
	if (s->st.served > UINT64_MAX - s->st.reserve - s->reserve)
		tw_errx(1, "%s: served count would overflow", s->state_path);
	if (tw_fibstate_advance(&s->st, s->st.reserve) == -1)
		oom();
	s->st.reserve = s->reserve;
	if (tw_fibstate_write(&s->st, s->state_path) == -1)
		tw_err(1, "cannot write %s", s->state_path);
	s->limit = s->st.served + s->reserve;
	load_position(s);
}

/* -------------------------------------------------------------- redis */

/* Numbers this server holds: the rest of its block and the next one. */
static unsigned long long
held(const struct server *s)
{
	return (unsigned long long)(s->limit - s->st.served +
	    (s->next != NULL ? s->next->count : 0));
}

static void
block_free(struct block *b)
{
	tw_dec_free(&b->a);
	tw_dec_free(&b->b);
	free(b);
}

/* Forget the block being reserved: it is skipped, never served. */
static void
drop_pending(struct server *s)
{
	block_free(s->pending);
	s->pending = NULL;
}

/* Redis refused a reservation: say so once, try again later. */
static void
retry_later(struct server *s, const char *why)
{
	if (!s->failed)
		tw_log_notice("cannot reserve from %s: %s; retrying",
		    s->redis_spec, why);
	s->failed = 1;
	if (tw_call_later(s->r, &s->retry, RETRY_DELAY) == -1)
		oom();
}

/* Start the next block when this one runs out: 1, or 0 if none is ready. */
static int
take_next_block(struct server *s)
{
	struct block *b = s->next;

	if (b == NULL)
		return 0;
	s->next = NULL;
	tw_dec_free(&s->a);
	tw_dec_free(&s->b);
	s->a = b->a;
	s->b = b->b;
	tw_dec_init(&b->a);
	tw_dec_init(&b->b);
	s->limit = s->st.served + b->count;
	tw_log_info("serving numbers %llu to %llu of %s",
	    (unsigned long long)b->start + 1,
	    (unsigned long long)(b->start + b->count), s->redis_spec);
	block_free(b);
	redis_reserve(s);
	return 1;
}

/* On a worker: the pair at the block's start, as decimal text. */
static int
compute_work(void *arg, void **value)
{
	struct block *b = arg;
	struct server *s = b->s;
	tw_big x, y;
	char *text = NULL;
	size_t len;
	int rc = ENOMEM;

	(void)value;
	tw_big_init(&x);
	tw_big_init(&y);
	/* base_a and base_b are read only, here and on the loop. */
	if (tw_big_copy(&x, &s->base_a) == -1 ||
	    tw_big_copy(&y, &s->base_b) == -1 ||
	    tw_big_advance(&x, &y, b->start) == -1 ||
	    (text = malloc(tw_big_digits(&y))) == NULL)
		goto out;
	len = tw_big_print(&x, text);
	if (tw_dec_set(&b->a, text, len) == -1)
		goto out;
	len = tw_big_print(&y, text);
	if (tw_dec_set(&b->b, text, len) == -1)
		goto out;
	rc = 0;
out:
	free(text);
	tw_big_free(&x);
	tw_big_free(&y);
	return rc;
}

static int
compute_done(void *arg, void **value, int error)
{
	struct block *b = arg;
	struct server *s = b->s;

	(void)value;
	b->computing = 0;
	s->pending = NULL;
	if (error != 0)
		oom();
	s->next = b;
	if (s->failed)
		tw_log_notice("reserving from %s again", s->redis_spec);
	s->failed = 0;
	s->reserved++;
	if (!s->ready) {
		/* The first block: a client that connects now is answered. */
		s->ready = 1;
		tw_service_ready(&s->svc);
		tw_log_notice("serving from %s, in blocks of %llu",
		    s->redis_spec, (unsigned long long)s->reserve);
	}
	answer_all(s);
	check_stopped(s);
	return 0;
}

static void
compute(struct block *b)
{
	struct server *s = b->s;
	tw_deferred *d;

	/* Far down the sequence this is big multiplications: off the loop. */
	if ((d = tw_defer_to_thread(s->r, compute_work, b)) == NULL)
		oom();
	b->computing = 1;
	tw_deferred_add(d, compute_done, compute_done, b);
	tw_deferred_unref(d);
}

static void wait_cb(tw_redis *c, const tw_resp *reply, const char *error,
    void *arg);

/* WAIT for --redis-wait replicas to have the HINCRBY: 0, or -1. */
static int
send_wait(struct block *b)
{
	struct server *s = b->s;
	char n[24];

	snprintf(n, sizeof(n), "%lld", s->replicas);
	if (tw_redis_commandl(s->redis, wait_cb, b, "WAIT", n, WAIT_TIMEOUT,
	    NULL) == -1)
		return -1;
	b->cmds++;
	return 0;
}

static void
reserved_cb(tw_redis *c, const tw_resp *reply, const char *error,
    void *arg)
{
	struct block *b = arg;
	struct server *s = b->s;

	(void)c;
	(void)error;
	b->cmds--;
	if (reply != NULL && reply->type == TW_RESP_INTEGER &&
	    reply->integer >= (long long)b->count) {
		b->start = (uint64_t)reply->integer - b->count;
	} else {
		/* Lost with the connection, whatever it reserved is skipped. */
		b->error = 1;
		if (reply != NULL)
			retry_later(s, reply->type == TW_RESP_ERROR ?
			    reply->str : "HINCRBY answered no count");
	}
	if (b->cmds > 0)
		return;		/* the WAIT after it settles it */
	if (b->error)
		drop_pending(s);
	else
		compute(b);
}

static void
wait_cb(tw_redis *c, const tw_resp *reply, const char *error, void *arg)
{
	struct block *b = arg;
	struct server *s = b->s;

	(void)c;
	(void)error;
	b->cmds--;
	if (reply == NULL || b->error) {
		/* Not known to be on the replicas: skip it. */
		drop_pending(s);
		return;
	}
	if (reply->type == TW_RESP_INTEGER && reply->integer >= s->replicas) {
		compute(b);
		return;
	}
	if (reply->type != TW_RESP_INTEGER) {
		retry_later(s, reply->type == TW_RESP_ERROR ? reply->str :
		    "WAIT answered no count");
		drop_pending(s);
		return;
	}
	/*
	 * Too few replicas have it: a failover now could lose it, and the
	 * numbers be served twice. Hold the block unserved and ask again;
	 * it is skipped if the connection goes first.
	 */
	if (!s->failed)
		tw_log_notice("numbers %llu to %llu reached %lld of %lld "
		    "replicas; not serving them until they do",
		    (unsigned long long)b->start + 1,
		    (unsigned long long)(b->start + b->count), reply->integer,
		    s->replicas);
	s->failed = 1;
	if (tw_call_later(s->r, &s->retry, RETRY_DELAY) == -1)
		oom();
}

/* Reserve the next block, halfway through this one, if nothing is on way. */
static void
redis_reserve(struct server *s)
{
	struct block *b;
	char n[24];

	if (s->pending != NULL && !s->pending->computing &&
	    s->pending->cmds == 0 && !tw_timer_active(&s->retry)) {
		/* Its WAIT fell short: ask again. */
		if (send_wait(s->pending) == -1)
			drop_pending(s);
		return;
	}
	if (!s->configured || s->down || s->stopping || s->pending != NULL ||
	    s->next != NULL || tw_timer_active(&s->retry) ||
	    s->st.served + s->reserve / 2 < s->limit)
		return;
	if ((b = calloc(1, sizeof(*b))) == NULL)
		oom();
	b->s = s;
	b->count = s->reserve;
	tw_dec_init(&b->a);
	tw_dec_init(&b->b);
	snprintf(n, sizeof(n), "%llu", (unsigned long long)s->reserve);
	if (tw_redis_commandl(s->redis, reserved_cb, b, "HINCRBY",
	    s->url.key, "reserved", n, NULL) == -1) {
		/* Not connected: its state callback tries again. */
		block_free(b);
		return;
	}
	b->cmds = 1;
	s->pending = b;
	/* Pipelined: it covers the HINCRBY before it. */
	if (s->replicas > 0 && send_wait(b) == -1)
		b->error = 1;
}

/* A setting Redis must have, or an acknowledged HINCRBY may be lost. */
static void
config_cb(tw_redis *c, const tw_resp *reply, const char *error, void *arg)
{
	struct server *s = tw_redis_data(c);
	const char *name = arg;
	const char *want = strcmp(name, "appendonly") == 0 ? "yes" : "always";

	if (reply == NULL)
		tw_errx(1, "cannot read Redis' %s at %s: %s", name,
		    s->redis_spec, error);
	if (reply->type == TW_RESP_ERROR)
		tw_errx(1, "cannot read Redis' %s at %s: %s (without CONFIG, "
		    "give --redis-wait N)", name, s->redis_spec, reply->str);
	if (reply->type != TW_RESP_ARRAY || reply->n != 2 ||
	    reply->elem[1].type != TW_RESP_STRING)
		tw_errx(1, "cannot read Redis' %s at %s: unexpected reply",
		    name, s->redis_spec);
	if (strcmp(reply->elem[1].str, want) != 0)
		tw_errx(1, "Redis at %s has %s %s: it could lose a reservation "
		    "it acknowledged, and a number be served twice (set %s "
		    "%s, or give --redis-wait N)", s->redis_spec, name,
		    reply->elem[1].str, name, want);
}

/* The hash's a and b, once: every block starts from them. */
static void
hash_cb(tw_redis *c, const tw_resp *reply, const char *error, void *arg)
{
	struct server *s = tw_redis_data(c);
	char err[256];
	int i;

	(void)arg;
	if (reply == NULL)
		tw_errx(1, "cannot read %s: %s", s->redis_spec, error);
	if (reply->type == TW_RESP_ERROR)
		tw_errx(1, "cannot read %s: %s", s->redis_spec, reply->str);
	if (reply->type != TW_RESP_ARRAY || reply->n != 2)
		tw_errx(1, "cannot read %s: unexpected reply", s->redis_spec);
	for (i = 0; i < 2; i++) {
		const tw_resp *v = &reply->elem[i];
		const char *key = i == 0 ? "a" : "b";

		if (v->type == TW_RESP_NIL)
			tw_errx(1, "%s: no '%s' in the hash (create it with: "
			    "fib-snapshot init %s)", s->redis_spec, key,
			    s->redis_spec);
		if (v->type != TW_RESP_STRING ||
		    tw_fibstate_check_value(key, v->str, err,
		    sizeof(err)) == -1)
			tw_errx(1, "%s: %s", s->redis_spec,
			    v->type == TW_RESP_STRING ? err : "not a string");
		if (tw_big_parse(i == 0 ? &s->base_a : &s->base_b, v->str,
		    v->len) == -1)
			oom();
	}
	s->configured = 1;
	redis_reserve(s);
}

static void
redis_state(tw_redis *c, int up, const char *why)
{
	struct server *s = tw_redis_data(c);

	if (!up) {
		if (!s->configured)
			tw_errx(1, "cannot reach Redis at %s: %s",
			    s->redis_spec, why);
		/* A block not yet confirmed cannot be on a new connection. */
		if (s->pending != NULL && !s->pending->computing)
			drop_pending(s);
		if (!s->down)
			tw_log_notice("lost Redis at %s: %s; serving the %llu "
			    "numbers held, then waiting for it", s->redis_spec,
			    why, held(s));
		s->down = 1;
		return;
	}
	if (s->configured) {
		if (s->down)
			tw_log_notice("Redis at %s is back", s->redis_spec);
		s->down = 0;
		redis_reserve(s);
		return;
	}
	/* First contact: its durability, then the pair. */
	if ((s->replicas == 0 &&
	    (tw_redis_commandl(c, config_cb, "appendonly", "CONFIG", "GET",
	    "appendonly", NULL) == -1 ||
	    tw_redis_commandl(c, config_cb, "appendfsync", "CONFIG", "GET",
	    "appendfsync", NULL) == -1)) ||
	    tw_redis_commandl(c, hash_cb, NULL, "HMGET", s->url.key, "a", "b",
	    NULL) == -1)
		tw_err(1, "cannot ask Redis at %s", s->redis_spec);
}

/*
 * main() for --redis: no state file, no lock (Redis is the one place the
 * count lives); the same listening, signals and stop.
 */
static _Noreturn void
redis_start(struct server *s, const char *listen_spec)
{
	tw_redis_opts o;
	tw_addr addr;
	char err[256], *path;

	if (s->url.path[0] != '\0') {
		/* A daemon works from /: keep a relative socket path right. */
		path = tw_service_path(&s->svc, s->url.path);
		if (strlen(path) >= sizeof(s->url.path))
			tw_errx(1, "--redis %s: socket path too long once "
			    "made absolute", s->redis_spec);
		strcpy(s->url.path, path);
		free(path);
	}
	if (tw_redis_url_addr(&s->url, &addr, err, sizeof(err)) == -1)
		tw_errx(1, "--redis %s: %s", s->redis_spec, err);
	tw_service_start(&s->svc);	/* from here on, maybe a daemon */
	tw_fibstate_init(&s->st);
	tw_dec_init(&s->a);
	tw_dec_init(&s->b);
	tw_big_init(&s->base_a);
	tw_big_init(&s->base_b);
	if ((s->r = tw_reactor_create(NULL)) == NULL)
		tw_err(1, "cannot create the reactor");
	tw_thread_pool_size(s->r, 1);	/* one block at a time */
	tw_timer_init(&s->retry, retry_cb, s);
	tw_timer_init(&s->stop_timer, stop_deadline_cb, s);
	if (tw_service_listen(&s->svc, s->r, listen_spec != NULL ?
	    listen_spec : DEFAULT_LISTEN) == -1)
		exit(1);
	tw_redis_opts_init(&o);
	o.state = redis_state;
	o.data = s;
	o.max_reply = REDIS_REPLY_MAX;	/* HMGET of a and b, any size */
	if ((s->redis = tw_redis_create(s->r, &addr, &o)) == NULL)
		tw_err(1, "cannot create the Redis client");

	/* Ready once the first block is computed (compute_done()). */
	if (tw_reactor_run(s->r) == -1) {
		tw_log_warn("event loop");
		exit(1);
	}
	tw_log_notice("stopped; served %llu numbers from %llu blocks, "
	    "skipping the rest of the last", (unsigned long long)s->st.served,
	    (unsigned long long)s->reserved);
	tw_redis_free(s->redis);
	tw_service_end(&s->svc);
	tw_reactor_destroy(s->r);
	if (s->next != NULL)
		block_free(s->next);
	if (s->pending != NULL)
		block_free(s->pending);
	tw_big_free(&s->base_a);
	tw_big_free(&s->base_b);
	tw_dec_free(&s->a);
	tw_dec_free(&s->b);
	tw_fibstate_free(&s->st);
	exit(0);
}

/* ------------------------------------------------------------ stopping */

static void
stop_deadline_cb(tw_timer *t)
{
	struct server *s = t->data;
	struct client *cl;

	/* Clients that would not read their answers: drop what is left. */
	LIST_FOREACH(cl, &s->clients, link)
		if (!cl->closing) {
			cl->closing = 1;
			tw_conn_abort(cl->c);
		}
}

/* SIGTERM or SIGINT: the first stops cleanly, a second cuts clients off. */
static void
begin_stop(void *data)
{
	struct server *s = data;
	struct client *cl;

	if (s->stopping) {
		/* A second signal: stop waiting for slow clients. */
		stop_deadline_cb(&s->stop_timer);
		return;
	}
	s->stopping = 1;
	tw_service_stop_listening(&s->svc);
	LIST_FOREACH(cl, &s->clients, link) {
		if (cl->closing)
			continue;
		if (cl->pending == 0) {
			cl->closing = 1;
			tw_conn_close(cl->c, 0);
		} else {
			set_reading(cl, 0);
		}
	}
	if (tw_call_later(s->r, &s->stop_timer, STOP_DEADLINE) == -1)
		oom();
	check_stopped(s);
}

/* Once stopping, every client gone and no write in flight: end the loop. */
static void
check_stopped(struct server *s)
{
	if (!s->stopping || s->nclients > 0 || s->writing)
		return;
	/* A worker still computing a block holds it: wait for it. */
	if (s->pending != NULL && s->pending->computing)
		return;
	tw_timer_cancel(s->r, &s->retry);
	tw_timer_cancel(s->r, &s->stop_timer);
	tw_reactor_stop(s->r);
}

/* ------------------------------------------------------------ setting up */

/* Read the state file into s->st (again, under the lock), or exit 1. */
static void
read_state(struct server *s)
{
	char err[1024];

	tw_fibstate_free(&s->st);
	tw_fibstate_init(&s->st);
	if (tw_fibstate_read(&s->st, s->state_path, err, sizeof(err)) == 0)
		return;
	if (errno == ENOENT)
		tw_errx(1, "%s (create it with: fib-snapshot init %s)", err,
		    s->state_path);
	tw_errx(1, "%s", err);
}
