/*
 * fib-snapshot - create, inspect, check, edit and preview fib-serve's state
 * file (fib-state(5)).
 *
 *   init   write a new file (a = F(N), b = F(N + 1); refuses to overwrite)
 *   show   every key, the next number, and its index in the sequence
 *   check  exit 0 for a valid file, 1 with FILE:LINE: reason otherwise
 *   set    change keys: validated first, refused while a server runs,
 *          written atomically
 *   next   the next N numbers, file unchanged
 *
 * Edits (init, set) take the same lock as fib-serve, STATE.lock, for as
 * long as they take; reading needs no lock, since the file is only ever
 * replaced whole, by rename.
 *
 * FILE may be a Redis hash instead, redis://HOST:PORT/KEY or
 * unix:PATH#KEY, as fib-serve --redis shares it: fields a, b (the pair
 * the sequence started from) and reserved (numbers handed out). Each
 * command then asks Redis through the event loop's client (redis.h),
 * running the loop until the reply comes: a command-line tool may wait.
 * Edits are one EVAL each, so they are atomic on Redis' side.
 */
#define _GNU_SOURCE

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fib/bignum.h"
#include "util/cli.h"
#include "fib/fibstate.h"
#include "redis/redis.h"
#include "redis/url.h"
#include "twirl.h"

#define INDEX_MAX 100000000	/* F(10^8): 20.9 million digits, a minute */
#define SHOW_DIGITS 60		/* show abbreviates the next number past this */
#define REDIS_REPLY_MAX (128 * 1024 * 1024)	/* a, b of F(INDEX_MAX) */

static int cmd_init(int argc, char *argv[]);
static int cmd_show(int argc, char *argv[]);
static int cmd_check(int argc, char *argv[]);
static int cmd_set(int argc, char *argv[]);
static int cmd_next(int argc, char *argv[]);

static const struct command {
	const char *name;
	int (*fn)(int, char *[]);
} commands[] = {
	{ "init", cmd_init },
	{ "show", cmd_show },
	{ "check", cmd_check },
	{ "set", cmd_set },
	{ "next", cmd_next },
};

static _Noreturn void
usage(FILE *fp, int status)
{
	fprintf(fp,
	    "usage: fib-snapshot init [--a A --b B | --index N] "
	    "[--listen ADDRESS]\n"
	    "                         [--force] FILE\n"
	    "       fib-snapshot show [--json] FILE\n"
	    "       fib-snapshot check FILE\n"
	    "       fib-snapshot set FILE KEY=VALUE...\n"
	    "       fib-snapshot next [-n N] FILE\n");
	if (status == 0)
		fprintf(fp, "\n"
		    "  --a A, --b B      init: start from a = A, b = B\n"
		    "  --index N         init: start from a = F(N), "
		    "b = F(N+1)\n"
		    "  --listen ADDRESS  init: where fib-serve listens "
		    "without -l\n"
		    "  --force           init: replace an existing file\n"
		    "  --json            show: one JSON object, "
		    "the numbers whole\n"
		    "  KEY=VALUE         set: a, b, served, reserve, listen "
		    "(listen= drops it)\n"
		    "  -n N              next: how many numbers (default 1)\n"
		    "  -h, --help        print this help, alone or after "
		    "a command\n"
		    "  --version         print the version\n");
	exit(status);
}

int
main(int argc, char *argv[])
{
	size_t i;

	tw_setprogname(argv[0]);
	opterr = 0;
	/* Past a file-size limit, a write fails (EFBIG) and is reported. */
	signal(SIGXFSZ, SIG_IGN);
	/* A reader that went away is an EPIPE from write(2), not a signal. */
	signal(SIGPIPE, SIG_IGN);
	if (argc < 2)
		usage(stderr, 2);
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)
		usage(stdout, 0);
	if (strcmp(argv[1], "--version") == 0) {
		printf("fib-snapshot %s\n", TWIRL_VERSION);
		return 0;
	}
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(argv[1], commands[i].name) == 0)
			return commands[i].fn(argc - 1, argv + 1);
	if (argv[1][0] == '-')
		tw_warnx("unknown option: %s", argv[1]);
	else
		tw_warnx("unknown command '%s'", argv[1]);
	usage(stderr, 2);
}

/* ------------------------------------------------------------ helpers */

/*
 * getopt_long over a command's arguments (opts starts with ':');
 * "-h"/"--help" print usage.
 */
static int
next_opt(int argc, char *argv[], const char *opts,
    const struct option *longopts)
{
	int ch = getopt_long(argc, argv, opts, longopts, NULL);

	if (ch == 'h')
		usage(stdout, 0);
	if (ch == '?' || ch == ':')
		tw_bad_option(ch, argv, longopts, usage);
	return ch;
}

static void
read_or_die(tw_fibstate *st, const char *path)
{
	char err[1024];

	tw_fibstate_init(st);
	if (tw_fibstate_read(st, path, err, sizeof(err)) == -1)
		tw_errx(1, "%s", err);
}

static void
write_or_die(const tw_fibstate *st, const char *path)
{
	if (tw_fibstate_write(st, path) == -1)
		tw_err(1, "cannot write %s", path);
}

/*
 * Skip the reserve, as a server starting on st does first: those numbers
 * may have been served already, so show and next begin after them.
 */
static void
advance_or_die(tw_fibstate *st, const char *path)
{
	if (tw_fibstate_advance(st, st->reserve) == -1) {
		if (errno == EOVERFLOW)
			tw_errx(1, "%s: served count would overflow", path);
		tw_err(1, "out of memory");
	}
	st->reserve = 0;
}

static char *
big_text(const tw_big *a)
{
	char *s = malloc(tw_big_digits(a) + 1);

	if (s == NULL)
		tw_err(1, "malloc");
	s[tw_big_print(a, s)] = '\0';
	return s;
}

static void
json_string(const char *s)
{
	putchar('"');
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x20)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
}

/* A failed write to standard output ends the program. */
static _Noreturn void
stdout_failed(void)
{
	/* The reader has all it wanted (| head): done, as weblog-client. */
	if (errno == EPIPE)
		exit(0);
	tw_err(1, "stdout");
}

static void
flush_or_die(void)
{
	if (fflush(stdout) == EOF || ferror(stdout))
		stdout_failed();
}

/* -------------------------------------------------------------- redis */

/* FILE names a Redis hash (redis://, unix:) rather than a file. */
static int
is_redis(const char *path)
{
	return strncmp(path, "redis://", 8) == 0 ||
	    strncmp(path, "unix:", 5) == 0;
}

/* One connection, and the loop that runs until each reply comes. */
struct rconn {
	const char *spec;
	tw_redis_url url;
	tw_reactor *r;
	tw_redis *c;
	void (*fn)(const tw_resp *, void *);	/* the reply's reader */
	void *arg;
};

static void
rstate(tw_redis *c, int up, const char *why)
{
	struct rconn *rc = tw_redis_data(c);

	if (!up)
		tw_errx(1, "cannot reach Redis at %s: %s", rc->spec, why);
	tw_reactor_stop(rc->r);
}

static void
rreply(tw_redis *c, const tw_resp *reply, const char *error, void *arg)
{
	struct rconn *rc = arg;

	(void)c;
	if (reply == NULL)
		tw_errx(1, "%s: %s", rc->spec, error);
	if (reply->type == TW_RESP_ERROR)
		tw_errx(1, "%s: %s", rc->spec, reply->str);
	rc->fn(reply, rc->arg);
	tw_reactor_stop(rc->r);
}

/* Connect to spec, or exit 1 saying why. */
static void
ropen(struct rconn *rc, const char *spec)
{
	tw_redis_opts o;
	tw_addr addr;
	char err[256];

	memset(rc, 0, sizeof(*rc));
	rc->spec = spec;
	if (tw_redis_url_parse(&rc->url, spec, err, sizeof(err)) == -1 ||
	    tw_redis_url_addr(&rc->url, &addr, err, sizeof(err)) == -1)
		tw_errx(1, "%s: %s", spec, err);
	if (rc->url.key[0] == '\0')
		tw_errx(1, "%s: no key (redis://HOST:PORT/KEY or "
		    "unix:PATH#KEY)", spec);
	if ((rc->r = tw_reactor_create(NULL)) == NULL)
		tw_err(1, "cannot create the reactor");
	tw_redis_opts_init(&o);
	o.state = rstate;
	o.data = rc;
	o.max_reply = REDIS_REPLY_MAX;
	if ((rc->c = tw_redis_create(rc->r, &addr, &o)) == NULL)
		tw_err(1, "cannot create the Redis client");
	if (tw_reactor_run(rc->r) == -1)	/* until it is up */
		tw_err(1, "event loop");
}

/*
 * Send argv[0..argc) and run the loop until the reply, which fn reads (it
 * is valid during the call only). An error reply exits 1.
 */
static void
rcall(struct rconn *rc, void (*fn)(const tw_resp *, void *), void *arg,
    int argc, const char *const argv[])
{
	size_t argl[32];
	int i;

	if (argc > 32)
		tw_errx(2, "too many arguments");
	for (i = 0; i < argc; i++)
		argl[i] = strlen(argv[i]);
	rc->fn = fn;
	rc->arg = arg;
	if (tw_redis_command(rc->c, rreply, rc, argc, argv, argl) == -1)
		tw_err(1, "%s", rc->spec);
	if (tw_reactor_run(rc->r) == -1)
		tw_err(1, "event loop");
}

static void
rclose(struct rconn *rc)
{
	tw_redis_free(rc->c);
	tw_reactor_destroy(rc->r);
}

/* The hash: its pair, and reserved in served; found 0 if it is missing. */
struct rhash {
	struct rconn *rc;
	tw_fibstate st;
	int found;
};

/*
 * HGETALL's reply into h, checked as a state file's keys are: exactly a,
 * b and reserved, each valid. A defect exits 1 with "URL: reason".
 */
static void
read_hash(const tw_resp *reply, void *arg)
{
	static const char *const keys[] = { "a", "b", "reserved" };
	struct rhash *h = arg;
	const char *spec = h->rc->spec;
	char err[512];
	int seen[3] = { 0, 0, 0 };
	size_t i, k;

	if ((reply->type != TW_RESP_ARRAY && reply->type != TW_RESP_MAP) ||
	    reply->n % 2 != 0)
		tw_errx(1, "%s: unexpected reply to HGETALL", spec);
	if (reply->n == 0)
		return;		/* no such key */
	h->found = 1;
	for (i = 0; i < reply->n; i += 2) {
		const tw_resp *f = &reply->elem[i], *v = &reply->elem[i + 1];

		if (f->type != TW_RESP_STRING || v->type != TW_RESP_STRING)
			tw_errx(1, "%s: unexpected reply to HGETALL", spec);
		for (k = 0; k < 3; k++)
			if (strcmp(f->str, keys[k]) == 0)
				break;
		if (k == 3)
			tw_errx(1, "%s: unknown field '%s'", spec, f->str);
		seen[k] = 1;
		/* reserved is checked as a file's served: a count. */
		if (tw_fibstate_set(&h->st, k == 2 ? "served" : keys[k],
		    v->str, err, sizeof(err)) == -1)
			tw_errx(1, "%s: %s", spec, k == 2 ?
			    "reserved: not a count of numbers" : err);
	}
	for (k = 0; k < 3; k++)
		if (!seen[k])
			tw_errx(1, "%s: missing field '%s'", spec, keys[k]);
}

/* Read and check the hash at spec, or exit 1 (a missing key too). */
static void
rread_or_die(struct rconn *rc, tw_fibstate *st, const char *spec)
{
	struct rhash h;
	const char *argv[2];

	ropen(rc, spec);
	memset(&h, 0, sizeof(h));
	h.rc = rc;
	tw_fibstate_init(&h.st);
	argv[0] = "HGETALL";
	argv[1] = rc->url.key;
	rcall(rc, read_hash, &h, 2, argv);
	if (!h.found)
		tw_errx(1, "%s: no such key (create it with: fib-snapshot "
		    "init %s)", spec, spec);
	*st = h.st;
}

/* EVAL's answer: 1 done, 0 refused (the script's own reason). */
static void
read_int(const tw_resp *reply, void *arg)
{
	long long *v = arg;

	*v = reply->type == TW_RESP_INTEGER ? reply->integer : -1;
}

/*
 * Create the hash, atomically: refused (0) when the key exists, unless
 * --force, which replaces it.
 */
static const char init_script[] =
    "if redis.call('EXISTS', KEYS[1]) == 1 then "
    "  if ARGV[3] ~= 'force' then return 0 end "
    "  redis.call('DEL', KEYS[1]) "
    "end "
    "redis.call('HSET', KEYS[1], 'a', ARGV[1], 'b', ARGV[2], "
    "'reserved', '0') "
    "return 1";

/* Set fields of an existing hash, atomically; 0 if there is none. */
static const char set_script[] =
    "if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end "
    "redis.call('HSET', KEYS[1], unpack(ARGV)) "
    "return 1";

static void
rinit(const char *spec, const tw_fibstate *st, int force)
{
	struct rconn rc;
	char *a, *b;
	const char *argv[7];
	long long done = -1;

	ropen(&rc, spec);
	a = big_text(&st->a);
	b = big_text(&st->b);
	argv[0] = "EVAL";
	argv[1] = init_script;
	argv[2] = "1";
	argv[3] = rc.url.key;
	argv[4] = a;
	argv[5] = b;
	argv[6] = force ? "force" : "";
	rcall(&rc, read_int, &done, 7, argv);
	if (done == 0)
		tw_errx(1, "%s exists (use --force to replace it)", spec);
	if (done != 1)
		tw_errx(1, "%s: unexpected reply to EVAL", spec);
	free(a);
	free(b);
	rclose(&rc);
}

/*
 * set on a hash: a, b and reserved, every value checked before Redis is
 * asked, then one atomic HSET of them all (refused if there is no hash).
 */
static int
rset(const char *spec, int n, char *assign[])
{
	struct rconn rc;
	const char *argv[32];
	char err[512], *eq;
	long long done = -1;
	int i, argc = 0;

	if (n > 14)
		tw_errx(1, "set: too many assignments");
	for (i = 0; i < n; i++) {
		if ((eq = strchr(assign[i], '=')) == NULL)
			tw_errx(1, "set: '%s' is not KEY=VALUE", assign[i]);
		*eq = '\0';
		if (strcmp(assign[i], "a") != 0 &&
		    strcmp(assign[i], "b") != 0 &&
		    strcmp(assign[i], "reserved") != 0)
			tw_errx(1, "set: unknown key '%s' (a, b, reserved)",
			    assign[i]);
		/* reserved is a count, as served is, that HINCRBY can add to. */
		if (strcmp(assign[i], "reserved") == 0 &&
		    (strlen(eq + 1) > 18 ||
		    tw_fibstate_check_value("served", eq + 1, err,
		    sizeof(err)) == -1))
			tw_errx(1, "set: reserved: bad count '%s'", eq + 1);
		if (strcmp(assign[i], "reserved") != 0 &&
		    tw_fibstate_check_value(assign[i], eq + 1, err,
		    sizeof(err)) == -1)
			tw_errx(1, "set: %s", err);
	}
	ropen(&rc, spec);
	argv[argc++] = "EVAL";
	argv[argc++] = set_script;
	argv[argc++] = "1";
	argv[argc++] = rc.url.key;
	for (i = 0; i < n; i++) {
		argv[argc++] = assign[i];
		argv[argc++] = assign[i] + strlen(assign[i]) + 1;
	}
	rcall(&rc, read_int, &done, argc, argv);
	if (done == 0)
		tw_errx(1, "%s: no such key (create it with: fib-snapshot "
		    "init %s)", spec, spec);
	if (done != 1)
		tw_errx(1, "%s: unexpected reply to EVAL", spec);
	rclose(&rc);
	return 0;
}

/* ------------------------------------------------------------ commands */

static int
cmd_init(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "a", required_argument, NULL, 'a' },
		{ "b", required_argument, NULL, 'b' },
		{ "index", required_argument, NULL, 'i' },
		{ "listen", required_argument, NULL, 'l' },
		{ "force", no_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *a = NULL, *b = NULL, *listen = NULL, *errstr, *path;
	long long index = -1;
	int ch, force = 0;
	char err[512];
	tw_fibstate st;
	struct stat sb;

	while ((ch = next_opt(argc, argv, ":h", longopts)) != -1) {
		switch (ch) {
		case 'a':
			a = optarg;
			break;
		case 'b':
			b = optarg;
			break;
		case 'f':
			force = 1;
			break;
		case 'i':
			index = tw_strtonum(optarg, 0, INDEX_MAX, &errstr);
			if (errstr != NULL)
				tw_errx(2, "--index %s: %s (0 to %d)", optarg,
				    errstr, INDEX_MAX);
			break;
		case 'l':
			listen = optarg;
			break;
		}
	}
	argc -= optind;
	argv += optind;
	if (argc != 1 || (a == NULL) != (b == NULL) ||
	    (a != NULL && index != -1))
		usage(stderr, 2);
	path = argv[0];

	tw_fibstate_init(&st);
	if (a != NULL) {
		if (tw_fibstate_set(&st, "a", a, err, sizeof(err)) == -1 ||
		    tw_fibstate_set(&st, "b", b, err, sizeof(err)) == -1)
			tw_errx(2, "%s", err);
	} else if (tw_big_fib(&st.a, &st.b, index == -1 ? 1 :
	    (uint64_t)index) == -1)
		tw_err(1, "F(%lld)", index);
	if (is_redis(path)) {
		/* Each fib-serve on a hash says where it listens. */
		if (listen != NULL)
			tw_errx(2, "--listen: a Redis hash holds no address");
		rinit(path, &st, force);
		tw_fibstate_free(&st);
		return 0;
	}
	if (listen != NULL &&
	    tw_fibstate_set(&st, "listen", listen, err, sizeof(err)) == -1)
		tw_errx(2, "%s", err);

	(void)tw_lock_state_or_die(path);	/* held until exit */
	if (!force && lstat(path, &sb) == 0)
		tw_errx(1, "%s exists (use --force to replace it)", path);
	write_or_die(&st, path);
	tw_fibstate_free(&st);
	return 0;
}

static int
cmd_show(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	int ch, json = 0, have_index, redis;
	char *a, *b, *next;
	tw_fibstate st, srv;
	struct rconn rc;
	uint64_t index = 0;
	tw_big n;
	size_t digits;

	while ((ch = next_opt(argc, argv, ":h", longopts)) != -1)
		if (ch == 'j')
			json = 1;
	argc -= optind;
	argv += optind;
	if (argc != 1)
		usage(stderr, 2);

	if ((redis = is_redis(argv[0])) != 0) {
		rread_or_die(&rc, &st, argv[0]);
		rclose(&rc);
	} else {
		read_or_die(&st, argv[0]);
	}
	/*
	 * The next number a server serves: past the reserve it skips, or
	 * the first of the next block reserved from the hash.
	 */
	tw_fibstate_init(&srv);
	if (tw_fibstate_copy(&srv, &st) == -1)
		tw_err(1, "out of memory");
	if (!redis)
		advance_or_die(&srv, argv[0]);
	else if (tw_big_advance(&srv.a, &srv.b, st.served) == -1)
		tw_err(1, "out of memory");
	tw_big_init(&n);
	if (tw_big_copy(&n, &srv.a) == -1 || tw_big_add(&n, &srv.b) == -1 ||
	    (have_index = tw_big_fib_index(&st.a, &st.b, &index)) == -1)
		tw_err(1, "out of memory");
	tw_fibstate_free(&srv);
	a = big_text(&st.a);
	b = big_text(&st.b);
	next = big_text(&n);
	digits = strlen(next);

	if (json && redis) {
		printf("{\"a\":\"%s\",\"b\":\"%s\",\"reserved\":%llu,"
		    "\"next\":\"%s\",\"digits\":%zu,\"index\":", a, b,
		    (unsigned long long)st.served, next, digits);
		if (have_index)
			printf("%llu}\n", (unsigned long long)index);
		else
			puts("null}");
	} else if (json) {
		printf("{\"fib-state\":1,\"a\":\"%s\",\"b\":\"%s\","
		    "\"served\":%llu,\"reserve\":%llu,\"listen\":", a, b,
		    (unsigned long long)st.served,
		    (unsigned long long)st.reserve);
		if (st.listen[0] != '\0')
			json_string(st.listen);
		else
			fputs("null", stdout);
		printf(",\"next\":\"%s\",\"digits\":%zu,\"index\":", next,
		    digits);
		if (have_index)
			printf("%llu}\n", (unsigned long long)index);
		else
			puts("null}");
	} else {
		if (redis)
			printf("a: %s\nb: %s\nreserved: %llu\n", a, b,
			    (unsigned long long)st.served);
		else
			printf("fib-state: 1\na: %s\nb: %s\nserved: %llu\n"
			    "reserve: %llu\n", a, b,
			    (unsigned long long)st.served,
			    (unsigned long long)st.reserve);
		if (st.listen[0] != '\0')
			printf("listen: %s\n", st.listen);
		if (digits > SHOW_DIGITS)
			printf("next: %.30s...%s (%zu digits)\n", next,
			    next + digits - 30, digits);
		else
			printf("next: %s\n", next);
		if (have_index)
			printf("index: %llu\n", (unsigned long long)index);
	}
	flush_or_die();
	free(a);
	free(b);
	free(next);
	tw_big_free(&n);
	tw_fibstate_free(&st);
	return 0;
}

static int
cmd_check(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	tw_fibstate st;

	while (next_opt(argc, argv, ":h", longopts) != -1)
		;
	argc -= optind;
	argv += optind;
	if (argc != 1)
		usage(stderr, 2);
	if (is_redis(argv[0])) {
		struct rconn rc;

		rread_or_die(&rc, &st, argv[0]);
		rclose(&rc);
	} else {
		read_or_die(&st, argv[0]);
	}
	tw_fibstate_free(&st);
	return 0;
}

static int
cmd_set(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *path;
	char err[512], key[16];
	tw_fibstate st;
	int i;

	/* "+": a value is never taken for an option. */
	while (next_opt(argc, argv, "+:h", longopts) != -1)
		;
	argc -= optind;
	argv += optind;
	if (argc < 2)
		usage(stderr, 2);
	path = argv[0];
	if (is_redis(path))
		return rset(path, argc - 1, argv + 1);

	/* Every assignment is checked before the file is touched. */
	for (i = 1; i < argc; i++) {
		const char *eq = strchr(argv[i], '=');
		size_t klen = eq != NULL ? (size_t)(eq - argv[i]) : 0;

		if (eq == NULL)
			tw_errx(1, "set: '%s' is not KEY=VALUE", argv[i]);
		if (klen >= sizeof(key))
			klen = sizeof(key) - 1;
		memcpy(key, argv[i], klen);
		key[klen] = '\0';
		if (strcmp(key, "listen") == 0 && eq[1] == '\0')
			continue;	/* listen= removes it */
		if (tw_fibstate_check_value(key, eq + 1, err,
		    sizeof(err)) == -1)
			tw_errx(1, "set: %s", err);
	}

	(void)tw_lock_state_or_die(path);	/* held until exit */
	read_or_die(&st, path);
	for (i = 1; i < argc; i++) {
		const char *eq = strchr(argv[i], '=');
		size_t klen = (size_t)(eq - argv[i]);

		if (klen >= sizeof(key))
			klen = sizeof(key) - 1;
		memcpy(key, argv[i], klen);
		key[klen] = '\0';
		if (strcmp(key, "listen") == 0 && eq[1] == '\0')
			st.listen[0] = '\0';
		else if (tw_fibstate_set(&st, key, eq + 1, err,
		    sizeof(err)) == -1)
			tw_errx(1, "set: %s", err);
	}
	write_or_die(&st, path);
	tw_fibstate_free(&st);
	return 0;
}

static int
cmd_next(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	long long count = 1, i;
	const char *errstr;
	tw_fibstate st;
	char *buf = NULL;
	size_t cap = 0;
	int ch;

	while ((ch = next_opt(argc, argv, ":hn:", longopts)) != -1) {
		if (ch == 'n') {
			count = tw_strtonum(optarg, 0, 1000000000000LL, &errstr);
			if (errstr != NULL)
				tw_errx(2, "-n %s: %s", optarg, errstr);
		}
	}
	argc -= optind;
	argv += optind;
	if (argc != 1)
		usage(stderr, 2);

	if (is_redis(argv[0])) {
		struct rconn rc;

		/* What the next block reserved would serve first. */
		rread_or_die(&rc, &st, argv[0]);
		rclose(&rc);
		if (tw_big_advance(&st.a, &st.b, st.served) == -1)
			tw_err(1, "out of memory");
	} else {
		read_or_die(&st, argv[0]);
		advance_or_die(&st, argv[0]);
	}
	for (i = 0; i < count; i++) {
		size_t n;

		if (tw_fibstate_advance(&st, 1) == -1)	/* ENOMEM, EOVERFLOW */
			tw_err(1, "%s", argv[0]);
		n = tw_big_digits(&st.b) + 1;
		if (n > cap) {
			free(buf);
			cap = n * 2;
			if ((buf = malloc(cap)) == NULL)
				tw_err(1, "malloc");
		}
		n = tw_big_print(&st.b, buf);
		buf[n++] = '\n';
		if (fwrite(buf, 1, n, stdout) != n)
			stdout_failed();
	}
	flush_or_die();
	free(buf);
	tw_fibstate_free(&st);
	return 0;
}
