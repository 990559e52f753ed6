/*
 * daemon.h - detach like twistd, and tell the waiting parent when ready.
 *
 * tw_daemonize() forks; the child calls setsid(2), works from / and reads
 * and writes /dev/null, except that its stderr is a pipe to the parent,
 * which stays behind and waits: the child's startup errors go up the pipe
 * as they are printed. Once the child serves, tw_daemon_ready() sends
 * what the parent should print (the listening line) and a NUL byte, and
 * points the child's stderr at /dev/null; the parent prints that and
 * exits 0. If the pipe ends without the NUL (the child failed and
 * exited), the parent prints what the child wrote, its error, and exits 1.
 *
 * So a script that runs "SERVER -d" may connect as soon as it returns 0.
 *
 * Paths: the daemon works from /, so its caller makes every path it keeps
 * absolute first. Threads do not survive fork(2): daemonize before any
 * thread starts (the log's writer, a thread pool).
 */
#ifndef TWIRL_DAEMON_H
#define TWIRL_DAEMON_H

#include <signal.h>
#include <stddef.h>

/*
 * Fork. In the child, returns 0 once it is detached; the parent never
 * returns (it exits 0 or 1 as above, waiting with the signal mask
 * parent_mask, so that Ctrl-C ends the wait). Returns -1 with errno when
 * the pipe, fork or detaching fails (the caller is then still attached).
 */
int tw_daemonize(const sigset_t *parent_mask);

/*
 * In the daemon: the parent prints msg (len bytes) to its stderr and
 * exits 0; from now on stderr is /dev/null. Returns 0, or -1 with errno.
 */
int tw_daemon_ready(const char *msg, size_t len);

#endif
