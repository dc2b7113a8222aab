/*
 * The sender threads, their destinations' queues and the requests they
 * make; see sender.h.
 *
 * A thread owns its struct dstate and struct xfer entirely, but for the
 * status members of struct dstate that sender_status reads, which its
 * mutex guards together with the list of its dstates.
 */
#include <sys/queue.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <zlib.h>

#include "buf.h"
#include "ids.h"
#include "jsonlex.h"
#include "log.h"
#include "sha1.h"
#include "timestamp.h"
#include "utf8.h"
#include "version.h"
#include "xmalloc.h"
#include "config.h"
#include "destination.h"
#include "jsonscan.h"
#include "sender.h"
#include "slab.h"
#include "snapshot.h"
#include "warehouse.h"

#define BACKOFF_FIRST	1000LL		/* ms */
#define BACKOFF_MAX	300000LL	/* ms */
#define RETRY_AFTER_MAX	3600LL		/* seconds */
#define LATENCY_WINDOW	60000		/* ms of latencies kept */
#define LATENCY_SAMPLES	4096		/* and at most that many */
#define IDLE_MS		1000		/* longest wait for anything */
#define RECOUNT_MS	5000		/* a shared outbox is counted */
#define BODY_OVERHEAD	64		/* bytes around a body's events */
#define SEGMENT_GROWTH	12		/* "context":{} around moved traits */
#define USER_AGENT	"krenalisd/" KRENALIS_VERSION

/* One queued event held by a thread. */
struct row {
	int64_t		 seq;
	int64_t		 queued_at;	/* ms */
	char		*event;		/* in block */
	size_t		 len;
	struct slab_block *block;	/* a reference */
};

/* Rows sent in one request, or waiting to be sent again. */
struct delivery {
	TAILQ_ENTRY(delivery)	 entry;
	struct row		*rows;		/* owned, in seq order */
	size_t			 n;
	int			 attempts;	/* requests made */
	int			 failures;	/* retried attempts in a row */
	int64_t			 not_before;	/* its backoff (monotonic) */
	struct xfer		*x;		/* while flying */
};
TAILQ_HEAD(deliveryq, delivery);

struct latency {
	int64_t		 at;		/* ms of the 2xx, monotonic */
	int64_t		 ms;		/* commit -> 2xx */
};

/* A destination as the thread that serves it sees it. */
struct dstate {
	char			 id[IDS_ID_LEN + 1];
	const struct destination *d;	/* of the thread's snapshot */
	int64_t			 cursor;	/* highest seq held, or 0 */
	size_t			 held;		/* rows held, in any list */
	int			 more;		/* rows may wait past cursor */
	struct row		*pending;	/* read, not sent yet */
	size_t			 npending;
	struct slab		*slab;		/* the rows' events */
	size_t			 cap;
	struct deliveryq	 retries;	/* in seq order */
	struct deliveryq	 flying;	/* requests under way */
	int			 inflight;
	int			 failing;	/* said in the log */
	int64_t			*undeleted;	/* delivered, still queued */
	size_t			 nundeleted;
	int			 undeleted_late;	/* a delete failed */
	struct wh_delete	*del;		/* handed to the writer: */
	int64_t			*deleting;	/* its rows */
	size_t			 ndeleting;
	int			 kept;		/* in the new snapshot */

	/* Status, under the thread's mutex. */
	int64_t			 oldest;
	int64_t			 last_error_at;
	char			 last_error[SENDER_REASON_MAX];
	struct latency		 lat[LATENCY_SAMPLES];
	size_t			 nlat;
	size_t			 latnext;
};

/* One request under way. */
struct xfer {
	struct dstate		*ds;
	struct delivery		*dl;
	CURL			*easy;
	struct curl_slist	*headers;
	char			*body;
	size_t			 bodylen;
	struct buf		 resp;		/* its first bytes */
	size_t			 respmax;
	char			 errbuf[CURL_ERROR_SIZE];
};

struct sthread {
	struct sender		*s;
	size_t			 index;
	pthread_t		 thread;
	CURLM			*multi;
	struct wh_outbox_conn	*ob;
	struct snapshot		*snap;
	pthread_mutex_t		 mtx;		/* see the top */
	unsigned short		 jitter[3];	/* erand48's state */
	int			 unreadable;	/* the outbox; in the log */
	int			 uncounted;	/* likewise, its count */
	int64_t			 poll_at;	/* a shared outbox: look */
	int64_t			 count_at;	/* and count (thread 0) */
						/* (both monotonic) */
	struct dstate		**ds;
	size_t			 nds;
	atomic_int		 wake;
};

struct sender {
	const struct config	*cf;
	struct sthread		*threads;
	size_t			 nthreads;
	size_t			 started;	/* threads running */
	atomic_int		 stopping;
};

static struct sender *_Atomic	running;

enum sender_verdict
sender_verdict(long status, size_t n)
{
	if (status >= 200 && status < 300)
		return SENDER_DELIVERED;
	if (status >= 300 && status < 400)
		return SENDER_FAILED;
	if (status == 400 || status == 413 || status == 422)
		return n > 1 ? SENDER_SPLIT : SENDER_FAILED;
	return SENDER_RETRY;
}

int64_t
sender_backoff(int failed, double r)
{
	int64_t	ms = BACKOFF_FIRST;

	while (failed-- > 0 && ms < BACKOFF_MAX)
		ms *= 2;
	if (ms > BACKOFF_MAX)
		ms = BACKOFF_MAX;
	return (int64_t)((double)ms * (0.8 + 0.4 * r));
}

int64_t
sender_retry_after(const char *value, time_t now)
{
	const char	*p, *e;
	int64_t		 secs = 0;
	time_t		 date;

	if (value == NULL)
		return -1;
	for (p = value; *p == ' ' || *p == '\t'; p++)
		;
	for (e = p + strlen(p); e > p && (e[-1] == ' ' || e[-1] == '\t'); e--)
		;
	if (e > p && strspn(p, "0123456789") == (size_t)(e - p)) {
		for (; p < e && secs < RETRY_AFTER_MAX; p++)
			secs = secs * 10 + (*p - '0');
	} else if ((date = curl_getdate(value, NULL)) != -1)
		secs = date > now ? date - now : 0;
	else
		return -1;
	return (secs < RETRY_AFTER_MAX ? secs : RETRY_AFTER_MAX) * 1000;
}

/* The value of the header name of easy's answer, as sent, or NULL. */
static const char *
answer_header(CURL *easy, const char *name)
{
	struct curl_header	*h;

	return curl_easy_header(easy, name, 0, CURLH_HEADER, -1, &h) ==
	    CURLHE_OK ? h->value : NULL;
}

/* Whether the n bytes at p hold only JSON's white space. */
static int
blank(const char *p, size_t n)
{
	return jsonlex_ws(p, p + n) == p + n;
}

/*
 * Append the normalised event ev as a Segment-compatible API takes it
 * (§4): for track, page, screen and alias, whose traits the API takes in
 * context.traits only (spec/events.md §3), the event's traits go back
 * there.  The members keep their order, each value its text, traits first
 * in context, and context first when the event has none.  A row that is
 * not such an event (written by hand, or by another release: not an
 * object, traits or context not objects) is sent as it is.
 */
static void
add_segment_event(struct buf *b, const char *ev, size_t len)
{
	const struct jsonscan_member	*tr, *ctx, *ty, *m;
	struct jsonscan			 js;
	char				*type = NULL;
	size_t				 i, n;
	int				 keep, move, first = 1;

	keep = jsonscan_parse(&js, ev, len) == -1 ||
	    (tr = jsonscan_member(&js, "traits")) == NULL ||
	    tr->value.kind != JSONSCAN_OBJECT ||
	    ((ctx = jsonscan_member(&js, "context")) != NULL &&
	    ctx->value.kind != JSONSCAN_OBJECT) ||
	    (ty = jsonscan_member(&js, "type")) == NULL ||
	    ty->value.kind != JSONSCAN_STRING ||
	    (type = jsonscan_string(ev, &ty->value, &n)) == NULL ||
	    strcmp(type, "identify") == 0 || strcmp(type, "group") == 0;
	free(type);
	if (keep) {
		buf_add(b, ev, len);
		jsonscan_release(&js);
		return;
	}
	/* Empty traits are left out, and put nowhere. */
	move = !blank(ev + tr->value.off + 1, tr->value.len - 2);
	buf_addc(b, '{');
	if (ctx == NULL && move) {
		buf_adds(b, "\"context\":{\"traits\":");
		buf_add(b, ev + tr->value.off, tr->value.len);
		buf_addc(b, '}');
		first = 0;
	}
	for (i = 0; i < js.nmembers; i++) {
		if ((m = &js.members[i]) == tr)
			continue;
		if (!first)
			buf_addc(b, ',');
		first = 0;
		buf_addquoted(b, m->key, m->keylen);
		buf_addc(b, ':');
		if (m != ctx || !move) {
			buf_add(b, ev + m->value.off, m->value.len);
			continue;
		}
		buf_adds(b, "{\"traits\":");
		buf_add(b, ev + tr->value.off, tr->value.len);
		if (!blank(ev + m->value.off + 1, m->value.len - 2)) {
			buf_addc(b, ',');
			buf_add(b, ev + m->value.off + 1, m->value.len - 1);
		} else
			buf_addc(b, '}');
	}
	buf_addc(b, '}');
	jsonscan_release(&js);
}

/* The webhook of batchSize 1 sends the event alone (§4). */
void
sender_body(const struct destination *d, const char *const *events,
    const size_t *lens, size_t n, int64_t now, struct buf *b)
{
	char	ts[TIMESTAMP_BUFSZ];
	size_t	i;
	int	alone = d->connector == DEST_WEBHOOK && d->batch_size == 1;

	if (d->connector == DEST_SEGMENT)
		buf_adds(b, "{\"batch\":");
	if (!alone)
		buf_addc(b, '[');
	for (i = 0; i < n; i++) {
		if (i > 0)
			buf_addc(b, ',');
		if (d->connector == DEST_SEGMENT)
			add_segment_event(b, events[i], lens[i]);
		else
			buf_add(b, events[i], lens[i]);
	}
	if (!alone)
		buf_addc(b, ']');
	if (d->connector == DEST_SEGMENT) {
		buf_adds(b, ",\"sentAt\":\"");
		buf_adds(b, timestamp_format(now, ts));
		buf_adds(b, "\"}");
	}
}

size_t
sender_fit(const struct destination *d, const size_t *lens, size_t n)
{
	size_t	i, bytes = BODY_OVERHEAD, more;

	/* add_segment_event makes an event at most SEGMENT_GROWTH longer. */
	more = d->connector == DEST_SEGMENT ? 1 + SEGMENT_GROWTH : 1;
	for (i = 0; i < n && i < (size_t)d->batch_size; i++) {
		bytes += lens[i] + more;
		if (bytes > SENDER_BODY_MAX)
			return i > 0 ? i : 1;
	}
	return i;
}

/*
 * "HTTP <status>: ", what, and the len bytes of text made one line of
 * valid UTF-8, in out, cut to outlen on a character boundary.
 */
static void
http_reason(long status, const char *what, const char *text, size_t len,
    char *out, size_t outlen)
{
	struct buf	b;

	buf_init(&b);
	buf_addutf8(&b, text, len, "?", 1);
	snprintf(out, outlen, "HTTP %ld: %s%s", status, what,
	    b.p != NULL ? b.p : "");
	buf_release(&b);
	/* snprintf may have cut a character: end on a boundary. */
	out[utf8_whole(out, strlen(out))] = '\0';
}

void
sender_reason(long status, const char *body, size_t len, char *out,
    size_t outlen)
{
	http_reason(status, "", body, len < SENDER_FAIL_BODY ? len :
	    SENDER_FAIL_BODY, out, outlen);
}

/*
 * The reason of a redirect (§5), with its Location as sent: libcurl's
 * CURLINFO_REDIRECT_URL would resolve a relative one.
 */
static void
redirect_reason(CURL *easy, long status, char *out, size_t outlen)
{
	const char	*loc = answer_header(easy, "Location");

	if (loc != NULL && *loc != '\0')
		http_reason(status, "redirect to ", loc, strlen(loc), out,
		    outlen);
	else
		snprintf(out, outlen, "HTTP %ld: redirect without a Location",
		    status);
}

/* Gzip the len bytes at in into a new buffer; NULL when zlib fails. */
static char *
gzip(const char *in, size_t len, size_t *outlen)
{
	z_stream	 z;
	char		*out;
	size_t		 cap;

	memset(&z, 0, sizeof(z));
	if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8,
	    Z_DEFAULT_STRATEGY) != Z_OK)
		return NULL;
	cap = deflateBound(&z, len);
	out = xmalloc(cap);
	z.next_in = (Bytef *)(uintptr_t)in;
	z.avail_in = len;
	z.next_out = (Bytef *)out;
	z.avail_out = cap;
	if (deflate(&z, Z_FINISH) != Z_STREAM_END) {
		deflateEnd(&z);
		free(out);
		return NULL;
	}
	*outlen = z.total_out;
	deflateEnd(&z);
	return out;
}

/* libcurl's write callback: keep the first respmax bytes. */
static size_t
collect(char *p, size_t size, size_t n, void *arg)
{
	struct xfer	*x = arg;
	size_t		 len = size * n;

	if (x->resp.len < x->respmax)
		buf_add(&x->resp, p, len < x->respmax - x->resp.len ? len :
		    x->respmax - x->resp.len);
	return len;
}

/*
 * Append the header h, "Name: value", to l.  libcurl takes "Name:" with
 * nothing but blanks after the colon for "do not send Name", and sends
 * an empty header written "Name;": every header is sent (§2).
 */
static struct curl_slist *
header_append(struct curl_slist *l, const char *h)
{
	const char		*colon = strchr(h, ':');
	char			*e;
	struct curl_slist	*r;

	if (colon == NULL || colon[1 + strspn(colon + 1, " \t")] != '\0')
		return curl_slist_append(l, h);
	xasprintf(&e, "%.*s;", (int)(colon - h), h);
	r = curl_slist_append(l, e);
	free(e);
	return r;
}

/*
 * A request of d with the body b (taken over) in x: the headers of §2
 * and §4, gzip and the signature over the body as sent (§6.2), no
 * redirect followed, http and https only.
 */
static int
xfer_setup(struct xfer *x, const struct destination *d,
    const struct config *cf, struct buf *b)
{
	unsigned char	 mac[SHA1_LEN];
	char		 hex[SHA1_HEX_LEN + 1], *h, *z;
	size_t		 i, zlen;

	x->bodylen = b->len;
	x->body = buf_finish(b);
	if (d->gzip && (z = gzip(x->body, x->bodylen, &zlen)) != NULL) {
		free(x->body);
		x->body = z;
		x->bodylen = zlen;
		x->headers = curl_slist_append(x->headers,
		    "Content-Encoding: gzip");
	}
	x->headers = curl_slist_append(x->headers,
	    "Content-Type: application/json");
	x->headers = curl_slist_append(x->headers, "Expect:");
	/*
	 * A header the connector sets (one a catalog made before this rule
	 * may hold) would replace what libcurl makes of the writeKey.
	 */
	for (i = 0; i < d->nheaders; i++)
		if (!destination_header_taken(d, d->headers[i]))
			x->headers = header_append(x->headers,
			    d->headers[i]);
	if (d->secret != NULL) {
		sha1_hmac(d->secret, strlen(d->secret), x->body, x->bodylen,
		    mac);
		sha1_hex(mac, hex);
		xasprintf(&h, "X-Signature: %s", hex);
		x->headers = curl_slist_append(x->headers, h);
		free(h);
	}
	if ((x->easy = curl_easy_init()) == NULL)
		return -1;
	curl_easy_setopt(x->easy, CURLOPT_URL, d->url);
	curl_easy_setopt(x->easy, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(x->easy, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(x->easy, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(x->easy, CURLOPT_HTTP_VERSION,
	    (long)CURL_HTTP_VERSION_2TLS);
	curl_easy_setopt(x->easy, CURLOPT_POST, 1L);
	curl_easy_setopt(x->easy, CURLOPT_POSTFIELDS, x->body);
	curl_easy_setopt(x->easy, CURLOPT_POSTFIELDSIZE_LARGE,
	    (curl_off_t)x->bodylen);
	curl_easy_setopt(x->easy, CURLOPT_HTTPHEADER, x->headers);
	curl_easy_setopt(x->easy, CURLOPT_USERAGENT, USER_AGENT);
	curl_easy_setopt(x->easy, CURLOPT_TIMEOUT_MS, (long)d->timeout * 1000);
	curl_easy_setopt(x->easy, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(x->easy, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(x->easy, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(x->easy, CURLOPT_WRITEDATA, x);
	curl_easy_setopt(x->easy, CURLOPT_ERRORBUFFER, x->errbuf);
	curl_easy_setopt(x->easy, CURLOPT_PRIVATE, x);
	if (cf->ca_file != NULL)
		curl_easy_setopt(x->easy, CURLOPT_CAINFO, cf->ca_file);
	if (d->connector == DEST_SEGMENT && d->write_key != NULL) {
		curl_easy_setopt(x->easy, CURLOPT_HTTPAUTH,
		    (long)CURLAUTH_BASIC);
		curl_easy_setopt(x->easy, CURLOPT_USERNAME, d->write_key);
		curl_easy_setopt(x->easy, CURLOPT_PASSWORD, "");
	}
	return 0;
}

static void
xfer_free(struct xfer *x)
{
	curl_easy_cleanup(x->easy);
	curl_slist_free_all(x->headers);
	free(x->body);
	buf_release(&x->resp);
	free(x);
}

/* The message of a request that got no answer. */
static void
xfer_error(struct xfer *x, CURLcode rc, char *out, size_t outlen)
{
	snprintf(out, outlen, "%s", x->errbuf[0] != '\0' ? x->errbuf :
	    curl_easy_strerror(rc));
}

void
sender_test(const struct destination *d, const struct config *cf,
    struct sender_test *t)
{
	struct xfer	*x = xcalloc(1, sizeof(*x));
	struct buf	 b;
	const char	*ev;
	char		 id[IDS_UUID_LEN + 1], ts[TIMESTAMP_BUFSZ], *e;
	size_t		 len;
	int64_t		 now = timestamp_now(), start;
	CURLcode	 rc;

	memset(t, 0, sizeof(*t));
	ids_new_uuid(id);
	timestamp_format(now, ts);
	len = (size_t)xasprintf(&e, "{\"anonymousId\":\"krenalis-test\","
	    "\"event\":\"Krenalis Test Event\",\"messageId\":\"%s\","
	    "\"properties\":{},\"receivedAt\":\"%s\",\"sentAt\":\"%s\","
	    "\"timestamp\":\"%s\",\"type\":\"track\"}", id, ts, ts, ts);
	ev = e;
	buf_init(&b);
	sender_body(d, &ev, &len, 1, now, &b);
	free(e);
	x->respmax = SENDER_TEST_BODY;
	if (xfer_setup(x, d, cf, &b) == -1) {
		snprintf(t->error, sizeof(t->error), "cannot make a request");
		xfer_free(x);
		return;
	}
	start = timestamp_monotonic();
	rc = curl_easy_perform(x->easy);
	t->ms = timestamp_monotonic() - start;
	if (rc != CURLE_OK)
		xfer_error(x, rc, t->error, sizeof(t->error));
	else
		curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &t->status);
	buf_init(&b);
	buf_addutf8(&b, x->resp.p, x->resp.len, "?", 0);
	t->bodylen = b.len;
	t->body = buf_finish(&b);
	xfer_free(x);
}

/* The thread that serves the destination whose id is id. */
static size_t
thread_of(const struct sender *s, const char *id)
{
	uint32_t	h = 2166136261u;

	for (; *id != '\0'; id++)
		h = (h ^ (unsigned char)*id) * 16777619u;
	return h % s->nthreads;
}

static void
rows_free(struct row *rows, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		slab_block_unref(rows[i].block);
	free(rows);
}

static void
delivery_free(struct delivery *dl)
{
	rows_free(dl->rows, dl->n);
	free(dl);
}

/*
 * Rows leave the thread's hands: when none is, the cursor starts over
 * and the destination's slab lets its block go.
 */
static void
release_rows(struct dstate *ds, size_t n)
{
	ds->held -= n;
	if (ds->held == 0) {
		ds->cursor = 0;
		slab_idle(ds->slab);
	}
}

static void
set_error(struct sthread *t, struct dstate *ds, int64_t now,
    const char *reason)
{
	pthread_mutex_lock(&t->mtx);
	ds->last_error_at = now;
	strlcpy(ds->last_error, reason, sizeof(ds->last_error));
	pthread_mutex_unlock(&t->mtx);
}

/* The sequences of the n rows, for the outbox's operations. */
static int64_t *
seqs(const struct row *rows, size_t n)
{
	int64_t	*seq = xreallocarray(NULL, n, sizeof(*seq));
	size_t	 i;

	for (i = 0; i < n; i++)
		seq[i] = rows[i].seq;
	return seq;
}

/* Move the n rows to the failed deliveries with reason (§5). */
static void
fail_rows(struct sthread *t, struct dstate *ds, const struct row *rows,
    size_t n, int attempts, const char *reason, int64_t now)
{
	struct dest_counters	*c = ds->d->counters;
	int64_t			*seq = seqs(rows, n);

	set_error(t, ds, now, reason);
	/* Rows that stay queued are read and tried again, then counted. */
	if (warehouse_outbox_fail(t->ob, seq, n, now, reason,
	    attempts) == -1)
		log_warnx("sender: destination \"%s\": cannot move %zu failed "
		    "events out of the queue: %s", ds->d->name, n,
		    warehouse_outbox_error(t->ob));
	else {
		atomic_fetch_add(&c->failed, n);
		atomic_fetch_sub(&c->queued, (int64_t)n);
	}
	free(seq);
}

/* Note the n rows delivered, to be deleted by delete_rows. */
static void
delivered_rows(struct dstate *ds, const struct row *rows, size_t n)
{
	size_t	i;

	ds->undeleted = xreallocarray(ds->undeleted, ds->nundeleted + n,
	    sizeof(*ds->undeleted));
	for (i = 0; i < n; i++)
		ds->undeleted[ds->nundeleted++] = rows[i].seq;
}

static int
cmp_int64(const void *a, const void *b)
{
	int64_t	x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

/* The delete handed over ended with rc: its rows go, or back. */
static void
delete_ended(struct dstate *ds, int rc)
{
	if (rc == 0) {
		release_rows(ds, ds->ndeleting);
		ds->undeleted_late = 0;
	} else if (ds->nundeleted == 0) {
		/* Nothing delivered meanwhile: the rows go back as they are. */
		free(ds->undeleted);
		ds->undeleted = ds->deleting;
		ds->nundeleted = ds->ndeleting;
		ds->deleting = NULL;
	} else {
		ds->undeleted = xreallocarray(ds->undeleted,
		    ds->nundeleted + ds->ndeleting, sizeof(*ds->undeleted));
		memcpy(ds->undeleted + ds->nundeleted, ds->deleting,
		    ds->ndeleting * sizeof(*ds->deleting));
		ds->nundeleted += ds->ndeleting;
	}
	free(ds->deleting);
	ds->deleting = NULL;
	ds->ndeleting = 0;
	ds->del = NULL;
}

/*
 * Delete the delivered rows of ds in one transaction for all the requests
 * that ended since the last (the writer's, with SQLite), in seq order,
 * which makes runs of the rows queued one after the other.  A delete
 * handed to the writer is not waited for: its rows are held until it
 * ends, and those delivered meanwhile wait for the next.  Rows whose
 * delete failed (the warehouse was busy) are kept, and held, until one
 * succeeds, so that they are not read and sent again.
 */
static void
delete_rows(struct sthread *t, struct dstate *ds)
{
	int	rc = 0;

	if (ds->del != NULL) {
		if ((rc = warehouse_outbox_deleted(t->ob, ds->del, 0)) == 1)
			return;
		delete_ended(ds, rc);
	}
	if (rc == 0 && ds->nundeleted > 0) {
		qsort(ds->undeleted, ds->nundeleted, sizeof(*ds->undeleted),
		    cmp_int64);
		ds->deleting = ds->undeleted;
		ds->ndeleting = ds->nundeleted;
		ds->undeleted = NULL;
		ds->nundeleted = 0;
		if ((rc = warehouse_outbox_delete(t->ob, ds->deleting,
		    ds->ndeleting, &ds->del)) == 1)
			return;
		delete_ended(ds, rc);
	}
	if (rc == -1 && !ds->undeleted_late) {
		log_warnx("sender: destination \"%s\": cannot delete "
		    "delivered events from the queue, will try again: %s",
		    ds->d->name, warehouse_outbox_error(t->ob));
		ds->undeleted_late = 1;
	}
}

/*
 * Fail the rows of rows[0..*n) whose maxAge has passed, keeping the others
 * in order; the rows are in seq order, which is queue order but for rows
 * put back by "destination retry", so every row is looked at.
 */
static void
expire(struct sthread *t, struct dstate *ds, struct row *rows, size_t *n,
    int attempts, int64_t now)
{
	struct row	*old;
	char		 age[DEST_AGE_BUFSZ], reason[64];
	size_t		 i, k = 0, nold = 0;
	int64_t		 limit = now - ds->d->max_age * 1000;

	for (i = 0; i < *n; i++)
		if (rows[i].queued_at < limit)
			nold++;
	if (nold == 0)
		return;
	old = xreallocarray(NULL, nold, sizeof(*old));
	for (i = 0, nold = 0; i < *n; i++) {
		if (rows[i].queued_at < limit)
			old[nold++] = rows[i];
		else
			rows[k++] = rows[i];
	}
	*n = k;
	snprintf(reason, sizeof(reason), "expired after %s",
	    destination_format_age(ds->d->max_age, age));
	fail_rows(t, ds, old, nold, attempts, reason, now);
	rows_free(old, nold);
	release_rows(ds, nold);
}

static void
add_row(void *arg, const struct wh_outbox_row *r)
{
	struct dstate	*ds = arg;
	struct row	*w;

	if (ds->npending == ds->cap) {
		ds->cap = ds->cap ? ds->cap * 2 : 64;
		ds->pending = xreallocarray(ds->pending, ds->cap,
		    sizeof(*ds->pending));
	}
	w = &ds->pending[ds->npending++];
	w->seq = r->seq;
	w->queued_at = r->queued_at;
	w->len = r->eventlen;
	w->event = slab_alloc(ds->slab, r->eventlen + 1, &w->block);
	memcpy(w->event, r->event, r->eventlen);
	w->event[r->eventlen] = '\0';
	if (r->seq > ds->cursor)
		ds->cursor = r->seq;
	ds->held++;
}

/* Read what may wait in the outbox, enough for every request allowed. */
static void
fill(struct sthread *t, struct dstate *ds)
{
	int64_t	want = (int64_t)ds->d->batch_size * ds->d->max_in_flight -
		    (int64_t)ds->npending;
	size_t	before = ds->npending;

	if (!ds->more || want <= 0)
		return;
	if (warehouse_outbox_next(t->ob, ds->id, ds->cursor, want, add_row,
	    ds) == -1) {
		if (!t->unreadable)
			log_warnx("sender: destination \"%s\": cannot read "
			    "the queue: %s", ds->d->name,
			    warehouse_outbox_error(t->ob));
		t->unreadable = 1;
		return;
	}
	if (t->unreadable)
		log_info("sender: the queue can be read again");
	t->unreadable = 0;
	if ((int64_t)(ds->npending - before) < want)
		ds->more = 0;
}

/* Take the rows of the next request off the pending ones. */
static struct delivery *
take(struct dstate *ds)
{
	struct delivery	*dl = xcalloc(1, sizeof(*dl));
	size_t		*lens, i;

	lens = xreallocarray(NULL, ds->npending, sizeof(*lens));
	for (i = 0; i < ds->npending; i++)
		lens[i] = ds->pending[i].len;
	dl->n = sender_fit(ds->d, lens, ds->npending);
	free(lens);
	dl->rows = xreallocarray(NULL, dl->n, sizeof(*dl->rows));
	memcpy(dl->rows, ds->pending, dl->n * sizeof(*dl->rows));
	ds->npending -= dl->n;
	memmove(ds->pending, ds->pending + dl->n,
	    ds->npending * sizeof(*ds->pending));
	return dl;
}

/* Put dl among the retries, which stay in seq order. */
static void
retry_insert(struct dstate *ds, struct delivery *dl)
{
	struct delivery	*r;

	TAILQ_FOREACH(r, &ds->retries, entry)
		if (r->rows[0].seq > dl->rows[0].seq) {
			TAILQ_INSERT_BEFORE(r, dl, entry);
			return;
		}
	TAILQ_INSERT_TAIL(&ds->retries, dl, entry);
}

/* Start the request of dl; on failure it waits among the retries. */
static void
start(struct sthread *t, struct dstate *ds, struct delivery *dl,
    int64_t now)
{
	struct xfer	*x = xcalloc(1, sizeof(*x));
	struct buf	 b;
	const char	**ev;
	size_t		*lens, i;

	ev = xreallocarray(NULL, dl->n, sizeof(*ev));
	lens = xreallocarray(NULL, dl->n, sizeof(*lens));
	for (i = 0; i < dl->n; i++) {
		ev[i] = dl->rows[i].event;
		lens[i] = dl->rows[i].len;
	}
	buf_init(&b);
	sender_body(ds->d, ev, lens, dl->n, now, &b);
	free(ev);
	free(lens);
	x->ds = ds;
	x->dl = dl;
	x->respmax = SENDER_FAIL_BODY;
	if (xfer_setup(x, ds->d, t->s->cf, &b) == -1 ||
	    curl_multi_add_handle(t->multi, x->easy) != CURLM_OK) {
		log_warnx("sender: destination \"%s\": cannot make a request",
		    ds->d->name);
		xfer_free(x);
		dl->not_before = timestamp_monotonic() + IDLE_MS;
		retry_insert(ds, dl);
		return;
	}
	dl->attempts++;
	dl->x = x;
	TAILQ_INSERT_TAIL(&ds->flying, dl, entry);
	ds->inflight++;
	atomic_fetch_add(&ds->d->counters->in_flight, (int64_t)dl->n);
}

/*
 * Start what the destination may send now (§5): retried batches first,
 * each once its backoff has passed, then new ones, at most maxInFlight at
 * a time, a batch not yet full waiting until its oldest event is
 * SENDER_LINGER_MS old.  A retried batch waiting for its backoff holds
 * back everything newer (§4).  *wait becomes the time until there is
 * something to do, when sooner.
 */
static void
schedule(struct sthread *t, struct dstate *ds, int64_t now, int64_t *wait)
{
	struct delivery	*dl;
	int64_t		 due, mono = timestamp_monotonic();

	if (!ds->d->enabled)
		return;
	while (ds->inflight < ds->d->max_in_flight) {
		if ((dl = TAILQ_FIRST(&ds->retries)) != NULL) {
			if (mono < dl->not_before)
				break;
			TAILQ_REMOVE(&ds->retries, dl, entry);
			expire(t, ds, dl->rows, &dl->n, dl->attempts, now);
			if (dl->n == 0)
				free(dl->rows), free(dl);
			else
				start(t, ds, dl, now);
			continue;
		}
		fill(t, ds);
		expire(t, ds, ds->pending, &ds->npending, 0, now);
		if (ds->npending == 0)
			break;
		due = ds->pending[0].queued_at + SENDER_LINGER_MS;
		if (ds->npending < (size_t)ds->d->batch_size && due > now) {
			if (due - now < *wait)
				*wait = due - now;
			break;
		}
		start(t, ds, take(ds), now);
	}
	if ((dl = TAILQ_FIRST(&ds->retries)) != NULL &&
	    mono < dl->not_before && dl->not_before - mono < *wait)
		*wait = dl->not_before - mono;
}

/* Keep the latency of each row delivered at now. */
static void
latency_add(struct sthread *t, struct dstate *ds, const struct delivery *dl,
    int64_t now)
{
	uint64_t	sum = 0;
	int64_t		mono = timestamp_monotonic();
	size_t		i;

	pthread_mutex_lock(&t->mtx);
	for (i = 0; i < dl->n; i++) {
		ds->lat[ds->latnext].at = mono;
		ds->lat[ds->latnext].ms = now - dl->rows[i].queued_at;
		if (ds->lat[ds->latnext].ms > 0)
			sum += (uint64_t)ds->lat[ds->latnext].ms;
		ds->latnext = (ds->latnext + 1) % LATENCY_SAMPLES;
		if (ds->nlat < LATENCY_SAMPLES)
			ds->nlat++;
	}
	pthread_mutex_unlock(&t->mtx);
	atomic_fetch_add(&ds->d->counters->latency_count, (uint64_t)dl->n);
	atomic_fetch_add(&ds->d->counters->latency_ms, sum);
}

/*
 * Split dl in halves, both to be sent at once, before anything newer;
 * each goes on with dl's backoff sequence.
 */
static void
split(struct dstate *ds, struct delivery *dl)
{
	struct delivery	*b = xcalloc(1, sizeof(*b));
	size_t		 half = dl->n / 2;

	b->n = dl->n - half;
	b->rows = xreallocarray(NULL, b->n, sizeof(*b->rows));
	memcpy(b->rows, dl->rows + half, b->n * sizeof(*b->rows));
	b->attempts = dl->attempts;
	b->failures = dl->failures;
	dl->n = half;
	retry_insert(ds, dl);
	retry_insert(ds, b);
}

/*
 * Whether a batch of ds is failing: one that was retried and has been
 * neither delivered nor failed.
 */
static int
batch_failing(const struct dstate *ds)
{
	const struct delivery	*dl;

	TAILQ_FOREACH(dl, &ds->retries, entry)
		if (dl->failures > 0)
			return 1;
	TAILQ_FOREACH(dl, &ds->flying, entry)
		if (dl->failures > 0)
			return 1;
	return 0;
}

/*
 * The request x is over, with rc from libcurl: act on its answer (§5).
 * The backoff is the batch's: another batch delivered does not shorten
 * it.  The destination is failing from the first attempt retried, and
 * recovers with a delivery once none of its batches is failing (§6).
 */
static void
done(struct sthread *t, struct xfer *x, CURLcode rc, int64_t now)
{
	struct dstate		*ds = x->ds;
	struct delivery		*dl = x->dl;
	struct dest_counters	*c = ds->d->counters;
	char			 reason[SENDER_REASON_MAX];
	int64_t			 ra;
	long			 status = 0;

	TAILQ_REMOVE(&ds->flying, dl, entry);
	ds->inflight--;
	atomic_fetch_sub(&c->in_flight, (int64_t)dl->n);
	if (rc == CURLE_OK)
		curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &status);
	if (log_getverbose() > 0) {
		curl_off_t us = 0;

		curl_easy_getinfo(x->easy, CURLINFO_TOTAL_TIME_T, &us);
		if (status != 0)
			snprintf(reason, sizeof(reason), "HTTP %ld in", status);
		else
			snprintf(reason, sizeof(reason), "%s after",
			    curl_easy_strerror(rc));
		log_debug("sender: destination \"%s\": %zu event%s, %s %lld ms",
		    ds->d->name, dl->n, dl->n == 1 ? "" : "s", reason,
		    (long long)(us / 1000));
	}
	switch (sender_verdict(status, dl->n)) {
	case SENDER_DELIVERED:
		delivered_rows(ds, dl->rows, dl->n);
		atomic_fetch_add(&c->delivered, dl->n);
		atomic_fetch_sub(&c->queued, (int64_t)dl->n);
		atomic_store(&c->last_success, now);
		latency_add(t, ds, dl, now);
		delivery_free(dl);
		if (ds->failing && !batch_failing(ds)) {
			log_info("sender: destination \"%s\" recovered",
			    ds->d->name);
			ds->failing = 0;
		}
		break;
	case SENDER_RETRY:
		if (status == 0)
			xfer_error(x, rc, reason, sizeof(reason));
		else
			sender_reason(status, x->resp.p, x->resp.len, reason,
			    sizeof(reason));
		if ((ra = sender_retry_after(answer_header(x->easy,
		    "Retry-After"), time(NULL))) == -1)
			ra = sender_backoff(dl->failures, erand48(t->jitter));
		dl->not_before = timestamp_monotonic() + ra;
		dl->failures++;
		atomic_fetch_add(&c->retried, dl->n);
		set_error(t, ds, now, reason);
		if (!ds->failing)
			log_warnx("sender: destination \"%s\" is failing: %s",
			    ds->d->name, reason);
		ds->failing = 1;
		retry_insert(ds, dl);
		break;
	case SENDER_SPLIT:
		split(ds, dl);
		break;
	case SENDER_FAILED:
		if (status >= 300 && status < 400)
			redirect_reason(x->easy, status, reason,
			    sizeof(reason));
		else
			sender_reason(status, x->resp.p, x->resp.len, reason,
			    sizeof(reason));
		fail_rows(t, ds, dl->rows, dl->n, dl->attempts, reason, now);
		release_rows(ds, dl->n);
		delivery_free(dl);
		break;
	}
	curl_multi_remove_handle(t->multi, x->easy);
	xfer_free(x);
}

/* Abandon every request of ds under way, and its rows. */
static void
dstate_free(struct sthread *t, struct dstate *ds)
{
	struct delivery	*dl;

	while ((dl = TAILQ_FIRST(&ds->flying)) != NULL) {
		TAILQ_REMOVE(&ds->flying, dl, entry);
		curl_multi_remove_handle(t->multi, dl->x->easy);
		xfer_free(dl->x);
		delivery_free(dl);
	}
	while ((dl = TAILQ_FIRST(&ds->retries)) != NULL) {
		TAILQ_REMOVE(&ds->retries, dl, entry);
		delivery_free(dl);
	}
	/* A delete handed over borrows its rows until it ends. */
	if (ds->del != NULL)
		warehouse_outbox_deleted(t->ob, ds->del, 1);
	free(ds->deleting);
	rows_free(ds->pending, ds->npending);
	slab_unref(ds->slab);
	free(ds->undeleted);
	free(ds);
}

/* The dstate of id among the thread's, or NULL. */
static struct dstate *
dstate_find(struct sthread *t, const char *id)
{
	size_t	i;

	for (i = 0; i < t->nds; i++)
		if (strcmp(t->ds[i]->id, id) == 0)
			return t->ds[i];
	return NULL;
}

/*
 * Follow the published snapshot: serve its destinations of this thread
 * with their new settings, drop the others.
 */
static void
refresh(struct sthread *t)
{
	struct snapshot		*snap = snapshot_current();
	struct destination	*d;
	struct dstate		**ds, **gone, *o;
	size_t			 i, n = 0, ngone = 0;

	if (snap == t->snap) {
		snapshot_unref(snap);
		return;
	}
	ds = xreallocarray(NULL, snap->ndestinations + 1, sizeof(*ds));
	for (i = 0; i < snap->ndestinations; i++) {
		d = &snap->destinations[i];
		if (thread_of(t->s, d->id) != t->index)
			continue;
		if ((o = dstate_find(t, d->id)) == NULL) {
			o = xcalloc(1, sizeof(*o));
			strlcpy(o->id, d->id, sizeof(o->id));
			o->more = 1;
			o->slab = slab_new();
			TAILQ_INIT(&o->retries);
			TAILQ_INIT(&o->flying);
		}
		o->d = d;
		o->kept = 1;
		ds[n++] = o;
	}
	gone = xreallocarray(NULL, t->nds + 1, sizeof(*gone));
	pthread_mutex_lock(&t->mtx);
	for (i = 0; i < t->nds; i++)
		if (!t->ds[i]->kept)
			gone[ngone++] = t->ds[i];
	for (i = 0; i < n; i++)
		ds[i]->kept = 0;
	free(t->ds);
	t->ds = ds;
	t->nds = n;
	pthread_mutex_unlock(&t->mtx);
	/*
	 * Freed out of the mutex, which the status readers take: a delete
	 * under way may keep dstate_free waiting for the writer.
	 */
	for (i = 0; i < ngone; i++)
		dstate_free(t, gone[i]);
	free(gone);
	if (t->snap != NULL)
		snapshot_unref(t->snap);
	t->snap = snap;
}

/*
 * The queue lengths of a snapshot's destinations, as counted, and the ids
 * of the other destinations that have rows, queued or failed.
 */
struct count {
	struct snapshot		*snap;
	int64_t			*n;
	char			**other;
	size_t			 nother;
};

/* An id may come twice: with its queued rows, and with its failed ones. */
static void
count_one(void *arg, const char *id, int64_t n)
{
	struct count			*c = arg;
	const struct destination	*d;
	size_t				 j;

	if ((d = snapshot_destination(c->snap, id)) != NULL) {
		c->n[d - c->snap->destinations] += n;
		return;
	}
	for (j = 0; j < c->nother; j++)
		if (strcmp(c->other[j], id) == 0)
			return;
	c->other = xreallocarray(c->other, c->nother + 1, sizeof(*c->other));
	c->other[c->nother++] = xstrdup(id);
}

/*
 * Drop the rows, queued or failed, of destinations that are removed.  A
 * request takes its snapshot when it begins, so a writer can queue rows
 * (or fail them, its queue full) for a destination after `destination rm`
 * dropped its queue: with PostgreSQL, a transaction that checked the
 * destination just before it was removed and committed just after, or
 * another node's, which had not yet seen the removal; or a drop that
 * failed left them.  Nothing would ever deliver, list or drop them.  A
 * destination that the newest snapshot has is not removed: it came after
 * the count began.  With a shared outbox the drop also asks the shared
 * catalog, which has the destinations other nodes made and this one has
 * not seen yet (warehouse_outbox_drop).
 */
static void
drop_removed(struct wh_outbox_conn *ob, struct count *c)
{
	struct snapshot	*now = snapshot_current();
	int64_t		 n;
	size_t		 i;
	char		 why[512];

	for (i = 0; i < c->nother; i++) {
		if (snapshot_destination(now, c->other[i]) != NULL)
			continue;
		if (warehouse_outbox_drop(ob->wh, c->other[i], &n, why,
		    sizeof(why)) == -1)
			log_warnx("sender: cannot drop the queue of removed "
			    "destination %s: %s", c->other[i], why);
		else if (n > 0)
			log_info("sender: destination %s is removed: %lld "
			    "queued events dropped", c->other[i],
			    (long long)n);
	}
	snapshot_unref(now);
}

/*
 * Set the queue counters of the current snapshot's destinations to what
 * the outbox holds for them, and drop the rows of removed ones; -1 leaves
 * them.
 */
static int
count_queues(struct wh_outbox_conn *ob)
{
	struct count	c;
	size_t		i;
	int		rc;

	memset(&c, 0, sizeof(c));
	c.snap = snapshot_current();
	c.n = xcalloc(c.snap->ndestinations + 1, sizeof(*c.n));
	if ((rc = warehouse_outbox_count(ob, count_one, &c)) == 0) {
		for (i = 0; i < c.snap->ndestinations; i++)
			atomic_store(&c.snap->destinations[i].counters->queued,
			    c.n[i]);
		drop_removed(ob, &c);
	}
	for (i = 0; i < c.nother; i++)
		free(c.other[i]);
	free(c.other);
	free(c.n);
	snapshot_unref(c.snap);
	return rc;
}

/*
 * A shared outbox holds rows that this node's writer did not wake the
 * thread for (queued by other nodes, or left by a node that died), and
 * other nodes deliver what this one counted: look for rows each second,
 * and let thread 0 count the queues again now and then.
 */
static void
poll_shared(struct sthread *t, int *woken)
{
	int64_t	now = timestamp_monotonic();

	if (!warehouse_outbox_shared(t->ob->wh))
		return;
	if (now >= t->poll_at) {
		*woken = 1;
		t->poll_at = now + IDLE_MS;
	}
	if (t->index == 0 && now >= t->count_at) {
		t->count_at = now + RECOUNT_MS;
		if (count_queues(t->ob) == -1) {
			if (!t->uncounted)
				log_warnx("sender: cannot count the queues: %s",
				    warehouse_outbox_error(t->ob));
			t->uncounted = 1;
		} else if (t->uncounted) {
			log_info("sender: the queues can be counted again");
			t->uncounted = 0;
		}
	}
}

/* The queue time of the oldest row ds holds, or 0. */
static int64_t
oldest(struct dstate *ds)
{
	struct delivery	*dl;
	int64_t		 o = ds->npending > 0 ? ds->pending[0].queued_at : 0;
	size_t		 i;

	for (i = 0; i < 2; i++)
		TAILQ_FOREACH(dl, i ? &ds->flying : &ds->retries, entry)
			if (dl->n > 0 && (o == 0 || dl->rows[0].queued_at < o))
				o = dl->rows[0].queued_at;
	return o;
}

static void *
sender_main(void *arg)
{
	struct sthread	*t = arg;
	struct xfer	*x;
	CURLMsg		*m;
	int64_t		 now, wait;
	size_t		 i;
	int		 n, woken;

	while (!atomic_load(&t->s->stopping)) {
		refresh(t);
		woken = atomic_exchange(&t->wake, 0);
		now = timestamp_now();
		poll_shared(t, &woken);
		wait = IDLE_MS;
		for (i = 0; i < t->nds; i++) {
			if (woken)
				t->ds[i]->more = 1;
			schedule(t, t->ds[i], now, &wait);
		}
		curl_multi_perform(t->multi, &n);
		now = timestamp_now();
		while ((m = curl_multi_info_read(t->multi, &n)) != NULL) {
			if (m->msg != CURLMSG_DONE)
				continue;
			curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE,
			    (char **)&x);
			done(t, x, m->data.result, now);
			wait = 0;
		}
		for (i = 0; i < t->nds; i++) {
			delete_rows(t, t->ds[i]);
			if ((t->ds[i]->nundeleted > 0 ||
			    t->ds[i]->del != NULL) && wait > IDLE_MS / 10)
				wait = IDLE_MS / 10;
		}
		pthread_mutex_lock(&t->mtx);
		for (i = 0; i < t->nds; i++)
			t->ds[i]->oldest = oldest(t->ds[i]);
		pthread_mutex_unlock(&t->mtx);
		if (wait > 0)
			curl_multi_poll(t->multi, NULL, 0, (int)wait, NULL);
	}
	return NULL;
}

void
sender_wake(void)
{
	struct sender	*s = atomic_load(&running);
	size_t		 i;

	if (s == NULL)
		return;
	for (i = 0; i < s->nthreads; i++) {
		atomic_store(&s->threads[i].wake, 1);
		curl_multi_wakeup(s->threads[i].multi);
	}
}

/* Percentile q of the n sorted latencies, in seconds. */
static double
percentile(const int64_t *ms, size_t n, double q)
{
	size_t	i = (size_t)(q * (double)n + 0.999999);

	return (double)ms[i > 0 ? i - 1 : 0] / 1000.0;
}

void
sender_status(const char *id, struct sender_status *st)
{
	struct sender	*s = atomic_load(&running);
	struct sthread	*t;
	struct dstate	*ds;
	int64_t		*ms, mono = timestamp_monotonic();
	size_t		 i, n = 0;

	memset(st, 0, sizeof(*st));
	if (s == NULL || s->nthreads == 0)
		return;
	t = &s->threads[thread_of(s, id)];
	ms = xreallocarray(NULL, LATENCY_SAMPLES, sizeof(*ms));
	pthread_mutex_lock(&t->mtx);
	if ((ds = dstate_find(t, id)) != NULL) {
		st->oldest_queued_at = ds->oldest;
		st->last_error_at = ds->last_error_at;
		strlcpy(st->last_error, ds->last_error,
		    sizeof(st->last_error));
		for (i = 0; i < ds->nlat; i++)
			if (ds->lat[i].at > mono - LATENCY_WINDOW)
				ms[n++] = ds->lat[i].ms;
	}
	pthread_mutex_unlock(&t->mtx);
	qsort(ms, n, sizeof(*ms), cmp_int64);
	st->nlatency = n;
	if (n > 0) {
		st->p50 = percentile(ms, n, 0.50);
		st->p99 = percentile(ms, n, 0.99);
	}
	free(ms);
}

/* Free what sender_start made, once no thread of s runs. */
static void
sender_free(struct sender *s)
{
	struct sthread	*t;
	size_t		 i, j;

	for (i = 0; i < s->nthreads; i++) {
		t = &s->threads[i];
		for (j = 0; j < t->nds; j++)
			dstate_free(t, t->ds[j]);
		free(t->ds);
		if (t->snap != NULL)
			snapshot_unref(t->snap);
		curl_multi_cleanup(t->multi);
		warehouse_outbox_close(t->ob);
		pthread_mutex_destroy(&t->mtx);
	}
	free(s->threads);
	free(s);
}

struct sender *
sender_start(struct warehouse *wh, const struct config *cf,
    const char *node, char *err, size_t errlen)
{
	struct sender	*s = xcalloc(1, sizeof(*s));
	struct sthread	*t;
	size_t		 i;
	int		 rc;

	s->cf = cf;
	s->nthreads = (size_t)cf->sender_threads;
	s->threads = xcalloc(s->nthreads, sizeof(*s->threads));
	for (i = 0; i < s->nthreads; i++) {
		t = &s->threads[i];
		t->s = s;
		t->index = i;
		ids_random_bytes(t->jitter, sizeof(t->jitter));
		pthread_mutex_init(&t->mtx, NULL);
	}
	for (i = 0; i < s->nthreads; i++) {
		t = &s->threads[i];
		if ((t->multi = curl_multi_init()) == NULL) {
			snprintf(err, errlen, "cannot initialise libcurl");
			goto fail;
		}
		if ((t->ob = warehouse_outbox_open(wh, node, err,
		    errlen)) == NULL)
			goto fail;
	}
	/* A shared outbox is counted by thread 0 once it runs. */
	if (!warehouse_outbox_shared(wh) &&
	    count_queues(s->threads[0].ob) == -1) {
		snprintf(err, errlen, "cannot count the outbox: %s",
		    warehouse_outbox_error(s->threads[0].ob));
		goto fail;
	}
	for (; s->started < s->nthreads; s->started++)
		if ((rc = pthread_create(&s->threads[s->started].thread, NULL,
		    sender_main, &s->threads[s->started])) != 0) {
			snprintf(err, errlen, "cannot start the sender: %s",
			    strerror(rc));
			sender_stop(s);
			return NULL;
		}
	atomic_store(&running, s);
	return s;
fail:
	sender_free(s);
	return NULL;
}

void
sender_stop(struct sender *s)
{
	size_t	i;

	if (s == NULL)
		return;
	atomic_store(&running, NULL);
	atomic_store(&s->stopping, 1);
	for (i = 0; i < s->started; i++)
		curl_multi_wakeup(s->threads[i].multi);
	for (i = 0; i < s->started; i++)
		pthread_join(s->threads[i].thread, NULL);
	sender_free(s);
}
