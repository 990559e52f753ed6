/*
 * fuzz_filter.c - the filter's option parsers, its matcher and the
 * anonymiser, on any bytes. The input is records split at '\n'; a
 * record's first byte says what the rest is:
 *
 *   's' 'm' 'e'   a status list, a regex, a range: tw_filter_add()
 *   'k'           a name for tw_filter_kind()
 *   anything else a hit: status, request and client split at '\t' (a
 *                 missing one is NULL, as for a <line> hit)
 *
 * Checked: a refused value gives a one-line reason that fits its buffer
 * and leaves the filter passing what it passed; an empty filter passes
 * every hit; tw_filter_pass() gives the same answer twice; an anonymised
 * client fits TW_ANON_MAX, is "-" or an address, and anonymising it again
 * changes nothing. No crash, no leak (tw_filter_free() at the end).
 */
#define _POSIX_C_SOURCE 200809L

#include <arpa/inet.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "weblog/anon.h"
#include "weblog/filter.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum { NAME = TW_FILTER_NKINDS, HIT };

/* What a record is, by its first byte. */
static int
record(char c)
{
	switch (c) {
	case 's': return TW_FILTER_STATUS;
	case 'm': return TW_FILTER_MATCH;
	case 'e': return TW_FILTER_EXCLUDE;
	case 'k': return NAME;
	}
	return HIT;
}

static void
check_anon(const char *client, size_t len)
{
	char out[TW_ANON_MAX], again[TW_ANON_MAX];
	unsigned char addr[16];
	size_t n;

	n = tw_anon_client(client, len, out);
	if (n >= TW_ANON_MAX || out[n] != '\0' || strlen(out) != n)
		abort();
	if (strcmp(out, "-") != 0 &&
	    inet_pton(strchr(out, ':') ? AF_INET6 : AF_INET, out, addr) != 1)
		abort();
	if (tw_anon_client(out, n, again) != n || strcmp(out, again) != 0)
		abort();
}

static void
check_hit(const tw_filter *f, const char *s, size_t len)
{
	const char *field[3] = { NULL, NULL, NULL }, *tab;
	size_t flen[3] = { 0, 0, 0 };
	tw_filter empty;
	int i, pass;

	for (i = 0; i < 3 && len > 0; i++) {
		tab = i < 2 ? memchr(s, '\t', len) : NULL;
		field[i] = s;
		flen[i] = tab != NULL ? (size_t)(tab - s) : len;
		if (tab == NULL)
			break;
		len -= flen[i] + 1;
		s = tab + 1;
	}
	pass = tw_filter_pass(f, field[0], flen[0], field[1], flen[1],
	    field[2], flen[2]);
	if (pass != 0 && pass != 1)
		abort();
	if (tw_filter_pass(f, field[0], flen[0], field[1], flen[1],
	    field[2], flen[2]) != pass)
		abort();
	tw_filter_init(&empty);
	if (!tw_filter_pass(&empty, field[0], flen[0], field[1], flen[1],
	    field[2], flen[2]))
		abort();
	check_anon(field[2], flen[2]);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data, *end = s + size, *nl;
	static const char probe[] = "503\tGET /a HTTP/1.1\t10.1.2.3";
	char err[96];
	tw_filter f;
	size_t len;
	int kind, before;

	tw_filter_init(&f);
	while (s < end) {
		nl = memchr(s, '\n', (size_t)(end - s));
		len = (nl != NULL ? nl : end) - s;
		kind = len == 0 ? HIT : record(s[0]);
		if (kind != HIT && kind != NAME) {
			before = tw_filter_pass(&f, probe, 3, probe + 4, 18,
			    probe + 23, 8);
			memset(err, 'Z', sizeof(err));
			if (tw_filter_add(&f, kind, s + 1, len - 1, err,
			    sizeof(err)) == -1) {
				if (memchr(err, '\0', sizeof(err)) == NULL ||
				    err[0] == '\0' || strchr(err, '\n') != NULL)
					abort();
				if (tw_filter_pass(&f, probe, 3, probe + 4, 18,
				    probe + 23, 8) != before)
					abort();
			}
		} else if (kind == NAME) {
			kind = tw_filter_kind(s + 1, len - 1);
			if (kind != -1 && (kind < 0 || kind >= TW_FILTER_NKINDS ||
			    strlen(tw_filter_names[kind]) != len - 1))
				abort();
		} else {
			check_hit(&f, s, len);
		}
		s += len + 1;
	}
	tw_filter_free(&f);
	return 0;
}
