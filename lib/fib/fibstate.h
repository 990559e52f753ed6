/*
 * fibstate.h - fib-serve's state file (fib-state(5)): a strict reader and an
 * atomic writer.
 *
 * The file is plain text that people read and edit:
 *
 *   # comments and blank lines are ignored
 *   fib-state 1
 *   a 1
 *   b 1
 *   served 0
 *   reserve 0
 *   listen 127.0.0.1:8889        (optional)
 *
 * Reading is strict, because a number the server gets wrong is a number it
 * may serve twice: the first non-comment line must be "fib-state 1"; every
 * other line is one known key, blanks, one value, nothing after it; a key
 * appears once; a, b, served and reserve are required. a and b are decimal
 * numbers of any length; b must not be 0 (the sequence would repeat a
 * number). served is at most UINT64_MAX and reserve at most
 * TW_FIBSTATE_RESERVE_MAX (a server advances the pair that many additions
 * when it starts). A defect fails the read with the message
 * "FILE:LINE: reason", or "FILE: reason" when no line is to blame (a missing
 * key, an empty file, a system error, then with strerror's words).
 *
 * Writing is atomic and durable: the text goes to FILE.tmp.PID in the same
 * directory, which is fsync'd and renamed over FILE; then the directory is
 * fsync'd. A reader sees the old file or the new one, whole, even after a
 * crash at any moment. The new file keeps the old one's mode, and its
 * owner and group where the writer may set them. When FILE is a symbolic
 * link, the file it points to is rewritten (the temporary file goes in
 * that file's directory, the rename replaces it and that directory is
 * fsync'd), so the link stays a link. tw_fibstate_write() touches no shared state and sets
 * no global but errno, so a worker thread may call it (fib-serve does, to
 * keep fsync off its loop); at most one write per path at a time.
 *
 * Errors: -1 with errno set; the reader also fills err (always terminated).
 */
#ifndef TWIRL_FIBSTATE_H
#define TWIRL_FIBSTATE_H

#include <stddef.h>
#include <stdint.h>

#include "bignum.h"

/* Largest reserve a file or a server accepts. */
#define TW_FIBSTATE_RESERVE_MAX 100000000ull

/* Longest listen value kept (a Unix socket path is shorter still). */
#define TW_FIBSTATE_LISTEN_MAX 255

typedef struct tw_fibstate {
	tw_big a, b;		/* the next number is a + b */
	uint64_t served;	/* numbers served since init */
	uint64_t reserve;	/* numbers that may be served beyond a, b */
	char listen[TW_FIBSTATE_LISTEN_MAX + 1];	/* "" when absent */
} tw_fibstate;

/* a = 0, b = 0, served = reserve = 0, no listen. Free with _free(). */
void tw_fibstate_init(tw_fibstate *s);
void tw_fibstate_free(tw_fibstate *s);

/* dst = src (dst initialised). 0, or -1 with ENOMEM. */
int tw_fibstate_copy(tw_fibstate *dst, const tw_fibstate *src);

/*
 * Advance s by n numbers served: a, b = b, a + b n times (by fast doubling,
 * tw_big_advance(), past 10,000), served += n. What a server
 * starting on s serves first is a + b after tw_fibstate_advance(s,
 * s->reserve). Returns 0, or -1 with EOVERFLOW (served would pass
 * UINT64_MAX; s unchanged) or ENOMEM (s then holds some pair in between).
 */
int tw_fibstate_advance(tw_fibstate *s, uint64_t n);

/*
 * Parse the text t[0..len) into s (initialised; replaced only on success),
 * naming the file name in messages. Returns 0, or -1 with errno EINVAL (a
 * defect) or ENOMEM, and the message in err.
 */
int tw_fibstate_parse(tw_fibstate *s, const char *name, const char *t,
    size_t len, char *err, size_t errlen);

/*
 * Read and parse the file at path. As tw_fibstate_parse(); a file that
 * cannot be read fails with its errno (ENOENT, EACCES, ...) and
 * "PATH: strerror" in err.
 */
int tw_fibstate_read(tw_fibstate *s, const char *path, char *err,
    size_t errlen);

/*
 * Check one value as the reader would: key is "a", "b", "served",
 * "reserve" or "listen". Returns 0, or -1 with EINVAL and the reason (no
 * file or line) in err, such as "unknown key 'x'".
 */
int tw_fibstate_check_value(const char *key, const char *value, char *err,
    size_t errlen);

/*
 * Set one key of s from its text, after the same checks. As above; ENOMEM
 * too.
 */
int tw_fibstate_set(tw_fibstate *s, const char *key, const char *value,
    char *err, size_t errlen);

/* The file's text for s: malloc'd, NUL-terminated, *len bytes; NULL: ENOMEM. */
char *tw_fibstate_format(const tw_fibstate *s, size_t *len);

/*
 * Write s to path atomically (above). Returns 0, or -1 with errno; the
 * temporary file is removed on failure and path is left as it was.
 */
int tw_fibstate_write(const tw_fibstate *s, const char *path);

/*
 * Remove the temporary files PATH.tmp.PID that a writer killed mid-write
 * left behind (beside the file a symbolic link PATH points to, as written). Call it only while holding STATE.lock, so no live writer's
 * file can go. Returns how many were removed, or -1 with errno if the
 * directory cannot be read.
 */
int tw_fibstate_remove_temps(const char *path);

#endif
