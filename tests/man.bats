#!/usr/bin/env bats
# The manual: every page clean under mandoc -Tlint, with the sections a
# reader looks for, and a page for every program.

load helper

MAN="$BATS_TEST_DIRNAME/../man"

# sections PAGE: the page's .Sh headings, one a line.
sections() {
	sed -n 's/^\.Sh //p' "$1" | tr -d '"'
}

@test "every man page is clean under mandoc -Tlint" {
	need mandoc mandoc
	local m out
	for m in "$MAN"/*.[1-9]; do
		out=$(mandoc -Tlint -W warning "$m" 2>&1)
		[ -z "$out" ] || { echo "$out"; false; }
	done
}

@test "every program, the library, the state file and the overview have a page" {
	local p
	for p in "$BATS_TEST_DIRNAME"/../bin/*.c; do
		p=${p##*/}
		[ -f "$MAN/${p%.c}.1" ]
	done
	[ -f "$MAN/twirl.3" ]
	[ -f "$MAN/fib-state.5" ]
	[ -f "$MAN/twirl.7" ]
}

@test "each program's page has DESCRIPTION, OPTIONS, EXIT STATUS, EXAMPLES and SEE ALSO, in that order" {
	local m
	for m in "$MAN"/*.1; do
		sections "$m" | grep -x -e DESCRIPTION -e OPTIONS -e 'EXIT STATUS' \
		    -e EXAMPLES -e 'SEE ALSO' | tr '\n' '|' >"$T/order"
		echo "$m: $(cat "$T/order")"
		[ "$(cat "$T/order")" = "DESCRIPTION|OPTIONS|EXIT STATUS|EXAMPLES|SEE ALSO|" ]
	done
}

@test "the library, file format and overview pages have DESCRIPTION, EXAMPLES and SEE ALSO" {
	local m
	for m in "$MAN"/*.[3-9]; do
		sections "$m" | grep -x -e DESCRIPTION -e EXAMPLES -e 'SEE ALSO' |
		    tr '\n' '|' >"$T/order"
		echo "$m: $(cat "$T/order")"
		[ "$(cat "$T/order")" = "DESCRIPTION|EXAMPLES|SEE ALSO|" ]
	done
}

@test "twirl(7) walks through every program, and every page points back to it" {
	local m p
	for p in weblog-serve weblog-client fib-serve fib-snapshot; do
		grep -q "^\.Xr $p 1" "$MAN/twirl.7"
		grep -q "^\$ .*$p" "$MAN/twirl.7"
	done
	for m in "$MAN"/*.[1-5]; do
		sed -n '/^\.Sh SEE ALSO/,/^\.Sh/p' "$m" | grep -q '^\.Xr twirl 7' ||
		    { echo "$m does not point to twirl(7)"; false; }
	done
}
