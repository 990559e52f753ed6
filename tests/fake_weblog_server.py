#!/usr/bin/env python3
"""fake_weblog_server.py - a stand-in weblog-serve that sends scripted or
hostile bytes, for weblog-client's tests.

Usage: fake_weblog_server.py ADDRESS MODE [ARG]

ADDRESS is PORT, HOST:PORT, [IPV6]:PORT or unix:PATH (port 0: one the
kernel chooses). Once it listens it says "fake_weblog_server: listening on
ADDRESS" on stderr, with the port it got. Each connection is served on its
own thread; what the client sends is appended to
$FAKE_LOG (default: nowhere), one line per request, as it arrives.

Modes:
  send FILE      send FILE's bytes, then end the sending side
  hold FILE      send FILE's bytes, then keep the connection open
  trickle FILE   send FILE's bytes one at a time, then end the sending side
  big N          <hits><hit><line> then N bytes of 'a', as fast as the
                 client takes them; the bytes sent go to $FAKE_LOG
  nest           <hits> then <hit> for ever
  garbage        random bytes for ever
  poll           answer each line received: a hit for odd ones, <none/> for
                 even ones
"""
import os
import random
import socket
import sys
import threading


def listen(address):
    if address.startswith("unix:"):
        path = address[5:]
        try:
            os.unlink(path)
        except FileNotFoundError:
            pass
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.bind(path)
    else:
        host, _, port = address.rpartition(":")
        if not host:
            host = "127.0.0.1"
        family = socket.AF_INET
        if host.startswith("["):
            host, family = host[1:-1], socket.AF_INET6
        s = socket.socket(family, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((host, int(port)))
    s.listen(16)
    return s


def log(text):
    path = os.environ.get("FAKE_LOG")
    if path:
        with open(path, "a") as f:
            f.write(text + "\n")


def requests(conn):
    """Each line the client sends, logged as it arrives, until it closes."""
    buf = b""
    while True:
        data = conn.recv(4096)
        if not data:
            return
        buf += data
        while b"\n" in buf:
            line, buf = buf.split(b"\n", 1)
            log(line.decode("latin-1"))
            yield line


def reader(conn):
    """Log each line the client sends, until it closes."""
    try:
        for _ in requests(conn):
            pass
    except OSError:
        pass


HIT = (b"<hit><client>1.2.3.4</client><ident>-</ident><user>-</user>"
       b"<time>t</time><request>GET /%d HTTP/1.0</request>"
       b"<status>200</status><bytes>1</bytes></hit>\n")


def serve(conn, mode, arg):
    try:
        if mode in ("send", "hold", "trickle"):
            with open(arg, "rb") as f:
                data = f.read()
            if mode == "trickle":
                for i in range(len(data)):
                    conn.sendall(data[i:i + 1])
            else:
                conn.sendall(data)
            if mode != "hold":
                # As weblog-serve does: end the stream, but read what the
                # client sends (RESUME) until it closes, so that closing
                # with its bytes unread does not reset the connection.
                conn.shutdown(socket.SHUT_WR)
            reader(conn)
        elif mode == "big":
            conn.sendall(b"<hits>\n<hit><line>")
            chunk, sent, total = b"a" * 65536, 0, int(arg)
            try:
                while sent < total:
                    conn.sendall(chunk)
                    sent += len(chunk)
            finally:
                log("sent %d" % sent)
        elif mode == "nest":
            conn.sendall(b"<hits>\n")
            while True:
                conn.sendall(b"<hit>" * 4096)
        elif mode == "garbage":
            rnd = random.Random(7)
            while True:
                conn.sendall(bytes(rnd.getrandbits(8) for _ in range(4096)))
        elif mode == "poll":
            conn.sendall(b"<hits>\n")
            for n, _ in enumerate(requests(conn), 1):
                conn.sendall(HIT % n if n % 2 else b"<none/>\n")
    except OSError:
        pass
    finally:
        conn.close()


def main():
    address, mode = sys.argv[1], sys.argv[2]
    arg = sys.argv[3] if len(sys.argv) > 3 else None
    s = listen(address)
    if s.family == socket.AF_UNIX:
        name = "unix:" + s.getsockname()
    else:
        host, port = s.getsockname()[:2]
        name = ("[%s]:%d" if s.family == socket.AF_INET6 else "%s:%d") % (
            host, port)
    print("fake_weblog_server: listening on " + name, file=sys.stderr,
          flush=True)
    while True:
        conn, _ = s.accept()
        threading.Thread(target=serve, args=(conn, mode, arg),
                         daemon=True).start()


if __name__ == "__main__":
    main()
