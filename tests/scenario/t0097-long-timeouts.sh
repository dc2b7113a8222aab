#!/bin/sh
# header_timeout and body_timeout longer than libmicrohttpd's two-minute
# idle timeout hold (krenalisd.conf(5)): 125 s after they went silent, a
# connection that sent nothing, a kept-alive one and one whose body
# stopped after a byte are still open, and each is then answered 200.
# (The test waits those 125 s.)
. "$(dirname "$0")/lib.sh"
cat >"$T/k.conf" <<CONF
header_timeout = 130s
body_timeout = 130s
body_min_rate = 0
CONF
start_daemon -f "$T/k.conf"
store_source
python3 - "$PORT" "$KEY" >"$T/out" 2>&1 <<'PY'
import socket, sys, time
port, key = int(sys.argv[1]), sys.argv[2]
def request(body):
    return ("POST /v1/track HTTP/1.1\r\nHost: x\r\nContent-Type: "
            "application/json\r\nAuthorization: Basic " +
            __import__("base64").b64encode((key + ":").encode()).decode() +
            "\r\nContent-Length: %d\r\n\r\n" % len(body)).encode() + body
def event(i):
    return ('{"type":"track","event":"e","userId":"u","messageId":"m-%s"}'
            % i).encode()
def answer(s):
    s.settimeout(10)
    got = b""
    while b"\r\n\r\n" not in got:
        d = s.recv(4096)
        if not d:
            return "closed" + (" after " + repr(got[:40]) if got else "")
        got += d
    head, rest = got.split(b"\r\n\r\n", 1)
    n = int([l.split(b":")[1] for l in head.split(b"\r\n")
             if l.lower().startswith(b"content-length:")][0])
    while len(rest) < n:
        rest += s.recv(4096)
    return head.split(b" ")[1].decode()
silent = socket.create_connection(("127.0.0.1", port))
kept = socket.create_connection(("127.0.0.1", port))
kept.sendall(request(event("kept-1")))
print("kept, first", answer(kept))
stalled = socket.create_connection(("127.0.0.1", port))
body = event("stalled")
stalled.sendall(request(body)[:-len(body) + 1])
time.sleep(125)
silent.sendall(request(event("silent")))
print("silent", answer(silent))
kept.sendall(request(event("kept-2")))
print("kept, second", answer(kept))
stalled.sendall(body[1:])
print("stalled", answer(stalled))
PY
expect_eq "after 125 s" "kept, first 200
silent 200
kept, second 200
stalled 200" "$(cat "$T/out")"
finish
