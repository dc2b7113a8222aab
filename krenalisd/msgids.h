/*
 * A set of message ids, by open addressing: what the PostgreSQL engine
 * settles a transaction's duplicates with, and what the writer knows to
 * be in flight.  It borrows the ids, which must outlive their presence
 * in it.  A set is used by one thread at a time, or behind its owner's
 * lock.
 */
#ifndef MSGIDS_H
#define MSGIDS_H

#include <stddef.h>

/* Zeroed, it is an empty set. */
struct msgids {
	const char	**ids;
	size_t		  mask;
	size_t		  n;
};

/* Add id; 1 when it was there already. */
int	msgids_add(struct msgids *, const char *id);
int	msgids_has(const struct msgids *, const char *id);
/* Empty the set, keeping its room. */
void	msgids_clear(struct msgids *);
void	msgids_release(struct msgids *);

#endif
