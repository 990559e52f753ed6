/*
 * json.c - a hit as one JSON object.
 */
#include <string.h>

#include "json.h"
#include "xmlesc.h"

static const char hex[] = "0123456789ABCDEF";

static char *
put(char *o, const char *s)
{
	size_t n = strlen(s);

	memcpy(o, s, n);
	return o + n;
}

size_t
tw_json_string(const char *s, size_t len, char *out)
{
	const unsigned char *p = (const unsigned char *)s;
	char *o = out;
	size_t i = 0, n;

	*o++ = '"';
	while (i < len) {
		unsigned char c = p[i];

		if (c == '"' || c == '\\') {
			*o++ = '\\';
			*o++ = (char)c;
			i++;
		} else if (c < 0x20) {
			switch (c) {
			case '\b': o = put(o, "\\b"); break;
			case '\f': o = put(o, "\\f"); break;
			case '\n': o = put(o, "\\n"); break;
			case '\r': o = put(o, "\\r"); break;
			case '\t': o = put(o, "\\t"); break;
			default:
				o = put(o, "\\u00");
				*o++ = hex[c >> 4];
				*o++ = hex[c & 15];
			}
			i++;
		} else if ((n = tw_utf8_len(p + i, len - i)) == 0) {
			/* As the text \xHH; its backslash escaped for JSON. */
			o = put(o, "\\\\x");
			*o++ = hex[c >> 4];
			*o++ = hex[c & 15];
			i++;
		} else {
			memcpy(o, s + i, n);
			o += n;
			i += n;
		}
	}
	*o++ = '"';
	return (size_t)(o - out);
}

size_t
tw_json_hit(const tw_clf *c, const char *line, size_t len, char *out)
{
	char *o = out;
	int i;

	*o++ = '{';
	if (c->nfields == 0) {
		o = put(o, "\"line\":");
		o += tw_json_string(line, len, o);
	}
	for (i = 0; i < c->nfields; i++) {
		if (i > 0)
			*o++ = ',';
		*o++ = '"';
		o = put(o, tw_clf_names[i]);
		o = put(o, "\":");
		o += tw_json_string(c->field[i], c->len[i], o);
	}
	*o++ = '}';
	return (size_t)(o - out);
}

size_t
tw_json_line(const char *line, size_t len, char *out)
{
	tw_clf c;

	tw_clf_parse(&c, line, len);
	return tw_json_hit(&c, line, len, out);
}
