#!/bin/sh
# The PostgreSQL warehouse (spec/postgresql.md §1): krenalisd -n connects
# and names the server, or fails with libpq's reason and without the
# password; -w wins over the file.
. "$(dirname "$0")/lib.sh"
pg_start
: >"$T/daemon.log"

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
finish
