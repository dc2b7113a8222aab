#!/bin/sh
# Moving a SQLite install to PostgreSQL (spec/postgresql.md §7): the
# catalog exported from a SQLite daemon is imported into one on
# PostgreSQL, whose senders' old key works there; an import that clashes
# changes nothing on PostgreSQL either.
. "$(dirname "$0")/lib.sh"
start_daemon
store_source
check "pipeline 2" kr pipeline add S tracks -F 'type is "track"' -C analytics
check "source 2" kr source add -c javascript Web
track m1
# jsonb cannot hold \u0000: the move drops the escapes, and keeps an
# escaped backslash before "u0000".
post /v1/events '[{"type":"track","event":"e","userId":"u","messageId":"mz","properties":{"a":"b\u0000c","d":"x\\u0000y","e":"\\\u0000"}}]' -H "$AUTH"
expect_eq "NUL escapes" 200 "$(cat "$T/status")"
OLD=$DATA
check "export" kr catalog export "$T/catalog.json"
check "pipelines" kr -j pipeline list
pipelines=$(cat "$T/out")
check "keys" kr -j key list S
keys=$(cat "$T/out")
stop_daemon || fail "daemon exit status"

pg_start
DATA=$T/var2
SOCK=$DATA/krenalisd.sock
start_daemon -w "$PGURL"
check "import" kr catalog import "$T/catalog.json"
expect_eq "imported" "imported 2 sources, 2 write keys, 2 pipelines" "$(cat "$T/out")"
check "pipelines after" kr -j pipeline list
expect_eq "same pipelines" "$pipelines" "$(cat "$T/out")"
check "keys after" kr -j key list S
expect_eq "same keys" "$keys" "$(cat "$T/out")"
expect_eq "in PostgreSQL" 2 "$(pg 'SELECT count(*) FROM krenalis_sources')"
track m2
expect_eq "old key works" 200 "$(cat "$T/status")"
expect_eq "stored in PostgreSQL" 1 "$(pg "SELECT count(*) FROM krenalis_events WHERE message_id = 'm2'")"

# The README's commands copy the stored events too.
cols=$(sqlite3 "$OLD/warehouse.db" "SELECT group_concat(name, ',') FROM pragma_table_info('krenalis_events')")
psql() { "$PGBIN/psql" -X -q "$@"; }
psql "$PGURL" -c "CREATE TABLE krenalis_moved AS TABLE krenalis_events WITH NO DATA" \
    -c "ALTER TABLE krenalis_moved ALTER context_consents TYPE text,
        ALTER properties TYPE text, ALTER traits TYPE text" 2>"$T/copy.err" ||
    fail "staging: $(cat "$T/copy.err")"
sqlite3 -csv "$OLD/warehouse.db" "SELECT $cols FROM krenalis_events" |
    psql "$PGURL" -c "\\copy krenalis_moved ($cols) FROM STDIN WITH (FORMAT csv)" 2>"$T/copy.err" ||
    fail "copy: $(cat "$T/copy.err")"
psql "$PGURL" -v ON_ERROR_STOP=1 <<'EOF' 2>"$T/copy.err" || fail "move: $(cat "$T/copy.err")"
BEGIN;
UPDATE krenalis_moved SET
    context_consents = regexp_replace(context_consents, '(?<!\\)((\\\\)*)\\u0000', '\1', 'g'),
    properties = regexp_replace(properties, '(?<!\\)((\\\\)*)\\u0000', '\1', 'g'),
    traits = regexp_replace(traits, '(?<!\\)((\\\\)*)\\u0000', '\1', 'g');
ALTER TABLE krenalis_moved ALTER context_consents TYPE jsonb USING context_consents::jsonb,
    ALTER properties TYPE jsonb USING properties::jsonb,
    ALTER traits TYPE jsonb USING traits::jsonb;
INSERT INTO krenalis_events SELECT * FROM krenalis_moved ON CONFLICT DO NOTHING;
DROP TABLE krenalis_moved;
COMMIT;
EOF
expect_eq "NUL escapes moved" 'bc|x\u0000y|\' "$(pg "SELECT concat_ws('|', properties->>'a', properties->>'d', properties->>'e') FROM krenalis_events WHERE message_id = 'mz'")"
expect_eq "events copied" "$(sqlite3 "$OLD/warehouse.db" "SELECT message_id, type, event, timestamp FROM krenalis_events WHERE message_id = 'm1'")" \
    "$(pg "SELECT message_id, type, event, to_char(timestamp, 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"') FROM krenalis_events WHERE message_id = 'm1'")"

version=$(pg 'SELECT version FROM krenalis_catalog')
jget "$(cat "$T/catalog.json")" 'dict(j, sources=[dict(j["sources"][1], id="1111111111AA", name="Web 2", writeKeys=j["sources"][1]["writeKeys"], pipelines=[])])' >"$T/clash.json"
expect_fail "key clash" "krctl: event write key \"$(jget "$(cat "$T/catalog.json")" 'j["sources"][1]["writeKeys"][0]["key"]')\" is already used by source \"$(jget "$(cat "$T/catalog.json")" 'j["sources"][1]["id"]')\"" kr catalog import "$T/clash.json"
expect_eq "nothing changed" "$version 2" "$(pg 'SELECT version FROM krenalis_catalog') $(pg 'SELECT count(*) FROM krenalis_sources')"

# A node started later on the same database serves the imported catalog.
stop_daemon || fail "daemon exit status"
rm -rf "$DATA"
start_daemon -w "$PGURL"
check "fresh node" kr -j pipeline list
expect_eq "fresh node pipelines" "$pipelines" "$(cat "$T/out")"
finish
