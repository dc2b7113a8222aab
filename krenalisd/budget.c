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
}

void
budget_release(struct budget *b)
{
	pthread_mutex_destroy(&b->mtx);
	pthread_cond_destroy(&b->cv);
}

void
budget_take(struct budget *b, size_t n)
{
	pthread_mutex_lock(&b->mtx);
	while (b->used > 0 && b->used + n > b->limit)
		pthread_cond_wait(&b->cv, &b->mtx);
	b->used += n;
	pthread_mutex_unlock(&b->mtx);
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
