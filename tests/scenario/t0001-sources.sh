#!/bin/sh
# Sources: add, list, show, rename, rm; name, connector and strategy rules;
# the JSON shape of spec/pipelines.md §8.1.
. "$(dirname "$0")/lib.sh"
start_daemon

check "source add" kr -j source add "Segment prod"
j=$(cat "$T/out")
id=$(jget "$j" 'j["id"]')
key=$(jget "$j" 'j["writeKeys"][0]')
expect_eq "member order" '["id","name","connector","connectorLabel","strategy","writeKeys","endpoint","createdAt","pipelines"]' "$(jget "$j" 'list(j.keys())')"
expect_eq "id format" 1 "$(printf %s "$id" | grep -cE '^[1-9A-HJ-NP-Za-km-z]{12}$')"
expect_eq "key format" 1 "$(printf %s "$key" | grep -cE '^[A-Za-z0-9]{32}$')"
expect_eq "name" "Segment prod" "$(jget "$j" 'j["name"]')"
expect_eq "connector" segment "$(jget "$j" 'j["connector"]')"
expect_eq "label" Segment "$(jget "$j" 'j["connectorLabel"]')"
expect_eq "strategy" null "$(jget "$j" 'j["strategy"]')"
expect_eq "endpoint" "$URL/v1/events" "$(jget "$j" 'j["endpoint"]')"
expect_eq "pipelines" "[]" "$(jget "$j" 'j["pipelines"]')"
expect_eq "createdAt" 1 "$(jget "$j" 'j["createdAt"]' | grep -cE '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z$')"

# Human output names the key and the endpoint.
check "source add (table)" kr source add "Web site" -c javascript
grep -q "^write key  *[A-Za-z0-9]\{32\}$" "$T/out" || fail "write key line: $(cat "$T/out")"
grep -q "^endpoint  *$URL/v1/events$" "$T/out" || fail "endpoint line"
grep -q "^strategy  *Conversion$" "$T/out" || fail "default strategy"

check "strategy" kr -j source add --strategy Fusion -c ios "iOS app"
expect_eq "strategy given" Fusion "$(jget "$(cat "$T/out")" 'j["strategy"]')"
check "connector label" kr -j source add -c dotnet "Backend"
expect_eq ".NET label" ".NET" "$(jget "$(cat "$T/out")" 'j["connectorLabel"]')"

# Errors of spec/pipelines.md §2.3, byte for byte.
expect_fail "duplicate name" 'krctl: a source named "Segment prod" already exists' kr source add "Segment prod"
expect_fail "empty name" 'krctl: name is empty' kr source add ""
expect_fail "bad connector" 'krctl: connector "kafka" does not exist; use one of segment, webhook, javascript, android, ios, dotnet, go, java, nodejs, python' kr source add -c kafka "K"
expect_fail "bad strategy" 'krctl: strategy "Merge" is not valid; use one of Conversion, Fusion, Isolation, Preservation' kr source add -c javascript --strategy Merge "JS2"
expect_fail "no strategies" 'krctl: connector "segment" does not support strategies' kr source add --strategy Fusion "S2"
expect_fail "invalid UTF-8" 'krctl: name contains invalid UTF-8 encoded characters' kr source add "$(printf 'bad\377name')"
long100=$(python3 -c 'print("é" * 100)')
long101=$(python3 -c 'print("é" * 101)')
check "100 runes" kr source add "$long100"
expect_fail "101 runes" 'krctl: name is longer than 100 runes' kr source add "$long101"
expect_fail "not found" 'krctl: source "nope" does not exist' kr source show nope

# A NUL byte can only arrive through the socket itself.
r=$(printf '%s\n' '{"v":1,"id":3,"cmd":"source.add","args":{"name":"a\u0000b"}}' | ctl_raw)
expect_eq "NUL name" '{"id":3,"ok":false,"error":{"code":"BadRequest","message":"name contains the NUL byte"}}' "$r"
r=$(printf '%s\n' '{"v":1,"id":4,"cmd":"source.add","args":{"name":"Segment prod"}}' | ctl_raw)
expect_eq "Conflict code" '{"id":4,"ok":false,"error":{"code":"Conflict","message":"a source named \"Segment prod\" already exists"}}' "$r"

# show by id and by name; list oldest first.
check "show by id" kr -j source show "$id"
expect_eq "show by id" "Segment prod" "$(jget "$(cat "$T/out")" 'j["name"]')"
check "list" kr -j source list
expect_eq "list order" '["Segment prod","Web site","iOS app","Backend"]' "$(jget "$(cat "$T/out")" '[s["name"] for s in j][:4]')"
check "list table" kr source list
expect_eq "list header" "ID            NAME" "$(head -n 1 "$T/out" | cut -c1-18)"

# rename: same rules, and the old name is free again.
check "rename" kr source rename "Segment prod" "Segment production"
expect_fail "rename conflict" 'krctl: a source named "Web site" already exists' kr source rename "Segment production" "Web site"
expect_fail "rename empty" 'krctl: name is empty' kr source rename "$id" ""
check "rename back" kr -j source rename "$id" "Segment prod"
expect_eq "renamed" "Segment prod" "$(jget "$(cat "$T/out")" 'j["name"]')"
check "rename to itself" kr source rename "$id" "Segment prod"

# A name may look like another source's id: ids are resolved first.
check "rm" kr source rm "Web site"
expect_eq "rm output" 1 "$(grep -c '^removed source .* "Web site"$' "$T/out")"
expect_fail "rm again" 'krctl: source "Web site" does not exist' kr source rm "Web site"
check "count" kr -j source list
expect_eq "after rm" 4 "$(jget "$(cat "$T/out")" 'len(j)')"
finish
