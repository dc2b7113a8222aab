/*
 * The dedupe index of spec/ingest.md §11.1: which messageIds were stored
 * within the dedupe window, for a warehouse engine that cannot tell by
 * itself (SQLite, whose message_id has no index: spec/events.md §14.4).
 * Owned by that engine's writer session, on the writer thread.
 *
 * It has two parts.  A table of rows (bucket, message_id, received_at)
 * in the warehouse, kept by the engine through struct dedupe_table, is
 * written in the same transaction as the rows it describes, so it is
 * right after a restart or a crash.  Its rows are numbered in the order
 * they are added, and nothing else orders them: each insert goes at the
 * table's end, in the same few pages, however random the ids and however
 * large the table.  (A key of the id, even after a one-minute bucket,
 * puts each insert in a random page of the minute's part, and a commit
 * of a few hundred rows writes hundreds of pages.)  In memory, a hash
 * table holds 48 bits of a hash and the row number of every id in the
 * window, 12 bytes: a miss (the common case) answers at once; a hit is
 * confirmed by reading that one row, so there are no false positives.
 * The bucket, a minute of received_at, tells which rows leave the
 * window.
 */
#ifndef DEDUPE_H
#define DEDUPE_H

#include <stddef.h>
#include <stdint.h>

#define DEDUPE_BUCKET_MS	60000

struct dedupe;

/*
 * The engine's table, whose functions are called with arg by the writer
 * thread and return -1 on a database error.
 */
struct dedupe_table {
	void	*arg;
	/*
	 * Delete the rows whose bucket is before oldest; *first becomes the
	 * lowest number of a row left, INT64_MAX when none is, and *dropped
	 * how many were deleted.
	 */
	int	 (*drop)(void *arg, uint32_t oldest, int64_t *first,
		    int64_t *dropped);
	/* The number of rows. */
	int64_t	 (*count)(void *arg);
	/* Call dedupe_load for every row. */
	int	 (*load)(void *arg, struct dedupe *);
	/* 1 with *at when row number row has the message id id, else 0. */
	int	 (*find)(void *arg, int64_t row, const char *id, size_t len,
		    int64_t *at);
	/*
	 * Add the row (bucket, id, at), numbered above every row there is;
	 * *row becomes its number.  The number of a row rolled back, or of
	 * the last rows once deleted, may be given again: find compares the
	 * id, so an entry of a row gone never confirms another id.
	 */
	int	 (*put)(void *arg, uint32_t bucket, const char *id,
		    size_t len, int64_t at, int64_t *row);
};

/*
 * Drop the rows older than the window from the table and load the rest
 * into memory.  window_ms 0 means forever.  The table is borrowed for the
 * life of the index.  NULL on a database error.
 */
struct dedupe	*dedupe_open(const struct dedupe_table *, int64_t window_ms,
		    int64_t now);
void		 dedupe_free(struct dedupe *);

/*
 * A row of the table, for the table's load: its message id and number;
 * -1, logged, when the number does not fit in memory (2^48 and above).
 */
int		 dedupe_load(struct dedupe *, const char *id, size_t len,
		    int64_t row);

/* A message id and its hash, taken once for the check and the add. */
struct dedupe_id {
	const char	*s;
	size_t		 len;
	uint64_t	 hash;
};
void		 dedupe_id(struct dedupe_id *, const char *s, size_t len);

/*
 * Whether id was stored within the window before received_at: 1 yes,
 * 0 no, -1 on a database error.
 */
int		 dedupe_seen(struct dedupe *, const struct dedupe_id *,
		    int64_t received_at);

/* Record id as stored at received_at, inside the open transaction. */
int		 dedupe_add(struct dedupe *, const struct dedupe_id *,
		    int64_t received_at);

/* The transaction committed: what it added is kept. */
void		 dedupe_commit(struct dedupe *);
/* The transaction rolled back: forget what it added. */
void		 dedupe_rollback(struct dedupe *);

/*
 * Forget ids older than the window, in the table (inside a transaction
 * the caller opens) and in memory; at most once every few minutes.
 * Memory drops the entries of rows numbered below the first row left;
 * when a row out of order (a clock stepped back) holds that first row
 * low and memory comes to hold more than twice the rows there are, it is
 * loaded again from the table.  Return -1 on a database error.
 */
int		 dedupe_expire(struct dedupe *, int64_t now);

#endif
