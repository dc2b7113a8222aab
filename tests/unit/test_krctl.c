/* Unit tests of krctl's command parser, its tables and the name rules. */
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "unit.h"
#include "names.h"
#include "table.h"
#include "../../krctl/cmd.h"
#include "../../krctl/print.h"

/* Parse a command line given as one string of space-separated words. */
static const struct cmd *
parse(const char *line, char **args_json, char *err, size_t errlen)
{
	char			*copy = strdup(line), *argv[16], *w, *save;
	int			 argc = 0;
	const struct cmd	*c;
	json_t			*args;

	for (w = strtok_r(copy, " ", &save); w != NULL && argc < 16;
	    w = strtok_r(NULL, " ", &save))
		argv[argc++] = w;
	c = cmd_parse(argc, argv, &args, err, errlen);
	*args_json = c ? json_dumps(args, JSON_COMPACT | JSON_SORT_KEYS) :
	    NULL;
	json_decref(args);
	free(copy);
	return c;
}

static void
test_parse_ok(void)
{
	static const struct {
		const char	*line;
		const char	*proto;
		const char	*args;
	} cases[] = {
		{ "status", "status", "{}" },
		{ "source add Prod", "source.add", "{\"name\":\"Prod\"}" },
		{ "source add -c ios --strategy Fusion App", "source.add",
		    "{\"connector\":\"ios\",\"name\":\"App\",\"strategy\":"
		    "\"Fusion\"}" },
		{ "source add App --connector go", "source.add",
		    "{\"connector\":\"go\",\"name\":\"App\"}" },
		{ "source rename a b", "source.rename",
		    "{\"name\":\"b\",\"source\":\"a\"}" },
		{ "key rm s k", "key.rm", "{\"key\":\"k\",\"source\":\"s\"}" },
		{ "pipeline add s n --disabled", "pipeline.add",
		    "{\"enabled\":false,\"name\":\"n\",\"source\":\"s\"}" },
		{ "pipeline list", "pipeline.list", "{}" },
		{ "pipeline list s", "pipeline.list", "{\"source\":\"s\"}" },
		{ "pipeline set p --name q", "pipeline.set",
		    "{\"name\":\"q\",\"pipeline\":\"p\"}" },
		{ "source show -- -x", "source.show", "{\"source\":\"-x\"}" },
	};
	const struct cmd	*c;
	char			 err[256], *args;
	size_t			 i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		c = parse(cases[i].line, &args, err, sizeof(err));
		CHECK(c != NULL);
		if (c == NULL) {
			printf("  %s: %s\n", cases[i].line, err);
			continue;
		}
		CHECK_STR(c->proto, cases[i].proto);
		CHECK_STR(args, cases[i].args);
		free(args);
	}
}

static void
test_parse_errors(void)
{
	static const struct {
		const char	*line;
		const char	*err;
	} cases[] = {
		{ "", "no command given; use one of: status, source, key, "
		    "pipeline, destination, stats, events, rejected, send, "
		    "nodes, catalog" },
		{ "bogus", "unknown command \"bogus\"; use one of: status, "
		    "source, key, pipeline, destination, stats, events, "
		    "rejected, send, nodes, catalog" },
		{ "source", "\"source\" needs one of: add, list, show, rename, "
		    "rm" },
		{ "source frob", "unknown command \"source frob\"; use one of: "
		    "add, list, show, rename, rm" },
		{ "source add", "usage: krctl source add [-c connector] "
		    "[--strategy strategy] name" },
		{ "source add a b", "unexpected argument \"b\"; usage: krctl "
		    "source add [-c connector] [--strategy strategy] name" },
		{ "source add a -x", "unknown option -x; usage: krctl source "
		    "add [-c connector] [--strategy strategy] name" },
		{ "source add a -c", "option -c needs a value; usage: krctl "
		    "source add [-c connector] [--strategy strategy] name" },
		{ "source add -c a -c b x", "option -c is given twice" },
		{ "source add --strategy=x y", "option --strategy takes its "
		    "value as the next argument, not after '='; usage: krctl "
		    "source add [-c connector] [--strategy strategy] name" },
		{ "destination rm d --force=yes", "option --force takes no "
		    "value; usage: krctl destination rm destination [--force]" },
		{ "source add --name=x y", "unknown option --name=x; usage: "
		    "krctl source add [-c connector] [--strategy strategy] "
		    "name" },
		{ "status now", "unexpected argument \"now\"; usage: krctl "
		    "status" },
		{ "key", "\"key\" needs one of: list, add, rm" },
	};
	const struct cmd	*c;
	char			 err[256], *args;
	size_t			 i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		err[0] = '\0';
		c = parse(cases[i].line, &args, err, sizeof(err));
		CHECK(c == NULL);
		CHECK_STR(err, cases[i].err);
	}
}

static void
test_names(void)
{
	char	buf[64];

	CHECK_STR(names_check("", 0, 100, buf, sizeof(buf)), "name is empty");
	CHECK_STR(names_check("a\0b", 3, 100, buf, sizeof(buf)),
	    "name contains the NUL byte");
	CHECK_STR(names_check("\xff", 1, 100, buf, sizeof(buf)),
	    "name contains invalid UTF-8 encoded characters");
	CHECK_STR(names_check("\xc3\xa9\xc3\xa9", 4, 1, buf, sizeof(buf)),
	    "name is longer than 1 runes");
	CHECK(names_check("\xc3\xa9\xc3\xa9", 4, 2, buf, sizeof(buf)) ==
	    NULL);
}

static void
test_table(void)
{
	static const char *const h[] = { "ID", "NAME", "N" };
	static const char *const r1[] = { "a", "caf\xc3\xa9", "1" };
	static const char *const r2[] = { "bbbb", NULL, "22" };
	static const char *const pairs[] = { "id", "x", "endpoint", "y" };
	struct table	*t = table_new(3, h);
	char		*buf = NULL;
	size_t		 len = 0;
	FILE		*fp = open_memstream(&buf, &len);

	table_add(t, r1);
	table_add(t, r2);
	table_print(t, fp);
	table_print_pairs(fp, pairs, 2);
	fclose(fp);
	CHECK_STR(buf,
	    "ID    NAME  N\n"
	    "a     caf\xc3\xa9  1\n"
	    "bbbb  -     22\n"
	    "id        x\n"
	    "endpoint  y\n");
	free(buf);
	table_free(t);
}

/*
 * The nodes' table prints each rate as the one decimal the daemon rounded
 * it to, whatever double JSON gave for it, and "-" for none.
 */
static void
test_print_nodes(void)
{
	json_t		*a;
	json_error_t	 e;
	char		*buf = NULL;
	size_t		 len = 0;
	FILE		*fp = open_memstream(&buf, &len);

	a = json_loads("[{\"id\":\"n1\",\"host\":\"h\",\"listen\":\"l\","
	    "\"version\":\"v\",\"down\":false,\"seenAt\":\"t\","
	    "\"received\":7,\"stored\":6,\"rejected\":0,\"duplicates\":1,"
	    "\"receivedPerSecond\":0.80000000000000004,"
	    "\"storedPerSecond\":4},"
	    "{\"id\":\"n2\",\"host\":\"h\",\"listen\":\"l\","
	    "\"version\":\"v\",\"down\":true,\"seenAt\":\"t\","
	    "\"received\":0,\"stored\":0,\"rejected\":0,\"duplicates\":0,"
	    "\"receivedPerSecond\":1234.56,\"storedPerSecond\":null}]",
	    0, &e);
	CHECK(a != NULL);
	print_human(fp, PRINT_NODES, a);
	fclose(fp);
	CHECK_STR(buf,
	    "ID  HOST  LISTEN  VERSION  STATE  SEEN  RECEIVED  STORED  "
	    "REJECTED  DUPLICATES  RECEIVED/S  STORED/S\n"
	    "n1  h     l       v        up     t     7         6       "
	    "0         1           0.8         4.0\n"
	    "n2  h     l       v        down   t     0         0       "
	    "0         0           1234.6      -\n");
	free(buf);
	json_decref(a);
}

/* A record's line names a group by its group and an alias by its id. */
static void
test_record_line(void)
{
	static const char *const recs[] = {
		"{\"receivedAt\":\"2025-10-20T16:15:25.001Z\",\"event\":"
		    "{\"type\":\"group\",\"groupId\":\"g1\",\"userId\":\"\","
		    "\"anonymousId\":\"a1\"},\"outcome\":\"stored\","
		    "\"pipelines\":[{\"name\":\"all\",\"result\":\"passed\"}]}",
		"{\"receivedAt\":\"2025-10-20T16:15:25.001Z\",\"event\":"
		    "{\"type\":\"alias\",\"previousId\":\"p0\","
		    "\"userId\":\"u\"},\"outcome\":\"stored\","
		    "\"pipelines\":[]}",
	};
	static const char *const want =
	    "2025-10-20T16:15:25.001Z  group     g1                        "
	    "a1                    stored     all=passed\n"
	    "2025-10-20T16:15:25.001Z  alias     p0                        "
	    "u                     stored   \n";
	char	*buf = NULL;
	size_t	 len = 0, i;
	FILE	*fp = open_memstream(&buf, &len);
	json_t	*o;

	for (i = 0; i < sizeof(recs) / sizeof(recs[0]); i++) {
		o = json_loads(recs[i], 0, NULL);
		CHECK(o != NULL);
		print_record_line(fp, o);
		json_decref(o);
	}
	fclose(fp);
	CHECK_STR(buf, want);
	free(buf);
}

/*
 * Columns are terminal widths: in a UTF-8 locale a CJK character takes
 * two and a combining mark none, in the C locale each takes one.
 */
static void
test_table_widths(void)
{
	static const char *const h[] = { "NAME", "N" };
	static const char *const r1[] = { "\xe6\x97\xa5\xe6\x9c\xac", "1" };
	static const char *const r2[] = { "e\xcc\x81t\xc3\xa9", "2" };
	struct table	*t;
	char		*buf = NULL, *s;
	size_t		 len = 0;
	FILE		*fp;

	if (setlocale(LC_CTYPE, "C.UTF-8") == NULL) {
		CHECK(!"C.UTF-8 locale");
		return;
	}
	fp = open_memstream(&buf, &len);
	t = table_new(2, h);
	table_add(t, r1);
	table_add(t, r2);
	table_print(t, fp);
	fclose(fp);
	table_free(t);
	CHECK_STR(buf,
	    "NAME  N\n"
	    "\xe6\x97\xa5\xe6\x9c\xac  1\n"
	    "e\xcc\x81t\xc3\xa9   2\n");
	free(buf);
	/* Cut before a character that would pass the width, then padded. */
	CHECK_STR(s = table_fit("\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e", 5, 1),
	    "\xe6\x97\xa5\xe6\x9c\xac ");
	free(s);
	CHECK_STR(s = table_fit("ab", 4, 1), "ab  ");
	free(s);
	setlocale(LC_CTYPE, "C");
	CHECK_STR(s = table_fit("\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e", 2, 1),
	    "\xe6\x97\xa5\xe6\x9c\xac");
	free(s);
}

int
main(void)
{
	UNIT_RUN(test_parse_ok);
	UNIT_RUN(test_parse_errors);
	UNIT_RUN(test_names);
	UNIT_RUN(test_table);
	UNIT_RUN(test_table_widths);
	UNIT_RUN(test_print_nodes);
	UNIT_RUN(test_record_line);
	return UNIT_END();
}
