/*
 * httpd.h - weblog-serve's HTTP face (SPEC "HTTP"): one request per
 * connection, read by http.h within TW_HTTPD_HEAD_WAIT seconds, then
 * answered and closed, or turned into a stream of the hub (hub.h):
 *
 *   GET /              the dashboard (dashboard.h), text/html
 *   GET /hits          Server-Sent Events: event "hit" (id E-SEQ, data the
 *                      hit as JSON), "dropped" ({"count":N}), "end";
 *                      heartbeats as comments; Last-Event-ID or ?from=E-SEQ
 *                      resumes, ?replay=N replays
 *   GET /hits.ndjson   one JSON object per line, chunked
 *   GET /hits.xml      the XML stream
 *   GET /stats         the hub's counters as one JSON object
 *   GET /metrics       the same, in Prometheus' text format
 *
 * HEAD works where GET does. Errors: a malformed request 400, an unknown
 * path 404, another method 405, a head over 8 KiB 431, a body 413; a head
 * not complete in time is closed. Each request is logged with its status.
 * Responses say Connection: close: a stream lasts as long as its
 * connection, and the other answers are small.
 */
#ifndef TWIRL_HTTPD_H
#define TWIRL_HTTPD_H

#include "twirl.h"
#include "weblog/hub.h"

#define TW_HTTPD_HEAD_WAIT 10.0	/* seconds for a request head, SPEC */

typedef struct tw_httpd tw_httpd;

/*
 * An HTTP face for hub h; input names what the server reads (for /stats).
 * Its connections come from a factory whose proto is tw_httpd_proto and
 * whose data is the tw_httpd. NULL with errno ENOMEM.
 */
tw_httpd *tw_httpd_new(tw_reactor *r, tw_hub *h, const char *input);
/* Stopping: close the connections still reading a request head. */
void tw_httpd_stop(tw_httpd *d);

void tw_httpd_free(tw_httpd *d);

extern const tw_protocol tw_httpd_proto;

#endif
