#!/bin/sh
# What fails for good (spec/destinations.md §5): a batch answered 400 is
# split in halves down to the one event the receiver refuses, which fails
# with the answer's reason while the others are delivered; "destination
# failed" lists it and "destination retry" puts it back; a redirect is
# not followed but failed, with or without a Location.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/receiver.sh"
sending --batch-size 8

rules a '[{"status": 400, "match": "m6", "count": -1,
    "body": "{\"error\":\"bad event m6\"}"}]'
post /v1/batch "$(batch_of 1 8)" -H "$AUTH"
wait_until 30 got_count a 7 || fail "the 7 good events not delivered"
wait_until 10 is 0 sql "select count(*) from krenalis_outbox" ||
    fail "outbox not emptied"
expect_eq "delivered in order but m6" "m1 m2 m3 m4 m5 m7 m8" \
    "$(got a | sort -V | tr '\n' ' ' | sed 's/ $//')"
expect_eq "attempts: 8, 4, 2, 1 with m6" "8 4 2 1" "$(python3 -c '
import json, sys
print(" ".join(str(len(json.loads(l)["ids"])) for l in open(sys.argv[1])
    if "m6" in json.loads(l)["ids"]))' "$T/a.log")"
check "failed" kr -j destination failed D
expect_eq "failed -j" 'm6 HTTP 400: {"error":"bad event m6"} 4 True' \
    "$(jget "$(cat "$T/out")" '"%s %s %d %s" % (j[0]["messageId"], j[0]["reason"], j[0]["attempts"], j[0]["failedAt"] >= j[0]["queuedAt"])')"
expect_eq "failed has one row" 1 "$(jget "$(cat "$T/out")" 'len(j)')"
check "failed text" kr destination failed D
grep -q 'm6.*HTTP 400' "$T/out" || fail "failed text: $(cat "$T/out")"
check "show" kr -j destination show D
expect_eq "counters" "7 1 0" \
    "$(jget "$(cat "$T/out")" '"%d %d %d" % (j["delivered"], j["failed"], j["queue"]["events"])')"
# A split is not a retry (§5): the halves are sent at once.
expect_eq "nothing retried" 0 "$(jget "$(cat "$T/out")" 'j["retried"]')"

# retry: the failed event is queued again, and delivered.
rules a '[]'
check "retry" kr destination retry D
wait_until 30 got_count a 8 || fail "retried event not delivered"
check "failed after retry" kr -j destination failed D
expect_eq "no failed row left" "[]" "$(cat "$T/out")"

# Many failures: -n limits, newest first.
rules a '[{"status": 422, "count": -1, "body": "no"}]'
post /v1/batch "$(batch_of 101 104)" -H "$AUTH"
wait_until 30 is 4 sql "select count(*) from krenalis_outbox_failed" ||
    fail "the 4 events did not fail"
check "failed -n 2" kr -j destination failed D -n 2
expect_eq "-n 2" 2 "$(jget "$(cat "$T/out")" 'len(j)')"

# A redirect is failed, naming its Location as sent (a relative one is
# not resolved), or saying that it has none.
# redirected ID RULE REASON: ID, answered by RULE, fails with REASON.
redirected() {
	rules a "[$2]"
	track "$1"
	wait_until 30 is 1 sql "select count(*) from krenalis_outbox_failed where message_id = '$1'" ||
	    fail "$1: the redirected event did not fail"
	expect_eq "$1: redirect reason" "$3" \
	    "$(sql "select reason from krenalis_outbox_failed where message_id = '$1'")"
}
redirected moved '{"status": 301, "count": -1, "headers": {"Location": "http://elsewhere.example/v1"}}' \
    "HTTP 301: redirect to http://elsewhere.example/v1"
expect_eq "redirect not followed" 0 "$(grep -c elsewhere "$T/daemon.log")"
redirected relative '{"status": 302, "count": -1, "headers": {"Location": "/moved/here"}}' \
    "HTTP 302: redirect to /moved/here"
redirected nowhere '{"status": 307, "count": -1}' \
    "HTTP 307: redirect without a Location"
finish
