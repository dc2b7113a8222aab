#!/bin/sh
# Destinations: add with defaults and every option, list, show, set
# (--no-secret, --clear-headers, --no-gzip), enable, disable, rm (refused
# while send pipelines use it, --force); secrets, write keys and
# credential headers shown as *** in text, JSON and the log; send
# pipelines' objects; all of it kept across a restart
# (spec/destinations.md §2, §6.1; spec/pipelines.md §8.3).
. "$(dirname "$0")/lib.sh"
start_daemon

check "add" kr -j destination add "Warehouse B" --url http://127.0.0.1:9/v1/events \
    --header 'Authorization: Bearer tok-123' --header 'X-Team:  blue ' \
    --secret sec-456
j=$(cat "$T/out")
did=$(jget "$j" 'j["id"]')
expect_eq "member order" '["id","name","connector","url","headers","writeKey","secret","batchSize","timeout","maxInFlight","maxAge","gzip","enabled","createdAt","pipelines"]' "$(jget "$j" 'list(j.keys())')"
expect_eq "defaults" '["webhook",null,500,10,4,"24h",false,true,[]]' "$(jget "$j" '[j["connector"],j["writeKey"],j["batchSize"],j["timeout"],j["maxInFlight"],j["maxAge"],j["gzip"],j["enabled"],j["pipelines"]]')"
expect_eq "headers masked" '["Authorization: ***","X-Team: blue"]' "$(jget "$j" 'j["headers"]')"
expect_eq "secret masked" '***' "$(jget "$j" 'j["secret"]')"
expect_eq "id" 1 "$(printf '%s' "$did" | grep -cE '^[1-9A-HJ-NP-Za-km-z]{12}$')"

check "add segment" kr -j destination add Seg --url https://api.example.com/v1/batch \
    --connector segment --write-key wk-789 --batch-size 1 --timeout 120 \
    --max-in-flight 16 --max-age 7d --gzip
j=$(cat "$T/out")
expect_eq "options" '["segment","***",null,1,120,16,"7d",true]' "$(jget "$j" '[j["connector"],j["writeKey"],j["secret"],j["batchSize"],j["timeout"],j["maxInFlight"],j["maxAge"],j["gzip"]]')"

# Validation: each message names the bad field; nothing is added.
expect_fail "scheme" 'krctl: url "ftp://x/y" is not valid; it must start with http:// or https://' kr destination add D --url ftp://x/y
expect_fail "no host" 'krctl: url "http:///x" has no host' kr destination add D --url http:///x
expect_fail "long url" 'krctl: url is longer than 2048 bytes' kr destination add D --url "http://x/$(python3 -c 'print("a" * 2040)')"
expect_fail "port too high" 'krctl: url "http://x:99999/" is not valid: its port must be a number from 1 to 65535' kr destination add D --url http://x:99999/
expect_fail "port 0" 'krctl: url "http://x:0/" is not valid: its port must be a number from 1 to 65535' kr destination add D --url http://x:0/
expect_fail "port not a number" 'krctl: url "http://x:abc/" is not valid: its port must be a number from 1 to 65535' kr destination add D --url http://x:abc/
expect_fail "ipv6" 'krctl: url "http://[::1/" is not valid: bad IPv6 address' kr destination add D --url 'http://[::1/'
expect_fail "host" 'krctl: url "http://a%20b/" is not valid: bad hostname' kr destination add D --url 'http://a%20b/'
expect_fail "no url" "krctl: option --url is required; usage: krctl destination add name --url url [--connector webhook | segment] [--header 'Name: value']... [--write-key key] [--secret secret] [--batch-size n] [--timeout seconds] [--max-in-flight n] [--max-age duration] [--gzip]" kr destination add D
expect_fail "no url, checked before connecting" "krctl: option --url is required; usage: krctl destination add name --url url [--connector webhook | segment] [--header 'Name: value']... [--write-key key] [--secret secret] [--batch-size n] [--timeout seconds] [--max-in-flight n] [--max-age duration] [--gzip]" "$KRCTL" -s "$T/nosuch.sock" destination add D
r=$(printf '%s\n' '{"v":1,"id":8,"cmd":"destination.add","args":{"name":"D"}}' | ctl_raw)
expect_eq "no url on the socket" 'missing argument "url"' "$(jget "$r" 'j["error"]["message"]')"
check "url with credentials" kr -j destination add Cred --url 'http://user:pw@127.0.0.1:9/x?a=b@c'
expect_eq "url password masked" 'http://user:***@127.0.0.1:9/x?a=b@c' "$(jget "$(cat "$T/out")" 'j["url"]')"
check "url with a token" kr -j destination set Cred --url 'https://tok3n@127.0.0.1:9/'
expect_eq "url token masked" 'https://***@127.0.0.1:9/' "$(jget "$(cat "$T/out")" 'j["url"]')"
check "url with a token and an empty password" kr -j destination set Cred --url 'https://sk_live_abc:@127.0.0.1:9/v1'
expect_eq "token masked" 'https://***@127.0.0.1:9/v1' "$(jget "$(cat "$T/out")" 'j["url"]')"
expect_fail "refused url masked" 'krctl: url "http://u:***@x:0/" is not valid: its port must be a number from 1 to 65535' kr destination set Cred --url 'http://u:pw@x:0/'
expect_fail "no host after userinfo" 'krctl: url "http://***@:80/" has no host' kr destination set Cred --url 'http://u@:80/'
check "url with a token" kr -j destination set Cred --url 'https://tok3n@127.0.0.1:9/'
check "list masks the url" kr destination list
grep -q 'https://\*\*\*@127.0.0.1:9/' "$T/out" || fail "list: $(cat "$T/out")"
check "export has it in clear" kr catalog export
expect_eq "url in clear" '["https://tok3n@127.0.0.1:9/"]' "$(jget "$(cat "$T/out")" '[d["url"] for d in j["destinations"] if d["name"] == "Cred"]')"
check "rm cred" kr destination rm Cred
expect_fail "connector" 'krctl: connector "ftp" does not exist; use one of webhook, segment' kr destination add D --url http://x --connector ftp
expect_fail "reserved header" 'krctl: header "Content-Type" may not be set; krenalisd sets Content-Type, Content-Length, Content-Encoding, Host and X-Signature itself' kr destination add D --url http://x --header 'content-type: text/plain'
expect_fail "header form" 'krctl: headers[1] is not valid; use "Name: value"' kr destination add D --url http://x --header 'A: 1' --header 'no colon'
expect_fail "header name" 'krctl: header name "Bad Name" is not a valid HTTP header name' kr destination add D --url http://x --header 'Bad Name: 1'
expect_fail "21 headers" 'krctl: headers must be at most 20' kr destination add D --url http://x $(i=0; while [ $i -lt 21 ]; do printf -- '--header X%d:1 ' $i; i=$((i + 1)); done)
expect_fail "batch size" 'krctl: batchSize must be an integer from 1 to 1000' kr destination add D --url http://x --batch-size 1001
expect_fail "timeout" 'krctl: timeout must be an integer from 1 to 120' kr destination add D --url http://x --timeout 0
expect_fail "in flight" 'krctl: maxInFlight must be an integer from 1 to 16' kr destination add D --url http://x --max-in-flight 17
expect_fail "max age" 'krctl: maxAge "59s" is not valid; use a duration from 1m to 30d, such as 30m, 24h or 7d' kr destination add D --url http://x --max-age 59s
expect_fail "max age high" 'krctl: maxAge "31d" is not valid; use a duration from 1m to 30d, such as 30m, 24h or 7d' kr destination add D --url http://x --max-age 31d
expect_fail "not an integer" 'krctl: --timeout: "ten" is not an integer' kr destination add D --url http://x --timeout ten
expect_fail "write key on webhook" 'krctl: writeKey is only for the segment connector' kr destination add D --url http://x --write-key k
expect_fail "segment without key" 'krctl: the segment connector needs a writeKey' kr destination add D --url http://x --connector segment
expect_fail "empty secret" 'krctl: secret is empty' kr destination add D --url http://x --secret ''
expect_fail "name" 'krctl: name is empty' kr destination add '' --url http://x
expect_fail "taken" 'krctl: a destination named "Seg" already exists' kr destination add Seg --url http://x
r=$(printf '%s\n' '{"v":1,"id":9,"cmd":"destination.add","args":{"name":"Seg","url":"http://x"}}' | ctl_raw)
expect_eq "conflict code" Conflict "$(jget "$r" 'j["error"]["code"]')"
expect_fail "unknown" 'krctl: destination "nope" does not exist' kr destination show nope
check "list" kr -j destination list
expect_eq "two" '["Warehouse B","Seg"]' "$(jget "$(cat "$T/out")" '[d["name"] for d in j]')"

# Text forms.
check "show text" kr destination show "Warehouse B"
expect_eq "show header" "header         Authorization: ***" "$(grep '^header' "$T/out")"
expect_eq "show secret" "secret         ***" "$(grep '^secret' "$T/out")"
expect_eq "show timeout" "timeout        10s" "$(grep '^timeout' "$T/out")"
check "list text" kr destination list
expect_eq "list header" "ID            NAME         CONNECTOR  URL                               ENABLED  PIPELINES  QUEUED  DELIVERED  FAILED" "$(head -n 1 "$T/out")"
if grep -q 'tok-123\|sec-456\|wk-789' "$T/daemon.log" "$DATA"/*.log 2>/dev/null; then
	fail "a secret is in the log"
fi

# Send pipelines: kind, description and destination; import ones have null.
check "source" kr -j source add S
check "import" kr -j pipeline add S imp
expect_eq "import destination" null "$(jget "$(cat "$T/out")" 'j["destination"]')"
check "send" kr -j pipeline add S "Tracks to B" --send "Warehouse B" -F 'type is "track"'
j=$(cat "$T/out")
pid=$(jget "$j" 'j["id"]')
expect_eq "send object" '["Send events","Send events from Segment to Warehouse B","'"$did"'"]' "$(jget "$j" '[j["kind"],j["description"],j["destination"]]')"
expect_eq "send member order" '["id","name","source","kind","description","enabled","filter","filterText","requiredConsents","createdAt","destination"]' "$(jget "$j" 'list(j.keys())')"
check "show pipeline" kr pipeline show "Tracks to B"
expect_eq "destination line" "destination  $did" "$(grep '^destination' "$T/out")"
expect_fail "send to nothing" 'krctl: destination "nope" does not exist' kr pipeline add S x --send nope
expect_fail "import has none" "krctl: pipeline \"$(kr -j pipeline show imp | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')\" is not a send pipeline; only a send pipeline has a destination" kr pipeline set imp --send Seg
check "show users" kr -j destination show "Warehouse B"
expect_eq "users" '[{"id":"'"$pid"'","name":"Tracks to B","source":"'"$(kr -j source show S | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')"'"}]' "$(jget "$(cat "$T/out")" 'j["pipelines"]')"
check "move" kr -j pipeline set "Tracks to B" --send Seg
expect_eq "moved" "$(kr -j destination show Seg | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')" "$(jget "$(cat "$T/out")" 'j["destination"]')"
check "back" kr pipeline set "Tracks to B" --send "Warehouse B"

# set changes only what it names; an invalid set changes nothing.
check "set" kr -j destination set "Warehouse B" --no-secret --clear-headers --timeout 30 --max-age 90m
expect_eq "set" '[[],null,30,"90m",500]' "$(jget "$(cat "$T/out")" '[j["headers"],j["secret"],j["timeout"],j["maxAge"],j["batchSize"]]')"
check "set headers" kr -j destination set "Warehouse B" --header 'X-Api-Key: k1' --header 'X-A: b' --gzip
expect_eq "headers replaced" '["X-Api-Key: ***","X-A: b"]' "$(jget "$(cat "$T/out")" 'j["headers"]')"
check "no gzip" kr -j destination set "Warehouse B" --no-gzip --name "Warehouse B2"
expect_eq "renamed" '["Warehouse B2",false]' "$(jget "$(cat "$T/out")" '[j["name"],j["gzip"]]')"
expect_fail "bad set" 'krctl: batchSize must be an integer from 1 to 1000' kr destination set "Warehouse B2" --timeout 5 --batch-size 0
expect_fail "bad url on set" 'krctl: url "http://x:0/" is not valid: its port must be a number from 1 to 65535' kr destination set "Warehouse B2" --url http://x:0/
check "unchanged" kr -j destination show "Warehouse B2"
expect_eq "unchanged" 30 "$(jget "$(cat "$T/out")" 'j["timeout"]')"
expect_fail "rename taken" 'krctl: a destination named "Seg" already exists' kr destination set "Warehouse B2" --name Seg
expect_fail "set no option" 'krctl: destination set needs at least one option; usage: krctl destination set destination [--name name] [--url url] [--connector webhook | segment] [--header '"'Name: value'"'... | --clear-headers] [--write-key key | --no-write-key] [--secret secret | --no-secret] [--batch-size n] [--timeout seconds] [--max-in-flight n] [--max-age duration] [--gzip | --no-gzip]' kr destination set Seg
expect_fail "headers and clear" 'krctl: options --header and --clear-headers cannot be used together' kr destination set Seg --header 'A: 1' --clear-headers
expect_fail "gzip twice" 'krctl: option --gzip is given twice' kr destination add D --url http://x --gzip --gzip
r=$(printf '%s\n' '{"v":1,"id":9,"cmd":"destination.set","args":{"destination":"Seg","name":null,"headers":[1]}}' | ctl_raw)
expect_eq "headers are strings" 'argument "headers" must be an array of strings or null' "$(jget "$r" 'j["error"]["message"]')"
check "to webhook" kr -j destination set Seg --connector webhook --no-write-key
expect_eq "webhook" '["webhook",null]' "$(jget "$(cat "$T/out")" '[j["connector"],j["writeKey"]]')"

check "disable" kr -j destination disable Seg
expect_eq "disabled" false "$(jget "$(cat "$T/out")" 'j["enabled"]')"
check "enable" kr -j destination enable Seg
expect_eq "enabled" true "$(jget "$(cat "$T/out")" 'j["enabled"]')"
check "disable again" kr destination disable Seg

# Everything survives a restart.
kr -j destination list >"$T/before"
kr -j pipeline list >"$T/pbefore"
stop_daemon
KEEP_PORT=1 start_daemon
kr -j destination list >"$T/after"
kr -j pipeline list >"$T/pafter"
expect_eq "destinations kept" "$(cat "$T/before")" "$(cat "$T/after")"
expect_eq "pipelines kept" "$(cat "$T/pbefore")" "$(cat "$T/pafter")"

# rm: refused while used, naming the pipelines; --force takes them along.
expect_fail "rm used" 'krctl: destination "Warehouse B2" is used by the send pipeline "Tracks to B"; remove it first, or use --force' kr destination rm "Warehouse B2"
check "second user" kr pipeline add S "Also to B" --send "Warehouse B2"
expect_fail "rm used twice" 'krctl: destination "Warehouse B2" is used by the send pipelines "Tracks to B", "Also to B"; remove them first, or use --force' kr destination rm "Warehouse B2"
r=$(printf '%s\n' '{"v":1,"id":9,"cmd":"destination.rm","args":{"destination":"Seg","force":"yes"}}' | ctl_raw)
expect_eq "force must be a boolean" 'argument "force" must be true or false' "$(jget "$r" 'j["error"]["message"]')"
check "rm force" kr destination rm --force "Warehouse B2"
expect_eq "rm output" "removed destination $did \"Warehouse B2\" and its send pipelines \"Tracks to B\", \"Also to B\"" "$(cat "$T/out")"
check "pipelines left" kr -j pipeline list S
expect_eq "only the import pipeline" '["imp"]' "$(jget "$(cat "$T/out")" '[p["name"] for p in j]')"
check "seg" kr -j destination show Seg
sid=$(jget "$(cat "$T/out")" 'j["id"]')
check "rm unused" kr destination rm Seg
expect_eq "rm unused output" "removed destination $sid \"Seg\"" "$(cat "$T/out")"
check "none left" kr -j destination list
expect_eq "none left" '[]' "$(cat "$T/out")"
stop_daemon
KEEP_PORT=1 start_daemon
check "still none" kr -j pipeline list S
expect_eq "still only import" '["imp"]' "$(jget "$(cat "$T/out")" '[p["name"] for p in j]')"
finish
