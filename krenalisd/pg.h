/*
 * What every libpq user of the daemon needs (spec/postgresql.md §1): a
 * connection that gives up after pg_timeout, statements bounded by a
 * deadline, the connection string as it may be shown (its password as
 * "***"), and one-line error texts.
 *
 * Every function may be called from any thread; a PGconn is used by one
 * thread at a time.  pg_run and pg_copy never wait past their deadline
 * (a time in ms, as timestamp_monotonic gives): at the deadline they ask the
 * server to cancel (PQcancel, from a thread of its own so that a server
 * that does not answer cannot hold them), and a second later they give
 * the connection up, which then has the status CONNECTION_BAD.
 */
#ifndef PG_H
#define PG_H

#include <stddef.h>
#include <stdint.h>

#include <libpq-fe.h>

struct buf;

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
 * 0 when libpq can read conninfo; else -1 with err saying why, conninfo
 * and libpq's message with every password of conninfo masked.
 */
int	pg_conninfo_check(const char *conninfo, char *err, size_t errlen);

/*
 * The keywords of conninfo that say where the warehouse is, as "host=...
 * port=... dbname=... user=... password=***" (those set; the password as
 * *** when there is one); the caller frees it.  A string libpq cannot
 * parse is shown masked.
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

/*
 * Send sql, with nparams text parameters (NULL for SQL NULL) when nparams
 * is not 0, and wait for its results.  sql without parameters may hold
 * several statements.  Return the last result when every one succeeded,
 * or the PGRES_COPY_IN result of a COPY ... FROM STDIN (then go on with
 * pg_copy); the caller PQclears it.  NULL with the reason in err
 * otherwise, and when they succeeded only after being cancelled at the
 * deadline (err then begins with PG_LATE).
 */
#define PG_LATE	"the statement was cancelled at the deadline, and still "\
		"ended with "
PGresult *pg_run(PGconn *, const char *sql, int nparams,
	    const char *const *params, int64_t deadline, char *err,
	    size_t errlen);

/*
 * After pg_run started a COPY ... FROM STDIN: send the len bytes of data
 * and end the copy; 0, or -1 with err.
 */
int	 pg_copy(PGconn *, const char *data, size_t len, int64_t deadline,
	    char *err, size_t errlen);

/* The deadline ms from now, on the clock pg_run and pg_copy read. */
int64_t	 pg_deadline(int64_t ms);

/*
 * Add s to the text array literal b (started by the first call), quoted,
 * for a parameter of type text[]; pg_array_end closes it, empty or not.
 */
void	 pg_array_add(struct buf *b, const char *s);
void	 pg_array_end(struct buf *b);

/*
 * How many of the relations rels (tables, indexes, views) are missing
 * from the connection's default schema (current_schema, where CREATE puts
 * them: spec/postgresql.md), and of the types types are not visible on
 * its search_path; -1 with err.  Each list ends with NULL.  What exists
 * need not, and may not, be created again: CREATE ... IF NOT EXISTS asks
 * for the schema's CREATE privilege even then.
 */
int	 pg_missing(PGconn *, const char *const *rels,
	    const char *const *types, int64_t deadline, char *err,
	    size_t errlen);

#endif
