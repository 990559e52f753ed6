/*
 * hitstream.c - the stream of hits: an incremental parser and the output
 * formats.
 *
 * Two small machines. The lexer knows only "in text" and "in a tag": text
 * inside a field is copied to the buffer in bulk up to the next '<'; text
 * anywhere else must be whitespace and is dropped; a tag is gathered into a
 * fixed buffer up to its '>'. The grammar machine then judges each whole
 * tag against where the stream is. Entities and \xHH are left in the raw
 * text until the field's end tag arrives, so a chunk may end anywhere.
 * The raw text's characters are judged as they arrive (a UTF-8 sequence
 * cut by the chunk's end waits for the rest), so a forbidden byte fails
 * the stream at once, at its own offset.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hitstream.h"
#include "json.h"
#include "xmlesc.h"

enum state {
	S_PROLOG,		/* before <hits> */
	S_HALF,			/* <hits/>: its start sent, its end owed */
	S_HITS,			/* between the elements of <hits> */
	S_HIT,			/* between the fields of a <hit> */
	S_FIELD,		/* inside a field: text */
	S_DROPPED,		/* inside <dropped count="N">, before its end tag */
	S_LOST,			/* the same, <lost count="N"> */
	S_NONE,			/* inside <none>, before its end tag */
	S_SKIP,			/* inside an element this parser does not know */
	S_END,			/* after </hits> */
	S_FAILED
};

enum { LEX_TEXT, LEX_TAG };

#define FIRST_CAP 4096

/* The element being read in a hit (hs->cur): one of the nine, or these. */
enum { CUR_LINE = TW_HS_NFIELDS, CUR_SOURCE, CUR_EXTRA };

static const char *const names[] = {
	"client", "ident", "user", "time", "request", "status", "bytes",
	"referrer", "agent", "line", "source", "field"
};

/* The elements of the grammar besides those of a hit: never skipped. */
static const char *const elements[] = {
	"hits", "hit", "dropped", "lost", "none"
};

void
tw_hitstream_init(tw_hitstream *hs, size_t max)
{
	memset(hs, 0, sizeof(*hs));
	hs->max = max > 0 ? max : 1;
	tw_hitstream_reset(hs);
}

void
tw_hitstream_reset(tw_hitstream *hs)
{
	hs->flen = hs->rawlen = hs->checked = 0;
	hs->present = 0;
	hs->next = hs->nextra = 0;
	hs->line = hs->has_source = 0;
	hs->xnused = 0;
	hs->skip = 0;
	hs->seq = 0;
	hs->state = S_PROLOG;
	hs->lex = LEX_TEXT;
	hs->taglen = 0;
	hs->offset = 0;
	hs->err[0] = '\0';
}

void
tw_hitstream_free(tw_hitstream *hs)
{
	free(hs->buf);
	hs->buf = NULL;
	hs->cap = 0;
}

int
tw_hitstream_started(const tw_hitstream *hs)
{
	return hs->state != S_PROLOG;
}

int
tw_hitstream_ended(const tw_hitstream *hs)
{
	return hs->state == S_END;
}

const char *
tw_hitstream_error(const tw_hitstream *hs)
{
	return hs->err;
}

/* --------------------------------------------------------------- errors */

static int
fail(tw_hitstream *hs, unsigned long long pos, const char *fmt, ...)
{
	va_list ap;
	int n;

	n = snprintf(hs->err, sizeof(hs->err), "at byte %llu: ", pos);
	va_start(ap, fmt);
	if (n > 0 && (size_t)n < sizeof(hs->err))
		vsnprintf(hs->err + n, sizeof(hs->err) - (size_t)n, fmt, ap);
	va_end(ap);
	hs->state = S_FAILED;
	errno = EBADMSG;
	return -1;
}

/* A tag name fit for a message: printable ASCII, at most 24 bytes. */
static const char *
printable(const char *s, size_t len, char *out)
{
	size_t i;

	if (len > 24)
		len = 24;
	for (i = 0; i < len; i++)
		out[i] = s[i] > ' ' && s[i] < 0x7f ? s[i] : '?';
	out[len] = '\0';
	return out;
}

static const char *
where(const tw_hitstream *hs)
{
	switch (hs->state) {
	case S_PROLOG:
		return "before <hits>";
	case S_HITS:
		return "in <hits>";
	case S_HIT:
		return "in <hit>";
	case S_FIELD:
		return "in a field";
	case S_DROPPED:
		return "in <dropped>";
	case S_LOST:
		return "in <lost>";
	case S_NONE:
		return "in <none>";
	case S_SKIP:
		return "in an unknown element";
	default:
		return "after </hits>";
	}
}

/* --------------------------------------------------------------- buffer */

/* Make room for need bytes in all; the limit was checked by the caller. */
static int
room(tw_hitstream *hs, size_t need)
{
	size_t cap;
	char *p;

	if (need <= hs->cap)
		return 0;
	cap = hs->cap > 0 ? hs->cap : FIRST_CAP;
	while (cap < need)
		cap *= 2;
	if (cap > TW_XML_ESCAPED_MAX(hs->max))
		cap = TW_XML_ESCAPED_MAX(hs->max);
	if ((p = realloc(hs->buf, cap)) == NULL) {
		snprintf(hs->err, sizeof(hs->err), "out of memory");
		hs->state = S_FAILED;
		errno = ENOMEM;
		return -1;
	}
	hs->buf = p;
	hs->cap = cap;
	return 0;
}

/* ----------------------------------------------------------------- tags */

static int
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static int
all_space(const char *s, size_t len)
{
	while (len > 0 && is_space(*s))
		s++, len--;
	return len == 0;
}

static int
is_name(const char *s, size_t len, const char *name)
{
	return strlen(name) == len && memcmp(s, name, len) == 0;
}

static int
is_name_char(char c, int first)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
	    c == ':' || (unsigned char)c >= 0x80 ||
	    (!first && ((c >= '0' && c <= '9') || c == '-' || c == '.'));
}

/* A decimal number that fits 64 bits, and nothing else. */
static int
parse_number(const char *s, size_t len, unsigned long long *out)
{
	unsigned long long v = 0;
	size_t i;

	if (len == 0)
		return -1;
	for (i = 0; i < len; i++) {
		unsigned d = (unsigned)(s[i] - '0');

		if (d > 9 || v > (UINT64_MAX - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}

/* A decimal number with up to three places, in thousandths: "0.25" 250. */
static int
parse_milli(const char *s, size_t len, unsigned long long *out)
{
	const char *dot = memchr(s, '.', len);
	unsigned long long whole, frac = 0;
	size_t places = 0;

	if (dot == NULL)
		dot = s + len;
	if (parse_number(s, (size_t)(dot - s), &whole) == -1 ||
	    whole > UINT64_MAX / 1000)
		return -1;
	if (dot < s + len) {
		places = (size_t)(s + len - dot - 1);
		if (places == 0 || places > 3 ||
		    parse_number(dot + 1, places, &frac) == -1)
			return -1;
		while (places++ < 3)
			frac *= 10;
	}
	*out = whole * 1000 + frac;
	return 0;
}

/*
 * A start tag's attributes, s[0..len): name="value" pairs (either quote,
 * spaces around '='), each value's references well-formed. The one named
 * want (NULL: none), a number (in thousandths if milli), goes to *out;
 * or, when str is not NULL, its value restored to str (room for
 * TW_HITSTREAM_TAG_MAX bytes), NUL-terminated, and its length to *out. Every other is
 * ignored. Returns 1 if want was there, 0 if not, or fails the stream (-1).
 */
static int
attributes(tw_hitstream *hs, unsigned long long pos, const char *s,
    size_t len, const char *want, unsigned long long *out, int milli,
    char *str)
{
	const char *e = s + len, *name, *val;
	char tmp[TW_HITSTREAM_TAG_MAX];
	size_t nlen;
	long vlen;
	int seen = 0;
	char q;

	for (;;) {
		const char *before = s;

		while (s < e && is_space(*s))
			s++;
		if (s == e)
			return seen;
		if (s == before)
			return fail(hs, pos, "no space before an attribute");
		name = s;
		if (!is_name_char(*s++, 1))
			return fail(hs, pos, "malformed attribute");
		while (s < e && is_name_char(*s, 0))
			s++;
		nlen = (size_t)(s - name);
		while (s < e && is_space(*s))
			s++;
		if (s == e || *s++ != '=')
			return fail(hs, pos, "attribute without a value");
		while (s < e && is_space(*s))
			s++;
		if (s == e || (*s != '"' && *s != '\''))
			return fail(hs, pos, "attribute value not quoted");
		q = *s++;
		val = s;
		while (s < e && *s != q)
			s++;
		if (s == e)
			return fail(hs, pos, "attribute value not closed");
		if ((vlen = tw_xml_unescape(val, (size_t)(s - val), tmp)) < 0)
			return fail(hs, pos, "malformed reference in an "
			    "attribute");
		if (want != NULL && str != NULL && is_name(name, nlen, want)) {
			if (seen++)
				return fail(hs, pos, "%s= twice", want);
			memcpy(str, tmp, (size_t)vlen);
			str[vlen] = '\0';
			*out = (unsigned long long)vlen;
		} else if (want != NULL && is_name(name, nlen, want)) {
			if (seen++ || (milli ? parse_milli : parse_number)(val,
			    (size_t)(s - val), out) == -1)
				return fail(hs, pos, "%s=\"%.*s\" is not a "
				    "number", want, (int)((s - val) > 24 ?
				    24 : s - val), val);
		}
		s++;
	}
}

static int
emit_hit(tw_hitstream *hs, tw_hitstream_cb cb, void *arg)
{
	tw_hitev ev;
	int i;

	memset(&ev, 0, sizeof(ev));
	ev.type = TW_HS_HIT;
	if (hs->line) {
		ev.line = hs->buf != NULL ? hs->buf + hs->fstart[0] : "";
		ev.linelen = hs->flens[0];
	}
	ev.present = hs->present;
	for (i = 0; i < TW_HS_NFIELDS; i++) {
		if (!(hs->present & TW_LOGFMT_BIT(i)))
			continue;
		ev.field[i] = hs->buf != NULL ? hs->buf + hs->fstart[i] : "";
		ev.len[i] = hs->flens[i];
	}
	ev.nextra = hs->nextra;
	for (i = 0; i < hs->nextra; i++) {
		ev.xname[i] = hs->xnames + hs->xnstart[i];
		ev.xnamelen[i] = hs->xnlen[i];
		ev.xval[i] = hs->buf != NULL ? hs->buf +
		    hs->fstart[TW_HS_NFIELDS + i] : "";
		ev.xlen[i] = hs->flens[TW_HS_NFIELDS + i];
	}
	if (hs->has_source) {
		ev.source = hs->source;
		ev.sourcelen = hs->sourcelen;
	}
	ev.seq = hs->seq;
	hs->state = S_HITS;
	return cb(arg, &ev);
}

static int
emit(int type, unsigned long long count,
    tw_hitstream_cb cb, void *arg)
{
	tw_hitev ev;

	memset(&ev, 0, sizeof(ev));
	ev.type = type;
	ev.count = count;
	return cb(arg, &ev);
}

/*
 * <hits>: the stream's epoch, its heartbeat in milliseconds, its format
 * (NULL: none).
 */
static int
emit_start(unsigned long long epoch, unsigned long long heartbeat,
    const char *format, size_t formatlen, tw_hitstream_cb cb, void *arg)
{
	tw_hitev ev;

	memset(&ev, 0, sizeof(ev));
	ev.type = TW_HS_START;
	ev.epoch = epoch;
	ev.heartbeat = (double)heartbeat / 1000;
	ev.format = format;
	ev.formatlen = formatlen;
	return cb(arg, &ev);
}

/* The name of the element whose text is being read. */
static const char *
text_owner(const tw_hitstream *hs)
{
	if (hs->state == S_SKIP)
		return hs->names + hs->skipname[hs->skip - 1];
	return names[hs->cur];
}

/*
 * The bytes of the XML character at p (1 to 4), 0 if p starts none that
 * XML 1.0 allows raw (a control byte other than tab, LF and CR; a byte not
 * part of valid UTF-8; U+FFFE, U+FFFF), or -1 if the n bytes there are the
 * start of a sequence that may still turn out valid when more arrive.
 */
static int
xml_char(const unsigned char *p, size_t n)
{
	size_t len, need, i;

	if (p[0] < 0x80)
		return p[0] >= 0x20 || p[0] == '\t' || p[0] == '\n' ||
		    p[0] == '\r';
	if ((len = tw_utf8_len(p, n)) > 0) {
		if (len == 3 && p[0] == 0xef && p[1] == 0xbf &&
		    (p[2] & 0xfe) == 0xbe)
			return 0;
		return (int)len;
	}
	need = p[0] >= 0xf0 ? 4 : p[0] >= 0xe0 ? 3 : 2;
	if (p[0] < 0xc2 || p[0] > 0xf4 || n >= need)
		return 0;
	for (i = 1; i < n; i++)
		if ((p[i] & 0xc0) != 0x80)
			return 0;
	return -1;	/* cut short: judged when the rest comes */
}

/*
 * Judge the raw text of the field not yet judged; its first byte arrived
 * at stream offset pos0 (so raw byte j is at pos0 + j). At the field's
 * end (final), a sequence cut short is a fault too.
 */
static int
check_chars(tw_hitstream *hs, unsigned long long pos0, int final)
{
	const unsigned char *raw = (const unsigned char *)hs->buf + hs->flen;
	int len;

	while (hs->checked < hs->rawlen) {
		len = xml_char(raw + hs->checked, hs->rawlen - hs->checked);
		if (len == -1 && !final)
			break;
		if (len <= 0)
			return fail(hs, pos0 + hs->checked,
			    "byte 0x%02X not allowed in XML, in <%.24s>",
			    raw[hs->checked], text_owner(hs));
		hs->checked += (size_t)len;
	}
	return 0;
}

/*
 * The end of an element of a hit: restore its text after the fields
 * before it; a <source>'s, apart.
 */
static int
end_field(tw_hitstream *hs, unsigned long long pos)
{
	char *raw = hs->buf != NULL ? hs->buf + hs->flen : NULL;
	long n = 0;
	int slot;

	if (hs->rawlen > 0 && check_chars(hs,
	    pos - hs->taglen - 1 - hs->rawlen, 1) != 0)
		return -1;
	if (hs->rawlen > 0 &&
	    (n = tw_xml_unescape(raw, hs->rawlen, raw)) < 0)
		return fail(hs, pos, "malformed reference in <%s>",
		    names[hs->cur]);
	hs->rawlen = hs->checked = 0;
	hs->state = S_HIT;
	if (hs->cur == CUR_SOURCE) {
		if ((size_t)n > sizeof(hs->source))
			return fail(hs, pos, "<source> longer than %zu bytes",
			    sizeof(hs->source));
		if (n > 0)
			memcpy(hs->source, raw, (size_t)n);
		hs->sourcelen = (size_t)n;
		hs->has_source = 1;
		return 0;
	}
	if (hs->flen + (size_t)n > hs->max)
		return fail(hs, pos, "hit longer than %zu bytes", hs->max);
	if (hs->cur == CUR_LINE)
		slot = 0;
	else if (hs->cur == CUR_EXTRA)
		slot = TW_HS_NFIELDS + hs->nextra++;
	else
		slot = hs->cur, hs->present |= TW_LOGFMT_BIT(hs->cur);
	hs->fstart[slot] = hs->flen;
	hs->flens[slot] = (size_t)n;
	hs->flen += (size_t)n;
	return 0;
}

/* Which of the nine fields is t[0..len) (-1: none)? */
static int
field_index(const char *t, size_t len)
{
	int i;

	for (i = 0; i < TW_HS_NFIELDS; i++)
		if (is_name(t, len, names[i]))
			return i;
	return -1;
}

/*
 * An element opens in a hit: t[0..len) its name, name[0..namelen) its
 * name="..." (has: there was one). Returns 0, 1 if it is no element of a
 * hit, or fails the stream.
 */
static int
open_in_hit(tw_hitstream *hs, unsigned long long pos, const char *t,
    size_t len, int has, const char *name, size_t namelen)
{
	char shown[32];
	int i;

	if (hs->line)
		return fail(hs, pos, "<%s> after <line> in <hit>",
		    printable(t, len, shown));
	if (is_name(t, len, "source")) {
		if (hs->has_source || hs->present != 0 || hs->nextra > 0)
			return fail(hs, pos, "<source> not first in <hit>");
		hs->cur = CUR_SOURCE;
	} else if (is_name(t, len, "line")) {
		if (hs->present != 0 || hs->nextra > 0)
			return fail(hs, pos, "<line> after fields in <hit>");
		hs->line = 1;
		hs->cur = CUR_LINE;
	} else if (is_name(t, len, "field")) {
		if (!has)
			return fail(hs, pos, "<field> needs name=\"NAME\"");
		if (hs->nextra == TW_HITSTREAM_EXTRAS)
			return fail(hs, pos, "more than %d <field>s in <hit>",
			    TW_HITSTREAM_EXTRAS);
		if (namelen > sizeof(hs->xnames) - hs->xnused)
			return fail(hs, pos, "<field> names longer than %zu "
			    "bytes together", sizeof(hs->xnames));
		memcpy(hs->xnames + hs->xnused, name, namelen);
		hs->xnstart[hs->nextra] = hs->xnused;
		hs->xnlen[hs->nextra] = namelen;
		hs->xnused += namelen;
		hs->cur = CUR_EXTRA;
	} else if ((i = field_index(t, len)) >= 0) {
		if (hs->nextra > 0)
			return fail(hs, pos, "<%s> after <field> in <hit>",
			    names[i]);
		if (i < hs->next)
			return fail(hs, pos, "<%s> after <%s> in <hit>",
			    names[i], names[hs->next - 1]);
		hs->next = i + 1;
		hs->cur = i;
	} else {
		return 1;
	}
	hs->state = S_FIELD;
	hs->rawlen = hs->checked = 0;
	return 0;
}

/*
 * The text read in an unknown element up to a tag at pos: judged as a
 * field's would be, then dropped.
 */
static int
judge_skipped(tw_hitstream *hs, unsigned long long pos)
{
	char *raw = hs->buf != NULL ? hs->buf + hs->flen : NULL;

	if (hs->rawlen > 0 && check_chars(hs,
	    pos - hs->taglen - 1 - hs->rawlen, 1) != 0)
		return -1;
	if (hs->rawlen > 0 && tw_xml_unescape(raw, hs->rawlen, raw) < 0)
		return fail(hs, pos, "malformed reference in <%.24s>",
		    text_owner(hs));
	hs->rawlen = hs->checked = 0;
	return 0;
}

/* Is t[0..len) a name the grammar knows? */
static int
known(const char *t, size_t len)
{
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (is_name(t, len, names[i]))
			return 1;
	for (i = 0; i < sizeof(elements) / sizeof(elements[0]); i++)
		if (is_name(t, len, elements[i]))
			return 1;
	return 0;
}

/*
 * An unknown element opens (t[0..len) its name; from: the state it opens
 * in), or, in one, a nested element.
 */
static int
skip_open(tw_hitstream *hs, unsigned long long pos, const char *t,
    size_t len)
{
	size_t at = hs->skip > 0 ? hs->skipname[hs->skip - 1] +
	    strlen(hs->names + hs->skipname[hs->skip - 1]) + 1 : 0;

	if (hs->skip == TW_HITSTREAM_DEPTH || at + len + 1 > sizeof(hs->names))
		return fail(hs, pos, "unknown elements nested too deep");
	if (hs->skip == 0) {
		hs->skip_from = hs->state;
		hs->state = S_SKIP;
		hs->rawlen = hs->checked = 0;
	}
	memcpy(hs->names + at, t, len);
	hs->names[at + len] = '\0';
	hs->skipname[hs->skip++] = at;
	return 0;
}

/* A tag inside an unknown element. */
static int
skip_tag(tw_hitstream *hs, unsigned long long pos, const char *t,
    size_t nlen, int end, int empty, const char *attrs, size_t alen)
{
	char shown[32];

	if (judge_skipped(hs, pos) != 0)
		return -1;
	if (!end) {
		if (attributes(hs, pos, attrs, alen, NULL, NULL, 0, NULL) < 0)
			return -1;
		return empty ? 0 : skip_open(hs, pos, t, nlen);
	}
	if (!is_name(t, nlen, hs->names + hs->skipname[hs->skip - 1]))
		return fail(hs, pos, "</%s> closes <%.24s>",
		    printable(t, nlen, shown),
		    hs->names + hs->skipname[hs->skip - 1]);
	if (--hs->skip == 0)
		hs->state = hs->skip_from;
	return 0;
}

/* A whole tag, without its '<' and '>', found at byte pos. */
static int
tag(tw_hitstream *hs, unsigned long long pos, tw_hitstream_cb cb, void *arg)
{
	char *t = hs->tag, shown[32], str[TW_HITSTREAM_TAG_MAX];
	size_t len = hs->taglen, nlen = 0;
	int end = 0, empty = 0, f, has = 0, hasfmt = 0, lost;
	unsigned long long heartbeat = 0, slen = 0;
	size_t i;
	unsigned long long count = 0;
	const char *attrs;
	size_t alen;

	if (len > 0 && t[0] == '/')
		end = 1, t++, len--;
	else if (len > 0 && t[len - 1] == '/')
		empty = 1, len--;
	while (nlen < len && !is_space(t[nlen]))
		nlen++;
	if (nlen == 0)
		return fail(hs, pos, "empty tag %s", where(hs));
	for (i = 0; i < nlen; i++)
		if (!is_name_char(t[i], i == 0))
			return fail(hs, pos, "malformed name <%s> %s",
			    printable(t, nlen, shown), where(hs));
	attrs = t + nlen;
	alen = len - nlen;
	if (end && !all_space(attrs, alen))
		return fail(hs, pos, "attributes in an end tag");
	if (hs->state == S_SKIP)
		return skip_tag(hs, pos, t, nlen, end, empty, attrs, alen);
	if (!end && (hs->state == S_HITS || hs->state == S_HIT) &&
	    !known(t, nlen)) {
		/* Forward compatibility: an element of a later version. */
		if (attributes(hs, pos, attrs, alen, NULL, NULL, 0, NULL) < 0)
			return -1;
		return empty ? 0 : skip_open(hs, pos, t, nlen);
	}
	if (!end && is_name(t, nlen, "field")) {
		if ((has = attributes(hs, pos, attrs, alen, "name", &slen, 0,
		    str)) < 0)
			return -1;
	} else if (!end && (has = attributes(hs, pos, attrs, alen,
	    is_name(t, nlen, "hits") ? "epoch" : is_name(t, nlen, "hit") ?
	    "n" : is_name(t, nlen, "dropped") || is_name(t, nlen, "lost") ?
	    "count" : NULL, &count, 0,
	    NULL)) < 0)
		return -1;
	if (!end && hs->state == S_PROLOG && is_name(t, nlen, "hits") &&
	    (attributes(hs, pos, attrs, alen, "heartbeat", &heartbeat, 1,
	    NULL) < 0 || (hasfmt = attributes(hs, pos, attrs, alen, "format",
	    &slen, 0, str)) < 0))
		return -1;

	switch (hs->state) {
	case S_PROLOG:
		if (end || !is_name(t, nlen, "hits"))
			break;
		hs->state = S_HITS;
		if (!empty)
			return emit_start(count, heartbeat, hasfmt ? str : NULL,
			    (size_t)slen, cb, arg);
		/*
		 * <hits/>, an empty stream: two events from one tag. If the
		 * callback stops at the start, the feed leaves the '>'
		 * unconsumed (S_HALF), so the end comes with the rest.
		 */
		hs->state = S_HALF;
		if ((f = emit_start(count, heartbeat, hasfmt ? str : NULL,
		    (size_t)slen, cb, arg)) != 0)
			return f;
		/* FALLTHROUGH */
	case S_HALF:
		hs->state = S_END;
		return emit(TW_HS_END, 0, cb, arg);
	case S_HITS:
		if (end) {
			if (!is_name(t, nlen, "hits"))
				break;
			hs->state = S_END;
			return emit(TW_HS_END, 0, cb, arg);
		}
		if (is_name(t, nlen, "hit")) {
			if (empty)
				return fail(hs, pos, "a hit without fields");
			hs->state = S_HIT;
			hs->seq = count;
			hs->present = 0;
			hs->next = hs->nextra = 0;
			hs->line = hs->has_source = 0;
			hs->xnused = 0;
			hs->flen = hs->rawlen = hs->checked = 0;
			return 0;
		}
		if (is_name(t, nlen, "dropped") || is_name(t, nlen, "lost")) {
			lost = t[0] == 'l';
			if (!has)
				return fail(hs, pos, "<%s> needs count=\"N\"",
				    lost ? "lost" : "dropped");
			if (!empty) {
				hs->state = lost ? S_LOST : S_DROPPED;
				hs->count = count;
				return 0;
			}
			return emit(lost ? TW_HS_LOST : TW_HS_DROPPED, count,
			    cb, arg);
		}
		if (is_name(t, nlen, "none")) {
			if (!empty) {
				hs->state = S_NONE;
				return 0;
			}
			return emit(TW_HS_NONE, 0, cb, arg);
		}
		break;
	case S_HIT:
		if (end) {
			if (!is_name(t, nlen, "hit"))
				break;
			if (hs->line || hs->present != 0 || hs->nextra > 0)
				return emit_hit(hs, cb, arg);
			return fail(hs, pos, "a hit without fields");
		}
		if ((f = open_in_hit(hs, pos, t, nlen, has, str,
		    (size_t)slen)) != 0)
			return f == 1 ? fail(hs, pos, "unexpected <%s> in "
			    "<hit>", printable(t, nlen, shown)) : -1;
		return empty ? end_field(hs, pos) : 0;
	case S_FIELD:
		if (!end || !is_name(t, nlen, names[hs->cur]))
			break;
		return end_field(hs, pos);
	case S_DROPPED:
	case S_LOST:
		lost = hs->state == S_LOST;
		if (!end || !is_name(t, nlen, lost ? "lost" : "dropped"))
			break;
		hs->state = S_HITS;
		return emit(lost ? TW_HS_LOST : TW_HS_DROPPED, hs->count, cb,
		    arg);
	case S_NONE:
		if (!end || !is_name(t, nlen, "none"))
			break;
		hs->state = S_HITS;
		return emit(TW_HS_NONE, 0, cb, arg);
	}
	return fail(hs, pos, "unexpected <%s%s> %s", end ? "/" : "",
	    printable(t, nlen, shown), where(hs));
}

/* ---------------------------------------------------------------- feed */

int
tw_hitstream_feed(tw_hitstream *hs, const char *data, size_t n,
    tw_hitstream_cb cb, void *arg, size_t *used)
{
	size_t i = 0, limit = TW_XML_ESCAPED_MAX(hs->max);
	int rc = 0;

	if (hs->state == S_FAILED) {
		if (used != NULL)
			*used = 0;
		errno = EBADMSG;
		return -1;
	}
	while (i < n) {
		const char *p = data + i, *stop;
		size_t take;

		if (hs->lex == LEX_TAG) {
			stop = memchr(p, '>', n - i);
			take = stop != NULL ? (size_t)(stop - p) : n - i;
			if (memchr(p, '<', take) != NULL) {
				rc = fail(hs, hs->offset + i, "'<' inside a tag");
				break;
			}
			if (hs->taglen + take >= sizeof(hs->tag)) {
				rc = fail(hs, hs->offset + i, "tag too long");
				break;
			}
			memcpy(hs->tag + hs->taglen, p, take);
			hs->taglen += take;
			i += take;
			if (stop == NULL)
				break;
			i++;
			hs->lex = LEX_TEXT;
			if ((rc = tag(hs, hs->offset + i - 1, cb, arg)) != 0) {
				if (hs->state == S_HALF) {
					i--;	/* the tag again, for its end */
					hs->lex = LEX_TAG;
				}
				break;
			}
			continue;
		}
		if (hs->state == S_FIELD || hs->state == S_SKIP) {
			stop = memchr(p, '<', n - i);
			take = stop != NULL ? (size_t)(stop - p) : n - i;
			if (hs->flen + hs->rawlen + take > limit) {
				rc = fail(hs, hs->offset + i,
				    "<%.24s> longer than %zu bytes",
				    text_owner(hs), limit);
				break;
			}
			if (take > 0) {
				if ((rc = room(hs, hs->flen + hs->rawlen +
				    take)) != 0)
					break;
				memcpy(hs->buf + hs->flen + hs->rawlen, p, take);
				hs->rawlen += take;
				i += take;
				if ((rc = check_chars(hs, hs->offset + i -
				    hs->rawlen, 0)) != 0)
					break;
			}
			if (stop == NULL)
				break;
			i++;
			hs->lex = LEX_TAG;
			hs->taglen = 0;
			continue;
		}
		if (*p == '<') {
			hs->lex = LEX_TAG;
			hs->taglen = 0;
		} else if (!is_space(*p)) {
			rc = fail(hs, hs->offset + i, "text %s", where(hs));
			break;
		}
		i++;
	}
	hs->offset += i;
	if (used != NULL)
		*used = i;
	return rc;
}

/* -------------------------------------------------------------- formats */

static char *
put(char *o, const char *s, size_t len)
{
	if (len > 0)
		memcpy(o, s, len);
	return o + len;
}

static char *
puts0(char *o, const char *s)
{
	return put(o, s, strlen(s));
}

/*
 * The fields in log form, client ident user [time] "request" status bytes
 * "referrer" "agent": those of mask the hit has; with all, "-" for those
 * it lacks.
 */
static char *
log_form(char *o, const tw_hitev *ev, unsigned mask, int all)
{
	int i, first = 1;

	for (i = 0; i < TW_HS_NFIELDS; i++) {
		int quoted = i == TW_HS_REQUEST || i == TW_HS_REFERRER ||
		    i == TW_HS_AGENT;
		int has = (ev->present & TW_LOGFMT_BIT(i)) != 0;

		if (!(mask & TW_LOGFMT_BIT(i)) || (!has && !all))
			continue;
		if (!first)
			*o++ = ' ';
		first = 0;
		if (i == TW_HS_TIME)
			*o++ = '[';
		if (quoted)
			*o++ = '"';
		o = has ? put(o, ev->field[i], ev->len[i]) : puts0(o, "-");
		if (i == TW_HS_TIME)
			*o++ = ']';
		if (quoted)
			*o++ = '"';
	}
	return o;
}

/* ev's fields and extras as the record logfmt.h and json.h take. */
static void
to_rec(const tw_hitev *ev, tw_logrec *r)
{
	int i;

	r->present = ev->present;
	r->nextra = ev->nextra;
	for (i = 0; i < TW_HS_NFIELDS; i++) {
		r->val[i] = ev->field[i];
		r->len[i] = ev->len[i];
	}
	for (i = 0; i < ev->nextra; i++) {
		r->val[TW_HS_NFIELDS + i] = ev->xval[i];
		r->len[TW_HS_NFIELDS + i] = ev->xlen[i];
	}
}

/* The line rebuilt by the stream's format; -1 if the hit is none of its. */
static long
rebuild(const tw_hitev *ev, const tw_logfmt *lf, char *o)
{
	tw_logrec r;
	size_t room = TW_LOGFMT_MAXLEN;
	long n;
	int i;

	to_rec(ev, &r);
	for (i = 0; i < TW_HS_NFIELDS; i++)
		if (ev->present & TW_LOGFMT_BIT(i))
			room += ev->len[i];
	for (i = 0; i < ev->nextra; i++)
		room += ev->xlen[i];
	n = tw_logfmt_format(lf, &r, o, room);
	return n >= 0 && (size_t)n <= room ? n : -1;
}

static char *
tsv_field(char *o, const char *s, size_t len)
{
	size_t i;

	if (len == 0)
		return puts0(o, "-");
	for (i = 0; i < len; i++) {
		if (s[i] == '\t')
			o = puts0(o, "\\t");
		else if (s[i] == '\r')
			o = puts0(o, "\\r");
		else
			*o++ = s[i];
	}
	return o;
}

static char *
xml_element(char *o, const char *name, const char *s, size_t len)
{
	*o++ = '<';
	o = puts0(o, name);
	*o++ = '>';
	o += tw_xml_escape(s, len, o);
	o = puts0(o, "</");
	o = puts0(o, name);
	*o++ = '>';
	return o;
}

/* s[0..len) escaped for an attribute: as text, and '"' as &quot;. */
static char *
xml_attr(char *o, const char *s, size_t len)
{
	const char *q;

	while ((q = memchr(s, '"', len)) != NULL) {
		o += tw_xml_escape(s, (size_t)(q - s), o);
		o = puts0(o, "&quot;");
		len -= (size_t)(q - s) + 1;
		s = q + 1;
	}
	return o + tw_xml_escape(s, len, o);
}

/*
 * The source shown: the label and the hit's source, joined by a space,
 * each written by field().
 */
static char *
source(char *o, const tw_hitev *ev, const char *label,
    char *(*field)(char *, const char *, size_t))
{
	if (label != NULL)
		o = field(o, label, strlen(label));
	if (label != NULL && ev->source != NULL)
		*o++ = ' ';
	if (ev->source != NULL)
		o = field(o, ev->source, ev->sourcelen);
	return o;
}

static char *
xml_text(char *o, const char *s, size_t len)
{
	return o + tw_xml_escape(s, len, o);
}

long
tw_hitstream_format(const tw_hitev *ev, const tw_hsformat *f, char *out)
{
	const char *label = f->label;
	int has_source = label != NULL || ev->source != NULL;
	char *o = out;
	long n;
	int i;

	switch (f->fmt) {
	case TW_HS_COMBINED:
		if (ev->line != NULL) {
			o = put(o, ev->line, ev->linelen);
		} else if (f->lf != NULL) {
			if ((n = rebuild(ev, f->lf, o)) < 0)
				return -1;
			o += n;
		} else {
			o = log_form(o, ev, ~0u, 0);
		}
		break;
	case TW_HS_COMMON:
		if (ev->line != NULL)
			o = put(o, ev->line, ev->linelen);
		else
			o = log_form(o, ev, TW_LOGFMT_BIT(TW_HS_BYTES + 1) - 1,
			    1);
		break;
	case TW_HS_TSV:
		for (i = 0; i < TW_HS_NFIELDS; i++) {
			if (i > 0)
				*o++ = '\t';
			if (ev->line != NULL)
				o = i == TW_HS_REQUEST ?
				    tsv_field(o, ev->line, ev->linelen) :
				    puts0(o, "-");
			else
				o = ev->present & TW_LOGFMT_BIT(i) ?
				    tsv_field(o, ev->field[i], ev->len[i]) :
				    puts0(o, "-");
		}
		if (has_source) {
			*o++ = '\t';
			o = source(o, ev, label, tsv_field);
		}
		for (i = 0; i < ev->nextra; i++) {
			*o++ = '\t';
			o = tsv_field(o, ev->xval[i], ev->xlen[i]);
		}
		if (ev->line != NULL && f->lf != NULL)
			for (i = 0; i < tw_logfmt_nextra(f->lf); i++)
				o = puts0(o, "\t-");
		break;
	case TW_HS_JSON: {
		tw_jsonhit h;
		tw_logrec r;

		memset(&h, 0, sizeof(h));
		if (ev->line == NULL) {
			to_rec(ev, &r);
			h.rec = &r;
		}
		h.xname = ev->xname;
		h.xnamelen = ev->xnamelen;
		h.line = ev->line;
		h.linelen = ev->linelen;
		h.label = label;
		h.source = ev->source;
		h.sourcelen = ev->sourcelen;
		o += tw_json_write(&h, o);
		break;
	}
	case TW_HS_XML:
		if (ev->seq > 0)
			o += sprintf(o, "<hit n=\"%llu\">", ev->seq);
		else
			o = puts0(o, "<hit>");
		if (has_source) {
			o = puts0(o, "<source>");
			o = source(o, ev, label, xml_text);
			o = puts0(o, "</source>");
		}
		if (ev->line != NULL)
			o = xml_element(o, "line", ev->line, ev->linelen);
		for (i = 0; i < TW_HS_NFIELDS; i++)
			if (ev->present & TW_LOGFMT_BIT(i))
				o = xml_element(o, names[i], ev->field[i],
				    ev->len[i]);
		for (i = 0; i < ev->nextra; i++) {
			o = puts0(o, "<field name=\"");
			o = xml_attr(o, ev->xname[i], ev->xnamelen[i]);
			o = puts0(o, "\">");
			o += tw_xml_escape(ev->xval[i], ev->xlen[i], o);
			o = puts0(o, "</field>");
		}
		o = puts0(o, "</hit>");
		break;
	}
	*o++ = '\n';
	return (long)(o - out);
}
