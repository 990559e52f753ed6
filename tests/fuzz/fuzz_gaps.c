/*
 * fuzz_gaps.c - the sequence fields of Redis stream entries, and the
 * count of numbers skipped (weblog/gaps.h), on any bytes.
 *
 * The input is lines, each "EPOCH N" (split at the first space; a line
 * without one is an entry without n), fed one by one to one table. Each
 * pair is taken exactly when both are plain decimal within the digits
 * allowed, not 0, with their values; then the count is N - last - 1 when
 * N's publisher was known with a last below N, 0 otherwise, and the
 * table holds at most TW_GAPS_PUBLISHERS publishers, each once, this one
 * first with N.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "weblog/gaps.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* s[0..len) by another road: 0 when it is not a number. */
static unsigned long long
value(const char *s, size_t len, size_t max)
{
	char z[32], *end;
	size_t i;

	if (len == 0 || len > max || s[0] == '0')
		return 0;
	for (i = 0; i < len; i++)
		if (memchr("0123456789", s[i], 10) == NULL)
			return 0;
	memcpy(z, s, len);
	z[len] = '\0';
	return strtoull(z, &end, 10);
}

static void
check(tw_gaps *g, const char *s, size_t len)
{
	const char *sp = memchr(s, ' ', len);
	const char *n = sp != NULL ? sp + 1 : s + len;
	size_t elen = (size_t)(n - s) - (sp != NULL), nlen = len - (size_t)(n - s);
	unsigned long long e, seq, we, wn, last = 0, skipped;
	size_t i, j;
	int known;

	we = value(s, elen, TW_GAPS_EPOCH_DIGITS);
	wn = value(n, nlen, TW_GAPS_SEQ_DIGITS);
	if (tw_gaps_parse(s, elen, n, nlen, &e, &seq) != (we != 0 && wn != 0))
		abort();
	if (we == 0 || wn == 0)
		return;
	if (e != we || seq != wn)
		abort();
	for (i = 0; i < g->n && g->pub[i].epoch != e; i++)
		continue;
	if ((known = i < g->n))
		last = g->pub[i].last;
	skipped = tw_gaps_note(g, e, seq);
	if (skipped != (known && seq > last ? seq - last - 1 : 0))
		abort();
	if (g->n < 1 || g->n > TW_GAPS_PUBLISHERS || g->pub[0].epoch != e ||
	    g->pub[0].last != seq)
		abort();
	for (i = 0; i < g->n; i++)
		for (j = i + 1; j < g->n; j++)
			if (g->pub[i].epoch == g->pub[j].epoch)
				abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data, *nl;
	tw_gaps g;
	size_t len;

	tw_gaps_init(&g);
	while (size > 0) {
		nl = memchr(s, '\n', size);
		len = nl != NULL ? (size_t)(nl - s) : size;
		check(&g, s, len);
		if (nl == NULL)
			break;
		s += len + 1;
		size -= len + 1;
	}
	return 0;
}
