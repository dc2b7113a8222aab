/*
 * The counters of spec/pipelines.md §6 and the rate-limit bucket of
 * spec/ingest.md §10, one set per source and per pipeline.  A set is
 * shared by the catalog and every snapshot that names its source or
 * pipeline (reference counted), so it outlives a snapshot swap and
 * disappears with the last reference after its source or pipeline is
 * deleted.  The writer thread adds to the counters after each commit; the
 * control and HTTP threads read them (relaxed atomics: each counter is
 * exact, a set read while a commit lands may mix before and after), and
 * write them out as the Prometheus text of /metrics.
 */
#ifndef COUNTERS_H
#define COUNTERS_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

struct snapshot;

struct src_counters {
	atomic_int		 refs;
	_Atomic uint64_t	 received;
	_Atomic uint64_t	 accepted;
	_Atomic uint64_t	 rejected;
	_Atomic uint64_t	 duplicates;
	_Atomic uint64_t	 stored;
	_Atomic uint64_t	 filtered;
	_Atomic uint64_t	 rate_limited;	/* 429 answers */
	_Atomic int64_t		 last_received_at;	/* ms, 0: none */

	pthread_mutex_t		 bucket_mtx;	/* the token bucket */
	double			 tokens;
	int64_t			 bucket_at;	/* ms of the last refill
						   (monotonic), 0: none */
};

struct pipe_counters {
	atomic_int		 refs;
	_Atomic uint64_t	 receive;
	_Atomic uint64_t	 filter_passed;
	_Atomic uint64_t	 filter_failed;
	_Atomic uint64_t	 consent_passed;
	_Atomic uint64_t	 consent_failed;
	_Atomic uint64_t	 stored;
};

/*
 * The counters by name, one table for every place that shows them:
 * krctl stats (spec/pipelines.md §8.4) and /metrics (spec/ingest.md
 * §13.2).  off is the counter's offset in its struct.
 */
struct counter_field {
	const char	*name;		/* JSON member */
	const char	*metric;	/* source: metric name; pipeline: step */
	const char	*help;		/* source: HELP text; pipeline: result */
	size_t		 off;
};

#define SRC_NFIELDS	6
#define PIPE_NFIELDS	6
extern const struct counter_field src_fields[SRC_NFIELDS];
extern const struct counter_field pipe_fields[PIPE_NFIELDS];

/* The counter f of a set. */
#define counter_field_get(set, f)					\
	counter_get((_Atomic uint64_t *)(void *)((char *)(set) + (f)->off))

/* A new set with one reference and a full bucket. */
struct src_counters	*src_counters_new(void);
struct src_counters	*src_counters_ref(struct src_counters *);
void			 src_counters_unref(struct src_counters *);

struct pipe_counters	*pipe_counters_new(void);
struct pipe_counters	*pipe_counters_ref(struct pipe_counters *);
void			 pipe_counters_unref(struct pipe_counters *);

/*
 * Take n tokens from the bucket (capacity burst, refilled at per_minute
 * a minute).  Return 0 when taken, else the whole seconds (at least 1)
 * until n tokens will be there.  per_minute 0: always 0.  now_ms is on
 * the monotonic clock: a wall clock stepped back would stop the refill
 * for as long as the step.
 */
int64_t	counters_take(struct src_counters *, int64_t n, int64_t burst,
	    int64_t per_minute, int64_t now_ms);
/* Give n tokens back (not above burst). */
void	counters_give(struct src_counters *, int64_t n, int64_t burst,
	    int64_t per_minute);

/* The responses of one route with one status (spec/ingest.md §13.2). */
struct route_count {
	const char	*route;
	unsigned int	 status;
	uint64_t	 n;
};

/*
 * The text of GET /metrics (spec/ingest.md §13.2), malloc'd, *len its
 * length: the HTTP responses counted in codes, the counters of every
 * source and pipeline of snap (or none when NULL), the writer's commits
 * and failed commits, and with a server's warehouse (up 0 or 1, else -1)
 * the gauge krenalis_warehouse_up (spec/postgresql.md §1).
 */
char	*counters_metrics(const struct route_count *codes, size_t ncodes,
	    const struct snapshot *snap, uint64_t commits, uint64_t failures,
	    int up, size_t *len);

/* Add v to a counter. */
static inline void
counter_add(_Atomic uint64_t *c, uint64_t v)
{
	atomic_fetch_add_explicit(c, v, memory_order_relaxed);
}

static inline uint64_t
counter_get(_Atomic uint64_t *c)
{
	return atomic_load_explicit(c, memory_order_relaxed);
}

#endif
