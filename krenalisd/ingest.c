/* Ingest requests from their headers to their answer; see ingest.h. */
#include <ctype.h>
#include <errno.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "buf.h"
#include "compat.h"
#include "timestamp.h"
#include "xmalloc.h"
#include "batch.h"
#include "budget.h"
#include "config.h"
#include "counters.h"
#include "debugger.h"
#include "dedupe.h"
#include "ipaddr.h"
#include "ingest.h"
#include "jsonscan.h"
#include "pipeline.h"
#include "reply.h"
#include "snapshot.h"
#include "writer.h"

/*
 * The budgets, as multiples of max_body_bytes (4 MiB at least): with the
 * default 4 MiB, 56 MiB of bodies of requests a header authenticated,
 * 16 MiB of the others' bodies, and 56 MiB of decoded events, which
 * measured about 6 times the size of their raw text.
 */
#define BUDGET_UNIT(max)	((size_t)((max) < 4194304 ? 4194304 : (max)))
#define BODIES_BUDGET(max)	(14 * BUDGET_UNIT(max))
#define ANON_BUDGET(max)	(4 * BUDGET_UNIT(max))
#define DECODE_BUDGET(max)	(14 * BUDGET_UNIT(max))
#define DECODE_FACTOR		6

/*
 * The events of a request that fit in this many bytes are decoded on the
 * HTTP thread's stack (a single event is about 1.4 KB with its results),
 * sparing the allocator a large chunk per request.
 */
#define COMMIT_STACK_BYTES	8192

/*
 * A request's body is reserved from bodies, once and before it is read,
 * when an Authorization header named a valid key; the body of any other
 * request grows in anon with the bytes it receives and never waits, so
 * that requests without a valid key never make others wait.
 */
struct ingest {
	const struct config	*cf;
	struct writer		*writer;
	struct budget		 bodies;	/* bodies of authenticated requests */
	struct budget		 anon;		/* bodies of the others */
	struct budget		 decoding;	/* decoded, uncommitted events */
};

static const struct {
	const char	*path;
	enum route_kind	 kind;
	enum event_type	 type;
} routes[] = {
	{ "/v1/events",			ROUTE_BATCH,	0 },
	{ "/v1/batch",			ROUTE_BATCH,	0 },
	{ "/v1/import",			ROUTE_BATCH,	0 },
	{ "/v1/b",			ROUTE_BATCH,	0 },
	{ "/v1/events/track",		ROUTE_SINGLE,	EVENT_TRACK },
	{ "/v1/events/identify",	ROUTE_SINGLE,	EVENT_IDENTIFY },
	{ "/v1/events/page",		ROUTE_SINGLE,	EVENT_PAGE },
	{ "/v1/events/screen",		ROUTE_SINGLE,	EVENT_SCREEN },
	{ "/v1/events/group",		ROUTE_SINGLE,	EVENT_GROUP },
	{ "/v1/events/alias",		ROUTE_SINGLE,	EVENT_ALIAS },
	{ "/v1/track",			ROUTE_SINGLE,	EVENT_TRACK },
	{ "/v1/identify",		ROUTE_SINGLE,	EVENT_IDENTIFY },
	{ "/v1/page",			ROUTE_SINGLE,	EVENT_PAGE },
	{ "/v1/screen",			ROUTE_SINGLE,	EVENT_SCREEN },
	{ "/v1/group",			ROUTE_SINGLE,	EVENT_GROUP },
	{ "/v1/alias",			ROUTE_SINGLE,	EVENT_ALIAS },
	{ "/v1/t",			ROUTE_SINGLE,	EVENT_TRACK },
	{ "/v1/i",			ROUTE_SINGLE,	EVENT_IDENTIFY },
	{ "/v1/p",			ROUTE_SINGLE,	EVENT_PAGE },
	{ "/v1/s",			ROUTE_SINGLE,	EVENT_SCREEN },
	{ "/v1/g",			ROUTE_SINGLE,	EVENT_GROUP },
	{ "/v1/a",			ROUTE_SINGLE,	EVENT_ALIAS },
	{ "/healthz",			ROUTE_HEALTHZ,	0 },
	{ "/metrics",			ROUTE_METRICS,	0 },
};

/* Copy a {writeKey} segment into r->key. */
static void
route_key(struct route *r, const char *s, size_t len)
{
	if (len >= sizeof(r->key)) {
		r->key_too_long = 1;
		len = 0;
	}
	memcpy(r->key, s, len);
	r->key[len] = '\0';
}

void
ingest_route(const char *path, struct route *r)
{
	size_t		 len = strlen(path), i, klen;
	const char	*seg;

	memset(r, 0, sizeof(*r));
	r->label = "other";
	if (len > 1 && path[len - 1] == '/')
		len--;
	for (i = 0; i < sizeof(routes) / sizeof(routes[0]); i++)
		if (strlen(routes[i].path) == len &&
		    memcmp(routes[i].path, path, len) == 0) {
			r->kind = routes[i].kind;
			r->type = routes[i].type;
			r->label = routes[i].path;
			return;
		}
	/* /v1/events/settings/{writeKey}: one non-empty segment. */
	if (len > 20 && memcmp(path, "/v1/events/settings/", 20) == 0) {
		seg = path + 20;
		klen = len - 20;
		if (memchr(seg, '/', klen) == NULL) {
			r->kind = ROUTE_SETTINGS;
			r->label = "/v1/events/settings/{writeKey}";
			route_key(r, seg, klen);
		}
		return;
	}
	/* /v1/projects/{writeKey}/settings */
	if (len > 22 && memcmp(path, "/v1/projects/", 13) == 0 &&
	    memcmp(path + len - 9, "/settings", 9) == 0) {
		seg = path + 13;
		klen = len - 13 - 9;
		if (klen > 0 && memchr(seg, '/', klen) == NULL) {
			r->kind = ROUTE_PROJECT;
			r->label = "/v1/projects/{writeKey}/settings";
			route_key(r, seg, klen);
		}
	}
}

const char *
ingest_allow(enum route_kind k)
{
	switch (k) {
	case ROUTE_BATCH:
	case ROUTE_SINGLE:
		return "POST, OPTIONS";
	case ROUTE_SETTINGS:
	case ROUTE_PROJECT:
		return "GET, HEAD, OPTIONS";
	case ROUTE_HEALTHZ:
	case ROUTE_METRICS:
		return "GET, HEAD";
	default:
		return NULL;
	}
}

static int
is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* Decode standard base64 (padding optional); -1 when malformed. */
static int
base64_decode(const char *s, size_t len, char *out, size_t outlen,
    size_t *n)
{
	static const char	 alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789+/";
	const char		*p;
	unsigned int		 acc = 0;
	size_t			 i, bits = 0, pad = 0;

	*n = 0;
	while (len > 0 && s[len - 1] == '=' && pad < 2) {
		len--;
		pad++;
	}
	if (len % 4 == 1 || (pad > 0 && (len + pad) % 4 != 0))
		return -1;
	for (i = 0; i < len; i++) {
		if (s[i] == '\0' || (p = strchr(alphabet, s[i])) == NULL)
			return -1;
		acc = (acc << 6) | (unsigned int)(p - alphabet);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (*n + 1 < outlen)
				out[*n] = (acc >> bits) & 0xff;
			(*n)++;
		}
	}
	/* Leftover bits must be zero in canonical base64; be lenient. */
	return 0;
}

int
ingest_auth(const char *value, char *key, size_t keylen)
{
	const char	*p = value, *scheme, *cred, *end, *c;
	char		 dec[256];
	size_t		 slen, clen, n;
	int		 kind;

	key[0] = '\0';
	while (is_blank(*p))
		p++;
	if (*p == '\0')
		return AUTH_NONE;
	scheme = p;
	while (*p != '\0' && !is_blank(*p))
		p++;
	slen = p - scheme;
	if (!is_blank(*p))
		return -1;		/* no credential */
	while (is_blank(*p))
		p++;
	cred = p;
	end = cred + strlen(cred);
	while (end > cred && is_blank(end[-1]))
		end--;
	clen = end - cred;
	if (clen == 0)
		return -1;
	if (slen == 6 && strncasecmp(scheme, "Bearer", 6) == 0) {
		kind = AUTH_BEARER;
		if (clen >= keylen)
			clen = keylen - 1;
		memcpy(key, cred, clen);
		key[clen] = '\0';
		return kind;
	}
	if (slen == 5 && strncasecmp(scheme, "Basic", 5) == 0) {
		if (base64_decode(cred, clen, dec, sizeof(dec), &n) == -1)
			return -1;
		if (n >= sizeof(dec))
			n = sizeof(dec) - 1;
		/*
		 * The key ends at the first ":", the password is ignored.
		 * A key with a NUL is no key: left empty, it is unknown.
		 */
		if ((c = memchr(dec, ':', n)) != NULL)
			n = (size_t)(c - dec);
		if (memchr(dec, '\0', n) != NULL)
			n = 0;
		if (n >= keylen)
			n = keylen - 1;
		memcpy(key, dec, n);
		key[n] = '\0';
		return AUTH_BASIC;
	}
	return -1;
}

/* A character of an RFC 2045 token. */
static int
is_token(char c)
{
	return c > 0x20 && c < 0x7f && strchr("()<>@,;:\\\"/[]?=", c) == NULL;
}

/*
 * Whether the media type at p, up to end, is a token, or two joined by
 * "/", blanks around it aside (what a media type parser takes).
 */
static int
media_type_ok(const char *p, const char *end)
{
	const char	*t;

	while (p < end && is_blank(*p))
		p++;
	while (end > p && is_blank(end[-1]))
		end--;
	for (t = p; p < end && is_token(*p); p++)
		;
	if (p == t)
		return 0;
	if (p == end)
		return 1;
	if (*p++ != '/')
		return 0;
	for (t = p; p < end && is_token(*p); p++)
		;
	return p > t && p == end;
}

/*
 * The header is parsed whole, as a media type parser does, before its
 * charset counts: one that cannot be parsed (a parameter that is not one,
 * an unterminated quote, a charset given twice) is ignored.
 */
int
ingest_charset_ok(const char *ctype)
{
	const char	*p, *name, *val;
	size_t		 nlen, vlen;
	int		 ok = 1, seen = 0;

	if (ctype == NULL || (p = strchr(ctype, ';')) == NULL)
		return 1;
	/* A header that is not a media type is ignored. */
	if (!media_type_ok(ctype, p))
		return 1;
	while (*p == ';') {
		p++;
		while (is_blank(*p))
			p++;
		name = p;
		while (*p != '\0' && *p != '=' && *p != ';' && !is_blank(*p))
			p++;
		nlen = p - name;
		while (is_blank(*p))
			p++;
		if (*p != '=') {
			/*
			 * Not a parameter: the header cannot be parsed, unless
			 * this is a trailing ";".
			 */
			if (nlen > 0 || *p != '\0')
				return 1;
			continue;
		}
		p++;
		while (is_blank(*p))
			p++;
		if (*p == '"') {
			val = ++p;
			while (*p != '\0' && *p != '"')
				p++;
			if (*p != '"')
				return 1;
			vlen = p - val;
			p++;
		} else {
			val = p;
			while (*p != '\0' && *p != ';' && !is_blank(*p))
				p++;
			vlen = p - val;
			if (vlen == 0)
				return 1;	/* "name=" is no parameter */
		}
		while (is_blank(*p))
			p++;
		if (nlen == 0 || (*p != ';' && *p != '\0'))
			return 1;
		if (nlen == 7 && strncasecmp(name, "charset", 7) == 0) {
			if (seen++)
				return 1;
			ok = (vlen == 5 && strncasecmp(val, "utf-8", 5) == 0) ||
			    (vlen == 4 && strncasecmp(val, "utf8", 4) == 0);
		}
	}
	return ok;
}

int
ingest_forwarded_for(const char *value, char *ip, size_t iplen)
{
	const char	*p = value, *end, *c;
	struct ipaddr	 addr;
	char		 buf[IPADDR_BUFSZ];
	size_t		 len;

	while (is_blank(*p))
		p++;
	end = p + strcspn(p, ",");
	while (end > p && is_blank(end[-1]))
		end--;
	len = end - p;
	/* A header that is empty or blank counts as absent. */
	if (len == 0 && strchr(value, ',') == NULL)
		return 0;
	if (len == 0)
		return -1;
	if (*p == '[') {
		if ((c = memchr(p, ']', len)) == NULL)
			return -1;
		p++;
		len = c - p;
	} else if ((c = memchr(p, ':', len)) != NULL &&
	    memchr(c + 1, ':', len - (c + 1 - p)) == NULL)
		len = c - p;		/* v4:port */
	if (ipaddr_parse(p, len, &addr) == -1)
		return -1;
	/* An IPv4-mapped address becomes the IPv4 address. */
	ipaddr_unmap(&addr);
	ipaddr_format(&addr, buf);
	strlcpy(ip, buf, iplen);
	return 1;
}

enum encoding
ingest_encoding(const char *value)
{
	const char	*p = value, *end;
	size_t		 len;

	if (value == NULL)
		return ENCODING_IDENTITY;
	while (is_blank(*p))
		p++;
	end = p + strlen(p);
	while (end > p && is_blank(end[-1]))
		end--;
	len = end - p;
	if (len == 0 || (len == 8 && strncasecmp(p, "identity", 8) == 0))
		return ENCODING_IDENTITY;
	if ((len == 4 && strncasecmp(p, "gzip", 4) == 0) ||
	    (len == 6 && strncasecmp(p, "x-gzip", 6) == 0))
		return ENCODING_GZIP;
	return ENCODING_UNSUPPORTED;
}

/*
 * The 200 answer (§9) for a committed batch.  Without rejections it is
 * only numbers, written here as jansson's compact form would write them;
 * rejections bring strings, which jansson escapes.
 */
static void
success_reply(const struct batch *b, struct reply *r)
{
	json_t				*o, *rej, *e;
	const struct batch_event	*be;
	size_t				 i, dups = 0, nrej = 0;
	int				 len;

	for (i = 0; i < b->n; i++) {
		be = &b->events[i];
		if (be->outcome == OUTCOME_DUPLICATE)
			dups++;
		if (be->outcome == OUTCOME_REJECTED)
			nrej++;
	}
	if (nrej == 0) {
		reply_init(r, 200);
		r->ctype = "application/json; charset=utf-8";
		len = xasprintf(&r->body, "{\"success\":true,\"received\":%zu,"
		    "\"accepted\":%zu,\"duplicates\":%zu}\n", b->n, b->n - dups,
		    dups);
		r->len = (size_t)len;
		return;
	}
	rej = json_array();
	for (i = 0; i < b->n; i++) {
		be = &b->events[i];
		if (be->outcome != OUTCOME_REJECTED)
			continue;
		e = json_object();
		json_object_set_new(e, "index", json_integer((json_int_t)i));
		if (be->ev.message_id != NULL)
			json_object_set_new(e, "messageId",
			    json_string(be->ev.message_id));
		json_object_set_new(e, "error", json_string(be->ev.error));
		json_array_append_new(rej, e);
	}
	o = json_object();
	json_object_set_new(o, "success", json_true());
	json_object_set_new(o, "received", json_integer((json_int_t)b->n));
	json_object_set_new(o, "accepted",
	    json_integer((json_int_t)(b->n - dups - nrej)));
	json_object_set_new(o, "duplicates", json_integer((json_int_t)dups));
	json_object_set_new(o, "rejected", rej);
	reply_json(r, 200, "application/json; charset=utf-8", o);
	json_decref(o);
}

struct ingest *
ingest_new(const struct config *cf, struct writer *w)
{
	struct ingest	*ing = xcalloc(1, sizeof(*ing));

	ing->cf = cf;
	ing->writer = w;
	budget_init(&ing->bodies, BODIES_BUDGET(cf->max_body_bytes));
	budget_init(&ing->anon, ANON_BUDGET(cf->max_body_bytes));
	budget_init(&ing->decoding, DECODE_BUDGET(cf->max_body_bytes));
	return ing;
}

void
ingest_shutdown(struct ingest *ing)
{
	budget_close(&ing->bodies);
	budget_close(&ing->decoding);
}

void
ingest_free(struct ingest *ing)
{
	if (ing == NULL)
		return;
	budget_release(&ing->bodies);
	budget_release(&ing->anon);
	budget_release(&ing->decoding);
	free(ing);
}

void
ingest_unknown_key(struct ingest *ing, const struct snapshot *snap,
    struct reply *r, const char *msg)
{
	if (snap != NULL && snap->unknown)
		reply_unavailable(r, "5", writer_unavailable(ing->writer));
	else
		reply_error(r, 401, "%s", msg);
}

/*
 * A new window of the body's receive rate starts now: by the deadline,
 * the client must have sent body_min_rate bytes a second of it.
 */
static void
window_start(const struct ingest *ing, struct ingest_request *rq)
{
	rq->window_bytes = 0;
	rq->deadline = ing->cf->body_timeout_ms > 0 ? timestamp_monotonic() +
	    ing->cf->body_timeout_ms : 0;
}

void
ingest_shutdown_reply(struct reply *r)
{
	reply_unavailable(r, "5", "server is shutting down; try again later");
}

int
ingest_start(struct ingest *ing, struct ingest_request *rq, struct reply *r)
{
	const struct config	*cf = ing->cf;
	char			 key[IDS_KEY_LEN + 2], *end;
	int			 encoding, rc;
	unsigned long long	 clen;
	size_t			 share;

	if (rq->nauth > 1) {
		reply_error(r, 400, "request contains multiple Authorization "
		    "headers");
		return -1;
	}
	rq->snap = snapshot_current();
	if (rq->nauth == 1) {
		rc = ingest_auth(rq->authorization, key, sizeof(key));
		if (rc == -1) {
			reply_error(r, 400, "Authorization header is invalid; "
			    "use \"Authorization: Bearer <KEY>\" or "
			    "\"Authorization: Basic <BASE64(KEY:)>\" with an "
			    "event write key");
			return -1;
		}
		if (rq->snap != NULL)
			rq->key = snapshot_lookup_key(rq->snap, key,
			    strlen(key));
		if (rq->key == NULL) {
			ingest_unknown_key(ing, rq->snap, r, rc == AUTH_BASIC ?
			    "event write key in the Basic Authorization header "
			    "is not valid" : "event write key in the "
			    "Authorization header is not valid");
			return -1;
		}
		atomic_store(&rq->key->usage->last_used, rq->received_at);
	}
	if (!ingest_charset_ok(rq->content_type)) {
		reply_error(r, 400, "request's content type charset must be "
		    "'utf-8'");
		return -1;
	}
	rc = rq->forwarded_for != NULL ? ingest_forwarded_for(
	    rq->forwarded_for, rq->ip, sizeof(rq->ip)) : 0;
	if (rc == -1) {
		reply_error(r, 400, "address specified in the "
		    "'X-Forwarded-For' header is not a valid IP address");
		return -1;
	}
	if (rc == 0)
		strlcpy(rq->ip, rq->peer, sizeof(rq->ip));
	encoding = ingest_encoding(rq->content_encoding);
	if (encoding == ENCODING_UNSUPPORTED) {
		reply_error(r, 415, "content encoding \"%s\" is not supported",
		    rq->content_encoding);
		return -1;
	}
	clen = 0;
	if (rq->content_length != NULL) {
		errno = 0;
		clen = strtoull(rq->content_length, &end, 10);
		if (errno == ERANGE || (unsigned long long)cf->max_body_bytes <
		    clen) {
			reply_error(r, 413, "request's body exceeds the "
			    "limit of %lld bytes",
			    (long long)cf->max_body_bytes);
			return -1;
		}
	}
	if (rq->key == NULL) {
		body_init(&rq->body, (size_t)cf->max_body_bytes,
		    cf->max_gzip_ratio, (size_t)clen, encoding == ENCODING_GZIP,
		    &ing->anon, 0);
		window_start(ing, rq);
		return 0;
	}
	/*
	 * The share of memory of an authenticated body, taken once, before a
	 * byte is read: its length when declared and plain, else the most it
	 * may grow to.  While the budget is spent this thread waits here,
	 * and its client's upload waits in the kernel.
	 */
	share = encoding != ENCODING_GZIP && clen > 0 ? (size_t)clen :
	    (size_t)cf->max_body_bytes;
	if (budget_take(&ing->bodies, share) == -1) {
		ingest_shutdown_reply(r);
		return -1;
	}
	body_init(&rq->body, (size_t)cf->max_body_bytes, cf->max_gzip_ratio,
	    (size_t)clen, encoding == ENCODING_GZIP, &ing->bodies, share);
	window_start(ing, rq);
	return 0;
}

/* The 413/415 of a body that broke a limit while being read. */
static void
body_reply(struct ingest *ing, const struct ingest_request *rq,
    struct reply *r)
{
	switch (rq->body.error) {
	case BODY_TOO_LARGE:
		reply_error(r, 413, "request's body exceeds the limit of %lld "
		    "bytes", (long long)ing->cf->max_body_bytes);
		break;
	case BODY_RATIO:
		reply_error(r, 413, "request's body exceeds the decompression "
		    "ratio limit of %lld", (long long)ing->cf->max_gzip_ratio);
		break;
	case BODY_BUSY:
		reply_unavailable(r, "1", "request cannot be processed at this "
		    "time; try again later");
		break;
	default:
		reply_error(r, 415, "request's body is not valid gzip data");
		break;
	}
}

void
ingest_timeout_reply(struct reply *r)
{
	reply_error(r, 408, "request's body was not received in time");
}

int
ingest_read(struct ingest *ing, struct ingest_request *rq, const char *buf,
    size_t n, struct reply *r)
{
	const struct config	*cf = ing->cf;

	if (rq->deadline > 0) {
		if (timestamp_monotonic() > rq->deadline) {
			ingest_timeout_reply(r);
			return -1;
		}
		rq->window_bytes += n;
		if (rq->window_bytes >= (uint64_t)cf->body_min_rate *
		    (uint64_t)cf->body_timeout_ms / 1000)
			window_start(ing, rq);
	}
	if (body_feed(&rq->body, buf, n) == 0 ||
	    rq->body.received <= 2 * rq->body.max + rq->body.declared)
		return 0;
	body_reply(ing, rq, r);
	return -1;
}

/* A small set of message ids, for the duplicates within one request. */
struct idset {
	const char	**ids;
	size_t		  mask;
};

/* Add the id of the decoded event ev; 1 when it was already there. */
static int
idset_add(struct idset *set, const struct event *ev)
{
	size_t	i = ev->message_id_hash & set->mask;

	while (set->ids[i] != NULL) {
		if (strcmp(set->ids[i], ev->message_id) == 0)
			return 1;
		i = (i + 1) & set->mask;
	}
	set->ids[i] = ev->message_id;
	return 0;
}

/*
 * Steps 13-17: the rate limit and the writer's queue, then decode and
 * evaluate every event, hand the batch to the writer, and answer.  spans
 * are the raw texts of the events, relative to the body's buffer.
 */
static void
commit_events(struct ingest *ing, struct ingest_request *rq,
    const char *text, const struct event_req *er,
    const struct jsonscan_span *spans, size_t n, struct reply *r)
{
	const struct config		*cf = ing->cf;
	const struct snap_source	*src = rq->key->source;
	struct batch			 b;
	struct batch_event		*be;
	struct idset			 set;
	struct buf			 scratch;
	union {
		max_align_t	align;
		char		b[COMMIT_STACK_BYTES];
	}				 small;
	char				*buf;
	size_t				 i, size, np, need, bufsize;
	size_t				 nrejected = 0, share;
	int64_t				 wait;
	char				 retry[32];
	int				 busy;

	/* Step 13: the source's token bucket, counted in events. */
	wait = counters_take(src->counters, (int64_t)n, cf->rate_limit_burst,
	    cf->rate_limit_events_per_minute, timestamp_monotonic());
	if (wait > 0) {
		counter_add(&src->counters->rate_limited, 1);
		snprintf(retry, sizeof(retry), "%lld", (long long)wait);
		reply_error(r, 429, "rate limit exceeded; retry according to "
		    "the Retry-After header");
		reply_header(r, "Retry-After", retry);
		reply_header(r, "X-RateLimit-Reset", retry);
		return;
	}
	/* Step 14: room in the writer's queue, and a warehouse not down. */
	if ((busy = writer_admit(ing->writer, n)) != 0) {
		counters_give(src->counters, (int64_t)n, cf->rate_limit_burst,
		    cf->rate_limit_events_per_minute);
		if (busy == WRITER_DOWN)
			reply_unavailable(r, "5",
			    writer_unavailable(ing->writer));
		else
			reply_unavailable(r, "1", "request cannot be processed "
			    "at this time; try again later");
		return;
	}

	/* Step 15: decode, validate, normalise; evaluate the pipelines. */
	share = DECODE_FACTOR * (rq->body.len + 1024);
	if (budget_take(&ing->decoding, share) == -1) {
		writer_unadmit(ing->writer, n);
		counters_give(src->counters, (int64_t)n, cf->rate_limit_burst,
		    cf->rate_limit_events_per_minute);
		ingest_shutdown_reply(r);
		return;
	}
	memset(&b, 0, sizeof(b));
	b.snap = rq->snap;
	b.src = src;
	memcpy(b.request_id, rq->id, sizeof(b.request_id));
	b.received_at = rq->received_at;
	b.req = er;
	b.n = n;
	b.npipelines = src->npipelines;
	/*
	 * The events, the id set and the pipelines' results in one buffer
	 * of the decoding budget, each part aligned for the next.
	 */
	np = b.npipelines ? b.npipelines : 1;
	for (size = 16; size < n * 2; size <<= 1)
		;
	need = n * sizeof(*b.events) + size * sizeof(*set.ids) +
	    n * np * (sizeof(*b.conds) + 1);
	/* A single event and a few more need no allocation. */
	if (need <= sizeof(small.b)) {
		buf = small.b;
		bufsize = 0;
	} else
		buf = budget_buffer(&ing->decoding, need, &bufsize);
	memset(buf, 0, need);
	b.events = (struct batch_event *)buf;
	set.ids = (const char **)(b.events + n);
	set.mask = size - 1;
	b.conds = (int32_t *)(set.ids + size);
	b.results = (unsigned char *)(b.conds + n * np);
	buf_init(&scratch);
	for (i = 0; i < n; i++) {
		be = &b.events[i];
		be->raw = text + spans[i].off;
		be->rawlen = spans[i].len;
		event_init(&be->ev);
		be->valid = event_decode(er, be->raw, be->rawlen, &be->ev) == 0;
		if (!be->valid) {
			nrejected++;
			continue;
		}
		/* Its hash serves the set, and the writer's dedupe index. */
		be->ev.message_id_hash = dedupe_hash(be->ev.message_id,
		    be->ev.len[EVENT_STR_MESSAGE_ID]);
		be->dup_in_request = idset_add(&set, &be->ev);
		pipeline_evaluate(&b, i, src, &scratch);
	}
	buf_release(&scratch);
	/* Tokens of rejected events are given back (§10). */
	counters_give(src->counters, (int64_t)nrejected, cf->rate_limit_burst,
	    cf->rate_limit_events_per_minute);

	/* Step 16: the commit; the writer takes the batch off the queue. */
	if (writer_submit(ing->writer, &b) == -1) {
		counters_give(src->counters, (int64_t)(n - nrejected),
		    cf->rate_limit_burst, cf->rate_limit_events_per_minute);
		reply_unavailable(r, "5", writer_unavailable(ing->writer));
	} else {
		/* Step 17, and the debugger's records of the request. */
		debugger_publish(&b);
		success_reply(&b, r);
	}
	for (i = 0; i < n; i++)
		event_release(&b.events[i].ev);
	budget_put(&ing->decoding, share, buf != small.b ? buf : NULL,
	    bufsize);
}

/*
 * The body's writeKey member m in *key (malloc'd), or -1 with the 400 of
 * §6.2 when it is not a string or is empty.
 */
static int
body_key(const char *text, const struct jsonscan_member *m, char **key,
    size_t *len, struct reply *r)
{
	if (m->value.kind != JSONSCAN_STRING) {
		reply_error(r, 400, "property 'writeKey' is not a valid string");
		return -1;
	}
	*key = jsonscan_string(text, &m->value, len);
	if (*len == 0) {
		free(*key);
		*key = NULL;
		reply_error(r, 400, "property 'writeKey' cannot be empty");
		return -1;
	}
	return 0;
}

/*
 * The members of a batch envelope (spec/ingest.md §8.1 checks 4-6): the
 * default sentAt and context of its events, and the form of its
 * writeKey when no Authorization header named a key.  -1 with the 400.
 */
static int
envelope(const char *text, const struct jsonscan *js,
    const struct ingest_request *rq, struct event_req *er,
    struct event_context **ctx, char **key, size_t *keylen, struct reply *r)
{
	const struct jsonscan_member	*m;
	enum timestamp_error		 te;
	char				*s, *cerr = NULL;
	size_t				 slen;

	if ((m = jsonscan_member(js, "sentAt")) != NULL) {
		if (m->value.kind != JSONSCAN_STRING) {
			reply_error(r, 400, "property 'sentAt' is not a valid "
			    "string");
			return -1;
		}
		s = jsonscan_string(text, &m->value, &slen);
		te = timestamp_parse(s, slen, &er->sent_at);
		free(s);
		if (te == TIMESTAMP_INVALID) {
			reply_error(r, 400, "property 'sentAt' is not a valid "
			    "ISO 8601 timestamp");
			return -1;
		}
		if (te == TIMESTAMP_BAD_YEAR) {
			reply_error(r, 400, "property 'sentAt' has an invalid "
			    "year value");
			return -1;
		}
		er->has_sent_at = 1;
	}
	if ((m = jsonscan_member(js, "context")) != NULL) {
		*ctx = event_context_new(text + m->value.off, m->value.len,
		    &cerr);
		if (*ctx == NULL) {
			reply_error(r, 400, "%s", cerr);
			free(cerr);
			return -1;
		}
		er->context = *ctx;
		er->context_text = text + m->value.off;
		er->context_len = m->value.len;
	}
	if (rq->key == NULL && (m = jsonscan_member(js, "writeKey")) != NULL)
		return body_key(text, m, key, keylen, r);
	return 0;
}

void
ingest_finish(struct ingest *ing, struct ingest_request *rq, struct reply *r)
{
	const struct config		*cf = ing->cf;
	const struct jsonscan_member	*batchm = NULL, *m;
	const struct snap_key		*k;
	const struct snap_source	*src;
	const struct jsonscan_span	*spans = NULL;
	struct event_context		*ctx = NULL;
	struct jsonscan			 js;
	struct event_req		 er;
	char				*text, *key = NULL;
	size_t				 len, n = 0, keylen = 0;

	if (body_finish(&rq->body) == -1) {
		body_reply(ing, rq, r);
		return;
	}
	/*
	 * Step 9: one BOM is removed; blank is empty.  From here on every
	 * span is relative to text.
	 */
	text = rq->body.buf;
	len = rq->body.len;
	if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0) {
		text += 3;
		len -= 3;
	}
	if (strspn(text, " \t\r\n") == len) {
		reply_error(r, 400, "request's body is empty");
		return;
	}
	/* Step 10. */
	if (jsonscan_parse(&js, text, len) == -1) {
		reply_error(r, 400, "error parsing the request body as JSON: "
		    "%s", js.detail);
		jsonscan_release(&js);
		return;
	}
	memset(&er, 0, sizeof(er));
	er.received_at = rq->received_at;
	er.max_event_bytes = (size_t)cf->max_event_bytes;
	er.request_ip = rq->ip[0] ? rq->ip : NULL;

	/*
	 * Step 11: body shape, then an envelope's members, then the batch
	 * size (§8.1 checks 1, 4, 5, 6, 2, 3).
	 */
	if (rq->route.kind == ROUTE_SINGLE) {
		er.shape = EVENT_SHAPE_SINGLE;
		er.default_type = rq->route.type;
		spans = &js.root;
		n = 1;
	} else if (js.root.kind == JSONSCAN_ARRAY) {
		er.shape = EVENT_SHAPE_BATCH;
		n = js.root_count;
		if (n > 0)
			spans = js.elems;
	} else if (js.root.kind == JSONSCAN_OBJECT) {
		batchm = jsonscan_member(&js, "batch");
		if (batchm == NULL) {
			er.shape = EVENT_SHAPE_OBJECT;
			spans = &js.root;
			n = 1;
		} else {
			er.shape = EVENT_SHAPE_BATCH;
			if (batchm->value.kind != JSONSCAN_ARRAY) {
				reply_error(r, 400, "property 'batch' is not a "
				    "valid array");
				goto out;
			}
			n = batchm->count;
			if (n > 0)
				spans = js.elems + batchm->first;
			if (envelope(text, &js, rq, &er, &ctx, &key, &keylen,
			    r) == -1)
				goto out;
		}
	} else {
		reply_error(r, 400, "request's content is not a valid JSON "
		    "object or array");
		goto out;
	}
	if (er.shape == EVENT_SHAPE_BATCH && n == 0) {
		reply_error(r, 400, "batch must contain at least one event");
		goto out;
	}
	if (er.shape == EVENT_SHAPE_BATCH &&
	    n > (size_t)cf->max_batch_events) {
		reply_error(r, 400, "batch contains too many events");
		goto out;
	}

	/* Step 12: the body's write key, when no header named one. */
	if (rq->key == NULL) {
		if (key == NULL) {
			m = js.root.kind == JSONSCAN_OBJECT ?
			    jsonscan_member(&js, "writeKey") : NULL;
			if (m == NULL) {
				reply_error(r, 401, "Authorization header is "
				    "missing");
				goto out;
			}
			if (body_key(text, m, &key, &keylen, r) == -1)
				goto out;
		}
		k = rq->snap != NULL ? snapshot_lookup_key(rq->snap, key,
		    keylen) : NULL;
		if (k == NULL) {
			ingest_unknown_key(ing, rq->snap, r, "the event write "
			    "key in the request body does not exist");
			goto out;
		}
		atomic_store(&k->usage->last_used, rq->received_at);
		rq->key = k;
	}
	src = rq->key->source;
	er.source_id = src->id;
	er.ip_fallback = src->ip_fallback;
	commit_events(ing, rq, text, &er, spans, n, r);
out:
	free(key);
	event_context_free(ctx);
	jsonscan_release(&js);
}

void
ingest_request_release(struct ingest *ing, struct ingest_request *rq)
{
	body_release(&rq->body);
	snapshot_unref(rq->snap);
	rq->snap = NULL;
}
