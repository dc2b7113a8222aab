#!/bin/sh
# Events that are valid JSON but that jansson refuses as they are (an
# integer past 64 bits, a real past a double, a lone surrogate, U+0000 in
# a member name, arrays nested to the body's limit) are stored verbatim,
# and every client shows them: krctl events, krctl -j events with every
# number as it was sent, a krctl events -f that goes on, and krtop.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/krtop-lib.sh"

start_daemon
check "source" kr -j source add "Odd"
KEY=$(jget "$(cat "$T/out")" 'j["writeKeys"][0]')
AUTH="Authorization: Bearer $KEY"
check "pipeline" kr pipeline add "Odd" "Tracks" -F "type is 'track'"

follow
"$KRCTL" -s "$SOCK" -j events -f >"$T/followj.out" 2>"$T/followj.err" &
FOLLOWJ=$!
echo "$FOLLOWJ" >>"$T/extra.pids"
krtop_start top 120x40 -- -s "$SOCK"
see top "krtop is up" "Waiting for events." || finish

# name|properties, one event a request; After comes last, plainly.
DEEP=$(python3 -c 'print("{\"d\":" + "[" * 2045 + "]" * 2045 + "}")')
cat >"$T/odd" <<EOF2
Big|{"n":18446744073709551615}
Huge|{"n":1e999,"m":-1e999}
Lone|{"s":"\ud800","t":"\udc00x"}
Nul|{"a\u0000b":1,"v":"x\u0000y"}
Real|{"x":1.36,"y":0.1}
Deep|$DEEP
After|{"plain":1}
EOF2
n=0
while IFS='|' read -r name props; do
	n=$((n + 1))
	post /v1/events "{\"type\":\"track\",\"event\":\"$name\",\"userId\":\"u$n\",\"messageId\":\"odd-$n\",\"properties\":$props}" -H "$AUTH"
	expect_eq "$name accepted" '200 {"success":true,"received":1,"accepted":1,"duplicates":0}' "$(cat "$T/status") $(cat "$T/body")"
	# The warehouse row keeps the properties verbatim.
	expect_eq "$name stored" "$props" "$(sql "select properties from events where message_id = 'odd-$n'")"
done <"$T/odd"
# A rejected one: its error names a purpose that was a lone surrogate, and
# its type, name and user come from its raw text, which holds 1e999.
REJ='{"type":"track","event":"Bad","userId":"u8","context":{"consents":{"\ud800":1}},"properties":{"n":1e999}}'
post /v1/events "$REJ" -H "$AUTH"
ERR="value of \"$(printf '\357\277\275')\" in 'context.consents' is not a valid boolean"
expect_eq "Bad rejected" "$ERR" "$(jget "$(cat "$T/body")" 'j["rejected"][0]["error"]')"

# krctl events: a line for each, and -j: each record with its properties
# byte for byte as they were sent.
check "events" kr events -n 8
n=0
while IFS='|' read -r name props; do
	n=$((n + 1))
	grep -q "  track     $name  *u$n  *stored   *Tracks=passed\$" "$T/out" ||
	    fail "events: no line for $name: $(cat "$T/out")"
done <"$T/odd"
grep -qF "  track     Bad                       u8                    rejected   $ERR" "$T/out" ||
    fail "events: no line for Bad: $(tail -n 1 "$T/out")"
check "events -j" kr -j events -n 8
cp "$T/out" "$T/events.j"
expect_eq "events -j is one JSON value" 1 "$(wc -l <"$T/events.j")"
grep -qF '"properties":{"x":1.36,"y":0.1}' "$T/events.j" || fail "1.36 is not 1.36"

# The followers saw all eight and are still there.
followed() {
	[ "$(wc -l <"$T/follow.out")" -ge 8 ] &&
	    [ "$(wc -l <"$T/followj.out")" -ge 8 ]
}
wait_until 30 followed || fail "the followers did not get every record"
kill -0 "$FOLLOWER" 2>/dev/null || fail "krctl events -f exited: $(cat "$T/follow.err")"
kill -0 "$FOLLOWJ" 2>/dev/null || fail "krctl -j events -f exited: $(cat "$T/followj.err")"
expect_eq "follow lines" 8 "$(wc -l <"$T/follow.out")"
grep -q '  track     Big  *u1 ' "$T/follow.out" || fail "follow: no Big: $(cat "$T/follow.out")"
grep -q '  track     After  *u7 ' "$T/follow.out" || fail "follow: no After"
grep -q '  track     Bad  *u8  *rejected ' "$T/follow.out" || fail "follow: no Bad"
# One record a line as it comes, and the same text as the array's.
expect_eq "follow -j lines" 8 "$(wc -l <"$T/followj.out")"
expect_eq "follow -j is the daemon's text" "$(cat "$T/events.j")" "[$(paste -sd, "$T/followj.out")]"
n=0
while IFS='|' read -r name props; do
	n=$((n + 1))
	sed -n "${n}p" "$T/followj.out" | grep -qF "\"properties\":$props," ||
	    fail "events -j: $name is not as sent: $(sed -n "${n}p" "$T/followj.out" | cut -c1-300)"
done <"$T/odd"
# (Python reads the array of all eight no deeper than its recursion limit.)
BADJ=$(tail -n 1 "$T/followj.out")
expect_eq "Bad -j raw" "$REJ" "$(jget "$BADJ" 'j["raw"]')"
expect_eq "Bad -j error" "$ERR" "$(jget "$BADJ" 'j["error"]')"
expect_eq "follow errors" "" "$(cat "$T/follow.err" "$T/followj.err")"
kill "$FOLLOWER" "$FOLLOWJ" 2>/dev/null

# krtop lists all eight, and shows the numbers as sent.
see top "eight rows" "Shown 8 of 8"
while IFS='|' read -r name props; do
	see_re top "krtop row $name" "track +$name +u[0-9] +stored"
done <"$T/odd"
see_re top "krtop row Bad" "track +Bad +u8 +rejected +value of "
keys top /
typed top "Big"
see top "filter Big" "Shown 1 of 8"
keys top Enter Enter
see top "Big details" "Details of event 1 "
see top "Big raw" '"n": 18446744073709551615'
keys top Tab
see top "Big normalised" "normalised event"
see top "Big normalised number" '    "n": 18446744073709551615'
keys top Enter / C-u
typed top "Real"
see top "filter Real" "Shown 1 of 8"
keys top Enter Enter
see top "Real normalised" "normalised event"
see top "Real normalised number" '    "x": 1.36,'
keys top Enter / C-u
typed top "Nul"
keys top Enter Enter
see top "Nul normalised" "Details of event 4 "
see top "Nul name" '    "a\u0000b": 1,'
keys top q
krtop_quit_check top "quit"
finish
