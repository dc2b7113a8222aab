#!/bin/sh
# The catalog lives in DATA_DIR/state.db: a restart keeps sources, keys
# and pipelines with their ids, order and state.
. "$(dirname "$0")/lib.sh"
start_daemon

check "add" kr source add "Segment prod"
check "add 2" kr source add -c javascript --strategy Isolation "Web"
check "key" kr key add "Segment prod"
check "pipeline" kr pipeline add "Segment prod" "Import everything"
check "pipeline 2" kr pipeline add Web "Web import" --disabled
check "before" kr -j source list
before=$(cat "$T/out")
check "pipelines before" kr -j pipeline list
pbefore=$(cat "$T/out")

stop_daemon || fail "daemon exit status"
[ -S "$SOCK" ] && fail "socket left behind after a clean stop"
KEEP_PORT=1 start_daemon

check "after" kr -j source list
expect_eq "sources survive" "$before" "$(cat "$T/out")"
check "pipelines after" kr -j pipeline list
expect_eq "pipelines survive" "$pbefore" "$(cat "$T/out")"
expect_eq "strategy" Isolation "$(jget "$before" 'j[1]["strategy"]')"
expect_eq "2 keys" 2 "$(jget "$before" 'len(j[0]["writeKeys"])')"

# The catalog is plain SQLite that an operator can read.
n=$(sqlite3 "$DATA/state.db" 'select count(*) from sources')
expect_eq "state.db" 2 "$n"
finish
