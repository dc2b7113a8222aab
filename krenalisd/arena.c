/* A bump allocator, and the spare chunks; see arena.h. */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xmalloc.h"
#include "arena.h"

/*
 * Chunks of 1 KiB to 64 KiB are kept by size class, a power of two, for
 * the next arenas of any thread: the events of a batch each own an
 * arena, and freeing them all then allocating them again made the
 * allocator shrink and grow its heaps, with a system call each time, per
 * request, and left each of its per-thread heaps as large as the most
 * events it ever decoded at once.  The spares stay under SPARE_MAX.
 */
#define CLASS_MIN	10		/* 1 KiB */
#define CLASSES		7		/* up to 64 KiB */
#define SPARE_MAX	(32 * 1024 * 1024)

struct arena {
	struct arena	*next;
	size_t		 size;
	size_t		 used;
	char		 data[];
};

/* The spares, guarded by spare_mtx. */
static pthread_mutex_t	 spare_mtx = PTHREAD_MUTEX_INITIALIZER;
static struct arena	*spares[CLASSES];
static size_t		 spare_bytes;

/* The size class of a chunk of size bytes, or -1 for none. */
static int
size_class(size_t size)
{
	int	c;

	for (c = 0; c < CLASSES; c++)
		if (size <= (size_t)1 << (CLASS_MIN + c))
			return c;
	return -1;
}

/* A chunk of at least size bytes of data: a spare, or a new one. */
static struct arena *
chunk_get(size_t size)
{
	struct arena	*a = NULL;
	int		 c = size_class(size);

	if (c != -1) {
		size = (size_t)1 << (CLASS_MIN + c);
		pthread_mutex_lock(&spare_mtx);
		if ((a = spares[c]) != NULL) {
			spares[c] = a->next;
			spare_bytes -= size;
		}
		pthread_mutex_unlock(&spare_mtx);
	}
	if (a == NULL)
		a = xmalloc(sizeof(*a) + size);
	a->next = NULL;
	a->size = size;
	a->used = 0;
	return a;
}

/* Keep the chunk a as a spare, or free it. */
static void
chunk_put(struct arena *a)
{
	int	c = size_class(a->size);

	if (c != -1) {
		pthread_mutex_lock(&spare_mtx);
		if (spare_bytes + a->size <= SPARE_MAX) {
			spare_bytes += a->size;
			a->next = spares[c];
			spares[c] = a;
			a = NULL;
		}
		pthread_mutex_unlock(&spare_mtx);
	}
	free(a);
}

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
	na = chunk_get(size);
	na->next = a;
	na->used = n;
	*ap = na;
	return na->data;
}

struct arena *
arena_new(size_t size)
{
	return chunk_get(size);
}

void
arena_free(struct arena *a)
{
	struct arena	*next;

	for (; a != NULL; a = next) {
		next = a->next;
		chunk_put(a);
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
