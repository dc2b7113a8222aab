#!/bin/sh
# A PostgreSQL that stops answering on open connections (a hung server,
# a network that drops everything): the control thread's statements (the
# node's heartbeat, the catalog's) give up at pg_timeout like the
# writer's, so that krctl is answered and SIGTERM stops the daemon.  The
# cluster is frozen as in t0092.
. "$(dirname "$0")/lib.sh"
pg_one_writer 2

pg_freeze
# The heartbeat (every 5 s) is caught in the frozen server, and gives up.
sleep 6
s=$(date +%s)
timeout 30 "$KRCTL" -s "$SOCK" status >"$T/out" 2>"$T/err"
rc=$?
took=$(( $(date +%s) - s ))
[ $rc -ne 124 ] || fail "krctl status did not come back in 30 s"
[ $took -le 12 ] || fail "krctl status took $took s"
grep -q "unavailable" "$T/out" || fail "status: $(cat "$T/out" "$T/err")"
track m1
expect_eq "ingest refuses" 503 "$(cat "$T/status")"
s=$(date +%s)
kill -TERM "$PID"
gone() { ! kill -0 "$PID" 2>/dev/null; }
if wait_until 15 gone; then
	took=$(( $(date +%s) - s ))
	[ $took -le 8 ] || fail "SIGTERM took $took s"
else
	fail "SIGTERM did not stop the daemon within 15 s"
	pg_thaw
	wait_until 15 gone || kill -9 "$PID"
fi
wait "$PID" 2>/dev/null
PID=
pg_thaw
finish
