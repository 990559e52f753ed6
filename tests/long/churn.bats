#!/usr/bin/env bats
# make test-long: churn. 10,000 connect and disconnect cycles against each
# server: the open descriptors come back to where they started and the
# resident memory stays flat. Figures go to the TAP output as comments.

load ../helper
load long

BIN="$BATS_TEST_DIRNAME/../../bin"
PEERS="$BATS_TEST_DIRNAME/peers.py"

suite_setup() {
	PORT=$(free_port)
}

# AddressSanitizer keeps freed memory in quarantine: RSS grows by design.
asan() { grep -qa __asan_init "$BIN/fib-serve"; }

# churn PID KIND: 1,000 cycles to warm up, then 10,000; check and report.
churn() {
	local pid=$1 kind=$2 fd0 rss0 fd1 rss1
	$PY "$PEERS" churn "$PORT" 1000 "$kind" >/dev/null
	wait_for 5 eval '[ "$(fds '"$pid"')" -le 20 ]'
	fd0=$(fds "$pid")
	rss0=$(rss "$pid")
	run $PY "$PEERS" churn "$PORT" 10000 "$kind"
	[ "$status" -eq 0 ]
	wait_for 10 eval '[ "$(fds '"$pid"')" -eq '"$fd0"' ]'
	fd1=$(fds "$pid")
	rss1=$(rss "$pid")
	note "$kind: $output; fds $fd0 -> $fd1, RSS $rss0 kB -> $rss1 kB"
	[ "$fd1" -eq "$fd0" ]
	asan || [ $((rss1 - rss0)) -lt 1024 ]
}

@test "10,000 connect and disconnect cycles leave fib-serve's descriptors and memory as they were" {
	"$BIN/fib-snapshot" init "$T/fib.state"
	start srv "$BIN/fib-serve" -q -s "$T/fib.state" -l "$PORT"
	wait_port "$PORT"
	churn "$srv_pid" fib
}

@test "10,000 connect and disconnect cycles leave weblog-serve's descriptors and memory as they were" {
	seq 1 200 | sed 's/^/line /' >"$T/log"
	start srv "$BIN/weblog-serve" -q -l "$PORT" --replay 50 "$T/log"
	wait_port "$PORT"
	churn "$srv_pid" weblog
}
