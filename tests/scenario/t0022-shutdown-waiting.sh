#!/bin/sh
# Shutdown while requests wait for memory: they are answered 503 at once
# (spec/ingest.md §5 step 2), and a request whose events are committed
# meanwhile gets its 200.
. "$(dirname "$0")/lib.sh"
start_daemon
store_source
EV='[{"type":"track","event":"e","userId":"u","messageId":"m-1"}]'

# A request waits for its commit: another process holds the lock.
hold_lock 4
printf '%s' "$EV" >"$T/ev"
curl -s -m 20 -o "$T/committed" -w '%{http_code}' -H "$AUTH" \
    --data-binary "@$T/ev" "$URL/v1/batch" >"$T/committed.status" &
committed=$!
sleep 0.3
# Fourteen authenticated bodies of 4 MiB, slow: the memory is spent.
H="POST /v1/batch HTTP/1.1\r\nHost: x\r\n$AUTH\r\nContent-Length: 4194304\r\n\r\n"
READY=$T/slow.ready trickle 14 12 0.5 "$H" x >/dev/null &
slow=$!
ready "$T/slow.ready"
sleep 0.5
# Chunked: its share is max_body_bytes, more than is left.
curl -s -m 6 -o "$T/waiting" -D "$T/waiting.h" -w '%{http_code}' -H "$AUTH" \
    -H 'Transfer-Encoding: chunked' --data-binary "@$T/ev" \
    "$URL/v1/batch" >"$T/waiting.status" &
waiting=$!
sleep 0.5
kill -TERM "$PID"
start=$(date +%s)
wait $waiting
expect_eq "waiting at shutdown" 503 "$(cat "$T/waiting.status")"
expect_eq "waiting at shutdown body" "$(errbody ServiceUnavailable 'server is shutting down; try again later')" "$(cat "$T/waiting")"
expect_eq "Retry-After" 5 "$(grep -i '^Retry-After:' "$T/waiting.h" | cut -d' ' -f2 | tr -d '\r')"
[ $(( $(date +%s) - start )) -le 2 ] || fail "the 503 took more than 2 s"
wait $committed
expect_eq "committed at shutdown" 200 "$(cat "$T/committed.status")"
wait "$PID"
expect_eq "exit status" 0 $?
PID=
wait $LOCKER $slow
expect_eq "stored" 1 "$(sql "select count(*) from events where message_id='m-1'")"
finish
