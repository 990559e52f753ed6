/*
 * json.h - a hit as one JSON object: what weblog-client -f json prints, and
 * the data of weblog-serve's /hits events and /hits.ndjson lines (SPEC
 * "HTTP": "the same JSON object as weblog-client -f json").
 *
 *   {"client":"..","ident":"..",...,"bytes":".."}       Common (7 fields)
 *   {"client":"..",...,"referrer":"..","agent":".."}     Combined (9)
 *   {"line":".."}                                        any other line
 *
 * with no newline. Strings are always valid JSON and valid UTF-8, whatever
 * the bytes: '"' and '\' are escaped, control bytes are written \b \f \n
 * \r \t or \u00XX, valid UTF-8 is copied, and each byte that is not part
 * of valid UTF-8 becomes the four characters \xHH (upper-case hex), its
 * backslash escaped for JSON: "caf\\xE9". That is how Apache and nginx log
 * such bytes, so a line and its log look the same. A backslash in the line
 * is escaped and kept, so "\\xE9" may stand for either: the exact bytes
 * are the XML stream's job, not JSON's.
 */
#ifndef TWIRL_JSON_H
#define TWIRL_JSON_H

#include <stddef.h>

#include "clf.h"

/* The most bytes tw_json_string() writes for len input bytes, quotes included. */
#define TW_JSON_STRING_MAX(len) ((len) * 6 + 2)

/*
 * The most bytes tw_json_hit() writes for a hit whose line (or fields
 * together) is len bytes: six per byte at most (\u0001), and the braces,
 * keys, quotes and commas add less than 256.
 */
#define TW_JSON_HIT_MAX(len) ((len) * 6 + 256)

/* s[0..len) as a JSON string, quotes included, into out. Returns the bytes written. */
size_t tw_json_string(const char *s, size_t len, char *out);

/*
 * The object for c's fields (c->nfields 7 or 9, named by tw_clf_names), or
 * for line[0..len) when c->nfields is 0; into out, which has room for
 * TW_JSON_HIT_MAX of the fields' or the line's length. Returns the bytes
 * written.
 */
size_t tw_json_hit(const tw_clf *c, const char *line, size_t len, char *out);

/*
 * The object for a log line as weblog-serve reads it (without its '\n'):
 * split by tw_clf_parse(), then tw_json_hit(). out has room for
 * TW_JSON_HIT_MAX(len).
 */
size_t tw_json_line(const char *line, size_t len, char *out);

#endif
