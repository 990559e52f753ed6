/*
 * log.h - a server's log, written without ever blocking its loop.
 *
 * Lines are "PROGRAM: message" on standard error or, with a log file,
 * appended to it with an ISO 8601 time stamp (UTC) in front:
 * "2026-12-02T13:08:29.123Z fib-serve: listening on 127.0.0.1:8889".
 *
 * The calling thread only formats a line and copies it into a bounded
 * buffer (LOG_BUFFER, 64 KiB) under a mutex; a writer thread owns the
 * descriptor and does the blocking writes. When the buffer is full (the
 * reader of stderr stalls, the disk is slow) a line is dropped and
 * counted, and once a write succeeds again the log says, once, "N log
 * lines lost". So a terminal, pipe or disk that cannot keep up slows
 * nobody; it loses lines, and says how many.
 *
 * The log is process-wide, like stderr itself: one per process, started
 * once, after any fork(2) (the writer is a thread). Before tw_log_start()
 * and after the log stops, lines go straight to stderr (blocking: fine
 * while no loop runs). At exit the log drains what it holds, waiting at
 * most LOG_DRAIN_SECONDS for a stuck descriptor.
 *
 * The functions may be called from any thread.
 */
#ifndef TWIRL_LOG_H
#define TWIRL_LOG_H

/*
 * Start the writer: to path, opened for appending (created 0644), or to
 * stderr when path is NULL. quiet drops tw_log_info() lines. Returns 0, or
 * -1 with errno when path cannot be opened or the thread cannot start.
 */
int tw_log_start(const char *path, int quiet);

/* Chatter (connects, disconnects, notices): -q drops it. */
void tw_log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* What is always said: readiness, stopping, errors. */
void tw_log_notice(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));
/* tw_log_notice() with ": strerror(errno)" after the message. */
void tw_log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Reopen the log file (it was rotated): the writer thread opens it again
 * and says "log reopened" in the new file, or why it could not in the old
 * one. Nothing happens when the log is stderr.
 */
void tw_log_reopen(void);

#endif
