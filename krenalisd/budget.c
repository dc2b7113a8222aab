/* Memory budgets of the HTTP threads, and their spares; see budget.h. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "xmalloc.h"
#include "budget.h"

/* Smaller buffers are cheap to allocate and are not kept. */
#define SPARE_MIN	XMAP_MIN

void
budget_init(struct budget *b, size_t limit)
{
	pthread_mutex_init(&b->mtx, NULL);
	pthread_cond_init(&b->cv, NULL);
	b->used = 0;
	b->limit = limit;
	b->closed = 0;
	b->nspares = 0;
	b->spare_bytes = 0;
	b->out = 0;
	b->most_out = 0;
}

void
budget_release(struct budget *b)
{
	size_t	i;

	for (i = 0; i < b->nspares; i++)
		xunmap(b->spares[i].p, b->spares[i].size);
	pthread_mutex_destroy(&b->mtx);
	pthread_cond_destroy(&b->cv);
}

/* Take spare i out of the list; with the lock held. */
static void *
spare_remove(struct budget *b, size_t i)
{
	void	*p = b->spares[i].p;

	b->spare_bytes -= b->spares[i].size;
	b->nspares--;
	memmove(&b->spares[i], &b->spares[i + 1],
	    (b->nspares - i) * sizeof(b->spares[0]));
	return p;
}

/* Free the oldest spare; with the lock held. */
static void
spare_drop(struct budget *b)
{
	size_t	size = b->spares[0].size;

	xunmap(spare_remove(b, 0), size);
}

/*
 * Free the oldest spares until n more bytes fit beside those taken and
 * the spares left; with the lock held.
 */
static void
spares_trim(struct budget *b, size_t n)
{
	while (b->nspares > 0 && b->used + b->spare_bytes + n > b->limit)
		spare_drop(b);
}

int
budget_take(struct budget *b, size_t n)
{
	int	rc = 0;

	pthread_mutex_lock(&b->mtx);
	while (!b->closed && b->used > 0 && b->used + n > b->limit)
		pthread_cond_wait(&b->cv, &b->mtx);
	if (b->closed)
		rc = -1;
	else
		b->used += n;
	pthread_mutex_unlock(&b->mtx);
	return rc;
}

int
budget_try(struct budget *b, size_t n)
{
	int	rc = -1;

	pthread_mutex_lock(&b->mtx);
	if (b->used + n <= b->limit) {
		b->used += n;
		rc = 0;
	}
	pthread_mutex_unlock(&b->mtx);
	return rc;
}

void
budget_give(struct budget *b, size_t n)
{
	budget_put(b, n, NULL, 0);
}

void
budget_close(struct budget *b)
{
	pthread_mutex_lock(&b->mtx);
	b->closed = 1;
	pthread_cond_broadcast(&b->cv);
	pthread_mutex_unlock(&b->mtx);
}

void *
budget_buffer(struct budget *b, size_t n, size_t *size)
{
	void	*p = NULL;
	size_t	 i, best = 0;

	pthread_mutex_lock(&b->mtx);
	for (i = 0; i < b->nspares; i++)
		if (b->spares[i].size >= n && b->spares[i].size / 2 <= n &&
		    (p == NULL || b->spares[i].size < b->spares[best].size)) {
			p = b->spares[i].p;
			best = i;
		}
	if (p != NULL) {
		*size = b->spares[best].size;
		spare_remove(b, best);
	} else
		spares_trim(b, 0);
	if ((p != NULL || n >= SPARE_MIN) && ++b->out > b->most_out)
		b->most_out = b->out;
	pthread_mutex_unlock(&b->mtx);
	if (p == NULL)
		p = xmap(n, size);
	return p;
}

void
budget_put(struct budget *b, size_t n, void *p, size_t size)
{
	if (n == 0 && p == NULL)
		return;
	pthread_mutex_lock(&b->mtx);
	b->used -= n;
	if (p != NULL && size >= SPARE_MIN)
		b->out--;
	if (p != NULL && size >= SPARE_MIN && b->used + size <= b->limit) {
		if (b->nspares == BUDGET_SPARES || b->nspares == b->most_out)
			spare_drop(b);
		spares_trim(b, size);
		b->spares[b->nspares].p = p;
		b->spares[b->nspares].size = size;
		b->nspares++;
		b->spare_bytes += size;
		p = NULL;
	}
	if (n > 0)
		pthread_cond_broadcast(&b->cv);
	pthread_mutex_unlock(&b->mtx);
	xunmap(p, size);
}
