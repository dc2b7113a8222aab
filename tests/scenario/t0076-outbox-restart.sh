#!/bin/sh
# The outbox across restarts: a state.db made before destinations
# existed gains them, its pipelines kept as import pipelines; every event
# answered 200 is in krenalis_outbox after a kill -9 (it was queued in
# its request's transaction); send pipelines still queue after the
# restart, and duplicates of events queued before it are not queued.
. "$(dirname "$0")/lib.sh"

# A catalog of the previous release: no destinations table, no
# destination column.
mkdir -p "$DATA"
sqlite3 "$DATA/state.db" <<'SQL'
CREATE TABLE sources (id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE,
 connector TEXT NOT NULL, strategy TEXT, created_at INTEGER NOT NULL);
CREATE TABLE write_keys (key TEXT PRIMARY KEY,
 source TEXT NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
 created_at INTEGER NOT NULL, last_used_at INTEGER);
CREATE TABLE pipelines (id TEXT PRIMARY KEY,
 source TEXT NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
 name TEXT NOT NULL, enabled INTEGER NOT NULL, filter TEXT, consents TEXT,
 created_at INTEGER NOT NULL);
CREATE TABLE meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
INSERT INTO sources VALUES ('SrcXyz123456', 'Old', 'segment', NULL, 1700000000000);
INSERT INTO write_keys VALUES ('OldKey0123456789abcdefghijABCDEF', 'SrcXyz123456', 1700000000000, NULL);
INSERT INTO pipelines VALUES ('PipXyz123456', 'SrcXyz123456', 'all', 1, NULL, NULL, 1700000000000);
SQL
start_daemon
AUTH="Authorization: Bearer OldKey0123456789abcdefghijABCDEF"
check "old pipeline" kr -j pipeline show PipXyz123456
expect_eq "import pipeline" '["Import events into warehouse",null]' "$(jget "$(cat "$T/out")" '[j["kind"],j["destination"]]')"
check "dest" kr -j destination add B --url http://127.0.0.1:9/b
B=$(jget "$(cat "$T/out")" 'j["id"]')
check "disable" kr destination disable B
check "send" kr pipeline add Old "to B" --send B

# Every acknowledged event is queued, however the daemon ends.
i=0
while [ $i -lt 20 ]; do
	post /v1/batch '{"batch":[{"type":"track","event":"e","userId":"u","messageId":"k'$i'-a"},{"type":"track","event":"e","userId":"u","messageId":"k'$i'-b"}]}' -H "$AUTH"
	expect_eq "batch $i" 200 "$(cat "$T/status")"
	i=$((i + 1))
done
kill -9 "$PID"
wait "$PID" 2>/dev/null
PID=
KEEP_PORT=1 start_daemon
expect_eq "queued" 40 "$(sql "SELECT count(*) FROM krenalis_outbox WHERE destination_id = '$B'")"
expect_eq "stored" 40 "$(sql "SELECT count(*) FROM krenalis_events")"
expect_eq "in order" "k0-a k0-b k1-a" "$(sql "SELECT message_id FROM krenalis_outbox ORDER BY seq LIMIT 3" | tr '\n' ' ' | sed 's/ $//')"

# After the restart: a duplicate is not queued, a new event is.
track k3-a
expect_http "duplicate" 200 '{"success":true,"received":1,"accepted":0,"duplicates":1}'
track new
expect_http "new" 200 '{"success":true,"received":1,"accepted":1,"duplicates":0}'
expect_eq "queued after restart" 41 "$(sql "SELECT count(*) FROM krenalis_outbox")"
expect_eq "seq grows" new "$(sql "SELECT message_id FROM krenalis_outbox ORDER BY seq DESC LIMIT 1")"
finish
