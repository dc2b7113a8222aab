/*
 * krctl: administer krenalisd over its admin socket.  The whole command
 * line is parsed before connecting; the daemon sends data and krctl
 * formats it (a table), or with -j prints its JSON text as it came.
 */
#include <sys/stat.h>
#include <err.h>
#include <fcntl.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "ctl.h"
#include "cmd.h"
#include "opts.h"
#include "print.h"
#include "proto.h"
#include "send.h"
#include "sockpath.h"
#include "table.h"
#include "version.h"

#define DEFAULT_SOCKET	"/var/lib/krenalis/krenalisd.sock"

#define SYNOPSIS	"usage: krctl [-hjV] [-s socket] command [argument ...]"

/* -h and help: the synopsis and every command's. */
static __attribute__((__noreturn__)) void
usage(void)
{
	printf("%s\n", SYNOPSIS);
	printf("       krctl help [command]\n");
	printf("commands:\n");
	cmd_usage(stdout);
	exit(0);
}

/* The file argument of a catalog command, taken out of args (or NULL). */
static char *
take_file(json_t *args)
{
	const char	*s = json_string_value(json_object_get(args, "file"));
	char		*file = s ? strdup(s) : NULL;

	if (s != NULL && file == NULL)
		err(1, NULL);
	json_object_del(args, "file");
	return file;
}

/* The arguments of catalog.import: the document read from the file. */
static json_t *
import_args(json_t *args)
{
	json_error_t	 e;
	json_t		*doc;
	FILE		*fp;
	char		*file = take_file(args);

	json_decref(args);
	if ((fp = fopen(file, "r")) == NULL)
		err(1, "%s", file);
	if ((doc = json_loadf(fp, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL,
	    &e)) == NULL) {
		if (ferror(fp))
			err(1, "%s", file);
		errx(1, "%s: line %d: %s", file, e.line, e.text);
	}
	/* As the daemon says of a document it cannot read. */
	if (!json_is_object(doc))
		errx(1, "catalog is not valid: %s is not a JSON object", file);
	fclose(fp);
	free(file);
	return json_pack("{s:o}", "catalog", doc);
}

/*
 * The exported document's text, into file (stdout when NULL), which only
 * its owner may read, even one that existed: it holds the write keys and
 * the destinations' secrets.
 */
static void
export_write(const char *file, const char *text, size_t len)
{
	FILE	*fp = stdout;
	int	 fd;

	if (file != NULL && ((fd = open(file, O_WRONLY | O_CREAT | O_TRUNC,
	    0600)) == -1 || fchmod(fd, 0600) == -1 ||
	    (fp = fdopen(fd, "w")) == NULL))
		err(1, "%s", file);
	print_text(fp, text, len);
	if (fp != stdout && (fflush(fp) == EOF || ferror(fp) ||
	    fclose(fp) == EOF))
		err(1, "%s", file);
}

int
main(int argc, char *argv[])
{
	const struct cmd	*c;
	struct ctl		 ctl;
	json_t			*args, *data, *event = NULL, *src;
	const char		*sock, *text;
	char			 errbuf[512], *body, *file = NULL;
	size_t			 len;
	long			 status;
	int			 ch, jflag = 0, follow;

	/* Table columns by the terminal's widths of characters. */
	setlocale(LC_CTYPE, "");
	sock = getenv("KRENALIS_SOCKET");
	if (sock == NULL || *sock == '\0')
		sock = DEFAULT_SOCKET;
	while ((ch = opts_get(argc, argv, "+hjs:V", "krctl", SYNOPSIS)) != -1) {
		switch (ch) {
		case 'h':
			usage();
		case 'V':
			printf("krctl %s\n", KRENALIS_VERSION);
			return 0;
		case 'j':
			jflag = 1;
			break;
		case 's':
			sock = optarg;
			break;
		}
	}
	argc -= optind;
	argv += optind;
	if (argc > 0 && strcmp(argv[0], "help") == 0) {
		if (argc == 1 || (argc == 2 && strcmp(argv[1], "help") == 0))
			usage();
		if (cmd_help(stdout, argc - 1, argv + 1, errbuf,
		    sizeof(errbuf)) == -1)
			errx(1, "%s", errbuf);
		return 0;
	}
	/* The whole command line is checked before the socket's path. */
	if ((c = cmd_parse(argc, argv, &args, errbuf,
	    sizeof(errbuf))) == NULL)
		errx(1, "%s", errbuf);
	if (sockpath_check(sock, errbuf, sizeof(errbuf)) == -1)
		errx(1, "%s", errbuf);

	signal(SIGPIPE, SIG_IGN);
	if (c->print == PRINT_SENT) {
		/* The event is built, and checked, before connecting. */
		if ((event = send_build(args, errbuf, sizeof(errbuf))) == NULL)
			errx(1, "%s", errbuf);
		src = json_pack("{s:O}", "source", json_object_get(args,
		    "source"));
		json_decref(args);
		args = src;
	}
	if (c->print == PRINT_IMPORTED)
		args = import_args(args);
	else if (c->print == PRINT_EXPORTED)
		file = take_file(args);
	ctl_open(&ctl, sock);
	follow = json_is_true(json_object_get(args, "follow"));
	data = ctl_call(&ctl, c->proto, args);
	if (data == NULL) {
		ctl_close(&ctl);
		json_decref(event);
		/* The message may quote what a client sent: made safe. */
		errx(1, "%s", table_safe(ctl.error));
	}
	if (c->print == PRINT_SENT) {
		ctl_close(&ctl);
		status = send_post(data, event, &body, errbuf, sizeof(errbuf));
		json_decref(event);
		json_decref(data);
		if (status == -1)
			errx(1, "%s", errbuf);
		fputs(body, stdout);
		if (status != 200) {
			free(body);
			errx(1, "krenalisd answered %ld", status);
		}
		/* A test event that was rejected is a failed test. */
		if ((data = json_loads(body, 0, NULL)) != NULL &&
		    json_array_size(json_object_get(data, "rejected")) > 0) {
			const char *e = json_string_value(json_object_get(
			    json_array_get(json_object_get(data, "rejected"), 0),
			    "error"));
			char *safe = table_safe(e ? e : "?");

			/* Freed first, for the leak checkers. */
			warnx("the event was rejected: %s", safe);
			free(safe);
			json_decref(data);
			free(body);
			exit(1);
		}
		json_decref(data);
		free(body);
		return 0;
	}
	if (follow) {
		/*
		 * Records stream until the daemon goes, the source is
		 * deleted, or we are stopped.
		 */
		json_decref(data);
		setvbuf(stdout, NULL, _IOLBF, 0);
		for (;;) {
			json_t *line = ctl_read(&ctl), *rec, *om;

			if ((rec = json_object_get(line, "record")) != NULL) {
				om = json_object_get(line, "omitted");
				if (json_is_integer(om))
					fprintf(stderr, "krctl: %lld records "
					    "omitted\n", (long long)
					    json_integer_value(om));
				if (jflag) {
					text = proto_member(ctl.line,
					    ctl.linelen, "record", &len);
					print_text(stdout, text, len);
				} else
					print_record_line(stdout, rec);
			} else if (json_is_false(json_object_get(line, "ok"))) {
				/* The stream ended: its source was deleted. */
				const char *m = json_string_value(
				    json_object_get(json_object_get(line,
				    "error"), "message"));
				char *safe = table_safe(m != NULL ? m : "?");

				fflush(stdout);
				warnx("%s", safe);
				free(safe);
				json_decref(line);
				ctl_close(&ctl);
				exit(1);
			}
			json_decref(line);
			if (ferror(stdout))
				err(1, "stdout");
		}
	}
	if (c->print == PRINT_EXPORTED) {
		text = proto_member(ctl.line, ctl.linelen, "data", &len);
		export_write(file, text, len);
	} else if (jflag) {
		/*
		 * The reply's data as the daemon wrote it: one JSON value,
		 * records included (an array); only a stream is a line each.
		 */
		text = proto_member(ctl.line, ctl.linelen, "data", &len);
		print_text(stdout, text, len);
	} else
		print_human(stdout, c->print, data);
	ctl_close(&ctl);
	/* A destination's test passes with a 2xx only. */
	status = c->print == PRINT_DEST_TEST ? json_integer_value(
	    json_object_get(data, "status")) : 200;
	json_decref(data);
	free(file);
	if (fflush(stdout) == EOF || ferror(stdout))
		err(1, "stdout");
	if (status >= 200 && status < 300)
		return 0;
	/* A test that failed: its answer is printed, and said so. */
	warnx("the destination answered %ld", status);
	return 1;
}
