/*
 * log.c - the log's buffer, on the caller's side, and its writer thread.
 *
 * Two buffers: the callers append to `pending`; the writer swaps it with
 * its empty `out` and writes `out` with the lock released, so a caller
 * waits at most for a memcpy, never for a write. Lines that do not fit in
 * `pending` are counted in `lost`; the writer says how many after the
 * lines that came before them.
 */
#define _GNU_SOURCE

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "log.h"

#define LOG_BUFFER (64 * 1024)	/* bytes of lines waiting to be written */
#define LINE_MAX_LEN 1024	/* a longer line is cut */
#define LOG_DRAIN_SECONDS 2	/* at exit, for a descriptor that is stuck */
#define LOG_RETRY_SECONDS 1	/* after a failed write, with lines lost */

struct buf {
	char *data;
	size_t len;
};

static struct {
	pthread_mutex_t mu;
	pthread_cond_t more;	/* to the writer: something to do */
	pthread_cond_t done;	/* from the writer: it has finished */
	pthread_t thread;
	int running;		/* started, and not yet stopped */
	int quiet;
	char *path;		/* NULL: stderr */
	int fd;
	struct buf pending, out;
	unsigned long long lost;	/* lines dropped, not yet reported */
	int broken;		/* the last write failed: wait for new lines */
	int reopen;		/* SIGHUP asked for a reopen */
	int closing;		/* exit: write what is left, then end */
	int finished;		/* the writer ended */
} lg = {
	.mu = PTHREAD_MUTEX_INITIALIZER,
	.more = PTHREAD_COND_INITIALIZER,
	.done = PTHREAD_COND_INITIALIZER,
	.fd = -1,
};

/* "[STAMP ]PROGRAM: message[: why]\n" into line; returns its length. */
static size_t
format_line(char *line, size_t size, int stamp, const char *fmt, va_list ap,
    const char *why)
{
	size_t n = 0;
	int w;

	if (stamp) {
		struct timespec ts;
		struct tm tm;

		clock_gettime(CLOCK_REALTIME, &ts);
		gmtime_r(&ts.tv_sec, &tm);
		n = strftime(line, size, "%Y-%m-%dT%H:%M:%S", &tm);
		n += (size_t)snprintf(line + n, size - n, ".%03ldZ ",
		    ts.tv_nsec / 1000000);
	}
	w = snprintf(line + n, size - n, "%s: ", tw_getprogname());
	n = w < 0 || (size_t)w >= size - n ? size - 1 : n + (size_t)w;
	w = vsnprintf(line + n, size - n, fmt, ap);
	n = w < 0 || (size_t)w >= size - n ? size - 1 : n + (size_t)w;
	if (why != NULL) {
		w = snprintf(line + n, size - n, ": %s", why);
		n = w < 0 || (size_t)w >= size - n ? size - 1 : n + (size_t)w;
	}
	if (n > size - 2)
		n = size - 2;
	line[n++] = '\n';
	return n;
}

/* Under the lock: a line into pending, or counted as lost. */
static void
append_locked(const char *line, size_t n)
{
	if (lg.pending.len + n > LOG_BUFFER) {
		lg.lost++;
		return;
	}
	memcpy(lg.pending.data + lg.pending.len, line, n);
	lg.pending.len += n;
	lg.broken = 0;
	pthread_cond_signal(&lg.more);
}

static void
vlog(const char *fmt, va_list ap, const char *why)
{
	char line[LINE_MAX_LEN];
	size_t n;

	pthread_mutex_lock(&lg.mu);
	if (!lg.running) {
		pthread_mutex_unlock(&lg.mu);
		n = format_line(line, sizeof(line), 0, fmt, ap, why);
		(void)!write(STDERR_FILENO, line, n);
		return;
	}
	/* Formatted under the lock: lines keep the order of their stamps. */
	n = format_line(line, sizeof(line), lg.path != NULL, fmt, ap, why);
	append_locked(line, n);
	pthread_mutex_unlock(&lg.mu);
}

void
tw_log_info(const char *fmt, ...)
{
	va_list ap;

	if (lg.quiet)
		return;
	va_start(ap, fmt);
	vlog(fmt, ap, NULL);
	va_end(ap);
}

void
tw_log_notice(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(fmt, ap, NULL);
	va_end(ap);
}

void
tw_log_warn(const char *fmt, ...)
{
	va_list ap;
	int e = errno;

	va_start(ap, fmt);
	vlog(fmt, ap, strerror(e));
	va_end(ap);
	errno = e;
}

void
tw_log_reopen(void)
{
	pthread_mutex_lock(&lg.mu);
	if (lg.running && lg.path != NULL) {
		lg.reopen = 1;
		pthread_cond_signal(&lg.more);
	}
	pthread_mutex_unlock(&lg.mu);
}

/* ------------------------------------------------------------ the writer */

static int
open_path(const char *path)
{
	return open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY,
	    0644);
}

/* A line the writer itself says, stamped like the others. */
static size_t
own_line(char *line, size_t size, const char *fmt, ...)
{
	va_list ap;
	size_t n;

	va_start(ap, fmt);
	n = format_line(line, size, lg.path != NULL, fmt, ap, NULL);
	va_end(ap);
	return n;
}

/*
 * All of buf to fd, blocking: this is the thread that may wait. A
 * non-blocking descriptor (stderr shares its file description with a
 * terminal the program set O_NONBLOCK on) is waited for with poll(2).
 * Returns 0, or -1 when the descriptor fails.
 */
static int
write_all(int fd, const char *buf, size_t len)
{
	struct pollfd pfd = { .fd = fd, .events = POLLOUT };
	ssize_t n;

	while (len > 0) {
		n = write(fd, buf, len);
		if (n > 0) {
			buf += n;
			len -= (size_t)n;
		} else if (n == -1 && errno == EAGAIN) {
			(void)poll(&pfd, 1, 1000);
		} else if (n == -1 && errno != EINTR) {
			return -1;
		}
	}
	return 0;
}

static unsigned long long
count_lines(const char *buf, size_t len)
{
	const char *end = buf + len;
	unsigned long long n = 0;

	while ((buf = memchr(buf, '\n', (size_t)(end - buf))) != NULL) {
		n++;
		buf++;
	}
	return n;
}

/* Under the lock, released around the open: SIGHUP's reopen. */
static void
reopen_locked(void)
{
	char line[LINE_MAX_LEN];
	size_t n;
	int fd, e;

	lg.reopen = 0;
	pthread_mutex_unlock(&lg.mu);
	fd = open_path(lg.path);
	e = errno;
	pthread_mutex_lock(&lg.mu);
	if (fd == -1) {
		n = own_line(line, sizeof(line), "cannot reopen %s: %s", lg.path,
		    strerror(e));
	} else {
		close(lg.fd);
		lg.fd = fd;
		n = own_line(line, sizeof(line), "log reopened");
	}
	append_locked(line, n);
}

static void *
writer(void *arg)
{
	unsigned long long lost;
	struct timespec retry;
	struct buf t;

	(void)arg;
	pthread_mutex_lock(&lg.mu);
	for (;;) {
		while (lg.pending.len == 0 && (lg.lost == 0 || lg.broken) &&
		    !lg.reopen && !lg.closing) {
			if (lg.lost == 0) {
				pthread_cond_wait(&lg.more, &lg.mu);
				continue;
			}
			/* The last write failed: try again in a while, so an
			 * idle server too says what it lost once it can. */
			clock_gettime(CLOCK_REALTIME, &retry);
			retry.tv_sec += LOG_RETRY_SECONDS;
			if (pthread_cond_timedwait(&lg.more, &lg.mu, &retry) ==
			    ETIMEDOUT)
				lg.broken = 0;
		}
		if (lg.reopen) {
			reopen_locked();
			continue;
		}
		if (lg.pending.len == 0 && (lg.lost == 0 || lg.broken))
			break;	/* closing, and nothing more can be said */
		t = lg.out;
		lg.out = lg.pending;
		lg.pending = t;
		lost = lg.lost;
		lg.lost = 0;
		pthread_mutex_unlock(&lg.mu);

		if (write_all(lg.fd, lg.out.data, lg.out.len) == -1) {
			lost += count_lines(lg.out.data, lg.out.len);
		} else if (lost > 0) {
			char line[LINE_MAX_LEN];
			size_t n = own_line(line, sizeof(line),
			    "%llu log lines lost", lost);

			if (write_all(lg.fd, line, n) == 0)
				lost = 0;
		}
		lg.out.len = 0;

		pthread_mutex_lock(&lg.mu);
		if (lost > 0) {
			/* Said when the descriptor takes lines again. */
			lg.lost += lost;
			lg.broken = 1;
		}
	}
	lg.finished = 1;
	pthread_cond_signal(&lg.done);
	pthread_mutex_unlock(&lg.mu);
	return NULL;
}

/* ------------------------------------------------------ start and stop */

/* At exit: what is buffered goes out, unless the descriptor is stuck. */
static void
drain(void)
{
	struct timespec deadline;
	int finished;

	pthread_mutex_lock(&lg.mu);
	if (!lg.running) {
		pthread_mutex_unlock(&lg.mu);
		return;
	}
	lg.closing = 1;
	pthread_cond_signal(&lg.more);
	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += LOG_DRAIN_SECONDS;
	while (!lg.finished &&
	    pthread_cond_timedwait(&lg.done, &lg.mu, &deadline) != ETIMEDOUT)
		;
	finished = lg.finished;
	lg.running = 0;		/* from here on, lines go to stderr */
	pthread_mutex_unlock(&lg.mu);
	if (!finished)
		return;		/* the writer is stuck in write(2): leave it */
	pthread_join(lg.thread, NULL);
	if (lg.path != NULL)
		close(lg.fd);
	free(lg.pending.data);
	free(lg.out.data);
	free(lg.path);
}

int
tw_log_start(const char *path, int quiet)
{
	sigset_t all, old;
	int e;

	lg.quiet = quiet;
	lg.fd = STDERR_FILENO;
	if (path != NULL) {
		if ((lg.path = strdup(path)) == NULL)
			return -1;
		if ((lg.fd = open_path(path)) == -1)
			goto fail;
	}
	if ((lg.pending.data = malloc(LOG_BUFFER)) == NULL ||
	    (lg.out.data = malloc(LOG_BUFFER)) == NULL)
		goto fail;
	/* Signals are for the loop's thread: the writer takes none. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	e = pthread_create(&lg.thread, NULL, writer, NULL);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (e != 0) {
		errno = e;
		goto fail;
	}
	lg.running = 1;
	atexit(drain);
	return 0;
fail:
	e = errno;
	if (path != NULL && lg.fd != -1)
		close(lg.fd);
	lg.fd = -1;
	free(lg.pending.data);
	free(lg.out.data);
	free(lg.path);
	lg.pending.data = lg.out.data = lg.path = NULL;
	errno = e;
	return -1;
}
