/*
 * bytes.c - reference-counted byte buffers.
 */
#include <stdlib.h>
#include <string.h>

#include "bytes.h"

tw_bytes *
tw_bytes_new(size_t cap)
{
	tw_bytes *b;

	if (cap > (size_t)-1 - sizeof(*b) || (b = malloc(sizeof(*b) + cap)) == NULL)
		return NULL;
	b->refs = 1;
	b->len = 0;
	b->cap = cap;
	return b;
}

tw_bytes *
tw_bytes_copy(const void *p, size_t len)
{
	tw_bytes *b;

	if ((b = tw_bytes_new(len)) == NULL)
		return NULL;
	if (len > 0)
		memcpy(b->data, p, len);
	b->len = len;
	return b;
}

tw_bytes *
tw_bytes_trim(tw_bytes *b)
{
	tw_bytes *t;

	if (b->refs != 1 || b->cap == b->len ||
	    (t = realloc(b, sizeof(*b) + b->len)) == NULL)
		return b;
	t->cap = t->len;
	return t;
}

void
tw_bytes_unref(tw_bytes *b)
{
	if (b != NULL && --b->refs == 0)
		free(b);
}
