/*
 * url.c - parse redis://HOST:PORT/KEY and unix:PATH#KEY (url.h).
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "redis/url.h"

static int
fail(char *err, size_t errlen, const char *why)
{
	if (errlen > 0)
		snprintf(err, errlen, "%s", why);
	return -1;
}

/* Copy p[0..n) and a NUL into out (cap bytes); -1 if it does not fit. */
static int
copy(char *out, size_t cap, const char *p, size_t n)
{
	if (n >= cap)
		return -1;
	memcpy(out, p, n);
	out[n] = '\0';
	return 0;
}

/* 1..65535 in decimal, nothing else. */
static int
parse_port(const char *p, size_t n, unsigned *port)
{
	unsigned v = 0;
	size_t i;

	if (n == 0 || n > 5)
		return -1;
	for (i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return -1;
		v = v * 10 + (unsigned)(p[i] - '0');
	}
	if (v == 0 || v > 65535)
		return -1;
	*port = v;
	return 0;
}

/* The bytes a host name or IPv4 address is made of (RFC 1123). */
static int
host_chars(const char *p, size_t n, const char *extra)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!((p[i] >= 'a' && p[i] <= 'z') ||
		    (p[i] >= 'A' && p[i] <= 'Z') ||
		    (p[i] >= '0' && p[i] <= '9') || p[i] == '.' ||
		    p[i] == '-' || (p[i] != '\0' && strchr(extra, p[i]))))
			return 0;
	return 1;
}

/* redis://HOST[:PORT][/KEY], s past the scheme. */
static int
parse_tcp(tw_redis_url *u, const char *s, char *err, size_t errlen)
{
	const char *slash = strchr(s, '/'), *end, *port = NULL, *host = s;
	size_t hlen;

	end = slash != NULL ? slash : s + strlen(s);
	if (s[0] == '[') {
		const char *close = memchr(s, ']', (size_t)(end - s));

		if (close == NULL)
			return fail(err, errlen,
			    "missing ']' after IPv6 address");
		host = s + 1;
		hlen = (size_t)(close - host);
		if (hlen == 0 || !host_chars(host, hlen, ":"))
			return fail(err, errlen, "bad IPv6 address");
		if (close + 1 != end && close[1] != ':')
			return fail(err, errlen, "missing ':PORT' after ']'");
		if (close + 1 != end)
			port = close + 2;
		u->ipv6 = 1;
	} else {
		port = memchr(s, ':', (size_t)(end - s));
		hlen = (size_t)((port != NULL ? port : end) - s);
		if (port != NULL)
			port++;
		if (hlen == 0)
			return fail(err, errlen, "missing host");
		if (!host_chars(host, hlen, "_"))
			return fail(err, errlen, "bad host");
	}
	if (copy(u->host, sizeof(u->host), host, hlen) == -1)
		return fail(err, errlen, "host name too long");
	if (port != NULL &&
	    parse_port(port, (size_t)(end - port), &u->port) == -1)
		return fail(err, errlen, "bad port (want 1-65535)");
	if (slash != NULL &&
	    copy(u->key, sizeof(u->key), slash + 1, strlen(slash + 1)) == -1)
		return fail(err, errlen, "key too long");
	return 0;
}

int
tw_redis_url_parse(tw_redis_url *u, const char *s, char *err, size_t errlen)
{
	const char *hash;
	size_t plen;

	memset(u, 0, sizeof(*u));
	if (strncmp(s, "unix:", 5) == 0) {
		s += 5;
		hash = strchr(s, '#');
		plen = hash != NULL ? (size_t)(hash - s) : strlen(s);
		if (plen == 0)
			return fail(err, errlen, "missing socket path");
		if (copy(u->path, sizeof(u->path), s, plen) == -1)
			return fail(err, errlen, "socket path too long");
		if (hash != NULL && copy(u->key, sizeof(u->key), hash + 1,
		    strlen(hash + 1)) == -1)
			return fail(err, errlen, "key too long");
		return 0;
	}
	if (strncmp(s, "redis://", 8) == 0) {
		u->port = TW_REDIS_PORT;
		return parse_tcp(u, s + 8, err, errlen);
	}
	return fail(err, errlen,
	    "want redis://HOST[:PORT][/KEY] or unix:PATH[#KEY]");
}

int
tw_redis_url_addr(const tw_redis_url *u, tw_addr *a, char *err,
    size_t errlen)
{
	char s[sizeof(u->host) + sizeof(u->path) + 16];
	const char *host = u->host;
	struct in_addr in;
	struct in6_addr in6;

	if (u->path[0] != '\0') {
		snprintf(s, sizeof(s), "unix:%s", u->path);
		return tw_addr_parse(a, s, err, errlen);
	}
	if (strcmp(host, "localhost") == 0)
		host = "127.0.0.1";
	/* Checked here, so tw_addr_parse() never reaches getaddrinfo(). */
	if (u->ipv6 && inet_pton(AF_INET6, host, &in6) == 1)
		snprintf(s, sizeof(s), "[%s]:%u", host, u->port);
	else if (!u->ipv6 && inet_pton(AF_INET, host, &in) == 1)
		snprintf(s, sizeof(s), "%s:%u", host, u->port);
	else if (u->ipv6)
		return fail(err, errlen, "bad IPv6 address");
	else
		return fail(err, errlen, "host names are not resolved yet: "
		    "give an IP address or localhost");
	return tw_addr_parse(a, s, err, errlen);
}
