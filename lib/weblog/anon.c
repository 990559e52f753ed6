/*
 * anon.c - anonymise a hit's client field.
 */
#define _POSIX_C_SOURCE 200809L

#include <arpa/inet.h>
#include <string.h>

#include "anon.h"
#include "filter.h"

size_t
tw_anon_client(const char *client, size_t len, char *out)
{
	unsigned char addr[16], mapped6[16] = {
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff
	};
	int mapped;

	switch (tw_filter_client_addr(client, len, addr, &mapped)) {
	case 4:
		addr[3] = 0;
		if (mapped) {
			/* Keep the client's form: ::ffff:203.0.113.0. */
			memcpy(mapped6 + 12, addr, 4);
			inet_ntop(AF_INET6, mapped6, out, TW_ANON_MAX);
		} else {
			inet_ntop(AF_INET, addr, out, TW_ANON_MAX);
		}
		break;
	case 6:
		memset(addr + 6, 0, 10);
		inet_ntop(AF_INET6, addr, out, TW_ANON_MAX);
		break;
	default:
		memcpy(out, "-", 2);
		break;
	}
	return strlen(out);
}
