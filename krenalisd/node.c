/*
 * This daemon as a node: its id, host and reported numbers, and with a
 * PostgreSQL warehouse its row of krenalis_nodes; see node.h.
 */
#include <sys/stat.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <libpq-fe.h>

#include "compat.h"
#include "ids.h"
#include "log.h"
#include "timestamp.h"
#include "xmalloc.h"
#include "node.h"
#include "pg.h"

#define NSAMPLES	6		/* one a second: the last 5 s */
#define SAMPLE_MS	1000
#define RATE_MS		5000
#define BEAT_MS		5000		/* spec/postgresql.md §6 */

/* The counters a node reports, in the order of spec/postgresql.md §6. */
static const char *const counted[] = {
	"received", "stored", "rejected", "duplicates"
};
#define NCOUNTED	(sizeof(counted) / sizeof(counted[0]))

struct sample {
	int64_t		at;		/* ms, monotonic; 0: none yet */
	uint64_t	n[NCOUNTED];
};

struct node {
	char		 id[IDS_ID_LEN + 1];
	char		*host;
	char		*listen;
	char		*public_url;
	char		*version;
	int64_t		 started_at;
	struct sample	 samples[NSAMPLES];	/* a ring */
	size_t		 last;			/* the newest */
	char		*conninfo;		/* NULL: not shared */
	int		 timeout;		/* s */
	PGconn		*conn;			/* NULL while down */
	int		 down_said;		/* the loss was logged */
	int64_t		 beat_at;		/* monotonic */
};

/*
 * The time of the database is the one clock of every node's seen_at, so
 * that a node is down by it alone.
 */
static const char beat_sql[] =
	"INSERT INTO krenalis_nodes VALUES ($1, $2, $3, $4, $5, $6, "
	" to_timestamp($7::bigint / 1000.0), now(), $8, $9, $10, $11, $12,"
	" $13) ON CONFLICT (id) DO UPDATE SET host = excluded.host,"
	" listen = excluded.listen, public_url = excluded.public_url,"
	" version = excluded.version, pid = excluded.pid,"
	" started_at = excluded.started_at, seen_at = now(),"
	" received = excluded.received, stored = excluded.stored,"
	" rejected = excluded.rejected, duplicates = excluded.duplicates,"
	" received_per_second = excluded.received_per_second,"
	" stored_per_second = excluded.stored_per_second";

/* Whichever node holds the lock deletes the nodes down for a week. */
static const char janitor_sql[] =
	"WITH l AS (SELECT pg_try_advisory_xact_lock("
	" hashtext('krenalis janitor')) AS held)"
	" DELETE FROM krenalis_nodes USING l"
	" WHERE l.held AND seen_at < now() - interval '7 days'";

static const char list_sql[] =
	"SELECT id, host, listen, public_url, version, pid,"
	" (extract(epoch FROM started_at) * 1000)::bigint,"
	" (extract(epoch FROM seen_at) * 1000)::bigint,"
	" seen_at < now() - interval '15 seconds', received, stored,"
	" rejected, duplicates, received_per_second, stored_per_second"
	" FROM krenalis_nodes ORDER BY seen_at DESC, id";

/*
 * Read the id in path: 0, 1 when there is no such file, or -1 with err
 * when it cannot be read or holds no id.
 */
static int
id_read(const char *path, char id[IDS_ID_LEN + 1], char *err, size_t errlen)
{
	char	 buf[IDS_ID_LEN + 2];
	ssize_t	 n;
	int	 fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		if (errno == ENOENT)
			return 1;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	n = read(fd, buf, sizeof(buf));
	close(fd);
	if (n == IDS_ID_LEN + 1 && buf[IDS_ID_LEN] == '\n') {
		buf[IDS_ID_LEN] = '\0';
		if (ids_is_id(buf)) {
			memcpy(id, buf, IDS_ID_LEN + 1);
			return 0;
		}
	}
	snprintf(err, errlen, "%s: not a node id", path);
	return -1;
}

/*
 * Read the id in path, or make one and write it there first (by a
 * rename, so that the file is whole or missing); -1 with err.
 */
static int
id_load(const char *path, char id[IDS_ID_LEN + 1], char *err, size_t errlen)
{
	char	 buf[IDS_ID_LEN + 2], *tmp;
	int	 fd, rc;

	if ((rc = id_read(path, id, err, errlen)) != 1)
		return rc;
	ids_new_id(id);
	xasprintf(&tmp, "%s.tmp", path);
	snprintf(buf, sizeof(buf), "%s\n", id);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0644)) == -1 || write(fd, buf, IDS_ID_LEN + 1) != IDS_ID_LEN + 1 ||
	    fsync(fd) == -1 || close(fd) == -1 || rename(tmp, path) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		unlink(tmp);
		free(tmp);
		return -1;
	}
	free(tmp);
	return 0;
}

int
node_id_check(const char *datadir, char *err, size_t errlen)
{
	char	*path, id[IDS_ID_LEN + 1];
	int	 rc;

	xasprintf(&path, "%s/node.id", datadir);
	rc = id_read(path, id, err, errlen);
	free(path);
	return rc == -1 ? -1 : 0;
}

struct node *
node_open(const char *datadir, const char *listen, const char *public_url,
    const char *version, int64_t started_at, const char *conninfo,
    int timeout, char *err, size_t errlen)
{
	struct node	*nd = xcalloc(1, sizeof(*nd));
	char		*path, host[256];

	xasprintf(&path, "%s/node.id", datadir);
	if (id_load(path, nd->id, err, errlen) == -1) {
		free(path);
		free(nd);
		return NULL;
	}
	free(path);
	if (gethostname(host, sizeof(host)) == -1)
		strlcpy(host, "localhost", sizeof(host));
	host[sizeof(host) - 1] = '\0';
	nd->host = xstrdup(host);
	nd->listen = xstrdup(listen);
	nd->public_url = public_url ? xstrdup(public_url) : NULL;
	nd->version = xstrdup(version);
	nd->started_at = started_at;
	nd->conninfo = conninfo ? xstrdup(conninfo) : NULL;
	nd->timeout = timeout;
	return nd;
}

void
node_close(struct node *nd)
{
	if (nd == NULL)
		return;
	free(nd->host);
	free(nd->listen);
	free(nd->public_url);
	free(nd->version);
	free(nd->conninfo);
	PQfinish(nd->conn);
	free(nd);
}

const char *
node_id(const struct node *nd)
{
	return nd->id;
}

const char *
node_host(const struct node *nd)
{
	return nd->host;
}

/* The counted totals at mono (the monotonic clock). */
static void
sample_take(struct sample *s, const json_t *totals, int64_t mono)
{
	size_t	i;

	s->at = mono;
	for (i = 0; i < NCOUNTED; i++)
		s->n[i] = (uint64_t)json_integer_value(json_object_get(totals,
		    counted[i]));
}

void
node_sample(struct node *nd, const json_t *totals, int64_t mono)
{
	if (nd->samples[nd->last].at != 0 &&
	    mono - nd->samples[nd->last].at < SAMPLE_MS)
		return;
	if (nd->samples[nd->last].at != 0)
		nd->last = (nd->last + 1) % NSAMPLES;
	sample_take(&nd->samples[nd->last], totals, mono);
}

/*
 * The counter i per second from the oldest sample of the last RATE_MS to
 * cur at now; 0 before there is one.
 */
static double
node_rate(const struct node *nd, size_t i, const struct sample *cur)
{
	const struct sample	*old = NULL, *s;
	size_t			 k;

	for (k = 0; k < NSAMPLES; k++) {
		s = &nd->samples[k];
		if (s->at == 0 || s->at >= cur->at ||
		    cur->at - s->at > RATE_MS + SAMPLE_MS / 2)
			continue;
		if (old == NULL || s->at < old->at)
			old = s;
	}
	if (old == NULL || cur->n[i] < old->n[i])
		return 0;
	/* One decimal is as exact as a rate over 5 s is meaningful. */
	return (double)(long long)((double)(cur->n[i] - old->n[i]) * 10000 /
	    (double)(cur->at - old->at) + 0.5) / 10;
}

/* The object of spec/postgresql.md §6, members in their order. */
static json_t *
node_pack(const char *const *str, int pid, int64_t started, int64_t seen,
    int down, const uint64_t *n, double received_rate, double stored_rate)
{
	char	b1[TIMESTAMP_BUFSZ], b2[TIMESTAMP_BUFSZ];

	return json_pack("{s:s,s:s,s:s,s:s?,s:s,s:i,s:s,s:s,s:b,"
	    "s:I,s:I,s:I,s:I,s:f,s:f}",
	    "id", str[0], "host", str[1], "listen", str[2],
	    "publicUrl", str[3], "version", str[4], "pid", pid,
	    "startedAt", timestamp_format(started, b1),
	    "seenAt", timestamp_format(seen, b2), "down", down,
	    "received", (json_int_t)n[0], "stored", (json_int_t)n[1],
	    "rejected", (json_int_t)n[2], "duplicates", (json_int_t)n[3],
	    "receivedPerSecond", received_rate,
	    "storedPerSecond", stored_rate);
}

json_t *
node_json(const struct node *nd, const json_t *totals, int64_t mono)
{
	const char	*str[] = { nd->id, nd->host, nd->listen,
			    nd->public_url, nd->version };
	struct sample	 cur;

	sample_take(&cur, totals, mono);
	return node_pack(str, (int)getpid(), nd->started_at, timestamp_now(),
	    0, cur.n, node_rate(nd, 0, &cur), node_rate(nd, 1, &cur));
}

/* A failed call on the connection: logged once, and closed if broken. */
static void
node_fail(struct node *nd, const char *why)
{
	if (!nd->down_said)
		log_warnx("node: cannot write krenalis_nodes: %s", why);
	nd->down_said = 1;
	if (PQstatus(nd->conn) == CONNECTION_BAD) {
		PQfinish(nd->conn);
		nd->conn = NULL;
	}
}

/*
 * Run sql with nparams text parameters within pg_timeout (pg_run: a
 * server that does not answer is cancelled, then cut, so that the control
 * thread goes on): its last result, or NULL after node_fail.
 */
static PGresult *
node_run(struct node *nd, const char *sql, int nparams,
    const char *const *params)
{
	PGresult	*res;
	char		 why[512];

	if ((res = pg_run(nd->conn, sql, nparams, params,
	    pg_deadline(nd->timeout * 1000LL), why, sizeof(why))) == NULL)
		node_fail(nd, why);
	return res;
}

/*
 * Connect; 0 or -1.  The table is made by the catalog (cat_pg.c), which
 * connects first.
 */
static int
node_connect(struct node *nd)
{
	char	why[512];

	if (nd->conn != NULL)
		return 0;
	if ((nd->conn = pg_connect(nd->conninfo, nd->timeout, why,
	    sizeof(why))) == NULL) {
		if (!nd->down_said)
			log_warnx("node: cannot reach PostgreSQL: %s", why);
		nd->down_said = 1;
		return -1;
	}
	return 0;
}

/* Write the node's row with the totals of now; 0 or -1. */
static int
node_write(struct node *nd, const json_t *totals, int64_t mono)
{
	PGresult	*res;
	struct sample	 cur;
	const char	*p[13];
	char		 num[8][32];
	size_t		 i;

	if (node_connect(nd) == -1)
		return -1;
	sample_take(&cur, totals, mono);
	snprintf(num[0], 32, "%d", (int)getpid());
	snprintf(num[1], 32, "%lld", (long long)nd->started_at);
	for (i = 0; i < NCOUNTED; i++)
		snprintf(num[2 + i], 32, "%llu", (unsigned long long)cur.n[i]);
	snprintf(num[6], 32, "%.1f", node_rate(nd, 0, &cur));
	snprintf(num[7], 32, "%.1f", node_rate(nd, 1, &cur));
	p[0] = nd->id;
	p[1] = nd->host;
	p[2] = nd->listen;
	p[3] = nd->public_url;
	p[4] = nd->version;
	for (i = 0; i < 8; i++)
		p[5 + i] = num[i];
	if ((res = node_run(nd, beat_sql, 13, p)) == NULL)
		return -1;
	PQclear(res);
	if ((res = node_run(nd, janitor_sql, 0, NULL)) == NULL)
		return -1;
	PQclear(res);
	if (nd->down_said)
		log_info("node: writing krenalis_nodes again");
	nd->down_said = 0;
	return 0;
}

void
node_beat(struct node *nd, const json_t *totals, int64_t mono)
{
	if (nd->conninfo == NULL || mono - nd->beat_at < BEAT_MS)
		return;
	nd->beat_at = mono;
	node_write(nd, totals, mono);
}

json_t *
node_list(struct node *nd, const json_t *totals, int64_t mono)
{
	PGresult	*res;
	json_t		*a;
	const char	*str[5];
	uint64_t	 n[NCOUNTED];
	int		 r, i;

	if (nd->conninfo == NULL)
		return json_pack("[o]", node_json(nd, totals, mono));
	/* This node's row first, so that it shows its numbers of now. */
	if (node_write(nd, totals, mono) == -1)
		return NULL;
	nd->beat_at = mono;
	if ((res = node_run(nd, list_sql, 0, NULL)) == NULL)
		return NULL;
	a = json_array();
	for (r = 0; r < PQntuples(res); r++) {
		for (i = 0; i < 5; i++)
			str[i] = PQgetisnull(res, r, i) ? NULL :
			    PQgetvalue(res, r, i);
		for (i = 0; i < (int)NCOUNTED; i++)
			n[i] = strtoull(PQgetvalue(res, r, 9 + i), NULL, 10);
		json_array_append_new(a, node_pack(str,
		    atoi(PQgetvalue(res, r, 5)),
		    strtoll(PQgetvalue(res, r, 6), NULL, 10),
		    strtoll(PQgetvalue(res, r, 7), NULL, 10),
		    strcmp(PQgetvalue(res, r, 8), "t") == 0, n,
		    strtod(PQgetvalue(res, r, 13), NULL),
		    strtod(PQgetvalue(res, r, 14), NULL)));
	}
	PQclear(res);
	return a;
}
