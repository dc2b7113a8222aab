/*
 * Where the catalog (catalog.c) keeps its rows: a storage back end runs
 * the catalog's statements, each written once per back end, and reads
 * the rows back; the catalog's rules are in catalog.c alone.  Two back
 * ends: DATA_DIR/state.db in SQLite (cat_sqlite.c) and the krenalis_*
 * tables of a PostgreSQL warehouse, shared by several nodes (cat_pg.c,
 * spec/postgresql.md §5).  Owned by the control thread, like the catalog.
 *
 * Parameters and column values are text, NULL for SQL NULL; integers are
 * written in decimal.  Functions returning int return 0, CAT_ERROR with
 * the reason in the store's err, or CAT_DOWN when the database cannot be
 * reached.
 */
#ifndef CAT_STORE_H
#define CAT_STORE_H

#include <stddef.h>
#include <stdint.h>

#define CAT_ERROR	(-1)
#define CAT_DOWN	(-2)

/* The statements of the catalog, with their parameters in order. */
enum cat_stmt {
	CAT_SOURCE_INSERT,	/* id, name, connector, strategy, created_at */
	CAT_SOURCE_RENAME,	/* name, id */
	CAT_SOURCE_DELETE,	/* id: its keys and pipelines go with it */
	CAT_KEY_INSERT,		/* key, source, created_at, last_used_at */
	CAT_KEY_DELETE,		/* key */
	CAT_KEY_USED,		/* last_used_at, key */
	CAT_PIPELINE_INSERT,	/* id, source, name, enabled, filter,
				   consents, created_at, destination */
	CAT_PIPELINE_SET,	/* name, filter, consents, destination, id */
	CAT_PIPELINE_ENABLE,	/* enabled, id */
	CAT_PIPELINE_DELETE,	/* id */
	CAT_DEST_INSERT,	/* id, name, connector, url, headers,
				   write_key, secret, batch_size, timeout,
				   max_in_flight, max_age, gzip, enabled,
				   created_at */
	CAT_DEST_UPDATE,	/* the same, over the row of id */
	CAT_DEST_DELETE,	/* id: its pipelines go with it */
	CAT_WAREHOUSE_SET,	/* id of the warehouse */
	CAT_NSTMTS
};

/* The rows that load reads, each kind in creation order. */
enum cat_rows {
	CAT_ROWS_SOURCES,	/* id, name, connector, strategy, created_at */
	CAT_ROWS_KEYS,		/* key, source, created_at, last_used_at */
	CAT_ROWS_DESTINATIONS,	/* as CAT_DEST_INSERT's parameters */
	CAT_ROWS_PIPELINES,	/* id, source, name, enabled, created_at,
				   filter, consents, destination */
	CAT_ROWS_WAREHOUSE	/* id of the warehouse */
};

struct cat_store;

struct cat_store_ops {
	/*
	 * Begin a transaction.  For a change of the catalog (change is 1),
	 * the transaction also keeps other nodes from changing it until it
	 * ends, and *version is the catalog's version then.
	 */
	int	(*begin)(struct cat_store *, int change, int64_t *version);
	int	(*exec)(struct cat_store *, enum cat_stmt,
		    const char *const *params);
	/* Commit; a change also gets the catalog its next *version. */
	int	(*commit)(struct cat_store *, int change, int64_t *version);
	/* End a failed transaction, if one is open. */
	void	(*rollback)(struct cat_store *);
	/*
	 * Read every row, kind by kind, calling row with its values
	 * (borrowed for the call), within the open transaction if any, else
	 * within one of its own; and the catalog's *version.
	 */
	int	(*load)(struct cat_store *, void (*row)(void *, enum cat_rows,
		    const char *const *), void *arg, int64_t *version);
	/*
	 * Called whenever fd is readable and at least once a second: 1 when
	 * the catalog should be loaded again (another node changed it, the
	 * connection came back, or it is time), else 0.  NULL when the
	 * catalog has no other writer.  now is timestamp_monotonic().
	 */
	int	(*wake)(struct cat_store *, int64_t version, int64_t now);
	/* The descriptor to poll for wake, or -1. */
	int	(*fd)(struct cat_store *);
	void	(*close)(struct cat_store *);
};

struct cat_store {
	const struct cat_store_ops *ops;
	int64_t		 usage_flush_ms;	/* how often lastUsedAt is written */
	char		 err[1024];		/* the last CAT_ERROR's reason */
};

#endif
