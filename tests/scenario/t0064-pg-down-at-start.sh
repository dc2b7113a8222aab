#!/bin/sh
# A daemon started while PostgreSQL is down (spec/postgresql.md §4):
# it starts, answers 503 at once and says why on /healthz, krctl status
# and /metrics, then becomes healthy by itself when PostgreSQL comes up,
# creating the tables then.  Its catalog is the one it saw last (§5.3).
. "$(dirname "$0")/lib.sh"
pg_start
start_daemon -w "$PGURL"
store_source
stop_daemon
pg_stop
KEEP_PORT=1 start_daemon -w "$PGURL"
SOCKERR="connection to server on socket \"$PGDIR/.s.PGSQL.$PGPORT\" failed: No such file or directory Is the server running locally and accepting connections on that socket?"

req GET /healthz
expect_http "healthz" 503 "$(errbody ServiceUnavailable "warehouse is unavailable: $(echo "$SOCKERR" | sed 's/"/\\"/g')")"
expect_eq "healthz Retry-After" 5 "$(header Retry-After)"

start=$(date +%s)
track m1
expect_http "post while down" 503 "$(errbody ServiceUnavailable 'warehouse is unavailable; try again later')"
expect_eq "Retry-After" 5 "$(header Retry-After)"
[ $(( $(date +%s) - start )) -le 2 ] || fail "the 503 took too long"
check "status" kr status
grep -q "^warehouse  *postgresql host=$PGDIR port=$PGPORT dbname=krenalis user=postgres (unavailable: $SOCKERR)$" "$T/out" || fail "status: $(cat "$T/out")"
curl -s "$URL/metrics" | grep -q '^krenalis_warehouse_up 0$' || fail "warehouse_up 0"
expect_eq "logged once" 1 "$(grep -c 'is unavailable' "$T/daemon.log")"

# A node with a new data directory has no catalog cache: no key is known
# yet, and it answers 503 too, not 401, until PostgreSQL is back.
echo "$PID" >>"$T/extra.pids"
PID1=$PID URL1=$URL SOCK1=$SOCK DATA1=$DATA PORT1=$PORT
DATA=$T/fresh SOCK=$T/fresh/krenalisd.sock PORT=
start_daemon -w "$PGURL"
URL2=$URL
grep -q "catalog.cache cannot be read" "$T/daemon.log" || fail "no cache: not logged"
track m0
expect_http "fresh node, key not known" 503 "$(errbody ServiceUnavailable 'warehouse is unavailable; try again later')"
expect_eq "fresh node Retry-After" 5 "$(header Retry-After)"
post /v1/batch '{"writeKey":"'"$KEY"'","batch":[{"type":"track","event":"e","userId":"u","messageId":"m0"}]}'
expect_eq "fresh node, key in the body" 503 "$(cat "$T/status")"
req GET "/v1/events/settings/$KEY"
expect_eq "fresh node, key in the path" 503 "$(cat "$T/status")"
post /v1/batch '{"batch":[{"type":"track","event":"e","userId":"u"}]}'
expect_http "fresh node, no key at all" 401 "$(errbody Unauthorized 'Authorization header is missing')"
# Nor does it export a catalog of no sources, or write one as its cache.
expect_fail "fresh node, no export" "krctl: warehouse is unavailable: the catalog is not known until it is back" \
    kr catalog export "$T/empty.json"
[ -e "$T/empty.json" ] && fail "fresh node wrote an export"
[ -e "$T/fresh/catalog.cache" ] && fail "fresh node wrote a cache"
echo "$PID" >>"$T/extra.pids"
# So does one whose cache is not a catalog.
mkdir -m 700 "$T/badcache"
echo '{"format":"other"}' >"$T/badcache/catalog.cache"
DATA=$T/badcache SOCK=$T/badcache/krenalisd.sock PORT=
start_daemon -w "$PGURL"
grep -q 'catalog: .*/badcache/catalog.cache: catalog is not valid: "format" must be "krenalis-catalog"' "$T/daemon.log" ||
    fail "bad cache: not logged"
track m0
expect_http "bad cache, key not known" 503 "$(errbody ServiceUnavailable 'warehouse is unavailable; try again later')"
URL=$URL1 SOCK=$SOCK1 DATA=$DATA1 PORT=$PORT1 PID=$PID1

pg_restart
healthy() { [ "$(curl -s "$URL/healthz")" = ok ]; }
wait_until 30 healthy || fail "not healthy after PostgreSQL came up"
track m1
expect_http "post after" 200 '{"success":true,"received":1,"accepted":1,"duplicates":0}'
expect_eq "stored" 1 "$(pg "SELECT count(*) FROM events WHERE message_id = 'm1'")"
check "status after" kr status
grep -q "^warehouse  *postgresql .* (healthy)$" "$T/out" || fail "status after: $(cat "$T/out")"
grep -q "is available again" "$T/daemon.log" || fail "recovery not logged"
# The fresh node reads the catalog once PostgreSQL is back.
URL=$URL2
posted_m4() { track m4; [ "$(cat "$T/status")" = 200 ]; }
wait_until 30 posted_m4 || fail "fresh node: $(cat "$T/status") $(cat "$T/body")"
# Each of the three nodes said once that it could not count the queues,
# and says once that it can again, at its next count (every 5 s).
expect_eq "count failures" 3 "$(grep -c 'sender: cannot count the queues: ' "$T/daemon.log")"
counted() { [ "$(grep -c 'sender: the queues can be counted again$' "$T/daemon.log")" = 3 ]; }
wait_until 15 counted || fail "counted again: $(grep -c 'counted again' "$T/daemon.log")"
finish
