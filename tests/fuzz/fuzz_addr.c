/*
 * fuzz_addr.c - the address parser on any bytes: never crashes, and a
 * parsed address formats back to a string that parses to the same address.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char s[512], err[128], back[TW_ADDR_STRLEN];
	tw_addr a, b;

	if (size >= sizeof(s))
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	/* Host names would go to the resolver: keep to numeric forms. */
	if (strchr(s, ':') != NULL && strncmp(s, "unix:", 5) != 0 && s[0] != '[') {
		size_t i;

		for (i = 0; s[i] != ':'; i++)
			if ((s[i] < '0' || s[i] > '9') && s[i] != '.')
				return 0;
	}
	if (tw_addr_parse(&a, s, err, sizeof(err)) == -1) {
		if (err[0] == '\0')
			abort();	/* every refusal has a reason */
		return 0;
	}
	tw_addr_format((struct sockaddr *)&a.ss, a.len, back, sizeof(back));
	if (tw_addr_parse(&b, back, err, sizeof(err)) == -1 || a.len != b.len ||
	    memcmp(&a.ss, &b.ss, a.len) != 0)
		abort();
	return 0;
}
