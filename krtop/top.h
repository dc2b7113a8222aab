/*
 * krtop's state and its loop: one thread polling the admin socket, the
 * terminal and a signal pipe; what changed is drawn once per pass (view.h).
 *
 * The connection follows the chosen source (or all).  Records stay when
 * the daemon goes away; krtop says so and connects again every half
 * second.  Every run of the daemon is an epoch (reclist.h), told apart by
 * the pid and start time of its status.
 */
#ifndef TOP_H
#define TOP_H

#include <stddef.h>
#include <stdint.h>

#include "detail.h"
#include "fmt.h"
#include "link.h"
#include "reclist.h"

/* The counters the header shows as rates. */
enum top_counter {
	TOP_RECEIVED,
	TOP_STORED,
	TOP_REJECTED,
	TOP_DUPLICATES,
	TOP_FILTERED,
	TOP_NCOUNTERS
};

/* What the screen shows over the list. */
enum top_screen {
	TOP_MAIN,
	TOP_HELP,
	TOP_PROMPT,		/* the text filter being typed */
	TOP_PICK_OUTCOME,
	TOP_PICK_SOURCE
};

/* A source as the last stats reply had it. */
struct top_source {
	char		*id;
	char		*name;
	uint64_t	 count[TOP_NCOUNTERS];
	double		 rate[TOP_NCOUNTERS];	/* per second */
	int		 have_rate;		/* two samples were taken */
};

#define TOP_TEXTMAX	256

struct top {
	/* The connection. */
	const char		*path;
	struct link		 link;
	int			 connected;
	int			 following;	/* the stream was granted */
	int64_t			 next_connect;	/* ms, monotonic */
	int64_t			 next_poll;
	char			 why[256];	/* why not connected */
	char			 message[256];	/* an error to show */

	/* The daemon, from status and stats. */
	unsigned		 epoch;
	char			*instance;	/* pid and startedAt */
	char			*version;
	long long		 pid;
	char			*listen;
	long long		 uptime;	/* s, when uptime_at */
	int64_t			 uptime_at;
	long long		 npipelines;
	struct top_source	*src;
	size_t			 nsrc;
	int64_t			 stats_at;	/* when src was sampled */
	int			 have_stats;	/* on this connection */
	unsigned long long	 omitted;	/* dropped by the daemon */

	/* The records and the list shown. */
	struct reclist		 list;
	struct rec		**vis;
	size_t			 nvis;
	size_t			 viscap;
	size_t			 held;		/* new while paused */
	int			 stale;		/* vis must be rebuilt */

	/* What the user chose. */
	char			*source;	/* NULL: all sources */
	int			 outcome;	/* -1: all */
	char			 text[TOP_TEXTMAX];
	char			 saved[TOP_TEXTMAX]; /* before the prompt */
	int			 paused;
	unsigned		 pause_epoch;
	long long		 pause_seq;
	int			 follow;	/* select the newest */
	int			 have_sel;
	unsigned		 sel_epoch;
	long long		 sel_seq;
	size_t			 sel;		/* index in vis */
	size_t			 first;		/* the top row's index */
	int			 have_first;
	unsigned		 first_epoch;
	long long		 first_seq;
	int			 detail;	/* the detail pane is open */
	enum detail_mode	 mode;
	size_t			 dscroll;
	enum top_screen		 screen;
	size_t			 pick;		/* the picker's entry */

	/* The detail pane's lines, for (dkey, mode, width). */
	struct fmt_lines	 dlines;
	int			 dvalid;
	unsigned		 d_epoch;
	long long		 d_seq;
	enum detail_mode	 d_mode;
	int			 d_width;

	/* The terminal. */
	int			 utf8;
	int			 colors;
	int			 dirty;		/* draw at the next chance */
	int			 urgent;	/* draw after this pass */
	int64_t			 drawn_at;
	int			 quit;
};

/*
 * Run krtop on the socket at path, for source (NULL: all), on a terminal
 * that shows UTF-8 or not; return 0 when the user quits.
 */
int		 top_run(const char *path, const char *source, int utf8);

/* The display name of source id (the id when it has no known name). */
const char	*top_source_name(const struct top *, const char *id);
/* The id the chosen source stands for, or NULL (all, or not known). */
const char	*top_source_id(const struct top *);
/*
 * The rates of the chosen sources in rate; return 0 if there are none
 * yet (not two samples on this connection).
 */
int		 top_rates(const struct top *, double rate[TOP_NCOUNTERS]);
/* The detail lines of the selected record for width (cached). */
const struct fmt_lines *top_detail_lines(struct top *, int width);
/* The entries of the open picker: how many, and the label of each. */
size_t		 top_pick_count(const struct top *);
const char	*top_pick_label(const struct top *, size_t i, char *buf,
		    size_t bufsz);

#endif
