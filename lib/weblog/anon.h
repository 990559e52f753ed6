/*
 * anon.h - the client field of a hit, anonymised (SPEC "--anonymize"):
 * what weblog-serve writes in place of the client before a hit leaves it.
 *
 *   203.0.113.77           -> 203.0.113.0          IPv4: the first 3 bytes
 *   2001:db8:abcd:12::1    -> 2001:db8:abcd::      IPv6: the first 48 bits
 *   ::ffff:203.0.113.77    -> ::ffff:203.0.113.0   IPv4-mapped: as IPv4
 *   host.example.net       -> -                    not an address
 *
 * Addresses are written in inet_ntop()'s canonical form, so two spellings
 * of one network read the same. A client that is not an address (a host
 * name, as Apache's HostnameLookups writes, or anything else: an empty
 * field, an address with a port or a zone) becomes "-", the log formats'
 * own word for "absent": a host name often names its subscriber
 * (dsl-203-0-113-77.example.net), and no cut of it is safe for every
 * naming scheme.
 *
 * Filters (filter.h) look at the original client: anonymise after them.
 */
#ifndef TWIRL_ANON_H
#define TWIRL_ANON_H

#include <stddef.h>

/* Room for any anonymised client and a NUL (INET6_ADDRSTRLEN). */
#define TW_ANON_MAX 46

/*
 * Anonymise client[0..len) (any bytes) into out, which has room for
 * TW_ANON_MAX bytes. Returns the length written, NUL not counted (out is
 * NUL-terminated). No allocation, no system call.
 */
size_t tw_anon_client(const char *client, size_t len, char *out);

#endif
