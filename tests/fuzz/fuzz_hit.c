/*
 * fuzz_hit.c - a log line (any bytes) as weblog-serve sends it by default:
 * split by the compiled "combined" preset (logfmt.h), written as a <hit>
 * by tw_hit_rec(), with the round trip as the oracle:
 *
 *   - the element fits in TW_HIT_REC_MAX (the buffer is exactly that big,
 *     so AddressSanitizer sees an overrun) and is well-formed by the
 *     SPEC's rules, checked here without the library: valid UTF-8 of XML
 *     characters only, '&' only in the four references the encoder
 *     writes, no '>' in text, and tags that are exactly <hit n="SEQ">,
 *     the CLF field names in order (7 or 9 of them) or <line>, each
 *     closed, then "</hit>\n";
 *   - each field's text, unescaped by xmlesc, is the field the preset
 *     found, and writing the fields back (tw_logfmt_format) gives the line;
 *   - the stream parser (hitstream) accepts <hits>, the element, </hits>,
 *     and its "combined" format prints the line, byte for byte.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <stdio.h>

#include "weblog/hit.h"
#include "weblog/hitstream.h"
#include "weblog/logfmt.h"
#include "weblog/xmlesc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A valid UTF-8 sequence of an XML Char at p, its length; else 0. */
static size_t
xml_char(const unsigned char *p, size_t n)
{
	uint32_t cp;
	size_t len, i;

	if (p[0] < 0x80)
		return p[0] >= 0x20 || p[0] == '\t' || p[0] == '\n';
	if ((p[0] & 0xe0) == 0xc0)
		len = 2, cp = p[0] & 0x1fu;
	else if ((p[0] & 0xf0) == 0xe0)
		len = 3, cp = p[0] & 0x0fu;
	else if ((p[0] & 0xf8) == 0xf0)
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
	if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) ||
	    (len == 4 && cp < 0x10000) || cp > 0x10ffff ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp == 0xfffe || cp == 0xffff)
		return 0;
	return len;
}

/* Text up to the next '<': XML characters, references, no '>'. */
static const char *
text(const char *p, const char *end)
{
	static const char *const refs[] = { "&amp;", "&lt;", "&gt;", "&#13;" };
	size_t n, i;

	while (p < end && *p != '<') {
		if (*p == '>')
			abort();
		if (*p == '&') {
			for (i = 0; i < 4; i++) {
				n = strlen(refs[i]);
				if ((size_t)(end - p) >= n &&
				    memcmp(p, refs[i], n) == 0)
					break;
			}
			if (i == 4)
				abort();	/* a bare or unknown '&' */
			p += n;
			continue;
		}
		if ((n = xml_char((const unsigned char *)p,
		    (size_t)(end - p))) == 0)
			abort();	/* a byte XML cannot carry */
		p += n;
	}
	return p;
}

/* Expect the literal s at p. */
static const char *
lit(const char *p, const char *end, const char *s)
{
	size_t n = strlen(s);

	if ((size_t)(end - p) < n || memcmp(p, s, n) != 0)
		abort();
	return p + n;
}

/* <name>text</name>: the field's text unescaped must be want. */
static const char *
field(const char *p, const char *end, const char *name, const char *want,
    size_t wantlen, char *scratch)
{
	const char *t;
	long n;

	p = lit(p, end, "<");
	p = lit(p, end, name);
	p = lit(p, end, ">");
	t = p;
	p = text(p, end);
	n = tw_xml_unescape(t, (size_t)(p - t), scratch);
	if (n != (long)wantlen || memcmp(scratch, want, wantlen) != 0)
		abort();
	p = lit(p, end, "</");
	p = lit(p, end, name);
	return lit(p, end, ">");
}

struct got {
	const char *line;
	size_t len;
	int hits, ended;
	char *out;
};

static int
on_event(void *arg, const tw_hitev *ev)
{
	struct got *g = arg;
	tw_hsformat f = { TW_HS_COMBINED, NULL, NULL };
	long n;

	if (ev->type == TW_HS_END)
		g->ended = 1;
	if (ev->type != TW_HS_HIT)
		return 0;
	g->hits++;
	n = tw_hitstream_format(ev, &f, g->out);
	if (n != (long)g->len + 1 || memcmp(g->out, g->line, g->len) != 0 ||
	    g->out[g->len] != '\n')
		abort();
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static tw_logfmt *combined;
	const char *line = (const char *)data, *p, *end;
	char *enc, *scratch, *back, *stream, start[32];
	size_t n, encmax, max = size > 0 ? size : 1;
	unsigned long long seq = size + 1;
	tw_hitstream hs;
	struct got g;
	tw_logrec r;
	int i, ok;

	if (size > 1 << 16)
		return 0;
	if (combined == NULL &&
	    (combined = tw_logfmt_compile("combined", NULL, 0)) == NULL)
		abort();
	encmax = TW_HIT_REC_MAX(size, strlen(tw_logfmt_text(combined)), 0);
	enc = malloc(encmax);
	scratch = malloc(TW_XML_ESCAPED_MAX(size) + 1);
	back = malloc(size + 1);
	stream = malloc(encmax + 16);
	g.out = malloc(TW_HS_FORMAT_MAX(max, 0));
	if (!enc || !scratch || !back || !stream || !g.out)
		abort();
	ok = tw_logfmt_parse(combined, &r, line, size);
	n = tw_hit_rec(combined, ok ? &r : NULL, line, size, NULL, 0, seq,
	    enc);
	if (n > encmax)
		abort();

	/* Well-formed, and each field gives back what the preset found. */
	p = enc;
	end = enc + n;
	snprintf(start, sizeof(start), "<hit n=\"%llu\">", seq);
	p = lit(p, end, start);
	if (!ok) {
		p = field(p, end, "line", line, size, scratch);
	} else {
		if ((r.present != 0x7f && r.present != 0x1ff) || r.nextra != 0)
			abort();
		for (i = 0; i < TW_CLF_NFIELDS; i++)
			if (r.present & TW_LOGFMT_BIT(i))
				p = field(p, end, tw_clf_names[i], r.val[i],
				    r.len[i], scratch);
		if (tw_logfmt_format(combined, &r, back, size + 1) !=
		    (long)size || memcmp(back, line, size) != 0)
			abort();
	}
	p = lit(p, end, "</hit>\n");
	if (p != end)
		abort();

	/* The client's parser restores the line. */
	memcpy(stream, "<hits>\n", 7);
	memcpy(stream + 7, enc, n);
	memcpy(stream + 7 + n, "</hits>\n", 8);
	g.line = line;
	g.len = size;
	g.hits = g.ended = 0;
	tw_hitstream_init(&hs, max);
	if (tw_hitstream_feed(&hs, stream, n + 15, on_event, &g, NULL) != 0 ||
	    g.hits != 1 || !g.ended)
		abort();
	tw_hitstream_free(&hs);

	free(enc);
	free(scratch);
	free(back);
	free(stream);
	free(g.out);
	return 0;
}
