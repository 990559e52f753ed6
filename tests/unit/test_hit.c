/*
 * test_hit.c - the <hit> element of a line split by the "combined"
 * preset (tw_hit_rec), as weblog-serve sends it by default: the fields,
 * a line that is no hit of the format, escaping, and any bytes restored.
 */
#include <stdlib.h>
#include <string.h>

#include "clf_lines.h"
#include "tap.h"
#include "weblog/hit.h"
#include "weblog/logfmt.h"
#include "weblog/xmlesc.h"

static tw_logfmt *combined;

/* The hit of line[0..len), number seq, from source (NULL: none), in out. */
static size_t
hit(const char *line, size_t len, const char *source, unsigned long long seq,
    char *out)
{
	tw_logrec r;
	int ok = tw_logfmt_parse(combined, &r, line, len);

	return tw_hit_rec(combined, ok ? &r : NULL, line, len, source,
	    source != NULL ? strlen(source) : 0, seq, out);
}

static int
hit_is(const char *line, size_t len, const char *source,
    unsigned long long seq, const char *want)
{
	char out[TW_HIT_REC_MAX(256, 8, 16)];
	size_t n = hit(line, len, source, seq, out);

	if (n != strlen(want) || memcmp(out, want, n) != 0) {
		printf("#   got:  %.*s#   want: %s", (int)n, out, want);
		return 0;
	}
	return 1;
}

static void
a_hit_of_a_combined_line_has_nine_elements(void)
{
	const char *l = "1.2.3.4 - - [t] \"GET /<a>&b HTTP/1.0\" 200 5 \"-\" \"x\"";

	CHECK(hit_is(l, strlen(l), NULL, 0, "<hit><client>1.2.3.4</client>"
	    "<ident>-</ident><user>-</user><time>t</time>"
	    "<request>GET /&lt;a&gt;&amp;b HTTP/1.0</request>"
	    "<status>200</status><bytes>5</bytes><referrer>-</referrer>"
	    "<agent>x</agent></hit>\n"));
	/* Numbered, from a file, as a Common line: seven. */
	CHECK(hit_is(l, (size_t)(strstr(l, " \"-\"") - l), "a&b.log", 42,
	    "<hit n=\"42\"><source>a&amp;b.log</source><client>1.2.3.4</client>"
	    "<ident>-</ident><user>-</user><time>t</time>"
	    "<request>GET /&lt;a&gt;&amp;b HTTP/1.0</request>"
	    "<status>200</status><bytes>5</bytes></hit>\n"));
}

static void
a_hit_of_an_odd_line_is_a_line_element(void)
{
	const char l[] = "a\\x\r\0b";

	CHECK(hit_is(l, sizeof(l) - 1, NULL, 0,
	    "<hit><line>a\\x5Cx&#13;\\x00b</line></hit>\n"));
	/* Common with a trailing CR: not Common, sent whole. */
	CHECK(hit_is("h - - [t] \"r\" 200 1\r", 20, NULL, 7,
	    "<hit n=\"7\"><line>h - - [t] \"r\" 200 1&#13;</line></hit>\n"));
}

/*
 * Take the text of each element of a hit, unescape it and rebuild the
 * line: a <line> as it is, fields with the preset's tw_logfmt_format().
 */
static long
restore(const char *hit, size_t n, char *out, size_t size)
{
	const char *p = hit + 5, *end = hit + n - 7;	/* inside <hit>..</hit>\n */
	char *texts = out + size / 2;
	tw_logrec r;
	int i;

	if (n < 12 || memcmp(hit, "<hit>", 5) || memcmp(end, "</hit>\n", 7))
		return -1;
	r.present = 0;
	r.nextra = 0;
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
		if ((i = clf_field_index(p + 1, (size_t)(gt - p - 1))) < 0 ||
		    (r.present & ~(TW_LOGFMT_BIT(i) - 1)) != 0)
			return -1;		/* unknown, or out of order */
		r.val[i] = texts;
		r.len[i] = (size_t)k;
		r.present |= TW_LOGFMT_BIT(i);
		texts += k;
		if ((p = memchr(lt + 1, '>', (size_t)(end - lt))) == NULL)
			return -1;
		p++;
	}
	return tw_logfmt_format(combined, &r, out, size / 2);
}

static void
any_bytes_encode_and_restore_exactly(void)
{
	char line[128], out[TW_HIT_REC_MAX(128, 8, 0)], back[8192];
	int i, fields = 0;
	tw_logrec r;

	for (i = 0; i < 100000; i++) {
		size_t n = random_line(line, sizeof(line)), j;
		size_t m;

		/* Half the time, raw random bytes but no newline. */
		if (rnd(2))
			for (j = 0; j < n; j++)
				if ((line[j] = (char)rnd(256)) == '\n')
					line[j] = 'n';
		fields += tw_logfmt_parse(combined, &r, line, n);
		m = hit(line, n, NULL, 0, out);
		CHECK(m <= TW_HIT_REC_MAX(n, 8, 0));
		CHECK_EQ(restore(out, m, back, sizeof(back)), (long)n);
		CHECK(memcmp(back, line, n) == 0);
	}
	CHECK(fields > 1000);
}

/* The worst line, all '<' (4 bytes each escaped), fits the bound. */
static void
a_long_line_encodes_within_the_bound(void)
{
	static char big[70000];
	size_t max = TW_HIT_REC_MAX(sizeof(big), 8, 0), n;
	char *out = malloc(max);

	CHECK(out != NULL);
	memset(big, '<', sizeof(big));
	n = hit(big, sizeof(big), NULL, 0, out);
	CHECK(n <= max);
	CHECK_EQ(n, 11 + 4 * sizeof(big) + 14);
	n = hit("", 0, NULL, 0, out);
	CHECK_EQ(n, strlen("<hit><line></line></hit>\n"));
	CHECK(memcmp(out, "<hit><line></line></hit>\n", n) == 0);
	free(out);
}

int
main(void)
{
	combined = combined_preset();
	RUN(a_hit_of_a_combined_line_has_nine_elements);
	RUN(a_hit_of_an_odd_line_is_a_line_element);
	RUN(any_bytes_encode_and_restore_exactly);
	RUN(a_long_line_encodes_within_the_bound);
	tw_logfmt_free(combined);
	return TAP_DONE();
}
