#!/bin/sh
# maxAge and enabled (spec/destinations.md §2, §5): a disabled
# destination keeps queueing and sends nothing until enabled; an event
# still undelivered maxAge after its commit fails, when its turn comes,
# with the reason "expired after <maxAge>".
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/receiver.sh"
sending --max-age 1m

check "disable" kr destination disable D
post /v1/batch "$(batch_of 1 5)" -H "$AUTH"
sleep 1
expect_eq "disabled: nothing sent" 0 "$(requests a)"
expect_eq "disabled: queued" 5 "$(sql "select count(*) from krenalis_outbox")"
check "enable" kr destination enable D
wait_until 30 got_count a 5 || fail "not delivered once enabled"

# Refused for more than a minute: the event expires.  Each 503 says
# Retry-After: 25, which replaces the backoff without jitter (§5), so its
# turns come at 0, 25, 50 and 75 s: it fails at the fourth, 75 s old.
# (The backoff alone, 1 s doubling with 20% of jitter, would bring the
# turn after 60 s anywhere from 60 s to 137 s.)
rules a '[{"status": 503, "count": -1, "headers": {"Retry-After": "25"}}]'
track old
wait_until 120 is 1 sql "select count(*) from krenalis_outbox_failed" ||
    fail "the event did not expire"
expect_eq "reason" "old|expired after 1m" \
    "$(sql "select message_id, reason from krenalis_outbox_failed")"
check "show" kr -j destination show D
expect_eq "failed, queue" "1 0" \
    "$(jget "$(cat "$T/out")" '"%d %d" % (j["failed"], j["queue"]["events"])')"
finish
