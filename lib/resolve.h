/*
 * resolve.h - look up an address to connect to without blocking the loop.
 *
 * Twisted's reactor.resolve(), for the address forms of addr.h. A host name
 * (HOST:PORT) is looked up with getaddrinfo(3) (AF_UNSPEC, SOCK_STREAM) on
 * one of the reactor's worker threads (thread.h), because a lookup may
 * take seconds; its deferred then fires in the loop with every address the
 * name has, IPv6 and IPv4, in getaddrinfo's order (the preferred first), so
 * that a client can try each in turn. A literal address (PORT, IPV4:PORT,
 * [IPV6]:PORT, unix:PATH) needs no thread: its deferred has fired, with one
 * address, when tw_resolve() returns. Nothing is cached: a client resolves
 * again before each reconnect, and so finds a name that moved.
 *
 * Failures fail the deferred with an error number that tw_resolve_strerror()
 * explains: getaddrinfo's own errors (a name that does not exist, a
 * resolver that does not answer) as negative numbers, any other as an
 * errno value: EINVAL for an address tw_addr_parse_numeric() rejects (call
 * it first for the reason), ENOMEM, ECANCELED, ETIMEDOUT.
 *
 * Cancelling the deferred, or its timeout, fails it at once; the lookup
 * itself cannot be stopped, so it runs to its end on its worker and its
 * result is freed. tw_reactor_destroy() waits for a lookup that is running
 * (thread.h) and drops its deferred unfired.
 */
#ifndef TWIRL_RESOLVE_H
#define TWIRL_RESOLVE_H

#include <stddef.h>

#include "addr.h"
#include "deferred.h"
#include "reactor.h"

/* The addresses a lookup found: one allocation, free(3) it. */
typedef struct tw_addrlist {
	size_t n;		/* at least 1 */
	tw_addr addr[];		/* n of them */
} tw_addrlist;

/*
 * Look up address. Returns a deferred (the caller holds one reference)
 * that fires with a tw_addrlist *, which the chain owns, or fails as
 * above; or NULL with errno set (ENOMEM, or no worker thread could start).
 */
tw_deferred *tw_resolve(tw_reactor *r, const char *address);

/* Why a lookup failed: gai_strerror(3) or strerror(3) of its error. */
const char *tw_resolve_strerror(int error);

#endif
