/*
 * decimal.c - decimal text that adds eight digits per 64-bit word.
 *
 * A word holds eight ASCII digits, loaded most significant byte first so the
 * least significant digit lands in the low byte. Adding two such words gives
 * 0x60 + x + y in each byte (no byte overflows: at most 0x72). Adding 0x96
 * more makes each byte 0xf6 + x + y + carry-in, which reaches 0x100 exactly
 * when x + y + carry-in >= 10: the decimal carry becomes the binary carry
 * into the next byte, and out of the top byte into the next word. A byte that
 * carried holds its digit, 0 to 9; one that did not holds 0xf6 + its digit,
 * so its high bit is set: take 0xf6 back from those, add '0' to all.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "decimal.h"

#define ONES	0x0101010101010101ull
#define ZEROS	(0x30 * ONES)		/* "00000000" */

/*
 * Words in memory order, most significant byte first: a load and a byte
 * swap where the compiler says the machine is little-endian (gcc, clang),
 * a load where it is big-endian, byte by byte otherwise.
 */
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define FROM_BE(v)	__builtin_bswap64(v)
#elif defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#define FROM_BE(v)	(v)
#endif

static inline uint64_t
load_be(const char *s)
{
#ifdef FROM_BE
	uint64_t v;

	memcpy(&v, s, 8);
	return FROM_BE(v);
#else
	const unsigned char *p = (const unsigned char *)s;

	return (uint64_t)p[0] << 56 | (uint64_t)p[1] << 48 |
	    (uint64_t)p[2] << 40 | (uint64_t)p[3] << 32 |
	    (uint64_t)p[4] << 24 | (uint64_t)p[5] << 16 |
	    (uint64_t)p[6] << 8 | (uint64_t)p[7];
#endif
}

static inline void
store_be(char *s, uint64_t v)
{
#ifdef FROM_BE
	v = FROM_BE(v);
	memcpy(s, &v, 8);
#else
	int i;

	for (i = 7; i >= 0; i--, v >>= 8)
		s[i] = (char)(unsigned char)v;
#endif
}

void
tw_dec_init(tw_dec *d)
{
	d->buf = NULL;
	d->cap = 0;
	d->len = 0;
}

void
tw_dec_free(tw_dec *d)
{
	free(d->buf);
	tw_dec_init(d);
}

/*
 * Make room for a number of digits digits plus the digit a carry may add,
 * keeping the number where it is relative to the end. Grows by half again
 * at least, so a sequence of sums reallocates once in many steps.
 */
static int
reserve(tw_dec *d, size_t digits)
{
	size_t cap, want;
	char *buf;

	if (digits > SIZE_MAX / 2 - 16) {
		errno = ENOMEM;
		return -1;
	}
	want = (digits + 1 + 7) & ~(size_t)7;
	if (want <= d->cap)
		return 0;
	cap = d->cap + d->cap / 2;
	cap = cap > want ? (cap + 7) & ~(size_t)7 : want;
	if ((buf = malloc(cap)) == NULL)
		return -1;
	memset(buf, '0', cap - d->len);
	if (d->len > 0)
		memcpy(buf + cap - d->len, d->buf + d->cap - d->len, d->len);
	free(d->buf);
	d->buf = buf;
	d->cap = cap;
	return 0;
}

int
tw_dec_set(tw_dec *d, const char *s, size_t len)
{
	size_t i;

	if (len == 0) {
		errno = EINVAL;
		return -1;
	}
	for (i = 0; i < len; i++)
		if (s[i] < '0' || s[i] > '9') {
			errno = EINVAL;
			return -1;
		}
	while (len > 1 && *s == '0') {
		s++;
		len--;
	}
	if (reserve(d, len) == -1)
		return -1;
	memset(d->buf, '0', d->cap - len);
	memcpy(d->buf + d->cap - len, s, len);
	d->len = len;
	return 0;
}

/*
 * The word at p += y (eight digits each) plus carry; returns the carry out:
 * the top digit carried exactly when its byte ended below 10.
 */
static inline uint64_t
add_word(char *p, uint64_t y, uint64_t carry)
{
	uint64_t s = load_be(p) + y + 0x96 * ONES + carry;

	carry = ~s >> 63;
	s -= ((s >> 7) & ONES) * 0xf6;
	store_be(p, s + ZEROS);
	return carry;
}

int
tw_dec_add(tw_dec *a, const tw_dec *b)
{
	size_t m, words, bwords, k;
	uint64_t carry = 0;
	const char *pb;
	char *pa;

	if (b->len == 0)
		return 0;
	m = a->len > b->len ? a->len : b->len;
	if (reserve(a, m) == -1)
		return -1;
	/* One word more than the longer number's digits hold: the top carry
	 * lands in a padding '0'. Past b's buffer, b's words are "00000000". */
	words = (m + 1 + 7) / 8;
	bwords = b->cap / 8 < words ? b->cap / 8 : words;
	pa = a->buf + a->cap;
	pb = b->buf + b->cap;
	for (k = 0; k < bwords; k++) {
		pa -= 8;
		pb -= 8;
		carry = add_word(pa, load_be(pb), carry);
	}
	for (; k < words; k++) {
		pa -= 8;
		carry = add_word(pa, ZEROS, carry);
	}
	a->len = m + (a->buf[a->cap - m - 1] != '0');
	return 0;
}

const char *
tw_dec_text(const tw_dec *d, size_t *len)
{
	if (d->len == 0) {
		*len = 1;
		return "0";
	}
	*len = d->len;
	return d->buf + d->cap - d->len;
}
