#!/bin/sh
# At least once, then exactly once by messageId (spec/destinations.md §5):
# a client posts batches to A and retries each until it is answered 200,
# while A, which sends every event on to B, is killed with SIGKILL twice
# and started again.  In the end every event A acknowledged is in B's
# warehouse exactly once: rows A sent but had not yet deleted are sent
# again after the restart, with their messageIds, and B drops the copies.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/receiver.sh"

two_daemons
check "source" kr -j source add "S"
KEY=$(jget "$(cat "$T/out")" 'j["writeKeys"][0]')
check "destination" kr destination add B --url "$BURL/v1/batch" \
    --connector segment --write-key "$BKEY" --batch-size 100
check "send pipeline" kr pipeline add S "to B" --send B

kill9_load

n=$(wc -l <"$T/acked")
wait_until 120 is 0 sql "select count(*) from krenalis_outbox" ||
    fail "A's outbox not emptied"
bsql() {
	sqlite3 "$T/b/warehouse.db" "$1"
}
echo "acknowledged $n events, B stored $(bsql "select count(*) from krenalis_events")"
bsql "select message_id from krenalis_events" >"$T/stored"
expect_acked_stored "$T/stored"
finish
