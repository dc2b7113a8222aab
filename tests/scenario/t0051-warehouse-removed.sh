#!/bin/sh
# The warehouse removed while the daemon runs (spec/ingest.md §13.1): the
# daemon notices it at the next commit or health probe, says so once in
# its log, and answers 503 from then on rather than 200 for events that
# would go into a file no one can open again.  A restart then refuses the
# new empty warehouse, since state.db remembers the old one, unless -F.
. "$(dirname "$0")/lib.sh"
start_daemon
store_source
STORED='{"success":true,"received":1,"accepted":1,"duplicates":0}'

track a1
expect_http "before" 200 "$STORED"
rm -f "$DATA"/warehouse.db*
# Within the second after the commit that succeeded, too.
req GET /healthz
expect_http "healthz after rm" 503 "$NOT_WRITABLE"
track a2
expect_http "ingest after rm" 503 "$STORE_FAILED"
expect_eq "Retry-After" 5 "$(header Retry-After)"
track a3
expect_http "ingest again" 503 "$STORE_FAILED"
sleep 1.1
req GET /healthz
expect_http "healthz probe after rm" 503 "$NOT_WRITABLE"
expect_eq "logged once" 1 "$(grep -c "store: $DATA/warehouse.db was removed or replaced" "$T/daemon.log")"
stop_daemon
expect_eq "stopped" 0 $?

# A restart refuses to begin a new warehouse in place of the lost one,
# and creates nothing (a daemon that starts all the same is stopped after
# 10 s, and the check fails).
timeout 10 "$KRENALISD" -d -D "$DATA" -l "127.0.0.1:$PORT" 2>"$T/err"
expect_eq "restart refused" 1 $?
grep -qF "store: $DATA/warehouse.db is missing, but $DATA/state.db was used with warehouse " "$T/err" ||
    fail "refusal: $(cat "$T/err")"
grep -qF "start krenalisd with -F" "$T/err" || fail "refusal names -F: $(cat "$T/err")"
[ ! -e "$DATA/warehouse.db" ] || fail "the refused start created warehouse.db"

# -F starts with a new empty warehouse, which later starts accept.
KEEP_PORT=1 start_daemon -F
track a1
expect_http "after -F" 200 "$STORED"
expect_eq "new warehouse" 1 "$(sql 'select count(*) from krenalis_events')"
stop_daemon
KEEP_PORT=1 start_daemon
req GET /healthz
expect_http "restart after -F" 200 "ok"
finish
