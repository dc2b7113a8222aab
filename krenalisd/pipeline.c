/* Pipeline evaluation of one event; see pipeline.h. */
#include "batch.h"
#include "consents.h"
#include "event.h"
#include "filter.h"
#include "pipeline.h"
#include "snapshot.h"

void
pipeline_evaluate(struct batch *b, size_t i, const struct snap_source *src,
    struct buf *scratch)
{
	const struct snap_pipeline	*p;
	struct batch_event		*be = &b->events[i];
	struct filter_event		 fe;
	struct filter_result		 fr;
	size_t				 j, k;

	filter_event_init(&fe, &be->ev);
	for (j = 0; j < b->npipelines; j++) {
		p = &src->pipelines[j];
		k = i * b->npipelines + j;
		if (!p->enabled) {
			b->results[k] = PRESULT_DISABLED;
			continue;
		}
		if (!filter_eval(p->filter, &fe, &fr)) {
			b->results[k] = PRESULT_FILTERED;
			b->conds[k] = fr.reason == FILTER_FAILED_CONDITION ?
			    (int32_t)fr.index : -1;
		} else if (!consents_satisfied(&p->consents, &be->ev.ctx))
			b->results[k] = PRESULT_CONSENT;
		else {
			b->results[k] = PRESULT_PASSED;
			if (p->destination != NULL)
				be->sends++;
			else
				be->passed = 1;
		}
	}
	/*
	 * The outbox's copy of the event is written here, by the request's
	 * thread, not by the writer, which every request waits for.
	 */
	if (be->sends > 0)
		event_text_keep(&be->ev, scratch);
}
