#!/bin/sh
# Requests whose framing or credential is hostile: conflicting
# Content-Length headers, transfer codings other than chunked, a chunked
# body far over the limit, a NUL in a Basic credential, garbage, a blank
# Authorization before the real one, an empty Origin, a target in
# absolute form.
. "$(dirname "$0")/lib.sh"
printf 'max_body_bytes = 1048576\n' >"$T/k.conf"
start_daemon -f "$T/k.conf"
store_source

# raw TEXT: send TEXT (with \r\n escapes) on one connection; the answer
# goes to $T/raw, its status to $T/status, and how long it took in ms
# to $T/ms.
raw() {
	python3 - "$PORT" "$1" <<'PY' >"$T/raw"
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
t = time.time()
s.sendall(sys.argv[2].encode().decode("unicode_escape").encode("latin-1"))
s.settimeout(10)
out = b""
try:
    while True:
        d = s.recv(65536)
        if not d:
            break
        out += d
except OSError:
    pass
sys.stdout.write(out.decode("latin-1"))
sys.stderr.write("%d\n" % ((time.time() - t) * 1000))
PY
	sed -n '1s/^HTTP\/1.1 \([0-9]*\).*/\1/p' "$T/raw" >"$T/status"
}
rawbody() {
	tail -n 1 "$T/raw"
}
EV='[{"type":"track","event":"e","userId":"u","messageId":"m-1"}]'
H="POST /v1/batch HTTP/1.1\r\nHost: x\r\n$AUTH\r\n"

raw "${H}Content-Length: 2\r\nContent-Length: ${#EV}\r\n\r\n$EV" 2>/dev/null
expect_eq "two Content-Length" 400 "$(cat "$T/status")"
expect_eq "two Content-Length body" "$(errbody BadRequest 'request contains multiple Content-Length headers with different values')" "$(rawbody)"
raw "${H}Content-Length: ${#EV}\r\nContent-Length: ${#EV}\r\nConnection: close\r\n\r\n$EV" 2>/dev/null
expect_eq "the same Content-Length twice" 200 "$(cat "$T/status")"

for te in identity 'gzip, chunked' 'chunked, chunked'; do
	raw "${H}Transfer-Encoding: $te\r\n\r\n0\r\n\r\n" 2>"$T/ms"
	expect_eq "Transfer-Encoding: $te" 501 "$(cat "$T/status")"
	expect_eq "Transfer-Encoding: $te body" "$(errbody NotImplemented "transfer encoding \\\"$te\\\" is not supported")" "$(rawbody)"
	[ "$(cat "$T/ms")" -lt 2000 ] || fail "Transfer-Encoding: $te took $(cat "$T/ms") ms"
done

# Chunked, three times the limit: the 413, not a reset connection.
head -c 3145728 /dev/zero | tr '\0' ' ' >"$T/big.txt"
req POST /v1/batch -H "$AUTH" -H "Transfer-Encoding: chunked" --data-binary "@$T/big.txt"
expect_http "chunked far over the limit" 413 "$(errbody PayloadTooLarge "request's body exceeds the limit of 1048576 bytes")"
expect_eq "413 closes" close "$(header Connection)"
expect_eq "413 Request-Id" 1 "$(grep -c '^Request-Id: ' "$T/headers")"

# A key with a NUL in it is no key, not the key before the NUL (§6.1:
# an unknown key); the password, NUL or not, is ignored.
CRED=$(printf '%s\0:' "$KEY" | base64 -w0)
post /v1/batch "$EV" -H "Authorization: Basic $CRED"
expect_http "NUL in a Basic key" 401 "$(errbody Unauthorized 'event write key in the Basic Authorization header is not valid')"
CRED=$(printf '%s:\0pw' "$KEY" | base64 -w0)
post /v1/batch "$EV" -H "Authorization: Basic $CRED"
expect_eq "NUL in a Basic password" 200 "$(cat "$T/status")"

# A blank Authorization counts as absent (§6.1), also before the real one;
# an empty Origin as none (§3); a target in absolute form is its path (§2).
raw "POST /v1/batch HTTP/1.1\r\nHost: x\r\nAuthorization: \r\n$AUTH\r\nOrigin:\r\nContent-Length: ${#EV}\r\nConnection: close\r\n\r\n$EV" 2>/dev/null
expect_eq "blank Authorization first" 200 "$(cat "$T/status")"
grep -q '^Access-Control-Allow-Origin: \*'"$(printf '\r')"'$' "$T/raw" || fail "empty Origin: $(cat "$T/raw")"
grep -q '^Vary:' "$T/raw" && fail "empty Origin varies: $(cat "$T/raw")"
raw "POST http://x/v1/batch?a=b HTTP/1.1\r\nHost: x\r\n$AUTH\r\nContent-Length: ${#EV}\r\nConnection: close\r\n\r\n$EV" 2>/dev/null
expect_eq "absolute form" 200 "$(cat "$T/status")"
expect_eq "absolute form body" '{"success":true,"received":1,"accepted":0,"duplicates":1}' "$(rawbody)"
raw "POST HTTPS://x:8443/v1/batch HTTP/1.1\r\nHost: x\r\n$AUTH\r\nContent-Length: ${#EV}\r\nConnection: close\r\n\r\n$EV" 2>/dev/null
expect_eq "absolute form, https, any case" 200 "$(cat "$T/status")"

# A garbage request line is closed at once.
raw 'GARBAGE\r\n\r\n' 2>"$T/ms"
[ "$(cat "$T/ms")" -lt 2000 ] || fail "garbage request line took $(cat "$T/ms") ms"
check "healthz" curl -sf "$URL/healthz"
finish
