/*
 * clf_lines.h - Common and Combined lines, for the tests only.
 *
 * clf_field_ok() says what each of the nine fields may hold: the oracle
 * that test_logfmt.c and fuzz_logfmt.c hold the "combined" preset to
 * (SPEC's stream section, logfmt.h's table). A line of fields that keep
 * to these rules, written with single spaces and the delimiters
 *
 *   client ident user [time] "request" status bytes "referrer" "agent"
 *
 * (the last two absent in Common), is Common or Combined; nothing else
 * is. random_line() makes lines mostly of those delimiters, so that many
 * are Common or Combined and many just miss.
 *
 * combined_preset() compiles the preset under test or bails out. The
 * functions are static inline so that a file may use only some.
 */
#ifndef TWIRL_CLF_LINES_H
#define TWIRL_CLF_LINES_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "weblog/logfmt.h"

/* The "combined" preset, compiled; a test that cannot have it bails out. */
static inline tw_logfmt *
combined_preset(void)
{
	char err[128];
	tw_logfmt *f;

	if ((f = tw_logfmt_compile("combined", err, sizeof(err))) == NULL) {
		printf("Bail out! combined: %s\n", err);
		exit(1);
	}
	return f;
}

/* Does p[0..n) keep to the rules of field i (TW_CLF_CLIENT ...)? */
static inline int
clf_field_ok(int i, const char *p, size_t n)
{
	size_t k;

	switch (i) {
	case TW_CLF_TIME:
		return n == 0 || memchr(p, ']', n) == NULL;
	case TW_CLF_REQUEST:
	case TW_CLF_REFERRER:
	case TW_CLF_AGENT:
		/* A backslash takes the byte after it; no other '"'. */
		for (k = 0; k < n; k++)
			if (p[k] == '"' || (p[k] == '\\' && ++k == n))
				return 0;
		return 1;
	case TW_CLF_STATUS:
	case TW_CLF_BYTES:
		if (i == TW_CLF_BYTES && n == 1 && p[0] == '-')
			return 1;
		for (k = 0; k < n; k++)
			if (p[k] < '0' || p[k] > '9')
				return 0;
		return n > 0;
	default:				/* client, ident, user */
		return n > 0 && memchr(p, ' ', n) == NULL;
	}
}

/* The field named name[0..n) ("client" ... "agent"), or -1. */
static inline int
clf_field_index(const char *name, size_t n)
{
	int i;

	for (i = 0; i < TW_CLF_NFIELDS; i++)
		if (strlen(tw_clf_names[i]) == n &&
		    memcmp(tw_clf_names[i], name, n) == 0)
			return i;
	return -1;
}

static uint64_t clf_rng = 0x9e3779b97f4a7c15ull;

/* A pseudo-random number below n, the same sequence every run. */
static inline unsigned
rnd(unsigned n)
{
	clf_rng ^= clf_rng << 13;
	clf_rng ^= clf_rng >> 7;
	clf_rng ^= clf_rng << 17;
	return (unsigned)(clf_rng % n);
}

/* A random line of at most max bytes into buf; returns its length. */
static inline size_t
random_line(char *buf, size_t max)
{
	static const char alphabet[] = " \"[]\\-0123456789ab\t\r\x00\xff&<>x";
	static const char *const pieces[] = {
		"h - - [t] \"GET /\" 200 1", " \"r\" \"a\"", " ", "\"", "\\\"",
		"[", "]", "\\", "-", "200", " 12", "\\\\", " \"",
	};
	size_t n = 0, len = rnd((unsigned)max), k;
	const char *p;

	while (n < len) {
		if (rnd(3) == 0) {
			p = pieces[rnd(sizeof(pieces) / sizeof(pieces[0]))];
			k = strlen(p);
			if (n + k > max)
				break;
			memcpy(buf + n, p, k);
			n += k;
		} else {
			buf[n++] = alphabet[rnd(sizeof(alphabet) - 1)];
		}
	}
	return n;
}

#endif
