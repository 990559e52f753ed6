/*
 * test_sdnotify.c - socket activation and readiness, with this process
 * playing systemd: sockets on descriptor 3, datagrams to NOTIFY_SOCKET.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "sdnotify.h"
#include "tap.h"

/* A listening loopback socket moved to descriptor fd. */
static int
listening_at(int fd)
{
	struct sockaddr_in sin;
	int s = socket(AF_INET, SOCK_STREAM, 0);

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (s == -1 || bind(s, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    listen(s, 8) == -1)
		return -1;
	if (s == fd)
		return fd;	/* fd was the lowest free descriptor */
	if (dup2(s, fd) == -1)
		return -1;
	close(s);
	return fd;
}

static void
pass(const char *pid, const char *n)
{
	char me[32];

	if (pid == NULL) {
		snprintf(me, sizeof(me), "%ld", (long)getpid());
		pid = me;
	}
	setenv("LISTEN_PID", pid, 1);
	setenv("LISTEN_FDS", n, 1);
	setenv("LISTEN_FDNAMES", "web", 1);
}

static int
env_gone(void)
{
	return getenv("LISTEN_PID") == NULL && getenv("LISTEN_FDS") == NULL &&
	    getenv("LISTEN_FDNAMES") == NULL;
}

static void
no_variables_means_no_sockets(void)
{
	int fds[4];

	unsetenv("LISTEN_PID");
	unsetenv("LISTEN_FDS");
	CHECK_EQ(tw_listen_fds(fds, 4), 0);
	pass(NULL, "0");
	CHECK_EQ(tw_listen_fds(fds, 4), 0);
	CHECK(env_gone());
}

static void
passed_sockets_are_taken_once_and_made_close_on_exec(void)
{
	int fds[4] = { -1, -1, -1, -1 };

	CHECK(listening_at(3) == 3 && listening_at(4) == 4);
	fcntl(3, F_SETFD, 0);
	pass(NULL, "2");
	CHECK_EQ(tw_listen_fds(fds, 4), 2);
	CHECK_EQ(fds[0], 3);
	CHECK_EQ(fds[1], 4);
	CHECK(fcntl(3, F_GETFD) & FD_CLOEXEC);
	CHECK(fcntl(4, F_GETFD) & FD_CLOEXEC);
	CHECK(env_gone());
	/* Read once: a second call finds nothing. */
	CHECK_EQ(tw_listen_fds(fds, 4), 0);
	close(3);
	close(4);
}

static void
sockets_passed_to_another_pid_are_not_ours(void)
{
	int fds[4];

	CHECK(listening_at(3) == 3);
	pass("1", "1");
	CHECK_EQ(tw_listen_fds(fds, 4), 0);
	CHECK(env_gone());
	close(3);
}

static void
malformed_variables_are_refused(void)
{
	static const char *bad[][2] = {
		{ "x", "1" }, { NULL, "" }, { NULL, "-1" }, { NULL, "1x" },
		{ NULL, "99999999999999999999" }, { "", "1" },
	};
	size_t i;
	int fds[4];

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		pass(bad[i][0], bad[i][1]);
		errno = 0;
		CHECK_EQ(tw_listen_fds(fds, 4), -1);
		CHECK_EQ(errno, EINVAL);
		CHECK(env_gone());
	}
}

static void
too_many_closed_or_not_listening_descriptors_are_refused(void)
{
	int fds[1], p[2];

	CHECK(listening_at(3) == 3 && listening_at(4) == 4);
	pass(NULL, "2");
	CHECK_EQ(tw_listen_fds(fds, 1), -1);
	CHECK_EQ(errno, E2BIG);
	close(4);
	close(3);

	pass(NULL, "1");
	CHECK_EQ(tw_listen_fds(fds, 1), -1);
	CHECK_EQ(errno, EBADF);

	CHECK(pipe(p) == 0 && dup2(p[0], 3) == 3);
	pass(NULL, "1");
	CHECK_EQ(tw_listen_fds(fds, 1), -1);
	CHECK_EQ(errno, ENOTSOCK);
	close(3);
	close(p[0]);
	close(p[1]);

	/* A socket that is not listening. */
	CHECK((p[0] = socket(AF_INET, SOCK_STREAM, 0)) != -1);
	CHECK(p[0] == 3 || (dup2(p[0], 3) == 3 && close(p[0]) == 0));
	pass(NULL, "1");
	CHECK_EQ(tw_listen_fds(fds, 1), -1);
	CHECK_EQ(errno, EINVAL);
	close(3);
}

/* A datagram socket bound at name (a path, or "@abstract"). */
static int
receiver(const char *name)
{
	struct sockaddr_un sun;
	size_t n = strlen(name);
	int fd = socket(AF_UNIX, SOCK_DGRAM, 0);

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, name, n);
	if (name[0] == '@')
		sun.sun_path[0] = '\0';
	if (fd == -1 || bind(fd, (struct sockaddr *)&sun,
	    (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n)) == -1)
		return -1;
	return fd;
}

static void
notify_is_a_no_op_without_notify_socket(void)
{
	unsetenv("NOTIFY_SOCKET");
	CHECK_EQ(tw_notify("READY=1"), 0);
	setenv("NOTIFY_SOCKET", "", 1);
	CHECK_EQ(tw_notify("READY=1"), 0);
}

static void
notify_sends_one_datagram_to_a_path(void)
{
	char dir[] = "/tmp/twirl-sd.XXXXXX", path[64], buf[64];
	ssize_t n;
	int fd;

	CHECK(mkdtemp(dir) != NULL);
	snprintf(path, sizeof(path), "%s/notify", dir);
	CHECK((fd = receiver(path)) != -1);
	setenv("NOTIFY_SOCKET", path, 1);
	CHECK_EQ(tw_notify("READY=1"), 1);
	CHECK_EQ(tw_notify("STOPPING=1\nSTATUS=bye"), 1);
	n = recv(fd, buf, sizeof(buf) - 1, MSG_DONTWAIT);
	CHECK_EQ(n, 7);
	buf[n] = '\0';
	CHECK(strcmp(buf, "READY=1") == 0);
	n = recv(fd, buf, sizeof(buf) - 1, MSG_DONTWAIT);
	CHECK_EQ(n, 21);
	buf[n] = '\0';
	CHECK(strcmp(buf, "STOPPING=1\nSTATUS=bye") == 0);
	/* Still there for the next message: the variable is kept. */
	CHECK(getenv("NOTIFY_SOCKET") != NULL);
	close(fd);
	unlink(path);
	rmdir(dir);
	unsetenv("NOTIFY_SOCKET");
}

static void
notify_reaches_an_abstract_name(void)
{
#ifdef __linux__
	char name[64], buf[16];
	ssize_t n;
	int fd;

	snprintf(name, sizeof(name), "@twirl-test-%ld", (long)getpid());
	CHECK((fd = receiver(name)) != -1);
	setenv("NOTIFY_SOCKET", name, 1);
	CHECK_EQ(tw_notify("READY=1"), 1);
	n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
	CHECK_EQ(n, 7);
	CHECK(memcmp(buf, "READY=1", 7) == 0);
	close(fd);
	unsetenv("NOTIFY_SOCKET");
#endif
}

static void
notify_reports_a_bad_or_absent_socket(void)
{
	char long_name[200];

	setenv("NOTIFY_SOCKET", "vsock:2:1234", 1);
	CHECK_EQ(tw_notify("READY=1"), -1);
	CHECK_EQ(errno, EAFNOSUPPORT);
	memset(long_name, 'x', sizeof(long_name) - 1);
	long_name[0] = '/';
	long_name[sizeof(long_name) - 1] = '\0';
	setenv("NOTIFY_SOCKET", long_name, 1);
	CHECK_EQ(tw_notify("READY=1"), -1);
	CHECK_EQ(errno, ENAMETOOLONG);
	setenv("NOTIFY_SOCKET", "/nonexistent/twirl/notify", 1);
	CHECK_EQ(tw_notify("READY=1"), -1);
	CHECK_EQ(errno, ENOENT);
	unsetenv("NOTIFY_SOCKET");
}

int
main(void)
{
	RUN(no_variables_means_no_sockets);
	RUN(passed_sockets_are_taken_once_and_made_close_on_exec);
	RUN(sockets_passed_to_another_pid_are_not_ours);
	RUN(malformed_variables_are_refused);
	RUN(too_many_closed_or_not_listening_descriptors_are_refused);
	RUN(notify_is_a_no_op_without_notify_socket);
	RUN(notify_sends_one_datagram_to_a_path);
	RUN(notify_reaches_an_abstract_name);
	RUN(notify_reports_a_bad_or_absent_socket);
	return TAP_DONE();
}
