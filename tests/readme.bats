#!/usr/bin/env bats
# The README's five-minute tour, run as a newcomer would: every ```sh block
# of its "A five-minute tour" section in order, from a scratch directory,
# and what they print compared with its ```text blocks.
#
# The tour uses the default ports 8888 and 8889, so it runs in a network
# namespace of its own (unshare -rn) where nobody else listens; without
# one, on the host if both ports are free. A newcomer types slowly, so
# after each kill the runner waits, with a deadline, until what was killed
# is gone before the next command.

load helper

TOP=$(cd "$BATS_TEST_DIRNAME/.." && pwd)

teardown() {
	# A daemon the tour started and did not stop, if it failed midway.
	if [ -f "$T/fib.pid" ]; then
		kill -KILL "$(cat "$T/fib.pid")" 2>/dev/null || true
	fi
	stop_all
	rm -rf "$T"
}

# tour_blocks LANG: the lines of the tour's ```LANG blocks, in order.
tour_blocks() {
	awk -v lang="$1" '
		/^## / { in_tour = ($0 == "## A five-minute tour") }
		in_tour && /^```/ {
			if (block) { block = 0; next }
			if ($0 == "```" lang) { block = 1; next }
		}
		in_tour && block { print }
	' "$TOP/README.md"
}

# What the runner adds before the tour: make in the source tree, a kill
# that waits, and no process left behind.
write_prelude() {
	cat >"$T/prelude.sh" <<-EOF
	set -e
	make() { command make -s -C "$TOP" "\$@" >/dev/null; }
	gone() {
		! builtin kill -0 "\$1" 2>/dev/null ||
		    [ "\$(sed 's/.*) //' /proc/\$1/stat 2>/dev/null | cut -c1)" = Z ]
	}
	kill() {
		local a p end=\$((SECONDS + 10))
		builtin kill "\$@" || return
		for a; do
			case \$a in
			-*) continue ;;
			%*) p=\$(jobs -p "\$a" 2>/dev/null) || continue ;;
			*) p=\$a ;;
			esac
			until gone "\$p"; do
				[ \$SECONDS -lt \$end ] || { echo "\$p did not stop" >&2; return 1; }
				sleep 0.02
			done
		done
	}
	trap 'for p in \$(jobs -p); do builtin kill -KILL \$p 2>/dev/null; done' EXIT
	EOF
}

# run_tour: run the tour in $T; stdout in $T/actual, stderr in $T/stderr.
run_tour() {
	local ns=""
	if unshare -rn sh -c 'ip link set lo up' 2>/dev/null; then
		ns="unshare -rn sh -c 'ip link set lo up && exec bash tour.sh'"
	elif ! port_open 8888 && ! port_open 8889; then
		ns="bash tour.sh"
	else
		echo "cannot run the tour: ports 8888 or 8889 are in use and" \
			"unshare -rn cannot make a network namespace" >&2
		return 1
	fi
	cd "$T"
	ln -s "$TOP/bin" bin
	write_prelude
	{ cat prelude.sh; tour_blocks sh; } >tour.sh
	timeout 120 sh -c "$ns" >actual 2>stderr
}

@test "the README's tour has its commands and their outputs" {
	[ "$(tour_blocks sh | grep -c .)" -ge 15 ]
	[ "$(tour_blocks text | grep -c .)" -ge 8 ]
	tour_blocks sh | grep -q '^make$'
	tour_blocks sh | grep -q '^bin/weblog-client '
	tour_blocks sh | grep -q '^bin/fib-serve -d '
	tour_blocks sh | grep -q '^kill -9 '
}

@test "every command of the README's tour runs and prints what the README shows" {
	need nc netcat-openbsd
	tour_blocks text >"$T/expected"
	run run_tour
	echo "tour exited $status; its stderr:"
	cat "$T/stderr"
	[ "$status" -eq 0 ]
	diff -u "$T/expected" "$T/actual"
	# Everything it started, it stopped.
	[ ! -e "$T/fib.pid" ]
	grep -q 'stopped; served 1004' "$T/fib.log"
}
