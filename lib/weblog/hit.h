/*
 * hit.h - one access-log line as the SPEC's <hit> element, ready to send.
 *
 *   <hit n="SEQ"><client>..</client>..<bytes>..</bytes></hit>          Common
 *   <hit n="SEQ"><client>..</client>..<agent>..</agent></hit>          Combined
 *   <hit n="SEQ"><line>..</line></hit>                                 anything else
 *
 * each followed by a newline. The line is split by clf.h and each field's
 * text escaped by xmlesc.h, so any bytes at all make well-formed XML that
 * gives back the line exactly. The delimiters between CLF fields are ASCII,
 * so escaping field by field gives what escaping the whole line would.
 *
 * weblog-serve encodes each hit once, straight into a buffer of hits that
 * every client's write queue then shares (a tw_bytes, bytes.h).
 */
#ifndef TWIRL_HIT_H
#define TWIRL_HIT_H

#include <stddef.h>

#include "xmlesc.h"

/* The most bytes tw_hit_encode() writes for a line of len bytes. */
#define TW_HIT_ENCODED_MAX(len) (TW_XML_ESCAPED_MAX(len) + 256)

/*
 * Encode line[0..len) (without its '\n'), the hit numbered seq (0: no
 * number, <hit>), into out, which has room for TW_HIT_ENCODED_MAX(len)
 * bytes. Returns the bytes written, the final newline included.
 */
size_t tw_hit_encode(const char *line, size_t len, unsigned long long seq,
    char *out);

#endif
