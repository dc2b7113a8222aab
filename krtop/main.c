/*
 * krtop: the live event debugger of krenalisd.  It follows the debugger
 * records of one source or all (spec/pipelines.md §7) over the admin
 * socket and shows them as they come, with their payloads, outcomes and
 * what every pipeline decided.
 *
 * This file reads the command line; top.h runs the rest.
 */
#include <err.h>
#include <langinfo.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "opts.h"
#include "sockpath.h"
#include "top.h"
#include "version.h"

#define DEFAULT_SOCKET	"/var/lib/krenalis/krenalisd.sock"

#define SYNOPSIS	"usage: krtop [-hV] [-s socket] [source]"

int
main(int argc, char *argv[])
{
	const char	*sock, *source = NULL;
	char		 why[512];
	int		 ch;

	setlocale(LC_ALL, "");
	sock = getenv("KRENALIS_SOCKET");
	if (sock == NULL || *sock == '\0')
		sock = DEFAULT_SOCKET;
	while ((ch = opts_get(argc, argv, "hs:V", "krtop", SYNOPSIS)) != -1) {
		switch (ch) {
		case 'h':
			printf("%s\n", SYNOPSIS);
			return 0;
		case 'V':
			printf("krtop %s\n", KRENALIS_VERSION);
			return 0;
		case 's':
			sock = optarg;
			break;
		}
	}
	argc -= optind;
	argv += optind;
	if (argc > 1)
		opts_fail("krtop", SYNOPSIS, "unexpected argument \"%s\"",
		    argv[1]);
	if (argc == 1)
		source = argv[0];
	if (sockpath_check(sock, why, sizeof(why)) == -1)
		errx(1, "%s", why);
	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO))
		errx(1, "standard input and output must be a terminal");
	return top_run(sock, source,
	    strcmp(nl_langinfo(CODESET), "UTF-8") == 0);
}
