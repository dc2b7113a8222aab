/*
 * This daemon as a node (spec/postgresql.md §6): its id, kept in
 * DATA_DIR/node.id from its first start on, its host and address, and
 * the counters and rates it reports in "krctl nodes".  With a PostgreSQL
 * warehouse, every node writes them in its row of krenalis_nodes every
 * 5 s, over a connection of its own, and reads the rows of all.  Owned
 * by the control thread: every function here is called from it alone.
 */
#ifndef NODE_H
#define NODE_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

struct node;

/*
 * The node of the data directory datadir, whose id is read from its
 * node.id, which is made when missing.  listen, public_url (or NULL) and
 * version are copied; started_at is the daemon's start; conninfo is the
 * PostgreSQL warehouse (NULL with SQLite), reached within timeout
 * seconds.  NULL with err.
 */
struct node	*node_open(const char *datadir, const char *listen,
		    const char *public_url, const char *version,
		    int64_t started_at, const char *conninfo, int timeout,
		    char *err, size_t errlen);
void		 node_close(struct node *);
/*
 * krenalisd -n: -1 with err when datadir's node.id is there but cannot
 * be read or holds no id, as node_open would fail; nothing is made.
 */
int		 node_id_check(const char *datadir, char *err, size_t errlen);

const char	*node_id(const struct node *);
const char	*node_host(const struct node *);

/*
 * The functions below take mono, the time of now on the monotonic clock
 * (timestamp_monotonic): the samples, the rates and the heartbeats'
 * interval count on it, so that a wall clock stepped back does not stop
 * them for as long as the step.  What is shown (seenAt) is on the wall
 * clock.
 */

/*
 * Record the daemon's totals (the object of catalog_totals), at most once
 * a second: the rates are worked out from these samples.
 */
void		 node_sample(struct node *, const json_t *totals,
		    int64_t mono);

/*
 * The node's object of spec/postgresql.md §6 with the totals of now (a
 * new reference).
 */
json_t		*node_json(const struct node *, const json_t *totals,
		    int64_t mono);

/*
 * With PostgreSQL, write the node's row with the totals of now if 5 s
 * passed since the last time; a failure is logged once.
 */
void		 node_beat(struct node *, const json_t *totals, int64_t mono);

/*
 * Every node, newest seen first (a new reference): this one alone with
 * SQLite.  NULL when PostgreSQL cannot be reached.
 */
json_t		*node_list(struct node *, const json_t *totals, int64_t mono);

#endif
