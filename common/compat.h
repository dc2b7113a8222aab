/* What glibc lacks and the OpenBSD-style code of krenalis expects. */
#ifndef COMPAT_H
#define COMPAT_H

#include <stddef.h>

#ifndef __dead
#define __dead __attribute__((__noreturn__))
#endif

size_t		 strlcpy(char *, const char *, size_t);
size_t		 strlcat(char *, const char *, size_t);
long long	 strtonum(const char *, long long, long long, const char **);

#endif
