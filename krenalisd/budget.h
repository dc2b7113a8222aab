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
 *
 * A budget also keeps the large buffers its requests gave back, as
 * spares for the next ones, so that the steady state allocates nothing:
 * a buffer freed and allocated again per request would be a fresh mmap,
 * faulted in page by page and unmapped, per request.  Spares count
 * against the limit like the bytes taken, the oldest freed first to make
 * room, and a budget keeps no more of them than it ever had large
 * buffers out at once.
 */
#ifndef BUDGET_H
#define BUDGET_H

#include <pthread.h>
#include <stddef.h>

#define BUDGET_SPARES	64	/* the most spares a budget keeps */

struct budget_spare {
	void		*p;
	size_t		 size;
};

struct budget {
	pthread_mutex_t	mtx;
	pthread_cond_t	cv;
	size_t		used;
	size_t		limit;
	int		closed;
	struct budget_spare spares[BUDGET_SPARES];	/* oldest first */
	size_t		nspares;
	size_t		spare_bytes;
	size_t		out;		/* large buffers handed out */
	size_t		most_out;	/* the most at once */
};

void	budget_init(struct budget *, size_t limit);
/* Free the spares; nothing may be taken any more. */
void	budget_release(struct budget *);
/* Wait until n bytes fit, then take them: 0, or -1 once closed. */
int	budget_take(struct budget *, size_t n);
/* Take n bytes if they fit now: 0, or -1 (nothing taken). */
int	budget_try(struct budget *, size_t n);
void	budget_give(struct budget *, size_t n);
/* Refuse every budget_take from now on, waking those that wait. */
void	budget_close(struct budget *);

/*
 * A buffer of at least n bytes, its size in *size: the smallest spare
 * that fits without being more than twice n, else a new one.  The
 * caller owns it, and has taken the bytes it stands for.
 */
void	*budget_buffer(struct budget *, size_t n, size_t *size);
/*
 * Give back n bytes and the buffer p of size bytes from budget_buffer
 * (p may be NULL).  A large buffer is kept as a spare when it fits in the
 * limit beside the bytes taken, the oldest spares making room; else it
 * is freed.
 */
void	 budget_put(struct budget *, size_t n, void *p, size_t size);

#endif
