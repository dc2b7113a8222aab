#!/bin/sh
# The event debugger (spec/pipelines.md §7): records with their exact
# members, rings, krctl events, krctl rejected and krctl send.
. "$(dirname "$0")/lib.sh"
printf 'debugger_records = 5\n' >"$T/k.conf"
start_daemon -f "$T/k.conf"
check "source" kr -j source add "Segment prod"
KEY=$(jget "$(cat "$T/out")" 'j["writeKeys"][0]')
SID=$(jget "$(cat "$T/out")" 'j["id"]')
check "p1" kr -j pipeline add "Segment prod" "Import tracks" -F "type is 'track'"
P1=$(jget "$(cat "$T/out")" 'j["id"]')
check "p2" kr -j pipeline add "Segment prod" "Pro plans" -F "type is 'track' and properties.plan is 'pro'"
P2=$(jget "$(cat "$T/out")" 'j["id"]')
check "p3" kr -j pipeline add "Segment prod" "Pages or screens" -F "type is 'page' or type is 'screen'"
P3=$(jget "$(cat "$T/out")" 'j["id"]')
check "p4" kr -j pipeline add "Segment prod" "Consented" -C analytics
P4=$(jget "$(cat "$T/out")" 'j["id"]')
check "p5" kr -j pipeline add "Segment prod" "Old import" --disabled
P5=$(jget "$(cat "$T/out")" 'j["id"]')

# A follower started before the events sees each of them once, in order.
follow -n 0
post /v1/events '[{"type":"track","event":"Signed Up","userId":"u1","messageId":"m1","properties":{"plan":"team"}},{"type":"track","userId":"u1"}]' -H "Authorization: Bearer $KEY"
expect_eq "batch" 200 "$(cat "$T/status")"
RID=$(header Request-Id)

check "events -j" kr -j events -n 2
expect_eq "one JSON value" 1 "$(wc -l <"$T/out")"
expect_eq "two records" 2 "$(jget "$(cat "$T/out")" 'len(j)')"
first=$(jget "$(cat "$T/out")" 'j[0]')
expect_eq "member order" '["seq","receivedAt","source","requestId","index","raw","rawBytes","rawTruncated","event","outcome","pipelines"]' "$(jget "$first" 'list(j.keys())')"
expect_eq "seq" 1 "$(jget "$first" 'j["seq"]')"
expect_eq "source" "$SID" "$(jget "$first" 'j["source"]')"
expect_eq "requestId" "$RID" "$(jget "$first" 'j["requestId"]')"
expect_eq "raw" '{"type":"track","event":"Signed Up","userId":"u1","messageId":"m1","properties":{"plan":"team"}}' "$(jget "$first" 'j["raw"]')"
expect_eq "rawBytes" 96 "$(jget "$first" 'j["rawBytes"]')"
expect_eq "event" "m1" "$(jget "$first" 'j["event"]["messageId"]')"
expect_eq "receivedAt is the event's" "$(jget "$first" 'j["event"]["receivedAt"]')" "$(jget "$first" 'j["receivedAt"]')"
expect_eq "outcome" stored "$(jget "$first" 'j["outcome"]')"
expect_eq "pipelines" "[{\"id\":\"$P1\",\"name\":\"Import tracks\",\"result\":\"passed\"},{\"id\":\"$P2\",\"name\":\"Pro plans\",\"result\":\"filtered\",\"condition\":{\"index\":1,\"text\":\"properties.plan is \\\"pro\\\"\"}},{\"id\":\"$P3\",\"name\":\"Pages or screens\",\"result\":\"filtered\",\"reason\":\"no condition matched\"},{\"id\":\"$P4\",\"name\":\"Consented\",\"result\":\"consent\"},{\"id\":\"$P5\",\"name\":\"Old import\",\"result\":\"disabled\"}]" "$(jget "$first" 'j["pipelines"]')"
second=$(jget "$(cat "$T/out")" 'j[1]')
expect_eq "rejected record" '[2,1,null,"rejected","property '"'"'event'"'"' is required for a track event",[]]' "$(jget "$second" '[j["seq"],j["index"],j["event"],j["outcome"],j["error"],j["pipelines"]]')"

# A duplicate is evaluated by the pipelines and shown.
post /v1/events '[{"type":"track","event":"Signed Up","userId":"u1","messageId":"m1","properties":{"plan":"pro"}}]' -H "Authorization: Bearer $KEY"
check "dup" kr -j events -n 1
expect_eq "duplicate" '["duplicate","passed"]' "$(jget "$(cat "$T/out")" '[j[0]["outcome"], j[0]["pipelines"][1]["result"]]')"

# The raw text is cut at 32768 bytes on a character boundary.
python3 -c '
import json
print(json.dumps([{"type":"track","event":"big","userId":"ux","messageId":"big","properties":{"p":"é" * 20000}}], ensure_ascii=False, separators=(",", ":")))' >"$T/big.json"
req POST /v1/events -H "Authorization: Bearer $KEY" --data-binary "@$T/big.json"
check "big" kr -j events -n 1
r=$(jget "$(cat "$T/out")" 'j[0]')
# The prefix before the "é"s is 81 bytes: a cut at 32768 would split one.
expect_eq "cut" "[true,$(wc -c <"$T/big.json" | awk '{ print $1 - 3 }'),32767]" "$(jget "$r" '[j["rawTruncated"], j["rawBytes"], len(j["raw"].encode())]')"
expect_eq "cut is a prefix" true "$(jget "$r" 'open("'"$T/big.json"'", encoding="utf-8").read()[1:].startswith(j["raw"]) and "true" or "false"')"

# krctl send posts through the endpoint with the first key.
check "send" kr send "Segment prod" -e "Workout Completed" -u u7 -p '{"plan":"pro","n":1.5}'
expect_eq "send output" '{"success":true,"received":1,"accepted":1,"duplicates":0}' "$(cat "$T/out")"
expect_eq "sent row" 'Workout Completed|u7|{"plan":"pro","n":1.5}|krctl' "$(sql "select event, user_id, properties, context_library_name from events where user_id='u7'")"
expect_fail "send bad properties" "krctl: -p: properties must be a JSON object" kr send "Segment prod" -p '[1]'
expect_fail "send bad type" 'krctl: -t: type "click" is not one of track, page, screen, identify, group, alias' kr send "Segment prod" -t click
expect_fail "send unknown source" 'krctl: source "nope" does not exist' kr send nope
check "send page" kr send "Segment prod" -t page -e Home

# The ring keeps the newest 5 records; human lines name everything.
check "events" kr events
expect_eq "ring size" 5 "$(wc -l <"$T/out")"
tail -n 1 "$T/out" | grep -q '  page  *Home  .*stored  *Import tracks=filtered (type is "track")  Pro plans=filtered (type is "track")  Pages or screens=passed  Consented=consent  Old import=disabled$' || fail "human line: $(tail -n 1 "$T/out")"

# The follower saw every record exactly once.
followed() {
	[ "$(wc -l <"$T/follow.out")" -ge 6 ]
}
wait_until 30 followed
kill "$FOLLOWER"
expect_eq "followed" 6 "$(wc -l <"$T/follow.out")"
expect_eq "no omissions" "" "$(cat "$T/follow.err")"
# A rejected event shows what its raw text gives.
grep -q "  track  *-  *u1  *rejected  *property 'event' is required for a track event$" "$T/follow.out" || fail "rejected line: $(cat "$T/follow.out")"

expect_fail "send rejected" "krctl: the event was rejected: property 'groupId' is required for a group event" kr send "Segment prod" -t group
# Text from clients never reaches the terminal raw: one line a record.
post /v1/events '[{"type":"track","event":"Ev\nil\u001b[31m","userId":"u\r\nX","messageId":"esc-1"}]' -H "Authorization: Bearer $KEY"
check "events with control characters" kr events -n 1
expect_eq "one line" 1 "$(wc -l <"$T/out")"
grep -q "  Ev?il?\[31m  .*  u??X  " "$T/out" || fail "escaped line: $(cat -v "$T/out")"

# krctl rejected reads the quarantine, which survives restarts.
stop_daemon
KEEP_PORT=1 start_daemon -f "$T/k.conf"
check "events after restart" kr -j events
expect_eq "rings are lost" "[]" "$(cat "$T/out")"

# Records that the ring would evict at once are not built, but it still
# holds the newest: twelve requests of 3 events at once, no follower; the
# ring holds the 5 newest of the 36, seqs 32 to 36.
pids=
for r in 1 2 3 4 5 6 7 8 9 10 11 12; do
	curl -s -m 20 -o /dev/null -H "Authorization: Bearer $KEY" \
	    -H "Content-Type: application/json" --data-binary \
	    "[{\"type\":\"track\",\"event\":\"P\",\"userId\":\"p\",\"messageId\":\"par-$r-1\"},{\"type\":\"track\",\"event\":\"P\",\"userId\":\"p\",\"messageId\":\"par-$r-2\"},{\"type\":\"track\",\"event\":\"P\",\"userId\":\"p\",\"messageId\":\"par-$r-3\"}]" \
	    "$URL/v1/events" &
	pids="$pids $!"
done
wait $pids
expect_eq "all stored" 36 "$(sql "select count(*) from events where message_id like 'par-%'")"
check "events after a parallel burst" kr -j events
expect_eq "the newest 5" "[32,33,34,35,36]" "$(python3 -c '
import json, sys
recs = json.loads(open(sys.argv[1]).read())
print(json.dumps(sorted(r["seq"] for r in recs), separators=(",", ":")))' "$T/out")"
check "rejected" kr -j rejected
expect_eq "quarantine" "[\"$SID\",\"$RID\",1,null,\"property 'event' is required for a track event\",\"{\\\"type\\\":\\\"track\\\",\\\"userId\\\":\\\"u1\\\"}\"]" "$(jget "$(cat "$T/out")" '[j[0][k] for k in ("source","requestId","index","messageId","error","raw")]')"
check "rejected table" kr rejected "Segment prod"
grep -q "^ID  *RECEIVED  *SOURCE  *REQUEST  *INDEX  *MESSAGE ID  *ERROR  *RAW$" "$T/out" || fail "rejected header"
expect_fail "rejected unknown source" 'krctl: source "nope" does not exist' kr rejected nope
expect_fail "bad count" 'krctl: -n: count must be a number from 0 to 100000' kr events -n many
# A deleted source's ring goes with it, and a stream that follows it ends,
# after the records queued before (the last one is queued when its post
# is answered), with an error that names the source as it was called
# when removed (here followed by its id, and renamed): krctl exits 1.
follow -n 0 "$SID"
check "rename" kr source rename "Segment prod" "Segment old"
post /v1/events '[{"type":"track","event":"Last","userId":"u","messageId":"last-1"}]' -H "Authorization: Bearer $KEY"
expect_eq "last event" 200 "$(cat "$T/status")"
check "rm" kr source rm "Segment old"
follower_gone() {
	! kill -0 "$FOLLOWER" 2>/dev/null
}
if ! wait_until 30 follower_gone; then
	fail "krctl events -f goes on after rm"
	kill "$FOLLOWER"
fi
wait "$FOLLOWER"
expect_eq "follower's exit status" 1 $?
expect_eq "follower's message" 'krctl: source "Segment old" was deleted' \
    "$(cat "$T/follow.err")"
grep -q "  track  *Last  " "$T/follow.out" || fail "last record: $(cat "$T/follow.out")"
check "events after rm" kr -j events
expect_eq "ring gone" "[]" "$(cat "$T/out")"
finish
