/*
 * Destinations (spec/destinations.md): the HTTP endpoints that send
 * pipelines queue events for, as the HTTP threads, the writer and the
 * sender see them in a snapshot, and their delivery counters.
 *
 * A struct destination is immutable once published in a snapshot; its
 * counters are shared by every snapshot that holds the destination (like
 * a pipeline's) and are updated from any thread.
 *
 * The outbox (spec/destinations.md §3) is the warehouse table
 * krenalis_outbox: the writer adds its rows in the transaction of the
 * events' request, the sender claims, deletes, or moves them to
 * krenalis_outbox_failed.  In SQLite:
 *
 *	krenalis_outbox (seq INTEGER PRIMARY KEY, destination_id TEXT NOT
 *	    NULL, pipeline_id TEXT NOT NULL, queued_at INTEGER NOT NULL
 *	    (ms), message_id TEXT NOT NULL, event TEXT NOT NULL (the
 *	    normalised JSON of events.md §13))
 *	krenalis_outbox_failed (the same columns, then failed_at INTEGER
 *	    NOT NULL (ms), reason TEXT NOT NULL, attempts INTEGER NOT NULL)
 *
 * seq gives the commit order, which is the order of delivery.
 */
#ifndef DESTINATION_H
#define DESTINATION_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "ids.h"

enum dest_connector {
	DEST_WEBHOOK,
	DEST_SEGMENT
};

/* Delivery counters of one destination, since start. */
struct dest_counters {
	atomic_int		 refs;
	_Atomic int64_t		 queued;	/* in the outbox, in flight
						   included */
	_Atomic int64_t		 in_flight;
	_Atomic uint64_t	 delivered;
	_Atomic uint64_t	 retried;
	_Atomic uint64_t	 failed;
	_Atomic int64_t		 last_success;	/* ms, 0 when none */
	/* Of every event delivered: how many, and their latencies' sum. */
	_Atomic uint64_t	 latency_count;
	_Atomic uint64_t	 latency_ms;
	/*
	 * Set when the destination is removed, before its queue is dropped:
	 * a request that still holds a snapshot with it queues nothing more
	 * for it (writer.c).
	 */
	atomic_int		 removed;
};

struct destination {
	char			 id[IDS_ID_LEN + 1];
	char			*name;
	enum dest_connector	 connector;
	char			*url;
	char			**headers;	/* "Name: value" */
	size_t			 nheaders;
	char			*write_key;	/* segment only, or NULL */
	char			*secret;	/* or NULL */
	int			 batch_size;	/* 1..1000 */
	int			 timeout;	/* seconds, 1..120 */
	int			 max_in_flight;	/* 1..16 */
	int64_t			 max_age;	/* seconds */
	int			 gzip;
	int			 enabled;
	int64_t			 created_at;	/* ms */
	struct dest_counters	*counters;	/* one reference held */
};

struct dest_counters	*dest_counters_new(void);
struct dest_counters	*dest_counters_ref(struct dest_counters *);
void			 dest_counters_unref(struct dest_counters *);

/*
 * Copy src into dst: the strings are duplicated and dst takes a
 * reference to src's counters.  destination_release frees what a
 * destination owns; destination_release of a zeroed one does nothing.
 */
void	destination_copy(struct destination *dst,
	    const struct destination *src);
void	destination_release(struct destination *);

/* The connector's code ("webhook", "segment"). */
const char *destination_connector_name(enum dest_connector);

/*
 * maxAge as spec/destinations.md §2 writes it: "24h", "30m", "7d" (the
 * largest unit that divides it, days from two days on), into buf;
 * seconds in, buf returned.
 */
#define DEST_AGE_BUFSZ	24
char	*destination_format_age(int64_t seconds, char buf[DEST_AGE_BUFSZ]);

/*
 * Whether a header "Name: value" must be shown as "Name: ***": its name
 * is Authorization-like (it carries a credential).
 */
int	destination_header_secret(const char *header);

/*
 * Whether a header "Name: value" of d is one the connector sets itself:
 * Authorization, which the segment connector makes from the writeKey.
 */
int	destination_header_taken(const struct destination *d,
	    const char *header);

#endif
