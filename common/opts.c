#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "opts.h"

void
opts_fail(const char *prog, const char *synopsis, const char *fmt, ...)
{
	va_list	ap;

	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "; %s\n", synopsis);
	exit(1);
}

int
opts_get(int argc, char *const argv[], const char *optstring,
    const char *prog, const char *synopsis)
{
	char		 os[64];
	const char	*word;
	int		 ch, before = optind, plus = optstring[0] == '+';

	/* A ':' first (after a '+') tells a missing value from the rest. */
	if (snprintf(os, sizeof(os), "%s:%s", plus ? "+" : "",
	    optstring + plus) >= (int)sizeof(os))
		abort();
	opterr = 0;
	ch = getopt(argc, argv, os);
	if (ch != '?' && ch != ':')
		return ch;
	/* getopt moved past the word when the bad letter was its last. */
	word = optind > before ? argv[optind - 1] : argv[optind];
	if (ch == ':')
		opts_fail(prog, synopsis, "option -%c needs a value", optopt);
	if (word != NULL && strncmp(word, "--", 2) == 0)
		opts_fail(prog, synopsis, "unknown option %s", word);
	opts_fail(prog, synopsis, "unknown option -%c", optopt);
}
