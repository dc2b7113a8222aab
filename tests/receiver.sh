# Helpers of the sender's scenario tests, sourced after lib.sh: receivers
# (tests/receiver.py) that record what a destination gets.
#
#   receiver NAME [SECRET]      start a receiver; its URL in RURL_NAME
#                               (e.g. RURL_a), its log in $T/NAME.log
#                               (RECEIVER_PORT=N: on port N)
#   rules NAME JSON             replace its rules (see receiver.py)
#   got NAME                    the messageIds it got, one a line, in order
#   got_count NAME N            whether it got at least N messageIds
#   requests NAME               how many requests it got
#   stop_receiver NAME          kill it (connections are then refused)
#   send_to NAME [options]      a destination D with a send pipeline
#                               "to D" of the source S to receiver NAME
#   is VALUE command...         whether the command prints VALUE, and
#   at_least N command...       a number of at least N (for wait_until,
#                               which runs them again each time)
#   queue_events D              the events queued for destination D
#   two_daemons                 B, a second krenalisd on $T/b whose source
#                               S stores every event (BURL, BKEY its write
#                               key), then the test's daemon A

RECEIVER=$TOP/tests/receiver.py

receiver() {
	rm -f "$T/$1.port"
	python3 "$RECEIVER" "$T/$1.port" "$T/$1.log" ${2:+"$2"} \
	    2>>"$T/$1.err" &
	echo $! >"$T/$1.pid"
	echo $! >>"$T/extra.pids"
	wait_until 30 test -s "$T/$1.port" || fail "receiver $1 did not start"
	: >>"$T/$1.log"
	eval "RURL_$1=http://127.0.0.1:$(cat "$T/$1.port")"
}

rules() {
	curl -s -o /dev/null -X POST --data-binary "$2" \
	    "http://127.0.0.1:$(cat "$T/$1.port")/_rules" ||
	    fail "rules of receiver $1 not set"
}

got() {
	python3 -c '
import json, sys
for line in open(sys.argv[1]):
    r = json.loads(line)
    if 200 <= r["status"] < 300:
        for i in r["ids"]:
            print(i)' "$T/$1.log"
}

got_count() {
	[ "$(got "$1" | wc -l)" -ge "$2" ]
}

requests() {
	wc -l <"$T/$1.log" | tr -d ' '
}

stop_receiver() {
	kill "$(cat "$T/$1.pid")" 2>/dev/null
	wait "$(cat "$T/$1.pid")" 2>/dev/null
}

send_to() {
	r=$1; shift
	eval "send_url=\$RURL_$r"
	check "destination add" kr destination add D --url "$send_url" "$@"
	check "send pipeline" kr pipeline add S "to D" --send D
}

# sending [destination add options]: the set-up of a sending scenario: a
# daemon, the source S with its import pipeline, the receiver a, and the
# destination D with the send pipeline "to D" posting to it.
sending() {
	start_daemon
	store_source
	receiver a
	send_to a "$@"
}

# batch_of FIRST LAST: a /v1/batch body of track events with messageIds
# FIRST..LAST (integers).
batch_of() {
	python3 -c '
import json, sys
a, b = int(sys.argv[1]), int(sys.argv[2])
print(json.dumps({"batch": [{"type": "track", "event": "e", "userId": "u",
    "messageId": "m%d" % i} for i in range(a, b + 1)]}))' "$1" "$2"
}

is() {
	is_want=$1; shift
	[ "$("$@")" = "$is_want" ]
}

at_least() {
	al_n=$1; shift
	[ "$("$@")" -ge "$al_n" ] 2>/dev/null
}

queue_events() {
	kr -j destination show "$1" | python3 -c '
import json, sys
print(json.load(sys.stdin)["queue"]["events"])'
}

# attempts_of NAME ID: how many requests of receiver NAME carried ID.
attempts_of() {
	python3 -c '
import json, sys
print(sum(1 for l in open(sys.argv[1]) if sys.argv[2] in json.loads(l)["ids"]))' "$T/$1.log" "$2"
}

two_daemons() {
	DATA=$T/b
	SOCK=$DATA/krenalisd.sock
	start_daemon
	BURL=$URL
	echo "$PID" >>"$T/extra.pids"
	PID=
	DSOCK=$SOCK
	store_source
	DSOCK=
	BKEY=$KEY
	DATA=$T/var
	SOCK=$DATA/krenalisd.sock
	start_daemon
}
