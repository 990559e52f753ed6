/*
 * follow.c - follow a file like tail -F; read a stream to its end.
 *
 * A followed file is a path and a source (struct src: fd, dev, ino,
 * offset); during a rotation wait there are two sources, the renamed file
 * (old) and the one the path now names (cur). Everything that may have
 * changed is looked at in one place, check(): the path names another inode
 * (rotation), or the wait is over. inotify events and the 100 ms timer
 * only call check(); they never carry state of their own, so a missed or
 * merged event costs at most one timer period. Reading is a tw_soon that
 * reads one chunk with pread(2) and queues itself again while there may be
 * more; check() always queues it, so every look reads.
 *
 * Rotation: when the path names a new file, it is opened at once and both
 * files are read for rotate_wait seconds, the old one first at each turn.
 * Lines from the two must not be glued together, so during the wait only
 * whole lines are delivered (up to a source's last newline; a partial tail
 * stays unread, its offset not advanced), with one exception: a partial
 * line of the old file delivered before the rotation was seen is
 * continued, and the new file waits until it ends. When the wait is over,
 * the old file is read to its end, partial tail included, and ROTATED is
 * reported: the reader ends the old file's partial line there. Nothing
 * else can be partial then, as the new file gave whole lines only. The
 * end of the wait is seen by check(), so within one timer period; a
 * second rotation seen during the wait ends it at once (one old file at
 * a time), and the next wait starts at the next look.
 *
 * Truncation: each source keeps the TAIL bytes just before its offset,
 * and every read starts TAIL bytes early and compares them. A file
 * shorter than the offset gives fewer bytes; a file truncated and refilled
 * past the offset between two reads (which no stat() size can show, and
 * inotify's IN_MODIFY does not tell from an append) gives other bytes. In
 * both cases the file is read again from 0. This costs no extra system
 * call: the comparison rides on the read itself, and a read that finds
 * the same tail and nothing after it is the check. The limit: a refill
 * whose bytes just before the offset are the same as before (the same
 * TAIL bytes at the same place) is taken as the same file.
 *
 * inotify: the followers of files of one reactor share one instance
 * (struct notify), made with the first and closed with the last, so any
 * number of files cost one descriptor and one of the user's instances
 * (fs.inotify.max_user_instances, 128 by default). Where none can be had
 * (EMFILE, ENOMEM, no inotify at all), a follower goes on with the timer
 * alone; a later follower tries again. An instance gives every user of an
 * inode the same watch descriptor (two followers of one path, two files
 * in one directory), so an event goes to every follower that holds its
 * watch, and a watch is removed only when no follower holds it any more:
 * the followers' wd fields are the table, searched on each event (a
 * reactor follows a few files, not thousands). The instances are listed
 * by reactor, under a lock since reactors may run in several threads.
 *
 * Hazards handled:
 *   - inotify_add_watch() takes a path, so the watch may land on a file
 *     other than the one we opened if the path changes in between; the
 *     timer catches up, and the watch is set again at every switch; the
 *     old file keeps its watch (watches follow the inode) for the wait;
 *   - a callback may close the follower: every entry point holds `busy`,
 *     and the struct is freed only when the outermost one returns.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <sys/stat.h>
#include <unistd.h>
#ifdef __linux__
#include <pthread.h>
#include <sys/inotify.h>
#endif

#include "follow.h"
#include "timer.h"

#define CHUNK 65536		/* bytes read per loop turn */
#define TAIL 64			/* bytes kept before the offset: continuity */
#define CHECK_EVERY 0.1		/* seconds between stat() checks */

/* A followed file, as read so far. */
struct src {
	int fd;			/* -1: none */
	dev_t dev;
	ino_t ino;
	off_t off;		/* the next byte to deliver */
	char tail[TAIL];	/* the bytes just before off, */
	size_t tlen;		/* min(off, TAIL) of them */
};

struct tw_follow {
	tw_reactor *r;
	tw_follow_data_cb data;
	tw_follow_event_cb event;
	void *arg;
	int is_file;
	int fd;			/* a stream; -1 when following a file */
	int own_fd;		/* close fd on close */
	int saved_flags;	/* a stream's flags, restored on close */
	tw_io io;		/* a stream's reads */
	/* a followed file */
	char *path, *dir;
	struct src cur;		/* the file the path names; fd -1 while missing */
	struct src old;		/* during a rotation wait, the renamed file */
	double rotate_wait;	/* seconds the old file is still read */
	double wait_end;	/* when this wait is over */
	int finishing;		/* it is: read old to its end, let it go */
	int partial;		/* what was delivered last ends mid-line */
	int missing;		/* MISSING reported, not yet found */
	int failed;		/* ERROR reported, no read has worked since */
	tw_soon soon;		/* read a chunk */
	tw_timer timer;		/* the stat() safety net */
	struct notify *in;	/* the reactor's inotify; NULL: none */
	LIST_ENTRY(tw_follow) users;	/* in->users */
	int wd_file, wd_old, wd_dir;	/* its watches; -1: none */
	int poked;		/* an event came for one of them */
	int busy, closed;
};

static void read_soon_cb(tw_soon *s);
static void timer_cb(tw_timer *t);
static void check(tw_follow *f);
static void unwatch(tw_follow *f);
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
	f->fd = f->wd_file = f->wd_old = f->wd_dir = -1;
	f->cur.fd = f->old.fd = -1;
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
	unwatch(f);
	if (f->fd >= 0) {
		if (f->saved_flags != -1)
			fcntl(f->fd, F_SETFL, f->saved_flags);
		if (f->own_fd)
			close(f->fd);
	}
	if (f->cur.fd >= 0)
		close(f->cur.fd);
	if (f->old.fd >= 0)
		close(f->old.fd);
	f->fd = f->cur.fd = f->old.fd = -1;
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

/* ------------------------------------------------------------- inotify */

#ifdef __linux__

#define FILE_EVENTS (IN_MODIFY | IN_MOVE_SELF | IN_DELETE_SELF | IN_ATTRIB)
#define DIR_EVENTS (IN_CREATE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE)

/* A reactor's one inotify instance, and the followers that use it. */
struct notify {
	tw_reactor *r;
	int fd;
	tw_io io;
	LIST_HEAD(, tw_follow) users;
	struct notify *next;
};

static struct notify *notifies;		/* one per reactor that follows */
static pthread_mutex_t notifies_lock = PTHREAD_MUTEX_INITIALIZER;

static void notify_cb(tw_io *io, int events);

/* Does a follower of n hold the watch wd? */
static int
held(const struct notify *n, int wd)
{
	const tw_follow *u;

	LIST_FOREACH(u, &n->users, users)
		if (u->wd_file == wd || u->wd_old == wd || u->wd_dir == wd)
			return 1;
	return 0;
}

/* Let go of the watch in *wd; it is removed if no follower holds it now. */
static void
drop_watch(tw_follow *f, int *wd)
{
	int was = *wd;

	*wd = -1;
	if (was >= 0 && f->in != NULL && !held(f->in, was))
		inotify_rm_watch(f->in->fd, was);
}

/* Watch the file the path names now, instead of the one watched so far. */
static void
watch_file(tw_follow *f)
{
	int was = f->wd_file;

	if (f->in == NULL)
		return;
	f->wd_file = inotify_add_watch(f->in->fd, f->path, FILE_EVENTS);
	drop_watch(f, &was);
}

/*
 * The reactor's instance, made if it is the first follower: NULL if none
 * can be made (the timer alone will do).
 */
static struct notify *
notify_of(tw_reactor *r)
{
	struct notify *n;

	for (n = notifies; n != NULL; n = n->next)
		if (n->r == r)
			return n;
	if ((n = calloc(1, sizeof(*n))) == NULL)
		return NULL;
	n->r = r;
	LIST_INIT(&n->users);
	if ((n->fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC)) == -1) {
		free(n);
		return NULL;
	}
	tw_io_init(&n->io, n->fd, notify_cb, n);
	if (tw_io_start(r, &n->io, TW_READ) == -1) {
		close(n->fd);
		free(n);
		return NULL;
	}
	n->next = notifies;
	notifies = n;
	return n;
}

/* Join the reactor's instance and watch the directory. */
static void
watch_dir(tw_follow *f)
{
	pthread_mutex_lock(&notifies_lock);
	if ((f->in = notify_of(f->r)) != NULL)
		LIST_INSERT_HEAD(&f->in->users, f, users);
	pthread_mutex_unlock(&notifies_lock);
	/* A missing directory: its file can only appear with it; the timer sees it. */
	if (f->in != NULL)
		f->wd_dir = inotify_add_watch(f->in->fd, f->dir, DIR_EVENTS);
}

/* Let go of every watch and of the instance, closed with its last user. */
static void
unwatch(tw_follow *f)
{
	struct notify *n = f->in, **p;

	if (n == NULL)
		return;
	drop_watch(f, &f->wd_file);
	drop_watch(f, &f->wd_old);
	drop_watch(f, &f->wd_dir);
	LIST_REMOVE(f, users);
	f->in = NULL;
	if (!LIST_EMPTY(&n->users))
		return;
	pthread_mutex_lock(&notifies_lock);
	for (p = &notifies; *p != n; p = &(*p)->next)
		;
	*p = n->next;
	pthread_mutex_unlock(&notifies_lock);
	tw_io_stop(n->r, &n->io);
	close(n->fd);
	free(n);
}

/*
 * The events only say "look" to the followers holding their watch (to
 * all of them if the queue overflowed): drain them, then each looks once.
 * check() runs no callback, so no follower leaves the list meanwhile.
 */
static void
notify_cb(tw_io *io, int events)
{
	struct notify *n = io->data;
	struct inotify_event ev;
	char buf[4096];
	ssize_t len;
	size_t at;
	tw_follow *f;
	int i;

	(void)events;
	for (i = 0; i < 64 && (len = read(n->fd, buf, sizeof(buf))) > 0; i++) {
		for (at = 0; at + sizeof(ev) <= (size_t)len;
		    at += sizeof(ev) + ev.len) {
			memcpy(&ev, buf + at, sizeof(ev));
			LIST_FOREACH(f, &n->users, users)
				if ((ev.mask & IN_Q_OVERFLOW) || (ev.wd >= 0 &&
				    (f->wd_file == ev.wd || f->wd_old == ev.wd ||
				    f->wd_dir == ev.wd)))
					f->poked = 1;
		}
	}
	LIST_FOREACH(f, &n->users, users) {
		if (f->poked) {
			f->poked = 0;
			check(f);
		}
	}
}

#else	/* no inotify: the timer alone */

static void watch_dir(tw_follow *f) { (void)f; }
static void watch_file(tw_follow *f) { (void)f; }
static void drop_watch(tw_follow *f, int *wd) { (void)f; *wd = -1; }
static void unwatch(tw_follow *f) { (void)f; }

#endif

/* --------------------------------------------------------------- files */

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

/* Start reading src at off, keeping the bytes before it (if readable). */
static void
seek_src(struct src *src, off_t off)
{
	size_t want = off < TAIL ? (size_t)off : TAIL;
	ssize_t n = pread(src->fd, src->tail, want, off - (off_t)want);

	src->off = off;
	if (n == (ssize_t)want) {
		src->tlen = want;
	} else {
		/* Unreadable now: the first read is not checked, and reports. */
		src->tlen = 0;
	}
}

/*
 * Open path into src, at offset 0. Returns 0; 1 if it is not a regular
 * file (src->fd is open: the caller reads it as a stream, or closes it);
 * or -1 with errno.
 */
static int
open_src(const char *path, struct src *src)
{
	struct stat st;
	int fd;

	if ((fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)) == -1)
		return -1;
	if (fstat(fd, &st) == -1) {
		int e = errno;

		close(fd);
		errno = e;
		return -1;
	}
	src->fd = fd;
	if (!S_ISREG(st.st_mode)) {
		if (S_ISDIR(st.st_mode)) {
			close(fd);
			src->fd = -1;
			errno = EISDIR;
			return -1;
		}
		return 1;
	}
	src->dev = st.st_dev;
	src->ino = st.st_ino;
	src->off = 0;
	src->tlen = 0;
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
	int rc = open_src(f->path, &f->cur);

	if (rc == 0) {
		f->missing = 0;
		f->partial = 0;
		watch_file(f);
		if (report(f, TW_FOLLOW_OPENED, 0))
			schedule_read(f);
		return;
	}
	if (rc == 1) {
		/* Something other than a regular file took the name: not ours. */
		close(f->cur.fd);
		f->cur.fd = -1;
		errno = EINVAL;
	}
	if (!f->missing) {
		f->missing = 1;
		report(f, TW_FOLLOW_MISSING, errno);
	}
}

/*
 * The path names a new file: read both for the wait. A path that names
 * nothing openable yet (between a rename and its re-creation) is looked
 * at again by the next check; the old file is read meanwhile.
 */
static void
start_rotation(tw_follow *f)
{
	struct src n;
	int rc = open_src(f->path, &n);

	if (rc == 1)
		close(n.fd);
	if (rc != 0)
		return;
	if (n.dev == f->cur.dev && n.ino == f->cur.ino) {
		close(n.fd);	/* renamed back before we looked */
		return;
	}
	f->old = f->cur;
	f->cur = n;
	f->wait_end = tw_reactor_now(f->r) + f->rotate_wait;
	f->finishing = f->rotate_wait <= 0;
	/* The old file's watch follows it; the path gets one of its own. */
	f->wd_old = f->wd_file;
	watch_file(f);
}

/* The wait is over and the old file read to its end (or unreadable). */
static void
end_rotation(tw_follow *f)
{
	drop_watch(f, &f->wd_old);
	close(f->old.fd);
	f->old.fd = -1;
	f->finishing = 0;
	f->partial = 0;		/* the reader ends the old partial line */
	if (report(f, TW_FOLLOW_ROTATED, 0))
		schedule_read(f);
}

enum { ALL, LINES };

/*
 * Read a chunk of src at its offset, after proving it is still the file
 * read so far (its TAIL bytes before the offset are the same), and deliver
 * all of it (ALL) or its whole lines (LINES: through its last newline; with
 * no newline, all of it if it goes on with a partial line, else nothing).
 * Returns 1 if something was delivered, 0 if not, -1 if the read failed
 * (errno), -2 if the file is not the same (truncated).
 */
static int
read_src(tw_follow *f, struct src *src, int how)
{
	char buf[TAIL + CHUNK];
	ssize_t n;
	size_t len, have, keep;
	char *p;

	n = pread(src->fd, buf, src->tlen + CHUNK, src->off - (off_t)src->tlen);
	if (n == -1)
		return -1;
	if ((size_t)n < src->tlen || memcmp(buf, src->tail, src->tlen) != 0)
		return -2;
	p = buf + src->tlen;
	len = (size_t)n - src->tlen;
	if (how == LINES) {
		size_t whole = len;

		while (whole > 0 && p[whole - 1] != '\n')
			whole--;
		if (whole > 0 || !f->partial)
			len = whole;
	}
	if (len == 0)
		return 0;
	have = src->tlen + len;
	keep = have < TAIL ? have : TAIL;
	memcpy(src->tail, buf + have - keep, keep);
	src->tlen = keep;
	src->off += (off_t)len;
	f->partial = p[len - 1] != '\n';
	f->data(f, p, len);
	return 1;
}

/* Read the file the path names. Returns 1 if it should be read again. */
static int
read_cur(tw_follow *f)
{
	int rc;

	if (f->cur.fd < 0) {
		look_for_file(f);
		return 0;
	}
	rc = read_src(f, &f->cur, f->old.fd >= 0 ? LINES : ALL);
	if (rc == 1) {
		f->failed = 0;
	} else if (rc == -2) {
		f->cur.off = 0;
		f->cur.tlen = 0;
		f->partial = 0;		/* the reader ends the partial line */
		rc = report(f, TW_FOLLOW_TRUNCATED, 0);
	} else if (rc == -1 && (errno == EINTR || errno == EAGAIN)) {
		rc = 1;
	} else if (rc == -1 && !f->failed) {
		/* Reported once; the timer tries again. */
		f->failed = 1;
		report(f, TW_FOLLOW_ERROR, errno);
	}
	return rc == 1;
}

/*
 * One chunk per turn: the old file first while it gives something, then
 * the new one, which waits while the old file's partial line is open.
 */
static void
read_soon_cb(tw_soon *s)
{
	tw_follow *f = s->data;
	int again = 0;

	f->busy++;
	if (f->old.fd >= 0) {
		int rc = read_src(f, &f->old, f->finishing ? ALL : LINES);

		if (rc < 0 || (rc == 0 && f->finishing)) {
			/* Read to its end after the wait, or no longer ours. */
			end_rotation(f);
			goto out;
		}
		again = rc;
	}
	if (!again && !f->closed && (f->old.fd < 0 || !f->partial))
		again = read_cur(f);
	if (again && !f->closed)
		schedule_read(f);
out:
	f->busy--;
	release(f);
}

/* Look at the path and the wait, then read whatever is new. */
static void
check(tw_follow *f)
{
	struct stat st;

	if (f->cur.fd >= 0 && stat(f->path, &st) == 0 &&
	    (st.st_dev != f->cur.dev || st.st_ino != f->cur.ino)) {
		if (f->old.fd < 0)
			start_rotation(f);
		else
			f->finishing = 1;	/* rotated again: end this wait */
	}
	if (f->old.fd >= 0 && tw_reactor_now(f->r) >= f->wait_end)
		f->finishing = 1;
	schedule_read(f);
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
tw_follow_file(tw_reactor *r, const char *path, int flags, double rotate_wait,
    tw_follow_data_cb data, tw_follow_event_cb event, void *arg)
{
	tw_follow *f;
	int rc, e;

	if ((f = new_follow(r, data, event, arg)) == NULL)
		return NULL;
	f->rotate_wait = rotate_wait;
	if ((f->path = strdup(path)) == NULL || (f->dir = dir_of(path)) == NULL)
		goto fail;
	rc = open_src(path, &f->cur);
	if (rc == 1) {
		/* A FIFO, a terminal: read it as a stream, to its end. */
		int fd = f->cur.fd;

		f->cur.fd = -1;
		if (start_stream(f, fd, 1) == -1) {
			e = errno;
			close(fd);
			errno = e;
			goto fail;
		}
		return f;
	}
	if (rc == -1 && errno != ENOENT && errno != ENOTDIR)
		goto fail;
	if (rc == 0 && !(flags & TW_FOLLOW_FROM_START)) {
		struct stat st;

		if (fstat(f->cur.fd, &st) == -1)
			goto fail;
		seek_src(&f->cur, tail_start(f->cur.fd, st.st_size));
	}
	f->is_file = 1;
	watch_dir(f);
	if (f->cur.fd >= 0)
		watch_file(f);
	if (tw_call_later(r, &f->timer, CHECK_EVERY) == -1)
		goto fail;
	/* The first read, or the first report that the file is missing. */
	schedule_read(f);
	return f;
fail:
	e = errno;
	tw_timer_cancel(r, &f->timer);
	unwatch(f);
	if (f->cur.fd >= 0)
		close(f->cur.fd);
	free(f->path);
	free(f->dir);
	free(f);
	errno = e;
	return NULL;
}
