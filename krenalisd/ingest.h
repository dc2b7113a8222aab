/*
 * The pure parts of an ingest request (spec/ingest.md): routes, the
 * Authorization, Content-Type, X-Forwarded-For and Content-Encoding
 * headers, and the success body.  No I/O: http.c drives them.
 */
#ifndef INGEST_H
#define INGEST_H

#include <stddef.h>

#include "event.h"

struct batch;

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
 * The body of the 200 answer (§9) for a committed batch, with its
 * newline; malloc'd, *len its length.
 */
char	*ingest_response(const struct batch *, size_t *len);

#endif
