/* The dedupe index; see dedupe.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "xmalloc.h"
#include "dedupe.h"

#define EXPIRE_MS	(5 * 60000)	/* how often old ids are dropped */
#define PENDING_KEEP	65536		/* entries of a transaction kept */

/*
 * A slot of the in-memory table, also an id added by the open
 * transaction, in 12 bytes: 48 bits of the id's hash (never 0, which
 * marks an empty slot), the number of its row and its place in the row's
 * group.  Equal hashes are only a candidate, whose row is read.
 */
struct slot {
	uint64_t	hash : 48;
	uint64_t	row : 42;
	uint64_t	idx : 6;
} __attribute__((__packed__));

#define HASH_MASK	0xffffffffffffULL
#define ROW_MAX		(((int64_t)1 << 42) - 1)
_Static_assert(sizeof(struct slot) == 12, "a slot is 12 bytes");
_Static_assert(DEDUPE_GROUP_IDS <= 64, "a group's place fits in idx");

struct dedupe {
	const struct dedupe_table *table;
	int64_t		 window;
	struct slot	*slots;		/* xmap'd: SLOTS_BYTES */
	size_t		 mask;
	size_t		 count;
	int64_t		 ids;		/* in the table, as committed */
	int64_t		 next_row;	/* the next group's number */
	struct dedupe_group open;	/* being filled: row open_row */
	int64_t		 open_row;
	struct slot	*pending;	/* added by the open transaction */
	size_t		 npending;
	size_t		 pendcap;
	int64_t		 expired_at;
};

/* A 48-bit hash of the id (never 0). */
uint64_t
dedupe_hash(const char *s, size_t len)
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
table_put(struct slot *slots, size_t mask, struct slot s)
{
	size_t	i = s.hash & mask;

	while (slots[i].hash != 0)
		i = (i + 1) & mask;
	slots[i] = s;
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
		table_put(d->slots, d->mask, old[i]);
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
mem_add(struct dedupe *d, struct slot s)
{
	if ((d->count + 1) * 10 > (d->mask + 1) * 7)
		table_rebuild(d, (d->count + 1) * 2, 0);
	table_put(d->slots, d->mask, s);
	d->count++;
}

/* Remove the entry s with backward-shift deletion. */
static void
mem_remove(struct dedupe *d, struct slot s)
{
	size_t	i = s.hash & d->mask, j, k;

	while (d->slots[i].hash != 0 && (d->slots[i].hash != s.hash ||
	    d->slots[i].row != s.row || d->slots[i].idx != s.idx))
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

uint32_t
dedupe_oldest_bucket(int64_t window, int64_t now)
{
	if (window == 0 || now - window < 0)
		return 0;
	return DEDUPE_BUCKET(now - window);
}

/*
 * A group's ids: each is its length, 7 bits a byte, low bits first, the
 * high bit set on all bytes but the last, then its bytes.
 */
int
dedupe_group_fits(const struct dedupe_group *g, size_t len, int64_t at)
{
	return g->n == 0 || (at == g->at && g->n < DEDUPE_GROUP_IDS &&
	    g->len + len <= DEDUPE_GROUP_BYTES);
}

void
dedupe_group_add(struct dedupe_group *g, const char *id, size_t len,
    int64_t at)
{
	size_t	v = len, need = g->len + len + 10;	/* 10: a varint */

	if (need > g->cap) {
		g->cap = need > DEDUPE_GROUP_BYTES + 10 ? need :
		    DEDUPE_GROUP_BYTES + 10;
		g->ids = xreallocarray(g->ids, g->cap, 1);
	}
	do {
		g->ids[g->len++] = (unsigned char)((v & 0x7f) |
		    (v > 0x7f ? 0x80 : 0));
		v >>= 7;
	} while (v != 0);
	memcpy(g->ids + g->len, id, len);
	g->len += len;
	if (g->n++ == 0)
		g->at = at;
}

void
dedupe_group_clear(struct dedupe_group *g)
{
	g->len = 0;
	g->n = 0;
}

void
dedupe_group_free(struct dedupe_group *g)
{
	free(g->ids);
	memset(g, 0, sizeof(*g));
}

/*
 * The id at *off of the len bytes of packed ids, in *s and *slen, *off
 * moved past it: 1; 0 at the end; -1 when the bytes are not ids.
 */
static int
group_next(const unsigned char *ids, size_t len, size_t *off,
    const char **s, size_t *slen)
{
	size_t	v = 0, o = *off;
	int	shift = 0;

	if (o == len)
		return 0;
	for (;;) {
		if (o == len || shift > 28)
			return -1;
		v |= (size_t)(ids[o] & 0x7f) << shift;
		shift += 7;
		if ((ids[o++] & 0x80) == 0)
			break;
	}
	if (v > len - o)
		return -1;
	*s = (const char *)ids + o;
	*slen = v;
	*off = o + v;
	return 1;
}

/* Whether the packed ids hold id at place idx. */
static int
group_has(const unsigned char *ids, size_t len, unsigned idx,
    const struct dedupe_id *id)
{
	const char	*s;
	size_t		 off = 0, slen;
	unsigned	 i;

	for (i = 0; group_next(ids, len, &off, &s, &slen) == 1; i++)
		if (i == idx)
			return slen == id->len && memcmp(s, id->s, slen) == 0;
	return 0;
}

struct dedupe *
dedupe_open(const struct dedupe_table *t, int64_t window, int64_t now)
{
	struct dedupe	*d = xcalloc(1, sizeof(*d));
	int64_t		 n, first, dropped;

	d->table = t;
	d->window = window;
	d->expired_at = now;
	d->next_row = 1;
	if ((window != 0 && t->drop(t->arg, dedupe_oldest_bucket(window, now),
	    &first, &dropped) == -1) ||
	    (n = t->count(t->arg)) == -1)
		goto fail;
	d->ids = n;
	table_rebuild(d, (size_t)n + 1024, 0);
	if (t->load(t->arg, d) == -1)
		goto fail;
	log_info("dedupe: %zu message ids loaded for the window", d->count);
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
	dedupe_group_free(&d->open);
	free(d->pending);
	free(d);
}

/* Whether memory can hold row's number. */
static int
row_fits(int64_t row)
{
	if (row >= 1 && row <= ROW_MAX)
		return 1;
	log_warnx("dedupe: row number %lld is outside 1 to 2^42 - 1",
	    (long long)row);
	return 0;
}

void
dedupe_load(struct dedupe *d, int64_t row, const unsigned char *ids,
    size_t len)
{
	struct slot	 e[DEDUPE_GROUP_IDS];
	const char	*s;
	size_t		 off = 0, slen, i, n = 0;
	int		 rc;

	/*
	 * A row memory cannot hold is skipped; the daemon's numbers, 1 to
	 * 2^42 - 1, never meet it.
	 */
	if (!row_fits(row))
		return;
	if (row >= d->next_row)
		d->next_row = row + 1;
	while ((rc = group_next(ids, len, &off, &s, &slen)) == 1 &&
	    n < DEDUPE_GROUP_IDS) {
		e[n].hash = dedupe_hash(s, slen);
		e[n].row = (uint64_t)row;
		e[n].idx = n;
		n++;
	}
	if (rc != 0) {
		log_warnx("dedupe: row %lld: its message ids are not a "
		    "group's: skipped", (long long)row);
		return;
	}
	for (i = 0; i < n; i++)
		mem_add(d, e[i]);
}

void
dedupe_id(struct dedupe_id *id, const char *s, size_t len, uint64_t hash)
{
	id->s = s;
	id->len = len;
	id->hash = hash != 0 ? hash : dedupe_hash(s, len);
}

void
dedupe_prefetch(const struct dedupe *d, uint64_t hash)
{
	if (d->slots != NULL)
		__builtin_prefetch(&d->slots[hash & d->mask]);
}

int
dedupe_seen(struct dedupe *d, const struct dedupe_id *id, int64_t received)
{
	const unsigned char	*ids;
	uint64_t		 h = id->hash;
	size_t			 i = h & d->mask, len;
	int64_t			 row, at;
	int			 rc;

	for (; d->slots[i].hash != 0; i = (i + 1) & d->mask) {
		if (d->slots[i].hash != h)
			continue;
		/* A candidate: confirm it exactly, in its group. */
		row = (int64_t)d->slots[i].row;
		if (d->open.n > 0 && row == d->open_row) {
			ids = d->open.ids;
			len = d->open.len;
			at = d->open.at;
			rc = 1;
		} else if ((rc = d->table->find(d->table->arg, row, &at, &ids,
		    &len)) == -1)
			return -1;
		if (rc == 1 && group_has(ids, len, d->slots[i].idx, id) &&
		    (d->window == 0 || at >= received - d->window))
			return 1;
	}
	return 0;
}

int
dedupe_add(struct dedupe *d, const struct dedupe_id *id, int64_t received)
{
	struct slot	e;

	/*
	 * An id whose check said "outside the window" gets a place of its
	 * own: the older one leaves the table with its bucket.
	 */
	if (!dedupe_group_fits(&d->open, id->len, received) &&
	    dedupe_flush(d) == -1)
		return -1;
	if (d->open.n == 0) {
		if (!row_fits(d->next_row))
			return -1;
		d->open_row = d->next_row++;
	}
	e.hash = id->hash;
	e.row = (uint64_t)d->open_row;
	e.idx = (uint64_t)d->open.n;
	dedupe_group_add(&d->open, id->s, id->len, received);
	mem_add(d, e);
	if (d->npending == d->pendcap) {
		d->pendcap = d->pendcap ? d->pendcap * 2 : 1024;
		d->pending = xreallocarray(d->pending, d->pendcap,
		    sizeof(*d->pending));
	}
	d->pending[d->npending++] = e;
	return 0;
}

int
dedupe_flush(struct dedupe *d)
{
	int	rc;

	if (d->open.n == 0)
		return 0;
	rc = d->table->put(d->table->arg, d->open_row, &d->open);
	dedupe_group_clear(&d->open);
	return rc;
}

/* A transaction's entries are kept; a large array, as a move's, is not. */
static void
pending_clear(struct dedupe *d)
{
	d->npending = 0;
	if (d->pendcap > PENDING_KEEP) {
		free(d->pending);
		d->pending = NULL;
		d->pendcap = 0;
	}
}

void
dedupe_commit(struct dedupe *d)
{
	d->ids += (int64_t)d->npending;
	pending_clear(d);
}

/*
 * The row numbers the transaction took are not given again: a row it
 * added may outlive it, should the engine have lost the transaction
 * before its last statement, which then ran on its own.
 */
void
dedupe_rollback(struct dedupe *d)
{
	while (d->npending > 0)
		mem_remove(d, d->pending[--d->npending]);
	pending_clear(d);
	dedupe_group_clear(&d->open);
}

int
dedupe_expire(struct dedupe *d, int64_t now)
{
	uint32_t	oldest;
	int64_t		first, dropped, ids;

	if (d->window == 0 || now - d->expired_at < EXPIRE_MS)
		return 0;
	d->expired_at = now;
	/* Memory keeps what the table has: the group being filled first. */
	if (dedupe_flush(d) == -1)
		return -1;
	/* Keep one bucket more than the window needs: bucket edges. */
	oldest = dedupe_oldest_bucket(d->window, now);
	oldest = oldest > 0 ? oldest - 1 : 0;
	if (d->table->drop(d->table->arg, oldest, &first, &dropped) == -1)
		return -1;
	d->ids = d->ids > dropped ? d->ids - dropped : 0;
	/*
	 * Rows are added in time order but for a few seconds at bucket
	 * edges: an entry of a row dropped above first reads no row of its
	 * id, and leaves at a later expiry.  Unless an older row stays,
	 * its bucket in the future: then memory is loaded again.
	 */
	table_rebuild(d, d->count + 1024, first);
	ids = d->ids + (int64_t)d->npending;
	if ((int64_t)d->count > 2 * ids + 1024) {
		log_info("dedupe: %zu entries in memory for %lld ids: loading "
		    "them again", d->count, (long long)ids);
		if (table_reload(d, (size_t)ids + 1024) == -1)
			return -1;
	}
	return 0;
}
