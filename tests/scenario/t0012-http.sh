#!/bin/sh
# CORS, preflight, the settings endpoints and /metrics
# (spec/ingest.md §3, §12, §13.2).
. "$(dirname "$0")/lib.sh"
start_daemon

check "web source" kr -j source add -c javascript --strategy Fusion "Web"
WKEY=$(jget "$(cat "$T/out")" 'j["writeKeys"][0]')
WID=$(jget "$(cat "$T/out")" 'j["id"]')
check "segment source" kr -j source add "Segment prod"
SKEY=$(jget "$(cat "$T/out")" 'j["writeKeys"][0]')
SID=$(jget "$(cat "$T/out")" 'j["id"]')
check "pipeline" kr -j pipeline add "Segment prod" all
PIPE=$(jget "$(cat "$T/out")" 'j["id"]')

# Preflight on an ingest path: no authentication, the CORS headers.
req OPTIONS /v1/batch -H "Origin: https://shop.example.com"
expect_http "preflight" 204 ""
expect_eq "ACAO echo" "https://shop.example.com" "$(header Access-Control-Allow-Origin)"
expect_eq "Vary" "Origin" "$(header Vary)"
expect_eq "methods" "POST" "$(header Access-Control-Allow-Methods)"
expect_eq "credentials" "true" "$(header Access-Control-Allow-Credentials)"
expect_eq "allow headers" "Authorization, Content-Type" "$(header Access-Control-Allow-Headers)"
expect_eq "max age" "86400" "$(header Access-Control-Max-Age)"
expect_eq "preflight cache" "public, max-age=86400, immutable" "$(header Cache-Control)"
[ -n "$(header Request-Id)" ] || fail "preflight Request-Id"
[ -z "$(header Pragma)" ] || fail "preflight carries Pragma"
req OPTIONS /v1/events/settings/whatever
expect_http "settings preflight" 204 ""
expect_eq "settings ACAO" "*" "$(header Access-Control-Allow-Origin)"
[ -z "$(header Vary)" ] || fail "Vary without Origin"
expect_eq "settings methods" "GET" "$(header Access-Control-Allow-Methods)"
expect_eq "settings max age" "900" "$(header Access-Control-Max-Age)"
expect_eq "settings cache" "public, max-age=900, immutable" "$(header Cache-Control)"

# Every /v1/ response carries CORS; errors carry no-cache and nosniff.
post /v1/t '{"event":"x"}' -H "Origin: https://a.example"
expect_eq "401 status" 401 "$(cat "$T/status")"
expect_eq "401 ACAO" "https://a.example" "$(header Access-Control-Allow-Origin)"
expect_eq "401 nosniff" "nosniff" "$(header X-Content-Type-Options)"
expect_eq "401 pragma" "no-cache" "$(header Pragma)"
expect_eq "401 expires" "0" "$(header Expires)"
post /v1/t '{"event":"x","userId":"u","messageId":"c-1"}' -H "Authorization: Bearer $SKEY"
expect_eq "200 ACAO" "*" "$(header Access-Control-Allow-Origin)"
expect_eq "200 no-store" "no-store, max-age=0" "$(header Cache-Control)"
req GET /v1/nowhere -H "Origin: https://a.example"
expect_eq "unknown /v1/ path" 404 "$(cat "$T/status")"
expect_eq "404 on /v1/ has CORS" "https://a.example" "$(header Access-Control-Allow-Origin)"
req GET /healthz -H "Origin: https://a.example"
[ -z "$(header Access-Control-Allow-Origin)" ] || fail "/healthz carries CORS"

# §12.1 Krenalis settings: only sources with a strategy.
req GET "/v1/events/settings/$WKEY"
expect_http "krenalis settings" 200 "{\"strategy\":\"Fusion\",\"integrations\":{\"Krenalis\":{\"apiKey\":\"$WKEY\"}}}"
expect_eq "settings type" "application/json" "$(header Content-Type)"
expect_eq "settings cache-control" "public, max-age=3600, stale-while-revalidate=10800" "$(header Cache-Control)"
req GET "/v1/events/settings/$SKEY"
expect_http "no strategy" 401 "$(errbody Unauthorized 'event write key in the path is invalid')"
req GET "/v1/events/settings/nope"
expect_http "unknown key" 401 "$(errbody Unauthorized 'event write key in the path is invalid')"
req POST "/v1/events/settings/$WKEY"
expect_eq "settings POST" 405 "$(cat "$T/status")"
expect_eq "settings Allow" "GET, HEAD, OPTIONS" "$(header Allow)"
req HEAD "/v1/events/settings/$WKEY"
expect_eq "settings HEAD" 200 "$(cat "$T/status")"

# §12.2 Segment CDN settings, for any connector.
req GET "/v1/projects/$SKEY/settings" -H "Host: events.example.com:8443" -H "X-Forwarded-Proto: https"
expect_http "segment settings" 200 "{\"integrations\":{\"Segment.io\":{\"apiKey\":\"$SKEY\",\"apiHost\":\"events.example.com:8443/v1\",\"protocol\":\"https\"}},\"plan\":{\"track\":{\"__default\":{\"enabled\":true,\"integrations\":{}}},\"identify\":{\"__default\":{\"enabled\":true}},\"group\":{\"__default\":{\"enabled\":true}}},\"metrics\":{\"sampleRate\":0},\"remotePlugins\":[]}"
req GET "/v1/projects/$WKEY/settings/"
expect_eq "plain http" "http" "$(jget "$(cat "$T/body")" 'j["integrations"]["Segment.io"]["protocol"]')"
expect_eq "host" "127.0.0.1:$PORT/v1" "$(jget "$(cat "$T/body")" 'j["integrations"]["Segment.io"]["apiHost"]')"
req GET "/v1/projects/nope/settings"
expect_http "segment unknown key" 401 "$(errbody Unauthorized 'event write key in the path is invalid')"
req GET "/v1/projects//settings"
expect_eq "empty key segment" 404 "$(cat "$T/status")"
req GET "/v1/projects/a/b/settings"
expect_eq "two segments" 404 "$(cat "$T/status")"

# /metrics: every source and pipeline, counters after commits.
post /v1/batch "[{\"type\":\"track\",\"event\":\"e\",\"userId\":\"u\",\"messageId\":\"m-1\"},{\"type\":\"track\",\"userId\":\"u\"},{\"type\":\"track\",\"event\":\"e\",\"userId\":\"u\",\"messageId\":\"m-1\"}]" -H "Authorization: Bearer $SKEY"
expect_eq "batch" 200 "$(cat "$T/status")"
req GET /metrics
expect_eq "metrics status" 200 "$(cat "$T/status")"
expect_eq "metrics type" "text/plain; version=0.0.4; charset=utf-8" "$(header Content-Type)"
m=$T/body
grep -q '^# TYPE krenalis_events_received_total counter$' "$m" || fail "TYPE line"
grep -q '^# HELP krenalis_events_received_total ' "$m" || fail "HELP line"
expect_eq "received" "krenalis_events_received_total{source=\"$SID\"} 4" "$(grep "^krenalis_events_received_total{source=\"$SID\"}" "$m")"
expect_eq "web received" "krenalis_events_received_total{source=\"$WID\"} 0" "$(grep "^krenalis_events_received_total{source=\"$WID\"}" "$m")"
expect_eq "stored" "krenalis_events_stored_total{source=\"$SID\"} 2" "$(grep "^krenalis_events_stored_total{source=\"$SID\"}" "$m")"
expect_eq "rejected" "krenalis_events_rejected_total{source=\"$SID\"} 1" "$(grep "^krenalis_events_rejected_total{source=\"$SID\"}" "$m")"
expect_eq "duplicates" "krenalis_events_duplicates_total{source=\"$SID\"} 1" "$(grep "^krenalis_events_duplicates_total{source=\"$SID\"}" "$m")"
expect_eq "finalize" "krenalis_pipeline_events_total{source=\"$SID\",pipeline=\"$PIPE\",step=\"finalize\",result=\"passed\"} 2" "$(grep "pipeline=\"$PIPE\",step=\"finalize\"" "$m")"
expect_eq "receive" "krenalis_pipeline_events_total{source=\"$SID\",pipeline=\"$PIPE\",step=\"receive\",result=\"passed\"} 3" "$(grep "pipeline=\"$PIPE\",step=\"receive\"" "$m")"
grep -q '^krenalis_store_commits_total [1-9]' "$m" || fail "commits"
grep -q '^krenalis_store_commit_failures_total 0$' "$m" || fail "commit failures"
grep -q '^krenalis_http_requests_total{route="/v1/batch",code="200"} 1$' "$m" || fail "http 200 count: $(grep http_requests "$m")"
grep -q '^krenalis_http_requests_total{route="/v1/projects/{writeKey}/settings",code="401"} 1$' "$m" || fail "settings route label"
grep -q '^krenalis_rate_limited_requests_total{source="'"$SID"'"} 0$' "$m" || fail "rate limited line"
req POST /metrics
expect_eq "metrics POST" 405 "$(cat "$T/status")"
expect_eq "metrics Allow" "GET, HEAD" "$(header Allow)"
other404() {
	req GET /metrics
	grep '^krenalis_http_requests_total{route="other",code="404"}' "$T/body" | awk '{ print $2 }'
}
before=$(other404)
req GET /nowhere
expect_eq "unknown paths count as other" $((before + 1)) "$(other404)"
# A deleted source disappears.
check "rm" kr source rm Web
req GET /metrics
grep -q "source=\"$WID\"" "$T/body" && fail "deleted source still in /metrics"
finish
