/*
 * test_anon.c - the client field anonymised: IPv4 keeps 3 bytes, IPv6 48
 * bits, canonical forms, and anything else becomes "-".
 */
#include <string.h>

#include "tap.h"
#include "weblog/anon.h"

/* tw_anon_client(client[0..len)) is want, its length returned. */
static int
anon_is_n(const char *client, size_t len, const char *want)
{
	char out[TW_ANON_MAX];
	size_t n;

	memset(out, 'Z', sizeof(out));
	n = tw_anon_client(client, len, out);
	if (n != strlen(want) || strcmp(out, want) != 0) {
		printf("#   \"%.*s\": got \"%s\" (%zu), want \"%s\"\n",
		    (int)len, client, out, n, want);
		return 0;
	}
	return 1;
}

static int
anon_is(const char *client, const char *want)
{
	return anon_is_n(client, strlen(client), want);
}

static void
ipv4_keeps_its_first_three_bytes(void)
{
	CHECK(anon_is("203.0.113.77", "203.0.113.0"));
	CHECK(anon_is("203.0.113.0", "203.0.113.0"));
	CHECK(anon_is("0.0.0.0", "0.0.0.0"));
	CHECK(anon_is("255.255.255.255", "255.255.255.0"));
	CHECK(anon_is("10.1.2.3", "10.1.2.0"));
	/* The field is client[0..len), not NUL-terminated. */
	CHECK(anon_is_n("10.1.2.34 -", 8, "10.1.2.0"));
}

static void
ipv6_keeps_its_first_48_bits_in_canonical_form(void)
{
	CHECK(anon_is("2001:db8:abcd:12::1", "2001:db8:abcd::"));
	CHECK(anon_is("2001:0DB8:ABCD:0012:0000:0000:0000:0001",
	    "2001:db8:abcd::"));
	CHECK(anon_is("2001:db8:abcd:ffff:ffff:ffff:ffff:ffff",
	    "2001:db8:abcd::"));
	CHECK(anon_is("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
	    "ffff:ffff:ffff::"));
	CHECK(anon_is("2001:db8::1", "2001:db8::"));
	CHECK(anon_is("::1", "::"));
	CHECK(anon_is("::", "::"));
	CHECK(anon_is("fe80::1", "fe80::"));
	/* IPv4-compatible (deprecated) is IPv6: its 48 bits are zero. */
	CHECK(anon_is("::10.1.2.3", "::"));
}

static void
an_ipv4_mapped_address_is_anonymised_as_ipv4(void)
{
	CHECK(anon_is("::ffff:203.0.113.77", "::ffff:203.0.113.0"));
	CHECK(anon_is("::FFFF:CB00:714D", "::ffff:203.0.113.0"));
	/* The longest form there is, 45 bytes. */
	CHECK(anon_is("0000:0000:0000:0000:0000:ffff:255.255.255.255",
	    "::ffff:255.255.255.0"));
}

static void
a_client_that_is_not_an_address_becomes_a_dash(void)
{
	CHECK(anon_is("dsl-203-0-113-77.example.net", "-"));
	CHECK(anon_is("localhost", "-"));
	CHECK(anon_is("", "-"));
	CHECK(anon_is("-", "-"));
	CHECK(anon_is("203.0.113.77:8080", "-"));
	CHECK(anon_is("[2001:db8::1]", "-"));
	CHECK(anon_is("fe80::1%eth0", "-"));
	CHECK(anon_is("203.0.113", "-"));
	CHECK(anon_is("203.0.113.077", "-"));
	CHECK(anon_is(" 203.0.113.77", "-"));
	CHECK(anon_is("0000:0000:0000:0000:0000:ffff:255.255.255.2555", "-"));
	CHECK(anon_is_n("10.1.2.3\0", 9, "-"));
	CHECK(anon_is_n("\xff\xfe", 2, "-"));
}

int
main(void)
{
	RUN(ipv4_keeps_its_first_three_bytes);
	RUN(ipv6_keeps_its_first_48_bits_in_canonical_form);
	RUN(an_ipv4_mapped_address_is_anonymised_as_ipv4);
	RUN(a_client_that_is_not_an_address_becomes_a_dash);
	return TAP_DONE();
}
