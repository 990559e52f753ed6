/*
 * clf.h - split an access-log line in Common or Combined Log Format into
 * its fields.
 *
 *   client ident user [time] "request" status bytes                          Common
 *   client ident user [time] "request" status bytes "referrer" "agent"       Combined
 *
 * A field is the raw text between its delimiters, without the [] or "";
 * nothing is unescaped (Apache writes a '"' inside a quoted field as \"
 * and a backslash as \\; both are left as they are). The parser is strict
 * on purpose, because a hit must give back its line exactly (SPEC "Round
 * trip"): a line is accepted only when writing its fields back with single
 * spaces and the delimiters above gives that same line, byte for byte (the
 * tests check it with tests/unit/clf_format.h). Anything else, such as two spaces between fields, a trailing
 * '\r' or a field too many, is not CLF, and the caller sends it whole.
 *
 * What a field may hold:
 *   client, ident, user   one or more bytes, none of them a space
 *   time                  between '[' and the first ']', no ']' inside
 *   request, referrer, agent
 *                         between '"' and the next '"' that is not escaped
 *                         by a backslash (a backslash escapes any byte)
 *   status                one or more decimal digits
 *   bytes                 one or more decimal digits, or "-"
 *
 * Any other byte, NUL and invalid UTF-8 included, is field text: escaping
 * it for XML is the caller's job (xmlesc.h). Nothing is allocated; the
 * fields point into the caller's line.
 */
#ifndef TWIRL_CLF_H
#define TWIRL_CLF_H

#include <stddef.h>

/* The fields, in log (and stream) order. */
enum {
	TW_CLF_CLIENT, TW_CLF_IDENT, TW_CLF_USER, TW_CLF_TIME,
	TW_CLF_REQUEST, TW_CLF_STATUS, TW_CLF_BYTES, TW_CLF_REFERRER,
	TW_CLF_AGENT,
	TW_CLF_NFIELDS
};

#define TW_CLF_COMMON 7		/* fields in a Common Log Format line */
#define TW_CLF_COMBINED 9	/* fields in a Combined Log Format line */

typedef struct tw_clf {
	const char *field[TW_CLF_NFIELDS];	/* into the parsed line */
	size_t len[TW_CLF_NFIELDS];
	int nfields;				/* 7, 9, or 0: not CLF */
} tw_clf;

/* The element name of each field: "client", "ident", ... "agent". */
extern const char *const tw_clf_names[TW_CLF_NFIELDS];

/*
 * Parse line[0..len) (without its '\n'). Returns the number of fields,
 * TW_CLF_COMMON or TW_CLF_COMBINED, also stored in c->nfields; or 0 when the
 * line is in neither format.
 */
int tw_clf_parse(tw_clf *c, const char *line, size_t len);

#endif
