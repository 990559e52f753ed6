#!/usr/bin/env bats
# make demo (contrib/demo): it starts the generator, weblog-serve with the
# dashboard and weblog-client, says where, shows hits, and stops all of it.

load helper

@test "the demo serves a growing log, shows its hits, and stops everything it started" {
	make -C "$BATS_TEST_DIRNAME/.." --no-print-directory build/loggen >/dev/null
	TMPDIR=$T DEMO_HTTP=127.0.0.1:0 DEMO_LISTEN=127.0.0.1:0 DEMO_RATE=50 \
		start demo "$BATS_TEST_DIRNAME/../contrib/demo"
	wait_for 10 grep -q '^  dashboard:  http://127\.0\.0\.1:[0-9]*/$' "$T/demo.out"
	url=$(sed -n 's/^  dashboard:  //p' "$T/demo.out")
	# The hits come through weblog-client, as log lines.
	wait_for 10 grep -q '" [0-9][0-9][0-9] [0-9]* "' "$T/demo.out"
	run "$PY" -c 'import json, sys, urllib.request
print(json.load(urllib.request.urlopen(sys.argv[1] + "stats"))["read"] > 0)' "$url"
	[ "$output" = True ]
	curl_page=$("$PY" -c 'import sys, urllib.request
print(urllib.request.urlopen(sys.argv[1]).status)' "$url")
	[ "$curl_page" = 200 ]
	dir=$(ls -d "$T"/twirl-demo.*)
	kill -TERM "$demo_pid"
	wait_exit "$demo_pid"
	[ "$EXIT" -eq 0 ]
	[ ! -e "$dir" ]
	! pgrep -f "$dir/access.log"
}
