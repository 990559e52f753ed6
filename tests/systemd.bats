#!/usr/bin/env bats
# Running under systemd: socket activation (LISTEN_FDS, LISTEN_PID) and
# readiness (READY=1, STOPPING=1 to NOTIFY_SOCKET), with tests/sd_activate.py
# playing systemd; and the unit files in contrib/systemd.

load helper

SD="$BATS_TEST_DIRNAME/sd_activate.py"
FIBC="$BATS_TEST_DIRNAME/fibc.py"
UNITS="$BATS_TEST_DIRNAME/../contrib/systemd"

# activate [--runs N] CMD...: run CMD as systemd would; waits for the socket.
activate() {
	start sd "$PY" "$SD" "$@"
	wait_for 5 grep -q '^listen ' "$T/sd.out"
	ADDR=$(sed -n 's/^listen //p' "$T/sd.out")
	PORT=${ADDR##*:}
}

# says N LINE: the Nth run of the service has said LINE (e.g. READY=1).
says() {
	[ "$(grep -c -x -- "$2" "$T/sd.out")" -ge "$1" ]
}

# The pid of the service's latest run.
service_pid() {
	sed -n 's/^pid //p' "$T/sd.out" | tail -n 1
}

@test "weblog-serve serves on the socket systemd passes, ignoring -l, and says READY=1 then STOPPING=1" {
	printf 'one\ntwo\n' >"$T/access.log"
	activate "$T" "$BIN/weblog-serve" -r 2 --from-start \
	    -l "unix:$T/not-this" "$T/access.log"
	wait_for 5 says 1 "notify READY=1"
	[ ! -e "$T/not-this" ]
	wait_for 5 grep -q "^weblog-serve: listening on $ADDR$" "$T/sd.err"
	run "$BIN/weblog-client" -n 2 -t 5 "$ADDR"
	[ "$status" -eq 0 ]
	[ "$output" = "$(printf 'one\ntwo')" ]
	! says 1 "notify STOPPING=1"
	kill -TERM "$(service_pid)"
	wait_for 5 says 1 "exit 0"
	grep -A1 -x "notify READY=1" "$T/sd.out" | grep -q -x "notify STOPPING=1"
}

@test "fib-serve says READY=1 only once its state is reserved, and a restart on the same socket goes on where it left off" {
	"$BIN/fib-snapshot" init "$T/fib.state"
	activate --runs 2 "$T" "$BIN/fib-serve" -s "$T/fib.state" -l 1
	wait_for 5 says 1 "notify READY=1"
	wait_for 5 grep -q "^fib-serve: listening on $ADDR$" "$T/sd.err"
	grep -q '^reserve 1000$' "$T/fib.state"
	[ "$($PY "$FIBC" get "$PORT" 3 | tr '\n' ' ')" = "2 3 5 " ]
	kill -TERM "$(service_pid)"
	wait_for 5 says 1 "notify STOPPING=1"
	# Asked between the two runs: the socket's backlog holds the request
	# until the second run accepts it (systemd's Restart= keeps the socket).
	[ "$($PY "$FIBC" get "$PORT" 2 | tr '\n' ' ')" = "8 13 " ]
	wait_for 5 says 2 "notify READY=1"
	says 1 "exit 0"
	kill -TERM "$(service_pid)"
	wait_for 5 says 2 "exit 0"
	[ "$(sed -n 's/^served //p' "$T/fib.state")" = 5 ]
	[ "$(sed -n 's/^reserve //p' "$T/fib.state")" = 0 ]
}

@test "fib-serve takes a passed Unix socket too" {
	"$BIN/fib-snapshot" init "$T/fib.state"
	activate --unix "$T/fib.sock" "$T" "$BIN/fib-serve" -q -s "$T/fib.state"
	wait_for 5 says 1 "notify READY=1"
	[ "$($PY "$FIBC" get "unix:$T/fib.sock" 2 | tr '\n' ' ')" = "2 3 " ]
}

@test "sockets passed to another process are not taken, and the servers listen on -l" {
	local p
	"$BIN/fib-snapshot" init "$T/fib.state"
	LISTEN_PID=1 LISTEN_FDS=1 start fib "$BIN/fib-serve" -s "$T/fib.state" \
	    -l 127.0.0.1:0
	p=$(listening fib)
	[ "$($PY "$FIBC" get "$p" 1)" = 2 ]
	: >"$T/access.log"
	LISTEN_PID=1 LISTEN_FDS=1 start web "$BIN/weblog-serve" -l 127.0.0.1:0 \
	    "$T/access.log"
	p=$(listening web)
	half_close "$p" | grep -q -E '^<hits epoch="[0-9]+" heartbeat="15">$'
}

@test "a passed descriptor that is not a listening socket, or a bad LISTEN_FDS, exits 1 saying why" {
	"$BIN/fib-snapshot" init "$T/fib.state"
	run sh -c 'export LISTEN_PID=$$ LISTEN_FDS=1; exec "$@" 3</dev/null' \
	    sh "$BIN/fib-serve" -s "$T/fib.state"
	[ "$status" -eq 1 ]
	[[ "$output" = "fib-serve: sockets passed by LISTEN_FDS: "* ]]
	[ "$(sed -n 's/^reserve //p' "$T/fib.state")" = 0 ]
	run sh -c 'export LISTEN_PID=$$ LISTEN_FDS=one; exec "$@" 3<&-' \
	    sh "$BIN/weblog-serve" /dev/null
	[ "$status" -eq 1 ]
	[[ "$output" = "weblog-serve: sockets passed by LISTEN_FDS: "* ]]
}

@test "a NOTIFY_SOCKET nobody reads is reported on stderr, and the server serves anyway" {
	local p
	"$BIN/fib-snapshot" init "$T/fib.state"
	NOTIFY_SOCKET=$T/nobody start fib "$BIN/fib-serve" -s "$T/fib.state" \
	    -l 127.0.0.1:0
	p=$(listening fib)
	[ "$($PY "$FIBC" get "$p" 1)" = 2 ]
	grep -q "^fib-serve: NOTIFY_SOCKET $T/nobody: " "$T/fib.err"
}

@test "the unit files start the installed programs with socket activation and readiness" {
	local u
	for u in weblog-serve fib-serve; do
		grep -q '^Type=notify$' "$UNITS/$u.service"
		grep -q "^ExecStart=/usr/local/bin/$u " "$UNITS/$u.service"
		grep -q '^ListenStream=' "$UNITS/$u.socket"
		grep -q "^WantedBy=sockets.target$" "$UNITS/$u.socket"
	done
	grep -q '^StateDirectory=fib-serve$' "$UNITS/fib-serve.service"
}

@test "systemd-analyze verify accepts the unit files" {
	need systemd-analyze systemd
	local u
	mkdir "$T/units" "$T/bin"
	# Pointed at the built programs: verify checks ExecStart exists.
	for u in "$UNITS"/*.service "$UNITS"/*.socket; do
		sed "s|/usr/local/bin/|$BIN/|g" "$u" >"$T/units/${u##*/}"
	done
	run systemd-analyze verify --man=no "$T"/units/*
	echo "$output"
	[ "$status" -eq 0 ]
	[ -z "$(echo "$output" | grep -v -i -e 'not booted' -e 'Failed to .* bus')" ]
}
