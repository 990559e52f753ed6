#!/usr/bin/env bats
# Every manual page is clean under mandoc -Tlint.

load helper

@test "every man page is clean under mandoc -Tlint" {
	command -v mandoc
	local m out
	for m in "$BATS_TEST_DIRNAME"/../man/*.[1-9]; do
		out=$(mandoc -Tlint -W warning "$m" 2>&1)
		[ -z "$out" ] || { echo "$out"; false; }
	done
}

@test "make install and make uninstall mirror each other in a DESTDIR" {
	cd "$BATS_TEST_DIRNAME/.."
	make -s install DESTDIR="$T/root" PREFIX=/usr >/dev/null
	[ -f "$T/root/usr/lib/libtwirl.a" ]
	[ -f "$T/root/usr/include/twirl/twirl.h" ]
	[ -f "$T/root/usr/include/twirl/conn.h" ]
	[ ! -e "$T/root/usr/include/twirl/internal.h" ]
	[ -f "$T/root/usr/share/man/man3/twirl.3" ]
	make -s uninstall DESTDIR="$T/root" PREFIX=/usr >/dev/null
	[ -z "$(find "$T/root" -type f)" ]
}
