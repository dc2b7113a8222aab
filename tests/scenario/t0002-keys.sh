#!/bin/sh
# Event write keys: list, add up to 20, rm, the last key stays
# (spec/pipelines.md §3).
. "$(dirname "$0")/lib.sh"
start_daemon

check "source add" kr -j source add "Segment prod"
id=$(jget "$(cat "$T/out")" 'j["id"]')
first=$(jget "$(cat "$T/out")" 'j["writeKeys"][0]')

check "key list" kr -j key list "Segment prod"
j=$(cat "$T/out")
expect_eq "key list shape" "[[\"key\",\"createdAt\",\"lastUsedAt\"]]" "$(jget "$j" '[list(k.keys()) for k in j]')"
expect_eq "never used" null "$(jget "$j" 'j[0]["lastUsedAt"]')"
expect_eq "first key" "$first" "$(jget "$j" 'j[0]["key"]')"

check "key add -j" kr -j key add "$id"
expect_eq "key add shape" '["key"]' "$(jget "$(cat "$T/out")" 'list(j.keys())')"
second=$(jget "$(cat "$T/out")" 'j["key"]')
check "key add" kr key add "Segment prod"
expect_eq "key add prints the key" 1 "$(grep -cE '^[A-Za-z0-9]{32}$' "$T/out")"

n=3
while [ $n -lt 20 ]; do
	check "key add $n" kr key add "$id" || break
	n=$((n + 1))
done
check "20 keys" kr -j key list "$id"
expect_eq "20 keys" 20 "$(jget "$(cat "$T/out")" 'len(j)')"
expect_eq "unique keys" 20 "$(jget "$(cat "$T/out")" 'len(set(k["key"] for k in j))')"
expect_eq "oldest first" "$first" "$(jget "$(cat "$T/out")" 'j[0]["key"]')"
expect_fail "21st key" "krctl: source \"$id\" already has 20 event write keys" kr key add "Segment prod"
r=$(printf '%s\n' "{\"v\":1,\"id\":1,\"cmd\":\"key.add\",\"args\":{\"source\":\"$id\"}}" | ctl_raw)
expect_eq "code" TooManyEventWriteKeys "$(jget "$r" 'j["error"]["code"]')"

expect_fail "rm unknown" "krctl: event write key \"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\" does not exist for source \"$id\"" kr key rm "$id" AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA

# A key of another source is not this source's key.
check "other source" kr -j source add "Other"
other=$(jget "$(cat "$T/out")" 'j["writeKeys"][0]')
expect_fail "rm foreign" "krctl: event write key \"$other\" does not exist for source \"$id\"" kr key rm "$id" "$other"
expect_fail "rm only key" "krctl: key cannot be deleted as it is the source's only key" kr key rm Other "$other"
r=$(printf '%s\n' "{\"v\":1,\"id\":2,\"cmd\":\"key.rm\",\"args\":{\"source\":\"Other\",\"key\":\"$other\"}}" | ctl_raw)
expect_eq "code" SingleEventWriteKey "$(jget "$r" 'j["error"]["code"]')"

check "rm second" kr key rm "Segment prod" "$second"
expect_eq "rm output" "removed key $second" "$(cat "$T/out")"
check "19 keys" kr -j key list "$id"
expect_eq "19 keys" 19 "$(jget "$(cat "$T/out")" 'len(j)')"
expect_eq "gone" 0 "$(grep -c "$second" "$T/out")"
check "show" kr -j source show "$id"
expect_eq "writeKeys" 19 "$(jget "$(cat "$T/out")" 'len(j["writeKeys"])')"
expect_fail "unknown source" 'krctl: source "nope" does not exist' kr key list nope
finish
