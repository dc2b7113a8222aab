#!/bin/sh
# Acknowledged means durable (spec/ingest.md §11.2), under kill -9: a
# client posts batches of unique messageIds and retries each one until it
# is answered 200, while the daemon is killed with SIGKILL twice and
# started again on the same data directory and port.  In the end every
# acknowledged event is stored, and none is stored twice: a batch whose
# commit was durable but whose answer was lost is retried, and the
# retry's events are answered as duplicates.
. "$(dirname "$0")/lib.sh"
start_daemon
store_source

# The client (retrying-client.py) posts batches of 50 unique ids, each
# until it is answered 200.
retrying_client "$PORT"

for round in 1 2; do
	goal=$((round * 1000))
	wait_until 60 acked_at_least "$goal" ||
	    fail "round $round: fewer than $goal events acknowledged"
	kill -9 "$PID"
	wait "$PID" 2>/dev/null
	PID=
	KEEP_PORT=1 start_daemon
done
wait_until 60 acked_at_least 2500 || fail "no progress after the restarts"
retrying_client_stop
stop_daemon

sql "select message_id from krenalis_events" >"$T/stored"
expect_acked_stored "$T/stored"
finish
