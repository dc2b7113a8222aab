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

# The client: batch b has events "b-0" .. "b-49"; each batch is posted
# until a 200 comes back, then its ids go to acked.  It stops after the
# batch during which the file "stop" appears, and writes "done".
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

# acked_at_least N: the client has had N events acknowledged.
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
stop_daemon

n=$(wc -l <"$T/acked")
echo "acknowledged $n events, stored $(sql "select count(*) from krenalis_events")"
sort -u "$T/acked" >"$T/acked.sorted"
expect_eq "acknowledged ids unique" "$n" "$(wc -l <"$T/acked.sorted")"
sql "select message_id from krenalis_events" | sort >"$T/stored"
expect_eq "no event stored twice" "$(wc -l <"$T/stored")" \
    "$(sort -u "$T/stored" | wc -l)"
expect_eq "every acknowledged event stored" "" \
    "$(comm -23 "$T/acked.sorted" "$T/stored" | head -n 5)"
finish
