/* Routes, headers and the success body of ingest requests; see ingest.h. */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "compat.h"
#include "xmalloc.h"
#include "batch.h"
#include "ingest.h"

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
	const char	*p = value, *scheme, *cred, *end;
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
		dec[n] = '\0';
		n = strcspn(dec, ":");
		if (memchr(dec, '\0', n) != NULL)
			n = 0;		/* a NUL cannot be in a key */
		if (n >= keylen)
			n = keylen - 1;
		memcpy(key, dec, n);
		key[n] = '\0';
		return AUTH_BASIC;
	}
	return -1;
}

int
ingest_charset_ok(const char *ctype)
{
	const char	*p, *name, *val;
	size_t		 nlen, vlen;

	if (ctype == NULL || (p = strchr(ctype, ';')) == NULL)
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
			/* Not a parameter: the header cannot be parsed. */
			if (*p != ';' && *p != '\0')
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
		}
		while (is_blank(*p))
			p++;
		if (nlen == 7 && strncasecmp(name, "charset", 7) == 0)
			return (vlen == 5 && strncasecmp(val, "utf-8", 5) == 0) ||
			    (vlen == 4 && strncasecmp(val, "utf8", 4) == 0);
		if (*p != ';' && *p != '\0')
			return 1;
	}
	return 1;
}

int
ingest_forwarded_for(const char *value, char *ip, size_t iplen)
{
	const char	*p = value, *end, *c;
	char		 buf[INET6_ADDRSTRLEN + 8];
	unsigned char	 addr[16];
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
	if (len == 0 || len >= sizeof(buf))
		return -1;
	memcpy(buf, p, len);
	buf[len] = '\0';
	if (inet_pton(AF_INET, buf, addr) == 1) {
		strlcpy(ip, buf, iplen);
		return 1;
	}
	if (strchr(buf, '%') != NULL || inet_pton(AF_INET6, buf, addr) != 1)
		return -1;
	/* An IPv4-mapped address becomes the IPv4 address. */
	if (memcmp(addr, "\0\0\0\0\0\0\0\0\0\0\xff\xff", 12) == 0) {
		inet_ntop(AF_INET, addr + 12, ip, iplen);
		return 1;
	}
	inet_ntop(AF_INET6, addr, ip, iplen);
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

char *
ingest_response(const struct batch *b, size_t *len)
{
	json_t				*o, *rej = NULL, *e;
	const struct batch_event	*be;
	size_t				 i, dups = 0, nrej = 0;
	char				*s;

	for (i = 0; i < b->n; i++) {
		be = &b->events[i];
		if (be->outcome == OUTCOME_DUPLICATE)
			dups++;
		if (be->outcome != OUTCOME_REJECTED)
			continue;
		nrej++;
		if (rej == NULL)
			rej = json_array();
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
	if (rej != NULL)
		json_object_set_new(o, "rejected", rej);
	s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(o);
	*len = strlen(s);
	s = xreallocarray(s, *len + 2, 1);
	s[(*len)++] = '\n';
	s[*len] = '\0';
	return s;
}
