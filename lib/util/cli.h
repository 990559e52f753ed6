/*
 * cli.h - what every twirl program's main() shares: err(3)-style one-line
 * messages ("PROGRAM: what failed: why"), range-checked numbers, seconds,
 * and the state file's lock taken or the program ended.
 *
 * This is the one module meant for programs, not for the library: the
 * other modules never print and never exit; these do, on purpose.
 */
#ifndef TWIRL_CLI_H
#define TWIRL_CLI_H

/* Set once from argv[0] (its last path component). */
void tw_setprogname(const char *argv0);
const char *tw_getprogname(void);

/* "PROGRAM: message: strerror(errno)" / "PROGRAM: message" on stderr. */
void tw_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void tw_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The same, then exit(status). */
_Noreturn void tw_err(int status, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
_Noreturn void tw_errx(int status, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/*
 * OpenBSD's strtonum(3): s as a decimal integer in [min, max]. On error
 * returns 0 and sets *errstr to "invalid", "too small" or "too large";
 * otherwise *errstr is NULL.
 */
long long tw_strtonum(const char *s, long long min, long long max,
    const char **errstr);

/*
 * A duration such as "5", "0.25" or "1e-3", in seconds: finite, >= 0 and
 * at most max. Returns 0, or -1 (with *errstr as above) for anything else.
 */
int tw_parse_seconds(const char *s, double max, double *out,
    const char **errstr);

/*
 * Take STATE.lock, the lock beside a state file (tw_lock_beside() in
 * lockfile.h), and return its descriptor, to hold until the process ends.
 * Exits 1 otherwise: "STATE is in use by pid N" (or "by another process")
 * when someone holds it, "STATE.lock: why" when it cannot be taken.
 */
int tw_lock_state_or_die(const char *state);

#endif
