/*
 * weblog_load - load generator for weblog-serve: many clients, one writer.
 *
 *   weblog_load -a ADDRESS -f FILE [-c CLIENTS] burst [-n LINES]
 *   weblog_load -a ADDRESS -f FILE [-c CLIENTS] rate [-R LINES_PER_S] [-d SECONDS]
 *
 * weblog-serve must already follow FILE and listen on ADDRESS. The tool
 * connects CLIENTS clients (waiting for each one's <hits>), then appends
 * lines to FILE, each carrying the monotonic time it was written
 * ("ts=NANOSECONDS seq=N"), and reads every client's stream in its own
 * loop, counting hits and drops and, per hit, the latency from the write
 * to its arrival.
 *
 *   burst  write LINES lines at once; report hits delivered per second
 *          (all clients) from the write to the last client's last hit.
 *   rate   write LINES_PER_S lines a second (in 1 ms ticks) for SECONDS;
 *          report the latency percentiles over every hit of every client.
 */
#define _GNU_SOURCE

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "twirl.h"

struct client {
	struct load *ld;
	char line[256];		/* the partial line */
	size_t len;
	int started;		/* got <hits> */
	uint64_t hits, dropped;
};

struct load {
	tw_reactor *r;
	struct client *cl;
	int nclients, nmade, nstarted, nlost;
	int fd;			/* the followed file */
	uint64_t want;		/* lines written in all */
	uint64_t written;
	int done_clients;
	double t_write, t_done;
	uint32_t *lat;		/* microseconds */
	size_t nlat, latcap;
	tw_timer tick, deadline;
	double rate, duration, t_start;
	int rate_mode;
};

static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void
on_hit_line(struct client *c, const char *p, size_t n)
{
	struct load *ld = c->ld;
	const char *ts;

	if (n >= 6 && memcmp(p, "<hits>", 6) == 0) {
		c->started = 1;
		ld->nstarted++;
		return;
	}
	if (n >= 15 && memcmp(p, "<dropped count=", 15) == 0) {
		c->dropped += strtoull(p + 16, NULL, 10);
	} else if (n >= 5 && memcmp(p, "<hit>", 5) == 0) {
		c->hits++;
		if ((ts = memmem(p, n, "ts=", 3)) != NULL) {
			uint64_t t = strtoull(ts + 3, NULL, 10);
			uint64_t d = (now_ns() - t) / 1000;

			if (ld->nlat == ld->latcap) {
				ld->latcap = ld->latcap ? ld->latcap * 2 : 1 << 20;
				ld->lat = realloc(ld->lat, ld->latcap * sizeof(*ld->lat));
				if (ld->lat == NULL)
					abort();
			}
			ld->lat[ld->nlat++] = d > UINT32_MAX ? UINT32_MAX : (uint32_t)d;
		}
	} else {
		return;
	}
	if (ld->want > 0 && c->hits + c->dropped == ld->want &&
	    ++ld->done_clients == ld->nclients) {
		ld->t_done = tw_reactor_now(ld->r);
		tw_reactor_stop(ld->r);
	}
}

static void
c_data(tw_conn *conn, const char *buf, size_t n)
{
	struct client *c = conn->data;
	const char *p = buf, *end = buf + n, *nl;

	while (p < end && (nl = memchr(p, '\n', (size_t)(end - p))) != NULL) {
		if (c->len > 0) {
			size_t k = (size_t)(nl - p);

			if (c->len + k > sizeof(c->line))
				k = sizeof(c->line) - c->len;
			memcpy(c->line + c->len, p, k);
			on_hit_line(c, c->line, c->len + k);
			c->len = 0;
		} else {
			on_hit_line(c, p, (size_t)(nl - p));
		}
		p = nl + 1;
	}
	if (p < end) {
		size_t k = (size_t)(end - p);

		if (c->len + k > sizeof(c->line))
			k = sizeof(c->line) - c->len;
		memcpy(c->line + c->len, p, k);
		c->len += k;
	}
}

static void
c_made(tw_conn *conn)
{
	struct client *c = conn->data;

	c->ld->nmade++;
}

static void
c_lost(tw_conn *conn, int reason)
{
	struct client *c = conn->data;

	if (reason != 0)
		fprintf(stderr, "weblog_load: a client: %s\n", strerror(reason));
	c->ld->nlost++;
	if (c->ld->nlost == c->ld->nclients)
		tw_reactor_stop(c->ld->r);
}

static const tw_protocol proto = { c_made, c_data, c_lost, NULL, NULL, NULL };

static void
write_lines(struct load *ld, uint64_t n)
{
	static char buf[1 << 16];
	size_t len = 0;
	uint64_t t = now_ns(), i;

	for (i = 0; i < n; i++) {
		if (len > sizeof(buf) - 128) {
			if (write(ld->fd, buf, len) != (ssize_t)len)
				abort();
			len = 0;
		}
		len += (size_t)snprintf(buf + len, sizeof(buf) - len,
		    "ts=%llu seq=%llu\n", (unsigned long long)t,
		    (unsigned long long)ld->written++);
	}
	if (len > 0 && write(ld->fd, buf, len) != (ssize_t)len)
		abort();
}

static void
tick_cb(tw_timer *t)
{
	struct load *ld = t->data;
	double el = tw_reactor_now(ld->r) - ld->t_start;
	uint64_t due = (uint64_t)(el * ld->rate);

	if (due > ld->want)
		due = ld->want;
	if (due > ld->written)
		write_lines(ld, due - ld->written);
	if (ld->written < ld->want)
		tw_call_later(ld->r, &ld->tick, 0.001);
}

static void
deadline_cb(tw_timer *t)
{
	struct load *ld = t->data;

	fprintf(stderr, "weblog_load: deadline passed\n");
	tw_reactor_stop(ld->r);
}

static int
cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static void
usage(void)
{
	fprintf(stderr, "usage: weblog_load -a ADDRESS -f FILE [-c CLIENTS] "
	    "burst [-n LINES] | rate [-R LINES_PER_S] [-d SECONDS]\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	struct load ld;
	const char *addr = "127.0.0.1:8888", *file = NULL;
	uint64_t lines = 20000, hits = 0, dropped = 0;
	char err[128];
	tw_addr a;
	int ch, i;

	memset(&ld, 0, sizeof(ld));
	ld.nclients = 1000;
	ld.rate = 1000;
	ld.duration = 10;
	while ((ch = getopt(argc, argv, "a:c:d:f:n:R:")) != -1) {
		switch (ch) {
		case 'a': addr = optarg; break;
		case 'c': ld.nclients = atoi(optarg); break;
		case 'd': ld.duration = atof(optarg); break;
		case 'f': file = optarg; break;
		case 'n': lines = strtoull(optarg, NULL, 10); break;
		case 'R': ld.rate = atof(optarg); break;
		default: usage();
		}
	}
	if (optind < argc && strcmp(argv[optind], "rate") == 0)
		ld.rate_mode = 1;
	else if (optind < argc && strcmp(argv[optind], "burst") != 0)
		usage();
	if (file == NULL || ld.nclients < 1)
		usage();
	if (tw_addr_parse(&a, addr, err, sizeof(err)) == -1) {
		fprintf(stderr, "weblog_load: %s: %s\n", addr, err);
		return 1;
	}
	if ((ld.fd = open(file, O_WRONLY | O_APPEND)) == -1) {
		perror(file);
		return 1;
	}
	ld.r = tw_reactor_create(NULL);
	ld.cl = calloc((size_t)ld.nclients, sizeof(*ld.cl));
	tw_timer_init(&ld.deadline, deadline_cb, &ld);
	tw_call_later(ld.r, &ld.deadline, 60);
	for (i = 0; i < ld.nclients; i++) {
		ld.cl[i].ld = &ld;
		if (tw_connect(ld.r, &a, &proto, &ld.cl[i], 10) == NULL) {
			perror("connect");
			return 1;
		}
	}
	/* Every client in, with its <hits>: the server counts it. */
	while (ld.nstarted < ld.nclients && ld.nlost == 0)
		tw_reactor_turn(ld.r, 100);
	if (ld.nlost > 0)
		return 1;

	ld.t_start = ld.t_write = tw_reactor_now(ld.r);
	if (ld.rate_mode) {
		ld.want = (uint64_t)(ld.rate * ld.duration);
		tw_timer_init(&ld.tick, tick_cb, &ld);
		tw_call_later(ld.r, &ld.tick, 0);
	} else {
		ld.want = lines;
		write_lines(&ld, lines);
	}
	tw_reactor_run(ld.r);

	for (i = 0; i < ld.nclients; i++) {
		hits += ld.cl[i].hits;
		dropped += ld.cl[i].dropped;
	}
	printf("clients %d, lines %llu: %llu hits delivered, %llu dropped\n",
	    ld.nclients, (unsigned long long)ld.want,
	    (unsigned long long)hits, (unsigned long long)dropped);
	if (ld.done_clients < ld.nclients) {
		printf("incomplete: %d of %d clients finished\n",
		    ld.done_clients, ld.nclients);
		return 1;
	}
	if (!ld.rate_mode) {
		double el = ld.t_done - ld.t_write;

		printf("burst: %.3f s, %.0f hits/s delivered\n", el,
		    (double)hits / el);
	} else if (ld.nlat > 0) {
		qsort(ld.lat, ld.nlat, sizeof(*ld.lat), cmp_u32);
		printf("rate %.0f lines/s for %.0f s: latency us p50 %u, "
		    "p90 %u, p99 %u, p99.9 %u, max %u (%zu samples)\n",
		    ld.rate, ld.duration, ld.lat[ld.nlat / 2],
		    ld.lat[ld.nlat * 9 / 10], ld.lat[ld.nlat * 99 / 100],
		    ld.lat[ld.nlat * 999 / 1000], ld.lat[ld.nlat - 1],
		    ld.nlat);
	}
	free(ld.lat);
	free(ld.cl);
	tw_reactor_destroy(ld.r);
	close(ld.fd);
	return 0;
}
