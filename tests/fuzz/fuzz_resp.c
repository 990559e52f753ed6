/*
 * fuzz_resp.c - the RESP reader, the command encoder and the Redis URL
 * parser on any bytes.
 *
 * The first byte chooses the size of the reads (1 to 32 bytes, or all at
 * once), the second the limits; the rest is what a server sends. Read
 * whole and read in those pieces, each reply (and each one after it) gives
 * the same result, the same bytes used and the same tree (a refusal, the
 * same reason). And:
 *   - 0 only when every byte was used; 1 never past the limits: no more
 *     than max_bytes used, max_elems nodes, max_depth levels; every string
 *     inside the reader's buffer with a NUL after it; -1 with a reason;
 *   - the input cut into arguments, encoded as a command, reads back as an
 *     array of exactly those arguments;
 *   - the input as a URL parses to fields that fit, or says why.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "redis/resp.h"
#include "redis/url.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static tw_resp_reader whole, parts;

/* Are a and b the same tree, inside r's limits? depth counts levels. */
static void
same(const tw_resp_reader *r, const tw_resp *a, const tw_resp *b, int depth,
    size_t *nodes)
{
	size_t i;

	if (++*nodes > r->max_elems || a->type != b->type ||
	    a->integer != b->integer || a->len != b->len || a->n != b->n ||
	    (a->str == NULL) != (b->str == NULL) ||
	    (a->elem == NULL) != (b->elem == NULL))
		abort();
	if (a->str != NULL) {
		if (a->str < r->buf || a->str + a->len >= r->buf + r->len ||
		    a->str[a->len] != '\0' || memcmp(a->str, b->str, a->len))
			abort();
	}
	if (a->elem == NULL) {
		if (a->n != 0)
			abort();
		return;
	}
	if (depth >= r->max_depth)
		abort();
	for (i = 0; i < a->n; i++)
		same(r, &a->elem[i], &b->elem[i], depth + 1, nodes);
}

static void
check_replies(const char *s, size_t len, size_t step)
{
	size_t at = 0, used, u, got, i, n, nodes;
	int rc, rc2;

	tw_resp_reset(&whole);
	tw_resp_reset(&parts);
	while (at < len) {
		rc = tw_resp_feed(&whole, s + at, len - at, &used);
		rc2 = 0;
		u = 0;
		for (i = at; i < len && rc2 == 0; i += n) {
			n = step == 0 || len - i < step ? len - i : step;
			rc2 = tw_resp_feed(&parts, s + i, n, &got);
			if (got > n || (rc2 == 0 && got != n))
				abort();
			u += got;
		}
		/* On -1, how far each got depends on the pieces. */
		if (rc != rc2 || (rc != -1 && used != u) || used > len - at)
			abort();
		switch (rc) {
		case 0:
			if (used != len - at)
				abort();
			return;
		case 1:
			if (used > whole.max_bytes || used == 0)
				abort();
			nodes = 0;
			same(&whole, tw_resp_reply(&whole),
			    tw_resp_reply(&parts), 0, &nodes);
			break;
		case -1:
			if (whole.error == NULL || parts.error == NULL ||
			    strcmp(whole.error, parts.error) != 0)
				abort();
			return;
		default:
			abort();
		}
		at += used;
	}
}

/* Cut s into up to 8 arguments at the lengths its bytes say; round trip. */
static void
check_encode(const char *s, size_t len)
{
	const char *argv[8];
	size_t argl[8], n, i, used;
	static char out[8 * 4096 + 256];
	tw_resp_reader r;
	const tw_resp *v;
	int argc = 0;

	while (argc < 8 && len > 0) {
		n = (unsigned char)s[0] % 64;
		s++;
		len--;
		if (n > len)
			n = len;
		argv[argc] = s;
		argl[argc++] = n;
		s += n;
		len -= n;
	}
	if (argc == 0)
		return;
	n = tw_resp_encode(NULL, 0, argc, argv, argl);
	if (n > sizeof(out) || tw_resp_encode(out, n, argc, argv, argl) != n)
		abort();
	tw_resp_init(&r);
	if (tw_resp_feed(&r, out, n, &used) != 1 || used != n)
		abort();
	v = tw_resp_reply(&r);
	if (v->type != TW_RESP_ARRAY || v->n != (size_t)argc)
		abort();
	for (i = 0; i < (size_t)argc; i++)
		if (v->elem[i].type != TW_RESP_STRING ||
		    v->elem[i].len != argl[i] ||
		    memcmp(v->elem[i].str, argv[i], argl[i]) != 0)
			abort();
	tw_resp_free(&r);
}

static void
check_url(const char *s, size_t len)
{
	static char z[4096];
	char err[128];
	tw_redis_url u;
	tw_addr a;

	if (len >= sizeof(z))
		len = sizeof(z) - 1;
	memcpy(z, s, len);
	z[len] = '\0';
	if (tw_redis_url_parse(&u, z, err, sizeof(err)) == -1) {
		if (err[0] == '\0')
			abort();
		return;
	}
	if (memchr(u.host, '\0', sizeof(u.host)) == NULL ||
	    memchr(u.path, '\0', sizeof(u.path)) == NULL ||
	    memchr(u.key, '\0', sizeof(u.key)) == NULL)
		abort();
	if ((u.path[0] != '\0') == (u.host[0] != '\0'))
		abort();
	if (u.host[0] != '\0' && (u.port < 1 || u.port > 65535))
		abort();
	/* Never resolves: a host name fails at once. */
	if (tw_redis_url_addr(&u, &a, err, sizeof(err)) == -1 &&
	    err[0] == '\0')
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const size_t bytes[] = { 16, 64, 512, TW_RESP_MAX_BYTES };
	const char *s = (const char *)data + 2;

	if (size < 2)
		return 0;
	if (whole.max_bytes == 0) {
		tw_resp_init(&whole);
		tw_resp_init(&parts);
	}
	whole.max_bytes = parts.max_bytes = bytes[data[1] & 3];
	whole.max_elems = parts.max_elems = (data[1] & 4) ? 8 :
	    TW_RESP_MAX_ELEMS;
	whole.max_depth = parts.max_depth = 1 + (data[1] >> 3) % 8;
	check_replies(s, size - 2, data[0] % 33);
	check_encode(s, size - 2);
	check_url(s, size - 2);
	return 0;
}
