/*
 * hit.c - encode one log line as a <hit> element.
 */
#include <stdio.h>
#include <string.h>

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
tw_hit_attr(const char *in, size_t len, char *out)
{
	const char *q;
	char *o = out;

	while ((q = memchr(in, '"', len)) != NULL) {
		o += tw_xml_escape(in, (size_t)(q - in), o);
		o = put(o, "&quot;");
		len -= (size_t)(q - in) + 1;
		in = q + 1;
	}
	o += tw_xml_escape(in, len, o);
	return (size_t)(o - out);
}

size_t
tw_hit_rec(const tw_logfmt *f, const tw_logrec *r, const char *line,
    size_t len, const char *source, size_t sourcelen, unsigned long long seq,
    char *out)
{
	const char *name;
	char *o;
	int i;

	if (seq > 0)
		o = out + sprintf(out, "<hit n=\"%llu\">", seq);
	else
		o = put(out, "<hit>");
	if (source != NULL)
		o = element(o, "source", source, sourcelen);
	if (r == NULL) {
		o = element(o, "line", line, len);
	} else {
		for (i = 0; i < TW_CLF_NFIELDS; i++)
			if (r->present & TW_LOGFMT_BIT(i))
				o = element(o, tw_clf_names[i], r->val[i],
				    r->len[i]);
		for (i = 0; i < r->nextra; i++) {
			name = tw_logfmt_extra_name(f, i);
			o = put(o, "<field name=\"");
			o += tw_hit_attr(name, strlen(name), o);
			o = put(o, "\">");
			o += tw_xml_escape(r->val[TW_CLF_NFIELDS + i],
			    r->len[TW_CLF_NFIELDS + i], o);
			o = put(o, "</field>");
		}
	}
	o = put(o, "</hit>\n");
	return (size_t)(o - out);
}
