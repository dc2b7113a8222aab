#!/bin/sh
# A destination that does not answer (spec/destinations.md §5): a stall
# past the destination's timeout is retried, a receiver that is down
# (connections refused) makes the queue grow while ingest goes on, and
# when it is back everything queued is delivered, once and in order.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/receiver.sh"
sending --timeout 1 --max-in-flight 1

rules a '[{"delay": 3, "count": 1}]'
track slow
wait_until 30 at_least 2 attempts_of a slow ||
    fail "the stalled request was not sent again"
wait_until 30 is 0 sql "select count(*) from krenalis_outbox" ||
    fail "not delivered after the stall"
check "show" kr -j destination show D
grep -q 'imed out\|Timeout' "$T/out" || fail "timeout not the last error: $(cat "$T/out")"

# Down: the queue grows, ingest answers 200.
stop_receiver a
for i in 1 2 3 4 5; do
	post /v1/batch "$(batch_of $((i * 100)) $((i * 100 + 19)))" -H "$AUTH"
	expect_eq "ingest while down" 200 "$(cat "$T/status")"
done
wait_until 10 is 100 queue_events D ||
    fail "queue is not 100"
grep -q 'destination "D" is failing: .*onnect' "$T/daemon.log" ||
    fail "no line saying why D fails"
check "show while down" kr -j destination show D
expect_eq "oldest queued event" True \
    "$(jget "$(cat "$T/out")" 'str(j["queue"]["oldestQueuedAt"] is not None)')"

# Back (on the same port): everything arrives, once.
: >"$T/a.log"
RECEIVER_PORT=$(cat "$T/a.port") receiver a
wait_until 60 is 0 sql "select count(*) from krenalis_outbox" ||
    fail "queue not emptied once back"
expect_eq "100 events, once each, in order" \
    "$(for i in 1 2 3 4 5; do seq $((i * 100)) $((i * 100 + 19)); done | sed 's/^/m/')" \
    "$(got a)"
grep -q 'destination "D" recovered' "$T/daemon.log" ||
    fail "no line saying D recovered"
finish
