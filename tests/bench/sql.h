/*
 * SQLite calls of the benchmark tools that exit on an error, saying the
 * statement and SQLite's message; they need nothing of the daemon, so
 * that bare links them alone.
 */
#ifndef SQL_H
#define SQL_H

#include <sqlite3.h>

/* sqlite3_exec or exit with the statement and the error. */
void		 sql_exec(sqlite3 *db, const char *sql);

/* sqlite3_prepare_v2 or exit. */
sqlite3_stmt	*sql_prepare(sqlite3 *db, const char *sql);

#endif
