#!/bin/sh
# The admin socket under a burst of clients: past 256 served at once, each
# new client gets one Busy error line and is closed, and the daemon goes
# on serving krctl and ingest.
. "$(dirname "$0")/lib.sh"

start_daemon
check "source" kr -j source add "Segment prod"
KEY=$(jget "$(cat "$T/out")" 'j["writeKeys"][0]')

# 256 clients, each served (it answers a status request), then a burst of
# 70 more connected at once, then krctl while the 256 are still there.
cat >"$T/burst.py" <<'PY'
import json, socket, subprocess, sys

path, krctl = sys.argv[1], sys.argv[2]

def line(s):
    buf = b""
    while not buf.endswith(b"\n"):
        chunk = s.recv(65536)
        if not chunk:
            break
        buf += chunk
    return buf.decode()

served = []
for i in range(256):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    s.settimeout(30)
    s.sendall(b'{"v":1,"id":%d,"cmd":"status"}\n' % i)
    if not json.loads(line(s))["ok"]:
        sys.exit("client %d was not served" % i)
    served.append(s)
# A blocking connect waits while the daemon's backlog is full.
burst = []
for i in range(70):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    s.settimeout(30)
    burst.append(s)
replies = {}
for s in burst:
    r = line(s)
    replies[r] = replies.get(r, 0) + 1
    try:
        if s.recv(1) != b"":
            sys.exit("a refused client was not closed")
    except ConnectionResetError:
        pass
p = subprocess.run([krctl, "-s", path, "status"], capture_output=True)
print(json.dumps({"replies": replies, "krctl": [p.returncode,
    p.stderr.decode()]}))
for s in served + burst:
    s.close()
PY
BUSY="too many admin clients: krenalisd serves at most 256 at once; try again later"
check "burst" python3 "$T/burst.py" "$SOCK" "$KRCTL"
r=$(cat "$T/out")
expect_eq "70 Busy replies" "{\"{\\\"id\\\":null,\\\"ok\\\":false,\\\"error\\\":{\\\"code\\\":\\\"Busy\\\",\\\"message\\\":\\\"$BUSY\\\"}}\\n\":70}" "$(jget "$r" 'j["replies"]')"
expect_eq "krctl while busy" "[1,\"krctl: $BUSY\\n\"]" "$(jget "$r" 'j["krctl"]')"
grep -q "control: too many clients" "$T/daemon.log" || fail "Busy not logged"

# The daemon is still up, and serves krctl and ingest.
kill -0 "$PID" 2>/dev/null || fail "krenalisd died"
check "status after the burst" kr -j status
post /v1/events '[{"type":"track","event":"After burst","userId":"u1"}]' -H "Authorization: Bearer $KEY"
expect_eq "ingest after the burst" 200 "$(cat "$T/status")"
check "the event is seen" kr -j events -n 1
expect_eq "event" "After burst" "$(jget "$(cat "$T/out")" 'j[0]["event"]["event"]')"
grep -q "ERROR: AddressSanitizer" "$T/daemon.log" && fail "sanitizer report"
check "stop" stop_daemon
finish
