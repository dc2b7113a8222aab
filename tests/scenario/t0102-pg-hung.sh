#!/bin/sh
# A PostgreSQL that stops answering on open connections (a hung server,
# a network that drops everything): the control thread's statements (the
# node's heartbeat, the catalog's) give up at pg_timeout like the
# writer's, so that krctl is answered and SIGTERM stops the daemon.  The
# daemon reaches PostgreSQL through a relay, which is then frozen.
. "$(dirname "$0")/lib.sh"
pg_start
RPORT=$(random_port)
cat >"$T/relay.py" <<'PY'
import socket, sys, threading
lst = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
lst.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
lst.bind(("127.0.0.1", int(sys.argv[1])))
lst.listen(64)
def pipe(a, b):
    try:
        while True:
            d = a.recv(65536)
            if not d:
                break
            b.sendall(d)
    except OSError:
        pass
    for s in (a, b):
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
while True:
    c, _ = lst.accept()
    u = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    u.connect(sys.argv[2])
    for a, b in ((c, u), (u, c)):
        threading.Thread(target=pipe, args=(a, b), daemon=True).start()
PY
python3 "$T/relay.py" "$RPORT" "$PGDIR/.s.PGSQL.$PGPORT" &
RELAY=$!
echo "$RELAY" >>"$T/extra.pids"
wait_until 10 python3 -c "import socket; socket.create_connection(('127.0.0.1', $RPORT)).close()" ||
    fail "the relay does not listen"
printf 'pg_timeout = 2\n' >"$T/k.conf"
start_daemon -f "$T/k.conf" -w "host=127.0.0.1 port=$RPORT dbname=krenalis user=postgres sslmode=disable"
store_source
track m0
expect_eq "before" 200 "$(cat "$T/status")"

kill -STOP "$RELAY"
# The heartbeat (every 5 s) is caught in the frozen relay, and gives up.
sleep 6
s=$(date +%s)
timeout 30 "$KRCTL" -s "$SOCK" status >"$T/out" 2>"$T/err"
rc=$?
took=$(( $(date +%s) - s ))
[ $rc -ne 124 ] || fail "krctl status did not come back in 30 s"
[ $took -le 12 ] || fail "krctl status took $took s"
grep -q "unavailable" "$T/out" || fail "status: $(cat "$T/out" "$T/err")"
track m1
expect_eq "ingest refuses" 503 "$(cat "$T/status")"
s=$(date +%s)
kill -TERM "$PID"
gone() { ! kill -0 "$PID" 2>/dev/null; }
if wait_until 15 gone; then
	took=$(( $(date +%s) - s ))
	[ $took -le 8 ] || fail "SIGTERM took $took s"
else
	fail "SIGTERM did not stop the daemon within 15 s"
	kill -CONT "$RELAY"
	wait_until 15 gone || kill -9 "$PID"
fi
wait "$PID" 2>/dev/null
PID=
kill -CONT "$RELAY"
kill "$RELAY"
finish
