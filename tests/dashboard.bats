#!/usr/bin/env bats
# The dashboard in a real browser: Debian's headless Chromium, driven by
# tests/dashboard.py through chromedriver (python3-selenium). make test
# installs them (tests/deps).

load helper

@test "the dashboard shows hits within a second, counts them right, survives a restart, and loads nothing from elsewhere" {
	need chromium chromium
	need chromedriver chromium-driver
	"$PY" -c 'import selenium' || {
		echo "python3-selenium is not installed: tests/deps python3-selenium" >&2
		return 1
	}
	run "$PY" "$BATS_TEST_DIRNAME/dashboard.py" "$BIN" "$T"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(grep -c '^ok: ' <<<"$output")" -eq 8 ]
	sanitizer_clean
}
