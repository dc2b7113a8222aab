#!/bin/sh
# Per-source rate limiting (spec/ingest.md §10), writer overload (§11.3)
# and a clean shutdown with a request in flight.
. "$(dirname "$0")/lib.sh"
one_a_second
start_daemon -f "$T/k.conf"
check "source" kr -j source add "S"
KEY=$(jget "$(cat "$T/out")" 'j["writeKeys"][0]')
SID=$(jget "$(cat "$T/out")" 'j["id"]')
check "pipeline" kr pipeline add S all
AUTH="Authorization: Bearer $KEY"
batch() {	# batch N PREFIX [valid]: N events
	python3 -c '
import json, sys
n, p, valid = int(sys.argv[1]), sys.argv[2], sys.argv[3] == "1"
print(json.dumps([dict({"type":"track","userId":"u","messageId":"%s-%d" % (p, i)}, **({"event":"e"} if valid else {})) for i in range(n)]))' "$@"
}

# The bodies are built first: the bucket refills while python3 starts.
BAD=$(batch 10 bad 0)
OK=$(batch 10 ok 1)
MORE=$(batch 10 more 1)
REFILL=$(batch 2 refill 1)

# Tokens of rejected events are given back: 10 invalid, then 10 valid.
post /v1/events "$BAD" -H "$AUTH"
expect_eq "invalid batch" 200 "$(cat "$T/status")"
post /v1/events "$OK" -H "$AUTH"
expect_http "valid batch" 200 '{"success":true,"received":10,"accepted":10,"duplicates":0}'
# The bucket is empty: 10 more need 10 s at one event a second.
post /v1/events "$MORE" -H "$AUTH"
expect_http "rate limited" 429 "$(errbody TooManyRequests 'rate limit exceeded; retry according to the Retry-After header')"
case "$(header Retry-After)" in
9|10) ;;
*) fail "Retry-After: $(header Retry-After)" ;;
esac
expect_eq "X-RateLimit-Reset" "$(header Retry-After)" "$(header X-RateLimit-Reset)"
expect_eq "nothing stored" 0 "$(sql "select count(*) from events where message_id like 'more-%'")"
sleep 2.1
post /v1/events "$REFILL" -H "$AUTH"
expect_eq "refilled" 200 "$(cat "$T/status")"
req GET /metrics
grep -q "^krenalis_rate_limited_requests_total{source=\"$SID\"} 1$" "$T/body" || fail "429 counted"
grep -q '^krenalis_http_requests_total{route="/v1/events",code="429"} 1$' "$T/body" || fail "429 in http counter"
check "stats" kr -j stats S
expect_eq "429 changes no event counter" 22 "$(jget "$(cat "$T/out")" 'j["sources"][0]["received"]')"
stop_daemon

# Overload: more events than writer_queue_events would be queued.  Two
# requests of 3 events while the warehouse is locked: the first taken
# waits in the queue of 3, the other is refused; once the lock goes, the
# first is stored.  (A single request cannot be larger than the queue:
# writer_queue_events is at least max_batch_events, t0005.)
printf 'writer_queue_events = 3\nmax_batch_events = 3\n' >"$T/q.conf"
KEEP_PORT=1 start_daemon -f "$T/q.conf"
Q1=$(batch 3 q1 1)
Q2=$(batch 3 q2 1)
hold_lock 3
for q in 1 2; do
	eval "body=\$Q$q"
	curl -s -m 20 -o "$T/q$q.body" -D "$T/q$q.headers" -w '%{http_code}' \
	    -H "$AUTH" --data-binary "$body" "$URL/v1/events" >"$T/q$q.status" &
	eval "QP$q=\$!"
done
wait "$QP1" "$QP2"
wait "$LOCKER"
expect_eq "one taken, one refused" "200 503" \
    "$(printf '%s\n%s\n' "$(cat "$T/q1.status")" "$(cat "$T/q2.status")" |
    sort | tr '\n' ' ' | sed 's/ $//')"
for q in 1 2; do
	[ "$(cat "$T/q$q.status")" = 503 ] || continue
	expect_eq "overload body" "$(errbody ServiceUnavailable 'request cannot be processed at this time; try again later')" "$(cat "$T/q$q.body")"
	expect_eq "overload Retry-After" 1 "$(grep -i '^Retry-After:' "$T/q$q.headers" | cut -d: -f2 | tr -d ' \r')"
done
expect_eq "the one taken, stored" 3 "$(sql "select count(*) from events where message_id like 'q_-%'")"

# SIGTERM while a request waits for its commit: it is answered, then the
# daemon exits 0.  Another process holds the lock until the daemon has
# taken the request (the key's lastUsedAt moves, past the check that
# refuses requests during a shutdown) and has begun shutting down.
python3 - "$DATA/warehouse.db" "$T/release" >"$T/lock.out" 2>&1 <<'PY' &
import os, sqlite3, sys, time
c = sqlite3.connect(sys.argv[1], isolation_level=None)
c.execute("BEGIN IMMEDIATE")
print("locked", flush=True)
end = time.time() + 60
while not os.path.exists(sys.argv[2]) and time.time() < end:
    time.sleep(0.05)
c.execute("ROLLBACK")
PY
locker=$!
INFLIGHT=$(batch 1 inflight 1)
wait_until 60 grep -q locked "$T/lock.out" || fail "lock not taken"
key_used() {
	[ "$(kr -j key list S)" != "$keys" ]
}
stopping() {
	[ "$(grep -c 'SIGTERM: shutting down' "$T/daemon.log")" -gt "$stops" ]
}
keys=$(kr -j key list S)
stops=$(grep -c 'SIGTERM: shutting down' "$T/daemon.log")
post /v1/events "$INFLIGHT" -H "$AUTH" &
poster=$!
wait_until 30 key_used || fail "request not taken"
kill -TERM "$PID"
wait_until 30 stopping || fail "SIGTERM not seen"
touch "$T/release"
wait $poster
expect_http "in flight at SIGTERM" 200 '{"success":true,"received":1,"accepted":1,"duplicates":0}'
wait "$PID"
expect_eq "exit status" 0 $?
PID=
wait $locker
expect_eq "committed before exit" 1 "$(sql "select count(*) from events where message_id='inflight-0'")"
finish
