/*
 * lockfile.h - exclusive fcntl(2) locks on a file, naming the holder.
 *
 * fib-serve holds STATE.lock (its state file is replaced by rename, so it
 * cannot carry a lock itself) and its pidfile this way for its whole life;
 * fib-snapshot takes STATE.lock briefly around an edit. The kernel drops a
 * process's locks when it dies, even by kill -9, so a lock left by a dead
 * process is never "stale": the next taker simply gets it.
 *
 * Hazards of fcntl locks, which callers must respect: they belong to the
 * process, not the descriptor, so closing ANY descriptor of the locked file
 * in this process releases the lock; and a child made by fork(2) does not
 * inherit them (a daemon locks after it forks).
 */
#ifndef TWIRL_LOCKFILE_H
#define TWIRL_LOCKFILE_H

#include <sys/types.h>

/*
 * Open path (created 0644 if absent; never removed) and take a write lock
 * on it without waiting. Returns the descriptor (close-on-exec), which
 * holds the lock until it is closed. Returns -1 with errno: EAGAIN when
 * another process holds the lock, and then *holder is its pid (0 if the
 * kernel would not say, as over some network file systems); any other
 * errno from open(2) or fcntl(2).
 */
int tw_lock_file(const char *path, pid_t *holder);

/*
 * tw_lock_file() on "PATH.lock", the lock file beside a file that is
 * replaced by rename (fib-serve's state file). Same returns; a path too
 * long for the name fails with ENAMETOOLONG, as open(2) would.
 */
int tw_lock_beside(const char *path, pid_t *holder);

/*
 * Replace the contents of the locked file fd with "PID\n" (a pidfile).
 * Returns 0, or -1 with errno.
 */
int tw_lock_write_pid(int fd, pid_t pid);

#endif
