/*
 * test_decimal.c - decimal text addition: checked digit by digit against a
 * schoolbook reference and against bignum.h, across word boundaries, carry
 * chains and growth; the Fibonacci sequence from both agrees.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fib/bignum.h"
#include "fib/decimal.h"
#include "numref.h"
#include "tap.h"

static int
text_is(const tw_dec *d, const char *want)
{
	size_t len;
	const char *t = tw_dec_text(d, &len);

	return len == strlen(want) && memcmp(t, want, len) == 0;
}

/* A canonical number of len digits: digits drawn from pool, no leading 0. */
static void
number(char *s, size_t len, const char *pool)
{
	size_t i, np = strlen(pool);

	for (i = 0; i < len; i++)
		s[i] = pool[rng() % np];
	if (len > 1 && s[0] == '0')
		s[0] = '1';
	s[len] = '\0';
}

static void
set_drops_leading_zeros_and_refuses_non_digits(void)
{
	tw_dec d;
	size_t len;

	tw_dec_init(&d);
	CHECK(text_is(&d, "0"));
	CHECK(tw_dec_set(&d, "000123", 6) == 0);
	CHECK(text_is(&d, "123"));
	CHECK(tw_dec_set(&d, "0000", 4) == 0);
	CHECK(text_is(&d, "0"));
	CHECK(tw_dec_set(&d, "98765432109876543210", 20) == 0);
	CHECK(text_is(&d, "98765432109876543210"));
	/* Shorter again: the old digits must not show through the padding. */
	CHECK(tw_dec_set(&d, "7", 1) == 0);
	CHECK(text_is(&d, "7"));
	CHECK(d.cap % 8 == 0);
	for (len = 0; len < d.cap - 1; len++)
		CHECK(d.buf[len] == '0');
	errno = 0;
	CHECK(tw_dec_set(&d, "", 0) == -1 && errno == EINVAL);
	CHECK(tw_dec_set(&d, "12a", 3) == -1 && errno == EINVAL);
	CHECK(tw_dec_set(&d, "-1", 2) == -1 && errno == EINVAL);
	CHECK(tw_dec_set(&d, " 1", 2) == -1 && errno == EINVAL);
	CHECK(text_is(&d, "7"));	/* a refused set leaves the number */
	tw_dec_free(&d);
}

static void
add_carries_across_words_and_out_of_the_top(void)
{
	static const char *cases[][3] = {
		{ "0", "0", "0" },
		{ "0", "5", "5" },
		{ "5", "0", "5" },
		{ "5", "5", "10" },
		{ "9", "1", "10" },
		{ "99999999", "1", "100000000" },	/* out of a full word */
		{ "9999999", "1", "10000000" },
		{ "1", "99999999999999999999", "100000000000000000000" },
		{ "12345678901234567890", "98765432109876543210",
		    "111111111011111111100" },
		{ "4999999999999999", "5000000000000001", "10000000000000000" },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		tw_dec a, b;

		tw_dec_init(&a);
		tw_dec_init(&b);
		CHECK(tw_dec_set(&a, cases[i][0], strlen(cases[i][0])) == 0);
		CHECK(tw_dec_set(&b, cases[i][1], strlen(cases[i][1])) == 0);
		CHECK(tw_dec_add(&a, &b) == 0);
		if (!text_is(&a, cases[i][2]))
			printf("#   %s + %s\n", cases[i][0], cases[i][1]);
		CHECK(text_is(&a, cases[i][2]));
		CHECK(text_is(&b, cases[i][1]));	/* b is left alone */
		tw_dec_free(&a);
		tw_dec_free(&b);
	}
}

/* Adding to zero that was never set; adding zero that was never set. */
static void
add_to_and_of_a_number_never_set(void)
{
	tw_dec a, b;

	tw_dec_init(&a);
	tw_dec_init(&b);
	CHECK(tw_dec_set(&b, "123456789", 9) == 0);
	CHECK(tw_dec_add(&a, &b) == 0);
	CHECK(text_is(&a, "123456789"));
	tw_dec_free(&b);
	CHECK(tw_dec_add(&a, &b) == 0);
	CHECK(text_is(&a, "123456789"));
	tw_dec_free(&a);
}

/*
 * Random operands of every length from 1 to 160 digits on both sides (up
 * to five steps of four words where AVX2 adds them), from four digit
 * pools: any digit, nines only (every position carries), 0/9 (carry
 * chains that start and stop) and 4/5 (sums of nine that pass a carry).
 */
static void
add_matches_schoolbook_for_all_lengths_to_160(void)
{
	static const char *pools[] = { "0123456789", "9", "09", "45" };
	char x[168], y[168], want[170];
	size_t xl, yl, p;
	int round;

	for (p = 0; p < sizeof(pools) / sizeof(pools[0]); p++)
		for (xl = 1; xl <= 160; xl++)
			for (yl = 1; yl <= 160; yl++)
				for (round = 0; round < 2; round++) {
					tw_dec a, b;

					number(x, xl, pools[p]);
					number(y, yl, pools[p]);
					ref_add(x, y, want);
					tw_dec_init(&a);
					tw_dec_init(&b);
					CHECK(tw_dec_set(&a, x, xl) == 0);
					CHECK(tw_dec_set(&b, y, yl) == 0);
					CHECK(tw_dec_add(&a, &b) == 0);
					if (!text_is(&a, want))
						printf("#   %s + %s\n", x, y);
					CHECK(text_is(&a, want));
					tw_dec_free(&a);
					tw_dec_free(&b);
				}
}

/* A number added to itself: the same object as both operands. */
static void
add_in_place_doubles(void)
{
	tw_dec a;
	tw_big r;
	char buf[64];
	size_t n;
	int i;

	tw_dec_init(&a);
	tw_big_init(&r);
	CHECK(tw_dec_set(&a, "1", 1) == 0);
	CHECK(tw_big_set_u64(&r, 1) == 0);
	for (i = 0; i < 150; i++) {
		CHECK(tw_dec_add(&a, &a) == 0);
		CHECK(tw_big_add(&r, &r) == 0);
	}
	n = tw_big_print(&r, buf);
	buf[n] = '\0';
	CHECK(text_is(&a, buf));	/* 2^150, 46 digits */
	tw_dec_free(&a);
	tw_big_free(&r);
}

/*
 * The first 30,000 Fibonacci numbers, stepped as fib-serve steps them
 * (a, b = b, a + b), every one equal to bignum's; the buffers grow by
 * themselves from one digit to 6,270.
 */
static void
fib_30000_steps_match_bignum(void)
{
	tw_dec a, b, t;
	tw_big ba, bb, bt;
	char *buf = malloc(8000);
	size_t n, len;
	const char *txt;
	int i;

	CHECK(buf != NULL);
	tw_dec_init(&a);
	tw_dec_init(&b);
	tw_big_init(&ba);
	tw_big_init(&bb);
	CHECK(tw_dec_set(&a, "0", 1) == 0 && tw_dec_set(&b, "1", 1) == 0);
	CHECK(tw_big_fib(&ba, &bb, 0) == 0);
	for (i = 0; i < 30000; i++) {
		CHECK(tw_dec_add(&a, &b) == 0);
		t = a, a = b, b = t;
		CHECK(tw_big_add(&ba, &bb) == 0);
		bt = ba, ba = bb, bb = bt;
		n = tw_big_print(&bb, buf);
		txt = tw_dec_text(&b, &len);
		if (len != n || memcmp(txt, buf, n) != 0)
			printf("#   F(%d) differs\n", i + 2);
		CHECK(len == n && memcmp(txt, buf, n) == 0);
	}
	CHECK(len == 6270);
	tw_dec_free(&a);
	tw_dec_free(&b);
	tw_big_free(&ba);
	tw_big_free(&bb);
	free(buf);
}

int
main(void)
{
	RUN(set_drops_leading_zeros_and_refuses_non_digits);
	RUN(add_carries_across_words_and_out_of_the_top);
	RUN(add_to_and_of_a_number_never_set);
	RUN(add_matches_schoolbook_for_all_lengths_to_160);
	RUN(add_in_place_doubles);
	RUN(fib_30000_steps_match_bignum);
	return TAP_DONE();
}
