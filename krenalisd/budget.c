/* Memory budgets of the HTTP threads; see budget.h. */
#include <pthread.h>

#include "budget.h"

void
budget_init(struct budget *b, size_t limit)
{
	pthread_mutex_init(&b->mtx, NULL);
	pthread_cond_init(&b->cv, NULL);
	b->used = 0;
	b->limit = limit;
	b->closed = 0;
}

void
budget_release(struct budget *b)
{
	pthread_mutex_destroy(&b->mtx);
	pthread_cond_destroy(&b->cv);
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
	if (n == 0)
		return;
	pthread_mutex_lock(&b->mtx);
	b->used -= n;
	pthread_cond_broadcast(&b->cv);
	pthread_mutex_unlock(&b->mtx);
}

void
budget_close(struct budget *b)
{
	pthread_mutex_lock(&b->mtx);
	b->closed = 1;
	pthread_cond_broadcast(&b->cv);
	pthread_mutex_unlock(&b->mtx);
}
