#!/bin/sh
# Segment's and RudderStack's own Node.js SDKs (@segment/analytics-node,
# @rudderstack/rudder-sdk-node), pointed at the daemon with a write key,
# deliver every event unchanged (spec/ingest.md §6, §7, §8, §17;
# spec/events.md §6, §11.3, §13-14): a track, identify, page, group, screen
# and alias from each SDK arrive once, with their ids, names, properties and
# traits byte for byte, timestamps corrected as specified, and the SDK's
# library name.  rudder-sdk-node gzips its batches; curl adds a gzip body
# labelled text/plain and two other odd content types.
#
# The SDKs are installed once, pinned, into tests/scenario/.sdk-cache/
# (ignored by git).  Without node 20 or later and npm the test is skipped
# (a failure when CI=true).  sdk/send.js does the sending; it writes every
# request and answer to requests.log, printed when something fails.
. "$(dirname "$0")/lib.sh"

SEG_VERSION=3.1.0
RUD_VERSION=3.0.13
HERE=$TOP/tests/scenario
CACHE=$HERE/.sdk-cache/segment-$SEG_VERSION-rudder-$RUD_VERSION

for tool in node npm; do
	command -v $tool >/dev/null 2>&1 || skip "$tool is not installed"
done
major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null)
[ "${major:-0}" -ge 20 ] ||
    skip "node $(node --version 2>/dev/null) is older than 20 (needed by @segment/analytics-node $SEG_VERSION)"

# Install into a private directory and move it into place, so that an
# interrupted or concurrent install never leaves a half-filled cache.
installed() {
	[ -f "$CACHE/node_modules/@segment/analytics-node/package.json" ] &&
	    [ -f "$CACHE/node_modules/@rudderstack/rudder-sdk-node/package.json" ]
}
if ! installed; then
	tmp=$HERE/.sdk-cache/tmp.$$
	rm -rf "$tmp"
	mkdir -p "$tmp"
	echo '{"private":true}' >"$tmp/package.json"
	if ! (cd "$tmp" && npm install --no-audit --no-fund --ignore-scripts \
	    --save-exact "@segment/analytics-node@$SEG_VERSION" \
	    "@rudderstack/rudder-sdk-node@$RUD_VERSION") >"$T/npm.log" 2>&1
	then
		rm -rf "$tmp"
		echo "FAIL: npm install of the SDKs failed:"
		tail -n 20 "$T/npm.log"
		exit 1
	fi
	if [ -d "$CACHE" ]; then
		rm -rf "$tmp"	# another run was faster
	else
		mv "$tmp" "$CACHE"
	fi
	installed || { echo "FAIL: SDKs missing from $CACHE"; exit 1; }
fi

start_daemon
DB=$DATA/warehouse.db

check "segment source" kr -j source add -c nodejs "Node backend"
SEG_SOURCE=$(jget "$(cat "$T/out")" 'j["id"]')
SEG_KEY=$(jget "$(cat "$T/out")" 'j["writeKeys"][0]')
check "rudder source" kr -j source add -c nodejs "Rudder backend"
RUD_SOURCE=$(jget "$(cat "$T/out")" 'j["id"]')
RUD_KEY=$(jget "$(cat "$T/out")" 'j["writeKeys"][0]')
check "segment pipeline" kr pipeline add "Node backend" all
check "rudder pipeline" kr pipeline add "Rudder backend" all

mkdir -p "$T/sdk"
to=
command -v timeout >/dev/null 2>&1 && to="timeout 60"
KR_URL=$URL OUT=$T/sdk NODE_PATH=$CACHE/node_modules \
    SEG_KEY=$SEG_KEY SEG_SOURCE=$SEG_SOURCE SEG_VERSION=$SEG_VERSION \
    RUD_KEY=$RUD_KEY RUD_SOURCE=$RUD_SOURCE RUD_VERSION=$RUD_VERSION \
    $to node "$HERE/sdk/send.js" >"$T/send.out" 2>&1
rc=$?
if [ $rc -ne 0 ]; then
	fail "send.js exited with status $rc:"
	cat "$T/send.out"
	echo "--- requests and responses"
	cat "$T/sdk/requests.log" 2>/dev/null
fi
touch "$T/sdk/summary.txt" "$T/sdk/expect.tsv"

# What went over the wire, as the relay saw it: every request answered 200,
# nothing rejected.  analytics-node sends one JSON batch; rudder-sdk-node
# sends its first call at once and the other five in a second batch, both
# gzip-compressed (checked on the bytes) and labelled by axios as
# application/x-www-form-urlencoded.
expect_eq "segment requests" "segment requests=1 gzip=0 status=200 accepted=6 duplicates=0 rejected=0 content-types=application/json" \
    "$(grep '^segment ' "$T/sdk/summary.txt")"
expect_eq "rudder requests" "rudder requests=2 gzip=2 status=200,200 accepted=6 duplicates=0 rejected=0 content-types=application/x-www-form-urlencoded" \
    "$(grep '^rudder ' "$T/sdk/summary.txt")"

# Every event, column by column (expectations written by send.js); after a
# failed "stored once" the other checks of that event are skipped.
tab=$(printf '\t')
n=0
bad=
while IFS=$tab read -r mid what expr want; do
	[ -n "$mid" ] && [ "$mid" != "$bad" ] || continue
	got=$(sqlite3 -nullvalue '(null)' "$DB" "SELECT $expr FROM events WHERE message_id = '$mid'" 2>&1)
	expect_eq "$mid: $what" "$want" "$got" || { [ "$what" = "stored once" ] && bad=$mid; }
	n=$((n + 1))
done <"$T/sdk/expect.tsv"
[ $n -ge 200 ] || fail "only $n column checks were written"

# curl: a gzip body labelled text/plain (Basic auth, as rudder-sdk-node), a
# form-urlencoded one and one with no Content-Type (writeKey in the body).
printf '%s' '{"batch":[{"type":"track","event":"Curl Gzip","userId":"u-curl","messageId":"curl-gzip-0001","properties":{"a":1.5,"b":{"c":[1,2,{"d":null}]},"n":42}}],"sentAt":"2025-03-04T05:06:08.000Z"}' |
    gzip -c >"$T/body.gz"
r=$(curl -sS "$URL/v1/batch" -u "$RUD_KEY:" -H 'Content-Type: text/plain' \
    -H 'Content-Encoding: gzip' --data-binary @"$T/body.gz")
expect_eq "gzip text/plain" '{"success":true,"received":1,"accepted":1,"duplicates":0}' "$r"
r=$(curl -sS "$URL/v1/track" -H 'Content-Type: application/x-www-form-urlencoded' \
    --data-binary '{"writeKey":"'"$SEG_KEY"'","event":"Curl Form","anonymousId":"a-curl","messageId":"curl-form-0001","properties":{"x":0.5}}')
expect_eq "form-urlencoded" '{"success":true,"received":1,"accepted":1,"duplicates":0}' "$r"
r=$(curl -sS "$URL/v1/identify" -H 'Content-Type:' \
    --data-binary '{"writeKey":"'"$SEG_KEY"'","userId":"u-curl","messageId":"curl-none-0001","traits":{"k":[true,false]}}')
expect_eq "no content type" '{"success":true,"received":1,"accepted":1,"duplicates":0}' "$r"
q() {
	sqlite3 -nullvalue '(null)' "$DB" "$1"
}
expect_eq "curl gzip row" "$RUD_SOURCE|track|Curl Gzip|u-curl|{\"a\":1.5,\"b\":{\"c\":[1,2,{\"d\":null}]},\"n\":42}|{}|2025-03-04T05:06:08.000Z" \
    "$(q "SELECT connection_id, type, event, user_id, properties, traits, sent_at FROM events WHERE message_id = 'curl-gzip-0001'")"
expect_eq "curl form row" "$SEG_SOURCE|track|Curl Form|a-curl|{\"x\":0.5}" \
    "$(q "SELECT connection_id, type, event, anonymous_id, properties FROM events WHERE message_id = 'curl-form-0001'")"
expect_eq "curl no-type row" "$SEG_SOURCE|identify|u-curl|(null)|{\"k\":[true,false]}" \
    "$(q "SELECT connection_id, type, user_id, properties, traits FROM events WHERE message_id = 'curl-none-0001'")"

# Totals: 6 events per SDK, 3 by curl, nothing else and nothing rejected.
expect_eq "per library" "(null)|3
@segment/analytics-node|6
analytics-node|6" "$(q "SELECT context_library_name, count(*) FROM events GROUP BY 1 ORDER BY 1")"
expect_eq "per source" "$(printf '%s\n' "$SEG_SOURCE|8" "$RUD_SOURCE|7" | sort)" \
    "$(q "SELECT connection_id, count(*) FROM events GROUP BY 1" | sort)"
expect_eq "distinct ids" 15 "$(q "SELECT count(DISTINCT message_id) FROM events")"
expect_eq "rejected" 0 "$(q "SELECT count(*) FROM krenalis_rejected")"
if [ $failures -ne 0 ] && [ $rc -eq 0 ]; then
	echo "--- requests and responses"
	cat "$T/sdk/requests.log"
fi
finish
