#!/bin/sh
# The benchmark of krenalisd: "make bench" at the top runs this script.
#
# Each scenario starts its own krenalisd on a private data directory
# under mktemp -d and a free port of 127.0.0.1, drives it with loadgen
# (the HTTP load generator of this directory) and stops it.  ceiling
# measures, in-process, what jansson and SQLite alone do on the same
# events.  The end is a table of the numbers against their bars.
#
#   QUICK=1          about 30 seconds instead of about 3 minutes (the
#                    first run of each mode also makes the prefilled
#                    warehouse: a minute for 5M rows, seconds for 500k)
#   SCENARIOS="..."  run only these, in this order (default: $ALL below)
#   ROWS=N           rows of the prefilled warehouse (default 5000000;
#                    500000 with QUICK=1)
#   BENCH_CACHE=DIR  where prefilled warehouses are kept between runs
#                    (default tests/bench/.cache)
#   KEEP=1           keep the temporary directory (daemon logs, outputs)
#   TRACE=1          loadgen writes NAME.trace there: per answer, the send
#                    time and latency (ms), the status and events
#
# Adding a scenario: write sc_NAME, which runs it and stores numbers with
# put, and tab_NAME, which prints its rows of the table with row; add
# NAME to ALL.  daemon_start, bench_source, bench_pipeline, load and get
# are the building blocks (see sc_batch).

ALL="ceiling batch prefilled single latency rss filters"

set -u
cd "$(dirname "$0")" || exit 1
BENCH=$(pwd)
TOP=$(cd ../.. && pwd)
KRENALISD=$TOP/krenalisd/krenalisd
KRCTL=$TOP/krctl/krctl
LOADGEN=$BENCH/obj/loadgen
CEILING=$BENCH/obj/ceiling
PREFILL=$BENCH/obj/prefill
CACHE=${BENCH_CACHE:-$BENCH/.cache}
QUICK=${QUICK:-0}
[ "$QUICK" = 0 ] && QUICK=
SCENARIOS=${SCENARIOS:-$ALL}

# Durations (seconds) and sizes of each mode.
if [ -n "$QUICK" ]; then
	ROWS=${ROWS:-500000}
	WARM=1; SECS=3; SWEEP="4"; FSWEEP="4"; CEIL_SECS=1; LAT_SECS=3
	RSS_SECS=4
else
	ROWS=${ROWS:-5000000}
	WARM=2; SECS=10; SWEEP="2 4 8 16"; FSWEEP="2 4"; CEIL_SECS=4
	LAT_SECS=20
	RSS_SECS=20
fi

for f in "$KRENALISD" "$KRCTL" "$LOADGEN" "$CEILING" "$PREFILL"; do
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

# load NAME loadgen-options...: run loadgen against the daemon; its
# output is kept in $T/NAME.out and echoed.
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
	printf '%-14s %s\n' "$name" "$(sed -n 's/^RESULT //p' \
	    "$T/$name.out")" >>"$T/details"
}

# get NAME KEY: a value from the RESULT line of run NAME.
get() {
	sed -n "s/^RESULT .*[ ]$2=\([^ ]*\).*/\1/p; \
	    s/^RESULT $2=\([^ ]*\).*/\1/p" "$T/$1.out" | head -n 1
}

# The ceilings: jansson, the daemon's decoder, SQLite inserts.
sc_ceiling() {
	log "ceiling: in-process, ${CEIL_SECS}s each"
	sync
	"$CEILING" -d "$T" -t "$CEIL_SECS" >"$T/ceiling.out" || exit 1
	for k in jansson_eps decode_eps sqlite_eps sqlite_cpu_us \
	    sqlite_dedupe_eps sqlite_dedupe_cpu_us; do
		put "$k" "$(get ceiling $k)"
	done
}

# 500-event batches at the most the daemon takes, over a few connection
# counts; the best one is kept, with its CPU time per event.
sc_batch() {
	best=0
	for c in $SWEEP; do
		daemon_ready
		load "batch-c$c" -c "$c" -b 500 -w "$WARM" -t "$SECS"
		daemon_stop
		eps=$(get "batch-c$c" eps)
		if [ "$(calc "e > b" e="$eps" b="$best")" = 1 ]; then
			best=$eps
			put batch_conns "$c"
			for k in eps rps p50_ms p99_ms cpu_us_per_event \
			    daemon_cpu_pct rss_hwm_kb gen_cpu_pct; do
				put "batch_$k" "$(get "batch-c$c" $k)"
			done
		fi
	done
}

# The same load on an empty warehouse and on one of $ROWS rows.
sc_prefilled() {
	c=$(val batch_conns)
	c=${c:-8}
	wh=$CACHE/warehouse-$ROWS.db
	if [ -f "$wh" ] && [ -z "$(find "$wh" -mmin +5760)" ]; then
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

# One event per request to /v1/track over 64 connections.
sc_single() {
	daemon_ready
	load single -S -c 64 -w "$WARM" -t "$SECS"
	daemon_stop
	for k in rps p50_ms p99_ms cpu_us_per_event daemon_cpu_pct \
	    gen_cpu_pct; do
		put "single_$k" "$(get single $k)"
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
# without filter, same load, each at its best connection count.  The conditions are true on the bench's
# events up to the last, which differs between pipelines, so that every
# condition is evaluated and some pipelines pass and some do not.
sc_filters() {
	best_n=0; best_f=0
	for c in $FSWEEP; do
		daemon_ready
		load "nofilter-c$c" -c "$c" -b 500 -w "$WARM" -t "$SECS"
		daemon_stop
		daemon_start
		bench_source bench
		for n in 1 2 3 4 5 6 7 8 9 10; do
			bench_pipeline bench "filtered $n" "type is 'track' and \
event is 'Workout Completed' and context.locale is 'en-US' and \
properties.workout_type is one of ('Cardio', 'Strength') and \
properties.duration_minutes is greater than $((n * 5))"
		done
		load "filters-c$c" -c "$c" -b 500 -w "$WARM" -t "$SECS"
		daemon_stop
		# Each configuration at its best connection count.
		e=$(get "nofilter-c$c" eps)
		if [ "$(calc "e > b" e="$e" b="$best_n")" = 1 ]; then
			best_n=$e
			put nofilter_eps "$e"
			put nofilter_conns "$c"
			put nofilter_cpu_us "$(get "nofilter-c$c" cpu_us_per_event)"
		fi
		e=$(get "filters-c$c" eps)
		if [ "$(calc "e > b" e="$e" b="$best_f")" = 1 ]; then
			best_f=$e
			put filters_eps "$e"
			put filters_conns "$c"
			put filters_cpu_us "$(get "filters-c$c" cpu_us_per_event)"
		fi
	done
}

tab_filters() {
	f=$(val filters_eps); e=$(val nofilter_eps)
	note "filters: daemon $(val filters_cpu_us) us CPU/event with 10" \
	    "pipelines x 5 conditions ($(val filters_conns) conns)," \
	    "$(val nofilter_cpu_us) without ($(val nofilter_conns) conns)"
	row "10 pipelines x 5 conditions" "$(fmt %.0f "$f")" "events/s" \
	    ">= 0.85 x no filter" \
	    "$(fmt %.2f "$(calc "f / e" f="$f" e="$e")")" \
	    "$(verdict "f >= 0.85 * e" f="$f" e="$e")"
}

# row LABEL MEASURED UNIT BAR RATIO VERDICT
row() {
	printf '%-40s %10s %-9s %-22s %7s  %s\n' "$1" "$2" "$3" "$4" "$5" "$6"
}

# verdict OK-EXPR VAR=VALUE...: ok, MISS, or n/a when a value is missing.
verdict() {
	v=$(calc "$@")
	case $v in
	1) echo ok ;;
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

tab_ceiling() {
	:
}

tab_batch() {
	e=$(val batch_eps); s=$(val sqlite_eps)
	note "max batches: daemon $(val batch_daemon_cpu_pct)% CPU" \
	    "(of 200), p99 $(val batch_p99_ms) ms, RSS" \
	    "$(mib "$(val batch_rss_hwm_kb)") MiB," \
	    "load generator $(val batch_gen_cpu_pct)% of a CPU"
	row "500-event batches, max ($(val batch_conns) conns)" \
	    "$(fmt %.0f "$e")" "events/s" ">= 0.60 x SQLite ceil." \
	    "$(fmt %.2f "$(calc "e / s" e="$e" s="$s")")" \
	    "$(verdict "e >= 0.6 * s" e="$e" s="$s")"
	u=$(val batch_cpu_us_per_event)
	row "daemon CPU at that throughput" "$(fmt %.1f "$u")" "us/event" \
	    "<= 30 us/event" "$(fmt %.2f "$(calc "u / 30" u="$u")")" \
	    "$(verdict "u <= 30" u="$u")"
}

tab_prefilled() {
	p=$(val prefilled_eps); e=$(val empty_eps)
	note "$ROWS rows: daemon $(val prefilled_cpu_us) us CPU/event," \
	    "RSS $(mib "$(val prefilled_rss_kb)") MiB"
	row "$ROWS rows in warehouse ($(fmt %.0f "$e") empty)" \
	    "$(fmt %.0f "$p")" "events/s" ">= 0.70 x empty" \
	    "$(fmt %.2f "$(calc "p / e" p="$p" e="$e")")" \
	    "$(verdict "p >= 0.7 * e" p="$p" e="$e")"
}

tab_single() {
	r=$(val single_rps)
	u=$(val single_cpu_us_per_event)
	note "single events: daemon $(fmt %.1f "$u") us CPU/event," \
	    "p50 $(val single_p50_ms) ms, p99 $(val single_p99_ms) ms," \
	    "load generator" \
	    "$(val single_gen_cpu_pct)% of a CPU"
	row "single events, 64 conns" "$(fmt %.0f "$r")" "req/s" \
	    ">= 15000 req/s" "$(fmt %.2f "$(calc "r / 15000" r="$r")")" \
	    "$(verdict "r >= 15000" r="$r")"
}

tab_latency() {
	p=$(val latency_p99_ms)
	row "p99 ack at half max ($(fmt %.0f "$(val latency_rate)") ev/s)" \
	    "$(fmt %.1f "$p")" "ms" "<= 100 ms" \
	    "$(fmt %.2f "$(calc "p / 100" p="$p")")" \
	    "$(verdict "p <= 100" p="$p")"
}

tab_rss() {
	k=$(val rss_hwm_kb)
	row "peak RSS, 64 conns x ~4 MiB bodies" \
	    "$(fmt %.0f "$(calc "k / 1024" k="$k")")" "MiB" "<= 300 MB" \
	    "$(fmt %.2f "$(calc "k * 1024 / 300e6" k="$k")")" \
	    "$(verdict "k * 1024 <= 300e6" k="$k")"
	note "rss run: $(val rss_events_per_request) events a request," \
	    "$(val rss_all_events) events stored in all," \
	    "$(val rss_all_non200) answers not 200 (503: writer queue full)"
}

# note TEXT...: a line under the table.
note() {
	NOTES="${NOTES:-}$*
"
}

# The ceilings and what the end-to-end numbers are of them.
ceilings() {
	e=$(val batch_eps)
	echo
	printf '%-40s %10s %-9s %s\n' "in-process ceiling (one core)" \
	    "events/s" "" "500-batch end-to-end / ceiling"
	for c in "jansson json_loadb of the bodies:jansson_eps" \
	    "jsonscan + event_decode (HTTP side):decode_eps" \
	    "SQLite inserts, 500/txn, no dedupe:sqlite_eps" \
	    "SQLite inserts + krenalis_dedupe rows:sqlite_dedupe_eps"; do
		v=$(val "${c#*:}")
		[ -n "$v" ] || continue
		printf '%-40s %10s %-9s %s\n' "${c%%:*}" "$(fmt %.0f "$v")" \
		    "" "$(fmt %.2f "$(calc "e / v" e="$e" v="$v")")"
	done
	v=$(val sqlite_cpu_us)
	[ -n "$v" ] && printf '%-40s %10s %-9s\n' \
	    "  SQLite CPU per event (no dedupe)" "$(fmt %.1f "$v")" "us/event"
	v=$(val sqlite_dedupe_cpu_us)
	[ -n "$v" ] && printf '%-40s %10s %-9s\n' \
	    "  SQLite CPU per event (with dedupe)" "$(fmt %.1f "$v")" \
	    "us/event"
}

: >"$T/details"
log "krenalisd benchmark on $(nproc) CPUs$([ -n "$QUICK" ] && echo ', QUICK')"
start=$(date +%s)
for s in $SCENARIOS; do
	"sc_$s"
done
secs=$(( $(date +%s) - start ))

echo
echo "krenalisd benchmark: $(nproc) CPUs ($(sed -n 's/^model name[^:]*: //p' \
    /proc/cpuinfo | head -n 1)), load generator on the same machine"
echo "$(date -u +%Y-%m-%dT%H:%M:%SZ), ${secs}s$([ -n "$QUICK" ] && \
    echo ', QUICK=1 (short runs)')"
echo
row "scenario" "measured" "unit" "bar" "ratio" ""
row "--------" "--------" "----" "---" "-----" ""
for s in $SCENARIOS; do
	"tab_$s"
done
echo
printf '%s' "${NOTES:-}"
case " $SCENARIOS " in
*" ceiling "*) ceilings ;;
esac
echo
echo "runs (loadgen RESULT lines):"
cat "$T/details"
