/*
 * hit.c - encode one log line as a <hit> element.
 */
#include <stdio.h>
#include <string.h>

#include "clf.h"
#include "hit.h"

static char *
put(char *o, const char *s)
{
	size_t n = strlen(s);

	memcpy(o, s, n);
	return o + n;
}

/* <name>escaped text</name> */
static char *
element(char *o, const char *name, const char *text, size_t len)
{
	*o++ = '<';
	o = put(o, name);
	*o++ = '>';
	o += tw_xml_escape(text, len, o);
	*o++ = '<';
	*o++ = '/';
	o = put(o, name);
	*o++ = '>';
	return o;
}

size_t
tw_hit_encode(const char *line, size_t len, unsigned long long seq,
    char *out)
{
	tw_clf c;
	char *o;
	int i;

	if (seq > 0)
		o = out + sprintf(out, "<hit n=\"%llu\">", seq);
	else
		o = put(out, "<hit>");

	if (tw_clf_parse(&c, line, len) == 0) {
		o = element(o, "line", line, len);
	} else {
		for (i = 0; i < c.nfields; i++)
			o = element(o, tw_clf_names[i], c.field[i], c.len[i]);
	}
	o = put(o, "</hit>\n");
	return (size_t)(o - out);
}
