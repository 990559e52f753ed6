# tests/long/long.bash - for the long suites (load ../helper, then load
# long): the figures they watch in /proc and report with their results.
#
#   rss PID      PID's resident memory in kB
#   fds PID      how many descriptors PID has open
#   note TEXT    TEXT as a comment in the TAP output

rss() { awk '/^VmRSS/ { print $2 }' "/proc/$1/status"; }
fds() { ls "/proc/$1/fd" | wc -l; }
note() { echo "# $*" >&3; }
