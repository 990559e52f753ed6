/*
 * sdnotify.h - run under systemd without libsystemd: take the listening
 * sockets of socket activation, and report readiness and stopping.
 *
 * Both halves are tiny, documented protocols (sd_listen_fds(3),
 * sd_notify(3)), spoken here in a few dozen lines so the programs stay
 * libc only. Outside systemd (the variables unset) both are no-ops that
 * return 0, so a server calls them unconditionally.
 *
 * Socket activation: systemd binds the sockets of a .socket unit, then
 * starts the service with them as descriptors 3, 4, ... and sets
 * LISTEN_FDS to their count and LISTEN_PID to the service's pid (so a
 * child that inherits the environment knows the sockets are not its own).
 *
 * Notification: NOTIFY_SOCKET names a Unix datagram socket, a path or an
 * abstract name written with a leading '@'; each message is one datagram
 * of newline-separated KEY=VALUE assignments: "READY=1" once the service
 * serves, "STOPPING=1" when it begins to stop.
 *
 * Like the rest of the library, this module never prints and never exits.
 */
#ifndef TWIRL_SDNOTIFY_H
#define TWIRL_SDNOTIFY_H

/* systemd's first passed descriptor (SD_LISTEN_FDS_START). */
#define TW_LISTEN_FDS_START 3

/*
 * The listening sockets passed to this process, at most max of them, into
 * fds[] (TW_LISTEN_FDS_START, +1, ...), each made close-on-exec so no child
 * inherits it. Returns their count: 0 when LISTEN_FDS or LISTEN_PID is
 * unset, or when LISTEN_PID names another process (the sockets were passed
 * to an ancestor). Returns -1 with errno: EINVAL when a variable is not a
 * number or a descriptor is not a listening stream socket, E2BIG when more
 * than max were passed, EBADF when one is not open, ENOTSOCK when one is
 * not a socket. Either way it unsets LISTEN_FDS, LISTEN_PID and
 * LISTEN_FDNAMES, so they are read once and never passed on.
 */
int tw_listen_fds(int *fds, int max);

/*
 * Send state (e.g. "READY=1", "STOPPING=1") as one datagram to the socket
 * NOTIFY_SOCKET names, without blocking. Returns 1 when sent, 0 when
 * NOTIFY_SOCKET is unset or empty, -1 with errno when it cannot be sent:
 * EAFNOSUPPORT for an address that is neither a path nor '@' name,
 * ENAMETOOLONG for one too long for a Unix socket, or the errno of
 * socket(2) or sendto(2) (EAGAIN when the receiver's queue is full).
 */
int tw_notify(const char *state);

#endif
