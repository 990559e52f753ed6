/*
 * xmlesc.h - the SPEC's escaping of arbitrary bytes into XML text, and back.
 *
 * weblog-serve sends log lines, which may hold any bytes at all, as XML
 * text; weblog-client restores them exactly. Escaping:
 *
 *   &  <  >         &amp;  &lt;  &gt;
 *   CR              &#13;
 *   a byte XML 1.0 cannot carry (a control byte other than tab, a byte
 *   that is not part of valid UTF-8, a byte of U+FFFE or U+FFFF)
 *                   \xHH (four characters, upper-case hex)
 *   a backslash followed by x
 *                   \x5C
 *
 * Everything else, valid UTF-8 included, is copied. Unescaping undoes it
 * and also understands the other XML references (&quot; &apos; &#N; &#xH;)
 * that an independent server might send.
 */
#ifndef TWIRL_XMLESC_H
#define TWIRL_XMLESC_H

#include <stddef.h>

/*
 * The length of the valid UTF-8 sequence at p (at most n bytes): 1 to 4,
 * or 0 if p does not start one (a stray byte, an overlong form, a
 * surrogate, a code point past U+10FFFF, or a sequence cut short).
 */
size_t tw_utf8_len(const unsigned char *p, size_t n);

/* The most bytes tw_xml_escape() writes for len input bytes. */
#define TW_XML_ESCAPED_MAX(len) ((len) * 5)

/* Escape in[0..len) into out (room for TW_XML_ESCAPED_MAX(len)); returns bytes written. */
size_t tw_xml_escape(const char *in, size_t len, char *out);

/*
 * Unescape in[0..len) into out (room for len bytes; out may be in).
 * Returns the bytes written, or -1 for a malformed reference (an unknown
 * entity, a '&' without ';', a character reference out of range) or a raw
 * '<' (markup inside text).
 */
long tw_xml_unescape(const char *in, size_t len, char *out);

#endif
