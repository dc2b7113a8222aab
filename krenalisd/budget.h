/*
 * A memory budget in bytes shared by the HTTP threads: a request takes
 * its share once and waits while the budget is spent, so that 64 clients
 * posting 4 MiB bodies hold a bounded amount of memory.  A request takes
 * from each budget at most once, bodies before decoding, and gives
 * everything back when it is answered: no thread ever holds a share while
 * waiting for more of the same budget, so waiting cannot deadlock.  A
 * share larger than the whole budget is granted when nothing else is
 * held.
 */
#ifndef BUDGET_H
#define BUDGET_H

#include <pthread.h>
#include <stddef.h>

struct budget {
	pthread_mutex_t	mtx;
	pthread_cond_t	cv;
	size_t		used;
	size_t		limit;
};

void	budget_init(struct budget *, size_t limit);
void	budget_release(struct budget *);
/* Wait until n bytes fit, then take them. */
void	budget_take(struct budget *, size_t n);
void	budget_give(struct budget *, size_t n);

#endif
