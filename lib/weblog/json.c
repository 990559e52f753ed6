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

/* A number for JSON: decimal digits, at most 18, leading zeros dropped. */
static char *
number(char *o, const char *s, size_t len)
{
	size_t i;

	if (len == 0 || len > 18)
		return NULL;
	for (i = 0; i < len; i++)
		if (s[i] < '0' || s[i] > '9')
			return NULL;
	while (len > 1 && *s == '0')
		s++, len--;
	memcpy(o, s, len);
	return o + len;
}

static int
digits(const char *s, int n, int *out)
{
	int v = 0;

	while (n-- > 0) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (*s++ - '0');
	}
	*out = v;
	return 0;
}

size_t
tw_json_iso8601(const char *t, size_t len, char *out)
{
	static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
	static const char days[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31,
		30, 31 };
	int day, mon, year, hh, mm, ss, oh, om;

	/* 10/Oct/2000:13:55:36 -0700 */
	if (len != 26 || t[2] != '/' || t[6] != '/' || t[11] != ':' ||
	    t[14] != ':' || t[17] != ':' || t[20] != ' ' ||
	    (t[21] != '+' && t[21] != '-') ||
	    digits(t, 2, &day) || digits(t + 7, 4, &year) ||
	    digits(t + 12, 2, &hh) || digits(t + 15, 2, &mm) ||
	    digits(t + 18, 2, &ss) || digits(t + 22, 2, &oh) ||
	    digits(t + 24, 2, &om))
		return 0;
	for (mon = 0; mon < 12; mon++)
		if (memcmp(months + 3 * mon, t + 3, 3) == 0)
			break;
	if (mon == 12 || day < 1 || day > days[mon] || hh > 23 || mm > 59 ||
	    ss > 60 || oh > 23 || om > 59)
		return 0;
	memcpy(out, t + 7, 4);
	out[4] = '-';
	out[5] = (char)('0' + (mon + 1) / 10);
	out[6] = (char)('0' + (mon + 1) % 10);
	out[7] = '-';
	memcpy(out + 8, t, 2);
	out[10] = 'T';
	memcpy(out + 11, t + 12, 8);
	out[19] = t[21];
	memcpy(out + 20, t + 22, 2);
	out[22] = ':';
	memcpy(out + 23, t + 24, 2);
	return 25;
}

static char *
key(char *o, const char *name)
{
	*o++ = '"';
	o = put(o, name);
	*o++ = '"';
	*o++ = ':';
	return o;
}

size_t
tw_json_write(const tw_jsonhit *h, char *out)
{
	const tw_logrec *r = h->rec;
	char *o = out, *n;
	int i, first = 1;

	*o++ = '{';
	if (h->label != NULL || h->source != NULL) {
		o = key(o, "source");
		if (h->label != NULL && h->source != NULL) {
			size_t l = strlen(h->label), m;

			/* One string: "LABEL SOURCE", each escaped. */
			o += tw_json_string(h->label, l, o);
			o[-1] = ' ';
			m = tw_json_string(h->source, h->sourcelen, o);
			memmove(o, o + 1, m - 1);
			o += m - 1;
		} else if (h->label != NULL) {
			o += tw_json_string(h->label, strlen(h->label), o);
		} else {
			o += tw_json_string(h->source, h->sourcelen, o);
		}
		first = 0;
	}
	if (r == NULL) {
		if (!first)
			*o++ = ',';
		o = key(o, "line");
		o += tw_json_string(h->line, h->linelen, o);
		*o++ = '}';
		return (size_t)(o - out);
	}
	for (i = 0; i < TW_CLF_NFIELDS; i++) {
		if (!(r->present & TW_LOGFMT_BIT(i)))
			continue;
		if (!first)
			*o++ = ',';
		first = 0;
		o = key(o, tw_clf_names[i]);
		n = NULL;
		if (i == TW_CLF_STATUS || i == TW_CLF_BYTES)
			n = number(o, r->val[i], r->len[i]);
		if (n == NULL && i == TW_CLF_BYTES && r->len[i] == 1 &&
		    r->val[i][0] == '-')
			n = put(o, "0");
		o = n != NULL ? n : o + tw_json_string(r->val[i], r->len[i], o);
		if (i == TW_CLF_TIME) {
			char iso[25];

			if (tw_json_iso8601(r->val[i], r->len[i], iso) > 0) {
				o = put(o, ",\"ts\":\"");
				memcpy(o, iso, sizeof(iso));
				o += sizeof(iso);
				*o++ = '"';
			}
		}
	}
	if (r->nextra > 0) {
		if (!first)
			*o++ = ',';
		o = key(o, "fields");
		*o++ = '{';
		for (i = 0; i < r->nextra; i++) {
			if (i > 0)
				*o++ = ',';
			o += tw_json_string(h->xname[i], h->xnamelen[i], o);
			*o++ = ':';
			o += tw_json_string(r->val[TW_CLF_NFIELDS + i],
			    r->len[TW_CLF_NFIELDS + i], o);
		}
		*o++ = '}';
	}
	*o++ = '}';
	return (size_t)(o - out);
}

size_t
tw_json_rec(const tw_logfmt *f, const tw_logrec *r, const char *line,
    size_t len, const char *source, size_t sourcelen, char *out)
{
	const char *xname[TW_LOGFMT_MAXVARS];
	size_t xnamelen[TW_LOGFMT_MAXVARS];
	tw_jsonhit h;
	int j;

	memset(&h, 0, sizeof(h));
	h.rec = r;
	if (r != NULL) {
		for (j = 0; j < r->nextra; j++) {
			xname[j] = tw_logfmt_extra_name(f, j);
			xnamelen[j] = strlen(xname[j]);
		}
	}
	h.xname = xname;
	h.xnamelen = xnamelen;
	h.line = line;
	h.linelen = len;
	h.source = source;
	h.sourcelen = sourcelen;
	return tw_json_write(&h, out);
}

