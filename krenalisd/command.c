/*
 * The admin commands: their table of argument templates, the one checker
 * of those templates and the handlers; see command.h.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "log.h"
#include "timestamp.h"
#include "xmalloc.h"
#include "catalog.h"
#include "command.h"
#include "config.h"
#include "control.h"
#include "debugger.h"
#include "warehouse.h"

#define MAX_COUNT	100000		/* most records or rows asked for */
#define MAX_COUNT_TEXT	"100000"	/* the same, for messages */


static int	bad_request(struct catalog_error *, const char *, ...)
		    __attribute__((__format__(printf, 2, 3)));

/* What each kind of argument must be, for the error message. */
static const char *const arg_wants[] = {
	[CMD_ARG_STRING] = "a string",
	[CMD_ARG_BOOL] = "true or false",
	[CMD_ARG_COUNT] = "an integer from 0 to " MAX_COUNT_TEXT,
	[CMD_ARG_FILTER] = "a string, an object or null",
	[CMD_ARG_OBJECT] = "an object or null"
};

/* Whether v, present, is a value of the argument a. */
static int
arg_fits(const struct command_arg *a, json_t *v)
{
	switch (a->kind) {
	case CMD_ARG_STRING:
		return json_is_string(v) || (json_is_null(v) && !a->required);
	case CMD_ARG_BOOL:
		return json_is_boolean(v);
	case CMD_ARG_COUNT:
		return json_is_null(v) || (json_is_integer(v) &&
		    json_integer_value(v) >= 0 &&
		    json_integer_value(v) <= MAX_COUNT);
	case CMD_ARG_FILTER:
		return json_is_null(v) || json_is_object(v) ||
		    json_is_string(v);
	case CMD_ARG_OBJECT:
		return json_is_null(v) || json_is_object(v);
	}
	fatalx("control: argument kind %d", (int)a->kind);
}

/* Set err to a BadRequest with the message fmt; return -1. */
static int
bad_request(struct catalog_error *err, const char *fmt, ...)
{
	va_list	ap;

	err->code = "BadRequest";
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof(err->message), fmt, ap);
	va_end(ap);
	return -1;
}

/*
 * Unknown arguments are reported first, then the template's arguments in
 * its order: the first fault found is the reply.
 */
int
command_check(const struct command_entry *e, json_t *args,
    struct catalog_error *err)
{
	const struct command_arg	*a;
	const char			*key;
	json_t				*v;

	json_object_foreach(args, key, v) {
		for (a = e->args; a->name != NULL; a++)
			if (strcmp(a->name, key) == 0)
				break;
		if (a->name == NULL)
			return bad_request(err, "unknown argument \"%s\" "
			    "for %s", key, e->name);
	}
	for (a = e->args; a->name != NULL; a++) {
		if ((v = json_object_get(args, a->name)) == NULL) {
			if (a->required)
				return bad_request(err, "missing argument "
				    "\"%s\"", a->name);
		} else if (!arg_fits(a, v))
			return bad_request(err, "argument \"%s\" must be %s",
			    a->name, arg_wants[a->kind]);
	}
	return 0;
}

/*
 * Readers of checked arguments.  Asking for an argument the command's
 * template does not declare is a bug.
 */
static json_t *
arg_get(struct command *r, const char *name)
{
	const struct command_arg	*a;

	for (a = r->entry->args; a->name != NULL; a++)
		if (strcmp(a->name, name) == 0)
			return json_object_get(r->args, name);
	fatalx("control: %s reads the undeclared argument %s", r->entry->name,
	    name);
}

/* A string argument, or NULL when absent or null; its length in *len. */
static const char *
arg_string(struct command *r, const char *name, size_t *len)
{
	json_t	*v = arg_get(r, name);

	if (len != NULL)
		*len = json_is_string(v) ? json_string_length(v) : 0;
	return json_string_value(v);
}

static int
arg_bool(struct command *r, const char *name, int dflt)
{
	json_t	*v = arg_get(r, name);

	return v == NULL ? dflt : json_is_true(v);
}

static long long
arg_count(struct command *r, const char *name, long long dflt)
{
	json_t	*v = arg_get(r, name);

	return json_is_integer(v) ? json_integer_value(v) : dflt;
}

static json_t *
cmd_status(struct command *r)
{
	struct control_ctx	*ctx = r->ctx;
	char			 buf[TIMESTAMP_BUFSZ];
	size_t			 nsources, npipelines;
	int64_t			 now = timestamp_now();

	catalog_counts(ctx->cat, &nsources, &npipelines);
	return json_pack("{s:s,s:i,s:s,s:I,s:s,s:s,s:s,s:I,s:I,s:o}",
	    "version", ctx->version,
	    "pid", (int)getpid(),
	    "startedAt", timestamp_format(ctx->started_at, buf),
	    "uptime", (json_int_t)((now - ctx->started_at) / 1000),
	    "endpoint", ctx->endpoint,
	    "dataDir", ctx->cf->data_dir,
	    "listen", ctx->cf->listen,
	    "sources", (json_int_t)nsources,
	    "pipelines", (json_int_t)npipelines,
	    "totals", catalog_totals(ctx->cat));
}

static json_t *
cmd_stats(struct command *r)
{
	return catalog_stats(r->ctx->cat, arg_string(r, "source", NULL),
	    r->ctx->started_at, &r->err);
}

static json_t *
cmd_source_add(struct command *r)
{
	const char	*name;
	size_t		 len;

	name = arg_string(r, "name", &len);
	return catalog_source_add(r->ctx->cat, name, len,
	    arg_string(r, "connector", NULL), arg_string(r, "strategy", NULL),
	    &r->err);
}

static json_t *
cmd_source_list(struct command *r)
{
	return catalog_source_list(r->ctx->cat);
}

static json_t *
cmd_source_show(struct command *r)
{
	return catalog_source_show(r->ctx->cat, arg_string(r, "source", NULL),
	    &r->err);
}

static json_t *
cmd_source_rename(struct command *r)
{
	const char	*name;
	size_t		 len;

	name = arg_string(r, "name", &len);
	return catalog_source_rename(r->ctx->cat,
	    arg_string(r, "source", NULL), name, len, &r->err);
}

static json_t *
cmd_source_rm(struct command *r)
{
	return catalog_source_rm(r->ctx->cat, arg_string(r, "source", NULL),
	    &r->err);
}

static json_t *
cmd_key_list(struct command *r)
{
	return catalog_key_list(r->ctx->cat, arg_string(r, "source", NULL),
	    &r->err);
}

static json_t *
cmd_key_add(struct command *r)
{
	return catalog_key_add(r->ctx->cat, arg_string(r, "source", NULL),
	    &r->err);
}

static json_t *
cmd_key_rm(struct command *r)
{
	return catalog_key_rm(r->ctx->cat, arg_string(r, "source", NULL),
	    arg_string(r, "key", NULL), &r->err);
}

static json_t *
cmd_pipeline_add(struct command *r)
{
	const char	*name;
	size_t		 len;

	name = arg_string(r, "name", &len);
	return catalog_pipeline_add(r->ctx->cat,
	    arg_string(r, "source", NULL), name, len,
	    arg_bool(r, "enabled", 1), arg_get(r, "filter"),
	    arg_get(r, "consents"), &r->err);
}

static json_t *
cmd_pipeline_list(struct command *r)
{
	return catalog_pipeline_list(r->ctx->cat,
	    arg_string(r, "source", NULL), &r->err);
}

static json_t *
cmd_pipeline_show(struct command *r)
{
	return catalog_pipeline_show(r->ctx->cat,
	    arg_string(r, "pipeline", NULL), &r->err);
}

/* An absent filter or consents is left as it is; a null one is removed. */
static json_t *
cmd_pipeline_set(struct command *r)
{
	const char	*name;
	json_t		*filter, *consents;
	size_t		 len;

	name = arg_string(r, "name", &len);
	filter = arg_get(r, "filter");
	consents = arg_get(r, "consents");
	return catalog_pipeline_set(r->ctx->cat,
	    arg_string(r, "pipeline", NULL), name, len, filter != NULL, filter,
	    consents != NULL, consents, &r->err);
}

static json_t *
cmd_pipeline_enable(struct command *r)
{
	return catalog_pipeline_enable(r->ctx->cat,
	    arg_string(r, "pipeline", NULL), 1, &r->err);
}

static json_t *
cmd_pipeline_disable(struct command *r)
{
	return catalog_pipeline_enable(r->ctx->cat,
	    arg_string(r, "pipeline", NULL), 0, &r->err);
}

static json_t *
cmd_pipeline_rm(struct command *r)
{
	return catalog_pipeline_rm(r->ctx->cat,
	    arg_string(r, "pipeline", NULL), &r->err);
}

/* Debugger records (spec/pipelines.md §7.3-7.4): a list, or a stream. */
static json_t *
cmd_events(struct command *r)
{
	struct dbg_record	**recs;
	const char		 *src, *id = NULL, *text;
	long long		  count;
	size_t			  n, i, len, rlen;
	char			 *out;

	src = arg_string(r, "source", NULL);
	count = arg_count(r, "count", 20);
	if (src != NULL &&
	    (id = catalog_source_id(r->ctx->cat, src, &r->err)) == NULL)
		return NULL;
	if (arg_bool(r, "follow", 0)) {
		if (r->following) {
			r->err.code = "BadRequest";
			snprintf(r->err.message, sizeof(r->err.message),
			    "this connection already follows events");
			return NULL;
		}
		r->sub = debugger_subscribe(id, (size_t)count);
		return json_pack("{s:b}", "follow", 1);
	}
	n = debugger_history(id, (size_t)count, &recs);
	for (len = 2, i = 0; i < n; i++) {
		dbg_record_text(recs[i], &rlen);
		len += rlen + 1;
	}
	out = xmalloc(len + 1);
	len = 0;
	out[len++] = '[';
	for (i = 0; i < n; i++) {
		if (i > 0)
			out[len++] = ',';
		text = dbg_record_text(recs[i], &rlen);
		memcpy(out + len, text, rlen);
		len += rlen;
		dbg_record_unref(recs[i]);
	}
	out[len++] = ']';
	out[len] = '\0';
	free(recs);
	r->raw_data = out;
	return json_null();
}

/* Quarantined events (spec/pipelines.md §7.5), newest last. */
static json_t *
cmd_rejected(struct command *r)
{
	const char	*src, *id = NULL;
	long long	 count;
	json_t		*a;
	char		 why[512];

	src = arg_string(r, "source", NULL);
	count = arg_count(r, "count", 20);
	if (src != NULL &&
	    (id = catalog_source_id(r->ctx->cat, src, &r->err)) == NULL)
		return NULL;
	if ((a = warehouse_rejects(r->ctx->warehouse, id, count, why,
	    sizeof(why))) == NULL) {
		r->err.code = "InternalError";
		snprintf(r->err.message, sizeof(r->err.message), "cannot read "
		    "the quarantine: %s", why);
	}
	return a;
}

/*
 * The commands and the arguments each takes, in the order they are
 * checked.
 */
static const struct command_entry commands[] = {
	{ "status", { { NULL } }, cmd_status },
	{ "source.add", {
		{ "name", CMD_ARG_STRING, 1 },
		{ "connector", CMD_ARG_STRING, 0 },
		{ "strategy", CMD_ARG_STRING, 0 },
		{ NULL } }, cmd_source_add },
	{ "source.list", { { NULL } }, cmd_source_list },
	{ "source.show", {
		{ "source", CMD_ARG_STRING, 1 },
		{ NULL } }, cmd_source_show },
	{ "source.rename", {
		{ "source", CMD_ARG_STRING, 1 },
		{ "name", CMD_ARG_STRING, 1 },
		{ NULL } }, cmd_source_rename },
	{ "source.rm", {
		{ "source", CMD_ARG_STRING, 1 },
		{ NULL } }, cmd_source_rm },
	{ "key.list", {
		{ "source", CMD_ARG_STRING, 1 },
		{ NULL } }, cmd_key_list },
	{ "key.add", {
		{ "source", CMD_ARG_STRING, 1 },
		{ NULL } }, cmd_key_add },
	{ "key.rm", {
		{ "source", CMD_ARG_STRING, 1 },
		{ "key", CMD_ARG_STRING, 1 },
		{ NULL } }, cmd_key_rm },
	{ "pipeline.add", {
		{ "source", CMD_ARG_STRING, 1 },
		{ "name", CMD_ARG_STRING, 1 },
		{ "enabled", CMD_ARG_BOOL, 0 },
		{ "filter", CMD_ARG_FILTER, 0 },
		{ "consents", CMD_ARG_OBJECT, 0 },
		{ NULL } }, cmd_pipeline_add },
	{ "pipeline.list", {
		{ "source", CMD_ARG_STRING, 0 },
		{ NULL } }, cmd_pipeline_list },
	{ "pipeline.show", {
		{ "pipeline", CMD_ARG_STRING, 1 },
		{ NULL } }, cmd_pipeline_show },
	{ "pipeline.set", {
		{ "pipeline", CMD_ARG_STRING, 1 },
		{ "name", CMD_ARG_STRING, 0 },
		{ "filter", CMD_ARG_FILTER, 0 },
		{ "consents", CMD_ARG_OBJECT, 0 },
		{ NULL } }, cmd_pipeline_set },
	{ "pipeline.enable", {
		{ "pipeline", CMD_ARG_STRING, 1 },
		{ NULL } }, cmd_pipeline_enable },
	{ "pipeline.disable", {
		{ "pipeline", CMD_ARG_STRING, 1 },
		{ NULL } }, cmd_pipeline_disable },
	{ "pipeline.rm", {
		{ "pipeline", CMD_ARG_STRING, 1 },
		{ NULL } }, cmd_pipeline_rm },
	{ "stats", {
		{ "source", CMD_ARG_STRING, 0 },
		{ NULL } }, cmd_stats },
	{ "events", {
		{ "source", CMD_ARG_STRING, 0 },
		{ "count", CMD_ARG_COUNT, 0 },
		{ "follow", CMD_ARG_BOOL, 0 },
		{ NULL } }, cmd_events },
	{ "rejected", {
		{ "source", CMD_ARG_STRING, 0 },
		{ "count", CMD_ARG_COUNT, 0 },
		{ NULL } }, cmd_rejected }
};

const struct command_entry *
command_find(const char *name)
{
	size_t	i;

	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

json_t *
command_exec(struct command *r)
{
	if (command_check(r->entry, r->args, &r->err) == -1)
		return NULL;
	return r->entry->exec(r);
}
