#!/usr/bin/python3
"""sd_activate.py - play systemd's part for tests/systemd.bats.

  sd_activate.py [--runs N] [--unix PATH] DIR CMD [ARGS...]

Like a .socket unit with its Type=notify service: bind and listen on a
socket (127.0.0.1 on a port the kernel picks, or the Unix socket PATH),
make a notification socket DIR/notify (a datagram socket, as NOTIFY_SOCKET
names it), then run CMD with the listening socket as descriptor 3 and
LISTEN_FDS=1, LISTEN_PID=<its pid>, NOTIFY_SOCKET=DIR/notify set in the
child after fork, as systemd sets them.

The socket stays open here across runs, as systemd keeps it: with --runs N,
when CMD exits it is started again (Restart=always), N times in all, and
connections made in between wait in the socket's backlog.

Prints, one line each, flushed: "listen ADDRESS", then for each run
"pid PID", one "notify KEY=VALUE" per assignment received, and
"exit STATUS" (or "signal N"). On SIGTERM it passes the signal to the
running child and stops after it. Gives up after 60 seconds.
"""
import os
import select
import signal
import socket
import sys
import time

DEADLINE = 60.0


def say(line):
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def listening(unix_path):
    if unix_path is not None:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.bind(unix_path)
        name = "unix:" + unix_path
    else:
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.bind(("127.0.0.1", 0))
        name = "127.0.0.1:%d" % s.getsockname()[1]
    s.listen(128)
    return s, name


def spawn(lsock, notify_path, argv):
    pid = os.fork()
    if pid == 0:
        try:
            fd = lsock.fileno()
            if fd == 3:
                os.set_inheritable(3, True)
            else:
                os.dup2(fd, 3)  # inheritable, unlike Python's own sockets
            os.environ["LISTEN_FDS"] = "1"
            os.environ["LISTEN_PID"] = str(os.getpid())
            os.environ["NOTIFY_SOCKET"] = notify_path
            os.environ.pop("LISTEN_FDNAMES", None)
            os.execv(argv[0], argv)
        finally:
            os._exit(127)
    return pid


def main():
    args = sys.argv[1:]
    runs, unix_path = 1, None
    while args and args[0].startswith("--"):
        if args[0] == "--runs":
            runs = int(args[1])
        elif args[0] == "--unix":
            unix_path = args[1]
        else:
            sys.exit("sd_activate.py: unknown option " + args[0])
        args = args[2:]
    if len(args) < 2:
        sys.exit(__doc__)
    work, argv = args[0], args[1:]

    notify_path = os.path.join(work, "notify")
    nsock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    nsock.bind(notify_path)
    lsock, name = listening(unix_path)
    say("listen " + name)

    child = {"pid": 0}
    stopping = {"yes": False}

    def on_term(signo, frame):
        stopping["yes"] = True
        if child["pid"]:
            try:
                os.kill(child["pid"], signal.SIGTERM)
            except ProcessLookupError:
                pass

    signal.signal(signal.SIGTERM, on_term)
    end = time.monotonic() + DEADLINE

    def drain(timeout):
        r, _, _ = select.select([nsock], [], [], timeout)
        while r:
            for kv in nsock.recv(4096).decode(errors="replace").split("\n"):
                if kv:
                    say("notify " + kv)
            r, _, _ = select.select([nsock], [], [], 0)

    for _ in range(runs):
        if stopping["yes"]:
            break
        child["pid"] = spawn(lsock, notify_path, argv)
        say("pid %d" % child["pid"])
        while True:
            try:
                drain(0.02)
            except InterruptedError:
                pass
            pid, status = os.waitpid(child["pid"], os.WNOHANG)
            if pid:
                break
            if time.monotonic() > end:
                os.kill(child["pid"], signal.SIGKILL)
        drain(0)
        child["pid"] = 0
        if os.WIFEXITED(status):
            say("exit %d" % os.WEXITSTATUS(status))
        else:
            say("signal %d" % os.WTERMSIG(status))
    if unix_path is not None:
        os.unlink(unix_path)


if __name__ == "__main__":
    main()
