/*
 * Connecting to PostgreSQL, running statements that never wait past a
 * deadline, showing a connection string without its password, and
 * one-line error texts: what the warehouse engine and the start-up
 * checks share (see pg.h).
 */
#include <sys/socket.h>
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "buf.h"
#include "compat.h"
#include "timestamp.h"
#include "utf8.h"
#include "xmalloc.h"
#include "pg.h"

/* How long a connection may stay silent after a cancel: then it is cut. */
#define PG_CANCEL_GRACE	1000

/*
 * Copy the text s into buf as one line: every run of blanks and line
 * breaks becomes one space, and none is left at either end.  A line
 * longer than buf is cut at a character boundary, so that it stays
 * valid UTF-8 (the server's messages may be translated).
 */
static void
oneline(const char *s, char *buf, size_t len)
{
	struct buf	b;
	size_t		n;
	int		blank = 0;

	buf_init(&b);
	for (; *s != '\0'; s++) {
		if (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r') {
			blank = b.len > 0;
			continue;
		}
		if (blank)
			buf_addc(&b, ' ');
		blank = 0;
		buf_addc(&b, *s);
	}
	n = utf8_cut(b.p, b.len, len - 1);
	if (n > 0)
		memcpy(buf, b.p, n);
	buf[n] = '\0';
	buf_release(&b);
}

/*
 * The server's notices ("relation ... already exists, skipping") say
 * nothing an operator needs: libpq would print them on stderr.
 */
static void
notice_ignore(void *arg, const char *message)
{
}

PGconn *
pg_connect(const char *conninfo, int timeout, char *err, size_t errlen)
{
	const char	*keys[] = { "dbname", "fallback_application_name",
			    "connect_timeout", NULL };
	const char	*values[4];
	char		 secs[16];
	PGconn		*conn;

	/* With expand_dbname, the keywords after dbname win over it. */
	snprintf(secs, sizeof(secs), "%d", timeout);
	values[0] = conninfo;
	values[1] = "krenalisd";
	values[2] = secs;
	values[3] = NULL;
	conn = PQconnectdbParams(keys, values, 1);
	if (conn == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (PQstatus(conn) != CONNECTION_OK) {
		pg_error(conn, NULL, err, errlen);
		PQfinish(conn);
		return NULL;
	}
	PQsetNoticeProcessor(conn, notice_ignore, NULL);
	return conn;
}

/* The passwords of a conninfo string, as pointers into it. */
#define SECRETS_MAX	16
struct secrets {
	const char	*at[SECRETS_MAX];
	size_t		 len[SECRETS_MAX];
	size_t		 n;
};

/* Append "***" to b in place of the len bytes at p, kept in sc. */
static void
secret(struct buf *b, struct secrets *sc, const char *p, size_t len)
{
	buf_adds(b, "***");
	if (len > 0 && sc->n < SECRETS_MAX) {
		sc->at[sc->n] = p;
		sc->len[sc->n++] = len;
	}
}

/*
 * Append to b the URI uri with the password of its user:password@ and of
 * its password= parameters masked, each kept in sc.
 */
static void
mask_uri(struct buf *b, const char *uri, struct secrets *sc)
{
	const char	*p, *auth, *end, *at, *colon;

	p = strstr(uri, "://") + 3;
	buf_add(b, uri, p - uri);
	auth = p;
	end = auth + strcspn(auth, "/?");
	at = NULL;
	for (p = auth; p < end; p++)
		if (*p == '@')
			at = p;
	if (at != NULL) {
		colon = memchr(auth, ':', at - auth);
		if (colon != NULL) {
			buf_add(b, auth, colon + 1 - auth);
			secret(b, sc, colon + 1, (size_t)(at - colon - 1));
			auth = at;
		}
	}
	buf_add(b, auth, end - auth);
	p = end;
	while (*p != '\0') {
		/* p is at a '/', '?' or '&': copy up to the next '?' or '&'. */
		end = p + 1 + strcspn(p + 1, "?&");
		if ((*p == '?' || *p == '&') &&
		    strncmp(p + 1, "password=", 9) == 0) {
			buf_add(b, p, 10);
			secret(b, sc, p + 10, (size_t)(end - p - 10));
		} else
			buf_add(b, p, end - p);
		p = end;
	}
}

/*
 * Append to b the keyword/value string s with the value of every password
 * keyword masked, each kept in sc.  Values are single words or quoted
 * with '' (and \' inside), as libpq reads them.
 */
static void
mask_keywords(struct buf *b, const char *s, struct secrets *sc)
{
	const char	*p = s, *key, *keyend;
	int		 is_secret;

	while (*p != '\0') {
		while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
			p++;
		key = p;
		while (*p != '\0' && *p != '=' && *p != ' ' && *p != '\t')
			p++;
		keyend = p;
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p != '=') {
			buf_adds(b, key);
			return;
		}
		p++;
		while (*p == ' ' || *p == '\t')
			p++;
		is_secret = keyend - key == 8 &&
		    strncmp(key, "password", 8) == 0;
		buf_add(b, s, p - s);
		s = p;
		if (*p == '\'') {
			for (p++; *p != '\0' && *p != '\''; p++)
				if (*p == '\\' && p[1] != '\0')
					p++;
			if (*p == '\'')
				p++;
		} else
			while (*p != '\0' && *p != ' ' && *p != '\t' &&
			    *p != '\n' && *p != '\r')
				p++;
		if (is_secret)
			secret(b, sc, s, (size_t)(p - s));
		else
			buf_add(b, s, p - s);
		s = p;
	}
	buf_adds(b, s);
}

/* Append conninfo to b, its passwords masked and kept in sc. */
static void
mask(struct buf *b, const char *conninfo, struct secrets *sc)
{
	sc->n = 0;
	if (strncmp(conninfo, "postgresql://", 13) == 0 ||
	    strncmp(conninfo, "postgres://", 11) == 0)
		mask_uri(b, conninfo, sc);
	else
		mask_keywords(b, conninfo, sc);
}

char *
pg_masked(const char *conninfo)
{
	struct secrets	sc;
	struct buf	b;

	buf_init(&b);
	mask(&b, conninfo, &sc);
	return buf_finish(&b);
}

int
pg_conninfo_check(const char *conninfo, char *err, size_t errlen)
{
	PQconninfoOption	*opts;
	struct secrets		 sc;
	struct buf		 b, m;
	const char		*t;
	char			*why = NULL, *shown, line[512];
	size_t			 i;

	if ((opts = PQconninfoParse(conninfo, &why)) != NULL) {
		PQconninfoFree(opts);
		return 0;
	}
	buf_init(&m);
	mask(&m, conninfo, &sc);
	/* libpq's reason may quote the value: its passwords go too. */
	buf_init(&b);
	for (t = why != NULL ? why : ""; *t != '\0';) {
		for (i = 0; i < sc.n; i++)
			if (strncmp(t, sc.at[i], sc.len[i]) == 0)
				break;
		if (i < sc.n) {
			buf_adds(&b, "***");
			t += sc.len[i];
		} else
			buf_addc(&b, *t++);
	}
	shown = buf_finish(&b);
	oneline(shown, line, sizeof(line));
	free(shown);
	shown = buf_finish(&m);
	snprintf(err, errlen, "warehouse: \"%s\" is not a connection string "
	    "libpq can read: %s", shown, line);
	free(shown);
	PQfreemem(why);
	return -1;
}

char *
pg_describe(const char *conninfo)
{
	static const char	*shown[] = { "host", "hostaddr", "port",
				    "dbname", "user", "password", NULL };
	PQconninfoOption	*opts, *o;
	struct buf		 b;
	size_t			 i;

	if ((opts = PQconninfoParse(conninfo, NULL)) == NULL)
		return pg_masked(conninfo);
	buf_init(&b);
	for (i = 0; shown[i] != NULL; i++)
		for (o = opts; o->keyword != NULL; o++) {
			if (strcmp(o->keyword, shown[i]) != 0 ||
			    o->val == NULL || o->val[0] == '\0')
				continue;
			if (b.len > 0)
				buf_adds(&b, " ");
			buf_adds(&b, o->keyword);
			buf_adds(&b, "=");
			/* That there is one, not what it is. */
			buf_adds(&b, strcmp(o->keyword, "password") == 0 ?
			    "***" : o->val);
		}
	PQconninfoFree(opts);
	return buf_finish(&b);
}

char *
pg_error(const PGconn *conn, const PGresult *res, char *buf, size_t len)
{
	const char	*primary = NULL, *state = NULL, *column = NULL;
	char		 msg[512];

	if (res != NULL) {
		primary = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
		state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
		column = PQresultErrorField(res, PG_DIAG_COLUMN_NAME);
		if (primary == NULL && PQresultErrorMessage(res)[0] != '\0')
			primary = PQresultErrorMessage(res);
	}
	if (primary == NULL)
		primary = conn != NULL ? PQerrorMessage(conn) : "";
	oneline(primary, msg, sizeof(msg));
	if (msg[0] == '\0')
		strlcpy(msg, "no connection to the server", sizeof(msg));
	if (state != NULL && column != NULL)
		snprintf(buf, len, "%s (SQLSTATE %s, column %s)", msg, state,
		    column);
	else if (state != NULL)
		snprintf(buf, len, "%s (SQLSTATE %s)", msg, state);
	else
		snprintf(buf, len, "%s", msg);
	return buf;
}

/* The body of the thread that sends one cancel request and frees it. */
static void *
cancel_main(void *arg)
{
	PGcancel	*c = arg;
	char		 err[256];

	PQcancel(c, err, sizeof(err));
	PQfreeCancel(c);
	return NULL;
}

/*
 * Ask the server to cancel what conn runs.  PQcancel opens a connection
 * of its own and waits for the server: a detached thread does it, with a
 * cancel object of its own, so that nothing here waits on it.
 */
static void
cancel_detached(PGconn *conn)
{
	PGcancel	*c;
	pthread_attr_t	 attr;
	pthread_t	 t;

	if ((c = PQgetCancel(conn)) == NULL)
		return;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	if (pthread_create(&t, &attr, cancel_main, c) != 0)
		PQfreeCancel(c);
	pthread_attr_destroy(&attr);
}

/*
 * Wait until conn's socket is ready for events; 0, or -1 once *deadline
 * has passed.  At the deadline the statement is cancelled and *deadline
 * moved PG_CANCEL_GRACE later; when that passes too, the connection is
 * cut, so that the next libpq call on it fails at once.
 */
static int
wait_socket(PGconn *conn, short events, int64_t *deadline, int *cancelled)
{
	struct pollfd	pfd;
	int64_t		left;
	int		rc;

	for (;;) {
		left = *deadline - timestamp_monotonic();
		if (left <= 0) {
			if (*cancelled) {
				shutdown(PQsocket(conn), SHUT_RDWR);
				PQconsumeInput(conn);
				return -1;
			}
			cancel_detached(conn);
			*cancelled = 1;
			*deadline = pg_deadline(PG_CANCEL_GRACE);
			continue;
		}
		pfd.fd = PQsocket(conn);
		pfd.events = events;
		rc = poll(&pfd, 1, left > INT_MAX ? INT_MAX : (int)left);
		if (rc > 0 || (rc == -1 && errno != EINTR))
			return 0;
	}
}

/* Send what libpq holds for conn; 0, or -1 (err set). */
static int
flush_out(PGconn *conn, int64_t *deadline, int *cancelled, char *err,
    size_t errlen)
{
	int	rc;

	while ((rc = PQflush(conn)) == 1) {
		if (wait_socket(conn, POLLIN | POLLOUT, deadline,
		    cancelled) == -1) {
			snprintf(err, errlen, "no answer from the server");
			return -1;
		}
		if (!PQconsumeInput(conn))
			break;
	}
	if (rc != 0) {
		pg_error(conn, NULL, err, errlen);
		return -1;
	}
	return 0;
}

/*
 * Collect the results of what was sent: the last one when every one
 * succeeded, or the first PGRES_COPY_IN one; NULL with err otherwise.
 */
static PGresult *
collect(PGconn *conn, int64_t *deadline, int *cancelled, char *err,
    size_t errlen)
{
	PGresult	*res, *last = NULL;
	int		 failed = 0;

	for (;;) {
		while (PQisBusy(conn)) {
			if (wait_socket(conn, POLLIN, deadline,
			    cancelled) == -1) {
				PQclear(last);
				snprintf(err, errlen, "no answer from the "
				    "server");
				return NULL;
			}
			if (!PQconsumeInput(conn))
				break;
		}
		if ((res = PQgetResult(conn)) == NULL)
			break;
		switch (PQresultStatus(res)) {
		case PGRES_COPY_IN:
			PQclear(last);
			return res;
		case PGRES_COMMAND_OK:
		case PGRES_TUPLES_OK:
		case PGRES_EMPTY_QUERY:
			if (failed) {
				PQclear(res);
				continue;
			}
			PQclear(last);
			last = res;
			break;
		default:
			if (!failed)
				pg_error(conn, res, err, errlen);
			failed = 1;
			PQclear(res);
			if (PQstatus(conn) == CONNECTION_BAD)
				goto out;
			break;
		}
	}
out:
	/*
	 * A statement that succeeded after its cancel still missed the
	 * deadline: a COMMIT whose wait for a synchronous standby was
	 * cancelled has committed locally only, which is not what the
	 * server is set to promise.
	 */
	if (!failed && last != NULL && *cancelled) {
		snprintf(err, errlen, PG_LATE "%s", PQcmdStatus(last));
		failed = 1;
	}
	if (failed || last == NULL) {
		if (!failed)
			pg_error(conn, NULL, err, errlen);
		PQclear(last);
		return NULL;
	}
	return last;
}

int64_t
pg_deadline(int64_t ms)
{
	return timestamp_monotonic() + ms;
}

void
pg_array_add(struct buf *b, const char *s)
{
	buf_addc(b, b->len == 0 ? '{' : ',');
	buf_addc(b, '"');
	for (; *s != '\0'; s++) {
		if (*s == '"' || *s == '\\')
			buf_addc(b, '\\');
		buf_addc(b, *s);
	}
	buf_addc(b, '"');
}

void
pg_array_end(struct buf *b)
{
	if (b->len == 0)
		buf_addc(b, '{');
	buf_addc(b, '}');
}

/* The names as a text array literal. */
static void
name_array(struct buf *b, const char *const *names)
{
	for (; *names != NULL; names++)
		pg_array_add(b, *names);
	pg_array_end(b);
}

int
pg_missing(PGconn *conn, const char *const *rels, const char *const *types,
    int64_t deadline, char *err, size_t errlen)
{
	static const char	 sql[] =
	    "SELECT (SELECT count(*) FROM unnest($1::text[]) AS r(name) "
	    "WHERE NOT EXISTS (SELECT FROM pg_class c JOIN pg_namespace n "
	    "ON n.oid = c.relnamespace WHERE c.relname = r.name AND "
	    "n.nspname = current_schema())) + (SELECT count(*) FROM "
	    "unnest($2::text[]) AS t(name) WHERE to_regtype(t.name) IS NULL)";
	PGresult	*res;
	struct buf	 r, t;
	const char	*params[2];
	int		 n = -1;

	buf_init(&r);
	buf_init(&t);
	name_array(&r, rels);
	name_array(&t, types);
	params[0] = r.p;
	params[1] = t.p;
	if ((res = pg_run(conn, sql, 2, params, deadline, err,
	    errlen)) != NULL) {
		n = atoi(PQgetvalue(res, 0, 0));
		PQclear(res);
	}
	buf_release(&r);
	buf_release(&t);
	return n;
}

PGresult *
pg_run(PGconn *conn, const char *sql, int nparams,
    const char *const *params, int64_t deadline, char *err, size_t errlen)
{
	int	cancelled = 0, sent;

	PQsetnonblocking(conn, 1);
	if (nparams == 0)
		sent = PQsendQuery(conn, sql);
	else
		sent = PQsendQueryParams(conn, sql, nparams, NULL, params,
		    NULL, NULL, 0);
	if (!sent) {
		pg_error(conn, NULL, err, errlen);
		return NULL;
	}
	if (flush_out(conn, &deadline, &cancelled, err, errlen) == -1)
		return NULL;
	return collect(conn, &deadline, &cancelled, err, errlen);
}

int
pg_copy(PGconn *conn, const char *data, size_t len, int64_t deadline,
    char *err, size_t errlen)
{
	PGresult	*res;
	size_t		 n;
	int		 cancelled = 0, rc;

	while (len > 0) {
		n = len > 65536 ? 65536 : len;
		if ((rc = PQputCopyData(conn, data, (int)n)) == -1)
			goto fail;
		if (rc == 1) {
			data += n;
			len -= n;
		} else if (flush_out(conn, &deadline, &cancelled, err,
		    errlen) == -1)
			return -1;
	}
	while ((rc = PQputCopyEnd(conn, NULL)) == 0)
		if (flush_out(conn, &deadline, &cancelled, err, errlen) == -1)
			return -1;
	if (rc == -1)
		goto fail;
	if (flush_out(conn, &deadline, &cancelled, err, errlen) == -1)
		return -1;
	if ((res = collect(conn, &deadline, &cancelled, err, errlen)) == NULL)
		return -1;
	PQclear(res);
	return 0;
fail:
	pg_error(conn, NULL, err, errlen);
	return -1;
}
