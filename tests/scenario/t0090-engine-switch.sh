#!/bin/sh
# A data directory used only with the other engine: its catalog is one
# this start would not read (state.db for SQLite, the database's for
# PostgreSQL, of which it keeps catalog.cache), so its sources would be
# lost from sight.  The start is refused, as with another warehouse, and
# -F goes on; the directory is then used with both, and starts with
# either.  (A start that is not refused is stopped after 30 s.)
. "$(dirname "$0")/lib.sh"
pg_start

start_daemon
store_source
track m1
expect_eq "stored on SQLite" 200 "$(cat "$T/status")"
stop_daemon || fail "daemon exit status"

expect_fail "SQLite directory, PostgreSQL warehouse" "krenalisd: store: $DATA/state.db is the catalog of the SQLite warehouse $DATA/warehouse.db, which a PostgreSQL warehouse does not use: move its sources with krctl catalog export and import, use another data directory, or start krenalisd with -F to go on without them" \
    timeout 30 "$KRENALISD" -d -D "$DATA" -l "127.0.0.1:$(random_port)" -w "$PGURL"
[ -e "$DATA/catalog.cache" ] && fail "a refused start wrote the cache"
expect_fail "-n finds it too, before configuration OK" "krenalisd: store: $DATA/state.db is the catalog of the SQLite warehouse $DATA/warehouse.db, which a PostgreSQL warehouse does not use: move its sources with krctl catalog export and import, use another data directory, or start krenalisd with -F to go on without them" \
    "$KRENALISD" -n -f /dev/null -D "$DATA" -w "$PGURL"

start_daemon -F -w "$PGURL"
check "no sources on PostgreSQL" kr -j source list
expect_eq "empty catalog" "[]" "$(cat "$T/out")"
stop_daemon || fail "daemon exit status"
start_daemon -w "$PGURL"
stop_daemon || fail "daemon exit status"
start_daemon
check "SQLite's sources again" kr -j source list
expect_eq "one source" 1 "$(jget "$(cat "$T/out")" 'len(j)')"
stop_daemon || fail "daemon exit status"

# The other way: a directory used with PostgreSQL only.
DATA=$T/pgdata
SOCK=$DATA/krenalisd.sock
start_daemon -w "$PGURL"
stop_daemon || fail "daemon exit status"
expect_fail "PostgreSQL directory, SQLite warehouse" "krenalisd: store: $DATA was used with a PostgreSQL warehouse, which holds its catalog and events: give -w its connection string, use another data directory, or start krenalisd with -F to go on with a new SQLite warehouse" \
    timeout 30 "$KRENALISD" -d -D "$DATA" -l "127.0.0.1:$(random_port)"
[ -e "$DATA/state.db" ] && fail "a refused start made state.db"
start_daemon -F
stop_daemon || fail "daemon exit status"
start_daemon
stop_daemon || fail "daemon exit status"
finish
