/*
 * The PostgreSQL engine's schema and row encoding, for the benchmark
 * tools that write to PostgreSQL as the daemon does, without it.  The
 * daemon reaches the engine through warehouse.h only.
 */
#ifndef WH_PG_H
#define WH_PG_H

#include <stddef.h>
#include <stdint.h>

#include <libpq-fe.h>

struct buf;
struct event;

/*
 * Create what is missing of krenalis_events, its types, index and view,
 * and of krenalis_rejected (spec/postgresql.md §2), in one transaction
 * under the advisory lock of 'krenalis schema', and check the columns of
 * the tables that exist; -1 with err (the table, column, expected and
 * found type when one is wrong).
 */
int	 wh_pg_schema(PGconn *, int64_t deadline, char *err, size_t errlen);

/*
 * The column check of wh_pg_schema alone, on the tables that exist
 * (krenalisd -n): 0, or -1 with err.
 */
int	 wh_pg_check(PGconn *, int64_t deadline, char *err, size_t errlen);

/*
 * COPY table (every column of krenalis_events but kpid) FROM STDIN, and
 * the INSERT INTO krenalis_events ... SELECT ... FROM krenalis_tmp ON
 * CONFLICT (message_id) DO NOTHING RETURNING message_id of
 * spec/postgresql.md §3; malloc'd.  krenalis_tmp is the writer's
 * temporary table, LIKE krenalis_events.
 */
char	*wh_pg_copy_sql(const char *table);
char	*wh_pg_insert_sql(void);

/* Append the row of the valid event ev to b as a line of COPY's text. */
void	 wh_pg_copy_event(struct buf *b, const struct event *ev);

#endif
