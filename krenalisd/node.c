/* This daemon as a node: its id, host and reported numbers; see node.h. */
#include <sys/stat.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "compat.h"
#include "ids.h"
#include "timestamp.h"
#include "xmalloc.h"
#include "node.h"

#define NSAMPLES	6		/* one a second: the last 5 s */
#define SAMPLE_MS	1000
#define RATE_MS		5000

/* The counters a node reports, in the order of spec/postgresql.md §6. */
static const char *const counted[] = {
	"received", "stored", "rejected", "duplicates"
};
#define NCOUNTED	(sizeof(counted) / sizeof(counted[0]))

struct sample {
	int64_t		at;		/* ms; 0: none yet */
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
};

/*
 * Read the id in path, or make one and write it there first (by a
 * rename, so that the file is whole or missing); -1 with err.
 */
static int
id_load(const char *path, char id[IDS_ID_LEN + 1], char *err, size_t errlen)
{
	char	 buf[IDS_ID_LEN + 2], *tmp;
	ssize_t	 n;
	int	 fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) != -1) {
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
	if (errno != ENOENT) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
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

struct node *
node_open(const char *datadir, const char *listen, const char *public_url,
    const char *version, int64_t started_at, char *err, size_t errlen)
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

/* The counted totals at now. */
static void
sample_take(struct sample *s, const json_t *totals, int64_t now)
{
	size_t	i;

	s->at = now;
	for (i = 0; i < NCOUNTED; i++)
		s->n[i] = (uint64_t)json_integer_value(json_object_get(totals,
		    counted[i]));
}

void
node_sample(struct node *nd, const json_t *totals, int64_t now)
{
	if (nd->samples[nd->last].at != 0 &&
	    now - nd->samples[nd->last].at < SAMPLE_MS)
		return;
	if (nd->samples[nd->last].at != 0)
		nd->last = (nd->last + 1) % NSAMPLES;
	sample_take(&nd->samples[nd->last], totals, now);
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

json_t *
node_json(const struct node *nd, const json_t *totals, int64_t now)
{
	struct sample	cur;
	char		b1[TIMESTAMP_BUFSZ], b2[TIMESTAMP_BUFSZ];

	sample_take(&cur, totals, now);
	return json_pack("{s:s,s:s,s:s,s:s?,s:s,s:i,s:s,s:s,s:b,"
	    "s:I,s:I,s:I,s:I,s:f,s:f}",
	    "id", nd->id, "host", nd->host, "listen", nd->listen,
	    "publicUrl", nd->public_url, "version", nd->version,
	    "pid", (int)getpid(),
	    "startedAt", timestamp_format(nd->started_at, b1),
	    "seenAt", timestamp_format(now, b2), "down", 0,
	    "received", (json_int_t)cur.n[0], "stored", (json_int_t)cur.n[1],
	    "rejected", (json_int_t)cur.n[2],
	    "duplicates", (json_int_t)cur.n[3],
	    "receivedPerSecond", node_rate(nd, 0, &cur),
	    "storedPerSecond", node_rate(nd, 1, &cur));
}
