#!/usr/bin/env bats
# make valgrind (and make test-long): one scenario per program under
# valgrind's memcheck: no invalid access, no uninitialised value used, no
# leak (definite or indirect), and the program's own exit status.

load ../helper

BIN="$BATS_TEST_DIRNAME/../../bin"
FIBC="$BATS_TEST_DIRNAME/../fibc.py"

suite_setup() {
	need valgrind valgrind
	# AddressSanitizer and valgrind do not mix: fail, saying why.
	if grep -qa __asan_init "$BIN/fib-serve"; then
		echo "built with SANITIZE=1: make clean, then make valgrind" >&2
		return 1
	fi
	PORT=$(free_port)
}

# vg NAME PROGRAM ARGS...: the command line that runs PROGRAM under memcheck,
# its report in $T/vg-NAME.log.
vg() {
	local name=$1
	shift
	echo valgrind -q --error-exitcode=99 --leak-check=full \
		--show-leak-kinds=definite,indirect \
		--errors-for-leak-kinds=definite,indirect \
		--log-file="$T/vg-$name.log" "$BIN/$@"
}

# clean NAME: memcheck reported nothing.
clean() {
	[ -f "$T/vg-$1.log" ]
	cat "$T/vg-$1.log"
	[ ! -s "$T/vg-$1.log" ]
}

@test "fib-snapshot init, set, show, check and next are clean under memcheck" {
	local s=$T/fib.state
	$(vg init fib-snapshot) init --index 5000 --listen 127.0.0.1:9 "$s"
	$(vg set fib-snapshot) set "$s" served=12 reserve=3
	$(vg show fib-snapshot) show --json "$s" >/dev/null
	$(vg check fib-snapshot) check "$s"
	$(vg next fib-snapshot) next -n 50 "$s" >/dev/null
	run $(vg bad fib-snapshot) set "$s" bogus=1
	[ "$status" -eq 1 ]
	for n in init set show check next bad; do clean "$n"; done
}

@test "fib-serve serving, writing ahead and stopping on SIGTERM is clean under memcheck" {
	"$BIN/fib-snapshot" init "$T/fib.state"
	start srv $(vg serve fib-serve) -s "$T/fib.state" -l "$PORT" --reserve 50
	wait_port "$PORT" 30
	$PY "$FIBC" many "$PORT" 4 300 16 >"$T/got"
	$PY "$FIBC" distinct 3 1200 <"$T/got"
	kill -TERM "$srv_pid"
	wait_exit "$srv_pid" 30
	[ "$EXIT" -eq 0 ]
	clean serve
}

@test "weblog-serve and weblog-client streaming hits are clean under memcheck" {
	mkfifo "$T/in"
	start srv sh -c 'f=$1; shift; exec "$@" <"$f"' sh "$T/in" \
		$(vg serve weblog-serve) -l "$PORT" --keep 10 --replay 2
	exec 4>"$T/in"
	wait_port "$PORT" 30
	printf '1.2.3.4 - - [t] "GET / HTTP/1.0" 200 1\nodd \001 line\n' >&4
	wait_for 30 grep -q 'connect' "$T/srv.err"
	start cl $(vg client weblog-client) -f json -n 5 "$PORT" 4>&-
	wait_for 30 eval '[ "$(grep -c "^weblog-serve: connect " "$T/srv.err")" -ge 2 ]'
	printf 'a\nb\n127.0.0.1 - frank [x] "GET /a" 200 - "r" "agent"\n' >&4
	wait_exit "$cl_pid" 30
	[ "$EXIT" -eq 0 ]
	[ "$(wc -l <"$T/cl.out")" -eq 5 ]
	exec 4>&-
	wait_exit "$srv_pid" 30
	[ "$EXIT" -eq 0 ]
	clean serve
	clean client
}
