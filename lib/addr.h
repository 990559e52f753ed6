/*
 * addr.h - the address forms every twirl program accepts (SPEC "Addresses").
 *
 *   PORT          127.0.0.1:PORT (loopback unless told otherwise)
 *   HOST:PORT     IPv4 address or host name
 *   [IPV6]:PORT   IPv6 address, e.g. [::1]:8888 or [::]:8888
 *   unix:PATH     a Unix-domain stream socket
 *
 * Parsing is strict: a port is 0..65535 in decimal, nothing trails it. A host
 * name is resolved with getaddrinfo(3), which may block: parse addresses
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

/*
 * Parse s into a. Returns 0, or -1 with a one-line reason (no address, no
 * newline) in err, such as "port out of range".
 */
int tw_addr_parse(tw_addr *a, const char *s, char *err, size_t errlen);

/*
 * Format a socket address as the forms above ("127.0.0.1:8888",
 * "[::1]:8888", "unix:/run/x.sock"; an unnamed Unix socket is "unix:").
 * Returns buf.
 */
char *tw_addr_format(const struct sockaddr *sa, socklen_t len, char *buf,
    size_t n);

static inline int tw_addr_family(const tw_addr *a) { return a->ss.ss_family; }

#endif
