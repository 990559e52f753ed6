#!/usr/bin/env bats
# fib-snapshot: init, show, check, set and next on fib-serve's state file;
# every defect of the file is refused with FILE:LINE: reason.

load helper
load fib

suite_setup() {
	STATE=$T/fib.state
}

snap() {
	"$BIN/fib-snapshot" "$@"
}

# A valid file, hand-written as a person would.
valid() {
	printf '# a comment\nfib-state 1\na 5\nb 8\nserved 3\nreserve 0\n'
}

@test "init writes a=1 b=1 served 0 reserve 0, and show prints every key" {
	snap init "$STATE"
	run snap show "$STATE"
	[ "$status" -eq 0 ]
	[ "$output" = "$(printf 'fib-state: 1\na: 1\nb: 1\nserved: 0\nreserve: 0\nnext: 2\nindex: 1')" ]
	grep -q '^# ' "$STATE"	# says who wrote it
	snap check "$STATE"
}

@test "init --index N starts so the next number is F(N+2)" {
	snap init --index 1000 "$STATE"
	[ "$(snap next "$STATE")" = "$($PY "$FIBC" fib 1002)" ]
	run snap show "$STATE"
	[[ "$output" == *"index: 1000"* ]]
	snap init --force --index 0 "$STATE"
	[ "$(state_key a)" = 0 ]
	[ "$(state_key b)" = 1 ]
	[ "$(snap next -n 3 "$STATE" | tr '\n' ' ')" = "1 2 3 " ]
}

@test "init --a --b --listen sets them, and conflicting or partial options are usage errors" {
	snap init --a 2 --b 3 --listen 127.0.0.1:9000 "$STATE"
	[ "$(state_key a)" = 2 ]
	[ "$(state_key listen)" = 127.0.0.1:9000 ]
	run snap show "$STATE"
	[[ "$output" == *"index: 3"* ]]	# 2, 3 is F(3), F(4)
	rm "$STATE"
	snap init --a 4 --b 9 "$STATE"
	run snap show "$STATE"
	[[ "$output" != *"index:"* ]]
	run snap init --a 1 --b 2 --index 5 "$T/x"
	[ "$status" -eq 2 ]
	run snap init --a 1 "$T/x"
	[ "$status" -eq 2 ]
	run snap init --index -1 "$T/x"
	[ "$status" -eq 2 ]
	run snap init --listen 1:2:3 "$T/x"
	[ "$status" -eq 2 ]
	[[ "$output" == *"listen: bad address '1:2:3'"* ]]
	run snap init --a 1 --b 0 "$T/x"
	[ "$status" -eq 2 ]
	[ ! -e "$T/x" ]
}

@test "init refuses to overwrite without --force" {
	snap init --index 10 "$STATE"
	sum=$(cksum <"$STATE")
	run snap init "$STATE"
	[ "$status" -eq 1 ]
	[ "$output" = "fib-snapshot: $STATE exists (use --force to replace it)" ]
	[ "$(cksum <"$STATE")" = "$sum" ]
	snap init --force "$STATE"
	[ "$(state_key b)" = 1 ]
}

@test "show abbreviates a long next number with its digit count" {
	snap init --index 100000 "$STATE"
	run snap show "$STATE"
	[ "$status" -eq 0 ]
	next=$($PY "$FIBC" fib 100002)
	want="next: ${next:0:30}...${next: -30} (${#next} digits)"
	[[ "$output" == *"$want"* ]]
	[[ "$output" == *"index: 100000"* ]]
}

@test "show --json prints one object with the numbers whole" {
	snap init --index 500 --listen "unix:$T/s" "$STATE"
	snap show --json "$STATE" >"$T/json"
	$PY -c '
import json, sys
sys.set_int_max_str_digits(0)
sys.path.insert(0, sys.argv[3])
from fibc import fib
o = json.load(open(sys.argv[1]))
assert o["fib-state"] == 1
assert int(o["a"]) == fib(500) and int(o["b"]) == fib(501)
assert int(o["next"]) == fib(502) and o["digits"] == len(str(fib(502)))
assert o["served"] == 0 and o["reserve"] == 0 and o["index"] == 500
assert o["listen"] == "unix:" + sys.argv[2] + "/s"
' "$T/json" "$T" "$BATS_TEST_DIRNAME"
	snap init --force --a 4 --b 9 "$STATE"
	[ "$(snap show --json "$STATE")" = '{"fib-state":1,"a":"4","b":"9","served":0,"reserve":0,"listen":null,"next":"13","digits":2,"index":null}' ]
}

@test "check accepts a valid file, with comments, blank lines and any number length" {
	{ valid; echo; echo "   # indented"; echo "listen [::1]:8889"; } >"$STATE"
	snap check "$STATE"
	printf 'fib-state 1\na %s\nb 1\nserved 0\nreserve 0' "$(printf '9%.0s' $(seq 5000))" >"$STATE"
	snap check "$STATE"
}

@test "check refuses every defect with FILE:LINE: reason and leaves the file untouched" {
	f=$T/bad.state
	while IFS='|' read -r text want; do
		printf "$text" >"$f"
		sum=$(cksum <"$f")
		run snap check "$f"
		echo "for $text: $output"
		[ "$status" -eq 1 ]
		[ "$output" = "fib-snapshot: $f$want" ]
		[ "$(cksum <"$f")" = "$sum" ]
	done <<'EOF'
|: not a fib-state file: no 'fib-state 1' line
# nothing but comments\n|: not a fib-state file: no 'fib-state 1' line
a 1\nfib-state 1\n|:1: not a fib-state file: the first line must be 'fib-state 1'
fib-state 2\na 1\n|:1: unsupported format '2' (this reader knows 'fib-state 1')
fib-state 1 extra\n|:1: unsupported format '1 extra' (this reader knows 'fib-state 1')
fib-state 1\na 1\nb 1\nserved 0\nreserve 0\nfib-state 1\n|:6: duplicate 'fib-state' line (first on line 1)
fib-state 1\na 1\nb 1\nserved 0\nreserve 0\nspeed 3\n|:6: unknown key 'speed'
fib-state 1\na 1\nb 1\nb 2\nserved 0\nreserve 0\n|:4: duplicate key 'b' (first on line 3)
fib-state 1\na 1\nserved 0\nreserve 0\n|: missing key 'b'
fib-state 1\nb 1\nserved 0\nreserve 0\n|: missing key 'a'
fib-state 1\na 1\nb 1\nreserve 0\n|: missing key 'served'
fib-state 1\na 1\nb 1\nserved 0\n|: missing key 'reserve'
fib-state 1\na\nb 1\nserved 0\nreserve 0\n|:2: missing value for 'a'
fib-state 1\na 1\nb 0x10\nserved 0\nreserve 0\n|:3: b: malformed number '0x10' (want decimal digits only)
fib-state 1\na +1\nb 1\nserved 0\nreserve 0\n|:2: a: malformed number '+1' (want decimal digits only)
fib-state 1\na 1\nb 1\nserved -4\nreserve 0\n|:4: served: malformed number '-4' (want decimal digits only)
fib-state 1\na 1\nb 1\nserved 0\nreserve 1e3\n|:5: reserve: malformed number '1e3' (want decimal digits only)
fib-state 1\na 1\nb 1\nserved 99999999999999999999\nreserve 0\n|:4: served: number too large (max 18446744073709551615)
fib-state 1\na 1\nb 1\nserved 0\nreserve 100000001\n|:5: reserve: number too large (max 100000000)
fib-state 1\na 1 2\nb 1\nserved 0\nreserve 0\n|:2: trailing junk after the value of 'a': '2'
fib-state 1\na 1\nb 1\nserved 0 # count\nreserve 0\n|:4: trailing junk after the value of 'served': '# count'
fib-state 1\na 1\nb 0\nserved 0\nreserve 0\n|:3: b: is 0, and the sequence would repeat a number
fib-state 1\na 1\nb 1\nserved 0\nreserve 0\nlisten 8889x\n|:6: listen: bad address '8889x': bad port (want 0-65535)
fib-state 1\na 1\nb 1\nserved 0\nreserve 0\nlisten ::1:80\n|:6: listen: bad address '::1:80': an IPv6 address needs brackets: [ADDR]:PORT
fib-state 1\na 1\nb 1\nserved 0\nreserve 0\nlisten unix:\n|:6: listen: bad address 'unix:': empty unix socket path
fib-state 1\r\na 1\n|:1: carriage return at end of line (DOS line ending)
EOF
}

@test "check on a missing file or a directory says why" {
	run snap check "$T/none"
	[ "$status" -eq 1 ]
	[ "$output" = "fib-snapshot: $T/none: No such file or directory" ]
	run snap check "$T"
	[ "$status" -eq 1 ]
	[ "$output" = "fib-snapshot: $T: Is a directory" ]
}

@test "set changes keys atomically and keeps the rest" {
	snap init --listen 9000 "$STATE"
	snap set "$STATE" a=2 b=3 served=7 reserve=10
	[ "$(state_key a)" = 2 ]
	[ "$(state_key b)" = 3 ]
	[ "$(state_key served)" = 7 ]
	[ "$(state_key reserve)" = 10 ]
	[ "$(state_key listen)" = 9000 ]
	snap set "$STATE" listen=
	[ -z "$(state_key listen)" ]
	snap check "$STATE"
	[ -z "$(ls "$T" | grep '\.tmp\.')" ]
}

@test "set keeps the file's mode and writes through a symlink" {
	mkdir "$T/real"
	snap init "$T/real/fib.state"
	chmod 600 "$T/real/fib.state"
	ln -s real/fib.state "$STATE"
	snap set "$STATE" served=5
	[ -L "$STATE" ]
	[ "$(state_key served)" = 5 ]
	[ "$(stat -c %a "$T/real/fib.state")" = 600 ]
	[ -z "$(ls "$T" "$T/real" | grep '\.tmp\.')" ]
}

@test "set refuses an unknown key or a malformed value and changes nothing" {
	snap init "$STATE"
	sum=$(cksum <"$STATE")
	run snap set "$STATE" a=5 colour=blue
	[ "$status" -eq 1 ]
	[ "$output" = "fib-snapshot: set: unknown key 'colour'" ]
	run snap set "$STATE" a=5 b=x
	[ "$status" -eq 1 ]
	[ "$output" = "fib-snapshot: set: b: malformed number 'x' (want decimal digits only)" ]
	run snap set "$STATE" served
	[ "$status" -eq 1 ]
	run snap set "$STATE" listen=nowhere
	[ "$status" -eq 1 ]
	[ "$(cksum <"$STATE")" = "$sum" ]
	run snap set "$STATE"
	[ "$status" -eq 2 ]
}

@test "set and init --force are refused while a server holds the lock, naming its pid" {
	snap init "$STATE"
	start srv "$BIN/fib-serve" -q -s "$STATE" -l 127.0.0.1:0
	port=$(listening srv)
	sum=$(cksum <"$STATE")
	run snap set "$STATE" a=5
	[ "$status" -eq 1 ]
	[ "$output" = "fib-snapshot: $STATE is in use by pid $srv_pid" ]
	run snap init --force "$STATE"
	[ "$status" -eq 1 ]
	[ "$output" = "fib-snapshot: $STATE is in use by pid $srv_pid" ]
	[ "$(cksum <"$STATE")" = "$sum" ]
	# Reading needs no lock.
	snap show "$STATE" >/dev/null
	snap check "$STATE"
	kill -TERM "$srv_pid"
	wait_exit "$srv_pid"
	snap set "$STATE" reserve=0
}

@test "the lock is STATE.lock: whoever holds it there is named, by fib-serve too" {
	snap init "$STATE"
	start holder $PY -c 'import fcntl, sys, time
f = open(sys.argv[1], "a")
fcntl.lockf(f, fcntl.LOCK_EX)
print("locked", flush=True)
time.sleep(600)' "$STATE.lock"
	wait_for 5 grep -q locked "$T/holder.out"
	sum=$(cksum <"$STATE")
	run snap set "$STATE" a=5
	[ "$status" -eq 1 ]
	[ "$output" = "fib-snapshot: $STATE is in use by pid $holder_pid" ]
	run "$BIN/fib-serve" -q -s "$STATE" -l 127.0.0.1:0
	[ "$status" -eq 1 ]
	[ "$output" = "fib-serve: $STATE is in use by pid $holder_pid" ]
	[ "$(cksum <"$STATE")" = "$sum" ]
}

@test "a lock that cannot be taken is one line naming STATE.lock, and changes nothing" {
	snap init "$STATE"
	rm -f "$STATE.lock"	# init took it, as a file
	mkdir "$STATE.lock"
	sum=$(cksum <"$STATE")
	run snap set "$STATE" a=5
	[ "$status" -eq 1 ]
	[ "$output" = "fib-snapshot: $STATE.lock: Is a directory" ]
	run snap init --force "$STATE"
	[ "$status" -eq 1 ]
	[ "$output" = "fib-snapshot: $STATE.lock: Is a directory" ]
	run "$BIN/fib-serve" -q -s "$STATE" -l 127.0.0.1:0
	[ "$status" -eq 1 ]
	[ "$output" = "fib-serve: $STATE.lock: Is a directory" ]
	[ "$(cksum <"$STATE")" = "$sum" ]
}

@test "next prints the next N numbers and leaves the file unchanged" {
	snap init "$STATE"
	sum=$(cksum <"$STATE")
	[ "$(snap next "$STATE")" = 2 ]
	snap next -n 300 "$STATE" | $PY "$FIBC" check 3
	[ "$(snap next -n 300 "$STATE" | wc -l)" -eq 300 ]
	[ "$(cksum <"$STATE")" = "$sum" ]
	run snap next -n x "$STATE"
	[ "$status" -eq 2 ]
}

@test "show and next skip the reserve, as a server starting on the file does" {
	snap init --index 10 "$STATE"
	snap set "$STATE" reserve=5
	# a=F(10), b=F(11): a server first skips F(12)..F(16).
	run snap show "$STATE"
	[ "$status" -eq 0 ]
	[[ "$output" = *$'\nnext: 1597\n'* ]]
	[[ "$output" = *$'\nindex: 10' ]]
	[[ "$(snap show --json "$STATE")" = *'"next":"1597"'* ]]
	[ "$(snap next -n 3 "$STATE" | tr '\n' ' ')" = "1597 2584 4181 " ]
	snap next -n 5 "$STATE" >"$T/preview"
	start srv "$BIN/fib-serve" -q -s "$STATE" -l 127.0.0.1:0
	port=$(listening srv)
	$PY "$FIBC" get "$port" 5 >"$T/served"
	cmp "$T/preview" "$T/served"
}

@test "a large reserve is skipped at once, by fast doubling" {
	snap init "$STATE"
	snap set "$STATE" reserve=20000
	# a server starting here serves F(20003) first: 4181 digits.
	run snap show "$STATE"
	[ "$status" -eq 0 ]
	[[ "$output" = *"next: 107221756654166114261899957387...271719241404211844171662514377 (4181 digits)"* ]]
}

@test "next agrees with what fib-serve then serves" {
	snap init --index 77 "$STATE"
	snap next -n 5 "$STATE" >"$T/preview"
	start srv "$BIN/fib-serve" -q -s "$STATE" -l 127.0.0.1:0
	port=$(listening srv)
	$PY "$FIBC" get "$port" 5 >"$T/served"
	cmp "$T/preview" "$T/served"
}

@test "--help, --version, a bad option and an unknown command" {
	run snap --help
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "usage: fib-snapshot init [--a A --b B | --index N] [--listen ADDRESS]" ]
	run snap show --help
	[ "$status" -eq 0 ]
	run snap --version
	[ "$output" = "fib-snapshot 0.1.0" ]
	run snap show --bogus "$STATE"
	[ "$status" -eq 2 ]
	[[ "$output" == *"usage: fib-snapshot"* ]]
	run snap frobnicate
	[ "$status" -eq 2 ]
	[[ "${lines[0]}" == "fib-snapshot: unknown command 'frobnicate'" ]]
	run snap
	[ "$status" -eq 2 ]
	run snap check
	[ "$status" -eq 2 ]
}

@test "next and show into a reader that goes away end quietly with exit 0" {
	snap init --index 300000 "$STATE"
	snap next -n 100000 "$STATE" 2>"$T/err" | head -n 1 >/dev/null
	[ "${PIPESTATUS[0]}" -eq 0 ]
	[ ! -s "$T/err" ]
	snap show --json "$STATE" 2>"$T/err" | head -c 10 >/dev/null
	[ "${PIPESTATUS[0]}" -eq 0 ]
	[ ! -s "$T/err" ]
	# Any other failed write is an error.
	snap next -n 10 "$STATE" >/dev/full 2>"$T/err" && false
	[ "$(cat "$T/err")" = "fib-snapshot: stdout: No space left on device" ]
}

@test "the usage matches the man page's synopsis" {
	usage_is_synopsis fib-snapshot
}

# ------------------------------------------------------------ --help


@test "--help is the usage, then one option a line, within 80 columns" {
	help_layout "$BIN/fib-snapshot"
}

# ------------------------------------------------------------ bad options


@test "a bad option is one line naming it, then the usage, and exit 2" {
	local p="$BIN/fib-snapshot"

	bad_option "fib-snapshot: unknown option: --bogus" "$p" --bogus
	bad_option "fib-snapshot: unknown option: -x" "$p" -x
	bad_option "fib-snapshot: unknown option: --bogus" "$p" show --bogus "$STATE"
	bad_option "fib-snapshot: unknown option: -x" "$p" next -x "$STATE"
	bad_option "fib-snapshot: option requires an argument: -n" "$p" next -n
	bad_option "fib-snapshot: option requires an argument: --index" "$p" init --index
	bad_option "fib-snapshot: option takes no argument: --force" "$p" init --force=1 "$STATE"
	bad_option "fib-snapshot: unknown option: -x" "$p" set -x "$STATE" a=1
}
