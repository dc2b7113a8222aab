/*
 * Unit tests of krenalisd/command.c: the argument checker of the admin
 * commands, its replies for each kind of argument, and the command table.
 */
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "unit.h"
#include "../../krenalisd/catalog.h"
#include "../../krenalisd/command.h"

/* A template with one argument of each kind. */
static const struct command_entry every_kind = {
	"test.kinds", {
		{ "s", CMD_ARG_STRING, 1 },
		{ "o", CMD_ARG_STRING, 0 },
		{ "b", CMD_ARG_BOOL, 0 },
		{ "n", CMD_ARG_COUNT, 0 },
		{ "f", CMD_ARG_FILTER, 0 },
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

	if ((args = json_loads(text, 0, &jerr)) == NULL) {
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
	return UNIT_END();
}
