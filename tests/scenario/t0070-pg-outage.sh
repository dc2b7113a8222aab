#!/bin/sh
# A node without PostgreSQL (spec/postgresql.md §5.3-5.4): it keeps its
# catalog, so keys still authenticate and commits get 503; catalog changes
# fail with "warehouse is unavailable"; restarted during the outage it
# serves DATA_DIR/catalog.cache; when PostgreSQL is back, everything
# works again.  The last use of keys reaches the database within 10 s.
. "$(dirname "$0")/lib.sh"
pg_start
start_daemon -w "$PGURL"
store_source
track m1
expect_eq "stored" 200 "$(cat "$T/status")"
wait_until 15 sh -c "[ -n \"\$($PGBIN/psql -X -A -t -d '$PGURL' -c \"SELECT last_used_at FROM krenalis_write_keys WHERE key = '$KEY'\")\" ]" ||
    fail "lastUsedAt not written within 10 s"
grep -q "$KEY" "$DATA/catalog.cache" || fail "the key is not in catalog.cache"

pg_stop
expect_fail "change while down" "krctl: warehouse is unavailable" kr source add Other
expect_fail "key while down" "krctl: warehouse is unavailable" kr key add S
track m2
expect_eq "commit while down" 503 "$(cat "$T/status")"
check "still listed" kr -j source list
expect_eq "one source" '["S"]' "$(jget "$(cat "$T/out")" '[s["name"] for s in j]')"

# A restart during the outage authenticates from the cache.
stop_daemon || fail "daemon exit status"
KEEP_PORT=1 start_daemon -w "$PGURL"
track m3
expect_eq "key from the cache" 503 "$(cat "$T/status")"
post /v1/events '[{"type":"track","event":"e","userId":"u"}]' -H "Authorization: Bearer AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
expect_eq "unknown key" 401 "$(cat "$T/status")"
check "pipelines from the cache" kr -j pipeline list
expect_eq "pipeline" '["all"]' "$(jget "$(cat "$T/out")" '[p["name"] for p in j]')"
grep -q "serving the catalog of $DATA/catalog.cache" "$T/daemon.log" ||
    fail "no word of the cache in the log"

pg_up || finish
commits() { track "$1"; [ "$(cat "$T/status")" = 200 ]; }
wait_until 20 commits m4 || fail "no commit after PostgreSQL came back"
check "change after" kr source add Other
check "listed after" kr -j source list
expect_eq "two sources" '["S","Other"]' "$(jget "$(cat "$T/out")" '[s["name"] for s in j]')"
finish
