#!/bin/sh
# A PostgreSQL server that stops answering (spec/postgresql.md §1, §4):
# a request waits pg_timeout, then its statement's cancel (1 s at most),
# and is answered 503.  The connection given up is not made again for it
# past its pg_timeout: that would add a connect timeout.  Every process
# of the cluster is stopped with SIGSTOP, then let go on, and the next
# requests are stored again.
. "$(dirname "$0")/lib.sh"
pg_one_writer 2

pg_freeze
start=$(date +%s%N)
track m1
ms=$(( ($(date +%s%N) - start) / 1000000 ))
pg_thaw
expect_eq "frozen" 503 "$(cat "$T/status")"
[ $ms -ge 1800 ] && [ $ms -le 4200 ] || fail "answered after $ms ms: pg_timeout is 2 s, and a cancel's grace 1 s"
stored() { track m2; [ "$(cat "$T/status")" = 200 ]; }
wait_until 30 stored || fail "not stored again: $(cat "$T/body")"
expect_eq "stored" "m0 m2" "$(pg "SELECT message_id FROM events ORDER BY 1" | tr '\n' ' ' | sed 's/ $//')"
finish
