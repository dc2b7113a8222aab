/*
 * The SQLite engine of the warehouse: DATA_DIR/warehouse.db in WAL mode
 * (spec/events.md §14.2, §15), with the daemon's dedupe index
 * (dedupe.h) in its table krenalis_dedupe, the warehouse's id and the
 * health probe's row in krenalis_meta, and the outbox of destination.h.
 * See warehouse.h.
 *
 * Connections, each used by one thread at a time: the health probe's
 * (any HTTP thread, and the control thread requeueing failed deliveries,
 * behind a mutex), the writer's session, a read-only one for the
 * quarantine and the failed deliveries, opened on first use by the
 * control thread, and one outbox connection per sender thread.  Each
 * of them that writes checkpoints as SQLite does by default, once a
 * commit leaves 1000 pages in the WAL (32 MiB with 32 KiB pages): a
 * thread of checkpoints of its own gained nothing in the writer's
 * ceiling and was slower on a warehouse of 5 million rows (BENCHMARKS.md).
 *
 * The writer's session is the one connection that writes while ingest
 * runs: a sender thread's delete of delivered rows is handed to the
 * writer's next transaction when the writer is at work (sq_outbox_delete).
 * A commit of another connection would make the writer wait for the lock
 * and, in WAL mode, drop its whole page cache at its next transaction.
 */
#include <sys/queue.h>
#include <sys/stat.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sqlite3.h>

#include "compat.h"
#include "ids.h"
#include "log.h"
#include "timestamp.h"
#include "xmalloc.h"
#include "config.h"
#include "dedupe.h"
#include "event.h"
#include "warehouse.h"
#include "wh_sqlite.h"

/*
 * A sender thread's delete, handed to the writer (sq_outbox_delete): the
 * sender's, which frees it, but in the writer's hands while it is queued
 * or taken.
 */
TAILQ_HEAD(sq_deletes, wh_delete);

struct wh_delete {
	TAILQ_ENTRY(wh_delete)	 entry;
	const int64_t		*seq;
	size_t			 n;
	int64_t			 queued_at;	/* CLOCK_MONOTONIC, ms */
	enum {
		DEL_QUEUED,		/* in the warehouse's dels */
		DEL_TAKEN,		/* in a transaction of the writer */
		DEL_DONE,		/* committed */
		DEL_FAILED		/* not done: the sender does it */
	}			 state;
};

struct sqlite_wh {
	struct warehouse	 wh;		/* first: see warehouse.h */
	char			*path;
	char			*synchronous;
	int64_t			 window;	/* dedupe_window */
	sqlite3			*probe;		/* the health probe's */
	pthread_mutex_t		 probe_mtx;
	sqlite3			*ro;		/* the quarantine reader */
	dev_t			 dev;		/* the file opened at path */
	ino_t			 ino;
	_Atomic int		 gone;		/* it is no longer there */
	/*
	 * The last transaction failed on a corrupt page: a probe, which
	 * writes elsewhere, cannot tell when that is over; a commit can.
	 */
	_Atomic int		 corrupt;

	/*
	 * Deletes of the outbox handed to the writer's transaction, and
	 * when the writer last committed (CLOCK_MONOTONIC, ms), for the
	 * sender threads to know whether it is at work.
	 */
	pthread_mutex_t		 del_mtx;	/* guards dels and states */
	pthread_cond_t		 del_cv;	/* a delete was done */
	struct sq_deletes	 dels;
	_Atomic int64_t		 committed_at;

	/*
	 * The outbox's last seq given.  Seqs are taken only in a
	 * transaction that holds the write lock (BEGIN IMMEDIATE), so their
	 * order is the order of the commits.
	 */
	_Atomic int64_t		 outbox_seq;
};

struct sqlite_session {
	struct wh_session	 s;		/* first: see warehouse.h */
	sqlite3			*db;
	sqlite3_stmt		*st_event;
	sqlite3_stmt		*st_rejected;
	sqlite3_stmt		*st_find;
	sqlite3_stmt		*st_put;
	sqlite3_stmt		*st_outbox;
	sqlite3_stmt		*st_outbox_failed;
	sqlite3_stmt		*st_delete;
	/* The sender threads' deletes of its open transaction. */
	struct sq_deletes	 taken;
	struct dedupe_table	 table;
	struct dedupe		*dedupe;
	/* The id of the event sq_add settled last, for sq_outbox_add. */
	struct dedupe_id	 id;
};

/*
 * The dedupe index's rows, a group of ids each, numbered by row in the
 * order they are added (dedupe.h): an INTEGER PRIMARY KEY, which no
 * VACUUM renumbers, unlike a bare rowid.  Their buckets grow with that
 * order, so the buckets' index is written at its end too.  n is the
 * number of ids in message_ids.
 */
#define DEDUPE_SCHEMA_SQL						\
"CREATE TABLE IF NOT EXISTS krenalis_dedupe ("				\
" row INTEGER PRIMARY KEY,"						\
" bucket INTEGER NOT NULL,"						\
" received_at INTEGER NOT NULL,"					\
" n INTEGER NOT NULL,"							\
" message_ids BLOB NOT NULL);\n"					\
"CREATE INDEX IF NOT EXISTS krenalis_dedupe_bucket "			\
"ON krenalis_dedupe (bucket);\n"

const char wh_sqlite_schema_sql[] =
"CREATE TABLE IF NOT EXISTS krenalis_events (\n"
"    \"kpid\" TEXT,\n"
"    \"connection_id\" TEXT NOT NULL,\n"
"    \"anonymous_id\" TEXT NOT NULL,\n"
"    \"channel\" TEXT,\n"
"    \"category\" TEXT,\n"
"    \"context_app_name\" TEXT,\n"
"    \"context_app_version\" TEXT,\n"
"    \"context_app_build\" TEXT,\n"
"    \"context_app_namespace\" TEXT,\n"
"    \"context_browser_name\" TEXT CHECK (\"context_browser_name\" IN "
"('Chrome','Safari','Edge','Firefox','Samsung Internet','Opera','Other')),\n"
"    \"context_browser_other\" TEXT,\n"
"    \"context_browser_version\" TEXT,\n"
"    \"context_campaign_name\" TEXT,\n"
"    \"context_campaign_source\" TEXT,\n"
"    \"context_campaign_medium\" TEXT,\n"
"    \"context_campaign_term\" TEXT,\n"
"    \"context_campaign_content\" TEXT,\n"
"    \"context_consents\" TEXT,\n"
"    \"context_device_id\" TEXT,\n"
"    \"context_device_advertising_id\" TEXT,\n"
"    \"context_device_ad_tracking_enabled\" INTEGER,\n"
"    \"context_device_manufacturer\" TEXT,\n"
"    \"context_device_model\" TEXT,\n"
"    \"context_device_name\" TEXT,\n"
"    \"context_device_type\" TEXT,\n"
"    \"context_device_token\" TEXT,\n"
"    \"context_ip\" TEXT,\n"
"    \"context_library_name\" TEXT,\n"
"    \"context_library_version\" TEXT,\n"
"    \"context_locale\" TEXT,\n"
"    \"context_location_city\" TEXT,\n"
"    \"context_location_country\" TEXT,\n"
"    \"context_location_latitude\" REAL,\n"
"    \"context_location_longitude\" REAL,\n"
"    \"context_location_speed\" REAL,\n"
"    \"context_network_bluetooth\" INTEGER,\n"
"    \"context_network_carrier\" TEXT,\n"
"    \"context_network_cellular\" INTEGER,\n"
"    \"context_network_wifi\" INTEGER,\n"
"    \"context_os_name\" TEXT CHECK (\"context_os_name\" IN "
"('Android','Windows','iOS','macOS','Linux','Chrome OS','Other')),\n"
"    \"context_os_other\" TEXT,\n"
"    \"context_os_version\" TEXT,\n"
"    \"context_page_path\" TEXT,\n"
"    \"context_page_referrer\" TEXT,\n"
"    \"context_page_search\" TEXT,\n"
"    \"context_page_title\" TEXT,\n"
"    \"context_page_url\" TEXT,\n"
"    \"context_referrer_id\" TEXT,\n"
"    \"context_referrer_type\" TEXT,\n"
"    \"context_screen_width\" INTEGER,\n"
"    \"context_screen_height\" INTEGER,\n"
"    \"context_screen_density\" REAL,\n"
"    \"context_session_id\" INTEGER,\n"
"    \"context_session_start\" INTEGER,\n"
"    \"context_timezone\" TEXT,\n"
"    \"context_user_agent\" TEXT,\n"
"    \"event\" TEXT,\n"
"    \"group_id\" TEXT,\n"
"    \"message_id\" TEXT NOT NULL,\n"
"    \"name\" TEXT,\n"
"    \"properties\" TEXT,\n"
"    \"received_at\" TEXT NOT NULL,\n"
"    \"sent_at\" TEXT NOT NULL,\n"
"    \"timestamp\" TEXT NOT NULL,\n"
"    \"traits\" TEXT NOT NULL,\n"
"    \"type\" TEXT NOT NULL CHECK (\"type\" IN "
"('alias','identify','group','page','screen','track')),\n"
"    \"previous_id\" TEXT,\n"
"    \"user_id\" TEXT\n"
");\n"
"CREATE INDEX IF NOT EXISTS \"krenalis_events_received_at\" "
"ON krenalis_events (\"received_at\");\n"
"CREATE VIEW IF NOT EXISTS events AS SELECT * FROM krenalis_events;\n"
"CREATE TABLE IF NOT EXISTS krenalis_rejected (\n"
"    \"received_at\" TEXT NOT NULL,\n"
"    \"connection_id\" TEXT NOT NULL,\n"
"    \"request_id\" TEXT NOT NULL,\n"
"    \"batch_index\" INTEGER NOT NULL,\n"
"    \"message_id\" TEXT,\n"
"    \"error\" TEXT NOT NULL,\n"
"    \"raw\" TEXT NOT NULL,\n"
"    PRIMARY KEY (\"request_id\", \"batch_index\")\n"
");\n"
"CREATE INDEX IF NOT EXISTS \"krenalis_rejected_received_at\" "
"ON krenalis_rejected (\"received_at\");\n"
DEDUPE_SCHEMA_SQL
"CREATE TABLE IF NOT EXISTS krenalis_meta ("
" name TEXT PRIMARY KEY,"
" value TEXT NOT NULL) WITHOUT ROWID;\n"
/*
 * The outbox: the daemon gives each row its seq (sqlite_wh outbox_seq),
 * which never goes back while it runs, so it is the commit order even
 * after the queue was emptied; it starts past the largest seq queued.
 * AUTOINCREMENT, which warehouses made before kept, did the same in a
 * second table written by every insert.  A row that failed without ever
 * being queued ("queue full") has seq 0.
 */
"CREATE TABLE IF NOT EXISTS krenalis_outbox ("
" seq INTEGER PRIMARY KEY,"
" destination_id TEXT NOT NULL,"
" pipeline_id TEXT NOT NULL,"
" queued_at INTEGER NOT NULL,"
" message_id TEXT NOT NULL,"
" event TEXT NOT NULL);\n"
"CREATE INDEX IF NOT EXISTS krenalis_outbox_destination "
"ON krenalis_outbox (destination_id, seq);\n"
"CREATE TABLE IF NOT EXISTS krenalis_outbox_failed ("
" seq INTEGER NOT NULL,"
" destination_id TEXT NOT NULL,"
" pipeline_id TEXT NOT NULL,"
" queued_at INTEGER NOT NULL,"
" message_id TEXT NOT NULL,"
" event TEXT NOT NULL,"
" failed_at INTEGER NOT NULL,"
" reason TEXT NOT NULL,"
" attempts INTEGER NOT NULL);\n"
"CREATE INDEX IF NOT EXISTS krenalis_outbox_failed_destination "
"ON krenalis_outbox_failed (destination_id, failed_at)";

/* The health probe's write (spec/ingest.md §13.1). */
static const char probe_sql[] =
"INSERT INTO krenalis_meta (name, value) VALUES ('probed_at', "
"strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) "
"ON CONFLICT (name) DO UPDATE SET value = excluded.value";

const char wh_sqlite_insert_sql[] =
"INSERT INTO krenalis_events (\"connection_id\",\"anonymous_id\","
"\"channel\",\"category\",\"context_app_name\",\"context_app_version\","
"\"context_app_build\",\"context_app_namespace\",\"context_browser_name\","
"\"context_browser_other\",\"context_browser_version\","
"\"context_campaign_name\",\"context_campaign_source\","
"\"context_campaign_medium\",\"context_campaign_term\","
"\"context_campaign_content\",\"context_consents\",\"context_device_id\","
"\"context_device_advertising_id\",\"context_device_ad_tracking_enabled\","
"\"context_device_manufacturer\",\"context_device_model\","
"\"context_device_name\",\"context_device_type\",\"context_device_token\","
"\"context_ip\",\"context_library_name\",\"context_library_version\","
"\"context_locale\",\"context_location_city\",\"context_location_country\","
"\"context_location_latitude\",\"context_location_longitude\","
"\"context_location_speed\",\"context_network_bluetooth\","
"\"context_network_carrier\",\"context_network_cellular\","
"\"context_network_wifi\",\"context_os_name\",\"context_os_other\","
"\"context_os_version\",\"context_page_path\",\"context_page_referrer\","
"\"context_page_search\",\"context_page_title\",\"context_page_url\","
"\"context_referrer_id\",\"context_referrer_type\","
"\"context_screen_width\",\"context_screen_height\","
"\"context_screen_density\",\"context_session_id\","
"\"context_session_start\",\"context_timezone\",\"context_user_agent\","
"\"event\",\"group_id\",\"message_id\",\"name\",\"properties\","
"\"received_at\",\"sent_at\",\"timestamp\",\"traits\",\"type\","
"\"previous_id\",\"user_id\") VALUES ("
"?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,"
"?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)";

static const char rejected_insert_sql[] =
"INSERT INTO krenalis_rejected (\"received_at\",\"connection_id\","
"\"request_id\",\"batch_index\",\"message_id\",\"error\",\"raw\") "
"VALUES (?,?,?,?,?,?,?)";

const char wh_sqlite_unchecked_sql[] = "PRAGMA ignore_check_constraints=ON";

const char wh_sqlite_outbox_insert_sql[] =
"INSERT INTO krenalis_outbox (destination_id, pipeline_id, queued_at, "
"message_id, event, seq) VALUES (?, ?, ?, ?, ?, ?)";

const char wh_sqlite_outbox_delete_sql[] =
"DELETE FROM krenalis_outbox WHERE seq BETWEEN ?1 AND ?2";

static const char outbox_failed_insert_sql[] =
"INSERT INTO krenalis_outbox_failed (seq, destination_id, pipeline_id, "
"queued_at, message_id, event, failed_at, reason, attempts) "
"VALUES (0, ?, ?, ?, ?, ?, ?3, ?6, 0)";

const char wh_sqlite_dedupe_insert_sql[] =
"INSERT INTO krenalis_dedupe (row, bucket, received_at, n, message_ids) "
"VALUES (?, ?, ?, ?, ?)";

int
wh_sqlite_bind_event(sqlite3_stmt *st, const struct event *ev)
{
	struct event_col	cols[EVENT_NCOLUMNS], *c;
	int			i, rc = SQLITE_OK;

	event_columns(ev, cols);
	for (i = 0; i < EVENT_NCOLUMNS && rc == SQLITE_OK; i++) {
		c = &cols[i];
		switch (c->type) {
		case EVENT_COL_NULL:
			rc = sqlite3_bind_null(st, i + 1);
			break;
		case EVENT_COL_TEXT:
			rc = sqlite3_bind_text(st, i + 1, c->v.s, (int)c->len,
			    SQLITE_STATIC);
			break;
		case EVENT_COL_INT:
			rc = sqlite3_bind_int64(st, i + 1, c->v.i);
			break;
		case EVENT_COL_REAL:
			rc = sqlite3_bind_double(st, i + 1, c->v.f);
			break;
		}
	}
	return rc;
}

void
wh_sqlite_bind_dedupe(sqlite3_stmt *st, int64_t row,
    const struct dedupe_group *g)
{
	sqlite3_bind_int64(st, 1, row);
	sqlite3_bind_int64(st, 2, DEDUPE_BUCKET(g->at));
	sqlite3_bind_int64(st, 3, g->at);
	sqlite3_bind_int64(st, 4, g->n);
	sqlite3_bind_blob(st, 5, g->ids, (int)g->len, SQLITE_STATIC);
}

/* Bind a text parameter, or NULL when s is NULL. */
static int
bind_str(sqlite3_stmt *st, int i, const char *s)
{
	if (s == NULL)
		return sqlite3_bind_null(st, i);
	return sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC);
}

int
wh_sqlite_bind_outbox(sqlite3_stmt *st, const struct wh_outbox *o,
    int64_t seq)
{
	int	rc;

	if ((rc = bind_str(st, 1, o->destination_id)) != SQLITE_OK ||
	    (rc = bind_str(st, 2, o->pipeline_id)) != SQLITE_OK ||
	    (rc = sqlite3_bind_int64(st, 3, o->queued_at)) != SQLITE_OK ||
	    (rc = bind_str(st, 4, o->message_id)) != SQLITE_OK ||
	    (rc = sqlite3_bind_text(st, 5, o->event, (int)o->eventlen,
	    SQLITE_STATIC)) != SQLITE_OK)
		return rc;
	return o->failed != NULL ? bind_str(st, 6, o->failed) :
	    sqlite3_bind_int64(st, 6, seq);
}

/* Read the warehouse's id into wh.id, leaving it "" when there is none. */
static void
id_read(struct sqlite_wh *sw)
{
	sqlite3_stmt	*st;

	sw->wh.id[0] = '\0';
	if (sqlite3_prepare_v2(sw->probe, "SELECT value FROM krenalis_meta "
	    "WHERE name = 'id'", -1, &st, NULL) != SQLITE_OK)
		return;
	if (sqlite3_step(st) == SQLITE_ROW)
		strlcpy(sw->wh.id, (const char *)sqlite3_column_text(st, 0),
		    sizeof(sw->wh.id));
	sqlite3_finalize(st);
}

/*
 * Whether the file opened is still the one at the path: not removed,
 * renamed or replaced (spec/ingest.md §13.1).  As it is held open, its
 * inode cannot be reused.  A stat per call, which is per commit: not a row
 * more goes into a file that no one can open again.
 */
static int
sq_present(struct warehouse *wh)
{
	struct sqlite_wh	*sw = (struct sqlite_wh *)wh;
	struct stat		 st;

	if (atomic_load(&sw->gone))
		return 0;
	if (stat(sw->path, &st) == 0 ? st.st_dev == sw->dev &&
	    st.st_ino == sw->ino : errno != ENOENT && errno != ENOTDIR)
		return 1;
	if (atomic_exchange(&sw->gone, 1) == 0)
		log_warnx("store: %s was removed or replaced while krenalisd "
		    "was running: no event can be stored from now on; see "
		    "DIAGNOSTICS in krenalisd(8) to recover the events stored "
		    "in it", sw->path);
	return 0;
}

static int
sq_exists(const struct config *cf)
{
	struct stat	 st;
	char		*path;
	int		 rc;

	xasprintf(&path, "%s/warehouse.db", cf->data_dir);
	rc = stat(path, &st) == 0 || errno != ENOENT;
	free(path);
	return rc;
}

static void
sq_close(struct warehouse *wh)
{
	struct sqlite_wh	*sw = (struct sqlite_wh *)wh;

	sqlite3_close(sw->ro);
	sqlite3_close(sw->probe);
	pthread_mutex_destroy(&sw->probe_mtx);
	pthread_mutex_destroy(&sw->del_mtx);
	pthread_cond_destroy(&sw->del_cv);
	free(sw->synchronous);
	free(sw->path);
	free(sw);
}

/*
 * The integer that sql reads first on db, with its one "?" bound to arg
 * when arg is not NULL: 0 with *v, dflt when there is no row or it is
 * NULL; -1 on a database error.
 */
static int
one_int(sqlite3 *db, const char *sql, const char *arg, int64_t dflt,
    int64_t *v)
{
	sqlite3_stmt	*st;
	int		 rc;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return -1;
	if (arg != NULL)
		sqlite3_bind_text(st, 1, arg, -1, SQLITE_STATIC);
	*v = dflt;
	if ((rc = sqlite3_step(st)) == SQLITE_ROW &&
	    sqlite3_column_type(st, 0) != SQLITE_NULL)
		*v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -1;
}

#define TABLE_EXISTS_SQL \
"SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?"

/*
 * The outbox's last seq: its largest, or the one AUTOINCREMENT kept in a
 * warehouse made before, if larger; 0 in a warehouse without an outbox
 * yet.
 */
static int
outbox_seq_read(struct sqlite_wh *sw)
{
	int64_t	has, legacy, seq = 0, kept = 0;

	if (one_int(sw->probe, TABLE_EXISTS_SQL, "krenalis_outbox", 0,
	    &has) == -1 || one_int(sw->probe, TABLE_EXISTS_SQL,
	    "sqlite_sequence", 0, &legacy) == -1 ||
	    (has && one_int(sw->probe, "SELECT max(seq) FROM krenalis_outbox",
	    NULL, 0, &seq) == -1) ||
	    (legacy && one_int(sw->probe, "SELECT seq FROM sqlite_sequence "
	    "WHERE name = 'krenalis_outbox'", NULL, 0, &kept) == -1))
		return -1;
	atomic_store(&sw->outbox_seq, seq > kept ? seq : kept);
	return 0;
}

static struct warehouse *
sq_open(const struct config *cf, char *err, size_t errlen)
{
	struct sqlite_wh	*sw = xcalloc(1, sizeof(*sw));
	struct stat		 st;
	char			*sql;

	xasprintf(&sw->path, "%s/warehouse.db", cf->data_dir);
	sw->synchronous = xstrdup(cf->synchronous);
	sw->window = cf->dedupe_window_ms;
	pthread_mutex_init(&sw->probe_mtx, NULL);
	pthread_mutex_init(&sw->del_mtx, NULL);
	timestamp_cond_init(&sw->del_cv);
	TAILQ_INIT(&sw->dels);
	if (sqlite3_open_v2(sw->path, &sw->probe, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE, NULL) != SQLITE_OK)
		goto fail;
	/*
	 * The page size takes effect only on a new, empty file, so it comes
	 * before journal_mode, which writes the first page.  An existing
	 * warehouse keeps the page size it was made with: in WAL mode SQLite
	 * cannot change it, not even by a VACUUM.
	 */
	xasprintf(&sql, "PRAGMA page_size=%d; PRAGMA journal_mode=WAL; "
	    "PRAGMA synchronous=%s;", WH_SQLITE_PAGE_SIZE, sw->synchronous);
	if (sqlite3_exec(sw->probe, sql, NULL, NULL, NULL) != SQLITE_OK) {
		free(sql);
		goto fail;
	}
	free(sql);
	sqlite3_busy_timeout(sw->probe, 2000);
	if (stat(sw->path, &st) == -1) {
		snprintf(err, errlen, "%s: %s", sw->path, strerror(errno));
		sq_close(&sw->wh);
		return NULL;
	}
	sw->dev = st.st_dev;
	sw->ino = st.st_ino;
	id_read(sw);
	if (outbox_seq_read(sw) == -1)
		goto fail;
	return &sw->wh;
fail:
	snprintf(err, errlen, "%s: %s", sw->path, sw->probe ?
	    sqlite3_errmsg(sw->probe) : "cannot open");
	sq_close(&sw->wh);
	return NULL;
}

/*
 * A warehouse made before keeps a row per dedupe id, (bucket, message_id,
 * received_at), in a table keyed by (bucket, message_id) or numbered in
 * the order added.  That table is set aside as krenalis_dedupe_v1, its
 * index dropped (the new table's takes its name), and a session moves the
 * window's ids into groups (dedupe_move).  -1 with err on a database
 * error.
 */
static int
dedupe_set_aside(struct sqlite_wh *sw, char *err, size_t errlen)
{
	int64_t	old;

	if (one_int(sw->probe, "SELECT count(*) FROM "
	    "pragma_table_info('krenalis_dedupe') WHERE name = ?",
	    "message_id", 0, &old) == -1)
		goto fail;
	if (!old)
		return 0;
	if (sqlite3_exec(sw->probe, "BEGIN IMMEDIATE; "
	    "DROP INDEX IF EXISTS krenalis_dedupe_bucket; "
	    "ALTER TABLE krenalis_dedupe RENAME TO krenalis_dedupe_v1; "
	    "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "%s: setting the dedupe rows aside: %s",
		    sw->path, sqlite3_errmsg(sw->probe));
		sqlite3_exec(sw->probe, "ROLLBACK", NULL, NULL, NULL);
		return -1;
	}
	return 0;
fail:
	snprintf(err, errlen, "%s: setting the dedupe rows aside: %s",
	    sw->path, sqlite3_errmsg(sw->probe));
	return -1;
}

static struct wh_session	*sq_session_new(struct warehouse *, char *,
				    size_t);
static void			 sq_session_free(struct wh_session *);

/* The reason a move failed, before a finalize or ROLLBACK forgets it. */
static void
move_error(struct sqlite_wh *sw, struct sqlite_session *ss, char *err,
    size_t errlen)
{
	snprintf(err, errlen, "%s: moving the dedupe ids: %s", sw->path,
	    sqlite3_errmsg(ss->db));
}

/*
 * Move the window's ids of a table set aside (dedupe_set_aside) into
 * groups with the session ss of sw, oldest first, in one transaction with
 * that table's drop.
 */
static int
dedupe_move(struct sqlite_wh *sw, struct sqlite_session *ss, char *err,
    size_t errlen)
{
	struct dedupe_id	 id;
	sqlite3_stmt		*st = NULL;
	int64_t			 n = 0;
	int			 rc = SQLITE_ERROR;

	if (sqlite3_exec(ss->db, "BEGIN IMMEDIATE", NULL, NULL,
	    NULL) == SQLITE_OK && sqlite3_prepare_v2(ss->db, "SELECT "
	    "message_id, received_at FROM krenalis_dedupe_v1 WHERE bucket >= ? "
	    "ORDER BY bucket, received_at", -1, &st, NULL) == SQLITE_OK) {
		sqlite3_bind_int64(st, 1, dedupe_oldest_bucket(sw->window,
		    timestamp_now()));
		while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			dedupe_id(&id, (const char *)sqlite3_column_text(st, 0),
			    (size_t)sqlite3_column_bytes(st, 0), 0);
			if (dedupe_add(ss->dedupe, &id,
			    sqlite3_column_int64(st, 1)) == -1)
				break;
			n++;
		}
		if (rc == SQLITE_DONE && dedupe_flush(ss->dedupe) == -1)
			rc = SQLITE_ERROR;
	}
	if (rc != SQLITE_DONE)
		move_error(sw, ss, err, errlen);
	sqlite3_finalize(st);
	if (rc == SQLITE_DONE && sqlite3_exec(ss->db, "DROP TABLE "
	    "krenalis_dedupe_v1; COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		move_error(sw, ss, err, errlen);
		rc = SQLITE_ERROR;
	}
	if (rc != SQLITE_DONE) {
		sqlite3_exec(ss->db, "ROLLBACK", NULL, NULL, NULL);
		dedupe_rollback(ss->dedupe);
		return -1;
	}
	dedupe_commit(ss->dedupe);
	log_info("store: %s: %lld dedupe ids moved", sw->path, (long long)n);
	return 0;
}

/*
 * The ids set aside are moved by a session of their own, at start-up:
 * the daemon is not a daemon yet, and a failure is the starter's to see.
 */
static int
dedupe_moved(struct sqlite_wh *sw, char *err, size_t errlen)
{
	struct wh_session	*s;
	int64_t			 has;
	int			 rc;

	if (one_int(sw->probe, TABLE_EXISTS_SQL, "krenalis_dedupe_v1", 0,
	    &has) == -1) {
		snprintf(err, errlen, "%s: %s", sw->path,
		    sqlite3_errmsg(sw->probe));
		return -1;
	}
	if (!has)
		return 0;
	log_info("store: %s: moving the dedupe ids of the window into groups, "
	    "in one transaction", sw->path);
	if ((s = sq_session_new(&sw->wh, err, errlen)) == NULL)
		return -1;
	rc = dedupe_move(sw, (struct sqlite_session *)s, err, errlen);
	sq_session_free(s);
	return rc;
}

static int
sq_ensure_schema(struct warehouse *wh, char *err, size_t errlen)
{
	struct sqlite_wh	*sw = (struct sqlite_wh *)wh;
	sqlite3_stmt		*st;
	char			 id[IDS_UUID_LEN + 1];

	if (dedupe_set_aside(sw, err, errlen) == -1)
		return -1;
	if (sqlite3_exec(sw->probe, wh_sqlite_schema_sql, NULL, NULL,
	    NULL) != SQLITE_OK)
		goto fail;
	if (dedupe_moved(sw, err, errlen) == -1)
		return -1;
	if (wh->id[0] != '\0')
		return 0;
	ids_new_uuid(id);
	if (sqlite3_prepare_v2(sw->probe, "INSERT OR IGNORE INTO "
	    "krenalis_meta (name, value) VALUES ('id', ?)", -1, &st,
	    NULL) != SQLITE_OK)
		goto fail;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE) {
		sqlite3_finalize(st);
		goto fail;
	}
	sqlite3_finalize(st);
	id_read(sw);
	return 0;
fail:
	snprintf(err, errlen, "%s: %s", sw->path, sqlite3_errmsg(sw->probe));
	return -1;
}

static int
sq_probe(struct warehouse *wh)
{
	struct sqlite_wh	*sw = (struct sqlite_wh *)wh;
	int			 ok;

	if (atomic_load(&sw->corrupt)) {
		log_warnx("store: health probe failed: the last transaction "
		    "found %s corrupt", sw->path);
		return 0;
	}
	pthread_mutex_lock(&sw->probe_mtx);
	ok = sqlite3_exec(sw->probe, probe_sql, NULL, NULL, NULL) == SQLITE_OK;
	if (!ok) {
		log_warnx("store: health probe failed: %s",
		    sqlite3_errmsg(sw->probe));
		sqlite3_exec(sw->probe, "ROLLBACK", NULL, NULL, NULL);
	}
	pthread_mutex_unlock(&sw->probe_mtx);
	return ok;
}

/*
 * sql prepared on the quarantine reader, which is opened on first use;
 * NULL with err.
 */
static sqlite3_stmt *
sq_reader_prepare(struct sqlite_wh *sw, const char *sql, char *err,
    size_t errlen)
{
	sqlite3_stmt	*st = NULL;

	if (sw->ro == NULL && sqlite3_open_v2(sw->path, &sw->ro,
	    SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
		log_warnx("control: %s: %s", sw->path, sqlite3_errmsg(sw->ro));
		sqlite3_close(sw->ro);
		sw->ro = NULL;
		snprintf(err, errlen, "cannot open the warehouse");
		return NULL;
	}
	sqlite3_busy_timeout(sw->ro, 2000);
	if (sqlite3_prepare_v2(sw->ro, sql, -1, &st, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "%s", sqlite3_errmsg(sw->ro));
		return NULL;
	}
	return st;
}

/* The row ids are the rowids, which grow as rows are added. */
static int
sq_rejects_range(struct warehouse *wh, const char *source_id, int64_t count,
    int64_t *after, int64_t *until, char *err, size_t errlen)
{
	struct sqlite_wh	*sw = (struct sqlite_wh *)wh;
	sqlite3_stmt		*st;
	int			 rc;

	if ((st = sq_reader_prepare(sw, "SELECT (SELECT min(rowid) FROM "
	    "(SELECT rowid FROM krenalis_rejected WHERE ?1 IS NULL OR "
	    "connection_id = ?1 ORDER BY rowid DESC LIMIT ?2)), (SELECT "
	    "coalesce(max(rowid), 0) FROM krenalis_rejected)", err,
	    errlen)) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, source_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, count);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		*until = sqlite3_column_int64(st, 1);
		*after = sqlite3_column_type(st, 0) == SQLITE_NULL ? *until :
		    sqlite3_column_int64(st, 0) - 1;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW) {
		snprintf(err, errlen, "%s", sqlite3_errmsg(sw->ro));
		return -1;
	}
	return 0;
}

static int
sq_rejects(struct warehouse *wh, const char *source_id, int64_t after,
    int64_t until, int64_t count, void (*fn)(void *, const struct wh_reject *),
    void *arg, char *err, size_t errlen)
{
	struct sqlite_wh	*sw = (struct sqlite_wh *)wh;
	struct wh_reject	 r;
	sqlite3_stmt		*st;
	int			 rc;

	if ((st = sq_reader_prepare(sw, "SELECT rowid, received_at, "
	    "connection_id, request_id, batch_index, message_id, error, raw "
	    "FROM krenalis_rejected WHERE rowid > ?2 AND rowid <= ?3 AND "
	    "(?1 IS NULL OR connection_id = ?1) ORDER BY rowid LIMIT ?4", err,
	    errlen)) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, source_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, after);
	sqlite3_bind_int64(st, 3, until);
	sqlite3_bind_int64(st, 4, count);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		r.id = sqlite3_column_int64(st, 0);
		r.received_at = (const char *)sqlite3_column_text(st, 1);
		r.connection_id = (const char *)sqlite3_column_text(st, 2);
		r.request_id = (const char *)sqlite3_column_text(st, 3);
		r.index = sqlite3_column_int64(st, 4);
		r.message_id = (const char *)sqlite3_column_text(st, 5);
		r.error = (const char *)sqlite3_column_text(st, 6);
		r.raw = (const char *)sqlite3_column_text(st, 7);
		r.rawlen = sqlite3_column_bytes(st, 7);
		fn(arg, &r);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		snprintf(err, errlen, "%s", sqlite3_errmsg(sw->ro));
		return -1;
	}
	return 0;
}

/* On the probe's connection, which is the one the control thread may use. */
static int
sq_outbox_drop(struct warehouse *wh, const char *destination_id,
    int64_t *dropped, char *err, size_t errlen)
{
	struct sqlite_wh	*sw = (struct sqlite_wh *)wh;
	sqlite3_stmt		*st = NULL;
	int			 rc;

	pthread_mutex_lock(&sw->probe_mtx);
	rc = sqlite3_exec(sw->probe, "BEGIN IMMEDIATE", NULL, NULL, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_prepare_v2(sw->probe, "DELETE FROM krenalis_outbox "
		    "WHERE destination_id = ?", -1, &st, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_text(st, 1, destination_id, -1, SQLITE_STATIC);
		rc = sqlite3_step(st) == SQLITE_DONE ? SQLITE_OK : SQLITE_ERROR;
		*dropped = sqlite3_changes(sw->probe);
		sqlite3_finalize(st);
	}
	if (rc == SQLITE_OK)
		rc = sqlite3_prepare_v2(sw->probe, "DELETE FROM "
		    "krenalis_outbox_failed WHERE destination_id = ?", -1, &st,
		    NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_text(st, 1, destination_id, -1, SQLITE_STATIC);
		rc = sqlite3_step(st) == SQLITE_DONE ? SQLITE_OK : SQLITE_ERROR;
		sqlite3_finalize(st);
	}
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(sw->probe, "COMMIT", NULL, NULL, NULL);
	if (rc != SQLITE_OK) {
		snprintf(err, errlen, "%s", sqlite3_errmsg(sw->probe));
		sqlite3_exec(sw->probe, "ROLLBACK", NULL, NULL, NULL);
	}
	pthread_mutex_unlock(&sw->probe_mtx);
	return rc == SQLITE_OK ? 0 : -1;
}

/* The dedupe index's table: see struct dedupe_table. */
static int
table_drop(void *arg, uint32_t oldest, int64_t *first, int64_t *dropped)
{
	struct sqlite_session	*ss = arg;
	sqlite3_stmt		*st;
	int			 rc;

	if (sqlite3_prepare_v2(ss->db, "DELETE FROM krenalis_dedupe WHERE "
	    "bucket < ? RETURNING n", -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int64(st, 1, oldest);
	*dropped = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		*dropped += sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return -1;
	return one_int(ss->db, "SELECT min(row) FROM krenalis_dedupe", NULL,
	    INT64_MAX, first);
}

static int64_t
table_count(void *arg)
{
	struct sqlite_session	*ss = arg;
	int64_t			 n;

	return one_int(ss->db, "SELECT total(n) FROM krenalis_dedupe", NULL,
	    0, &n) == 0 ? n : -1;
}

static int
table_load(void *arg, struct dedupe *d)
{
	struct sqlite_session	*ss = arg;
	sqlite3_stmt		*st;
	int			 rc;

	if (sqlite3_prepare_v2(ss->db, "SELECT row, message_ids FROM "
	    "krenalis_dedupe", -1, &st, NULL) != SQLITE_OK)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		dedupe_load(d, sqlite3_column_int64(st, 0),
		    sqlite3_column_blob(st, 1),
		    (size_t)sqlite3_column_bytes(st, 1));
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

/*
 * The row's ids point into st_find's row: it is reset at the next find,
 * and before the transaction ends.
 */
static int
table_find(void *arg, int64_t row, int64_t *at, const unsigned char **ids,
    size_t *len)
{
	struct sqlite_session	*ss = arg;
	int			 rc;

	sqlite3_reset(ss->st_find);
	sqlite3_bind_int64(ss->st_find, 1, row);
	rc = sqlite3_step(ss->st_find);
	if (rc != SQLITE_ROW) {
		sqlite3_reset(ss->st_find);
		return rc == SQLITE_DONE ? 0 : -1;
	}
	*at = sqlite3_column_int64(ss->st_find, 0);
	*ids = sqlite3_column_blob(ss->st_find, 1);
	*len = (size_t)sqlite3_column_bytes(ss->st_find, 1);
	return 1;
}

static int
table_put(void *arg, int64_t row, const struct dedupe_group *g)
{
	struct sqlite_session	*ss = arg;
	int			 rc;

	sqlite3_reset(ss->st_put);
	wh_sqlite_bind_dedupe(ss->st_put, row, g);
	rc = sqlite3_step(ss->st_put);
	sqlite3_reset(ss->st_put);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* Take every delete off q, its state now state, and wake its sender. */
static void
deletes_end(struct sqlite_wh *sw, struct sq_deletes *q, int state)
{
	struct wh_delete	*d;

	pthread_mutex_lock(&sw->del_mtx);
	while ((d = TAILQ_FIRST(q)) != NULL) {
		TAILQ_REMOVE(q, d, entry);
		d->state = state;
	}
	pthread_cond_broadcast(&sw->del_cv);
	pthread_mutex_unlock(&sw->del_mtx);
}

static void
sq_session_free(struct wh_session *s)
{
	struct sqlite_session	*ss = (struct sqlite_session *)s;
	struct sqlite_wh	*sw = (struct sqlite_wh *)s->wh;

	/*
	 * The writer stops: no transaction will take the deletes that wait,
	 * so their senders do them now rather than after DELETE_WAIT_MS.
	 * (A session that failed to open has no warehouse yet.)
	 */
	if (sw != NULL) {
		atomic_store(&sw->committed_at, 0);
		deletes_end(sw, &sw->dels, DEL_FAILED);
	}
	dedupe_free(ss->dedupe);
	sqlite3_finalize(ss->st_event);
	sqlite3_finalize(ss->st_rejected);
	sqlite3_finalize(ss->st_find);
	sqlite3_finalize(ss->st_put);
	sqlite3_finalize(ss->st_outbox);
	sqlite3_finalize(ss->st_outbox_failed);
	sqlite3_finalize(ss->st_delete);
	sqlite3_close(ss->db);
	free(ss);
}

static struct wh_session *
sq_session_new(struct warehouse *wh, char *err, size_t errlen)
{
	struct sqlite_wh	*sw = (struct sqlite_wh *)wh;
	struct sqlite_session	*ss = xcalloc(1, sizeof(*ss));
	char			*sql;
	int			 rc;

	if (sqlite3_open_v2(sw->path, &ss->db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK)
		goto fail;
	/* spec/ingest.md §11.2: a lock not obtained within 5 s fails. */
	sqlite3_busy_timeout(ss->db, 5000);
	xasprintf(&sql, "PRAGMA journal_mode=WAL; PRAGMA synchronous=%s; "
	    "PRAGMA cache_size=-16384;", sw->synchronous);
	rc = sqlite3_exec(ss->db, sql, NULL, NULL, NULL);
	free(sql);
	if (rc != SQLITE_OK || sqlite3_exec(ss->db, wh_sqlite_unchecked_sql,
	    NULL, NULL, NULL) != SQLITE_OK)
		goto fail;
	if (sqlite3_prepare_v2(ss->db, wh_sqlite_insert_sql, -1,
	    &ss->st_event, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(ss->db, rejected_insert_sql, -1,
	    &ss->st_rejected, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(ss->db, "SELECT received_at, message_ids FROM "
	    "krenalis_dedupe WHERE row = ?", -1, &ss->st_find,
	    NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(ss->db, wh_sqlite_dedupe_insert_sql, -1,
	    &ss->st_put, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(ss->db, wh_sqlite_outbox_insert_sql, -1,
	    &ss->st_outbox, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(ss->db, outbox_failed_insert_sql, -1,
	    &ss->st_outbox_failed, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(ss->db, wh_sqlite_outbox_delete_sql, -1,
	    &ss->st_delete, NULL) != SQLITE_OK)
		goto fail;
	TAILQ_INIT(&ss->taken);
	ss->table.arg = ss;
	ss->table.drop = table_drop;
	ss->table.count = table_count;
	ss->table.load = table_load;
	ss->table.find = table_find;
	ss->table.put = table_put;
	if ((ss->dedupe = dedupe_open(&ss->table, sw->window,
	    timestamp_now())) == NULL) {
		snprintf(err, errlen, "dedupe index: %s",
		    sqlite3_errmsg(ss->db));
		sq_session_free(&ss->s);
		return NULL;
	}
	return &ss->s;
fail:
	snprintf(err, errlen, "%s: %s", sw->path, ss->db ?
	    sqlite3_errmsg(ss->db) : "cannot open");
	sq_session_free(&ss->s);
	return NULL;
}

static const char *
sq_error(struct wh_session *s)
{
	if (atomic_load(&((struct sqlite_wh *)s->wh)->gone))
		return "the warehouse file was removed or replaced";
	return sqlite3_errmsg(((struct sqlite_session *)s)->db);
}

static int
sq_reject(struct wh_session *s, const struct wh_reject *r)
{
	struct sqlite_session	*ss = (struct sqlite_session *)s;
	sqlite3_stmt		*st = ss->st_rejected;
	int			 rc;

	sqlite3_reset(st);
	if (bind_str(st, 1, r->received_at) != SQLITE_OK ||
	    bind_str(st, 2, r->connection_id) != SQLITE_OK ||
	    bind_str(st, 3, r->request_id) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 4, r->index) != SQLITE_OK ||
	    bind_str(st, 5, r->message_id) != SQLITE_OK ||
	    bind_str(st, 6, r->error) != SQLITE_OK ||
	    sqlite3_bind_text(st, 7, r->raw != NULL ? r->raw : "",
	    r->raw != NULL ? (int)r->rawlen : 0, SQLITE_STATIC) != SQLITE_OK)
		return -1;
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

/*
 * The dedupe index settles the duplicate at once (spec/pipelines.md §5
 * steps 3-4): it sees the rows of the open transaction too.
 */
static int
sq_add(struct wh_session *s, const struct event *ev, int store,
    enum outcome *outcome)
{
	struct sqlite_session	*ss = (struct sqlite_session *)s;
	int			 rc;

	dedupe_id(&ss->id, ev->message_id, ev->len[EVENT_STR_MESSAGE_ID],
	    ev->message_id_hash);
	if ((rc = dedupe_seen(ss->dedupe, &ss->id, ev->received_at)) != 0) {
		if (rc == 1)
			*outcome = OUTCOME_DUPLICATE;
		return rc == 1 ? 0 : -1;
	}
	if (!store)
		return 0;
	sqlite3_reset(ss->st_event);
	if (wh_sqlite_bind_event(ss->st_event, ev) != SQLITE_OK)
		return -1;
	rc = sqlite3_step(ss->st_event);
	sqlite3_reset(ss->st_event);
	if (rc != SQLITE_DONE)
		return -1;
	return dedupe_add(ss->dedupe, &ss->id, ev->received_at);
}

static void
sq_prefetch(struct wh_session *s, const struct event *ev)
{
	struct sqlite_session	*ss = (struct sqlite_session *)s;

	if (ev->message_id_hash != 0)
		dedupe_prefetch(ss->dedupe, ev->message_id_hash);
}

/*
 * sq_add has settled the duplicate already: ev is not one.  Its rows are
 * written now; an event that is not stored takes no id (warehouse.h).
 */
static int
sq_outbox_add(struct wh_session *s, const enum outcome *outcome,
    const struct wh_outbox *rows, size_t n)
{
	struct sqlite_session	*ss = (struct sqlite_session *)s;
	struct sqlite_wh	*sw = (struct sqlite_wh *)s->wh;
	const struct wh_outbox	*o;
	sqlite3_stmt		*st;
	size_t			 i;
	int			 rc;

	for (i = 0; i < n; i++) {
		o = &rows[i];
		st = o->failed != NULL ? ss->st_outbox_failed : ss->st_outbox;
		sqlite3_reset(st);
		if (wh_sqlite_bind_outbox(st, o, o->failed != NULL ? 0 :
		    atomic_fetch_add(&sw->outbox_seq, 1) + 1) != SQLITE_OK)
			return -1;
		rc = sqlite3_step(st);
		sqlite3_reset(st);
		if (rc != SQLITE_DONE)
			return -1;
	}
	return 0;
}

/* Step st with seq bound as its first parameter; SQLite's code. */
static int
step_seq(sqlite3_stmt *st, int64_t seq)
{
	int	rc;

	sqlite3_reset(st);
	sqlite3_bind_int64(st, 1, seq);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	return rc;
}

/*
 * Delete the rows of the n sequences with st, wh_sqlite_outbox_delete_sql,
 * once per run of consecutive sequences: the delivered rows of a destination
 * that is the only one to take a source's events are mostly one run.
 */
static int
delete_seqs(sqlite3_stmt *st, const int64_t *seq, size_t n)
{
	size_t	i, j;
	int	rc;

	for (i = 0; i < n; i = j) {
		for (j = i + 1; j < n && seq[j] == seq[j - 1] + 1; j++)
			;
		sqlite3_reset(st);
		sqlite3_bind_int64(st, 1, seq[i]);
		sqlite3_bind_int64(st, 2, seq[j - 1]);
		rc = sqlite3_step(st);
		sqlite3_reset(st);
		if (rc != SQLITE_DONE)
			return -1;
	}
	return 0;
}

/*
 * Take the sender threads' deletes into the open transaction.  One that
 * fails is given back to its sender, which does it on its own connection;
 * the transaction, whose events are what matters, goes on.
 */
static void
take_deletes(struct sqlite_session *ss)
{
	struct sqlite_wh	*sw = (struct sqlite_wh *)ss->s.wh;
	struct sq_deletes	 failed = TAILQ_HEAD_INITIALIZER(failed);
	struct wh_delete	*d;

	pthread_mutex_lock(&sw->del_mtx);
	TAILQ_CONCAT(&ss->taken, &sw->dels, entry);
	TAILQ_FOREACH(d, &ss->taken, entry)
		d->state = DEL_TAKEN;
	pthread_mutex_unlock(&sw->del_mtx);
	TAILQ_FOREACH(d, &ss->taken, entry)
		if (delete_seqs(ss->st_delete, d->seq, d->n) == -1)
			break;
	/*
	 * A failed statement leaves the transaction as it was: that delete
	 * and those after it go back now.
	 */
	while (d != NULL) {
		struct wh_delete *next = TAILQ_NEXT(d, entry);

		TAILQ_REMOVE(&ss->taken, d, entry);
		TAILQ_INSERT_TAIL(&failed, d, entry);
		d = next;
	}
	if (!TAILQ_EMPTY(&failed))
		deletes_end(sw, &failed, DEL_FAILED);
}

/* The deletes of the transaction that ended are state. */
static void
end_deletes(struct sqlite_session *ss, int state)
{
	if (!TAILQ_EMPTY(&ss->taken))
		deletes_end((struct sqlite_wh *)ss->s.wh, &ss->taken, state);
}

/*
 * The sender threads' deletes come first in the transaction: a page they
 * empty is then written to the WAL once, with the rows that fill it
 * again, rather than once emptied and once refilled.
 */
static int
sq_begin(struct wh_session *s, int64_t since)
{
	struct sqlite_session	*ss = (struct sqlite_session *)s;

	if (atomic_load(&((struct sqlite_wh *)s->wh)->gone) ||
	    sqlite3_exec(ss->db, "BEGIN IMMEDIATE", NULL, NULL,
	    NULL) != SQLITE_OK)
		return -1;
	take_deletes(ss);
	/*
	 * A delete that failed on a full disk or an I/O error may have
	 * taken the whole transaction with it: the deletes go back, and
	 * the events get a transaction of their own.
	 */
	if (sqlite3_get_autocommit(ss->db)) {
		end_deletes(ss, DEL_FAILED);
		if (sqlite3_exec(ss->db, "BEGIN IMMEDIATE", NULL, NULL,
		    NULL) != SQLITE_OK)
			return -1;
	}
	return 0;
}

static int
sq_commit(struct wh_session *s)
{
	struct sqlite_session	*ss = (struct sqlite_session *)s;
	struct sqlite_wh	*sw = (struct sqlite_wh *)s->wh;

	if (dedupe_flush(ss->dedupe) == -1 ||
	    dedupe_expire(ss->dedupe, timestamp_now()) == -1)
		return -1;
	/* A transaction SQLite has ended already fails here too. */
	sqlite3_reset(ss->st_find);
	if (sqlite3_exec(ss->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		return -1;
	end_deletes(ss, DEL_DONE);
	dedupe_commit(ss->dedupe);
	atomic_store(&sw->corrupt, 0);
	atomic_store(&sw->committed_at, timestamp_monotonic());
	return 0;
}

/* The failure that led here is still the connection's error. */
static void
sq_rollback(struct wh_session *s)
{
	struct sqlite_session	*ss = (struct sqlite_session *)s;
	int			 rc = sqlite3_errcode(ss->db);

	if (rc == SQLITE_CORRUPT || rc == SQLITE_NOTADB)
		atomic_store(&((struct sqlite_wh *)s->wh)->corrupt, 1);
	sqlite3_reset(ss->st_find);
	sqlite3_exec(ss->db, "ROLLBACK", NULL, NULL, NULL);
	end_deletes(ss, DEL_FAILED);
	dedupe_rollback(ss->dedupe);
}

struct sqlite_outbox {
	struct wh_outbox_conn	 ob;		/* first: see warehouse.h */
	struct sqlite_wh	*sw;
	sqlite3			*db;
	sqlite3_stmt		*st_next;
	sqlite3_stmt		*st_delete;
	sqlite3_stmt		*st_fail;
	/* The error of a transaction rolled back, which SQLite forgets. */
	char			 err[256];
};

static void
sq_outbox_close(struct wh_outbox_conn *ob)
{
	struct sqlite_outbox	*so = (struct sqlite_outbox *)ob;

	sqlite3_finalize(so->st_next);
	sqlite3_finalize(so->st_delete);
	sqlite3_finalize(so->st_fail);
	sqlite3_close(so->db);
	free(so);
}

static struct wh_outbox_conn *
sq_outbox_open(struct warehouse *wh, const char *node, char *err,
    size_t errlen)
{
	struct sqlite_wh	*sw = (struct sqlite_wh *)wh;
	struct sqlite_outbox	*so = xcalloc(1, sizeof(*so));

	so->sw = sw;
	if (sqlite3_open_v2(sw->path, &so->db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK)
		goto fail;
	sqlite3_busy_timeout(so->db, 5000);
	/*
	 * Its commits delete delivered rows and move failed ones: one lost
	 * to a power cut (synchronous=NORMAL does not flush each commit,
	 * only the WAL's order is kept) leaves rows that are then sent
	 * again, which delivery at least once allows; flushing each would
	 * hold the write lock the writer waits for through an fsync.
	 */
	if (sqlite3_exec(so->db, "PRAGMA journal_mode=WAL; "
	    "PRAGMA synchronous=NORMAL", NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(so->db, "SELECT seq, queued_at, message_id, "
	    "event FROM krenalis_outbox WHERE destination_id = ? AND seq > ? "
	    "ORDER BY seq LIMIT ?", -1, &so->st_next, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(so->db, wh_sqlite_outbox_delete_sql, -1,
	    &so->st_delete, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(so->db, "INSERT INTO krenalis_outbox_failed "
	    "(seq, destination_id, pipeline_id, queued_at, message_id, event, "
	    "failed_at, reason, attempts) SELECT seq, destination_id, "
	    "pipeline_id, queued_at, message_id, event, ?2, ?3, ?4 FROM "
	    "krenalis_outbox WHERE seq = ?1", -1, &so->st_fail,
	    NULL) != SQLITE_OK)
		goto fail;
	return &so->ob;
fail:
	snprintf(err, errlen, "%s: %s", sw->path, so->db ?
	    sqlite3_errmsg(so->db) : "cannot open");
	sq_outbox_close(&so->ob);
	return NULL;
}

static const char *
sq_outbox_error(struct wh_outbox_conn *ob)
{
	struct sqlite_outbox	*so = (struct sqlite_outbox *)ob;

	return so->err[0] != '\0' ? so->err : sqlite3_errmsg(so->db);
}

static int
sq_outbox_count(struct wh_outbox_conn *ob, void (*fn)(void *, const char *,
    int64_t), void *arg)
{
	struct sqlite_outbox	*so = (struct sqlite_outbox *)ob;
	sqlite3_stmt		*st;
	int			 rc;

	so->err[0] = '\0';
	if (sqlite3_prepare_v2(so->db, OUTBOX_COUNT_SQL, -1, &st,
	    NULL) != SQLITE_OK)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		fn(arg, (const char *)sqlite3_column_text(st, 0),
		    sqlite3_column_int64(st, 1));
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

static int
sq_outbox_next(struct wh_outbox_conn *ob, const char *dest_id, int64_t after,
    int64_t count, void (*fn)(void *, const struct wh_outbox_row *),
    void *arg)
{
	struct sqlite_outbox	*so = (struct sqlite_outbox *)ob;
	sqlite3_stmt		*st = so->st_next;
	struct wh_outbox_row	 r;
	int			 rc;

	so->err[0] = '\0';
	sqlite3_reset(st);
	sqlite3_bind_text(st, 1, dest_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, after);
	sqlite3_bind_int64(st, 3, count);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		r.seq = sqlite3_column_int64(st, 0);
		r.queued_at = sqlite3_column_int64(st, 1);
		r.message_id = (const char *)sqlite3_column_text(st, 2);
		r.event = (const char *)sqlite3_column_text(st, 3);
		r.eventlen = (size_t)sqlite3_column_bytes(st, 3);
		fn(arg, &r);
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

/*
 * Delete the rows of the n sequences, in one transaction; when fail,
 * copy each into the failed rows first, with st_fail.
 */
static int
outbox_each(struct sqlite_outbox *so, const int64_t *seq, size_t n,
    int fail)
{
	size_t	i;
	int	rc = SQLITE_DONE;

	so->err[0] = '\0';
	if (sqlite3_exec(so->db, "BEGIN IMMEDIATE", NULL, NULL,
	    NULL) != SQLITE_OK)
		return -1;
	for (i = 0; fail && i < n && rc == SQLITE_DONE; i++)
		rc = step_seq(so->st_fail, seq[i]);
	if (rc == SQLITE_DONE && delete_seqs(so->st_delete, seq, n) == -1)
		rc = SQLITE_ERROR;
	if (rc != SQLITE_DONE || sqlite3_exec(so->db, "COMMIT", NULL, NULL,
	    NULL) != SQLITE_OK) {
		strlcpy(so->err, sqlite3_errmsg(so->db), sizeof(so->err));
		sqlite3_exec(so->db, "ROLLBACK", NULL, NULL, NULL);
		return -1;
	}
	return 0;
}

/*
 * Whether the writer committed within this many ms: it is at work, and
 * will commit again soon.  A delete handed to it waits at most
 * DELETE_WAIT_MS in the queue before its sender does it itself.
 */
#define WRITER_AT_WORK_MS	100
#define DELETE_WAIT_MS		250

/*
 * Delete delivered rows.  While the writer is at work, in its next
 * transaction, as the events' rows are committed, and not in one of this
 * connection's own, so that the writer neither waits for the lock nor
 * loses its page cache: the sender does not wait for that transaction
 * (sq_outbox_deleted).  When the writer is idle, here.
 */
static int
sq_outbox_delete(struct wh_outbox_conn *ob, const int64_t *seq, size_t n,
    struct wh_delete **del)
{
	struct sqlite_outbox	*so = (struct sqlite_outbox *)ob;
	struct sqlite_wh	*sw = so->sw;
	struct wh_delete	*d;
	int64_t			 now = timestamp_monotonic();

	if (n == 0 || now - atomic_load(&sw->committed_at) >
	    WRITER_AT_WORK_MS)
		return outbox_each(so, seq, n, 0);
	d = xcalloc(1, sizeof(*d));
	d->seq = seq;
	d->n = n;
	d->queued_at = now;
	d->state = DEL_QUEUED;
	pthread_mutex_lock(&sw->del_mtx);
	TAILQ_INSERT_TAIL(&sw->dels, d, entry);
	pthread_mutex_unlock(&sw->del_mtx);
	*del = d;
	return 1;
}

/*
 * A delete still queued after DELETE_WAIT_MS is taken back, and one the
 * writer gave back (its transaction failed, or the writer stopped) is
 * done here.
 */
static int
sq_outbox_deleted(struct wh_outbox_conn *ob, struct wh_delete *d, int wait)
{
	struct sqlite_outbox	*so = (struct sqlite_outbox *)ob;
	struct sqlite_wh	*sw = so->sw;
	struct timespec		 ts;
	const int64_t		*seq;
	size_t			 n;
	int64_t			 ms = d->queued_at + DELETE_WAIT_MS -
				    timestamp_monotonic();
	int			 state;

	timestamp_abstime(&ts, ms);
	pthread_mutex_lock(&sw->del_mtx);
	while (wait && d->state == DEL_QUEUED && ms > 0)
		if (pthread_cond_timedwait(&sw->del_cv, &sw->del_mtx,
		    &ts) != 0)
			break;
	if (d->state == DEL_QUEUED && (wait || ms <= 0)) {
		TAILQ_REMOVE(&sw->dels, d, entry);
		d->state = DEL_FAILED;
	}
	/* Taken: its transaction always ends, done or failed. */
	while (wait && d->state == DEL_TAKEN)
		pthread_cond_wait(&sw->del_cv, &sw->del_mtx);
	state = d->state;
	pthread_mutex_unlock(&sw->del_mtx);
	if (state == DEL_QUEUED || state == DEL_TAKEN)
		return 1;
	seq = d->seq;
	n = d->n;
	free(d);
	if (state == DEL_DONE)
		return 0;
	return outbox_each(so, seq, n, 0);
}

static int
sq_outbox_fail(struct wh_outbox_conn *ob, const int64_t *seq, size_t n,
    int64_t failed_at, const char *reason, int attempts)
{
	struct sqlite_outbox	*so = (struct sqlite_outbox *)ob;

	sqlite3_bind_int64(so->st_fail, 2, failed_at);
	sqlite3_bind_text(so->st_fail, 3, reason, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(so->st_fail, 4, attempts);
	return outbox_each(so, seq, n, 1);
}

static int
sq_outbox_failed(struct warehouse *wh, const char *dest_id, int64_t count,
    void (*fn)(void *, const struct wh_failed_row *), void *arg, char *err,
    size_t errlen)
{
	struct sqlite_wh	*sw = (struct sqlite_wh *)wh;
	struct wh_failed_row	 r;
	sqlite3_stmt		*st;
	int			 rc;

	if ((st = sq_reader_prepare(sw, "SELECT message_id, pipeline_id, "
	    "queued_at, failed_at, attempts, reason FROM "
	    "krenalis_outbox_failed WHERE destination_id = ? ORDER BY "
	    "failed_at DESC, rowid DESC LIMIT ?", err, errlen)) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, dest_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, count);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		r.message_id = (const char *)sqlite3_column_text(st, 0);
		r.pipeline_id = (const char *)sqlite3_column_text(st, 1);
		r.queued_at = sqlite3_column_int64(st, 2);
		r.failed_at = sqlite3_column_int64(st, 3);
		r.attempts = sqlite3_column_int64(st, 4);
		r.reason = (const char *)sqlite3_column_text(st, 5);
		fn(arg, &r);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		snprintf(err, errlen, "%s", sqlite3_errmsg(sw->ro));
		return -1;
	}
	return 0;
}

static int
sq_outbox_oldest(struct warehouse *wh, const char *dest_id, int64_t *at,
    char *err, size_t errlen)
{
	struct sqlite_wh	*sw = (struct sqlite_wh *)wh;
	sqlite3_stmt		*st;
	int			 rc;

	if ((st = sq_reader_prepare(sw, "SELECT queued_at FROM "
	    "krenalis_outbox WHERE destination_id = ? ORDER BY seq LIMIT 1",
	    err, errlen)) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, dest_id, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	*at = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		snprintf(err, errlen, "%s", sqlite3_errmsg(sw->ro));
		return -1;
	}
	return 0;
}

/*
 * The failed rows go back in their order of failure, at the end of the
 * queue, with a new queue time so that maxAge counts from now.  Their
 * seqs follow the last one given, which the write lock holds still.
 */
static int
sq_outbox_requeue(struct warehouse *wh, const char *dest_id, int64_t now,
    int64_t *n, char *err, size_t errlen)
{
	struct sqlite_wh	*sw = (struct sqlite_wh *)wh;
	sqlite3_stmt		*st = NULL, *del = NULL;
	int			 ok;

	pthread_mutex_lock(&sw->probe_mtx);
	ok = sqlite3_exec(sw->probe, "BEGIN IMMEDIATE", NULL, NULL,
	    NULL) == SQLITE_OK &&
	    sqlite3_prepare_v2(sw->probe, "INSERT INTO krenalis_outbox "
	    "(seq, destination_id, pipeline_id, queued_at, message_id, event) "
	    "SELECT ?3 + row_number() OVER (ORDER BY failed_at, rowid), "
	    "destination_id, pipeline_id, ?2, message_id, event FROM "
	    "krenalis_outbox_failed WHERE destination_id = ?1", -1, &st,
	    NULL) == SQLITE_OK &&
	    sqlite3_prepare_v2(sw->probe, "DELETE FROM krenalis_outbox_failed "
	    "WHERE destination_id = ?", -1, &del, NULL) == SQLITE_OK &&
	    sqlite3_bind_text(st, 1, dest_id, -1, SQLITE_STATIC) ==
	    SQLITE_OK && sqlite3_bind_int64(st, 2, now) == SQLITE_OK &&
	    sqlite3_bind_int64(st, 3, atomic_load(&sw->outbox_seq)) ==
	    SQLITE_OK &&
	    sqlite3_bind_text(del, 1, dest_id, -1, SQLITE_STATIC) ==
	    SQLITE_OK && sqlite3_step(st) == SQLITE_DONE;
	if (ok) {
		*n = sqlite3_changes(sw->probe);
		atomic_fetch_add(&sw->outbox_seq, *n);
	}
	ok = ok && sqlite3_step(del) == SQLITE_DONE &&
	    sqlite3_exec(sw->probe, "COMMIT", NULL, NULL, NULL) == SQLITE_OK;
	if (!ok) {
		snprintf(err, errlen, "%s", sqlite3_errmsg(sw->probe));
		sqlite3_exec(sw->probe, "ROLLBACK", NULL, NULL, NULL);
	}
	sqlite3_finalize(st);
	sqlite3_finalize(del);
	pthread_mutex_unlock(&sw->probe_mtx);
	return ok ? 0 : -1;
}

const struct wh_engine wh_sqlite = {
	.name = "sqlite",
	.exists = sq_exists,
	.open = sq_open,
	.close = sq_close,
	.ensure_schema = sq_ensure_schema,
	.present = sq_present,
	.probe = sq_probe,
	.rejects_range = sq_rejects_range,
	.rejects = sq_rejects,
	.outbox_drop = sq_outbox_drop,
	.session_new = sq_session_new,
	.session_free = sq_session_free,
	.error = sq_error,
	.begin = sq_begin,
	.reject = sq_reject,
	.add = sq_add,
	.prefetch = sq_prefetch,
	.outbox_add = sq_outbox_add,
	.commit = sq_commit,
	.rollback = sq_rollback,
	.outbox_open = sq_outbox_open,
	.outbox_close = sq_outbox_close,
	.outbox_error = sq_outbox_error,
	.outbox_count = sq_outbox_count,
	.outbox_next = sq_outbox_next,
	.outbox_delete = sq_outbox_delete,
	.outbox_deleted = sq_outbox_deleted,
	.outbox_fail = sq_outbox_fail,
	.outbox_failed = sq_outbox_failed,
	.outbox_oldest = sq_outbox_oldest,
	.outbox_requeue = sq_outbox_requeue,
};
