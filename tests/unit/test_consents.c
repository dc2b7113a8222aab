/* Unit tests of required consents (spec/pipelines.md §4.3). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "unit.h"
#include "../../krctl/cmd.h"
#include "../../krenalisd/consents.h"
#include "../../krenalisd/event.h"

static const char *
check_json(const char *text)
{
	static char	 err[1024];
	struct consents	 c;
	json_t		*j = json_loads(text, JSON_ALLOW_NUL, NULL);

	if (consents_from_json(j, &c, err, sizeof(err)) == 0) {
		strcpy(err, "(valid)");
		consents_release(&c);
	}
	json_decref(j);
	return err;
}

static void
test_validation(void)
{
	char	*many, *p;
	int	 i;

	CHECK_STR(check_json("{\"operator\":\"and\",\"purposes\":[]}"),
	    "(valid)");
	CHECK_STR(check_json("{\"operator\":\"or\",\"purposes\":[\"a_1\","
	    "\"_b\"]}"), "(valid)");
	CHECK_STR(check_json("{\"operator\":\"xor\",\"purposes\":[]}"),
	    "required consents operator \"xor\" is not valid. It must be "
	    "\"and\" or \"or\"");
	/* A NUL byte is not the end of the operator: "and\0x" is not "and". */
	CHECK_STR(check_json("{\"operator\":\"and\\u0000x\",\"purposes\":[]}"),
	    "required consents operator \"and\\u0000x\" is not valid. It must "
	    "be \"and\" or \"or\"");
	CHECK_STR(check_json("{\"operator\":5}"), "required consents "
	    "operator \"5\" is not valid. It must be \"and\" or \"or\"");
	CHECK_STR(check_json("{\"purposes\":[\"a\",\"a\"]}"),
	    "required consent purpose \"a\" is duplicated");
	CHECK_STR(check_json("{\"purposes\":[\"1a\"]}"), "code \"1a\" is not "
	    "a valid consent purpose code. Consent purpose codes must be from "
	    "1 to 100 characters long, must start with a letter or underscore "
	    "[A-Za-z_] and subsequently contain only letters, numbers, or "
	    "underscores [A-Za-z0-9_]");
	CHECK_STR(check_json("{\"purposes\":[\"\"]}"), "code \"\" is not a "
	    "valid consent purpose code. Consent purpose codes must be from "
	    "1 to 100 characters long, must start with a letter or underscore "
	    "[A-Za-z_] and subsequently contain only letters, numbers, or "
	    "underscores [A-Za-z0-9_]");
	/* 101 purposes. */
	many = malloc(101 * 8 + 64);
	p = many + sprintf(many, "{\"purposes\":[");
	for (i = 0; i < 101; i++)
		p += sprintf(p, "%s\"p%d\"", i ? "," : "", i);
	strcpy(p, "]}");
	CHECK_STR(check_json(many), "required consent purposes must be at "
	    "most 100");
	free(many);
}

static void
test_satisfied(void)
{
	struct consents		c;
	struct event_consent	ec[] = { { "ads", 1 }, { "analytics", 0 },
				    { "email", 1 } };
	struct event_context	ctx;
	char			err[256];
	json_t			*j;

	memset(&ctx, 0, sizeof(ctx));
	ctx.present = 1ULL << EVENT_CONSENTS;
	ctx.consents = ec;
	ctx.nconsents = 3;

	consents_init(&c);
	CHECK(consents_satisfied(&c, NULL));
	j = json_loads("{\"operator\":\"and\",\"purposes\":[\"ads\","
	    "\"email\"]}", 0, NULL);
	CHECK_INT(consents_from_json(j, &c, err, sizeof(err)), 0);
	json_decref(j);
	CHECK(consents_satisfied(&c, &ctx));
	CHECK(!consents_satisfied(&c, NULL));
	consents_release(&c);
	j = json_loads("{\"operator\":\"and\",\"purposes\":[\"ads\","
	    "\"analytics\"]}", 0, NULL);
	consents_from_json(j, &c, err, sizeof(err));
	json_decref(j);
	CHECK(!consents_satisfied(&c, &ctx));
	c.any = 1;
	CHECK(consents_satisfied(&c, &ctx));
	consents_release(&c);
	j = json_loads("{\"operator\":\"or\",\"purposes\":[\"analytics\","
	    "\"zzz\"]}", 0, NULL);
	consents_from_json(j, &c, err, sizeof(err));
	json_decref(j);
	CHECK(!consents_satisfied(&c, &ctx));
	consents_release(&c);
}

static void
test_krctl_form(void)
{
	static const struct {
		const char	*arg;
		const char	*json;
	} cases[] = {
		{ "analytics", "{\"operator\":\"and\",\"purposes\":"
		    "[\"analytics\"]}" },
		{ "or:analytics,ads", "{\"operator\":\"or\",\"purposes\":"
		    "[\"analytics\",\"ads\"]}" },
		{ "and:a", "{\"operator\":\"and\",\"purposes\":[\"a\"]}" },
		{ "a,b:c", "{\"operator\":\"and\",\"purposes\":[\"a\",\"b:c\"]}" },
		{ "xor:a", "{\"operator\":\"xor\",\"purposes\":[\"a\"]}" },
	};
	size_t	 i;
	json_t	*j;
	char	*s;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		j = cmd_consents(cases[i].arg);
		s = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
		CHECK_STR(s, cases[i].json);
		free(s);
		json_decref(j);
	}
}

int
main(void)
{
	UNIT_RUN(test_validation);
	UNIT_RUN(test_satisfied);
	UNIT_RUN(test_krctl_form);
	return UNIT_END();
}
