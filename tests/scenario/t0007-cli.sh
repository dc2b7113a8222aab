#!/bin/sh
# krctl's command line: usage, unknown and incomplete commands, the
# socket's location, a daemon that is not running; and the HTTP basics of
# the foundation (/healthz, 404, 405, Request-Id).
. "$(dirname "$0")/lib.sh"

expect_fail "not running" "krctl: krenalisd is not running (no socket at $T/none.sock)" "$KRCTL" -s "$T/none.sock" status
KRENALIS_SOCKET=$T/env.sock expect_fail "socket from the environment" "krctl: krenalisd is not running (no socket at $T/env.sock)" "$KRCTL" status
# An error is one line on stderr (DESIGN.md), the synopsis after it when
# the command line is wrong, as krenalisd's and krtop's.
expect_fail "no command" 'krctl: no command given; use one of: status, source, key, pipeline, destination, stats, events, rejected, send, nodes, catalog' "$KRCTL"
expect_fail "unknown global option" "krctl: unknown option -Z; usage: krctl [-hjV] [-s socket] command [argument ...]" "$KRCTL" -Z status
expect_fail "unknown global option after another" "krctl: unknown option -Z; usage: krctl [-hjV] [-s socket] command [argument ...]" "$KRCTL" -jZ status
expect_fail "a long option, as typed" "krctl: unknown option --json; usage: krctl [-hjV] [-s socket] command [argument ...]" "$KRCTL" --json status
expect_fail "a '-' among letters" "krctl: unknown option '-'; usage: krctl [-hjV] [-s socket] command [argument ...]" "$KRCTL" -j- status
expect_fail "global option without its value" "krctl: option -s needs a value; usage: krctl [-hjV] [-s socket] command [argument ...]" "$KRCTL" -s
# The whole command line is parsed before connecting: no daemon needed.
expect_fail "unknown" 'krctl: unknown command "frobnicate"; use one of: status, source, key, pipeline, destination, stats, events, rejected, send, nodes, catalog' "$KRCTL" -s "$T/none.sock" frobnicate
expect_fail "incomplete" 'krctl: "pipeline" needs one of: add, list, show, set, enable, disable, rm' "$KRCTL" -s "$T/none.sock" pipeline
expect_fail "unknown second word" 'krctl: unknown command "key frob"; use one of: list, add, rm' "$KRCTL" -s "$T/none.sock" key frob
expect_fail "missing argument" 'krctl: usage: krctl key rm source key' "$KRCTL" -s "$T/none.sock" key rm src
expect_fail "extra argument" 'krctl: unexpected argument "x"; usage: krctl source show source' "$KRCTL" -s "$T/none.sock" source show a x
expect_fail "unknown option" 'krctl: unknown option -x; usage: krctl pipeline add source name [--send destination] [-F filter] [-C consents] [--disabled]' "$KRCTL" -s "$T/none.sock" pipeline add s n -x
expect_fail "exclusive options" 'krctl: options -F and --no-filter cannot be used together' "$KRCTL" -s "$T/none.sock" pipeline set p -F "type is 'track'" --no-filter
expect_fail "option value" 'krctl: option -c needs a value; usage: krctl source add [-c connector] [--strategy strategy] name' "$KRCTL" -s "$T/none.sock" source add name -c
"$KRCTL" -h >"$T/out" 2>&1
expect_eq "-h exit" 0 $?
grep -q '^usage: krctl \[-hjV\] \[-s socket\] command \[argument ...\]$' "$T/out" || fail "-h prints usage"
grep -q '^       krctl help \[command\]$' "$T/out" || fail "usage gives help"
grep -q '^	source add \[-c connector\] \[--strategy strategy\] name$' "$T/out" || fail "usage lists source add: $(cat "$T/out")"
expect_eq "-V" "krctl 0.1.0" "$("$KRCTL" -V)"
expect_eq "help command" "usage: krctl key rm source key" "$("$KRCTL" help key rm)"
expect_eq "help word" 3 "$("$KRCTL" help key | grep -c '^usage: krctl key ')"
"$KRCTL" help >"$T/out" 2>&1
expect_eq "help exit" 0 $?
grep -q '^	pipeline set pipeline ' "$T/out" || fail "help lists every command"
expect_eq "help help" "$(cat "$T/out")" "$("$KRCTL" help help 2>&1)"
expect_fail "help unknown" 'krctl: unknown command "frob"; use one of: status, source, key, pipeline, destination, stats, events, rejected, send, nodes, catalog' "$KRCTL" help frob
expect_fail "help unknown second word" 'krctl: unknown command "key frob"; use one of: list, add, rm' "$KRCTL" help key frob
expect_fail "help, a second word of a command of one" 'krctl: unexpected argument "x"; usage: krctl help [command]' "$KRCTL" help status x
expect_fail "help help, and more" 'krctl: unexpected argument "x"; usage: krctl help [command]' "$KRCTL" help help x
# The command line is checked before the socket's path.
expect_fail "command before socket" 'krctl: unknown command "frob"; use one of: status, source, key, pipeline, destination, stats, events, rejected, send, nodes, catalog' "$KRCTL" -s "$T" frob
expect_fail "set without options" 'krctl: pipeline set needs at least one option; usage: krctl pipeline set pipeline [--name name] [-F filter | --no-filter] [-C consents | --no-consents] [--send destination]' "$KRCTL" -s "$T/none.sock" pipeline set p
expect_fail "-j after the command" 'krctl: -j goes before the command: krctl [-j] [-s socket] command [argument ...]' "$KRCTL" -s "$T/none.sock" events -j
expect_fail "empty -s" 'krctl: -s: the socket path is empty' "$KRCTL" -s '' status
expect_fail "not a socket" "krctl: $T is not a socket" "$KRCTL" -s "$T" status
expect_fail "option twice" 'krctl: option --disabled is given twice' "$KRCTL" -s "$T/none.sock" pipeline add s n --disabled --disabled

start_daemon
KRENALIS_SOCKET=$SOCK check "KRENALIS_SOCKET" "$KRCTL" -j status
j=$(cat "$T/out")
expect_eq "status members" '["version","pid","startedAt","uptime","endpoint","dataDir","listen","sources","pipelines","totals","node"]' "$(jget "$j" 'list(j.keys())')"
expect_eq "status endpoint" "$URL/v1/events" "$(jget "$j" 'j["endpoint"]')"
expect_eq "status pid" "$PID" "$(jget "$j" 'j["pid"]')"
check "-s wins" env KRENALIS_SOCKET=/nonexistent "$KRCTL" -s "$SOCK" status
grep -q "^endpoint  *$URL/v1/events$" "$T/out" || fail "status table"
# "--" ends the options: a name may start with a dash.
check "dash name" kr source add -- "-minus"
check "dash name shown" kr -j source show -- "-minus"
check "pipelines" kr pipeline add -- -minus a
check "pipelines 2" kr pipeline add -- -minus b
check "status table" kr status
grep -q "^sources  *1$" "$T/out" || fail "status sources: $(cat "$T/out")"
grep -q "^pipelines  *2$" "$T/out" || fail "status pipelines: $(cat "$T/out")"

# HTTP: /healthz, unknown paths, wrong methods, Request-Id on each.
curl -si "$URL/healthz" >"$T/h"
grep -q '^HTTP/1.1 200' "$T/h" || fail "healthz status"
grep -qi '^Content-Type: text/plain; charset=utf-8' "$T/h" || fail "healthz type"
grep -qE '^Request-Id: [1-9A-HJ-NP-Za-km-z]{12,17}' "$T/h" || fail "Request-Id"
expect_eq "healthz body" ok "$(curl -s "$URL/healthz")"
expect_eq "healthz trailing slash" ok "$(curl -s "$URL/healthz/")"
curl -s -I "$URL/healthz" >"$T/h"
grep -qi '^Content-Length: 3' "$T/h" || fail "HEAD healthz: $(cat "$T/h")"
expect_eq "HEAD has no body" 0 "$(curl -s -I -o /dev/null -w '%{size_download}' "$URL/healthz")"
curl -si "$URL/nowhere?x=1" >"$T/h"
grep -q '^HTTP/1.1 404' "$T/h" || fail "404 status"
expect_eq "404 body" '{"error":{"code":"NotFound","message":""}}' "$(tail -n 1 "$T/h")"
grep -qi '^Cache-Control: no-store, max-age=0' "$T/h" || fail "404 no-cache"
grep -qi '^X-Content-Type-Options: nosniff' "$T/h" || fail "404 nosniff"
grep -qi '^Content-Type: application/json; charset=utf-8' "$T/h" || fail "404 type"
curl -si -X POST "$URL/healthz" >"$T/h"
grep -q '^HTTP/1.1 405' "$T/h" || fail "405 status"
grep -qi '^Allow: GET, HEAD' "$T/h" || fail "405 Allow"
expect_eq "405 body" '{"error":{"code":"MethodNotAllowed","message":"Method not allowed"}}' "$(tail -n 1 "$T/h")"
expect_eq "no percent-decoding" 404 "$(curl -s -o /dev/null -w '%{http_code}' "$URL/health%7A")"
expect_eq "two slashes" 404 "$(curl -s -o /dev/null -w '%{http_code}' "$URL/healthz//")"
finish
