# tests/fib.bash - for the suites that run fib-serve on a state file:
# fib-serve.bats, fib-snapshot.bats and long/faults.bats. Load it after
# helper; the suite sets $STATE in its suite_setup.
#
#   fibc ARGS...             tests/fibc.py: a client and checker that
#                            counts with Python's own integers
#   init_state [ARGS...]     fib-snapshot init ARGS... $STATE
#   serve [ARGS...]          start fib-serve (as srv) on $STATE and a port
#                            the kernel chooses; wait until it says it
#                            listens (its reservation written), and set
#                            $PORT to that port
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
	local a prev="" log=srv
	for a; do
		[ "$prev" = --logfile ] && log=$a	# says it there, not on stderr
		prev=$a
	done
	start srv "$BIN/fib-serve" -s "$STATE" -l 127.0.0.1:0 "$@"
	PORT=$(listening "$log")
}

state_key() {
	sed -n "s/^$1 //p" "$STATE"
}

log_has() {
	grep -q -- "$1" "${2:-$T/srv.err}"
}
