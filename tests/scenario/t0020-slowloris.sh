#!/bin/sh
# Slow request headers: they must be complete within header_timeout, and
# one address holds at most max_connections_per_ip connections
# (krenalisd.conf.5).
. "$(dirname "$0")/lib.sh"
cat >"$T/k.conf" <<CONF
header_timeout = 2s
max_connections_per_ip = 20
CONF
start_daemon -f "$T/k.conf"
H='POST /v1/batch HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nX-Padding: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n\r\n'
# Twenty connections sending a header byte every 0.2 s.
READY=$T/ready trickle 20 5 0.2 "$H" >"$T/slow" &
slow=$!
ready "$T/ready"
# The address has its twenty: more connections are closed at once.
trickle 3 0.5 0.1 "$H" >"$T/over"
expect_eq "over the limit" "closed closed closed" "$(tr '\n' ' ' <"$T/over" | sed 's/ $//')"
wait $slow
expect_eq "late headers closed" 20 "$(grep -c '^closed$' "$T/slow")"
# Then the address is served again.
req GET /healthz
expect_eq "healthz after" 200 "$(cat "$T/status")"
# An idle connection, and a request line that never ends, are closed too.
trickle 1 4 1 '' '' >"$T/idle"
expect_eq "idle connection" closed "$(cat "$T/idle")"
trickle 1 4 0.1 '\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03' >"$T/tls"
expect_eq "TLS hello" closed "$(cat "$T/tls")"
finish
