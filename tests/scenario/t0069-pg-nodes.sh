#!/bin/sh
# Two nodes on one PostgreSQL database (spec/postgresql.md §5-6): a source
# added on node 1 is served by node 2 within a second, a pipeline added
# on node 2 is seen by node 1; the same messageId sent to both is stored
# once and is a duplicate on the second; krctl nodes on either lists both.
. "$(dirname "$0")/lib.sh"

# Node 1, then node 2 on a data directory of its own.
pg_nodes
ID1=$(cat "$DATA1/node.id") ID2=$(cat "$DATA/node.id")
[ "$ID1" != "$ID2" ] || fail "two nodes, one id"

# accepted URL KEY: an event with KEY on the node at URL is not a 401.
accepted() {
	code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $2" \
	    --data-binary '[{"type":"track","event":"e","userId":"u"}]' "$1/v1/events")
	[ "$code" = 200 ]
}

check "source on node 1" kr1 -j source add S
KEY=$(jget "$(cat "$T/out")" 'j["writeKeys"][0]')
wait_until 1 accepted "$URL2" "$KEY" || fail "node 2 did not take the key within 1 s"
check "source on node 2" kr2 -j source show S
expect_eq "same source" "$KEY" "$(jget "$(cat "$T/out")" 'j["writeKeys"][0]')"

check "pipeline on node 2" kr2 -j pipeline add S all
pid=$(jget "$(cat "$T/out")" 'j["id"]')
wait_until 1 kr1 pipeline show "$pid" >/dev/null 2>&1 || fail "node 1 did not see the pipeline within 1 s"

# The rules hold across nodes: a name taken on one is taken on the other.
expect_fail "name taken" 'krctl: a source named "S" already exists' kr2 source add S
check "key on node 2" kr2 -j key add S
KEY2=$(jget "$(cat "$T/out")" 'j["key"]')
check "key rm on node 1" kr1 key rm S "$KEY"
wait_until 1 sh -c "! curl -s -o /dev/null -w '%{http_code}' -H 'Authorization: Bearer $KEY' --data-binary '[]' '$URL2/v1/events' | grep -q 200" ||
    fail "node 2 still takes the removed key"
expect_fail "last key" "krctl: key cannot be deleted as it is the source's only key" kr2 key rm S "$KEY2"
expect_eq "one version per change" 4 "$(pg 'SELECT version FROM krenalis_catalog')"

# The same messageId on both: stored once, a duplicate on the second.
AUTH="Authorization: Bearer $KEY2"
URL=$URL1 track same-id
expect_eq "node 1" 200 "$(cat "$T/status")"
expect_eq "node 1 stored" '{"accepted":1,"duplicates":0}' "$(jget "$(cat "$T/body")" '{"accepted":j.get("accepted"),"duplicates":j.get("duplicates")}')"
URL=$URL2 track same-id
expect_eq "node 2" 200 "$(cat "$T/status")"
expect_eq "node 2 duplicate" 1 "$(jget "$(cat "$T/body")" 'len(j["duplicates"]) if isinstance(j.get("duplicates"), list) else j.get("duplicates")')"
expect_eq "stored once" 1 "$(pg "SELECT count(*) FROM krenalis_events WHERE message_id = 'same-id'")"

# krctl nodes on either lists both, the one asked first when both are up.
for n in 1 2; do
	check "nodes $n" "kr$n" -j nodes
	j=$(cat "$T/out")
	expect_eq "nodes on $n" "$(printf '%s\n' "$ID1" "$ID2" | sort | tr '\n' ' ')" \
	    "$(jget "$j" '" ".join(sorted(n["id"] for n in j)) + " "')"
	expect_eq "both up on $n" '[false,false]' "$(jget "$j" '[n["down"] for n in j]')"
	expect_eq "listen on $n" "$(printf '127.0.0.1:%s\n' "$PORT1" "$PORT2" | sort | tr '\n' ' ')" \
	    "$(jget "$j" '" ".join(sorted(n["listen"] for n in j)) + " "')"
done
check "node 1 counts" kr1 -j nodes
expect_eq "received on node 1" 1 "$(jget "$(cat "$T/out")" '[n["received"] for n in j if n["id"] == "'"$ID1"'"][0] >= 1 and 1')"

# A node that stops is down once its row is 15 s old.
stop_daemon
pg "UPDATE krenalis_nodes SET seen_at = now() - interval '16 seconds' WHERE id = '$ID2'" >/dev/null
check "nodes after stop" kr1 -j nodes
expect_eq "node 2 down" "[[\"$ID1\",false],[\"$ID2\",true]]" "$(jget "$(cat "$T/out")" '[[n["id"],n["down"]] for n in j]')"
check "table" kr1 nodes
expect_eq "state column" "up down" "$(tail -n 2 "$T/out" | awk '{ print $5 }' | tr '\n' ' ' | sed 's/ $//')"
# The janitor deletes nodes down for more than 7 days.
pg "UPDATE krenalis_nodes SET seen_at = now() - interval '8 days' WHERE id = '$ID2'" >/dev/null
wait_until 10 sh -c "[ \"\$($PGBIN/psql -X -A -t -d '$PGURL' -c \"SELECT count(*) FROM krenalis_nodes WHERE id = '$ID2'\")\" = 0 ]" ||
    fail "the janitor kept a node down for 8 days"
finish
