/*
 * redisfeed.h - weblog-serve's hits through a Redis stream (SPEC "Beyond
 * one machine"): --publish appends every hit the server reads to a
 * stream, --subscribe takes the server's input from one.
 *
 * A publisher sends "XADD STREAM MAXLEN ~ KEEP * line BYTES n N epoch E"
 * for each hit, pipelined on its own connection (redis/redis.h), and never
 * waits for a reply. N numbers the hits handed to it, from 1, published or
 * not, and E is its server's epoch (hub.h), so that a subscriber can count
 * those it never read (gaps.h). A hit that cannot be sent (Redis is
 * away, or 16 MiB or 262144 commands are unsent or unanswered: a burst
 * faster than Redis takes it) is not buffered: it is counted, and the
 * count is logged once Redis is back, or after a burst at the next reply.
 * A hit whose command was in flight when the connection was lost, or that
 * Redis refused, is counted the same way, as "not published" (it may have
 * been appended: the reply that would say so never came). So a Redis
 * outage costs the stream the hits of the outage (its subscribers count
 * them lost) and never costs the server memory or time; its own clients
 * do not notice.
 *
 * A subscriber reads with "XREAD BLOCK 0 COUNT 100 STREAMS STREAM ID" on a
 * connection of its own (a blocked XREAD holds its connection), and
 * hands each entry's "line" field to a tw_line_cb as if read from a file
 * (cut at max_line, flagged TW_LINE_CUT), then calls its batch callback
 * once per reply. ID is the last entry it read; at the very first
 * connection it is the stream's last entry ("from the end", asked with
 * XREVRANGE so that what is added during a later outage is still read) or
 * 0 (from the start). After a lost connection the client reconnects with
 * backoff and the subscriber goes on from the last ID it read, so nothing
 * the stream still holds is lost (the publisher trims to about KEEP
 * entries: an outage, a stall or a burst longer than that loses the
 * oldest).
 *
 * What is lost is counted: an entry whose n jumps past the last one read
 * from its publisher (its epoch; gaps.h) follows hits trimmed before they
 * were read, or never published, and the subscriber hands their count to
 * its lost callback before the entry's line (weblog-serve's tells its
 * clients with a <lost count="N"/>, hub.h, which skips none of their
 * numbers: those hits never had any), then logs it after the reply
 * ("redis: N hits of STREAM lost before this server read them: ...", at
 * most once a second, what comes meanwhile added up). The first entry read
 * from a publisher only says where it is (also with from_start: the hits
 * trimmed before this server was there were never its to lose), so a
 * publisher's restart is no loss; an entry without a good n and epoch
 * (written by another program, or an older publisher) is read as before,
 * and nothing counted.
 *
 * Limits: a reply (up to 100 entries) larger than 100 * (max_line + 1024)
 * bytes is refused by the client, which drops the connection and tries
 * again, so a subscriber stalls on entries far larger than its --max-line
 * written by some other program; an entry without a "line" field is
 * skipped and logged once per connection. Messages go to the server's log
 * (util/log.h), each starting "redis: ".
 */
#ifndef TWIRL_WEBLOG_REDISFEED_H
#define TWIRL_WEBLOG_REDISFEED_H

#include <stddef.h>

#include "lines.h"
#include "reactor.h"

typedef struct tw_redisfeed tw_redisfeed;

/*
 * A subscriber's loss: n hits numbered by their publisher were never read,
 * between the line handed on last and the next one.
 */
typedef void (*tw_redisfeed_lost_cb)(void *arg, unsigned long long n);

/* A subscriber's end of a batch: every line of one reply was handed on. */
typedef void (*tw_redisfeed_batch_cb)(void *arg);

/*
 * Check a --publish or --subscribe address (redis://HOST:PORT/STREAM or
 * unix:PATH#STREAM, with a stream name and an address that needs no
 * resolver). Returns 0, or -1 with a one-line reason in err.
 */
int tw_redisfeed_check(const char *url, char *err, size_t errlen);

/*
 * A publisher to url (checked) that trims the stream to about keep
 * entries, its entries numbered in epoch (the server's). It connects when
 * the loop turns. NULL with errno (ENOMEM).
 */
tw_redisfeed *tw_redisfeed_publisher(tw_reactor *r, const char *url,
    size_t keep, unsigned long long epoch);

/*
 * Append line[0..len) to the stream with the next number, or count it as
 * not published.
 */
void tw_redisfeed_publish(tw_redisfeed *f, const char *line, size_t len);

/*
 * A subscriber to url (checked): from the stream's start when from_start,
 * else from its end; lines go to line_cb (its return value is ignored),
 * each loss to lost_cb in its place, then batch_cb. NULL with errno
 * (ENOMEM).
 */
tw_redisfeed *tw_redisfeed_subscriber(tw_reactor *r, const char *url,
    int from_start, size_t max_line, tw_line_cb line_cb,
    tw_redisfeed_lost_cb lost_cb, tw_redisfeed_batch_cb batch_cb,
    void *arg);

/*
 * Stop: a publisher sends the hits still in flight first, for at most
 * linger seconds (then counts those unsent as not published), and frees
 * itself; a subscriber logs the hits lost it has not logged yet, and is
 * freed at once. NULL is fine.
 */
void tw_redisfeed_close(tw_redisfeed *f, double linger);

/* Close the connection and free either kind at once; NULL is fine. */
void tw_redisfeed_free(tw_redisfeed *f);

#endif
