#!/bin/sh
# Delivery to a webhook destination (spec/destinations.md §4, §6): the
# events that pass a send pipeline reach the receiver in commit order, as
# a JSON array (the object alone with batchSize 1), with the headers of
# §4 and those of the destination, an empty one too (§2); the outbox
# empties; show, stats and /metrics count them; and "destination test"
# sends one event and reports the answer.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/receiver.sh"
sending --header 'X-Team: blue' --header 'Authorization: Bearer tok' \
    --header 'X-Empty:'

post /v1/batch "$(batch_of 1 30)" -H "$AUTH"
expect_eq "batch answered" 200 "$(cat "$T/status")"
wait_until 30 got_count a 30 || fail "30 events not delivered"
expect_eq "commit order" "$(seq 1 30 | sed 's/^/m/')" "$(got a)"
wait_until 10 is 0 sql "select count(*) from krenalis_outbox" ||
    fail "outbox not emptied"
expect_eq "every event also stored" 30 \
    "$(sql "select count(*) from krenalis_events")"

# The request: an array of the normalised events, and its headers.
python3 - "$T/a.log" >"$T/req" <<'PY'
import json, sys
r = json.loads(open(sys.argv[1]).readline())
h = r["headers"]
b = json.loads(r["body"])
print(r["method"], type(b).__name__, b[0]["type"], b[0]["messageId"],
      h["content-type"], h["user-agent"].split("/")[0], h["x-team"],
      h["authorization"], "content-encoding" in h, "x-signature" in h,
      repr(h.get("x-empty")))
PY
expect_eq "request" "POST list track m1 application/json krenalisd blue Bearer tok False False ''" \
    "$(cat "$T/req")"

# show -j: the delivery members of §6.1.
check "show" kr -j destination show D
expect_eq "delivered" 30 "$(jget "$(cat "$T/out")" 'j["delivered"]')"
expect_eq "queue" '{"events":0,"oldestQueuedAt":null,"inFlight":0}' \
    "$(jget "$(cat "$T/out")" 'j["queue"]')"
expect_eq "retried, failed, lastError" "0 0 null" \
    "$(jget "$(cat "$T/out")" '"%d %d %s" % (j["retried"], j["failed"], json.dumps(j["lastError"]))')"
expect_eq "lastSuccessAt" True \
    "$(jget "$(cat "$T/out")" 'str(j["lastSuccessAt"].endswith("Z"))')"
expect_eq "latency" True \
    "$(jget "$(cat "$T/out")" 'str(0 <= j["latency"]["p50"] <= j["latency"]["p99"] < 30)')"
# Whole milliseconds, written short (0.21, not 0.20999999999999999).
grep -Eq '"latency": *\{"p50": *[0-9]+\.[0-9]{1,3}, *"p99": *[0-9]+\.[0-9]{1,3}\}' "$T/out" ||
    fail "latency not in ms: $(cat "$T/out")"
check "list" kr -j destination list
expect_eq "list has the members" 30 \
    "$(jget "$(cat "$T/out")" 'j[0]["delivered"]')"
check "show text" kr destination show D
grep -q '^delivered  *30$' "$T/out" || fail "show text: $(cat "$T/out")"
check "stats" kr -j stats
expect_eq "stats destinations" "D 30 0" \
    "$(jget "$(cat "$T/out")" '"%s %d %d" % (j["destinations"][0]["name"], j["destinations"][0]["delivered"], j["destinations"][0]["queued"])')"
req GET /metrics
id=$(jget "$(kr -j destination show D)" 'j["id"]')
grep -q "^krenalis_destination_delivered_total{destination=\"$id\"} 30$" \
    "$T/body" || fail "metrics: delivered"
grep -q "^krenalis_destination_queued{destination=\"$id\"} 0$" \
    "$T/body" || fail "metrics: queued"
grep -q "^krenalis_destination_latency_seconds{destination=\"$id\",quantile=\"0.99\"} " \
    "$T/body" || fail "metrics: latency"
grep -q "^krenalis_destination_latency_seconds_count{destination=\"$id\"} 30$" \
    "$T/body" || fail "metrics: latency count"
grep -Eq "^krenalis_destination_latency_seconds_sum\{destination=\"$id\"\} [0-9]+\.[0-9]{3}$" \
    "$T/body" || fail "metrics: latency sum"

# batchSize 1: each event alone, as an object.
check "batch size 1" kr destination set D --batch-size 1
: >"$T/a.log"
track single
wait_until 30 got_count a 1 || fail "single event not delivered"
expect_eq "object alone" "dict single" "$(python3 -c '
import json, sys
r = json.loads(open(sys.argv[1]).readline())
b = json.loads(r["body"])
print(type(b).__name__, b["messageId"])' "$T/a.log")"

# destination test: one event now, the answer printed.
: >"$T/a.log"
check "test" kr destination test D
expect_eq "test output" '{"ok":true}' "$(sed -n 2p "$T/out")"
grep -Eq '^HTTP 200 in [0-9]+ ms$' "$T/out" || fail "test: $(cat "$T/out")"
expect_eq "test event received" 1 "$(requests a)"
rules a '[{"status": 200, "body": "one\r\n\u001b[31mtwo\n", "count": 1}]'
check "test, a body of lines" kr destination test D
expect_eq "lines made safe, no blank line" "one
?[31mtwo" "$(sed 1d "$T/out")"
expect_eq "three lines" 3 "$(wc -l <"$T/out")"
rules a '[{"status": 204, "body": "", "count": 1}]'
check "test, no body" kr destination test D
grep -Eq '^HTTP 204 in [0-9]+ ms$' "$T/out" || fail "test 204: $(cat "$T/out")"
expect_eq "no body, no line" 1 "$(wc -l <"$T/out")"
rules a '[{"status": 200, "body": "-", "count": 1}]'
check "test, a body of -" kr destination test D
expect_eq "a body of -" "-" "$(sed 1d "$T/out")"
rules a '[{"status": 503, "body": "down for maintenance", "count": 1}]'
kr -j destination test D >"$T/out" 2>"$T/err"
expect_eq "test of a 503 exits 1" 1 $?
expect_eq "test of a 503 says so" "krctl: the destination answered 503" "$(cat "$T/err")"
expect_eq "test -j" '503 down for maintenance' \
    "$(jget "$(cat "$T/out")" '"%d %s" % (j["status"], j["body"])')"
stop_receiver a
kr destination test D >"$T/out" 2>"$T/err"
expect_eq "test of a refused connection exits 1" 1 $?
grep -qi "connect" "$T/err" || fail "test: no libcurl message: $(cat "$T/err")"
r=$(printf '%s\n' '{"v":1,"id":3,"cmd":"destination.test","args":{"destination":"D"}}' | ctl_raw)
expect_eq "code of an unreachable destination" Unreachable "$(jget "$r" 'j["error"]["code"]')"
finish
