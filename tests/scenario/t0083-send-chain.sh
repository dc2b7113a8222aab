#!/bin/sh
# Sending on to another krenalisd (spec/destinations.md §4, README
# "Sending events on"): a Segment batch posted to A is stored by A and
# sent, by a segment destination, to B's /v1/batch with B's write key;
# B stores each event once, with its messageId, and the same properties.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/receiver.sh"

two_daemons
store_source
check "destination" kr destination add B --url "$BURL/v1/batch" \
    --connector segment --write-key "$BKEY" --batch-size 100
check "send pipeline" kr pipeline add S "to B" --send B

python3 -c '
import json
print(json.dumps({"batch": [{"type": "track", "event": "Order",
    "userId": "u%d" % (i % 7), "messageId": "c%d" % i,
    "properties": {"n": i, "s": "é\u00e9"}} for i in range(250)]}))' >"$T/batch"
req POST /v1/batch --data-binary "@$T/batch" -H "$AUTH"
expect_eq "A accepts" 200 "$(cat "$T/status")"
wait_until 60 at_least 250 sqlite3 "$T/b/warehouse.db" "select count(*) from krenalis_events" ||
    fail "B did not store the 250 events"
wait_until 10 is 0 sql "select count(*) from krenalis_outbox" ||
    fail "A's outbox not emptied"
sql "select message_id, event, user_id, properties from krenalis_events order by message_id" >"$T/a.rows"
sqlite3 "$T/b/warehouse.db" "select message_id, event, user_id, properties from krenalis_events order by message_id" >"$T/b.rows"
expect_eq "B has A's rows, once each" "" "$(diff "$T/a.rows" "$T/b.rows" | head -n 5)"
expect_eq "250 distinct in B" 250 \
    "$(sqlite3 "$T/b/warehouse.db" "select count(distinct message_id) from krenalis_events")"
check "show" kr -j destination show B
expect_eq "delivered" 250 "$(jget "$(cat "$T/out")" 'j["delivered"]')"
finish
