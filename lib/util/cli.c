/*
 * cli.c - one-line messages, bad options, range-checked numbers, seconds,
 * the state lock.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "lockfile.h"

static const char *progname = "twirl";

void
tw_setprogname(const char *argv0)
{
	const char *slash;

	if (argv0 == NULL || *argv0 == '\0')
		return;
	slash = strrchr(argv0, '/');
	progname = slash != NULL ? slash + 1 : argv0;
}

const char *
tw_getprogname(void)
{
	return progname;
}

static void
vmsg(int with_errno, const char *fmt, va_list ap)
{
	int e = errno;
	char buf[1024];
	size_t n;

	/* One write: lines from concurrent processes do not interleave. */
	n = (size_t)snprintf(buf, sizeof(buf), "%s: ", progname);
	if (n < sizeof(buf))
		n += (size_t)vsnprintf(buf + n, sizeof(buf) - n, fmt, ap);
	if (with_errno && n < sizeof(buf))
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, ": %s",
		    strerror(e));
	if (n >= sizeof(buf) - 1)
		n = sizeof(buf) - 2;
	buf[n++] = '\n';
	fwrite(buf, 1, n, stderr);
	fflush(stderr);
	errno = e;
}

void
tw_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(1, fmt, ap);
	va_end(ap);
}

void
tw_warnx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(0, fmt, ap);
	va_end(ap);
}

void
tw_err(int status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(1, fmt, ap);
	va_end(ap);
	exit(status);
}

void
tw_errx(int status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(0, fmt, ap);
	va_end(ap);
	exit(status);
}

/*
 * getopt_long leaves a long option, which is always a whole argument, in
 * argv[optind - 1], and sets optopt to 0 when it matched no option, to the
 * option's val otherwise; a short one is in optopt alone, since optind
 * stays put in the middle of a cluster such as -qz.
 */
void
tw_bad_option(int ch, char *const argv[], const struct option *longopts,
    void (*usage)(FILE *, int))
{
	const char *arg = optind > 1 ? argv[optind - 1] : "";
	const struct option *o, *named = NULL;
	size_t len;
	int matches = 0;

	len = strcspn(arg, "=");
	if (strncmp(arg, "--", 2) == 0 && len > 2) {
		for (o = longopts; o->name != NULL; o++) {
			if (strncmp(o->name, arg + 2, len - 2) != 0)
				continue;
			named = o;
			if (o->name[len - 2] == '\0') {	/* exact: no doubt */
				matches = 1;
				break;
			}
			matches++;
		}
	} else
		len = 0;
	if (ch == ':' && len > 0)
		tw_warnx("option requires an argument: %.*s", (int)len, arg);
	else if (ch == ':')
		tw_warnx("option requires an argument: -%c", optopt);
	else if (optopt == 0 && matches > 1)
		tw_warnx("ambiguous option: %.*s", (int)len, arg);
	else if (optopt == 0)
		tw_warnx("unknown option: %.*s", (int)len, arg);
	else if (named != NULL && named->has_arg == no_argument &&
	    named->val == optopt && arg[len] == '=')
		tw_warnx("option takes no argument: %.*s", (int)len, arg);
	else
		tw_warnx("unknown option: -%c", optopt);
	usage(stderr, 2);
	exit(2);	/* usage() exits; this says so to the compiler */
}

long long
tw_strtonum(const char *s, long long min, long long max, const char **errstr)
{
	long long v;
	char *end;

	*errstr = "invalid";
	if (s == NULL || *s == '\0' || min > max)
		return 0;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (*end != '\0' || end == s || s[0] == ' ' || s[0] == '\t')
		return 0;
	if ((errno == ERANGE && v == LLONG_MIN) || v < min) {
		*errstr = "too small";
		return 0;
	}
	if ((errno == ERANGE && v == LLONG_MAX) || v > max) {
		*errstr = "too large";
		return 0;
	}
	*errstr = NULL;
	return v;
}

int
tw_parse_seconds(const char *s, double max, double *out, const char **errstr)
{
	double v;
	char *end;

	*errstr = "invalid";
	if (s == NULL || *s == '\0' || *s == ' ' || *s == '\t')
		return -1;
	errno = 0;
	v = strtod(s, &end);
	if (*end != '\0' || errno == ERANGE || !isfinite(v))
		return -1;
	if (v < 0) {
		*errstr = "too small";
		return -1;
	}
	if (v > max) {
		*errstr = "too large";
		return -1;
	}
	*errstr = NULL;
	*out = v;
	return 0;
}

int
tw_lock_state_or_die(const char *state)
{
	pid_t holder;
	int fd;

	if ((fd = tw_lock_beside(state, &holder)) == -1) {
		if (errno != EAGAIN)
			tw_err(1, "%s.lock", state);
		if (holder > 0)
			tw_errx(1, "%s is in use by pid %ld", state,
			    (long)holder);
		tw_errx(1, "%s is in use by another process", state);
	}
	return fd;
}
