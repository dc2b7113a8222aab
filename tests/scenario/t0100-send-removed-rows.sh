#!/bin/sh
# Rows queued for a destination that is removed, after its queue was
# dropped, are dropped too (spec/destinations.md §2): with PostgreSQL a
# writer's transaction that checked the destination just before the
# removal and committed after the drop, or another node that had not seen
# the removal yet, can queue them, and nothing would ever deliver them.
# They are made here by hand, as such a writer leaves them, with failed
# rows too (a writer fails its events when the queue is full).  A node's
# sender drops them when it counts the shared queue, every 5 s, but not
# those of a destination that the shared catalog has and the node has not
# loaded yet (another node's new destination).  With SQLite the sender
# drops them when the daemon starts.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/receiver.sh"
pg_nodes

# A disabled destination keeps its queue: 4 rows stay.
check "destination" kr1 destination add D --url http://127.0.0.1:9/
check "disabled" kr1 destination disable D
DID=$(jget "$(kr1 -j destination show D)" 'j["id"]')
check "source" kr2 -j source add S
KEY=$(jget "$(cat "$T/out")" 'j["writeKeys"][0]')
check "send pipeline" kr2 pipeline add S "to D" --send D
for i in 1 2 3 4; do
	post /v1/track "{\"type\":\"track\",\"event\":\"E\",\"userId\":\"u\",\"messageId\":\"m$i\"}" \
	    -H "Authorization: Bearer $KEY"
	expect_eq "track $i" 200 "$(cat "$T/status")"
done
expect_eq "queued" 4 "$(pg "SELECT count(*) FROM krenalis_outbox")"

# rows ID: copy D's rows, and one failed row, as rows of destination ID,
# in one statement, which prints how many of each it made (a count may
# drop them at once).
rows() {
	pg "WITH q AS (INSERT INTO krenalis_outbox (destination_id, pipeline_id, queued_at, message_id, event) SELECT '$1', pipeline_id, queued_at, message_id || '$1', event FROM krenalis_outbox WHERE destination_id = '$DID' RETURNING seq, pipeline_id, queued_at, message_id, event), f AS (INSERT INTO krenalis_outbox_failed (seq, destination_id, pipeline_id, queued_at, message_id, event, failed_at, reason, attempts) SELECT seq, '$1', pipeline_id, queued_at, message_id, event, 0, 'x', 1 FROM q LIMIT 1 RETURNING 1) SELECT (SELECT count(*) FROM q) || ' ' || (SELECT count(*) FROM f)"
}
count() {
	pg "SELECT (SELECT count(*) FROM krenalis_outbox WHERE destination_id = '$1') || ' ' || (SELECT count(*) FROM krenalis_outbox_failed WHERE destination_id = '$1')"
}
# A destination that no catalog has; one that the shared catalog has and
# no node loaded (its row is added without a change of the catalog).
expect_eq "made" "4 1" "$(rows GoneGoneGone)"
pg "INSERT INTO krenalis_destinations (id, name, connector, url, headers, batch_size, timeout, max_in_flight, max_age, gzip, enabled, created_at) SELECT 'NewNewNewNew', 'N', connector, url, headers, batch_size, timeout, max_in_flight, max_age, gzip, enabled, created_at FROM krenalis_destinations WHERE id = '$DID'"
expect_eq "made new" "4 1" "$(rows NewNewNewNew)"
# A removed destination with failed rows only.
failed_only() {
	pg "WITH f AS (INSERT INTO krenalis_outbox_failed (seq, destination_id, pipeline_id, queued_at, message_id, event, failed_at, reason, attempts) SELECT seq + 1000000, '$1', pipeline_id, queued_at, message_id, event, 0, 'queue full', 1 FROM krenalis_outbox WHERE destination_id = '$DID' RETURNING 1) SELECT count(*) FROM f"
}
expect_eq "made failed" 4 "$(failed_only FailFailFail)"
wait_until 15 is "0 0" count GoneGoneGone ||
    fail "the rows of the removed destination stay: $(count GoneGoneGone)"
wait_until 15 is "0 0" count FailFailFail ||
    fail "the failed rows of the removed destination stay: $(count FailFailFail)"
grep -q "sender: destination GoneGoneGone is removed: 4 queued events dropped" \
    "$T/daemon.log" || fail "no log line of the drop"
# Another round of counts on both nodes.
sleep 6
expect_eq "the new destination's rows stay" "4 1" "$(count NewNewNewNew)"
expect_eq "D's rows stay" "4 0" "$(count "$DID")"
check "node 1 still lists D" kr1 destination show D
kill "$PID1"
wait "$PID1"
expect_eq "node 1 stopped" 0 $?
check "stop node 2" stop_daemon

# SQLite: the rows of a destination the catalog does not have are dropped
# at the start.
DATA=$T/sq
SOCK=$DATA/krenalisd.sock
start_daemon
check "destination" kr destination add D --url http://127.0.0.1:9/
check "disabled" kr destination disable D
store_source
check "send pipeline" kr pipeline add S "to D" --send D
for i in 1 2 3; do
	post /v1/track "{\"type\":\"track\",\"event\":\"E\",\"userId\":\"u\",\"messageId\":\"s$i\"}" \
	    -H "$AUTH"
	expect_eq "sqlite track $i" 200 "$(cat "$T/status")"
done
stop_daemon
sql "INSERT INTO krenalis_outbox (destination_id, pipeline_id, queued_at, message_id, event) SELECT 'GoneGoneGone', pipeline_id, queued_at, message_id, event FROM krenalis_outbox"
expect_eq "sqlite made" 6 "$(sql "SELECT count(*) FROM krenalis_outbox")"
sql "INSERT INTO krenalis_outbox_failed (seq, destination_id, pipeline_id, queued_at, message_id, event, failed_at, reason, attempts) SELECT seq + 1000000, 'FailFailFail', pipeline_id, queued_at, message_id, event, 0, 'queue full', 1 FROM krenalis_outbox WHERE destination_id <> 'GoneGoneGone'"
expect_eq "sqlite made failed" 3 "$(sql "SELECT count(*) FROM krenalis_outbox_failed")"
: >"$T/daemon.log"
start_daemon
wait_until 10 is 3 sql "SELECT count(*) FROM krenalis_outbox" ||
    fail "sqlite: the rows of the removed destination stay"
expect_eq "sqlite: D's rows stay" 3 \
    "$(sql "SELECT count(*) FROM krenalis_outbox WHERE destination_id <> 'GoneGoneGone'")"
grep -q "sender: destination GoneGoneGone is removed: 3 queued events dropped" \
    "$T/daemon.log" || fail "sqlite: no log line of the drop"
expect_eq "sqlite: failed rows of the removed destination" 0 \
    "$(sql "SELECT count(*) FROM krenalis_outbox_failed")"
check "stop" stop_daemon
finish
