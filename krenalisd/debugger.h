/*
 * The event debugger of spec/pipelines.md §7: one record per received
 * event of every committed request, kept in a ring per source and pushed
 * to subscribers (krctl events -f, krtop).
 *
 * Threads.  The writer, right after a commit, reserves the records'
 * sequence numbers in commit order (debugger_reserve).  Each HTTP thread
 * then builds its own records, off the writer's path, and hands them over
 * (debugger_publish); they are added to the rings and subscriber queues
 * strictly in sequence order, whatever order the threads finish in.  The
 * control thread owns the subscriptions: it drains their queues when the
 * wake descriptor is readable.  A subscriber's queue holds at most
 * DEBUGGER_QUEUE records; past that, records are dropped for it and
 * counted, so a slow reader never slows ingest.
 */
#ifndef DEBUGGER_H
#define DEBUGGER_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "ids.h"

#define DEBUGGER_QUEUE		1000
#define DEBUGGER_RAW_MAX	32768

struct batch;
struct dbg_slot;
struct slab_block;
struct dbg_sub;

struct snapshot;
struct snap_source;

/*
 * A record, shared by reference.  The HTTP thread that made it keeps what
 * the record says in a compact form, carved from its ring's slab; its
 * JSON text is written on first read, by the control thread, which alone
 * reads records: most records are evicted from their ring without anyone
 * reading them.
 *
 * So is the normalised event, when no subscriber waits for the source's
 * records, the raw text is whole and the envelope's context text is no
 * larger than DEBUGGER_RAW_MAX: the record keeps the raw text and,
 * shared with the other records of its request, how the request decoded
 * its events (struct dbg_req); the first read decodes the event again,
 * with the ids it was stored with.  The decoder is pure, so the text is
 * the one the event had; a request's thread no longer writes a text per
 * event that nobody reads.
 */
struct dbg_req;

struct dbg_record {
	atomic_int		 refs;
	struct slab_block	*block;		/* holding the record */
	uint64_t		 seq;
	char			 source[IDS_ID_LEN + 1];

	struct snapshot		*snap;		/* pipeline names, filters */
	const struct snap_source *src;		/* in snap */
	char			 received_at[25];
	char			 request_id[IDS_REQID_MAX + 1];
	size_t			 index;
	int			 outcome;
	const char		*raw;		/* cut at DEBUGGER_RAW_MAX */
	size_t			 rawcut;
	size_t			 rawlen;	/* of the complete raw text */
	const char		*event;		/* §13 text, or NULL */
	size_t			 eventlen;
	struct dbg_req		*req;		/* or NULL: event, if valid */
	const char		*anonymous_id;	/* generated, or NULL */
	const char		*message_id;	/* generated, or NULL */
	const char		*error;		/* or NULL */
	size_t			 npipelines;
	const unsigned char	*results;
	const int32_t		*conds;

	char			*text;		/* the JSON, once read */
	size_t			 len;
};

/* The record's JSON object text (*len its length); control thread. */
const char *dbg_record_text(struct dbg_record *, size_t *len);

/* What a subscriber takes from its queue. */
struct dbg_item {
	struct dbg_record	*rec;		/* a reference for the taker */
	uint64_t		 omitted;	/* dropped just before it */
};

/* Keep ring_size records per source; return the wake descriptor. */
int	debugger_init(size_t ring_size);
void	debugger_shutdown(void);

void	dbg_record_unref(struct dbg_record *);

/* Writer thread, after the commit, in queue order. */
void	debugger_reserve(struct batch *);
/* The batch's HTTP thread, after a successful commit. */
void	debugger_publish(struct batch *);

/*
 * The source (an id), called name, was deleted: its ring goes, and the
 * streams that follow it end once what they queued is taken
 * (debugger_ended).
 */
void	debugger_forget(const char *source, const char *name);

/*
 * The newest count records of one source (or all, source NULL), oldest
 * first, as new references in *out (malloc'd); return how many.
 */
size_t	debugger_history(const char *source, size_t count,
	    struct dbg_record ***out);

/*
 * Control thread: subscribe to one source (or all), with the newest
 * history records of the rings queued first.
 */
struct dbg_sub	*debugger_subscribe(const char *source, size_t history);
void		 debugger_unsubscribe(struct dbg_sub *);
/* Take up to max queued items; return how many. */
size_t		 debugger_take(struct dbg_sub *, struct dbg_item *, size_t max);
/* Whether anything is queued for the subscriber. */
int		 debugger_pending(struct dbg_sub *);
/*
 * Whether its source was deleted and nothing is left to take; then the
 * source's name when it was deleted is in name (len bytes).
 */
int		 debugger_ended(struct dbg_sub *, char *name, size_t len);
/* Empty the wake descriptor (call when it polls readable). */
void		 debugger_woken(void);

#endif
