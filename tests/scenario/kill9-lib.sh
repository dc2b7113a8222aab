# The load and the kills of the kill -9 scenarios (t0060, t0084), sourced
# after lib.sh once the daemon runs and KEY is a write key of its source.
#
#   kill9_load      post batches of unique messageIds, each until it is
#                   answered 200, while the daemon is killed with SIGKILL
#                   twice and started again on the same data directory
#                   and port; return once the client has stopped.  The
#                   acknowledged ids are in $T/acked, sorted and unique
#                   in $T/acked.sorted.
#
#   checked_in FILE WHAT    every acknowledged id is in FILE (sorted
#                   messageIds), once

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

# acked_at_least N: the client has had N events acknowledged.
acked_at_least() {
	[ -f "$T/acked" ] && [ "$(wc -l <"$T/acked")" -ge "$1" ]
}

kill9_load() {
	python3 "$T/client.py" "$PORT" "$KEY" "$T" &
	client=$!
	echo "$client" >>"$T/extra.pids"
	for round in 1 2; do
		goal=$((round * 1000))
		wait_until 60 acked_at_least "$goal" ||
		    fail "round $round: fewer than $goal events acknowledged"
		kill -9 "$PID"
		wait "$PID" 2>/dev/null
		PID=
		KEEP_PORT=1 start_daemon
	done
	wait_until 60 acked_at_least 2500 ||
	    fail "no progress after the restarts"
	: >"$T/stop"
	wait_until 60 test -f "$T/done" || fail "the client did not finish"
	wait "$client" 2>/dev/null
	sort -u "$T/acked" >"$T/acked.sorted"
	expect_eq "acknowledged ids unique" "$(wc -l <"$T/acked")" \
	    "$(wc -l <"$T/acked.sorted")"
}

checked_in() {
	expect_eq "no event $2 twice" "$(wc -l <"$1")" \
	    "$(sort -u "$1" | wc -l)"
	expect_eq "every acknowledged event $2" "" \
	    "$(comm -23 "$T/acked.sorted" "$1" | head -n 5)"
}
