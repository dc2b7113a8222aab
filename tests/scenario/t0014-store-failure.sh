#!/bin/sh
# A failed commit answers 503 to every request in it and keeps nothing:
# no rows, no quarantine, no counters, no dedupe entry (spec/ingest.md
# §11.2).  Two real failures: an insert that SQLite refuses, and a lock
# that another process holds for longer than 5 s.
. "$(dirname "$0")/lib.sh"
start_daemon
store_source
BATCH='[{"type":"track","event":"e","userId":"u","messageId":"x1"},{"type":"track","userId":"bad","messageId":"x2"}]'
UNAVAILABLE=$(errbody ServiceUnavailable 'events cannot be stored at this time; try again later')

# An operator's trigger makes every insert fail.
sql "CREATE TRIGGER t_fail BEFORE INSERT ON krenalis_events BEGIN SELECT RAISE(ABORT, 'refused for the test'); END"
post /v1/events "$BATCH" -H "$AUTH"
expect_http "refused insert" 503 "$UNAVAILABLE"
expect_eq "Retry-After" 5 "$(header Retry-After)"
expect_eq "no rows" 0 "$(sql 'select count(*) from krenalis_events')"
expect_eq "no quarantine" 0 "$(sql 'select count(*) from krenalis_rejected')"
expect_eq "no dedupe row" 0 "$(sql 'select count(*) from krenalis_dedupe')"
check "stats" kr -j stats S
expect_eq "no counters" 0 "$(jget "$(cat "$T/out")" 'j["sources"][0]["received"]')"
req GET /metrics
grep -q '^krenalis_store_commit_failures_total 1$' "$T/body" || fail "failure counted"
grep -q "writer: transaction failed" "$T/daemon.log" || fail "failure logged"

# Once the cause is gone, the same request is stored: its ids were not
# taken by the failed attempt.
sql "DROP TRIGGER t_fail"
post /v1/events "$BATCH" -H "$AUTH"
expect_eq "retry after repair" '{"success":true,"received":2,"accepted":1,"duplicates":0,"rejected":[{"index":1,"messageId":"x2","error":"property '"'"'event'"'"' is required for a track event"}]}' "$(cat "$T/body")"
expect_eq "rows" 1 "$(sql 'select count(*) from krenalis_events')"
expect_eq "quarantine" 1 "$(sql 'select count(*) from krenalis_rejected')"

# Another process holds the write lock for 11 s: the writer gives up after
# 5 s, and /healthz says the store is not writable.
hold_lock 11
sleep 1.1
req GET /healthz
expect_http "healthz while locked" 503 "$(errbody ServiceUnavailable 'store is not writable')"
post /v1/events '[{"type":"track","event":"e","userId":"u","messageId":"y1"}]' -H "$AUTH"
expect_http "lock timeout" 503 "$UNAVAILABLE"
wait $LOCKER
post /v1/events '[{"type":"track","event":"e","userId":"u","messageId":"y1"}]' -H "$AUTH"
expect_http "after the lock" 200 '{"success":true,"received":1,"accepted":1,"duplicates":0}'
req GET /healthz
expect_http "healthz again" 200 "ok"
finish
