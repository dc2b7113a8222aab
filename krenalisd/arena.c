/* A bump allocator; see arena.h. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xmalloc.h"
#include "arena.h"

struct arena {
	struct arena	*next;
	size_t		 size;
	size_t		 used;
	char		 data[];
};

void *
arena_alloc(struct arena **ap, size_t n, size_t align)
{
	struct arena	*a = *ap, *na;
	size_t		 off, size;

	if (a != NULL) {
		off = (a->used + align - 1) & ~(align - 1);
		if (off <= a->size && n <= a->size - off) {
			a->used = off + n;
			return a->data + off;
		}
	}
	size = a != NULL ? a->size * 2 : ARENA_MIN;
	if (size < n)
		size = n;
	na = xmalloc(sizeof(*na) + size);
	na->next = a;
	na->size = size;
	na->used = n;
	*ap = na;
	return na->data;
}

struct arena *
arena_new(size_t size)
{
	struct arena	*a;

	a = xmalloc(sizeof(*a) + size);
	a->next = NULL;
	a->size = size;
	a->used = 0;
	return a;
}

void
arena_free(struct arena *a)
{
	struct arena	*next;

	for (; a != NULL; a = next) {
		next = a->next;
		free(a);
	}
}

char *
arena_strndup(struct arena **ap, const char *s, size_t n)
{
	char	*p;

	p = arena_alloc(ap, n + 1, 1);
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

int
arena_error(struct arena **ap, const char **errp, const char *fmt, ...)
{
	va_list	 ap2;
	char	*p;
	int	 n;

	va_start(ap2, fmt);
	n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (n < 0)
		n = 0;
	p = arena_alloc(ap, (size_t)n + 1, 1);
	va_start(ap2, fmt);
	vsnprintf(p, (size_t)n + 1, fmt, ap2);
	va_end(ap2);
	*errp = p;
	return -1;
}
