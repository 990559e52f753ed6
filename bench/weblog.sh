#!/bin/sh
# bench/weblog.sh - weblog-serve under load: hits delivered per second for a
# burst, and latency at a steady rate, with many clients.
#
#   bench/weblog.sh [CLIENTS [BURST_LINES [RATE [SECONDS]]]]
#
# Starts bin/weblog-serve following a fresh file, runs build/bench/weblog_load
# against it (burst, then rate), stops the server by its pid, and prints the
# server's own CPU time for each run. Build first: make all build/bench/weblog_load
# SERVER_CPU=0 LOAD_CPU=1 pin the two to different CPUs (taskset).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
clients=${1:-1000}
burst=${2:-20000}
rate=${3:-1000}
seconds=${4:-10}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')

run() {
	: >"$dir/log"
	${SERVER_CPU:+taskset -c "$SERVER_CPU"} "$top/bin/weblog-serve" -q -l "$port" --max-clients "$clients" "$dir/log" &
	pid=$!
	i=0
	until /usr/bin/python3 -c 'import socket,sys; socket.create_connection(("127.0.0.1", int(sys.argv[1]))).close()' "$port" 2>/dev/null; do
		i=$((i + 1)); [ $i -lt 100 ] || { echo "server did not start"; exit 1; }
		sleep 0.05
	done
	${LOAD_CPU:+taskset -c "$LOAD_CPU"} "$top/build/bench/weblog_load" -a "127.0.0.1:$port" -f "$dir/log" -c "$clients" "$@" || true
	ticks=$(awk '{print $14 + $15}' "/proc/$pid/stat" 2>/dev/null || echo 0)
	kill -TERM "$pid"
	wait "$pid" || true
	echo "server CPU: $(awk -v t="$ticks" -v hz="$(getconf CLK_TCK)" 'BEGIN{printf "%.2f s", t/hz}')"
}

echo "== burst: $clients clients, $burst lines"
run burst -n "$burst"
echo "== rate: $clients clients, $rate lines/s for $seconds s"
run rate -R "$rate" -d "$seconds"
