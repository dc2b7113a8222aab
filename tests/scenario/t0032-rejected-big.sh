#!/bin/sh
# krctl rejected on a quarantine of big events: the list (raw text cut at
# 1024 bytes) comes quickly and the daemon holds a few rows at a time
# whatever -n asks; krctl rejected show gives one row's raw text whole,
# byte for byte, on a reply line three times as long as a request may be.
. "$(dirname "$0")/lib.sh"

start_daemon
check "source" kr -j source add "Segment prod"
KEY=$(jget "$(cat "$T/out")" 'j["writeKeys"][0]')

# 20 events of about 3 MiB, over max_event_bytes: each is quarantined
# whole.  Their text has quotes and backslashes to escape, and non-ASCII.
python3 - "$T" <<'PY'
import sys
for i in range(20):
    blob = ("x\\\"\u00e9%02d" % i) * (3 * 1024 * 1024 // 8)
    ev = '{"type":"track","event":"Big","userId":"u%d","properties":{"blob":"%s"}}' % (i, blob)
    open("%s/ev%d.json" % (sys.argv[1], i), "w").write(ev)
    open("%s/body%d.json" % (sys.argv[1], i), "w").write("[" + ev + "]")
PY
i=0
while [ $i -lt 20 ]; do
	req POST /v1/events --data-binary "@$T/body$i.json" -H "Authorization: Bearer $KEY"
	expect_eq "post $i" 200 "$(cat "$T/status")"
	i=$((i + 1))
done
expect_eq "quarantined" 20 "$(sql 'select count(*) from krenalis_rejected')"

hwm() {
	awk '$1 == "VmHWM:" { print $2 }' "/proc/$PID/status"
}
before=$(hwm)
start=$(date +%s)
check "rejected -n 100" kr rejected -n 100
secs=$(( $(date +%s) - start ))
[ $secs -le 5 ] || fail "krctl rejected took ${secs}s"
expect_eq "table lines" 21 "$(wc -l <"$T/out")"
# RAW: the first 80 characters, two of them two bytes long, and "...".
raw80=$(python3 -c 'import sys; print(open(sys.argv[1], encoding="utf-8").read()[:80] + "...")' "$T/ev19.json")
tail -n +2 "$T/out" | grep -qF -- "$raw80" || fail "RAW, 80 characters: $(sed -n 2p "$T/out")"
grep -q "^ID  *RECEIVED  *SOURCE  *REQUEST  *INDEX  *MESSAGE ID  *ERROR  *RAW$" "$T/out" || fail "rejected header: $(head -n 1 "$T/out")"
check "rejected -j" kr -j rejected -n 100
cp "$T/out" "$T/list.json"
check "rejected (20 by default)" kr -j rejected
cmp -s "$T/out" "$T/list.json" || fail "rejected and rejected -n 100 differ"
after=$(hwm)

# Each listed row: its id, its raw text's first 1024 bytes, whole length.
cat >"$T/check.py" <<'PY'
import json, sys
t = sys.argv[1]
rows = json.load(open(t + "/list.json"))
assert len(rows) == 20, len(rows)
for i, r in enumerate(rows):
    raw = open("%s/ev%d.json" % (t, i), "rb").read()
    cut = r["raw"].encode()
    assert len(cut) <= 1024 and raw.startswith(cut), i
    assert len(cut) > 1020, len(cut)
    assert r["rawBytes"] == len(raw) and r["rawTruncated"] is True, i
    assert r["error"].startswith("event exceeds the maximum size"), r["error"]
    assert r["id"] == str(i + 1), r["id"]
if len(sys.argv) > 2:
    shown = json.load(open(sys.argv[2]))
    raw = open("%s/ev%s.json" % (t, sys.argv[3]), "rb").read()
    assert shown["raw"].encode() == raw, "raw text differs"
    assert shown["rawBytes"] == len(raw) and shown["rawTruncated"] is False
    assert shown["id"] == rows[int(sys.argv[3])]["id"]
print("ok")
PY
check "list rows" python3 "$T/check.py" "$T"

# One row whole, by the id the list shows.
id=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))[7]["id"])' "$T/list.json")
check "rejected show" kr -j rejected show "$id"
cp "$T/out" "$T/show.json"
[ "$(wc -c <"$T/show.json")" -gt 3145728 ] || fail "the reply line is not longer than 3 MiB"
check "shown row" python3 "$T/check.py" "$T" "$T/show.json" 7
check "rejected show table" kr rejected show "$id"
expect_eq "show table" "id          $id" "$(head -n 1 "$T/out")"
expect_eq "show raw" "$(cat "$T/ev7.json")" "$(tail -n 1 "$T/out")"
expect_fail "show unknown" 'krctl: rejected event "999" does not exist' kr rejected show 999
expect_fail "show needs an id" 'krctl: usage: krctl rejected show id' kr rejected show

# The daemon read the rows a few at a time: its peak memory is what
# ingest took, not what the lists would have.  Under AddressSanitizer,
# which keeps freed memory aside, only the functions are checked.
if grep -q __asan_init "$KRENALISD"; then
	echo "AddressSanitizer build: memory not measured"
else
	[ "$after" -lt 153600 ] || fail "krenalisd peaked at ${after} kB (${before} kB before the lists)"
fi
check "status after" kr status
finish
