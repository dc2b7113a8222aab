/* A growing byte buffer; see buf.h. */
#include <stdlib.h>
#include <string.h>

#include "jsonstr.h"
#include "utf8.h"
#include "xmalloc.h"
#include "buf.h"

#define BUF_MIN	64

void
buf_init(struct buf *b)
{
	b->p = NULL;
	b->len = 0;
	b->cap = 0;
}

void
buf_release(struct buf *b)
{
	free(b->p);
	buf_init(b);
}

void
buf_reserve(struct buf *b, size_t n)
{
	size_t	need = b->len + n + 1;

	if (need <= b->cap)
		return;
	b->cap = b->cap * 2 > need ? b->cap * 2 : need + BUF_MIN;
	b->p = xreallocarray(b->p, b->cap, 1);
}

void
buf_add(struct buf *b, const char *s, size_t n)
{
	buf_reserve(b, n);
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

void
buf_addc(struct buf *b, char c)
{
	buf_reserve(b, 1);
	b->p[b->len++] = c;
	b->p[b->len] = '\0';
}

void
buf_adds(struct buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

void
buf_addquoted(struct buf *b, const char *s, size_t n)
{
	buf_reserve(b, JSONSTR_MAX(n));
	b->len += jsonstr_quote(b->p + b->len, s, n);
	b->p[b->len] = '\0';
}

void
buf_addutf8(struct buf *b, const char *s, size_t n, const char *bad,
    int oneline)
{
	size_t	i, k;

	for (i = 0; i < n; i += k) {
		if ((k = utf8_seqlen(s + i, n - i)) == 0 || (oneline &&
		    k == 1 && (unsigned char)s[i] < 0x20)) {
			if (oneline && (s[i] == '\n' || s[i] == '\t'))
				buf_addc(b, ' ');
			else
				buf_adds(b, bad);
			k = 1;
		} else
			buf_add(b, s + i, k);
	}
}

char *
buf_finish(struct buf *b)
{
	char	*s;

	if (b->p == NULL)
		buf_reserve(b, 0);
	b->p[b->len] = '\0';
	s = b->p;
	buf_init(b);
	return s;
}
