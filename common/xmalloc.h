/* Allocation that never returns NULL: failure aborts the program. */
#ifndef XMALLOC_H
#define XMALLOC_H

#include <stddef.h>

void	*xmalloc(size_t);
void	*xcalloc(size_t, size_t);
void	*xreallocarray(void *, size_t, size_t);
char	*xstrdup(const char *);
char	*xstrndup(const char *, size_t);
int	 xasprintf(char **, const char *, ...)
	    __attribute__((__format__(printf, 2, 3)));

/*
 * A zeroed block of at least n bytes, its size in *size, and its release.
 * A block of XMAP_MIN bytes or more is a mapping of its own, never taken
 * from malloc: when malloc frees a large chunk it has mapped, it raises
 * its mapping and trimming thresholds to that size for good, and from
 * then on every per-thread heap keeps that many freed bytes resident.
 * Large buffers that come and go (a table rebuilt as it grows, a budget's
 * buffers) are therefore made here.  xunmap takes the size xmap gave, or
 * the n it was asked for.
 */
#define XMAP_MIN	(64 * 1024)
void	*xmap(size_t n, size_t *size);
void	 xunmap(void *, size_t size);

#endif
