#!/usr/bin/env bats
# make test-long: faults. kill -9 under load and in the middle of a state
# write, a file-size limit (a full disk), and a log rotated and truncated
# 200 times while it is written. Not in make test: about two minutes.

load ../helper
load ../fib
load long

BIN="$BATS_TEST_DIRNAME/../../bin"

suite_setup() {
	STATE=$T/fib.state
	PORT=$(free_port)
}

@test "500 rounds of kill -9 under pipelined load never serve a number twice nor skip more than the reservation" {
	"$BIN/fib-snapshot" init "$STATE"
	run fibc chaos "$BIN/fib-serve" "$T" 500 20
	echo "$output"
	note "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == "500 rounds, "*"none twice"* ]]
}

@test "kill -9 at random moments while fib-serve rewrites its state always leaves a valid file" {
	"$BIN/fib-snapshot" init --index 20000 "$STATE"
	run $PY "$BATS_TEST_DIRNAME/killwrite.py" serve "$BIN" "$STATE" 150
	echo "$output"
	note "$output"
	[ "$status" -eq 0 ]
}

@test "kill -9 at random moments while fib-snapshot set writes a large file leaves the old file or the new one" {
	"$BIN/fib-snapshot" init --index 400000 "$STATE"
	run $PY "$BATS_TEST_DIRNAME/killwrite.py" set "$BIN" "$STATE" 150
	echo "$output"
	note "$output"
	[ "$status" -eq 0 ]
}

@test "past a file-size limit fib-serve stops at its reservation, says why, never repeats, and recovers when it is lifted" {
	"$BIN/fib-snapshot" init "$STATE"
	# Its stderr through a pipe, which no file-size limit stops.
	start srv bash -c 'exec "$@" 2> >(exec cat >"$0")' "$T/srv.log" \
		"$BIN/fib-serve" -s "$STATE" -l "$PORT" --reserve 10
	wait_port "$PORT"
	fibc get "$PORT" 3 >"$T/got"
	# The disk is "full": no write may grow a file past 64 bytes.
	prlimit --pid "$srv_pid" --fsize=64:unlimited
	$PY "$FIBC" get "$PORT" 40 >>"$T/got" 2>"$T/client.err" &
	client=$!
	wait_for 5 log_has "cannot write $STATE: File too large; serving stops at" "$T/srv.log"
	limit=$(sed -n 's/.*serving stops at \([0-9]*\).*/\1/p' "$T/srv.log" | head -n 1)
	wait_for 5 eval '[ "$(wc -l <"$T/got")" -eq "$limit" ]'
	kill -0 "$client"	# still waiting for the rest
	kill -0 "$srv_pid"	# and the server lives
	# Nothing past the limit, and the file is still whole.
	"$BIN/fib-snapshot" check "$STATE"
	[ "$(wc -l <"$T/got")" -eq "$limit" ]
	prlimit --pid "$srv_pid" --fsize=unlimited:unlimited
	wait_for 10 log_has "serving resumes" "$T/srv.log"
	wait_exit "$client"
	[ "$EXIT" -eq 0 ]
	[ "$(wc -l <"$T/got")" -eq 43 ]
	fibc check 3 <"$T/got"
	[ -z "$(ls "$T" | grep '\.tmp\.')" ]
	note "stopped at $limit numbers while the limit held, then all 43, in order"
}

@test "weblog-serve under 200 rotations and truncations while writing loses and repeats no line" {
	: >"$T/log"
	P=$(free_port)
	start srv "$BIN/weblog-serve" -l "$P" "$T/log"
	wait_port "$P"
	start cl "$BIN/weblog-client" -f combined "$P"
	# Two connections: wait_port's probe and the client.
	wait_for 5 eval '[ "$(grep -c "^weblog-serve: connect " "$T/srv.err")" -ge 2 ]'
	# 20,001 lines; after every 100th line a rotation (rename and re-create,
	# odd events) or a truncation (even events). A rotation waits until
	# the server reads the current file (two renames between two looks
	# would hide the middle file from any follower, tail -F too); a
	# truncation until the client has every line so far (copytruncate
	# loses what nobody read, by design).
	run $PY - "$T/log" "$T/cl.out" "$T/srv.err" <<'PY'
import os, sys, time
path, seen, srvlog = sys.argv[1], sys.argv[2], sys.argv[3]
n, every = 20001, 100
f = open(path, "a", buffering=1)
events = rot = 0
def lines_seen():
    try:
        with open(seen, "rb") as g:
            return g.read().count(b"\n")
    except OSError:
        return 0
def logged():
    with open(srvlog, "rb") as g:
        return g.read().count(b"truncated; reading from its start")
def wait_logged(k):
    deadline = time.monotonic() + 10
    while logged() < k:
        if time.monotonic() > deadline:
            sys.exit("the server did not see truncation %d" % k)
        time.sleep(0.002)
def wait_seen(k):
    deadline = time.monotonic() + 10
    while lines_seen() < k:
        if time.monotonic() > deadline:
            sys.exit("the client has %d of %d lines" % (lines_seen(), k))
        time.sleep(0.002)
for i in range(1, n + 1):
    f.write("line %d\n" % i)
    if i % every or i == n:
        continue
    events += 1
    if events % 2:
        wait_seen(i - every + 1)
        rot += 1
        os.rename(path, "%s.%d" % (path, rot))
        f.close()
        f = open(path, "a", buffering=1)
    else:
        # Then until the server has seen the truncation: new lines of the
        # same total length before it looks would hide it (from tail -F too).
        wait_seen(i)
        before = logged()
        os.truncate(path, 0)
        wait_logged(before + 1)
print("%d events: %d rotations, %d truncations" % (events, rot, events - rot))
PY
	echo "$output"
	note "$output"
	[ "$status" -eq 0 ]
	wait_for 20 eval '[ "$(wc -l <"$T/cl.out")" -ge 20001 ]'
	diff <(seq 1 20001 | sed 's/^/line /') "$T/cl.out"
}
