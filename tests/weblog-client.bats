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
assert rows[0]["agent"] == "Mozilla/4.08" and rows[0]["status"] == 200, rows[0]
assert rows[0]["bytes"] == 2326 and rows[0]["ts"] == "2000-10-10T13:55:36-07:00"
assert list(rows[0])[3:5] == ["time", "ts"], rows[0]
assert "referrer" not in rows[1] and rows[1]["bytes"] == 0, rows[1]
assert "ts" not in rows[1] and rows[1]["status"] == 404, rows[1]
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

@test "hits lost before the server read them are reported on stderr, apart" {
	{
		printf '<hits epoch="9">\n<hit n="5"><line>a</line></hit>\n'
		printf '<lost count="3"/>\n<hit n="6"><line>b</line></hit>\n'
		printf '<lost count="1"/><dropped count="2"/>\n'
		printf '<hit n="9"><line>c</line></hit>\n</hits>\n'
	} >"$T/s.xml"
	fake srv send "$T/s.xml"
	"$CLIENT" "$PORT" >"$T/out" 2>"$T/err"
	printf 'a\nb\nc\n' | cmp - "$T/out"
	cat >"$T/want" <<-'EOF'
	weblog-client: 3 hits lost before the server read them (3 in all)
	weblog-client: 1 hit lost before the server read them (4 in all)
	weblog-client: 2 hits dropped by the server (2 in all)
	EOF
	diff "$T/want" "$T/err"
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
		printf '<hit><foo/><ident>-</ident></hit>\n'
		printf '<hit><user>u</user><ident>-</ident></hit>\n</hits>\n'
	} >"$T/s.xml"
	fake srv send "$T/s.xml"
	run "$CLIENT" "$PORT"
	[ "$status" -eq 3 ]
	[[ "${lines[0]}" = 1.1.1.1* ]]
	[ "${lines[1]}" = two ]
	[ "${lines[2]}" = three ]
	[ "${lines[3]}" = - ]
	[[ "$output" = *"<ident> after <user> in <hit>"* ]]
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
	need_ipv6
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

@test "a name with ::1 and 127.0.0.1 reaches a server on either family alone" {
	need_ipv6
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
	need_ipv6
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
	    "--max-line 0" "--bogus" "-x"; do
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
	for opt in format poll count timeout reconnect max-line status match \
	    exclude help version; do
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
	# Any number of addresses; a unix: one completes as a path.
	: >"$T/sock"
	COMP_WORDS=(weblog-client 1.2.3.4:8888 "unix:$T/so")
	COMP_CWORD=2
	_weblog_client
	[ "${COMPREPLY[*]}" = "unix:$T/sock" ]
	grep -q "^	'\*::address " "$c/_weblog-client"
}

@test "the usage matches the man page's synopsis" {
	usage_is_synopsis weblog-client
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


@test "--help is the usage, then one option a line, within 80 columns" {
	help_layout "$CLIENT"
}


# ------------------------------------------------------------ bad options


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

@test "--reconnect after a <lost> resumes from the last hit: it skips no numbers" {
	printf '<hits epoch="9" heartbeat="0.2">\n<hit n="5"><line>a</line></hit>\n<lost count="3"/>\n' >"$T/s.xml"
	export FAKE_LOG="$T/requests"
	fake srv hold "$T/s.xml"
	start client "$CLIENT" --reconnect "$PORT"
	wait_for 20 grep -qx 'RESUME 9 5' "$T/requests"
	[ "$(head -n 2 "$T/requests")" = "$(printf 'RESUME 0 0\nRESUME 9 5')" ]
	grep -qx 'weblog-client: 3 hits lost before the server read them (3 in all)' "$T/client.err"
}

# ------------------------------------------------------------ log formats

# fake_at PORT NAME MODE [ARG]: a fake server on another port.
fake_at() {
	local port=$1
	shift
	start "$1" "$PY" "$FAKE" "$port" "$2" ${3+"$3"}
	wait_port "$port"
}

NGINX='$remote_addr - $remote_user [$time_local] &quot;$request&quot; $status $body_bytes_sent &quot;$http_referer&quot; &quot;$http_user_agent&quot; $request_time'

# A stream of weblog-serve --format NGINX following two files.
nginx_stream() {
	printf '<hits epoch="3" heartbeat="15" format="%s">\n' "$NGINX"
	printf '<hit n="1"><source>/var/log/a.log</source><client>1.2.3.4</client>'
	printf '<user>-</user><time>10/Oct/2000:13:55:36 -0700</time>'
	printf '<request>GET /\\xFF&amp;x HTTP/1.1</request><status>200</status>'
	printf '<bytes>5</bytes><referrer>-</referrer><agent>curl</agent>'
	printf '<field name="request_time">0.005</field></hit>\n'
	printf '<hit n="2"><source>/var/log/b.log</source><client>::1</client>'
	printf '<user>bob</user><time>bad time</time>'
	printf '<request>POST / HTTP/1.1</request><status>404</status>'
	printf '<bytes>-</bytes><referrer>http://r/</referrer>'
	printf '<agent>A \\x5Cx22q\\x5Cx22</agent>'
	printf '<field name="request_time">1.5</field></hit>\n'
	printf '<hit n="3"><source>/var/log/a.log</source><line>garbage line</line></hit>\n'
	printf '</hits>\n'
}

@test "combined rebuilds each line of an nginx format byte for byte" {
	nginx_stream >"$T/s.xml"
	fake srv send "$T/s.xml"
	"$CLIENT" -f combined "$PORT" >"$T/got"
	{
		printf '1.2.3.4 - - [10/Oct/2000:13:55:36 -0700] "GET /\xff&x HTTP/1.1" 200 5 "-" "curl" 0.005\n'
		printf '::1 - bob [bad time] "POST / HTTP/1.1" 404 - "http://r/" "A \\x22q\\x22" 1.5\n'
		printf 'garbage line\n'
	} >"$T/want"
	cmp "$T/got" "$T/want"
}

@test "combined rebuilds Apache format strings and vhost_combined too" {
	{
		printf '<hits format="%%h %%l %%u %%t \\&quot;%%r\\&quot; %%&gt;s %%b %%D \\&quot;%%{X-Forwarded-For}i\\&quot;">\n'
		printf '<hit><client>10.0.0.1</client><ident>-</ident><user>-</user>'
		printf '<time>10/Oct/2000:13:55:36 +0000</time><request>GET / HTTP/1.0</request>'
		printf '<status>200</status><bytes>-</bytes><field name="D">1234</field>'
		printf '<field name="{X-Forwarded-For}i">1.1.1.1, 2.2.2.2</field></hit>\n</hits>\n'
	} >"$T/a.xml"
	{
		printf '<hits format="vhost_combined">\n'
		hit9 1.2.3.4 | sed 's|</hit>|<field name="v">www.x.org</field><field name="p">443</field></hit>|'
		printf '</hits>\n'
	} >"$T/v.xml"
	fake srv send "$T/a.xml"
	run "$CLIENT" "$PORT"
	[ "$status" -eq 0 ]
	[ "$output" = '10.0.0.1 - - [10/Oct/2000:13:55:36 +0000] "GET / HTTP/1.0" 200 - 1234 "1.1.1.1, 2.2.2.2"' ]
	P2=$(free_port)
	fake_at "$P2" srv2 send "$T/v.xml"
	run "$CLIENT" "$P2"
	[ "$status" -eq 0 ]
	[ "$output" = 'www.x.org:443 1.2.3.4 - frank [10/Oct/2000:13:55:36 -0700] "GET /a.gif HTTP/1.0" 200 2326 "http://x/" "Mozilla/4.08"' ]
}

@test "common fills missing fields, tsv adds source and extra columns, xml keeps them" {
	nginx_stream >"$T/s.xml"
	fake srv send "$T/s.xml"
	run "$CLIENT" -f common "$PORT"
	[ "$status" -eq 0 ]
	[ "${lines[1]}" = '::1 - bob [bad time] "POST / HTTP/1.1" 404 -' ]
	[ "${lines[2]}" = 'garbage line' ]
	run "$CLIENT" -f tsv "$PORT"
	[ "$status" -eq 0 ]
	[ "${lines[1]}" = "$(printf '::1\t-\tbob\tbad time\tPOST / HTTP/1.1\t404\t-\thttp://r/\tA \\x22q\\x22\t/var/log/b.log\t1.5')" ]
	[ "${lines[2]}" = "$(printf -- '-\t-\t-\t-\tgarbage line\t-\t-\t-\t-\t/var/log/a.log\t-')" ]
	"$CLIENT" -f xml "$PORT" >"$T/xml"
	nginx_stream | grep '^<hit ' | cmp - "$T/xml"
}

@test "json: numbers, ts with its offset, source and the extra fields" {
	nginx_stream >"$T/s.xml"
	fake srv send "$T/s.xml"
	"$CLIENT" -f json "$PORT" >"$T/json"
	"$PY" -c 'import json,sys
rows = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]
assert len(rows) == 3
a, b, c = rows
assert list(a) == ["source", "client", "user", "time", "ts", "request",
    "status", "bytes", "referrer", "agent", "fields"], a
assert a["source"] == "/var/log/a.log" and a["ts"] == "2000-10-10T13:55:36-07:00"
assert a["status"] == 200 and a["bytes"] == 5, a
assert a["request"] == "GET /\\xFF&x HTTP/1.1", a
assert a["fields"] == {"request_time": "0.005"}, a
assert "ts" not in b and b["bytes"] == 0 and b["status"] == 404, b
assert b["agent"] == "A \\x22q\\x22", b
assert c == {"source": "/var/log/a.log", "line": "garbage line"}, c' "$T/json"
}

@test "a format that does not compile, or a hit that does not fit it, exits 3" {
	printf '<hits format="$a$b">\n<hit><line>x</line></hit>\n</hits>\n' >"$T/s.xml"
	fake srv send "$T/s.xml"
	run "$CLIENT" "$PORT"
	[ "$status" -eq 3 ]
	[[ "$output" = *'weblog-client: '"$PORT"': stream not well-formed: format="$a$b": '*'nothing between them'* ]]
	{
		printf '<hits format="common">\n'
		hit7 1.2.3.4
		hit9 1.2.3.4 | sed 's/<hit>/<hit n="2">/'
		printf '</hits>\n'
	} >"$T/s.xml"
	run "$CLIENT" "$PORT"
	[ "$status" -eq 3 ]
	[ "${lines[0]}" = '1.2.3.4 - - [t] "GET / HTTP/1.0" 404 -' ]
	[[ "$output" = *"$PORT: stream not well-formed: hit 2 does not fit its format"* ]]
}

# --------------------------------------------------- several addresses

# Run a command with the test's fds 5 and 6 (the fifos' writers) closed.
without_fd56() {
	exec "$@" 5>&- 6>&-
}

# real NAME [ARG...]: a weblog-serve (with ARGs) on a port of its own,
# reading the FIFO $T/NAME.in; the caller opens its writer. Its address:
# addr_of NAME.
real() {
	local name=$1
	shift
	mkfifo "$T/$name.in"
	start "$name" sh -c 'f=$1; shift; exec "$@" <"$f" 5>&- 6>&-' sh \
	    "$T/$name.in" "$BIN/weblog-serve" -l 127.0.0.1:0 "$@"
}

# addr_of NAME: the whole address weblog-serve NAME said it listens on.
addr_of() {
	listening "$1" >/dev/null && listened "$T/$1.err"
}

# connects NAME N: weblog-serve NAME logged at least N connections.
connects() {
	[ "$(grep -c '^weblog-serve: connect ' "$T/$1.err")" -ge "$2" ]
}

@test "several servers: hits merged in arrival order, labelled, exit 0 once all end" {
	real a
	exec 5>"$T/a.in"
	real b
	exec 6>"$T/b.in"
	A=$(addr_of a)
	B=$(addr_of b)
	start cl without_fd56 "$CLIENT" -f combined "$A" "$B"
	start tsv without_fd56 "$CLIENT" -f tsv "$A" "$B"
	start json without_fd56 "$CLIENT" -f json "$A" "$B"
	start xml without_fd56 "$CLIENT" -f xml "$A" "$B"
	wait_for 10 connects a 4
	wait_for 10 connects b 4
	line='1.2.3.4 - - [10/Oct/2000:13:55:36 -0700] "GET /%s HTTP/1.0" 200 5'
	printf "$line\n" a1 >&5
	wait_for 10 lines "$T/cl.out" 1
	printf "$line\n" b1 >&6
	wait_for 10 lines "$T/cl.out" 2
	printf 'odd \\x00 line\n' >&5
	wait_for 10 lines "$T/cl.out" 3
	# Only when both streams have ended does a client exit, with 0.
	exec 5>&-
	wait_exit "$a_pid" 10
	kill -0 "$cl_pid"
	exec 6>&-
	for c in cl tsv json xml; do
		eval "wait_exit \$${c}_pid 10"
		[ "$EXIT" -eq 0 ] || { cat "$T/$c.err"; false; }
	done
	# The lines as they were, in the order they came.
	{
		printf "$line\n" a1
		printf "$line\n" b1
		printf 'odd \\x00 line\n'
	} | cmp - "$T/cl.out"
	[ "$(cut -f 10 "$T/tsv.out")" = "$(printf '%s\n' "$A" "$B" "$A")" ]
	[ "$(cut -f 5 "$T/tsv.out")" = "$(printf '%s\n' 'GET /a1 HTTP/1.0' 'GET /b1 HTTP/1.0' 'odd \x00 line')" ]
	"$PY" -c 'import json,sys
rows = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]
a, b = sys.argv[2:]
assert [r["source"] for r in rows] == [a, b, a], rows
assert rows[1]["request"] == "GET /b1 HTTP/1.0" and rows[1]["status"] == 200
assert rows[2]["line"] == "odd \\x00 line", rows[2]' "$T/json.out" "$A" "$B"
	grep -q "^<hit n=\"1\"><source>$B</source><client>1.2.3.4</client>" "$T/xml.out"
	grep -q "^<hit n=\"2\"><source>$A</source><line>odd \\\\x5Cx00 line</line></hit>$" "$T/xml.out"
}

# two FILE1 FILE2: fakes on $PORT and $P2 sending FILE1 and FILE2 (mode
# $MODE, default send).
two() {
	P2=$(free_port)
	fake srv "${MODE:-send}" "$1"
	fake_at "$P2" srv2 "${MODE2:-${MODE:-send}}" "$2"
}

@test "several servers: -n counts the hits of all of them" {
	{ printf '<hits>\n'; hit7 1.1.1.1; hit7 1.1.1.2; } >"$T/a.xml"
	{ printf '<hits>\n'; hit7 2.2.2.1; printf '<dropped count="3"/>\n'; hit7 2.2.2.2; } >"$T/b.xml"
	MODE=hold two "$T/a.xml" "$T/b.xml"
	timeout 20 "$CLIENT" -n 4 -f tsv "$PORT" "$P2" >"$T/out" 2>"$T/err"
	[ "$(wc -l <"$T/out")" -eq 4 ]
	[ "$(cut -f 1 "$T/out" | sort | tr '\n' ' ')" = "1.1.1.1 1.1.1.2 2.2.2.1 2.2.2.2 " ]
	[ "$(grep -c "	$P2$" "$T/out")" -eq 2 ]
	# A drop says which server dropped.
	[ "$(cat "$T/err")" = "weblog-client: $P2: 3 hits dropped by the server (3 in all)" ]
}

@test "several servers: one lost without --reconnect exits 1, one malformed exits 3" {
	sample >"$T/a.xml"
	{ printf '<hits>\n'; hit7 2.2.2.1; } >"$T/b.xml"
	MODE=send MODE2=hold two "$T/a.xml" "$T/b.xml"
	start cl "$CLIENT" "$PORT" "$P2"
	wait_for 10 grep -q '^2.2.2.1 ' "$T/cl.out"
	wait_for 10 grep -q '^odd' "$T/cl.out"
	# The first stream ended with </hits>; the client waits for the other.
	kill -0 "$cl_pid"
	kill "$srv2_pid"
	wait_for 10 eval "! kill -0 $cl_pid 2>/dev/null"
	rc=0
	wait "$cl_pid" || rc=$?
	[ "$rc" -eq 1 ]
	grep -q "weblog-client: $P2: stream ended without </hits>" "$T/cl.err"

	stop_all
	printf '<hits>\n<hit><user>u</user><client>c</client>\n' >"$T/b.xml"
	MODE=hold MODE2=send two "$T/a.xml" "$T/b.xml"
	run timeout 20 "$CLIENT" "$PORT" "$P2"
	[ "$status" -eq 3 ]
	[[ "$output" = *"weblog-client: $P2: stream not well-formed"* ]]
}

@test "several servers: --reconnect resumes each with its own epoch and number" {
	printf '<hits epoch="5" heartbeat="0.2">\n<hit n="2"><line>a</line></hit>\n' >"$T/a.xml"
	printf '<hits epoch="9" heartbeat="0.2">\n<hit n="7"><line>b</line></hit>\n' >"$T/b.xml"
	export FAKE_LOG="$T/requests"
	MODE=hold two "$T/a.xml" "$T/b.xml"
	start cl "$CLIENT" --reconnect "$PORT" "$P2"
	wait_for 20 grep -qx 'RESUME 5 2' "$T/requests"
	wait_for 20 grep -qx 'RESUME 9 7' "$T/requests"
	! grep -Eqx 'RESUME (5 7|9 2)' "$T/requests"
	grep -q "weblog-client: $PORT: no data for 0.8 seconds (4 heartbeats); reconnecting" "$T/cl.err"
	grep -q "weblog-client: $P2: no data for 0.8 seconds (4 heartbeats); reconnecting" "$T/cl.err"
}

# ------------------------------------------------------------ filters

# requests FILE FORMAT: the request of each hit FILE holds (-f tsv, json or
# xml), its path only ("GET /a HTTP/1.1" is /a), or LINE for a <line> hit;
# sorted, on one line.
requests() {
	case $2 in
	tsv) cut -f 5 "$1" ;;
	json) "$PY" -c 'import json, sys
for l in open(sys.argv[1], encoding="utf-8"):
    r = json.loads(l)
    print(r.get("request", r.get("line")))' "$1" ;;
	xml) sed -e 's|.*<request>\([^<]*\)</request>.*|\1|' \
	    -e 's|.*<line>\([^<]*\)</line>.*|\1|' "$1" ;;
	esac | sed -e 's|^[A-Z]* \(/[^ ]*\) HTTP/1\.1$|\1|' -e 's|^odd .*|LINE|' |
	    sort | tr '\n' ' '
}

# Combined and Common lines of statuses, paths and IPv4, IPv6 and
# IPv4-mapped clients; and one that is neither (a <line> hit).
L1='10.0.0.1 - - [02/Dec/2026:10:00:00 +0000] "GET /a HTTP/1.1" 200 1 "-" "t"'
L2='10.0.0.2 - - [02/Dec/2026:10:00:00 +0000] "GET /admin HTTP/1.1" 404 2 "-" "t"'
L3='192.168.1.5 - - [02/Dec/2026:10:00:00 +0000] "GET /b HTTP/1.1" 500 3 "-" "t"'
L4='2001:db8::1 - - [02/Dec/2026:10:00:00 +0000] "GET /admin/x HTTP/1.1" 503 4 "-" "t"'
L5='2001:db8:1::7 - - [02/Dec/2026:10:00:00 +0000] "POST /admin/y HTTP/1.1" 200 5 "-" "t"'
L6='::ffff:10.0.0.9 - - [02/Dec/2026:10:00:00 +0000] "GET /c HTTP/1.1" 502 6 "-" "t"'
L7='odd line /admin'
L8='10.1.2.3 - - [02/Dec/2026:10:00:00 +0000] "GET /d HTTP/1.1" 404 8'

@test "--status, --match and --exclude filter the hits of several servers in every format" {
	real a
	exec 5>"$T/a.in"
	real b
	exec 6>"$T/b.in"
	A=$(addr_of a)
	B=$(addr_of b)
	start st without_fd56 "$CLIENT" -f xml --status 5xx "$A" "$B"
	# Repeated, the lists add up; blanks around an item are allowed.
	start st2 without_fd56 "$CLIENT" -f tsv --status 404 \
	    --status '500-501, 502' "$A" "$B"
	# On the request, or on the whole line of a <line> hit.
	start m without_fd56 "$CLIENT" -f json --match /admin "$A" "$B"
	# Repeated, every one must match.
	start m2 without_fd56 "$CLIENT" -f tsv --match '^GET' --match admin \
	    "$A" "$B"
	# An IPv4 range holds the IPv4-mapped client too; none holds a <line>.
	start x without_fd56 "$CLIENT" -f xml --exclude 10.0.0.0/8 "$A" "$B"
	# Any range excludes; 2001:db8:1::7 is outside 2001:db8::/48.
	start x2 without_fd56 "$CLIENT" -f json --exclude 2001:db8::/48 \
	    --exclude 192.168.1.5 "$A" "$B"
	# Every kind given must pass.
	start all without_fd56 "$CLIENT" --status 4xx,5xx --match '/(a|c)' \
	    --exclude 2001:db8::/32 "$A" "$B"
	wait_for 10 connects a 7
	wait_for 10 connects b 7
	printf '%s\n' "$L1" "$L2" "$L3" "$L4" >&5
	printf '%s\n' "$L5" "$L6" "$L7" "$L8" >&6
	exec 5>&- 6>&-
	for c in st st2 m m2 x x2 all; do
		eval "wait_exit \$${c}_pid 10"
		[ "$EXIT" -eq 0 ] || { cat "$T/$c.err"; false; }
		[ ! -s "$T/$c.err" ] || { cat "$T/$c.err"; false; }
	done
	[ "$(requests "$T/st.out" xml)" = "/admin/x /b /c " ]
	[ "$(requests "$T/st2.out" tsv)" = "/admin /b /c /d " ]
	[ "$(requests "$T/m.out" json)" = "/admin /admin/x /admin/y LINE " ]
	[ "$(requests "$T/m2.out" tsv)" = "/admin /admin/x " ]
	[ "$(requests "$T/x.out" xml)" = "/admin/x /admin/y /b LINE " ]
	[ "$(requests "$T/x2.out" json)" = "/a /admin /admin/y /c /d LINE " ]
	[ "$(sort "$T/all.out")" = "$(printf '%s\n' "$L2" "$L6" | sort)" ]
	# Labelled with their server as ever.
	grep -q "^<hit n=\"4\"><source>$A</source><client>2001:db8::1</client>" \
	    "$T/st.out"
}

@test "a hit of a format without a request is matched on its line, as the server does" {
	real srv --format '$remote_addr $status $uri'
	exec 5>"$T/srv.in"
	real flt --format '$remote_addr $status $uri' --match admin
	exec 6>"$T/flt.in"
	S=$(addr_of srv)
	F=$(addr_of flt)
	start cl without_fd56 "$CLIENT" --match admin "$S"
	start ref without_fd56 "$CLIENT" "$F"
	wait_for 10 connects srv 1
	wait_for 10 connects flt 1
	printf '%s\n' '10.0.0.1 200 /admin/a' '10.0.0.2 404 /b' 'admin?' \
	    '10.0.0.3 200 /x' '10.0.0.4 500 /admin' | tee /dev/fd/6 >&5
	exec 5>&- 6>&-
	wait_exit "$cl_pid" 10
	[ "$EXIT" -eq 0 ]
	wait_exit "$ref_pid" 10
	[ "$EXIT" -eq 0 ]
	[ "$(cat "$T/cl.out")" = "$(printf '%s\n' '10.0.0.1 200 /admin/a' 'admin?' '10.0.0.4 500 /admin')" ]
	cmp "$T/ref.out" "$T/cl.out"
}

@test "a bad filter is one line, worded as weblog-serve words it, and exit 2" {
	local opt val
	while IFS='|' read -r opt val; do
		"$CLIENT" "$opt" "$val" >"$T/out" 2>"$T/err" && false
		rc=$?
		echo "$opt $val: $rc $(cat "$T/err")"
		[ "$rc" -eq 2 ]
		[ ! -s "$T/out" ]
		[ "$(wc -l <"$T/err")" -eq 1 ]
		[[ "$(cat "$T/err")" = "weblog-client: $opt: "?* ]]
		"$BIN/weblog-serve" "$opt" "$val" </dev/null 2>&1 |
		    sed 's/^weblog-serve:/weblog-client:/' | cmp - "$T/err"
	done <<'EOF2'
--status|6xx
--status|404,
--status|99
--status|500-400
--match|a\1
--match|(
--match|a+*
--exclude|10.0.0.0/33
--exclude|nope
--exclude|2001:db8::/129
EOF2
	bad_option "weblog-client: option requires an argument: --status" "$CLIENT" --status
	bad_option "weblog-client: option requires an argument: --exclude" "$CLIENT" --exclude
}

@test "a filtered hit moves the resume position: RESUME after it" {
	{
		printf '<hits epoch="9" heartbeat="0.2">\n'
		hit9 1.1.1.1 | sed 's/<hit>/<hit n="5">/; s/<status>200/<status>503/'
		hit9 2.2.2.2 | sed 's/<hit>/<hit n="6">/'
	} >"$T/s.xml"
	export FAKE_LOG="$T/requests"
	fake srv hold "$T/s.xml"
	start cl "$CLIENT" --reconnect --status 5xx "$PORT"
	wait_for 20 grep -qx 'RESUME 9 6' "$T/requests"
	[ "$(head -n 2 "$T/requests")" = "$(printf 'RESUME 0 0\nRESUME 9 6')" ]
	grep -q '^1\.1\.1\.1 ' "$T/cl.out"
	! grep -q '2\.2\.2\.2' "$T/cl.out"
}

@test "--reconnect with a filter: resumed without the filtered hits, duplicates or false drops" {
	real srv --heartbeat 0.2 -k 2
	exec 5>"$T/srv.in"
	S=$(addr_of srv)
	start cl without_fd56 "$CLIENT" --reconnect -n 2 -f tsv --status 5xx "$S"
	start all without_fd56 "$CLIENT" -n 5 "$S"
	wait_for 10 connects srv 2
	line='10.0.0.1 - - [02/Dec/2026:10:00:00 +0000] "GET /%d HTTP/1.1" %d 1'
	# The last four are filtered, and more than the server keeps.
	printf "$line\n" 1 503 2 200 3 200 4 200 5 200 >&5
	# Sent to both clients at once: the filtered one has them too.
	wait_exit "$all_pid" 10
	[ "$EXIT" -eq 0 ]
	wait_for 10 grep -q '/1 HTTP' "$T/cl.out"
	# A server gone silent: the client reconnects and says RESUME.
	kill -STOP "$srv_pid"
	wait_for 10 grep -q 'no data for 0.8 seconds.*reconnecting' "$T/cl.err"
	kill -CONT "$srv_pid"
	wait_for 10 connects srv 3
	printf "$line\n" 6 200 7 500 >&5
	wait_exit "$cl_pid" 10
	[ "$EXIT" -eq 0 ]
	[ "$(cut -f 5 "$T/cl.out" | tr '\n' ' ')" = "GET /1 HTTP/1.1 GET /7 HTTP/1.1 " ]
	# Asked for what came after 5, the server had it all: nothing dropped.
	! grep -q dropped "$T/cl.err"
}

@test "--timeout counts from the last hit printed: filtered hits are no sign of life" {
	real srv
	exec 5>"$T/srv.in"
	start cl without_fd56 "$CLIENT" -t 0.5 --status 5xx "$(addr_of srv)"
	wait_for 10 connects srv 1
	# A filtered hit every 0.1 s, for 5 s at most: never 0.5 s without one.
	for ((i = 0; i < 50; i++)); do
		kill -0 "$cl_pid" 2>/dev/null || break
		printf '10.0.0.1 - - [02/Dec/2026:10:00:00 +0000] "GET / HTTP/1.1" 200 1\n' >&5
		sleep 0.1
	done
	[ "$i" -lt 50 ]
	wait_for 10 eval "! kill -0 $cl_pid 2>/dev/null"
	rc=0
	wait "$cl_pid" || rc=$?
	[ "$rc" -eq 4 ]
	[ ! -s "$T/cl.out" ]
	[ "$(cat "$T/cl.err")" = "weblog-client: no hit for 0.5 seconds" ]
}
