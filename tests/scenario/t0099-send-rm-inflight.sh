#!/bin/sh
# A destination removed with --force while a request that will queue
# events for it is under way: the request took its snapshot, with the
# destination, when its headers came, and commits after the queue was
# dropped.  None of its events stays in the outbox for the destination
# that is gone (spec/destinations.md §2); the events are stored.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/receiver.sh"
sending
DID=$(jget "$(kr -j destination show D)" 'j["id"]')
batch_of 1 5 >"$T/body"
# The headers and the first byte, then the rest once $T/go exists.
python3 - "$PORT" "$KEY" "$T/body" "$T/go" "$T/sent" >"$T/answer" <<'PY' &
import base64, os, socket, sys, time
port, key, body, go, sent = sys.argv[1:]
body = open(body, "rb").read()
s = socket.create_connection(("127.0.0.1", int(port)))
s.sendall(b"POST /v1/batch HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
          b"Authorization: Basic " + base64.b64encode((key + ":").encode()) +
          b"\r\nContent-Length: %d\r\n\r\n" % len(body) + body[:1])
open(sent, "w").close()
while not os.path.exists(go):
    time.sleep(0.05)
s.sendall(body[1:])
s.settimeout(20)
print(s.recv(4096).split(b" ")[1].decode())
PY
CLIENT=$!
wait_until 30 test -e "$T/sent" || fail "the request did not start"
sleep 0.5
check "rm" kr destination rm --force D
touch "$T/go"
wait "$CLIENT"
expect_eq "answered" 200 "$(cat "$T/answer")"
expect_eq "stored" 5 "$(sql "SELECT count(*) FROM krenalis_events")"
expect_eq "nothing queued for the removed destination" 0 \
    "$(sql "SELECT count(*) FROM krenalis_outbox WHERE destination_id = '$DID'")"
finish
