/*
 * pidfile.h - a daemon's pidfile: its pid, held under an fcntl lock for
 * the process's life (lockfile.h), removed at exit.
 *
 * The lock, not the file, says whether the daemon lives: a pidfile left by
 * kill -9 is stale (nobody holds its lock) and is simply taken over; a
 * live one is refused, naming its holder. One pidfile per process: it is
 * removed by an atexit(3) handler, so also when a later step of the
 * start-up fails and exits. Take it after any fork (locks are not
 * inherited).
 */
#ifndef TWIRL_PIDFILE_H
#define TWIRL_PIDFILE_H

#include <sys/types.h>

/*
 * Lock path (created if absent), write our pid into it, and remove it at
 * exit. Returns 0, or -1 with errno: EAGAIN when a live process holds it,
 * with its pid in *holder (0 if the kernel would not say); otherwise the
 * errno of open, fcntl or write.
 */
int tw_pidfile_take(const char *path, pid_t *holder);

#endif
