/* The writer thread and group commit; see writer.h. */
#include <sys/queue.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "log.h"
#include "timestamp.h"
#include "xmalloc.h"
#include "batch.h"
#include "config.h"
#include "counters.h"
#include "debugger.h"
#include "dedupe.h"
#include "event.h"
#include "snapshot.h"
#include "store.h"
#include "writer.h"

TAILQ_HEAD(batchq, batch);

struct writer {
	sqlite3			*db;
	const struct config	*cf;
	struct store		*store;
	struct dedupe		*dedupe;
	sqlite3_stmt		*st_event;
	sqlite3_stmt		*st_rejected;
	pthread_t		 thread;

	pthread_mutex_t		 mtx;		/* guards what follows */
	pthread_cond_t		 cv;		/* work for the writer */
	struct batchq		 queue;
	int			 stopping;

	_Atomic int64_t		 queued;	/* admitted events */
	_Atomic uint64_t	 commits;
	_Atomic uint64_t	 failures;
};

int
writer_admit(struct writer *w, size_t n)
{
	int64_t	q = atomic_fetch_add(&w->queued, (int64_t)n) + (int64_t)n;

	if (q > w->cf->writer_queue_events) {
		atomic_fetch_sub(&w->queued, (int64_t)n);
		return -1;
	}
	return 0;
}

void
writer_unadmit(struct writer *w, size_t n)
{
	atomic_fetch_sub(&w->queued, (int64_t)n);
}

int
writer_submit(struct writer *w, struct batch *b)
{
	int	failed;

	pthread_cond_init(&b->cv, NULL);
	b->done = 0;
	b->failed = 0;
	pthread_mutex_lock(&w->mtx);
	TAILQ_INSERT_TAIL(&w->queue, b, entry);
	pthread_cond_signal(&w->cv);
	while (!b->done)
		pthread_cond_wait(&b->cv, &w->mtx);
	failed = b->failed;
	pthread_mutex_unlock(&w->mtx);
	pthread_cond_destroy(&b->cv);
	return failed ? -1 : 0;
}

/*
 * Write one batch inside the open transaction: rejects to quarantine,
 * duplicates settled, stored rows inserted (spec/pipelines.md §5 steps
 * 3-4).  Return -1 on a database error.
 */
static int
write_batch(struct writer *w, struct batch *b)
{
	struct batch_event	*be;
	size_t			 i;
	int			 rc, seen;

	for (i = 0; i < b->n; i++) {
		be = &b->events[i];
		if (!be->valid) {
			be->outcome = OUTCOME_REJECTED;
			sqlite3_reset(w->st_rejected);
			if (event_bind_rejected(&be->ev, b->request_id,
			    (int64_t)i, be->raw, be->rawlen,
			    w->st_rejected) != SQLITE_OK)
				return -1;
			rc = sqlite3_step(w->st_rejected);
			sqlite3_reset(w->st_rejected);
			if (rc != SQLITE_DONE)
				return -1;
			continue;
		}
		if (be->dup_in_request) {
			be->outcome = OUTCOME_DUPLICATE;
			continue;
		}
		seen = dedupe_seen(w->dedupe, be->ev.message_id,
		    strlen(be->ev.message_id), b->received_at);
		if (seen == -1)
			return -1;
		if (seen) {
			be->outcome = OUTCOME_DUPLICATE;
			continue;
		}
		if (!be->passed) {
			be->outcome = OUTCOME_FILTERED;
			continue;
		}
		sqlite3_reset(w->st_event);
		if (event_bind_row(&be->ev, w->st_event) != SQLITE_OK)
			return -1;
		rc = sqlite3_step(w->st_event);
		sqlite3_reset(w->st_event);
		if (rc != SQLITE_DONE)
			return -1;
		if (dedupe_add(w->dedupe, be->ev.message_id,
		    strlen(be->ev.message_id), b->received_at) == -1)
			return -1;
		be->outcome = OUTCOME_STORED;
	}
	return 0;
}

/* After the commit: the counters of spec/pipelines.md §6. */
static void
count_batch(struct batch *b)
{
	struct src_counters	*sc = b->src->counters;
	struct pipe_counters	*pc;
	struct batch_event	*be;
	uint64_t		 n[4] = { 0, 0, 0, 0 };
	size_t			 i, j;
	unsigned char		 r;

	for (i = 0; i < b->n; i++) {
		be = &b->events[i];
		n[be->outcome]++;
		if (!be->valid)
			continue;
		for (j = 0; j < b->npipelines; j++) {
			r = b->results[i * b->npipelines + j];
			if (r == PRESULT_DISABLED)
				continue;
			pc = b->src->pipelines[j].counters;
			counter_add(&pc->receive, 1);
			if (r == PRESULT_FILTERED) {
				counter_add(&pc->filter_failed, 1);
				continue;
			}
			counter_add(&pc->filter_passed, 1);
			if (r == PRESULT_CONSENT) {
				counter_add(&pc->consent_failed, 1);
				continue;
			}
			counter_add(&pc->consent_passed, 1);
			if (be->outcome == OUTCOME_STORED)
				counter_add(&pc->stored, 1);
		}
	}
	counter_add(&sc->received, b->n);
	counter_add(&sc->accepted, n[OUTCOME_STORED] + n[OUTCOME_FILTERED]);
	counter_add(&sc->stored, n[OUTCOME_STORED]);
	counter_add(&sc->filtered, n[OUTCOME_FILTERED]);
	counter_add(&sc->duplicates, n[OUTCOME_DUPLICATE]);
	counter_add(&sc->rejected, n[OUTCOME_REJECTED]);
	atomic_store(&sc->last_received_at, b->received_at);
}

/* Commit every batch of q in one transaction; 0 or -1. */
static int
commit_batches(struct writer *w, struct batchq *q)
{
	struct batch	*b;

	if (sqlite3_exec(w->db, "BEGIN IMMEDIATE", NULL, NULL,
	    NULL) != SQLITE_OK) {
		log_warnx("writer: cannot begin a transaction: %s",
		    sqlite3_errmsg(w->db));
		return -1;
	}
	TAILQ_FOREACH(b, q, entry)
		if (write_batch(w, b) == -1)
			goto fail;
	if (dedupe_expire(w->dedupe, timestamp_now()) == -1)
		goto fail;
	if (sqlite3_exec(w->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		goto fail;
	dedupe_commit(w->dedupe);
	return 0;
fail:
	log_warnx("writer: transaction failed, nothing of it is kept: %s",
	    sqlite3_errmsg(w->db));
	sqlite3_exec(w->db, "ROLLBACK", NULL, NULL, NULL);
	dedupe_rollback(w->dedupe);
	return -1;
}

static void *
writer_main(void *arg)
{
	struct writer	*w = arg;
	struct batchq	 q;
	struct batch	*b;
	size_t		 nevents;
	int		 rc;

	pthread_mutex_lock(&w->mtx);
	for (;;) {
		while (TAILQ_EMPTY(&w->queue) && !w->stopping)
			pthread_cond_wait(&w->cv, &w->mtx);
		if (TAILQ_EMPTY(&w->queue) && w->stopping)
			break;
		/* Everything queued since the last commit goes in this one. */
		TAILQ_INIT(&q);
		TAILQ_CONCAT(&q, &w->queue, entry);
		pthread_mutex_unlock(&w->mtx);

		rc = commit_batches(w, &q);
		nevents = 0;
		TAILQ_FOREACH(b, &q, entry) {
			nevents += b->n;
			if (rc == 0) {
				count_batch(b);
				debugger_reserve(b);
			}
		}
		if (rc == 0) {
			atomic_fetch_add(&w->commits, 1);
			store_committed(w->store);
		} else
			atomic_fetch_add(&w->failures, 1);
		atomic_fetch_sub(&w->queued, (int64_t)nevents);

		pthread_mutex_lock(&w->mtx);
		while ((b = TAILQ_FIRST(&q)) != NULL) {
			TAILQ_REMOVE(&q, b, entry);
			b->failed = rc != 0;
			b->done = 1;
			pthread_cond_signal(&b->cv);
		}
	}
	pthread_mutex_unlock(&w->mtx);
	return NULL;
}

struct writer *
writer_start(const char *path, const struct config *cf, struct store *st,
    char *err, size_t errlen)
{
	struct writer	*w = xcalloc(1, sizeof(*w));
	char		*sql;
	int		 rc;

	w->cf = cf;
	w->store = st;
	TAILQ_INIT(&w->queue);
	pthread_mutex_init(&w->mtx, NULL);
	pthread_cond_init(&w->cv, NULL);
	if (sqlite3_open_v2(path, &w->db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK)
		goto fail;
	/* spec/ingest.md §11.2: a lock not obtained within 5 s fails. */
	sqlite3_busy_timeout(w->db, 5000);
	xasprintf(&sql, "PRAGMA journal_mode=WAL; PRAGMA synchronous=%s; "
	    "PRAGMA cache_size=-16384;", cf->synchronous);
	rc = sqlite3_exec(w->db, sql, NULL, NULL, NULL);
	free(sql);
	if (rc != SQLITE_OK)
		goto fail;
	if (sqlite3_prepare_v2(w->db, event_insert_sql, -1, &w->st_event,
	    NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(w->db, event_rejected_insert_sql, -1,
	    &w->st_rejected, NULL) != SQLITE_OK)
		goto fail;
	if ((w->dedupe = dedupe_open(w->db, cf->dedupe_window_ms,
	    timestamp_now(), err, errlen)) == NULL)
		goto fail2;
	if ((rc = pthread_create(&w->thread, NULL, writer_main, w)) != 0) {
		snprintf(err, errlen, "cannot start the writer: %s",
		    strerror(rc));
		goto fail2;
	}
	return w;
fail:
	snprintf(err, errlen, "%s: %s", path, w->db ? sqlite3_errmsg(w->db) :
	    "cannot open");
fail2:
	dedupe_free(w->dedupe);
	sqlite3_finalize(w->st_event);
	sqlite3_finalize(w->st_rejected);
	sqlite3_close(w->db);
	free(w);
	return NULL;
}

void
writer_stop(struct writer *w)
{
	if (w == NULL)
		return;
	pthread_mutex_lock(&w->mtx);
	w->stopping = 1;
	pthread_cond_signal(&w->cv);
	pthread_mutex_unlock(&w->mtx);
	pthread_join(w->thread, NULL);
	dedupe_free(w->dedupe);
	sqlite3_finalize(w->st_event);
	sqlite3_finalize(w->st_rejected);
	sqlite3_close(w->db);
	pthread_mutex_destroy(&w->mtx);
	pthread_cond_destroy(&w->cv);
	free(w);
}

uint64_t
writer_commits(const struct writer *w)
{
	return atomic_load(&((struct writer *)(uintptr_t)w)->commits);
}

uint64_t
writer_commit_failures(const struct writer *w)
{
	return atomic_load(&((struct writer *)(uintptr_t)w)->failures);
}
