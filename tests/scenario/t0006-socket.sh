#!/bin/sh
# The admin socket: permissions, peers checked with SO_PEERCRED, and
# hostile input that must leave the daemon serving.
. "$(dirname "$0")/lib.sh"

# The socket lives in a directory others may enter, so that only its own
# mode and the daemon's uid check keep them out.
mkdir -p "$T/pub"
chmod 755 "$T" "$T/pub"
DSOCK=$T/pub/ctl.sock
start_daemon -s "$DSOCK"
expect_eq "socket mode" 600 "$(stat -c %a "$DSOCK")"

if [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null; then
	asnobody() {
		setpriv --reuid=65534 --regid=65534 --clear-groups "$@"
	}
	expect_fail "mode 0600 keeps others out" "krctl: cannot connect to $DSOCK: Permission denied" asnobody "$KRCTL" -s "$DSOCK" status
	# Even when the mode lets them in, the daemon refuses other uids.
	chmod 666 "$DSOCK"
	expect_fail "SO_PEERCRED" "krctl: uid 65534 may not use this socket" asnobody "$KRCTL" -s "$DSOCK" status
	grep -q "control: refused a client of uid 65534" "$T/daemon.log" || fail "refusal not logged"
	chmod 600 "$DSOCK"
else
	echo "not root: permission checks skipped"
fi

# Protocol errors: one error reply each, and the connection goes on.
r=$(printf '%s\n' 'this is not json' '{"v":1,"id":1,"cmd":"status"}' | ctl_raw)
expect_eq "invalid JSON" '{"id":null,"ok":false,"error":{"code":"BadRequest","message":"request is not valid JSON: '"'"'['"'"' or '"'"'{'"'"' expected near '"'"'this'"'"' at column 4"}}' "$(echo "$r" | head -n 1)"
expect_eq "then status" true "$(jget "$(echo "$r" | sed -n 2p)" 'j["ok"]')"
r=$(printf '%s\n' '[1,2]' | ctl_raw)
expect_eq "not an object" '{"id":null,"ok":false,"error":{"code":"BadRequest","message":"request is not a JSON object"}}' "$r"
r=$(printf '%s\n' '{"v":2,"id":"a","cmd":"status"}' | ctl_raw)
expect_eq "wrong version" '{"id":"a","ok":false,"error":{"code":"UnsupportedVersion","message":"protocol version 2 is not supported; krenalisd speaks version 1"}}' "$r"
r=$(printf '%s\n' '{"id":5,"cmd":"status"}' | ctl_raw)
expect_eq "no version" '{"id":5,"ok":false,"error":{"code":"UnsupportedVersion","message":"request has no protocol version \"v\"; krenalisd speaks version 1"}}' "$r"
r=$(printf '%s\n' '{"v":1,"id":6,"cmd":"self.destruct"}' | ctl_raw)
expect_eq "unknown command" '{"id":6,"ok":false,"error":{"code":"BadRequest","message":"unknown command \"self.destruct\""}}' "$r"
# A message cut to fit is cut between two characters: a command of 1000
# euro signs (3 bytes each) is named up to the last one that fits.
r=$(python3 -c 'print("{\"v\":1,\"id\":28,\"cmd\":\"" + "\u20ac" * 1000 + "\"}")' | ctl_raw)
expect_eq "long command" '[28,"BadRequest",true,676]' "$(jget "$r" '[j["id"], j["error"]["code"], j["error"]["message"].startswith("unknown command \"\u20ac"), j["error"]["message"].count("\u20ac")]')"
check "still serving" kr status
r=$(printf '%s\n' '{"v":1,"id":7}' | ctl_raw)
expect_eq "no command" '{"id":7,"ok":false,"error":{"code":"BadRequest","message":"request has no command \"cmd\""}}' "$r"
r=$(printf '%s\n' '{"v":1,"id":8,"cmd":"source.add","args":{"name":"x","colour":"red"}}' | ctl_raw)
expect_eq "unknown argument" '{"id":8,"ok":false,"error":{"code":"BadRequest","message":"unknown argument \"colour\" for source.add"}}' "$r"
r=$(printf '%s\n' '{"v":1,"id":9,"cmd":"source.add","args":{"name":7}}' | ctl_raw)
expect_eq "wrong type" '{"id":9,"ok":false,"error":{"code":"BadRequest","message":"argument \"name\" must be a string"}}' "$r"
r=$(printf '%s\n' '{"v":1,"id":10,"cmd":"source.show","args":[]}' | ctl_raw)
expect_eq "args not object" '{"id":10,"ok":false,"error":{"code":"BadRequest","message":"\"args\" must be an object"}}' "$r"
r=$(printf '%s\n' '{"v":1,"id":11,"cmd":"source.show"}' | ctl_raw)
expect_eq "missing argument" '{"id":11,"ok":false,"error":{"code":"BadRequest","message":"missing argument \"source\""}}' "$r"
# Each kind of argument is checked before the command runs, so neither
# the source nor the pipeline named here needs to exist.
r=$(printf '%s\n' \
    '{"v":1,"id":12,"cmd":"pipeline.add","args":{"source":"s","name":"p","enabled":1}}' \
    '{"v":1,"id":13,"cmd":"pipeline.set","args":{"pipeline":"p","filter":5}}' \
    '{"v":1,"id":14,"cmd":"pipeline.set","args":{"pipeline":"p","consents":"x"}}' \
    '{"v":1,"id":15,"cmd":"events","args":{"count":-1}}' \
    '{"v":1,"id":16,"cmd":"source.show","args":{"source":null}}' \
    '{"v":1,"id":17,"cmd":"pipeline.list","args":{"source":null}}' \
    '{"v":1,"id":18,"cmd":"status","args":{"":1}}' | ctl_raw)
expect_eq "bool argument" '{"id":12,"ok":false,"error":{"code":"BadRequest","message":"argument \"enabled\" must be true or false"}}' "$(echo "$r" | sed -n 1p)"
expect_eq "filter argument" '{"id":13,"ok":false,"error":{"code":"BadRequest","message":"argument \"filter\" must be a string, an object or null"}}' "$(echo "$r" | sed -n 2p)"
expect_eq "object argument" '{"id":14,"ok":false,"error":{"code":"BadRequest","message":"argument \"consents\" must be an object or null"}}' "$(echo "$r" | sed -n 3p)"
expect_eq "count argument" '{"id":15,"ok":false,"error":{"code":"BadRequest","message":"argument \"count\" must be an integer from 0 to 100000"}}' "$(echo "$r" | sed -n 4p)"
expect_eq "null required" '{"id":16,"ok":false,"error":{"code":"BadRequest","message":"argument \"source\" must be a string"}}' "$(echo "$r" | sed -n 5p)"
expect_eq "null optional" '{"id":17,"ok":true,"data":[]}' "$(echo "$r" | sed -n 6p)"
expect_eq "empty name" '{"id":18,"ok":false,"error":{"code":"BadRequest","message":"unknown argument \"\" for status"}}' "$(echo "$r" | sed -n 7p)"

# A NUL byte is not the end of a string: a name says so as the spec has it,
# a filter is a syntax error where the NUL stands, and any other string
# that holds one is refused, not cut short and taken for another.
check "source for NUL" kr source add Empty
r=$(printf '%s\n' \
    '{"v":1,"id":21,"cmd":"source.add","args":{"name":"a\u0000b"}}' \
    '{"v":1,"id":22,"cmd":"pipeline.add","args":{"source":"Empty","name":"n","filter":"userId exists \u0000 and type is \"x\""}}' \
    '{"v":1,"id":23,"cmd":"pipeline.add","args":{"source":"Empty\u0000x","name":"n"}}' \
    '{"v":1,"id":24,"cmd":"destination.add","args":{"name":"d","url":"http://127.0.0.1:1/\u0000x"}}' \
    '{"v":1,"id":25,"cmd":"pipeline.add","args":{"source":"Empty","name":"n","consents":{"operator":"and\u0000x","purposes":["ads"]}}}' \
    '{"v":1,"id":26,"cmd":"rejected.show","args":{"id":"1\u0000x"}}' \
    '{"v":1,"id":27,"cmd":"source.rm\u0000x","args":{"source":"Empty"}}' | ctl_raw)
expect_eq "NUL in a name" '{"id":21,"ok":false,"error":{"code":"BadRequest","message":"name contains the NUL byte"}}' "$(echo "$r" | sed -n 1p)"
expect_eq "NUL in a filter" '{"id":22,"ok":false,"error":{"code":"BadRequest","message":"filter is not valid: syntax error at position 15: expected \"and\", \"or\" or the end of the filter"}}' "$(echo "$r" | sed -n 2p)"
expect_eq "NUL in a source" '{"id":23,"ok":false,"error":{"code":"BadRequest","message":"argument \"source\" contains the NUL byte"}}' "$(echo "$r" | sed -n 3p)"
expect_eq "NUL in a URL" '{"id":24,"ok":false,"error":{"code":"BadRequest","message":"argument \"url\" contains the NUL byte"}}' "$(echo "$r" | sed -n 4p)"
expect_eq "NUL in a consents operator" '{"id":25,"ok":false,"error":{"code":"BadRequest","message":"required consents operator \"and\\u0000x\" is not valid. It must be \"and\" or \"or\""}}' "$(printf '%s\n' "$r" | sed -n 5p)"
expect_eq "NUL in a rejected id" '{"id":26,"ok":false,"error":{"code":"BadRequest","message":"argument \"id\" contains the NUL byte"}}' "$(echo "$r" | sed -n 6p)"
expect_eq "NUL in a command" '{"id":27,"ok":false,"error":{"code":"BadRequest","message":"unknown command: \"cmd\" contains the NUL byte"}}' "$(echo "$r" | sed -n 7p)"
check "nothing added" kr -j pipeline list Empty
expect_eq "no pipeline" "[]" "$(cat "$T/out")"

# A connection follows one stream of events at most.
r=$(printf '%s\n' '{"v":1,"id":19,"cmd":"events","args":{"follow":true}}' \
    '{"v":1,"id":20,"cmd":"events","args":{"follow":true,"count":0}}' | ctl_raw)
expect_eq "follow" '{"id":19,"ok":true,"data":{"follow":true}}' "$(echo "$r" | sed -n 1p)"
expect_eq "follow twice" '{"id":20,"ok":false,"error":{"code":"BadRequest","message":"this connection already follows events"}}' "$(echo "$r" | sed -n 2p)"

# A 2 MiB line is refused and the next line is served.
r=$(python3 -c '
import sys
sys.stdout.write("{\"v\":1,\"id\":1,\"cmd\":\"status\",\"pad\":\"" + "x" * (2 << 20) + "\"}\n")
sys.stdout.write("{\"v\":1,\"id\":2,\"cmd\":\"status\"}\n")' | ctl_raw)
expect_eq "oversized line" '{"id":null,"ok":false,"error":{"code":"BadRequest","message":"request line is longer than 1048576 bytes"}}' "$(echo "$r" | head -n 1)"
expect_eq "after oversized" 2 "$(jget "$(echo "$r" | sed -n 2p)" 'j["id"]')"

# Several requests in one write, answered in order.
r=$(printf '%s\n%s\n%s\n' '{"v":1,"id":1,"cmd":"status"}' '{"v":1,"id":2,"cmd":"source.list"}' '{"v":1,"id":3,"cmd":"status"}' | ctl_raw)
expect_eq "pipelined" "1 2 3" "$(echo "$r" | python3 -c 'import json,sys; print(" ".join(str(json.loads(l)["id"]) for l in sys.stdin))')"

# Abrupt closes: half a request, a request then close before the reply,
# and many clients at once.
python3 - "$DSOCK" <<'PY'
import socket, sys, threading
path = sys.argv[1]
def half():
    s = socket.socket(socket.AF_UNIX); s.connect(path)
    s.sendall(b'{"v":1,"id":1,"cmd":"sta'); s.close()
def early():
    s = socket.socket(socket.AF_UNIX); s.connect(path)
    s.sendall(b'{"v":1,"id":1,"cmd":"source.list"}\n'); s.close()
def reset():
    s = socket.socket(socket.AF_UNIX); s.connect(path)
    s.sendall(b'{"v":1,"id":1,"cmd":"status"}\n' * 1000); s.close()
for f in (half, early, reset):
    for _ in range(20):
        f()
ok = []
def client(i):
    s = socket.socket(socket.AF_UNIX); s.connect(path)
    f = s.makefile("rwb")
    for n in range(20):
        f.write(b'{"v":1,"id":%d,"cmd":"status"}\n' % n); f.flush()
        line = f.readline()
        if b'"ok":true' not in line:
            return
    ok.append(i)
    s.close()
ts = [threading.Thread(target=client, args=(i,)) for i in range(100)]
[t.start() for t in ts]; [t.join() for t in ts]
if len(ok) != 100:
    print("only %d of 100 clients were served" % len(ok)); sys.exit(1)
PY
[ $? -eq 0 ] || fail "concurrent clients"

kill -0 "$PID" || fail "daemon died"
check "still healthy" kr status
check "healthz" curl -sf "$URL/healthz"
finish
