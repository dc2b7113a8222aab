#!/bin/sh
# The PostgreSQL warehouse (spec/postgresql.md §1-3, events.md §14.3, §15):
# its tables, types and view as a daemon creates them, events and rejects
# landing in them with their PostgreSQL types, the quarantine read back,
# krctl status and /metrics; krenalisd -n connects and names the server,
# or fails with libpq's reason; -w wins over the file.
. "$(dirname "$0")/lib.sh"
pg_start
start_daemon -w "$PGURL"
store_source
SRC=$(jget "$(kr -j source show S)" 'j["id"]')

# The schema of events.md §14.3 and §15.
expect_eq "enums" "event_browser_name|Chrome,Safari,Edge,Firefox,Samsung Internet,Opera,Other
event_os_name|Android,Windows,iOS,macOS,Linux,Chrome OS,Other
event_type|alias,identify,group,page,screen,track" "$(pg "SELECT t.typname, string_agg(e.enumlabel, ',' ORDER BY e.enumsortorder) FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid GROUP BY t.typname ORDER BY 1")"
expect_eq "columns" 68 "$(pg "SELECT count(*) FROM information_schema.columns WHERE table_name = 'krenalis_events'")"
expect_eq "first and last columns" "kpid|uuid
user_id|character varying" "$(pg "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'krenalis_events' AND ordinal_position IN (1, 68) ORDER BY ordinal_position")"
expect_eq "primary key" "krenalis_events_pkey|PRIMARY KEY (message_id)" "$(pg "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = 'krenalis_events'::regclass AND contype = 'p'")"
expect_eq "index" 1 "$(pg "SELECT count(*) FROM pg_indexes WHERE indexname = 'krenalis_events_received_at'")"
expect_eq "rejected key" "PRIMARY KEY (request_id, batch_index)" "$(pg "SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = 'krenalis_rejected'::regclass AND contype = 'p'")"

post /v1/batch '[{"type":"track","event":"Order","userId":"u1","messageId":"m1","timestamp":"2026-01-02T03:04:05.678Z","sentAt":"2026-01-02T03:04:06Z","properties":{"total":12.5,"nul":"a\u0000b","tab":"a\tb"},"context":{"ip":"192.0.2.7","locale":"it-IT","device":{"adTrackingEnabled":false},"network":{"wifi":true},"screen":{"width":1280,"height":800,"density":1.5},"sessionId":1234567890123,"consent":{"categoryPreferences":{"ads":true}},"os":{"name":"Linux"},"userAgent":"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36"}},{"type":"identify","userId":"u2","messageId":"m2","traits":{"name":"Ann"}},{"type":"nope","messageId":"bad1"}]' -H "$AUTH"
expect_eq "answer" '{"success":true,"received":3,"accepted":2,"duplicates":0,"rejected":[{"index":2,"messageId":"bad1","error":"property '"'"'type'"'"' is not a valid event type"}]}' "$(cat "$T/body")"
expect_eq "status" 200 "$(cat "$T/status")"

# The values with their PostgreSQL types.
expect_eq "types" "character varying|event_type|jsonb|inet|boolean|boolean|smallint|numeric|bigint|timestamp without time zone|event_os_name|event_browser_name" "$(pg "SELECT pg_typeof(message_id), pg_typeof(type), pg_typeof(properties), pg_typeof(context_ip), pg_typeof(context_device_ad_tracking_enabled), pg_typeof(context_network_wifi), pg_typeof(context_screen_width), pg_typeof(context_screen_density), pg_typeof(context_session_id), pg_typeof(timestamp), pg_typeof(context_os_name), pg_typeof(context_browser_name) FROM events WHERE message_id = 'm1'")"
expect_eq "values" "$SRC|track|Order|192.0.2.7|f|t|1280|1.50|1234567890123|2026-01-02 03:04:06|Linux|Chrome|it-IT" "$(pg "SELECT connection_id, type, event, context_ip, context_device_ad_tracking_enabled, context_network_wifi, context_screen_width, context_screen_density, context_session_id, sent_at, context_os_name, context_browser_name, context_locale FROM krenalis_events WHERE message_id = 'm1'")"
# jsonb cannot hold \u0000: it is removed (events.md §14.1).
expect_eq "properties" '{"nul": "ab", "tab": "a\tb", "total": 12.5}' "$(pg "SELECT properties FROM events WHERE message_id = 'm1'")"
expect_eq "identify" 'identify||{"name": "Ann"}' "$(pg "SELECT type, properties, traits FROM events WHERE message_id = 'm2'")"
expect_eq "kpid" "" "$(pg "SELECT kpid FROM events WHERE message_id = 'm2'")"
expect_eq "received_at is R" 1 "$(pg "SELECT count(DISTINCT received_at) FROM events")"

# The quarantine: in PostgreSQL, and read back by krctl.
expect_eq "rejected row" "$SRC|2|bad1|property 'type' is not a valid event type|{\"type\":\"nope\",\"messageId\":\"bad1\"}" "$(pg "SELECT connection_id, batch_index, message_id, error, raw FROM krenalis_rejected")"
check "krctl rejected" kr -j rejected
expect_eq "rejected read back" "bad1|{\"type\":\"nope\",\"messageId\":\"bad1\"}" "$(jget "$(cat "$T/out")" 'j[0]["messageId"] + "|" + j[0]["raw"]')"
expect_eq "rejected received_at" "$(pg "SELECT to_char(received_at, 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"') FROM krenalis_rejected")" "$(jget "$(cat "$T/out")" 'j[0]["receivedAt"]')"
check "krctl rejected show" kr rejected show 1

# krctl status, /healthz and /metrics.
check "status" kr status
grep -q "^warehouse  *postgresql host=$PGDIR port=$PGPORT dbname=krenalis user=postgres (healthy)$" "$T/out" || fail "status warehouse: $(cat "$T/out")"
grep -q "^dedupe  *by the warehouse's primary key, for ever; dedupe_window is not used$" "$T/out" || fail "status dedupe: $(cat "$T/out")"
expect_eq "healthz" ok "$(curl -s "$URL/healthz")"
curl -s "$URL/metrics" >"$T/metrics"
grep -q '^krenalis_warehouse_up 1$' "$T/metrics" || fail "warehouse_up"
grep -q '^krenalis_store_commits_total [1-9]' "$T/metrics" || fail "commits"
grep -q "dedupe:" "$T/daemon.log" && fail "the dedupe index was loaded"
stop_daemon

# A password never shows.
start_daemon -w "$PGURL&password=s3cret"
check "status" kr status
grep -q "s3cret" "$T/out" && fail "password in status"
# That there is one shows, as postgresql.md §1 has it: ***.
grep -q "^warehouse  *postgresql host=$PGDIR port=$PGPORT dbname=krenalis user=postgres password=\*\*\* (healthy)$" "$T/out" || fail "status warehouse with a password: $(cat "$T/out")"
stop_daemon

"$KRENALISD" -n -f /dev/null -w "$PGURL" 2>"$T/err"
expect_eq "-n exit" 0 $?
ver=$(pg "SHOW server_version" | cut -d' ' -f1)
expect_eq "-n output" "configuration OK
warehouse: postgresql OK (server $ver, database krenalis)" "$(cat "$T/err")"

printf 'warehouse = sqlite\npg_timeout = 2\n' >"$T/conf"
"$KRENALISD" -n -f "$T/conf" -w "$PGURL&password=s3cret" 2>"$T/err"
expect_eq "-w wins" 0 $?
grep -q "^warehouse: postgresql OK" "$T/err" || fail "-w: $(cat "$T/err")"

pg_stop
expect_fail "-n while down" "configuration OK
krenalisd: warehouse: connection to server on socket \"$PGDIR/.s.PGSQL.$PGPORT\" failed: No such file or directory Is the server running locally and accepting connections on that socket?" \
    "$KRENALISD" -n -f /dev/null -w "host=$PGDIR port=$PGPORT password=s3cret"

expect_fail "bad form" "krenalisd: warehouse: \"mysql://db\" is neither sqlite, a postgresql:// URI nor a key=value connection string" \
    "$KRENALISD" -n -f /dev/null -w mysql://db
grep -q "s3cret" "$T/daemon.log" && fail "password in the log"
grep -q "NOTICE" "$T/daemon.log" && fail "notices in the log"
finish
