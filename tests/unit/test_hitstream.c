/*
 * test_hitstream.c - the stream parser: events, every split point, escapes,
 * malformed streams, bounded memory; and the output formats.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "weblog/hitstream.h"
#include "weblog/xmlesc.h"

/* Every event, written down as text, so two parses can be compared. */
struct log {
	char buf[65536];
	size_t len;
	int hits;
	int stop_after;		/* return 1 after this many hits (0: never) */
};

static void
add(struct log *l, const char *s, size_t n)
{
	if (l->len + n < sizeof(l->buf)) {
		memcpy(l->buf + l->len, s, n);
		l->len += n;
	}
}

static int
record(void *arg, const tw_hitev *ev)
{
	struct log *l = arg;
	char tmp[64];
	int i;

	switch (ev->type) {
	case TW_HS_START:
		add(l, "S", 1);
		if (ev->format != NULL) {
			add(l, "(", 1);
			add(l, ev->format, ev->formatlen);
			/* A C string, for tw_logfmt_compile(). */
			add(l, ev->format[ev->formatlen] == '\0' ? ")" :
			    "no NUL)", ev->format[ev->formatlen] == '\0' ?
			    1 : 7);
		}
		add(l, "|", 1);
		break;
	case TW_HS_END:
		add(l, "E|", 2);
		break;
	case TW_HS_NONE:
		add(l, "N|", 2);
		break;
	case TW_HS_DROPPED:
		snprintf(tmp, sizeof(tmp), "D%llu|", ev->count);
		add(l, tmp, strlen(tmp));
		break;
	case TW_HS_LOST:
		snprintf(tmp, sizeof(tmp), "X%llu|", ev->count);
		add(l, tmp, strlen(tmp));
		break;
	case TW_HS_HIT:
		l->hits++;
		if (ev->source != NULL) {
			add(l, "@", 1);
			add(l, ev->source, ev->sourcelen);
			add(l, "@", 1);
		}
		if (ev->line != NULL) {
			add(l, "L:", 2);
			add(l, ev->line, ev->linelen);
		} else {
			int n = 0;

			for (i = 0; i < TW_HS_NFIELDS; i++)
				n += (ev->present >> i) & 1;
			snprintf(tmp, sizeof(tmp), "H%d", n);
			add(l, tmp, strlen(tmp));
			/* The fields a format lacks show as "." in place. */
			if (n != 7 && n != 9)
				for (i = 0; i < TW_HS_NFIELDS; i++)
					add(l, ev->present &
					    TW_LOGFMT_BIT(i) ? "x" : ".", 1);
			for (i = 0; i < TW_HS_NFIELDS; i++) {
				if (!(ev->present & TW_LOGFMT_BIT(i)))
					continue;
				add(l, ":", 1);
				add(l, ev->field[i], ev->len[i]);
			}
			for (i = 0; i < ev->nextra; i++) {
				add(l, "+", 1);
				add(l, ev->xname[i], ev->xnamelen[i]);
				add(l, "=", 1);
				add(l, ev->xval[i], ev->xlen[i]);
			}
		}
		add(l, "|", 1);
		if (l->stop_after && l->hits == l->stop_after)
			return 1;
		break;
	}
	return 0;
}

static int
parse(const char *s, size_t len, size_t max, struct log *l)
{
	tw_hitstream hs;
	int rc;

	memset(l, 0, sizeof(*l));
	tw_hitstream_init(&hs, max);
	rc = tw_hitstream_feed(&hs, s, len, record, l, NULL);
	tw_hitstream_free(&hs);
	return rc;
}

/* s, a whole stream, parsed with cb. */
static int
parse_with(const char *s, tw_hitstream_cb cb, void *arg)
{
	tw_hitstream hs;
	int rc;

	tw_hitstream_init(&hs, 1000);
	rc = tw_hitstream_feed(&hs, s, strlen(s), cb, arg, NULL);
	tw_hitstream_free(&hs);
	return rc;
}

static const char stream[] =
    "<hits>\n"
    "<hit><client>1.2.3.4</client><ident>-</ident><user>frank</user>"
    "<time>10/Oct/2000:13:55:36 -0700</time>"
    "<request>GET /a.gif HTTP/1.0</request><status>200</status>"
    "<bytes>2326</bytes><referrer>http://x/</referrer>"
    "<agent>Mozilla/4.08 [en] (Win98; I ;Nav)</agent></hit>\n"
    "<hit><client>h</client><ident>i</ident><user>u</user><time>t</time>"
    "<request>r</request><status>404</status><bytes>-</bytes></hit>\n"
    "<dropped count=\"17\"/>\n"
    "<lost count=\"4\"/>\n"
    "<hit><line>a &amp; b &lt;c&gt; \\x00\\x5Cx41&#13;</line></hit>\n"
    "<none/>\n"
    "</hits>\n";

static const char events[] =
    "S|H9:1.2.3.4:-:frank:10/Oct/2000:13:55:36 -0700:GET /a.gif HTTP/1.0"
    ":200:2326:http://x/:Mozilla/4.08 [en] (Win98; I ;Nav)|"
    "H7:h:i:u:t:r:404:-|D17|X4|L:a & b <c> \0\\x41\r|N|E|";

static void
a_whole_stream_gives_every_event(void)
{
	struct log l;
	tw_hitstream hs;

	CHECK_EQ(parse(stream, sizeof(stream) - 1, 65536, &l), 0);
	CHECK_EQ(l.len, sizeof(events) - 1);
	CHECK(memcmp(l.buf, events, l.len) == 0);
	CHECK_EQ(l.hits, 3);

	tw_hitstream_init(&hs, 1000);
	CHECK(!tw_hitstream_started(&hs));
	CHECK_EQ(tw_hitstream_feed(&hs, stream, 7, record, &l, NULL), 0);
	CHECK(tw_hitstream_started(&hs));
	CHECK(!tw_hitstream_ended(&hs));
	CHECK_EQ(tw_hitstream_feed(&hs, stream + 7, sizeof(stream) - 8,
	    record, &l, NULL), 0);
	CHECK(tw_hitstream_ended(&hs));
	CHECK_EQ(tw_hitstream_error(&hs)[0], '\0');
	tw_hitstream_free(&hs);
}

/* Feeding in pieces of every size, split everywhere, changes nothing. */
static void
any_split_point_gives_the_same_events(void)
{
	static struct log whole, l;
	size_t len = sizeof(stream) - 1, step, i, a;
	tw_hitstream hs;

	CHECK_EQ(parse(stream, len, 65536, &whole), 0);
	for (step = 1; step <= 7; step++) {
		memset(&l, 0, sizeof(l));
		tw_hitstream_init(&hs, 65536);
		for (i = 0; i < len; i += step)
			CHECK_EQ(tw_hitstream_feed(&hs, stream + i,
			    i + step > len ? len - i : step, record, &l, NULL), 0);
		tw_hitstream_free(&hs);
		CHECK_EQ(l.len, whole.len);
		CHECK(memcmp(l.buf, whole.buf, l.len) == 0);
	}
	for (a = 0; a <= len; a++) {
		memset(&l, 0, sizeof(l));
		tw_hitstream_init(&hs, 65536);
		CHECK_EQ(tw_hitstream_feed(&hs, stream, a, record, &l, NULL), 0);
		CHECK_EQ(tw_hitstream_feed(&hs, stream + a, len - a, record, &l,
		    NULL), 0);
		tw_hitstream_free(&hs);
		CHECK_EQ(l.len, whole.len);
		CHECK(memcmp(l.buf, whole.buf, l.len) == 0);
	}
}

/* Random bytes escaped as the server does come back exactly. */
static void
random_lines_come_back_byte_for_byte(void)
{
	static char line[512], xml[512 * 5 + 64];
	struct log l;
	tw_hitstream hs;
	size_t len, n, i, at;
	int k;

	srand(42);
	for (k = 0; k < 2000; k++) {
		len = (size_t)rand() % sizeof(line);
		for (i = 0; i < len; i++) {
			/* Favour the bytes that need escaping. */
			static const char hard[] = "&<>\r\\x\0\t\xff\xc3\xa9\xef\xbf\xbe;#";
			line[i] = rand() % 2 ? (char)(rand() % 256) :
			    hard[rand() % (int)(sizeof(hard) - 1)];
			if (line[i] == '\n')
				line[i] = 'n';
		}
		n = 0;
		memcpy(xml, "<hits><hit><line>", 17), n = 17;
		n += tw_xml_escape(line, len, xml + n);
		memcpy(xml + n, "</line></hit>", 13), n += 13;
		memset(&l, 0, sizeof(l));
		tw_hitstream_init(&hs, sizeof(line));
		/* In two pieces, split at a random point. */
		at = (size_t)rand() % (n + 1);
		CHECK_EQ(tw_hitstream_feed(&hs, xml, at, record, &l, NULL), 0);
		CHECK_EQ(tw_hitstream_feed(&hs, xml + at, n - at, record, &l,
		    NULL), 0);
		tw_hitstream_free(&hs);
		CHECK_EQ(l.hits, 1);
		CHECK_EQ(l.len, 2 + 2 + len + 1);
		CHECK(memcmp(l.buf + 4, line, len) == 0);
	}
}

static void
whitespace_and_empty_elements_are_accepted(void)
{
	static const char s[] =
	    "\r\n <hits >\n\t<hit>\n <client>c</client> <ident/><user></user>"
	    "<time>t</time><request>r</request><status>1</status>"
	    "<bytes>2</bytes>\n<referrer/><agent>a b</agent>\n</hit>\n"
	    "<dropped  count = '5' ></dropped><lost count= '6'></lost >"
	    "<none></none><hit><line/></hit></hits >\n \n";
	static const char want[] = "S|H9:c:::t:r:1:2::a b|D5|X6|N|L:|E|";
	struct log l;

	CHECK_EQ(parse(s, sizeof(s) - 1, 100, &l), 0);
	CHECK_EQ(l.len, sizeof(want) - 1);
	CHECK(memcmp(l.buf, want, l.len) == 0);
	CHECK_EQ(parse("<hits/>", 7, 100, &l), 0);
	CHECK_EQ(l.len, 4);
	CHECK(memcmp(l.buf, "S|E|", 4) == 0);
}

/*
 * The second version of the stream: <hits epoch="E">, <hit n="SEQ">; and
 * what a later version may add (attributes, elements in <hits> and in
 * <hit>, with text and elements of their own) is read and ignored, at any
 * split point.
 */
static const char v2[] =
    "<hits epoch=\"1733000000\" format='$remote_addr &quot;$request&quot;'"
    " heartbeat=\"2.5\">\n"
    "<hit n=\"41\" src=\"a\"><source>access.log</source>"
    "<line>x</line><rt name=\"rt\">0.1&lt;<b>c</b></rt></hit>\n"
    "<hit  n = '42' ><client>h</client><ident>i</ident><user>u</user>"
    "<time>t</time><x-new/><request>r</request><status>404</status>"
    "<bytes>-</bytes></hit>\n"
    "<stats up=\"3\"><clients>2</clients></stats>\n"
    "<dropped later=\"1\" count=\"3\"/>\n"
    "<hit><line>old</line></hit>\n"
    "</hits>\n";

static int
record_seq(void *arg, const tw_hitev *ev)
{
	struct log *l = arg;
	char tmp[64];

	if (ev->type == TW_HS_START)
		snprintf(tmp, sizeof(tmp), "e%llu/%g|", ev->epoch,
		    ev->heartbeat);
	else if (ev->type == TW_HS_HIT)
		snprintf(tmp, sizeof(tmp), "n%llu|", ev->seq);
	else
		tmp[0] = '\0';
	add(l, tmp, strlen(tmp));
	return record(arg, ev);
}

static void
version_2_and_unknown_parts_are_read(void)
{
	static const char want[] =
	    "e1733000000/2.5|S($remote_addr \"$request\")|n41|@access.log@L:x|"
	    "n42|H7:h:i:u:t:r:404:-|D3|n0|L:old|E|";
	struct log l, one;
	tw_hitstream hs;
	size_t split, i;

	memset(&l, 0, sizeof(l));
	tw_hitstream_init(&hs, 100);
	CHECK_EQ(tw_hitstream_feed(&hs, v2, sizeof(v2) - 1, record_seq, &l,
	    NULL), 0);
	CHECK_EQ(tw_hitstream_error(&hs)[0], '\0');
	CHECK_EQ(l.len, sizeof(want) - 1);
	CHECK(memcmp(l.buf, want, l.len) == 0);
	for (split = 1; split < sizeof(v2) - 1; split++) {
		memset(&one, 0, sizeof(one));
		tw_hitstream_reset(&hs);
		for (i = 0; i < sizeof(v2) - 1; i += split)
			CHECK_EQ(tw_hitstream_feed(&hs, v2 + i,
			    i + split < sizeof(v2) - 1 ? split :
			    sizeof(v2) - 1 - i, record_seq, &one, NULL), 0);
		CHECK(one.len == l.len && memcmp(one.buf, l.buf, l.len) == 0);
	}
	tw_hitstream_free(&hs);
}

/*
 * What weblog-serve --format and several files send: a format on the
 * start tag, any in-order subset of the nine fields, then <field name>s,
 * a <source> first; the same events at any split point.
 */
static const char fmt_stream[] =
    "<hits format=\"$remote_addr $host &quot;$request&quot; \\x01&amp;\">\n"
    "<hit n=\"1\"><source>/var/log/a&amp;b.log</source>"
    "<client>1.2.3.4</client><request>GET / HTTP/1.1</request>"
    "<status>200</status><field name=\"host\">x.org</field>"
    "<field name='{X-A&quot;}i'>\\x00&lt;</field><field name=\"e\"/></hit>\n"
    "<hit><source></source><line>odd</line></hit>\n"
    "<hit><field name=\"only\">v</field></hit>\n"
    "<hit><agent>a</agent></hit>\n"
    "</hits>\n";

static void
formats_fields_and_sources_are_read(void)
{
	static const char want[] =
	    "S($remote_addr $host \"$request\" \x01&)|"
	    "@/var/log/a&b.log@H3x...xx...:1.2.3.4:GET / HTTP/1.1:200"
	    "+host=x.org+{X-A\"}i=\0<+e=|"
	    "@@L:odd|H0.........+only=v|H1........x:a|E|";
	struct log l, one;
	tw_hitstream hs;
	size_t len = sizeof(fmt_stream) - 1, split, i;

	CHECK_EQ(parse(fmt_stream, len, 100, &l), 0);
	CHECK_EQ(l.len, sizeof(want) - 1);
	CHECK(memcmp(l.buf, want, l.len) == 0);
	tw_hitstream_init(&hs, 100);
	for (split = 1; split < len; split++) {
		memset(&one, 0, sizeof(one));
		tw_hitstream_reset(&hs);
		for (i = 0; i < len; i += split)
			CHECK_EQ(tw_hitstream_feed(&hs, fmt_stream + i,
			    i + split < len ? split : len - i, record, &one,
			    NULL), 0);
		CHECK(one.len == l.len && memcmp(one.buf, l.buf, l.len) == 0);
	}
	tw_hitstream_free(&hs);
}

/* <field>s, their names and the <source> are bounded. */
static void
fields_names_and_sources_have_limits(void)
{
	static char s[200000];
	struct log l;
	size_t n;
	int i;

	/* TW_HITSTREAM_EXTRAS <field>s, and one more. */
	n = (size_t)sprintf(s, "<hits><hit>");
	for (i = 0; i < TW_HITSTREAM_EXTRAS; i++)
		n += (size_t)sprintf(s + n, "<field name=\"f%d\">v</field>", i);
	strcpy(s + n, "</hit>");
	CHECK_EQ(parse(s, n + 6, 1000, &l), 0);
	CHECK_EQ(l.hits, 1);
	strcpy(s + n, "<field name=\"x\">v</field>");
	CHECK_EQ(parse(s, strlen(s), 1000, &l), -1);

	/* Names together: two of 3000 bytes are too many. */
	n = (size_t)sprintf(s, "<hits><hit>");
	for (i = 0; i < 2; i++) {
		n += (size_t)sprintf(s + n, "<field name=\"");
		memset(s + n, 'n', 3000), n += 3000;
		n += (size_t)sprintf(s + n, "\">v</field>");
	}
	CHECK_EQ(parse(s, n, 1000, &l), -1);

	/* A source of TW_HITSTREAM_SOURCE_MAX bytes, and one more. */
	n = (size_t)sprintf(s, "<hits><hit><source>");
	memset(s + n, 's', TW_HITSTREAM_SOURCE_MAX), n += TW_HITSTREAM_SOURCE_MAX;
	n += (size_t)sprintf(s + n, "</source><line>x</line></hit>");
	CHECK_EQ(parse(s, n, 100000, &l), 0);
	CHECK_EQ(l.hits, 1);
	n = (size_t)sprintf(s, "<hits><hit><source>");
	memset(s + n, 's', TW_HITSTREAM_SOURCE_MAX + 1);
	n += TW_HITSTREAM_SOURCE_MAX + 1;
	n += (size_t)sprintf(s + n, "</source><line>x</line></hit>");
	CHECK_EQ(parse(s, n, 100000, &l), -1);

	/* The source is not part of the line; a <field>'s value is. */
	strcpy(s, "<hits><hit><source>abcdefgh</source><line>abcde</line>"
	    "</hit>");
	CHECK_EQ(parse(s, strlen(s), 5, &l), 0);
	CHECK_EQ(l.hits, 1);
	strcpy(s, "<hits><hit><client>abc</client><field name=\"f\">def"
	    "</field></hit>");
	CHECK_EQ(parse(s, strlen(s), 5, &l), -1);
}

static void
malformed_streams_are_refused(void)
{
	static const char *const bad[] = {
		"x<hits>",
		"<foo/>",
		"<hits><client>a</client>",
		"<hits>text",
		"<hits><hit><hit>",
		"<hits><hit>x",
		"<hits><hit><client>a<b/></client>",
		"<hits><hit><client>a</ident>",
		"<hits><hit><line>a</line><client>",
		"<hits><hit><line>&foo;</line></hit>",
		"<hits><hit><line>&amp</line></hit>",
		"<hits><hit><line>&#0;</line></hit>",
		"<hits><hit/>",
		"<hits><hit n=\"x\">",
		"<hits><hit n=\"-1\">",
		"<hits><hit n=\"1\" n=\"2\">",
		"<hits epoch=\"\">",
		"<hits heartbeat=\"1.\">",
		"<hits heartbeat=\"1.2345\">",
		"<hits heartbeat=\".5\">",
		"<hits heartbeat=\"x\">",
		"<hits epoch=\"18446744073709551616\">",
		"<hits><hit n=1>",
		"<hits><hit n=\"1\"id=\"2\">",
		"<hits><hit a=\"&bad;\">",
		"<hits><hit a=\"x>",
		"<hits><hit =\"x\">",
		"<hits><hit a>",
		"<hits><foo></bar>",
		"<hits><foo><bar></foo>",
		"<hits><foo>&nope;</foo>",
		"<hits><foo>a\x01</foo>",
		"<hits><foo a=\"&\"/>",
		"<hits><a><a><a><a><a><a><a><a><a>",
		"<hits><hit><client>a<foo/></client>",
		"<hits><hit><line>a</line><client>b</client></hit>",
		"<hits><dropped><foo/>",
		"<hits><dropped/>",
		"<hits><dropped count=\"x\"/>",
		"<hits><dropped count=\"99999999999999999999\"/>",
		"<hits><lost><foo/>",
		"<hits><lost/>",
		"<hits><lost count=\"x\"/>",
		"<hits><lost count=\"-1\"/>",
		"<hits><lost count=\"99999999999999999999\"/>",
		"<hits><lost count=\"1\"></dropped>",
		"<hits><dropped count=\"1\"></lost>",
		"<hits><lost count=\"1\">x</lost>",
		"<hits><hit><lost count=\"1\"/>",
		"</lost>",
		"<hits><none>x</none>",
		"<hits></hit>",
		"<hits></hits>x",
		"<hits></hits><hits>",
		"<!-- hi --><hits>",
		"<?xml version=\"1.0\"?><hits>",
		"<hits><![CDATA[x]]>",
		"<hits><hit a<b>",
		"<>",
		"</hits>",
		"<hits><hit><user>u</user><ident>i</ident>",
		"<hits><hit><client>a</client><client>b</client>",
		"<hits><hit><client>a</client><source>s</source>",
		"<hits><hit><source>s</source><source>t</source>",
		"<hits><hit><source>s</source></hit>",
		"<hits><hit><source>s</line>",
		"<hits><hit><source>s<b/></source>",
		"<hits><hit><field>x</field>",
		"<hits><hit><field name=\"a\" name=\"b\">",
		"<hits><hit><field name=\"&bad;\">",
		"<hits><hit><field name=\"a\">x</field><client>c</client>",
		"<hits><hit><client>a</client><field name=\"a\">x</field>"
		"<status>1</status>",
		"<hits><hit><line>a</line><field name=\"a\">x</field>",
		"<hits><hit><field name=\"a\">x</field><line>a</line>",
		"<hits><hit><field name=\"a\">x<b/></field>",
		"<hits><hit><field name=\"a\">x</client>",
		"<hits><field name=\"a\">x</field>",
		"<hits><source>x</source>",
		"<hits format=\"a\" format=\"b\">",
		"<hits format=\"&bad;\">",
		"<hits format=x>",
		"<hits><hit><client>1</client><ident>2</ident><user>3</user>"
		"<time>4</time><request>5</request><status>6</status>"
		"<bytes>7</bytes><referrer>8</referrer><agent>9</agent>"
		"<client>x</client></hit>",
		"<hitsxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx>",
	};
	struct log l;
	tw_hitstream hs;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		errno = 0;
		if (parse(bad[i], strlen(bad[i]), 100, &l) != -1 ||
		    errno != EBADMSG) {
			printf("#   accepted: %s\n", bad[i]);
			CHECK(0);
		}
	}
	/* The error says where, and the parser stays failed. */
	tw_hitstream_init(&hs, 100);
	CHECK_EQ(tw_hitstream_feed(&hs, "<hits><bad></hits>", 18, record, &l,
	    NULL), -1);
	CHECK(strstr(tw_hitstream_error(&hs), "at byte 17") != NULL);
	CHECK(strstr(tw_hitstream_error(&hs), "</hits> closes <bad>") != NULL);
	CHECK_EQ(tw_hitstream_feed(&hs, "<hits>", 6, record, &l, NULL), -1);
	tw_hitstream_reset(&hs);
	CHECK_EQ(tw_hitstream_feed(&hs, "<hits>", 6, record, &l, NULL), 0);
	CHECK_EQ(tw_hitstream_feed(&hs, "<lost n=\"1\"/>", 14, record, &l,
	    NULL), -1);
	CHECK(strstr(tw_hitstream_error(&hs), "<lost> needs count=\"N\"") !=
	    NULL);
	tw_hitstream_free(&hs);
}

/*
 * A raw byte XML 1.0 forbids inside a field makes the stream not
 * well-formed, found at its own offset and whatever the split; the
 * characters XML allows (tab, LF, CR, any valid UTF-8 but U+FFFE and
 * U+FFFF) are accepted, also when a read cuts them in two.
 */
static void
raw_bytes_that_xml_forbids_are_refused(void)
{
	static const struct {
		const char *s;
		size_t len;
	} bad[] = {
#define B(s) { s, sizeof(s) - 1 }
		B("<hits>\n<hit><line>nul \0 here</line></hit>\n"),
		B("<hits><hit><line>\x01</line></hit>"),
		B("<hits><hit><line>a\x0b" "b</line></hit>"),
		B("<hits><hit><line>\x1f</line></hit>"),
		B("<hits><hit><line>\xff</line></hit>"),
		B("<hits><hit><line>\xc3</line></hit>"),
		B("<hits><hit><line>\xc3(</line></hit>"),
		B("<hits><hit><line>\xc0\x80</line></hit>"),
		B("<hits><hit><line>\xed\xa0\x80</line></hit>"),
		B("<hits><hit><line>\xef\xbf\xbe</line></hit>"),
		B("<hits><hit><line>\xef\xbf\xbf</line></hit>"),
		B("<hits><hit><line>\xf4\x90\x80\x80</line></hit>"),
		B("<hits><hit><line>\xf0\x9f\x98</line></hit>"),
		B("<hits><hit><client>\0</client>"),
		B("<hits><hit><client>a</client><ident>\x7f\x80</ident>"),
	};
	static const char good[] =
	    "<hits><hit><line>\ttab\nlf\rcr caf\xc3\xa9 \xef\xbf\xbd "
	    "\xf0\x9f\x98\x80 \x7f</line></hit></hits>";
	static const char good_events[] =
	    "S|L:\ttab\nlf\rcr caf\xc3\xa9 \xef\xbf\xbd \xf0\x9f\x98\x80 \x7f|E|";
	struct log l;
	tw_hitstream hs;
	size_t i, a;
	int rc;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		for (a = 0; a <= bad[i].len; a++) {
			memset(&l, 0, sizeof(l));
			tw_hitstream_init(&hs, 100);
			errno = 0;
			rc = tw_hitstream_feed(&hs, bad[i].s, a, record, &l,
			    NULL);
			if (rc == 0)
				rc = tw_hitstream_feed(&hs, bad[i].s + a,
				    bad[i].len - a, record, &l, NULL);
			if (rc != -1 || errno != EBADMSG || l.hits != 0) {
				printf("#   accepted: bad[%zu] split at %zu\n",
				    i, a);
				CHECK(0);
			}
			tw_hitstream_free(&hs);
		}
	}
	/* The NUL is named, at its own offset, before its end tag arrives. */
	tw_hitstream_init(&hs, 100);
	CHECK_EQ(tw_hitstream_feed(&hs, "<hits>\n<hit><line>nul \0", 23,
	    record, &l, NULL), -1);
	CHECK(strstr(tw_hitstream_error(&hs), "at byte 22") != NULL);
	CHECK(strstr(tw_hitstream_error(&hs), "0x00") != NULL);
	tw_hitstream_free(&hs);

	for (a = 0; a <= sizeof(good) - 1; a++) {
		memset(&l, 0, sizeof(l));
		tw_hitstream_init(&hs, 100);
		CHECK_EQ(tw_hitstream_feed(&hs, good, a, record, &l, NULL), 0);
		CHECK_EQ(tw_hitstream_feed(&hs, good + a, sizeof(good) - 1 - a,
		    record, &l, NULL), 0);
		tw_hitstream_free(&hs);
		CHECK_EQ(l.len, sizeof(good_events) - 1);
		CHECK(memcmp(l.buf, good_events, l.len) == 0);
	}
#undef B
}

/* A field that never ends costs at most 5 x max bytes, then fails. */
static void
an_endless_element_is_refused_in_bounded_memory(void)
{
	static char chunk[4096];
	tw_hitstream hs;
	struct log l;
	int i, rc = 0;

	memset(&l, 0, sizeof(l));
	memset(chunk, 'a', sizeof(chunk));
	tw_hitstream_init(&hs, 1000);
	CHECK_EQ(tw_hitstream_feed(&hs, "<hits><hit><line>", 17, record, &l,
	    NULL), 0);
	for (i = 0; i < 100000 && rc == 0; i++)
		rc = tw_hitstream_feed(&hs, chunk, sizeof(chunk), record, &l,
		    NULL);
	CHECK_EQ(rc, -1);
	CHECK(i <= 2);
	CHECK(hs.cap <= TW_XML_ESCAPED_MAX(1000));
	CHECK(strstr(tw_hitstream_error(&hs), "longer than") != NULL);
	tw_hitstream_free(&hs);

	/* Endless whitespace is skipped, never stored. */
	memset(chunk, ' ', sizeof(chunk));
	tw_hitstream_init(&hs, 1000);
	CHECK_EQ(tw_hitstream_feed(&hs, "<hits>", 6, record, &l, NULL), 0);
	for (i = 0; i < 1000; i++)
		CHECK_EQ(tw_hitstream_feed(&hs, chunk, sizeof(chunk), record,
		    &l, NULL), 0);
	CHECK(hs.buf == NULL);
	tw_hitstream_free(&hs);
}

/* max bytes restored is the limit, however much escaping they took. */
static void
a_line_of_max_bytes_is_accepted_and_one_more_is_not(void)
{
	static char xml[5 * 101 + 64];
	struct log l;
	size_t n;
	int i;

	n = 0;
	memcpy(xml, "<hits><hit><line>", 17), n = 17;
	for (i = 0; i < 100; i++)
		memcpy(xml + n, "&amp;", 5), n += 5;
	memcpy(xml + n, "</line></hit>", 13), n += 13;
	CHECK_EQ(parse(xml, n, 100, &l), 0);
	CHECK_EQ(l.hits, 1);
	CHECK_EQ(parse(xml, n, 99, &l), -1);

	/* The fields together count, not each alone. */
	CHECK_EQ(parse("<hits><hit><client>aaaaa</client><ident>bbbbb</ident>",
	    53, 9, &l), -1);
}

static void
a_callback_can_stop_the_feed(void)
{
	struct log l;
	tw_hitstream hs;
	size_t used, len = sizeof(stream) - 1, off = 0;
	int rc;

	memset(&l, 0, sizeof(l));
	l.stop_after = 1;
	tw_hitstream_init(&hs, 65536);
	rc = tw_hitstream_feed(&hs, stream, len, record, &l, &used);
	CHECK_EQ(rc, 1);
	CHECK(memcmp(stream + used - 6, "</hit>", 6) == 0);
	off = used;
	l.stop_after = 0;
	CHECK_EQ(tw_hitstream_feed(&hs, stream + off, len - off, record, &l,
	    &used), 0);
	CHECK_EQ(used, len - off);
	CHECK_EQ(l.len, sizeof(events) - 1);
	CHECK(memcmp(l.buf, events, l.len) == 0);
	tw_hitstream_free(&hs);
}

static int
stop_at_start(void *arg, const tw_hitev *ev)
{
	struct log *l = arg;

	record(l, ev);
	return ev->type == TW_HS_START;
}

/* Found by fuzz_hitstream (tests/fuzz/regress/hitstream/): <hits/> makes
 * two events, and a stop at the first lost the second. */
static void
a_stop_at_the_start_of_an_empty_stream_still_gives_its_end(void)
{
	static const char s[] = "<hits/>";
	struct log l;
	tw_hitstream hs;
	size_t used, off;

	memset(&l, 0, sizeof(l));
	tw_hitstream_init(&hs, 100);
	CHECK_EQ(tw_hitstream_feed(&hs, s, 7, stop_at_start, &l, &used), 1);
	CHECK(tw_hitstream_started(&hs));
	CHECK(!tw_hitstream_ended(&hs));
	CHECK(used < 7);
	off = used;
	CHECK_EQ(tw_hitstream_feed(&hs, s + off, 7 - off, record, &l, &used),
	    0);
	CHECK_EQ(off + used, 7);
	CHECK(tw_hitstream_ended(&hs));
	CHECK_EQ(l.len, 4);
	CHECK(memcmp(l.buf, "S|E|", 4) == 0);
	tw_hitstream_free(&hs);
}

/* ------------------------------------------------------------ formats */

static tw_hitev
hit9(void)
{
	static const char *const f[TW_HS_NFIELDS] = {
		"1.2.3.4", "-", "frank", "10/Oct/2000:13:55:36 -0700",
		"GET /a\tb HTTP/1.0", "200", "2326", "", "Moz \"4\""
	};
	tw_hitev ev;
	int i;

	memset(&ev, 0, sizeof(ev));
	ev.type = TW_HS_HIT;
	ev.present = TW_LOGFMT_BIT(TW_HS_NFIELDS) - 1;
	for (i = 0; i < TW_HS_NFIELDS; i++) {
		ev.field[i] = f[i];
		ev.len[i] = strlen(f[i]);
	}
	return ev;
}

/* ev in fmt, with the stream's format lf and a label, gives want. */
static int
formats_with(const tw_hitev *ev, int fmt, const tw_logfmt *lf,
    const char *label, const char *want, size_t wantlen)
{
	static char out[TW_HS_FORMAT_MAX(1000, 16)];
	tw_hsformat f;
	long n;

	f.fmt = fmt;
	f.lf = lf;
	f.label = label;
	n = tw_hitstream_format(ev, &f, out);
	if (n < 0 || (size_t)n != wantlen || memcmp(out, want, wantlen) != 0) {
		printf("#   got:  %.*s#   want: %s", n < 0 ? 2 : (int)n,
		    n < 0 ? "-1" : out, want);
		return 0;
	}
	return 1;
}

static int
formats_as(const tw_hitev *ev, int fmt, const char *want)
{
	return formats_with(ev, fmt, NULL, NULL, want, strlen(want));
}

static void
hits_format_as_each_output_format(void)
{
	tw_hitev ev = hit9();

	CHECK(formats_as(&ev, TW_HS_COMBINED, "1.2.3.4 - frank "
	    "[10/Oct/2000:13:55:36 -0700] \"GET /a\tb HTTP/1.0\" 200 2326 "
	    "\"\" \"Moz \"4\"\"\n"));
	CHECK(formats_as(&ev, TW_HS_COMMON, "1.2.3.4 - frank "
	    "[10/Oct/2000:13:55:36 -0700] \"GET /a\tb HTTP/1.0\" 200 2326\n"));
	CHECK(formats_as(&ev, TW_HS_TSV, "1.2.3.4\t-\tfrank\t"
	    "10/Oct/2000:13:55:36 -0700\tGET /a\\tb HTTP/1.0\t200\t2326\t-\t"
	    "Moz \"4\"\n"));
	CHECK(formats_as(&ev, TW_HS_JSON, "{\"client\":\"1.2.3.4\","
	    "\"ident\":\"-\",\"user\":\"frank\","
	    "\"time\":\"10/Oct/2000:13:55:36 -0700\","
	    "\"ts\":\"2000-10-10T13:55:36-07:00\","
	    "\"request\":\"GET /a\\tb HTTP/1.0\",\"status\":200,"
	    "\"bytes\":2326,\"referrer\":\"\","
	    "\"agent\":\"Moz \\\"4\\\"\"}\n"));
	CHECK(formats_as(&ev, TW_HS_XML, "<hit><client>1.2.3.4</client>"
	    "<ident>-</ident><user>frank</user>"
	    "<time>10/Oct/2000:13:55:36 -0700</time>"
	    "<request>GET /a\tb HTTP/1.0</request><status>200</status>"
	    "<bytes>2326</bytes><referrer></referrer>"
	    "<agent>Moz \"4\"</agent></hit>\n"));

	ev.present = TW_LOGFMT_BIT(7) - 1;
	CHECK(formats_as(&ev, TW_HS_COMBINED, "1.2.3.4 - frank "
	    "[10/Oct/2000:13:55:36 -0700] \"GET /a\tb HTTP/1.0\" 200 2326\n"));
	CHECK(formats_as(&ev, TW_HS_TSV, "1.2.3.4\t-\tfrank\t"
	    "10/Oct/2000:13:55:36 -0700\tGET /a\\tb HTTP/1.0\t200\t2326\t-\t"
	    "-\n"));
}

static void
line_hits_format_as_each_output_format(void)
{
	static const char line[] = "x\0y\r\x01\xff\xc3\xa9\\x41&<>\t\"";
	tw_hitev ev;

	memset(&ev, 0, sizeof(ev));
	ev.type = TW_HS_HIT;
	ev.line = line;
	ev.linelen = sizeof(line) - 1;
	/* Byte for byte, NUL included. */
	{
		char out[256];
		tw_hsformat f = { TW_HS_COMBINED, NULL, NULL };
		long n = tw_hitstream_format(&ev, &f, out);

		CHECK_EQ(n, (long)sizeof(line));
		CHECK(memcmp(out, line, sizeof(line) - 1) == 0);
		CHECK_EQ(out[n - 1], '\n');
		f.fmt = TW_HS_COMMON;
		n = tw_hitstream_format(&ev, &f, out);
		CHECK_EQ(n, (long)sizeof(line));
	}
	CHECK(formats_as(&ev, TW_HS_JSON, "{\"line\":\"x\\u0000y\\r\\u0001"
	    "\\\\xFF\xc3\xa9\\\\x41&<>\\t\\\"\"}\n"));
	CHECK(formats_as(&ev, TW_HS_XML, "<hit><line>x\\x00y&#13;\\x01\\xFF"
	    "\xc3\xa9\\x5Cx41&amp;&lt;&gt;\t\"</line></hit>\n"));
	ev.line = "GET / x";
	ev.linelen = 7;
	CHECK(formats_as(&ev, TW_HS_TSV, "-\t-\t-\t-\tGET / x\t-\t-\t-\t-\n"));
	ev.linelen = 0;
	CHECK(formats_as(&ev, TW_HS_TSV, "-\t-\t-\t-\t-\t-\t-\t-\t-\n"));
	CHECK(formats_as(&ev, TW_HS_COMBINED, "\n"));
}

/* A stream's hits printed as a client does: its format compiled at the start. */
struct printer {
	tw_hsformat f;
	tw_logfmt *lf;
	char out[8192];
	size_t len;
	int unfit;		/* hits that did not fit the format */
};

static int
print_hit(void *arg, const tw_hitev *ev)
{
	static char buf[TW_HS_FORMAT_MAX(1000, 16)];
	struct printer *p = arg;
	char err[128];
	long n;

	if (ev->type == TW_HS_START && ev->format != NULL) {
		p->lf = tw_logfmt_compile(ev->format, err, sizeof(err));
		p->f.lf = p->lf;
	}
	if (ev->type != TW_HS_HIT)
		return 0;
	if ((n = tw_hitstream_format(ev, &p->f, buf)) < 0)
		p->unfit++;
	else if (p->len + (size_t)n < sizeof(p->out)) {
		memcpy(p->out + p->len, buf, (size_t)n);
		p->len += (size_t)n;
	}
	return 0;
}

static const char nginx_stream[] =
    "<hits format=\"$remote_addr - $remote_user [$time_local] "
    "&quot;$request&quot; $status $body_bytes_sent &quot;$http_referer&quot;"
    " &quot;$http_user_agent&quot; $request_time\">\n"
    "<hit n=\"1\"><source>a.log</source><client>1.2.3.4</client>"
    "<user>-</user><time>10/Oct/2000:13:55:36 -0700</time>"
    "<request>GET / HTTP/1.1</request><status>200</status>"
    "<bytes>5</bytes><referrer>-</referrer><agent>curl \\x00</agent>"
    "<field name=\"request_time\">0.005</field></hit>\n"
    "<hit n=\"2\"><source>a.log</source><line>not nginx</line></hit>\n"
    "</hits>\n";

static int
prints_as(int fmt, const char *label, const char *want, size_t wantlen)
{
	struct printer p;

	memset(&p, 0, sizeof(p));
	p.f.fmt = fmt;
	p.f.label = label;
	if (parse_with(nginx_stream, print_hit, &p) != 0 || p.unfit != 0 ||
	    p.lf == NULL)
		return 0;
	tw_logfmt_free(p.lf);
	if (p.len != wantlen || memcmp(p.out, want, wantlen) != 0) {
		printf("#   got:  %.*s#   want: %s", (int)p.len, p.out, want);
		return 0;
	}
	return 1;
}

/*
 * With the start tag's format, combined rebuilds each line byte for
 * byte; common fills what the format lacks with "-"; tsv adds the source
 * and the extra fields; json names them; xml sends them back.
 */
static void
hits_of_a_format_print_in_each_output_format(void)
{
	static const char combined[] = "1.2.3.4 - - [10/Oct/2000:13:55:36 "
	    "-0700] \"GET / HTTP/1.1\" 200 5 \"-\" \"curl \0\" 0.005\n"
	    "not nginx\n";
	static const char common[] = "1.2.3.4 - - [10/Oct/2000:13:55:36 "
	    "-0700] \"GET / HTTP/1.1\" 200 5\nnot nginx\n";
	static const char tsv[] = "1.2.3.4\t-\t-\t10/Oct/2000:13:55:36 -0700\t"
	    "GET / HTTP/1.1\t200\t5\t-\tcurl \0\th:1 a.log\t0.005\n"
	    "-\t-\t-\t-\tnot nginx\t-\t-\t-\t-\th:1 a.log\t-\n";
	static const char json[] = "{\"source\":\"a.log\",\"client\":\"1.2.3.4\","
	    "\"user\":\"-\",\"time\":\"10/Oct/2000:13:55:36 -0700\","
	    "\"ts\":\"2000-10-10T13:55:36-07:00\","
	    "\"request\":\"GET / HTTP/1.1\",\"status\":200,\"bytes\":5,"
	    "\"referrer\":\"-\",\"agent\":\"curl \\u0000\","
	    "\"fields\":{\"request_time\":\"0.005\"}}\n"
	    "{\"source\":\"a.log\",\"line\":\"not nginx\"}\n";
	static const char json_label[] = "{\"source\":\"h:1 a.log\",\"line\":"
	    "\"not nginx\"}\n";
	static const char xml[] = "<hit n=\"1\"><source>h:1 a.log</source>"
	    "<client>1.2.3.4</client><user>-</user>"
	    "<time>10/Oct/2000:13:55:36 -0700</time>"
	    "<request>GET / HTTP/1.1</request><status>200</status>"
	    "<bytes>5</bytes><referrer>-</referrer><agent>curl \\x00</agent>"
	    "<field name=\"request_time\">0.005</field></hit>\n"
	    "<hit n=\"2\"><source>h:1 a.log</source><line>not nginx</line>"
	    "</hit>\n";

	CHECK(prints_as(TW_HS_COMBINED, NULL, combined, sizeof(combined) - 1));
	CHECK(prints_as(TW_HS_COMBINED, "h:1", combined, sizeof(combined) - 1));
	CHECK(prints_as(TW_HS_COMMON, NULL, common, sizeof(common) - 1));
	CHECK(prints_as(TW_HS_TSV, "h:1", tsv, sizeof(tsv) - 1));
	CHECK(prints_as(TW_HS_JSON, NULL, json, sizeof(json) - 1));
	{
		struct printer p;

		memset(&p, 0, sizeof(p));
		p.f.fmt = TW_HS_JSON;
		p.f.label = "h:1";
		CHECK_EQ(parse_with(nginx_stream, print_hit, &p), 0);
		tw_logfmt_free(p.lf);
		CHECK(p.len > sizeof(json_label) - 1 &&
		    memcmp(p.out + p.len - (sizeof(json_label) - 1),
		    json_label, sizeof(json_label) - 1) == 0);
	}
	CHECK(prints_as(TW_HS_XML, "h:1", xml, sizeof(xml) - 1));
}

/* A hit that is no record of the stream's format cannot be rebuilt. */
static void
a_hit_that_does_not_fit_its_format_is_refused(void)
{
	static const char *const unfit[] = {
		/* no referrer */
		"<hits format=\"combined\"><hit><client>a</client>"
		"<ident>b</ident><user>c</user><time>d</time><request>e"
		"</request><status>1</status><bytes>2</bytes><agent>x</agent>"
		"</hit></hits>",
		/* an extra the format does not have */
		"<hits format=\"common\"><hit><client>a</client>"
		"<ident>b</ident><user>c</user><time>d</time><request>e"
		"</request><status>1</status><bytes>2</bytes>"
		"<field name=\"x\">y</field></hit></hits>",
		/* a field it does not have */
		"<hits format=\"$remote_addr $request_time\"><hit>"
		"<client>a</client><user>u</user>"
		"<field name=\"request_time\">1</field></hit></hits>",
	};
	struct printer p;
	size_t i;

	for (i = 0; i < sizeof(unfit) / sizeof(unfit[0]); i++) {
		memset(&p, 0, sizeof(p));
		p.f.fmt = TW_HS_COMBINED;
		CHECK_EQ(parse_with(unfit[i], print_hit, &p), 0);
		CHECK(p.lf != NULL);
		CHECK_EQ(p.unfit, 1);
		tw_logfmt_free(p.lf);
	}
}

/* -f xml gives back what weblog-serve's escaping sent. */
static void
xml_output_is_the_hit_as_received(void)
{
	static const char hit[] = "<hit><line>a &amp; \\x00\\x5Cx41&#13;"
	    "\xc3\xa9</line></hit>";
	static char out[TW_HS_FORMAT_MAX(100, 0)];
	tw_hsformat f = { TW_HS_XML, NULL, NULL };
	tw_hitstream hs;
	char s[128];
	long n;

	snprintf(s, sizeof(s), "<hits>%s</hits>", hit);
	tw_hitstream_init(&hs, 100);
	{
		struct log l;

		memset(&l, 0, sizeof(l));
		CHECK_EQ(tw_hitstream_feed(&hs, s, strlen(s), record, &l, NULL),
		    0);
		CHECK_EQ(l.hits, 1);
		/* Rebuild the event from what was recorded: "S|L:...|E|". */
		{
			tw_hitev ev;

			memset(&ev, 0, sizeof(ev));
			ev.type = TW_HS_HIT;
			ev.line = l.buf + 4;
			ev.linelen = l.len - 4 - 3;
			n = tw_hitstream_format(&ev, &f, out);
			CHECK_EQ(n, (long)strlen(hit) + 1);
			CHECK(memcmp(out, hit, n - 1) == 0);
		}
	}
	tw_hitstream_free(&hs);
}

int
main(void)
{
	RUN(a_whole_stream_gives_every_event);
	RUN(any_split_point_gives_the_same_events);
	RUN(random_lines_come_back_byte_for_byte);
	RUN(whitespace_and_empty_elements_are_accepted);
	RUN(version_2_and_unknown_parts_are_read);
	RUN(formats_fields_and_sources_are_read);
	RUN(fields_names_and_sources_have_limits);
	RUN(malformed_streams_are_refused);
	RUN(raw_bytes_that_xml_forbids_are_refused);
	RUN(an_endless_element_is_refused_in_bounded_memory);
	RUN(a_line_of_max_bytes_is_accepted_and_one_more_is_not);
	RUN(a_callback_can_stop_the_feed);
	RUN(a_stop_at_the_start_of_an_empty_stream_still_gives_its_end);
	RUN(hits_format_as_each_output_format);
	RUN(line_hits_format_as_each_output_format);
	RUN(hits_of_a_format_print_in_each_output_format);
	RUN(a_hit_that_does_not_fit_its_format_is_refused);
	RUN(xml_output_is_the_hit_as_received);
	return TAP_DONE();
}
