/*
 * Ingest requests (spec/ingest.md), apart from HTTP: routes, the header
 * checks, reading the body within its limits, and steps 9-17 of §5 from
 * the body to the answer.  http.c fills a struct ingest_request from the
 * request and sends the struct reply it gets back.
 *
 * Threads: one struct ingest is shared by every HTTP thread (its memory
 * budgets lock); a struct ingest_request belongs to its request's thread.
 */
#ifndef INGEST_H
#define INGEST_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>

#include "ids.h"
#include "body.h"
#include "event.h"

struct config;
struct reply;
struct snap_key;
struct snapshot;
struct writer;

enum route_kind {
	ROUTE_OTHER = 0,
	ROUTE_BATCH,		/* /v1/events, /v1/batch, /v1/import, /v1/b */
	ROUTE_SINGLE,		/* /v1/track, /v1/events/track, /v1/t, ... */
	ROUTE_SETTINGS,		/* /v1/events/settings/{writeKey} */
	ROUTE_PROJECT,		/* /v1/projects/{writeKey}/settings */
	ROUTE_HEALTHZ,
	ROUTE_METRICS
};

struct route {
	enum route_kind	 kind;
	enum event_type	 type;		/* default type of ROUTE_SINGLE */
	const char	*label;		/* metrics label (static) */
	char		 key[64];	/* {writeKey} of settings paths */
	int		 key_too_long;
};

/* Match a request path (spec/ingest.md §2). */
void	ingest_route(const char *path, struct route *);
/* The Allow header of a route kind. */
const char *ingest_allow(enum route_kind);

enum auth_scheme {
	AUTH_NONE,
	AUTH_BEARER,
	AUTH_BASIC
};

/*
 * Parse an Authorization value (§6.1).  Return the scheme with the key in
 * key (NUL-terminated, at most keylen - 1 bytes; longer keys are cut, and
 * cannot match), AUTH_NONE when the value is empty or blank, or -1 when
 * the header is invalid.
 */
int	ingest_auth(const char *value, char *key, size_t keylen);

/* Whether a Content-Type's charset, if any, is UTF-8 (§7.1). */
int	ingest_charset_ok(const char *ctype);

/*
 * The request IP from an X-Forwarded-For value (§7.2) into ip (at least
 * 46 bytes); 1 when taken, 0 when the header is empty, -1 when invalid.
 */
int	ingest_forwarded_for(const char *value, char *ip, size_t iplen);

enum encoding {
	ENCODING_IDENTITY,
	ENCODING_GZIP,
	ENCODING_UNSUPPORTED
};

enum encoding ingest_encoding(const char *value);

/*
 * One ingest request.  The caller fills the first part from the request;
 * the header values are borrowed until ingest_start returns.
 */
struct ingest_request {
	struct route		 route;
	char			 id[IDS_REQID_MAX + 1];
	int64_t			 received_at;	/* ms */
	int			 nauth;	/* non-blank Authorization headers */
	const char		*authorization;	/* the first non-blank one, or NULL */
	const char		*content_type;	/* each NULL when absent */
	const char		*forwarded_for;
	const char		*content_encoding;
	const char		*content_length;
	char			 peer[INET6_ADDRSTRLEN];	/* or "" */

	/* Set by ingest_start and ingest_finish. */
	struct snapshot		*snap;		/* reference held */
	const struct snap_key	*key;		/* from a header or the body */
	char			 ip[INET6_ADDRSTRLEN];	/* request IP, or "" */
	struct body		 body;
	int64_t			 deadline;	/* timestamp_monotonic(), or 0 */
	uint64_t		 window_bytes;	/* received since the window began */
};

/*
 * What the requests share: the settings, the writer (both borrowed for
 * the life of the struct ingest) and the memory budgets.
 */
struct ingest	*ingest_new(const struct config *, struct writer *);
void		 ingest_free(struct ingest *);

/*
 * At shutdown: the requests waiting for memory, and those that would
 * wait, are answered 503 (§5 step 2).  Any thread.
 */
void	ingest_shutdown(struct ingest *);

/*
 * Steps 3-7 of §5 on the headers of rq.  Then, when a header named a
 * valid key, the body's share of memory is taken before a byte is read
 * (this waits while the budget is spent); the body of any other request
 * takes memory as it grows.  The first window of the body's receive rate
 * starts: rq->deadline is when the client must have sent body_min_rate
 * bytes a second of body_timeout (0 when body_timeout is 0).  Return 0
 * when the body is to be read, or -1 with the answer in *r.
 */
int	ingest_start(struct ingest *, struct ingest_request *, struct reply *);

/*
 * The next n bytes of the body as sent (step 8).  Past a limit, nothing
 * more is kept and the rest is dropped, so that the client, still
 * sending, gets the answer when it is done; return -1 with the answer in
 * *r once it has sent another max_body_bytes beyond, when the bytes came
 * after rq->deadline (408), or when a request without a valid key finds
 * no memory for its body (503).  Otherwise rq->deadline may move on.
 */
int	ingest_read(struct ingest *, struct ingest_request *, const char *,
	    size_t n, struct reply *);

/* The 408 of a body that did not arrive by rq->deadline. */
void	ingest_timeout_reply(struct reply *);
/*
 * The answer to a write key that snap does not have: 401 with msg, or,
 * while the catalog could be read neither from the warehouse nor from
 * its cache (snap->unknown), the warehouse's 503.
 */
void	ingest_unknown_key(struct ingest *, const struct snapshot *snap,
	    struct reply *, const char *msg);

/* The 503 of §5 step 2. */
void	ingest_shutdown_reply(struct reply *);

/*
 * The body is complete: steps 8 (its end) to 17 of §5, which decode and
 * evaluate the events and wait for the writer's commit.  The answer is
 * in *r.
 */
void	ingest_finish(struct ingest *, struct ingest_request *,
	    struct reply *);

/* Give back what rq holds (after ingest_start, or on a zeroed rq). */
void	ingest_request_release(struct ingest *, struct ingest_request *);

#endif
