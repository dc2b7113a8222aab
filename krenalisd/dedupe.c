/* The dedupe index; see dedupe.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "xmalloc.h"
#include "dedupe.h"

#define EXPIRE_MS	(5 * 60000)	/* how often old ids are dropped */

/*
 * A slot of the in-memory table, also a row added by the open
 * transaction, in 12 bytes: 48 bits of the id's hash (never 0, which
 * marks an empty slot) and the number of its row.  Equal hashes are only
 * a candidate, whose row is read.
 */
struct slot {
	uint64_t	hash : 48;
	uint64_t	row : 48;
} __attribute__((__packed__));

#define HASH_MASK	0xffffffffffffULL
#define ROW_MAX		((int64_t)HASH_MASK)
_Static_assert(sizeof(struct slot) == 12, "a slot is 12 bytes");

struct dedupe {
	const struct dedupe_table *table;
	int64_t		 window;
	struct slot	*slots;		/* xmap'd: SLOTS_BYTES */
	size_t		 mask;
	size_t		 count;
	int64_t		 rows;		/* in the table, as committed */
	struct slot	*pending;	/* added by the open transaction */
	size_t		 npending;
	size_t		 pendcap;
	int64_t		 expired_at;
};

/* A 48-bit hash of the id (never 0). */
static uint64_t
id_hash(const char *s, size_t len)
{
	uint64_t	h = 0x9e3779b97f4a7c15ULL ^ len;
	size_t		i;

	for (i = 0; i < len; i++) {
		h ^= (unsigned char)s[i];
		h *= 0xff51afd7ed558ccdULL;
		h ^= h >> 32;
	}
	h ^= h >> 29;
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 32;
	h &= HASH_MASK;
	return h ? h : 1;
}

/* The size of d's table in bytes, as xmap and xunmap take it. */
#define SLOTS_BYTES(d)	((d)->slots != NULL ?				\
			    ((d)->mask + 1) * sizeof(*(d)->slots) : 0)

static void
table_put(struct slot *slots, size_t mask, uint64_t hash, int64_t row)
{
	size_t	i = hash & mask;

	while (slots[i].hash != 0)
		i = (i + 1) & mask;
	slots[i].hash = hash;
	slots[i].row = (uint64_t)row;
}

/* Give d an empty table with room for want entries; the old is the caller's. */
static void
table_new(struct dedupe *d, size_t want)
{
	size_t	size = 1024, got;

	while (size < want * 10 / 7 + 1)
		size <<= 1;
	d->slots = xmap(size * sizeof(*d->slots), &got);
	d->mask = size - 1;
	d->count = 0;
}

/*
 * Rebuild the table with room for want entries, keeping those of rows
 * numbered first or above.
 */
static void
table_rebuild(struct dedupe *d, size_t want, int64_t first)
{
	struct slot	*old = d->slots;
	size_t		 oldsize = old ? d->mask + 1 : 0, i;
	size_t		 oldbytes = SLOTS_BYTES(d);

	table_new(d, want);
	for (i = 0; i < oldsize; i++) {
		if (old[i].hash == 0 || (int64_t)old[i].row < first)
			continue;
		table_put(d->slots, d->mask, old[i].hash, old[i].row);
		d->count++;
	}
	xunmap(old, oldbytes);
}

/*
 * Load the table again from the engine's, with room for want entries; on
 * a failure memory is as it was.
 */
static int
table_reload(struct dedupe *d, size_t want)
{
	struct slot	*old = d->slots;
	size_t		 mask = d->mask, count = d->count;

	table_new(d, want);
	if (d->table->load(d->table->arg, d) == -1) {
		xunmap(d->slots, SLOTS_BYTES(d));
		d->slots = old;
		d->mask = mask;
		d->count = count;
		return -1;
	}
	xunmap(old, (mask + 1) * sizeof(*old));
	return 0;
}

static void
mem_add(struct dedupe *d, uint64_t hash, int64_t row)
{
	if ((d->count + 1) * 10 > (d->mask + 1) * 7)
		table_rebuild(d, (d->count + 1) * 2, 0);
	table_put(d->slots, d->mask, hash, row);
	d->count++;
}

/* Remove one entry (hash, row) with backward-shift deletion. */
static void
mem_remove(struct dedupe *d, uint64_t hash, int64_t row)
{
	size_t	i = hash & d->mask, j, k;

	while (d->slots[i].hash != 0 && (d->slots[i].hash != hash ||
	    d->slots[i].row != (uint64_t)row))
		i = (i + 1) & d->mask;
	if (d->slots[i].hash == 0)
		return;
	j = i;
	for (;;) {
		j = (j + 1) & d->mask;
		if (d->slots[j].hash == 0)
			break;
		k = d->slots[j].hash & d->mask;
		/* Move j into the hole at i unless k lies in (i, j]. */
		if ((j > i && (k <= i || k > j)) || (j < i && k <= i && k > j)) {
			d->slots[i] = d->slots[j];
			i = j;
		}
	}
	d->slots[i].hash = 0;
	d->count--;
}

static uint32_t
oldest_bucket(const struct dedupe *d, int64_t now)
{
	if (d->window == 0 || now - d->window < 0)
		return 0;
	return (uint32_t)((now - d->window) / DEDUPE_BUCKET_MS);
}

struct dedupe *
dedupe_open(const struct dedupe_table *t, int64_t window, int64_t now)
{
	struct dedupe	*d = xcalloc(1, sizeof(*d));
	int64_t		 n, first, dropped;

	d->table = t;
	d->window = window;
	d->expired_at = now;
	if ((window != 0 && t->drop(t->arg, oldest_bucket(d, now), &first,
	    &dropped) == -1) ||
	    (n = t->count(t->arg)) == -1)
		goto fail;
	d->rows = n;
	table_rebuild(d, (size_t)n + 1024, 0);
	if (t->load(t->arg, d) == -1)
		goto fail;
	log_info("dedupe: %zu message ids within the window", d->count);
	return d;
fail:
	dedupe_free(d);
	return NULL;
}

void
dedupe_free(struct dedupe *d)
{
	if (d == NULL)
		return;
	xunmap(d->slots, SLOTS_BYTES(d));
	free(d->pending);
	free(d);
}

/* Whether memory can hold row's number. */
static int
row_fits(int64_t row)
{
	if (row >= 1 && row <= ROW_MAX)
		return 1;
	log_warnx("dedupe: row number %lld is outside 1 to 2^48 - 1",
	    (long long)row);
	return 0;
}

int
dedupe_load(struct dedupe *d, const char *id, size_t len, int64_t row)
{
	if (!row_fits(row))
		return -1;
	mem_add(d, id_hash(id, len), row);
	return 0;
}

void
dedupe_id(struct dedupe_id *id, const char *s, size_t len)
{
	id->s = s;
	id->len = len;
	id->hash = id_hash(s, len);
}

int
dedupe_seen(struct dedupe *d, const struct dedupe_id *id, int64_t received)
{
	uint64_t	h = id->hash;
	size_t		i = h & d->mask;
	int64_t		at;
	int		rc;

	for (; d->slots[i].hash != 0; i = (i + 1) & d->mask) {
		if (d->slots[i].hash != h)
			continue;
		/* A candidate: confirm it exactly. */
		rc = d->table->find(d->table->arg, (int64_t)d->slots[i].row,
		    id->s, id->len, &at);
		if (rc == -1)
			return -1;
		if (rc == 1 && (d->window == 0 || at >= received - d->window))
			return 1;
	}
	return 0;
}

int
dedupe_add(struct dedupe *d, const struct dedupe_id *id, int64_t received)
{
	uint32_t	bucket = (uint32_t)(received / DEDUPE_BUCKET_MS);
	uint64_t	h = id->hash;
	int64_t		row;

	/*
	 * An id whose check said "outside the window" gets a row of its
	 * own: the older one leaves the table with its bucket.
	 */
	if (d->table->put(d->table->arg, bucket, id->s, id->len, received,
	    &row) == -1 || !row_fits(row))
		return -1;
	mem_add(d, h, row);
	if (d->npending == d->pendcap) {
		d->pendcap = d->pendcap ? d->pendcap * 2 : 1024;
		d->pending = xreallocarray(d->pending, d->pendcap,
		    sizeof(*d->pending));
	}
	d->pending[d->npending].hash = h;
	d->pending[d->npending].row = row;
	d->npending++;
	return 0;
}

void
dedupe_commit(struct dedupe *d)
{
	d->rows += (int64_t)d->npending;
	d->npending = 0;
}

void
dedupe_rollback(struct dedupe *d)
{
	while (d->npending > 0) {
		d->npending--;
		mem_remove(d, d->pending[d->npending].hash,
		    d->pending[d->npending].row);
	}
}

int
dedupe_expire(struct dedupe *d, int64_t now)
{
	uint32_t	oldest;
	int64_t		first, dropped, rows;

	if (d->window == 0 || now - d->expired_at < EXPIRE_MS)
		return 0;
	d->expired_at = now;
	/* Keep one bucket more than the window needs: bucket edges. */
	oldest = oldest_bucket(d, now);
	oldest = oldest > 0 ? oldest - 1 : 0;
	if (d->table->drop(d->table->arg, oldest, &first, &dropped) == -1)
		return -1;
	d->rows = d->rows > dropped ? d->rows - dropped : 0;
	/*
	 * Rows are added in time order but for a few seconds at bucket
	 * edges: an entry of a row dropped above first reads no row of its
	 * id, and leaves at a later expiry.  Unless an older row stays,
	 * its bucket in the future: then memory is loaded again.
	 */
	table_rebuild(d, d->count + 1024, first);
	rows = d->rows + (int64_t)d->npending;
	if ((int64_t)d->count > 2 * rows + 1024) {
		log_info("dedupe: %zu entries in memory for %lld rows: loading "
		    "them again", d->count, (long long)rows);
		if (table_reload(d, (size_t)rows + 1024) == -1)
			return -1;
	}
	return 0;
}
