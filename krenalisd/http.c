/*
 * The HTTP server of krenalisd on libmicrohttpd: routes, responses and
 * their common headers, CORS, the settings endpoints, /healthz and
 * /metrics; ingest requests are handed to ingest.c.  See spec/ingest.md.
 */
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <microhttpd.h>

#include "compat.h"
#include "ids.h"
#include "log.h"
#include "timestamp.h"
#include "xmalloc.h"
#include "config.h"
#include "counters.h"
#include "http.h"
#include "ingest.h"
#include "reply.h"
#include "snapshot.h"
#include "warehouse.h"
#include "writer.h"

#define STOP_WAIT_MS	30000	/* longest wait for requests in flight */
#define MAX_CODES	64	/* route x status pairs counted */

struct http {
	struct MHD_Daemon	*mhd;
	const struct config	*cf;
	struct warehouse	*store;
	struct writer		*writer;
	struct ingest		*ingest;
	atomic_int		 inflight;
	atomic_int		 stopping;
	pthread_mutex_t		 codes_mtx;
	struct route_count	 codes[MAX_CODES];	/* /metrics */
	size_t			 ncodes;
};

/* One request's state, from its first callback to its completion. */
struct http_request {
	struct http		*http;
	struct ingest_request	 in;		/* route, id, ingest state */
	int			 answered;	/* a response is queued */
	int			 reading;	/* the body is being read */
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

/*
 * Queue the reply r, then release it, with the headers of spec/ingest.md
 * §3: Request-Id always; CORS on /v1/ paths; no-cache on ingest paths
 * (not on the 204 preflight) and on every error.  A reply that could not
 * be made (status 0) closes the connection.
 */
static enum MHD_Result
respond(struct MHD_Connection *conn, struct http_request *rq,
    struct reply *r)
{
	struct MHD_Response	*resp;
	enum MHD_Result		 ret;
	enum route_kind		 k = rq->in.route.kind;
	unsigned int		 status = r->status;
	size_t			 i;

	resp = status == 0 ? NULL : MHD_create_response_from_buffer(r->len,
	    (void *)(uintptr_t)(r->body != NULL ? r->body : ""),
	    MHD_RESPMEM_MUST_COPY);
	if (resp == NULL) {
		reply_release(r);
		return MHD_NO;
	}
	MHD_add_response_header(resp, "Request-Id", rq->in.id);
	if (r->ctype != NULL)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
		    r->ctype);
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
	for (i = 0; i < r->nhdrs; i++)
		MHD_add_response_header(resp, r->names[i], r->values[i]);
	reply_release(r);
	ret = MHD_queue_response(conn, status, resp);
	MHD_destroy_response(resp);
	rq->answered = 1;
	count_status(rq->http, rq->in.route.label, status);
	return ret;
}

/* GET /healthz (spec/ingest.md §13.1). */
static enum MHD_Result
serve_healthz(struct MHD_Connection *conn, struct http_request *rq)
{
	struct reply	r;

	if (atomic_load(&rq->http->stopping) ||
	    !warehouse_writable(rq->http->store))
		reply_unavailable(&r, "5", "store is not writable");
	else {
		/* libmicrohttpd sends a HEAD the headers without the body. */
		reply_init(&r, 200);
		r.ctype = "text/plain; charset=utf-8";
		r.body = xstrdup("ok\n");
		r.len = 3;
	}
	return respond(conn, rq, &r);
}

/* GET /metrics (spec/ingest.md §13.2), with the text counters.c writes. */
static enum MHD_Result
serve_metrics(struct MHD_Connection *conn, struct http_request *rq)
{
	struct http		*http = rq->http;
	struct snapshot		*snap = snapshot_current();
	struct route_count	 codes[MAX_CODES];
	struct reply		 r;
	size_t			 ncodes;

	pthread_mutex_lock(&http->codes_mtx);
	ncodes = http->ncodes;
	memcpy(codes, http->codes, ncodes * sizeof(codes[0]));
	pthread_mutex_unlock(&http->codes_mtx);
	reply_init(&r, 200);
	r.ctype = "text/plain; version=0.0.4; charset=utf-8";
	r.body = counters_metrics(codes, ncodes, snap,
	    writer_commits(http->writer), writer_commit_failures(http->writer),
	    &r.len);
	snapshot_unref(snap);
	return respond(conn, rq, &r);
}

/* OPTIONS on an ingest or settings path (spec/ingest.md §12.3). */
static enum MHD_Result
serve_preflight(struct MHD_Connection *conn, struct http_request *rq)
{
	struct reply	r;
	enum route_kind	k = rq->in.route.kind;

	reply_init(&r, 204);
	if (k == ROUTE_BATCH || k == ROUTE_SINGLE) {
		reply_header(&r, "Access-Control-Allow-Methods", "POST");
		reply_header(&r, "Access-Control-Allow-Credentials", "true");
		reply_header(&r, "Access-Control-Allow-Headers",
		    "Authorization, Content-Type");
		reply_header(&r, "Access-Control-Max-Age", "86400");
		reply_header(&r, MHD_HTTP_HEADER_CACHE_CONTROL,
		    "public, max-age=86400, immutable");
	} else {
		reply_header(&r, "Access-Control-Allow-Methods", "GET");
		reply_header(&r, "Access-Control-Max-Age", "900");
		reply_header(&r, MHD_HTTP_HEADER_CACHE_CONTROL,
		    "public, max-age=900, immutable");
	}
	return respond(conn, rq, &r);
}

/* The two settings endpoints (spec/ingest.md §12.1, §12.2). */
static enum MHD_Result
serve_settings(struct MHD_Connection *conn, struct http_request *rq)
{
	struct snapshot		*snap = snapshot_current();
	const struct route	*route = &rq->in.route;
	const struct snap_key	*k = NULL;
	struct reply		 r;
	const char		*proto, *host, *p;
	char			 scheme[16], hostbuf[256], apihost[300];
	json_t			*o;
	size_t			 len;

	if (!route->key_too_long && snap != NULL)
		k = snapshot_lookup_key(snap, route->key, strlen(route->key));
	if (k != NULL)
		atomic_store(&k->usage->last_used, rq->in.received_at);
	if (k == NULL || (route->kind == ROUTE_SETTINGS &&
	    k->source->strategy == NULL)) {
		snapshot_unref(snap);
		reply_error(&r, 401, "event write key in the path is invalid");
		return respond(conn, rq, &r);
	}
	if (route->kind == ROUTE_SETTINGS)
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
	reply_json(&r, 200, "application/json", o);
	json_decref(o);
	reply_header(&r, MHD_HTTP_HEADER_CACHE_CONTROL,
	    "public, max-age=3600, stale-while-revalidate=10800");
	return respond(conn, rq, &r);
}

/* Count the non-blank Authorization headers of a request. */
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
 * The headers of a POST to an ingest path: step 2 of spec/ingest.md §5
 * here, steps 3-7 in ingest_start; on failure the answer is queued.
 */
static enum MHD_Result
start_ingest(struct MHD_Connection *conn, struct http_request *rq)
{
	struct ingest_request	*in = &rq->in;
	struct reply		 r;

	if (atomic_load(&rq->http->stopping)) {
		reply_unavailable(&r, "5", "server is shutting down; try again "
		    "later");
		return respond(conn, rq, &r);
	}
	MHD_get_connection_values(conn, MHD_HEADER_KIND, count_auth,
	    &in->nauth);
	in->authorization = MHD_lookup_connection_value(conn,
	    MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
	in->content_type = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
	    MHD_HTTP_HEADER_CONTENT_TYPE);
	in->forwarded_for = MHD_lookup_connection_value(conn,
	    MHD_HEADER_KIND, "X-Forwarded-For");
	in->content_encoding = MHD_lookup_connection_value(conn,
	    MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_ENCODING);
	in->content_length = MHD_lookup_connection_value(conn,
	    MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
	peer_ip(conn, in->peer, sizeof(in->peer));
	if (ingest_start(rq->http->ingest, in, &r) == -1)
		return respond(conn, rq, &r);
	rq->reading = 1;
	return MHD_YES;
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
	struct http		*http = cls;
	struct http_request	*rq = *ctx;
	struct reply		 r;
	enum route_kind		 k;
	int			 get, head, post, options;

	if (rq == NULL) {
		lower_priority();
		rq = xcalloc(1, sizeof(*rq));
		rq->http = http;
		rq->in.received_at = timestamp_now();
		ids_new_request_id(rq->in.id);
		ingest_route(url, &rq->in.route);
		rq->v1 = strncmp(url, "/v1/", 4) == 0;
		rq->origin = MHD_lookup_connection_value(conn,
		    MHD_HEADER_KIND, "Origin");
		atomic_fetch_add(&http->inflight, 1);
		*ctx = rq;
		k = rq->in.route.kind;
		post = strcmp(method, MHD_HTTP_METHOD_POST) == 0;
		if ((k == ROUTE_BATCH || k == ROUTE_SINGLE) && post)
			return start_ingest(conn, rq);
		return MHD_YES;
	}
	if (rq->answered) {
		/* An early answer: the rest of the body is not read. */
		*upload_size = 0;
		return MHD_YES;
	}
	if (*upload_size != 0) {
		/* Past a limit, ingest_read drops the rest, then answers. */
		if (rq->reading && ingest_read(http->ingest, &rq->in, upload,
		    *upload_size, &r) == -1) {
			*upload_size = 0;
			return respond(conn, rq, &r);
		}
		*upload_size = 0;
		return MHD_YES;
	}
	if (rq->reading) {
		ingest_finish(http->ingest, &rq->in, &r);
		return respond(conn, rq, &r);
	}

	k = rq->in.route.kind;
	get = strcmp(method, MHD_HTTP_METHOD_GET) == 0;
	head = strcmp(method, MHD_HTTP_METHOD_HEAD) == 0;
	options = strcmp(method, MHD_HTTP_METHOD_OPTIONS) == 0;
	switch (k) {
	case ROUTE_OTHER:
		reply_error(&r, 404, "%s", "");
		return respond(conn, rq, &r);
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
	reply_error(&r, 405, "Method not allowed");
	reply_header(&r, MHD_HTTP_HEADER_ALLOW, ingest_allow(k));
	return respond(conn, rq, &r);
}

static void
completed(void *cls, struct MHD_Connection *conn, void **ctx,
    enum MHD_RequestTerminationCode toe)
{
	struct http		*http = cls;
	struct http_request	*rq = *ctx;

	if (rq == NULL)
		return;
	ingest_request_release(http->ingest, &rq->in);
	free(rq);
	*ctx = NULL;
	atomic_fetch_sub(&http->inflight, 1);
}

struct http *
http_start(int fd, const struct config *cf, struct warehouse *st,
    struct writer *w, char *err, size_t errlen)
{
	struct http	*http = xcalloc(1, sizeof(*http));

	http->cf = cf;
	http->store = st;
	http->writer = w;
	pthread_mutex_init(&http->codes_mtx, NULL);
	http->ingest = ingest_new(cf, w);
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
		ingest_free(http->ingest);
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
	ingest_free(http->ingest);
	free(http);
}
