#!/bin/sh
# Delivery from an outbox in PostgreSQL that two nodes share
# (spec/destinations.md §3, §5): events queued on either node are
# delivered once each, by whichever node claims them (FOR UPDATE SKIP
# LOCKED); a node's queue counter is the shared queue; a node stopped
# gives back the rows it held; the rows a killed node held are taken by
# the other once it is seen down, and by the node itself when it starts
# again, but a silent node's claim only once it is 15 s old; failed
# deliveries are listed and queued again; an outbox made before rows
# were claimed gains the claim's columns.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/receiver.sh"
pg_nodes
receiver a

check "destination" kr1 destination add D --url "$RURL_a" --batch-size 50 \
    --max-in-flight 2
check "source" kr2 -j source add S
KEY=$(jget "$(cat "$T/out")" 'j["writeKeys"][0]')
AUTH="Authorization: Bearer $KEY"
check "send pipeline" kr2 pipeline add S "to D" --send D
wait_until 2 sh -c "'$KRCTL' -s '$SOCK1' pipeline list S | grep -q 'to D'" ||
    fail "node 1 did not see the pipeline"

# Ten batches, to either node: each event reaches the receiver once.
for i in 0 1 2 3 4 5 6 7 8 9; do
	if [ $((i % 2)) -eq 0 ]; then URL=$URL1; else URL=$URL2; fi
	post /v1/batch "$(batch_of $((i * 100 + 1)) $((i * 100 + 100)))" \
	    -H "$AUTH"
	expect_eq "batch $i" 200 "$(cat "$T/status")"
done
wait_until 60 is 0 pg "SELECT count(*) FROM krenalis_outbox" ||
    fail "the outbox was not emptied"
expect_eq "1000 events, once each" "$(seq 1 1000 | sed 's/^/m/' | sort)" \
    "$(got a | sort)"
delivered() {
	"$KRCTL" -s "$1" -j destination show D | python3 -c '
import json, sys
print(json.load(sys.stdin)["delivered"])'
}
expect_eq "delivered by the two nodes" 1000 \
    $(($(delivered "$SOCK1") + $(delivered "$SOCK2")))

# claimed NODE: how many rows of the outbox NODE's processes hold.
claimed() {
	pg "SELECT count(*) FROM krenalis_outbox WHERE claimed_by LIKE '$1 %'"
}
# redelivered FIRST LAST WHAT: the receiver back, the outbox is emptied
# and the events FIRST..LAST are what it gets.
redelivered() {
	: >"$T/a.log"
	RECEIVER_PORT=$(cat "$T/a.port") receiver a
	wait_until 60 is 0 pg "SELECT count(*) FROM krenalis_outbox" ||
	    fail "$3: the outbox was not emptied"
	expect_eq "$3: the events" "$(seq "$1" "$2" | sed 's/^/m/' | sort)" \
	    "$(got a | sort -u)"
}

# The receiver down: node 1, which queued nothing, counts the shared
# queue; each node holds the rows it claimed, retrying them.
stop_receiver a
URL=$URL2
post /v1/batch "$(batch_of 1001 1040)" -H "$AUTH"
URL=$URL1
post /v1/batch "$(batch_of 1041 1080)" -H "$AUTH"
expect_eq "queued while down" 200 "$(cat "$T/status")"
wait_until 15 sh -c "'$KRCTL' -s '$SOCK1' -j destination show D |
    grep -q '\"events\": *80'" || fail "node 1 does not count 80 queued"
N1=$(cat "$DATA1/node.id")
N2=$(cat "$DATA/node.id")
wait_until 10 at_least 1 claimed "$N2" || fail "node 2 claimed nothing"
wait_until 10 at_least 1 claimed "$N1" || fail "node 1 claimed nothing"

# Node 2 killed: node 1 takes its rows once node 2 is seen down (15 s
# without a heartbeat), and delivers everything.
kill -9 "$PID"
wait "$PID" 2>/dev/null
PID=
redelivered 1001 1080 "node 2's rows, by node 1"

# Node 2 started again: with node 1 stopped, which gives its rows back,
# node 2 delivers what it queued and node 1 held.
KEEP_PORT=1 start_daemon -w "$PGURL"
SOCK2=$SOCK
stop_receiver a
URL=$URL1
post /v1/batch "$(batch_of 1081 1100)" -H "$AUTH"
wait_until 10 at_least 20 claimed "$N1" || fail "node 1 did not claim its rows"
kill "$PID1"
wait_until 20 sh -c "! kill -0 $PID1 2>/dev/null" || fail "node 1 did not stop"
expect_eq "node 1's claims given back" 0 "$(claimed "$N1")"
redelivered 1081 1100 "node 1's rows, by node 2"

# Node 2 killed with rows claimed, then started again: it takes back its
# own rows at once, though its heartbeat says it is alive.
stop_receiver a
URL=$URL2
post /v1/batch "$(batch_of 1101 1110)" -H "$AUTH"
wait_until 10 at_least 10 claimed "$N2" || fail "node 2 did not claim its rows"
kill -9 "$PID"
wait "$PID" 2>/dev/null
PID=
KEEP_PORT=1 start_daemon -w "$PGURL"
redelivered 1101 1110 "node 2's own rows, by node 2 started again"

# A failed delivery is listed and queued again.
rules a '[{"status": 400, "count": -1, "match": "bad", "body": "no"}]'
track bad
wait_until 30 is 1 pg "SELECT count(*) FROM krenalis_outbox_failed" ||
    fail "the 400 did not fail the event"
check "failed" kr destination failed D
grep -q 'bad.*HTTP 400: no' "$T/out" || fail "failed: $(cat "$T/out")"
rules a '[]'
check "retry" kr destination retry D
got_bad() { got a | grep -qx bad; }
wait_until 30 got_bad || fail "not delivered once retried"
expect_eq "failed emptied" 0 "$(pg "SELECT count(*) FROM krenalis_outbox_failed")"

# An outbox made by a version that did not claim its rows gains the
# claim's columns, and delivers.
stop_daemon || fail "daemon exit status"
pg "ALTER TABLE krenalis_outbox DROP COLUMN claimed_by, DROP COLUMN claimed_at"
KEEP_PORT=1 start_daemon -w "$PGURL"
expect_eq "claim columns" "claimed_at|timestamp with time zone
claimed_by|text" "$(pg "SELECT column_name, data_type FROM
    information_schema.columns WHERE table_name = 'krenalis_outbox' AND
    column_name LIKE 'claimed%' ORDER BY 1")"
track after
got_after() { got a | grep -qx after; }
wait_until 30 got_after || fail "not delivered from the altered outbox"

# A claim of a node with no heartbeat is not taken while it is under 15 s
# old: a node that has not beaten yet holds its rows.  Once older, it is.
check "destination id" kr -j destination show D
DID=$(jget "$(cat "$T/out")" 'j["id"]')
pg "INSERT INTO krenalis_outbox (destination_id, pipeline_id, queued_at,
    message_id, event, claimed_by, claimed_at) VALUES ('$DID', 'p',
    (extract(epoch FROM now()) * 1000)::bigint, 'ghost',
    '{\"type\":\"track\",\"event\":\"g\",\"messageId\":\"ghost\"}',
    'ghostnode tok', now())" >/dev/null
sleep 4
expect_eq "a young claim is kept" "ghostnode tok" \
    "$(pg "SELECT claimed_by FROM krenalis_outbox WHERE message_id = 'ghost'")"
got a | grep -qx ghost && fail "a young claim of a silent node was taken"
pg "UPDATE krenalis_outbox SET claimed_at = now() - interval '20 seconds'
    WHERE message_id = 'ghost'" >/dev/null
got_ghost() { got a | grep -qx ghost; }
wait_until 30 got_ghost || fail "an old claim of a silent node was not taken"
finish
