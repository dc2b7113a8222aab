#!/bin/sh
# Retries (spec/destinations.md §5): 500s and a 401 are retried with a
# backoff until the receiver takes the batch, which comes again before
# anything newer; a 429's Retry-After is waited for; the log says once
# that the destination fails, with the reason, and once that it
# recovered; the counters say how many events were retried.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/receiver.sh"
sending --max-in-flight 1

rules a '[{"status": 500, "body": "oops", "count": 2},
    {"status": 401, "body": "who?", "count": 1}]'
post /v1/batch "$(batch_of 1 10)" -H "$AUTH"
wait_until 5 at_least 1 requests a || fail "no first attempt"
post /v1/batch "$(batch_of 11 20)" -H "$AUTH"
# 1 + 2 + 4 s of backoff, ±20%.
wait_until 30 got_count a 20 || fail "not delivered after the 500s"
expect_eq "three failed attempts, then the batch, then the newer one" \
    "500 500 401 200 200" "$(python3 -c '
import json, sys
print(" ".join(str(json.loads(l)["status"]) for l in open(sys.argv[1])))' "$T/a.log")"
expect_eq "the retried batch first, once delivered" \
    "$(seq 1 20 | sed 's/^/m/')" "$(got a)"
python3 - "$T/a.log" >"$T/gaps" <<'PY'
import json, sys
t = [json.loads(l)["at"] for l in open(sys.argv[1])]
print(" ".join("%.1f" % (b - a) for a, b in zip(t, t[1:4])))
PY
python3 - "$(cat "$T/gaps")" <<'PY' || fail "backoff gaps: $(cat "$T/gaps")"
import sys
g = [float(x) for x in sys.argv[1].split()]
ok = 0.7 <= g[0] <= 2.5 and 1.5 <= g[1] <= 4 and 3.1 <= g[2] <= 7
sys.exit(0 if ok else 1)
PY
check "show" kr -j destination show D
expect_eq "retried and delivered" "30 20 0" \
    "$(jget "$(cat "$T/out")" '"%d %d %d" % (j["retried"], j["delivered"], j["failed"])')"
id=$(jget "$(cat "$T/out")" 'j["id"]')
curl -s "$URL/metrics" >"$T/metrics"
expect_eq "retried, in /metrics: once per failed attempt of an event" \
    "# HELP krenalis_destination_retried_total Events of failed attempts, each retried after a backoff.
krenalis_destination_retried_total{destination=\"$id\"} 30" \
    "$(grep '^# HELP krenalis_destination_retried_total \|^krenalis_destination_retried_total{' "$T/metrics")"
expect_eq "last error" "HTTP 401: who?" \
    "$(jget "$(cat "$T/out")" 'j["lastError"]["reason"]')"
expect_eq "one line when failing" 1 \
    "$(grep -c 'destination "D" is failing: HTTP 500: oops' "$T/daemon.log")"
expect_eq "one line when recovered" 1 \
    "$(grep -c 'destination "D" recovered' "$T/daemon.log")"

# 429 with Retry-After: 3 s, without jitter.
: >"$T/a.log"
rules a '[{"status": 429, "count": 1, "headers": {"Retry-After": "3"}}]'
track late
wait_until 30 got_count a 1 || fail "not delivered after the 429"
python3 - "$T/a.log" <<'PY' || fail "Retry-After not honoured"
import json, sys
t = [json.loads(l)["at"] for l in open(sys.argv[1])]
sys.exit(0 if len(t) == 2 and 2.9 <= t[1] - t[0] <= 4.5 else 1)
PY

# Retry-After: 0, or a date that has passed, asks for the retry at once;
# a value that is neither is no Retry-After, and the backoff (1 s ±20%)
# applies.
gap() {
	: >"$T/a.log"
	rules a "[{\"status\": 503, \"count\": 1, \"headers\": {\"Retry-After\": \"$1\"}}]"
	track "$2"
	wait_until 30 got_count a 1 || fail "$2 not delivered"
	python3 -c '
import json, sys
t = [json.loads(l)["at"] for l in open(sys.argv[1])]
print("%d attempts, %.1f s" % (len(t), t[-1] - t[0]))' "$T/a.log"
}
g=$(gap 0 ra-zero)
case $g in "2 attempts, 0."[0-4]" s") ;; *) fail "Retry-After: 0: $g" ;; esac
g=$(gap "Thu, 01 Jan 1970 00:00:00 GMT" ra-past)
case $g in "2 attempts, 0."[0-4]" s") ;; *) fail "Retry-After in the past: $g" ;; esac
g=$(gap soon ra-bad)
case $g in "2 attempts, 0."[89]" s"|"2 attempts, 1."[0-3]" s") ;; *) fail "Retry-After: soon: $g" ;; esac
finish
