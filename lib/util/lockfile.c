/*
 * lockfile.c - exclusive fcntl locks that name their holder.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "lockfile.h"

static void
whole_file(struct flock *fl)
{
	memset(fl, 0, sizeof(*fl));
	fl->l_type = F_WRLCK;
	fl->l_whence = SEEK_SET;
	fl->l_start = 0;
	fl->l_len = 0;
}

int
tw_lock_file(const char *path, pid_t *holder)
{
	struct flock fl;
	int fd, e, tries;

	*holder = 0;
	if ((fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644)) == -1)
		return -1;
	/*
	 * The holder may exit between our F_SETLK and F_GETLK; then try
	 * again, a few times, rather than report a lock nobody holds.
	 */
	for (tries = 0; tries < 3; tries++) {
		whole_file(&fl);
		if (fcntl(fd, F_SETLK, &fl) == 0)
			return fd;
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EACCES)
			break;
		whole_file(&fl);
		if (fcntl(fd, F_GETLK, &fl) == -1)
			break;
		if (fl.l_type != F_UNLCK) {
			*holder = fl.l_pid;
			errno = EAGAIN;
			break;
		}
	}
	e = errno;
	close(fd);
	errno = e;
	return -1;
}

int
tw_lock_beside(const char *path, pid_t *holder)
{
	char lock[PATH_MAX];
	int n = snprintf(lock, sizeof(lock), "%s.lock", path);

	*holder = 0;
	if (n < 0 || (size_t)n >= sizeof(lock)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return tw_lock_file(lock, holder);
}

int
tw_lock_write_pid(int fd, pid_t pid)
{
	char buf[32];
	int n = snprintf(buf, sizeof(buf), "%ld\n", (long)pid);

	if (ftruncate(fd, 0) == -1)
		return -1;
	if (pwrite(fd, buf, (size_t)n, 0) != n) {
		if (errno == 0)
			errno = EIO;
		return -1;
	}
	return 0;
}
