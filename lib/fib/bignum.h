/*
 * bignum.h - non-negative integers of any size, in decimal limbs.
 *
 * fib-serve adds two numbers and prints one for every request; a state
 * file holds them as decimal text. So the digits are stored in base 10^9
 * limbs, least significant first: parsing and printing are a copy of nine
 * digits per limb, with no division, and addition is a carry chain.
 * tw_big_add() works in place and allocates only when the number outgrows
 * its storage, which a sequence that grows by a limb every ~43 steps makes
 * rare: serving costs no allocation per request.
 *
 * tw_big_fib() computes F(n), F(n+1) by fast doubling, for --index N: a
 * few multiplications of numbers of n * 0.21 digits, schoolbook below a
 * threshold and Karatsuba above it, so F(1,000,000) takes well under a
 * second. tw_big_advance() moves any pair of a Fibonacci-like sequence
 * (a, b, a + b, ...) n steps on with the same tools.
 *
 * Errors: -1 with errno (ENOMEM; EINVAL for text that is not a number).
 */
#ifndef TWIRL_BIGNUM_H
#define TWIRL_BIGNUM_H

#include <stddef.h>
#include <stdint.h>

#define TW_BIG_BASE 1000000000u	/* 10^9 */
#define TW_BIG_DIGITS 9		/* decimal digits per limb */

typedef struct tw_big {
	uint32_t *limb;		/* least significant first, each < 10^9 */
	size_t n;		/* limbs in use; 0 is zero; no leading zero limb */
	size_t cap;
} tw_big;

void tw_big_init(tw_big *a);
void tw_big_free(tw_big *a);

/* a = v. */
int tw_big_set_u64(tw_big *a, uint64_t v);

/* a = b (a copy). */
int tw_big_copy(tw_big *a, const tw_big *b);

/*
 * a = the decimal number in s[0..len): one or more ASCII digits, leading
 * zeros allowed, nothing else (no sign, no space). EINVAL otherwise.
 */
int tw_big_parse(tw_big *a, const char *s, size_t len);

/* Decimal digits a prints as (1 for zero). */
size_t tw_big_digits(const tw_big *a);

/*
 * Write a in decimal to buf, which has room for tw_big_digits(a) bytes;
 * no NUL is added. Returns the number of bytes written.
 */
size_t tw_big_print(const tw_big *a, char *buf);

/* a = a + b (a and b may be the same). */
int tw_big_add(tw_big *a, const tw_big *b);

/* -1, 0 or 1 as a <, == or > b. */
int tw_big_cmp(const tw_big *a, const tw_big *b);

/* r = x * y (r may be x or y). Karatsuba above a threshold. */
int tw_big_mul(tw_big *r, const tw_big *x, const tw_big *y);

/* a = F(n), b = F(n+1), with F(0) = 0, F(1) = 1. */
int tw_big_fib(tw_big *a, tw_big *b, uint64_t n);

/*
 * Move the pair a, b of any sequence G with G(k+1) = G(k) + G(k-1) n steps
 * on: with G(0) = a, G(1) = b, a = G(n) and b = G(n+1), computed as
 * G(n) = a F(n-1) + b F(n) and G(n+1) = a F(n) + b F(n+1), so it costs one
 * tw_big_fib() and four multiplications, not n additions. For fib-serve
 * --redis, whose blocks start anywhere in the sequence, and for a state
 * file's reserve. On -1 (ENOMEM) a and b are unchanged.
 */
int tw_big_advance(tw_big *a, tw_big *b, uint64_t n);

/*
 * If a = F(n) and b = F(n+1) for some n, store n and return 1; else 0
 * (-1 with ENOMEM). For fib-snapshot show: jumps close below a by fast
 * doubling, then walks the sequence until it passes a.
 */
int tw_big_fib_index(const tw_big *a, const tw_big *b, uint64_t *n);

#endif
