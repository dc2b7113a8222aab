/*
 * The immutable view of the catalog that the HTTP threads read: write key
 * -> source, source -> pipelines, send pipeline -> destination.  The
 * control thread builds a new one after every change and swaps it in; a
 * request holds a reference to the snapshot it authenticated with until
 * it is answered (spec/pipelines.md: requests already past authentication
 * finish with what they started with).  Nothing in a snapshot changes
 * after it is published, except the atomic lastUsedAt of each key, which
 * is shared with the catalog, and the atomic counters, which every
 * snapshot shares.
 */
#ifndef SNAPSHOT_H
#define SNAPSHOT_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "ids.h"
#include "consents.h"
#include "counters.h"
#include "destination.h"

/* One write key's last use, shared by the catalog and every snapshot. */
struct key_usage {
	atomic_int	 refs;
	_Atomic int64_t	 last_used;	/* ms, 0 when never used */
	int64_t		 flushed;	/* value in the catalog; control thread */
	int64_t		 writing;	/* value being written; control thread */
};

struct key_usage *key_usage_new(int64_t last_used);
struct key_usage *key_usage_ref(struct key_usage *);
void		  key_usage_unref(struct key_usage *);

struct snap_pipeline {
	char			 id[IDS_ID_LEN + 1];
	char			*name;
	int			 enabled;
	struct filter		*filter;	/* compiled, or NULL: owned */
	struct consents		 consents;	/* owned */
	struct pipe_counters	*counters;	/* one reference held */
	/* A send pipeline's destination, in the snapshot; NULL: import. */
	const struct destination *destination;
};

struct snap_source {
	char			 id[IDS_ID_LEN + 1];
	const char		*connector;	/* static code */
	const char		*strategy;	/* static, or NULL */
	int			 ip_fallback;
	struct snap_pipeline	*pipelines;	/* creation order */
	size_t			 npipelines;
	struct src_counters	*counters;	/* one reference held */
};

struct snap_key {
	char			 key[IDS_KEY_LEN + 1];
	struct snap_source	*source;
	struct key_usage	*usage;		/* one reference held */
};

struct snapshot {
	atomic_int		 refs;
	struct snap_source	*sources;
	size_t			 nsources;
	struct snap_key		*keys;		/* open addressing */
	size_t			 keymask;	/* table size - 1 */
	struct destination	*destinations;	/* creation order; owned */
	size_t			 ndestinations;
	/*
	 * Neither the catalog's store nor its cache could be read: no key
	 * is known, and a request is answered 503, not 401.
	 */
	int			 unknown;
};

/* A snapshot with room for nsources sources and nkeys keys, refs 1. */
struct snapshot	*snapshot_new(size_t nsources, size_t nkeys);
/* Add a key of source; the snapshot takes a reference to usage. */
void		 snapshot_add_key(struct snapshot *, const char *key,
		    struct snap_source *, struct key_usage *);
/* The key's entry, or NULL when no source has it. */
const struct snap_key *snapshot_lookup_key(const struct snapshot *,
		    const char *key, size_t len);
/* The destination whose id is id, or NULL (also when id is NULL). */
const struct destination *snapshot_destination(const struct snapshot *,
		    const char *id);

/*
 * The published snapshot: snapshot_publish takes over the caller's
 * reference; snapshot_current returns a new reference that the caller
 * gives back with snapshot_unref.
 */
void		 snapshot_publish(struct snapshot *);
/* Another reference to a snapshot the caller holds. */
struct snapshot	*snapshot_ref(struct snapshot *);
struct snapshot	*snapshot_current(void);
void		 snapshot_unref(struct snapshot *);

#endif
