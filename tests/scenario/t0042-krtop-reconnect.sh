#!/bin/sh
# krtop and a daemon that comes and goes: started first, krtop says
# "disconnected" and connects when the daemon is up; when the daemon
# stops, it says so, keeps what it shows and stays usable; when the
# daemon is back (seq counting from 1 again), new events follow the old
# ones.  SIGTERM gives the terminal back.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/krtop-lib.sh"

: >"$T/daemon.log"
krtop_start rc 160x30 -- -s "$SOCK"
see rc "no daemon yet" "disconnected: krenalisd is not running (no socket at $SOCK); retrying" || finish
see rc "nothing held" "No events."
start_daemon
see rc "connected" "krenalisd 0.1.0   pid $PID   up " || finish
check "source" kr -j source add "Segment prod"
KEY=$(jget "$(cat "$T/out")" 'j["writeKeys"][0]')
check "tracks" kr pipeline add "Segment prod" "Tracks" -F "type is 'track'"
see rc "source count" "Source all (1)"
post /v1/events '{"type":"track","event":"Before Restart","userId":"u1"}' \
    -H "Authorization: Bearer $KEY"
see rc "first event" "Before Restart"
see_re rc "rates" 'received [0-9]'
keys rc Enter
see rc "details" "Details of event 1 "

# The daemon stops: said at once; what was shown stays, and keys work.
check "stop" stop_daemon
see rc "disconnected" "disconnected: krenalisd is not running" || finish
see rc "rates unknown" "received -   stored -"
see rc "rows kept" "Before Restart"
see rc "details kept" "Details of event 1 "
see rc "payload kept" '"event": "Before Restart",'
keys rc Enter
wait_gone rc "Details of event" || fail "keys do nothing while disconnected"
keys rc '?'
see rc "help while disconnected" "Marks: + passed"
keys rc x
see rc "back" "Shown 1 of 1"
# The destinations' view says its figures are old.
keys rc d
see rc "destinations while disconnected" "the destinations of krenalisd, as last seen: disconnected"
keys rc x
see rc "back again" "Shown 1 of 1"

# Back on the same socket and port: reconnected, the old events kept,
# the new ones after them although their seq starts at 1 again.
KEEP_PORT=1 start_daemon
see rc "reconnected" "krenalisd 0.1.0   pid $PID   up " || finish
not_see rc "no longer disconnected" "disconnected"
post /v1/events '{"type":"track","event":"After Restart","userId":"u2"}' \
    -H "Authorization: Bearer $KEY"
see rc "new event" "After Restart"
see rc "both" "Shown 2 of 2"
see rc "old still" "Before Restart"
screen rc
expect_eq "order" "Before Restart After Restart" \
    "$(grep -oE '(Before|After) Restart' "$T/screen" | tr '\n' ' ' | sed 's/ $//')"
see_re rc "rates again" 'received [0-9]'
keys rc End Enter
see rc "new details" "Details of event 1 "
see rc "new payload" '"event": "After Restart",'

# A stop and a restart while paused: the pause holds across.
keys rc Enter p
see rc "paused" "PAUSED, 0 new"
check "stop again" stop_daemon
see rc "disconnected again" "disconnected"
KEEP_PORT=1 start_daemon
see rc "reconnected again" "pid $PID"
post /v1/events '{"type":"track","event":"Third Run","userId":"u3"}' \
    -H "Authorization: Bearer $KEY"
see rc "held" "PAUSED, 1 new"
not_see rc "held, not shown" "Third Run"
keys rc p
see rc "shown" "Third Run"

# SIGTERM gives the terminal back.
pid=$(krtop_pid rc)
if [ -n "$pid" ]; then
	kill -TERM "$pid"
	krtop_quit_check rc "SIGTERM"
else
	fail "no pid for krtop"
fi
finish
