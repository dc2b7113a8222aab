/*
 * The catalog: sources, their event write keys and their pipelines
 * (spec/pipelines.md §2-4), and the destinations that send pipelines
 * queue events for (spec/destinations.md §1-2), mirrored in memory, and
 * the id of the warehouse they were used with.  They are stored in
 * DATA_DIR/state.db, or with a PostgreSQL warehouse in its krenalis_*
 * tables, which several nodes share (spec/postgresql.md §5): a change
 * made by another node is read within a second, and DATA_DIR/catalog.cache
 * keeps the last catalog seen for a start while PostgreSQL is unreachable
 * (cat_store.h).
 *
 * Owned by the control thread: every function here is called from it
 * alone.  After each change the catalog publishes a new snapshot
 * (snapshot.h) for the HTTP threads.
 *
 * Operations return a new json_t reference in the form of spec/pipelines.md
 * §8 or spec/destinations.md §6.1 (the caller owns it), or NULL with the
 * error in *ce.
 */
#ifndef CATALOG_H
#define CATALOG_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

struct catalog;

struct catalog_error {
	const char	*code;		/* NotFound, BadRequest, ... */
	char		 message[1024];
};

/* A connector of spec/pipelines.md §2.2. */
struct connector {
	const char	*code;
	const char	*label;
	int		 ip_fallback;
	int		 has_strategy;
};

const struct connector *catalog_connector(const char *code);

/*
 * Open (creating if needed) the catalog at path.  endpoint is the ingest
 * URL printed with sources (copied).  NULL with err on failure.
 */
struct catalog	*catalog_open(const char *path, const char *endpoint,
		    char *err, size_t errlen);
/*
 * Open the catalog kept in the PostgreSQL database of conninfo, waiting
 * at most timeout seconds for it, with its copy in the file cache, read
 * when PostgreSQL cannot be reached.  NULL with err when the database
 * answers with an error.
 */
struct catalog	*catalog_open_pg(const char *conninfo, int timeout,
		    const char *cache, const char *endpoint, char *err,
		    size_t errlen);
/* Write every pending lastUsedAt and close. */
void		 catalog_close(struct catalog *);

/*
 * The descriptor to poll for changes made by other nodes (-1 when none),
 * and what to call when it is readable, and at least once a second: it
 * reads such changes, reconnects, and writes the lastUsedAt values due.
 */
int		 catalog_fd(struct catalog *);
void		 catalog_tick(struct catalog *);

/*
 * The id of the warehouse that the catalog was last used with (borrowed),
 * or NULL when none is recorded; catalog_warehouse_set records id, -1
 * with err on a write error.
 */
const char	*catalog_warehouse(const struct catalog *);
int		 catalog_warehouse_set(struct catalog *, const char *id,
		    char *err, size_t errlen);

/*
 * Write the lastUsedAt values that changed, if force or their time came
 * (a minute with SQLite, 10 s with PostgreSQL).
 */
void		 catalog_flush_usage(struct catalog *, int force);

/*
 * catalog_export returns the whole catalog as the document of
 * spec/postgresql.md §7; catalog_import creates every source, key and
 * pipeline of such a document with their ids, in one transaction, and
 * returns {"sources","writeKeys","pipelines"} (the numbers imported), or
 * NULL with nothing imported.  A node that knows no catalog (PostgreSQL
 * out of reach and no cache) exports nothing: NULL with ce set.
 */
json_t	*catalog_export(struct catalog *, struct catalog_error *);
json_t	*catalog_import(struct catalog *, const json_t *doc,
	    struct catalog_error *);

void		 catalog_counts(const struct catalog *, size_t *sources,
		    size_t *pipelines);

/*
 * The counters of spec/pipelines.md §8.4 for one source, or all when
 * source is NULL; since is when counting began.
 */
json_t	*catalog_stats(struct catalog *, const char *source, int64_t since,
	    struct catalog_error *);
/* The source counters summed over every source. */
json_t	*catalog_totals(struct catalog *);

json_t	*catalog_source_add(struct catalog *, const char *name, size_t len,
	    const char *connector, const char *strategy,
	    struct catalog_error *);
json_t	*catalog_source_list(struct catalog *);
/* The id of a source argument (borrowed), or NULL with NotFound. */
const char *catalog_source_id(struct catalog *, const char *source,
	    struct catalog_error *);
json_t	*catalog_source_show(struct catalog *, const char *source,
	    struct catalog_error *);
json_t	*catalog_source_rename(struct catalog *, const char *source,
	    const char *name, size_t len, struct catalog_error *);
json_t	*catalog_source_rm(struct catalog *, const char *source,
	    struct catalog_error *);

json_t	*catalog_key_list(struct catalog *, const char *source,
	    struct catalog_error *);
json_t	*catalog_key_add(struct catalog *, const char *source,
	    struct catalog_error *);
json_t	*catalog_key_rm(struct catalog *, const char *source, const char *key,
	    struct catalog_error *);

/*
 * filter is the text form (a JSON string), the JSON form (an object) or
 * none (NULL or null); consents is {"operator","purposes"} or none.
 * Both are borrowed.  destination is NULL for an import pipeline, else
 * the destination argument of a send pipeline.
 */
json_t	*catalog_pipeline_add(struct catalog *, const char *source,
	    const char *name, size_t len, int enabled, const json_t *filter,
	    const json_t *consents, const char *destination,
	    struct catalog_error *);
json_t	*catalog_pipeline_list(struct catalog *, const char *source,
	    struct catalog_error *);
json_t	*catalog_pipeline_show(struct catalog *, const char *pipeline,
	    struct catalog_error *);
/*
 * Change the name when name is not NULL, the filter when set_filter, the
 * consents when set_consents (forms as for catalog_pipeline_add), the
 * destination of a send pipeline when destination is not NULL.  Nothing
 * changes when any of them is not valid.
 */
json_t	*catalog_pipeline_set(struct catalog *, const char *pipeline,
	    const char *name, size_t len, int set_filter, const json_t *filter,
	    int set_consents, const json_t *consents, const char *destination,
	    struct catalog_error *);
json_t	*catalog_pipeline_enable(struct catalog *, const char *pipeline,
	    int enabled, struct catalog_error *);
json_t	*catalog_pipeline_rm(struct catalog *, const char *pipeline,
	    struct catalog_error *);

/*
 * Destinations (spec/destinations.md §2).  args holds the settings as
 * the destination.add and destination.set commands carry them: "url",
 * "connector", "headers" (an array of "Name: value", or null for none),
 * "writeKey", "secret" (null: none), "batchSize", "timeout",
 * "maxInFlight" (integers), "maxAge" (a duration such as "24h") and
 * "gzip"; absent members keep their default, or their value for set.
 * Secrets, write keys and credential headers are shown as "***".
 */
json_t	*catalog_destination_add(struct catalog *, const char *name,
	    size_t len, const json_t *args, struct catalog_error *);
json_t	*catalog_destination_list(struct catalog *);
json_t	*catalog_destination_show(struct catalog *, const char *destination,
	    struct catalog_error *);
json_t	*catalog_destination_set(struct catalog *, const char *destination,
	    const json_t *args, struct catalog_error *);
json_t	*catalog_destination_enable(struct catalog *,
	    const char *destination, int enabled, struct catalog_error *);
/*
 * Remove a destination.  Without force, one that send pipelines use is
 * not removed (Conflict, naming them); with force, they are removed with
 * it.  The caller drops the destination's queue (its id is the returned
 * object's "id").
 */
json_t	*catalog_destination_rm(struct catalog *, const char *destination,
	    int force, struct catalog_error *);

#endif
