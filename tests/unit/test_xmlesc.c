/*
 * test_xmlesc.c - escaping any bytes as XML text, and back.
 */
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "twirl.h"
#include "weblog/xmlesc.h"

static int
escape_is(const char *in, size_t len, const char *want)
{
	char out[256];
	size_t n = tw_xml_escape(in, len, out);

	out[n] = '\0';
	if (strcmp(out, want) != 0)
		printf("#   got \"%s\", want \"%s\"\n", out, want);
	return strcmp(out, want) == 0;
}

static void
the_spec_escapes_are_written(void)
{
	CHECK(escape_is("a&b<c>d", 7, "a&amp;b&lt;c&gt;d"));
	CHECK(escape_is("cr\r", 3, "cr&#13;"));
	CHECK(escape_is("tab\tok", 6, "tab\tok"));
	CHECK(escape_is("nul\0bel\a", 8, "nul\\x00bel\\x07"));
	CHECK(escape_is("\\x41 \\y \\", 9, "\\x5Cx41 \\y \\"));
	CHECK(escape_is("caf\xc3\xa9", 5, "caf\xc3\xa9"));		/* UTF-8 */
	CHECK(escape_is("\xff\xc3", 2, "\\xFF\\xC3"));		/* invalid */
	CHECK(escape_is("\xc0\xaf", 2, "\\xC0\\xAF"));		/* overlong */
	CHECK(escape_is("\xed\xa0\x80", 3, "\\xED\\xA0\\x80"));	/* surrogate */
	CHECK(escape_is("\xef\xbf\xbe", 3, "\\xEF\\xBF\\xBE"));	/* U+FFFE */
	CHECK(escape_is("\xef\xbf\xbd", 3, "\xef\xbf\xbd"));	/* U+FFFD */
	CHECK(escape_is("\xf0\x9f\x98\x80", 4, "\xf0\x9f\x98\x80"));
}

static void
any_bytes_round_trip(void)
{
	static char in[2048], esc[TW_XML_ESCAPED_MAX(2048)];
	int round, bad = 0;

	srand(7);
	for (round = 0; round < 20000; round++) {
		size_t len = (size_t)(rand() % 64), i;
		long n;

		for (i = 0; i < len; i++) {
			/* Bias towards the interesting bytes. */
			static const char pick[] = "\\x&<>\r\n\t\xc3\xa9\xef\xbf\xbe\xf0";
			in[i] = rand() % 3 ? pick[rand() % (int)(sizeof(pick) - 1)]
			    : (char)rand();
		}
		n = (long)tw_xml_escape(in, len, esc);
		for (i = 0; i < (size_t)n; i++) {
			unsigned char c = (unsigned char)esc[i];

			if (c == '<' || c == '\r' || c == '\n' ||
			    (c < 0x20 && c != '\t'))
				bad++;
		}
		n = tw_xml_unescape(esc, (size_t)n, esc);
		if (n != (long)len || memcmp(esc, in, len) != 0)
			bad++;
	}
	CHECK_EQ(bad, 0);
}

static void
unescape_reads_other_references_and_refuses_bad_ones(void)
{
	char out[64];
	long n;

	n = tw_xml_unescape("&quot;&apos;&#65;&#x42;&#233;", 29, out);
	CHECK_EQ(n, 6);
	CHECK(memcmp(out, "\"'AB\xc3\xa9", 6) == 0);
	CHECK_EQ(tw_xml_unescape("a&nbsp;b", 8, out), -1);
	CHECK_EQ(tw_xml_unescape("a&amp", 5, out), -1);
	CHECK_EQ(tw_xml_unescape("&#0;", 4, out), -1);
	CHECK_EQ(tw_xml_unescape("&#x110000;", 10, out), -1);
	CHECK_EQ(tw_xml_unescape("a<b", 3, out), -1);
	/* A backslash not starting \xHH is itself. */
	n = tw_xml_unescape("\\y\\xZZ\\", 7, out);
	CHECK_EQ(n, 7);
	CHECK(memcmp(out, "\\y\\xZZ\\", 7) == 0);
}

int
main(void)
{
	RUN(the_spec_escapes_are_written);
	RUN(any_bytes_round_trip);
	RUN(unescape_reads_other_references_and_refuses_bad_ones);
	return TAP_DONE();
}
