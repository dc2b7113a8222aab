#!/bin/sh
# What a receiver checks (spec/destinations.md §2, §4, §6.2): the
# X-Signature of a destination with a secret is the HMAC-SHA1 of the body
# as sent, gzipped when the destination says so; the segment connector
# sends {"batch":[...],"sentAt":...} with Basic authentication by its
# write key.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/receiver.sh"
start_daemon
store_source
receiver a s3cret
send_to a --secret s3cret --gzip

post /v1/batch "$(batch_of 1 50)" -H "$AUTH"
wait_until 30 got_count a 50 || fail "not delivered"
python3 - "$T/a.log" >"$T/req" <<'PY'
import json, sys
for l in open(sys.argv[1]):
    r = json.loads(l)
    print(r["gzip"], r["headers"]["content-encoding"], r["sig_ok"],
          r["raw_len"] < len(r["body"]))
PY
expect_eq "gzip and signature" "True gzip True True" "$(sort -u "$T/req")"

check "unsigned, plain" kr destination set D --no-secret --no-gzip \
    --connector segment --write-key wk1
: >"$T/a.log"
track seg
wait_until 30 got_count a 1 || fail "segment request not delivered"
python3 - "$T/a.log" >"$T/req" <<'PY'
import base64, json, sys
r = json.loads(open(sys.argv[1]).readline())
b = json.loads(r["body"])
h = r["headers"]
print(sorted(b), b["batch"][0]["messageId"], b["sentAt"].endswith("Z"),
      base64.b64decode(h["authorization"].split()[1]).decode(),
      "x-signature" in h, r["gzip"])
PY
expect_eq "segment request" "['batch', 'sentAt'] seg True wk1: False False" \
    "$(cat "$T/req")"
finish
