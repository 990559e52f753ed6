#!/usr/bin/env bats
# fib-serve --redis and fib-snapshot on a Redis hash: many servers on one
# sequence, blocks reserved with HINCRBY, never a number twice; Redis'
# durability checked at start; Redis away and back. A real redis-server
# (tests/deps installs it), one per test, in $T.

load helper
load fib

suite_setup() {
	need redis-server redis-server
	need redis-cli redis-tools
	URL=unix:$T/redis.sock#fib
}

# redis_start [PORT]: redis-server (as redis) on $T/redis.sock, and on
# 127.0.0.1:PORT if given, durable as fib-serve wants; wait till it answers.
redis_start() {
	rm -f "$T/redis.sock"
	start redis redis-server --port "${1:-0}" --bind 127.0.0.1 \
		--unixsocket "$T/redis.sock" --appendonly yes \
		--appendfsync always --dir "$T" --save ""
	wait_for 10 redis_up
}

redis_up() {
	[ "$(rcli PING 2>/dev/null)" = PONG ]
}

rcli() {
	redis-cli -s "$T/redis.sock" "$@"
}

# rserve NAME [ARGS...]: fib-serve --redis $URL as NAME; $PORT its port.
rserve() {
	local name=$1
	shift
	start "$name" "$BIN/fib-serve" --redis "$URL" -l 127.0.0.1:0 "$@"
	PORT=$(listening "$name")
}

snap() {
	"$BIN/fib-snapshot" "$@"
}

@test "numbers served through Redis are Python's sequence from the pair" {
	local rport
	rport=$(free_port)
	redis_start "$rport"
	URL=redis://127.0.0.1:$rport/fib
	snap init --a 5 --b 7 "$URL"
	rserve srv -q --reserve 100
	fibc get "$PORT" 1000 | fibc pair 5 7
	[ "$(rcli HGET fib reserved)" -ge 1000 ]
}

@test "three servers on one key under pipelined load never serve a number twice" {
	local p1 p2 p3
	redis_start
	snap init "$URL"
	rserve s1 -q --reserve 50
	p1=$PORT
	rserve s2 -q --reserve 50
	p2=$PORT
	rserve s3 -q --reserve 50
	p3=$PORT
	start c1 "$PY" "$FIBC" many "$p1" 5 200 16
	start c2 "$PY" "$FIBC" many "$p2" 5 200 16
	start c3 "$PY" "$FIBC" many "$p3" 5 200 16
	wait_exit "$c1_pid" 60 && [ "$EXIT" -eq 0 ]
	wait_exit "$c2_pid" 60 && [ "$EXIT" -eq 0 ]
	wait_exit "$c3_pid" 60 && [ "$EXIT" -eq 0 ]
	[ "$(cat "$T"/c[123].out | fibc members 1 1)" -eq 3000 ]
}

@test "10 rounds of kill -9 of a random server under load never repeat a number" {
	need redis-server redis-server
	run "$PY" "$FIBC" rchaos "$BIN" "$T" 10 20 3 serve
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == "10 rounds, "*", none twice" ]]
}

@test "a Redis that may lose an acknowledged write is refused" {
	redis_start
	snap init "$URL"
	rcli CONFIG SET appendfsync everysec
	run "$BIN/fib-serve" --redis "$URL" -l 127.0.0.1:0
	[ "$status" -eq 1 ]
	[[ "$output" == "fib-serve: Redis at $URL has appendfsync everysec: "*"(set appendfsync always, or give --redis-wait N)" ]]
	rcli CONFIG SET appendfsync always
	rcli CONFIG SET appendonly no
	run "$BIN/fib-serve" --redis "$URL" -l 127.0.0.1:0
	[ "$status" -eq 1 ]
	[[ "$output" == *"has appendonly no: "* ]]
	[ "$(rcli HGET fib reserved)" = 0 ]
}

@test "--redis-wait: a block too few replicas have is not served until they do" {
	local rport port
	rport=$(free_port)
	redis_start "$rport"
	snap init "$URL"
	# Not durable alone: the replicas are what --redis-wait relies on.
	rcli CONFIG SET appendfsync everysec
	port=$(free_port)
	start srv "$BIN/fib-serve" --redis "$URL" --redis-wait 1 \
		--reserve 10 -l "127.0.0.1:$port"
	wait_for 10 log_has "numbers 1 to 10 reached 0 of 1 replicas; not serving them until they do"
	# Reserved, never served: no answer, and it is not ready.
	[ "$(rcli HGET fib reserved)" = 10 ]
	fibc silent "$port" 1
	! listened "$T/srv.err"
	# A replica appears: the same block reaches it and is served.
	mkdir "$T/replica"
	start replica redis-server --port 0 --dir "$T/replica" --save "" \
		--unixsocket "$T/replica/redis.sock" --replicaof 127.0.0.1 "$rport"
	[ "$(listening srv 20)" = "$port" ]
	# The first number went to the silent client's request, read before.
	fibc get "$port" 9 | fibc check 4
	log_has "reserving from $URL again"
}

@test "while Redis is away a server serves what it holds, then waits; then goes on" {
	redis_start
	snap init "$URL"
	rserve srv --reserve 10
	# 5 of the first block; the second is reserved halfway.
	fibc get "$PORT" 5 >"$T/got"
	wait_for 10 eval '[ "$(rcli HGET fib reserved)" = 20 ]'
	kill -TERM "$redis_pid"
	wait_exit "$redis_pid"
	wait_for 10 log_has "lost Redis at $URL: .*; serving the 15 numbers held, then waiting for it"
	fibc get "$PORT" 15 >>"$T/got"
	fibc silent "$PORT" 1
	start late "$PY" "$FIBC" get "$PORT" 3
	redis_start
	wait_exit "$late_pid" 20
	[ "$EXIT" -eq 0 ]
	log_has "Redis at $URL is back"
	# The 20 held ones in order; then the late client's 3, the next ones:
	# the block after is a new one. The silent probe's request, which
	# the server cannot see it gave up (it does not read a client it
	# cannot answer), may have taken F(23) first: served, never again.
	fibc check 3 <"$T/got"
	[ "$(wc -l <"$T/got")" -eq 20 ]
	[ "$(wc -l <"$T/late.out")" -eq 3 ]
	fibc check 23 <"$T/late.out" || fibc check 24 <"$T/late.out"
	[ "$(grep -c 'lost Redis' "$T/srv.err")" -eq 1 ]
}

@test "a stopped server skips the rest of its block; the next one starts past it" {
	redis_start
	snap init "$URL"
	rserve srv -q --reserve 100
	fibc get "$PORT" 10 | fibc check 3
	kill -TERM "$srv_pid"
	wait_exit "$srv_pid"
	[ "$EXIT" -eq 0 ]
	log_has "stopped; served 10 numbers from 1 blocks"
	rserve srv -q --reserve 100
	# Block 100..199: the first number is G(102) = F(103).
	fibc get "$PORT" 1 | fibc check 103
}

@test "a block past F(1,000,000) starts at once, and is right" {
	redis_start
	snap init "$URL"
	snap set "$URL" reserved=1000000
	rserve srv -q --reserve 10
	fibc get "$PORT" 1 >"$T/got"
	[ "$(cat "$T/got")" = "$(fibc fastfib 1000003)" ]
}

@test "--redis: exclusive with -s; a key and a hash are required" {
	run "$BIN/fib-serve" --redis "$URL" -s fib.state
	[ "$status" -eq 2 ]
	[ "${lines[0]}" = "fib-serve: -s and --redis are exclusive" ]
	run "$BIN/fib-serve" --redis-wait 1
	[ "$status" -eq 2 ]
	[ "${lines[0]}" = "fib-serve: --redis-wait needs --redis" ]
	run "$BIN/fib-serve" --redis redis://127.0.0.1:6379/
	[ "$status" -eq 2 ]
	[[ "${lines[0]}" == "fib-serve: --redis redis://127.0.0.1:6379/: no key"* ]]
	run "$BIN/fib-serve" --redis "$URL" -l 127.0.0.1:0
	[ "$status" -eq 1 ]
	[[ "$output" == "fib-serve: cannot reach Redis at $URL: "* ]]
	redis_start
	run "$BIN/fib-serve" --redis "$URL" -l 127.0.0.1:0
	[ "$status" -eq 1 ]
	[ "$output" = "fib-serve: $URL: no 'a' in the hash (create it with: fib-snapshot init $URL)" ]
	rcli HSET fib a 1 b x reserved 0
	run "$BIN/fib-serve" --redis "$URL" -l 127.0.0.1:0
	[ "$status" -eq 1 ]
	[[ "$output" == "fib-serve: $URL: b: malformed number 'x'"* ]]
}

@test "fib-snapshot init on a hash, refusing to replace one without --force" {
	redis_start
	snap init "$URL"
	[ "$(rcli HGET fib a) $(rcli HGET fib b) $(rcli HGET fib reserved)" = "1 1 0" ]
	rcli HSET fib reserved 7
	run snap init --index 10 "$URL"
	[ "$status" -eq 1 ]
	[ "$output" = "fib-snapshot: $URL exists (use --force to replace it)" ]
	[ "$(rcli HGET fib reserved)" = 7 ]
	snap init --force --index 10 "$URL"
	[ "$(rcli HGET fib a) $(rcli HGET fib b) $(rcli HGET fib reserved)" = "55 89 0" ]
	run snap init --listen 127.0.0.1:1 "$URL"
	[ "$status" -eq 2 ]
}

@test "fib-snapshot show and next on a hash say what the next block serves" {
	redis_start
	snap init --index 10 "$URL"
	snap set "$URL" reserved=3
	run snap show "$URL"
	[ "$status" -eq 0 ]
	[ "$output" = "a: 55
b: 89
reserved: 3
next: 610
index: 10" ]
	run snap show --json "$URL"
	[ "$output" = '{"a":"55","b":"89","reserved":3,"next":"610","digits":3,"index":10}' ]
	run snap next -n 3 "$URL"
	[ "$output" = "610
987
1597" ]
	# Nothing changed; and a server's first block starts there.
	[ "$(rcli HGET fib reserved)" = 3 ]
	rserve srv -q
	[ "$(fibc get "$PORT" 3)" = "$output" ]
}

@test "fib-snapshot check and set on a hash: validated, atomic, refused whole" {
	redis_start
	run snap check "$URL"
	[ "$status" -eq 1 ]
	[ "$output" = "fib-snapshot: $URL: no such key (create it with: fib-snapshot init $URL)" ]
	run snap set "$URL" a=2
	[ "$status" -eq 1 ]
	[ "$(rcli EXISTS fib)" = 0 ]
	snap init "$URL"
	snap check "$URL"
	snap set "$URL" a=2 b=3 reserved=4
	[ "$(rcli HGET fib a) $(rcli HGET fib b) $(rcli HGET fib reserved)" = "2 3 4" ]
	run snap set "$URL" a=5 b=0
	[ "$status" -eq 1 ]
	[[ "$output" == "fib-snapshot: set: b: "* ]]
	run snap set "$URL" a=5 served=1
	[ "$status" -eq 1 ]
	[ "$output" = "fib-snapshot: set: unknown key 'served' (a, b, reserved)" ]
	run snap set "$URL" reserved=-1
	[ "$status" -eq 1 ]
	[ "$(rcli HGET fib a) $(rcli HGET fib b) $(rcli HGET fib reserved)" = "2 3 4" ]
	rcli HSET fib extra 1
	run snap check "$URL"
	[ "$status" -eq 1 ]
	[ "$output" = "fib-snapshot: $URL: unknown field 'extra'" ]
	rcli HDEL fib extra
	rcli HSET fib a 1x
	run snap check "$URL"
	[ "$status" -eq 1 ]
	[[ "$output" == "fib-snapshot: $URL: a: malformed number '1x'"* ]]
	rcli HSET fib a 1
	rcli HDEL fib reserved
	run snap check "$URL"
	[ "$status" -eq 1 ]
	[ "$output" = "fib-snapshot: $URL: missing field 'reserved'" ]
}

@test "twirl(7)'s Scaling out recipe runs as written" {
	rport=$(free_port)
	p1=$(free_port)
	p2=$(free_port)
	redis_start "$rport"
	rcli CONFIG SET appendonly no
	rcli CONFIG SET appendfsync everysec
	recipe_rewrite() {
		local l=${1//6379/$rport}
		l=${l//8889/$p1}
		l=${l//8890/$p2}
		printf '%s\n' "${l//redis-cli /redis-cli -p $rport }"
	}
	run_recipe "Scaling out" a.pid b.pid
}
