/* The event debugger: records, rings and subscriptions; see debugger.h. */
#include <sys/queue.h>
#include <netinet/in.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "compat.h"
#include "log.h"
#include "utf8.h"
#include "xmalloc.h"
#include "batch.h"
#include "debugger.h"
#include "filter.h"
#include "slab.h"
#include "snapshot.h"

/* The records of one committed batch, waiting for their turn. */
struct dbg_slot {
	uint64_t		 seq_base;
	size_t			 n;
	struct dbg_record	**recs;		/* set by publish */
	TAILQ_ENTRY(dbg_slot)	 entry;
};

struct ring {
	char			 source[IDS_ID_LEN + 1];
	struct slab		*slab;		/* its records' memory */
	struct dbg_record	**recs;		/* ring_size slots */
	size_t			 start;		/* oldest */
	size_t			 len;
	LIST_ENTRY(ring)	 entry;
};

struct dbg_sub {
	char			 source[IDS_ID_LEN + 1];	/* "" = all */
	struct dbg_item		 q[DEBUGGER_QUEUE];
	size_t			 head;
	size_t			 len;
	uint64_t		 dropped;	/* since the last queued */
	int			 gone;		/* its source was deleted */
	char			*gone_name;	/* its name then */
	LIST_ENTRY(dbg_sub)	 entry;
};

/*
 * How a request decoded its events, for its records that decode theirs
 * again (see debugger.h): the members of its struct event_req that say
 * how, copied.  Carved from the ring's slab, with the envelope context's
 * raw text after it; each such record holds a reference.
 */
struct dbg_req {
	atomic_int		 refs;
	struct slab_block	*block;		/* holding it */
	struct event_req	 er;		/* pointers into this object */
	char			 ip[INET6_ADDRSTRLEN];
};

/* Everything below is guarded by mtx. */
static pthread_mutex_t		 mtx = PTHREAD_MUTEX_INITIALIZER;
static TAILQ_HEAD(, dbg_slot)	 slots = TAILQ_HEAD_INITIALIZER(slots);
static LIST_HEAD(, ring)	 rings = LIST_HEAD_INITIALIZER(rings);
static LIST_HEAD(, dbg_sub)	 subs = LIST_HEAD_INITIALIZER(subs);
static uint64_t			 next_seq = 1;
static size_t			 ring_size = 1000;
static int			 wake[2] = { -1, -1 };

int
debugger_init(size_t size)
{
	ring_size = size;
	if (pipe2(wake, O_NONBLOCK | O_CLOEXEC) == -1)
		fatal("debugger: pipe2");
	return wake[0];
}

/*
 * A copy of er, how the request's events were decoded.  What it borrows
 * from the request is copied too, or left out: the decoded envelope
 * context (its text is kept), the source (the record has it), the ids
 * (each record has its own) and the size limit (the event fitted).
 */
static struct dbg_req *
dbg_req_new(const struct event_req *er, struct slab *slab)
{
	struct slab_block	*block;
	struct dbg_req		*q;
	size_t			 clen;

	clen = er->context_text != NULL ? er->context_len : 0;
	q = slab_alloc(slab, sizeof(*q) + clen, &block);
	memset(q, 0, sizeof(*q));
	atomic_init(&q->refs, 1);
	q->block = block;
	q->er = *er;
	q->er.context = NULL;
	q->er.source_id = NULL;
	q->er.anonymous_id = q->er.message_id = NULL;
	q->er.max_event_bytes = 0;
	if (er->request_ip != NULL) {
		strlcpy(q->ip, er->request_ip, sizeof(q->ip));
		q->er.request_ip = q->ip;
	}
	if (er->context_text != NULL) {
		memcpy(q + 1, er->context_text, clen);
		q->er.context_text = (const char *)(q + 1);
	}
	return q;
}

static void
dbg_req_unref(struct dbg_req *q)
{
	if (q != NULL && atomic_fetch_sub(&q->refs, 1) == 1)
		slab_block_unref(q->block);
}

void
dbg_record_unref(struct dbg_record *r)
{
	if (r != NULL && atomic_fetch_sub(&r->refs, 1) == 1) {
		dbg_req_unref(r->req);
		snapshot_unref(r->snap);
		free(r->text);
		slab_block_unref(r->block);
	}
}

static struct dbg_record *
dbg_record_ref(struct dbg_record *r)
{
	atomic_fetch_add(&r->refs, 1);
	return r;
}

static void
ring_free(struct ring *rg)
{
	size_t	i;

	for (i = 0; i < rg->len; i++)
		dbg_record_unref(rg->recs[(rg->start + i) % ring_size]);
	slab_unref(rg->slab);
	free(rg->recs);
	free(rg);
}

void
debugger_shutdown(void)
{
	struct ring	*rg;
	struct dbg_slot	*sl;

	pthread_mutex_lock(&mtx);
	while ((rg = LIST_FIRST(&rings)) != NULL) {
		LIST_REMOVE(rg, entry);
		ring_free(rg);
	}
	while ((sl = TAILQ_FIRST(&slots)) != NULL) {
		TAILQ_REMOVE(&slots, sl, entry);
		free(sl);
	}
	pthread_mutex_unlock(&mtx);
	slab_drain();
	if (wake[0] != -1) {
		close(wake[0]);
		close(wake[1]);
		wake[0] = wake[1] = -1;
	}
}

void
debugger_reserve(struct batch *b)
{
	struct dbg_slot	*sl = xcalloc(1, sizeof(*sl));

	pthread_mutex_lock(&mtx);
	sl->seq_base = next_seq;
	sl->n = b->n;
	next_seq += b->n;
	TAILQ_INSERT_TAIL(&slots, sl, entry);
	pthread_mutex_unlock(&mtx);
	b->seq_base = sl->seq_base;
	b->slot = sl;
}

/* The decimal text of v. */
static void
add_uint(struct buf *b, unsigned long long v)
{
	char	num[32];
	int	n = snprintf(num, sizeof(num), "%llu", v);

	buf_add(b, num, (size_t)n);
}

static const char *const outcome_names[] = {
	[OUTCOME_STORED] = "stored",
	[OUTCOME_FILTERED] = "filtered",
	[OUTCOME_DUPLICATE] = "duplicate",
	[OUTCOME_REJECTED] = "rejected",
};

static const char *const result_names[] = {
	[PRESULT_PASSED] = "passed",
	[PRESULT_FILTERED] = "filtered",
	[PRESULT_CONSENT] = "consent",
	[PRESULT_DISABLED] = "disabled",
	[PRESULT_QUEUED] = "queued",
	[PRESULT_FULL] = "failed",
};

/*
 * The compact record of event i of a committed batch, in one piece of
 * the slab: the header, the pipeline results, the raw text (cut), the
 * event's text or its generated ids, and the error.  The event's text is
 * the one the outbox made; otherwise, when *req is given and the raw text
 * is whole, the event is decoded again on first read (a reference on
 * *req, made on first need); otherwise its text is written into scratch.
 */
static struct dbg_record *
debugger_record(struct batch *b, size_t i, uint64_t seq, struct slab *slab,
    struct dbg_req **req, struct buf *scratch)
{
	struct batch_event	*be = &b->events[i];
	struct slab_block	*block;
	struct dbg_record	*r;
	const char		*text = NULL, *anon = NULL, *msgid = NULL;
	size_t			 tlen = 0, cut, elen, alen = 0, mlen = 0;
	size_t			 np = b->npipelines;
	int			 again;
	char			*p;

	cut = utf8_cut(be->raw, be->rawlen, DEBUGGER_RAW_MAX);
	again = be->valid && be->ev.text == NULL && req != NULL &&
	    cut == be->rawlen;
	if (again) {
		if (be->ev.generated & EVENT_GENERATED_ANONYMOUS_ID) {
			anon = be->ev.anonymous_id;
			alen = be->ev.len[EVENT_STR_ANONYMOUS_ID] + 1;
		}
		if (be->ev.generated & EVENT_GENERATED_MESSAGE_ID) {
			msgid = be->ev.message_id;
			mlen = be->ev.len[EVENT_STR_MESSAGE_ID] + 1;
		}
	} else if (be->valid && be->ev.text != NULL)
		text = event_text(&be->ev, &tlen);
	else if (be->valid) {
		scratch->len = 0;
		event_text_append(&be->ev, scratch);
		text = scratch->p;
		tlen = scratch->len;
	}
	elen = be->valid ? 0 : strlen(be->ev.error) + 1;
	r = slab_alloc(slab, sizeof(*r) + np * sizeof(int32_t) + np + cut +
	    tlen + alen + mlen + elen, &block);
	memset(r, 0, sizeof(*r));
	atomic_init(&r->refs, 1);
	r->block = block;
	r->seq = seq;
	memcpy(r->source, b->src->id, sizeof(r->source));
	r->snap = snapshot_ref(b->snap);
	r->src = b->src;
	strlcpy(r->received_at, be->ev.received_at_text,
	    sizeof(r->received_at));
	strlcpy(r->request_id, b->request_id, sizeof(r->request_id));
	r->index = i;
	r->outcome = be->outcome;
	r->rawlen = be->rawlen;
	r->rawcut = cut;
	r->npipelines = be->valid ? np : 0;
	/* The int32 conditions first: r + 1 is aligned for them. */
	p = (char *)(r + 1);
	if (r->npipelines > 0) {
		memcpy(p, b->conds + i * np, np * sizeof(int32_t));
		r->conds = (const int32_t *)p;
		p += np * sizeof(int32_t);
		memcpy(p, b->results + i * np, np);
		r->results = (const unsigned char *)p;
		p += np;
	}
	memcpy(p, be->raw, cut);
	r->raw = p;
	p += cut;
	if (text != NULL) {
		memcpy(p, text, tlen);
		r->event = p;
		r->eventlen = tlen;
		p += tlen;
	}
	if (again) {
		if (*req == NULL)
			*req = dbg_req_new(b->req, slab);
		atomic_fetch_add(&(*req)->refs, 1);
		r->req = *req;
	}
	if (anon != NULL) {
		memcpy(p, anon, alen);
		r->anonymous_id = p;
		p += alen;
	}
	if (msgid != NULL) {
		memcpy(p, msgid, mlen);
		r->message_id = p;
		p += mlen;
	}
	if (!be->valid) {
		memcpy(p, be->ev.error, elen);
		r->error = p;
	}
	return r;
}

/*
 * The event of a record that keeps its raw text, decoded again as its
 * request decoded it, appended to b as §13 text; 0, or -1 (said) when it
 * does not decode as it did, which the decoder being pure rules out.
 */
static int
record_event(const struct dbg_record *r, struct buf *b)
{
	struct event_req	 er = r->req->er;
	struct event_context	*ctx = NULL;
	struct event		 ev;
	char			*err = NULL;
	int			 rc = -1;

	if (er.context_text != NULL && (ctx = event_context_new(
	    er.context_text, er.context_len, &err)) == NULL) {
		log_warnx("debugger: record %llu: %s",
		    (unsigned long long)r->seq, err);
		free(err);
		return -1;
	}
	er.context = ctx;
	er.source_id = r->source;
	er.anonymous_id = r->anonymous_id;
	er.message_id = r->message_id;
	if (event_decode(&er, r->raw, r->rawlen, &ev) == 0) {
		event_text_append(&ev, b);
		rc = 0;
	} else
		log_warnx("debugger: record %llu: %s",
		    (unsigned long long)r->seq, ev.error);
	event_release(&ev);
	event_context_free(ctx);
	return rc;
}

const char *
dbg_record_text(struct dbg_record *r, size_t *len)
{
	const struct snap_pipeline	*p;
	struct buf			 sb;
	const char			*ctext;
	size_t				 j;
	int32_t				 cond;

	if (r->text != NULL) {
		*len = r->len;
		return r->text;
	}
	buf_init(&sb);
	buf_reserve(&sb, r->rawcut + r->eventlen + 512);
	buf_adds(&sb, "{\"seq\":");
	add_uint(&sb, r->seq);
	buf_adds(&sb, ",\"receivedAt\":\"");
	buf_adds(&sb, r->received_at);
	buf_adds(&sb, "\",\"source\":\"");
	buf_adds(&sb, r->source);
	buf_adds(&sb, "\",\"requestId\":\"");
	buf_adds(&sb, r->request_id);
	buf_adds(&sb, "\",\"index\":");
	add_uint(&sb, r->index);
	buf_adds(&sb, ",\"raw\":");
	buf_addquoted(&sb, r->raw, r->rawcut);
	buf_adds(&sb, ",\"rawBytes\":");
	add_uint(&sb, r->rawlen);
	buf_adds(&sb, r->rawcut < r->rawlen ? ",\"rawTruncated\":true" :
	    ",\"rawTruncated\":false");
	buf_adds(&sb, ",\"event\":");
	if (r->event != NULL)
		buf_add(&sb, r->event, r->eventlen);
	else if (r->req == NULL || record_event(r, &sb) == -1)
		buf_adds(&sb, "null");
	buf_adds(&sb, ",\"outcome\":\"");
	buf_adds(&sb, outcome_names[r->outcome]);
	buf_adds(&sb, "\"");
	if (r->error != NULL) {
		buf_adds(&sb, ",\"error\":");
		buf_addquoted(&sb, r->error, strlen(r->error));
	}
	buf_adds(&sb, ",\"pipelines\":[");
	for (j = 0; j < r->npipelines; j++) {
		p = &r->src->pipelines[j];
		if (j > 0)
			buf_adds(&sb, ",");
		buf_adds(&sb, "{\"id\":\"");
		buf_adds(&sb, p->id);
		buf_adds(&sb, "\",\"name\":");
		buf_addquoted(&sb, p->name, strlen(p->name));
		buf_adds(&sb, ",\"result\":\"");
		buf_adds(&sb, result_names[r->results[j]]);
		buf_adds(&sb, "\"");
		if (r->results[j] == PRESULT_FULL)
			buf_adds(&sb, ",\"reason\":\"queue full\"");
		if (r->results[j] == PRESULT_FILTERED) {
			cond = r->conds[j];
			if (cond < 0)
				buf_adds(&sb, ",\"reason\":\"no condition "
				    "matched\"");
			else {
				ctext = filter_condition_text(p->filter,
				    (size_t)cond);
				buf_adds(&sb, ",\"condition\":{\"index\":");
				add_uint(&sb, (unsigned long long)cond);
				buf_adds(&sb, ",\"text\":");
				buf_addquoted(&sb, ctext, strlen(ctext));
				buf_adds(&sb, "}");
			}
		}
		buf_adds(&sb, "}");
	}
	buf_adds(&sb, "]}");
	r->len = sb.len;
	r->text = buf_finish(&sb);
	*len = r->len;
	return r->text;
}

static struct ring *
ring_find(const char *source, int create)
{
	struct ring	*rg;

	LIST_FOREACH(rg, &rings, entry)
		if (strcmp(rg->source, source) == 0)
			return rg;
	if (!create)
		return NULL;
	rg = xcalloc(1, sizeof(*rg));
	memcpy(rg->source, source, sizeof(rg->source));
	rg->recs = xcalloc(ring_size, sizeof(*rg->recs));
	rg->slab = slab_new();
	LIST_INSERT_HEAD(&rings, rg, entry);
	return rg;
}

static void
ring_add(struct ring *rg, struct dbg_record *r)
{
	if (rg->len == ring_size) {
		dbg_record_unref(rg->recs[rg->start]);
		rg->recs[rg->start] = r;
		rg->start = (rg->start + 1) % ring_size;
	} else {
		rg->recs[(rg->start + rg->len) % ring_size] = r;
		rg->len++;
	}
}

/* Queue r for s (a new reference), or count it as dropped. */
static int
sub_add(struct dbg_sub *s, struct dbg_record *r)
{
	struct dbg_item	*it;

	if (s->len == DEBUGGER_QUEUE) {
		s->dropped++;
		return 0;
	}
	it = &s->q[(s->head + s->len) % DEBUGGER_QUEUE];
	it->rec = dbg_record_ref(r);
	it->omitted = s->dropped;
	s->dropped = 0;
	s->len++;
	return 1;
}

/* Add the records of a ready slot to the rings and subscribers; mtx held. */
static int
slot_deliver(struct dbg_slot *sl)
{
	struct ring	*rg = NULL;
	struct dbg_sub	*s;
	size_t		 i;
	int		 queued = 0;

	for (i = 0; i < sl->n; i++) {
		struct dbg_record *r = sl->recs[i];

		if (r == NULL)
			continue;	/* not built: nobody would see it */
		if (rg == NULL)
			rg = ring_find(r->source, 1);
		LIST_FOREACH(s, &subs, entry)
			if (s->source[0] == '\0' ||
			    strcmp(s->source, r->source) == 0)
				queued |= sub_add(s, r);
		ring_add(rg, r);	/* the slot's reference moves */
	}
	free(sl->recs);
	return queued;
}

void
debugger_publish(struct batch *b)
{
	struct dbg_slot		*sl = b->slot, *head;
	struct dbg_record	**recs;
	struct dbg_req		*req = NULL;
	struct slab		*slab;
	struct buf		 scratch;
	struct dbg_sub		*s;
	size_t			 i, first;
	int			 queued = 0, again;
	char			 c = 1;

	/*
	 * Records that the ring would evict at once, and that no subscriber
	 * waits for, are never built: a 4,000-event request keeps only its
	 * last ring_size records.
	 */
	pthread_mutex_lock(&mtx);
	LIST_FOREACH(s, &subs, entry)
		if (s->source[0] == '\0' || strcmp(s->source, b->src->id) == 0)
			break;
	first = s == NULL && b->n > ring_size ? b->n - ring_size : 0;
	slab = slab_ref(ring_find(b->src->id, 1)->slab);
	pthread_mutex_unlock(&mtx);
	/*
	 * Records decode their events again on first read, unless a
	 * subscriber will read them all at once, or the envelope's context
	 * they would keep is larger than a raw text they may keep: that
	 * text could be mostly members the events drop.
	 */
	again = s == NULL && b->req != NULL &&
	    (b->req->context_text == NULL ||
	    b->req->context_len <= DEBUGGER_RAW_MAX);
	recs = xcalloc(b->n, sizeof(*recs));
	buf_init(&scratch);
	for (i = first; i < b->n; i++)
		recs[i] = debugger_record(b, i, b->seq_base + i, slab,
		    again ? &req : NULL, &scratch);
	buf_release(&scratch);
	dbg_req_unref(req);
	slab_unref(slab);
	pthread_mutex_lock(&mtx);
	sl->recs = recs;
	/* Deliver every ready slot at the head, in sequence order. */
	while ((head = TAILQ_FIRST(&slots)) != NULL && head->recs != NULL) {
		TAILQ_REMOVE(&slots, head, entry);
		queued |= slot_deliver(head);
		free(head);
	}
	pthread_mutex_unlock(&mtx);
	b->slot = NULL;
	if (queued && write(wake[1], &c, 1) == -1 && errno != EAGAIN)
		log_warn("debugger: wake");
}

void
debugger_forget(const char *source, const char *name)
{
	struct ring	*rg;
	struct dbg_sub	*s;
	int		 ended = 0;
	char		 c = 1;

	pthread_mutex_lock(&mtx);
	if ((rg = ring_find(source, 0)) != NULL) {
		LIST_REMOVE(rg, entry);
		ring_free(rg);
	}
	LIST_FOREACH(s, &subs, entry)
		if (strcmp(s->source, source) == 0 && !s->gone) {
			ended = s->gone = 1;
			s->gone_name = xstrdup(name);
		}
	pthread_mutex_unlock(&mtx);
	if (ended && write(wake[1], &c, 1) == -1 && errno != EAGAIN)
		log_warn("debugger: wake");
}

static int
seq_cmp(const void *a, const void *b)
{
	const struct dbg_record	*x = *(struct dbg_record *const *)a;
	const struct dbg_record	*y = *(struct dbg_record *const *)b;

	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* The newest count records as new references, oldest first; mtx held. */
static size_t
history_locked(const char *source, size_t count, struct dbg_record ***out)
{
	struct ring		 *rg;
	struct dbg_record	**all = NULL;
	size_t			  n = 0, cap = 0, i, skip;

	LIST_FOREACH(rg, &rings, entry) {
		if (source != NULL && strcmp(rg->source, source) != 0)
			continue;
		if (n + rg->len > cap) {
			cap = n + rg->len;
			all = xreallocarray(all, cap, sizeof(*all));
		}
		for (i = 0; i < rg->len; i++)
			all[n++] = rg->recs[(rg->start + i) % ring_size];
	}
	if (n > 1)
		qsort(all, n, sizeof(*all), seq_cmp);
	skip = n > count ? n - count : 0;
	for (i = skip; i < n; i++)
		all[i - skip] = dbg_record_ref(all[i]);
	*out = all;
	return n - skip;
}

size_t
debugger_history(const char *source, size_t count, struct dbg_record ***out)
{
	size_t	n;

	pthread_mutex_lock(&mtx);
	n = history_locked(source, count, out);
	pthread_mutex_unlock(&mtx);
	return n;
}

struct dbg_sub *
debugger_subscribe(const char *source, size_t history)
{
	struct dbg_sub		 *s = xcalloc(1, sizeof(*s));
	struct dbg_record	**h;
	size_t			  n, i;

	if (source != NULL)
		memcpy(s->source, source, IDS_ID_LEN);
	if (history > DEBUGGER_QUEUE)
		history = DEBUGGER_QUEUE;
	pthread_mutex_lock(&mtx);
	n = history_locked(source, history, &h);
	for (i = 0; i < n; i++) {
		sub_add(s, h[i]);
		dbg_record_unref(h[i]);
	}
	free(h);
	LIST_INSERT_HEAD(&subs, s, entry);
	pthread_mutex_unlock(&mtx);
	return s;
}

void
debugger_unsubscribe(struct dbg_sub *s)
{
	if (s == NULL)
		return;
	pthread_mutex_lock(&mtx);
	LIST_REMOVE(s, entry);
	while (s->len > 0) {
		dbg_record_unref(s->q[s->head].rec);
		s->head = (s->head + 1) % DEBUGGER_QUEUE;
		s->len--;
	}
	pthread_mutex_unlock(&mtx);
	free(s->gone_name);
	free(s);
}

size_t
debugger_take(struct dbg_sub *s, struct dbg_item *out, size_t max)
{
	size_t	n = 0;

	pthread_mutex_lock(&mtx);
	while (n < max && s->len > 0) {
		out[n++] = s->q[s->head];
		s->head = (s->head + 1) % DEBUGGER_QUEUE;
		s->len--;
	}
	pthread_mutex_unlock(&mtx);
	return n;
}

int
debugger_ended(struct dbg_sub *s, char *name, size_t len)
{
	int	ended;

	pthread_mutex_lock(&mtx);
	if ((ended = s->gone && s->len == 0))
		snprintf(name, len, "%s", s->gone_name);
	pthread_mutex_unlock(&mtx);
	return ended;
}

int
debugger_pending(struct dbg_sub *s)
{
	int	pending;

	pthread_mutex_lock(&mtx);
	pending = s->len > 0;
	pthread_mutex_unlock(&mtx);
	return pending;
}

void
debugger_woken(void)
{
	char	buf[256];

	while (read(wake[0], buf, sizeof(buf)) > 0)
		;
}
