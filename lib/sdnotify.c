/*
 * sdnotify.c - systemd's socket activation and readiness protocols, from
 * their documentation (sd_listen_fds(3), sd_notify(3)), in plain POSIX.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "sdnotify.h"

/* A decimal number in [0, INT_MAX], nothing around it; -1 otherwise. */
static long
parse_count(const char *s)
{
	long v = 0;

	if (s == NULL || *s == '\0')
		return -1;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9' || v > (INT_MAX - (*s - '0')) / 10)
			return -1;
		v = v * 10 + (*s - '0');
	}
	return v;
}

static int
check_listening(int fd)
{
	int on = 0, type = 0;
	socklen_t len = sizeof(on);

	if (fcntl(fd, F_GETFD) == -1)
		return -1;	/* EBADF */
	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) == -1)
		return -1;	/* ENOTSOCK */
	len = sizeof(on);
	if (type != SOCK_STREAM ||
	    getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &on, &len) == -1 ||
	    !on) {
		errno = EINVAL;
		return -1;
	}
	return 0;
}

int
tw_listen_fds(int *fds, int max)
{
	const char *pid_s = getenv("LISTEN_PID"), *n_s = getenv("LISTEN_FDS");
	long pid, n;
	int i, rc = 0, err = 0;

	if (pid_s == NULL || n_s == NULL)
		goto out;
	pid = parse_count(pid_s);
	n = parse_count(n_s);
	if (pid == -1 || n == -1) {
		rc = -1;
		err = EINVAL;
		goto out;
	}
	if ((pid_t)pid != getpid())
		goto out;	/* passed to an ancestor, not to us */
	if (n > max) {
		rc = -1;
		err = E2BIG;
		goto out;
	}
	for (i = 0; i < n; i++) {
		int fd = TW_LISTEN_FDS_START + i;

		if (check_listening(fd) == -1 ||
		    fcntl(fd, F_SETFD, FD_CLOEXEC) == -1) {
			rc = -1;
			err = errno;
			goto out;
		}
		fds[i] = fd;
	}
	rc = (int)n;
out:
	/* Read once: a child we start must not think they are its own. */
	unsetenv("LISTEN_PID");
	unsetenv("LISTEN_FDS");
	unsetenv("LISTEN_FDNAMES");
	if (rc == -1)
		errno = err;
	return rc;
}

int
tw_notify(const char *state)
{
	const char *name = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sun;
	socklen_t len;
	size_t n;
	ssize_t sent;
	int fd, err;

	if (name == NULL || *name == '\0')
		return 0;
	if (name[0] != '/' && name[0] != '@') {
		errno = EAFNOSUPPORT;
		return -1;
	}
	n = strlen(name);
	if (n >= sizeof(sun.sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, name, n);
	/* An abstract name (Linux) starts with a NUL and is not terminated. */
	if (sun.sun_path[0] == '@')
		sun.sun_path[0] = '\0';
	len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n +
	    (name[0] == '/'));

	if ((fd = socket(AF_UNIX, SOCK_DGRAM, 0)) == -1)
		return -1;
	/* Never block the loop: a full queue loses the message instead. */
	if (fcntl(fd, F_SETFD, FD_CLOEXEC) == -1 ||
	    fcntl(fd, F_SETFL, O_NONBLOCK) == -1)
		goto fail;
	do
		sent = sendto(fd, state, strlen(state), 0,
		    (const struct sockaddr *)&sun, len);
	while (sent == -1 && errno == EINTR);
	if (sent == -1)
		goto fail;
	close(fd);
	return 1;
fail:
	err = errno;
	close(fd);
	errno = err;
	return -1;
}
