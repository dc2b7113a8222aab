#!/bin/sh
# Destinations come and go under load.  While batches are posted and the
# status of the destinations is read without a pause (krctl destination
# list and show, /metrics), destinations with send pipelines are added
# and removed with --force, with events queued and requests in flight to
# a receiver that answers slowly.  Every batch is answered 200 and
# stored; nothing of the removed destinations stays in the outbox; the
# destination kept all along gets every event, once.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/receiver.sh"
start_daemon
store_source
receiver a
receiver slow
rules slow '[{"status": 200, "delay": 0.3, "count": -1}]'
check "kept" kr destination add K --url "$RURL_a/v1/events"
check "to kept" kr pipeline add S "to K" --send K

(
	while [ ! -e "$T/stop" ]; do
		kr destination list >/dev/null 2>&1
		kr -j destination show K >/dev/null 2>&1
		curl -s -o /dev/null "$URL/metrics"
	done
) &
READER=$!
echo "$READER" >>"$T/extra.pids"
(
	i=0
	while [ ! -e "$T/stop" ]; do
		i=$((i + 1))
		batch_of $((i * 100 + 1)) $((i * 100 + 20)) >"$T/churn.$i"
		curl -s -m 20 -o /dev/null -w '%{http_code}\n' -H "$AUTH" \
		    --data-binary "@$T/churn.$i" "$URL/v1/batch" >>"$T/posted"
	done
) &
POSTER=$!
echo "$POSTER" >>"$T/extra.pids"

r=1
while [ $r -le 12 ]; do
	check "add X$r" kr destination add "X$r" --url "$RURL_slow/v1/events" \
	    --batch-size 5 --max-in-flight 2
	check "send X$r" kr pipeline add S "to X$r" --send "X$r"
	sleep 0.5
	check "rm X$r" kr destination rm --force "X$r"
	r=$((r + 1))
done
touch "$T/stop"
wait "$READER" "$POSTER"
# The removed destinations had requests under way (most of them: a
# loaded machine may not reach each within its half second).
[ "$(requests slow)" -ge 6 ] ||
    fail "the slow receiver got $(requests slow) requests"

expect_eq "every batch answered 200" "" "$(grep -v '^200$' "$T/posted")"
n=$(grep -c '^200$' "$T/posted")
[ "$n" -ge 5 ] || fail "only $n batches posted"
expect_eq "every event stored" $((n * 20)) \
    "$(sql "SELECT count(*) FROM krenalis_events")"
expect_eq "only K left" "K" "$(kr -j destination list | python3 -c '
import json, sys
print(" ".join(d["name"] for d in json.load(sys.stdin)))')"
wait_until 20 got_count a $((n * 20)) || fail "K did not get every event"
expect_eq "K got each event once" "$(sql "SELECT message_id FROM
    krenalis_events ORDER BY message_id")" "$(got a | LC_ALL=C sort)"
# K's rows leave as they are delivered; the removed ones' were dropped.
wait_until 10 is 0 sql "SELECT count(*) FROM krenalis_outbox" ||
    fail "left in the outbox: $(sql "SELECT destination_id, count(*)
    FROM krenalis_outbox GROUP BY 1")"
req GET /healthz
expect_eq "healthz" 200 "$(cat "$T/status")"
finish
