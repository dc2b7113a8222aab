/*
 * The pipelines of a source on one event (spec/pipelines.md §5 step 2):
 * for each, whether it is enabled, then its filter, then its consents.
 * Called by the HTTP thread that decodes the event.
 */
#ifndef PIPELINE_H
#define PIPELINE_H

#include <stddef.h>

struct batch;
struct buf;
struct snap_source;

/*
 * Evaluate each pipeline of src, in creation order, on the valid event i
 * of b: its result (disabled, filtered with the false condition, consent
 * or passed) goes into b->results and b->conds, and the event is marked
 * passed when an import pipeline passed it, and counts the send
 * pipelines that did, and then has its text made for the outbox
 * (event_text_keep, in scratch first, which the caller keeps from event
 * to event).  Filters read the decoded event as it is; nothing is built
 * or allocated for them.
 */
void	pipeline_evaluate(struct batch *b, size_t i,
	    const struct snap_source *src, struct buf *scratch);

#endif
