#!/bin/sh
# The rate limit's bucket (spec/ingest.md §10), the node's rates and its
# heartbeats (spec/postgresql.md §6) count on the monotonic clock:
# krenalisd's wall clock stepped an hour back neither stops the bucket's
# refill, which would answer 429 for that hour, nor freezes the rates at
# 0, nor stops the heartbeats, which would show the node down.
# tests/clockshift.c moves the wall clock and leaves the monotonic one
# alone.
. "$(dirname "$0")/lib.sh"
one_a_second
fake_clock
start_daemon -f "$T/k.conf"
store_source
events() {	# events PREFIX N: a batch of N events
	i=0
	printf '['
	while [ "$i" -lt "$2" ]; do
		[ "$i" -gt 0 ] && printf ','
		printf '{"type":"track","event":"e","userId":"u","messageId":"%s-%d"}' "$1" "$i"
		i=$((i + 1))
	done
	printf ']'
}

# The bucket is emptied, then refills at one event a second.
post /v1/events "$(events all 10)" -H "$AUTH"
expect_eq "the bucket emptied" 200 "$(cat "$T/status")"
clock_step -3600
sleep 2.2
post /v1/events "$(events refill 2)" -H "$AUTH"
expect_eq "refilled after the step (Retry-After: $(header Retry-After))" 200 "$(cat "$T/status")"

# One event a second, after the step, shows in the rate of the last 5 s.
for i in 1 2 3 4; do
	sleep 1.1
	track "r$i"
	expect_eq "r$i" 200 "$(cat "$T/status")"
done
check "nodes" kr -j nodes
expect_eq "receiving" true "$(jget "$(cat "$T/out")" 'j[0]["receivedPerSecond"] > 0')"
# The step took effect: what the node shows is an hour behind.
behind=$(jget "$(cat "$T/out")" 'int((__import__("time").time() - __import__("datetime").datetime.strptime(j[0]["seenAt"], "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=__import__("datetime").timezone.utc).timestamp()) / 60 + 0.5)')
expect_eq "seenAt, minutes behind" 60 "$behind"

# With PostgreSQL, the node's row is written again every 5 s.  The data
# directory is another: this one is SQLite's.
stop_daemon || fail "daemon exit status"
clock_step +0
pg_start
DATA=$T/var2
SOCK=$DATA/krenalisd.sock
start_daemon -w "$PGURL"
seen() { pg "SELECT (extract(epoch FROM seen_at) * 1000)::bigint FROM krenalis_nodes"; }
beating() { [ -n "$(seen)" ]; }
wait_until 10 beating || fail "no heartbeat"
clock_step -3600
before=$(seen)
newer() { [ "$(seen)" -gt "$before" ]; }
wait_until 12 newer || fail "no heartbeat after the step: seen_at $(pg "SELECT seen_at FROM krenalis_nodes"), now $(pg "SELECT now()")"
finish
