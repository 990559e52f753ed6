/*
 * service.c - daemon, log, pidfile, systemd and signals, in the order a
 * server needs them.
 */
#define _GNU_SOURCE

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sdnotify.h"
#include "util/cli.h"
#include "util/daemon.h"
#include "util/log.h"
#include "util/pidfile.h"
#include "util/service.h"

void
tw_service_init(tw_service *sv)
{
	sigset_t handled;

	memset(sv, 0, sizeof(*sv));
	sigemptyset(&handled);
	sigaddset(&handled, SIGTERM);
	sigaddset(&handled, SIGINT);
	sigaddset(&handled, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &handled, &sv->startmask) == -1)
		tw_err(1, "sigprocmask");
	if (getcwd(sv->cwd, sizeof(sv->cwd)) == NULL)
		tw_err(1, "getcwd");
}

static char *
absolute(const tw_service *sv, const char *path)
{
	char *p;
	size_t n;

	if (path[0] == '/')
		return strdup(path);
	n = strlen(sv->cwd) + strlen(path) + 2;
	if ((p = malloc(n)) != NULL)
		snprintf(p, n, "%s/%s", sv->cwd, path);
	return p;
}

char *
tw_service_path(const tw_service *sv, const char *path)
{
	char *p = sv->daemon ? absolute(sv, path) : strdup(path);

	if (p == NULL)
		tw_err(1, "malloc");
	return p;
}

void
tw_service_start(tw_service *sv)
{
	char *logfile = NULL, *pidfile = NULL;
	pid_t holder;

	signal(SIGPIPE, SIG_IGN);
	signal(SIGXFSZ, SIG_IGN);
	/* Reopened on SIGHUP, from /: absolute, whether daemon or not. */
	if ((sv->logfile != NULL && (logfile = absolute(sv, sv->logfile)) ==
	    NULL) || (sv->pidfile != NULL &&
	    (pidfile = absolute(sv, sv->pidfile)) == NULL))
		tw_err(1, "malloc");
	if (sv->daemon && tw_daemonize(&sv->startmask) == -1)
		tw_err(1, "cannot detach");
	/* From here on, a daemon's stderr is its waiting parent. */
	if (tw_log_start(logfile != NULL ? logfile :
	    sv->daemon ? "/dev/null" : NULL, sv->quiet) == -1)
		tw_err(1, "%s", logfile != NULL ? logfile : "log");
	if (pidfile != NULL && tw_pidfile_take(pidfile, &holder) == -1) {
		if (errno == EAGAIN)
			tw_errx(1, "%s is in use by pid %ld", pidfile,
			    (long)holder);
		tw_err(1, "%s", pidfile);
	}
	free(logfile);
	free(pidfile);
}

/* Tell systemd, when it started us with NOTIFY_SOCKET; a no-op otherwise. */
static void
notify(const char *state)
{
	if (tw_notify(state) == -1)
		tw_log_warn("NOTIFY_SOCKET %s", getenv("NOTIFY_SOCKET"));
}

static void
on_signal(tw_signal *sig, int signo)
{
	tw_service *sv = sig->data;

	if (signo == SIGHUP) {
		tw_log_reopen();	/* a no-op without --logfile */
		return;
	}
	tw_log_notice("stopping on %s", signo == SIGINT ? "SIGINT" :
	    "SIGTERM");
	sv->stop(sv->data);
}

/* Watched before the first listen: a script that saw the port may signal. */
static int
watch_signals(tw_service *sv)
{
	tw_signal_init(&sv->sigterm, on_signal, sv);
	tw_signal_init(&sv->sigint, on_signal, sv);
	tw_signal_init(&sv->sighup, on_signal, sv);
	if (tw_signal_start(sv->r, &sv->sigterm, SIGTERM) == -1 ||
	    tw_signal_start(sv->r, &sv->sigint, SIGINT) == -1 ||
	    tw_signal_start(sv->r, &sv->sighup, SIGHUP) == -1) {
		tw_warn("signals");
		return -1;
	}
	/* What came while they were blocked runs as soon as the loop does. */
	if (sigprocmask(SIG_SETMASK, &sv->startmask, NULL) == -1) {
		tw_warn("sigprocmask");
		return -1;
	}
	return 0;
}

/* The sockets systemd passed: how many (0: none), or -1. */
static int
take_passed(tw_service *sv)
{
	int fds[TW_SERVICE_LISTEN_MAX], n, i;

	if ((n = tw_listen_fds(fds, TW_SERVICE_LISTEN_MAX)) == -1) {
		tw_warn("sockets passed by LISTEN_FDS");
		return -1;
	}
	for (i = 0; i < n; i++) {
		sv->l[i] = tw_listen_fd(sv->r, fds[i], &sv->factory);
		if (sv->l[i] == NULL) {
			tw_warn("socket %d passed by LISTEN_FDS", fds[i]);
			return -1;
		}
		sv->nl++;
	}
	return n;
}

/* Listen on spec for f, as the next listener (http: its line says so). */
static int
listen_spec(tw_service *sv, const char *spec, tw_factory *f, int http)
{
	char err[256], *path = NULL, *abs;
	tw_addr a;
	int rc = -1;

	if (sv->daemon && strncmp(spec, "unix:", 5) == 0 && spec[5] != '\0') {
		abs = tw_service_path(sv, spec + 5);
		if (asprintf(&path, "unix:%s", abs) == -1)
			tw_err(1, "malloc");
		free(abs);
		spec = path;
	}
	if (sv->nl == TW_SERVICE_LISTEN_MAX)
		tw_warnx("cannot listen on %s: too many listeners", spec);
	else if (tw_addr_parse(&a, spec, err, sizeof(err)) == -1)
		tw_warnx("cannot listen on %s: %s", spec, err);
	else if ((sv->l[sv->nl] = tw_listen(sv->r, &a, f)) == NULL)
		tw_warn("cannot listen on %s", spec);
	else {
		sv->http[sv->nl++] = http;
		rc = 0;
	}
	free(path);
	return rc;
}

int
tw_service_listen(tw_service *sv, tw_reactor *r, const char *spec)
{
	int n;

	sv->r = r;
	if (watch_signals(sv) == -1 || (n = take_passed(sv)) == -1)
		return -1;
	return n > 0 ? 0 : listen_spec(sv, spec, &sv->factory, 0);
}

int
tw_service_listen_http(tw_service *sv, const char *spec, tw_factory *f)
{
	return listen_spec(sv, spec, f, 1);
}

/* addr as said: itself, or for HTTP http://ADDR/ (unix:PATH (http)). */
static void
url(const char *addr, int http, char *out, size_t size)
{
	if (!http)
		snprintf(out, size, "%s", addr);
	else if (strncmp(addr, "unix:", 5) == 0)
		snprintf(out, size, "%s (http)", addr);
	else
		snprintf(out, size, "http://%s/", addr);
}

void
tw_service_ready(tw_service *sv)
{
	char addr[TW_ADDR_STRLEN], where[TW_ADDR_STRLEN + 16];
	char msg[TW_SERVICE_LISTEN_MAX * 160];
	size_t len = 0;
	int i, n;

	for (i = 0; i < sv->nl; i++) {
		tw_listener_address(sv->l[i], addr, sizeof(addr));
		/* An HTTP listener's line is a URL to paste in a browser. */
		url(addr, sv->http[i], where, sizeof(where));
		tw_log_notice("listening on %s", where);
		n = snprintf(msg + len, sizeof(msg) - len,
		    "%s: listening on %s\n", tw_getprogname(), where);
		if (n > 0 && (size_t)n < sizeof(msg) - len)
			len += (size_t)n;
	}
	if (sv->daemon && tw_daemon_ready(msg, len) == -1)
		tw_log_warn("cannot tell the waiting parent");
	notify("READY=1");
}

void
tw_service_stop_listening(tw_service *sv)
{
	int i;

	notify("STOPPING=1");
	for (i = 0; i < sv->nl; i++)
		tw_listener_close(sv->l[i]);
	sv->nl = 0;
}

void
tw_service_end(tw_service *sv)
{
	tw_signal_stop(sv->r, &sv->sigterm);
	tw_signal_stop(sv->r, &sv->sigint);
	tw_signal_stop(sv->r, &sv->sighup);
}
