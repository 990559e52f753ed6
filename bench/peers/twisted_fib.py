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


def main():
    f = Factory()
    f.protocol = Fib
    index = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    a, b = 0, 1
    for _ in range(index):
        a, b = b, a + b
    f.a, f.b = a, b
    reactor.listenTCP(int(sys.argv[1]), f, interface="127.0.0.1", backlog=4096)
    reactor.run()


if __name__ == "__main__":
    main()
