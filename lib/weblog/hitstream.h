/*
 * hitstream.h - parse weblog-serve's stream of hits incrementally, in
 * bounded memory, whatever the server sends; and format a hit for output.
 *
 * The stream (SPEC "The stream", "Sequence, resume and heartbeat"):
 *
 *   <hits epoch="E" heartbeat="S" format="FMT">
 *   <hit n="SEQ">[<source>..</source>]<client>..</client> .. <agent>..</agent>[<field name="NAME">..</field>..]</hit>
 *   <hit n="SEQ">[<source>..</source>]<line>..</line></hit>
 *   <dropped count="N"/>
 *   <lost count="N"/>
 *   <none/>
 *   </hits>
 *
 * Feed it whatever read(2) returned, split anywhere (inside a tag, an
 * entity or a \xHH); it calls back once per event: the stream's start, a
 * hit, a drop, a loss, a poll's empty answer, the stream's end. Whitespace between
 * elements is allowed and ignored; an element may be written empty
 * (<none></none>, <referrer/>). Field text is restored with
 * tw_xml_unescape(), so every byte of the original log line comes back.
 *
 * This is the SPEC's grammar, not all of XML: no declaration, comments,
 * CDATA or processing instructions. For forward compatibility, attributes
 * and elements it does not know are read and ignored: any attribute
 * (name="value", either quote) on a start tag, and an element of another
 * name in <hits> or in <hit>, with text and nested elements of its own
 * (at most TW_HITSTREAM_DEPTH deep). They must still be well-formed: text
 * judged like a field's, references valid, end tags matching. A known
 * element where the grammar does not allow it is an error. Anything else
 * (bad nesting, text other than
 * whitespace outside a field, a malformed reference, a raw byte that XML
 * 1.0 forbids in a field (a control byte other than tab, LF and CR, a byte
 * that is not part of valid UTF-8, the bytes of U+FFFE or U+FFFF), a tag
 * or field too long, anything but whitespace after </hits>) makes the
 * stream not
 * well-formed: tw_hitstream_feed() returns -1 with EBADMSG, and
 * tw_hitstream_error() says why. The parser then stays failed until reset.
 *
 * The attributes read: <hits epoch="E" heartbeat="SECONDS" format="FMT">,
 * <hit n="SEQ"> (optional: a server of the first version sends none of
 * them), <field name="NAME"> (required), <dropped count="N"> and <lost
 * count="N"> (required: hits the server skipped for this client, which
 * skip their numbers; hits lost before the server read them, which never
 * had any). The heartbeat is the longest time the server stays silent (a
 * decimal with up to three places); the format is the log format the
 * server splits lines with (logfmt.h), absent for the default, combined.
 *
 * A hit is either <line> or fields. Its fields are any of the nine, each
 * at most once and in the order above (a log format may lack some: nginx
 * has no ident), then the format's other variables as <field
 * name="NAME">, at most TW_HITSTREAM_EXTRAS of them, their names at most
 * TW_HITSTREAM_XNAMES bytes together. A <source> (the file it came from,
 * at most TW_HITSTREAM_SOURCE_MAX bytes) may come first, before either.
 * A hit needs a <line>, a field or a <field>.
 *
 * Memory: one buffer, grown on demand, holds the current hit's fields
 * restored and the escaped text of the field being read. A hit stands for
 * one log line of at most max bytes (weblog-serve's --max-line cuts longer
 * lines), so its fields together may hold at most max bytes once restored
 * (the <field> values count; the <source> does not: it is kept apart),
 * and the buffer never grows past TW_XML_ESCAPED_MAX(max) bytes, the most
 * the SPEC's escaping can make of max bytes. Whitespace between elements
 * is skipped, never stored; so is the text of an unknown element, judged
 * then dropped at its next tag. Tags are read into a fixed buffer of
 * TW_HITSTREAM_TAG_MAX bytes.
 */
#ifndef TWIRL_HITSTREAM_H
#define TWIRL_HITSTREAM_H

#include <stddef.h>

#include "logfmt.h"

/* The fields of a hit, in stream order. */
enum {
	TW_HS_CLIENT, TW_HS_IDENT, TW_HS_USER, TW_HS_TIME,
	TW_HS_REQUEST, TW_HS_STATUS, TW_HS_BYTES, TW_HS_REFERRER,
	TW_HS_AGENT,
	TW_HS_NFIELDS
};

/* Events, in tw_hitev.type. */
enum {
	TW_HS_START = 1,	/* <hits>: epoch */
	TW_HS_HIT,		/* <hit>..</hit>: seq */
	TW_HS_DROPPED,		/* <dropped count="N"/> */
	TW_HS_NONE,		/* <none/> */
	TW_HS_END,		/* </hits> */
	TW_HS_LOST		/* <lost count="N"/> */
};

#define TW_HITSTREAM_TAG_MAX 4096	/* a tag, its attributes included */
#define TW_HITSTREAM_DEPTH 8		/* unknown elements nested */
#define TW_HITSTREAM_NAMES 256		/* their names, together */
#define TW_HITSTREAM_EXTRAS TW_LOGFMT_MAXVARS	/* <field>s in a hit */
#define TW_HITSTREAM_XNAMES 4096	/* their names, together, restored */
#define TW_HITSTREAM_SOURCE_MAX 4096	/* a <source>, restored */

/*
 * One event. For TW_HS_HIT, either line is not NULL (a <line> hit:
 * line[0..linelen) is the line) or present says which of the nine fields
 * the hit has (bit TW_LOGFMT_BIT(i): field i), field[i] and len[i] their
 * restored bytes (which may contain NUL), and xname[j], xval[j] (j <
 * nextra) its <field> elements. source is the hit's <source>, NULL when
 * it had none. The pointers are valid only during the callback. epoch and
 * heartbeat (TW_HS_START) and seq (TW_HS_HIT) are 0 when the tag had no
 * such attribute (sequence numbers start at 1); format (TW_HS_START) is
 * NULL when it had none, else followed by a NUL (format[formatlen]), so
 * it is a C string unless it holds a NUL of its own (\x00).
 */
typedef struct tw_hitev {
	int type;
	unsigned present;
	const char *field[TW_HS_NFIELDS];
	size_t len[TW_HS_NFIELDS];
	const char *line;
	size_t linelen;
	const char *source;
	size_t sourcelen;
	int nextra;
	const char *xname[TW_HITSTREAM_EXTRAS];
	size_t xnamelen[TW_HITSTREAM_EXTRAS];
	const char *xval[TW_HITSTREAM_EXTRAS];
	size_t xlen[TW_HITSTREAM_EXTRAS];
	const char *format;		/* TW_HS_START */
	size_t formatlen;
	unsigned long long count;	/* TW_HS_DROPPED, TW_HS_LOST */
	unsigned long long epoch;	/* TW_HS_START */
	double heartbeat;		/* TW_HS_START: seconds; 0: none */
	unsigned long long seq;		/* TW_HS_HIT */
} tw_hitev;

/*
 * Called per event. A non-zero return stops tw_hitstream_feed(), which
 * returns that value; the parser is then just past the event's last byte,
 * and *used says where that is, so the caller may feed the rest later.
 */
typedef int (*tw_hitstream_cb)(void *arg, const tw_hitev *ev);

/* Slots of a hit's text: the nine fields (<line> in the first), the extras. */
#define TW_HITSTREAM_SLOTS (TW_HS_NFIELDS + TW_HITSTREAM_EXTRAS)

typedef struct tw_hitstream {
	/* private */
	size_t max;		/* bytes of one log line, restored */
	char *buf;		/* restored fields, then the raw text being read */
	size_t cap;
	size_t flen;		/* restored bytes of the fields so far */
	size_t rawlen;		/* raw text of the current field */
	size_t checked;		/* of which judged legal XML characters */
	size_t fstart[TW_HITSTREAM_SLOTS], flens[TW_HITSTREAM_SLOTS];
	unsigned present;	/* the nine fields done in this hit */
	int next;		/* the first of the nine that may still come */
	int nextra;		/* <field>s done in this hit */
	int cur;		/* the element being read: see hitstream.c */
	int line;		/* this hit is a <line> */
	int has_source;		/* it had a <source> */
	char source[TW_HITSTREAM_SOURCE_MAX];
	size_t sourcelen;
	char xnames[TW_HITSTREAM_XNAMES];	/* the <field> names */
	size_t xnstart[TW_HITSTREAM_EXTRAS], xnlen[TW_HITSTREAM_EXTRAS];
	size_t xnused;
	int state;		/* where in the grammar: see hitstream.c */
	unsigned long long count;	/* <dropped count="N">, <lost ..>: until
					   its end tag */
	unsigned long long seq;		/* <hit n="SEQ">, until its end tag */
	int skip;		/* unknown elements open */
	int skip_from;		/* the state they opened in */
	size_t skipname[TW_HITSTREAM_DEPTH];	/* where each name starts */
	char names[TW_HITSTREAM_NAMES];	/* their names, NUL-separated */
	int lex;		/* in text, or in a tag */
	char tag[TW_HITSTREAM_TAG_MAX];
	size_t taglen;
	unsigned long long offset;	/* bytes consumed since the reset */
	char err[128];
} tw_hitstream;

/* A parser for lines of at most max bytes (max >= 1). Allocates nothing yet. */
void tw_hitstream_init(tw_hitstream *hs, size_t max);

/* Forget everything but the buffer: ready for a new stream (a reconnect). */
void tw_hitstream_reset(tw_hitstream *hs);

void tw_hitstream_free(tw_hitstream *hs);

/*
 * Parse n bytes of data. Returns 0 once all of it is consumed, the
 * callback's non-zero value if it stopped, or -1 with errno EBADMSG (not
 * well-formed) or ENOMEM. *used (if not NULL) is how many bytes of data were
 * consumed.
 */
int tw_hitstream_feed(tw_hitstream *hs, const char *data, size_t n,
    tw_hitstream_cb cb, void *arg, size_t *used);

/* Has the stream started (<hits>)? Ended (</hits>)? */
int tw_hitstream_started(const tw_hitstream *hs);
int tw_hitstream_ended(const tw_hitstream *hs);

/*
 * Why the stream is not well-formed, with the byte offset where it was
 * found ("at byte 12: unexpected element <foo>"); "" when it is.
 */
const char *tw_hitstream_error(const tw_hitstream *hs);

/* ------------------------------------------------------------ formats */

enum {
	TW_HS_COMBINED,	/* the original line, byte for byte */
	TW_HS_COMMON,		/* the first seven fields, Common Log Format */
	TW_HS_TSV,		/* nine tab-separated fields, "-" for absent */
	TW_HS_JSON,		/* one JSON object */
	TW_HS_XML		/* the <hit> element, as the SPEC escapes it */
};

/* How to write a hit: the output format, the stream's log format, a label. */
typedef struct tw_hsformat {
	int fmt;		/* TW_HS_COMBINED ... TW_HS_XML */
	const tw_logfmt *lf;	/* the start tag's format=; NULL: none */
	const char *label;	/* the caller's own source (the server's
				   address); NULL: none */
} tw_hsformat;

/*
 * The most bytes tw_hitstream_format() writes for a hit of at most max
 * bytes with a label of labellen bytes, its newline included: JSON's
 * \u00XX makes six of one byte (the fields, the <field> names, the
 * source, the label), a format's literals add at most TW_LOGFMT_MAXLEN,
 * and the keys or tags less than 256, and 32 per <field>.
 */
#define TW_HS_FORMAT_MAX(max, labellen) ((max) * 6 + 6 * \
	(TW_HITSTREAM_XNAMES + TW_HITSTREAM_SOURCE_MAX + (labellen) + 1) + \
	32 * TW_HITSTREAM_EXTRAS + TW_LOGFMT_MAXLEN + 256)

/*
 * Write ev (a TW_HS_HIT) as f says, ending with a newline, into out (room
 * for TW_HS_FORMAT_MAX(max, strlen(f->label)) bytes, max the restored
 * length of its fields together). Returns the bytes written, or -1 when
 * f->lf is set, f->fmt is combined and the hit is not a record of that
 * format (a field it lacks or does not have, another count of <field>s).
 *
 * The source shown (tsv, json, xml) is the label and the hit's <source>
 * joined by a space ("127.0.0.1:8888 /var/log/a.log"; a label has no
 * space), or whichever of them there is.
 *
 *   combined  a <line> hit: its line. With f->lf: the line rebuilt from
 *             the fields by tw_logfmt_format(), byte for byte. Without:
 *             client ident user [time] "request" status bytes "referrer"
 *             "agent" (those present): the original Combined or Common
 *             line when it was written with single spaces, as logs are.
 *   common    client ident user [time] "request" status bytes, "-" for
 *             a field the hit lacks (an nginx hit's ident); a <line>
 *             hit: its line.
 *   tsv       the nine fields separated by tabs, "-" for an absent or
 *             empty field; in a field a tab is written \t and a carriage
 *             return \r. A <line> hit: the line in the request column,
 *             "-" in the others. Then the source, when there is one;
 *             then the value of each <field> (a <line> hit: "-" for each
 *             of f->lf's extra fields), so the columns of a stream stay
 *             the same from hit to hit.
 *   json      one JSON object, as json.h writes it (tw_json_write).
 *   xml       <hit n="SEQ">..</hit> (n when the hit had one)
 *             re-serialised with tw_xml_escape(): what weblog-serve
 *             sends, byte for byte, less the elements this parser skips;
 *             <source> holds the source shown.
 */
long tw_hitstream_format(const tw_hitev *ev, const tw_hsformat *f,
    char *out);

#endif
