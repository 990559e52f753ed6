/*
 * test_lines.c - the line splitter and the address parser.
 */
#define _POSIX_C_SOURCE 200809L

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>

#include "tap.h"
#include "twirl.h"

static char out[1 << 16];
static size_t nout;
static int nlines, ncut;

/* Writes each line as "<line>|" (cut lines as "<line>~|"). */
static int
collect(void *arg, const char *line, size_t len, int flags)
{
	(void)arg;
	if (nout + len + 2 < sizeof(out)) {
		memcpy(out + nout, line, len);
		nout += len;
		if (flags & TW_LINE_CUT)
			out[nout++] = '~';
		out[nout++] = '|';
		out[nout] = '\0';
	}
	nlines++;
	if (flags & TW_LINE_CUT)
		ncut++;
	return 0;
}

static void
reset(void)
{
	nout = 0;
	out[0] = '\0';
	nlines = ncut = 0;
}

static void
lines_split_whatever_the_chunking(void)
{
	const char *text = "alpha\nbeta\r\n\ngamma delta\nlast";
	size_t len = strlen(text), step;

	for (step = 1; step <= len; step++) {
		tw_lines l;
		size_t off;

		reset();
		tw_lines_init(&l, 100);
		for (off = 0; off < len; off += step) {
			size_t n = len - off < step ? len - off : step, used;

			CHECK_EQ(tw_lines_feed(&l, text + off, n, collect, NULL,
			    &used), 0);
			CHECK_EQ(used, n);
		}
		CHECK(strcmp(out, "alpha|beta\r||gamma delta|") == 0);
		CHECK_EQ(tw_lines_pending(&l), 4);	/* "last" waits */
		tw_lines_finish(&l, collect, NULL);
		CHECK(strcmp(out, "alpha|beta\r||gamma delta|last|") == 0);
		tw_lines_free(&l);
	}
}

static void
a_long_line_is_cut_at_max_and_the_rest_skipped(void)
{
	tw_lines l;
	char big[100];
	size_t i;

	memset(big, 'x', sizeof(big));
	reset();
	tw_lines_init(&l, 8);
	tw_lines_feed(&l, "abc\n", 4, collect, NULL, NULL);
	/* 100 bytes in pieces of 7, then the end of the line. */
	for (i = 0; i < sizeof(big); i += 7)
		tw_lines_feed(&l, big + i, sizeof(big) - i < 7 ? sizeof(big) - i : 7,
		    collect, NULL, NULL);
	CHECK(tw_lines_pending(&l) <= 8);
	tw_lines_feed(&l, "yy\n12345678\n123456789\nok\n", 25, collect, NULL,
	    NULL);
	CHECK(strcmp(out, "abc|xxxxxxxx~|12345678|12345678~|ok|") == 0);
	CHECK_EQ(ncut, 2);
	CHECK(l.cap <= 8);	/* memory stayed bounded */
	tw_lines_free(&l);
}

static int
stop_at_second(void *arg, const char *line, size_t len, int flags)
{
	collect(arg, line, len, flags);
	return nlines == 2 ? 7 : 0;
}

static void
a_callback_can_stop_the_split(void)
{
	static const char text[] = "a\nb\nc\n";
	tw_lines l;
	size_t used;

	reset();
	tw_lines_init(&l, 64);
	CHECK_EQ(tw_lines_feed(&l, text, 6, stop_at_second, NULL, &used), 7);
	CHECK_EQ(used, 4);
	CHECK_EQ(tw_lines_feed(&l, &text[used], 6 - used, collect, NULL,
	    &used), 0);
	CHECK(strcmp(out, "a|b|c|") == 0);
	tw_lines_free(&l);
}

/* ------------------------------------------------------------ addresses */

static int
port_of(const tw_addr *a)
{
	if (a->ss.ss_family == AF_INET)
		return ntohs(((const struct sockaddr_in *)&a->ss)->sin_port);
	return ntohs(((const struct sockaddr_in6 *)&a->ss)->sin6_port);
}

static void
every_spec_address_form_parses(void)
{
	char err[128], buf[TW_ADDR_STRLEN];
	tw_addr a;

	CHECK_EQ(tw_addr_parse(&a, "8888", err, sizeof(err)), 0);
	CHECK_EQ(tw_addr_family(&a), AF_INET);
	CHECK(strcmp(tw_addr_format((struct sockaddr *)&a.ss, a.len, buf,
	    sizeof(buf)), "127.0.0.1:8888") == 0);

	CHECK_EQ(tw_addr_parse(&a, "0.0.0.0:80", err, sizeof(err)), 0);
	CHECK_EQ(port_of(&a), 80);
	CHECK_EQ(tw_addr_parse(&a, "localhost:65535", err, sizeof(err)), 0);
	CHECK_EQ(tw_addr_family(&a), AF_INET);
	CHECK_EQ(port_of(&a), 65535);

	CHECK_EQ(tw_addr_parse(&a, "[::1]:8888", err, sizeof(err)), 0);
	CHECK_EQ(tw_addr_family(&a), AF_INET6);
	CHECK(strcmp(tw_addr_format((struct sockaddr *)&a.ss, a.len, buf,
	    sizeof(buf)), "[::1]:8888") == 0);
	CHECK_EQ(tw_addr_parse(&a, "[::]:0", err, sizeof(err)), 0);

	CHECK_EQ(tw_addr_parse(&a, "unix:/run/x.sock", err, sizeof(err)), 0);
	CHECK_EQ(tw_addr_family(&a), AF_UNIX);
	CHECK(strcmp(tw_addr_format((struct sockaddr *)&a.ss, a.len, buf,
	    sizeof(buf)), "unix:/run/x.sock") == 0);
}

static void
bad_addresses_get_a_clear_reason(void)
{
	static const struct {
		const char *in, *why;
	} bad[] = {
		{ "", "empty address" },
		{ "65536", "bad port" },
		{ "-1", "bad port" },
		{ "80x", "bad port" },
		{ "host:", "bad port" },
		{ ":80", "missing host" },
		{ "1.2.3.4:99999", "bad port" },
		{ "::1:80", "IPv6 addresses go in brackets" },
		{ "[::1]", "missing ':PORT'" },
		{ "[::1:80", "missing ']'" },
		{ "[nope]:80", "bad IPv6 address" },
		{ "unix:", "empty unix socket path" },
		{ "no.such.host.invalid:80", "cannot resolve host" },
	};
	char err[128], path[200];
	size_t i;
	tw_addr a;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		if (tw_addr_parse(&a, bad[i].in, err, sizeof(err)) != -1 ||
		    strstr(err, bad[i].why) == NULL)
			printf("#   \"%s\" gave \"%s\"\n", bad[i].in, err);
		CHECK_EQ(tw_addr_parse(&a, bad[i].in, err, sizeof(err)), -1);
		CHECK(strstr(err, bad[i].why) != NULL);
	}
	memset(path, 'p', sizeof(path));
	memcpy(path, "unix:", 5);
	path[sizeof(path) - 1] = '\0';
	CHECK_EQ(tw_addr_parse(&a, path, err, sizeof(err)), -1);
	CHECK(strstr(err, "too long") != NULL);
}

int
main(void)
{
	RUN(lines_split_whatever_the_chunking);
	RUN(a_long_line_is_cut_at_max_and_the_rest_skipped);
	RUN(a_callback_can_stop_the_split);
	RUN(every_spec_address_form_parses);
	RUN(bad_addresses_get_a_clear_reason);
	return TAP_DONE();
}
