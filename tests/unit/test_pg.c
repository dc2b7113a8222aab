/*
 * Unit tests of what of the PostgreSQL warehouse needs no server: the
 * warehouse settings of krenalisd.conf, the connection string shown with
 * its password masked, and one-line error texts.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "unit.h"
#include "../../krenalisd/config.h"
#include "../../krenalisd/pg.h"

static char	path[] = "/tmp/krenalis-pgconf-XXXXXX";

/* Load text as a configuration file into cf; config_load's result. */
static int
load(struct config *cf, const char *text, char *err, size_t errlen)
{
	FILE	*fp = fopen(path, "w");

	fputs(text, fp);
	fclose(fp);
	config_init(cf);
	return config_load(cf, path, 1, err, errlen);
}

static void
test_settings(void)
{
	struct config	cf;
	char		err[512];

	config_init(&cf);
	CHECK_STR(cf.warehouse, "sqlite");
	CHECK_INT(cf.pg_timeout, 10);
	CHECK_INT(cf.pg_connections, 2);
	CHECK_INT(config_is_pg(&cf), 0);
	config_release(&cf);

	CHECK_INT(load(&cf, "warehouse = postgresql://u:pw@db/krenalis\n"
	    "pg_timeout = 300\npg_connections = 16\n", err, sizeof(err)), 0);
	CHECK_STR(cf.warehouse, "postgresql://u:pw@db/krenalis");
	CHECK_INT(cf.pg_timeout, 300);
	CHECK_INT(cf.pg_connections, 16);
	CHECK_INT(config_is_pg(&cf), 1);
	CHECK_INT(config_check(&cf, err, sizeof(err)), 0);
	config_release(&cf);

	CHECK_INT(load(&cf, "warehouse = host=/run/postgresql dbname=k\n",
	    err, sizeof(err)), 0);
	CHECK_STR(cf.warehouse, "host=/run/postgresql dbname=k");
	config_release(&cf);
	CHECK_INT(load(&cf, "warehouse = postgres://db\nwarehouse = sqlite\n",
	    err, sizeof(err)), -1);
	config_release(&cf);
}

static void
test_setting_errors(void)
{
	static const struct {
		const char	*text;
		const char	*msg;
	} cases[] = {
		{ "warehouse = mysql://db\n", "1: warehouse: \"mysql://db\" "
		    "is neither sqlite, a postgresql:// URI nor a key=value "
		    "connection string" },
		{ "warehouse = SQLite\n", "1: warehouse: \"SQLite\" is "
		    "neither sqlite, a postgresql:// URI nor a key=value "
		    "connection string" },
		{ "warehouse =\n", "1: warehouse: \"\" is neither sqlite, a "
		    "postgresql:// URI nor a key=value connection string" },
		{ "pg_timeout = 0\n", "1: pg_timeout: \"0\" is too small "
		    "(1 to 300)" },
		{ "pg_timeout = 301\n", "1: pg_timeout: \"301\" is too large "
		    "(1 to 300)" },
		{ "pg_connections = 17\n", "1: pg_connections: \"17\" is too "
		    "large (1 to 16)" },
	};
	struct config	cf;
	char		err[512], want[512];
	size_t		i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		CHECK_INT(load(&cf, cases[i].text, err, sizeof(err)), -1);
		snprintf(want, sizeof(want), "%s:%s", path, cases[i].msg);
		CHECK_STR(err, want);
		config_release(&cf);
	}
	/* -w sets the value after the file: config_check judges it. */
	config_init(&cf);
	free(cf.warehouse);
	cf.warehouse = strdup("db.example.com");
	CHECK_INT(config_check(&cf, err, sizeof(err)), -1);
	CHECK_STR(err, "warehouse: \"db.example.com\" is neither sqlite, a "
	    "postgresql:// URI nor a key=value connection string");
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

static void
test_describe(void)
{
	char	*s;

	s = pg_describe("postgresql://u:secret@db:5433/k?sslmode=disable");
	CHECK_STR(s, "host=db port=5433 dbname=k user=u");
	free(s);
	s = pg_describe("host=/run/postgresql dbname=k password=x");
	CHECK_STR(s, "host=/run/postgresql dbname=k");
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

int
main(void)
{
	int	fd = mkstemp(path);

	if (fd == -1)
		return 1;
	close(fd);
	UNIT_RUN(test_settings);
	UNIT_RUN(test_setting_errors);
	UNIT_RUN(test_masked);
	UNIT_RUN(test_describe);
	UNIT_RUN(test_error);
	unlink(path);
	return UNIT_END();
}
