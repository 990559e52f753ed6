/*
 * test_fibstate.c - the state file's strict reader (a message naming the
 * file, line and reason for every defect), its atomic writer, and the
 * fcntl lock that names its holder.
 */
#define _POSIX_C_SOURCE 200809L

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fib/fibstate.h"
#include "util/lockfile.h"
#include "tap.h"

static char dir[] = "/tmp/twirl-fibstate.XXXXXX";
static char path[256];

static int
parse(tw_fibstate *s, const char *text, char *err, size_t errlen)
{
	return tw_fibstate_parse(s, "f", text, strlen(text), err, errlen);
}

static int
big_is(const tw_big *a, const char *want)
{
	char buf[256];
	size_t n = tw_big_print(a, buf);

	return n == strlen(want) && memcmp(buf, want, n) == 0;
}

static void
a_valid_file_parses_with_comments_and_blank_lines(void)
{
	tw_fibstate s;
	char err[256];

	tw_fibstate_init(&s);
	CHECK(parse(&s, "# hello\n\n  # indented comment\nfib-state 1\n"
	    "a 0005\nb\t123456789012345678901234567890\n\nserved 42  \n"
	    "reserve 1000\nlisten unix:/tmp/x.sock\n", err, sizeof(err)) == 0);
	CHECK(big_is(&s.a, "5"));
	CHECK(big_is(&s.b, "123456789012345678901234567890"));
	CHECK_EQ(s.served, 42);
	CHECK_EQ(s.reserve, 1000);
	CHECK(strcmp(s.listen, "unix:/tmp/x.sock") == 0);
	/* listen is optional, and the last newline too */
	CHECK(parse(&s, "fib-state 1\na 1\nb 1\nserved 0\nreserve 0", err,
	    sizeof(err)) == 0);
	CHECK_EQ(s.listen[0], '\0');
	tw_fibstate_free(&s);
}

struct defect {
	const char *text, *want;
};

static const struct defect defects[] = {
	{ "", "f: not a fib-state file: no 'fib-state 1' line" },
	{ "# only a comment\n", "f: not a fib-state file: no 'fib-state 1' line" },
	{ "a 1\nfib-state 1\n", "f:1: not a fib-state file: the first line must be 'fib-state 1'" },
	{ "fib-state 2\n", "f:1: unsupported format '2' (this reader knows 'fib-state 1')" },
	{ "fib-state 1 x\n", "f:1: unsupported format '1 x' (this reader knows 'fib-state 1')" },
	{ "fib-state 1\na 1\nb 1\nserved 0\nreserve 0\ncolour blue\n", "f:6: unknown key 'colour'" },
	{ "fib-state 1\na 1\nb 1\na 2\nserved 0\nreserve 0\n", "f:4: duplicate key 'a' (first on line 2)" },
	{ "fib-state 1\nfib-state 1\n", "f:2: duplicate 'fib-state' line (first on line 1)" },
	{ "fib-state 1\na 1\nserved 0\nreserve 0\n", "f: missing key 'b'" },
	{ "fib-state 1\na 1\nb 1\nserved 0\n", "f: missing key 'reserve'" },
	{ "fib-state 1\na\nb 1\nserved 0\nreserve 0\n", "f:2: missing value for 'a'" },
	{ "fib-state 1\na 1\nb 1x\nserved 0\nreserve 0\n", "f:3: b: malformed number '1x' (want decimal digits only)" },
	{ "fib-state 1\na -1\nb 1\nserved 0\nreserve 0\n", "f:2: a: malformed number '-1' (want decimal digits only)" },
	{ "fib-state 1\na 1\nb 1\nserved 0\nreserve 0 # note\n", "f:5: trailing junk after the value of 'reserve': '# note'" },
	{ "fib-state 1\na 1\nb 00\nserved 0\nreserve 0\n", "f:3: b: is 0, and the sequence would repeat a number" },
	{ "fib-state 1\na 1\nb 1\nserved 18446744073709551616\nreserve 0\n", "f:4: served: number too large (max 18446744073709551615)" },
	{ "fib-state 1\na 1\nb 1\nserved 0\nreserve 100000001\n", "f:5: reserve: number too large (max 100000000)" },
	{ "fib-state 1\na 1\nb 1\nserved 0\nreserve 0\nlisten 1:2:3\n", "f:6: listen: bad address '1:2:3': an IPv6 address needs brackets: [ADDR]:PORT" },
	{ "fib-state 1\na 1\nb 1\nserved 0\nreserve 0\nlisten 70000\n", "f:6: listen: bad address '70000': bad port (want 0-65535)" },
	{ "fib-state 1\r\n", "f:1: carriage return at end of line (DOS line ending)" },
	{ "fib-state 1\na 1\nb 1\nserved 1.5\nreserve 0\n", "f:4: served: malformed number '1.5' (want decimal digits only)" },
};

static void
every_defect_names_the_file_line_and_reason(void)
{
	tw_fibstate s;
	char err[256];
	size_t i;

	tw_fibstate_init(&s);
	CHECK(tw_big_set_u64(&s.a, 7) == 0);
	for (i = 0; i < sizeof(defects) / sizeof(defects[0]); i++) {
		err[0] = '\0';
		errno = 0;
		if (parse(&s, defects[i].text, err, sizeof(err)) != -1 ||
		    strcmp(err, defects[i].want) != 0) {
			printf("#   defect %zu: got \"%s\"\n#   want \"%s\"\n", i,
			    err, defects[i].want);
			CHECK(0);
		}
		CHECK_EQ(errno, EINVAL);
	}
	/* A failed parse leaves the state as it was. */
	CHECK(big_is(&s.a, "7"));
	tw_fibstate_free(&s);
}

static void
a_long_junk_value_is_cut_in_the_message(void)
{
	char text[4096], err[256];
	tw_fibstate s;

	memset(text, 'x', sizeof(text));
	memcpy(text, "fib-state 1\na ", 14);
	text[sizeof(text) - 1] = '\0';
	tw_fibstate_init(&s);
	CHECK(parse(&s, text, err, sizeof(err)) == -1);
	CHECK(strstr(err, "f:2: a: malformed number 'xxx") == err);
	CHECK(strstr(err, "...'") != NULL);
	CHECK(strlen(err) < 120);
	tw_fibstate_free(&s);
}

static void
set_checks_values_like_the_reader(void)
{
	tw_fibstate s;
	char err[256];

	tw_fibstate_init(&s);
	CHECK(tw_fibstate_set(&s, "a", "12", err, sizeof(err)) == 0);
	CHECK(big_is(&s.a, "12"));
	CHECK(tw_fibstate_set(&s, "listen", "[::1]:8889", err, sizeof(err)) == 0);
	CHECK(strcmp(s.listen, "[::1]:8889") == 0);
	CHECK(tw_fibstate_set(&s, "nope", "1", err, sizeof(err)) == -1);
	CHECK(strcmp(err, "unknown key 'nope'") == 0);
	CHECK(tw_fibstate_check_value("served", "x", err, sizeof(err)) == -1);
	CHECK(strcmp(err, "served: malformed number 'x' (want decimal digits only)") == 0);
	CHECK(tw_fibstate_check_value("b", "0", err, sizeof(err)) == -1);
	CHECK(tw_fibstate_check_value("listen", "unix:", err, sizeof(err)) == -1);
	CHECK(tw_fibstate_check_value("listen", "localhost:80", err,
	    sizeof(err)) == 0);
	tw_fibstate_free(&s);
}

/* Files in dir other than the state file and its lock: temporary leftovers. */
static int
stray_files(void)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	if (d == NULL)
		return -1;
	while ((e = readdir(d)) != NULL)
		if (strstr(e->d_name, ".tmp.") != NULL)
			n++;
	closedir(d);
	return n;
}

static void
a_written_file_reads_back_the_same(void)
{
	tw_fibstate s, r;
	char err[256];

	tw_fibstate_init(&s);
	tw_fibstate_init(&r);
	CHECK(tw_big_fib(&s.a, &s.b, 5000) == 0);
	s.served = 18446744073709551615ull;
	s.reserve = 1000;
	strcpy(s.listen, "127.0.0.1:8889");
	CHECK(tw_fibstate_write(&s, path) == 0);
	CHECK(tw_fibstate_read(&r, path, err, sizeof(err)) == 0);
	CHECK(tw_big_cmp(&s.a, &r.a) == 0);
	CHECK(tw_big_cmp(&s.b, &r.b) == 0);
	CHECK(r.served == s.served);
	CHECK_EQ(r.reserve, 1000);
	CHECK(strcmp(r.listen, "127.0.0.1:8889") == 0);
	CHECK_EQ(stray_files(), 0);
	tw_fibstate_free(&s);
	tw_fibstate_free(&r);
}

static void
a_failed_write_leaves_the_old_file(void)
{
	tw_fibstate s, r;
	char tmp[300], err[256];

	tw_fibstate_init(&s);
	tw_fibstate_init(&r);
	CHECK(tw_big_set_u64(&s.a, 1) == 0);
	CHECK(tw_big_set_u64(&s.b, 2) == 0);
	CHECK(tw_fibstate_write(&s, path) == 0);
	/* A directory where the temporary file goes: open(2) fails. */
	snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid());
	CHECK(mkdir(tmp, 0700) == 0);
	CHECK(tw_big_set_u64(&s.b, 3) == 0);
	CHECK(tw_fibstate_write(&s, path) == -1);
	CHECK_EQ(errno, EISDIR);
	rmdir(tmp);
	CHECK(tw_fibstate_read(&r, path, err, sizeof(err)) == 0);
	CHECK(big_is(&r.b, "2"));
	tw_fibstate_free(&s);
	tw_fibstate_free(&r);
}

static int
mode_of(const char *p)
{
	struct stat sb;

	return stat(p, &sb) == 0 ? (int)(sb.st_mode & 07777) : -1;
}

static int
b_is(const char *p, const char *want)
{
	tw_fibstate r;
	char err[256];
	int ok;

	tw_fibstate_init(&r);
	ok = tw_fibstate_read(&r, p, err, sizeof(err)) == 0 &&
	    big_is(&r.b, want);
	tw_fibstate_free(&r);
	return ok;
}

/* A rewrite keeps the mode someone gave the file; a new file gets 0666 less the umask. */
static void
a_rewrite_keeps_the_file_mode(void)
{
	tw_fibstate s;
	char p[300];
	mode_t old;

	tw_fibstate_init(&s);
	CHECK(tw_big_set_u64(&s.b, 1) == 0);
	snprintf(p, sizeof(p), "%s/mode.state", dir);
	old = umask(027);
	CHECK(tw_fibstate_write(&s, p) == 0);
	umask(old);
	CHECK_EQ(mode_of(p), 0640);
	CHECK(chmod(p, 0604) == 0);
	CHECK(tw_big_set_u64(&s.b, 2) == 0);
	CHECK(tw_fibstate_write(&s, p) == 0);
	CHECK_EQ(mode_of(p), 0604);
	CHECK(chmod(p, 0600) == 0);
	CHECK(tw_fibstate_write(&s, p) == 0);
	CHECK_EQ(mode_of(p), 0600);
	CHECK(b_is(p, "2"));
	unlink(p);
	tw_fibstate_free(&s);
}

/*
 * Through a symbolic link (relative, chained, dangling) the target is
 * rewritten and the link stays: the temporary file goes beside the target.
 */
static void
a_rewrite_through_a_symlink_keeps_the_link(void)
{
	char real[300], target[300], link1[300], link2[300], dangling[300];
	char fresh[300], loop1[300], loop2[300], tmp[400];
	struct stat sb;
	tw_fibstate s;

	tw_fibstate_init(&s);
	snprintf(real, sizeof(real), "%s/real", dir);
	snprintf(target, sizeof(target), "%s/real/t.state", dir);
	snprintf(link1, sizeof(link1), "%s/link1.state", dir);
	snprintf(link2, sizeof(link2), "%s/link2.state", dir);
	snprintf(dangling, sizeof(dangling), "%s/dangling.state", dir);
	snprintf(fresh, sizeof(fresh), "%s/real/fresh.state", dir);
	snprintf(loop1, sizeof(loop1), "%s/loop1", dir);
	snprintf(loop2, sizeof(loop2), "%s/loop2", dir);
	CHECK(mkdir(real, 0700) == 0);
	CHECK(tw_big_set_u64(&s.b, 1) == 0);
	CHECK(tw_fibstate_write(&s, target) == 0);
	CHECK(chmod(target, 0600) == 0);
	CHECK(symlink("real/t.state", link1) == 0);
	CHECK(symlink(link1, link2) == 0);	/* absolute, to a link */

	CHECK(tw_big_set_u64(&s.b, 2) == 0);
	CHECK(tw_fibstate_write(&s, link1) == 0);
	CHECK(lstat(link1, &sb) == 0 && S_ISLNK(sb.st_mode));
	CHECK(b_is(target, "2"));
	CHECK_EQ(mode_of(target), 0600);

	CHECK(tw_big_set_u64(&s.b, 3) == 0);
	CHECK(tw_fibstate_write(&s, link2) == 0);
	CHECK(lstat(link2, &sb) == 0 && S_ISLNK(sb.st_mode));
	CHECK(lstat(link1, &sb) == 0 && S_ISLNK(sb.st_mode));
	CHECK(b_is(target, "3"));
	CHECK_EQ(stray_files(), 0);

	/* A dangling link: the file it names is created. */
	CHECK(symlink("real/fresh.state", dangling) == 0);
	CHECK(tw_fibstate_write(&s, dangling) == 0);
	CHECK(lstat(dangling, &sb) == 0 && S_ISLNK(sb.st_mode));
	CHECK(b_is(fresh, "3"));

	/* A loop fails as open(2) would. */
	CHECK(symlink("loop2", loop1) == 0);
	CHECK(symlink("loop1", loop2) == 0);
	CHECK(tw_fibstate_write(&s, loop1) == -1);
	CHECK_EQ(errno, ELOOP);

	/* A writer's leftovers are looked for beside the target too. */
	snprintf(tmp, sizeof(tmp), "%s.tmp.123", target);
	CHECK(close(creat(tmp, 0600)) == 0);
	CHECK_EQ(tw_fibstate_remove_temps(link2), 1);
	CHECK(access(tmp, F_OK) == -1);

	unlink(loop1);
	unlink(loop2);
	unlink(dangling);
	unlink(fresh);
	unlink(link2);
	unlink(link1);
	unlink(target);
	rmdir(real);
	tw_fibstate_free(&s);
}

static void
reading_a_missing_file_says_why(void)
{
	tw_fibstate s;
	char err[256], p[300];

	tw_fibstate_init(&s);
	snprintf(p, sizeof(p), "%s/missing", dir);
	CHECK(tw_fibstate_read(&s, p, err, sizeof(err)) == -1);
	CHECK_EQ(errno, ENOENT);
	CHECK(strstr(err, "missing: No such file or directory") != NULL);
	CHECK(tw_fibstate_read(&s, dir, err, sizeof(err)) == -1);
	CHECK_EQ(errno, EISDIR);
	tw_fibstate_free(&s);
}

static void
a_held_lock_names_its_holder(void)
{
	char lock[300];
	int fd, p[2];
	pid_t child, holder;
	char c;

	snprintf(lock, sizeof(lock), "%s.lock", path);
	CHECK(pipe(p) == 0);
	if ((child = fork()) == 0) {
		pid_t h;

		if (tw_lock_file(lock, &h) == -1)
			_exit(1);
		(void)!write(p[1], "x", 1);
		pause();
		_exit(0);
	}
	CHECK(child > 0);
	close(p[1]);
	CHECK(read(p[0], &c, 1) == 1);
	close(p[0]);
	fd = tw_lock_file(lock, &holder);
	CHECK(fd == -1 && errno == EAGAIN);
	CHECK_EQ(holder, child);
	/* The state file's lock is the same file, found by the state's name. */
	holder = 0;
	fd = tw_lock_beside(path, &holder);
	CHECK(fd == -1 && errno == EAGAIN);
	CHECK_EQ(holder, child);
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	/* The kernel let go with the process: no stale lock. */
	CHECK((fd = tw_lock_file(lock, &holder)) >= 0);
	CHECK(tw_lock_write_pid(fd, 1234) == 0);
	close(fd);
}

static void
a_lock_beside_a_too_long_name_fails_cleanly(void)
{
	static char name[8192];
	pid_t holder = 1;

	memset(name, 'x', sizeof(name) - 1);
	CHECK_EQ(tw_lock_beside(name, &holder), -1);
	CHECK_EQ(errno, ENAMETOOLONG);
	CHECK_EQ(holder, 0);
}

int
main(void)
{
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(path, sizeof(path), "%s/fib.state", dir);
	RUN(a_valid_file_parses_with_comments_and_blank_lines);
	RUN(every_defect_names_the_file_line_and_reason);
	RUN(a_long_junk_value_is_cut_in_the_message);
	RUN(set_checks_values_like_the_reader);
	RUN(a_written_file_reads_back_the_same);
	RUN(a_failed_write_leaves_the_old_file);
	RUN(a_rewrite_keeps_the_file_mode);
	RUN(a_rewrite_through_a_symlink_keeps_the_link);
	RUN(reading_a_missing_file_says_why);
	RUN(a_held_lock_names_its_holder);
	RUN(a_lock_beside_a_too_long_name_fails_cleanly);
	unlink(path);
	strcat(path, ".lock");
	unlink(path);
	rmdir(dir);
	return TAP_DONE();
}
