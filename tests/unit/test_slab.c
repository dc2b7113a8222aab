/* Unit tests of krenalisd/slab.c and of xmap in common/xmalloc.c. */
#include <pthread.h>
#include <stdalign.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "xmalloc.h"

#include "unit.h"
#include "../../krenalisd/slab.h"

struct obj {
	void			*p;
	struct slab_block	*block;
};

static struct slab_stats
stats(void)
{
	struct slab_stats	st;

	slab_stats(&st);
	return st;
}

static int
zeroed(const unsigned char *p, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (p[i] != 0)
			return 0;
	return 1;
}

static void
test_xmap(void)
{
	unsigned char	*p;
	size_t		 size, pg = (size_t)sysconf(_SC_PAGESIZE);

	p = xmap(1000, &size);
	CHECK_INT(size, 1000);
	CHECK(zeroed(p, size));
	memset(p, 0xa5, size);
	xunmap(p, size);

	p = xmap(XMAP_MIN + 1, &size);
	CHECK(size >= XMAP_MIN + 1 && size < XMAP_MIN + 1 + pg);
	CHECK_INT(size % pg, 0);
	CHECK_INT((uintptr_t)p % pg, 0);	/* a mapping of its own */
	CHECK(zeroed(p, size));
	memset(p, 0xa5, size);
	xunmap(p, size);
	xunmap(NULL, 0);
}

/* Objects are aligned, apart, and the first block is the smallest. */
static void
test_alloc(void)
{
	struct slab		*s = slab_new();
	struct obj		 o[100];
	struct slab_stats	 before = stats(), st;
	size_t			 i, j;

	for (i = 0; i < 100; i++) {
		o[i].p = slab_alloc(s, i + 1, &o[i].block);
		CHECK_INT((uintptr_t)o[i].p % alignof(max_align_t), 0);
		memset(o[i].p, (int)i, i + 1);
	}
	for (i = 0; i < 100; i++)
		for (j = 0; j <= i; j++)
			if (((unsigned char *)o[i].p)[j] != (unsigned char)i) {
				CHECK(!"an object was overwritten");
				i = j = 1000;
			}
	st = stats();
	/* 100 objects of at most 112 bytes: one block of the smallest size. */
	CHECK_INT(st.blocks - before.blocks, 1);
	CHECK_INT(st.bytes - before.bytes, SLAB_BLOCK_MIN);
	CHECK(o[0].block == o[99].block);
	/* The slab and every object hold the block; it goes with the last. */
	slab_unref(s);
	for (i = 0; i < 99; i++)
		slab_block_unref(o[i].block);
	CHECK_INT(stats().blocks, before.blocks + 1);
	slab_block_unref(o[99].block);
	CHECK_INT(stats().blocks, before.blocks);
	CHECK_INT(stats().bytes, before.bytes);
}

/*
 * Objects freed in the order they were made, like a ring's records: the
 * blocks double up to SLAB_BLOCK_MAX, few are in use at a time, and the
 * freed ones come back from the pool rather than being mapped again.
 */
static void
test_ring(void)
{
	enum { LIVE = 100, SIZE = 2000, TOTAL = 100000 };
	struct slab		*s = slab_new();
	struct obj		 ring[LIVE];
	struct slab_stats	 st;
	size_t			 i, most = 0, made = stats().made;

	memset(ring, 0, sizeof(ring));
	for (i = 0; i < TOTAL; i++) {
		slab_block_unref(ring[i % LIVE].block);
		ring[i % LIVE].p = slab_alloc(s, SIZE, &ring[i % LIVE].block);
		memset(ring[i % LIVE].p, 1, SIZE);
		st = stats();
		if (st.blocks > most)
			most = st.blocks;
	}
	/* 200 KB live: at most two blocks of 256 KiB, and the current. */
	CHECK(most <= 4);
	CHECK_INT(stats().bytes % SLAB_BLOCK_MAX, 0);
	/*
	 * 200 MB went through the slab: the four smaller first blocks,
	 * then a handful of the largest, taken again and again.
	 */
	CHECK(stats().made - made <= 8);
	for (i = 0; i < LIVE; i++)
		slab_block_unref(ring[i].block);
	slab_unref(s);
	CHECK_INT(stats().blocks, 0);
	CHECK_INT(stats().bytes, 0);
	CHECK(stats().pooled <= SLAB_POOL);
	slab_drain();
	CHECK_INT(stats().pooled, 0);
}

/*
 * A quiet slab's few long-lived objects keep only its own small block,
 * however many objects a busy slab makes and frees meanwhile.
 */
static void
test_quiet(void)
{
	struct slab		*busy = slab_new(), *quiet = slab_new();
	struct obj		 q[10], b;
	size_t			 i;

	for (i = 0; i < 20000; i++) {
		if (i % 2000 == 0) {
			q[i / 2000].p = slab_alloc(quiet, 500,
			    &q[i / 2000].block);
			memset(q[i / 2000].p, 2, 500);
		}
		b.p = slab_alloc(busy, 3000, &b.block);
		memset(b.p, 3, 3000);
		slab_block_unref(b.block);
	}
	slab_unref(busy);
	slab_unref(quiet);
	CHECK_INT(stats().blocks, 1);
	CHECK_INT(stats().bytes, SLAB_BLOCK_MIN);
	for (i = 0; i < 10; i++)
		slab_block_unref(q[i].block);
	CHECK_INT(stats().blocks, 0);
	slab_drain();
}

/* An object larger than any block gets a block of its own. */
static void
test_large(void)
{
	struct slab		*s = slab_new();
	struct obj		 small, large;
	size_t			 pooled;

	slab_drain();
	small.p = slab_alloc(s, 100, &small.block);
	large.p = slab_alloc(s, SLAB_BLOCK_MAX + 1, &large.block);
	memset(large.p, 4, SLAB_BLOCK_MAX + 1);
	CHECK(large.block != small.block);
	CHECK_INT(stats().blocks, 2);
	CHECK(stats().bytes >= SLAB_BLOCK_MIN + SLAB_BLOCK_MAX + 1);
	pooled = stats().pooled;
	slab_block_unref(large.block);
	CHECK_INT(stats().blocks, 1);
	CHECK_INT(stats().bytes, SLAB_BLOCK_MIN);
	CHECK_INT(stats().pooled, pooled);	/* unmapped, not kept */
	/* The next small object still goes to the current block. */
	large.p = slab_alloc(s, 100, &large.block);
	CHECK(large.block == small.block);
	slab_block_unref(large.block);
	slab_block_unref(small.block);
	slab_unref(s);
	CHECK_INT(stats().blocks, 0);
}

/* An idle slab lets its block go, and takes a pooled one next. */
static void
test_idle(void)
{
	struct slab		*s = slab_new();
	struct obj		 o;
	size_t			 i;

	slab_drain();
	/* Grow to the largest blocks. */
	for (i = 0; i < 200; i++) {
		o.p = slab_alloc(s, 4000, &o.block);
		slab_block_unref(o.block);
	}
	CHECK_INT(stats().blocks, 1);
	CHECK_INT(stats().bytes, SLAB_BLOCK_MAX);
	slab_drain();		/* the blocks it grew out of */
	slab_idle(s);
	CHECK_INT(stats().blocks, 0);
	CHECK_INT(stats().pooled, 1);
	/* An object still alive keeps it; the next comes from the pool. */
	o.p = slab_alloc(s, 100, &o.block);
	CHECK_INT(stats().pooled, 0);
	CHECK_INT(stats().bytes, SLAB_BLOCK_MAX);
	slab_idle(s);
	CHECK_INT(stats().blocks, 1);
	slab_block_unref(o.block);
	CHECK_INT(stats().blocks, 0);
	slab_unref(s);
	slab_drain();
}

struct churn_arg {
	struct slab	*s;
	unsigned char	 mark;
};

/*
 * Objects of one thread, each filled with a byte of its own and checked
 * before it is freed: the number of objects found overwritten.
 */
static void *
churn(void *arg)
{
	struct slab	*s = ((struct churn_arg *)arg)->s;
	unsigned char	 mark = ((struct churn_arg *)arg)->mark;
	struct obj	 o[50];
	size_t		 i, j, k, len[50];
	long		 bad = 0;

	memset(o, 0, sizeof(o));
	for (i = 0; i < 200000; i++) {
		k = i % 50;
		if (o[k].p != NULL)
			for (j = 0; j < len[k]; j++)
				if (((unsigned char *)o[k].p)[j] !=
				    (unsigned char)(mark + k)) {
					bad++;
					break;
				}
		slab_block_unref(o[k].block);
		len[k] = 64 + i % 4000;
		o[k].p = slab_alloc(s, len[k], &o[k].block);
		memset(o[k].p, mark + (int)k, len[k]);
	}
	for (i = 0; i < 50; i++)
		slab_block_unref(o[i].block);
	return (void *)bad;
}

/* Threads that allocate from one slab and free each other's blocks. */
static void
test_threads(void)
{
	struct slab	*s = slab_new();
	pthread_t	 t[3];
	struct churn_arg arg[3];
	void		*bad;
	size_t		 i;

	for (i = 0; i < 3; i++) {
		arg[i].s = s;
		arg[i].mark = (unsigned char)(i * 64);
		pthread_create(&t[i], NULL, churn, &arg[i]);
	}
	for (i = 0; i < 3; i++) {
		pthread_join(t[i], &bad);
		CHECK_INT((long)bad, 0);	/* nothing overwritten */
	}
	slab_unref(s);
	CHECK_INT(stats().blocks, 0);
	CHECK_INT(stats().bytes, 0);
	slab_drain();
}

int
main(void)
{
	UNIT_RUN(test_xmap);
	UNIT_RUN(test_alloc);
	UNIT_RUN(test_ring);
	UNIT_RUN(test_quiet);
	UNIT_RUN(test_large);
	UNIT_RUN(test_idle);
	UNIT_RUN(test_threads);
	return UNIT_END();
}
