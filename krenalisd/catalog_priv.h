/*
 * The catalog's objects in memory, shared by the files of the catalog
 * module (catalog.c: sources, keys and pipelines; catalog_dest.c:
 * destinations), and the functions each offers the other.  Everything
 * here belongs to the control thread, like the catalog itself.
 */
#ifndef CATALOG_PRIV_H
#define CATALOG_PRIV_H

#include <sys/queue.h>
#include <stdint.h>

#include <jansson.h>

#include "ids.h"
#include "cat_store.h"
#include "catalog.h"
#include "consents.h"
#include "counters.h"
#include "destination.h"
#include "snapshot.h"

struct key {
	char			 key[IDS_KEY_LEN + 1];
	int64_t			 created_at;
	struct key_usage	*usage;
	TAILQ_ENTRY(key)	 entry;
};

/* A destination: its settings, as snapshots copy them, and its rank. */
struct cat_dest {
	struct destination	 d;
	size_t			 index;		/* in the last snapshot */
	TAILQ_ENTRY(cat_dest)	 entry;
};

TAILQ_HEAD(dest_list, cat_dest);

struct pipeline {
	char			 id[IDS_ID_LEN + 1];
	struct source		*source;
	char			*name;
	int			 enabled;
	int64_t			 created_at;
	json_t			*filter;	/* canonical JSON form, or NULL */
	char			*filter_text;	/* canonical text, or NULL */
	struct consents		 consents;
	struct pipe_counters	*counters;
	struct cat_dest		*dest;		/* a send pipeline's, or NULL */
	TAILQ_ENTRY(pipeline)	 entry;
};

struct source {
	char			 id[IDS_ID_LEN + 1];
	char			*name;
	const struct connector	*connector;
	const char		*strategy;
	int64_t			 created_at;
	size_t			 nkeys;
	struct src_counters	*counters;
	TAILQ_HEAD(, key)	 keys;
	TAILQ_HEAD(, pipeline)	 pipelines;
	TAILQ_ENTRY(source)	 entry;
};

TAILQ_HEAD(source_list, source);

struct catalog {
	struct cat_store	*store;
	int			 failed;	/* the store's last failure */
	int64_t			 version;	/* of the catalog in memory */
	char			*cache;		/* its copy on disk, or NULL */
	char			*endpoint;
	int64_t			 flushed_at;
	char			*warehouse;	/* its id, or NULL */
	struct source_list	 sources;
	struct dest_list	 dests;		/* creation order */
	int			 unknown;	/* neither store nor cache
						   could be read */
};

/* catalog.c */
void		 catalog_publish(struct catalog *);
/*
 * Begin a change: -1 with ce when the store cannot.  End it with
 * catalog_change_end, given what the change made (NULL when it failed,
 * which rolls it back); it returns o, or NULL with ce.
 */
int		 catalog_change_begin(struct catalog *, struct catalog_error *);
json_t		*catalog_change_end(struct catalog *, json_t *o,
		    struct catalog_error *);
/* Run a statement of a change; -1 with ce, the failure logged as what. */
int		 catalog_exec(struct catalog *, enum cat_stmt,
		    const char *const *params, const char *what,
		    struct catalog_error *);
/* A fresh id unique among sources, pipelines and destinations. */
void		 catalog_new_id(struct catalog *, char id[IDS_ID_LEN + 1]);
/* n in decimal in buf, as a statement's parameter; returns buf. */
const char	*catalog_intarg(char buf[32], int64_t n);
/* Set ce's code and message; returns -1, for a caller that fails. */
int		 catalog_seterr(struct catalog_error *, const char *code,
		    const char *fmt, ...)
		    __attribute__((__format__(printf, 3, 4)));
void		 catalog_pipeline_free(struct pipeline *);

/* catalog_dest.c */
/* A destination from its stored row (cat_store.h, CAT_ROWS_DESTINATIONS). */
struct cat_dest	*catalog_dest_row(const char *const *v);
/* Keep the counters of the destinations of old that are still in list. */
void		 catalog_dests_carry_over(struct dest_list *list,
		    struct dest_list *old);
void		 catalog_dests_free(struct dest_list *);
/* The destination of list whose id is id, or NULL. */
struct cat_dest	*catalog_dest_find(struct dest_list *, const char *id);
/* Resolve a destination argument (id, then name), or set NotFound. */
struct cat_dest	*catalog_dest_resolve(struct catalog *, const char *arg,
		    struct catalog_error *);
/*
 * Write d's row, a new one or (update) over the one of its id, which
 * keeps its place in creation order.  -1 with ce.
 */
int		 catalog_dest_store(struct catalog *,
		    const struct destination *d, int update,
		    struct catalog_error *);
/*
 * The destinations as the catalog's cache keeps them: as destination
 * show shows them, but with their credentials and without their
 * pipelines (each pipeline names its destination).
 */
json_t		*catalog_dests_export(struct catalog *);
/*
 * The destination o of a cached catalog, with a name free in the
 * catalog and among those imported before it, and settings checked as
 * destination add checks them; its id and createdAt are the caller's to
 * read.  NULL with ce.
 */
struct cat_dest	*catalog_dest_import(struct catalog *,
		    struct dest_list *imported, const json_t *o,
		    struct catalog_error *);
/* Copy every destination into snap, setting each one's index. */
void		 catalog_dest_publish(struct catalog *, struct snapshot *);

#endif
