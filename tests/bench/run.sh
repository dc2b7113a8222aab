#!/bin/sh
# The benchmark of krenalisd: "make bench" at the top runs this script.
#
# Each scenario starts its own krenalisd on a private data directory
# under mktemp -d and a free port of 127.0.0.1, drives it with loadgen
# (the HTTP load generator of this directory) and stops it.  ceiling
# measures, in-process, what jansson and SQLite alone do on the same
# events; bare is a libmicrohttpd server that does nothing but HTTP, the
# ceiling of single-event requests (and, with -c, answers each after a
# group commit, what any server owes a single event).  pg runs the batches on a PostgreSQL
# warehouse, a private cluster in the temporary directory, beside ceiling
# -u, the same rows written in-process as the daemon writes them (COPY
# into a temporary table, INSERT ... ON CONFLICT); send beside ceiling -O,
# the same rows with and without their outbox rows.  The machine is
# shared and noisy, so
# the ceilings, the batches, the single events and the filters are
# measured $REPEATS times, in rounds (each configuration once, then
# again), and shown as median, fastest and slowest run.  Each scenario
# prints its table, and the end is a summary of every number against its
# bar.
#
#   QUICK=1          a few minutes instead of about 14: runs of 3
#                    seconds instead of 10, 2 of each instead of 3 (the
#                    first run of each mode also makes the prefilled
#                    warehouse: a minute for 5M rows, seconds for 500k)
#   REPEATS=N        runs of each measured configuration (default 3, 2
#                    with QUICK=1)
#   SCENARIOS="..."  run only these, in this order (default: $ALL below)
#   ROWS=N           rows of the prefilled warehouse (default 5000000;
#                    500000 with QUICK=1)
#   PG_ROWS=N        pg also measures with N rows already in
#                    krenalis_events (filling 5000000 takes minutes: off
#                    by default)
#   BENCH_CACHE=DIR  where prefilled warehouses are kept between runs
#                    (default tests/bench/.cache)
#   KEEP=1           keep the temporary directory (daemon logs, outputs)
#   TRACE=1          loadgen writes NAME.trace there: per answer, the send
#                    time and latency (ms), the status and events
#
# Adding a scenario: write sc_NAME, which runs it and stores numbers with
# put, and tab_NAME, which prints what it measured and adds its bars to
# the summary with row; add NAME to ALL.  daemon_start, bench_source,
# bench_pipeline, load, get, runs and put_stats are the building blocks
# (see sc_batch).

ALL="ceiling batch prefilled single latency rss filters pg send"

set -u
cd "$(dirname "$0")" || exit 1
BENCH=$(pwd)
TOP=$(cd ../.. && pwd)
KRENALISD=$TOP/krenalisd/krenalisd
KRCTL=$TOP/krctl/krctl
LOADGEN=$BENCH/obj/loadgen
BARE=$BENCH/obj/bare
CEILING=$BENCH/obj/ceiling
PREFILL=$BENCH/obj/prefill
CACHE=${BENCH_CACHE:-$BENCH/.cache}
QUICK=${QUICK:-0}
[ "$QUICK" = 0 ] && QUICK=
SCENARIOS=${SCENARIOS:-$ALL}

# Durations (seconds), sizes and repeats of each mode.
SWEEP="2 4 8 16"
if [ -n "$QUICK" ]; then
	ROWS=${ROWS:-500000}
	REPEATS=${REPEATS:-2}
	WARM=1; SECS=3; CEIL_SECS=1; LAT_SECS=3
	RSS_SECS=4; SEND_SECS=6
else
	ROWS=${ROWS:-5000000}
	REPEATS=${REPEATS:-3}
	WARM=2; SECS=10; CEIL_SECS=4
	LAT_SECS=20
	RSS_SECS=20; SEND_SECS=60
fi
case $REPEATS in
''|*[!0-9]*|0)
	echo "run.sh: REPEATS must be a positive number" >&2
	exit 1
	;;
esac

for f in "$KRENALISD" "$KRCTL" "$LOADGEN" "$BARE" "$CEILING" "$PREFILL"; do
	if [ ! -x "$f" ]; then
		echo "run.sh: $f is missing: run make bench at the top" >&2
		exit 1
	fi
done

T=$(mktemp -d "${TMPDIR:-/tmp}/krenalis-bench.XXXXXX") || exit 1
PID=
PORT=
KEY=
DATA=
RUN=0

cleanup() {
	daemon_stop
	pg_cluster_stop
	sink_stop
	if [ -n "${KEEP:-}" ]; then
		echo "run.sh: kept $T"
	else
		rm -rf "$T"
	fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

log() {
	echo "== $*" >&2
}

# put NAME VALUE: remember one number for the table.
put() {
	eval "R_$1=\$2"
}

# val NAME: a remembered number, or empty.
val() {
	eval "printf '%s' \"\${R_$1:-}\""
}

# calc EXPR [VAR=VALUE ...]: print the value of an awk expression; empty
# when a variable it uses is empty.
calc() {
	e=$1; shift
	for a in "$@"; do
		[ -n "${a#*=}" ] || return 0
	done
	awk "BEGIN { $(for a in "$@"; do printf '%s; ' "$a"; done) \
	    printf \"%.6g\", ($e) }"
}

# Start krenalisd on a fresh data directory (with a copy of the
# warehouse file $1, when given) and a free port; set PID, PORT, DATA.
daemon_start() {
	RUN=$((RUN + 1))
	DATA=$T/d$RUN
	mkdir -p "$DATA"
	chmod 700 "$DATA"
	if [ $# -gt 0 ]; then
		log "copying the prefilled warehouse ($(du -h "$1" | cut -f1))"
		cp "$1" "$DATA/warehouse.db"
		sync
	fi
	for try in 1 2 3 4 5 6 7 8; do
		PORT=$(( 20000 + $(od -An -N2 -tu2 /dev/urandom) % 40000 ))
		"$KRENALISD" -d -D "$DATA" -l "127.0.0.1:$PORT" \
		    ${WAREHOUSE:+-w "$WAREHOUSE"} ${DCONF:+-f "$DCONF"} \
		    2>>"$DATA.log" &
		PID=$!
		i=0
		# The dedupe index of a large warehouse takes a while to load.
		while [ $i -lt 6000 ]; do
			kill -0 "$PID" 2>/dev/null || break
			if [ -S "$DATA/krenalisd.sock" ] &&
			    grep -q "listening on" "$DATA.log"; then
				return 0
			fi
			sleep 0.05
			i=$((i + 1))
		done
		if kill -0 "$PID" 2>/dev/null; then
			echo "run.sh: krenalisd did not come up" >&2
			daemon_stop
			exit 1
		fi
		wait "$PID" 2>/dev/null
		PID=
		grep -q "cannot listen" "$DATA.log" || break
	done
	echo "run.sh: krenalisd failed to start:" >&2
	cat "$DATA.log" >&2
	exit 1
}

# Stop the daemon (SIGTERM, then SIGKILL after a minute) and remove its
# data directory, then sync, so that the next run starts on a quiet disk.
daemon_stop() {
	[ -n "$PID" ] || return 0
	kill "$PID" 2>/dev/null
	i=0
	while kill -0 "$PID" 2>/dev/null && [ $i -lt 600 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	kill -9 "$PID" 2>/dev/null
	wait "$PID" 2>/dev/null
	PID=
	[ -n "${KEEP:-}" ] || rm -rf "$DATA"
	sync
}

kr() {
	"$KRCTL" -s "$DATA/krenalisd.sock" "$@"
}

# The sink of sc_send: bare, which reads each request whole and answers
# 200, storing nothing, so that the two cores go to the daemon under
# test; SINK_PID, SINK_PORT.
sink_start() {
	bare_start
	SINK_PID=$PID SINK_PORT=$PORT SINK_DATA=$DATA
	PID=
}

sink_stop() {
	[ -n "${SINK_PID:-}" ] || return 0
	_p=$PID _d=$DATA
	PID=$SINK_PID DATA=$SINK_DATA
	daemon_stop
	PID=$_p DATA=$_d SINK_PID=
}

# send_ready [PORT]: a running daemon whose source has a pipeline
# storing every event and a send pipeline passing every event to the
# sink, or to PORT of 127.0.0.1 (9, where nothing listens: a destination
# that is down).
send_ready() {
	daemon_ready
	kr destination add sink \
	    --url "http://127.0.0.1:${1:-$SINK_PORT}/v1/events" >/dev/null &&
	    kr pipeline add bench "to sink" --send sink >/dev/null || exit 1
}

# dest_get EXPR: a Python expression over the sink destination's show -j
# object "j".
dest_get() {
	kr -j destination show sink | python3 -c '
import json, sys
j = json.load(sys.stdin)
print(eval(sys.argv[1]))' "$1"
}

# drain N: wait until the sink destination's queue is empty, polling at
# most N times.
drain() {
	i=0
	while [ "$(dest_get 'j["queue"]["events"] > 0')" = True ] &&
	    [ $i -lt "$1" ]; do
		sleep 0.1
		i=$((i + 1))
	done
}

# Start bare, the HTTP ceiling, on a port it picks; set PID and PORT as
# daemon_start does, DATA to a directory for its output, and KEY (bare
# takes any).  With -c, bare answers after a group commit in DATA.
# daemon_stop stops it.
bare_start() {
	RUN=$((RUN + 1))
	DATA=$T/b$RUN
	mkdir -p "$DATA"
	"$BARE" ${1:+"$1" "$DATA"} >"$DATA/port" 2>>"$DATA.log" &
	PID=$!
	i=0
	while [ ! -s "$DATA/port" ] && [ $i -lt 200 ]; do
		kill -0 "$PID" 2>/dev/null || break
		sleep 0.05
		i=$((i + 1))
	done
	PORT=$(cat "$DATA/port")
	if [ -z "$PORT" ]; then
		echo "run.sh: bare failed to start:" >&2
		cat "$DATA.log" >&2
		daemon_stop
		exit 1
	fi
	KEY=bare
}

# A private PostgreSQL cluster in $T/pg, with fsync as a server has it;
# as root, run as the user postgres (or nobody), which PostgreSQL wants.
PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
PGRUNNING=
pg_as() {
	if [ "$(id -u)" -ne 0 ]; then
		"$@"
		return
	fi
	u=postgres
	id postgres >/dev/null 2>&1 || u=nobody
	setpriv --reuid="$u" --regid="$u" --clear-groups "$@"
}
pg_cluster_start() {
	if [ -z "$PGBIN" ]; then
		log "pg: PostgreSQL is not installed (make deps): skipped"
		return 1
	fi
	mkdir -p "$T/pg"
	if [ "$(id -u)" -eq 0 ]; then
		chmod 711 "$T"
		id postgres >/dev/null 2>&1 && chown postgres: "$T/pg" ||
		    chown nobody: "$T/pg"
	fi
	pg_as "$PGBIN/initdb" -D "$T/pg/data" -U postgres -A trust -E UTF8 \
	    --locale=C >"$T/pg/initdb.log" 2>&1 &&
	pg_as "$PGBIN/pg_ctl" -D "$T/pg/data" -l "$T/pg/log" -w -o \
	    "-k $T/pg -p 5432 -c listen_addresses='' -c shared_buffers=256MB" \
	    start >/dev/null || {
		cat "$T/pg/initdb.log" "$T/pg/log" >&2
		exit 1
	}
	PGRUNNING=1
}
pg_cluster_stop() {
	[ -n "${PGRUNNING:-}" ] || return 0
	pg_as "$PGBIN/pg_ctl" -D "$T/pg/data" -m fast -w stop >/dev/null
	PGRUNNING=
}

# pg_db NAME: a new database NAME (dropped first if it exists); PGURL.
pg_db() {
	"$PGBIN/dropdb" -h "$T/pg" -U postgres --if-exists "$1" 2>/dev/null &&
	"$PGBIN/createdb" -h "$T/pg" -U postgres "$1" || exit 1
	PGURL="postgresql:///$1?host=$T/pg&port=5432&user=postgres"
}

# Create a source named $1; its write key goes into KEY.
bench_source() {
	KEY=$(kr -j source add "$1" |
	    sed -n 's/.*"writeKeys": *\[ *"\([^"]*\)".*/\1/p')
	if [ -z "$KEY" ]; then
		echo "run.sh: no write key from krctl source add" >&2
		exit 1
	fi
}

# bench_pipeline SOURCE NAME [FILTER]: add an import pipeline.
bench_pipeline() {
	if [ $# -gt 2 ]; then
		kr pipeline add "$1" "$2" -F "$3" >/dev/null
	else
		kr pipeline add "$1" "$2" >/dev/null
	fi || exit 1
}

# A running daemon with one source and one pipeline without filter.
daemon_ready() {
	daemon_start "$@"
	bench_source bench
	bench_pipeline bench all
}

# load NAME loadgen-options...: run loadgen against the server started
# last; its output is kept in $T/NAME.out and echoed.
load() {
	name=$1; shift
	log "$name: loadgen $*"
	if ! "$LOADGEN" -p "$PORT" -k "$KEY" -P "$PID" \
	    ${TRACE:+-L "$T/$name.trace"} "$@" \
	    >"$T/$name.out" 2>"$T/$name.err"; then
		cat "$T/$name.err" >&2
		echo "run.sh: loadgen failed in $name" >&2
		exit 1
	fi
	cat "$T/$name.err" >&2
	detail "$name"
}

# detail NAME: keep the RESULT line of run NAME for the end.
detail() {
	printf '%-16s %s\n' "$1" "$(sed -n 's/^RESULT //p' "$T/$1.out")" \
	    >>"$T/details"
}

# get NAME KEY: a value from the RESULT line of run NAME.
get() {
	sed -n "s/^RESULT .*[ ]$2=\([^ ]*\).*/\1/p; \
	    s/^RESULT $2=\([^ ]*\).*/\1/p" "$T/$1.out" | head -n 1
}

# runs NAME: the names of the $REPEATS runs of NAME (NAME-r1 ...).
runs() {
	for _r in $(seq "$REPEATS"); do
		printf '%s-r%s ' "$1" "$_r"
	done
}

# stat_of med|min|max KEY RUN...: the median, least or greatest value of
# KEY over the runs (the median of an even count is the mean of the
# middle two); empty when no run has it.
stat_of() {
	_w=$1; _k=$2; shift 2
	for _r in "$@"; do
		get "$_r" "$_k"
	done | awk -v w="$_w" '$1 != "" { v[n++] = $1 + 0 }
	END {
		if (n == 0)
			exit
		for (i = 1; i < n; i++)
			for (j = i; j > 0 && v[j - 1] > v[j]; j--) {
				t = v[j]; v[j] = v[j - 1]; v[j - 1] = t
			}
		if (w == "min")
			x = v[0]
		else if (w == "max")
			x = v[n - 1]
		else if (n % 2)
			x = v[(n - 1) / 2]
		else
			x = (v[n / 2 - 1] + v[n / 2]) / 2
		printf "%.6g", x
	}'
}

# put_stats NAME KEY RUN...: remember NAME_med, NAME_min and NAME_max,
# of KEY over the runs.
put_stats() {
	_n=$1; _k=$2; shift 2
	for _s in med min max; do
		put "${_n}_$_s" "$(stat_of "$_s" "$_k" "$@")"
	done
}

# Whether the scenario $1 is among those run.
selected() {
	case " $SCENARIOS " in
	*" $1 "*)
		return 0
		;;
	esac
	return 1
}

# One run of the ceilings (jansson, the daemon's decoder, SQLite
# inserts): ceiling-rN.
ceiling_run() {
	log "ceiling-r$1: in-process, ${CEIL_SECS}s each"
	sync
	"$CEILING" -d "$T" -t "$CEIL_SECS" >"$T/ceiling-r$1.out" || exit 1
	detail "ceiling-r$1"
}

# The medians of the ceiling's $REPEATS runs.
ceiling_stats() {
	for k in jansson_eps decode_eps sqlite_cpu_us sqlite_dedupe_eps \
	    sqlite_dedupe_cpu_us; do
		put "$k" "$(stat_of med $k $(runs ceiling))"
	done
	put_stats sqlite sqlite_eps $(runs ceiling)
	put sqlite_eps "$(val sqlite_med)"
}

# The ceilings, $REPEATS runs.  With the batches, which are measured
# against the SQLite ceiling, each round of theirs starts with a run of
# it instead (sc_batch): the two then see the same spells of a noisy
# machine, rather than the ceiling the few seconds before the batches.
sc_ceiling() {
	if selected batch; then
		return 0
	fi
	for r in $(seq "$REPEATS"); do
		ceiling_run "$r"
	done
	ceiling_stats
}

# 500-event batches at the most the daemon takes, $REPEATS runs at each
# connection count of $SWEEP, round by round, so that a noisy spell of
# the machine falls on every count rather than on one; each round starts
# with a run of the ceiling when it is measured too.  The count of the
# best median is kept, with the medians of its other figures.
sc_batch() {
	for r in $(seq "$REPEATS"); do
		if selected ceiling; then
			ceiling_run "$r"
		fi
		for c in $SWEEP; do
			daemon_ready
			load "batch-c$c-r$r" -c "$c" -b 500 -w "$WARM" \
			    -t "$SECS"
			daemon_stop
		done
	done
	if selected ceiling; then
		ceiling_stats
	fi
	best=0
	for c in $SWEEP; do
		put_stats "batch_c$c" eps $(runs "batch-c$c")
		m=$(val "batch_c${c}_med")
		if [ "$(calc "m > b" m="$m" b="$best")" = 1 ]; then
			best=$m
			put batch_conns "$c"
			put batch_eps "$m"
		fi
	done
	c=$(val batch_conns)
	[ -n "$c" ] || return 0
	for k in p99_ms cpu_us_per_event daemon_cpu_pct rss_hwm_kb \
	    gen_cpu_pct; do
		put "batch_$k" "$(stat_of med $k $(runs "batch-c$c"))"
	done
}

# The same load on an empty warehouse and on one of $ROWS rows.
sc_prefilled() {
	c=$(val batch_conns)
	c=${c:-8}
	wh=$CACHE/warehouse-$ROWS.db
	# Remade when older than 4 days, or than prefill (a new schema).
	if [ -f "$wh" ] && [ "$wh" -nt "$PREFILL" ] &&
	    [ -z "$(find "$wh" -mmin +5760)" ]; then
		log "prefilled: reusing $wh"
	else
		log "prefilled: making $wh ($ROWS rows, once)"
		mkdir -p "$CACHE"
		rm -f "$wh" "$wh.tmp"
		"$PREFILL" -n "$ROWS" -o "$wh" || exit 1
		sync
	fi
	daemon_ready
	load empty -c "$c" -b 500 -w "$WARM" -t "$SECS"
	daemon_stop
	daemon_ready "$wh"
	grep "dedupe:" "$DATA.log" | sed 's/^[^ ]* /   /' >&2
	load prefilled -c "$c" -b 500 -w "$WARM" -t "$SECS"
	daemon_stop
	put empty_eps "$(get empty eps)"
	put prefilled_eps "$(get prefilled eps)"
	put prefilled_rss_kb "$(get prefilled rss_hwm_kb)"
	put prefilled_cpu_us "$(get prefilled cpu_us_per_event)"
}

# One event per request to /v1/track over 64 connections, on krenalisd
# and on bare in turn, $REPEATS times.
sc_single() {
	for r in $(seq "$REPEATS"); do
		daemon_ready
		load "single-r$r" -S -c 64 -w "$WARM" -t "$SECS"
		daemon_stop
		bare_start
		load "bare-r$r" -S -c 64 -w "$WARM" -t "$SECS"
		daemon_stop
		bare_start -c
		load "barec-r$r" -S -c 64 -w "$WARM" -t "$SECS"
		daemon_stop
	done
	for s in single bare barec; do
		put_stats "$s" rps $(runs $s)
		for k in cpu_us_per_request daemon_cpu_pct p50_ms p99_ms \
		    gen_cpu_pct; do
			put "${s}_$k" "$(stat_of med $k $(runs $s))"
		done
	done
}

# Latency of 500-event batches sent on a schedule at half the maximum.
sc_latency() {
	max=$(val batch_eps)
	rate=$(calc "m / 2" m="${max:-40000}")
	put latency_rate "$rate"
	daemon_ready
	load latency -c 16 -b 500 -r "$rate" -w "$WARM" -t "$LAT_SECS"
	daemon_stop
	for k in eps p50_ms p99_ms max_ms max_lag_ms late; do
		put "latency_$k" "$(get latency $k)"
	done
}

# Peak RSS while 64 connections post bodies of nearly 4 MiB (the
# default max_body_bytes is 4194304).
sc_rss() {
	daemon_ready
	load rss -c 64 -B 4190000 -R -w 0 -t "$RSS_SECS" -D 60
	daemon_stop
	for k in rss_hwm_kb rss_peak_kb all_events all_non200 \
	    events_per_request p99_ms inflight_left; do
		put "rss_${k#rss_}" "$(get rss $k)"
	done
}

# Filters: 10 enabled pipelines of 5 conditions each against one pipeline
# without filter, same load at the same connection count (the batches'
# best, or 4), $REPEATS times in turn.  The conditions are true on the
# bench's events up to the last, which differs between pipelines, so that
# every condition is evaluated and some pipelines pass and some do not.
sc_filters() {
	c=$(val batch_conns)
	c=${c:-4}
	put filters_conns "$c"
	for r in $(seq "$REPEATS"); do
		daemon_ready
		load "nofilter-r$r" -c "$c" -b 500 -w "$WARM" -t "$SECS"
		daemon_stop
		daemon_start
		bench_source bench
		for n in 1 2 3 4 5 6 7 8 9 10; do
			bench_pipeline bench "filtered $n" "type is 'track' and \
event is 'Workout Completed' and context.locale is 'en-US' and \
properties.workout_type is one of ('Cardio', 'Strength') and \
properties.duration_minutes is greater than $((n * 5))"
		done
		load "filters-r$r" -c "$c" -b 500 -w "$WARM" -t "$SECS"
		daemon_stop
	done
	for s in nofilter filters; do
		put_stats "$s" eps $(runs $s)
		put "${s}_cpu_us" \
		    "$(stat_of med cpu_us_per_event $(runs $s))"
	done
}

# The sender: 500-event batches into a source without and with a send
# pipeline to the sink, in the same run; how fast the events are
# delivered (from the start of the load until the queue is empty).  Each
# round opens with the in-process ceiling of the same rows without and
# with their outbox rows (ceiling -O): what the outbox costs SQLite
# itself, beside what it costs the daemon.  Then
# at half the ingest rate with the send pipeline, for $SEND_SECS seconds:
# the delivery latency, commit to 2xx (the p50 and p99 of destination
# show, over the last minute), and the queue a sixth of the way in and
# at the end; and the daemon's peak RSS at that rate with the
# destination down, beside the same load without a destination.
sc_send() {
	c=$(val batch_conns)
	c=${c:-8}
	put send_conns "$c"
	sink_start
	for r in $(seq "$REPEATS"); do
		log "outboxceil-r$r: in-process, ${CEIL_SECS}s each"
		sync
		"$CEILING" -d "$T" -O 1 -t "$CEIL_SECS" \
		    >"$T/outboxceil-r$r.out" || exit 1
		detail "outboxceil-r$r"
		daemon_ready
		load "nosend-r$r" -c "$c" -b 500 -w "$WARM" -t "$SECS"
		daemon_stop
		send_ready
		t0=$(date +%s.%N)
		load "send-r$r" -c "$c" -b 500 -w "$WARM" -t "$SECS"
		drain 1200
		t1=$(date +%s.%N)
		put "delivered_r$r" "$(calc "d / (t1 - t0)" \
		    d="$(dest_get 'j["delivered"]')" t0="$t0" t1="$t1")"
		daemon_stop
	done
	for s in nosend send; do
		put_stats "$s" eps $(runs $s)
	done
	for k in events outbox nojson; do
		put_stats "ceil_$k" "${k}_eps" $(runs outboxceil)
	done
	put ceil_ratio "$(stat_of med ratio $(runs outboxceil))"
	put ceil_nojson_ratio "$(stat_of med nojson_ratio $(runs outboxceil))"
	for r in $(seq "$REPEATS"); do
		echo "RESULT delivered_eps=$(val "delivered_r$r")" \
		    >"$T/delivered-r$r.out"
	done
	put_stats delivered delivered_eps $(runs delivered)
	rate=$(calc "m / 2" m="$(val send_med)")
	rate=${rate:-10000}
	put send_rate "$rate"
	send_ready
	(sleep $((WARM + SEND_SECS / 6)); dest_get 'j["queue"]["events"]' \
	    >"$T/queue-early") &
	qpid=$!
	load send-latency -c 16 -b 500 -r "$rate" -w "$WARM" -t "$SEND_SECS"
	wait "$qpid"
	put send_queue_early "$(cat "$T/queue-early")"
	put send_queue_end "$(dest_get 'j["queue"]["events"]')"
	drain 600
	put send_p50_ms "$(dest_get 'j["latency"]["p50"] * 1000')"
	put send_p99_ms "$(dest_get 'j["latency"]["p99"] * 1000')"
	daemon_stop
	daemon_ready
	load half-nodest -c 16 -b 500 -r "$rate" -w "$WARM" -t "$SEND_SECS"
	put send_rss_nodest_kb "$(get half-nodest rss_hwm_kb)"
	daemon_stop
	send_ready 9
	load half-down -c 16 -b 500 -r "$rate" -w "$WARM" -t "$SEND_SECS"
	put send_rss_down_kb "$(get half-down rss_hwm_kb)"
	put send_down_queue "$(dest_get 'j["queue"]["events"]')"
	daemon_stop
	sink_stop
}

tab_send() {
	e=$(val nosend_med); w=$(val send_med)
	p=$(val send_p99_ms)
	q0=$(val send_queue_early); q1=$(val send_queue_end)
	rn=$(val send_rss_nodest_kb); rd=$(val send_rss_down_kb)
	echo
	series_head "send pipeline, $(val send_conns) conns, events/s"
	series "ingest, no send pipeline" nosend
	series "ingest, with a send pipeline" send
	series "delivered to the sink" delivered
	series "ceiling: events" ceil_events
	series "ceiling: events + outbox" ceil_outbox
	series "ceiling: outbox, no JSON" ceil_nojson
	echo "  (ceiling: SQLite in-process, one core, the same rows; outbox:" \
	    "a row of each event, with its JSON or \"{}\"; the median of" \
	    "the rounds' ratios to without: with the JSON" \
	    "$(fmt %.2f "$(val ceil_ratio)"), with \"{}\"" \
	    "$(fmt %.2f "$(val ceil_nojson_ratio)"))"
	echo "  at $(fmt %.0f "$(val send_rate)") events/s (half), 16 conns," \
	    "${SEND_SECS} s, one run: delivery latency (commit to 2xx)" \
	    "p50 $(fmt %.1f "$(val send_p50_ms)") ms," \
	    "p99 $(fmt %.1f "$p") ms; queue $q0 events at" \
	    "$((SEND_SECS / 6)) s, $q1 at the end"
	echo "  peak RSS at that rate: $(mib "$rn") MiB without a" \
	    "destination, $(mib "$rd") MiB with it down" \
	    "($(val send_down_queue) events queued)"
	row "ingest with a send pipeline" "$(fmt %.0f "$w")" "events/s" \
	    ">= 0.7 x without" "$(fmt %.2f "$(calc "w / e" w="$w" e="$e")")" \
	    "$(verdict "w >= 0.7 * e" w="$w" e="$e")"
	row "  SQLite alone, same rows" \
	    "$(fmt %.0f "$(val ceil_outbox_med)")" "events/s" \
	    "(in-process, no bar)" "$(fmt %.2f "$(val ceil_ratio)")" ""
	row "queue growth at half max" "$(calc "b - a" a="$q0" b="$q1")" \
	    "events" "<= 2000 (4 batches in flight)" "" \
	    "$(verdict "b - a <= 2000" a="$q0" b="$q1")"
	row "p99 delivery at half max" "$(fmt %.1f "$p")" "ms" "<= 1000 ms" \
	    "$(fmt %.2f "$(calc "p / 1000" p="$p")")" \
	    "$(verdict "p <= 1000" p="$p")"
	row "RSS, destination down" "$(mib "$rd")" "MiB" \
	    "<= no destination + 100 MiB" \
	    "$(mib "$(calc "d - n" d="$rd" n="$rn")")" \
	    "$(verdict "d - n <= 102400" d="$rd" n="$rn")"
}

tab_filters() {
	f=$(val filters_med); e=$(val nofilter_med)
	c=$(val filters_conns)
	echo
	series_head "filters, $c conns, events/s" "us CPU/event"
	series "no filter" nofilter "$(fmt %.2f "$(val nofilter_cpu_us)")"
	series "10 pipelines x 5 conditions" filters \
	    "$(fmt %.2f "$(val filters_cpu_us)")"
	row "10 pipelines x 5 conds, $c conns" "$(fmt %.0f "$f")" \
	    "events/s" ">= 0.9 x no filter" \
	    "$(fmt %.2f "$(calc "f / e" f="$f" e="$e")")" \
	    "$(verdict "f >= 0.9 * e" f="$f" e="$e")"
}

# PostgreSQL: ceiling -u with one connection and two, and the daemon's
# 500-event batches on 8 connections with pg_connections 1 and 2, each on
# a new database, $REPEATS times in turn; with PG_ROWS, the same once more
# (pg_connections 2) on a database of that many rows.
sc_pg() {
	pg_cluster_start || return 0
	for w in 1 2; do
		printf 'pg_connections = %s\n' "$w" >"$T/pg$w.conf"
	done
	for r in $(seq "$REPEATS"); do
		for c in 1 2; do
			pg_db bench
			log "pgceil-c$c-r$r: in-process, ${CEIL_SECS}s"
			"$CEILING" -u "$PGURL" -c "$c" -t "$CEIL_SECS" \
			    >"$T/pgceil-c$c-r$r.out" || exit 1
			detail "pgceil-c$c-r$r"
			pg_db bench
			DCONF=$T/pg$c.conf WAREHOUSE=$PGURL daemon_ready
			load "pg-w$c-r$r" -c 8 -b 500 -w "$WARM" -t "$SECS"
			daemon_stop
		done
	done
	for c in 1 2; do
		put_stats "pgceil$c" pg_eps $(runs "pgceil-c$c")
		put_stats "pg$c" eps $(runs "pg-w$c")
		put "pg${c}_cpu_us" \
		    "$(stat_of med cpu_us_per_event $(runs "pg-w$c"))"
	done
	if [ -n "${PG_ROWS:-}" ]; then
		pg_db big
		log "pgceil-big: $PG_ROWS rows first"
		"$CEILING" -u "$PGURL" -n "$PG_ROWS" -c 1 -t "$CEIL_SECS" \
		    >"$T/pgceil-big.out" || exit 1
		detail pgceil-big
		DCONF=$T/pg2.conf WAREHOUSE=$PGURL daemon_ready
		load pg-big -c 8 -b 500 -w "$WARM" -t "$SECS"
		daemon_stop
		put pgceil_big "$(get pgceil-big pg_eps)"
		put pg_big "$(get pg-big eps)"
	fi
	pg_cluster_stop
}

tab_pg() {
	d=$(val pg2_med); c1=$(val pgceil1_med)
	echo
	series_head "PostgreSQL, events/s" "daemon/ceiling, 1 conn"
	series "in-process ceiling, 1 conn" pgceil1
	series "in-process ceiling, 2 conns" pgceil2
	for c in 1 2; do
		series "krenalisd, pg_connections $c" "pg$c" \
		    "$(printf '%14s  %s us CPU/event' "$(fmt %.2f \
		    "$(calc "d / c" d="$(val "pg${c}_med")" c="$c1")")" \
		    "$(fmt %.1f "$(val "pg${c}_cpu_us")")")"
	done
	echo "  (ceiling: COPY into a temporary table, INSERT ... ON" \
	    "CONFLICT, 500 rows a transaction; krenalisd: 500-event" \
	    "batches on 8 conns)"
	row "PostgreSQL batches, 8 conns" "$(fmt %.0f "$d")" "events/s" \
	    ">= 0.8 x PG ceiling, 1 conn" \
	    "$(fmt %.2f "$(calc "d / c" d="$d" c="$c1")")" \
	    "$(verdict "d >= 0.8 * c" d="$d" c="$c1")"
	[ -n "${PG_ROWS:-}" ] || return 0
	b=$(val pg_big); cb=$(val pgceil_big)
	echo "  $PG_ROWS rows in krenalis_events first (one run each):" \
	    "ceiling $(fmt %.0f "$cb"), krenalisd $(fmt %.0f "$b")" \
	    "events/s ($(fmt %.2f "$(calc "b / c" b="$b" c="$cb")"))"
	row "PostgreSQL, $PG_ROWS rows first" "$(fmt %.0f "$b")" "events/s" \
	    ">= 0.7 x empty" "$(fmt %.2f "$(calc "b / d" b="$b" d="$d")")" \
	    "$(verdict "b >= 0.7 * d" b="$b" d="$d")"
}

# series_head TITLE [EXTRA]: the head of a table of series.
series_head() {
	printf '%-30s %4s %9s %9s %9s %9s  %s\n' "$1" "runs" "median" \
	    "fastest" "slowest" "slow/fast" "${2:-}"
}

# series LABEL NAME [EXTRA]: a line of the runs of NAME (see put_stats).
series() {
	lo=$(val "$2_min"); hi=$(val "$2_max")
	printf '  %-28s %4s %9s %9s %9s %9s  %s\n' "$1" "$REPEATS" \
	    "$(fmt %.0f "$(val "$2_med")")" "$(fmt %.0f "$hi")" \
	    "$(fmt %.0f "$lo")" \
	    "$(fmt %.2f "$(calc "l / h" l="$lo" h="$hi")")" "${3:-}"
}

# row LABEL MEASURED UNIT BAR RATIO VERDICT: a line of the summary.
row() {
	SUMMARY="${SUMMARY:-}$(printf '%-34s %9s %-9s %-32s %9s  %s' \
	    "$1" "$2" "$3" "$4" "$5" "$6")
"
}

# verdict OK-EXPR VAR=VALUE...: PASS, MISS, or n/a when a value is
# missing.
verdict() {
	v=$(calc "$@")
	case $v in
	1) echo PASS ;;
	0) echo MISS ;;
	*) echo n/a ;;
	esac
}

# fmt FORMAT NUMBER: the number printed by awk, or nothing.
fmt() {
	[ -n "$2" ] && awk "BEGIN { printf \"$1\", $2 }"
}

# mib KB: kilobytes as whole MiB.
mib() {
	fmt %.0f "$(calc "k / 1024" k="$1")"
}

# The in-process ceilings and what the best median of the batches is of
# each.
tab_ceiling() {
	e=$(val batch_eps)
	echo
	printf '%-40s %9s  %s\n' "in-process ceiling, one core (median)" \
	    "events/s" "500-event batches (best median) / ceiling"
	for c in "jansson json_loadb of the bodies:jansson_eps" \
	    "jsonscan + event_decode (HTTP side):decode_eps" \
	    "SQLite inserts, 500/txn, no dedupe:sqlite_eps" \
	    "SQLite inserts + krenalis_dedupe rows:sqlite_dedupe_eps"; do
		v=$(val "${c#*:}")
		printf '  %-38s %9s  %s\n' "${c%%:*}" "$(fmt %.0f "$v")" \
		    "$(fmt %.2f "$(calc "e / v" e="$e" v="$v")")"
	done
	printf '  %-38s %9s us/event\n' "SQLite CPU per event (no dedupe)" \
	    "$(fmt %.1f "$(val sqlite_cpu_us)")"
	printf '  %-38s %9s us/event\n' "SQLite CPU per event (with dedupe)" \
	    "$(fmt %.1f "$(val sqlite_dedupe_cpu_us)")"
	lo=$(val sqlite_min); hi=$(val sqlite_max)
	echo "  SQLite inserts over $REPEATS runs: fastest $(fmt %.0f "$hi")," \
	    "slowest $(fmt %.0f "$lo")" \
	    "(slow/fast $(fmt %.2f "$(calc "l / h" l="$lo" h="$hi")"))"
}

# Per connection count: the runs, the median against the SQLite ceiling,
# and the bar, median >= 0.8 x ceiling and slowest >= 0.8 x fastest.
tab_batch() {
	s=$(val sqlite_eps)
	echo
	series_head "500-event batches, events/s" "median/ceiling  bar"
	for c in $SWEEP; do
		m=$(val "batch_c${c}_med")
		lo=$(val "batch_c${c}_min"); hi=$(val "batch_c${c}_max")
		r=$(fmt %.2f "$(calc "m / s" m="$m" s="$s")")
		sp=$(fmt %.2f "$(calc "l / h" l="$lo" h="$hi")")
		ok=$(verdict "m >= 0.8 * s && l >= 0.8 * h" m="$m" s="$s" \
		    l="$lo" h="$hi")
		series "$c conns" "batch_c$c" "$(printf '%14s  %s' "$r" "$ok")"
		row "500-event batches, $c conns" "$(fmt %.0f "$m")" \
		    "events/s" "med >= .8 ceil, slow >= .8 fast" "$r $sp" "$ok"
	done
	echo "  bar: median >= 0.8 x the SQLite ceiling" \
	    "($(fmt %.0f "$s") events/s in-process) and slowest run" \
	    ">= 0.8 x fastest"
	c=$(val batch_conns)
	u=$(val batch_cpu_us_per_event)
	echo "  best median, $c conns: daemon" \
	    "$(fmt %.0f "$(val batch_daemon_cpu_pct)")% CPU (of 200)," \
	    "$(fmt %.1f "$u") us CPU/event," \
	    "p99 $(fmt %.1f "$(val batch_p99_ms)") ms, RSS" \
	    "$(mib "$(val batch_rss_hwm_kb)") MiB, load generator" \
	    "$(fmt %.0f "$(val batch_gen_cpu_pct)")% of a CPU (medians)"
	row "daemon CPU, batches at $c conns" "$(fmt %.1f "$u")" "us/event" \
	    "<= 30 us/event" "$(fmt %.2f "$(calc "u / 30" u="$u")")" \
	    "$(verdict "u <= 30" u="$u")"
}

tab_prefilled() {
	p=$(val prefilled_eps); e=$(val empty_eps)
	echo
	echo "$ROWS rows in the warehouse: $(fmt %.0f "$p") events/s" \
	    "($(fmt %.0f "$e") empty, one run each), daemon" \
	    "$(val prefilled_cpu_us) us CPU/event," \
	    "RSS $(mib "$(val prefilled_rss_kb)") MiB"
	row "$ROWS rows in warehouse" "$(fmt %.0f "$p")" "events/s" \
	    ">= 0.70 x empty" \
	    "$(fmt %.2f "$(calc "p / e" p="$p" e="$e")")" \
	    "$(verdict "p >= 0.7 * e" p="$p" e="$e")"
}

# krenalisd's single events against bare, the HTTP ceiling.
tab_single() {
	r=$(val single_med); b=$(val bare_med)
	echo
	series_head "single events, 64 conns, req/s" \
	    "us CPU/req   p50 ms   p99 ms  server CPU  loadgen CPU"
	for s in single:krenalisd bare:"bare libmicrohttpd" \
	    barec:"bare + group commit"; do
		n=${s%%:*}
		series "${s#*:}" "$n" "$(printf '%10s %8s %8s %10s%% %11s%%' \
		    "$(fmt %.1f "$(val "${n}_cpu_us_per_request")")" \
		    "$(fmt %.1f "$(val "${n}_p50_ms")")" \
		    "$(fmt %.1f "$(val "${n}_p99_ms")")" \
		    "$(fmt %.0f "$(val "${n}_daemon_cpu_pct")")" \
		    "$(fmt %.0f "$(val "${n}_gen_cpu_pct")")")"
	done
	echo "  (medians; CPU: of the server process, from /proc, per" \
	    "request and in % of one CPU; bare + group commit: bare" \
	    "answering each request after a durable group commit of a" \
	    "620-byte row, what any server owes a single event)"
	row "single events, 64 conns" "$(fmt %.0f "$r")" "req/s" \
	    ">= 0.5 x bare libmicrohttpd" \
	    "$(fmt %.2f "$(calc "r / b" r="$r" b="$b")")" \
	    "$(verdict "r >= 0.5 * b" r="$r" b="$b")"
	c=$(val barec_med)
	row "  bare + group commit" "$(fmt %.0f "$c")" "req/s" \
	    "(no bar; of bare libmicrohttpd)" \
	    "$(fmt %.2f "$(calc "c / b" c="$c" b="$b")")" ""
}

tab_latency() {
	p=$(val latency_p99_ms)
	echo
	echo "latency at half the best median ($(fmt %.0f \
	    "$(val latency_rate)") events/s, 16 conns, one run):" \
	    "p50 $(val latency_p50_ms) ms, p99 $p ms," \
	    "max $(val latency_max_ms) ms, $(val latency_late) sent late"
	row "p99 ack at half max" "$(fmt %.1f "$p")" "ms" "<= 100 ms" \
	    "$(fmt %.2f "$(calc "p / 100" p="$p")")" \
	    "$(verdict "p <= 100" p="$p")"
}

tab_rss() {
	k=$(val rss_hwm_kb)
	echo
	echo "peak RSS, 64 conns x ~4 MiB bodies (one run): $(mib "$k") MiB," \
	    "$(val rss_events_per_request) events a request," \
	    "$(val rss_all_events) events stored in all," \
	    "$(val rss_all_non200) answers not 200 (503: writer queue full)"
	row "peak RSS, 64 conns x ~4 MiB bodies" "$(mib "$k")" "MiB" \
	    "<= 300 MB" \
	    "$(fmt %.2f "$(calc "k * 1024 / 300e6" k="$k")")" \
	    "$(verdict "k * 1024 <= 300e6" k="$k")"
}

: >"$T/details"
log "krenalisd benchmark on $(nproc) CPUs, $REPEATS runs a" \
    "configuration$([ -n "$QUICK" ] && echo ', QUICK')"
start=$(date +%s)
for s in $SCENARIOS; do
	"sc_$s"
done
secs=$(( $(date +%s) - start ))

echo
echo "krenalisd benchmark: $(nproc) CPUs ($(sed -n 's/^model name[^:]*: //p' \
    /proc/cpuinfo | head -n 1)), load generator on the same machine"
echo "$(date -u +%Y-%m-%dT%H:%M:%SZ), ${secs}s, runs of ${SECS}s, $REPEATS" \
    "of each configuration$([ -n "$QUICK" ] && echo ", QUICK=1:" \
    "shorter and fewer runs than the full benchmark (3 of 10s each), a" \
    "$ROWS-row warehouse")"
echo
echo "runs (RESULT lines of loadgen and ceiling):"
cat "$T/details"
for s in $SCENARIOS; do
	"tab_$s"
done
echo
echo "summary (ratio: of the bar's reference; batches: median/ceiling and" \
    "slowest/fastest)"
printf '%-34s %9s %-9s %-32s %9s  %s\n' "scenario" "measured" "unit" \
    "bar" "ratio" ""
printf '%s' "${SUMMARY:-}"
