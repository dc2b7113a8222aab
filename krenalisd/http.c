/* HTTP routing and responses of krenalisd; see http.h and spec/ingest.md. */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <microhttpd.h>

#include "compat.h"
#include "ids.h"
#include "log.h"
#include "xmalloc.h"
#include "config.h"
#include "http.h"
#include "store.h"

#define STOP_WAIT_MS	30000	/* longest wait for requests in flight */

struct http {
	struct MHD_Daemon	*mhd;
	const struct config	*cf;
	struct store		*store;
	atomic_int		 inflight;
	atomic_int		 stopping;
};

enum route_kind {
	ROUTE_OTHER = 0,
	ROUTE_HEALTHZ,
};

/* One request's state, from its first callback to its completion. */
struct request {
	struct http		*http;
	enum route_kind		 route;
	char			 id[IDS_REQID_MAX + 1];
};

/* "Allow" for each kind of route (spec/ingest.md §2). */
static const char *const route_allow[] = {
	[ROUTE_OTHER] = NULL,
	[ROUTE_HEALTHZ] = "GET, HEAD",
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

/* Classify a path; at most one trailing "/" is removed first. */
static enum route_kind
route_find(const char *url)
{
	size_t	len = strlen(url);

	if (len > 1 && url[len - 1] == '/')
		len--;
	if (len == 8 && memcmp(url, "/healthz", 8) == 0)
		return ROUTE_HEALTHZ;
	return ROUTE_OTHER;
}

/* Queue a response with the headers every response carries (§3). */
static enum MHD_Result
respond(struct MHD_Connection *conn, struct request *rq, unsigned int status,
    const char *ctype, const char *body, size_t len, int error)
{
	struct MHD_Response	*resp;
	enum MHD_Result		 ret;

	resp = MHD_create_response_from_buffer(len, (void *)(uintptr_t)body,
	    MHD_RESPMEM_MUST_COPY);
	if (resp == NULL)
		return MHD_NO;
	MHD_add_response_header(resp, "Request-Id", rq->id);
	if (ctype != NULL)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
		    ctype);
	if (error) {
		MHD_add_response_header(resp, "X-Content-Type-Options",
		    "nosniff");
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL,
		    "no-store, max-age=0");
		MHD_add_response_header(resp, MHD_HTTP_HEADER_PRAGMA,
		    "no-cache");
		MHD_add_response_header(resp, MHD_HTTP_HEADER_EXPIRES, "0");
	}
	if (status == 405 && route_allow[rq->route] != NULL)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW,
		    route_allow[rq->route]);
	if (status == 503)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_RETRY_AFTER,
		    "5");
	ret = MHD_queue_response(conn, status, resp);
	MHD_destroy_response(resp);
	return ret;
}

/* An error response of spec/ingest.md §4. */
static enum MHD_Result
respond_error(struct MHD_Connection *conn, struct request *rq,
    unsigned int status, const char *code, const char *fmt, ...)
{
	char		 msg[1024], *body;
	va_list		 ap;
	json_t		*o;
	enum MHD_Result	 ret;
	size_t		 len;

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
	    body, len, 1);
	free(body);
	return ret;
}

/* GET /healthz (spec/ingest.md §13.1). */
static enum MHD_Result
serve_healthz(struct MHD_Connection *conn, struct request *rq)
{
	if (atomic_load(&rq->http->stopping) ||
	    !store_writable(rq->http->store))
		return respond_error(conn, rq, 503, "ServiceUnavailable",
		    "store is not writable");
	/* libmicrohttpd sends the headers of a HEAD without the body. */
	return respond(conn, rq, 200, "text/plain; charset=utf-8", "ok\n", 3,
	    0);
}

static enum MHD_Result
handler(void *cls, struct MHD_Connection *conn, const char *url,
    const char *method, const char *version, const char *upload,
    size_t *upload_size, void **ctx)
{
	struct http	*http = cls;
	struct request	*rq = *ctx;
	int		 get, head;

	if (rq == NULL) {
		rq = xcalloc(1, sizeof(*rq));
		rq->http = http;
		ids_new_request_id(rq->id);
		rq->route = route_find(url);
		atomic_fetch_add(&http->inflight, 1);
		*ctx = rq;
		return MHD_YES;
	}
	if (*upload_size != 0) {
		/* Bodies are read by the routes that take them. */
		*upload_size = 0;
		return MHD_YES;
	}
	get = strcmp(method, MHD_HTTP_METHOD_GET) == 0;
	head = strcmp(method, MHD_HTTP_METHOD_HEAD) == 0;
	switch (rq->route) {
	case ROUTE_HEALTHZ:
		if (!get && !head)
			break;
		return serve_healthz(conn, rq);
	case ROUTE_OTHER:
		return respond_error(conn, rq, 404, "NotFound", "%s", "");
	}
	return respond_error(conn, rq, 405, "MethodNotAllowed",
	    "Method not allowed");
}

static void
completed(void *cls, struct MHD_Connection *conn, void **ctx,
    enum MHD_RequestTerminationCode toe)
{
	struct http	*http = cls;
	struct request	*rq = *ctx;

	if (rq == NULL)
		return;
	free(rq);
	*ctx = NULL;
	atomic_fetch_sub(&http->inflight, 1);
}

struct http *
http_start(int fd, const struct config *cf, struct store *st, char *err,
    size_t errlen)
{
	struct http	*http = xcalloc(1, sizeof(*http));

	http->cf = cf;
	http->store = st;
	http->mhd = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD |
	    MHD_USE_THREAD_PER_CONNECTION | MHD_USE_POLL | MHD_USE_ITC |
	    MHD_USE_ERROR_LOG, 0, NULL, NULL, handler, http,
	    MHD_OPTION_LISTEN_SOCKET, fd,
	    MHD_OPTION_UNESCAPE_CALLBACK, unescape_none, NULL,
	    MHD_OPTION_NOTIFY_COMPLETED, completed, http,
	    MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)120,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned int)4096,
	    MHD_OPTION_END);
	if (http->mhd == NULL) {
		snprintf(err, errlen, "cannot start the HTTP server");
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
	free(http);
}
