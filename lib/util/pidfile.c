/*
 * pidfile.c - take a pidfile under its lock, remove it at exit.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lockfile.h"
#include "pidfile.h"

/* For the atexit handler, which takes no argument: the one pidfile. */
static char *held_path;
static int held_fd = -1;

static void
remove_pidfile(void)
{
	/* Unlinked while still locked: nobody takes it in between. */
	unlink(held_path);
	close(held_fd);
	free(held_path);
	held_path = NULL;
	held_fd = -1;
}

int
tw_pidfile_take(const char *path, pid_t *holder)
{
	int fd, e;

	if ((fd = tw_lock_file(path, holder)) == -1)
		return -1;
	if (tw_lock_write_pid(fd, getpid()) == -1 ||
	    (held_path = strdup(path)) == NULL) {
		e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	held_fd = fd;
	atexit(remove_pidfile);
	return 0;
}
