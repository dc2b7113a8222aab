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

# An Authorization header may not be set beside the write key; one that
# a catalog holds from before that rule is not sent.
expect_fail "Authorization with segment" 'krctl: header "Authorization" may not be set with the segment connector, which sends the writeKey in it' \
    kr destination set D --header 'Authorization: Bearer override'
stop_daemon
sqlite3 "$DATA/state.db" "UPDATE destinations SET headers = '[\"Authorization: Bearer override\",\"X-Kept: 1\"]'"
start_daemon
: >"$T/a.log"
track seg2
wait_until 30 got_count a 1 || fail "segment request not delivered after restart"
python3 - "$T/a.log" >"$T/req" <<'PY'
import base64, json, sys
h = json.loads(open(sys.argv[1]).readline())["headers"]
print(base64.b64decode(h["authorization"].split()[1]).decode(),
      h.get("x-kept"))
PY
expect_eq "the write key, not the stored header" "wk1: 1" "$(cat "$T/req")"
finish
