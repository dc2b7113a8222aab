/*
 * The warehouse: where events are stored (spec/events.md §14),
 * rejected events quarantined (§15) and events queued for destinations
 * (spec/destinations.md §3, the outbox of destination.h), behind one
 * interface whatever the engine.  warehouse.c picks the engine by name
 * from its table of engines and dispatches to it; each engine is one
 * file filling a struct wh_engine (wh_sqlite.c: DATA_DIR/warehouse.db).
 *
 * The main thread opens the warehouse, ensures its schema and closes it
 * after every other thread is done.  The writer thread writes through a
 * session of its own.  warehouse_writable is called from any HTTP thread,
 * warehouse_rejects_range, warehouse_rejects and warehouse_outbox_drop
 * from the control thread only.  warehouse_down, warehouse_why and
 * warehouse_describe are called from any thread.  Each sender thread
 * reads and empties
 * the outbox (spec/destinations.md §5) through a connection of its own;
 * the control thread lists and requeues failed deliveries.
 *
 * A warehouse is healthy while its last commit or health probe succeeded
 * (spec/ingest.md §13.1).  An engine whose warehouse is a file checks, at
 * each commit and probe, that the file is still the one at its path: once
 * it is not, every commit and probe fails.
 */
#ifndef WAREHOUSE_H
#define WAREHOUSE_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "ids.h"
#include "batch.h"

struct config;
struct event;
struct wh_delete;		/* see warehouse_outbox_delete */

/*
 * A quarantine row (§15), as the writer adds it and as warehouse_rejects
 * reads it back; strings are NUL-terminated but raw, which has rawlen
 * bytes.  Rows read back have an id, which grows with each row added.
 */
struct wh_reject {
	const char	*received_at;	/* events.md §11.3 text */
	const char	*connection_id;
	const char	*request_id;
	int64_t		 index;		/* in the request's batch */
	const char	*message_id;	/* or NULL */
	const char	*error;
	const char	*raw;
	size_t		 rawlen;
	int64_t		 id;		/* when read back */
};

/*
 * A queued event of the outbox, as a sender thread reads it (see
 * destination.h for the tables); strings are borrowed for the length of
 * the callback that gets the row.
 */
struct wh_outbox_row {
	int64_t		 seq;		/* the order of delivery */
	int64_t		 queued_at;	/* ms */
	const char	*message_id;
	const char	*event;		/* JSON, eventlen bytes */
	size_t		 eventlen;
};

/* A failed delivery, as "destination failed" lists it. */
struct wh_failed_row {
	const char	*message_id;
	const char	*pipeline_id;
	int64_t		 queued_at;	/* ms */
	int64_t		 failed_at;	/* ms */
	int64_t		 attempts;
	const char	*reason;
};

/*
 * An outbox row (destination.h) as the writer adds it: queued, or failed
 * at once with the reason failed (spec/destinations.md §3: "queue full")
 * into krenalis_outbox_failed with no attempt.  Strings are borrowed.
 */
struct wh_outbox {
	const char	*destination_id;
	const char	*pipeline_id;
	int64_t		 queued_at;	/* ms */
	const char	*message_id;
	const char	*event;		/* normalised JSON, eventlen bytes */
	size_t		 eventlen;
	const char	*failed;	/* NULL when queued */
};

/*
 * An open warehouse.  An engine's own state begins with it (the engine
 * casts), so that warehouse.c can keep what all engines share.
 */
struct warehouse {
	const struct wh_engine	*engine;
	/* Its id, a UUID; "" until its schema is ensured, when it has none. */
	char			 id[IDS_UUID_LEN + 1];
	/*
	 * The outcome of the last commit or probe: its time in ms times two,
	 * plus one when it succeeded.
	 */
	_Atomic int64_t		 health;
};

/*
 * The writer's connection; an engine's state begins with it likewise.
 * kept: the last commit failed, yet the engine knows that the database
 * kept its transaction.
 */
struct wh_session {
	struct warehouse	*wh;
	int			 kept;
};

/*
 * The engines' statement of warehouse_outbox_count, in SQL both speak:
 * the destinations of the failed rows are found through the index of
 * krenalis_outbox_failed, one step per destination, not by reading every
 * row.
 */
#define OUTBOX_COUNT_SQL						\
	"WITH RECURSIVE f(id) AS (SELECT min(destination_id) FROM "	\
	"krenalis_outbox_failed UNION ALL SELECT (SELECT "		\
	"min(destination_id) FROM krenalis_outbox_failed WHERE "	\
	"destination_id > f.id) FROM f WHERE f.id IS NOT NULL) "	\
	"SELECT destination_id, count(*) FROM krenalis_outbox GROUP BY "\
	"destination_id UNION ALL SELECT id, 0 FROM f WHERE id IS NOT "	\
	"NULL"

/* A sender thread's connection to the outbox; likewise. */
struct wh_outbox_conn {
	struct warehouse	*wh;
};

/*
 * An engine.  Each function returns 0 (or a pointer) on success and -1
 * (or NULL) on failure, with the reason in err when it takes one, else
 * in what error gives for the session.
 */
struct wh_engine {
	const char	*name;

	/* Whether cf's warehouse exists, without creating it. */
	int		 (*exists)(const struct config *cf);
	/* Open, and read the warehouse's id when it has one. */
	struct warehouse *(*open)(const struct config *, char *err,
			    size_t errlen);
	void		 (*close)(struct warehouse *);
	/* Create what is missing of the schema, the id included. */
	int		 (*ensure_schema)(struct warehouse *, char *err,
			    size_t errlen);
	/*
	 * Whether the warehouse is still the one opened (a file: not
	 * removed or replaced); says so once when it is not, and fails
	 * every begin from then on.
	 */
	int		 (*present)(struct warehouse *);
	/* Whether a write of one row commits now; logs why not. */
	int		 (*probe)(struct warehouse *);
	/* See warehouse_rejects_range and warehouse_rejects. */
	int		 (*rejects_range)(struct warehouse *,
			    const char *source_id, int64_t count,
			    int64_t *after, int64_t *until, char *err,
			    size_t errlen);
	int		 (*rejects)(struct warehouse *, const char *source_id,
			    int64_t after, int64_t until, int64_t count,
			    void (*fn)(void *, const struct wh_reject *),
			    void *arg, char *err, size_t errlen);
	/* See warehouse_outbox_drop. */
	int		 (*outbox_drop)(struct warehouse *,
			    const char *destination_id, int64_t *dropped,
			    char *err, size_t errlen);

	struct wh_session *(*session_new)(struct warehouse *, char *err,
			    size_t errlen);
	void		 (*session_free)(struct wh_session *);
	const char	*(*error)(struct wh_session *);
	int		 (*begin)(struct wh_session *, int64_t since);
	int		 (*reject)(struct wh_session *,
			    const struct wh_reject *);
	int		 (*add)(struct wh_session *, const struct event *,
			    int store, enum outcome *);
	/* See warehouse_prefetch; NULL when there is nothing to do. */
	void		 (*prefetch)(struct wh_session *,
			    const struct event *);
	int		 (*outbox_add)(struct wh_session *,
			    const enum outcome *, const struct wh_outbox *rows,
			    size_t n);
	int		 (*commit)(struct wh_session *);
	void		 (*rollback)(struct wh_session *);

	/*
	 * What an engine whose warehouse is a server adds; NULL for one
	 * whose warehouse is a file.  unavailable is the message of the 503
	 * of a failed commit; down says whether the server is known to be
	 * unreachable now; why writes into buf the message of /healthz
	 * while the warehouse is not writable; describe returns (malloc'd)
	 * where the warehouse is and whether it is healthy.
	 */
	const char	*unavailable;
	int		 (*down)(struct warehouse *);
	void		 (*why)(struct warehouse *, char *buf, size_t len);
	char		*(*describe)(struct warehouse *);
	/*
	 * See warehouse_outbox_open and what follows it; shared when
	 * several nodes deliver from the one outbox.
	 */
	int		 shared;
	struct wh_outbox_conn *(*outbox_open)(struct warehouse *,
			    const char *node, char *err, size_t errlen);
	void		 (*outbox_close)(struct wh_outbox_conn *);
	const char	*(*outbox_error)(struct wh_outbox_conn *);
	int		 (*outbox_count)(struct wh_outbox_conn *,
			    void (*fn)(void *, const char *, int64_t),
			    void *arg);
	int		 (*outbox_next)(struct wh_outbox_conn *,
			    const char *dest_id, int64_t after, int64_t count,
			    void (*fn)(void *, const struct wh_outbox_row *),
			    void *arg);
	int		 (*outbox_delete)(struct wh_outbox_conn *,
			    const int64_t *seq, size_t n, struct wh_delete **);
	/* NULL when outbox_delete never answers 1. */
	int		 (*outbox_deleted)(struct wh_outbox_conn *,
			    struct wh_delete *, int wait);
	int		 (*outbox_fail)(struct wh_outbox_conn *,
			    const int64_t *seq, size_t n, int64_t failed_at,
			    const char *reason, int attempts);
	int		 (*outbox_failed)(struct warehouse *,
			    const char *dest_id, int64_t count,
			    void (*fn)(void *, const struct wh_failed_row *),
			    void *arg, char *err, size_t errlen);
	int		 (*outbox_oldest)(struct warehouse *,
			    const char *dest_id, int64_t *at, char *err,
			    size_t errlen);
	int		 (*outbox_requeue)(struct warehouse *,
			    const char *dest_id, int64_t now, int64_t *n,
			    char *err, size_t errlen);
};

extern const struct wh_engine	wh_sqlite;
extern const struct wh_engine	wh_pg;

/*
 * The name of the engine of cf's warehouse setting: "sqlite" or
 * "postgresql".
 */
const char	*warehouse_engine(const struct config *cf);

/*
 * Whether the warehouse of the engine called name ("sqlite") as cf
 * configures it exists; 0 for an unknown engine.  Nothing is created.
 */
int		 warehouse_exists(const char *name, const struct config *cf);

/*
 * Open the warehouse of the engine called name as cf configures it,
 * creating it when it does not exist; NULL with err.  Its id is read
 * (warehouse.id), and is "" when it has none.
 */
struct warehouse *warehouse_open(const char *name, const struct config *cf,
		    char *err, size_t errlen);
void		 warehouse_close(struct warehouse *);

/*
 * Create what is missing of the tables, indexes and view, and give the
 * warehouse an id when it has none; -1 with err.
 */
int		 warehouse_ensure_schema(struct warehouse *, char *err,
		    size_t errlen);

/*
 * Whether the warehouse is writable (spec/ingest.md §13.1): it is still
 * the one opened, and the last commit or probe succeeded less than a
 * second ago or else a new probe succeeds, which writes one row (in
 * SQLite an upsert in krenalis_meta that must commit within 2 seconds).
 */
int		 warehouse_writable(struct warehouse *);

/*
 * Whether the warehouse is known to be unreachable, so that a request
 * is answered 503 at once without waiting for a commit to fail
 * (spec/postgresql.md §4); always 0 for a file.
 */
int		 warehouse_down(struct warehouse *);

/*
 * The message of the 503 of a request whose commit failed: "events cannot
 * be stored at this time; try again later" (spec/ingest.md §11.2), or
 * with a server "warehouse is unavailable; try again later".
 */
const char	*warehouse_unavailable(const struct warehouse *);

/*
 * Into buf, the message of /healthz while the warehouse is not writable:
 * "store is not writable", or with a server "warehouse is unavailable:
 * <reason>".
 */
void		 warehouse_why(struct warehouse *, char *buf, size_t len);

/* Whether the warehouse is on a server (PostgreSQL), not a file. */
int		 warehouse_remote(const struct warehouse *);

/*
 * For krctl status, where a server's warehouse is and whether it is
 * healthy ("postgresql host=... dbname=... (healthy)"), malloc'd; NULL for
 * a file.
 */
char		*warehouse_describe(struct warehouse *);

/*
 * The quarantine is read a few rows at a time, so that a long list is
 * never held whole (spec/pipelines.md §7.5).  warehouse_rejects_range
 * sets *after and *until so that the rows of ids in (after, until] are
 * the count newest of the source whose id is source_id (every source when
 * NULL); -1 with err.
 */
int		 warehouse_rejects_range(struct warehouse *,
		    const char *source_id, int64_t count, int64_t *after,
		    int64_t *until, char *err, size_t errlen);

/*
 * Call fn for the first count rows of the source whose id is source_id
 * (every source when NULL) of ids in (after, until], oldest first; the
 * row is borrowed for the length of the call.  0, or -1 with err.
 */
int		 warehouse_rejects(struct warehouse *, const char *source_id,
		    int64_t after, int64_t until, int64_t count,
		    void (*fn)(void *, const struct wh_reject *), void *arg,
		    char *err, size_t errlen);

/*
 * Delete every row of the destination whose id is destination_id from
 * the outbox and its failures (the destination is removed); *dropped is
 * the number of queued rows deleted.  With PostgreSQL, nothing is
 * deleted while the shared catalog has the destination.  0, or -1 with
 * err.
 */
int		 warehouse_outbox_drop(struct warehouse *,
		    const char *destination_id, int64_t *dropped, char *err,
		    size_t errlen);

/* The writer's session, and the last error of its database. */
struct wh_session *warehouse_session_new(struct warehouse *, char *err,
		    size_t errlen);
void		 warehouse_session_free(struct wh_session *);
const char	*warehouse_error(struct wh_session *);

/*
 * One transaction: begin, any number of rejects and adds, then commit or
 * rollback.  Nothing of a transaction that is rolled back is kept.  A
 * transaction that cannot begin, or is rolled back, makes the warehouse
 * unhealthy until a commit or probe succeeds.  since is when the first
 * request of the transaction began to wait for it (timestamp_monotonic): an
 * engine that bounds that wait (PostgreSQL's pg_timeout) counts from
 * there.
 */
int		 warehouse_begin(struct wh_session *, int64_t since);
/* Quarantine r. */
int		 warehouse_reject(struct wh_session *,
		    const struct wh_reject *r);

/*
 * Settle the duplicate check of the valid event ev (spec/pipelines.md §5
 * step 3) and, when store is set, insert its row unless it is a
 * duplicate.  *outcome becomes OUTCOME_DUPLICATE when ev's messageId is
 * already stored (in this transaction too) and is left alone otherwise;
 * an engine may settle it as late as its commit, so ev and outcome must
 * live until warehouse_commit or warehouse_rollback returns.
 */
int		 warehouse_add(struct wh_session *, const struct event *ev,
		    int store, enum outcome *outcome);

/*
 * A hint that warehouse_add will be asked about ev soon: an engine may
 * start loading what its duplicate check of ev reads.
 */
void		 warehouse_prefetch(struct wh_session *, const struct event *ev);

/*
 * Add the n outbox rows of the valid event that warehouse_add has just
 * settled as not a duplicate, with the outcome it was given
 * (spec/destinations.md §3: an event passing several send pipelines has
 * a row for each).  An event queued and not stored does not take its
 * messageId (spec/ingest.md §11.1: only a stored row does), so a copy
 * sent again is queued again.  An engine that settles duplicates as late
 * as its commit must drop the rows of an event whose *outcome turns out
 * OUTCOME_DUPLICATE.
 */
int		 warehouse_outbox_add(struct wh_session *,
		    const enum outcome *outcome, const struct wh_outbox *rows,
		    size_t n);

/*
 * Commit, after checking that the warehouse is still the one opened; when
 * that fails (-1), the caller rolls back.
 */
int		 warehouse_commit(struct wh_session *);
void		 warehouse_rollback(struct wh_session *);

/*
 * The outbox as the sender sees it (spec/destinations.md §5).  A sender
 * thread opens a connection of its own, as the node node (node.h); every
 * function returns 0 (or a pointer), or -1 (NULL) with the reason in err
 * or warehouse_outbox_error.  Rows handed out are the caller's until it
 * deletes or fails them: in an outbox shared by several nodes (a
 * PostgreSQL warehouse) warehouse_outbox_next claims them for this
 * process, and no other takes them while the node is alive.  A shared
 * outbox has rows that other nodes queue, deliver and leave behind when
 * they die, so its sender looks for rows and counts them again now and
 * then.  The connection need not reach the warehouse when it is opened.
 */
int		 warehouse_outbox_shared(const struct warehouse *);
struct wh_outbox_conn *warehouse_outbox_open(struct warehouse *,
		    const char *node, char *err, size_t errlen);
void		 warehouse_outbox_close(struct wh_outbox_conn *);
const char	*warehouse_outbox_error(struct wh_outbox_conn *);
/*
 * Call fn with each destination id that has queued events, and how many;
 * then with 0 for each destination id that has failed events, which may
 * have been named already.
 */
int		 warehouse_outbox_count(struct wh_outbox_conn *,
		    void (*fn)(void *, const char *dest_id, int64_t n),
		    void *arg);
/*
 * Call fn for the first count rows of the destination dest_id of
 * sequence above after, in sequence order, which are not handed out
 * already.  An after of 0 says the caller holds none of the destination's
 * rows: a shared outbox then hands out again those it claimed for this
 * process before (the claim's answer may have been lost).
 */
int		 warehouse_outbox_next(struct wh_outbox_conn *,
		    const char *dest_id, int64_t after, int64_t count,
		    void (*fn)(void *, const struct wh_outbox_row *),
		    void *arg);
/*
 * Delete the n delivered rows of sequences seq, in one transaction: 0
 * when done, on the connection's own, -1 when not.  With an engine whose
 * writer must be the only one writing while ingest runs (SQLite), a
 * delete asked while the writer is at work is handed to the writer's
 * next transaction instead, and the answer is 1 at once: the caller goes
 * on, seq stays borrowed and *del names the delete until
 * warehouse_outbox_deleted says how it ended.
 */
int		 warehouse_outbox_delete(struct wh_outbox_conn *,
		    const int64_t *seq, size_t n, struct wh_delete **del);
/*
 * How the delete del, handed over by warehouse_outbox_delete, ended: 0
 * done, -1 not done, or 1 not yet.  One that the writer gave back, or
 * did not take in time, is done here then, on the connection's own
 * transaction.  With wait, the answer is never 1.  After 0 or -1, del is
 * no more.
 */
int		 warehouse_outbox_deleted(struct wh_outbox_conn *,
		    struct wh_delete *del, int wait);
/*
 * Move the n rows of sequences seq to the failed deliveries, with their
 * failure time (ms), reason and attempt count, in one transaction.
 */
int		 warehouse_outbox_fail(struct wh_outbox_conn *,
		    const int64_t *seq, size_t n, int64_t failed_at,
		    const char *reason, int attempts);
/*
 * From the control thread: call fn for the count newest failed
 * deliveries of the destination dest_id, newest first; and put them all
 * back at the end of its queue, queued at now (ms), setting *n to how
 * many.  -1 with err.
 */
int		 warehouse_outbox_failed(struct warehouse *,
		    const char *dest_id, int64_t count,
		    void (*fn)(void *, const struct wh_failed_row *),
		    void *arg, char *err, size_t errlen);
int		 warehouse_outbox_requeue(struct warehouse *,
		    const char *dest_id, int64_t now, int64_t *n, char *err,
		    size_t errlen);
/*
 * From the control thread: in *at, the queue time (ms) of the first row
 * of the destination dest_id's queue, in commit order, or 0 when it has
 * none.  -1 with err.
 */
int		 warehouse_outbox_oldest(struct warehouse *,
		    const char *dest_id, int64_t *at, char *err,
		    size_t errlen);

#endif
