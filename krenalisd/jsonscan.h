/*
 * One pass over a request body that checks it is exactly one JSON value
 * (RFC 8259, spec/ingest.md §7.4: valid UTF-8, no duplicate member names
 * in any object, at most 2048 levels of nesting, numbers of any size) and
 * records where the parts the ingest needs are: the elements of a root
 * array, and the members of a root object with the elements of those
 * members' arrays.  Nothing is copied or converted: the events are decoded
 * later from their raw text (spec/ingest.md §8.3).
 */
#ifndef JSONSCAN_H
#define JSONSCAN_H

#include <stddef.h>

#define JSONSCAN_MAX_DEPTH	2048

enum jsonscan_kind {
	JSONSCAN_OBJECT,
	JSONSCAN_ARRAY,
	JSONSCAN_STRING,
	JSONSCAN_NUMBER,
	JSONSCAN_TRUE,
	JSONSCAN_FALSE,
	JSONSCAN_NULL
};

struct jsonscan_span {
	size_t			off;	/* first byte of the value */
	size_t			len;	/* through its last byte */
	enum jsonscan_kind	kind;
};

struct jsonscan_member {
	char			*key;	/* decoded, NUL-terminated */
	size_t			 keylen;	/* may contain NUL bytes */
	struct jsonscan_span	 value;
	size_t			 first;	/* its elements in elems, if array */
	size_t			 count;
};

struct jsonscan {
	struct jsonscan_span	 root;
	struct jsonscan_span	*elems;		/* root array's, members' */
	size_t			 nelems;
	size_t			 root_count;	/* elements of a root array */
	struct jsonscan_member	*members;	/* of a root object */
	size_t			 nmembers;
	char			*keys;		/* the members' keys, one buffer */
	char			 detail[160];	/* why the body is not JSON */
};

/*
 * Scan the len bytes at buf.  Return 0 and fill js, or -1 with
 * js->detail set.  Release js in both cases.
 */
int	jsonscan_parse(struct jsonscan *js, const char *buf, size_t len);
void	jsonscan_release(struct jsonscan *js);

/* The root object's member named key (NUL-free), or NULL. */
const struct jsonscan_member *jsonscan_member(const struct jsonscan *js,
	    const char *key);

/*
 * The decoded text of the string value at sp in buf (escapes resolved;
 * may contain NUL bytes), malloc'd and NUL-terminated; *len its length.
 */
char	*jsonscan_string(const char *buf, const struct jsonscan_span *sp,
	    size_t *len);

/* The name of a kind as events.md §2 writes it ("array", "true", ...). */
const char *jsonscan_kind_name(enum jsonscan_kind);

#endif
