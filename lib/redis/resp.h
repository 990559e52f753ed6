/*
 * resp.h - read Redis replies as their bytes arrive, and write commands.
 *
 * The Redis client (redis.h) feeds a tw_resp_reader every byte the server
 * sends, split anywhere (one byte at a time is fine); the reader says when
 * a whole reply has arrived and hands it over as a tree of tw_resp nodes.
 *
 * How (after hiredis' reader, with its limits made hard):
 *   - the bytes of one reply are copied into one buffer as they arrive,
 *     and scanned once, in order; a bulk string's payload is copied whole;
 *   - nesting is followed with a fixed stack of remaining-element counts,
 *     never by recursion, so the depth a peer sends costs no C stack;
 *   - a reply longer than max_bytes, holding more than max_elems nodes, or
 *     nested deeper than max_depth is refused as soon as its header says
 *     so (a "$1000000000" is refused before a byte of it is read), and
 *     nothing the reader allocates outgrows these limits;
 *   - when the reply is complete its nodes are laid out so that every
 *     array's elements are contiguous (a second pass, again no recursion),
 *     and every string points into the buffer, NUL-terminated (the CR of
 *     its CRLF becomes the NUL), so binary strings keep their length.
 *
 * What is read: RESP2 (+simple, -error, :integer, $bulk, *array, with
 * $-1 and *-1 as nil) and RESP3's simple forms (_ null, #t/#f boolean,
 * ,double and (big number kept as text, !blob error, =verbatim string,
 * %map, ~set, >push). RESP3's attributes (|) and streamed aggregates
 * (*?, $?) are refused: the client never asks for RESP3 (no HELLO 3).
 * Any other byte where a reply should start, a line not ended by CRLF, a
 * length that is not a decimal number, or an integer out of range is a
 * protocol error; the reader then stays failed until tw_resp_reset().
 *
 * The encoder writes a command the way every client sends one: an array
 * of bulk strings, so arguments are binary-safe.
 */
#ifndef TWIRL_RESP_H
#define TWIRL_RESP_H

#include <stddef.h>

/* Defaults for tw_resp_init() */
#define TW_RESP_MAX_BYTES (1024 * 1024)	/* bytes of one reply, as sent */
#define TW_RESP_MAX_ELEMS 65536		/* nodes in one reply */
#define TW_RESP_MAX_DEPTH 8		/* arrays inside arrays */
#define TW_RESP_DEPTH_LIMIT 32		/* the most max_depth can be */

enum tw_resp_type {
	TW_RESP_STATUS = 1,	/* +OK: str */
	TW_RESP_ERROR,		/* -ERR ... and !blob error: str */
	TW_RESP_INTEGER,	/* :42: integer */
	TW_RESP_STRING,		/* $bulk and =verbatim ("txt:..." as
				   sent): str, binary-safe */
	TW_RESP_NIL,		/* $-1, *-1 and _ */
	TW_RESP_ARRAY,		/* *n: n elements */
	TW_RESP_MAP,		/* %n: 2n elements, key then value */
	TW_RESP_SET,		/* ~n: n elements */
	TW_RESP_PUSH,		/* >n: n elements */
	TW_RESP_BOOL,		/* #t, #f: integer 1 or 0 */
	TW_RESP_DOUBLE,		/* ,3.14: str, as sent */
	TW_RESP_BIGNUM		/* (123...: str, as sent */
};

/* One node of a reply. */
typedef struct tw_resp {
	int type;		/* enum tw_resp_type */
	long long integer;	/* INTEGER, BOOL */
	const char *str;	/* strings: len bytes, a NUL; else NULL */
	size_t len;		/* bytes of str */
	struct tw_resp *elem;	/* aggregates: n nodes; else NULL */
	size_t n;		/* elements (a map's keys and values both) */
} tw_resp;

/*
 * The reader. Set the limits (tw_resp_init() sets the defaults) before the
 * first byte; after a -1, error says why (a static string).
 */
typedef struct tw_resp_reader {
	size_t max_bytes;
	size_t max_elems;
	int max_depth;		/* 1 .. TW_RESP_DEPTH_LIMIT */
	const char *error;

	/* private: see resp.c */
	int state;
	char *buf;		/* this reply's bytes */
	size_t len, cap;
	size_t line;		/* where the line being read starts in buf */
	size_t need;		/* bulk bytes still to come, with the CRLF */
	struct tw__resp_scan *scan;	/* one per node, in arrival order */
	size_t nscan, scancap;
	tw_resp *nodes;		/* the finished reply */
	size_t nodecap;
	int depth;
	struct {
		size_t node;	/* the aggregate's scan index */
		size_t left;	/* elements still to come */
	} stack[TW_RESP_DEPTH_LIMIT];
} tw_resp_reader;

/* A reader with the default limits. */
void tw_resp_init(tw_resp_reader *r);

/* Free what the reader holds; it can be fed again after tw_resp_reset(). */
void tw_resp_free(tw_resp_reader *r);

/* Forget any partial reply and any error: ready for a new connection. */
void tw_resp_reset(tw_resp_reader *r);

/*
 * Read up to n bytes. Returns 0 when all n were read and no reply is
 * complete yet, 1 when a reply is complete (tw_resp_reply() has it), or -1
 * on a protocol error or a limit (error says which). *used (if not NULL)
 * is how many bytes were read: on 1, up to the end of that reply (feed
 * the rest again for the next one); on -1, how far it got (the
 * connection is of no further use). The reply stays valid until the next
 * call to tw_resp_feed(), tw_resp_reset() or tw_resp_free().
 */
int tw_resp_feed(tw_resp_reader *r, const char *data, size_t n,
    size_t *used);

/* The reply completed by the last tw_resp_feed() that returned 1. */
const tw_resp *tw_resp_reply(const tw_resp_reader *r);

/* A node's name for messages: "status", "error", "integer", ... */
const char *tw_resp_type_name(int type);

/*
 * Write the command argv[0..argc) (argument i is argl[i] bytes, any
 * bytes at all) as an array of bulk strings into out, if it fits in cap
 * bytes. Returns the bytes the command takes, whether or not it fit (so
 * a first call with cap 0 sizes the buffer), or 0 if argc < 1.
 */
size_t tw_resp_encode(char *out, size_t cap, int argc,
    const char *const argv[], const size_t argl[]);

#endif
