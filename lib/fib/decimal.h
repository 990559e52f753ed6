/*
 * decimal.h - a non-negative integer kept as its decimal text, for serving
 * a sequence of sums.
 *
 * fib-serve adds two numbers and sends one as text for every request. In
 * binary-ish limbs (bignum.h) the printing costs three times the addition;
 * here the number is its text, so an answer is a pointer and a length, and
 * addition works on the ASCII digits directly, eight per 64-bit word (the
 * carry of a digit sum of ten or more rides the word's own carry chain, see
 * decimal.c), four words at once where the processor has AVX2.
 *
 * The digits sit at the end of a buffer whose length is a multiple of eight,
 * and every byte before them is '0', so a word-wise addition may read and
 * write past the top digit. A number has no leading zero; zero is "0".
 * tw_dec_add() works in place and allocates only when the sum outgrows the
 * buffer, which a growing sequence makes rare.
 *
 * bignum.h remains the tool for everything else (parsing a state file,
 * multiplication, fast doubling); the two meet through text.
 *
 * Errors: -1 with errno (ENOMEM; EINVAL for text that is not a number).
 */
#ifndef TWIRL_DECIMAL_H
#define TWIRL_DECIMAL_H

#include <stddef.h>

typedef struct tw_dec {
	char *buf;		/* cap bytes: '0' padding, then the digits */
	size_t cap;		/* a multiple of 8; 0 before the first set */
	size_t len;		/* digits, at buf + cap - len */
} tw_dec;

/* d = 0, with nothing allocated. Free with tw_dec_free(). */
void tw_dec_init(tw_dec *d);
void tw_dec_free(tw_dec *d);

/*
 * d = the decimal number in s[0..len): one or more ASCII digits, leading
 * zeros allowed (and dropped), nothing else. EINVAL otherwise.
 */
int tw_dec_set(tw_dec *d, const char *s, size_t len);

/* a = a + b (a and b may be the same). */
int tw_dec_add(tw_dec *a, const tw_dec *b);

/* The digits of d (not NUL-terminated); *len gets their count. */
const char *tw_dec_text(const tw_dec *d, size_t *len);

#endif
