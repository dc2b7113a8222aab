#!/bin/sh
# Filters and required consents decide, per pipeline, which events are
# stored (spec/pipelines.md §4-6, spec/filters.md); krctl shows them as
# canonical text; the counters follow.
. "$(dirname "$0")/lib.sh"
start_daemon
check "source" kr -j source add "Segment prod"
KEY=$(jget "$(cat "$T/out")" 'j["writeKeys"][0]')
AUTH="Authorization: Bearer $KEY"

check "tracks" kr -j pipeline add "Segment prod" "Tracks only" -F "type is 'track'"
j=$(cat "$T/out")
P1=$(jget "$j" 'j["id"]')
expect_eq "filter JSON" '{"logical":"and","conditions":[{"property":"type","operator":"is","values":["track"]}]}' "$(jget "$j" 'j["filter"]')"
expect_eq "filter text" 'type is "track"' "$(jget "$j" 'j["filterText"]')"
check "pro" kr -j pipeline add "Segment prod" "Pro signups" -F "event is 'Signed Up' and properties.plan is one of ('pro', 'team')"
P2=$(jget "$(cat "$T/out")" 'j["id"]')
expect_eq "pro text" 'event is "Signed Up" and properties.plan is one of ("pro", "team")' "$(jget "$(cat "$T/out")" 'j["filterText"]')"
expect_fail "and with or" 'krctl: filter is not valid: syntax error at position 53: cannot mix "and" and "or" in one filter' kr pipeline add "Segment prod" "Web pages" -F "type is 'page' and context.page.url contains 'utm_' or type is 'screen'"
check "nothing added" kr -j pipeline list "Segment prod"
expect_eq "two pipelines" 2 "$(jget "$(cat "$T/out")" 'len(j)')"
check "pages" kr -j pipeline add "Segment prod" "Pages or screens" -F "type is 'page' or type is 'screen'"
P3=$(jget "$(cat "$T/out")" 'j["id"]')
check "consented" kr -j pipeline add "Segment prod" "Consented" -C or:analytics,ads
P4=$(jget "$(cat "$T/out")" 'j["id"]')
expect_eq "consents" '{"operator":"or","purposes":["analytics","ads"]}' "$(jget "$(cat "$T/out")" 'j["requiredConsents"]')"

# The text is validated by the daemon, and nothing changes on error.
expect_fail "unknown property" 'krctl: filter is not valid: property path "nope" does not exist' kr pipeline set "$P1" -F "nope is 'x'"
check "unchanged" kr -j pipeline show "$P1"
expect_eq "unchanged filter" 'type is "track"' "$(jget "$(cat "$T/out")" 'j["filterText"]')"
check "bracket keys" kr -j pipeline set "Tracks only" -F "type is 'track' and properties[\"client id\"] exists"
expect_eq "bracket text" 'type is "track" and properties["client id"] exists' "$(jget "$(cat "$T/out")" 'j["filterText"]')"
check "no filter" kr -j pipeline set "Tracks only" --no-filter
expect_eq "no filter" null "$(jget "$(cat "$T/out")" 'j["filter"]')"
check "ip canonical" kr -j pipeline set "Tracks only" -F "context.ip is '::FFFF:10.0.0.1' and context.ip is not '2001:DB8:0::1'"
expect_eq "ip canonical text" 'context.ip is "10.0.0.1" and context.ip is not "2001:db8::1"' "$(jget "$(cat "$T/out")" 'j["filterText"]')"
check "back" kr pipeline set "Tracks only" -F "type is 'track'"
expect_fail "bad consents" 'krctl: required consent purpose "a" is duplicated' kr pipeline set "$P4" -C a,a
check "list shows text" kr pipeline list "Segment prod"
grep -q 'Pro signups  *yes  *event is "Signed Up" and properties.plan is one of ("pro", "team")$' "$T/out" || fail "list text: $(cat "$T/out")"

# Events, and which pipelines pass them.
post /v1/events '[
 {"type":"track","event":"Signed Up","userId":"u1","messageId":"e1","properties":{"plan":"pro"}},
 {"type":"track","event":"Signed Up","userId":"u2","messageId":"e2","properties":{"plan":"free"}},
 {"type":"page","name":"Home","userId":"u3","messageId":"e3"},
 {"type":"identify","userId":"u4","messageId":"e4"},
 {"type":"identify","userId":"u5","messageId":"e5","context":{"consents":{"ads":true}}},
 {"type":"identify","userId":"u6","messageId":"e6","context":{"consents":{"ads":false,"analytics":false}}}
]' -H "$AUTH"
expect_http "batch" 200 '{"success":true,"received":6,"accepted":6,"duplicates":0}'
expect_eq "stored" "e1 e2 e3 e5" "$(sql "select group_concat(message_id, ' ') from (select message_id from events order by message_id)")"
check "stats" kr -j stats "Segment prod"
j=$(cat "$T/out")
expect_eq "source" '[6,6,0,0,4,2]' "$(jget "$j" '[j["sources"][0][k] for k in ("received","accepted","rejected","duplicates","stored","filtered")]')"
# Tracks only: e1, e2 pass; Pro signups: e1; Pages: e3; Consented: e5.
expect_eq "tracks" '[6,2,4,2,0,2]' "$(jget "$j" '[j["sources"][0]["pipelines"][0][k] for k in ("receive","filterPassed","filterFailed","consentPassed","consentFailed","stored")]')"
expect_eq "pro" '[6,1,5,1,0,1]' "$(jget "$j" '[j["sources"][0]["pipelines"][1][k] for k in ("receive","filterPassed","filterFailed","consentPassed","consentFailed","stored")]')"
expect_eq "pages" '[6,1,5,1,0,1]' "$(jget "$j" '[j["sources"][0]["pipelines"][2][k] for k in ("receive","filterPassed","filterFailed","consentPassed","consentFailed","stored")]')"
expect_eq "consented" '[6,6,0,1,5,1]' "$(jget "$j" '[j["sources"][0]["pipelines"][3][k] for k in ("receive","filterPassed","filterFailed","consentPassed","consentFailed","stored")]')"

# A disabled pipeline counts nothing; with none enabled nothing is stored.
for p in "$P1" "$P2" "$P3" "$P4"; do check "disable $p" kr pipeline disable "$p"; done
post /v1/events '[{"type":"track","event":"x","userId":"u","messageId":"e7"}]' -H "$AUTH"
expect_http "no pipeline enabled" 200 '{"success":true,"received":1,"accepted":1,"duplicates":0}'
expect_eq "not stored" 0 "$(sql "select count(*) from events where message_id='e7'")"
check "stats 2" kr -j stats "Segment prod"
expect_eq "disabled count nothing" 6 "$(jget "$(cat "$T/out")" 'j["sources"][0]["pipelines"][0]["receive"]')"
expect_eq "filtered" 3 "$(jget "$(cat "$T/out")" 'j["sources"][0]["filtered"]')"

# Filters survive a restart and still apply.
check "enable" kr pipeline enable "$P2"
stop_daemon
KEEP_PORT=1 start_daemon
check "after restart" kr -j pipeline show "$P2"
expect_eq "filter kept" 'event is "Signed Up" and properties.plan is one of ("pro", "team")' "$(jget "$(cat "$T/out")" 'j["filterText"]')"
post /v1/events '[{"type":"track","event":"Signed Up","userId":"u","messageId":"e8","properties":{"plan":"team"}},{"type":"track","event":"Signed Up","userId":"u","messageId":"e9","properties":{"plan":"solo"}}]' -H "$AUTH"
expect_eq "filter applies" "e8" "$(sql "select group_concat(message_id) from events where message_id in ('e8','e9')")"
finish
