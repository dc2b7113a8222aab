/*
 * The catalog's destinations (spec/destinations.md §2): their rows in the
 * catalog's store (cat_store.h), their validation, the objects of §6.1
 * that krctl prints, their copy in the catalog's cache, and their copy
 * into each snapshot.  See catalog.h and catalog_priv.h.
 */
#include <sys/queue.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "compat.h"
#include "log.h"
#include "names.h"
#include "timestamp.h"
#include "xmalloc.h"
#include "catalog.h"
#include "catalog_priv.h"
#include "config.h"
#include "destination.h"
#include "url.h"

#define URL_MAX		2048
#define HEADERS_MAX	20
#define SECRET_MAX	1024
#define MASK		"***"

/* The headers that krenalisd sets itself (§2). */
static const char *const reserved[] = {
	"Content-Type", "Content-Length", "Content-Encoding", "Host",
	"X-Signature"
};

struct cat_dest *
catalog_dest_find(struct dest_list *list, const char *id)
{
	struct cat_dest	*d;

	TAILQ_FOREACH(d, list, entry)
		if (strcmp(d->d.id, id) == 0)
			return d;
	return NULL;
}

struct cat_dest *
catalog_dest_resolve(struct catalog *cat, const char *arg,
    struct catalog_error *ce)
{
	struct cat_dest	*d;

	if ((d = catalog_dest_find(&cat->dests, arg)) != NULL)
		return d;
	TAILQ_FOREACH(d, &cat->dests, entry)
		if (strcmp(d->d.name, arg) == 0)
			return d;
	catalog_seterr(ce, "NotFound", "destination \"%s\" does not exist",
	    arg);
	return NULL;
}

static void
dest_free(struct cat_dest *d)
{
	destination_release(&d->d);
	free(d);
}

void
catalog_dests_free(struct dest_list *list)
{
	struct cat_dest	*d;

	while ((d = TAILQ_FIRST(list)) != NULL) {
		TAILQ_REMOVE(list, d, entry);
		dest_free(d);
	}
}

void
catalog_dests_carry_over(struct dest_list *list, struct dest_list *old)
{
	struct cat_dest	*d, *od;

	TAILQ_FOREACH(d, list, entry)
		if ((od = catalog_dest_find(old, d->d.id)) != NULL) {
			dest_counters_unref(d->d.counters);
			d->d.counters = dest_counters_ref(od->d.counters);
		}
}

void
catalog_dest_publish(struct catalog *cat, struct snapshot *snap)
{
	struct cat_dest	*d;
	size_t		 n = 0;

	TAILQ_FOREACH(d, &cat->dests, entry)
		n++;
	snap->destinations = xcalloc(n, sizeof(*snap->destinations));
	n = 0;
	TAILQ_FOREACH(d, &cat->dests, entry) {
		d->index = n;
		destination_copy(&snap->destinations[n++], &d->d);
	}
	snap->ndestinations = n;
}

/* A header as shown: "Name: ***" when it carries a credential. */
static json_t *
header_json(const char *h)
{
	const char	*colon = strchr(h, ':');
	char		*masked;
	json_t		*j;

	if (!destination_header_secret(h))
		return json_string(h);
	xasprintf(&masked, "%.*s: " MASK, (int)(colon - h), h);
	j = json_string(masked);
	free(masked);
	return j;
}

/*
 * The url as shown (malloc'd): the credentials it carries before its host
 * masked: "http://user:" MASK "@host/..." or, with a user alone or an
 * empty password (a token), "http://" MASK "@host/...".
 */
static char *
url_masked(const char *u)
{
	const char	*auth = strstr(u, "://"), *p, *at = NULL, *colon;
	char		*masked;

	if (auth == NULL)
		return xstrdup(u);
	auth += 3;
	for (p = auth; *p != '\0' && strchr("/?#", *p) == NULL; p++)
		if (*p == '@')
			at = p;
	if (at == NULL || at == auth)
		return xstrdup(u);
	colon = memchr(auth, ':', (size_t)(at - auth));
	if (colon != NULL && colon > auth && colon + 1 < at)
		xasprintf(&masked, "%.*s:" MASK "%s", (int)(colon - u), u, at);
	else
		xasprintf(&masked, "%.*s" MASK "%s", (int)(auth - u), u, at);
	return masked;
}

static json_t *
url_json(const char *u)
{
	char	*masked = url_masked(u);
	json_t	*j = json_string(masked);

	free(masked);
	return j;
}

/* A secret or write key: null, MASK, or itself when clear. */
static json_t *
secret_json(const char *s, int clear)
{
	if (s == NULL)
		return json_null();
	return json_string(clear ? s : MASK);
}

/*
 * The object of spec/destinations.md §6.1, its secrets masked, up to its
 * pipelines; or, exported (catalog_dests_export), its secrets in clear
 * and without its pipelines.
 */
static json_t *
dest_json(struct catalog *cat, const struct cat_dest *cd, int exported)
{
	const struct destination	*d = &cd->d;
	const struct source		*s;
	const struct pipeline		*p;
	json_t				*o = json_object(), *a;
	char				 age[DEST_AGE_BUFSZ];
	char				 ts[TIMESTAMP_BUFSZ];
	size_t				 i;

	json_object_set_new(o, "id", json_string(d->id));
	json_object_set_new(o, "name", json_string(d->name));
	json_object_set_new(o, "connector",
	    json_string(destination_connector_name(d->connector)));
	json_object_set_new(o, "url", exported ? json_string(d->url) :
	    url_json(d->url));
	a = json_array();
	for (i = 0; i < d->nheaders; i++)
		json_array_append_new(a, exported ?
		    json_string(d->headers[i]) : header_json(d->headers[i]));
	json_object_set_new(o, "headers", a);
	json_object_set_new(o, "writeKey", secret_json(d->write_key,
	    exported));
	json_object_set_new(o, "secret", secret_json(d->secret, exported));
	json_object_set_new(o, "batchSize", json_integer(d->batch_size));
	json_object_set_new(o, "timeout", json_integer(d->timeout));
	json_object_set_new(o, "maxInFlight", json_integer(d->max_in_flight));
	json_object_set_new(o, "maxAge",
	    json_string(destination_format_age(d->max_age, age)));
	json_object_set_new(o, "gzip", json_boolean(d->gzip));
	json_object_set_new(o, "enabled", json_boolean(d->enabled));
	json_object_set_new(o, "createdAt",
	    json_string(timestamp_format(d->created_at, ts)));
	if (exported)
		return o;
	a = json_array();
	TAILQ_FOREACH(s, &cat->sources, entry)
		TAILQ_FOREACH(p, &s->pipelines, entry)
			if (p->dest == cd)
				json_array_append_new(a, json_pack(
				    "{s:s,s:s,s:s}", "id", p->id, "name",
				    p->name, "source", s->id));
	json_object_set_new(o, "pipelines", a);
	return o;
}

/* Whether c may be in an HTTP token (RFC 9110 §5.6.2). */
static int
tchar(int c)
{
	return isalnum(c) || (c != '\0' && strchr("!#$%&'*+-.^_`|~", c));
}

/*
 * Check the header h (NULL when not a string), the i-th, and return it
 * as "Name: value" with the blanks around the value removed (a new
 * string), or NULL with ce set.  Messages name the header but never
 * quote its value.
 */
static char *
header_check(const char *h, size_t i, struct catalog_error *ce)
{
	const char	*colon = h != NULL ? strchr(h, ':') : NULL, *v, *end;
	size_t		 nlen, k;
	char		*out;

	if (colon == NULL || colon == h) {
		catalog_seterr(ce, "BadRequest", "headers[%zu] is not valid; "
		    "use \"Name: value\"", i);
		return NULL;
	}
	nlen = (size_t)(colon - h);
	for (k = 0; k < nlen; k++)
		if (!tchar((unsigned char)h[k])) {
			catalog_seterr(ce, "BadRequest", "header name \"%.*s\" "
			    "is not a valid HTTP header name",
			    (int)(nlen > 100 ? 100 : nlen), h);
			return NULL;
		}
	for (k = 0; k < sizeof(reserved) / sizeof(reserved[0]); k++)
		if (strlen(reserved[k]) == nlen &&
		    strncasecmp(reserved[k], h, nlen) == 0) {
			catalog_seterr(ce, "BadRequest", "header \"%s\" may "
			    "not be set; krenalisd sets Content-Type, "
			    "Content-Length, Content-Encoding, Host and "
			    "X-Signature itself", reserved[k]);
			return NULL;
		}
	if (strpbrk(colon + 1, "\r\n") != NULL) {
		catalog_seterr(ce, "BadRequest", "header \"%.*s\" has a CR or "
		    "LF in its value", (int)nlen, h);
		return NULL;
	}
	for (v = colon + 1; *v == ' ' || *v == '\t'; v++)
		;
	for (end = v + strlen(v); end > v && (end[-1] == ' ' ||
	    end[-1] == '\t'); end--)
		;
	xasprintf(&out, "%.*s: %.*s", (int)nlen, h, (int)(end - v), v);
	return out;
}

/* Replace d's headers with the array a, checked. */
static int
headers_apply(struct destination *d, const json_t *a,
    struct catalog_error *ce)
{
	const json_t	*v;
	char		**hs, *h;
	size_t		 i, n;

	if (json_is_null(a))
		n = 0;
	else if (!json_is_array(a))
		return catalog_seterr(ce, "BadRequest", "headers must be an "
		    "array of \"Name: value\" strings");
	else
		n = json_array_size(a);
	if (n > HEADERS_MAX)
		return catalog_seterr(ce, "BadRequest", "headers must be at "
		    "most %d", HEADERS_MAX);
	hs = xcalloc(n + 1, sizeof(*hs));
	for (i = 0; i < n; i++) {
		v = json_array_get(a, i);
		if ((h = header_check(json_string_value(v), i, ce)) == NULL) {
			while (i > 0)
				free(hs[--i]);
			free(hs);
			return -1;
		}
		hs[i] = h;
	}
	for (i = 0; i < d->nheaders; i++)
		free(d->headers[i]);
	free(d->headers);
	d->headers = hs;
	d->nheaders = n;
	return 0;
}

/*
 * The url rules of §2: http or https, a host, at most 2048 bytes; and a
 * URL that libcurl, which sends to it, can parse, with a port from 1 to
 * 65535 when it has one, so that a typo fails here and not at each
 * delivery.
 */
static int
url_check(const char *u, struct catalog_error *ce)
{
	char		*shown, why[128];
	size_t		 i;
	int		 ret = -1;

	if (u[0] == '\0')
		return catalog_seterr(ce, "BadRequest", "url is empty");
	if (strlen(u) > URL_MAX)
		return catalog_seterr(ce, "BadRequest", "url is longer than %d "
		    "bytes", URL_MAX);
	for (i = 0; u[i] != '\0'; i++)
		if ((unsigned char)u[i] <= ' ' || u[i] == 0x7f)
			return catalog_seterr(ce, "BadRequest", "url contains "
			    "a space or a control character");
	/* Messages quote it as shown, reaching the log from the cache. */
	shown = url_masked(u);
	if (strncasecmp(u, "http://", 7) != 0 &&
	    strncasecmp(u, "https://", 8) != 0) {
		catalog_seterr(ce, "BadRequest", "url \"%s\" is not valid; it "
		    "must start with http:// or https://", shown);
		goto out;
	}
	if (url_check_http(u, why, sizeof(why)) == -1)
		catalog_seterr(ce, "BadRequest", "url \"%s\" %s", shown, why);
	else
		ret = 0;
out:
	free(shown);
	return ret;
}

/* A secret or write key: 1..SECRET_MAX bytes without control characters. */
static int
secret_check(const char *what, const char *s, struct catalog_error *ce)
{
	size_t	i;

	if (s[0] == '\0')
		return catalog_seterr(ce, "BadRequest", "%s is empty", what);
	if (strlen(s) > SECRET_MAX)
		return catalog_seterr(ce, "BadRequest", "%s is longer than %d "
		    "bytes", what, SECRET_MAX);
	for (i = 0; s[i] != '\0'; i++)
		if ((unsigned char)s[i] < ' ' || s[i] == 0x7f)
			return catalog_seterr(ce, "BadRequest", "%s contains a "
			    "control character", what);
	return 0;
}

/* An integer member of args within [min, max] into *out, when present. */
static int
int_apply(const json_t *args, const char *key, int min, int max, int *out,
    struct catalog_error *ce)
{
	const json_t	*v = json_object_get(args, key);

	if (v == NULL)
		return 0;
	if (!json_is_integer(v) || json_integer_value(v) < min ||
	    json_integer_value(v) > max)
		return catalog_seterr(ce, "BadRequest", "%s must be an integer "
		    "from %d to %d", key, min, max);
	*out = (int)json_integer_value(v);
	return 0;
}

/* A string member, or null when nullable, into *out (replaced). */
static int
str_apply(const json_t *args, const char *key, int nullable, char **out,
    struct catalog_error *ce)
{
	const json_t	*v = json_object_get(args, key);

	if (v == NULL)
		return 0;
	if (json_is_null(v) && nullable) {
		free(*out);
		*out = NULL;
		return 0;
	}
	if (!json_is_string(v))
		return catalog_seterr(ce, "BadRequest", "%s must be a string",
		    key);
	if (strcmp(key, "url") == 0 ? url_check(json_string_value(v),
	    ce) == -1 : secret_check(key, json_string_value(v), ce) == -1)
		return -1;
	free(*out);
	*out = xstrdup(json_string_value(v));
	return 0;
}

/*
 * Apply the members of args to d, each checked (§2); then check what
 * holds between them.  -1 with ce at the first fault; d is then partly
 * changed, and the caller discards it.
 */
static int
dest_apply(struct destination *d, const json_t *args,
    struct catalog_error *ce)
{
	const json_t	*v;
	const char	*s;
	int64_t		 ms;
	size_t		 i;

	if ((v = json_object_get(args, "connector")) != NULL) {
		s = json_string_value(v);
		if (s != NULL && strcmp(s, "webhook") == 0)
			d->connector = DEST_WEBHOOK;
		else if (s != NULL && strcmp(s, "segment") == 0)
			d->connector = DEST_SEGMENT;
		else
			return catalog_seterr(ce, "BadRequest", "connector "
			    "\"%s\" does not exist; use one of webhook, "
			    "segment", s ? s : "");
	}
	if (str_apply(args, "url", 0, &d->url, ce) == -1)
		return -1;
	if ((v = json_object_get(args, "headers")) != NULL &&
	    headers_apply(d, v, ce) == -1)
		return -1;
	if (str_apply(args, "writeKey", 1, &d->write_key, ce) == -1 ||
	    str_apply(args, "secret", 1, &d->secret, ce) == -1 ||
	    int_apply(args, "batchSize", 1, 1000, &d->batch_size, ce) == -1 ||
	    int_apply(args, "timeout", 1, 120, &d->timeout, ce) == -1 ||
	    int_apply(args, "maxInFlight", 1, 16, &d->max_in_flight,
	    ce) == -1)
		return -1;
	if ((v = json_object_get(args, "maxAge")) != NULL) {
		s = json_string_value(v);
		if (s == NULL || config_parse_duration(s, &ms) == -1 ||
		    ms < 60 * 1000 || ms > 30LL * 86400 * 1000)
			return catalog_seterr(ce, "BadRequest", "maxAge \"%s\" "
			    "is not valid; use a duration from 1m to 30d, such "
			    "as 30m, 24h or 7d", s ? s : "");
		d->max_age = ms / 1000;
	}
	if ((v = json_object_get(args, "gzip")) != NULL) {
		if (!json_is_boolean(v))
			return catalog_seterr(ce, "BadRequest", "gzip must be "
			    "true or false");
		d->gzip = json_is_true(v);
	}
	if (d->url == NULL)
		return catalog_seterr(ce, "BadRequest", "url is required");
	if (d->connector == DEST_WEBHOOK && d->write_key != NULL)
		return catalog_seterr(ce, "BadRequest", "writeKey is only for "
		    "the segment connector");
	if (d->connector == DEST_SEGMENT && d->write_key == NULL)
		return catalog_seterr(ce, "BadRequest", "the segment connector "
		    "needs a writeKey");
	for (i = 0; i < d->nheaders; i++)
		if (destination_header_taken(d, d->headers[i]))
			return catalog_seterr(ce, "BadRequest", "header "
			    "\"Authorization\" may not be set with the segment "
			    "connector, which sends the writeKey in it");
	return 0;
}

static int
name_check(struct catalog *cat, const char *name, size_t len,
    const struct cat_dest *self, struct catalog_error *ce)
{
	const struct cat_dest	*d;
	const char		*msg;
	char			 buf[64];

	if ((msg = names_check(name, len, NAMES_SOURCE_MAX, buf,
	    sizeof(buf))) != NULL)
		return catalog_seterr(ce, "BadRequest", "%s", msg);
	TAILQ_FOREACH(d, &cat->dests, entry)
		if (d != self && strcmp(d->d.name, name) == 0)
			return catalog_seterr(ce, "Conflict", "a destination "
			    "named \"%s\" already exists", name);
	return 0;
}

int
catalog_dest_store(struct catalog *cat, const struct destination *d,
    int update, struct catalog_error *ce)
{
	const char	*params[14];
	json_t		*a = json_array();
	char		*headers, b[7][32];
	size_t		 i;
	int		 rc;

	for (i = 0; i < d->nheaders; i++)
		json_array_append_new(a, json_string(d->headers[i]));
	headers = json_dumps(a, JSON_COMPACT);
	json_decref(a);
	params[0] = d->id;
	params[1] = d->name;
	params[2] = destination_connector_name(d->connector);
	params[3] = d->url;
	params[4] = headers;
	params[5] = d->write_key;
	params[6] = d->secret;
	params[7] = catalog_intarg(b[0], d->batch_size);
	params[8] = catalog_intarg(b[1], d->timeout);
	params[9] = catalog_intarg(b[2], d->max_in_flight);
	params[10] = catalog_intarg(b[3], d->max_age);
	params[11] = catalog_intarg(b[4], d->gzip);
	params[12] = catalog_intarg(b[5], d->enabled);
	params[13] = catalog_intarg(b[6], d->created_at);
	rc = catalog_exec(cat, update ? CAT_DEST_UPDATE : CAT_DEST_INSERT,
	    params, "destination", ce);
	free(headers);
	return rc;
}

/* A destination named name with the default settings of §2. */
static struct cat_dest *
dest_new(const char *name)
{
	struct cat_dest		*cd = xcalloc(1, sizeof(*cd));
	struct destination	*d = &cd->d;

	d->name = xstrdup(name);
	d->connector = DEST_WEBHOOK;
	d->headers = xcalloc(1, sizeof(*d->headers));
	d->batch_size = 500;
	d->timeout = 10;
	d->max_in_flight = 4;
	d->max_age = 24 * 3600;
	d->enabled = 1;
	d->created_at = timestamp_now();
	d->counters = dest_counters_new();
	return cd;
}

static json_t *
dest_add(struct catalog *cat, const char *name, size_t len,
    const json_t *args, struct catalog_error *ce)
{
	struct cat_dest		*cd;
	struct destination	*d;

	if (name_check(cat, name, len, NULL, ce) == -1)
		return NULL;
	cd = dest_new(name);
	d = &cd->d;
	catalog_new_id(cat, d->id);
	if (dest_apply(d, args, ce) == -1 ||
	    catalog_dest_store(cat, d, 0, ce) == -1) {
		dest_free(cd);
		return NULL;
	}
	TAILQ_INSERT_TAIL(&cat->dests, cd, entry);
	log_info("catalog: destination %s \"%s\" added", d->id, d->name);
	return dest_json(cat, cd, 0);
}

json_t *
catalog_destination_add(struct catalog *cat, const char *name, size_t len,
    const json_t *args, struct catalog_error *ce)
{
	if (catalog_change_begin(cat, ce) == -1)
		return NULL;
	return catalog_change_end(cat, dest_add(cat, name, len, args, ce), ce);
}

json_t *
catalog_destination_list(struct catalog *cat)
{
	struct cat_dest	*d;
	json_t		*a = json_array();

	TAILQ_FOREACH(d, &cat->dests, entry)
		json_array_append_new(a, dest_json(cat, d, 0));
	return a;
}

json_t *
catalog_destination_show(struct catalog *cat, const char *arg,
    struct catalog_error *ce)
{
	struct cat_dest	*d;

	if ((d = catalog_dest_resolve(cat, arg, ce)) == NULL)
		return NULL;
	return dest_json(cat, d, 0);
}

/*
 * The settings are changed on a copy, which replaces the destination
 * once stored: an invalid request changes nothing.
 */
static json_t *
dest_set(struct catalog *cat, const char *arg, const json_t *args,
    struct catalog_error *ce)
{
	struct cat_dest		*cd;
	struct destination	 nd;
	const json_t		*v;
	size_t			 len;

	if ((cd = catalog_dest_resolve(cat, arg, ce)) == NULL)
		return NULL;
	destination_copy(&nd, &cd->d);
	if ((v = json_object_get(args, "name")) != NULL && json_is_string(v)) {
		len = json_string_length(v);
		if (name_check(cat, json_string_value(v), len, cd, ce) == -1)
			goto fail;
		free(nd.name);
		nd.name = xstrdup(json_string_value(v));
	}
	if (dest_apply(&nd, args, ce) == -1 ||
	    catalog_dest_store(cat, &nd, 1, ce) == -1)
		goto fail;
	destination_release(&cd->d);
	cd->d = nd;
	return dest_json(cat, cd, 0);
fail:
	destination_release(&nd);
	return NULL;
}

json_t *
catalog_destination_set(struct catalog *cat, const char *arg,
    const json_t *args, struct catalog_error *ce)
{
	if (catalog_change_begin(cat, ce) == -1)
		return NULL;
	return catalog_change_end(cat, dest_set(cat, arg, args, ce), ce);
}

static json_t *
dest_enable(struct catalog *cat, const char *arg, int enabled,
    struct catalog_error *ce)
{
	struct cat_dest	*cd;

	if ((cd = catalog_dest_resolve(cat, arg, ce)) == NULL)
		return NULL;
	if (cd->d.enabled != enabled) {
		cd->d.enabled = enabled;
		if (catalog_dest_store(cat, &cd->d, 1, ce) == -1) {
			cd->d.enabled = !enabled;
			return NULL;
		}
	}
	return dest_json(cat, cd, 0);
}

json_t *
catalog_destination_enable(struct catalog *cat, const char *arg,
    int enabled, struct catalog_error *ce)
{
	if (catalog_change_begin(cat, ce) == -1)
		return NULL;
	return catalog_change_end(cat, dest_enable(cat, arg, enabled, ce), ce);
}

json_t *
catalog_dests_export(struct catalog *cat)
{
	const struct cat_dest	*cd;
	json_t			*a = json_array();

	TAILQ_FOREACH(cd, &cat->dests, entry)
		json_array_append_new(a, dest_json(cat, cd, 1));
	return a;
}

struct cat_dest *
catalog_dest_import(struct catalog *cat, struct dest_list *imported,
    const json_t *o, struct catalog_error *ce)
{
	const json_t	*name = json_object_get(o, "name");
	const json_t	*en = json_object_get(o, "enabled");
	struct cat_dest	*cd;

	if (!json_is_string(name)) {
		catalog_seterr(ce, "BadRequest", "\"name\" must be a string");
		return NULL;
	}
	if (name_check(cat, json_string_value(name), json_string_length(name),
	    NULL, ce) == -1)
		return NULL;
	TAILQ_FOREACH(cd, imported, entry)
		if (strcmp(cd->d.name, json_string_value(name)) == 0) {
			catalog_seterr(ce, "Conflict", "a destination named "
			    "\"%s\" already exists", cd->d.name);
			return NULL;
		}
	if (!json_is_boolean(en)) {
		catalog_seterr(ce, "BadRequest", "\"enabled\" must be true or "
		    "false");
		return NULL;
	}
	cd = dest_new(json_string_value(name));
	cd->d.enabled = json_is_true(en);
	if (dest_apply(&cd->d, o, ce) == -1) {
		dest_free(cd);
		return NULL;
	}
	return cd;
}

/* The names of the pipelines that send to d, as "A", "B", into buf. */
static size_t
users(struct catalog *cat, const struct cat_dest *d, char *buf, size_t len)
{
	const struct source	*s;
	const struct pipeline	*p;
	size_t			 n = 0;
	char			 one[160];

	buf[0] = '\0';
	TAILQ_FOREACH(s, &cat->sources, entry)
		TAILQ_FOREACH(p, &s->pipelines, entry) {
			if (p->dest != d)
				continue;
			snprintf(one, sizeof(one), "%s\"%s\"", n++ ? ", " : "",
			    p->name);
			strlcat(buf, one, len);
		}
	return n;
}

/*
 * The pipelines go with the destination: its row's deletion cascades to
 * theirs (the pipelines' destination column references it).
 */
static json_t *
dest_rm(struct catalog *cat, const char *arg, int force,
    struct catalog_error *ce)
{
	struct cat_dest	*cd;
	struct source	*s;
	struct pipeline	*p, *next;
	json_t		*o;
	const char	*id;
	char		 names[512];
	size_t		 n;

	if ((cd = catalog_dest_resolve(cat, arg, ce)) == NULL)
		return NULL;
	if ((n = users(cat, cd, names, sizeof(names))) > 0 && !force) {
		catalog_seterr(ce, "Conflict", "destination \"%s\" is used by "
		    "the send pipeline%s %s; remove %s first, or use --force",
		    cd->d.name, n > 1 ? "s" : "", names, n > 1 ? "them" : "it");
		return NULL;
	}
	id = cd->d.id;
	if (catalog_exec(cat, CAT_DEST_DELETE, &id, "destination rm",
	    ce) == -1)
		return NULL;
	o = dest_json(cat, cd, 0);
	TAILQ_FOREACH(s, &cat->sources, entry)
		for (p = TAILQ_FIRST(&s->pipelines); p != NULL; p = next) {
			next = TAILQ_NEXT(p, entry);
			if (p->dest != cd)
				continue;
			TAILQ_REMOVE(&s->pipelines, p, entry);
			catalog_pipeline_free(p);
		}
	TAILQ_REMOVE(&cat->dests, cd, entry);
	atomic_store(&cd->d.counters->removed, 1);
	log_info("catalog: destination %s \"%s\" removed%s", cd->d.id,
	    cd->d.name, n > 0 ? " with its send pipelines" : "");
	dest_free(cd);
	return o;
}

json_t *
catalog_destination_rm(struct catalog *cat, const char *arg, int force,
    struct catalog_error *ce)
{
	if (catalog_change_begin(cat, ce) == -1)
		return NULL;
	return catalog_change_end(cat, dest_rm(cat, arg, force, ce), ce);
}

/* Restore a destination's headers from their stored JSON array. */
static void
headers_load(struct destination *d, const char *text)
{
	json_t		*a = json_loads(text, 0, NULL);
	const json_t	*v;
	size_t		 i;

	d->nheaders = json_array_size(a);
	d->headers = xcalloc(d->nheaders + 1, sizeof(*d->headers));
	json_array_foreach(a, i, v)
		d->headers[i] = xstrdup(json_string_value(v) ?
		    json_string_value(v) : "");
	json_decref(a);
}

static char *
dup_or_null(const char *s)
{
	return s != NULL ? xstrdup(s) : NULL;
}

struct cat_dest *
catalog_dest_row(const char *const *v)
{
	struct cat_dest		*cd = xcalloc(1, sizeof(*cd));
	struct destination	*d = &cd->d;

	strlcpy(d->id, v[0], sizeof(d->id));
	d->name = xstrdup(v[1]);
	d->connector = strcmp(v[2], "segment") == 0 ? DEST_SEGMENT :
	    DEST_WEBHOOK;
	d->url = xstrdup(v[3]);
	headers_load(d, v[4]);
	d->write_key = dup_or_null(v[5]);
	d->secret = dup_or_null(v[6]);
	d->batch_size = atoi(v[7]);
	d->timeout = atoi(v[8]);
	d->max_in_flight = atoi(v[9]);
	d->max_age = strtoll(v[10], NULL, 10);
	d->gzip = atoi(v[11]);
	d->enabled = atoi(v[12]);
	d->created_at = strtoll(v[13], NULL, 10);
	d->counters = dest_counters_new();
	return cd;
}
