#!/usr/bin/python3
"""killwrite.py - kill -9 at random moments while a state file is written.

  killwrite.py serve BIN STATE ROUNDS
      Each round starts fib-serve --reserve 2 (so it rewrites the file for
      about every number it serves), loads it with a pipelining client, and
      kills it with SIGKILL after a random delay. After each kill the file
      must pass fib-snapshot check, served must not go back, and no number
      may have been served twice, in this round or any before.
  killwrite.py set BIN STATE ROUNDS
      Each round runs fib-snapshot set served=R on a large file (two numbers
      of 40,000 digits) and kills it after a random delay. The file must
      then pass the check and hold either the old served or the new one.

A random delay is the fault being injected, not a wait for something.
"""
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time

if hasattr(sys, "set_int_max_str_digits"):
    sys.set_int_max_str_digits(0)

rng = random.Random(int(os.environ.get("SEED", "6")))


def fail(msg):
    print("killwrite: " + msg, file=sys.stderr)
    sys.exit(1)


def check(bin_, state):
    r = subprocess.run([bin_ + "/fib-snapshot", "check", state],
                       capture_output=True, text=True)
    if r.returncode != 0:
        fail("the file does not read back: " + r.stderr.strip())


def key(state, k):
    for line in open(state):
        if line.startswith(k + " "):
            return int(line.split()[1])
    fail("no key " + k)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def load(port, got, stop):
    """Pipeline requests and collect answers until the server dies."""
    deadline = time.monotonic() + 10
    while True:
        try:
            s = socket.create_connection(("127.0.0.1", port), timeout=5)
            break
        except OSError:
            if stop.is_set() or time.monotonic() > deadline:
                return
            time.sleep(0.005)
    buf = b""
    try:
        while not stop.is_set():
            s.sendall(b"\n" * 64)
            want = 64
            while want > 0:
                chunk = s.recv(1 << 20)
                if not chunk:
                    return
                buf += chunk
                lines = buf.split(b"\n")
                buf = lines.pop()
                got.extend(lines)
                want -= len(lines)
    except OSError:
        pass
    finally:
        s.close()


def serve(bin_, state, rounds):
    seen = set()
    prev = key(state, "served")
    killed = 0
    for r in range(rounds):
        port = free_port()
        p = subprocess.Popen([bin_ + "/fib-serve", "-q", "-s", state, "-l",
                              str(port), "--reserve", "2"],
                             stderr=subprocess.PIPE)
        got, stop = [], threading.Event()
        t = threading.Thread(target=load, args=(port, got, stop))
        t.start()
        try:
            p.wait(rng.uniform(0.02, 0.3))
            fail("fib-serve exited by itself: " + p.stderr.read().decode())
        except subprocess.TimeoutExpired:
            p.send_signal(signal.SIGKILL)
            p.wait()
            killed += 1
        stop.set()
        t.join()
        check(bin_, state)
        served = key(state, "served")
        if served < prev:
            fail("round %d: served went back from %d to %d" % (r, prev, served))
        prev = served
        for x in got:
            if x in seen:
                fail("round %d: a number was served twice" % r)
            seen.add(x)
    print("%d rounds killed, %d numbers, none twice, served %d in the file"
          % (killed, len(seen), prev))


def set_(bin_, state, rounds):
    killed = 0
    for r in range(1, rounds + 1):
        old = key(state, "served")
        p = subprocess.Popen([bin_ + "/fib-snapshot", "set", state,
                              "served=%d" % r], stderr=subprocess.PIPE)
        try:
            p.wait(rng.uniform(0, 0.01))
            if p.returncode != 0:
                fail("set failed: " + p.stderr.read().decode())
        except subprocess.TimeoutExpired:
            p.send_signal(signal.SIGKILL)
            p.wait()
            killed += 1
        check(bin_, state)
        now = key(state, "served")
        if now not in (old, r):
            fail("round %d: served is %d, neither %d nor %d" % (r, now, old, r))
    # A killed writer may leave its temporary file; never the state file.
    left = [f for f in os.listdir(os.path.dirname(state)) if ".tmp." in f]
    print("%d rounds, %d killed mid-way, %d temporary files left"
          % (rounds, killed, len(left)))


def main():
    cmd, bin_, state, rounds = sys.argv[1:5]
    {"serve": serve, "set": set_}[cmd](bin_, state, int(rounds))


if __name__ == "__main__":
    main()
