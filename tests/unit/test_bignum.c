/*
 * test_bignum.c - decimal big integers: parsing, printing, addition, and
 * Fibonacci numbers by fast doubling checked against plain additions.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "fib/bignum.h"
#include "numref.h"
#include "tap.h"

static void
random_digits(char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		s[i] = (char)('0' + rng() % 10);
	s[len] = '\0';
}

/* a printed into a malloc'd, NUL-terminated string. */
static char *
str(const tw_big *a)
{
	char *s = malloc(tw_big_digits(a) + 1);

	if (s != NULL)
		s[tw_big_print(a, s)] = '\0';
	return s;
}

/* Does a print exactly as want? */
static int
prints_as(const tw_big *a, const char *want)
{
	char *s = str(a);
	int ok = s != NULL && tw_big_digits(a) == strlen(want) &&
	    strcmp(s, want) == 0;

	if (!ok)
		printf("#   got %.60s, want %.60s\n", s ? s : "(null)", want);
	free(s);
	return ok;
}

static int
parse_str(tw_big *a, const char *s)
{
	return tw_big_parse(a, s, strlen(s));
}

static void
parse_and_print_round_trip_random_numbers(void)
{
	char *s = malloc(5001);
	size_t len, z;
	tw_big a;

	CHECK(s != NULL);
	tw_big_init(&a);
	for (len = 1; len <= 5000; len++) {
		random_digits(s, len);
		/* Some leading zeros now and then, and sometimes all zeros. */
		for (z = 0; z < len && rng() % 4 == 0; z++)
			s[z] = '0';
		CHECK_EQ(parse_str(&a, s), 0);
		if (!prints_as(&a, canonical(s))) {
			printf("#   length %zu\n", len);
			CHECK(0);
		}
	}
	tw_big_free(&a);
	free(s);
}

static void
zero_prints_as_one_digit(void)
{
	tw_big a;

	tw_big_init(&a);
	CHECK(prints_as(&a, "0"));
	CHECK_EQ(parse_str(&a, "0000000000000000000"), 0);
	CHECK_EQ(a.n, 0);
	CHECK(prints_as(&a, "0"));
	CHECK_EQ(tw_big_set_u64(&a, 0), 0);
	CHECK(prints_as(&a, "0"));
	tw_big_free(&a);
}

static void
parse_rejects_anything_but_digits(void)
{
	static const char *bad[] = { "", "-1", "1 ", " 1", "12a", "+3",
	    "1.5", "0x10", "123456789012345678901234567890\n" };
	size_t i;
	tw_big a;

	tw_big_init(&a);
	CHECK_EQ(parse_str(&a, "42"), 0);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		errno = 0;
		CHECK_EQ(parse_str(&a, bad[i]), -1);
		CHECK_EQ(errno, EINVAL);
		/* A rejected string leaves the number as it was. */
		CHECK(prints_as(&a, "42"));
	}
	/* Only len bytes are read: the text need not end there. */
	CHECK_EQ(tw_big_parse(&a, "123abc", 3), 0);
	CHECK(prints_as(&a, "123"));
	tw_big_free(&a);
}

static void
set_u64_and_copy_and_cmp(void)
{
	tw_big a, b;

	tw_big_init(&a);
	tw_big_init(&b);
	CHECK_EQ(tw_big_set_u64(&a, UINT64_MAX), 0);
	CHECK(prints_as(&a, "18446744073709551615"));
	CHECK_EQ(tw_big_copy(&b, &a), 0);
	CHECK_EQ(tw_big_cmp(&a, &b), 0);
	CHECK_EQ(tw_big_set_u64(&b, 1000000000), 0);
	CHECK(prints_as(&b, "1000000000"));
	CHECK_EQ(tw_big_cmp(&a, &b), 1);
	CHECK_EQ(tw_big_cmp(&b, &a), -1);
	CHECK_EQ(parse_str(&a, "999999999"), 0);
	CHECK_EQ(tw_big_cmp(&a, &b), -1);
	CHECK_EQ(parse_str(&a, "1000000001"), 0);
	CHECK_EQ(tw_big_cmp(&a, &b), 1);
	tw_big_free(&a);
	tw_big_free(&b);
}

static void
add_matches_decimal_reference(void)
{
	char x[1200], y[1200], want[1300];
	size_t i, xl, yl;
	tw_big a, b;

	tw_big_init(&a);
	tw_big_init(&b);
	for (i = 0; i < 2000; i++) {
		xl = 1 + rng() % 1000;
		yl = 1 + rng() % 1000;
		random_digits(x, xl);
		random_digits(y, yl);
		/* Runs of nines make long carry chains. */
		if (i % 3 == 0)
			memset(x, '9', xl);
		CHECK_EQ(parse_str(&a, x), 0);
		CHECK_EQ(parse_str(&b, y), 0);
		CHECK_EQ(tw_big_add(&a, &b), 0);
		ref_add(x, y, want);
		CHECK(prints_as(&a, want));
		/* b is unchanged. */
		CHECK(prints_as(&b, canonical(y)));
	}
	tw_big_free(&a);
	tw_big_free(&b);
}

static void
add_in_place_doubles(void)
{
	char x[2000], want[2000];
	int i;
	tw_big a;

	tw_big_init(&a);
	strcpy(x, "1");
	CHECK_EQ(parse_str(&a, x), 0);
	/* 2^1000 has 302 digits: a grows, and moves, many times. */
	for (i = 0; i < 1000; i++) {
		CHECK_EQ(tw_big_add(&a, &a), 0);
		ref_add(x, x, want);
		CHECK(prints_as(&a, want));
		strcpy(x, want);
	}
	CHECK(strncmp(x, "10715086071862673209484250490600018105614048117055336074437503883703510511249361224931983788156958581275946729175531468251871452856923140435984577574698574803934567774824230985421074605062371141877954182153046474983581941267398767559165543946077062914571196477686542167660429831652624386837205668069376", 302) == 0);
	tw_big_free(&a);
}

static void
adding_grows_storage_rarely(void)
{
	tw_big a, b, sw;
	size_t cap, grows = 0;
	int i;

	tw_big_init(&a);
	tw_big_init(&b);
	CHECK_EQ(tw_big_set_u64(&a, 1), 0);
	CHECK_EQ(tw_big_set_u64(&b, 1), 0);
	for (i = 0; i < 20000; i++) {
		cap = a.cap;
		CHECK_EQ(tw_big_add(&a, &b), 0);
		if (a.cap != cap)
			grows++;
		sw = a, a = b, b = sw;
	}
	/* 20000 steps is ~465 limbs: geometric growth, a handful each. */
	CHECK(grows <= 2 * 10);
	tw_big_free(&a);
	tw_big_free(&b);
}

static void
fib_matches_repeated_addition_up_to_300(void)
{
	tw_big x, y, f, g, sw;
	uint64_t n;

	tw_big_init(&x);
	tw_big_init(&y);
	tw_big_init(&f);
	tw_big_init(&g);
	CHECK_EQ(tw_big_set_u64(&x, 0), 0);
	CHECK_EQ(tw_big_set_u64(&y, 1), 0);
	for (n = 0; n < 300; n++) {
		/* x = F(n), y = F(n+1) */
		CHECK_EQ(tw_big_fib(&f, &g, n), 0);
		CHECK_EQ(tw_big_cmp(&f, &x), 0);
		CHECK_EQ(tw_big_cmp(&g, &y), 0);
		CHECK_EQ(tw_big_add(&x, &y), 0);
		sw = x, x = y, y = sw;
	}
	tw_big_free(&x);
	tw_big_free(&y);
	tw_big_free(&f);
	tw_big_free(&g);
}

static void
fib_known_small_values(void)
{
	static const struct {
		uint64_t n;
		const char *f, *f1;
	} known[] = {
		{ 0, "0", "1" },
		{ 1, "1", "1" },
		{ 2, "1", "2" },
		{ 10, "55", "89" },
		{ 93, "12200160415121876738", "19740274219868223167" },
		{ 100, "354224848179261915075", "573147844013817084101" },
	};
	size_t i;
	tw_big a, b;

	tw_big_init(&a);
	tw_big_init(&b);
	for (i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
		CHECK_EQ(tw_big_fib(&a, &b, known[i].n), 0);
		CHECK(prints_as(&a, known[i].f));
		CHECK(prints_as(&b, known[i].f1));
	}
	tw_big_free(&a);
	tw_big_free(&b);
}

static void
fib_1000_has_209_digits(void)
{
	tw_big a, b;
	char *s;

	tw_big_init(&a);
	tw_big_init(&b);
	CHECK_EQ(tw_big_fib(&a, &b, 1000), 0);
	CHECK_EQ(tw_big_digits(&a), 209);
	CHECK((s = str(&a)) != NULL);
	CHECK(strncmp(s, "43466557686937456435", 20) == 0);
	CHECK(strcmp(s + 209 - 20, "76137795166849228875") == 0);
	free(s);
	tw_big_free(&a);
	tw_big_free(&b);
}

/*
 * The additions are the reference for the multiplications: on the way to
 * F(100000) (2322 limbs, so Karatsuba several levels deep, balanced and
 * not), fast doubling must agree at many n, odd and even, on both sides of
 * the schoolbook threshold.
 */
static void
fib_matches_repeated_addition_up_to_100000(void)
{
	tw_big x, y, f, g, sw;
	uint64_t n;
	int checked = 0;

	tw_big_init(&x);
	tw_big_init(&y);
	tw_big_init(&f);
	tw_big_init(&g);
	CHECK_EQ(tw_big_set_u64(&x, 0), 0);
	CHECK_EQ(tw_big_set_u64(&y, 1), 0);
	for (n = 0; n <= 100000; n++) {
		/* x = F(n), y = F(n+1) */
		if (n % 1009 == 0 || (n >= 1700 && n <= 1800) ||
		    (n >= 3400 && n <= 3500) || n == 40000 || n == 40001 ||
		    n == 65535 || n == 65536 || n == 100000) {
			CHECK_EQ(tw_big_fib(&f, &g, n), 0);
			CHECK_EQ(tw_big_cmp(&f, &x), 0);
			CHECK_EQ(tw_big_cmp(&g, &y), 0);
			checked++;
		}
		CHECK_EQ(tw_big_add(&x, &y), 0);
		sw = x, x = y, y = sw;
	}
	CHECK(checked > 300);
	CHECK_EQ(tw_big_digits(&f), 20899);
	tw_big_free(&x);
	tw_big_free(&y);
	tw_big_free(&f);
	tw_big_free(&g);
}

/*
 * Past the reach of the additions above: F(2n-1), F(2n) and F(2n), F(2n+1)
 * come from different bit patterns of the index, so different products
 * (of ~4600 limbs at the last step); they must agree with each other and
 * with F(2n+1) = F(2n-1) + F(2n).
 */
static void
fib_doubling_agrees_at_large_n(void)
{
	tw_big a, b, c, d;
	uint64_t n = 200000;

	tw_big_init(&a);
	tw_big_init(&b);
	tw_big_init(&c);
	tw_big_init(&d);
	/* F(2n - 1), F(2n) computed as one pair, F(2n), F(2n+1) as another. */
	CHECK_EQ(tw_big_fib(&a, &b, 2 * n - 1), 0);
	CHECK_EQ(tw_big_fib(&c, &d, 2 * n), 0);
	CHECK_EQ(tw_big_cmp(&b, &c), 0);
	/* F(2n+1) = F(2n-1) + F(2n). */
	CHECK_EQ(tw_big_add(&a, &b), 0);
	CHECK_EQ(tw_big_cmp(&a, &d), 0);
	/* F(400000) has floor(400000 log10(phi) - log10(sqrt 5)) + 1 digits. */
	CHECK_EQ(tw_big_digits(&c), 83595);
	tw_big_free(&a);
	tw_big_free(&b);
	tw_big_free(&c);
	tw_big_free(&d);
}

static void
fib_index_finds_consecutive_pairs(void)
{
	static const uint64_t ns[] = { 0, 1, 2, 3, 4, 10, 42, 43, 44, 86, 87,
	    100, 1000, 12345, 100000 };
	tw_big a, b;
	uint64_t got;
	size_t i;

	tw_big_init(&a);
	tw_big_init(&b);
	for (i = 0; i < sizeof(ns) / sizeof(ns[0]); i++) {
		CHECK_EQ(tw_big_fib(&a, &b, ns[i]), 0);
		got = UINT64_MAX;
		CHECK_EQ(tw_big_fib_index(&a, &b, &got), 1);
		CHECK_EQ(got, ns[i]);
	}
	/* The small cases by hand: 1, 1 is F(1), F(2). */
	CHECK_EQ(parse_str(&a, "0"), 0);
	CHECK_EQ(parse_str(&b, "1"), 0);
	CHECK_EQ(tw_big_fib_index(&a, &b, &got), 1);
	CHECK_EQ(got, 0);
	CHECK_EQ(parse_str(&a, "1"), 0);
	CHECK_EQ(tw_big_fib_index(&a, &b, &got), 1);
	CHECK_EQ(got, 1);
	CHECK_EQ(parse_str(&b, "2"), 0);
	CHECK_EQ(tw_big_fib_index(&a, &b, &got), 1);
	CHECK_EQ(got, 2);
	tw_big_free(&a);
	tw_big_free(&b);
}

static void
fib_index_rejects_other_pairs(void)
{
	static const char *pairs[][2] = {
		{ "0", "0" }, { "1", "0" }, { "1", "3" }, { "2", "2" },
		{ "2", "5" }, { "4", "7" }, { "55", "144" }, { "89", "55" },
		{ "354224848179261915075", "573147844013817084102" },
		{ "354224848179261915076", "573147844013817084101" },
	};
	tw_big a, b;
	uint64_t got;
	size_t i;

	tw_big_init(&a);
	tw_big_init(&b);
	for (i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
		CHECK_EQ(parse_str(&a, pairs[i][0]), 0);
		CHECK_EQ(parse_str(&b, pairs[i][1]), 0);
		CHECK_EQ(tw_big_fib_index(&a, &b, &got), 0);
	}
	/* F(n), F(n+2) at a size where the search jumps ahead first. */
	CHECK_EQ(tw_big_fib(&a, &b, 5001), 0);
	CHECK_EQ(tw_big_add(&b, &a), 0);
	CHECK_EQ(tw_big_fib_index(&a, &b, &got), 0);
	tw_big_free(&a);
	tw_big_free(&b);
}

/*
 * tw_big_advance() n steps from a random pair equals n plain additions,
 * for pairs of one limb to hundreds, and n across the Karatsuba threshold.
 */
static void
advance_matches_repeated_addition(void)
{
	static const uint64_t ns[] = { 0, 1, 2, 3, 43, 500, 3001 };
	static const size_t lens[] = { 1, 10, 2000 };
	char *s = malloc(2001);
	tw_big a, b, x, y, p, q, t;
	size_t i, j;
	uint64_t k;

	tw_big_init(&a);
	tw_big_init(&b);
	tw_big_init(&x);
	tw_big_init(&y);
	tw_big_init(&p);
	tw_big_init(&q);
	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		random_digits(s, lens[i]);
		CHECK_EQ(parse_str(&a, s), 0);
		random_digits(s, lens[i]);
		CHECK_EQ(parse_str(&b, s), 0);
		for (j = 0; j < sizeof(ns) / sizeof(ns[0]); j++) {
			CHECK_EQ(tw_big_copy(&x, &a), 0);
			CHECK_EQ(tw_big_copy(&y, &b), 0);
			for (k = 0; k < ns[j]; k++) {
				CHECK_EQ(tw_big_add(&x, &y), 0);
				t = x;
				x = y;
				y = t;
			}
			CHECK_EQ(tw_big_copy(&p, &a), 0);
			CHECK_EQ(tw_big_copy(&q, &b), 0);
			CHECK_EQ(tw_big_advance(&p, &q, ns[j]), 0);
			CHECK(tw_big_cmp(&p, &x) == 0 &&
			    tw_big_cmp(&q, &y) == 0);
		}
	}
	free(s);
	tw_big_free(&a);
	tw_big_free(&b);
	tw_big_free(&x);
	tw_big_free(&y);
	tw_big_free(&p);
	tw_big_free(&q);
}

/* Squaring in place agrees with a product of two copies. */
static void
mul_in_place_and_by_zero(void)
{
	tw_big a, b, c, z;

	tw_big_init(&a);
	tw_big_init(&b);
	tw_big_init(&c);
	tw_big_init(&z);
	CHECK_EQ(tw_big_fib(&a, &b, 20000), 0);
	CHECK_EQ(tw_big_copy(&c, &a), 0);
	CHECK_EQ(tw_big_mul(&b, &a, &c), 0);
	CHECK_EQ(tw_big_mul(&a, &a, &a), 0);
	CHECK(tw_big_cmp(&a, &b) == 0);
	CHECK_EQ(tw_big_mul(&a, &a, &z), 0);
	CHECK(prints_as(&a, "0"));
	CHECK_EQ(parse_str(&a, "999999999999999999"), 0);
	CHECK_EQ(tw_big_mul(&a, &a, &a), 0);
	CHECK(prints_as(&a, "999999999999999998000000000000000001"));
	tw_big_free(&a);
	tw_big_free(&b);
	tw_big_free(&c);
	tw_big_free(&z);
}

int
main(void)
{
	RUN(parse_and_print_round_trip_random_numbers);
	RUN(zero_prints_as_one_digit);
	RUN(parse_rejects_anything_but_digits);
	RUN(set_u64_and_copy_and_cmp);
	RUN(add_matches_decimal_reference);
	RUN(add_in_place_doubles);
	RUN(adding_grows_storage_rarely);
	RUN(fib_matches_repeated_addition_up_to_300);
	RUN(fib_known_small_values);
	RUN(fib_1000_has_209_digits);
	RUN(fib_matches_repeated_addition_up_to_100000);
	RUN(fib_doubling_agrees_at_large_n);
	RUN(fib_index_finds_consecutive_pairs);
	RUN(fib_index_rejects_other_pairs);
	RUN(advance_matches_repeated_addition);
	RUN(mul_in_place_and_by_zero);
	return TAP_DONE();
}
