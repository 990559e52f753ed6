#!/usr/bin/env bats
# weblog-serve --format, several FILEs, --status/--match/--exclude (and
# the same as HTTP query parameters, for one client), --anonymize (SPEC
# "Log formats, several files, filters, anonymising").

load helper

NGINX='$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent" $request_time "$upstream_addr" $host $server_port'
APACHE='%v:%p %h %l %u %t \"%r\" %>s %O \"%{Referer}i\" \"%{User-Agent}i\" %D \"%{X-Forwarded-For}i\"'

# get PATH: the status line's code, then the body of GET PATH.
get() {
	"$PY" - "$H" "$1" <<'GET'
import http.client, sys
c = http.client.HTTPConnection("127.0.0.1", int(sys.argv[1]), timeout=10)
c.request("GET", sys.argv[2])
r = c.getresponse()
print(r.status)
sys.stdout.flush()
sys.stdout.buffer.write(r.read())
GET
}

# read_hits: the server has numbered hits up to N ("last" in /stats).
read_hits() {
	get /stats | tail -n 1 | grep -q "\"last\":$1,"
}

# stream PATH N: the first N lines (XML, NDJSON) or SSE data lines of hits
# of GET PATH, the XML start tag included for /hits.xml.
stream() {
	"$PY" - "$H" "$1" "$2" <<'STREAM'
import http.client, sys
c = http.client.HTTPConnection("127.0.0.1", int(sys.argv[1]), timeout=10)
c.request("GET", sys.argv[2])
r = c.getresponse()
assert r.status == 200, r.status
want, got, sse = int(sys.argv[3]), 0, sys.argv[2].split("?")[0] == "/hits"
while got < want:
    line = r.readline().decode()
    if not line:
        break
    if sse:
        if line.startswith("id: "):
            print(line.strip())
        if not line.startswith("data: "):
            continue
        line = line[6:]
    elif not line.strip() or "dropped" in line:
        continue
    sys.stdout.write(line)
    got += 1
STREAM
}

# xml N [PORT]: the start tag and N hits of a new raw client (-r replays).
xml() {
	"$PY" - "${2:-$P}" "$1" <<'XML'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10)
f = s.makefile("rb")
for _ in range(int(sys.argv[2]) + 1):
    sys.stdout.write(f.readline().decode())
XML
}

@test "--format nginx, 12 variables: -f combined gives back every line; -f json its extra fields" {
	cat >"$T/in.log" <<'EOF'
203.0.113.7 - - [02/Dec/2026:10:00:00 +0000] "GET /a?x=1 HTTP/1.1" 200 512 "-" "curl/8" 0.004 "10.1.1.1:80" ex.org 443
2001:db8::1 - bob [02/Dec/2026:10:00:01 +0000] "POST /b HTTP/2" 503 0 "http://r/" "Mozilla <x> & \"q\"" 1.250 "-" ex.org 80
not a line of this format & <
EOF
	serve_http --format "$NGINX" --from-start -k 10 -r 10 "$T/in.log"
	wait_for 10 read_hits 3
	run "$BIN/weblog-client" -n 3 -f combined "127.0.0.1:$P"
	[ "$status" -eq 0 ]
	[ "$output" = "$(cat "$T/in.log")" ]
	run "$BIN/weblog-client" -n 3 -f json "127.0.0.1:$P"
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" = *'"status":200,"bytes":512,'*'"fields":{"request_time":"0.004","upstream_addr":"10.1.1.1:80","host":"ex.org","server_port":"443"}}' ]]
	[[ "${lines[1]}" = *'"user":"bob",'*'"status":503,"bytes":0,'*'"request_time":"1.250"'* ]]
	[ "${lines[2]}" = '{"line":"not a line of this format & <"}' ]
	# The start tag says the format, its quotes escaped; the fields in order.
	run xml 3
	[[ "${lines[0]}" = *' format="$remote_addr - $remote_user [$time_local] &quot;$request&quot; $status'*'$host $server_port">' ]]
	[[ "${lines[1]}" = '<hit n="1"><client>203.0.113.7</client><user>-</user><time>'*'</agent><field name="request_time">0.004</field><field name="upstream_addr">10.1.1.1:80</field><field name="host">ex.org</field><field name="server_port">443</field></hit>' ]]
	[ "${lines[3]}" = '<hit n="3"><line>not a line of this format &amp; &lt;</line></hit>' ]
}

@test "--format Apache LogFormat: lines given back byte for byte, extras named as written" {
	printf '%s\n' \
		'www.ex.org:443 198.51.100.9 - - [02/Dec/2026:10:00:00 +0000] "GET / HTTP/1.1" 404 153 "-" "agent \"x\"" 1234 "10.0.0.1, 10.0.0.2"' \
		'www.ex.org:80 198.51.100.10 - alice [02/Dec/2026:10:00:02 +0000] "GET /caf'$'\xe9'' HTTP/1.1" 200 - "-" "-" 7 "-"' >"$T/in.log"
	serve_http --format "$APACHE" --from-start -k 10 -r 10 "$T/in.log"
	wait_for 10 read_hits 2
	"$BIN/weblog-client" -n 2 -f combined "127.0.0.1:$P" >"$T/back.log"
	cmp "$T/in.log" "$T/back.log"
	run "$BIN/weblog-client" -n 2 -f json "127.0.0.1:$P"
	[[ "${lines[0]}" = *'"status":404,"bytes":153,'*'"fields":{"v":"www.ex.org","p":"443","D":"1234","{X-Forwarded-For}i":"10.0.0.1, 10.0.0.2"}}' ]]
	[[ "${lines[1]}" = *'"bytes":0,'* ]]
	run xml 1
	[[ "${lines[0]}" = *' format="%v:%p %h %l %u %t \&quot;%r\&quot; %&gt;s'*'">' ]]
}

@test "several FILEs: both followed, each hit tagged with its source" {
	: >"$T/a.log"
	: >"$T/b.log"
	serve_http -k 10 "$T/a.log" "$T/b.log"
	start wc "$BIN/weblog-client" -n 3 -f json "127.0.0.1:$P"
	wait_for 10 eval 'get /stats | tail -n 1 | grep -q "\"xml\":1"'
	printf '%s\n' '10.0.0.1 - - [02/Dec/2026:10:00:00 +0000] "GET /a HTTP/1.1" 200 1' >>"$T/a.log"
	wait_for 10 read_hits 1
	printf '%s\n' '10.0.0.2 - - [02/Dec/2026:10:00:00 +0000] "GET /b HTTP/1.1" 200 2' >>"$T/b.log"
	wait_for 10 read_hits 2
	printf '%s\n' 'junk' >>"$T/a.log"
	wait_for 10 read_hits 3
	wait_for 10 eval '[ "$(wc -l <"$T/wc.out")" -eq 3 ]'
	run cat "$T/wc.out"
	[[ "${lines[0]}" = "{\"source\":\"$T/a.log\",\"client\":\"10.0.0.1\""* ]]
	[[ "${lines[1]}" = "{\"source\":\"$T/b.log\",\"client\":\"10.0.0.2\""* ]]
	[ "${lines[2]}" = "{\"source\":\"$T/a.log\",\"line\":\"junk\"}" ]
	run stream '/hits.xml?replay=3' 4
	[[ "${lines[1]}" = "<hit n=\"1\"><source>$T/a.log</source><client>10.0.0.1</client>"* ]]
	[ "${lines[3]}" = "<hit n=\"3\"><source>$T/a.log</source><line>junk</line></hit>" ]
	# Files never end: the server is still there.
	kill -0 "$srv_pid"
}

@test "several FILEs share one inotify instance, all of them followed" {
	mkdir "$T/d"
	: >"$T/a.log"
	: >"$T/b.log"
	: >"$T/d/c.log"
	serve_http "$T/a.log" "$T/b.log" "$T/d/c.log"
	n=$(ls -l "/proc/$srv_pid/fd" | grep -c inotify) || :
	# 0: none to be had, fs.inotify.max_user_instances taken by others?
	[ "$n" -eq 1 ] || { echo "$n inotify instances, want 1" >&2; false; }
	n=0
	for f in a b d/c; do
		echo "$f" >>"$T/$f.log"
		wait_for 10 read_hits $((++n))
	done
	run stream '/hits.xml?replay=3' 4
	[ "${lines[1]}" = "<hit n=\"1\"><source>$T/a.log</source><line>a</line></hit>" ]
	[ "${lines[2]}" = "<hit n=\"2\"><source>$T/b.log</source><line>b</line></hit>" ]
	[ "${lines[3]}" = "<hit n=\"3\"><source>$T/d/c.log</source><line>d/c</line></hit>" ]
}

# mix N: N Combined lines, request /I, status 503 for every 20th, else 200;
# client 10.0.0.I, or 192.168.1.I for every 3rd.
mix() {
	local i
	for ((i = 1; i <= $1; i++)); do
		printf '%s - - [02/Dec/2026:10:00:00 +0000] "GET /%d HTTP/1.1" %d %d "-" "t"\n' \
			"$( ((i % 3 == 0)) && echo 192.168.1.$i || echo 10.0.0.$i)" \
			"$i" "$( ((i % 20 == 0)) && echo 503 || echo 200)" "$i"
	done
}

@test "--status 5xx passes only 5xx, numbered without gaps" {
	serve_http --status 5xx -k 100 -r 100
	mix 60 >&4
	wait_for 10 read_hits 3
	run stream '/hits.xml?replay=100' 4
	[[ "${lines[1]}" = '<hit n="1"><client>10.0.0.20</client>'*'<status>503</status>'* ]]
	[[ "${lines[2]}" = '<hit n="2"><client>10.0.0.40</client>'* ]]
	[[ "${lines[3]}" = '<hit n="3"><client>192.168.1.60</client>'* ]]
	get /stats | tail -n 1 | grep -q '"last":3,"read":3,'
}

@test "?status=5xx on /hits, /hits.ndjson and /hits.xml: that client alone, numbers skipped" {
	serve_http -k 100
	start sse stream '/hits?status=5xx' 2
	start nd stream '/hits.ndjson?status=500-599&match=GET' 2
	start x stream '/hits.xml?status=503' 3
	start all stream '/hits.ndjson' 40
	wait_for 10 eval 'get /stats | tail -n 1 | grep -q "\"xml\":1,\"sse\":1,\"ndjson\":2,"'
	mix 40 >&4
	wait_for 10 eval '[ "$(grep -c ^id: "$T/sse.out")" -eq 2 ]'
	wait_for 10 eval '[ "$(wc -l <"$T/all.out")" -eq 40 ]'
	wait_for 10 eval '[ "$(wc -l <"$T/nd.out")" -eq 2 ]'
	wait_for 10 eval '[ "$(wc -l <"$T/x.out")" -eq 3 ]'
	run cat "$T/sse.out"
	[[ "${lines[0]}" =~ ^id:\ [0-9]+-20$ ]]
	[[ "${lines[1]}" = '{"client":"10.0.0.20",'*'"status":503,'* ]]
	[[ "${lines[2]}" =~ ^id:\ [0-9]+-40$ ]]
	run cat "$T/nd.out"
	[[ "${lines[0]}" = *'"request":"GET /20 HTTP/1.1","status":503'* ]]
	[[ "${lines[1]}" = *'"request":"GET /40 HTTP/1.1","status":503'* ]]
	run cat "$T/x.out"
	[[ "${lines[1]}" = '<hit n="20">'* ]]
	[[ "${lines[2]}" = '<hit n="40">'* ]]
	# The client without a filter got every hit.
	[ "$(grep -c '"status":200' "$T/all.out")" -eq 38 ]
	# Replay is filtered too.
	run stream '/hits.ndjson?replay=100&status=5xx&exclude=10.0.0.40' 1
	[[ "$output" = *'"request":"GET /20 HTTP/1.1"'* ]]
}

@test "--match and --exclude on the server; ?match= sees at most 1024 bytes of the request" {
	serve_http --match '^GET /1' --exclude 192.168.0.0/16 --exclude 10.0.0.11 -k 100 -r 100
	mix 19 >&4
	long=$(printf 'a%.0s' {1..1100})
	printf '10.0.0.1 - - [02/Dec/2026:10:00:00 +0000] "GET /1%sZ HTTP/1.1" 200 1\n' "$long" >&4
	printf '10.0.0.1 - - [02/Dec/2026:10:00:00 +0000] "GET /1Z HTTP/1.1" 200 1\n' >&4
	wait_for 10 read_hits 9
	run stream '/hits.ndjson?replay=100' 9
	[ "$(echo "$output" | sed -n 's/.*"request":"GET \/\([0-9]*\) .*/\1/p' | tr '\n' ' ')" = "1 10 13 14 16 17 19 " ]
	[[ "${lines[7]}" = *"aZ HTTP/1.1\""* ]]
	# The server's own --match saw the Z past 1024 bytes; a client's does not.
	run stream '/hits.ndjson?replay=100&match=Z' 1
	[[ "$output" = *'"request":"GET /1Z HTTP/1.1"'* ]]
}

@test "--anonymize: IPv4 and IPv6 clients cut in the XML stream, SSE, NDJSON and the history" {
	serve_http --anonymize -k 10 -r 10 --format "$NGINX"
	start sse stream '/hits' 3
	start nd stream '/hits.ndjson' 3
	wait_for 10 eval 'get /stats | tail -n 1 | grep -q "\"sse\":1,\"ndjson\":1"'
	printf '%s\n' \
		'203.0.113.77 - - [02/Dec/2026:10:00:00 +0000] "GET / HTTP/1.1" 200 1 "-" "t" 0.1 "-" h 80' \
		'2001:db8:abcd:12::1 - - [02/Dec/2026:10:00:00 +0000] "GET / HTTP/1.1" 200 1 "-" "t" 0.1 "-" h 80' \
		'host.example.net - - [02/Dec/2026:10:00:00 +0000] "GET / HTTP/1.1" 200 1 "-" "t" 0.1 "-" h 80' >&4
	wait_for 10 read_hits 3
	wait_for 10 eval '[ "$(grep -c ^id: "$T/sse.out")" -eq 3 ]'
	wait_for 10 eval '[ "$(wc -l <"$T/nd.out")" -eq 3 ]'
	for f in sse nd; do
		grep -q '"client":"203.0.113.0",' "$T/$f.out"
		grep -q '"client":"2001:db8:abcd::",' "$T/$f.out"
		grep -q '"client":"-",' "$T/$f.out"
		! grep -q '203.0.113.77\|:12::1\|host.example' "$T/$f.out"
	done
	run xml 3
	[[ "${lines[1]}" = '<hit n="1"><client>203.0.113.0</client>'* ]]
	[[ "${lines[2]}" = '<hit n="2"><client>2001:db8:abcd::</client>'* ]]
	[[ "${lines[3]}" = '<hit n="3"><client>-</client>'* ]]
	run "$BIN/weblog-client" -n 3 -f combined "127.0.0.1:$P"
	[[ "${lines[0]}" = '203.0.113.0 - - [02/Dec/2026:10:00:00 +0000] "GET / HTTP/1.1" 200 1 "-" "t" 0.1 "-" h 80' ]]
	[[ "${lines[1]}" = '2001:db8:abcd:: - - '* ]]
}

@test "bad --format, --status, --match, --exclude exit 2 with the reason; a bad query filter is 400" {
	run "$BIN/weblog-serve" --format '$a$b'
	[ "$status" -eq 2 ]
	[[ "$output" = 'weblog-serve: --format: '*'$a'*'$b'* ]]
	run "$BIN/weblog-serve" --status 6xx
	[ "$status" -eq 2 ]
	[[ "$output" = 'weblog-serve: --status: 6xx: '* ]]
	run "$BIN/weblog-serve" --match 'a\1'
	[ "$status" -eq 2 ]
	[[ "$output" = 'weblog-serve: --match: '* ]]
	run "$BIN/weblog-serve" --exclude 10.0.0.0/33
	[ "$status" -eq 2 ]
	[[ "$output" = 'weblog-serve: --exclude: '* ]]
	serve_http
	run get '/hits?status=6xx'
	[ "${lines[0]}" = 400 ]
	[[ "${lines[1]}" = '400 Bad Request: status=...: 6xx: '* ]]
	run get '/hits.ndjson?exclude=nope'
	[ "${lines[0]}" = 400 ]
	[[ "${lines[1]}" = '400 Bad Request: exclude=...: '* ]]
	run get '/hits.xml?match=%28'
	[ "${lines[0]}" = 400 ]
	[[ "${lines[1]}" = '400 Bad Request: match=...: '* ]]
	run get '/hits?colour=red'
	[ "${lines[0]}" = 400 ]
	grep -q "GET /hits[^\"]*\" 400\$" "$T/srv.err"
}

@test "twirl(7)'s recipe for real access logs runs as written" {
	p=$(free_port)
	recipe_rewrite() {
		local l=${1//weblog-serve -d /weblog-serve -d -l 127.0.0.1:8888 }
		l=${l//weblog-client /weblog-client -t 10 }	# never hangs
		printf '%s\n' "${l//8888/$p}"
	}
	run_recipe "Real access logs: formats and filters" serve.pid
	[ "$(grep -c '^\$ ' "$T/recipe")" -eq 5 ]
}
