#!/usr/bin/env bats
# weblog-serve: input, the stream, modes, limits, stopping, addresses.
#
# Clients are an independent Python reader (wsc, below): it checks the
# raw stream with xml.sax (expat) as it arrives and restores each line by
# the SPEC's rules, so these tests do not depend on weblog-client.

load helper

suite_setup() {
	write_wsc
}

# serve_stdin ARGS: weblog-serve on a port the kernel chooses ($P, address
# $A) reading the FIFO $T/in, which the test writes through descriptor 4
# (closing it ends the input).
serve_stdin() {
	mkfifo "$T/in"
	start srv sh -c 'f=$1; shift; exec "$@" <"$f"' sh "$T/in" \
		"$BIN/weblog-serve" -l 127.0.0.1:0 "$@"
	exec 4>"$T/in"
	P=$(listening srv)
	A=127.0.0.1:$P
}

# serve ARGS: weblog-serve on a port the kernel chooses, $P (address $A);
# give it a FILE. With --logfile it says where it listens there.
serve() {
	local a prev="" log=srv
	for a; do
		[ "$prev" = --logfile ] && log=$a
		prev=$a
	done
	start srv "$BIN/weblog-serve" -l 127.0.0.1:0 "$@"
	P=$(listening "$log")
	A=127.0.0.1:$P
}

# client NAME ARGS: a wsc client on $A; restored lines in $T/NAME.lines.
client() {
	local name=$1
	shift
	# Not holding the input's write end, or it would never end.
	start "$name" "$PY" "$T/wsc.py" "$A" --out "$T/$name.lines" "$@" 4>&-
}

# connected N: N clients have connected.
connected() {
	[ "$(grep -c '^weblog-serve: connect ' "$T/srv.err" 2>/dev/null)" -ge "$1" ]
}

# has_lines FILE N: FILE holds at least N lines.
has_lines() {
	[ -f "$1" ] && [ "$(wc -l <"$1")" -ge "$2" ]
}

exited() {
	! kill -0 "$1" 2>/dev/null
}

# seq_lines FROM TO: "line FROM" .. "line TO"
seq_lines() {
	local i
	for ((i = $1; i <= $2; i++)); do echo "line $i"; done
}

write_wsc() {
	cat >"$T/wsc.py" <<'PY'
import os, re, select, socket, sys, time, xml.sax

# wsc.py ADDRESS [options]: an independent weblog client. Reads the raw
# stream, checks it with xml.sax (expat) as it arrives, restores each hit's
# line per the SPEC, and prints a summary: hits= dropped= none= end=.
#   --out FILE       restored lines, one per line
#   --raw FILE       the raw stream
#   --times FILE     arrival time (monotonic) of each hit
#   --hits N         stop after N hits (--fast: N hits and drops)
#   --nones N        stop after N <none/> answers
#   --send TEXT      send TEXT (\n allowed) once connected; without it (and
#                    without --poll or --silent 1), RESUME 0 0, as
#                    weblog-client does: a new client that says so at once
#   --poll S         send NEW? every S seconds
#   --stall FILE     connect, then read nothing until FILE exists
#   --rcvbuf N       SO_RCVBUF before connecting
#   --timeout S      give up (exit 4) after S seconds
#   --fast 1         keep up with a flood: only count <hit>s and drops as
#                    they come; check the whole stream with xml.sax at the end
args = sys.argv[1:]
addr = args.pop(0)
opt = {}
while args:
    k = args.pop(0)[2:]
    opt[k] = args.pop(0)
timeout = float(opt.get("timeout", 20))
want = int(opt["hits"]) if "hits" in opt else None

if addr.startswith("unix:"):
    s = socket.socket(socket.AF_UNIX)
    target = addr[5:]
elif addr.startswith("["):
    host, port = addr[1:].split("]:")
    s = socket.socket(socket.AF_INET6)
    target = (host, int(port))
else:
    host, port = addr.rsplit(":", 1)
    s = socket.socket()
    target = (host, int(port))
if "rcvbuf" in opt:
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, int(opt["rcvbuf"]))
s.connect(target)
if "send" in opt:
    s.sendall(opt["send"].encode().decode("unicode_escape").encode("latin-1"))
elif "poll" not in opt and "silent" not in opt:
    s.sendall(b"RESUME 0 0\n")
if "stall" in opt:
    while not os.path.exists(opt["stall"]):
        time.sleep(0.01)

FIELDS = ["client", "ident", "user", "time", "request", "status", "bytes",
          "referrer", "agent"]
HEX = re.compile(rb"\\x([0-9A-Fa-f]{2})")
HIT_TAG = re.compile(rb"<hit[ >]")


def restore(text):
    return HEX.sub(lambda m: bytes([int(m.group(1), 16)]), text.encode("utf-8"))


class H(xml.sax.ContentHandler):
    def __init__(self):
        self.hits = self.dropped = self.none = self.end = 0
        self.text = None
        self.fields = {}
        self.lines = []

    def startElement(self, name, attrs):
        if name == "hit":
            self.fields = {}
        elif name == "dropped":
            self.dropped += int(attrs["count"])
        elif name == "none":
            self.none += 1
        elif name != "hits":
            self.text = []

    def characters(self, data):
        if self.text is not None:
            self.text.append(data)

    def endElement(self, name):
        if name == "hits":
            self.end = 1
        elif name == "hit":
            self.hits += 1
            f = self.fields
            if "line" in f:
                line = f["line"]
            else:
                line = b"%s %s %s [%s] \"%s\" %s %s" % tuple(
                    f[k] for k in FIELDS[:7])
                if "agent" in f:
                    line += b" \"%s\" \"%s\"" % (f["referrer"], f["agent"])
            self.lines.append(line)
        elif self.text is not None:
            self.fields[name] = restore("".join(self.text))
            self.text = None


h = H()
p = xml.sax.make_parser()
p.setContentHandler(h)
raw = open(opt["raw"], "wb") if "raw" in opt else None
out = open(opt["out"], "wb") if "out" in opt else None
times = open(opt["times"], "w") if "times" in opt else None
deadline = time.monotonic() + timeout
next_poll = time.monotonic()
status = 0
s.setblocking(False)
data = bytearray()
fast_hits = fast_drops = drop_pos = 0
DROPPED = re.compile(rb'<dropped count="([0-9]+)"/>')
while True:
    now = time.monotonic()
    if now > deadline:
        status = 4
        break
    if "poll" in opt and now >= next_poll:
        s.sendall(b"NEW?\n")
        next_poll = now + float(opt["poll"])
    wait = min(deadline - now, 0.05 if "poll" in opt else 0.5)
    r, _, _ = select.select([s], [], [], wait)
    if not r:
        continue
    try:
        d = s.recv(1 << 20)
    except ConnectionResetError:
        d = b""
    if not d:
        break
    if raw:
        raw.write(d)
    if "fast" in opt:
        data += d
        fast_hits += len(HIT_TAG.findall(data, max(0, len(data) - len(d) - 4)))
        for m in DROPPED.finditer(data, max(drop_pos, len(data) - len(d) - 40)):
            fast_drops += int(m.group(1))
            drop_pos = m.end()
        if want is not None and fast_hits + fast_drops >= want:
            break
        continue
    try:
        p.feed(d)
    except xml.sax.SAXParseException as e:
        print("not well-formed:", e, file=sys.stderr)
        status = 3
        break
    if h.lines:
        t = time.monotonic()
        for line in h.lines:
            if out:
                out.write(line + b"\n")
            if times:
                times.write("%.6f\n" % t)
        if out:
            out.flush()
        if times:
            times.flush()
        h.lines = []
    if want is not None and h.hits >= want:
        break
    if "nones" in opt and h.none >= int(opt["nones"]):
        break
if "fast" in opt and status != 0:
    print("fast: %d hits, %d drops so far" % (fast_hits, fast_drops), file=sys.stderr)
if "fast" in opt and status == 0:
    try:
        p.feed(bytes(data))
    except xml.sax.SAXParseException as e:
        print("not well-formed:", e, file=sys.stderr)
        status = 3
if status == 0 and h.end:
    try:
        p.close()
    except xml.sax.SAXParseException as e:
        print("not well-formed at the end:", e, file=sys.stderr)
        status = 3
print("hits=%d dropped=%d none=%d end=%d" % (h.hits, h.dropped, h.none, h.end))
sys.exit(status)
PY
}

# ------------------------------------------------------------ command line

@test "--help prints the usage on stdout and exits 0" {
	run "$BIN/weblog-serve" --help
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == "usage: weblog-serve [-dq] [-l ADDRESS] [--http ADDRESS]"* ]]
	run "$BIN/weblog-serve" -h
	[ "$status" -eq 0 ]
}

@test "--version prints the version" {
	run "$BIN/weblog-serve" --version
	[ "$status" -eq 0 ]
	[ "$output" = "weblog-serve 0.1.0" ]
}

@test "a bad option prints the usage on stderr and exits 2" {
	run "$BIN/weblog-serve" --no-such-option
	[ "$status" -eq 2 ]
	[[ "$output" == *"usage: weblog-serve"* ]]
}

@test "a bad value is one line on stderr and exit 2" {
	local args
	for args in "-m pull" "-i -1" "-i soon" "-k -1" "-k 1x" "-r 2000000" \
	    "--max-clients 0" "--max-queue 0" "--max-line 0" "--linger 1e9" \
	    "-m poll -i 1" "-d"; do
		# shellcheck disable=SC2086
		run "$BIN/weblog-serve" $args
		echo "$args: $status $output"
		[ "$status" -eq 2 ]
		[ "${#lines[@]}" -eq 1 ]
		[[ "$output" == "weblog-serve: "* ]]
	done
}

@test "an address it cannot parse exits 1 with a line naming it" {
	run "$BIN/weblog-serve" -l 127.0.0.1:99999 "$T/log"
	[ "$status" -eq 1 ]
	[ "${#lines[@]}" -eq 1 ]
	[[ "$output" == "weblog-serve: cannot listen on 127.0.0.1:99999: "* ]]
}

@test "an address in use exits 1 with a line naming it, with -d the daemon's" {
	local d
	serve "$T/log"
	for d in "" -d; do
		# shellcheck disable=SC2086
		run "$BIN/weblog-serve" $d -q -l "$A" "$T/log"
		[ "$status" -eq 1 ]
		[ "$output" = "weblog-serve: cannot listen on $A: Address already in use" ]
	done
}

@test "a FILE that cannot be read exits 1" {
	run "$BIN/weblog-serve" -l 127.0.0.1:0 "$T"
	[ "$status" -eq 1 ]
	[[ "$output" == "weblog-serve: $T: "* ]]
}

@test "every long option is in the man page and the bash, zsh and fish completions" {
	local top="$BATS_TEST_DIRNAME/.." opt n=0
	for opt in $(sed -n 's/^		{ "\([a-z-]*\)", .*/\1/p' "$top/bin/weblog-serve.c"); do
		n=$((n + 1))
		grep -q -- "Fl Fl $opt" "$top/man/weblog-serve.1" ||
			grep -q -- "Fl .*, Fl Fl $opt" "$top/man/weblog-serve.1"
		grep -q -- "--$opt" "$top/completions/weblog-serve.bash"
		grep -q -- "--$opt" "$top/completions/_weblog-serve"
		grep -q -- "-l $opt" "$top/completions/weblog-serve.fish"
	done
	[ "$n" -eq 27 ]
}

# ------------------------------------------------------------- the stream

@test "each line goes to every client as it arrives" {
	serve_stdin
	client c1
	client c2
	wait_for 5 connected 2
	seq_lines 1 3 >&4
	wait_for 5 has_lines "$T/c1.lines" 3
	wait_for 5 has_lines "$T/c2.lines" 3
	seq_lines 4 5 >&4
	wait_for 5 has_lines "$T/c1.lines" 5
	wait_for 5 has_lines "$T/c2.lines" 5
	diff <(seq_lines 1 5) "$T/c1.lines"
	diff <(seq_lines 1 5) "$T/c2.lines"
}

@test "combined and common lines give their fields; other lines go whole" {
	serve_stdin
	start c1 "$PY" "$T/wsc.py" "$A" --raw "$T/raw" 4>&-
	wait_for 5 connected 1
	cat >&4 <<'LOG'
127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] "GET /a.gif HTTP/1.0" 200 2326 "http://e.com/" "Mozilla/4.08 [en]"
::1 - - [10/Oct/2000:13:55:36 -0700] "GET /say?\"hi\" HTTP/1.0" 404 -
not a log line
LOG
	exec 4>&-
	wait_exit "$c1_pid"
	[ "$EXIT" -eq 0 ]
	cat >"$T/want" <<'XML'
<hits epoch="E" heartbeat="15">
<hit n="1"><client>127.0.0.1</client><ident>-</ident><user>frank</user><time>10/Oct/2000:13:55:36 -0700</time><request>GET /a.gif HTTP/1.0</request><status>200</status><bytes>2326</bytes><referrer>http://e.com/</referrer><agent>Mozilla/4.08 [en]</agent></hit>
<hit n="2"><client>::1</client><ident>-</ident><user>-</user><time>10/Oct/2000:13:55:36 -0700</time><request>GET /say?\"hi\" HTTP/1.0</request><status>404</status><bytes>-</bytes></hit>
<hit n="3"><line>not a log line</line></hit>
</hits>
XML
	epoch_is_E "$T/raw" | diff "$T/want" -
}

@test "hostile bytes make well-formed XML that restores every byte" {
	"$PY" - "$T/hostile" <<'GEN'
import random, sys
random.seed(7)
pieces = [b"\x00", b"\r", b"\\x", b"\\x41", b"&", b"<", b">", b"&amp;",
          b"\xef\xbf\xbe", b"\xef\xbf\xbf", b"\xc3\xa9", b"\xf0\x9f\x98\x80",
          b"\xc0\xaf", b"\xed\xa0\x80", b"\xff", b"\x80", b"\xe2\x82",
          b"\x1b[31m", b"\t", b"]]>", b"\"", b"\\\"", b"[", b"]", b" ",
          b"127.0.0.1 - - [t] \"GET / HTTP/1.0\" 200 1 \"r\" \"a\""]
with open(sys.argv[1], "wb") as f:
    for i in range(3000):
        if i % 3 == 0:
            line = bytes(random.randrange(256) for _ in range(random.randrange(200)))
        else:
            line = b"".join(random.choice(pieces) for _ in range(random.randrange(30)))
        f.write(line.replace(b"\n", b"") + b"\n")
GEN
	serve_stdin
	client c1 --raw "$T/raw"
	wait_for 5 connected 1
	cat "$T/hostile" >&4
	exec 4>&-
	wait_exit "$c1_pid" 20
	cat "$T/c1.err"
	[ "$EXIT" -eq 0 ]
	grep -q '^hits=3000 dropped=0 none=0 end=1$' "$T/c1.out"
	cmp "$T/hostile" "$T/c1.lines"
	# Every kind of escape was exercised.
	grep -q '\\x00' "$T/raw"
	grep -q '\\x5Cx' "$T/raw"
	grep -q '&#13;' "$T/raw"
	grep -q '\\xEF\\xBF\\xBE' "$T/raw"
}

@test "at the end of standard input the partial last line is sent, every stream ends with </hits> and the server exits 0" {
	serve_stdin
	client c1
	client c2
	wait_for 5 connected 2
	printf 'one\ntwo\nthree' >&4
	exec 4>&-
	wait_exit "$srv_pid"
	[ "$EXIT" -eq 0 ]
	wait_exit "$c1_pid"
	[ "$EXIT" -eq 0 ]
	wait_exit "$c2_pid"
	grep -q 'end=1' "$T/c1.out"
	grep -q 'end=1' "$T/c2.out"
	diff <(printf 'one\ntwo\nthree\n') "$T/c1.lines"
	diff <(printf 'one\ntwo\nthree\n') "$T/c2.lines"
}

@test "a partial line waits for its end" {
	serve_stdin
	client c1
	wait_for 5 connected 1
	printf 'first\nabc' >&4
	wait_for 5 has_lines "$T/c1.lines" 1
	printf 'def\nlast\n' >&4
	wait_for 5 has_lines "$T/c1.lines" 3
	diff <(printf 'first\nabcdef\nlast\n') "$T/c1.lines"
}

@test "a line longer than --max-line is cut there and reported" {
	serve_stdin --max-line 10
	client c1
	wait_for 5 connected 1
	printf '0123456789abcdef\nshort\n' >&4
	wait_for 5 has_lines "$T/c1.lines" 2
	diff <(printf '0123456789\nshort\n') "$T/c1.lines"
	grep -q '^weblog-serve: line cut at 10 bytes$' "$T/srv.err"
}

# ------------------------------------------------------------------ modes

# asker: connect in poll mode, ask once (expect <none/>), then wait for $T/go
# and ask again, printing each answer line, then ask a last time.
# epoch_is_E FILE: FILE with the epoch, which changes at each start, as E.
epoch_is_E() {
	sed -E 's/<hits epoch="[0-9]+"/<hits epoch="E"/' "$1"
}

asker() {
	cat >"$T/ask.py" <<'ASK'
import os, socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
f = s.makefile("rb")
n = int(sys.argv[3])
print(f.readline().decode().strip())
s.sendall(b"NEW?\n")
print("first:", f.readline().decode().strip(), flush=True)
while not os.path.exists(sys.argv[2]):
    time.sleep(0.01)
s.sendall(b"NEW?\n")
for i in range(n):
    print(f.readline().decode().strip())
s.sendall(b"NEW?\n")
print("last:", f.readline().decode().strip(), flush=True)
ASK
	start ask "$PY" "$T/ask.py" "$P" "$T/go" "$1" 4>&-
}

# probe N: a new client replays the last N hits (-r N): they are in.
probe() {
	"$PY" "$T/wsc.py" "$A" --hits "$1" --timeout 5 --out "$T/probe"
}

@test "poll mode answers each request with the hits since the last answer, or <none/>" {
	serve_stdin -m poll -r 3
	asker 3
	wait_for 5 grep -q '^first:' "$T/ask.out"
	seq_lines 1 3 >&4
	wait_for 5 probe 3
	touch "$T/go"
	wait_exit "$ask_pid"
	[ "$EXIT" -eq 0 ]
	cat >"$T/want" <<'OUT'
<hits epoch="E" heartbeat="15">
first: <none/>
<hit n="1"><line>line 1</line></hit>
<hit n="2"><line>line 2</line></hit>
<hit n="3"><line>line 3</line></hit>
last: <none/>
OUT
	epoch_is_E "$T/ask.out" | diff "$T/want" -
}

@test "a poll client that fell behind the history gets <dropped count> in place of the lost hits" {
	serve_stdin -m poll -k 2 -r 2
	asker 3
	wait_for 5 grep -q '^first:' "$T/ask.out"
	seq_lines 1 5 >&4
	wait_for 5 probe 2
	grep -q 'line 5' "$T/probe"
	touch "$T/go"
	wait_exit "$ask_pid"
	[ "$EXIT" -eq 0 ]
	cat >"$T/want" <<'OUT'
<hits epoch="E" heartbeat="15">
first: <none/>
<dropped count="3"/>
<hit n="4"><line>line 4</line></hit>
<hit n="5"><line>line 5</line></hit>
last: <none/>
OUT
	epoch_is_E "$T/ask.out" | diff "$T/want" -
}

@test "a poll request longer than 1024 bytes closes that connection and is logged" {
	serve_stdin -m poll
	local long
	long=$(printf '%02000d' 0)
	run "$PY" "$T/wsc.py" "$A" --send "$long" --timeout 5
	[ "$status" -eq 0 ]
	[ "$output" = "hits=0 dropped=0 none=0 end=0" ]
	grep -q "request line longer than 1024 bytes" "$T/srv.err"
	# Another client is served as before.
	run "$PY" "$T/wsc.py" "$A" --send 'NEW?\n' --nones 1 --timeout 5
	[ "$status" -eq 0 ]
	[ "$output" = "hits=0 dropped=0 none=1 end=0" ]
}

@test "--interval sends the hits in batches at that period" {
	serve_stdin -i 1
	client c1 --times "$T/times"
	wait_for 5 connected 1
	# Three lines at once (one write: seq_lines writes a line at a time,
	# which a tick may fall between) arrive in one batch; three more
	# written as soon as the first batch is seen wait for the next tick, a
	# period later.
	seq_lines 1 3 >"$T/first"
	seq_lines 4 6 >"$T/second"
	cat "$T/first" >&4
	wait_for 5 has_lines "$T/c1.lines" 3
	cat "$T/second" >&4
	wait_for 5 has_lines "$T/c1.lines" 6
	diff <(seq_lines 1 6) "$T/c1.lines"
	# Wide margins: a batch is one write (its hits microseconds apart);
	# the two batches are a 1 s period apart, checked as at least 0.5 s.
	"$PY" - "$T/times" <<'CHK'
import sys
t = [float(x) for x in open(sys.argv[1])]
print("times", t)
sys.exit(not (t[2] - t[0] < 0.1 and t[5] - t[3] < 0.1 and t[3] - t[2] > 0.5))
CHK
}

@test "--keep and --replay send the last hits to a new client, right after <hits>" {
	serve_stdin -k 5 -r 3
	client c1
	wait_for 5 connected 1
	seq_lines 1 10 >&4
	wait_for 5 has_lines "$T/c1.lines" 10
	run "$PY" "$T/wsc.py" "$A" --hits 3 --out "$T/c2.lines" --timeout 5
	[ "$status" -eq 0 ]
	diff <(seq_lines 8 10) "$T/c2.lines"
	stop_all
	# --replay past --keep replays what is kept.
	rm -f "$T/in"
	serve_stdin -k 2 -r 50
	client c3
	wait_for 5 connected 1
	seq_lines 1 4 >&4
	wait_for 5 has_lines "$T/c3.lines" 4
	run "$PY" "$T/wsc.py" "$A" --hits 2 --out "$T/c4.lines" --timeout 5
	diff <(seq_lines 3 4) "$T/c4.lines"
}

@test "past --max-clients a new connection is closed at once" {
	serve_stdin --max-clients 1
	client c1
	wait_for 5 connected 1
	run "$PY" "$T/wsc.py" "$A" --timeout 5
	[ "$status" -eq 0 ]
	[ "$output" = "hits=0 dropped=0 none=0 end=0" ]
	grep -q '^weblog-serve: refused 127.0.0.1:[0-9]*: too many clients$' "$T/srv.err"
	echo "still served" >&4
	wait_for 5 has_lines "$T/c1.lines" 1
}

@test "a client that never reads does not slow another, and every hit is delivered or counted" {
	"$PY" -c '
import sys
pad = "x" * 200
with open(sys.argv[1], "w") as f:
    for i in range(100000):
        f.write("10.0.0.%d - - [25/Nov/2026:10:00:00 +0000] \"GET /%d/%s HTTP/1.1\" 200 %d \"-\" \"bench\"\n" % (i % 250, i, pad, i))
' "$T/big"
	: >"$T/log"
	# --linger: time for the stalled client, once it reads, to take 16 MiB
	# through its 4 KiB window on a loaded machine.
	serve --linger 120 --max-queue 16777216 "$T/log"
	# "Not slowed" is against a reference: the same reader alone, on the
	# same server and machine (a fixed budget fails on a loaded machine or
	# under a sanitizer). A server that waited on the stalled client would
	# never finish; one that did work per queued hit would take many times
	# as long.
	local t0 alone beside
	client alone --fast 1 --hits 100000 --timeout 120
	wait_for 5 connected 1
	t0=$(date +%s%N)
	cat "$T/big" >>"$T/log"
	wait_exit "$alone_pid" 120
	[ "$EXIT" -eq 0 ]
	alone=$(( ($(date +%s%N) - t0) / 1000000 ))
	[ "$(cat "$T/alone.out")" = "hits=100000 dropped=0 none=0 end=0" ]
	start slow "$PY" "$T/wsc.py" "$A" 4>&- --fast 1 --stall "$T/go" --rcvbuf 4096 --timeout 300
	wait_for 5 connected 2
	client fast --fast 1 --hits 100000 --timeout 120
	wait_for 5 connected 3
	t0=$(date +%s%N)
	cat "$T/big" >>"$T/log"
	wait_exit "$fast_pid" 120
	[ "$EXIT" -eq 0 ]
	beside=$(( ($(date +%s%N) - t0) / 1000000 ))
	echo "fast reader: $(cat "$T/fast.out") in $beside ms; alone: $alone ms"
	[ "$(cat "$T/fast.out")" = "hits=100000 dropped=0 none=0 end=0" ]
	[ "$beside" -le $((4 * alone + 1000)) ]
	# The stalled client's memory is bounded: it is dropping.
	touch "$T/go"
	kill -TERM "$srv_pid"
	wait_exit "$slow_pid" 150
	cat "$T/slow.err"
	[ "$EXIT" -eq 0 ]
	local hits dropped
	read -r hits dropped <<<"$(sed -E 's/hits=([0-9]+) dropped=([0-9]+).*/\1 \2/' "$T/slow.out")"
	echo "stalled client: $hits delivered + $dropped dropped"
	grep -q 'end=1' "$T/slow.out"
	[ "$dropped" -gt 0 ]
	[ $((hits + dropped)) -eq 100000 ]
}

@test "--linger cuts off a client that does not read when the server stops" {
	"$PY" -c '
import sys
with open(sys.argv[1], "w") as f:
    for i in range(20000):
        f.write("line %d %s\n" % (i, "y" * 300))
' "$T/big"
	: >"$T/log"
	serve --linger 0.5 "$T/log"
	start slow "$PY" "$T/wsc.py" "$A" 4>&- --stall "$T/never" --rcvbuf 4096 --timeout 30
	wait_for 5 connected 1
	client probe --hits 20000 --fast 1 --timeout 60
	wait_for 5 connected 2
	cat "$T/big" >>"$T/log"
	# Once another client has every hit, the server has read them all:
	# the stalled one has far more waiting than its socket can take.
	wait_exit "$probe_pid" 60
	[ "$EXIT" -eq 0 ]
	local t0
	t0=$(date +%s%N)
	kill -TERM "$srv_pid"
	wait_exit "$srv_pid" 10
	[ "$EXIT" -eq 0 ]
	local ms=$(( ($(date +%s%N) - t0) / 1000000 ))
	echo "stopped in $ms ms"
	# It lingered, and no longer than needed: 0.5 s, with a 10x margin
	# for a loaded machine; without the cut-off the stalled client would
	# hold it for its whole 30 s.
	[ "$ms" -ge 500 ]
	[ "$ms" -lt 5000 ]
}

# ------------------------------------------------------- logging, stopping

@test "connects and disconnects are logged on stderr with the peer; -q silences them" {
	serve_stdin
	run "$PY" "$T/wsc.py" "$A" --hits 0 --timeout 5
	wait_for 5 grep -q '^weblog-serve: disconnect 127\.0\.0\.1:[0-9]*$' "$T/srv.err"
	grep -q '^weblog-serve: connect 127\.0\.0\.1:[0-9]*$' "$T/srv.err"
	stop_all
	rm -f "$T/in"
	serve_stdin -q
	run "$PY" "$T/wsc.py" "$A" --hits 0 --timeout 5
	echo x >&4
	exec 4>&-
	wait_exit "$srv_pid"
	[ "$EXIT" -eq 0 ]
	# Only where it listens, which the test waited for.
	[ "$(cat "$T/srv.err")" = "weblog-serve: listening on $A" ]
}

@test "SIGTERM and SIGINT end every stream with </hits> and exit 0" {
	local sig
	for sig in TERM INT; do
		: >"$T/log"
		serve "$T/log"
		client c1
		client c2
		wait_for 5 connected 2
		echo "before $sig" >>"$T/log"
		wait_for 5 has_lines "$T/c1.lines" 1
		kill -"$sig" "$srv_pid"
		wait_exit "$srv_pid"
		[ "$EXIT" -eq 0 ]
		wait_exit "$c1_pid"
		[ "$EXIT" -eq 0 ]
		wait_exit "$c2_pid"
		[ "$EXIT" -eq 0 ]
		[ "$(cat "$T/c2.out")" = "hits=1 dropped=0 none=0 end=1" ]
		rm -f "$T"/c?.lines "$T/srv.err"
	done
}

@test "a client that ends its input ends its stream" {
	serve_stdin
	half_close "$P" >"$T/half"
	[ "$(epoch_is_E "$T/half")" = "$(printf '<hits epoch="E" heartbeat="15">\n</hits>')" ]
}

# ------------------------------------------------------------------ FILE

@test "FILE is followed from its end; --from-start reads it all" {
	seq_lines 1 3 >"$T/log"
	serve "$T/log"
	client c1
	wait_for 5 connected 1
	seq_lines 4 5 >>"$T/log"
	wait_for 5 has_lines "$T/c1.lines" 2
	diff <(seq_lines 4 5) "$T/c1.lines"
	stop_all
	serve --from-start -r 10 "$T/log"
	run "$PY" "$T/wsc.py" "$A" --hits 5 --out "$T/c2.lines" --timeout 5
	diff <(seq_lines 1 5) "$T/c2.lines"
}

@test "appended lines are picked up at once, not at a slow poll" {
	: >"$T/log"
	serve "$T/log"
	client c1 --times "$T/times"
	wait_for 5 connected 1
	local i
	for i in 1 2 3 4 5; do
		"$PY" -c 'import sys, time
open(sys.argv[1], "a").write("%.6f\n" % time.monotonic())' "$T/log"
		wait_for 5 has_lines "$T/c1.lines" "$i"
	done
	"$PY" - "$T/c1.lines" "$T/times" <<'CHK'
import sys
sent = [float(x) for x in open(sys.argv[1])]
got = [float(x) for x in open(sys.argv[2])]
lags = sorted(g - s for s, g in zip(sent, got))
print("lags (ms):", " ".join("%.1f" % (x * 1000) for x in lags))
# The SPEC's 100 ms with a 5x margin for a loaded machine, taken over the
# median of five (one line's lag may be a descheduled writer's or
# reader's); a follower that waited a second or more would fail it.
sys.exit(lags[2] > 0.5)
CHK
}

@test "a missing FILE is waited for and read from its start when it appears" {
	serve "$T/later.log"
	client c1
	wait_for 5 connected 1
	grep -q 'later.log: No such file or directory; waiting for it' "$T/srv.err"
	seq_lines 1 2 >"$T/later.log"
	wait_for 5 has_lines "$T/c1.lines" 2
	diff <(seq_lines 1 2) "$T/c1.lines"
}

# writer N EVERY ACTION: append "line 1".."line N" to $T/log, one a
# millisecond, and at every EVERY-th line rotate it, or truncate it.
# ACTION=rename does what logrotate and nginx do: rename the log to
# log.K, create a new log, and while one writer already writes to the new
# file (once the reader has its first line), the others, not yet told to
# reopen, still write three lines to log.K through the descriptor they
# opened before the rename. ACTION=truncate truncates once the reader has
# everything, as copytruncate does after its copy, and writes on once the
# server says it saw the truncation. Which file each line went to is
# written to $T/manifest ("N K", K 0 for the first file).
writer() {
	"$PY" - "$T/log" "$1" "$2" "$3" "$T/c1.lines" "$T/manifest" \
	    "$T/srv.err" <<'W'
import os, sys, time
path, n, every, action, seen, manifest, err = sys.argv[1], \
    int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5], \
    sys.argv[6], sys.argv[7]
man = open(manifest, "w", buffering=1)

def received(count):
    deadline = time.time() + 10
    while time.time() < deadline:
        try:
            if sum(1 for _ in open(seen)) >= count:
                return
        except OSError:
            pass
        time.sleep(0.005)

i = 0
def emit(f, k):
    global i
    i += 1
    f.write("line %d\n" % i)
    man.write("%d %d\n" % (i, k))
    time.sleep(0.001)

f = open(path, "a", buffering=1)
rot = truncations = 0
while i < n:
    emit(f, rot)
    if i % every == 0 and n - i > 4:
        if action == "rename":
            rot += 1
            os.rename(path, "%s.%d" % (path, rot))
            g = open(path, "a", buffering=1)
            emit(g, rot)            # a writer that reopened
            received(i)
            for _ in range(3):      # the others, still on the old file
                emit(f, rot - 1)
            f.close()
            f = g
        else:
            received(i)
            os.truncate(path, 0)
            # Wait until the server has seen it: lines written before it
            # looks again could make the file as long as it was.
            truncations += 1
            deadline = time.time() + 10
            while time.time() < deadline:
                with open(err) as e:
                    said = e.read().count("truncated; reading from its start")
                if said >= truncations:
                    break
                time.sleep(0.005)
W
}

# in_order LINES: each line of $T/manifest arrived once, and the lines of
# each file in the order written.
in_order() {
	"$PY" - "$T/manifest" "$1" <<'CHK'
import sys
where = dict(map(int, l.split()) for l in open(sys.argv[1]))
got = [int(l.split()[1]) for l in open(sys.argv[2])]
last = {}
for n in got:
    k = where[n]
    if n <= last.get(k, 0):
        sys.exit("line %d out of order in file %d" % (n, k))
    last[k] = n
if sorted(got) != sorted(where):
    sys.exit("got %d lines, %d distinct, of %d" % (len(got), len(set(got)), len(where)))
CHK
}

@test "rotation by rename and re-create under steady writes loses and repeats no line" {
	: >"$T/log"
	serve "$T/log"
	client c1
	wait_for 5 connected 1
	writer 1500 400 rename
	wait_for 10 has_lines "$T/c1.lines" 1500
	in_order "$T/c1.lines"
	grep -q 'replaced; following the new file' "$T/srv.err"
}

@test "--rotate-wait: the renamed file is read for the wait, then left" {
	: >"$T/log"
	serve --rotate-wait 1 "$T/log"
	client c1
	wait_for 5 connected 1
	exec 5>>"$T/log"	# a writer that is told to reopen late
	echo "old 1" >&5
	wait_for 5 has_lines "$T/c1.lines" 1
	mv "$T/log" "$T/log.1"
	echo "new 1" >"$T/log"
	wait_for 5 has_lines "$T/c1.lines" 2
	echo "old 2" >&5
	echo "new 2" >>"$T/log"
	wait_for 5 has_lines "$T/c1.lines" 4
	wait_for 5 grep -q 'replaced; following the new file' "$T/srv.err"
	echo "old 3" >&5	# after the wait: not read
	echo "new 3" >>"$T/log"
	wait_for 5 has_lines "$T/c1.lines" 5
	exec 5>&-
	printf 'old 1\nnew 1\nold 2\nnew 2\nnew 3\n' | diff - "$T/c1.lines"
	run "$BIN/weblog-serve" --rotate-wait -1
	[ "$status" -eq 2 ]
	[ "${#lines[@]}" -eq 1 ]
	[[ "$output" == "weblog-serve: --rotate-wait -1: "* ]]
}

@test "truncation under steady writes loses and repeats no line" {
	: >"$T/log"
	serve "$T/log"
	client c1
	wait_for 5 connected 1
	writer 1500 400 truncate
	wait_for 10 has_lines "$T/c1.lines" 1500
	diff <(seq_lines 1 1500) "$T/c1.lines"
	grep -q 'truncated; reading from its start' "$T/srv.err"
}

# ------------------------------------------------------ running as a service

@test "the listening line gives the real port for port 0, also with -q" {
	echo hello >"$T/log"
	start srv "$BIN/weblog-serve" -q -l 127.0.0.1:0 --from-start -r 1 \
	    "$T/log"
	P=$(listening srv)
	[ -n "$P" ]
	[ "$(cat "$T/srv.err")" = "weblog-serve: listening on 127.0.0.1:$P" ]
	A=127.0.0.1:$P
	client c1 --hits 1
	wait_exit "$c1_pid"
	[ "$EXIT" -eq 0 ]
	[ "$(cat "$T/c1.lines")" = hello ]
}

@test "-d exits 0 once it serves, printing where, and the port answers at once" {
	echo hello >"$T/log"
	cd "$T"
	run "$BIN/weblog-serve" -d -l 127.0.0.1:0 --from-start -r 1 \
	    --pidfile web.pid log
	[ "$status" -eq 0 ]
	[[ "$output" =~ ^weblog-serve:\ listening\ on\ 127\.0\.0\.1:([0-9]+)$ ]]
	P=${BASH_REMATCH[1]}
	A=127.0.0.1:$P
	pid=$(cat web.pid)
	STARTED="$STARTED $pid"
	# Serving already, and its relative FILE was made absolute before it
	# left for /: the replayed hit comes at once.
	run "$PY" "$T/wsc.py" "$A" --hits 1 --timeout 5 --out "$T/c1.lines"
	[ "$status" -eq 0 ]
	[ "$(cat "$T/c1.lines")" = hello ]
	kill -TERM "$pid"
	wait_for 5 eval '! kill -0 '"$pid"' 2>/dev/null'
	[ ! -e web.pid ]
}

@test "--pidfile is written and locked while it runs, a live one is refused, a stale one replaced, and it is removed at exit" {
	: >"$T/log"
	serve --pidfile "$T/web.pid" "$T/log"
	[ "$(cat "$T/web.pid")" = "$srv_pid" ]
	! "$PY" -c 'import fcntl, sys
fcntl.lockf(open(sys.argv[1], "r+"), fcntl.LOCK_EX | fcntl.LOCK_NB)' "$T/web.pid"
	run "$BIN/weblog-serve" -l "$(free_port)" --pidfile "$T/web.pid" "$T/log"
	[ "$status" -eq 1 ]
	[ "$output" = "weblog-serve: $T/web.pid is in use by pid $srv_pid" ]
	kill -KILL "$srv_pid"
	wait_exit "$srv_pid" || true
	[ -e "$T/web.pid" ]	# left by kill -9: stale, nobody holds its lock
	serve --pidfile "$T/web.pid" "$T/log"
	[ "$(cat "$T/web.pid")" = "$srv_pid" ]
	kill -TERM "$srv_pid"
	wait_exit "$srv_pid"
	[ "$EXIT" -eq 0 ]
	[ ! -e "$T/web.pid" ]
}

@test "--logfile lines carry an ISO 8601 time stamp, and SIGHUP reopens the file without stopping the server" {
	: >"$T/log"
	serve --logfile "$T/web.log" "$T/log"
	wait_for 5 stamped "weblog-serve: listening on $A" "$T/web.log"
	port_open "$P"	# a client, so the log has a connect line
	wait_for 5 stamped "weblog-serve: connect 127\.0\.0\.1:[0-9]+" "$T/web.log"
	mv "$T/web.log" "$T/web.log.1"
	kill -HUP "$srv_pid"
	wait_for 5 stamped "weblog-serve: log reopened" "$T/web.log"
	client c1 --hits 1
	wait_for 5 stamped "weblog-serve: connect 127\.0\.0\.1:[0-9]+" "$T/web.log"
	! grep -q "log reopened" "$T/web.log.1"
	echo hello >>"$T/log"
	wait_for 5 has_lines "$T/c1.lines" 1
	kill -0 "$srv_pid"
	[ ! -s "$T/srv.err" ]
}

@test "SIGHUP never stops weblog-serve, with no log file too" {
	: >"$T/log"
	serve "$T/log"
	kill -HUP "$srv_pid"
	kill -HUP "$srv_pid"
	client c1 --hits 1
	wait_for 5 connected 1
	echo hello >>"$T/log"
	wait_for 5 has_lines "$T/c1.lines" 1
	kill -0 "$srv_pid"
}

@test "a log nobody reads does not stop the server, and the lost lines are counted once it is read" {
	echo hello >"$T/log"
	# Its stderr is the pipe nobody reads, so it cannot say its port:
	# this test picks one.
	P=$(free_port)
	A=127.0.0.1:$P
	start_unread srv "$BIN/weblog-serve" -l "$A" --from-start -r 1 "$T/log"
	wait_port "$P"
	flood_connects "$P" 6000
	# Still serving: the replayed hit comes at once.
	run "$PY" "$T/wsc.py" "$A" --hits 1 --timeout 5 --out "$T/c1.lines"
	[ "$status" -eq 0 ]
	[ "$(cat "$T/c1.lines")" = hello ]
	drain_unread weblog-serve
	kill -0 "$srv_pid"
}

# -------------------------------------------------------------- addresses

@test "IPv6 and Unix-domain addresses" {
	need_ipv6
	: >"$T/log"
	start v6 "$BIN/weblog-serve" -l "[::1]:0" "$T/log"
	start ux "$BIN/weblog-serve" -l "unix:$T/sock" "$T/log"
	P=$(listening v6)
	grep -q "^weblog-serve: listening on \[::1\]:$P$" "$T/v6.err"
	wait_for 5 grep -q "^weblog-serve: listening on unix:$T/sock$" "$T/ux.err"
	start c6 "$PY" "$T/wsc.py" "[::1]:$P" --out "$T/c6.lines"
	start cu "$PY" "$T/wsc.py" "unix:$T/sock" --out "$T/cu.lines"
	wait_for 5 grep -q '^weblog-serve: connect \[::1\]:' "$T/v6.err"
	wait_for 5 grep -q "^weblog-serve: connect unix:$T/sock" "$T/ux.err"
	echo "hello" >>"$T/log"
	wait_for 5 has_lines "$T/c6.lines" 1
	wait_for 5 has_lines "$T/cu.lines" 1
	[ "$(cat "$T/c6.lines")" = hello ]
	[ "$(cat "$T/cu.lines")" = hello ]
	kill -TERM "$ux_pid"
	wait_exit "$ux_pid"
	[ ! -e "$T/sock" ]
}

@test "FILE - is standard input" {
	serve_stdin -
	client c1
	wait_for 5 connected 1
	seq_lines 1 2 >&4
	wait_for 5 has_lines "$T/c1.lines" 2
	exec 4>&-
	wait_exit "$srv_pid"
	[ "$EXIT" -eq 0 ]
	diff <(seq_lines 1 2) "$T/c1.lines"
}

# stalled_run MAX_QUEUE: 40,000 hits (16 MB) to a client that reads
# nothing until they are all sent out; its summary in $T/slow.out.
stalled_run() {
	: >"$T/log"
	rm -f "$T/go" "$T"/*.lines
	# --linger: time for the stalled client, once it reads, to take all it
	# has waiting through its 4 KiB window on a loaded machine.
	serve --linger 120 --max-queue "$1" "$T/log"
	start slow "$PY" "$T/wsc.py" "$A" --fast 1 --stall "$T/go" --rcvbuf 4096 --timeout 300
	wait_for 5 connected 1
	client fast --fast 1 --hits 40000 --timeout 30
	wait_for 5 connected 2
	cat "$T/big" >>"$T/log"
	wait_exit "$fast_pid" 30
	[ "$EXIT" -eq 0 ]
	touch "$T/go"
	kill -TERM "$srv_pid"
	wait_exit "$slow_pid" 150
	[ "$EXIT" -eq 0 ]
	wait_exit "$srv_pid"
	echo "--max-queue $1: $(cat "$T/slow.out")"
}

@test "--max-queue sets how much a stalled client may have waiting before its oldest hits are dropped" {
	"$PY" -c '
import sys
with open(sys.argv[1], "w") as f:
    for i in range(40000):
        f.write("line %d %s\n" % (i, "q" * 380))
' "$T/big"
	stalled_run 67108864
	[ "$(cat "$T/slow.out")" = "hits=40000 dropped=0 none=0 end=1" ]
	stalled_run 100000
	local hits dropped
	read -r hits dropped <<<"$(sed -E 's/hits=([0-9]+) dropped=([0-9]+).*/\1 \2/' "$T/slow.out")"
	grep -q 'end=1' "$T/slow.out"
	[ "$dropped" -gt 0 ]
	[ $((hits + dropped)) -eq 40000 ]
}

@test "clients that vanish with hits unread never stop the server" {
	serve_stdin
	client c1
	wait_for 5 connected 1
	"$PY" - "$P" "$T/ready" "$T/go" <<'VANISH' &
import os, socket, struct, sys, time
socks = []
for _ in range(10):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.connect(("127.0.0.1", int(sys.argv[1])))
    s.recv(7)
    socks.append(s)
open(sys.argv[2], "w").close()
while not os.path.exists(sys.argv[3]):
    time.sleep(0.01)
for s in socks:
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    s.close()
VANISH
	local vanish=$!
	wait_for 5 test -e "$T/ready"
	wait_for 5 connected 11
	seq_lines 1 2000 >&4
	wait_for 5 has_lines "$T/c1.lines" 2000
	touch "$T/go"
	wait "$vanish"
	wait_for 5 eval '[ "$(grep -c "^weblog-serve: disconnect " "$T/srv.err")" -ge 10 ]'
	seq_lines 2001 4000 >&4
	wait_for 5 has_lines "$T/c1.lines" 4000
	kill -0 "$srv_pid"
	diff <(seq_lines 1 4000) "$T/c1.lines"
}

@test "the usage matches the man page's synopsis" {
	usage_is_synopsis weblog-serve
}

# ------------------------------------------------------------ --help


@test "--help is the usage, then one option a line, within 80 columns" {
	help_layout "$BIN/weblog-serve"
}

# ------------------------------------------------------------ bad options


@test "a bad option is one line naming it, then the usage, and exit 2" {
	local p="$BIN/weblog-serve"

	bad_option "weblog-serve: unknown option: --bogus" "$p" --bogus
	bad_option "weblog-serve: unknown option: --bogus" "$p" --bogus=1
	bad_option "weblog-serve: unknown option: -x" "$p" -x
	bad_option "weblog-serve: unknown option: -x" "$p" -qx
	bad_option "weblog-serve: unknown option: -x" "$p" -xq
	bad_option "weblog-serve: unknown option: -x" "$p" --from-start -xq
	bad_option "weblog-serve: option requires an argument: -l" "$p" -l
	bad_option "weblog-serve: option requires an argument: --listen" "$p" --listen
	bad_option "weblog-serve: option takes no argument: --quiet" "$p" --quiet=yes
	bad_option "weblog-serve: ambiguous option: --max" "$p" --max 1
}

# raw SEND N: connect to $P, send SEND (a line, "" for nothing), print the
# first N lines the server sends (the start tag first), the epoch as E.
raw() {
	"$PY" - "$P" "$1" "$2" <<'RAW' | sed -E 's/<hits epoch="[0-9]+"/<hits epoch="E"/'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10)
if sys.argv[2]:
    s.sendall(sys.argv[2].encode() + b"\n")
f = s.makefile("rb")
for _ in range(int(sys.argv[3])):
    sys.stdout.write(f.readline().decode())
RAW
}

# the_epoch: this server's epoch, from a new client's start tag.
the_epoch() {
	"$PY" - "$P" <<'EP'
import re, socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10)
s.sendall(b"RESUME 0 0\n")
print(re.match(rb'<hits epoch="(\d+)"', s.makefile("rb").readline()).group(1).decode())
EP
}

@test "each hit carries its number; RESUME in this epoch sends what came after, with <dropped> for what is gone" {
	serve_stdin -k 5 -r 1
	local e
	e=$(the_epoch)
	seq_lines 1 10 >&4
	client c1 --hits 1 --send "RESUME $e 9\n"
	wait_exit "$c1_pid"
	[ "$(cat "$T/c1.lines")" = "line 10" ]
	# After 3: 4 and 5 are gone from the 5 kept, 6 to 10 come.
	raw "RESUME $e 3" 7 >"$T/r3"
	cat >"$T/want" <<'OUT'
<hits epoch="E" heartbeat="15">
<dropped count="2"/>
<hit n="6"><line>line 6</line></hit>
<hit n="7"><line>line 7</line></hit>
<hit n="8"><line>line 8</line></hit>
<hit n="9"><line>line 9</line></hit>
<hit n="10"><line>line 10</line></hit>
OUT
	diff "$T/want" "$T/r3"
	# Another epoch, or another first line: a new client (-r 1, then live).
	raw "RESUME 1 3" 2 | tail -n 1 >"$T/other"
	raw "hello" 2 | tail -n 1 >>"$T/other"
	raw "" 2 | tail -n 1 >>"$T/other"
	[ "$(sort -u "$T/other")" = '<hit n="10"><line>line 10</line></hit>' ]
	[ "$(wc -l <"$T/other")" -eq 3 ]
	# Up to date: nothing until the next hit, which is live.
	start up "$PY" "$T/wsc.py" "$A" --hits 1 --send "RESUME $e 10\n" --raw "$T/up.raw" --out "$T/up.lines" 4>&-
	wait_for 5 connected 7
	echo "line 11" >&4
	wait_exit "$up_pid"
	[ "$(cat "$T/up.lines")" = "line 11" ]
	[ "$(grep -c '<hit ' "$T/up.raw")" -eq 1 ]
}

@test "raw clients opening together: one gone, one resumed in pieces, the others new after the wait" {
	serve_stdin -k 5 -r 3
	local e
	e=$(the_epoch)
	seq_lines 1 3 >&4
	wait_for 5 probe 3
	# Four wait together for RESUME; the second goes, the fourth sends
	# its RESUME in two pieces; the first and third open as new (-r 3).
	"$PY" - "$P" "$e" >"$T/got" <<'OPENING'
import socket, sys, time
port, e = int(sys.argv[1]), sys.argv[2]
a, b, c, d = [socket.create_connection(("127.0.0.1", port), timeout=10)
              for _ in range(4)]
d.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
b.close()
d.sendall(("RESUME %s" % e).encode())
time.sleep(0.05)
d.sendall(b" 1\n")
for name, s, n in (("a", a, 4), ("c", c, 4), ("d", d, 3)):
    f = s.makefile("rb")
    for _ in range(n):
        print(name, f.readline().decode().rstrip("\n"))
OPENING
	sed -i -E 's/<hits epoch="[0-9]+"/<hits epoch="E"/' "$T/got"
	cat >"$T/want" <<'OUT'
a <hits epoch="E" heartbeat="15">
a <hit n="1"><line>line 1</line></hit>
a <hit n="2"><line>line 2</line></hit>
a <hit n="3"><line>line 3</line></hit>
c <hits epoch="E" heartbeat="15">
c <hit n="1"><line>line 1</line></hit>
c <hit n="2"><line>line 2</line></hit>
c <hit n="3"><line>line 3</line></hit>
d <hits epoch="E" heartbeat="15">
d <hit n="2"><line>line 2</line></hit>
d <hit n="3"><line>line 3</line></hit>
OUT
	diff "$T/want" "$T/got"
}

@test "a client that sends nothing gets its replay, then live hits, in order" {
	serve_stdin -r 2
	seq_lines 1 3 >&4
	wait_for 5 probe 2
	client quiet --silent 1 --hits 4
	wait_for 5 connected 2
	seq_lines 4 5 >&4
	wait_exit "$quiet_pid"
	[ "$EXIT" -eq 0 ]
	diff <(seq_lines 2 5) "$T/quiet.lines"
}

@test "--heartbeat sends a newline to a client that was sent nothing" {
	serve_stdin --heartbeat 0.2
	raw "RESUME 0 0" 3 >"$T/beats"
	[ "$(head -n 1 "$T/beats")" = '<hits epoch="E" heartbeat="0.2">' ]
	[ "$(tail -n 2 "$T/beats" | tr -d '\n')" = "" ]
	run "$BIN/weblog-serve" --heartbeat 0.001
	[ "$status" -eq 2 ]
}

# reconnected N: weblog-client (wc) has reconnected N times.
reconnected() {
	[ "$(grep -c 'reconnecting in' "$T/wc.err")" -ge "$1" ]
}

@test "weblog-client --reconnect loses and repeats nothing when its connection drops, also with -r" {
	serve_stdin -k 1000 -r 5
	cat >"$T/cut.py" <<'CUT'
# cut.py LISTEN_PORT TARGET_PORT: forward connections; SIGUSR1 cuts them all.
import signal, socket, sys, threading
ls = socket.socket()
ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
ls.bind(("127.0.0.1", 0))
ls.listen(8)
print(ls.getsockname()[1], flush=True)
conns = []
def pipe(a, b):
    try:
        while True:
            d = a.recv(65536)
            if not d:
                break
            b.sendall(d)
    except OSError:
        pass
    for s in (a, b):
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
def cut(*_):
    for s in list(conns):
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
    conns.clear()
signal.signal(signal.SIGUSR1, cut)
while True:
    c, _ = ls.accept()
    u = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
    conns.extend([c, u])
    threading.Thread(target=pipe, args=(c, u), daemon=True).start()
    threading.Thread(target=pipe, args=(u, c), daemon=True).start()
CUT
	start cut "$PY" "$T/cut.py" "$P"
	wait_for 5 test -s "$T/cut.out"
	local via
	via=$(head -n 1 "$T/cut.out")
	seq_lines 1 7 >&4
	wait_for 5 probe 5
	start wc "$BIN/weblog-client" --reconnect "127.0.0.1:$via"
	wait_for 5 has_lines "$T/wc.out" 5
	seq_lines 8 20 >&4
	wait_for 5 has_lines "$T/wc.out" 18
	for round in 1 2 3; do
		kill -USR1 "$cut_pid"
		# Hits that come while it is away are sent when it is back.
		seq_lines $((21 + (round - 1) * 10)) $((30 + (round - 1) * 10)) >&4
		wait_for 10 reconnected $round
		wait_for 10 has_lines "$T/wc.out" $((18 + round * 10))
	done
	diff <(seq_lines 3 50) "$T/wc.out"
}

@test "with --linger 30 the server exits at once when a client that has everything keeps its socket open" {
	serve_stdin --linger 30
	# Reads the whole stream to EOF, saves it, and never closes.
	start held "$PY" -c '
import os, signal, socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
data = b""
while True:
    chunk = s.recv(65536)
    if not chunk:
        break
    data += chunk
with open(sys.argv[2] + ".tmp", "wb") as f:
    f.write(data)
os.rename(sys.argv[2] + ".tmp", sys.argv[2])
signal.pause()
' "$P" "$T/held.data" 4>&-
	wait_for 5 connected 1
	printf 'one\n' >&4
	local t0
	t0=$(date +%s%N)
	exec 4>&-
	wait_for 10 test -f "$T/held.data"
	grep -q '</hits>' "$T/held.data"
	wait_exit "$srv_pid" 10
	[ "$EXIT" -eq 0 ]
	local ms=$(( ($(date +%s%N) - t0) / 1000000 ))
	echo "exited in $ms ms"
	[ "$ms" -lt 10000 ]
	kill -0 "$held_pid"	# the client still holds its socket
}
