/*
 * bignum.c - non-negative integers in base 10^9 limbs.
 *
 * Two kinds of code live here. The public tw_big functions own their
 * storage and keep the invariants of bignum.h (no leading zero limb, n == 0
 * is zero). Below them, the multiplication used by tw_big_fib() works on
 * bare limb arrays of fixed length, where leading zeros are allowed and a
 * product of an and bn limbs always fills an + bn limbs: Karatsuba is much
 * simpler when nothing is trimmed until the end.
 *
 * Overflow budget: a limb is < 10^9 < 2^30, so a sum of two limbs and a
 * carry fits a uint32_t, and a product of two limbs is < 10^18 < 2^60; a
 * uint64_t holds 18 such products plus a limb (about 1.8 * 10^19 <
 * 1.84 * 10^19), which is why the schoolbook loops reduce every 18 rows.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bignum.h"

#define BASE TW_BIG_BASE

/*
 * Below this many limbs in the shorter operand, schoolbook beats Karatsuba.
 * Measured on F(10^5) to F(2 * 10^6) at -O2: anything from 32 to 80 is
 * within the noise, 16 is clearly slower.
 */
#define KARATSUBA_MIN 40

/* Products of two limbs a uint64_t can sum, on top of one reduced limb. */
#define ACC_ROWS 18

static const char digit_pairs[] =
	"0001020304050607080910111213141516171819"
	"2021222324252627282930313233343536373839"
	"4041424344454647484950515253545556575859"
	"6061626364656667686970717273747576777879"
	"8081828384858687888990919293949596979899";

void
tw_big_init(tw_big *a)
{
	a->limb = NULL;
	a->n = a->cap = 0;
}

void
tw_big_free(tw_big *a)
{
	free(a->limb);
	tw_big_init(a);
}

/*
 * Make room for need limbs, keeping the value. Growth is geometric so that
 * a number growing one limb at a time reallocates only O(log n) times.
 */
static int
reserve(tw_big *a, size_t need)
{
	uint32_t *p;
	size_t cap;

	if (need <= a->cap)
		return 0;
	if (a->cap < (SIZE_MAX / sizeof(*p) - 4) / 2)
		cap = a->cap * 2 + 4;
	else
		cap = need;
	if (cap < need)
		cap = need;
	if (cap > SIZE_MAX / sizeof(*p)) {
		errno = ENOMEM;
		return -1;
	}
	if ((p = realloc(a->limb, cap * sizeof(*p))) == NULL) {
		errno = ENOMEM;
		return -1;
	}
	a->limb = p;
	a->cap = cap;
	return 0;
}

/* Length of x[0..n) without its leading zero limbs. */
static size_t
trim(const uint32_t *x, size_t n)
{
	while (n > 0 && x[n - 1] == 0)
		n--;
	return n;
}

int
tw_big_set_u64(tw_big *a, uint64_t v)
{
	size_t n = 0;

	/* UINT64_MAX has 20 digits: three limbs. */
	if (reserve(a, 3) == -1)
		return -1;
	while (v > 0) {
		a->limb[n++] = v % BASE;
		v /= BASE;
	}
	a->n = n;
	return 0;
}

int
tw_big_copy(tw_big *a, const tw_big *b)
{
	if (a == b)
		return 0;
	if (reserve(a, b->n) == -1)
		return -1;
	if (b->n > 0)
		memcpy(a->limb, b->limb, b->n * sizeof(*b->limb));
	a->n = b->n;
	return 0;
}

int
tw_big_parse(tw_big *a, const char *s, size_t len)
{
	size_t i, n, end, start;
	uint32_t v;

	/* Check everything first, so that a bad string leaves a unchanged. */
	if (len == 0) {
		errno = EINVAL;
		return -1;
	}
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9') {
			errno = EINVAL;
			return -1;
		}
	}
	while (len > 0 && *s == '0') {
		s++;
		len--;
	}
	n = len / TW_BIG_DIGITS + (len % TW_BIG_DIGITS != 0);
	if (reserve(a, n) == -1)
		return -1;
	/* Limb i is the nine digits ending 9 * i from the end of the text. */
	end = len;
	for (i = 0; i < n; i++) {
		start = end >= TW_BIG_DIGITS ? end - TW_BIG_DIGITS : 0;
		for (v = 0; start < end; start++)
			v = v * 10 + (uint32_t)(s[start] - '0');
		a->limb[i] = v;
		end -= end >= TW_BIG_DIGITS ? TW_BIG_DIGITS : end;
	}
	a->n = n;
	return 0;
}

/* Decimal digits of one limb, without leading zeros (1 for zero). */
static size_t
limb_digits(uint32_t v)
{
	size_t d = 1;

	while (v >= 10) {
		v /= 10;
		d++;
	}
	return d;
}

size_t
tw_big_digits(const tw_big *a)
{
	if (a->n == 0)
		return 1;
	return (a->n - 1) * TW_BIG_DIGITS + limb_digits(a->limb[a->n - 1]);
}

/*
 * Write v < 10^9 as exactly nine digits. Two digits per table lookup, and
 * only divisions by constants, which compile to multiplications.
 */
static void
put9(char *p, uint32_t v)
{
	uint32_t hi = v / 10000, lo = v % 10000;

	p[0] = (char)('0' + hi / 10000);
	hi %= 10000;
	memcpy(p + 1, digit_pairs + 2 * (hi / 100), 2);
	memcpy(p + 3, digit_pairs + 2 * (hi % 100), 2);
	memcpy(p + 5, digit_pairs + 2 * (lo / 100), 2);
	memcpy(p + 7, digit_pairs + 2 * (lo % 100), 2);
}

size_t
tw_big_print(const tw_big *a, char *buf)
{
	size_t i, top, len;
	uint32_t v;
	char *p;

	if (a->n == 0) {
		buf[0] = '0';
		return 1;
	}
	/* The top limb without leading zeros, written from its last digit. */
	v = a->limb[a->n - 1];
	top = limb_digits(v);
	p = buf + top;
	while (v >= 100) {
		p -= 2;
		memcpy(p, digit_pairs + 2 * (v % 100), 2);
		v /= 100;
	}
	if (v >= 10) {
		p -= 2;
		memcpy(p, digit_pairs + 2 * v, 2);
	} else
		*--p = (char)('0' + v);
	len = top;
	for (i = a->n - 1; i-- > 0; len += TW_BIG_DIGITS)
		put9(buf + len, a->limb[i]);
	return len;
}

/*
 * r[0..rn) += y[0..yn), where r has room for max(rn, yn) + 1 limbs; r may
 * be y. Returns the new length (a carry out of the top adds a limb).
 */
static size_t
add_limbs(uint32_t *r, size_t rn, const uint32_t *y, size_t yn)
{
	size_t i, n = rn > yn ? rn : yn;
	uint32_t c = 0, s;

	/* s < 2 * 10^9 + 1 < 2^32: no overflow before the compare. */
	for (i = 0; i < rn && i < yn; i++) {
		s = r[i] + y[i] + c;
		c = s >= BASE;
		r[i] = c ? s - BASE : s;
	}
	for (; i < yn; i++) {
		s = y[i] + c;
		c = s >= BASE;
		r[i] = c ? s - BASE : s;
	}
	for (; i < rn && c; i++) {
		s = r[i] + c;
		c = s >= BASE;
		r[i] = c ? s - BASE : s;
	}
	if (c)
		r[n++] = c;
	return n;
}

/*
 * r[0..rn) -= y[0..yn), for rn >= yn and r >= y; the length is kept (the
 * caller trims where it needs to).
 */
static void
sub_limbs(uint32_t *r, size_t rn, const uint32_t *y, size_t yn)
{
	size_t i;
	uint32_t b = 0, d;

	/* Unsigned wrap-around is defined: add BASE back when it borrowed. */
	for (i = 0; i < yn; i++) {
		d = r[i] - y[i] - b;
		b = r[i] < y[i] + b;
		r[i] = b ? d + BASE : d;
	}
	for (; i < rn && b; i++) {
		b = r[i] == 0;
		r[i] = b ? BASE - 1 : r[i] - 1;
	}
}

int
tw_big_add(tw_big *a, const tw_big *b)
{
	size_t n = a->n > b->n ? a->n : b->n;

	if (reserve(a, n + 1) == -1)
		return -1;
	/* b->limb is read only now: when a == b, reserve() may have moved it. */
	a->n = add_limbs(a->limb, a->n, b->limb, b->n);
	return 0;
}

int
tw_big_cmp(const tw_big *a, const tw_big *b)
{
	size_t i;

	if (a->n != b->n)
		return a->n < b->n ? -1 : 1;
	for (i = a->n; i-- > 0;)
		if (a->limb[i] != b->limb[i])
			return a->limb[i] < b->limb[i] ? -1 : 1;
	return 0;
}

/*
 * Carry through t[from..n) so that each element is < BASE, and copy the
 * result to r[from..n) when r is not NULL. The caller knows the value fits
 * in n limbs, so nothing carries out of the top.
 */
static void
reduce(uint64_t *t, size_t from, size_t n, uint32_t *r)
{
	uint64_t c = 0, v;
	size_t k;

	for (k = from; k < n; k++) {
		v = t[k] + c;
		c = v / BASE;
		t[k] = v % BASE;
		if (r != NULL)
			r[k] = (uint32_t)t[k];
	}
}

/*
 * r[0..an+bn) = a * b, schoolbook, for an + bn <= 3 * KARATSUBA_MIN (the
 * caller splits bigger ones). The products are summed in 64-bit columns,
 * reduced after every ACC_ROWS rows, when a column has taken at most one
 * product from each row.
 */
static void
mul_school(uint32_t *r, const uint32_t *a, size_t an, const uint32_t *b,
    size_t bn)
{
	uint64_t t[3 * KARATSUBA_MIN], ai;
	size_t i, j, from = 0;

	memset(t, 0, (an + bn) * sizeof(t[0]));
	for (i = 0; i < an; i++) {
		ai = a[i];
		for (j = 0; j < bn; j++)
			t[i + j] += ai * b[j];
		if (i + 1 - from == ACC_ROWS) {
			reduce(t, from, an + bn, NULL);
			from = i + 1;
		}
	}
	reduce(t, 0, an + bn, r);
}

/*
 * r[0..2an) = a * a, schoolbook: each cross product a[i] * a[j], i < j, is
 * computed once and doubled, about half the work of mul_school().
 */
static void
sqr_school(uint32_t *r, const uint32_t *a, size_t an)
{
	uint64_t t[3 * KARATSUBA_MIN], ai;
	size_t i, j, from = 0, n = 2 * an;

	memset(t, 0, n * sizeof(t[0]));
	for (i = 0; i < an; i++) {
		ai = a[i];
		for (j = i + 1; j < an; j++)
			t[i + j] += ai * a[j];
		if (i + 1 - from == ACC_ROWS) {
			reduce(t, from, n, NULL);
			from = i + 1;
		}
	}
	reduce(t, 0, n, NULL);
	/* Each column is now < BASE: doubled plus a square, < 2^60. */
	for (i = 0; i < n; i++)
		t[i] *= 2;
	for (i = 0; i < an; i++)
		t[2 * i] += (uint64_t)a[i] * a[i];
	reduce(t, 0, n, r);
}

/*
 * r[0..an+bn) = a * b, for an, bn >= 1; r overlaps neither. a == b with
 * an == bn is a square, which takes the cheaper paths all the way down.
 *
 * tmp is scratch of at least 4 * max(an, bn) + 1024 limbs. A Karatsuba
 * step of n limbs uses 4 * (ceil(n / 2) + 1) <= 2n + 6 and recurses on at
 * most (n + 3) / 2 limbs; an unbalanced split uses at most n. Summed over
 * the levels (n / 2^k + 3 limbs at level k, at most 64 levels) that is
 * below 4n + 12 * 64.
 */
static void
mul_rec(uint32_t *r, const uint32_t *a, size_t an, const uint32_t *b,
    size_t bn, uint32_t *tmp)
{
	const uint32_t *sw;
	uint32_t *sa, *sb, *z1;
	size_t m, san, sbn, z1n, rn, k;
	int square = a == b && an == bn;

	if (an < bn) {
		sw = a;
		a = b;
		b = sw;
		k = an;
		an = bn;
		bn = k;
	}
	rn = an + bn;
	if (bn < KARATSUBA_MIN && an <= 2 * KARATSUBA_MIN) {
		if (square)
			sqr_school(r, a, an);
		else
			mul_school(r, a, an, b, bn);
		return;
	}
	m = (an + 1) / 2;
	if (bn <= m) {
		/*
		 * b is too short to split with a: r = a0 * b + a1 * b * B^m,
		 * two products that are each closer to balanced.
		 */
		mul_rec(r, a, m, b, bn, tmp);
		memset(r + m + bn, 0, (an - m) * sizeof(*r));
		mul_rec(tmp, a + m, an - m, b, bn, tmp + (an - m) + bn);
		add_limbs(r + m, rn - m, tmp, rn - m);
		return;
	}

	/*
	 * Karatsuba, with a = a1 B^m + a0 and b = b1 B^m + b0:
	 * z0 = a0 b0 goes to r[0..2m), z2 = a1 b1 to r[2m..rn), and
	 * z1 = (a0 + a1)(b0 + b1) - z0 - z2 >= 0 is added at r + m.
	 * Only additions of non-negative numbers, so no signs to track.
	 */
	mul_rec(r, a, m, b, m, tmp);
	mul_rec(r + 2 * m, a + m, an - m, b + m, bn - m, tmp);
	sa = tmp;
	sb = sa + m + 1;
	z1 = sb + m + 1;
	memcpy(sa, a, m * sizeof(*sa));
	san = add_limbs(sa, m, a + m, an - m);
	if (square) {
		sb = sa;
		sbn = san;
	} else {
		memcpy(sb, b, m * sizeof(*sb));
		sbn = add_limbs(sb, m, b + m, bn - m);
	}
	mul_rec(z1, sa, san, sb, sbn, z1 + 2 * m + 2);
	z1n = san + sbn;
	sub_limbs(z1, z1n, r, 2 * m);
	sub_limbs(z1, z1n, r + 2 * m, rn - 2 * m);
	/* z1 B^m < a b < B^rn: its limbs past rn - m are zero. */
	k = z1n < rn - m ? z1n : rn - m;
	add_limbs(r + m, rn - m, z1, trim(z1, k));
}

/* r = a * b with lengths as in mul_rec(); returns r's trimmed length. */
static size_t
mul(uint32_t *r, const uint32_t *a, size_t an, const uint32_t *b, size_t bn,
    uint32_t *tmp)
{
	if (an == 0 || bn == 0)
		return 0;
	mul_rec(r, a, an, b, bn, tmp);
	return trim(r, an + bn);
}

/*
 * Fast doubling, from the top bit of n down, keeping x = F(k), y = F(k+1):
 *	F(2k)   = F(k) (2 F(k+1) - F(k))
 *	F(2k+1) = F(k)^2 + F(k+1)^2
 * and F(2k+2) = F(2k) + F(2k+1) when the bit is set. 2 F(k+1) - F(k) is
 * F(k+1) + F(k-1), never negative.
 *
 * Sizes: F(m) <= phi^(m-1) and 43 log10(phi) < 9, so F(m) has at most
 * (m - 1) / 43 + 1 limbs. Every intermediate here is a value or a product
 * of two values no bigger than F(n+2), so n / 43 + 8 limbs hold any of
 * them with room for a carry. One allocation serves the whole computation.
 */
int
tw_big_fib(tw_big *a, tw_big *b, uint64_t n)
{
	uint32_t *mem, *x, *y, *t, *p, *q, *s, *tmp, *sw;
	size_t l, xn, yn, tn, pn, qn, sn;
	uint64_t lim = n / 43 + 8;
	int bit;

	if (lim > (SIZE_MAX / sizeof(*mem) - 1024) / 10) {
		errno = ENOMEM;
		return -1;
	}
	l = (size_t)lim;
	if ((mem = malloc((10 * l + 1024) * sizeof(*mem))) == NULL) {
		errno = ENOMEM;
		return -1;
	}
	x = mem;
	y = x + l;
	t = y + l;
	p = t + l;
	q = p + l;
	s = q + l;
	tmp = s + l;		/* the last 4l + 1024, for mul_rec() */

	xn = 0;			/* F(0) */
	y[0] = 1;		/* F(1) */
	yn = 1;
	for (bit = 63; bit >= 0 && (n >> bit & 1) == 0; bit--)
		;
	for (; bit >= 0; bit--) {
		memcpy(t, y, yn * sizeof(*t));
		tn = add_limbs(t, yn, y, yn);
		sub_limbs(t, tn, x, xn);
		tn = trim(t, tn);
		pn = mul(p, x, xn, t, tn, tmp);			/* F(2k) */
		qn = mul(q, x, xn, x, xn, tmp);
		sn = mul(s, y, yn, y, yn, tmp);
		qn = add_limbs(q, qn, s, sn);			/* F(2k+1) */
		if (n >> bit & 1) {
			pn = add_limbs(p, pn, q, qn);		/* F(2k+2) */
			sw = x, x = q, q = sw, xn = qn;
			sw = y, y = p, p = sw, yn = pn;
		} else {
			sw = x, x = p, p = sw, xn = pn;
			sw = y, y = q, q = sw, yn = qn;
		}
	}

	if (reserve(a, xn) == -1 || reserve(b, yn) == -1) {
		free(mem);
		return -1;
	}
	if (xn > 0)
		memcpy(a->limb, x, xn * sizeof(*x));
	a->n = xn;
	memcpy(b->limb, y, yn * sizeof(*y));
	b->n = yn;
	free(mem);
	return 0;
}

int
tw_big_mul(tw_big *r, const tw_big *x, const tw_big *y)
{
	size_t big = x->n > y->n ? x->n : y->n, n;
	uint32_t *out, *tmp;

	if (x->n == 0 || y->n == 0) {
		r->n = 0;
		return 0;
	}
	/* Both buffers in one: the product, then mul_rec()'s scratch. */
	if (big > (SIZE_MAX / sizeof(*out) - 1024) / 7) {
		errno = ENOMEM;
		return -1;
	}
	if ((out = malloc((x->n + y->n + 4 * big + 1024) *
	    sizeof(*out))) == NULL) {
		errno = ENOMEM;
		return -1;
	}
	tmp = out + x->n + y->n;
	n = mul(out, x->limb, x->n, y->limb, y->n, tmp);
	/* x or y may be r: replace r's limbs only now. */
	if (reserve(r, n) == -1) {
		free(out);
		return -1;
	}
	memcpy(r->limb, out, n * sizeof(*out));
	r->n = n;
	free(out);
	return 0;
}

/*
 * With p = F(n-1), q = F(n), s = F(n+1) = p + q:
 *	G(n)   = a p + b q
 *	G(n+1) = a q + b s
 * (by induction on n: true for n = 1, and both sides of each add up).
 */
int
tw_big_advance(tw_big *a, tw_big *b, uint64_t n)
{
	tw_big p, q, s, t, na, nb;
	int rc = -1;

	if (n == 0)
		return 0;
	tw_big_init(&p);
	tw_big_init(&q);
	tw_big_init(&s);
	tw_big_init(&t);
	tw_big_init(&na);
	tw_big_init(&nb);
	if (tw_big_fib(&p, &q, n - 1) == -1 || tw_big_copy(&s, &q) == -1 ||
	    tw_big_add(&s, &p) == -1 ||
	    tw_big_mul(&na, a, &p) == -1 || tw_big_mul(&t, b, &q) == -1 ||
	    tw_big_add(&na, &t) == -1 ||
	    tw_big_mul(&nb, a, &q) == -1 || tw_big_mul(&t, b, &s) == -1 ||
	    tw_big_add(&nb, &t) == -1)
		goto out;
	tw_big_free(a);
	*a = na;
	tw_big_init(&na);
	tw_big_free(b);
	*b = nb;
	tw_big_init(&nb);
	rc = 0;
out:
	tw_big_free(&p);
	tw_big_free(&q);
	tw_big_free(&s);
	tw_big_free(&t);
	tw_big_free(&na);
	tw_big_free(&nb);
	return rc;
}

/*
 * Jump near a by fast doubling, then walk: a has a->n limbs, so a >=
 * B^(a->n - 1) > F(m) for m = 43.0625 (a->n - 1), since F(m) <=
 * phi^(m-1) and log10(phi) * 43.0625 < 9. From there about 0.0023 steps
 * per limb of a (43.0648 - 43.0625), plus the ~43 of the last limb, reach
 * past a: a few thousand additions at most for a million-digit a, where
 * walking from F(0) would take millions.
 */
int
tw_big_fib_index(const tw_big *a, const tw_big *b, uint64_t *n)
{
	tw_big x, y, sw;
	uint64_t i = 0;
	int c, found = 0;

	tw_big_init(&x);
	tw_big_init(&y);
	if (a->n > 1)
		i = (uint64_t)(a->n - 1) * 43 + (a->n - 1) / 16;
	if (tw_big_fib(&x, &y, i) == -1)
		goto fail;
	/* F(1) = F(2) = 1, so a match of a alone does not end the walk. */
	while ((c = tw_big_cmp(&x, a)) <= 0) {
		if (c == 0 && tw_big_cmp(&y, b) == 0) {
			*n = i;
			found = 1;
			break;
		}
		if (tw_big_add(&x, &y) == -1)
			goto fail;
		sw = x, x = y, y = sw;
		i++;
	}
	tw_big_free(&x);
	tw_big_free(&y);
	return found;
fail:
	tw_big_free(&x);
	tw_big_free(&y);
	return -1;
}
