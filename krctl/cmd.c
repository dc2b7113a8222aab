/* krctl's command table and command-line parser; see cmd.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "compat.h"
#include "names.h"
#include "utf8.h"
#include "cmd.h"

static const struct cmd cmds[] = {
	{ "status", NULL, "status", "", { NULL }, 0, 0, { { NULL } },
	    PRINT_STATUS, 0 },
	{ "source", "add", "source.add",
	    "[-c connector] [--strategy strategy] name",
	    { "name" }, 1, 1,
	    { { "-c", "--connector", "connector", OPT_STRING },
	      { NULL, "--strategy", "strategy", OPT_STRING } },
	    PRINT_SOURCE, 0 },
	{ "source", "list", "source.list", "", { NULL }, 0, 0, { { NULL } },
	    PRINT_SOURCES, 0 },
	{ "source", "show", "source.show", "source", { "source" }, 1, 1,
	    { { NULL } }, PRINT_SOURCE, 0 },
	{ "source", "rename", "source.rename", "source name",
	    { "source", "name" }, 2, 2, { { NULL } }, PRINT_SOURCE, 0 },
	{ "source", "rm", "source.rm", "source", { "source" }, 1, 1,
	    { { NULL } }, PRINT_SOURCE_REMOVED, 0 },
	{ "key", "list", "key.list", "source", { "source" }, 1, 1,
	    { { NULL } }, PRINT_KEYS, 0 },
	{ "key", "add", "key.add", "source", { "source" }, 1, 1,
	    { { NULL } }, PRINT_KEY, 0 },
	{ "key", "rm", "key.rm", "source key", { "source", "key" }, 2, 2,
	    { { NULL } }, PRINT_KEY_REMOVED, 0 },
	{ "pipeline", "add", "pipeline.add",
	    "source name [--send destination] [-F filter] [-C consents] "
	    "[--disabled]",
	    { "source", "name" }, 2, 2,
	    { { NULL, "--send", "destination", OPT_STRING },
	      { "-F", "--filter", "filter", OPT_STRING },
	      { "-C", "--consents", "consents", OPT_CONSENTS },
	      { NULL, "--disabled", "enabled", OPT_FALSE } },
	    PRINT_PIPELINE, 0 },
	{ "pipeline", "list", "pipeline.list", "[source]", { "source" }, 0, 1,
	    { { NULL } }, PRINT_PIPELINES, 0 },
	{ "pipeline", "show", "pipeline.show", "pipeline", { "pipeline" },
	    1, 1, { { NULL } }, PRINT_PIPELINE, 0 },
	{ "pipeline", "set", "pipeline.set", "pipeline [--name name] "
	    "[-F filter | --no-filter] [-C consents | --no-consents] "
	    "[--send destination]",
	    { "pipeline" }, 1, 1,
	    { { NULL, "--name", "name", OPT_STRING },
	      { NULL, "--send", "destination", OPT_STRING },
	      { "-F", "--filter", "filter", OPT_STRING },
	      { NULL, "--no-filter", "filter", OPT_NULL },
	      { "-C", "--consents", "consents", OPT_CONSENTS },
	      { NULL, "--no-consents", "consents", OPT_NULL } },
	    PRINT_PIPELINE, 1 },
	{ "pipeline", "enable", "pipeline.enable", "pipeline", { "pipeline" },
	    1, 1, { { NULL } }, PRINT_PIPELINE, 0 },
	{ "pipeline", "disable", "pipeline.disable", "pipeline",
	    { "pipeline" }, 1, 1, { { NULL } }, PRINT_PIPELINE, 0 },
	{ "pipeline", "rm", "pipeline.rm", "pipeline", { "pipeline" }, 1, 1,
	    { { NULL } }, PRINT_PIPELINE_REMOVED, 0 },
	{ "destination", "add", "destination.add", "name --url url "
	    "[--connector webhook | segment] [--header 'Name: value']... "
	    "[--write-key key] [--secret secret] [--batch-size n] "
	    "[--timeout seconds] [--max-in-flight n] [--max-age duration] "
	    "[--gzip]",
	    { "name" }, 1, 1,
	    { { NULL, "--url", "url", OPT_STRING },
	      { NULL, "--connector", "connector", OPT_STRING },
	      { NULL, "--header", "headers", OPT_LIST },
	      { NULL, "--write-key", "writeKey", OPT_STRING },
	      { NULL, "--secret", "secret", OPT_STRING },
	      { NULL, "--batch-size", "batchSize", OPT_INT },
	      { NULL, "--timeout", "timeout", OPT_INT },
	      { NULL, "--max-in-flight", "maxInFlight", OPT_INT },
	      { NULL, "--max-age", "maxAge", OPT_STRING },
	      { NULL, "--gzip", "gzip", OPT_TRUE } },
	    PRINT_DESTINATION, 0 },
	{ "destination", "list", "destination.list", "", { NULL }, 0, 0,
	    { { NULL } }, PRINT_DESTINATIONS, 0 },
	{ "destination", "show", "destination.show", "destination",
	    { "destination" }, 1, 1, { { NULL } }, PRINT_DESTINATION, 0 },
	{ "destination", "set", "destination.set", "destination [--name name] "
	    "[--url url] [--connector webhook | segment] "
	    "[--header 'Name: value'... | --clear-headers] "
	    "[--write-key key | --no-write-key] [--secret secret | --no-secret] "
	    "[--batch-size n] [--timeout seconds] [--max-in-flight n] "
	    "[--max-age duration] [--gzip | --no-gzip]",
	    { "destination" }, 1, 1,
	    { { NULL, "--name", "name", OPT_STRING },
	      { NULL, "--url", "url", OPT_STRING },
	      { NULL, "--connector", "connector", OPT_STRING },
	      { NULL, "--header", "headers", OPT_LIST },
	      { NULL, "--clear-headers", "headers", OPT_NULL },
	      { NULL, "--write-key", "writeKey", OPT_STRING },
	      { NULL, "--no-write-key", "writeKey", OPT_NULL },
	      { NULL, "--secret", "secret", OPT_STRING },
	      { NULL, "--no-secret", "secret", OPT_NULL },
	      { NULL, "--batch-size", "batchSize", OPT_INT },
	      { NULL, "--timeout", "timeout", OPT_INT },
	      { NULL, "--max-in-flight", "maxInFlight", OPT_INT },
	      { NULL, "--max-age", "maxAge", OPT_STRING },
	      { NULL, "--gzip", "gzip", OPT_TRUE },
	      { NULL, "--no-gzip", "gzip", OPT_FALSE } },
	    PRINT_DESTINATION, 1 },
	{ "destination", "enable", "destination.enable", "destination",
	    { "destination" }, 1, 1, { { NULL } }, PRINT_DESTINATION, 0 },
	{ "destination", "disable", "destination.disable", "destination",
	    { "destination" }, 1, 1, { { NULL } }, PRINT_DESTINATION, 0 },
	{ "destination", "rm", "destination.rm", "destination [--force]",
	    { "destination" }, 1, 1,
	    { { NULL, "--force", "force", OPT_TRUE } },
	    PRINT_DESTINATION_REMOVED, 0 },
	{ "destination", "test", "destination.test", "destination",
	    { "destination" }, 1, 1, { { NULL } }, PRINT_DEST_TEST, 0 },
	{ "destination", "failed", "destination.failed",
	    "destination [-n count]", { "destination" }, 1, 1,
	    { { "-n", NULL, "count", OPT_COUNT } }, PRINT_DEST_FAILED, 0 },
	{ "destination", "retry", "destination.retry", "destination",
	    { "destination" }, 1, 1, { { NULL } }, PRINT_DEST_RETRY, 0 },
	{ "stats", NULL, "stats", "[source]", { "source" }, 0, 1, { { NULL } },
	    PRINT_STATS, 0 },
	{ "events", NULL, "events", "[-f] [-n count] [source]", { "source" },
	    0, 1, { { "-f", "--follow", "follow", OPT_TRUE },
	      { "-n", NULL, "count", OPT_COUNT } }, PRINT_EVENTS, 0 },
	{ "rejected", NULL, "rejected", "[-n count] [source]", { "source" },
	    0, 1, { { "-n", NULL, "count", OPT_COUNT } }, PRINT_REJECTED, 0 },
	{ "rejected", "show", "rejected.show", "id", { "id" }, 1, 1,
	    { { NULL } }, PRINT_REJECT, 0 },
	{ "send", NULL, "source.show",
	    "source [-t type] [-e event] [-u userId] [-p properties-json]",
	    { "source" }, 1, 1,
	    { { "-t", NULL, "type", OPT_STRING },
	      { "-e", NULL, "event", OPT_STRING },
	      { "-u", NULL, "userId", OPT_STRING },
	      { "-p", NULL, "properties", OPT_STRING } }, PRINT_SENT, 0 },
	{ "nodes", NULL, "nodes", "", { NULL }, 0, 0, { { NULL } },
	    PRINT_NODES, 0 },
	{ "catalog", "export", "catalog.export", "[file]", { "file" }, 0, 1,
	    { { NULL } }, PRINT_EXPORTED, 0 },
	{ "catalog", "import", "catalog.import", "file", { "file" }, 1, 1,
	    { { NULL } }, PRINT_IMPORTED, 0 },
};
#define NCMDS	(sizeof(cmds) / sizeof(cmds[0]))

/* The options without which a command is not complete: their keys. */
static const struct {
	const char	*proto;
	const char	*key;
} required[] = {
	{ "destination.add", "url" },
};

/* "word2" choices of word1, as "add, list, show" into buf; its length. */
static size_t
choices(const char *word1, char *buf, size_t len)
{
	size_t	i;

	buf[0] = '\0';
	for (i = 0; i < NCMDS; i++) {
		if (word1 == NULL) {
			if (i > 0 && strcmp(cmds[i].word1,
			    cmds[i - 1].word1) == 0)
				continue;
			if (buf[0] != '\0')
				strncat(buf, ", ", len - strlen(buf) - 1);
			strncat(buf, cmds[i].word1, len - strlen(buf) - 1);
		} else if (strcmp(cmds[i].word1, word1) == 0 &&
		    cmds[i].word2 != NULL) {
			if (buf[0] != '\0')
				strncat(buf, ", ", len - strlen(buf) - 1);
			strncat(buf, cmds[i].word2, len - strlen(buf) - 1);
		}
	}
	return strlen(buf);
}

static void
synopsis(const struct cmd *c, char *err, size_t errlen)
{
	snprintf(err, errlen, "usage: krctl %s%s%s%s%s", c->word1,
	    c->word2 ? " " : "", c->word2 ? c->word2 : "",
	    c->synopsis[0] ? " " : "", c->synopsis);
}

/* Add a string argument, checking that JSON can carry it. */
static int
add_string(json_t *args, const char *key, const char *value, char *err,
    size_t errlen)
{
	char		 buf[64];
	const char	*msg;

	if (strcmp(key, "name") == 0 && (msg = names_check(value,
	    strlen(value), (size_t)-1, buf, sizeof(buf))) != NULL &&
	    value[0] != '\0') {
		snprintf(err, errlen, "%s", msg);
		return -1;
	}
	if (!utf8_valid(value, strlen(value), NULL)) {
		snprintf(err, errlen, "%s contains invalid UTF-8 encoded "
		    "characters", key);
		return -1;
	}
	json_object_set_new(args, key, json_string(value));
	return 0;
}

/* The option already given for key. */
static const char *
setby_key(const struct cmd *c, const char *const *setby, const char *key)
{
	int	k;

	for (k = 0; k < CMD_MAXOPTS; k++)
		if (setby[k] != NULL && strcmp(c->opts[k].key, key) == 0)
			return setby[k];
	return "?";
}

json_t *
cmd_consents(const char *s)
{
	const char	*colon = strchr(s, ':'), *p, *comma;
	json_t		*purposes = json_array();
	char		*op = NULL;

	if (colon != NULL && memchr(s, ',', colon - s) == NULL) {
		op = strndup(s, colon - s);
		s = colon + 1;
	}
	for (p = s;; p = comma + 1) {
		comma = strchr(p, ',');
		json_array_append_new(purposes, json_stringn(p, comma ?
		    (size_t)(comma - p) : strlen(p)));
		if (comma == NULL)
			break;
	}
	if (op == NULL)
		return json_pack("{s:s,s:o}", "operator", "and", "purposes",
		    purposes);
	{
		json_t *o = json_pack("{s:s,s:o}", "operator", op, "purposes",
		    purposes);

		free(op);
		return o;
	}
}

/* The option of c that the n bytes at s name, or NULL. */
static const struct cmd_opt *
known_opt(const struct cmd *c, const char *s, size_t n)
{
	const struct cmd_opt	*o;

	for (o = c->opts; o < c->opts + CMD_MAXOPTS; o++)
		if (o->key != NULL && ((o->lopt != NULL &&
		    strlen(o->lopt) == n && memcmp(o->lopt, s, n) == 0) ||
		    (o->sopt != NULL && strlen(o->sopt) == n &&
		    memcmp(o->sopt, s, n) == 0)))
			return o;
	return NULL;
}

/* The option of c that sets the request argument key. */
static const struct cmd_opt *
opt_of_key(const struct cmd *c, const char *key)
{
	const struct cmd_opt	*o;

	for (o = c->opts; o < c->opts + CMD_MAXOPTS; o++)
		if (o->key != NULL && strcmp(o->key, key) == 0)
			return o;
	return NULL;
}

/* Whether o is a flag, which takes no value. */
static int
opt_flag(const struct cmd_opt *o)
{
	return o->kind == OPT_FALSE || o->kind == OPT_NULL ||
	    o->kind == OPT_TRUE;
}

/*
 * Why the argument a, which starts with '-', names no option of c: it
 * belongs before the command, it gives a known option a value after '=',
 * or it is unknown.
 */
static void
not_an_opt(const struct cmd *c, const char *a, char *err, size_t errlen)
{
	const struct cmd_opt	*o;
	const char		*eq = strchr(a, '=');
	int			 n = eq != NULL ? (int)(eq - a) : 0;

	if (strcmp(a, "-j") == 0 || strcmp(a, "-s") == 0) {
		snprintf(err, errlen, "%s goes before the command: krctl [-j] "
		    "[-s socket] command [argument ...]", a);
		return;
	}
	if (eq == NULL || (o = known_opt(c, a, (size_t)n)) == NULL)
		snprintf(err, errlen, "unknown option %s; ", a);
	else if (opt_flag(o))
		snprintf(err, errlen, "option %.*s takes no value; ", n, a);
	else
		snprintf(err, errlen, "option %.*s takes its value as the next "
		    "argument, not after '='; ", n, a);
	synopsis(c, err + strlen(err), errlen - strlen(err));
}

const struct cmd *
cmd_parse(int argc, char *const argv[], json_t **argsp, char *err,
    size_t errlen)
{
	const struct cmd	*c = NULL;
	const struct cmd_opt	*o;
	json_t			*args;
	const char		*setby[CMD_MAXOPTS];
	char			 list[256];
	size_t			 i;
	int			 words, npos = 0, j, k, opts_done = 0;

	memset(setby, 0, sizeof(setby));

	*argsp = NULL;
	if (argc == 0) {
		choices(NULL, list, sizeof(list));
		snprintf(err, errlen, "no command given; use one of: %s",
		    list);
		return NULL;
	}
	/*
	 * A command of one word ("rejected") may share it with commands of
	 * two ("rejected show"), which come after it: the second word picks
	 * one of those first.
	 */
	for (i = 0; i < NCMDS; i++) {
		if (strcmp(cmds[i].word1, argv[0]) != 0)
			continue;
		if (cmds[i].word2 == NULL) {
			c = &cmds[i];
			continue;
		}
		if (argc >= 2 && strcmp(cmds[i].word2, argv[1]) == 0) {
			c = &cmds[i];
			break;
		}
		if (argc < 2 && c == NULL) {
			choices(argv[0], list, sizeof(list));
			snprintf(err, errlen, "\"%s\" needs one of: %s",
			    argv[0], list);
			return NULL;
		}
	}
	if (c == NULL) {
		for (i = 0; i < NCMDS; i++)
			if (strcmp(cmds[i].word1, argv[0]) == 0)
				break;
		if (i == NCMDS) {
			choices(NULL, list, sizeof(list));
			snprintf(err, errlen, "unknown command \"%s\"; use one "
			    "of: %s", argv[0], list);
		} else {
			choices(argv[0], list, sizeof(list));
			snprintf(err, errlen, "unknown command \"%s %s\"; use "
			    "one of: %s", argv[0], argv[1], list);
		}
		return NULL;
	}
	words = c->word2 ? 2 : 1;
	args = json_object();
	for (j = words; j < argc; j++) {
		const char *a = argv[j];

		if (!opts_done && strcmp(a, "--") == 0) {
			opts_done = 1;
			continue;
		}
		if (!opts_done && a[0] == '-' && a[1] != '\0') {
			if ((o = known_opt(c, a, strlen(a))) == NULL) {
				not_an_opt(c, a, err, errlen);
				goto fail;
			}
			k = (int)(o - c->opts);
			/* A list option may be repeated, not mixed. */
			if (json_object_get(args, o->key) != NULL &&
			    (o->kind != OPT_LIST || setby[k] == NULL)) {
				if (setby[k] != NULL)
					snprintf(err, errlen, "option %s is "
					    "given twice", a);
				else
					snprintf(err, errlen, "options %s and "
					    "%s cannot be used together",
					    setby_key(c, setby, o->key), a);
				goto fail;
			}
			setby[k] = a;
			if (opt_flag(o)) {
				json_object_set_new(args, o->key,
				    o->kind == OPT_FALSE ? json_false() :
				    o->kind == OPT_TRUE ? json_true() :
				    json_null());
				continue;
			}
			if (j + 1 >= argc) {
				snprintf(err, errlen, "option %s needs a "
				    "value; ", a);
				synopsis(c, err + strlen(err),
				    errlen - strlen(err));
				goto fail;
			}
			if (o->kind == OPT_COUNT) {
				const char *errstr;
				long long n = strtonum(argv[j + 1], 0,
				    CMD_MAXCOUNT, &errstr);

				if (errstr != NULL) {
					snprintf(err, errlen, "%s: count must "
					    "be a number from 0 to %d", a,
					    CMD_MAXCOUNT);
					goto fail;
				}
				j++;
				json_object_set_new(args, o->key,
				    json_integer(n));
				continue;
			}
			if (o->kind == OPT_INT) {
				const char *errstr;
				long long n = strtonum(argv[j + 1],
				    -1000000000LL, 1000000000LL, &errstr);

				if (errstr != NULL) {
					snprintf(err, errlen, "%s: \"%s\" is "
					    "not an integer", a, argv[j + 1]);
					goto fail;
				}
				j++;
				json_object_set_new(args, o->key,
				    json_integer(n));
				continue;
			}
			if (o->kind == OPT_LIST) {
				if (!utf8_valid(argv[j + 1],
				    strlen(argv[j + 1]), NULL)) {
					snprintf(err, errlen, "%s contains "
					    "invalid UTF-8 encoded characters",
					    a);
					goto fail;
				}
				if (json_object_get(args, o->key) == NULL)
					json_object_set_new(args, o->key,
					    json_array());
				json_array_append_new(json_object_get(args,
				    o->key), json_string(argv[++j]));
				continue;
			}
			if (o->kind == OPT_CONSENTS) {
				if (!utf8_valid(argv[j + 1],
				    strlen(argv[j + 1]), NULL)) {
					snprintf(err, errlen, "consents contain "
					    "invalid UTF-8 encoded characters");
					goto fail;
				}
				json_object_set_new(args, o->key,
				    cmd_consents(argv[++j]));
				continue;
			}
			if (add_string(args, o->key, argv[++j], err,
			    errlen) == -1)
				goto fail;
			continue;
		}
		if (npos >= c->npos_max) {
			snprintf(err, errlen, "unexpected argument \"%s\"; ", a);
			synopsis(c, err + strlen(err), errlen - strlen(err));
			goto fail;
		}
		if (add_string(args, c->pos[npos++], a, err, errlen) == -1)
			goto fail;
	}
	if (npos < c->npos_min) {
		synopsis(c, err, errlen);
		goto fail;
	}
	for (i = 0; i < sizeof(required) / sizeof(required[0]); i++)
		if (strcmp(c->proto, required[i].proto) == 0 &&
		    json_object_get(args, required[i].key) == NULL) {
			o = opt_of_key(c, required[i].key);
			snprintf(err, errlen, "option %s is required; ",
			    o->lopt != NULL ? o->lopt : o->sopt);
			synopsis(c, err + strlen(err), errlen - strlen(err));
			goto fail;
		}
	if (c->needopt && json_object_size(args) == (size_t)npos) {
		snprintf(err, errlen, "%s %s needs at least one option; ",
		    c->word1, c->word2);
		synopsis(c, err + strlen(err), errlen - strlen(err));
		goto fail;
	}
	*argsp = args;
	return c;
fail:
	json_decref(args);
	return NULL;
}

void
cmd_usage(FILE *fp)
{
	size_t	i;

	for (i = 0; i < NCMDS; i++)
		fprintf(fp, "\t%s%s%s%s%s\n", cmds[i].word1,
		    cmds[i].word2 ? " " : "", cmds[i].word2 ? cmds[i].word2 : "",
		    cmds[i].synopsis[0] ? " " : "", cmds[i].synopsis);
}

int
cmd_help(FILE *fp, int argc, char *const argv[], char *err, size_t errlen)
{
	char	line[512], list[256];
	size_t	i;
	int	found = 0;

	/* "help help" is the usage, printed by the caller: nothing after. */
	if (argc > 2 || (argc == 2 && strcmp(argv[0], "help") == 0))
		goto unexpected;
	for (i = 0; i < NCMDS; i++) {
		if (argc > 0 && strcmp(cmds[i].word1, argv[0]) != 0)
			continue;
		if (argc > 1 && (cmds[i].word2 == NULL ||
		    strcmp(cmds[i].word2, argv[1]) != 0))
			continue;
		synopsis(&cmds[i], line, sizeof(line));
		fprintf(fp, "%s\n", line);
		found = 1;
	}
	if (found)
		return 0;
	if (argc > 1) {
		for (i = 0; i < NCMDS; i++)
			if (strcmp(cmds[i].word1, argv[0]) == 0)
				break;
	} else
		i = NCMDS;
	if (i < NCMDS) {
		/* A command of one word has no second to choose. */
		if (choices(argv[0], list, sizeof(list)) == 0)
			goto unexpected;
		snprintf(err, errlen, "unknown command \"%s %s\"; use one "
		    "of: %s", argv[0], argv[1], list);
	} else {
		choices(NULL, list, sizeof(list));
		snprintf(err, errlen, "unknown command \"%s\"; use one of: "
		    "%s", argv[0], list);
	}
	return -1;
unexpected:
	snprintf(err, errlen, "unexpected argument \"%s\"; usage: krctl help "
	    "[command]", argv[argc - 1]);
	return -1;
}
