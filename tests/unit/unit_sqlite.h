/*
 * What the unit tests of the SQLite warehouse read back: one integer of
 * a query, on a connection of its own.  Include after unit.h, in a test
 * linked with SQLite.
 */
#ifndef UNIT_SQLITE_H
#define UNIT_SQLITE_H

#include <stdio.h>

#include <sqlite3.h>

/*
 * The integer that sql reads first from the database at path, opened
 * read-only, with its one "?" bound to arg when arg is not NULL; -1 when
 * there is no row or the query fails.
 */
static inline long long
unit_sql_int(const char *path, const char *sql, const char *arg)
{
	sqlite3		*db;
	sqlite3_stmt	*st;
	long long	 n = -1;

	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) ==
	    SQLITE_OK && sqlite3_prepare_v2(db, sql, -1, &st, NULL) ==
	    SQLITE_OK) {
		if (arg != NULL)
			sqlite3_bind_text(st, 1, arg, -1, SQLITE_STATIC);
		if (sqlite3_step(st) == SQLITE_ROW)
			n = sqlite3_column_int64(st, 0);
		sqlite3_finalize(st);
	}
	sqlite3_close(db);
	return n;
}

/* The same on the warehouse.db of the data directory datadir. */
static inline long long
unit_wh_int(const char *datadir, const char *sql)
{
	char	path[4096];

	snprintf(path, sizeof(path), "%s/warehouse.db", datadir);
	return unit_sql_int(path, sql, NULL);
}

#endif
