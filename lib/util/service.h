/*
 * service.h - how weblog-serve and fib-serve run as a service (SPEC
 * "Running the servers"): -d, --pidfile, --logfile and -q, systemd's
 * sockets and readiness, and the signals every server takes.
 *
 * A server's main() goes through it in this order:
 *
 *   tw_service_init()      first of all: TERM, INT and HUP are blocked
 *                          until their watchers are set, so one that comes
 *                          while we start is neither fatal nor lost
 *   (options; tw_service_path() for every path the server keeps)
 *   tw_service_start()     detach (-d), open the log (log.h), take the
 *                          pidfile; exits 1 saying why when one fails
 *   tw_service_listen()    watch the signals, then listen: on the sockets
 *                          systemd passed (LISTEN_FDS), or on the address
 *   tw_service_ready()     once serving: "PROGRAM: listening on ADDR" for
 *                          each socket, whatever -q says (the daemon's
 *                          parent prints it too, and exits 0), READY=1
 *   (the loop runs)
 *   tw_service_stop_listening()   when it stops: STOPPING=1, close
 *   tw_service_end()       before the reactor is destroyed
 *
 * Signals, in the loop: SIGHUP reopens the log file and never stops a
 * server; SIGTERM and SIGINT call stop(data) each time they come: the
 * first should stop accepting and let clients finish (with a deadline), a
 * second should cut them off at once.
 *
 * Messages before tw_service_ready() go to stderr (tw_warn: a daemon's
 * parent prints them); from there on, to the log.
 */
#ifndef TWIRL_SERVICE_H
#define TWIRL_SERVICE_H

#include <limits.h>
#include <signal.h>

#include "twirl.h"

#define TW_SERVICE_LISTEN_MAX 16	/* sockets systemd may pass */

typedef struct tw_service {
	/* The caller's, set before tw_service_start(). */
	int daemon;		/* -d */
	const char *pidfile;	/* --pidfile, or NULL */
	const char *logfile;	/* --logfile, or NULL: stderr */
	int quiet;		/* -q: no connection chatter in the log */
	tw_factory factory;	/* every listener accepts with it */
	void (*stop)(void *data);	/* SIGTERM, SIGINT */
	void *data;
	/* private */
	char cwd[PATH_MAX];	/* where we started: a daemon works from / */
	sigset_t startmask;	/* the signal mask we were started with */
	tw_reactor *r;
	tw_listener *l[TW_SERVICE_LISTEN_MAX];
	int http[TW_SERVICE_LISTEN_MAX];	/* l[i] serves HTTP */
	int nl;
	tw_signal sigterm, sigint, sighup;
} tw_service;

/* Zero sv, block TERM, INT and HUP, and remember the directory. */
void tw_service_init(tw_service *sv);

/*
 * path as the server should keep it (malloc'ed): absolute for a daemon,
 * relative to where it started; as given otherwise. Exits 1 if out of
 * memory.
 */
char *tw_service_path(const tw_service *sv, const char *path);

/*
 * Ignore SIGPIPE and SIGXFSZ (a vanished client, a full disk or file-size
 * limit are errors to report, never death); detach with -d; start the
 * log (--logfile, or stderr; a daemon without --logfile logs nowhere);
 * take --pidfile. On failure it says why on stderr and exits 1.
 */
void tw_service_start(tw_service *sv);

/*
 * Watch the signals in r, then listen on systemd's sockets if it passed
 * any (spec is then ignored: the .socket unit says where), or on spec
 * (SPEC "Addresses"; a daemon's relative unix: path is relative to where
 * it started). Returns 0, or -1 after saying why on stderr.
 */
int tw_service_listen(tw_service *sv, tw_reactor *r, const char *spec);

/*
 * Also listen on spec for f, an HTTP listener: its listening line is a URL,
 * "PROG: listening on http://ADDR/". After tw_service_listen(); systemd's
 * sockets all go to the first factory. Returns 0, or -1 after saying why.
 */
int tw_service_listen_http(tw_service *sv, const char *spec, tw_factory *f);

/* Serving: log the listening lines, tell the daemon's parent, READY=1. */
void tw_service_ready(tw_service *sv);

/* Stopping: STOPPING=1, and close every listener (no more accepts). */
void tw_service_stop_listening(tw_service *sv);

/* Stop watching the signals (before the reactor goes). */
void tw_service_end(tw_service *sv);

#endif
