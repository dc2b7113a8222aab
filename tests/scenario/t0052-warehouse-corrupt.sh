#!/bin/sh
# The last pages of warehouse.db corrupted under the running daemon
# (spec/ingest.md §13.1): every commit fails, and /healthz says so, also
# after a second without commits, when its probe (which writes to a page
# of its own that is not corrupt) would succeed.
. "$(dirname "$0")/lib.sh"
start_daemon
store_source

python3 -c '
import json
print(json.dumps([{"type": "track", "event": "e" * 200, "userId": "u%d" % i}
    for i in range(2000)]))' >"$T/batch"
req POST /v1/events --data-binary "@$T/batch" -H "$AUTH"
expect_eq "stored" 200 "$(cat "$T/status")"
# Everything into warehouse.db, then its last three pages overwritten,
# whatever their size.
sql 'pragma wal_checkpoint(TRUNCATE)' >/dev/null
page=$(sql 'pragma page_size')
python3 - "$DATA/warehouse.db" "$page" <<'PY'
import os, sys
page = int(sys.argv[2])
with open(sys.argv[1], "r+b") as f:
    f.seek(-3 * page, os.SEEK_END)
    f.write(b"\xa5" * 3 * page)
PY
track c1
expect_http "ingest on a corrupt warehouse" 503 "$STORE_FAILED"
req GET /healthz
expect_http "healthz after the failed commit" 503 "$NOT_WRITABLE"
sleep 1.1
req GET /healthz
expect_http "healthz probe on a corrupt warehouse" 503 "$NOT_WRITABLE"
grep -q "corrupt" "$T/daemon.log" || fail "corruption logged"
finish
