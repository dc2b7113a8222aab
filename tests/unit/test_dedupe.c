/*
 * Unit tests of krenalisd/dedupe.c on a table of its own kept in memory:
 * rows numbered in the order they are added, hits confirmed by reading
 * their one row, rollback, the window's expiry in memory and in the
 * table, rows dropped out of order, and a reopening.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "unit.h"
#include "../../krenalisd/dedupe.h"

#define MIN		60000LL
#define T0		(29416666LL * MIN)	/* a minute's start */
#define NROWS		4096

/* The table: row number i + 1 is rows[i]. */
struct row {
	uint32_t	bucket;
	char		id[32];
	int64_t		at;
	int		alive;
};

static struct row	rows[NROWS];
static int64_t		nrows;
static int		finds;		/* calls of find */
static int64_t		found_row;	/* the row the last one read */
static int64_t		put_row;	/* when not 0, the number put gives */

static int
t_drop(void *arg, uint32_t oldest, int64_t *first, int64_t *dropped)
{
	int64_t	i;

	(void)arg;
	*first = INT64_MAX;
	*dropped = 0;
	for (i = 0; i < nrows; i++) {
		if (rows[i].alive && rows[i].bucket < oldest) {
			rows[i].alive = 0;
			(*dropped)++;
		}
		if (rows[i].alive && *first == INT64_MAX)
			*first = i + 1;
	}
	return 0;
}

static int64_t
t_count(void *arg)
{
	int64_t	i, n = 0;

	(void)arg;
	for (i = 0; i < nrows; i++)
		n += rows[i].alive;
	return n;
}

static int
t_load(void *arg, struct dedupe *d)
{
	int64_t	i;

	(void)arg;
	for (i = 0; i < nrows; i++)
		if (rows[i].alive && dedupe_load(d, rows[i].id,
		    strlen(rows[i].id), i + 1) == -1)
			return -1;
	return 0;
}

static int
t_find(void *arg, int64_t row, const char *id, size_t len, int64_t *at)
{
	struct row	*r;

	(void)arg;
	finds++;
	found_row = row;
	if (row < 1 || row > nrows)
		return 0;
	r = &rows[row - 1];
	if (!r->alive || strlen(r->id) != len || memcmp(r->id, id, len) != 0)
		return 0;
	*at = r->at;
	return 1;
}

static int
t_put(void *arg, uint32_t bucket, const char *id, size_t len, int64_t at,
    int64_t *row)
{
	struct row	*r = &rows[nrows];

	(void)arg;
	CHECK(nrows < NROWS && len < sizeof(r->id));
	r->bucket = bucket;
	memcpy(r->id, id, len);
	r->id[len] = '\0';
	r->at = at;
	r->alive = 1;
	*row = ++nrows;
	if (put_row != 0)
		*row = put_row;
	return 0;
}

static const struct dedupe_table table = {
	NULL, t_drop, t_count, t_load, t_find, t_put
};

static void
table_clear(void)
{
	memset(rows, 0, sizeof(rows));
	nrows = 0;
}

/* dedupe_seen of s at received: its answer; *nfinds the rows read. */
static int
seen(struct dedupe *d, const char *s, int64_t received, int *nfinds)
{
	struct dedupe_id	id;
	int			rc;

	dedupe_id(&id, s, strlen(s));
	finds = 0;
	rc = dedupe_seen(d, &id, received);
	*nfinds = finds;
	return rc;
}

/* Whether s is not seen at received, no row read: memory has no entry. */
static int
gone(struct dedupe *d, const char *s, int64_t received)
{
	int	n;

	return seen(d, s, received, &n) == 0 && n == 0;
}

static void
add(struct dedupe *d, const char *s, int64_t received)
{
	struct dedupe_id	id;

	dedupe_id(&id, s, strlen(s));
	CHECK_INT(dedupe_add(d, &id, received), 0);
}

/*
 * Rows are numbered as they are added, whatever the ids; a hit reads its
 * one row, a miss none; a rollback forgets what it added.
 */
static void
test_order(void)
{
	struct dedupe	*d;
	int		 n;

	table_clear();
	d = dedupe_open(&table, 0, T0);
	add(d, "z9", T0);
	add(d, "a1", T0);
	add(d, "m5", T0 + 1);
	dedupe_commit(d);
	CHECK_INT(nrows, 3);
	CHECK_STR(rows[0].id, "z9");
	CHECK_STR(rows[1].id, "a1");
	CHECK_STR(rows[2].id, "m5");
	CHECK_INT(rows[2].bucket, T0 / MIN);
	CHECK_INT(seen(d, "a1", T0 + 5, &n), 1);
	CHECK_INT(n, 1);
	CHECK(gone(d, "b2", T0 + 5));

	add(d, "b2", T0 + 5);
	CHECK_INT(seen(d, "b2", T0 + 6, &n), 1);
	dedupe_rollback(d);
	nrows--;		/* the table's rollback */
	CHECK(gone(d, "b2", T0 + 6));
	/* Row 4 is given again, to another id. */
	add(d, "c3", T0 + 7);
	dedupe_commit(d);
	CHECK_INT(nrows, 4);
	CHECK_INT(seen(d, "c3", T0 + 8, &n), 1);
	CHECK(gone(d, "b2", T0 + 8));
	dedupe_free(d);

	/* Reopened: loaded from the rows. */
	d = dedupe_open(&table, 0, T0 + MIN);
	CHECK_INT(seen(d, "z9", T0 + MIN, &n), 1);
	CHECK_INT(seen(d, "m5", T0 + MIN, &n), 1);
	CHECK_INT(seen(d, "c3", T0 + MIN, &n), 1);
	CHECK(gone(d, "b2", T0 + MIN));
	dedupe_free(d);
}

/*
 * The window, 10 minutes: an expiry drops the rows of buckets older than
 * it (and one more) from the table and their entries from memory.  A row
 * added late with an older bucket, dropped above the first row left,
 * keeps its entry, which finds no row, until an expiry leaves no row
 * below it.  Seen outside the window, an id gets a row of its own.
 */
static void
test_expire(void)
{
	struct dedupe	*d;
	int		 n;

	table_clear();
	d = dedupe_open(&table, 10 * MIN, T0);
	add(d, "old", T0);			/* row 1 */
	add(d, "new", T0 + 9 * MIN);		/* row 2 */
	add(d, "late", T0 + 30000);		/* row 3, bucket of row 1 */
	dedupe_commit(d);

	/* Not yet: at most once every 5 minutes. */
	CHECK_INT(dedupe_expire(d, T0 + 4 * MIN), 0);
	CHECK_INT(rows[0].alive, 1);

	CHECK_INT(dedupe_expire(d, T0 + 12 * MIN), 0);
	CHECK_INT(rows[0].alive + rows[1].alive + rows[2].alive, 1);
	CHECK_INT(rows[1].alive, 1);
	CHECK(gone(d, "old", T0 + 12 * MIN));
	CHECK_INT(seen(d, "late", T0 + 12 * MIN, &n), 0);
	CHECK_INT(n, 1);
	CHECK_INT(seen(d, "new", T0 + 12 * MIN, &n), 1);

	/* "new" is 10.5 minutes old: outside the window, but not dropped. */
	CHECK_INT(seen(d, "new", T0 + 19 * MIN + 30000, &n), 0);
	CHECK_INT(n, 1);
	add(d, "new", T0 + 19 * MIN + 30000);	/* row 4 */
	dedupe_commit(d);
	CHECK_INT(seen(d, "new", T0 + 20 * MIN, &n), 1);

	/* Everything of the first minutes is gone, memory included. */
	CHECK_INT(dedupe_expire(d, T0 + 22 * MIN), 0);
	CHECK_INT(rows[1].alive, 0);
	CHECK_INT(rows[3].alive, 1);
	CHECK(gone(d, "late", T0 + 22 * MIN));
	CHECK_INT(seen(d, "new", T0 + 22 * MIN, &n), 1);
	CHECK_INT(n, 1);
	dedupe_free(d);

	/* Reopened later: what left the window is dropped before loading. */
	d = dedupe_open(&table, 10 * MIN, T0 + 40 * MIN);
	CHECK_INT(rows[3].alive, 0);
	CHECK(gone(d, "new", T0 + 40 * MIN));
	dedupe_free(d);
}

/*
 * A row whose bucket is far ahead (the clock stepped back after it was
 * added) holds the first row left low: the entries of the rows dropped
 * after it would stay in memory for good, so memory is loaded again once
 * it holds more than twice the rows and 1,024.
 */
static void
test_stuck_first(void)
{
	struct dedupe	*d;
	char		 id[16];
	int		 i, n;

	table_clear();
	d = dedupe_open(&table, 10 * MIN, T0);
	add(d, "ahead", T0 + 1000 * MIN);	/* row 1 */
	for (i = 0; i < 2000; i++) {
		snprintf(id, sizeof(id), "id-%d", i);
		add(d, id, T0);
	}
	dedupe_commit(d);
	CHECK_INT(seen(d, "id-5", T0 + MIN, &n), 1);
	CHECK_INT(dedupe_expire(d, T0 + 12 * MIN), 0);
	CHECK_INT(rows[0].alive, 1);
	CHECK_INT(rows[5].alive, 0);
	CHECK(gone(d, "id-5", T0 + 12 * MIN));
	CHECK_INT(seen(d, "ahead", T0 + 12 * MIN, &n), 1);
	dedupe_free(d);
}

/* A row number memory cannot hold (48 bits) fails the add. */
static void
test_row_range(void)
{
	struct dedupe		*d;
	struct dedupe_id	 id;
	int			 n;

	table_clear();
	d = dedupe_open(&table, 0, T0);
	dedupe_id(&id, "big", 3);
	put_row = (int64_t)1 << 48;
	CHECK_INT(dedupe_add(d, &id, T0), -1);
	put_row = ((int64_t)1 << 48) - 1;
	CHECK_INT(dedupe_add(d, &id, T0), 0);
	put_row = 0;
	dedupe_commit(d);
	/* Memory kept the whole number: that row is the one read. */
	CHECK_INT(seen(d, "big", T0, &n), 0);
	CHECK_INT(n, 1);
	CHECK(found_row == ((int64_t)1 << 48) - 1);
	dedupe_free(d);
}

int
main(void)
{
	UNIT_RUN(test_order);
	UNIT_RUN(test_expire);
	UNIT_RUN(test_stuck_first);
	UNIT_RUN(test_row_range);
	return UNIT_END();
}
