#!/bin/sh
# maxAge and enabled (spec/destinations.md §2, §5): a disabled
# destination keeps queueing and sends nothing until enabled; an event
# still undelivered maxAge after its commit fails, when its turn comes,
# with the reason "expired after <maxAge>".
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/receiver.sh"
start_daemon
store_source
receiver a
send_to a --max-age 1m

check "disable" kr destination disable D
post /v1/batch "$(batch_of 1 5)" -H "$AUTH"
sleep 1
expect_eq "disabled: nothing sent" 0 "$(requests a)"
expect_eq "disabled: queued" 5 "$(sql "select count(*) from krenalis_outbox")"
check "enable" kr destination enable D
wait_until 30 got_count a 5 || fail "not delivered once enabled"

# Refused for more than a minute: the event expires.
rules a '[{"status": 503, "count": -1}]'
track old
wait_until 100 is 1 sql "select count(*) from krenalis_outbox_failed" ||
    fail "the event did not expire"
expect_eq "reason" "old|expired after 1m" \
    "$(sql "select message_id, reason from krenalis_outbox_failed")"
check "show" kr -j destination show D
expect_eq "failed, queue" "1 0" \
    "$(jget "$(cat "$T/out")" '"%d %d" % (j["failed"], j["queue"]["events"])')"
finish
