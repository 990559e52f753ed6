/*
 * fuzz_fibstate.c - the state-file reader on any bytes:
 *
 *   - a refused file names itself in the message ("NAME:LINE: reason" or
 *     "NAME: reason"), fails with EINVAL, and leaves the caller's state as
 *     it was;
 *   - an accepted file, formatted (tw_fibstate_format), parses back equal
 *     and formats to the same text; written by the atomic writer into a
 *     scratch directory (tmpfs when there is one, where fsync is cheap) and
 *     read back with tw_fibstate_read, it is equal again, and nothing but
 *     the file is left in the directory.
 */
#define _POSIX_C_SOURCE 200809L

#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fib/fibstate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NAME "fuzz.state"

static char dir[64], path[128];

static void
cleanup(void)
{
	unlink(path);
	rmdir(dir);
}

static void
scratch(void)
{
	if (dir[0] != '\0')
		return;
	snprintf(dir, sizeof(dir), "%s/fuzz_fibstate.XXXXXX",
	    access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
	if (mkdtemp(dir) == NULL)
		abort();
	snprintf(path, sizeof(path), "%s/%s", dir, NAME);
	atexit(cleanup);
}

static int
same(const tw_fibstate *x, const tw_fibstate *y)
{
	return tw_big_cmp(&x->a, &y->a) == 0 && tw_big_cmp(&x->b, &y->b) == 0 &&
	    x->served == y->served && x->reserve == y->reserve &&
	    strcmp(x->listen, y->listen) == 0;
}

/* Only the state file is in the scratch directory: no temporary left. */
static void
alone(void)
{
	struct dirent *e;
	DIR *d;

	if ((d = opendir(dir)) == NULL)
		abort();
	while ((e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0 &&
		    strcmp(e->d_name, NAME) != 0)
			abort();
	closedir(d);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	tw_fibstate s, sentinel, back;
	char err[512], *text, *text2;
	size_t len, len2;

	if (size > 1 << 16)
		return 0;
	tw_fibstate_init(&s);
	tw_fibstate_init(&sentinel);
	tw_fibstate_init(&back);
	/* A state that a failed parse must leave alone. */
	if (tw_big_set_u64(&s.a, 12345) == -1 || tw_big_set_u64(&s.b, 67890) ||
	    tw_fibstate_copy(&sentinel, &s) == -1)
		abort();
	s.served = sentinel.served = 7;
	strcpy(s.listen, "unix:/x");
	strcpy(sentinel.listen, "unix:/x");

	err[0] = '\0';
	if (tw_fibstate_parse(&s, NAME, (const char *)data, size, err,
	    sizeof(err)) == -1) {
		if (errno != EINVAL || strncmp(err, NAME ":", 11) != 0 ||
		    !same(&s, &sentinel))
			abort();
		goto out;
	}
	if (s.b.n == 0)
		abort();	/* b = 0 is refused */
	if (s.reserve > TW_FIBSTATE_RESERVE_MAX)
		abort();

	/* Formatted, it parses back equal, and formats the same. */
	if ((text = tw_fibstate_format(&s, &len)) == NULL)
		abort();
	if (tw_fibstate_parse(&back, NAME, text, len, err, sizeof(err)) == -1 ||
	    !same(&s, &back))
		abort();
	if ((text2 = tw_fibstate_format(&back, &len2)) == NULL || len2 != len ||
	    memcmp(text, text2, len) != 0)
		abort();
	free(text);
	free(text2);

	/* Written atomically and read back. */
	scratch();
	if (tw_fibstate_write(&s, path) == -1)
		abort();
	tw_fibstate_free(&back);
	tw_fibstate_init(&back);
	if (tw_fibstate_read(&back, path, err, sizeof(err)) == -1 ||
	    !same(&s, &back))
		abort();
	alone();
out:
	tw_fibstate_free(&s);
	tw_fibstate_free(&sentinel);
	tw_fibstate_free(&back);
	return 0;
}
