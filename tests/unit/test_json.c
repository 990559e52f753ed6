/*
 * test_json.c - hits as JSON objects: the fields, tricky bytes, the size
 * bound, and python3's json module as an independent judge.
 */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "tap.h"
#include "weblog/clf.h"
#include "weblog/json.h"

static int
string_is(const char *in, size_t len, const char *want)
{
	static char out[TW_JSON_STRING_MAX(256)];
	size_t n = tw_json_string(in, len, out);

	if (n != strlen(want) || memcmp(out, want, n) != 0) {
		printf("#   got:  %.*s\n#   want: %s\n", (int)n, out, want);
		return 0;
	}
	return 1;
}

static int
line_is(const char *line, size_t len, const char *want)
{
	static char out[TW_JSON_HIT_MAX(1024)];
	size_t n = tw_json_line(line, len, out);

	if (n != strlen(want) || memcmp(out, want, n) != 0) {
		printf("#   got:  %.*s\n#   want: %s\n", (int)n, out, want);
		return 0;
	}
	return 1;
}

static void
combined_and_common_lines_give_their_fields(void)
{
	static const char combined[] = "1.2.3.4 - frank "
	    "[10/Oct/2000:13:55:36 -0700] \"GET /a\tb HTTP/1.0\" 200 2326 "
	    "\"\" \"Moz \\\"4\\\"\"";

	CHECK(line_is(combined, sizeof(combined) - 1, "{\"client\":\"1.2.3.4\","
	    "\"ident\":\"-\",\"user\":\"frank\","
	    "\"time\":\"10/Oct/2000:13:55:36 -0700\","
	    "\"request\":\"GET /a\\tb HTTP/1.0\",\"status\":\"200\","
	    "\"bytes\":\"2326\",\"referrer\":\"\","
	    "\"agent\":\"Moz \\\\\\\"4\\\\\\\"\"}"));
	/* Common: the first seven, "-" for bytes as logged. */
	CHECK(line_is("h - - [t] \"r\" 404 -", 19, "{\"client\":\"h\","
	    "\"ident\":\"-\",\"user\":\"-\",\"time\":\"t\",\"request\":\"r\","
	    "\"status\":\"404\",\"bytes\":\"-\"}"));
}

static void
other_lines_are_sent_whole(void)
{
	CHECK(line_is("", 0, "{\"line\":\"\"}"));
	CHECK(line_is("two  spaces", 11, "{\"line\":\"two  spaces\"}"));
	/* A trailing CR makes a line not CLF (clf.h). */
	CHECK(line_is("h - - [t] \"r\" 200 1\r", 20,
	    "{\"line\":\"h - - [t] \\\"r\\\" 200 1\\r\"}"));
}

static void
fields_given_directly_are_encoded(void)
{
	char out[TW_JSON_HIT_MAX(16)];
	tw_clf c;
	size_t n;
	int i;

	memset(&c, 0, sizeof(c));
	c.nfields = TW_CLF_COMMON;
	for (i = 0; i < c.nfields; i++) {
		c.field[i] = "\x01";
		c.len[i] = 1;
	}
	n = tw_json_hit(&c, NULL, 0, out);
	out[n] = '\0';
	CHECK(strcmp(out, "{\"client\":\"\\u0001\",\"ident\":\"\\u0001\","
	    "\"user\":\"\\u0001\",\"time\":\"\\u0001\","
	    "\"request\":\"\\u0001\",\"status\":\"\\u0001\","
	    "\"bytes\":\"\\u0001\"}") == 0);
	c.nfields = 0;
	n = tw_json_hit(&c, "x", 1, out);
	CHECK_EQ(n, 12);
	CHECK(memcmp(out, "{\"line\":\"x\"}", 12) == 0);
}

static void
every_byte_makes_valid_json_text(void)
{
	CHECK(string_is("a\"b\\c", 5, "\"a\\\"b\\\\c\""));
	CHECK(string_is("\b\f\n\r\t", 5, "\"\\b\\f\\n\\r\\t\""));
	CHECK(string_is("\0\x01\x1f", 3, "\"\\u0000\\u0001\\u001F\""));
	CHECK(string_is("\x7f/", 2, "\"\x7f/\""));	/* JSON allows both */
	CHECK(string_is("caf\xc3\xa9", 5, "\"caf\xc3\xa9\""));
	CHECK(string_is("\xf0\x9f\x98\x80", 4, "\"\xf0\x9f\x98\x80\""));
	CHECK(string_is("\xef\xbf\xbe", 3, "\"\xef\xbf\xbe\""));	/* U+FFFE */
	CHECK(string_is("\xe2\x80\xa8", 3, "\"\xe2\x80\xa8\""));	/* U+2028 */
	/* Not UTF-8: the text \xHH, its backslash escaped. */
	CHECK(string_is("caf\xe9", 4, "\"caf\\\\xE9\""));
	CHECK(string_is("\xff\xfe", 2, "\"\\\\xFF\\\\xFE\""));
	CHECK(string_is("\xc0\xaf", 2, "\"\\\\xC0\\\\xAF\""));	/* overlong */
	CHECK(string_is("\xed\xa0\x80", 3,
	    "\"\\\\xED\\\\xA0\\\\x80\""));				/* surrogate */
	CHECK(string_is("\xf4\x90\x80\x80", 4,
	    "\"\\\\xF4\\\\x90\\\\x80\\\\x80\""));			/* > U+10FFFF */
	CHECK(string_is("\xe2\x82", 2, "\"\\\\xE2\\\\x82\""));	/* cut short */
	CHECK(string_is("\xe2\x82" "a", 3, "\"\\\\xE2\\\\x82a\""));
	/* The stream's own \xHH text is kept, its backslash escaped. */
	CHECK(string_is("\\x41", 4, "\"\\\\x41\""));
}

static void
output_stays_within_the_bound(void)
{
	static char line[1024], out[TW_JSON_HIT_MAX(1024) + 1];
	size_t n;

	/* The worst byte: \u0001 is six. */
	memset(line, 1, sizeof(line));
	n = tw_json_line(line, sizeof(line), out);
	CHECK_EQ(n, sizeof(line) * 6 + 11);	/* {"line":""} */
	CHECK(n <= TW_JSON_HIT_MAX(sizeof(line)));
	/* Nine fields of one such byte each: keys and all within 256. */
	{
		static const char nine[] = "\x01 \x01 \x01 [\x01] \"\x01\" "
		    "1 1 \"\x01\" \"\x01\"";
		tw_clf c;

		CHECK_EQ(tw_clf_parse(&c, nine, sizeof(nine) - 1), 9);
		n = tw_json_line(nine, sizeof(nine) - 1, out);
		CHECK(n <= TW_JSON_HIT_MAX(sizeof(nine) - 1));
	}
}

/*
 * python3 reads each line "HEX<TAB>JSON": the object must parse, and its
 * string must be the bytes decoded as UTF-8 with each invalid byte written
 * \xHH, exactly.
 */
static const char judge[] =
    "import codecs, json, sys\n"
    "def hexes(e):\n"
    "    bad = e.object[e.start:e.end]\n"
    "    return ''.join('\\\\x%02X' % b for b in bad), e.end\n"
    "codecs.register_error('hexes', hexes)\n"
    "n = 0\n"
    "for rec in sys.stdin.buffer:\n"
    "    h, j = rec.rstrip(b'\\n').split(b'\\t', 1)\n"
    "    want = bytes.fromhex(h.decode()).decode('utf-8', 'hexes')\n"
    "    got = json.loads(j.decode('utf-8'))\n"
    "    if got != {'line': want}:\n"
    "        print('# mismatch:', h, j); sys.exit(1)\n"
    "    n += 1\n"
    "sys.exit(0 if n > 0 else 2)\n";

static void
python_json_reads_back_every_line(void)
{
	static char line[64], out[TW_JSON_HIT_MAX(64)];
	static const char pick[] = "\\\"x\x01\n\r\t\x7f\xc3\xa9\xe2\x82\xac"
	    "\xf0\x9f\x98\x80\xed\xa0\x80\xef\xbf\xbe\xc0\xff";
	char cmd[sizeof(judge) + 32], *q;
	const char *s;
	size_t len, i, n;
	int round, status;
	FILE *py;

	/* The script as one double-quoted shell word. */
	q = cmd + sprintf(cmd, "python3 -c \"");
	for (s = judge; *s != '\0'; s++) {
		if (*s == '"' || *s == '\\' || *s == '$' || *s == '`')
			*q++ = '\\';
		*q++ = *s;
	}
	strcpy(q, "\"");
	CHECK((py = popen(cmd, "w")) != NULL);
	srand(11);
	for (round = 0; round < 5000; round++) {
		len = (size_t)(rand() % (int)sizeof(line));
		for (i = 0; i < len; i++)
			line[i] = rand() % 4 ? pick[rand() %
			    (int)(sizeof(pick) - 1)] : (char)rand();
		/* Never CLF: fields go through the same tw_json_string(). */
		if (len > 0)
			line[0] = '\xff';
		for (i = 0; i < len; i++)
			fprintf(py, "%02x", (unsigned char)line[i]);
		fputc('\t', py);
		n = tw_json_line(line, len, out);
		fwrite(out, 1, n, py);
		fputc('\n', py);
	}
	status = pclose(py);
	CHECK(WIFEXITED(status));
	CHECK_EQ(WEXITSTATUS(status), 0);
}

int
main(void)
{
	RUN(combined_and_common_lines_give_their_fields);
	RUN(other_lines_are_sent_whole);
	RUN(fields_given_directly_are_encoded);
	RUN(every_byte_makes_valid_json_text);
	RUN(output_stays_within_the_bound);
	RUN(python_json_reads_back_every_line);
	return TAP_DONE();
}
