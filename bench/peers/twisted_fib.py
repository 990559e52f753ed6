#!/usr/bin/python3
"""The article's Fibonacci server on Twisted: for each newline a client sends,
the next number of the sequence (Python integers), one per line. A benchmark
peer for fib-serve: same wire format, no state file.

usage: twisted_fib.py PORT [INDEX]   (start so the next number is F(INDEX+2))
"""
import sys

from twisted.internet import reactor
from twisted.internet.protocol import Factory, Protocol

sys.set_int_max_str_digits(0) if hasattr(sys, "set_int_max_str_digits") else None


class Fib(Protocol):
    def dataReceived(self, data):
        st = self.factory
        out = []
        for _ in range(data.count(b"\n")):
            st.a, st.b = st.b, st.a + st.b
            out.append(b"%d\n" % st.b)
        if out:
            self.transport.write(b"".join(out))


def pair(n):
    """F(n), F(n + 1) by fast doubling: a loop of n additions would take
    minutes to start at F(10^6) (make bench's size curve)."""
    if n == 0:
        return 0, 1
    a, b = pair(n >> 1)
    c, d = a * (2 * b - a), a * a + b * b
    return (d, c + d) if n & 1 else (c, d)


def main():
    f = Factory()
    f.protocol = Fib
    index = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    f.a, f.b = pair(index)
    reactor.listenTCP(int(sys.argv[1]), f, interface="127.0.0.1", backlog=4096)
    reactor.run()


if __name__ == "__main__":
    main()
