/*
 * The sender (spec/destinations.md §4-6): sender_threads threads that
 * deliver the outbox's events to their destinations over HTTP with the
 * libcurl multi interface.  Each destination belongs to one thread (by a
 * hash of its id), which reads its queue in sequence order through an
 * outbox connection of its own, batches it, sends at most maxInFlight
 * requests at a time, and deletes, retries, splits or fails what was sent
 * according to the answer (§5).  A thread follows the published snapshot:
 * a destination that appears is served, one that disappears is dropped
 * with its transfers (its rows stay in the outbox), a disabled one keeps
 * its queue and sends nothing.
 *
 * The writer wakes the threads after a commit that queued rows
 * (sender_wake); the control thread reads what the counters of
 * destination.h do not hold (sender_status) and sends test events
 * (sender_test).  The other functions are the pure parts of delivery,
 * public for their unit tests.
 */
#ifndef SENDER_H
#define SENDER_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct buf;
struct config;
struct destination;
struct warehouse;

#define SENDER_BODY_MAX		(512 * 1024)	/* bytes of a request body */
#define SENDER_LINGER_MS	200	/* longest wait to fill a batch */
#define SENDER_REASON_MAX	256	/* bytes of a reason, NUL included */
#define SENDER_FAIL_BODY	200	/* body bytes in a failure's reason */
#define SENDER_TEST_BODY	1024	/* body bytes "destination test" shows */

struct sender;

/*
 * Count each destination's queue into its counters (those of the current
 * snapshot), then start cf->sender_threads threads reading the warehouse
 * wh as the node node (node.h); NULL with err.  Called once, before the
 * HTTP threads start, after main has set up libcurl's global state, which
 * outlives the sender.  A shared outbox (warehouse.h) is counted by the
 * first thread once it runs, and again every few seconds.
 */
struct sender	*sender_start(struct warehouse *wh, const struct config *cf,
		    const char *node, char *err, size_t errlen);
/*
 * Stop and free: transfers under way are abandoned, their rows stay
 * queued and are sent again at the next start.
 */
void		 sender_stop(struct sender *);

/* Tell the running sender, if any, that rows were queued; any thread. */
void		 sender_wake(void);

/* What the control thread reads of a destination beside its counters. */
struct sender_status {
	int64_t		 oldest_queued_at;	/* ms, 0 when none is held */
	int64_t		 last_error_at;		/* ms, 0 when none */
	char		 last_error[SENDER_REASON_MAX];
	size_t		 nlatency;		/* deliveries in the last
						   minute */
	double		 p50, p99;		/* seconds, when nlatency */
};

/*
 * The status of the destination whose id is id; zeroes when no thread
 * serves it.  Its last minute is measured on the monotonic clock.
 */
void		 sender_status(const char *id, struct sender_status *);

/* The outcome of "destination test" (spec/destinations.md §6.1). */
struct sender_test {
	long		 status;	/* 0 on a connection error */
	int64_t		 ms;
	char		*body;		/* owned; up to SENDER_TEST_BODY
					   bytes, made valid UTF-8 */
	size_t		 bodylen;
	char		 error[SENDER_REASON_MAX];	/* when status is 0 */
};

/*
 * Send one test event to d now, waiting for the answer (at most d's
 * timeout); the caller frees t->body.
 */
void		 sender_test(const struct destination *d,
		    const struct config *cf, struct sender_test *t);

/* What to do with a batch of n events that got the HTTP status. */
enum sender_verdict {
	SENDER_DELIVERED,
	SENDER_RETRY,		/* after a backoff */
	SENDER_SPLIT,		/* in halves, at once */
	SENDER_FAILED
};

/* status 0 is a connection error, timeout or TLS error (§5). */
enum sender_verdict sender_verdict(long status, size_t n);

/*
 * The wait in ms before the attempt that follows failed attempts in a
 * row: 1 s doubling to 5 min, times 0.8 + 0.4 r for r in [0, 1).
 */
int64_t		 sender_backoff(int failed, double r);

/*
 * The wait in ms that a Retry-After header's value asks for at now (s
 * since the epoch): its seconds, or the time to its HTTP date (0 when it
 * has passed), capped at 1 h; -1 when value is NULL or is neither.
 */
int64_t		 sender_retry_after(const char *value, time_t now);

/*
 * Append to b the body of a request of d carrying the n events (their
 * normalised JSON texts events[i] of lens[i] bytes) sent at now (ms),
 * before any gzip.
 */
void		 sender_body(const struct destination *d,
		    const char *const *events, const size_t *lens, size_t n,
		    int64_t now, struct buf *b);

/*
 * How many of the n events of lens[i] bytes, from the first, go in one
 * request of d: at most its batchSize and SENDER_BODY_MAX bytes of body,
 * and at least one.
 */
size_t		 sender_fit(const struct destination *d, const size_t *lens,
		    size_t n);

/*
 * The reason of a failed answer: "HTTP <status>: " and the first
 * SENDER_FAIL_BODY bytes of the body, made valid UTF-8.
 */
void		 sender_reason(long status, const char *body, size_t len,
		    char *out, size_t outlen);

#endif
