/*
 * reactor.c - micro-benchmark of libtwirl's event loop.
 *
 * What it measures, one figure a line:
 *
 *   timers    1,000,000 caller-owned timers armed at random delays of 0 to
 *             10 ms, timed from the first tw_call_later() until the last one
 *             fires: the heap's cost per timer, arming plus expiry. The
 *             time includes waiting out the last deadline (at most 10 ms).
 *   rearm     1,000,000 firings of timers that re-arm themselves at delay 0
 *             from their own callback. With 1 timer every firing is a loop
 *             turn, so this is the cost of a turn with a due timer (one
 *             non-blocking wait in the kernel each); with 1,000 timers the
 *             turn is shared and the heap dominates.
 *   pingpong  one 64-byte message bounced 200,000 times between two tw_io
 *             watchers across a socketpair: per round trip two writes, two
 *             waits, two dispatches, two reads.
 *   turn      tw_reactor_turn(r, 0) with one descriptor that is always
 *             readable (so every turn dispatches exactly one callback), next
 *             to 0 and then 10,000 idle descriptors, under poll and under
 *             epoll. poll(2) pays for every watched descriptor on every turn,
 *             epoll only for the ready ones.
 *   ratio     poll's time per turn over epoll's, with 0 and 10,000 idle
 *             descriptors: how much the choice of backend matters.
 *
 * Every line reads "NAME: COUNT WHAT in SECONDS s: RATE UNIT" (the ratio
 * lines: "ratio: WHAT: NUMBER"), so grep by name. Times are wall clock on
 * CLOCK_MONOTONIC from a single run on whatever else the machine is doing:
 * compare runs on the same machine, not across machines. Timers and
 * ping-pong use the default backend (TWIRL_BACKEND overrides it), which the
 * first line names; where epoll is missing its lines say "not available"
 * and the ratios are left out. The whole run takes 10 to 15 seconds, most of them in
 * poll(2) over 10,000 descriptors (hence its fewer turns).
 */
#define _POSIX_C_SOURCE 200809L

#include <sys/resource.h>
#include <sys/socket.h>

#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "twirl.h"

#define NTIMERS		1000000L	/* timers at random delays */
#define MAX_DELAY_US	10000		/* their delays: 0 to 10 ms */
#define NREARM		1000000L	/* firings of re-arming timers */
#define NTRIPS		200000L		/* ping-pong round trips */
#define MSG_LEN		64		/* ping-pong message bytes */
#define NIDLE_PAIRS	5000		/* socketpairs: 10,000 fds */
#define NTURNS_POLL	2000L		/* turns: poll, idle fds */
#define NTURNS		100000L		/* turns: the others */

struct rearm {
	tw_reactor *r;
	long left;		/* re-arms still to do */
	long fired;
};

struct end {
	tw_io io;
	struct pingpong *pp;
	size_t got;		/* bytes of the current message read */
	char buf[MSG_LEN];
};

struct pingpong {
	struct end ping, pong;	/* ping counts round trips, pong echoes */
	tw_reactor *r;
	long trips, want;
};

static double	now(void);
static uint64_t	random64(void);
static tw_reactor *new_reactor(const char *);
static void	nonblocking(int);
static void	new_pair(int [2]);
static int	raise_nofile(int);
static void	bench_timers(long);
static void	count_cb(tw_timer *);
static void	bench_rearm(long, long);
static void	rearm_cb(tw_timer *);
static void	bench_pingpong(long);
static void	pingpong_cb(tw_io *, int);
static void	send_msg(struct end *);
static double	bench_turns(const char *, int (*)[2], int, long);
static void	busy_cb(tw_io *, int);

int
main(void)
{
	tw_reactor *r;
	int (*pairs)[2];
	int i, npairs;
	double poll_us, epoll_us;

	/* Line by line even into a pipe, so a slow run shows its progress. */
	setvbuf(stdout, NULL, _IOLBF, 0);

	r = new_reactor(NULL);
	printf("backend: %s for timers and pingpong\n", tw_reactor_backend(r));
	tw_reactor_destroy(r);

	bench_timers(NTIMERS);
	bench_rearm(NREARM, 1);
	bench_rearm(NREARM, 1000);
	bench_pingpong(NTRIPS);

	poll_us = bench_turns("poll", NULL, 0, NTURNS);
	epoll_us = bench_turns("epoll", NULL, 0, NTURNS);
	if (epoll_us > 0)
		printf("ratio: poll/epoll per turn, 0 idle fds: %.1f\n",
		    poll_us / epoll_us);

	/*
	 * The same idle descriptors serve both backends, watched by one
	 * reactor at a time; the limit leaves room for stdio, the busy pair
	 * and the epoll descriptor.
	 */
	npairs = (raise_nofile(2 * NIDLE_PAIRS + 32) - 32) / 2;
	if (npairs > NIDLE_PAIRS)
		npairs = NIDLE_PAIRS;
	if (npairs < 1)
		errx(1, "too few descriptors allowed for the idle test");
	if ((pairs = calloc((size_t)npairs, sizeof(*pairs))) == NULL)
		err(1, "calloc");
	for (i = 0; i < npairs; i++)
		new_pair(pairs[i]);
	poll_us = bench_turns("poll", pairs, npairs, NTURNS_POLL);
	epoll_us = bench_turns("epoll", pairs, npairs, NTURNS);
	if (epoll_us > 0)
		printf("ratio: poll/epoll per turn, %d idle fds: %.1f\n",
		    2 * npairs, poll_us / epoll_us);
	for (i = 0; i < npairs; i++) {
		close(pairs[i][0]);
		close(pairs[i][1]);
	}
	free(pairs);
	return 0;
}

static double
now(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) == -1)
		err(1, "clock_gettime");
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* xorshift64: the same delays on every run and every libc. */
static uint64_t
random64(void)
{
	static uint64_t x = 0x9e3779b97f4a7c15u;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return x;
}

static tw_reactor *
new_reactor(const char *backend)
{
	tw_reactor *r;

	if ((r = tw_reactor_create(backend)) == NULL)
		err(1, "tw_reactor_create %s", backend ? backend : "(default)");
	return r;
}

static void
nonblocking(int fd)
{
	int fl;

	if ((fl = fcntl(fd, F_GETFL)) == -1 ||
	    fcntl(fd, F_SETFL, fl | O_NONBLOCK) == -1)
		err(1, "fcntl");
}

static void
new_pair(int sv[2])
{
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == -1)
		err(1, "socketpair");
	nonblocking(sv[0]);
	nonblocking(sv[1]);
}

/*
 * Raise the soft limit on descriptors towards want, as far as the hard
 * limit allows; return the limit now in force.
 */
static int
raise_nofile(int want)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1)
		err(1, "getrlimit");
	if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < (rlim_t)want) {
		/* An infinite hard limit is not a value setrlimit takes. */
		rl.rlim_cur = rl.rlim_max == RLIM_INFINITY ? (rlim_t)want :
		    rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) == -1)
			err(1, "setrlimit");
	}
	if (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur > (rlim_t)want)
		return want;
	return (int)rl.rlim_cur;
}

/* ------------------------------------------------------------- timers */

static void
bench_timers(long n)
{
	tw_reactor *r = new_reactor(NULL);
	tw_timer *t;
	long i, fired = 0;
	double start, secs;

	if ((t = calloc((size_t)n, sizeof(*t))) == NULL)
		err(1, "calloc");
	start = now();
	for (i = 0; i < n; i++) {
		double delay = (double)(random64() % (MAX_DELAY_US + 1)) / 1e6;

		tw_timer_init(&t[i], count_cb, &fired);
		if (tw_call_later(r, &t[i], delay) == -1)
			err(1, "tw_call_later");
	}
	if (tw_reactor_run(r) == -1)
		err(1, "tw_reactor_run");
	secs = now() - start;
	if (fired != n)
		errx(1, "timers: %ld of %ld fired", fired, n);
	printf("timers: %ld scheduled and fired in %.3f s: %.0f per second\n",
	    n, secs, (double)n / secs);
	tw_reactor_destroy(r);
	free(t);
}

static void
count_cb(tw_timer *t)
{
	(*(long *)t->data)++;
}

static void
bench_rearm(long total, long ntimers)
{
	struct rearm ra;
	tw_timer *t;
	long i;
	double start, secs;

	memset(&ra, 0, sizeof(ra));
	ra.r = new_reactor(NULL);
	ra.left = total - ntimers;	/* the first arming is a firing too */
	if ((t = calloc((size_t)ntimers, sizeof(*t))) == NULL)
		err(1, "calloc");
	start = now();
	for (i = 0; i < ntimers; i++) {
		tw_timer_init(&t[i], rearm_cb, &ra);
		if (tw_call_later(ra.r, &t[i], 0) == -1)
			err(1, "tw_call_later");
	}
	if (tw_reactor_run(ra.r) == -1)
		err(1, "tw_reactor_run");
	secs = now() - start;
	if (ra.fired != total)
		errx(1, "rearm: %ld of %ld fired", ra.fired, total);
	printf("rearm: %ld firings of %ld self-rearming timer%s in %.3f s: "
	    "%.0f per second\n", total, ntimers, ntimers == 1 ? "" : "s",
	    secs, (double)total / secs);
	tw_reactor_destroy(ra.r);
	free(t);
}

static void
rearm_cb(tw_timer *t)
{
	struct rearm *ra = t->data;

	ra->fired++;
	if (ra->left > 0) {
		ra->left--;
		if (tw_call_later(ra->r, t, 0) == -1)
			err(1, "tw_call_later");
	}
}

/* ----------------------------------------------------------- ping-pong */

static void
bench_pingpong(long want)
{
	struct pingpong pp;
	int sv[2];
	double start, secs;

	memset(&pp, 0, sizeof(pp));
	pp.r = new_reactor(NULL);
	pp.want = want;
	new_pair(sv);
	pp.ping.pp = pp.pong.pp = &pp;
	tw_io_init(&pp.ping.io, sv[0], pingpong_cb, &pp.ping);
	tw_io_init(&pp.pong.io, sv[1], pingpong_cb, &pp.pong);
	if (tw_io_start(pp.r, &pp.ping.io, TW_READ) == -1 ||
	    tw_io_start(pp.r, &pp.pong.io, TW_READ) == -1)
		err(1, "tw_io_start");
	memset(pp.ping.buf, 'x', sizeof(pp.ping.buf));

	start = now();
	send_msg(&pp.ping);
	/* Runs until the last round trip stops both watchers. */
	if (tw_reactor_run(pp.r) == -1)
		err(1, "tw_reactor_run");
	secs = now() - start;
	if (pp.trips != want)
		errx(1, "pingpong: %ld of %ld round trips", pp.trips, want);
	printf("pingpong: %ld round trips in %.3f s: %.0f per second\n",
	    want, secs, (double)want / secs);
	tw_reactor_destroy(pp.r);
	close(sv[0]);
	close(sv[1]);
}

/* Read the message; once whole, echo it (pong) or count a trip (ping). */
static void
pingpong_cb(tw_io *io, int events)
{
	struct end *e = io->data;
	struct pingpong *pp = e->pp;
	ssize_t n;

	(void)events;	/* an error or hang-up shows up in the read */
	n = read(io->fd, e->buf + e->got, sizeof(e->buf) - e->got);
	if (n == -1) {
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
			return;
		err(1, "pingpong: read");
	}
	if (n == 0)
		errx(1, "pingpong: unexpected end of file");
	if ((e->got += (size_t)n) < sizeof(e->buf))
		return;
	e->got = 0;
	if (e == &pp->ping && ++pp->trips == pp->want) {
		tw_io_stop(pp->r, &pp->ping.io);
		tw_io_stop(pp->r, &pp->pong.io);
		return;
	}
	send_msg(e);
}

/*
 * Only one message is ever in flight, so the socket's buffer is empty and
 * a 64-byte write is never short: no output queue needed.
 */
static void
send_msg(struct end *e)
{
	ssize_t n;

	if ((n = write(e->io.fd, e->buf, sizeof(e->buf))) == -1)
		err(1, "pingpong: write");
	if ((size_t)n != sizeof(e->buf))
		errx(1, "pingpong: short write");
}

/* ---------------------------------------------------------- loop turns */

/*
 * Time k turns of a fresh reactor on backend watching both ends of every
 * pair for reading, plus one descriptor with a byte never read, so that
 * level-triggering reports it on every turn. The busy descriptor is started
 * last: poll's scan for ready entries then walks the whole array, as it does
 * when the one active connection is the newest. Returns microseconds per
 * turn, or -1 when the system has no such backend (epoll off Linux).
 */
static double
bench_turns(const char *backend, int (*pairs)[2], int npairs, long k)
{
	tw_reactor *r;
	tw_io *idle = NULL, busy;
	int busy_fd[2], i;
	long fired = 0, turn;
	double start, secs, us;

	if ((r = tw_reactor_create(backend)) == NULL) {
		if (errno != EINVAL)
			err(1, "tw_reactor_create %s", backend);
		printf("turn: %s: not available\n", backend);
		return -1;
	}
	if (npairs > 0 &&
	    (idle = calloc(2 * (size_t)npairs, sizeof(*idle))) == NULL)
		err(1, "calloc");
	for (i = 0; i < 2 * npairs; i++) {
		tw_io_init(&idle[i], pairs[i / 2][i % 2], busy_cb, &fired);
		if (tw_io_start(r, &idle[i], TW_READ) == -1)
			err(1, "tw_io_start %s", backend);
	}
	new_pair(busy_fd);
	if (write(busy_fd[1], "x", 1) != 1)
		err(1, "write");
	tw_io_init(&busy, busy_fd[0], busy_cb, &fired);
	if (tw_io_start(r, &busy, TW_READ) == -1)
		err(1, "tw_io_start %s", backend);

	/* A few untimed turns first, to fault in the backend's arrays. */
	for (turn = 0; turn < k / 20; turn++)
		if (tw_reactor_turn(r, 0) == -1)
			err(1, "tw_reactor_turn %s", backend);
	fired = 0;
	start = now();
	for (turn = 0; turn < k; turn++)
		if (tw_reactor_turn(r, 0) == -1)
			err(1, "tw_reactor_turn %s", backend);
	secs = now() - start;
	/* Each turn must have found the busy descriptor and nothing else. */
	if (fired != k)
		errx(1, "turn: %s: %ld callbacks in %ld turns", backend,
		    fired, k);
	us = secs * 1e6 / (double)k;
	printf("turn: %s, %d idle fds: %ld turns in %.3f s: %.2f us per turn\n",
	    backend, 2 * npairs, k, secs, us);

	tw_io_stop(r, &busy);
	for (i = 0; i < 2 * npairs; i++)
		tw_io_stop(r, &idle[i]);
	tw_reactor_destroy(r);
	close(busy_fd[0]);
	close(busy_fd[1]);
	free(idle);
	return us;
}

/* Count, and leave the byte unread so the next turn reports it again. */
static void
busy_cb(tw_io *io, int events)
{
	(void)events;
	(*(long *)io->data)++;
}
