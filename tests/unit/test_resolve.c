/*
 * test_resolve.c - tw_resolve(): host names on a worker thread, both
 * families, literal addresses at once, failures through the errback.
 *
 * This program defines getaddrinfo() and freeaddrinfo() itself, so the
 * library's calls come here (the executable's definitions come first): a
 * few made-up names under .test answer as a hosts file would, or wait, or
 * fail, whatever this machine's /etc/hosts says; every other name goes on
 * to the C library's resolver. Each call notes its thread.
 */
#define _GNU_SOURCE		/* RTLD_NEXT */

#include <arpa/inet.h>
#include <dlfcn.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <string.h>
#include <time.h>

#include "tap.h"
#include "twirl.h"

/* ------------------------------------------------- the fake resolver */

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int calls;		/* getaddrinfo calls, any name */
static int ticks;		/* the loop's timer, counted */
static int gate_waited;		/* gated lookups that saw the loop tick */
static int gate_stuck;		/* gated lookups that did not */
static pthread_t gate_thread;	/* the thread of the last gated lookup */
static char fake_mark[] = "twirl-test";	/* ai_canonname of fake lists */

struct fake_node {
	struct addrinfo ai;
	struct sockaddr_storage ss;
};

/* Append one address to *tail unless hints rule its family out. */
static int
fake_add(struct addrinfo ***tail, const struct addrinfo *hints, int family,
    const char *ip)
{
	struct fake_node *n;

	if (hints != NULL && hints->ai_family != AF_UNSPEC &&
	    hints->ai_family != family)
		return 0;
	if ((n = calloc(1, sizeof(*n))) == NULL)
		return -1;
	n->ai.ai_family = family;
	n->ai.ai_socktype = SOCK_STREAM;
	n->ai.ai_protocol = IPPROTO_TCP;
	n->ai.ai_addr = (struct sockaddr *)&n->ss;
	n->ai.ai_canonname = fake_mark;
	if (family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&n->ss;

		sin->sin_family = AF_INET;
		inet_pton(AF_INET, ip, &sin->sin_addr);
		n->ai.ai_addrlen = sizeof(*sin);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&n->ss;

		sin6->sin6_family = AF_INET6;
		inet_pton(AF_INET6, ip, &sin6->sin6_addr);
		n->ai.ai_addrlen = sizeof(*sin6);
	}
	**tail = &n->ai;
	*tail = &n->ai.ai_next;
	return 0;
}

/* Until the loop's timer has fired 3 times; 0 if it did within 5 s. */
static int
wait_for_ticks(void)
{
	struct timespec deadline;
	int rc = 0;

	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += 5;
	pthread_mutex_lock(&mu);
	while (ticks < 3 && rc == 0)
		rc = pthread_cond_timedwait(&cv, &mu, &deadline);
	pthread_mutex_unlock(&mu);
	return ticks >= 3 ? 0 : -1;
}

int
getaddrinfo(const char *node, const char *service,
    const struct addrinfo *hints, struct addrinfo **res)
{
	int (*real)(const char *, const char *, const struct addrinfo *,
	    struct addrinfo **);
	struct addrinfo **tail = res;

	pthread_mutex_lock(&mu);
	calls++;
	pthread_mutex_unlock(&mu);
	*res = NULL;
	if (node != NULL && strcmp(node, "both.twirl.test") == 0) {
		if (fake_add(&tail, hints, AF_INET6, "::1") == -1 ||
		    fake_add(&tail, hints, AF_INET, "127.0.0.1") == -1)
			return EAI_MEMORY;
		return *res != NULL ? 0 : EAI_NONAME;
	}
	if (node != NULL && strcmp(node, "v6only.twirl.test") == 0) {
		if (fake_add(&tail, hints, AF_INET6, "::1") == -1)
			return EAI_MEMORY;
		return *res != NULL ? 0 : EAI_NONAME;
	}
	if (node != NULL && strcmp(node, "nosuch.twirl.test") == 0)
		return EAI_NONAME;
	if (node != NULL && strcmp(node, "slow.twirl.test") == 0) {
		struct timespec ts = { 0, 100 * 1000 * 1000 };

		nanosleep(&ts, NULL);
		return fake_add(&tail, hints, AF_INET, "127.0.0.1") == -1 ?
		    EAI_MEMORY : 0;
	}
	if (node != NULL && strcmp(node, "gated.localhost") == 0) {
		/* localhost itself, once the loop has run on meanwhile. */
		gate_thread = pthread_self();
		if (wait_for_ticks() == 0)
			gate_waited++;
		else
			gate_stuck++;
		node = "localhost";
	}
	*(void **)&real = dlsym(RTLD_NEXT, "getaddrinfo");
	return real(node, service, hints, res);
}

void
freeaddrinfo(struct addrinfo *ai)
{
	void (*real)(struct addrinfo *);
	struct addrinfo *next;

	if (ai != NULL && ai->ai_canonname == fake_mark) {
		for (; ai != NULL; ai = next) {
			next = ai->ai_next;
			free(ai);	/* its fake_node */
		}
		return;
	}
	*(void **)&real = dlsym(RTLD_NEXT, "freeaddrinfo");
	real(ai);
}

/* ---------------------------------------------------------- helpers */

struct answer {
	int fired, error;
	tw_addrlist *list;
	pthread_t thread;
};

static int
got(void *arg, void **value, int error)
{
	struct answer *a = arg;

	a->fired++;
	a->error = error;
	a->thread = pthread_self();
	if (error == 0) {
		a->list = *value;
		*value = NULL;
	}
	return 0;
}

static const char *
fmt(const tw_addrlist *l, size_t i)
{
	static char buf[TW_ADDR_STRLEN];

	return tw_addr_format((const struct sockaddr *)&l->addr[i].ss,
	    l->addr[i].len, buf, sizeof(buf));
}

static int
calls_now(void)
{
	int n;

	pthread_mutex_lock(&mu);
	n = calls;
	pthread_mutex_unlock(&mu);
	return n;
}

static void
tick(tw_timer *t)
{
	pthread_mutex_lock(&mu);
	ticks++;
	pthread_cond_broadcast(&cv);
	pthread_mutex_unlock(&mu);
	tw_call_later(t->data, t, 0.01);	/* armed: cannot fail */
}

/* ------------------------------------------------------------ tests */

static void
localhost_resolves_on_a_worker_while_timers_run(void)
{
	tw_reactor *r = tw_reactor_create(NULL);
	struct answer a = { 0 };
	struct addrinfo hints, *res, *ai;
	tw_timer t;
	tw_deferred *d;
	double end;
	size_t i;

	ticks = gate_waited = gate_stuck = 0;
	tw_timer_init(&t, tick, r);
	CHECK_EQ(tw_call_later(r, &t, 0.01), 0);
	CHECK((d = tw_resolve(r, "gated.localhost:8888")) != NULL);
	CHECK(!tw_deferred_fired(d));
	tw_deferred_add(d, got, got, &a);
	end = tw_reactor_now(r) + 10;
	while (a.fired == 0 && tw_reactor_now(r) < end)
		CHECK(tw_reactor_turn(r, 1000) >= 0);
	/* One lookup, and the timer ran meanwhile: not on this thread. */
	CHECK_EQ(gate_stuck, 0);
	CHECK_EQ(gate_waited, 1);
	CHECK(!pthread_equal(gate_thread, pthread_self()));
	CHECK(pthread_equal(a.thread, pthread_self()));
	CHECK_EQ(a.error, 0);

	/* The very list getaddrinfo gives, in its order, port set. */
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	CHECK_EQ(getaddrinfo("localhost", NULL, &hints, &res), 0);
	for (i = 0, ai = res; ai != NULL; ai = ai->ai_next, i++) {
		char want[TW_ADDR_STRLEN];

		if (ai->ai_family == AF_INET)
			((struct sockaddr_in *)ai->ai_addr)->sin_port = htons(8888);
		else
			((struct sockaddr_in6 *)ai->ai_addr)->sin6_port = htons(8888);
		tw_addr_format(ai->ai_addr, ai->ai_addrlen, want, sizeof(want));
		CHECK(i < a.list->n);
		CHECK(strcmp(fmt(a.list, i), want) == 0);
	}
	freeaddrinfo(res);
	CHECK_EQ(i, a.list->n);
	free(a.list);
	tw_timer_cancel(r, &t);
	tw_deferred_unref(d);
	tw_reactor_destroy(r);
}

static void
a_name_with_both_families_gives_both_in_order(void)
{
	tw_reactor *r = tw_reactor_create(NULL);
	struct answer a = { 0 };
	tw_deferred *d;

	CHECK((d = tw_resolve(r, "both.twirl.test:80")) != NULL);
	tw_deferred_add(d, got, got, &a);
	CHECK_EQ(tw_reactor_run(r), 0);	/* the pending lookup keeps it up */
	CHECK_EQ(a.fired, 1);
	CHECK_EQ(a.error, 0);
	CHECK_EQ(a.list->n, 2);
	CHECK(strcmp(fmt(a.list, 0), "[::1]:80") == 0);
	CHECK(strcmp(fmt(a.list, 1), "127.0.0.1:80") == 0);
	free(a.list);
	tw_deferred_unref(d);
	tw_reactor_destroy(r);
}

static void
a_name_that_does_not_resolve_fails_with_the_errback(void)
{
	tw_reactor *r = tw_reactor_create(NULL);
	struct answer a = { 0 };
	tw_deferred *d;

	CHECK((d = tw_resolve(r, "nosuch.twirl.test:80")) != NULL);
	tw_deferred_add(d, got, got, &a);
	CHECK_EQ(tw_reactor_run(r), 0);
	CHECK_EQ(a.fired, 1);
	CHECK(a.error < 0);
	CHECK(a.list == NULL);
	CHECK(strcmp(tw_resolve_strerror(a.error), gai_strerror(EAI_NONAME)) == 0);
	CHECK(strcmp(tw_resolve_strerror(ENOMEM), strerror(ENOMEM)) == 0);
	tw_deferred_unref(d);
	tw_reactor_destroy(r);
}

static void
literal_addresses_are_answered_at_once_without_a_lookup(void)
{
	static const struct {
		const char *in, *out;
	} lit[] = {
		{ "8888", "127.0.0.1:8888" },
		{ "10.1.2.3:80", "10.1.2.3:80" },
		{ "[::1]:8888", "[::1]:8888" },
		{ "unix:/run/x.sock", "unix:/run/x.sock" },
	};
	tw_reactor *r = tw_reactor_create(NULL);
	int before = calls_now();
	size_t i;

	for (i = 0; i < sizeof(lit) / sizeof(lit[0]); i++) {
		struct answer a = { 0 };
		tw_deferred *d;

		CHECK((d = tw_resolve(r, lit[i].in)) != NULL);
		CHECK(tw_deferred_fired(d));
		tw_deferred_add(d, got, got, &a);
		CHECK_EQ(a.error, 0);
		CHECK_EQ(a.list->n, 1);
		CHECK(strcmp(fmt(a.list, 0), lit[i].out) == 0);
		free(a.list);
		tw_deferred_unref(d);
	}
	{
		struct answer a = { 0 };
		tw_deferred *d;

		CHECK((d = tw_resolve(r, "127.0.0.1:99999")) != NULL);
		tw_deferred_add(d, got, got, &a);
		CHECK_EQ(a.error, EINVAL);
		tw_deferred_unref(d);
	}
	CHECK_EQ(calls_now(), before);
	tw_reactor_destroy(r);
}

static void
a_cancelled_lookup_fails_at_once_and_its_answer_is_freed(void)
{
	tw_reactor *r = tw_reactor_create(NULL);
	struct answer a = { 0 };
	tw_deferred *d;

	CHECK((d = tw_resolve(r, "slow.twirl.test:80")) != NULL);
	tw_deferred_add(d, got, got, &a);
	tw_deferred_cancel(d);
	CHECK_EQ(a.fired, 1);
	CHECK_EQ(a.error, ECANCELED);
	CHECK_EQ(tw_reactor_run(r), 0);	/* until the worker is done */
	CHECK_EQ(a.fired, 1);
	tw_deferred_unref(d);
	tw_reactor_destroy(r);
}

static void
destroying_the_reactor_mid_lookup_frees_it(void)
{
	tw_reactor *r = tw_reactor_create(NULL);
	struct answer a = { 0 };
	tw_deferred *d;

	CHECK((d = tw_resolve(r, "slow.twirl.test:80")) != NULL);
	tw_deferred_add(d, got, got, &a);
	tw_reactor_destroy(r);	/* waits for the worker, drops the answer */
	CHECK_EQ(a.fired, 0);
	tw_deferred_unref(d);
}

static void
a_listen_address_takes_the_first_ipv4_else_the_first_ipv6(void)
{
	char err[128], buf[TW_ADDR_STRLEN];
	tw_addr a;

	CHECK_EQ(tw_addr_parse(&a, "both.twirl.test:80", err, sizeof(err)), 0);
	tw_addr_format((struct sockaddr *)&a.ss, a.len, buf, sizeof(buf));
	CHECK(strcmp(buf, "127.0.0.1:80") == 0);
	CHECK_EQ(tw_addr_parse(&a, "v6only.twirl.test:80", err, sizeof(err)), 0);
	tw_addr_format((struct sockaddr *)&a.ss, a.len, buf, sizeof(buf));
	CHECK(strcmp(buf, "[::1]:80") == 0);
	CHECK_EQ(tw_addr_parse(&a, "nosuch.twirl.test:80", err, sizeof(err)), -1);
	CHECK(strstr(err, gai_strerror(EAI_NONAME)) != NULL);
}

int
main(void)
{
	RUN(localhost_resolves_on_a_worker_while_timers_run);
	RUN(a_name_with_both_families_gives_both_in_order);
	RUN(a_name_that_does_not_resolve_fails_with_the_errback);
	RUN(literal_addresses_are_answered_at_once_without_a_lookup);
	RUN(a_cancelled_lookup_fails_at_once_and_its_answer_is_freed);
	RUN(destroying_the_reactor_mid_lookup_frees_it);
	RUN(a_listen_address_takes_the_first_ipv4_else_the_first_ipv6);
	return TAP_DONE();
}
