/*
 * resp.c - the RESP reply reader and the command encoder (resp.h).
 *
 * A reply is scanned as it arrives: header lines (a type byte, text, CRLF)
 * and bulk payloads, each copied into r->buf. Every header makes one scan
 * record, in arrival order (preorder); the stack counts the elements each
 * open aggregate still waits for. When the last one arrives, finish() lays
 * the records out as tw_resp nodes, every aggregate's elements side by
 * side, using each record's subtree size to step from one sibling to the
 * next.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "redis/resp.h"

/* Scan states: between replies, in a header line, in a bulk payload. */
enum { ST_START, ST_LINE, ST_BULK, ST_FAILED };

/* Past a reply this large, its buffers are given back before the next. */
#define KEEP_BYTES (64 * 1024)
#define KEEP_ELEMS 1024

struct tw__resp_scan {
	int type;
	long long integer;
	size_t off, len;	/* the string in buf */
	size_t n;		/* elements */
	size_t size;		/* records in its subtree, itself included */
	size_t dst;		/* its index in nodes */
};

void
tw_resp_init(tw_resp_reader *r)
{
	memset(r, 0, sizeof(*r));
	r->max_bytes = TW_RESP_MAX_BYTES;
	r->max_elems = TW_RESP_MAX_ELEMS;
	r->max_depth = TW_RESP_MAX_DEPTH;
}

void
tw_resp_free(tw_resp_reader *r)
{
	free(r->buf);
	free(r->scan);
	free(r->nodes);
	r->buf = NULL;
	r->scan = NULL;
	r->nodes = NULL;
	r->cap = r->scancap = r->nodecap = 0;
	tw_resp_reset(r);
}

void
tw_resp_reset(tw_resp_reader *r)
{
	r->state = ST_START;
	r->error = NULL;
	r->len = r->nscan = 0;
	r->depth = 0;
}

static int
fail(tw_resp_reader *r, const char *why)
{
	r->state = ST_FAILED;
	r->error = why;
	return -1;
}

/* A new reply: give back what a large one before it took. */
static void
begin(tw_resp_reader *r)
{
	if (r->cap > KEEP_BYTES) {
		free(r->buf);
		r->buf = NULL;
		r->cap = 0;
	}
	if (r->scancap > KEEP_ELEMS) {
		free(r->scan);
		free(r->nodes);
		r->scan = NULL;
		r->nodes = NULL;
		r->scancap = r->nodecap = 0;
	}
	r->len = r->nscan = r->line = 0;
	r->depth = 0;
	r->state = ST_LINE;
}

/* Copy n bytes into buf; the caller has checked max_bytes. */
static int
append(tw_resp_reader *r, const char *p, size_t n)
{
	if (r->len + n > r->cap) {
		size_t cap = r->cap ? r->cap : 512;
		char *b;

		while (cap < r->len + n)
			cap *= 2;
		if (cap > r->max_bytes)
			cap = r->max_bytes;
		if ((b = realloc(r->buf, cap)) == NULL)
			return fail(r, "out of memory");
		r->buf = b;
		r->cap = cap;
	}
	memcpy(r->buf + r->len, p, n);
	r->len += n;
	return 0;
}

/* A new scan record, or NULL past max_elems. */
static struct tw__resp_scan *
record(tw_resp_reader *r, int type)
{
	struct tw__resp_scan *s;

	if (r->nscan >= r->max_elems) {
		fail(r, "more elements than the limit");
		return NULL;
	}
	if (r->nscan == r->scancap) {
		size_t cap = r->scancap ? r->scancap * 2 : 16;

		if (cap > r->max_elems)
			cap = r->max_elems;
		if ((s = realloc(r->scan, cap * sizeof(*s))) == NULL) {
			fail(r, "out of memory");
			return NULL;
		}
		r->scan = s;
		r->scancap = cap;
	}
	s = &r->scan[r->nscan++];
	memset(s, 0, sizeof(*s));
	s->type = type;
	s->size = 1;
	return s;
}

/* A decimal long long, '-' allowed, nothing else. 0 or -1. */
static int
parse_ll(const char *p, size_t n, long long *v)
{
	unsigned long long u = 0, lim;
	int neg = 0;
	size_t i = 0;

	if (n > 0 && p[0] == '-') {
		neg = 1;
		i = 1;
	}
	if (i == n)
		return -1;
	lim = neg ? (unsigned long long)LLONG_MAX + 1 : LLONG_MAX;
	for (; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return -1;
		if (u > (lim - (unsigned long long)(p[i] - '0')) / 10)
			return -1;
		u = u * 10 + (unsigned long long)(p[i] - '0');
	}
	/* -(2^63) does not fit a positive long long: step around it. */
	*v = neg && u > 0 ? -(long long)(u - 1) - 1 : (long long)u;
	return 0;
}

/*
 * A node is complete: count it off its aggregates. 1 when that completes
 * the reply, else 0 (the next header is due).
 */
static int
node_done(tw_resp_reader *r)
{
	while (r->depth > 0) {
		size_t node = r->stack[r->depth - 1].node;

		if (--r->stack[r->depth - 1].left > 0) {
			r->state = ST_LINE;
			r->line = r->len;
			return 0;
		}
		r->scan[node].size = r->nscan - node;
		r->depth--;
	}
	return 1;
}

/* An aggregate header with count elements (a map's already doubled). */
static int
aggregate(tw_resp_reader *r, int type, long long count)
{
	struct tw__resp_scan *s;

	if (count < 0)
		return fail(r, "bad aggregate length");
	if ((unsigned long long)count > r->max_elems - r->nscan)
		return fail(r, "more elements than the limit");
	if ((s = record(r, type)) == NULL)
		return -1;
	s->n = (size_t)count;
	if (count == 0)
		return node_done(r);
	if (r->depth >= r->max_depth)
		return fail(r, "nested deeper than the limit");
	r->stack[r->depth].node = r->nscan - 1;
	r->stack[r->depth].left = (size_t)count;
	r->depth++;
	r->state = ST_LINE;
	r->line = r->len;
	return 0;
}

/* A bulk header: its payload (and CRLF) comes next. */
static int
bulk(tw_resp_reader *r, int type, long long n)
{
	struct tw__resp_scan *s;

	if (n < 0)
		return fail(r, "bad bulk length");
	if (r->max_bytes - r->len < 2 ||
	    (unsigned long long)n > r->max_bytes - r->len - 2)
		return fail(r, "bulk string longer than the limit");
	if ((s = record(r, type)) == NULL)
		return -1;
	s->off = r->len;
	s->len = (size_t)n;
	r->need = (size_t)n + 2;
	r->state = ST_BULK;
	return 0;
}

/* A leaf whose value is the line's text. */
static int
text(tw_resp_reader *r, int type, size_t off, size_t len)
{
	struct tw__resp_scan *s;

	if ((s = record(r, type)) == NULL)
		return -1;
	s->off = off;
	s->len = len;
	return node_done(r);
}

/* The header line buf[line..len) is complete: 1 reply done, 0, or -1. */
static int
header(tw_resp_reader *r)
{
	size_t off = r->line + 1, n = r->len - r->line;
	const char *p = r->buf + off;
	struct tw__resp_scan *s;
	long long v;

	if (n < 3 || r->buf[r->len - 2] != '\r')
		return fail(r, "line does not end with CRLF");
	r->buf[r->len - 2] = '\0';
	n -= 3;			/* the text between the type and the CRLF */
	switch (r->buf[r->line]) {
	case '+':
		return text(r, TW_RESP_STATUS, off, n);
	case '-':
		return text(r, TW_RESP_ERROR, off, n);
	case ',':
		return text(r, TW_RESP_DOUBLE, off, n);
	case '(':
		return text(r, TW_RESP_BIGNUM, off, n);
	case ':':
		if (parse_ll(p, n, &v) == -1)
			return fail(r, "bad integer");
		if ((s = record(r, TW_RESP_INTEGER)) == NULL)
			return -1;
		s->integer = v;
		return node_done(r);
	case '#':
		if (n != 1 || (p[0] != 't' && p[0] != 'f'))
			return fail(r, "bad boolean");
		if ((s = record(r, TW_RESP_BOOL)) == NULL)
			return -1;
		s->integer = p[0] == 't';
		return node_done(r);
	case '_':
		if (n != 0)
			return fail(r, "bad null");
		return record(r, TW_RESP_NIL) == NULL ? -1 : node_done(r);
	case '$':
	case '!':
	case '=':
		if (parse_ll(p, n, &v) == -1)
			return fail(r, "bad bulk length");
		if (v == -1 && r->buf[r->line] == '$')
			return record(r, TW_RESP_NIL) == NULL ? -1 :
			    node_done(r);
		return bulk(r, r->buf[r->line] == '!' ? TW_RESP_ERROR :
		    TW_RESP_STRING, v);
	case '*':
	case '~':
	case '>':
	case '%':
		if (parse_ll(p, n, &v) == -1)
			return fail(r, "bad aggregate length");
		if (v == -1 && r->buf[r->line] == '*')
			return record(r, TW_RESP_NIL) == NULL ? -1 :
			    node_done(r);
		if (r->buf[r->line] == '%') {
			if (v < 0 || v > LLONG_MAX / 2)
				return fail(r, "bad aggregate length");
			return aggregate(r, TW_RESP_MAP, v * 2);
		}
		return aggregate(r, r->buf[r->line] == '*' ? TW_RESP_ARRAY :
		    r->buf[r->line] == '~' ? TW_RESP_SET : TW_RESP_PUSH, v);
	case '|':
		return fail(r, "RESP3 attributes are not supported");
	default:
		return fail(r, "not a reply type");
	}
}

/* Lay the records out as nodes, each aggregate's elements side by side. */
static int
finish(tw_resp_reader *r)
{
	size_t p, next = 1, c, k;

	if (r->nodecap < r->nscan) {
		tw_resp *nodes = realloc(r->nodes, r->scancap * sizeof(*nodes));

		if (nodes == NULL)
			return fail(r, "out of memory");
		r->nodes = nodes;
		r->nodecap = r->scancap;
	}
	r->scan[0].dst = 0;
	/* Preorder: a record's parent gave it its place before it comes. */
	for (p = 0; p < r->nscan; p++) {
		struct tw__resp_scan *s = &r->scan[p];
		tw_resp *d = &r->nodes[s->dst];

		d->type = s->type;
		d->integer = s->integer;
		d->len = s->len;
		d->n = s->n;
		d->str = NULL;
		d->elem = NULL;
		switch (s->type) {
		case TW_RESP_STATUS:
		case TW_RESP_ERROR:
		case TW_RESP_STRING:
		case TW_RESP_DOUBLE:
		case TW_RESP_BIGNUM:
			d->str = r->buf + s->off;
			break;
		case TW_RESP_ARRAY:
		case TW_RESP_MAP:
		case TW_RESP_SET:
		case TW_RESP_PUSH:
			if (s->n == 0)
				break;
			d->elem = &r->nodes[next];
			for (c = p + 1, k = 0; k < s->n; k++) {
				r->scan[c].dst = next++;
				c += r->scan[c].size;
			}
			break;
		}
	}
	r->state = ST_START;
	return 1;
}

int
tw_resp_feed(tw_resp_reader *r, const char *data, size_t n, size_t *used)
{
	size_t i = 0, take;
	const char *nl;
	int rc = 0;

	if (used != NULL)
		*used = 0;
	if (r->state == ST_FAILED)
		return -1;
	if (r->state == ST_START && n > 0)
		begin(r);
	while (i < n && rc == 0) {
		if (r->state == ST_LINE) {
			nl = memchr(data + i, '\n', n - i);
			take = nl != NULL ? (size_t)(nl - (data + i)) + 1 :
			    n - i;
			if (take > r->max_bytes - r->len) {
				rc = fail(r, "reply longer than the limit");
				break;
			}
			if ((rc = append(r, data + i, take)) == -1)
				break;
			i += take;
			if (nl != NULL)
				rc = header(r);
		} else {
			take = n - i < r->need ? n - i : r->need;
			if ((rc = append(r, data + i, take)) == -1)
				break;
			i += take;
			r->need -= take;
			if (r->need > 0)
				continue;
			if (r->buf[r->len - 2] != '\r' ||
			    r->buf[r->len - 1] != '\n') {
				rc = fail(r,
				    "bulk string does not end with CRLF");
				break;
			}
			r->buf[r->len - 2] = '\0';
			rc = node_done(r);
		}
	}
	if (rc == 1)
		rc = finish(r);
	if (used != NULL)
		*used = i;
	return rc;
}

const tw_resp *
tw_resp_reply(const tw_resp_reader *r)
{
	return r->nscan > 0 ? &r->nodes[0] : NULL;
}

const char *
tw_resp_type_name(int type)
{
	static const char *const names[] = {
		"?", "status", "error", "integer", "string", "nil", "array",
		"map", "set", "push", "boolean", "double", "big number"
	};

	if (type < 0 || type > TW_RESP_BIGNUM)
		return "?";
	return names[type];
}

/* Decimal digits of v. */
static size_t
digits(size_t v)
{
	size_t n = 1;

	while (v >= 10) {
		v /= 10;
		n++;
	}
	return n;
}

/* Write "<type><v>\r\n" at out + at, if it fits. The bytes it takes. */
static size_t
put_header(char *out, size_t cap, size_t at, char type, size_t v)
{
	size_t n = digits(v) + 3, i;

	if (at + n <= cap) {
		out[at] = type;
		for (i = n - 3; i > 0; i--, v /= 10)
			out[at + i] = (char)('0' + v % 10);
		out[at + n - 2] = '\r';
		out[at + n - 1] = '\n';
	}
	return n;
}

size_t
tw_resp_encode(char *out, size_t cap, int argc, const char *const argv[],
    const size_t argl[])
{
	size_t at = 0;
	int i;

	if (argc < 1)
		return 0;
	at += put_header(out, cap, at, '*', (size_t)argc);
	for (i = 0; i < argc; i++) {
		at += put_header(out, cap, at, '$', argl[i]);
		if (at + argl[i] + 2 <= cap) {
			memcpy(out + at, argv[i], argl[i]);
			out[at + argl[i]] = '\r';
			out[at + argl[i] + 1] = '\n';
		}
		at += argl[i] + 2;
	}
	return at;
}
