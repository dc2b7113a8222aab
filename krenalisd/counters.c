/* Counters, rate-limit buckets and the /metrics text; see counters.h. */
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

#include "log.h"
#include "timestamp.h"
#include "xmalloc.h"
#include "counters.h"
#include "destination.h"
#include "sender.h"
#include "snapshot.h"

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

/* Append a Prometheus label value, escaped (spec/ingest.md §13.2). */
static void
prom_escape(FILE *fp, const char *s)
{
	for (; *s != '\0'; s++) {
		if (*s == '\\' || *s == '"')
			fprintf(fp, "\\%c", *s);
		else if (*s == '\n')
			fputs("\\n", fp);
		else
			fputc(*s, fp);
	}
}

static void
prom_typed(FILE *fp, const char *name, const char *help, const char *type)
{
	fprintf(fp, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void
prom_family(FILE *fp, const char *name, const char *help)
{
	prom_typed(fp, name, help, "counter");
}

/* The delivery counters of spec/destinations.md §6, by destination. */
static void
prom_destinations(FILE *fp, const struct snapshot *snap)
{
	static const struct {
		const char	*name;
		const char	*help;
		size_t		 off;
	} f[] = {
		{ "krenalis_destination_delivered_total", "Events delivered.",
		    offsetof(struct dest_counters, delivered) },
		{ "krenalis_destination_retried_total", "Events of failed "
		    "attempts, each retried after a backoff.",
		    offsetof(struct dest_counters, retried) },
		{ "krenalis_destination_failed_total", "Events that failed "
		    "for good.", offsetof(struct dest_counters, failed) },
	};
	const struct destination	*d;
	struct sender_status		 st;
	size_t				 i, k, n;

	n = snap != NULL ? snap->ndestinations : 0;
	prom_typed(fp, "krenalis_destination_queued", "Events queued, in "
	    "flight included.", "gauge");
	for (i = 0; i < n; i++)
		fprintf(fp, "krenalis_destination_queued{destination=\"%s\"} "
		    "%lld\n", snap->destinations[i].id, (long long)atomic_load(
		    &snap->destinations[i].counters->queued));
	for (k = 0; k < sizeof(f) / sizeof(f[0]); k++) {
		prom_family(fp, f[k].name, f[k].help);
		for (i = 0; i < n; i++)
			fprintf(fp, "%s{destination=\"%s\"} %llu\n", f[k].name,
			    snap->destinations[i].id, (unsigned long long)
			    counter_get((_Atomic uint64_t *)(void *)((char *)
			    snap->destinations[i].counters + f[k].off)));
	}
	prom_typed(fp, "krenalis_destination_latency_seconds", "Commit to "
	    "2xx: quantiles over the last minute, sum and count since start.",
	    "summary");
	for (i = 0; i < n; i++) {
		d = &snap->destinations[i];
		sender_status(d->id, &st);
		if (st.nlatency > 0) {
			fprintf(fp, "krenalis_destination_latency_seconds"
			    "{destination=\"%s\",quantile=\"0.5\"} %.3f\n",
			    d->id, st.p50);
			fprintf(fp, "krenalis_destination_latency_seconds"
			    "{destination=\"%s\",quantile=\"0.99\"} %.3f\n",
			    d->id, st.p99);
		}
		fprintf(fp, "krenalis_destination_latency_seconds_sum"
		    "{destination=\"%s\"} %.3f\n", d->id, (double)atomic_load(
		    &d->counters->latency_ms) / 1000.0);
		fprintf(fp, "krenalis_destination_latency_seconds_count"
		    "{destination=\"%s\"} %llu\n", d->id, (unsigned long long)
		    atomic_load(&d->counters->latency_count));
	}
}

char *
counters_metrics(const struct route_count *codes, size_t ncodes,
    const struct snapshot *snap, uint64_t commits, uint64_t failures,
    int up, size_t *len)
{
	const struct snap_source	*s;
	FILE				*fp;
	char				*buf = NULL;
	size_t				 i, j, k;

	*len = 0;
	if ((fp = open_memstream(&buf, len)) == NULL)
		fatal("open_memstream");
	prom_family(fp, "krenalis_http_requests_total", "HTTP responses by "
	    "route and status code.");
	for (i = 0; i < ncodes; i++) {
		fputs("krenalis_http_requests_total{route=\"", fp);
		prom_escape(fp, codes[i].route);
		fprintf(fp, "\",code=\"%u\"} %llu\n", codes[i].status,
		    (unsigned long long)codes[i].n);
	}
	for (k = 0; k < SRC_NFIELDS; k++) {
		prom_family(fp, src_fields[k].metric, src_fields[k].help);
		for (i = 0; snap != NULL && i < snap->nsources; i++)
			fprintf(fp, "%s{source=\"%s\"} %llu\n",
			    src_fields[k].metric, snap->sources[i].id,
			    (unsigned long long)counter_field_get(
			    snap->sources[i].counters, &src_fields[k]));
	}
	prom_family(fp, "krenalis_pipeline_events_total", "Per-pipeline "
	    "counters by step and result.");
	for (i = 0; snap != NULL && i < snap->nsources; i++) {
		s = &snap->sources[i];
		for (j = 0; j < s->npipelines; j++)
			for (k = 0; k < PIPE_NFIELDS; k++)
				fprintf(fp, "krenalis_pipeline_events_total{"
				    "source=\"%s\",pipeline=\"%s\",step=\"%s\","
				    "result=\"%s\"} %llu\n", s->id,
				    s->pipelines[j].id, pipe_fields[k].metric,
				    pipe_fields[k].help, (unsigned long long)
				    counter_field_get(s->pipelines[j].counters,
				    &pipe_fields[k]));
	}
	prom_family(fp, "krenalis_rate_limited_requests_total", "429 answers.");
	for (i = 0; snap != NULL && i < snap->nsources; i++)
		fprintf(fp, "krenalis_rate_limited_requests_total{source=\"%s\"} "
		    "%llu\n", snap->sources[i].id, (unsigned long long)
		    counter_get(&snap->sources[i].counters->rate_limited));
	prom_family(fp, "krenalis_store_commits_total", "Successful writer "
	    "transactions.");
	fprintf(fp, "krenalis_store_commits_total %llu\n",
	    (unsigned long long)commits);
	prom_family(fp, "krenalis_store_commit_failures_total", "Failed "
	    "writer transactions.");
	fprintf(fp, "krenalis_store_commit_failures_total %llu\n",
	    (unsigned long long)failures);
	if (up != -1)
		fprintf(fp, "# HELP krenalis_warehouse_up Whether the "
		    "warehouse takes commits.\n# TYPE krenalis_warehouse_up "
		    "gauge\nkrenalis_warehouse_up %d\n", up);
	prom_destinations(fp, snap);
	fclose(fp);
	return buf;
}
