/* krctl send: one test event through the HTTP endpoint, with libcurl. */
#ifndef SEND_H
#define SEND_H

#include <stddef.h>

#include <jansson.h>

/*
 * The event to send, from the options of krctl send (borrowed: "type",
 * "event", "userId", "properties" as text): a new reference, or NULL with
 * the reason in err.
 */
json_t	*send_build(const json_t *opts, char *err, size_t errlen);

/*
 * POST the event to the source's endpoint with its first write key.
 * Return the HTTP status (the body in *body, malloc'd), or -1 with err.
 */
long	 send_post(const json_t *source, const json_t *event, char **body,
	    char *err, size_t errlen);

#endif
