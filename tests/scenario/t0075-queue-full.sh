#!/bin/sh
# A full queue (spec/destinations.md §3, §7): when a destination's queue
# holds outbox_max_events events, new events for it are not queued but
# written to krenalis_outbox_failed with reason "queue full" and no
# attempt, in the request's transaction; the request still gets its 200,
# other destinations and the warehouse are not affected, and the
# debugger shows the send pipeline's result as failed.
. "$(dirname "$0")/lib.sh"
printf 'outbox_max_events = 3\n' >"$T/k.conf"
start_daemon -f "$T/k.conf"

check "small" kr -j destination add Small --url http://127.0.0.1:9/s
S=$(jget "$(cat "$T/out")" 'j["id"]')
check "other" kr destination add Other --url http://127.0.0.1:9/o
check "disable small" kr destination disable Small
check "disable other" kr destination disable Other
store_source
check "to small" kr -j pipeline add S "to small" --send Small
P=$(jget "$(cat "$T/out")" 'j["id"]')
check "to other" kr pipeline add S "to other" --send Other -F 'messageId is "q5"'

post /v1/batch '{"batch":[
 {"type":"track","event":"e","userId":"u","messageId":"q1"},
 {"type":"track","event":"e","userId":"u","messageId":"q2"}]}' -H "$AUTH"
expect_http "first" 200 '{"success":true,"received":2,"accepted":2,"duplicates":0}'
post /v1/batch '{"batch":[
 {"type":"track","event":"e","userId":"u","messageId":"q3"},
 {"type":"track","event":"e","userId":"u","messageId":"q4"},
 {"type":"track","event":"e","userId":"u","messageId":"q5"}]}' -H "$AUTH"
expect_http "over the limit" 200 '{"success":true,"received":3,"accepted":3,"duplicates":0}'
expect_eq "small's queue" "q1 q2 q3" "$(sql "SELECT message_id FROM krenalis_outbox WHERE destination_id = '$S' ORDER BY seq" | tr '\n' ' ' | sed 's/ $//')"
expect_eq "failed" "0|$P|q4|queue full|0
0|$P|q5|queue full|0" "$(sql "SELECT seq, pipeline_id, message_id, reason, attempts FROM krenalis_outbox_failed WHERE destination_id = '$S' ORDER BY rowid")"
expect_eq "failed at queueing" 2 "$(sql "SELECT count(*) FROM krenalis_outbox_failed WHERE failed_at = queued_at AND event LIKE '{%\"messageId\":\"q%'")"
expect_eq "nothing else failed" 2 "$(sql "SELECT count(*) FROM krenalis_outbox_failed")"
expect_eq "other destination" 1 "$(sql "SELECT count(*) FROM krenalis_outbox WHERE destination_id <> '$S'")"
expect_eq "stored all" 5 "$(sql "SELECT count(*) FROM krenalis_events")"
check "events" kr -j events -n 1 S
expect_eq "debugger" '[["all","passed"],["to small","failed","queue full"],["to other","queued"]]' "$(jget "$(cat "$T/out")" '[[p["name"],p["result"]] + ([p["reason"]] if "reason" in p else []) for p in j[0]["pipelines"]]')"
finish
