#!/usr/bin/env bats
# weblog-serve --publish and --subscribe: hits through a Redis stream
# (SPEC "Beyond one machine"), against a real redis-server (Debian's;
# tests/deps installs it) that each test starts in $T on a Unix socket,
# without persistence unless the test needs it, and stops by its pid.
# Clients are weblog-client -f combined, which prints each hit's line byte
# for byte.

load helper

suite_setup() {
	need redis-server redis-server
	need redis-cli redis-tools
	SOCK=$T/redis.sock
	URL="unix:$SOCK#hits"
}

# redis NAME SOCKET [ARGS]: a redis-server on SOCKET only (port 0), its
# files in $T; ready (it answers PING) when this returns.
redis() {
	local name=$1 sock=$2
	shift 2
	start "$name" redis-server --port 0 --unixsocket "$sock" \
		--save '' --appendonly no --dir "$T" "$@"
	wait_for 10 rcli_to "$sock" PING
}

rcli_to() {
	local sock=$1
	shift
	redis-cli -s "$sock" "$@" >/dev/null 2>&1
}

rcli() {
	redis-cli -s "$SOCK" "$@"
}

# serve NAME ARGS: weblog-serve NAME on a port the kernel chooses, in $P.
serve() {
	local name=$1
	shift
	start "$name" "$BIN/weblog-serve" -l 127.0.0.1:0 "$@"
	P=$(listening "$name")
}

# client NAME PORT N: weblog-client printing N hits into $T/NAME.out.
client() {
	start "$1" "$BIN/weblog-client" -n "$3" "127.0.0.1:$2"
}

# connected SERVER N: N clients have connected to SERVER.
connected() {
	[ "$(grep -c 'weblog-serve: connect ' "$T/$1.err")" -ge "$2" ]
}

# readers N: N connections of Redis's are blocked in XREAD.
readers() {
	[ "$(rcli CLIENT LIST | grep -c 'cmd=xread')" -ge "$1" ]
}

has_lines() {
	[ -f "$1" ] && [ "$(wc -l <"$1")" -ge "$2" ]
}

exited() {
	! kill -0 "$1" 2>/dev/null
}

# hits FROM TO: access-log lines, some with bytes XML cannot carry.
hits() {
	LC_ALL=C awk -v from="$1" -v to="$2" 'BEGIN {
		for (i = from; i <= to; i++)
			printf "10.0.0.%d - - [02/Dec/2026:14:00:00 +0000] \"GET /%d HTTP/1.1\" 200 %d \"-\" \"a\tb\001\377\"\n", i % 256, i, i
	}'
}

@test "a publisher and two subscribers deliver the same hits in order" {
	redis db "$SOCK"
	serve sub1 --subscribe "$URL"
	S1=$P
	serve sub2 --subscribe "$URL"
	S2=$P
	wait_for 10 readers 2
	: >"$T/access.log"
	# A subscriber reads what the stream still holds: the publisher's
	# --keep must cover how far one may fall behind.
	serve pub --publish "$URL" -k 10000 "$T/access.log"
	client c0 "$P" 500
	client c1 "$S1" 500
	client c2 "$S2" 500
	wait_for 10 connected pub 1
	wait_for 10 connected sub1 1
	wait_for 10 connected sub2 1
	wait_for 10 grep -q 'redis: publishing to hits' "$T/pub.err"

	hits 1 500 >"$T/want"
	cat "$T/want" >>"$T/access.log"
	for c in c0 c1 c2; do
		eval "wait_exit \$${c}_pid 20"
		[ "$EXIT" -eq 0 ]
		cmp "$T/want" "$T/$c.out"
	done
	[ "$(rcli XLEN hits)" -eq 500 ]
	! grep -q 'not published' "$T/pub.err"
	# Nothing lost, nothing said lost.
	! grep -q 'dropped\|lost before' "$T/c1.err" "$T/c2.err"
	! grep -q 'lost before' "$T/sub1.err" "$T/sub2.err"
}

@test "a publisher numbers its entries in its server's epoch, line first" {
	redis db "$SOCK"
	: >"$T/access.log"
	serve pub --publish "$URL" "$T/access.log"
	wait_for 10 grep -q 'redis: publishing to hits' "$T/pub.err"
	# The epoch its own clients see, in the stream's start tag.
	IFS= read -r -t 10 start <"/dev/tcp/127.0.0.1/$P"
	epoch=$(expr "$start" : '<hits epoch="\([0-9]*\)"')
	[ -n "$epoch" ]
	hits 1 3 >>"$T/access.log"
	wait_for 10 eval '[ "$(rcli XLEN hits)" -eq 3 ]'
	for i in 1 2 3; do
		printf 'line\n%s\nn\n%d\nepoch\n%s\n' "$(hits $i $i)" "$i" "$epoch"
	done >"$T/want"
	rcli XRANGE hits - + | grep -av '^[0-9]*-[0-9]*$' | cmp - "$T/want"
}

@test "a subscriber that loses Redis resumes where it was and loses nothing" {
	# Entries must outlive a restart: the append-only file, synced.
	redis db "$SOCK" --appendonly yes --appendfsync always
	serve sub --subscribe "$URL"
	client c "$P" 30
	wait_for 10 connected sub 1
	wait_for 10 readers 1
	hits 1 10 | while IFS= read -r l; do rcli XADD hits '*' line "$l" >/dev/null; done
	wait_for 10 has_lines "$T/c.out" 10

	# Down; then up where the subscriber cannot reach it, to add 10 more
	# while it is away; then back where it reads.
	kill -TERM "$db_pid"
	wait_exit "$db_pid"
	wait_for 10 grep -q 'reading hits again once it is back' "$T/sub.err"
	redis side "$T/side.sock" --appendonly yes --appendfsync always
	hits 11 20 | while IFS= read -r l; do
		redis-cli -s "$T/side.sock" XADD hits '*' line "$l" >/dev/null
	done
	kill -TERM "$side_pid"
	wait_exit "$side_pid"
	[ "$(wc -l <"$T/c.out")" -eq 10 ]

	redis db2 "$SOCK" --appendonly yes --appendfsync always
	wait_for 20 grep -q 'redis: back; reading hits after ' "$T/sub.err"
	hits 21 30 | while IFS= read -r l; do rcli XADD hits '*' line "$l" >/dev/null; done
	wait_exit "$c_pid" 20
	[ "$EXIT" -eq 0 ]
	hits 1 30 | cmp - "$T/c.out"
}

@test "a subscriber reads on after its connection is killed" {
	redis db "$SOCK"
	serve sub --subscribe "$URL"
	client c "$P" 20
	wait_for 10 connected sub 1
	wait_for 10 readers 1
	hits 1 10 | while IFS= read -r l; do rcli XADD hits '*' line "$l" >/dev/null; done
	wait_for 10 has_lines "$T/c.out" 10
	id=$(rcli CLIENT LIST | sed -n 's/^id=\([0-9]*\) .*cmd=xread.*/\1/p')
	[ -n "$id" ]
	# One transaction: the entries are in before the subscriber can be
	# back, so it finds them only by reading after the last ID it read.
	{
		echo MULTI
		echo "CLIENT KILL ID $id"
		for i in $(seq 11 20); do echo "XADD hits * line \"line $i\""; done
		echo EXEC
	} | rcli >"$T/multi.out"
	grep -q '^OK$' "$T/multi.out"
	wait_exit "$c_pid" 20
	[ "$EXIT" -eq 0 ]
	{ hits 1 10; for i in $(seq 11 20); do echo "line $i"; done; } |
		cmp - "$T/c.out"
	grep -q 'redis: back; reading hits after ' "$T/sub.err"
}

@test "--from-start reads what the stream held before the subscriber" {
	redis db "$SOCK"
	hits 1 5 | while IFS= read -r l; do rcli XADD hits '*' line "$l" >/dev/null; done
	serve sub --subscribe "$URL" --from-start -r 5
	wait_for 10 readers 1
	client c "$P" 5
	wait_exit "$c_pid" 20
	[ "$EXIT" -eq 0 ]
	hits 1 5 | cmp - "$T/c.out"
}

@test "a subscriber starts at the stream's end, and skips an entry without line" {
	redis db "$SOCK"
	rcli XADD hits '*' line old >/dev/null
	serve sub --subscribe "$URL" -r 5
	wait_for 10 readers 1
	client c "$P" 2
	wait_for 10 connected sub 1
	rcli XADD hits '*' other x >/dev/null
	rcli XADD hits '*' line new1 >/dev/null
	rcli XADD hits '*' a b line new2 >/dev/null
	wait_exit "$c_pid" 20
	[ "$EXIT" -eq 0 ]
	printf 'new1\nnew2\n' | cmp - "$T/c.out"
	grep -q 'redis: hits entry [0-9-]* has no line; skipped' "$T/sub.err"
}

# lost_by SERVER COUNT: SERVER logged, once, that COUNT hits were lost.
lost_by() {
	[ "$(grep -c "redis: [0-9]* hits* of hits lost before this server read them" "$T/$1.err")" -eq 1 ]
	grep -q "redis: $2 hits* of hits lost before this server read them: trimmed from the stream, or never published" "$T/$1.err"
}

# no_loss SERVER CLIENT: no loss said by SERVER's log, or to CLIENT.
no_loss() {
	! grep -q 'lost before' "$T/$1.err"
	! grep -q 'dropped\|lost before' "$T/$2.err"
}

@test "a subscriber stopped through a burst tells its client how many hits it lost" {
	redis db "$SOCK"
	serve sub --subscribe "$URL"
	S=$P
	wait_for 10 readers 1
	start c "$BIN/weblog-client" "127.0.0.1:$S"
	wait_for 10 connected sub 1
	: >"$T/access.log"
	serve pub --publish "$URL" -k 10 "$T/access.log"
	wait_for 10 grep -q 'redis: publishing to hits' "$T/pub.err"

	kill -STOP "$sub_pid"
	hits 1 500 >>"$T/access.log"
	wait_for 20 eval 'rcli XREVRANGE hits + - COUNT 1 | grep -aq "GET /500 "'
	[ "$(rcli XLEN hits)" -lt 500 ]		# trimmed
	kill -CONT "$sub_pid"
	wait_for 20 grep -aq '"GET /500 ' "$T/c.out"

	# Every hit delivered or counted, in one report and one log line;
	# counted lost, not dropped: the numbers go on unbroken.
	[ "$(grep -c 'lost before the server read them' "$T/c.err")" -eq 1 ]
	! grep -q 'dropped' "$T/c.err"
	lost=$(sed -n 's/.*hits lost before the server read them (\([0-9]*\) in all)$/\1/p' "$T/c.err")
	delivered=$(wc -l <"$T/c.out")
	echo "delivered $delivered, lost $lost"
	[ "$lost" -gt 0 ]
	[ $((delivered + lost)) -eq 500 ]
	lost_by sub "$lost"
	# What it did read came in order: the first hits, then the last.
	{ hits 1 $((500 - lost - $(rcli XLEN hits))); hits $((501 - $(rcli XLEN hits))) 500; } |
		cmp - "$T/c.out"
}

@test "hits a publisher could not publish are counted lost by its subscribers" {
	redis db "$SOCK"
	serve sub --subscribe "$URL"
	S=$P
	wait_for 10 readers 1
	start c "$BIN/weblog-client" -n 7 "127.0.0.1:$S"
	wait_for 10 connected sub 1
	: >"$T/access.log"
	serve pub --publish "$URL" "$T/access.log"
	wait_for 10 grep -q 'redis: publishing to hits' "$T/pub.err"
	hits 1 5 >>"$T/access.log"
	wait_for 10 has_lines "$T/c.out" 5

	# Out of memory, Redis refuses every XADD (XREAD still works).
	rcli CONFIG SET maxmemory 1 >/dev/null
	hits 6 8 >>"$T/access.log"
	wait_for 10 eval 'rcli INFO errorstats | grep -q "^errorstat_OOM:count=3"'
	rcli CONFIG SET maxmemory 0 >/dev/null
	hits 9 10 >>"$T/access.log"
	wait_exit "$c_pid" 20
	[ "$EXIT" -eq 0 ]
	{ hits 1 5; hits 9 10; } | cmp - "$T/c.out"
	grep -q 'hits lost before the server read them (3 in all)' "$T/c.err"
	! grep -q 'dropped' "$T/c.err"
	wait_for 10 grep -q 'redis: 3 hits not published to hits' "$T/pub.err"
	wait_for 10 lost_by sub 3
}

@test "two publishers on one stream, and a publisher's restart, lose nothing" {
	redis db "$SOCK"
	serve sub --subscribe "$URL"
	S=$P
	wait_for 10 readers 1
	start c "$BIN/weblog-client" -n 600 "127.0.0.1:$S"
	wait_for 10 connected sub 1
	: >"$T/a.log"
	: >"$T/b.log"
	serve pa --publish "$URL" -k 10000 "$T/a.log"
	serve pb --publish "$URL" -k 10000 "$T/b.log"
	wait_for 10 grep -q 'redis: publishing to hits' "$T/pa.err"
	wait_for 10 grep -q 'redis: publishing to hits' "$T/pb.err"
	# Their entries interleaved: 20 of one, then 20 of the other, ...
	for i in $(seq 0 9); do
		hits $((i * 20 + 1)) $((i * 20 + 20)) >>"$T/a.log"
		wait_for 10 eval '[ "$(rcli XLEN hits)" -eq $((i * 40 + 20)) ]'
		hits $((i * 20 + 201)) $((i * 20 + 220)) >>"$T/b.log"
		wait_for 10 eval '[ "$(rcli XLEN hits)" -eq $((i * 40 + 40)) ]'
	done
	wait_for 20 has_lines "$T/c.out" 400

	# One stops; another starts on its log: a new epoch, numbered from 1.
	kill -TERM "$pa_pid"
	wait_exit "$pa_pid"
	serve pa2 --publish "$URL" -k 10000 "$T/a.log"
	wait_for 10 grep -q 'redis: publishing to hits' "$T/pa2.err"
	hits 401 500 >>"$T/a.log"
	hits 501 600 >>"$T/b.log"
	wait_exit "$c_pid" 20
	[ "$EXIT" -eq 0 ]
	[ "$(sort -u "$T/c.out" | wc -l)" -eq 600 ]
	no_loss sub c
}

# before FILE A B: FILE has a line matching A, and the first is before
# the first matching B.
before() {
	local a b
	a=$(grep -n -m 1 -e "$2" "$1" | cut -d: -f1)
	b=$(grep -n -m 1 -e "$3" "$1" | cut -d: -f1)
	[ -n "$a" ] && [ -n "$b" ] && [ "$a" -lt "$b" ]
}

@test "entries without a good n and epoch are served, and count nothing" {
	need curl curl
	redis db "$SOCK"
	serve sub --subscribe "$URL" --http 127.0.0.1:0
	wait_for 10 grep -q 'listening on http://' "$T/sub.err"
	H=$(sed -n 's|.*listening on http://127\.0\.0\.1:\([0-9]*\)/$|\1|p' "$T/sub.err")
	wait_for 10 readers 1
	exec 5<>"/dev/tcp/127.0.0.1/$P"
	echo "RESUME 0 0" >&5
	wait_for 10 connected sub 1
	start sse curl -sN "http://127.0.0.1:$H/hits"
	start nd curl -sN "http://127.0.0.1:$H/hits.ndjson"
	wait_for 10 grep -q '"GET /hits" 200' "$T/sub.err"
	wait_for 10 grep -q '"GET /hits.ndjson" 200' "$T/sub.err"
	add() { rcli XADD hits '*' "$@" >/dev/null; }
	add line first n 1 epoch 7
	add line plain
	add line bad1 n x epoch 7
	add line bad2 n 99999999999999999999 epoch 7
	add line bad3 n 9
	add line bad4 n 9 epoch 07
	add line bad5 n -1 epoch 7
	add line bad6 epoch 7 n ''
	add line second n 2 epoch 7
	add line other n 50 epoch 8
	add line fifth n 5 epoch 7
	while IFS= read -r -t 10 l <&5; do
		echo "$l"
		case $l in *'>fifth<'*) break ;; esac
	done >"$T/raw"
	exec 5<&-
	# The hits numbered in a row; two lost before the fifth, said there
	# (no numbers skipped: <lost>, not <dropped>).
	sed 1d "$T/raw" >"$T/got"
	cat >"$T/want" <<-'EOF'
	<hit n="1"><line>first</line></hit>
	<hit n="2"><line>plain</line></hit>
	<hit n="3"><line>bad1</line></hit>
	<hit n="4"><line>bad2</line></hit>
	<hit n="5"><line>bad3</line></hit>
	<hit n="6"><line>bad4</line></hit>
	<hit n="7"><line>bad5</line></hit>
	<hit n="8"><line>bad6</line></hit>
	<hit n="9"><line>second</line></hit>
	<hit n="10"><line>other</line></hit>
	<lost count="2"/>
	<hit n="11"><line>fifth</line></hit>
	EOF
	diff "$T/want" "$T/got"
	wait_for 10 lost_by sub 2
	# Over HTTP, in each format's own way.
	wait_for 10 grep -q '"fifth"' "$T/sse.out"
	wait_for 10 grep -q '"fifth"' "$T/nd.out"
	! grep -q dropped "$T/sse.out" "$T/nd.out"
	[ "$(grep -c lost "$T/sse.out")" -eq 1 ]
	grep -A 1 '^event: lost$' "$T/sse.out" | grep -qx 'data: {"count":2}'
	before "$T/sse.out" '"other"' '^event: lost$'
	before "$T/sse.out" '^event: lost$' '"fifth"'
	[ "$(grep -c lost "$T/nd.out")" -eq 1 ]
	before "$T/nd.out" '"other"' '^{"lost":2}'
	before "$T/nd.out" '^{"lost":2}' '"fifth"'
	# Counted once for the server, however many clients it told.
	curl -s "http://127.0.0.1:$H/stats" | grep -q '"dropped":0,"lost":2,'
	curl -s "http://127.0.0.1:$H/metrics" | grep -qx 'weblog_hits_lost_total 2'
}

@test "a loss past 2^24 hits is reported whole" {
	redis db "$SOCK"
	serve sub --subscribe "$URL"
	wait_for 10 readers 1
	start c "$BIN/weblog-client" -n 3 "127.0.0.1:$P"
	wait_for 10 connected sub 1
	# 16777215 fits the count a subscriber keeps; one more does not.
	rcli XADD hits '*' line a n 1 epoch 7 >/dev/null
	rcli XADD hits '*' line b n 16777217 epoch 7 >/dev/null
	rcli XADD hits '*' line c n 33554434 epoch 7 >/dev/null
	wait_exit "$c_pid" 20
	[ "$EXIT" -eq 0 ]
	printf 'a\nb\nc\n' | cmp - "$T/c.out"
	cat >"$T/want" <<-'EOF'
	weblog-client: 16777215 hits lost before the server read them (16777215 in all)
	weblog-client: 16777216 hits lost before the server read them (33554431 in all)
	EOF
	diff "$T/want" "$T/c.err"
}

@test "a loss with no hit after it is reported before the stream's end" {
	redis db "$SOCK"
	# The entry after the gap is filtered out: no hit follows the loss.
	serve sub --subscribe "$URL" --match keep
	wait_for 10 readers 1
	exec 5<>"/dev/tcp/127.0.0.1/$P"
	echo "RESUME 0 0" >&5
	wait_for 10 connected sub 1
	rcli XADD hits '*' line 'GET /keep' n 1 epoch 7 >/dev/null
	rcli XADD hits '*' line 'GET /other' n 5 epoch 7 >/dev/null
	wait_for 10 lost_by sub 3
	kill -TERM "$sub_pid"
	while IFS= read -r -t 10 l <&5; do
		echo "$l"
	done >"$T/raw"
	exec 5<&-
	wait_exit "$sub_pid"
	sed 1d "$T/raw" >"$T/got"
	cat >"$T/want" <<-'EOF'
	<hit n="1"><line>GET /keep</line></hit>
	<lost count="3"/>
	</hits>
	EOF
	diff "$T/want" "$T/got"
}

@test "a subscriber that keeps losing hits logs the count at most once a second" {
	redis db "$SOCK"
	start sub "$BIN/weblog-serve" -l 127.0.0.1:0 --subscribe "$URL" \
		--logfile "$T/sub.log"
	P=$(listening "$T/sub.log")
	wait_for 10 readers 1
	client c "$P" 6
	wait_for 10 grep -q 'weblog-serve: connect ' "$T/sub.log"
	rcli XADD hits '*' line 1 n 1 epoch 7 >/dev/null
	# Five losses in a row, 44 hits in all, each in a reply of its own.
	for n in 10 20 30 40 50; do
		wait_for 10 has_lines "$T/c.out" $((n / 10))
		rcli XADD hits '*' line "$n" n "$n" epoch 7 >/dev/null
	done
	wait_exit "$c_pid" 20
	[ "$EXIT" -eq 0 ]
	sum() {
		[ "$(sed -n 's/.* redis: \([0-9]*\) hits of hits lost before .*/\1/p' "$T/sub.log" |
			awk '{ s += $1 } END { print s + 0 }')" -eq 44 ]
	}
	wait_for 10 sum
	# The time stamps (HH:MM:SS.mmm) of the lines a second apart at least.
	grep ' redis: [0-9]* hits of hits lost before ' "$T/sub.log" |
		sed 's/^[0-9-]*T\([0-9:.]*\)Z .*/\1/' >"$T/times"
	[ "$(wc -l <"$T/times")" -ge 2 ]
	awk -F: '{ t = $1 * 3600 + $2 * 60 + $3 }
		NR > 1 && t - last < 0.999 { print "too soon: " $0; bad = 1 }
		{ last = t } END { exit bad }' "$T/times"
}

@test "a subscriber cuts an entry's line at --max-line" {
	redis db "$SOCK"
	serve sub --subscribe "$URL" --max-line 10
	client c "$P" 1
	wait_for 10 connected sub 1
	wait_for 10 readers 1
	rcli XADD hits '*' line 0123456789abcdef >/dev/null
	wait_exit "$c_pid" 20
	[ "$EXIT" -eq 0 ]
	[ "$(cat "$T/c.out")" = 0123456789 ]
	grep -q 'line cut at 10 bytes' "$T/sub.err"
}

@test "--publish while Redis is away still serves, and counts what it missed" {
	: >"$T/access.log"
	serve pub --publish "$URL" "$T/access.log"
	client c "$P" 8
	wait_for 10 connected pub 1
	wait_for 10 grep -q "redis: .*; not publishing until it is back" "$T/pub.err"
	hits 1 5 >>"$T/access.log"
	wait_for 10 has_lines "$T/c.out" 5

	redis db "$SOCK"
	wait_for 20 grep -q 'redis: 5 hits not published to hits' "$T/pub.err"
	hits 6 8 >>"$T/access.log"
	wait_exit "$c_pid" 20
	[ "$EXIT" -eq 0 ]
	hits 1 8 | cmp - "$T/c.out"
	wait_for 10 eval '[ "$(rcli XLEN hits)" -eq 3 ]'
	rcli XRANGE hits - + | grep -q '"GET /6 HTTP/1.1"'
}

@test "a publisher that loses Redis counts the outage's hits, then publishes again" {
	redis db "$SOCK"
	: >"$T/access.log"
	serve pub --publish "$URL" "$T/access.log"
	client c "$P" 9
	wait_for 10 connected pub 1
	wait_for 10 grep -q 'redis: publishing to hits' "$T/pub.err"
	hits 1 3 >>"$T/access.log"
	wait_for 10 eval '[ "$(rcli XLEN hits)" -eq 3 ]'

	kill -TERM "$db_pid"
	wait_exit "$db_pid"
	wait_for 10 grep -q 'redis: lost the connection: .*; not publishing until it is back' "$T/pub.err"
	hits 4 7 >>"$T/access.log"
	wait_for 10 has_lines "$T/c.out" 7
	redis db2 "$SOCK"	# no persistence: a new, empty stream
	wait_for 20 grep -q 'redis: 4 hits not published to hits' "$T/pub.err"
	hits 8 9 >>"$T/access.log"
	wait_exit "$c_pid" 20
	[ "$EXIT" -eq 0 ]
	hits 1 9 | cmp - "$T/c.out"
	wait_for 10 eval '[ "$(rcli XLEN hits)" -eq 2 ]'
}

@test "a publisher that stops sends the hits in flight first" {
	redis db "$SOCK"
	mkfifo "$T/in"
	start pub sh -c 'exec "$0" -l 127.0.0.1:0 --publish "$1" -k 100000 \
		--linger 30 <"$2"' "$BIN/weblog-serve" "$URL" "$T/in"
	exec 4>"$T/in"
	P=$(listening pub)
	client c "$P" 5001 4>&-	# ends when the stream does
	wait_for 10 connected pub 1
	wait_for 10 grep -q 'redis: publishing to hits' "$T/pub.err"

	# Redis stalls: more than a socket's buffer waits in the server.
	kill -STOP "$db_pid"
	for i in $(seq 1 20); do hits $((i * 250 - 249)) $((i * 250)); done >&4
	exec 4>&-
	wait_exit "$c_pid" 20	# the input ended: the server is stopping
	[ "$EXIT" -eq 0 ]
	[ "$(wc -l <"$T/c.out")" -eq 5000 ]
	! exited "$pub_pid"	# still sending to Redis
	kill -CONT "$db_pid"
	wait_exit "$pub_pid" 20
	[ "$EXIT" -eq 0 ]
	[ "$(rcli XLEN hits)" -eq 5000 ]
}

@test "a burst of 40000 hits waits whole for a stalled Redis" {
	redis db "$SOCK"
	: >"$T/access.log"
	serve pub --publish "$URL" -k 100000 "$T/access.log"
	client c "$P" 40000
	wait_for 10 connected pub 1
	wait_for 10 grep -q 'redis: publishing to hits' "$T/pub.err"
	kill -STOP "$db_pid"
	hits 1 40000 >>"$T/access.log"
	wait_exit "$c_pid" 60	# all read, and served, while Redis stalls
	[ "$EXIT" -eq 0 ]
	kill -CONT "$db_pid"
	wait_for 30 eval '[ "$(rcli XLEN hits)" -eq 40000 ]'
	! grep -q 'not published' "$T/pub.err"
}

@test "a burst past 16 MiB is published in part, and the rest counted" {
	redis db "$SOCK"
	: >"$T/access.log"
	serve pub --publish "$URL" -k 100000 "$T/access.log"
	client c "$P" 20000
	wait_for 10 connected pub 1
	wait_for 10 grep -q 'redis: publishing to hits' "$T/pub.err"
	kill -STOP "$db_pid"
	# 20000 lines of 1000 bytes: some 20 MiB of XADD.
	awk 'BEGIN { s = sprintf("%990s", ""); gsub(/ /, "x", s)
		for (i = 1; i <= 20000; i++) printf "%09d %s\n", i, s }' >>"$T/access.log"
	wait_exit "$c_pid" 60	# the server's clients miss nothing
	[ "$EXIT" -eq 0 ]
	[ "$(wc -l <"$T/c.out")" -eq 20000 ]
	kill -CONT "$db_pid"
	wait_for 30 grep -q 'redis: [0-9]* hits not published to hits' "$T/pub.err"
	n=$(sed -n 's/.*redis: \([0-9]*\) hits not published to hits$/\1/p' "$T/pub.err")
	[ "$n" -gt 0 ]
	wait_for 10 eval '[ $(( $(rcli XLEN hits) + n )) -eq 20000 ]'
}

@test "the stream is trimmed to about --keep entries" {
	redis db "$SOCK"
	: >"$T/access.log"
	serve pub --publish "$URL" -k 10 "$T/access.log"
	wait_for 10 grep -q 'redis: publishing to hits' "$T/pub.err"
	hits 1 1000 >>"$T/access.log"
	wait_for 10 eval 'rcli XREVRANGE hits + - COUNT 1 | grep -q "GET /1000 "'
	n=$(rcli XLEN hits)
	[ "$n" -ge 10 ] && [ "$n" -lt 1000 ]
}

@test "--subscribe with a FILE, a bad address, or its own stream is refused" {
	run "$BIN/weblog-serve" --subscribe "$URL" "$T/access.log"
	[ "$status" -eq 2 ]
	[ "$output" = "weblog-serve: --subscribe: the input is the stream; no FILE" ]
	run "$BIN/weblog-serve" --publish redis://127.0.0.1:6379/
	[ "$status" -eq 2 ]
	[ "$output" = "weblog-serve: --publish redis://127.0.0.1:6379/: no stream name" ]
	run "$BIN/weblog-serve" --subscribe redis://127.0.0.1:99999/hits
	[ "$status" -eq 2 ]
	[[ "$output" == "weblog-serve: --subscribe redis://127.0.0.1:99999/hits: "* ]]
	run "$BIN/weblog-serve" --subscribe "$URL" --publish "$URL"
	[ "$status" -eq 2 ]
	[[ "$output" == *"the stream read would grow forever" ]]
}

@test "twirl(7)'s Fanning out through Redis recipe runs as written" {
	local f
	redis db "$SOCK"
	p1=$(free_port)
	p2=$(free_port)
	# The merged client's lines are sorted: the ports in the same order.
	[[ "$p1" < "$p2" ]] || { f=$p1; p1=$p2; p2=$f; }
	recipe_rewrite() {
		local l=${1//redis:\/\/127.0.0.1:6379\/hits/unix:$SOCK#hits}
		l=${l//8888/$p1}
		l=${l//8890/$p2}
		printf '%s\n' "${l//weblog-client /weblog-client -t 10 }"	# never hangs
	}
	# A reader would not notice the publisher's connecting.
	recipe_after() {
		case $1 in
		*--publish*) wait_for 10 grep -q 'redis: publishing to hits' pub.log ;;
		esac
	}
	run_recipe "Fanning out through Redis" pub.pid sub.pid
	[ "$(grep -c '^\$ ' "$T/recipe")" -eq 6 ]
}
