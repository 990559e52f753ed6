/*
 * follow.h - read an input without blocking the loop: follow a growing file
 * like tail -F, or read a stream (a pipe, a terminal) to its end.
 *
 * A followed file is read by path, inode and offset:
 *
 *   - it starts at the end of the file (at its last newline, so a partial
 *     last line is read whole once it ends), or at its beginning with
 *     TW_FOLLOW_FROM_START; a file that is missing is waited for, and read
 *     from its beginning when it appears;
 *   - appended bytes are noticed through inotify(7) on Linux (events on
 *     the file and on its directory) and, everywhere, by a stat(2) every
 *     100 ms, which is also the safety net for what inotify misses. All
 *     the followers of files of one reactor share one inotify instance,
 *     made with the first and closed with the last; where none can be
 *     had (EMFILE, or the user's fs.inotify.max_user_instances reached),
 *     the stat(2) alone follows, so appends are seen within 100 ms;
 *   - rotation: when the path names another file (rename and re-create),
 *     the new one is read from its beginning, and the old one is still
 *     read for rotate_wait seconds, as a writer may hold it until told to
 *     reopen (nginx until USR1): at each look the old file is read to its
 *     end before the new one. During the wait only whole lines are
 *     delivered, so lines of the two files are never glued together; a
 *     partial line of the old file already delivered is continued, and
 *     the new file waits for its end. When the wait is over the old file
 *     is read to its end, a partial last line included, and
 *     TW_FOLLOW_ROTATED is reported: that partial line ends there. A
 *     second rotation ends the wait at once. While the path names
 *     nothing, the old file is read as before, with no wait running;
 *   - truncation: a file shorter than the offset (copytruncate), or
 *     truncated and refilled past it between two looks (the bytes just
 *     before the offset changed), is read again from its beginning
 *     (TW_FOLLOW_TRUNCATED);
 *   - reads are bounded (64 KiB per loop turn), so a large backlog never
 *     stalls the loop.
 *
 * Limits: bytes written to the old file after the wait are not seen; a
 * line longer than 64 KiB waits for the end of the wait; a refill whose
 * 64 bytes just before the offset are the same as before is taken for the
 * same file.
 *
 * A path that names something other than a regular file (a FIFO, a
 * terminal, /dev/stdin), and any descriptor given to tw_follow_fd(), is a
 * stream: it is set non-blocking (its flags are restored on close), read
 * when readable, and ends at end of file (TW_FOLLOW_EOF).
 *
 * Callbacks run in the loop. data() gets what was read, from a buffer that
 * is only valid during the call. event() reports what happened; err is an
 * errno value for TW_FOLLOW_MISSING and TW_FOLLOW_ERROR, else 0. Either may
 * call tw_follow_close() on its own follower.
 */
#ifndef TWIRL_FOLLOW_H
#define TWIRL_FOLLOW_H

#include <stddef.h>

#include "reactor.h"

typedef struct tw_follow tw_follow;

enum {
	TW_FOLLOW_OPENED = 1,	/* the file, missing until now, appeared */
	TW_FOLLOW_ROTATED,	/* the wait is over: now only the new file */
	TW_FOLLOW_TRUNCATED,	/* the file shrank: reading again from 0 */
	TW_FOLLOW_MISSING,	/* cannot open the file (err): waiting for it */
	TW_FOLLOW_ERROR,	/* a read failed (err); a file is reopened, a stream ends */
	TW_FOLLOW_EOF		/* a stream ended; nothing more will come */
};

enum { TW_FOLLOW_FROM_START = 1 };

typedef void (*tw_follow_data_cb)(tw_follow *f, const char *buf, size_t len);
typedef void (*tw_follow_event_cb)(tw_follow *f, int event, int err);

/*
 * Follow the file at path (flags: 0 or TW_FOLLOW_FROM_START), reading a
 * renamed file for rotate_wait seconds more (0: not at all). A missing
 * file is not an error: TW_FOLLOW_MISSING is reported from the loop and the
 * file waited for. Returns the follower, or NULL with errno set: ENOMEM, or
 * the error of a file that exists but cannot be opened or read (EACCES,
 * EISDIR, ...).
 */
tw_follow *tw_follow_file(tw_reactor *r, const char *path, int flags,
    double rotate_wait, tw_follow_data_cb data, tw_follow_event_cb event,
    void *arg);

/* Read the stream fd (not closed by tw_follow_close) to its end. */
tw_follow *tw_follow_fd(tw_reactor *r, int fd, tw_follow_data_cb data,
    tw_follow_event_cb event, void *arg);

/* The arg given when the follower was made. */
void *tw_follow_arg(const tw_follow *f);

/* Is it following a file by path (1) or reading a stream (0)? */
int tw_follow_is_file(const tw_follow *f);

/* Stop: no callback runs again. Safe from inside the follower's callbacks. */
void tw_follow_close(tw_follow *f);

#endif
