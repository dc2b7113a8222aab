#!/bin/sh
# The backoff is the batch's (spec/destinations.md §5, §6.2): with
# maxInFlight 2, a batch the receiver keeps refusing with a 500 is sent
# again after 1 s, then 2, then 4, even though other batches of the
# destination are delivered meanwhile; the log says once that the
# destination fails, and that it recovered only once that batch is
# delivered (§6).
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/receiver.sh"
sending --batch-size 1 --max-in-flight 2
poison_delivered() {
	got a | grep -x poison >/dev/null
}

rules a '[{"status": 500, "match": "poison", "count": -1,
    "body": "POISON refused"}]'
track poison
# One good event a second while the poisoned one fails three times.
i=0
until [ "$(attempts_of a poison)" -ge 3 ] || [ $i -ge 20 ]; do
	i=$((i + 1))
	track "ok$i"
	wait_until 1 at_least 3 attempts_of a poison
done
# Its next attempt, at least 3.2 s after the third, is taken.
rules a '[]'
expect_eq "three attempts of the poisoned event" 3 "$(attempts_of a poison)"
expect_eq "not recovered while the poisoned event fails" 0 \
    "$(grep -c 'destination "D" recovered' "$T/daemon.log")"
# Good events go on meanwhile, held behind it (§4).
until poison_delivered || [ $i -ge 40 ]; do
	i=$((i + 1))
	track "ok$i"
	wait_until 1 poison_delivered
done
poison_delivered || fail "the poisoned event not delivered"
wait_until 10 got_count a $((i + 1)) || fail "the good events not delivered"
python3 - "$T/a.log" >"$T/gaps" <<'PY'
import json, sys
t = [r["at"] for r in map(json.loads, open(sys.argv[1]))
     if "poison" in r["ids"]]
print(" ".join("%.1f" % (b - a) for a, b in zip(t, t[1:])))
PY
# 1, 2 and 4 s, ±20%, with margins for a slow machine.
python3 - "$(cat "$T/gaps")" <<'PY' || fail "backoff gaps: $(cat "$T/gaps")"
import sys
g = [float(x) for x in sys.argv[1].split()]
ok = len(g) == 3 and 0.7 <= g[0] <= 2.5 and 1.5 <= g[1] <= 4 and \
    3.1 <= g[2] <= 7
sys.exit(0 if ok else 1)
PY
check "show" kr -j destination show D
expect_eq "retried once per failed attempt" 3 \
    "$(jget "$(cat "$T/out")" 'j["retried"]')"
expect_eq "one line when failing" 1 \
    "$(grep -c 'destination "D" is failing: HTTP 500: POISON refused' "$T/daemon.log")"
expect_eq "one line when recovered" 1 \
    "$(grep -c 'destination "D" recovered' "$T/daemon.log")"
finish
