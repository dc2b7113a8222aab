#!/bin/sh
# krtop, driven in tmux: an event posted over HTTP appears within a second;
# Enter shows its payload, its outcome and the condition that failed;
# Tab, o, /, p and s change what is shown (the rates stay known when the
# source changes); q gives the terminal back, also on a vt100, which has
# no alternate screen.
# Also its command line (-h, -V), and colours or plain attributes by terminal.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/krtop-lib.sh"

# The command line: the usage line is the manual's SYNOPSIS.
expect_fail "bad option" "krtop: unknown option -x; usage: krtop [-hV] [-s socket] [source]" "$KRTOP" -x
expect_fail "two sources" 'krtop: unexpected argument "b"; usage: krtop [-hV] [-s socket] [source]' "$KRTOP" a b
expect_fail "a long option after the source" 'krtop: unknown option --json; usage: krtop [-hV] [-s socket] [source]' "$KRTOP" src --json
"$KRTOP" -h >"$T/out" 2>"$T/err"
expect_eq "-h status" 0 $?
expect_eq "-h prints the usage" "usage: krtop [-hV] [-s socket] [source]" \
    "$(cat "$T/out")"
"$KRTOP" -V >"$T/out" 2>"$T/err"
expect_eq "-V status" 0 $?
expect_eq "-V prints the version" \
    "krtop $(sed -n 's/.*KRENALIS_VERSION[^"]*"\(.*\)".*/\1/p' \
    "$TOP/common/version.h")" "$(cat "$T/out")"
expect_eq "-V without a terminal" "" "$(cat "$T/err")"
synopsis=$(groff -mdoc -rLL=1000n -Tascii -P-c -P-b -P-u \
    "$TOP/man/krtop.1" 2>/dev/null | awk '
	/^SYNOPSIS$/ { on = 1; next }
	on && /^[^ \t]/ { exit }
	on { print }' | tr -s ' \t\n' '   ' | sed 's/^ //; s/ $//')
expect_eq "krtop.1 SYNOPSIS is the usage" "krtop [-hV] [-s socket] [source]" \
    "$synopsis"
"$KRTOP" a b >/dev/null 2>"$T/err"
expect_eq "two sources" 1 $?
expect_fail "no terminal" "krtop: standard input and output must be a terminal" \
    "$KRTOP" -s "$T/nosock" </dev/null
# A path that can never be the socket is a bad command line, not a daemon
# said to be down; nor is a terminal that cannot move its cursor usable.
expect_fail "-s on a directory" "krtop: $T is not a socket" \
    "$KRTOP" -s "$T" </dev/null
expect_fail "empty -s" "krtop: -s: the socket path is empty" \
    "$KRTOP" -s '' </dev/null
krtop_start dumb 80x20 TERM=dumb -- -s "$T/nosock"
see dumb "TERM=dumb" "krtop: cannot use the terminal (TERM=dumb)"
see dumb "TERM=dumb: exit status" "KRTOP-EXIT rc=1"

start_daemon
check "source" kr -j source add "Segment prod"
KEY=$(jget "$(cat "$T/out")" 'j["writeKeys"][0]')
check "second source" kr -j source add "Mobile"
KEY2=$(jget "$(cat "$T/out")" 'j["writeKeys"][0]')
check "tracks" kr pipeline add "Segment prod" "Tracks" \
    -F "type is 'track' and event is 'Signed Up'"
check "pages" kr pipeline add "Segment prod" "Pages" \
    -F "type is 'page' or type is 'screen'"

krtop_start top 120x40 -- -s "$SOCK"
see top "header" "krenalisd 0.1.0" || finish
see top "empty list" "Waiting for events."
see top "help line" "? help Enter details p pause / filter o outcome s source d destinations q quit"
expect_eq "alternate screen" 1 "$(pane top '#{alternate_on}')"

# An event appears within a second (3 s allowed for a loaded machine).
post /v1/events '{"type":"track","event":"Signed Up","userId":"u1"}' \
    -H "Authorization: Bearer $KEY"
expect_eq "post" 200 "$(cat "$T/status")"
see top "first event" "Signed Up" 30
see_re top "first row" '^[0-9:.]{12} Segment prod +track +Signed Up +u1 +stored +\+x *$'

post /v1/events '[{"type":"track","event":"Order Completed","userId":"u2","properties":{"total":12.50,"sku":"A-1"}},
 {"type":"track","userId":"u3"}]' -H "Authorization: Bearer $KEY"
post /v1/events '{"type":"page","name":"Home","anonymousId":"anon-7"}' \
    -H "Authorization: Bearer $KEY2"
see_re top "filtered row" 'track +Order Completed +u2 +filtered +xx *$'
# A rejected event's row: what its raw text says, and its error's start.
see_re top "rejected row" '^[0-9:.]{12} Segment prod +track +u3 +rejected +property .event. is requir'
see_re top "errors' column" '^TIME .* USER +OUTCOME   PIPES/ERROR *$'
see_re top "other source" 'Mobile +page +Home +anon-7 +filtered *$'
see top "counts" "Source all (2)   Shown 4 of 4   Omitted 0"
see_re top "rates" '^ Events/s   received [0-9.]+   stored [0-9.]+   rejected [0-9.]+   duplicates [0-9.]+   filtered [0-9.]+'

# The details of the second event: its payload, the failed conditions.
keys top Home Down Enter
see top "details" "Details of event 2   raw payload"
see top "event line" "Event 2  received "
see top "outcome" "Outcome  filtered"
see top "and filter" '  x Tracks  filtered: condition 2 is false: event is "Signed Up"'
see top "or filter" "  x Pages   filtered: no condition matched"
see top "raw payload" '  "event": "Order Completed",'
see top "raw number" '    "total": 12.50,'
see top "detail keys" "Up/Dn scroll Tab raw/normalised n/N next/prev Enter close"
keys top Tab
see top "normalised" "Details of event 2   normalised event"
see top "normalised member" '  "connectionId": '
keys top Tab
see top "raw again" "Details of event 2   raw payload"
# n: the next event, the rejected one.
keys top n
see top "next event" "Details of event 3"
see top "rejection" "Outcome  rejected"
see top "error" "Error    "
see top "no pipeline" "none: a rejected event goes through no pipeline"
keys top Enter
wait_gone top "Details of event" || fail "Enter does not close the details"

# o: one outcome.
keys top o
see top "outcome picker" "r  rejected"
keys top r
see top "only rejected" "Shown 1 of 4   Omitted 0   Outcome rejected"
not_see top "only rejected" "Order Completed"
keys top o a
see top "all outcomes" "Shown 4 of 4   Omitted 0"
wait_gone top "Outcome rejected" || fail "o a keeps the outcome filter"

# /: a text, live, kept by Enter, put back by Esc, cleared when empty.
keys top /
typed top "order"
see top "filter" "Shown 1 of 4   Omitted 0   Filter order"
see top "filter prompt" "Filter: order"
keys top Enter
see top "filter kept" "? help Enter"
see top "filter row" "Order Completed"
not_see top "filter hides" "Signed Up"
keys top /
typed top "xyz"
see top "no match" "No event matches"
keys top Escape
see top "Esc puts back" "Shown 1 of 4   Omitted 0   Filter order"
keys top / C-u Enter
see top "filter cleared" "Shown 4 of 4   Omitted 0"
# Also in the raw payload, and whatever the case.
keys top /
typed top "A-1"
see top "raw text" "Shown 1 of 4"
keys top C-u
typed top "ANON-7"
see top "any case" "Shown 1 of 4"
see top "any case row" "anon-7"
keys top C-u Enter
see top "all again" "Shown 4 of 4"

# p: the list stops; new events are counted, then shown.
keys top p
see top "paused" "PAUSED, 0 new"
see top "resume key" "p resume"
post /v1/events '{"type":"track","event":"While Paused","userId":"u4"}' \
    -H "Authorization: Bearer $KEY"
see top "counted" "PAUSED, 1 new"
not_see top "not shown" "While Paused"
keys top p
see top "shown after pause" "While Paused"
wait_gone top "PAUSED" || fail "p does not resume"
see top "5 shown" "Shown 5 of 5"

# s: one source; the stream follows it.
keys top s
see top "source picker" "0  all sources"
see_re top "picker names" '[0-9]  Mobile'
d=$(grep -oE '[0-9]  Mobile' "$T/screen" | cut -c1)
keys top "$d"
see top "one source" "Source Mobile   Shown 1 of 5"
# Before the first rate sample of the new subscription: 0, not "-".
i=0
while [ $i -lt 20 ]; do
	screen top
	if grep -q "received -" "$T/screen"; then
		fail "rates unknown after choosing a source"
		show_screen
		break
	fi
	sleep 0.1
	i=$((i + 1))
done
see_re top "rates after choosing" '^ Events/s   received [0-9]'
not_see top "one source" "Order Completed"
post /v1/events '{"type":"screen","name":"Settings","userId":"m1"}' \
    -H "Authorization: Bearer $KEY2"
post /v1/events '{"type":"track","event":"Elsewhere","userId":"u5"}' \
    -H "Authorization: Bearer $KEY"
see top "followed source" "Settings"
keys top s 0
see top "all sources back" "Source all (2)"
see top "Elsewhere later" "Elsewhere"
# The history sent again on subscribing is not shown twice.
see top "no record twice" "Shown 7 of 7"
not_see top "no message" "does not exist"

# ?: the help screen; any key goes back.
keys top '?'
see top "help screen" "Marks: + passed"
see_re top "help lists g and G" '^ +Home, g / End, G +the oldest / newest event'
see_re top "help lists Ctrl-L" '^ +Ctrl-L +draw the screen again'
see_re top "help lists ? and h" '^ +\?, h +these keys'
keys top x
see top "back from help" "? help Enter details"

# Colours on this terminal (TERM=screen).
tm capture-pane -e -p -t top >"$T/ansi"
grep -q "$(printf '\033')\[[0-9;]*3[0-7]m\|$(printf '\033')\[[0-9;]*4[0-7]m" \
    "$T/ansi" || fail "no colours on TERM=screen"

# q gives the terminal back.
keys top q
krtop_quit_check top "q"

# TERM=vt100: no colours, bold and reverse instead; same contents.
krtop_start vt 100x30 TERM=vt100 -- -s "$SOCK" "Segment prod"
see vt "vt100 header" "krenalisd 0.1.0" || finish
see vt "vt100 source" "Source Segment prod"
see vt "vt100 rows" "Order Completed"
not_see vt "vt100 one source" "Settings"
tm capture-pane -e -p -t vt >"$T/ansi"
grep -q "$(printf '\033')\[[0-9;]*[34][0-7]m" "$T/ansi" &&
    fail "colours on TERM=vt100"
grep -q "$(printf '\033')\[[0-9;]*7m" "$T/ansi" ||
    fail "no reverse video on TERM=vt100"
keys vt Enter
see vt "vt100 details" "Details of event"
keys vt q
krtop_quit_check vt "q on vt100"

# A source that does not exist: said on the last line.
krtop_start nosuch 100x30 -- -s "$SOCK" nosuch
see nosuch "unknown source" 'source "nosuch" does not exist'
keys nosuch q
krtop_quit_check nosuch "q after an error"

# A source watched by its name stays watched when it is renamed, and its
# records stay when it is deleted, which the last line says.
krtop_start mob 100x30 -- -s "$SOCK" Mobile
see mob "watching Mobile" "Source Mobile   Shown 2 of 2"
check "rename Mobile" kr source rename Mobile Handheld
check "send to Handheld" kr send Handheld -e Renamed -u u9
see mob "watching it renamed" "Source Handheld   Shown 3 of 3"
see_re mob "its new record" 'Handheld +track +Renamed +u9 '
check "rm Handheld" kr source rm Handheld
see mob "deleted source" 'source "Handheld" was deleted'
see mob "its records kept" "Source Handheld   Shown 3 of 3"
# Its rates are its own, none, while another source receives events.
see mob "no rates" "Events/s   received 0   "
(AUTH="Authorization: Bearer $KEY" T=$T/busy; mkdir "$T"; i=0
while [ $i -lt 40 ]; do
	track "busy-$i"
	sleep 0.05; i=$((i + 1))
done) &
BUSY=$!
i=0
while [ $i -lt 30 ]; do
	screen mob
	grep -qE "Events/s +received [1-9]" "$T/screen" &&
	    fail "a deleted source's rates are another's: $(sed -n 2p "$T/screen")"
	sleep 0.1; i=$((i + 1))
done
wait "$BUSY"
check "the busy events came" kr -j stats "Segment prod"
expect_eq "busy events" 1 "$(jget "$(cat "$T/out")" 'int(j["sources"][0]["received"] >= 40)')"
keys mob q
krtop_quit_check mob "q after the source's deletion"
finish
