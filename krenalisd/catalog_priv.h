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
#include <sqlite3.h>

#include "ids.h"
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

struct catalog {
	sqlite3			*db;
	char			*endpoint;
	int64_t			 flushed_at;
	char			*warehouse;	/* its id, or NULL */
	TAILQ_HEAD(, source)	 sources;
	TAILQ_HEAD(, cat_dest)	 dests;		/* creation order */
};

/* catalog.c */
void		 catalog_publish(struct catalog *);
/* A fresh id unique among sources, pipelines and destinations. */
void		 catalog_new_id(struct catalog *, char id[IDS_ID_LEN + 1]);
void		 catalog_pipeline_free(struct pipeline *);

/* catalog_dest.c */
/*
 * Create the destinations' table (and the pipelines' destination column
 * of a state.db made before it) and load its rows; -1 on an error.
 */
int		 catalog_dest_load(struct catalog *);
void		 catalog_dest_free_all(struct catalog *);
/* The destination whose id is id, or NULL. */
struct cat_dest	*catalog_dest_find(struct catalog *, const char *id);
/* Resolve a destination argument (id, then name), or set NotFound. */
struct cat_dest	*catalog_dest_resolve(struct catalog *, const char *arg,
		    struct catalog_error *);
/* Copy every destination into snap, setting each one's index. */
void		 catalog_dest_publish(struct catalog *, struct snapshot *);

#endif
