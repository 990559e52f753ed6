/*
 * test_ring.c - the bounded FIFO of fixed-size elements (util/ring.h).
 */
#include <errno.h>
#include <stdlib.h>

#include "tap.h"
#include "util/ring.h"

/* Pairs, so an element is more than one word, as weblog-serve's batches. */
struct pair {
	void *p;
	size_t n;
};

static void
elements_come_out_in_order_across_the_wrap(void)
{
	tw_ring r;
	size_t i, n, next = 0, in = 0;

	tw_ring_init(&r, sizeof(size_t), 1000);
	/* Keep 10 in a ring of 16 while 100 pass: head goes round often. */
	for (i = 0; i < 100; i++) {
		CHECK_EQ(tw_ring_push(&r, &in), 0);
		in++;
		if (tw_ring_len(&r) == 10) {
			CHECK_EQ(tw_ring_shift(&r, &n), 0);
			CHECK_EQ(n, next++);
		}
	}
	CHECK_EQ(r.cap, 16);
	while (tw_ring_shift(&r, &n) == 0)
		CHECK_EQ(n, next++);
	CHECK_EQ(next, 100);
	CHECK_EQ(tw_ring_len(&r), 0);
	tw_ring_free(&r, NULL);
}

static void
growing_while_wrapped_keeps_the_order(void)
{
	tw_ring r;
	size_t i, n;

	tw_ring_init(&r, sizeof(size_t), 100000);
	for (i = 0; i < 12; i++)
		CHECK_EQ(tw_ring_push(&r, &i), 0);
	for (i = 0; i < 8; i++)
		CHECK_EQ(tw_ring_shift(&r, &n), 0);
	/* 4 left at slots 8..11; pushing wraps to slot 0, then grows. */
	for (i = 12; i < 5000; i++)
		CHECK_EQ(tw_ring_push(&r, &i), 0);
	CHECK(r.cap >= 4992);
	CHECK_EQ(tw_ring_len(&r), 4992);
	for (i = 0; i < 4992; i++)
		CHECK_EQ(*(size_t *)tw_ring_at(&r, i), i + 8);
	tw_ring_free(&r, NULL);
}

static void
at_indexes_from_the_oldest_and_stops_at_the_end(void)
{
	struct pair e, *p;
	tw_ring r;
	size_t i;

	tw_ring_init(&r, sizeof(struct pair), 10);
	CHECK(tw_ring_at(&r, 0) == NULL);
	for (i = 0; i < 10; i++) {
		e.p = NULL;
		e.n = i;
		CHECK_EQ(tw_ring_push(&r, &e), 0);
	}
	CHECK_EQ(tw_ring_shift(&r, &e), 0);
	CHECK_EQ(tw_ring_shift(&r, &e), 0);
	CHECK_EQ(e.n, 1);
	e.n = 10;
	CHECK_EQ(tw_ring_push(&r, &e), 0);
	for (i = 0; i < 9; i++) {
		CHECK((p = tw_ring_at(&r, i)) != NULL);
		CHECK_EQ(p->n, i + 2);
	}
	CHECK(tw_ring_at(&r, 9) == NULL);
	CHECK(tw_ring_at(&r, (size_t)-1) == NULL);
	tw_ring_free(&r, NULL);
}

static void
a_full_ring_refuses_until_one_leaves(void)
{
	tw_ring r;
	size_t i, n;

	tw_ring_init(&r, sizeof(size_t), 20);
	for (i = 0; i < 20; i++)
		CHECK_EQ(tw_ring_push(&r, &i), 0);
	CHECK_EQ(r.cap, 20);	/* the doubling stopped at the limit */
	errno = 0;
	CHECK_EQ(tw_ring_push(&r, &i), -1);
	CHECK_EQ(errno, ENOBUFS);
	CHECK_EQ(tw_ring_len(&r), 20);
	CHECK_EQ(tw_ring_shift(&r, &n), 0);
	CHECK_EQ(n, 0);
	CHECK_EQ(tw_ring_push(&r, &i), 0);
	CHECK_EQ(*(size_t *)tw_ring_at(&r, 19), 20);
	tw_ring_free(&r, NULL);

	tw_ring_init(&r, sizeof(size_t), 0);
	CHECK_EQ(tw_ring_push(&r, &i), -1);
	CHECK_EQ(tw_ring_shift(&r, &n), -1);
	tw_ring_free(&r, NULL);
}

static void
a_reserved_ring_never_allocates_again(void)
{
	tw_ring r;
	char *buf;
	size_t i, n;

	tw_ring_init(&r, sizeof(size_t), 100);
	CHECK_EQ(tw_ring_reserve(&r, 1000), 0);
	CHECK_EQ(r.cap, 100);	/* no more than the limit */
	buf = r.buf;
	for (i = 0; i < 100000; i++) {
		if (tw_ring_len(&r) == 100)
			CHECK_EQ(tw_ring_shift(&r, &n), 0);
		CHECK_EQ(tw_ring_push(&r, &i), 0);
	}
	while (tw_ring_shift(&r, &n) == 0)
		;
	CHECK(r.buf == buf);
	CHECK_EQ(n, 99999);
	tw_ring_free(&r, NULL);
}

static void
an_emptied_big_ring_gives_its_memory_back(void)
{
	tw_ring r;
	size_t i, n;

	tw_ring_init(&r, sizeof(size_t), 1000000);
	for (i = 0; i < 3000; i++)
		CHECK_EQ(tw_ring_push(&r, &i), 0);
	CHECK(r.cap > TW_RING_SHRINK);
	while (tw_ring_len(&r) > 0)
		CHECK_EQ(tw_ring_shift(&r, &n), 0);
	CHECK(r.buf == NULL);
	CHECK_EQ(r.cap, 0);
	CHECK_EQ(tw_ring_push(&r, &i), 0);	/* and works on */
	CHECK_EQ(*(size_t *)tw_ring_at(&r, 0), 3000);
	tw_ring_free(&r, NULL);

	/* A small one keeps its buffer, a reserved one what it reserved. */
	tw_ring_init(&r, sizeof(size_t), 1000000);
	CHECK_EQ(tw_ring_push(&r, &i), 0);
	CHECK_EQ(tw_ring_shift(&r, &n), 0);
	CHECK(r.buf != NULL);
	CHECK_EQ(tw_ring_reserve(&r, 2000), 0);
	for (i = 0; i < 5000; i++)
		CHECK_EQ(tw_ring_push(&r, &i), 0);
	while (tw_ring_len(&r) > 0)
		CHECK_EQ(tw_ring_shift(&r, &n), 0);
	CHECK_EQ(r.cap, 2000);
	for (i = 0; i < 2000; i++)
		CHECK_EQ(tw_ring_push(&r, &i), 0);
	CHECK_EQ(*(size_t *)tw_ring_at(&r, 1999), 1999);
	tw_ring_free(&r, NULL);
}

static int freed;

static void
free_pair(void *e)
{
	struct pair *p = e;

	free(p->p);
	freed += (int)p->n;
}

static void
free_hands_each_element_over_once(void)
{
	struct pair e;
	tw_ring r;
	size_t i;

	tw_ring_init(&r, sizeof(struct pair), 40);
	for (i = 0; i < 40; i++) {
		e.p = malloc(10);
		e.n = 1;
		CHECK(e.p != NULL);
		CHECK_EQ(tw_ring_push(&r, &e), 0);
	}
	for (i = 0; i < 25; i++) {	/* the 15 left straddle the wrap */
		CHECK_EQ(tw_ring_shift(&r, &e), 0);
		free(e.p);
	}
	for (i = 0; i < 10; i++) {
		e.p = malloc(10);
		CHECK(e.p != NULL);
		CHECK_EQ(tw_ring_push(&r, &e), 0);
	}
	freed = 0;
	tw_ring_free(&r, free_pair);	/* a leak here fails under ASan */
	CHECK_EQ(freed, 25);
	CHECK_EQ(tw_ring_len(&r), 0);
	CHECK(r.buf == NULL);
	CHECK_EQ(tw_ring_push(&r, &e), 0);	/* usable again */
	tw_ring_free(&r, NULL);
}

int
main(void)
{
	RUN(elements_come_out_in_order_across_the_wrap);
	RUN(growing_while_wrapped_keeps_the_order);
	RUN(at_indexes_from_the_oldest_and_stops_at_the_end);
	RUN(a_full_ring_refuses_until_one_leaves);
	RUN(a_reserved_ring_never_allocates_again);
	RUN(an_emptied_big_ring_gives_its_memory_back);
	RUN(free_hands_each_element_over_once);
	return TAP_DONE();
}
