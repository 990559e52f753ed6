/*
 * lines.c - a line splitter with a maximum line length.
 *
 * The common case, whole lines in the chunk just read, passes pointers into
 * the caller's buffer; only the tail of a chunk that ends mid-line is
 * copied. The copy never grows past max bytes: past that the line is cut.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lines.h"

void
tw_lines_init(tw_lines *l, size_t max)
{
	memset(l, 0, sizeof(*l));
	l->max = max > 0 ? max : 1;
}

void
tw_lines_free(tw_lines *l)
{
	free(l->buf);
	l->buf = NULL;
	l->len = l->cap = 0;
}

/* Append to the partial line; the caller keeps len + n <= max. */
static int
hold(tw_lines *l, const char *p, size_t n)
{
	if (l->len + n > l->cap) {
		size_t cap = l->cap ? l->cap : 256;
		char *b;

		while (cap < l->len + n)
			cap *= 2;
		if (cap > l->max)
			cap = l->max;
		if ((b = realloc(l->buf, cap)) == NULL)
			return -1;
		l->buf = b;
		l->cap = cap;
	}
	memcpy(l->buf + l->len, p, n);
	l->len += n;
	return 0;
}

int
tw_lines_feed(tw_lines *l, const char *data, size_t n, tw_line_cb cb,
    void *arg, size_t *used)
{
	size_t off = 0;
	int rc = 0;

	while (off < n) {
		const char *p = data + off;
		const char *nl = memchr(p, '\n', n - off);
		size_t seg = nl ? (size_t)(nl - p) : n - off;

		if (l->skipping) {
			/* The rest of a cut line: drop it, up to its end. */
			off += seg + (nl != NULL);
			if (nl != NULL)
				l->skipping = 0;
			continue;
		}
		if (l->len + seg > l->max) {
			/* Too long: deliver the first max bytes, skip the rest. */
			size_t take = l->max - l->len;

			if (l->len > 0) {
				if (hold(l, p, take) == -1)
					goto nomem;
				rc = cb(arg, l->buf, l->len, TW_LINE_CUT);
				l->len = 0;
			} else {
				rc = cb(arg, p, take, TW_LINE_CUT);
			}
			l->skipping = nl == NULL;
			off += seg + (nl != NULL);
			if (rc != 0)
				break;
			continue;
		}
		if (nl == NULL) {
			if (hold(l, p, seg) == -1)
				goto nomem;
			off = n;
			break;
		}
		if (l->len > 0) {
			if (hold(l, p, seg) == -1)
				goto nomem;
			rc = cb(arg, l->buf, l->len, 0);
			l->len = 0;
		} else {
			rc = cb(arg, p, seg, 0);
		}
		off += seg + 1;
		if (rc != 0)
			break;
	}
	if (used != NULL)
		*used = off;
	return rc;
nomem:
	if (used != NULL)
		*used = off;
	errno = ENOMEM;
	return -1;
}

int
tw_lines_finish(tw_lines *l, tw_line_cb cb, void *arg)
{
	int rc = 0;

	if (l->len > 0)
		rc = cb(arg, l->buf, l->len, 0);
	l->len = 0;
	l->skipping = 0;
	return rc;
}
