/*
 * test_wqueue.c - a connection's write queue (lib/wqueue.h, internal):
 * what it sends, and what it keeps once it is empty.
 */
#include <string.h>

#include "tap.h"
#include "wqueue.h"

static void
small_copies_share_a_chunk_and_leave_in_order(void)
{
	struct tw__stock stock = { .nspare = 0 };
	struct tw__wqueue w;
	struct iovec iov[4];
	tw_bytes *b = tw_bytes_copy("shared", 6);
	size_t total;

	tw__wq_init(&w, &stock);
	CHECK_EQ(tw__wq_copy(&w, "ab", 2), 0);
	CHECK_EQ(tw__wq_copy(&w, "cd", 2), 0);
	CHECK_EQ(tw__wq_add(&w, b), 0);
	CHECK_EQ(tw__wq_iov(&w, iov, 4, &total), 2);
	CHECK_EQ(total, 10);
	CHECK(iov[0].iov_len == 4 && memcmp(iov[0].iov_base, "abcd", 4) == 0);
	CHECK(iov[1].iov_base == b->data);
	tw__wq_advance(&w, 5);
	CHECK_EQ(w.bytes, 5);
	CHECK_EQ(tw__wq_iov(&w, iov, 4, &total), 1);
	CHECK(iov[0].iov_len == 5 && memcmp(iov[0].iov_base, "hared", 5) == 0);
	tw__wq_clear(&w);
	tw_bytes_unref(b);
	tw__stock_free(&stock);
}

/*
 * Thousands of idle connections each keeping a ring of segments would
 * hold 272 bytes apiece: sent to the end, the queue gives the ring back,
 * and its chunk goes to the stock.
 */
static void
an_emptied_queue_keeps_no_ring(void)
{
	struct tw__stock stock = { .nspare = 0 };
	struct tw__wqueue w;

	tw__wq_init(&w, &stock);
	CHECK_EQ(tw__wq_copy(&w, "<hits>\n", 7), 0);
	CHECK(w.q != NULL);
	tw__wq_advance(&w, 3);
	CHECK(w.q != NULL && w.n == 1);
	tw__wq_advance(&w, 4);
	CHECK_EQ(w.bytes, 0);
	CHECK(w.q == NULL && w.cap == 0 && w.n == 0);
	CHECK_EQ(stock.nspare, 1);
	/* Usable again. */
	CHECK_EQ(tw__wq_copy(&w, "x", 1), 0);
	CHECK_EQ(w.bytes, 1);
	CHECK_EQ(stock.nspare, 0);
	tw__wq_clear(&w);
	CHECK(w.q == NULL);
	tw__stock_free(&stock);
}

int
main(void)
{
	RUN(small_copies_share_a_chunk_and_leave_in_order);
	RUN(an_emptied_queue_keeps_no_ring);
	return TAP_DONE();
}
