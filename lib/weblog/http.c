/*
 * http.c - an HTTP/1.x request head, one byte at a time; response heads.
 *
 * The parser is a state machine over single bytes. Everything it keeps
 * (method, target, three header values) is copied into store as it
 * arrives, and a kept byte is a byte of the head, so store cannot
 * overflow before the head limit is hit.
 */
#include <stdio.h>
#include <string.h>

#include "http.h"

/* Where in the head the parser is. */
enum {
	S_START,	/* before the request line: empty lines skipped */
	S_METHOD,
	S_TARGET,	/* the path */
	S_QUERY,
	S_FRAG,		/* a #fragment, dropped */
	S_VERSION,
	S_LINE,		/* at the start of a header line, or the empty line */
	S_NAME,
	S_OWS,		/* spaces after the colon */
	S_VALUE
};

/* The headers the parser looks at. */
enum { H_OTHER, H_HOST, H_CONNECTION, H_LEID, H_CLEN, H_TE };

/* Connection tokens seen. */
enum { C_CLOSE = 1, C_KEEP = 2 };

void
tw_http_reset(tw_http_req *r)
{
	/* store need not be cleared: only slen bytes of it are ever read. */
	memset(r, 0, offsetof(tw_http_req, store));
}

static int
fail(tw_http_req *r, int status, const char *why)
{
	r->status = status;
	r->error = why;
	r->result = -1;
	return -1;
}

/* RFC 9110 5.6.2: tchar, the bytes of a method or a header name. */
static int
is_tchar(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || (c != '\0' && strchr("!#$%&'*+-.^_`|~",
	    c) != NULL);
}

/* A byte a target may hold: not a control, space or DEL. */
static int
is_target(unsigned char c)
{
	return c > 0x20 && c != 0x7f;
}

static int
lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

static void
keep(tw_http_req *r, unsigned char c)
{
	r->store[r->slen++] = (char)c;
}

static int
header_id(const tw_http_req *r)
{
	static const struct {
		const char *name;
		int id;
	} known[] = {
		{ "host", H_HOST }, { "connection", H_CONNECTION },
		{ "last-event-id", H_LEID }, { "content-length", H_CLEN },
		{ "transfer-encoding", H_TE },
	};
	size_t i;

	for (i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (strlen(known[i].name) == r->namelen &&
		    memcmp(known[i].name, r->name, r->namelen) == 0)
			return known[i].id;
	return H_OTHER;
}

/* Is this header's value kept in store (for a while at least)? */
static int
kept(int hdr)
{
	return hdr == H_HOST || hdr == H_CONNECTION || hdr == H_LEID ||
	    hdr == H_CLEN;
}

/* Is s[0..len) the token t, in any case? */
static int
token_is(const char *s, size_t len, const char *t)
{
	size_t i;

	if (strlen(t) != len)
		return 0;
	for (i = 0; i < len; i++)
		if (lower((unsigned char)s[i]) != t[i])
			return 0;
	return 1;
}

/* The comma-separated tokens of a Connection value. */
static void
connection(tw_http_req *r, const char *v, size_t len)
{
	size_t i = 0, start, end;

	while (i < len) {
		while (i < len && (v[i] == ' ' || v[i] == '\t' || v[i] == ','))
			i++;
		start = i;
		while (i < len && v[i] != ',')
			i++;
		end = i;
		while (end > start && (v[end - 1] == ' ' || v[end - 1] == '\t'))
			end--;
		if (token_is(v + start, end - start, "close"))
			r->conn |= C_CLOSE;
		else if (token_is(v + start, end - start, "keep-alive"))
			r->conn |= C_KEEP;
	}
}

/* A header line has ended: act on its value. */
static int
header_end(tw_http_req *r)
{
	const char *v = r->store + r->vstart;
	size_t len = r->vend - r->vstart, i;
	int nonzero = 0;

	r->slen = r->vend;	/* drop the trailing spaces */
	switch (r->hdr) {
	case H_HOST:
		if (++r->nhost > 1)
			return fail(r, 400, "more than one Host header");
		r->hoff = r->vstart;
		r->hostlen = len;
		break;
	case H_LEID:
		r->leid = r->vstart;
		r->last_event_idlen = len;
		break;
	case H_CONNECTION:
		connection(r, v, len);
		r->slen = r->vstart;
		break;
	case H_CLEN:
		if (len == 0)
			return fail(r, 400, "malformed Content-Length");
		for (i = 0; i < len; i++) {
			if (v[i] < '0' || v[i] > '9')
				return fail(r, 400, "malformed Content-Length");
			nonzero |= v[i] != '0';
		}
		if (nonzero)
			return fail(r, 413, "request has a body "
			    "(Content-Length)");
		r->slen = r->vstart;
		break;
	}
	return 0;
}

/* "HTTP/1.1": the version that ends the request line. */
static int
version(tw_http_req *r)
{
	const char *v = r->store + r->vstart;

	if (r->slen - r->vstart != 8 || memcmp(v, "HTTP/", 5) != 0 ||
	    v[5] < '0' || v[5] > '9' || v[6] != '.' || v[7] < '0' ||
	    v[7] > '9')
		return fail(r, 400, "malformed HTTP version");
	if (v[5] != '1')
		return fail(r, 505, "HTTP version not supported");
	r->minor = v[7] == '0' ? 0 : 1;
	r->slen = r->vstart;
	r->state = S_LINE;
	return 0;
}

/* The empty line: the head is complete. */
static int
done(tw_http_req *r)
{
	if (r->minor == 1 && r->nhost == 0)
		return fail(r, 400, "HTTP/1.1 request without Host");
	if (r->minor == 1)
		r->keep_alive = !(r->conn & C_CLOSE);
	else
		r->keep_alive = (r->conn & (C_KEEP | C_CLOSE)) == C_KEEP;
	r->mname = r->store;
	r->path = r->store + r->tstart;
	if (r->qstart != 0) {
		r->pathlen = r->qstart - 1 - r->tstart;
		r->query = r->store + r->qstart;
		r->querylen = r->tend - r->qstart;
	} else {
		r->pathlen = r->tend - r->tstart;
	}
	if (r->nhost > 0)
		r->host = r->store + r->hoff;
	/* A value's offset is never 0: the method comes first in store. */
	if (r->leid != 0)
		r->last_event_id = r->store + r->leid;
	r->result = 1;
	return 1;
}

/* A line ended (its LF, after an optional CR). */
static int
line_end(tw_http_req *r)
{
	switch (r->state) {
	case S_START:
		return 0;
	case S_VERSION:
		return version(r);
	case S_LINE:
		return done(r);
	case S_OWS:
	case S_VALUE:
		r->state = S_LINE;
		return header_end(r);
	case S_METHOD:
		return fail(r, 400, "request line without a target");
	case S_NAME:
		return fail(r, 400, "header line without a colon");
	default:
		return fail(r, 400, "request line without an HTTP version");
	}
}

/* One byte of the target, the query or the fragment. */
static int
target(tw_http_req *r, unsigned char c)
{
	if (r->state == S_TARGET && r->slen == r->tstart && c != '/')
		return fail(r, 400, "target not a path");
	if (c == ' ') {
		if (r->state != S_FRAG)
			r->tend = r->slen;
		r->vstart = r->slen;
		r->state = S_VERSION;
		return 0;
	}
	if (!is_target(c))
		return fail(r, 400, "malformed target");
	if (r->state == S_FRAG)
		return 0;
	if (c == '#') {
		r->tend = r->slen;
		r->state = S_FRAG;
		return 0;
	}
	keep(r, c);
	if (c == '?' && r->state == S_TARGET) {
		r->qstart = r->slen;
		r->state = S_QUERY;
	}
	return 0;
}

static int
step(tw_http_req *r, unsigned char c)
{
	if (r->cr) {
		if (c != '\n')
			return fail(r, 400, "CR not followed by LF");
		r->cr = 0;
		return line_end(r);
	}
	if (c == '\n')
		return line_end(r);
	if (c == '\r') {
		switch (r->state) {
		case S_START:
		case S_VERSION:
		case S_LINE:
		case S_OWS:
		case S_VALUE:
			r->cr = 1;
			return 0;
		default:
			return line_end(r);	/* refuses it */
		}
	}
	switch (r->state) {
	case S_START:
	case S_METHOD:
		if (c == ' ' && r->state == S_METHOD) {
			r->mnamelen = r->slen;
			/* Methods are case-sensitive (RFC 9110 9.1). */
			if (r->slen == 3 && memcmp(r->store, "GET", 3) == 0)
				r->method = TW_HTTP_GET;
			else if (r->slen == 4 &&
			    memcmp(r->store, "HEAD", 4) == 0)
				r->method = TW_HTTP_HEAD;
			else
				r->method = TW_HTTP_OTHER;
			r->tstart = r->slen;
			r->state = S_TARGET;
			return 0;
		}
		if (!is_tchar(c))
			return fail(r, 400, "malformed method");
		keep(r, c);
		r->state = S_METHOD;
		return 0;
	case S_TARGET:
	case S_QUERY:
	case S_FRAG:
		return target(r, c);
	case S_VERSION:
		if (c == ' ' || r->slen - r->vstart == 8)
			return fail(r, 400, "malformed HTTP version");
		keep(r, c);
		return 0;
	case S_LINE:
		if (c == ' ' || c == '\t')
			return fail(r, 400, "folded header line");
		/* FALLTHROUGH */
	case S_NAME:
		if (c == ':' && r->state == S_NAME) {
			r->hdr = header_id(r);
			if (r->hdr == H_TE)
				return fail(r, 413, "request has a body "
				    "(Transfer-Encoding)");
			r->vstart = r->vend = r->slen;
			r->state = S_OWS;
			return 0;
		}
		if (!is_tchar(c))
			return fail(r, 400, "malformed header name");
		if (r->state == S_LINE)
			r->namelen = 0;
		/* A name too long to be known is skipped: it stays too long. */
		if (r->namelen < TW_HTTP_NAME_MAX)
			r->name[r->namelen++] = (char)lower(c);
		r->state = S_NAME;
		return 0;
	case S_OWS:
		if (c == ' ' || c == '\t')
			return 0;
		r->state = S_VALUE;
		/* FALLTHROUGH */
	case S_VALUE:
		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return fail(r, 400, "malformed header value");
		if (kept(r->hdr)) {
			keep(r, c);
			if (c != ' ' && c != '\t')
				r->vend = r->slen;
		}
		return 0;
	}
	return fail(r, 400, "malformed request");	/* not reached */
}

int
tw_http_feed(tw_http_req *r, const char *data, size_t n, size_t *used)
{
	int rc = r->result;
	size_t i;

	for (i = 0; i < n && rc == 0; i++) {
		if (r->total == TW_HTTP_HEAD_MAX)
			rc = fail(r, 431, "request head too long");
		else {
			r->total++;
			rc = step(r, (unsigned char)data[i]);
		}
	}
	if (used != NULL)
		*used = i;
	return rc;
}

/* ------------------------------------------------------------ the query */

int
tw_http_param_next(const tw_http_req *r, size_t *pos, tw_http_param *p)
{
	const char *q = r->query, *amp, *eq;
	size_t len;

	if (q == NULL)
		return 0;
	while (*pos < r->querylen) {
		q = r->query + *pos;
		len = r->querylen - *pos;
		if ((amp = memchr(q, '&', len)) != NULL)
			len = (size_t)(amp - q);
		*pos += len + (amp != NULL);
		if (len == 0)
			continue;
		p->name = q;
		if ((eq = memchr(q, '=', len)) != NULL) {
			p->namelen = (size_t)(eq - q);
			p->value = eq + 1;
			p->valuelen = len - p->namelen - 1;
		} else {
			p->namelen = len;
			p->value = q + len;
			p->valuelen = 0;
		}
		return 1;
	}
	return 0;
}

static int
hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decode the byte at in[*i], advancing *i past its encoding. */
static unsigned char
decode1(const char *in, size_t len, size_t *i)
{
	unsigned char c = (unsigned char)in[*i];
	int h, l;

	if (c == '+') {
		(*i)++;
		return ' ';
	}
	if (c == '%' && *i + 2 < len && (h = hexval((unsigned char)
	    in[*i + 1])) >= 0 && (l = hexval((unsigned char)in[*i + 2])) >= 0) {
		*i += 3;
		return (unsigned char)(h << 4 | l);
	}
	(*i)++;
	return c;
}

size_t
tw_http_decode(const char *in, size_t len, char *out)
{
	size_t i = 0, o = 0;

	while (i < len)
		out[o++] = (char)decode1(in, len, &i);
	return o;
}

/* Does in[0..len) decode to the string s? */
static int
decodes_to(const char *in, size_t len, const char *s)
{
	size_t i = 0;

	while (i < len)
		if (*s == '\0' || decode1(in, len, &i) != (unsigned char)*s++)
			return 0;
	return *s == '\0';
}

long
tw_http_get(const tw_http_req *r, const char *name, char *out, size_t cap)
{
	tw_http_param p;
	size_t pos = 0, i = 0, n = 0;

	while (tw_http_param_next(r, &pos, &p)) {
		if (!decodes_to(p.name, p.namelen, name))
			continue;
		while (i < p.valuelen) {
			decode1(p.value, p.valuelen, &i);
			n++;
		}
		if (n + 1 > cap)
			return -2;
		tw_http_decode(p.value, p.valuelen, out);
		out[n] = '\0';
		return (long)n;
	}
	return -1;
}

/* ------------------------------------------------------------ responses */

const char *
tw_http_reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 304: return "Not Modified";
	case 400: return "Bad Request";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 408: return "Request Timeout";
	case 413: return "Content Too Large";
	case 431: return "Request Header Fields Too Large";
	case 500: return "Internal Server Error";
	case 503: return "Service Unavailable";
	case 505: return "HTTP Version Not Supported";
	default: return "";
	}
}

long
tw_http_head_format(const tw_http_head *h, char *out, size_t cap)
{
	size_t o = 0;
	int n;

#define ADD(...) do {							\
	n = snprintf(out + o, cap - o, __VA_ARGS__);			\
	if (n < 0 || (size_t)n >= cap - o)				\
		return -1;						\
	o += (size_t)n;							\
} while (0)

	if (cap == 0)
		return -1;
	ADD("HTTP/1.1 %03d %s\r\n", h->status, tw_http_reason(h->status));
	if (h->type != NULL)
		ADD("Content-Type: %s\r\n", h->type);
	if (h->cache != NULL)
		ADD("Cache-Control: %s\r\n", h->cache);
	if (h->length >= 0)
		ADD("Content-Length: %lld\r\n", h->length);
	if (h->chunked)
		ADD("Transfer-Encoding: chunked\r\n");
	if (h->status == 405)
		ADD("Allow: GET, HEAD\r\n");
	ADD("Connection: %s\r\n\r\n", h->close ? "close" : "keep-alive");
#undef ADD
	return (long)o;
}

size_t
tw_http_chunk(size_t n, char *out)
{
	static const char hex[] = "0123456789abcdef";
	char tmp[16];
	size_t len = 0, i;

	do {
		tmp[len++] = hex[n & 15];
		n >>= 4;
	} while (n != 0);
	for (i = 0; i < len; i++)
		out[i] = tmp[len - 1 - i];
	out[len++] = '\r';
	out[len++] = '\n';
	return len;
}
