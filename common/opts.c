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

/*
 * Long options, which getopt takes for letters ("--json" as '-', 'j',
 * ...), are named as typed: looked for before getopt starts, over the
 * words it reads as options, skipping the values of options that take
 * one.  Without '+', getopt reads options after other words too.
 */
static void
long_options(int argc, char *const argv[], const char *optstring,
    const char *prog, const char *synopsis)
{
	const char	*p, *o;
	int		 i, plus = optstring[0] == '+';

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			return;
		if (argv[i][0] != '-' || argv[i][1] == '\0') {
			if (plus)
				return;
			continue;
		}
		if (argv[i][1] == '-')
			opts_fail(prog, synopsis, "unknown option %s", argv[i]);
		for (p = argv[i] + 1; *p != '\0'; p++) {
			if (*p == ':' || (o = strchr(optstring + plus, *p)) ==
			    NULL || o[1] != ':')
				continue;
			if (p[1] == '\0')
				i++;	/* the next word is its value */
			break;
		}
	}
}

int
opts_get(int argc, char *const argv[], const char *optstring,
    const char *prog, const char *synopsis)
{
	static int	 scanned;
	char		 os[64];
	int		 ch, plus = optstring[0] == '+';

	if (!scanned) {
		long_options(argc, argv, optstring, prog, synopsis);
		scanned = 1;
	}
	/* A ':' first (after a '+') tells a missing value from the rest. */
	if (snprintf(os, sizeof(os), "%s:%s", plus ? "+" : "",
	    optstring + plus) >= (int)sizeof(os))
		abort();
	opterr = 0;
	ch = getopt(argc, argv, os);
	if (ch == ':')
		opts_fail(prog, synopsis, "option -%c needs a value", optopt);
	if (ch == '?' && optopt == '-')
		opts_fail(prog, synopsis, "unknown option '-'");
	if (ch == '?')
		opts_fail(prog, synopsis, "unknown option -%c", optopt);
	return ch;
}
