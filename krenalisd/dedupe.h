/*
 * The dedupe index of spec/ingest.md §11.1: which messageIds were stored
 * within the dedupe window, for a warehouse engine that cannot tell by
 * itself (SQLite, whose message_id has no index: spec/events.md §14.4).
 * Owned by that engine's writer session, on the writer thread.
 *
 * It has two parts.  A table of rows in the warehouse, kept by the
 * engine through struct dedupe_table, is written in the same transaction
 * as the rows it describes, so it is right after a restart or a crash.
 * A row is a group: ids of one receivedAt (a request's, or several
 * requests' of the same millisecond), up to DEDUPE_GROUP_IDS of them and
 * about DEDUPE_GROUP_BYTES, packed each as its length (a varint) and its
 * bytes.  One insert then serves the ids of
 * a group, where a row per id cost the writer more than a quarter of its
 * time per event.  Rows are numbered here, in the order they are added,
 * and nothing else orders them: each insert goes at the table's end,
 * however random the ids and however large the table.  (A key of the id,
 * even after a one-minute bucket, puts each insert in a random page of
 * the minute's part, and a commit of a few hundred rows writes hundreds of
 * pages.)  In memory, a hash table holds 48 bits of a hash, the row's
 * number and the id's place in it for every id in the window, 12 bytes:
 * a miss (the common case) answers at once; a hit is confirmed by reading
 * that one row, so there are no false positives.  The bucket, a minute of
 * receivedAt, tells which rows leave the window.
 */
#ifndef DEDUPE_H
#define DEDUPE_H

#include <stddef.h>
#include <stdint.h>

#define DEDUPE_BUCKET_MS	60000
#define DEDUPE_BUCKET(ms)	((uint32_t)((ms) / DEDUPE_BUCKET_MS))
#define DEDUPE_GROUP_IDS	64
#define DEDUPE_GROUP_BYTES	8192

struct dedupe;

/*
 * The ids of a group being filled, and the receivedAt they share: ids
 * holds len bytes, n ids.
 */
struct dedupe_group {
	unsigned char	*ids;
	size_t		 len;
	size_t		 cap;
	int		 n;
	int64_t		 at;
};

/*
 * Whether an id of len bytes received at at goes into g, rather than
 * into a group of its own: an empty group takes any.
 */
int		 dedupe_group_fits(const struct dedupe_group *, size_t len,
		    int64_t at);
/* Add the id to g, which becomes at's if empty. */
void		 dedupe_group_add(struct dedupe_group *, const char *id,
		    size_t len, int64_t at);
/* Empty g, keeping its memory; dedupe_group_free frees it. */
void		 dedupe_group_clear(struct dedupe_group *);
void		 dedupe_group_free(struct dedupe_group *);

/*
 * The engine's table, whose functions are called with arg by the writer
 * thread and return -1 on a database error.
 */
struct dedupe_table {
	void	*arg;
	/*
	 * Delete the rows whose bucket is before oldest; *first becomes the
	 * lowest number of a row left, INT64_MAX when none is, and *dropped
	 * how many ids the rows deleted held.
	 */
	int	 (*drop)(void *arg, uint32_t oldest, int64_t *first,
		    int64_t *dropped);
	/* The number of ids in all rows. */
	int64_t	 (*count)(void *arg);
	/* Call dedupe_load for every row. */
	int	 (*load)(void *arg, struct dedupe *);
	/*
	 * 1 with the row numbered row's receivedAt in *at and its packed
	 * ids in *ids and *len, valid until the next call; 0 when there is
	 * no such row.
	 */
	int	 (*find)(void *arg, int64_t row, int64_t *at,
		    const unsigned char **ids, size_t *len);
	/*
	 * Add the row numbered row, above every row there is, of group g,
	 * in the bucket DEDUPE_BUCKET(g->at).  The number of a row rolled
	 * back, or of the last rows once deleted, may be given again after a
	 * restart: the id is compared, so an entry of a row gone never
	 * confirms another id.
	 */
	int	 (*put)(void *arg, int64_t row, const struct dedupe_group *g);
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
 * The oldest bucket within window_ms before now: 0 when the window is
 * forever (0) or reaches before 1970.
 */
uint32_t	 dedupe_oldest_bucket(int64_t window_ms, int64_t now);

/*
 * A row of the table, for the table's load: its number and packed ids.
 * A row whose number does not fit in memory (2^42 and above), or whose
 * ids are not a group's, is skipped, logged; no row is given its number.
 */
void		 dedupe_load(struct dedupe *, int64_t row,
		    const unsigned char *ids, size_t len);

/*
 * The hash of a message id (never 0).  It is a pure function of the id:
 * a thread that decodes the event can take it, so that the writer does
 * not.
 */
uint64_t	 dedupe_hash(const char *s, size_t len);

/*
 * A message id and its hash, taken once for the check and the add; hash
 * is dedupe_hash's of s, or 0 to have it taken here.
 */
struct dedupe_id {
	const char	*s;
	size_t		 len;
	uint64_t	 hash;
};
void		 dedupe_id(struct dedupe_id *, const char *s, size_t len,
		    uint64_t hash);

/*
 * Start bringing into the cache the place where dedupe_seen looks for
 * the id of this hash first: the writer asks it a few events ahead, so
 * that the lookup of a large table does not wait for memory.
 */
void		 dedupe_prefetch(const struct dedupe *, uint64_t hash);

/*
 * Whether id was stored within the window before received_at: 1 yes,
 * 0 no, -1 on a database error.
 */
int		 dedupe_seen(struct dedupe *, const struct dedupe_id *,
		    int64_t received_at);

/*
 * Record id as stored at received_at, inside the open transaction: in the
 * group being filled, whose row is added when the next id does not fit
 * in it, or at dedupe_flush.
 */
int		 dedupe_add(struct dedupe *, const struct dedupe_id *,
		    int64_t received_at);

/* Add the row of the group being filled; before the commit. */
int		 dedupe_flush(struct dedupe *);

/* The transaction committed: what it added is kept. */
void		 dedupe_commit(struct dedupe *);
/* The transaction rolled back: forget what it added. */
void		 dedupe_rollback(struct dedupe *);

/*
 * Forget ids older than the window, in the table (inside a transaction
 * the caller opens) and in memory; at most once every few minutes.
 * Memory drops the entries of rows numbered below the first row left;
 * when a row out of order (a clock stepped back) holds that first row
 * low and memory comes to hold more than twice the ids there are, it is
 * loaded again from the table.  Return -1 on a database error.
 */
int		 dedupe_expire(struct dedupe *, int64_t now);

#endif
