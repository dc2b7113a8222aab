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

pg_restart
healthy() { [ "$(curl -s "$URL/healthz")" = ok ]; }
wait_until 30 healthy || fail "not healthy after PostgreSQL came up"
track m1
expect_http "post after" 200 '{"success":true,"received":1,"accepted":1,"duplicates":0}'
expect_eq "stored" 1 "$(pg "SELECT count(*) FROM events WHERE message_id = 'm1'")"
check "status after" kr status
grep -q "^warehouse  *postgresql .* (healthy)$" "$T/out" || fail "status after: $(cat "$T/out")"
grep -q "is available again" "$T/daemon.log" || fail "recovery not logged"
finish
