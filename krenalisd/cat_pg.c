/*
 * The catalog's rows in PostgreSQL (spec/postgresql.md §5): the tables
 * krenalis_sources, krenalis_write_keys, krenalis_pipelines,
 * krenalis_destinations and the one row of krenalis_catalog, shared by
 * every node on the database; see cat_store.h.  It also makes
 * krenalis_nodes, which node.c writes.
 *
 * A change locks the row of krenalis_catalog first: the changes of all
 * nodes happen one after the other, each checked on the catalog the one
 * before it left, so that two nodes cannot break its rules together.  It
 * then bumps the version and sends it with NOTIFY krenalis_catalog, which
 * this connection listens to.  A lost connection is made again, after a
 * backoff, and the catalog is then read again.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "compat.h"
#include "log.h"
#include "timestamp.h"
#include "xmalloc.h"
#include "cat_pg.h"
#include "cat_store.h"
#include "pg.h"

#define USAGE_FLUSH_MS	10000		/* spec/postgresql.md §5.4 */
#define RELOAD_MS	30000		/* §5.2: read it again this often */
#define BACKOFF_MIN_MS	100
#define BACKOFF_MAX_MS	5000
#define MAX_COLUMNS	14

struct cat_pg {
	struct cat_store	 store;		/* first: the store is this */
	char			*conninfo;
	int			 timeout;	/* s */
	PGconn			*conn;		/* NULL while down */
	int			 in_tx;
	int			 reload;	/* connected again: read it */
	int			 down_said;	/* the loss was logged */
	int64_t			 loaded_at;
	int64_t			 retry_at;
	int64_t			 backoff;
};

/*
 * Made at a connection when one is missing, under the lock that keeps
 * nodes starting together from racing (spec/postgresql.md §2).  The seq
 * columns keep the order of creation, as SQLite's rowid does.  Each table
 * is in schema_rels below: one left out would never be made where the
 * others exist.
 */
static const char schema[] =
	"SET client_min_messages TO warning;"
	"BEGIN;"
	"SELECT pg_advisory_xact_lock(hashtext('krenalis schema'));"
	"CREATE TABLE IF NOT EXISTS krenalis_catalog ("
	" one boolean PRIMARY KEY DEFAULT true CHECK (one),"
	" version bigint NOT NULL,"
	" warehouse text);"
	"CREATE TABLE IF NOT EXISTS krenalis_sources ("
	" seq bigint GENERATED ALWAYS AS IDENTITY,"
	" id text PRIMARY KEY,"
	" name text NOT NULL UNIQUE,"
	" connector text NOT NULL,"
	" strategy text,"
	" created_at bigint NOT NULL);"
	"CREATE TABLE IF NOT EXISTS krenalis_write_keys ("
	" seq bigint GENERATED ALWAYS AS IDENTITY,"
	" key text PRIMARY KEY,"
	" source text NOT NULL REFERENCES krenalis_sources(id)"
	"  ON DELETE CASCADE,"
	" created_at bigint NOT NULL,"
	" last_used_at bigint);"
	"CREATE TABLE IF NOT EXISTS krenalis_destinations ("
	" seq bigint GENERATED ALWAYS AS IDENTITY,"
	" id text PRIMARY KEY,"
	" name text NOT NULL UNIQUE,"
	" connector text NOT NULL,"
	" url text NOT NULL,"
	" headers json NOT NULL,"
	" write_key text,"
	" secret text,"
	" batch_size integer NOT NULL,"
	" timeout integer NOT NULL,"
	" max_in_flight integer NOT NULL,"
	" max_age bigint NOT NULL,"
	" gzip boolean NOT NULL,"
	" enabled boolean NOT NULL,"
	" created_at bigint NOT NULL);"
	"CREATE TABLE IF NOT EXISTS krenalis_pipelines ("
	" seq bigint GENERATED ALWAYS AS IDENTITY,"
	" id text PRIMARY KEY,"
	" source text NOT NULL REFERENCES krenalis_sources(id)"
	"  ON DELETE CASCADE,"
	" name text NOT NULL,"
	" enabled boolean NOT NULL,"
	" filter json,"
	" consents json,"
	" created_at bigint NOT NULL,"
	" destination text REFERENCES krenalis_destinations(id)"
	"  ON DELETE CASCADE);"
	"CREATE TABLE IF NOT EXISTS krenalis_nodes ("
	" id text PRIMARY KEY,"
	" host text NOT NULL,"
	" listen text NOT NULL,"
	" public_url text,"
	" version text NOT NULL,"
	" pid integer NOT NULL,"
	" started_at timestamptz NOT NULL,"
	" seen_at timestamptz NOT NULL,"
	" received bigint NOT NULL,"
	" stored bigint NOT NULL,"
	" rejected bigint NOT NULL,"
	" duplicates bigint NOT NULL,"
	" received_per_second double precision NOT NULL,"
	" stored_per_second double precision NOT NULL);"
	"COMMIT;";

/* The tables of schema, and what each connection does after it. */
static const char *const schema_rels[] = {
	"krenalis_catalog", "krenalis_sources", "krenalis_write_keys",
	"krenalis_destinations", "krenalis_pipelines", "krenalis_nodes", NULL
};
static const char *const no_types[] = { NULL };
static const char connected[] =
	"INSERT INTO krenalis_catalog (version) VALUES (0) "
	" ON CONFLICT DO NOTHING;"
	"LISTEN krenalis_catalog;";

/*
 * A table that exists is checked, never altered (spec/postgresql.md §2):
 * the first column of the DDL above that is missing or of another type.
 */
static const char check_sql[] =
	"SELECT e.t, e.c, e.ty, format_type(a.atttypid, a.atttypmod)"
	" FROM (VALUES"
	"  (1, 'krenalis_catalog', 'version', 'bigint'),"
	"  (2, 'krenalis_catalog', 'warehouse', 'text'),"
	"  (3, 'krenalis_sources', 'seq', 'bigint'),"
	"  (4, 'krenalis_sources', 'id', 'text'),"
	"  (5, 'krenalis_sources', 'name', 'text'),"
	"  (6, 'krenalis_sources', 'connector', 'text'),"
	"  (7, 'krenalis_sources', 'strategy', 'text'),"
	"  (8, 'krenalis_sources', 'created_at', 'bigint'),"
	"  (9, 'krenalis_write_keys', 'seq', 'bigint'),"
	"  (10, 'krenalis_write_keys', 'key', 'text'),"
	"  (11, 'krenalis_write_keys', 'source', 'text'),"
	"  (12, 'krenalis_write_keys', 'created_at', 'bigint'),"
	"  (13, 'krenalis_write_keys', 'last_used_at', 'bigint'),"
	"  (14, 'krenalis_pipelines', 'seq', 'bigint'),"
	"  (15, 'krenalis_pipelines', 'id', 'text'),"
	"  (16, 'krenalis_pipelines', 'source', 'text'),"
	"  (17, 'krenalis_pipelines', 'name', 'text'),"
	"  (18, 'krenalis_pipelines', 'enabled', 'boolean'),"
	"  (19, 'krenalis_pipelines', 'filter', 'json'),"
	"  (20, 'krenalis_pipelines', 'consents', 'json'),"
	"  (21, 'krenalis_pipelines', 'created_at', 'bigint'),"
	"  (22, 'krenalis_nodes', 'id', 'text'),"
	"  (23, 'krenalis_nodes', 'host', 'text'),"
	"  (24, 'krenalis_nodes', 'listen', 'text'),"
	"  (25, 'krenalis_nodes', 'public_url', 'text'),"
	"  (26, 'krenalis_nodes', 'version', 'text'),"
	"  (27, 'krenalis_nodes', 'pid', 'integer'),"
	"  (28, 'krenalis_nodes', 'started_at', 'timestamp with time zone'),"
	"  (29, 'krenalis_nodes', 'seen_at', 'timestamp with time zone'),"
	"  (30, 'krenalis_nodes', 'received', 'bigint'),"
	"  (31, 'krenalis_nodes', 'stored', 'bigint'),"
	"  (32, 'krenalis_nodes', 'rejected', 'bigint'),"
	"  (33, 'krenalis_nodes', 'duplicates', 'bigint'),"
	"  (34, 'krenalis_nodes', 'received_per_second',"
	"   'double precision'),"
	"  (35, 'krenalis_nodes', 'stored_per_second', 'double precision'),"
	"  (36, 'krenalis_pipelines', 'destination', 'text'),"
	"  (37, 'krenalis_destinations', 'seq', 'bigint'),"
	"  (38, 'krenalis_destinations', 'id', 'text'),"
	"  (39, 'krenalis_destinations', 'name', 'text'),"
	"  (40, 'krenalis_destinations', 'connector', 'text'),"
	"  (41, 'krenalis_destinations', 'url', 'text'),"
	"  (42, 'krenalis_destinations', 'headers', 'json'),"
	"  (43, 'krenalis_destinations', 'write_key', 'text'),"
	"  (44, 'krenalis_destinations', 'secret', 'text'),"
	"  (45, 'krenalis_destinations', 'batch_size', 'integer'),"
	"  (46, 'krenalis_destinations', 'timeout', 'integer'),"
	"  (47, 'krenalis_destinations', 'max_in_flight', 'integer'),"
	"  (48, 'krenalis_destinations', 'max_age', 'bigint'),"
	"  (49, 'krenalis_destinations', 'gzip', 'boolean'),"
	"  (50, 'krenalis_destinations', 'enabled', 'boolean'),"
	"  (51, 'krenalis_destinations', 'created_at', 'bigint')"
	" ) AS e(n, t, c, ty) LEFT JOIN pg_attribute a"
	"  ON a.attrelid = to_regclass(e.t) AND a.attname = e.c"
	"  AND a.attnum > 0 AND NOT a.attisdropped"
	" WHERE (NOT $1::boolean OR to_regclass(e.t) IS NOT NULL)"
	" AND (a.attname IS NULL OR format_type(a.atttypid, a.atttypmod) <>"
	"  e.ty) ORDER BY e.n LIMIT 1";

/* The statements of enum cat_stmt. */
static const struct {
	const char	*sql;
	int		 nparams;
} stmts[CAT_NSTMTS] = {
	[CAT_SOURCE_INSERT] = { "INSERT INTO krenalis_sources (id, name, "
	    "connector, strategy, created_at) VALUES ($1, $2, $3, $4, $5)", 5 },
	[CAT_SOURCE_RENAME] = { "UPDATE krenalis_sources SET name = $1 WHERE "
	    "id = $2", 2 },
	[CAT_SOURCE_DELETE] = { "DELETE FROM krenalis_sources WHERE id = $1",
	    1 },
	[CAT_KEY_INSERT] = { "INSERT INTO krenalis_write_keys (key, source, "
	    "created_at, last_used_at) VALUES ($1, $2, $3, $4)", 4 },
	[CAT_KEY_DELETE] = { "DELETE FROM krenalis_write_keys WHERE key = $1",
	    1 },
	/* Another node may have seen a later use: the latest wins. */
	[CAT_KEY_USED] = { "UPDATE krenalis_write_keys SET last_used_at = "
	    "GREATEST(last_used_at, $1::bigint) WHERE key = $2", 2 },
	[CAT_PIPELINE_INSERT] = { "INSERT INTO krenalis_pipelines (id, source, "
	    "name, enabled, filter, consents, created_at, destination) VALUES "
	    "($1, $2, $3, $4, $5, $6, $7, $8)", 8 },
	[CAT_PIPELINE_SET] = { "UPDATE krenalis_pipelines SET name = $1, "
	    "filter = $2, consents = $3, destination = $4 WHERE id = $5", 5 },
	[CAT_PIPELINE_ENABLE] = { "UPDATE krenalis_pipelines SET enabled = $1 "
	    "WHERE id = $2", 2 },
	[CAT_PIPELINE_DELETE] = { "DELETE FROM krenalis_pipelines WHERE "
	    "id = $1", 1 },
	[CAT_DEST_INSERT] = { "INSERT INTO krenalis_destinations (id, name, "
	    "connector, url, headers, write_key, secret, batch_size, timeout, "
	    "max_in_flight, max_age, gzip, enabled, created_at) VALUES ($1, $2, "
	    "$3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)", 14 },
	[CAT_DEST_UPDATE] = { "UPDATE krenalis_destinations SET name = $2, "
	    "connector = $3, url = $4, headers = $5, write_key = $6, secret = "
	    "$7, batch_size = $8, timeout = $9, max_in_flight = $10, max_age = "
	    "$11, gzip = $12, enabled = $13, created_at = $14 WHERE id = $1",
	    14 },
	[CAT_DEST_DELETE] = { "DELETE FROM krenalis_destinations WHERE "
	    "id = $1", 1 },
	[CAT_WAREHOUSE_SET] = { "UPDATE krenalis_catalog SET warehouse = $1",
	    1 },
};

/* The queries of enum cat_rows. */
static const char *const loads[] = {
	[CAT_ROWS_SOURCES] = "SELECT id, name, connector, strategy, "
	    "created_at FROM krenalis_sources ORDER BY seq",
	[CAT_ROWS_KEYS] = "SELECT key, source, created_at, last_used_at FROM "
	    "krenalis_write_keys ORDER BY seq",
	[CAT_ROWS_DESTINATIONS] = "SELECT id, name, connector, url, headers, "
	    "write_key, secret, batch_size, timeout, max_in_flight, max_age, "
	    "gzip::int, enabled::int, created_at FROM krenalis_destinations "
	    "ORDER BY seq",
	[CAT_ROWS_PIPELINES] = "SELECT id, source, name, enabled, created_at, "
	    "filter, consents, destination FROM krenalis_pipelines ORDER BY "
	    "seq",
	[CAT_ROWS_WAREHOUSE] = "SELECT warehouse FROM krenalis_catalog"
};

/* Close a connection found broken; the next use connects again. */
static void
pgc_drop(struct cat_pg *pc)
{
	if (!pc->down_said)
		log_warnx("catalog: lost PostgreSQL: %s", pc->store.err);
	pc->down_said = 1;
	PQfinish(pc->conn);
	pc->conn = NULL;
	pc->in_tx = 0;
	pc->backoff = BACKOFF_MIN_MS;
	pc->retry_at = timestamp_monotonic() + pc->backoff;
}

/*
 * A failed call (res, which is cleared, or the connection): CAT_DOWN when
 * the connection is gone, else CAT_ERROR; the reason in the store's err.
 */
static int
pgc_fail(struct cat_pg *pc, PGresult *res)
{
	pg_error(pc->conn, res, pc->store.err, sizeof(pc->store.err));
	PQclear(res);
	if (PQstatus(pc->conn) == CONNECTION_BAD) {
		pgc_drop(pc);
		return CAT_DOWN;
	}
	return CAT_ERROR;
}

/*
 * Run sql, with nparams text parameters, within pg_timeout: its last
 * result, or NULL with *rc CAT_DOWN (the connection is gone) or CAT_ERROR
 * and the reason in the store's err.  A server that does not answer is
 * cancelled at the deadline, and then cut (pg_run): the control thread,
 * which runs this, never waits longer.
 */
static PGresult *
pgc_query(struct cat_pg *pc, const char *sql, int nparams,
    const char *const *params, int *rc)
{
	PGresult	*res;

	if (pc->conn == NULL) {
		*rc = CAT_DOWN;
		return NULL;
	}
	if ((res = pg_run(pc->conn, sql, nparams, params,
	    pg_deadline(pc->timeout * 1000LL), pc->store.err,
	    sizeof(pc->store.err))) != NULL)
		return res;
	if (PQstatus(pc->conn) == CONNECTION_BAD) {
		pgc_drop(pc);
		*rc = CAT_DOWN;
	} else
		*rc = CAT_ERROR;
	return NULL;
}

/*
 * The catalog's tables cannot be used as they are: the connection is
 * closed, and tried again only after the longest backoff.
 */
static int
pgc_refused(struct cat_pg *pc, int64_t now)
{
	PQfinish(pc->conn);
	pc->conn = NULL;
	pc->retry_at = now + BACKOFF_MAX_MS;
	return CAT_ERROR;
}

/*
 * Whether the tables are as check_sql expects, those that exist only
 * with absent_ok: 0, or -1 with err naming why.
 */
static int
columns_check(PGconn *conn, int absent_ok, int64_t deadline, char *err,
    size_t errlen)
{
	PGresult	*res;
	const char	*param = absent_ok ? "t" : "f";

	if ((res = pg_run(conn, check_sql, 1, &param, deadline, err,
	    errlen)) == NULL)
		return -1;
	if (PQntuples(res) == 0) {
		PQclear(res);
		return 0;
	}
	if (PQgetisnull(res, 0, 3))
		snprintf(err, errlen, "table %s, column \"%s\": expected type "
		    "%s, but there is no such column (krenalisd never alters "
		    "an existing table)", PQgetvalue(res, 0, 0),
		    PQgetvalue(res, 0, 1), PQgetvalue(res, 0, 2));
	else
		snprintf(err, errlen, "table %s, column \"%s\": expected type "
		    "%s, found %s (krenalisd never alters an existing table)",
		    PQgetvalue(res, 0, 0), PQgetvalue(res, 0, 1),
		    PQgetvalue(res, 0, 2), PQgetvalue(res, 0, 3));
	PQclear(res);
	return -1;
}

int
cat_pg_check(PGconn *conn, int64_t deadline, char *err, size_t errlen)
{
	return columns_check(conn, 1, deadline, err, errlen);
}

/*
 * Connect, if not connected and the backoff allows it (or now, when
 * asked): set the timeout of statements, make the tables and listen.  0,
 * CAT_DOWN or CAT_ERROR.
 */
static int
pgc_ready(struct cat_pg *pc, int force)
{
	PGresult	*res;
	char		 sql[64];
	int64_t		 now = timestamp_monotonic();
	int		 missing, rc;

	if (pc->conn != NULL)
		return 0;
	if (now < pc->retry_at && !force)
		return CAT_DOWN;
	if ((pc->conn = pg_connect(pc->conninfo, pc->timeout, pc->store.err,
	    sizeof(pc->store.err))) == NULL) {
		if (!pc->down_said)
			log_warnx("catalog: cannot reach PostgreSQL: %s",
			    pc->store.err);
		pc->down_said = 1;
		pc->backoff = pc->backoff == 0 ? BACKOFF_MIN_MS :
		    pc->backoff * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS :
		    pc->backoff * 2;
		pc->retry_at = now + pc->backoff;
		return CAT_DOWN;
	}
	snprintf(sql, sizeof(sql), "SET statement_timeout = %d",
	    pc->timeout * 1000);
	if ((res = pgc_query(pc, sql, 0, NULL, &rc)) == NULL)
		return rc;
	PQclear(res);
	/*
	 * All there: nothing to create, nor the privilege to ask for.  Each
	 * step has its own pg_timeout, as the blocking ones have.
	 */
	if ((missing = pg_missing(pc->conn, schema_rels, no_types,
	    pg_deadline(pc->timeout * 1000LL), pc->store.err,
	    sizeof(pc->store.err))) == -1) {
		if (PQstatus(pc->conn) == CONNECTION_BAD) {
			pgc_drop(pc);
			return CAT_DOWN;
		}
		return pgc_refused(pc, now);
	}
	res = pgc_query(pc, missing > 0 ? schema : connected, 0, NULL, &rc);
	if (res != NULL && missing > 0) {
		PQclear(res);
		res = pgc_query(pc, connected, 0, NULL, &rc);
	}
	/* Not a table: a start-up error, or down until repaired. */
	if (res == NULL)
		return pc->conn != NULL ? pgc_refused(pc, now) : CAT_ERROR;
	PQclear(res);
	if (columns_check(pc->conn, 0, pg_deadline(pc->timeout * 1000LL),
	    pc->store.err, sizeof(pc->store.err)) != 0)
		return pgc_refused(pc, now);
	if (pc->down_said)
		log_info("catalog: PostgreSQL is back");
	pc->down_said = 0;
	pc->backoff = 0;
	pc->reload = 1;
	return 0;
}

/* Run sql, which returns no rows; 0, CAT_DOWN or CAT_ERROR. */
static int
pgc_run(struct cat_pg *pc, const char *sql)
{
	PGresult	*res;
	int		 rc;

	if ((res = pgc_query(pc, sql, 0, NULL, &rc)) == NULL)
		return rc;
	PQclear(res);
	return 0;
}

/* The one bigint that sql returns, into *v. */
static int
pgc_int(struct cat_pg *pc, const char *sql, int64_t *v)
{
	PGresult	*res;
	int		 rc;

	if ((res = pgc_query(pc, sql, 0, NULL, &rc)) == NULL)
		return rc;
	if (PQntuples(res) != 1)
		return pgc_fail(pc, res);
	*v = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	PQclear(res);
	return 0;
}

static int
pgc_begin(struct cat_store *st, int change, int64_t *version)
{
	struct cat_pg	*pc = (struct cat_pg *)st;
	int		 rc;

	/* A change asked for by an operator does not wait for the backoff. */
	if ((rc = pgc_ready(pc, 1)) != 0 || (rc = pgc_run(pc, "BEGIN")) != 0)
		return rc;
	pc->in_tx = 1;
	if (change && (rc = pgc_int(pc, "SELECT version FROM krenalis_catalog "
	    "FOR UPDATE", version)) != 0)
		return rc;
	return 0;
}

static int
pgc_exec(struct cat_store *st, enum cat_stmt which, const char *const *params)
{
	struct cat_pg	*pc = (struct cat_pg *)st;
	PGresult	*res;
	int		 rc;

	if ((res = pgc_query(pc, stmts[which].sql, stmts[which].nparams,
	    params, &rc)) == NULL)
		return rc;
	PQclear(res);
	return 0;
}

static int
pgc_commit(struct cat_store *st, int change, int64_t *version)
{
	struct cat_pg	*pc = (struct cat_pg *)st;
	PGresult	*res;
	const char	*param[1];
	char		 v[32];
	int		 rc;

	if (change) {
		if ((rc = pgc_int(pc, "UPDATE krenalis_catalog SET version = "
		    "version + 1 RETURNING version", version)) != 0)
			return rc;
		snprintf(v, sizeof(v), "%lld", (long long)*version);
		param[0] = v;
		if ((res = pgc_query(pc, "SELECT pg_notify("
		    "'krenalis_catalog', $1)", 1, param, &rc)) == NULL)
			return rc;
		PQclear(res);
	}
	if ((res = pgc_query(pc, "COMMIT", 0, NULL, &rc)) == NULL)
		return rc;
	if (strcmp(PQcmdStatus(res), "COMMIT") != 0)
		return pgc_fail(pc, res);
	PQclear(res);
	pc->in_tx = 0;
	return 0;
}

static void
pgc_rollback(struct cat_store *st)
{
	struct cat_pg	*pc = (struct cat_pg *)st;

	if (pc->conn != NULL && pc->in_tx)
		pgc_run(pc, "ROLLBACK");
	pc->in_tx = 0;
}

static int
pgc_load(struct cat_store *st, void (*row)(void *, enum cat_rows,
    const char *const *), void *arg, int64_t *version)
{
	struct cat_pg	*pc = (struct cat_pg *)st;
	PGresult	*res;
	const char	*vals[MAX_COLUMNS];
	size_t		 k;
	int		 i, n, r, rc, own;

	if ((rc = pgc_ready(pc, 1)) != 0)
		return rc;
	/* One snapshot of the database for every table. */
	if ((own = !pc->in_tx) && (rc = pgc_run(pc, "BEGIN ISOLATION LEVEL "
	    "REPEATABLE READ READ ONLY")) != 0)
		return rc;
	if ((rc = pgc_int(pc, "SELECT version FROM krenalis_catalog",
	    version)) != 0)
		goto fail;
	for (k = 0; k < sizeof(loads) / sizeof(loads[0]); k++) {
		if ((res = pgc_query(pc, loads[k], 0, NULL, &rc)) == NULL)
			goto fail;
		n = PQnfields(res);
		for (r = 0; r < PQntuples(res); r++) {
			for (i = 0; i < n && i < MAX_COLUMNS; i++)
				vals[i] = PQgetisnull(res, r, i) ? NULL :
				    PQgetvalue(res, r, i);
			row(arg, (enum cat_rows)k, vals);
		}
		PQclear(res);
	}
	if (own && (rc = pgc_run(pc, "COMMIT")) != 0)
		return rc;
	pc->loaded_at = timestamp_monotonic();
	pc->reload = 0;
	return 0;
fail:
	if (own && pc->conn != NULL)
		pgc_run(pc, "ROLLBACK");
	return rc;
}

/* Notifications of a later version, a new connection, or time: reload. */
static int
pgc_wake(struct cat_store *st, int64_t version, int64_t now)
{
	struct cat_pg	*pc = (struct cat_pg *)st;
	PGnotify	*n;
	int		 again = 0;

	if (pgc_ready(pc, 0) != 0)
		return 0;
	if (!PQconsumeInput(pc->conn)) {
		pgc_fail(pc, NULL);
		return 0;
	}
	while ((n = PQnotifies(pc->conn)) != NULL) {
		if (n->extra != NULL && strtoll(n->extra, NULL, 10) > version)
			again = 1;
		PQfreemem(n);
	}
	return again || pc->reload || now - pc->loaded_at >= RELOAD_MS;
}

static int
pgc_fd(struct cat_store *st)
{
	struct cat_pg	*pc = (struct cat_pg *)st;

	return pc->conn != NULL ? PQsocket(pc->conn) : -1;
}

static void
pgc_close(struct cat_store *st)
{
	struct cat_pg	*pc = (struct cat_pg *)st;

	PQfinish(pc->conn);
	free(pc->conninfo);
	free(pc);
}

static const struct cat_store_ops pg_ops = {
	pgc_begin, pgc_exec, pgc_commit, pgc_rollback, pgc_load, pgc_wake,
	pgc_fd, pgc_close
};

struct cat_store *
cat_pg_open(const char *conninfo, int timeout)
{
	struct cat_pg	*pc = xcalloc(1, sizeof(*pc));

	pc->store.ops = &pg_ops;
	pc->store.usage_flush_ms = USAGE_FLUSH_MS;
	pc->conninfo = xstrdup(conninfo);
	pc->timeout = timeout;
	return &pc->store;
}
