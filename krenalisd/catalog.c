/*
 * The catalog of sources, write keys and pipelines; see catalog.h.
 * Destinations are in catalog_dest.c.
 */
#include <sys/queue.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sqlite3.h>

#include "compat.h"
#include "ids.h"
#include "log.h"
#include "names.h"
#include "timestamp.h"
#include "xmalloc.h"
#include "catalog.h"
#include "catalog_priv.h"
#include "consents.h"
#include "counters.h"
#include "debugger.h"
#include "filter.h"
#include "snapshot.h"

#define MAX_KEYS		20
#define USAGE_FLUSH_MS		60000

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

static const char schema[] =
	"CREATE TABLE IF NOT EXISTS sources ("
	" id TEXT PRIMARY KEY,"
	" name TEXT NOT NULL UNIQUE,"
	" connector TEXT NOT NULL,"
	" strategy TEXT,"
	" created_at INTEGER NOT NULL);"
	"CREATE TABLE IF NOT EXISTS write_keys ("
	" key TEXT PRIMARY KEY,"
	" source TEXT NOT NULL REFERENCES sources(id) ON DELETE CASCADE,"
	" created_at INTEGER NOT NULL,"
	" last_used_at INTEGER);"
	"CREATE TABLE IF NOT EXISTS pipelines ("
	" id TEXT PRIMARY KEY,"
	" source TEXT NOT NULL REFERENCES sources(id) ON DELETE CASCADE,"
	" name TEXT NOT NULL,"
	" enabled INTEGER NOT NULL,"
	" filter TEXT,"
	" consents TEXT,"
	" created_at INTEGER NOT NULL);"
	"CREATE TABLE IF NOT EXISTS meta ("
	" name TEXT PRIMARY KEY,"
	" value TEXT NOT NULL);";

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

static void
seterr(struct catalog_error *ce, const char *code, const char *fmt, ...)
{
	va_list	ap;

	ce->code = code;
	va_start(ap, fmt);
	vsnprintf(ce->message, sizeof(ce->message), fmt, ap);
	va_end(ap);
}

/* A failed catalog write: logged here, reported to the client as internal. */
static void
dberr(struct catalog *cat, struct catalog_error *ce, const char *what)
{
	log_warnx("catalog: %s: %s", what, sqlite3_errmsg(cat->db));
	seterr(ce, "InternalError", "catalog write failed: %s",
	    sqlite3_errmsg(cat->db));
}

/*
 * Run sql with the given text parameters (NULL binds NULL, a string
 * starting with "#" followed by digits binds that integer); 0 or -1.
 */
static int
db_exec(struct catalog *cat, const char *sql, int nparams, ...)
{
	sqlite3_stmt	*st;
	va_list		 ap;
	const char	*p;
	int		 i, rc;

	if (sqlite3_prepare_v2(cat->db, sql, -1, &st, NULL) != SQLITE_OK)
		return -1;
	va_start(ap, nparams);
	for (i = 1; i <= nparams; i++) {
		p = va_arg(ap, const char *);
		if (p == NULL)
			sqlite3_bind_null(st, i);
		else if (p[0] == '#')
			sqlite3_bind_int64(st, i, strtoll(p + 1, NULL, 10));
		else
			sqlite3_bind_text(st, i, p, -1, SQLITE_STATIC);
	}
	va_end(ap);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

static int
db_begin(struct catalog *cat)
{
	return sqlite3_exec(cat->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) ==
	    SQLITE_OK ? 0 : -1;
}

/*
 * A failed COMMIT leaves its message in the connection for the caller to
 * report, before db_rollback.
 */
static int
db_commit(struct catalog *cat)
{
	return sqlite3_exec(cat->db, "COMMIT", NULL, NULL, NULL) ==
	    SQLITE_OK ? 0 : -1;
}

/* End a failed transaction, if SQLite has not already ended it. */
static void
db_rollback(struct catalog *cat)
{
	if (!sqlite3_get_autocommit(cat->db))
		sqlite3_exec(cat->db, "ROLLBACK", NULL, NULL, NULL);
}

/* "#<n>": an integer parameter for db_exec. */
static const char *
intarg(char buf[32], int64_t n)
{
	snprintf(buf, 32, "#%lld", (long long)n);
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
		seterr(ce, "NotFound", "source \"%s\" does not exist", arg);
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
		seterr(ce, "NotFound", "pipeline \"%s\" does not exist", arg);
	else
		seterr(ce, "BadRequest", "pipeline name \"%s\" is ambiguous; "
		    "use the pipeline id", arg);
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
	    catalog_dest_find(cat, id) != NULL);
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
		seterr(ce, "BadRequest", "%s", msg);
		return 0;
	}
	return 1;
}

static int
source_name_free(struct catalog *cat, const char *name,
    const struct source *self, struct catalog_error *ce)
{
	struct source	*s;

	TAILQ_FOREACH(s, &cat->sources, entry)
		if (s != self && strcmp(s->name, name) == 0) {
			seterr(ce, "Conflict", "a source named \"%s\" already "
			    "exists", name);
			return 0;
		}
	return 1;
}

json_t *
catalog_source_add(struct catalog *cat, const char *name, size_t len,
    const char *connector, const char *strategy, struct catalog_error *ce)
{
	const struct connector	*c;
	struct source		*s;
	struct key		*k;
	char			 b1[32], b2[32];
	int64_t			 now;

	if (!name_ok(name, len, NAMES_SOURCE_MAX, ce))
		return NULL;
	if (connector == NULL)
		connector = "segment";
	if ((c = catalog_connector(connector)) == NULL) {
		seterr(ce, "BadRequest", "connector \"%s\" does not exist; use "
		    "one of segment, webhook, javascript, android, ios, "
		    "dotnet, go, java, nodejs, python", connector);
		return NULL;
	}
	if (strategy != NULL && strategy_lookup(strategy) == NULL) {
		seterr(ce, "BadRequest", "strategy \"%s\" is not valid; use one "
		    "of Conversion, Fusion, Isolation, Preservation", strategy);
		return NULL;
	}
	if (strategy != NULL && !c->has_strategy) {
		seterr(ce, "BadRequest", "connector \"%s\" does not support "
		    "strategies", connector);
		return NULL;
	}
	if (!source_name_free(cat, name, NULL, ce))
		return NULL;

	now = timestamp_now();
	s = xcalloc(1, sizeof(*s));
	TAILQ_INIT(&s->keys);
	TAILQ_INIT(&s->pipelines);
	s->counters = src_counters_new();
	catalog_new_id(cat, s->id);
	s->name = xstrdup(name);
	s->connector = c;
	if (c->has_strategy)
		s->strategy = strategy_lookup(strategy ? strategy :
		    "Conversion");
	s->created_at = now;
	k = key_new(cat, now);

	if (db_begin(cat) == -1 ||
	    db_exec(cat, "INSERT INTO sources VALUES (?, ?, ?, ?, ?)", 5,
	    s->id, s->name, c->code, s->strategy, intarg(b1, now)) == -1 ||
	    db_exec(cat, "INSERT INTO write_keys VALUES (?, ?, ?, NULL)", 3,
	    k->key, s->id, intarg(b2, now)) == -1 || db_commit(cat) == -1) {
		dberr(cat, ce, "source add");
		db_rollback(cat);
		TAILQ_INSERT_TAIL(&s->keys, k, entry);
		source_free(s);
		return NULL;
	}
	TAILQ_INSERT_TAIL(&s->keys, k, entry);
	s->nkeys = 1;
	TAILQ_INSERT_TAIL(&cat->sources, s, entry);
	catalog_publish(cat);
	log_info("catalog: source %s \"%s\" added", s->id, s->name);
	return source_json(cat, s);
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

json_t *
catalog_source_rename(struct catalog *cat, const char *arg, const char *name,
    size_t len, struct catalog_error *ce)
{
	struct source	*s;

	if ((s = source_resolve(cat, arg, ce)) == NULL)
		return NULL;
	if (!name_ok(name, len, NAMES_SOURCE_MAX, ce) ||
	    !source_name_free(cat, name, s, ce))
		return NULL;
	if (db_exec(cat, "UPDATE sources SET name = ? WHERE id = ?", 2,
	    name, s->id) == -1) {
		dberr(cat, ce, "source rename");
		return NULL;
	}
	free(s->name);
	s->name = xstrdup(name);
	return source_json(cat, s);
}

json_t *
catalog_source_rm(struct catalog *cat, const char *arg,
    struct catalog_error *ce)
{
	struct source	*s;
	json_t		*o;

	if ((s = source_resolve(cat, arg, ce)) == NULL)
		return NULL;
	if (db_begin(cat) == -1 ||
	    db_exec(cat, "DELETE FROM pipelines WHERE source = ?", 1,
	    s->id) == -1 ||
	    db_exec(cat, "DELETE FROM write_keys WHERE source = ?", 1,
	    s->id) == -1 ||
	    db_exec(cat, "DELETE FROM sources WHERE id = ?", 1, s->id) == -1 ||
	    db_commit(cat) == -1) {
		dberr(cat, ce, "source rm");
		db_rollback(cat);
		return NULL;
	}
	o = source_json(cat, s);
	TAILQ_REMOVE(&cat->sources, s, entry);
	debugger_forget(s->id);
	log_info("catalog: source %s \"%s\" removed", s->id, s->name);
	source_free(s);
	catalog_publish(cat);
	return o;
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
		json_array_append_new(a, json_pack("{s:s,s:o,s:o}",
		    "key", k->key, "createdAt", json_time(k->created_at),
		    "lastUsedAt", json_time(atomic_load(&k->usage->last_used))));
	return a;
}

json_t *
catalog_key_add(struct catalog *cat, const char *arg,
    struct catalog_error *ce)
{
	struct source	*s;
	struct key	*k;
	char		 b[32];

	if ((s = source_resolve(cat, arg, ce)) == NULL)
		return NULL;
	if (s->nkeys >= MAX_KEYS) {
		seterr(ce, "TooManyEventWriteKeys", "source \"%s\" already has "
		    "%d event write keys", s->id, MAX_KEYS);
		return NULL;
	}
	k = key_new(cat, timestamp_now());
	if (db_exec(cat, "INSERT INTO write_keys VALUES (?, ?, ?, NULL)", 3,
	    k->key, s->id, intarg(b, k->created_at)) == -1) {
		dberr(cat, ce, "key add");
		key_usage_unref(k->usage);
		free(k);
		return NULL;
	}
	TAILQ_INSERT_TAIL(&s->keys, k, entry);
	s->nkeys++;
	catalog_publish(cat);
	return json_pack("{s:s}", "key", k->key);
}

json_t *
catalog_key_rm(struct catalog *cat, const char *arg, const char *key,
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
		seterr(ce, "NotFound", "event write key \"%s\" does not exist "
		    "for source \"%s\"", key, s->id);
		return NULL;
	}
	if (s->nkeys == 1) {
		seterr(ce, "SingleEventWriteKey", "key cannot be deleted as it "
		    "is the source's only key");
		return NULL;
	}
	if (db_exec(cat, "DELETE FROM write_keys WHERE key = ?", 1,
	    k->key) == -1) {
		dberr(cat, ce, "key rm");
		return NULL;
	}
	TAILQ_REMOVE(&s->keys, k, entry);
	s->nkeys--;
	catalog_publish(cat);
	key_usage_unref(k->usage);
	free(k);
	return json_pack("{s:s}", "key", key);
}

/*
 * Compile a filter argument: text (a JSON string), the JSON form (an
 * object) or none (null).  Set *fjson and *ftext to the canonical forms
 * (NULL for none); -1 with the error of spec/pipelines.md §4.4.
 */
static int
filter_arg(const json_t *arg, json_t **fjson, char **ftext,
    struct catalog_error *ce)
{
	struct filter	*f = NULL;
	char		 err[FILTER_ERRSZ];

	*fjson = NULL;
	*ftext = NULL;
	if (arg == NULL || json_is_null(arg))
		return 0;
	if (json_is_string(arg)) {
		if ((f = filter_parse(json_string_value(arg), err,
		    sizeof(err))) == NULL) {
			seterr(ce, "BadRequest", "filter is not valid: %s", err);
			return -1;
		}
	} else if (filter_from_json(arg, &f, err, sizeof(err)) == -1) {
		seterr(ce, "BadRequest", "filter is not valid: %s", err);
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
		seterr(ce, "BadRequest", "%s", err);
		return -1;
	}
	return 0;
}

/* The text stored in the catalog for a JSON value, or NULL. */
static char *
json_text(const json_t *j)
{
	return j ? json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
}

json_t *
catalog_pipeline_add(struct catalog *cat, const char *arg, const char *name,
    size_t len, int enabled, const json_t *filter, const json_t *consents,
    const char *destination, struct catalog_error *ce)
{
	struct source	*s;
	struct pipeline	*p;
	struct cat_dest	*d = NULL;
	struct consents	 c;
	json_t		*fjson, *cjson;
	char		 b1[32], b2[32], *ftext, *fstr, *cstr;
	int		 rc;

	if ((s = source_resolve(cat, arg, ce)) == NULL)
		return NULL;
	if (!name_ok(name, len, NAMES_PIPELINE_MAX, ce))
		return NULL;
	if (destination != NULL &&
	    (d = catalog_dest_resolve(cat, destination, ce)) == NULL)
		return NULL;
	if (filter_arg(filter, &fjson, &ftext, ce) == -1)
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
	fstr = json_text(p->filter);
	cjson = consents_to_json(&p->consents);
	cstr = json_text(cjson);
	json_decref(cjson);
	rc = db_exec(cat, "INSERT INTO pipelines (id, source, name, enabled, "
	    "filter, consents, created_at, destination) VALUES (?, ?, ?, ?, "
	    "?, ?, ?, ?)", 8, p->id, s->id, p->name, intarg(b1, enabled),
	    fstr, cstr, intarg(b2, p->created_at), d ? d->d.id : NULL);
	free(fstr);
	free(cstr);
	if (rc == -1) {
		dberr(cat, ce, "pipeline add");
		catalog_pipeline_free(p);
		return NULL;
	}
	TAILQ_INSERT_TAIL(&s->pipelines, p, entry);
	catalog_publish(cat);
	log_info("catalog: pipeline %s \"%s\" added to source %s", p->id,
	    p->name, s->id);
	return pipeline_json(p);
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

json_t *
catalog_pipeline_set(struct catalog *cat, const char *arg, const char *name,
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
		seterr(ce, "BadRequest", "pipeline \"%s\" is not a send "
		    "pipeline; only a send pipeline has a destination", p->id);
		return NULL;
	}
	if (destination != NULL &&
	    (d = catalog_dest_resolve(cat, destination, ce)) == NULL)
		return NULL;
	if (set_filter && filter_arg(filter, &fjson, &ftext, ce) == -1)
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
	rc = db_exec(cat, "UPDATE pipelines SET name = ?, filter = ?, "
	    "consents = ?, destination = ? WHERE id = ?", 5,
	    name ? name : p->name, fstr, cstr, d ? d->d.id : NULL, p->id);
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
	catalog_publish(cat);
	return pipeline_json(p);
}

json_t *
catalog_pipeline_enable(struct catalog *cat, const char *arg, int enabled,
    struct catalog_error *ce)
{
	struct pipeline	*p;
	char		 b[32];

	if ((p = pipeline_resolve(cat, arg, ce)) == NULL)
		return NULL;
	if (p->enabled != enabled) {
		if (db_exec(cat, "UPDATE pipelines SET enabled = ? WHERE "
		    "id = ?", 2, intarg(b, enabled), p->id) == -1) {
			dberr(cat, ce, "pipeline enable");
			return NULL;
		}
		p->enabled = enabled;
		catalog_publish(cat);
	}
	return pipeline_json(p);
}

json_t *
catalog_pipeline_rm(struct catalog *cat, const char *arg,
    struct catalog_error *ce)
{
	struct pipeline	*p;
	json_t		*o;

	if ((p = pipeline_resolve(cat, arg, ce)) == NULL)
		return NULL;
	if (db_exec(cat, "DELETE FROM pipelines WHERE id = ?", 1,
	    p->id) == -1) {
		dberr(cat, ce, "pipeline rm");
		return NULL;
	}
	o = pipeline_json(p);
	TAILQ_REMOVE(&p->source->pipelines, p, entry);
	catalog_pipeline_free(p);
	catalog_publish(cat);
	return o;
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
	struct source	*s;
	struct key	*k;
	int64_t		 now = timestamp_now(), used;
	char		 b[32];
	int		 began = 0;

	if (!force && now - cat->flushed_at < USAGE_FLUSH_MS)
		return;
	cat->flushed_at = now;
	TAILQ_FOREACH(s, &cat->sources, entry)
		TAILQ_FOREACH(k, &s->keys, entry) {
			used = atomic_load(&k->usage->last_used);
			k->usage->writing = used;
			if (used == k->usage->flushed)
				continue;
			if (!began && db_begin(cat) == -1)
				goto fail;
			began = 1;
			if (db_exec(cat, "UPDATE write_keys SET last_used_at = ? "
			    "WHERE key = ?", 2, intarg(b, used), k->key) == -1)
				goto fail;
		}
	if (began && db_commit(cat) == -1)
		goto fail;
	/* Only a committed value is written: a failure retries them all. */
	TAILQ_FOREACH(s, &cat->sources, entry)
		TAILQ_FOREACH(k, &s->keys, entry)
			k->usage->flushed = k->usage->writing;
	return;
fail:
	log_warnx("catalog: cannot record key use: %s",
	    sqlite3_errmsg(cat->db));
	if (began)
		db_rollback(cat);
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
		    filter_arg(j, &p->filter, &p->filter_text, &ce) == -1)
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

/* Load every row of state.db into memory; -1 on a read error. */
static int
catalog_load(struct catalog *cat)
{
	sqlite3_stmt		*st;
	struct source		*s;
	struct key		*k;
	struct pipeline		*p;
	const char		*strategy, *conn, *dest;

	if (sqlite3_prepare_v2(cat->db, "SELECT id, name, connector, "
	    "strategy, created_at FROM sources ORDER BY rowid", -1, &st,
	    NULL) != SQLITE_OK)
		return -1;
	while (sqlite3_step(st) == SQLITE_ROW) {
		conn = (const char *)sqlite3_column_text(st, 2);
		strategy = (const char *)sqlite3_column_text(st, 3);
		s = xcalloc(1, sizeof(*s));
		TAILQ_INIT(&s->keys);
		TAILQ_INIT(&s->pipelines);
		s->counters = src_counters_new();
		strlcpy(s->id, (const char *)sqlite3_column_text(st, 0),
		    sizeof(s->id));
		s->name = xstrdup((const char *)sqlite3_column_text(st, 1));
		if ((s->connector = catalog_connector(conn)) == NULL)
			fatalx("catalog: source %s has unknown connector %s",
			    s->id, conn);
		s->strategy = strategy ? strategy_lookup(strategy) : NULL;
		s->created_at = sqlite3_column_int64(st, 4);
		TAILQ_INSERT_TAIL(&cat->sources, s, entry);
	}
	sqlite3_finalize(st);

	if (sqlite3_prepare_v2(cat->db, "SELECT key, source, created_at, "
	    "last_used_at FROM write_keys ORDER BY rowid", -1, &st,
	    NULL) != SQLITE_OK)
		return -1;
	while (sqlite3_step(st) == SQLITE_ROW) {
		if ((s = source_find(cat,
		    (const char *)sqlite3_column_text(st, 1))) == NULL)
			continue;
		k = xcalloc(1, sizeof(*k));
		strlcpy(k->key, (const char *)sqlite3_column_text(st, 0),
		    sizeof(k->key));
		k->created_at = sqlite3_column_int64(st, 2);
		k->usage = key_usage_new(sqlite3_column_int64(st, 3));
		TAILQ_INSERT_TAIL(&s->keys, k, entry);
		s->nkeys++;
	}
	sqlite3_finalize(st);

	if (sqlite3_prepare_v2(cat->db, "SELECT id, source, name, enabled, "
	    "created_at, filter, consents, destination FROM pipelines ORDER "
	    "BY rowid", -1, &st, NULL) != SQLITE_OK)
		return -1;
	while (sqlite3_step(st) == SQLITE_ROW) {
		if ((s = source_find(cat,
		    (const char *)sqlite3_column_text(st, 1))) == NULL)
			continue;
		p = xcalloc(1, sizeof(*p));
		p->counters = pipe_counters_new();
		strlcpy(p->id, (const char *)sqlite3_column_text(st, 0),
		    sizeof(p->id));
		p->source = s;
		p->name = xstrdup((const char *)sqlite3_column_text(st, 2));
		p->enabled = sqlite3_column_int(st, 3);
		p->created_at = sqlite3_column_int64(st, 4);
		if (pipeline_load_rules(p, (const char *)sqlite3_column_text(st,
		    5), (const char *)sqlite3_column_text(st, 6)) == -1)
			fatalx("catalog: pipeline %s has a filter or consents "
			    "that are not valid", p->id);
		if ((dest = (const char *)sqlite3_column_text(st, 7)) != NULL &&
		    (p->dest = catalog_dest_find(cat, dest)) == NULL)
			fatalx("catalog: pipeline %s sends to the unknown "
			    "destination %s", p->id, dest);
		TAILQ_INSERT_TAIL(&s->pipelines, p, entry);
	}
	sqlite3_finalize(st);

	if (sqlite3_prepare_v2(cat->db, "SELECT value FROM meta WHERE name = "
	    "'warehouse'", -1, &st, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		cat->warehouse = xstrdup((const char *)sqlite3_column_text(st,
		    0));
	sqlite3_finalize(st);
	return 0;
}

struct catalog *
catalog_open(const char *path, const char *endpoint, char *err,
    size_t errlen)
{
	struct catalog	*cat = xcalloc(1, sizeof(*cat));

	TAILQ_INIT(&cat->sources);
	TAILQ_INIT(&cat->dests);
	if (sqlite3_open_v2(path, &cat->db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE, NULL) != SQLITE_OK)
		goto fail;
	sqlite3_busy_timeout(cat->db, 5000);
	if (sqlite3_exec(cat->db, "PRAGMA journal_mode=WAL;"
	    "PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;", NULL, NULL,
	    NULL) != SQLITE_OK ||
	    sqlite3_exec(cat->db, schema, NULL, NULL, NULL) != SQLITE_OK ||
	    catalog_dest_load(cat) == -1 || catalog_load(cat) == -1)
		goto fail;
	cat->endpoint = xstrdup(endpoint);
	cat->flushed_at = timestamp_now();
	catalog_publish(cat);
	return cat;
fail:
	snprintf(err, errlen, "%s: %s", path, cat->db ?
	    sqlite3_errmsg(cat->db) : "cannot open");
	catalog_dest_free_all(cat);
	sqlite3_close(cat->db);
	free(cat);
	return NULL;
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
	if (db_exec(cat, "INSERT INTO meta (name, value) VALUES ('warehouse', "
	    "?) ON CONFLICT (name) DO UPDATE SET value = excluded.value", 1,
	    id) == -1) {
		snprintf(err, errlen, "%s", sqlite3_errmsg(cat->db));
		return -1;
	}
	free(cat->warehouse);
	cat->warehouse = xstrdup(id);
	return 0;
}

void
catalog_close(struct catalog *cat)
{
	struct source	*s;

	if (cat == NULL)
		return;
	catalog_flush_usage(cat, 1);
	snapshot_publish(NULL);
	while ((s = TAILQ_FIRST(&cat->sources)) != NULL) {
		TAILQ_REMOVE(&cat->sources, s, entry);
		source_free(s);
	}
	catalog_dest_free_all(cat);
	sqlite3_close(cat->db);
	free(cat->warehouse);
	free(cat->endpoint);
	free(cat);
}
