/*
 * test_resp.c - the RESP reader (every reply type, split at every byte,
 * limits, protocol errors) and the command encoder.
 */
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "tap.h"
#include "redis/resp.h"

/*
 * A reply as text, to compare trees: "s:OK", "e:ERR x", "i:42", "b:4:ab\0d"
 * (bulk with its length), "n", "t", "f", "d:3.14", "B:123", "a2[...,...]",
 * "m1[k,v]", "S1[...]", "p1[...]". Also checks every node's shape.
 */
static size_t
dump(const tw_resp *v, char *out, size_t at, size_t cap)
{
	size_t i;
	int n = 0;

	if (at >= cap)
		return at;
	switch (v->type) {
	case TW_RESP_STATUS:
	case TW_RESP_ERROR:
	case TW_RESP_DOUBLE:
	case TW_RESP_BIGNUM:
	case TW_RESP_STRING:
		if (v->str == NULL || v->str[v->len] != '\0' || v->elem)
			return cap;
		n = snprintf(out + at, cap - at, "%c:%zu:",
		    "?seibnamSp?dB"[v->type], v->len);
		if (n < 0 || at + (size_t)n + v->len >= cap)
			return cap;
		at += (size_t)n;
		memcpy(out + at, v->str, v->len);
		at += v->len;
		out[at] = '\0';
		return at;
	case TW_RESP_INTEGER:
		n = snprintf(out + at, cap - at, "i:%lld", v->integer);
		break;
	case TW_RESP_NIL:
		n = snprintf(out + at, cap - at, "n");
		break;
	case TW_RESP_BOOL:
		n = snprintf(out + at, cap - at, "%s",
		    v->integer ? "t" : "f");
		break;
	case TW_RESP_ARRAY:
	case TW_RESP_MAP:
	case TW_RESP_SET:
	case TW_RESP_PUSH:
		if ((v->n > 0) != (v->elem != NULL) || v->str != NULL)
			return cap;
		n = snprintf(out + at, cap - at, "%c%zu[",
		    "?seibnamSp?dB"[v->type], v->n);
		if (n < 0 || at + (size_t)n >= cap)
			return cap;
		at += (size_t)n;
		for (i = 0; i < v->n; i++) {
			if (i > 0 && at < cap - 1)
				out[at++] = ',';
			at = dump(&v->elem[i], out, at, cap);
		}
		n = snprintf(out + at, cap - at, "]");
		break;
	default:
		return cap;
	}
	if (n < 0 || at + (size_t)n >= cap)
		return cap;
	return at + (size_t)n;
}

/*
 * Feed in[0..len) to r in pieces of step bytes (0: all at once) and dump
 * every reply into out, separated by " | "; a refusal ends with "ERR:why".
 * Returns the dump's length.
 */
static size_t
feed_all(tw_resp_reader *r, const char *in, size_t len, size_t step,
    char *out, size_t cap)
{
	size_t at = 0, i = 0, n, used;
	int rc;

	out[0] = '\0';
	while (i < len) {
		n = step == 0 || len - i < step ? len - i : step;
		rc = tw_resp_feed(r, in + i, n, &used);
		if (rc == -1) {
			at += (size_t)snprintf(out + at, cap - at, "ERR:%s",
			    r->error);
			return at;
		}
		if (used > n || (rc == 0 && used != n))
			return 0;
		i += used;
		if (rc == 1) {
			at = dump(tw_resp_reply(r), out, at, cap);
			if (at + 3 >= cap)
				return cap;
			memcpy(out + at, " | ", 4);
			at += 3;
		}
	}
	return at;
}

/* What in gives fed whole, and that every split gives the same. */
static int
same_split_anywhere(const char *in, size_t len, const char *want,
    size_t wantlen)
{
	static char whole[8192], part[8192];
	tw_resp_reader r;
	size_t step, cut, n, m;
	int ok = 1;

	tw_resp_init(&r);
	n = feed_all(&r, in, len, 0, whole, sizeof(whole));
	if (n != wantlen || memcmp(whole, want, n) != 0) {
		printf("#   got  \"%s\"\n#   want \"%s\"\n", whole, want);
		ok = 0;
	}
	for (step = 1; ok && step <= 3; step++) {
		tw_resp_reset(&r);
		m = feed_all(&r, in, len, step, part, sizeof(part));
		if (m != n || memcmp(part, whole, n) != 0) {
			printf("#   by %zu: \"%s\"\n", step, part);
			ok = 0;
		}
	}
	/* Two pieces, cut at every byte. */
	for (cut = 1; ok && cut < len; cut++) {
		const char *p = in;
		size_t used, at = 0, c = cut, plen = len;
		int rc;

		tw_resp_reset(&r);
		part[0] = '\0';
		rc = tw_resp_feed(&r, p, c, &used);
		while (rc == 1) {
			at = dump(tw_resp_reply(&r), part, at, sizeof(part));
			memcpy(part + at, " | ", 4);
			at += 3;
			p += used;
			plen -= used;
			c -= used;
			rc = c > 0 ? tw_resp_feed(&r, p, c, &used) : 0;
		}
		if (rc == 0)
			at += feed_all(&r, p + c, plen - c, 0,
			    part + at, sizeof(part) - at);
		else
			at += (size_t)snprintf(part + at, sizeof(part) - at,
			    "ERR:%s", r.error);
		if (at != n || memcmp(part, whole, n) != 0) {
			printf("#   cut at %zu: \"%s\"\n", cut, part);
			ok = 0;
		}
	}
	tw_resp_free(&r);
	return ok;
}

#define SAME(in, want) \
	CHECK(same_split_anywhere(in, sizeof(in) - 1, want, sizeof(want) - 1))

static void
reads_simple_types(void)
{
	SAME("+OK\r\n", "s:2:OK | ");
	SAME("+\r\n", "s:0: | ");
	SAME("-ERR wrong type\r\n", "e:14:ERR wrong type | ");
	SAME(":0\r\n:42\r\n:-7\r\n", "i:0 | i:42 | i:-7 | ");
	SAME(":9223372036854775807\r\n:-9223372036854775808\r\n",
	    "i:9223372036854775807 | i:-9223372036854775808 | ");
	SAME("$-1\r\n*-1\r\n_\r\n", "n | n | n | ");
	SAME("#t\r\n#f\r\n", "t | f | ");
	SAME(",3.14\r\n(12345678901234567890\r\n",
	    "d:4:3.14 | B:20:12345678901234567890 | ");
}

static void
reads_bulk_strings_binary_safe(void)
{
	SAME("$0\r\n\r\n", "b:0: | ");
	SAME("$5\r\nhello\r\n", "b:5:hello | ");
	/* CR, LF and NUL inside are data. */
	SAME("$6\r\na\r\nb\0c\r\n", "b:6:a\r\nb\0c | ");
	SAME("!9\r\nERR bulky\r\n", "e:9:ERR bulky | ");
	SAME("=8\r\ntxt:some\r\n", "b:8:txt:some | ");
}

static void
reads_nested_aggregates(void)
{
	SAME("*0\r\n", "a0[] | ");
	SAME("*2\r\n$3\r\nfoo\r\n:1\r\n", "a2[b:3:foo,i:1] | ");
	SAME("*3\r\n*2\r\n:1\r\n*1\r\n:2\r\n*0\r\n$-1\r\n",
	    "a3[a2[i:1,a1[i:2]],a0[],n] | ");
	/* XREAD's shape: streams, entries, fields. */
	SAME("*1\r\n*2\r\n$1\r\ns\r\n*1\r\n*2\r\n$3\r\n1-0\r\n"
	    "*2\r\n$1\r\nk\r\n$1\r\nv\r\n",
	    "a1[a2[b:1:s,a1[a2[b:3:1-0,a2[b:1:k,b:1:v]]]]] | ");
	SAME("%2\r\n+a\r\n:1\r\n+b\r\n*1\r\n#t\r\n",
	    "m4[s:1:a,i:1,s:1:b,a1[t]] | ");
	SAME("~2\r\n:1\r\n:2\r\n>2\r\n+message\r\n$2\r\nhi\r\n",
	    "S2[i:1,i:2] | p2[s:7:message,b:2:hi] | ");
}

static void
hands_over_one_reply_at_a_time(void)
{
	static const char in[] = "+OK\r\n:1\r\n*1\r\n+x\r\n";
	tw_resp_reader r;
	size_t used;

	tw_resp_init(&r);
	CHECK_EQ(tw_resp_feed(&r, in, sizeof(in) - 1, &used), 1);
	CHECK_EQ(used, 5);
	CHECK_EQ(tw_resp_reply(&r)->type, TW_RESP_STATUS);
	CHECK_EQ(tw_resp_feed(&r, in + 5, sizeof(in) - 6, &used), 1);
	CHECK_EQ(used, 4);
	CHECK_EQ(tw_resp_reply(&r)->integer, 1);
	CHECK_EQ(tw_resp_feed(&r, in + 9, sizeof(in) - 10, &used), 1);
	CHECK_EQ(used, sizeof(in) - 10);
	CHECK_EQ(tw_resp_reply(&r)->n, 1);
	CHECK(strcmp(tw_resp_reply(&r)->elem[0].str, "x") == 0);
	tw_resp_free(&r);
}

/* The reader refuses in, fed whole or a byte at a time, saying why. */
static int
refused(tw_resp_reader *r, const char *in, size_t len, const char *why)
{
	char out[256];
	size_t step;

	for (step = 0; step <= 1; step++) {
		tw_resp_reset(r);
		feed_all(r, in, len, step, out, sizeof(out));
		if (strncmp(out, "ERR:", 4) != 0 || strcmp(out + 4, why) != 0) {
			printf("#   by %zu: \"%s\", want \"%s\"\n", step, out,
			    why);
			return 0;
		}
	}
	return 1;
}

#define REFUSED(r, in, why) CHECK(refused(r, in, sizeof(in) - 1, why))

static void
refuses_what_is_not_resp(void)
{
	tw_resp_reader r;
	size_t used;

	tw_resp_init(&r);
	REFUSED(&r, "OK\r\n", "not a reply type");
	REFUSED(&r, "+OK\n", "line does not end with CRLF");
	REFUSED(&r, "\n", "line does not end with CRLF");
	REFUSED(&r, ":12a\r\n", "bad integer");
	REFUSED(&r, ":\r\n", "bad integer");
	REFUSED(&r, ":-\r\n", "bad integer");
	REFUSED(&r, ":9223372036854775808\r\n", "bad integer");
	REFUSED(&r, "$-2\r\n", "bad bulk length");
	REFUSED(&r, "$?\r\n", "bad bulk length");
	REFUSED(&r, "!-1\r\n", "bad bulk length");
	REFUSED(&r, "$3\r\nfooXY", "bulk string does not end with CRLF");
	REFUSED(&r, "*-2\r\n", "bad aggregate length");
	REFUSED(&r, "*?\r\n", "bad aggregate length");
	REFUSED(&r, "%-1\r\n", "bad aggregate length");
	REFUSED(&r, "#x\r\n", "bad boolean");
	REFUSED(&r, "_x\r\n", "bad null");
	REFUSED(&r, "|1\r\n+a\r\n+b\r\n", "RESP3 attributes are not supported");
	REFUSED(&r, "*2\r\n:1\r\n?\r\n", "not a reply type");
	/* Failed stays failed, until reset. */
	CHECK_EQ(tw_resp_feed(&r, "+OK\r\n", 5, &used), -1);
	tw_resp_reset(&r);
	CHECK_EQ(tw_resp_feed(&r, "+OK\r\n", 5, &used), 1);
	tw_resp_free(&r);
}

static void
refuses_past_its_limits(void)
{
	char big[600];
	tw_resp_reader r;
	size_t used;
	int i;

	tw_resp_init(&r);
	r.max_bytes = 64;
	r.max_elems = 4;
	r.max_depth = 2;
	/* A bulk string's header is enough to refuse it. */
	REFUSED(&r, "$59\r\n", "bulk string longer than the limit");
	REFUSED(&r, "$1000000000000\r\n", "bulk string longer than the limit");
	REFUSED(&r, "*1\r\n$54\r\n", "bulk string longer than the limit");
	/* Just fits: 5 + 57 + 2 = 64 bytes. */
	memset(big, 'x', sizeof(big));
	memcpy(big, "$57\r\n", 5);
	memcpy(big + 62, "\r\n", 2);
	tw_resp_reset(&r);
	CHECK_EQ(tw_resp_feed(&r, big, 64, &used), 1);
	CHECK_EQ(tw_resp_reply(&r)->len, 57);
	/* A line that never ends, and many small pieces. */
	memset(big, 'x', sizeof(big));
	big[0] = '+';
	CHECK(refused(&r, big, 100, "reply longer than the limit"));
	REFUSED(&r, "*9\r\n:1\r\n:1\r\n:1\r\n:1\r\n:1\r\n:1\r\n:1\r\n"
	    ":1\r\n:1\r\n", "more elements than the limit");
	REFUSED(&r, "*5\r\n", "more elements than the limit");
	REFUSED(&r, "*1000000000\r\n", "more elements than the limit");
	REFUSED(&r, "%3\r\n", "more elements than the limit");
	REFUSED(&r, "*1\r\n*1\r\n*1\r\n:1\r\n", "nested deeper than the limit");
	tw_resp_reset(&r);
	CHECK_EQ(tw_resp_feed(&r, "*1\r\n*1\r\n:1\r\n", 12, &used), 1);
	/* Deep nesting at the hard limit costs no recursion. */
	tw_resp_free(&r);
	tw_resp_init(&r);
	r.max_depth = TW_RESP_DEPTH_LIMIT;
	tw_resp_reset(&r);
	for (i = 0; i < TW_RESP_DEPTH_LIMIT; i++)
		CHECK_EQ(tw_resp_feed(&r, "*1\r\n", 4, &used), 0);
	CHECK_EQ(tw_resp_feed(&r, "*1\r\n", 4, &used), -1);
	CHECK(strcmp(r.error, "nested deeper than the limit") == 0);
	tw_resp_free(&r);
}

/* A large reply frees its buffers before the next one; results hold. */
static void
reads_a_large_reply_then_a_small_one(void)
{
	static char in[200 * 1024];
	tw_resp_reader r;
	size_t len, used, i;

	len = (size_t)sprintf(in, "*%d\r\n", 20000);
	for (i = 0; i < 20000; i++)
		len += (size_t)sprintf(in + len, "$3\r\n%03zu\r\n", i % 1000);
	tw_resp_init(&r);
	CHECK_EQ(tw_resp_feed(&r, in, len, &used), 1);
	CHECK_EQ(used, len);
	CHECK_EQ(tw_resp_reply(&r)->n, 20000);
	CHECK(strcmp(tw_resp_reply(&r)->elem[19999].str, "999") == 0);
	CHECK_EQ(tw_resp_feed(&r, ":5\r\n", 4, &used), 1);
	CHECK_EQ(tw_resp_reply(&r)->integer, 5);
	CHECK(r.cap <= 64 * 1024);
	tw_resp_free(&r);
}

static void
encodes_commands_as_bulk_arrays(void)
{
	const char *argv[] = { "HINCRBY", "fib", "reserved", "1000" };
	const size_t argl[] = { 7, 3, 8, 4 };
	const char *bin[] = { "SET", "k\r\n", "a\0b" };
	const size_t binl[] = { 3, 3, 3 };
	static const char want[] = "*4\r\n$7\r\nHINCRBY\r\n$3\r\nfib\r\n"
	    "$8\r\nreserved\r\n$4\r\n1000\r\n";
	static const char wantbin[] = "*3\r\n$3\r\nSET\r\n$3\r\nk\r\n\r\n"
	    "$3\r\na\0b\r\n";
	char out[128];
	tw_resp_reader r;
	size_t n, used;

	CHECK_EQ(tw_resp_encode(NULL, 0, 4, argv, argl), sizeof(want) - 1);
	memset(out, '#', sizeof(out));
	CHECK_EQ(tw_resp_encode(out, sizeof(out), 4, argv, argl),
	    sizeof(want) - 1);
	CHECK(memcmp(out, want, sizeof(want) - 1) == 0);
	CHECK_EQ(out[sizeof(want) - 1], '#');
	/* Too small: nothing past cap is touched. */
	memset(out, '#', sizeof(out));
	CHECK_EQ(tw_resp_encode(out, 10, 4, argv, argl), sizeof(want) - 1);
	CHECK_EQ(out[10], '#');
	n = tw_resp_encode(out, sizeof(out), 3, bin, binl);
	CHECK_EQ(n, sizeof(wantbin) - 1);
	CHECK(memcmp(out, wantbin, n) == 0);
	CHECK_EQ(tw_resp_encode(out, sizeof(out), 0, bin, binl), 0);
	/* A command is a reply too: the reader reads it back. */
	tw_resp_init(&r);
	CHECK_EQ(tw_resp_feed(&r, out, n, &used), 1);
	CHECK_EQ(tw_resp_reply(&r)->n, 3);
	CHECK_EQ(tw_resp_reply(&r)->elem[2].len, 3);
	CHECK(memcmp(tw_resp_reply(&r)->elem[2].str, "a\0b", 3) == 0);
	tw_resp_free(&r);
	/* A 10-digit length. */
	{
		const char *a[] = { "x" };
		size_t l[] = { 1234567890 };

		CHECK_EQ(tw_resp_encode(NULL, 0, 1, a, l),
		    4 + 13 + 1234567890 + 2);
	}
}

static void
names_types(void)
{
	CHECK(strcmp(tw_resp_type_name(TW_RESP_INTEGER), "integer") == 0);
	CHECK(strcmp(tw_resp_type_name(TW_RESP_BIGNUM), "big number") == 0);
	CHECK(strcmp(tw_resp_type_name(99), "?") == 0);
}

int
main(void)
{
	RUN(reads_simple_types);
	RUN(reads_bulk_strings_binary_safe);
	RUN(reads_nested_aggregates);
	RUN(hands_over_one_reply_at_a_time);
	RUN(refuses_what_is_not_resp);
	RUN(refuses_past_its_limits);
	RUN(reads_a_large_reply_then_a_small_one);
	RUN(encodes_commands_as_bulk_arrays);
	RUN(names_types);
	return TAP_DONE();
}
