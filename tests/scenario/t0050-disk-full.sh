#!/bin/sh
# A full disk (spec/ingest.md §11.2, §13.1): with the data directory on a
# tmpfs filled to the last byte, ingest answers 503 and so does /healthz,
# whose probe really writes, while the commit failures are counted; both
# answer 200 again once there is room.  Needs root, to mount the tmpfs.
. "$(dirname "$0")/lib.sh"
mount_tmpfs 8m
DATA=$T/fs/var
SOCK=$DATA/krenalisd.sock
start_daemon
store_source
STORED='{"success":true,"received":1,"accepted":1,"duplicates":0}'

track a1
expect_http "with room" 200 "$STORED"

# Fill the file system to its last block.
dd if=/dev/zero of="$T/fs/filler" bs=4k 2>/dev/null
expect_eq "disk full" 0 "$(df --output=avail "$T/fs" | tail -n 1 | tr -d ' ')"
track a2
expect_http "ingest on a full disk" 503 "$STORE_FAILED"
expect_eq "Retry-After" 5 "$(header Retry-After)"
# At once, the failed commit decides; a second later, the probe, which
# must fail too.
req GET /healthz
expect_http "healthz after the failed commit" 503 "$NOT_WRITABLE"
sleep 1.1
req GET /healthz
expect_http "healthz probe on a full disk" 503 "$NOT_WRITABLE"
req GET /metrics
grep -q '^krenalis_store_commit_failures_total 1$' "$T/body" ||
    fail "failure counted: $(grep commit_failures "$T/body")"

# Room again: the probe succeeds, and so does the retry.
rm "$T/fs/filler"
i=0
while [ $i -lt 50 ]; do
	req GET /healthz
	[ "$(cat "$T/status")" = 200 ] && break
	sleep 0.1
	i=$((i + 1))
done
expect_http "healthz with room again" 200 "ok"
track a2
expect_http "retry with room again" 200 "$STORED"
expect_eq "rows" 2 "$(sql 'select count(*) from krenalis_events')"
finish
