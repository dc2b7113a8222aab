#!/bin/sh
# Deduplication by messageId (spec/ingest.md §11.1): within a request,
# across requests and sources, across a restart, and only by stored rows.
. "$(dirname "$0")/lib.sh"
start_daemon
check "source" kr -j source add "A"
KA=$(jget "$(cat "$T/out")" 'j["writeKeys"][0]')
check "source B" kr -j source add "B"
KB=$(jget "$(cat "$T/out")" 'j["writeKeys"][0]')
check "pipeline A" kr pipeline add A all
check "pipeline B" kr pipeline add B "B all"
ev() { printf '{"type":"track","event":"e","userId":"u","messageId":"%s"}' "$1"; }

post /v1/batch "[$(ev m1),$(ev m2),$(ev m1)]" -H "Authorization: Bearer $KA"
expect_http "within a request" 200 '{"success":true,"received":3,"accepted":2,"duplicates":1}'
# A retried request stores nothing twice.
post /v1/batch "[$(ev m1),$(ev m2),$(ev m3)]" -H "Authorization: Bearer $KA"
expect_http "retry" 200 '{"success":true,"received":3,"accepted":1,"duplicates":2}'
# The scope is the whole warehouse: another source's id is taken too.
post /v1/batch "[$(ev m3)]" -H "Authorization: Bearer $KB"
expect_http "other source" 200 '{"success":true,"received":1,"accepted":0,"duplicates":1}'
expect_eq "rows" 3 "$(sql 'select count(*) from events')"
# The first stored copy wins.
post /v1/batch '[{"type":"track","event":"changed","userId":"u","messageId":"m1"}]' -H "Authorization: Bearer $KA"
expect_eq "first copy wins" e "$(sql "select event from events where message_id='m1'")"

# An event that no pipeline passed does not take its id.
check "disable B" kr pipeline disable "B all"
post /v1/batch "[$(ev f1)]" -H "Authorization: Bearer $KB"
expect_http "filtered" 200 '{"success":true,"received":1,"accepted":1,"duplicates":0}'
expect_eq "not stored" 0 "$(sql "select count(*) from events where message_id='f1'")"
post /v1/batch "[$(ev f1)]" -H "Authorization: Bearer $KA"
expect_http "filtered id still free" 200 '{"success":true,"received":1,"accepted":1,"duplicates":0}'
expect_eq "now stored" 1 "$(sql "select count(*) from events where message_id='f1'")"
# A rejected event takes no id either.
post /v1/batch '[{"type":"track","userId":"u","messageId":"r1"},{"type":"track","event":"e","userId":"u","messageId":"r1"}]' -H "Authorization: Bearer $KA"
expect_eq "rejected then valid" '{"success":true,"received":2,"accepted":1,"duplicates":0,"rejected":[{"index":0,"messageId":"r1","error":"property '"'"'event'"'"' is required for a track event"}]}' "$(cat "$T/body")"

# Generated ids never collide with anything.
post /v1/batch '[{"type":"track","event":"e","userId":"u"},{"type":"track","event":"e","userId":"u"}]' -H "Authorization: Bearer $KA"
expect_http "generated ids" 200 '{"success":true,"received":2,"accepted":2,"duplicates":0}'
expect_eq "generated form" 2 "$(sql "select count(*) from events where message_id like 'krenalis-%-%-4%'")"

# The dedupe index survives a restart, and so does the keys' last use,
# written to the catalog at shutdown.
check "key used" kr -j key list A
used=$(jget "$(cat "$T/out")" 'j[0]["lastUsedAt"]')
stop_daemon || fail "exit status"
expect_eq "lastUsedAt in state.db" 1 "$(sqlite3 "$DATA/state.db" "select count(*) from write_keys where last_used_at is not null and key = '$KA'")"
KEEP_PORT=1 start_daemon
check "key used after restart" kr -j key list A
expect_eq "lastUsedAt kept" "$used" "$(jget "$(cat "$T/out")" 'j[0]["lastUsedAt"]')"
post /v1/batch "[$(ev m1),$(ev m4)]" -H "Authorization: Bearer $KA"
expect_http "after restart" 200 '{"success":true,"received":2,"accepted":1,"duplicates":1}'
grep -q "dedupe: 7 message ids loaded for the window" "$T/daemon.log" || fail "dedupe reload: $(cat "$T/daemon.log")"

# The window: with dedupe_window = 1s an old id may be stored again.
stop_daemon
printf 'dedupe_window = 1s\n' >"$T/k.conf"
sleep 1.2
KEEP_PORT=1 start_daemon -f "$T/k.conf"
post /v1/batch "[$(ev w1)]" -H "Authorization: Bearer $KA"
expect_http "window: first" 200 '{"success":true,"received":1,"accepted":1,"duplicates":0}'
post /v1/batch "[$(ev w1)]" -H "Authorization: Bearer $KA"
expect_http "window: inside" 200 '{"success":true,"received":1,"accepted":0,"duplicates":1}'
sleep 1.2
post /v1/batch "[$(ev w1)]" -H "Authorization: Bearer $KA"
expect_http "window: outside" 200 '{"success":true,"received":1,"accepted":1,"duplicates":0}'
finish
