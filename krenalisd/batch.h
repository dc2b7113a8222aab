/*
 * A batch: the events of one ingest request after decoding and pipeline
 * evaluation (spec/pipelines.md §5 steps 1-2), handed by its HTTP thread
 * to the writer, which settles duplicates, writes the rows and reports
 * back.  The HTTP thread owns the batch; the writer borrows it from
 * writer_submit until it marks it done.
 */
#ifndef BATCH_H
#define BATCH_H

#include <sys/queue.h>
#include <semaphore.h>
#include <stddef.h>
#include <stdint.h>

#include "ids.h"
#include "event.h"

struct snapshot;
struct snap_source;

enum outcome {
	OUTCOME_STORED,
	OUTCOME_FILTERED,
	OUTCOME_DUPLICATE,
	OUTCOME_REJECTED
};

/*
 * A pipeline's result for one event (spec/pipelines.md §7.2).  A send
 * pipeline's passed result becomes, in the writer, queued when the
 * event is queued for its destination, or failed when the destination's
 * queue is full (spec/destinations.md §3); a duplicate's stays passed.
 */
enum presult {
	PRESULT_PASSED,
	PRESULT_FILTERED,
	PRESULT_CONSENT,
	PRESULT_DISABLED,
	PRESULT_QUEUED,
	PRESULT_FULL
};

struct batch_event {
	struct event	 ev;
	const char	*raw;		/* into the request body */
	size_t		 rawlen;
	int		 valid;
	int		 dup_in_request;	/* an earlier event had its id */
	int		 passed;	/* an import pipeline passed it */
	int		 sends;		/* send pipelines that passed it */
	enum outcome	 outcome;	/* set by the writer */
};

struct batch {
	struct snapshot			*snap;	/* reference held */
	const struct snap_source	*src;	/* in snap */
	char				 request_id[IDS_REQID_MAX + 1];
	int64_t				 received_at;
	const struct event_req		*req;	/* how its events were
						   decoded */
	struct batch_event		*events;
	size_t				 n;
	size_t				 npipelines;
	unsigned char			*results;	/* n x npipelines */
	int32_t				*conds;		/* the false condition
							   of a filtered result
							   under "and", -1
							   under "or" */

	/* Debugger records: sequence numbers reserved at the commit. */
	uint64_t			 seq_base;
	struct dbg_slot			*slot;

	/* When writer_submit queued it (timestamp_monotonic). */
	int64_t				 submitted;
	/* Writer's report: failed is set before done is posted. */
	int				 failed;	/* not committed */
	sem_t				 done;
	struct batch			*inbox_next;
	TAILQ_ENTRY(batch)		 entry;
};

#endif
