#!/bin/sh
# Acknowledged means durable on PostgreSQL too, with two nodes behind one
# retrying client (spec/postgresql.md §3-4, §8): the client posts batches
# of unique messageIds to node 1 and, when a post fails, to the other
# node, as a load balancer would; node 1 is killed with SIGKILL twice and
# started again on its data directory and port.  In the end every
# acknowledged event is in krenalis_events, none twice, and the events
# that two nodes were both asked to store are stored once.
. "$(dirname "$0")/lib.sh"
pg_nodes
store_source
# take_key: node 1 knows the key of the source made on node 2 (an empty
# batch is a 400 then, not a 401).
take_key() {
	[ "$(curl -s -o /dev/null -w '%{http_code}' -H "$AUTH" \
	    --data-binary '[]' "$URL1/v1/events")" = 400 ]
}
wait_until 2 take_key || fail "node 1 did not take the key"

# Node 1 is the one killed: node 2 goes to the daemons stopped at exit.
echo "$PID" >>"$T/extra.pids"
DATA=$DATA1 SOCK=$SOCK1 PORT=$PORT1 PID=$PID1
kill9_load "$PORT1,$PORT2" -w "$PGURL"

pg "SELECT message_id FROM krenalis_events" >"$T/stored"
expect_acked_stored "$T/stored"
finish
