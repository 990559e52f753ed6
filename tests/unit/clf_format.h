/*
 * clf_format.h - the inverse of tw_clf_parse(), for the tests only: write
 * the fields of a tw_clf back as the log line. The round-trip oracle of
 * test_clf.c and fuzz_hit.c; the programs never need it (a hit carries
 * the fields, and weblog-client formats them with hitstream.h).
 */
#ifndef TWIRL_CLF_FORMAT_H
#define TWIRL_CLF_FORMAT_H

#include <stddef.h>
#include <string.h>

#include "weblog/clf.h"

/* The delimiters before and after each field. */
static const char *const clf_open_with[TW_CLF_NFIELDS] = {
	"", " ", " ", " [", " \"", " ", " ", " \"", " \""
};
static const char *const clf_close_with[TW_CLF_NFIELDS] = {
	"", "", "", "]", "\"", "", "", "\"", "\""
};

/* The bytes clf_format() writes for c. */
static size_t
clf_format_len(const tw_clf *c)
{
	size_t n = 0;
	int i;

	for (i = 0; i < c->nfields; i++)
		n += strlen(clf_open_with[i]) + c->len[i] +
		    strlen(clf_close_with[i]);
	return n;
}

/*
 * Write the first c->nfields fields of c back as a log line (no newline)
 * into out, which has room for clf_format_len() bytes. Returns the bytes
 * written. For a line tw_clf_parse() accepted, that is the line.
 */
static size_t
clf_format(const tw_clf *c, char *out)
{
	char *o = out;
	size_t n;
	int i;

	for (i = 0; i < c->nfields; i++) {
		n = strlen(clf_open_with[i]);
		memcpy(o, clf_open_with[i], n);
		o += n;
		if (c->len[i] > 0)
			memcpy(o, c->field[i], c->len[i]);
		o += c->len[i];
		n = strlen(clf_close_with[i]);
		memcpy(o, clf_close_with[i], n);
		o += n;
	}
	return (size_t)(o - out);
}

#endif
