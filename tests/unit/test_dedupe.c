/*
 * Unit tests of krenalisd/dedupe.c on a table of its own kept in memory:
 * the ids of one receivedAt grouped in rows numbered in the order they
 * are added, hits confirmed by reading their one row (or the group being
 * filled), rollback, the window's expiry in memory and in the table,
 * rows dropped out of order, a reopening, and rows memory cannot hold.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "unit.h"
#include "../../krenalisd/dedupe.h"

#define MIN		60000LL
#define T0		(29416666LL * MIN)	/* a minute's start */
#define NROWS		4096

/* The table, rows in the order added. */
struct row {
	int64_t		 num;
	uint32_t	 bucket;
	int64_t		 at;
	int		 n;
	unsigned char	*ids;
	size_t		 len;
	int		 alive;
};

static struct row	rows[NROWS];
static int		nrows;
static int		finds;		/* calls of find */
static int64_t		found_row;	/* the row the last one read */

static struct row *
row_get(int64_t num)
{
	int	i;

	for (i = 0; i < nrows; i++)
		if (rows[i].num == num && rows[i].alive)
			return &rows[i];
	return NULL;
}

static int
t_drop(void *arg, uint32_t oldest, int64_t *first, int64_t *dropped)
{
	int	i;

	(void)arg;
	*first = INT64_MAX;
	*dropped = 0;
	for (i = 0; i < nrows; i++) {
		if (rows[i].alive && rows[i].bucket < oldest) {
			rows[i].alive = 0;
			*dropped += rows[i].n;
		}
		if (rows[i].alive && rows[i].num < *first)
			*first = rows[i].num;
	}
	return 0;
}

static int64_t
t_count(void *arg)
{
	int64_t	n = 0;
	int	i;

	(void)arg;
	for (i = 0; i < nrows; i++)
		n += rows[i].alive ? rows[i].n : 0;
	return n;
}

static int
t_load(void *arg, struct dedupe *d)
{
	int	i;

	(void)arg;
	for (i = 0; i < nrows; i++)
		if (rows[i].alive)
			dedupe_load(d, rows[i].num, rows[i].ids, rows[i].len);
	return 0;
}

static int
t_find(void *arg, int64_t num, int64_t *at, const unsigned char **ids,
    size_t *len)
{
	struct row	*r;

	(void)arg;
	finds++;
	found_row = num;
	if ((r = row_get(num)) == NULL)
		return 0;
	*at = r->at;
	*ids = r->ids;
	*len = r->len;
	return 1;
}

static int
t_put(void *arg, int64_t num, const struct dedupe_group *g)
{
	struct row	*r = &rows[nrows];

	(void)arg;
	CHECK(nrows < NROWS);
	r->num = num;
	r->bucket = DEDUPE_BUCKET(g->at);
	r->at = g->at;
	r->n = g->n;
	r->ids = malloc(g->len);
	memcpy(r->ids, g->ids, g->len);
	r->len = g->len;
	r->alive = 1;
	nrows++;
	return 0;
}

static const struct dedupe_table table = {
	NULL, t_drop, t_count, t_load, t_find, t_put
};

static void
table_clear(void)
{
	int	i;

	for (i = 0; i < nrows; i++)
		free(rows[i].ids);
	memset(rows, 0, sizeof(rows));
	nrows = 0;
}

/* The table's rollback of the rows from number num. */
static void
table_rollback(int64_t num)
{
	while (nrows > 0 && rows[nrows - 1].num >= num)
		free(rows[--nrows].ids);
}

/* dedupe_seen of s at received: its answer; *nfinds the rows read. */
static int
seen(struct dedupe *d, const char *s, int64_t received, int *nfinds)
{
	struct dedupe_id	id;
	int			rc;

	dedupe_id(&id, s, strlen(s), 0);
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

	dedupe_id(&id, s, strlen(s), 0);
	CHECK_INT(dedupe_add(d, &id, received), 0);
}

static void
commit(struct dedupe *d)
{
	CHECK_INT(dedupe_flush(d), 0);
	dedupe_commit(d);
}

/*
 * The ids of one receivedAt share a row, numbered as added, whatever the
 * ids; a hit reads its one row, a miss none, an id of the group being
 * filled none either; a rollback forgets what it added.
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
	/* Not in the table yet: found in the group being filled. */
	CHECK_INT(seen(d, "a1", T0, &n), 1);
	CHECK_INT(n, 0);
	CHECK_INT(nrows, 0);
	add(d, "m5", T0 + 1);		/* another request: row 2 */
	commit(d);
	CHECK_INT(nrows, 2);
	CHECK_INT(rows[0].num, 1);
	CHECK_INT(rows[0].n, 2);
	CHECK_INT(rows[0].len, 6);
	CHECK(memcmp(rows[0].ids, "\2z9\2a1", 6) == 0);
	CHECK_INT(rows[1].num, 2);
	CHECK_INT(rows[1].n, 1);
	CHECK_INT(rows[1].at, T0 + 1);
	CHECK_INT(rows[1].bucket, T0 / MIN);
	CHECK_INT(seen(d, "a1", T0 + 5, &n), 1);
	CHECK_INT(n, 1);
	CHECK(found_row == 1);
	CHECK(gone(d, "b2", T0 + 5));

	add(d, "b2", T0 + 5);
	add(d, "b3", T0 + 6);
	CHECK_INT(seen(d, "b2", T0 + 6, &n), 1);
	CHECK_INT(nrows, 3);
	dedupe_rollback(d);
	table_rollback(3);
	CHECK(gone(d, "b2", T0 + 6));
	CHECK(gone(d, "b3", T0 + 6));
	/* Rows 3 and 4 are not given again: a row may outlive its rollback. */
	add(d, "c3", T0 + 7);
	commit(d);
	CHECK_INT(nrows, 3);
	CHECK_INT(rows[2].num, 5);
	CHECK_INT(seen(d, "c3", T0 + 8, &n), 1);
	CHECK(gone(d, "b2", T0 + 8));
	dedupe_free(d);

	/* Reopened: loaded from the rows, numbered on from the last. */
	d = dedupe_open(&table, 0, T0 + MIN);
	CHECK_INT(seen(d, "z9", T0 + MIN, &n), 1);
	CHECK_INT(seen(d, "a1", T0 + MIN, &n), 1);
	CHECK_INT(seen(d, "m5", T0 + MIN, &n), 1);
	CHECK_INT(seen(d, "c3", T0 + MIN, &n), 1);
	CHECK(gone(d, "b2", T0 + MIN));
	add(d, "d4", T0 + MIN);
	commit(d);
	CHECK_INT(rows[3].num, 6);
	dedupe_free(d);
}

/*
 * A group holds at most DEDUPE_GROUP_IDS ids, and about
 * DEDUPE_GROUP_BYTES; a longer id has a group of its own.  Every id is
 * found again at its place, read or loaded.
 */
static void
test_group_limits(void)
{
	struct dedupe	*d;
	char		 id[16], *big;
	int		 i, n;

	table_clear();
	d = dedupe_open(&table, 0, T0);
	for (i = 0; i < DEDUPE_GROUP_IDS + 1; i++) {
		snprintf(id, sizeof(id), "id-%d", i);
		add(d, id, T0);
	}
	big = malloc(DEDUPE_GROUP_BYTES + 200);
	memset(big, 'b', DEDUPE_GROUP_BYTES + 199);
	big[DEDUPE_GROUP_BYTES + 199] = '\0';
	add(d, big, T0);
	add(d, "after", T0);
	commit(d);
	CHECK_INT(nrows, 4);
	CHECK_INT(rows[0].n, DEDUPE_GROUP_IDS);
	CHECK_INT(rows[1].n, 1);
	CHECK_INT(rows[2].n, 1);
	CHECK_INT(rows[2].len, 2 + DEDUPE_GROUP_BYTES + 199);
	CHECK_INT(rows[3].n, 1);
	CHECK_INT(seen(d, "id-0", T0, &n), 1);
	CHECK_INT(seen(d, "id-63", T0, &n), 1);
	CHECK(found_row == 1);
	CHECK_INT(seen(d, "id-64", T0, &n), 1);
	CHECK(found_row == 2);
	CHECK_INT(seen(d, big, T0, &n), 1);
	CHECK(found_row == 3);
	dedupe_free(d);

	d = dedupe_open(&table, 0, T0);
	CHECK_INT(seen(d, "id-37", T0, &n), 1);
	CHECK_INT(seen(d, big, T0, &n), 1);
	CHECK_INT(seen(d, "after", T0, &n), 1);
	CHECK(gone(d, "id-65", T0));
	dedupe_free(d);
	free(big);
}

/*
 * The window, 10 minutes: an expiry drops the rows of buckets older than
 * it (and one more) from the table and their entries from memory.  A row
 * added late with an older bucket, dropped above the first row left,
 * keeps its entries, which find no row, until an expiry leaves no row
 * below it.  Seen outside the window, an id gets a place of its own.
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
	commit(d);

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
	commit(d);
	CHECK_INT(seen(d, "new", T0 + 20 * MIN, &n), 1);

	/*
	 * Everything of the first minutes is gone, memory included; the
	 * group being filled is added first, and kept.
	 */
	add(d, "open", T0 + 22 * MIN);		/* row 5 */
	CHECK_INT(dedupe_expire(d, T0 + 22 * MIN), 0);
	CHECK_INT(rows[1].alive, 0);
	CHECK_INT(rows[3].alive, 1);
	CHECK_INT(nrows, 5);
	commit(d);
	CHECK(gone(d, "late", T0 + 22 * MIN));
	CHECK_INT(seen(d, "new", T0 + 22 * MIN, &n), 1);
	CHECK_INT(n, 1);
	CHECK_INT(seen(d, "open", T0 + 22 * MIN, &n), 1);
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
 * it holds more than twice the ids and 1,024.
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
		add(d, id, T0 + i);		/* a row each */
	}
	commit(d);
	CHECK_INT(seen(d, "id-5", T0 + MIN, &n), 1);
	CHECK_INT(dedupe_expire(d, T0 + 12 * MIN), 0);
	CHECK_INT(rows[0].alive, 1);
	CHECK_INT(rows[5].alive, 0);
	CHECK(gone(d, "id-5", T0 + 12 * MIN));
	CHECK_INT(seen(d, "ahead", T0 + 12 * MIN, &n), 1);
	dedupe_free(d);
}

/*
 * A row whose number memory cannot hold (42 bits) is skipped at the load,
 * and so is a row whose ids are not a group's, its number not given
 * again; after the largest number, an add fails.
 */
static void
test_row_range(void)
{
	struct dedupe		*d;
	struct dedupe_group	 g = { 0 };
	struct dedupe_id	 id;
	int			 n;

	table_clear();
	dedupe_group_add(&g, "big", 3, T0);
	t_put(NULL, (int64_t)1 << 42, &g);
	d = dedupe_open(&table, 0, T0);
	CHECK(d != NULL);
	CHECK(gone(d, "big", T0));
	add(d, "small", T0 + 1);
	commit(d);
	CHECK_INT(rows[1].num, 1);
	dedupe_free(d);

	table_clear();
	t_put(NULL, ((int64_t)1 << 42) - 1, &g);
	d = dedupe_open(&table, 0, T0);
	/* Memory kept the whole number: that row is the one read. */
	CHECK_INT(seen(d, "big", T0, &n), 1);
	CHECK(found_row == ((int64_t)1 << 42) - 1);
	dedupe_id(&id, "next", 4, 0);
	CHECK_INT(dedupe_add(d, &id, T0), -1);
	dedupe_rollback(d);
	dedupe_free(d);

	/* A length past the bytes, and more than DEDUPE_GROUP_IDS ids. */
	table_clear();
	t_put(NULL, 7, &g);
	rows[0].ids[0] = 9;
	dedupe_group_clear(&g);
	for (n = 0; n < DEDUPE_GROUP_IDS + 1; n++)
		dedupe_group_add(&g, "x", 1, T0);
	t_put(NULL, 8, &g);
	dedupe_group_clear(&g);
	dedupe_group_add(&g, "y", 1, T0);
	t_put(NULL, 9, &g);
	d = dedupe_open(&table, 0, T0);
	CHECK(gone(d, "big", T0));
	CHECK(gone(d, "x", T0));
	CHECK_INT(seen(d, "y", T0, &n), 1);
	add(d, "z", T0 + 1);
	commit(d);
	CHECK_INT(rows[3].num, 10);
	dedupe_free(d);
	dedupe_group_free(&g);
	table_clear();
}

int
main(void)
{
	UNIT_RUN(test_order);
	UNIT_RUN(test_group_limits);
	UNIT_RUN(test_expire);
	UNIT_RUN(test_stuck_first);
	UNIT_RUN(test_row_range);
	return UNIT_END();
}
