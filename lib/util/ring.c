/*
 * ring.c - a bounded FIFO of fixed-size elements in a circular buffer.
 *
 * Element i lives at slot (head + i) mod cap; the mod is a compare and a
 * subtraction, since head and i are both below cap.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ring.h"

#define FIRST_CAP 16		/* elements allocated by the first push */

static size_t
slot(const tw_ring *r, size_t i)
{
	size_t k = r->head + i;

	return k >= r->cap ? k - r->cap : k;
}

/* Move to a buffer of n slots (n >= len), the oldest element first. */
static int
resize(tw_ring *r, size_t n)
{
	size_t first = r->cap - r->head < r->len ? r->cap - r->head : r->len;
	char *b;

	if (n == 0) {
		free(r->buf);
		b = NULL;
	} else {
		if ((b = malloc(n * r->size)) == NULL)
			return -1;
		if (r->len > 0) {	/* never memcpy from NULL, even 0 bytes */
			memcpy(b, r->buf + r->head * r->size, first * r->size);
			memcpy(b + first * r->size, r->buf,
			    (r->len - first) * r->size);
		}
		free(r->buf);
	}
	r->buf = b;
	r->cap = n;
	r->head = 0;
	return 0;
}

void
tw_ring_init(tw_ring *r, size_t size, size_t max)
{
	memset(r, 0, sizeof(*r));
	r->size = size;
	r->max = max < SIZE_MAX / size ? max : SIZE_MAX / size;
}

int
tw_ring_reserve(tw_ring *r, size_t n)
{
	if (n > r->max)
		n = r->max;
	if (n > r->cap && resize(r, n) == -1) {
		errno = ENOMEM;
		return -1;
	}
	if (n > r->reserved)
		r->reserved = n;
	return 0;
}

int
tw_ring_push(tw_ring *r, const void *elem)
{
	if (r->len == r->max) {
		errno = ENOBUFS;
		return -1;
	}
	if (r->len == r->cap) {
		size_t n = r->cap == 0 ? FIRST_CAP : r->cap * 2;

		if (n > r->max || n < r->cap)
			n = r->max;
		if (resize(r, n) == -1) {
			errno = ENOMEM;
			return -1;
		}
	}
	memcpy(r->buf + slot(r, r->len) * r->size, elem, r->size);
	r->len++;
	return 0;
}

int
tw_ring_shift(tw_ring *r, void *elem)
{
	if (r->len == 0)
		return -1;
	memcpy(elem, r->buf + r->head * r->size, r->size);
	r->head = slot(r, 1);
	r->len--;
	/* A burst made the ring big; an idle one keeps little. */
	if (r->len == 0 && r->cap > TW_RING_SHRINK && r->cap > r->reserved)
		resize(r, r->reserved);	/* on failure, keeps the old buffer */
	return 0;
}

void *
tw_ring_at(const tw_ring *r, size_t i)
{
	if (i >= r->len)
		return NULL;
	return r->buf + slot(r, i) * r->size;
}

void
tw_ring_free(tw_ring *r, void (*elem_free)(void *elem))
{
	size_t i;

	if (elem_free != NULL)
		for (i = 0; i < r->len; i++)
			elem_free(r->buf + slot(r, i) * r->size);
	free(r->buf);
	r->buf = NULL;
	r->head = r->len = r->cap = r->reserved = 0;
}
