#!/bin/sh
# krtop cuts what does not fit and says so: a text cut at the right edge
# or at the end of its column ends with an ellipsis on a UTF-8 terminal,
# with '>' on others, in the title line at 80 columns and on a narrow
# terminal, in the other header lines and in the list's rows.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/krtop-lib.sh"

ELL=$(printf '\342\200\246')
: >"$T/daemon.log"	# finish() shows it on failure; no daemon yet

# line NAME N: line N of the screen, without trailing blanks.
line() {
	screen "$1"
	sed -n "${2}p" "$T/screen" | sed 's/ *$//'
}

# ends_with "what" TEXT MARK: TEXT ends with MARK, and is not MARK alone.
ends_with() {
	case $2 in
	?*"$3") ;;
	*) fail "$1: \"$2\" does not end with \"$3\"" ;;
	esac
}

# At 80 columns, the title of a krtop that cannot connect is cut.
long="$T/a-directory-with-a-long-name/where-no-daemon-runs/krenalisd.sock"
krtop_start nod 80x24 LC_ALL=C.UTF-8 -- -s "$long"
see nod "disconnected" " krtop   disconnected: krenalisd is not running" ||
    finish
ends_with "title at 80, UTF-8" "$(line nod 1)" "$ELL"
not_see nod "title at 80, UTF-8" "retrying"
krtop_start nod8 80x24 LC_ALL=C -- -s "$long"
see nod8 "disconnected" " krtop   disconnected: krenalisd is not running" ||
    finish
ends_with "title at 80, not UTF-8" "$(line nod8 1)" ">"
keys nod q
krtop_quit_check nod "q, UTF-8"
keys nod8 q
krtop_quit_check nod8 "q, not UTF-8"

start_daemon
check "source" kr -j source add "Segment production EU"
KEY=$(jget "$(cat "$T/out")" 'j["writeKeys"][0]')
post /v1/events '{"type":"track","event":"Order Completed In The Mobile App",
    "userId":"user-with-a-rather-long-identifier"}' \
    -H "Authorization: Bearer $KEY"
expect_eq "post" 200 "$(cat "$T/status")"

# A row at 80 columns: the source, the name and the user cut, marked.
krtop_start cut 80x24 LC_ALL=C.UTF-8 -- -s "$SOCK"
see cut "row" "Order Completed" || finish
see_re cut "row cut, UTF-8" "^[0-9:.]{12} Segment pro$ELL track +Order Completed$ELL user-with-a$ELL filtered *\$"
# The title leaves out the process ID, then the address, then the
# uptime, where the whole line does not fit: the node stays named.
NODE=$(cat "$DATA/node.id")
see_re cut "title at 80 names the node" "^ krtop   krenalisd 0\\.1\\.0   up [0-9a-z ]+   node $NODE "
not_see cut "title at 80, no pid" "pid $PID"
tm resize-window -t cut -x 200 -y 24
see_re cut "title at 200, whole" "^ krtop   krenalisd 0\\.1\\.0   pid $PID   up [0-9a-z ]+   listen 127\\.0\\.0\\.1:$PORT   node $NODE $(hostname) *\$"
# Narrow: the title and the header lines end with the mark.
tm resize-window -t cut -x 40 -y 16
see_re cut "narrow title" "^ krtop   krenalisd 0\\.1\\.0   node .*$ELL\$"
ends_with "narrow rates" "$(line cut 2)" "$ELL"
ends_with "narrow counts" "$(line cut 3)" "$ELL"
ends_with "narrow status line" "$(line cut 16)" "$ELL"
keys cut q
krtop_quit_check cut "q, narrow"

# Without UTF-8, the mark is '>'.
krtop_start cut8 80x24 LC_ALL=C -- -s "$SOCK"
see cut8 "row" "Order Completed" || finish
see_re cut8 "row cut, not UTF-8" '^[0-9:.]{12} Segment pro> track +Order Completed> user-with-a> filtered *$'
tm resize-window -t cut8 -x 40 -y 16
see_re cut8 "narrow title, not UTF-8" '^ krtop   krenalisd 0\.1\.0   node .*>$'

keys cut8 q
krtop_quit_check cut8 "q, not UTF-8, narrow"
finish
