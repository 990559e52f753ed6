/*
 * test_redis.c - the Redis client against a real redis-server (Debian's
 * redis-server; tests/deps installs it), and its address parser.
 *
 * Each test that needs a server starts its own, in a temp directory, on a
 * Unix socket (or a free loopback port), without persistence, and stops it
 * by pid. Every wait has a deadline.
 */
#define _GNU_SOURCE

#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tap.h"
#include "twirl.h"
#include "redis/redis.h"
#include "redis/url.h"

/* ------------------------------------------------------------ server */

struct server {
	char dir[64];
	char sock[128];
	unsigned port;		/* 0: the Unix socket only */
	pid_t pid;
};

/* Servers still running, killed at exit if a failed test left them. */
static pid_t live[8];

static void
kill_live(void)
{
	size_t i;

	for (i = 0; i < sizeof(live) / sizeof(live[0]); i++)
		if (live[i] > 0) {
			kill(live[i], SIGKILL);
			waitpid(live[i], NULL, 0);
		}
}

static void
track(pid_t old, pid_t pid)
{
	size_t i;

	for (i = 0; i < sizeof(live) / sizeof(live[0]); i++)
		if (live[i] == old) {
			live[i] = pid;
			return;
		}
}

/* Can we connect to the server yet? */
static int
answers(const struct server *s)
{
	tw_addr a;
	char err[128], where[160];
	int fd, ok;

	if (s->port != 0)
		snprintf(where, sizeof(where), "127.0.0.1:%u", s->port);
	else
		snprintf(where, sizeof(where), "unix:%s", s->sock);
	if (tw_addr_parse(&a, where, err, sizeof(err)) == -1)
		return 0;
	if ((fd = socket(a.ss.ss_family, SOCK_STREAM, 0)) == -1)
		return 0;
	ok = connect(fd, (struct sockaddr *)&a.ss, a.len) == 0;
	close(fd);
	return ok;
}

/* Start redis-server (again, after server_kill()); 0 or -1. */
static int
server_start(struct server *s)
{
	char port[16];
	struct timespec tick = { 0, 10 * 1000 * 1000 };
	int i;

	snprintf(port, sizeof(port), "%u", s->port);
	unlink(s->sock);
	if ((s->pid = fork()) == -1)
		return -1;
	if (s->pid == 0) {
		if (freopen("/dev/null", "w", stdout) == NULL)
			_exit(127);
		execlp("redis-server", "redis-server", "--port", port,
		    "--bind", "127.0.0.1", "--unixsocket", s->sock,
		    "--dir", s->dir, "--save", "", "--appendonly", "no",
		    (char *)NULL);
		_exit(127);
	}
	track(0, s->pid);
	/* Ready when it answers: up to 10 s. */
	for (i = 0; i < 1000; i++) {
		if (answers(s))
			return 0;
		if (waitpid(s->pid, NULL, WNOHANG) == s->pid)
			break;
		nanosleep(&tick, NULL);
	}
	fprintf(stderr, "test_redis: redis-server did not start\n");
	return -1;
}

/* A free loopback port, as the kernel picks one (then released). */
static unsigned
free_port(void)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);
	unsigned port = 0;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd != -1 && bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == 0 &&
	    getsockname(fd, (struct sockaddr *)&sin, &len) == 0)
		port = ntohs(sin.sin_port);
	if (fd != -1)
		close(fd);
	return port;
}

static int
server_new(struct server *s, int tcp)
{
	memset(s, 0, sizeof(*s));
	snprintf(s->dir, sizeof(s->dir), "/tmp/test_redis.XXXXXX");
	if (mkdtemp(s->dir) == NULL)
		return -1;
	snprintf(s->sock, sizeof(s->sock), "%s/redis.sock", s->dir);
	if (tcp && (s->port = free_port()) == 0)
		return -1;
	return server_start(s);
}

static void
server_kill(struct server *s, int sig)
{
	if (s->pid > 0) {
		kill(s->pid, sig);
		waitpid(s->pid, NULL, 0);
		track(s->pid, 0);
		s->pid = 0;
	}
}

static void
server_free(struct server *s)
{
	char path[160];

	server_kill(s, SIGTERM);
	unlink(s->sock);
	snprintf(path, sizeof(path), "%s/dump.rdb", s->dir);
	unlink(path);
	rmdir(s->dir);
}

/* ------------------------------------------------------------- world */

/* One test's loop, client and what they saw. */
struct world {
	tw_reactor *r;
	tw_timer deadline;
	tw_redis *c;
	struct server srv;
	int ups, downs;
	char down_why[256];
	int timed_out;
	long long next;		/* the reply the next INCR should get */
	int replies, bad, errors;
	long long ints[16];	/* the integer replies note_cb saw */
	char error[256];	/* the last reply error or client error */
	int step;		/* where a multi-step test is */
};

static void
deadline_cb(tw_timer *t)
{
	struct world *w = t->data;

	w->timed_out = 1;
	tw_reactor_stop(w->r);
}

static void
state_cb(tw_redis *c, int up, const char *why)
{
	struct world *w = tw_redis_data(c);

	if (up) {
		w->ups++;
	} else {
		w->downs++;
		snprintf(w->down_why, sizeof(w->down_why), "%s", why);
	}
	tw_reactor_stop(w->r);
}

static void
world_free(struct world *w)
{
	tw_redis_free(w->c);
	tw_reactor_destroy(w->r);
	server_free(&w->srv);
}

/* A world with a server and a client for it; 0 or -1. */
static int
world_init(struct world *w, double seconds, tw_redis_opts *o, int tcp)
{
	tw_redis_opts def;
	tw_addr a;
	char err[128], where[160];

	memset(w, 0, sizeof(*w));
	if (server_new(&w->srv, tcp) == -1)
		return -1;
	w->r = tw_reactor_create(NULL);
	tw_timer_init(&w->deadline, deadline_cb, w);
	tw_call_later(w->r, &w->deadline, seconds);
	if (o == NULL) {
		tw_redis_opts_init(&def);
		o = &def;
	}
	o->state = state_cb;
	o->data = w;
	snprintf(where, sizeof(where), "unix:%s", w->srv.sock);
	if (tw_addr_parse(&a, where, err, sizeof(err)) == -1)
		return -1;
	w->c = tw_redis_create(w->r, &a, o);
	return w->c != NULL ? 0 : -1;
}

/* Run until a callback stops the loop; 0, or -1 past the deadline. */
static int
run(struct world *w)
{
	tw_reactor_run(w->r);
	return w->timed_out ? -1 : 0;
}

/* Note what a reply is, and stop the loop. */
static void
note_cb(tw_redis *c, const tw_resp *reply, const char *error, void *arg)
{
	struct world *w = tw_redis_data(c);

	(void)arg;
	if (reply == NULL) {
		w->errors++;
		snprintf(w->error, sizeof(w->error), "%s", error);
	} else if (reply->type == TW_RESP_ERROR) {
		w->errors++;
		snprintf(w->error, sizeof(w->error), "%s", reply->str);
	} else if (reply->type == TW_RESP_INTEGER) {
		w->next = reply->integer;
		w->ints[w->replies % 16] = reply->integer;
	} else if (reply->type == TW_RESP_STATUS ||
	    reply->type == TW_RESP_STRING) {
		snprintf(w->error, sizeof(w->error), "%s", reply->str);
	}
	w->replies++;
	tw_reactor_stop(w->r);
}

/* Run until note_cb has seen n replies in all; 0, or -1 past the deadline. */
static int
replies(struct world *w, int n)
{
	while (w->replies < n)
		if (run(w) == -1)
			return -1;
	return 0;
}

/* ------------------------------------------------------------- tests */

#define INCRS 10000

static void
incr_cb(tw_redis *c, const tw_resp *reply, const char *error, void *arg)
{
	struct world *w = tw_redis_data(c);

	(void)error;
	if (reply == NULL || reply->type != TW_RESP_INTEGER ||
	    reply->integer != w->next + 1 ||
	    (long long)(size_t)arg != reply->integer)
		w->bad++;
	if (reply != NULL && reply->type == TW_RESP_INTEGER)
		w->next = reply->integer;
	if (++w->replies == INCRS)
		tw_reactor_stop(w->r);
}

static void
pipelines_ten_thousand_incrs_in_order(void)
{
	struct world w;
	size_t i;

	CHECK(world_init(&w, 30, NULL, 0) == 0);
	CHECK(run(&w) == 0 && w.ups == 1);
	/* All sent before a single reply is read. */
	for (i = 1; i <= INCRS; i++)
		CHECK(tw_redis_commandl(w.c, incr_cb, (void *)i, "INCR",
		    "counter", NULL) == 0);
	CHECK_EQ(tw_redis_pending(w.c), INCRS);
	CHECK(run(&w) == 0);
	CHECK_EQ(w.replies, INCRS);
	CHECK_EQ(w.bad, 0);
	CHECK_EQ(w.next, INCRS);
	CHECK_EQ(tw_redis_pending(w.c), 0);
	world_free(&w);
}

static void
hincrby_over_tcp_with_a_url(void)
{
	struct world w;
	tw_redis_url u;
	tw_redis_opts o;
	tw_addr a;
	char url[64], err[128];

	tw_redis_opts_init(&o);
	CHECK(world_init(&w, 10, &o, 1) == 0);
	/* The Unix client is not used here: one over TCP instead. */
	tw_redis_free(w.c);
	snprintf(url, sizeof(url), "redis://127.0.0.1:%u/fib", w.srv.port);
	CHECK(tw_redis_url_parse(&u, url, err, sizeof(err)) == 0);
	CHECK(strcmp(u.key, "fib") == 0);
	CHECK(tw_redis_url_addr(&u, &a, err, sizeof(err)) == 0);
	w.c = tw_redis_create(w.r, &a, &o);
	CHECK(run(&w) == 0 && w.ups == 1);
	CHECK(tw_redis_commandl(w.c, note_cb, NULL, "HINCRBY", u.key,
	    "reserved", "1000", NULL) == 0);
	CHECK(tw_redis_commandl(w.c, note_cb, NULL, "HINCRBY", u.key,
	    "reserved", "1000", NULL) == 0);
	CHECK(replies(&w, 2) == 0);
	CHECK_EQ(w.ints[0], 1000);
	CHECK_EQ(w.ints[1], 2000);
	CHECK_EQ(w.errors, 0);
	world_free(&w);
}

/* XREAD's reply: one stream, one entry, its fields; note what it held. */
static void
xread_cb(tw_redis *c, const tw_resp *reply, const char *error, void *arg)
{
	struct world *w = tw_redis_data(c);
	const tw_resp *e;

	(void)error;
	(void)arg;
	w->replies++;
	tw_reactor_stop(w->r);
	if (reply == NULL || reply->type != TW_RESP_ARRAY || reply->n != 1 ||
	    reply->elem[0].n != 2 ||
	    strcmp(reply->elem[0].elem[0].str, "hits") != 0 ||
	    reply->elem[0].elem[1].n != 1) {
		w->bad++;
		return;
	}
	e = &reply->elem[0].elem[1].elem[0];	/* [id, [field, value]] */
	if (e->n != 2 || e->elem[1].n != 2 ||
	    strcmp(e->elem[1].elem[0].str, "line") != 0) {
		w->bad++;
		return;
	}
	snprintf(w->error, sizeof(w->error), "%s %s", e->elem[0].str,
	    e->elem[1].elem[1].str);
}

/* CONFIG GET's reply, a name and a value: noted as "name=value". */
static void
config_cb(tw_redis *c, const tw_resp *reply, const char *error, void *arg)
{
	struct world *w = tw_redis_data(c);

	(void)error;
	(void)arg;
	w->replies++;
	tw_reactor_stop(w->r);
	if (reply == NULL || reply->type != TW_RESP_ARRAY || reply->n != 2 ||
	    reply->elem[0].type != TW_RESP_STRING ||
	    reply->elem[1].type != TW_RESP_STRING) {
		w->bad++;
		return;
	}
	snprintf(w->error, sizeof(w->error), "%s=%s", reply->elem[0].str,
	    reply->elem[1].str);
}

static void
xread_block_waits_for_another_clients_xadd(void)
{
	struct world w;
	tw_redis_opts o;
	tw_redis *pub;
	tw_addr a;
	char err[128], where[160];

	tw_redis_opts_init(&o);
	CHECK(world_init(&w, 10, &o, 0) == 0);
	CHECK(run(&w) == 0 && w.ups == 1);
	CHECK(tw_redis_commandl(w.c, xread_cb, NULL, "XREAD", "BLOCK", "5000",
	    "STREAMS", "hits", "$", NULL) == 0);
	snprintf(where, sizeof(where), "unix:%s", w.srv.sock);
	CHECK(tw_addr_parse(&a, where, err, sizeof(err)) == 0);
	pub = tw_redis_create(w.r, &a, &o);
	CHECK(run(&w) == 0 && w.ups == 2);
	CHECK(tw_redis_commandl(pub, NULL, NULL, "XADD", "hits", "MAXLEN",
	    "~", "1000", "7-1", "line", "GET / HTTP/1.1", NULL) == 0);
	CHECK(run(&w) == 0);
	tw_redis_free(pub);
	CHECK_EQ(w.replies, 1);
	CHECK_EQ(w.bad, 0);
	CHECK(strcmp(w.error, "7-1 GET / HTTP/1.1") == 0);
	/* And the settings fib-serve checks: CONFIG GET's pairs. */
	CHECK(tw_redis_commandl(w.c, config_cb, NULL, "CONFIG", "GET",
	    "appendonly", NULL) == 0);
	CHECK(run(&w) == 0);
	CHECK_EQ(w.bad, 0);
	CHECK(strcmp(w.error, "appendonly=no") == 0);
	world_free(&w);
}

static void
an_error_reply_goes_to_its_callback(void)
{
	const char *argv[] = { "SET", "bin", "a\0b\r\nc" };
	const size_t argl[] = { 3, 3, 6 };
	struct world w;

	CHECK(world_init(&w, 10, NULL, 0) == 0);
	CHECK(run(&w) == 0 && w.ups == 1);
	CHECK(tw_redis_commandl(w.c, note_cb, NULL, "NOSUCHCOMMAND", NULL)
	    == 0);
	CHECK(run(&w) == 0);
	CHECK_EQ(w.errors, 1);
	CHECK(strncmp(w.error, "ERR unknown command", 19) == 0);
	/* The connection goes on: a binary value round trip. */
	CHECK(tw_redis_command(w.c, note_cb, NULL, 3, argv, argl) == 0);
	CHECK(run(&w) == 0 && strcmp(w.error, "OK") == 0);
	CHECK(tw_redis_commandl(w.c, note_cb, NULL, "STRLEN", "bin", NULL)
	    == 0);
	CHECK(run(&w) == 0 && w.next == 6);
	CHECK_EQ(w.errors, 1);
	world_free(&w);
}

static void
reconnects_after_the_server_is_killed(void)
{
	struct world w;
	tw_redis_opts o;
	double back;

	tw_redis_opts_init(&o);
	o.backoff_min = 0.01;
	o.backoff_max = 0.1;
	CHECK(world_init(&w, 20, &o, 0) == 0);
	CHECK(run(&w) == 0 && w.ups == 1);
	/* A command that will never be answered: the server dies first. */
	CHECK(tw_redis_commandl(w.c, note_cb, NULL, "BLPOP", "nothing", "0",
	    NULL) == 0);
	server_kill(&w.srv, SIGKILL);
	/* Its callback first, then the state's. */
	CHECK(run(&w) == 0);
	CHECK_EQ(w.replies, 1);
	CHECK(strncmp(w.error, "lost the connection: ", 21) == 0);
	if (w.downs == 0)
		CHECK(run(&w) == 0);
	CHECK_EQ(w.downs, 1);
	CHECK(!tw_redis_up(w.c));
	/* While down, commands fail at once. */
	errno = 0;
	CHECK(tw_redis_commandl(w.c, note_cb, NULL, "PING", NULL) == -1);
	CHECK_EQ(errno, ENOTCONN);
	/*
	 * Failed attempts for 1.5 s, reported no more than once. Doubling
	 * from 10 ms without a cap, the next attempt would be 2.55 s after
	 * the kill; with the cap it is at most 0.1 s after the restart.
	 */
	{
		tw_timer t;

		tw_timer_init(&t, deadline_cb, &w);
		tw_call_later(w.r, &t, 1.5);
		tw_reactor_run(w.r);
		w.timed_out = 0;
		CHECK_EQ(w.downs, 1);
		CHECK_EQ(w.ups, 1);
	}
	CHECK(server_start(&w.srv) == 0);
	back = tw_reactor_now(w.r);
	CHECK(run(&w) == 0);
	CHECK_EQ(w.ups, 2);
	CHECK(tw_reactor_now(w.r) - back < 0.6);
	CHECK(tw_redis_commandl(w.c, note_cb, NULL, "PING", NULL) == 0);
	CHECK(run(&w) == 0 && strcmp(w.error, "PONG") == 0);
	world_free(&w);
}

static void
a_server_never_there_is_reported_once(void)
{
	struct world w;
	tw_redis_opts o;
	tw_addr a;
	tw_timer t;
	char err[128], where[160];

	tw_redis_opts_init(&o);
	o.backoff_min = 0.01;
	o.backoff_max = 0.02;
	CHECK(world_init(&w, 10, &o, 0) == 0);
	/* Instead: a client of a socket nobody listens on. */
	tw_redis_free(w.c);
	snprintf(where, sizeof(where), "unix:%s/none.sock", w.srv.dir);
	CHECK(tw_addr_parse(&a, where, err, sizeof(err)) == 0);
	w.c = tw_redis_create(w.r, &a, &o);
	CHECK(run(&w) == 0);
	CHECK_EQ(w.downs, 1);
	CHECK(strcmp(w.down_why, "No such file or directory") == 0);
	/* Many more attempts in 0.3 s, none reported. */
	tw_timer_init(&t, deadline_cb, &w);
	tw_call_later(w.r, &t, 0.3);
	tw_reactor_run(w.r);
	CHECK_EQ(w.downs, 1);
	CHECK_EQ(w.ups, 0);
	world_free(&w);
}

static void
a_reply_over_the_limit_is_refused(void)
{
	static char big[4096];
	const char *argv[] = { "SET", "big", big };
	const size_t argl[] = { 3, 3, sizeof(big) };
	struct world w;
	tw_redis_opts o;

	memset(big, 'x', sizeof(big));
	tw_redis_opts_init(&o);
	o.max_reply = 1024;
	o.backoff_min = 0.01;
	CHECK(world_init(&w, 10, &o, 0) == 0);
	CHECK(run(&w) == 0 && w.ups == 1);
	CHECK(tw_redis_command(w.c, note_cb, NULL, 3, argv, argl) == 0);
	CHECK(run(&w) == 0 && strcmp(w.error, "OK") == 0);
	CHECK(tw_redis_commandl(w.c, note_cb, NULL, "GET", "big", NULL) == 0);
	CHECK(run(&w) == 0);
	CHECK_EQ(w.errors, 1);
	CHECK(strcmp(w.error, "lost the connection: protocol error: "
	    "bulk string longer than the limit") == 0);
	/* Down, then up again, and small replies are fine. */
	while (w.ups < 2)
		CHECK(run(&w) == 0);
	CHECK_EQ(w.downs, 1);
	CHECK(strstr(w.down_why, "longer than the limit") != NULL);
	CHECK(tw_redis_commandl(w.c, note_cb, NULL, "STRLEN", "big", NULL)
	    == 0);
	CHECK(run(&w) == 0 && w.next == 4096);
	world_free(&w);
}

static void
the_output_is_bounded(void)
{
	struct world w;
	tw_redis_opts o;
	static char big[2048];
	const char *argv[] = { "SET", "k", big };
	const size_t argl[] = { 3, 1, sizeof(big) };

	tw_redis_opts_init(&o);
	o.max_pending = 2;
	o.max_output = 1024;
	CHECK(world_init(&w, 10, &o, 0) == 0);
	/* Not yet connected: at once, no callback. */
	errno = 0;
	CHECK(tw_redis_commandl(w.c, note_cb, NULL, "PING", NULL) == -1);
	CHECK_EQ(errno, ENOTCONN);
	CHECK(run(&w) == 0 && w.ups == 1);
	CHECK(tw_redis_command(w.c, note_cb, NULL, 3, argv, argl) == -1);
	CHECK_EQ(errno, ENOBUFS);
	CHECK(tw_redis_commandl(w.c, note_cb, NULL, "PING", NULL) == 0);
	CHECK(tw_redis_commandl(w.c, note_cb, NULL, "PING", NULL) == 0);
	errno = 0;
	CHECK(tw_redis_commandl(w.c, note_cb, NULL, "PING", NULL) == -1);
	CHECK_EQ(errno, ENOBUFS);
	CHECK(replies(&w, 2) == 0);
	CHECK(tw_redis_commandl(w.c, note_cb, NULL, "PING", NULL) == 0);
	CHECK(replies(&w, 3) == 0);
	CHECK_EQ(w.errors, 0);
	world_free(&w);
}

static void
free_cb(tw_redis *c, const tw_resp *reply, const char *error, void *arg)
{
	struct world *w = tw_redis_data(c);

	(void)reply;
	(void)error;
	(void)arg;
	w->replies++;
	tw_redis_free(c);
	w->c = NULL;
	tw_reactor_stop(w->r);
}

static void
a_callback_may_free_the_client(void)
{
	struct world w;

	CHECK(world_init(&w, 10, NULL, 0) == 0);
	CHECK(run(&w) == 0 && w.ups == 1);
	/* Two replies arrive together; the first frees the client. */
	CHECK(tw_redis_commandl(w.c, free_cb, NULL, "PING", NULL) == 0);
	CHECK(tw_redis_commandl(w.c, free_cb, NULL, "PING", NULL) == 0);
	CHECK(run(&w) == 0);
	CHECK_EQ(w.replies, 1);
	CHECK(w.c == NULL);
	world_free(&w);
}

/* ------------------------------------------------------------- urls */

static int
url_ok(const char *s, const char *host, unsigned port, const char *path,
    const char *key)
{
	tw_redis_url u;
	char err[128];

	if (tw_redis_url_parse(&u, s, err, sizeof(err)) == -1) {
		printf("#   %s: %s\n", s, err);
		return 0;
	}
	return strcmp(u.host, host) == 0 && u.port == port &&
	    strcmp(u.path, path) == 0 && strcmp(u.key, key) == 0;
}

static int
url_bad(const char *s, const char *why)
{
	tw_redis_url u;
	char err[128];

	if (tw_redis_url_parse(&u, s, err, sizeof(err)) == 0)
		return 0;
	if (strcmp(err, why) != 0) {
		printf("#   %s: \"%s\"\n", s, err);
		return 0;
	}
	return 1;
}

static void
parses_urls(void)
{
	char longkey[600];

	CHECK(url_ok("redis://127.0.0.1:7000/fib", "127.0.0.1", 7000, "",
	    "fib"));
	CHECK(url_ok("redis://localhost/hits/a b", "localhost", 6379, "",
	    "hits/a b"));
	CHECK(url_ok("redis://10.0.0.1", "10.0.0.1", 6379, "", ""));
	CHECK(url_ok("redis://10.0.0.1:1/", "10.0.0.1", 1, "", ""));
	CHECK(url_ok("redis://[::1]:6380/k", "::1", 6380, "", "k"));
	CHECK(url_ok("redis://[::1]/k", "::1", 6379, "", "k"));
	CHECK(url_ok("redis://cache-1.example.org:6379/k",
	    "cache-1.example.org", 6379, "", "k"));
	CHECK(url_ok("unix:/run/redis/redis.sock#fib", "", 0,
	    "/run/redis/redis.sock", "fib"));
	CHECK(url_ok("unix:/run/redis.sock", "", 0, "/run/redis.sock", ""));
	CHECK(url_bad("", "want redis://HOST[:PORT][/KEY] or unix:PATH[#KEY]"));
	CHECK(url_bad("127.0.0.1:6379",
	    "want redis://HOST[:PORT][/KEY] or unix:PATH[#KEY]"));
	CHECK(url_bad("redis://", "missing host"));
	CHECK(url_bad("redis://:6379/k", "missing host"));
	CHECK(url_bad("redis://h:0/k", "bad port (want 1-65535)"));
	CHECK(url_bad("redis://h:65536/k", "bad port (want 1-65535)"));
	CHECK(url_bad("redis://h:/k", "bad port (want 1-65535)"));
	CHECK(url_bad("redis://h:12x/k", "bad port (want 1-65535)"));
	CHECK(url_bad("redis://user:pw@h/k", "bad port (want 1-65535)"));
	CHECK(url_bad("redis://us@er/k", "bad host"));
	CHECK(url_bad("redis://[::1/k", "missing ']' after IPv6 address"));
	CHECK(url_bad("redis://[]/k", "bad IPv6 address"));
	CHECK(url_bad("redis://[::1]x/k", "missing ':PORT' after ']'"));
	CHECK(url_bad("unix:", "missing socket path"));
	CHECK(url_bad("unix:#k", "missing socket path"));
	memset(longkey, 'k', sizeof(longkey));
	memcpy(longkey, "redis://h/", 10);
	longkey[sizeof(longkey) - 1] = '\0';
	CHECK(url_bad(longkey, "key too long"));
}

static void
gives_addresses_without_resolving(void)
{
	tw_redis_url u;
	tw_addr a;
	char err[128], s[TW_ADDR_STRLEN];

	CHECK(tw_redis_url_parse(&u, "redis://localhost:7/k", err,
	    sizeof(err)) == 0);
	CHECK(tw_redis_url_addr(&u, &a, err, sizeof(err)) == 0);
	tw_addr_format((struct sockaddr *)&a.ss, a.len, s, sizeof(s));
	CHECK(strcmp(s, "127.0.0.1:7") == 0);
	CHECK(tw_redis_url_parse(&u, "redis://[::1]/k", err,
	    sizeof(err)) == 0);
	CHECK(tw_redis_url_addr(&u, &a, err, sizeof(err)) == 0);
	tw_addr_format((struct sockaddr *)&a.ss, a.len, s, sizeof(s));
	CHECK(strcmp(s, "[::1]:6379") == 0);
	CHECK(tw_redis_url_parse(&u, "unix:/tmp/r.sock#k", err,
	    sizeof(err)) == 0);
	CHECK(tw_redis_url_addr(&u, &a, err, sizeof(err)) == 0);
	tw_addr_format((struct sockaddr *)&a.ss, a.len, s, sizeof(s));
	CHECK(strcmp(s, "unix:/tmp/r.sock") == 0);
	CHECK(tw_redis_url_parse(&u, "redis://cache.example.org/k", err,
	    sizeof(err)) == 0);
	CHECK(tw_redis_url_addr(&u, &a, err, sizeof(err)) == -1);
	CHECK(strcmp(err, "host names are not resolved yet: "
	    "give an IP address or localhost") == 0);
	CHECK(tw_redis_url_parse(&u, "redis://[fe80::zz]/k", err,
	    sizeof(err)) == 0);
	CHECK(tw_redis_url_addr(&u, &a, err, sizeof(err)) == -1);
	CHECK(strcmp(err, "bad IPv6 address") == 0);
}

int
main(void)
{
	signal(SIGPIPE, SIG_IGN);
	atexit(kill_live);
	RUN(parses_urls);
	RUN(gives_addresses_without_resolving);
	RUN(pipelines_ten_thousand_incrs_in_order);
	RUN(hincrby_over_tcp_with_a_url);
	RUN(an_error_reply_goes_to_its_callback);
	RUN(xread_block_waits_for_another_clients_xadd);
	RUN(reconnects_after_the_server_is_killed);
	RUN(a_server_never_there_is_reported_once);
	RUN(a_reply_over_the_limit_is_refused);
	RUN(the_output_is_bounded);
	RUN(a_callback_may_free_the_client);
	return TAP_DONE();
}
