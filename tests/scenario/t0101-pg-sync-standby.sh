#!/bin/sh
# A COMMIT that waits for a synchronous standby past pg_timeout
# (spec/postgresql.md §3-4: the 200 means what PostgreSQL's commit means).
# The cancel at pg_timeout ends the wait with the transaction committed
# on the primary only: the request is answered 503, not 200, the log says
# that the database kept it, and a retry finds the event stored.
. "$(dirname "$0")/lib.sh"
pg_one_writer 2

pg "ALTER SYSTEM SET synchronous_standby_names = 'nosuchstandby'" >/dev/null
pg "SELECT pg_reload_conf()" >/dev/null
start=$(date +%s%N)
track s1
ms=$(( ($(date +%s%N) - start) / 1000000 ))
expect_http "no standby" 503 "$(errbody ServiceUnavailable 'warehouse is unavailable; try again later')"
[ $ms -ge 1500 ] && [ $ms -le 6000 ] || fail "answered after $ms ms, pg_timeout is 2 s"
grep -q "writer: transaction failed, yet the database kept it: no commit within pg_timeout (2 s): the COMMIT was cancelled, yet PostgreSQL committed it locally, without the synchronous standbys it waits for$" "$T/daemon.log" ||
    fail "log: $(cat "$T/daemon.log")"
expect_eq "kept on the primary" 1 "$(pg "SELECT count(*) FROM krenalis_events WHERE message_id = 's1'")"

pg "ALTER SYSTEM RESET synchronous_standby_names" >/dev/null
pg "SELECT pg_reload_conf()" >/dev/null
track s1
expect_http "retry" 200 '{"success":true,"received":1,"accepted":0,"duplicates":1}'
track s2
expect_http "then" 200 '{"success":true,"received":1,"accepted":1,"duplicates":0}'
check "stop" stop_daemon
finish
