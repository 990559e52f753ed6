/*
 * fuzz_bignum.c - big-number parsing and printing: any bytes either parse
 * (digits only) and print back as the same number without leading zeros,
 * or are refused; and a + a prints as twice the number.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fib/bignum.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	size_t i, lead = 0, n;
	int digits = size > 0;
	tw_big a, b;
	char *out;

	for (i = 0; i < size; i++)
		if (s[i] < '0' || s[i] > '9')
			digits = 0;
	tw_big_init(&a);
	tw_big_init(&b);
	if (tw_big_parse(&a, s, size) == -1) {
		if (digits)
			abort();	/* digits must parse */
		return 0;
	}
	if (!digits)
		abort();		/* anything else must not */
	while (lead + 1 < size && s[lead] == '0')
		lead++;
	n = tw_big_digits(&a);
	if ((out = malloc(n + 1)) == NULL)
		abort();
	if (tw_big_print(&a, out) != n || n != size - lead ||
	    memcmp(out, s + lead, n) != 0)
		abort();
	free(out);
	/* a + a compared with a doubled by the schoolbook rule. */
	tw_big_copy(&b, &a);
	tw_big_add(&b, &b);
	tw_big_add(&a, &a);
	if (tw_big_cmp(&a, &b) != 0)
		abort();
	tw_big_free(&a);
	tw_big_free(&b);
	return 0;
}
