#!/bin/sh
# Ingest: the seed story end to end, the seed payload's columns, and every
# request-level message of spec/ingest.md §16 that a request can meet
# before its events are decoded.
. "$(dirname "$0")/lib.sh"
start_daemon

check "source" kr -j source add "Segment prod"
KEY=$(jget "$(cat "$T/out")" 'j["writeKeys"][0]')
SID=$(jget "$(cat "$T/out")" 'j["id"]')
check "pipeline" kr pipeline add "Segment prod" all
AUTH="Authorization: Bearer $KEY"

# A Segment webhook batch: a bare array of 500 events.
python3 - >"$T/batch.json" <<'PY'
import json
ev = [{"type": "track", "event": "Workout Completed", "userId": "u%d" % i,
       "messageId": "batch-%d" % i, "properties": {"n": i}} for i in range(500)]
print(json.dumps(ev))
PY
req POST /v1/events -H "$AUTH" --data-binary "@$T/batch.json"
expect_http "500 events" 200 '{"success":true,"received":500,"accepted":500,"duplicates":0}'
expect_eq "content type" "application/json; charset=utf-8" "$(header Content-Type)"
expect_eq "no-store" "no-store, max-age=0" "$(header Cache-Control)"
expect_eq "rows" 500 "$(sql 'select count(*) from events')"
expect_eq "properties verbatim" '{"n":499}' "$(sql "select properties from events where message_id='batch-499'")"

# The seed page's example payload, as it stands.
sed -n '/```json/,/```/p' "$KRENALIS_TOP/../shared/seed/collect-events-from-segment.md" | sed '1d;$d' >"$T/seed.json"
if [ ! -s "$T/seed.json" ]; then
	# Without ../shared, the copy in the fixtures.
	cp "$KRENALIS_TOP/tests/fixtures/seed.json" "$T/seed.json"
fi
req POST /v1/events -H "$AUTH" --data-binary "@$T/seed.json"
expect_http "seed payload" 200 '{"success":true,"received":1,"accepted":1,"duplicates":0}'
row=$(sql "select connection_id, anonymous_id, context_browser_name, context_browser_version, context_ip, context_library_name, context_locale, context_os_name, context_os_version, context_page_path, context_page_title, context_page_url, context_screen_width, context_screen_height, context_screen_density, context_session_id, context_timezone, event, properties, sent_at, timestamp, type, user_id, traits from events where message_id='f9189a52-b37b-4d7d-9f2d-08b91d85fa9c'")
expect_eq "seed row" "$SID|b27c5d9f-92a7-4d30-b21a-4df21a6872c2|Safari|17.2.1|172.91.24.57|krenalis.js|en-US|macOS|14.5|/dashboard|User Dashboard|https://app.example.com/dashboard|3024|1964|2.0|1766272512048|America/Los_Angeles|Workout Completed|{\"workout_type\":\"Cardio\",\"duration_minutes\":45,\"calories_burned\":380,\"device\":\"Smartwatch\"}|2025-10-20T16:15:24.327Z|2025-10-20T16:15:24.010Z|track|703991475|{}" "$row"
# The client's receivedAt is replaced by the arrival time.
expect_eq "receivedAt is ours" 0 "$(sql "select count(*) from events where received_at like '2025-10-20%'")"

# Partly invalid batch: 200, exact errors, valid events stored, invalid quarantined.
post /v1/batch '{"batch":[{"type":"track","userId":"u1","messageId":"bad-1"},{"type":"track","event":"ok","userId":"u1","messageId":"good-1"},{"type":"bogus","messageId":"bad-2"},42],"sentAt":"2025-01-01T00:00:00Z"}' -H "$AUTH"
expect_http "invalid events" 200 '{"success":true,"received":4,"accepted":1,"duplicates":0,"rejected":[{"index":0,"messageId":"bad-1","error":"property '"'"'event'"'"' is required for a track event"},{"index":2,"messageId":"bad-2","error":"property '"'"'type'"'"' is not a valid event type"},{"index":3,"error":"expected an object for the event, but found number instead"}]}'
expect_eq "quarantine" "0|bad-1|{\"type\":\"track\",\"userId\":\"u1\",\"messageId\":\"bad-1\"}
2|bad-2|{\"type\":\"bogus\",\"messageId\":\"bad-2\"}
3||42" "$(sql "select batch_index, coalesce(message_id,''), raw from krenalis_rejected order by batch_index")"
expect_eq "good stored" 1 "$(sql "select count(*) from events where message_id='good-1'")"

# Single-event paths: the path gives the default type.
post /v1/identify '{"userId":"u9","traits":{"plan":"pro"},"messageId":"ident-1"}' -H "$AUTH"
expect_http "identify path" 200 '{"success":true,"received":1,"accepted":1,"duplicates":0}'
expect_eq "identify type" identify "$(sql "select type from events where message_id='ident-1'")"
post /v1/t '{"event":"Clicked","anonymousId":"a1","writeKey":"'"$KEY"'","messageId":"t-1"}' -H 'Content-Type: text/plain'
expect_http "body write key" 200 '{"success":true,"received":1,"accepted":1,"duplicates":0}'
post /v1/events/page '"just a string"' -H "$AUTH"
expect_http "non-object single event" 200 '{"success":true,"received":1,"accepted":0,"duplicates":0,"rejected":[{"index":0,"error":"expected an object for the event, but found string instead"}]}'

# Request-level messages (spec/ingest.md §16), in the order of §5.
E='{"type":"track","event":"e","userId":"u"}'
post /v1/events "$E" -H "$AUTH" -H "Authorization: Bearer $KEY"
expect_http "two Authorization headers" 400 "$(errbody BadRequest 'request contains multiple Authorization headers')"
INVALID='Authorization header is invalid; use \"Authorization: Bearer <KEY>\" or \"Authorization: Basic <BASE64(KEY:)>\" with an event write key'
post /v1/events "$E" -H "Authorization: Token $KEY"
expect_http "unknown scheme" 400 "$(errbody BadRequest "$INVALID")"
post /v1/events "$E" -H "Authorization: Bearer"
expect_http "no credential" 400 "$(errbody BadRequest "$INVALID")"
post /v1/events "$E" -H "Authorization: Basic !!!"
expect_http "bad base64" 400 "$(errbody BadRequest "$INVALID")"
post /v1/events "$E" -H "Authorization: Bearer AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
expect_http "unknown bearer" 401 "$(errbody Unauthorized 'event write key in the Authorization header is not valid')"
[ -z "$(header WWW-Authenticate)" ] || fail "401 carries WWW-Authenticate"
post /v1/events "$E" -H "Authorization: Basic $(printf 'nope:' | base64)"
expect_http "unknown basic" 401 "$(errbody Unauthorized 'event write key in the Basic Authorization header is not valid')"
post /v1/events '[{"type":"track","event":"e","userId":"u","messageId":"basic-1"}]' -H "Authorization: basic $(printf '%s:' "$KEY" | base64)"
expect_http "basic, any case" 200 '{"success":true,"received":1,"accepted":1,"duplicates":0}'
post /v1/events '[{"type":"track","event":"e","userId":"u","messageId":"basic-2"}]' -H "Authorization: Basic $(printf '%s' "$KEY" | base64 | tr -d =)"
expect_http "basic without colon or padding" 200 '{"success":true,"received":1,"accepted":1,"duplicates":0}'
post /v1/events "$E" -H "$AUTH" -H "Content-Type: application/json; charset=latin1"
expect_http "charset" 400 "$(errbody BadRequest "request's content type charset must be 'utf-8'")"
post /v1/events '[{"type":"track","event":"e","userId":"u","messageId":"cs-1"}]' -H "$AUTH" -H 'Content-Type: application/json; Charset="UTF8"'
expect_eq "quoted utf8 charset" 200 "$(cat "$T/status")"
post /v1/events "$E" -H "$AUTH" -H "X-Forwarded-For: not-an-ip"
expect_http "X-Forwarded-For" 400 "$(errbody BadRequest "address specified in the 'X-Forwarded-For' header is not a valid IP address")"
post /v1/events "$E" -H "$AUTH" -H "Content-Encoding: br"
expect_http "encoding" 415 "$(errbody UnsupportedMediaType 'content encoding \"br\" is not supported')"
post /v1/events "$E" -H "$AUTH" -H "Content-Encoding: gzip, br"
expect_http "encoding list" 415 "$(errbody UnsupportedMediaType 'content encoding \"gzip, br\" is not supported')"
# Content-Encoding lines are one list (RFC 9110 §5.3): two are refused
# as it, whatever the body; a blank line is not part of it.
printf '[{"type":"track","event":"e","userId":"u","messageId":"ce-%s"}]' 1 | gzip >"$T/ce.gz"
req POST /v1/events --data-binary "@$T/ce.gz" -H "$AUTH" -H "Content-Encoding: identity" -H "Content-Encoding: gzip"
expect_http "two encodings" 415 "$(errbody UnsupportedMediaType 'content encoding \"identity, gzip\" is not supported')"
req POST /v1/events --data-binary "@$T/ce.gz" -H "$AUTH" -H "Content-Encoding: gzip" -H "Content-Encoding: br"
expect_http "gzip, then br" 415 "$(errbody UnsupportedMediaType 'content encoding \"gzip, br\" is not supported')"
req POST /v1/events --data-binary "@$T/ce.gz" -H "$AUTH" -H "Content-Encoding;" -H "Content-Encoding: gzip" -H "Content-Encoding;"
expect_http "blank encodings" 200 '{"success":true,"received":1,"accepted":1,"duplicates":0}'
# A message that quotes what the client sent is always answered, whole:
# bytes that are not UTF-8 become U+FFFD, a long value is not cut, and a
# member name is cut at 60 bytes between two characters.
post /v1/events "$E" -H "$AUTH" -H "$(printf 'Content-Encoding: x\377y')"
expect_http "encoding not UTF-8" 415 "$(errbody UnsupportedMediaType "$(printf 'content encoding \\"x\357\277\275y\\" is not supported')")"
long=$(printf '%02000d' 0)
post /v1/events "$E" -H "$AUTH" -H "Content-Encoding: $long"
expect_http "long encoding" 415 "$(errbody UnsupportedMediaType "content encoding \\\"$long\\\" is not supported")"
name="a$(printf '\303\251%.0s' $(seq 1 40))"
post /v1/batch "{\"$name\":1,\"$name\":2}" -H "$AUTH"
expect_http "duplicate member cut" 400 "$(errbody BadRequest "error parsing the request body as JSON: duplicate member \\\"a$(printf '\303\251%.0s' $(seq 1 29))\\\" at offset 87")"
post /v1/events "" -H "$AUTH"
expect_http "empty body" 400 "$(errbody BadRequest "request's body is empty")"
post /v1/events "$(printf '\357\273\277 \r\n\t')" -H "$AUTH"
expect_http "BOM and blanks" 400 "$(errbody BadRequest "request's body is empty")"
for bad in '{"a":1' '[1,2,]' '{"a":1,"a":2}' '[1] [2]' '{"type":"track" "x":1}' "$(printf '"\377"')"; do
	post /v1/events "$bad" -H "$AUTH"
	expect_eq "syntax [$bad] status" 400 "$(cat "$T/status")"
	case "$(cat "$T/body")" in
	'{"error":{"code":"BadRequest","message":"error parsing the request body as JSON: '*) ;;
	*) fail "syntax [$bad] body: $(cat "$T/body")" ;;
	esac
done
deep=$(python3 -c 'print("[" * 2049 + "]" * 2049)')
post /v1/events "$deep" -H "$AUTH"
expect_eq "nesting 2049" 400 "$(cat "$T/status")"
ok=$(python3 -c 'print("[{\"type\":\"track\",\"event\":\"deep\",\"userId\":\"u\",\"messageId\":\"deep-1\",\"properties\":{\"a\":" + "[" * 2045 + "]" * 2045 + "}}]")')
post /v1/events "$ok" -H "$AUTH"
expect_eq "nesting 2048" 200 "$(cat "$T/status")"
post /v1/events '[{"type":"track","event":"n","userId":"u","messageId":"num-1","properties":{"big":123456789012345678901234567890,"huge":1e400,"nul":"a\u0000b"}}]' -H "$AUTH"
expect_eq "big numbers" 200 "$(cat "$T/status")"
expect_eq "big numbers verbatim" '{"big":123456789012345678901234567890,"huge":1e400,"nul":"a\u0000b"}' "$(sql "select properties from events where message_id='num-1'")"
post /v1/events '"text"' -H "$AUTH"
expect_http "scalar body" 400 "$(errbody BadRequest "request's content is not a valid JSON object or array")"
post /v1/events '{"batch":{}}' -H "$AUTH"
expect_http "batch not array" 400 "$(errbody BadRequest "property 'batch' is not a valid array")"
post /v1/events '{"batch":null}' -H "$AUTH"
expect_http "batch null" 400 "$(errbody BadRequest "property 'batch' is not a valid array")"
post /v1/events '[]' -H "$AUTH"
expect_http "empty bare batch" 400 "$(errbody BadRequest 'batch must contain at least one event')"
post /v1/events '{"batch":[]}' -H "$AUTH"
expect_http "empty envelope" 400 "$(errbody BadRequest 'batch must contain at least one event')"
post /v1/batch '{"batch":[{}],"sentAt":5}' -H "$AUTH"
expect_http "sentAt type" 400 "$(errbody BadRequest "property 'sentAt' is not a valid string")"
post /v1/batch '{"batch":[{}],"sentAt":""}' -H "$AUTH"
expect_http "sentAt empty" 400 "$(errbody BadRequest "property 'sentAt' is not a valid ISO 8601 timestamp")"
post /v1/batch '{"batch":[{}],"sentAt":"0000-01-01T00:00:00Z"}' -H "$AUTH"
expect_http "sentAt year" 400 "$(errbody BadRequest "property 'sentAt' has an invalid year value")"
# The envelope's members come before the batch's size (§8.1).
post /v1/batch '{"batch":[],"sentAt":""}' -H "$AUTH"
expect_http "sentAt before size" 400 "$(errbody BadRequest "property 'sentAt' is not a valid ISO 8601 timestamp")"
post /v1/batch '{"batch":[],"writeKey":""}'
expect_http "writeKey before size" 400 "$(errbody BadRequest "property 'writeKey' cannot be empty")"
post /v1/batch '{"batch":[{}],"context":null}' -H "$AUTH"
expect_http "context null" 400 "$(errbody BadRequest "property 'context' is not a valid object")"
post /v1/batch '{"batch":[{}],"context":{"ip":5}}' -H "$AUTH"
expect_http "context member" 400 "$(errbody BadRequest "property 'context.ip' is not a valid string")"
post /v1/events "$E"
expect_http "no key at all" 401 "$(errbody Unauthorized 'Authorization header is missing')"
post /v1/events "[$E]"
expect_http "array has no body key" 401 "$(errbody Unauthorized 'Authorization header is missing')"
post /v1/batch '{"batch":[{}],"writeKey":7}'
expect_http "writeKey type" 400 "$(errbody BadRequest "property 'writeKey' is not a valid string")"
post /v1/batch '{"batch":[{}],"writeKey":""}'
expect_http "writeKey empty" 400 "$(errbody BadRequest "property 'writeKey' cannot be empty")"
post /v1/batch '{"batch":[{}],"writeKey":"nope"}'
expect_http "writeKey unknown" 401 "$(errbody Unauthorized 'the event write key in the request body does not exist')"
# The header wins over the body key, whatever its value.
post /v1/batch '{"batch":[{"type":"track","event":"e","userId":"u","messageId":"hw-1"}],"writeKey":7}' -H "$AUTH"
expect_http "header wins" 200 '{"success":true,"received":1,"accepted":1,"duplicates":0}'
# Query strings are ignored: ?writeKey= is not authentication.
post "/v1/events?writeKey=$KEY" "$E"
expect_http "query key ignored" 401 "$(errbody Unauthorized 'Authorization header is missing')"
post /v1/import/ '{"batch":[{"type":"track","event":"e","userId":"u","messageId":"imp-1"}]}' -H "$AUTH"
expect_eq "trailing slash" 200 "$(cat "$T/status")"
post /v1/import// "$E" -H "$AUTH"
expect_http "two slashes" 404 "$(errbody NotFound '')"
req GET /v1/events -H "$AUTH"
expect_http "GET on ingest" 405 "$(errbody MethodNotAllowed 'Method not allowed')"
expect_eq "Allow" "POST, OPTIONS" "$(header Allow)"

# Revocation applies to the next request.
check "key add" kr -j key add "Segment prod"
K2=$(jget "$(cat "$T/out")" 'j["key"]')
post /v1/events '[{"type":"track","event":"e","userId":"u","messageId":"k2-1"}]' -H "Authorization: Bearer $K2"
expect_eq "new key works" 200 "$(cat "$T/status")"
check "key rm" kr key rm "Segment prod" "$K2"
post /v1/events '[{"type":"track","event":"e","userId":"u","messageId":"k2-2"}]' -H "Authorization: Bearer $K2"
expect_http "revoked key" 401 "$(errbody Unauthorized 'event write key in the Authorization header is not valid')"
check "key list" kr -j key list "Segment prod"
case "$(jget "$(cat "$T/out")" 'j[0]["lastUsedAt"]')" in
20*Z) ;;
*) fail "lastUsedAt not recorded: $(cat "$T/out")" ;;
esac

# Counters: the invariants of spec/pipelines.md §6.
check "stats" kr -j stats "Segment prod"
j=$(cat "$T/out")
expect_eq "received = accepted + duplicates + rejected" true "$(jget "$j" '(lambda s: s["received"] == s["accepted"] + s["duplicates"] + s["rejected"])(j["sources"][0])')"
expect_eq "accepted = stored + filtered" true "$(jget "$j" '(lambda s: s["accepted"] == s["stored"] + s["filtered"])(j["sources"][0])')"
expect_eq "stored = rows" "$(sql 'select count(*) from events')" "$(jget "$j" 'j["sources"][0]["stored"]')"
expect_eq "rejected = quarantine" "$(sql 'select count(*) from krenalis_rejected')" "$(jget "$j" 'j["sources"][0]["rejected"]')"
expect_eq "pipeline stored" "$(sql 'select count(*) from events')" "$(jget "$j" 'j["sources"][0]["pipelines"][0]["stored"]')"
check "stats table" kr stats
grep -q "^SOURCE  *NAME  *RECEIVED  *ACCEPTED" "$T/out" || fail "stats table: $(cat "$T/out")"
kill -0 "$PID" || fail "daemon died"
finish
