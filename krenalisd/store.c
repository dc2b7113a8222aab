/* The warehouse database; see store.h. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "event.h"
#include "log.h"
#include "timestamp.h"
#include "xmalloc.h"
#include "store.h"

struct store {
	sqlite3		*probe;		/* the health probe's connection */
	pthread_mutex_t	 probe_mtx;
	_Atomic int64_t	 last_commit;	/* ms of the last good commit */
};

struct store *
store_open(const char *path, const char *synchronous, char *err,
    size_t errlen)
{
	struct store	*st = xcalloc(1, sizeof(*st));
	char		*sql;

	pthread_mutex_init(&st->probe_mtx, NULL);
	if (sqlite3_open_v2(path, &st->probe, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE, NULL) != SQLITE_OK)
		goto fail;
	xasprintf(&sql, "PRAGMA journal_mode=WAL; PRAGMA synchronous=%s;",
	    synchronous);
	if (sqlite3_exec(st->probe, sql, NULL, NULL, NULL) != SQLITE_OK) {
		free(sql);
		goto fail;
	}
	free(sql);
	sqlite3_busy_timeout(st->probe, 2000);
	if (sqlite3_exec(st->probe, event_schema_sql, NULL, NULL,
	    NULL) != SQLITE_OK ||
	    sqlite3_exec(st->probe, event_rejected_schema_sql, NULL, NULL,
	    NULL) != SQLITE_OK)
		goto fail;
	return st;
fail:
	snprintf(err, errlen, "%s: %s", path, st->probe ?
	    sqlite3_errmsg(st->probe) : "cannot open");
	sqlite3_close(st->probe);
	pthread_mutex_destroy(&st->probe_mtx);
	free(st);
	return NULL;
}

void
store_close(struct store *st)
{
	if (st == NULL)
		return;
	sqlite3_close(st->probe);
	pthread_mutex_destroy(&st->probe_mtx);
	free(st);
}

void
store_committed(struct store *st)
{
	atomic_store(&st->last_commit, timestamp_now());
}

int
store_writable(struct store *st)
{
	int	ok;

	if (timestamp_now() - atomic_load(&st->last_commit) < 1000)
		return 1;
	pthread_mutex_lock(&st->probe_mtx);
	ok = sqlite3_exec(st->probe, "BEGIN IMMEDIATE; COMMIT;", NULL, NULL,
	    NULL) == SQLITE_OK;
	if (!ok) {
		log_warnx("store: health probe failed: %s",
		    sqlite3_errmsg(st->probe));
		sqlite3_exec(st->probe, "ROLLBACK", NULL, NULL, NULL);
	} else
		atomic_store(&st->last_commit, timestamp_now());
	pthread_mutex_unlock(&st->probe_mtx);
	return ok;
}
