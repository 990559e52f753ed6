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

@test "100 rounds of kill -9 of a random fib-serve of three under load never serve a number twice" {
	need redis-server redis-server
	run fibc rchaos "$BIN" "$T" 100 20 3 serve
	echo "$output"
	note "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == "100 rounds, "*", none twice" ]]
}

@test "20 rounds of kill -9 of redis-server under three fib-serve never serve a number twice" {
	need redis-server redis-server
	run fibc rchaos "$BIN" "$T" 20 20 3 redis
	echo "$output"
	note "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == "20 rounds, "*", none twice" ]]
}
