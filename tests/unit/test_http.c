/*
 * test_http.c - the request-head parser: every status, byte-at-a-time
 * feeding, the 8 KiB limit to the byte, the query and the headers kept;
 * and response heads.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "weblog/http.h"

static tw_http_req whole, bytes;

/* What a parse gave, as one line, so that two parses compare. */
static void
describe(const tw_http_req *r, int rc, size_t used, char *out, size_t cap)
{
	if (rc != 1) {
		snprintf(out, cap, "rc=%d used=%zu status=%d error=%s", rc,
		    used, r->status, r->error != NULL ? r->error : "");
		return;
	}
	snprintf(out, cap, "rc=1 used=%zu method=%d %.*s minor=%d keep=%d "
	    "path=%.*s query=%s%.*s host=%s%.*s leid=%s%.*s", used, r->method,
	    (int)r->mnamelen, r->mname, r->minor, r->keep_alive,
	    (int)r->pathlen, r->path, r->query ? "" : "(none)",
	    (int)r->querylen, r->query ? r->query : "",
	    r->host ? "" : "(none)", (int)r->hostlen, r->host ? r->host : "",
	    r->last_event_id ? "" : "(none)", (int)r->last_event_idlen,
	    r->last_event_id ? r->last_event_id : "");
}

/*
 * Parse s all at once into whole and one byte at a time into bytes; the
 * two must agree. Returns whole's result.
 */
static int
parse(const char *s, size_t len)
{
	static char a[9000], b[9000];
	size_t used_all, used = 0, u, i;
	int rc_all, rc = 0;

	tw_http_reset(&whole);
	tw_http_reset(&bytes);
	rc_all = tw_http_feed(&whole, s, len, &used_all);
	for (i = 0; i < len && rc == 0; i++) {
		rc = tw_http_feed(&bytes, s + i, 1, &u);
		used += u;
	}
	describe(&whole, rc_all, used_all, a, sizeof(a));
	describe(&bytes, rc, used, b, sizeof(b));
	if (strcmp(a, b) != 0) {
		printf("#   all at once:  %s\n#   byte by byte: %s\n", a, b);
		return -99;
	}
	return rc_all;
}

#define PARSE(s) parse(s, sizeof(s) - 1)

/* Is the result's [p, p+len) the string want? */
static int
is(const char *p, size_t len, const char *want)
{
	return p != NULL && len == strlen(want) && memcmp(p, want, len) == 0;
}

static void
a_simple_get_is_read(void)
{
	CHECK_EQ(PARSE("GET /hits?replay=5 HTTP/1.1\r\nHost: h:8080\r\n"
	    "User-Agent: curl/8\r\nAccept: */*\r\n\r\n"), 1);
	CHECK_EQ(whole.method, TW_HTTP_GET);
	CHECK(is(whole.mname, whole.mnamelen, "GET"));
	CHECK_EQ(whole.minor, 1);
	CHECK_EQ(whole.keep_alive, 1);
	CHECK(is(whole.path, whole.pathlen, "/hits"));
	CHECK(is(whole.query, whole.querylen, "replay=5"));
	CHECK(is(whole.host, whole.hostlen, "h:8080"));
	CHECK(whole.last_event_id == NULL);
}

static void
bare_lf_line_ends_are_read_like_crlf(void)
{
	CHECK_EQ(PARSE("HEAD / HTTP/1.0\nX: y\r\n\n"), 1);
	CHECK_EQ(whole.method, TW_HTTP_HEAD);
	CHECK_EQ(whole.minor, 0);
	CHECK(is(whole.path, whole.pathlen, "/"));
	CHECK(whole.query == NULL);
	CHECK(whole.host == NULL);
}

static void
methods_are_case_sensitive_tokens(void)
{
	CHECK_EQ(PARSE("POST / HTTP/1.0\r\n\r\n"), 1);
	CHECK_EQ(whole.method, TW_HTTP_OTHER);
	CHECK(is(whole.mname, whole.mnamelen, "POST"));
	CHECK_EQ(PARSE("get / HTTP/1.0\r\n\r\n"), 1);
	CHECK_EQ(whole.method, TW_HTTP_OTHER);
	CHECK_EQ(PARSE("GETS / HTTP/1.0\r\n\r\n"), 1);
	CHECK_EQ(whole.method, TW_HTTP_OTHER);
	CHECK_EQ(PARSE("HEA / HTTP/1.0\r\n\r\n"), 1);
	CHECK_EQ(whole.method, TW_HTTP_OTHER);
	CHECK_EQ(PARSE("G(T / HTTP/1.0\r\n\r\n"), -1);
	CHECK_EQ(whole.status, 400);
}

static void
empty_lines_before_the_request_are_skipped(void)
{
	CHECK_EQ(PARSE("\r\n\n\r\nGET /x HTTP/1.0\r\n\r\n"), 1);
	CHECK(is(whole.path, whole.pathlen, "/x"));
}

static void
the_fragment_is_dropped_and_the_query_kept_raw(void)
{
	CHECK_EQ(PARSE("GET /a/b?x=%41+b&y#frag?z HTTP/1.0\r\n\r\n"), 1);
	CHECK(is(whole.path, whole.pathlen, "/a/b"));
	CHECK(is(whole.query, whole.querylen, "x=%41+b&y"));
	CHECK_EQ(PARSE("GET /p#f HTTP/1.0\r\n\r\n"), 1);
	CHECK(is(whole.path, whole.pathlen, "/p"));
	CHECK(whole.query == NULL);
	CHECK_EQ(PARSE("GET /? HTTP/1.0\r\n\r\n"), 1);
	CHECK(is(whole.query, whole.querylen, ""));
	/* Raw UTF-8 as curl sends it. */
	CHECK_EQ(PARSE("GET /?match=caf\xc3\xa9 HTTP/1.0\r\n\r\n"), 1);
	CHECK(is(whole.query, whole.querylen, "match=caf\xc3\xa9"));
}

static void
keep_alive_follows_the_version_and_connection(void)
{
	CHECK_EQ(PARSE("GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n"),
	    1);
	CHECK_EQ(whole.keep_alive, 0);
	CHECK_EQ(PARSE("GET / HTTP/1.1\r\nHost: h\r\nconnection: Upgrade, "
	    " CLOSE \r\n\r\n"), 1);
	CHECK_EQ(whole.keep_alive, 0);
	CHECK_EQ(PARSE("GET / HTTP/1.0\r\n\r\n"), 1);
	CHECK_EQ(whole.keep_alive, 0);
	CHECK_EQ(PARSE("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n"), 1);
	CHECK_EQ(whole.keep_alive, 1);
	CHECK_EQ(PARSE("GET / HTTP/1.0\r\nConnection: keep-alive\r\n"
	    "Connection: close\r\n\r\n"), 1);
	CHECK_EQ(whole.keep_alive, 0);
	/* A later minor is read as 1.1. */
	CHECK_EQ(PARSE("GET / HTTP/1.7\r\nHost: h\r\n\r\n"), 1);
	CHECK_EQ(whole.minor, 1);
	CHECK_EQ(whole.keep_alive, 1);
}

static void
last_event_id_is_kept_trimmed(void)
{
	CHECK_EQ(PARSE("GET /hits HTTP/1.1\r\nHost: h\r\n"
	    "Last-Event-ID: \t 17-42 \t\r\n\r\n"), 1);
	CHECK(is(whole.last_event_id, whole.last_event_idlen, "17-42"));
	CHECK_EQ(PARSE("GET /hits HTTP/1.1\r\nlast-event-id: 1-1\r\nHost: h\r\n"
	    "LAST-EVENT-ID: 1-2\r\n\r\n"), 1);
	CHECK(is(whole.last_event_id, whole.last_event_idlen, "1-2"));
	CHECK(is(whole.host, whole.hostlen, "h"));
	CHECK_EQ(PARSE("GET /hits HTTP/1.1\r\nHost: h\r\nLast-Event-ID:\r\n\r\n"),
	    1);
	CHECK(whole.last_event_id != NULL);
	CHECK_EQ(whole.last_event_idlen, 0);
	/* A value may hold spaces and obs-text. */
	CHECK_EQ(PARSE("GET / HTTP/1.0\r\nLast-Event-ID: a b\xff\r\n\r\n"), 1);
	CHECK(is(whole.last_event_id, whole.last_event_idlen, "a b\xff"));
}

/* Each malformed head, and the status it gets. */
static void
every_refusal_has_its_status(void)
{
	static const struct {
		const char *head;
		size_t len;
		int status;
	} bad[] = {
#define B(head, status) { head, sizeof(head) - 1, status }
		B(" GET / HTTP/1.0\r\n\r\n", 400),
		B("GET  / HTTP/1.0\r\n\r\n", 400),
		B("GET / HTTP/1.0 \r\n\r\n", 400),
		B("GET /  HTTP/1.0\r\n\r\n", 400),
		B("GET\r\n\r\n", 400),
		B("GET /\r\n\r\n", 400),		/* HTTP/0.9 */
		B("GET / \r\n\r\n", 400),
		B("GET * HTTP/1.1\r\nHost: h\r\n\r\n", 400),
		B("GET http://h/ HTTP/1.1\r\nHost: h\r\n\r\n", 400),
		B("GET /a\x01 HTTP/1.0\r\n\r\n", 400),
		B("GET /a\x7f HTTP/1.0\r\n\r\n", 400),
		B("GET / http/1.0\r\n\r\n", 400),
		B("GET / HTTP/1.10\r\n\r\n", 400),
		B("GET / HTTP/1\r\n\r\n", 400),
		B("GET / HTTP/1.0\rX\r\n\r\n", 400),	/* CR without LF */
		B("GET / HTTP/1.0\r\nX\r\n\r\n", 400),	/* no colon */
		B("GET / HTTP/1.0\r\nX : y\r\n\r\n", 400),
		B("GET / HTTP/1.0\r\n: y\r\n\r\n", 400),
		B("GET / HTTP/1.0\r\nX: y\r\n z\r\n\r\n", 400),	/* folded */
		B("GET / HTTP/1.0\r\nX: a\0b\r\n\r\n", 400),
		B("GET / HTTP/1.0\r\nX: a\rb\r\n\r\n", 400),
		B("GET / HTTP/1.0\r\n\x80: y\r\n\r\n", 400),
		B("GET / HTTP/1.1\r\n\r\n", 400),		/* no Host */
		B("GET / HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n", 400),
		B("GET / HTTP/1.0\r\nContent-Length: x\r\n\r\n", 400),
		B("GET / HTTP/1.0\r\nContent-Length:\r\n\r\n", 400),
		B("GET / HTTP/1.0\r\nContent-Length: 1 2\r\n\r\n", 400),
		B("GET / HTTP/1.0\r\nContent-Length: -1\r\n\r\n", 400),
		B("POST / HTTP/1.0\r\nContent-Length: 5\r\n\r\nhello", 413),
		B("GET / HTTP/1.0\r\nContent-Length: 00000000000000000000001"
		    "\r\n\r\n", 413),
		B("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked"
		    "\r\n\r\n", 413),
		B("GET / HTTP/2.0\r\n\r\n", 505),
		B("GET / HTTP/0.9\r\n\r\n", 505),
#undef B
	};
	size_t i;
	int rc;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		rc = parse(bad[i].head, bad[i].len);
		if (rc != -1 || whole.status != bad[i].status ||
		    whole.error == NULL || *whole.error == '\0') {
			printf("#   case %zu: rc %d status %d\n", i, rc,
			    whole.status);
			CHECK(0);
		}
	}
	/* Content-Length: 0 is no body. */
	CHECK_EQ(PARSE("GET / HTTP/1.0\r\nContent-Length: 0\r\n\r\n"), 1);
}

static void
a_refused_byte_is_the_last_one_used(void)
{
	size_t used;

	tw_http_reset(&whole);
	CHECK_EQ(tw_http_feed(&whole, "GET / HTTP/1.0\r\nX y\r\n", 22, &used),
	    -1);
	CHECK_EQ(used, 18);	/* the space in "X y" */
	/* And it stays refused. */
	CHECK_EQ(tw_http_feed(&whole, "\r\n", 2, &used), -1);
	CHECK_EQ(used, 0);
}

/*
 * A head of exactly len bytes, counted to the final LF: the request line,
 * a Host, and one X header padded to fit.
 */
static size_t
head_of(char *buf, size_t len, const char *eol)
{
	size_t e = strlen(eol), n;

	n = (size_t)sprintf(buf, "GET / HTTP/1.1%sHost: h%sX: ", eol, eol);
	memset(buf + n, 'a', len - n - 2 * e);
	n = len - 2 * e;
	memcpy(buf + n, eol, e);
	memcpy(buf + n + e, eol, e);
	return len;
}

static void
the_head_limit_is_exact(void)
{
	static char buf[TW_HTTP_HEAD_MAX + 16];
	size_t used;

	CHECK_EQ(parse(buf, head_of(buf, TW_HTTP_HEAD_MAX, "\r\n")), 1);
	CHECK_EQ(parse(buf, head_of(buf, TW_HTTP_HEAD_MAX, "\n")), 1);
	CHECK_EQ(parse(buf, head_of(buf, TW_HTTP_HEAD_MAX + 1, "\r\n")), -1);
	CHECK_EQ(whole.status, 431);
	CHECK_EQ(parse(buf, head_of(buf, TW_HTTP_HEAD_MAX + 1, "\n")), -1);
	CHECK_EQ(whole.status, 431);
	/* The 8193rd byte is the one refused, whatever it is. */
	tw_http_reset(&whole);
	memset(buf, '\n', TW_HTTP_HEAD_MAX + 1);
	CHECK_EQ(tw_http_feed(&whole, buf, TW_HTTP_HEAD_MAX + 1, &used), -1);
	CHECK_EQ(used, TW_HTTP_HEAD_MAX + 1);
	CHECK_EQ(whole.status, 431);
	/* A target of nearly 8 KiB is kept whole. */
	memset(buf, 'p', sizeof(buf));
	memcpy(buf, "GET /", 5);
	memcpy(buf + TW_HTTP_HEAD_MAX - 11, " HTTP/1.0\n\n", 11);
	CHECK_EQ(parse(buf, TW_HTTP_HEAD_MAX), 1);
	CHECK_EQ(whole.pathlen, TW_HTTP_HEAD_MAX - 15);
}

static void
a_pipelined_request_is_left_for_the_next_parse(void)
{
	static const char two[] = "GET /a HTTP/1.1\r\nHost: h\r\n\r\n"
	    "GET /b HTTP/1.1\nHost: h\n\n";
	size_t used, more;

	tw_http_reset(&whole);
	CHECK_EQ(tw_http_feed(&whole, two, sizeof(two) - 1, &used), 1);
	CHECK_EQ(used, 28);
	CHECK(is(whole.path, whole.pathlen, "/a"));
	CHECK_EQ(tw_http_feed(&whole, two + used, 5, &more), 1);
	CHECK_EQ(more, 0);
	tw_http_reset(&whole);
	CHECK_EQ(tw_http_feed(&whole, two + used, sizeof(two) - 1 - used,
	    &more), 1);
	CHECK_EQ(more, sizeof(two) - 1 - used);
	CHECK(is(whole.path, whole.pathlen, "/b"));
	CHECK(whole.last_event_id == NULL);
}

static void
split_anywhere_gives_the_same_head(void)
{
	static const char s[] = "GET /hits?from=3-9&status=5xx HTTP/1.1\r\n"
	    "Host: example.org\r\nLast-Event-ID: 3-10\r\n"
	    "Connection: keep-alive, close\r\nContent-Length: 0\r\n\r\n";
	char a[512], b[512];
	size_t cut, u1, u2;
	int rc;

	tw_http_reset(&whole);
	rc = tw_http_feed(&whole, s, sizeof(s) - 1, &u1);
	CHECK_EQ(rc, 1);
	describe(&whole, rc, u1, a, sizeof(a));
	for (cut = 0; cut < sizeof(s) - 1; cut++) {
		tw_http_reset(&bytes);
		CHECK_EQ(tw_http_feed(&bytes, s, cut, &u1), 0);
		CHECK_EQ(tw_http_feed(&bytes, s + cut, sizeof(s) - 1 - cut,
		    &u2), 1);
		describe(&bytes, 1, u1 + u2, b, sizeof(b));
		CHECK(strcmp(a, b) == 0);
	}
}

static void
query_parameters_are_iterated_and_decoded(void)
{
	tw_http_param p;
	size_t pos = 0;
	char out[64];

	CHECK_EQ(PARSE("GET /hits?&replay=10&&match=GET+%2Fa%2b%zz%4&"
	    "%65xclude=10.0.0.0%2F8&status&status=4xx&x=%00y HTTP/1.0\r\n\r\n"),
	    1);
	CHECK_EQ(tw_http_param_next(&whole, &pos, &p), 1);
	CHECK(is(p.name, p.namelen, "replay") && is(p.value, p.valuelen, "10"));
	CHECK_EQ(tw_http_param_next(&whole, &pos, &p), 1);
	CHECK(is(p.name, p.namelen, "match"));
	CHECK(is(p.value, p.valuelen, "GET+%2Fa%2b%zz%4"));
	CHECK_EQ(tw_http_param_next(&whole, &pos, &p), 1);
	CHECK(is(p.name, p.namelen, "%65xclude"));
	CHECK_EQ(tw_http_param_next(&whole, &pos, &p), 1);
	CHECK(is(p.name, p.namelen, "status") && p.valuelen == 0);
	CHECK_EQ(tw_http_param_next(&whole, &pos, &p), 1);
	CHECK_EQ(tw_http_param_next(&whole, &pos, &p), 1);
	CHECK(is(p.name, p.namelen, "x"));
	CHECK_EQ(tw_http_param_next(&whole, &pos, &p), 0);
	CHECK_EQ(tw_http_param_next(&whole, &pos, &p), 0);

	CHECK_EQ(tw_http_get(&whole, "replay", out, sizeof(out)), 2);
	CHECK(strcmp(out, "10") == 0);
	/* '+' a space, %HH any case, a bad '%' kept. */
	CHECK_EQ(tw_http_get(&whole, "match", out, sizeof(out)), 12);
	CHECK(strcmp(out, "GET /a+%zz%4") == 0);
	/* The name is decoded too. */
	CHECK_EQ(tw_http_get(&whole, "exclude", out, sizeof(out)), 10);
	CHECK(strcmp(out, "10.0.0.0/8") == 0);
	/* The first of two; a name alone has an empty value. */
	CHECK_EQ(tw_http_get(&whole, "status", out, sizeof(out)), 0);
	CHECK(strcmp(out, "") == 0);
	CHECK_EQ(tw_http_get(&whole, "from", out, sizeof(out)), -1);
	CHECK_EQ(tw_http_get(&whole, "repla", out, sizeof(out)), -1);
	CHECK_EQ(tw_http_get(&whole, "replayx", out, sizeof(out)), -1);
	/* A NUL inside, and the room needed for the final one. */
	CHECK_EQ(tw_http_get(&whole, "x", out, 3), 2);
	CHECK(out[0] == '\0' && out[1] == 'y' && out[2] == '\0');
	CHECK_EQ(tw_http_get(&whole, "x", out, 2), -2);
	CHECK_EQ(tw_http_get(&whole, "replay", out, 0), -2);

	/* No query at all. */
	CHECK_EQ(PARSE("GET /hits HTTP/1.0\r\n\r\n"), 1);
	pos = 0;
	CHECK_EQ(tw_http_param_next(&whole, &pos, &p), 0);
	CHECK_EQ(tw_http_get(&whole, "replay", out, sizeof(out)), -1);
}

static void
decoding_never_grows(void)
{
	char out[16];

	CHECK_EQ(tw_http_decode("%41%4a%4A%", 10, out), 4);
	CHECK(memcmp(out, "AJJ%", 4) == 0);
	CHECK_EQ(tw_http_decode("%%41", 4, out), 2);
	CHECK(memcmp(out, "%A", 2) == 0);
	CHECK_EQ(tw_http_decode("a+%2B", 5, out), 3);
	CHECK(memcmp(out, "a +", 3) == 0);
	memcpy(out, "%e9x", 4);		/* in place */
	CHECK_EQ(tw_http_decode(out, 4, out), 2);
	CHECK(memcmp(out, "\xe9x", 2) == 0);
}

static int
head_is(const tw_http_head *h, const char *want)
{
	char out[512];
	long n = tw_http_head_format(h, out, sizeof(out));
	size_t cap;

	if (n < 0 || (size_t)n != strlen(want) || memcmp(out, want, (size_t)n)) {
		printf("#   got: %.*s", n < 0 ? 0 : (int)n, out);
		return 0;
	}
	/* Room for the head and snprintf's NUL, and not one byte less. */
	for (cap = 0; cap <= (size_t)n; cap++)
		if (tw_http_head_format(h, out, cap) != -1)
			return 0;
	return tw_http_head_format(h, out, (size_t)n + 1) == n;
}

static void
response_heads_are_written(void)
{
	tw_http_head h = { 200, "text/event-stream", "no-cache", -1, 0, 1 };
	tw_http_head e = { 404, "text/plain", NULL, 10, 0, 0 };
	tw_http_head c = { 200, "application/x-ndjson", NULL, -1, 1, 0 };
	tw_http_head m = { 405, NULL, NULL, 0, 0, 1 };

	CHECK(head_is(&h, "HTTP/1.1 200 OK\r\n"
	    "Content-Type: text/event-stream\r\nCache-Control: no-cache\r\n"
	    "Connection: close\r\n\r\n"));
	CHECK(head_is(&e, "HTTP/1.1 404 Not Found\r\n"
	    "Content-Type: text/plain\r\nContent-Length: 10\r\n"
	    "Connection: keep-alive\r\n\r\n"));
	CHECK(head_is(&c, "HTTP/1.1 200 OK\r\n"
	    "Content-Type: application/x-ndjson\r\n"
	    "Transfer-Encoding: chunked\r\nConnection: keep-alive\r\n\r\n"));
	CHECK(head_is(&m, "HTTP/1.1 405 Method Not Allowed\r\n"
	    "Content-Length: 0\r\nAllow: GET, HEAD\r\nConnection: close\r\n\r\n"));
	CHECK(strcmp(tw_http_reason(431), "Request Header Fields Too Large")
	    == 0);
	CHECK(strcmp(tw_http_reason(413), "Content Too Large") == 0);
	CHECK(strcmp(tw_http_reason(505), "HTTP Version Not Supported") == 0);
	CHECK(strcmp(tw_http_reason(299), "") == 0);
}

static void
chunk_sizes_are_hex_lines(void)
{
	char out[32];

	CHECK_EQ(tw_http_chunk(1, out), 3);
	CHECK(memcmp(out, "1\r\n", 3) == 0);
	CHECK_EQ(tw_http_chunk(255, out), 4);
	CHECK(memcmp(out, "ff\r\n", 4) == 0);
	CHECK_EQ(tw_http_chunk(0x10000, out), 7);
	CHECK(memcmp(out, "10000\r\n", 7) == 0);
	CHECK(tw_http_chunk((size_t)-1, out) <= 18);
}

int
main(void)
{
	RUN(a_simple_get_is_read);
	RUN(bare_lf_line_ends_are_read_like_crlf);
	RUN(methods_are_case_sensitive_tokens);
	RUN(empty_lines_before_the_request_are_skipped);
	RUN(the_fragment_is_dropped_and_the_query_kept_raw);
	RUN(keep_alive_follows_the_version_and_connection);
	RUN(last_event_id_is_kept_trimmed);
	RUN(every_refusal_has_its_status);
	RUN(a_refused_byte_is_the_last_one_used);
	RUN(the_head_limit_is_exact);
	RUN(a_pipelined_request_is_left_for_the_next_parse);
	RUN(split_anywhere_gives_the_same_head);
	RUN(query_parameters_are_iterated_and_decoded);
	RUN(decoding_never_grows);
	RUN(response_heads_are_written);
	RUN(chunk_sizes_are_hex_lines);
	return TAP_DONE();
}
