/* SQLite calls that exit on an error; see sql.h. */
#include <err.h>
#include <stddef.h>

#include "sql.h"

void
sql_exec(sqlite3 *db, const char *sql)
{
	char	*msg = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK)
		errx(1, "sqlite: %.60s...: %s", sql, msg ? msg : "?");
}

sqlite3_stmt *
sql_prepare(sqlite3 *db, const char *sql)
{
	sqlite3_stmt	*st;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		errx(1, "sqlite: %.60s...: %s", sql, sqlite3_errmsg(db));
	return st;
}
