# tests/fib.bash - for the suites that run fib-serve on a state file:
# fib-serve.bats, fib-snapshot.bats and long/faults.bats. Load it after
# helper; the suite sets $STATE (and $PORT) in its suite_setup.
#
#   fibc ARGS...             tests/fibc.py: a client and checker that
#                            counts with Python's own integers
#   init_state [ARGS...]     fib-snapshot init ARGS... $STATE
#   serve [ARGS...]          start fib-serve on $STATE and $PORT (as srv)
#                            and wait until it listens
#   state_key KEY            print KEY's value in $STATE
#   log_has TEXT [FILE]      FILE (fib-serve's stderr) holds TEXT

FIBC="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/fibc.py"

fibc() {
	$PY "$FIBC" "$@"
}

init_state() {
	"$BIN/fib-snapshot" init "$@" "$STATE"
}

serve() {
	start srv "$BIN/fib-serve" -s "$STATE" -l "$PORT" "$@"
	wait_port "$PORT"
}

state_key() {
	sed -n "s/^$1 //p" "$STATE"
}

log_has() {
	grep -q -- "$1" "${2:-$T/srv.err}"
}
