/*
 * krtop's session with krenalisd; see session.h.  Requests are status,
 * stats and events (the record stream); link.c frames them and matches
 * the replies, reclist.c holds the records, and proto_member finds each
 * record's text in its line so that the details show it as the daemon
 * wrote it.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "proto.h"
#include "xmalloc.h"
#include "link.h"
#include "reclist.h"
#include "session.h"

#define SESSION_HISTORY		500	/* records asked for on connecting */
#define SESSION_RETRY_MS	500	/* between attempts to connect */
#define SESSION_POLL_MS		1000	/* between status and stats */

/* The kinds of request krtop sends. */
enum {
	REQ_STATUS,
	REQ_STATS,
	REQ_FOLLOW
};

static const char *const counter_names[SESSION_NCOUNTERS] = {
	"received", "stored", "rejected", "duplicates", "filtered"
};

void
session_init(struct session *s, const char *path, const char *source,
    struct reclist *list)
{
	memset(s, 0, sizeof(*s));
	s->path = path;
	s->source = source ? xstrdup(source) : NULL;
	s->list = list;
	link_init(&s->link);
}

/* Forget the sources of the last stats reply. */
static void
session_sources_free(struct session_source *src, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		free(src[i].id);
		free(src[i].name);
	}
	free(src);
}

/* Forget the destinations of the last stats reply. */
static void
session_dests_free(struct session_dest *dst, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		free(dst[i].id);
		free(dst[i].name);
		free(dst[i].last_error);
	}
	free(dst);
}

void
session_release(struct session *s)
{
	link_release(&s->link);
	session_sources_free(s->src, s->nsrc);
	session_dests_free(s->dst, s->ndst);
	free(s->source);
	free(s->instance);
	free(s->version);
	free(s->listen);
	free(s->node);
}

const char *
session_counter_name(enum session_counter k)
{
	return counter_names[k];
}

const char *
session_source_name(const struct session *s, const char *id)
{
	size_t	i;

	for (i = 0; i < s->nsrc; i++)
		if (strcmp(s->src[i].id, id) == 0)
			return s->src[i].name;
	return id;
}

const char *
session_source_id(const struct session *s, const char *source)
{
	size_t	i;

	for (i = 0; i < s->nsrc; i++)
		if (strcmp(s->src[i].id, source) == 0)
			return s->src[i].id;
	for (i = 0; i < s->nsrc; i++)
		if (strcmp(s->src[i].name, source) == 0)
			return s->src[i].id;
	return NULL;
}

void
session_pin(char **source, const struct session *s)
{
	const char	*id;

	if (*source == NULL || (id = session_source_id(s, *source)) == NULL ||
	    strcmp(id, *source) == 0)
		return;
	free(*source);
	*source = xstrdup(id);
}

int
session_rates(const struct session *s, const char *id,
    double rate[SESSION_NCOUNTERS])
{
	size_t	i, k;

	memset(rate, 0, sizeof(double) * SESSION_NCOUNTERS);
	if (!s->connected)
		return 0;
	for (i = 0; i < s->nsrc; i++) {
		if (id != NULL && strcmp(s->src[i].id, id) != 0)
			continue;
		for (k = 0; k < SESSION_NCOUNTERS; k++)
			rate[k] += s->src[i].rate[k];
	}
	return 1;
}

/* Ask for status and stats, unless their last requests are pending. */
static void
session_ask(struct session *s)
{
	if (!link_pending(&s->link, REQ_STATUS))
		link_request(&s->link, REQ_STATUS, "status", NULL);
	if (!link_pending(&s->link, REQ_STATS))
		link_request(&s->link, REQ_STATS, "stats", NULL);
}

/* Subscribe to the followed source's records (spec/pipelines.md §7.4). */
static void
session_subscribe(struct session *s)
{
	json_t	*args;

	args = json_pack("{s:b,s:i}", "follow", 1, "count", SESSION_HISTORY);
	if (s->source != NULL)
		json_object_set_new(args, "source", json_string(s->source));
	link_request(&s->link, REQ_FOLLOW, "events", args);
}

/* The connection is gone (or is being replaced). */
static int
session_disconnect(struct session *s, const char *why, int64_t now)
{
	link_close(&s->link);
	s->connected = 0;
	s->have_stats = 0;
	s->next_connect = now + SESSION_RETRY_MS;
	snprintf(s->why, sizeof(s->why), "%s", why);
	return SESSION_URGENT;
}

int
session_tick(struct session *s, int64_t now)
{
	int	changed = 0;

	if (!s->connected && now >= s->next_connect) {
		if (link_open(&s->link, s->path) == -1) {
			if (errno == ENOENT)
				snprintf(s->why, sizeof(s->why), "krenalisd "
				    "is not running (no socket at %s)",
				    s->path);
			else if (errno == ECONNREFUSED)
				snprintf(s->why, sizeof(s->why), "krenalisd "
				    "is not running (nothing listens on %s)",
				    s->path);
			else
				snprintf(s->why, sizeof(s->why), "cannot "
				    "connect to %s: %s", s->path,
				    strerror(errno));
			s->next_connect = now + SESSION_RETRY_MS;
			return SESSION_DRAW;
		}
		/* status first: its reply says which run of the daemon. */
		s->connected = 1;
		s->why[0] = '\0';
		s->message[0] = '\0';
		session_ask(s);
		session_subscribe(s);
		if (link_flush(&s->link) == -1)
			return session_disconnect(s,
			    "cannot write to krenalisd", now);
		s->next_poll = now + SESSION_POLL_MS;
		changed = SESSION_URGENT;
	}
	if (s->connected && now >= s->next_poll) {
		session_ask(s);
		s->next_poll = now + SESSION_POLL_MS;
	}
	return changed;
}

int64_t
session_next(const struct session *s)
{
	return s->connected ? s->next_poll : s->next_connect;
}

short
session_events(const struct session *s)
{
	return POLLIN | (link_wants_write(&s->link) ? POLLOUT : 0);
}

int
session_follow(struct session *s, const char *source, int64_t now)
{
	free(s->source);
	s->source = source ? xstrdup(source) : NULL;
	if (!s->connected)
		return 0;
	session_disconnect(s, "", now);
	s->next_connect = 0;
	return SESSION_URGENT | session_tick(s, now);
}

static char *
session_strdup_member(const json_t *o, const char *key)
{
	const char	*v = json_string_value(json_object_get(o, key));

	return v ? xstrdup(v) : NULL;
}

/* A status reply: the daemon, and whether it is a new run of it. */
static void
session_status(struct session *s, const json_t *d)
{
	const json_t	*node;
	char		*inst;

	xasprintf(&inst, "%lld %s", (long long)json_integer_value(
	    json_object_get(d, "pid")), json_string_value(json_object_get(d,
	    "startedAt")) ? json_string_value(json_object_get(d,
	    "startedAt")) : "");
	if (s->instance == NULL || strcmp(s->instance, inst) != 0) {
		s->epoch++;
		free(s->instance);
		s->instance = inst;
	} else
		free(inst);
	free(s->version);
	s->version = session_strdup_member(d, "version");
	free(s->listen);
	s->listen = session_strdup_member(d, "listen");
	free(s->node);
	s->node = NULL;
	if ((node = json_object_get(d, "node")) != NULL)
		xasprintf(&s->node, "%s %s", json_string_value(json_object_get(
		    node, "id")), json_string_value(json_object_get(node,
		    "host")));
	s->pid = json_integer_value(json_object_get(d, "pid"));
	s->uptime = json_integer_value(json_object_get(d, "uptime"));
}

/* A member of o as a number, or dflt when it is not one. */
static double
session_number(const json_t *o, const char *name, double dflt)
{
	const json_t	*v = json_object_get(o, name);

	return json_is_number(v) ? json_number_value(v) : dflt;
}

/*
 * The destinations of a stats reply, with their rates over the dt
 * seconds since the previous one.
 */
static void
session_dests(struct session *s, const json_t *dsts, double dt)
{
	struct session_dest	*old = s->dst, *n;
	const json_t		*o, *lat, *le;
	size_t			 nold = s->ndst, i, j;

	s->ndst = 0;
	s->dst = xcalloc(json_array_size(dsts) + 1, sizeof(*s->dst));
	json_array_foreach(dsts, i, o) {
		if (!json_is_string(json_object_get(o, "id")))
			continue;
		n = &s->dst[s->ndst++];
		n->id = session_strdup_member(o, "id");
		n->name = session_strdup_member(o, "name");
		if (n->name == NULL)
			n->name = xstrdup(n->id);
		n->queued = json_integer_value(json_object_get(o, "queued"));
		n->delivered = (uint64_t)json_integer_value(
		    json_object_get(o, "delivered"));
		n->failed = (uint64_t)json_integer_value(
		    json_object_get(o, "failed"));
		lat = json_object_get(o, "latency");
		n->p50 = session_number(lat, "p50", -1);
		n->p99 = session_number(lat, "p99", -1);
		le = json_object_get(o, "lastError");
		n->last_error = session_strdup_member(le, "reason");
		for (j = 0; s->have_stats && dt > 0 && j < nold; j++) {
			if (strcmp(old[j].id, n->id) != 0)
				continue;
			if (n->delivered >= old[j].delivered)
				n->delivered_rate = (double)(n->delivered -
				    old[j].delivered) / dt;
			if (n->failed >= old[j].failed)
				n->failed_rate = (double)(n->failed -
				    old[j].failed) / dt;
		}
	}
	session_dests_free(old, nold);
}

/* A latency in seconds as the view shows it, "-" when there is none. */
static void
session_latency(double secs, char *buf, size_t bufsz)
{
	if (secs < 0)
		snprintf(buf, bufsz, "-");
	else if (secs < 10)
		snprintf(buf, bufsz, "%.0fms", secs * 1000);
	else
		snprintf(buf, bufsz, "%.0fs", secs);
}

void
session_dest_line(const struct session_dest *d, char *buf, size_t bufsz)
{
	char	p50[16], p99[16];

	if (d == NULL) {
		snprintf(buf, bufsz, "%-20s %9s %11s %9s %7s %7s  %s",
		    "DESTINATION", "QUEUED", "DELIVERED/s", "FAILED/s", "P50",
		    "P99", "LAST ERROR");
		return;
	}
	session_latency(d->p50, p50, sizeof(p50));
	session_latency(d->p99, p99, sizeof(p99));
	snprintf(buf, bufsz, "%-20.20s %9lld %11.0f %9.0f %7s %7s  %s",
	    d->name, d->queued, d->delivered_rate, d->failed_rate, p50, p99,
	    d->last_error != NULL ? d->last_error : "-");
}

/*
 * A stats reply: the sources, and their rates from the counters of the
 * previous reply on this connection (a restarted daemon starts at 0).
 */
static void
session_stats(struct session *s, const json_t *d, int64_t now)
{
	const json_t		*srcs = json_object_get(d, "sources"), *o;
	struct session_source	*old = s->src, *n;
	size_t			 nold = s->nsrc, i, j, k;
	double			 dt = (double)(now - s->stats_at) / 1000.0;

	s->nsrc = 0;
	s->src = xcalloc(json_array_size(srcs) + 1, sizeof(*s->src));
	json_array_foreach(srcs, i, o) {
		if (!json_is_string(json_object_get(o, "id")))
			continue;
		n = &s->src[s->nsrc++];
		n->id = session_strdup_member(o, "id");
		n->name = session_strdup_member(o, "name");
		if (n->name == NULL)
			n->name = xstrdup(n->id);
		for (k = 0; k < SESSION_NCOUNTERS; k++)
			n->count[k] = (uint64_t)json_integer_value(
			    json_object_get(o, counter_names[k]));
		for (j = 0; s->have_stats && dt > 0 && j < nold; j++) {
			if (strcmp(old[j].id, n->id) != 0)
				continue;
			for (k = 0; k < SESSION_NCOUNTERS; k++)
				n->rate[k] = n->count[k] >= old[j].count[k] ?
				    (double)(n->count[k] - old[j].count[k]) /
				    dt : 0.0;
		}
	}
	session_sources_free(old, nold);
	session_dests(s, json_object_get(d, "destinations"), dt);
	s->stats_at = now;
	s->have_stats = 1;
	session_pin(&s->source, s);
}

/* A line of the record stream: whether it added a record. */
static int
session_record(struct session *s, const struct link_msg *m)
{
	const json_t	*o = json_object_get(m->obj, "record");
	const char	*text;
	struct rec	*r;
	size_t		 len;

	s->omitted += (unsigned long long)json_integer_value(
	    json_object_get(m->obj, "omitted"));
	if ((text = proto_member(m->line, m->len, "record", &len)) == NULL ||
	    (r = reclist_rec_new(o, text, len, s->epoch)) == NULL)
		return 0;
	return reclist_add(s->list, r);
}

int
session_input(struct session *s, short revents, int64_t now)
{
	struct link_msg	 m;
	const char	*emsg;
	int		 rc = 1, changed = 0;

	if (revents & POLLOUT && link_flush(&s->link) == -1)
		return session_disconnect(s,
		    "the connection to krenalisd failed", now);
	if (revents & (POLLIN | POLLHUP | POLLERR))
		rc = link_read(&s->link);
	while (link_next(&s->link, &m)) {
		if (m.type == LINK_RECORD) {
			if (session_record(s, &m))
				changed |= SESSION_DRAW | SESSION_LIST;
		} else if (!m.ok) {
			emsg = json_string_value(json_object_get(
			    json_object_get(m.obj, "error"), "message"));
			snprintf(s->message, sizeof(s->message), "%s",
			    emsg ? emsg : "krenalisd answered with an error");
			changed |= SESSION_URGENT;
		} else if (m.kind == REQ_STATUS) {
			session_status(s, json_object_get(m.obj, "data"));
			changed |= SESSION_DRAW;
		} else if (m.kind == REQ_STATS) {
			session_stats(s, json_object_get(m.obj, "data"), now);
			/* A name may have come or changed: lists go by id. */
			changed |= SESSION_DRAW | SESSION_LIST;
		} else if (m.kind == REQ_FOLLOW) {
			/* The stream was granted: an error before it is moot. */
			s->message[0] = '\0';
			changed |= SESSION_URGENT;
		}
		json_decref(m.obj);
	}
	if (rc == 0)
		changed |= session_disconnect(s,
		    "krenalisd closed the connection", now);
	else if (rc == -1)
		changed |= session_disconnect(s,
		    "the connection to krenalisd failed", now);
	return changed;
}
