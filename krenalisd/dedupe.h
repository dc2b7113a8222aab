/*
 * The dedupe index of spec/ingest.md §11.1: which messageIds were stored
 * within the dedupe window.  Owned by the writer thread.
 *
 * It has two parts.  The table krenalis_dedupe (bucket, message_id,
 * received_at) in the warehouse is written in the same transaction as the
 * rows it describes, so it is right after a restart or a crash; its key
 * starts with a one-minute time bucket, so inserts stay in a few pages
 * however large the warehouse grows.  In memory, a hash table holds a
 * 64-bit hash and the bucket of every id in the window: a miss (the
 * common case) answers at once; a hit is confirmed by one exact lookup of
 * (bucket, message_id) in the table, so there are no false positives.
 */
#ifndef DEDUPE_H
#define DEDUPE_H

#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

struct dedupe;

/*
 * Create the table if needed, drop rows older than the window and load
 * the window into memory.  window_ms 0 means forever.  NULL with err.
 */
struct dedupe	*dedupe_open(sqlite3 *db, int64_t window_ms, int64_t now,
		    char *err, size_t errlen);
void		 dedupe_free(struct dedupe *);

/*
 * Whether id was stored within the window before received_at: 1 yes,
 * 0 no, -1 on a database error.
 */
int		 dedupe_seen(struct dedupe *, const char *id, size_t len,
		    int64_t received_at);

/* Record id as stored at received_at, inside the open transaction. */
int		 dedupe_add(struct dedupe *, const char *id, size_t len,
		    int64_t received_at);

/* The transaction committed: what it added is kept. */
void		 dedupe_commit(struct dedupe *);
/* The transaction rolled back: forget what it added. */
void		 dedupe_rollback(struct dedupe *);

/*
 * Forget ids older than the window, in memory and (inside a transaction
 * the caller opens) in the table; at most once every few minutes.
 * Return -1 on a database error.
 */
int		 dedupe_expire(struct dedupe *, int64_t now);

/* Number of ids held in memory. */
size_t		 dedupe_count(const struct dedupe *);

#endif
