/*
 * loadgen.c - the load generator for make bench: epoll, libc only, and no
 * twirl code, so it measures twirl and its peers alike.
 *
 *   loadgen rr ADDRESS CONNS DEPTH SECONDS [REQUEST [COUNT]]
 *	Closed-loop request and response: CONNS connections each keep DEPTH
 *	requests outstanding (pipelining); every response is one line.
 *	REQUEST defaults to "\n" (fib-serve); "INCR n\r\n" speaks to Redis.
 *	With COUNT, stops after COUNT answers (every system then does the
 *	same work: fib numbers grow with every answer) and counts them all;
 *	without it, runs SECONDS and leaves the first tenth out as warm-up.
 *	Prints requests per second and p50/p99/max latency.
 *
 *   loadgen fanout ADDRESS CLIENTS LINES RATE FEED
 *	Connects CLIENTS stream clients to a weblog server, then writes LINES
 *	access-log lines to FEED (a FIFO or file the server reads), RATE lines
 *	per second (0: as fast as it can, up to 100 lines per write, as tail -F
 *	catching up hands them over). Each line carries the monotonic time it
 *	was written; each client timestamps each hit it receives.
 *	Prints deliveries per second and p50/p99/max per-hit latency, and
 *	the hits the server reported dropped (<dropped count="N"/>).
 *
 *   loadgen sse ADDRESS CLIENTS LINES RATE FEED
 *	The same over weblog-serve --http: each client sends
 *	"GET /hits HTTP/1.1", skips the response head and counts the
 *	Server-Sent Events "hit" (the feeder's time read from the "request"
 *	of the JSON data) and "dropped" (their counts).
 *
 *   loadgen ws ADDRESS CLIENTS LINES RATE FEED lines|goaccess
 *	The same over WebSocket, for the peers that show a live log in a
 *	browser: each client sends the HTTP Upgrade request, checks for
 *	"101" (Sec-WebSocket-Accept is not checked: the peers are trusted
 *	here) and reads the server's frames (text and binary messages,
 *	fragmented or not; pings answered; close ends the client). FEED is a
 *	file the server follows, opened for appending.
 *	lines: each message is one line of FEED (websocketd running
 *	tail -n0 -F FEED), a hit when it carries the feeder's time. Before
 *	the burst, "ready" lines go to FEED every 500 ms until every client
 *	has had one: then every tail follows the file.
 *	goaccess: each message is GoAccess's whole dashboard, which counts
 *	the requests read ("total_requests"); when that count advances from
 *	n to m, lines n .. m-1 reach the client then: each is a delivery, its
 *	latency the time since the feeder wrote it (the feeder keeps each
 *	line's write time). Before the burst, every client waits for the
 *	dashboard GoAccess sends on connecting.
 *
 *   loadgen idle ADDRESS CONNS PID [sse]
 *	Opens CONNS idle connections (with sse, each a GET /hits stream
 *	whose response head was read) and prints the server's (PID) resident
 *	memory before and after, per connection.
 *
 *   loadgen port
 *	Prints a TCP port free on 127.0.0.1 now, for a server to listen on
 *	(bench/run starts many: a Python interpreter for each took seconds
 *	on a loaded machine).
 *
 * Output is one line of key=value pairs, so a script can pick figures out.
 */
#define _GNU_SOURCE

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

struct conn {
	int fd;
	uint64_t *sent;		/* ring of send times of outstanding requests */
	unsigned head, n;
	char *partial;		/* fanout: the current line, bounded */
	size_t plen;
	int event;		/* sse: the event of the data line to come */
	/* ws: the frame being read, and the message it belongs to */
	unsigned char hdr[14];	/* the frame's header, as it comes */
	unsigned hlen;		/* its bytes so far */
	int inframe;		/* the header is whole: payload follows */
	uint64_t left;		/* payload bytes still to come */
	unsigned char ctl[125];	/* a control frame's payload */
	unsigned clen;
	size_t mlen;		/* the message's length (kept: up to WS_KEEP) */
	uint64_t msgs;		/* messages received */
	uint64_t seen;		/* goaccess: the requests last counted */
	int closed;
};

static struct sockaddr_storage dst;
static socklen_t dstlen;
static uint64_t *lat;		/* latency samples, ns */
static size_t nlat, caplat;
static uint64_t hits;		/* fanout: hits received by all clients */
static uint64_t dropped;	/* fanout: hits the server said it dropped */
static int sse;			/* fanout over Server-Sent Events */
static enum { WS_NONE, WS_LINES, WS_GOACCESS } ws;	/* over WebSocket */
static uint64_t *wtime;		/* ws goaccess: each line's write time */
static uint64_t nwtime;

#define SSE_REQUEST "GET /hits HTTP/1.1\r\nHost: loadgen\r\n\r\n"
/* RFC 6455's example key: any 16 bytes in base64 will do. */
#define WS_REQUEST "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n" \
	"Upgrade: websocket\r\nConnection: Upgrade\r\n" \
	"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n" \
	"Sec-WebSocket-Version: 13\r\n\r\n"
#define WS_KEEP 4096	/* a message's first bytes kept: its hit, its count */

static void
die(const char *what)
{
	fprintf(stderr, "loadgen: %s: %s\n", what, strerror(errno));
	exit(1);
}

static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void
parse_addr(const char *s)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)&dst;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&dst;
	char host[256];
	const char *colon;

	memset(&dst, 0, sizeof(dst));
	if (strncmp(s, "unix:", 5) == 0) {
		struct sockaddr_un *sun = (struct sockaddr_un *)&dst;

		sun->sun_family = AF_UNIX;
		snprintf(sun->sun_path, sizeof(sun->sun_path), "%s", s + 5);
		dstlen = sizeof(*sun);
		return;
	}
	if ((colon = strrchr(s, ':')) == NULL) {
		snprintf(host, sizeof(host), "127.0.0.1");
		colon = s - 1;
	} else {
		snprintf(host, sizeof(host), "%.*s", (int)(colon - s), s);
	}
	if (host[0] == '[') {
		host[strlen(host) - 1] = '\0';
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)atoi(colon + 1));
		if (inet_pton(AF_INET6, host + 1, &sin6->sin6_addr) != 1)
			die("bad IPv6 address");
		dstlen = sizeof(*sin6);
		return;
	}
	sin->sin_family = AF_INET;
	sin->sin_port = htons((uint16_t)atoi(colon + 1));
	if (inet_pton(AF_INET, host, &sin->sin_addr) != 1)
		die("bad IPv4 address");
	dstlen = sizeof(*sin);
}

static int
dial(void)
{
	int fd, one = 1;

	if ((fd = socket(dst.ss_family, SOCK_STREAM, 0)) == -1)
		die("socket");
	if (connect(fd, (struct sockaddr *)&dst, dstlen) == -1)
		die("connect");
	if (dst.ss_family != AF_UNIX)
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	fcntl(fd, F_SETFL, O_NONBLOCK);
	return fd;
}

static void
raise_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

static void
sample(uint64_t ns)
{
	if (nlat == caplat) {
		caplat = caplat ? caplat * 2 : 1 << 16;
		if ((lat = realloc(lat, caplat * sizeof(*lat))) == NULL)
			die("realloc");
	}
	lat[nlat++] = ns;
}

static void
swap_u64(uint64_t *a, uint64_t *b)
{
	uint64_t t = *a;

	*a = *b;
	*b = t;
}

/*
 * The k-th smallest of a[0..n), which is left partitioned around it
 * (Hoare's quickselect, median-of-three pivots): tens of millions of
 * samples take a fraction of what sorting them would.
 */
static uint64_t
select_k(uint64_t *a, size_t n, size_t k)
{
	ptrdiff_t lo = 0, hi = (ptrdiff_t)n - 1, kk = (ptrdiff_t)k;

	while (lo < hi) {
		ptrdiff_t mid = lo + (hi - lo) / 2, i = lo, j = hi;
		uint64_t pivot;

		if (a[mid] < a[lo])
			swap_u64(&a[mid], &a[lo]);
		if (a[hi] < a[lo])
			swap_u64(&a[hi], &a[lo]);
		if (a[hi] < a[mid])
			swap_u64(&a[hi], &a[mid]);
		pivot = a[mid];
		while (i <= j) {
			while (a[i] < pivot)
				i++;
			while (a[j] > pivot)
				j--;
			if (i <= j)
				swap_u64(&a[i++], &a[j--]);
		}
		/* Now a[lo..j] <= pivot <= a[i..hi], and between them pivots. */
		if (kk <= j)
			hi = j;
		else if (kk >= i)
			lo = i;
		else
			break;
	}
	return a[k];
}

static void
print_latency(void)
{
	size_t k99 = (size_t)((double)nlat * 0.99), i;
	uint64_t max = 0, p99, p50;

	if (nlat == 0) {
		printf(" p50_ms=nan p99_ms=nan max_ms=nan");
		return;
	}
	for (i = 0; i < nlat; i++)
		if (lat[i] > max)
			max = lat[i];
	p99 = select_k(lat, nlat, k99);
	/* Everything below index k99 is now at most p99. */
	p50 = nlat / 2 < k99 ? select_k(lat, k99, nlat / 2) :
	    select_k(lat, nlat, nlat / 2);
	printf(" p50_ms=%.3f p99_ms=%.3f max_ms=%.3f", p50 / 1e6, p99 / 1e6,
	    max / 1e6);
}

/* -------------------------------------------------------------- rr */

static void
send_requests(struct conn *c, unsigned k, const char *req, size_t reqlen,
    unsigned depth)
{
	static char buf[16 * 64];
	size_t n = 0;
	unsigned i;
	uint64_t t = now_ns();

	for (i = 0; i < k && n + reqlen <= sizeof(buf); i++) {
		memcpy(buf + n, req, reqlen);
		n += reqlen;
		c->sent[(c->head + c->n) % depth] = t;
		c->n++;
	}
	/* Small writes into an empty socket buffer: they go whole. */
	if (write(c->fd, buf, n) != (ssize_t)n)
		die("write");
}

static int
rr(int argc, char **argv)
{
	unsigned nconn, depth, i;
	double seconds;
	const char *req = "\n";
	size_t reqlen;
	struct conn *cs;
	struct epoll_event ev, evs[256];
	uint64_t start, end, total = 0, warm, count = 0, stop;
	static char buf[1 << 16];
	int ep;

	if (argc < 5)
		return 2;
	parse_addr(argv[1]);
	nconn = (unsigned)atoi(argv[2]);
	depth = (unsigned)atoi(argv[3]);
	seconds = atof(argv[4]);
	if (argc > 5)
		req = argv[5];
	if (argc > 6)
		count = strtoull(argv[6], NULL, 10);
	reqlen = strlen(req);
	if (depth == 0 || depth > 64 || nconn == 0)
		return 2;
	raise_nofile();
	if ((ep = epoll_create1(0)) == -1)
		die("epoll_create1");
	cs = calloc(nconn, sizeof(*cs));
	for (i = 0; i < nconn; i++) {
		cs[i].fd = dial();
		cs[i].sent = calloc(depth, sizeof(uint64_t));
		ev.events = EPOLLIN;
		ev.data.u32 = i;
		epoll_ctl(ep, EPOLL_CTL_ADD, cs[i].fd, &ev);
	}
	start = now_ns();
	/* The first 10% warms up: not counted (unless counting answers). */
	warm = count ? start : start + (uint64_t)(seconds * 1e8);
	end = start + (uint64_t)(seconds * 1e9);
	for (i = 0; i < nconn; i++)
		send_requests(&cs[i], depth, req, reqlen, depth);
	while ((stop = now_ns()) < end && (count == 0 || total < count)) {
		int n = epoll_wait(ep, evs, 256, 100), k;

		for (k = 0; k < n; k++) {
			struct conn *c = &cs[evs[k].data.u32];
			ssize_t r = read(c->fd, buf, sizeof(buf));
			unsigned answered = 0;
			char *p = buf, *q;
			uint64_t t;

			if (r == 0) {
				errno = ECONNRESET;
				die("server closed the connection");
			}
			if (r < 0)
				continue;
			t = now_ns();
			while ((q = memchr(p, '\n', (size_t)(buf + r - p))) != NULL) {
				if (c->n > 0) {
					if (t > warm) {
						sample(t - c->sent[c->head]);
						total++;
					}
					c->head = (c->head + 1) % depth;
					c->n--;
					answered++;
				}
				p = q + 1;
			}
			if (answered > 0 && (count == 0 || total < count))
				send_requests(c, answered, req, reqlen, depth);
		}
	}
	printf("mode=rr conns=%u depth=%u seconds=%.3f requests=%llu rps=%.0f",
	    nconn, depth, (stop - warm) / 1e9, (unsigned long long)total,
	    total / ((stop - warm) / 1e9));
	print_latency();
	printf("\n");
	for (i = 0; i < nconn; i++) {
		close(cs[i].fd);
		free(cs[i].sent);
	}
	free(cs);
	close(ep);
	return 0;
}

/* ---------------------------------------------------------- fanout */

#define MARK "/t/"		/* the timestamp follows this in each request */

/*
 * The feeder's time in a hit: the digits after MARK. Every hit is looked
 * at, so this is the load generator's hottest code: memchr() to each '/'
 * (a few tags and the date come first), digits by hand.
 */
static int
hit_time(const char *p, size_t len, uint64_t *ns)
{
	const char *end = p + len;
	uint64_t v = 0;

	while ((p = memchr(p, '/', (size_t)(end - p))) != NULL &&
	    (end - p < 3 || p[1] != 't' || p[2] != '/'))
		p++;
	if (p == NULL || end - p < 4 || p[3] < '0' || p[3] > '9')
		return 0;
	for (p += 3; p < end && *p >= '0' && *p <= '9'; p++)
		v = v * 10 + (uint64_t)(*p - '0');
	*ns = v;
	return 1;
}

static uint64_t
count_after(const char *line, size_t len, const char *key)
{
	const char *p = memmem(line, len, key, strlen(key));

	return p == NULL ? 0 : strtoull(p + strlen(key), NULL, 10);
}

/* One line of the XML stream. */
static void
hit_line(const char *line, size_t len, uint64_t t)
{
	uint64_t sent;

	if (len >= 5 && memcmp(line, "<hit", 4) == 0 &&
	    (line[4] == '>' || line[4] == ' ')) {
		hits++;
		if (hit_time(line, len, &sent))
			sample(t - sent);
	} else if (len >= 9 && memcmp(line, "<dropped ", 9) == 0) {
		dropped += count_after(line, len, "count=\"");
	}
}

enum { EV_NONE, EV_HIT, EV_DROPPED };

/*
 * One line of Server-Sent Events: "event: hit" counts a hit, whose data
 * line (after "id:" and "event:") carries the time in its "request";
 * "event: dropped" the count in its data.
 */
static void
sse_line(struct conn *c, const char *line, size_t len, uint64_t t)
{
	static const char req[] = "\"request\":\"";
	const char *p;
	uint64_t sent;

	if (len == 10 && memcmp(line, "event: hit", 10) == 0) {
		hits++;
		c->event = EV_HIT;
	} else if (len == 14 && memcmp(line, "event: dropped", 14) == 0) {
		c->event = EV_DROPPED;
	} else if (len >= 6 && memcmp(line, "data: ", 6) == 0) {
		if (c->event == EV_HIT &&
		    (p = memmem(line, len, req, sizeof(req) - 1)) != NULL &&
		    hit_time(p, (size_t)(line + len - p), &sent))
			sample(t - sent);
		else if (c->event == EV_DROPPED)
			dropped += count_after(line, len, "\"count\":");
		c->event = EV_NONE;
	}
}

static void
stream_line(struct conn *c, const char *line, size_t len, uint64_t t)
{
	if (sse)
		sse_line(c, line, len, t);
	else
		hit_line(line, len, t);
}

/*
 * One whole WebSocket message (its first WS_KEEP bytes): a line of the
 * feed, or GoAccess's dashboard with its count of requests.
 */
static void
ws_message(struct conn *c, const char *m, size_t len, uint64_t t)
{
	static const char key[] = "\"total_requests\":";
	const char *p;
	uint64_t sent, n;

	c->msgs++;
	if (ws == WS_LINES) {
		if (hit_time(m, len, &sent)) {
			hits++;
			sample(t - sent);
		}
		return;
	}
	if ((p = memmem(m, len, key, sizeof(key) - 1)) == NULL)
		return;
	n = strtoull(p + sizeof(key) - 1, NULL, 10);
	n = n < nwtime ? n : nwtime;
	for (; c->seen < n; c->seen++) {
		hits++;
		sample(t - wtime[c->seen]);
	}
}

/* A control frame, whole: a ping is answered (masked, as a client must). */
static void
ws_control(struct conn *c, int op)
{
	unsigned char pong[2 + 4 + sizeof(c->ctl)] = { 0x8a, 0x80 };

	if (op == 0x8) {
		c->closed = 1;
	} else if (op == 0x9) {
		/* The mask key is 0: the payload goes as it is. */
		pong[1] |= (unsigned char)c->clen;
		memcpy(pong + 6, c->ctl, c->clen);
		if (write(c->fd, pong, 6 + c->clen) != (ssize_t)(6 + c->clen))
			die("write a pong");
	}
}

/* The header in c->hdr is whole: start its frame. */
static void
ws_frame(struct conn *c)
{
	unsigned len7 = c->hdr[1] & 0x7f, i;

	if (c->hdr[1] & 0x80) {
		errno = EPROTO;
		die("a masked frame from the server");
	}
	if (len7 < 126) {
		c->left = len7;
	} else {
		unsigned nb = len7 == 126 ? 2 : 8;

		for (c->left = 0, i = 0; i < nb; i++)
			c->left = c->left << 8 | c->hdr[2 + i];
	}
	if ((c->hdr[0] & 0x08) && c->left > sizeof(c->ctl)) {
		errno = EPROTO;
		die("a control frame over 125 bytes");
	}
	if ((c->hdr[0] & 0x0f) != 0 && !(c->hdr[0] & 0x08))
		c->mlen = 0;	/* a message's first frame */
	c->clen = 0;
	c->inframe = 1;
}

/* The current frame's payload has all come. */
static void
ws_frame_end(struct conn *c, uint64_t t)
{
	int op = c->hdr[0] & 0x0f;

	if (op & 0x08)
		ws_control(c, op);
	else if (c->hdr[0] & 0x80)
		ws_message(c, c->partial, c->mlen < WS_KEEP ? c->mlen : WS_KEEP, t);
	c->hlen = 0;
	c->inframe = 0;
}

/*
 * Bytes of WebSocket frames from the server, as they come: headers (7-,
 * 16- or 64-bit lengths), payloads, control frames between a message's
 * fragments.
 */
static void
ws_bytes(struct conn *c, const char *p, size_t n, uint64_t t)
{
	while (n > 0 && !c->closed) {
		size_t k;

		if (!c->inframe) {
			unsigned want = 2;

			c->hdr[c->hlen++] = (unsigned char)*p++;
			n--;
			if (c->hlen >= 2)
				want += ((c->hdr[1] & 0x7f) == 126 ? 2 :
				    (c->hdr[1] & 0x7f) == 127 ? 8 : 0) +
				    (c->hdr[1] & 0x80 ? 4 : 0);
			if (c->hlen < want)
				continue;
			ws_frame(c);
		} else {
			k = n < c->left ? n : (size_t)c->left;
			if (c->hdr[0] & 0x08) {
				memcpy(c->ctl + c->clen, p, k);
				c->clen += (unsigned)k;
			} else {
				if (c->mlen < WS_KEEP)
					memcpy(c->partial + c->mlen, p,
					    k < WS_KEEP - c->mlen ? k :
					    WS_KEEP - c->mlen);
				c->mlen += k;
			}
			c->left -= k;
			p += k;
			n -= k;
		}
		if (c->inframe && c->left == 0)
			ws_frame_end(c, t);
	}
}

/*
 * Wait (blocking) for the stream's start on c: the start tag's line
 * ("<hits>", or weblog-serve's "<hits epoch=..>"); with sse, the response
 * head, whose status must be 200 (101 over WebSocket). What came after it
 * is kept as the start of the next line, or read as frames.
 */
static void
stream_start(struct conn *c)
{
	const char *sep = sse || ws ? "\r\n\r\n" : "\n";
	char head[4096], *end;
	size_t n = 0;
	ssize_t r;

	fcntl(c->fd, F_SETFL, 0);
	for (;;) {
		if (n == sizeof(head) - 1 ||
		    (r = read(c->fd, head + n, sizeof(head) - 1 - n)) <= 0)
			die(sse || ws ? "read the response head" : "read <hits>");
		n += (size_t)r;
		head[n] = '\0';
		if ((end = strstr(head, sep)) != NULL)
			break;
	}
	if (ws ? strncmp(head, "HTTP/1.1 101", 12) != 0 :
	    sse ? strncmp(head, "HTTP/1.1 200", 12) != 0 :
	    strncmp(head, "<hits", 5) != 0) {
		errno = EPROTO;
		die(ws ? "the WebSocket upgrade: not 101" :
		    sse ? "GET /hits: not 200" : "no <hits>");
	}
	end += strlen(sep);
	if (ws) {
		ws_bytes(c, end, (size_t)(head + n - end), now_ns());
	} else if (c->partial != NULL) {
		c->plen = (size_t)(head + n - end);
		memcpy(c->partial, end, c->plen);
	}
	fcntl(c->fd, F_SETFL, O_NONBLOCK);
}

/*
 * Connect a stream client: with sse or ws, send its request; else, with live,
 * an empty line, which ends weblog-serve's wait for a RESUME (a new
 * client: its stream starts at once, as an SSE client's does; the peers
 * read nothing).
 */
static int
dial_stream(int live)
{
	int fd = dial();

	if (sse && write(fd, SSE_REQUEST, sizeof(SSE_REQUEST) - 1) !=
	    (ssize_t)sizeof(SSE_REQUEST) - 1)
		die("write the request");
	if (ws && write(fd, WS_REQUEST, sizeof(WS_REQUEST) - 1) !=
	    (ssize_t)sizeof(WS_REQUEST) - 1)
		die("write the upgrade request");
	if (!sse && !ws && live && write(fd, "\n", 1) != 1)
		die("write");
	return fd;
}

/*
 * Read what came on c: lines, or WebSocket frames. Returns whether
 * anything came; a client the server closed leaves the epoll set.
 */
static int
stream_read(int ep, struct conn *c)
{
	static char buf[1 << 16];
	ssize_t r = read(c->fd, buf, sizeof(buf));
	char *p = buf, *q;
	uint64_t t = now_ns();

	if (r == 0 || c->closed) {
		epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
		return 0;
	}
	if (r < 0)
		return 0;
	if (ws) {
		ws_bytes(c, buf, (size_t)r, t);
		return 1;
	}
	while ((q = memchr(p, '\n', (size_t)(buf + r - p))) != NULL) {
		size_t len = (size_t)(q - p);

		if (c->plen > 0) {
			if (c->plen + len <= 65536)
				memcpy(c->partial + c->plen, p, len);
			stream_line(c, c->partial, c->plen + len, t);
			c->plen = 0;
		} else {
			stream_line(c, p, len, t);
		}
		p = q + 1;
	}
	if (p < buf + r && c->plen + (size_t)(buf + r - p) <= 65536) {
		memcpy(c->partial + c->plen, p, (size_t)(buf + r - p));
		c->plen += (size_t)(buf + r - p);
	}
	return 1;
}

/*
 * Over WebSocket, wait (60 s at most) until every client has had a
 * message: with lines, writing "ready" lines to the feed every 500 ms
 * (a tail that starts late misses the lines before it); with goaccess,
 * the dashboard GoAccess sends a new client.
 */
static void
ws_ready(int ep, struct conn *cs, unsigned nclients, int feed)
{
	struct epoll_event evs[256];
	uint64_t deadline = now_ns() + 60 * 1000000000ull, next = 0, t;
	unsigned i, ready;
	int n, k;

	for (;;) {
		for (ready = 0, i = 0; i < nclients; i++)
			ready += cs[i].msgs > 0;
		if (ready == nclients)
			return;
		if ((t = now_ns()) > deadline) {
			fprintf(stderr, "loadgen: %u of %u clients had a "
			    "first message in 60 s\n", ready, nclients);
			exit(1);
		}
		if (ws == WS_LINES && t >= next) {
			if (write(feed, "ready\n", 6) != 6)
				die("write to feed");
			next = t + 500000000u;
		}
		n = epoll_wait(ep, evs, 256, 10);
		for (k = 0; k < n; k++)
			stream_read(ep, &cs[evs[k].data.u32]);
	}
}

#define FEED_BATCH 100	/* lines per write(2) at most */

/*
 * Lines seq .. seq + count - 1 (count <= FEED_BATCH) in one write, as a
 * program appending to a log, or tail -F catching up, hands them over.
 */
static void
feed_lines(int fd, uint64_t seq, uint64_t count)
{
	static char buf[FEED_BATCH * 256];
	uint64_t t = now_ns();
	size_t n = 0;
	ssize_t w;
	char *p;

	for (; count > 0; count--, seq++) {
		if (seq < nwtime)
			wtime[seq] = t;
		n += (size_t)snprintf(buf + n, sizeof(buf) - n,
		    "10.0.0.%u - - [25/Nov/2026:10:00:00 +0000] \"GET " MARK
		    "%llu HTTP/1.1\" 200 %llu \"-\" \"loadgen\"\n",
		    (unsigned)(seq % 250), (unsigned long long)t,
		    (unsigned long long)seq);
	}
	for (p = buf; n > 0; p += w, n -= (size_t)w)
		if ((w = write(fd, p, n)) <= 0)
			die("write to feed");
}

static int
fanout(int argc, char **argv)
{
	unsigned nclients, i;
	uint64_t nlines, fed = 0, delivered = 0, want, t0 = 0, tlast = 0;
	uint64_t msgs = 0;
	double rate;
	struct conn *cs;
	struct epoll_event ev, evs[256];
	int ep, feed, idle = 0;

	if (argc < 6)
		return 2;
	parse_addr(argv[1]);
	nclients = (unsigned)atoi(argv[2]);
	nlines = strtoull(argv[3], NULL, 10);
	rate = atof(argv[4]);
	if (ws == WS_GOACCESS) {
		nwtime = nlines;
		if ((wtime = calloc(nlines + 1, sizeof(*wtime))) == NULL)
			die("calloc");
	}
	raise_nofile();
	if ((ep = epoll_create1(0)) == -1)
		die("epoll_create1");
	cs = calloc(nclients, sizeof(*cs));
	for (i = 0; i < nclients; i++) {
		cs[i].fd = dial_stream(1);
		cs[i].partial = malloc(ws ? WS_KEEP : 65536);
		ev.events = EPOLLIN;
		ev.data.u32 = i;
		epoll_ctl(ep, EPOLL_CTL_ADD, cs[i].fd, &ev);
	}
	/* Wait until every client's stream has started: all are connected. */
	for (i = 0; i < nclients; i++)
		stream_start(&cs[i]);
	if ((feed = open(argv[5], O_WRONLY | O_APPEND)) == -1)
		die(argv[5]);
	if (ws)
		ws_ready(ep, cs, nclients, feed);
	want = nlines * nclients;
	t0 = now_ns();
	while (delivered + dropped < want && idle < 50) {
		int n, k, timeout = 0;

		if (fed < nlines) {
			uint64_t due = rate > 0 ?
			    (uint64_t)((double)(now_ns() - t0) * rate / 1e9) + 1 :
			    fed + 100;

			while (fed < nlines && fed < due) {
				uint64_t k = (due < nlines ? due : nlines) - fed;

				k = k < FEED_BATCH ? k : FEED_BATCH;
				feed_lines(feed, fed, k);
				fed += k;
			}
			if (rate > 0)
				timeout = 1;
		} else {
			timeout = 100;
		}
		n = epoll_wait(ep, evs, 256, timeout);
		idle = n == 0 && fed == nlines ? idle + 1 : 0;
		for (k = 0; k < n; k++)
			if (stream_read(ep, &cs[evs[k].data.u32]))
				tlast = now_ns();
		delivered = hits;
	}
	for (i = 0; i < nclients; i++)
		msgs += cs[i].msgs;
	printf("mode=%s clients=%u lines=%llu rate=%.0f delivered=%llu "
	    "dropped=%llu expected=%llu messages=%llu seconds=%.3f "
	    "deliveries_per_s=%.0f",
	    ws == WS_LINES ? "ws-lines" : ws == WS_GOACCESS ? "ws-goaccess" :
	    sse ? "sse" : "fanout", nclients, (unsigned long long)nlines, rate,
	    (unsigned long long)delivered, (unsigned long long)dropped,
	    (unsigned long long)want, (unsigned long long)msgs,
	    (tlast - t0) / 1e9,
	    delivered / ((tlast - t0) / 1e9));
	print_latency();
	printf("\n");
	close(feed);
	for (i = 0; i < nclients; i++) {
		close(cs[i].fd);
		free(cs[i].partial);
	}
	free(cs);
	free(wtime);
	close(ep);
	return 0;
}

/* ------------------------------------------------------------ idle */

static long
rss_kib(const char *pid)
{
	char path[64], line[256];
	long kib = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%s/status", pid);
	if ((f = fopen(path, "r")) == NULL)
		die(path);
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "VmRSS: %ld kB", &kib) == 1)
			break;
	fclose(f);
	return kib;
}

static int
idle_conns(int argc, char **argv)
{
	unsigned n, i;
	long before, after, last = -1;
	int *fds, same = 0, tries;
	struct timespec tick = { 0, 100 * 1000000 };

	if (argc < 4)
		return 2;
	parse_addr(argv[1]);
	n = (unsigned)atoi(argv[2]);
	raise_nofile();
	fds = calloc(n, sizeof(*fds));
	before = rss_kib(argv[3]);
	sse = argc > 4 && strcmp(argv[4], "sse") == 0;
	for (i = 0; i < n; i++) {
		struct conn c = { .fd = dial_stream(0) };

		/* Read each head as it comes: the server answers in order. */
		if (sse)
			stream_start(&c);
		fds[i] = c.fd;
	}
	/* The server accepts the backlog at its pace: wait for RSS to settle. */
	for (tries = 0; tries < 100 && same < 3; tries++) {
		nanosleep(&tick, NULL);
		after = rss_kib(argv[3]);
		same = after == last ? same + 1 : 0;
		last = after;
	}
	after = last;
	printf("mode=idle conns=%u rss_before_kib=%ld rss_after_kib=%ld "
	    "bytes_per_conn=%.0f\n", n, before, after,
	    (after - before) * 1024.0 / n);
	for (i = 0; i < n; i++)
		close(fds[i]);
	free(fds);
	return 0;
}

/* ------------------------------------------------------------ port */

static int
free_port(void)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);
	int fd;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) == -1)
		die("socket");
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    getsockname(fd, (struct sockaddr *)&sin, &len) == -1)
		die("bind 127.0.0.1:0");
	printf("%u\n", (unsigned)ntohs(sin.sin_port));
	close(fd);
	return 0;
}

int
main(int argc, char **argv)
{
	int rc = 2;

	if (argc > 1 && strcmp(argv[1], "rr") == 0)
		rc = rr(argc - 1, argv + 1);
	else if (argc > 1 && strcmp(argv[1], "fanout") == 0)
		rc = fanout(argc - 1, argv + 1);
	else if (argc > 1 && strcmp(argv[1], "sse") == 0)
		rc = (sse = 1, fanout(argc - 1, argv + 1));
	else if (argc > 7 && strcmp(argv[1], "ws") == 0 &&
	    (strcmp(argv[7], "lines") == 0 || strcmp(argv[7], "goaccess") == 0))
		rc = (ws = argv[7][0] == 'l' ? WS_LINES : WS_GOACCESS,
		    fanout(argc - 1, argv + 1));
	else if (argc > 1 && strcmp(argv[1], "idle") == 0)
		rc = idle_conns(argc - 1, argv + 1);
	else if (argc > 1 && strcmp(argv[1], "port") == 0)
		rc = free_port();
	if (rc == 2)
		fprintf(stderr, "usage: loadgen rr ADDRESS CONNS DEPTH SECONDS [REQUEST]\n"
		    "       loadgen fanout ADDRESS CLIENTS LINES RATE FEED\n"
		    "       loadgen sse ADDRESS CLIENTS LINES RATE FEED\n"
		    "       loadgen ws ADDRESS CLIENTS LINES RATE FEED lines|goaccess\n"
		    "       loadgen idle ADDRESS CONNS PID [sse]\n"
		    "       loadgen port\n");
	free(lat);
	return rc;
}
