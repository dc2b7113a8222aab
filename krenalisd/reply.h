/*
 * The answer to an HTTP request, apart from HTTP: its status, content
 * type, body and extra headers.  ingest.c and http.c fill one; http.c
 * sends it with the headers every response carries (spec/ingest.md §3).
 */
#ifndef REPLY_H
#define REPLY_H

#include <stddef.h>

#include <jansson.h>

#define REPLY_MAXHDRS	6

struct reply {
	unsigned int	 status;	/* 0: no answer could be made */
	const char	*ctype;		/* static, or NULL */
	char		*body;		/* owned, or NULL when empty */
	size_t		 len;
	const char	*names[REPLY_MAXHDRS];	/* static */
	char		*values[REPLY_MAXHDRS];	/* owned */
	size_t		 nhdrs;
};

/*
 * An empty reply with status.  reply_json, reply_error and
 * reply_unavailable make a new reply the same way: r is not read.
 */
void	reply_init(struct reply *, unsigned int status);
void	reply_release(struct reply *);

/* Add an extra header; name is static, value is copied. */
void	reply_header(struct reply *, const char *name, const char *value);

/*
 * Make r a reply whose body is the compact text of o and a newline (o is
 * borrowed); when o cannot be written (NULL, as json_pack gives for a
 * string that is not UTF-8) its status is 0.
 */
void	reply_json(struct reply *, unsigned int status, const char *ctype,
	    const json_t *o);

/* Make r an error answer of spec/ingest.md §4. */
void	reply_error(struct reply *, unsigned int status, const char *fmt, ...)
	    __attribute__((__format__(printf, 3, 4)));

/* Make r a 503 error answer with Retry-After: retry (seconds). */
void	reply_unavailable(struct reply *, const char *retry, const char *msg);

#endif
