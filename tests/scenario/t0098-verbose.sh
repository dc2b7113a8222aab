#!/bin/sh
# -v (krenalisd.8): answers of 400 or more with their message (also one
# written by hand, a 413 while the body is read), each commit, and each
# delivery attempt, answered or not, are logged; without -v, none of them.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/receiver.sh"

# The same requests, with and without -v; the log of each run.
printf 'max_body_bytes = 1000\nmax_event_bytes = 1000\n' >"$T/k.conf"
head -c 3000 /dev/zero | tr '\0' ' ' >"$T/big.txt"
run() {
	start_daemon -f "$T/k.conf" "$@"
	store_source
	receiver a
	send_to a
	# A second destination where nothing listens.
	check "down" kr destination add E --url "http://127.0.0.1:1/v1/events"
	check "to down" kr pipeline add S "to E" --send E
	post /v1/batch '[{"type":"track","event":"e","userId":"u","messageId":"v-1"}]' -H "$AUTH"
	expect_eq "stored" 200 "$(cat "$T/status")"
	post /v1/batch '{"type":"track"' -H "$AUTH"
	expect_eq "bad JSON" 400 "$(cat "$T/status")"
	# A path with an escape character, which curl would not send.
	python3 - "$PORT" >"$T/status" <<'PY'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(b"GET /nope\x1b[31m HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
print(s.recv(4096).split(b" ")[1].decode())
PY
	expect_eq "unknown path" 404 "$(cat "$T/status")"
	req POST /v1/batch -H "$AUTH" -H "Transfer-Encoding: chunked" \
	    --data-binary "@$T/big.txt"
	expect_eq "too large" 413 "$(cat "$T/status")"
	wait_until 30 got_count a 1 || fail "not delivered"
	wait_until 30 grep -q 'destination "E" is failing' "$T/daemon.log" ||
	    fail "E not tried"
	stop_daemon || fail "daemon exit status"
	stop_receiver a
}

run -v
grep -q 'krenalisd: writer: committed 1 event of 1 request in [0-9]*\.[0-9][0-9][0-9] ms$' "$T/daemon.log" ||
    fail "commit line: $(cat "$T/daemon.log")"
grep -qF 'krenalisd: http: POST /v1/batch: 400 {"error":{"code":"BadRequest","message":"error parsing the request body as JSON: unexpected end of JSON input"}} (request ' "$T/daemon.log" ||
    fail "400 line: $(cat "$T/daemon.log")"
# The path is made safe: no escape character reaches the log.
grep -qF 'krenalisd: http: GET /nope?[31m: 404 {"error":{"code":"NotFound","message":""}} (request ' "$T/daemon.log" ||
    fail "404 line: $(cat -v "$T/daemon.log")"
grep -q 'krenalisd: sender: destination "D": 1 event, HTTP 200 in [0-9]* ms$' "$T/daemon.log" ||
    fail "delivery line: $(cat "$T/daemon.log")"
grep -q "krenalisd: sender: destination \"E\": 1 event, Couldn't connect to server after [0-9]* ms$" "$T/daemon.log" ||
    fail "failed delivery line: $(cat "$T/daemon.log")"
grep -qF 'krenalisd: http: POST /v1/batch: 413 {"error":{"code":"PayloadTooLarge","message":"request'"'"'s body exceeds the limit of 1000 bytes"}} (request ' "$T/daemon.log" ||
    fail "413 line: $(cat "$T/daemon.log")"
grep -q "$(printf '\033')" "$T/daemon.log" && fail "an escape in the log"

mv "$T/daemon.log" "$T/verbose.log"
rm -rf "$DATA"
run
grep -q 'writer: committed\|http: POST\|http: GET\|sender: destination "[DE]": 1 event' "$T/daemon.log" &&
    fail "debug lines without -v: $(cat "$T/daemon.log")"
finish
