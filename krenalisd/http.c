/* HTTP routing, ingest and responses of krenalisd; see spec/ingest.md. */
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <microhttpd.h>

#include "compat.h"
#include "hash.h"
#include "ids.h"
#include "log.h"
#include "timestamp.h"
#include "xmalloc.h"
#include "batch.h"
#include "body.h"
#include "budget.h"
#include "config.h"
#include "counters.h"
#include "debugger.h"
#include "event.h"
#include "http.h"
#include "ingest.h"
#include "jarena.h"
#include "jsonscan.h"
#include "pipeline.h"
#include "snapshot.h"
#include "store.h"
#include "writer.h"

#define STOP_WAIT_MS	30000	/* longest wait for requests in flight */
#define MAX_CODES	64	/* route x status pairs counted */

struct http {
	struct MHD_Daemon	*mhd;
	const struct config	*cf;
	struct store		*store;
	struct writer		*writer;
	atomic_int		 inflight;
	atomic_int		 stopping;
	int64_t			 started_at;
	pthread_mutex_t		 codes_mtx;
	struct route_count	 codes[MAX_CODES];	/* /metrics */
	size_t			 ncodes;
	struct budget		 bodies;	/* request bodies held */
	struct budget		 decoding;	/* decoded, uncommitted events */
};

/*
 * The budgets, as multiples of max_body_bytes (16 MiB at least): with the
 * default 4 MiB, 56 MiB of bodies and 56 MiB of decoded events, which
 * measured about 6 times the size of their raw text.
 */
#define BODIES_BUDGET(max)	(14 * (size_t)((max) < 4194304 ? 4194304 : (max)))
#define DECODE_BUDGET(max)	(14 * (size_t)((max) < 4194304 ? 4194304 : (max)))
#define DECODE_FACTOR		6

/* One request's state, from its first callback to its completion. */
struct request {
	struct http		*http;
	struct route		 route;
	char			 id[IDS_REQID_MAX + 1];
	int64_t			 received_at;
	int			 answered;	/* a response is queued */
	int			 reading;	/* the body is being read */
	struct snapshot		*snap;		/* taken at authentication */
	const struct snap_key	*key;		/* from the header, or NULL */
	enum auth_scheme	 scheme;
	char			 ip[INET6_ADDRSTRLEN];
	struct body		 body;
	size_t			 body_share;	/* taken from http->bodies */
	const char		*origin;	/* borrowed from MHD */
	int			 v1;		/* the path starts with /v1/ */
};

/*
 * libmicrohttpd decodes %XX in the path by default; spec/ingest.md §2
 * says percent-escapes are not decoded, so the decoder leaves the text.
 */
static size_t
unescape_none(void *cls, struct MHD_Connection *conn, char *s)
{
	return strlen(s);
}

static void
mhd_log(void *cls, const char *fmt, va_list ap)
{
	char	msg[512];
	size_t	len;

	vsnprintf(msg, sizeof(msg), fmt, ap);
	len = strlen(msg);
	while (len > 0 && msg[len - 1] == '\n')
		msg[--len] = '\0';
	log_debug("http: %s", msg);
}

static void
count_status(struct http *http, const char *route, unsigned int status)
{
	size_t	i;

	pthread_mutex_lock(&http->codes_mtx);
	for (i = 0; i < http->ncodes; i++)
		if (http->codes[i].status == status &&
		    strcmp(http->codes[i].route, route) == 0)
			break;
	if (i == http->ncodes && i < MAX_CODES) {
		http->codes[i].route = route;
		http->codes[i].status = status;
		http->ncodes++;
	}
	if (i < MAX_CODES)
		http->codes[i].n++;
	pthread_mutex_unlock(&http->codes_mtx);
}

/* Extra headers of one response, name and value pairs. */
struct hdrs {
	const char	*kv[12];
	size_t		 n;
};

static void
hdr(struct hdrs *h, const char *name, const char *value)
{
	if (h->n + 2 <= sizeof(h->kv) / sizeof(h->kv[0])) {
		h->kv[h->n++] = name;
		h->kv[h->n++] = value;
	}
}

/*
 * Queue a response with the headers of spec/ingest.md §3: Request-Id
 * always; CORS on /v1/ paths; no-cache on ingest paths (not on the 204
 * preflight) and on every error.
 */
static enum MHD_Result
respond(struct MHD_Connection *conn, struct request *rq, unsigned int status,
    const char *ctype, const char *body, size_t len, const struct hdrs *extra)
{
	struct MHD_Response	*resp;
	enum MHD_Result		 ret;
	enum route_kind		 k = rq->route.kind;
	size_t			 i;

	resp = MHD_create_response_from_buffer(len, (void *)(uintptr_t)body,
	    MHD_RESPMEM_MUST_COPY);
	if (resp == NULL)
		return MHD_NO;
	MHD_add_response_header(resp, "Request-Id", rq->id);
	if (ctype != NULL)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
		    ctype);
	if (rq->v1) {
		MHD_add_response_header(resp, "Access-Control-Allow-Origin",
		    rq->origin ? rq->origin : "*");
		if (rq->origin != NULL)
			MHD_add_response_header(resp, "Vary", "Origin");
	}
	if (status >= 400) {
		MHD_add_response_header(resp, "X-Content-Type-Options",
		    "nosniff");
	}
	if (status >= 400 || ((k == ROUTE_BATCH || k == ROUTE_SINGLE) &&
	    status != 204)) {
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL,
		    "no-store, max-age=0");
		MHD_add_response_header(resp, MHD_HTTP_HEADER_PRAGMA,
		    "no-cache");
		MHD_add_response_header(resp, MHD_HTTP_HEADER_EXPIRES, "0");
	}
	for (i = 0; extra != NULL && i < extra->n; i += 2)
		MHD_add_response_header(resp, extra->kv[i], extra->kv[i + 1]);
	ret = MHD_queue_response(conn, status, resp);
	MHD_destroy_response(resp);
	rq->answered = 1;
	count_status(rq->http, rq->route.label, status);
	return ret;
}

/* An error response of spec/ingest.md §4. */
static enum MHD_Result
respond_error_h(struct MHD_Connection *conn, struct request *rq,
    unsigned int status, const struct hdrs *extra, const char *fmt, ...)
    __attribute__((__format__(printf, 5, 6)));

static enum MHD_Result
respond_error_h(struct MHD_Connection *conn, struct request *rq,
    unsigned int status, const struct hdrs *extra, const char *fmt, ...)
{
	char		 msg[1024], *body;
	const char	*code;
	va_list		 ap;
	json_t		*o;
	enum MHD_Result	 ret;
	size_t		 len;

	switch (status) {
	case 400: code = "BadRequest"; break;
	case 401: code = "Unauthorized"; break;
	case 404: code = "NotFound"; break;
	case 405: code = "MethodNotAllowed"; break;
	case 413: code = "PayloadTooLarge"; break;
	case 415: code = "UnsupportedMediaType"; break;
	case 429: code = "TooManyRequests"; break;
	case 503: code = "ServiceUnavailable"; break;
	default: code = "InternalServerError"; break;
	}
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* jansson's compact output is the JSON of spec/ingest.md §1. */
	o = json_pack("{s:{s:s,s:s}}", "error", "code", code, "message", msg);
	body = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(o);
	if (body == NULL)
		return MHD_NO;
	len = strlen(body);
	body = xreallocarray(body, len + 2, 1);
	body[len++] = '\n';
	ret = respond(conn, rq, status, "application/json; charset=utf-8",
	    body, len, extra);
	free(body);
	return ret;
}

#define respond_error(conn, rq, status, ...)				\
	respond_error_h(conn, rq, status, NULL, __VA_ARGS__)

static enum MHD_Result
respond_503(struct MHD_Connection *conn, struct request *rq,
    const char *retry, const char *msg)
{
	struct hdrs	h = { { 0 }, 0 };

	hdr(&h, MHD_HTTP_HEADER_RETRY_AFTER, retry);
	return respond_error_h(conn, rq, 503, &h, "%s", msg);
}

/* GET /healthz (spec/ingest.md §13.1). */
static enum MHD_Result
serve_healthz(struct MHD_Connection *conn, struct request *rq)
{
	if (atomic_load(&rq->http->stopping) ||
	    !store_writable(rq->http->store))
		return respond_503(conn, rq, "5", "store is not writable");
	/* libmicrohttpd sends the headers of a HEAD without the body. */
	return respond(conn, rq, 200, "text/plain; charset=utf-8", "ok\n", 3,
	    NULL);
}

/* GET /metrics (spec/ingest.md §13.2), with the text counters.c writes. */
static enum MHD_Result
serve_metrics(struct MHD_Connection *conn, struct request *rq)
{
	struct http		*http = rq->http;
	struct snapshot		*snap = snapshot_current();
	struct route_count	 codes[MAX_CODES];
	char			*buf;
	size_t			 ncodes, len;
	enum MHD_Result		 ret;

	pthread_mutex_lock(&http->codes_mtx);
	ncodes = http->ncodes;
	memcpy(codes, http->codes, ncodes * sizeof(codes[0]));
	pthread_mutex_unlock(&http->codes_mtx);
	buf = counters_metrics(codes, ncodes, snap,
	    writer_commits(http->writer), writer_commit_failures(http->writer),
	    &len);
	snapshot_unref(snap);
	ret = respond(conn, rq, 200,
	    "text/plain; version=0.0.4; charset=utf-8", buf, len, NULL);
	free(buf);
	return ret;
}

/* OPTIONS on an ingest or settings path (spec/ingest.md §12.3). */
static enum MHD_Result
serve_preflight(struct MHD_Connection *conn, struct request *rq)
{
	struct hdrs	h = { { 0 }, 0 };

	if (rq->route.kind == ROUTE_BATCH || rq->route.kind == ROUTE_SINGLE) {
		hdr(&h, "Access-Control-Allow-Methods", "POST");
		hdr(&h, "Access-Control-Allow-Credentials", "true");
		hdr(&h, "Access-Control-Allow-Headers",
		    "Authorization, Content-Type");
		hdr(&h, "Access-Control-Max-Age", "86400");
		hdr(&h, MHD_HTTP_HEADER_CACHE_CONTROL,
		    "public, max-age=86400, immutable");
	} else {
		hdr(&h, "Access-Control-Allow-Methods", "GET");
		hdr(&h, "Access-Control-Max-Age", "900");
		hdr(&h, MHD_HTTP_HEADER_CACHE_CONTROL,
		    "public, max-age=900, immutable");
	}
	return respond(conn, rq, 204, NULL, "", 0, &h);
}

/* The two settings endpoints (spec/ingest.md §12.1, §12.2). */
static enum MHD_Result
serve_settings(struct MHD_Connection *conn, struct request *rq)
{
	struct snapshot		*snap = snapshot_current();
	const struct snap_key	*k = NULL;
	struct hdrs		 h = { { 0 }, 0 };
	const char		*proto, *host, *p;
	char			*body = NULL, scheme[16], hostbuf[256];
	char			 apihost[300];
	json_t			*o = NULL;
	enum MHD_Result		 ret;
	size_t			 len;

	if (!rq->route.key_too_long && snap != NULL)
		k = snapshot_lookup_key(snap, rq->route.key,
		    strlen(rq->route.key));
	if (k != NULL)
		atomic_store(&k->usage->last_used, rq->received_at);
	if (k == NULL || (rq->route.kind == ROUTE_SETTINGS &&
	    k->source->strategy == NULL)) {
		snapshot_unref(snap);
		return respond_error(conn, rq, 401, "event write key in the "
		    "path is invalid");
	}
	if (rq->route.kind == ROUTE_SETTINGS)
		o = json_pack("{s:s,s:{s:{s:s}}}", "strategy",
		    k->source->strategy, "integrations", "Krenalis", "apiKey",
		    k->key);
	else {
		if (rq->http->cf->public_url != NULL) {
			p = rq->http->cf->public_url;
			len = strcspn(p, ":");
			snprintf(scheme, sizeof(scheme), "%.*s", (int)len, p);
			p += len + 3;
			len = strcspn(p, "/");
			snprintf(hostbuf, sizeof(hostbuf), "%.*s", (int)len, p);
			host = hostbuf;
		} else {
			proto = MHD_lookup_connection_value(conn,
			    MHD_HEADER_KIND, "X-Forwarded-Proto");
			strlcpy(scheme, proto != NULL &&
			    strcasecmp(proto, "https") == 0 ? "https" : "http",
			    sizeof(scheme));
			host = MHD_lookup_connection_value(conn,
			    MHD_HEADER_KIND, MHD_HTTP_HEADER_HOST);
			if (host == NULL)
				host = "";
		}
		snprintf(apihost, sizeof(apihost), "%s/v1", host);
		o = json_pack("{s:{s:{s:s,s:s,s:s}},s:{s:{s:{s:b,s:{}}},"
		    "s:{s:{s:b}},s:{s:{s:b}}},s:{s:i},s:[]}",
		    "integrations", "Segment.io", "apiKey", k->key, "apiHost",
		    apihost, "protocol", scheme,
		    "plan", "track", "__default", "enabled", 1, "integrations",
		    "identify", "__default", "enabled", 1,
		    "group", "__default", "enabled", 1,
		    "metrics", "sampleRate", 0,
		    "remotePlugins");
	}
	snapshot_unref(snap);
	body = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(o);
	len = strlen(body);
	body = xreallocarray(body, len + 2, 1);
	body[len++] = '\n';
	hdr(&h, MHD_HTTP_HEADER_CACHE_CONTROL,
	    "public, max-age=3600, stale-while-revalidate=10800");
	ret = respond(conn, rq, 200, "application/json", body, len, &h);
	free(body);
	return ret;
}

/* Count the Authorization headers of a request. */
static enum MHD_Result
count_auth(void *cls, enum MHD_ValueKind kind, const char *key,
    const char *value)
{
	int	*n = cls;

	if (strcasecmp(key, "Authorization") == 0 && value != NULL) {
		const char *p = value;

		while (*p == ' ' || *p == '\t')
			p++;
		if (*p != '\0')
			(*n)++;
	}
	return MHD_YES;
}

/* The TCP peer's address, IPv4-mapped addresses as IPv4. */
static void
peer_ip(struct MHD_Connection *conn, char *ip, size_t len)
{
	const union MHD_ConnectionInfo	*ci;
	const struct sockaddr_in6	*sin6;

	ip[0] = '\0';
	ci = MHD_get_connection_info(conn,
	    MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	if (ci == NULL || ci->client_addr == NULL)
		return;
	if (ci->client_addr->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)
		    ci->client_addr)->sin_addr, ip, len);
	else if (ci->client_addr->sa_family == AF_INET6) {
		sin6 = (const struct sockaddr_in6 *)ci->client_addr;
		if (IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr))
			inet_ntop(AF_INET, &sin6->sin6_addr.s6_addr[12], ip,
			    len);
		else
			inet_ntop(AF_INET6, &sin6->sin6_addr, ip, len);
	}
}

/*
 * Steps 2-8 of spec/ingest.md §5 that need only the headers; on failure
 * the response is queued here.
 */
static enum MHD_Result
ingest_headers(struct MHD_Connection *conn, struct request *rq)
{
	const struct config	*cf = rq->http->cf;
	const char		*v;
	char			 key[IDS_KEY_LEN + 2];
	int			 nauth = 0, encoding, rc;
	unsigned long long	 clen;
	char			*end;

	if (atomic_load(&rq->http->stopping))
		return respond_503(conn, rq, "5", "server is shutting down; "
		    "try again later");
	MHD_get_connection_values(conn, MHD_HEADER_KIND, count_auth, &nauth);
	if (nauth > 1)
		return respond_error(conn, rq, 400, "request contains multiple "
		    "Authorization headers");
	rq->snap = snapshot_current();
	if (nauth == 1) {
		v = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
		    MHD_HTTP_HEADER_AUTHORIZATION);
		rc = ingest_auth(v ? v : "", key, sizeof(key));
		if (rc == -1)
			return respond_error(conn, rq, 400, "Authorization "
			    "header is invalid; use \"Authorization: Bearer "
			    "<KEY>\" or \"Authorization: Basic <BASE64(KEY:)>\" "
			    "with an event write key");
		rq->scheme = rc;
		if (rq->snap != NULL)
			rq->key = snapshot_lookup_key(rq->snap, key,
			    strlen(key));
		if (rq->key == NULL)
			return respond_error(conn, rq, 401, rc == AUTH_BASIC ?
			    "event write key in the Basic Authorization header "
			    "is not valid" : "event write key in the "
			    "Authorization header is not valid");
		atomic_store(&rq->key->usage->last_used, rq->received_at);
	}
	v = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
	    MHD_HTTP_HEADER_CONTENT_TYPE);
	if (!ingest_charset_ok(v))
		return respond_error(conn, rq, 400, "request's content type "
		    "charset must be 'utf-8'");
	v = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
	    "X-Forwarded-For");
	rc = v != NULL ? ingest_forwarded_for(v, rq->ip, sizeof(rq->ip)) : 0;
	if (rc == -1)
		return respond_error(conn, rq, 400, "address specified in the "
		    "'X-Forwarded-For' header is not a valid IP address");
	if (rc == 0)
		peer_ip(conn, rq->ip, sizeof(rq->ip));
	v = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
	    MHD_HTTP_HEADER_CONTENT_ENCODING);
	encoding = ingest_encoding(v);
	if (encoding == ENCODING_UNSUPPORTED)
		return respond_error(conn, rq, 415, "content encoding \"%s\" is "
		    "not supported", v);
	clen = 0;
	v = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
	    MHD_HTTP_HEADER_CONTENT_LENGTH);
	if (v != NULL) {
		errno = 0;
		clen = strtoull(v, &end, 10);
		if (errno == ERANGE || (unsigned long long)cf->max_body_bytes <
		    clen)
			return respond_error(conn, rq, 413, "request's body "
			    "exceeds the limit of %lld bytes",
			    (long long)cf->max_body_bytes);
	}
	body_init(&rq->body, (size_t)cf->max_body_bytes, cf->max_gzip_ratio,
	    (size_t)clen, encoding == ENCODING_GZIP);
	rq->reading = 1;
	/*
	 * The body's share of memory, taken once, before a byte is read:
	 * its length when declared and plain, else the most it may grow to.
	 * While the budget is spent this thread waits here, and its client's
	 * upload waits in the kernel.
	 */
	rq->body_share = encoding != ENCODING_GZIP && clen > 0 ? (size_t)clen :
	    (size_t)cf->max_body_bytes;
	budget_take(&rq->http->bodies, rq->body_share);
	return MHD_YES;
}

/* The 413/415 of a body that broke a limit while being read. */
static enum MHD_Result
body_error(struct MHD_Connection *conn, struct request *rq)
{
	const struct config	*cf = rq->http->cf;

	switch (rq->body.error) {
	case BODY_TOO_LARGE:
		return respond_error(conn, rq, 413, "request's body exceeds the "
		    "limit of %lld bytes", (long long)cf->max_body_bytes);
	case BODY_RATIO:
		return respond_error(conn, rq, 413, "request's body exceeds the "
		    "decompression ratio limit of %lld",
		    (long long)cf->max_gzip_ratio);
	default:
		return respond_error(conn, rq, 415, "request's body is not "
		    "valid gzip data");
	}
}

/* A small set of message ids, for the duplicates within one request. */
struct idset {
	const char	**ids;
	size_t		  mask;
};

/* Add id; 1 when it was already there. */
static int
idset_add(struct idset *set, const char *id)
{
	size_t	i = hash_bytes(id, strlen(id)) & set->mask;

	while (set->ids[i] != NULL) {
		if (strcmp(set->ids[i], id) == 0)
			return 1;
		i = (i + 1) & set->mask;
	}
	set->ids[i] = id;
	return 0;
}

/*
 * Steps 15-17: decode and evaluate every event, hand the batch to the
 * writer, and answer.  spans are the raw texts of the events.
 */
static enum MHD_Result
ingest_events(struct MHD_Connection *conn, struct request *rq,
    const struct snap_source *src, const struct event_req *er,
    const struct jsonscan_span *spans, size_t n)
{
	const struct config	*cf = rq->http->cf;
	struct batch		 b;
	struct batch_event	*be;
	struct idset		 set;
	enum MHD_Result		 ret;
	char			*resp;
	size_t			 i, size, nrejected = 0, len, share;
	int64_t			 wait;
	char			 retry[32];
	struct hdrs		 h = { { 0 }, 0 };
	int			 rc;

	/* Step 13: the source's token bucket, counted in events. */
	wait = counters_take(src->counters, (int64_t)n, cf->rate_limit_burst,
	    cf->rate_limit_events_per_minute, timestamp_now());
	if (wait > 0) {
		counter_add(&src->counters->rate_limited, 1);
		snprintf(retry, sizeof(retry), "%lld", (long long)wait);
		hdr(&h, MHD_HTTP_HEADER_RETRY_AFTER, retry);
		hdr(&h, "X-RateLimit-Reset", retry);
		return respond_error_h(conn, rq, 429, &h, "rate limit exceeded; "
		    "retry according to the Retry-After header");
	}
	/* Step 14: room in the writer's queue. */
	if (writer_admit(rq->http->writer, n) == -1) {
		counters_give(src->counters, (int64_t)n, cf->rate_limit_burst,
		    cf->rate_limit_events_per_minute);
		return respond_503(conn, rq, "1", "request cannot be processed "
		    "at this time; try again later");
	}

	/* Step 15: decode, validate, normalise; evaluate the pipelines. */
	share = DECODE_FACTOR * (rq->body.len + 1024);
	budget_take(&rq->http->decoding, share);
	jarena_begin();
	memset(&b, 0, sizeof(b));
	b.snap = rq->snap;
	b.src = src;
	memcpy(b.request_id, rq->id, sizeof(b.request_id));
	b.received_at = rq->received_at;
	b.n = n;
	b.npipelines = src->npipelines;
	b.events = xcalloc(n, sizeof(*b.events));
	b.results = xcalloc(n * (b.npipelines ? b.npipelines : 1), 1);
	b.conds = xcalloc(n * (b.npipelines ? b.npipelines : 1),
	    sizeof(*b.conds));
	for (size = 16; size < n * 2; size <<= 1)
		;
	set.ids = xcalloc(size, sizeof(*set.ids));
	set.mask = size - 1;
	for (i = 0; i < n; i++) {
		be = &b.events[i];
		be->raw = rq->body.buf + spans[i].off;
		be->rawlen = spans[i].len;
		event_init(&be->ev);
		be->valid = event_decode(er, be->raw, be->rawlen, &be->ev) == 0;
		if (!be->valid) {
			nrejected++;
			continue;
		}
		be->dup_in_request = idset_add(&set, be->ev.message_id);
		pipeline_evaluate(&b, i, src);
	}
	free(set.ids);
	/* The JSON forms the filters read go with the arena. */
	for (i = 0; i < n; i++)
		if (b.events[i].ev.json != NULL) {
			json_decref(b.events[i].ev.json);
			b.events[i].ev.json = NULL;
		}
	jarena_end();
	/* Tokens of rejected events are given back (§10). */
	counters_give(src->counters, (int64_t)nrejected, cf->rate_limit_burst,
	    cf->rate_limit_events_per_minute);

	/* Step 16: the commit; the writer takes the batch off the queue. */
	rc = writer_submit(rq->http->writer, &b);
	if (rc == -1) {
		counters_give(src->counters, (int64_t)(n - nrejected),
		    cf->rate_limit_burst, cf->rate_limit_events_per_minute);
		ret = respond_503(conn, rq, "5", "events cannot be stored at "
		    "this time; try again later");
	} else {
		/* Step 17, and the debugger's records of the request. */
		debugger_publish(&b);
		resp = ingest_response(&b, &len);
		ret = respond(conn, rq, 200, "application/json; charset=utf-8",
		    resp, len, NULL);
		free(resp);
	}
	for (i = 0; i < n; i++)
		event_release(&b.events[i].ev);
	free(b.events);
	free(b.results);
	free(b.conds);
	budget_give(&rq->http->decoding, share);
	return ret;
}

/* Decode the string member at m, or NULL when it is not a string. */
static char *
member_string(const struct request *rq, const struct jsonscan_member *m,
    size_t *len)
{
	if (m->value.kind != JSONSCAN_STRING)
		return NULL;
	return jsonscan_string(rq->body.buf, &m->value, len);
}

/* Steps 9-17, once the whole body is in. */
static enum MHD_Result
ingest_body(struct MHD_Connection *conn, struct request *rq)
{
	const struct config		*cf = rq->http->cf;
	const struct jsonscan_member	*batchm = NULL, *m;
	const struct snap_key		*k;
	const struct snap_source	*src;
	const struct jsonscan_span	*spans;
	struct event_context		*ctx = NULL;
	struct jsonscan			 js;
	struct event_req		 er;
	enum MHD_Result			 ret;
	char				*text, *s, *cerr = NULL;
	size_t				 len, n, slen;
	enum timestamp_error		 te;

	if (body_finish(&rq->body) == -1)
		return body_error(conn, rq);
	/* Step 9: one BOM is removed; blank is empty. */
	text = rq->body.buf;
	len = rq->body.len;
	if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0) {
		text += 3;
		len -= 3;
	}
	if (strspn(text, " \t\r\n") == len)
		return respond_error(conn, rq, 400, "request's body is empty");
	/* Step 10. */
	if (jsonscan_parse(&js, text, len) == -1) {
		ret = respond_error(conn, rq, 400, "error parsing the request "
		    "body as JSON: %s", js.detail);
		jsonscan_release(&js);
		return ret;
	}
	/* Offsets are relative to text; make them relative to the buffer. */
	memset(&er, 0, sizeof(er));
	er.received_at = rq->received_at;
	er.max_event_bytes = (size_t)cf->max_event_bytes;
	er.request_ip = rq->ip[0] ? rq->ip : NULL;

	/* Step 11: body shape, envelope, batch size. */
	if (rq->route.kind == ROUTE_SINGLE) {
		er.shape = EVENT_SHAPE_SINGLE;
		er.default_type = rq->route.type;
		spans = &js.root;
		n = 1;
	} else if (js.root.kind == JSONSCAN_ARRAY) {
		er.shape = EVENT_SHAPE_BATCH;
		spans = js.elems;
		n = js.root_count;
	} else if (js.root.kind == JSONSCAN_OBJECT) {
		batchm = jsonscan_member(&js, "batch");
		if (batchm == NULL) {
			er.shape = EVENT_SHAPE_OBJECT;
			spans = &js.root;
			n = 1;
		} else {
			er.shape = EVENT_SHAPE_BATCH;
			if (batchm->value.kind != JSONSCAN_ARRAY) {
				ret = respond_error(conn, rq, 400, "property "
				    "'batch' is not a valid array");
				goto out;
			}
			spans = js.elems + batchm->first;
			n = batchm->count;
		}
	} else {
		ret = respond_error(conn, rq, 400, "request's content is not a "
		    "valid JSON object or array");
		goto out;
	}
	if (er.shape == EVENT_SHAPE_BATCH && n == 0) {
		ret = respond_error(conn, rq, 400, "batch must contain at least "
		    "one event");
		goto out;
	}
	if (er.shape == EVENT_SHAPE_BATCH &&
	    n > (size_t)cf->max_batch_events) {
		ret = respond_error(conn, rq, 400, "batch contains too many "
		    "events");
		goto out;
	}
	if (batchm != NULL && (m = jsonscan_member(&js, "sentAt")) != NULL) {
		if ((s = member_string(rq, m, &slen)) == NULL) {
			ret = respond_error(conn, rq, 400, "property 'sentAt' "
			    "is not a valid string");
			goto out;
		}
		te = timestamp_parse(s, slen, &er.sent_at);
		free(s);
		if (te == TIMESTAMP_INVALID) {
			ret = respond_error(conn, rq, 400, "property 'sentAt' "
			    "is not a valid ISO 8601 timestamp");
			goto out;
		}
		if (te == TIMESTAMP_BAD_YEAR) {
			ret = respond_error(conn, rq, 400, "property 'sentAt' "
			    "has an invalid year value");
			goto out;
		}
		er.has_sent_at = 1;
	}
	if (batchm != NULL && (m = jsonscan_member(&js, "context")) != NULL) {
		ctx = event_context_new(rq->body.buf + m->value.off,
		    m->value.len, &cerr);
		if (ctx == NULL) {
			ret = respond_error(conn, rq, 400, "%s", cerr);
			free(cerr);
			goto out;
		}
		er.context = ctx;
	}

	/* Step 12: the body's write key, when no header named one. */
	if (rq->key == NULL) {
		m = js.root.kind == JSONSCAN_OBJECT ?
		    jsonscan_member(&js, "writeKey") : NULL;
		if (m == NULL) {
			ret = respond_error(conn, rq, 401, "Authorization "
			    "header is missing");
			goto out;
		}
		if ((s = member_string(rq, m, &slen)) == NULL) {
			ret = respond_error(conn, rq, 400, "property 'writeKey' "
			    "is not a valid string");
			goto out;
		}
		if (slen == 0) {
			free(s);
			ret = respond_error(conn, rq, 400, "property 'writeKey' "
			    "cannot be empty");
			goto out;
		}
		k = rq->snap != NULL ? snapshot_lookup_key(rq->snap, s, slen) :
		    NULL;
		free(s);
		if (k == NULL) {
			ret = respond_error(conn, rq, 401, "the event write key "
			    "in the request body does not exist");
			goto out;
		}
		atomic_store(&k->usage->last_used, rq->received_at);
		rq->key = k;
	}
	src = rq->key->source;
	er.source_id = src->id;
	er.ip_fallback = src->ip_fallback;

	/* The spans are relative to text, which may follow a BOM. */
	if (text != rq->body.buf) {
		struct jsonscan_span *sp = xcalloc(n, sizeof(*sp));
		size_t i;

		for (i = 0; i < n; i++) {
			sp[i] = spans[i];
			sp[i].off += (size_t)(text - rq->body.buf);
		}
		ret = ingest_events(conn, rq, src, &er, sp, n);
		free(sp);
	} else
		ret = ingest_events(conn, rq, src, &er, spans, n);
out:
	event_context_free(ctx);
	jsonscan_release(&js);
	return ret;
}

/*
 * HTTP threads run below the writer: on 2 cores, decoding threads that
 * compete with the writer for CPU slow every commit, and the writer is
 * the one thread all requests wait for.  Once per thread.
 */
static void
lower_priority(void)
{
	static __thread int	done;

	if (done)
		return;
	done = 1;
	if (setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), 5) == -1)
		log_debug("http: setpriority: %s", strerror(errno));
}

static enum MHD_Result
handler(void *cls, struct MHD_Connection *conn, const char *url,
    const char *method, const char *version, const char *upload,
    size_t *upload_size, void **ctx)
{
	struct http	*http = cls;
	struct request	*rq = *ctx;
	enum route_kind	 k;
	int		 get, head, post, options;

	if (rq == NULL) {
		lower_priority();
		rq = xcalloc(1, sizeof(*rq));
		rq->http = http;
		rq->received_at = timestamp_now();
		ids_new_request_id(rq->id);
		ingest_route(url, &rq->route);
		rq->v1 = strncmp(url, "/v1/", 4) == 0;
		rq->origin = MHD_lookup_connection_value(conn,
		    MHD_HEADER_KIND, "Origin");
		atomic_fetch_add(&http->inflight, 1);
		*ctx = rq;
		k = rq->route.kind;
		post = strcmp(method, MHD_HTTP_METHOD_POST) == 0;
		if ((k == ROUTE_BATCH || k == ROUTE_SINGLE) && post)
			return ingest_headers(conn, rq);
		return MHD_YES;
	}
	if (rq->answered) {
		/* An early answer: the rest of the body is not read. */
		*upload_size = 0;
		return MHD_YES;
	}
	if (*upload_size != 0) {
		/*
		 * After a limit is passed nothing more is kept or inflated;
		 * the rest is read and dropped so that the client, still
		 * sending, gets the answer instead of a reset.  A client
		 * that goes on for another max_body_bytes is answered at once
		 * and the connection closed.
		 */
		if (rq->reading &&
		    body_feed(&rq->body, upload, *upload_size) == -1 &&
		    rq->body.received > 2 * rq->body.max + rq->body.declared) {
			*upload_size = 0;
			return body_error(conn, rq);
		}
		*upload_size = 0;
		return MHD_YES;
	}
	if (rq->reading)
		return ingest_body(conn, rq);

	k = rq->route.kind;
	get = strcmp(method, MHD_HTTP_METHOD_GET) == 0;
	head = strcmp(method, MHD_HTTP_METHOD_HEAD) == 0;
	options = strcmp(method, MHD_HTTP_METHOD_OPTIONS) == 0;
	switch (k) {
	case ROUTE_OTHER:
		return respond_error(conn, rq, 404, "%s", "");
	case ROUTE_HEALTHZ:
		if (get || head)
			return serve_healthz(conn, rq);
		break;
	case ROUTE_METRICS:
		if (get || head)
			return serve_metrics(conn, rq);
		break;
	case ROUTE_BATCH:
	case ROUTE_SINGLE:
		if (options)
			return serve_preflight(conn, rq);
		break;
	case ROUTE_SETTINGS:
	case ROUTE_PROJECT:
		if (options)
			return serve_preflight(conn, rq);
		if (get || head)
			return serve_settings(conn, rq);
		break;
	}
	{
		struct hdrs h = { { 0 }, 0 };

		hdr(&h, MHD_HTTP_HEADER_ALLOW, ingest_allow(k));
		return respond_error_h(conn, rq, 405, &h, "Method not allowed");
	}
}

static void
completed(void *cls, struct MHD_Connection *conn, void **ctx,
    enum MHD_RequestTerminationCode toe)
{
	struct http	*http = cls;
	struct request	*rq = *ctx;

	if (rq == NULL)
		return;
	if (rq->reading)
		body_release(&rq->body);
	budget_give(&http->bodies, rq->body_share);
	snapshot_unref(rq->snap);
	free(rq);
	*ctx = NULL;
	atomic_fetch_sub(&http->inflight, 1);
}

struct http *
http_start(int fd, const struct config *cf, struct store *st,
    struct writer *w, char *err, size_t errlen)
{
	struct http	*http = xcalloc(1, sizeof(*http));

	http->cf = cf;
	http->store = st;
	http->writer = w;
	http->started_at = timestamp_now();
	pthread_mutex_init(&http->codes_mtx, NULL);
	budget_init(&http->bodies, BODIES_BUDGET(cf->max_body_bytes));
	budget_init(&http->decoding, DECODE_BUDGET(cf->max_body_bytes));
	http->mhd = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD |
	    MHD_USE_THREAD_PER_CONNECTION | MHD_USE_POLL | MHD_USE_ITC |
	    MHD_USE_ERROR_LOG, 0, NULL, NULL, handler, http,
	    MHD_OPTION_LISTEN_SOCKET, fd,
	    MHD_OPTION_UNESCAPE_CALLBACK, unescape_none, NULL,
	    MHD_OPTION_NOTIFY_COMPLETED, completed, http,
	    MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)120,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned int)4096,
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(64 * 1024),
	    MHD_OPTION_END);
	if (http->mhd == NULL) {
		snprintf(err, errlen, "cannot start the HTTP server");
		pthread_mutex_destroy(&http->codes_mtx);
		budget_release(&http->bodies);
		budget_release(&http->decoding);
		free(http);
		return NULL;
	}
	return http;
}

void
http_stop(struct http *http)
{
	struct timespec	ts = { 0, 10 * 1000 * 1000 };
	int		fd, waited = 0;

	if (http == NULL)
		return;
	atomic_store(&http->stopping, 1);
	fd = MHD_quiesce_daemon(http->mhd);
	if (fd != -1)
		close(fd);
	while (atomic_load(&http->inflight) > 0 && waited < STOP_WAIT_MS) {
		nanosleep(&ts, NULL);
		waited += 10;
	}
	MHD_stop_daemon(http->mhd);
	pthread_mutex_destroy(&http->codes_mtx);
	budget_release(&http->bodies);
	budget_release(&http->decoding);
	free(http);
}
