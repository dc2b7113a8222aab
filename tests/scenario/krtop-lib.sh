# Helpers of the krtop scenario tests (t004*-krtop*.sh), sourced after
# lib.sh: krtop runs in a private tmux server, driven with send-keys and
# read with capture-pane.  Every wait polls the screen until what is
# expected is there, so that a slow machine only makes a test slower.
#
#   krtop_start NAME COLSxROWS [VAR=value ...] -- [krtop arguments]
#                        run krtop in tmux session NAME; when it exits, the
#                        pane says "KRTOP-EXIT rc=N stty=same|changed"
#   keys NAME key...     tmux send-keys
#   typed NAME text      send text literally
#   screen NAME          the screen as text, into $T/screen
#   wait_for NAME TEXT [tenths]       until TEXT (fixed) is on the screen
#   wait_re NAME REGEX [tenths]       until a line matches REGEX (grep -E)
#   wait_gone NAME TEXT [tenths]      until TEXT is not on the screen
#   see NAME "what" TEXT [tenths]     wait_for, or fail showing the screen
#   see_re NAME "what" REGEX [tenths]
#   not_see NAME "what" TEXT          TEXT is not on the screen now
#   pane NAME FORMAT     a tmux format of the pane, e.g. #{alternate_on}
#   krtop_pid NAME       the process ID of krtop in session NAME
#   krtop_quit_check NAME "what"      krtop ended well (see below)
#   KRTOP_WRAP           run krtop under this command, e.g.
#                        "valgrind -q --error-exitcode=3"

KRTOP=$TOP/krtop/krtop
TMUX_SOCK=$T/tmux.sock
WAIT=${KRTOP_WAIT:-100}		# tenths of a second

if ! command -v tmux >/dev/null 2>&1; then
	fail "tmux is not installed"
	: >"$T/daemon.log"
	finish
fi

tm() {
	tmux -f /dev/null -S "$TMUX_SOCK" "$@"
}

# The tmux server goes first, then lib.sh's daemon and directory.
krtop_cleanup() {
	tm kill-server >/dev/null 2>&1
	cleanup
}
trap krtop_cleanup EXIT

# The command each pane runs: krtop (its pid kept by an exec), then a line
# that says how it ended and whether it left the terminal modes as it
# found them, then a long sleep so that the pane can still be read.
cat >"$T/run-krtop.sh" <<'EOF'
name=$1; shift
trap : INT TERM
before=$(stty -g)
sh -c 'echo $$ >"$0"; exec $KRTOP_WRAP "$@"' "$KRTOP_PIDDIR/$name.pid" \
    "$KRTOP" "$@"
rc=$?
if [ "$(stty -g)" = "$before" ]; then s=same; else s=changed; fi
echo "KRTOP-EXIT rc=$rc stty=$s"
exec sleep 3600
EOF

krtop_start() {
	name=$1; size=$2; shift 2
	envs=
	while [ $# -gt 0 ] && [ "$1" != "--" ]; do
		envs="$envs $1"; shift
	done
	[ "$1" = "--" ] && shift
	rm -f "$T/$name.pid"
	# Given as several words, the command runs without a shell around
	# it, so that its arguments need no quoting; -x and -y size the
	# detached session.
	tm new-session -d -s "$name" -x "${size%x*}" -y "${size#*x}" \
	    env KRTOP="$KRTOP" KRTOP_PIDDIR="$T" KRTOP_WRAP="$KRTOP_WRAP" \
	    TERM=screen $envs \
	    sh "$T/run-krtop.sh" "$name" "$@"
}

keys() {
	name=$1; shift
	tm send-keys -t "$name" "$@"
}

typed() {
	tm send-keys -t "$1" -l "$2"
}

screen() {
	tm capture-pane -p -t "$1" >"$T/screen" 2>/dev/null
}

wait_for() {
	i=0
	while [ $i -lt "${3:-$WAIT}" ]; do
		screen "$1"
		grep -qF -- "$2" "$T/screen" && return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

wait_re() {
	i=0
	while [ $i -lt "${3:-$WAIT}" ]; do
		screen "$1"
		grep -qE -- "$2" "$T/screen" && return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

wait_gone() {
	i=0
	while [ $i -lt "${3:-$WAIT}" ]; do
		screen "$1"
		grep -qF -- "$2" "$T/screen" || return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

# show_screen: the last screen read, for a failure message.
show_screen() {
	echo "--- screen"
	sed 's/ *$//' "$T/screen"
	echo "---"
}

see() {
	wait_for "$1" "$3" "$4" && return 0
	fail "$2: \"$3\" is not on the screen"
	show_screen
	return 1
}

see_re() {
	wait_re "$1" "$3" "$4" && return 0
	fail "$2: no line matches /$3/"
	show_screen
	return 1
}

not_see() {
	screen "$1"
	grep -qF -- "$3" "$T/screen" || return 0
	fail "$2: \"$3\" is on the screen"
	show_screen
	return 1
}

pane() {
	tm display-message -p -t "$1" "$2"
}

krtop_pid() {
	cat "$T/$1.pid" 2>/dev/null
}

# krtop_quit_check NAME "what": krtop has exited 0 and given the terminal
# back as reset would, with or without an alternate screen: nothing of
# krtop's left on the screen, no alternate screen, the cursor shown, no
# scrolling region, the tty modes as before, and what is typed next
# shows plainly at the start of a line.
krtop_quit_check() {
	see "$1" "$2: exit" "KRTOP-EXIT rc=0 stty=same" || return 1
	not_see "$1" "$2: krtop's header left" "Events/s"
	not_see "$1" "$2: krtop's status line left" " quit"
	expect_eq "$2: alternate screen" 0 "$(pane "$1" '#{alternate_on}')"
	expect_eq "$2: cursor" 1 "$(pane "$1" '#{cursor_flag}')"
	expect_eq "$2: keypad" 0 "$(pane "$1" '#{keypad_flag}')"
	expect_eq "$2: scrolling region" \
	    "0 $(($(pane "$1" '#{pane_height}') - 1))" \
	    "$(pane "$1" '#{scroll_region_upper} #{scroll_region_lower}')"
	typed "$1" "typed-after-krtop"
	see_re "$1" "$2: typing after" '^typed-after-krtop$' || return 1
	tm capture-pane -e -p -t "$1" | grep -qx 'typed-after-krtop' ||
	    fail "$2: what is typed after krtop has attributes"
}
