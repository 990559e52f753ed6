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
		add(l, "S|", 2);
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
	case TW_HS_HIT:
		l->hits++;
		if (ev->nfields == 0) {
			add(l, "L:", 2);
			add(l, ev->line, ev->linelen);
		} else {
			snprintf(tmp, sizeof(tmp), "H%d", ev->nfields);
			add(l, tmp, strlen(tmp));
			for (i = 0; i < ev->nfields; i++) {
				add(l, ":", 1);
				add(l, ev->field[i], ev->len[i]);
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
    "<hit><line>a &amp; b &lt;c&gt; \\x00\\x5Cx41&#13;</line></hit>\n"
    "<none/>\n"
    "</hits>\n";

static const char events[] =
    "S|H9:1.2.3.4:-:frank:10/Oct/2000:13:55:36 -0700:GET /a.gif HTTP/1.0"
    ":200:2326:http://x/:Mozilla/4.08 [en] (Win98; I ;Nav)|"
    "H7:h:i:u:t:r:404:-|D17|L:a & b <c> \0\\x41\r|N|E|";

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
	    "<dropped  count = '5' ></dropped>"
	    "<none></none><hit><line/></hit></hits >\n \n";
	static const char want[] = "S|H9:c:::t:r:1:2::a b|D5|N|L:|E|";
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
    "<line>x</line><field name=\"rt\">0.1&lt;<b>c</b></field></hit>\n"
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
	    "e1733000000/2.5|S|n41|L:x|n42|H7:h:i:u:t:r:404:-|D3|n0|L:old|E|";
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
		"<hits><hit><client>a</client></hit>",
		"<hits><hit><ident>a</ident>",
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
		"<hits><hit><client>1</client><ident>2</ident><user>3</user>"
		"<time>4</time><request>5</request><status>6</status>"
		"<bytes>7</bytes><referrer>8</referrer></hit>",
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
	ev.nfields = 9;
	for (i = 0; i < TW_HS_NFIELDS; i++) {
		ev.field[i] = f[i];
		ev.len[i] = strlen(f[i]);
	}
	return ev;
}

static int
formats_as(const tw_hitev *ev, int fmt, const char *want)
{
	static char out[TW_HS_FORMAT_MAX(1000)];
	size_t n = tw_hitstream_format(ev, fmt, out);

	if (n != strlen(want) || memcmp(out, want, n) != 0) {
		printf("#   got:  %.*s#   want: %s", (int)n, out, want);
		return 0;
	}
	return 1;
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
	    "\"request\":\"GET /a\\tb HTTP/1.0\",\"status\":\"200\","
	    "\"bytes\":\"2326\",\"referrer\":\"\","
	    "\"agent\":\"Moz \\\"4\\\"\"}\n"));
	CHECK(formats_as(&ev, TW_HS_XML, "<hit><client>1.2.3.4</client>"
	    "<ident>-</ident><user>frank</user>"
	    "<time>10/Oct/2000:13:55:36 -0700</time>"
	    "<request>GET /a\tb HTTP/1.0</request><status>200</status>"
	    "<bytes>2326</bytes><referrer></referrer>"
	    "<agent>Moz \"4\"</agent></hit>\n"));

	ev.nfields = 7;
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
		size_t n = tw_hitstream_format(&ev, TW_HS_COMBINED, out);

		CHECK_EQ(n, sizeof(line));
		CHECK(memcmp(out, line, sizeof(line) - 1) == 0);
		CHECK_EQ(out[n - 1], '\n');
		n = tw_hitstream_format(&ev, TW_HS_COMMON, out);
		CHECK_EQ(n, sizeof(line));
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

/* -f xml gives back what weblog-serve's escaping sent. */
static void
xml_output_is_the_hit_as_received(void)
{
	static const char hit[] = "<hit><line>a &amp; \\x00\\x5Cx41&#13;"
	    "\xc3\xa9</line></hit>";
	static char out[TW_HS_FORMAT_MAX(100)];
	tw_hitstream hs;
	char s[128];
	size_t n;

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
			n = tw_hitstream_format(&ev, TW_HS_XML, out);
			CHECK_EQ(n, strlen(hit) + 1);
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
	RUN(malformed_streams_are_refused);
	RUN(raw_bytes_that_xml_forbids_are_refused);
	RUN(an_endless_element_is_refused_in_bounded_memory);
	RUN(a_line_of_max_bytes_is_accepted_and_one_more_is_not);
	RUN(a_callback_can_stop_the_feed);
	RUN(a_stop_at_the_start_of_an_empty_stream_still_gives_its_end);
	RUN(hits_format_as_each_output_format);
	RUN(line_hits_format_as_each_output_format);
	RUN(xml_output_is_the_hit_as_received);
	return TAP_DONE();
}
