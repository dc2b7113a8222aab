#!/bin/sh
# krtop's screen: the ? screen at 80x24, moving through a long list
# (arrows, PgUp/PgDn, Home/End, g/G, following new events), the detail
# pane scrolled, and the terminal resized to 80x24 (everything usable),
# 200x60, too small and back; Ctrl-C gives the terminal back.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/krtop-lib.sh"

# The widest line of the screen in characters: a cut line ends with "…".
widest() {
	python3 -c 'import sys; print(max(len(l.rstrip("\n")) for l in open(sys.argv[1], encoding="utf-8")))' "$T/screen"
}

start_daemon
check "source" kr -j source add "Segment prod"
KEY=$(jget "$(cat "$T/out")" 'j["writeKeys"][0]')
AUTH="Authorization: Bearer $KEY"
check "tracks" kr pipeline add "Segment prod" "Tracks" \
    -F "type is 'track' and event is 'Signed Up'"
check "pages" kr pipeline add "Segment prod" "Pages" \
    -F "type is 'page' or type is 'screen'"
check "off" kr pipeline add "Segment prod" "Old" --disabled

# 30 events E01..E30, seq 1..30, with a long property to scroll through.
body=$(python3 -c '
import json
long = " ".join("word%d" % i for i in range(120))
print(json.dumps([{"type": "track", "event": "E%02d" % i, "userId": "u%02d" % i,
    "properties": {"n": i, "text": long}} for i in range(1, 31)]))')
post /v1/events "$body" -H "$AUTH"
expect_eq "batch" 200 "$(cat "$T/status")"

krtop_start scr 80x24 -- -s "$SOCK"
see scr "80x24 list" "E30" || finish
screen scr
expect_eq "80x24 lines" 24 "$(wc -l <"$T/screen")"
expect_eq "80x24 widest" 80 "$(widest)"
expect_eq "80x24 column header" \
    "TIME         SOURCE       TYPE     EVENT/NAME       USER         OUTCOME   PIPES" \
    "$(sed -n 4p "$T/screen" | sed 's/ *$//')"
expect_eq "80x24 help line" \
    "? help Enter details p pause / filter o outcome s source d destinations q quit" \
    "$(sed -n 24p "$T/screen" | sed 's/ *$//')"
see_re scr "80x24 row" '^[0-9:.]{12} Segment prod track +E30 +u30 +filtered +xx- *$'
see scr "80x24 header" " Events/s   received "
# 19 rows of list: E12..E30 while following the newest.
see scr "80x24 rows" "E12"
not_see scr "80x24 rows" "E11"

# The ? screen fits 80x24, the keys added last included.
keys scr '?'
see scr "80x24 help" "Keys of the details"
see scr "80x24 help g and G" "Home, g / End, G"
see scr "80x24 help Ctrl-L" "Ctrl-L"
see scr "80x24 help fits" "Press any key to go back."
keys scr x
see scr "back from help" "? help Enter details"

# g and G, as Home and End; Ctrl-L draws the same again.
keys scr g Enter
see scr "g selects the first" "Details of event 1 "
keys scr Enter G Enter
see scr "G selects the last" "Details of event 30 "
keys scr Enter C-l
wait_gone scr "Details of event" || fail "Enter does not close"
see scr "Ctrl-L" "? help Enter details"

# Home, PgDn, End, Up, Down: the selection, shown by its details.
keys scr Home
see scr "Home" "E01"
keys scr Enter
see scr "Home selects the first" "Details of event 1 "
keys scr Enter
wait_gone scr "Details of event" || fail "Enter does not close"
keys scr NPage Enter
see scr "PgDn moves a page" "Details of event 20 "
keys scr Enter PPage Down Enter
see scr "PgUp and Down" "Details of event 2 "
keys scr Enter End Up Up k j Enter
see scr "End, Up, k, j" "Details of event 28 "

# The details at 80x24: the pipelines and the start of the payload fit.
see scr "80x24 outcome" "Outcome  filtered"
see scr "80x24 condition" '  x Tracks  filtered: condition 2 is false: event is "Signed Up"'
see scr "80x24 or" "  x Pages   filtered: no condition matched"
see scr "80x24 disabled" "  - Old     disabled"
see scr "80x24 payload" "Raw payload, "
see scr "80x24 detail keys" "Up/Dn scroll Tab raw/normalised"
# The long text wraps within 80 columns; End shows the last line.
keys scr End
see_re scr "detail end" '^}$'
see scr "wrapped words" "word119"
screen scr
expect_eq "detail widest" 80 "$(widest)"
keys scr Home
see scr "detail top" "Event 28  received"
keys scr Enter

# Following: the newest is selected and new events show; not after Up.
keys scr End
post /v1/events '{"type":"track","event":"E31","userId":"u31"}' -H "$AUTH"
see scr "follows" "E31"
keys scr Up
post /v1/events '{"type":"track","event":"E32","userId":"u32"}' -H "$AUTH"
see scr "counted" "Shown 32 of 32"
not_see scr "stays" "E32"
keys scr End
see scr "End follows" "E32"

# 200x60: wider columns, the details larger.
tm resize-window -t scr -x 200 -y 60
see_re scr "200x60 column header" '^TIME {9}SOURCE {19}TYPE {5}EVENT/NAME {91}USER {33}OUTCOME   PIPES *$'
screen scr
expect_eq "200x60 lines" 60 "$(wc -l <"$T/screen")"
see_re scr "200x60 help line" '^\? help Enter details'
keys scr Enter
see scr "200x60 details" "Details of event 32 "
screen scr
expect_eq "200x60 help at the bottom" \
    "Up/Dn scroll Tab raw/normalised n/N next/prev Enter close p pause q quit" \
    "$(sed -n 60p "$T/screen" | sed 's/ *$//')"
# Resized with the details open, at the payload's end.
keys scr N End
see scr "E31 details" "Details of event 31 "
tm resize-window -t scr -x 80 -y 24
see_re scr "80x24 again" '^Up/Dn scroll'
see scr "still E31" "Details of event 31 "
screen scr
expect_eq "80x24 again widest" 80 "$(widest)"
keys scr Enter

# Too small, then usable again.
tm resize-window -t scr -x 30 -y 8
see scr "too small" "krtop: the terminal is too"
see scr "too small, wrapped" "  small"
tm resize-window -t scr -x 80 -y 24
see scr "usable again" "? help Enter details"
see scr "rows again" "E32"

# Narrower than 80: no source column, the rest still there.
tm resize-window -t scr -x 60 -y 20
keys scr End
see_re scr "60 columns" '^[0-9:]{8} track +E32 +u32 +filtered +xx- *$'
not_see scr "no source column" "SOURCE"

# Ctrl-C gives the terminal back.
keys scr C-c
krtop_quit_check scr "Ctrl-C"
finish
