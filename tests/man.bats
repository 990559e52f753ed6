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

@test "twirl(3) names every tw_ and TW_ identifier of the installed headers" {
	local top="$BATS_TEST_DIRNAME/.." h n missing=""
	# The installed list, from the Makefile itself.
	h=$(make -s -C "$top" --eval='print-headers:;@echo $(HEADERS)' \
	    print-headers)
	[ -n "$h" ]
	# Declarations only: comments dropped, include guards and the
	# library's internal tw__ names left out.
	for n in $(cd "$top" && cat $h | sed 's,/\*.*\*/,,; /^ \*/d; /^\/\*/d' |
	    grep -ohE '\b(tw|TW|TWIRL)_[A-Za-z0-9_]+\b' |
	    grep -vE '^(tw__|TWIRL_[A-Z]+_H$|TWIRL_H$)' | sort -u); do
		grep -qw -- "$n" "$MAN/twirl.3" || missing="$missing $n"
	done
	echo "not in twirl(3):$missing"
	[ -z "$missing" ]
}

@test "twirl(3)'s example builds against the headers and serves" {
	local top="$BATS_TEST_DIRNAME/.."
	# The first literal block that includes <twirl/twirl.h>, unescaped.
	awk '/^\.Bd -literal/ { b = ""; on = 1; next }
	    /^\.Ed/ { if (on && b ~ /twirl\/twirl.h/) { printf "%s", b; exit }
	        on = 0; next }
	    on { b = b $0 "\n" }' "$MAN/twirl.3" | sed 's/\\e/\\/g' >"$T/echo.c"
	grep -q 'tw_reactor_run' "$T/echo.c"
	mkdir -p "$T/inc"
	ln -s "$(cd "$top/lib" && pwd)" "$T/inc/twirl"
	$(cut -d' ' -f1 "$top/build/flags") -std=c11 -Wall -Wextra -Werror \
	    $(grep -o -- '-fsanitize=[a-z,]*' "$top/build/flags" | head -n 1) \
	    -I "$T/inc" -o "$T/echo" "$T/echo.c" "$top/lib/libtwirl.a" -lpthread
	start echo "$T/echo" "unix:$T/echo.sock"
	wait_for 10 test -S "$T/echo.sock"
	[ "$(printf 'hello\n' | nc -N -U "$T/echo.sock")" = hello ]
}
