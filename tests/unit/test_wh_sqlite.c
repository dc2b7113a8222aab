/*
 * Unit tests of the SQLite warehouse's file (krenalisd/wh_sqlite.c): a
 * new warehouse.db has pages of WH_SQLITE_PAGE_SIZE, and one made with
 * 4 KiB pages keeps them and takes events.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "unit.h"
#include "unit_datadir.h"
#include "unit_sqlite.h"
#include "compat.h"
#include "timestamp.h"
#include "xmalloc.h"
#include "../../krenalisd/config.h"
#include "../../krenalisd/event.h"
#include "../../krenalisd/warehouse.h"
#include "../../krenalisd/wh_sqlite.h"


static struct config	cf;
static char		datadir[] = "/tmp/krenalis-whsq.XXXXXX";

/* Run sql on db, counting a failed check when it fails. */
static void
exec(sqlite3 *db, const char *sql)
{
	char	*msg = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK)
		printf("  %s: %s\n", sql, msg);
	CHECK(msg == NULL);
	sqlite3_free(msg);
}

/* Remove the warehouse and its WAL from the data directory. */
static void
remove_wh(void)
{
	const char	*suffix[] = { "", "-wal", "-shm" };
	char		*path;
	size_t		 i;

	for (i = 0; i < sizeof(suffix) / sizeof(suffix[0]); i++) {
		xasprintf(&path, "%s/warehouse.db%s", datadir, suffix[i]);
		unlink(path);
		free(path);
	}
}

/*
 * Open the warehouse of the data directory, ensure its schema and commit
 * one event with messageId id through a session of its own, then close.
 */
static void
store_one(const char *id)
{
	struct warehouse	*wh;
	struct wh_session	*s;
	struct event_req	 r;
	struct event		 ev;
	enum outcome		 o = OUTCOME_STORED;
	char			 err[512], raw[256];

	if ((wh = warehouse_open("sqlite", &cf, err, sizeof(err))) == NULL) {
		printf("  open: %s\n", err);
		CHECK(0);
		return;
	}
	CHECK_INT(warehouse_ensure_schema(wh, err, sizeof(err)), 0);
	if ((s = warehouse_session_new(wh, err, sizeof(err))) == NULL) {
		printf("  session: %s\n", err);
		CHECK(0);
		warehouse_close(wh);
		return;
	}
	memset(&r, 0, sizeof(r));
	r.received_at = timestamp_now();
	r.source_id = "7bXk2mQp9RtL";
	r.shape = EVENT_SHAPE_BATCH;
	r.request_ip = "203.0.113.7";
	r.max_event_bytes = 32768;
	snprintf(raw, sizeof(raw), "{\"type\":\"track\",\"event\":\"e\","
	    "\"userId\":\"u1\",\"messageId\":\"%s\"}", id);
	event_init(&ev);
	CHECK_INT(event_decode(&r, raw, strlen(raw), &ev), 0);
	CHECK_INT(warehouse_begin(s), 0);
	CHECK_INT(warehouse_add(s, &ev, 1, &o), 0);
	CHECK_INT(o, OUTCOME_STORED);
	CHECK_INT(warehouse_commit(s), 0);
	event_release(&ev);
	warehouse_session_free(s);
	warehouse_close(wh);
}

static void
test_new_page_size(void)
{
	remove_wh();
	store_one("new-1");
	CHECK_INT(unit_wh_int(datadir, "PRAGMA page_size"),
	    WH_SQLITE_PAGE_SIZE);
	CHECK_INT(unit_wh_int(datadir, "SELECT count(*) FROM events"), 1);
	store_one("new-2");
	CHECK_INT(unit_wh_int(datadir, "SELECT count(*) FROM events"), 2);
}

/* A warehouse made before, with 4 KiB pages, keeps them. */
static void
test_old_page_size(void)
{
	sqlite3	*db;
	char	*path;

	remove_wh();
	xasprintf(&path, "%s/warehouse.db", datadir);
	CHECK_INT(sqlite3_open(path, &db), SQLITE_OK);
	exec(db, "PRAGMA page_size=4096; PRAGMA journal_mode=WAL; "
	    "CREATE TABLE before (a)");
	sqlite3_close(db);
	free(path);
	store_one("old-1");
	store_one("old-2");
	CHECK_INT(unit_wh_int(datadir, "PRAGMA page_size"), 4096);
	CHECK_INT(unit_wh_int(datadir, "SELECT count(*) FROM events"), 2);
}

int
main(void)
{
	if (unit_datadir_init(&cf, datadir) == -1)
		return 1;
	UNIT_RUN(test_new_page_size);
	UNIT_RUN(test_old_page_size);
	return unit_datadir_end(&cf, datadir, UNIT_END());
}
