#!/bin/sh
# Acknowledged means durable (spec/ingest.md §11.2), under kill -9: a
# client posts batches of unique messageIds and retries each one until it
# is answered 200, while the daemon is killed with SIGKILL twice and
# started again on the same data directory and port.  In the end every
# acknowledged event is stored, and none is stored twice: a batch whose
# commit was durable but whose answer was lost is retried, and the
# retry's events are answered as duplicates.
. "$(dirname "$0")/lib.sh"
start_daemon
store_source

# The client (retrying-client.py) posts batches of 50 unique ids, each
# until it is answered 200, while the daemon is killed twice.
kill9_load
stop_daemon

sql "select message_id from krenalis_events" >"$T/stored"
expect_acked_stored "$T/stored"
finish
