/*
 * lines.h - split a byte stream into lines, with a maximum line length.
 *
 * Feed it whatever read(2) returned; it calls back once per complete line
 * (without its '\n'; a '\r' before it is kept, it is the caller's to judge).
 * Whole lines inside one chunk are passed straight from the caller's buffer;
 * only a partial line is copied, into a buffer that never grows past max
 * bytes. A line longer than max is delivered cut to its first max bytes
 * with TW_LINE_CUT set, and the rest of it, up to its '\n', is skipped.
 */
#ifndef TWIRL_LINES_H
#define TWIRL_LINES_H

#include <stddef.h>

enum { TW_LINE_CUT = 1 };

typedef struct tw_lines {
	char *buf;		/* the partial line */
	size_t len;
	size_t cap;
	size_t max;
	int skipping;		/* inside the rest of a cut line */
} tw_lines;

/*
 * Called per line; flags is 0 or TW_LINE_CUT. A non-zero return stops
 * tw_lines_feed(), which returns that value; the bytes not yet split stay
 * unread, and the caller must feed them again (from the offset stored in
 * *used) to go on.
 */
typedef int (*tw_line_cb)(void *arg, const char *line, size_t len, int flags);

void tw_lines_init(tw_lines *l, size_t max);
void tw_lines_free(tw_lines *l);

/*
 * Split n bytes of data. Returns 0 once all of it is consumed, the
 * callback's non-zero value if it stopped, or -1 with ENOMEM. *used (if not
 * NULL) is how many bytes of data were consumed.
 */
int tw_lines_feed(tw_lines *l, const char *data, size_t n, tw_line_cb cb,
    void *arg, size_t *used);

/*
 * At end of input: deliver the partial line, if there is one, as a last line
 * (flags as above). Returns what the callback returned, or 0.
 */
int tw_lines_finish(tw_lines *l, tw_line_cb cb, void *arg);

/* Bytes of a partial line held, waiting for its end. */
static inline size_t tw_lines_pending(const tw_lines *l) { return l->len; }

#endif
