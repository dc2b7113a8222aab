/*
 * ceiling: what one core of this machine does without the daemon, on the
 * very events loadgen posts, so that the daemon's numbers can be read as
 * a fraction of a ceiling.
 *
 *   jansson	json_loadb of whole 500-event bodies, then json_decref.
 *   decode	what an HTTP thread of krenalisd does to a body before the
 *		writer: jsonscan_parse, then event_decode of every event.
 *   sqlite	the writer's inserts alone: a fresh database with
 *		wh_sqlite_schema_sql and the writer's settings (WAL,
 *		synchronous=FULL, its page and cache sizes, SQLite's
 *		checkpoints, CHECKs not evaluated), the prepared
 *		wh_sqlite_insert_sql bound with wh_sqlite_bind_event from
 *		events decoded once up front, one transaction per 500 rows,
 *		no dedupe.
 *   dedupe	the same plus, as the writer does, the krenalis_dedupe
 *		rows of each batch's messageIds (each event with its own),
 *		a group of up to DEDUPE_GROUP_IDS a row.
 *
 * Each part runs for -t seconds.  The last line on stdout is
 * "RESULT key=value ...".
 *
 * With -O rounds, only the outbox's cost instead: the dedupe part beside
 * the same with an outbox row of each event (spec/destinations.md §3),
 * in rounds, each round in the other order.  The outbox rows are the
 * writer's (wh_sqlite_outbox_insert_sql, bound by wh_sqlite_bind_outbox,
 * the event's JSON made up front as the HTTP threads make it), and each
 * transaction first deletes the rows queued OUTBOX_LAG transactions
 * before, as the writer takes a sender's deletes when the sender keeps
 * up.  The medians and their ratio: what a send pipeline passing every
 * event costs SQLite itself, the writer's ceiling.  A third part writes
 * the same outbox rows with "{}" for the event's JSON: what the rows
 * would cost if they did not carry a copy of the event.
 *
 * With -L rounds, only the writer's levers instead: the dedupe part with
 * the writer's settings and, beside it, with the settings it had before
 * and with each setting changed in turn (page size, cache size, WAL
 * checkpoints, the CHECKs, the received_at index, the krenalis_dedupe
 * row), in rounds, the same rows each time; a table of medians and their
 * ratios to the writer's settings, and on the RESULT line the gain, the
 * writer's events/s over those before.
 *
 * With -u, it measures PostgreSQL instead, as a warehouse of the daemon:
 * each of -c connections (threads) does what the writer does for one
 * group commit of -b events (spec/postgresql.md §3): BEGIN, COPY of the
 * rows, encoded by wh_pg_copy_event from events decoded once up front,
 * into its temporary table, INSERT ... SELECT ... ON CONFLICT
 * (message_id) DO NOTHING RETURNING message_id, COMMIT; every row has an
 * id of its own.  With -n, krenalis_events first holds n rows (made once:
 * kept while its last row is there).
 */
#include <sys/resource.h>
#include <err.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <libpq-fe.h>
#include <sqlite3.h>

#include "buf.h"
#include "compat.h"
#include "dedupe.h"
#include "event.h"
#include "jsonscan.h"
#include "pg.h"
#include "timestamp.h"
#include "xmalloc.h"
#include "warehouse.h"
#include "wh_pg.h"
#include "wh_sqlite.h"
#include "payload.h"
#include "rows.h"

#define FILL_TXN	100000		/* rows a transaction when filling */
#define OUTBOX_LAG	2		/* transactions a row stays queued */

/* One PostgreSQL connection of -u. */
struct worker {
	const char	*url;
	size_t		 n;		/* events a transaction */
	uint32_t	 run;		/* of the ids */
	double		 secs;
	pthread_t	 thread;
	uint64_t	 rows;		/* done */
	double		 wall;
};

/* Elapsed wall and CPU time of one measurement. */
struct clock {
	double	wall;
	double	cpu;
};

static __dead void
usage(void)
{
	fprintf(stderr, "usage: ceiling -d dir [-b events] [-L rounds | "
	    "-O rounds] [-t seconds]\n"
	    "       ceiling -u conninfo [-b events] [-c connections] "
	    "[-n rows] [-t seconds]\n");
	exit(1);
}

static double
wall_now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static double
cpu_now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void
clock_start(struct clock *c)
{
	c->wall = wall_now();
	c->cpu = cpu_now();
}

static void
clock_stop(struct clock *c)
{
	c->wall = wall_now() - c->wall;
	c->cpu = cpu_now() - c->cpu;
}

/* Parse the body with jansson until secs have passed; events/s. */
static double
run_jansson(const struct payload *p, double secs)
{
	struct clock	 c;
	json_error_t	 jerr;
	json_t		*v;
	size_t		 iter = 0;

	clock_start(&c);
	do {
		if ((v = json_loadb(p->body, p->len, 0, &jerr)) == NULL)
			errx(1, "jansson: %s", jerr.text);
		json_decref(v);
		iter++;
	} while (wall_now() - c.wall < secs);
	clock_stop(&c);
	return (double)(iter * p->n) / c.wall;
}

/* Scan and decode the body as an HTTP thread does; events/s. */
static double
run_decode(const struct payload *p, double secs)
{
	struct clock	 c;
	size_t		 iter = 0;
	struct event	*evs;

	clock_start(&c);
	do {
		evs = rows_decode(p, NULL, timestamp_now());
		rows_free(evs, p->n);
		iter++;
	} while (wall_now() - c.wall < secs);
	clock_stop(&c);
	return (double)(iter * p->n) / c.wall;
}

/*
 * The writer's SQLite settings, or one of them changed (-L).  The first
 * lever is the writer's own settings (wh_sqlite.c): WAL, synchronous=FULL,
 * a 16 MiB cache, 32 KiB pages, SQLite's autocheckpoint every 1000 pages,
 * the DDL's CHECK constraints not evaluated (wh_sqlite_unchecked_sql),
 * the received_at index and the krenalis_dedupe rows, a group of up to
 * DEDUPE_GROUP_IDS ids each.  The second
 * is the settings the writer had before: 4 KiB pages (SQLite's default),
 * CHECKs evaluated.  A thread of checkpoints of their own, measured here
 * too once, gained nothing beside them (BENCHMARKS.md).
 */
struct lever {
	const char	*name;
	int		 page_size;	/* bytes, 0: SQLite's default */
	int		 cache_kib;
	int		 autocheckpoint;	/* pages; -1: SQLite's */
	int		 no_index;	/* without krenalis_events_received_at */
	int		 no_dedupe;	/* without the krenalis_dedupe row */
	int		 checks;	/* CHECK constraints evaluated */
};

#define PAGE	WH_SQLITE_PAGE_SIZE

static const struct lever levers[] = {
	{ "writer's settings",		PAGE,	16384,	-1, 0, 0, 0 },
	{ "4 KiB, CHECKs (before)",	0,	16384,	-1, 0, 0, 1 },
	{ "CHECKs evaluated",		PAGE,	16384,	-1, 0, 0, 1 },
	{ "page_size 8192",		8192,	16384,	-1, 0, 0, 0 },
	{ "page_size 16384",		16384,	16384,	-1, 0, 0, 0 },
	{ "cache_size 64 MiB",		PAGE,	65536,	-1, 0, 0, 0 },
	{ "wal_autocheckpoint 10000",	PAGE,	16384,	10000, 0, 0, 0 },
	{ "no received_at index",	PAGE,	16384,	-1, 1, 0, 0 },
	{ "no krenalis_dedupe row",	PAGE,	16384,	-1, 0, 1, 0 },
};
#define NLEVERS	(sizeof(levers) / sizeof(levers[0]))

/* What run_sqlite writes to the outbox. */
enum outbox {
	OUTBOX_NONE,
	OUTBOX_JSON,		/* a row of each event, with its JSON */
	OUTBOX_EMPTY,		/* the same rows, "{}" for the JSON */
	OUTBOX_N
};

/*
 * Insert the decoded rows, one transaction per batch, into a fresh
 * database at path with the settings of lv, with the dedupe rows when
 * dedupe is set (and lv allows it), and with an outbox row of each
 * event, OUTBOX_LAG transactions' deleted first, as outbox says;
 * events/s of wall time, and the CPU time per event in *cpu_us.
 */
static double
run_sqlite(const struct payload *p, const char *path, int dedupe,
    enum outbox outbox, const struct lever *lv, double secs, double *cpu_us)
{
	struct clock		 c;
	struct event		*evs;
	struct dedupe_group	 group = { 0 };
	struct wh_outbox	 o = { "benchdest000", "benchpipe000", 0,
				    NULL, NULL, 0, NULL };
	sqlite3			*db;
	sqlite3_stmt		*ins, *ded = NULL, *obi = NULL, *obd = NULL;
	char			 id[PAYLOAD_ID_LEN + 1], *sql;
	uint64_t		 seq = 0;
	int64_t			 received = timestamp_now(), drow = 1;
	int64_t			 oseq = 0;
	size_t			 i, rows = 0;

	if (lv->no_dedupe)
		dedupe = 0;
	evs = rows_decode(p, NULL, received);
	/* The HTTP threads make the JSON, off the writer's path. */
	for (i = 0; i < p->n && outbox == OUTBOX_JSON; i++)
		(void)event_text(&evs[i], NULL);
	o.queued_at = received;
	db = rows_db_create(path);
	if (lv->page_size != 0) {
		xasprintf(&sql, "PRAGMA page_size=%d;", lv->page_size);
		sql_exec(db, sql);
		free(sql);
	}
	xasprintf(&sql, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; "
	    "PRAGMA cache_size=-%d;", lv->cache_kib);
	sql_exec(db, sql);
	free(sql);
	if (lv->autocheckpoint >= 0) {
		xasprintf(&sql, "PRAGMA wal_autocheckpoint=%d;",
		    lv->autocheckpoint);
		sql_exec(db, sql);
		free(sql);
	}
	if (!lv->checks)
		sql_exec(db, wh_sqlite_unchecked_sql);
	sql_exec(db, wh_sqlite_schema_sql);
	if (lv->no_index)
		sql_exec(db, "DROP INDEX krenalis_events_received_at");
	ins = sql_prepare(db, wh_sqlite_insert_sql);
	if (dedupe)
		ded = sql_prepare(db, wh_sqlite_dedupe_insert_sql);
	if (outbox != OUTBOX_NONE) {
		obi = sql_prepare(db, wh_sqlite_outbox_insert_sql);
		obd = sql_prepare(db, wh_sqlite_outbox_delete_sql);
	}

	clock_start(&c);
	do {
		sql_exec(db, "BEGIN IMMEDIATE");
		if (outbox != OUTBOX_NONE && oseq >= (int64_t)p->n * OUTBOX_LAG) {
			sqlite3_reset(obd);
			sqlite3_bind_int64(obd, 1, oseq - (int64_t)p->n *
			    OUTBOX_LAG + 1);
			sqlite3_bind_int64(obd, 2, oseq - (int64_t)p->n *
			    (OUTBOX_LAG - 1));
			if (sqlite3_step(obd) != SQLITE_DONE ||
			    sqlite3_changes(db) != (int)p->n)
				errx(1, "outbox delete: %s",
				    sqlite3_errmsg(db));
		}
		for (i = 0; i < p->n; i++) {
			if (dedupe) {
				payload_id(id, 1, seq++);
				rows_set_message_id(&evs[i], id);
			}
			sqlite3_reset(ins);
			if (wh_sqlite_bind_event(ins, &evs[i]) != SQLITE_OK ||
			    sqlite3_step(ins) != SQLITE_DONE)
				errx(1, "insert: %s", sqlite3_errmsg(db));
			if (dedupe)
				rows_dedupe_add(ded, &group, &drow, id,
				    PAYLOAD_ID_LEN, received);
			if (outbox == OUTBOX_NONE)
				continue;
			o.message_id = evs[i].message_id;
			o.event = outbox == OUTBOX_JSON ? evs[i].text : "{}";
			o.eventlen = outbox == OUTBOX_JSON ? evs[i].text_len :
			    2;
			sqlite3_reset(obi);
			if (wh_sqlite_bind_outbox(obi, &o, ++oseq) !=
			    SQLITE_OK || sqlite3_step(obi) != SQLITE_DONE)
				errx(1, "outbox insert: %s",
				    sqlite3_errmsg(db));
		}
		if (dedupe)
			rows_dedupe_flush(ded, &group, &drow);
		sql_exec(db, "COMMIT");
		rows += p->n;
	} while (wall_now() - c.wall < secs);
	clock_stop(&c);

	sqlite3_finalize(ins);
	sqlite3_finalize(ded);
	sqlite3_finalize(obi);
	sqlite3_finalize(obd);
	sqlite3_close(db);
	dedupe_group_free(&group);
	/* The ids pointed into id: forget them before the release. */
	for (i = 0; i < p->n && dedupe; i++)
		rows_set_message_id(&evs[i], NULL);
	rows_free(evs, p->n);
	*cpu_us = c.cpu * 1e6 / (double)rows;
	return (double)rows / c.wall;
}

static int
cmp_double(const void *a, const void *b)
{
	double	x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Sort the n values of v (its min and max then at both ends): the median. */
static double
median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(double), cmp_double);
	return v[n / 2];
}

/*
 * -L: every lever in turn, rounds times, the same rows each time (with
 * their dedupe row, as the writer does); per lever the median events/s,
 * its spread and CPU per event, and their ratios to the writer's
 * settings measured in the same rounds.
 */
static void
run_levers(const struct payload *p, const char *path, int rounds,
    double secs)
{
	double	 eps[NLEVERS][16], cpu[NLEVERS][16], med[NLEVERS];
	double	 cmed[NLEVERS], lo, hi;
	size_t	 k, l;
	int	 r;

	/* Each round starts one lever later: none is always first. */
	for (r = 0; r < rounds; r++)
		for (k = 0; k < NLEVERS; k++) {
			l = (k + (size_t)r) % NLEVERS;
			eps[l][r] = run_sqlite(p, path, 1, OUTBOX_NONE,
			    &levers[l], secs,
			    &cpu[l][r]);
			fprintf(stderr, "ceiling: round %d %-46s %9.0f "
			    "events/s %6.2f us CPU/event\n", r + 1,
			    levers[l].name, eps[l][r], cpu[l][r]);
			rows_db_remove(path);
		}
	printf("%-46s %9s %19s %8s %6s %6s\n", "setting", "events/s",
	    "min-max", "us CPU", "ratio", "CPU");
	for (l = 0; l < NLEVERS; l++) {
		med[l] = median(eps[l], rounds);
		cmed[l] = median(cpu[l], rounds);
		lo = eps[l][0];
		hi = eps[l][rounds - 1];
		printf("%-46s %9.0f %9.0f-%-9.0f %8.2f %6.2f %6.2f\n",
		    levers[l].name, med[l], lo, hi, cmed[l], med[l] / med[0],
		    cmed[l] / cmed[0]);
	}
	printf("RESULT levers=%zu rounds=%d writer_eps=%.0f before_eps=%.0f "
	    "gain=%.2f\n", NLEVERS, rounds, med[0], med[1], med[0] / med[1]);
}

/*
 * -O: the dedupe part without and with the outbox rows (with the JSON,
 * then with "{}"), rounds times, the same rows each time; their medians,
 * spreads and CPU per event, and the medians of the rounds' ratios to
 * the part without (a slow spell of the machine falls on one round's
 * parts together more often than on one part of every round).
 */
static void
run_outbox(const struct payload *p, const char *path, int rounds,
    double secs)
{
	static const char *const name[OUTBOX_N] = { "events",
	    "events + outbox", "outbox, no JSON" };
	double	 eps[OUTBOX_N][16], cpu[OUTBOX_N][16], ratio[OUTBOX_N][16];
	double	 med[OUTBOX_N], cmed[OUTBOX_N], rmed[OUTBOX_N];
	int	 r, k, o;

	/* Each round starts one part later: none is always first. */
	for (r = 0; r < rounds; r++)
		for (k = 0; k < OUTBOX_N; k++) {
			o = (k + r) % OUTBOX_N;
			eps[o][r] = run_sqlite(p, path, 1, (enum outbox)o,
			    &levers[0], secs, &cpu[o][r]);
			fprintf(stderr, "ceiling: round %d %-16s %9.0f "
			    "events/s %6.2f us CPU/event\n", r + 1, name[o],
			    eps[o][r], cpu[o][r]);
			rows_db_remove(path);
		}
	for (o = 0; o < OUTBOX_N; o++) {
		for (r = 0; r < rounds; r++)
			ratio[o][r] = eps[o][r] / eps[OUTBOX_NONE][r];
		rmed[o] = median(ratio[o], rounds);
	}
	for (o = 0; o < OUTBOX_N; o++) {
		med[o] = median(eps[o], rounds);
		cmed[o] = median(cpu[o], rounds);
		fprintf(stderr, "ceiling: %-16s median %9.0f events/s "
		    "(%.0f-%.0f), %.2f us CPU/event\n", name[o], med[o],
		    eps[o][0], eps[o][rounds - 1], cmed[o]);
	}
	printf("RESULT rounds=%d events_eps=%.0f outbox_eps=%.0f "
	    "nojson_eps=%.0f events_cpu_us=%.2f outbox_cpu_us=%.2f "
	    "nojson_cpu_us=%.2f ratio=%.2f nojson_ratio=%.2f\n", rounds,
	    med[OUTBOX_NONE], med[OUTBOX_JSON], med[OUTBOX_EMPTY],
	    cmed[OUTBOX_NONE], cmed[OUTBOX_JSON], cmed[OUTBOX_EMPTY],
	    rmed[OUTBOX_JSON], rmed[OUTBOX_EMPTY]);
}

/* Run sql, or exit with its error. */
static PGresult *
run(PGconn *conn, const char *sql, int nparams, const char *const *params)
{
	PGresult	*res;
	char		 err[512];

	res = pg_run(conn, sql, nparams, params, timestamp_now() + 600000,
	    err, sizeof(err));
	if (res == NULL)
		errx(1, "%.40s: %s", sql, err);
	return res;
}

/* Copy the text of b with sql, or exit. */
static void
copy(PGconn *conn, const char *sql, const struct buf *b)
{
	char	err[512];

	PQclear(run(conn, sql, 0, NULL));
	if (pg_copy(conn, b->p, b->len, timestamp_now() + 600000, err,
	    sizeof(err)) == -1)
		errx(1, "copy: %s", err);
}

static PGconn *
connect_to(const char *url)
{
	PGconn	*conn;
	char	 err[512];

	if ((conn = pg_connect(url, 10, err, sizeof(err))) == NULL)
		errx(1, "%s", err);
	return conn;
}

/*
 * Fill krenalis_events with rows of run 0, sequence 0 to n - 1, unless
 * its last row is there already.
 */
static void
fill(const char *url, long long n)
{
	PGconn		*conn = connect_to(url);
	PGresult	*res;
	struct payload	 p;
	struct event	*ev;
	struct buf	 b;
	const char	*idp, *param;
	char		 id[PAYLOAD_ID_LEN + 1], *copy_sql;
	long long	 i;
	int		 have;

	payload_id(id, 0, (uint64_t)(n - 1));
	param = id;
	res = run(conn, "SELECT count(*) FROM krenalis_events WHERE "
	    "message_id = $1", 1, &param);
	have = strcmp(PQgetvalue(res, 0, 0), "1") == 0;
	PQclear(res);
	if (have) {
		PQfinish(conn);
		return;
	}
	fprintf(stderr, "pgceiling: filling krenalis_events with %lld rows\n",
	    n);
	PQclear(run(conn, "TRUNCATE krenalis_events", 0, NULL));
	payload_init(&p, 1, 1);
	ev = rows_decode(&p, NULL, timestamp_now());
	idp = ev->message_id;
	buf_init(&b);
	/* Straight into the table: the temporary one is the writer's. */
	copy_sql = wh_pg_copy_sql("krenalis_events");
	for (i = 0; i < n; i++) {
		payload_id(id, 0, (uint64_t)i);
		rows_set_message_id(ev, id);
		wh_pg_copy_event(&b, ev);
		if ((i + 1) % FILL_TXN != 0 && i + 1 != n)
			continue;
		copy(conn, copy_sql, &b);
		b.len = 0;
		if ((i + 1) % 1000000 == 0)
			fprintf(stderr, "pgceiling: %lld rows\n", i + 1);
	}
	PQclear(run(conn, "VACUUM ANALYZE krenalis_events", 0, NULL));
	free(copy_sql);
	buf_release(&b);
	rows_set_message_id(ev, idp);
	rows_free(ev, 1);
	payload_release(&p);
	PQfinish(conn);
}

/* One connection committing batches until its time is up. */
static void *
worker_main(void *arg)
{
	struct worker	*w = arg;
	struct payload	 p;
	struct event	*evs;
	struct buf	 b;
	PGconn		*conn = connect_to(w->url);
	PGresult	*res;
	char		*ids, *copy_sql = wh_pg_copy_sql("krenalis_tmp");
	char		*insert_sql = wh_pg_insert_sql();
	const char	**saved;
	uint64_t	 seq = 0;
	size_t		 i;
	double		 start;

	payload_init(&p, w->n, 1);
	evs = rows_decode(&p, NULL, timestamp_now());
	saved = xcalloc(w->n, sizeof(*saved));
	ids = xcalloc(w->n, PAYLOAD_ID_LEN + 1);
	for (i = 0; i < w->n; i++)
		saved[i] = evs[i].message_id;
	PQclear(run(conn, "CREATE TEMPORARY TABLE krenalis_tmp (LIKE "
	    "krenalis_events) ON COMMIT DELETE ROWS", 0, NULL));
	buf_init(&b);
	start = wall_now();
	do {
		b.len = 0;
		for (i = 0; i < w->n; i++) {
			payload_id(ids + i * (PAYLOAD_ID_LEN + 1), w->run,
			    seq++);
			rows_set_message_id(&evs[i],
			    ids + i * (PAYLOAD_ID_LEN + 1));
			wh_pg_copy_event(&b, &evs[i]);
		}
		PQclear(run(conn, "BEGIN", 0, NULL));
		copy(conn, copy_sql, &b);
		res = run(conn, insert_sql, 0, NULL);
		if ((size_t)PQntuples(res) != w->n)
			errx(1, "%d rows inserted of %zu", PQntuples(res),
			    w->n);
		PQclear(res);
		PQclear(run(conn, "COMMIT", 0, NULL));
		w->rows += w->n;
	} while (wall_now() - start < w->secs);
	w->wall = wall_now() - start;
	for (i = 0; i < w->n; i++)
		rows_set_message_id(&evs[i], saved[i]);
	rows_free(evs, w->n);
	payload_release(&p);
	buf_release(&b);
	free(saved);
	free(ids);
	free(copy_sql);
	free(insert_sql);
	PQfinish(conn);
	return NULL;
}

/* -u: the connections' events/s, after the fill of -n. */
static double
run_pg(const char *url, size_t n, int conns, long long prefill, double secs)
{
	struct worker	*w;
	PGconn		*conn;
	char		 err[512];
	double		 wall = 0;
	uint64_t	 rows = 0;
	int		 i;

	conn = connect_to(url);
	if (wh_pg_schema(conn, timestamp_now() + 60000, err,
	    sizeof(err)) == -1)
		errx(1, "schema: %s", err);
	PQfinish(conn);
	if (prefill > 0)
		fill(url, prefill);
	w = xcalloc(conns, sizeof(*w));
	for (i = 0; i < conns; i++) {
		w[i].url = url;
		w[i].n = n;
		w[i].secs = secs;
		w[i].run = 0x40000000U | ((uint32_t)getpid() << 8) | (uint32_t)i;
		if (pthread_create(&w[i].thread, NULL, worker_main, &w[i]) != 0)
			errx(1, "pthread_create");
	}
	for (i = 0; i < conns; i++) {
		pthread_join(w[i].thread, NULL);
		rows += w[i].rows;
		if (w[i].wall > wall)
			wall = w[i].wall;
	}
	free(w);
	return (double)rows / wall;
}

int
main(int argc, char *argv[])
{
	struct payload	 p;
	const char	*dir = NULL, *url = NULL, *errstr;
	char		*path;
	double		 secs = 3, jansson, decode, sq, sqd, sq_cpu, sqd_cpu;
	double		 eps;
	long long	 prefill = 0;
	size_t		 n = 500;
	int		 ch, conns = 1, rounds = 0, orounds = 0;

	while ((ch = getopt(argc, argv, "b:c:d:L:n:O:t:u:")) != -1) {
		switch (ch) {
		case 'b':
			n = (size_t)strtonum(optarg, 1, 100000, &errstr);
			if (errstr != NULL)
				errx(1, "batch size is %s: %s", errstr,
				    optarg);
			break;
		case 'c':
			conns = (int)strtonum(optarg, 1, 64, &errstr);
			if (errstr != NULL)
				errx(1, "connections: %s: %s", errstr, optarg);
			break;
		case 'd':
			dir = optarg;
			break;
		case 'L':
			rounds = (int)strtonum(optarg, 1, 15, &errstr);
			if (errstr != NULL)
				errx(1, "rounds: %s: %s", errstr, optarg);
			break;
		case 'O':
			orounds = (int)strtonum(optarg, 1, 15, &errstr);
			if (errstr != NULL)
				errx(1, "rounds: %s: %s", errstr, optarg);
			break;
		case 'n':
			prefill = strtonum(optarg, 1, 1000000000, &errstr);
			if (errstr != NULL)
				errx(1, "row count is %s: %s", errstr, optarg);
			break;
		case 't':
			secs = atof(optarg);
			if (secs <= 0 || secs > 600)
				errx(1, "bad duration: %s", optarg);
			break;
		case 'u':
			url = optarg;
			break;
		default:
			usage();
		}
	}
	if (argc != optind || (dir == NULL) == (url == NULL) ||
	    (rounds > 0 && orounds > 0))
		usage();
	if (url != NULL) {
		eps = run_pg(url, n, conns, prefill, secs);
		fprintf(stderr, "ceiling: postgresql, %d connection(s), %zu "
		    "rows a transaction: %.0f events/s\n", conns, n, eps);
		printf("RESULT conns=%d events_per_txn=%zu rows_before=%lld "
		    "pg_eps=%.0f\n", conns, n, prefill, eps);
		return 0;
	}

	payload_init(&p, n, 1);
	payload_stamp(&p, p.body, 2, 0);
	xasprintf(&path, "%s/ceiling.db", dir);
	if (rounds > 0 || orounds > 0) {
		if (rounds > 0)
			run_levers(&p, path, rounds, secs);
		else
			run_outbox(&p, path, orounds, secs);
		free(path);
		payload_release(&p);
		return 0;
	}

	jansson = run_jansson(&p, secs);
	fprintf(stderr, "ceiling: jansson json_loadb  %9.0f events/s "
	    "(%.2f us/event)\n", jansson, 1e6 / jansson);
	decode = run_decode(&p, secs);
	fprintf(stderr, "ceiling: scan+event_decode %9.0f events/s "
	    "(%.2f us/event)\n", decode, 1e6 / decode);
	sq = run_sqlite(&p, path, 0, OUTBOX_NONE, &levers[0], secs, &sq_cpu);
	fprintf(stderr, "ceiling: sqlite inserts    %9.0f events/s "
	    "(%.2f us CPU/event)\n", sq, sq_cpu);
	sqd = run_sqlite(&p, path, 1, OUTBOX_NONE, &levers[0], secs,
	    &sqd_cpu);
	fprintf(stderr, "ceiling: sqlite + dedupe   %9.0f events/s "
	    "(%.2f us CPU/event)\n", sqd, sqd_cpu);
	rows_db_remove(path);
	free(path);

	printf("RESULT events_per_request=%zu body_bytes=%zu jansson_eps=%.0f "
	    "decode_eps=%.0f sqlite_eps=%.0f sqlite_cpu_us=%.2f "
	    "sqlite_dedupe_eps=%.0f sqlite_dedupe_cpu_us=%.2f\n", p.n, p.len,
	    jansson, decode, sq, sq_cpu, sqd, sqd_cpu);
	payload_release(&p);
	return 0;
}
