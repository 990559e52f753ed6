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
 *
 * Word after word, the carry is a chain and each word a dozen and a half
 * instructions: at fib-serve's sizes the addition cost more than all the
 * system calls of its answer. Where the processor has AVX2 (asked at run
 * time: the build targets the baseline), four words go at once: each
 * word's sum without a carry in says whether it carries out (g) and
 * whether a carry in would pass through it (p, all eight bytes 0xff);
 * the carries into the four come from one binary addition of those bits,
 * ((g << 1 | carry in) + p) ^ p, as in a carry-lookahead adder, and are
 * added to the words, which then carry within themselves as above.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#if defined(__GNUC__) && defined(__x86_64__)
#include <immintrin.h>
#define ADD_AVX2
#endif

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

#ifdef ADD_AVX2
/*
 * pa[-32 * n, 0) += pb[-32 * n, 0) plus *carry, four words a step, from
 * the end; *carry gets the carry out. The words' bytes are reversed in the
 * register (least significant digit first, as load_be() has them) and the
 * words too (the least significant in lane 0).
 */
/* Carries into four words, bit i for lane i: 1 in the lanes that get one. */
static const uint64_t lane_carry[16][4] = {
	{ 0, 0, 0, 0 }, { 1, 0, 0, 0 }, { 0, 1, 0, 0 }, { 1, 1, 0, 0 },
	{ 0, 0, 1, 0 }, { 1, 0, 1, 0 }, { 0, 1, 1, 0 }, { 1, 1, 1, 0 },
	{ 0, 0, 0, 1 }, { 1, 0, 0, 1 }, { 0, 1, 0, 1 }, { 1, 1, 0, 1 },
	{ 0, 0, 1, 1 }, { 1, 0, 1, 1 }, { 0, 1, 1, 1 }, { 1, 1, 1, 1 },
};

__attribute__((target("avx2"))) static void
add_avx2(char *pa, const char *pb, size_t n, uint64_t *carry)
{
	const __m256i rev = _mm256_setr_epi8(7, 6, 5, 4, 3, 2, 1, 0,
	    15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0,
	    15, 14, 13, 12, 11, 10, 9, 8);
	const __m256i bias = _mm256_set1_epi8((char)0x96);
	const __m256i ones = _mm256_set1_epi64x(-1);
	const __m256i fix = _mm256_set1_epi8((char)0xf6);
	const __m256i zeros = _mm256_set1_epi8('0');
	unsigned c = (unsigned)*carry;
	size_t k;

	for (k = 0; k < n; k++) {
		__m256i x, s;
		unsigned g, p, sum;

		pa -= 32;
		pb -= 32;
		/* Digit bytes add without carrying out of the byte. */
		x = _mm256_add_epi8(_mm256_loadu_si256((const __m256i *)pa),
		    _mm256_loadu_si256((const __m256i *)pb));
		x = _mm256_permute4x64_epi64(_mm256_shuffle_epi8(x, rev),
		    0x1b);
		s = _mm256_add_epi64(x, bias);
		g = ~(unsigned)_mm256_movemask_pd(_mm256_castsi256_pd(s)) & 15;
		p = (unsigned)_mm256_movemask_pd(_mm256_castsi256_pd(
		    _mm256_cmpeq_epi64(s, ones)));
		sum = ((g << 1) | c) + p;
		c = sum >> 4;
		sum = (sum ^ p) & 15;	/* the carry into each word */
		s = _mm256_add_epi64(s, _mm256_loadu_si256(
		    (const __m256i *)lane_carry[sum]));
		/* Bytes that did not carry are 0xf6 + their digit: negative. */
		s = _mm256_sub_epi8(s, _mm256_and_si256(fix,
		    _mm256_cmpgt_epi8(_mm256_setzero_si256(), s)));
		s = _mm256_add_epi8(s, zeros);
		s = _mm256_shuffle_epi8(_mm256_permute4x64_epi64(s, 0x1b), rev);
		_mm256_storeu_si256((__m256i *)pa, s);
	}
	*carry = c;
}
#endif

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
	k = 0;
#ifdef ADD_AVX2
	if (bwords >= 4 && __builtin_cpu_supports("avx2")) {
		add_avx2(pa, pb, bwords / 4, &carry);
		k = bwords / 4 * 4;
		pa -= 8 * k;
		pb -= 8 * k;
	}
#endif
	for (; k < bwords; k++) {
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
