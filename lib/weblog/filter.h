/*
 * filter.h - which hits a reader wants: the SPEC's --status, --match and
 * --exclude ("Log formats, several files, filters, anonymising"). One
 * parser and one matcher, shared by weblog-serve's options (for every
 * client), weblog-client's options, and the HTTP query parameters
 * (?status=5xx&match=REGEX&exclude=CIDR, for one client).
 *
 * A filter is a conjunction: a hit passes when it passes every kind of
 * condition given. An empty filter passes everything.
 *
 *   status LIST   404, 5xx, 400-499, comma separated, any mix; blanks
 *                 around an item are allowed ("404, 5xx"). Statuses are
 *                 100 to 599. A hit passes if its status is in any item;
 *                 given several times, the lists add up. A hit without a
 *                 status (a <line> hit, or a status field that is not one
 *                 to three digits) does not pass a status filter: the user
 *                 asked for those statuses, and that hit has none.
 *   match REGEX   POSIX extended, searched for in the request field, or in
 *                 the whole line of a <line> hit. Given several times,
 *                 every one must match (an "or" is already one regex:
 *                 a|b, and an "and" is not). Back-references (\1) are
 *                 refused, so are a repetition of a repetition (a+*,
 *                 a?{2}: undefined in POSIX, and glibc's regcomp takes
 *                 seconds on G?+++++), and a regex longer than
 *                 TW_FILTER_REGEX_MAX bytes or of more than
 *                 TW_FILTER_REGEX_COST atoms once its repetitions are
 *                 unrolled as glibc does (a{1,9} is 9 atoms, a+ is 2, a
 *                 group one more than it holds): an HTTP client chooses it,
 *                 glibc's regcomp takes seconds and gigabytes on
 *                 (a{1,1000}){1,1000}, and its regexec's time grows with
 *                 the atoms. An empty REGEX matches every hit, as in grep.
 *
 *                 Hazard: glibc's regexec() is quadratic in the text when
 *                 the search fails after long partial matches from many
 *                 places: "a+x" on a request of 8 KiB of 'a' takes about
 *                 half a second (measured here), and the log's
 *                 writer chooses the request. Bound the text (--max-line)
 *                 where a peer chooses the regex.
 *   exclude CIDR  an IPv4 or IPv6 range (10.0.0.0/8, 2001:db8::/32); a
 *                 bare address is /32 or /128; bits past the prefix may
 *                 be set (10.1.2.3/8 is 10.0.0.0/8). Matched on the client
 *                 field; given several times, any range excludes the hit.
 *                 An IPv4-mapped client (::ffff:a.b.c.d) is its IPv4
 *                 address, and a range inside ::ffff:0:0/96 is an IPv4
 *                 range; otherwise IPv6 ranges hold only IPv6 clients
 *                 (::/0 is every IPv6 client, 0.0.0.0/0 every IPv4 one).
 *                 A client that is not an address (a host name) and a
 *                 <line> hit, which has no client, are never excluded.
 *
 * Filter on the original client, before anonymising it (anon.h), and
 * before encoding the hit: a filtered hit costs tw_filter_pass() and
 * nothing else. Limits: TW_FILTER_MATCH_MAX regexes and
 * TW_FILTER_EXCLUDE_MAX ranges per filter, so a peer's query cannot grow
 * it without bound.
 *
 * The three uses:
 *
 *   options   case 's': if (tw_filter_add(&f, TW_FILTER_STATUS, optarg,
 *                 strlen(optarg), err, sizeof(err)) == -1)
 *                     errx(1, "--status: %s", err);
 *   query     for each parameter (http.h: tw_http_param_next), decoded:
 *                 if ((k = tw_filter_kind(name, namelen)) >= 0 &&
 *                     tw_filter_add(&c->filter, k, value, valuelen, err,
 *                     sizeof(err)) == -1)
 *                     answer 400 with "NAME=...: err"
 *   each hit  if (!tw_filter_pass(&f, status, ..., request, ..., client, ...))
 *                 skip it (no number, no count); else anonymise, encode.
 *
 * The filter is the caller's struct, not to be copied (it holds compiled
 * regexes); tw_filter_free() releases what the options added. Nothing is
 * allocated by tw_filter_pass().
 */
#ifndef TWIRL_FILTER_H
#define TWIRL_FILTER_H

#include <regex.h>
#include <stddef.h>

/* The kinds of option, by their name in tw_filter_names. */
enum {
	TW_FILTER_STATUS,	/* "status"  --status, ?status= */
	TW_FILTER_MATCH,	/* "match"   --match, ?match= */
	TW_FILTER_EXCLUDE,	/* "exclude" --exclude, ?exclude= */
	TW_FILTER_NKINDS
};

#define TW_FILTER_MATCH_MAX 8
#define TW_FILTER_EXCLUDE_MAX 64
#define TW_FILTER_REGEX_MAX 512
#define TW_FILTER_REGEX_COST 256

extern const char *const tw_filter_names[TW_FILTER_NKINDS];

typedef struct tw_filter {
	/* private */
	unsigned char status[600 / 8];	/* bit s: status s passes */
	int has_status;
	regex_t match[TW_FILTER_MATCH_MAX];
	int nmatch;
	struct tw_filter_range {
		unsigned char addr[16];	/* IPv4 in the first 4 bytes */
		int v6;
		int bits;
	} exclude[TW_FILTER_EXCLUDE_MAX];
	int nexclude;
} tw_filter;

/* An empty filter, which passes everything. */
void tw_filter_init(tw_filter *f);

/* Release the compiled regexes; f is then empty again. */
void tw_filter_free(tw_filter *f);

/*
 * The kind named name[0..len) ("status", "match" or "exclude", as in the
 * query string once decoded), or -1 for any other name.
 */
int tw_filter_kind(const char *name, size_t len);

/*
 * Add one option's value, value[0..len) (it may hold a NUL: a decoded
 * %00, which no kind accepts), to f. Returns 0, or -1 with f unchanged and
 * a one-line reason in err (errlen bytes, NUL-terminated, if errlen > 0)
 * that names the offending item but not the option, so that the caller
 * can say which spelling it was given:
 *
 *   weblog-serve: --status: 6xx: not a status, a class like 5xx or a range like 400-499
 *   400 Bad Request: status=6xx: ...
 */
int tw_filter_add(tw_filter *f, int kind, const char *value, size_t len,
    char *err, size_t errlen);

/*
 * 1 where regexec() reads a field in place, bounded by REG_STARTEND (glibc
 * and the BSDs); 0 where the text is copied to be NUL-terminated: without
 * REG_STARTEND (musl), under AddressSanitizer (its regexec interceptor
 * checks the string up to a NUL, whatever REG_STARTEND says, and so
 * reports a field's next byte), or with -DTW_FILTER_NO_STARTEND (to test
 * the copy).
 */
#if defined(__SANITIZE_ADDRESS__)
#define TW_FILTER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TW_FILTER_ASAN 1
#endif
#endif
#if defined(REG_STARTEND) && !defined(TW_FILTER_ASAN) && \
    !defined(TW_FILTER_NO_STARTEND)
#define TW_FILTER_STARTEND 1
#else
#define TW_FILTER_STARTEND 0
#endif

/*
 * Does the hit pass f? 1 if it does, 0 if it is filtered. For a hit of
 * fields: its status, request and client fields. For a <line> hit: status
 * NULL (or statuslen 0), the whole line as request, client NULL (or
 * clientlen 0). The fields need not be NUL-terminated and may hold NUL.
 * Cheap: no allocation, no system call; only what f asks is looked at.
 *
 * Where TW_FILTER_STARTEND is 0, the text is copied into a
 * TW_FILTER_TEXT_MAX buffer on the stack, and a regex sees only the text
 * before its first NUL and its first TW_FILTER_TEXT_MAX - 1 bytes: nginx
 * and Apache cut a request line at 8 KiB by default.
 */
#define TW_FILTER_TEXT_MAX 16384

int tw_filter_pass(const tw_filter *f, const char *status, size_t statuslen,
    const char *request, size_t requestlen, const char *client,
    size_t clientlen);


/*
 * The address in a client field, client[0..len) (any bytes): 4 with the
 * IPv4 address in addr[0..4), 6 with the IPv6 address in addr[0..16), or
 * 0 if it is not one address in inet_pton()'s forms (a host name, an
 * empty field, a port or a zone appended). An IPv4-mapped IPv6 address
 * (::ffff:a.b.c.d) gives 4 and a.b.c.d, with *mapped (if not NULL) set.
 * Shared with anon.c, so both read a client the same way.
 */
int tw_filter_client_addr(const char *client, size_t len,
    unsigned char addr[16], int *mapped);

#endif
