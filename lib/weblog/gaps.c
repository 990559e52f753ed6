/*
 * gaps.c - the numbers a subscriber never read, per publisher (gaps.h).
 */
#include <string.h>

#include "weblog/gaps.h"

void
tw_gaps_init(tw_gaps *g)
{
	memset(g, 0, sizeof(*g));
}

/* s[0..len) as a number of at most max digits, or 0 when it is not one. */
static unsigned long long
number(const char *s, size_t len, size_t max)
{
	unsigned long long v = 0;
	size_t i;

	if (len == 0 || len > max || s[0] == '0')
		return 0;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return 0;
		v = v * 10 + (unsigned long long)(s[i] - '0');
	}
	return v;
}

int
tw_gaps_parse(const char *e, size_t elen, const char *n, size_t nlen,
    unsigned long long *epoch, unsigned long long *seq)
{
	*epoch = number(e, elen, TW_GAPS_EPOCH_DIGITS);
	*seq = number(n, nlen, TW_GAPS_SEQ_DIGITS);
	return *epoch != 0 && *seq != 0;
}

/* Linear scan, moved to the front when read: 16 publishers at most. */
unsigned long long
tw_gaps_note(tw_gaps *g, unsigned long long epoch, unsigned long long seq)
{
	unsigned long long skipped = 0;
	size_t i;

	for (i = 0; i < g->n && g->pub[i].epoch != epoch; i++)
		continue;
	if (i < g->n) {
		if (seq > g->pub[i].last)
			skipped = seq - g->pub[i].last - 1;
	} else if (g->n < TW_GAPS_PUBLISHERS) {
		g->n++;			/* i is the new last place */
	} else {
		i = g->n - 1;		/* the one read least recently goes */
	}
	memmove(&g->pub[1], &g->pub[0], i * sizeof(g->pub[0]));
	g->pub[0].epoch = epoch;
	g->pub[0].last = seq;
	return skipped;
}
