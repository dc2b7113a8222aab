#!/bin/sh
# The outbox (spec/destinations.md §3): an accepted, non-duplicate event
# is queued in krenalis_outbox once per enabled send pipeline that passes
# it, in its request's transaction, with its normalised JSON; import
# pipelines alone decide what is stored; duplicates, rejected and
# filtered events are never queued; the debugger shows "queued".  The
# destinations are disabled, so that nothing is ever delivered here.
. "$(dirname "$0")/lib.sh"
start_daemon

check "dest B" kr -j destination add B --url http://127.0.0.1:9/b
B=$(jget "$(cat "$T/out")" 'j["id"]')
check "dest C" kr -j destination add C --url http://127.0.0.1:9/c
C=$(jget "$(cat "$T/out")" 'j["id"]')
check "disable B" kr destination disable B
check "disable C" kr destination disable C

check "source" kr -j source add S
KEY=$(jget "$(cat "$T/out")" 'j["writeKeys"][0]')
AUTH="Authorization: Bearer $KEY"
check "import" kr pipeline add S imp -F 'type is "track"'
check "tracks to B" kr -j pipeline add S tob --send B -F 'type is "track"'
TOB=$(jget "$(cat "$T/out")" 'j["id"]')
check "consented to C" kr -j pipeline add S toc --send C -C analytics
TOC=$(jget "$(cat "$T/out")" 'j["id"]')
check "disabled to B" kr pipeline add S off --send B --disabled

post /v1/batch '{"batch":[
 {"type":"track","event":"e","userId":"u","messageId":"m1"},
 {"type":"identify","userId":"u","messageId":"m2","context":{"consents":{"analytics":true}}},
 {"type":"track","event":"e","userId":"u","messageId":"m3","context":{"consents":{"analytics":true}}},
 {"type":"track","userId":"u","messageId":"m4"},
 {"type":"page","userId":"u","messageId":"m5"},
 {"type":"track","event":"e","userId":"u","messageId":"m1"}]}' -H "$AUTH"
expect_eq "status" 200 "$(cat "$T/status")"
expect_eq "queued" "$B $TOB m1
$C $TOC m2
$B $TOB m3
$C $TOC m3" "$(sql "SELECT destination_id, pipeline_id, message_id FROM krenalis_outbox ORDER BY seq" | tr '|' ' ')"
expect_eq "stored" "m1 m3" "$(sql "SELECT message_id FROM krenalis_events ORDER BY message_id" | tr '\n' ' ' | sed 's/ $//')"

# The row holds the event's normalised JSON, as the debugger shows it.
ev=$(sql "SELECT event FROM krenalis_outbox WHERE message_id = 'm2'")
check "events" kr -j events -n 6 S
expect_eq "one JSON value" 1 "$(wc -l <"$T/out")"
rec=$(jget "$(cat "$T/out")" '[r for r in j if (r["event"] or {}).get("messageId") == "m2"][0]')
expect_eq "m2's record" m2 "$(jget "$rec" 'j["event"]["messageId"]')"
expect_eq "event JSON" "$(jget "$rec" 'j["event"]')" "$(jget "$ev" 'j')"
expect_eq "m2 results" '[["imp","filtered"],["tob","filtered"],["toc","queued"],["off","disabled"]]' "$(jget "$rec" '[[p["name"],p["result"]] for p in j["pipelines"]]')"
expect_eq "m2 outcome" filtered "$(jget "$rec" 'j["outcome"]')"
check "events" kr -j events -n 1 S
expect_eq "duplicate results" '["duplicate",[["imp","passed"],["tob","passed"],["toc","consent"],["off","disabled"]]]' "$(jget "$(cat "$T/out")" '[j[0]["outcome"],[[p["name"],p["result"]] for p in j[0]["pipelines"]]]')"
queued_at=$(sql "SELECT queued_at FROM krenalis_outbox WHERE message_id = 'm1'")
expect_eq "queued_at is a time in ms" 1 "$(python3 -c "import time,sys; print(int(abs(time.time() * 1000 - $queued_at) < 600000))")"

# A duplicate in a later request is not queued again.
track m3
expect_http "retry" 200 '{"success":true,"received":1,"accepted":0,"duplicates":1}'
expect_eq "still 4" 4 "$(sql "SELECT count(*) FROM krenalis_outbox")"

# The sender reads nothing of a disabled destination's queue: the oldest
# event queued comes from the outbox.
m1_at=$(ms_iso "$queued_at")
check "show B" kr -j destination show B
expect_eq "B's queue" "{\"events\": 2, \"oldestQueuedAt\": \"$m1_at\", \"inFlight\": 0}" "$(jget "$(cat "$T/out")" 'json.dumps(j["queue"])')"
check "list" kr -j destination list
expect_eq "list: the same" "[\"$m1_at\", null]" "$(jget "$(cat "$T/out")" 'json.dumps([d["queue"]["oldestQueuedAt"] if d["name"] == "B" else None for d in j])')"
check "show B text" kr destination show B
grep -q "^ *oldest queued *$m1_at\$" "$T/out" || fail "show B: no oldest queued $m1_at: $(cat "$T/out")"

# Send pipelines count what they pass, duplicates included (six events
# evaluated), but store nothing.
check "stats" kr -j stats S
expect_eq "pipeline counters" '[["imp",6,4,4,2],["tob",6,4,4,0],["toc",6,6,2,0]]' "$(jget "$(cat "$T/out")" '[[p["name"],p["receive"],p["filterPassed"],p["consentPassed"],p["stored"]] for p in j["sources"][0]["pipelines"] if p["enabled"]]')"

# A source whose only pipeline sends stores nothing, yet queues.  Only a
# stored row takes a messageId (spec/ingest.md §11.1): a copy sent again
# is queued again, and another source stores it.
SAUTH=$AUTH
check "source O" kr -j source add O
AUTH="Authorization: Bearer $(jget "$(cat "$T/out")" 'j["writeKeys"][0]')"
check "only send" kr -j pipeline add O only --send B
ONLY=$(jget "$(cat "$T/out")" 'j["id"]')
track o1
expect_http "send only" 200 '{"success":true,"received":1,"accepted":1,"duplicates":0}'
expect_eq "not stored" 0 "$(sql "SELECT count(*) FROM krenalis_events WHERE message_id = 'o1'")"
expect_eq "queued once" "$B $ONLY" "$(sql "SELECT destination_id, pipeline_id FROM krenalis_outbox WHERE message_id = 'o1'" | tr '|' ' ')"
track o1
expect_http "send only again" 200 '{"success":true,"received":1,"accepted":1,"duplicates":0}'
expect_eq "queued again" 2 "$(sql "SELECT count(*) FROM krenalis_outbox WHERE message_id = 'o1' AND pipeline_id = '$ONLY'")"
OAUTH=$AUTH AUTH=$SAUTH
track o1
expect_http "another source" 200 '{"success":true,"received":1,"accepted":1,"duplicates":0}'
AUTH=$OAUTH
expect_eq "stored by it" 1 "$(sql "SELECT count(*) FROM krenalis_events WHERE message_id = 'o1'")"
track o1
expect_http "then a duplicate" 200 '{"success":true,"received":1,"accepted":0,"duplicates":1}'
expect_eq "not queued for it" 2 "$(sql "SELECT count(*) FROM krenalis_outbox WHERE message_id = 'o1' AND pipeline_id = '$ONLY'")"

# A failed commit queues nothing: the outbox is in the transaction.
hold_lock 7
track o2
expect_eq "busy" 503 "$(cat "$T/status")"
wait "$LOCKER"
expect_eq "nothing queued" 0 "$(sql "SELECT count(*) FROM krenalis_outbox WHERE message_id = 'o2'")"
track o2
expect_eq "then queued" 1 "$(sql "SELECT count(*) FROM krenalis_outbox WHERE message_id = 'o2'")"

# rm --force drops the destination's queue and its failures.
check "rm B" kr destination rm --force B
expect_eq "rm B says what went" "removed destination $B \"B\" and its send pipelines \"tob\", \"off\", \"only\"; 6 queued events failed" "$(cat "$T/out")"
expect_eq "B's rows gone" 0 "$(sql "SELECT count(*) FROM krenalis_outbox WHERE destination_id = '$B'")"
expect_eq "C's rows kept" 2 "$(sql "SELECT count(*) FROM krenalis_outbox WHERE destination_id = '$C'")"
wait_until 10 grep -q "destination $B removed: 6 queued events failed (destination removed)" "$T/daemon.log" ||
    fail "no log line for the dropped queue"
# -j gives the same from the reply's members.
check "rm C -j" kr -j destination rm --force C
expect_eq "rm C reply" "[\"$C\",\"C\",[\"$TOC\"],2]" "$(jget "$(cat "$T/out")" '[j["id"], j["name"], [p["id"] for p in j["pipelines"]], j["dropped"]]')"
expect_eq "C's rows gone" 0 "$(sql "SELECT count(*) FROM krenalis_outbox")"
finish
