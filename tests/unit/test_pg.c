/*
 * Unit tests of what of the PostgreSQL warehouse needs no server: the
 * warehouse settings of krenalisd.conf, the connection string shown with
 * its password masked, one-line error texts, and a row as COPY's text.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "unit.h"
#include "buf.h"
#include "timestamp.h"
#include "../../krenalisd/config.h"
#include "../../krenalisd/event.h"
#include "../../krenalisd/pg.h"
#include "../../krenalisd/wh_pg.h"

static char	path[] = "/tmp/krenalis-pgconf-XXXXXX";

static void
test_settings(void)
{
	struct config	cf;
	FILE		*fp;
	char		 err[512];

	config_init(&cf);
	CHECK_STR(cf.warehouse, "sqlite");
	CHECK_INT(cf.pg_timeout, 10);
	CHECK_INT(cf.pg_connections, 2);
	CHECK_INT(config_is_pg(&cf), 0);
	if ((fp = fopen(path, "w")) == NULL)
		return;
	fputs("warehouse = postgresql://u:pw@db/krenalis\npg_timeout = 300\n"
	    "pg_connections = 16\n", fp);
	fclose(fp);
	CHECK_INT(config_load(&cf, path, 1, err, sizeof(err)), 0);
	CHECK_STR(cf.warehouse, "postgresql://u:pw@db/krenalis");
	CHECK_INT(cf.pg_timeout, 300);
	CHECK_INT(cf.pg_connections, 16);
	CHECK_INT(config_is_pg(&cf), 1);
	CHECK_INT(config_check(&cf, err, sizeof(err)), 0);
	config_release(&cf);
}

/*
 * The forms of spec/postgresql.md §1, as the file and -w give them:
 * config_check judges what -w set after the file.  The ranges of
 * pg_timeout and pg_connections are those of the settings table.
 */
static void
test_forms(void)
{
	static const char *const ok[] = { "sqlite", "postgres://db",
	    "postgresql:///k?host=/tmp", "host=/run/postgresql dbname=k",
	    "dbname=k" };
	static const char *const bad[] = { "mysql://db", "SQLite", "",
	    "db.example.com" };
	struct config	cf;
	char		err[512], want[512];
	size_t		i;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		CHECK_INT(config_warehouse_check(ok[i], err, sizeof(err)), 0);
	config_init(&cf);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		free(cf.warehouse);
		cf.warehouse = strdup(bad[i]);
		CHECK_INT(config_check(&cf, err, sizeof(err)), -1);
		snprintf(want, sizeof(want), "warehouse: \"%s\" is neither "
		    "sqlite, a postgresql:// URI nor a key=value connection "
		    "string", bad[i]);
		CHECK_STR(err, want);
	}
	config_release(&cf);
}

static void
test_masked(void)
{
	static const struct {
		const char	*in;
		const char	*out;
	} cases[] = {
		{ "postgresql://u:secret@db:5432/k",
		    "postgresql://u:***@db:5432/k" },
		{ "postgres://u@db/k", "postgres://u@db/k" },
		{ "postgresql://u:p@ss@db/k", "postgresql://u:***@db/k" },
		{ "postgresql:///k?host=/tmp/x&password=s3&user=u",
		    "postgresql:///k?host=/tmp/x&password=***&user=u" },
		{ "postgresql://db?password=s3", "postgresql://db?password=***" },
		{ "postgresql://u@db/k?password=s3&x=1",
		    "postgresql://u@db/k?password=***&x=1" },
		{ "postgresql://", "postgresql://" },
		{ "host=db password=secret dbname=k",
		    "host=db password=*** dbname=k" },
		{ "password = 'a \\' b' host=db", "password = *** host=db" },
		{ "host=db passwordx=1 dbname='my db'",
		    "host=db passwordx=1 dbname='my db'" },
		{ "host=db password=", "host=db password=***" },
		{ "host", "host" },
	};
	size_t	 i;
	char	*s;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		s = pg_masked(cases[i].in);
		CHECK_STR(s, cases[i].out);
		free(s);
	}
}

/* A string libpq cannot read is refused, its passwords masked. */
static void
test_conninfo_check(void)
{
	char	err[512];

	CHECK_INT(pg_conninfo_check("postgresql://u:s3cret@db/k", err,
	    sizeof(err)), 0);
	CHECK_INT(pg_conninfo_check("host=/tmp dbname=k password=s3cret", err,
	    sizeof(err)), 0);
	CHECK_INT(pg_conninfo_check("postgresql://bob:s3cret@[bad", err,
	    sizeof(err)), -1);
	CHECK_STR(err, "warehouse: \"postgresql://bob:***@[bad\" is not a "
	    "connection string libpq can read: end of string reached when "
	    "looking for matching \"]\" in IPv6 host address in URI: "
	    "\"postgresql://bob:***@[bad\"");
	CHECK_INT(pg_conninfo_check("dbname=k foo=bar password=s3cret", err,
	    sizeof(err)), -1);
	CHECK_STR(err, "warehouse: \"dbname=k foo=bar password=***\" is not a "
	    "connection string libpq can read: invalid connection option "
	    "\"foo\"");
	CHECK_INT(pg_conninfo_check("postgresql://u@db/k?password=s3cret&x=%zz",
	    err, sizeof(err)), -1);
	CHECK(strstr(err, "s3cret") == NULL);
	CHECK(strstr(err, "invalid percent-encoded token: \"%zz\"") != NULL);
}

static void
test_describe(void)
{
	char	*s;

	s = pg_describe("postgresql://u:secret@db:5433/k?sslmode=disable");
	CHECK_STR(s, "host=db port=5433 dbname=k user=u password=***");
	free(s);
	s = pg_describe("host=/run/postgresql dbname=k password=x");
	CHECK_STR(s, "host=/run/postgresql dbname=k password=***");
	free(s);
	s = pg_describe("host=db password='x");
	CHECK_STR(s, "host=db password=***");
	free(s);
}

static void
test_error(void)
{
	PGconn	*conn;
	char	 err[512];

	CHECK_STR(pg_error(NULL, NULL, err, sizeof(err)),
	    "no connection to the server");
	/* A server that cannot be there: a socket in a missing directory. */
	conn = pg_connect("host=/nonexistent/krenalis port=1 dbname=k "
	    "password=secret", 1, err, sizeof(err));
	CHECK(conn == NULL);
	CHECK_STR(err, "connection to server on socket "
	    "\"/nonexistent/krenalis/.s.PGSQL.1\" failed: No such file or "
	    "directory Is the server running locally and accepting "
	    "connections on that socket?");
}

/*
 * A row as COPY's text: NULL as \N, tabs, line breaks and backslashes
 * escaped, booleans as 1 and 0, and no \u0000 in JSON (events.md §14.1).
 */
static void
test_copy(void)
{
	static const char raw[] = "{\"type\":\"track\",\"event\":\"a\\tb\","
	    "\"userId\":\"u\\\\1\",\"messageId\":\"m1\",\"sentAt\":"
	    "\"2025-10-20T16:15:25.001Z\",\"properties\":{\"x\":\"n\\u0000ul\","
	    "\"y\":\"\\\\u0000\"},\"context\":{\"network\":{\"wifi\":true}}}";
	struct event_req	 r;
	struct event		 ev;
	struct buf		 b;
	char			*line, *f[67], *p;
	int			 n = 0;

	memset(&r, 0, sizeof(r));
	timestamp_parse("2025-10-20T16:15:25.001Z", 24, &r.received_at);
	r.source_id = "7bXk2mQp9RtL";
	r.shape = EVENT_SHAPE_BATCH;
	r.request_ip = "203.0.113.7";
	r.max_event_bytes = 32768;
	event_init(&ev);
	CHECK_INT(event_decode(&r, raw, strlen(raw), &ev), 0);
	buf_init(&b);
	wh_pg_copy_event(&b, &ev);
	line = b.p;
	CHECK(b.len > 0 && line[b.len - 1] == '\n');
	line[b.len - 1] = '\0';
	for (p = line; n < 67 && p != NULL; n++) {
		f[n] = p;
		if ((p = strchr(p, '\t')) != NULL)
			*p++ = '\0';
	}
	CHECK_INT(n, 67);
	CHECK_STR(f[0], "7bXk2mQp9RtL");
	CHECK_STR(f[2], "\\N");
	CHECK_STR(f[37], "1");
	CHECK_STR(f[55], "a\\tb");
	CHECK_STR(f[57], "m1");
	CHECK_STR(f[59], "{\"x\":\"nul\",\"y\":\"\\\\\\\\u0000\"}");
	CHECK_STR(f[66], "u\\\\1");
	buf_release(&b);
	event_release(&ev);
}

int
main(void)
{
	int	fd = mkstemp(path);

	if (fd == -1)
		return 1;
	close(fd);
	UNIT_RUN(test_settings);
	UNIT_RUN(test_forms);
	UNIT_RUN(test_masked);
	UNIT_RUN(test_conninfo_check);
	UNIT_RUN(test_describe);
	UNIT_RUN(test_error);
	UNIT_RUN(test_copy);
	unlink(path);
	return UNIT_END();
}
