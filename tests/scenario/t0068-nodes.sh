#!/bin/sh
# The node (spec/postgresql.md §6) with a SQLite warehouse: its id is made
# once in DATA_DIR/node.id and kept; krctl nodes lists this one node with
# its counters and rates, -j with the members of §6 in their order; krtop
# names it in its title.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/krtop-lib.sh"
start_daemon

id=$(cat "$DATA/node.id")
expect_eq "node id" 12 "$(printf '%s' "$id" | tr -cd '1-9A-HJ-NP-Za-km-z' | wc -c)"
store_source
for m in a b c; do track "$m"; done
track a

check "nodes" kr -j nodes
j=$(cat "$T/out")
expect_eq "one node" 1 "$(jget "$j" 'len(j)')"
expect_eq "members" '["id","host","listen","publicUrl","version","pid","startedAt","seenAt","down","received","stored","rejected","duplicates","receivedPerSecond","storedPerSecond"]' "$(jget "$j" 'list(j[0].keys())')"
expect_eq "values" "[\"$id\",\"$(hostname)\",\"127.0.0.1:$PORT\",null,\"0.1.0\",$PID,false]" \
    "$(jget "$j" '[j[0][k] for k in ("id","host","listen","publicUrl","version","pid","down")]')"
expect_eq "counters" '[4,3,0,1]' "$(jget "$j" '[j[0][k] for k in ("received","stored","rejected","duplicates")]')"
expect_eq "rates are numbers" true "$(jget "$j" 'all(isinstance(j[0][k], (int, float)) and j[0][k] >= 0 for k in ("receivedPerSecond","storedPerSecond"))')"

check "table" kr nodes
expect_eq "header" "ID HOST LISTEN VERSION STATE SEEN RECEIVED STORED REJECTED DUPLICATES RECEIVED/S STORED/S" "$(head -n 1 "$T/out" | tr -s ' ')"
expect_eq "row" "$id $(hostname) 127.0.0.1:$PORT 0.1.0 up" "$(sed -n 2p "$T/out" | tr -s ' ' | cut -d' ' -f1-5)"

# A stream of events shows in the rate of the last 5 s.
for i in $(seq 1 20); do track "r$i"; sleep 0.1; done
check "rates" kr -j nodes
expect_eq "receiving" true "$(jget "$(cat "$T/out")" 'j[0]["receivedPerSecond"] > 0')"
check "rates in the table" kr nodes
sed -n 2p "$T/out" | tr -s ' ' | cut -d' ' -f11-12 | grep -Eq '^[0-9]+\.[0-9] [0-9]+\.[0-9]$' ||
    fail "rates not to one decimal: $(sed -n 2p "$T/out")"

check "status" kr -j status
expect_eq "status node" "{\"id\":\"$id\",\"host\":\"$(hostname)\"}" "$(jget "$(cat "$T/out")" 'j["node"]')"

krtop_start top 200x30 -- -s "$SOCK"
see top "title names the node" "node $id $(hostname)"

# The id stays across restarts.
stop_daemon || fail "daemon exit status"
KEEP_PORT=1 start_daemon
expect_eq "same id" "$id" "$(cat "$DATA/node.id")"
check "nodes after" kr -j nodes
expect_eq "same node" "$id" "$(jget "$(cat "$T/out")" 'j[0]["id"]')"

# A node.id that is not one stops the start.
stop_daemon
echo nonsense >"$DATA/node.id"
"$KRENALISD" -d -D "$DATA" -l "127.0.0.1:$PORT" 2>"$T/bad.log"
expect_eq "bad id exit" 1 "$?"
expect_eq "bad id message" "krenalisd: node: $DATA/node.id: not a node id" "$(tail -n 1 "$T/bad.log")"
finish
