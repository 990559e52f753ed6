#!/usr/bin/env bats
# weblog-serve --http: the dashboard, /hits (SSE), /hits.ndjson, /hits.xml,
# /stats, /metrics, resume, errors, limits. Clients are Python's own HTTP
# client and raw sockets, so these tests do not depend on weblog-client.

load helper

# hit N: a Combined Log Format line for request /N.
hit() {
	printf '10.0.0.%d - - [02/Dec/2026:10:00:00 +0000] "GET /%d HTTP/1.1" %d %d "-" "t"\n' \
		$(($1 % 250)) "$1" $((200 + ($1 % 4) * 100)) "$1"
}

hits() {
	local i
	for ((i = $1; i <= $2; i++)); do hit "$i"; done
}

# get PATH [HEADER...]: the status, the headers and the body of GET PATH,
# as Python's http.client reads them (it undoes chunking).
get() {
	"$PY" - "$H" "$@" <<'GET'
import http.client, sys
c = http.client.HTTPConnection("127.0.0.1", int(sys.argv[1]), timeout=10)
hdrs = dict(h.split(": ", 1) for h in sys.argv[3:])
c.request("GET", sys.argv[2], headers=hdrs)
r = c.getresponse()
print(r.status)
for k, v in r.getheaders():
    print("%s: %s" % (k.lower(), v))
print()
sys.stdout.flush()
sys.stdout.buffer.write(r.read())
GET
}

# events PATH N [HEADER...]: read SSE events from PATH until N "hit" or
# "dropped" events or an "end"; print each as "EVENT ID DATA".
events() {
	"$PY" - "$H" "$@" <<'SSE'
import http.client, sys
c = http.client.HTTPConnection("127.0.0.1", int(sys.argv[1]), timeout=10)
hdrs = dict(h.split(": ", 1) for h in sys.argv[4:])
c.request("GET", sys.argv[2], headers=hdrs)
r = c.getresponse()
assert r.status == 200, r.status
assert r.getheader("content-type").startswith("text/event-stream")
want, got, ev = int(sys.argv[3]), 0, {}
while got < want:
    line = r.fp.readline()
    if not line:
        break
    line = line.decode().rstrip("\n")
    if line == "":
        if "event" in ev:
            print(ev.get("event"), ev.get("id", "-"), ev.get("data", ""), flush=True)
            if ev["event"] == "end":
                break
            got += 1
        ev = {}
        continue
    if line.startswith(":"):
        continue
    k, _, v = line.partition(":")
    ev[k] = v[1:] if v.startswith(" ") else v
SSE
}

@test "GET / is the dashboard, self-contained; HEAD gives its head alone" {
	serve_http
	get / >"$T/page"
	[ "$(head -n 1 "$T/page")" = 200 ]
	grep -q '^content-type: text/html; charset=utf-8$' "$T/page"
	grep -q '<title>weblog-serve</title>' "$T/page"
	grep -q 'new EventSource("hits")' "$T/page"
	# Nothing from any other host: no URL with a scheme in the page but
	# the data: icon (the browser test checks the network itself).
	! grep -Eo '(src|href)="[a-z]+://[^"]*"' "$T/page"
	len=$(sed -n 's/^content-length: //p' "$T/page" | tr -d '\r')
	[ "$len" -eq "$(stat -c %s "$BATS_TEST_DIRNAME/../lib/weblog/dashboard.html")" ]
	run "$PY" -c 'import http.client, sys
c = http.client.HTTPConnection("127.0.0.1", int(sys.argv[1]))
c.request("HEAD", "/")
r = c.getresponse()
print(r.status, r.getheader("content-length"), len(r.read()))' "$H"
	[ "$output" = "200 $len 0" ]
}

@test "GET /hits streams each hit as an SSE event: id E-SEQ, the JSON of weblog-client -f json" {
	serve_http -k 100
	events /hits 3 >"$T/ev" &
	local reader=$!
	wait_for 10 grep -q '^weblog-serve: .* "GET /hits" 200$' "$T/srv.err"
	hits 1 3 >&4
	wait "$reader"
	[ "$(wc -l <"$T/ev")" -eq 3 ]
	local e
	e=$(sed -n 's/^hit \([0-9]*\)-1 .*/\1/p' "$T/ev")
	[ -n "$e" ]
	cut -d' ' -f2 "$T/ev" | diff - <(printf '%s-1\n%s-2\n%s-3\n' "$e" "$e" "$e")
	# The data is the object weblog-client -f json prints for that line.
	hits 1 3 >"$T/lines"
	cut -d' ' -f3- "$T/ev" >"$T/data"
	"$PY" - "$T/data" "$T/lines" <<'CHK'
import json, sys
data = [json.loads(l) for l in open(sys.argv[1])]
lines = open(sys.argv[2]).read().splitlines()
for d, l in zip(data, lines):
    assert d["request"] == l.split('"')[1], (d, l)
    assert d["client"] == l.split()[0]
assert len(data) == 3
CHK
}

@test "Last-Event-ID and ?from= resume after that hit; ?replay= replays; other epochs start afresh" {
	serve_http -k 5
	hits 1 8 >&4
	wait_for 10 eval '[ "$(get /stats | tail -n 1 | "$PY" -c "import json,sys; print(json.load(sys.stdin)[\"last\"])")" = 8 ]'
	local e
	e=$(get /stats | tail -n 1 | "$PY" -c 'import json, sys; print(json.load(sys.stdin)["epoch"])')
	# After 2: 3 is gone from the 5 kept (4..8): dropped 1, then 4..8.
	events /hits 6 "Last-Event-ID: $e-2" >"$T/r"
	[ "$(head -n 1 "$T/r")" = 'dropped - {"count":1}' ]
	[ "$(sed 1d "$T/r" | cut -d' ' -f2 | tr '\n' ' ')" = "$e-4 $e-5 $e-6 $e-7 $e-8 " ]
	events "/hits?from=$e-6" 2 >"$T/f"
	[ "$(cut -d' ' -f2 "$T/f" | tr '\n' ' ')" = "$e-7 $e-8 " ]
	events "/hits?replay=2" 2 >"$T/p"
	[ "$(cut -d' ' -f2 "$T/p" | tr '\n' ' ')" = "$e-7 $e-8 " ]
	events "/hits?replay=1" 1 "Last-Event-ID: 1-3" >"$T/o"
	[ "$(cut -d' ' -f2 "$T/o")" = "$e-8" ]
}

@test "GET /hits.ndjson is one JSON object a line, chunked; /hits.xml the XML stream" {
	serve_http -k 10 -r 0
	hits 1 4 >&4
	wait_for 10 eval 'get /stats | tail -n 1 | grep -q "\"last\":4"'
	run "$PY" - "$H" <<'ND'
import http.client, json, sys
c = http.client.HTTPConnection("127.0.0.1", int(sys.argv[1]), timeout=10)
c.request("GET", "/hits.ndjson?replay=4")
r = c.getresponse()
assert r.getheader("transfer-encoding") == "chunked", r.getheaders()
assert r.getheader("content-type").startswith("application/x-ndjson")
for _ in range(4):
    print(json.loads(r.readline())["request"])
ND
	[ "$status" -eq 0 ]
	[ "$output" = "$(printf 'GET /1 HTTP/1.1\nGET /2 HTTP/1.1\nGET /3 HTTP/1.1\nGET /4 HTTP/1.1')" ]
	run "$PY" - "$H" <<'XML'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10)
s.sendall(b"GET /hits.xml?replay=2 HTTP/1.1\r\nHost: x\r\n\r\n")
f = s.makefile("rb")
while f.readline() not in (b"\r\n", b""):
    pass
for _ in range(3):
    sys.stdout.write(f.readline().decode())
XML
	[[ "${lines[0]}" =~ ^\<hits\ epoch=\"[0-9]+\"\ heartbeat=\"15\"\>$ ]]
	[[ "${lines[1]}" = '<hit n="3"><client>10.0.0.3</client>'* ]]
	[[ "${lines[2]}" = '<hit n="4">'* ]]
	# Chunked framing needs HTTP/1.1.
	run "$PY" - "$H" <<'V10'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10)
s.sendall(b"GET /hits.ndjson HTTP/1.0\r\n\r\n")
print(s.makefile("rb").readline().decode().strip())
V10
	[ "$output" = "HTTP/1.1 505 HTTP Version Not Supported" ]
}

@test "/stats and /metrics count hits read, sent and dropped, and clients by kind" {
	serve_http
	events /hits 2 >"$T/ev" &
	local reader=$!
	wait_for 10 grep -q '"GET /hits" 200$' "$T/srv.err"
	hits 1 2 >&4
	wait "$reader"
	get /stats >"$T/stats"
	tail -n 1 "$T/stats" | "$PY" -c 'import json, sys
s = json.load(sys.stdin)
assert s["read"] == 2 and s["last"] == 2 and s["sent"] >= 2, s
assert s["dropped"] == 0 and s["epoch"] > 0 and s["uptime"] >= 0, s
assert s["lost"] == 0, s   # not reading Redis: none (weblog-redis.bats)
assert set(s["clients"]) == {"xml", "sse", "ndjson", "other"}, s
assert s["clients"]["other"] >= 1, s   # this request itself
assert s["input"] == "standard input", s'
	get /metrics >"$T/metrics"
	grep -q '^content-type: text/plain; version=0.0.4' "$T/metrics"
	grep -qx 'weblog_hits_read_total 2' "$T/metrics"
	grep -q '^weblog_clients{kind="sse"} ' "$T/metrics"
	grep -q '^# TYPE weblog_hits_sent_total counter$' "$T/metrics"
	grep -qx 'weblog_hits_lost_total 0' "$T/metrics"
}

@test "bad requests get their status, are logged, and another client goes on" {
	serve_http
	events /hits 2 >"$T/ev" &
	local reader=$!
	wait_for 10 grep -q '"GET /hits" 200$' "$T/srv.err"
	raw_status() {
		"$PY" - "$H" "$1" <<'RAW'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10)
s.sendall(sys.argv[2].encode().decode("unicode_escape").encode("latin-1"))
print(s.makefile("rb").readline().decode().strip())
RAW
	}
	[ "$(raw_status 'GET /nope HTTP/1.1\r\nHost: x\r\n\r\n')" = "HTTP/1.1 404 Not Found" ]
	[ "$(raw_status 'POST / HTTP/1.1\r\nHost: x\r\n\r\n')" = "HTTP/1.1 405 Method Not Allowed" ]
	[ "$(raw_status 'GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello')" = "HTTP/1.1 413 Content Too Large" ]
	[ "$(raw_status 'BROKEN\r\n\r\n')" = "HTTP/1.1 400 Bad Request" ]
	[ "$(raw_status 'GET /hits?colour=red HTTP/1.1\r\nHost: x\r\n\r\n')" = "HTTP/1.1 400 Bad Request" ]
	[ "$(raw_status "GET / HTTP/1.1\\r\\nHost: x\\r\\nX: $(head -c 9000 /dev/zero | tr '\0' a)\\r\\n\\r\\n")" = "HTTP/1.1 431 Request Header Fields Too Large" ]
	run "$PY" -c 'import http.client, sys
c = http.client.HTTPConnection("127.0.0.1", int(sys.argv[1]))
c.request("DELETE", "/")
print(c.getresponse().getheader("allow"))' "$H"
	[ "$output" = "GET, HEAD" ]
	grep -q '"GET /nope" 404$' "$T/srv.err"
	grep -q '"POST /" 405$' "$T/srv.err"
	grep -q 'bad request: .*; 431$' "$T/srv.err"
	# The stream went on meanwhile.
	hits 1 2 >&4
	wait "$reader"
	[ "$(wc -l <"$T/ev")" -eq 2 ]
}

@test "a request head not complete within 10 s is closed" {
	serve_http
	run "$PY" - "$H" <<'SLOW'
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n")
s.settimeout(30)
t0 = time.monotonic()
print(s.recv(100), round(time.monotonic() - t0))
SLOW
	[[ "$output" = "b'' "1[01] ]]
	grep -q 'no whole request head in 10 s; closing' "$T/srv.err"
}

@test "--max-clients counts both listeners" {
	serve_http --max-clients 2
	start raw1 "$PY" -c 'import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(b"RESUME 0 0\n")
time.sleep(60)' "$P"
	events /hits 100 >"$T/ev" &
	wait_for 10 grep -q '"GET /hits" 200$' "$T/srv.err"
	wait_for 10 grep -q 'connect 127' "$T/srv.err"
	run get /stats
	[ "$status" -ne 0 ]
	grep -q 'refused 127.0.0.1:[0-9]*: too many clients' "$T/srv.err"
}

@test "SSE: a heartbeat comment when nothing is sent; the stop is event end" {
	serve_http --heartbeat 0.2
	run "$PY" - "$H" <<'HB'
import http.client, sys
c = http.client.HTTPConnection("127.0.0.1", int(sys.argv[1]), timeout=10)
c.request("GET", "/hits")
r = c.getresponse()
seen = [r.fp.readline() for _ in range(4)]
print(seen)
HB
	[ "$output" = "[b'retry: 1000\\n', b'\\n', b':\\n', b'\\n']" ]
	events /hits 5 >"$T/ev" &
	local reader=$!
	wait_for 10 eval '[ "$(grep -c "\"GET /hits\" 200$" "$T/srv.err")" -ge 2 ]'
	kill -TERM "$srv_pid"
	wait "$reader"
	[ "$(tail -n 1 "$T/ev")" = "end - {}" ]
	wait_exit "$srv_pid"
	[ "$EXIT" -eq 0 ]
}

@test "a slow SSE client gets event dropped with the count, and every hit is delivered or counted" {
	"$PY" -c 'import sys
pad = "x" * 400
with open(sys.argv[1], "w") as f:
    for i in range(20000):
        f.write("10.0.0.1 - - [02/Dec/2026:10:00:00 +0000] \"GET /%d/%s HTTP/1.1\" 200 1 \"-\" \"t\"\n" % (i, pad))' "$T/big"
	serve_http --max-queue 20000 -k 10 --linger 120
	cat >"$T/slow.py" <<'SLOW'
import http.client, json, os, socket, sys, time
c = http.client.HTTPConnection("127.0.0.1", int(sys.argv[1]), timeout=120)
c.connect()
c.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
c.request("GET", "/hits")
r = c.getresponse()
open(sys.argv[3] + ".ready", "w").close()
while not os.path.exists(sys.argv[3]):
    time.sleep(0.01)
want, hits, dropped, ev = int(sys.argv[2]), 0, 0, {}
while hits + dropped < want:
    line = r.fp.readline().decode().rstrip("\n")
    if line == "":
        if ev.get("event") == "hit":
            hits += 1
        elif ev.get("event") == "dropped":
            dropped += json.loads(ev["data"])["count"]
        ev = {}
    elif not line.startswith(":"):
        k, _, v = line.partition(": ")
        ev[k] = v
print(hits, dropped)
SLOW
	start slow "$PY" "$T/slow.py" "$H" 20000 "$T/go"
	wait_for 10 test -e "$T/go.ready"
	cat "$T/big" >&4
	wait_for 30 eval 'get /stats | tail -n 1 | grep -q "\"read\":20000"'
	touch "$T/go"
	wait_exit "$slow_pid" 120
	[ "$EXIT" -eq 0 ]
	local h d
	read -r h d <"$T/slow.out"
	echo "delivered $h, dropped $d"
	[ "$d" -gt 0 ]
	[ $((h + d)) -eq 20000 ]
}

@test "--allow: a peer outside every range is closed at once on both listeners, and logged" {
	run "$BIN/weblog-serve" --allow 10.0.0.0/33
	[ "$status" -eq 2 ]
	[ "$output" = "weblog-serve: --allow: 10.0.0.0/33: the prefix length is not 0 to 32" ]
	serve_http --allow 10.0.0.0/8 --allow ::1
	run get /stats
	[ "$status" -ne 0 ]
	run "$PY" -c 'import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10)
print(repr(s.recv(100)))' "$P"
	[ "$output" = "b''" ]
	grep -q '^weblog-serve: refused 127\.0\.0\.1:[0-9]*: not in --allow$' "$T/srv.err"
	[ "$(grep -c 'not in --allow' "$T/srv.err")" -eq 2 ]
	stop_all
	rm -f "$T/in" "$T/srv.err"
	serve_http --allow 127.0.0.0/8
	get /stats | head -n 1 | grep -qx 200
}
