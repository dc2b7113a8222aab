/* Decoded rows and database helpers of the benchmark; see rows.h. */
#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "jsonscan.h"
#include "timestamp.h"
#include "xmalloc.h"
#include "wh_sqlite.h"
#include "rows.h"

struct event *
rows_decode(const struct payload *p, const char *body, int64_t received_at)
{
	struct jsonscan		 js;
	struct event_req	 er;
	struct event		*evs;
	const struct jsonscan_span *sp;
	size_t			 i, n;

	if (body == NULL)
		body = p->body;
	if (jsonscan_parse(&js, body, p->len) == -1)
		errx(1, "payload is not JSON: %s", js.detail);
	memset(&er, 0, sizeof(er));
	er.received_at = received_at;
	er.source_id = "benchsource0";
	er.request_ip = "127.0.0.1";
	er.max_event_bytes = 32768;
	if (js.root.kind == JSONSCAN_ARRAY) {
		er.shape = EVENT_SHAPE_BATCH;
		sp = js.elems;
		n = js.root_count;
	} else {
		er.shape = EVENT_SHAPE_SINGLE;
		er.default_type = EVENT_TRACK;
		sp = &js.root;
		n = 1;
	}
	if (n != p->n)
		errx(1, "payload: %zu events scanned, %zu expected", n, p->n);
	evs = xcalloc(n, sizeof(*evs));
	for (i = 0; i < n; i++) {
		event_init(&evs[i]);
		if (event_decode(&er, body + sp[i].off, sp[i].len,
		    &evs[i]) == -1)
			errx(1, "payload event %zu rejected: %s", i,
			    evs[i].error);
	}
	jsonscan_release(&js);
	return evs;
}

void
rows_free(struct event *evs, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		event_release(&evs[i]);
	free(evs);
}

void
rows_set_received(struct event *ev, int64_t ms)
{
	ev->received_at = ms;
	timestamp_format(ms, ev->received_at_text);
}

void
rows_set_message_id(struct event *ev, const char *id)
{
	ev->message_id = id;
	ev->len[EVENT_STR_MESSAGE_ID] = id != NULL ? strlen(id) : 0;
}

void
rows_dedupe_flush(sqlite3_stmt *st, struct dedupe_group *g, int64_t *row)
{
	if (g->n == 0)
		return;
	sqlite3_reset(st);
	wh_sqlite_bind_dedupe(st, (*row)++, g);
	if (sqlite3_step(st) != SQLITE_DONE)
		errx(1, "dedupe insert: %s",
		    sqlite3_errmsg(sqlite3_db_handle(st)));
	dedupe_group_clear(g);
}

void
rows_dedupe_add(sqlite3_stmt *st, struct dedupe_group *g, int64_t *row,
    const char *id, size_t len, int64_t at)
{
	if (!dedupe_group_fits(g, len, at))
		rows_dedupe_flush(st, g, row);
	dedupe_group_add(g, id, len, at);
}

void
rows_db_remove(const char *path)
{
	char	*s;

	unlink(path);
	xasprintf(&s, "%s-wal", path);
	unlink(s);
	free(s);
	xasprintf(&s, "%s-shm", path);
	unlink(s);
	free(s);
}

sqlite3 *
rows_db_create(const char *path)
{
	sqlite3	*db;

	rows_db_remove(path);
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK)
		errx(1, "%s: %s", path, sqlite3_errmsg(db));
	return db;
}
