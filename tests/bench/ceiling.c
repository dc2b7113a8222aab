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
 *		synchronous=FULL, its page and cache sizes and WAL
 *		autocheckpoint), the prepared wh_sqlite_insert_sql bound with
 *		wh_sqlite_bind_event from events decoded once up front, one
 *		transaction per 500 rows, no dedupe.
 *   dedupe	the same plus, as the writer does, one row of
 *		krenalis_dedupe per event (each with its own messageId).
 *
 * Each part runs for -t seconds.  The last line on stdout is
 * "RESULT key=value ...".
 *
 * With -L rounds, only the writer's levers instead: the dedupe part with
 * the writer's settings and, beside it, with each setting changed in
 * turn (page size, cache size, WAL checkpoints, the received_at index,
 * the krenalis_dedupe row), in rounds, the same rows each time; a table
 * of medians and their ratios to the writer's settings.
 */
#include <sys/resource.h>
#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <sqlite3.h>

#include "compat.h"
#include "dedupe.h"
#include "event.h"
#include "jsonscan.h"
#include "timestamp.h"
#include "xmalloc.h"
#include "wh_sqlite.h"
#include "payload.h"
#include "rows.h"

/* Elapsed wall and CPU time of one measurement. */
struct clock {
	double	wall;
	double	cpu;
};

static __dead void
usage(void)
{
	fprintf(stderr, "usage: ceiling -d dir [-b events] [-t seconds]\n");
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
 * Insert the decoded rows, one transaction per batch, into a fresh
 * database at path, with a dedupe row each when dedupe is set; events/s
 * of wall time, and the CPU time per event in *cpu_us.
 */
static double
run_sqlite(const struct payload *p, const char *path, int dedupe,
    double secs, double *cpu_us)
{
	struct clock	 c;
	struct event	*evs;
	sqlite3		*db;
	sqlite3_stmt	*ins, *ded = NULL;
	char		 id[PAYLOAD_ID_LEN + 1];
	uint64_t	 seq = 0;
	int64_t		 received = timestamp_now();
	size_t		 i, rows = 0;

	evs = rows_decode(p, NULL, received);
	db = rows_db_create(path);
	rows_exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; "
	    "PRAGMA cache_size=-65536;");
	rows_exec(db, wh_sqlite_schema_sql);
	ins = rows_prepare(db, wh_sqlite_insert_sql);
	if (dedupe)
		ded = rows_prepare(db, wh_sqlite_dedupe_insert_sql);

	clock_start(&c);
	do {
		rows_exec(db, "BEGIN IMMEDIATE");
		for (i = 0; i < p->n; i++) {
			if (dedupe) {
				payload_id(id, 1, seq++);
				evs[i].message_id = id;
			}
			sqlite3_reset(ins);
			if (wh_sqlite_bind_event(ins, &evs[i]) != SQLITE_OK ||
			    sqlite3_step(ins) != SQLITE_DONE)
				errx(1, "insert: %s", sqlite3_errmsg(db));
			if (!dedupe)
				continue;
			sqlite3_reset(ded);
			sqlite3_bind_int64(ded, 1, received / DEDUPE_BUCKET_MS);
			sqlite3_bind_text(ded, 2, id, PAYLOAD_ID_LEN,
			    SQLITE_STATIC);
			sqlite3_bind_int64(ded, 3, received);
			if (sqlite3_step(ded) != SQLITE_DONE)
				errx(1, "dedupe insert: %s",
				    sqlite3_errmsg(db));
		}
		rows_exec(db, "COMMIT");
		rows += p->n;
	} while (wall_now() - c.wall < secs);
	clock_stop(&c);

	sqlite3_finalize(ins);
	sqlite3_finalize(ded);
	sqlite3_close(db);
	/* The ids pointed into id: forget them before the release. */
	for (i = 0; i < p->n && dedupe; i++)
		evs[i].message_id = NULL;
	rows_free(evs, p->n);
	*cpu_us = c.cpu * 1e6 / (double)rows;
	return (double)rows / c.wall;
}

int
main(int argc, char *argv[])
{
	struct payload	 p;
	const char	*dir = NULL, *errstr;
	char		*path;
	double		 secs = 3, jansson, decode, sq, sqd, sq_cpu, sqd_cpu;
	size_t		 n = 500;
	int		 ch;

	while ((ch = getopt(argc, argv, "b:d:t:")) != -1) {
		switch (ch) {
		case 'b':
			n = (size_t)strtonum(optarg, 1, 100000, &errstr);
			if (errstr != NULL)
				errx(1, "batch size is %s: %s", errstr,
				    optarg);
			break;
		case 'd':
			dir = optarg;
			break;
		case 't':
			secs = atof(optarg);
			if (secs <= 0 || secs > 600)
				errx(1, "bad duration: %s", optarg);
			break;
		default:
			usage();
		}
	}
	if (argc != optind || dir == NULL)
		usage();

	payload_init(&p, n, 1);
	payload_stamp(&p, p.body, 2, 0);

	jansson = run_jansson(&p, secs);
	fprintf(stderr, "ceiling: jansson json_loadb  %9.0f events/s "
	    "(%.2f us/event)\n", jansson, 1e6 / jansson);
	decode = run_decode(&p, secs);
	fprintf(stderr, "ceiling: scan+event_decode %9.0f events/s "
	    "(%.2f us/event)\n", decode, 1e6 / decode);
	xasprintf(&path, "%s/ceiling.db", dir);
	sq = run_sqlite(&p, path, 0, secs, &sq_cpu);
	fprintf(stderr, "ceiling: sqlite inserts    %9.0f events/s "
	    "(%.2f us CPU/event)\n", sq, sq_cpu);
	sqd = run_sqlite(&p, path, 1, secs, &sqd_cpu);
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
