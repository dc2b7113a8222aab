/*
 * libFuzzer target of the admin commands (krenalisd/command.c) on a real
 * SQLite catalog and warehouse, in a directory of /dev/shm when there is
 * one.  The input is lines, each a request: its first byte chooses the
 * command ('A' source.add, 'B' source.list, ... in the order of names
 * below), the rest is the arguments, run when they are a JSON object.
 * The commands that need a node, the network or the debugger (status,
 * nodes, destination.test, events) are left out.
 *
 * Every request must be answered with data or with an error that has a
 * code and a message of valid UTF-8, never both and never neither (an
 * internal error, which a catalog on a healthy disk never has).  After
 * the last request the catalog, whatever the requests made of it, must
 * move: its export imports into a fresh catalog, whose export is the
 * same document but for its time.
 */
#include <sys/stat.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "utf8.h"
#include "xmalloc.h"
#include "catalog.h"
#include "command.h"
#include "config.h"
#include "control.h"
#include "warehouse.h"

static const char *const names[] = {
	"source.add", "source.list", "source.show", "source.rename",
	"source.rm", "key.list", "key.add", "key.rm", "pipeline.add",
	"pipeline.list", "pipeline.show", "pipeline.set", "pipeline.enable",
	"pipeline.disable", "pipeline.rm", "catalog.export", "catalog.import",
	"destination.add", "destination.list", "destination.show",
	"destination.set", "destination.enable", "destination.disable",
	"destination.rm", "destination.failed", "destination.retry", "stats",
	"rejected", "rejected.show",
};
#define NNAMES	(sizeof(names) / sizeof(names[0]))

static struct config	 cf;
static struct control_ctx ctx;
static char		 dir[64];

static void	fail(const char *why, const char *name, const char *detail)
    __attribute__((__noreturn__));

static void
fail(const char *why, const char *name, const char *detail)
{
	fprintf(stderr, "command %s: %s: %s\n", name, why, detail);
	abort();
}

/* At exit: the directory and what is in it. */
static void
cleanup(void)
{
	char	*cmd;

	if (ctx.warehouse != NULL)
		warehouse_close(ctx.warehouse);
	xasprintf(&cmd, "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", dir);
	free(cmd);
}

/* The directory, the warehouse and the configuration, once. */
static void
setup(void)
{
	char	why[512];

	snprintf(dir, sizeof(dir), "%s/krenalis-fuzz-cmd.XXXXXX",
	    access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
	if (mkdtemp(dir) == NULL)
		fail("mkdtemp", "setup", dir);
	atexit(cleanup);
	config_init(&cf);
	free(cf.data_dir);
	cf.data_dir = xstrdup(dir);
	ctx.cf = &cf;
	ctx.endpoint = "http://127.0.0.1:2022/v1/events";
	ctx.version = "fuzz";
	ctx.dbgfd = -1;
	if ((ctx.warehouse = warehouse_open("sqlite", &cf, why,
	    sizeof(why))) == NULL ||
	    warehouse_ensure_schema(ctx.warehouse, why, sizeof(why)) == -1)
		fail("warehouse", "setup", why);
}

/* A fresh catalog at dir/name. */
static struct catalog *
fresh(const char *name)
{
	struct catalog	*cat;
	char		 path[128], why[512];

	snprintf(path, sizeof(path), "%s/%s-wal", dir, name);
	unlink(path);
	snprintf(path, sizeof(path), "%s/%s-shm", dir, name);
	unlink(path);
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	unlink(path);
	if ((cat = catalog_open(path, ctx.endpoint, why, sizeof(why))) == NULL)
		fail("catalog_open", name, why);
	return cat;
}

static void
run(const char *name, json_t *args)
{
	struct command	 r;
	json_t		*data;
	char		*text;
	size_t		 runes;

	memset(&r, 0, sizeof(r));
	r.entry = command_find(name);
	r.ctx = &ctx;
	r.args = args;
	data = command_exec(&r);
	if (data != NULL) {
		if (r.err.code != NULL)
			fail("data and an error", name, r.err.code);
		if ((text = json_dumps(data, JSON_ENCODE_ANY)) == NULL)
			fail("data not JSON", name, "");
		free(text);
		json_decref(data);
	} else {
		if (r.err.code == NULL)
			fail("internal error", name, r.err.message);
		if (r.err.message[0] == '\0' || !utf8_valid(r.err.message,
		    strlen(r.err.message), &runes))
			fail("bad error message", name, r.err.message);
	}
	free(r.raw_data);
	if (r.feed != NULL)
		command_feed_free(r.feed);
}

/* The catalog of ctx moves to a fresh one, and back out the same. */
static void
moves(void)
{
	struct catalog		*to = fresh("to.db");
	struct catalog_error	 ce;
	json_t			*doc, *again, *counts;
	char			*a, *b;

	memset(&ce, 0, sizeof(ce));
	if ((doc = catalog_export(ctx.cat, &ce)) == NULL)
		fail("no export", ce.code ? ce.code : "-", ce.message);
	if ((counts = catalog_import(to, doc, &ce)) == NULL) {
		a = json_dumps(doc, 0);
		fprintf(stderr, "%s\n", a);
		fail("export does not import", ce.code ? ce.code : "-",
		    ce.message);
	}
	json_decref(counts);
	if ((again = catalog_export(to, &ce)) == NULL)
		fail("no export of the import", ce.code ? ce.code : "-",
		    ce.message);
	json_object_del(doc, "exportedAt");
	json_object_del(again, "exportedAt");
	if (!json_equal(doc, again)) {
		a = json_dumps(doc, JSON_SORT_KEYS);
		b = json_dumps(again, JSON_SORT_KEYS);
		fprintf(stderr, "%s\n%s\n", a, b);
		fail("export imported is not the same", "", "");
	}
	json_decref(doc);
	json_decref(again);
	catalog_close(to);
}

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char	*p = (const char *)data, *nl;
	size_t		 n = size, len;
	json_t		*args;
	json_error_t	 e;

	if (ctx.warehouse == NULL)
		setup();
	ctx.cat = fresh("state.db");
	while (n > 0) {
		nl = memchr(p, '\n', n);
		len = nl != NULL ? (size_t)(nl - p) : n;
		if (len > 0) {
			args = json_loadb(p + 1, len - 1, 0, &e);
			if (json_is_object(args))
				run(names[(unsigned char)(p[0] - 'A') %
				    NNAMES], args);
			json_decref(args);
		}
		if (nl == NULL)
			break;
		n -= len + 1;
		p = nl + 1;
	}
	moves();
	catalog_close(ctx.cat);
	ctx.cat = NULL;
	return 0;
}
