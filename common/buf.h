/*
 * A growing byte buffer for text built piece by piece.  Once anything has
 * been added, p is NUL-terminated (the NUL is not counted in len), so the
 * text can be used as a C string at any time.  The buffer owns p.
 */
#ifndef BUF_H
#define BUF_H

#include <stddef.h>

struct buf {
	char	*p;		/* NULL until the first add */
	size_t	 len;
	size_t	 cap;
};

void	buf_init(struct buf *);
/* Free the text and leave b as buf_init does. */
void	buf_release(struct buf *);

/* Make room for n more bytes (and the NUL after them). */
void	buf_reserve(struct buf *, size_t n);
void	buf_add(struct buf *, const char *, size_t);
void	buf_addc(struct buf *, char);
void	buf_adds(struct buf *, const char *);
/* The n bytes at s as a JSON string, quotes included (jsonstr_quote). */
void	buf_addquoted(struct buf *, const char *s, size_t n);
/*
 * The n bytes at s as valid UTF-8: a byte that starts no well-formed
 * sequence becomes bad.  With oneline, newlines and tabs also become
 * spaces, and the other control characters bad.
 */
void	buf_addutf8(struct buf *, const char *s, size_t n, const char *bad,
	    int oneline);

/*
 * Return the text, malloc'd and NUL-terminated ("" when nothing was
 * added), and leave b as buf_init does: the caller frees the text.
 */
char	*buf_finish(struct buf *);

#endif
