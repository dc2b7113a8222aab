/*
 * The catalog's rows in DATA_DIR/state.db: an SQLite database in WAL mode
 * with the tables sources, write_keys, pipelines, destinations and meta;
 * see cat_store.h.  Only this daemon writes it, so a change needs no more
 * than a transaction, and the version is always 0.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "compat.h"
#include "xmalloc.h"
#include "cat_sqlite.h"
#include "cat_store.h"

#define USAGE_FLUSH_MS	60000		/* spec/pipelines.md §3 */
#define MAX_COLUMNS	14

struct cat_sqlite {
	struct cat_store	 store;		/* first: the store is this */
	sqlite3			*db;
};

static const char schema[] =
	"CREATE TABLE IF NOT EXISTS sources ("
	" id TEXT PRIMARY KEY,"
	" name TEXT NOT NULL UNIQUE,"
	" connector TEXT NOT NULL,"
	" strategy TEXT,"
	" created_at INTEGER NOT NULL);"
	"CREATE TABLE IF NOT EXISTS write_keys ("
	" key TEXT PRIMARY KEY,"
	" source TEXT NOT NULL REFERENCES sources(id) ON DELETE CASCADE,"
	" created_at INTEGER NOT NULL,"
	" last_used_at INTEGER);"
	"CREATE TABLE IF NOT EXISTS pipelines ("
	" id TEXT PRIMARY KEY,"
	" source TEXT NOT NULL REFERENCES sources(id) ON DELETE CASCADE,"
	" name TEXT NOT NULL,"
	" enabled INTEGER NOT NULL,"
	" filter TEXT,"
	" consents TEXT,"
	" created_at INTEGER NOT NULL);"
	"CREATE TABLE IF NOT EXISTS meta ("
	" name TEXT PRIMARY KEY,"
	" value TEXT NOT NULL);"
	"CREATE TABLE IF NOT EXISTS destinations ("
	" id TEXT PRIMARY KEY,"
	" name TEXT NOT NULL UNIQUE,"
	" connector TEXT NOT NULL,"
	" url TEXT NOT NULL,"
	" headers TEXT NOT NULL,"
	" write_key TEXT,"
	" secret TEXT,"
	" batch_size INTEGER NOT NULL,"
	" timeout INTEGER NOT NULL,"
	" max_in_flight INTEGER NOT NULL,"
	" max_age INTEGER NOT NULL,"
	" gzip INTEGER NOT NULL,"
	" enabled INTEGER NOT NULL,"
	" created_at INTEGER NOT NULL);";

/*
 * The statements of enum cat_stmt.  Text bound to an INTEGER column is
 * stored as an integer (SQLite's type affinity).
 */
static const struct {
	const char	*sql;
	int		 nparams;
} stmts[CAT_NSTMTS] = {
	[CAT_SOURCE_INSERT] = { "INSERT INTO sources VALUES (?, ?, ?, ?, ?)",
	    5 },
	[CAT_SOURCE_RENAME] = { "UPDATE sources SET name = ? WHERE id = ?",
	    2 },
	[CAT_SOURCE_DELETE] = { "DELETE FROM sources WHERE id = ?", 1 },
	[CAT_KEY_INSERT] = { "INSERT INTO write_keys VALUES (?, ?, ?, ?)", 4 },
	[CAT_KEY_DELETE] = { "DELETE FROM write_keys WHERE key = ?", 1 },
	[CAT_KEY_USED] = { "UPDATE write_keys SET last_used_at = ? WHERE "
	    "key = ?", 2 },
	[CAT_PIPELINE_INSERT] = { "INSERT INTO pipelines (id, source, name, "
	    "enabled, filter, consents, created_at, destination) VALUES (?, ?, "
	    "?, ?, ?, ?, ?, ?)", 8 },
	[CAT_PIPELINE_SET] = { "UPDATE pipelines SET name = ?, filter = ?, "
	    "consents = ?, destination = ? WHERE id = ?", 5 },
	[CAT_PIPELINE_ENABLE] = { "UPDATE pipelines SET enabled = ? WHERE "
	    "id = ?", 2 },
	[CAT_PIPELINE_DELETE] = { "DELETE FROM pipelines WHERE id = ?", 1 },
	[CAT_DEST_INSERT] = { "INSERT INTO destinations VALUES (?1, ?2, ?3, "
	    "?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)", 14 },
	[CAT_DEST_UPDATE] = { "UPDATE destinations SET name = ?2, connector = "
	    "?3, url = ?4, headers = ?5, write_key = ?6, secret = ?7, "
	    "batch_size = ?8, timeout = ?9, max_in_flight = ?10, max_age = "
	    "?11, gzip = ?12, enabled = ?13, created_at = ?14 WHERE id = ?1",
	    14 },
	[CAT_DEST_DELETE] = { "DELETE FROM destinations WHERE id = ?", 1 },
	[CAT_WAREHOUSE_SET] = { "INSERT INTO meta (name, value) VALUES "
	    "('warehouse', ?) ON CONFLICT (name) DO UPDATE SET value = "
	    "excluded.value", 1 },
};

/* The queries of enum cat_rows. */
static const char *const loads[] = {
	[CAT_ROWS_SOURCES] = "SELECT id, name, connector, strategy, "
	    "created_at FROM sources ORDER BY rowid",
	[CAT_ROWS_KEYS] = "SELECT key, source, created_at, last_used_at FROM "
	    "write_keys ORDER BY rowid",
	[CAT_ROWS_DESTINATIONS] = "SELECT id, name, connector, url, headers, "
	    "write_key, secret, batch_size, timeout, max_in_flight, max_age, "
	    "gzip, enabled, created_at FROM destinations ORDER BY rowid",
	[CAT_ROWS_PIPELINES] = "SELECT id, source, name, enabled, created_at, "
	    "filter, consents, destination FROM pipelines ORDER BY rowid",
	[CAT_ROWS_WAREHOUSE] = "SELECT value FROM meta WHERE name = "
	    "'warehouse'"
};

/* The database's last error as the store's, CAT_ERROR. */
static int
sq_error(struct cat_sqlite *sq)
{
	strlcpy(sq->store.err, sqlite3_errmsg(sq->db), sizeof(sq->store.err));
	return CAT_ERROR;
}

static int
sq_run(struct cat_sqlite *sq, const char *sql)
{
	return sqlite3_exec(sq->db, sql, NULL, NULL, NULL) == SQLITE_OK ? 0 :
	    sq_error(sq);
}

static int
sq_begin(struct cat_store *st, int change, int64_t *version)
{
	(void)change;
	if (version != NULL)
		*version = 0;
	return sq_run((struct cat_sqlite *)st, "BEGIN IMMEDIATE");
}

static int
sq_exec(struct cat_store *st, enum cat_stmt which, const char *const *params)
{
	struct cat_sqlite	*sq = (struct cat_sqlite *)st;
	sqlite3_stmt		*s;
	int			 i, rc;

	if (sqlite3_prepare_v2(sq->db, stmts[which].sql, -1, &s, NULL) !=
	    SQLITE_OK)
		return sq_error(sq);
	for (i = 0; i < stmts[which].nparams; i++)
		if (params[i] == NULL)
			sqlite3_bind_null(s, i + 1);
		else
			sqlite3_bind_text(s, i + 1, params[i], -1,
			    SQLITE_STATIC);
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? 0 : sq_error(sq);
}

/*
 * A failed COMMIT leaves its message in the store's err for the caller
 * to report, before the rollback.
 */
static int
sq_commit(struct cat_store *st, int change, int64_t *version)
{
	(void)change;
	if (version != NULL)
		*version = 0;
	return sq_run((struct cat_sqlite *)st, "COMMIT");
}

/* End a failed transaction, if SQLite has not already ended it. */
static void
sq_rollback(struct cat_store *st)
{
	struct cat_sqlite	*sq = (struct cat_sqlite *)st;

	if (!sqlite3_get_autocommit(sq->db))
		sqlite3_exec(sq->db, "ROLLBACK", NULL, NULL, NULL);
}

static int
sq_load(struct cat_store *st, void (*row)(void *, enum cat_rows,
    const char *const *), void *arg, int64_t *version)
{
	struct cat_sqlite	*sq = (struct cat_sqlite *)st;
	sqlite3_stmt		*s;
	const char		*vals[MAX_COLUMNS];
	size_t			 k;
	int			 i, n, rc;

	*version = 0;
	for (k = 0; k < sizeof(loads) / sizeof(loads[0]); k++) {
		if (sqlite3_prepare_v2(sq->db, loads[k], -1, &s, NULL) !=
		    SQLITE_OK)
			return sq_error(sq);
		n = sqlite3_column_count(s);
		while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
			for (i = 0; i < n; i++)
				vals[i] = (const char *)sqlite3_column_text(s,
				    i);
			row(arg, (enum cat_rows)k, vals);
		}
		sqlite3_finalize(s);
		if (rc != SQLITE_DONE)
			return sq_error(sq);
	}
	return 0;
}

/*
 * Whether the pipelines table has the destination column: a state.db made
 * before destinations lacks it.  -1 on an error.
 */
static int
has_dest_column(sqlite3 *db)
{
	sqlite3_stmt	*s;
	int		 found = 0;

	if (sqlite3_prepare_v2(db, "PRAGMA table_info(pipelines)", -1, &s,
	    NULL) != SQLITE_OK)
		return -1;
	while (sqlite3_step(s) == SQLITE_ROW)
		if (strcmp((const char *)sqlite3_column_text(s, 1),
		    "destination") == 0)
			found = 1;
	sqlite3_finalize(s);
	return found;
}

static void
sq_close(struct cat_store *st)
{
	struct cat_sqlite	*sq = (struct cat_sqlite *)st;

	sqlite3_close(sq->db);
	free(sq);
}

static const struct cat_store_ops sqlite_ops = {
	sq_begin, sq_exec, sq_commit, sq_rollback, sq_load, NULL, NULL,
	sq_close
};

struct cat_store *
cat_sqlite_open(const char *path, char *err, size_t errlen)
{
	struct cat_sqlite	*sq = xcalloc(1, sizeof(*sq));
	int			 has;

	sq->store.ops = &sqlite_ops;
	sq->store.usage_flush_ms = USAGE_FLUSH_MS;
	if (sqlite3_open_v2(path, &sq->db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE, NULL) != SQLITE_OK)
		goto fail;
	sqlite3_busy_timeout(sq->db, 5000);
	if (sqlite3_exec(sq->db, "PRAGMA journal_mode=WAL;"
	    "PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;", NULL, NULL,
	    NULL) != SQLITE_OK ||
	    sqlite3_exec(sq->db, schema, NULL, NULL, NULL) != SQLITE_OK ||
	    (has = has_dest_column(sq->db)) == -1)
		goto fail;
	if (!has && sqlite3_exec(sq->db, "ALTER TABLE pipelines ADD COLUMN "
	    "destination TEXT REFERENCES destinations(id) ON DELETE CASCADE",
	    NULL, NULL, NULL) != SQLITE_OK)
		goto fail;
	return &sq->store;
fail:
	snprintf(err, errlen, "%s: %s", path, sq->db ?
	    sqlite3_errmsg(sq->db) : "cannot open");
	sqlite3_close(sq->db);
	free(sq);
	return NULL;
}
