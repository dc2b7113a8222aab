/*
 * Unit tests of the warehouse interface (krenalisd/warehouse.h) on its
 * SQLite engine, in a fresh data directory: the schema and the
 * warehouse's id, transactions, duplicates settled within and across
 * transactions and after reopening, rollback, the quarantine written and
 * read back, health from commits and probes, a warehouse file moved away
 * under an open warehouse, and the dedupe rows: in the order they were
 * added, and moved there from the table of warehouses made before.
 */
#include <sys/stat.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <sqlite3.h>

#include "unit.h"
#include "unit_datadir.h"
#include "unit_sqlite.h"
#include "compat.h"
#include "timestamp.h"
#include "xmalloc.h"
#include "../../krenalisd/batch.h"
#include "../../krenalisd/config.h"
#include "../../krenalisd/event.h"
#include "../../krenalisd/warehouse.h"

#define SOURCE	"7bXk2mQp9RtL"
#define R_TEXT	"2025-10-20T16:15:25.001Z"
#define R_MS	1760976925001LL	/* R_TEXT */
#define REQID	"3yVqKp8ZtW1mN4cR"

static struct config	cf;
static char		datadir[] = "/tmp/krenalis-wh.XXXXXX";

static void
req_init(struct event_req *r)
{
	int64_t	ms = 0;

	timestamp_parse(R_TEXT, strlen(R_TEXT), &ms);
	memset(r, 0, sizeof(*r));
	r->received_at = ms;
	r->source_id = SOURCE;
	r->shape = EVENT_SHAPE_BATCH;
	r->request_ip = "203.0.113.7";
	r->max_event_bytes = 32768;
}

/* Decode a valid track event with messageId id into ev. */
static void
decode(const char *id, struct event *ev)
{
	struct event_req	 r;
	char			 raw[256];

	req_init(&r);
	snprintf(raw, sizeof(raw), "{\"type\":\"track\",\"event\":\"e\","
	    "\"userId\":\"u1\",\"messageId\":\"%s\"}", id);
	event_init(ev);
	CHECK_INT(event_decode(&r, raw, strlen(raw), ev), 0);
}

/*
 * Add the event with messageId id (inserting it when store is set) and
 * return its outcome.
 */
static enum outcome
add(struct wh_session *s, const char *id, int store, struct event *ev)
{
	enum outcome	o = store ? OUTCOME_STORED : OUTCOME_FILTERED;

	decode(id, ev);
	CHECK_INT(warehouse_add(s, ev, store, &o), 0);
	return o;
}

static struct warehouse *
open_wh(void)
{
	struct warehouse	*wh;
	char			 err[512];

	if ((wh = warehouse_open("sqlite", &cf, err, sizeof(err))) == NULL)
		printf("  open: %s\n", err);
	return wh;
}

/* Open the warehouse into *whp and a session of it; NULL on failure. */
static struct wh_session *
open_session(struct warehouse **whp)
{
	struct wh_session	*s = NULL;
	char			 err[512];

	if ((*whp = open_wh()) != NULL &&
	    (s = warehouse_session_new(*whp, err, sizeof(err))) == NULL) {
		printf("  session: %s\n", err);
		warehouse_close(*whp);
	}
	CHECK(s != NULL);
	return s;
}

static void
test_engines(void)
{
	char	err[512];

	CHECK(warehouse_open("oracle", &cf, err, sizeof(err)) == NULL);
	CHECK_STR(err, "no warehouse engine is called oracle");
}

/*
 * The schema of events.md §14.2 and §15, ensured twice, and the id made
 * with it, which a reopening reads back.
 */
static void
test_schema(void)
{
	struct warehouse	*wh;
	char			 err[512], id[sizeof(wh->id)];

	CHECK_INT(warehouse_exists("sqlite", &cf), 0);
	CHECK_INT(warehouse_exists("oracle", &cf), 0);
	if ((wh = open_wh()) == NULL) {
		CHECK(0);
		return;
	}
	CHECK_INT(warehouse_exists("sqlite", &cf), 1);
	CHECK_STR(wh->id, "");
	CHECK_INT(warehouse_ensure_schema(wh, err, sizeof(err)), 0);
	CHECK_INT(strlen(wh->id), IDS_UUID_LEN);
	strlcpy(id, wh->id, sizeof(id));
	CHECK_INT(warehouse_ensure_schema(wh, err, sizeof(err)), 0);
	CHECK_STR(wh->id, id);
	CHECK_INT(unit_wh_int(datadir,
	    "SELECT count(*) FROM sqlite_master WHERE name IN "
	    "('krenalis_events', 'krenalis_events_received_at', 'events', "
	    "'krenalis_rejected', 'krenalis_rejected_received_at', "
	    "'krenalis_dedupe', 'krenalis_dedupe_bucket', 'krenalis_meta')"),
	    8);
	CHECK_INT(unit_wh_int(datadir, "SELECT count(*) FROM pragma_table_info("
	    "'krenalis_events')"), EVENT_NCOLUMNS + 1);
	CHECK_INT(unit_wh_int(datadir, "SELECT count(*) FROM pragma_table_info("
	    "'events')"), EVENT_NCOLUMNS + 1);
	CHECK_INT(warehouse_writable(wh), 1);
	warehouse_close(wh);
	if ((wh = open_wh()) == NULL)
		return;
	CHECK_STR(wh->id, id);
	warehouse_close(wh);
}

/* Rows, duplicates and rollback, across transactions and a reopening. */
static void
test_transactions(void)
{
	struct warehouse	*wh;
	struct wh_session	*s;
	struct event		 ev[8];
	int			 i, n = 0;

	if ((s = open_session(&wh)) == NULL)
		return;
	CHECK_INT(warehouse_begin(s, timestamp_monotonic()), 0);
	CHECK_INT(add(s, "m1", 1, &ev[n++]), OUTCOME_STORED);
	CHECK_INT(add(s, "m2", 1, &ev[n++]), OUTCOME_STORED);
	/* In the same transaction: the first one wins. */
	CHECK_INT(add(s, "m1", 1, &ev[n++]), OUTCOME_DUPLICATE);
	/* Looked up only: never recorded. */
	CHECK_INT(add(s, "m3", 0, &ev[n++]), OUTCOME_FILTERED);
	CHECK_INT(warehouse_commit(s), 0);
	CHECK_INT(unit_wh_int(datadir, "SELECT count(*) FROM events"), 2);
	CHECK_INT(unit_wh_int(datadir,
	    "SELECT sum(n) FROM krenalis_dedupe"), 2);

	CHECK_INT(warehouse_begin(s, timestamp_monotonic()), 0);
	CHECK_INT(add(s, "m2", 0, &ev[n++]), OUTCOME_DUPLICATE);
	CHECK_INT(add(s, "m3", 1, &ev[n++]), OUTCOME_STORED);
	warehouse_rollback(s);
	CHECK_INT(unit_wh_int(datadir, "SELECT count(*) FROM events"), 2);
	CHECK_INT(unit_wh_int(datadir,
	    "SELECT sum(n) FROM krenalis_dedupe"), 2);
	for (i = 0; i < n; i++)
		event_release(&ev[i]);
	warehouse_session_free(s);
	warehouse_close(wh);

	/* A new session loads what was committed, and nothing else. */
	n = 0;
	if ((s = open_session(&wh)) == NULL)
		return;
	CHECK_INT(warehouse_begin(s, timestamp_monotonic()), 0);
	CHECK_INT(add(s, "m1", 1, &ev[n++]), OUTCOME_DUPLICATE);
	CHECK_INT(add(s, "m3", 1, &ev[n++]), OUTCOME_STORED);
	CHECK_INT(warehouse_commit(s), 0);
	CHECK_INT(unit_wh_int(datadir, "SELECT count(*) FROM events"), 3);
	CHECK_INT(unit_wh_int(datadir,
	    "SELECT count(*) FROM events WHERE message_id = "
	    "'m3' AND type = 'track' AND event = 'e' AND user_id = 'u1' AND "
	    "received_at = '" R_TEXT "' AND connection_id = '" SOURCE "'"), 1);
	CHECK_INT(warehouse_writable(wh), 1);
	for (i = 0; i < n; i++)
		event_release(&ev[i]);
	warehouse_session_free(s);
	warehouse_close(wh);
}

/* Append the row r to the array arg, with the members read back. */
static void
reject_row(void *arg, const struct wh_reject *r)
{
	json_array_append_new(arg, json_pack("{s:I,s:s,s:s,s:s,s:I,s:s?,s:s,"
	    "s:s%}", "id", (json_int_t)r->id, "receivedAt", r->received_at,
	    "source", r->connection_id, "requestId", r->request_id,
	    "index", (json_int_t)r->index, "messageId", r->message_id,
	    "error", r->error, "raw", r->raw, r->rawlen));
}

/*
 * The rows of ids in (after, until] of source_id, count at most, as a
 * JSON array.
 */
static json_t *
rejects(struct warehouse *wh, const char *source_id, int64_t after,
    int64_t until, int64_t count)
{
	json_t	*a = json_array();
	char	 err[512];

	CHECK_INT(warehouse_rejects(wh, source_id, after, until, count,
	    reject_row, a, err, sizeof(err)), 0);
	return a;
}

/*
 * §15: rejected events quarantined and read back, newest last, a few rows
 * at a time from the range of the count newest.
 */
static void
test_rejects(void)
{
	static const char *const raws[] = {
		"{\"type\":\"track\",\"userId\":\"u1\","
		"\"messageId\":\"m-\\u00e9\"}",
		"{\"type\":\"track\",\"userId\":\"u1\",\"messageId\":\"\"}",
		"[1,2]"
	};
	struct warehouse	*wh;
	struct wh_session	*s;
	struct wh_reject	 r;
	struct event_req	 er;
	struct event		 ev;
	json_t			*a;
	char			 err[512], *text;
	int64_t			 after = -1, until = -1;
	size_t			 i;

	if ((s = open_session(&wh)) == NULL)
		return;
	CHECK_INT(warehouse_rejects_range(wh, NULL, 20, &after, &until, err,
	    sizeof(err)), 0);
	CHECK_INT(after, 0);
	CHECK_INT(until, 0);
	req_init(&er);
	CHECK_INT(warehouse_begin(s, timestamp_monotonic()), 0);
	for (i = 0; i < 3; i++) {
		event_init(&ev);
		CHECK_INT(event_decode(&er, raws[i], strlen(raws[i]), &ev), -1);
		r.received_at = ev.received_at_text;
		r.connection_id = ev.connection_id;
		r.request_id = REQID;
		r.index = (int64_t)i;
		r.message_id = ev.message_id;
		r.error = ev.error;
		r.raw = raws[i];
		r.rawlen = strlen(raws[i]);
		CHECK_INT(warehouse_reject(s, &r), 0);
		event_release(&ev);
	}
	CHECK_INT(warehouse_commit(s), 0);

	/* The 2 newest are rows 2 and 3, read one at a time. */
	CHECK_INT(warehouse_rejects_range(wh, NULL, 2, &after, &until, err,
	    sizeof(err)), 0);
	CHECK_INT(after, 1);
	CHECK_INT(until, 3);
	a = rejects(wh, NULL, after, until, 1);
	text = json_dumps(a, JSON_COMPACT | JSON_PRESERVE_ORDER);
	CHECK_STR(text, "[{\"id\":2,\"receivedAt\":\"" R_TEXT "\","
	    "\"source\":\"" SOURCE "\",\"requestId\":\"" REQID "\","
	    "\"index\":1,\"messageId\":null,\"error\":\"property 'event' "
	    "is required for a track event\","
	    "\"raw\":\"{\\\"type\\\":\\\"track\\\",\\\"userId\\\":\\\"u1\\\","
	    "\\\"messageId\\\":\\\"\\\"}\"}]");
	free(text);
	json_decref(a);
	a = rejects(wh, NULL, 2, until, 1);
	text = json_dumps(a, JSON_COMPACT | JSON_PRESERVE_ORDER);
	CHECK_STR(text, "[{\"id\":3,\"receivedAt\":\"" R_TEXT "\","
	    "\"source\":\"" SOURCE "\",\"requestId\":\"" REQID "\","
	    "\"index\":2,\"messageId\":null,\"error\":\"expected an object "
	    "for the event, but found array instead\",\"raw\":\"[1,2]\"}]");
	free(text);
	json_decref(a);
	a = rejects(wh, NULL, 3, until, 1);
	CHECK_INT(json_array_size(a), 0);
	json_decref(a);

	/* Of one source; of another, which has none. */
	CHECK_INT(warehouse_rejects_range(wh, SOURCE, 20, &after, &until, err,
	    sizeof(err)), 0);
	CHECK_INT(after, 0);
	CHECK_INT(until, 3);
	a = rejects(wh, SOURCE, after, until, 20);
	CHECK_INT(json_array_size(a), 3);
	CHECK_STR(json_string_value(json_object_get(json_array_get(a, 0),
	    "messageId")), "m-\xc3\xa9");
	CHECK_STR(json_string_value(json_object_get(json_array_get(a, 0),
	    "error")), "property 'event' is required for a track event");
	json_decref(a);
	CHECK_INT(warehouse_rejects_range(wh, "another", 20, &after, &until,
	    err, sizeof(err)), 0);
	CHECK_INT(after, 3);
	CHECK_INT(until, 3);
	a = rejects(wh, "another", 0, until, 20);
	CHECK_INT(json_array_size(a), 0);
	json_decref(a);
	/* Count 0: nothing. */
	CHECK_INT(warehouse_rejects_range(wh, NULL, 0, &after, &until, err,
	    sizeof(err)), 0);
	CHECK_INT(after, until);
	warehouse_session_free(s);
	warehouse_close(wh);
}

/*
 * spec/ingest.md §13.1: the last commit or probe decides for a second;
 * the probe writes; a warehouse file moved away fails every probe and
 * transaction, even once it is back.
 */
static void
test_health(void)
{
	struct warehouse	*wh;
	struct wh_session	*s;
	struct event		 ev[2];
	char			*path, *moved;

	if ((s = open_session(&wh)) == NULL)
		return;
	CHECK_INT(warehouse_writable(wh), 1);
	CHECK_INT(unit_wh_int(datadir,
	    "SELECT count(*) FROM krenalis_meta WHERE name = "
	    "'probed_at'"), 1);
	CHECK_INT(warehouse_begin(s, timestamp_monotonic()), 0);
	CHECK_INT(add(s, "h1", 1, &ev[0]), OUTCOME_STORED);
	warehouse_rollback(s);
	CHECK_INT(warehouse_writable(wh), 0);
	CHECK_INT(warehouse_begin(s, timestamp_monotonic()), 0);
	CHECK_INT(add(s, "h1", 1, &ev[1]), OUTCOME_STORED);
	CHECK_INT(warehouse_commit(s), 0);
	CHECK_INT(warehouse_writable(wh), 1);
	event_release(&ev[0]);
	event_release(&ev[1]);

	xasprintf(&path, "%s/warehouse.db", datadir);
	xasprintf(&moved, "%s/moved.db", datadir);
	CHECK_INT(warehouse_begin(s, timestamp_monotonic()), 0);
	CHECK_INT(add(s, "h2", 1, &ev[0]), OUTCOME_STORED);
	CHECK_INT(rename(path, moved), 0);
	CHECK_INT(warehouse_commit(s), -1);
	CHECK_STR(warehouse_error(s),
	    "the warehouse file was removed or replaced");
	warehouse_rollback(s);
	CHECK_INT(warehouse_writable(wh), 0);
	CHECK_INT(warehouse_begin(s, timestamp_monotonic()), -1);
	CHECK_INT(rename(moved, path), 0);
	CHECK_INT(warehouse_writable(wh), 0);
	CHECK_INT(unit_wh_int(datadir,
	    "SELECT count(*) FROM events WHERE message_id "
	    "LIKE 'h%'"), 1);
	event_release(&ev[0]);
	free(moved);
	free(path);
	warehouse_session_free(s);
	warehouse_close(wh);
}

/* Run sql on the warehouse.db of the data directory. */
static void
exec_wh(const char *sql)
{
	sqlite3	*db;
	char	 path[4096], *msg = NULL;

	snprintf(path, sizeof(path), "%s/warehouse.db", datadir);
	CHECK_INT(sqlite3_open(path, &db), SQLITE_OK);
	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK)
		printf("  %s: %s\n", sql, msg);
	CHECK(msg == NULL);
	sqlite3_free(msg);
	sqlite3_close(db);
}

/* Open the warehouse and ensure its schema; a session of it, or NULL. */
static struct wh_session *
open_ensured(struct warehouse **whp)
{
	char	err[512];

	if ((*whp = open_wh()) == NULL)
		return NULL;
	if (warehouse_ensure_schema(*whp, err, sizeof(err)) == -1) {
		printf("  ensure: %s\n", err);
		CHECK(0);
		warehouse_close(*whp);
		return NULL;
	}
	warehouse_close(*whp);
	return open_session(whp);
}

/*
 * The dedupe ids of a request (one receivedAt) share a row, in the order
 * they were added, not in their ids' (ingest.md §11.1: each insert at
 * the table's end, not in a random page).
 */
static void
test_dedupe_order(void)
{
	struct warehouse	*wh;
	struct wh_session	*s;
	struct event		 ev[3];
	int			 i;

	if ((s = open_ensured(&wh)) == NULL)
		return;
	CHECK_INT(warehouse_begin(s, timestamp_monotonic()), 0);
	CHECK_INT(add(s, "zz-1", 1, &ev[0]), OUTCOME_STORED);
	CHECK_INT(add(s, "aa-2", 1, &ev[1]), OUTCOME_STORED);
	CHECK_INT(add(s, "mm-3", 1, &ev[2]), OUTCOME_STORED);
	CHECK_INT(warehouse_commit(s), 0);
	CHECK_INT(unit_wh_int(datadir, "SELECT count(*) FROM krenalis_dedupe "
	    "WHERE n = 3 AND message_ids = "
	    "x'047a7a2d310461612d32046d6d2d33' AND row = (SELECT max(row) "
	    "FROM krenalis_dedupe)"), 1);
	for (i = 0; i < 3; i++)
		event_release(&ev[i]);
	warehouse_session_free(s);
	warehouse_close(wh);
}

/*
 * A warehouse made before keeps a row per dedupe id, in a table keyed by
 * (bucket, message_id) or numbered in the order added (sql makes it,
 * named krenalis_dedupe).  The ids of the window (here 500 days) move
 * into groups when the schema is ensured, before the daemon detaches, and
 * stay duplicates; one of 1970 is not kept; the old table is gone and the
 * index is the new table's.
 */
static void
dedupe_moved(const char *sql)
{
	struct warehouse	*wh;
	struct wh_session	*s;
	struct event		 ev[3];
	char			*q, err[512];

	exec_wh("DROP TABLE krenalis_dedupe");
	exec_wh(sql);
	xasprintf(&q, "INSERT INTO krenalis_dedupe (bucket, message_id, "
	    "received_at) VALUES (%lld, 'k2', %lld), (%lld, 'k1', %lld), "
	    "(1, 'in-1970', 60000)", R_MS / 60000, R_MS, R_MS / 60000, R_MS);
	exec_wh(q);
	free(q);
	cf.dedupe_window_ms = 500LL * 86400 * 1000;
	if ((wh = open_wh()) == NULL) {
		cf.dedupe_window_ms = 0;
		return;
	}
	CHECK_INT(warehouse_ensure_schema(wh, err, sizeof(err)), 0);
	warehouse_close(wh);
	CHECK_INT(unit_wh_int(datadir, "SELECT count(*) FROM sqlite_master "
	    "WHERE name = 'krenalis_dedupe_v1'"), 0);
	CHECK_INT(unit_wh_int(datadir, "SELECT sum(n) FROM krenalis_dedupe"),
	    2);
	if ((s = open_session(&wh)) == NULL) {
		cf.dedupe_window_ms = 0;
		return;
	}
	CHECK_INT(unit_wh_int(datadir, "SELECT count(*) FROM sqlite_master "
	    "WHERE name = 'krenalis_dedupe_bucket' AND tbl_name = "
	    "'krenalis_dedupe'"), 1);
	CHECK_INT(unit_wh_int(datadir, "SELECT sum(n) FROM krenalis_dedupe"),
	    2);
	CHECK_INT(warehouse_begin(s, timestamp_monotonic()), 0);
	CHECK_INT(add(s, "k1", 1, &ev[0]), OUTCOME_DUPLICATE);
	CHECK_INT(add(s, "k2", 1, &ev[1]), OUTCOME_DUPLICATE);
	CHECK_INT(add(s, "m9", 1, &ev[2]), OUTCOME_STORED);
	CHECK_INT(warehouse_commit(s), 0);
	CHECK_INT(unit_wh_int(datadir, "SELECT sum(n) FROM krenalis_dedupe"),
	    3);
	event_release(&ev[0]);
	event_release(&ev[1]);
	event_release(&ev[2]);
	warehouse_session_free(s);
	warehouse_close(wh);
	exec_wh("DELETE FROM krenalis_events WHERE message_id = 'm9'");
	cf.dedupe_window_ms = 0;
}

static void
test_dedupe_moved(void)
{
	dedupe_moved("CREATE TABLE krenalis_dedupe (bucket INTEGER NOT NULL, "
	    "message_id TEXT NOT NULL, received_at INTEGER NOT NULL, PRIMARY "
	    "KEY (bucket, message_id)) WITHOUT ROWID");
	dedupe_moved("CREATE TABLE krenalis_dedupe (row INTEGER PRIMARY KEY, "
	    "bucket INTEGER NOT NULL, message_id TEXT NOT NULL, received_at "
	    "INTEGER NOT NULL); CREATE INDEX krenalis_dedupe_bucket ON "
	    "krenalis_dedupe (bucket)");
}

int
main(void)
{
	if (unit_datadir_init(&cf, datadir) == -1)
		return 1;
	/* The events are of 2025: keep them in the window. */
	cf.dedupe_window_ms = 0;
	UNIT_RUN(test_engines);
	UNIT_RUN(test_schema);
	UNIT_RUN(test_transactions);
	UNIT_RUN(test_rejects);
	UNIT_RUN(test_health);
	UNIT_RUN(test_dedupe_order);
	UNIT_RUN(test_dedupe_moved);
	return unit_datadir_end(&cf, datadir, UNIT_END());
}
