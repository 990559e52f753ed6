/*
 * conn.h - stream connections: listeners, factories, protocols, buffered
 * writes with backpressure, connect with a timeout.
 *
 * Twisted's model. A server listens with a factory (per-server state and
 * start/stop hooks); every accepted connection gets the factory's protocol
 * callbacks: made, data received, lost. A client connects with a protocol
 * of its own. The library allocates each tw_conn and frees it after lost()
 * returns; the caller keeps its own per-connection state in c->data.
 *
 * Reading: whatever arrives is passed to data() straight from a buffer on
 * the stack, so an idle connection holds no input buffer (a protocol keeps
 * only what it must, e.g. a partial line). tw_conn_pause() stops reading
 * (the kernel's buffer then fills and the peer is slowed: TCP's own
 * backpressure); tw_conn_resume() starts it again. End of file from the
 * peer closes the connection after what is queued has been sent, unless
 * the protocol has an eof() callback, which then decides.
 *
 * Writing never blocks. tw_conn_write() copies into the connection's queue;
 * tw_conn_write_bytes() queues a shared buffer without copying. The queue
 * is sent with one writev: when the connection's data() returns (so an
 * answer leaves before the next connection is read), or, for writes made
 * elsewhere, when the loop is about to wait (so everything written in one
 * turn goes out together); later as the socket drains. When the queue grows past the high watermark, high() is
 * called once; when it drains to the low watermark, low() (a producer
 * pauses and resumes on these). The queue itself has no limit: that is the
 * producer's job, and the watermarks tell it when.
 *
 * Closing: tw_conn_close() stops reading, sends what is queued, shuts the
 * write side and waits for the peer to close, all within a deadline past
 * which the connection is aborted, so a peer that never reads cannot hold a
 * connection, or a server's shutdown, forever. Where the system can tell
 * (SIOCOUTQ, on Linux), the wait also ends once the kernel's send queue is
 * empty: the peer has it all, and need not close for us. tw_conn_abort()
 * drops the queue and closes at once.
 *
 * lost(c, reason) is called exactly once per connection that was made, and
 * never from inside another callback of the same connection (it runs from
 * the loop): reason 0 when the connection ended cleanly (the peer closed,
 * or tw_conn_close() sent everything), ETIMEDOUT when a close ran past its
 * deadline, ECONNABORTED after tw_conn_abort(), or the socket's errno. After
 * lost() returns, c is gone.
 *
 * SIGPIPE is never raised: sockets are written with MSG_NOSIGNAL.
 */
#ifndef TWIRL_CONN_H
#define TWIRL_CONN_H

#include <stddef.h>

#include "addr.h"
#include "bytes.h"
#include "reactor.h"

typedef struct tw_conn tw_conn;
typedef struct tw_listener tw_listener;
typedef struct tw_factory tw_factory;

typedef struct tw_protocol {
	void (*made)(tw_conn *c);
	void (*data)(tw_conn *c, const char *buf, size_t len);
	void (*lost)(tw_conn *c, int reason);
	void (*eof)(tw_conn *c);	/* optional; default tw_conn_close() */
	void (*high)(tw_conn *c);	/* optional: queue above high mark */
	void (*low)(tw_conn *c);	/* optional: queue back to low mark */
} tw_protocol;

struct tw_factory {
	const tw_protocol *proto;
	void *data;				/* the caller's */
	void (*start)(tw_factory *f);		/* optional: listening */
	void (*stop)(tw_factory *f);		/* optional: listener closed */
};

struct tw_conn {
	void *data;		/* the caller's */
	/* the rest is private: see conn.c */
};

/* Default watermarks, in bytes of unsent output. */
#define TW_CONN_HIGH_WATER (64 * 1024)
#define TW_CONN_LOW_WATER (16 * 1024)

/*
 * Listen on a (SPEC address) and accept connections for f, until
 * tw_listener_close(). A Unix socket path left by a dead server is
 * replaced; one a live server listens on is EADDRINUSE. Returns the
 * listener, or NULL with errno set.
 */
tw_listener *tw_listen(tw_reactor *r, const tw_addr *a, tw_factory *f);

/* Accept for f on fd, a socket already bound and listening (systemd). */
tw_listener *tw_listen_fd(tw_reactor *r, int fd, tw_factory *f);

/* The bound address (port 0 resolved), as tw_addr_format() writes it. */
char *tw_listener_address(const tw_listener *l, char *buf, size_t n);

/* Stop accepting, close the socket (unlinking a Unix path), call f->stop. */
void tw_listener_close(tw_listener *l);

/*
 * Connect to a. made(c) is called once connected; if the connection fails
 * or timeout seconds pass first (timeout <= 0: no limit), lost(c, errno)
 * is called instead, without made(): ECONNREFUSED, ETIMEDOUT, ... Returns
 * the connection, or NULL with errno set when it cannot even start (its
 * timeout's timer included).
 */
tw_conn *tw_connect(tw_reactor *r, const tw_addr *a, const tw_protocol *p,
    void *data, double timeout);

/*
 * Queue len bytes (copied). Returns 0, or -1: ENOMEM, or EPIPE once the
 * connection is closing or lost (the bytes are dropped).
 */
int tw_conn_write(tw_conn *c, const void *buf, size_t len);

/* Queue a shared buffer, taking a reference of its own. As tw_conn_write(). */
int tw_conn_write_bytes(tw_conn *c, tw_bytes *b);

/* Bytes queued and not yet accepted by the kernel. */
size_t tw_conn_queued(const tw_conn *c);

/* Set the watermarks (low <= high). */
void tw_conn_set_watermarks(tw_conn *c, size_t high, size_t low);

void tw_conn_pause(tw_conn *c);
void tw_conn_resume(tw_conn *c);

/*
 * Send what is queued, then close, within deadline seconds (<= 0: the
 * default, 2 s). Calling it again only shortens the deadline. If the
 * deadline cannot be armed, the connection is aborted: lost(c, ENOMEM).
 */
void tw_conn_close(tw_conn *c, double deadline);

/* Drop what is queued and close now; lost(c, ECONNABORTED) follows. */
void tw_conn_abort(tw_conn *c);

/* The peer's address ("127.0.0.1:50412", "[::1]:50412", "unix:PATH"). */
const char *tw_conn_peer(const tw_conn *c);

tw_factory *tw_conn_factory(const tw_conn *c);

#endif
