/*
 * test_clf.c - the Common/Combined Log Format parser and the <hit> encoder.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "clf_format.h"
#include "tap.h"
#include "weblog/clf.h"
#include "weblog/hit.h"
#include "weblog/xmlesc.h"

static int
field_is(const tw_clf *c, int i, const char *s)
{
	return c->len[i] == strlen(s) && memcmp(c->field[i], s, c->len[i]) == 0;
}

static int
parse(tw_clf *c, const char *s)
{
	return tw_clf_parse(c, s, strlen(s));
}

static void
combined_gives_nine_fields(void)
{
	tw_clf c;
	const char *l = "127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] "
	    "\"GET /apache_pb.gif HTTP/1.0\" 200 2326 "
	    "\"http://www.example.com/start.html\" "
	    "\"Mozilla/4.08 [en] (Win98; I ;Nav)\"";

	CHECK_EQ(parse(&c, l), 9);
	CHECK(field_is(&c, TW_CLF_CLIENT, "127.0.0.1"));
	CHECK(field_is(&c, TW_CLF_IDENT, "-"));
	CHECK(field_is(&c, TW_CLF_USER, "frank"));
	CHECK(field_is(&c, TW_CLF_TIME, "10/Oct/2000:13:55:36 -0700"));
	CHECK(field_is(&c, TW_CLF_REQUEST, "GET /apache_pb.gif HTTP/1.0"));
	CHECK(field_is(&c, TW_CLF_STATUS, "200"));
	CHECK(field_is(&c, TW_CLF_BYTES, "2326"));
	CHECK(field_is(&c, TW_CLF_REFERRER, "http://www.example.com/start.html"));
	CHECK(field_is(&c, TW_CLF_AGENT, "Mozilla/4.08 [en] (Win98; I ;Nav)"));
}

static void
common_gives_seven_fields(void)
{
	tw_clf c;

	CHECK_EQ(parse(&c, "::1 - - [01/Jan/2024:00:00:00 +0000] "
	    "\"GET / HTTP/1.1\" 304 -"), 7);
	CHECK(field_is(&c, TW_CLF_CLIENT, "::1"));
	CHECK(field_is(&c, TW_CLF_BYTES, "-"));
	CHECK_EQ(c.nfields, 7);
}

static void
apache_escaped_quotes_stay_in_the_field(void)
{
	tw_clf c;

	CHECK_EQ(parse(&c, "h - - [t] \"GET /\\\"x\\\" \\\\ HTTP/1.0\" 200 1 "
	    "\"-\" \"a \\\"quoted\\\" agent\""), 9);
	CHECK(field_is(&c, TW_CLF_REQUEST, "GET /\\\"x\\\" \\\\ HTTP/1.0"));
	CHECK(field_is(&c, TW_CLF_REFERRER, "-"));
	CHECK(field_is(&c, TW_CLF_AGENT, "a \\\"quoted\\\" agent"));
}

static void
empty_quoted_fields_are_fields(void)
{
	tw_clf c;

	CHECK_EQ(parse(&c, "h - - [t] \"\" 400 0 \"\" \"\""), 9);
	CHECK_EQ(c.len[TW_CLF_REQUEST], 0);
	CHECK_EQ(c.len[TW_CLF_AGENT], 0);
}

static void
odd_lines_are_not_clf(void)
{
	static const char *bad[] = {
		"",
		"hello world",
		"h - - [t] \"GET /\" 200 1 ",		/* trailing space */
		"h  - - [t] \"GET /\" 200 1",		/* two spaces */
		"h - - [t]  \"GET /\" 200 1",
		"h - - [t] \"GET /\" 200 1\r",		/* CR ends the line */
		"h - - [t] \"GET /\" 200 1 \"r\"",	/* eight fields */
		"h - - [t] \"GET /\" 200 1 \"r\" \"a\" \"x\"",
		"h - - [t] \"GET /\" 200 1 \"r\" \"a\" 17",
		"h - - [t] \"GET /\" 2x0 1",		/* status not a number */
		"h - - [t] \"GET /\" - 1",
		"h - - [t] \"GET /\" 200 1k",		/* bytes not a number */
		"h - - [t] \"GET /\\\" 200 1",		/* the quote is escaped */
		"h - - [t \"GET /\" 200 1",		/* no ] */
		"h - - t \"GET /\" 200 1",
		" - - [t] \"GET /\" 200 1",		/* empty client */
		"h - - [t] \"GET /\" 200",
		"h - - [t] \"GET /\" 200 1 \"r\" \"a\\",
	};
	tw_clf c;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (parse(&c, bad[i]) != 0)
			printf("#   accepted: %s\n", bad[i]);
		CHECK_EQ(parse(&c, bad[i]), 0);
	}
}

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static unsigned
rnd(unsigned n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (unsigned)(rng % n);
}

/* Random lines made mostly of CLF's own delimiters, so many parse. */
static size_t
random_line(char *buf, size_t max)
{
	static const char alphabet[] = " \"[]\\-0123456789ab\t\r\x00\xff&<>x";
	static const char *pieces[] = {
		"h - - [t] \"GET /\" 200 1", " \"r\" \"a\"", " ", "\"", "\\\"",
		"[", "]", "\\", "-", "200", " 12",
	};
	size_t n = 0, len = rnd((unsigned)max);

	while (n < len) {
		if (rnd(3) == 0) {
			const char *p = pieces[rnd(sizeof(pieces) / sizeof(pieces[0]))];
			size_t k = strlen(p);

			if (n + k > max)
				break;
			memcpy(buf + n, p, k);
			n += k;
		} else {
			buf[n++] = alphabet[rnd(sizeof(alphabet) - 1)];
		}
	}
	return n;
}

static void
every_accepted_line_formats_back_exactly(void)
{
	char line[128], back[256];
	int i, accepted = 0;
	tw_clf c;

	for (i = 0; i < 200000; i++) {
		size_t n = random_line(line, sizeof(line));

		if (tw_clf_parse(&c, line, n) == 0)
			continue;
		accepted++;
		CHECK_EQ(clf_format_len(&c), n);
		CHECK_EQ(clf_format(&c, back), n);
		CHECK(memcmp(back, line, n) == 0);
	}
	CHECK(accepted > 1000);
}

static void
a_hit_of_a_combined_line_has_nine_elements(void)
{
	const char *l = "1.2.3.4 - - [t] \"GET /<a>&b HTTP/1.0\" 200 5 \"-\" \"x\"";
	char out[TW_HIT_ENCODED_MAX(128)];
	size_t n = tw_hit_encode(l, strlen(l), 0, out);
	const char *want = "<hit><client>1.2.3.4</client><ident>-</ident>"
	    "<user>-</user><time>t</time>"
	    "<request>GET /&lt;a&gt;&amp;b HTTP/1.0</request>"
	    "<status>200</status><bytes>5</bytes><referrer>-</referrer>"
	    "<agent>x</agent></hit>\n";

	CHECK_EQ(n, strlen(want));
	CHECK(memcmp(out, want, n) == 0);
}

static void
a_hit_of_an_odd_line_is_a_line_element(void)
{
	const char l[] = "a\\x\r\0b";
	char out[TW_HIT_ENCODED_MAX(sizeof(l))];
	size_t n = tw_hit_encode(l, sizeof(l) - 1, 0, out);
	const char *want = "<hit><line>a\\x5Cx&#13;\\x00b</line></hit>\n";

	CHECK_EQ(n, strlen(want));
	CHECK(memcmp(out, want, n) == 0);
}

/* Take the text of each element of a hit, unescape it and rebuild the line. */
static long
restore(const char *hit, size_t n, char *out)
{
	const char *p = hit + 5, *end = hit + n - 7;	/* inside <hit>..</hit>\n */
	tw_clf c;
	char *texts = out + 4096;
	int i = 0;

	if (n < 12 || memcmp(hit, "<hit>", 5) || memcmp(end, "</hit>\n", 7))
		return -1;
	while (p < end) {
		const char *gt = memchr(p, '>', (size_t)(end - p)), *lt;
		long k;

		if (gt == NULL || (lt = memchr(gt, '<', (size_t)(end - gt))) == NULL)
			return -1;
		if ((k = tw_xml_unescape(gt + 1, (size_t)(lt - gt - 1), texts)) < 0)
			return -1;
		if (memcmp(p, "<line>", 6) == 0) {
			memcpy(out, texts, (size_t)k);
			return k;
		}
		c.field[i] = texts;
		c.len[i++] = (size_t)k;
		texts += k;
		if ((p = memchr(lt + 1, '>', (size_t)(end - lt))) == NULL)
			return -1;
		p++;
	}
	c.nfields = i;
	return (long)clf_format(&c, out);
}

static void
any_bytes_encode_and_restore_exactly(void)
{
	char line[128], out[TW_HIT_ENCODED_MAX(128)], back[8192];
	int i;

	for (i = 0; i < 100000; i++) {
		size_t n = random_line(line, sizeof(line)), j;
		size_t m;

		/* Half the time, raw random bytes but no newline. */
		if (rnd(2))
			for (j = 0; j < n; j++)
				if ((line[j] = (char)rnd(256)) == '\n')
					line[j] = 'n';
		m = tw_hit_encode(line, n, 0, out);
		CHECK(m <= TW_HIT_ENCODED_MAX(n));
		CHECK_EQ(restore(out, m, back), (long)n);
		CHECK(memcmp(back, line, n) == 0);
	}
}

/* The worst line, all '<' (4 bytes each escaped), fits the bound. */
static void
a_long_line_encodes_within_the_bound(void)
{
	static char big[70000];
	size_t max = TW_HIT_ENCODED_MAX(sizeof(big)), n;
	char *out = malloc(max);

	CHECK(out != NULL);
	memset(big, '<', sizeof(big));
	n = tw_hit_encode(big, sizeof(big), 0, out);
	CHECK(n <= max);
	CHECK_EQ(n, 11 + 4 * sizeof(big) + 14);
	n = tw_hit_encode("", 0, 0, out);
	CHECK_EQ(n, strlen("<hit><line></line></hit>\n"));
	CHECK(memcmp(out, "<hit><line></line></hit>\n", n) == 0);
	free(out);
}

int
main(void)
{
	RUN(combined_gives_nine_fields);
	RUN(common_gives_seven_fields);
	RUN(apache_escaped_quotes_stay_in_the_field);
	RUN(empty_quoted_fields_are_fields);
	RUN(odd_lines_are_not_clf);
	RUN(every_accepted_line_formats_back_exactly);
	RUN(a_hit_of_a_combined_line_has_nine_elements);
	RUN(a_hit_of_an_odd_line_is_a_line_element);
	RUN(any_bytes_encode_and_restore_exactly);
	RUN(a_long_line_encodes_within_the_bound);
	return TAP_DONE();
}
