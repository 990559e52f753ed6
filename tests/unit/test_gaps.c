/*
 * test_gaps.c - counting the entries a subscriber never read, per
 * publisher (weblog/gaps.h).
 */
#include <string.h>

#include "tap.h"
#include "weblog/gaps.h"

/* tw_gaps_parse() on two strings. */
static int
parse(const char *e, const char *n, unsigned long long *epoch,
    unsigned long long *seq)
{
	return tw_gaps_parse(e, strlen(e), n, strlen(n), epoch, seq);
}

static void
a_jump_counts_the_numbers_skipped(void)
{
	tw_gaps g;

	tw_gaps_init(&g);
	CHECK_EQ(tw_gaps_note(&g, 7, 1), 0);
	CHECK_EQ(tw_gaps_note(&g, 7, 2), 0);
	CHECK_EQ(tw_gaps_note(&g, 7, 3), 0);
	CHECK_EQ(tw_gaps_note(&g, 7, 500), 496);
	CHECK_EQ(tw_gaps_note(&g, 7, 501), 0);
}

static void
a_publisher_first_read_sets_where_it_is(void)
{
	tw_gaps g;

	tw_gaps_init(&g);
	CHECK_EQ(tw_gaps_note(&g, 7, 1000), 0);
	CHECK_EQ(tw_gaps_note(&g, 7, 1001), 0);
	/* A restart: a new epoch, numbered from 1 again. */
	CHECK_EQ(tw_gaps_note(&g, 8, 1), 0);
	CHECK_EQ(tw_gaps_note(&g, 8, 2), 0);
}

static void
interleaved_publishers_are_counted_apart(void)
{
	tw_gaps g;
	unsigned long long i, skipped = 0;

	tw_gaps_init(&g);
	for (i = 1; i <= 100; i++) {
		skipped += tw_gaps_note(&g, 1, i);
		skipped += tw_gaps_note(&g, 2, i * 2);	/* every other */
		if (i % 3 == 0)
			skipped += tw_gaps_note(&g, 3, i / 3);
	}
	/* Publisher 2 skipped one number before each but its first. */
	CHECK_EQ(skipped, 99);
}

static void
a_number_at_or_below_the_last_counts_nothing(void)
{
	tw_gaps g;

	tw_gaps_init(&g);
	CHECK_EQ(tw_gaps_note(&g, 7, 10), 0);
	CHECK_EQ(tw_gaps_note(&g, 7, 10), 0);
	CHECK_EQ(tw_gaps_note(&g, 7, 4), 0);
	/* It is where that publisher is now. */
	CHECK_EQ(tw_gaps_note(&g, 7, 6), 1);
}

static void
the_publisher_read_least_recently_is_forgotten(void)
{
	tw_gaps g;
	unsigned long long e;

	tw_gaps_init(&g);
	for (e = 1; e <= TW_GAPS_PUBLISHERS; e++)
		CHECK_EQ(tw_gaps_note(&g, e, 1), 0);
	CHECK_EQ(tw_gaps_note(&g, 1, 2), 0);	/* 1 is read again: 2 is last */
	CHECK_EQ(tw_gaps_note(&g, 100, 1), 0);	/* ... and 2 goes */
	CHECK_EQ(g.n, TW_GAPS_PUBLISHERS);
	CHECK_EQ(tw_gaps_note(&g, 1, 5), 2);	/* known still */
	CHECK_EQ(tw_gaps_note(&g, 3, 5), 3);
	CHECK_EQ(tw_gaps_note(&g, 2, 5), 0);	/* forgotten: no jump */
	CHECK_EQ(tw_gaps_note(&g, 2, 6), 0);
}

static void
fields_are_numbers_only_in_plain_decimal(void)
{
	static const char *bad[] = {
		"", "0", "01", "-1", "+1", " 1", "1 ", "1a", "0x10", "1.5",
		"1e3", "\xd9\xa1",
	};
	unsigned long long e, n;
	size_t i;

	CHECK_EQ(parse("1764684000000000", "1", &e, &n), 1);
	CHECK(e == 1764684000000000ULL && n == 1);
	CHECK_EQ(parse("9999999999999999999", "999999999999999", &e, &n), 1);
	CHECK(e == 9999999999999999999ULL && n == 999999999999999ULL);
	/* Past the digits allowed: no sequence, not a giant gap. */
	CHECK_EQ(parse("10000000000000000000", "5", &e, &n), 0);
	CHECK_EQ(parse("99999999999999999999999", "5", &e, &n), 0);
	CHECK_EQ(parse("7", "1000000000000000", &e, &n), 0);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CHECK_EQ(parse(bad[i], "5", &e, &n), 0);
		CHECK_EQ(parse("7", bad[i], &e, &n), 0);
	}
	/* A NUL inside the bytes is not a digit either. */
	CHECK_EQ(tw_gaps_parse("7\0" "1", 3, "5", 1, &e, &n), 0);
}

int
main(void)
{
	RUN(a_jump_counts_the_numbers_skipped);
	RUN(a_publisher_first_read_sets_where_it_is);
	RUN(interleaved_publishers_are_counted_apart);
	RUN(a_number_at_or_below_the_last_counts_nothing);
	RUN(the_publisher_read_least_recently_is_forgotten);
	RUN(fields_are_numbers_only_in_plain_decimal);
	return TAP_DONE();
}
