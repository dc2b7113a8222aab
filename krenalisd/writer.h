/*
 * The writer: a thread that commits the batches of many requests in one
 * transaction (group commit, spec/ingest.md §11.2) through its warehouse
 * session, which settles duplicates (§11.1), and only then updates the
 * counters and wakes the requests.  With PostgreSQL, pg_connections such
 * threads, each with its session, commit groups at once; a batch with a
 * message id in another's group waits for that group's commit
 * (spec/postgresql.md §3).
 */
#ifndef WRITER_H
#define WRITER_H

#include <stddef.h>
#include <stdint.h>

struct batch;
struct config;
struct warehouse;
struct writer;

/* Open the writer's session of the warehouse and start its thread. */
struct writer	*writer_start(struct warehouse *, const struct config *,
		    char *err, size_t errlen);

/*
 * Step 14: admit n more events into the queue; -1 when that would pass
 * writer_queue_events, WRITER_DOWN when the warehouse is known to be
 * down (spec/postgresql.md §4).  Admitted events leave the queue when
 * their batch is committed or fails, or with writer_unadmit.
 */
#define WRITER_DOWN	(-2)
int		 writer_admit(struct writer *, size_t n);
void		 writer_unadmit(struct writer *, size_t n);

/*
 * The message of the 503 of a request whose commit failed, or that
 * writer_admit refused with WRITER_DOWN.
 */
const char	*writer_unavailable(const struct writer *);

/*
 * Queue the batch (whose n events were admitted) and wait until the
 * writer has committed it (0) or failed to (-1).
 */
int		 writer_submit(struct writer *, struct batch *);

/* Commit what is queued, then stop the thread and close. */
void		 writer_stop(struct writer *);

/* Successful and failed transactions (spec/ingest.md §13.2). */
uint64_t	 writer_commits(const struct writer *);
uint64_t	 writer_commit_failures(const struct writer *);

#endif
