#!/bin/sh
# Acknowledged means durable on PostgreSQL too, with two nodes behind one
# retrying client (spec/postgresql.md §3-4, §8): the client posts batches
# of unique messageIds to node 1 and, when a post fails, to the other
# node, as a load balancer would; node 1 is killed with SIGKILL twice and
# started again on its data directory and port.  In the end every
# acknowledged event is in krenalis_events, none twice, and the events
# that two nodes were both asked to store are stored once.
. "$(dirname "$0")/lib.sh"
pg_start
start_daemon -w "$PGURL"
echo "$PID" >>"$T/extra.pids"
DATA1=$DATA SOCK1=$SOCK PORT1=$PORT PID1=$PID
DATA=$T/var2
SOCK=$DATA/krenalisd.sock
start_daemon -w "$PGURL"
PORT2=$PORT
SOCK=$SOCK1
store_source
# take_key: node 2 knows the key of the source made on node 1 (an empty
# batch is a 400 then, not a 401).
take_key() {
	[ "$(curl -s -o /dev/null -w '%{http_code}' -H "$AUTH" \
	    --data-binary '[]' "http://127.0.0.1:$PORT2/v1/events")" = 400 ]
}
wait_until 2 take_key || fail "node 2 did not take the key"

retrying_client "$PORT1,$PORT2"
for round in 1 2; do
	goal=$((round * 1000))
	wait_until 60 acked_at_least "$goal" ||
	    fail "round $round: fewer than $goal events acknowledged"
	kill -9 "$PID1"
	wait "$PID1" 2>/dev/null
	sleep 0.5
	DATA=$DATA1 SOCK=$SOCK1 PORT=$PORT1 KEEP_PORT=1 start_daemon -w "$PGURL"
	PID1=$PID
	echo "$PID1" >>"$T/extra.pids"
done
wait_until 60 acked_at_least 2500 || fail "no progress after the restarts"
retrying_client_stop

pg "SELECT message_id FROM krenalis_events" >"$T/stored"
expect_acked_stored "$T/stored"
finish
