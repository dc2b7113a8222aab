/*
 * The SQLite engine's statements, row binding and page size, for the
 * benchmark tools that fill a warehouse.db without the daemon.  The daemon reaches
 * the engine through warehouse.h only.
 */
#ifndef WH_SQLITE_H
#define WH_SQLITE_H

#include <stdint.h>

#include <sqlite3.h>

struct dedupe_group;
struct event;
struct wh_outbox;

/*
 * The page size of a new warehouse.db, in bytes; one made before keeps
 * its own.
 */
#define WH_SQLITE_PAGE_SIZE	32768

/*
 * The DDL of krenalis_events, its index and the events view
 * (spec/events.md §14.2), of krenalis_rejected (§15), of the dedupe
 * index's krenalis_dedupe (dedupe.h) and of krenalis_meta (the
 * warehouse's id and the health probe's row), for sqlite3_exec.
 */
extern const char	wh_sqlite_schema_sql[];

/*
 * INSERT INTO krenalis_events of every column but kpid (never written by
 * ingest), with one "?" per column in DDL order; a plain INSERT (§14.4).
 */
extern const char	wh_sqlite_insert_sql[];

/*
 * The writer's connection does not evaluate the DDL's CHECK constraints:
 * SQLite builds an ephemeral table for each of its three IN lists on
 * every insert, and every value the writer binds to those columns comes
 * from the event code's own lists of them (type, browser and OS names,
 * "Other").  The constraints stay in the table for every other writer;
 * PRAGMA integrity_check still finds a row that breaks one.
 */
extern const char	wh_sqlite_unchecked_sql[];

/*
 * INSERT INTO krenalis_dedupe: row, bucket, received_at, n, message_ids
 * (a group of dedupe.h).
 */
extern const char	wh_sqlite_dedupe_insert_sql[];

/*
 * Bind every parameter of wh_sqlite_insert_sql from the valid event ev.
 * Text is bound SQLITE_STATIC: the event must outlive the step.  Return
 * SQLITE_OK or the first sqlite3_bind_* error.
 */
int	wh_sqlite_bind_event(sqlite3_stmt *, const struct event *ev);

/*
 * INSERT INTO krenalis_outbox: destination_id, pipeline_id, queued_at,
 * message_id, event, seq (spec/destinations.md §3).
 */
extern const char	wh_sqlite_outbox_insert_sql[];

/* DELETE FROM krenalis_outbox of the seqs from ?1 to ?2. */
extern const char	wh_sqlite_outbox_delete_sql[];

/*
 * Bind every parameter of wh_sqlite_outbox_insert_sql from o, seq as the
 * row's (of a queued row; with o->failed set, the statement of a failed
 * row takes the reason there instead).  Text is bound SQLITE_STATIC.
 * Return SQLITE_OK or the first sqlite3_bind_* error.
 */
int	wh_sqlite_bind_outbox(sqlite3_stmt *, const struct wh_outbox *o,
	    int64_t seq);

/*
 * Bind every parameter of wh_sqlite_dedupe_insert_sql: the row numbered
 * row of the group g, bound SQLITE_STATIC.
 */
void	wh_sqlite_bind_dedupe(sqlite3_stmt *, int64_t row,
	    const struct dedupe_group *g);

#endif
