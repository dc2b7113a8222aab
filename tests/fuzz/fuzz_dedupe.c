/*
 * libFuzzer target of the dedupe index's groups (krenalisd/dedupe.c), on
 * a table of its own in memory.
 *
 * The bytes are first a stored row, as a damaged warehouse could hold
 * one: it is loaded without a fault, and when this file's own reading
 * finds a group in it (varint lengths, at most DEDUPE_GROUP_IDS ids,
 * nothing left over), every id of it is seen, and an id of it made one
 * byte longer is not.  Then the bytes, cut at each newline, are ids
 * added at one receivedAt: each is seen before the commit, every one is
 * seen again after a reopening, and the rows hold every id once.
 *
 * The daemon's log lines (an index opened, a row skipped) would fill the
 * run's log: the log's stream is sent to /dev/null, and this file's own
 * failures go to the stream stderr was.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dedupe.h"

#define T0	(29416666LL * 60000)
#define MAXROWS	512
#define MAXIDS	300

static FILE	*err_fp;

static void	fail(const char *why)
    __attribute__((__noreturn__));

static void
fail(const char *why)
{
	fprintf(err_fp, "dedupe: %s\n", why);
	abort();
}

struct row {
	int64_t		 num;
	int64_t		 at;
	int		 n;
	unsigned char	*ids;
	size_t		 len;
};

static struct row	rows[MAXROWS];
static int		nrows;

static int
t_drop(void *arg, uint32_t oldest, int64_t *first, int64_t *dropped)
{
	*first = nrows > 0 ? rows[0].num : INT64_MAX;
	*dropped = 0;
	return 0;
}

static int64_t
t_count(void *arg)
{
	int64_t	n = 0;
	int	i;

	for (i = 0; i < nrows; i++)
		n += rows[i].n;
	return n;
}

static int
t_load(void *arg, struct dedupe *d)
{
	int	i;

	for (i = 0; i < nrows; i++)
		dedupe_load(d, rows[i].num, rows[i].ids, rows[i].len);
	return 0;
}

static int
t_find(void *arg, int64_t num, int64_t *at, const unsigned char **ids,
    size_t *len)
{
	int	i;

	for (i = 0; i < nrows; i++)
		if (rows[i].num == num) {
			*at = rows[i].at;
			*ids = rows[i].ids;
			*len = rows[i].len;
			return 1;
		}
	return 0;
}

static void
row_add(int64_t num, int64_t at, int n, const unsigned char *ids,
    size_t len)
{
	struct row	*r;

	if (nrows == MAXROWS)
		fail("too many rows");
	r = &rows[nrows++];
	r->num = num;
	r->at = at;
	r->n = n;
	r->ids = malloc(len ? len : 1);
	memcpy(r->ids, ids, len);
	r->len = len;
}

static int
t_put(void *arg, int64_t num, const struct dedupe_group *g)
{
	if (nrows > 0 && num <= rows[nrows - 1].num)
		fail("a row number not above the last");
	if (g->n < 1 || g->n > DEDUPE_GROUP_IDS)
		fail("a group's size out of range");
	row_add(num, g->at, g->n, g->ids, g->len);
	return 0;
}

static const struct dedupe_table table = {
	NULL, t_drop, t_count, t_load, t_find, t_put
};

static void
rows_clear(void)
{
	while (nrows > 0)
		free(rows[--nrows].ids);
}

static int
seen(struct dedupe *d, const char *s, size_t len)
{
	struct dedupe_id	id;
	int			rc;

	dedupe_id(&id, s, len, 0);
	if ((rc = dedupe_seen(d, &id, T0)) == -1)
		fail("dedupe_seen failed on a table that does not fail");
	return rc;
}

/*
 * This file's reading of a group: the offsets and lengths of its ids in
 * off[] and lens[]; their number, or -1 when the bytes are not a group.
 */
static int
group_read(const unsigned char *b, size_t len, size_t *off, size_t *lens)
{
	size_t	o = 0, v;
	int	n = 0, shift;

	while (o < len) {
		if (n == DEDUPE_GROUP_IDS)
			return -1;
		for (v = 0, shift = 0;; shift += 7) {
			if (o == len || shift > 28)
				return -1;
			v |= (size_t)(b[o] & 0x7f) << shift;
			if ((b[o++] & 0x80) == 0)
				break;
		}
		if (v > len - o)
			return -1;
		off[n] = o;
		lens[n++] = v;
		o += v;
	}
	return n;
}

/* Whether the n ids of b at off[] and lens[] hold the len bytes at s. */
static int
in_group(const unsigned char *b, const size_t *off, const size_t *lens,
    int n, const char *s, size_t len)
{
	int	i;

	for (i = 0; i < n; i++)
		if (lens[i] == len && memcmp(b + off[i], s, len) == 0)
			return 1;
	return 0;
}

/* The bytes as a row of the table. */
static void
as_row(const uint8_t *data, size_t size)
{
	struct dedupe	*d;
	size_t		 off[DEDUPE_GROUP_IDS], lens[DEDUPE_GROUP_IDS];
	char		*longer;
	int		 i, n;

	row_add(7, T0, 1, data, size);
	if ((d = dedupe_open(&table, 0, T0)) == NULL)
		fail("dedupe_open failed on a table that does not fail");
	n = group_read(data, size, off, lens);
	for (i = 0; i < n; i++) {
		if (!seen(d, (const char *)data + off[i], lens[i]))
			fail("an id of a stored group is not seen");
		longer = malloc(lens[i] + 1);
		memcpy(longer, data + off[i], lens[i]);
		longer[lens[i]] = '\x01';
		if (seen(d, longer, lens[i] + 1) !=
		    in_group(data, off, lens, n, longer, lens[i] + 1))
			fail("an id not stored is seen");
		free(longer);
	}
	dedupe_free(d);
	rows_clear();
}

/* The bytes cut at newlines, as ids of one request. */
static void
as_ids(const uint8_t *data, size_t size)
{
	struct dedupe		*d;
	struct dedupe_id	 id;
	const char		*s[MAXIDS], *p, *end = (const char *)data + size;
	size_t			 len[MAXIDS];
	int64_t			 total;
	int			 i, j, n = 0, dup;

	for (p = (const char *)data; p <= end && n < MAXIDS; n++) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));

		s[n] = p;
		len[n] = (size_t)((nl != NULL ? nl : end) - p);
		p += len[n] + 1;
	}
	if ((d = dedupe_open(&table, 0, T0)) == NULL)
		fail("dedupe_open failed on an empty table");
	for (i = 0; i < n; i++) {
		/* The request has no two ids alike: ingest drops the second. */
		for (dup = 0, j = 0; j < i && !dup; j++)
			dup = len[j] == len[i] && memcmp(s[j], s[i], len[i]) == 0;
		if (dup)
			continue;
		if (seen(d, s[i], len[i]))
			fail("an id not yet added is seen");
		dedupe_id(&id, s[i], len[i], 0);
		if (dedupe_add(d, &id, T0) == -1)
			fail("dedupe_add failed on a table that does not fail");
		if (!seen(d, s[i], len[i]))
			fail("an id added is not seen before the commit");
	}
	if (dedupe_flush(d) == -1)
		fail("dedupe_flush failed");
	dedupe_commit(d);
	dedupe_free(d);
	total = t_count(NULL);
	if ((d = dedupe_open(&table, 0, T0)) == NULL)
		fail("dedupe_open failed on the rows it wrote");
	for (i = 0; i < n; i++)
		if (!seen(d, s[i], len[i]))
			fail("an id added is not seen after a reopening");
	for (i = 0, j = 0; i < n; i++) {
		for (dup = 0; dup < i; dup++)
			if (len[dup] == len[i] && memcmp(s[dup], s[i],
			    len[i]) == 0)
				break;
		j += dup == i;
	}
	if (total != j)
		fail("the rows do not hold every id once");
	dedupe_free(d);
	rows_clear();
}

int	LLVMFuzzerInitialize(int *, char ***);
int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	err_fp = stderr;
	if ((stderr = fopen("/dev/null", "w")) == NULL)
		stderr = err_fp;
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	as_row(data, size);
	as_ids(data, size);
	return 0;
}
