/*
 * test_follow.c - following a file through appends, rotation (with late
 * writes to the renamed file) and truncation (with a refill past the
 * offset); reading a stream to its end; closing from a callback; several
 * followers of one reactor sharing one inotify instance, and followers
 * with none.
 */
#define _POSIX_C_SOURCE 200809L

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "weblog/follow.h"
#include "tap.h"
#include "timer.h"

struct seen {
	tw_reactor *r;
	char buf[4096];
	size_t len;
	int events[16], nevents;
	const char *want;	/* stop once buf holds this */
	int close_on_data;
};

static void
on_data(tw_follow *f, const char *p, size_t n)
{
	struct seen *s = tw_follow_arg(f);

	if (s->len + n <= sizeof(s->buf)) {
		memcpy(s->buf + s->len, p, n);
		s->len += n;
	}
	if (s->close_on_data)
		tw_follow_close(f);
}

/* Where the data ends a file, the event is marked in it. */
static void
on_event(tw_follow *f, int ev, int err)
{
	struct seen *s = tw_follow_arg(f);

	(void)err;
	if (ev == TW_FOLLOW_ROTATED)
		on_data(f, "[rotated]", 9);
	if (ev == TW_FOLLOW_TRUNCATED)
		on_data(f, "[truncated]", 11);
	if (s->nevents < 16)
		s->events[s->nevents++] = ev;
	if (ev == TW_FOLLOW_EOF)
		tw_reactor_stop(s->r);
}

/* Turn the loop until buf is want, or two seconds pass. */
static int
until(struct seen *s, const char *want)
{
	double end = tw_reactor_now(s->r) + 2;

	while (tw_reactor_now(s->r) < end) {
		if (s->len == strlen(want) && memcmp(s->buf, want, s->len) == 0)
			return 1;
		tw_reactor_turn(s->r, 10);
	}
	printf("#   have \"%.*s\", want \"%s\"\n", (int)s->len, s->buf, want);
	return 0;
}

/*
 * Is buf want within a few loop turns that do not wait? The events came
 * through inotify then, not through the 100 ms stat() timer (which could
 * only help if it happened to be due).
 */
static int
at_once(struct seen *s, const char *want)
{
	int i;

	for (i = 0; i < 20; i++) {
		if (s->len == strlen(want) && memcmp(s->buf, want, s->len) == 0)
			return 1;
		tw_reactor_turn(s->r, 0);
	}
	printf("#   have \"%.*s\", want \"%s\" at once\n", (int)s->len, s->buf,
	    want);
	return 0;
}

/*
 * The inotify instances this process holds (descriptors that name one),
 * and the watches they hold in *watches.
 */
static int
inotify_count(int *watches)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	char at[300], name[64], line[256];
	ssize_t n;
	int count = 0;
	FILE *fp;

	*watches = 0;
	if (d == NULL)
		return -1;
	while ((e = readdir(d)) != NULL) {
		snprintf(at, sizeof(at), "/proc/self/fd/%s", e->d_name);
		n = readlink(at, name, sizeof(name) - 1);
		if (n <= 0)
			continue;
		name[n] = '\0';
		if (strcmp(name, "anon_inode:inotify") != 0)
			continue;
		count++;
		snprintf(at, sizeof(at), "/proc/self/fdinfo/%s", e->d_name);
		if ((fp = fopen(at, "r")) == NULL)
			continue;
		while (fgets(line, sizeof(line), fp) != NULL)
			if (strncmp(line, "inotify wd:", 11) == 0)
				++*watches;
		fclose(fp);
	}
	closedir(d);
	return count;
}

/* Does the process hold one inotify instance, with want watches? */
static int
one_instance_with(int want)
{
	int watches, n = inotify_count(&watches);

	if (n == 1 && watches == want)
		return 1;
	printf("#   %d inotify instances, %d watches; want 1, %d%s\n", n,
	    watches, want, n == 0 ? " (none to be had: the user's"
	    " fs.inotify.max_user_instances taken by others?)" : "");
	return 0;
}

static void
append(const char *path, const char *text)
{
	FILE *fp = fopen(path, "a");

	fputs(text, fp);
	fclose(fp);
}

/* Write text through fd, a writer's descriptor. */
static void
put(int fd, const char *text)
{
	if (write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		printf("# write failed\n");
}

static int
has_event(const struct seen *s, int ev)
{
	int i;

	for (i = 0; i < s->nevents; i++)
		if (s->events[i] == ev)
			return 1;
	return 0;
}

static char dir[] = "/tmp/test_follow.XXXXXX";
static char path[64], old[64], older[64];

/*
 * A new reactor in s, and a follower of a fresh file at path holding text
 * (no file at all if text is NULL) that reads a renamed file for wait
 * seconds, or NULL if that failed.
 */
static tw_follow *
follow_fresh(struct seen *s, const char *text, int flags, double wait)
{
	s->r = tw_reactor_create(NULL);
	unlink(path);
	unlink(old);
	if (text != NULL)
		append(path, text);
	return tw_follow_file(s->r, path, flags, wait, on_data, on_event, s);
}

static void
starts_at_the_last_newline_and_reads_appends(void)
{
	struct seen s = { 0 };
	tw_follow *f;

	f = follow_fresh(&s, "old 1\nold 2\npart", 0, 0);
	CHECK(f != NULL);
	append(path, "ial\nnew\n");
	CHECK(until(&s, "partial\nnew\n"));
	tw_follow_close(f);
	tw_reactor_destroy(s.r);
}

/* With no wait, the old file is read to its end, then let go. */
static void
rotation_reads_the_old_file_to_its_end_first(void)
{
	struct seen s = { 0 };
	tw_follow *f;

	f = follow_fresh(&s, "", 0, 0);
	CHECK(f != NULL);
	append(path, "a\n");
	CHECK(until(&s, "a\n"));
	rename(path, old);
	append(old, "b\n");		/* the writer has not reopened yet */
	append(path, "c\n");
	CHECK(until(&s, "a\nb\n[rotated]c\n"));
	tw_follow_close(f);
	tw_reactor_destroy(s.r);
}

/*
 * The file is read to first, truncated and refilled with then: then is
 * read again from the start.
 */
static void
truncate_and_refill(const char *first, const char *then)
{
	struct seen s = { 0 };
	tw_follow *f;
	char want[256];

	f = follow_fresh(&s, "", 0, 0);
	CHECK(f != NULL);
	append(path, first);
	CHECK(until(&s, first));
	CHECK(truncate(path, 0) == 0);
	append(path, then);
	snprintf(want, sizeof(want), "%s[truncated]%s", first, then);
	CHECK(until(&s, want));
	tw_follow_close(f);
	tw_reactor_destroy(s.r);
}

static void
truncation_reads_again_from_the_start(void)
{
	truncate_and_refill("a long first line\n", "x\n");
}

/*
 * The writer keeps writing to the renamed file after the new one appeared
 * and was read (nginx until USR1): within the wait that is read, the old
 * file first at each look; after the wait it is not.
 */
static void
late_writes_to_the_old_file_are_read_for_the_wait(void)
{
	struct seen s = { 0 };
	tw_follow *f;
	int w;

	f = follow_fresh(&s, "", 0, 1);
	CHECK(f != NULL);
	w = open(path, O_WRONLY | O_APPEND);
	CHECK(w >= 0);
	put(w, "a\n");
	CHECK(until(&s, "a\n"));
	rename(path, old);
	append(path, "c\n");		/* logrotate's create */
	CHECK(until(&s, "a\nc\n"));
	put(w, "b1\n");			/* not told to reopen yet */
	CHECK(until(&s, "a\nc\nb1\n"));
	put(w, "b2\n");
	append(path, "d\n");
	CHECK(until(&s, "a\nc\nb1\nb2\nd\n"));
	CHECK(until(&s, "a\nc\nb1\nb2\nd\n[rotated]"));
	/* Past the wait: what the old file gets is not read any more. */
	put(w, "lost\n");
	append(path, "e\n");
	CHECK(until(&s, "a\nc\nb1\nb2\nd\n[rotated]e\n"));
	close(w);
	tw_follow_close(f);
	tw_reactor_destroy(s.r);
}

/*
 * The old file's partial line goes on within the wait, and the new file
 * waits for it; one that never ends is ended by the end of the wait.
 */
static void
the_old_files_partial_line_ends_before_the_new_file(void)
{
	struct seen s = { 0 };
	tw_follow *f;
	int w;

	f = follow_fresh(&s, "", 0, 1);
	CHECK(f != NULL);
	w = open(path, O_WRONLY | O_APPEND);
	CHECK(w >= 0);
	put(w, "a\npar");
	CHECK(until(&s, "a\npar"));
	tw_reactor_turn(s.r, 0);	/* the read queued after "par" finds the end */
	rename(path, old);
	append(path, "c\n");
	put(w, "tial\nb\nunended");
	CHECK(until(&s, "a\npartial\nb\nc\n"));
	CHECK(until(&s, "a\npartial\nb\nc\nunended[rotated]"));
	close(w);
	tw_follow_close(f);
	tw_reactor_destroy(s.r);

	/* A partial line that never ends holds the new file for the wait. */
	f = follow_fresh(&s, "", 0, 0.3);
	s.len = 0;
	CHECK(f != NULL);
	append(path, "a\nnever");
	CHECK(until(&s, "a\nnever"));
	rename(path, old);
	append(path, "c\n");
	CHECK(until(&s, "a\nnever[rotated]c\n"));
	tw_follow_close(f);
	tw_reactor_destroy(s.r);
}

/* A second rotation within the wait ends the first wait at once. */
static void
a_second_rotation_ends_the_wait(void)
{
	struct seen s = { 0 };
	tw_follow *f;

	f = follow_fresh(&s, "", 0, 60);
	CHECK(f != NULL);
	append(path, "a\n");
	CHECK(until(&s, "a\n"));
	rename(path, old);
	append(path, "b\n");
	CHECK(until(&s, "a\nb\n"));
	rename(old, older);
	rename(path, old);
	append(path, "c\n");
	CHECK(until(&s, "a\nb\n[rotated]c\n"));
	tw_follow_close(f);
	tw_reactor_destroy(s.r);
	unlink(older);
}

/*
 * Truncated and refilled past the offset before the follower looks: the
 * size alone says "grew"; the bytes before the offset say "not the same".
 */
static void
a_refill_past_the_offset_is_seen_as_truncation(void)
{
	truncate_and_refill("first line\n", "second, longer line\n");
}

/*
 * copytruncate cuts a line in two: its start is in the copy, and the
 * writer (O_APPEND) writes its end and more to the emptied file, past the
 * offset.
 */
static void
copytruncate_after_a_partial_line(void)
{
	struct seen s = { 0 };
	tw_follow *f;
	int w;

	f = follow_fresh(&s, "", 0, 0);
	CHECK(f != NULL);
	w = open(path, O_WRONLY | O_APPEND);
	CHECK(w >= 0);
	put(w, "a\npar");
	CHECK(until(&s, "a\npar"));
	CHECK(ftruncate(w, 0) == 0);
	put(w, "tial\nnext\n");
	CHECK(until(&s, "a\npar[truncated]tial\nnext\n"));
	close(w);
	tw_follow_close(f);
	tw_reactor_destroy(s.r);
}

static void
a_missing_file_is_reported_and_read_when_it_appears(void)
{
	struct seen s = { 0 };
	tw_follow *f;

	f = follow_fresh(&s, NULL, 0, 0);
	CHECK(f != NULL);
	tw_reactor_turn(s.r, 0);
	CHECK(has_event(&s, TW_FOLLOW_MISSING));
	append(path, "here\n");
	CHECK(until(&s, "here\n"));
	CHECK(has_event(&s, TW_FOLLOW_OPENED));
	tw_follow_close(f);
	tw_reactor_destroy(s.r);
}

static void
a_stream_is_read_to_its_end(void)
{
	struct seen s = { 0 };
	tw_follow *f;
	int p[2];

	s.r = tw_reactor_create(NULL);
	CHECK(pipe(p) == 0);
	f = tw_follow_fd(s.r, p[0], on_data, on_event, &s);
	CHECK(f != NULL);
	CHECK(write(p[1], "one\ntwo", 7) == 7);
	close(p[1]);
	tw_reactor_run(s.r);
	CHECK(has_event(&s, TW_FOLLOW_EOF));
	CHECK_EQ(s.len, 7);
	/* The descriptor's flags are given back. */
	tw_follow_close(f);
	CHECK((fcntl(p[0], F_GETFL) & O_NONBLOCK) == 0);
	close(p[0]);
	tw_reactor_destroy(s.r);
}

/* name in the test's directory, in buf (of 64 bytes). */
static char *
in_dir(char *buf, const char *name)
{
	snprintf(buf, 64, "%s/%s", dir, name);
	return buf;
}

/*
 * Follow the file at p (made empty if missing) with s, on r, and let its
 * first read run: what is appended later must be noticed.
 */
static tw_follow *
follow_on(tw_reactor *r, struct seen *s, const char *p, double wait)
{
	tw_follow *f;

	s->r = r;
	append(p, "");
	f = tw_follow_file(r, p, 0, wait, on_data, on_event, s);
	tw_reactor_turn(r, 0);
	return f;
}

/*
 * Two files in one directory, and the same file twice: their followers
 * share the directory's watch (inotify gives each user of a path or inode
 * the same watch), yet each gets its own lines at once, and the others
 * keep getting theirs when one of them is closed.
 */
static void
two_files_in_one_directory_each_get_their_own_lines(void)
{
	struct seen a = { 0 }, b = { 0 }, a2 = { 0 };
	tw_follow *fa, *fb, *fa2;
	tw_reactor *r = tw_reactor_create(NULL);
	char pa[64], pb[64];
	int watches;

	fa = follow_on(r, &a, in_dir(pa, "a"), 0);
	fb = follow_on(r, &b, in_dir(pb, "b"), 0);
	fa2 = follow_on(r, &a2, pa, 0);
	CHECK(fa != NULL && fb != NULL && fa2 != NULL);
	/* The directory, a and b. */
	CHECK(one_instance_with(3));
	append(pa, "a1\n");
	append(pb, "b1\n");
	CHECK(at_once(&a, "a1\n"));
	CHECK(at_once(&a2, "a1\n"));
	CHECK(at_once(&b, "b1\n"));
	/* a is still watched for a2, the directory for both. */
	tw_follow_close(fa);
	CHECK(one_instance_with(3));
	append(pa, "a2\n");
	CHECK(at_once(&a2, "a1\na2\n"));
	tw_follow_close(fa2);
	CHECK(one_instance_with(2));
	append(pb, "b2\n");
	CHECK(at_once(&b, "b1\nb2\n"));
	CHECK_EQ(a.len, 3);
	tw_follow_close(fb);
	CHECK_EQ(inotify_count(&watches), 0);
	tw_reactor_destroy(r);
	unlink(pa);
	unlink(pb);
}

/*
 * Three files in two directories: one inotify instance for all, made with
 * the first follower and closed with the last; a directory's watch goes
 * with the last follower of a file in it.
 */
static void
followers_in_two_directories_share_one_inotify_instance(void)
{
	struct seen a = { 0 }, b = { 0 }, c = { 0 };
	tw_follow *fa, *fb, *fc;
	tw_reactor *r = tw_reactor_create(NULL);
	char d1[64], d2[64], pa[64], pb[64], pc[64];
	int watches;

	CHECK(mkdir(in_dir(d1, "d1"), 0700) == 0);
	CHECK(mkdir(in_dir(d2, "d2"), 0700) == 0);
	fa = follow_on(r, &a, in_dir(pa, "d1/a"), 0);
	fb = follow_on(r, &b, in_dir(pb, "d1/b"), 0);
	fc = follow_on(r, &c, in_dir(pc, "d2/c"), 0);
	CHECK(fa != NULL && fb != NULL && fc != NULL);
	CHECK(one_instance_with(5));
	append(pc, "c1\n");
	append(pa, "a1\n");
	append(pb, "b1\n");
	CHECK(at_once(&a, "a1\n"));
	CHECK(at_once(&b, "b1\n"));
	CHECK(at_once(&c, "c1\n"));
	tw_follow_close(fa);
	CHECK(one_instance_with(4));
	append(pb, "b2\n");
	append(pc, "c2\n");
	CHECK(at_once(&b, "b1\nb2\n"));
	CHECK(at_once(&c, "c1\nc2\n"));
	tw_follow_close(fb);
	CHECK(one_instance_with(2));
	append(pc, "c3\n");
	CHECK(at_once(&c, "c1\nc2\nc3\n"));
	tw_follow_close(fc);
	CHECK_EQ(inotify_count(&watches), 0);
	tw_reactor_destroy(r);
	unlink(pa);
	unlink(pb);
	unlink(pc);
	rmdir(d1);
	rmdir(d2);
}

/* Two files of one directory rotated at once: each reads its own. */
static void
two_files_in_one_directory_rotate(void)
{
	struct seen a = { 0 }, b = { 0 };
	tw_follow *fa, *fb;
	tw_reactor *r = tw_reactor_create(NULL);
	char pa[64], pb[64], oa[64], ob[64];

	fa = follow_on(r, &a, in_dir(pa, "a"), 0);
	fb = follow_on(r, &b, in_dir(pb, "b"), 0);
	CHECK(fa != NULL && fb != NULL);
	append(pa, "a1\n");
	append(pb, "b1\n");
	CHECK(at_once(&a, "a1\n"));
	CHECK(at_once(&b, "b1\n"));
	rename(pa, in_dir(oa, "a.1"));
	rename(pb, in_dir(ob, "b.1"));
	append(oa, "a2\n");
	append(ob, "b2\n");
	append(pa, "a3\n");
	append(pb, "b3\n");
	CHECK(at_once(&a, "a1\na2\n[rotated]a3\n"));
	CHECK(at_once(&b, "b1\nb2\n[rotated]b3\n"));
	/* The renamed files' watches are gone; the directory, a, b. */
	CHECK(one_instance_with(3));
	append(pb, "b4\n");
	CHECK(at_once(&b, "b1\nb2\n[rotated]b3\nb4\n"));
	tw_follow_close(fa);
	tw_follow_close(fb);
	tw_reactor_destroy(r);
	unlink(pa);
	unlink(pb);
	unlink(oa);
	unlink(ob);
}

/*
 * No inotify instance to be had (EMFILE): the stat() timer alone follows
 * the file. A follower made later shares one instance again.
 */
static void
without_inotify_the_timer_follows(void)
{
	struct seen a = { 0 }, b = { 0 };
	tw_follow *fa, *fb;
	tw_reactor *r = tw_reactor_create(NULL);
	struct rlimit was, one_more;
	char pa[64], pb[64];
	int lowest, watches;

	/* Room for one descriptor: the file's, not inotify's. */
	append(in_dir(pa, "a"), "");
	CHECK((lowest = open("/dev/null", O_RDONLY)) >= 0);
	close(lowest);
	CHECK(getrlimit(RLIMIT_NOFILE, &was) == 0);
	one_more = was;
	one_more.rlim_cur = (rlim_t)lowest + 1;
	CHECK(setrlimit(RLIMIT_NOFILE, &one_more) == 0);
	fa = follow_on(r, &a, pa, 0);
	CHECK(setrlimit(RLIMIT_NOFILE, &was) == 0);
	CHECK(fa != NULL);
	CHECK_EQ(inotify_count(&watches), 0);
	append(pa, "a1\n");
	CHECK(until(&a, "a1\n"));
	fb = follow_on(r, &b, in_dir(pb, "b"), 0);
	CHECK(fb != NULL);
	CHECK(one_instance_with(2));
	append(pb, "b1\n");
	CHECK(at_once(&b, "b1\n"));
	append(pa, "a2\n");
	CHECK(until(&a, "a1\na2\n"));
	tw_follow_close(fb);
	tw_follow_close(fa);
	CHECK_EQ(inotify_count(&watches), 0);
	tw_reactor_destroy(r);
	unlink(pa);
	unlink(pb);
}

static void
a_callback_may_close_its_follower(void)
{
	struct seen s = { 0 };
	tw_follow *f;

	s.close_on_data = 1;
	f = follow_fresh(&s, "x\ny\n", TW_FOLLOW_FROM_START, 0);
	CHECK(f != NULL);
	/* Nothing is left to run once it is closed: the loop ends. */
	CHECK_EQ(tw_reactor_run(s.r), 0);
	CHECK_EQ(s.len, 4);
	tw_reactor_destroy(s.r);
}

int
main(void)
{
	if (mkdtemp(dir) == NULL)
		return 1;
	snprintf(path, sizeof(path), "%s/log", dir);
	snprintf(old, sizeof(old), "%s/log.1", dir);
	snprintf(older, sizeof(older), "%s/log.2", dir);
	RUN(starts_at_the_last_newline_and_reads_appends);
	RUN(rotation_reads_the_old_file_to_its_end_first);
	RUN(truncation_reads_again_from_the_start);
	RUN(late_writes_to_the_old_file_are_read_for_the_wait);
	RUN(the_old_files_partial_line_ends_before_the_new_file);
	RUN(a_second_rotation_ends_the_wait);
	RUN(a_refill_past_the_offset_is_seen_as_truncation);
	RUN(copytruncate_after_a_partial_line);
	RUN(a_missing_file_is_reported_and_read_when_it_appears);
	RUN(a_stream_is_read_to_its_end);
	RUN(a_callback_may_close_its_follower);
	RUN(two_files_in_one_directory_each_get_their_own_lines);
	RUN(followers_in_two_directories_share_one_inotify_instance);
	RUN(two_files_in_one_directory_rotate);
	RUN(without_inotify_the_timer_follows);
	unlink(path);
	unlink(old);
	unlink(older);
	rmdir(dir);
	return TAP_DONE();
}
