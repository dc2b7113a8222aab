/*
 * libFuzzer target of the filter compilers (krenalisd/filter*.c).  The
 * input is compiled as a text form (filters.md §8) and, when jansson
 * reads it, as a JSON form (§1).  A compiled filter prints a canonical
 * text and JSON that compile again to the same text and JSON, whichever
 * form it came from, and evaluates without fault on a sample event.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "event.h"
#include "filter.h"

#define DUMP_FLAGS	(JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY)

/*
 * The event of tests/fixtures/seed.json, with the properties of the
 * examples of filters.md §7.5 and a number beyond a double's precision.
 */
static const char seed[] = "{\"anonymousId\":"
    "\"b27c5d9f-92a7-4d30-b21a-4df21a6872c2\",\"context\":{\"browser\":"
    "{\"name\":\"Safari\",\"version\":\"17.2.1\"},\"ip\":\"172.91.24.57\","
    "\"library\":{\"name\":\"krenalis.js\",\"version\":\"1.0.0\"},"
    "\"locale\":\"en-US\",\"os\":{\"name\":\"macOS\",\"version\":\"14.5\"},"
    "\"page\":{\"path\":\"/dashboard\",\"title\":\"User Dashboard\",\"url\":"
    "\"https://app.example.com/dashboard\"},\"screen\":{\"width\":3024,"
    "\"height\":1964,\"density\":2},\"session\":{\"id\":\"1766272512048\"},"
    "\"timezone\":\"America/Los_Angeles\",\"traits\":{\"plan\":\"pro\","
    "\"age\":41}},\"event\":\"Workout Completed\",\"messageId\":"
    "\"f9189a52-b37b-4d7d-9f2d-08b91d85fa9c\",\"properties\":"
    "{\"plan\":\"pro\",\"price\":670,\"tags\":[\"a\",812.0],\"flag\":true,"
    "\"n\":null,\"s\":\"810\",\"client id\":\"abc\","
    "\"big\":123456789012345678901234567890.5e3},"
    "\"sentAt\":\"2025-10-20T16:15:24.327Z\",\"originalTimestamp\":"
    "\"2025-10-20T16:15:23.992Z\",\"timestamp\":\"2025-10-20T16:15:24.010Z\","
    "\"type\":\"track\",\"userId\":\"703991475\"}";

static struct event	 sample;
static int		 sample_ok;

static void	fail(const char *why, const char *a, const char *b)
    __attribute__((__noreturn__));

static void
fail(const char *why, const char *a, const char *b)
{
	fprintf(stderr, "filter: %s\n  first:  %s\n  second: %s\n", why,
	    a != NULL ? a : "(null)", b != NULL ? b : "(null)");
	abort();
}

static char *
dump(const json_t *j)
{
	return json_dumps(j, DUMP_FLAGS);
}

/* Evaluate f on the sample event, with and without a reason asked. */
static void
evaluate(const struct filter *f)
{
	struct filter_event	fe;
	struct filter_result	res;
	int			rc;

	if (!sample_ok) {
		struct event_req	er;

		memset(&er, 0, sizeof(er));
		er.received_at = 1760976925001;
		er.source_id = "7bXk2mQp9RtL";
		er.shape = EVENT_SHAPE_OBJECT;
		if (event_decode(&er, seed, strlen(seed), &sample) == -1)
			fail("the sample event is rejected", sample.error,
			    NULL);
		sample_ok = 1;
	}
	filter_event_init(&fe, &sample);
	rc = filter_eval(f, &fe, &res);
	if ((rc == 1) != (res.reason == FILTER_PASSED))
		fail("the result and its reason disagree", NULL, NULL);
	if (res.reason == FILTER_FAILED_CONDITION &&
	    (res.index >= filter_count(f) || res.text == NULL ||
	    strcmp(res.text, filter_condition_text(f, res.index)) != 0))
		fail("the failed condition is not the filter's", res.text,
		    NULL);
	/* Without a result wanted, the same answer. */
	filter_event_init(&fe, &sample);
	if (filter_eval(f, &fe, NULL) != rc)
		fail("the result differs without a reason", NULL, NULL);
}

/* The JSON form of g is json; g is freed. */
static void
check_json(struct filter *g, const char *json, const char *why)
{
	json_t	*j = filter_to_json(g);
	char	*s = dump(j);

	if (strcmp(s, json) != 0)
		fail(why, json, s);
	free(s);
	json_decref(j);
	filter_free(g);
}

/*
 * The canonical forms of f compile again to the same forms, and f
 * evaluates; then f is freed.
 */
static void
check_compiled(struct filter *f)
{
	struct filter	*g;
	json_t		*j;
	char		 err[FILTER_ERRSZ], *text, *json, *s;

	text = filter_to_text(f);
	j = filter_to_json(f);
	json = dump(j);
	if (f != NULL && text == NULL)
		fail("a filter without a text form", json, NULL);
	if (text != NULL) {
		if ((g = filter_parse(text, strlen(text), err,
		    sizeof(err))) == NULL)
			fail("the canonical text does not compile", text, err);
		if (strcmp(s = filter_to_text(g), text) != 0)
			fail("the canonical text changes", text, s);
		free(s);
		check_json(g, json, "the text form gives another JSON");
	}
	if (filter_from_json(j, &g, err, sizeof(err)) == -1)
		fail("the canonical JSON does not compile", json, err);
	check_json(g, json, "the canonical JSON changes");
	json_decref(j);
	free(text);
	free(json);
	if (f != NULL)
		evaluate(f);
	filter_free(f);
}

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct filter	*f;
	json_t		*j;
	char		 err[FILTER_ERRSZ], *in;

	in = malloc(size + 1);
	memcpy(in, data, size);
	in[size] = '\0';
	err[0] = '\0';
	if ((f = filter_parse(in, size, err, sizeof(err))) != NULL)
		check_compiled(f);
	else if (err[0] == '\0')
		fail("a text refused without a message", in, NULL);
	free(in);

	j = json_loadb((const char *)data, size, JSON_DECODE_ANY |
	    JSON_ALLOW_NUL, NULL);
	if (j == NULL)
		return 0;
	err[0] = '\0';
	if (filter_from_json(j, &f, err, sizeof(err)) == 0)
		check_compiled(f);
	else if (err[0] == '\0')
		fail("a JSON form refused without a message", NULL, NULL);
	json_decref(j);
	return 0;
}
