/*
 * A growing string, for the texts the filter module builds: unescaped
 * strings and path keys, canonical paths and conditions.  It calls no
 * other filter file.
 */
#include <stdlib.h>
#include <string.h>

#include "xmalloc.h"

#include "filter_priv.h"

void
filter_buf_add(struct filter_buf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		while (b->len + n + 1 > b->cap)
			b->cap = b->cap ? b->cap * 2 : 64;
		b->s = xreallocarray(b->s, b->cap, 1);
	}
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

void
filter_buf_addc(struct filter_buf *b, char c)
{
	filter_buf_add(b, &c, 1);
}

void
filter_buf_adds(struct filter_buf *b, const char *s)
{
	filter_buf_add(b, s, strlen(s));
}

/* Return the built string (never NULL) and leave b empty. */
char *
filter_buf_finish(struct filter_buf *b)
{
	char	*s;

	if (b->s == NULL)
		filter_buf_add(b, "", 0);
	s = b->s;
	memset(b, 0, sizeof(*b));
	return s;
}
