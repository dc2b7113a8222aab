#!/bin/sh
# A burst of 100,000 events with a follower that stops reading: ingest
# keeps its pace, and every record is either delivered or counted as
# omitted (spec/pipelines.md §7.4).
. "$(dirname "$0")/lib.sh"
start_daemon
check "source" kr -j source add "S"
KEY=$(jget "$(cat "$T/out")" 'j["writeKeys"][0]')
check "pipeline" kr pipeline add S all

# burst PREFIX: post 200 batches of 500 events over one connection; print
# the seconds it took.
cat >"$T/burst.py" <<'PY'
import http.client, json, sys, time
port, key, prefix = int(sys.argv[1]), sys.argv[2], sys.argv[3]
c = http.client.HTTPConnection("127.0.0.1", port)
h = {"Authorization": "Bearer " + key, "Content-Type": "application/json"}
bodies = [json.dumps([{"type": "track", "event": "Burst", "userId": "u%d" % i,
    "messageId": "%s-%d-%d" % (prefix, b, i), "properties": {"i": i}}
    for i in range(500)]) for b in range(200)]
t = time.time()
for body in bodies:
    c.request("POST", "/v1/events", body, h)
    r = c.getresponse()
    data = r.read()
    if r.status != 200 or b'"accepted":500' not in data:
        print("bad answer", r.status, data[:200])
        sys.exit(1)
print("%.3f" % (time.time() - t))
PY
alone=$(python3 "$T/burst.py" "$PORT" "$KEY" a) || fail "burst without follower"

# A follower that is stopped (SIGSTOP) through the whole burst.
"$KRCTL" -s "$SOCK" events -f -n 0 >"$T/follow.out" 2>"$T/follow.err" &
follower=$!
sleep 0.3
kill -STOP $follower
followed=$(python3 "$T/burst.py" "$PORT" "$KEY" b) || fail "burst with follower"
kill -CONT $follower
# Let the follower catch up with what its queue held...
prev=-1
i=0
while [ $i -lt 100 ]; do
	sleep 0.3
	now=$(wc -l <"$T/follow.out")
	[ "$now" -eq "$prev" ] && break
	prev=$now
	i=$((i+1))
done
# ...then one more event carries the count of what was dropped after the
# last record queued for it.
post /v1/events '[{"type":"track","event":"Last","userId":"u","messageId":"last"}]' -H "Authorization: Bearer $KEY"
i=0
while ! grep -q "  Last  " "$T/follow.out" && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done
kill $follower
lines=$(wc -l <"$T/follow.out")
omitted=$(awk '/records omitted/ { n += $2 } END { print n + 0 }' "$T/follow.err")
echo "burst alone ${alone}s, with a stopped follower ${followed}s; $lines records delivered, $omitted omitted"
[ "$omitted" -gt 0 ] || fail "no omission reported"
expect_eq "delivered + omitted" 100001 $((lines + omitted))
# Within noise: at most 30% (and 0.5 s) slower.
python3 -c 'import sys; a, b = float(sys.argv[1]), float(sys.argv[2]); sys.exit(0 if b <= a * 1.3 + 0.5 else 1)' "$alone" "$followed" || fail "ingest slowed from ${alone}s to ${followed}s"
expect_eq "stored" 200001 "$(sql 'select count(*) from events')"
finish
