/* The engines' table and what they share; see warehouse.h. */
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "timestamp.h"
#include "warehouse.h"

static const struct wh_engine *const engines[] = {
	&wh_sqlite,
};

struct warehouse *
warehouse_open(const char *name, const struct config *cf, char *err,
    size_t errlen)
{
	struct warehouse	*wh;
	size_t			 i;

	for (i = 0; i < sizeof(engines) / sizeof(engines[0]); i++) {
		if (strcmp(engines[i]->name, name) != 0)
			continue;
		if ((wh = engines[i]->open(cf, err, errlen)) != NULL)
			wh->engine = engines[i];
		return wh;
	}
	snprintf(err, errlen, "no warehouse engine is called %s", name);
	return NULL;
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
	if (timestamp_now() - atomic_load(&wh->last_commit) < 1000)
		return 1;
	if (!wh->engine->probe(wh))
		return 0;
	atomic_store(&wh->last_commit, timestamp_now());
	return 1;
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
warehouse_begin(struct wh_session *s)
{
	return s->wh->engine->begin(s);
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

int
warehouse_commit(struct wh_session *s)
{
	if (s->wh->engine->commit(s) == -1)
		return -1;
	atomic_store(&s->wh->last_commit, timestamp_now());
	return 0;
}

void
warehouse_rollback(struct wh_session *s)
{
	s->wh->engine->rollback(s);
}
