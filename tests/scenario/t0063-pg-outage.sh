#!/bin/sh
# PostgreSQL stopped under load, then started again (spec/postgresql.md
# §4): while it is down requests are answered 503 with Retry-After: 5,
# soon and without waiting pg_timeout each; the daemon says so once,
# comes back by itself, and every event answered 200 is stored exactly
# once.
. "$(dirname "$0")/lib.sh"
pg_start
printf 'pg_timeout = 3\n' >"$T/k.conf"
start_daemon -f "$T/k.conf" -w "$PGURL"
store_source

# Four clients post batches of five new ids until $T/stop exists; a line
# per request: status, Retry-After, seconds, the ids, the body.
cat >"$T/load.py" <<'PY'
import http.client, json, os, sys, threading, time
port, key, stop, out = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
lock = threading.Lock()
f = open(out, "w")
def worker(w):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    i = 0
    while not os.path.exists(stop):
        ids = ["w%d-%d-%d" % (w, i, k) for k in range(5)]
        body = json.dumps([{"type": "track", "event": "e", "userId": "u",
                            "messageId": m} for m in ids])
        t0 = time.time()
        try:
            conn.request("POST", "/v1/batch", body,
                         {"Authorization": "Bearer " + key})
            r = conn.getresponse()
            data = r.read().decode().strip()
            status, retry = r.status, r.getheader("Retry-After")
        except Exception as e:
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            status, retry, data = 0, None, repr(e)
        with lock:
            f.write("%d %s %.3f %s %s\n" % (status, retry, time.time() - t0,
                                           ",".join(ids), data))
            f.flush()
        i += 1
        time.sleep(0.005)
ts = [threading.Thread(target=worker, args=(w,)) for w in range(4)]
for t in ts:
    t.start()
for t in ts:
    t.join()
PY
python3 "$T/load.py" "$PORT" "$KEY" "$T/stop" "$T/load.out" &
LOAD=$!
count() { c=$(grep -c "^$1 " "$T/load.out" 2>/dev/null); echo "${c:-0}"; }
ok_after() { [ "$(count 200)" -gt "$1" ]; }
wait_until 30 ok_after 20 || fail "no load"

pg_stop
wait_until 30 grep -q '^503 ' "$T/load.out" || fail "no 503 while down"
down=$(count 503)
# While down, requests fail at once: many of them within two seconds.
sleep 2
[ $(( $(count 503) - down )) -ge 20 ] || fail "503s were slow: $(count 503) after $down"
expect_eq "healthz while down" 503 "$(curl -s -o /dev/null -w '%{http_code}' "$URL/healthz")"
curl -s "$URL/metrics" | grep -q '^krenalis_warehouse_up 0$' || fail "warehouse_up 0"

pg_restart
before=$(count 200)
wait_until 30 ok_after $((before + 20)) || fail "no recovery"
touch "$T/stop"
wait "$LOAD"

pg "SELECT message_id FROM events" >"$T/rows"
python3 - "$T/load.out" "$T/rows" >"$T/check" <<'PY' || fail "$(cat "$T/check")"
import json, sys
rows = open(sys.argv[2]).read().split()
stored = set(rows)
bad = []
if len(rows) != len(stored):
    bad.append("a message id twice")
n200 = n503 = 0
for line in open(sys.argv[1]):
    status, retry, secs, ids, body = line.rstrip("\n").split(" ", 4)
    ids = ids.split(",")
    if status == "200":
        n200 += 1
        if json.loads(body) != {"success": True, "received": 5,
                                "accepted": 5, "duplicates": 0}:
            bad.append("200 " + body)
        for m in ids:
            if m not in stored:
                bad.append("not stored: " + m)
    elif status == "503":
        n503 += 1
        if retry != "5" or json.loads(body)["error"]["message"] != \
                "warehouse is unavailable; try again later":
            bad.append("503 %s %s" % (retry, body))
        if float(secs) > 5:
            bad.append("503 after %s s" % secs)
    else:
        bad.append(line)
if bad:
    print("\n".join(bad[:10]))
    sys.exit(1)
print(n200, n503)
PY
check "stats" kr -j stats S
expect_eq "stored = rows" "$(wc -l <"$T/rows" | tr -d ' ')" "$(jget "$(cat "$T/out")" 'j["sources"][0]["stored"]')"
expect_eq "down, logged once" 1 "$(grep -c 'is unavailable' "$T/daemon.log")"
expect_eq "up, logged once" 1 "$(grep -c 'is available again' "$T/daemon.log")"
expect_eq "healthz after" ok "$(curl -s "$URL/healthz")"
finish
