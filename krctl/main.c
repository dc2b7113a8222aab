/*
 * krctl: administer krenalisd over its admin socket.  The whole command
 * line is parsed before connecting; the daemon sends data and krctl
 * formats it (a table, or JSON with -j).
 */
#include <err.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "ctl.h"
#include "cmd.h"
#include "print.h"

#define DEFAULT_SOCKET	"/var/lib/krenalis/krenalisd.sock"

static __attribute__((__noreturn__)) void
usage(void)
{
	fprintf(stderr, "usage: krctl [-j] [-s socket] command "
	    "[argument ...]\n");
	fprintf(stderr, "commands:\n");
	cmd_usage(stderr);
	exit(1);
}

int
main(int argc, char *argv[])
{
	const struct cmd	*c;
	struct ctl		 ctl;
	json_t			*args, *data;
	const char		*sock;
	char			 errbuf[512];
	int			 ch, jflag = 0;

	sock = getenv("KRENALIS_SOCKET");
	if (sock == NULL || *sock == '\0')
		sock = DEFAULT_SOCKET;
	while ((ch = getopt(argc, argv, "+hjs:")) != -1) {
		switch (ch) {
		case 'j':
			jflag = 1;
			break;
		case 's':
			sock = optarg;
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc == 0)
		usage();
	if ((c = cmd_parse(argc, argv, &args, errbuf,
	    sizeof(errbuf))) == NULL)
		errx(1, "%s", errbuf);

	signal(SIGPIPE, SIG_IGN);
	ctl_open(&ctl, sock);
	data = ctl_call(&ctl, c->proto, args);
	ctl_close(&ctl);
	if (data == NULL)
		errx(1, "%s", ctl.error);
	if (jflag)
		print_json(stdout, data);
	else
		print_human(stdout, c->print, data);
	json_decref(data);
	if (fflush(stdout) == EOF || ferror(stdout))
		err(1, "stdout");
	return 0;
}
