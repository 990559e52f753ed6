/*
 * daemon.c - fork, detach, and the readiness pipe the parent waits on.
 */
#define _GNU_SOURCE

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "daemon.h"

#define RELAY_CHUNK 4096

/*
 * The parent: copy what the child writes to our stderr up to its NUL
 * (exit 0) or its end (exit 1: the child failed, and said why).
 */
static _Noreturn void
wait_for_child(int fd)
{
	char buf[RELAY_CHUNK];
	size_t total = 0;
	ssize_t n;
	char *nul;

	for (;;) {
		n = read(fd, buf, sizeof(buf));
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		total += (size_t)n;
		if ((nul = memchr(buf, '\0', (size_t)n)) != NULL) {
			(void)!write(STDERR_FILENO, buf, (size_t)(nul - buf));
			exit(0);
		}
		(void)!write(STDERR_FILENO, buf, (size_t)n);
	}
	if (total == 0) {
		n = snprintf(buf, sizeof(buf), "%s: the daemon exited before "
		    "it was ready\n", tw_getprogname());
		(void)!write(STDERR_FILENO, buf, (size_t)n);
	}
	exit(1);
}

int
tw_daemonize(const sigset_t *parent_mask)
{
	int p[2], null, e;
	pid_t pid;

	if (pipe(p) == -1)
		return -1;
	if ((pid = fork()) == -1) {
		e = errno;
		close(p[0]);
		close(p[1]);
		errno = e;
		return -1;
	}
	if (pid > 0) {
		(void)sigprocmask(SIG_SETMASK, parent_mask, NULL);
		close(p[1]);
		wait_for_child(p[0]);
	}
	close(p[0]);
	if (setsid() == -1 || chdir("/") == -1 ||
	    (null = open("/dev/null", O_RDWR)) == -1)
		return -1;
	dup2(null, STDIN_FILENO);
	dup2(null, STDOUT_FILENO);
	dup2(p[1], STDERR_FILENO);	/* errors go to the waiting parent */
	close(p[1]);
	if (null > STDERR_FILENO)
		close(null);
	return 0;
}

int
tw_daemon_ready(const char *msg, size_t len)
{
	int null;

	/* A blocking write before the loop runs: the parent is reading. */
	if (write(STDERR_FILENO, msg, len) != (ssize_t)len ||
	    write(STDERR_FILENO, "", 1) != 1)
		return -1;
	if ((null = open("/dev/null", O_WRONLY | O_CLOEXEC)) == -1)
		return -1;
	dup2(null, STDERR_FILENO);
	close(null);
	return 0;
}
