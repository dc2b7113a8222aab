#!/bin/sh
# Two nodes changing the shared catalog at once (spec/postgresql.md §5.1):
# the rules hold as on one daemon.  Of 30 keys asked for at once on both,
# 19 are made (20 in all), the others fail; of one source name asked for
# on both, one is made; every change has its own version.  A catalog
# table of other columns stops a start, and is not altered.
. "$(dirname "$0")/lib.sh"
pg_nodes

# all: wait for the krctl started in the background (not the daemons).
pids=
all() {
	for p in $pids; do
		wait "$p"
	done
	pids=
}

check "source" "$KRCTL" -s "$SOCK1" source add S
for i in $(seq 1 15); do
	"$KRCTL" -s "$SOCK1" key add S >"$T/k1.$i" 2>&1 &
	pids="$pids $!"
	"$KRCTL" -s "$SOCK2" key add S >"$T/k2.$i" 2>&1 &
	pids="$pids $!"
done
all
expect_eq "20 keys" 20 "$(pg "SELECT count(*) FROM krenalis_write_keys")"
expect_eq "11 refused" 11 "$(cat "$T"/k[12].* | grep -c 'already has 20 event write keys')"
for n in 1 2; do
	check "key list $n" "$KRCTL" -s "$(eval echo "\$SOCK$n")" -j key list S
	expect_eq "20 keys on $n" 20 "$(jget "$(cat "$T/out")" 'len(j)')"
done

for n in 1 2 1 2; do
	"$KRCTL" -s "$(eval echo "\$SOCK$n")" source add Twin >>"$T/twin.$n" 2>&1 &
	pids="$pids $!"
done
all
# What each answered, shown when a check below fails.
for f in "$T"/twin.*; do sed "s|^|${f##*/}: |" "$f"; done
expect_eq "one twin" 1 "$(pg "SELECT count(*) FROM krenalis_sources WHERE name = 'Twin'")"
expect_eq "three refused" 3 "$(cat "$T"/twin.* | grep -c 'a source named "Twin" already exists')"
expect_eq "versions" 21 "$(pg 'SELECT version FROM krenalis_catalog')"

stop_daemon
pg "ALTER TABLE krenalis_pipelines ALTER COLUMN enabled TYPE text" >/dev/null
"$KRENALISD" -d -D "$T/var3" -l "127.0.0.1:$PORT" -w "$PGURL" 2>"$T/start.err"
expect_eq "start refused" 1 "$?"
expect_eq "message" 'krenalisd: catalog: table krenalis_pipelines, column "enabled": expected type boolean, found text (krenalisd never alters an existing table)' \
    "$(tail -n 1 "$T/start.err")"
expect_eq "not altered" text "$(pg "SELECT data_type FROM information_schema.columns WHERE table_name = 'krenalis_pipelines' AND column_name = 'enabled'")"
finish
