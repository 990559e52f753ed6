#!/usr/bin/python3
"""The article's push weblog server on Twisted: read access-log lines from
standard input and broadcast each hit, as the SPEC's XML, to every client at
once. A benchmark peer for weblog-serve (same wire format, same escaping).

usage: twisted_weblog.py PORT < access.log
"""
import re
import sys

from twisted.internet import reactor, stdio
from twisted.internet.protocol import Factory, Protocol
from twisted.protocols.basic import LineReceiver

CLF = re.compile(rb'^(\S+) (\S+) (\S+) \[([^\]]*)\] "((?:[^"\\]|\\.)*)" (\S+) (\S+)'
                 rb'(?: "((?:[^"\\]|\\.)*)" "((?:[^"\\]|\\.)*)")?$')
NAMES = (b"client", b"ident", b"user", b"time", b"request", b"status",
         b"bytes", b"referrer", b"agent")


def escape(raw):
    out = []
    text = raw.decode("utf-8", "surrogateescape")
    for i, ch in enumerate(text):
        o = ord(ch)
        if ch == "&":
            out.append("&amp;")
        elif ch == "<":
            out.append("&lt;")
        elif ch == ">":
            out.append("&gt;")
        elif ch == "\r":
            out.append("&#13;")
        elif ch == "\\" and text[i + 1:i + 2] == "x":
            out.append("\\x5C")
        elif 0xDC80 <= o <= 0xDCFF:
            out.append("\\x%02X" % (o - 0xDC00))
        elif (o < 0x20 and ch != "\t") or o in (0xFFFE, 0xFFFF):
            out.append("".join("\\x%02X" % b for b in ch.encode("utf-8")))
        else:
            out.append(ch)
    return "".join(out).encode("utf-8", "surrogateescape")


def encode(line):
    m = CLF.match(line)
    if m is None:
        return b"<hit><line>" + escape(line) + b"</line></hit>\n"
    parts = [b"<hit>"]
    for name, value in zip(NAMES, m.groups()):
        if value is not None:
            parts.append(b"<%s>%s</%s>" % (name, escape(value), name))
    parts.append(b"</hit>\n")
    return b"".join(parts)


class Client(Protocol):
    def connectionMade(self):
        self.factory.clients.add(self)
        self.transport.write(b"<hits>\n")

    def connectionLost(self, reason):
        self.factory.clients.discard(self)


class Feed(LineReceiver):
    delimiter = b"\n"
    MAX_LENGTH = 65536

    def __init__(self, factory):
        self.factory = factory

    def lineReceived(self, line):
        hit = encode(line)
        for c in self.factory.clients:
            c.transport.write(hit)

    def connectionLost(self, reason):
        for c in list(self.factory.clients):
            c.transport.write(b"</hits>\n")
            c.transport.loseConnection()
        reactor.callLater(0.5, reactor.stop)


def main():
    f = Factory()
    f.protocol = Client
    f.clients = set()
    reactor.listenTCP(int(sys.argv[1]), f, interface="127.0.0.1", backlog=4096)
    stdio.StandardIO(Feed(f))
    reactor.run()


if __name__ == "__main__":
    main()
