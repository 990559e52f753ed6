/*
 * addr.h - the address forms every twirl program accepts (SPEC "Addresses").
 *
 *   PORT          127.0.0.1:PORT (loopback unless told otherwise)
 *   HOST:PORT     IPv4 address or host name
 *   [IPV6]:PORT   IPv6 address, e.g. [::1]:8888 or [::]:8888
 *   unix:PATH     a Unix-domain stream socket
 *
 * Parsing is strict: a port is 0..65535 in decimal, nothing trails it.
 *
 * A host name needs a lookup. A client looks it up with tw_resolve()
 * (resolve.h): on a worker thread, every address of both families, again
 * before each reconnect. A server's listen address is looked up once, by
 * tw_addr_parse() itself, with getaddrinfo(3), which may block: parse it
 * before the loop runs.
 */
#ifndef TWIRL_ADDR_H
#define TWIRL_ADDR_H

#include <stddef.h>
#include <sys/socket.h>

typedef struct tw_addr {
	struct sockaddr_storage ss;
	socklen_t len;
} tw_addr;

/* Longest string tw_addr_format() writes, with its NUL. */
#define TW_ADDR_STRLEN 128

/* Longest host name HOST:PORT may carry, with its NUL. */
#define TW_ADDR_HOSTLEN 256

/*
 * Parse s into a, for a listen address. A host name is looked up here and
 * gives its first IPv4 address, or its first IPv6 one when it has none
 * (one socket, and PORT alone is IPv4 too). Returns 0, or -1 with a
 * one-line reason (no address, no newline) in err, such as "port out of
 * range" or "cannot resolve host: Name or service not known".
 */
int tw_addr_parse(tw_addr *a, const char *s, char *err, size_t errlen);

/*
 * Parse s, looking nothing up. Returns 0 with a filled in when s is a
 * literal address (PORT, IPV4:PORT, [IPV6]:PORT, unix:PATH); 1 when s is
 * HOST:PORT with a host name, which host (TW_ADDR_HOSTLEN bytes) and
 * *port receive, a untouched; or -1 with the reason in err, as above.
 */
int tw_addr_parse_numeric(tw_addr *a, const char *s, char *host,
    unsigned short *port, char *err, size_t errlen);

/*
 * Format a socket address as the forms above ("127.0.0.1:8888",
 * "[::1]:8888", "unix:/run/x.sock"; an unnamed Unix socket is "unix:").
 * Returns buf.
 */
char *tw_addr_format(const struct sockaddr *sa, socklen_t len, char *buf,
    size_t n);

static inline int tw_addr_family(const tw_addr *a) { return a->ss.ss_family; }

#endif
