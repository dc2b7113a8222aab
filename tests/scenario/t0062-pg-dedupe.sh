#!/bin/sh
# Dedupe on PostgreSQL (spec/postgresql.md §3): the primary key settles
# it, within a request, within one group commit, across requests, for
# events that nothing stores, across a restart and across two daemons
# on one database, the first stored copy winning.
. "$(dirname "$0")/lib.sh"
pg_start
start_daemon -w "$PGURL"
store_source
SRC1=$(jget "$(kr -j source show S)" 'j["id"]')
ev() { printf '{"type":"track","event":"%s","userId":"u","messageId":"%s"}' "${2:-e}" "$1"; }

post /v1/batch "[$(ev m1),$(ev m2),$(ev m1)]" -H "$AUTH"
expect_http "within a request" 200 '{"success":true,"received":3,"accepted":2,"duplicates":1}'
post /v1/batch "[$(ev m1 changed),$(ev m2),$(ev m3)]" -H "$AUTH"
expect_http "retry" 200 '{"success":true,"received":3,"accepted":1,"duplicates":2}'
expect_eq "rows" 3 "$(pg "SELECT count(*) FROM events")"
expect_eq "first copy wins" e "$(pg "SELECT event FROM events WHERE message_id = 'm1'")"

# Many requests at once go in few transactions: one copy of each id.
i=0
pids=
while [ $i -lt 20 ]; do
	curl -s -o /dev/null -w '%{http_code}\n' -H "$AUTH" --data-binary \
	    "[$(ev g1),$(ev g2),$(ev "g$i")]" "$URL/v1/batch" >>"$T/codes" &
	pids="$pids $!"
	i=$((i + 1))
done
for p in $pids; do
	wait "$p"
done
expect_eq "group answers" 20 "$(grep -c '^200$' "$T/codes")"
expect_eq "group rows" 20 "$(pg "SELECT count(*) FROM events WHERE message_id LIKE 'g%'")"
check "stats" kr -j stats S
expect_eq "counters" "66|43|23" "$(jget "$(cat "$T/out")" '"%d|%d|%d" % (j["sources"][0]["received"], j["sources"][0]["duplicates"], j["sources"][0]["stored"])')"

# An event that no pipeline passes is a duplicate when its id is stored,
# and does not take its id otherwise.
check "disable" kr pipeline disable all
post /v1/batch "[$(ev m1),$(ev f1)]" -H "$AUTH"
expect_http "filtered" 200 '{"success":true,"received":2,"accepted":1,"duplicates":1}'
check "enable" kr pipeline enable all
post /v1/batch "[$(ev f1)]" -H "$AUTH"
expect_http "filtered id still free" 200 '{"success":true,"received":1,"accepted":1,"duplicates":0}'

# Across a restart: the table remembers.
stop_daemon
KEEP_PORT=1 start_daemon -w "$PGURL"
post /v1/batch "[$(ev m2),$(ev m4)]" -H "$AUTH"
expect_http "after restart" 200 '{"success":true,"received":2,"accepted":1,"duplicates":1}'

# A second daemon on the same database, whose catalog it shares (§5): an
# id the first stored is its duplicate, and the row stays the first's.
echo "$PID" >>"$T/extra.pids"
URL1=$URL
DATA=$T/var2
SOCK=$DATA/krenalisd.sock
start_daemon -w "$PGURL"
post /v1/batch "[$(ev m3 other),$(ev n1)]" -H "$AUTH"
expect_http "other daemon" 200 '{"success":true,"received":2,"accepted":1,"duplicates":1}'
expect_eq "the first's row" "$SRC1|e" "$(pg "SELECT connection_id, event FROM events WHERE message_id = 'm3'")"
check "stats 2" kr -j stats S
expect_eq "its counters" "1|1" "$(jget "$(cat "$T/out")" '"%d|%d" % (j["sources"][0]["duplicates"], j["sources"][0]["stored"])')"
finish
