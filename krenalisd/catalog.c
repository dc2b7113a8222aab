/* The catalog of sources, write keys and pipelines; see catalog.h. */
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

struct key {
	char			 key[IDS_KEY_LEN + 1];
	int64_t			 created_at;
	struct key_usage	*usage;
	TAILQ_ENTRY(key)	 entry;
};

struct pipeline {
	char			 id[IDS_ID_LEN + 1];
	struct source		*source;
	char			*name;
	int			 enabled;
	int64_t			 created_at;
	json_t			*filter;	/* canonical JSON form, or NULL */
	char			*filter_text;	/* canonical text, or NULL */
	struct consents		 consents;
	struct pipe_counters	*counters;
	TAILQ_ENTRY(pipeline)	 entry;
};

struct source {
	char			 id[IDS_ID_LEN + 1];
	char			*name;
	const struct connector	*connector;
	const char		*strategy;
	int64_t			 created_at;
	size_t			 nkeys;
	struct src_counters	*counters;
	TAILQ_HEAD(, key)	 keys;
	TAILQ_HEAD(, pipeline)	 pipelines;
	TAILQ_ENTRY(source)	 entry;
};

TAILQ_HEAD(source_list, source);

struct catalog {
	sqlite3			*db;
	char			*endpoint;
	int64_t			 flushed_at;
	char			*warehouse;	/* its id, or NULL */
	struct source_list	 sources;
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

	xasprintf(&desc, "Import events from %s into the data warehouse",
	    p->source->connector->label);
	json_object_set_new(o, "id", json_string(p->id));
	json_object_set_new(o, "name", json_string(p->name));
	json_object_set_new(o, "source", json_string(p->source->id));
	json_object_set_new(o, "kind",
	    json_string("Import events into warehouse"));
	json_object_set_new(o, "description", json_string(desc));
	json_object_set_new(o, "enabled", json_boolean(p->enabled));
	json_object_set_new(o, "filter",
	    p->filter ? json_incref(p->filter) : json_null());
	json_object_set_new(o, "filterText",
	    p->filter_text ? json_string(p->filter_text) : json_null());
	json_object_set_new(o, "requiredConsents",
	    consents_to_json(&p->consents));
	json_object_set_new(o, "createdAt", json_time(p->created_at));
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
static void
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

static void
pipeline_free(struct pipeline *p)
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
		pipeline_free(p);
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

	return db_exec(cat, "INSERT INTO write_keys VALUES (?, ?, ?, ?)", 4,
	    k->key, s->id, intarg(b1, k->created_at),
	    used != 0 ? intarg(b2, used) : NULL);
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
	rc = db_exec(cat, "INSERT INTO pipelines (id, source, name, enabled, "
	    "filter, consents, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
	    7, p->id, p->source->id, p->name, intarg(b1, p->enabled), fstr,
	    cstr, intarg(b2, p->created_at));
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

	if (db_exec(cat, "INSERT INTO sources VALUES (?, ?, ?, ?, ?)", 5,
	    s->id, s->name, s->connector->code, s->strategy,
	    intarg(b, s->created_at)) == -1)
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

/* A fresh id unique among sources and pipelines. */
static void
new_id(struct catalog *cat, char id[IDS_ID_LEN + 1])
{
	struct catalog_error	ce;

	do {
		ids_new_id(id);
	} while (source_find(cat, id) != NULL ||
	    pipeline_resolve(cat, id, &ce) != NULL);
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
source_name_free(struct source_list *list, const char *name,
    const struct source *self, struct catalog_error *ce)
{
	struct source	*s;

	TAILQ_FOREACH(s, list, entry)
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
	if (!source_name_free(&cat->sources, name, NULL, ce))
		return NULL;

	now = timestamp_now();
	s = source_new();
	new_id(cat, s->id);
	s->name = xstrdup(name);
	s->connector = c;
	if (c->has_strategy)
		s->strategy = strategy_lookup(strategy ? strategy :
		    "Conversion");
	s->created_at = now;
	k = key_new(cat, now);
	TAILQ_INSERT_TAIL(&s->keys, k, entry);
	s->nkeys = 1;
	if (db_begin(cat) == -1 || source_store(cat, s) == -1 ||
	    db_commit(cat) == -1) {
		dberr(cat, ce, "source add");
		db_rollback(cat);
		source_free(s);
		return NULL;
	}
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
	    !source_name_free(&cat->sources, name, s, ce))
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
		json_array_append_new(a, key_json(k));
	return a;
}

json_t *
catalog_key_add(struct catalog *cat, const char *arg,
    struct catalog_error *ce)
{
	struct source	*s;
	struct key	*k;

	if ((s = source_resolve(cat, arg, ce)) == NULL)
		return NULL;
	if (s->nkeys >= MAX_KEYS) {
		seterr(ce, "TooManyEventWriteKeys", "source \"%s\" already has "
		    "%d event write keys", s->id, MAX_KEYS);
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

json_t *
catalog_pipeline_add(struct catalog *cat, const char *arg, const char *name,
    size_t len, int enabled, const json_t *filter, const json_t *consents,
    struct catalog_error *ce)
{
	struct source	*s;
	struct pipeline	*p;
	struct consents	 c;
	json_t		*fjson;
	char		*ftext;

	if ((s = source_resolve(cat, arg, ce)) == NULL)
		return NULL;
	if (!name_ok(name, len, NAMES_PIPELINE_MAX, ce))
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
	new_id(cat, p->id);
	p->source = s;
	p->name = xstrdup(name);
	p->enabled = enabled;
	p->created_at = timestamp_now();
	p->filter = fjson;
	p->filter_text = ftext;
	p->consents = c;
	if (pipeline_store(cat, p) == -1) {
		dberr(cat, ce, "pipeline add");
		pipeline_free(p);
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
    const json_t *consents, struct catalog_error *ce)
{
	struct pipeline	*p;
	struct consents	 c;
	json_t		*fjson = NULL, *cjson;
	char		*ftext = NULL, *fstr, *cstr;
	int		 rc;

	if ((p = pipeline_resolve(cat, arg, ce)) == NULL)
		return NULL;
	/* Everything is checked before anything changes. */
	if (name != NULL && !name_ok(name, len, NAMES_PIPELINE_MAX, ce))
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
	    "consents = ? WHERE id = ?", 4, name ? name : p->name, fstr, cstr,
	    p->id);
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
	pipeline_free(p);
	catalog_publish(cat);
	return o;
}

/*
 * The whole catalog as one document (spec/postgresql.md §7): sources with
 * their keys as key objects and their pipelines.
 */
json_t *
catalog_export(struct catalog *cat)
{
	char		 buf[TIMESTAMP_BUFSZ];
	struct source	*s;
	struct key	*k;
	json_t		*a = json_array(), *o, *keys;

	TAILQ_FOREACH(s, &cat->sources, entry) {
		o = source_json(cat, s);
		keys = json_array();
		TAILQ_FOREACH(k, &s->keys, entry)
			json_array_append_new(keys, key_json(k));
		json_object_set_new(o, "writeKeys", keys);
		json_array_append_new(a, o);
	}
	return json_pack("{s:s,s:i,s:s,s:o}", "format", "krenalis-catalog",
	    "version", 1, "exportedAt", timestamp_format(timestamp_now(), buf),
	    "sources", a);
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
	seterr(ce, "BadRequest", "catalog is not valid: %s: %s", where, msg);
	return -1;
}

/* The string member name of o, or NULL with the message in ce. */
static const char *
doc_string(const json_t *o, const char *name, struct catalog_error *ce)
{
	const json_t	*v = json_object_get(o, name);

	if (!json_is_string(v)) {
		seterr(ce, "BadRequest", "\"%s\" must be a string", name);
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
		seterr(ce, "BadRequest", "\"%s\" must be a timestamp%s", name,
		    nullable ? " or null" : "");
		return -1;
	}
	return 0;
}

/*
 * Whether id is taken, as a source's or a pipeline's, in the catalog or
 * among the sources imported before it.
 */
static int
id_taken(struct catalog *cat, struct source_list *imported, const char *id)
{
	struct source_list	*lists[] = { &cat->sources, imported };
	struct source		*s;
	struct pipeline		*p;
	size_t			 i;

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
key_owner(struct catalog *cat, struct source_list *imported, const char *key)
{
	struct source_list	*lists[] = { &cat->sources, imported };
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
import_key(struct catalog *cat, struct source_list *imported,
    struct source *s, const json_t *o, const char *where,
    struct catalog_error *ce)
{
	struct source	*owner;
	struct key	*k;
	const char	*key;
	int64_t		 created, used;

	if ((key = doc_string(o, "key", ce)) == NULL)
		return doc_invalid(ce, where);
	if (!ids_is_key(key, strlen(key))) {
		seterr(ce, "BadRequest", "\"%s\" is not an event write key",
		    key);
		return doc_invalid(ce, where);
	}
	if ((owner = key_owner(cat, imported, key)) != NULL) {
		seterr(ce, "Conflict", "event write key \"%s\" is already "
		    "used by source \"%s\"", key, owner->id);
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
import_pipeline(struct catalog *cat, struct source_list *imported,
    struct source *s, const json_t *o, const char *swhere,
    struct catalog_error *ce)
{
	struct pipeline	*p;
	const json_t	*en = json_object_get(o, "enabled");
	const char	*id, *name;
	char		 where[64];

	if ((id = doc_string(o, "id", ce)) == NULL)
		return doc_invalid(ce, swhere);
	if (!ids_is_id(id)) {
		seterr(ce, "BadRequest", "\"%s\" is not a pipeline id", id);
		return doc_invalid(ce, swhere);
	}
	if (id_taken(cat, imported, id)) {
		seterr(ce, "Conflict", "pipeline \"%s\" already exists", id);
		return -1;
	}
	snprintf(where, sizeof(where), "pipeline \"%s\"", id);
	if ((name = doc_string(o, "name", ce)) == NULL)
		return doc_invalid(ce, where);
	if (!json_is_boolean(en)) {
		seterr(ce, "BadRequest", "\"enabled\" must be true or false");
		return doc_invalid(ce, where);
	}
	p = xcalloc(1, sizeof(*p));
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
	    filter_arg(json_object_get(o, "filter"), &p->filter,
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
import_source(struct catalog *cat, struct source_list *imported,
    const json_t *o, struct catalog_error *ce)
{
	const json_t	*keys, *pipes, *v, *strategy;
	struct source	*s;
	const char	*id, *name, *conn;
	char		 where[64];
	size_t		 i;

	if ((id = doc_string(o, "id", ce)) == NULL)
		return doc_invalid(ce, "source");
	if (!ids_is_id(id)) {
		seterr(ce, "BadRequest", "\"%s\" is not a source id", id);
		return doc_invalid(ce, "source");
	}
	if (id_taken(cat, imported, id)) {
		seterr(ce, "Conflict", "source \"%s\" already exists", id);
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
	    !source_name_free(imported, name, NULL, ce))
		return -1;
	s = source_new();
	strlcpy(s->id, id, sizeof(s->id));
	s->name = xstrdup(name);
	TAILQ_INSERT_TAIL(imported, s, entry);
	if ((s->connector = catalog_connector(conn)) == NULL) {
		seterr(ce, "BadRequest", "connector \"%s\" does not exist",
		    conn);
		return doc_invalid(ce, where);
	}
	strategy = json_object_get(o, "strategy");
	if (s->connector->has_strategy && json_is_string(strategy))
		s->strategy = strategy_lookup(json_string_value(strategy));
	if (s->connector->has_strategy ? s->strategy == NULL :
	    !json_is_null(strategy)) {
		seterr(ce, "BadRequest", "\"strategy\" is not valid for "
		    "connector \"%s\"", conn);
		return doc_invalid(ce, where);
	}
	if (doc_time(o, "createdAt", 0, &s->created_at, ce) == -1)
		return doc_invalid(ce, where);
	keys = json_object_get(o, "writeKeys");
	pipes = json_object_get(o, "pipelines");
	if (!json_is_array(keys) || json_array_size(keys) < 1 ||
	    json_array_size(keys) > MAX_KEYS) {
		seterr(ce, "BadRequest", "\"writeKeys\" must be an array of 1 "
		    "to %d key objects", MAX_KEYS);
		return doc_invalid(ce, where);
	}
	if (!json_is_array(pipes)) {
		seterr(ce, "BadRequest", "\"pipelines\" must be an array");
		return doc_invalid(ce, where);
	}
	json_array_foreach(keys, i, v)
		if (import_key(cat, imported, s, v, where, ce) == -1)
			return -1;
	json_array_foreach(pipes, i, v)
		if (import_pipeline(cat, imported, s, v, where, ce) == -1)
			return -1;
	return 0;
}

json_t *
catalog_import(struct catalog *cat, const json_t *doc,
    struct catalog_error *ce)
{
	struct source_list	 imported;
	struct source		*s;
	struct key		*k;
	struct pipeline		*p;
	const json_t		*sources, *v;
	size_t			 i, nkeys = 0, npipes = 0;
	int			 rc = -1;

	TAILQ_INIT(&imported);
	sources = json_object_get(doc, "sources");
	if (!json_is_string(json_object_get(doc, "format")) ||
	    strcmp(json_string_value(json_object_get(doc, "format")),
	    "krenalis-catalog") != 0)
		seterr(ce, "BadRequest", "catalog is not valid: \"format\" "
		    "must be \"krenalis-catalog\"");
	else if (json_integer_value(json_object_get(doc, "version")) != 1 ||
	    !json_is_integer(json_object_get(doc, "version")))
		seterr(ce, "BadRequest", "catalog is not valid: \"version\" "
		    "must be 1");
	else if (!json_is_array(sources))
		seterr(ce, "BadRequest", "catalog is not valid: \"sources\" "
		    "must be an array");
	else {
		rc = 0;
		json_array_foreach(sources, i, v)
			if ((rc = import_source(cat, &imported, v, ce)) == -1)
				break;
	}
	if (rc == 0) {
		if (db_begin(cat) == -1)
			rc = -1;
		TAILQ_FOREACH(s, &imported, entry)
			if (rc == 0)
				rc = source_store(cat, s);
		if (rc == 0)
			rc = db_commit(cat);
		if (rc == -1) {
			dberr(cat, ce, "catalog import");
			db_rollback(cat);
		}
	}
	if (rc == -1) {
		while ((s = TAILQ_FIRST(&imported)) != NULL) {
			TAILQ_REMOVE(&imported, s, entry);
			source_free(s);
		}
		return NULL;
	}
	TAILQ_FOREACH(s, &imported, entry) {
		TAILQ_FOREACH(k, &s->keys, entry)
			nkeys++;
		TAILQ_FOREACH(p, &s->pipelines, entry)
			npipes++;
		log_info("catalog: source %s \"%s\" imported", s->id, s->name);
	}
	i = json_array_size(sources);
	TAILQ_CONCAT(&cat->sources, &imported, entry);
	catalog_publish(cat);
	return json_pack("{s:I,s:I,s:I}", "sources", (json_int_t)i,
	    "writeKeys", (json_int_t)nkeys, "pipelines", (json_int_t)npipes);
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
	const char		*strategy, *conn;

	if (sqlite3_prepare_v2(cat->db, "SELECT id, name, connector, "
	    "strategy, created_at FROM sources ORDER BY rowid", -1, &st,
	    NULL) != SQLITE_OK)
		return -1;
	while (sqlite3_step(st) == SQLITE_ROW) {
		conn = (const char *)sqlite3_column_text(st, 2);
		strategy = (const char *)sqlite3_column_text(st, 3);
		s = source_new();
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
	    "created_at, filter, consents FROM pipelines ORDER BY rowid", -1,
	    &st, NULL) != SQLITE_OK)
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
	if (sqlite3_open_v2(path, &cat->db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE, NULL) != SQLITE_OK)
		goto fail;
	sqlite3_busy_timeout(cat->db, 5000);
	if (sqlite3_exec(cat->db, "PRAGMA journal_mode=WAL;"
	    "PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;", NULL, NULL,
	    NULL) != SQLITE_OK ||
	    sqlite3_exec(cat->db, schema, NULL, NULL, NULL) != SQLITE_OK ||
	    catalog_load(cat) == -1)
		goto fail;
	cat->endpoint = xstrdup(endpoint);
	cat->flushed_at = timestamp_now();
	catalog_publish(cat);
	return cat;
fail:
	snprintf(err, errlen, "%s: %s", path, cat->db ?
	    sqlite3_errmsg(cat->db) : "cannot open");
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
	sqlite3_close(cat->db);
	free(cat->warehouse);
	free(cat->endpoint);
	free(cat);
}
