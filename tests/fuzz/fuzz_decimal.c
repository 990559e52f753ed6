/*
 * fuzz_decimal.c - decimal text addition: the input is X,Y (split at the
 * first comma). Each side is accepted by tw_dec_set() exactly when it is
 * one or more digits; then X + Y, and Y + X, equal bignum.h's sum, and
 * Y + Y equals its doubling, and adding the two again agrees too.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fib/bignum.h"
#include "fib/decimal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
all_digits(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return n > 0;
}

/* Abort unless d's text is n's. */
static void
same(const tw_dec *d, const tw_big *n)
{
	size_t len, want = tw_big_digits(n);
	const char *t = tw_dec_text(d, &len);
	char *out;

	if ((out = malloc(want)) == NULL)
		abort();
	if (tw_big_print(n, out) != len || memcmp(out, t, len) != 0)
		abort();
	free(out);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data, *comma, *y;
	size_t xl, yl;
	tw_dec a, b;
	tw_big ba, bb;

	if ((comma = memchr(s, ',', size)) == NULL)
		return 0;
	xl = (size_t)(comma - s);
	y = comma + 1;
	yl = size - xl - 1;
	tw_dec_init(&a);
	tw_dec_init(&b);
	tw_big_init(&ba);
	tw_big_init(&bb);
	if ((tw_dec_set(&a, s, xl) == 0) != all_digits(s, xl) ||
	    (tw_dec_set(&b, y, yl) == 0) != all_digits(y, yl))
		abort();
	if (all_digits(s, xl) && all_digits(y, yl)) {
		if (tw_big_parse(&ba, s, xl) == -1 ||
		    tw_big_parse(&bb, y, yl) == -1)
			abort();
		same(&a, &ba);
		same(&b, &bb);
		tw_big_add(&ba, &bb);
		tw_dec_add(&a, &b);
		same(&a, &ba);		/* X + Y */
		tw_big_add(&bb, &bb);
		tw_dec_add(&b, &b);
		same(&b, &bb);		/* Y + Y */
		tw_big_add(&bb, &ba);
		tw_dec_add(&b, &a);
		same(&b, &bb);		/* then the sum of the two */
	}
	tw_dec_free(&a);
	tw_dec_free(&b);
	tw_big_free(&ba);
	tw_big_free(&bb);
	return 0;
}
