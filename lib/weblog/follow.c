/*
 * follow.c - follow a file like tail -F; read a stream to its end.
 *
 * A followed file is (path, dev, ino, offset). Everything that may have
 * changed is looked at in one place, check(): the file shrank (truncated),
 * grew (read), or the path now names another inode (rotated: read the old
 * one to its end, then switch). inotify events and the 100 ms timer only
 * call check(); they never carry state of their own, so a missed or merged
 * event costs at most one timer period. Reading is a tw_soon that reads one
 * chunk with pread(2) and queues itself again while there may be more.
 *
 * Hazards handled:
 *   - inotify_add_watch() takes a path, so the watch may land on a file
 *     other than the one we opened if the path changes in between; the
 *     timer catches up, and the watch is set again at every switch;
 *   - a callback may close the follower: every entry point holds `busy`,
 *     and the struct is freed only when the outermost one returns.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/inotify.h>
#endif

#include "follow.h"
#include "timer.h"

#define CHUNK 65536		/* bytes read per loop turn */
#define CHECK_EVERY 0.1		/* seconds between stat() checks */

struct tw_follow {
	tw_reactor *r;
	tw_follow_data_cb data;
	tw_follow_event_cb event;
	void *arg;
	int is_file;
	int fd;			/* the file or stream; -1 while missing */
	int own_fd;		/* close fd on close */
	int saved_flags;	/* a stream's flags, restored on close */
	tw_io io;		/* a stream's reads */
	/* a followed file */
	char *path, *dir;
	dev_t dev;
	ino_t ino;
	off_t off;
	int rotated;		/* the path names a new file: drain, switch */
	int missing;		/* MISSING reported, not yet found */
	int failed;		/* ERROR reported, no read has worked since */
	tw_soon soon;		/* read a chunk */
	tw_timer timer;		/* the stat() safety net */
	int ifd, wd_file, wd_dir;	/* inotify; -1 when not used */
	tw_io iio;
	int busy, closed;
};

static void read_soon_cb(tw_soon *s);
static void timer_cb(tw_timer *t);
static void inotify_cb(tw_io *io, int events);
static void stream_cb(tw_io *io, int events);

/* ------------------------------------------------------------- common */

static void
release(tw_follow *f)
{
	if (f->busy == 0 && f->closed) {
		free(f->path);
		free(f->dir);
		free(f);
	}
}

/* Report an event; returns 0 if the callback closed the follower. */
static int
report(tw_follow *f, int event, int err)
{
	f->event(f, event, err);
	return !f->closed;
}

static tw_follow *
new_follow(tw_reactor *r, tw_follow_data_cb data, tw_follow_event_cb event,
    void *arg)
{
	tw_follow *f;

	if ((f = calloc(1, sizeof(*f))) == NULL)
		return NULL;
	f->r = r;
	f->data = data;
	f->event = event;
	f->arg = arg;
	f->fd = f->ifd = f->wd_file = f->wd_dir = -1;
	f->saved_flags = -1;
	tw_soon_init(&f->soon, read_soon_cb, f);
	tw_timer_init(&f->timer, timer_cb, f);
	return f;
}

void *
tw_follow_arg(const tw_follow *f)
{
	return f->arg;
}

int
tw_follow_is_file(const tw_follow *f)
{
	return f->is_file;
}

void
tw_follow_close(tw_follow *f)
{
	if (f == NULL || f->closed)
		return;
	f->closed = 1;
	tw_soon_cancel(f->r, &f->soon);
	tw_timer_cancel(f->r, &f->timer);
	if (f->io.cb != NULL)
		tw_io_stop(f->r, &f->io);
	if (f->ifd >= 0) {
		tw_io_stop(f->r, &f->iio);
		close(f->ifd);
	}
	if (f->fd >= 0) {
		if (f->saved_flags != -1)
			fcntl(f->fd, F_SETFL, f->saved_flags);
		if (f->own_fd)
			close(f->fd);
	}
	f->fd = -1;
	release(f);
}

/* ------------------------------------------------------------- streams */

static int
start_stream(tw_follow *f, int fd, int own)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl == -1 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) == -1)
		return -1;
	f->fd = fd;
	f->own_fd = own;
	f->saved_flags = fl;
	tw_io_init(&f->io, fd, stream_cb, f);
	if (tw_io_start(f->r, &f->io, TW_READ) == -1) {
		int e = errno;

		fcntl(fd, F_SETFL, fl);
		f->fd = -1;
		errno = e;
		return -1;
	}
	return 0;
}

/* One read per call: a stream that never pauses cannot hold the loop. */
static void
stream_cb(tw_io *io, int events)
{
	tw_follow *f = io->data;
	char buf[CHUNK];
	ssize_t n;

	(void)events;
	f->busy++;
	n = read(f->fd, buf, sizeof(buf));
	if (n > 0) {
		f->data(f, buf, (size_t)n);
	} else if (n == 0) {
		tw_io_stop(f->r, &f->io);
		report(f, TW_FOLLOW_EOF, 0);
	} else if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
		int e = errno;

		tw_io_stop(f->r, &f->io);
		report(f, TW_FOLLOW_ERROR, e);
	}
	f->busy--;
	release(f);
}

tw_follow *
tw_follow_fd(tw_reactor *r, int fd, tw_follow_data_cb data,
    tw_follow_event_cb event, void *arg)
{
	tw_follow *f;

	if ((f = new_follow(r, data, event, arg)) == NULL)
		return NULL;
	if (start_stream(f, fd, 0) == -1) {
		int e = errno;

		free(f);
		errno = e;
		return NULL;
	}
	return f;
}

/* --------------------------------------------------------------- files */

static void
watch_file(tw_follow *f)
{
#ifdef __linux__
	if (f->ifd < 0)
		return;
	if (f->wd_file >= 0)
		inotify_rm_watch(f->ifd, f->wd_file);
	f->wd_file = inotify_add_watch(f->ifd, f->path,
	    IN_MODIFY | IN_MOVE_SELF | IN_DELETE_SELF | IN_ATTRIB);
#else
	(void)f;
#endif
}

static void
watch_dir(tw_follow *f)
{
#ifdef __linux__
	if ((f->ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC)) == -1)
		return;		/* the timer alone will do */
	tw_io_init(&f->iio, f->ifd, inotify_cb, f);
	if (tw_io_start(f->r, &f->iio, TW_READ) == -1) {
		close(f->ifd);
		f->ifd = -1;
		return;
	}
	/* A missing directory: its file can only appear with it; the timer sees it. */
	f->wd_dir = inotify_add_watch(f->ifd, f->dir,
	    IN_CREATE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE);
#else
	(void)f;
#endif
}

/*
 * Where reading starts in a file of size bytes when following from its
 * end: just past its last newline, so that a partial last line is read
 * whole once it ends. A file with no newline in its last chunk starts at
 * its end, unless it is all one partial line.
 */
static off_t
tail_start(int fd, off_t size)
{
	char buf[CHUNK];
	off_t from = size > CHUNK ? size - CHUNK : 0;
	ssize_t n = pread(fd, buf, (size_t)(size - from), from);

	while (n > 0) {
		if (buf[n - 1] == '\n')
			return from + n;
		n--;
	}
	return n == 0 && from == 0 ? 0 : size;
}

/*
 * Open the path. Returns 0; 1 if it is not a regular file (the caller
 * makes it a stream); or -1 with errno.
 */
static int
open_file(tw_follow *f, int at_end)
{
	struct stat st;
	int fd;

	if ((fd = open(f->path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)) == -1)
		return -1;
	if (fstat(fd, &st) == -1) {
		int e = errno;

		close(fd);
		errno = e;
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		if (S_ISDIR(st.st_mode)) {
			close(fd);
			errno = EISDIR;
			return -1;
		}
		f->fd = fd;
		return 1;
	}
	f->fd = fd;
	f->own_fd = 1;
	f->dev = st.st_dev;
	f->ino = st.st_ino;
	f->off = at_end ? tail_start(fd, st.st_size) : 0;
	f->rotated = 0;
	watch_file(f);
	return 0;
}

static void
schedule_read(tw_follow *f)
{
	tw_soon_queue(f->r, &f->soon);
}

/* Try to open a missing file; report it missing the first time. */
static void
look_for_file(tw_follow *f)
{
	int rc = open_file(f, 0);

	if (rc == 0) {
		f->missing = 0;
		if (report(f, TW_FOLLOW_OPENED, 0))
			schedule_read(f);
		return;
	}
	if (rc == 1) {
		/* Something other than a regular file took the name: not ours. */
		close(f->fd);
		f->fd = -1;
		errno = EINVAL;
	}
	if (!f->missing) {
		f->missing = 1;
		report(f, TW_FOLLOW_MISSING, errno);
	}
}

/* The old file is read to its end: go on with the one the path now names. */
static void
switch_file(tw_follow *f)
{
	close(f->fd);
	f->fd = -1;
	f->rotated = 0;
	if (open_file(f, 0) == 0) {
		if (report(f, TW_FOLLOW_ROTATED, 0))
			schedule_read(f);
		return;
	}
	if (f->fd >= 0) {
		close(f->fd);
		f->fd = -1;
	}
	look_for_file(f);
}

/* Look at the file and the path; read, restart or switch as needed. */
static void
check(tw_follow *f)
{
	struct stat st;

	if (f->fd < 0) {
		look_for_file(f);
		return;
	}
	if (fstat(f->fd, &st) == 0) {
		if (st.st_size < f->off) {
			f->off = 0;
			if (!report(f, TW_FOLLOW_TRUNCATED, 0))
				return;
			schedule_read(f);
		} else if (st.st_size > f->off) {
			schedule_read(f);
		}
	}
	if (!f->rotated && stat(f->path, &st) == 0 &&
	    (st.st_dev != f->dev || st.st_ino != f->ino)) {
		f->rotated = 1;
		schedule_read(f);	/* to the old file's end, then switch */
	}
}

static void
read_soon_cb(tw_soon *s)
{
	tw_follow *f = s->data;
	char buf[CHUNK];
	ssize_t n;

	f->busy++;
	if (f->fd < 0) {
		look_for_file(f);
		goto out;
	}
	n = pread(f->fd, buf, sizeof(buf), f->off);
	if (n > 0) {
		f->off += n;
		f->failed = 0;
		f->data(f, buf, (size_t)n);
		if (!f->closed)
			schedule_read(f);	/* until a read finds the end */
	} else if (n == 0) {
		if (f->rotated)
			switch_file(f);
	} else if (errno == EINTR || errno == EAGAIN) {
		schedule_read(f);
	} else if (!f->failed) {
		/* Reported once; the timer tries again. */
		f->failed = 1;
		report(f, TW_FOLLOW_ERROR, errno);
	}
out:
	f->busy--;
	release(f);
}

static void
timer_cb(tw_timer *t)
{
	tw_follow *f = t->data;

	f->busy++;
	/* Armed again from its own callback: cannot fail (timer.h). */
	(void)tw_call_later(f->r, &f->timer, CHECK_EVERY);
	check(f);
	f->busy--;
	release(f);
}

static void
inotify_cb(tw_io *io, int events)
{
	tw_follow *f = io->data;
	char buf[4096];
	int i;

	(void)events;
	/* The events only say "look": drain them, then look once. */
	for (i = 0; i < 64 && read(f->ifd, buf, sizeof(buf)) > 0; i++)
		;
	f->busy++;
	check(f);
	f->busy--;
	release(f);
}

static char *
dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');
	char *d;

	if (slash == NULL)
		return strdup(".");
	if (slash == path)
		return strdup("/");
	if ((d = malloc((size_t)(slash - path) + 1)) == NULL)
		return NULL;
	memcpy(d, path, (size_t)(slash - path));
	d[slash - path] = '\0';
	return d;
}

tw_follow *
tw_follow_file(tw_reactor *r, const char *path, int flags,
    tw_follow_data_cb data, tw_follow_event_cb event, void *arg)
{
	tw_follow *f;
	int rc, e;

	if ((f = new_follow(r, data, event, arg)) == NULL)
		return NULL;
	if ((f->path = strdup(path)) == NULL || (f->dir = dir_of(path)) == NULL)
		goto fail;
	rc = open_file(f, !(flags & TW_FOLLOW_FROM_START));
	if (rc == 1) {
		/* A FIFO, a terminal: read it as a stream, to its end. */
		if (start_stream(f, f->fd, 1) == -1) {
			e = errno;
			close(f->fd);
			errno = e;
			goto fail;
		}
		return f;
	}
	if (rc == -1 && errno != ENOENT && errno != ENOTDIR)
		goto fail;
	f->is_file = 1;
	watch_dir(f);
	if (f->fd >= 0)
		watch_file(f);
	if (tw_call_later(r, &f->timer, CHECK_EVERY) == -1)
		goto fail;
	/* The first read, or the first report that the file is missing. */
	schedule_read(f);
	return f;
fail:
	e = errno;
	tw_timer_cancel(r, &f->timer);
	if (f->ifd >= 0) {
		tw_io_stop(r, &f->iio);
		close(f->ifd);
	}
	if (f->fd >= 0 && f->is_file)
		close(f->fd);
	free(f->path);
	free(f->dir);
	free(f);
	errno = e;
	return NULL;
}
