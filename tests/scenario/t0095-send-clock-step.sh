#!/bin/sh
# A batch's backoff (spec/destinations.md §5) and the last minute of
# latencies (§6) count on the monotonic clock: krenalisd's wall clock
# stepped an hour back while a batch waits to be sent again does not hold
# it for that hour, and set forward again it does not empty the
# latencies.  tests/clockshift.c moves the wall clock and leaves the
# monotonic one alone.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/receiver.sh"
fake_clock
sending --batch-size 1
rules a '[{"status": 500, "match": "e1", "count": 1}]'
track e1
expect_eq "stored" 200 "$(cat "$T/status")"
wait_until 20 at_least 1 requests a || fail "e1 was not sent"
clock_step -3600
wait_until 20 is e1 got a || fail "e1 was not sent again: $(cat "$T/a.log")"
expect_eq "attempts" 2 "$(attempts_of a e1)"
grep -q 'sender: destination "D" recovered' "$T/daemon.log" || fail "log: $(cat "$T/daemon.log")"
# The latencies of the last minute (§6) count on it too: the wall clock
# set an hour forward again does not empty them.
clock_step +0
check "show" kr -j destination show D
expect_eq "latency after the step" True "$(jget "$(cat "$T/out")" 'str(j["latency"]["p50"] is not None)')"
finish
