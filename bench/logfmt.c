/*
 * logfmt.c - how fast a custom log format splits lines, next to the
 * built-in Combined parser.
 *
 * What it measures, one figure a line:
 *
 *   combined  tw_logfmt_parse() with the "combined" preset on Combined
 *             lines: the built-in parser, what weblog-serve runs without
 *             --format, the yardstick
 *   nginx12   tw_logfmt_parse() with a custom nginx log_format of 12
 *             variables (combined, then $request_time
 *             $upstream_response_time $upstream_addr
 *             "$http_x_forwarded_for"), on lines in that format: line i is
 *             combined's line i with those four values appended, so each
 *             is about 45 bytes longer
 *   ratio     nginx12 over combined, in lines per second (the goal: at
 *             least 0.7)
 *
 * Both go through the same loop, the same call on the same lines but for
 * the four values, so the ratio is the custom format's cost alone.
 *
 * Every line reads "NAME: COUNT lines in SECONDS s: RATE lines/s, RATE
 * MB/s" (the ratio lines: "ratio: WHAT: NUMBER"); COUNT and SECONDS are
 * all the runs', the rates the best run's. The lines are NLINES made-up
 * but realistic ones (addresses, paths, query strings, referrers, a few
 * real user agents), generated in memory from a fixed seed, so nothing
 * is read from disk while timing. Each figure is the best of ROUNDS runs
 * of at least MIN_SECONDS each on CLOCK_MONOTONIC, the two kinds taking
 * turns, since the machine may be busy with other work: compare runs on
 * the same machine only.
 */
#define _POSIX_C_SOURCE 200809L

#include <err.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "weblog/logfmt.h"

#define NLINES		100000	/* distinct lines of each kind */
#define ROUNDS		3	/* best of */
#define MIN_SECONDS	1.0	/* per run */

#define NGINX12 "$remote_addr - $remote_user [$time_local] \"$request\" " \
	"$status $body_bytes_sent \"$http_referer\" \"$http_user_agent\" " \
	"$request_time $upstream_response_time $upstream_addr " \
	"\"$http_x_forwarded_for\""

struct lines {
	char *buf;
	size_t *off, *len;
	size_t bytes;
};

static uint64_t rng = 0x2545f4914f6cdd1dull;

static unsigned
rnd(unsigned n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (unsigned)(rng % n);
}

static const char *const agents[] = {
	"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
	    "(KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36",
	"Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 "
	    "Firefox/121.0",
	"Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) "
	    "AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 "
	    "Mobile/15E148 Safari/604.1",
	"curl/8.5.0",
	"Mozilla/5.0 (compatible; Googlebot/2.1; "
	    "+http://www.google.com/bot.html)",
};
static const char *const methods[] = { "GET", "GET", "GET", "POST", "HEAD" };
static const char *const dirs[] = {
	"", "static/", "api/v1/", "blog/2026/12/", "images/thumbs/",
};
static const int statuses[] = { 200, 200, 200, 200, 304, 301, 404, 500 };

static void
alloc_lines(struct lines *l)
{
	l->buf = malloc((size_t)NLINES * 512);
	l->off = malloc(NLINES * sizeof(size_t));
	l->len = malloc(NLINES * sizeof(size_t));
	if (l->buf == NULL || l->off == NULL || l->len == NULL)
		err(1, "malloc");
	l->bytes = 0;
}

/* Line i is the w bytes at l->buf + l->bytes. */
static void
add_line(struct lines *l, int i, int w)
{
	l->off[i] = l->bytes;
	l->len[i] = (size_t)w;
	l->bytes += (size_t)w;
}

/* NLINES Combined lines, and the same lines with the values nginx12 adds. */
static void
make_lines(struct lines *c, struct lines *x)
{
	size_t cap = (size_t)NLINES * 512;
	char *o;
	int i, w;

	alloc_lines(c);
	alloc_lines(x);
	for (i = 0; i < NLINES; i++) {
		o = c->buf + c->bytes;
		w = snprintf(o, cap - c->bytes, "%u.%u.%u.%u - %s "
		    "[02/Dec/2026:13:%02u:%02u +0000] \"%s /%spage%u.html%s "
		    "HTTP/1.1\" %d %u \"%s\" \"%s\"",
		    rnd(223) + 1, rnd(256), rnd(256), rnd(256),
		    rnd(10) ? "-" : "alice", rnd(60), rnd(60),
		    methods[rnd(5)], dirs[rnd(5)], rnd(100000),
		    rnd(3) ? "" : "?utm_source=news&id=12345",
		    statuses[rnd(8)], rnd(200000),
		    rnd(2) ? "-" : "https://www.example.com/start.html",
		    agents[rnd(5)]);
		memcpy(x->buf + x->bytes, o, (size_t)w);
		add_line(c, i, w);
		o = x->buf + x->bytes;
		w += snprintf(o + w, cap - x->bytes - (size_t)w,
		    " 0.%03u 0.%03u 10.0.0.%u:8080 \"%s\"", rnd(1000),
		    rnd(1000), rnd(250), rnd(2) ? "-" : "198.51.100.7");
		add_line(x, i, w);
	}
}

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* What one kind of line has given so far. */
struct tally {
	const char *name;
	const struct lines *l;
	const tw_logfmt *f;
	double best, elapsed;	/* lines/s of the best round; seconds */
	long total, sink;	/* lines split; lines that parsed */
};

/*
 * One round: lines per second that t->f splits, for at least MIN_SECONDS.
 * Every line must parse (the results are summed and checked, which also
 * keeps the compiler from dropping the calls).
 */
static void
round_of(struct tally *t)
{
	double t0, dt, rate;
	long passes = 0;
	tw_logrec r;
	int i;

	t0 = now();
	do {
		for (i = 0; i < NLINES; i++)
			t->sink += tw_logfmt_parse(t->f, &r,
			    t->l->buf + t->l->off[i], t->l->len[i]);
		passes++;
		dt = now() - t0;
	} while (dt < MIN_SECONDS);
	t->total += passes * NLINES;
	t->elapsed += dt;
	rate = (double)passes * NLINES / dt;
	if (rate > t->best)
		t->best = rate;
}

static void
report(const struct tally *t)
{
	if (t->sink != t->total)
		errx(1, "%s: not every line parsed", t->name);
	printf("%s: %ld lines in %.2f s: %.0f lines/s, %.0f MB/s\n", t->name,
	    t->total, t->elapsed, t->best,
	    t->best * ((double)t->l->bytes / NLINES) / 1e6);
}

int
main(void)
{
	struct lines combined, custom;
	char why[256];
	tw_logfmt *preset, *nginx;
	struct tally pre = { "combined", NULL, NULL, 0, 0, 0, 0 };
	struct tally ngx = { "nginx12", NULL, NULL, 0, 0, 0, 0 };
	int round;

	if ((preset = tw_logfmt_compile("combined", why, sizeof(why))) == NULL)
		errx(1, "combined: %s", why);
	if ((nginx = tw_logfmt_compile(NGINX12, why, sizeof(why))) == NULL)
		errx(1, "nginx12: %s", why);
	make_lines(&combined, &custom);
	pre.l = &combined;
	pre.f = preset;
	ngx.l = &custom;
	ngx.f = nginx;
	printf("lines: %d of each kind, %.0f and %.0f bytes on average\n",
	    NLINES, (double)combined.bytes / NLINES,
	    (double)custom.bytes / NLINES);
	/* The two take turns, so a busy spell of the machine hits both. */
	for (round = 0; round < ROUNDS; round++) {
		round_of(&pre);
		round_of(&ngx);
	}
	report(&pre);
	report(&ngx);
	printf("ratio: nginx12/combined: %.2f\n", ngx.best / pre.best);
	tw_logfmt_free(preset);
	tw_logfmt_free(nginx);
	free(combined.buf);
	free(combined.off);
	free(combined.len);
	free(custom.buf);
	free(custom.off);
	free(custom.len);
	return 0;
}
