/*
 * Unit tests of the SQLite warehouse's file (krenalisd/wh_sqlite.c): a
 * new warehouse.db has pages of WH_SQLITE_PAGE_SIZE, one made with 4 KiB
 * pages keeps them and takes events, the rows the writer commits
 * without evaluating the CHECK constraints keep them, and a sender's
 * delete is done in the writer's transaction while the writer is at work,
 * or by the sender when that transaction fails, one statement per run of
 * seqs; the daemon gives the outbox's seqs, in commit order.
 */
#include <sys/mount.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "unit.h"
#include "unit_datadir.h"
#include "unit_sqlite.h"
#include "compat.h"
#include "timestamp.h"
#include "xmalloc.h"
#include "../../krenalisd/config.h"
#include "../../krenalisd/event.h"
#include "../../krenalisd/warehouse.h"
#include "../../krenalisd/wh_sqlite.h"


static struct config	cf;
static char		datadir[] = "/tmp/krenalis-whsq.XXXXXX";

/* Run sql on db, counting a failed check when it fails. */
static void
exec(sqlite3 *db, const char *sql)
{
	char	*msg = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK)
		printf("  %s: %s\n", sql, msg);
	CHECK(msg == NULL);
	sqlite3_free(msg);
}

/*
 * Run sql, then then when not NULL, on the warehouse.db of the data
 * directory, on a connection of its own.
 */
static void
exec_wh(const char *sql, const char *then)
{
	sqlite3	*db;
	char	*path;

	xasprintf(&path, "%s/warehouse.db", datadir);
	CHECK_INT(sqlite3_open(path, &db), SQLITE_OK);
	exec(db, sql);
	if (then != NULL)
		exec(db, then);
	sqlite3_close(db);
	free(path);
}

/* Remove the warehouse and its WAL from the data directory. */
static void
remove_wh(void)
{
	const char	*suffix[] = { "", "-wal", "-shm" };
	char		*path;
	size_t		 i;

	for (i = 0; i < sizeof(suffix) / sizeof(suffix[0]); i++) {
		xasprintf(&path, "%s/warehouse.db%s", datadir, suffix[i]);
		unlink(path);
		free(path);
	}
}

/*
 * Queue rows 1 to n (at most 8) for destination "d", message ids m1 to
 * mn, in the warehouse of the data directory, then run then (or not).
 */
static void
outbox_fill(int n, const char *then)
{
	char	sql[1024];
	size_t	len;
	int	i;

	len = (size_t)snprintf(sql, sizeof(sql), "INSERT INTO krenalis_outbox "
	    "(seq, destination_id, pipeline_id, queued_at, message_id, event) "
	    "VALUES ");
	for (i = 1; i <= n && len < sizeof(sql); i++)
		len += (size_t)snprintf(sql + len, sizeof(sql) - len,
		    "%s(%d, 'd', 'p', 0, 'm%d', '{}')", i > 1 ? ", " : "", i,
		    i);
	exec_wh(sql, then);
}

/* The request of the events the tests decode. */
static void
req_init(struct event_req *r)
{
	memset(r, 0, sizeof(*r));
	r->received_at = timestamp_now();
	r->source_id = "7bXk2mQp9RtL";
	r->shape = EVENT_SHAPE_BATCH;
	r->request_ip = "203.0.113.7";
	r->max_event_bytes = 32768;
}

/*
 * Open the warehouse of the data directory, ensure its schema and commit
 * the n events of raw, each with messageId "<id>-<index>", in one
 * transaction of a session of its own, then close.
 */
static void
store(const char *id, const char *const *raw, size_t n)
{
	struct warehouse	*wh;
	struct wh_session	*s;
	struct event_req	 r;
	struct event		 ev;
	enum outcome		 o;
	char			 err[512], buf[1024];
	size_t			 i;

	if ((wh = warehouse_open("sqlite", &cf, err, sizeof(err))) == NULL) {
		printf("  open: %s\n", err);
		CHECK(0);
		return;
	}
	CHECK_INT(warehouse_ensure_schema(wh, err, sizeof(err)), 0);
	if ((s = warehouse_session_new(wh, err, sizeof(err))) == NULL) {
		printf("  session: %s\n", err);
		CHECK(0);
		warehouse_close(wh);
		return;
	}
	req_init(&r);
	CHECK_INT(warehouse_begin(s, timestamp_monotonic()), 0);
	for (i = 0; i < n; i++) {
		/* Each raw event is an object left open for its messageId. */
		snprintf(buf, sizeof(buf), "%s,\"messageId\":\"%s-%zu\"}",
		    raw[i], id, i);
		event_init(&ev);
		if (event_decode(&r, buf, strlen(buf), &ev) != 0)
			printf("  %s: %s\n", buf, ev.error);
		CHECK(ev.error == NULL);
		o = OUTCOME_STORED;
		CHECK_INT(warehouse_add(s, &ev, 1, &o), 0);
		CHECK_INT(o, OUTCOME_STORED);
		event_release(&ev);
	}
	CHECK_INT(warehouse_commit(s), 0);
	warehouse_session_free(s);
	warehouse_close(wh);
}

/* Commit one track event with messageId "<id>-0". */
static void
store_one(const char *id)
{
	const char	*raw = "{\"type\":\"track\",\"event\":\"e\","
			    "\"userId\":\"u1\"";

	store(id, &raw, 1);
}

static void
test_new_page_size(void)
{
	remove_wh();
	store_one("new-1");
	CHECK_INT(unit_wh_int(datadir, "PRAGMA page_size"),
	    WH_SQLITE_PAGE_SIZE);
	CHECK_INT(unit_wh_int(datadir, "SELECT count(*) FROM events"), 1);
	store_one("new-2");
	CHECK_INT(unit_wh_int(datadir, "SELECT count(*) FROM events"), 2);
}

/* A warehouse made before, with 4 KiB pages, keeps them. */
static void
test_old_page_size(void)
{
	remove_wh();
	exec_wh("PRAGMA page_size=4096; PRAGMA journal_mode=WAL; "
	    "CREATE TABLE before (a)", NULL);
	store_one("old-1");
	store_one("old-2");
	CHECK_INT(unit_wh_int(datadir, "PRAGMA page_size"), 4096);
	CHECK_INT(unit_wh_int(datadir, "SELECT count(*) FROM events"), 2);
}

/*
 * The first line PRAGMA integrity_check gives on the warehouse, opened
 * for writing: read-only, SQLite does not evaluate the CHECKs.
 */
static void
integrity(char *out, size_t outlen)
{
	sqlite3		*db;
	sqlite3_stmt	*st;
	char		*path;

	snprintf(out, outlen, "(no answer)");
	xasprintf(&path, "%s/warehouse.db", datadir);
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL) ==
	    SQLITE_OK && sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1,
	    &st, NULL) == SQLITE_OK) {
		if (sqlite3_step(st) == SQLITE_ROW)
			snprintf(out, outlen, "%s",
			    (const char *)sqlite3_column_text(st, 0));
		sqlite3_finalize(st);
	}
	sqlite3_close(db);
	free(path);
}

#define TRACK	"{\"type\":\"track\",\"event\":\"e\",\"userId\":\"u1\""
#define BROWSER(n)	TRACK ",\"context\":{\"browser\":{\"name\":\"" n "\"}}"
#define OS(n)		TRACK ",\"context\":{\"os\":{\"name\":\"" n "\"}}"
#define AGENT(a)	TRACK ",\"context\":{\"userAgent\":\"" a "\"}"

/*
 * The writer's connection skips the DDL's CHECK constraints
 * (wh_sqlite_unchecked_sql): every value it can bind to their columns
 * must keep them.  Every type, browser and OS name given in any case or
 * unknown, and a user agent of every rule, committed through a session,
 * leave a warehouse whose integrity check, which evaluates the CHECKs,
 * is "ok"; a row that breaks one, written the same way, does not.
 */
static void
test_checks_hold(void)
{
	static const char *const raw[] = {
		TRACK,
		"{\"type\":\"identify\",\"userId\":\"u1\"",
		"{\"type\":\"group\",\"groupId\":\"g1\",\"userId\":\"u1\"",
		"{\"type\":\"page\",\"userId\":\"u1\"",
		"{\"type\":\"screen\",\"userId\":\"u1\"",
		"{\"type\":\"alias\",\"previousId\":\"p1\",\"userId\":\"u1\"",
		BROWSER("Chrome"), BROWSER("safari"), BROWSER("EDGE"),
		BROWSER("firefox"), BROWSER("samsung internet"),
		BROWSER("Opera"), BROWSER("Other"), BROWSER("Netscape"),
		BROWSER("chrome "),
		OS("Android"), OS("WINDOWS"), OS("ios"), OS("macOS"),
		OS("darwin"), OS("linux"), OS("Chrome OS"), OS("Other"),
		OS("BeOS"),
		AGENT("Mozilla/5.0 (Windows NT 10.0; Win64; x64) "
		    "AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 "
		    "Safari/537.36"),
		AGENT("Mozilla/5.0 (Windows NT 10.0; Win64; x64) "
		    "AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 "
		    "Safari/537.36 Edg/120.0.0.0"),
		AGENT("Mozilla/5.0 (X11; Linux x86_64; rv:132.0) "
		    "Gecko/20100101 Firefox/132.0"),
		AGENT("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) "
		    "AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 "
		    "Safari/605.1.15"),
		AGENT("Mozilla/5.0 (iPhone; CPU iPhone OS 17_1_2 like Mac OS "
		    "X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
		    "Version/17.1 Mobile/15E148 Safari/604.1"),
		AGENT("Mozilla/5.0 (Linux; Android 13; SM-S901B) "
		    "AppleWebKit/537.36 (KHTML, like Gecko) "
		    "SamsungBrowser/23.0 Chrome/115.0.0.0 Mobile "
		    "Safari/537.36"),
		AGENT("Mozilla/5.0 (Windows NT 10.0; Win64; x64) "
		    "AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 "
		    "Safari/537.36 OPR/105.0.0.0"),
		AGENT("Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) "
		    "AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 "
		    "Safari/537.36"),
		AGENT("Mozilla/5.0 (Windows Phone 10.0; Android 6.0.1; "
		    "Microsoft; Lumia 950) AppleWebKit/537.36 (KHTML, like "
		    "Gecko) Chrome/52.0 Mobile Safari/537.36 Edge/15.15063"),
		AGENT("Mozilla/5.0 (compatible; Googlebot/2.1; "
		    "+http://www.google.com/bot.html)"),
		AGENT("curl/8.5.0"),
	};
	char	out[256];

	remove_wh();
	store("checks", raw, sizeof(raw) / sizeof(raw[0]));
	CHECK_INT(unit_wh_int(datadir, "SELECT count(*) FROM events"),
	    (long long)(sizeof(raw) / sizeof(raw[0])));
	CHECK_INT(unit_wh_int(datadir, "SELECT count(DISTINCT type) FROM "
	    "events"), 6);
	CHECK_INT(unit_wh_int(datadir, "SELECT count(DISTINCT "
	    "context_browser_name) FROM events"), 7);
	CHECK_INT(unit_wh_int(datadir, "SELECT count(DISTINCT "
	    "context_os_name) FROM events"), 7);
	integrity(out, sizeof(out));
	CHECK_STR(out, "ok");

	/* The check above can fail: a name outside the list. */
	exec_wh(wh_sqlite_unchecked_sql, "UPDATE krenalis_events SET "
	    "context_browser_name = 'Netscape' WHERE rowid = 1");
	integrity(out, sizeof(out));
	CHECK_STR(out, "CHECK constraint failed in krenalis_events");
}

/* A sender thread's delete of rows, timed. */
struct deleter {
	struct wh_outbox_conn	*ob;
	pthread_t		 thread;
	int64_t			 seq[8];
	size_t			 n;
	int			 rc;
	int			 handed;	/* to the writer */
	double			 t0;		/* when it was started */
	double			 secs;		/* from t0 to the answer */
};

static double
now_secs(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/*
 * Delete the n rows of seq, waiting for a delete handed to the writer;
 * *handed (when not NULL) says whether it was.
 */
static int
delete_wait(struct wh_outbox_conn *ob, const int64_t *seq, size_t n,
    int *handed)
{
	struct wh_delete	*del;
	int			 rc;

	rc = warehouse_outbox_delete(ob, seq, n, &del);
	if (handed != NULL)
		*handed = rc == 1;
	if (rc == 1)
		rc = warehouse_outbox_deleted(ob, del, 1);
	return rc;
}

static void *
deleter_main(void *arg)
{
	struct deleter	*d = arg;

	d->rc = delete_wait(d->ob, d->seq, d->n, &d->handed);
	d->secs = now_secs() - d->t0;
	return NULL;
}

/* Start deleting the n rows of seq, n at most 8. */
static void
deleter_start(struct deleter *d, struct wh_outbox_conn *ob,
    const int64_t *seq, size_t n)
{
	d->ob = ob;
	memcpy(d->seq, seq, n * sizeof(*seq));
	d->n = n;
	d->rc = -2;
	d->handed = 0;
	d->t0 = now_secs();
	CHECK_INT(pthread_create(&d->thread, NULL, deleter_main, d), 0);
}

/*
 * Start the deleters first and second 20 ms apart, each with its one row,
 * and give the second 20 ms too: both are queued for the writer when it
 * is at work.
 */
static void
hand_two(struct deleter *first, struct wh_outbox_conn *ob1, int64_t seq1,
    struct deleter *second, struct wh_outbox_conn *ob2, int64_t seq2)
{
	deleter_start(first, ob1, &seq1, 1);
	usleep(20 * 1000);
	deleter_start(second, ob2, &seq2, 1);
	usleep(20 * 1000);
}

/* Close what is not NULL of a warehouse, its session and two outboxes. */
static void
wh_close_all(struct warehouse *wh, struct wh_session *s,
    struct wh_outbox_conn *ob1, struct wh_outbox_conn *ob2)
{
	if (ob1 != NULL)
		warehouse_outbox_close(ob1);
	if (ob2 != NULL)
		warehouse_outbox_close(ob2);
	if (s != NULL)
		warehouse_session_free(s);
	if (wh != NULL)
		warehouse_close(wh);
}

/*
 * Open the warehouse of the data directory with a session and one or two
 * outbox connections (ob2 NULL for one): 0, or -1 with a failed check
 * counted and nothing left open (all NULL).
 */
static int
wh_open_all(struct warehouse **wh, struct wh_session **s,
    struct wh_outbox_conn **ob1, struct wh_outbox_conn **ob2)
{
	char	err[512];

	*s = NULL;
	*ob1 = NULL;
	if (ob2 != NULL)
		*ob2 = NULL;
	if ((*wh = warehouse_open("sqlite", &cf, err, sizeof(err))) == NULL)
		goto fail;
	if ((*s = warehouse_session_new(*wh, err, sizeof(err))) == NULL ||
	    (*ob1 = warehouse_outbox_open(*wh, "node", err,
	    sizeof(err))) == NULL || (ob2 != NULL &&
	    (*ob2 = warehouse_outbox_open(*wh, "node", err,
	    sizeof(err))) == NULL))
		goto fail;
	return 0;
fail:
	printf("  open: %s\n", err);
	CHECK(0);
	wh_close_all(*wh, *s, *ob1, ob2 != NULL ? *ob2 : NULL);
	*wh = NULL;
	*s = NULL;
	*ob1 = NULL;
	if (ob2 != NULL)
		*ob2 = NULL;
	return -1;
}

static long long
outbox_rows(void)
{
	return unit_wh_int(datadir, "SELECT count(*) FROM krenalis_outbox");
}

/*
 * With the writer at work (its session s has just committed), start
 * deleting the n rows of seq, check that they are still there 60 ms
 * later, then commit again: the delete's result, and in *secs how long it
 * took.
 */
static int
delete_at_work(struct wh_session *s, struct wh_outbox_conn *ob,
    const int64_t *seq, size_t n, double *secs)
{
	struct deleter	d;
	long long	before = outbox_rows();

	CHECK_INT(warehouse_begin(s, timestamp_monotonic()), 0);
	CHECK_INT(warehouse_commit(s), 0);
	deleter_start(&d, ob, seq, n);
	usleep(60 * 1000);
	CHECK_INT(outbox_rows(), before);
	CHECK_INT(warehouse_begin(s, timestamp_monotonic()), 0);
	CHECK_INT(warehouse_commit(s), 0);
	pthread_join(d.thread, NULL);
	CHECK(d.handed);
	*secs = d.secs;
	return d.rc;
}

/*
 * A delete of delivered rows while the writer is at work (it committed
 * within the last 100 ms) waits for the writer's next transaction and is
 * done in it; with the writer idle it is done at once on the sender's
 * own connection, and one the writer does not take within 250 ms too,
 * or that waits when the writer's session is freed.
 */
static void
test_delete_in_writer(void)
{
	struct warehouse	*wh;
	struct wh_session	*s;
	struct wh_outbox_conn	*ob;
	struct deleter		 d;
	double			 secs;

	remove_wh();
	store_one("del");
	outbox_fill(4, NULL);
	CHECK_INT(outbox_rows(), 4);

	if (wh_open_all(&wh, &s, &ob, NULL) == -1)
		return;

	/* The writer has not committed: done here, at once. */
	deleter_start(&d, ob, (int64_t[]){ 1 }, 1);
	pthread_join(d.thread, NULL);
	CHECK(!d.handed);
	CHECK_INT(d.rc, 0);
	CHECK(d.secs < 0.1);
	CHECK_INT(outbox_rows(), 3);

	/* At work: the delete waits for its next commit, and is in it. */
	CHECK_INT(delete_at_work(s, ob, (int64_t[]){ 2 }, 1, &secs), 0);
	CHECK(secs >= 0.05 && secs < 0.25);
	CHECK_INT(outbox_rows(), 2);

	/* At work, but no commit comes: done here after 250 ms. */
	CHECK_INT(warehouse_begin(s, timestamp_monotonic()), 0);
	CHECK_INT(warehouse_commit(s), 0);
	deleter_start(&d, ob, (int64_t[]){ 3 }, 1);
	pthread_join(d.thread, NULL);
	CHECK(d.handed);
	CHECK_INT(d.rc, 0);
	CHECK(d.secs >= 0.25);
	CHECK_INT(outbox_rows(), 1);

	/* The writer stops: what waits for it is done here at once. */
	CHECK_INT(warehouse_begin(s, timestamp_monotonic()), 0);
	CHECK_INT(warehouse_commit(s), 0);
	deleter_start(&d, ob, (int64_t[]){ 4 }, 1);
	usleep(30 * 1000);
	warehouse_session_free(s);
	s = NULL;
	pthread_join(d.thread, NULL);
	CHECK(d.handed);
	CHECK_INT(d.rc, 0);
	CHECK(d.secs < 0.2);
	CHECK_INT(outbox_rows(), 0);
	wh_close_all(wh, s, ob, NULL);
}

/*
 * A delete handed to the writer does not hold its sender: the answer is
 * 1 at once, and the delete is in the writer's next transaction, which
 * takes it as it begins.  When that transaction rolls back, or none
 * comes within 250 ms, the sender's next look does it on its own
 * connection.
 */
static void
test_delete_handed(void)
{
	struct warehouse	*wh;
	struct wh_session	*s;
	struct wh_outbox_conn	*ob;
	struct wh_delete	*del;
	double			 t0;

	remove_wh();
	store_one("handed");
	outbox_fill(3, NULL);
	if (wh_open_all(&wh, &s, &ob, NULL) == -1)
		return;

	/* Handed over, then committed in the next transaction. */
	CHECK_INT(warehouse_begin(s, timestamp_monotonic()), 0);
	CHECK_INT(warehouse_commit(s), 0);
	t0 = now_secs();
	CHECK_INT(warehouse_outbox_delete(ob, (int64_t[]){ 1 }, 1, &del), 1);
	CHECK(now_secs() - t0 < 0.05);
	CHECK_INT(warehouse_outbox_deleted(ob, del, 0), 1);
	CHECK_INT(warehouse_begin(s, timestamp_monotonic()), 0);
	CHECK_INT(warehouse_outbox_deleted(ob, del, 0), 1);
	CHECK_INT(outbox_rows(), 3);
	CHECK_INT(warehouse_commit(s), 0);
	CHECK_INT(warehouse_outbox_deleted(ob, del, 0), 0);
	CHECK_INT(outbox_rows(), 2);

	/* Taken as the transaction began, which then rolls back. */
	CHECK_INT(warehouse_outbox_delete(ob, (int64_t[]){ 2 }, 1, &del), 1);
	CHECK_INT(warehouse_begin(s, timestamp_monotonic()), 0);
	warehouse_rollback(s);
	CHECK_INT(outbox_rows(), 2);
	CHECK_INT(warehouse_outbox_deleted(ob, del, 0), 0);
	CHECK_INT(outbox_rows(), 1);

	/* No transaction comes: done here once 250 ms have passed. */
	CHECK_INT(warehouse_begin(s, timestamp_monotonic()), 0);
	CHECK_INT(warehouse_commit(s), 0);
	CHECK_INT(warehouse_outbox_delete(ob, (int64_t[]){ 3 }, 1, &del), 1);
	usleep(150 * 1000);
	CHECK_INT(warehouse_outbox_deleted(ob, del, 0), 1);
	usleep(150 * 1000);
	CHECK_INT(warehouse_outbox_deleted(ob, del, 0), 0);
	CHECK_INT(outbox_rows(), 0);
	wh_close_all(wh, s, ob, NULL);
}

/*
 * A warehouse whose outbox holds rows 1 and 2, and whose deletes of row 1
 * fail with RAISE(how, 'why') in a trigger, opened with a session that
 * has just committed (the writer at work) and two outbox connections: 0,
 * or -1 with a failed check counted and nothing left open.
 */
static int
keep_row1(const char *how, const char *why, struct warehouse **wh,
    struct wh_session **s, struct wh_outbox_conn **ob1,
    struct wh_outbox_conn **ob2)
{
	char	*sql;

	remove_wh();
	store_one(why);
	xasprintf(&sql, "CREATE TRIGGER keep1 BEFORE DELETE ON "
	    "krenalis_outbox WHEN old.seq = 1 BEGIN SELECT RAISE(%s, '%s'); "
	    "END", how, why);
	outbox_fill(2, sql);
	free(sql);
	if (wh_open_all(wh, s, ob1, ob2) == -1)
		return -1;
	CHECK_INT(warehouse_begin(*s, timestamp_monotonic()), 0);
	CHECK_INT(warehouse_commit(*s), 0);
	return 0;
}

/*
 * A delete that fails in the writer's transaction (here a trigger keeps
 * row 1) goes back to its sender, with those queued after it, and the
 * transaction commits: its events are what matters.  The sender then
 * deletes on its own connection, which keeps row 1 too, and says why.
 */
static void
test_delete_fails_in_writer(void)
{
	struct warehouse	*wh;
	struct wh_session	*s;
	struct wh_outbox_conn	*ob1, *ob2;
	struct deleter		 a, b;

	if (keep_row1("ABORT", "kept", &wh, &s, &ob1, &ob2) == -1)
		return;
	hand_two(&a, ob1, 1, &b, ob2, 2);
	CHECK_INT(warehouse_begin(s, timestamp_monotonic()), 0);
	CHECK_INT(warehouse_commit(s), 0);
	pthread_join(a.thread, NULL);
	pthread_join(b.thread, NULL);
	CHECK_INT(a.rc, -1);
	/* The reason outlives the rollback. */
	CHECK_STR(warehouse_outbox_error(ob1), "kept");
	CHECK_INT(b.rc, 0);
	/* Both waited for the commit, which took them, then gave them back. */
	CHECK(a.secs >= 0.03 && a.secs < 0.2);
	CHECK(b.secs >= 0.015 && b.secs < 0.2);
	CHECK_INT(outbox_rows(), 1);
	CHECK_INT(unit_wh_int(datadir, "SELECT seq FROM krenalis_outbox"), 1);
	wh_close_all(wh, s, ob1, ob2);
}

/* Write zeros to path until the file system is full: 0, or -1. */
static int
fill_disk(const char *path)
{
	static const char	zeros[4096];
	int			fd;
	ssize_t			n;

	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600)) == -1)
		return -1;
	while ((n = write(fd, zeros, sizeof(zeros))) > 0)
		;
	close(fd);
	return n == -1 && errno == ENOSPC ? 0 : -1;
}

/* Join d's thread within secs seconds: 0, or -1 (it is left running). */
static int
deleter_join(struct deleter *d, int secs)
{
	struct timespec	ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += secs;
	return pthread_timedjoin_np(d->thread, NULL, &ts) == 0 ? 0 : -1;
}

/*
 * A transaction that took a sender's delete and then fails to commit
 * (the disk is full: a tmpfs filled to its last byte) gives the delete
 * back at once: the row is still there, and the sender, which waits for
 * a taken delete without a deadline, tries on its own connection, which
 * fails too.  With room again its delete succeeds, and so does the
 * writer's next transaction.  Needs root, to mount the tmpfs.
 */
static void
test_delete_rolled_back(void)
{
	struct warehouse	*wh = NULL;
	struct wh_session	*s = NULL;
	struct wh_outbox_conn	*ob = NULL;
	struct deleter		 d;
	char			*filler;
	int			 i, rc, joined = 0;

	remove_wh();
	if (mount("krenalis-unit", datadir, "tmpfs", 0, "size=8m") == -1) {
		printf("  mount a tmpfs on %s (needs root): %s\n", datadir,
		    strerror(errno));
		CHECK(0);
		return;
	}
	xasprintf(&filler, "%s/filler", datadir);
	store_one("rb");
	outbox_fill(2, NULL);
	if (wh_open_all(&wh, &s, &ob, NULL) == -1)
		goto out;

	/*
	 * The disk fills, and the writer is at work: a transaction with
	 * nothing in it still commits on a full disk.  It commits every
	 * 10 ms, until one has the sender's delete in it and fails.
	 */
	CHECK_INT(fill_disk(filler), 0);
	CHECK_INT(warehouse_begin(s, timestamp_monotonic()), 0);
	CHECK_INT(warehouse_commit(s), 0);
	deleter_start(&d, ob, (int64_t[]){ 1 }, 1);
	for (i = 0, rc = 0; i < 100 && rc == 0 && !joined; i++) {
		usleep(10 * 1000);
		if (pthread_tryjoin_np(d.thread, NULL) == 0)
			joined = 1;	/* done without the writer */
		else {
			CHECK_INT(warehouse_begin(s, timestamp_monotonic()), 0);
			if ((rc = warehouse_commit(s)) == -1)
				warehouse_rollback(s);
		}
	}
	CHECK_INT(rc, -1);
	if (!joined && deleter_join(&d, 2) == -1) {
		/* Left as it is, with its connection: the test ends. */
		CHECK(!"the sender still waits for the rolled back delete");
		umount2(datadir, MNT_DETACH);
		free(filler);
		return;
	}
	/*
	 * Given back by the rollback at once, sooner than the 250 ms after
	 * which a sender stops waiting for the writer, then failed on the
	 * sender's own connection: the row is still there.
	 */
	CHECK_INT(d.rc, -1);
	CHECK(d.secs < 0.25);
	CHECK_INT(outbox_rows(), 2);

	/* Room again: the sender's delete, and the writer, succeed. */
	unlink(filler);
	deleter_start(&d, ob, (int64_t[]){ 1 }, 1);
	CHECK_INT(deleter_join(&d, 2), 0);
	CHECK_INT(d.rc, 0);
	CHECK_INT(outbox_rows(), 1);
	CHECK_INT(unit_wh_int(datadir, "SELECT seq FROM krenalis_outbox"), 2);
	CHECK_INT(warehouse_begin(s, timestamp_monotonic()), 0);
	CHECK_INT(warehouse_commit(s), 0);
out:
	wh_close_all(wh, s, ob, NULL);
	unlink(filler);
	free(filler);
	remove_wh();
	if (umount(datadir) == -1)
		printf("  umount %s: %s\n", datadir, strerror(errno));
}

/*
 * Store n track events of messageIds "<id>-<index>", n at most 4, and
 * queue each for destination "d", in one transaction of the writer's
 * session s.
 */
static void
queue_rows(struct wh_session *s, const char *id, size_t n)
{
	struct event_req	 r;
	struct event		 ev[4];
	struct wh_outbox	 row;
	enum outcome		 o[4];
	char			 buf[4][128];
	size_t			 i;

	req_init(&r);
	CHECK_INT(warehouse_begin(s, timestamp_monotonic()), 0);
	for (i = 0; i < n; i++) {
		snprintf(buf[i], sizeof(buf[i]), "{\"type\":\"track\","
		    "\"event\":\"e\",\"userId\":\"u1\","
		    "\"messageId\":\"%s-%zu\"}", id, i);
		event_init(&ev[i]);
		CHECK_INT(event_decode(&r, buf[i], strlen(buf[i]), &ev[i]), 0);
		o[i] = OUTCOME_STORED;
		CHECK_INT(warehouse_add(s, &ev[i], 1, &o[i]), 0);
		CHECK_INT(o[i], OUTCOME_STORED);
		memset(&row, 0, sizeof(row));
		row.destination_id = "d";
		row.pipeline_id = "p";
		row.message_id = ev[i].message_id;
		row.event = buf[i];
		row.eventlen = strlen(buf[i]);
		CHECK_INT(warehouse_outbox_add(s, &o[i], &row, 1), 0);
	}
	CHECK_INT(warehouse_commit(s), 0);
	for (i = 0; i < n; i++)
		event_release(&ev[i]);
}

/*
 * A delete that ends the writer's whole transaction as it begins (here a
 * trigger's RAISE(ROLLBACK); a full disk or an I/O error may do the
 * same): the delete taken before it is undone with it, both go back, and
 * the events get a transaction of their own.  The senders then delete on
 * their own connections: the first delete succeeds, the other fails
 * again and says why.
 */
static void
test_delete_ends_transaction(void)
{
	struct warehouse	*wh;
	struct wh_session	*s;
	struct wh_outbox_conn	*ob1, *ob2;
	struct deleter		 a, b;

	if (keep_row1("ROLLBACK", "ended", &wh, &s, &ob1, &ob2) == -1)
		return;
	/* Handed over in this order: 2 is deleted first, then 1 ends all. */
	hand_two(&b, ob2, 2, &a, ob1, 1);
	queue_rows(s, "end-q", 2);
	if (deleter_join(&a, 5) == -1 || deleter_join(&b, 5) == -1) {
		/* Left as they are, with their connections: the test ends. */
		CHECK(!"a sender still waits for its delete");
		return;
	}
	CHECK(a.handed);
	CHECK(b.handed);
	CHECK_INT(a.rc, -1);
	CHECK_STR(warehouse_outbox_error(ob1), "ended");
	CHECK_INT(b.rc, 0);
	CHECK_INT(unit_wh_int(datadir, "SELECT count(*) FROM krenalis_outbox "
	    "WHERE seq <= 2"), 1);
	CHECK_INT(unit_wh_int(datadir, "SELECT seq FROM krenalis_outbox "
	    "WHERE seq <= 2"), 1);
	CHECK_INT(unit_wh_int(datadir, "SELECT count(*) FROM krenalis_outbox "
	    "WHERE message_id LIKE 'end-q-%'"), 2);
	CHECK_INT(unit_wh_int(datadir, "SELECT count(*) FROM krenalis_events "
	    "WHERE message_id LIKE 'end-q-%'"), 2);
	wh_close_all(wh, s, ob1, ob2);
}

/* Check that the outbox holds n rows, of seqs first to last. */
#define CHECK_SEQS(n, first, last) do {				\
	CHECK_INT(outbox_rows(), (n));					\
	CHECK_INT(unit_wh_int(datadir,					\
	    "SELECT min(seq) FROM krenalis_outbox"), (first));		\
	CHECK_INT(unit_wh_int(datadir,					\
	    "SELECT max(seq) FROM krenalis_outbox"), (last));		\
} while (0)

/*
 * The daemon gives the outbox's seqs: they follow each other across
 * commits, do not go back when the queue was emptied, go on with the rows
 * "destination retry" puts back, and after a restart start past the
 * largest queued, or past the one AUTOINCREMENT kept in a warehouse made
 * before.
 */
static void
test_outbox_seq(void)
{
	struct warehouse	*wh;
	struct wh_session	*s;
	struct wh_outbox_conn	*ob;
	char			 err[512];
	int64_t			 n = 0;

	remove_wh();
	store_one("schema");
	if (wh_open_all(&wh, &s, &ob, NULL) == -1)
		return;
	queue_rows(s, "a", 2);
	CHECK_SEQS(2, 1, 2);
	CHECK_INT(delete_wait(ob, (int64_t[]){ 1, 2 }, 2, NULL), 0);
	CHECK_INT(outbox_rows(), 0);
	queue_rows(s, "b", 1);
	CHECK_SEQS(1, 3, 3);

	CHECK_INT(warehouse_outbox_fail(ob, (int64_t[]){ 3 }, 1, 1000,
	    "HTTP 400: no", 1), 0);
	CHECK_INT(outbox_rows(), 0);
	CHECK_INT(warehouse_outbox_requeue(wh, "d", 2000, &n, err,
	    sizeof(err)), 0);
	CHECK_INT(n, 1);
	CHECK_SEQS(1, 4, 4);
	CHECK_INT(unit_wh_int(datadir, "SELECT count(*) FROM "
	    "krenalis_outbox WHERE seq = 4 AND message_id = 'b-0'"), 1);
	queue_rows(s, "c", 2);
	CHECK_SEQS(3, 4, 6);
	wh_close_all(wh, s, ob, NULL);

	if (wh_open_all(&wh, &s, &ob, NULL) == -1)
		return;
	queue_rows(s, "d", 1);
	CHECK_SEQS(4, 4, 7);
	wh_close_all(wh, s, ob, NULL);

	/* A warehouse made before: AUTOINCREMENT's last seq is 1000. */
	exec_wh("DROP TABLE krenalis_outbox; CREATE TABLE krenalis_outbox ("
	    "seq INTEGER PRIMARY KEY AUTOINCREMENT, destination_id TEXT NOT "
	    "NULL, pipeline_id TEXT NOT NULL, queued_at INTEGER NOT NULL, "
	    "message_id TEXT NOT NULL, event TEXT NOT NULL); "
	    "INSERT INTO krenalis_outbox VALUES (1000, 'd', 'p', 0, 'm', "
	    "'{}')", "DELETE FROM krenalis_outbox");
	CHECK_INT(outbox_rows(), 0);
	if (wh_open_all(&wh, &s, &ob, NULL) == -1)
		return;
	queue_rows(s, "e", 2);
	CHECK_SEQS(2, 1001, 1002);
	wh_close_all(wh, s, ob, NULL);
}

/* The sum of the outbox's seqs, which says which rows are left. */
static long long
seq_sum(void)
{
	return unit_wh_int(datadir, "SELECT total(seq) FROM krenalis_outbox");
}

/*
 * A delete of rows whose seqs are not one run deletes those rows and no
 * other, on the sender's connection and in the writer's transaction
 * alike.
 */
static void
test_delete_runs(void)
{
	struct warehouse	*wh;
	struct wh_session	*s;
	struct wh_outbox_conn	*ob;
	struct wh_delete	*del;
	double			 secs;
	int			 i;

	remove_wh();
	store_one("runs");
	for (i = 1; i <= 12; i++) {
		char	sql[200];

		snprintf(sql, sizeof(sql), "INSERT INTO krenalis_outbox "
		    "(seq, destination_id, pipeline_id, queued_at, "
		    "message_id, event) VALUES (%d, 'd', 'p', 0, 'm%d', '{}')",
		    i, i);
		exec_wh(sql, NULL);
	}
	CHECK_INT(seq_sum(), 78);
	if (wh_open_all(&wh, &s, &ob, NULL) == -1)
		return;

	/* The writer idle: on the sender's own connection. */
	CHECK_INT(warehouse_outbox_delete(ob, (int64_t[]){ 1, 2, 3, 5, 6, 9 },
	    6, &del), 0);
	CHECK_INT(outbox_rows(), 6);
	CHECK_INT(seq_sum(), 78 - 26);

	/* At work: in its next transaction. */
	CHECK_INT(delete_at_work(s, ob, (int64_t[]){ 4, 7, 8, 11 }, 4, &secs),
	    0);
	CHECK(secs < 0.25);
	CHECK_INT(outbox_rows(), 2);
	CHECK_INT(seq_sum(), 10 + 12);
	wh_close_all(wh, s, ob, NULL);
}

int
main(void)
{
	if (unit_datadir_init(&cf, datadir) == -1)
		return 1;
	UNIT_RUN(test_new_page_size);
	UNIT_RUN(test_old_page_size);
	UNIT_RUN(test_checks_hold);
	UNIT_RUN(test_delete_in_writer);
	UNIT_RUN(test_delete_handed);
	UNIT_RUN(test_delete_fails_in_writer);
	UNIT_RUN(test_delete_ends_transaction);
	UNIT_RUN(test_delete_rolled_back);
	UNIT_RUN(test_outbox_seq);
	UNIT_RUN(test_delete_runs);
	return unit_datadir_end(&cf, datadir, UNIT_END());
}
