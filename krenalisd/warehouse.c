/*
 * The engines' table and what they share, the health of spec/ingest.md
 * §13.1 among it; see warehouse.h.
 */
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "timestamp.h"
#include "config.h"
#include "warehouse.h"

static const struct wh_engine *const engines[] = {
	&wh_sqlite,
	&wh_pg,
};

/* The engine called name, or NULL. */
static const struct wh_engine *
engine_find(const char *name)
{
	size_t	i;

	for (i = 0; i < sizeof(engines) / sizeof(engines[0]); i++)
		if (strcmp(engines[i]->name, name) == 0)
			return engines[i];
	return NULL;
}

/* Record the outcome of a commit or probe that ended now. */
static void
health_set(struct warehouse *wh, int ok)
{
	atomic_store(&wh->health, timestamp_monotonic() * 2 + (ok != 0));
}

const char *
warehouse_engine(const struct config *cf)
{
	return config_is_pg(cf) ? "postgresql" : "sqlite";
}

int
warehouse_exists(const char *name, const struct config *cf)
{
	const struct wh_engine	*e = engine_find(name);

	return e != NULL && e->exists(cf);
}

struct warehouse *
warehouse_open(const char *name, const struct config *cf, char *err,
    size_t errlen)
{
	const struct wh_engine	*e = engine_find(name);
	struct warehouse	*wh;

	if (e == NULL) {
		snprintf(err, errlen, "no warehouse engine is called %s",
		    name);
		return NULL;
	}
	if ((wh = e->open(cf, err, errlen)) != NULL)
		wh->engine = e;
	return wh;
}

void
warehouse_close(struct warehouse *wh)
{
	if (wh != NULL)
		wh->engine->close(wh);
}

int
warehouse_ensure_schema(struct warehouse *wh, char *err, size_t errlen)
{
	return wh->engine->ensure_schema(wh, err, errlen);
}

int
warehouse_writable(struct warehouse *wh)
{
	int64_t	h = atomic_load(&wh->health);
	int	ok;

	if (!wh->engine->present(wh))
		return 0;
	if (timestamp_monotonic() - h / 2 < 1000)
		return h % 2;
	ok = wh->engine->probe(wh);
	health_set(wh, ok);
	return ok;
}

int
warehouse_down(struct warehouse *wh)
{
	return wh->engine->down != NULL && wh->engine->down(wh);
}

const char *
warehouse_unavailable(const struct warehouse *wh)
{
	if (wh->engine->unavailable != NULL)
		return wh->engine->unavailable;
	return "events cannot be stored at this time; try again later";
}

void
warehouse_why(struct warehouse *wh, char *buf, size_t len)
{
	if (wh->engine->why != NULL)
		wh->engine->why(wh, buf, len);
	else
		snprintf(buf, len, "store is not writable");
}

int
warehouse_remote(const struct warehouse *wh)
{
	return wh->engine->describe != NULL;
}

char *
warehouse_describe(struct warehouse *wh)
{
	return wh->engine->describe != NULL ? wh->engine->describe(wh) : NULL;
}

int
warehouse_rejects_range(struct warehouse *wh, const char *source_id,
    int64_t count, int64_t *after, int64_t *until, char *err, size_t errlen)
{
	return wh->engine->rejects_range(wh, source_id, count, after, until,
	    err, errlen);
}

int
warehouse_rejects(struct warehouse *wh, const char *source_id, int64_t after,
    int64_t until, int64_t count, void (*fn)(void *, const struct wh_reject *),
    void *arg, char *err, size_t errlen)
{
	return wh->engine->rejects(wh, source_id, after, until, count, fn, arg,
	    err, errlen);
}

int
warehouse_outbox_drop(struct warehouse *wh, const char *destination_id,
    int64_t *dropped, char *err, size_t errlen)
{
	return wh->engine->outbox_drop(wh, destination_id, dropped, err,
	    errlen);
}

struct wh_session *
warehouse_session_new(struct warehouse *wh, char *err, size_t errlen)
{
	struct wh_session	*s;

	if ((s = wh->engine->session_new(wh, err, errlen)) != NULL)
		s->wh = wh;
	return s;
}

void
warehouse_session_free(struct wh_session *s)
{
	if (s != NULL)
		s->wh->engine->session_free(s);
}

const char *
warehouse_error(struct wh_session *s)
{
	return s->wh->engine->error(s);
}

int
warehouse_begin(struct wh_session *s, int64_t since)
{
	s->kept = 0;
	if (s->wh->engine->begin(s, since) == -1) {
		health_set(s->wh, 0);
		return -1;
	}
	return 0;
}

int
warehouse_reject(struct wh_session *s, const struct wh_reject *r)
{
	return s->wh->engine->reject(s, r);
}

int
warehouse_add(struct wh_session *s, const struct event *ev, int store,
    enum outcome *outcome)
{
	return s->wh->engine->add(s, ev, store, outcome);
}

void
warehouse_prefetch(struct wh_session *s, const struct event *ev)
{
	if (s->wh->engine->prefetch != NULL)
		s->wh->engine->prefetch(s, ev);
}

int
warehouse_outbox_add(struct wh_session *s, const enum outcome *outcome,
    const struct wh_outbox *rows, size_t n)
{
	return s->wh->engine->outbox_add(s, outcome, rows, n);
}

int
warehouse_commit(struct wh_session *s)
{
	if (!s->wh->engine->present(s->wh) || s->wh->engine->commit(s) == -1)
		return -1;
	health_set(s->wh, 1);
	return 0;
}

void
warehouse_rollback(struct wh_session *s)
{
	s->wh->engine->rollback(s);
	health_set(s->wh, 0);
}

int
warehouse_outbox_shared(const struct warehouse *wh)
{
	return wh->engine->shared;
}

struct wh_outbox_conn *
warehouse_outbox_open(struct warehouse *wh, const char *node, char *err,
    size_t errlen)
{
	struct wh_outbox_conn	*ob;

	if ((ob = wh->engine->outbox_open(wh, node, err, errlen)) != NULL)
		ob->wh = wh;
	return ob;
}

void
warehouse_outbox_close(struct wh_outbox_conn *ob)
{
	if (ob != NULL)
		ob->wh->engine->outbox_close(ob);
}

const char *
warehouse_outbox_error(struct wh_outbox_conn *ob)
{
	return ob->wh->engine->outbox_error(ob);
}

int
warehouse_outbox_count(struct wh_outbox_conn *ob,
    void (*fn)(void *, const char *, int64_t), void *arg)
{
	return ob->wh->engine->outbox_count(ob, fn, arg);
}

int
warehouse_outbox_next(struct wh_outbox_conn *ob, const char *dest_id,
    int64_t after, int64_t count,
    void (*fn)(void *, const struct wh_outbox_row *), void *arg)
{
	return ob->wh->engine->outbox_next(ob, dest_id, after, count, fn, arg);
}

int
warehouse_outbox_delete(struct wh_outbox_conn *ob, const int64_t *seq, size_t n,
    struct wh_delete **del)
{
	*del = NULL;
	return ob->wh->engine->outbox_delete(ob, seq, n, del);
}

int
warehouse_outbox_deleted(struct wh_outbox_conn *ob, struct wh_delete *del,
    int wait)
{
	return ob->wh->engine->outbox_deleted(ob, del, wait);
}

int
warehouse_outbox_fail(struct wh_outbox_conn *ob, const int64_t *seq, size_t n,
    int64_t failed_at, const char *reason, int attempts)
{
	return ob->wh->engine->outbox_fail(ob, seq, n, failed_at, reason,
	    attempts);
}

int
warehouse_outbox_failed(struct warehouse *wh, const char *dest_id,
    int64_t count, void (*fn)(void *, const struct wh_failed_row *),
    void *arg, char *err, size_t errlen)
{
	return wh->engine->outbox_failed(wh, dest_id, count, fn, arg, err,
	    errlen);
}

int
warehouse_outbox_oldest(struct warehouse *wh, const char *dest_id,
    int64_t *at, char *err, size_t errlen)
{
	return wh->engine->outbox_oldest(wh, dest_id, at, err, errlen);
}

int
warehouse_outbox_requeue(struct warehouse *wh, const char *dest_id,
    int64_t now, int64_t *n, char *err, size_t errlen)
{
	return wh->engine->outbox_requeue(wh, dest_id, now, n, err, errlen);
}
