/*
 * http.h - read an HTTP/1.x request head as its bytes arrive, in one fixed
 * struct; and write a response head.
 *
 * weblog-serve's HTTP listener (SPEC "HTTP") feeds each connection's bytes
 * to a tw_http_req, split anywhere (one byte at a time is fine). Each byte
 * is looked at once, in order: there is no backtracking and nothing is
 * allocated. The parser keeps only what the server uses: the method, the
 * target (path and raw query), and the values of Host, Connection and
 * Last-Event-ID; every other header is checked for form and skipped.
 *
 * What is accepted (RFC 9112, read strictly where leniency would hide a
 * mistake, leniently where clients differ):
 *   - empty lines before the request line are skipped;
 *   - request line: METHOD SP TARGET SP HTTP/1.x, single spaces; the method
 *     a token (GET and HEAD are known, any other is TW_HTTP_OTHER, which
 *     the server answers with 405); the target in origin form ("/path" or
 *     "/path?query"; a "#fragment" is dropped); its bytes anything but
 *     controls, space and DEL (raw UTF-8 from curl is allowed);
 *   - header lines: a token, a colon, the value with the spaces and tabs
 *     around it dropped; obsolete line folding is refused;
 *   - lines end with CRLF or a bare LF; a CR anywhere else is refused;
 *   - HTTP/1.1 needs exactly one Host header (RFC 9112 3.2), 1.0 at most one;
 *   - a later Last-Event-ID replaces an earlier one; Connection tokens
 *     "close" and "keep-alive" (any case, several headers or a list) decide
 *     keep_alive with the version's default.
 *
 * What is refused, as the status the server should answer and then close:
 *   400  a malformed request line or header line; a target not in origin
 *        form ("*", "http://host/..."); a missing or repeated Host in 1.1;
 *        a Content-Length that is not one number
 *   413  a request body: Content-Length other than 0, or any
 *        Transfer-Encoding. The server takes no request body, so it cannot
 *        know where a body would end: the connection cannot be reused.
 *   431  a head longer than TW_HTTP_HEAD_MAX bytes, counted from the
 *        request's first byte to the LF of the empty line that ends it
 *   505  a version other than HTTP/1.x (HTTP/1.2 and later minors are
 *        read as 1.1, as RFC 9110 2.5 asks)
 *
 * The parser has no clock: the SPEC's 10 s deadline for a complete head
 * is the server's timer.
 */
#ifndef TWIRL_HTTP_H
#define TWIRL_HTTP_H

#include <stddef.h>

#define TW_HTTP_HEAD_MAX 8192	/* bytes of a request head; past it, 431 */
#define TW_HTTP_NAME_MAX 24	/* header names this long or longer are skipped */

enum { TW_HTTP_GET = 1, TW_HTTP_HEAD, TW_HTTP_OTHER };

/*
 * One request head. Fields above "private" are the result: valid once
 * tw_http_feed() returned 1 (status and error once it returned -1), until
 * the next tw_http_reset(). The pointers point into the struct itself, so
 * do not copy it. Strings are not NUL-terminated. About 8.3 KiB: a server
 * may allocate one only while a head is being read.
 */
typedef struct tw_http_req {
	int method;			/* TW_HTTP_GET, _HEAD or _OTHER */
	const char *mname;		/* the method as sent, for the log */
	size_t mnamelen;
	int minor;			/* HTTP/1.minor: 0 or 1 */
	int keep_alive;			/* the client may send another request */
	const char *path;		/* from '/', up to '?', as sent */
	size_t pathlen;
	const char *query;		/* after '?', raw; NULL if no '?' */
	size_t querylen;
	const char *host;		/* Host value; NULL if absent */
	size_t hostlen;
	const char *last_event_id;	/* Last-Event-ID value; NULL if absent */
	size_t last_event_idlen;
	int status;			/* after -1: 400, 413, 431 or 505 */
	const char *error;		/* after -1: why, for the log */

	/* private: offsets into store, and where the parser is */
	int state;
	int result;			/* 0 reading, 1 done, -1 failed */
	int cr;				/* the last byte was a CR ending a line */
	int hdr;			/* the header being read */
	int conn;			/* Connection tokens seen: close, keep-alive */
	int nhost;
	size_t total;			/* bytes of the head so far */
	size_t slen;			/* bytes used in store */
	size_t tstart, qstart, tend;	/* the target; qstart 0 if no query */
	size_t vstart, vend;		/* the header value; vend past its last non-space */
	size_t hoff, leid;		/* Host and Last-Event-ID values */
	size_t namelen;
	char name[TW_HTTP_NAME_MAX];
	char store[TW_HTTP_HEAD_MAX];	/* method, target, kept values */
} tw_http_req;

/* Ready for a new request head (also the first). */
void tw_http_reset(tw_http_req *r);

/*
 * Parse n bytes. Returns 0 when all n were read and the head is not yet
 * complete, 1 when it is complete (the request fields are set), or -1 when
 * it is refused (status and error are set). *used (if not NULL) says how
 * many bytes were read: on 1, up to and including the LF that ends the
 * head (what follows is the next request's); on -1, up to and including
 * the byte that was refused. Once 1 or -1, it stays so until reset.
 */
int tw_http_feed(tw_http_req *r, const char *data, size_t n, size_t *used);

/*
 * Query parameters, in order: *pos starts at 0. Fills the raw (still
 * percent-encoded) name and value and returns 1, or returns 0 after the
 * last. "a&b=" gives a with an empty value, then b with an empty value;
 * empty pieces ("&&") are skipped.
 */
typedef struct tw_http_param {
	const char *name;
	size_t namelen;
	const char *value;
	size_t valuelen;
} tw_http_param;

int tw_http_param_next(const tw_http_req *r, size_t *pos, tw_http_param *p);

/*
 * Percent-decode in[0..len) into out (room for len bytes; out may be in),
 * as browsers encode queries: '+' is a space, %HH is that byte (any hex
 * case), and a '%' not followed by two hex digits stays as it is. Returns
 * the bytes written, which may include NUL.
 */
size_t tw_http_decode(const char *in, size_t len, char *out);

/*
 * The value of the first query parameter whose decoded name is name
 * ("replay", "from", "status", "match", "exclude"), decoded into out with
 * a NUL after it. Returns its length, -1 if there is no such parameter, or
 * -2 if it and its NUL do not fit in cap bytes. A value holding %00 has a
 * NUL inside: compare the length with strlen() before using it as a string.
 */
long tw_http_get(const tw_http_req *r, const char *name, char *out, size_t cap);

/* ------------------------------------------------------------ responses */

/* "OK", "Bad Request", ... for the statuses the server answers; else "". */
const char *tw_http_reason(int status);

/*
 * A response head, written by tw_http_head():
 *
 *   HTTP/1.1 STATUS REASON
 *   Content-Type: TYPE                  if type is not NULL
 *   Cache-Control: CACHE                if cache is not NULL
 *   Content-Length: N                   if length >= 0
 *   Transfer-Encoding: chunked          if chunked
 *   Allow: GET, HEAD                    if status is 405 (RFC 9110 15.5.6)
 *   Connection: close | keep-alive      as close says
 *   (empty line)
 *
 * with CRLF line ends. HTTP/1.0 clients cannot read chunked framing: for
 * them send no length and close at the end.
 */
typedef struct tw_http_head {
	int status;
	const char *type;
	const char *cache;
	long long length;		/* -1: none */
	int chunked;
	int close;
} tw_http_head;

/*
 * Write h into out (cap bytes), NUL-terminated. Returns the bytes written
 * before the NUL, or -1 if they and the NUL do not fit.
 */
long tw_http_head_format(const tw_http_head *h, char *out, size_t cap);

/*
 * The line that starts a chunk of n bytes (n > 0) in chunked framing: n in
 * hex and CRLF, at most 18 bytes. The chunk's data follows, then CRLF; the
 * body ends with the chunk of size 0, "0\r\n\r\n".
 */
size_t tw_http_chunk(size_t n, char *out);

#endif
