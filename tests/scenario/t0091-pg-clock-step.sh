#!/bin/sh
# pg_timeout (spec/postgresql.md §4) counts on the monotonic clock: a wall
# clock stepped an hour forward while requests wait for a commit does not
# spend their time.  tests/clockshift.c moves krenalisd's wall clock and
# leaves its monotonic clock alone.  With krenalis_events locked and
# pg_connections = 1, a's commit waits for the lock and b for a's commit;
# the clock is stepped, the lock goes, and both are stored and answered
# 200 well within pg_timeout (5 s) of their own time.
. "$(dirname "$0")/lib.sh"
fake_clock
pg_one_writer 5

pg_lock_events 60
send_one() { # NAME MESSAGEID: post one event, then write its status
	curl -s -o /dev/null -w '%{http_code}' -H "$AUTH" --data-binary \
	    '[{"type":"track","event":"e","userId":"u","messageId":"'"$2"'"}]' \
	    "$URL/v1/events" >"$T/$1.status"
}
waiting() { [ -n "$(pg_lock_waiters)" ]; }
send_one a m1 &
A=$!
wait_until 5 waiting || fail "the commit of a does not wait for the lock"
send_one b m2 &
B=$!
sleep 0.3
clock_step +3600
sleep 0.2
waiting || fail "the commit of a was not waiting when the clock was stepped"
pg "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query LIKE '%pg_sleep(60)%' AND pid <> pg_backend_pid()" >/dev/null
wait "$LOCKER" $A $B
expect_eq "a" 200 "$(cat "$T/a.status")"
expect_eq "b" 200 "$(cat "$T/b.status")"
expect_eq "stored" "m0 m1 m2" "$(pg "SELECT message_id FROM events ORDER BY 1" | tr '\n' ' ' | sed 's/ $//')"
grep -q "transaction failed" "$T/daemon.log" && fail "log: $(cat "$T/daemon.log")"
# The clock was stepped: what the daemon stamps now is an hour ahead.
track m3
expect_eq "after" 200 "$(cat "$T/status")"
ahead=$(pg "SELECT ((extract(epoch FROM received_at) - extract(epoch FROM now())) / 60)::int FROM events WHERE message_id = 'm3'")
[ "$ahead" -ge 59 ] && [ "$ahead" -le 61 ] || fail "received_at is $ahead minutes from the server's clock, not 60"
finish
