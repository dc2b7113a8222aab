#!/bin/sh
# The warehouse file's pages and WAL: a warehouse.db made before with
# 4 KiB pages keeps them and takes events; a new one has 32 KiB pages,
# and under a few thousand committed batches its WAL stays bounded by
# SQLite's checkpoints (1000 pages: 32 MiB).
. "$(dirname "$0")/lib.sh"

# posts N: N batches of 25 events, each batch a commit, one after the
# other on one connection; prints the largest size the WAL had.
posts() {
	python3 - "$PORT" "$KEY" "$1" "$DATA/warehouse.db-wal" <<'PY'
import http.client, json, os, sys
port, key, n, wal = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), sys.argv[4]
conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
most = 0
for b in range(n):
    body = json.dumps([{"type": "track", "event": "e", "userId": "u",
        "messageId": "m-%d-%d-%d" % (os.getpid(), b, i),
        "properties": {"pad": "p" * 800}} for i in range(25)])
    conn.request("POST", "/v1/events", body,
        {"Authorization": "Bearer " + key, "Content-Type": "application/json"})
    r = conn.getresponse()
    r.read()
    if r.status != 200:
        sys.exit("batch %d: status %d" % (b, r.status))
    try:
        most = max(most, os.stat(wal).st_size)
    except FileNotFoundError:
        pass
print(most)
PY
}

mkdir -p "$DATA"
sqlite3 "$DATA/warehouse.db" 'pragma page_size=4096; pragma journal_mode=wal; create table before (a)' >/dev/null
start_daemon
store_source
posts 40 >"$T/most" || fail "posts to the 4 KiB warehouse"
expect_eq "old page size" 4096 "$(sql 'pragma page_size')"
expect_eq "old warehouse rows" 1000 "$(sql 'select count(*) from events')"
stop_daemon || fail "daemon exit status"

rm -f "$DATA"/warehouse.db*
KEEP_PORT=1 start_daemon -F
expect_eq "new page size" 32768 "$(sql 'pragma page_size')"
# Without checkpoints the WAL would pass 400 MiB.
posts 2000 >"$T/most" || fail "posts to the new warehouse"
most=$(cat "$T/most")
[ "$most" -gt 0 ] && [ "$most" -lt $((96 * 1024 * 1024)) ] ||
    fail "largest WAL: $most bytes"
expect_eq "new warehouse rows" 50000 "$(sql 'select count(*) from events')"
finish
