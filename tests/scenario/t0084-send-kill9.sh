#!/bin/sh
# At least once, then exactly once by messageId (spec/destinations.md §5):
# a client posts batches to A and retries each until it is answered 200,
# while A, which sends every event on to B, is killed with SIGKILL twice
# and started again.  In the end every event A acknowledged is in B's
# warehouse exactly once: rows A sent but had not yet deleted are sent
# again after the restart, with their messageIds, and B drops the copies.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/receiver.sh"

DATA=$T/b
SOCK=$DATA/krenalisd.sock
start_daemon
BPID=$PID
BURL=$URL
BSOCK=$SOCK
echo "$BPID" >>"$T/extra.pids"
PID=
DSOCK=$BSOCK
store_source
DSOCK=
BKEY=$KEY
DATA=$T/var
SOCK=$DATA/krenalisd.sock
start_daemon
check "source" kr -j source add "S"
KEY=$(jget "$(cat "$T/out")" 'j["writeKeys"][0]')
check "destination" kr destination add B --url "$BURL/v1/batch" \
    --connector segment --write-key "$BKEY" --batch-size 100
check "send pipeline" kr pipeline add S "to B" --send B

cat >"$T/client.py" <<'PY'
import http.client, json, os, sys, time
port, key, dirname = int(sys.argv[1]), sys.argv[2], sys.argv[3]
acked = open(os.path.join(dirname, "acked"), "w")
b = 0
deadline = time.time() + 120
while time.time() < deadline:
    body = json.dumps([{"type": "track", "event": "e", "userId": "u",
        "messageId": "%d-%d" % (b, i)} for i in range(50)])
    while time.time() < deadline:
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            c.request("POST", "/v1/events", body,
                {"Authorization": "Bearer " + key})
            r = c.getresponse()
            r.read()
            c.close()
            if r.status == 200:
                break
        except (OSError, http.client.HTTPException):
            pass
        time.sleep(0.02)
    for i in range(50):
        acked.write("%d-%d\n" % (b, i))
    acked.flush()
    b += 1
    if os.path.exists(os.path.join(dirname, "stop")):
        break
acked.close()
open(os.path.join(dirname, "done"), "w").close()
PY
python3 "$T/client.py" "$PORT" "$KEY" "$T" &
client=$!
echo "$client" >>"$T/extra.pids"

acked_at_least() {
	[ -f "$T/acked" ] && [ "$(wc -l <"$T/acked")" -ge "$1" ]
}

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
: >"$T/stop"
wait_until 60 test -f "$T/done" || fail "the client did not finish"
wait "$client" 2>/dev/null

n=$(wc -l <"$T/acked")
wait_until 120 is 0 sql "select count(*) from krenalis_outbox" ||
    fail "A's outbox not emptied"
bsql() {
	sqlite3 "$T/b/warehouse.db" "$1"
}
echo "acknowledged $n events, B stored $(bsql "select count(*) from krenalis_events")"
sort -u "$T/acked" >"$T/acked.sorted"
bsql "select message_id from krenalis_events" | sort >"$T/stored"
expect_eq "no event stored twice in B" "$(wc -l <"$T/stored")" \
    "$(sort -u "$T/stored" | wc -l)"
expect_eq "every acknowledged event in B" "" \
    "$(comm -23 "$T/acked.sorted" "$T/stored" | head -n 5)"
finish
