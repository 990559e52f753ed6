/*
 * url.h - the Redis addresses fib-serve --redis and weblog-serve
 * --publish/--subscribe take (SPEC "Sharing one sequence across machines
 * (Redis)", "Beyond one machine").
 *
 *   redis://HOST[:PORT][/KEY]
 *   unix:PATH[#KEY]
 *
 * The port is 6379 unless given. KEY, the rest, is the caller's key or
 * stream name, taken as it is (no percent-decoding); it may be empty. HOST
 * is an IPv4 address, an IPv6 address in brackets, or "localhost"
 * (127.0.0.1): the core has no asynchronous resolver yet and
 * getaddrinfo(3) would block the loop, so host names parse but have no
 * address. A socket path cannot hold '#'.
 */
#ifndef TWIRL_REDIS_URL_H
#define TWIRL_REDIS_URL_H

#include <stddef.h>

#include "addr.h"

#define TW_REDIS_PORT 6379
#define TW_REDIS_KEY_MAX 512	/* bytes of a key, with its NUL */

/* A parsed address. */
typedef struct tw_redis_url {
	char host[256];		/* "" for a Unix socket; IPv6 without [] */
	int ipv6;		/* host was in brackets */
	unsigned port;		/* 1..65535; 0 for a Unix socket */
	char path[108];		/* the socket's path, or "" */
	char key[TW_REDIS_KEY_MAX];	/* "" when there is none */
} tw_redis_url;

/*
 * Parse s (forms above). Returns 0, or -1 with a one-line reason in err
 * ("bad port", ...). Resolves nothing.
 */
int tw_redis_url_parse(tw_redis_url *u, const char *s, char *err,
    size_t errlen);

/*
 * The socket address of u. Returns 0, or -1 with a reason in err (a host
 * name, which would need a resolver).
 */
int tw_redis_url_addr(const tw_redis_url *u, tw_addr *a, char *err,
    size_t errlen);

#endif
