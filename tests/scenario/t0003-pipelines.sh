#!/bin/sh
# Pipelines: add (enabled by default, --disabled), list, show, set --name,
# enable, disable, rm; names and ambiguity (spec/pipelines.md §4, §8.3).
. "$(dirname "$0")/lib.sh"
start_daemon

check "source" kr -j source add "Segment prod"
sid=$(jget "$(cat "$T/out")" 'j["id"]')
check "source 2" kr source add -c nodejs "Backend"

check "pipeline add" kr -j pipeline add "Segment prod" "Import everything"
j=$(cat "$T/out")
pid=$(jget "$j" 'j["id"]')
expect_eq "member order" '["id","name","source","kind","description","enabled","filter","filterText","requiredConsents","createdAt","destination"]' "$(jget "$j" 'list(j.keys())')"
expect_eq "source" "$sid" "$(jget "$j" 'j["source"]')"
expect_eq "kind" "Import events into warehouse" "$(jget "$j" 'j["kind"]')"
expect_eq "description" "Import events from Segment into the data warehouse" "$(jget "$j" 'j["description"]')"
expect_eq "enabled by default" true "$(jget "$j" 'j["enabled"]')"
expect_eq "no filter" null "$(jget "$j" 'j["filter"]')"
expect_eq "no filter text" null "$(jget "$j" 'j["filterText"]')"
expect_eq "consents" '{"operator":"and","purposes":[]}' "$(jget "$j" 'j["requiredConsents"]')"

check "disabled" kr -j pipeline add Backend "Import backend" --disabled
expect_eq "disabled" false "$(jget "$(cat "$T/out")" 'j["enabled"]')"
expect_eq "Node.js description" "Import events from Node.js into the data warehouse" "$(jget "$(cat "$T/out")" 'j["description"]')"
check "same name" kr -j pipeline add Backend "Import everything"
other=$(jget "$(cat "$T/out")" 'j["id"]')

# Names: 1..60 runes; need not be unique, but then only ids resolve.
check "60 runes" kr pipeline add Backend "$(python3 -c 'print("ü" * 60)')"
expect_fail "61 runes" 'krctl: name is longer than 60 runes' kr pipeline add Backend "$(python3 -c 'print("ü" * 61)')"
expect_fail "empty" 'krctl: name is empty' kr pipeline add Backend ""
expect_fail "ambiguous" 'krctl: pipeline name "Import everything" is ambiguous; use the pipeline id' kr pipeline show "Import everything"
r=$(printf '%s\n' '{"v":1,"id":9,"cmd":"pipeline.show","args":{"pipeline":"Import everything"}}' | ctl_raw)
expect_eq "ambiguous code" BadRequest "$(jget "$r" 'j["error"]["code"]')"
expect_fail "not found" 'krctl: pipeline "nope" does not exist' kr pipeline show nope
expect_fail "unknown source" 'krctl: source "nope" does not exist' kr pipeline add nope "x"
check "show by id" kr -j pipeline show "$pid"
expect_eq "show by id" "$pid" "$(jget "$(cat "$T/out")" 'j["id"]')"

# list: of one source, or all grouped by source, in creation order.
check "list one" kr -j pipeline list Backend
expect_eq "list one" '["Import backend","Import everything"]' "$(jget "$(cat "$T/out")" '[p["name"] for p in j][:2]')"
check "list all" kr -j pipeline list
expect_eq "list all" 4 "$(jget "$(cat "$T/out")" 'len(j)')"
expect_eq "grouped" "$sid" "$(jget "$(cat "$T/out")" 'j[0]["source"]')"
check "list table" kr pipeline list "Segment prod"
expect_eq "table" "ID            SOURCE        NAME               ENABLED  FILTER" "$(head -n 1 "$T/out")"

# set, enable, disable (a no-op when unchanged), rm.
check "set name" kr -j pipeline set "$pid" --name "Import all"
expect_eq "renamed" "Import all" "$(jget "$(cat "$T/out")" 'j["name"]')"
expect_fail "set empty" 'krctl: name is empty' kr pipeline set "$pid" --name ""
check "set the same name" kr -j pipeline set "Import all" --name "Import all"
expect_eq "unchanged" "Import all" "$(jget "$(cat "$T/out")" 'j["name"]')"
check "disable" kr -j pipeline disable "Import all"
expect_eq "disabled" false "$(jget "$(cat "$T/out")" 'j["enabled"]')"
check "disable again" kr -j pipeline disable "Import all"
expect_eq "still disabled" false "$(jget "$(cat "$T/out")" 'j["enabled"]')"
check "enable" kr -j pipeline enable "$pid"
expect_eq "enabled" true "$(jget "$(cat "$T/out")" 'j["enabled"]')"
check "source shows pipelines" kr -j source show "Segment prod"
expect_eq "source pipelines" '["Import all"]' "$(jget "$(cat "$T/out")" '[p["name"] for p in j["pipelines"]]')"
check "rm" kr pipeline rm "$other"
expect_eq "rm output" "removed pipeline $other \"Import everything\"" "$(cat "$T/out")"
check "name resolves now" kr pipeline show "Import backend"

# Removing a source removes its pipelines.
check "rm source" kr source rm Backend
check "list after" kr -j pipeline list
expect_eq "left" '["Import all"]' "$(jget "$(cat "$T/out")" '[p["name"] for p in j]')"
finish
