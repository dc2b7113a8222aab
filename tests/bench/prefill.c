/*
 * prefill: a warehouse.db that already holds -n rows, for the benchmark
 * of a daemon in front of a large warehouse.
 *
 * Every row is the seed event decoded once by event_decode and bound by
 * wh_sqlite_bind_event, with its own messageId (run 0 of payload.h, which
 * loadgen never uses) and a received time that grows from 20 hours ago
 * to a minute ago, as a warehouse filled over a day by requests of
 * REQUEST_ROWS events would have.  Each row's id is in krenalis_dedupe,
 * grouped as the writer groups a request's, so all of them
 * lie within the daemon's default dedupe window (7 days) for a few days
 * after the file is made; run.sh remakes it when it is older.
 *
 * The file is written with the page size of a warehouse the daemon
 * makes, with neither journal nor sync (it is scratch data until it is
 * complete), switched to WAL as the daemon wants it, and renamed into
 * place only when whole.
 */
#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "compat.h"
#include "dedupe.h"
#include "event.h"
#include "timestamp.h"
#include "xmalloc.h"
#include "wh_sqlite.h"
#include "payload.h"
#include "rows.h"

#define TXN_ROWS	100000
#define REQUEST_ROWS	500
#define SPAN_MS		(20LL * 3600 * 1000)

static __dead void
usage(void)
{
	fprintf(stderr, "usage: prefill -n rows -o warehouse.db\n");
	exit(1);
}

int
main(int argc, char *argv[])
{
	struct payload	 p;
	struct event	*ev;
	struct dedupe_group group = { 0 };
	sqlite3		*db;
	sqlite3_stmt	*ins, *ded;
	const char	*out = NULL, *errstr;
	const char	*idp;
	char		*tmp, *sql, id[PAYLOAD_ID_LEN + 1];
	long long	 n = 0, i;
	int64_t		 now, first, at, drow = 1;
	int		 ch;

	while ((ch = getopt(argc, argv, "n:o:")) != -1) {
		switch (ch) {
		case 'n':
			n = strtonum(optarg, 1, 1000000000, &errstr);
			if (errstr != NULL)
				errx(1, "row count is %s: %s", errstr, optarg);
			break;
		case 'o':
			out = optarg;
			break;
		default:
			usage();
		}
	}
	if (argc != optind || out == NULL || n == 0)
		usage();

	now = timestamp_now();
	first = now - SPAN_MS;
	payload_init(&p, 1, 1);
	ev = rows_decode(&p, NULL, first);
	idp = ev->message_id;

	xasprintf(&tmp, "%s.tmp", out);
	db = rows_db_create(tmp);
	xasprintf(&sql, "PRAGMA page_size=%d; PRAGMA journal_mode=OFF; "
	    "PRAGMA synchronous=OFF; PRAGMA cache_size=-262144;",
	    WH_SQLITE_PAGE_SIZE);
	sql_exec(db, sql);
	free(sql);
	sql_exec(db, wh_sqlite_schema_sql);
	ins = sql_prepare(db, wh_sqlite_insert_sql);
	ded = sql_prepare(db, wh_sqlite_dedupe_insert_sql);

	sql_exec(db, "BEGIN");
	for (i = 0; i < n; i++) {
		at = first + (int64_t)((double)SPAN_MS *
		    (double)(i - i % REQUEST_ROWS) / (double)n);
		payload_id(id, 0, (uint64_t)i);
		rows_set_message_id(ev, id);
		rows_set_received(ev, at);
		sqlite3_reset(ins);
		if (wh_sqlite_bind_event(ins, ev) != SQLITE_OK ||
		    sqlite3_step(ins) != SQLITE_DONE)
			errx(1, "insert: %s", sqlite3_errmsg(db));
		rows_dedupe_add(ded, &group, &drow, id, PAYLOAD_ID_LEN, at);
		if ((i + 1) % TXN_ROWS == 0) {
			rows_dedupe_flush(ded, &group, &drow);
			sql_exec(db, "COMMIT; BEGIN");
			if ((i + 1) % 1000000 == 0)
				fprintf(stderr, "prefill: %lld rows\n", i + 1);
		}
	}
	rows_dedupe_flush(ded, &group, &drow);
	sql_exec(db, "COMMIT");
	sqlite3_finalize(ins);
	sqlite3_finalize(ded);
	dedupe_group_free(&group);
	sql_exec(db, "PRAGMA journal_mode=WAL");
	if (sqlite3_close(db) != SQLITE_OK)
		errx(1, "%s: cannot close", tmp);
	if (rename(tmp, out) == -1)
		err(1, "rename %s", tmp);
	free(tmp);
	rows_set_message_id(ev, idp);
	rows_free(ev, 1);
	payload_release(&p);
	return 0;
}
