/*
 * krctl's table of commands and the parser that turns a command line into
 * a control request, before anything connects (STYLE.md 12).
 */
#ifndef CMD_H
#define CMD_H

#include <stddef.h>

#include <jansson.h>

enum cmd_print {
	PRINT_STATUS,
	PRINT_SOURCE,
	PRINT_SOURCES,
	PRINT_SOURCE_REMOVED,
	PRINT_KEYS,
	PRINT_KEY,
	PRINT_KEY_REMOVED,
	PRINT_PIPELINE,
	PRINT_PIPELINES,
	PRINT_PIPELINE_REMOVED,
	PRINT_STATS,
	PRINT_EVENTS,
	PRINT_REJECTED,
	PRINT_REJECT,
	PRINT_SENT,
	PRINT_EXPORTED,
	PRINT_IMPORTED,
	PRINT_NODES,
	PRINT_DESTINATION,
	PRINT_DESTINATIONS,
	PRINT_DESTINATION_REMOVED,
	PRINT_DEST_TEST,
	PRINT_DEST_FAILED,
	PRINT_DEST_RETRY,
};

enum cmd_opt_kind {
	OPT_STRING,		/* takes a value: "key": value */
	OPT_FALSE,		/* a flag: "key": false */
	OPT_NULL,		/* a flag: "key": null */
	OPT_CONSENTS,		/* [and:|or:]code[,code...]: an object */
	OPT_TRUE,		/* a flag: "key": true */
	OPT_COUNT,		/* a number from 0 to CMD_MAXCOUNT */
	OPT_INT,		/* an integer */
	OPT_LIST,		/* repeated: each value appended to an array */
};

#define CMD_MAXCOUNT	100000

struct cmd_opt {
	const char		*sopt;		/* "-c", or NULL */
	const char		*lopt;		/* "--strategy", or NULL */
	const char		*key;		/* request argument */
	enum cmd_opt_kind	 kind;
};

#define CMD_MAXPOS	3
#define CMD_MAXOPTS	16

struct cmd {
	const char		*word1;
	const char		*word2;		/* NULL for one-word commands */
	const char		*proto;		/* control command */
	const char		*synopsis;	/* arguments, for usage */
	const char		*pos[CMD_MAXPOS]; /* positional argument keys */
	int			 npos_min;
	int			 npos_max;
	struct cmd_opt		 opts[CMD_MAXOPTS];
	enum cmd_print		 print;
	int			 needopt;	/* at least one option */
};

/*
 * Parse the words of a command line (after krctl's global options).
 * Return the command and set *args to a new JSON object of its request
 * arguments, or return NULL with one line in err (without "krctl: ").
 */
const struct cmd *cmd_parse(int argc, char *const argv[], json_t **args,
		    char *err, size_t errlen);

/*
 * The -C form "[and:|or:]code[,code...]" as {"operator","purposes"}
 * (spec/pipelines.md §4.3): a new reference.
 */
json_t		*cmd_consents(const char *);

/* Print every command's synopsis, one per line, to fp. */
void		 cmd_usage(FILE *fp);

/*
 * "krctl help [command]": print the usage of the commands whose words
 * are given (every command when argc is 0) to fp.  Return -1 with one
 * line in err when no command has those words.
 */
int		 cmd_help(FILE *fp, int argc, char *const argv[], char *err,
		    size_t errlen);

#endif
