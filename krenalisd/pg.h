/*
 * What every libpq user of the daemon needs (spec/postgresql.md §1): a
 * connection that gives up after pg_timeout, the connection string as it
 * may be shown (its password as "***"), and one-line error texts.
 *
 * Every function may be called from any thread; a PGconn is used by one
 * thread at a time.
 */
#ifndef PG_H
#define PG_H

#include <stddef.h>

#include <libpq-fe.h>

/*
 * Connect to the libpq URI or conninfo string conninfo, waiting at most
 * timeout seconds; NULL with a one-line reason in err.  The caller owns
 * the connection (PQfinish).
 */
PGconn	*pg_connect(const char *conninfo, int timeout, char *err,
	    size_t errlen);

/*
 * conninfo as written, with every password it holds (a URI's user:password
 * and any password parameter) replaced by "***"; the caller frees it.
 */
char	*pg_masked(const char *conninfo);

/*
 * The keywords of conninfo that say where the warehouse is, as "host=...
 * port=... dbname=... user=..." (those set, never the password); the
 * caller frees it.  A string libpq cannot parse is shown masked.
 */
char	*pg_describe(const char *conninfo);

/*
 * Into buf, one line saying why a call on conn failed: the message of res
 * (PostgreSQL's primary message, with its SQLSTATE and, when it names
 * one, the column) when res is an error, else conn's last error.  Either
 * may be NULL.  Returns buf.
 */
char	*pg_error(const PGconn *conn, const PGresult *res, char *buf,
	    size_t len);

#endif
