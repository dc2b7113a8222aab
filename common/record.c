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

/* The string member key of o, or NULL when it is absent or empty. */
static const char *
nonempty(const json_t *o, const char *key)
{
	const char	*v = json_string_value(json_object_get(o, key));

	return v != NULL && *v != '\0' ? v : NULL;
}

const char *
record_label(const json_t *ev)
{
	const char	*type = nonempty(ev, "type"), *s;

	if (type == NULL)
		type = "";
	if (strcmp(type, "track") == 0)
		return nonempty(ev, "event");
	if (strcmp(type, "page") == 0 || strcmp(type, "screen") == 0)
		return nonempty(ev, "name");
	if (strcmp(type, "group") == 0)
		return nonempty(ev, "groupId");
	if (strcmp(type, "alias") == 0)
		return nonempty(ev, "previousId");
	if (strcmp(type, "identify") == 0)
		return NULL;
	return (s = nonempty(ev, "event")) != NULL ? s : nonempty(ev, "name");
}

const char *
record_user(const json_t *ev)
{
	const char	*s = nonempty(ev, "userId");

	return s != NULL ? s : nonempty(ev, "anonymousId");
}
