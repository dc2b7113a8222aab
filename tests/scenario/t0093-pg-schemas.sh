#!/bin/sh
# The tables live in the connection's default schema (spec/postgresql.md,
# its opening), so two installations share a database in two schemas:
# each has its own enum types, tables and events.  What exists is not
# created again (§2: "when missing"): a role that may read and write the
# tables, but not create in the schema, starts on tables made before.
# Types are taken from any schema of the search_path.
. "$(dirname "$0")/lib.sh"
pg_start
pg "CREATE SCHEMA a; CREATE SCHEMA b"
CONN="host=$PGDIR port=$PGPORT dbname=krenalis user=postgres"
start_daemon -w "$CONN options=-csearch_path=a"
store_source
track ma
expect_eq "a" 200 "$(cat "$T/status")"
stop_daemon
AUTHA=$AUTH
DATA=$T/var2
SOCK=$DATA/krenalisd.sock
start_daemon -w "$CONN options=-csearch_path=b"
store_source
track mb
expect_eq "b" 200 "$(cat "$T/status")"
stop_daemon
for s in a b; do
	expect_eq "types in $s" "event_browser_name event_os_name event_type" "$(pg "SELECT typname FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace WHERE nspname = '$s' AND typtype = 'e' ORDER BY 1" | tr '\n' ' ' | sed 's/ $//')"
	expect_eq "events in $s" "m$s" "$(pg "SELECT message_id FROM $s.events")"
done
expect_eq "nothing in public" 0 "$(pg "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")"

# A role without CREATE in schema a, on tables made before.
pg "CREATE ROLE writer LOGIN; GRANT USAGE ON SCHEMA a TO writer; GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA a TO writer; GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA a TO writer"
expect_eq "no CREATE" f "$(pg "SELECT has_schema_privilege('writer', 'a', 'CREATE')")"
DATA=$T/var3
SOCK=$DATA/krenalisd.sock
start_daemon -w "host=$PGDIR port=$PGPORT dbname=krenalis user=writer options=-csearch_path=a"
AUTH=$AUTHA
track mw
expect_eq "writer" 200 "$(cat "$T/status")"
stop_daemon
expect_eq "events in a" "ma mw" "$(pg "SELECT message_id FROM a.events ORDER BY 1" | tr '\n' ' ' | sed 's/ $//')"

# With search_path c,public, types visible in public serve: none is made
# in c, whose tables use public's, and a start again takes them.
DATA=$T/var4
SOCK=$DATA/krenalisd.sock
start_daemon -w "$CONN"
stop_daemon
pg "CREATE SCHEMA c"
for run in 1 2; do
	DATA=$T/var5-$run
	SOCK=$DATA/krenalisd.sock
	start_daemon -w "$CONN options=-csearch_path=c,public"
	[ $run = 1 ] && store_source
	track "mc$run"
	expect_eq "c, run $run" 200 "$(cat "$T/status")"
	stop_daemon
done
expect_eq "no types in c" 0 "$(pg "SELECT count(*) FROM pg_type WHERE typnamespace = 'c'::regnamespace AND typtype = 'e'")"
expect_eq "events in c" "mc1 mc2" "$(pg "SELECT message_id FROM c.events ORDER BY 1" | tr '\n' ' ' | sed 's/ $//')"
finish
