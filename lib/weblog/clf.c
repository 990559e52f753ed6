/*
 * clf.c - Common and Combined Log Format, strictly.
 *
 * One left-to-right pass with a cursor; each field reader either takes its
 * field and the single space after it, or fails the whole line.
 */
#include <string.h>

#include "clf.h"

const char *const tw_clf_names[TW_CLF_NFIELDS] = {
	"client", "ident", "user", "time", "request", "status", "bytes",
	"referrer", "agent"
};

struct cursor {
	const char *p, *end;
};

static void
set(tw_clf *c, int i, const char *p, size_t len)
{
	c->field[i] = p;
	c->len[i] = len;
}

/* One or more bytes up to the next space (or the end). */
static int
word(struct cursor *k, tw_clf *c, int i)
{
	const char *s = k->p;

	while (k->p < k->end && *k->p != ' ')
		k->p++;
	if (k->p == s)
		return -1;
	set(c, i, s, (size_t)(k->p - s));
	return 0;
}

/* [text without ']'] */
static int
bracketed(struct cursor *k, tw_clf *c, int i)
{
	const char *s, *close;

	if (k->p >= k->end || *k->p != '[')
		return -1;
	s = k->p + 1;
	if ((close = memchr(s, ']', (size_t)(k->end - s))) == NULL)
		return -1;
	set(c, i, s, (size_t)(close - s));
	k->p = close + 1;
	return 0;
}

/* "text", where a backslash escapes the byte after it. */
static int
quoted(struct cursor *k, tw_clf *c, int i)
{
	const char *s, *q;

	if (k->p >= k->end || *k->p != '"')
		return -1;
	s = q = k->p + 1;
	while (q < k->end && *q != '"')
		q += *q == '\\' && q + 1 < k->end ? 2 : 1;
	if (q >= k->end)
		return -1;
	set(c, i, s, (size_t)(q - s));
	k->p = q + 1;
	return 0;
}

static int
digits(const char *p, size_t len)
{
	size_t i;

	if (len == 0)
		return 0;
	for (i = 0; i < len; i++)
		if (p[i] < '0' || p[i] > '9')
			return 0;
	return 1;
}

/* Exactly one space, and something after it. */
static int
space(struct cursor *k)
{
	if (k->end - k->p < 2 || *k->p != ' ')
		return -1;
	k->p++;
	return 0;
}

int
tw_clf_parse(tw_clf *c, const char *line, size_t len)
{
	struct cursor k = { line, line + len };

	c->nfields = 0;
	if (word(&k, c, TW_CLF_CLIENT) || space(&k) ||
	    word(&k, c, TW_CLF_IDENT) || space(&k) ||
	    word(&k, c, TW_CLF_USER) || space(&k) ||
	    bracketed(&k, c, TW_CLF_TIME) || space(&k) ||
	    quoted(&k, c, TW_CLF_REQUEST) || space(&k) ||
	    word(&k, c, TW_CLF_STATUS) || space(&k) ||
	    word(&k, c, TW_CLF_BYTES))
		return 0;
	if (!digits(c->field[TW_CLF_STATUS], c->len[TW_CLF_STATUS]))
		return 0;
	if (!digits(c->field[TW_CLF_BYTES], c->len[TW_CLF_BYTES]) &&
	    !(c->len[TW_CLF_BYTES] == 1 && c->field[TW_CLF_BYTES][0] == '-'))
		return 0;
	if (k.p == k.end)
		return c->nfields = TW_CLF_COMMON;
	if (space(&k) || quoted(&k, c, TW_CLF_REFERRER) || space(&k) ||
	    quoted(&k, c, TW_CLF_AGENT) || k.p != k.end)
		return 0;
	return c->nfields = TW_CLF_COMBINED;
}
