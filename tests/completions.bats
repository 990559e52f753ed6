#!/usr/bin/env bats
# Shell completions: bash offers every option and subcommand each program
# accepts (its source's getopt tables are the reference), and the zsh and
# fish completions load without error and, in fish, offer every option too.

load helper

C="$BATS_TEST_DIRNAME/../completions"
SRC="$BATS_TEST_DIRNAME/../bin"
PROGRAMS="weblog-serve weblog-client fib-serve fib-snapshot"

# long_options PROG: the long options in PROG's getopt tables, as --NAME.
long_options() {
	sed -n 's/^[[:space:]]*{ "\([a-z-]*\)", \(no\|required\)_argument,.*/--\1/p' \
	    "$SRC/$1.c" | sort -u
}

# short_options PROG: the letters of PROG's getopt string, as -X.
short_options() {
	grep -o 'getopt_long(argc, argv, "[^"]*"' "$SRC/$1.c" |
	    sed 's/.*"\(.*\)"/\1/' | tr -d ':+\n' | fold -w 1 | sort -u |
	    sed 's/^/-/'
}

# bash_complete PROG WORD...: what bash offers for the last WORD, one a line.
bash_complete() {
	local prog=$1 fn
	shift
	# shellcheck disable=SC1090
	source "$C/$prog.bash"
	fn=$(complete -p "$prog" | sed 's/.*-F \([^ ]*\) .*/\1/')
	COMP_WORDS=("$prog" "$@")
	COMP_CWORD=$#
	COMP_LINE="$prog $*"
	COMP_POINT=${#COMP_LINE}
	COMPREPLY=()
	"$fn" "$prog" "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
	printf '%s\n' "${COMPREPLY[@]}" | sort -u
}

# offers_all EXPECTED ACTUAL: every line of EXPECTED is in ACTUAL.
offers_all() {
	local missing
	missing=$(comm -23 <(echo "$1" | sort -u) <(echo "$2" | sort -u))
	[ -z "$missing" ] || { echo "not offered: $missing"; false; }
}

@test "bash completes every long and short option of every program but fib-snapshot" {
	local p
	for p in weblog-serve weblog-client fib-serve; do
		offers_all "$(long_options "$p")" "$(bash_complete "$p" --)"
		offers_all "$(short_options "$p")" "$(bash_complete "$p" -)"
	done
}

@test "bash completes fib-snapshot's commands, then each command's options" {
	local cmds
	cmds=$(sed -n 's/^[[:space:]]*{ "\([a-z]*\)", cmd_.*/\1/p' "$SRC/fib-snapshot.c")
	[ "$(echo "$cmds" | wc -l)" -eq 5 ]
	offers_all "$cmds" "$(bash_complete fib-snapshot '')"
	offers_all "--help
--version" "$(bash_complete fib-snapshot --)"
	offers_all "--a
--b
--index
--listen
--force
--help" "$(bash_complete fib-snapshot init --)"
	offers_all "--json" "$(bash_complete fib-snapshot show --)"
	offers_all "-n" "$(bash_complete fib-snapshot next -)"
	# Every long option of the source is in one of the lists above.
	offers_all "$(long_options fib-snapshot)" "--a
--b
--index
--listen
--force
--help
--json"
	[ "$(bash_complete fib-snapshot set fib.state s)" = "served=" ]
}

@test "bash completes option values: modes, formats, files" {
	[ "$(bash_complete weblog-serve -m p | tr '\n' ' ')" = "poll push " ]
	[ "$(bash_complete weblog-client --format t)" = tsv ]
	cd "$T"
	: >fib.state
	[ "$(bash_complete fib-serve -s fib.s)" = fib.state ]
	[ "$(bash_complete fib-snapshot show fib.s)" = fib.state ]
	[ -z "$(bash_complete fib-serve --reserve 1)" ]
}

@test "every bash completion is registered for its program's name" {
	local p
	for p in $PROGRAMS; do
		# shellcheck disable=SC1090
		source "$C/$p.bash"
		complete -p "$p" | grep -q -- "-F _"
	done
}

@test "zsh loads every completion function without error and binds it to its program" {
	need zsh zsh
	local p
	for p in $PROGRAMS; do
		zsh -n "$C/_$p"
	done
	run zsh -f -c 'fpath=("$1" $fpath)
		autoload -U compinit && compinit -u -d "$2/zcompdump" || exit 1
		for p in weblog-serve weblog-client fib-serve fib-snapshot; do
			[[ $_comps[$p] == _$p ]] || { print "$p: $_comps[$p]"; exit 1; }
			autoload +X _$p || exit 1
		done' zsh "$C" "$T"
	echo "$output"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
}

@test "fish loads every completion without error and offers every option and command" {
	need fish fish
	local p out
	for p in $PROGRAMS; do
		out=$(HOME=$T XDG_CONFIG_HOME=$T XDG_DATA_HOME=$T fish --no-config \
		    -c "source '$C/$p.fish'; and complete -C'$p --'" 2>&1)
		echo "$p: $out"
		! echo "$out" | grep -qi error
		if [ "$p" = fib-snapshot ]; then
			offers_all "--help
--version" "$(echo "$out" | cut -f1)"
		else
			offers_all "$(long_options "$p")" "$(echo "$out" | cut -f1)"
		fi
	done
	out=$(HOME=$T XDG_CONFIG_HOME=$T XDG_DATA_HOME=$T fish --no-config -c \
	    "source '$C/fib-snapshot.fish'; and complete -C'fib-snapshot '; and complete -C'fib-snapshot init --'" 2>&1)
	offers_all "init
show
check
set
next
--a
--b
--index
--listen
--force" "$(echo "$out" | cut -f1)"
}
