#!/bin/sh
# -v (krenalisd.8): answers of 400 or more with their message, each
# commit, and each delivery attempt are logged; without -v, none of them.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/receiver.sh"

# The same requests, with and without -v; the log of each run.
run() {
	start_daemon "$@"
	store_source
	receiver a
	send_to a
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
	wait_until 30 got_count a 1 || fail "not delivered"
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
grep -q "$(printf '\033')" "$T/daemon.log" && fail "an escape in the log"

mv "$T/daemon.log" "$T/verbose.log"
rm -rf "$DATA"
run
grep -q 'writer: committed\|http: POST\|http: GET\|sender: destination "D": 1 event' "$T/daemon.log" &&
    fail "debug lines without -v: $(cat "$T/daemon.log")"
finish
