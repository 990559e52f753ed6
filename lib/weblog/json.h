/*
 * json.h - a hit as one JSON object: what weblog-client -f json prints, and
 * the data of weblog-serve's /hits events and /hits.ndjson lines (SPEC
 * "HTTP": "the same JSON object as weblog-client -f json").
 *
 *   {"source":"..","client":"..",...,"time":"..","ts":"..","request":"..",
 *    "status":200,"bytes":2326,"referrer":"..","agent":"..",
 *    "fields":{"NAME":"..",...}}
 *   {"source":"..","line":".."}                  a line of no format
 *
 * with no newline. Only what the hit has is there: "source" when it has
 * one; of the nine fields (client ident user time request status bytes
 * referrer agent) those present, in that order (a Common line has no
 * referrer and agent, an nginx format no ident); "fields" when the format
 * has other variables, each under its name (logfmt.h), in the format's
 * order (a name the format repeats is repeated: most JSON readers keep
 * the last).
 *
 *   status, bytes  numbers when the value is decimal digits (at most 18;
 *                  leading zeros dropped), bytes "-" (Apache's %b for no
 *                  body) as 0; any other value stays a string.
 *   ts             after "time" when the time parses as a log time,
 *                  "10/Oct/2000:13:55:36 -0700": the same instant in ISO
 *                  8601 with its offset, "2000-10-10T13:55:36-07:00".
 *                  Absent when it does not parse.
 *
 * Strings are always valid JSON and valid UTF-8, whatever the bytes: '"'
 * and '\' are escaped, control bytes are written \b \f \n \r \t or
 * \u00XX, valid UTF-8 is copied, and each byte that is not part of valid
 * UTF-8 becomes the four characters \xHH (upper-case hex), its backslash
 * escaped for JSON: "caf\\xE9". That is how Apache and nginx log such
 * bytes, so a line and its log look the same. A backslash in the line is
 * escaped and kept, so "\\xE9" may stand for either: the exact bytes are
 * the XML stream's job, not JSON's.
 */
#ifndef TWIRL_JSON_H
#define TWIRL_JSON_H

#include <stddef.h>

#include "logfmt.h"

/* The most bytes tw_json_string() writes for len input bytes, quotes included. */
#define TW_JSON_STRING_MAX(len) ((len) * 6 + 2)

/*
 * The most bytes tw_json_write() and tw_json_rec() write for a hit of len
 * bytes (its fields, or its line), names of its extra fields together
 * namelen bytes, and a source of sourcelen bytes: six per byte of all of
 * them, 16 per extra field, and 256 for the rest.
 */
#define TW_JSON_REC_MAX(len, namelen, sourcelen) \
	(((len) + (namelen) + (sourcelen)) * 6 + 16 * TW_LOGFMT_MAXVARS + 256)

/* A hit, however it was read, for tw_json_write(). */
typedef struct tw_jsonhit {
	const tw_logrec *rec;	/* its fields and extras; NULL: a line */
	const char *const *xname;	/* the name of rec's extra j */
	const size_t *xnamelen;	/* and its length */
	const char *line;	/* when rec is NULL: the line */
	size_t linelen;
	const char *label;	/* a source of the caller's; NULL: none */
	const char *source;	/* the hit's source; NULL: none */
	size_t sourcelen;
} tw_jsonhit;

/* s[0..len) as a JSON string, quotes included, into out. Returns the bytes written. */
size_t tw_json_string(const char *s, size_t len, char *out);

/*
 * The object for h into out. "source" is h->label and h->source joined
 * by a space, or whichever of them there is. Returns the bytes written.
 */
size_t tw_json_write(const tw_jsonhit *h, char *out);

/*
 * The object for a log line split by a compiled format: r as
 * tw_logfmt_parse() filled it, its extras named as f names them; or, r
 * NULL (the line did not match), for line[0..len). source[0..sourcelen)
 * is the file it came from (NULL: none). out has room for
 * TW_JSON_REC_MAX(len, strlen(tw_logfmt_text(f)), sourcelen), len the
 * line's length. Returns the bytes written.
 */
size_t tw_json_rec(const tw_logfmt *f, const tw_logrec *r, const char *line,
    size_t len, const char *source, size_t sourcelen, char *out);

/*
 * A log time, "10/Oct/2000:13:55:36 -0700", t[0..len), as ISO 8601 with
 * its offset, "2000-10-10T13:55:36-07:00", into out (room for 25 bytes,
 * no NUL written). Returns 25, or 0 when t is not such a time.
 */
size_t tw_json_iso8601(const char *t, size_t len, char *out);

#endif
