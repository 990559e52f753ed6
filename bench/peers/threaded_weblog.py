#!/usr/bin/python3
"""The thread-per-client weblog server the article starts from
(socketserver.ThreadingTCPServer): each client gets a thread that waits for
new hits and sends them; a reader thread takes lines from standard input.
A benchmark peer for weblog-serve, speaking the SPEC's wire format.

usage: threaded_weblog.py PORT < access.log
"""
import socketserver
import sys
import threading

sys.path.insert(0, __file__.rsplit("/", 1)[0])
from twisted_weblog import encode  # noqa: E402  (same escaping, no reactor)

hits = []
cond = threading.Condition()
done = False


class Handler(socketserver.BaseRequestHandler):
    def handle(self):
        self.request.sendall(b"<hits>\n")
        with cond:
            seen = len(hits)
        while True:
            with cond:
                while seen == len(hits) and not done:
                    cond.wait()
                batch = hits[seen:]
                seen = len(hits)
                end = done and not batch
            if batch:
                self.request.sendall(b"".join(batch))
            if end:
                self.request.sendall(b"</hits>\n")
                return


class Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 4096


def reader():
    global done
    for line in sys.stdin.buffer:
        hit = encode(line.rstrip(b"\n"))
        with cond:
            hits.append(hit)
            cond.notify_all()
    with cond:
        done = True
        cond.notify_all()


def main():
    srv = Server(("127.0.0.1", int(sys.argv[1])), Handler)
    threading.Thread(target=reader, daemon=True).start()
    srv.serve_forever()


if __name__ == "__main__":
    main()
