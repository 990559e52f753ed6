#!/usr/bin/python3
"""dashboard.py BIN DIR - weblog-serve's dashboard in a real headless Chromium.

Starts weblog-serve (BIN/weblog-serve) on DIR/access.log with --http on a
port it chooses, opens the dashboard in Debian's Chromium through
chromedriver (python3-selenium), and checks, printing one line per check:
  - the page says it is live;
  - hits appended to the log appear in the page within a second;
  - the total, the status classes and the top lists match what was written,
    and \\xHH runs that form UTF-8 are shown decoded (caf\\xC3\\xA9: café);
  - the stream's dropped and lost events (as weblog-serve sends them) are
    counted apart, neither as hits;
  - a stopped server shows as such, and a server started again on the same
    port is found again: the page is live again and counts the new hits;
  - the page asked nothing of any other host (Chromium's network log).
Exits 0 when every check passed, 1 at the first that failed. Every process
it starts is stopped by its pid before it exits.
"""
import json
import os
import re
import signal
import subprocess
import sys
import time

from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service

BIN, DIR = sys.argv[1], sys.argv[2]
LOG = os.path.join(DIR, "access.log")
procs = []


def fail(msg):
    print("not ok: " + msg, flush=True)
    sys.exit(1)


def wait(what, cond, deadline):
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        v = cond()
        if v:
            return v
        time.sleep(0.02)
    fail("timed out after %gs waiting for %s" % (deadline, what))


def serve(port):
    err = open(os.path.join(DIR, "serve.err"), "a")
    start = err.tell()
    p = subprocess.Popen([os.path.join(BIN, "weblog-serve"), "-q", "-k", "1000",
                          "-l", "127.0.0.1:0", "--http", "127.0.0.1:%d" % port,
                          LOG], stderr=err, stdin=subprocess.DEVNULL)
    procs.append(p)

    def listening():
        with open(os.path.join(DIR, "serve.err")) as f:
            f.seek(start)
            m = re.search(r"listening on http://127\.0\.0\.1:(\d+)/", f.read())
        if p.poll() is not None:
            fail("weblog-serve exited with status %d" % p.returncode)
        return m and int(m.group(1))
    return p, wait("weblog-serve to listen", listening, 10)


def stop(p):
    p.send_signal(signal.SIGTERM)
    try:
        p.wait(10)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()


def append(lines):
    with open(LOG, "a") as f:
        f.write("".join(l + "\n" for l in lines))


def hit(client, path, status, size=100):
    return ('%s - - [02/Dec/2026:10:00:00 +0000] "GET %s HTTP/1.1" %d %d '
            '"-" "test"' % (client, path, status, size))


def main():
    open(LOG, "w").close()
    server, port = serve(0)
    opts = Options()
    opts.binary_location = "/usr/bin/chromium"
    for a in ("--headless=new", "--no-sandbox", "--disable-gpu",
              "--disable-dev-shm-usage", "--no-first-run",
              "--disable-background-networking", "--disable-extensions",
              "--user-data-dir=" + os.path.join(DIR, "chromium")):
        opts.add_argument(a)
    opts.set_capability("goog:loggingPrefs", {"performance": "ALL"})
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"),
                              options=opts)
    try:
        check(driver, server, port)
    finally:
        driver.quit()


def text(driver, id):
    return driver.execute_script(
        "const e = document.getElementById(arguments[0]);"
        "return e ? e.textContent : null;", id)


def check(driver, server, port):
    origin = "http://127.0.0.1:%d" % port
    driver.get(origin + "/")
    wait("the page to be live", lambda: text(driver, "state") == "live", 10)
    print("ok: the page is live", flush=True)

    # 50 hits: statuses 30 2xx, 5 3xx, 10 4xx, 5 5xx; paths /a 20, /b 15,
    # /c 10, /caf\xC3\xA9 5; clients 10.0.0.1 25, 10.0.0.2 15, others 10.
    lines = []
    statuses = [200] * 30 + [301] * 5 + [404] * 10 + [500] * 5
    paths = ["/a"] * 20 + ["/b"] * 15 + ["/c"] * 10 + ["/caf\\xC3\\xA9"] * 5
    clients = ["10.0.0.1"] * 25 + ["10.0.0.2"] * 15 + \
        ["10.0.1.%d" % i for i in range(10)]
    for i in range(50):
        lines.append(hit(clients[i], paths[(i * 7) % 50], statuses[(i * 3) % 50]))
    t0 = time.monotonic()
    append(lines)
    wait("50 hits in the page", lambda: text(driver, "total") == "50", 10)
    took = time.monotonic() - t0
    if took > 1.0:
        fail("the hits took %.2f s to appear in the page" % took)
    print("ok: 50 hits appeared in the page in %.0f ms" % (took * 1000), flush=True)

    # The table shows the newest of them: a render adds at most
    # ROWS_PER_RENDER rows (more would scroll past unread at 1,000 a
    # second), newest first.
    shown = min(50, driver.execute_script("return ROWS_PER_RENDER"))
    wait("%d rows" % shown, lambda: driver.execute_script(
        "return document.getElementById('rows').childElementCount") == shown, 5)
    first = driver.execute_script(
        "return document.getElementById('rows').firstElementChild"
        ".children[2].textContent")
    if first != "GET %s HTTP/1.1" % paths[(49 * 7) % 50].replace(
            "\\xC3\\xA9", "\u00e9"):
        fail("the newest row is %r" % first)
    want = {"c2": "30", "c3": "5", "c4": "10", "c5": "5", "c0": "0"}
    got = {k: text(driver, k) for k in want}
    if got != want:
        fail("status counts %s, expected %s" % (got, want))
    print("ok: status classes", flush=True)

    def top(id):
        return driver.execute_script(
            "return [...document.getElementById(arguments[0]).children]"
            ".map(li => [li.children[1].textContent, li.children[0].textContent])", id)
    if top("paths") != [["/a", "20"], ["/b", "15"], ["/c", "10"], ["/café", "5"]]:
        fail("top paths %s" % top("paths"))
    tc = top("clients")
    if tc[:2] != [["10.0.0.1", "25"], ["10.0.0.2", "15"]] or len(tc) != 10:
        fail("top clients %s" % tc)
    print("ok: top paths (café decoded) and top clients", flush=True)

    # Dropped and lost reports, as the stream's own events: a real loss
    # needs a Redis stream (weblog-redis.bats checks what the server sends).
    driver.execute_script(
        "for (const [type, n] of [['dropped', 2], ['lost', 3], ['lost', 4]])"
        "  source.dispatchEvent(new MessageEvent(type,"
        "    { data: JSON.stringify({ count: n }) }));")
    wait("7 lost", lambda: text(driver, "lost") == "7", 5)
    if text(driver, "dropped") != "2" or text(driver, "total") != "50":
        fail("after the reports: dropped %s, total %s" % (
            text(driver, "dropped"), text(driver, "total")))
    print("ok: dropped and lost counted apart", flush=True)

    # A stopped server shows as such; one started again is found again.
    stop(server)
    wait("the page to show the server gone",
         lambda: text(driver, "state") != "live", 10)
    print("ok: the page shows the connection lost: %s" % text(driver, "state"),
          flush=True)
    server, again = serve(port)
    if again != port:
        fail("restarted on port %d, not %d" % (again, port))
    wait("the page to be live again", lambda: text(driver, "state") == "live", 15)
    append([hit("10.0.0.9", "/d", 200) for _ in range(5)])
    wait("55 hits", lambda: text(driver, "total") == "55", 10)
    print("ok: after the restart the page is live and counts new hits", flush=True)

    # Nothing was asked of any other host.
    urls = set()
    for entry in driver.get_log("performance"):
        msg = json.loads(entry["message"])["message"]
        # What the dashboard's document asked for (not the browser's own
        # start page, which it loads before the test opens ours).
        if msg.get("method") == "Network.requestWillBeSent" and \
                msg["params"].get("documentURL", "").startswith(origin + "/"):
            urls.add(msg["params"]["request"]["url"])
    others = [u for u in urls if not u.startswith(origin + "/") and
              not u.startswith("data:")]
    if others:
        fail("requests to other hosts: %s" % others)
    if not any(u.startswith(origin + "/hits") for u in urls):
        fail("no request for /hits in the network log: %s" % urls)
    print("ok: %d requests, all to %s" % (len(urls), origin), flush=True)
    stop(server)


if __name__ == "__main__":
    try:
        main()
    finally:
        for p in procs:
            if p.poll() is None:
                stop(p)
