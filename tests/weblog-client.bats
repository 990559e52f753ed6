#!/usr/bin/env bats
# weblog-client: formats, exit statuses, hostile servers, poll mode,
# reconnecting, every address form; and the round trip through weblog-serve.
# Most tests talk to tests/fake_weblog_server.py, which sends what a test
# scripts (or something hostile) and logs what the client sends to $FAKE_LOG.

load helper

CLIENT="$BIN/weblog-client"
FAKE="$BATS_TEST_DIRNAME/fake_weblog_server.py"

suite_setup() {
	export FAKE_LOG="$T/fake.log"
	: >"$FAKE_LOG"
}

# fake NAME MODE [ARG]: a fake server on a port the kernel chooses, set
# in $PORT; ready when this returns.
fake() {
	start "$1" "$PY" "$FAKE" 127.0.0.1:0 "$2" ${3+"$3"}
	PORT=$(listening "$1")
}

hit9() {
	printf '<hit><client>%s</client><ident>-</ident><user>frank</user>' "$1"
	printf '<time>10/Oct/2000:13:55:36 -0700</time>'
	printf '<request>GET /a.gif HTTP/1.0</request><status>200</status>'
	printf '<bytes>2326</bytes><referrer>http://x/</referrer>'
	printf '<agent>Mozilla/4.08</agent></hit>\n'
}

hit7() {
	printf '<hit><client>%s</client><ident>-</ident><user>-</user>' "$1"
	printf '<time>t</time><request>GET / HTTP/1.0</request>'
	printf '<status>404</status><bytes>-</bytes></hit>\n'
}

# A stream with a combined hit, a common one, an odd line and a drop.
sample() {
	printf '<hits>\n'
	hit9 1.2.3.4
	hit7 5.6.7.8
	printf '<dropped count="2"/>\n'
	printf '<hit><line>odd &amp; &lt;line&gt; \\x00\\x5Cx41&#13;\xc3\xa9</line></hit>\n'
	printf '</hits>\n'
}

lines() {
	[ "$(wc -l <"$1")" -ge "$2" ]
}

@test "combined prints the original lines byte for byte" {
	sample >"$T/s.xml"
	fake srv send "$T/s.xml"
	run "$CLIENT" -f combined "$PORT"
	[ "$status" -eq 0 ]
	"$CLIENT" "$PORT" >"$T/got" 2>/dev/null
	{
		echo '1.2.3.4 - frank [10/Oct/2000:13:55:36 -0700] "GET /a.gif HTTP/1.0" 200 2326 "http://x/" "Mozilla/4.08"'
		echo '5.6.7.8 - - [t] "GET / HTTP/1.0" 404 -'
		printf 'odd & <line> \0\\x41\r\xc3\xa9\n'
	} >"$T/want"
	cmp "$T/got" "$T/want"
}

@test "common prints seven fields, tsv nine columns, json objects, xml the hit lines" {
	sample >"$T/s.xml"
	fake srv send "$T/s.xml"
	run "$CLIENT" -f common "$PORT"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = '1.2.3.4 - frank [10/Oct/2000:13:55:36 -0700] "GET /a.gif HTTP/1.0" 200 2326' ]
	[ "${lines[1]}" = '5.6.7.8 - - [t] "GET / HTTP/1.0" 404 -' ]

	run "$CLIENT" -f tsv "$PORT"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "$(printf '1.2.3.4\t-\tfrank\t10/Oct/2000:13:55:36 -0700\tGET /a.gif HTTP/1.0\t200\t2326\thttp://x/\tMozilla/4.08')" ]
	[ "${lines[1]}" = "$(printf '5.6.7.8\t-\t-\tt\tGET / HTTP/1.0\t404\t-\t-\t-')" ]

	"$CLIENT" -f json "$PORT" >"$T/json" 2>/dev/null
	"$PY" -c 'import json,sys
rows = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]
assert rows[0]["agent"] == "Mozilla/4.08" and rows[0]["status"] == "200", rows[0]
assert "referrer" not in rows[1] and rows[1]["bytes"] == "-", rows[1]
assert rows[2] == {"line": "odd & <line> \0\\x41\r\u00e9"}, rows[2]
assert len(rows) == 3' "$T/json"

	"$CLIENT" -f xml "$PORT" >"$T/xml" 2>/dev/null
	sample | grep '^<hit>' | cmp - "$T/xml"
}

@test "a stream sent one byte at a time gives the same output" {
	sample >"$T/s.xml"
	fake srv trickle "$T/s.xml"
	"$CLIENT" -f xml "$PORT" >"$T/xml" 2>/dev/null
	sample | grep '^<hit>' | cmp - "$T/xml"
}

@test "each hit is written out as soon as it is parsed" {
	{ printf '<hits>\n'; hit9 1.1.1.1; } >"$T/s.xml"
	fake srv hold "$T/s.xml"
	start cl "$CLIENT" "$PORT"
	wait_for 5 lines "$T/cl.out" 1
	kill -0 "$cl_pid"
}

@test "dropped hits are reported on stderr and the stream goes on" {
	sample >"$T/s.xml"
	fake srv send "$T/s.xml"
	"$CLIENT" "$PORT" >"$T/out" 2>"$T/err"
	[ "$(wc -l <"$T/out")" -eq 3 ]
	grep -qx 'weblog-client: 2 hits dropped by the server (2 in all)' "$T/err"
}

@test "a stream that ends without </hits> exits 1" {
	{ printf '<hits>\n'; hit9 1.1.1.1; } >"$T/s.xml"
	fake srv send "$T/s.xml"
	run "$CLIENT" "$PORT"
	[ "$status" -eq 1 ]
	[[ "${lines[0]}" = 1.1.1.1* ]]
	[[ "$output" = *"stream ended without </hits>"* ]]
}

@test "a refused connection exits 1 and says why" {
	PORT=$(free_port)	# a port nobody listens on
	run "$CLIENT" "$PORT"
	[ "$status" -eq 1 ]
	[ "$output" = "weblog-client: $PORT: connect: Connection refused" ]
}

@test "an unparseable address is a usage error: exit 2" {
	run "$CLIENT" 127.0.0.1:99999
	[ "$status" -eq 2 ]
	[[ "$output" = "weblog-client: 127.0.0.1:99999: "* ]]
}

@test "a 1 GB element is refused in bounded memory with exit 3" {
	fake srv big 1000000000
	run "$CLIENT" "$PORT"
	[ "$status" -eq 3 ]
	[[ "$output" = *"not well-formed"*"longer than"* ]]
	# The client gave up long before the server could send it all:
	# what it read is at most 5 x 64 KiB, the rest sat in socket buffers.
	wait_for 5 eval '[ "$(grep -c "^sent" "$FAKE_LOG")" -eq 1 ]'
	awk '/^sent/ && $2 >= 50000000 { bad = 1 } END { exit bad }' "$FAKE_LOG"
}

@test "--max-line lowers the limit" {
	{ printf '<hits>\n<hit><line>'; head -c 2000 /dev/zero | tr '\0' a; printf '</line></hit>\n</hits>\n'; } >"$T/s.xml"
	fake srv send "$T/s.xml"
	run "$CLIENT" --max-line 2000 "$PORT"
	[ "$status" -eq 0 ]
	run "$CLIENT" --max-line 1999 "$PORT"
	[ "$status" -eq 3 ]
	[[ "$output" = *"hit longer than 1999 bytes"* ]]
}

@test "endless nesting exits 3" {
	fake srv nest
	run "$CLIENT" "$PORT"
	[ "$status" -eq 3 ]
	[[ "$output" = *"unexpected <hit> in <hit>"* ]]
}

@test "garbage exits 3" {
	fake srv garbage
	run "$CLIENT" "$PORT"
	[ "$status" -eq 3 ]
	[[ "$output" = "weblog-client: $PORT: stream not well-formed: at byte "* ]]
}

@test "a raw byte that XML forbids exits 3, not 1" {
	printf '<hits>\n<hit><line>nul \0 here</line></hit>\n' >"$T/s.xml"
	fake srv send "$T/s.xml"
	run "$CLIENT" "$PORT"
	[ "$status" -eq 3 ]
	[[ "$output" = *"at byte 22: byte 0x00 not allowed in XML, in <line>"* ]]
	for bad in '\001' '\033' '\377' '\303(' '\355\240\200' '\357\277\276'; do
		printf "<hits>\\n<hit><line>a${bad}b</line></hit>\\n</hits>\\n" >"$T/s.xml"
		run "$CLIENT" "$PORT"
		[ "$status" -eq 3 ]
	done
	# Tab, CR and valid UTF-8 are XML characters: taken as they are.
	printf '<hits>\n<hit><line>a\tb\rc caf\303\251</line></hit>\n</hits>\n' >"$T/s.xml"
	run "$CLIENT" "$PORT"
	[ "$status" -eq 0 ]
	[ "$output" = "$(printf 'a\tb\rc caf\303\251')" ]
}

@test "unknown attributes and elements are ignored, a misplaced known one exits 3" {
	{
		printf '<hits epoch="7" later="x">\n'
		hit9 1.1.1.1
		printf '<stats up="1"><n>2</n></stats>\n'
		printf '<hit n="2" new="y"><source>a.log</source><line>two</line></hit>\n'
		printf '<hit n="3"><foo a="b">t<bar/></foo><line>three</line><f>1</f></hit>\n'
		printf '<hit><foo/><ident>-</ident></hit>\n</hits>\n'
	} >"$T/s.xml"
	fake srv send "$T/s.xml"
	run "$CLIENT" "$PORT"
	[ "$status" -eq 3 ]
	[[ "${lines[0]}" = 1.1.1.1* ]]
	[ "${lines[1]}" = two ]
	[ "${lines[2]}" = three ]
	[[ "$output" = *"unexpected <ident> in <hit>: expected <client>"* ]]
}

@test "--timeout exits 4 when no hit comes for that long" {
	printf '<hits>\n' >"$T/s.xml"
	fake srv hold "$T/s.xml"
	run "$CLIENT" -t 0.3 "$PORT"
	[ "$status" -eq 4 ]
	[ "$output" = "weblog-client: no hit for 0.3 seconds" ]
}

@test "--timeout also runs while the server is refusing" {
	PORT=$(free_port)	# a port nobody listens on
	run "$CLIENT" --reconnect -t 0.5 "$PORT"
	[ "$status" -eq 4 ]
	[[ "$output" = *"reconnecting in 0.1 s"* ]]
}

@test "--count exits 0 after N hits" {
	{ printf '<hits>\n'; for i in 1 2 3 4 5; do hit9 "10.0.0.$i"; done; } >"$T/s.xml"
	fake srv hold "$T/s.xml"
	run "$CLIENT" -n 3 "$PORT"
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 3 ]
	[[ "${lines[2]}" = 10.0.0.3* ]]
}

@test "poll mode sends NEW? on connect and on a timer" {
	fake srv poll
	run "$CLIENT" -p 0.1 -n 3 -f tsv "$PORT"
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 3 ]
	[ "$(cut -f5 <<<"$output")" = "$(printf 'GET /1 HTTP/1.0\nGET /3 HTTP/1.0\nGET /5 HTTP/1.0')" ]
	# Requests answered <none/> came between the hits: five at least.
	[ "$(grep -c '^NEW?$' "$FAKE_LOG")" -ge 5 ]
}

@test "a reader that goes away ends the client with exit 0" {
	fake srv poll
	"$CLIENT" -p 0.02 "$PORT" 2>"$T/err" | head -n 1 >"$T/out"
	[ "${PIPESTATUS[0]}" -eq 0 ]
	[ "$(wc -l <"$T/out")" -eq 1 ]
	[ ! -s "$T/err" ]
}

@test "--reconnect reconnects after the server restarts" {
	{ printf '<hits>\n'; hit9 1.1.1.1; } >"$T/s.xml"
	fake srv hold "$T/s.xml"
	start cl "$CLIENT" --reconnect -n 2 "$PORT"
	wait_for 5 lines "$T/cl.out" 1
	kill "$srv_pid"
	wait_for 5 grep -q 'reconnecting in' "$T/cl.err"
	# On the port the client knows: a restart on the same port.
	start srv2 "$PY" "$FAKE" "$PORT" hold "$T/s.xml"
	listening srv2 >/dev/null
	wait_exit "$cl_pid" 10
	[ "$EXIT" -eq 0 ]
	[ "$(grep -c '^1\.1\.1\.1 ' "$T/cl.out")" -eq 2 ]
}

@test "--reconnect treats </hits> as a server stop and reconnects" {
	{ printf '<hits>\n'; hit7 2.2.2.2; printf '</hits>\n'; } >"$T/s.xml"
	fake srv send "$T/s.xml"
	run "$CLIENT" --reconnect -n 3 "$PORT"
	[ "$status" -eq 0 ]
	[ "$(grep -c '^2\.2\.2\.2 ' <<<"$output")" -eq 3 ]
	[[ "$output" = *"the server ended the stream; reconnecting in 0.1 s"* ]]
}

@test "--reconnect backs off exponentially while the server is down" {
	PORT=$(free_port)	# a port nobody listens on
	start cl "$CLIENT" --reconnect "$PORT"
	wait_for 5 grep -q 'reconnecting in 0.4 s' "$T/cl.err"
	grep -q 'reconnecting in 0.1 s' "$T/cl.err"
	grep -q 'reconnecting in 0.2 s' "$T/cl.err"
	kill -0 "$cl_pid"
}

@test "an IPv6 address works" {
	"$PY" -c 'import socket; socket.socket(socket.AF_INET6).bind(("::1", 0))' 2>/dev/null ||
		skip "no IPv6 loopback"
	sample >"$T/s.xml"
	start srv "$PY" "$FAKE" "[::1]:0" send "$T/s.xml"
	PORT=$(listening srv)
	run "$CLIENT" "[::1]:$PORT"
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 4 ]
}

@test "a unix:PATH address works" {
	sample >"$T/s.xml"
	start srv "$PY" "$FAKE" "unix:$T/sock" send "$T/s.xml"
	listening srv >/dev/null
	run "$CLIENT" -f common "unix:$T/sock"
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 4 ]
}

# Host names without /etc/hosts: tests/fake_hosts.c, preloaded into the
# client alone, answers names from $T/hosts (hosts LINE...: "NAME ADDR...",
# replaced whole, so a lookup never reads half a file) and logs each
# lookup in $T/lookups.
hosts() {
	printf '%s\n' "$@" >"$T/hosts.new"
	mv "$T/hosts.new" "$T/hosts"
}

# fh_client ARGS...: the client, seeing the names of $T/hosts.
fh_client() {
	local cc
	if [ ! -f "$T/fake_hosts.so" ]; then
		cc=$(cut -d ' ' -f 1 "$BATS_TEST_DIRNAME/../build/flags")
		"$cc" -shared -fPIC -o "$T/fake_hosts.so" \
		    "$BATS_TEST_DIRNAME/fake_hosts.c"
	fi
	# exec: the pid start records is the client's. A sanitized client
	# wants its runtime first; the shim is harmless to it.
	exec env LD_PRELOAD="$T/fake_hosts.so" FAKE_HOSTS="$T/hosts" \
	    FAKE_HOSTS_LOG="$T/lookups" \
	    ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0" \
	    "$CLIENT" "$@"
}

lookups() {
	[ "$(grep -c "^$1\$" "$T/lookups")" -ge "$2" ]
}

have_ipv6() {
	"$PY" -c 'import socket; socket.socket(socket.AF_INET6).bind(("::1", 0))' 2>/dev/null
}

@test "a name with ::1 and 127.0.0.1 reaches a server on either family alone" {
	have_ipv6 || skip "no IPv6 loopback"
	sample >"$T/s.xml"
	hosts "localhost ::1 127.0.0.1"
	start srv6 "$PY" "$FAKE" "[::1]:0" send "$T/s.xml"
	PORT=$(listening srv6)
	run fh_client "localhost:$PORT"
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 4 ]
	kill "$srv6_pid"
	wait_exit "$srv6_pid" || :
	# ::1 refuses now: the client goes on to 127.0.0.1, the same port.
	start srv4 "$PY" "$FAKE" "127.0.0.1:$PORT" send "$T/s.xml"
	listening srv4 >/dev/null
	run fh_client "localhost:$PORT"
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 4 ]
	[ "$(grep -c '^localhost$' "$T/lookups")" -eq 2 ]
}

@test "--reconnect looks the name up again and follows it to the other family" {
	have_ipv6 || skip "no IPv6 loopback"
	{ printf '<hits>\n'; hit9 1.1.1.1; } >"$T/s.xml"
	hosts "mover.test 127.0.0.1"
	fake srv4 hold "$T/s.xml"
	start cl fh_client --reconnect -n 2 "mover.test:$PORT"
	wait_for 5 lines "$T/cl.out" 1
	# The name moves to ::1, and the server with it: only a new lookup
	# finds it there.
	hosts "mover.test ::1"
	kill "$srv4_pid"
	wait_for 5 grep -q 'reconnecting in' "$T/cl.err"
	start srv6 "$PY" "$FAKE" "[::1]:$PORT" hold "$T/s.xml"
	listening srv6 >/dev/null
	wait_exit "$cl_pid" 10
	[ "$EXIT" -eq 0 ]
	[ "$(grep -c '^1\.1\.1\.1 ' "$T/cl.out")" -eq 2 ]
	lookups mover.test 2
}

@test "a name that does not resolve exits 1 with getaddrinfo's reason" {
	hosts "gone.test"
	PORT=8080	# never connected to: the name has no address
	run fh_client "gone.test:$PORT"
	[ "$status" -eq 1 ]
	[ "$output" = "weblog-client: gone.test:$PORT: Name or service not known" ]
}

@test "--reconnect retries a name that does not resolve, and says so once" {
	hosts "gone.test"
	PORT=8080	# never connected to: the name has no address
	start cl fh_client --reconnect "gone.test:$PORT"
	wait_for 10 lookups gone.test 4
	kill -0 "$cl_pid"
	[ "$(cat "$T/cl.err")" = "weblog-client: gone.test:$PORT: Name or service not known; retrying" ]
}

@test "bad options exit 2 with the usage on stderr" {
	local bad
	for bad in "-f bogus" "-n 0" "-n x" "-p 0" "-p -1" "-t 0" "-t x" \
	    "--max-line 0" "--bogus" "-x" "a b"; do
		run "$CLIENT" $bad
		[ "$status" -eq 2 ] || { echo "$bad: $status"; false; }
		[[ "$output" = *"usage: weblog-client"* ]]
	done
}

@test "--help prints the usage on stdout and --version the version" {
	run "$CLIENT" --help
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" = "usage: weblog-client [-f combined|common|tsv|json|xml]"* ]]
	"$CLIENT" -h 2>/dev/null | grep -q '^usage'
	run "$CLIENT" --version
	[ "$status" -eq 0 ]
	[ "$output" = "weblog-client 0.1.0" ]
}

@test "the bash, zsh and fish completions offer every option" {
	local c="$BATS_TEST_DIRNAME/../completions" opt
	for opt in format poll count timeout reconnect max-line help version; do
		grep -q -- "--$opt" "$c/weblog-client.bash"
		grep -q -- "--$opt" "$c/_weblog-client"
		grep -q -- "-l $opt" "$c/weblog-client.fish"
	done
	source "$c/weblog-client.bash"
	COMP_WORDS=(weblog-client -f j)
	COMP_CWORD=2
	_weblog_client
	[ "${COMPREPLY[*]}" = json ]
	COMP_WORDS=(weblog-client --re)
	COMP_CWORD=1
	_weblog_client
	[ "${COMPREPLY[*]}" = --reconnect ]
}

@test "the usage matches the man page's synopsis" {
	local man="$BATS_TEST_DIRNAME/../man/weblog-client.1"
	# Compared without white space: the two wrap their lines differently.
	synopsis=$(mandoc -Tascii "$man" | col -b |
		sed -n '/^SYNOPSIS/,/^DESCRIPTION/p' | sed '1d;$d' | tr -d ' \t\n')
	usage=$("$CLIENT" --help | sed '/^$/,$d; s/^usage: //' |
		tr -d ' \t\n')
	[ "$synopsis" = "$usage" ]
}

# Run a command with the test's fd 7 (the fifo's writer) closed.
without_fd7() {
	exec "$@" 7>&-
}

@test "1,000 random byte lines go through weblog-serve and come back exactly" {
	"$PY" - "$T/lines" <<'PY'
import random, sys
rnd = random.Random(2026)
tokens = [b"\\x41", b"\\x", b"\\", b"&", b"<", b">", b"&amp;", b"\0", b"\r",
          b"\xff", b"\xc3\xa9", b"\xc3", b"\xef\xbf\xbe", b"\xed\xa0\x80",
          b"\t", b"]]>", b"\"", b"[", b"]", b" ", b"-"]
with open(sys.argv[1], "wb") as f:
    for i in range(1000):
        parts = []
        for _ in range(rnd.randrange(0, 60)):
            if rnd.random() < 0.5:
                parts.append(rnd.choice(tokens))
            else:
                parts.append(bytes([rnd.choice([b for b in range(256) if b != 10])]))
        if i % 10 == 0:   # some in Combined Log Format, with odd bytes
            parts = [b'1.2.3.4 - - [10/Oct/2000:13:55:36 -0700] "GET /%d\xff&\\x41 HTTP/1.0" 200 5 "-" "a\0b"' % i]
        f.write(b"".join(parts).replace(b"\n", b"") + b"\n")
PY
	mkfifo "$T/in"
	start srv sh -c 'exec "$0" -q -k 1000 -r 1000 -l "$1" <"$2"' \
	    "$BIN/weblog-serve" 127.0.0.1:0 "$T/in"
	exec 7>"$T/in"
	PORT=$(listening srv)
	start cl without_fd7 "$CLIENT" -f combined "$PORT"
	cat "$T/lines" >&7
	wait_for 20 lines "$T/cl.out" 1000
	exec 7>&-
	wait_exit "$cl_pid" 10
	[ "$EXIT" -eq 0 ]
	wait_exit "$srv_pid" 10
	[ "$EXIT" -eq 0 ]
	cmp "$T/lines" "$T/cl.out"
}

@test "a bad value names the option and why, then the usage, all on stderr" {
	local args want
	while IFS='|' read -r args want; do
		# shellcheck disable=SC2086
		"$CLIENT" $args >"$T/out" 2>"$T/err" && false
		echo "$args: $(cat "$T/err")"
		[ ! -s "$T/out" ]
		[ "$(head -n 1 "$T/err")" = "weblog-client: $want" ]
		grep -q '^usage: weblog-client ' "$T/err"
	done <<'EOF2'
-f bogus|-f bogus: not combined, common, tsv, json or xml
-n 0|-n 0: too small
-n x|-n x: invalid
-p 0|-p 0: too small
-t x|-t x: invalid
--max-line 99999999999|--max-line 99999999999: too large
EOF2
	"$CLIENT" --bogus >"$T/out" 2>"$T/err" && false
	[ ! -s "$T/out" ]
	"$CLIENT" --help >"$T/out" 2>"$T/err"
	[ ! -s "$T/err" ]
	grep -q '^usage: weblog-client ' "$T/out"
}

# ------------------------------------------------------------ --help

# help_layout CMD...: CMD's --help is the usage lines, a blank line, then
# one option a line, every line within 80 columns.
help_layout() {
	"$@" --help >"$T/help"
	head -n 1 "$T/help" | grep -q '^usage: '
	[ -z "$(awk 'length > 80' "$T/help")" ] ||
		{ awk 'length > 80' "$T/help"; return 1; }
	[ "$(sed '1,/^$/d' "$T/help" | wc -l)" -gt 2 ]
	[ -z "$(sed '1,/^$/d' "$T/help" | grep -Ev '^  (    )?[-A-Z]')" ]
}

@test "--help is the usage, then one option a line, within 80 columns" {
	help_layout "$CLIENT"
}


# ------------------------------------------------------------ bad options

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

@test "a bad option is one line naming it, then the usage, and exit 2" {
	local p="$CLIENT"

	bad_option "weblog-client: unknown option: --bogus" "$p" --bogus
	bad_option "weblog-client: unknown option: -x" "$p" -x
	bad_option "weblog-client: option requires an argument: -f" "$p" -f
	bad_option "weblog-client: option requires an argument: --max-line" "$p" --max-line
	bad_option "weblog-client: option takes no argument: --reconnect" "$p" --reconnect=1
}

@test "four heartbeats of silence are a lost connection" {
	printf '<hits epoch="9" heartbeat="0.2">\n<hit n="5"><line>a</line></hit>\n' >"$T/s.xml"
	fake srv hold "$T/s.xml"
	# A half-open connection would hang for ever: timeout(1) says if so.
	run timeout 20 "$CLIENT" "$PORT"
	[ "$status" -eq 1 ]
	[ "${lines[0]}" = a ]
	[[ "$output" = *"weblog-client: $PORT: no data for 0.8 seconds (4 heartbeats)"* ]]
	# A server that announces no heartbeat may stay silent.
	printf '<hits epoch="9">\n<hit n="5"><line>a</line></hit>\n' >"$T/s.xml"
	run timeout 2 "$CLIENT" "$PORT"
	[ "$status" -eq 124 ]
}

@test "--reconnect resumes: RESUME with the epoch and the last number known" {
	printf '<hits epoch="9" heartbeat="0.2">\n<hit n="5"><line>a</line></hit>\n<dropped count="2"/>\n' >"$T/s.xml"
	export FAKE_LOG="$T/requests"
	fake srv hold "$T/s.xml"
	start client "$CLIENT" --reconnect "$PORT"
	# The first connection is new; the next ones resume after 7.
	wait_for 20 grep -qx 'RESUME 9 7' "$T/requests"
	[ "$(head -n 2 "$T/requests")" = "$(printf 'RESUME 0 0\nRESUME 9 7')" ]
	[[ "$(cat "$T/client.err")" = *"no data for 0.8 seconds (4 heartbeats); reconnecting"* ]]
}
