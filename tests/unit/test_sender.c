/*
 * Unit tests of the sender's pure parts (krenalisd/sender.h): the verdict
 * on each answer and the waits of spec/destinations.md §5, the wire
 * formats of §4, bodies bounded by size, reasons; and of the outbox's
 * operations on the SQLite warehouse (warehouse.h): rows read in
 * sequence order, delivered, failed, listed and put back.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "unit.h"
#include "unit_datadir.h"
#include "unit_sqlite.h"
#include "buf.h"
#include "compat.h"
#include "xmalloc.h"
#include "../../krenalisd/config.h"
#include "../../krenalisd/destination.h"
#include "../../krenalisd/sender.h"
#include "../../krenalisd/warehouse.h"

#define DEST	"9hTqW2mPx4Kd"
#define OTHER	"4kD8mPq2WxTr"

static struct config	cf;
static char		datadir[] = "/tmp/krenalis-sender.XXXXXX";

/* §5's table, row by row. */
static void
test_verdict(void)
{
	CHECK_INT(sender_verdict(200, 5), SENDER_DELIVERED);
	CHECK_INT(sender_verdict(204, 1), SENDER_DELIVERED);
	CHECK_INT(sender_verdict(0, 5), SENDER_RETRY);
	CHECK_INT(sender_verdict(408, 5), SENDER_RETRY);
	CHECK_INT(sender_verdict(429, 5), SENDER_RETRY);
	CHECK_INT(sender_verdict(500, 1), SENDER_RETRY);
	CHECK_INT(sender_verdict(503, 5), SENDER_RETRY);
	CHECK_INT(sender_verdict(401, 1), SENDER_RETRY);
	CHECK_INT(sender_verdict(404, 5), SENDER_RETRY);
	CHECK_INT(sender_verdict(400, 2), SENDER_SPLIT);
	CHECK_INT(sender_verdict(413, 500), SENDER_SPLIT);
	CHECK_INT(sender_verdict(422, 3), SENDER_SPLIT);
	CHECK_INT(sender_verdict(400, 1), SENDER_FAILED);
	CHECK_INT(sender_verdict(413, 1), SENDER_FAILED);
	CHECK_INT(sender_verdict(422, 1), SENDER_FAILED);
	CHECK_INT(sender_verdict(301, 5), SENDER_FAILED);
	CHECK_INT(sender_verdict(308, 1), SENDER_FAILED);
}

/* 1 s doubling to 5 min, ±20%; Retry-After capped at 1 h. */
static void
test_backoff(void)
{
	CHECK_INT(sender_backoff(0, 0.5), 1000);
	CHECK_INT(sender_backoff(1, 0.5), 2000);
	CHECK_INT(sender_backoff(2, 0.5), 4000);
	CHECK_INT(sender_backoff(8, 0.5), 256000);
	CHECK_INT(sender_backoff(9, 0.5), 300000);
	CHECK_INT(sender_backoff(1000, 0.5), 300000);
	CHECK_INT(sender_backoff(0, 0), 800);
	CHECK_INT(sender_backoff(0, 0.999999), 1199);
	CHECK_INT(sender_backoff(20, 0), 240000);
	CHECK_INT(sender_retry_after("7", 0), 7000);
	CHECK_INT(sender_retry_after(" 0 ", 0), 0);
	CHECK_INT(sender_retry_after("3600", 0), 3600000);
	CHECK_INT(sender_retry_after("86400", 0), 3600000);
	CHECK_INT(sender_retry_after("99999999999999999999999", 0), 3600000);
	/* 1994-11-06T08:49:37Z is 784111777. */
	CHECK_INT(sender_retry_after("Sun, 06 Nov 1994 08:49:37 GMT",
	    784111777 - 5), 5000);
	CHECK_INT(sender_retry_after("Sun, 06 Nov 1994 08:49:37 GMT",
	    784111777 + 5), 0);
	CHECK_INT(sender_retry_after(NULL, 0), -1);
	CHECK_INT(sender_retry_after("", 0), -1);
	CHECK_INT(sender_retry_after("soon", 0), -1);
	CHECK_INT(sender_retry_after("5s", 0), -1);
	CHECK_INT(sender_retry_after("-5", 0), -1);
}

static void
dest_init(struct destination *d, enum dest_connector c, int batch_size)
{
	memset(d, 0, sizeof(*d));
	d->connector = c;
	d->batch_size = batch_size;
}

/* The body of the n events of evs. */
static char *
body(const struct destination *d, const char *const *evs, size_t n)
{
	struct buf	b;
	size_t		lens[8], i;

	for (i = 0; i < n; i++)
		lens[i] = strlen(evs[i]);
	buf_init(&b);
	sender_body(d, evs, lens, n, 1730385546050, &b);
	return buf_finish(&b);
}

/* §4: webhook arrays, the object alone, segment's batch and sentAt. */
static void
test_body(void)
{
	static const char *const evs[] = { "{\"a\":1}", "{\"b\":2}" };
	struct destination	 d;
	char			*s;

	dest_init(&d, DEST_WEBHOOK, 500);
	CHECK_STR(s = body(&d, evs, 2), "[{\"a\":1},{\"b\":2}]");
	free(s);
	CHECK_STR(s = body(&d, evs, 1), "[{\"a\":1}]");
	free(s);
	dest_init(&d, DEST_WEBHOOK, 1);
	CHECK_STR(s = body(&d, evs, 1), "{\"a\":1}");
	free(s);
	dest_init(&d, DEST_SEGMENT, 1);
	CHECK_STR(s = body(&d, evs, 1), "{\"batch\":[{\"a\":1}],"
	    "\"sentAt\":\"2024-10-31T14:39:06.050Z\"}");
	free(s);
	dest_init(&d, DEST_SEGMENT, 100);
	CHECK_STR(s = body(&d, evs, 2), "{\"batch\":[{\"a\":1},{\"b\":2}],"
	    "\"sentAt\":\"2024-10-31T14:39:06.050Z\"}");
	free(s);
}

/*
 * The segment connector puts traits back in context.traits (§4), also in
 * rows of another form; a row it cannot read so is sent as it is.
 */
static void
test_segment_traits(void)
{
	static const char *const in[] = {
		"{\"connectionId\":\"c\",\"traits\":{},\"type\":\"track\"}",
		"{\"connectionId\":\"c\",\"traits\":{\"a\":{\"traits\":1}},"
		    "\"type\":\"page\",\"userId\":\"u\"}",
		"{\"connectionId\":\"c\",\"context\":{},\"traits\":{\"a\":1},"
		    "\"type\":\"alias\"}",
		"{\"connectionId\":\"c\",\"context\":{\"ip\":\"::1\"},"
		    "\"traits\":{\"a\":1},\"type\":\"screen\"}",
		"{\"connectionId\":\"c\",\"traits\":{\"a\":1},"
		    "\"type\":\"identify\"}",
		"{\"connectionId\":\"c\",\"traits\":{},\"type\":\"group\"}",
		/* Rows not written by this release. */
		"{\"traits\":{\"a\":1},\"type\":\"track\"}",
		"{\"type\":\"track\",\"traits\":{\"a\":1},"
		    "\"context\":{\"ip\":\"x\"}}",
		"{ \"context\" : { } , \"traits\" : {\"a\":1}, "
		    "\"type\":\"page\" }",
		"{\"context\":\"x\",\"traits\":{\"a\":1},\"type\":\"track\"}",
		"{\"traits\":5,\"type\":\"track\"}",
		"[{\"traits\":{\"a\":1},\"type\":\"track\"}]",
	};
	static const char *const out[] = {
		"{\"connectionId\":\"c\",\"type\":\"track\"}",
		"{\"context\":{\"traits\":{\"a\":{\"traits\":1}}},"
		    "\"connectionId\":\"c\",\"type\":\"page\",\"userId\":\"u\"}",
		"{\"connectionId\":\"c\",\"context\":{\"traits\":{\"a\":1}},"
		    "\"type\":\"alias\"}",
		"{\"connectionId\":\"c\",\"context\":{\"traits\":{\"a\":1},"
		    "\"ip\":\"::1\"},\"type\":\"screen\"}",
		"{\"connectionId\":\"c\",\"traits\":{\"a\":1},"
		    "\"type\":\"identify\"}",
		"{\"connectionId\":\"c\",\"traits\":{},\"type\":\"group\"}",
		"{\"context\":{\"traits\":{\"a\":1}},\"type\":\"track\"}",
		"{\"type\":\"track\",\"context\":{\"traits\":{\"a\":1},"
		    "\"ip\":\"x\"}}",
		"{\"context\":{\"traits\":{\"a\":1}},\"type\":\"page\"}",
		"{\"context\":\"x\",\"traits\":{\"a\":1},\"type\":\"track\"}",
		"{\"traits\":5,\"type\":\"track\"}",
		"[{\"traits\":{\"a\":1},\"type\":\"track\"}]",
	};
	struct destination	 d;
	char			*s, *want;
	size_t			 i;

	dest_init(&d, DEST_SEGMENT, 1);
	for (i = 0; i < sizeof(in) / sizeof(in[0]); i++) {
		xasprintf(&want, "{\"batch\":[%s],\"sentAt\":"
		    "\"2024-10-31T14:39:06.050Z\"}", out[i]);
		CHECK_STR(s = body(&d, &in[i], 1), want);
		free(s);
		free(want);
	}
}

/* Batches are bounded by batchSize and by 512 KiB of body (§4). */
static void
test_fit(void)
{
	struct destination	d;
	size_t			lens[1000], i;

	dest_init(&d, DEST_WEBHOOK, 500);
	for (i = 0; i < 1000; i++)
		lens[i] = 100;
	CHECK_INT(sender_fit(&d, lens, 1000), 500);
	CHECK_INT(sender_fit(&d, lens, 7), 7);
	for (i = 0; i < 1000; i++)
		lens[i] = 10000;
	CHECK_INT(sender_fit(&d, lens, 1000), 52);
	lens[0] = SENDER_BODY_MAX * 2;
	CHECK_INT(sender_fit(&d, lens, 1000), 1);
	lens[0] = 10;
	lens[1] = SENDER_BODY_MAX;
	CHECK_INT(sender_fit(&d, lens, 1000), 1);
	dest_init(&d, DEST_WEBHOOK, 1);
	CHECK_INT(sender_fit(&d, lens, 1000), 1);
}

/*
 * A segment body, whose events get their traits back in a context they
 * may not have had, stays within 512 KiB too: 1000 events that each grow
 * by 12 bytes, and 1000 with a context, which do not grow.
 */
static void
test_fit_segment(void)
{
	static const char	*fmt[2] = {
		"{\"type\":\"track\",\"event\":\"e\",\"userId\":\"u\","
		    "\"traits\":{\"p\":\"%s\"},\"messageId\":\"m\"}",
		"{\"type\":\"track\",\"event\":\"e\",\"userId\":\"u\","
		    "\"traits\":{\"p\":\"%s\"},\"context\":{\"a\":1}}",
	};
	struct destination	 d;
	struct buf		 b;
	const char		*evs[1000];
	char			 ev[600], zeros[451];
	size_t			 lens[1000], i, k, n;

	memset(zeros, '0', 450);
	zeros[450] = '\0';
	dest_init(&d, DEST_SEGMENT, 1000);
	for (k = 0; k < 2; k++) {
		snprintf(ev, sizeof(ev), fmt[k], zeros);
		for (i = 0; i < 1000; i++) {
			evs[i] = ev;
			lens[i] = strlen(ev);
		}
		n = sender_fit(&d, lens, 1000);
		buf_init(&b);
		sender_body(&d, evs, lens, n, 1730385546050, &b);
		CHECK_INT(b.len <= SENDER_BODY_MAX, 1);
		/* Not much below it either. */
		CHECK_INT(b.len > SENDER_BODY_MAX / 100 * 95, 1);
		buf_release(&b);
	}
}

static void
test_reasons(void)
{
	char	out[SENDER_REASON_MAX], big[400];

	sender_reason(400, "bad event", 9, out, sizeof(out));
	CHECK_STR(out, "HTTP 400: bad event");
	sender_reason(422, "a\nb\x01\xff", 5, out, sizeof(out));
	CHECK_STR(out, "HTTP 422: a b??");
	sender_reason(500, "", 0, out, sizeof(out));
	CHECK_STR(out, "HTTP 500: ");
	memset(big, 'x', sizeof(big));
	sender_reason(413, big, sizeof(big), out, sizeof(out));
	CHECK_INT(strlen(out), strlen("HTTP 413: ") + SENDER_FAIL_BODY);
}

static sqlite3 *
db_open(void)
{
	sqlite3	*db;
	char	*path;

	xasprintf(&path, "%s/warehouse.db", datadir);
	if (sqlite3_open(path, &db) != SQLITE_OK)
		db = NULL;
	free(path);
	return db;
}

/* Queue events of messageIds m1..mN for dest, queued at 1000 + i. */
static void
queue(const char *dest, int n)
{
	sqlite3	*db = db_open();
	char	*sql;
	int	 i;

	for (i = 1; i <= n; i++) {
		xasprintf(&sql, "INSERT INTO krenalis_outbox (destination_id, "
		    "pipeline_id, queued_at, message_id, event) VALUES ('%s', "
		    "'p1', %d, 'm%d', '{\"messageId\":\"m%d\"}')", dest,
		    1000 + i, i, i);
		CHECK_INT(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
		free(sql);
	}
	sqlite3_close(db);
}

struct seen {
	int64_t	seq[16];
	char	ids[256];
	size_t	n;
};

static void
see_row(void *arg, const struct wh_outbox_row *r)
{
	struct seen	*s = arg;

	if (s->n < 16)
		s->seq[s->n] = r->seq;
	s->n++;
	strlcat(s->ids, r->message_id, sizeof(s->ids));
	strlcat(s->ids, strlen(r->event) == r->eventlen ? " " : "! ",
	    sizeof(s->ids));
}

static void
see_failed(void *arg, const struct wh_failed_row *r)
{
	struct seen	*s = arg;
	char		 line[128];

	snprintf(line, sizeof(line), "%s/%s/%lld/%lld/%s ", r->message_id,
	    r->pipeline_id, (long long)r->attempts, (long long)r->queued_at,
	    r->reason);
	strlcat(s->ids, line, sizeof(s->ids));
	s->n++;
}

static void
see_count(void *arg, const char *id, int64_t n)
{
	struct seen	*s = arg;
	char		 line[64];

	snprintf(line, sizeof(line), "%s=%lld ", id, (long long)n);
	strlcat(s->ids, line, sizeof(s->ids));
}

/* Read, delete, fail, list and requeue, as the sender and krctl do. */
static void
test_outbox(void)
{
	struct warehouse	*wh;
	struct wh_outbox_conn	*ob;
	struct wh_delete	*del;
	struct seen		 s;
	char			 err[512];
	int64_t			 n = 0;

	if ((wh = warehouse_open("sqlite", &cf, err, sizeof(err))) == NULL ||
	    warehouse_ensure_schema(wh, err, sizeof(err)) == -1) {
		printf("  %s\n", err);
		CHECK(0);
		return;
	}
	queue(DEST, 5);
	queue(OTHER, 2);
	if ((ob = warehouse_outbox_open(wh, "node", err, sizeof(err))) == NULL) {
		printf("  %s\n", err);
		CHECK(0);
		warehouse_close(wh);
		return;
	}
	memset(&s, 0, sizeof(s));
	CHECK_INT(warehouse_outbox_count(ob, see_count, &s), 0);
	CHECK_STR(s.ids, OTHER "=2 " DEST "=5 ");

	memset(&s, 0, sizeof(s));
	CHECK_INT(warehouse_outbox_next(ob, DEST, 0, 3, see_row, &s), 0);
	CHECK_STR(s.ids, "m1 m2 m3 ");
	memset(&s, 0, sizeof(s));
	CHECK_INT(warehouse_outbox_next(ob, DEST, 3, 10, see_row, &s), 0);
	CHECK_STR(s.ids, "m4 m5 ");
	memset(&s, 0, sizeof(s));
	CHECK_INT(warehouse_outbox_next(ob, DEST, 0, 10, see_row, &s), 0);
	CHECK_INT(s.n, 5);

	CHECK_INT(warehouse_outbox_delete(ob, s.seq, 2, &del), 0);
	CHECK_INT(warehouse_outbox_fail(ob, s.seq + 2, 2, 5000,
	    "HTTP 400: no", 3), 0);
	CHECK_INT(unit_wh_int(datadir,
	    "SELECT count(*) FROM krenalis_outbox WHERE "
	    "destination_id = '" DEST "'"), 1);
	CHECK_INT(unit_wh_int(datadir,
	    "SELECT failed_at FROM krenalis_outbox_failed "
	    "WHERE message_id = 'm3'"), 5000);
	CHECK_INT(warehouse_outbox_fail(ob, s.seq + 4, 1, 6000,
	    "expired after 1m", 0), 0);

	memset(&s, 0, sizeof(s));
	CHECK_INT(warehouse_outbox_failed(wh, DEST, 10, see_failed, &s, err,
	    sizeof(err)), 0);
	CHECK_STR(s.ids, "m5/p1/0/1005/expired after 1m "
	    "m4/p1/3/1004/HTTP 400: no m3/p1/3/1003/HTTP 400: no ");
	memset(&s, 0, sizeof(s));
	CHECK_INT(warehouse_outbox_failed(wh, DEST, 1, see_failed, &s, err,
	    sizeof(err)), 0);
	CHECK_INT(s.n, 1);
	memset(&s, 0, sizeof(s));
	CHECK_INT(warehouse_outbox_failed(wh, OTHER, 10, see_failed, &s, err,
	    sizeof(err)), 0);
	CHECK_INT(s.n, 0);

	CHECK_INT(warehouse_outbox_requeue(wh, DEST, 9000, &n, err,
	    sizeof(err)), 0);
	CHECK_INT(n, 3);
	CHECK_INT(unit_wh_int(datadir,
	    "SELECT count(*) FROM krenalis_outbox_failed"), 0);
	memset(&s, 0, sizeof(s));
	CHECK_INT(warehouse_outbox_next(ob, DEST, 0, 10, see_row, &s), 0);
	CHECK_STR(s.ids, "m3 m4 m5 ");
	CHECK_INT(unit_wh_int(datadir,
	    "SELECT min(queued_at) FROM krenalis_outbox WHERE "
	    "message_id IN ('m3', 'm4', 'm5')"), 9000);
	warehouse_outbox_close(ob);
	warehouse_close(wh);
}

int
main(void)
{
	if (unit_datadir_init(&cf, datadir) == -1)
		return 1;
	UNIT_RUN(test_verdict);
	UNIT_RUN(test_backoff);
	UNIT_RUN(test_body);
	UNIT_RUN(test_segment_traits);
	UNIT_RUN(test_fit);
	UNIT_RUN(test_fit_segment);
	UNIT_RUN(test_reasons);
	UNIT_RUN(test_outbox);
	return unit_datadir_end(&cf, datadir, UNIT_END());
}
