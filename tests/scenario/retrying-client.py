# The retrying client of the kill -9 scenarios: batch b has the events
# "b-0" .. "b-49"; each batch is posted until a 200 comes back, trying the
# given ports in turn after a failure (as a load balancer would), then its
# ids go to DIR/acked.  It stops after the batch during which the file
# DIR/stop appears, and writes DIR/done.
#
#   python3 retrying-client.py PORT[,PORT...] KEY DIR
import http.client, json, os, sys, time
ports = [int(p) for p in sys.argv[1].split(",")]
key, dirname = sys.argv[2], sys.argv[3]
acked = open(os.path.join(dirname, "acked"), "w")
b = 0
turn = 0
deadline = time.time() + 120
while time.time() < deadline:
    body = json.dumps([{"type": "track", "event": "e", "userId": "u",
        "messageId": "%d-%d" % (b, i)} for i in range(50)])
    while time.time() < deadline:
        try:
            c = http.client.HTTPConnection("127.0.0.1", ports[turn],
                timeout=10)
            c.request("POST", "/v1/events", body,
                {"Authorization": "Bearer " + key})
            r = c.getresponse()
            r.read()
            c.close()
            if r.status == 200:
                break
        except (OSError, http.client.HTTPException):
            pass
        turn = (turn + 1) % len(ports)
        time.sleep(0.02)
    for i in range(50):
        acked.write("%d-%d\n" % (b, i))
    acked.flush()
    b += 1
    if os.path.exists(os.path.join(dirname, "stop")):
        break
acked.close()
open(os.path.join(dirname, "done"), "w").close()
