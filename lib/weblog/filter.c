/*
 * filter.c - parse the --status, --match and --exclude values, and pass or
 * filter a hit by them.
 */
#define _POSIX_C_SOURCE 200809L

#include <arpa/inet.h>
#include <limits.h>
#include <regex.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "filter.h"

/* Groups nested deeper than this in a regex are refused. */
#define REGEX_DEPTH 32

const char *const tw_filter_names[TW_FILTER_NKINDS] = {
	"status", "match", "exclude"
};

/*
 * The offending item, for an error message: at most 64 of its bytes,
 * printable ASCII as it is and any other byte as \xHH, so that a query's
 * %0A cannot break the message's line.
 */
static void
quote(char *out, size_t cap, const char *s, size_t len)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t i, o = 0;

	for (i = 0; i < len && i < 64 && o + 5 < cap; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c >= 0x20 && c < 0x7f) {
			out[o++] = (char)c;
		} else {
			out[o++] = '\\';
			out[o++] = 'x';
			out[o++] = hex[c >> 4];
			out[o++] = hex[c & 15];
		}
	}
	if (i < len && o + 4 < cap) {
		memcpy(out + o, "...", 3);
		o += 3;
	}
	out[o] = '\0';
}

/* "ITEM: why", ITEM being s[0..len) quoted. Returns -1. */
static int
fail(char *err, size_t errlen, const char *s, size_t len, const char *fmt,
    ...)
{
	char item[300], why[200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	quote(item, sizeof(item), s, len);
	if (errlen > 0)
		snprintf(err, errlen, "%s%s%s", item, *item ? ": " : "", why);
	return -1;
}

/* ------------------------------------------------------------ status */

/* Exactly three decimal digits: their value; else -1. */
static int
three_digits(const char *s, size_t len)
{
	size_t i;
	int v = 0;

	if (len != 3)
		return -1;
	for (i = 0; i < 3; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

/* One item of a status list, s[0..len) without its blanks, into set. */
static int
status_item(const char *s, size_t len, unsigned char *set, char *err,
    size_t errlen)
{
	const char *dash = memchr(s, '-', len);
	int lo, hi, i;

	if (len == 3 && (s[1] == 'x' || s[1] == 'X') &&
	    (s[2] == 'x' || s[2] == 'X')) {
		if (s[0] < '1' || s[0] > '5')
			return fail(err, errlen, s, len,
			    "not a status class (1xx to 5xx)");
		lo = (s[0] - '0') * 100;
		hi = lo + 99;
	} else if (dash != NULL) {
		lo = three_digits(s, (size_t)(dash - s));
		hi = three_digits(dash + 1, len - (size_t)(dash - s) - 1);
		if (lo < 0 || hi < 0)
			return fail(err, errlen, s, len,
			    "not a range of two statuses like 400-499");
		if (lo < 100 || hi > 599)
			return fail(err, errlen, s, len,
			    "a status is from 100 to 599");
		if (lo > hi)
			return fail(err, errlen, s, len,
			    "a reversed range (%d is above %d)", lo, hi);
	} else if ((lo = hi = three_digits(s, len)) < 0) {
		return fail(err, errlen, s, len, "not a status, a class like "
		    "5xx or a range like 400-499");
	} else if (lo < 100 || lo > 599) {
		return fail(err, errlen, s, len, "a status is from 100 to 599");
	}
	for (i = lo; i <= hi; i++)
		set[i / 8] |= (unsigned char)(1u << (i % 8));
	return 0;
}

static int
is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* A whole list: every item or none of them. */
static int
add_status(tw_filter *f, const char *v, size_t len, char *err, size_t errlen)
{
	unsigned char set[sizeof(f->status)] = { 0 };
	size_t i = 0, start, end;

	for (;;) {
		for (start = i; i < len && v[i] != ','; i++)
			;
		end = i;
		while (start < end && is_blank(v[start]))
			start++;
		while (end > start && is_blank(v[end - 1]))
			end--;
		if (start == end)
			return fail(err, errlen, v, len, "%s",
			    len == 0 ? "an empty status list" :
			    "an empty item in the list");
		if (status_item(v + start, end - start, set, err, errlen) == -1)
			return -1;
		if (i == len)
			break;
		i++;
	}
	for (i = 0; i < sizeof(set); i++)
		f->status[i] |= set[i];
	f->has_status = 1;
	return 0;
}

/* ------------------------------------------------------------ match */

/* p[i] is '[': the index just past its bracket expression's ']', or n. */
static size_t
bracket_end(const char *p, size_t n, size_t i)
{
	i++;
	if (i < n && p[i] == '^')
		i++;
	if (i < n && p[i] == ']')	/* a leading ']' is a member */
		i++;
	while (i < n && p[i] != ']') {
		if (p[i] == '[' && i + 1 < n &&
		    (p[i + 1] == ':' || p[i + 1] == '=' || p[i + 1] == '.')) {
			char close = p[i + 1];

			/* [:alpha:], [=a=], [.-.]: up to their own "X]". */
			for (i += 2; i + 1 < n &&
			    !(p[i] == close && p[i + 1] == ']'); i++)
				;
			i += 2;
		} else {
			i++;
		}
	}
	return i < n ? i + 1 : n;
}

/*
 * If p[*i] starts a repetition, how many copies of its atom glibc makes,
 * with *i moved past it; else 0. '*' and '?': 1; '+': 2 (a+ is aa*); a
 * bound {m}, {m,} or {m,n}: n, or m + 1 for {m,}, at least 1. A '{' that
 * starts no bound is a literal.
 */
static unsigned long
repeat(const char *p, size_t n, size_t *i)
{
	unsigned long lo = 0, hi = 0;
	size_t j = *i + 1;
	int comma = 0, digits = 0, hidigits = 0;

	if (p[*i] == '*' || p[*i] == '?' || p[*i] == '+')
		return p[(*i)++] == '+' ? 2 : 1;
	if (p[*i] != '{')
		return 0;

	for (; j < n && p[j] >= '0' && p[j] <= '9'; j++, digits++)
		lo = lo < 100000 ? lo * 10 + (unsigned long)(p[j] - '0') : lo;
	if (j < n && p[j] == ',') {
		comma = 1;
		for (j++; j < n && p[j] >= '0' && p[j] <= '9'; j++, hidigits++)
			hi = hi < 100000 ?
			    hi * 10 + (unsigned long)(p[j] - '0') : hi;
	}
	if (j >= n || p[j] != '}' || (digits == 0 && hidigits == 0))
		return 0;
	*i = j + 1;
	if (comma && hidigits == 0)
		hi = lo + 1;
	else if (!comma)
		hi = lo;
	return hi > 0 ? hi : 1;
}

static int
too_costly(const char *p, size_t n, char *err, size_t errlen)
{
	return fail(err, errlen, p, n, "its repetitions are too many copies "
	    "(more than %d)", TW_FILTER_REGEX_COST);
}

/*
 * Refuse what would stall the loop that compiles or runs p: a
 * back-reference (matching one takes exponential time), and bounded
 * repetitions past TW_FILTER_REGEX_COST, since glibc compiles a{1,1000}
 * as a thousand copies of a, and nested bounds multiply. The cost counts
 * those copies: an atom is 1, a group one more than what it holds, and a
 * repetition multiplies its atom's cost: a{1,9} by 9, and a+ by 2 (so
 * a++++ is 16). Anything else is regcomp's to judge.
 */
static int
regex_check(const char *p, size_t n, char *err, size_t errlen)
{
	unsigned long sum[REGEX_DEPTH + 1], last[REGEX_DEPTH + 1], atom, k;
	size_t i = 0;
	int d = 0, repeated = 0;

	sum[0] = 0;
	last[0] = 1;
	while (i < n) {
		atom = 1;
		if ((k = repeat(p, n, &i)) > 0) {
			/*
			 * POSIX leaves a+*, a?+ and a{2}{3} undefined, and
			 * glibc takes seconds on G?+++++ to close its loops.
			 */
			if (repeated)
				return fail(err, errlen, p, n, "a repetition "
				    "of a repetition (like a+* or a?{2})");
			repeated = 1;
			sum[d] += last[d] * (k - 1);
			last[d] *= k;
			if (sum[d] > TW_FILTER_REGEX_COST)
				return too_costly(p, n, err, errlen);
			continue;
		}
		repeated = 0;
		if (p[i] == '\\') {
			if (i + 1 < n && p[i + 1] >= '1' && p[i + 1] <= '9')
				return fail(err, errlen, p, n,
				    "back-references are not allowed");
			i += 2;
		} else if (p[i] == '[') {
			i = bracket_end(p, n, i);
		} else if (p[i] == '(') {
			if (d == REGEX_DEPTH)
				return fail(err, errlen, p, n,
				    "groups nested over %d deep", REGEX_DEPTH);
			d++;
			sum[d] = 0;
			last[d] = 1;	/* a repetition of nothing still copies */
			i++;
			continue;
		} else if (p[i] == ')' && d > 0) {
			atom = sum[d--] + 1;	/* the group, even empty */
			i++;
		} else {
			i++;
		}
		sum[d] += atom;
		last[d] = atom;
		if (sum[d] > TW_FILTER_REGEX_COST)
			return too_costly(p, n, err, errlen);
	}
	return 0;
}

static int
add_match(tw_filter *f, const char *v, size_t len, char *err, size_t errlen)
{
	char pat[TW_FILTER_REGEX_MAX + 1], why[160];
	int rc;

	if (len == 0)
		return 0;	/* matches every text, as grep '' does */
	if (f->nmatch == TW_FILTER_MATCH_MAX)
		return fail(err, errlen, v, len, "more than %d regexes",
		    TW_FILTER_MATCH_MAX);
	if (len > TW_FILTER_REGEX_MAX)
		return fail(err, errlen, v, len, "longer than %d bytes",
		    TW_FILTER_REGEX_MAX);
	if (memchr(v, '\0', len) != NULL)
		return fail(err, errlen, v, len, "holds a NUL byte");
	if (regex_check(v, len, err, errlen) == -1)
		return -1;
	memcpy(pat, v, len);
	pat[len] = '\0';
	rc = regcomp(&f->match[f->nmatch], pat, REG_EXTENDED | REG_NOSUB);
	if (rc != 0) {
		regerror(rc, &f->match[f->nmatch], why, sizeof(why));
		return fail(err, errlen, v, len, "%s", why);
	}
	f->nmatch++;
	return 0;
}

/* Does text[0..len) match every regex of f? */
static int
match_all(const tw_filter *f, const char *text, size_t len)
{
	int i;
#if TW_FILTER_STARTEND
	regmatch_t m[1];

	if (text == NULL)
		text = "";
	for (i = 0; i < f->nmatch; i++) {
		m[0].rm_so = 0;
		/* A line is far shorter; int is regoff_t's smallest type. */
		m[0].rm_eo = (regoff_t)(len < INT_MAX ? len : INT_MAX);
		if (regexec(&f->match[i], text, 1, m, REG_STARTEND) != 0)
			return 0;
	}
#else
	char buf[TW_FILTER_TEXT_MAX];

	if (len > sizeof(buf) - 1)
		len = sizeof(buf) - 1;
	if (len > 0)
		memcpy(buf, text, len);
	buf[len] = '\0';
	for (i = 0; i < f->nmatch; i++) {
		if (regexec(&f->match[i], buf, 0, NULL, 0) != 0)
			return 0;
	}
#endif
	return 1;
}

/* ------------------------------------------------------------ exclude */

int
tw_filter_client_addr(const char *client, size_t len, unsigned char addr[16],
    int *mapped)
{
	static const unsigned char prefix[12] = {
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff
	};
	char buf[46];	/* INET6_ADDRSTRLEN: the longest form, and a NUL */

	if (mapped != NULL)
		*mapped = 0;
	if (client == NULL || len == 0 || len >= sizeof(buf) ||
	    memchr(client, '\0', len) != NULL)
		return 0;
	memcpy(buf, client, len);
	buf[len] = '\0';
	if (memchr(buf, ':', len) == NULL)
		return inet_pton(AF_INET, buf, addr) == 1 ? 4 : 0;
	if (inet_pton(AF_INET6, buf, addr) != 1)
		return 0;
	if (memcmp(addr, prefix, sizeof(prefix)) != 0)
		return 6;
	memmove(addr, addr + 12, 4);
	if (mapped != NULL)
		*mapped = 1;
	return 4;
}

/* Do a and b have their first bits bits in common? */
static int
same_prefix(const unsigned char *a, const unsigned char *b, int bits)
{
	int full = bits / 8, rest = bits % 8;

	if (memcmp(a, b, (size_t)full) != 0)
		return 0;
	return rest == 0 || ((a[full] ^ b[full]) & (0xff00 >> rest) & 0xff) == 0;
}

static int
add_exclude(tw_filter *f, const char *v, size_t len, char *err,
    size_t errlen)
{
	struct tw_filter_range r;
	char buf[64], *slash;
	int max, fam, mapped, i;

	if (f->nexclude == TW_FILTER_EXCLUDE_MAX)
		return fail(err, errlen, v, len, "more than %d ranges",
		    TW_FILTER_EXCLUDE_MAX);
	if (len == 0)
		return fail(err, errlen, v, len, "an empty range");
	if (len >= sizeof(buf) || memchr(v, '\0', len) != NULL)
		return fail(err, errlen, v, len, "not an IPv4 or IPv6 range");
	memcpy(buf, v, len);
	buf[len] = '\0';
	if ((slash = strchr(buf, '/')) != NULL)
		*slash++ = '\0';
	memset(&r, 0, sizeof(r));
	fam = tw_filter_client_addr(buf, strlen(buf), r.addr, &mapped);
	if (fam == 0)
		return fail(err, errlen, v, len, "not an IPv4 or IPv6 address");
	r.v6 = fam == 6;
	max = r.v6 || mapped ? 128 : 32;
	r.bits = max;
	if (slash != NULL) {
		if (*slash == '\0' || strlen(slash) > 3 ||
		    strspn(slash, "0123456789") != strlen(slash) ||
		    (r.bits = (int)strtol(slash, NULL, 10)) > max)
			return fail(err, errlen, v, len,
			    "the prefix length is not 0 to %d", max);
	}
	if (mapped) {
		/* ::ffff:a.b.c.d/N: an IPv4 range if N >= 96; else IPv6. */
		if (r.bits >= 96) {
			r.bits -= 96;
		} else {
			memmove(r.addr + 12, r.addr, 4);
			memset(r.addr, 0, 10);
			r.addr[10] = r.addr[11] = 0xff;
			r.v6 = 1;
		}
	}
	/* Clear the bits past the prefix, so that the range compares whole. */
	for (i = r.bits; i < 128; i++)
		r.addr[i / 8] &= (unsigned char)~(0x80u >> (i % 8));
	f->exclude[f->nexclude++] = r;
	return 0;
}

/* Is client in any of f's ranges? */
static int
excluded(const tw_filter *f, const char *client, size_t len)
{
	unsigned char addr[16];
	int fam, i;

	if ((fam = tw_filter_client_addr(client, len, addr, NULL)) == 0)
		return 0;
	for (i = 0; i < f->nexclude; i++) {
		if (f->exclude[i].v6 == (fam == 6) &&
		    same_prefix(addr, f->exclude[i].addr, f->exclude[i].bits))
			return 1;
	}
	return 0;
}

/* ------------------------------------------------------------ the filter */

void
tw_filter_init(tw_filter *f)
{
	memset(f, 0, sizeof(*f));
}

void
tw_filter_free(tw_filter *f)
{
	int i;

	for (i = 0; i < f->nmatch; i++)
		regfree(&f->match[i]);
	tw_filter_init(f);
}

int
tw_filter_kind(const char *name, size_t len)
{
	int k;

	for (k = 0; k < TW_FILTER_NKINDS; k++) {
		if (strlen(tw_filter_names[k]) == len &&
		    memcmp(name, tw_filter_names[k], len) == 0)
			return k;
	}
	return -1;
}

int
tw_filter_add(tw_filter *f, int kind, const char *value, size_t len,
    char *err, size_t errlen)
{
	switch (kind) {
	case TW_FILTER_STATUS:
		return add_status(f, value, len, err, errlen);
	case TW_FILTER_MATCH:
		return add_match(f, value, len, err, errlen);
	case TW_FILTER_EXCLUDE:
		return add_exclude(f, value, len, err, errlen);
	}
	return fail(err, errlen, "", 0, "not a kind of filter");
}

int
tw_filter_pass(const tw_filter *f, const char *status, size_t statuslen,
    const char *request, size_t requestlen, const char *client,
    size_t clientlen)
{
	size_t i;
	int s = 0;

	/* Cheapest first: a bit, then an address, then the regexes. */
	if (f->has_status) {
		if (status == NULL || statuslen == 0 || statuslen > 3)
			return 0;
		for (i = 0; i < statuslen; i++) {
			if (status[i] < '0' || status[i] > '9')
				return 0;
			s = s * 10 + (status[i] - '0');
		}
		if (s >= 600 || !(f->status[s / 8] & (1u << (s % 8))))
			return 0;
	}
	if (f->nexclude > 0 && excluded(f, client, clientlen))
		return 0;
	if (f->nmatch > 0 && !match_all(f, request, requestlen))
		return 0;
	return 1;
}
