/*
 * addr.c - parse and format the SPEC's address forms.
 */
#define _POSIX_C_SOURCE 200809L

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/un.h>

#include "addr.h"

static int
fail(char *err, size_t errlen, const char *why)
{
	if (errlen > 0)
		snprintf(err, errlen, "%s", why);
	return -1;
}

/* A port: 1 to 5 decimal digits, 0..65535, nothing else. */
static int
parse_port(const char *s, unsigned short *port)
{
	unsigned long v = 0;
	size_t i;

	if (*s == '\0' || strlen(s) > 5)
		return -1;
	for (i = 0; s[i] != '\0'; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	if (v > 65535)
		return -1;
	*port = (unsigned short)v;
	return 0;
}

static int
parse_unix(tw_addr *a, const char *path, char *err, size_t errlen)
{
	struct sockaddr_un *sun = (struct sockaddr_un *)&a->ss;
	size_t n = strlen(path);

	if (n == 0)
		return fail(err, errlen, "empty unix socket path");
	if (n >= sizeof(sun->sun_path))
		return fail(err, errlen, "unix socket path too long");
	sun->sun_family = AF_UNIX;
	memcpy(sun->sun_path, path, n + 1);
	a->len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n + 1);
	return 0;
}

/* A literal IPv4 address, or -1. */
static int
parse_ipv4(tw_addr *a, const char *host, unsigned short port)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)&a->ss;

	if (inet_pton(AF_INET, host, &sin->sin_addr) != 1)
		return -1;
	sin->sin_family = AF_INET;
	sin->sin_port = htons(port);
	a->len = sizeof(*sin);
	return 0;
}

int
tw_addr_parse_numeric(tw_addr *a, const char *s, char *host,
    unsigned short *port, char *err, size_t errlen)
{
	const char *colon, *p;
	size_t hlen;

	memset(a, 0, sizeof(*a));
	if (s == NULL || *s == '\0')
		return fail(err, errlen, "empty address");
	if (strncmp(s, "unix:", 5) == 0)
		return parse_unix(a, s + 5, err, errlen);

	if (s[0] == '[') {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&a->ss;

		if ((p = strchr(s, ']')) == NULL)
			return fail(err, errlen, "missing ']' after IPv6 address");
		if (p[1] != ':')
			return fail(err, errlen, "missing ':PORT' after ']'");
		if (parse_port(p + 2, port) == -1)
			return fail(err, errlen, "bad port (want 0-65535)");
		hlen = (size_t)(p - s - 1);
		if (hlen == 0 || hlen >= TW_ADDR_HOSTLEN)
			return fail(err, errlen, "bad IPv6 address");
		memcpy(host, s + 1, hlen);
		host[hlen] = '\0';
		if (inet_pton(AF_INET6, host, &sin6->sin6_addr) != 1)
			return fail(err, errlen, "bad IPv6 address");
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(*port);
		a->len = sizeof(*sin6);
		return 0;
	}

	if ((colon = strrchr(s, ':')) == NULL) {
		/* PORT alone: loopback. */
		if (parse_port(s, port) == -1)
			return fail(err, errlen,
			    "bad port (want PORT, HOST:PORT, [IPV6]:PORT or unix:PATH)");
		strcpy(host, "127.0.0.1");
	} else {
		if (memchr(s, ':', (size_t)(colon - s)) != NULL)
			return fail(err, errlen,
			    "IPv6 addresses go in brackets: [IPV6]:PORT");
		if (parse_port(colon + 1, port) == -1)
			return fail(err, errlen, "bad port (want 0-65535)");
		hlen = (size_t)(colon - s);
		if (hlen == 0)
			return fail(err, errlen, "missing host before ':PORT'");
		if (hlen >= TW_ADDR_HOSTLEN)
			return fail(err, errlen, "host name too long");
		memcpy(host, s, hlen);
		host[hlen] = '\0';
	}
	return parse_ipv4(a, host, *port) == 0 ? 0 : 1;
}

/*
 * A listen address names one socket: the name's first IPv4 address, as
 * PORT alone is, or its first IPv6 one when it has no IPv4 address.
 */
static int
lookup_first(tw_addr *a, const char *host, unsigned short port, char *err,
    size_t errlen)
{
	struct addrinfo hints, *res, *ai, *pick = NULL;
	int rc;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	if ((rc = getaddrinfo(host, NULL, &hints, &res)) != 0) {
		if (errlen > 0)
			snprintf(err, errlen, "cannot resolve host: %s",
			    rc == EAI_SYSTEM ? strerror(errno) : gai_strerror(rc));
		return -1;
	}
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		if (ai->ai_family == AF_INET) {
			pick = ai;
			break;
		}
		if (ai->ai_family == AF_INET6 && pick == NULL)
			pick = ai;
	}
	if (pick == NULL || pick->ai_addrlen > sizeof(a->ss)) {
		freeaddrinfo(res);
		return fail(err, errlen, "cannot resolve host: no IP address");
	}
	memcpy(&a->ss, pick->ai_addr, pick->ai_addrlen);
	a->len = pick->ai_addrlen;
	if (pick->ai_family == AF_INET)
		((struct sockaddr_in *)&a->ss)->sin_port = htons(port);
	else
		((struct sockaddr_in6 *)&a->ss)->sin6_port = htons(port);
	freeaddrinfo(res);
	return 0;
}

int
tw_addr_parse(tw_addr *a, const char *s, char *err, size_t errlen)
{
	char host[TW_ADDR_HOSTLEN];
	unsigned short port;
	int rc;

	if ((rc = tw_addr_parse_numeric(a, s, host, &port, err, errlen)) != 1)
		return rc;
	return lookup_first(a, host, port, err, errlen);
}

char *
tw_addr_format(const struct sockaddr *sa, socklen_t len, char *buf, size_t n)
{
	char ip[INET6_ADDRSTRLEN];

	if (n == 0)
		return buf;
	buf[0] = '\0';
	if (sa == NULL || len < (socklen_t)sizeof(sa_family_t))
		return buf;
	switch (sa->sa_family) {
	case AF_INET: {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)sa;

		inet_ntop(AF_INET, &sin->sin_addr, ip, sizeof(ip));
		snprintf(buf, n, "%s:%u", ip, (unsigned)ntohs(sin->sin_port));
		break;
	}
	case AF_INET6: {
		const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)sa;

		inet_ntop(AF_INET6, &sin6->sin6_addr, ip, sizeof(ip));
		snprintf(buf, n, "[%s]:%u", ip, (unsigned)ntohs(sin6->sin6_port));
		break;
	}
	case AF_UNIX: {
		const struct sockaddr_un *sun = (const struct sockaddr_un *)sa;
		size_t plen = len > offsetof(struct sockaddr_un, sun_path) ?
		    len - offsetof(struct sockaddr_un, sun_path) : 0;

		if (plen > sizeof(sun->sun_path))
			plen = sizeof(sun->sun_path);
		snprintf(buf, n, "unix:%.*s", (int)strnlen(sun->sun_path, plen),
		    sun->sun_path);
		break;
	}
	default:
		snprintf(buf, n, "(family %d)", (int)sa->sa_family);
	}
	return buf;
}
