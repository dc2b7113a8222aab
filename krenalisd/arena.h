/*
 * A bump allocator: memory handed out in growing chunks and freed all at
 * once.  A decoded event and an envelope context each own one, for their
 * decoded strings and their error message.  An arena belongs to one
 * thread at a time.  Freed chunks of up to 64 KiB are kept, within a
 * bound, for the next arenas of any thread.
 */
#ifndef ARENA_H
#define ARENA_H

#include <stddef.h>

struct arena;

/* The first chunk arena_alloc pushes on an empty arena. */
#define ARENA_MIN	512

/* A first chunk of size bytes, sized for its use by the caller. */
struct arena	*arena_new(size_t size);
/* Free every chunk (or keep it); arena_free(NULL) does nothing. */
void		 arena_free(struct arena *);

/*
 * Return n bytes aligned to align (a power of two) from *ap, pushing a
 * new chunk when the current one is full (*ap may be NULL at first).
 */
void		*arena_alloc(struct arena **ap, size_t n, size_t align);
char		*arena_strndup(struct arena **ap, const char *s, size_t n);

/*
 * Format a message into the arena, store it in *errp and return -1: the
 * way the decoders reject an event.
 */
int		 arena_error(struct arena **ap, const char **errp,
		    const char *fmt, ...)
		    __attribute__((__format__(printf, 3, 4)));

#endif
