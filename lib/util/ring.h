/*
 * ring.h - a FIFO of fixed-size elements in a circular buffer, with a
 * limit on how many it holds.
 *
 * weblog-serve keeps two: the history of its last --keep hits (reserved
 * whole at start, so adding to it never allocates or fails) and, for each
 * client, the batches of hits not yet handed to its connection (grown on
 * demand, starting small, because most clients never fall behind).
 *
 * Elements are copied in and out by value (pointers, small structs); the
 * ring never looks inside them. It grows by doubling up to its limit;
 * when it empties with room for more than TW_RING_SHRINK elements, it
 * gives back all but what tw_ring_reserve() set aside, so a burst does
 * not pin memory. Not thread-safe.
 */
#ifndef TWIRL_RING_H
#define TWIRL_RING_H

#include <stddef.h>

#define TW_RING_SHRINK 1024	/* elements an emptied ring may keep room for */

typedef struct tw_ring {
	char *buf;
	size_t size;		/* bytes per element */
	size_t max;		/* most elements it may hold */
	size_t head, len, cap;	/* in elements */
	size_t reserved;	/* cap kept when it empties */
} tw_ring;

/* An empty ring of elements of size (> 0) bytes, holding at most max. */
void tw_ring_init(tw_ring *r, size_t size, size_t max);

/*
 * Room for n elements (at most max) now, kept for the ring's life: pushes
 * up to n never allocate. Returns 0, or -1 with errno ENOMEM.
 */
int tw_ring_reserve(tw_ring *r, size_t n);

/*
 * Copy size bytes from elem to the end. Returns 0, or -1 with errno:
 * ENOBUFS when the ring holds max elements, ENOMEM when it cannot grow.
 */
int tw_ring_push(tw_ring *r, const void *elem);

/* Move the first (oldest) element into elem. Returns 0, or -1 if empty. */
int tw_ring_shift(tw_ring *r, void *elem);

/* The i-th element from the oldest (0), or NULL past the end. */
void *tw_ring_at(const tw_ring *r, size_t i);

/* How many it holds; inline: the fan-out asks for each client and batch. */
static inline size_t tw_ring_len(const tw_ring *r) { return r->len; }

/*
 * Call elem_free (if not NULL) with each element, oldest first, then free
 * the ring's memory. The ring is then empty and may be used again.
 */
void tw_ring_free(tw_ring *r, void (*elem_free)(void *elem));

#endif
