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

#include "buf.h"
#include "jsonstr.h"
#include "log.h"
#include "timestamp.h"
#include "utf8.h"
#include "xmalloc.h"
#include "catalog.h"
#include "command.h"
#include "config.h"
#include "control.h"
#include "debugger.h"
#include "node.h"
#include "destination.h"
#include "sender.h"
#include "snapshot.h"
#include "warehouse.h"

#define MAX_COUNT	100000		/* most records or rows asked for */
#define MAX_COUNT_TEXT	"100000"	/* the same, for messages */
#define LIST_RAW_MAX	1024		/* raw bytes of a listed reject */
#define FEED_ROWS	16		/* listed rejects read at a time */
#define FEED_RAW	(64 * 1024)	/* raw bytes shown at a time */


static int	bad_request(struct catalog_error *, const char *, ...)
		    __attribute__((__format__(printf, 2, 3)));

/* What each kind of argument must be, for the error message. */
static const char *const arg_wants[] = {
	[CMD_ARG_STRING] = "a string",
	[CMD_ARG_TEXT] = "a string",
	[CMD_ARG_BOOL] = "true or false",
	[CMD_ARG_COUNT] = "an integer from 0 to " MAX_COUNT_TEXT,
	[CMD_ARG_FILTER] = "a string, an object or null",
	[CMD_ARG_OBJECT] = "an object or null",
	[CMD_ARG_INTEGER] = "an integer",
	[CMD_ARG_STRINGS] = "an array of strings or null"
};

/* Whether v is an array of strings. */
static int
strings_fit(json_t *v)
{
	json_t	*e;
	size_t	 i;

	if (!json_is_array(v))
		return 0;
	json_array_foreach(v, i, e)
		if (!json_is_string(e))
			return 0;
	return 1;
}

/*
 * Whether v, of the argument a, is or holds a string with a NUL byte,
 * which the command would read as its end.  A text and a filter are read
 * with their length: the command says what is wrong with a NUL byte.
 */
static int
arg_has_nul(const struct command_arg *a, json_t *v)
{
	json_t	*e;
	size_t	 i;

	switch (a->kind) {
	case CMD_ARG_STRING:
		return json_is_string(v) &&
		    memchr(json_string_value(v), '\0', json_string_length(v));
	case CMD_ARG_STRINGS:
		json_array_foreach(v, i, e)
			if (memchr(json_string_value(e), '\0',
			    json_string_length(e)) != NULL)
				return 1;
		return 0;
	default:
		return 0;
	}
}

/* Whether v, present, is a value of the argument a. */
static int
arg_fits(const struct command_arg *a, json_t *v)
{
	switch (a->kind) {
	case CMD_ARG_STRING:
	case CMD_ARG_TEXT:
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
	case CMD_ARG_INTEGER:
		return json_is_integer(v);
	case CMD_ARG_STRINGS:
		return json_is_null(v) || strings_fit(v);
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
		else if (arg_has_nul(a, v))
			return bad_request(err, "argument \"%s\" contains the "
			    "NUL byte", a->name);
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

/* A time in ms as JSON: its text, or null for 0. */
static json_t *
time_json(int64_t ms)
{
	char	buf[TIMESTAMP_BUFSZ];

	return ms == 0 ? json_null() : json_string(timestamp_format(ms, buf));
}

/*
 * Append to the destination object o what its delivery is like
 * (spec/destinations.md §6.1, from "queue" on): its counters and what
 * the sender knows.  The sender knows the oldest queued event of the
 * rows it has read; when it holds none (a disabled destination, rows
 * not read yet), the warehouse wh is asked, unless wh is NULL.
 */
static void
delivery_members(json_t *o, const struct snapshot *snap,
    struct warehouse *wh)
{
	const struct destination	*d;
	struct dest_counters		*c;
	struct sender_status		 st;
	char				 why[512];

	d = snapshot_destination(snap, json_string_value(json_object_get(o,
	    "id")));
	if (d == NULL)
		return;
	c = d->counters;
	sender_status(d->id, &st);
	if (st.oldest_queued_at == 0 && atomic_load(&c->queued) > 0 &&
	    wh != NULL && warehouse_outbox_oldest(wh, d->id,
	    &st.oldest_queued_at, why, sizeof(why)) == -1) {
		log_warnx("control: the oldest event queued for %s: %s",
		    d->id, why);
		st.oldest_queued_at = 0;
	}
	json_object_set_new(o, "queue", json_pack("{s:I,s:o,s:I}", "events",
	    (json_int_t)atomic_load(&c->queued), "oldestQueuedAt",
	    time_json(st.oldest_queued_at), "inFlight",
	    (json_int_t)atomic_load(&c->in_flight)));
	json_object_set_new(o, "delivered",
	    json_integer((json_int_t)atomic_load(&c->delivered)));
	json_object_set_new(o, "retried",
	    json_integer((json_int_t)atomic_load(&c->retried)));
	json_object_set_new(o, "failed",
	    json_integer((json_int_t)atomic_load(&c->failed)));
	json_object_set_new(o, "lastSuccessAt",
	    time_json(atomic_load(&c->last_success)));
	json_object_set_new(o, "lastError", st.last_error_at == 0 ?
	    json_null() : json_pack("{s:o,s:s}", "at",
	    time_json(st.last_error_at), "reason", st.last_error));
	json_object_set_new(o, "latency", st.nlatency == 0 ?
	    json_pack("{s:n,s:n}", "p50", "p99") :
	    json_pack("{s:f,s:f}", "p50", st.p50, "p99", st.p99));
}

/*
 * The delivery members added to o, an object or an array of them; wh as
 * for delivery_members.
 */
static json_t *
with_delivery(json_t *o, struct warehouse *wh)
{
	struct snapshot	*snap;
	json_t		*e;
	size_t		 i;

	if (o == NULL)
		return NULL;
	snap = snapshot_current();
	if (json_is_array(o))
		json_array_foreach(o, i, e)
			delivery_members(e, snap, wh);
	else
		delivery_members(o, snap, wh);
	snapshot_unref(snap);
	return o;
}

/*
 * The destination the argument "destination" names, resolved as
 * "destination show" does, in the snapshot held in *snap (which the
 * caller gives back); NULL with the error.
 */
static const struct destination *
arg_destination(struct command *r, struct snapshot **snap)
{
	const struct destination	*d;
	json_t				*o;

	if ((o = catalog_destination_show(r->ctx->cat,
	    arg_string(r, "destination", NULL), &r->err)) == NULL)
		return NULL;
	*snap = snapshot_current();
	d = snapshot_destination(*snap, json_string_value(json_object_get(o,
	    "id")));
	json_decref(o);
	if (d == NULL) {
		snapshot_unref(*snap);
		r->err.code = NULL;	/* the snapshot lags: a bug */
	}
	return d;
}

/*
 * One test event sent now, the answer waited for (spec/destinations.md
 * §6.1); a request that gets no answer is an error with libcurl's
 * message.
 */
static json_t *
cmd_destination_test(struct command *r)
{
	const struct destination	*d;
	struct snapshot			*snap;
	struct sender_test		 t;
	json_t				*o;

	if ((d = arg_destination(r, &snap)) == NULL)
		return NULL;
	sender_test(d, r->ctx->cf, &t);
	snapshot_unref(snap);
	if (t.status == 0) {
		free(t.body);
		r->err.code = "Unreachable";
		snprintf(r->err.message, sizeof(r->err.message), "%s",
		    t.error);
		return NULL;
	}
	o = json_pack("{s:i,s:I,s:s%}", "status", (int)t.status, "ms",
	    (json_int_t)t.ms, "body", t.body, t.bodylen);
	free(t.body);
	return o;
}

/* An error of the outbox: "cannot <what>: <why>". */
static json_t *
outbox_error(struct command *r, const char *what, const char *why)
{
	r->err.code = "InternalError";
	snprintf(r->err.message, sizeof(r->err.message), "cannot %s: %s",
	    what, why);
	return NULL;
}

static void
failed_row(void *arg, const struct wh_failed_row *f)
{
	json_array_append_new(arg, json_pack("{s:s,s:s,s:o,s:o,s:I,s:s}",
	    "messageId", f->message_id, "pipeline", f->pipeline_id,
	    "queuedAt", time_json(f->queued_at), "failedAt",
	    time_json(f->failed_at), "attempts", (json_int_t)f->attempts,
	    "reason", f->reason));
}

/* The failed deliveries of a destination, newest first. */
static json_t *
cmd_destination_failed(struct command *r)
{
	const struct destination	*d;
	struct snapshot			*snap;
	json_t				*a = json_array();
	char				 why[512];
	int				 rc;

	if ((d = arg_destination(r, &snap)) == NULL) {
		json_decref(a);
		return NULL;
	}
	rc = warehouse_outbox_failed(r->ctx->warehouse, d->id,
	    arg_count(r, "count", 20), failed_row, a, why, sizeof(why));
	snapshot_unref(snap);
	if (rc == -1) {
		json_decref(a);
		return outbox_error(r, "read the failed deliveries", why);
	}
	return a;
}

/* The failed deliveries of a destination back at the end of its queue. */
static json_t *
cmd_destination_retry(struct command *r)
{
	const struct destination	*d;
	struct snapshot			*snap;
	json_t				*o;
	char				 why[512];
	int64_t				 n = 0;

	if ((d = arg_destination(r, &snap)) == NULL)
		return NULL;
	if (warehouse_outbox_requeue(r->ctx->warehouse, d->id,
	    timestamp_now(), &n, why, sizeof(why)) == -1) {
		snapshot_unref(snap);
		return outbox_error(r, "queue the failed deliveries again",
		    why);
	}
	atomic_fetch_add(&d->counters->queued, n);
	sender_wake();
	o = json_pack("{s:s,s:s,s:I}", "id", d->id, "name", d->name,
	    "requeued", (json_int_t)n);
	snapshot_unref(snap);
	return o;
}

static json_t *
cmd_status(struct command *r)
{
	struct control_ctx	*ctx = r->ctx;
	char			 buf[TIMESTAMP_BUFSZ];
	size_t			 nsources, npipelines;
	int64_t			 now = timestamp_now();

	json_t			*o;
	char			*where;

	catalog_counts(ctx->cat, &nsources, &npipelines);
	o = json_pack("{s:s,s:i,s:s,s:I,s:s,s:s,s:s,s:I,s:I,s:o,"
	    "s:{s:s,s:s}}",
	    "version", ctx->version,
	    "pid", (int)getpid(),
	    "startedAt", timestamp_format(ctx->started_at, buf),
	    "uptime", (json_int_t)((now - ctx->started_at) / 1000),
	    "endpoint", ctx->endpoint,
	    "dataDir", ctx->cf->data_dir,
	    "listen", ctx->cf->listen,
	    "sources", (json_int_t)nsources,
	    "pipelines", (json_int_t)npipelines,
	    "totals", catalog_totals(ctx->cat),
	    "node", "id", node_id(ctx->node), "host", node_host(ctx->node));
	/*
	 * A server's warehouse says where it is and how it is, and dedupes
	 * by its primary key, not by the daemon's index
	 * (spec/postgresql.md §1, §3).
	 */
	if ((where = warehouse_describe(ctx->warehouse)) != NULL) {
		json_object_set_new(o, "warehouse", json_string(where));
		json_object_set_new(o, "dedupe", json_string("by the "
		    "warehouse's primary key, for ever; dedupe_window is not "
		    "used"));
		free(where);
	}
	return o;
}

static json_t *
cmd_stats(struct command *r)
{
	json_t	*o, *a, *e;
	size_t	 i;

	if ((o = catalog_stats(r->ctx->cat, arg_string(r, "source", NULL),
	    r->ctx->started_at, &r->err)) == NULL)
		return NULL;
	/* Every destination, with the counters of destination show. */
	a = with_delivery(catalog_destination_list(r->ctx->cat), NULL);
	json_array_foreach(a, i, e)
		json_array_set_new(a, i, json_pack("{s:O,s:O,s:O,s:O,s:O,s:O,"
		    "s:O,s:O,s:O,s:O}", "id", json_object_get(e, "id"), "name",
		    json_object_get(e, "name"), "queued", json_object_get(
		    json_object_get(e, "queue"), "events"), "inFlight",
		    json_object_get(json_object_get(e, "queue"), "inFlight"),
		    "delivered", json_object_get(e, "delivered"), "retried",
		    json_object_get(e, "retried"), "failed", json_object_get(e,
		    "failed"), "lastSuccessAt", json_object_get(e,
		    "lastSuccessAt"), "lastError", json_object_get(e,
		    "lastError"), "latency", json_object_get(e, "latency")));
	json_object_set_new(o, "destinations", a);
	return o;
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
	    arg_get(r, "consents"), arg_string(r, "destination", NULL),
	    &r->err);
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
	    consents != NULL, consents, arg_string(r, "destination", NULL),
	    &r->err);
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

/* The nodes of spec/postgresql.md §6. */
static json_t *
cmd_nodes(struct command *r)
{
	json_t	*totals = catalog_totals(r->ctx->cat), *a;

	a = node_list(r->ctx->node, totals, timestamp_monotonic());
	if (a == NULL) {
		r->err.code = "ServiceUnavailable";
		snprintf(r->err.message, sizeof(r->err.message),
		    "warehouse is unavailable");
	}
	json_decref(totals);
	return a;
}

static json_t *
cmd_catalog_export(struct command *r)
{
	return catalog_export(r->ctx->cat, &r->err);
}

static json_t *
cmd_catalog_import(struct command *r)
{
	return catalog_import(r->ctx->cat, arg_get(r, "catalog"), &r->err);
}

static json_t *
cmd_destination_add(struct command *r)
{
	const char	*name;
	size_t		 len;

	name = arg_string(r, "name", &len);
	return catalog_destination_add(r->ctx->cat, name, len, r->args,
	    &r->err);
}

static json_t *
cmd_destination_list(struct command *r)
{
	return with_delivery(catalog_destination_list(r->ctx->cat),
	    r->ctx->warehouse);
}

static json_t *
cmd_destination_show(struct command *r)
{
	return with_delivery(catalog_destination_show(r->ctx->cat,
	    arg_string(r, "destination", NULL), &r->err), r->ctx->warehouse);
}

static json_t *
cmd_destination_set(struct command *r)
{
	return catalog_destination_set(r->ctx->cat,
	    arg_string(r, "destination", NULL), r->args, &r->err);
}

static json_t *
cmd_destination_enable(struct command *r)
{
	return catalog_destination_enable(r->ctx->cat,
	    arg_string(r, "destination", NULL), 1, &r->err);
}

static json_t *
cmd_destination_disable(struct command *r)
{
	return catalog_destination_enable(r->ctx->cat,
	    arg_string(r, "destination", NULL), 0, &r->err);
}

/*
 * With force, the destination's queue goes with it: its events are
 * counted as failed (spec/destinations.md §2, reason "destination
 * removed").
 */
static json_t *
cmd_destination_rm(struct command *r)
{
	json_t		*o;
	const char	*id;
	int64_t		 dropped;
	char		 why[512];

	if ((o = catalog_destination_rm(r->ctx->cat,
	    arg_string(r, "destination", NULL), arg_bool(r, "force", 0),
	    &r->err)) == NULL)
		return NULL;
	id = json_string_value(json_object_get(o, "id"));
	if (warehouse_outbox_drop(r->ctx->warehouse, id, &dropped, why,
	    sizeof(why)) == -1)
		log_warnx("control: cannot drop the queue of destination %s: "
		    "%s", id, why);
	else {
		if (dropped > 0)
			log_info("control: destination %s removed: %lld queued "
			    "events failed (destination removed)", id,
			    (long long)dropped);
		json_object_set_new(o, "dropped", json_integer(dropped));
	}
	return o;
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

/*
 * The quarantine's rows, listed or shown whole, as a feed: listed, rows
 * are read FEED_ROWS at a time from after to until, each with its raw
 * text cut at LIST_RAW_MAX bytes; shown, the one row is read at once and
 * its raw text escaped FEED_RAW bytes at a time.
 */
struct command_feed {
	int			 (*fill)(struct command_feed *, struct buf *);
	struct warehouse	*wh;
	char			*source_id;	/* NULL: every source */
	int64_t			 after;
	int64_t			 until;
	size_t			 nrows;		/* rows listed */
	struct buf		*out;		/* what fill appends to */
	char			*head;		/* shown: up to the raw text */
	char			*raw;
	size_t			 rawlen;
	size_t			 rawoff;	/* raw bytes sent */
};

/* Append the n bytes at s as the inside of a JSON string. */
static void
add_escaped(struct buf *b, const char *s, size_t n)
{
	size_t	len;

	buf_reserve(b, JSONSTR_MAX(n));
	len = jsonstr_quote(b->p + b->len, s, n);
	memmove(b->p + b->len, b->p + b->len + 1, len - 2);
	b->len += len - 2;
	b->p[b->len] = '\0';
}

/*
 * Append the row r as spec/pipelines.md §7.5 has it up to the opening
 * quote of its raw text, with its id (a string, for rejected.show) first.
 */
static void
reject_head(struct buf *b, const struct wh_reject *r)
{
	char	num[24];

	snprintf(num, sizeof(num), "%lld", (long long)r->id);
	buf_adds(b, "{\"id\":");
	buf_addquoted(b, num, strlen(num));
	buf_adds(b, ",\"receivedAt\":");
	buf_addquoted(b, r->received_at, strlen(r->received_at));
	buf_adds(b, ",\"source\":");
	buf_addquoted(b, r->connection_id, strlen(r->connection_id));
	buf_adds(b, ",\"requestId\":");
	buf_addquoted(b, r->request_id, strlen(r->request_id));
	snprintf(num, sizeof(num), "%lld", (long long)r->index);
	buf_adds(b, ",\"index\":");
	buf_adds(b, num);
	buf_adds(b, ",\"messageId\":");
	if (r->message_id != NULL)
		buf_addquoted(b, r->message_id, strlen(r->message_id));
	else
		buf_adds(b, "null");
	buf_adds(b, ",\"error\":");
	buf_addquoted(b, r->error, strlen(r->error));
	buf_adds(b, ",\"raw\":\"");
}

/* Close the row whose raw text, of rawlen bytes, has been appended. */
static void
reject_tail(struct buf *b, size_t rawlen, int truncated)
{
	char	num[24];

	snprintf(num, sizeof(num), "%zu", rawlen);
	buf_adds(b, "\",\"rawBytes\":");
	buf_adds(b, num);
	buf_adds(b, truncated ? ",\"rawTruncated\":true}" :
	    ",\"rawTruncated\":false}");
}

static struct command_feed *
feed_new(struct warehouse *wh, int (*fill)(struct command_feed *,
    struct buf *))
{
	struct command_feed	*f = xcalloc(1, sizeof(*f));

	f->wh = wh;
	f->fill = fill;
	return f;
}

/* A listed row, its raw text cut on a character boundary. */
static void
feed_row(void *arg, const struct wh_reject *r)
{
	struct command_feed	*f = arg;
	size_t			 cut = utf8_cut(r->raw, r->rawlen,
				    LIST_RAW_MAX);

	if (f->nrows++ > 0)
		buf_addc(f->out, ',');
	reject_head(f->out, r);
	add_escaped(f->out, r->raw, cut);
	reject_tail(f->out, r->rawlen, cut < r->rawlen);
	f->after = r->id;
}

static int
feed_list(struct command_feed *f, struct buf *b)
{
	size_t	before = f->nrows;
	char	why[512];

	if (f->out == NULL)
		buf_addc(b, '[');
	f->out = b;
	if (warehouse_rejects(f->wh, f->source_id, f->after, f->until,
	    FEED_ROWS, feed_row, f, why, sizeof(why)) == -1) {
		log_warnx("control: cannot read the quarantine: %s", why);
		return -1;
	}
	if (f->nrows - before == FEED_ROWS)
		return 1;
	buf_addc(b, ']');
	return 0;
}

/* The shown row: its text up to the raw text, and a copy of that. */
static void
feed_copy(void *arg, const struct wh_reject *r)
{
	struct command_feed	*f = arg;
	struct buf		 b;

	buf_init(&b);
	reject_head(&b, r);
	f->head = buf_finish(&b);
	f->raw = xmalloc(r->rawlen + 1);
	memcpy(f->raw, r->raw, r->rawlen);
	f->rawlen = r->rawlen;
}

static int
feed_show(struct command_feed *f, struct buf *b)
{
	size_t	n;

	if (f->head != NULL) {
		buf_adds(b, f->head);
		free(f->head);
		f->head = NULL;
	}
	n = f->rawlen - f->rawoff < FEED_RAW ? f->rawlen - f->rawoff :
	    FEED_RAW;
	add_escaped(b, f->raw + f->rawoff, n);
	f->rawoff += n;
	if (f->rawoff < f->rawlen)
		return 1;
	reject_tail(b, f->rawlen, 0);
	return 0;
}

int
command_feed_fill(struct command_feed *f, struct buf *b)
{
	return f->fill(f, b);
}

void
command_feed_free(struct command_feed *f)
{
	if (f == NULL)
		return;
	free(f->source_id);
	free(f->head);
	free(f->raw);
	free(f);
}

/* Set r's error to the quarantine that cannot be read; return NULL. */
static json_t *
quarantine_error(struct command *r, const char *why)
{
	r->err.code = "InternalError";
	snprintf(r->err.message, sizeof(r->err.message), "cannot read the "
	    "quarantine: %s", why);
	return NULL;
}

/*
 * Quarantined events (spec/pipelines.md §7.5), newest last, fed as the
 * client reads them: however many, the daemon holds a few at a time.
 */
static json_t *
cmd_rejected(struct command *r)
{
	struct command_feed	*f;
	const char		*src, *id = NULL;
	char			 why[512];

	src = arg_string(r, "source", NULL);
	if (src != NULL &&
	    (id = catalog_source_id(r->ctx->cat, src, &r->err)) == NULL)
		return NULL;
	f = feed_new(r->ctx->warehouse, feed_list);
	if (warehouse_rejects_range(r->ctx->warehouse, id,
	    arg_count(r, "count", 20), &f->after, &f->until, why,
	    sizeof(why)) == -1) {
		command_feed_free(f);
		return quarantine_error(r, why);
	}
	f->source_id = id != NULL ? xstrdup(id) : NULL;
	r->feed = f;
	return json_null();
}

/* One quarantined event with its whole raw text, by the id listed. */
static json_t *
cmd_rejected_show(struct command *r)
{
	struct command_feed	*f;
	const char		*id;
	char			 why[512];
	long long		 n;
	size_t			 len;

	id = arg_string(r, "id", &len);
	n = len > 0 && len <= 18 && strspn(id, "0123456789") == len ?
	    strtoll(id, NULL, 10) : 0;
	f = feed_new(r->ctx->warehouse, feed_show);
	if (n > 0 && warehouse_rejects(r->ctx->warehouse, NULL, n - 1, n, 1,
	    feed_copy, f, why, sizeof(why)) == -1) {
		command_feed_free(f);
		return quarantine_error(r, why);
	}
	if (f->raw == NULL) {
		command_feed_free(f);
		r->err.code = "NotFound";
		snprintf(r->err.message, sizeof(r->err.message), "rejected "
		    "event \"%.64s\" does not exist", id);
		return NULL;
	}
	r->feed = f;
	return json_null();
}

/*
 * The commands and the arguments each takes, in the order they are
 * checked.
 */
static const struct command_entry commands[] = {
	{ "status", { { NULL } }, cmd_status },
	{ "source.add", {
		{ "name", CMD_ARG_TEXT, 1 },
		{ "connector", CMD_ARG_STRING, 0 },
		{ "strategy", CMD_ARG_STRING, 0 },
		{ NULL } }, cmd_source_add },
	{ "source.list", { { NULL } }, cmd_source_list },
	{ "source.show", {
		{ "source", CMD_ARG_STRING, 1 },
		{ NULL } }, cmd_source_show },
	{ "source.rename", {
		{ "source", CMD_ARG_STRING, 1 },
		{ "name", CMD_ARG_TEXT, 1 },
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
		{ "name", CMD_ARG_TEXT, 1 },
		{ "enabled", CMD_ARG_BOOL, 0 },
		{ "filter", CMD_ARG_FILTER, 0 },
		{ "consents", CMD_ARG_OBJECT, 0 },
		{ "destination", CMD_ARG_STRING, 0 },
		{ NULL } }, cmd_pipeline_add },
	{ "pipeline.list", {
		{ "source", CMD_ARG_STRING, 0 },
		{ NULL } }, cmd_pipeline_list },
	{ "pipeline.show", {
		{ "pipeline", CMD_ARG_STRING, 1 },
		{ NULL } }, cmd_pipeline_show },
	{ "pipeline.set", {
		{ "pipeline", CMD_ARG_STRING, 1 },
		{ "name", CMD_ARG_TEXT, 0 },
		{ "filter", CMD_ARG_FILTER, 0 },
		{ "consents", CMD_ARG_OBJECT, 0 },
		{ "destination", CMD_ARG_STRING, 0 },
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
	{ "nodes", { { NULL } }, cmd_nodes },
	{ "catalog.export", { { NULL } }, cmd_catalog_export },
	{ "catalog.import", {
		{ "catalog", CMD_ARG_OBJECT, 1 },
		{ NULL } }, cmd_catalog_import },
	{ "destination.add", {
		{ "name", CMD_ARG_TEXT, 1 },
		{ "url", CMD_ARG_STRING, 1 },
		{ "connector", CMD_ARG_STRING, 0 },
		{ "headers", CMD_ARG_STRINGS, 0 },
		{ "writeKey", CMD_ARG_STRING, 0 },
		{ "secret", CMD_ARG_STRING, 0 },
		{ "batchSize", CMD_ARG_INTEGER, 0 },
		{ "timeout", CMD_ARG_INTEGER, 0 },
		{ "maxInFlight", CMD_ARG_INTEGER, 0 },
		{ "maxAge", CMD_ARG_STRING, 0 },
		{ "gzip", CMD_ARG_BOOL, 0 },
		{ NULL } }, cmd_destination_add },
	{ "destination.list", { { NULL } }, cmd_destination_list },
	{ "destination.show", {
		{ "destination", CMD_ARG_STRING, 1 },
		{ NULL } }, cmd_destination_show },
	{ "destination.set", {
		{ "destination", CMD_ARG_STRING, 1 },
		{ "name", CMD_ARG_TEXT, 0 },
		{ "connector", CMD_ARG_STRING, 0 },
		{ "url", CMD_ARG_STRING, 0 },
		{ "headers", CMD_ARG_STRINGS, 0 },
		{ "writeKey", CMD_ARG_STRING, 0 },
		{ "secret", CMD_ARG_STRING, 0 },
		{ "batchSize", CMD_ARG_INTEGER, 0 },
		{ "timeout", CMD_ARG_INTEGER, 0 },
		{ "maxInFlight", CMD_ARG_INTEGER, 0 },
		{ "maxAge", CMD_ARG_STRING, 0 },
		{ "gzip", CMD_ARG_BOOL, 0 },
		{ NULL } }, cmd_destination_set },
	{ "destination.enable", {
		{ "destination", CMD_ARG_STRING, 1 },
		{ NULL } }, cmd_destination_enable },
	{ "destination.disable", {
		{ "destination", CMD_ARG_STRING, 1 },
		{ NULL } }, cmd_destination_disable },
	{ "destination.rm", {
		{ "destination", CMD_ARG_STRING, 1 },
		{ "force", CMD_ARG_BOOL, 0 },
		{ NULL } }, cmd_destination_rm },
	{ "destination.test", {
		{ "destination", CMD_ARG_STRING, 1 },
		{ NULL } }, cmd_destination_test },
	{ "destination.failed", {
		{ "destination", CMD_ARG_STRING, 1 },
		{ "count", CMD_ARG_COUNT, 0 },
		{ NULL } }, cmd_destination_failed },
	{ "destination.retry", {
		{ "destination", CMD_ARG_STRING, 1 },
		{ NULL } }, cmd_destination_retry },
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
		{ NULL } }, cmd_rejected },
	{ "rejected.show", {
		{ "id", CMD_ARG_STRING, 1 },
		{ NULL } }, cmd_rejected_show }
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
