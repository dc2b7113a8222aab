/* Allocation wrappers: out of memory is not a recoverable state here. */
#include <sys/mman.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "xmalloc.h"

static void __attribute__((__noreturn__))
oom(size_t n)
{
	fprintf(stderr, "out of memory allocating %zu bytes\n", n);
	abort();
}

void *
xmalloc(size_t n)
{
	void	*p = malloc(n == 0 ? 1 : n);

	if (p == NULL)
		oom(n);
	return p;
}

void *
xcalloc(size_t nmemb, size_t size)
{
	void	*p = calloc(nmemb == 0 ? 1 : nmemb, size == 0 ? 1 : size);

	if (p == NULL)
		oom(nmemb * size);
	return p;
}

void *
xreallocarray(void *ptr, size_t nmemb, size_t size)
{
	void	*p;

	if (size != 0 && nmemb > (size_t)-1 / size)
		oom((size_t)-1);
	p = realloc(ptr, nmemb * size == 0 ? 1 : nmemb * size);
	if (p == NULL)
		oom(nmemb * size);
	return p;
}

char *
xstrdup(const char *s)
{
	char	*p = strdup(s);

	if (p == NULL)
		oom(strlen(s) + 1);
	return p;
}

char *
xstrndup(const char *s, size_t n)
{
	char	*p = strndup(s, n);

	if (p == NULL)
		oom(n + 1);
	return p;
}

int
xasprintf(char **ret, const char *fmt, ...)
{
	va_list	ap;
	int	n;

	va_start(ap, fmt);
	n = vasprintf(ret, fmt, ap);
	va_end(ap);
	if (n < 0)
		oom(0);
	return n;
}

void *
xmap(size_t n, size_t *size)
{
	long	 pg;
	void	*p;

	if (n < XMAP_MIN) {
		*size = n;
		return xcalloc(1, n);
	}
	pg = sysconf(_SC_PAGESIZE);
	*size = (n + (size_t)pg - 1) & ~((size_t)pg - 1);
	p = mmap(NULL, *size, PROT_READ | PROT_WRITE, MAP_PRIVATE |
	    MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		oom(*size);
	return p;
}

void
xunmap(void *p, size_t size)
{
	if (size < XMAP_MIN)
		free(p);
	else if (p != NULL && munmap(p, size) == -1)
		/* Out of mappings to split a merged one: left mapped. */
		fprintf(stderr, "munmap %zu bytes: %s\n", size,
		    strerror(errno));
}
