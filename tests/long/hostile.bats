#!/usr/bin/env bats
# make test-long: hostile peers. Each keeps the server's memory bounded
# and the other clients served. (A weblog server sending weblog-client a
# 1 GB element or endless nesting is in tests/weblog-client.bats.)
# Figures go to the TAP output as comments.

load ../helper
load long

BIN="$BATS_TEST_DIRNAME/../../bin"
PEERS="$BATS_TEST_DIRNAME/peers.py"
FIBC="$BATS_TEST_DIRNAME/../fibc.py"

suite_setup() {
	PORT=$(free_port)
}

cpu() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }	# clock ticks

has_lines() {
	[ -f "$1" ] && [ "$(wc -l <"$1")" -ge "$2" ]
}

@test "a fib client sending 100 MB without a newline costs the server nothing, and others are served meanwhile" {
	"$BIN/fib-snapshot" init "$T/fib.state"
	start srv "$BIN/fib-serve" -q -s "$T/fib.state" -l "$PORT"
	wait_port "$PORT"
	local before=$(rss "$srv_pid")
	start junk $PY "$PEERS" nonewline "$PORT" 100
	# While it sends, another client gets its numbers.
	$PY "$FIBC" get "$PORT" 100 >"$T/got"
	[ "$(wc -l <"$T/got")" -eq 100 ]
	wait_exit "$junk_pid" 60
	[ "$EXIT" -eq 0 ]
	local after=$(rss "$srv_pid")
	note "RSS $before kB -> $after kB; the junk client's answer: $(cat "$T/junk.out")"
	[ "$(cat "$T/junk.out")" = "$(sed -n '$p' "$T/got" | $PY -c 'import sys; sys.set_int_max_str_digits(0) if hasattr(sys, "set_int_max_str_digits") else 0
x = int(sys.stdin.read()); a, b = 1, 2
while b <= x: a, b = b, a + b
print(b)')" ]
	[ $((after - before)) -lt 4096 ]
}

@test "a poll client flooding requests without reading keeps weblog-serve's memory bounded, and another poll client is answered" {
	: >"$T/log"
	start srv "$BIN/weblog-serve" -q -m poll -l "$PORT" "$T/log"
	wait_port "$PORT"
	local before=$(rss "$srv_pid")
	start flood $PY "$PEERS" flood "$PORT" 5
	# Meanwhile a well-behaved poll client gets the new lines.
	start good "$BIN/weblog-client" -p 0.05 -n 20 -f combined "$PORT"
	local i
	for i in $(seq 1 20); do
		echo "line $i" >>"$T/log"
		wait_for 5 has_lines "$T/good.out" "$i"
	done
	wait_exit "$good_pid" 10
	[ "$EXIT" -eq 0 ]
	wait_exit "$flood_pid" 20
	local after=$(rss "$srv_pid")
	note "flood: $(cat "$T/flood.out"); RSS $before kB -> $after kB"
	[ $((after - before)) -lt 16384 ]
	diff <(seq 1 20 | sed 's/^/line /') "$T/good.out"
}

# halfopen SERVER_PID N: hold N half-open connections until $T/hold goes.
halfopen() {
	start peers $PY "$PEERS" halfopen "$PORT" "$2" "$T/hold"
	touch "$T/hold"
	wait_for 60 test -e "$T/hold.ready"
}

@test "10,000 half-open connections against --max-clients keep weblog-serve bounded and its clients served" {
	: >"$T/log"
	start srv "$BIN/weblog-serve" --max-clients 100 -l "$PORT" "$T/log"
	wait_port "$PORT"
	start good "$BIN/weblog-client" -f combined "$PORT"
	# wait_port's probe and this client.
	wait_for 5 eval '[ "$(grep -c "^weblog-serve: connect " "$T/srv.err")" -ge 2 ]'
	echo "line 1" >>"$T/log"
	wait_for 5 has_lines "$T/good.out" 1
	local rss0=$(rss "$srv_pid") fd0=$(fds "$srv_pid") cpu0=$(cpu "$srv_pid")
	halfopen "$srv_pid" 10000
	local rss1=$(rss "$srv_pid") fd1=$(fds "$srv_pid")
	# The client connected first is still served.
	echo "line 2" >>"$T/log"
	wait_for 5 has_lines "$T/good.out" 2
	note "$(cat "$T/peers.out"); fds $fd0 -> $fd1, RSS $rss0 kB -> $rss1 kB"
	[ "$fd1" -le $((fd0 + 100)) ]
	[ $((rss1 - rss0)) -lt 16384 ]
	rm "$T/hold"
	wait_exit "$peers_pid" 30
	wait_for 10 eval '[ "$(fds '"$srv_pid"')" -eq '"$fd0"' ]'
	note "after: fds $(fds "$srv_pid"), RSS $(rss "$srv_pid") kB, CPU $(( $(cpu "$srv_pid") - cpu0 )) ticks"
	# And a new client is welcome again.
	local n=$(grep -c '^weblog-serve: connect ' "$T/srv.err")
	start late "$BIN/weblog-client" -f combined -n 1 "$PORT"
	wait_for 5 eval '[ "$(grep -c "^weblog-serve: connect " "$T/srv.err")" -gt '"$n"' ]'
	echo "line 3" >>"$T/log"
	wait_for 5 has_lines "$T/good.out" 3
	wait_exit "$late_pid"
	[ "$EXIT" -eq 0 ]
	[ "$(cat "$T/late.out")" = "line 3" ]
}

@test "10,000 half-open connections past fib-serve's descriptor limit neither spin it nor stop it serving" {
	"$BIN/fib-snapshot" init "$T/fib.state"
	start srv sh -c 'ulimit -n 256 && exec "$@"' sh \
		"$BIN/fib-serve" -q -s "$T/fib.state" -l "$PORT"
	wait_port "$PORT"
	# A client connected before the flood.
	exec 5<>/dev/tcp/127.0.0.1/"$PORT"
	local rss0=$(rss "$srv_pid") fd0=$(fds "$srv_pid") cpu0=$(cpu "$srv_pid")
	halfopen "$srv_pid" 10000
	local rss1=$(rss "$srv_pid") fd1=$(fds "$srv_pid") t0=$SECONDS
	echo >&5
	read -r -t 5 answer <&5
	[ "$answer" = 2 ]
	# Out of descriptors, the server retries accept later, not in a loop.
	local c0=$(cpu "$srv_pid")
	wait_for 5 eval '[ $SECONDS -ge $((t0 + 2)) ]'
	local c1=$(cpu "$srv_pid")
	note "$(cat "$T/peers.out"); fds $fd0 -> $fd1, RSS $rss0 kB -> $rss1 kB; CPU over 2 s full: $((c1 - c0)) ticks"
	[ $((c1 - c0)) -lt 50 ]
	rm "$T/hold"
	wait_exit "$peers_pid" 30
	exec 5>&-
	wait_for 10 eval '[ "$(fds '"$srv_pid"')" -le '"$fd0"' ]'
	[ "$($PY "$FIBC" get "$PORT" 1)" = 3 ]
}
