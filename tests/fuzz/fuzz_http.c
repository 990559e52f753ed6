/*
 * fuzz_http.c - the request-head parser on any bytes.
 *
 * The first input byte chooses the size of the reads (1 to 32 bytes, or
 * all at once); the rest is what a client sends. Parsed whole and parsed
 * in those reads, each head (and each pipelined head after it, from a
 * reset parser) gives the same result, the same bytes used and the same
 * fields. And:
 *   - 0 only when every byte was used, no more than TW_HTTP_HEAD_MAX;
 *   - 1: a known method, HTTP/1.0 or 1.1, a path from '/', every kept
 *     field inside the struct, each query parameter decodes to no more
 *     bytes than it has, and tw_http_get() finds the first of a name;
 *   - -1: one of the documented statuses, with a reason;
 *   - response heads fit the buffer they were given or say -1.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "weblog/http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static tw_http_req whole, parts;

/* Is [p, p+len) inside r's own store? */
static void
inside(const tw_http_req *r, const char *p, size_t len)
{
	if (p < r->store || len > sizeof(r->store) ||
	    p + len > r->store + sizeof(r->store))
		abort();
}

static int
same_text(const char *a, size_t alen, const char *b, size_t blen)
{
	if ((a == NULL) != (b == NULL) || alen != blen)
		return 0;
	return a == NULL || memcmp(a, b, alen) == 0;
}

static void
same(const tw_http_req *a, const tw_http_req *b, int rc)
{
	if (rc == -1) {
		if (a->status != b->status || strcmp(a->error, b->error) != 0)
			abort();
		return;
	}
	if (rc == 0)
		return;
	if (a->method != b->method || a->minor != b->minor ||
	    a->keep_alive != b->keep_alive ||
	    !same_text(a->mname, a->mnamelen, b->mname, b->mnamelen) ||
	    !same_text(a->path, a->pathlen, b->path, b->pathlen) ||
	    !same_text(a->query, a->querylen, b->query, b->querylen) ||
	    !same_text(a->host, a->hostlen, b->host, b->hostlen) ||
	    !same_text(a->last_event_id, a->last_event_idlen,
	    b->last_event_id, b->last_event_idlen))
		abort();
}

static void
check_query(const tw_http_req *r)
{
	static char name[TW_HTTP_HEAD_MAX + 1], value[TW_HTTP_HEAD_MAX + 1];
	static char got[TW_HTTP_HEAD_MAX + 1];
	tw_http_param p, q;
	size_t pos = 0, pos2, nlen, vlen;
	long n;

	while (tw_http_param_next(r, &pos, &p)) {
		inside(r, p.name, p.namelen);
		inside(r, p.value, p.valuelen);
		nlen = tw_http_decode(p.name, p.namelen, name);
		vlen = tw_http_decode(p.value, p.valuelen, value);
		if (nlen > p.namelen || vlen > p.valuelen)
			abort();
		name[nlen] = '\0';
		if (strlen(name) != nlen)
			continue;	/* a NUL in the name: not a C string */
		/* The first parameter of that name is what get finds. */
		pos2 = 0;
		while (tw_http_param_next(r, &pos2, &q)) {
			size_t l = tw_http_decode(q.name, q.namelen, got);

			if (l == nlen && memcmp(got, name, l) == 0)
				break;
		}
		vlen = tw_http_decode(q.value, q.valuelen, value);
		n = tw_http_get(r, name, got, sizeof(got));
		if (n != (long)vlen || memcmp(got, value, vlen) != 0 ||
		    got[vlen] != '\0')
			abort();
		if (tw_http_get(r, name, got, vlen) != -2)
			abort();
	}
}

static void
check_done(const tw_http_req *r)
{
	if (r->method < TW_HTTP_GET || r->method > TW_HTTP_OTHER ||
	    (r->minor != 0 && r->minor != 1) || r->mnamelen == 0 ||
	    r->pathlen == 0 || r->path[0] != '/')
		abort();
	inside(r, r->mname, r->mnamelen);
	inside(r, r->path, r->pathlen);
	if (r->query != NULL)
		inside(r, r->query, r->querylen);
	if (r->host != NULL)
		inside(r, r->host, r->hostlen);
	else if (r->minor == 1)
		abort();
	if (r->last_event_id != NULL)
		inside(r, r->last_event_id, r->last_event_idlen);
	check_query(r);
}

static void
check_head(const uint8_t *data, size_t size)
{
	static const int statuses[] = { 200, 400, 404, 405, 431, 999 };
	char out[256];
	tw_http_head h;
	size_t cap;
	long n;

	if (size < 3)
		return;
	h.status = statuses[data[0] % 6];
	h.type = data[1] & 1 ? "text/event-stream" : NULL;
	h.cache = data[1] & 2 ? "no-cache" : NULL;
	h.length = data[1] & 4 ? (long long)data[2] * 1000003 : -1;
	h.chunked = data[1] & 8;
	h.close = data[1] & 16;
	cap = data[2] % sizeof(out);
	n = tw_http_head_format(&h, out, cap);
	if (n != -1 && (n < 0 || (size_t)n >= cap))
		abort();
	if (n > 0 && (memcmp(out, "HTTP/1.1 ", 9) != 0 ||
	    memcmp(out + n - 4, "\r\n\r\n", 4) != 0))
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data + 1;
	size_t len, at = 0, used, u, step, i;
	int rc, rc2;

	if (size == 0)
		return 0;
	step = data[0] % 33;
	len = size - 1;
	check_head(data, size);
	while (at < len) {
		tw_http_reset(&whole);
		tw_http_reset(&parts);
		rc = tw_http_feed(&whole, s + at, len - at, &used);
		rc2 = 0;
		u = 0;
		for (i = at; i < len && rc2 == 0; i += step) {
			size_t got, n = step == 0 || len - i < step ?
			    len - i : step;

			rc2 = tw_http_feed(&parts, s + i, n, &got);
			u += got;
			if (rc2 == 0 && got != n)
				abort();
			if (step == 0)
				break;
		}
		if (rc != rc2 || used != u)
			abort();
		same(&whole, &parts, rc);
		if (used > len - at || whole.total > TW_HTTP_HEAD_MAX)
			abort();
		switch (rc) {
		case 0:
			if (used != len - at)
				abort();
			return 0;
		case 1:
			check_done(&whole);
			break;
		case -1:
			if ((whole.status != 400 && whole.status != 413 &&
			    whole.status != 431 && whole.status != 505) ||
			    whole.error == NULL || whole.error[0] == '\0' ||
			    used == 0)
				abort();
			return 0;
		default:
			abort();
		}
		at += used;
	}
	return 0;
}
