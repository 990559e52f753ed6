#!/usr/bin/python3
"""fibc.py - the fib-serve suites' client and independent arithmetic.

Python integers check fib-serve's own big numbers: nothing here shares code
with twirl.

  fibc.py get ADDR N            one connection: send N newlines at once,
                                print the N answers
  fibc.py many ADDR CONNS N DEPTH
                                CONNS connections at once, each asking N
                                numbers with DEPTH requests in flight; print
                                every answer
  fibc.py check FIRST           stdin must be F(FIRST), F(FIRST+1), ...
  fibc.py distinct FIRST COUNT  stdin, sorted, must be exactly COUNT
                                consecutive numbers from F(FIRST), no repeat
  fibc.py fib N                 print F(N)
  fibc.py fastfib N             print F(N), by fast doubling (large N)
  fibc.py silent ADDR SECONDS   ask one number; fail if any answer comes
                                within SECONDS
  fibc.py slow ADDR FIRST N     a client asks N numbers and does not read;
                                probe with other clients until it is no
                                longer served, print how many it was given,
                                then read them all
  fibc.py chaos BIN DIR ROUNDS RESERVE
                                ROUNDS of start, load, kill -9, restart;
                                prove no number is served twice and no crash
                                skips more than RESERVE
  fibc.py pair A B              stdin must be A + B and on: the sequence
                                from the pair a, b, with no gap
  fibc.py members A B           stdin: numbers of the sequence from a, b
                                (past them), none twice; print how many
  fibc.py rchaos BIN DIR ROUNDS RESERVE SERVERS VICTIM
                                a redis-server in DIR and SERVERS fib-serve
                                --redis on one key, all under load; each
                                round kills one with SIGKILL at a random
                                moment (VICTIM serve: a random fib-serve,
                                restarted; redis: redis-server, restarted on
                                its append-only file); prove no number is
                                served twice
ADDR is a port on 127.0.0.1 or unix:PATH.
"""
import os
import random
import re
import select
import selectors
import signal
import socket
import subprocess
import sys
import time

if hasattr(sys, "set_int_max_str_digits"):
    sys.set_int_max_str_digits(0)


def fail(msg):
    print("fibc: " + msg, file=sys.stderr)
    sys.exit(1)


def connect(addr, timeout=10):
    if addr.startswith("unix:"):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(timeout)
        s.connect(addr[5:])
    else:
        s = socket.create_connection(("127.0.0.1", int(addr)), timeout=timeout)
    return s


def read_lines(s, n, buf=b""):
    """Read n lines from s; return (lines, rest)."""
    lines = []
    while len(lines) < n:
        while b"\n" not in buf:
            chunk = s.recv(1 << 20)
            if not chunk:
                fail("connection closed after %d of %d answers" % (len(lines), n))
            buf += chunk
        parts = buf.split(b"\n", n - len(lines))
        buf = parts.pop()
        lines.extend(parts)
    return lines, buf


def fib(n):
    a, b = 0, 1
    for _ in range(n):
        a, b = b, a + b
    return a


def fastfib(n):
    """F(n), F(n+1) by fast doubling, for indexes far past a loop's reach."""
    if n == 0:
        return 0, 1
    a, b = fastfib(n // 2)
    c = a * (2 * b - a)
    d = a * a + b * b
    return (d, c + d) if n % 2 else (c, d)


def cmd_silent(addr, seconds):
    s = connect(addr)
    s.sendall(b"\n")
    s.settimeout(seconds)
    try:
        data = s.recv(64)
    except socket.timeout:
        return
    fail("answered %r within %s s" % (data, seconds))


def cmd_get(addr, n):
    s = connect(addr, timeout=30)
    s.sendall(b"\n" * n)
    # Print as answers arrive: a test may watch them come.
    got, buf = 0, b""
    while got < n:
        chunk = s.recv(1 << 20)
        if not chunk:
            fail("connection closed after %d of %d answers" % (got, n))
        buf += chunk
        end = buf.rfind(b"\n") + 1
        got += buf.count(b"\n", 0, end)
        sys.stdout.buffer.write(buf[:end])
        sys.stdout.flush()
        buf = buf[end:]
    if got > n or buf:
        fail("more answers than asked")


def cmd_many(addr, conns, n, depth):
    sel = selectors.DefaultSelector()
    state = {}
    for _ in range(conns):
        s = connect(addr)
        s.setblocking(False)
        st = {"sent": 0, "got": [], "buf": b""}
        state[s] = st
        sel.register(s, selectors.EVENT_READ, st)

    def send_more(s, st):
        want = min(n, len(st["got"]) + depth) - st["sent"]
        if want > 0:
            s.setblocking(True)
            s.sendall(b"\n" * want)
            s.setblocking(False)
            st["sent"] += want

    for s, st in state.items():
        send_more(s, st)
    left = conns
    deadline = time.monotonic() + 60
    while left > 0:
        if time.monotonic() > deadline:
            fail("timed out")
        for key, _ in sel.select(timeout=1):
            s, st = key.fileobj, key.data
            chunk = s.recv(1 << 20)
            if not chunk:
                fail("connection closed early")
            parts = (st["buf"] + chunk).split(b"\n")
            st["buf"] = parts.pop()
            st["got"].extend(parts)
            if len(st["got"]) >= n:
                sel.unregister(s)
                s.close()
                left -= 1
            else:
                send_more(s, st)
    for st in state.values():
        if len(st["got"]) != n:
            fail("a client got %d answers, asked %d" % (len(st["got"]), n))
        sys.stdout.write("".join(l.decode() + "\n" for l in st["got"]))


def which(x, near):
    """What x is: F(n) for an n near the one wanted, or not one of them."""
    a, b, n = 0, 1, 0
    while a < x and n < near + 100000:
        a, b, n = b, a + b, n + 1
    return "F(%d)" % n if a == x else "no Fibonacci number"


def cmd_check(first):
    a, b = fib(first), fib(first + 1)
    for i, line in enumerate(sys.stdin):
        if int(line) != a:
            fail("answer %d is not F(%d) but %s" % (i + 1, first + i,
                 which(int(line), first + i)))
        a, b = b, a + b


def cmd_distinct(first, count):
    got = sorted(int(l) for l in sys.stdin if l.strip())
    if len(got) != count:
        fail("%d numbers, expected %d" % (len(got), count))
    if len(set(got)) != len(got):
        fail("a number was served twice")
    a, b = fib(first), fib(first + 1)
    for x in got:
        if x != a:
            fail("the run is not contiguous at F(%d)" % first)
        a, b = b, a + b
        first += 1


def cmd_pair(a, b):
    for i, line in enumerate(sys.stdin):
        a, b = b, a + b
        if int(line) != b:
            fail("answer %d is not G(%d) from the pair" % (i + 1, i + 2))


class Walker:
    """Indexes in the sequence G(0) = a, G(1) = b, walking from the start."""

    def __init__(self, a, b):
        self.a0, self.b0 = a, b

    def indexes(self, numbers):
        """Each number's index (>= 2), in order; fail on a non-member."""
        a, b, i = self.a0, self.b0, 0
        out = {}
        for x in sorted(set(numbers)):
            while a < x or i < 2:
                a, b, i = b, a + b, i + 1
            if a != x:
                fail("%d... is not in the sequence" % (x % 10**12))
            out[x] = i
        return [out[x] for x in numbers]


def cmd_members(a, b):
    got = [int(l) for l in sys.stdin if l.strip()]
    if len(set(got)) != len(got):
        fail("a number was served twice")
    Walker(a, b).indexes(got)
    print(len(got))


def start_redis(dir_):
    """redis-server on DIR/redis.sock only, durable; its Popen once it answers."""
    sock = os.path.join(dir_, "redis.sock")
    if os.path.exists(sock):
        os.unlink(sock)
    proc = subprocess.Popen(["redis-server", "--port", "0", "--unixsocket",
                             sock, "--appendonly", "yes", "--appendfsync",
                             "always", "--dir", dir_, "--save", ""],
                            stdout=subprocess.DEVNULL)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            s = connect("unix:" + sock, timeout=1)
            s.sendall(b"PING\r\n")
            if s.recv(64).startswith(b"+PONG"):
                s.close()
                return proc
            s.close()
        except OSError:
            pass
        if proc.poll() is not None:
            fail("redis-server exited with %d" % proc.returncode)
        time.sleep(0.02)
    fail("redis-server did not answer in time")


def read_complete(s, n, buf=b""):
    """Up to n whole lines from s, until it closes: a killed server's."""
    lines = []
    while len(lines) < n:
        try:
            chunk = s.recv(1 << 20)
        except OSError:
            break
        if not chunk:
            break
        parts = (buf + chunk).split(b"\n")
        buf = parts.pop()
        lines.extend(parts)
    return lines[:n]


def cmd_rchaos(bin_, dir_, rounds, reserve, nserv, victim):
    """
    SERVERS fib-serve share one key; every round loads them all with a
    burst on one connection each and kills VICTIM at a random moment of it.
    A killed fib-serve's answers are those whole lines that reached us; the
    others answer their whole burst (after Redis is back, when it was the
    victim). Every answer of every round must be a member of the sequence,
    and none may come twice.
    """
    rng = random.Random(int(os.environ.get("CHAOS_SEED", "4")))
    url = "unix:" + os.path.join(dir_, "redis.sock") + "#fib"
    redis = start_redis(dir_)
    servers = [None] * nserv
    seen = {}
    walker = Walker(1, 1)

    def serve(i):
        proc = subprocess.Popen([os.path.join(bin_, "fib-serve"), "-q",
                                 "--redis", url, "-l", "127.0.0.1:0",
                                 "--reserve", str(reserve)],
                                stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE)
        servers[i] = (proc, wait_listening(proc, time.monotonic() + 10))

    def kill(proc):
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()

    try:
        if subprocess.call([os.path.join(bin_, "fib-snapshot"), "init",
                            url]) != 0:
            fail("fib-snapshot init failed")
        for i in range(nserv):
            serve(i)
        for r in range(rounds):
            burst = rng.randint(reserve // 2, reserve * 3)
            socks = [connect(str(port), timeout=30) for _, port in servers]
            for s in socks:
                s.sendall(b"\n" * burst)
            got = []
            if victim == "serve":
                v = rng.randrange(nserv)
                lines, rest = read_lines(socks[v], rng.randint(0, burst))
                kill(servers[v][0])
                servers[v][0].stderr.close()
                got.extend(lines + read_complete(socks[v], burst, rest))
            else:
                v = None
                lines, _ = read_lines(socks[0], rng.randint(0, burst))
                got.extend(lines)
                socks[0].close()
                socks[0] = None
                kill(redis)
                redis = start_redis(dir_)
            for i, s in enumerate(socks):
                if i != v and s is not None:
                    lines, _ = read_lines(s, burst)
                    got.extend(lines)
            for s in socks:
                if s is not None:
                    s.close()
            if v is not None:
                serve(v)
            nums = [int(x) for x in got]
            walker.indexes(nums)
            for x in nums:
                if x in seen:
                    fail("round %d: %d... served again (first in round %d)"
                         % (r, x % 10**12, seen[x]))
                seen[x] = r
    finally:
        for entry in servers:
            if entry is not None and entry[0].poll() is None:
                kill(entry[0])
        kill(redis)
    print("%d rounds, %d numbers, none twice" % (rounds, len(seen)))


def cmd_slow(addr, first, n):
    slow = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    slow.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)
    slow.connect(("127.0.0.1", int(addr)))
    slow.sendall(b"\n" * n)
    a, b, i = fib(first), fib(first + 1), first
    prev, probes, still = None, 0, 0
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        p = connect(addr)
        p.sendall(b"\n")
        x = int(read_lines(p, 1)[0][0])
        p.close()
        probes += 1
        while a < x:
            a, b, i = b, a + b, i + 1
        if a != x:
            fail("a probe got a number that is not Fibonacci")
        # Four probes in a row with nothing served between: it is stalled
        # (one pair may be a loaded machine's server not yet back to it).
        still = still + 1 if prev is not None and i == prev + 1 else 0
        if still == 3:
            break
        prev = i
        time.sleep(0.05)
    else:
        fail("the slow client was still being served after 20 s")
    print(i - first + 1 - probes)
    lines, _ = read_lines(slow, n)
    got = [int(x) for x in lines]
    if any(x >= y for x, y in zip(got, got[1:])):
        fail("the slow client's answers are not increasing")


def wait_listening(proc, deadline):
    """
    The port fib-serve names in its "listening on 127.0.0.1:PORT" line on
    stderr (a pipe), which it prints once it is ready to serve.
    """
    said = b""
    fd = proc.stderr.fileno()
    while True:
        m = re.search(rb"listening on 127\.0\.0\.1:([0-9]+)\n", said)
        if m:
            return int(m.group(1))
        left = deadline - time.monotonic()
        if left <= 0:
            fail("fib-serve did not say it listens in time: %r" % said)
        r, _, _ = select.select([fd], [], [], left)
        if r:
            chunk = os.read(fd, 4096)
            if not chunk:
                proc.wait()
                fail("fib-serve exited with %d: %s"
                     % (proc.returncode, said.decode(errors="replace")))
            said += chunk


def cmd_chaos(bin_, dir_, rounds, reserve):
    """
    Each round starts fib-serve, asks for a burst of numbers on a few
    connections, and kills it with SIGKILL: in even rounds once every answer
    has arrived (so every number served was seen, and the gap to the next
    round must be at most the reservation), in odd rounds at a random moment
    while answers are still in flight (a crash at any moment: only "no
    repeat" can be checked).
    """
    state = os.path.join(dir_, "fib.state")
    rng = random.Random(int(os.environ.get("CHAOS_SEED", "4")))
    seen = {}          # number -> round
    index = {}         # F(i) -> i, grown on demand
    a, b, i = 0, 1, 0  # F(i), F(i+1)

    def index_of(x):
        nonlocal a, b, i
        while a < x:
            a, b, i = b, a + b, i + 1
            index[a] = i
        if x not in index:
            fail("%d... is not a Fibonacci number" % (x % 10**12))
        return index[x]

    last = None        # index of the last number seen, and whether all were
    max_gap = 0
    for r in range(rounds):
        proc = subprocess.Popen([bin_, "-q", "-s", state,
                                 "-l", "127.0.0.1:0",
                                 "--reserve", str(reserve)],
                                stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE)
        socks = []
        try:
            port = wait_listening(proc, time.monotonic() + 10)
            socks = [connect(str(port)) for _ in range(3)]
            first = socks[0]
            burst = rng.randint(reserve // 2, reserve * 4)
            got = []
            if r % 2 == 0:
                for s in socks:
                    s.sendall(b"\n" * burst)
                for s in socks:
                    lines, _ = read_lines(s, burst)
                    got.extend(lines)
            else:
                # The first answer of the round, for the gap; then a burst
                # cut short at a random moment.
                first.sendall(b"\n")
                lines, rest = read_lines(first, 1)
                got.extend(lines)
                for s in socks:
                    s.sendall(b"\n" * burst)
                lines, _ = read_lines(first, rng.randint(0, burst), rest)
                got.extend(lines)
        finally:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()
            proc.stderr.close()
        for s in socks:
            s.close()
        idx = sorted(index_of(int(x)) for x in got)
        for x in got:
            x = int(x)
            if x in seen:
                fail("round %d: %d... served again (first in round %d)"
                     % (r, x % 10**12, seen[x]))
            seen[x] = r
        if idx:
            if last is not None and last[1]:
                gap = idx[0] - last[0] - 1
                max_gap = max(max_gap, gap)
                if gap > reserve:
                    fail("round %d: the crash before it skipped %d numbers "
                         "(reserve %d)" % (r, gap, reserve))
            if r % 2 == 0 and idx != list(range(idx[0], idx[0] + len(idx))):
                fail("round %d: the answers are not contiguous" % r)
            last = (idx[-1], r % 2 == 0)
        else:
            last = None
    print("%d rounds, %d numbers, none twice, largest crash gap %d (reserve %d)"
          % (rounds, len(seen), max_gap, reserve))


def main():
    args = sys.argv[1:]
    if not args:
        fail("usage: see the top of fibc.py")
    cmd, rest = args[0], args[1:]
    if cmd == "get":
        cmd_get(rest[0], int(rest[1]))
    elif cmd == "many":
        cmd_many(rest[0], int(rest[1]), int(rest[2]), int(rest[3]))
    elif cmd == "check":
        cmd_check(int(rest[0]))
    elif cmd == "distinct":
        cmd_distinct(int(rest[0]), int(rest[1]))
    elif cmd == "pair":
        cmd_pair(int(rest[0]), int(rest[1]))
    elif cmd == "members":
        cmd_members(int(rest[0]), int(rest[1]))
    elif cmd == "rchaos":
        cmd_rchaos(rest[0], rest[1], int(rest[2]), int(rest[3]),
                   int(rest[4]), rest[5])
    elif cmd == "fastfib":
        print(fastfib(int(rest[0]))[0])
    elif cmd == "silent":
        cmd_silent(rest[0], float(rest[1]))
    elif cmd == "fib":
        print(fib(int(rest[0])))
    elif cmd == "slow":
        cmd_slow(rest[0], int(rest[1]), int(rest[2]))
    elif cmd == "chaos":
        cmd_chaos(rest[0], rest[1], int(rest[2]), int(rest[3]))
    else:
        fail("unknown command " + cmd)


if __name__ == "__main__":
    main()
