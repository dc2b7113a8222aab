/* The writer threads and group commit; see writer.h. */
#include <sys/queue.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "timestamp.h"
#include "xmalloc.h"
#include "batch.h"
#include "config.h"
#include "counters.h"
#include "debugger.h"
#include "destination.h"
#include "event.h"
#include "msgids.h"
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

struct writer;

/* A connection of the writer: its thread and its session. */
struct writer_conn {
	struct writer		*w;
	struct wh_session	*session;
	pthread_t		 thread;
	int			 started;
	/*
	 * The message ids of the group it commits, when there are several
	 * connections; guarded by the writer's mtx.
	 */
	struct msgids		 inflight;

	/* The destinations of its open transaction. */
	struct dest_tally	*tally;
	size_t			 ntally;
	size_t			 tallycap;
	/* The outbox rows of one event, kept from event to event. */
	struct wh_outbox	*rows;
	size_t			 rowscap;
};

struct writer {
	const struct config	*cf;
	struct warehouse	*wh;
	struct writer_conn	*conns;
	int			 nconns;

	/*
	 * Batches submitted and not yet moved to the queue, newest first:
	 * a request adds its own without the mutex, and takes it only to
	 * wake the writer when it finds the inbox empty.
	 */
	_Atomic(struct batch *)	 inbox;

	pthread_mutex_t		 mtx;		/* guards what follows */
	pthread_cond_t		 cv;		/* work, or a group done */
	struct batchq		 queue;
	int			 stopping;

	_Atomic int64_t		 queued;	/* admitted events */
	_Atomic uint64_t	 commits;
	_Atomic uint64_t	 failures;
};

int
writer_admit(struct writer *w, size_t n)
{
	int64_t	q;

	if (warehouse_down(w->wh))
		return WRITER_DOWN;
	q = atomic_fetch_add(&w->queued, (int64_t)n) + (int64_t)n;
	if (q > w->cf->writer_queue_events) {
		atomic_fetch_sub(&w->queued, (int64_t)n);
		return -1;
	}
	return 0;
}

const char *
writer_unavailable(const struct writer *w)
{
	return warehouse_unavailable(w->wh);
}

void
writer_unadmit(struct writer *w, size_t n)
{
	atomic_fetch_sub(&w->queued, (int64_t)n);
}

/*
 * Add b to the inbox and wait for the writer's report.  Only the request
 * that finds the inbox empty takes the mutex, to wake the writer: one
 * that finds it holding batches leaves them a company the writer has yet
 * to take, with the wake of the first of them.  The wait is on the
 * batch's own semaphore, which the writer posts without waking a request
 * that has not gone to sleep yet.
 */
int
writer_submit(struct writer *w, struct batch *b)
{
	struct batch	*head;
	int		 failed;

	if (sem_init(&b->done, 0, 0) == -1)
		fatal("writer: sem_init");
	b->failed = 0;
	b->submitted = timestamp_monotonic();
	head = atomic_load_explicit(&w->inbox, memory_order_relaxed);
	do
		b->inbox_next = head;
	while (!atomic_compare_exchange_weak_explicit(&w->inbox, &head, b,
	    memory_order_release, memory_order_relaxed));
	if (head == NULL) {
		pthread_mutex_lock(&w->mtx);
		pthread_cond_broadcast(&w->cv);
		pthread_mutex_unlock(&w->mtx);
	}
	while (sem_wait(&b->done) == -1)
		if (errno != EINTR)
			fatal("writer: sem_wait");
	failed = b->failed;
	sem_destroy(&b->done);
	return failed ? -1 : 0;
}

/*
 * Move the inbox to the tail of the queue, oldest first.  Called with
 * mtx held.
 */
static void
inbox_move(struct writer *w)
{
	struct batch	*b, *next, *rev = NULL;

	b = atomic_exchange_explicit(&w->inbox, NULL, memory_order_acquire);
	for (; b != NULL; b = next) {
		next = b->inbox_next;
		b->inbox_next = rev;
		rev = b;
	}
	for (b = rev; b != NULL; b = b->inbox_next)
		TAILQ_INSERT_TAIL(&w->queue, b, entry);
}

/* The tally of the destination whose counters are c, added if new. */
static struct dest_tally *
tally_get(struct writer_conn *c, struct dest_counters *dc)
{
	size_t	i;

	for (i = 0; i < c->ntally; i++)
		if (c->tally[i].counters == dc)
			return &c->tally[i];
	if (c->ntally == c->tallycap) {
		c->tallycap = c->tallycap ? c->tallycap * 2 : 8;
		c->tally = xreallocarray(c->tally, c->tallycap,
		    sizeof(*c->tally));
	}
	c->tally[c->ntally].counters = dc;
	c->tally[c->ntally].queued = 0;
	c->tally[c->ntally].failed = 0;
	return &c->tally[c->ntally++];
}

/*
 * Queue the valid, non-duplicate event i once for each send pipeline
 * that passed it (spec/destinations.md §3).  A destination whose queue,
 * with what this transaction queued, holds outbox_max_events gets the
 * event as failed ("queue full") instead: ingest never waits for a
 * destination.  The results become queued or failed for the debugger.
 */
static int
write_outbox(struct writer_conn *c, struct batch *b, size_t i)
{
	struct batch_event		*be = &b->events[i];
	const struct snap_pipeline	*p;
	struct dest_tally		*t;
	struct wh_outbox		*rows;
	const char			*text;
	size_t				 j, k, n = 0, len;
	int64_t				 now = timestamp_now();
	int				 full;

	text = event_text(&be->ev, &len);
	if ((size_t)be->sends > c->rowscap) {
		c->rowscap = (size_t)be->sends;
		c->rows = xreallocarray(c->rows, c->rowscap, sizeof(*c->rows));
	}
	rows = c->rows;
	for (j = 0; j < b->npipelines; j++) {
		p = &b->src->pipelines[j];
		k = i * b->npipelines + j;
		if (p->destination == NULL || b->results[k] != PRESULT_PASSED)
			continue;
		/*
		 * Removed since the request took its snapshot: its queue is
		 * dropped after the flag is set, in a transaction of its own,
		 * so a row written here would outlive it.  With SQLite both
		 * hold the write lock: either this transaction commits first
		 * and the drop takes its rows, or it reads the flag set.
		 */
		if (atomic_load(&p->destination->counters->removed))
			continue;
		t = tally_get(c, p->destination->counters);
		full = atomic_load(&t->counters->queued) + t->queued >=
		    c->w->cf->outbox_max_events;
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
	return warehouse_outbox_add(c->session, &be->outcome, rows, n);
}

/*
 * An engine that settles duplicates at its commit has dropped the outbox
 * rows of an event that turned out to be one: its results and the tally
 * go back to what they are for a duplicate settled at once.
 */
static void
untally_duplicates(struct writer_conn *c, struct batchq *q)
{
	struct batch		*b;
	struct dest_tally	*t;
	unsigned char		*r;
	size_t			 i, j;

	TAILQ_FOREACH(b, q, entry)
		for (i = 0; i < b->n; i++) {
			if (b->events[i].sends == 0 ||
			    b->events[i].outcome != OUTCOME_DUPLICATE)
				continue;
			for (j = 0; j < b->npipelines; j++) {
				r = &b->results[i * b->npipelines + j];
				if (*r != PRESULT_QUEUED && *r != PRESULT_FULL)
					continue;
				t = tally_get(c, b->src->pipelines[j].
				    destination->counters);
				if (*r == PRESULT_FULL)
					t->failed--;
				else
					t->queued--;
				*r = PRESULT_PASSED;
			}
		}
}

/*
 * The duplicate check of an event reads memory that a large dedupe index
 * has in no cache: it is asked for this many events ahead, so that the
 * wait overlaps the inserts of the events before.
 */
#define PREFETCH_AHEAD	4

static void
prefetch(struct writer_conn *c, struct batch *b, size_t i)
{
	if (i < b->n && b->events[i].valid && !b->events[i].dup_in_request)
		warehouse_prefetch(c->session, &b->events[i].ev);
}

/*
 * Write one batch inside the open transaction: rejects to quarantine,
 * duplicates settled, stored rows inserted (spec/pipelines.md §5 steps
 * 3-4), events queued for destinations.  Return -1 on a database error.
 */
static int
write_batch(struct writer_conn *c, struct batch *b)
{
	struct batch_event	*be;
	struct wh_reject	 r;
	size_t			 i;

	for (i = 0; i < PREFETCH_AHEAD; i++)
		prefetch(c, b, i);
	for (i = 0; i < b->n; i++) {
		be = &b->events[i];
		prefetch(c, b, i + PREFETCH_AHEAD);
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
			if (warehouse_reject(c->session, &r) == -1)
				return -1;
			continue;
		}
		if (be->dup_in_request) {
			be->outcome = OUTCOME_DUPLICATE;
			continue;
		}
		be->outcome = be->passed ? OUTCOME_STORED : OUTCOME_FILTERED;
		if (warehouse_add(c->session, &be->ev, be->passed,
		    &be->outcome) == -1)
			return -1;
		if (be->sends > 0 && be->outcome != OUTCOME_DUPLICATE &&
		    write_outbox(c, b, i) == -1)
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
commit_batches(struct writer_conn *c, struct batchq *q)
{
	struct wh_session	*session = c->session;
	struct batch		*b;
	int64_t			 since = INT64_MAX;

	c->ntally = 0;
	TAILQ_FOREACH(b, q, entry)
		if (b->submitted < since)
			since = b->submitted;
	/*
	 * A warehouse that is down says so once, when it goes down, and
	 * not at each transaction that fails on it.
	 */
	if (warehouse_begin(session, since) == -1) {
		if (!warehouse_down(session->wh))
			log_warnx("writer: cannot begin a transaction: %s",
			    warehouse_error(session));
		return -1;
	}
	TAILQ_FOREACH(b, q, entry)
		if (write_batch(c, b) == -1)
			goto fail;
	if (warehouse_commit(session) == -1)
		goto fail;
	return 0;
fail:
	if (session->kept)
		log_warnx("writer: transaction failed, yet the database kept "
		    "it: %s", warehouse_error(session));
	else if (!warehouse_down(session->wh))
		log_warnx("writer: transaction failed, nothing of it is kept: "
		    "%s", warehouse_error(session));
	warehouse_rollback(session);
	return -1;
}

/*
 * Whether a valid event of b has a message id in the group that another
 * connection commits.  Called with mtx held.
 */
static int
batch_conflicts(const struct writer_conn *c, const struct batch *b)
{
	const struct writer	*w = c->w;
	size_t			 i;
	int			 j;

	for (j = 0; j < w->nconns; j++) {
		if (&w->conns[j] == c || w->conns[j].inflight.n == 0)
			continue;
		for (i = 0; i < b->n; i++)
			if (b->events[i].valid && msgids_has(
			    &w->conns[j].inflight, b->events[i].ev.message_id))
				return 1;
	}
	return 0;
}

/*
 * Move into q the batches at the head of the queue, in order, up to the
 * first whose message ids another connection has in flight: that one
 * waits for the other's commit, so that two groups in flight never share
 * a message id (spec/postgresql.md §3).  With one connection, everything
 * queued.  Return whether q has any.  Called with mtx held.
 */
static int
take(struct writer_conn *c, struct batchq *q)
{
	struct writer	*w = c->w;
	struct batch	*b;
	size_t		 i;

	TAILQ_INIT(q);
	if (w->nconns == 1) {
		TAILQ_CONCAT(q, &w->queue, entry);
		return !TAILQ_EMPTY(q);
	}
	while ((b = TAILQ_FIRST(&w->queue)) != NULL &&
	    !batch_conflicts(c, b)) {
		TAILQ_REMOVE(&w->queue, b, entry);
		TAILQ_INSERT_TAIL(q, b, entry);
		for (i = 0; i < b->n; i++)
			if (b->events[i].valid)
				msgids_add(&c->inflight,
				    b->events[i].ev.message_id);
	}
	return !TAILQ_EMPTY(q);
}

static void *
writer_main(void *arg)
{
	struct writer_conn	*c = arg;
	struct writer		*w = c->w;
	struct batchq		 q;
	struct batch		*b;
	size_t			 nevents, nbatches, i;
	int64_t			 queued;
	struct timespec		 t0, t1;
	int			 rc;

	pthread_mutex_lock(&w->mtx);
	for (;;) {
		inbox_move(w);
		while (!take(c, &q)) {
			if (TAILQ_EMPTY(&w->queue) && w->stopping &&
			    atomic_load(&w->inbox) == NULL)
				goto out;
			/*
			 * A request that adds to an empty inbox wakes the
			 * writer with mtx held: seen empty here, it cannot
			 * add before the wait has begun.
			 */
			if (atomic_load(&w->inbox) == NULL)
				pthread_cond_wait(&w->cv, &w->mtx);
			inbox_move(w);
		}
		pthread_mutex_unlock(&w->mtx);

		if (log_getverbose() > 0)
			clock_gettime(CLOCK_MONOTONIC, &t0);
		rc = commit_batches(c, &q);
		if (rc == 0)
			untally_duplicates(c, &q);
		/* The destinations' counters follow the outbox's commit. */
		queued = 0;
		for (i = 0; rc == 0 && i < c->ntally; i++) {
			queued += c->tally[i].queued;
			atomic_fetch_add(&c->tally[i].counters->queued,
			    c->tally[i].queued);
			atomic_fetch_add(&c->tally[i].counters->failed,
			    (uint64_t)c->tally[i].failed);
		}
		nevents = nbatches = 0;
		TAILQ_FOREACH(b, &q, entry) {
			nevents += b->n;
			nbatches++;
			if (rc == 0) {
				count_batch(b);
				debugger_reserve(b);
			}
		}
		if (rc == 0)
			atomic_fetch_add(&w->commits, 1);
		else
			atomic_fetch_add(&w->failures, 1);
		if (rc == 0 && log_getverbose() > 0) {
			clock_gettime(CLOCK_MONOTONIC, &t1);
			log_debug("writer: committed %zu event%s of %zu "
			    "request%s in %.3f ms", nevents, nevents == 1 ? "" :
			    "s", nbatches, nbatches == 1 ? "" : "s",
			    (double)(t1.tv_sec - t0.tv_sec) * 1e3 +
			    (double)(t1.tv_nsec - t0.tv_nsec) / 1e6);
		}
		if (queued > 0)
			sender_wake();
		atomic_fetch_sub(&w->queued, (int64_t)nevents);

		/*
		 * The group's ids borrow its events' strings: they go before
		 * any batch is told, and a batch that waited for this group
		 * may go now.
		 */
		pthread_mutex_lock(&w->mtx);
		msgids_clear(&c->inflight);
		pthread_cond_broadcast(&w->cv);
		pthread_mutex_unlock(&w->mtx);
		/* Once done, a batch is its thread's again: b is not read. */
		while ((b = TAILQ_FIRST(&q)) != NULL) {
			TAILQ_REMOVE(&q, b, entry);
			b->failed = rc != 0;
			if (sem_post(&b->done) == -1)
				fatal("writer: sem_post");
		}
		pthread_mutex_lock(&w->mtx);
	}
out:
	pthread_mutex_unlock(&w->mtx);
	return NULL;
}

/* Stop the threads that started, and free w. */
static void
writer_free(struct writer *w)
{
	int	i;

	pthread_mutex_lock(&w->mtx);
	w->stopping = 1;
	pthread_cond_broadcast(&w->cv);
	pthread_mutex_unlock(&w->mtx);
	for (i = 0; i < w->nconns; i++) {
		if (w->conns[i].started)
			pthread_join(w->conns[i].thread, NULL);
		warehouse_session_free(w->conns[i].session);
		msgids_release(&w->conns[i].inflight);
		free(w->conns[i].tally);
		free(w->conns[i].rows);
	}
	free(w->conns);
	pthread_mutex_destroy(&w->mtx);
	pthread_cond_destroy(&w->cv);
	free(w);
}

/*
 * A PostgreSQL warehouse takes pg_connections groups at once, each on a
 * session of its own; a file, one.
 */
struct writer *
writer_start(struct warehouse *wh, const struct config *cf, char *err,
    size_t errlen)
{
	struct writer	*w = xcalloc(1, sizeof(*w));
	int		 i, rc;

	w->cf = cf;
	w->wh = wh;
	w->nconns = warehouse_remote(wh) ? (int)cf->pg_connections : 1;
	w->conns = xcalloc(w->nconns, sizeof(*w->conns));
	TAILQ_INIT(&w->queue);
	pthread_mutex_init(&w->mtx, NULL);
	pthread_cond_init(&w->cv, NULL);
	for (i = 0; i < w->nconns; i++) {
		w->conns[i].w = w;
		if ((w->conns[i].session = warehouse_session_new(wh, err,
		    errlen)) == NULL)
			goto fail;
	}
	for (i = 0; i < w->nconns; i++) {
		if ((rc = pthread_create(&w->conns[i].thread, NULL,
		    writer_main, &w->conns[i])) != 0) {
			snprintf(err, errlen, "cannot start the writer: %s",
			    strerror(rc));
			goto fail;
		}
		w->conns[i].started = 1;
	}
	return w;
fail:
	writer_free(w);
	return NULL;
}

void
writer_stop(struct writer *w)
{
	if (w != NULL)
		writer_free(w);
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
