# tests/helper.bash - shared by every bats suite: a temp dir per test,
# servers' ports and readiness, waiting on conditions with deadlines, and
# stopping what a test started by its pid.
#
#   load helper            at the top of a .bats file
#   start NAME CMD...      run CMD in the background; its pid is in $NAME_pid
#                          (stdout/stderr in $T/NAME.out, $T/NAME.err)
#   wait_for DEADLINE CMD  retry CMD every 20 ms until it succeeds or
#                          DEADLINE seconds pass (then fail the test)
#   listening NAME [DEADLINE]
#                          wait (10 s by default) until the server started
#                          as NAME says "listening on ADDR" in $T/NAME.err
#                          (NAME may also be a log file's path); print
#                          ADDR's port (ADDR HOST:PORT or [V6]:PORT), or
#                          ADDR whole when it has none (unix:PATH)
#   wait_port PORT         wait until 127.0.0.1:PORT accepts (tests/long)
#   free_port              print a loopback TCP port nobody listens on now:
#                          only where a port must be known before anything
#                          listens on it; start servers on -l 127.0.0.1:0
#   flood_connects PORT N  connect to 127.0.0.1:PORT and close, N times
#   stamped REGEX FILE     FILE has a line REGEX with an ISO 8601 time
#                          stamp in front (a --logfile line)
#   start_unread NAME CMD...  start CMD as start does, but with its stderr a
#                          pipe nobody reads (until drain_unread)
#   drain_unread PROG      read that pipe (into $T/drain.out) and check that
#                          it says "PROG: N log lines lost" once, N > 0
#   help_layout CMD...     CMD --help: usage lines, a blank line, then one
#                          option a line, all within 80 columns
#   bad_option WANT CMD... CMD exits 2 with WANT as its first stderr line,
#                          then the usage, and nothing on stdout
#   need_ipv6              fail, never skip, without an IPv6 loopback (::1)
#   half_close PORT [TEXT] send TEXT to 127.0.0.1:PORT, end the sending
#                          side, print all the server says until it closes
#   stop_all               teardown: TERM, then KILL, every started pid;
#                          then fail if a sanitizer reported in $T/*.err

BIN="$BATS_TEST_DIRNAME/../bin"
PY=/usr/bin/python3

setup() {
	T=$(mktemp -d "${BATS_TMPDIR:-/tmp}/twirl.XXXXXX")
	STARTED=""
	if declare -F suite_setup >/dev/null; then suite_setup; fi
}

teardown() {
	local rc=0
	stop_all || rc=1
	rm -rf "$T"
	return $rc
}

start() {
	local name=$1
	shift
	"$@" >"$T/$name.out" 2>"$T/$name.err" &
	eval "${name}_pid=$!"
	STARTED="$STARTED $!"
}

stop_all() {
	local p deadline
	# Safe under errexit, so a test can stop its first server mid-test:
	# a process already gone, or one that a signal ended, is no failure
	# here; only a sanitizer report is.
	for p in $STARTED; do kill -TERM "$p" 2>/dev/null || :; done
	deadline=$((SECONDS + 5))
	for p in $STARTED; do
		while kill -0 "$p" 2>/dev/null && [ $SECONDS -lt $deadline ]; do
			sleep 0.02
		done
		kill -KILL "$p" 2>/dev/null || :
		wait "$p" 2>/dev/null || :
	done
	STARTED=""
	sanitizer_clean
}

# A program built with SANITIZE=1 that finds a fault prints a report on its
# stderr and exits non-zero; a server stopped by a signal at a test's end
# would leave it unseen, so every stderr file of the test is checked.
sanitizer_clean() {
	local f bad=0
	for f in "$T"/*.err "$T"/*.log; do
		[ -f "$f" ] || continue
		if grep -qE 'ERROR: (Address|Leak|Thread|Memory)Sanitizer|runtime error: ' "$f"; then
			echo "sanitizer report in $f:" >&2
			head -n 40 "$f" >&2
			bad=1
		fi
	done
	return $bad
}

# need COMMAND PACKAGE: fail, never skip, when COMMAND is missing: a test
# that cannot run is a failure with its reason. make test installs PACKAGE
# (tests/deps) before it runs the suites.
need() {
	command -v "$1" >/dev/null 2>&1 && return 0
	echo "$1 is not installed: tests/deps $2 installs it (make test runs it)" >&2
	return 1
}

wait_for() {
	local deadline=$1
	shift
	local end=$(( $(date +%s%N) + deadline * 1000000000 ))
	until "$@"; do
		if [ "$(date +%s%N)" -gt "$end" ]; then
			echo "timed out after ${deadline}s waiting for: $*" >&2
			return 1
		fi
		sleep 0.02
	done
}

# A server prints "listening on ADDR" (after "PROG: " or a time stamp, or
# alone as weblog-serve does) once it accepts: a port chosen by the kernel
# (-l 127.0.0.1:0) is never taken by someone else between a test choosing
# it and the server binding it, and an open port is not yet a ready server
# (fib-serve says it once its first reservation is written).
listening() {
	local f=$1 pid="" addr
	case $1 in
	*/*) ;;
	*) f=$T/$1.err; eval "pid=\${${1}_pid-}" ;;
	esac
	wait_for "${2:-10}" listened_or_gone "$f" "$pid" || return 1
	if ! addr=$(listened "$f"); then
		echo "$1 exited without listening:" >&2
		cat "$f" >&2
		return 1
	fi
	case $addr in
	unix:*) echo "$addr" ;;
	*) echo "${addr##*:}" ;;
	esac
}

# listened FILE: print the first address FILE says it listens on.
listened() {
	[ -f "$1" ] && sed -n 's/^\(.* \)\{0,1\}listening on \([^ ]*\)$/\2/p' "$1" |
		head -n 1 | grep .
}

# listened_or_gone FILE [PID]: FILE says where, or process PID has ended.
listened_or_gone() {
	listened "$1" >/dev/null || { [ -n "$2" ] && ! kill -0 "$2" 2>/dev/null; }
}

port_open() {
	$PY -c 'import socket,sys
s=socket.socket()
s.settimeout(0.2)
sys.exit(s.connect_ex(("127.0.0.1", int(sys.argv[1]))) != 0)' "$1"
}

wait_port() {
	wait_for "${2:-10}" port_open "$1"
}

free_port() {
	$PY -c 'import socket
s=socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}

half_close() {
	$PY -c 'import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(sys.argv[2].encode())
s.shutdown(socket.SHUT_WR)
data = b""
while True:
    chunk = s.recv(65536)
    if not chunk:
        break
    data += chunk
sys.stdout.write(data.decode())' "$1" "${2-}"
}

# Wait until process $1 has exited; its status is then in $EXIT.
wait_exit() {
	local pid=$1 deadline=${2:-10}
	wait_for "$deadline" eval "! kill -0 $pid 2>/dev/null" || return 1
	wait "$pid"
	EXIT=$?
}

# Many connections, each closed at once: a server logs two lines for each.
flood_connects() {
	$PY -c 'import socket, sys
for _ in range(int(sys.argv[2])):
    socket.create_connection(("127.0.0.1", int(sys.argv[1]))).close()' "$1" "$2"
}

start_unread() {
	local name=$1
	shift
	mkfifo "$T/unread"
	# Held open here and never read: the pipe fills, then the log's buffer.
	exec 5<>"$T/unread"
	start "$name" sh -c 'exec "$@" 2>"$0" 5<&-' "$T/unread" "$@"
}

drain_unread() {
	start drain cat "$T/unread" 5<&-
	wait_for 10 grep -q ' log lines lost$' "$T/drain.out" || return 1
	exec 5<&-
	[ "$(grep -c ' log lines lost$' "$T/drain.out")" -eq 1 ] &&
		grep -q -E "^$1: [1-9][0-9]* log lines lost\$" "$T/drain.out"
}

stamped() {
	grep -q -E "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z $1\$" "$2"
}

# help_layout CMD...: CMD's --help is the usage lines, a blank line, then
# one option a line, every line within 80 columns.
help_layout() {
	"$@" --help >"$T/help" 2>"$T/help.err"
	[ ! -s "$T/help.err" ] || { cat "$T/help.err"; return 1; }
	head -n 1 "$T/help" | grep -q '^usage: '
	[ -z "$(awk 'length > 80' "$T/help")" ] ||
		{ awk 'length > 80' "$T/help"; return 1; }
	[ "$(sed '1,/^$/d' "$T/help" | wc -l)" -gt 2 ]
	[ -z "$(sed '1,/^$/d' "$T/help" | grep -Ev '^  (    )?[-A-Z]')" ]
}

# usage_is_synopsis PROG: the usage --help prints (up to its blank line)
# is the man page's SYNOPSIS, compared without white space: the two wrap
# their lines differently.
usage_is_synopsis() {
	local synopsis usage
	synopsis=$(mandoc -Tascii "$BATS_TEST_DIRNAME/../man/$1.1" | col -b |
		sed -n '/^SYNOPSIS/,/^DESCRIPTION/p' | sed '1d;$d' | tr -d ' \t\n')
	usage=$("$BIN/$1" --help | sed '/^$/,$d; s/^usage: //' | tr -d ' \t\n')
	[ "$synopsis" = "$usage" ] ||
		{ printf 'synopsis: %s\nusage:    %s\n' "$synopsis" "$usage"; return 1; }
}

# serve_http ARGS: weblog-serve on kernel-chosen ports, the XML stream ($P)
# and HTTP ($H), reading the FIFO $T/in (written through descriptor 4)
# unless ARGS name FILEs.
serve_http() {
	mkfifo "$T/in"
	start srv sh -c 'f=$1; shift; exec "$@" <"$f"' sh "$T/in" \
		"$BIN/weblog-serve" -l 127.0.0.1:0 --http 127.0.0.1:0 "$@"
	exec 4>"$T/in"
	P=$(listening srv)
	wait_for 10 grep -q 'listening on http://' "$T/srv.err"
	H=$(sed -n 's|.*listening on http://127\.0\.0\.1:\([0-9]*\)/$|\1|p' "$T/srv.err")
	[ -n "$H" ]
}

# run_recipe SECTION PIDFILE...: run twirl(7)'s recipe in SECTION as
# written: each "$ command" of its literal displays, in $T, with the
# programs under test first in PATH, its output (stderr too: what a reader
# sees) compared with the lines after it. The caller defines
# recipe_rewrite, which prints a line (command or output) with the test's
# ports and sockets in place of the page's, and may define recipe_after
# CMD, run after each command. The daemons the recipe starts are stopped
# by the pids in PIDFILEs, even if it fails.
run_recipe() {
	local section=$1 cmd="" want="" got line f
	shift
	sed -n "/^\.Ss $section\$/,/^\.S[sh] /p" \
		"$BATS_TEST_DIRNAME/../man/twirl.7" |
		sed -n '/^\.Bd -literal/,/^\.Ed/p' | grep -v '^\.[BE]d' |
		sed 's/\\e/\\/g' >"$T/recipe"
	grep -q '^\$ ' "$T/recipe" || { echo "no recipe in $section"; return 1; }
	cd "$T" || return 1
	PATH=$BIN:$PATH
	while IFS= read -r line || [ -n "$cmd" ]; do
		case $line in
		'$ '*|'')
			if [ -n "$cmd" ]; then
				got=$(eval "$cmd" 2>&1)
				for f in "$@"; do	# it may be gone meanwhile
					STARTED="$STARTED $(cat "$f" 2>/dev/null || :)"
				done
				[ "$got" = "$want" ] ||
					{ echo "$cmd: got '$got', want '$want'"; return 1; }
				! declare -F recipe_after >/dev/null ||
					recipe_after "$cmd" || return 1
			fi
			cmd=$(recipe_rewrite "${line#\$ }")
			want=""
			[ -n "$line" ] || break
			;;
		*)
			want=${want:+$want$'\n'}$(recipe_rewrite "$line")
			;;
		esac
	done <"$T/recipe"
}

# bad_option WANT CMD...: CMD exits 2, says WANT as its first line on
# stderr (the program's name, never the path it was run by), then the usage,
# and prints nothing on stdout.
bad_option() {
	local want=$1 rc=0
	shift
	"$@" >"$T/out" 2>"$T/err" || rc=$?
	[ "$rc" -eq 2 ] || { echo "$*: exit $rc"; return 1; }
	[ ! -s "$T/out" ] || { echo "$*: wrote on stdout"; return 1; }
	[ "$(head -n 1 "$T/err")" = "$want" ] ||
		{ echo "$*: $(head -n 1 "$T/err")"; return 1; }
	sed -n 2p "$T/err" | grep -q '^usage: ' ||
		{ echo "$*: no usage after the message"; return 1; }
}

# need_ipv6: a test that needs ::1 fails with the reason where there is
# none, as need does for a command: a suite that cannot run is a failure.
need_ipv6() {
	"$PY" -c 'import socket; socket.socket(socket.AF_INET6).bind(("::1", 0))' \
		2>/dev/null && return 0
	echo "no IPv6 loopback (::1): this test needs one" >&2
	return 1
}
