#!/bin/sh
# krenalisd's configuration file, -n, the data directory, its lock, the pid
# file, detaching, and signals.
. "$(dirname "$0")/lib.sh"
conf=$T/krenalisd.conf

# -n: a good file, defaults, comments.
cat >"$conf" <<CONF
# a comment
data_dir = $T/elsewhere
listen = 127.0.0.1:2999
max_body_bytes = 1048576
dedupe_window = 30d
public_url = https://events.example.com/

rate_limit_events_per_minute = 600
CONF
"$KRENALISD" -n -f "$conf" 2>"$T/err"
expect_eq "-n ok status" 0 $?
expect_eq "-n ok" "configuration OK" "$(cat "$T/err")"
[ -e "$T/elsewhere" ] && fail "-n created the data directory"

# -n refuses what the start would refuse of the data directory and of
# the admin socket's directory, with the start's messages, before
# "configuration OK", and makes neither.
touch "$T/afile"
nprobe() {
	what=$1 msg=$2
	shift 2
	"$KRENALISD" -n -f /dev/null "$@" 2>"$T/err"
	expect_eq "-n, $what: status" 1 $?
	expect_eq "-n, $what" "krenalisd: $msg" "$(cat "$T/err")"
	"$KRENALISD" -d -f /dev/null -l "127.0.0.1:$(random_port)" "$@" \
	    2>"$T/err"
	expect_eq "start, $what: status" 1 $?
	expect_eq "start, $what" "krenalisd: $msg" "$(cat "$T/err")"
}
nprobe "a file" "data directory $T/afile is not a directory" -D "$T/afile"
nprobe "below a file" "cannot create data directory $T/afile/d: Not a directory" \
    -D "$T/afile/d"
nprobe "no parent" "cannot create data directory $T/none/d: No such file or directory" \
    -D "$T/none/d"
nprobe "socket's directory" "control: bind $T/none/s.sock: No such file or directory" \
    -D "$T/probe" -s "$T/none/s.sock"
[ -e "$T/probe" ] && fail "a refused start left its data directory"
# A socket in the data directory the start would make is no error.
"$KRENALISD" -n -f /dev/null -D "$T/new" -s "$T/new/k.sock" 2>"$T/err"
expect_eq "-n, socket in a new data directory" "0 configuration OK" \
    "$? $(cat "$T/err")"
[ -e "$T/new" ] && fail "-n made the data directory"
mkdir -m 700 "$T/badnode"
echo bad >"$T/badnode/node.id"
nprobe "node.id" "node: $T/badnode/node.id: not a node id" -D "$T/badnode"
# Refused before the catalog and the warehouse make their files.
expect_eq "a bad node.id leaves no new file" "node.id" "$(ls -A "$T/badnode")"
# Only a socket is ever removed, at the default path or at -s's.
nprobe "-s on a file" "control: $T/afile exists and is not a socket" \
    -D "$T/probe" -s "$T/afile"
mkdir -m 700 "$T/sockfile"
: >"$T/sockfile/krenalisd.sock"
nprobe "a file at the default socket path" \
    "control: $T/sockfile/krenalisd.sock exists and is not a socket" \
    -D "$T/sockfile"
[ -f "$T/sockfile/krenalisd.sock" ] || fail "the file at the socket path was removed"

# Errors name the file and the line.
bad() {
	printf '%s\n' "$1" >"$conf"
	"$KRENALISD" -n -f "$conf" 2>"$T/err" >/dev/null
	rc=$?
	expect_eq "exit status for [$1]" 1 $rc
	if ! grep -qF -- "$2" "$T/err"; then
		fail "message for [$1]: [$(cat "$T/err")], expected [$2]"
	fi
}
bad "colour = blue" "$conf:1: unknown setting \"colour\""
bad "max_body_bytes = 0" "$conf:1: max_body_bytes: \"0\" is too small"
bad "max_body_bytes = ten" "$conf:1: max_body_bytes: \"ten\" is invalid"
bad "max_gzip_ratio = -3" "$conf:1: max_gzip_ratio: \"-3\" is too small"
bad "dedupe_window = 7w" "$conf:1: dedupe_window: \"7w\" is not a duration"
bad "header_timeout = 3153600001s" "$conf:1: header_timeout: \"3153600001s\" is not a duration (a number from 1 to 3153600000 with s, m, h or d, or 0)"
bad "listen = nowhere" "$conf:1: listen: \"nowhere\" is not an address:port"
bad "listen = 127.0.0.1:99999" "$conf:1: listen: \"127.0.0.1:99999\" is not an address:port"
bad "ca_file = $T/no-such.pem" "$conf:1: ca_file: \"$T/no-such.pem\": No such file or directory"
bad "ca_file = $T" "$conf:1: ca_file: \"$T\" is not a file"
bad "public_url = events.example.com" "$conf:1: public_url: \"events.example.com\" is not an http:// or https:// URL"
bad "public_url = http://" "$conf:1: public_url: \"http://\" has no host"
bad "public_url = https://x:0/" "$conf:1: public_url: \"https://x:0/\" is not valid: its port must be a number from 1 to 65535"
bad "max_body_bytes = +5" "$conf:1: max_body_bytes: \"+5\" is invalid (1 to 17179869184)"
bad "just words" "$conf:1: expected \"key = value\""
# A connection string libpq cannot read fails here, not at each connect,
# and its password is never shown.
bad "warehouse = dbname=k foo=bar password=s3cret" "$conf:1: warehouse: \"dbname=k foo=bar password=***\" is not a connection string libpq can read: invalid connection option \"foo\""
"$KRENALISD" -d -D "$T/unreadable" -l 127.0.0.1:1 -w 'postgresql://bob:s3cret@[bad' 2>"$T/err" >/dev/null
expect_eq "-w unreadable: exit status" 1 $?
expect_eq "-w unreadable: message" 'krenalisd: warehouse: "postgresql://bob:***@[bad" is not a connection string libpq can read: end of string reached when looking for matching "]" in IPv6 host address in URI: "postgresql://bob:***@[bad"' "$(cat "$T/err")"
printf '# one\nmax_batch_events = 30000\n' >"$conf"
"$KRENALISD" -n -f "$conf" 2>"$T/err"
expect_eq "burst below batch" 1 $?
grep -qF "rate_limit_burst (20000) must be at least max_batch_events (30000)" "$T/err" || fail "burst message: $(cat "$T/err")"
printf 'writer_queue_events = 100\n' >"$conf"
"$KRENALISD" -n -f "$conf" 2>"$T/err"
expect_eq "queue below batch" 1 $?
expect_eq "queue message" "krenalisd: writer_queue_events (100) must be at least max_batch_events (20000)" "$(cat "$T/err")"
printf 'debugger_records = 10\ndebugger_records = 20\n' >"$conf"
"$KRENALISD" -n -f "$conf" 2>"$T/err"
grep -qF "$conf:2: debugger_records is set twice" "$T/err" || fail "twice: $(cat "$T/err")"
"$KRENALISD" -n -f "$T/missing.conf" 2>"$T/err"
expect_eq "missing -f file" 1 $?
grep -qF "$T/missing.conf: No such file or directory" "$T/err" || fail "missing file message"
SYN="usage: krenalisd [-dFhnVv] [-f config] [-D datadir] [-l address:port] [-s socket] [-w warehouse]"
expect_fail "bad option" "krenalisd: unknown option -x; $SYN" "$KRENALISD" -x
expect_fail "long option" "krenalisd: unknown option --help; $SYN" "$KRENALISD" --help
expect_fail "long option after a word" "krenalisd: unknown option --help; $SYN" "$KRENALISD" extra --help
expect_fail "a value like a long option" "krenalisd: unknown option -Q; $SYN" "$KRENALISD" -D --x -Q
expect_fail "option without its value" "krenalisd: option -D needs a value; $SYN" "$KRENALISD" -D
expect_eq "-h" "$SYN" "$("$KRENALISD" -h)"
expect_eq "-V" "krenalisd 0.1.0" "$("$KRENALISD" -V)"
expect_fail "stray argument" "krenalisd: unexpected argument \"extra\"; $SYN" "$KRENALISD" extra
# Start-up errors read like a command's, without the log's timestamp.
printf 'colour = blue\n' >"$conf"
"$KRENALISD" -n -f "$conf" 2>"$T/err"
expect_eq "start-up error line" "krenalisd: $conf:1: unknown setting \"colour\"" "$(cat "$T/err")"

"$KRENALISD" -n -D '' 2>"$T/err"
expect_eq "-n checks -D" 1 $?
grep -qF "data_dir: value is empty" "$T/err" || fail "empty -D: $(cat "$T/err")"
"$KRENALISD" -n -s "$T/$(printf '%0120d' 0)" 2>"$T/err"
expect_eq "-n checks the socket path" 1 $?
grep -qF "socket path is too long" "$T/err" || fail "long -s: $(cat "$T/err")"
# A file that is not a socket is never removed for one.
echo precious >"$T/not-a-socket"
"$KRENALISD" -d -D "$T/d4" -l 127.0.0.1:1 -s "$T/not-a-socket" 2>"$T/err"
expect_eq "-s on a file" 1 $?
grep -qF "$T/not-a-socket exists and is not a socket" "$T/err" || fail "-s on a file: $(cat "$T/err")"
expect_eq "file kept" precious "$(cat "$T/not-a-socket")"

# public_url decides the endpoint printed with sources.
printf 'public_url = https://events.example.com/\n' >"$conf"
start_daemon -f "$conf" -v
# libmicrohttpd's own messages go to the log (its logger is its first
# option), and it has nothing to say about the options themselves.
grep -q 'MHD\|libmicrohttpd' "$T/daemon.log" &&
    fail "libmicrohttpd wrote at start: $(grep 'MHD\|libmicrohttpd' "$T/daemon.log")"
check "endpoint" kr -j source add "S"
expect_eq "endpoint from public_url" "https://events.example.com/v1/events" "$(jget "$(cat "$T/out")" 'j["endpoint"]')"
# The Segment CDN settings name public_url's scheme and host, whatever
# the request's Host says (spec/ingest.md §12.2).
key=$(jget "$(cat "$T/out")" 'j["writeKeys"][0]')
printf 'public_url = https://events.example.com:8443/base/\n' >"$conf"
stop_daemon
KEEP_PORT=1 start_daemon -f "$conf"
req GET "/v1/projects/$key/settings" -H "Host: other.example"
expect_eq "settings from public_url" '["events.example.com:8443/v1","https"]' "$(jget "$(cat "$T/body")" '[j["integrations"]["Segment.io"][k] for k in ("apiHost","protocol")]')"

# The data directory is private, holds the pid of the daemon, and is locked.
expect_eq "data dir mode" 700 "$(stat -c %a "$DATA")"
expect_eq "socket mode" 600 "$(stat -c %a "$SOCK")"
expect_eq "state.db mode" 600 "$(stat -c %a "$DATA/state.db")"
expect_eq "warehouse.db mode" 600 "$(stat -c %a "$DATA/warehouse.db")"
expect_eq "pid file" "$PID" "$(cat "$DATA/krenalisd.pid")"
"$KRENALISD" -d -D "$DATA" -l 127.0.0.1:1 -s "$T/other.sock" 2>"$T/err"
expect_eq "second daemon refused" 1 $?
grep -qF "data directory $DATA is in use by another krenalisd (pid $PID)" "$T/err" || fail "lock message: $(cat "$T/err")"
check "first still serves" kr status

# SIGHUP reopens the log and the daemon goes on.
kill -HUP "$PID"
wait_until 30 grep -q "SIGHUP" "$T/daemon.log" || fail "SIGHUP not logged"
check "after SIGHUP" kr status
# SIGUSR1 and SIGUSR2 are ignored.
kill -USR1 "$PID"
kill -USR2 "$PID"
check "after SIGUSR1 and SIGUSR2" kr status
kill -0 "$PID" 2>/dev/null || fail "SIGUSR1 or SIGUSR2 stopped the daemon"
stop_daemon
expect_eq "SIGTERM exit" 0 $?

# A port in use is reported before detaching.
python3 -c 'import socket,time,sys; s=socket.socket(); s.bind(("127.0.0.1",0)); s.listen(); print(s.getsockname()[1], flush=True); time.sleep(60)' >"$T/port" &
busy=$!
echo "$busy" >>"$T/extra.pids"
wait_until 60 test -s "$T/port" || fail "no port taken"
"$KRENALISD" -D "$T/d2" -l "127.0.0.1:$(cat "$T/port")" 2>"$T/err"
expect_eq "busy port status" 1 $?
expect_eq "busy port message" "krenalisd: http: cannot listen on 127.0.0.1:$(cat "$T/port"): Address already in use" "$(cat "$T/err")"
# The failed start left nothing: it made d2, and removed it.
[ -e "$T/d2" ] && fail "a failed start left $(ls -A "$T/d2")"
# In a data directory that exists, no socket, pid or database file.
mkdir -m 700 "$T/d4"
"$KRENALISD" -D "$T/d4" -l "127.0.0.1:$(cat "$T/port")" 2>"$T/err"
expect_eq "busy port status, existing directory" 1 $?
expect_eq "nothing left in an existing directory" "" "$(ls -A "$T/d4")"
kill $busy 2>/dev/null

# Without -d the daemon detaches: the command returns at once, the pid
# file names the daemon, and SIGTERM stops it.
PORT2=$(random_port)
"$KRENALISD" -D "$T/d3" -l "127.0.0.1:$PORT2"
expect_eq "detached start" 0 $?
wait_until 30 test -S "$T/d3/krenalisd.sock"
# The daemon answers only once it has detached and written its pid.
"$KRCTL" -s "$T/d3/krenalisd.sock" status >/dev/null || fail "detached daemon does not answer"
dpid=$(cat "$T/d3/krenalisd.pid")
echo "$dpid" >>"$T/extra.pids"
kill -0 "$dpid" 2>/dev/null || fail "detached daemon is not running"
expect_eq "pid file of detached daemon" "$dpid" "$("$KRCTL" -j -s "$T/d3/krenalisd.sock" status | python3 -c 'import json,sys; print(json.load(sys.stdin)["pid"])')"
kill "$dpid"
wait_until 30 eval '! kill -0 "$dpid" 2>/dev/null' ||
    fail "detached daemon did not stop"
finish
