#!/usr/bin/env bats
# make test-long: fib-serve --redis under faults. Three servers on one key
# under pipelined load: 100 rounds of kill -9 of a random fib-serve, and
# 20 rounds of kill -9 of redis-server itself (restarted on its
# append-only file); no number may ever be served twice. tests/fibc.py
# (rchaos) runs the servers and checks every answer with Python's
# integers. About a minute.

load ../helper
load ../fib
load long

BIN="$BATS_TEST_DIRNAME/../../bin"

# rchaos ROUNDS VICTIM: fibc rchaos, three fib-serve on one key under
# load, ROUNDS kills of VICTIM (serve: a random fib-serve; redis:
# redis-server); no number may be served twice.
rchaos() {
	need redis-server redis-server
	run fibc rchaos "$BIN" "$T" "$1" 20 3 "$2"
	echo "$output"
	note "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == "$1 rounds, "*", none twice" ]]
}

@test "100 rounds of kill -9 of a random fib-serve of three under load never serve a number twice" {
	rchaos 100 serve
}

@test "20 rounds of kill -9 of redis-server under three fib-serve never serve a number twice" {
	rchaos 20 redis
}
