/*
 * wqueue.h - internal: a connection's write queue.
 *
 * The queue is a ring of segments, each a run of unsent bytes in a tw_bytes
 * it holds a reference to: a shared buffer queued as it is, or a chunk the
 * queue owns and copies small writes into, so many small writes become a
 * few segments. The front of the queue goes to the kernel as one iovec
 * array (tw__wq_iov, then tw__wq_advance by what was sent).
 *
 * Chunks come from a stock shared by every queue of one reactor, so a
 * server answering in chunks reuses the same memory turn after turn.
 * Only the library's own files include this.
 */
#ifndef TWIRL_WQUEUE_H
#define TWIRL_WQUEUE_H

#include <stddef.h>
#include <sys/uio.h>

#include "bytes.h"

#define TW__WQ_CHUNK 16384	/* room of a chunk for copied writes */
#define TW__WQ_STOCK 64		/* chunks kept for reuse, per reactor */

struct tw__stock {
	tw_bytes *spare[TW__WQ_STOCK];
	int nspare;
};

struct tw__seg {
	tw_bytes *b;
	size_t off, len;	/* unsent bytes: b->data[off..off+len) */
	int own;		/* b is ours alone and may take more bytes */
};

struct tw__wqueue {
	struct tw__stock *stock;
	struct tw__seg *q;	/* ring of segments */
	unsigned head, n, cap;
	size_t bytes;		/* unsent, in all segments */
};

void tw__wq_init(struct tw__wqueue *w, struct tw__stock *stock);

/* Drop every segment and the ring. */
void tw__wq_clear(struct tw__wqueue *w);

/*
 * Append len bytes, copied. Returns 0, or -1 with ENOMEM; then what fitted
 * in the last chunk may have been queued, the rest was not.
 */
int tw__wq_copy(struct tw__wqueue *w, const void *buf, size_t len);

/* Append b, taking a reference of its own. 0, or -1 with ENOMEM. */
int tw__wq_add(struct tw__wqueue *w, tw_bytes *b);

/*
 * Describe the front of the queue in iov[0..max): returns the count, and
 * the bytes they hold in *total.
 */
int tw__wq_iov(const struct tw__wqueue *w, struct iovec *iov, int max,
    size_t *total);

/* Take n sent bytes off the front. */
void tw__wq_advance(struct tw__wqueue *w, size_t n);

/* Free the chunks a stock holds (every queue using it is cleared). */
void tw__stock_free(struct tw__stock *s);

#endif
