#!/bin/sh
# Delivered rows that cannot be deleted (a trigger refuses every delete
# from krenalis_outbox): they stay queued and are not sent again while the
# delete is tried again, the log says so once, with SQLite's reason;
# once deletes work, the rows leave the outbox, and nothing was sent
# twice, also after a restart.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/receiver.sh"
sending

wsql() {
	sqlite3 -cmd ".timeout 5000" "$DATA/warehouse.db" "$1" ||
	    fail "sqlite3: $1"
}

wsql "CREATE TRIGGER keep BEFORE DELETE ON krenalis_outbox BEGIN
    SELECT RAISE(ABORT, 'rows kept by the test'); END"
post /v1/batch "$(batch_of 1 10)" -H "$AUTH"
expect_eq "first batch" 200 "$(cat "$T/status")"
wait_until 10 got_count a 10 || fail "first batch not delivered"
post /v1/batch "$(batch_of 11 20)" -H "$AUTH"
expect_eq "second batch" 200 "$(cat "$T/status")"
wait_until 10 got_count a 20 || fail "second batch not delivered"
# The delete is tried again every 100 ms or so meanwhile.
sleep 1
expect_eq "still in the outbox" 20 \
    "$(sql "SELECT count(*) FROM krenalis_outbox")"
expect_eq "each sent once" "$(seq 1 20 | sed 's/^/m/')" "$(got a)"
expect_eq "one request a batch" 2 "$(requests a)"
expect_eq "said once" 1 "$(grep -c 'sender: destination "D": cannot delete delivered events from the queue, will try again: rows kept by the test$' "$T/daemon.log")"
check "show" kr -j destination show D
expect_eq "delivered, not failed" "20 0" \
    "$(jget "$(cat "$T/out")" '"%d %d" % (j["delivered"], j["failed"])')"

wsql "DROP TRIGGER keep"
wait_until 10 is 0 sql "SELECT count(*) FROM krenalis_outbox" ||
    fail "rows not deleted once deletes work"
expect_eq "queue empty" 0 "$(queue_events D)"
expect_eq "still each sent once" "$(seq 1 20 | sed 's/^/m/')" "$(got a)"

# Nothing delivered comes back after a restart.
stop_daemon
KEEP_PORT=1 start_daemon
post /v1/batch "$(batch_of 21 21)" -H "$AUTH"
wait_until 10 got_count a 21 || fail "not delivered after the restart"
sleep 0.5
expect_eq "after the restart, only the new one" \
    "$(seq 1 21 | sed 's/^/m/')" "$(got a)"
finish
