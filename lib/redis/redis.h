/*
 * redis.h - a small Redis client on the reactor: pipelined commands, one
 * callback per reply in order, reconnect with backoff. Never blocks.
 *
 * For fib-serve's block reservations (HINCRBY, WAIT, CONFIG GET) and
 * weblog-serve's streams (XADD, XREAD BLOCK), SPEC "Sharing one sequence
 * across machines (Redis)" and "Beyond one machine".
 *
 * The client connects to a tw_addr: url.h turns redis://HOST:PORT/KEY
 * and unix:PATH#KEY into one.
 *
 * The client connects as soon as it is created and stays connected:
 *   - commands are sent at once and pipelined; the replies come back in
 *     the order the commands were sent, and each goes to its command's
 *     callback (a Redis error reply is a reply, of type TW_RESP_ERROR);
 *   - a command issued while the client is not connected fails at once:
 *     tw_redis_command() returns -1 with ENOTCONN and its callback is
 *     never called. Nothing is queued for later, so nothing is sent late
 *     (a reservation from before an outage, say): the state callback says
 *     when the client is up, and that is when a caller issues or re-issues
 *     what it needs (an XREAD from the last ID it read);
 *   - the output is bounded: at most max_pending commands awaiting their
 *     replies and max_output bytes not yet sent; past either a command
 *     fails at once with ENOBUFS (the caller slows down or drops);
 *   - when the connection is lost (closed, reset, or a reply the reader
 *     refuses: a protocol error or one past max_reply bytes), every command
 *     still awaiting a reply gets its callback with reply NULL and an error,
 *     in order; then the state callback says the client is down, once per
 *     outage; then the client reconnects after backoff_min seconds,
 *     doubling each failed attempt up to backoff_max, back to backoff_min
 *     once connected.
 *
 * Callbacks run on the loop, never from inside tw_redis_command(). Any
 * callback may issue commands or free the client.
 *
 * Not for SUBSCRIBE or MONITOR, whose replies are not one per command (a
 * reply no command awaits is a protocol error), nor for RESP3 (it never
 * sends HELLO 3). No AUTH or SELECT: what the client sends is up to the
 * caller, from the state callback.
 */
#ifndef TWIRL_REDIS_H
#define TWIRL_REDIS_H

#include <stddef.h>

#include "addr.h"
#include "reactor.h"
#include "redis/resp.h"

typedef struct tw_redis tw_redis;

/*
 * A command's reply: reply is the server's answer (valid during the call
 * only), or NULL when there will be none, and then error says why ("lost
 * the connection: ...").
 */
typedef void (*tw_redis_reply_cb)(tw_redis *c, const tw_resp *reply,
    const char *error, void *arg);

/*
 * The connection came up (up 1, why NULL) or went down (up 0, why: the
 * reason, one line). Down is said once per outage: after a connection
 * that was up is lost, or when the first attempt fails.
 */
typedef void (*tw_redis_state_cb)(tw_redis *c, int up, const char *why);

typedef struct tw_redis_opts {
	tw_redis_state_cb state;	/* optional */
	void *data;			/* the caller's: tw_redis_data() */
	size_t max_pending;		/* commands awaiting their replies */
	size_t max_output;		/* bytes queued, not yet sent */
	size_t max_reply;		/* bytes of one reply */
	double backoff_min, backoff_max;	/* seconds between attempts */
	double connect_timeout;		/* seconds */
} tw_redis_opts;

/* The defaults: 65536 commands, 4 MiB out, 1 MiB replies, 0.1 to 5 s. */
void tw_redis_opts_init(tw_redis_opts *o);

/*
 * A client for a, which starts connecting when the loop next turns.
 * Returns it, or NULL with errno set (ENOMEM).
 */
tw_redis *tw_redis_create(tw_reactor *r, const tw_addr *a,
    const tw_redis_opts *o);

/*
 * Close the connection and free the client; the callbacks of commands
 * awaiting replies are not called. Call it before tw_reactor_destroy().
 */
void tw_redis_free(tw_redis *c);

void *tw_redis_data(const tw_redis *c);

/* Is the client connected (commands can be issued)? */
int tw_redis_up(const tw_redis *c);

/* Commands sent and awaiting their replies. */
size_t tw_redis_pending(const tw_redis *c);

/*
 * Send the command argv[0..argc) (argument i is argl[i] bytes, any bytes);
 * cb (may be NULL) gets its reply. Returns 0, or -1 with errno: ENOTCONN
 * (not connected), ENOBUFS (past max_pending or max_output), EINVAL
 * (argc < 1), ENOMEM. On -1 the callback is never called.
 */
int tw_redis_command(tw_redis *c, tw_redis_reply_cb cb, void *arg,
    int argc, const char *const argv[], const size_t argl[]);

/*
 * The same with C strings, the list ending with NULL (at most 32):
 * tw_redis_commandl(c, cb, arg, "HINCRBY", key, "reserved", "1000", NULL).
 */
int tw_redis_commandl(tw_redis *c, tw_redis_reply_cb cb, void *arg, ...);

#endif
