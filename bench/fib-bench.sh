#!/bin/bash
# bench/fib-bench.sh - fib-serve's figures: requests per second with 50
# connections at pipeline depth 1 and 16 from a fresh state (numbers F(3)
# to F(100002)), and numbers per second around F(100000).
#
# Usage: bench/fib-bench.sh   (after make; builds build/bench/loadgen)
# Each run starts fib-serve on a fresh state in a temp dir, drives it with
# loadgen for a fixed number of answers (the numbers grow with every one,
# so a fixed count is the same work every time), and stops it by its pid.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
make -s -C "$top" build/bench/loadgen >/dev/null
LOADGEN=$top/build/bench/loadgen
dir=$(mktemp -d)
pid=
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$dir"' EXIT

port=$(/usr/bin/python3 -c 'import socket; s = socket.socket()
s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

run() {	# run LABEL INIT-ARGS CONNS DEPTH COUNT
	local label=$1 init=$2 conns=$3 depth=$4 count=$5 i
	rm -f "$dir"/fib.state*
	"$top/bin/fib-snapshot" init $init "$dir/fib.state"
	"$top/bin/fib-serve" -q -s "$dir/fib.state" -l "$port" 2>"$dir/err" &
	pid=$!
	for i in $(seq 500); do
		/usr/bin/python3 -c 'import socket, sys
socket.create_connection(("127.0.0.1", int(sys.argv[1])))' "$port" \
		    2>/dev/null && break
		sleep 0.01
	done
	printf '%-34s ' "$label"
	"$LOADGEN" rr "127.0.0.1:$port" "$conns" "$depth" 120 $'\n' "$count"
	kill "$pid"
	wait "$pid"
	pid=
}

run "50 conns, depth 1, F(3)..:" "" 50 1 100000
run "50 conns, depth 16, F(3)..:" "" 50 16 100000
run "around F(100000), 50 x 16:" "--index 100000" 50 16 20000
run "around F(100000), 1 x 16:" "--index 100000" 1 16 20000
