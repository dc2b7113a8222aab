/*
 * The required consents of a pipeline (spec/pipelines.md §4.3): an
 * operator and up to 100 purpose codes, satisfied by an event's
 * context.consents.
 */
#ifndef CONSENTS_H
#define CONSENTS_H

#include <stddef.h>

#include <jansson.h>

struct event_context;

#define CONSENTS_MAX	100

struct consents {
	int	  any;		/* "or"; "and" otherwise */
	char	**purposes;	/* owned */
	size_t	  n;
};

/* No requirement: "and" with no purpose. */
void	consents_init(struct consents *);
void	consents_release(struct consents *);
void	consents_copy(struct consents *dst, const struct consents *src);

/*
 * Read {"operator":"and"|"or","purposes":[...]} (borrowed) into c, with
 * the checks of §4.3.  Return 0, or -1 with the exact message in err.
 */
int	consents_from_json(const json_t *, struct consents *c, char *err,
	    size_t errlen);
/* The JSON form of c: a new reference. */
json_t	*consents_to_json(const struct consents *);

/* Whether the event's consents satisfy c (ctx may be NULL). */
int	consents_satisfied(const struct consents *,
	    const struct event_context *ctx);

#endif
