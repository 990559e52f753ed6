/*
 * clf_rules.h - what each of the nine fields may hold in a Common or
 * Combined line, for the tests only: the oracle that test_logfmt.c and
 * fuzz_logfmt.c hold the "combined" preset to (SPEC's stream section,
 * logfmt.h's table). A line of fields that keep to these rules, written
 * with single spaces and the delimiters
 *
 *   client ident user [time] "request" status bytes "referrer" "agent"
 *
 * (the last two absent in Common), is Common or Combined; nothing else is.
 */
#ifndef TWIRL_CLF_RULES_H
#define TWIRL_CLF_RULES_H

#include <stddef.h>
#include <string.h>

#include "weblog/logfmt.h"

/* Does p[0..n) keep to the rules of field i (TW_CLF_CLIENT ...)? */
static int
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

#endif
