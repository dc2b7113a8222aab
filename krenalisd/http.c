/*
 * The HTTP server of krenalisd on libmicrohttpd: routes, responses and
 * their common headers, CORS, the settings endpoints, /healthz and
 * /metrics; ingest requests are handed to ingest.c.  See spec/ingest.md.
 * Also the guards against slow clients: a watchdog thread closes the
 * connections whose request headers are late, libmicrohttpd's timeout
 * of each connection follows the deadline of the body being read, and
 * answers libmicrohttpd cannot send in the middle of a body are written
 * on the socket here.
 */
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <poll.h>
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
#include "table.h"
#include "snapshot.h"
#include "warehouse.h"
#include "writer.h"

#define STOP_WAIT_MS	30000	/* longest wait for requests in flight */
#define MAX_CODES	64	/* route x status pairs counted */
#define IDLE_TIMEOUT	120	/* s, libmicrohttpd's timeout of a connection */
/* Its longest timeout: in milliseconds, an unsigned int (49.7 days). */
#define TIMEOUT_MAX	(UINT_MAX / 1000)
#define LINGER_MS	2000	/* longest read after an answer on the socket */

/*
 * One connection, known to the watchdog from its opening to its closing:
 * headers_since is when its next request's headers began to be awaited
 * (its opening, or the previous answer), 0 while a request is handled.
 */
struct http_conn {
	struct http_conn	*prev, *next;
	int			 fd;
	_Atomic int64_t		 headers_since;	/* monotonic ms */
};

struct http {
	struct MHD_Daemon	*mhd;
	const struct config	*cf;
	struct warehouse	*store;
	struct writer		*writer;
	struct ingest		*ingest;
	atomic_int		 inflight;
	atomic_int		 stopping;
	unsigned int		 idle;		/* s, between requests */
	pthread_mutex_t		 codes_mtx;
	struct route_count	 codes[MAX_CODES];	/* /metrics */
	size_t			 ncodes;

	/* The watchdog of header_timeout, when there is one. */
	pthread_t		 watchdog;
	int			 watching;
	pthread_mutex_t		 conns_mtx;	/* conns, the socket fds */
	pthread_cond_t		 conns_cv;	/* wakes the watchdog to stop */
	struct http_conn	*conns;
	int			 watchdog_stop;
};

/* One request's state, from its first callback to its completion. */
struct http_request {
	struct http		*http;
	struct ingest_request	 in;		/* route, id, ingest state */
	int			 answered;	/* a response is queued */
	int			 reading;	/* the body is being read */
	const char		*origin;	/* borrowed from MHD */
	const char		*method;	/* borrowed from MHD */
	const char		*path;		/* borrowed from MHD */
	int			 v1;		/* the path starts with /v1/ */
	unsigned int		 timeout;	/* s, of the connection */
	char			*encodings;	/* Content-Encodings joined */
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
 * With -v, an answer of 400 or more is logged with its body, which says
 * why: what a client developer asks first.  The body is JSON, so the
 * client's text in it is escaped; the method and path are made safe.
 */
static void
log_answer(const struct http_request *rq, const struct reply *r)
{
	size_t	 len = r->len;
	char	*method, *path;

	if (r->status < 400 || log_getverbose() < 1)
		return;
	while (len > 0 && r->body[len - 1] == '\n')
		len--;
	method = table_safe(rq->method);
	path = table_safe(rq->path);
	log_debug("http: %s %s: %u %.*s (request %s)", method, path,
	    r->status, (int)len, r->body != NULL ? r->body : "", rq->in.id);
	free(method);
	free(path);
}

typedef void	header_fn(void *, const char *, const char *);

/*
 * Give each header of the reply r to add, with the headers of
 * spec/ingest.md §3: Request-Id always; CORS on /v1/ paths; no-cache on
 * ingest paths (not on the 204 preflight) and on every error.
 */
static void
reply_headers(const struct http_request *rq, const struct reply *r,
    header_fn *add, void *arg)
{
	enum route_kind	k = rq->in.route.kind;
	size_t		i;

	add(arg, "Request-Id", rq->in.id);
	if (r->ctype != NULL)
		add(arg, MHD_HTTP_HEADER_CONTENT_TYPE, r->ctype);
	if (rq->v1) {
		add(arg, "Access-Control-Allow-Origin",
		    rq->origin ? rq->origin : "*");
		if (rq->origin != NULL)
			add(arg, "Vary", "Origin");
	}
	if (r->status >= 400)
		add(arg, "X-Content-Type-Options", "nosniff");
	if (r->status >= 400 || ((k == ROUTE_BATCH || k == ROUTE_SINGLE) &&
	    r->status != 204)) {
		add(arg, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store, max-age=0");
		add(arg, MHD_HTTP_HEADER_PRAGMA, "no-cache");
		add(arg, MHD_HTTP_HEADER_EXPIRES, "0");
	}
	for (i = 0; i < r->nhdrs; i++)
		add(arg, r->names[i], r->values[i]);
}

static void
add_mhd_header(void *resp, const char *name, const char *value)
{
	MHD_add_response_header(resp, name, value);
}

/*
 * Queue the reply r, then release it.  A reply that could not be made
 * (status 0) closes the connection.
 */
static enum MHD_Result
respond(struct MHD_Connection *conn, struct http_request *rq,
    struct reply *r)
{
	struct MHD_Response	*resp;
	enum MHD_Result		 ret;
	unsigned int		 status = r->status;

	resp = status == 0 ? NULL : MHD_create_response_from_buffer(r->len,
	    (void *)(uintptr_t)(r->body != NULL ? r->body : ""),
	    MHD_RESPMEM_MUST_COPY);
	if (resp == NULL) {
		reply_release(r);
		return MHD_NO;
	}
	reply_headers(rq, r, add_mhd_header, resp);
	log_answer(rq, r);
	reply_release(r);
	ret = MHD_queue_response(conn, status, resp);
	MHD_destroy_response(resp);
	rq->answered = 1;
	count_status(rq->http, rq->in.route.label, status);
	return ret;
}

/* A response written by hand, headers first. */
struct raw_response {
	char	buf[4096];
	size_t	len;
};

static void
add_raw_header(void *arg, const char *name, const char *value)
{
	struct raw_response	*raw = arg;
	int			 n;

	/* Room is left for the empty line. */
	n = snprintf(raw->buf + raw->len, sizeof(raw->buf) - 2 - raw->len,
	    "%s: %s\r\n", name, value);
	if (n > 0)
		raw->len += (size_t)n;
	if (raw->len > sizeof(raw->buf) - 3)
		raw->len = sizeof(raw->buf) - 3;
}

/* Write n bytes on the non-blocking socket fd within deadline (ms). */
static int
write_all(int fd, const char *p, size_t n, int64_t deadline)
{
	struct pollfd	pfd = { fd, POLLOUT, 0 };
	ssize_t		w;

	while (n > 0) {
		w = send(fd, p, n, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (w > 0) {
			p += w;
			n -= (size_t)w;
			continue;
		}
		if (w == -1 && errno != EAGAIN && errno != EINTR)
			return -1;
		if (timestamp_monotonic() >= deadline ||
		    poll(&pfd, 1, (int)(deadline - timestamp_monotonic())) == -1)
			return -1;
	}
	return 0;
}

/*
 * Answer r on the socket and close the connection, when libmicrohttpd
 * cannot queue a response: in the middle of a body, or as a timed-out
 * connection closes.  The socket is shut for writing, then what the
 * client still sends is read and dropped for a while, so that the
 * answer is not lost in a reset of the connection.  r is released;
 * MHD_NO makes libmicrohttpd close the connection.
 */
static enum MHD_Result
respond_raw(struct MHD_Connection *conn, struct http_request *rq,
    struct reply *r)
{
	const union MHD_ConnectionInfo	*ci;
	struct raw_response		 raw;
	struct pollfd			 pfd;
	char				 date[64], drop[16384];
	const char			*reason;
	int64_t				 deadline = timestamp_monotonic() + LINGER_MS;
	time_t				 now = time(NULL);
	struct tm			 tm;
	int				 fd;

	ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
	if (ci == NULL || r->status == 0) {
		reply_release(r);
		return MHD_NO;
	}
	fd = ci->connect_fd;
	gmtime_r(&now, &tm);
	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S GMT", &tm);
	reason = MHD_get_reason_phrase_for(r->status);
	raw.len = (size_t)snprintf(raw.buf, sizeof(raw.buf),
	    "HTTP/1.1 %u %s\r\nDate: %s\r\nConnection: close\r\n"
	    "Content-Length: %zu\r\n", r->status, reason, date, r->len);
	reply_headers(rq, r, add_raw_header, &raw);
	memcpy(raw.buf + raw.len, "\r\n", 2);
	raw.len += 2;
	if (write_all(fd, raw.buf, raw.len, deadline) == 0 &&
	    write_all(fd, r->body != NULL ? r->body : "", r->len,
	    deadline) == 0 && shutdown(fd, SHUT_WR) == 0) {
		pfd.fd = fd;
		pfd.events = POLLIN;
		while (timestamp_monotonic() < deadline && poll(&pfd, 1,
		    (int)(deadline - timestamp_monotonic())) > 0 &&
		    recv(fd, drop, sizeof(drop), MSG_DONTWAIT) > 0)
			;
	}
	rq->answered = 1;
	count_status(rq->http, rq->in.route.label, r->status);
	log_answer(rq, r);
	reply_release(r);
	return MHD_NO;
}

/* ms as libmicrohttpd's timeout: whole seconds, rounded up, at least 1. */
static unsigned int
timeout_secs(int64_t ms)
{
	if (ms <= 1000)
		return 1;
	if (ms >= (int64_t)TIMEOUT_MAX * 1000)
		return TIMEOUT_MAX;
	return (unsigned int)((ms + 999) / 1000);
}

/*
 * libmicrohttpd closes a connection that has been silent for its
 * timeout: while a body is read, that is the body's deadline, or
 * IDLE_TIMEOUT between two bytes without body_timeout; between requests,
 * http->idle, which header_timeout lengthens (the watchdog closes the
 * connection after header_timeout itself).
 */
static void
set_timeout(struct MHD_Connection *conn, struct http_request *rq)
{
	unsigned int	secs = rq->http->idle;

	if (rq->reading)
		secs = rq->in.deadline > 0 ? timeout_secs(rq->in.deadline -
		    timestamp_monotonic()) : IDLE_TIMEOUT;
	if (secs != rq->timeout) {
		MHD_set_connection_option(conn, MHD_CONNECTION_OPTION_TIMEOUT,
		    secs);
		rq->timeout = secs;
	}
}

/* GET /healthz (spec/ingest.md §13.1). */
static enum MHD_Result
serve_healthz(struct MHD_Connection *conn, struct http_request *rq)
{
	struct reply	r;
	char		why[600];

	if (atomic_load(&rq->http->stopping))
		reply_unavailable(&r, "5", "store is not writable");
	else if (!warehouse_writable(rq->http->store)) {
		warehouse_why(rq->http->store, why, sizeof(why));
		reply_unavailable(&r, "5", why);
	} else {
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
	    warehouse_remote(http->store) ? warehouse_writable(http->store) :
	    -1, &r.len);
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
		ingest_unknown_key(rq->http->ingest, k == NULL ? snap : NULL,
		    &r, "event write key in the path is invalid");
		snapshot_unref(snap);
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

/*
 * A header that is there but empty or blank, as an Origin or
 * Authorization may be, counts as absent.
 */
static const char *
nonblank(const char *value)
{
	const char	*p = value;

	while (p != NULL && (*p == ' ' || *p == '\t'))
		p++;
	return p != NULL && *p != '\0' ? value : NULL;
}

/* What one pass over a request's headers finds. */
struct header_scan {
	int		 nauth;		/* non-blank Authorization headers */
	const char	*auth;		/* the first of them */
	const char	*clen;		/* the first Content-Length */
	int		 clen_differ;	/* another one has another value */
	const char	*enc;		/* the first non-blank encoding */
	size_t		 nenc;		/* how many there are */
	size_t		 enclen;	/* the length of all, joined */
};

static enum MHD_Result
scan_header(void *cls, enum MHD_ValueKind kind, const char *key,
    const char *value)
{
	struct header_scan	*hs = cls;

	if (value == NULL)
		return MHD_YES;
	if (strcasecmp(key, MHD_HTTP_HEADER_AUTHORIZATION) == 0) {
		if (nonblank(value) != NULL && hs->nauth++ == 0)
			hs->auth = value;
	} else if (strcasecmp(key, MHD_HTTP_HEADER_CONTENT_LENGTH) == 0) {
		if (hs->clen == NULL)
			hs->clen = value;
		else if (strcmp(hs->clen, value) != 0)
			hs->clen_differ = 1;
	} else if (strcasecmp(key, MHD_HTTP_HEADER_CONTENT_ENCODING) == 0 &&
	    nonblank(value) != NULL) {
		if (hs->nenc++ == 0)
			hs->enc = value;
		hs->enclen += strlen(value) + 2;
	}
	return MHD_YES;
}

/* Join the Content-Encoding lines, as RFC 9110 §5.3 reads them. */
static enum MHD_Result
join_encoding(void *cls, enum MHD_ValueKind kind, const char *key,
    const char *value)
{
	char	*s = cls;

	if (value != NULL && nonblank(value) != NULL &&
	    strcasecmp(key, MHD_HTTP_HEADER_CONTENT_ENCODING) == 0) {
		if (*s != '\0')
			strcat(s, ", ");
		strcat(s, value);
	}
	return MHD_YES;
}

/*
 * The request's content coding: its one non-blank Content-Encoding line
 * (borrowed from MHD), or several joined with commas, which is a list
 * and so refused with the list as its value (spec/ingest.md §7.3).
 */
static const char *
content_encoding(struct MHD_Connection *conn, struct http_request *rq,
    const struct header_scan *hs)
{
	if (hs->nenc < 2)
		return hs->enc;
	rq->encodings = xmalloc(hs->enclen + 1);
	rq->encodings[0] = '\0';
	MHD_get_connection_values(conn, MHD_HEADER_KIND, join_encoding,
	    rq->encodings);
	return rq->encodings;
}

/*
 * The framing of the body (RFC 9112 §6): Content-Length headers that
 * disagree are a 400; a transfer coding other than chunked alone, which
 * libmicrohttpd would read until the connection closes, is a 501 (§6.1:
 * a coding the server does not understand).  0, or -1 with the answer.
 */
static int
check_framing(struct MHD_Connection *conn, struct header_scan *hs,
    struct reply *r)
{
	const char	*te;

	MHD_get_connection_values(conn, MHD_HEADER_KIND, scan_header, hs);
	te = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
	    MHD_HTTP_HEADER_TRANSFER_ENCODING);
	if (te != NULL && strcasecmp(te, "chunked") != 0) {
		reply_error(r, 501, "transfer encoding \"%s\" is not supported",
		    te);
		return -1;
	}
	if (hs->clen_differ) {
		reply_error(r, 400, "request contains multiple Content-Length "
		    "headers with different values");
		return -1;
	}
	return 0;
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
start_ingest(struct MHD_Connection *conn, struct http_request *rq,
    const struct header_scan *hs)
{
	struct ingest_request	*in = &rq->in;
	struct reply		 r;

	if (atomic_load(&rq->http->stopping)) {
		ingest_shutdown_reply(&r);
		return respond(conn, rq, &r);
	}
	in->nauth = hs->nauth;
	in->authorization = hs->auth;
	in->content_type = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
	    MHD_HTTP_HEADER_CONTENT_TYPE);
	in->forwarded_for = MHD_lookup_connection_value(conn,
	    MHD_HEADER_KIND, "X-Forwarded-For");
	in->content_encoding = content_encoding(conn, rq, hs);
	in->content_length = hs->clen;
	peer_ip(conn, in->peer, sizeof(in->peer));
	if (ingest_start(rq->http->ingest, in, &r) == -1)
		return respond(conn, rq, &r);
	rq->reading = 1;
	set_timeout(conn, rq);
	return MHD_YES;
}

/* The watchdog's record of the connection, or NULL without a watchdog. */
static struct http_conn *
conn_record(struct MHD_Connection *conn)
{
	const union MHD_ConnectionInfo	*ci;

	ci = MHD_get_connection_info(conn,
	    MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	return ci != NULL ? ci->socket_context : NULL;
}

/* A request's headers are complete: its connection is not watched. */
static void
headers_done(struct MHD_Connection *conn)
{
	struct http_conn	*c = conn_record(conn);

	if (c != NULL)
		atomic_store(&c->headers_since, 0);
}

/* A request was answered: the next one's headers are awaited. */
static void
headers_awaited(struct MHD_Connection *conn)
{
	struct http_conn	*c = conn_record(conn);

	if (c != NULL)
		atomic_store(&c->headers_since, timestamp_monotonic());
}

/* Connections opening and closing, for the watchdog. */
static void
notify_connection(void *cls, struct MHD_Connection *conn, void **socket_ctx,
    enum MHD_ConnectionNotificationCode code)
{
	struct http			*http = cls;
	struct http_conn		*c;
	const union MHD_ConnectionInfo	*ci;

	if (code == MHD_CONNECTION_NOTIFY_STARTED) {
		ci = MHD_get_connection_info(conn,
		    MHD_CONNECTION_INFO_CONNECTION_FD);
		if (ci == NULL)
			return;
		c = xcalloc(1, sizeof(*c));
		c->fd = ci->connect_fd;
		atomic_store(&c->headers_since, timestamp_monotonic());
		pthread_mutex_lock(&http->conns_mtx);
		c->next = http->conns;
		if (c->next != NULL)
			c->next->prev = c;
		http->conns = c;
		pthread_mutex_unlock(&http->conns_mtx);
		*socket_ctx = c;
		return;
	}
	if ((c = *socket_ctx) == NULL)
		return;
	/* Before libmicrohttpd closes the socket. */
	pthread_mutex_lock(&http->conns_mtx);
	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		http->conns = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	pthread_mutex_unlock(&http->conns_mtx);
	free(c);
	*socket_ctx = NULL;
}

/*
 * Once a second, shut the sockets of the connections whose request
 * headers are not complete after header_timeout; their threads then
 * read the end of the stream and close them.
 */
static void *
watchdog(void *arg)
{
	struct http		*http = arg;
	struct http_conn	*c;
	struct timespec		 ts;
	int64_t			 now, since;

	pthread_mutex_lock(&http->conns_mtx);
	while (!http->watchdog_stop) {
		timestamp_abstime(&ts, 1000);
		pthread_cond_timedwait(&http->conns_cv, &http->conns_mtx, &ts);
		now = timestamp_monotonic();
		for (c = http->conns; c != NULL; c = c->next) {
			since = atomic_load(&c->headers_since);
			if (since == 0 ||
			    now - since <= http->cf->header_timeout_ms)
				continue;
			atomic_store(&c->headers_since, 0);
			shutdown(c->fd, SHUT_RDWR);
		}
	}
	pthread_mutex_unlock(&http->conns_mtx);
	return NULL;
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

/*
 * The path of the request target (spec/ingest.md §2): a target in
 * absolute form, "http://host/path" (RFC 9112 §3.2.2), is its path.
 */
static const char *
target_path(const char *url)
{
	const char	*p;

	if (strncasecmp(url, "http://", 7) == 0)
		p = url + 7;
	else if (strncasecmp(url, "https://", 8) == 0)
		p = url + 8;
	else
		return url;
	p = strchr(p, '/');
	return p != NULL ? p : "/";
}

static enum MHD_Result
handler(void *cls, struct MHD_Connection *conn, const char *url,
    const char *method, const char *version, const char *upload,
    size_t *upload_size, void **ctx)
{
	struct http		*http = cls;
	struct http_request	*rq = *ctx;
	struct header_scan	 hs;
	struct reply		 r;
	enum route_kind		 k;
	int			 get, head, post, options;

	if (rq == NULL) {
		lower_priority();
		headers_done(conn);
		rq = xcalloc(1, sizeof(*rq));
		rq->http = http;
		rq->timeout = http->idle;
		rq->in.received_at = timestamp_now();
		ids_new_request_id(rq->in.id);
		url = target_path(url);
		rq->method = method;
		rq->path = url;
		ingest_route(url, &rq->in.route);
		rq->v1 = strncmp(url, "/v1/", 4) == 0;
		rq->origin = nonblank(MHD_lookup_connection_value(conn,
		    MHD_HEADER_KIND, "Origin"));
		atomic_fetch_add(&http->inflight, 1);
		*ctx = rq;
		memset(&hs, 0, sizeof(hs));
		if (check_framing(conn, &hs, &r) == -1)
			return respond(conn, rq, &r);
		k = rq->in.route.kind;
		post = strcmp(method, MHD_HTTP_METHOD_POST) == 0;
		if ((k == ROUTE_BATCH || k == ROUTE_SINGLE) && post)
			return start_ingest(conn, rq, &hs);
		return MHD_YES;
	}
	if (rq->answered) {
		/* An early answer: the rest of the body is not read. */
		*upload_size = 0;
		return MHD_YES;
	}
	if (*upload_size != 0) {
		/*
		 * Past a limit, ingest_read drops the rest, then answers;
		 * libmicrohttpd cannot queue an answer before the body's end.
		 */
		if (rq->reading && ingest_read(http->ingest, &rq->in, upload,
		    *upload_size, &r) == -1) {
			*upload_size = 0;
			return respond_raw(conn, rq, &r);
		}
		*upload_size = 0;
		if (rq->reading)
			set_timeout(conn, rq);
		return MHD_YES;
	}
	if (rq->reading) {
		rq->reading = 0;
		set_timeout(conn, rq);
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
	struct reply		 r;

	headers_awaited(conn);
	if (rq == NULL)
		return;
	/* A body that stopped coming: libmicrohttpd's timeout. */
	if (toe == MHD_REQUEST_TERMINATED_TIMEOUT_REACHED && rq->reading &&
	    !rq->answered) {
		ingest_timeout_reply(&r);
		respond_raw(conn, rq, &r);
	}
	ingest_request_release(http->ingest, &rq->in);
	free(rq->encodings);
	free(rq);
	*ctx = NULL;
	atomic_fetch_sub(&http->inflight, 1);
}

static void
http_free(struct http *http)
{
	pthread_mutex_destroy(&http->codes_mtx);
	pthread_mutex_destroy(&http->conns_mtx);
	pthread_cond_destroy(&http->conns_cv);
	ingest_free(http->ingest);
	free(http);
}

struct http *
http_start(int fd, const struct config *cf, struct warehouse *st,
    struct writer *w, char *err, size_t errlen)
{
	struct http		*http = xcalloc(1, sizeof(*http));

	http->cf = cf;
	http->store = st;
	http->writer = w;
	pthread_mutex_init(&http->codes_mtx, NULL);
	pthread_mutex_init(&http->conns_mtx, NULL);
	timestamp_cond_init(&http->conns_cv);
	http->ingest = ingest_new(cf, w);
	http->idle = IDLE_TIMEOUT;
	if (cf->header_timeout_ms > (int64_t)IDLE_TIMEOUT * 1000)
		http->idle = timeout_secs(cf->header_timeout_ms);
	http->mhd = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD |
	    MHD_USE_THREAD_PER_CONNECTION | MHD_USE_POLL | MHD_USE_ITC |
	    MHD_USE_ERROR_LOG, 0, NULL, NULL, handler, http,
	    /* First, or what the options before it say goes to stderr. */
	    MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
	    MHD_OPTION_LISTEN_SOCKET, fd,
	    MHD_OPTION_UNESCAPE_CALLBACK, unescape_none, NULL,
	    MHD_OPTION_NOTIFY_COMPLETED, completed, http,
	    MHD_OPTION_NOTIFY_CONNECTION, cf->header_timeout_ms > 0 ?
	    notify_connection : NULL, http,
	    MHD_OPTION_CONNECTION_TIMEOUT, http->idle,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned int)4096,
	    MHD_OPTION_PER_IP_CONNECTION_LIMIT,
	    (unsigned int)cf->max_connections_per_ip,
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(64 * 1024),
	    MHD_OPTION_END);
	if (http->mhd == NULL) {
		snprintf(err, errlen, "cannot start the HTTP server");
		http_free(http);
		return NULL;
	}
	if (cf->header_timeout_ms > 0) {
		if (pthread_create(&http->watchdog, NULL, watchdog, http) != 0)
			fatalx("http: cannot start the watchdog thread");
		http->watching = 1;
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
	ingest_shutdown(http->ingest);
	fd = MHD_quiesce_daemon(http->mhd);
	if (fd != -1)
		close(fd);
	while (atomic_load(&http->inflight) > 0 && waited < STOP_WAIT_MS) {
		nanosleep(&ts, NULL);
		waited += 10;
	}
	MHD_stop_daemon(http->mhd);
	if (http->watching) {
		pthread_mutex_lock(&http->conns_mtx);
		http->watchdog_stop = 1;
		pthread_cond_signal(&http->conns_cv);
		pthread_mutex_unlock(&http->conns_mtx);
		pthread_join(http->watchdog, NULL);
	}
	http_free(http);
}
