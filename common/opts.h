/*
 * getopt(3) for the three programs, whose command-line errors are one
 * line on stderr (DESIGN.md), with the synopsis after the reason:
 *
 *	krctl: unknown option -x; usage: krctl [-hjV] ...
 *	krctl: unknown option --json; usage: ...	(a long one as typed)
 *	krctl: option -s needs a value; usage: ...
 */
#ifndef OPTS_H
#define OPTS_H

/*
 * getopt(argc, argv, optstring), which may start with '+'; on an error it
 * exits 1 after the line, prog: reason; synopsis (synopsis starts with
 * "usage: ").
 */
int	opts_get(int argc, char *const argv[], const char *optstring,
	    const char *prog, const char *synopsis);

/* Exit 1 after the line prog: reason; synopsis, reason as printf's. */
void	opts_fail(const char *prog, const char *synopsis, const char *fmt, ...)
	    __attribute__((__noreturn__, __format__(__printf__, 3, 4)));

#endif
