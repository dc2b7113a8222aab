/*
 * The catalog's rows in PostgreSQL, shared by the nodes of one database
 * (spec/postgresql.md §5); see cat_store.h.
 */
#ifndef CAT_PG_H
#define CAT_PG_H

#include <stddef.h>
#include <stdint.h>

#include <libpq-fe.h>

struct cat_store;

/*
 * The store on the database of conninfo, connected to at most timeout
 * seconds at a time; it connects when first used, and again after a
 * loss.  The caller frees it with its close operation.
 */
struct cat_store	*cat_pg_open(const char *conninfo, int timeout);

/*
 * The column check of the store's start on the tables of conn that exist
 * (krenalisd -n): 0, or -1 with err.
 */
int			 cat_pg_check(PGconn *, int64_t deadline, char *err,
			    size_t errlen);

#endif
