#!/usr/bin/python3
"""screenshot.py TOP OUT.png [RATE] - make screenshot: the dashboard under load.

Starts weblog-serve (TOP/bin) with --http on a log that TOP/build/loggen
appends RATE hits a second to (default 1000), opens the dashboard in
Debian's headless Chromium (python3-selenium, chromedriver) at 1280x960,
and after 15 seconds of load:
  - prints the page's frame times, measured in the page with
    requestAnimationFrame and Chromium's long-task timeline
    (PerformanceObserver), as "frames: N, median X ms, p95 Y ms, max Z ms,
    long tasks: K (total T ms)";
  - writes the screenshot to OUT.png.
Every process it starts is stopped by its pid before it exits.
"""
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service

TOP, OUT = sys.argv[1], sys.argv[2]
RATE = sys.argv[3] if len(sys.argv) > 3 else "1000"
LOAD_SECONDS = 15

RECORDER = """
window.__frames = [];
window.__long = [];
let last = performance.now();
function f(now) { window.__frames.push(now - last); last = now; requestAnimationFrame(f); }
requestAnimationFrame(f);
new PerformanceObserver((l) => { for (const e of l.getEntries()) window.__long.push(e.duration); })
  .observe({ type: "longtask", buffered: true });
"""


def main():
    tmp = tempfile.mkdtemp(prefix="twirl-shot.")
    log = os.path.join(tmp, "access.log")
    open(log, "w").close()
    procs = []
    driver = None
    try:
        err = open(os.path.join(tmp, "serve.err"), "w")
        srv = subprocess.Popen([os.path.join(TOP, "bin", "weblog-serve"), "-q",
                                "-k", "1000", "-l", "127.0.0.1:0",
                                "--http", "127.0.0.1:0", log],
                               stderr=err, stdin=subprocess.DEVNULL)
        procs.append(srv)
        url = None
        for _ in range(500):
            m = re.search(r"listening on (http://\S+)", open(err.name).read())
            if m:
                url = m.group(1)
                break
            time.sleep(0.02)
        if url is None:
            sys.exit("screenshot: weblog-serve did not start")
        procs.append(subprocess.Popen([os.path.join(TOP, "build", "loggen"),
                                       "-r", RATE, log]))
        opts = Options()
        opts.binary_location = "/usr/bin/chromium"
        for a in ("--headless=new", "--no-sandbox", "--disable-gpu",
                  "--disable-dev-shm-usage", "--window-size=1280,960",
                  "--hide-scrollbars", "--user-data-dir=" +
                  os.path.join(tmp, "chromium")):
            opts.add_argument(a)
        driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"),
                                  options=opts)
        driver.get(url)
        driver.execute_script(RECORDER)
        time.sleep(LOAD_SECONDS)
        frames = sorted(driver.execute_script("return window.__frames.slice(5)"))
        longs = driver.execute_script("return window.__long")
        total = driver.execute_script(
            "return document.getElementById('total').textContent")
        if frames:
            print("dashboard at %s hits/s for %d s: %s hits shown; frames: %d, "
                  "median %.1f ms, p95 %.1f ms, max %.1f ms, long tasks: %d "
                  "(total %.0f ms)" % (
                      RATE, LOAD_SECONDS, total, len(frames),
                      frames[len(frames) // 2],
                      frames[int(len(frames) * 0.95)], frames[-1],
                      len(longs), sum(longs)))
        driver.save_screenshot(OUT)
        print("screenshot: wrote %s" % OUT)
    finally:
        if driver is not None:
            driver.quit()
        for p in procs:
            p.send_signal(signal.SIGTERM)
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
