/*
 * A memory budget in bytes shared by the HTTP threads, so that 64
 * clients posting 4 MiB bodies hold a bounded amount of memory.  Two
 * ways to take from one: budget_take waits while the budget is spent,
 * and is used by a request that holds nothing of that budget yet (it
 * takes once, then gives everything back when it is answered), so
 * waiting cannot deadlock; budget_try never waits, and may be called
 * again and again by a request as its memory grows.  A share larger than
 * the whole budget is granted by budget_take when nothing else is held.
 * Once closed (at shutdown), budget_take refuses at once.
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
	int		closed;
};

void	budget_init(struct budget *, size_t limit);
void	budget_release(struct budget *);
/* Wait until n bytes fit, then take them: 0, or -1 once closed. */
int	budget_take(struct budget *, size_t n);
/* Take n bytes if they fit now: 0, or -1 (nothing taken). */
int	budget_try(struct budget *, size_t n);
void	budget_give(struct budget *, size_t n);
/* Refuse every budget_take from now on, waking those that wait. */
void	budget_close(struct budget *);

#endif
