/*
 * krtop's session with krenalisd over the admin socket (DESIGN.md,
 * "Control protocol"): it connects, asks for status and stats (the
 * sources and the destinations) every second, and follows the debugger
 * records of the chosen source or all (spec/pipelines.md §7.4) into a
 * record list.  When the daemon goes away the records stay; the session
 * says why and connects again every half second.  Every run of the daemon is an epoch (reclist.h), told
 * apart by the pid and start time of its status.
 *
 * It calls link.h for the connection and reclist.h for the records.
 * Times are in ms of a monotonic clock, given by the caller.
 */
#ifndef SESSION_H
#define SESSION_H

#include <stddef.h>
#include <stdint.h>

#include "link.h"
#include "reclist.h"

/* The counters of a source that are shown as rates. */
enum session_counter {
	SESSION_RECEIVED,
	SESSION_STORED,
	SESSION_REJECTED,
	SESSION_DUPLICATES,
	SESSION_FILTERED,
	SESSION_NCOUNTERS
};

/* What a call changed, for the caller's screen. */
#define SESSION_DRAW	0x01	/* something shown: draw soon */
#define SESSION_URGENT	0x02	/* draw at once */
#define SESSION_LIST	0x04	/* records or source names: rebuild the list */

/* A source as the last stats reply had it. */
struct session_source {
	char		*id;
	char		*name;
	uint64_t	 count[SESSION_NCOUNTERS];
	double		 rate[SESSION_NCOUNTERS];	/* per second, or 0 */
};

/* A destination as the last stats reply had it (spec/destinations.md §6). */
struct session_dest {
	char		*id;
	char		*name;
	long long	 queued;
	uint64_t	 delivered;
	uint64_t	 failed;
	double		 delivered_rate;	/* per second, or 0 */
	double		 failed_rate;
	double		 p50, p99;		/* seconds; -1: none */
	char		*last_error;		/* or NULL */
};

struct session {
	/* The connection. */
	const char		*path;
	char			*source;	/* followed; NULL: all */
	struct reclist		*list;		/* where records go */
	struct link		 link;
	int			 connected;
	int64_t			 next_connect;
	int64_t			 next_poll;
	char			 why[256];	/* why not connected */
	char			 message[256];	/* an error to show */

	/* The daemon, from status and stats. */
	unsigned		 epoch;
	char			*instance;	/* pid and startedAt */
	char			*version;
	long long		 pid;
	char			*listen;
	char			*node;		/* "<id> <host>", or NULL */
	long long		 uptime;	/* s */
	struct session_source	*src;
	size_t			 nsrc;
	struct session_dest	*dst;
	size_t			 ndst;
	int64_t			 stats_at;	/* when src was sampled */
	int			 have_stats;	/* on this connection */
	unsigned long long	 omitted;	/* dropped by the daemon */
};

/*
 * Start a session with the daemon at the socket path (borrowed for the
 * session's life), following source (NULL: all; copied), whose records
 * go into list (borrowed).  It connects at the first session_tick.
 */
void		 session_init(struct session *, const char *path,
		    const char *source, struct reclist *list);
void		 session_release(struct session *);
/*
 * Connect when it is time, and ask for status and stats every second;
 * return what changed (SESSION_ flags).
 */
int		 session_tick(struct session *, int64_t now);
/* When session_tick has something to do next. */
int64_t		 session_next(const struct session *);
/* The poll events the socket waits for (its fd is link.fd, -1: none). */
short		 session_events(const struct session *);
/* Take in what poll said of the socket; return what changed. */
int		 session_input(struct session *, short revents, int64_t now);
/* Follow source (NULL: all) from now on, asking again at once. */
int		 session_follow(struct session *, const char *source,
		    int64_t now);

/* The name of a counter, as stats replies and the header have it. */
const char	*session_counter_name(enum session_counter);
/* The display name of source id (the id when it has no known name). */
const char	*session_source_name(const struct session *, const char *id);
/*
 * The id of the source called source (an id or a name), or NULL if it
 * is not known.
 */
const char	*session_source_id(const struct session *, const char *source);
/*
 * Replace *source (allocated), a source's name, by its id once s knows
 * it, so that the source is followed when it is renamed or removed.
 */
void		 session_pin(char **source, const struct session *s);
/*
 * The rates of source id (NULL: the sum of all) in rate, 0 for a source
 * not sampled twice yet on this connection; return 0 if they are not
 * known (not connected).
 */
int		 session_rates(const struct session *, const char *id,
		    double rate[SESSION_NCOUNTERS]);

/*
 * The line of the destinations view (the d key) for d, or its head when
 * d is NULL, in buf.
 */
void		 session_dest_line(const struct session_dest *d, char *buf,
		    size_t bufsz);

#endif
