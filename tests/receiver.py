#!/usr/bin/env python3
# A destination for the scenario tests of the sender: an HTTP/1.1 server
# with keep-alive that records every request it gets, one JSON line each
# in LOG (method, path, headers, the body as sent and gunzipped, the
# messageIds in it, whether X-Signature checks with SECRET, the status it
# answered), and answers what the test tells it.
#
#   receiver.py PORTFILE LOG [SECRET]
#
# It listens on 127.0.0.1, on the port RECEIVER_PORT or else a free one,
# written to PORTFILE.  A POST to
# /_rules replaces its rules with a JSON array; each rule is an object
#   {"status": N, "count": N, "body": "...", "headers": {...},
#    "delay": seconds, "match": "messageId"}
# and the first rule whose count is not 0 (and whose match, when set, is a
# messageId of the request) answers, its count going down by one (a count
# of -1 never runs out).  Without one, 200 {"ok":true}.
import gzip
import hashlib
import hmac
import json
import os
import re
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PORTFILE, LOG = sys.argv[1], sys.argv[2]
SECRET = sys.argv[3].encode() if len(sys.argv) > 3 else None
lock = threading.Lock()
rules = []
ids_re = re.compile(r'"messageId":"([^"]*)"')


def pick(ids):
    with lock:
        for r in rules:
            if r.get("count", -1) == 0:
                continue
            if "match" in r and r["match"] not in ids:
                continue
            if r.get("count", -1) > 0:
                r["count"] -= 1
            return dict(r)
    return {}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def answer(self, status, body, headers=None):
        data = body.encode()
        self.send_response(status)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self):
        global rules
        n = int(self.headers.get("Content-Length", "0"))
        raw = self.rfile.read(n)
        if self.path == "/_rules":
            with lock:
                rules = json.loads(raw)
            self.answer(200, "{}")
            return
        body = raw
        if self.headers.get("Content-Encoding") == "gzip":
            body = gzip.decompress(raw)
        text = body.decode("utf-8", "replace")
        ids = ids_re.findall(text)
        sig = self.headers.get("X-Signature")
        sig_ok = None
        if SECRET is not None:
            want = hmac.new(SECRET, raw, hashlib.sha1).hexdigest()
            sig_ok = sig == want
        r = pick(ids)
        status = r.get("status", 200)
        rec = {
            "at": time.time(), "method": self.command, "path": self.path,
            "headers": {k.lower(): v for k, v in self.headers.items()},
            "raw_len": len(raw), "gzip": body is not raw,
            "body": text, "ids": ids, "sig_ok": sig_ok, "status": status,
        }
        with lock:
            with open(LOG, "a") as f:
                f.write(json.dumps(rec) + "\n")
        if r.get("delay"):
            time.sleep(r["delay"])
        try:
            self.answer(status, r.get("body", '{"ok":true}'),
                        r.get("headers"))
        except (BrokenPipeError, ConnectionResetError):
            pass


srv = ThreadingHTTPServer(
    ("127.0.0.1", int(os.environ.get("RECEIVER_PORT", "0"))), Handler)
srv.daemon_threads = True
with open(PORTFILE + ".tmp", "w") as f:
    f.write(str(srv.server_address[1]))
os.rename(PORTFILE + ".tmp", PORTFILE)
srv.serve_forever()
