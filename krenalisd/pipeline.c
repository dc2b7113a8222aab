/* Pipeline evaluation of one event; see pipeline.h. */
#include <string.h>

#include "batch.h"
#include "consents.h"
#include "event.h"
#include "filter.h"
#include "pipeline.h"
#include "snapshot.h"

void
pipeline_evaluate(struct batch *b, size_t i, const struct snap_source *src)
{
	const struct snap_pipeline	*p;
	struct batch_event		*be = &b->events[i];
	struct filter_event		 fe;
	struct filter_result		 fr;
	size_t				 j, k;
	int				 pass;

	memset(&fe, 0, sizeof(fe));
	for (j = 0; j < b->npipelines; j++) {
		p = &src->pipelines[j];
		k = i * b->npipelines + j;
		if (!p->enabled) {
			b->results[k] = PRESULT_DISABLED;
			continue;
		}
		pass = 1;
		if (p->filter != NULL) {
			if (fe.json == NULL) {
				fe.json = event_json(&be->ev);
				fe.properties = be->ev.properties;
				fe.properties_len = be->ev.properties_len;
				fe.traits = be->ev.traits;
				fe.traits_len = be->ev.traits_len;
			}
			pass = filter_eval_event(p->filter, &fe, &fr);
		}
		if (!pass) {
			b->results[k] = PRESULT_FILTERED;
			b->conds[k] = fr.reason == FILTER_FAILED_CONDITION ?
			    (int32_t)fr.index : -1;
		} else if (!consents_satisfied(&p->consents, &be->ev.ctx))
			b->results[k] = PRESULT_CONSENT;
		else {
			b->results[k] = PRESULT_PASSED;
			be->passed = 1;
		}
	}
}
