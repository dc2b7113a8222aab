#!/bin/sh
# Destinations and the outbox on PostgreSQL (spec/destinations.md §2-3,
# spec/postgresql.md §5): a destination added on node 1 is seen by node
# 2 within a second; a send pipeline on node 2 queues the events it
# passes in krenalis_outbox, in their request's transaction, but never a
# duplicate, whether the primary key or the transaction settles it; a
# queue that is full fails its new events into krenalis_outbox_failed;
# removing the destination on node 1 empties its queue; a node started
# while PostgreSQL is down has the destinations of its catalog cache.
. "$(dirname "$0")/lib.sh"
printf 'outbox_max_events = 3\n' >"$T/k.conf"
pg_nodes -f "$T/k.conf"

check "dest on node 1" kr1 -j destination add D --url http://127.0.0.1:9/d
D=$(jget "$(cat "$T/out")" 'j["id"]')
check "disable D" kr1 destination disable D
wait_until 1 kr2 destination show D >/dev/null 2>&1 || fail "node 2 did not see the destination within 1 s"
check "dest on node 2" kr2 -j destination show D
expect_eq "disabled on node 2" false "$(jget "$(cat "$T/out")" 'j["enabled"]')"

check "source" kr2 -j source add S
KEY=$(jget "$(cat "$T/out")" 'j["writeKeys"][0]')
AUTH="Authorization: Bearer $KEY"
check "import" kr2 pipeline add S imp -F 'type is "track"'
check "send" kr2 -j pipeline add S tod --send D
P=$(jget "$(cat "$T/out")" 'j["id"]')
expect_eq "krenalis_pipelines" "$D" "$(pg "SELECT destination FROM krenalis_pipelines WHERE id = '$P'")"
wait_until 1 sh -c "'$KRCTL' -s '$SOCK1' -j pipeline show '$P' | grep -q '\"destination\": *\"$D\"'" ||
    fail "node 1 did not see the send pipeline"

# m1 is stored and queued, m2 queued only; the second m1 in the request
# and the m1 of the next one are duplicates, and are not queued.
post /v1/batch '{"batch":[
 {"type":"track","event":"e","userId":"u","messageId":"m1"},
 {"type":"identify","userId":"u","messageId":"m2"},
 {"type":"track","event":"e","userId":"u","messageId":"m1"}]}' -H "$AUTH"
expect_eq "status" 200 "$(cat "$T/status")"
track m1
expect_http "retry" 200 '{"success":true,"received":1,"accepted":0,"duplicates":1}'
expect_eq "queued" "$D|$P|m1
$D|$P|m2" "$(pg "SELECT destination_id, pipeline_id, message_id FROM krenalis_outbox ORDER BY seq")"
expect_eq "event JSON" "identify u" "$(jget "$(pg "SELECT event FROM krenalis_outbox WHERE message_id = 'm2'")" 'j["type"] + " " + j["userId"]')"
expect_eq "stored" m1 "$(pg "SELECT message_id FROM krenalis_events")"
# D is disabled: the oldest event queued comes from the outbox.
check "show D" kr2 -j destination show D
expect_eq "oldest queued" "$(ms_iso "$(pg "SELECT queued_at FROM krenalis_outbox WHERE message_id = 'm1'")")" "$(jget "$(cat "$T/out")" 'j["queue"]["oldestQueuedAt"]')"

# outbox_max_events is 3 on node 2: m3 fills the queue, m4 fails.
track m3
track m4
expect_eq "still 3" 3 "$(pg "SELECT count(*) FROM krenalis_outbox")"
expect_eq "failed" "0|$D|m4|queue full|0" "$(pg "SELECT seq, destination_id, message_id, reason, attempts FROM krenalis_outbox_failed")"
# m2 was queued, not stored, so it took no messageId: a copy is no
# duplicate, and is queued again (here: failed, the queue is full).
post /v1/batch '{"batch":[{"type":"identify","userId":"u","messageId":"m2"}]}' -H "$AUTH"
expect_http "m2 again" 200 '{"success":true,"received":1,"accepted":1,"duplicates":0}'
expect_eq "m2 failed" "0|$D|m2|queue full|0" "$(pg "SELECT seq, destination_id, message_id, reason, attempts FROM krenalis_outbox_failed WHERE message_id = 'm2'")"

check "export" kr1 catalog export "$T/catalog.json"
expect_eq "exported pipeline" "$D" "$(jget "$(cat "$T/catalog.json")" 'j["sources"][0]["pipelines"][1]["destination"]')"

# Removed on node 1: its queue goes, and node 2 stops queueing for it.
check "rm on node 1" kr1 destination rm D --force
expect_eq "queue dropped" "0 0" "$(pg "SELECT count(*) FROM krenalis_outbox") $(pg "SELECT count(*) FROM krenalis_outbox_failed")"
wait_until 1 sh -c "! '$KRCTL' -s '$SOCK' destination show D >/dev/null 2>&1" || fail "node 2 still has the destination"
track m5
expect_eq "nothing queued" 0 "$(pg "SELECT count(*) FROM krenalis_outbox")"

check "dest E" kr1 -j destination add E --url http://127.0.0.1:9/e --secret s3
E=$(jget "$(cat "$T/out")" 'j["id"]')
check "disable E" kr1 destination disable E
check "send to E" kr1 -j pipeline add S toe --send E
PE=$(jget "$(cat "$T/out")" 'j["id"]')
wait_until 1 kr2 pipeline show "$PE" >/dev/null 2>&1 || fail "node 2 did not see the pipeline to E"
stop_daemon || fail "daemon exit status"
pg_stop
start_daemon -w "$PGURL" -f "$T/k.conf"
check "E from the cache" kr2 -j destination show E
expect_eq "cached E" "$E False *** toe" "$(jget "$(cat "$T/out")" 'j["id"] + " " + str(j["enabled"]) + " " + j["secret"] + " " + j["pipelines"][0]["name"]')"
grep -q "serving the catalog of" "$T/daemon.log" || fail "not served from the cache"
finish
