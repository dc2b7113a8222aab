/* The writer thread and group commit; see writer.h. */
#include <sys/queue.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "xmalloc.h"
#include "batch.h"
#include "config.h"
#include "counters.h"
#include "debugger.h"
#include "event.h"
#include "sender.h"
#include "snapshot.h"
#include "warehouse.h"
#include "writer.h"

TAILQ_HEAD(batchq, batch);

struct writer {
	struct wh_session	*session;
	const struct config	*cf;
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
			sender_wake();
		}
		else
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
