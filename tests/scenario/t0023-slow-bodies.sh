#!/bin/sh
# Slow request bodies: they hold memory only for the bytes they sent, so
# that clients without a key never make an authenticated request wait,
# and a body that stops coming is answered 408 (krenalisd.8).
. "$(dirname "$0")/lib.sh"
start_daemon
store_source
EV='[{"type":"track","event":"e","userId":"u","messageId":"m-1"}]'

# Sixteen posts without a key, a byte every half second: gzip, chunked,
# and a large declared length.
H='POST /v1/batch HTTP/1.1\r\nHost: x\r\n'
READY=$T/r1 trickle 6 5 0.5 "${H}Content-Encoding: gzip\r\nContent-Length: 4000000\r\n\r\n" 'x' >/dev/null &
t1=$!
READY=$T/r2 trickle 5 5 0.5 "${H}Transfer-Encoding: chunked\r\n\r\n" '1\r\nx\r\n' >/dev/null &
t2=$!
READY=$T/r3 trickle 5 5 0.5 "${H}Content-Length: 4194304\r\n\r\n" 'x' >/dev/null &
t3=$!
ready "$T/r1"; ready "$T/r2"; ready "$T/r3"
sleep 0.5
start=$(date +%s)
post /v1/batch "$EV" -H "$AUTH" -m 4
expect_http "authenticated batch beside slow clients" 200 \
    '{"success":true,"received":1,"accepted":1,"duplicates":0}'
[ $(( $(date +%s) - start )) -le 2 ] || fail "the batch waited"
post /v1/t '{"type":"track","event":"e","userId":"u","writeKey":"'"$KEY"'"}' -m 4
expect_eq "body key beside slow clients" 200 "$(cat "$T/status")"
wait $t1 $t2 $t3
stop_daemon

# A body that stops, or comes too slowly, is answered 408.
cat >"$T/k.conf" <<CONF
body_timeout = 2s
body_min_rate = 100
CONF
KEEP_PORT=1 start_daemon -f "$T/k.conf"
T408=$(errbody RequestTimeout "request's body was not received in time")
# Silent after its headers and a first byte, with a key and without.
trickle 1 5 1 "${H}Content-Length: 100\r\n\r\n[" '' >"$T/silent" &
t1=$!
trickle 1 5 1 "${H}$AUTH\r\nContent-Length: 100\r\n\r\n[" '' >"$T/silent-key" &
t2=$!
# Ten bytes a second, under 100 a second: the bytes after the deadline.
trickle 1 5 0.1 "${H}Transfer-Encoding: chunked\r\n\r\n" '1\r\nx\r\n' >"$T/slow"
wait $t1 $t2
expect_eq "silent body" "answer 408" "$(cat "$T/silent")"
expect_eq "silent body with a key" "answer 408" "$(cat "$T/silent-key")"
expect_eq "too slow" "answer 408" "$(cat "$T/slow")"
# The answer itself, silent client.
python3 - "$PORT" >"$T/raw" <<'PY'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(b"POST /v1/batch HTTP/1.1\r\nHost: x\r\nOrigin: https://a.example\r\nContent-Length: 10\r\n\r\n[")
s.settimeout(6)
out = b""
while True:
    d = s.recv(4096)
    if not d:
        break
    out += d
sys.stdout.write(out.decode())
PY
head -n 1 "$T/raw" | grep -q '^HTTP/1.1 408 Request Timeout' || fail "408 status: $(head -n 1 "$T/raw")"
tail -n 1 "$T/raw" | grep -qF "$T408" || fail "408 body: $(tail -n 1 "$T/raw")"
for h in 'Connection: close' 'Request-Id: ' 'Access-Control-Allow-Origin: https://a.example' \
    'Vary: Origin' 'Cache-Control: no-store, max-age=0' 'X-Content-Type-Options: nosniff' \
    "Content-Length: $(( ${#T408} + 1 ))"; do
	grep -q "^$h" "$T/raw" || fail "408 header $h"
done
req GET /metrics
grep -q '^krenalis_http_requests_total{route="/v1/batch",code="408"} [1-9]' "$T/body" || fail "408 counted"
# A body sent at once is not bothered.
post /v1/batch "$EV" -H "$AUTH"
expect_eq "prompt body" 200 "$(cat "$T/status")"
finish
