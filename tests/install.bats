#!/usr/bin/env bats
# make install and make uninstall, in a temporary DESTDIR: where every file
# goes, that pkg-config finds the library, that a program builds against
# the installed headers, and that uninstall leaves nothing behind.

load helper

TOP="$BATS_TEST_DIRNAME/.."

suite_setup() {
	R=$T/root
}

# The compiler and sanitizer flags the library was built with: a program
# linked with a sanitized libtwirl.a needs the same runtime.
lib_cc() {
	local flags
	flags=$(cat "$TOP/build/flags")
	echo "${flags%% *} $(echo "$flags" | grep -o -- '-fsanitize=[a-z,]*' | head -n 1)"
}

install_to() {
	make -s -C "$TOP" install DESTDIR="$R" PREFIX="$1" >/dev/null
}

# A program that uses the installed library as a stranger would.
write_program() {
	cat >"$T/tick.c" <<-'EOF'
	#include <stdio.h>

	#include <twirl/twirl.h>
	#include <twirl/sdnotify.h>

	static void
	tick(tw_timer *t)
	{
		puts("tick");
		tw_reactor_stop(t->data);
	}

	int
	main(void)
	{
		tw_reactor *r = tw_reactor_create(NULL);
		tw_timer t;

		if (r == NULL)
			return 1;
		tw_timer_init(&t, tick, r);
		tw_call_later(r, &t, 0.01);
		tw_reactor_run(r);
		tw_reactor_destroy(r);
		printf("%s %d\n", TWIRL_VERSION, tw_notify("READY=1"));
		return 0;
	}
	EOF
}

@test "make install puts exactly the programs, man pages, completions, the core library, its headers and twirl.pc" {
	local p
	install_to /usr
	for p in weblog-serve weblog-client fib-serve fib-snapshot; do
		[ "$("$R/usr/bin/$p" --version)" = "$p 0.1.0" ]
	done
	grep -q '^prefix=/usr$' "$R/usr/lib/pkgconfig/twirl.pc"
	grep -q '^Version: 0.1.0$' "$R/usr/lib/pkgconfig/twirl.pc"
	# The whole list: the programs' own modules (lib/weblog, lib/fib,
	# lib/redis, lib/util) and the library's internal headers are never
	# installed.
	{
		for p in weblog-serve weblog-client fib-serve fib-snapshot; do
			echo "bin/$p"
			echo "share/man/man1/$p.1"
			echo "share/bash-completion/completions/$p"
			echo "share/zsh/site-functions/_$p"
			echo "share/fish/vendor_completions.d/$p.fish"
		done
		echo share/man/man3/twirl.3
		echo share/man/man5/fib-state.5
		echo share/man/man7/twirl.7
		echo lib/libtwirl.a
		echo lib/pkgconfig/twirl.pc
		for p in addr bytes conn deferred lines reactor resolve sdnotify \
		    signals thread timer twirl; do
			echo "include/twirl/$p.h"
		done
	} | sort >"$T/want"
	(cd "$R/usr" && find . -type f | sed 's|^\./||' | sort) >"$T/got"
	diff -u "$T/want" "$T/got"
}

@test "the installed libtwirl.a holds the core alone: no program module, nothing that exits" {
	install_to /usr
	ar t "$R/usr/lib/libtwirl.a" | sort >"$T/members"
	# Every program module's object, named from the tree.
	local mods
	mods=$(cd "$TOP/lib" && ls weblog/*.c fib/*.c redis/*.c util/*.c |
	    sed 's|.*/||; s|\.c$||' | paste -sd '|')
	[ -n "$mods" ]
	# (run: a bare "! grep" would not fail the test under set -e)
	run grep -E "^($mods)\.o$" "$T/members"
	[ "$status" -eq 1 ]
	grep -q '^reactor\.o$' "$T/members"
	# STYLE rule 4: the library never exits and never prints.
	! nm -u "$R/usr/lib/libtwirl.a" | grep -wE 'exit|_exit|printf|puts|perror|err|errx|warn|warnx|fprintf|fputs'
}

@test "a program built with pkg-config against the DESTDIR install includes <twirl/twirl.h> and runs" {
	need pkg-config pkg-config
	local flags
	install_to /usr/local
	write_program
	flags=$(PKG_CONFIG_PATH=$R/usr/local/lib/pkgconfig \
	    PKG_CONFIG_SYSROOT_DIR=$R pkg-config --cflags --libs twirl)
	[[ "$flags" == *"-I$R/usr/local/include"* ]]
	[[ "$flags" == *"-ltwirl -lpthread"* ]]
	# shellcheck disable=SC2086
	$(lib_cc) -std=c11 -Wall -Werror -o "$T/tick" "$T/tick.c" $flags
	[ "$("$T/tick" | tr '\n' ' ')" = "tick 0.1.0 0 " ]
	# Moved with --define-variable, as a relocated tree would be.
	flags=$(pkg-config --define-variable=prefix="$R/usr/local" \
	    --cflags --libs "$R/usr/local/lib/pkgconfig/twirl.pc")
	# shellcheck disable=SC2086
	$(lib_cc) -std=c11 -o "$T/tick2" "$T/tick.c" $flags
	"$T/tick2" | grep -q '^tick$'
}

@test "without DESTDIR, PREFIX alone decides every path, twirl.pc's too" {
	need pkg-config pkg-config
	make -s -C "$TOP" install PREFIX="$T/p" >/dev/null
	[ -x "$T/p/bin/fib-serve" ]
	[ "$(PKG_CONFIG_PATH=$T/p/lib/pkgconfig pkg-config --variable=includedir twirl)" = "$T/p/include" ]
	write_program
	# shellcheck disable=SC2046
	$(lib_cc) -std=c11 -o "$T/tick" "$T/tick.c" \
	    $(PKG_CONFIG_PATH=$T/p/lib/pkgconfig pkg-config --cflags --libs twirl)
	"$T/tick" | grep -q '^tick$'
	make -s -C "$TOP" uninstall PREFIX="$T/p" >/dev/null
	[ -z "$(find "$T/p" -type f)" ]
}

@test "make uninstall with the same PREFIX and DESTDIR removes every file install made" {
	install_to /usr
	[ "$(find "$R" -type f | wc -l)" -gt 20 ]
	make -s -C "$TOP" uninstall DESTDIR="$R" PREFIX=/usr >/dev/null
	[ -z "$(find "$R" -type f)" ]
}

@test "a program that uses timers alone links no connection, thread or pthread code" {
	install_to /usr
	cat >"$T/timers.c" <<-'EOF2'
	#include <twirl/reactor.h>
	#include <twirl/timer.h>

	static void
	fire(tw_timer *t)
	{
		tw_reactor_stop(t->data);
	}

	int
	main(void)
	{
		tw_reactor *r = tw_reactor_create(NULL);
		tw_timer t;

		if (r == NULL)
			return 1;
		tw_timer_init(&t, fire, r);
		if (tw_call_later(r, &t, 0.01) == -1)
			return 1;
		tw_reactor_run(r);
		tw_reactor_destroy(r);
		return 0;
	}
	EOF2
	# No -lpthread: the reactor must not need it.
	$(lib_cc) -std=c11 -Wall -Werror -I"$R/usr/include" -o "$T/timers" \
	    "$T/timers.c" "$R/usr/lib/libtwirl.a"
	"$T/timers"
	nm "$T/timers" >"$T/syms"
	grep -q 'tw_call_later' "$T/syms"
	! grep -E 'pthread_create|tw_conn_|tw_listen|tw_defer_to_thread|tw_signal_' "$T/syms"
}
