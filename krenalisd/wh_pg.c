/*
 * The PostgreSQL engine of the warehouse (spec/postgresql.md §2-4):
 * krenalis_events, its enum types, its index and the events view
 * (spec/events.md §14.3), krenalis_rejected (§15), and the outbox of
 * destination.h, krenalis_outbox and krenalis_outbox_failed
 * (spec/destinations.md §3), in the default schema of a libpq
 * connection.  See warehouse.h.
 *
 * Dedupe is the table's primary key: a transaction's stored rows are
 * copied into a temporary table and inserted with ON CONFLICT
 * (message_id) DO NOTHING, and a row the insert does not return was
 * stored before.  The daemon's own dedupe index is not used.  So the
 * outbox rows of an event wait in the session until its commit has
 * settled whether it is a duplicate, and are then copied in the same
 * transaction.
 *
 * Connections: one per session of the writer (each used by its writer
 * thread), and the warehouse's own, for the schema, the health probe (any
 * HTTP thread) and the quarantine reader (control thread), behind a
 * mutex; and one per sender thread for the outbox (see struct
 * pg_outbox_conn).  Each reconnects when it finds its connection lost, but not
 * before the backoff of §4 (0.1 s doubling to 5 s) has passed since the
 * last failure: until then the warehouse is known to be down and fails
 * at once.  Its state changes are logged, not each failure.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "buf.h"
#include "compat.h"
#include "ids.h"
#include "log.h"
#include "timestamp.h"
#include "xmalloc.h"
#include "config.h"
#include "event.h"
#include "msgids.h"
#include "pg.h"
#include "warehouse.h"
#include "wh_pg.h"

#define BACKOFF_FIRST	100		/* ms */
#define BACKOFF_MOST	5000
#define PROBE_TIMEOUT	2000		/* spec/ingest.md §13.1 */

/* A column of one of the tables: its type as format_type() writes it. */
struct pg_column {
	const char	*name;
	const char	*type;
	const char	*constraint;	/* after the type in the DDL */
};

#define VARCHAR		"character varying"
#define TS3		"timestamp(3) without time zone"
#define NN		" NOT NULL"

/* spec/events.md §14.1, in order. */
static const struct pg_column events_columns[] = {
	{ "kpid", "uuid", "" },
	{ "connection_id", VARCHAR, NN },
	{ "anonymous_id", VARCHAR, NN },
	{ "channel", VARCHAR, "" },
	{ "category", VARCHAR, "" },
	{ "context_app_name", VARCHAR, "" },
	{ "context_app_version", VARCHAR, "" },
	{ "context_app_build", VARCHAR, "" },
	{ "context_app_namespace", VARCHAR, "" },
	{ "context_browser_name", "event_browser_name", "" },
	{ "context_browser_other", VARCHAR, "" },
	{ "context_browser_version", VARCHAR, "" },
	{ "context_campaign_name", VARCHAR, "" },
	{ "context_campaign_source", VARCHAR, "" },
	{ "context_campaign_medium", VARCHAR, "" },
	{ "context_campaign_term", VARCHAR, "" },
	{ "context_campaign_content", VARCHAR, "" },
	{ "context_consents", "jsonb", "" },
	{ "context_device_id", VARCHAR, "" },
	{ "context_device_advertising_id", VARCHAR, "" },
	{ "context_device_ad_tracking_enabled", "boolean", "" },
	{ "context_device_manufacturer", VARCHAR, "" },
	{ "context_device_model", VARCHAR, "" },
	{ "context_device_name", VARCHAR, "" },
	{ "context_device_type", VARCHAR, "" },
	{ "context_device_token", VARCHAR, "" },
	{ "context_ip", "inet", "" },
	{ "context_library_name", VARCHAR, "" },
	{ "context_library_version", VARCHAR, "" },
	{ "context_locale", VARCHAR "(5)", "" },
	{ "context_location_city", VARCHAR, "" },
	{ "context_location_country", VARCHAR, "" },
	{ "context_location_latitude", "double precision", "" },
	{ "context_location_longitude", "double precision", "" },
	{ "context_location_speed", "double precision", "" },
	{ "context_network_bluetooth", "boolean", "" },
	{ "context_network_carrier", VARCHAR, "" },
	{ "context_network_cellular", "boolean", "" },
	{ "context_network_wifi", "boolean", "" },
	{ "context_os_name", "event_os_name", "" },
	{ "context_os_other", VARCHAR, "" },
	{ "context_os_version", VARCHAR, "" },
	{ "context_page_path", VARCHAR, "" },
	{ "context_page_referrer", VARCHAR, "" },
	{ "context_page_search", VARCHAR, "" },
	{ "context_page_title", VARCHAR, "" },
	{ "context_page_url", VARCHAR, "" },
	{ "context_referrer_id", VARCHAR, "" },
	{ "context_referrer_type", VARCHAR, "" },
	{ "context_screen_width", "smallint", "" },
	{ "context_screen_height", "smallint", "" },
	{ "context_screen_density", "numeric(3,2)", "" },
	{ "context_session_id", "bigint", "" },
	{ "context_session_start", "boolean", "" },
	{ "context_timezone", VARCHAR, "" },
	{ "context_user_agent", VARCHAR, "" },
	{ "event", VARCHAR, "" },
	{ "group_id", VARCHAR, "" },
	{ "message_id", VARCHAR, NN },
	{ "name", VARCHAR, "" },
	{ "properties", "jsonb", "" },
	{ "received_at", TS3, NN },
	{ "sent_at", TS3, NN },
	{ "timestamp", TS3, NN },
	{ "traits", "jsonb", NN },
	{ "type", "event_type", NN },
	{ "previous_id", VARCHAR, "" },
	{ "user_id", VARCHAR, "" },
};

/*
 * §15, and an id that grows with each row, which the quarantine is read
 * by (warehouse_rejects).
 */
static const struct pg_column rejected_columns[] = {
	{ "received_at", TS3, NN },
	{ "connection_id", VARCHAR, NN },
	{ "request_id", VARCHAR, NN },
	{ "batch_index", "integer", NN },
	{ "message_id", VARCHAR, "" },
	{ "error", VARCHAR, NN },
	{ "raw", "text", NN },
	{ "id", "bigint", " GENERATED ALWAYS AS IDENTITY" },
};

/*
 * The outbox: seq grows with each row, so it is the order of queueing
 * (of commit, but for transactions of several writers that overlap).  A
 * row that failed keeps its seq, which is 0 for one never queued ("queue
 * full").  claimed_by is NULL for a row no sender holds, else the claim
 * of the connection that holds it: its node id, a space and a token
 * (see struct pg_outbox_conn), made at claimed_at.
 */
static const struct pg_column outbox_columns[] = {
	{ "seq", "bigint", " GENERATED ALWAYS AS IDENTITY" },
	{ "destination_id", "text", NN },
	{ "pipeline_id", "text", NN },
	{ "queued_at", "bigint", NN },
	{ "message_id", "text", NN },
	{ "event", "text", NN },
	{ "claimed_by", "text", "" },
	{ "claimed_at", "timestamp with time zone", "" },
};

static const struct pg_column outbox_failed_columns[] = {
	{ "seq", "bigint", NN },
	{ "destination_id", "text", NN },
	{ "pipeline_id", "text", NN },
	{ "queued_at", "bigint", NN },
	{ "message_id", "text", NN },
	{ "event", "text", NN },
	{ "failed_at", "bigint", NN },
	{ "reason", "text", NN },
	{ "attempts", "integer", NN },
};

#define NEVENTS		(sizeof(events_columns) / sizeof(events_columns[0]))
#define NREJECTED	(sizeof(rejected_columns) / sizeof(rejected_columns[0]))
#define NOUTBOX		(sizeof(outbox_columns) / sizeof(outbox_columns[0]))
#define NOUTBOX_FAILED	(sizeof(outbox_failed_columns) / \
			    sizeof(outbox_failed_columns[0]))

/*
 * A type is made when none of its name is visible on the search_path:
 * one of another schema that is not (another installation's) does not
 * count, one that is (as in public, with a,public) serves.
 */
#define TYPE_MISSING(name)						\
"    IF to_regtype('" name "') IS NULL THEN\n"

static const char enums_sql[] =
"DO $$\n"
"BEGIN\n"
TYPE_MISSING("event_os_name")
"        CREATE TYPE event_os_name AS ENUM ('Android', 'Windows', 'iOS', "
"'macOS', 'Linux', 'Chrome OS', 'Other');\n"
"    END IF;\n"
TYPE_MISSING("event_browser_name")
"        CREATE TYPE event_browser_name AS ENUM ('Chrome', 'Safari', "
"'Edge', 'Firefox', 'Samsung Internet', 'Opera', 'Other');\n"
"    END IF;\n"
TYPE_MISSING("event_type")
"        CREATE TYPE event_type AS ENUM ('alias', 'identify', 'group', "
"'page', 'screen', 'track');\n"
"    END IF;\n"
"END$$";

/*
 * What wh_pg_schema creates: the statements above and table_sql's.  One
 * left out would never be made where the others exist.
 */
static const char *const schema_rels[] = {
	"krenalis_events", "krenalis_rejected", "krenalis_outbox",
	"krenalis_outbox_failed", "krenalis_events_received_at", "events",
	"krenalis_rejected_received_at", "krenalis_outbox_destination",
	"krenalis_outbox_claimed", "krenalis_outbox_failed_destination", NULL
};
static const char *const schema_types[] = {
	"event_os_name", "event_browser_name", "event_type", NULL
};

/*
 * ON CONFLICT (message_id) needs a unique index of that column alone,
 * which the primary key of events.md §14.3 is.  The table's absence
 * is the first column.
 */
static const char key_sql[] =
"SELECT to_regclass('krenalis_events') IS NULL, EXISTS (SELECT FROM "
"pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND "
"a.attnum = i.indkey[0] WHERE i.indrelid = to_regclass('krenalis_events') "
"AND i.indisunique AND i.indimmediate AND i.indisvalid AND "
"i.indnkeyatts = 1 AND i.indpred IS NULL AND i.indexprs IS NULL AND "
"a.attname = 'message_id')";

/* Each relation made here and by table_sql is in schema_rels below. */
static const char indexes_sql[] =
"CREATE INDEX IF NOT EXISTS \"krenalis_events_received_at\" "
"ON krenalis_events (\"received_at\");\n"
"CREATE OR REPLACE VIEW events AS SELECT * FROM krenalis_events;\n"
"CREATE INDEX IF NOT EXISTS \"krenalis_rejected_received_at\" "
"ON krenalis_rejected (\"received_at\");\n"
"CREATE INDEX IF NOT EXISTS \"krenalis_outbox_destination\" "
"ON krenalis_outbox (\"destination_id\", \"seq\");\n"
"CREATE INDEX IF NOT EXISTS \"krenalis_outbox_claimed\" "
"ON krenalis_outbox (\"claimed_by\") WHERE \"claimed_by\" IS NOT NULL;\n"
"CREATE INDEX IF NOT EXISTS \"krenalis_outbox_failed_destination\" "
"ON krenalis_outbox_failed (\"destination_id\", \"failed_at\")";

static const char columns_sql[] =
"SELECT a.attname, format_type(a.atttypid, a.atttypmod) "
"FROM pg_attribute a WHERE a.attrelid = to_regclass($1) "
"AND a.attnum > 0 AND NOT a.attisdropped";

struct pg_wh {
	struct warehouse	 wh;		/* first: see warehouse.h */
	char			*conninfo;
	char			*where;		/* pg_describe's */
	int			 timeout;	/* pg_timeout, seconds */

	pthread_mutex_t		 mtx;		/* guards conn */
	PGconn			*conn;		/* the warehouse's own */

	pthread_mutex_t		 state_mtx;	/* guards what follows */
	char			 reason[512];	/* of the last failure */
	int64_t			 delay;		/* the backoff, ms */
	int64_t			 retry_at;	/* no connection before */
	_Atomic int		 down;		/* known unreachable */
	_Atomic int		 schema;	/* ensured */
};

/* The deadline of a statement begun now: pg_timeout. */
static int64_t
pw_deadline(const struct pg_wh *pw)
{
	return pg_deadline(pw->timeout * 1000LL);
}

/* A message id whose outcome the commit settles. */
struct pg_pending {
	const char	*id;
	enum outcome	*outcome;
};

/* An outbox row, copied unless its event's outcome becomes duplicate. */
struct pg_outbox {
	struct wh_outbox	 row;
	const enum outcome	*outcome;
};

struct pg_session {
	struct wh_session	 s;		/* first: see warehouse.h */
	PGconn			*conn;
	struct buf		 rows;		/* COPY text of the stored rows */
	struct buf		 rejects;	/* and of krenalis_rejected's */
	struct pg_pending	*stored;	/* the rows, in order */
	size_t			 nstored;
	size_t			 capstored;
	struct pg_pending	*lookups;	/* events that nothing stores */
	size_t			 nlookups;
	size_t			 caplookups;
	struct msgids		 seen;		/* the stored rows' ids */
	struct pg_outbox	*outbox;	/* in order */
	size_t			 noutbox;
	size_t			 capoutbox;
	char			*copy_sql;
	char			*insert_sql;
	int64_t			 since;		/* see warehouse_begin */
	char			 err[512];
};

/* Append s (len bytes) to b as a value of COPY's text format. */
static void
copy_text(struct buf *b, const char *s, size_t len)
{
	const char	*e = s + len, *p;

	buf_reserve(b, len);
	while (s < e) {
		for (p = s; p < e && *p != '\\' && *p != '\n' && *p != '\r' &&
		    *p != '\t'; p++)
			;
		buf_add(b, s, p - s);
		if (p == e)
			break;
		buf_addc(b, '\\');
		buf_addc(b, *p == '\n' ? 'n' : *p == '\r' ? 'r' :
		    *p == '\t' ? 't' : '\\');
		s = p + 1;
	}
}

/*
 * Append the JSON text s to b as copy_text does, without its \u0000
 * escapes, which jsonb cannot hold (spec/events.md §14.1).
 */
static void
copy_json(struct buf *b, const char *s, size_t len)
{
	const char	*e = s + len, *p = s;

	while (p < e) {
		if (*p != '\\') {
			p++;
			continue;
		}
		if (e - p >= 6 && memcmp(p, "\\u0000", 6) == 0) {
			copy_text(b, s, p - s);
			p += 6;
			s = p;
			continue;
		}
		p += e - p >= 2 ? 2 : 1;
	}
	copy_text(b, s, e - s);
}

/* Which of the event's columns are jsonb, from events_columns, once. */
static unsigned char	json_column[EVENT_NCOLUMNS];
static pthread_once_t	json_column_once = PTHREAD_ONCE_INIT;

static void
json_column_init(void)
{
	int	i;

	for (i = 0; i < EVENT_NCOLUMNS; i++)
		json_column[i] = strcmp(events_columns[i + 1].type,
		    "jsonb") == 0;
}

/* Append the columns after kpid of the valid event ev as a COPY line. */
void
wh_pg_copy_event(struct buf *b, const struct event *ev)
{
	struct event_col	 cols[EVENT_NCOLUMNS], *c;
	char			 num[32];
	int			 i;

	pthread_once(&json_column_once, json_column_init);
	event_columns(ev, cols);
	for (i = 0; i < EVENT_NCOLUMNS; i++) {
		c = &cols[i];
		if (i > 0)
			buf_addc(b, '\t');
		switch (c->type) {
		case EVENT_COL_NULL:
			buf_add(b, "\\N", 2);
			break;
		case EVENT_COL_TEXT:
			if (json_column[i])
				copy_json(b, c->v.s, c->len);
			else
				copy_text(b, c->v.s, c->len);
			break;
		case EVENT_COL_INT:
			/* A boolean takes 1 and 0 as well. */
			snprintf(num, sizeof(num), "%lld", (long long)c->v.i);
			buf_adds(b, num);
			break;
		case EVENT_COL_REAL:
			snprintf(num, sizeof(num), "%.17g", c->v.f);
			buf_adds(b, num);
			break;
		}
	}
	buf_addc(b, '\n');
}

/* Append the columns of table to b, quoted and separated by commas. */
static void
column_list(struct buf *b, const struct pg_column *cols, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		if (i > 0)
			buf_addc(b, ',');
		buf_addc(b, '"');
		buf_adds(b, cols[i].name);
		buf_addc(b, '"');
	}
}

char *
wh_pg_insert_sql(void)
{
	struct buf	b;

	buf_init(&b);
	buf_adds(&b, "INSERT INTO krenalis_events (");
	column_list(&b, events_columns + 1, NEVENTS - 1);
	buf_adds(&b, ") SELECT ");
	column_list(&b, events_columns + 1, NEVENTS - 1);
	buf_adds(&b, " FROM krenalis_tmp ON CONFLICT (\"message_id\") DO "
	    "NOTHING RETURNING \"message_id\"");
	return buf_finish(&b);
}

char *
wh_pg_copy_sql(const char *table)
{
	struct buf	b;

	buf_init(&b);
	buf_adds(&b, "COPY ");
	buf_adds(&b, table);
	buf_adds(&b, " (");
	column_list(&b, events_columns + 1, NEVENTS - 1);
	buf_adds(&b, ") FROM STDIN");
	return buf_finish(&b);
}

/*
 * CREATE TABLE IF NOT EXISTS name with its columns and its primary key,
 * if key is not NULL.
 */
static void
table_sql(struct buf *b, const char *name, const struct pg_column *cols,
    size_t n, const char *key)
{
	size_t	i;

	buf_adds(b, "CREATE TABLE IF NOT EXISTS ");
	buf_adds(b, name);
	buf_adds(b, " (");
	for (i = 0; i < n; i++) {
		buf_adds(b, i > 0 ? ",\n    \"" : "\n    \"");
		buf_adds(b, cols[i].name);
		buf_adds(b, "\" ");
		buf_adds(b, cols[i].type);
		buf_adds(b, cols[i].constraint);
	}
	if (key != NULL) {
		buf_adds(b, ",\n    PRIMARY KEY (");
		buf_adds(b, key);
		buf_addc(b, ')');
	}
	buf_adds(b, "\n);\n");
}

/*
 * Whether the columns of table name are cols: each of them, of its type;
 * -1 with err naming the first that is not.  With absent_ok, a table
 * that does not exist is as it should be.
 */
static int
table_check(PGconn *conn, const char *name, const struct pg_column *cols,
    size_t n, int absent_ok, int64_t deadline, char *err, size_t errlen)
{
	PGresult	*res, *absent;
	const char	*found;
	size_t		 i;
	int		 row, rc = 0;

	if ((res = pg_run(conn, columns_sql, 1, &name, deadline, err,
	    errlen)) == NULL)
		return -1;
	/* No column: no table, or one of none, which is checked below. */
	if (absent_ok && PQntuples(res) == 0) {
		if ((absent = pg_run(conn, "SELECT to_regclass($1) IS NULL", 1,
		    &name, deadline, err, errlen)) == NULL) {
			PQclear(res);
			return -1;
		}
		rc = strcmp(PQgetvalue(absent, 0, 0), "t") == 0;
		PQclear(absent);
		if (rc) {
			PQclear(res);
			return 0;
		}
	}
	for (i = 0; i < n && rc == 0; i++) {
		found = NULL;
		for (row = 0; row < PQntuples(res); row++)
			if (strcmp(PQgetvalue(res, row, 0), cols[i].name) == 0)
				found = PQgetvalue(res, row, 1);
		if (found != NULL && strcmp(found, cols[i].type) == 0)
			continue;
		if (found == NULL)
			snprintf(err, errlen, "table %s, column \"%s\": "
			    "expected type %s, but there is no such column "
			    "(krenalisd never alters an existing table)",
			    name, cols[i].name, cols[i].type);
		else
			snprintf(err, errlen, "table %s, column \"%s\": "
			    "expected type %s, found %s (krenalisd never "
			    "alters an existing table)", name, cols[i].name,
			    cols[i].type, found);
		rc = -1;
	}
	PQclear(res);
	return rc;
}

/*
 * The outbox is krenalisd's own queue, not a table of the warehouse's
 * users (postgresql.md §2 keeps those as they are): one made by a
 * version that did not claim its rows gains the claim's columns, NULL in
 * every row (no sender holds them).  Only then, for ALTER TABLE locks the
 * table even when it has nothing to do.  Clears res, the result of the
 * statement before.
 */
static int
outbox_claims(PGconn *conn, PGresult *res, int64_t deadline, char *err,
    size_t errlen)
{
	int	missing;

	PQclear(res);
	if ((res = pg_run(conn, "SELECT count(*) FROM pg_attribute WHERE "
	    "attrelid = to_regclass('krenalis_outbox') AND attname IN "
	    "('claimed_by', 'claimed_at') AND NOT attisdropped", 0, NULL,
	    deadline, err, errlen)) == NULL)
		return -1;
	missing = strcmp(PQgetvalue(res, 0, 0), "2") != 0;
	PQclear(res);
	if (!missing)
		return 0;
	if ((res = pg_run(conn, "ALTER TABLE krenalis_outbox ADD COLUMN IF "
	    "NOT EXISTS \"claimed_by\" text, ADD COLUMN IF NOT EXISTS "
	    "\"claimed_at\" timestamp with time zone", 0, NULL, deadline, err,
	    errlen)) == NULL)
		return -1;
	PQclear(res);
	return 0;
}

/*
 * Whether krenalis_events has its primary key (or a unique index that
 * serves as one); with absent_ok, a table that does not exist has.
 */
static int
key_check(PGconn *conn, int absent_ok, int64_t deadline, char *err,
    size_t errlen)
{
	PGresult	*res;
	int		 rc = 0;

	if ((res = pg_run(conn, key_sql, 0, NULL, deadline, err,
	    errlen)) == NULL)
		return -1;
	if (!(absent_ok && strcmp(PQgetvalue(res, 0, 0), "t") == 0) &&
	    strcmp(PQgetvalue(res, 0, 1), "t") != 0) {
		snprintf(err, errlen, "table krenalis_events: no primary key "
		    "on \"message_id\", which finds the duplicates (krenalisd "
		    "never alters an existing table)");
		rc = -1;
	}
	PQclear(res);
	return rc;
}

/* table_check of each of the warehouse's tables, and key_check. */
static int
tables_check(PGconn *conn, int absent_ok, int64_t deadline, char *err,
    size_t errlen)
{
	static const struct {
		const char		*name;
		const struct pg_column	*cols;
		size_t			 n;
	} tables[] = {
		{ "krenalis_events", events_columns, NEVENTS },
		{ "krenalis_rejected", rejected_columns, NREJECTED },
		{ "krenalis_outbox", outbox_columns, NOUTBOX },
		{ "krenalis_outbox_failed", outbox_failed_columns,
		    NOUTBOX_FAILED },
	};
	size_t	i;

	for (i = 0; i < sizeof(tables) / sizeof(tables[0]); i++)
		if (table_check(conn, tables[i].name, tables[i].cols,
		    tables[i].n, absent_ok, deadline, err, errlen) == -1)
			return -1;
	return key_check(conn, absent_ok, deadline, err, errlen);
}

int
wh_pg_check(PGconn *conn, int64_t deadline, char *err, size_t errlen)
{
	return tables_check(conn, 1, deadline, err, errlen);
}

int
wh_pg_schema(PGconn *conn, int64_t deadline, char *err, size_t errlen)
{
	PGresult	*res;
	struct buf	 b;
	int		 rc = -1, missing;

	/* All there: nothing to create, nor the privilege to ask for. */
	if ((missing = pg_missing(conn, schema_rels, schema_types, deadline,
	    err, errlen)) == -1)
		return -1;
	if (missing == 0)
		return outbox_claims(conn, NULL, deadline, err, errlen) == -1 ||
		    tables_check(conn, 0, deadline, err, errlen) == -1 ? -1 : 0;
	buf_init(&b);
	buf_adds(&b, "BEGIN;\nSELECT pg_advisory_xact_lock(hashtext("
	    "'krenalis schema'));\n");
	buf_adds(&b, enums_sql);
	buf_adds(&b, ";\n");
	table_sql(&b, "krenalis_events", events_columns, NEVENTS,
	    "\"message_id\"");
	table_sql(&b, "krenalis_rejected", rejected_columns, NREJECTED,
	    "\"request_id\", \"batch_index\"");
	table_sql(&b, "krenalis_outbox", outbox_columns, NOUTBOX, "\"seq\"");
	table_sql(&b, "krenalis_outbox_failed", outbox_failed_columns,
	    NOUTBOX_FAILED, NULL);
	if ((res = pg_run(conn, b.p, 0, NULL, deadline, err, errlen)) == NULL ||
	    outbox_claims(conn, res, deadline, err, errlen) == -1)
		goto out;
	/* Checked before the index and view, which name columns. */
	if (tables_check(conn, 0, deadline, err, errlen) == -1 ||
	    (res = pg_run(conn, indexes_sql, 0, NULL, deadline, err,
	    errlen)) == NULL)
		goto out;
	PQclear(res);
	if ((res = pg_run(conn, "COMMIT", 0, NULL, deadline, err,
	    errlen)) == NULL)
		goto out;
	PQclear(res);
	rc = 0;
out:
	buf_release(&b);
	if (rc == -1 && PQtransactionStatus(conn) != PQTRANS_IDLE &&
	    (res = pg_run(conn, "ROLLBACK", 0, NULL, deadline, err,
	    errlen)) != NULL)
		PQclear(res);
	return rc;
}

/* A failure on a connection: the reason shown until a success. */
static void
state_failed(struct pg_wh *pw, const char *why)
{
	pthread_mutex_lock(&pw->state_mtx);
	strlcpy(pw->reason, why, sizeof(pw->reason));
	pthread_mutex_unlock(&pw->state_mtx);
}

/*
 * No connection could be made, or one was lost: the warehouse is down
 * until the backoff has passed and a connection is made again.  Logged
 * when it goes down, not at each failure.
 */
static void
state_lost(struct pg_wh *pw, const char *why)
{
	pthread_mutex_lock(&pw->state_mtx);
	strlcpy(pw->reason, why, sizeof(pw->reason));
	if (!atomic_load(&pw->down)) {
		atomic_store(&pw->down, 1);
		pw->delay = BACKOFF_FIRST;
		log_warnx("store: warehouse postgresql %s is unavailable: %s",
		    pw->where, why);
	} else if ((pw->delay *= 2) > BACKOFF_MOST)
		pw->delay = BACKOFF_MOST;
	pw->retry_at = timestamp_monotonic() + pw->delay;
	pthread_mutex_unlock(&pw->state_mtx);
}

/* A success: the warehouse is up again, which is logged. */
static void
state_up(struct pg_wh *pw)
{
	pthread_mutex_lock(&pw->state_mtx);
	pw->reason[0] = '\0';
	if (atomic_load(&pw->down)) {
		atomic_store(&pw->down, 0);
		log_info("store: warehouse postgresql %s is available again",
		    pw->where);
	}
	pthread_mutex_unlock(&pw->state_mtx);
}

/* Whether a connection may be tried now; -1 with the reason when not. */
static int
state_may_connect(struct pg_wh *pw, char *err, size_t errlen)
{
	int	rc = 0;

	if (!atomic_load(&pw->down))
		return 0;
	pthread_mutex_lock(&pw->state_mtx);
	if (timestamp_monotonic() < pw->retry_at) {
		strlcpy(err, pw->reason, errlen);
		rc = -1;
	}
	pthread_mutex_unlock(&pw->state_mtx);
	return rc;
}

/*
 * A new connection, with the write path's statement_timeout and the
 * schema ensured, and with tmp the writer's temporary table, made by
 * deadline; NULL with err.  The warehouse is then down when no connection
 * could be made or it was lost, and only failed otherwise (a statement of
 * the set-up failed, as one waiting on a lock past pg_timeout).
 */
static PGconn *
conn_open(struct pg_wh *pw, int tmp, int64_t deadline, char *err,
    size_t errlen)
{
	PGconn		*conn;
	PGresult	*res;
	char		 sql[256];
	int64_t		 left = deadline - timestamp_monotonic();

	if (state_may_connect(pw, err, errlen) == -1)
		return NULL;
	/* libpq counts whole seconds (and takes 1 for 2). */
	if ((conn = pg_connect(pw->conninfo, left <= 1000 ? 1 :
	    (int)((left + 999) / 1000), err, errlen)) == NULL)
		goto fail;
	snprintf(sql, sizeof(sql), "SET statement_timeout = %d",
	    pw->timeout * 1000);
	if ((res = pg_run(conn, sql, 0, NULL, deadline, err,
	    errlen)) == NULL)
		goto fail;
	PQclear(res);
	if (!atomic_load(&pw->schema)) {
		if (wh_pg_schema(conn, deadline, err, errlen) == -1)
			goto fail;
		atomic_store(&pw->schema, 1);
	}
	if (tmp) {
		if ((res = pg_run(conn, "CREATE TEMPORARY TABLE krenalis_tmp "
		    "(LIKE krenalis_events) ON COMMIT DELETE ROWS", 0, NULL,
		    deadline, err, errlen)) == NULL)
			goto fail;
		PQclear(res);
	}
	state_up(pw);
	return conn;
fail:
	if (conn != NULL && PQstatus(conn) != CONNECTION_BAD)
		state_failed(pw, err);
	else
		state_lost(pw, err);
	PQfinish(conn);
	return NULL;
}

/*
 * After a failure on conn: a lost connection is closed (set to NULL) and
 * the warehouse is down; otherwise the reason is kept.
 */
static void
conn_failed(struct pg_wh *pw, PGconn **conn, const char *why)
{
	if (PQstatus(*conn) == CONNECTION_BAD) {
		PQfinish(*conn);
		*conn = NULL;
		state_lost(pw, why);
	} else
		state_failed(pw, why);
}

/*
 * Run sql on *conn, made first when there is none (with tmp, with the
 * writer's temporary table); NULL with err, after conn_failed.  With
 * tries 2, a connection made before and found lost is made again once,
 * and sql run again, while deadline has not passed: the server may have
 * restarted since it was last used.  conn_run does so: only statements
 * that may run twice go there.
 */
static PGresult *
conn_run_tries(struct pg_wh *pw, PGconn **conn, int tmp, int tries,
    const char *sql, int nparams, const char *const *params,
    int64_t deadline, char *err, size_t errlen)
{
	PGresult	*res;
	int		 fresh, try;

	if (state_may_connect(pw, err, errlen) == -1)
		return NULL;
	for (try = 0; try < tries; try++) {
		fresh = *conn == NULL;
		if (fresh && (*conn = conn_open(pw, tmp, deadline, err,
		    errlen)) == NULL)
			return NULL;
		if ((res = pg_run(*conn, sql, nparams, params, deadline, err,
		    errlen)) != NULL)
			return res;
		/* Made again only within the time of the first try. */
		if (fresh || PQstatus(*conn) != CONNECTION_BAD ||
		    timestamp_monotonic() >= deadline)
			break;
		PQfinish(*conn);
		*conn = NULL;
	}
	conn_failed(pw, conn, err);
	return NULL;
}

static PGresult *
conn_run(struct pg_wh *pw, PGconn **conn, int tmp, const char *sql,
    int nparams, const char *const *params, int64_t deadline, char *err,
    size_t errlen)
{
	return conn_run_tries(pw, conn, tmp, 2, sql, nparams, params,
	    deadline, err, errlen);
}

static int
pg_exists(const struct config *cf)
{
	return 1;
}

static void
pg_close(struct warehouse *wh)
{
	struct pg_wh	*pw = (struct pg_wh *)wh;

	PQfinish(pw->conn);
	pthread_mutex_destroy(&pw->mtx);
	pthread_mutex_destroy(&pw->state_mtx);
	free(pw->conninfo);
	free(pw->where);
	free(pw);
}

/*
 * The server need not be up: a daemon started while it is down serves,
 * and answers 503 until it is (§4).
 */
static struct warehouse *
pg_open(const struct config *cf, char *err, size_t errlen)
{
	struct pg_wh	*pw = xcalloc(1, sizeof(*pw));
	char		 why[512];

	pw->conninfo = xstrdup(cf->warehouse);
	pw->where = pg_describe(cf->warehouse);
	pw->timeout = (int)cf->pg_timeout;
	pthread_mutex_init(&pw->mtx, NULL);
	pthread_mutex_init(&pw->state_mtx, NULL);
	if ((pw->conn = pg_connect(pw->conninfo, pw->timeout, why,
	    sizeof(why))) == NULL)
		state_lost(pw, why);
	return &pw->wh;
}

/*
 * A table of the wrong columns is an error; a server that cannot be
 * reached is not, and the schema is then ensured on the first connection.
 */
static int
pg_ensure_schema(struct warehouse *wh, char *err, size_t errlen)
{
	struct pg_wh	*pw = (struct pg_wh *)wh;
	char		 why[512];

	if (pw->conn == NULL)
		return 0;
	if (wh_pg_schema(pw->conn, pw_deadline(pw),
	    why, sizeof(why)) == 0) {
		atomic_store(&pw->schema, 1);
		return 0;
	}
	if (PQstatus(pw->conn) != CONNECTION_BAD) {
		snprintf(err, errlen, "%s", why);
		return -1;
	}
	conn_failed(pw, &pw->conn, why);
	return 0;
}

static int
pg_present(struct warehouse *wh)
{
	return 1;
}

/*
 * A transaction that really commits: one that is given an id writes a
 * commit record, which the server flushes as any commit.
 */
static int
pg_probe(struct warehouse *wh)
{
	struct pg_wh	*pw = (struct pg_wh *)wh;
	PGresult	*res;
	char		 err[512];

	pthread_mutex_lock(&pw->mtx);
	res = conn_run(pw, &pw->conn, 0, "BEGIN; SET LOCAL statement_timeout "
	    "= 2000; SELECT pg_current_xact_id(); COMMIT", 0, NULL,
	    pg_deadline(PROBE_TIMEOUT), err, sizeof(err));
	if (res != NULL)
		state_up(pw);
	pthread_mutex_unlock(&pw->mtx);
	PQclear(res);
	return res != NULL;
}

/* Run a query of the quarantine reader; NULL with err. */
static PGresult *
reader_run(struct pg_wh *pw, const char *sql, int nparams,
    const char *const *params, char *err, size_t errlen)
{
	PGresult	*res;

	pthread_mutex_lock(&pw->mtx);
	res = conn_run(pw, &pw->conn, 0, sql, nparams, params,
	    pw_deadline(pw), err, errlen);
	pthread_mutex_unlock(&pw->mtx);
	return res;
}

static int
pg_rejects_range(struct warehouse *wh, const char *source_id, int64_t count,
    int64_t *after, int64_t *until, char *err, size_t errlen)
{
	struct pg_wh	*pw = (struct pg_wh *)wh;
	PGresult	*res;
	char		 n[32];
	const char	*params[2] = { source_id, n };

	snprintf(n, sizeof(n), "%lld", (long long)count);
	res = reader_run(pw, "SELECT (SELECT min(id) FROM (SELECT id FROM "
	    "krenalis_rejected WHERE $1::text IS NULL OR connection_id = $1 "
	    "ORDER BY id DESC LIMIT $2::bigint) t), (SELECT coalesce(max(id), "
	    "0) FROM krenalis_rejected)", 2, params, err, errlen);
	if (res == NULL)
		return -1;
	*until = strtoll(PQgetvalue(res, 0, 1), NULL, 10);
	*after = PQgetisnull(res, 0, 0) ? *until :
	    strtoll(PQgetvalue(res, 0, 0), NULL, 10) - 1;
	PQclear(res);
	return 0;
}

static int
pg_rejects(struct warehouse *wh, const char *source_id, int64_t after,
    int64_t until, int64_t count, void (*fn)(void *, const struct wh_reject *),
    void *arg, char *err, size_t errlen)
{
	struct pg_wh		*pw = (struct pg_wh *)wh;
	struct wh_reject	 r;
	PGresult		*res;
	char			 n[3][32];
	const char		*params[4] = { source_id, n[0], n[1], n[2] };
	int			 i;

	snprintf(n[0], sizeof(n[0]), "%lld", (long long)after);
	snprintf(n[1], sizeof(n[1]), "%lld", (long long)until);
	snprintf(n[2], sizeof(n[2]), "%lld", (long long)count);
	res = reader_run(pw, "SELECT id, to_char(received_at, "
	    "'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'), connection_id, request_id, "
	    "batch_index, message_id, error, raw FROM krenalis_rejected "
	    "WHERE id > $2::bigint AND id <= $3::bigint AND ($1::text IS NULL "
	    "OR connection_id = $1) ORDER BY id LIMIT $4::bigint", 4, params,
	    err, errlen);
	if (res == NULL)
		return -1;
	for (i = 0; i < PQntuples(res); i++) {
		r.id = strtoll(PQgetvalue(res, i, 0), NULL, 10);
		r.received_at = PQgetvalue(res, i, 1);
		r.connection_id = PQgetvalue(res, i, 2);
		r.request_id = PQgetvalue(res, i, 3);
		r.index = strtoll(PQgetvalue(res, i, 4), NULL, 10);
		r.message_id = PQgetisnull(res, i, 5) ? NULL :
		    PQgetvalue(res, i, 5);
		r.error = PQgetvalue(res, i, 6);
		r.raw = PQgetvalue(res, i, 7);
		r.rawlen = PQgetlength(res, i, 7);
		fn(arg, &r);
	}
	PQclear(res);
	return 0;
}

/*
 * Both tables in one statement, so in one transaction, on the
 * warehouse's own connection.  Only while the shared catalog has no such
 * destination: a node's sender drops the rows of a destination it does
 * not know (drop_removed in sender.c), and another node may have just
 * made it.
 */
static int
pg_outbox_drop(struct warehouse *wh, const char *destination_id,
    int64_t *dropped, char *err, size_t errlen)
{
	PGresult	*res;

	res = reader_run((struct pg_wh *)wh, "WITH d AS (SELECT NOT EXISTS "
	    "(SELECT 1 FROM krenalis_destinations WHERE id = $1) AS gone), "
	    "q AS (DELETE FROM krenalis_outbox WHERE destination_id = $1 AND "
	    "(SELECT gone FROM d) RETURNING 1), f AS (DELETE FROM "
	    "krenalis_outbox_failed WHERE destination_id = $1 AND (SELECT "
	    "gone FROM d)) SELECT count(*) FROM q", 1, &destination_id, err,
	    errlen);
	if (res == NULL)
		return -1;
	*dropped = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	PQclear(res);
	return 0;
}

/* Forget the open transaction's rows. */
static void
session_clear(struct pg_session *ps)
{
	ps->rows.len = 0;
	ps->rejects.len = 0;
	ps->nstored = 0;
	ps->nlookups = 0;
	ps->noutbox = 0;
	msgids_clear(&ps->seen);
}

static void
pgs_free(struct wh_session *s)
{
	struct pg_session	*ps = (struct pg_session *)s;

	PQfinish(ps->conn);
	buf_release(&ps->rows);
	buf_release(&ps->rejects);
	free(ps->stored);
	free(ps->lookups);
	free(ps->outbox);
	msgids_release(&ps->seen);
	free(ps->copy_sql);
	free(ps->insert_sql);
	free(ps);
}

/* The session connects when it first commits. */
static struct wh_session *
pgs_new(struct warehouse *wh, char *err, size_t errlen)
{
	struct pg_session	*ps = xcalloc(1, sizeof(*ps));

	buf_init(&ps->rows);
	buf_init(&ps->rejects);
	ps->copy_sql = wh_pg_copy_sql("krenalis_tmp");
	ps->insert_sql = wh_pg_insert_sql();
	return &ps->s;
}

static const char *
pgs_error(struct wh_session *s)
{
	return ((struct pg_session *)s)->err;
}

/* Fails at once while the warehouse is known to be down (§4). */
static int
pgs_begin(struct wh_session *s, int64_t since)
{
	struct pg_session	*ps = (struct pg_session *)s;

	session_clear(ps);
	ps->since = since;
	return state_may_connect((struct pg_wh *)s->wh, ps->err,
	    sizeof(ps->err));
}

/* Append the column s (NULL: SQL NULL) of len bytes, then end. */
static void
copy_column(struct buf *b, const char *s, size_t len, char end)
{
	if (s != NULL)
		copy_text(b, s, len);
	else
		buf_add(b, "\\N", 2);
	buf_addc(b, end);
}

static int
pgs_reject(struct wh_session *s, const struct wh_reject *r)
{
	struct buf	*b = &((struct pg_session *)s)->rejects;
	char		 num[32];

	snprintf(num, sizeof(num), "%lld", (long long)r->index);
	copy_column(b, r->received_at, strlen(r->received_at), '\t');
	copy_column(b, r->connection_id, strlen(r->connection_id), '\t');
	copy_column(b, r->request_id, strlen(r->request_id), '\t');
	copy_column(b, num, strlen(num), '\t');
	copy_column(b, r->message_id, r->message_id != NULL ?
	    strlen(r->message_id) : 0, '\t');
	copy_column(b, r->error, strlen(r->error), '\t');
	copy_column(b, r->raw != NULL ? r->raw : "", r->raw != NULL ?
	    r->rawlen : 0, '\n');
	return 0;
}

/* Append id and outcome to the array *a of *n (room for *cap). */
static void
pending_add(struct pg_pending **a, size_t *n, size_t *cap, const char *id,
    enum outcome *outcome)
{
	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 256;
		*a = xreallocarray(*a, *cap, sizeof(**a));
	}
	(*a)[*n].id = id;
	(*a)[*n].outcome = outcome;
	(*n)++;
}

/*
 * §3.1: a messageId stored earlier in the transaction is a duplicate at
 * once.  The others are settled by the commit: a stored row by the
 * insert, an event that nothing stores by a lookup.
 */
static int
pgs_add(struct wh_session *s, const struct event *ev, int store,
    enum outcome *outcome)
{
	struct pg_session	*ps = (struct pg_session *)s;

	if (msgids_has(&ps->seen, ev->message_id)) {
		*outcome = OUTCOME_DUPLICATE;
		return 0;
	}
	if (!store) {
		pending_add(&ps->lookups, &ps->nlookups, &ps->caplookups,
		    ev->message_id, outcome);
		return 0;
	}
	msgids_add(&ps->seen, ev->message_id);
	pending_add(&ps->stored, &ps->nstored, &ps->capstored, ev->message_id,
	    outcome);
	wh_pg_copy_event(&ps->rows, ev);
	return 0;
}

/*
 * Kept until the commit, which copies the rows of an event that is not a
 * duplicate then.  An event that nothing stores takes no id, in the
 * transaction or after it.
 */
static int
pgs_outbox_add(struct wh_session *s, const enum outcome *outcome,
    const struct wh_outbox *rows, size_t n)
{
	struct pg_session	*ps = (struct pg_session *)s;
	size_t			 i;

	for (i = 0; i < n; i++) {
		if (ps->noutbox == ps->capoutbox) {
			ps->capoutbox = ps->capoutbox ? ps->capoutbox * 2 : 64;
			ps->outbox = xreallocarray(ps->outbox, ps->capoutbox,
			    sizeof(*ps->outbox));
		}
		ps->outbox[ps->noutbox].row = rows[i];
		ps->outbox[ps->noutbox++].outcome = outcome;
	}
	return 0;
}

/* Run sql on the session's connection; NULL with ps->err. */
static PGresult *
session_run(struct pg_session *ps, const char *sql, int nparams,
    const char *const *params, int64_t deadline)
{
	return pg_run(ps->conn, sql, nparams, params, deadline, ps->err,
	    sizeof(ps->err));
}

/*
 * The events that nothing stores and whose messageId is stored already
 * are duplicates (pipelines.md §5 step 3).  Looked up before this
 * transaction's rows are inserted, as their turn came before.
 */
static int
settle_lookups(struct pg_session *ps, int64_t deadline)
{
	struct msgids	 found;
	PGresult	*res;
	struct buf	 b;
	const char	*param;
	size_t		 i;
	int		 row;

	buf_init(&b);
	for (i = 0; i < ps->nlookups; i++)
		pg_array_add(&b, ps->lookups[i].id);
	pg_array_end(&b);
	param = b.p;
	res = session_run(ps, "SELECT message_id FROM krenalis_events WHERE "
	    "message_id = ANY ($1::character varying[])", 1, &param, deadline);
	buf_release(&b);
	if (res == NULL)
		return -1;
	memset(&found, 0, sizeof(found));
	for (row = 0; row < PQntuples(res); row++)
		msgids_add(&found, PQgetvalue(res, row, 0));
	for (i = 0; i < ps->nlookups; i++)
		if (msgids_has(&found, ps->lookups[i].id))
			*ps->lookups[i].outcome = OUTCOME_DUPLICATE;
	msgids_release(&found);
	PQclear(res);
	return 0;
}

/*
 * §3.2: the rows go to the temporary table, and from there to
 * krenalis_events; a row the insert does not return was stored before,
 * by this daemon or another.
 */
static int
insert_rows(struct pg_session *ps, int64_t deadline)
{
	struct msgids	 inserted;
	PGresult	*res;
	size_t		 i;
	int		 row;

	if ((res = session_run(ps, ps->copy_sql, 0, NULL, deadline)) == NULL)
		return -1;
	PQclear(res);
	if (pg_copy(ps->conn, ps->rows.p, ps->rows.len, deadline, ps->err,
	    sizeof(ps->err)) == -1 ||
	    (res = session_run(ps, ps->insert_sql, 0, NULL,
	    deadline)) == NULL)
		return -1;
	memset(&inserted, 0, sizeof(inserted));
	for (row = 0; row < PQntuples(res); row++)
		msgids_add(&inserted, PQgetvalue(res, row, 0));
	for (i = 0; i < ps->nstored; i++)
		if (!msgids_has(&inserted, ps->stored[i].id))
			*ps->stored[i].outcome = OUTCOME_DUPLICATE;
	msgids_release(&inserted);
	PQclear(res);
	return 0;
}

/* §3.3: the rejects, in the same transaction. */
static int
insert_rejects(struct pg_session *ps, int64_t deadline)
{
	PGresult	*res;

	if ((res = session_run(ps, "COPY krenalis_rejected (received_at, "
	    "connection_id, request_id, batch_index, message_id, error, raw) "
	    "FROM STDIN", 0, NULL, deadline)) == NULL)
		return -1;
	PQclear(res);
	return pg_copy(ps->conn, ps->rejects.p, ps->rejects.len, deadline,
	    ps->err, sizeof(ps->err));
}

/*
 * The outbox rows of the events that the lookups and the insert did not
 * settle as duplicates: queued ones, then failed ones, each a COPY.
 */
static int
insert_outbox(struct pg_session *ps, int64_t deadline)
{
	const struct wh_outbox	*o;
	PGresult		*res;
	struct buf		 b[2];
	char			 num[32];
	size_t			 i;
	int			 k, rc = 0;
	static const char *const sql[2] = {
		"COPY krenalis_outbox (destination_id, pipeline_id, "
		    "queued_at, message_id, event) FROM STDIN",
		"COPY krenalis_outbox_failed (seq, destination_id, "
		    "pipeline_id, queued_at, message_id, event, failed_at, "
		    "reason, attempts) FROM STDIN"
	};

	buf_init(&b[0]);
	buf_init(&b[1]);
	for (i = 0; i < ps->noutbox; i++) {
		if (*ps->outbox[i].outcome == OUTCOME_DUPLICATE)
			continue;
		o = &ps->outbox[i].row;
		k = o->failed != NULL;
		if (k)
			buf_adds(&b[1], "0\t");
		snprintf(num, sizeof(num), "%lld", (long long)o->queued_at);
		copy_column(&b[k], o->destination_id,
		    strlen(o->destination_id), '\t');
		copy_column(&b[k], o->pipeline_id, strlen(o->pipeline_id),
		    '\t');
		copy_column(&b[k], num, strlen(num), '\t');
		copy_column(&b[k], o->message_id, strlen(o->message_id), '\t');
		copy_column(&b[k], o->event, o->eventlen, k ? '\t' : '\n');
		if (k) {
			copy_column(&b[1], num, strlen(num), '\t');
			copy_column(&b[1], o->failed, strlen(o->failed), '\t');
			buf_adds(&b[1], "0\n");
		}
	}
	for (k = 0; k < 2 && rc == 0; k++) {
		if (b[k].len == 0)
			continue;
		if ((res = session_run(ps, sql[k], 0, NULL, deadline)) == NULL)
			rc = -1;
		else {
			PQclear(res);
			rc = pg_copy(ps->conn, b[k].p, b[k].len, deadline,
			    ps->err, sizeof(ps->err));
		}
	}
	buf_release(&b[0]);
	buf_release(&b[1]);
	return rc;
}

/*
 * The whole transaction is sent here, where it must end within
 * pg_timeout of when its first request began to wait: BEGIN, the
 * lookups, the rows, the outbox, the rejects, COMMIT (§3).  A group
 * that waited that long for a writer connection fails without being
 * sent.
 */
static int
pgs_commit(struct wh_session *s)
{
	struct pg_session	*ps = (struct pg_session *)s;
	struct pg_wh		*pw = (struct pg_wh *)s->wh;
	PGresult		*res;
	int64_t			 deadline;

	deadline = ps->since + pw->timeout * 1000LL;
	if (deadline <= timestamp_monotonic()) {
		snprintf(ps->err, sizeof(ps->err), "no commit within "
		    "pg_timeout (%d s): its requests waited that long for a "
		    "writer connection", pw->timeout);
		return -1;
	}
	if ((res = conn_run(pw, &ps->conn, 1, "BEGIN", 0, NULL, deadline,
	    ps->err, sizeof(ps->err))) == NULL)
		return -1;
	PQclear(res);
	if ((ps->nlookups > 0 && settle_lookups(ps, deadline) == -1) ||
	    (ps->nstored > 0 && insert_rows(ps, deadline) == -1) ||
	    (ps->noutbox > 0 && insert_outbox(ps, deadline) == -1) ||
	    (ps->rejects.len > 0 && insert_rejects(ps, deadline) == -1))
		goto fail;
	if ((res = session_run(ps, "COMMIT", 0, NULL, deadline)) == NULL) {
		/*
		 * A COMMIT that ended after its cancel committed locally, but
		 * did not wait for the synchronous standbys the server is set
		 * to wait for: no 200 for it.
		 */
		if (strncmp(ps->err, PG_LATE, strlen(PG_LATE)) == 0) {
			s->kept = 1;
			snprintf(ps->err, sizeof(ps->err), "no commit within "
			    "pg_timeout (%d s): the COMMIT was cancelled, yet "
			    "PostgreSQL committed it locally, without the "
			    "synchronous standbys it waits for", pw->timeout);
		}
		goto fail;
	}
	PQclear(res);
	state_up(pw);
	return 0;
fail:
	if (ps->conn != NULL)
		conn_failed(pw, &ps->conn, ps->err);
	return -1;
}

/*
 * A transaction that failed on a connection still open is rolled back;
 * one whose connection was lost is rolled back by the server.
 */
static void
pgs_rollback(struct wh_session *s)
{
	struct pg_session	*ps = (struct pg_session *)s;
	struct pg_wh		*pw = (struct pg_wh *)s->wh;
	PGresult		*res;
	char			 err[512];

	session_clear(ps);
	if (ps->conn == NULL || PQtransactionStatus(ps->conn) == PQTRANS_IDLE)
		return;
	res = pg_run(ps->conn, "ROLLBACK", 0, NULL,
	    pw_deadline(pw), err, sizeof(err));
	if (res == NULL)
		conn_failed(pw, &ps->conn, err);
	PQclear(res);
}

static int
pg_down(struct warehouse *wh)
{
	struct pg_wh	*pw = (struct pg_wh *)wh;
	char		 err[8];

	return state_may_connect(pw, err, sizeof(err)) == -1;
}

static void
pg_why(struct warehouse *wh, char *buf, size_t len)
{
	struct pg_wh	*pw = (struct pg_wh *)wh;

	pthread_mutex_lock(&pw->state_mtx);
	snprintf(buf, len, "warehouse is unavailable: %s", pw->reason[0] ?
	    pw->reason : "its last commit failed");
	pthread_mutex_unlock(&pw->state_mtx);
}

static char *
pg_describe_state(struct warehouse *wh)
{
	struct pg_wh	*pw = (struct pg_wh *)wh;
	char		*s;
	int		 ok = warehouse_writable(wh);

	pthread_mutex_lock(&pw->state_mtx);
	if (ok)
		xasprintf(&s, "postgresql %s (healthy)", pw->where);
	else
		xasprintf(&s, "postgresql %s (unavailable: %s)", pw->where,
		    pw->reason[0] ? pw->reason : "its last commit failed");
	pthread_mutex_unlock(&pw->state_mtx);
	return s;
}

/*
 * A sender thread's connection to the outbox (spec/destinations.md §3:
 * several nodes share the delivery work).  The rows it holds carry its
 * claim, "<node> <token>", the token drawn when it is opened, and the
 * claim's time.  Rows claimed under another token of the same node (an
 * earlier process, killed or stopped) are known as not held and are
 * taken again at once; rows claimed over 15 seconds ago by a node that is
 * down (no heartbeat in krenalis_nodes for 15 seconds, spec/postgresql.md
 * §6) are taken by any node: the claim's age keeps the rows of a node
 * from the others before its first heartbeat.  A claim whose answer was
 * lost is not made again (its rows would be claimed and not held): a
 * new token is drawn, so that the rows of the old one are taken back.
 * Rows are claimed with FOR UPDATE SKIP LOCKED, so senders of several
 * nodes never wait for each other, nor take the same row.
 */
struct pg_outbox_conn {
	struct wh_outbox_conn	 ob;		/* first: see warehouse.h */
	struct pg_wh		*pw;
	PGconn			*conn;
	char			*node;
	char			*claim;
	char			 err[512];
};

#define CLAIM_TOKEN_LEN	12

/* Draw a new token for the claims of oc. */
static void
claim_new(struct pg_outbox_conn *oc)
{
	char	token[CLAIM_TOKEN_LEN + 1];

	ids_new_id(token);
	free(oc->claim);
	xasprintf(&oc->claim, "%s %s", oc->node, token);
}

static struct wh_outbox_conn *
pg_outbox_open(struct warehouse *wh, const char *node, char *err,
    size_t errlen)
{
	struct pg_outbox_conn	*oc = xcalloc(1, sizeof(*oc));

	oc->pw = (struct pg_wh *)wh;
	oc->node = xstrdup(node);
	claim_new(oc);
	return &oc->ob;
}

/* Run sql on the connection, made when there is none; NULL with err. */
static PGresult *
outbox_run(struct pg_outbox_conn *oc, const char *sql, int nparams,
    const char *const *params)
{
	return conn_run(oc->pw, &oc->conn, 0, sql, nparams, params,
	    pw_deadline(oc->pw), oc->err,
	    sizeof(oc->err));
}

/*
 * The rows this process holds go back to the queue for any node, so that
 * a node stopped does not keep them from the others for the 15 seconds
 * it takes to be seen down.
 */
static void
pg_outbox_close(struct wh_outbox_conn *ob)
{
	struct pg_outbox_conn	*oc = (struct pg_outbox_conn *)ob;
	PGresult		*res;
	const char		*claim = oc->claim;

	if (oc->conn != NULL && (res = outbox_run(oc, "UPDATE "
	    "krenalis_outbox SET claimed_by = NULL, claimed_at = NULL WHERE "
	    "claimed_by = $1", 1, &claim)) != NULL)
		PQclear(res);
	PQfinish(oc->conn);
	free(oc->node);
	free(oc->claim);
	free(oc);
}

static const char *
pg_outbox_error(struct wh_outbox_conn *ob)
{
	return ((struct pg_outbox_conn *)ob)->err;
}

static int
pg_outbox_count(struct wh_outbox_conn *ob, void (*fn)(void *, const char *,
    int64_t), void *arg)
{
	PGresult	*res;
	int		 i;

	if ((res = outbox_run((struct pg_outbox_conn *)ob, OUTBOX_COUNT_SQL,
	    0, NULL)) == NULL)
		return -1;
	for (i = 0; i < PQntuples(res); i++)
		fn(arg, PQgetvalue(res, i, 0),
		    strtoll(PQgetvalue(res, i, 1), NULL, 10));
	PQclear(res);
	return 0;
}

static int
cmp_seq(const void *a, const void *b)
{
	int64_t	x = ((const struct wh_outbox_row *)a)->seq;
	int64_t	y = ((const struct wh_outbox_row *)b)->seq;

	return x < y ? -1 : x > y;
}

/*
 * Claim the first count rows of dest_id that no live process holds, and
 * with after 0 those this connection claimed before (see warehouse.h).
 * after says nothing else here: transactions of several writers commit
 * rows out of seq order, so a row may appear below what was handed out;
 * the claims, not the seqs, say which rows are handed out.
 */
static int
pg_outbox_next(struct wh_outbox_conn *ob, const char *dest_id, int64_t after,
    int64_t count, void (*fn)(void *, const struct wh_outbox_row *),
    void *arg)
{
	struct pg_outbox_conn	*oc = (struct pg_outbox_conn *)ob;
	struct wh_outbox_row	*rows;
	PGresult		*res;
	char			 n[32];
	const char		*params[5] = { oc->claim, dest_id, oc->node,
				    after == 0 ? "t" : "f", n };
	int			 i, nrows;

	snprintf(n, sizeof(n), "%lld", (long long)count);
	if ((res = conn_run_tries(oc->pw, &oc->conn, 0, 1, "UPDATE "
	    "krenalis_outbox SET claimed_by = $1, claimed_at = now() "
	    "WHERE seq IN (SELECT seq FROM krenalis_outbox o "
	    "WHERE destination_id = $2 AND (claimed_by IS NULL "
	    "OR (claimed_by = $1 AND $4::boolean) "
	    "OR (claimed_by <> $1 AND (split_part(claimed_by, ' ', 1) = $3 "
	    "OR (claimed_at < now() - interval '15 seconds' AND NOT EXISTS "
	    "(SELECT FROM krenalis_nodes n WHERE n.id = "
	    "split_part(o.claimed_by, ' ', 1) AND n.seen_at > now() - "
	    "interval '15 seconds'))))) "
	    "ORDER BY seq LIMIT $5::bigint FOR UPDATE SKIP LOCKED) "
	    "RETURNING seq, queued_at, message_id, event", 5, params,
	    pw_deadline(oc->pw), oc->err,
	    sizeof(oc->err))) == NULL) {
		claim_new(oc);
		return -1;
	}
	nrows = PQntuples(res);
	rows = xreallocarray(NULL, nrows + 1, sizeof(*rows));
	for (i = 0; i < nrows; i++) {
		rows[i].seq = strtoll(PQgetvalue(res, i, 0), NULL, 10);
		rows[i].queued_at = strtoll(PQgetvalue(res, i, 1), NULL, 10);
		rows[i].message_id = PQgetvalue(res, i, 2);
		rows[i].event = PQgetvalue(res, i, 3);
		rows[i].eventlen = (size_t)PQgetlength(res, i, 3);
	}
	qsort(rows, nrows, sizeof(*rows), cmp_seq);
	for (i = 0; i < nrows; i++)
		fn(arg, &rows[i]);
	free(rows);
	PQclear(res);
	return 0;
}

/* The n sequences as a PostgreSQL array, "{1,2,3}"; malloc'd. */
static char *
seq_array(const int64_t *seq, size_t n)
{
	struct buf	 b;
	char		 num[32];
	size_t		 i;

	buf_init(&b);
	buf_addc(&b, '{');
	for (i = 0; i < n; i++) {
		snprintf(num, sizeof(num), i > 0 ? ",%lld" : "%lld",
		    (long long)seq[i]);
		buf_adds(&b, num);
	}
	buf_adds(&b, "}");
	return buf_finish(&b);
}

/* Always on this connection: the answer is never 1. */
static int
pg_outbox_delete(struct wh_outbox_conn *ob, const int64_t *seq, size_t n,
    struct wh_delete **del)
{
	PGresult	*res;
	char		*a = seq_array(seq, n);
	const char	*params[1] = { a };

	res = outbox_run((struct pg_outbox_conn *)ob, "DELETE FROM "
	    "krenalis_outbox WHERE seq = ANY($1::bigint[])", 1, params);
	free(a);
	PQclear(res);
	return res != NULL ? 0 : -1;
}

/* One statement, so one transaction. */
static int
pg_outbox_fail(struct wh_outbox_conn *ob, const int64_t *seq, size_t n,
    int64_t failed_at, const char *reason, int attempts)
{
	PGresult	*res;
	char		*a = seq_array(seq, n), at[32], tries[32];
	const char	*params[4] = { a, at, reason, tries };

	snprintf(at, sizeof(at), "%lld", (long long)failed_at);
	snprintf(tries, sizeof(tries), "%d", attempts);
	res = outbox_run((struct pg_outbox_conn *)ob, "WITH d AS (DELETE FROM "
	    "krenalis_outbox WHERE seq = ANY($1::bigint[]) RETURNING seq, "
	    "destination_id, pipeline_id, queued_at, message_id, event) "
	    "INSERT INTO krenalis_outbox_failed (seq, destination_id, "
	    "pipeline_id, queued_at, message_id, event, failed_at, reason, "
	    "attempts) SELECT seq, destination_id, pipeline_id, queued_at, "
	    "message_id, event, $2::bigint, $3, $4::integer FROM d", 4,
	    params);
	free(a);
	PQclear(res);
	return res != NULL ? 0 : -1;
}

static int
pg_outbox_failed(struct warehouse *wh, const char *dest_id, int64_t count,
    void (*fn)(void *, const struct wh_failed_row *), void *arg, char *err,
    size_t errlen)
{
	struct wh_failed_row	 r;
	PGresult		*res;
	char			 n[32];
	const char		*params[2] = { dest_id, n };
	int			 i;

	snprintf(n, sizeof(n), "%lld", (long long)count);
	if ((res = reader_run((struct pg_wh *)wh, "SELECT message_id, "
	    "pipeline_id, queued_at, failed_at, attempts, reason FROM "
	    "krenalis_outbox_failed WHERE destination_id = $1 ORDER BY "
	    "failed_at DESC, seq DESC LIMIT $2::bigint", 2, params, err,
	    errlen)) == NULL)
		return -1;
	for (i = 0; i < PQntuples(res); i++) {
		r.message_id = PQgetvalue(res, i, 0);
		r.pipeline_id = PQgetvalue(res, i, 1);
		r.queued_at = strtoll(PQgetvalue(res, i, 2), NULL, 10);
		r.failed_at = strtoll(PQgetvalue(res, i, 3), NULL, 10);
		r.attempts = strtoll(PQgetvalue(res, i, 4), NULL, 10);
		r.reason = PQgetvalue(res, i, 5);
		fn(arg, &r);
	}
	PQclear(res);
	return 0;
}

static int
pg_outbox_oldest(struct warehouse *wh, const char *dest_id, int64_t *at,
    char *err, size_t errlen)
{
	PGresult	*res;

	if ((res = reader_run((struct pg_wh *)wh, "SELECT queued_at FROM "
	    "krenalis_outbox WHERE destination_id = $1 ORDER BY seq LIMIT 1",
	    1, &dest_id, err, errlen)) == NULL)
		return -1;
	*at = PQntuples(res) > 0 ? strtoll(PQgetvalue(res, 0, 0), NULL, 10) :
	    0;
	PQclear(res);
	return 0;
}

/*
 * As with SQLite: back in their order of failure, at the end of the
 * queue, queued now.  One statement, so one transaction.
 */
static int
pg_outbox_requeue(struct warehouse *wh, const char *dest_id, int64_t now,
    int64_t *n, char *err, size_t errlen)
{
	PGresult	*res;
	char		 at[32];
	const char	*params[2] = { dest_id, at };

	snprintf(at, sizeof(at), "%lld", (long long)now);
	if ((res = reader_run((struct pg_wh *)wh, "WITH f AS (DELETE FROM "
	    "krenalis_outbox_failed WHERE destination_id = $1 RETURNING *), "
	    "q AS (INSERT INTO krenalis_outbox (destination_id, pipeline_id, "
	    "queued_at, message_id, event) SELECT destination_id, "
	    "pipeline_id, $2::bigint, message_id, event FROM f ORDER BY "
	    "failed_at, seq RETURNING 1) SELECT count(*) FROM q", 2, params,
	    err, errlen)) == NULL)
		return -1;
	*n = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	PQclear(res);
	return 0;
}

const struct wh_engine wh_pg = {
	.name = "postgresql",
	.exists = pg_exists,
	.open = pg_open,
	.close = pg_close,
	.ensure_schema = pg_ensure_schema,
	.present = pg_present,
	.probe = pg_probe,
	.rejects_range = pg_rejects_range,
	.rejects = pg_rejects,
	.outbox_drop = pg_outbox_drop,
	.session_new = pgs_new,
	.session_free = pgs_free,
	.error = pgs_error,
	.begin = pgs_begin,
	.reject = pgs_reject,
	.add = pgs_add,
	.outbox_add = pgs_outbox_add,
	.commit = pgs_commit,
	.rollback = pgs_rollback,
	.unavailable = "warehouse is unavailable; try again later",
	.down = pg_down,
	.why = pg_why,
	.describe = pg_describe_state,
	.shared = 1,
	.outbox_open = pg_outbox_open,
	.outbox_close = pg_outbox_close,
	.outbox_error = pg_outbox_error,
	.outbox_count = pg_outbox_count,
	.outbox_next = pg_outbox_next,
	.outbox_delete = pg_outbox_delete,
	.outbox_fail = pg_outbox_fail,
	.outbox_failed = pg_outbox_failed,
	.outbox_oldest = pg_outbox_oldest,
	.outbox_requeue = pg_outbox_requeue,
};
