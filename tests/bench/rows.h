/*
 * Warehouse rows for the in-process measurements: the events of a
 * payload decoded once by the daemon's own event_decode, ready for
 * wh_sqlite_bind_event, and SQLite helpers (with sql.h's).
 */
#ifndef ROWS_H
#define ROWS_H

#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

#include "dedupe.h"
#include "event.h"
#include "payload.h"
#include "sql.h"

/*
 * Decode the p->n events of the batch body p (a copy of p->body may be
 * given as body) as one request received at received_at would be.  Return
 * an array of p->n valid events; free it with rows_free.  Exits when an
 * event is rejected: the payload is meant to be valid.
 */
struct event	*rows_decode(const struct payload *p, const char *body,
		    int64_t received_at);
void		 rows_free(struct event *evs, size_t n);

/* Set the received time of a decoded event (both its forms). */
void		 rows_set_received(struct event *ev, int64_t ms);
/* Give ev the message id id (borrowed), with its length. */
void		 rows_set_message_id(struct event *ev, const char *id);

/* Open a fresh database at path (any old file is removed), or exit. */
sqlite3		*rows_db_create(const char *path);
/* Remove the database at path with its -wal and -shm files. */
void		 rows_db_remove(const char *path);

/*
 * The dedupe id of an event received at at, as the writer adds it: into
 * the group g, whose row is first put with st (wh_sqlite_dedupe_insert_sql)
 * numbered *row, when the id does not fit in it.  rows_dedupe_flush puts
 * g's row, if it has ids.  Both exit on an error.
 */
void		 rows_dedupe_add(sqlite3_stmt *st, struct dedupe_group *g,
		    int64_t *row, const char *id, size_t len, int64_t at);
void		 rows_dedupe_flush(sqlite3_stmt *st, struct dedupe_group *g,
		    int64_t *row);

#endif
