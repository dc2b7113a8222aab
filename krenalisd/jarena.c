/* A per-thread arena for jansson; see jarena.h. */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>

#include <jansson.h>

#include "xmalloc.h"
#include "jarena.h"

#define CHUNK_SIZE	(64 * 1024)

struct chunk {
	struct chunk	*next;
	char		*end;
	char		*free;		/* next unused byte */
	char		 data[];
};

struct arena {
	int		 active;
	struct chunk	*chunks;	/* the current one first */
};

static pthread_key_t	key;
static pthread_once_t	once = PTHREAD_ONCE_INIT;

static void
arena_destroy(void *p)
{
	struct arena	*a = p;
	struct chunk	*c;

	while ((c = a->chunks) != NULL) {
		a->chunks = c->next;
		free(c);
	}
	free(a);
}

static void
key_make(void)
{
	if (pthread_key_create(&key, arena_destroy) != 0)
		abort();
}

static struct arena *
arena_get(void)
{
	struct arena	*a;

	pthread_once(&once, key_make);
	if ((a = pthread_getspecific(key)) == NULL) {
		a = xcalloc(1, sizeof(*a));
		pthread_setspecific(key, a);
	}
	return a;
}

static struct chunk *
chunk_new(size_t need)
{
	size_t		 size = need > CHUNK_SIZE ? need : CHUNK_SIZE;
	struct chunk	*c = xmalloc(sizeof(*c) + size);

	c->next = NULL;
	c->free = c->data;
	c->end = c->data + size;
	return c;
}

static void *
jarena_malloc(size_t n)
{
	struct arena	*a;
	struct chunk	*c;
	void		*p;

	a = pthread_getspecific(key);
	if (a == NULL || !a->active)
		return malloc(n);
	n = (n + 15) & ~(size_t)15;
	c = a->chunks;
	if (c == NULL || (size_t)(c->end - c->free) < n) {
		c = chunk_new(n);
		c->next = a->chunks;
		a->chunks = c;
	}
	p = c->free;
	c->free += n;
	return p;
}

/*
 * Inside the window every jansson value freed was made in the window
 * (decoding and filters keep no value of their own across it), so a free
 * there is an arena pointer's and does nothing.
 */
static void
jarena_free(void *p)
{
	struct arena	*a;

	if (p == NULL)
		return;
	a = pthread_getspecific(key);
	if (a != NULL && a->active)
		return;
	free(p);
}

void
jarena_install(void)
{
	pthread_once(&once, key_make);
	json_set_alloc_funcs(jarena_malloc, jarena_free);
}

void
jarena_begin(void)
{
	arena_get()->active = 1;
}

void
jarena_end(void)
{
	struct arena	*a = arena_get();
	struct chunk	*c;

	a->active = 0;
	/* Keep one chunk for the next request; give the rest back. */
	while (a->chunks != NULL && a->chunks->next != NULL) {
		c = a->chunks;
		a->chunks = c->next;
		free(c);
	}
	if (a->chunks != NULL) {
		if ((size_t)(a->chunks->end - a->chunks->data) > CHUNK_SIZE) {
			free(a->chunks);
			a->chunks = NULL;
		} else
			a->chunks->free = a->chunks->data;
	}
}
