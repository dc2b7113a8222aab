/* Counters and rate-limit buckets; see counters.h. */
#include <math.h>
#include <stddef.h>
#include <stdlib.h>

#include "xmalloc.h"
#include "counters.h"

const struct counter_field src_fields[SRC_NFIELDS] = {
	{ "received", "krenalis_events_received_total",
	    "Events of committed requests.",
	    offsetof(struct src_counters, received) },
	{ "accepted", "krenalis_events_accepted_total", "Accepted events.",
	    offsetof(struct src_counters, accepted) },
	{ "rejected", "krenalis_events_rejected_total", "Rejected events.",
	    offsetof(struct src_counters, rejected) },
	{ "duplicates", "krenalis_events_duplicates_total",
	    "Duplicate events.", offsetof(struct src_counters, duplicates) },
	{ "stored", "krenalis_events_stored_total",
	    "Rows inserted into krenalis_events.",
	    offsetof(struct src_counters, stored) },
	{ "filtered", "krenalis_events_filtered_total",
	    "Accepted events that no enabled pipeline passed.",
	    offsetof(struct src_counters, filtered) },
};

const struct counter_field pipe_fields[PIPE_NFIELDS] = {
	{ "receive", "receive", "passed",
	    offsetof(struct pipe_counters, receive) },
	{ "filterPassed", "filter", "passed",
	    offsetof(struct pipe_counters, filter_passed) },
	{ "filterFailed", "filter", "failed",
	    offsetof(struct pipe_counters, filter_failed) },
	{ "consentPassed", "consent", "passed",
	    offsetof(struct pipe_counters, consent_passed) },
	{ "consentFailed", "consent", "failed",
	    offsetof(struct pipe_counters, consent_failed) },
	{ "stored", "finalize", "passed",
	    offsetof(struct pipe_counters, stored) },
};

struct src_counters *
src_counters_new(void)
{
	struct src_counters	*c = xcalloc(1, sizeof(*c));

	atomic_init(&c->refs, 1);
	pthread_mutex_init(&c->bucket_mtx, NULL);
	return c;
}

struct src_counters *
src_counters_ref(struct src_counters *c)
{
	atomic_fetch_add(&c->refs, 1);
	return c;
}

void
src_counters_unref(struct src_counters *c)
{
	if (c == NULL || atomic_fetch_sub(&c->refs, 1) != 1)
		return;
	pthread_mutex_destroy(&c->bucket_mtx);
	free(c);
}

struct pipe_counters *
pipe_counters_new(void)
{
	struct pipe_counters	*c = xcalloc(1, sizeof(*c));

	atomic_init(&c->refs, 1);
	return c;
}

struct pipe_counters *
pipe_counters_ref(struct pipe_counters *c)
{
	atomic_fetch_add(&c->refs, 1);
	return c;
}

void
pipe_counters_unref(struct pipe_counters *c)
{
	if (c != NULL && atomic_fetch_sub(&c->refs, 1) == 1)
		free(c);
}

/* Refill the bucket up to now; bucket_mtx held. */
static void
refill(struct src_counters *c, int64_t burst, int64_t per_minute,
    int64_t now)
{
	if (c->bucket_at == 0)
		c->tokens = (double)burst;	/* the bucket starts full */
	else if (now > c->bucket_at)
		c->tokens += (double)(now - c->bucket_at) * per_minute /
		    60000.0;
	if (c->tokens > burst)
		c->tokens = burst;
	if (now > c->bucket_at)
		c->bucket_at = now;
}

int64_t
counters_take(struct src_counters *c, int64_t n, int64_t burst,
    int64_t per_minute, int64_t now)
{
	int64_t	wait = 0;
	double	missing;

	if (per_minute == 0)
		return 0;
	pthread_mutex_lock(&c->bucket_mtx);
	refill(c, burst, per_minute, now);
	if (c->tokens >= (double)n)
		c->tokens -= (double)n;
	else {
		missing = (double)n - c->tokens;
		wait = (int64_t)ceil(missing * 60.0 / per_minute);
		if (wait < 1)
			wait = 1;
	}
	pthread_mutex_unlock(&c->bucket_mtx);
	return wait;
}

void
counters_give(struct src_counters *c, int64_t n, int64_t burst,
    int64_t per_minute)
{
	if (per_minute == 0 || n == 0)
		return;
	pthread_mutex_lock(&c->bucket_mtx);
	c->tokens += (double)n;
	if (c->tokens > burst)
		c->tokens = burst;
	pthread_mutex_unlock(&c->bucket_mtx);
}
