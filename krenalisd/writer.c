/* The writer thread and group commit; see writer.h. */
#include <sys/queue.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "timestamp.h"
#include "xmalloc.h"
#include "batch.h"
#include "config.h"
#include "counters.h"
#include "debugger.h"
#include "destination.h"
#include "event.h"
#include "sender.h"
#include "snapshot.h"
#include "warehouse.h"
#include "writer.h"

TAILQ_HEAD(batchq, batch);

/*
 * What one commit queues for, and fails at once for, a destination; its
 * counters are borrowed from the snapshot of a batch of the commit.
 */
struct dest_tally {
	struct dest_counters	*counters;
	int64_t			 queued;
	int64_t			 failed;
};

struct writer {
	struct wh_session	*session;
	const struct config	*cf;
	pthread_t		 thread;

	pthread_mutex_t		 mtx;		/* guards what follows */
	pthread_cond_t		 cv;		/* work for the writer */
	struct batchq		 queue;
	int			 stopping;

	_Atomic int64_t		 queued;	/* admitted events */

	/* The writer thread's: the destinations of the open transaction. */
	struct dest_tally	*tally;
	size_t			 ntally;
	size_t			 tallycap;
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

/* The tally of the destination whose counters are c, added if new. */
static struct dest_tally *
tally_get(struct writer *w, struct dest_counters *c)
{
	size_t	i;

	for (i = 0; i < w->ntally; i++)
		if (w->tally[i].counters == c)
			return &w->tally[i];
	if (w->ntally == w->tallycap) {
		w->tallycap = w->tallycap ? w->tallycap * 2 : 8;
		w->tally = xreallocarray(w->tally, w->tallycap,
		    sizeof(*w->tally));
	}
	w->tally[w->ntally].counters = c;
	w->tally[w->ntally].queued = 0;
	w->tally[w->ntally].failed = 0;
	return &w->tally[w->ntally++];
}

/*
 * Queue the valid, non-duplicate event i once for each send pipeline
 * that passed it (spec/destinations.md §3).  A destination whose queue,
 * with what this transaction queued, holds outbox_max_events gets the
 * event as failed ("queue full") instead: ingest never waits for a
 * destination.  The results become queued or failed for the debugger.
 */
static int
write_outbox(struct writer *w, struct batch *b, size_t i)
{
	struct batch_event		*be = &b->events[i];
	const struct snap_pipeline	*p;
	struct dest_tally		*t;
	struct wh_outbox		*rows;
	const char			*text;
	size_t				 j, k, n = 0, len;
	int64_t				 now = timestamp_now();
	int				 full, rc;

	text = event_text(&be->ev, &len);
	rows = xcalloc(be->sends, sizeof(*rows));
	for (j = 0; j < b->npipelines; j++) {
		p = &b->src->pipelines[j];
		k = i * b->npipelines + j;
		if (p->destination == NULL || b->results[k] != PRESULT_PASSED)
			continue;
		t = tally_get(w, p->destination->counters);
		full = atomic_load(&t->counters->queued) + t->queued >=
		    w->cf->outbox_max_events;
		rows[n].destination_id = p->destination->id;
		rows[n].pipeline_id = p->id;
		rows[n].queued_at = now;
		rows[n].message_id = be->ev.message_id;
		rows[n].event = text;
		rows[n].eventlen = len;
		rows[n++].failed = full ? "queue full" : NULL;
		b->results[k] = full ? PRESULT_FULL : PRESULT_QUEUED;
		if (full)
			t->failed++;
		else
			t->queued++;
	}
	rc = warehouse_outbox_add(w->session, &be->ev, be->passed, rows, n);
	free(rows);
	return rc;
}

/*
 * Write one batch inside the open transaction: rejects to quarantine,
 * duplicates settled, stored rows inserted (spec/pipelines.md §5 steps
 * 3-4), events queued for destinations.  Return -1 on a database error.
 */
static int
write_batch(struct writer *w, struct batch *b)
{
	struct batch_event	*be;
	struct wh_reject	 r;
	size_t			 i;

	for (i = 0; i < b->n; i++) {
		be = &b->events[i];
		if (!be->valid) {
			be->outcome = OUTCOME_REJECTED;
			r.received_at = be->ev.received_at_text;
			r.connection_id = be->ev.connection_id;
			r.request_id = b->request_id;
			r.index = (int64_t)i;
			r.message_id = be->ev.message_id;
			r.error = be->ev.error;
			r.raw = be->raw;
			r.rawlen = be->rawlen;
			if (warehouse_reject(w->session, &r) == -1)
				return -1;
			continue;
		}
		if (be->dup_in_request) {
			be->outcome = OUTCOME_DUPLICATE;
			continue;
		}
		be->outcome = be->passed ? OUTCOME_STORED : OUTCOME_FILTERED;
		if (warehouse_add(w->session, &be->ev, be->passed,
		    &be->outcome) == -1)
			return -1;
		if (be->sends > 0 && be->outcome != OUTCOME_DUPLICATE &&
		    write_outbox(w, b, i) == -1)
			return -1;
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
			if (be->outcome == OUTCOME_STORED &&
			    b->src->pipelines[j].destination == NULL)
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

	w->ntally = 0;
	if (warehouse_begin(w->session) == -1) {
		log_warnx("writer: cannot begin a transaction: %s",
		    warehouse_error(w->session));
		return -1;
	}
	TAILQ_FOREACH(b, q, entry)
		if (write_batch(w, b) == -1)
			goto fail;
	if (warehouse_commit(w->session) == -1)
		goto fail;
	return 0;
fail:
	log_warnx("writer: transaction failed, nothing of it is kept: %s",
	    warehouse_error(w->session));
	warehouse_rollback(w->session);
	return -1;
}

static void *
writer_main(void *arg)
{
	struct writer	*w = arg;
	struct batchq	 q;
	struct batch	*b;
	size_t		 nevents, i;
	int64_t		 queued;
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
		/* The destinations' counters follow the outbox's commit. */
		queued = 0;
		for (i = 0; rc == 0 && i < w->ntally; i++) {
			queued += w->tally[i].queued;
			atomic_fetch_add(&w->tally[i].counters->queued,
			    w->tally[i].queued);
			atomic_fetch_add(&w->tally[i].counters->failed,
			    (uint64_t)w->tally[i].failed);
		}
		nevents = 0;
		TAILQ_FOREACH(b, &q, entry) {
			nevents += b->n;
			if (rc == 0) {
				count_batch(b);
				debugger_reserve(b);
			}
		}
		if (rc == 0)
			atomic_fetch_add(&w->commits, 1);
		else
			atomic_fetch_add(&w->failures, 1);
		if (queued > 0)
			sender_wake();
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
writer_start(struct warehouse *wh, const struct config *cf, char *err,
    size_t errlen)
{
	struct writer	*w = xcalloc(1, sizeof(*w));
	int		 rc;

	w->cf = cf;
	TAILQ_INIT(&w->queue);
	pthread_mutex_init(&w->mtx, NULL);
	pthread_cond_init(&w->cv, NULL);
	if ((w->session = warehouse_session_new(wh, err, errlen)) == NULL)
		goto fail;
	if ((rc = pthread_create(&w->thread, NULL, writer_main, w)) != 0) {
		snprintf(err, errlen, "cannot start the writer: %s",
		    strerror(rc));
		goto fail;
	}
	return w;
fail:
	warehouse_session_free(w->session);
	pthread_mutex_destroy(&w->mtx);
	pthread_cond_destroy(&w->cv);
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
	warehouse_session_free(w->session);
	free(w->tally);
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
