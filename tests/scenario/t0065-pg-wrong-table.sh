#!/bin/sh
# An existing table of other columns (spec/postgresql.md §2) is a start-up
# error naming the table, the column, the expected and the found type; it
# is never altered.  So is a krenalis_events without its primary key,
# which the writer's ON CONFLICT needs.  Tables made as the spec's DDL are taken as they are.
# krenalisd -n finds the same, and takes tables that do not exist yet.
. "$(dirname "$0")/lib.sh"
pg_start
: >"$T/daemon.log"

# start_fails "what" "message": krenalisd -w PGURL exits 1 with it (a
# daemon that starts is stopped after 30 s, and the check fails).
start_fails() {
	expect_fail "$1" "krenalisd: store: $2" timeout 30 "$KRENALISD" -d \
	    -D "$DATA" -l "127.0.0.1:$(random_port)" -w "$PGURL"
}

# check_fails "what" "message": krenalisd -n exits 1 with it.
check_fails() {
	expect_fail "-n, $1" "configuration OK
krenalisd: $2" "$KRENALISD" -n -f /dev/null -w "$PGURL"
}
ver=$(pg "SHOW server_version" | cut -d' ' -f1)
"$KRENALISD" -n -f /dev/null -w "$PGURL" 2>"$T/err"
expect_eq "-n, no tables" "0 configuration OK
warehouse: postgresql OK (server $ver, database krenalis)" "$? $(cat "$T/err")"

# A table that exists with no column at all is not one that is missing.
pg "CREATE TABLE krenalis_rejected ()"
check_fails "no column" 'store: table krenalis_rejected, column "received_at": expected type timestamp(3) without time zone, but there is no such column (krenalisd never alters an existing table)'
pg "DROP TABLE krenalis_rejected"

pg "CREATE TABLE krenalis_events (kpid uuid, connection_id text NOT NULL)"
check_fails "wrong type" 'store: table krenalis_events, column "connection_id": expected type character varying, found text (krenalisd never alters an existing table)'
start_fails "wrong type" 'table krenalis_events, column "connection_id": expected type character varying, found text (krenalisd never alters an existing table)'
expect_eq "not altered" "text" "$(pg "SELECT data_type FROM information_schema.columns WHERE table_name = 'krenalis_events' AND column_name = 'connection_id'")"
expect_eq "nothing created" "" "$(pg "SELECT tablename FROM pg_tables WHERE tablename = 'krenalis_rejected'")"
# The data directory this start created is gone, with the catalog's
# cache and the node id it had written there.
[ -e "$DATA" ] && fail "data directory left: $(ls -A "$DATA")"
pg "ALTER TABLE krenalis_events ALTER connection_id TYPE character varying"
start_fails "missing column" 'table krenalis_events, column "anonymous_id": expected type character varying, but there is no such column (krenalisd never alters an existing table)'
pg "DROP TABLE krenalis_events"

# The tables as a daemon makes them, then one column changed by hand.
start_daemon -w "$PGURL"
stop_daemon
pg "DROP VIEW events"
pg "ALTER TABLE krenalis_events ALTER context_screen_density TYPE numeric(4,2)"
start_fails "numeric precision" 'table krenalis_events, column "context_screen_density": expected type numeric(3,2), found numeric(4,2) (krenalisd never alters an existing table)'
pg "ALTER TABLE krenalis_events ALTER context_screen_density TYPE numeric(3,2)"
pg "ALTER TABLE krenalis_rejected DROP COLUMN raw"
start_fails "rejected" 'table krenalis_rejected, column "raw": expected type text, but there is no such column (krenalisd never alters an existing table)'
pg "ALTER TABLE krenalis_rejected ADD COLUMN raw text NOT NULL"
# ON CONFLICT (message_id) needs the primary key, or a unique index.
pg "ALTER TABLE krenalis_events DROP CONSTRAINT krenalis_events_pkey"
nokey='table krenalis_events: no primary key on "message_id", which finds the duplicates (krenalisd never alters an existing table)'
check_fails "no key" "store: $nokey"
start_fails "no key" "$nokey"
pg "CREATE UNIQUE INDEX krenalis_events_id ON krenalis_events (message_id) WHERE message_id <> ''"
start_fails "partial index" "$nokey"
pg "DROP INDEX krenalis_events_id"
pg "CREATE UNIQUE INDEX krenalis_events_id ON krenalis_events (message_id)"
"$KRENALISD" -n -f /dev/null -w "$PGURL" 2>"$T/err"
expect_eq "-n, unique index" "0 configuration OK
warehouse: postgresql OK (server $ver, database krenalis)" "$? $(cat "$T/err")"
pg "DROP INDEX krenalis_events_id"
pg "ALTER TABLE krenalis_events ADD PRIMARY KEY (message_id)"
pg "ALTER TABLE krenalis_pipelines ALTER enabled TYPE text"
check_fails "catalog" 'catalog: table krenalis_pipelines, column "enabled": expected type boolean, found text (krenalisd never alters an existing table)'
pg "ALTER TABLE krenalis_pipelines ALTER enabled TYPE boolean USING enabled::boolean"
"$KRENALISD" -n -f /dev/null -w "$PGURL" 2>"$T/err"
expect_eq "-n, tables as made" "0 configuration OK
warehouse: postgresql OK (server $ver, database krenalis)" "$? $(cat "$T/err")"
# Columns of its own that an operator added are left alone.
pg "ALTER TABLE krenalis_events ADD COLUMN note text"
start_daemon -w "$PGURL"
store_source
track m1
expect_eq "stored" 200 "$(cat "$T/status")"
finish
