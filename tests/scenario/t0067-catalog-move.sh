#!/bin/sh
# krctl catalog export and import (spec/postgresql.md §7): a catalog moved
# to a fresh daemon keeps its ids and write keys, so an old key works
# there; an import that conflicts with what exists changes nothing.
. "$(dirname "$0")/lib.sh"
start_daemon

check "source" kr -j source add "Segment prod"
KEY=$(jget "$(cat "$T/out")" 'j["writeKeys"][0]')
check "source 2" kr source add -c javascript --strategy Fusion "Web"
check "key 2" kr key add Web
check "pipeline" kr pipeline add "Segment prod" tracks -F 'type is "track"' \
    -C or:analytics,ads
check "pipeline 2" kr pipeline add Web off --disabled
AUTH="Authorization: Bearer $KEY"
track m1
expect_eq "used" 200 "$(cat "$T/status")"

check "export" kr catalog export "$T/catalog.json"
doc=$(cat "$T/catalog.json")
expect_eq "format" '["krenalis-catalog",1]' "$(jget "$doc" '[j["format"],j["version"]]')"
expect_eq "members" '["format","version","exportedAt","sources"]' "$(jget "$doc" 'list(j.keys())')"
expect_eq "key objects" '["key","createdAt","lastUsedAt"]' "$(jget "$doc" 'list(j["sources"][0]["writeKeys"][0].keys())')"
check "export to stdout" kr catalog export
expect_eq "stdout" "$(jget "$doc" 'j["sources"]')" "$(jget "$(cat "$T/out")" 'j["sources"]')"
check "sources" kr -j source list
sources=$(cat "$T/out")
check "pipelines" kr -j pipeline list
pipelines=$(cat "$T/out")
check "keys" kr -j key list Web
keys=$(cat "$T/out")
stop_daemon || fail "daemon exit status"

# A fresh daemon on another data directory.
DATA=$T/var2
SOCK=$DATA/krenalisd.sock
start_daemon
check "other source" kr source add Other
check "other sources" kr -j source list
other=$(cat "$T/out")

# Conflicts fail the whole import and change nothing.
jget "$doc" 'dict(j, sources=j["sources"] + [dict(j["sources"][0], id="1111111111AA", writeKeys=[j["sources"][0]["writeKeys"][0]], pipelines=[], name="copy")])' >"$T/dup-key.json"
expect_fail "key used twice" "krctl: event write key \"$KEY\" is already used by source \"$(jget "$doc" 'j["sources"][0]["id"]')\"" kr catalog import "$T/dup-key.json"
jget "$doc" 'dict(j, sources=j["sources"] + [dict(j["sources"][0], id="1111111111AA", writeKeys=[], pipelines=[], name="Other")])' >"$T/dup-name.json"
expect_fail "name that exists" 'krctl: a source named "Other" already exists' kr catalog import "$T/dup-name.json"
jget "$doc" 'dict(j, sources=[dict(j["sources"][1], name="Web 2", writeKeys=[{"key":"x","createdAt":None}])])' >"$T/bad.json"
expect_fail "bad key" "krctl: catalog is not valid: source \"$(jget "$doc" 'j["sources"][1]["id"]')\": \"x\" is not an event write key" kr catalog import "$T/bad.json"
# A filter is the JSON form there: its text is no filter.
jget "$doc" 'dict(j, sources=[dict(j["sources"][0], pipelines=[dict(j["sources"][0]["pipelines"][0], filter="type is \"track\"")])])' >"$T/text.json"
expect_fail "filter text" "krctl: catalog is not valid: pipeline \"$(jget "$doc" 'j["sources"][0]["pipelines"][0]["id"]')\": filter is not valid: filter must be a JSON object or null" kr catalog import "$T/text.json"
# A NUL byte would end a string where it is read: refused, not cut short.
jget "$doc" 'dict(j, sources=[dict(j["sources"][0], id=j["sources"][0]["id"] + "\u0000x")])' >"$T/nul.json"
expect_fail "NUL in an id" 'krctl: catalog is not valid: "id" contains the NUL byte' kr catalog import "$T/nul.json"
jget "$doc" 'dict(j, sources=[dict(j["sources"][0], pipelines=[dict(j["sources"][0]["pipelines"][0], name="a\u0000b")])])' >"$T/nul.json"
expect_fail "NUL in a name" "krctl: catalog is not valid: pipeline \"$(jget "$doc" 'j["sources"][0]["pipelines"][0]["id"]')\": name contains the NUL byte" kr catalog import "$T/nul.json"
expect_fail "no file" "krctl: $T/nosuch.json: No such file or directory" kr catalog import "$T/nosuch.json"
expect_fail "a directory" "krctl: $T: Is a directory" kr catalog import "$T"
printf '{\n"format":\n' >"$T/cut.json"
expect_fail "not JSON" "krctl: $T/cut.json: line 3: unexpected token near end of file" kr catalog import "$T/cut.json"
echo '{"sources":[]}' >"$T/empty.json"
expect_fail "not a catalog" 'krctl: catalog is not valid: "format" must be "krenalis-catalog"' kr catalog import "$T/empty.json"
echo '[]' >"$T/array.json"
expect_fail "not an object" "krctl: catalog is not valid: $T/array.json is not a JSON object" kr catalog import "$T/array.json"
check "unchanged" kr -j source list
expect_eq "nothing imported" "$other" "$(cat "$T/out")"

check "import" kr catalog import "$T/catalog.json"
expect_eq "imported" "imported 2 sources, 3 write keys, 2 pipelines" "$(cat "$T/out")"
check "pipelines after" kr -j pipeline list
expect_eq "same pipelines" "$pipelines" "$(cat "$T/out")"
check "keys after" kr -j key list Web
expect_eq "same keys" "$keys" "$(cat "$T/out")"
check "sources after" kr -j source list
expect_eq "same sources" "$(jget "$sources" '[dict(s, endpoint=None) for s in j]')" \
    "$(jget "$(cat "$T/out")" '[dict(s, endpoint=None) for s in j[1:]]')"
track m2
expect_eq "old key works" 200 "$(cat "$T/status")"
check "stats" kr -j stats "Segment prod"
expect_eq "received there" 1 "$(jget "$(cat "$T/out")" 'j["sources"][0]["received"]')"
expect_fail "again" "krctl: source \"$(jget "$doc" 'j["sources"][0]["id"]')\" already exists" kr catalog import "$T/catalog.json"

# The imported catalog is in state.db: it survives a restart.
stop_daemon || fail "daemon exit status"
KEEP_PORT=1 start_daemon
check "after restart" kr -j pipeline list
expect_eq "kept" "$pipelines" "$(cat "$T/out")"

# With destinations: the export has them, secrets in clear, in a file
# only its owner reads, and an import sends as before.
check "destination" kr destination add B --url http://127.0.0.1:9/b \
    --header "Authorization: Bearer sekrit" --secret s3cr3t
check "disable" kr destination disable B
check "send pipeline" kr pipeline add "Segment prod" "to B" --send B
printf 'old\n' >"$T/catalog2.json"
chmod 644 "$T/catalog2.json"
check "export with destinations" kr catalog export "$T/catalog2.json"
doc=$(cat "$T/catalog2.json")
expect_eq "mode" 600 "$(stat -c %a "$T/catalog2.json")"
expect_eq "members with destinations" \
    '["format","version","exportedAt","sources","destinations"]' \
    "$(jget "$doc" 'list(j.keys())')"
expect_eq "secrets in clear" '[["Authorization: Bearer sekrit"],"s3cr3t"]' \
    "$(jget "$doc" '[j["destinations"][0]["headers"],j["destinations"][0]["secret"]]')"
check "destination shown" kr -j destination show B
dest=$(cat "$T/out")
check "pipelines with send" kr -j pipeline list
pipelines=$(cat "$T/out")
stop_daemon || fail "daemon exit status"
DATA=$T/var3
SOCK=$DATA/krenalisd.sock
start_daemon
check "import with destinations" kr catalog import "$T/catalog2.json"
expect_eq "imported with destinations" \
    "imported 3 sources, 4 write keys, 3 pipelines, 1 destinations" \
    "$(cat "$T/out")"
check "destination after" kr -j destination show B
expect_eq "same destination, masked" "$dest" "$(cat "$T/out")"
check "pipelines after import" kr -j pipeline list
expect_eq "same send pipeline" "$pipelines" "$(cat "$T/out")"
track m3
expect_eq "queued for B" 1 "$(sql "SELECT count(*) FROM krenalis_outbox
    WHERE destination_id = '$(jget "$dest" 'j["id"]')'")"
finish
