/*
 * test_logfmt.c - log formats: the nginx and Apache documentation's own
 * formats with real-looking lines and near misses, the presets, the
 * combined preset's strict Common and Combined rules, the round trip, and
 * the formats that are refused.
 */
#include <stdarg.h>
#include <string.h>

#include "clf_lines.h"
#include "tap.h"
#include "weblog/logfmt.h"

static char err[256];

static tw_logfmt *
compile(const char *format)
{
	tw_logfmt *f = tw_logfmt_compile(format, err, sizeof(err));

	if (f == NULL)
		printf("#   refused %s: %s\n", format, err);
	return f;
}

/*
 * The line matches f with exactly these fields, each "NAME=VALUE" for one
 * of the nine or "+NAME=VALUE" for the next extra field, NULL-terminated;
 * and formatting the record back gives the line. 1 if so, else 0 (said).
 */
static int
matches(const tw_logfmt *f, const char *line, ...)
{
	char back[4096];
	const char *w, *eq, *v;
	unsigned mask = 0;
	int nextra = 0, i, ok = 1;
	size_t len = strlen(line);
	tw_logrec r;
	va_list ap;
	long n;

	if (!tw_logfmt_parse(f, &r, line, len)) {
		printf("#   %s: no match: %s\n", tw_logfmt_text(f), line);
		return 0;
	}
	va_start(ap, line);
	while (ok && (w = va_arg(ap, const char *)) != NULL) {
		eq = strchr(w, '=');
		v = eq + 1;
		if (w[0] == '+') {
			ok = nextra < r.nextra &&
			    strlen(tw_logfmt_extra_name(f, nextra)) ==
			    (size_t)(eq - w - 1) &&
			    memcmp(tw_logfmt_extra_name(f, nextra), w + 1,
			    (size_t)(eq - w - 1)) == 0;
			i = TW_CLF_NFIELDS + nextra++;
		} else {
			i = clf_field_index(w, (size_t)(eq - w));
			mask |= TW_LOGFMT_BIT(i);
			ok = (r.present & TW_LOGFMT_BIT(i)) != 0;
		}
		if (ok)
			ok = r.len[i] == strlen(v) &&
			    memcmp(r.val[i], v, r.len[i]) == 0;
		if (!ok)
			printf("#   wrong or missing %s (got \"%.*s\")\n", w,
			    i >= 0 ? (int)r.len[i] : 0, i >= 0 ? r.val[i] : "");
	}
	va_end(ap);
	if (ok && (mask != r.present || nextra != r.nextra)) {
		printf("#   present %#x nextra %d, want %#x %d\n", r.present,
		    r.nextra, mask, nextra);
		ok = 0;
	}
	n = tw_logfmt_format(f, &r, back, sizeof(back));
	if (ok && (n != (long)len || memcmp(back, line, len) != 0)) {
		printf("#   formats back as %.*s\n", (int)n, back);
		ok = 0;
	}
	return ok;
}

static int
refuses(const tw_logfmt *f, const char *line)
{
	tw_logrec r;

	if (tw_logfmt_parse(f, &r, line, strlen(line))) {
		printf("#   %s accepted: %s\n", tw_logfmt_text(f), line);
		return 0;
	}
	return 1;
}

/* nginx's built-in "combined", as ngx_http_log_module documents it. */
static void
nginx_combined(void)
{
	tw_logfmt *f = compile("$remote_addr - $remote_user [$time_local] "
	    "\"$request\" $status $body_bytes_sent \"$http_referer\" "
	    "\"$http_user_agent\"");

	CHECK(f != NULL);
	CHECK_EQ(tw_logfmt_fields(f), 0x1ff & ~TW_LOGFMT_BIT(TW_CLF_IDENT));
	CHECK(matches(f, "203.0.113.7 - - [02/Dec/2026:13:55:36 +0000] "
	    "\"GET /index.html HTTP/1.1\" 200 612 \"-\" "
	    "\"Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101\"",
	    "client=203.0.113.7", "user=-",
	    "time=02/Dec/2026:13:55:36 +0000",
	    "request=GET /index.html HTTP/1.1", "status=200", "bytes=612",
	    "referrer=-",
	    "agent=Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101",
	    NULL));
	/* nginx writes '"' and '\' as \x22 and \x5C, and any other byte. */
	CHECK(matches(f, "2001:db8::1 - alice [02/Dec/2026:13:55:36 +0100] "
	    "\"GET /caf\\xC3\\xA9?q=\\x22x\\x22 HTTP/2.0\" 404 0 "
	    "\"https://example.org/a b\" \"curl/8.5.0\"",
	    "client=2001:db8::1", "user=alice",
	    "time=02/Dec/2026:13:55:36 +0100",
	    "request=GET /caf\\xC3\\xA9?q=\\x22x\\x22 HTTP/2.0",
	    "status=404", "bytes=0", "referrer=https://example.org/a b",
	    "agent=curl/8.5.0", NULL));
	CHECK(matches(f, "10.0.0.1 - - [t] \"\" 400 0 \"\" \"\"",
	    "client=10.0.0.1", "user=-", "time=t", "request=", "status=400",
	    "bytes=0", "referrer=", "agent=", NULL));
	/* Near misses. */
	CHECK(refuses(f, "203.0.113.7 - - [t] \"GET / HTTP/1.1\" 200 612 "
	    "\"-\""));					/* Common */
	CHECK(refuses(f, "203.0.113.7 x - [t] \"GET /\" 200 1 \"-\" \"a\""));
	CHECK(refuses(f, "203.0.113.7 - - [t] \"GET /\" 200 1 \"-\" \"a\" "));
	CHECK(refuses(f, "203.0.113.7 - - [t] \"GET /\" 200 1 \"-\" \"a\"\r"));
	CHECK(refuses(f, "203.0.113.7 - - [t] \"GET /\" 2OO 1 \"-\" \"a\""));
	CHECK(refuses(f, " - - [t] \"GET /\" 200 1 \"-\" \"a\""));
	CHECK(refuses(f, "h -  - [t] \"GET /\" 200 1 \"-\" \"a\""));
	tw_logfmt_free(f);
}

/* The "main" format of nginx's default nginx.conf. */
static void
nginx_main(void)
{
	tw_logfmt *f = compile("$remote_addr - $remote_user [$time_local] "
	    "\"$request\" $status $body_bytes_sent \"$http_referer\" "
	    "\"$http_user_agent\" \"$http_x_forwarded_for\"");

	CHECK(f != NULL);
	CHECK_EQ(tw_logfmt_nextra(f), 1);
	CHECK(strcmp(tw_logfmt_extra_name(f, 0), "http_x_forwarded_for") == 0);
	CHECK(matches(f, "172.17.0.1 - - [02/Dec/2026:08:01:02 +0000] "
	    "\"POST /api/v1/items HTTP/1.1\" 201 85 \"-\" \"okhttp/4.12.0\" "
	    "\"198.51.100.4, 10.1.2.3\"",
	    "client=172.17.0.1", "user=-", "time=02/Dec/2026:08:01:02 +0000",
	    "request=POST /api/v1/items HTTP/1.1", "status=201", "bytes=85",
	    "referrer=-", "agent=okhttp/4.12.0",
	    "+http_x_forwarded_for=198.51.100.4, 10.1.2.3", NULL));
	CHECK(refuses(f, "172.17.0.1 - - [t] \"GET /\" 200 1 \"-\" \"a\""));
	CHECK(refuses(f, "172.17.0.1 - - [t] \"GET /\" 200 1 \"-\" \"a\" -"));
	tw_logfmt_free(f);
}

/* ngx_http_log_module's own example, "compression". */
static void
nginx_compression(void)
{
	tw_logfmt *f = compile("$remote_addr - $remote_user [$time_local] "
	    "\"$request\" $status $bytes_sent \"$http_referer\" "
	    "\"$http_user_agent\" \"$gzip_ratio\"");

	CHECK(f != NULL);
	CHECK(matches(f, "192.0.2.1 - - [01/Dec/2026:23:59:59 -0500] "
	    "\"GET /big.js HTTP/1.1\" 200 10342 \"https://example.com/\" "
	    "\"Mozilla/5.0\" \"3.42\"",
	    "client=192.0.2.1", "user=-", "time=01/Dec/2026:23:59:59 -0500",
	    "request=GET /big.js HTTP/1.1", "status=200", "bytes=10342",
	    "referrer=https://example.com/", "agent=Mozilla/5.0",
	    "+gzip_ratio=3.42", NULL));
	CHECK(refuses(f, "192.0.2.1 - - [t] \"GET /\" 200 -5 \"-\" \"a\" \"-\""));
	tw_logfmt_free(f);
}

/* Timings and upstreams, with ${name} and a status before the request. */
static void
nginx_upstream_timing(void)
{
	tw_logfmt *f = compile("$remote_addr - $remote_user [$time_local] "
	    "\"$request\" $status $body_bytes_sent \"$http_referer\" "
	    "\"$http_user_agent\" $request_time $upstream_response_time "
	    "${upstream_addr}");
	tw_logfmt *g = compile("$time_local|$status|$request_time|"
	    "$upstream_addr|$request");

	CHECK(f != NULL && g != NULL);
	CHECK_EQ(tw_logfmt_nextra(f), 3);
	CHECK(matches(f, "198.51.100.23 - - [02/Dec/2026:14:00:00 +0000] "
	    "\"GET /api HTTP/1.1\" 502 157 \"-\" \"Go-http-client/1.1\" "
	    "30.001 30.000 10.0.0.5:8080",
	    "client=198.51.100.23", "user=-",
	    "time=02/Dec/2026:14:00:00 +0000", "request=GET /api HTTP/1.1",
	    "status=502", "bytes=157", "referrer=-",
	    "agent=Go-http-client/1.1", "+request_time=30.001",
	    "+upstream_response_time=30.000", "+upstream_addr=10.0.0.5:8080",
	    NULL));
	/* The last variable takes the rest of the line, spaces and all. */
	CHECK(matches(f, "198.51.100.23 - - [t] \"GET / HTTP/1.1\" 200 1 \"-\" "
	    "\"-\" 0.004 - 10.0.0.5:8080, 10.0.0.6:8080",
	    "client=198.51.100.23", "user=-", "time=t",
	    "request=GET / HTTP/1.1", "status=200", "bytes=1", "referrer=-",
	    "agent=-", "+request_time=0.004", "+upstream_response_time=-",
	    "+upstream_addr=10.0.0.5:8080, 10.0.0.6:8080", NULL));
	CHECK(refuses(f, "198.51.100.23 - - [t] \"GET / HTTP/1.1\" 200 1 "
	    "\"-\" \"-\" 0.004"));
	CHECK(matches(g, "02/Dec/2026:14:00:00 +0000|200|0.000|-|GET / "
	    "HTTP/1.1", "time=02/Dec/2026:14:00:00 +0000", "status=200",
	    "+request_time=0.000", "+upstream_addr=-",
	    "request=GET / HTTP/1.1", NULL));
	CHECK(refuses(g, "02/Dec/2026:14:00:00 +0000|ok|0.000|-|GET /"));
	tw_logfmt_free(f);
	tw_logfmt_free(g);
}

/* mod_log_config's documented formats, written as in httpd.conf. */
static void
apache_common_and_combined(void)
{
	tw_logfmt *common = compile("%h %l %u %t \\\"%r\\\" %>s %b");
	tw_logfmt *combined = compile("%h %l %u %t \\\"%r\\\" %>s %b "
	    "\\\"%{Referer}i\\\" \\\"%{User-agent}i\\\"");

	CHECK(common != NULL && combined != NULL);
	CHECK_EQ(tw_logfmt_fields(common), 0x7f);
	CHECK_EQ(tw_logfmt_fields(combined), 0x1ff);
	CHECK(matches(common, "127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] "
	    "\"GET /apache_pb.gif HTTP/1.0\" 200 2326",
	    "client=127.0.0.1", "ident=-", "user=frank",
	    "time=10/Oct/2000:13:55:36 -0700",
	    "request=GET /apache_pb.gif HTTP/1.0", "status=200",
	    "bytes=2326", NULL));
	CHECK(matches(combined, "127.0.0.1 - frank [10/Oct/2000:13:55:36 "
	    "-0700] \"GET /apache_pb.gif HTTP/1.0\" 200 2326 "
	    "\"http://www.example.com/start.html\" "
	    "\"Mozilla/4.08 [en] (Win98; I ;Nav)\"",
	    "client=127.0.0.1", "ident=-", "user=frank",
	    "time=10/Oct/2000:13:55:36 -0700",
	    "request=GET /apache_pb.gif HTTP/1.0", "status=200",
	    "bytes=2326", "referrer=http://www.example.com/start.html",
	    "agent=Mozilla/4.08 [en] (Win98; I ;Nav)", NULL));
	/* Apache escapes '"' and '\' with a backslash. */
	CHECK(matches(combined, "h - - [t] \"GET /\\\"x\\\" \\\\ HTTP/1.0\" "
	    "200 - \"-\" \"a \\\"quoted\\\" agent\"",
	    "client=h", "ident=-", "user=-", "time=t",
	    "request=GET /\\\"x\\\" \\\\ HTTP/1.0", "status=200", "bytes=-",
	    "referrer=-", "agent=a \\\"quoted\\\" agent", NULL));
	CHECK(refuses(common, "127.0.0.1 - frank [t] \"GET /\" 200 2326 "
	    "\"-\" \"a\""));
	CHECK(refuses(combined, "127.0.0.1 - frank [t] \"GET /\" 200 2326"));
	CHECK(refuses(combined, "h - - [t] \"GET /\\\" 200 1 \"-\" \"a\""));
	CHECK(refuses(combined, "h - - [t \"GET /\" 200 1 \"-\" \"a\""));
	tw_logfmt_free(common);
	tw_logfmt_free(combined);
}

static void
apache_vhost_referer_agent(void)
{
	tw_logfmt *vhost = compile("%v:%p %h %l %u %t \\\"%r\\\" %>s %O "
	    "\\\"%{Referer}i\\\" \\\"%{User-Agent}i\\\"");
	tw_logfmt *referer = compile("%{Referer}i -> %U");
	tw_logfmt *agent = compile("%{User-agent}i");

	CHECK(vhost != NULL && referer != NULL && agent != NULL);
	CHECK(matches(vhost, "www.example.com:443 192.0.2.9 - - "
	    "[02/Dec/2026:10:00:00 +0000] \"GET / HTTP/1.1\" 200 5120 "
	    "\"-\" \"Mozilla/5.0\"",
	    "+v=www.example.com", "+p=443", "client=192.0.2.9", "ident=-",
	    "user=-", "time=02/Dec/2026:10:00:00 +0000",
	    "request=GET / HTTP/1.1", "status=200", "bytes=5120",
	    "referrer=-", "agent=Mozilla/5.0", NULL));
	CHECK(refuses(vhost, "www.example.com 192.0.2.9 - - [t] \"GET /\" 200 "
	    "1 \"-\" \"a\""));
	CHECK(matches(referer, "http://www.example.com/links.html -> "
	    "/apache_pb.gif", "referrer=http://www.example.com/links.html",
	    "+U=/apache_pb.gif", NULL));
	CHECK(refuses(referer, "http://www.example.com/ /x"));
	/* One variable alone: every line, even an empty one, is a hit. */
	CHECK(matches(agent, "Mozilla/4.08 [en] (Win98; I ;Nav)",
	    "agent=Mozilla/4.08 [en] (Win98; I ;Nav)", NULL));
	CHECK(matches(agent, "", "agent=", NULL));
	tw_logfmt_free(vhost);
	tw_logfmt_free(referer);
	tw_logfmt_free(agent);
}

/* %{format}t, %D, %<s, a status list, %% and a literal '$'. */
static void
apache_extras_and_modifiers(void)
{
	tw_logfmt *f = compile("[%{%d/%b/%Y %T}t.%{msec_frac}t %{%z}t] "
	    "%a %<s %>s %D %400,501{User-agent}i %{X-Forwarded-For}i "
	    "100%% $5");

	CHECK(f != NULL);
	CHECK_EQ(tw_logfmt_nextra(f), 6);
	CHECK(matches(f, "[02/Dec/2026 13:55:36.123 +0000] 10.0.0.1 302 200 "
	    "5042 - 203.0.113.1 100% $5",
	    "+{%d/%b/%Y %T}t=02/Dec/2026 13:55:36", "+{msec_frac}t=123",
	    "+{%z}t=+0000", "client=10.0.0.1", "+<s=302", "status=200",
	    "+D=5042", "agent=-", "+{X-Forwarded-For}i=203.0.113.1", NULL));
	CHECK(refuses(f, "[02/Dec/2026 13:55:36.123 +0000] 10.0.0.1 302 200 "
	    "5042 - 203.0.113.1 100% $6"));
	tw_logfmt_free(f);
}

/* Each kind's other sigil is text; \t in the format is a tab. */
static void
the_first_sigil_decides_the_kind(void)
{
	tw_logfmt *n = compile("$status 100%\\t$request_time");
	tw_logfmt *a = compile("%s $request_time");

	CHECK(n != NULL && a != NULL);
	CHECK(matches(n, "200 100%\t0.5", "status=200", "+request_time=0.5",
	    NULL));
	CHECK(refuses(n, "200 100%%\t0.5"));
	CHECK(matches(a, "200 $request_time", "status=200", NULL));
	CHECK(refuses(a, "200 0.5"));
	tw_logfmt_free(n);
	tw_logfmt_free(a);
}

/* A second variable for a filled field is an extra field. */
static void
a_field_named_twice_is_an_extra_the_second_time(void)
{
	tw_logfmt *f = compile("$status $body_bytes_sent $bytes_sent "
	    "$status");

	CHECK(f != NULL);
	CHECK(matches(f, "200 10 250 200", "status=200", "bytes=10",
	    "+bytes_sent=250", "+status=200", NULL));
	/* A check belongs to the field: the extra takes any bytes. */
	CHECK(matches(f, "200 10 x y", "status=200", "bytes=10",
	    "+bytes_sent=x", "+status=y", NULL));
	tw_logfmt_free(f);
}

static void
presets_name_apaches_formats(void)
{
	tw_logfmt *c = compile("combined"), *m = compile("common");
	tw_logfmt *v = compile("vhost_combined");

	CHECK(c != NULL && m != NULL && v != NULL);
	CHECK(strcmp(tw_logfmt_text(c), "combined") == 0);
	CHECK(strcmp(tw_logfmt_text(v), "vhost_combined") == 0);
	CHECK_EQ(tw_logfmt_fields(c), 0x1ff);
	CHECK_EQ(tw_logfmt_fields(m), 0x7f);
	/* combined takes a Common line, with seven fields. */
	CHECK(matches(c, "::1 - - [01/Jan/2024:00:00:00 +0000] "
	    "\"GET / HTTP/1.1\" 304 -", "client=::1", "ident=-", "user=-",
	    "time=01/Jan/2024:00:00:00 +0000", "request=GET / HTTP/1.1",
	    "status=304", "bytes=-", NULL));
	CHECK(matches(m, "::1 - - [t] \"GET / HTTP/1.1\" 304 -", "client=::1",
	    "ident=-", "user=-", "time=t", "request=GET / HTTP/1.1",
	    "status=304", "bytes=-", NULL));
	CHECK(refuses(m, "::1 - - [t] \"GET / HTTP/1.1\" 304 - \"-\" \"-\""));
	CHECK(matches(v, "example.org:80 ::1 - - [t] \"GET /\" 200 1 \"r\" "
	    "\"a\"", "+v=example.org", "+p=80", "client=::1", "ident=-",
	    "user=-", "time=t", "request=GET /", "status=200", "bytes=1",
	    "referrer=r", "agent=a", NULL));
	tw_logfmt_free(c);
	tw_logfmt_free(m);
	tw_logfmt_free(v);
}

/* The delimiters before and after each field of a Combined line. */
static const char *const clf_before[TW_CLF_NFIELDS] = {
	"", " ", " ", " [", " \"", " ", " ", " \"", " \""
};
static const char *const clf_after[TW_CLF_NFIELDS] = {
	"", "", "", "]", "\"", "", "", "\"", "\""
};

/*
 * The combined preset took line[0..n): as Common or Combined, each field
 * keeping to its rules, and giving back the line. 1 if so, else 0 (said).
 */
static int
taken_as_clf(const tw_logfmt *f, const tw_logrec *r, const char *line,
    size_t n)
{
	char back[512];
	int i;

	if ((r->present != 0x7f && r->present != 0x1ff) || r->nextra != 0) {
		printf("#   present %#x nextra %d\n", r->present, r->nextra);
		return 0;
	}
	for (i = 0; i < TW_CLF_NFIELDS; i++)
		if ((r->present & TW_LOGFMT_BIT(i)) &&
		    !clf_field_ok(i, r->val[i], r->len[i])) {
			printf("#   %s breaks its rules: %.*s\n",
			    tw_clf_names[i], (int)r->len[i], r->val[i]);
			return 0;
		}
	if (tw_logfmt_format(f, r, back, sizeof(back)) != (long)n ||
	    memcmp(back, line, n) != 0) {
		printf("#   does not format back: %.*s\n", (int)n, line);
		return 0;
	}
	return 1;
}

/*
 * The combined preset is as strict as Common and Combined: a line is
 * split only when its fields, written back with single spaces, give the
 * same bytes (SPEC "Round trip"); anything else is sent as <line>.
 */
static void
the_combined_preset_takes_only_clf_lines(void)
{
	static const struct {
		const char *line;
		int nfields;			/* 7, 9, or 0: not CLF */
	} crafted[] = {
		{ "", 0 },
		{ "hello world", 0 },
		{ "h - - [t] \"GET /\" 200 1", 7 },
		{ "h - - [t] \"GET /\" 200 1 \"r\" \"a\"", 9 },
		{ "h - - [t] \"GET /\" 200 1 ", 0 },	/* trailing space */
		{ "h  - - [t] \"GET /\" 200 1", 0 },	/* two spaces */
		{ "h - - [t]  \"GET /\" 200 1", 0 },
		{ "h - - [t] \"GET /\" 200  1", 0 },
		{ "h - - [t] \"GET /\" 200 1\r", 0 },	/* CR ends the line */
		{ "h - - [t] \"GET /\" 200 1 \"r\"", 0 },	/* 8 fields */
		{ "h - - [t] \"GET /\" 200 1 \"r\" \"a\" \"x\"", 0 },
		{ "h - - [t] \"GET /\" 200 1 \"r\" \"a\" 17", 0 },
		{ "h - - [t] \"GET /\" 2x0 1", 0 },	/* status not digits */
		{ "h - - [t] \"GET /\" - 1", 0 },
		{ "h - - [t] \"GET /\" 200 1k", 0 },	/* bytes not digits */
		{ "h - - [t] \"GET /\" 200 -1", 0 },
		{ "h - - [t] \"GET /\" 200 --", 0 },
		{ "h - - [t] \"GET /\\\" 200 1", 0 },	/* escaped quote */
		{ "h - - [t] \"GET /\\\\\" 200 1", 7 },	/* escaped backslash */
		{ "h - - [t] \"GET /\\\"x\\\" \\\\ HTTP/1.0\" 200 1 \"-\" "
		  "\"a \\\"quoted\\\" agent\"", 9 },
		{ "h - - [t] \"GET /\" 200 1 \"r\\\\\\\"\" \"a\"", 9 },
		{ "h - - [t] \"GET /\" 200 1 \"r\" \"a\\", 0 },
		{ "h - - [t] \"GET /\" 200 1 \"r\" \"a\\\"", 0 },
		{ "h - - [t] \"GET /\" 200 1 \"", 0 },
		{ "h - - [t \"GET /\" 200 1", 0 },		/* no ] */
		{ "h - - t \"GET /\" 200 1", 0 },
		{ "h - - [[t] \"GET /\" 200 1", 7 },
		{ "h - - [t]] \"GET /\" 200 1", 0 },
		{ " - - [t] \"GET /\" 200 1", 0 },	/* empty client */
		{ "h - - [t] \"GET /\" 200", 0 },
		{ "h - - [] \"\" 0 - \"\" \"\"", 9 },
	};
	/* NUL, bytes that are not UTF-8, CR and tab are field text. */
	static const char odd[] = "h\xff \x01 - [\r] \"\0\xc3(\" 200 1 "
	    "\"\t\" \"\xed\xa0\x80\"";
	tw_logfmt *f = compile("combined");
	char line[128];
	int i, accepted = 0;
	tw_logrec r;
	size_t k, n;

	CHECK(f != NULL);
	for (k = 0; k < sizeof(crafted) / sizeof(crafted[0]); k++) {
		n = strlen(crafted[k].line);
		i = tw_logfmt_parse(f, &r, crafted[k].line, n);
		if (i != (crafted[k].nfields != 0))
			printf("#   %s: %s\n", i ? "accepted" : "refused",
			    crafted[k].line);
		CHECK_EQ(i, crafted[k].nfields != 0);
		if (i) {
			CHECK_EQ(r.present, (1u << crafted[k].nfields) - 1);
			CHECK(taken_as_clf(f, &r, crafted[k].line, n));
		}
	}
	CHECK(tw_logfmt_parse(f, &r, odd, sizeof(odd) - 1));
	CHECK(taken_as_clf(f, &r, odd, sizeof(odd) - 1));
	CHECK_EQ(r.len[TW_CLF_REQUEST], 3);
	CHECK(memcmp(r.val[TW_CLF_REQUEST], "\0\xc3(", 3) == 0);
	CHECK(memcmp(r.val[TW_CLF_AGENT], "\xed\xa0\x80", 3) == 0);
	for (i = 0; i < 300000; i++) {
		n = random_line(line, sizeof(line));
		if (!tw_logfmt_parse(f, &r, line, n))
			continue;
		accepted++;
		CHECK(taken_as_clf(f, &r, line, n));
	}
	CHECK(accepted > 1000);
	tw_logfmt_free(f);
}

/* n random bytes for field i that keep to its rules, at o. */
static size_t
random_field(int i, char *o)
{
	static const char alphabet[] = " \"[]\\-0123456789ab\t\r\x00\xff&<>x";
	size_t n = 0, len;
	char ch;

	if (i == TW_CLF_STATUS || i == TW_CLF_BYTES) {
		if (i == TW_CLF_BYTES && rnd(4) == 0) {
			o[0] = '-';
			return 1;
		}
		for (len = 1 + rnd(6); n < len; n++)
			o[n] = (char)('0' + rnd(10));
		return n;
	}
	for (len = rnd(12) + (i < TW_CLF_TIME); n < len;) {
		ch = alphabet[rnd(sizeof(alphabet) - 1)];
		if (i < TW_CLF_TIME ? ch == ' ' : i == TW_CLF_TIME ? ch == ']' :
		    ch == '"')
			continue;
		o[n++] = ch;
		if (ch == '\\' && i > TW_CLF_TIME)	/* it takes one more */
			o[n++] = alphabet[rnd(sizeof(alphabet) - 1)];
	}
	return n;
}

/* Every line of fields that keep to the rules is taken, those fields. */
static void
the_combined_preset_takes_every_clf_line(void)
{
	tw_logfmt *f = compile("combined");
	char line[512];
	size_t at[TW_CLF_NFIELDS], len[TW_CLF_NFIELDS], n, k;
	int round, nf, i, ok;
	tw_logrec r;

	CHECK(f != NULL);
	for (round = 0; round < 100000; round++) {
		nf = rnd(2) ? 9 : 7;
		for (n = 0, i = 0; i < nf; i++) {
			k = strlen(clf_before[i]);
			memcpy(line + n, clf_before[i], k);
			n += k;
			at[i] = n;
			n += len[i] = random_field(i, line + n);
			k = strlen(clf_after[i]);
			memcpy(line + n, clf_after[i], k);
			n += k;
		}
		ok = tw_logfmt_parse(f, &r, line, n) &&
		    r.present == (1u << nf) - 1 && r.nextra == 0;
		for (i = 0; ok && i < nf; i++)
			ok = r.val[i] == line + at[i] && r.len[i] == len[i];
		if (!ok)
			printf("#   not taken as %d fields: %.*s\n", nf, (int)n,
			    line);
		CHECK(ok);
	}
	tw_logfmt_free(f);
}

/* Random formats of random pieces, random lines: every match round-trips. */
static void
every_accepted_line_formats_back_exactly(void)
{
	static const char *pieces[] = {
		"$a", "$b", "${c}", "$status", "$body_bytes_sent", " ", "\"",
		"[", "]", "-", ":", "%", "\\\"", "x",
	};
	static const char alphabet[] = " \"[]\\-:0123456789x%";
	char fmt[8 * 16 + 1], line[64], back[128];
	int i, j, accepted = 0, compiled = 0;
	size_t n, m;
	tw_logfmt *f;
	tw_logrec r;

	for (i = 0; i < 20000; i++) {
		fmt[0] = '\0';
		m = 1 + rnd(8);
		for (j = 0; j < (int)m; j++)
			strcat(fmt, pieces[rnd(sizeof(pieces) /
			    sizeof(pieces[0]))]);
		if ((f = tw_logfmt_compile(fmt, err, sizeof(err))) == NULL)
			continue;
		compiled++;
		for (j = 0; j < 50; j++) {
			n = rnd(sizeof(line));
			for (m = 0; m < n; m++)
				line[m] = alphabet[rnd(sizeof(alphabet) - 1)];
			if (!tw_logfmt_parse(f, &r, line, n))
				continue;
			accepted++;
			CHECK_EQ(tw_logfmt_format(f, &r, back, sizeof(back)),
			    (long)n);
			CHECK(memcmp(back, line, n) == 0);
		}
		tw_logfmt_free(f);
	}
	CHECK(compiled > 1000);
	CHECK(accepted > 1000);
}

static void
format_sizes_and_refuses_records_that_do_not_fit(void)
{
	tw_logfmt *f = compile("combined");
	const char *line = "h - - [t] \"GET /\" 200 1 \"r\" \"a\"";
	size_t len = strlen(line);
	char back[64];
	tw_logrec r;

	CHECK(f != NULL);
	CHECK(tw_logfmt_parse(f, &r, line, len));
	memset(back, 'z', sizeof(back));
	CHECK_EQ(tw_logfmt_format(f, &r, back, len - 1), (long)len);
	CHECK_EQ(back[0], 'z');			/* nothing written */
	CHECK_EQ(tw_logfmt_format(f, &r, back, len), (long)len);
	CHECK(memcmp(back, line, len) == 0);
	r.present &= ~TW_LOGFMT_BIT(TW_CLF_AGENT);	/* eight fields */
	CHECK_EQ(tw_logfmt_format(f, &r, back, sizeof(back)), -1);
	r.present = 0x1ff;
	r.nextra = 1;
	CHECK_EQ(tw_logfmt_format(f, &r, back, sizeof(back)), -1);
	r.nextra = 0;
	r.present = 0x7f;			/* Common */
	CHECK_EQ(tw_logfmt_format(f, &r, back, sizeof(back)),
	    (long)strlen("h - - [t] \"GET /\" 200 1"));
	CHECK(memcmp(back, "h - - [t] \"GET /\" 200 1", 23) == 0);
	tw_logfmt_free(f);
}

/* The format, then the start of the reason it is refused. */
static void
unusable_formats_are_refused_with_a_reason(void)
{
	static const char *const cases[][2] = {
		{ "", "empty format" },
		{ "just text", "no nginx $variable or Apache %directive" },
		{ "%%", "no variables in it" },
		{ "$remote_addr$remote_user",
		  "$remote_addr and $remote_user have nothing between them" },
		{ "${a}${b}", "${a} and ${b} have nothing between them" },
		{ "%h%u", "%h and %u have nothing between them" },
		{ "%>s%400,501{Referer}i",
		  "%>s and %400,501{Referer}i have nothing between them" },
		{ "$a $", "'$' at byte 4 is not followed by a variable name" },
		{ "$a ${b", "'${' at byte 4 does not start a ${name}" },
		{ "$a ${}", "'${' at byte 4 does not start a ${name}" },
		{ "%h %", "'%' at byte 4 ends without a directive" },
		{ "%h %{Referer", "'%' at byte 4 opens a '{' with no '}'" },
		{ "%h %Z", "unknown Apache directive 'Z' at byte 5" },
		{ "%h %^tx", "unknown Apache directive '^' at byte 5" },
		{ "%h %i", "%i at byte 4 needs a {name}" },
		{ "%h %^ti", "%^ at byte 4 needs a {name}" },
		{ "$a\\n$b", "a newline in the format can never match" },
		{ "%h\n%u", "a newline in the format can never match" },
		{ "%{a\nb}i%h", "%{a?b}i and %h have nothing between them" },
	};
	char big[TW_LOGFMT_MAXLEN + 2], many[TW_LOGFMT_MAXVARS * 4 + 8];
	tw_logfmt *f;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		err[0] = '\0';
		CHECK(tw_logfmt_compile(cases[i][0], err, sizeof(err)) == NULL);
		if (strncmp(err, cases[i][1], strlen(cases[i][1])) != 0)
			printf("#   %s: %s\n", cases[i][0], err);
		CHECK(strncmp(err, cases[i][1], strlen(cases[i][1])) == 0);
	}
	memset(big, ' ', sizeof(big));
	memcpy(big, "$a", 2);
	big[sizeof(big) - 1] = '\0';
	CHECK(tw_logfmt_compile(big, err, sizeof(err)) == NULL);
	CHECK(strcmp(err, "longer than 4096 bytes") == 0);
	many[0] = '\0';
	for (i = 0; i <= TW_LOGFMT_MAXVARS; i++)
		strcat(many, "$a ");
	CHECK(tw_logfmt_compile(many, err, sizeof(err)) == NULL);
	CHECK(strcmp(err, "more than 64 variables") == 0);
	many[strlen("$a ") * TW_LOGFMT_MAXVARS] = '\0';
	f = tw_logfmt_compile(many, err, sizeof(err));
	CHECK(f != NULL);
	CHECK_EQ(tw_logfmt_nextra(f), TW_LOGFMT_MAXVARS);
	tw_logfmt_free(f);
}

int
main(void)
{
	RUN(nginx_combined);
	RUN(nginx_main);
	RUN(nginx_compression);
	RUN(nginx_upstream_timing);
	RUN(apache_common_and_combined);
	RUN(apache_vhost_referer_agent);
	RUN(apache_extras_and_modifiers);
	RUN(the_first_sigil_decides_the_kind);
	RUN(a_field_named_twice_is_an_extra_the_second_time);
	RUN(presets_name_apaches_formats);
	RUN(the_combined_preset_takes_only_clf_lines);
	RUN(the_combined_preset_takes_every_clf_line);
	RUN(every_accepted_line_formats_back_exactly);
	RUN(format_sizes_and_refuses_records_that_do_not_fit);
	RUN(unusable_formats_are_refused_with_a_reason);
	return TAP_DONE();
}
