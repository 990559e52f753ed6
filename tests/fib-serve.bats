#!/usr/bin/env bats
# fib-serve: distinct Fibonacci numbers for every client, across clean
# restarts and kill -9; the reservation, the lock, the daemon, backpressure.
# Numbers are checked with Python's own integers (tests/fibc.py).

load helper
load fib

suite_setup() {
	STATE=$T/fib.state
}

@test "the first 2,000 numbers match Python's arithmetic" {
	init_state
	serve -q
	fibc get "$PORT" 2000 >"$T/got"
	[ "$(wc -l <"$T/got")" -eq 2000 ]
	# a = b = 1: the first number served is F(3).
	fibc check 3 <"$T/got"
}

@test "content before a newline is ignored and never answered on its own" {
	init_state
	serve -q
	run half_close "$PORT" $'what is the next number?\nand without a newline'
	[ "$status" -eq 0 ]
	[ "$output" = "2" ]
}

@test "20 clients pipelining at once get one contiguous run with no repeat" {
	init_state
	serve -q --reserve 100
	fibc many "$PORT" 20 300 16 >"$T/got"
	fibc distinct 3 6000 <"$T/got"
}

@test "a clean restart skips nothing" {
	init_state
	serve -q
	fibc get "$PORT" 150 >"$T/got"
	kill -TERM "$srv_pid"
	wait_exit "$srv_pid"
	[ "$EXIT" -eq 0 ]
	[ "$(state_key served)" = 150 ]
	[ "$(state_key reserve)" = 0 ]
	serve -q
	fibc get "$PORT" 150 >>"$T/got"
	fibc check 3 <"$T/got"
}

@test "temporary files left by a writer killed mid-write are removed at start" {
	init_state
	echo partial >"$STATE.tmp.12345"
	echo keep >"$STATE.tmp.notapid"
	echo keep >"$T/other.tmp.12345"
	serve -q
	[ ! -e "$STATE.tmp.12345" ]
	[ -e "$STATE.tmp.notapid" ]
	[ -e "$T/other.tmp.12345" ]
	fibc get "$PORT" 3 | fibc check 3
}

@test "SIGINT stops as cleanly as SIGTERM" {
	init_state
	serve -q
	fibc get "$PORT" 10 >/dev/null
	kill -INT "$srv_pid"
	wait_exit "$srv_pid"
	[ "$EXIT" -eq 0 ]
	[ "$(state_key served)" = 10 ]
	[ "$(state_key reserve)" = 0 ]
}

@test "100 rounds of start, load and kill -9 never serve a number twice nor skip more than the reservation" {
	init_state
	run fibc chaos "$BIN/fib-serve" "$T" 100 20
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"none twice"* ]]
}

@test "a crash skips at most the reservation, counted from the file" {
	init_state
	serve -q --reserve 50
	fibc get "$PORT" 30 >"$T/got"
	# At half the first range, the next was reserved: 25 + 50.
	wait_for 5 eval '[ "$(state_key served)" = 25 ]'
	kill -KILL "$srv_pid"
	wait_exit "$srv_pid" || true
	[ "$(state_key reserve)" = 50 ]
	serve -q --reserve 50
	fibc get "$PORT" 1 >"$T/next"
	# 30 served from F(3), the restart skips to 25 + 50: F(78), 45 lost.
	[ "$(cat "$T/next")" = "$(fibc fib 78)" ]
}

@test "a large reserve left by a crash is skipped by fast doubling" {
	init_state
	"$BIN/fib-snapshot" set "$STATE" reserve=200000
	serve -q
	[ "$(state_key served)" = 200000 ]
	fibc get "$PORT" 1 >"$T/next"
	[ "$(cat "$T/next")" = "$(fibc fib 200003)" ]
}

@test "the file is kept at most --reserve numbers behind, written ahead of need" {
	init_state
	serve -q --reserve 100
	fibc get "$PORT" 60 >/dev/null
	# Past half the range, the next reservation covers 50 + 100.
	wait_for 5 eval '[ "$(state_key served)" = 50 ]'
	[ "$(state_key reserve)" = 100 ]
}

@test "a failed write stops serving at the reservation, says why, and resumes" {
	init_state
	serve --reserve 10
	# A directory where the temporary file must go: every write fails.
	mkdir "$STATE.tmp.$srv_pid"
	$PY "$FIBC" get "$PORT" 30 >"$T/got" 2>"$T/client.err" &
	client=$!
	wait_for 5 log_has "cannot write $STATE: Is a directory; serving stops at 10"
	wait_for 5 eval '[ "$(wc -l <"$T/got")" -eq 10 ]'
	[ "$(state_key served)" = 0 ]
	kill -0 "$client"	# still waiting for its last 20
	rmdir "$STATE.tmp.$srv_pid"
	wait_for 10 log_has "serving resumes"
	wait_exit "$client"
	[ "$EXIT" -eq 0 ]
	fibc check 3 <"$T/got"
	[ "$(wc -l <"$T/got")" -eq 30 ]
}

@test "SIGTERM answers every request already read, then writes the exact position" {
	init_state --index 20000
	serve -q
	# 400 numbers of 4,180 digits: far more than 1 MiB stays pending.
	run $PY -c '
import os, signal, socket, sys
sys.set_int_max_str_digits(0)
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)
s.sendall(b"\n" * 400)
buf = s.recv(10)
os.kill(int(sys.argv[2]), signal.SIGTERM)
while True:
    chunk = s.recv(1 << 20)
    if not chunk:
        break
    buf += chunk
print(buf.count(b"\n"))' "$PORT" "$srv_pid"
	[ "$status" -eq 0 ]
	[ "$output" = 400 ]
	wait_exit "$srv_pid"
	[ "$EXIT" -eq 0 ]
	[ "$(state_key served)" = 400 ]
	[ "$(state_key reserve)" = 0 ]
}

@test "a client that does not read is not served past about 1 MiB, and others still are" {
	init_state --index 20000
	serve -q --reserve 100000
	# 3,000 answers of 4,180 digits: 12 MiB if they were all queued. The
	# kernel holds up to 4 MiB more (send buffer) beyond the server's 1 MiB.
	run fibc slow "$PORT" 20002 3000
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" -gt 100 ]
	[ "${lines[0]}" -lt 1500 ]
}

@test "a client that sends megabytes without a newline costs the server nothing" {
	init_state
	serve -q
	rss() { awk '/VmRSS/ { print $2 }' "/proc/$srv_pid/status"; }
	before=$(rss)
	run $PY -c '
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
junk = b"x" * (1 << 20)
for _ in range(64):
    s.sendall(junk)
s.sendall(b"\n")
print(s.recv(100).decode().strip())' "$PORT"
	[ "$status" -eq 0 ]
	[ "$output" = 2 ]
	after=$(rss)
	echo "RSS $before kB -> $after kB"
	[ $((after - before)) -lt 8192 ]
}

@test "a second server on the same state file is refused, naming the first one's pid" {
	init_state
	serve -q
	run "$BIN/fib-serve" -s "$STATE" -l 127.0.0.1:0
	[ "$status" -eq 1 ]
	[ "$output" = "fib-serve: $STATE is in use by pid $srv_pid" ]
}

@test "a missing state file is an error that suggests fib-snapshot init" {
	run "$BIN/fib-serve" -s "$T/none.state" -l 127.0.0.1:0
	[ "$status" -eq 1 ]
	[ "$output" = "fib-serve: $T/none.state: No such file or directory (create it with: fib-snapshot init $T/none.state)" ]
	[ ! -e "$T/none.state" ]
}

@test "a missing state file creates nothing, not even STATE.lock" {
	run "$BIN/fib-serve" -s "$T/none.state" -l 127.0.0.1:0
	[ "$status" -eq 1 ]
	[[ "$output" == *"fib-snapshot init $T/none.state"* ]]
	[ ! -e "$T/none.state" ]
	[ ! -e "$T/none.state.lock" ]
	[ -z "$(ls -A "$T")" ]
}

@test "a state file in a missing directory suggests fib-snapshot init, creating nothing" {
	run "$BIN/fib-serve" -s "$T/nodir/x.state" -l 127.0.0.1:0
	[ "$status" -eq 1 ]
	[ "$output" = "fib-serve: $T/nodir/x.state: No such file or directory (create it with: fib-snapshot init $T/nodir/x.state)" ]
	[ ! -e "$T/nodir" ]
	[ -z "$(ls -A "$T")" ]
}

@test "a defective state file is refused with FILE:LINE: reason and left untouched" {
	printf 'fib-state 1\na 1\nb 1\nserved 0\nreserve 0\nspeed fast\n' >"$STATE"
	sum=$(cksum <"$STATE")
	run "$BIN/fib-serve" -s "$STATE" -l 127.0.0.1:0
	[ "$status" -eq 1 ]
	[ "$output" = "fib-serve: $STATE:6: unknown key 'speed'" ]
	[ "$(cksum <"$STATE")" = "$sum" ]
}

@test "an address in use or unparsable exits 1 naming it, and costs no reservation" {
	init_state
	serve -q
	cp "$STATE" "$T/other.state"
	run "$BIN/fib-serve" -s "$T/other.state" -l "$PORT"
	[ "$status" -eq 1 ]
	[ "$output" = "fib-serve: cannot listen on $PORT: Address already in use" ]
	[ "$(sed -n 's/^served //p' "$T/other.state")" = 0 ]
	[ "$(sed -n 's/^reserve //p' "$T/other.state")" = 1000 ]
	run "$BIN/fib-serve" -s "$T/other.state" -l 127.0.0.1:99999
	[ "$status" -eq 1 ]
	[[ "$output" == "fib-serve: cannot listen on 127.0.0.1:99999: "* ]]
}

@test "the state's listen key is the default address, and a Unix socket works" {
	init_state --listen "unix:$T/fib.sock"
	start srv "$BIN/fib-serve" -q -s "$STATE"
	[ "$(listening srv)" = "unix:$T/fib.sock" ]
	[ "$(fibc get "unix:$T/fib.sock" 3 | tr '\n' ' ')" = "2 3 5 " ]
}

@test "the daemon exits 0 once it listens, keeps a pidfile, and stops on kill \$(cat fib.pid)" {
	init_state
	cd "$T"
	run "$BIN/fib-serve" -d -s fib.state -l 127.0.0.1:0 --pidfile fib.pid \
	    --logfile fib.log
	[ "$status" -eq 0 ]
	[[ "$output" =~ ^fib-serve:\ listening\ on\ 127\.0\.0\.1:([0-9]+)$ ]]
	PORT=${BASH_REMATCH[1]}
	pid=$(cat fib.pid)
	STARTED="$STARTED $pid"
	# Listening already: no waiting on the port. The log says so too.
	[ "$(fibc get "$PORT" 3 | tr '\n' ' ')" = "2 3 5 " ]
	log_has "listening on 127\.0\.0\.1:$PORT\$" fib.log
	kill "$(cat fib.pid)"
	wait_for 5 eval '! kill -0 '"$pid"' 2>/dev/null'
	[ ! -e fib.pid ]
	[ "$(state_key served)" = 3 ]
	[ "$(state_key reserve)" = 0 ]
	# Started again, it goes on where it left off.
	run "$BIN/fib-serve" -d -s fib.state -l 127.0.0.1:0 --pidfile fib.pid
	[ "$status" -eq 0 ]
	STARTED="$STARTED $(cat fib.pid)"
	[[ "$output" =~ ^fib-serve:\ listening\ on\ 127\.0\.0\.1:([0-9]+)$ ]]
	PORT=${BASH_REMATCH[1]}
	[ "$(fibc get "$PORT" 1)" = 8 ]
}

@test "a daemon keeps relative paths relative to where it started, a Unix socket's too" {
	init_state --listen unix:fib.sock
	cd "$T"
	"$BIN/fib-serve" -d -q -s fib.state --pidfile fib.pid
	STARTED="$STARTED $(cat fib.pid)"
	[ -S "$T/fib.sock" ]
	[ "$(fibc get "unix:$T/fib.sock" 2 | tr '\n' ' ')" = "2 3 " ]
	kill "$(cat fib.pid)"
	wait_for 5 eval '[ ! -e "$T/fib.sock" ] && [ ! -e fib.pid ]'
	[ "$(state_key served)" = 2 ]
}

@test "a daemon that cannot start exits 1 with the child's error" {
	init_state
	serve -q
	cp "$STATE" "$T/other.state"
	run "$BIN/fib-serve" -d -s "$T/other.state" -l "$PORT"
	[ "$status" -eq 1 ]
	[ "$output" = "fib-serve: cannot listen on $PORT: Address already in use" ]
	run "$BIN/fib-serve" -d -s "$STATE" -l 127.0.0.1:0
	[ "$status" -eq 1 ]
	[ "$output" = "fib-serve: $STATE is in use by pid $srv_pid" ]
}

@test "a live pidfile is refused and a stale one is replaced" {
	init_state
	serve -q --pidfile "$T/fib.pid"
	[ "$(cat "$T/fib.pid")" = "$srv_pid" ]
	cp "$STATE" "$T/other.state"
	run "$BIN/fib-serve" -s "$T/other.state" -l 127.0.0.1:0 \
	    --pidfile "$T/fib.pid"
	[ "$status" -eq 1 ]
	[ "$output" = "fib-serve: $T/fib.pid is in use by pid $srv_pid" ]
	kill -KILL "$srv_pid"
	wait_exit "$srv_pid" || true
	[ -e "$T/fib.pid" ]	# left by kill -9: stale, nobody holds its lock
	serve -q --pidfile "$T/fib.pid"
	[ "$(cat "$T/fib.pid")" = "$srv_pid" ]
}

@test "SIGHUP reopens the log file" {
	init_state
	serve --logfile "$T/fib.log"
	wait_for 5 log_has "listening on" "$T/fib.log"
	mv "$T/fib.log" "$T/fib.log.1"
	kill -HUP "$srv_pid"
	wait_for 5 log_has "log reopened" "$T/fib.log"
	fibc get "$PORT" 1 >/dev/null
	wait_for 5 log_has "connected" "$T/fib.log"
	kill -0 "$srv_pid"
}

@test "the listening line gives the real port for port 0, also with -q, and a client after it is answered at once" {
	init_state
	start srv "$BIN/fib-serve" -q -s "$STATE" -l 127.0.0.1:0
	PORT=$(listening srv)
	[ -n "$PORT" ]
	[ "$(fibc get "$PORT" 2 | tr '\n' ' ')" = "2 3 " ]
	[ "$(head -n 1 "$T/srv.err")" = "fib-serve: listening on 127.0.0.1:$PORT" ]
}

@test "--logfile lines carry an ISO 8601 time stamp" {
	init_state
	serve --logfile "$T/fib.log"
	wait_for 5 stamped "fib-serve: listening on 127\.0\.0\.1:$PORT" "$T/fib.log"
	[ ! -s "$T/srv.err" ]
}

@test "a log nobody reads does not stop the server, and the lost lines are counted once it is read" {
	init_state
	# Its stderr is the pipe nobody reads, so it cannot say its port:
	# this test picks one.
	PORT=$(free_port)
	start_unread srv "$BIN/fib-serve" -s "$STATE" -l "127.0.0.1:$PORT"
	wait_port "$PORT"
	flood_connects "$PORT" 6000
	[ "$(fibc get "$PORT" 2 | tr '\n' ' ')" = "2 3 " ]
	drain_unread fib-serve
	kill -0 "$srv_pid"
}

# Start fib-serve ($2...), its stderr in $1, and send it SIGHUP every
# millisecond from as early as it can survive one (once its main() blocks,
# ignores or catches SIGHUP, by /proc, or once it says it listens, whichever
# comes first) until it answers a request on the port it names; then
# SIGTERM it and print "answered alive exit 0" when all went well.
hup_storm() {
	$PY -c 'import os, re, signal, socket, subprocess, sys, time
err, argv = sys.argv[1], sys.argv[2:]
def dfl():
    signal.signal(signal.SIGHUP, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, [signal.SIGHUP])
p = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=open(err, "w"),
    preexec_fn=dfl)
def handles_hup():
    try:
        with open("/proc/%d/status" % p.pid) as f:
            for l in f:
                k, _, v = l.partition(":")
                if k in ("SigBlk", "SigIgn", "SigCgt") and int(v, 16) & 1:
                    return True
    except OSError:
        pass
    return False
def listening():
    with open(err) as f:
        m = re.search(r"listening on 127\.0\.0\.1:([0-9]+)$", f.read(), re.M)
    return int(m.group(1)) if m else None
end = time.monotonic() + 10
while not handles_hup() and listening() is None:
    if p.poll() is not None or time.monotonic() > end:
        break
    time.sleep(0.0002)
answered = False
while p.poll() is None and time.monotonic() < end and not answered:
    for _ in range(5):
        try:
            p.send_signal(signal.SIGHUP)
        except ProcessLookupError:
            break
        time.sleep(0.001)
    port = listening()
    if port is None:
        continue
    try:
        c = socket.create_connection(("127.0.0.1", port), timeout=0.05)
        c.settimeout(2)
        c.sendall(b"\n")
        answered = c.recv(100).endswith(b"\n")
        c.close()
    except OSError:
        pass
time.sleep(0.05)
alive = p.poll() is None
try:
    p.terminate()
    code = p.wait(timeout=10)
except subprocess.TimeoutExpired:
    p.kill()
    code = p.wait()
print("answered" if answered else "no answer", "alive" if alive else
    "dead", "exit", code)' "$@"
}

@test "SIGHUP from the moment it starts never stops it; SIGTERM then exits 0" {
	init_state
	for i in 1 2 3 4 5; do
		run hup_storm "$T/hup$i.err" "$BIN/fib-serve" -q \
		    -s "$STATE" -l 127.0.0.1:0
		echo "round $i: $output"
		[ "$output" = "answered alive exit 0" ]
	done
	[ "$(state_key reserve)" = 0 ]
}

@test "-q silences connection lines only" {
	init_state
	serve -q
	fibc get "$PORT" 1 >/dev/null
	kill -TERM "$srv_pid"
	wait_exit "$srv_pid"
	! log_has "connected"
	log_has "listening on"
	log_has "stopped; served 1"
}

@test "--help, --version and a bad option" {
	run "$BIN/fib-serve" --help
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == "usage: fib-serve [-s STATE | --redis URL [--redis-wait N]] [-l ADDRESS]"* ]]
	run "$BIN/fib-serve" --version
	[ "$status" -eq 0 ]
	[ "$output" = "fib-serve 0.1.0" ]
	run "$BIN/fib-serve" --bogus
	[ "$status" -eq 2 ]
	[[ "$output" == *"usage: fib-serve"* ]]
	run "$BIN/fib-serve" --reserve 0
	[ "$status" -eq 2 ]
	run "$BIN/fib-serve" extra
	[ "$status" -eq 2 ]
}

@test "without -s it serves fib.state in the current directory" {
	init_state
	cd "$T"
	start srv "$BIN/fib-serve" -q -l 127.0.0.1:0
	PORT=$(listening srv)
	[ "$(fibc get "$PORT" 2 | tr '\n' ' ')" = "2 3 " ]
	kill -TERM "$srv_pid"
	wait_exit "$srv_pid"
	[ "$EXIT" -eq 0 ]
	[ "$(state_key served)" = 2 ]
}

@test "--logfile appends to what the file already holds" {
	init_state
	echo "an earlier run" >"$T/fib.log"
	serve --logfile "$T/fib.log"
	wait_for 5 log_has "listening on" "$T/fib.log"
	[ "$(head -n 1 "$T/fib.log")" = "an earlier run" ]
	[ ! -s "$T/srv.err" ]
}

@test "clients that vanish with answers unread never stop the server" {
	init_state --index 20000
	serve
	# Each asks for 8 MiB of numbers, reads a little, and resets.
	$PY -c '
import socket, struct, sys
for _ in range(20):
    s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
    s.sendall(b"\n" * 2000)
    s.recv(10)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    s.close()' "$PORT"
	fibc get "$PORT" 3 >/dev/null
	kill -0 "$srv_pid"
	# Its answers met the reset: the vanishing was seen, not missed.
	log_has ": Connection reset by peer"
	kill -TERM "$srv_pid"
	wait_exit "$srv_pid"
	[ "$EXIT" -eq 0 ]
	[ "$(state_key reserve)" = 0 ]
}

@test "twirl(7)'s recipe for a Fibonacci server that remembers runs as written" {
	p=$(free_port)
	recipe_rewrite() {
		local l=${1//init fib.state/init --listen 127.0.0.1:8889 fib.state}
		printf '%s\n' "${l//8889/$p}"
	}
	# A reader's next command comes after the stopped server is gone.
	recipe_after() {
		case $1 in
		fib-serve*) pid=$(cat fib.pid) ;;
		kill*) wait_for 10 eval '! kill -0 "$pid" 2>/dev/null' ;;
		esac
	}
	run_recipe "A Fibonacci server that remembers" fib.pid
	[ "$(grep -c '^\$ ' "$T/recipe")" -eq 6 ]
}

@test "the usage matches the man page's synopsis" {
	usage_is_synopsis fib-serve
}

# ------------------------------------------------------------ --help


@test "--help is the usage, then one option a line, within 80 columns" {
	help_layout "$BIN/fib-serve"
}

# ------------------------------------------------------------ bad options


@test "a bad option is one line naming it, then the usage, and exit 2" {
	local p="$BIN/fib-serve"

	bad_option "fib-serve: unknown option: --bogus" "$p" --bogus
	bad_option "fib-serve: unknown option: -x" "$p" -x
	bad_option "fib-serve: option requires an argument: -s" "$p" -s
	bad_option "fib-serve: option requires an argument: --reserve" "$p" --reserve
	bad_option "fib-serve: option takes no argument: --daemon" "$p" --daemon=1
}
