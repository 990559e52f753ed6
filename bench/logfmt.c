/*
 * logfmt.c - how fast the log-format matcher splits lines, next to clf.c.
 *
 * What it measures, one figure a line:
 *
 *   clf       tw_clf_parse() on Combined lines: the built-in parser that
 *             weblog-serve uses today, the yardstick
 *   combined  tw_logfmt_parse() with the "combined" preset, same lines
 *   nginx12   tw_logfmt_parse() with a custom nginx log_format of 12
 *             variables (combined, then $request_time
 *             $upstream_response_time $upstream_addr
 *             "$http_x_forwarded_for"), on lines in that format: the same
 *             lines as above with those four values appended, so each is
 *             about 45 bytes longer
 *   ratio     nginx12 and combined over clf, in lines per second (the goal
 *             for nginx12: at least 0.7)
 *
 * Every line reads "NAME: COUNT lines in SECONDS s: RATE lines/s, RATE
 * MB/s" (the ratio lines: "ratio: WHAT: NUMBER"); COUNT and SECONDS are
 * all the runs', the rates the best run's. The lines are NLINES made-up
 * but realistic ones (addresses, paths, query strings, referrers, a few
 * real user agents), generated in memory from a fixed seed, so nothing
 * is read from disk while timing. Each figure is the best of ROUNDS runs
 * of at least MIN_SECONDS each on CLOCK_MONOTONIC, since the machine may
 * be busy with other work: compare runs on the same machine only.
 */
#define _POSIX_C_SOURCE 200809L

#include <err.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "weblog/clf.h"
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

/* NLINES lines; with extra, the four values nginx12 adds. */
static void
make_lines(struct lines *l, int extra)
{
	size_t cap = (size_t)NLINES * 512, n = 0;
	char *o;
	int i, w;

	l->buf = malloc(cap);
	l->off = malloc(NLINES * sizeof(size_t));
	l->len = malloc(NLINES * sizeof(size_t));
	if (l->buf == NULL || l->off == NULL || l->len == NULL)
		err(1, "malloc");
	rng = 0x2545f4914f6cdd1dull;	/* both sets share their lines */
	for (i = 0; i < NLINES; i++) {
		o = l->buf + n;
		w = snprintf(o, cap - n, "%u.%u.%u.%u - %s "
		    "[02/Dec/2026:13:%02u:%02u +0000] \"%s /%spage%u.html%s "
		    "HTTP/1.1\" %d %u \"%s\" \"%s\"",
		    rnd(223) + 1, rnd(256), rnd(256), rnd(256),
		    rnd(10) ? "-" : "alice", rnd(60), rnd(60),
		    methods[rnd(5)], dirs[rnd(5)], rnd(100000),
		    rnd(3) ? "" : "?utm_source=news&id=12345",
		    statuses[rnd(8)], rnd(200000),
		    rnd(2) ? "-" : "https://www.example.com/start.html",
		    agents[rnd(5)]);
		if (extra)
			w += snprintf(o + w, cap - n - (size_t)w,
			    " 0.%03u 0.%03u 10.0.0.%u:8080 \"%s\"", rnd(1000),
			    rnd(1000), rnd(250), rnd(2) ? "-" : "198.51.100.7");
		l->off[i] = n;
		l->len[i] = (size_t)w;
		n += (size_t)w;
	}
	l->bytes = n;
}

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/*
 * Lines per second, best of ROUNDS; f NULL means tw_clf_parse(). Every
 * line must parse (each call's result is summed and checked, which also
 * keeps the compiler from dropping the calls).
 */
static double
measure(const char *name, const struct lines *l, const tw_logfmt *f)
{
	double best = 0, elapsed = 0, t0, t, rate;
	long passes, total = 0, sink = 0;
	int round, i;
	tw_logrec r;
	tw_clf c;

	for (round = 0; round < ROUNDS; round++) {
		passes = 0;
		t0 = now();
		do {
			for (i = 0; i < NLINES; i++)
				sink += f == NULL ?
				    tw_clf_parse(&c, l->buf + l->off[i],
				    l->len[i]) :
				    tw_logfmt_parse(f, &r, l->buf + l->off[i],
				    l->len[i]);
			passes++;
			t = now() - t0;
		} while (t < MIN_SECONDS);
		total += passes * NLINES;
		elapsed += t;
		rate = (double)passes * NLINES / t;
		if (rate > best)
			best = rate;
	}
	if (sink != total * (f == NULL ? TW_CLF_COMBINED : 1))
		errx(1, "%s: not every line parsed", name);
	printf("%s: %ld lines in %.2f s: %.0f lines/s, %.0f MB/s\n", name,
	    total, elapsed, best,
	    best * ((double)l->bytes / NLINES) / 1e6);
	return best;
}

int
main(void)
{
	struct lines combined, custom;
	char why[256];
	tw_logfmt *preset, *nginx;
	double clf, pre, ngx;

	if ((preset = tw_logfmt_compile("combined", why, sizeof(why))) == NULL)
		errx(1, "combined: %s", why);
	if ((nginx = tw_logfmt_compile(NGINX12, why, sizeof(why))) == NULL)
		errx(1, "nginx12: %s", why);
	make_lines(&combined, 0);
	make_lines(&custom, 1);
	printf("lines: %d of each kind, %.0f and %.0f bytes on average\n",
	    NLINES, (double)combined.bytes / NLINES,
	    (double)custom.bytes / NLINES);
	clf = measure("clf", &combined, NULL);
	pre = measure("combined", &combined, preset);
	ngx = measure("nginx12", &custom, nginx);
	printf("ratio: combined/clf: %.2f\n", pre / clf);
	printf("ratio: nginx12/clf: %.2f\n", ngx / clf);
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
