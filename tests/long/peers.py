#!/usr/bin/python3
"""peers.py - hostile and churning clients for make test-long.

  peers.py churn PORT N fib|weblog
      N cycles of connect, a little talk, close: fib asks one number and
      reads it; weblog reads <hits>. Every third close is an abort (RST).
  peers.py halfopen PORT N HOLD
      Open N connections (every other one shuts down its sending side at
      once), read nothing, and hold them until the file HOLD is removed;
      then close them all. Prints how many the server closed at once.
  peers.py flood PORT SECONDS
      Poll mode: send NEW? lines as fast as the server takes them for
      SECONDS, reading nothing; prints the megabytes sent.
  peers.py nonewline PORT MB
      Send MB megabytes without a newline, then one newline; print the
      answer.
"""
import os
import resource
import selectors
import socket
import struct
import sys
import time


def connect(port):
    return socket.create_connection(("127.0.0.1", port), timeout=10)


def recv_until(s, token):
    buf = b""
    while token not in buf:
        chunk = s.recv(65536)
        if not chunk:
            raise SystemExit("connection closed before %r" % token)
        buf += chunk
    return buf


def close(s, i):
    if i % 3 == 0:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                     struct.pack("ii", 1, 0))
    s.close()


def churn(port, n, kind):
    t0 = time.monotonic()
    for i in range(n):
        s = connect(port)
        if kind == "fib":
            s.sendall(b"\n")
            recv_until(s, b"\n")
        else:
            recv_until(s, b"<hits>")
        close(s, i)
    print("%d cycles in %.1f s" % (n, time.monotonic() - t0))


def halfopen(port, n, hold):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = min(hard, n + 100)
    if soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
    # Non-blocking connects: past a full accept queue a connect would wait.
    socks = []
    for i in range(n):
        s = socket.socket()
        s.setblocking(False)
        s.connect_ex(("127.0.0.1", port))
        socks.append(s)
    sel = selectors.DefaultSelector()
    for s in socks:
        sel.register(s, selectors.EVENT_WRITE)
    pending, deadline = len(socks), time.monotonic() + 10
    up = 0
    while pending and time.monotonic() < deadline:
        for key, _ in sel.select(timeout=0.5):
            s = key.fileobj
            sel.unregister(s)
            pending -= 1
            if s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR) == 0:
                up += 1
                if up % 2:
                    try:
                        s.shutdown(socket.SHUT_WR)
                    except OSError:
                        pass
    # How many has the server closed already (EOF waiting, or a reset)?
    closed = 0
    for s in socks:
        try:
            while True:
                d = s.recv(65536)
                if not d:
                    closed += 1
                    break
        except (BlockingIOError, OSError) as e:
            if isinstance(e, ConnectionResetError):
                closed += 1
    print("%d connections: %d established, %d still connecting, %d closed "
          "by the server" % (n, up, pending, closed), flush=True)
    open(hold + ".ready", "w").close()
    while os.path.exists(hold):
        time.sleep(0.05)
    for s in socks:
        s.close()


def flood(port, seconds):
    s = connect(port)
    s.setblocking(False)
    req = b"NEW?\n" * 20000
    sent = 0
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        try:
            sent += s.send(req)
        except BlockingIOError:
            time.sleep(0.001)
        except (BrokenPipeError, ConnectionResetError):
            print("closed by the server after %.1f MB" % (sent / 1e6))
            return
    print("%.1f MB of requests sent" % (sent / 1e6))
    s.close()


def nonewline(port, mb):
    s = connect(port)
    junk = b"x" * (1 << 20)
    for _ in range(mb):
        s.sendall(junk)
    s.sendall(b"\n")
    print(recv_until(s, b"\n").decode().strip())


def main():
    cmd, port = sys.argv[1], int(sys.argv[2])
    if cmd == "churn":
        churn(port, int(sys.argv[3]), sys.argv[4])
    elif cmd == "halfopen":
        halfopen(port, int(sys.argv[3]), sys.argv[4])
    elif cmd == "flood":
        flood(port, float(sys.argv[3]))
    elif cmd == "nonewline":
        nonewline(port, int(sys.argv[3]))


if __name__ == "__main__":
    main()
