/*
 * The commands of the admin protocol (DESIGN.md, "Control protocol"): one
 * table entry per command names the arguments it takes and their kinds.
 * command_exec checks a request's arguments against that template before
 * the command's handler runs, so handlers read arguments already checked.
 * Everything here runs on the control thread.
 */
#ifndef COMMAND_H
#define COMMAND_H

#include <jansson.h>

#include "catalog.h"

struct buf;
struct command_feed;
struct control_ctx;
struct dbg_sub;

/* What an argument may hold.  Absent, it is accepted unless required. */
enum command_arg_kind {
	CMD_ARG_STRING,		/* a string without a NUL byte; null too
				   when optional */
	CMD_ARG_TEXT,		/* a string, which the command reads with
				   its length and checks itself (a name) */
	CMD_ARG_BOOL,		/* true or false */
	CMD_ARG_COUNT,		/* an integer from 0 to 100000, or null */
	CMD_ARG_FILTER,		/* a filter: a string, an object or null */
	CMD_ARG_OBJECT,		/* an object or null */
	CMD_ARG_INTEGER,	/* an integer */
	CMD_ARG_STRINGS		/* an array of strings, or null */
};

#define CMD_MAX_ARGS	12

struct command_arg {
	const char		*name;
	enum command_arg_kind	 kind;
	int			 required;
};

struct command;

/* A command: its name, its arguments up to a NULL name, its handler. */
struct command_entry {
	const char		*name;
	struct command_arg	 args[CMD_MAX_ARGS + 1];
	json_t			*(*exec)(struct command *);
};

/*
 * One request being answered.  The caller fills the first five fields and
 * zeroes the others, which command_exec sets; the caller then owns sub (a
 * stream of events the client now follows), raw_data and feed.
 */
struct command {
	const struct command_entry *entry;
	struct control_ctx	*ctx;
	json_t			*id;		/* borrowed */
	json_t			*args;		/* borrowed; an object */
	int			 following;	/* the client follows events */
	struct dbg_sub		*sub;
	char			*raw_data;	/* the data as JSON text */
	struct command_feed	*feed;		/* or made as it is read */
	struct catalog_error	 err;
};

/* The table entry of the command called name, or NULL. */
const struct command_entry *command_find(const char *name);

/*
 * Data too long to be held whole (the rows of "rejected", the raw text of
 * "rejected.show") is made as the client reads it: command_feed_fill
 * appends the next piece of its JSON text to b and returns 1 while more
 * follows, 0 after the last piece, or -1 when the rest cannot be read
 * (logged), which leaves the data unfinished.
 */
int	command_feed_fill(struct command_feed *, struct buf *b);
void	command_feed_free(struct command_feed *);

/*
 * Check args against the template of e: 0, or -1 with the BadRequest
 * reply of the first unknown, missing or mistyped argument in err.
 */
int	command_check(const struct command_entry *e, json_t *args,
	    struct catalog_error *err);

/*
 * Check the arguments of r, then run its command: the reply's data (a new
 * reference, JSON null when r->raw_data or r->feed holds it as text), or
 * NULL with the error in r->err (a NULL code means an internal error).
 */
json_t	*command_exec(struct command *r);

#endif
