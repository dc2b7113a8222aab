/*
 * pgceiling: what PostgreSQL takes without the daemon, on the very rows
 * the daemon writes, so that the daemon's numbers on a PostgreSQL
 * warehouse can be read as a fraction of a ceiling.
 *
 * Each of -c connections (threads) does what the writer does for one
 * group commit of 500 events (spec/postgresql.md §3): BEGIN, COPY of the
 * rows, encoded by wh_pg_copy_event from events decoded once up front,
 * into its temporary table, INSERT ... SELECT ... ON CONFLICT
 * (message_id) DO NOTHING RETURNING message_id, COMMIT; every row has an
 * id of its own.  With -n, krenalis_events first holds n rows (made once:
 * kept while its last row is there).
 *
 * It runs for -t seconds.  The last line on stdout is "RESULT key=value
 * ...".
 */
#include <err.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "buf.h"
#include "compat.h"
#include "event.h"
#include "pg.h"
#include "timestamp.h"
#include "xmalloc.h"
#include "wh_pg.h"
#include "payload.h"
#include "rows.h"

#define FILL_TXN	100000		/* rows a transaction when filling */

struct worker {
	const char	*url;
	size_t		 n;		/* events a transaction */
	uint32_t	 run;		/* of the ids */
	double		 secs;
	pthread_t	 thread;
	uint64_t	 rows;		/* done */
	double		 wall;
};

static __dead void
usage(void)
{
	fprintf(stderr, "usage: pgceiling -u conninfo [-b events] "
	    "[-c connections] [-n rows] [-t seconds]\n");
	exit(1);
}

static double
wall_now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
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
		ev->message_id = id;
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
	ev->message_id = idp;
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
			evs[i].message_id = ids + i * (PAYLOAD_ID_LEN + 1);
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
		evs[i].message_id = saved[i];
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

int
main(int argc, char *argv[])
{
	struct worker	*w;
	PGconn		*conn;
	const char	*url = NULL, *errstr;
	char		 err[512];
	double		 secs = 3, wall = 0;
	uint64_t	 rows = 0;
	long long	 prefill = 0;
	size_t		 n = 500;
	int		 ch, conns = 1, i;

	while ((ch = getopt(argc, argv, "b:c:n:t:u:")) != -1) {
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
	if (argc != optind || url == NULL)
		usage();

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
	fprintf(stderr, "pgceiling: %d connection(s), %zu rows a "
	    "transaction: %.0f events/s\n", conns, n, (double)rows / wall);
	printf("RESULT conns=%d events_per_txn=%zu rows_before=%lld "
	    "pg_eps=%.0f\n", conns, n, prefill, (double)rows / wall);
	free(w);
	return 0;
}
