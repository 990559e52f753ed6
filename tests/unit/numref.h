/*
 * numref.h - what the number tests check against: a reproducible random
 * source and schoolbook addition on decimal strings, written for clarity,
 * not speed. Included by test_bignum.c and test_decimal.c.
 */
#ifndef TWIRL_NUMREF_H
#define TWIRL_NUMREF_H

#include <stdint.h>
#include <string.h>

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

/* xorshift64: reproducible, so a failure can be replayed. */
static uint64_t
rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

/* The canonical spelling of s: leading zeros stripped, "0" for zero. */
static const char *
canonical(const char *s)
{
	while (s[0] == '0' && s[1] != '\0')
		s++;
	return s;
}

/* Reference addition on decimal strings: out = x + y, canonical. */
static void
ref_add(const char *x, const char *y, char *out)
{
	size_t xl = strlen(x), yl = strlen(y), n = (xl > yl ? xl : yl) + 1;
	size_t i;
	int c = 0, d;

	out[n] = '\0';
	for (i = 0; i < n; i++) {
		d = c;
		if (i < xl)
			d += x[xl - 1 - i] - '0';
		if (i < yl)
			d += y[yl - 1 - i] - '0';
		out[n - 1 - i] = (char)('0' + d % 10);
		c = d / 10;
	}
	memmove(out, canonical(out), strlen(canonical(out)) + 1);
}

#endif
