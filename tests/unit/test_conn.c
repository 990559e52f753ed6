/*
 * test_conn.c - listeners, connections, backpressure, close and abort.
 */
#define _GNU_SOURCE

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tap.h"
#include "twirl.h"

/* A test's whole world: one reactor, a deadline, what each side saw. */
struct world {
	tw_reactor *r;
	tw_timer deadline;
	tw_listener *l;
	tw_conn *server, *client;
	int made_s, made_c, lost_s, lost_c, reason_s, reason_c;
	int high, low;
	char got[256];
	size_t ngot;
	size_t total;		/* bytes the client read */
	int bad_order;
	int timed_out;
	int eof_c;		/* the client saw end of file */
	size_t tell;		/* tell_made: bytes to say, */
	double close_in;	/* and the close's deadline */
};

static void
deadline_cb(tw_timer *t)
{
	struct world *w = t->data;

	w->timed_out = 1;
	tw_reactor_stop(w->r);
}

static void
world_init(struct world *w, double seconds)
{
	memset(w, 0, sizeof(*w));
	w->r = tw_reactor_create(NULL);
	w->reason_s = w->reason_c = -1;
	tw_timer_init(&w->deadline, deadline_cb, w);
	tw_call_later(w->r, &w->deadline, seconds);
}

static void
world_free(struct world *w)
{
	tw_reactor_destroy(w->r);
}

static void
addr_of(tw_addr *a, const char *s)
{
	char err[128];

	if (tw_addr_parse(a, s, err, sizeof(err)) == -1) {
		fprintf(stderr, "%s: %s\n", s, err);
		abort();
	}
}

/*
 * Listen at the address at with f, whose data is w; the address it bound
 * (port 0 made real) goes in bound. The listener, or NULL.
 */
static tw_listener *
world_listen(struct world *w, tw_factory *f, const char *at,
    char bound[TW_ADDR_STRLEN])
{
	tw_addr a;

	f->data = w;
	addr_of(&a, at);
	if ((w->l = tw_listen(w->r, &a, f)) == NULL)
		return NULL;
	tw_listener_address(w->l, bound, TW_ADDR_STRLEN);
	return w->l;
}

/*
 * A TCP socket bound to a free loopback port: its address in sin and, as
 * "127.0.0.1:PORT", in s. The descriptor, or -1 if bind failed.
 */
static int
loopback_socket(struct sockaddr_in *sin, char *s, size_t size)
{
	socklen_t len = sizeof(*sin);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)sin, sizeof(*sin)) == -1) {
		close(fd);
		return -1;
	}
	getsockname(fd, (struct sockaddr *)sin, &len);
	snprintf(s, size, "127.0.0.1:%u", (unsigned)ntohs(sin->sin_port));
	return fd;
}

/* ------------------------------------------------------- echo protocol */

static void
echo_made(tw_conn *c)
{
	struct world *w = tw_conn_factory(c)->data;

	w->made_s++;
	w->server = c;
	c->data = w;
}

static void
echo_data(tw_conn *c, const char *buf, size_t len)
{
	tw_conn_write(c, buf, len);
}

static void
server_lost(tw_conn *c, int reason)
{
	struct world *w = c->data;

	w->lost_s++;
	w->reason_s = reason;
	w->server = NULL;
	if (w->lost_c)
		tw_reactor_stop(w->r);
}

static const tw_protocol echo_proto = {
	.made = echo_made,
	.data = echo_data,
	.lost = server_lost,
};

static void
client_made(tw_conn *c)
{
	struct world *w = c->data;

	w->made_c++;
	tw_conn_write(c, "hello, ", 7);
	tw_conn_write(c, "world", 5);
}

static void
client_data(tw_conn *c, const char *buf, size_t len)
{
	struct world *w = c->data;

	if (w->ngot + len <= sizeof(w->got)) {
		memcpy(w->got + w->ngot, buf, len);
		w->ngot += len;
	}
	if (w->ngot == 12)
		tw_conn_close(c, 1);
}

static void
client_lost(tw_conn *c, int reason)
{
	struct world *w = c->data;

	w->lost_c++;
	w->reason_c = reason;
	w->client = NULL;
	if (w->lost_s || !w->made_c)
		tw_reactor_stop(w->r);
}

static const tw_protocol client_proto = {
	.made = client_made,
	.data = client_data,
	.lost = client_lost,
};

static void
echo_round_trip(const char *listen_at)
{
	struct world w;
	tw_factory f = { .proto = &echo_proto };
	tw_addr a;
	char bound[TW_ADDR_STRLEN];

	world_init(&w, 5);
	CHECK(world_listen(&w, &f, listen_at, bound) != NULL);
	addr_of(&a, bound);
	CHECK((w.client = tw_connect(w.r, &a, &client_proto, &w, 2)) != NULL);
	CHECK_EQ(tw_reactor_run(w.r), 0);
	CHECK(!w.timed_out);
	CHECK_EQ(w.made_s, 1);
	CHECK_EQ(w.made_c, 1);
	CHECK_EQ(w.ngot, 12);
	CHECK(memcmp(w.got, "hello, world", 12) == 0);
	CHECK_EQ(w.lost_c, 1);
	CHECK_EQ(w.reason_c, 0);
	CHECK_EQ(w.lost_s, 1);
	CHECK_EQ(w.reason_s, 0);
	tw_listener_close(w.l);
	world_free(&w);
}

static void
echo_over_ipv4(void)
{
	echo_round_trip("127.0.0.1:0");
}

static void
echo_over_ipv6(void)
{
	echo_round_trip("[::1]:0");
}

static void
echo_over_unix_socket(void)
{
	echo_round_trip("unix:/tmp/twirl-test-conn.sock");
	CHECK(access("/tmp/twirl-test-conn.sock", F_OK) == -1);
}

static void
peer_made(tw_conn *c)
{
	struct world *w = tw_conn_factory(c)->data;

	snprintf(w->got, sizeof(w->got), "%s", tw_conn_peer(c));
	c->data = w;
	tw_conn_close(c, 1);
	tw_listener_close(w->l);
}

static void
quiet_lost(tw_conn *c, int reason)
{
	(void)c;
	(void)reason;
}

static void
nop_data(tw_conn *c, const char *buf, size_t len)
{
	(void)c;
	(void)buf;
	(void)len;
}

static const tw_protocol peer_proto = {
	.made = peer_made,
	.data = nop_data,
	.lost = quiet_lost,
};

static void
stop_lost(tw_conn *c, int reason)
{
	struct world *w = c->data;

	w->lost_c++;
	w->reason_c = reason;
	tw_reactor_stop(w->r);
}

/* Reads nothing of interest; closes when the server does. */
static const tw_protocol quiet_proto = {
	.data = nop_data,
	.lost = stop_lost,
};

static void
the_peer_address_is_a_spec_address(void)
{
	struct world w;
	tw_factory f = { .proto = &peer_proto };
	char bound[TW_ADDR_STRLEN];
	tw_addr a;

	world_init(&w, 5);
	CHECK(world_listen(&w, &f, "127.0.0.1:0", bound) != NULL);
	CHECK(strncmp(bound, "127.0.0.1:", 10) == 0 && atoi(bound + 10) > 0);
	addr_of(&a, bound);
	CHECK(tw_connect(w.r, &a, &quiet_proto, &w, 2) != NULL);
	tw_reactor_run(w.r);
	CHECK(!w.timed_out);
	CHECK(strncmp(w.got, "127.0.0.1:", 10) == 0);
	CHECK(atoi(w.got + 10) > 0);
	CHECK(strcmp(w.got, bound) != 0);	/* the client's port */
	CHECK_EQ(w.lost_c, 1);
	CHECK_EQ(w.reason_c, 0);
	world_free(&w);
}

static void
an_address_in_use_is_refused(void)
{
	tw_reactor *r = tw_reactor_create(NULL);
	tw_factory f = { .proto = &echo_proto };
	char bound[TW_ADDR_STRLEN];
	tw_listener *l;
	tw_addr a;

	addr_of(&a, "127.0.0.1:0");
	CHECK((l = tw_listen(r, &a, &f)) != NULL);
	addr_of(&a, tw_listener_address(l, bound, sizeof(bound)));
	errno = 0;
	CHECK(tw_listen(r, &a, &f) == NULL);
	CHECK_EQ(errno, EADDRINUSE);

	/* A live Unix socket is in use; a stale one is replaced. */
	addr_of(&a, "unix:/tmp/twirl-test-inuse.sock");
	unlink("/tmp/twirl-test-inuse.sock");
	CHECK((l = tw_listen(r, &a, &f)) != NULL);
	errno = 0;
	CHECK(tw_listen(r, &a, &f) == NULL);
	CHECK_EQ(errno, EADDRINUSE);
	{
		int fd = socket(AF_UNIX, SOCK_STREAM, 0);

		/* Leave a socket file nobody listens on. */
		tw_listener_close(l);
		CHECK_EQ(bind(fd, (struct sockaddr *)&a.ss, a.len), 0);
		close(fd);
		CHECK(access("/tmp/twirl-test-inuse.sock", F_OK) == 0);
		CHECK((l = tw_listen(r, &a, &f)) != NULL);
		tw_listener_close(l);
	}
	tw_reactor_destroy(r);
}

/* ---------------------------------------------------- refused, timeout */

static void
a_refused_connection_reports_econnrefused(void)
{
	struct world w;
	struct sockaddr_in sin;
	tw_addr a;
	char s[64];
	int fd;

	/* A port that was free a moment ago: bind, learn it, close. */
	CHECK((fd = loopback_socket(&sin, s, sizeof(s))) >= 0);
	close(fd);

	world_init(&w, 5);
	addr_of(&a, s);
	CHECK((w.client = tw_connect(w.r, &a, &client_proto, &w, 2)) != NULL);
	tw_reactor_run(w.r);
	CHECK(!w.timed_out);
	CHECK_EQ(w.made_c, 0);
	CHECK_EQ(w.lost_c, 1);
	CHECK_EQ(w.reason_c, ECONNREFUSED);
	world_free(&w);

	world_init(&w, 5);
	addr_of(&a, "unix:/tmp/twirl-test-nobody.sock");
	CHECK((w.client = tw_connect(w.r, &a, &client_proto, &w, 2)) != NULL);
	tw_reactor_run(w.r);
	CHECK_EQ(w.made_c, 0);
	CHECK_EQ(w.reason_c, ENOENT);
	world_free(&w);
}

static void
a_connect_that_hangs_times_out(void)
{
	struct world w;
	struct sockaddr_in sin;
	int lfd, fill[4], i, nfill = 0;
	double start;
	char s[64];
	tw_addr a;

	/*
	 * A listener whose accept queue is full drops new SYNs, so a connect
	 * to it hangs: fill a backlog of 0 and never accept.
	 */
	CHECK((lfd = loopback_socket(&sin, s, sizeof(s))) >= 0);
	CHECK_EQ(listen(lfd, 0), 0);
	for (i = 0; i < 4; i++) {
		fill[i] = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
		connect(fill[i], (struct sockaddr *)&sin, sizeof(sin));
		nfill++;
	}
	world_init(&w, 5);
	addr_of(&a, s);
	start = tw_reactor_now(w.r);
	CHECK((w.client = tw_connect(w.r, &a, &client_proto, &w, 0.3)) != NULL);
	tw_reactor_run(w.r);
	CHECK(!w.timed_out);
	CHECK_EQ(w.made_c, 0);
	CHECK_EQ(w.reason_c, ETIMEDOUT);
	CHECK(tw_reactor_now(w.r) - start >= 0.3);
	world_free(&w);
	for (i = 0; i < nfill; i++)
		close(fill[i]);
	close(lfd);
}

/* ------------------------------------------------------- backpressure */

#define BIG (100u * 1024 * 1024)
#define PIECE 65536

struct producer {
	struct world *w;
	size_t sent;
	int paused;
	tw_timer resume;
	tw_timer tick;
	int ticks_while_stalled;
	int stalled;
};

static struct producer prod;

static unsigned char
pattern(size_t i)
{
	return (unsigned char)((i * 7 + i / 65521) % 251);
}

static void
produce(tw_conn *c)
{
	unsigned char buf[PIECE];

	while (!prod.paused && prod.sent < BIG) {
		size_t i, n = BIG - prod.sent < PIECE ? BIG - prod.sent : PIECE;

		for (i = 0; i < n; i++)
			buf[i] = pattern(prod.sent + i);
		if (tw_conn_write(c, buf, n) == -1)
			return;
		prod.sent += n;
	}
	if (prod.sent == BIG)
		tw_conn_close(c, 30);
}

static void
prod_made(tw_conn *c)
{
	struct world *w = tw_conn_factory(c)->data;

	c->data = w;
	w->made_s++;
	tw_listener_close(w->l);
	produce(c);
}

static void
prod_high(tw_conn *c)
{
	struct world *w = c->data;

	w->high++;
	prod.paused = 1;
}

static void
prod_low(tw_conn *c)
{
	struct world *w = c->data;

	w->low++;
	prod.paused = 0;
	produce(c);
}

static const tw_protocol producer_proto = {
	.made = prod_made,
	.data = nop_data,
	.lost = server_lost,
	.high = prod_high,
	.low = prod_low,
};

static void
sink_made(tw_conn *c)
{
	struct world *w = c->data;

	w->made_c++;
	/* Stall: read nothing for a while. */
	tw_conn_pause(c);
	prod.stalled = 1;
	tw_call_later(w->r, &prod.resume, 0.3);
}

static void
sink_data(tw_conn *c, const char *buf, size_t len)
{
	struct world *w = c->data;
	size_t i;

	for (i = 0; i < len; i++)
		if ((unsigned char)buf[i] != pattern(w->total + i))
			w->bad_order++;
	w->total += len;
}

static const tw_protocol sink_proto = {
	.made = sink_made,
	.data = sink_data,
	.lost = client_lost,
};

static void
resume_cb(tw_timer *t)
{
	struct world *w = t->data;

	prod.stalled = 0;
	tw_conn_resume(w->client);
}

static void
tick_cb(tw_timer *t)
{
	struct world *w = t->data;

	if (prod.stalled)
		prod.ticks_while_stalled++;
	tw_call_later(w->r, t, 0.01);
	if (w->lost_c && w->lost_s)
		tw_timer_cancel(w->r, t);
}

static void
a_stalled_reader_gets_100mb_in_order_and_nothing_blocks(void)
{
	struct world w;
	tw_factory f = { .proto = &producer_proto };
	char bound[TW_ADDR_STRLEN];
	tw_addr a;

	world_init(&w, 60);
	memset(&prod, 0, sizeof(prod));
	prod.w = &w;
	tw_timer_init(&prod.resume, resume_cb, &w);
	tw_timer_init(&prod.tick, tick_cb, &w);
	tw_call_later(w.r, &prod.tick, 0.01);
	CHECK(world_listen(&w, &f, "127.0.0.1:0", bound) != NULL);
	addr_of(&a, bound);
	CHECK((w.client = tw_connect(w.r, &a, &sink_proto, &w, 2)) != NULL);
	tw_reactor_run(w.r);
	CHECK(!w.timed_out);
	/* The loop kept turning while the reader stalled. */
	CHECK(prod.ticks_while_stalled >= 10);
	CHECK(w.high >= 1);
	CHECK(w.low >= 1);
	CHECK_EQ(prod.sent, BIG);
	CHECK_EQ(w.total, BIG);
	CHECK_EQ(w.bad_order, 0);
	CHECK_EQ(w.reason_s, 0);
	CHECK_EQ(w.reason_c, 0);
	world_free(&w);
}

/* ------------------------------------------------ close with deadline */

static void
flood_made(tw_conn *c)
{
	struct world *w = tw_conn_factory(c)->data;
	static char buf[1 << 20];
	int i;

	c->data = w;
	w->made_s++;
	memset(buf, 'x', sizeof(buf));
	for (i = 0; i < 16; i++)
		tw_conn_write(c, buf, sizeof(buf));
	tw_conn_close(c, 0.3);
}

static void
lost_stop(tw_conn *c, int reason)
{
	struct world *w = c->data;

	w->lost_s++;
	w->reason_s = reason;
	tw_reactor_stop(w->r);
}

static const tw_protocol flood_proto = {
	.made = flood_made,
	.data = nop_data,
	.lost = lost_stop,
};

static int
raw_connect(const char *bound)
{
	tw_addr a;
	int fd;

	addr_of(&a, bound);
	fd = socket(a.ss.ss_family, SOCK_STREAM, 0);
	if (connect(fd, (struct sockaddr *)&a.ss, a.len) == -1) {
		close(fd);
		return -1;
	}
	return fd;
}

static void
a_peer_that_never_reads_cannot_hold_a_close(void)
{
	struct world w;
	tw_factory f = { .proto = &flood_proto };
	char bound[TW_ADDR_STRLEN];
	double start;
	int fd;

	world_init(&w, 10);
	CHECK(world_listen(&w, &f, "127.0.0.1:0", bound) != NULL);
	CHECK((fd = raw_connect(bound)) >= 0);	/* and never read */
	start = tw_reactor_now(w.r);
	tw_reactor_run(w.r);
	CHECK(!w.timed_out);
	CHECK_EQ(w.made_s, 1);
	CHECK_EQ(w.reason_s, ETIMEDOUT);
	CHECK(tw_reactor_now(w.r) - start < 2);
	close(fd);
	world_free(&w);
}

/* ------------------------------------------- linger past the last byte */

/* Says w->tell bytes, then closes within w->close_in seconds. */
static void
tell_made(tw_conn *c)
{
	struct world *w = tw_conn_factory(c)->data;
	static char buf[256 * 1024];

	c->data = w;
	w->made_s++;
	tw_listener_close(w->l);
	memset(buf, 'y', sizeof(buf));
	tw_conn_write(c, buf, w->tell < sizeof(buf) ? w->tell : sizeof(buf));
	tw_conn_close(c, w->close_in);
}

static void
tell_lost(tw_conn *c, int reason)
{
	struct world *w = c->data;

	w->lost_s++;
	w->reason_s = reason;
}

static const tw_protocol tell_proto = {
	tell_made, nop_data, tell_lost, NULL, NULL, NULL
};

static void
count_data(tw_conn *c, const char *buf, size_t len)
{
	struct world *w = c->data;

	(void)buf;
	w->total += len;
}

/* Has everything, and keeps its socket open. */
static void
stay_open_eof(tw_conn *c)
{
	struct world *w = c->data;

	w->eof_c = 1;
	tw_reactor_stop(w->r);
}

static const tw_protocol stay_open_proto = {
	NULL, count_data, quiet_lost, stay_open_eof, NULL, NULL
};

/* Seconds until nothing keeps w's loop running but the server's close. */
static double
time_left_running(struct world *w)
{
	double start;

	tw_timer_cancel(w->r, &w->deadline);
	start = tw_reactor_now(w->r);
	tw_reactor_run(w->r);
	return tw_reactor_now(w->r) - start;
}

static void
a_close_ends_once_the_peer_has_everything_though_it_stays_open(void)
{
	struct world w;
	tw_factory f = { &tell_proto, NULL, NULL, NULL };
	char bound[TW_ADDR_STRLEN];
	tw_addr a;

	world_init(&w, 10);
	w.tell = 256 * 1024;
	w.close_in = 5;
	CHECK(world_listen(&w, &f, "127.0.0.1:0", bound) != NULL);
	addr_of(&a, bound);
	CHECK(tw_connect(w.r, &a, &stay_open_proto, &w, 2) != NULL);
	tw_reactor_run(w.r);	/* until the client has read to EOF */
	CHECK(!w.timed_out);
	CHECK(w.eof_c);
	CHECK_EQ(w.total, w.tell);
	CHECK_EQ(w.lost_s, 1);
	CHECK_EQ(w.reason_s, 0);
	/* Not the 5 s deadline: the client has it all. */
	CHECK(time_left_running(&w) < 1);
	world_free(&w);
}

static void
a_peer_that_never_reads_holds_a_close_only_until_its_deadline(void)
{
	struct world w;
	tw_factory f = { &tell_proto, NULL, NULL, NULL };
	char bound[TW_ADDR_STRLEN];
	double t;
	int fd;

	/*
	 * A Unix socket: a few bytes fit in its buffers, so the server's
	 * queue drains and the write side is shut, but the kernel's send
	 * queue holds them as long as the peer does not read.
	 */
	world_init(&w, 10);
	w.tell = 1000;
	w.close_in = 1;
	CHECK(world_listen(&w, &f, "unix:/tmp/twirl-test-linger.sock", bound)
	    != NULL);
	CHECK((fd = raw_connect(bound)) >= 0);	/* and never read */
	while (w.lost_s == 0 && !w.timed_out)
		tw_reactor_turn(w.r, 100);
	CHECK(!w.timed_out);
	CHECK_EQ(w.reason_s, 0);	/* all sent; now lingering */
	t = time_left_running(&w);
	CHECK(t > 0.5);
	CHECK(t < 3);
	close(fd);
	world_free(&w);
}

static void
abort_made(tw_conn *c)
{
	struct world *w = tw_conn_factory(c)->data;

	c->data = w;
	tw_conn_write(c, "dropped", 7);
	tw_conn_abort(c);
	tw_conn_abort(c);	/* twice is harmless */
	if (tw_conn_write(c, "x", 1) == -1 && errno == EPIPE)
		w->made_s++;
}

static const tw_protocol abort_proto = {
	.made = abort_made,
	.data = nop_data,
	.lost = lost_stop,
};

static void
abort_closes_at_once_and_reports_econnaborted(void)
{
	struct world w;
	tw_factory f = { .proto = &abort_proto };
	char bound[TW_ADDR_STRLEN], buf[16];
	int fd;

	world_init(&w, 5);
	CHECK(world_listen(&w, &f, "127.0.0.1:0", bound) != NULL);
	CHECK((fd = raw_connect(bound)) >= 0);
	tw_reactor_run(w.r);
	CHECK_EQ(w.made_s, 1);		/* and writes after abort fail */
	CHECK_EQ(w.lost_s, 1);
	CHECK_EQ(w.reason_s, ECONNABORTED);
	CHECK(read(fd, buf, sizeof(buf)) <= 0);	/* EOF, nothing queued */
	close(fd);
	world_free(&w);
}

static void
writer_made(tw_conn *c)
{
	struct world *w = tw_conn_factory(c)->data;

	c->data = w;
	w->made_s++;
	tw_call_later(w->r, &prod.tick, 0);
	w->server = c;
}

static void
keep_writing_cb(tw_timer *t)
{
	struct world *w = t->data;
	static char buf[65536];

	/* The peer is gone: writing must not raise SIGPIPE. */
	if (w->server != NULL && tw_conn_queued(w->server) < 1000000)
		tw_conn_write(w->server, buf, sizeof(buf));
	if (!w->lost_s)
		tw_call_later(w->r, t, 0.001);
}

static const tw_protocol writer_proto = {
	.made = writer_made,
	.data = nop_data,
	.lost = lost_stop,
};

static void
writing_to_a_vanished_peer_raises_no_sigpipe(void)
{
	struct world w;
	tw_factory f = { .proto = &writer_proto };
	char bound[TW_ADDR_STRLEN];
	struct sigaction sa;
	int fd;

	sigaction(SIGPIPE, NULL, &sa);
	CHECK(sa.sa_handler == SIG_DFL);	/* a SIGPIPE would kill us */
	world_init(&w, 5);
	tw_timer_init(&prod.tick, keep_writing_cb, &w);
	CHECK(world_listen(&w, &f, "127.0.0.1:0", bound) != NULL);
	CHECK((fd = raw_connect(bound)) >= 0);
	close(fd);
	tw_reactor_run(w.r);
	CHECK(!w.timed_out);
	CHECK_EQ(w.lost_s, 1);
	CHECK(w.reason_s == EPIPE || w.reason_s == ECONNRESET || w.reason_s == 0);
	world_free(&w);
}

/* ------------------------------------------------- 10,000 connections */

#define MANY 10000

static int many_made, many_lost;
static tw_reactor *many_r;

static void
many_made_cb(tw_conn *c)
{
	(void)c;
	many_made++;
}

static void
many_lost_cb(tw_conn *c, int reason)
{
	(void)c;
	(void)reason;
	if (++many_lost == MANY)
		tw_reactor_stop(many_r);
}

static const tw_protocol many_proto = {
	.made = many_made_cb,
	.data = nop_data,
	.lost = many_lost_cb,
};

static void
all_made_cb(tw_timer *t)
{
	if (many_made == MANY)
		tw_reactor_stop(many_r);
	else
		tw_call_later(many_r, t, 0.01);
}

static void
stop_guard_cb(tw_timer *t)
{
	(void)t;
	tw_reactor_stop(many_r);
}

/* The child: open MANY connections, report, wait to be told to go. */
static void
many_clients(const char *bound, int ready, int go)
{
	static int fds[MANY];
	char c = 0;
	int i;

	for (i = 0; i < MANY; i++)
		if ((fds[i] = raw_connect(bound)) == -1)
			_exit(1);
	if (write(ready, "r", 1) != 1 || read(go, &c, 1) != 1)
		_exit(1);
	_exit(0);
}

static void
ten_thousand_simultaneous_connections_are_accepted(void)
{
	tw_factory f = { .proto = &many_proto };
	char bound[TW_ADDR_STRLEN], c;
	struct rlimit rl;
	tw_timer t, guard;
	tw_listener *l;
	int ready[2], go[2], status;
	pid_t pid;
	tw_addr a;

	getrlimit(RLIMIT_NOFILE, &rl);
	if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < MANY + 100) {
		printf("# RLIMIT_NOFILE hard limit %lu is too low\n",
		    (unsigned long)rl.rlim_max);
		CHECK(rl.rlim_max >= MANY + 100);
	}
	rl.rlim_cur = rl.rlim_max == RLIM_INFINITY ? MANY + 100 : rl.rlim_max;
	CHECK_EQ(setrlimit(RLIMIT_NOFILE, &rl), 0);

	many_r = tw_reactor_create(NULL);
	many_made = many_lost = 0;
	addr_of(&a, "127.0.0.1:0");
	CHECK((l = tw_listen(many_r, &a, &f)) != NULL);
	tw_listener_address(l, bound, sizeof(bound));
	CHECK(pipe(ready) == 0 && pipe(go) == 0);
	if ((pid = fork()) == 0)
		many_clients(bound, ready[1], go[0]);
	CHECK(pid > 0);
	tw_timer_init(&t, all_made_cb, NULL);
	tw_timer_init(&guard, stop_guard_cb, NULL);
	tw_call_later(many_r, &t, 0.01);
	tw_call_later(many_r, &guard, 60);
	tw_reactor_run(many_r);
	CHECK_EQ(many_made, MANY);
	CHECK_EQ(read(ready[0], &c, 1), 1);
	/* Let them all go at once; every one is lost cleanly. */
	CHECK_EQ(write(go[1], "g", 1), 1);
	tw_timer_cancel(many_r, &t);
	tw_reactor_run(many_r);
	CHECK_EQ(many_lost, MANY);
	waitpid(pid, &status, 0);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	tw_listener_close(l);
	tw_reactor_destroy(many_r);
	close(ready[0]);
	close(ready[1]);
	close(go[0]);
	close(go[1]);
}

/* ------------------------------------------- answers leave at once */

struct answers {
	tw_reactor *r;
	int made;
	tw_conn *first;		/* the first connection to answer */
	size_t first_queued;	/* its queue when the second one answered */
	int answered;
};

static void
answer_made(tw_conn *c)
{
	struct answers *a = tw_conn_factory(c)->data;

	c->data = a;
	if (++a->made == 2)
		tw_reactor_stop(a->r);
}

static void
answer_data(tw_conn *c, const char *buf, size_t len)
{
	struct answers *a = c->data;

	(void)buf;
	(void)len;
	tw_conn_write(c, "ok\n", 3);
	if (a->first == NULL)
		a->first = c;
	else
		a->first_queued = tw_conn_queued(a->first);
	if (++a->answered == 2)
		tw_reactor_stop(a->r);
}

static const tw_protocol answer_proto = {
	.made = answer_made,
	.data = answer_data,
	.lost = quiet_lost,
};

/*
 * Two requests read in the same turn: the first answer is in the kernel
 * before the second request is handed to data(), not queued until the
 * turn ends (its chunk is free again for the next answer).
 */
static void
what_data_writes_leaves_before_the_next_connection_reads(void)
{
	struct answers a;
	struct world w;
	tw_factory f = { .proto = &answer_proto };
	char bound[TW_ADDR_STRLEN], buf[8];
	struct sockaddr_in sin;
	int fd[2], i;

	memset(&a, 0, sizeof(a));
	world_init(&w, 5);
	a.r = w.r;
	CHECK(world_listen(&w, &f, "127.0.0.1:0", bound) != NULL);
	f.data = &a;
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin.sin_port = htons((uint16_t)atoi(strrchr(bound, ':') + 1));
	for (i = 0; i < 2; i++) {
		CHECK((fd[i] = socket(AF_INET, SOCK_STREAM, 0)) != -1);
		CHECK(connect(fd[i], (struct sockaddr *)&sin, sizeof(sin)) == 0);
	}
	CHECK_EQ(tw_reactor_run(w.r), 0);	/* until both are made */
	CHECK(!w.timed_out);
	CHECK_EQ(a.made, 2);
	for (i = 0; i < 2; i++)
		CHECK(write(fd[i], "?", 1) == 1);
	CHECK_EQ(tw_reactor_run(w.r), 0);	/* until both answered */
	CHECK(!w.timed_out);
	CHECK_EQ(a.answered, 2);
	CHECK_EQ(a.first_queued, 0);
	for (i = 0; i < 2; i++) {
		CHECK(read(fd[i], buf, sizeof(buf)) == 3);
		CHECK(memcmp(buf, "ok\n", 3) == 0);
		close(fd[i]);
	}
	tw_listener_close(w.l);
	world_free(&w);
}

int
main(void)
{
	RUN(echo_over_ipv4);
	RUN(echo_over_ipv6);
	RUN(echo_over_unix_socket);
	RUN(the_peer_address_is_a_spec_address);
	RUN(an_address_in_use_is_refused);
	RUN(a_refused_connection_reports_econnrefused);
	RUN(a_connect_that_hangs_times_out);
	RUN(a_stalled_reader_gets_100mb_in_order_and_nothing_blocks);
	RUN(a_peer_that_never_reads_cannot_hold_a_close);
	RUN(a_close_ends_once_the_peer_has_everything_though_it_stays_open);
	RUN(a_peer_that_never_reads_holds_a_close_only_until_its_deadline);
	RUN(abort_closes_at_once_and_reports_econnaborted);
	RUN(writing_to_a_vanished_peer_raises_no_sigpipe);
	RUN(ten_thousand_simultaneous_connections_are_accepted);
	RUN(what_data_writes_leaves_before_the_next_connection_reads);
	return TAP_DONE();
}
