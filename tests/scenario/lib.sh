# Shared helpers of the scenario tests: each test sources this file, starts
# its own krenalisd on a private data directory, socket and port, and
# exits 0 when every check passed.
#
#   start_daemon [krenalisd options]   sets T (temp dir), DATA, SOCK, PORT, URL
#                                      (KEEP_PORT=1: the same PORT again)
#   stop_daemon                        SIGTERM and wait
#   mount_tmpfs SIZE                   a tmpfs on $T/fs, unmounted at exit
#   KRENALIS_WRAP                      run krenalisd under this command,
#                                      e.g. "valgrind -q --error-exitcode=3"
#   kr args...                         krctl against the test daemon
#   store_source                       the source S storing every event:
#                                      sets KEY and AUTH
#   track ID                           post one event with messageId ID
#   hold_lock SECONDS                  another process holds the write
#                                      lock (LOCKER)
#   check "what" command...            the command must succeed
#   expect_eq "what" expected actual
#   expect_fail "what" "stderr line" command...
#   wait_until SECONDS command...      poll until the command succeeds
#   random_port                        a TCP port to listen on (see below)
#   skip "reason"                      the test cannot run here: exit 77
#   follow [krctl events options]      start krctl events -f (FOLLOWER)
#   trickle N SECS TICK HEAD [UNIT]    N slow clients (see below)
#   pg_start                           a private PostgreSQL with the database
#                                      krenalis: sets PGURL (see below)
#   pg_stop, pg_restart                stop it; (stop and) start it again
#   pg QUERY                           run QUERY with psql on PGURL
#   fake_clock                         the next start_daemon runs krenalisd
#                                      with tests/clockshift.c: its wall clock
#                                      moves with clock_step, its
#                                      monotonic clock does not
#   clock_step OFFSET                  set that wall clock to the real one
#                                      + OFFSET (+3600, -3600: seconds)
#   one_a_second                       $T/k.conf: batches of 10 events at
#                                      most, a source's bucket of 10
#                                      refilled at one a second
#   pg_one_writer SECONDS              pg_start, then a daemon with
#                                      pg_timeout SECONDS and one writer
#                                      connection, the source S, and m0
#                                      stored through them
#   pg_lock_events SECONDS             another session holds
#                                      krenalis_events locked (LOCKER)
#   pg_lock_waiters                    the pids of the server processes
#                                      waiting for a lock
#   retrying_client PORT[,PORT...]     post batches with KEY until each is
#                                      answered 200 (retrying-client.py)
#   acked_at_least N                   it has had N events acknowledged
#   retrying_client_stop               stop it after its current batch
#   kill9_load [PORTS [options]]       retrying_client on PORTS (PORT)
#                                      while the daemon is killed with
#                                      SIGKILL twice and started again
#                                      with options, then stopped
#   pg_nodes [options]                 pg_start, then node 1 and node 2
#                                      ($T/var2, with options) on PGURL:
#                                      sets SOCK1 PORT1 DATA1 PID1 URL1,
#                                      SOCK2 PORT2 URL2, kr1 and kr2; node
#                                      2 is the current daemon
#   expect_acked_stored FILE           every acknowledged id is among the
#                                      stored ids listed in FILE, which has
#                                      none twice

TOP=${KRENALIS_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
KRENALISD=$TOP/krenalisd/krenalisd
KRCTL=$TOP/krctl/krctl
T=$(mktemp -d "${TMPDIR:-/tmp}/krenalis-t.XXXXXX")
DATA=$T/var
SOCK=$DATA/krenalisd.sock
PID=
MOUNTED=
failures=0

cleanup() {
	# Daemons a test detached (their pids in $T/extra.pids) go too, and
	# every daemon start_daemon started that still runs, whatever PID
	# now holds: a krenalisd whose command line names this test's
	# directory.
	if [ -f "$T/extra.pids" ]; then
		for p in $(cat "$T/extra.pids"); do
			kill "$p" 2>/dev/null
		done
	fi
	if [ -f "$T/daemons.pids" ]; then
		for p in $(cat "$T/daemons.pids"); do
			[ "$p" != "$PID" ] && tr '\0' ' ' \
			    2>/dev/null <"/proc/$p/cmdline" |
			    grep -q "krenalisd .*$T" &&
			    kill "$p" 2>/dev/null && wait "$p" 2>/dev/null
		done
	fi
	if [ -n "$PID" ] && kill -0 "$PID" 2>/dev/null; then
		kill "$PID" 2>/dev/null
		wait "$PID" 2>/dev/null
	fi
	if [ -n "$MOUNTED" ]; then
		umount "$MOUNTED"
	fi
	if [ -n "$PGDIR" ]; then
		pg_as "$PGBIN/pg_ctl" -D "$PGDIR/data" -m immediate stop \
		    >/dev/null 2>&1
	fi
	rm -rf "$T"
}
trap cleanup EXIT

fail() {
	echo "FAIL: $*"
	failures=$((failures + 1))
}

# A port of 20000-32767: below the kernel's ephemeral range (32768-60999),
# where the outgoing connections of the tests and of PostgreSQL take
# theirs, so that only a listener can hold it.
random_port() {
	echo $(( 20000 + $(od -An -N2 -tu2 /dev/urandom) % 12768 ))
}

# Start krenalisd -d in the background on a free port; extra arguments are
# passed to it.  Waits until both the socket and /healthz answer.
start_daemon() {
	for try in 1 2 3 4 5 6 7 8; do
		if [ -z "$KEEP_PORT" ] || [ -z "$PORT" ]; then
			PORT=$(random_port)
		fi
		$KRENALIS_WRAP "$KRENALISD" -d -D "$DATA" \
		    -l "127.0.0.1:$PORT" "$@" 2>>"$T/daemon.log" &
		PID=$!
		i=0
		while [ $i -lt ${START_TRIES:-100} ]; do
			if ! kill -0 "$PID" 2>/dev/null; then
				break
			fi
			if [ -S "${DSOCK:-$SOCK}" ] &&
			    curl -s -o /dev/null "http://127.0.0.1:$PORT/healthz"
			then
				URL=http://127.0.0.1:$PORT
				echo "$PID" >>"$T/daemons.pids"
				return 0
			fi
			sleep 0.05
			i=$((i + 1))
		done
		if kill -0 "$PID" 2>/dev/null; then
			echo "krenalisd did not come up"; cat "$T/daemon.log"
			exit 1
		fi
		wait "$PID" 2>/dev/null
		PID=
		grep -q "cannot listen" "$T/daemon.log" || break
	done
	echo "krenalisd failed to start:"; cat "$T/daemon.log"
	exit 1
}

stop_daemon() {
	if [ -n "$PID" ]; then
		kill "$PID"
		wait "$PID"
		rc=$?
		PID=
		return $rc
	fi
}

# mount_tmpfs SIZE: mount a tmpfs of SIZE (as mount(8)'s size= takes it)
# on $T/fs, unmounted when the test ends.  It needs root: a test that
# cannot mount fails, for CI runs as root.
mount_tmpfs() {
	mkdir "$T/fs"
	if [ "$(id -u)" -ne 0 ]; then
		fail "mounting a tmpfs needs root"
		finish
	fi
	if ! mount -t tmpfs -o "size=$1,mode=0700" tmpfs "$T/fs"; then
		fail "cannot mount a tmpfs on $T/fs"
		finish
	fi
	MOUNTED=$T/fs
}

kr() {
	"$KRCTL" -s "${DSOCK:-$SOCK}" "$@"
}

# wait_until SECONDS command...: run the command every 0.05 s until it
# succeeds; return 1 if it did not within SECONDS.  Tests wait for what
# they need this way, never for a fixed time, which a loaded machine
# would overrun.
wait_until() {
	wu_n=$(($1 * 20)); shift
	until "$@"; do
		[ $wu_n -gt 0 ] || return 1
		sleep 0.05
		wu_n=$((wu_n - 1))
	done
}

# follow [options]: start "krctl events -f" in the background, its output
# in $T/follow.out and $T/follow.err, its pid in FOLLOWER, and return once
# the daemon has subscribed it.  krctl writes nothing before its request,
# and the daemon reads its clients in the order they connected: once the
# request is written, a later client's answer comes after the follow.
follow() {
	"$KRCTL" -s "${DSOCK:-$SOCK}" events -f "$@" >"$T/follow.out" \
	    2>"$T/follow.err" &
	FOLLOWER=$!
	wait_until 30 follow_sent || fail "krctl events -f sent nothing"
	kr status >/dev/null
}
follow_sent() {
	! grep -q '^wchar: 0$' "/proc/$FOLLOWER/io" 2>/dev/null
}

# store_source: add the source S with a pipeline "all" without a filter,
# which stores every valid event; KEY is its write key and AUTH the
# Authorization header that carries it.
store_source() {
	check "source" kr -j source add "S"
	KEY=$(jget "$(cat "$T/out")" 'j["writeKeys"][0]')
	check "pipeline" kr pipeline add S all
	AUTH="Authorization: Bearer $KEY"
}

check() {
	what=$1; shift
	if ! "$@" >"$T/out" 2>"$T/err"; then
		fail "$what: exit status $?: $(cat "$T/err")"
		return 1
	fi
}

expect_eq() {
	if [ "$2" != "$3" ]; then
		fail "$1: expected [$2], got [$3]"
		return 1
	fi
}

# The command must exit 1 with exactly this line on stderr.
expect_fail() {
	what=$1; line=$2; shift 2
	"$@" >"$T/out" 2>"$T/err"
	rc=$?
	if [ $rc -ne 1 ]; then
		fail "$what: exit status $rc, expected 1"
		return 1
	fi
	if [ "$(cat "$T/err")" != "$line" ]; then
		fail "$what: stderr [$(cat "$T/err")], expected [$line]"
		return 1
	fi
}

# ms_iso MS: a time in ms since the epoch as the daemon writes it in
# JSON (2025-10-20T16:15:25.001Z).
ms_iso() {
	python3 -c 'import datetime, sys
ms = int(sys.argv[1])
t = datetime.datetime.fromtimestamp(ms // 1000, datetime.timezone.utc)
print(t.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (ms % 1000))' "$1"
}

# jget JSON EXPR: evaluate a Python expression over the parsed JSON "j".
jget() {
	printf '%s' "$1" | python3 -c '
import json, sys
j = json.loads(sys.stdin.read())
v = eval(sys.argv[1])
print(v if isinstance(v, str) else json.dumps(v, separators=(",", ":")))' "$2"
}

# ctl_raw: send the standard input to the admin socket and print the
# reply lines (as many as request lines were sent, or what came in 2 s).
cat >"$T/ctlraw.py" <<'PY'
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(sys.argv[1])
data = sys.stdin.buffer.read()
s.sendall(data)
s.settimeout(2)
out = b""
want = data.count(b"\n")
try:
    while out.count(b"\n") < want:
        chunk = s.recv(65536)
        if not chunk:
            break
        out += chunk
except socket.timeout:
    pass
sys.stdout.write(out.decode())
PY
ctl_raw() {
	python3 "$T/ctlraw.py" "${DSOCK:-$SOCK}"
}

# req METHOD PATH [curl options...]: one HTTP request to the daemon; the
# status goes to $T/status, the body to $T/body, the headers to $T/headers.
req() {
	m=$1; path=$2; shift 2
	if [ "$m" = HEAD ]; then
		set -- -I "$@"		# curl -X HEAD would wait for a body
	else
		set -- -X "$m" "$@"
	fi
	curl -s -m 20 -o "$T/body" -D "$T/headers" -w '%{http_code}' \
	    "$@" "$URL$path" >"$T/status"
}

# post PATH BODY [curl options...]: POST BODY (a string) to PATH.
post() {
	path=$1; data=$2; shift 2
	printf '%s' "$data" >"$T/post"
	req POST "$path" --data-binary "@$T/post" "$@"
}

# expect_http "what" STATUS BODY: the last request's status and body.
expect_http() {
	expect_eq "$1 status" "$2" "$(cat "$T/status")"
	expect_eq "$1 body" "$3" "$(cat "$T/body")"
}

# The error body of spec/ingest.md §4.
errbody() {
	printf '{"error":{"code":"%s","message":"%s"}}' "$1" "$2"
}

# The 503 bodies of a failed commit (spec/ingest.md §11.2) and of
# /healthz (§13.1).
# hold_lock SECONDS: another process takes the warehouse's write lock
# (BEGIN IMMEDIATE) and holds it for SECONDS; returns once it is taken,
# with the process in LOCKER.
hold_lock() {
	python3 - "$DATA/warehouse.db" "$1" >"$T/lock.out" 2>&1 <<'PY' &
import sqlite3, sys, time
c = sqlite3.connect(sys.argv[1], isolation_level=None)
c.execute("BEGIN IMMEDIATE")
print("locked", flush=True)
time.sleep(float(sys.argv[2]))
c.execute("ROLLBACK")
PY
	LOCKER=$!
	wait_until 60 grep -q locked "$T/lock.out" || fail "lock not taken"
}

STORE_FAILED=$(errbody ServiceUnavailable 'events cannot be stored at this time; try again later')
NOT_WRITABLE=$(errbody ServiceUnavailable 'store is not writable')

# track ID: post one track event whose messageId is ID, with AUTH.
track() {
	post /v1/events '[{"type":"track","event":"e","userId":"u","messageId":"'"$1"'"}]' -H "$AUTH"
}

# header NAME: the value of a header of the last response.
header() {
	grep -i "^$1:" "$T/headers" | head -n 1 | cut -d: -f2- |
	    sed 's/^ *//' | tr -d '\r'
}

# sql QUERY: run a query against the warehouse.
sql() {
	sqlite3 "$DATA/warehouse.db" "$1"
}

# skip REASON: the test cannot run on this machine; tests/run prints SKIP
# with the reason (and counts a failure when CI=true).
skip() {
	echo "skipped: $*"
	exit 77
}

# trickle N SECS TICK HEAD [UNIT]: open N connections to $PORT; on each,
# send HEAD (with \r\n escapes) at once and then UNIT every TICK seconds,
# or, without UNIT, HEAD one byte every TICK seconds, for SECS seconds.
# Then one line per connection on the standard output: "answer STATUS" when
# the daemon answered, "closed" when it closed the connection without an
# answer, "open".  With READY=FILE, FILE is made once every connection
# has its HEAD (or first byte); ready FILE waits for it (at most 20 s).
cat >"$T/trickle.py" <<'PY'
import os, select, socket, sys, time
port, n, secs, tick = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4])
dec = lambda s: s.encode().decode("unicode_escape").encode("latin-1")
head = dec(sys.argv[5])
unit = dec(sys.argv[6]) if len(sys.argv) > 6 else None
conns = []
for i in range(n):
    s = socket.create_connection(("127.0.0.1", port))
    conns.append({"s": s, "state": "open", "got": b""})
def send(c, data):
    try:
        c["s"].send(data)
    except OSError:
        c["state"] = "closed"
def poll(c):
    r, _, _ = select.select([c["s"]], [], [], 0)
    if not r:
        return
    try:
        d = c["s"].recv(65536)
    except OSError:
        d = b""
    if d:
        c["got"] += d
        return
    if c["got"]:
        c["state"] = "answer " + c["got"].split(b" ")[1].decode()
    else:
        c["state"] = "closed"
time.sleep(0.2)
for c in conns:
    poll(c)
    if c["state"] == "open" and unit is not None:
        send(c, head)
    elif c["state"] == "open":
        send(c, head[:1])
if os.environ.get("READY"):
    open(os.environ["READY"], "w").close()
end = time.time() + secs
pos = 1 if unit is None else 0
while time.time() < end:
    for c in conns:
        if c["state"] != "open":
            continue
        poll(c)
        if c["state"] != "open":
            continue
        if unit is not None:
            send(c, unit)
        elif pos < len(head):
            send(c, head[pos:pos + 1])
    pos += 1
    time.sleep(tick)
for c in conns:
    if c["state"] == "open":
        poll(c)
    if c["state"] == "open" and c["got"]:
        c["state"] = "answer " + c["got"].split(b" ")[1].decode()
    print(c["state"])
PY
trickle() {
	python3 "$T/trickle.py" "$PORT" "$@"
}
ready() {
	i=0
	while [ ! -e "$1" ] && [ $i -lt 200 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	[ -e "$1" ] || fail "not ready: $1"
}

# pg_start: a private PostgreSQL cluster for this test in $T/pg: its
# socket there, no TCP, a port of its own, fsync off, and the database
# krenalis, reached as the superuser postgres without a password.  Sets
# PGURL, a libpq URI that krenalisd -w and psql take.  PostgreSQL refuses
# to run as root: as root, its programs run as the user postgres (or
# nobody), and $T is opened for that user to reach $T/pg.  The tests need
# it: a machine without it fails them (make deps installs it).
PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
PGDIR=
pg_as() {
	if [ "$(id -u)" -eq 0 ]; then
		setpriv --reuid="$PGOWNER" --regid="$PGOWNER" --clear-groups \
		    "$@"
	else
		"$@"
	fi
}
pg_start() {
	if [ -z "$PGBIN" ] || [ ! -x "$PGBIN/initdb" ]; then
		fail "PostgreSQL is not installed (make deps installs it)"
		finish
	fi
	PGDIR=$T/pg
	PGPORT=$(random_port)
	mkdir "$PGDIR"
	if [ "$(id -u)" -eq 0 ]; then
		PGOWNER=postgres
		id postgres >/dev/null 2>&1 || PGOWNER=nobody
		chmod 711 "$T"
		chown "$PGOWNER:" "$PGDIR"
	fi
	if ! pg_as "$PGBIN/initdb" -D "$PGDIR/data" -U postgres -A trust \
	    -E UTF8 --locale=C --no-sync >"$T/initdb.log" 2>&1; then
		fail "initdb: $(tail -n 5 "$T/initdb.log")"
		finish
	fi
	pg_up || finish
	if ! pg_as "$PGBIN/createdb" -h "$PGDIR" -p "$PGPORT" -U postgres \
	    krenalis >"$T/createdb.log" 2>&1; then
		fail "createdb: $(cat "$T/createdb.log")"
		finish
	fi
	PGURL="postgresql:///krenalis?host=$PGDIR&port=$PGPORT&user=postgres"
}
# pg_up: start the cluster and wait until it takes connections.
pg_up() {
	if ! pg_as "$PGBIN/pg_ctl" -D "$PGDIR/data" -l "$PGDIR/log" -w \
	    -o "-k $PGDIR -p $PGPORT -c listen_addresses='' -c fsync=off" \
	    start >/dev/null 2>&1; then
		fail "pg_ctl start: $(tail -n 5 "$PGDIR/log")"
		return 1
	fi
}
pg_stop() {
	pg_as "$PGBIN/pg_ctl" -D "$PGDIR/data" -m fast -w stop >/dev/null 2>&1 ||
	    fail "pg_ctl stop failed"
}
# pg_restart: start the cluster again, stopping it first if it runs.
pg_restart() {
	if pg_as "$PGBIN/pg_ctl" -D "$PGDIR/data" status >/dev/null 2>&1; then
		pg_stop
	fi
	pg_up
}
pg() {
	"$PGBIN/psql" -X -q -A -t -v ON_ERROR_STOP=1 -d "$PGURL" -c "$1"
}

# pg_freeze / pg_thaw: stop every process of the cluster with SIGSTOP, a
# server that answers nothing on its connections, open or new (the kernel
# still takes them); then let them go on.
pg_freeze() {
	PGPIDS=$(head -n 1 "$PGDIR/data/postmaster.pid")
	PGPIDS="$PGPIDS $(pgrep -P "$PGPIDS" | tr '\n' ' ')"
	kill -STOP $PGPIDS
}
pg_thaw() {
	kill -CONT $PGPIDS
}

fake_clock() {
	# tests/clockshift.c, built apart from krenalisd and without its
	# sanitizers: it is entered from inside AddressSanitizer's allocator.
	cc -O2 -Wall -Wextra -Werror -shared -fPIC -o "$T/clockshift.so" \
	    "$TOP/tests/clockshift.c" || {
		fail "tests/clockshift.c does not build"
		finish
	}
	echo "+0" >"$T/clock"
	KRENALIS_WRAP="env LD_PRELOAD=$T/clockshift.so KRENALIS_CLOCK_FILE=$T/clock"
}

clock_step() {
	echo "$1" >"$T/clock"
}

one_a_second() {
	cat >"$T/k.conf" <<CONF
max_batch_events = 10
rate_limit_burst = 10
rate_limit_events_per_minute = 60
CONF
}

pg_one_writer() {
	pg_start
	printf 'pg_timeout = %s\npg_connections = 1\n' "$1" >"$T/k.conf"
	start_daemon -f "$T/k.conf" -w "$PGURL"
	store_source
	track m0
	expect_eq "before" 200 "$(cat "$T/status")"
}

pg_lock_events() {
	"$PGBIN/psql" -X -q -d "$PGURL" -c "BEGIN; LOCK TABLE krenalis_events IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep($1); COMMIT" >/dev/null 2>&1 &
	LOCKER=$!
	wait_until 30 pg_events_locked || fail "krenalis_events was not locked"
}

pg_events_locked() {
	[ "$(pg "SELECT count(*) FROM pg_locks WHERE relation = 'krenalis_events'::regclass AND mode = 'AccessExclusiveLock' AND granted")" = 1 ]
}

pg_lock_waiters() {
	pg "SELECT pid FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query NOT LIKE '%pg_sleep%'"
}

retrying_client() {
	python3 "$TOP/tests/scenario/retrying-client.py" "$1" "$KEY" "$T" &
	CLIENT=$!
	echo "$CLIENT" >>"$T/extra.pids"
}

acked_at_least() {
	[ -f "$T/acked" ] && [ "$(wc -l <"$T/acked")" -ge "$1" ]
}

retrying_client_stop() {
	: >"$T/stop"
	wait_until 60 test -f "$T/done" || fail "the client did not finish"
	wait "$CLIENT" 2>/dev/null
}

kill9_load() {
	retrying_client "${1:-$PORT}"
	[ $# -gt 0 ] && shift
	for round in 1 2; do
		goal=$((round * 1000))
		wait_until 60 acked_at_least "$goal" ||
		    fail "round $round: fewer than $goal events acknowledged"
		kill -9 "$PID"
		wait "$PID" 2>/dev/null
		PID=
		KEEP_PORT=1 start_daemon "$@"
	done
	wait_until 60 acked_at_least 2500 ||
	    fail "no progress after the restarts"
	retrying_client_stop
}

pg_nodes() {
	pg_start
	start_daemon -w "$PGURL"
	echo "$PID" >>"$T/extra.pids"
	SOCK1=$SOCK PORT1=$PORT DATA1=$DATA PID1=$PID URL1=$URL
	DATA=$T/var2
	SOCK=$DATA/krenalisd.sock
	start_daemon -w "$PGURL" "$@"
	SOCK2=$SOCK PORT2=$PORT URL2=$URL
}
kr1() { "$KRCTL" -s "$SOCK1" "$@"; }
kr2() { "$KRCTL" -s "$SOCK2" "$@"; }

expect_acked_stored() {
	n=$(wc -l <"$T/acked")
	echo "acknowledged $n events, stored $(wc -l <"$1")"
	sort -u "$T/acked" >"$T/acked.sorted"
	expect_eq "acknowledged ids unique" "$n" "$(wc -l <"$T/acked.sorted")"
	sort "$1" >"$1.sorted"
	expect_eq "no event stored twice" "$(wc -l <"$1")" \
	    "$(sort -u "$1" | wc -l)"
	expect_eq "every acknowledged event stored" "" \
	    "$(comm -23 "$T/acked.sorted" "$1.sorted" | head -n 5)"
}

finish() {
	if [ $failures -ne 0 ]; then
		echo "--- daemon log"; tail -n 20 "$T/daemon.log"
		exit 1
	fi
	exit 0
}
