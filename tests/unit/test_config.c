/* Unit tests of krenalisd.conf parsing and the listen address. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "unit.h"
#include "../../krenalisd/config.h"
#include "../../krenalisd/listen.h"

static char	path[] = "/tmp/krenalis-conf-XXXXXX";

/* Load text as a configuration file; return config_load's result. */
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
test_defaults(void)
{
	struct config	cf;

	config_init(&cf);
	CHECK_STR(cf.data_dir, "/var/lib/krenalis");
	CHECK_STR(cf.listen, "127.0.0.1:2022");
	CHECK(cf.socket == NULL);
	CHECK(cf.public_url == NULL);
	CHECK_INT(cf.max_body_bytes, 4194304);
	CHECK_INT(cf.max_gzip_ratio, 100);
	CHECK_INT(cf.max_event_bytes, 32768);
	CHECK_INT(cf.max_batch_events, 20000);
	CHECK_INT(cf.rate_limit_events_per_minute, 0);
	CHECK_INT(cf.rate_limit_burst, 20000);
	CHECK_INT(cf.writer_queue_events, 200000);
	CHECK_INT(cf.debugger_records, 1000);
	CHECK_INT(cf.dedupe_window_ms, 7LL * 86400 * 1000);
	CHECK_STR(cf.synchronous, "full");
	CHECK_INT(cf.header_timeout_ms, 10000);
	CHECK_INT(cf.body_timeout_ms, 10000);
	CHECK_INT(cf.body_min_rate, 4096);
	CHECK_INT(cf.max_connections_per_ip, 256);
	config_release(&cf);
}

static void
test_file(void)
{
	struct config	cf;
	char		err[512];

	CHECK_INT(load(&cf, "# comment\n\n  listen = [::1]:8080  \n"
	    "max_batch_events=500\r\ndedupe_window = 90m\n"
	    "public_url = https://e.example.com\nsynchronous = normal\n",
	    err, sizeof(err)), 0);
	CHECK_STR(cf.listen, "[::1]:8080");
	CHECK_INT(cf.max_batch_events, 500);
	CHECK_INT(cf.dedupe_window_ms, 90LL * 60 * 1000);
	CHECK_STR(cf.public_url, "https://e.example.com");
	CHECK_STR(cf.synchronous, "normal");
	CHECK_INT(config_check(&cf, err, sizeof(err)), 0);
	config_release(&cf);

	CHECK_INT(load(&cf, "header_timeout = 0\nbody_timeout = 2m\n"
	    "body_min_rate = 0\nmax_connections_per_ip = 0\n", err,
	    sizeof(err)), 0);
	CHECK_INT(cf.header_timeout_ms, 0);
	CHECK_INT(cf.body_timeout_ms, 120000);
	CHECK_INT(cf.body_min_rate, 0);
	CHECK_INT(cf.max_connections_per_ip, 0);
	config_release(&cf);
}

#define DIGITS10	"1234567890"

static void
test_errors(void)
{
	static const struct {
		const char	*text;
		const char	*msg;	/* after "path:" */
	} cases[] = {
		{ "x = 1\n", "1: unknown setting \"x\"" },
		{ "# c\nmax_body_bytes = 0\n",
		    "2: max_body_bytes: \"0\" is too small (1 to 17179869184)" },
		{ "max_body_bytes = 1k\n",
		    "1: max_body_bytes: \"1k\" is invalid (1 to 17179869184)" },
		{ "dedupe_window = 5\n", "1: dedupe_window: \"5\" is not a "
		    "duration (a number from 1 to 3153600000 with s, m, h or "
		    "d, or 0)" },
		{ "dedupe_window = d\n", "1: dedupe_window: \"d\" is not a "
		    "duration (a number from 1 to 3153600000 with s, m, h or "
		    "d, or 0)" },
		{ "listen = 1.2.3.4\n",
		    "1: listen: \"1.2.3.4\" is not an address:port" },
		{ "listen = [::1:80\n",
		    "1: listen: \"[::1:80\" is not an address:port" },
		{ "synchronous = fast\n", "1: synchronous: \"fast\" is not "
		    "one of off, normal, full, extra" },
		{ "data_dir =\n", "1: data_dir: value is empty" },
		{ "header_timeout = 10\n", "1: header_timeout: \"10\" is not "
		    "a duration (a number from 1 to 3153600000 with s, m, h or "
		    "d, or 0)" },
		{ "max_connections_per_ip = 5000\n",
		    "1: max_connections_per_ip: \"5000\" is too large "
		    "(0 to 4096)" },
		{ "oops\n", "1: expected \"key = value\"" },
		{ "socket = a\nsocket = b\n", "2: socket is set twice" },
		{ "public_url = https://e.example.com/?k=v\n",
		    "1: public_url: \"https://e.example.com/?k=v\" has a query "
		    "or a fragment, after which /v1/events cannot be added" },
		{ "public_url = https://e.example.com#top\n",
		    "1: public_url: \"https://e.example.com#top\" has a query "
		    "or a fragment, after which /v1/events cannot be added" },
		{ "public_url = https://u:pw@e.example.com\n",
		    "1: public_url: \"https://u:pw@e.example.com\" has a user "
		    "name: the SDK settings, which any client may read, would "
		    "show it" },
		/* 130 digits: 124 are quoted, and the reason is kept. */
		{ "max_body_bytes = " DIGITS10 DIGITS10 DIGITS10 DIGITS10
		    DIGITS10 DIGITS10 DIGITS10 DIGITS10 DIGITS10 DIGITS10
		    DIGITS10 DIGITS10 DIGITS10 "\n",
		    "1: max_body_bytes: \"" DIGITS10 DIGITS10 DIGITS10 DIGITS10
		    DIGITS10 DIGITS10 DIGITS10 DIGITS10 DIGITS10 DIGITS10
		    DIGITS10 DIGITS10 "1234...\" is too large "
		    "(1 to 17179869184)" },
		{ "warehouse = " DIGITS10 DIGITS10 DIGITS10 DIGITS10 DIGITS10
		    DIGITS10 DIGITS10 DIGITS10 DIGITS10 DIGITS10 DIGITS10
		    DIGITS10 DIGITS10 "\n",
		    "1: warehouse: \"" DIGITS10 DIGITS10 DIGITS10 DIGITS10
		    DIGITS10 DIGITS10 DIGITS10 DIGITS10 DIGITS10 DIGITS10
		    DIGITS10 DIGITS10 "1234...\" is neither sqlite, a "
		    "postgresql:// URI nor a key=value connection string" },
	};
	struct config	cf;
	char		err[1024], want[1024];
	size_t		i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		CHECK_INT(load(&cf, cases[i].text, err, sizeof(err)), -1);
		snprintf(want, sizeof(want), "%s:%s", path, cases[i].msg);
		CHECK_STR(err, want);
		config_release(&cf);
	}
}

static void
test_check(void)
{
	struct config	cf;
	char		err[512];

	config_init(&cf);
	cf.max_batch_events = 30000;
	CHECK_INT(config_check(&cf, err, sizeof(err)), -1);
	CHECK_STR(err, "rate_limit_burst (20000) must be at least "
	    "max_batch_events (30000)");
	cf.max_batch_events = 500;
	cf.max_event_bytes = cf.max_body_bytes + 1;
	CHECK_INT(config_check(&cf, err, sizeof(err)), -1);
	config_release(&cf);
}

static void
test_duration(void)
{
	int64_t	ms;

	CHECK_INT(config_parse_duration("0", &ms), 0);
	CHECK_INT(ms, 0);
	CHECK_INT(config_parse_duration("7d", &ms), 0);
	CHECK_INT(ms, 604800000);
	CHECK_INT(config_parse_duration("15s", &ms), 0);
	CHECK_INT(ms, 15000);
	CHECK_INT(config_parse_duration("2h", &ms), 0);
	CHECK_INT(ms, 7200000);
	CHECK_INT(config_parse_duration("-1d", &ms), -1);
	CHECK_INT(config_parse_duration("0d", &ms), -1);
	CHECK_INT(config_parse_duration("1.5h", &ms), -1);
	CHECK_INT(config_parse_duration("", &ms), -1);
	CHECK_INT(config_parse_duration("10", &ms), -1);
}

static void
test_listen(void)
{
	struct sockaddr_storage	ss;
	socklen_t		len;
	char			*u;

	CHECK_INT(listen_parse("127.0.0.1:2022", &ss, &len), 0);
	CHECK_INT(ss.ss_family, AF_INET);
	CHECK_INT(listen_parse("[::1]:2022", &ss, &len), 0);
	CHECK_INT(ss.ss_family, AF_INET6);
	CHECK_INT(listen_parse("localhost:80", NULL, NULL), 0);
	CHECK_INT(listen_parse("*:80", NULL, NULL), 0);
	CHECK_INT(listen_parse("127.0.0.1:0", NULL, NULL), -1);
	CHECK_INT(listen_parse("127.0.0.1:65536", NULL, NULL), -1);
	CHECK_INT(listen_parse("127.0.0.1:+80", NULL, NULL), -1);
	CHECK_INT(listen_parse("example.com:80", NULL, NULL), -1);
	CHECK_INT(listen_parse(":80", NULL, NULL), -1);
	CHECK_INT(listen_parse("::1:80", NULL, NULL), -1);
	u = listen_base_url("[::1]:2022");
	CHECK_STR(u, "http://[::1]:2022");
	free(u);
	u = listen_base_url("localhost:2022");
	CHECK_STR(u, "http://127.0.0.1:2022");
	free(u);
}

int
main(void)
{
	int	fd = mkstemp(path);

	if (fd == -1)
		return 1;
	close(fd);
	UNIT_RUN(test_defaults);
	UNIT_RUN(test_file);
	UNIT_RUN(test_errors);
	UNIT_RUN(test_check);
	UNIT_RUN(test_duration);
	UNIT_RUN(test_listen);
	unlink(path);
	return UNIT_END();
}
