/*
 * xmlesc.c - escape any bytes as XML text, and restore them.
 */
#include <stdint.h>
#include <string.h>

#include "xmlesc.h"

static const char hex[] = "0123456789ABCDEF";

size_t
tw_utf8_len(const unsigned char *p, size_t n)
{
	uint32_t cp;
	size_t len, i;

	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		len = 2, cp = p[0] & 0x1fu;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		len = 3, cp = p[0] & 0x0fu;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		len = 4, cp = p[0] & 0x07u;
	else
		return 0;
	if (len > n)
		return 0;
	for (i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (p[i] & 0x3fu);
	}
	if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
	    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

/*
 * Length of the UTF-8 sequence at p that XML can carry, or 0 if the byte
 * at p must be escaped: valid UTF-8 other than U+FFFE and U+FFFF.
 */
static size_t
utf8_ok(const unsigned char *p, size_t n)
{
	size_t len = tw_utf8_len(p, n);

	if (len == 3 && p[0] == 0xef && p[1] == 0xbf && (p[2] & 0xfe) == 0xbe)
		return 0;
	return len;
}

size_t
tw_xml_escape(const char *in, size_t len, char *out)
{
	const unsigned char *p = (const unsigned char *)in;
	char *o = out;
	size_t i = 0, n;

	while (i < len) {
		unsigned char c = p[i];

		switch (c) {
		case '&':
			memcpy(o, "&amp;", 5), o += 5, i++;
			continue;
		case '<':
			memcpy(o, "&lt;", 4), o += 4, i++;
			continue;
		case '>':
			memcpy(o, "&gt;", 4), o += 4, i++;
			continue;
		case '\r':
			memcpy(o, "&#13;", 5), o += 5, i++;
			continue;
		case '\\':
			if (i + 1 < len && p[i + 1] == 'x') {
				memcpy(o, "\\x5C", 4), o += 4, i++;
				continue;
			}
			break;
		}
		if ((c < 0x20 && c != '\t') || (n = utf8_ok(p + i, len - i)) == 0) {
			*o++ = '\\';
			*o++ = 'x';
			*o++ = hex[c >> 4];
			*o++ = hex[c & 15];
			i++;
			continue;
		}
		memcpy(o, p + i, n);
		o += n;
		i += n;
	}
	return (size_t)(o - out);
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static size_t
put_utf8(char *o, uint32_t cp)
{
	if (cp < 0x80) {
		o[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (char)(0xc0 | cp >> 6);
		o[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (char)(0xe0 | cp >> 12);
		o[1] = (char)(0x80 | (cp >> 6 & 0x3f));
		o[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	o[0] = (char)(0xf0 | cp >> 18);
	o[1] = (char)(0x80 | (cp >> 12 & 0x3f));
	o[2] = (char)(0x80 | (cp >> 6 & 0x3f));
	o[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/* A reference starting at in[0] == '&'; its length, or 0 if malformed. */
static size_t
reference(const char *in, size_t len, char *o, size_t *wrote)
{
	static const struct {
		const char *name;
		char c;
	} named[] = {
		{ "amp", '&' }, { "lt", '<' }, { "gt", '>' },
		{ "quot", '"' }, { "apos", '\'' },
	};
	const char *semi;
	size_t n, i;

	/* Longest reference: &#x10FFFF; or &#1114111; */
	semi = memchr(in, ';', len < 12 ? len : 12);
	if (semi == NULL || semi == in + 1)
		return 0;
	n = (size_t)(semi - in) + 1;
	if (in[1] == '#') {
		uint32_t cp = 0;
		int base = 10, d;

		i = 2;
		if (in[2] == 'x') {
			base = 16;
			i = 3;
		}
		if (i >= n - 1)
			return 0;
		for (; i < n - 1; i++) {
			if ((d = hexval((unsigned char)in[i])) < 0 || d >= base)
				return 0;
			cp = cp * (uint32_t)base + (uint32_t)d;
			if (cp > 0x10ffff)
				return 0;
		}
		if (cp == 0 || (cp >= 0xd800 && cp <= 0xdfff))
			return 0;
		*wrote = put_utf8(o, cp);
		return n;
	}
	for (i = 0; i < sizeof(named) / sizeof(named[0]); i++) {
		if (strlen(named[i].name) == n - 2 &&
		    memcmp(in + 1, named[i].name, n - 2) == 0) {
			*o = named[i].c;
			*wrote = 1;
			return n;
		}
	}
	return 0;
}

long
tw_xml_unescape(const char *in, size_t len, char *out)
{
	size_t i = 0, n, wrote;
	char *o = out;

	/*
	 * Writing in place is safe: every form is at least as long as what
	 * it stands for (a character reference to a 4-byte character is 8+).
	 */
	while (i < len) {
		char c = in[i];
		int h, l;

		if (c == '<')
			return -1;
		if (c == '&') {
			char tmp[4];

			if ((n = reference(in + i, len - i, tmp, &wrote)) == 0)
				return -1;
			memcpy(o, tmp, wrote);
			o += wrote;
			i += n;
			continue;
		}
		if (c == '\\' && i + 3 < len && in[i + 1] == 'x' &&
		    (h = hexval((unsigned char)in[i + 2])) >= 0 &&
		    (l = hexval((unsigned char)in[i + 3])) >= 0) {
			*o++ = (char)(h << 4 | l);
			i += 4;
			continue;
		}
		*o++ = c;
		i++;
	}
	return (long)(o - out);
}
