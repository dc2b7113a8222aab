/* Blocks of memory for objects that outlive their maker; see slab.h. */
#include <pthread.h>
#include <stdalign.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "xmalloc.h"
#include "slab.h"

#define ALIGN		alignof(max_align_t)
#define ROUND(n)	(((n) + ALIGN - 1) & ~(size_t)(ALIGN - 1))
#define HEADER		ROUND(sizeof(struct slab_block))

struct slab_block {
	atomic_size_t		 live;	/* objects, +1 while a slab's current */
	size_t			 size;	/* of the whole block */
	size_t			 used;	/* from its start, header included */
	struct slab_block	*next;	/* in the pool */
};

struct slab {
	atomic_int		 refs;
	pthread_mutex_t		 mtx;
	struct slab_block	*cur;	/* where the next objects go */
	size_t			 next;	/* the size of the next block */
};

/* The free blocks of SLAB_BLOCK_MAX bytes, and the counts of slab_stats. */
static pthread_mutex_t		 pool_mtx = PTHREAD_MUTEX_INITIALIZER;
static struct slab_block	*pool;
static size_t			 npool;
static atomic_size_t		 nblocks, nbytes, nmade;

/* A block of size bytes (more when mapped), with one reference. */
static struct slab_block *
block_get(size_t size)
{
	struct slab_block	*b = NULL;
	size_t			 got = size;

	if (size == SLAB_BLOCK_MAX) {
		pthread_mutex_lock(&pool_mtx);
		if ((b = pool) != NULL) {
			pool = b->next;
			npool--;
		}
		pthread_mutex_unlock(&pool_mtx);
	}
	if (b == NULL) {
		b = xmap(size, &got);
		b->size = got;
		atomic_fetch_add(&nmade, 1);
	}
	atomic_init(&b->live, 1);
	b->used = HEADER;
	b->next = NULL;
	atomic_fetch_add(&nblocks, 1);
	atomic_fetch_add(&nbytes, b->size);
	return b;
}

void
slab_block_unref(struct slab_block *b)
{
	if (b == NULL || atomic_fetch_sub(&b->live, 1) != 1)
		return;
	atomic_fetch_sub(&nblocks, 1);
	atomic_fetch_sub(&nbytes, b->size);
	if (b->size == SLAB_BLOCK_MAX) {
		pthread_mutex_lock(&pool_mtx);
		if (npool < SLAB_POOL) {
			b->next = pool;
			pool = b;
			npool++;
			b = NULL;
		}
		pthread_mutex_unlock(&pool_mtx);
	}
	if (b != NULL)
		xunmap(b, b->size);
}

struct slab *
slab_new(void)
{
	struct slab	*s = xcalloc(1, sizeof(*s));

	atomic_init(&s->refs, 1);
	pthread_mutex_init(&s->mtx, NULL);
	s->next = SLAB_BLOCK_MIN;
	return s;
}

struct slab *
slab_ref(struct slab *s)
{
	atomic_fetch_add(&s->refs, 1);
	return s;
}

void
slab_unref(struct slab *s)
{
	if (s == NULL || atomic_fetch_sub(&s->refs, 1) != 1)
		return;
	slab_block_unref(s->cur);
	pthread_mutex_destroy(&s->mtx);
	free(s);
}

void *
slab_alloc(struct slab *s, size_t n, struct slab_block **block)
{
	struct slab_block	*b, *old = NULL;
	size_t			 need;
	void			*p;

	if (n > SIZE_MAX - HEADER - 2 * ALIGN) {
		fprintf(stderr, "slab: cannot allocate %zu bytes\n", n);
		abort();
	}
	need = ROUND(n == 0 ? 1 : n);
	if (HEADER + need > SLAB_BLOCK_MAX) {
		/* Larger than any block: a block of its own. */
		b = block_get(HEADER + need);
		b->used = b->size;
		*block = b;
		return (char *)b + HEADER;
	}
	pthread_mutex_lock(&s->mtx);
	if ((b = s->cur) == NULL || b->size - b->used < need) {
		/* The current block is full: the next, large enough. */
		while (s->next < HEADER + need)
			s->next *= 2;
		old = b;
		s->cur = b = block_get(s->next);
		if (s->next < SLAB_BLOCK_MAX)
			s->next *= 2;
	}
	p = (char *)b + b->used;
	b->used += need;
	atomic_fetch_add(&b->live, 1);
	pthread_mutex_unlock(&s->mtx);
	slab_block_unref(old);
	*block = b;
	return p;
}

void
slab_idle(struct slab *s)
{
	struct slab_block	*b;

	pthread_mutex_lock(&s->mtx);
	b = s->cur;
	s->cur = NULL;
	pthread_mutex_unlock(&s->mtx);
	slab_block_unref(b);
}

void
slab_stats(struct slab_stats *st)
{
	st->blocks = atomic_load(&nblocks);
	st->bytes = atomic_load(&nbytes);
	st->made = atomic_load(&nmade);
	pthread_mutex_lock(&pool_mtx);
	st->pooled = npool;
	st->pooled_bytes = npool * SLAB_BLOCK_MAX;
	pthread_mutex_unlock(&pool_mtx);
}

void
slab_drain(void)
{
	struct slab_block	*b;

	pthread_mutex_lock(&pool_mtx);
	while ((b = pool) != NULL) {
		pool = b->next;
		npool--;
		xunmap(b, b->size);
	}
	pthread_mutex_unlock(&pool_mtx);
}
