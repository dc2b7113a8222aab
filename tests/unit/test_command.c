/*
 * Unit tests of krenalisd/command.c: the argument checker of the admin
 * commands, its replies for each kind of argument, the command table, and
 * the quarantine's rows fed a piece at a time.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "unit.h"
#include "buf.h"
#include "timestamp.h"
#include "xmalloc.h"
#include "../../krenalisd/catalog.h"
#include "../../krenalisd/command.h"
#include "../../krenalisd/config.h"
#include "../../krenalisd/control.h"
#include "../../krenalisd/warehouse.h"

/* A template with one argument of each kind. */
static const struct command_entry every_kind = {
	"test.kinds", {
		{ "s", CMD_ARG_STRING, 1 },
		{ "o", CMD_ARG_STRING, 0 },
		{ "b", CMD_ARG_BOOL, 0 },
		{ "n", CMD_ARG_COUNT, 0 },
		{ "f", CMD_ARG_FILTER, 0 },
		{ "t", CMD_ARG_TEXT, 0 },
		{ "a", CMD_ARG_STRINGS, 0 },
		{ NULL } }, NULL
};

static const struct command_entry one_object = {
	"test.object", {
		{ "c", CMD_ARG_OBJECT, 0 },
		{ NULL } }, NULL
};

/*
 * Check the arguments text (a JSON object) against e: "ok", or the error
 * message, which must come with the code BadRequest.
 */
static const char *
check(const struct command_entry *e, const char *text)
{
	static struct catalog_error	 err;
	json_error_t			 jerr;
	json_t				*args;
	int				 rc;

	if ((args = json_loads(text, JSON_ALLOW_NUL, &jerr)) == NULL) {
		printf("  bad test input %s: %s\n", text, jerr.text);
		return "bad test input";
	}
	memset(&err, 0, sizeof(err));
	rc = command_check(e, args, &err);
	json_decref(args);
	if (rc == 0)
		return err.code == NULL ? "ok" : "error set on success";
	if (rc != -1 || err.code == NULL ||
	    strcmp(err.code, "BadRequest") != 0)
		return "not a BadRequest";
	return err.message;
}

static void
test_string(void)
{
	CHECK_STR(check(&every_kind, "{\"s\":\"x\"}"), "ok");
	CHECK_STR(check(&every_kind, "{\"s\":\"\"}"), "ok");
	CHECK_STR(check(&every_kind, "{\"s\":\"x\",\"o\":\"y\"}"), "ok");
	CHECK_STR(check(&every_kind, "{\"s\":\"x\",\"o\":null}"), "ok");
	CHECK_STR(check(&every_kind, "{\"s\":7}"),
	    "argument \"s\" must be a string");
	CHECK_STR(check(&every_kind, "{\"s\":\"x\",\"o\":[]}"),
	    "argument \"o\" must be a string");
	/* Null stands for absent only where the argument is optional. */
	CHECK_STR(check(&every_kind, "{\"s\":null}"),
	    "argument \"s\" must be a string");
	/*
	 * A NUL byte would end the string where the command reads it: only
	 * a text or a filter, read with their length, may hold one.
	 */
	CHECK_STR(check(&every_kind, "{\"s\":\"a\\u0000b\"}"),
	    "argument \"s\" contains the NUL byte");
	CHECK_STR(check(&every_kind, "{\"s\":\"x\",\"o\":\"\\u0000\"}"),
	    "argument \"o\" contains the NUL byte");
	CHECK_STR(check(&every_kind,
	    "{\"s\":\"x\",\"a\":[\"h: 1\",\"h\\u0000\"]}"),
	    "argument \"a\" contains the NUL byte");
	CHECK_STR(check(&every_kind, "{\"s\":\"x\",\"t\":\"a\\u0000b\"}"),
	    "ok");
	CHECK_STR(check(&every_kind,
	    "{\"s\":\"x\",\"f\":\"a exists\\u0000\"}"), "ok");
	CHECK_STR(check(&every_kind, "{\"s\":\"x\",\"t\":7}"),
	    "argument \"t\" must be a string");
}

static void
test_missing(void)
{
	CHECK_STR(check(&every_kind, "{}"), "missing argument \"s\"");
	CHECK_STR(check(&every_kind, "{\"o\":\"y\",\"b\":true}"),
	    "missing argument \"s\"");
	CHECK_STR(check(&one_object, "{}"), "ok");
}

static void
test_bool(void)
{
	CHECK_STR(check(&every_kind, "{\"s\":\"x\",\"b\":true}"), "ok");
	CHECK_STR(check(&every_kind, "{\"s\":\"x\",\"b\":false}"), "ok");
	CHECK_STR(check(&every_kind, "{\"s\":\"x\",\"b\":null}"),
	    "argument \"b\" must be true or false");
	CHECK_STR(check(&every_kind, "{\"s\":\"x\",\"b\":1}"),
	    "argument \"b\" must be true or false");
	CHECK_STR(check(&every_kind, "{\"s\":\"x\",\"b\":\"yes\"}"),
	    "argument \"b\" must be true or false");
}

static void
test_count(void)
{
	const char	*msg;

	msg = "argument \"n\" must be an integer from 0 to 100000";

	CHECK_STR(check(&every_kind, "{\"s\":\"x\",\"n\":0}"), "ok");
	CHECK_STR(check(&every_kind, "{\"s\":\"x\",\"n\":100000}"), "ok");
	CHECK_STR(check(&every_kind, "{\"s\":\"x\",\"n\":null}"), "ok");
	CHECK_STR(check(&every_kind, "{\"s\":\"x\",\"n\":-1}"), msg);
	CHECK_STR(check(&every_kind, "{\"s\":\"x\",\"n\":100001}"), msg);
	CHECK_STR(check(&every_kind, "{\"s\":\"x\",\"n\":1.5}"), msg);
	CHECK_STR(check(&every_kind, "{\"s\":\"x\",\"n\":\"3\"}"), msg);
	CHECK_STR(check(&every_kind, "{\"s\":\"x\",\"n\":true}"), msg);
}

static void
test_filter_and_object(void)
{
	CHECK_STR(check(&every_kind, "{\"s\":\"x\",\"f\":\"type is 'x'\"}"),
	    "ok");
	CHECK_STR(check(&every_kind, "{\"s\":\"x\",\"f\":{}}"), "ok");
	CHECK_STR(check(&every_kind, "{\"s\":\"x\",\"f\":null}"), "ok");
	CHECK_STR(check(&every_kind, "{\"s\":\"x\",\"f\":5}"),
	    "argument \"f\" must be a string, an object or null");
	CHECK_STR(check(&every_kind, "{\"s\":\"x\",\"f\":[]}"),
	    "argument \"f\" must be a string, an object or null");
	CHECK_STR(check(&one_object, "{\"c\":{\"a\":1}}"), "ok");
	CHECK_STR(check(&one_object, "{\"c\":null}"), "ok");
	CHECK_STR(check(&one_object, "{\"c\":\"x\"}"),
	    "argument \"c\" must be an object or null");
	CHECK_STR(check(&one_object, "{\"c\":[1]}"),
	    "argument \"c\" must be an object or null");
}

static void
test_unknown(void)
{
	CHECK_STR(check(&every_kind, "{\"s\":\"x\",\"colour\":\"red\"}"),
	    "unknown argument \"colour\" for test.kinds");
	CHECK_STR(check(&one_object, "{\"\":1}"),
	    "unknown argument \"\" for test.object");
	/* Unknown arguments are found before missing or mistyped ones. */
	CHECK_STR(check(&every_kind, "{\"n\":-1,\"zz\":1}"),
	    "unknown argument \"zz\" for test.kinds");
}

/* The first fault in the template's order is the one reported. */
static void
test_order(void)
{
	CHECK_STR(check(&every_kind, "{\"f\":5,\"b\":1,\"s\":7}"),
	    "argument \"s\" must be a string");
	CHECK_STR(check(&every_kind, "{\"f\":5,\"b\":1,\"s\":\"x\"}"),
	    "argument \"b\" must be true or false");
}

/* The commands of the protocol are found by name, with their templates. */
static void
test_table(void)
{
	const struct command_entry	*e;

	CHECK(command_find("self.destruct") == NULL);
	CHECK(command_find("source") == NULL);
	if ((e = command_find("status")) == NULL) {
		CHECK(!"status is a command");
		return;
	}
	CHECK_STR(e->name, "status");
	CHECK_STR(check(e, "{}"), "ok");
	CHECK_STR(check(e, "{\"verbose\":true}"),
	    "unknown argument \"verbose\" for status");
	if ((e = command_find("source.add")) == NULL) {
		CHECK(!"source.add is a command");
		return;
	}
	CHECK_STR(check(e, "{\"name\":\"x\",\"colour\":\"red\"}"),
	    "unknown argument \"colour\" for source.add");
	CHECK_STR(check(e, "{\"name\":7}"),
	    "argument \"name\" must be a string");
	CHECK_STR(check(e, "{\"connector\":\"segment\"}"),
	    "missing argument \"name\"");
	if ((e = command_find("pipeline.set")) == NULL) {
		CHECK(!"pipeline.set is a command");
		return;
	}
	CHECK_STR(check(e, "{\"pipeline\":\"p\",\"filter\":null,"
	    "\"consents\":\"x\"}"),
	    "argument \"consents\" must be an object or null");
	if ((e = command_find("events")) == NULL) {
		CHECK(!"events is a command");
		return;
	}
	CHECK_STR(check(e, "{\"count\":7,\"follow\":true}"), "ok");
	CHECK_STR(check(e, "{\"follow\":\"yes\"}"),
	    "argument \"follow\" must be true or false");
}

/*
 * Run the command name with the arguments text on ctx: its feed, or NULL
 * with the error code and message in err.
 */
static struct command_feed *
run(struct control_ctx *ctx, const char *name, const char *args,
    struct catalog_error *err)
{
	struct command	 r;
	json_t		*data;

	memset(&r, 0, sizeof(r));
	r.entry = command_find(name);
	r.ctx = ctx;
	r.args = json_loads(args, 0, NULL);
	data = command_exec(&r);
	json_decref(r.args);
	*err = r.err;
	CHECK(data == NULL || json_is_null(data));
	json_decref(data);
	return r.feed;
}

/*
 * The whole text of the feed f, which it frees, as JSON; the number of
 * pieces in *pieces and the longest in *longest.
 */
static json_t *
feed_json(struct command_feed *f, int *pieces, size_t *longest)
{
	struct buf	 b, piece;
	json_error_t	 jerr;
	json_t		*o;
	int		 rc;

	buf_init(&b);
	buf_init(&piece);
	*pieces = 0;
	*longest = 0;
	do {
		piece.len = 0;
		rc = command_feed_fill(f, &piece);
		buf_add(&b, piece.p, piece.len);
		if (piece.len > *longest)
			*longest = piece.len;
		(*pieces)++;
	} while (rc == 1 && *pieces < 1000);
	CHECK_INT(rc, 0);
	command_feed_free(f);
	buf_release(&piece);
	if ((o = json_loadb(b.p, b.len, 0, &jerr)) == NULL)
		printf("  not JSON: %s\n", jerr.text);
	buf_release(&b);
	return o;
}

/*
 * "rejected" and "rejected.show" on a quarantine of 40 rows, the last
 * with a raw text of 300000 bytes: the list comes 16 rows a piece with
 * that text cut at 1024 bytes on a character boundary; shown, the row
 * comes whole, 64 KiB of raw text a piece.
 */
static void
test_rejected(void)
{
	struct control_ctx	 ctx;
	struct config		 cf;
	struct catalog_error	 err;
	struct wh_session	*s;
	struct wh_reject	 r;
	struct command_feed	*f;
	json_t			*a, *o;
	char			 dir[] = "/tmp/krenalis-cmd.XXXXXX", why[512];
	char			*big, raw[32], *cmd;
	size_t			 i, longest;
	int			 pieces;

	config_init(&cf);
	if (mkdtemp(dir) == NULL) {
		CHECK(!"mkdtemp");
		return;
	}
	free(cf.data_dir);
	cf.data_dir = xstrdup(dir);
	memset(&ctx, 0, sizeof(ctx));
	ctx.warehouse = warehouse_open("sqlite", &cf, why, sizeof(why));
	CHECK(ctx.warehouse != NULL);
	CHECK_INT(warehouse_ensure_schema(ctx.warehouse, why, sizeof(why)), 0);
	s = warehouse_session_new(ctx.warehouse, why, sizeof(why));
	big = xmalloc(300000);
	for (i = 0; i < 300000; i += 3)
		memcpy(big + i, "\xc3\xa9\"", 3);
	CHECK_INT(warehouse_begin(s, timestamp_monotonic()), 0);
	memset(&r, 0, sizeof(r));
	r.received_at = "2025-10-20T16:15:25.001Z";
	r.connection_id = "7bXk2mQp9RtL";
	r.request_id = "3yVqKp8ZtW1mN4cR";
	r.error = "expected an object for the event";
	for (i = 0; i < 40; i++) {
		snprintf(raw, sizeof(raw), "[%zu]", i);
		r.index = (int64_t)i;
		r.raw = i < 39 ? raw : big;
		r.rawlen = i < 39 ? strlen(raw) : 300000;
		CHECK_INT(warehouse_reject(s, &r), 0);
	}
	CHECK_INT(warehouse_commit(s), 0);

	f = run(&ctx, "rejected", "{\"count\":100}", &err);
	CHECK(f != NULL);
	a = feed_json(f, &pieces, &longest);
	CHECK_INT(pieces, 3);
	CHECK(longest < 16 * 1024);
	CHECK_INT(json_array_size(a), 40);
	o = json_array_get(a, 0);
	CHECK_STR(json_string_value(json_object_get(o, "id")), "1");
	CHECK_STR(json_string_value(json_object_get(o, "raw")), "[0]");
	CHECK_INT(json_integer_value(json_object_get(o, "rawBytes")), 3);
	CHECK(json_is_false(json_object_get(o, "rawTruncated")));
	o = json_array_get(a, 39);
	CHECK_STR(json_string_value(json_object_get(o, "id")), "40");
	CHECK_INT(json_string_length(json_object_get(o, "raw")), 1023);
	CHECK_INT(json_integer_value(json_object_get(o, "rawBytes")), 300000);
	CHECK(json_is_true(json_object_get(o, "rawTruncated")));
	json_decref(a);

	f = run(&ctx, "rejected", "{\"count\":2}", &err);
	a = feed_json(f, &pieces, &longest);
	CHECK_INT(pieces, 1);
	CHECK_INT(json_array_size(a), 2);
	CHECK_STR(json_string_value(json_object_get(json_array_get(a, 0),
	    "id")), "39");
	json_decref(a);
	f = run(&ctx, "rejected", "{\"count\":0}", &err);
	a = feed_json(f, &pieces, &longest);
	CHECK_INT(json_array_size(a), 0);
	json_decref(a);

	f = run(&ctx, "rejected.show", "{\"id\":\"40\"}", &err);
	CHECK(f != NULL);
	o = feed_json(f, &pieces, &longest);
	CHECK_INT(pieces, 5);
	CHECK(longest < 7 * 64 * 1024);
	CHECK_STR(json_string_value(json_object_get(o, "id")), "40");
	CHECK_INT(json_string_length(json_object_get(o, "raw")), 300000);
	CHECK(memcmp(json_string_value(json_object_get(o, "raw")), big,
	    300000) == 0);
	CHECK_INT(json_integer_value(json_object_get(o, "rawBytes")), 300000);
	CHECK(json_is_false(json_object_get(o, "rawTruncated")));
	json_decref(o);
	f = run(&ctx, "rejected.show", "{\"id\":\"2\"}", &err);
	o = feed_json(f, &pieces, &longest);
	CHECK_STR(json_string_value(json_object_get(o, "raw")), "[1]");
	json_decref(o);
	for (i = 0; i < 4; i++) {
		static const char *const ids[] = { "41", "0", "x1", "" };
		char args[64];

		snprintf(args, sizeof(args), "{\"id\":\"%s\"}", ids[i]);
		CHECK(run(&ctx, "rejected.show", args, &err) == NULL);
		CHECK_STR(err.code, "NotFound");
		snprintf(args, sizeof(args), "rejected event \"%s\" does not "
		    "exist", ids[i]);
		CHECK_STR(err.message, args);
	}
	CHECK(run(&ctx, "rejected.show", "{}", &err) == NULL);
	CHECK_STR(err.message, "missing argument \"id\"");

	free(big);
	warehouse_session_free(s);
	warehouse_close(ctx.warehouse);
	config_release(&cf);
	xasprintf(&cmd, "rm -rf '%s'", dir);
	CHECK_INT(system(cmd), 0);
	free(cmd);
}

int
main(void)
{
	UNIT_RUN(test_string);
	UNIT_RUN(test_missing);
	UNIT_RUN(test_bool);
	UNIT_RUN(test_count);
	UNIT_RUN(test_filter_and_object);
	UNIT_RUN(test_unknown);
	UNIT_RUN(test_order);
	UNIT_RUN(test_table);
	UNIT_RUN(test_rejected);
	return UNIT_END();
}
