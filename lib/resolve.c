/*
 * resolve.c - getaddrinfo(3) on a worker thread, its answer in the loop.
 *
 * A lookup is shared by two owners, each holding one reference: the worker
 * that runs getaddrinfo and writes the answer into it, and the loop, which
 * fires the caller's deferred with that answer. Each drops its reference
 * when done with it, the last one frees it: so neither a cancel (the
 * caller stops waiting while the worker still runs) nor tw_reactor_destroy()
 * (which drops jobs' results unseen, thread.h) can free the lookup under
 * the worker, nor lose it. The loop's pending lookups hang off the reactor
 * for that second case.
 *
 * A lookup still queued when the reactor is destroyed never runs, so its
 * worker's reference is never dropped. Modules are destroyed in reverse
 * order of registration: when the pool was registered after this module,
 * as when tw_resolve() is the pool's first user, it is gone by then and a
 * lookup that holds both references never started, and never will; this
 * module drops both. When the pool came first, workers may still start
 * queued lookups, so only the loop's reference is dropped, and a lookup
 * left queued behind all the busy workers is lost: a shutdown's leak.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "resolve.h"
#include "thread.h"

struct lookup {
	atomic_int refs;		/* the worker's and the loop's */
	char host[TW_ADDR_HOSTLEN];
	unsigned short port;
	tw_addrlist *list;		/* the answer, or NULL with error */
	int error;
	tw_deferred *d;			/* the caller's; NULL once it gave up */
	struct resolver *rs;
	struct lookup *prev, *next;	/* pending in the reactor */
};

struct resolver {
	struct lookup *pending;
	int pool_known;		/* pool_after is set */
	int pool_after;		/* the pool registered after this module */
};

static char resolver_key;	/* its address names struct resolver */

static void
release(struct lookup *lk)
{
	if (atomic_fetch_sub(&lk->refs, 1) != 1)
		return;
	free(lk->list);
	free(lk);
}

static void
unlink_lookup(struct resolver *rs, struct lookup *lk)
{
	if (lk->prev != NULL)
		lk->prev->next = lk->next;
	else
		rs->pending = lk->next;
	if (lk->next != NULL)
		lk->next->prev = lk->prev;
}

/* The reactor goes: its lookups' deferreds are dropped, unfired. */
static void
resolver_destroy(tw_reactor *r, void *state)
{
	struct resolver *rs = state;
	struct lookup *lk, *next;

	(void)r;
	for (lk = rs->pending; lk != NULL; lk = next) {
		next = lk->next;
		if (lk->d != NULL) {
			tw_deferred_set_canceller(lk->d, NULL, NULL);
			tw_deferred_unref(lk->d);
		}
		lk->d = NULL;
		if (rs->pool_after && atomic_load(&lk->refs) == 2)
			release(lk);	/* the worker's: it never ran */
		release(lk);
	}
	free(rs);
}

static struct resolver *
get_resolver(tw_reactor *r)
{
	struct resolver *rs;

	if ((rs = tw__module_state(r, &resolver_key)) != NULL)
		return rs;
	if ((rs = calloc(1, sizeof(*rs))) == NULL)
		return NULL;
	if (tw__module_add(r, &resolver_key, rs, resolver_destroy) == -1) {
		free(rs);
		return NULL;
	}
	return rs;
}

/* getaddrinfo's errors are negative here, apart from errno's values. */
static int
eai_error(int rc)
{
	if (rc == EAI_SYSTEM)
		return errno != 0 ? errno : EIO;
	return rc < 0 ? rc : -rc;
}

const char *
tw_resolve_strerror(int error)
{
	if (error < 0)
		return gai_strerror(EAI_NONAME < 0 ? error : -error);
	return strerror(error);
}

static tw_addrlist *
new_list(size_t n)
{
	tw_addrlist *l;

	if ((l = calloc(1, sizeof(*l) + n * sizeof(l->addr[0]))) != NULL)
		l->n = n;
	return l;
}

static int
usable(const struct addrinfo *ai)
{
	return (ai->ai_family == AF_INET || ai->ai_family == AF_INET6) &&
	    ai->ai_addrlen <= sizeof(struct sockaddr_storage);
}

/* On a worker: may block for as long as the resolver takes. */
static int
lookup_work(void *arg, void **value)
{
	struct lookup *lk = arg;
	struct addrinfo hints, *res, *ai;
	size_t n = 0;
	int rc;

	*value = NULL;		/* the answer stays in lk: see the top */
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	if ((rc = getaddrinfo(lk->host, NULL, &hints, &res)) != 0) {
		lk->error = eai_error(rc);
		release(lk);
		return 0;
	}
	for (ai = res; ai != NULL; ai = ai->ai_next)
		n += usable(ai);
	if (n == 0)
		lk->error = eai_error(EAI_NONAME);
	else if ((lk->list = new_list(n)) == NULL)
		lk->error = ENOMEM;
	else {
		tw_addr *a = lk->list->addr;

		for (ai = res; ai != NULL; ai = ai->ai_next) {
			if (!usable(ai))
				continue;
			memcpy(&a->ss, ai->ai_addr, ai->ai_addrlen);
			a->len = ai->ai_addrlen;
			if (ai->ai_family == AF_INET)
				((struct sockaddr_in *)&a->ss)->sin_port =
				    htons(lk->port);
			else
				((struct sockaddr_in6 *)&a->ss)->sin6_port =
				    htons(lk->port);
			a++;
		}
	}
	freeaddrinfo(res);
	release(lk);
	return 0;
}

/* In the loop, once the worker is done: the caller's deferred fires. */
static int
lookup_done(void *arg, void **value, int error)
{
	struct lookup *lk = arg;
	tw_deferred *d = lk->d;
	tw_addrlist *list;

	(void)value;
	unlink_lookup(lk->rs, lk);
	lk->d = NULL;
	if (d != NULL) {
		if (error == 0)
			error = lk->error;
		if (error != 0)
			tw_deferred_errback(d, error);
		else {
			list = lk->list;
			lk->list = NULL;
			tw_deferred_callback(d, list);
		}
		tw_deferred_unref(d);
	}
	release(lk);
	return 0;
}

/* The caller gave up: the worker finishes, and lookup_done() frees. */
static void
cancel_lookup(tw_deferred *d, void *arg)
{
	struct lookup *lk = arg;

	lk->d = NULL;
	tw_deferred_unref(d);	/* the lookup's; the caller holds its own */
}

/* A literal address: answered now, no thread. */
static tw_deferred *
answer_now(tw_reactor *r, const tw_addr *a, int error)
{
	tw_deferred *d;
	tw_addrlist *list = NULL;

	if ((d = tw_deferred_new(r)) == NULL)
		return NULL;
	if (error == 0) {
		if ((list = new_list(1)) == NULL) {
			tw_deferred_unref(d);
			return NULL;
		}
		list->addr[0] = *a;
		tw_deferred_callback(d, list);
	} else
		tw_deferred_errback(d, error);
	return d;
}

tw_deferred *
tw_resolve(tw_reactor *r, const char *address)
{
	struct resolver *rs;
	struct lookup *lk;
	tw_deferred *d, *job;
	tw_addr a;
	int rc, nmodules;

	if ((lk = calloc(1, sizeof(*lk))) == NULL)
		return NULL;
	rc = tw_addr_parse_numeric(&a, address, lk->host, &lk->port, NULL, 0);
	if (rc != 1) {
		free(lk);
		return answer_now(r, &a, rc == 0 ? 0 : EINVAL);
	}
	if ((rs = get_resolver(r)) == NULL || (d = tw_deferred_new(r)) == NULL) {
		free(lk);
		return NULL;
	}
	atomic_init(&lk->refs, 2);
	nmodules = r->nmodules;
	if ((job = tw_defer_to_thread(r, lookup_work, lk)) == NULL) {
		rc = errno;
		tw_deferred_unref(d);
		free(lk);
		errno = rc;
		return NULL;
	}
	if (!rs->pool_known) {
		/* The pool, if this call made it, registered just now. */
		rs->pool_known = 1;
		rs->pool_after = r->nmodules > nmodules;
	}
	lk->rs = rs;
	lk->d = tw_deferred_ref(d);
	if ((lk->next = rs->pending) != NULL)
		lk->next->prev = lk;
	rs->pending = lk;
	tw_deferred_set_canceller(d, cancel_lookup, lk);
	if (tw_deferred_add(job, lookup_done, lookup_done, lk) == -1) {
		/* The worker still runs; the reactor's end frees the lookup. */
		cancel_lookup(d, lk);
		tw_deferred_set_canceller(d, NULL, NULL);
		tw_deferred_unref(d);
		tw_deferred_unref(job);
		errno = ENOMEM;
		return NULL;
	}
	tw_deferred_unref(job);	/* the job holds its own */
	return d;
}
