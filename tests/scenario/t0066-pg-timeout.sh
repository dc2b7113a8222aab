#!/bin/sh
# A commit that cannot end within pg_timeout (spec/postgresql.md §4): with
# krenalis_events locked by another session, the request is answered 503
# with Retry-After: 5 once pg_timeout has passed, the transaction is
# rolled back and logged with its SQLSTATE, and the next commits succeed
# once the lock is gone.  A request that first waits for the writer's
# connection counts that wait in its pg_timeout.
. "$(dirname "$0")/lib.sh"
pg_one_writer 2

pg_lock_events 60

start=$(date +%s%N)
track m1
ms=$(( ($(date +%s%N) - start) / 1000000 ))
expect_http "locked" 503 "$(errbody ServiceUnavailable 'warehouse is unavailable; try again later')"
expect_eq "Retry-After" 5 "$(header Retry-After)"
[ $ms -ge 1500 ] && [ $ms -le 6000 ] || fail "answered after $ms ms, pg_timeout is 2 s"
grep -q "writer: transaction failed, nothing of it is kept: .*(SQLSTATE 57014)$" "$T/daemon.log" || fail "log: $(cat "$T/daemon.log")"
grep -q "is unavailable" "$T/daemon.log" && fail "a timeout is not a lost connection"

# A request that waits for the writer's connection counts that wait in its
# pg_timeout.  With pg_connections = 1, b is sent once a's commit waits
# for the lock, and waits for that commit.  a's server process is stopped
# before a's 2 s are over, so that the cancel sent then is not served, and
# goes on 450 ms after b's 2 s are over: a's commit has overrun pg_timeout,
# and b, whose time is spent, fails at once, not 2 s later.  (a's
# connection would be cut 1 s after its 2 s.)
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
timed() { # NAME MESSAGEID: post one event, then write its ms and status
	tb=$(now_ms)
	curl -s -o /dev/null -w '%{http_code}' -H "$AUTH" --data-binary \
	    '[{"type":"track","event":"e","userId":"u","messageId":"'"$2"'"}]' \
	    "$URL/v1/events" >"$T/$1.status"
	echo $(( $(now_ms) - tb )) >"$T/$1.ms"
}
waiting() {
	pg_lock_waiters >"$T/waiting"
	[ -s "$T/waiting" ]
}
timed a m3 &
A=$!
wait_until 5 waiting || fail "the commit of a does not wait for the lock"
tb_sent=$(now_ms)
timed b m4 &
B=$!
sleep 0.3
kill -STOP $(cat "$T/waiting")
left=$(( tb_sent + 2450 - $(now_ms) ))
sleep "$(( left / 1000 )).$(printf '%03d' $(( left % 1000 )))"
kill -CONT $(cat "$T/waiting")
wait $A $B
expect_eq "a" 503 "$(cat "$T/a.status")"
expect_eq "b" 503 "$(cat "$T/b.status")"
[ "$(cat "$T/a.ms")" -ge 2400 ] || fail "a was answered after $(cat "$T/a.ms") ms, before its commit was served"
[ "$(cat "$T/b.ms")" -le 3000 ] || fail "b was answered after $(cat "$T/b.ms") ms: its wait for a's commit was not counted"
grep -q "writer: transaction failed, nothing of it is kept: no commit within pg_timeout (2 s): its requests waited that long for a writer connection$" "$T/daemon.log" || fail "log: $(cat "$T/daemon.log")"

pg "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query LIKE '%pg_sleep(60)%' AND pid <> pg_backend_pid()" >/dev/null
wait "$LOCKER"
track m2
expect_http "after" 200 '{"success":true,"received":1,"accepted":1,"duplicates":0}'
expect_eq "rolled back" "m0 m2" "$(pg "SELECT message_id FROM events ORDER BY 1" | tr '\n' ' ' | sed 's/ $//')"
healthy() { [ "$(curl -s "$URL/healthz")" = ok ]; }
wait_until 10 healthy || fail "not healthy"
finish
