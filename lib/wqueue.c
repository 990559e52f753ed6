/*
 * wqueue.c - a connection's write queue: a ring of segments, and the
 * per-reactor stock of chunks copied writes go into.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "wqueue.h"

/*
 * Chunks for copied writes come from the stock, not from malloc each time:
 * a server answering in 16 KiB chunks would otherwise have malloc hand
 * memory back to the kernel and fault it in again, turn after turn (page
 * faults were a seventh of fib-serve's time).
 */
static tw_bytes *
chunk_get(struct tw__stock *s, size_t need)
{
	tw_bytes *b;

	if (need <= TW__WQ_CHUNK && s->nspare > 0) {
		b = s->spare[--s->nspare];
		b->refs = 1;
		b->len = 0;
		return b;
	}
	return tw_bytes_new(need > TW__WQ_CHUNK ? need : TW__WQ_CHUNK);
}

static void
chunk_put(struct tw__stock *s, tw_bytes *b)
{
	if (b->refs == 1 && b->cap == TW__WQ_CHUNK && s->nspare < TW__WQ_STOCK)
		s->spare[s->nspare++] = b;
	else
		tw_bytes_unref(b);
}

void
tw__stock_free(struct tw__stock *s)
{
	while (s->nspare > 0)
		tw_bytes_unref(s->spare[--s->nspare]);
}

void
tw__wq_init(struct tw__wqueue *w, struct tw__stock *stock)
{
	memset(w, 0, sizeof(*w));
	w->stock = stock;
}

static void
free_ring(struct tw__wqueue *w)
{
	free(w->q);
	w->q = NULL;
	w->head = w->cap = 0;
}

void
tw__wq_clear(struct tw__wqueue *w)
{
	while (w->n > 0) {
		chunk_put(w->stock, w->q[w->head].b);
		w->head = (w->head + 1) % w->cap;
		w->n--;
	}
	free_ring(w);
	w->bytes = 0;
}

static struct tw__seg *
push(struct tw__wqueue *w)
{
	if (w->n == w->cap) {
		unsigned n = w->cap ? w->cap * 2 : 8, i;
		struct tw__seg *q;

		if ((q = malloc(n * sizeof(*q))) == NULL) {
			errno = ENOMEM;
			return NULL;
		}
		for (i = 0; i < w->n; i++)
			q[i] = w->q[(w->head + i) % w->cap];
		free(w->q);
		w->q = q;
		w->head = 0;
		w->cap = n;
	}
	return &w->q[(w->head + w->n++) % w->cap];
}

int
tw__wq_copy(struct tw__wqueue *w, const void *buf, size_t len)
{
	struct tw__seg *s = NULL;
	const char *p = buf;
	tw_bytes *b;

	if (w->n > 0)
		s = &w->q[(w->head + w->n - 1) % w->cap];
	if (s != NULL && s->own && s->off + s->len == s->b->len) {
		size_t room = s->b->cap - s->b->len, n = len < room ? len : room;

		memcpy(s->b->data + s->b->len, p, n);
		s->b->len += n;
		s->len += n;
		w->bytes += n;
		p += n;
		len -= n;
	}
	if (len == 0)
		return 0;
	if ((b = chunk_get(w->stock, len)) == NULL || (s = push(w)) == NULL) {
		if (b != NULL)
			chunk_put(w->stock, b);
		errno = ENOMEM;
		return -1;
	}
	memcpy(b->data, p, len);
	b->len = len;
	s->b = b;
	s->off = 0;
	s->len = len;
	s->own = 1;
	w->bytes += len;
	return 0;
}

int
tw__wq_add(struct tw__wqueue *w, tw_bytes *b)
{
	struct tw__seg *s;

	if ((s = push(w)) == NULL)
		return -1;
	s->b = tw_bytes_ref(b);
	s->off = 0;
	s->len = b->len;
	s->own = 0;
	w->bytes += b->len;
	return 0;
}

int
tw__wq_iov(const struct tw__wqueue *w, struct iovec *iov, int max,
    size_t *total)
{
	int i;

	*total = 0;
	for (i = 0; (unsigned)i < w->n && i < max; i++) {
		const struct tw__seg *s = &w->q[(w->head + (unsigned)i) % w->cap];

		iov[i].iov_base = s->b->data + s->off;
		iov[i].iov_len = s->len;
		*total += s->len;
	}
	return i;
}

void
tw__wq_advance(struct tw__wqueue *w, size_t n)
{
	w->bytes -= n;
	while (n > 0 && w->n > 0) {
		struct tw__seg *s = &w->q[w->head];

		if (n < s->len) {
			s->off += n;
			s->len -= n;
			return;
		}
		n -= s->len;
		chunk_put(w->stock, s->b);
		w->head = (w->head + 1) % w->cap;
		w->n--;
	}
	/*
	 * An idle connection keeps no ring (thousands of them would hold
	 * 272 bytes each): the next write takes one from malloc's cache.
	 */
	if (w->n == 0)
		free_ring(w);
}
