/*
 * floor.c - the least a server can do on this machine: make bench's
 * "floor" row, against which twirl's own cost is read.
 *
 * Not a twirl program and not a SPEC server: no state, no escaping, no
 * limits, no error handling beyond dying. It does only the system calls
 * that any server answering the same load must make, so its figures are
 * what the kernel and the load generator leave for the server's own work.
 *
 *   floor rr PORT [BYTES]
 *	Answers every line received with a line of BYTES bytes (default 2,
 *	"1\n"; Redis's answers to INCR are 4 to 8): one read(2) and one
 *	write(2) per readable connection, as fib-serve and Redis do. The
 *	sockets block on writing, so a big answer needs no queue.
 *
 *   floor fanout PORT
 *	Greets each client with "<hits>\n", then sends every line read from
 *	standard input to every client in the SPEC's <hit> form, the same
 *	bytes as weblog-serve's, but cut at its spaces, brackets and quotes
 *	without a check (loadgen's lines are regular). All output goes to one
 *	arena and each client sends from its own offset in it: one write(2)
 *	per client per batch read, as weblog-serve does from shared buffers.
 */
#define _GNU_SOURCE

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#define ARENA	(512u << 20)	/* all fan-out output of a bench run */
#define MAXFD	65536

static char *answers;		/* rr: ANSWERS_MAX answers, back to back */
static size_t answer_len;
#define ANSWERS_MAX 64

static char *arena;
static size_t filled;
static size_t off[MAXFD];	/* fan-out: how much of the arena fd has sent */
static int client[MAXFD];	/* fan-out: the clients' fds */
static int nclient;

static void
die(const char *what)
{
	perror(what);
	exit(1);
}

static int
listen_on(int port)
{
	struct sockaddr_in sa;
	int fd, one = 1;

	if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0)) == -1)
		die("socket");
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((unsigned short)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == -1 ||
	    listen(fd, 4096) == -1)
		die("listen");
	return fd;
}

static void
watch(int ep, int fd, unsigned events)
{
	struct epoll_event ev;

	ev.events = events;
	ev.data.fd = fd;
	if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) == -1)
		die("epoll_ctl");
}

/* Accept every pending connection; a fan-out client gets its greeting. */
static void
accept_all(int ep, int lfd, int fanout)
{
	int fd, one = 1;

	while ((fd = accept4(lfd, NULL, NULL, fanout ? SOCK_NONBLOCK : 0)) != -1) {
		if (fd >= MAXFD)
			die("too many connections");
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		if (fanout) {
			if (write(fd, "<hits>\n", 7) != 7)
				die("greeting");
			off[fd] = filled;	/* from now on */
			client[nclient++] = fd;
			watch(ep, fd, EPOLLOUT | EPOLLET);
		} else {
			watch(ep, fd, EPOLLIN);
		}
	}
	if (errno != EAGAIN)
		die("accept");
}

/* One read, and one write of all the answers (per ANSWERS_MAX). */
static void
answer(int fd)
{
	static char in[65536];
	ssize_t r = read(fd, in, sizeof(in)), i;
	size_t n = 0, len;

	if (r <= 0) {
		close(fd);
		return;
	}
	for (i = 0; i < r; i++)
		n += in[i] == '\n';
	while (n > 0) {
		len = (n < ANSWERS_MAX ? n : ANSWERS_MAX) * answer_len;
		if (send(fd, answers, len, MSG_NOSIGNAL) != (ssize_t)len) {
			close(fd);
			return;
		}
		n -= len / answer_len;
	}
}

/* Send what fd has not had yet, until the socket is full. */
static void
push(int fd)
{
	int i;

	while (off[fd] < filled) {
		ssize_t w = send(fd, arena + off[fd], filled - off[fd],
		    MSG_NOSIGNAL);

		if (w != -1) {
			off[fd] += (size_t)w;
			continue;
		}
		if (errno == EAGAIN)
			return;
		for (i = 0; client[i] != fd; i++)
			;
		client[i] = client[--nclient];
		close(fd);
		return;
	}
}

static char *
put(char *o, const char *s, size_t n)
{
	memcpy(o, s, n);
	return o + n;
}

/* <tag>p up to the first stop</tag>; returns where to go on from. */
static const char *
field(char **o, const char *tag, const char *p, const char *end, char stop,
    size_t skip)
{
	const char *q = memchr(p, stop, (size_t)(end - p));
	size_t t = strlen(tag);

	if (q == NULL)
		q = end;
	*o = put(*o, "<", 1);
	*o = put(*o, tag, t);
	*o = put(*o, ">", 1);
	*o = put(*o, p, (size_t)(q - p));
	*o = put(*o, "</", 2);
	*o = put(*o, tag, t);
	*o = put(*o, ">", 1);
	return q + skip < end ? q + skip : end;
}

/* One access-log line as weblog-serve sends it. */
static size_t
hit(char *out, const char *p, const char *end)
{
	char *o = out;

	o = put(o, "<hit>", 5);
	p = field(&o, "client", p, end, ' ', 1);
	p = field(&o, "ident", p, end, ' ', 1);
	p = field(&o, "user", p, end, ' ', 2);
	p = field(&o, "time", p, end, ']', 3);
	p = field(&o, "request", p, end, '"', 2);
	p = field(&o, "status", p, end, ' ', 1);
	p = field(&o, "bytes", p, end, ' ', 2);
	p = field(&o, "referrer", p, end, '"', 3);
	(void)field(&o, "agent", p, end, '"', 1);
	o = put(o, "</hit>\n", 7);
	return (size_t)(o - out);
}

/* Append the complete lines read from standard input, as hits. */
static int
take_input(void)
{
	static char in[65536];
	static size_t have;
	ssize_t r = read(0, in + have, sizeof(in) - have);
	char *p = in, *q, *end;

	if (r <= 0)
		return r == 0 || errno != EAGAIN ? -1 : 0;
	end = in + have + r;
	while ((q = memchr(p, '\n', (size_t)(end - p))) != NULL) {
		if (filled + (size_t)(q - p) + 256 > ARENA)
			die("arena full");
		filled += hit(arena + filled, p, q);
		p = q + 1;
	}
	have = (size_t)(end - p);
	memmove(in, p, have);
	return 1;
}

int
main(int argc, char **argv)
{
	struct epoll_event evs[256];
	int ep, lfd, fanout, fd, n, k;

	if (argc < 3 || argc > 4 ||
	    (strcmp(argv[1], "rr") && strcmp(argv[1], "fanout"))) {
		fprintf(stderr, "usage: floor rr PORT [BYTES] | fanout PORT\n");
		return 2;
	}
	fanout = strcmp(argv[1], "fanout") == 0;
	if (fanout) {
		if ((arena = malloc(ARENA)) == NULL)
			die("malloc");
	} else {
		answer_len = argc > 3 ? (size_t)atol(argv[3]) : 2;
		if (answer_len < 1 || answer_len > 1 << 20)
			answer_len = 2;
		if ((answers = malloc(ANSWERS_MAX * answer_len)) == NULL)
			die("malloc");
		memset(answers, '1', ANSWERS_MAX * answer_len);
		for (n = 1; n <= ANSWERS_MAX; n++)
			answers[(size_t)n * answer_len - 1] = '\n';
	}
	if ((ep = epoll_create1(0)) == -1)
		die("epoll_create1");
	lfd = listen_on(atoi(argv[2]));
	watch(ep, lfd, EPOLLIN);
	if (fanout)
		watch(ep, 0, EPOLLIN);
	for (;;) {
		if ((n = epoll_wait(ep, evs, 256, -1)) == -1 && errno != EINTR)
			die("epoll_wait");
		for (k = 0; k < n; k++) {
			fd = evs[k].data.fd;
			if (fd == lfd)
				accept_all(ep, lfd, fanout);
			else if (!fanout)
				answer(fd);
			else if (fd != 0)
				push(fd);
			else if (take_input() == -1)
				return 0;
			else
				for (fd = nclient - 1; fd >= 0; fd--)
					push(client[fd]);
		}
	}
}
