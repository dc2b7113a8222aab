/*
 * The catalog of sources, write keys and pipelines; see catalog.h.
 * Destinations are in catalog_dest.c.
 */
#include <sys/queue.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "compat.h"
#include "ids.h"
#include "log.h"
#include "names.h"
#include "timestamp.h"
#include "xmalloc.h"
#include "catalog.h"
#include "cat_pg.h"
#include "cat_sqlite.h"
#include "cat_store.h"
#include "catalog_priv.h"
#include "consents.h"
#include "counters.h"
#include "debugger.h"
#include "filter.h"
#include "snapshot.h"

#define MAX_KEYS		20

static const struct connector connectors[] = {
	{ "segment",	"Segment",	0, 0 },
	{ "webhook",	"Webhook",	0, 0 },
	{ "javascript",	"JavaScript",	1, 1 },
	{ "android",	"Android",	1, 1 },
	{ "ios",	"iOS",		1, 1 },
	{ "dotnet",	".NET",		0, 0 },
	{ "go",		"Go",		0, 0 },
	{ "java",	"Java",		0, 0 },
	{ "nodejs",	"Node.js",	0, 0 },
	{ "python",	"Python",	0, 0 },
};
#define NCONNECTORS	(sizeof(connectors) / sizeof(connectors[0]))

static const char *const strategies[] = {
	"Conversion", "Fusion", "Isolation", "Preservation"
};


const struct connector *
catalog_connector(const char *code)
{
	size_t	i;

	for (i = 0; i < NCONNECTORS; i++)
		if (strcmp(connectors[i].code, code) == 0)
			return &connectors[i];
	return NULL;
}

static const char *
strategy_lookup(const char *s)
{
	size_t	i;

	for (i = 0; i < sizeof(strategies) / sizeof(strategies[0]); i++)
		if (strcmp(strategies[i], s) == 0)
			return strategies[i];
	return NULL;
}

int
catalog_seterr(struct catalog_error *ce, const char *code, const char *fmt,
    ...)
{
	va_list	ap;

	ce->code = code;
	va_start(ap, fmt);
	vsnprintf(ce->message, sizeof(ce->message), fmt, ap);
	va_end(ap);
	return -1;
}

/*
 * A failed catalog write: logged here and reported to the client as
 * internal, or as the warehouse being unavailable (spec/postgresql.md
 * §5.3).
 */
static void
dberr(struct catalog *cat, struct catalog_error *ce, const char *what)
{
	if (cat->failed == CAT_DOWN) {
		catalog_seterr(ce, "ServiceUnavailable", "warehouse is "
		    "unavailable");
		return;
	}
	log_warnx("catalog: %s: %s", what, cat->store->err);
	catalog_seterr(ce, "InternalError", "catalog write failed: %s",
	    cat->store->err);
}

/*
 * Run the statement with its nparams text parameters (NULL for NULL);
 * 0, or -1 with the failure in cat->failed.
 */
int
catalog_exec(struct catalog *cat, enum cat_stmt which,
    const char *const *params, const char *what, struct catalog_error *ce)
{
	if ((cat->failed = cat->store->ops->exec(cat->store, which,
	    params)) == 0)
		return 0;
	dberr(cat, ce, what);
	return -1;
}

static int
db_exec(struct catalog *cat, enum cat_stmt which, int nparams, ...)
{
	const char	*params[8];
	va_list		 ap;
	int		 i;

	va_start(ap, nparams);
	for (i = 0; i < nparams; i++)
		params[i] = va_arg(ap, const char *);
	va_end(ap);
	if ((cat->failed = cat->store->ops->exec(cat->store, which,
	    params)) != 0)
		return -1;
	return 0;
}

static int	catalog_load(struct catalog *);
static void	catalog_save(struct catalog *);

const char *
catalog_intarg(char buf[32], int64_t n)
{
	snprintf(buf, 32, "%lld", (long long)n);
	return buf;
}

static json_t *
json_time(int64_t ms)
{
	char	buf[TIMESTAMP_BUFSZ];

	if (ms == 0)
		return json_null();
	return json_string(timestamp_format(ms, buf));
}

static json_t *
key_json(const struct key *k)
{
	return json_pack("{s:s,s:o,s:o}", "key", k->key, "createdAt",
	    json_time(k->created_at), "lastUsedAt",
	    json_time(atomic_load(&k->usage->last_used)));
}

static json_t *
pipeline_json(const struct pipeline *p)
{
	json_t	*o = json_object();
	char	*desc;

	if (p->dest != NULL)
		xasprintf(&desc, "Send events from %s to %s",
		    p->source->connector->label, p->dest->d.name);
	else
		xasprintf(&desc, "Import events from %s into the data "
		    "warehouse", p->source->connector->label);
	json_object_set_new(o, "id", json_string(p->id));
	json_object_set_new(o, "name", json_string(p->name));
	json_object_set_new(o, "source", json_string(p->source->id));
	json_object_set_new(o, "kind", json_string(p->dest != NULL ?
	    "Send events" : "Import events into warehouse"));
	json_object_set_new(o, "description", json_string(desc));
	json_object_set_new(o, "enabled", json_boolean(p->enabled));
	json_object_set_new(o, "filter",
	    p->filter ? json_incref(p->filter) : json_null());
	json_object_set_new(o, "filterText",
	    p->filter_text ? json_string(p->filter_text) : json_null());
	json_object_set_new(o, "requiredConsents",
	    consents_to_json(&p->consents));
	json_object_set_new(o, "createdAt", json_time(p->created_at));
	json_object_set_new(o, "destination", p->dest != NULL ?
	    json_string(p->dest->d.id) : json_null());
	free(desc);
	return o;
}

static json_t *
source_json(const struct catalog *cat, const struct source *s)
{
	json_t			*o = json_object(), *keys, *pipes;
	const struct key	*k;
	const struct pipeline	*p;

	keys = json_array();
	TAILQ_FOREACH(k, &s->keys, entry)
		json_array_append_new(keys, json_string(k->key));
	pipes = json_array();
	TAILQ_FOREACH(p, &s->pipelines, entry)
		json_array_append_new(pipes, pipeline_json(p));
	json_object_set_new(o, "id", json_string(s->id));
	json_object_set_new(o, "name", json_string(s->name));
	json_object_set_new(o, "connector", json_string(s->connector->code));
	json_object_set_new(o, "connectorLabel",
	    json_string(s->connector->label));
	json_object_set_new(o, "strategy",
	    s->strategy ? json_string(s->strategy) : json_null());
	json_object_set_new(o, "writeKeys", keys);
	json_object_set_new(o, "endpoint", json_string(cat->endpoint));
	json_object_set_new(o, "createdAt", json_time(s->created_at));
	json_object_set_new(o, "pipelines", pipes);
	return o;
}

/* Build and publish the snapshot of the current catalog. */
void
catalog_publish(struct catalog *cat)
{
	struct snapshot		*snap;
	struct snap_source	*ss;
	struct source		*s;
	struct key		*k;
	struct pipeline		*p;
	size_t			 nsources = 0, nkeys = 0, i, j;
	char			 err[FILTER_ERRSZ];

	TAILQ_FOREACH(s, &cat->sources, entry) {
		nsources++;
		nkeys += s->nkeys;
	}
	snap = snapshot_new(nsources, nkeys);
	snap->unknown = cat->unknown;
	catalog_dest_publish(cat, snap);
	i = 0;
	TAILQ_FOREACH(s, &cat->sources, entry) {
		ss = &snap->sources[i++];
		memcpy(ss->id, s->id, sizeof(ss->id));
		ss->connector = s->connector->code;
		ss->strategy = s->strategy;
		ss->ip_fallback = s->connector->ip_fallback;
		ss->counters = src_counters_ref(s->counters);
		TAILQ_FOREACH(p, &s->pipelines, entry)
			ss->npipelines++;
		ss->pipelines = xcalloc(ss->npipelines,
		    sizeof(*ss->pipelines));
		j = 0;
		TAILQ_FOREACH(p, &s->pipelines, entry) {
			memcpy(ss->pipelines[j].id, p->id, sizeof(p->id));
			ss->pipelines[j].name = xstrdup(p->name);
			ss->pipelines[j].enabled = p->enabled;
			ss->pipelines[j].counters = pipe_counters_ref(p->counters);
			if (p->dest != NULL)
				ss->pipelines[j].destination =
				    &snap->destinations[p->dest->index];
			consents_copy(&ss->pipelines[j].consents, &p->consents);
			/* Filters are compiled here, once per snapshot. */
			if (p->filter != NULL && filter_from_json(p->filter,
			    &ss->pipelines[j].filter, err, sizeof(err)) == -1)
				fatalx("catalog: pipeline %s: stored filter is "
				    "not valid: %s", p->id, err);
			j++;
		}
		TAILQ_FOREACH(k, &s->keys, entry)
			snapshot_add_key(snap, k->key, ss, k->usage);
	}
	snap->nsources = nsources;
	snapshot_publish(snap);
}

/*
 * Begin a change: the store's transaction, within which the catalog in
 * memory is the stored one (another node's change is read first), so
 * that the rules checked in memory hold for what is stored.
 */
int
catalog_change_begin(struct catalog *cat, struct catalog_error *ce)
{
	int64_t	version;

	if ((cat->failed = cat->store->ops->begin(cat->store, 1,
	    &version)) != 0) {
		dberr(cat, ce, "begin");
		/*
		 * A begin that failed after its BEGIN (the version's row
		 * lock timed out) leaves a failed transaction open: end it,
		 * or every later statement on the connection fails.
		 */
		cat->store->ops->rollback(cat->store);
		return -1;
	}
	if (version != cat->version &&
	    (cat->failed = catalog_load(cat)) != 0) {
		dberr(cat, ce, "load");
		cat->store->ops->rollback(cat->store);
		return -1;
	}
	return 0;
}

/*
 * End the change that made o (NULL when it failed): commit it and publish
 * the catalog, or roll it back.  A failed commit reads the catalog back
 * from the store, since memory holds what was not stored.
 */
json_t *
catalog_change_end(struct catalog *cat, json_t *o, struct catalog_error *ce)
{
	int64_t	version;

	if (o == NULL) {
		cat->store->ops->rollback(cat->store);
		return NULL;
	}
	if ((cat->failed = cat->store->ops->commit(cat->store, 1,
	    &version)) != 0) {
		dberr(cat, ce, "commit");
		cat->store->ops->rollback(cat->store);
		json_decref(o);
		/*
		 * Memory holds a change that was not stored; when it cannot
		 * be read back now, no version matches it, so the next
		 * change or notification reads the catalog again first.
		 */
		if (catalog_load(cat) != 0)
			cat->version = -1;
		return NULL;
	}
	cat->version = version;
	catalog_publish(cat);
	catalog_save(cat);
	return o;
}

void
catalog_pipeline_free(struct pipeline *p)
{
	pipe_counters_unref(p->counters);
	json_decref(p->filter);
	free(p->filter_text);
	consents_release(&p->consents);
	free(p->name);
	free(p);
}

static void
source_free(struct source *s)
{
	struct key	*k;
	struct pipeline	*p;

	while ((k = TAILQ_FIRST(&s->keys)) != NULL) {
		TAILQ_REMOVE(&s->keys, k, entry);
		key_usage_unref(k->usage);
		free(k);
	}
	while ((p = TAILQ_FIRST(&s->pipelines)) != NULL) {
		TAILQ_REMOVE(&s->pipelines, p, entry);
		catalog_pipeline_free(p);
	}
	src_counters_unref(s->counters);
	free(s->name);
	free(s);
}

/* The text stored in the catalog for a JSON value, or NULL. */
static char *
json_text(const json_t *j)
{
	return j ? json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
}

static struct source *
source_new(void)
{
	struct source	*s = xcalloc(1, sizeof(*s));

	TAILQ_INIT(&s->keys);
	TAILQ_INIT(&s->pipelines);
	s->counters = src_counters_new();
	return s;
}

/* Insert the row of k, a key of s; 0 or -1. */
static int
key_store(struct catalog *cat, const struct source *s, const struct key *k)
{
	int64_t	used = atomic_load(&k->usage->last_used);
	char	b1[32], b2[32];

	return db_exec(cat, CAT_KEY_INSERT, 4,
	    k->key, s->id, catalog_intarg(b1, k->created_at),
	    used != 0 ? catalog_intarg(b2, used) : NULL);
}

/* Insert the row of p; 0 or -1. */
static int
pipeline_store(struct catalog *cat, const struct pipeline *p)
{
	json_t	*cjson = consents_to_json(&p->consents);
	char	 b1[32], b2[32], *fstr, *cstr;
	int	 rc;

	fstr = json_text(p->filter);
	cstr = json_text(cjson);
	json_decref(cjson);
	rc = db_exec(cat, CAT_PIPELINE_INSERT, 8, p->id, p->source->id,
	    p->name, catalog_intarg(b1, p->enabled), fstr, cstr,
	    catalog_intarg(b2, p->created_at), p->dest ? p->dest->d.id : NULL);
	free(fstr);
	free(cstr);
	return rc;
}

/* Insert the rows of s, its keys and its pipelines; 0 or -1. */
static int
source_store(struct catalog *cat, const struct source *s)
{
	const struct key	*k;
	const struct pipeline	*p;
	char			 b[32];

	if (db_exec(cat, CAT_SOURCE_INSERT, 5,
	    s->id, s->name, s->connector->code, s->strategy,
	    catalog_intarg(b, s->created_at)) == -1)
		return -1;
	TAILQ_FOREACH(k, &s->keys, entry)
		if (key_store(cat, s, k) == -1)
			return -1;
	TAILQ_FOREACH(p, &s->pipelines, entry)
		if (pipeline_store(cat, p) == -1)
			return -1;
	return 0;
}

static struct source *
source_find(struct catalog *cat, const char *arg)
{
	struct source	*s;

	TAILQ_FOREACH(s, &cat->sources, entry)
		if (strcmp(s->id, arg) == 0)
			return s;
	TAILQ_FOREACH(s, &cat->sources, entry)
		if (strcmp(s->name, arg) == 0)
			return s;
	return NULL;
}

/* Resolve a source argument (§2.3), or set NotFound. */
static struct source *
source_resolve(struct catalog *cat, const char *arg, struct catalog_error *ce)
{
	struct source	*s;

	if ((s = source_find(cat, arg)) == NULL)
		catalog_seterr(ce, "NotFound", "source \"%s\" does not exist",
		    arg);
	return s;
}

/* Resolve a pipeline argument (§4.4). */
static struct pipeline *
pipeline_resolve(struct catalog *cat, const char *arg,
    struct catalog_error *ce)
{
	struct source	*s;
	struct pipeline	*p, *found = NULL;
	int		 n = 0;

	TAILQ_FOREACH(s, &cat->sources, entry)
		TAILQ_FOREACH(p, &s->pipelines, entry)
			if (strcmp(p->id, arg) == 0)
				return p;
	TAILQ_FOREACH(s, &cat->sources, entry)
		TAILQ_FOREACH(p, &s->pipelines, entry)
			if (strcmp(p->name, arg) == 0) {
				found = p;
				n++;
			}
	if (n == 1)
		return found;
	if (n == 0)
		catalog_seterr(ce, "NotFound", "pipeline \"%s\" does not exist",
		    arg);
	else
		catalog_seterr(ce, "BadRequest", "pipeline name \"%s\" is "
		    "ambiguous; use the pipeline id", arg);
	return NULL;
}

void
catalog_new_id(struct catalog *cat, char id[IDS_ID_LEN + 1])
{
	struct catalog_error	ce;

	do {
		ids_new_id(id);
	} while (source_find(cat, id) != NULL ||
	    pipeline_resolve(cat, id, &ce) != NULL ||
	    catalog_dest_find(&cat->dests, id) != NULL);
}

static int
key_exists(struct catalog *cat, const char *key)
{
	struct source	*s;
	struct key	*k;

	TAILQ_FOREACH(s, &cat->sources, entry)
		TAILQ_FOREACH(k, &s->keys, entry)
			if (strcmp(k->key, key) == 0)
				return 1;
	return 0;
}

static struct key *
key_new(struct catalog *cat, int64_t now)
{
	struct key	*k = xcalloc(1, sizeof(*k));

	do {
		ids_new_key(k->key);
	} while (key_exists(cat, k->key));
	k->created_at = now;
	k->usage = key_usage_new(0);
	return k;
}

/* Check a name; the message of §2.3 into ce. */
static int
name_ok(const char *name, size_t len, size_t max, struct catalog_error *ce)
{
	char		 buf[64];
	const char	*msg;

	if ((msg = names_check(name, len, max, buf, sizeof(buf))) != NULL) {
		catalog_seterr(ce, "BadRequest", "%s", msg);
		return 0;
	}
	return 1;
}

static int
source_name_free(struct source_list *list, const char *name,
    const struct source *self, struct catalog_error *ce)
{
	struct source	*s;

	TAILQ_FOREACH(s, list, entry)
		if (s != self && strcmp(s->name, name) == 0) {
			catalog_seterr(ce, "Conflict", "a source named \"%s\" "
			    "already exists", name);
			return 0;
		}
	return 1;
}

static json_t *
source_add(struct catalog *cat, const char *name, size_t len,
    const char *connector, const char *strategy, struct catalog_error *ce)
{
	const struct connector	*c;
	struct source		*s;
	struct key		*k;
	int64_t			 now;

	if (!name_ok(name, len, NAMES_SOURCE_MAX, ce))
		return NULL;
	if (connector == NULL)
		connector = "segment";
	if ((c = catalog_connector(connector)) == NULL) {
		catalog_seterr(ce, "BadRequest", "connector \"%s\" does not "
		    "exist; use one of segment, webhook, javascript, android, "
		    "ios, dotnet, go, java, nodejs, python", connector);
		return NULL;
	}
	if (strategy != NULL && strategy_lookup(strategy) == NULL) {
		catalog_seterr(ce, "BadRequest", "strategy \"%s\" is not "
		    "valid; use one of Conversion, Fusion, Isolation, "
		    "Preservation", strategy);
		return NULL;
	}
	if (strategy != NULL && !c->has_strategy) {
		catalog_seterr(ce, "BadRequest", "connector \"%s\" does not "
		    "support strategies", connector);
		return NULL;
	}
	if (!source_name_free(&cat->sources, name, NULL, ce))
		return NULL;

	now = timestamp_now();
	s = source_new();
	catalog_new_id(cat, s->id);
	s->name = xstrdup(name);
	s->connector = c;
	if (c->has_strategy)
		s->strategy = strategy_lookup(strategy ? strategy :
		    "Conversion");
	s->created_at = now;
	k = key_new(cat, now);
	TAILQ_INSERT_TAIL(&s->keys, k, entry);
	s->nkeys = 1;
	if (source_store(cat, s) == -1) {
		dberr(cat, ce, "source add");
		source_free(s);
		return NULL;
	}
	TAILQ_INSERT_TAIL(&cat->sources, s, entry);
	log_info("catalog: source %s \"%s\" added", s->id, s->name);
	return source_json(cat, s);
}

json_t *
catalog_source_add(struct catalog *cat, const char *name, size_t len,
    const char *connector, const char *strategy, struct catalog_error *ce)
{
	if (catalog_change_begin(cat, ce) == -1)
		return NULL;
	return catalog_change_end(cat, source_add(cat, name, len, connector,
	    strategy, ce), ce);
}

const char *
catalog_source_id(struct catalog *cat, const char *arg,
    struct catalog_error *ce)
{
	struct source	*s;

	if ((s = source_resolve(cat, arg, ce)) == NULL)
		return NULL;
	return s->id;
}

json_t *
catalog_source_list(struct catalog *cat)
{
	json_t		*a = json_array();
	struct source	*s;

	TAILQ_FOREACH(s, &cat->sources, entry)
		json_array_append_new(a, source_json(cat, s));
	return a;
}

json_t *
catalog_source_show(struct catalog *cat, const char *arg,
    struct catalog_error *ce)
{
	struct source	*s;

	if ((s = source_resolve(cat, arg, ce)) == NULL)
		return NULL;
	return source_json(cat, s);
}

static json_t *
source_rename(struct catalog *cat, const char *arg, const char *name,
    size_t len, struct catalog_error *ce)
{
	struct source	*s;

	if ((s = source_resolve(cat, arg, ce)) == NULL)
		return NULL;
	if (!name_ok(name, len, NAMES_SOURCE_MAX, ce) ||
	    !source_name_free(&cat->sources, name, s, ce))
		return NULL;
	if (db_exec(cat, CAT_SOURCE_RENAME, 2,
	    name, s->id) == -1) {
		dberr(cat, ce, "source rename");
		return NULL;
	}
	free(s->name);
	s->name = xstrdup(name);
	return source_json(cat, s);
}

json_t *
catalog_source_rename(struct catalog *cat, const char *arg, const char *name,
    size_t len, struct catalog_error *ce)
{
	if (catalog_change_begin(cat, ce) == -1)
		return NULL;
	return catalog_change_end(cat, source_rename(cat, arg, name, len, ce),
	    ce);
}

static json_t *
source_rm(struct catalog *cat, const char *arg,
    struct catalog_error *ce)
{
	struct source	*s;
	json_t		*o;

	if ((s = source_resolve(cat, arg, ce)) == NULL)
		return NULL;
	if (db_exec(cat, CAT_SOURCE_DELETE, 1, s->id) == -1) {
		dberr(cat, ce, "source rm");
		return NULL;
	}
	o = source_json(cat, s);
	TAILQ_REMOVE(&cat->sources, s, entry);
	debugger_forget(s->id, s->name);
	log_info("catalog: source %s \"%s\" removed", s->id, s->name);
	source_free(s);
	return o;
}

json_t *
catalog_source_rm(struct catalog *cat, const char *arg,
    struct catalog_error *ce)
{
	if (catalog_change_begin(cat, ce) == -1)
		return NULL;
	return catalog_change_end(cat, source_rm(cat, arg, ce), ce);
}

json_t *
catalog_key_list(struct catalog *cat, const char *arg,
    struct catalog_error *ce)
{
	struct source	*s;
	struct key	*k;
	json_t		*a;

	if ((s = source_resolve(cat, arg, ce)) == NULL)
		return NULL;
	a = json_array();
	TAILQ_FOREACH(k, &s->keys, entry)
		json_array_append_new(a, key_json(k));
	return a;
}

static json_t *
key_add(struct catalog *cat, const char *arg,
    struct catalog_error *ce)
{
	struct source	*s;
	struct key	*k;

	if ((s = source_resolve(cat, arg, ce)) == NULL)
		return NULL;
	if (s->nkeys >= MAX_KEYS) {
		catalog_seterr(ce, "TooManyEventWriteKeys", "source \"%s\" "
		    "already has %d event write keys", s->id, MAX_KEYS);
		return NULL;
	}
	k = key_new(cat, timestamp_now());
	if (key_store(cat, s, k) == -1) {
		dberr(cat, ce, "key add");
		key_usage_unref(k->usage);
		free(k);
		return NULL;
	}
	TAILQ_INSERT_TAIL(&s->keys, k, entry);
	s->nkeys++;
	return json_pack("{s:s}", "key", k->key);
}

json_t *
catalog_key_add(struct catalog *cat, const char *arg,
    struct catalog_error *ce)
{
	if (catalog_change_begin(cat, ce) == -1)
		return NULL;
	return catalog_change_end(cat, key_add(cat, arg, ce), ce);
}

static json_t *
key_rm(struct catalog *cat, const char *arg, const char *key,
    struct catalog_error *ce)
{
	struct source	*s;
	struct key	*k;

	if ((s = source_resolve(cat, arg, ce)) == NULL)
		return NULL;
	TAILQ_FOREACH(k, &s->keys, entry)
		if (strcmp(k->key, key) == 0)
			break;
	if (k == NULL) {
		catalog_seterr(ce, "NotFound", "event write key \"%s\" does "
		    "not exist for source \"%s\"", key, s->id);
		return NULL;
	}
	if (s->nkeys == 1) {
		catalog_seterr(ce, "SingleEventWriteKey", "key cannot be "
		    "deleted as it is the source's only key");
		return NULL;
	}
	if (db_exec(cat, CAT_KEY_DELETE, 1,
	    k->key) == -1) {
		dberr(cat, ce, "key rm");
		return NULL;
	}
	TAILQ_REMOVE(&s->keys, k, entry);
	s->nkeys--;
	key_usage_unref(k->usage);
	free(k);
	return json_pack("{s:s}", "key", key);
}

json_t *
catalog_key_rm(struct catalog *cat, const char *arg, const char *key,
    struct catalog_error *ce)
{
	if (catalog_change_begin(cat, ce) == -1)
		return NULL;
	return catalog_change_end(cat, key_rm(cat, arg, key, ce), ce);
}

/*
 * Compile a filter argument: text (a JSON string, where text is set), the
 * JSON form (an object) or none (null).  Set *fjson and *ftext to the
 * canonical forms (NULL for none); -1 with the error of
 * spec/pipelines.md §4.4.
 */
static int
filter_arg(const json_t *arg, int text, json_t **fjson, char **ftext,
    struct catalog_error *ce)
{
	struct filter	*f = NULL;
	char		 err[FILTER_ERRSZ];

	*fjson = NULL;
	*ftext = NULL;
	if (arg == NULL || json_is_null(arg))
		return 0;
	if (text && json_is_string(arg)) {
		if ((f = filter_parse(json_string_value(arg),
		    json_string_length(arg), err, sizeof(err))) == NULL) {
			catalog_seterr(ce, "BadRequest", "filter is not valid: "
			    "%s", err);
			return -1;
		}
	} else if (filter_from_json(arg, &f, err, sizeof(err)) == -1) {
		catalog_seterr(ce, "BadRequest", "filter is not valid: %s",
		    err);
		return -1;
	}
	if (f == NULL)
		return 0;
	*fjson = filter_to_json(f);
	*ftext = filter_to_text(f);
	filter_free(f);
	return 0;
}

/* Read a consents argument; NULL or null is no requirement. */
static int
consents_arg(const json_t *arg, struct consents *c, struct catalog_error *ce)
{
	char	err[1024];

	if (arg == NULL || json_is_null(arg)) {
		consents_init(c);
		return 0;
	}
	if (consents_from_json(arg, c, err, sizeof(err)) == -1) {
		catalog_seterr(ce, "BadRequest", "%s", err);
		return -1;
	}
	return 0;
}

static json_t *
pipeline_add(struct catalog *cat, const char *arg, const char *name,
    size_t len, int enabled, const json_t *filter, const json_t *consents,
    const char *destination, struct catalog_error *ce)
{
	struct source	*s;
	struct pipeline	*p;
	struct cat_dest	*d = NULL;
	struct consents	 c;
	json_t		*fjson;
	char		*ftext;

	if ((s = source_resolve(cat, arg, ce)) == NULL)
		return NULL;
	if (!name_ok(name, len, NAMES_PIPELINE_MAX, ce))
		return NULL;
	if (destination != NULL &&
	    (d = catalog_dest_resolve(cat, destination, ce)) == NULL)
		return NULL;
	if (filter_arg(filter, 1, &fjson, &ftext, ce) == -1)
		return NULL;
	if (consents_arg(consents, &c, ce) == -1) {
		json_decref(fjson);
		free(ftext);
		return NULL;
	}
	p = xcalloc(1, sizeof(*p));
	p->counters = pipe_counters_new();
	catalog_new_id(cat, p->id);
	p->source = s;
	p->name = xstrdup(name);
	p->enabled = enabled;
	p->created_at = timestamp_now();
	p->filter = fjson;
	p->filter_text = ftext;
	p->consents = c;
	p->dest = d;
	if (pipeline_store(cat, p) == -1) {
		dberr(cat, ce, "pipeline add");
		catalog_pipeline_free(p);
		return NULL;
	}
	TAILQ_INSERT_TAIL(&s->pipelines, p, entry);
	log_info("catalog: pipeline %s \"%s\" added to source %s", p->id,
	    p->name, s->id);
	return pipeline_json(p);
}

json_t *
catalog_pipeline_add(struct catalog *cat, const char *arg, const char *name,
    size_t len, int enabled, const json_t *filter, const json_t *consents,
    const char *destination, struct catalog_error *ce)
{
	if (catalog_change_begin(cat, ce) == -1)
		return NULL;
	return catalog_change_end(cat, pipeline_add(cat, arg, name, len,
	    enabled, filter, consents, destination, ce), ce);
}

json_t *
catalog_pipeline_list(struct catalog *cat, const char *arg,
    struct catalog_error *ce)
{
	struct source	*s, *only = NULL;
	struct pipeline	*p;
	json_t		*a;

	if (arg != NULL && (only = source_resolve(cat, arg, ce)) == NULL)
		return NULL;
	a = json_array();
	TAILQ_FOREACH(s, &cat->sources, entry) {
		if (only != NULL && s != only)
			continue;
		TAILQ_FOREACH(p, &s->pipelines, entry)
			json_array_append_new(a, pipeline_json(p));
	}
	return a;
}

json_t *
catalog_pipeline_show(struct catalog *cat, const char *arg,
    struct catalog_error *ce)
{
	struct pipeline	*p;

	if ((p = pipeline_resolve(cat, arg, ce)) == NULL)
		return NULL;
	return pipeline_json(p);
}

static json_t *
pipeline_set(struct catalog *cat, const char *arg, const char *name,
    size_t len, int set_filter, const json_t *filter, int set_consents,
    const json_t *consents, const char *destination,
    struct catalog_error *ce)
{
	struct pipeline	*p;
	struct cat_dest	*d;
	struct consents	 c;
	json_t		*fjson = NULL, *cjson;
	char		*ftext = NULL, *fstr, *cstr;
	int		 rc;

	if ((p = pipeline_resolve(cat, arg, ce)) == NULL)
		return NULL;
	/* Everything is checked before anything changes. */
	if (name != NULL && !name_ok(name, len, NAMES_PIPELINE_MAX, ce))
		return NULL;
	d = p->dest;
	if (destination != NULL && d == NULL) {
		catalog_seterr(ce, "BadRequest", "pipeline \"%s\" is not a "
		    "send pipeline; only a send pipeline has a destination",
		    p->id);
		return NULL;
	}
	if (destination != NULL &&
	    (d = catalog_dest_resolve(cat, destination, ce)) == NULL)
		return NULL;
	if (set_filter && filter_arg(filter, 1, &fjson, &ftext, ce) == -1)
		return NULL;
	consents_init(&c);
	if (set_consents && consents_arg(consents, &c, ce) == -1) {
		json_decref(fjson);
		free(ftext);
		return NULL;
	}
	fstr = json_text(set_filter ? fjson : p->filter);
	cjson = consents_to_json(set_consents ? &c : &p->consents);
	cstr = json_text(cjson);
	json_decref(cjson);
	rc = db_exec(cat, CAT_PIPELINE_SET, 5, name ? name : p->name, fstr,
	    cstr, d ? d->d.id : NULL, p->id);
	free(fstr);
	free(cstr);
	if (rc == -1) {
		dberr(cat, ce, "pipeline set");
		json_decref(fjson);
		free(ftext);
		consents_release(&c);
		return NULL;
	}
	if (name != NULL) {
		free(p->name);
		p->name = xstrdup(name);
	}
	if (set_filter) {
		json_decref(p->filter);
		free(p->filter_text);
		p->filter = fjson;
		p->filter_text = ftext;
	}
	if (set_consents) {
		consents_release(&p->consents);
		p->consents = c;
	}
	p->dest = d;
	return pipeline_json(p);
}

json_t *
catalog_pipeline_set(struct catalog *cat, const char *arg, const char *name,
    size_t len, int set_filter, const json_t *filter, int set_consents,
    const json_t *consents, const char *destination,
    struct catalog_error *ce)
{
	if (catalog_change_begin(cat, ce) == -1)
		return NULL;
	return catalog_change_end(cat, pipeline_set(cat, arg, name, len,
	    set_filter, filter, set_consents, consents, destination, ce), ce);
}

static json_t *
pipeline_enable(struct catalog *cat, const char *arg, int enabled,
    struct catalog_error *ce)
{
	struct pipeline	*p;
	char		 b[32];

	if ((p = pipeline_resolve(cat, arg, ce)) == NULL)
		return NULL;
	if (p->enabled != enabled) {
		if (db_exec(cat, CAT_PIPELINE_ENABLE, 2,
		    catalog_intarg(b, enabled), p->id) == -1) {
			dberr(cat, ce, "pipeline enable");
			return NULL;
		}
		p->enabled = enabled;
	}
	return pipeline_json(p);
}

json_t *
catalog_pipeline_enable(struct catalog *cat, const char *arg, int enabled,
    struct catalog_error *ce)
{
	if (catalog_change_begin(cat, ce) == -1)
		return NULL;
	return catalog_change_end(cat, pipeline_enable(cat, arg, enabled, ce),
	    ce);
}

static json_t *
pipeline_rm(struct catalog *cat, const char *arg,
    struct catalog_error *ce)
{
	struct pipeline	*p;
	json_t		*o;

	if ((p = pipeline_resolve(cat, arg, ce)) == NULL)
		return NULL;
	if (db_exec(cat, CAT_PIPELINE_DELETE, 1, p->id) == -1) {
		dberr(cat, ce, "pipeline rm");
		return NULL;
	}
	o = pipeline_json(p);
	TAILQ_REMOVE(&p->source->pipelines, p, entry);
	catalog_pipeline_free(p);
	return o;
}

json_t *
catalog_pipeline_rm(struct catalog *cat, const char *arg,
    struct catalog_error *ce)
{
	if (catalog_change_begin(cat, ce) == -1)
		return NULL;
	return catalog_change_end(cat, pipeline_rm(cat, arg, ce), ce);
}

/*
 * The whole catalog as one document (spec/postgresql.md §7): sources with
 * their keys as key objects and their pipelines, and, when there are
 * any, every destination, secrets in clear (an import must be able to
 * send as before).  The catalog's cache is this document too.
 */
json_t *
catalog_export(struct catalog *cat, struct catalog_error *ce)
{
	char		 buf[TIMESTAMP_BUFSZ];
	struct source	*s;
	struct key	*k;
	json_t		*a, *o, *keys, *doc;

	/* An empty export would read as a catalog of no sources. */
	if (cat->unknown) {
		catalog_seterr(ce, "ServiceUnavailable", "warehouse is "
		    "unavailable: the catalog is not known until it is back");
		return NULL;
	}
	a = json_array();
	TAILQ_FOREACH(s, &cat->sources, entry) {
		o = source_json(cat, s);
		keys = json_array();
		TAILQ_FOREACH(k, &s->keys, entry)
			json_array_append_new(keys, key_json(k));
		json_object_set_new(o, "writeKeys", keys);
		json_array_append_new(a, o);
	}
	doc = json_pack("{s:s,s:i,s:s,s:o}", "format", "krenalis-catalog",
	    "version", 1, "exportedAt", timestamp_format(timestamp_now(), buf),
	    "sources", a);
	if (!TAILQ_EMPTY(&cat->dests))
		json_object_set_new(doc, "destinations",
		    catalog_dests_export(cat));
	return doc;
}

/*
 * An imported document that is not valid: its BadRequest names where,
 * before the message already in ce.
 */
static int
doc_invalid(struct catalog_error *ce, const char *where)
{
	char	msg[sizeof(ce->message)];

	memcpy(msg, ce->message, sizeof(msg));
	catalog_seterr(ce, "BadRequest", "catalog is not valid: %s: %s", where,
	    msg);
	return -1;
}

/*
 * The member whose string value, in v or below it, holds a NUL byte,
 * which would read as its end; NULL when none does.  member names v.
 * Names and filters are left to their own checks, which say so.
 */
static const char *
doc_nul(const json_t *v, const char *member)
{
	const json_t	*e;
	const char	*key, *found;
	size_t		 i;

	if (member != NULL && (strcmp(member, "name") == 0 ||
	    strcmp(member, "filter") == 0))
		return NULL;
	if (json_is_string(v))
		return strlen(json_string_value(v)) != json_string_length(v) ?
		    member : NULL;
	if (json_is_array(v)) {
		json_array_foreach(v, i, e)
			if ((found = doc_nul(e, member)) != NULL)
				return found;
	} else if (json_is_object(v)) {
		json_object_foreach((json_t *)(uintptr_t)v, key, e)
			if ((found = doc_nul(e, key)) != NULL)
				return found;
	}
	return NULL;
}

/* The string member name of o, or NULL with the message in ce. */
static const char *
doc_string(const json_t *o, const char *name, struct catalog_error *ce)
{
	const json_t	*v = json_object_get(o, name);

	if (!json_is_string(v)) {
		catalog_seterr(ce, "BadRequest", "\"%s\" must be a string",
		    name);
		return NULL;
	}
	return json_string_value(v);
}

/* The time member name of o, 0 for null when nullable; -1 if not valid. */
static int
doc_time(const json_t *o, const char *name, int nullable, int64_t *ms,
    struct catalog_error *ce)
{
	const json_t	*v = json_object_get(o, name);

	*ms = 0;
	if (nullable && json_is_null(v))
		return 0;
	if (!json_is_string(v) || timestamp_parse(json_string_value(v),
	    json_string_length(v), ms) != TIMESTAMP_OK || *ms <= 0) {
		catalog_seterr(ce, "BadRequest", "\"%s\" must be a timestamp%s",
		    name, nullable ? " or null" : "");
		return -1;
	}
	return 0;
}

/* What a document imports, checked against the catalog and itself. */
struct import {
	struct source_list	 sources;
	struct dest_list	 dests;
};

/*
 * Whether id is taken, as a source's, a pipeline's or a destination's,
 * in the catalog or among what was imported before it.
 */
static int
id_taken(struct catalog *cat, struct import *im, const char *id)
{
	struct source_list	*lists[] = { &cat->sources, &im->sources };
	struct source		*s;
	struct pipeline		*p;
	size_t			 i;

	if (catalog_dest_find(&cat->dests, id) != NULL ||
	    catalog_dest_find(&im->dests, id) != NULL)
		return 1;
	for (i = 0; i < 2; i++)
		TAILQ_FOREACH(s, lists[i], entry) {
			if (strcmp(s->id, id) == 0)
				return 1;
			TAILQ_FOREACH(p, &s->pipelines, entry)
				if (strcmp(p->id, id) == 0)
					return 1;
		}
	return 0;
}

/* The source that has key, in the catalog or imported, or NULL. */
static struct source *
key_owner(struct catalog *cat, struct import *im, const char *key)
{
	struct source_list	*lists[] = { &cat->sources, &im->sources };
	struct source		*s;
	struct key		*k;
	size_t			 i;

	for (i = 0; i < 2; i++)
		TAILQ_FOREACH(s, lists[i], entry)
			TAILQ_FOREACH(k, &s->keys, entry)
				if (strcmp(k->key, key) == 0)
					return s;
	return NULL;
}

/*
 * Import the key object o into s, named by where in errors; -1 with the
 * error in ce.
 */
static int
import_key(struct catalog *cat, struct import *im, struct source *s,
    const json_t *o, const char *where, struct catalog_error *ce)
{
	struct source	*owner;
	struct key	*k;
	const char	*key;
	int64_t		 created, used;

	if ((key = doc_string(o, "key", ce)) == NULL)
		return doc_invalid(ce, where);
	if (!ids_is_key(key, strlen(key))) {
		catalog_seterr(ce, "BadRequest", "\"%s\" is not an event write "
		    "key", key);
		return doc_invalid(ce, where);
	}
	if ((owner = key_owner(cat, im, key)) != NULL) {
		catalog_seterr(ce, "Conflict", "event write key \"%s\" is "
		    "already used by source \"%s\"", key, owner->id);
		return -1;
	}
	if (doc_time(o, "createdAt", 0, &created, ce) == -1 ||
	    doc_time(o, "lastUsedAt", 1, &used, ce) == -1)
		return doc_invalid(ce, where);
	k = xcalloc(1, sizeof(*k));
	strlcpy(k->key, key, sizeof(k->key));
	k->created_at = created;
	k->usage = key_usage_new(used);
	TAILQ_INSERT_TAIL(&s->keys, k, entry);
	s->nkeys++;
	return 0;
}

/*
 * Import the pipeline object o into s, named by swhere in errors until
 * the pipeline's id is known; -1 with the error in ce.
 */
static int
import_pipeline(struct catalog *cat, struct import *im, struct source *s,
    const json_t *o, const char *swhere, struct catalog_error *ce)
{
	struct pipeline	*p;
	struct cat_dest	*d = NULL;
	const json_t	*en = json_object_get(o, "enabled");
	const json_t	*dest = json_object_get(o, "destination");
	const char	*id, *name;
	char		 where[64];

	if ((id = doc_string(o, "id", ce)) == NULL)
		return doc_invalid(ce, swhere);
	if (!ids_is_id(id)) {
		catalog_seterr(ce, "BadRequest", "\"%s\" is not a pipeline id",
		    id);
		return doc_invalid(ce, swhere);
	}
	if (id_taken(cat, im, id)) {
		catalog_seterr(ce, "Conflict", "pipeline \"%s\" already exists",
		    id);
		return -1;
	}
	snprintf(where, sizeof(where), "pipeline \"%s\"", id);
	if ((name = doc_string(o, "name", ce)) == NULL)
		return doc_invalid(ce, where);
	if (!json_is_boolean(en)) {
		catalog_seterr(ce, "BadRequest", "\"enabled\" must be true or "
		    "false");
		return doc_invalid(ce, where);
	}
	if (dest != NULL && !json_is_null(dest) && (!json_is_string(dest) ||
	    ((d = catalog_dest_find(&cat->dests, json_string_value(dest))) ==
	    NULL && (d = catalog_dest_find(&im->dests,
	    json_string_value(dest))) == NULL))) {
		catalog_seterr(ce, "BadRequest", "\"destination\" must be null "
		    "or the id of a destination");
		return doc_invalid(ce, where);
	}
	p = xcalloc(1, sizeof(*p));
	p->dest = d;
	p->counters = pipe_counters_new();
	strlcpy(p->id, id, sizeof(p->id));
	p->source = s;
	p->name = xstrdup(name);
	p->enabled = json_is_true(en);
	consents_init(&p->consents);
	TAILQ_INSERT_TAIL(&s->pipelines, p, entry);
	if (!name_ok(name, json_string_length(json_object_get(o, "name")),
	    NAMES_PIPELINE_MAX, ce) ||
	    doc_time(o, "createdAt", 0, &p->created_at, ce) == -1 ||
	    filter_arg(json_object_get(o, "filter"), 0, &p->filter,
	    &p->filter_text, ce) == -1 ||
	    consents_arg(json_object_get(o, "requiredConsents"), &p->consents,
	    ce) == -1)
		return doc_invalid(ce, where);
	return 0;
}

/*
 * Import the source object o, appended to imported as soon as it has an
 * id, so that what is checked after it sees it; -1 with the error in ce.
 */
static int
import_source(struct catalog *cat, struct import *im, const json_t *o,
    struct catalog_error *ce)
{
	const json_t	*keys, *pipes, *v, *strategy;
	struct source	*s;
	const char	*id, *name, *conn;
	char		 where[64];
	size_t		 i;

	if ((id = doc_string(o, "id", ce)) == NULL)
		return doc_invalid(ce, "source");
	if (!ids_is_id(id)) {
		catalog_seterr(ce, "BadRequest", "\"%s\" is not a source id",
		    id);
		return doc_invalid(ce, "source");
	}
	if (id_taken(cat, im, id)) {
		catalog_seterr(ce, "Conflict", "source \"%s\" already exists",
		    id);
		return -1;
	}
	snprintf(where, sizeof(where), "source \"%s\"", id);
	if ((name = doc_string(o, "name", ce)) == NULL ||
	    (conn = doc_string(o, "connector", ce)) == NULL)
		return doc_invalid(ce, where);
	if (!name_ok(name, json_string_length(json_object_get(o, "name")),
	    NAMES_SOURCE_MAX, ce))
		return doc_invalid(ce, where);
	if (!source_name_free(&cat->sources, name, NULL, ce) ||
	    !source_name_free(&im->sources, name, NULL, ce))
		return -1;
	s = source_new();
	strlcpy(s->id, id, sizeof(s->id));
	s->name = xstrdup(name);
	TAILQ_INSERT_TAIL(&im->sources, s, entry);
	if ((s->connector = catalog_connector(conn)) == NULL) {
		catalog_seterr(ce, "BadRequest", "connector \"%s\" does not "
		    "exist", conn);
		return doc_invalid(ce, where);
	}
	strategy = json_object_get(o, "strategy");
	if (s->connector->has_strategy && json_is_string(strategy))
		s->strategy = strategy_lookup(json_string_value(strategy));
	if (s->connector->has_strategy ? s->strategy == NULL :
	    !json_is_null(strategy)) {
		catalog_seterr(ce, "BadRequest", "\"strategy\" is not valid "
		    "for connector \"%s\"", conn);
		return doc_invalid(ce, where);
	}
	if (doc_time(o, "createdAt", 0, &s->created_at, ce) == -1)
		return doc_invalid(ce, where);
	keys = json_object_get(o, "writeKeys");
	pipes = json_object_get(o, "pipelines");
	if (!json_is_array(keys) || json_array_size(keys) < 1 ||
	    json_array_size(keys) > MAX_KEYS) {
		catalog_seterr(ce, "BadRequest", "\"writeKeys\" must be an "
		    "array of 1 to %d key objects", MAX_KEYS);
		return doc_invalid(ce, where);
	}
	if (!json_is_array(pipes)) {
		catalog_seterr(ce, "BadRequest", "\"pipelines\" must be an "
		    "array");
		return doc_invalid(ce, where);
	}
	json_array_foreach(keys, i, v)
		if (import_key(cat, im, s, v, where, ce) == -1)
			return -1;
	json_array_foreach(pipes, i, v)
		if (import_pipeline(cat, im, s, v, where, ce) == -1)
			return -1;
	return 0;
}

/* Free every source of list. */
static void
sources_free(struct source_list *list)
{
	struct source	*s;

	while ((s = TAILQ_FIRST(list)) != NULL) {
		TAILQ_REMOVE(list, s, entry);
		source_free(s);
	}
}

/*
 * Import the destination object o into im; -1 with the error in ce.  A
 * conflict with the catalog is not the document's fault.
 */
static int
import_dest(struct catalog *cat, struct import *im, const json_t *o,
    struct catalog_error *ce)
{
	struct cat_dest	*d;
	const char	*id;
	char		 where[64];
	int64_t		 created;

	if ((id = doc_string(o, "id", ce)) == NULL)
		return doc_invalid(ce, "destination");
	if (!ids_is_id(id)) {
		catalog_seterr(ce, "BadRequest", "\"%s\" is not a destination "
		    "id", id);
		return doc_invalid(ce, "destination");
	}
	if (id_taken(cat, im, id)) {
		catalog_seterr(ce, "Conflict", "destination \"%s\" already "
		    "exists", id);
		return -1;
	}
	snprintf(where, sizeof(where), "destination \"%s\"", id);
	if (doc_time(o, "createdAt", 0, &created, ce) == -1)
		return doc_invalid(ce, where);
	if ((d = catalog_dest_import(cat, &im->dests, o, ce)) == NULL)
		return strcmp(ce->code, "Conflict") == 0 ? -1 :
		    doc_invalid(ce, where);
	strlcpy(d->d.id, id, sizeof(d->d.id));
	d->d.created_at = created;
	TAILQ_INSERT_TAIL(&im->dests, d, entry);
	return 0;
}

/*
 * The destinations and sources of the catalog document doc, checked
 * against those of the catalog and each other, into im; -1 with the
 * error in ce, and nothing in im.  A send pipeline names a destination
 * of the document or of the catalog it is imported into.
 */
static int
doc_read(struct catalog *cat, const json_t *doc, struct import *im,
    struct catalog_error *ce)
{
	const json_t	*sources, *dests, *v;
	const char	*nul;
	size_t		 i;

	TAILQ_INIT(&im->sources);
	TAILQ_INIT(&im->dests);
	sources = json_object_get(doc, "sources");
	dests = json_object_get(doc, "destinations");
	if (!json_is_string(json_object_get(doc, "format")) ||
	    strcmp(json_string_value(json_object_get(doc, "format")),
	    "krenalis-catalog") != 0) {
		catalog_seterr(ce, "BadRequest", "catalog is not valid: "
		    "\"format\" must be \"krenalis-catalog\"");
		return -1;
	}
	if (json_integer_value(json_object_get(doc, "version")) != 1 ||
	    !json_is_integer(json_object_get(doc, "version"))) {
		catalog_seterr(ce, "BadRequest", "catalog is not valid: "
		    "\"version\" must be 1");
		return -1;
	}
	if (!json_is_array(sources)) {
		catalog_seterr(ce, "BadRequest", "catalog is not valid: "
		    "\"sources\" must be an array");
		return -1;
	}
	if ((nul = doc_nul(doc, NULL)) != NULL) {
		catalog_seterr(ce, "BadRequest", "catalog is not valid: \"%s\" "
		    "contains the NUL byte", nul);
		return -1;
	}
	if (dests != NULL && !json_is_array(dests)) {
		catalog_seterr(ce, "BadRequest", "catalog is not valid: "
		    "\"destinations\" must be an array");
		return -1;
	}
	json_array_foreach(dests, i, v)
		if (import_dest(cat, im, v, ce) == -1)
			goto fail;
	json_array_foreach(sources, i, v)
		if (import_source(cat, im, v, ce) == -1)
			goto fail;
	return 0;
fail:
	sources_free(&im->sources);
	catalog_dests_free(&im->dests);
	return -1;
}

static json_t *
import(struct catalog *cat, const json_t *doc, struct catalog_error *ce)
{
	struct import		 im;
	struct cat_dest		*d;
	struct source		*s;
	struct key		*k;
	struct pipeline		*p;
	json_t			*counts;
	size_t			 nsources = 0, nkeys = 0, npipes = 0;
	size_t			 ndests = 0;

	if (doc_read(cat, doc, &im, ce) == -1)
		return NULL;
	TAILQ_FOREACH(d, &im.dests, entry)
		if (catalog_dest_store(cat, &d->d, 0, ce) == -1)
			goto fail;
	TAILQ_FOREACH(s, &im.sources, entry)
		if (source_store(cat, s) == -1) {
			dberr(cat, ce, "catalog import");
			goto fail;
		}
	TAILQ_FOREACH(d, &im.dests, entry) {
		ndests++;
		log_info("catalog: destination %s \"%s\" imported", d->d.id,
		    d->d.name);
	}
	TAILQ_FOREACH(s, &im.sources, entry) {
		nsources++;
		TAILQ_FOREACH(k, &s->keys, entry)
			nkeys++;
		TAILQ_FOREACH(p, &s->pipelines, entry)
			npipes++;
		log_info("catalog: source %s \"%s\" imported", s->id, s->name);
	}
	TAILQ_CONCAT(&cat->dests, &im.dests, entry);
	TAILQ_CONCAT(&cat->sources, &im.sources, entry);
	counts = json_pack("{s:I,s:I,s:I}", "sources", (json_int_t)nsources,
	    "writeKeys", (json_int_t)nkeys, "pipelines", (json_int_t)npipes);
	if (ndests > 0)
		json_object_set_new(counts, "destinations",
		    json_integer((json_int_t)ndests));
	return counts;
fail:
	sources_free(&im.sources);
	catalog_dests_free(&im.dests);
	return NULL;
}

json_t *
catalog_import(struct catalog *cat, const json_t *doc,
    struct catalog_error *ce)
{
	if (catalog_change_begin(cat, ce) == -1)
		return NULL;
	return catalog_change_end(cat, import(cat, doc, ce), ce);
}

void
catalog_counts(const struct catalog *cat, size_t *nsources,
    size_t *npipelines)
{
	const struct source	*s;
	const struct pipeline	*p;

	*nsources = *npipelines = 0;
	TAILQ_FOREACH(s, &cat->sources, entry) {
		(*nsources)++;
		TAILQ_FOREACH(p, &s->pipelines, entry)
			(*npipelines)++;
	}
}

static json_t *
pipeline_stats(const struct pipeline *p)
{
	json_t	*o = json_object();
	size_t	 i;

	json_object_set_new(o, "id", json_string(p->id));
	json_object_set_new(o, "name", json_string(p->name));
	json_object_set_new(o, "enabled", json_boolean(p->enabled));
	for (i = 0; i < PIPE_NFIELDS; i++)
		json_object_set_new(o, pipe_fields[i].name, json_integer(
		    (json_int_t)counter_field_get(p->counters, &pipe_fields[i])));
	return o;
}

/* The six source counters, into o. */
static void
source_counts(json_t *o, struct src_counters *c)
{
	size_t	i;

	for (i = 0; i < SRC_NFIELDS; i++)
		json_object_set_new(o, src_fields[i].name, json_integer(
		    (json_int_t)counter_field_get(c, &src_fields[i])));
}

json_t *
catalog_stats(struct catalog *cat, const char *arg, int64_t since,
    struct catalog_error *ce)
{
	struct source	*s, *only = NULL;
	struct pipeline	*p;
	json_t		*a, *o, *pa;

	if (arg != NULL && (only = source_resolve(cat, arg, ce)) == NULL)
		return NULL;
	a = json_array();
	TAILQ_FOREACH(s, &cat->sources, entry) {
		if (only != NULL && s != only)
			continue;
		o = json_object();
		json_object_set_new(o, "id", json_string(s->id));
		json_object_set_new(o, "name", json_string(s->name));
		source_counts(o, s->counters);
		json_object_set_new(o, "lastReceivedAt",
		    json_time(atomic_load(&s->counters->last_received_at)));
		pa = json_array();
		TAILQ_FOREACH(p, &s->pipelines, entry)
			json_array_append_new(pa, pipeline_stats(p));
		json_object_set_new(o, "pipelines", pa);
		json_array_append_new(a, o);
	}
	return json_pack("{s:o,s:o}", "since", json_time(since), "sources", a);
}

json_t *
catalog_totals(struct catalog *cat)
{
	struct source	*s;
	json_t		*o = json_object();
	uint64_t	 sum;
	size_t		 i;

	for (i = 0; i < SRC_NFIELDS; i++) {
		sum = 0;
		TAILQ_FOREACH(s, &cat->sources, entry)
			sum += counter_field_get(s->counters, &src_fields[i]);
		json_object_set_new(o, src_fields[i].name,
		    json_integer((json_int_t)sum));
	}
	return o;
}

void
catalog_flush_usage(struct catalog *cat, int force)
{
	const struct cat_store_ops	*ops = cat->store->ops;
	struct source			*s;
	struct key			*k;
	int64_t				 now = timestamp_monotonic(), used;
	char				 b[32];
	int				 began = 0;

	if (!force && now - cat->flushed_at < cat->store->usage_flush_ms)
		return;
	cat->flushed_at = now;
	TAILQ_FOREACH(s, &cat->sources, entry)
		TAILQ_FOREACH(k, &s->keys, entry) {
			used = atomic_load(&k->usage->last_used);
			k->usage->writing = used;
			if (used == k->usage->flushed)
				continue;
			if (!began && (cat->failed = ops->begin(cat->store, 0,
			    NULL)) != 0)
				goto fail;
			began = 1;
			if (db_exec(cat, CAT_KEY_USED, 2,
			    catalog_intarg(b, used), k->key) == -1)
				goto fail;
		}
	if (began && (cat->failed = ops->commit(cat->store, 0, NULL)) != 0)
		goto fail;
	/* Only a committed value is written: a failure retries them all. */
	TAILQ_FOREACH(s, &cat->sources, entry)
		TAILQ_FOREACH(k, &s->keys, entry)
			k->usage->flushed = k->usage->writing;
	return;
fail:
	if (cat->failed != CAT_DOWN)
		log_warnx("catalog: cannot record key use: %s",
		    cat->store->err);
	if (began)
		ops->rollback(cat->store);
}

/* Restore a pipeline's filter and consents from their stored JSON. */
static int
pipeline_load_rules(struct pipeline *p, const char *ftext, const char *ctext)
{
	struct catalog_error	 ce;
	json_t			*j;
	int			 rc = 0;

	consents_init(&p->consents);
	if (ftext != NULL) {
		if ((j = json_loads(ftext, 0, NULL)) == NULL ||
		    filter_arg(j, 0, &p->filter, &p->filter_text, &ce) == -1)
			rc = -1;
		json_decref(j);
	}
	if (rc == 0 && ctext != NULL) {
		if ((j = json_loads(ctext, 0, NULL)) == NULL ||
		    consents_arg(j, &p->consents, &ce) == -1)
			rc = -1;
		json_decref(j);
	}
	return rc;
}

/* The catalog being read from its store. */
struct load {
	struct source_list	 sources;
	struct dest_list	 dests;
	char			*warehouse;
};

static struct source *
list_find(struct source_list *list, const char *id)
{
	struct source	*s;

	TAILQ_FOREACH(s, list, entry)
		if (strcmp(s->id, id) == 0)
			return s;
	return NULL;
}

/* One stored row into the catalog being read. */
static void
load_row(void *arg, enum cat_rows kind, const char *const *v)
{
	struct load	*ld = arg;
	struct cat_dest	*d;
	struct source	*s;
	struct key	*k;
	struct pipeline	*p;

	switch (kind) {
	case CAT_ROWS_SOURCES:
		s = source_new();
		strlcpy(s->id, v[0], sizeof(s->id));
		s->name = xstrdup(v[1]);
		if ((s->connector = catalog_connector(v[2])) == NULL)
			fatalx("catalog: source %s has unknown connector %s",
			    s->id, v[2]);
		s->strategy = v[3] ? strategy_lookup(v[3]) : NULL;
		s->created_at = strtoll(v[4], NULL, 10);
		TAILQ_INSERT_TAIL(&ld->sources, s, entry);
		break;
	case CAT_ROWS_KEYS:
		if ((s = list_find(&ld->sources, v[1])) == NULL)
			break;
		k = xcalloc(1, sizeof(*k));
		strlcpy(k->key, v[0], sizeof(k->key));
		k->created_at = strtoll(v[2], NULL, 10);
		k->usage = key_usage_new(v[3] ? strtoll(v[3], NULL, 10) : 0);
		TAILQ_INSERT_TAIL(&s->keys, k, entry);
		s->nkeys++;
		break;
	case CAT_ROWS_DESTINATIONS:
		d = catalog_dest_row(v);
		TAILQ_INSERT_TAIL(&ld->dests, d, entry);
		break;
	case CAT_ROWS_PIPELINES:
		if ((s = list_find(&ld->sources, v[1])) == NULL)
			break;
		p = xcalloc(1, sizeof(*p));
		p->counters = pipe_counters_new();
		strlcpy(p->id, v[0], sizeof(p->id));
		p->source = s;
		p->name = xstrdup(v[2]);
		p->enabled = strcmp(v[3], "0") != 0 && strcmp(v[3], "f") != 0;
		p->created_at = strtoll(v[4], NULL, 10);
		if (pipeline_load_rules(p, v[5], v[6]) == -1)
			fatalx("catalog: pipeline %s has a filter or consents "
			    "that are not valid", p->id);
		if (v[7] != NULL &&
		    (p->dest = catalog_dest_find(&ld->dests, v[7])) == NULL)
			fatalx("catalog: pipeline %s sends to the unknown "
			    "destination %s", p->id, v[7]);
		TAILQ_INSERT_TAIL(&s->pipelines, p, entry);
		break;
	case CAT_ROWS_WAREHOUSE:
		free(ld->warehouse);
		ld->warehouse = v[0] ? xstrdup(v[0]) : NULL;
		break;
	}
}

/*
 * Keep the counters of what stays, and the last use of each key (the
 * later of the one in memory and the stored one): a reload must not
 * reset them.
 */
static void
carry_over(struct source *s, struct source *old)
{
	struct key	*k, *ok;
	struct pipeline	*p, *op;
	int64_t		 stored;

	src_counters_unref(s->counters);
	s->counters = src_counters_ref(old->counters);
	TAILQ_FOREACH(p, &s->pipelines, entry)
		TAILQ_FOREACH(op, &old->pipelines, entry)
			if (strcmp(p->id, op->id) == 0) {
				pipe_counters_unref(p->counters);
				p->counters = pipe_counters_ref(op->counters);
				break;
			}
	TAILQ_FOREACH(k, &s->keys, entry)
		TAILQ_FOREACH(ok, &old->keys, entry)
			if (strcmp(k->key, ok->key) == 0) {
				stored = k->usage->flushed;
				key_usage_unref(k->usage);
				k->usage = key_usage_ref(ok->usage);
				if (stored > k->usage->flushed)
					k->usage->flushed = stored;
				if (stored > atomic_load(&k->usage->last_used))
					atomic_store(&k->usage->last_used,
					    stored);
				break;
			}
}

/*
 * Read the whole catalog from its store (within the open transaction, if
 * any) in place of the one in memory, and publish it.  0, or the store's
 * failure with the catalog in memory unchanged.
 */
static int
catalog_load(struct catalog *cat)
{
	struct load	 ld;
	struct source	*s, *old;
	int64_t		 version;
	int		 rc;

	TAILQ_INIT(&ld.sources);
	TAILQ_INIT(&ld.dests);
	ld.warehouse = NULL;
	if ((rc = cat->store->ops->load(cat->store, load_row, &ld,
	    &version)) != 0) {
		sources_free(&ld.sources);
		catalog_dests_free(&ld.dests);
		free(ld.warehouse);
		return rc;
	}
	catalog_dests_carry_over(&ld.dests, &cat->dests);
	TAILQ_FOREACH(s, &ld.sources, entry)
		if ((old = list_find(&cat->sources, s->id)) != NULL)
			carry_over(s, old);
	TAILQ_FOREACH(old, &cat->sources, entry)
		if (list_find(&ld.sources, old->id) == NULL)
			debugger_forget(old->id, old->name);
	sources_free(&cat->sources);
	TAILQ_CONCAT(&cat->sources, &ld.sources, entry);
	catalog_dests_free(&cat->dests);
	TAILQ_CONCAT(&cat->dests, &ld.dests, entry);
	free(cat->warehouse);
	cat->warehouse = ld.warehouse;
	cat->version = version;
	cat->unknown = 0;
	catalog_publish(cat);
	catalog_save(cat);
	return 0;
}

/*
 * Keep a copy of the catalog in cat->cache (spec/postgresql.md §5.3):
 * written whole to a new file that replaces the old one, so that a crash
 * leaves one or the other.  It is the export (catalog_export), the
 * destinations after the sources.
 */
static void
catalog_save(struct catalog *cat)
{
	struct catalog_error	 ce;
	json_t			*doc;
	char			*tmp;
	FILE			*fp;
	int			 ok;

	/* A catalog not known is never written over the last one known. */
	if (cat->cache == NULL || (doc = catalog_export(cat, &ce)) == NULL)
		return;
	xasprintf(&tmp, "%s.tmp", cat->cache);
	if ((fp = fopen(tmp, "w")) == NULL) {
		log_warn("catalog: %s", tmp);
		json_decref(doc);
		free(tmp);
		return;
	}
	ok = json_dumpf(doc, fp, JSON_COMPACT) == 0 && fflush(fp) == 0 &&
	    fsync(fileno(fp)) == 0;
	if (fclose(fp) != 0 || !ok || rename(tmp, cat->cache) == -1) {
		log_warn("catalog: cannot write %s", cat->cache);
		unlink(tmp);
	}
	json_decref(doc);
	free(tmp);
}

/* An empty catalog on store. */
static struct catalog *
catalog_new(struct cat_store *store, const char *endpoint)
{
	struct catalog	*cat = xcalloc(1, sizeof(*cat));

	TAILQ_INIT(&cat->sources);
	TAILQ_INIT(&cat->dests);
	cat->store = store;
	cat->endpoint = xstrdup(endpoint);
	cat->flushed_at = timestamp_monotonic();
	return cat;
}

struct catalog *
catalog_open(const char *path, const char *endpoint, char *err,
    size_t errlen)
{
	struct cat_store	*store;
	struct catalog		*cat;

	if ((store = cat_sqlite_open(path, err, errlen)) == NULL)
		return NULL;
	cat = catalog_new(store, endpoint);
	if (catalog_load(cat) != 0) {
		snprintf(err, errlen, "%s: %s", path, store->err);
		catalog_close(cat);
		return NULL;
	}
	return cat;
}

/*
 * The catalog of a node that cannot reach PostgreSQL: the copy in its
 * cache, if it has one (spec/postgresql.md §5.3).
 */
static void
catalog_load_cache(struct catalog *cat)
{
	struct catalog_error	 ce;
	struct import		 im;
	json_error_t		 je;
	json_t			*doc;

	if ((doc = json_load_file(cat->cache, 0, &je)) == NULL) {
		log_warnx("catalog: PostgreSQL cannot be reached and %s "
		    "cannot be read (%s): no sources until it is back",
		    cat->cache, je.text);
		cat->unknown = 1;
		catalog_publish(cat);
		return;
	}
	if (doc_read(cat, doc, &im, &ce) == -1) {
		log_warnx("catalog: %s: %s", cat->cache, ce.message);
		cat->unknown = 1;
	} else {
		log_warnx("catalog: PostgreSQL cannot be reached: serving "
		    "the catalog of %s until it is back", cat->cache);
		TAILQ_CONCAT(&cat->dests, &im.dests, entry);
		TAILQ_CONCAT(&cat->sources, &im.sources, entry);
	}
	json_decref(doc);
	catalog_publish(cat);
}

struct catalog *
catalog_open_pg(const char *conninfo, int timeout, const char *cache,
    const char *endpoint, char *err, size_t errlen)
{
	struct catalog	*cat;
	int		 rc;

	cat = catalog_new(cat_pg_open(conninfo, timeout), endpoint);
	cat->cache = xstrdup(cache);
	if ((rc = catalog_load(cat)) == CAT_DOWN)
		catalog_load_cache(cat);
	else if (rc != 0) {
		snprintf(err, errlen, "%s", cat->store->err);
		catalog_close(cat);
		return NULL;
	}
	return cat;
}

int
catalog_fd(struct catalog *cat)
{
	return cat->store->ops->fd != NULL ?
	    cat->store->ops->fd(cat->store) : -1;
}

void
catalog_tick(struct catalog *cat)
{
	const struct cat_store_ops	*ops = cat->store->ops;

	if (ops->wake != NULL && ops->wake(cat->store, cat->version,
	    timestamp_monotonic()) == 1 && catalog_load(cat) == CAT_ERROR)
		log_warnx("catalog: cannot read it: %s", cat->store->err);
	catalog_flush_usage(cat, 0);
}

const char *
catalog_warehouse(const struct catalog *cat)
{
	return cat->warehouse;
}

int
catalog_warehouse_set(struct catalog *cat, const char *id, char *err,
    size_t errlen)
{
	if (db_exec(cat, CAT_WAREHOUSE_SET, 1, id) == -1) {
		snprintf(err, errlen, "%s", cat->failed == CAT_DOWN ?
		    "warehouse is unavailable" : cat->store->err);
		return -1;
	}
	free(cat->warehouse);
	cat->warehouse = xstrdup(id);
	return 0;
}

void
catalog_close(struct catalog *cat)
{
	if (cat == NULL)
		return;
	catalog_flush_usage(cat, 1);
	snapshot_publish(NULL);
	sources_free(&cat->sources);
	catalog_dests_free(&cat->dests);
	cat->store->ops->close(cat->store);
	free(cat->cache);
	free(cat->warehouse);
	free(cat->endpoint);
	free(cat);
}
