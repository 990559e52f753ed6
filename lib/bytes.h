/*
 * bytes.h - reference-counted byte buffers, shared between write queues.
 *
 * A server that sends the same bytes to many clients (weblog-serve's
 * fan-out) makes one tw_bytes and queues it on every connection with
 * tw_conn_write_bytes(); each queue holds a reference, and the buffer is
 * freed when the last one lets go. Nothing is copied per client.
 *
 * A tw_bytes is mutable only while its creator holds the only reference;
 * once shared it must not change. Not thread-safe: one loop thread at a time.
 */
#ifndef TWIRL_BYTES_H
#define TWIRL_BYTES_H

#include <stddef.h>

typedef struct tw_bytes {
	size_t refs;
	size_t len;		/* bytes used */
	size_t cap;		/* bytes allocated in data */
	char data[];
} tw_bytes;

/* A buffer with room for cap bytes, len 0, one reference; NULL if no memory. */
tw_bytes *tw_bytes_new(size_t cap);

/* A buffer holding a copy of p[0..len), one reference. */
tw_bytes *tw_bytes_copy(const void *p, size_t len);

/*
 * Give back the room past b->len (b must have one reference); returns the
 * buffer, which may have moved, or b itself if realloc fails.
 */
tw_bytes *tw_bytes_trim(tw_bytes *b);

static inline tw_bytes *tw_bytes_ref(tw_bytes *b) { b->refs++; return b; }

/* Drop a reference; the last one frees b. NULL is ignored. */
void tw_bytes_unref(tw_bytes *b);

#endif
