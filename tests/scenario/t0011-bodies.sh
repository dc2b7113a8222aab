#!/bin/sh
# Bodies: gzip (valid, several members, corrupt, trailing garbage, bomb),
# the size limits of spec/ingest.md §7.3, and per-event size.
. "$(dirname "$0")/lib.sh"
conf=$T/k.conf
cat >"$conf" <<CONF
max_body_bytes = 2097152
max_event_bytes = 4096
max_batch_events = 1000
rate_limit_burst = 1000
CONF
start_daemon -f "$conf"
check "source" kr -j source add "S"
KEY=$(jget "$(cat "$T/out")" 'j["writeKeys"][0]')
check "pipeline" kr pipeline add S all
AUTH="Authorization: Bearer $KEY"
GZ="Content-Encoding: gzip"

printf '[{"type":"track","event":"g","userId":"u","messageId":"gz-1"}]' | gzip >"$T/a.gz"
req POST /v1/batch -H "$AUTH" -H "$GZ" --data-binary "@$T/a.gz"
expect_http "gzip" 200 '{"success":true,"received":1,"accepted":1,"duplicates":0}'
req POST /v1/batch -H "$AUTH" -H "Content-Encoding:  X-GZIP " -H "Content-Type: text/plain" --data-binary "@$T/a.gz"
expect_http "x-gzip, any case" 200 '{"success":true,"received":1,"accepted":0,"duplicates":1}'
# Two concatenated members make one body.
printf '[{"type":"track","event":"g","userId":"u","messageId":"gz-2"},' | gzip >"$T/m.gz"
printf '{"type":"track","event":"g","userId":"u","messageId":"gz-3"}]' | gzip >>"$T/m.gz"
req POST /v1/batch -H "$AUTH" -H "$GZ" --data-binary "@$T/m.gz"
expect_http "two members" 200 '{"success":true,"received":2,"accepted":2,"duplicates":0}'

BADGZ=$(errbody UnsupportedMediaType "request's body is not valid gzip data")
printf 'not gzip at all' >"$T/bad"
req POST /v1/batch -H "$AUTH" -H "$GZ" --data-binary "@$T/bad"
expect_http "not gzip" 415 "$BADGZ"
head -c 20 "$T/a.gz" >"$T/trunc.gz"
req POST /v1/batch -H "$AUTH" -H "$GZ" --data-binary "@$T/trunc.gz"
expect_http "truncated gzip" 415 "$BADGZ"
python3 -c '
import sys
d = bytearray(open(sys.argv[1], "rb").read())
d[-6] ^= 0xff                  # break the CRC
open(sys.argv[2], "wb").write(d)' "$T/a.gz" "$T/crc.gz"
req POST /v1/batch -H "$AUTH" -H "$GZ" --data-binary "@$T/crc.gz"
expect_http "bad CRC" 415 "$BADGZ"
cat "$T/a.gz" >"$T/trail.gz"; printf 'junk' >>"$T/trail.gz"
req POST /v1/batch -H "$AUTH" -H "$GZ" --data-binary "@$T/trail.gz"
expect_http "trailing garbage" 415 "$BADGZ"
: >"$T/empty.gz"
req POST /v1/batch -H "$AUTH" -H "$GZ" --data-binary "@$T/empty.gz"
expect_http "empty gzip body" 415 "$BADGZ"

# Over 1 MiB inflated and more than 100 times the compressed size.
head -c 1900000 /dev/zero | gzip -9 >"$T/ratio.gz"
req POST /v1/batch -H "$AUTH" -H "$GZ" --data-binary "@$T/ratio.gz"
expect_http "ratio" 413 "$(errbody PayloadTooLarge "request's body exceeds the decompression ratio limit of 100")"
# A gzip bomb: 1 GB of zeros in about 1 MB; inflating stops at the limit.
head -c 1000000000 /dev/zero | gzip -1 >"$T/bomb.gz"
start=$(date +%s)
req POST /v1/batch -H "$AUTH" -H "$GZ" --data-binary "@$T/bomb.gz"
expect_eq "bomb status" 413 "$(cat "$T/status")"
[ $(( $(date +%s) - start )) -le 5 ] || fail "the bomb took more than 5 s"
rss=$(awk '/VmHWM/ { print $2 }' /proc/$PID/status)
[ "$rss" -lt 200000 ] || fail "peak RSS $rss kB after the bomb"
# Compressible but within the ratio, yet over the size limit once inflated.
python3 -c '
import json, random
random.seed(1)
print(json.dumps([{"type":"track","event":"e","userId":"u","properties":{"r":"%032x" % random.getrandbits(128)}} for i in range(40000)]))' | gzip >"$T/big.gz"
req POST /v1/batch -H "$AUTH" -H "$GZ" --data-binary "@$T/big.gz"
expect_http "inflated over the limit" 413 "$(errbody PayloadTooLarge "request's body exceeds the limit of 2097152 bytes")"

# Plain bodies: the declared length, and the length as read (chunked).
head -c 2097153 /dev/zero | tr '\0' ' ' >"$T/big.txt"
req POST /v1/batch -H "$AUTH" --data-binary "@$T/big.txt"
expect_http "Content-Length over the limit" 413 "$(errbody PayloadTooLarge "request's body exceeds the limit of 2097152 bytes")"
req POST /v1/batch -H "$AUTH" -H "Transfer-Encoding: chunked" --data-binary "@$T/big.txt"
expect_http "chunked over the limit" 413 "$(errbody PayloadTooLarge "request's body exceeds the limit of 2097152 bytes")"
head -c 2097152 /dev/zero | tr '\0' ' ' >"$T/limit.txt"
req POST /v1/batch -H "$AUTH" --data-binary "@$T/limit.txt"
expect_http "exactly the limit (blank)" 400 "$(errbody BadRequest "request's body is empty")"

# Batch size, and events over max_event_bytes rejected one by one.
python3 -c 'import json; print(json.dumps([{"type":"track","event":"e","userId":"u"}] * 1001))' >"$T/many.json"
req POST /v1/batch -H "$AUTH" --data-binary "@$T/many.json"
expect_http "too many events" 400 "$(errbody BadRequest 'batch contains too many events')"
python3 -c '
import json
big = {"type":"track","event":"e","userId":"u","messageId":"big-1","properties":{"p":"x" * 5000}}
ok = {"type":"track","event":"e","userId":"u","messageId":"small-1"}
print(json.dumps([big, ok], separators=(",", ":")))' >"$T/mixed.json"
req POST /v1/batch -H "$AUTH" --data-binary "@$T/mixed.json"
expect_http "oversized event" 200 '{"success":true,"received":2,"accepted":1,"duplicates":0,"rejected":[{"index":0,"messageId":"big-1","error":"event exceeds the maximum size of 4096 bytes"}]}'
expect_eq "oversized raw kept whole" 5000 "$(sql "select length(raw) - length(replace(raw, 'x', '')) from krenalis_rejected where message_id='big-1'")"

# The daemon is still well after all of this.
check "healthz" curl -sf "$URL/healthz"
kill -0 "$PID" || fail "daemon died"
finish
