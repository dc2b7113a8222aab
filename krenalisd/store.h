/*
 * The warehouse, DATA_DIR/warehouse.db (SQLite, WAL).  This module creates
 * its tables (spec/events.md §14-15) and answers whether it is writable
 * (spec/ingest.md §13.1); the writer has a connection of its own.
 */
#ifndef STORE_H
#define STORE_H

#include <stddef.h>

struct store;

/* Open or create the warehouse; NULL with err. */
struct store	*store_open(const char *path, const char *synchronous,
		    char *err, size_t errlen);
void		 store_close(struct store *);

/* The writer committed a transaction just now. */
void		 store_committed(struct store *);

/*
 * Whether the store is writable: a commit succeeded less than a second
 * ago, or a BEGIN IMMEDIATE; COMMIT probe succeeds within 2 seconds.
 * Called from any HTTP thread.
 */
int		 store_writable(struct store *);

#endif
