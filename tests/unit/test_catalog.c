/*
 * The catalog's transactions against a real state.db in a temporary
 * directory: a failed write reports SQLite's own reason, and a key's
 * last use counts as written only once its transaction is committed.
 */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <sqlite3.h>

#include "log.h"
#include "../../krenalisd/catalog.h"
#include "../../krenalisd/snapshot.h"
#include "unit.h"

static char	dir[] = "/tmp/krenalis-catalog.XXXXXX";
static char	path[64];

/* Run sql on a connection of our own, as another process would. */
static void
side_exec(const char *sql)
{
	sqlite3	*db;
	char	*msg = NULL;

	if (sqlite3_open(path, &db) != SQLITE_OK)
		abort();
	sqlite3_busy_timeout(db, 5000);
	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		printf("  side_exec: %s: %s\n", sql, msg);
		unit_failed_checks++;
	}
	sqlite3_free(msg);
	sqlite3_close(db);
}

/* The last_used_at of key, -1 when NULL. */
static long long
side_last_used(const char *key)
{
	sqlite3		*db;
	sqlite3_stmt	*st;
	long long	 v = -2;

	if (sqlite3_open(path, &db) != SQLITE_OK)
		abort();
	sqlite3_prepare_v2(db, "SELECT last_used_at FROM write_keys "
	    "WHERE key = ?", -1, &st, NULL);
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_type(st, 0) == SQLITE_NULL ? -1 :
		    sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return v;
}

static void
use_key(const char *key, int64_t when)
{
	struct snapshot		*snap = snapshot_current();
	const struct snap_key	*k = snapshot_lookup_key(snap, key,
				    strlen(key));

	CHECK(k != NULL);
	if (k != NULL)
		atomic_store(&k->usage->last_used, when);
	snapshot_unref(snap);
}

/* A COMMIT that fails says why, not that there was nothing to roll back. */
static void
test_commit_failure_reported(void)
{
	struct catalog		*cat;
	struct catalog_error	 ce;
	char			 err[256];
	json_t			*o;

	cat = catalog_open(path, "http://127.0.0.1:2022/v1/events", err,
	    sizeof(err));
	CHECK(cat != NULL);
	if (cat == NULL)
		return;
	/* A deferred foreign key fails only at COMMIT. */
	side_exec("CREATE TABLE t_guard (source TEXT REFERENCES sources(id) "
	    "DEFERRABLE INITIALLY DEFERRED);"
	    "CREATE TRIGGER t_orphan AFTER INSERT ON sources BEGIN "
	    "INSERT INTO t_guard VALUES ('nope'); END;");
	memset(&ce, 0, sizeof(ce));
	o = catalog_source_add(cat, "S", 1, NULL, NULL, &ce);
	CHECK(o == NULL);
	CHECK_STR(ce.code, "InternalError");
	CHECK_STR(ce.message,
	    "catalog write failed: FOREIGN KEY constraint failed");
	json_decref(o);
	side_exec("DROP TRIGGER t_orphan; DROP TABLE t_guard;");
	o = catalog_source_add(cat, "S", 1, NULL, NULL, &ce);
	CHECK(o != NULL);
	json_decref(o);
	catalog_close(cat);
}

/* A failed flush of last-use times is retried whole by the next one. */
static void
test_usage_retried(void)
{
	struct catalog		*cat;
	struct catalog_error	 ce;
	char			 err[256], k1[64], k2[64], sql[256];
	json_t			*o;

	cat = catalog_open(path, "http://127.0.0.1:2022/v1/events", err,
	    sizeof(err));
	CHECK(cat != NULL);
	if (cat == NULL)
		return;
	o = catalog_source_show(cat, "S", &ce);
	CHECK(o != NULL);
	snprintf(k1, sizeof(k1), "%s", json_string_value(json_array_get(
	    json_object_get(o, "writeKeys"), 0)));
	json_decref(o);
	o = catalog_key_add(cat, "S", &ce);
	CHECK(o != NULL);
	snprintf(k2, sizeof(k2), "%s", json_string_value(json_object_get(o,
	    "key")));
	json_decref(o);

	use_key(k1, 1000);
	use_key(k2, 2000);
	/* The second key's update fails after the first one's. */
	snprintf(sql, sizeof(sql), "CREATE TRIGGER t_refuse BEFORE UPDATE ON "
	    "write_keys WHEN NEW.key = '%s' BEGIN SELECT RAISE(ABORT, "
	    "'refused for the test'); END;", k2);
	side_exec(sql);
	catalog_flush_usage(cat, 1);
	CHECK_INT(side_last_used(k1), -1);
	CHECK_INT(side_last_used(k2), -1);
	side_exec("DROP TRIGGER t_refuse;");
	catalog_flush_usage(cat, 1);
	CHECK_INT(side_last_used(k1), 1000);
	CHECK_INT(side_last_used(k2), 2000);
	catalog_close(cat);
}

/*
 * An import is checked whole before anything is written: a key that two
 * sources of the document share fails it, and the first source is not
 * kept; the same document without the clash imports both, with their
 * key's last use.
 */
static void
test_import_whole(void)
{
	struct catalog		*cat;
	struct catalog_error	 ce;
	char			 err[256];
	json_t			*doc, *o, *src;
	const char		*key = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";

	cat = catalog_open(path, "http://127.0.0.1:2022/v1/events", err,
	    sizeof(err));
	CHECK(cat != NULL);
	if (cat == NULL)
		return;
	src = json_pack("{s:s,s:s,s:s,s:n,s:s,s:[{s:s,s:s,s:s}],s:[]}",
	    "id", "111111111111", "name", "A", "connector", "go", "strategy",
	    "createdAt", "2025-01-01T00:00:00.000Z", "writeKeys", "key", key,
	    "createdAt", "2025-01-01T00:00:00.000Z", "lastUsedAt",
	    "2025-01-02T00:00:00.000Z", "pipelines");
	o = json_deep_copy(src);
	doc = json_pack("{s:s,s:i,s:[o,o]}", "format", "krenalis-catalog",
	    "version", 1, "sources", src, o);
	json_object_set_new(o, "id", json_string("222222222222"));
	json_object_set_new(o, "name", json_string("B"));
	memset(&ce, 0, sizeof(ce));
	CHECK(catalog_import(cat, doc, &ce) == NULL);
	CHECK_STR(ce.code, "Conflict");
	CHECK_STR(ce.message, "event write key "
	    "\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\" is already used by source "
	    "\"111111111111\"");
	CHECK(catalog_source_show(cat, "A", &ce) == NULL);

	json_array_remove(json_object_get(o, "writeKeys"), 0);
	json_array_append_new(json_object_get(o, "writeKeys"), json_pack(
	    "{s:s,s:s,s:n}", "key", "BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB",
	    "createdAt", "2025-01-01T00:00:00.000Z", "lastUsedAt"));
	o = catalog_import(cat, doc, &ce);
	CHECK(o != NULL);
	json_decref(o);
	o = catalog_key_list(cat, "A", &ce);
	CHECK_STR(json_string_value(json_object_get(json_array_get(o, 0),
	    "lastUsedAt")), "2025-01-02T00:00:00.000Z");
	json_decref(o);
	json_decref(doc);
	catalog_close(cat);
}

int
main(void)
{
	char	cmd[128];

	log_init("test_catalog", 1, 0);
	if (mkdtemp(dir) == NULL)
		return 1;
	snprintf(path, sizeof(path), "%s/state.db", dir);
	UNIT_RUN(test_commit_failure_reported);
	UNIT_RUN(test_usage_retried);
	UNIT_RUN(test_import_whole);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		return 1;
	return UNIT_END();
}
