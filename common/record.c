/* Debugger records as the clients read them; see record.h. */
#include <stdint.h>
#include <string.h>

#include <jansson.h>

#include "proto.h"
#include "record.h"

json_t *
record_event(const json_t *rec)
{
	const json_t	*ev = json_object_get(rec, "event");
	const char	*raw;
	json_t		*o;

	if (json_is_object(ev))
		return json_incref((json_t *)(uintptr_t)ev);
	/* A cut raw text is not JSON; a rejected one may not be either. */
	raw = json_string_value(json_object_get(rec, "raw"));
	if (raw == NULL || json_is_true(json_object_get(rec, "rawTruncated")))
		return NULL;
	o = proto_decode(raw, json_string_length(json_object_get(rec, "raw")));
	if (json_is_object(o))
		return o;
	json_decref(o);
	return NULL;
}
