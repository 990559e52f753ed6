/*
 * hit.h - one access-log line as the SPEC's <hit> element, ready to send.
 *
 * weblog-serve splits each line with its compiled format (logfmt.h:
 * --format, "combined" by default) and writes the record that
 * tw_logfmt_parse() filled with tw_hit_rec():
 *
 *   <hit n="SEQ">[<source>FILE</source>]<client>..</client>..
 *       <field name="NAME">VALUE</field>..</hit>
 *   <hit n="SEQ">[<source>FILE</source>]<line>..</line></hit>
 *
 * each followed by a newline: the present ones of the nine fields in
 * stream order (with "combined": all nine for a Combined line, the first
 * seven for a Common one), then each extra variable in the format's
 * order; or <line> for a line the format does not match. <source> is
 * there when several files are followed (SPEC "Log formats").
 *
 * Each field's text is escaped by xmlesc.h, so any bytes at all make
 * well-formed XML; the fields and the format's literals are the line's
 * own bytes in order, so tw_logfmt_format() gives back the line exactly
 * (SPEC "Round trip").
 *
 * weblog-serve encodes each hit once, straight into a buffer of hits that
 * every client's write queue then shares (a tw_bytes, bytes.h).
 */
#ifndef TWIRL_HIT_H
#define TWIRL_HIT_H

#include <stddef.h>

#include "logfmt.h"
#include "xmlesc.h"

/*
 * The most bytes tw_hit_rec() writes for a hit whose line (or fields
 * together) is len bytes, names of its extra fields together namelen
 * bytes (at most the format's text), and a source of sourcelen bytes.
 */
#define TW_HIT_REC_MAX(len, namelen, sourcelen) \
	(TW_HIT_ATTR_MAX((len) + (namelen) + (sourcelen)) + \
	32 * TW_LOGFMT_MAXVARS + 256)

/*
 * Encode hit seq (0: no number) into out (TW_HIT_REC_MAX): the record r
 * that f's tw_logfmt_parse() filled, or, r NULL, line[0..len) as <line>;
 * source[0..sourcelen) its <source> (NULL: none). Returns the bytes
 * written, the final newline included.
 */
size_t tw_hit_rec(const tw_logfmt *f, const tw_logrec *r, const char *line,
    size_t len, const char *source, size_t sourcelen, unsigned long long seq,
    char *out);

/* The most bytes tw_hit_attr() writes for len input bytes. */
#define TW_HIT_ATTR_MAX(len) ((len) * 6)

/*
 * in[0..len) escaped for an attribute value between '"': as
 * tw_xml_escape(), and '"' as &quot;. Returns the bytes written.
 */
size_t tw_hit_attr(const char *in, size_t len, char *out);

#endif
