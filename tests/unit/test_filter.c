/*
 * Unit tests of the filter module (spec/filters.md).  Events are written
 * in their normalised JSON form (events.md §13) and evaluated as the
 * decoded events (event.h) they stand for.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "../../common/timestamp.h"
#include "../../krenalisd/event.h"
#include "../../krenalisd/filter.h"
#include "unit.h"

static char	 errbuf[512];

/* Load JSON written with ' for " (none of the test texts needs a '). */
static json_t *
J(const char *s)
{
	json_error_t	 e;
	json_t		*j;
	char		*t, *p;

	t = strdup(s);
	for (p = t; *p != '\0'; p++)
		if (*p == '\'')
			*p = '"';
	j = json_loads(t, JSON_DECODE_ANY | JSON_ALLOW_NUL, &e);
	if (j == NULL)
		printf("  bad test JSON: %s: %s\n", t, e.text);
	free(t);
	return j;
}

/*
 * The decoded event (event.h) of a normalised event in its JSON form:
 * strings borrowed from the JSON, properties and traits as compact texts
 * (reals with the 15 digits that give back what the tests wrote).
 * A typed property that is null or of another JSON type is left absent,
 * as a decoded event cannot hold it.
 */
struct tev {
	struct event		 ev;
	struct event_consent	*consents;
	char			*properties;
	char			*traits;
};

/* A member of struct event and its name in the JSON form. */
struct tev_member {
	const char	*name;
	size_t		 off;
};

static const struct tev_member tev_strings[] = {
	{ "connectionId", offsetof(struct event, connection_id) },
	{ "anonymousId", offsetof(struct event, anonymous_id) },
	{ "channel", offsetof(struct event, channel) },
	{ "category", offsetof(struct event, category) },
	{ "event", offsetof(struct event, event) },
	{ "groupId", offsetof(struct event, group_id) },
	{ "messageId", offsetof(struct event, message_id) },
	{ "name", offsetof(struct event, name) },
	{ "previousId", offsetof(struct event, previous_id) },
	{ "userId", offsetof(struct event, user_id) },
};

static const struct tev_member tev_times[] = {
	{ "receivedAt", offsetof(struct event, received_at) },
	{ "sentAt", offsetof(struct event, sent_at) },
	{ "originalTimestamp", offsetof(struct event, original_timestamp) },
	{ "timestamp", offsetof(struct event, timestamp) },
};

/* The member at a dotted path of o, or NULL. */
static json_t *
json_path(json_t *o, const char *path)
{
	char	 seg[64];
	size_t	 n;

	for (;;) {
		n = strcspn(path, ".");
		snprintf(seg, sizeof(seg), "%.*s", (int)n, path);
		o = json_object_get(o, seg);
		if (path[n] == '\0' || o == NULL)
			return o;
		path += n + 1;
	}
}

/* A context field from its JSON value; 0 when it cannot hold it. */
static int
tev_field(struct tev *t, enum event_field f, json_t *v)
{
	union event_value	*u = &t->ev.ctx.v[f];
	const char		*k;
	char			*end;

	switch (event_field_kind(f)) {
	case EVENT_KIND_STRING:
		u->s = json_string_value(v);
		return u->s != NULL;
	case EVENT_KIND_BOOL:
		u->b = json_is_true(v);
		return json_is_boolean(v);
	case EVENT_KIND_INT:
		u->i = json_integer_value(v);
		return json_is_integer(v);
	case EVENT_KIND_INT64:
		if (!json_is_string(v))
			return 0;
		u->i = strtoll(json_string_value(v), &end, 10);
		return *end == '\0';
	case EVENT_KIND_FLOAT:
	case EVENT_KIND_DECIMAL:
		u->f = json_number_value(v);
		return json_is_number(v);
	case EVENT_KIND_CONSENTS:
		if (!json_is_object(v))
			return 0;
		t->consents = calloc(json_object_size(v) + 1,
		    sizeof(*t->consents));
		json_object_foreach(v, k, v) {
			t->consents[t->ev.ctx.nconsents].purpose = k;
			t->consents[t->ev.ctx.nconsents++].granted =
			    json_is_true(v);
		}
		t->ev.ctx.consents = t->consents;
		return 1;
	}
	return 0;
}

static void
tev_init(struct tev *t, json_t *j)
{
	json_t		*v, *ctx;
	const char	*s;
	size_t		 i;
	int64_t		 ms;
	int		 f;

	memset(t, 0, sizeof(*t));
	for (i = 0; i < sizeof(tev_strings) / sizeof(tev_strings[0]); i++) {
		s = json_string_value(json_object_get(j, tev_strings[i].name));
		memcpy((char *)&t->ev + tev_strings[i].off, &s, sizeof(s));
	}
	for (i = 0; i < sizeof(tev_times) / sizeof(tev_times[0]); i++) {
		v = json_object_get(j, tev_times[i].name);
		ms = 0;
		if (json_is_string(v))
			CHECK_INT(timestamp_parse(json_string_value(v),
			    json_string_length(v), &ms), TIMESTAMP_OK);
		memcpy((char *)&t->ev + tev_times[i].off, &ms, sizeof(ms));
	}
	v = json_object_get(j, "type");
	t->ev.type = (enum event_type)event_type_parse(json_string_value(v),
	    json_string_length(v));
	if ((v = json_object_get(j, "properties")) != NULL) {
		t->properties = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY |
		    JSON_REAL_PRECISION(15));
		t->ev.properties = t->properties;
		t->ev.properties_len = strlen(t->properties);
	}
	if ((v = json_object_get(j, "traits")) != NULL) {
		t->traits = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY |
		    JSON_REAL_PRECISION(15));
		t->ev.traits = t->traits;
		t->ev.traits_len = strlen(t->traits);
	}
	if (!json_is_object(ctx = json_object_get(j, "context")))
		return;
	t->ev.has_context = 1;
	for (f = 0; f < EVENT_NFIELDS; f++)
		if ((v = json_path(ctx, event_field_path(f))) != NULL &&
		    tev_field(t, f, v))
			t->ev.ctx.present |= (uint64_t)1 << f;
}

static void
tev_release(struct tev *t)
{
	free(t->consents);
	free(t->properties);
	free(t->traits);
}

/* Evaluate f on the decoded form of the normalised event j. */
static int
E(const struct filter *f, json_t *j, struct filter_result *res)
{
	struct filter_event	 fe;
	struct tev		 t;
	int			 r;

	tev_init(&t, j);
	filter_event_init(&fe, &t.ev);
	r = filter_eval(f, &fe, res);
	tev_release(&t);
	return r;
}

/* Compile a text that must be valid. */
static struct filter *
P(const char *text)
{
	struct filter	*f;

	errbuf[0] = '\0';
	f = filter_parse(text, strlen(text), errbuf, sizeof(errbuf));
	if (f == NULL)
		printf("  unexpected error for <%s>: %s\n", text, errbuf);
	return f;
}

/* The error of the len bytes of text, or "OK". */
static const char *
text_err_n(const char *text, size_t len)
{
	struct filter	*f;

	errbuf[0] = '\0';
	f = filter_parse(text, len, errbuf, sizeof(errbuf));
	if (f != NULL) {
		filter_free(f);
		return "OK";
	}
	return errbuf;
}

static const char *
text_err(const char *text)
{
	return text_err_n(text, strlen(text));
}

/* The error of a JSON form (a json_t, consumed), or "OK". */
static const char *
jerr_json(json_t *j)
{
	struct filter	*f = NULL;
	int		 r;

	errbuf[0] = '\0';
	r = filter_from_json(j, &f, errbuf, sizeof(errbuf));
	json_decref(j);
	filter_free(f);
	return r == 0 ? "OK" : errbuf;
}

/* The error of a JSON form written with ' for ", or "OK". */
static const char *
jerr(const char *s)
{
	return jerr_json(J(s));
}

/* The canonical JSON text of a filter given as text. */
static char *
text_to_json(const char *text)
{
	struct filter	*f = P(text);
	json_t		*j;
	char		*s;

	if (f == NULL)
		return strdup("(error)");
	j = filter_to_json(f);
	s = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	filter_free(f);
	return s;
}

/* The canonical text of a filter given as text. */
static char *
canon(const char *text)
{
	struct filter	*f = P(text);
	char		*s;

	if (f == NULL)
		return strdup("(error)");
	s = filter_to_text(f);
	filter_free(f);
	return s;
}

/* A normalised event (spec/events.md §13) with every kind of property. */
static json_t *
base_event(void)
{
	return J("{'connectionId':'7bXk2mQp9RtL',"
	    "'anonymousId':'b27c5d9f-92a7-4d30-b21a-4df21a6872c2',"
	    "'context':{'browser':{'name':'Safari','version':'17.2.1'},"
	    "'consents':{'analytics':true},"
	    "'device':{'adTrackingEnabled':false},'ip':'172.91.24.57',"
	    "'library':{'name':'analytics.js','version':'5.2.0'},"
	    "'locale':'en-US','location':{'latitude':51.5074,"
	    "'longitude':-0.1278},'os':{'name':'macOS','version':'14.5.0'},"
	    "'page':{'path':'/dashboard',"
	    "'url':'https://app.example.com/dashboard'},"
	    "'screen':{'width':3024,'height':1964,'density':2},"
	    "'session':{'id':'1766272512048'},"
	    "'timezone':'America/Los_Angeles','userAgent':'Mozilla/5.0'},"
	    "'event':'Workout Completed',"
	    "'messageId':'f9189a52-b37b-4d7d-9f2d-08b91d85fa9c',"
	    "'properties':{'workout_type':'Cardio','duration_minutes':45},"
	    "'receivedAt':'2025-10-20T16:15:25.001Z',"
	    "'sentAt':'2025-10-20T16:15:24.327Z',"
	    "'originalTimestamp':'2025-10-20T16:15:23.992Z',"
	    "'timestamp':'2025-10-20T16:15:24.010Z',"
	    "'traits':{},'type':'track','userId':'703991475'}");
}

/*
 * Set (val not NULL, consumed) or remove (val NULL) the member at a dotted
 * path, creating objects on the way.
 */
static void
event_set(json_t *ev, const char *path, json_t *val)
{
	char	*p = strdup(path), *seg, *dot;
	json_t	*o = ev, *next;

	for (seg = p; (dot = strchr(seg, '.')) != NULL; seg = dot + 1) {
		*dot = '\0';
		next = json_object_get(o, seg);
		if (!json_is_object(next)) {
			next = json_object();
			json_object_set_new(o, seg, next);
		}
		o = next;
	}
	if (val != NULL)
		json_object_set_new(o, seg, val);
	else
		json_object_del(o, seg);
	free(p);
}

/* Evaluate a condition text on an event; -1 when it does not compile. */
static int
eval_text(const char *text, json_t *ev)
{
	struct filter	*f = P(text);
	int		 r;

	if (f == NULL)
		return -1;
	r = E(f, ev, NULL);
	filter_free(f);
	return r;
}

/* §8.3: every example, text to JSON. */
static void
test_examples_8_3(void)
{
	static const struct {
		const char	*text;
		const char	*json;
	} ex[] = {
		{ "type is 'track'",
		  "{'logical':'and','conditions':[{'property':'type',"
		  "'operator':'is','values':['track']}]}" },
		{ "type is 'track' and event is \"Order Completed\"",
		  "{'logical':'and','conditions':[{'property':'type',"
		  "'operator':'is','values':['track']},{'property':'event',"
		  "'operator':'is','values':['Order Completed']}]}" },
		{ "properties.plan exists",
		  "{'logical':'and','conditions':[{'property':"
		  "'properties.plan','operator':'exists'}]}" },
		{ "type is 'identify' or traits is not empty",
		  "{'logical':'or','conditions':[{'property':'type',"
		  "'operator':'is','values':['identify']},{'property':"
		  "'traits','operator':'is not empty'}]}" },
		{ "type is one of ('track', 'page')",
		  "{'logical':'and','conditions':[{'property':'type',"
		  "'operator':'is one of','values':['track','page']}]}" },
		{ "timestamp is between ('2024-01-01T00:00:00Z', "
		  "'2025-01-01T00:00:00Z')",
		  "{'logical':'and','conditions':[{'property':'timestamp',"
		  "'operator':'is between','values':['2024-01-01T00:00:00Z',"
		  "'2025-01-01T00:00:00Z']}]}" },
		{ "context.screen.width is greater than 1024",
		  "{'logical':'and','conditions':[{'property':"
		  "'context.screen.width','operator':'is greater than',"
		  "'values':['1024']}]}" },
		{ "properties.flag is true",
		  "{'logical':'and','conditions':[{'property':"
		  "'properties.flag','operator':'is true'}]}" },
		{ "properties.flag is not false",
		  "{'logical':'and','conditions':[{'property':"
		  "'properties.flag','operator':'is not','values':"
		  "['false']}]}" },
	};
	struct filter	*f;
	json_t		*want, *got;
	size_t		 i;
	char		*s;

	for (i = 0; i < sizeof(ex) / sizeof(ex[0]); i++) {
		f = P(ex[i].text);
		CHECK(f != NULL);
		if (f == NULL)
			continue;
		want = J(ex[i].json);
		got = filter_to_json(f);
		if (!json_equal(want, got)) {
			s = json_dumps(got, JSON_COMPACT);
			printf("  %s -> %s\n", ex[i].text, s);
			free(s);
			CHECK(json_equal(want, got));
		}
		json_decref(want);
		json_decref(got);
		filter_free(f);
	}

	/* The one with brackets, whose JSON has escaped quotes. */
	s = text_to_json("properties[\"client id\"] is \"abc\" or "
	    "traits['e-mail'] ends with '@example.com'");
	CHECK_STR(s, "{\"logical\":\"or\",\"conditions\":[{\"property\":"
	    "\"properties[\\\"client id\\\"]\",\"operator\":\"is\","
	    "\"values\":[\"abc\"]},{\"property\":\"traits[\\\"e-mail\\\"]\","
	    "\"operator\":\"ends with\",\"values\":[\"@example.com\"]}]}");
	free(s);
}

/* §9: the printing examples and rules. */
static void
test_print(void)
{
	static const struct {
		const char	*in;
		const char	*out;
	} ex[] = {
		{ "type is 'track' and properties.plan is one of "
		  "('pro', 'team')",
		  "type is \"track\" and properties.plan is one of "
		  "(\"pro\", \"team\")" },
		{ "properties['client id'] exists",
		  "properties[\"client id\"] exists" },
		{ "timestamp is on or after '2024-01-01'",
		  "timestamp is on or after \"2024-01-01\"" },
		{ "context.screen.width is between (800,1920)",
		  "context.screen.width is between (800, 1920)" },
		/* Operators' words with any whitespace, connectors too. */
		{ "  type\tis \n not\r\n'page'   or\tuserId  exists  ",
		  "type is not \"page\" or userId exists" },
		/* Numbers bare with their exact text; true/false quoted. */
		{ "properties.x is one of (1024, -0.5, 1e3, +5, 5., .5, 007, "
		  "1.50, 'true', false, \"12\")",
		  "properties.x is one of (1024, -0.5, 1e3, +5, 5., .5, 007, "
		  "1.50, \"true\", \"false\", 12)" },
		/* A one-value list keeps its parentheses. */
		{ "type is one of('page')", "type is one of (\"page\")" },
		/* Escapes of §9. */
		{ "properties.s is 'a\"b\\\\c\\nd\\re\\tf\\bg\\fh\\u0001i"
		  "\\u001Fj\\/k\\'l\\u00e9\\U0001F600'",
		  "properties.s is \"a\\\"b\\\\c\\nd\\re\\tf\\bg\\fh\\u0001i"
		  "\\u001Fj/k'l\xc3\xa9\xf0\x9f\x98\x80\"" },
		/* Canonical paths (§2.4). */
		{ "properties[\"plan\"] exists", "properties.plan exists" },
		{ "traits[\"a.b\"].c exists", "traits[\"a.b\"].c exists" },
		{ "context['page'].url exists", "context.page.url exists" },
		{ "properties['order-id'][\"x y\"]._z9 exists",
		  "properties[\"order-id\"][\"x y\"]._z9 exists" },
		{ "properties['9a'] exists", "properties[\"9a\"] exists" },
		{ "properties['\\n'] exists", "properties[\"\\n\"] exists" },
	};
	size_t	 i;
	char	*s;

	for (i = 0; i < sizeof(ex) / sizeof(ex[0]); i++) {
		s = canon(ex[i].in);
		CHECK_STR(s, ex[i].out);
		free(s);
	}
}

/* §7.6: the examples table. */
static void
test_examples_7_6(void)
{
	static const struct {
		const char	*cond;
		int		 want;
	} ex[] = {
		{ "properties.price is 670", 1 },
		{ "properties.price is \"670.0\"", 1 },
		{ "properties.price is greater than 600", 1 },
		{ "properties.s is greater than 670", 1 },
		{ "properties.s is greater than 9", 0 },
		{ "properties.tags contains 812", 1 },
		{ "properties.tags contains \"a\"", 1 },
		{ "properties.flag is true", 1 },
		{ "properties.flag is \"true\"", 0 },
		{ "properties.n is null", 1 },
		{ "properties.n is empty", 1 },
		{ "properties.n exists", 1 },
		{ "properties.n is false", 0 },
		{ "properties.missing is not \"x\"", 1 },
		{ "properties.missing is not null", 1 },
		{ "properties.missing is empty", 1 },
		{ "properties[\"client id\"] is \"abc\"", 1 },
		{ "properties.price is between (600, \"zzz\")", 0 },
		{ "properties.plan is before \"2024-01-01\"", 0 },
	};
	json_t	*ev = base_event();
	size_t	 i;
	int	 r;

	json_object_set_new(ev, "properties", J("{'plan':'pro','price':670,"
	    "'tags':['a',812.0],'flag':true,'n':null,'s':'810',"
	    "'client id':'abc'}"));
	for (i = 0; i < sizeof(ex) / sizeof(ex[0]); i++) {
		r = eval_text(ex[i].cond, ev);
		if (r != ex[i].want)
			printf("  %s: %d\n", ex[i].cond, r);
		CHECK_INT(r, ex[i].want);
	}
	event_set(ev, "context.ip", json_string("10.0.0.1"));
	CHECK_INT(eval_text("context.ip is \"::ffff:10.0.0.1\"", ev), 1);
	json_decref(ev);
}

/*
 * §7.3: the result of an operator on a missing property and on a JSON
 * null, straight from the table.
 */
static int
want_missing(const char *op)
{
	static const char *const yes[] = {
		"is not", "is not between", "does not contain",
		"is not one of", "is empty", "is not null", "does not exist",
		NULL
	};
	const char *const	*p;

	for (p = yes; *p != NULL; p++)
		if (strcmp(*p, op) == 0)
			return 1;
	return 0;
}

static int
want_null(const char *op)
{
	static const char *const yes[] = {
		"is not", "is not between", "does not contain",
		"is not one of", "is empty", "is null", "exists", NULL
	};
	const char *const	*p;

	for (p = yes; *p != NULL; p++)
		if (strcmp(*p, op) == 0)
			return 1;
	return 0;
}

/*
 * Every operator on every kind it accepts: a value that matches, one that
 * does not (NULL when there is none besides missing or null), then the
 * property missing (unless a decoded event always has it) and, for json
 * properties (the only ones a decoded event can hold as null), null (§7.3,
 * §7.4, §7.5).  The property is the first
 * word of the condition.
 */
static const struct evrow {
	const char	*cond;
	const char	*match;
	const char	*nomatch;
} evrows[] = {
	/* string */
	{ "userId is 'u1'", "'u1'", "'u2'" },
	{ "userId is not 'u1'", "'u2'", "'u1'" },
	{ "userId is less than 'abc'", "'ab'", "'abc'" },
	{ "userId is less than 'm'", "'abc'", "'xyz'" },
	{ "userId is less than or equal to 'abc'", "'abc'", "'abd'" },
	{ "userId is greater than 'abc'", "'abcd'", "'abc'" },
	{ "userId is greater than 'z'", "'\xc3\xa9'", "'a'" },
	{ "userId is greater than or equal to 'abc'", "'abc'", "'ab'" },
	{ "userId is between ('b', 'd')", "'b'", "'d1'" },
	{ "userId is between ('b', 'd')", "'d'", "'a'" },
	{ "userId is between ('d', 'b')", NULL, "'c'" },
	{ "userId is not between ('b', 'd')", "'a'", "'c'" },
	{ "userId contains 'ell'", "'hello'", "'help'" },
	{ "userId does not contain 'ell'", "'help'", "'hello'" },
	{ "userId is one of ('a', 'b')", "'b'", "'c'" },
	{ "userId is not one of ('a', 'b')", "'c'", "'a'" },
	{ "userId starts with 'he'", "'hello'", "'ahe'" },
	{ "userId ends with 'lo'", "'hello'", "'lol'" },
	{ "userId is empty", NULL, "'x'" },
	{ "userId is not empty", "'x'", NULL },
	{ "userId exists", "'x'", NULL },
	{ "userId does not exist", NULL, "'x'" },
	{ "messageId is 'm'", "'m'", "'M'" },
	/* enum string */
	{ "context.os.name is 'macOS'", "'macOS'", "'iOS'" },
	{ "context.os.name is not 'macOS'", "'iOS'", "'macOS'" },
	{ "context.os.name contains 'Chrome OS'", "'Chrome OS'", "'Linux'" },
	{ "context.os.name does not contain 'Other'", "'Linux'", "'Other'" },
	{ "context.os.name is one of ('iOS', 'macOS')", "'iOS'", "'Linux'" },
	{ "context.os.name is not one of ('iOS', 'macOS')", "'Linux'",
	  "'macOS'" },
	{ "context.os.name exists", "'iOS'", NULL },
	{ "context.os.name does not exist", NULL, "'iOS'" },
	{ "context.browser.name is 'Samsung Internet'",
	  "'Samsung Internet'", "'Safari'" },
	{ "type is one of ('page', 'screen')", "'screen'", "'track'" },
	/* boolean */
	{ "context.device.adTrackingEnabled is true", "true", "false" },
	{ "context.device.adTrackingEnabled is false", "false", "true" },
	{ "context.network.wifi exists", "false", NULL },
	{ "context.session.start does not exist", NULL, "true" },
	/* int */
	{ "context.screen.width is 1024", "1024", "1023" },
	{ "context.screen.width is not 1024", "1023", "1024" },
	{ "context.screen.width is less than 1024", "800", "1024" },
	{ "context.screen.width is less than or equal to 1024", "1024",
	  "1025" },
	{ "context.screen.width is greater than 1024", "1025", "1024" },
	{ "context.screen.width is greater than or equal to +1024", "1024",
	  "1023" },
	{ "context.screen.width is between (800, 1920)", "1920", "1921" },
	{ "context.screen.width is between (800, 1920)", "800", "799" },
	{ "context.screen.width is not between (800, 1920)", "700",
	  "1000" },
	{ "context.screen.width is one of (800, 1024)", "1024", "900" },
	{ "context.screen.width is not one of (800, 1024)", "900", "800" },
	{ "context.screen.height exists", "10", NULL },
	{ "context.session.id is 1766272512048", "'1766272512048'",
	  "'1766272512049'" },
	{ "context.session.id is greater than -5", "'0'", "'-6'" },
	{ "context.session.id is 9223372036854775807",
	  "'9223372036854775807'", "'9223372036854775806'" },
	{ "context.session.id is less than -9223372036854775807",
	  "'-9223372036854775808'", "'-9223372036854775807'" },
	/* float */
	{ "context.location.latitude is 51.5074", "51.5074", "51.5" },
	{ "context.location.latitude is not 51.5074", "51.5", "51.5074" },
	{ "context.location.latitude is less than 0", "-0.1278", "0.5" },
	{ "context.location.latitude is less than or equal to 1e1", "10",
	  "10.5" },
	{ "context.location.latitude is greater than -1.5", "-1.25",
	  "-1.5" },
	{ "context.location.latitude is greater than or equal to 01.5",
	  "1.5", "1.49" },
	{ "context.location.latitude is between (-90, 90)", "45.0", "91" },
	{ "context.location.latitude is not between (-90, 90)", "-91",
	  "90" },
	{ "context.location.latitude is one of (1.5, 2.5)", "2.5", "2" },
	{ "context.location.latitude is not one of (1.5, 2.5)", "2", "1.5" },
	{ "context.location.speed exists", "3.5", NULL },
	/* decimal */
	{ "context.screen.density is 2", "2", "1.5" },
	{ "context.screen.density is 2.00", "2.0", "2.01" },
	{ "context.screen.density is not 1.36", "1.37", "1.36" },
	{ "context.screen.density is less than 1.5", "1.36", "1.5" },
	{ "context.screen.density is less than or equal to 1.5", "1.5",
	  "1.51" },
	{ "context.screen.density is greater than .5", "0.51", "0.5" },
	{ "context.screen.density is greater than or equal to 5e-1", "0.5",
	  "0.49" },
	{ "context.screen.density is between (1, 2)", "1.36", "2.5" },
	{ "context.screen.density is not between (1, 2)", "2.5", "1" },
	{ "context.screen.density is one of (1.5, 2.)", "2", "3" },
	{ "context.screen.density is not one of (1.5, 2)", "3", "1.50" },
	{ "context.screen.density does not exist", NULL, "1.5" },
	/* datetime */
	{ "timestamp is '2025-10-20T16:15:24.010Z'",
	  "'2025-10-20T16:15:24.010Z'", "'2025-10-20T16:15:24.011Z'" },
	{ "timestamp is '2025-10-20T18:15:24.01+02:00'",
	  "'2025-10-20T16:15:24.010Z'", "'2025-10-20T18:15:24.010Z'" },
	{ "timestamp is not '2025-10-20'",
	  "'2025-10-20T00:00:00.001Z'", "'2025-10-20T00:00:00.000Z'" },
	{ "timestamp is between ('2025-01-01', '2026-01-01')",
	  "'2025-01-01T00:00:00.000Z'", "'2026-01-01T00:00:00.001Z'" },
	{ "timestamp is not between ('2025-01-01', '2026-01-01')",
	  "'2024-12-31T23:59:59.999Z'", "'2026-01-01T00:00:00.000Z'" },
	{ "timestamp is one of ('2025-01-01', '2025-01-02 00:00')",
	  "'2025-01-02T00:00:00.000Z'", "'2025-01-03T00:00:00.000Z'" },
	{ "timestamp is not one of ('2025-01-01', '2025-01-02')",
	  "'2025-01-03T00:00:00.000Z'", "'2025-01-01T00:00:00.000Z'" },
	{ "timestamp is before '2025-01-01'", "'2024-12-31T23:59:59.999Z'",
	  "'2025-01-01T00:00:00.000Z'" },
	{ "timestamp is on or before '2025-01-01'",
	  "'2025-01-01T00:00:00.000Z'", "'2025-01-01T00:00:00.001Z'" },
	{ "timestamp is after '2025-01-01'", "'2025-01-01T00:00:00.001Z'",
	  "'2025-01-01T00:00:00.000Z'" },
	{ "timestamp is on or after '2025-01-01'",
	  "'2025-01-01T00:00:00.000Z'", "'2024-12-31T23:59:59.999Z'" },
	/* Values keep their nanoseconds; events have milliseconds. */
	{ "receivedAt is after '2025-01-01T00:00:00.0005Z'",
	  "'2025-01-01T00:00:00.001Z'", "'2025-01-01T00:00:00.000Z'" },
	{ "sentAt is on or before '2025-01-01T00:00:00.000999999Z'",
	  "'2025-01-01T00:00:00.000Z'", "'2025-01-01T00:00:00.001Z'" },
	{ "originalTimestamp is '2025-01-01T00:00:00.0001Z'", NULL,
	  "'2025-01-01T00:00:00.000Z'" },
	/* ip */
	{ "context.ip is '10.0.0.1'", "'10.0.0.1'", "'10.0.0.2'" },
	{ "context.ip is '::ffff:10.0.0.1'", "'10.0.0.1'", "'::a00:1'" },
	{ "context.ip is '2001:DB8:0:0:0:0:0:1'", "'2001:db8::1'",
	  "'2001:db8::2'" },
	{ "context.ip is not '10.0.0.1'", "'10.0.0.2'", "'10.0.0.1'" },
	{ "context.ip exists", "'10.0.0.1'", NULL },
	{ "context.ip does not exist", NULL, "'::1'" },
	/* json */
	{ "properties.v is 670", "670", "671" },
	{ "properties.v is 670", "670.0", "'670.0'" },
	{ "properties.v is '670.0'", "6.7e2", "'670'" },
	{ "properties.v is 'abc'", "'abc'", "'abd'" },
	{ "properties.v is 'true'", "'true'", "true" },
	{ "properties.v is not 670", "'670.0'", "670" },
	{ "properties.v is less than 670", "600", "670" },
	{ "properties.v is less than 'm'", "'abc'", "'xyz'" },
	{ "properties.v is less than 'm'", "'abc'", "5" },
	{ "properties.v is less than or equal to 670", "670", "671" },
	{ "properties.v is greater than 670", "'810'", "'6'" },
	{ "properties.v is greater than 9", "10", "'810'" },
	{ "properties.v is greater than or equal to -1", "-1", "-1.5" },
	{ "properties.v is between (600, 700)", "650", "701" },
	{ "properties.v is between ('a', 'c')", "'b'", "'d'" },
	{ "properties.v is between (1, 'c')", "'b'", "2" },
	{ "properties.v is not between (600, 700)", "701", "600" },
	{ "properties.v contains 'ell'", "'hello'", "'help'" },
	{ "properties.v contains 812", "['a', 812.0]", "['a', 813]" },
	{ "properties.v contains 'a'", "['a', 1]", "{'a':1}" },
	{ "properties.v contains '1'", "'12'", "12" },
	{ "properties.v does not contain 'ell'", "'help'", "'hello'" },
	{ "properties.v is one of (1, 'x')", "1.0", "2" },
	{ "properties.v is one of (1, 'x')", "'x'", "'1.0'" },
	{ "properties.v is not one of (1, 'x')", "'y'", "1" },
	{ "properties.v starts with 'he'", "'hello'", "['he']" },
	{ "properties.v ends with 'lo'", "'hello'", "'lol'" },
	{ "properties.v is before '2025-01-01'", "'2024-06-01T00:00:00Z'",
	  "'2025-06-01'" },
	{ "properties.v is before '2025-01-01'", "'2024-06-01 12:00'",
	  "'yesterday'" },
	{ "properties.v is on or before '2025-01-01T00:00:00.5Z'",
	  "'2025-01-01T00:00:00.500000000Z'",
	  "'2025-01-01T00:00:00.5000001Z'" },
	{ "properties.v is after '2025-01-01'", "'2025-01-01T00:00:00.001Z'",
	  "20250102" },
	{ "properties.v is on or after '2025-01-01'", "'2025-01-01'",
	  "'2024-12-31T23:59:59.999999999Z'" },
	{ "properties.v is true", "true", "'true'" },
	{ "properties.v is false", "false", "'abc'" },
	{ "properties.v is false", NULL, "0" },
	{ "properties.v is empty", "''", "'x'" },
	{ "properties.v is empty", "[]", "[0]" },
	{ "properties.v is empty", "{}", "{'a':null}" },
	{ "properties.v is empty", NULL, "0" },
	{ "properties.v is empty", NULL, "false" },
	{ "properties.v is not empty", "'x'", "''" },
	{ "properties.v is null", NULL, "0" },
	{ "properties.v is not null", "0", NULL },
	{ "properties.v exists", "{}", NULL },
	{ "properties.v does not exist", NULL, "false" },
	{ "properties exists", "{}", NULL },
	{ "traits is not empty", "{'a':1}", "{}" },
	{ "traits.a.b is 1", "1", "2" },
	/* object */
	{ "context.page exists", "{'url':'x'}", NULL },
	{ "context.page does not exist", NULL, "{'url':'x'}" },
	{ "context exists", "{'locale':'en-US'}", NULL },
	/* map */
	{ "context.consents is empty", "{}", "{'a':true}" },
	{ "context.consents is not empty", "{'a':false}", "{}" },
	{ "context.consents exists", "{'a':false}", NULL },
	{ "context.consents does not exist", NULL, "{'a':false}" },
};

static void
test_eval_table(void)
{
	const struct evrow	*row;
	struct filter		*f;
	json_t			*ev, *j;
	char			 path[128], op[64];
	size_t			 i;
	int			 r;

	for (i = 0; i < sizeof(evrows) / sizeof(evrows[0]); i++) {
		row = &evrows[i];
		f = P(row->cond);
		CHECK(f != NULL);
		if (f == NULL)
			continue;
		snprintf(path, sizeof(path), "%.*s",
		    (int)strcspn(row->cond, " "), row->cond);
		j = filter_to_json(f);
		snprintf(op, sizeof(op), "%s", json_string_value(
		    json_object_get(json_array_get(json_object_get(j,
		    "conditions"), 0), "operator")));
		json_decref(j);

		ev = base_event();
		if (row->match != NULL) {
			event_set(ev, path, J(row->match));
			if ((r = E(f, ev, NULL)) != 1)
				printf("  %s on %s: %d\n", row->cond,
				    row->match, r);
			CHECK_INT(r, 1);
		}
		if (row->nomatch != NULL) {
			event_set(ev, path, J(row->nomatch));
			if ((r = E(f, ev, NULL)) != 0)
				printf("  %s on %s: %d\n", row->cond,
				    row->nomatch, r);
			CHECK_INT(r, 0);
		}
		/* A decoded event always has its type and times. */
		event_set(ev, path, NULL);
		if (strcmp(path, "type") != 0 && strcmp(path, "receivedAt") !=
		    0 && strcmp(path, "sentAt") != 0 && strcmp(path,
		    "originalTimestamp") != 0 && strcmp(path, "timestamp") != 0) {
			if ((r = E(f, ev, NULL)) != want_missing(op))
				printf("  %s on missing: %d\n", row->cond, r);
			CHECK_INT(r, want_missing(op));
		}
		/* Only json properties can be null in a decoded event. */
		if (strncmp(path, "properties", 10) == 0 ||
		    strncmp(path, "traits", 6) == 0) {
			event_set(ev, path, json_null());
			if ((r = E(f, ev, NULL)) != want_null(op))
				printf("  %s on null: %d\n", row->cond, r);
			CHECK_INT(r, want_null(op));
		}
		json_decref(ev);
		filter_free(f);
	}
}

/* Every one of the 26 operators appears in the table above. */
static void
test_eval_table_covers_operators(void)
{
	static const char *const ops[] = {
		"is", "is not", "is less than", "is less than or equal to",
		"is greater than", "is greater than or equal to", "is between",
		"is not between", "contains", "does not contain", "is one of",
		"is not one of", "starts with", "ends with", "is before",
		"is on or before", "is after", "is on or after", "is true",
		"is false", "is empty", "is not empty", "is null",
		"is not null", "exists", "does not exist"
	};
	char	 pat[64];
	size_t	 i, k;
	int	 found;

	for (i = 0; i < 26; i++) {
		snprintf(pat, sizeof(pat), "properties.v %s", ops[i]);
		found = 0;
		for (k = 0; k < sizeof(evrows) / sizeof(evrows[0]); k++)
			if (strncmp(evrows[k].cond, pat, strlen(pat)) == 0 &&
			    (evrows[k].cond[strlen(pat)] == ' ' ||
			    evrows[k].cond[strlen(pat)] == '\0'))
				found = 1;
		if (!found)
			printf("  no json row for %s\n", ops[i]);
		CHECK(found);
	}
}

/* §1: the shape errors, and null as no filter. */
static void
test_shape(void)
{
	struct filter	*f = (struct filter *)1;
	json_t		*j;
	char		*s;

	CHECK_INT(filter_from_json(json_null(), &f, errbuf, sizeof(errbuf)),
	    0);
	CHECK(f == NULL);
	CHECK_INT(filter_eval(NULL, NULL, NULL), 1);
	CHECK_INT(filter_count(NULL), 0);
	j = filter_to_json(NULL);
	CHECK(json_is_null(j));
	json_decref(j);
	CHECK(filter_to_text(NULL) == NULL);
	filter_free(NULL);

	CHECK_STR(jerr("[]"), "filter must be a JSON object or null");
	CHECK_STR(jerr("'and'"), "filter must be a JSON object or null");
	CHECK_STR(jerr("true"), "filter must be a JSON object or null");
	CHECK_STR(jerr("1"), "filter must be a JSON object or null");
	CHECK_STR(jerr("{}"), "invalid logical operator \"\"");
	CHECK_STR(jerr("{'logical':1,'conditions':[]}"),
	    "invalid logical operator \"\"");
	CHECK_STR(jerr("{'logical':null}"), "invalid logical operator \"\"");
	CHECK_STR(jerr("{'logical':'AND'}"),
	    "invalid logical operator \"AND\"");
	CHECK_STR(jerr("{'logical':'xor','conditions':5}"),
	    "invalid logical operator \"xor\"");
	CHECK_STR(jerr("{'logical':' and'}"),
	    "invalid logical operator \" and\"");
	CHECK_STR(jerr("{'logical':'and'}"), "conditions are missing");
	CHECK_STR(jerr("{'logical':'or','conditions':null}"),
	    "conditions are missing");
	CHECK_STR(jerr("{'logical':'or','conditions':[]}"),
	    "conditions are missing");
	CHECK_STR(jerr("{'logical':'or','conditions':{}}"),
	    "conditions must be an array");
	CHECK_STR(jerr("{'logical':'or','conditions':'x'}"),
	    "conditions must be an array");
	CHECK_STR(jerr("{'logical':'or','conditions':[{'property':'userId',"
	    "'operator':'exists'},[]]}"), "condition 1 is not an object");
	CHECK_STR(jerr("{'logical':'or','conditions':[null]}"),
	    "condition 0 is not an object");
	CHECK_STR(jerr("{'logical':'or','conditions':[{'property':'userId',"
	    "'operator':'is','values':'x'}]}"),
	    "values must be an array of strings");
	CHECK_STR(jerr("{'logical':'or','conditions':[{'property':'userId',"
	    "'operator':'is','values':['a',1]}]}"),
	    "values must be an array of strings");
	CHECK_STR(jerr("{'logical':'or','conditions':[{'property':'userId',"
	    "'operator':'is','values':{}}]}"),
	    "values must be an array of strings");
	CHECK_STR(jerr("{'logical':'or','conditions':[{'property':'userId',"
	    "'operator':'is','values':[null]}]}"),
	    "values must be an array of strings");

	/* Shape errors of every condition come before any other check. */
	CHECK_STR(jerr("{'logical':'and','conditions':[{'property':'nope'},"
	    "5]}"), "condition 1 is not an object");
	CHECK_STR(jerr("{'logical':'and','conditions':[{'values':[2]},"
	    "5]}"), "values must be an array of strings");
	CHECK_STR(jerr("{'logical':'and','conditions':[{'property':'nope',"
	    "'operator':'is','values':['a']},{'values':[2]}]}"),
	    "values must be an array of strings");

	/* Missing property or operator count as "". */
	CHECK_STR(jerr("{'logical':'and','conditions':[{'operator':"
	    "'exists'}]}"), "property path is not valid");
	CHECK_STR(jerr("{'logical':'and','conditions':[{'property':5,"
	    "'operator':'exists'}]}"), "property path is not valid");
	CHECK_STR(jerr("{'logical':'and','conditions':[{'property':"
	    "'userId'}]}"), "operator \"\" is not valid");
	CHECK_STR(jerr("{'logical':'and','conditions':[{'property':"
	    "'userId','operator':['is']}]}"), "operator \"\" is not valid");

	/* Other members are ignored; values null is absent. */
	CHECK_STR(jerr("{'logical':'and','x':1,'conditions':[{'property':"
	    "'userId','operator':'exists','values':null,'y':2}]}"), "OK");

	/* Storing: canonical path, no values, "and" for one condition. */
	f = NULL;
	j = json_pack("{s:s,s:[{s:s,s:s,s:n,s:i}]}", "logical", "or",
	    "conditions", "property", "properties['a b']", "operator",
	    "is null", "values", "extra", 1);
	CHECK_INT(filter_from_json(j, &f, errbuf, sizeof(errbuf)), 0);
	json_decref(j);
	j = filter_to_json(f);
	s = json_dumps(j, JSON_COMPACT);
	CHECK_STR(s, "{\"logical\":\"and\",\"conditions\":[{\"property\":"
	    "\"properties[\\\"a b\\\"]\",\"operator\":\"is null\"}]}");
	free(s);
	json_decref(j);
	filter_free(f);
}

/* §2: path syntax, resolution and its messages. */
static void
test_paths(void)
{
	static const char *const invalid[] = {
		"", "1a", "a b", " type", "type ", "type.", ".type", "a..b",
		"a.1", "properties[]", "properties['']", "properties[\"\"]",
		"properties[a]", "properties['a'", "properties['a]",
		"properties['a'].", "properties['a']x", "properties['a\\q']",
		"properties['\\u0000']", "properties['\\uD800']",
		"properties[\"a\"", "properties['a'] ", "type-x", "t\xc3\xa9",
		"[\"type\"]", "properties['\\U00110000']",
		"properties['\\u12']",
		NULL
	};
	static const struct {
		const char	*path;
		const char	*err;
	} missing[] = {
		{ "foo.bar", "property path \"foo\" does not exist" },
		{ "context.foo.bar", "property path \"context.foo\" does not "
		  "exist" },
		{ "type.x.y", "property path \"type.x\" does not exist" },
		{ "context.consents.analytics", "property path "
		  "\"context.consents.analytics\" does not exist" },
		{ "kpid", "property path \"kpid\" does not exist" },
		{ "Type", "property path \"Type\" does not exist" },
		{ "context['a b'].c", "property path \"context[\"a b\"]\" "
		  "does not exist" },
		{ "context.page.url.x", "property path \"context.page.url.x\" "
		  "does not exist" },
		{ "context.screen['width'].x", "property path "
		  "\"context.screen.width.x\" does not exist" },
		{ "_", "property path \"_\" does not exist" },
		{ NULL, NULL }
	};
	static const char *const valid[] = {
		"type", "context.page.url", "properties.plan",
		"traits.address.city", "properties[\"client id\"]",
		"properties['order-id']", "traits[\"a.b\"].c",
		"traits['a\\'b'].y",
		"properties['\\u00e9\\n']", "context[\"page\"]['url']",
		"properties.a['b'].c[\"d\"]", "properties['\"']",
		"properties[\"'\"]", "properties['\xc3\xa9']", NULL
	};
	const char	*e;
	size_t		 i;

	for (i = 0; invalid[i] != NULL; i++)
		CHECK_STR(jerr_json(json_pack("{s:s,s:[{s:s,s:s}]}",
		    "logical", "and", "conditions", "property", invalid[i],
		    "operator", "exists")), "property path is not valid");
	/* A path with a NUL byte or invalid UTF-8 in a key is not valid. */
	CHECK_STR(jerr_json(json_pack("{s:s,s:[{s:s%,s:s}]}", "logical",
	    "and", "conditions", "property", "properties['a\0b']",
	    (size_t)17, "operator", "exists")), "property path is not valid");
	CHECK_STR(jerr_json(json_pack("{s:s,s:[{s:o,s:s}]}", "logical",
	    "and", "conditions", "property", json_stringn_nocheck(
	    "properties['\xff']", 15), "operator", "exists")),
	    "property path is not valid");
	for (i = 0; missing[i].path != NULL; i++)
		CHECK_STR(jerr_json(json_pack("{s:s,s:[{s:s,s:s}]}",
		    "logical", "and", "conditions", "property",
		    missing[i].path, "operator", "exists")), missing[i].err);
	/* Valid paths get past the path checks (to the operator's). */
	for (i = 0; valid[i] != NULL; i++) {
		e = jerr_json(json_pack("{s:s,s:[{s:s,s:s}]}", "logical",
		    "and", "conditions", "property", valid[i], "operator",
		    "is not null"));
		if (strcmp(e, "OK") != 0 && strncmp(e, "operator ", 9) != 0)
			printf("  %s: %s\n", valid[i], e);
		CHECK(strcmp(e, "OK") == 0 || strncmp(e, "operator ", 9) == 0);
	}
}

static const char *const all_ops[26] = {
	"is", "is not", "is less than", "is less than or equal to",
	"is greater than", "is greater than or equal to", "is between",
	"is not between", "contains", "does not contain", "is one of",
	"is not one of", "starts with", "ends with", "is before",
	"is on or before", "is after", "is on or after", "is true",
	"is false", "is empty", "is not empty", "is null", "is not null",
	"exists", "does not exist"
};

/* How many values each operator of all_ops takes: 0, 1, 2, or 3 = list. */
static const int op_nvals[26] = {
	1, 1, 1, 1, 1, 1, 2, 2, 1, 1, 3, 3, 1, 1, 1, 1, 1, 1,
	0, 0, 0, 0, 0, 0, 0, 0
};

/*
 * The matrix of §4, transcribed: one row per operator of all_ops, one
 * column per kind (string, enum string, boolean, int, float, decimal,
 * datetime, ip, json, object, map).  X = the exists message.
 */
static const char *const spec_matrix[26] = {
	"YYTYYYYYYTT", "YYTYYYYYYTT",
	"YVTYYYTTYTT", "YVTYYYTTYTT", "YVTYYYTTYTT", "YVTYYYTTYTT",
	"YVTYYYYTYTT", "YVTYYYYTYTT",
	"YYTTTTTTYTT", "YYTTTTTTYTT",
	"YYTYYYYTYTT", "YYTYYYYTYTT",
	"YVTTTTTTYTT", "YVTTTTTTYTT",
	"TTTTTTYTYTT", "TTTTTTYTYTT", "TTTTTTYTYTT", "TTTTTTYTYTT",
	"TTYTTTTTYTT", "TTYTTTTTYTT",
	"YEKKKKKKYOY", "YEKKKKKKYOY",
	"NNNNNNNNYNN", "NNNNNNNNYNN",
	"YYYYYYXYYYY", "YYYYYYXYYYY"
};

/* A property of each kind and a value valid for it. */
static const struct kindprop {
	const char	*path;
	const char	*kind;
	const char	*value;
} kindprops[11] = {
	{ "userId", "string", "abc" },
	{ "context.os.name", "string", "iOS" },
	{ "context.device.adTrackingEnabled", "boolean", "true" },
	{ "context.screen.width", "int", "10" },
	{ "context.location.latitude", "float", "1.5" },
	{ "context.screen.density", "decimal", "1.5" },
	{ "timestamp", "datetime", "2024-01-01T00:00:00Z" },
	{ "context.ip", "ip", "10.0.0.1" },
	{ "properties.x", "json", "2024-01-01" },
	{ "context.page", "object", "x" },
	{ "context.consents", "map", "x" },
};

/* A one-condition JSON filter with n copies of the value (n < 0: none). */
static json_t *
cond_json(const char *path, const char *op, const char *value, int n)
{
	json_t	*c, *vals;
	int	 i;

	c = json_pack("{s:s,s:s}", "property", path, "operator", op);
	if (n >= 0) {
		vals = json_array();
		for (i = 0; i < n; i++)
			json_array_append_new(vals, json_string(value));
		json_object_set_new(c, "values", vals);
	}
	return json_pack("{s:s,s:[o]}", "logical", "and", "conditions", c);
}

/* §4: every operator on every kind. */
static void
test_matrix(void)
{
	static const char *const noexist[] = {
		"type", "messageId", "anonymousId", "connectionId",
		"receivedAt", "sentAt", "originalTimestamp", "timestamp",
		"traits", NULL
	};
	static const char *const exist[] = {
		"properties", "traits.x", "context.ip", "userId",
		"properties['a b']", "context", "context.page.url", "channel",
		"category", "event", "groupId", "name", "previousId",
		"context.session.id", NULL
	};
	char	 want[256];
	size_t	 o, k;
	int	 n;

	for (o = 0; o < 26; o++) {
		for (k = 0; k < 11; k++) {
			n = op_nvals[o] == 0 ? -1 : op_nvals[o] == 3 ? 1 :
			    op_nvals[o];
			switch (spec_matrix[o][k]) {
			case 'Y':
				snprintf(want, sizeof(want), "OK");
				break;
			case 'T':
				snprintf(want, sizeof(want), "operator \"%s\" "
				    "cannot be used with %s properties",
				    all_ops[o], kindprops[k].kind);
				break;
			case 'V':
				snprintf(want, sizeof(want), "operator \"%s\" "
				    "cannot be used with string type that has "
				    "values", all_ops[o]);
				break;
			case 'E':
				snprintf(want, sizeof(want), "operator \"%s\" "
				    "cannot be used on string properties that "
				    "exclude the empty string from allowed "
				    "values", all_ops[o]);
				break;
			case 'K':
				snprintf(want, sizeof(want), "operator \"%s\" "
				    "can only be used with json, string, "
				    "object, array, and map properties",
				    all_ops[o]);
				break;
			case 'O':
				snprintf(want, sizeof(want), "operator \"%s\" "
				    "cannot be used on object properties for "
				    "pipelines on events", all_ops[o]);
				break;
			case 'N':
				snprintf(want, sizeof(want), "operator \"%s\" "
				    "can only be used with nullable or json "
				    "properties", all_ops[o]);
				break;
			case 'X':
				snprintf(want, sizeof(want), "operator \"%s\" "
				    "can only be used with read-optional "
				    "properties or with json properties that "
				    "include a JSON path", all_ops[o]);
				break;
			}
			CHECK_STR(jerr_json(cond_json(kindprops[k].path,
			    all_ops[o], kindprops[k].value, n)), want);
		}
	}

	for (k = 0; noexist[k] != NULL; k++) {
		CHECK_STR(jerr_json(cond_json(noexist[k], "exists", NULL, -1)),
		    "operator \"exists\" can only be used with read-optional "
		    "properties or with json properties that include a JSON "
		    "path");
		CHECK_STR(jerr_json(cond_json(noexist[k], "does not exist",
		    NULL, -1)), "operator \"does not exist\" can only be used "
		    "with read-optional properties or with json properties "
		    "that include a JSON path");
	}
	for (k = 0; exist[k] != NULL; k++) {
		CHECK_STR(jerr_json(cond_json(exist[k], "exists", NULL, -1)),
		    "OK");
		CHECK_STR(jerr_json(cond_json(exist[k], "does not exist",
		    NULL, -1)), "OK");
	}
	/* §4: the is/is not message names the real kind. */
	CHECK_STR(text_err("context.page is 'x'"),
	    "operator \"is\" cannot be used with object properties");
	CHECK_STR(text_err("context.consents is not 'x'"),
	    "operator \"is not\" cannot be used with map properties");
	CHECK_STR(text_err("type is true"),
	    "operator \"is true\" cannot be used with string properties");
}

/* §6: the value-count rules. */
static void
test_value_counts(void)
{
	CHECK_STR(jerr_json(cond_json("userId", "exists", "a", 0)),
	    "values cannot be used with the operator \"exists\"");
	CHECK_STR(jerr_json(cond_json("userId", "is not empty", "a", 1)),
	    "values cannot be used with the operator \"is not empty\"");
	CHECK_STR(jerr_json(cond_json("properties.a", "is null", "", 2)),
	    "values cannot be used with the operator \"is null\"");
	CHECK_STR(jerr_json(cond_json("userId", "is", "a", -1)),
	    "only one value can be used with the operator \"is\"");
	CHECK_STR(jerr_json(cond_json("userId", "is", "a", 0)),
	    "only one value can be used with the operator \"is\"");
	CHECK_STR(jerr_json(cond_json("userId", "contains", "a", 2)),
	    "only one value can be used with the operator \"contains\"");
	CHECK_STR(jerr_json(cond_json("userId", "is between", "a", 1)),
	    "two values must be used with the operator \"is between\"");
	CHECK_STR(jerr_json(cond_json("userId", "is not between", "a", 3)),
	    "two values must be used with the operator \"is not between\"");
	CHECK_STR(jerr_json(cond_json("userId", "is between", "a", -1)),
	    "two values must be used with the operator \"is between\"");
	CHECK_STR(jerr_json(cond_json("userId", "is one of", "a", 0)),
	    "at least one value must be used with the operator "
	    "\"is one of\"");
	CHECK_STR(jerr_json(cond_json("userId", "is not one of", "a", -1)),
	    "at least one value must be used with the operator "
	    "\"is not one of\"");
	CHECK_STR(jerr_json(cond_json("userId", "is one of", "a", 7)), "OK");
	/* The text form leaves counts to validation (§8.1). */
	CHECK_STR(text_err("properties.x is between (1, 2, 3)"),
	    "two values must be used with the operator \"is between\"");
	CHECK_STR(text_err("properties.x is between (1)"),
	    "two values must be used with the operator \"is between\"");
	CHECK_STR(text_err("properties.x is one of ()"),
	    "at least one value must be used with the operator "
	    "\"is one of\"");
	CHECK_STR(text_err("properties.x is not one of ( \t )"),
	    "at least one value must be used with the operator "
	    "\"is not one of\"");
}

/* One condition "path op value" from JSON: its error or "OK". */
static const char *
value_err(const char *path, const char *op, const char *value)
{
	return jerr_json(cond_json(path, op, value, 1));
}

/* §5: the checks of values and the literals of each kind. */
static void
test_values(void)
{
	static const char *const ints_ok[] = {
		"0", "-0", "+0", "5", "+5", "-5", "9223372036854775807",
		"-9223372036854775808", "1024", NULL
	};
	static const char *const ints_bad[] = {
		"007", "1.0", "1e3", "9223372036854775808",
		"-9223372036854775809", " 5", "5 ", "+", "-", "0x10", "1_000",
		"--1", "+-1", "00", NULL
	};
	static const char *const floats_ok[] = {
		"0", "01.5", "1.5", "-1.5", "+1.5", "1e3", "1E-3", "1.5e+10",
		"1e-400", "1e308", NULL
	};
	static const char *const floats_bad[] = {
		".5", "5.", "NaN", "Inf", "Infinity", "1e400", "-1e400", "1e",
		"1.5.2", "0x10", " 1", "1.e5", "e5", "1e+", NULL
	};
	static const char *const decs_ok[] = {
		"5", "-5", "+5", "5.", ".5", "0.50", "1e3", "1.5E-2", "0",
		"0.", "-.5e-7", "1e99999999999999999999999999", NULL
	};
	static const char *const decs_bad[] = {
		"007", "00.5", "0x10", " 5", "Infinity", ".", "+.", "1e",
		"5..", "1e1.5", "--5", NULL
	};
	static const char *const times_ok[] = {
		"2024-10-31T14:39:06.050Z", "2024-10-31T14:39:06Z",
		"2024-10-31T16:39:06.05+02:00", "2024-10-31T14:39:06.288305712",
		"2024-10-31 14:39:06", "2024-10-31T14:39",
		"2024-10-31T16:39:06+0200",
		"2024-10-31T16:39:06+02", "2024-10-31", "2024-02-29",
		"0001-01-01T00:00:00Z", "9999-12-31T23:59:59.999999999Z",
		"2024-10-31T14:39:06-00:00", NULL
	};
	static const char *const times_bad[] = {
		"0000-01-01", "10000-01-01", "0001-01-01T00:00:00+01:00",
		"2023-02-29", "2024-13-01", "20240101T100000Z", "2024-10-31T14",
		"2024-10-31T14:39:60", "2024-10-31T14:39:06,5",
		"2024-10-31T14:39:06.1234567890", "2024-10-31Z", "2024-1-5",
		"yesterday", "2024-10-31T24:00", NULL
	};
	static const char *const ips_ok[] = {
		"10.0.0.1", "0.0.0.0", "255.255.255.255", "::1", "::",
		"2001:db8::1", "2001:DB8:0:0:0:0:0:1", "::ffff:10.0.0.1",
		"::ffff:a00:1", "fe80::1", "1:2:3:4:5:6:1.2.3.4", NULL
	};
	static const char *const ips_bad[] = {
		"010.0.0.1", "1.2.3", "1.2.3.4.5", "256.0.0.1", "fe80::1%eth0",
		"x", "1.2.3.4 ", ":::", "1::2::3", "::ffff:01.2.3.4", NULL
	};
	char	 s61[256], s60[200];
	size_t	 i;

	for (i = 0; ints_ok[i] != NULL; i++)
		CHECK_STR(value_err("context.screen.width", "is", ints_ok[i]),
		    "OK");
	for (i = 0; ints_bad[i] != NULL; i++)
		CHECK_STR(value_err("context.session.id", "is", ints_bad[i]),
		    "value of the \"context.session.id\" property is not a "
		    "valid int");
	for (i = 0; floats_ok[i] != NULL; i++)
		CHECK_STR(value_err("context.location.speed", "is",
		    floats_ok[i]), "OK");
	for (i = 0; floats_bad[i] != NULL; i++)
		CHECK_STR(value_err("context.location.speed", "is",
		    floats_bad[i]), "value of the \"context.location.speed\" "
		    "property is not a valid float");
	for (i = 0; decs_ok[i] != NULL; i++)
		CHECK_STR(value_err("context.screen.density", "is",
		    decs_ok[i]), "OK");
	for (i = 0; decs_bad[i] != NULL; i++)
		CHECK_STR(value_err("context.screen.density", "is",
		    decs_bad[i]), "value of the \"context.screen.density\" "
		    "property is not a valid decimal");
	for (i = 0; times_ok[i] != NULL; i++) {
		CHECK_STR(value_err("sentAt", "is", times_ok[i]), "OK");
		CHECK_STR(value_err("properties.t", "is after", times_ok[i]),
		    "OK");
	}
	for (i = 0; times_bad[i] != NULL; i++) {
		CHECK_STR(value_err("sentAt", "is", times_bad[i]),
		    "value of the \"sentAt\" property is not a valid datetime");
		CHECK_STR(value_err("properties['a b']", "is on or before",
		    times_bad[i]), "value of the \"properties[\"a b\"]\" "
		    "property is not a valid datetime");
		/* Other operators take any string on json. */
		CHECK_STR(value_err("properties.t", "is", times_bad[i]), "OK");
	}
	for (i = 0; ips_ok[i] != NULL; i++)
		CHECK_STR(value_err("context.ip", "is", ips_ok[i]), "OK");
	for (i = 0; ips_bad[i] != NULL; i++)
		CHECK_STR(value_err("context.ip", "is not", ips_bad[i]),
		    "value of the \"context.ip\" property is not a valid ip");

	/* Enum strings: exact allowed values and no other check. */
	CHECK_STR(value_err("type", "is", "Track"),
	    "value of the \"type\" property is not among the allowed values");
	CHECK_STR(value_err("type", "is", ""),
	    "value of the \"type\" property is not among the allowed values");
	CHECK_STR(value_err("context.browser.name", "contains", "Saf"),
	    "value of the \"context.browser.name\" property is not among the "
	    "allowed values");
	CHECK_STR(jerr("{'logical':'and','conditions':[{'property':'type',"
	    "'operator':'is one of','values':['track','page','x','']}]}"),
	    "value of the \"type\" property is not among the allowed values");
	CHECK_STR(value_err("context.os.name", "is", "Chrome OS"), "OK");
	CHECK_STR(value_err("context.browser.name", "is", "Samsung Internet"),
	    "OK");

	/* The generic checks, in their order. */
	CHECK_STR(value_err("userId", "is", ""), "condition value is empty");
	CHECK_STR(value_err("context.screen.width", "is", ""),
	    "condition value is empty");
	CHECK_STR(jerr_json(json_pack("{s:s,s:[{s:s,s:s,s:[o]}]}", "logical",
	    "and", "conditions", "property", "userId", "operator", "is",
	    "values", json_stringn_nocheck("a\xff", 2))),
	    "condition value contains invalid UTF-8 encoded characters");
	CHECK_STR(jerr_json(json_pack("{s:s,s:[{s:s,s:s,s:[o]}]}", "logical",
	    "and", "conditions", "property", "userId", "operator", "is",
	    "values", json_stringn_nocheck("\0\xed\xa0\x80", 4))),
	    "condition value contains invalid UTF-8 encoded characters");
	CHECK_STR(jerr_json(json_pack("{s:s,s:[{s:s,s:s,s:[o]}]}", "logical",
	    "and", "conditions", "property", "properties.a", "operator", "is",
	    "values", json_stringn("a\0b", 3))),
	    "condition value contains the NUL byte");
	s61[0] = s60[0] = '\0';
	for (i = 0; i < 60; i++)
		strcat(s60, "\xc3\xa9");
	snprintf(s61, sizeof(s61), "%sx", s60);
	CHECK_STR(value_err("userId", "is", s60), "OK");
	CHECK_STR(value_err("userId", "is", s61),
	    "condition value is longer than 60 runes");
	CHECK_STR(value_err("context.session.id", "is", s61),
	    "condition value is longer than 60 runes");
	CHECK_STR(jerr_json(json_pack("{s:s,s:[{s:s,s:s,s:[o]}]}", "logical",
	    "and", "conditions", "property", "properties.a", "operator", "is",
	    "values", json_stringn("0123456789012345678901234567890123456789"
	    "01234567890123456789\0", 61))),
	    "condition value contains the NUL byte");

	/* Values are checked in order; counts before values. */
	CHECK_STR(jerr("{'logical':'and','conditions':[{'property':"
	    "'context.screen.width','operator':'is between','values':"
	    "['1','x']}]}"), "value of the \"context.screen.width\" property "
	    "is not a valid int");
	CHECK_STR(jerr("{'logical':'and','conditions':[{'property':"
	    "'context.screen.width','operator':'is between','values':"
	    "['','x']}]}"), "condition value is empty");
	CHECK_STR(jerr("{'logical':'and','conditions':[{'property':"
	    "'context.screen.width','operator':'is between','values':"
	    "['x','','y']}]}"), "two values must be used with the operator "
	    "\"is between\"");
}

/* §6: the order of the checks within and across conditions. */
static void
test_validation_order(void)
{
	CHECK_STR(jerr("{'logical':'and','conditions':[{'property':'1x',"
	    "'operator':'bad'}]}"), "property path is not valid");
	CHECK_STR(jerr("{'logical':'and','conditions':[{'property':'foo',"
	    "'operator':'bad'}]}"), "property path \"foo\" does not exist");
	CHECK_STR(jerr("{'logical':'and','conditions':[{'property':'userId',"
	    "'operator':'bad','values':[]}]}"),
	    "operator \"bad\" is not valid");
	CHECK_STR(jerr("{'logical':'and','conditions':[{'property':'userId',"
	    "'operator':'is  not','values':['a']}]}"),
	    "operator \"is  not\" is not valid");
	CHECK_STR(jerr("{'logical':'and','conditions':[{'property':'userId',"
	    "'operator':'IS','values':['a']}]}"),
	    "operator \"IS\" is not valid");
	CHECK_STR(jerr("{'logical':'and','conditions':[{'property':'type',"
	    "'operator':'is true','values':['a']}]}"),
	    "operator \"is true\" cannot be used with string properties");
	CHECK_STR(jerr("{'logical':'and','conditions':[{'property':'userId',"
	    "'operator':'exists','values':['','']}]}"),
	    "values cannot be used with the operator \"exists\"");
	CHECK_STR(jerr("{'logical':'and','conditions':[{'property':'userId',"
	    "'operator':'is one of','values':['a','']}]}"),
	    "condition value is empty");
	/* The first condition with an error decides. */
	CHECK_STR(jerr("{'logical':'and','conditions':[{'property':'userId',"
	    "'operator':'is','values':['']},{'property':'1'}]}"),
	    "condition value is empty");
	CHECK_STR(jerr("{'logical':'or','conditions':[{'property':'userId',"
	    "'operator':'exists'},{'property':'nope','operator':'exists'},"
	    "{'property':'1'}]}"), "property path \"nope\" does not exist");
	/* A text is validated once it parses. */
	CHECK_STR(text_err("type is 'x' and foo exists"),
	    "value of the \"type\" property is not among the allowed values");
	CHECK_STR(text_err("type is 'track' and foo exists"),
	    "property path \"foo\" does not exist");
	CHECK_STR(text_err("foo exists and type is"),
	    "syntax error at position 23: expected a value");
	CHECK_STR(text_err("properties[\"\xff\"] exists"),
	    "property path is not valid");
	CHECK_STR(text_err("properties.x is '\xff'"),
	    "condition value contains invalid UTF-8 encoded characters");
	CHECK_STR(text_err("userId is ''"), "condition value is empty");
}

/* §8.4: syntax errors and their positions. */
static void
test_syntax_errors(void)
{
	static const struct {
		const char	*text;
		const char	*err;
	} ex[] = {
		/* The examples of §8.4. */
		{ "type is track", "9: expected a value" },
		{ "a is 1 andb is 2", "8: expected \"and\", \"or\" or the end "
		  "of the filter" },
		{ "type is 'a' and event is 'b' or name exists",
		  "30: cannot mix \"and\" and \"or\" in one filter" },
		{ "", "1: expected a property path" },
		{ "x is 5and", "6: invalid number" },
		{ "x is trueish", "6: expected a value" },
		/* expected a property path */
		{ "   ", "4: expected a property path" },
		{ "1x is 2", "1: expected a property path" },
		{ "'type' is 'a'", "1: expected a property path" },
		{ "x exists and ", "14: expected a property path" },
		{ "x exists and  (y exists)", "15: expected a property path" },
		{ "x exists or 5", "13: expected a property path" },
		/* invalid property path, strings in brackets */
		{ "context. is 1", "8: invalid property path" },
		{ "context.1 is 1", "8: invalid property path" },
		{ "properties[abc] exists", "11: invalid property path" },
		{ "properties[\"\"] exists", "11: invalid property path" },
		{ "properties[''] exists", "11: invalid property path" },
		{ "properties['a' exists", "11: invalid property path" },
		{ "properties['a'", "11: invalid property path" },
		{ "properties['a'].[b] exists", "16: invalid property path" },
		{ "properties[\"abc exists", "12: unterminated string" },
		{ "properties['a\\x'] exists", "12: invalid escape sequence" },
		/* expected an operator */
		{ "type", "5: expected an operator" },
		{ "type   ", "8: expected an operator" },
		{ "type'x'", "5: expected an operator" },
		{ "type foo 'x'", "6: expected an operator" },
		{ "type isx 'x'", "6: expected an operator" },
		{ "type is_not 'x'", "6: expected an operator" },
		{ "type IS 'x'", "6: expected an operator" },
		{ "x existsx", "3: expected an operator" },
		{ "properties['a']x is 1", "16: expected an operator" },
		{ "type .x is 1", "6: expected an operator" },
		/* expected a value */
		{ "type is", "8: expected a value" },
		{ "type is   ", "11: expected a value" },
		{ "type is not", "12: expected a value" },
		{ "x is nul", "6: expected a value" },
		{ "type is not one", "13: expected a value" },
		{ "type is , 'a'", "9: expected a value" },
		{ "type is )", "9: expected a value" },
		{ "x is _a", "6: expected a value" },
		{ "x is true_", "6: expected a value" },
		{ "x is not true-", "14: expected \"and\", \"or\" or the end "
		  "of the filter" },
		{ "x is not True", "10: expected a value" },
		{ "x is one of (1,)", "16: expected a value" },
		{ "x is one of (1, ,2)", "17: expected a value" },
		{ "x is one of (", "14: expected a value" },
		{ "x is one of (abc)", "14: expected a value" },
		{ "x is one of ((1))", "14: expected a value" },
		{ "x contains null", "12: expected a value" },
		/* expected "(" / unexpected "(" */
		{ "type is one of 'a'", "16: expected \"(\" after the operator "
		  "\"is one of\"" },
		{ "x is between", "13: expected \"(\" after the operator "
		  "\"is between\"" },
		{ "x is not between 1, 2", "18: expected \"(\" after the "
		  "operator \"is not between\"" },
		{ "x is not one of [1]", "17: expected \"(\" after the "
		  "operator \"is not one of\"" },
		{ "type is ('a')", "9: unexpected \"(\" after the operator "
		  "\"is\"" },
		{ "type is not('a')", "12: unexpected \"(\" after the operator "
		  "\"is not\"" },
		{ "x starts with ('a', 'b')", "15: unexpected \"(\" after the "
		  "operator \"starts with\"" },
		/* expected "," or ")" */
		{ "type is one of ('a' 'b')", "21: expected \",\" or \")\"" },
		{ "x is one of (1, 2", "18: expected \",\" or \")\"" },
		{ "x is one of (1;2)", "15: expected \",\" or \")\"" },
		{ "x is one of (1'a')", "15: expected \",\" or \")\"" },
		{ "x is one of (true-)", "18: expected \",\" or \")\"" },
		{ "x is between (1 2)", "17: expected \",\" or \")\"" },
		{ "x is one of ('a'", "17: expected \",\" or \")\"" },
		/* unterminated string, escapes */
		{ "type is 'abc", "9: unterminated string" },
		{ "type is \"abc'", "9: unterminated string" },
		{ "type is 'ab\\'", "9: unterminated string" },
		{ "type is 'ab\\", "9: unterminated string" },
		{ "x is one of ('a', \"b)", "19: unterminated string" },
		{ "type is 'a\\qb'", "9: invalid escape sequence" },
		{ "x is \"\\u0000\"", "6: invalid escape sequence" },
		{ "x is \"\\uD800\"", "6: invalid escape sequence" },
		{ "x is \"\\uDFFF\"", "6: invalid escape sequence" },
		{ "x is \"\\U00110000\"", "6: invalid escape sequence" },
		{ "x is \"\\U0000D800\"", "6: invalid escape sequence" },
		{ "x is \"\\u12\"", "6: invalid escape sequence" },
		{ "x is \"\\u12G4\"", "6: invalid escape sequence" },
		{ "x is \"\\U0001F60\"", "6: invalid escape sequence" },
		{ "x is \"\\x41\"", "6: invalid escape sequence" },
		{ "x is \"\\a\"", "6: invalid escape sequence" },
		{ "x is \"\\0\"", "6: invalid escape sequence" },
		/* invalid number */
		{ "x is 1.2.3", "6: invalid number" },
		{ "x is -", "6: invalid number" },
		{ "x is +", "6: invalid number" },
		{ "x is .", "6: invalid number" },
		{ "x is .e5", "6: invalid number" },
		{ "x is 1e", "6: invalid number" },
		{ "x is 1e+", "6: invalid number" },
		{ "x is 0x10", "6: invalid number" },
		{ "x is 1_000", "6: invalid number" },
		{ "x is 5-3", "6: invalid number" },
		{ "x is 5'a'", "7: expected \"and\", \"or\" or the end of the "
		  "filter" },
		{ "x is one of (1, 2x)", "17: invalid number" },
		{ "x is -Infinity", "6: invalid number" },
		/* expected a connector or the end */
		{ "x exists 5", "10: expected \"and\", \"or\" or the end of "
		  "the filter" },
		{ "x exists 'a'", "10: expected \"and\", \"or\" or the end of "
		  "the filter" },
		{ "x is 'a'and y exists", "9: expected \"and\", \"or\" or the "
		  "end of the filter" },
		{ "x is 'a' 'b'", "10: expected \"and\", \"or\" or the end of "
		  "the filter" },
		{ "x is 1 or", "8: expected \"and\", \"or\" or the end of the "
		  "filter" },
		{ "x is 1 and(y exists)", "8: expected \"and\", \"or\" or the "
		  "end of the filter" },
		{ "x exists And y exists", "10: expected \"and\", \"or\" or "
		  "the end of the filter" },
		{ "x exists && y exists", "10: expected \"and\", \"or\" or the "
		  "end of the filter" },
		{ "x is true 'a'", "11: expected \"and\", \"or\" or the end of "
		  "the filter" },
		{ "x is one of (1) (2)", "17: expected \"and\", \"or\" or the "
		  "end of the filter" },
		{ "x exists(1)", "9: expected \"and\", \"or\" or the end of "
		  "the filter" },
		{ "x exists ,", "10: expected \"and\", \"or\" or the end of "
		  "the filter" },
		/* cannot mix */
		{ "a exists or b exists and c exists",
		  "22: cannot mix \"and\" and \"or\" in one filter" },
		{ "a exists and b exists and c exists or d exists",
		  "36: cannot mix \"and\" and \"or\" in one filter" },
		/* Positions count code points, not bytes. */
		{ "properties[\"h\xc3\xa9llo\"] is tru",
		  "24: expected a value" },
		{ "properties.x is '\xe2\x82\xac' \xf0\x9f\x98\x80",
		  "21: expected \"and\", \"or\" or the end of the filter" },
		{ "properties.x is '\xe2\x82\xac\\q'", "17: invalid escape "
		  "sequence" },
		{ "x is '\xc3\xa9\xc3\xa9' and", "11: expected \"and\", \"or\" "
		  "or the end of the filter" },
		{ "x is '\xc3\xa9\xc3\xa9' and ", "15: expected a property "
		  "path" },
	};
	char	 want[256];
	size_t	 i;

	for (i = 0; i < sizeof(ex) / sizeof(ex[0]); i++) {
		snprintf(want, sizeof(want), "syntax error at position %s",
		    ex[i].err);
		if (strcmp(text_err(ex[i].text), want) != 0)
			printf("  <%s>\n", ex[i].text);
		CHECK_STR(text_err(ex[i].text), want);
	}

	/*
	 * §8.2: a NUL byte is refused where it stands, as any character
	 * the grammar does not take there, not taken for the end of the
	 * text.
	 */
#define NUL_ERR(s, e)	CHECK_STR(text_err_n(s, sizeof(s) - 1), \
	"syntax error at position " e)
	NUL_ERR("userId exists\0 and type is 'x'", "8: expected an operator");
	CHECK_STR(text_err("userId exists# and type is 'x'"), "syntax error "
	    "at position 8: expected an operator");
	NUL_ERR("userId exists and type is 'x'\0", "30: expected \"and\", "
	    "\"or\" or the end of the filter");
	NUL_ERR("userId exists \0", "15: expected \"and\", \"or\" or the end "
	    "of the filter");
	NUL_ERR("user\0Id exists", "5: expected an operator");
	NUL_ERR("\0", "1: expected a property path");
	NUL_ERR("userId is \0", "11: expected a value");
	NUL_ERR("userId is 'a\0'", "11: invalid escape sequence");
	NUL_ERR("properties['a\0'] exists", "12: invalid escape sequence");
#undef NUL_ERR
}

/* §8.1: what the grammar accepts. */
static void
test_syntax_ok(void)
{
	static const struct {
		const char	*in;
		const char	*out;
	} ex[] = {
		{ "properties.x is true", "properties.x is true" },
		{ "properties.x is not true", "properties.x is not \"true\"" },
		{ "properties.x is \"true\"", "properties.x is \"true\"" },
		{ "properties.x is one of (true,false)",
		  "properties.x is one of (\"true\", \"false\")" },
		{ "properties.x is'a'", "properties.x is \"a\"" },
		{ "properties.x is\"a\"", "properties.x is \"a\"" },
		{ "properties.x is one of('a')",
		  "properties.x is one of (\"a\")" },
		{ "properties.x is one of (  1  ,  2  )",
		  "properties.x is one of (1, 2)" },
		{ "properties.x is one of (1,2,3)",
		  "properties.x is one of (1, 2, 3)" },
		{ "properties.x is between (\n1,\n2\n)",
		  "properties.x is between (1, 2)" },
		{ "properties.x is less  than\tor\nequal to 5",
		  "properties.x is less than or equal to 5" },
		{ "properties.x is 'it''s'", NULL },
		{ "properties.x is \"it's\"", "properties.x is \"it's\"" },
		{ "properties.x is 'say \"hi\"'",
		  "properties.x is \"say \\\"hi\\\"\"" },
		{ "properties.x is 'a\nb'", "properties.x is \"a\\nb\"" },
		{ "properties.x exists and properties.y exists",
		  "properties.x exists and properties.y exists" },
		{ "properties.and exists and properties.or exists",
		  "properties.and exists and properties.or exists" },
		{ "properties.x is 'and' and properties.y is 'or'",
		  "properties.x is \"and\" and properties.y is \"or\"" },
		{ "properties.is is 1", "properties.is is 1" },
		{ "properties.x is not empty", "properties.x is not empty" },
		{ "properties.x is not null", "properties.x is not null" },
		{ "properties.x does not exist",
		  "properties.x does not exist" },
		{ "properties.x does not contain 'a'",
		  "properties.x does not contain \"a\"" },
		{ "properties.x is not between (1, 2)",
		  "properties.x is not between (1, 2)" },
		{ "properties.x is 1,", NULL },
		{ "properties.x is 1)", NULL },
		{ "properties.x is on or after '2024-01-01'",
		  "properties.x is on or after \"2024-01-01\"" },
		{ "properties.x is 1\n", "properties.x is 1" },
		{ "\n\tproperties.x exists\n", "properties.x exists" },
		{ "_a exists", NULL },
	};
	size_t		 i;
	char		*s;

	for (i = 0; i < sizeof(ex) / sizeof(ex[0]); i++) {
		if (ex[i].out == NULL)
			continue;
		s = canon(ex[i].in);
		CHECK_STR(s, ex[i].out);
		free(s);
	}
	/* Those without output are errors of another kind. */
	CHECK_STR(text_err("properties.x is 'it''s'"), "syntax error at "
	    "position 21: expected \"and\", \"or\" or the end of the filter");
	CHECK_STR(text_err("properties.x is 1,"), "syntax error at position "
	    "18: expected \"and\", \"or\" or the end of the filter");
	CHECK_STR(text_err("properties.x is 1)"), "syntax error at position "
	    "18: expected \"and\", \"or\" or the end of the filter");
	CHECK_STR(text_err("_a exists"), "property path \"_a\" does not exist");
}

/* pipelines.md §7.2: the reason of a false filter. */
static void
test_result(void)
{
	struct filter_result	 res;
	struct filter		*f;
	json_t			*ev = base_event();

	event_set(ev, "properties.plan", json_string("team"));
	f = P("type is 'track' and properties.plan is 'pro' and "
	    "userId exists");
	CHECK_INT(filter_count(f), 3);
	CHECK_INT(E(f, ev, &res), 0);
	CHECK_INT(res.reason, FILTER_FAILED_CONDITION);
	CHECK_INT(res.index, 1);
	CHECK_STR(res.text, "properties.plan is \"pro\"");
	CHECK_STR(filter_condition_text(f, 0), "type is \"track\"");
	CHECK_STR(filter_condition_text(f, 2), "userId exists");
	CHECK(filter_condition_text(f, 3) == NULL);
	event_set(ev, "properties.plan", json_string("pro"));
	CHECK_INT(E(f, ev, &res), 1);
	CHECK_INT(res.reason, FILTER_PASSED);
	CHECK(res.text == NULL);
	event_set(ev, "type", json_string("page"));
	CHECK_INT(E(f, ev, &res), 0);
	CHECK_INT(res.index, 0);
	CHECK_STR(res.text, "type is \"track\"");
	filter_free(f);

	f = P("type is one of ('track', 'screen') or userId does not exist");
	CHECK_INT(E(f, ev, &res), 0);
	CHECK_INT(res.reason, FILTER_NO_MATCH);
	CHECK(res.text == NULL);
	event_set(ev, "userId", NULL);
	CHECK_INT(E(f, ev, &res), 1);
	CHECK_INT(res.reason, FILTER_PASSED);
	CHECK_INT(E(f, ev, NULL), 1);
	filter_free(f);

	/* A single "or" condition is stored as "and". */
	f = P("userId exists");
	CHECK_INT(E(f, ev, &res), 0);
	CHECK_INT(res.reason, FILTER_FAILED_CONDITION);
	CHECK_INT(res.index, 0);
	filter_free(f);

	CHECK_INT(E(NULL, ev, &res), 1);
	CHECK_INT(res.reason, FILTER_PASSED);
	json_decref(ev);
}

/* §7.5: JSON numbers compare as exact decimals; other json details. */
static void
test_json_values(void)
{
	static const struct {
		const char	*value;
		const char	*cond;
		int		 want;
	} ex[] = {
		{ "0.1", "properties.v is 0.10", 1 },
		{ "0.1", "properties.v is 1e-1", 1 },
		{ "0.1", "properties.v is 0.1000000000000000055511151231257827",
		  0 },
		{ "12345678901234567", "properties.v is 12345678901234567", 1 },
		{ "12345678901234567", "properties.v is 12345678901234568", 0 },
		{ "9223372036854775807",
		  "properties.v is 9223372036854775807", 1 },
		{ "9223372036854775807",
		  "properties.v is greater than 9223372036854775806", 1 },
		{ "-9223372036854775808",
		  "properties.v is less than -9223372036854775807", 1 },
		{ "670", "properties.v is 6.7e2", 1 },
		{ "670", "properties.v is '+670.'", 1 },
		{ "670", "properties.v is '670 '", 0 },
		{ "670", "properties.v is '0670'", 0 },
		{ "-0.0", "properties.v is 0", 1 },
		{ "0", "properties.v is -0", 1 },
		{ "1e300", "properties.v is greater than 1e299", 1 },
		{ "1e-300", "properties.v is greater than 0", 1 },
		{ "1e-300", "properties.v is less than 1e-299", 1 },
		{ "5", "properties.v is greater than 1e999999999999999999999",
		  0 },
		{ "5", "properties.v is greater than -1e999999999999999999999",
		  1 },
		{ "5", "properties.v is between (5, 5)", 1 },
		{ "5", "properties.v is between (6, 4)", 0 },
		{ "5", "properties.v is between ('4', 6)", 1 },
		{ "5", "properties.v is between ('4x', 6)", 0 },
		{ "'5'", "properties.v is between ('4x', 6)", 1 },
		{ "'5'", "properties.v is between (4, 6)", 1 },
		{ "'50'", "properties.v is between (4, 6)", 1 },
		{ "'7'", "properties.v is between (4, 6)", 0 },
		{ "5", "properties.v is one of ('x', 5.0)", 1 },
		{ "5", "properties.v is one of ('5x')", 0 },
		{ "5", "properties.v is not one of ('5x')", 1 },
		{ "['a', '812']", "properties.v contains 812", 1 },
		{ "[['a']]", "properties.v contains 'a'", 0 },
		{ "[null, true]", "properties.v contains 'true'", 0 },
		{ "[{'a':1}, 0.5]", "properties.v contains .5", 1 },
		{ "'a\\u0000b'", "properties.v contains 'b'", 1 },
		{ "'a\\u0000b'", "properties.v is greater than 'a'", 1 },
		{ "'a\\u0000b'", "properties.v ends with '\\u0001'", 0 },
		{ "true", "properties.v is empty", 0 },
		{ "{'x':{'y':1}}", "properties.v.x.y is 1", 1 },
		{ "{'x':[1]}", "properties.v.x[\"0\"] exists", 0 },
		{ "{'x':[1]}", "properties.v.x[\"0\"] does not exist", 1 },
		{ "{'x':'s'}", "properties.v.x.y is not 's'", 1 },
		{ "{'x':null}", "properties.v.x.y is null", 0 },
		{ "{'x':null}", "properties.v.x.y does not exist", 1 },
		{ "{'a.b':1}", "properties.v[\"a.b\"] is 1", 1 },
		{ "{'a':{'b':1}}", "properties.v[\"a.b\"] is 1", 0 },
		{ "'2024-01-01T00:00:00+01:00'",
		  "properties.v is before '2024-01-01'", 1 },
		{ "'2024-01-01T00:00:00-01:00'",
		  "properties.v is on or after '2024-01-01T01:00'", 1 },
		{ "'0000-01-01'", "properties.v is before '2024-01-01'", 0 },
		{ "'0000-01-01'", "properties.v is after '2024-01-01'", 0 },
		{ "'2024-01-01'", "properties.v is '2024-01-01T00:00:00Z'", 0 },
	};
	json_t	*ev = base_event();
	size_t	 i;
	int	 r;

	for (i = 0; i < sizeof(ex) / sizeof(ex[0]); i++) {
		event_set(ev, "properties.v", J(ex[i].value));
		r = eval_text(ex[i].cond, ev);
		if (r != ex[i].want)
			printf("  %s on %s: %d\n", ex[i].cond, ex[i].value, r);
		CHECK_INT(r, ex[i].want);
	}
	json_decref(ev);
}

/* §9: text -> JSON -> text, and JSON -> text -> JSON, on fixed inputs. */
static void
test_roundtrip(void)
{
	static const char *const texts[] = {
		"type is \"track\"",
		"type is \"track\" and event is \"Order Completed\"",
		"properties.plan exists",
		"type is \"identify\" or traits is not empty",
		"properties[\"client id\"] is \"abc\" or traits[\"e-mail\"] "
		"ends with \"@example.com\"",
		"type is one of (\"track\", \"page\")",
		"timestamp is between (\"2024-01-01T00:00:00Z\", "
		"\"2025-01-01T00:00:00Z\")",
		"context.screen.width is greater than 1024",
		"properties.flag is true",
		"properties.flag is not \"false\"",
		"properties.x is one of (1, \"1x\", \"true\", -0.5e-3, .5, 5.)",
		"properties[\"a\\\"b\"][\"\\\\\"][\"\\u0001\\u001F\"] "
		"is \"\\b\\f\"",
		"traits[\"a.b\"].c is less than or equal to \"\xc3\xa9\"",
		"context.ip is \"10.0.0.1\"",
		"context.consents is not empty and context.page does not exist",
		"properties.v is between (\"a\", 2)",
		"properties.t is on or before "
		"\"2024-10-31T14:39:06.288305712\"",
	};
	struct filter	*f, *g;
	json_t		*j, *k;
	size_t		 i;
	char		*s, *t;

	/* An ip value is kept in canonical form (filters.md §5). */
	f = P("context.ip is '::FFFF:10.0.0.1' or context.ip is 'FE80::0:ABCD'");
	CHECK(f != NULL);
	if (f != NULL) {
		s = filter_to_text(f);
		CHECK_STR(s, "context.ip is \"10.0.0.1\" or context.ip is "
		    "\"fe80::abcd\"");
		free(s);
		filter_free(f);
	}
	/*
	 * That form is the one an event's IP gets (events.md §10): an IPv6
	 * address that is not IPv4-mapped is written in hex groups only.
	 */
	f = P("context.ip is '::10.0.0.1'");
	CHECK(f != NULL);
	if (f != NULL) {
		s = filter_to_text(f);
		CHECK_STR(s, "context.ip is \"::a00:1\"");
		free(s);
		filter_free(f);
	}
	for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		f = P(texts[i]);
		CHECK(f != NULL);
		if (f == NULL)
			continue;
		s = filter_to_text(f);
		CHECK_STR(s, texts[i]);
		j = filter_to_json(f);
		g = NULL;
		CHECK_INT(filter_from_json(j, &g, errbuf, sizeof(errbuf)), 0);
		t = filter_to_text(g);
		CHECK_STR(t, texts[i]);
		k = filter_to_json(g);
		CHECK(json_equal(j, k));
		json_decref(j);
		json_decref(k);
		free(s);
		free(t);
		filter_free(f);
		filter_free(g);
	}
}

/* A deterministic PRNG (xorshift64*). */
static uint64_t	 rng_state = 0x9e3779b97f4a7c15ULL;

static size_t
rnd(size_t n)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (size_t)((rng_state * 0x2545f4914f6cdd1dULL) >> 33) % n;
}

/* Append to a fixed buffer of the generator. */
static void
app(char *buf, size_t size, const char *s)
{
	size_t	 n = strlen(buf);

	snprintf(buf + n, size - n, "%s", s);
}

/* A random valid string value: at most 16 runes, no NUL. */
static void
gen_string(char *buf, size_t size)
{
	static const char *const pieces[] = {
		"a", "Z", "0", "9", " ", "\"", "'", "\\", "\n", "\t", "\r",
		"\b", "\f", "\x01", "\x1f", "\x7f", "\xc3\xa9", "\xe2\x82\xac",
		"\xf0\x9f\x98\x80", ".", "-", "(", ")", ",", "e", "+", "[", "]",
		"and", "or", "is", "/", "_", "x"
	};
	static const char *const special[] = {
		"true", "false", "1.50", "+5", "007", "5.", ".5", "1e3", "-0",
		"x y", "null", "1e", "--1", "is not", "0x10", "a.b"
	};
	size_t	 i, n;

	buf[0] = '\0';
	if (rnd(4) == 0) {
		app(buf, size, special[rnd(sizeof(special) /
		    sizeof(special[0]))]);
		return;
	}
	n = 1 + rnd(8);
	for (i = 0; i < n; i++)
		app(buf, size, pieces[rnd(sizeof(pieces) / sizeof(pieces[0]))]);
}

/* A random literal of a kind (see kindnames below). */
static void
gen_value(int kind, int timeop, char *buf, size_t size)
{
	static const char *const ips[] = {
		"10.0.0.1", "::1", "2001:db8::1", "192.168.0.1",
		"fe80::abcd", "0.0.0.0", "1:2:3:4:5:6:7:8"
	};
	static const char *const zones[] = {
		"", "Z", "z", "+01:00", "-0530", "+02", "-00:00"
	};
	char	 t[64];
	size_t	 i, n;

	buf[0] = '\0';
	switch (kind) {
	case 0:		/* string */
		gen_string(buf, size);
		break;
	case 3:		/* int */
		app(buf, size, rnd(3) == 0 ? "-" : rnd(2) ? "" : "+");
		if (rnd(5) == 0) {
			app(buf, size, "0");
			break;
		}
		snprintf(t, sizeof(t), "%zu", 1 + rnd(9));
		app(buf, size, t);
		for (i = 0, n = rnd(17); i < n; i++) {
			snprintf(t, sizeof(t), "%zu", rnd(10));
			app(buf, size, t);
		}
		break;
	case 4:		/* float */
	case 5:		/* decimal */
		app(buf, size, rnd(3) == 0 ? "-" : rnd(2) ? "" : "+");
		snprintf(t, sizeof(t), "%zu", kind == 4 ? rnd(1000) :
		    1 + rnd(999));
		app(buf, size, t);
		if (rnd(2)) {
			snprintf(t, sizeof(t), ".%zu", rnd(1000));
			app(buf, size, t);
		}
		if (rnd(3) == 0) {
			snprintf(t, sizeof(t), "%s%s%zu", rnd(2) ? "e" : "E",
			    rnd(2) ? "-" : "", rnd(30));
			app(buf, size, t);
		}
		break;
	case 6:		/* datetime */
		snprintf(t, sizeof(t), "%04zu-%02zu-%02zu", 1000 + rnd(8000),
		    1 + rnd(12), 1 + rnd(28));
		app(buf, size, t);
		if (rnd(4) == 0)
			break;
		snprintf(t, sizeof(t), "%s%02zu:%02zu", rnd(2) ? "T" : " ",
		    rnd(24), rnd(60));
		app(buf, size, t);
		if (rnd(2)) {
			snprintf(t, sizeof(t), ":%02zu", rnd(60));
			app(buf, size, t);
			if (rnd(2)) {
				app(buf, size, ".");
				for (i = 0, n = 1 + rnd(9); i < n; i++) {
					snprintf(t, sizeof(t), "%zu", rnd(10));
					app(buf, size, t);
				}
			}
		}
		app(buf, size, zones[rnd(sizeof(zones) / sizeof(zones[0]))]);
		break;
	case 7:		/* ip */
		app(buf, size, ips[rnd(sizeof(ips) / sizeof(ips[0]))]);
		break;
	case 8:		/* json */
		if (timeop)
			gen_value(6, 0, buf, size);
		else if (rnd(3) == 0)
			gen_value(5, 0, buf, size);
		else
			gen_string(buf, size);
		break;
	}
}

/* Whether s is a number of §8.1 (transcribed for the test). */
static int
is_number(const char *s)
{
	size_t	 i = 0, a = 0, b = 0, e = 0;

	if (s[i] == '+' || s[i] == '-')
		i++;
	while (s[i] >= '0' && s[i] <= '9')
		i++, a++;
	if (s[i] == '.') {
		i++;
		while (s[i] >= '0' && s[i] <= '9')
			i++, b++;
	}
	if (a == 0 && b == 0)
		return 0;
	if (s[i] == 'e' || s[i] == 'E') {
		i++;
		if (s[i] == '+' || s[i] == '-')
			i++;
		while (s[i] >= '0' && s[i] <= '9')
			i++, e++;
		if (e == 0)
			return 0;
	}
	return s[i] == '\0';
}

static int
is_name(const char *s)
{
	size_t	 i;

	for (i = 0; s[i] != '\0'; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' &&
		    s[i] <= 'Z') || s[i] == '_' || (i > 0 && s[i] >= '0' &&
		    s[i] <= '9')))
			return 0;
	return i > 0;
}

/* Append s quoted with q, escaping at random (§8.2) or as §9 does. */
static void
quote(char *buf, size_t size, const char *s, char q, int canonical)
{
	const unsigned char	*p = (const unsigned char *)s;
	char			 t[16];
	unsigned		 cp;
	int			 n;

	snprintf(t, sizeof(t), "%c", q);
	app(buf, size, t);
	while (*p != '\0') {
		t[0] = '\0';
		if (*p == (unsigned char)q || *p == '\\')
			snprintf(t, sizeof(t), "\\%c", *p);
		else if (*p == '\n' && (canonical || rnd(2)))
			snprintf(t, sizeof(t), "\\n");
		else if (*p == '\r' && (canonical || rnd(2)))
			snprintf(t, sizeof(t), "\\r");
		else if (*p == '\t' && (canonical || rnd(2)))
			snprintf(t, sizeof(t), "\\t");
		else if (*p == '\b')
			snprintf(t, sizeof(t), canonical || rnd(2) ? "\\b" :
			    "\\u0008");
		else if (*p == '\f')
			snprintf(t, sizeof(t), canonical || rnd(2) ? "\\f" :
			    "\\U0000000c");
		else if (*p < 0x20)
			snprintf(t, sizeof(t), canonical ? "\\u%04X" :
			    "\\u%04x", *p);
		else if (*p == '/' && !canonical && rnd(2))
			snprintf(t, sizeof(t), "\\/");
		else if (*p == '\'' && !canonical && rnd(2))
			snprintf(t, sizeof(t), "\\'");
		else if (*p >= 0x80) {
			/* A whole character, escaped or not. */
			n = *p >= 0xf0 ? 4 : *p >= 0xe0 ? 3 : 2;
			if (canonical || rnd(2)) {
				snprintf(t, sizeof(t), "%.*s", n,
				    (const char *)p);
				p += n - 1;
			} else {
				cp = *p & (0x7f >> n);
				for (; n > 1; n--) {
					p++;
					cp = cp << 6 | (*p & 0x3f);
				}
				snprintf(t, sizeof(t), cp > 0xffff || rnd(2) ?
				    "\\U%08X" : "\\u%04x", cp);
			}
		}
		if (t[0] == '\0')
			snprintf(t, sizeof(t), "%c", *p);
		app(buf, size, t);
		p++;
	}
	snprintf(t, sizeof(t), "%c", q);
	app(buf, size, t);
}

/* Append a path: canonical (§2.4) or in a random equivalent form. */
static void
gen_path_text(char *buf, size_t size, const char segs[][64], size_t n,
    int canonical)
{
	size_t	 i;

	app(buf, size, segs[0]);
	for (i = 1; i < n; i++) {
		if (is_name(segs[i]) && (canonical || rnd(3) != 0)) {
			app(buf, size, ".");
			app(buf, size, segs[i]);
			continue;
		}
		app(buf, size, "[");
		quote(buf, size, segs[i], canonical || rnd(2) ? '"' : '\'',
		    canonical);
		app(buf, size, "]");
	}
}

/* Random whitespace: ws1, or ws0 when may0. */
static void
gen_ws(char *buf, size_t size, int may0)
{
	static const char *const ws[] = { " ", " ", "  ", "\t", "\n",
	    " \r\n " };

	if (may0 && rnd(3) == 0)
		return;
	app(buf, size, ws[rnd(sizeof(ws) / sizeof(ws[0]))]);
}

/* Write an operator's words separated by random whitespace. */
static void
gen_op_text(char *buf, size_t size, const char *op)
{
	char	 w[64];
	size_t	 n;

	for (;;) {
		n = strcspn(op, " ");
		snprintf(w, sizeof(w), "%.*s", (int)n, op);
		app(buf, size, w);
		if (op[n] == '\0')
			break;
		gen_ws(buf, size, 0);
		op += n + 1;
	}
}

/* The properties of the generator, by kind (the columns of §4). */
static const struct genprop {
	const char	*path;		/* dotted names */
	int		 kind;
	int		 ro;
} genprops[] = {
	{ "userId", 0, 1 }, { "event", 0, 1 }, { "messageId", 0, 0 },
	{ "context.page.url", 0, 1 }, { "context.app.name", 0, 1 },
	{ "type", 1, 0 }, { "context.os.name", 1, 1 },
	{ "context.browser.name", 1, 1 },
	{ "context.device.adTrackingEnabled", 2, 1 },
	{ "context.network.wifi", 2, 1 },
	{ "context.screen.width", 3, 1 }, { "context.session.id", 3, 1 },
	{ "context.location.latitude", 4, 1 },
	{ "context.location.speed", 4, 1 },
	{ "context.screen.density", 5, 1 },
	{ "timestamp", 6, 0 }, { "receivedAt", 6, 0 },
	{ "context.ip", 7, 1 },
	{ "properties", 8, 1 }, { "traits", 8, 0 },
	{ "context", 9, 1 }, { "context.page", 9, 1 },
	{ "context.consents", 10, 1 },
};

static const char *const enum_values[3][8] = {
	{ "alias", "identify", "group", "page", "screen", "track", NULL },
	{ "Android", "Windows", "iOS", "macOS", "Linux", "Chrome OS", "Other",
	  NULL },
	{ "Chrome", "Safari", "Edge", "Firefox", "Samsung Internet", "Opera",
	  "Other", NULL },
};

#define GEN_MAXCOND	4
#define GEN_MAXVAL	4

/* One generated condition. */
struct gencond {
	char		 segs[6][64];
	size_t		 nsegs;
	int		 op;
	char		 vals[GEN_MAXVAL][256];
	size_t		 nvals;
};

/* Generate a valid condition. */
static void
gen_cond(struct gencond *c)
{
	const struct genprop	*gp;
	char			*p, *dot, tmp[64];
	size_t			 i, n, ops[26], nops, e;
	int			 jsonpath, timeop;

	memset(c, 0, sizeof(*c));
	gp = &genprops[rnd(sizeof(genprops) / sizeof(genprops[0]))];
	snprintf(tmp, sizeof(tmp), "%s", gp->path);
	for (p = tmp; (dot = strchr(p, '.')) != NULL; p = dot + 1) {
		*dot = '\0';
		snprintf(c->segs[c->nsegs++], 64, "%s", p);
	}
	snprintf(c->segs[c->nsegs++], 64, "%s", p);
	jsonpath = 0;
	if (gp->kind == 8)
		for (n = rnd(4); n > 0; n--) {
			gen_string(c->segs[c->nsegs], 64);
			c->nsegs++;
			jsonpath = 1;
		}
	for (i = 0, nops = 0; i < 26; i++) {
		if (i >= 24 ? (gp->ro || jsonpath) :
		    spec_matrix[i][gp->kind] == 'Y')
			ops[nops++] = i;
	}
	c->op = (int)ops[rnd(nops)];
	timeop = c->op >= 14 && c->op <= 17;
	switch (op_nvals[c->op]) {
	case 0:
		c->nvals = 0;
		break;
	case 3:
		c->nvals = 1 + rnd(GEN_MAXVAL);
		break;
	default:
		c->nvals = (size_t)op_nvals[c->op];
		break;
	}
	for (i = 0; i < c->nvals; i++) {
		if (gp->kind == 1) {
			e = gp->path[0] == 't' ? 0 :
			    strstr(gp->path, "os") != NULL ? 1 : 2;
			for (n = 0; enum_values[e][n] != NULL; n++)
				;
			snprintf(c->vals[i], 256, "%s",
			    enum_values[e][rnd(n)]);
		} else
			gen_value(gp->kind, timeop, c->vals[i], 256);
	}
}

/* Render a generated condition as text, at random or canonically. */
static void
gen_cond_text(const struct gencond *c, char *buf, size_t size,
    int canonical)
{
	const char	*op = all_ops[c->op];
	size_t		 i;
	int		 bare;

	gen_path_text(buf, size, c->segs, c->nsegs, canonical);
	if (canonical)
		app(buf, size, " ");
	else
		gen_ws(buf, size, 0);
	if (canonical)
		app(buf, size, op);
	else
		gen_op_text(buf, size, op);
	if (c->nvals == 0)
		return;
	if (op_nvals[c->op] == 1) {
		bare = is_number(c->vals[0]) && (canonical || rnd(4) != 0);
		if (!canonical && !bare && c->op != 0 &&
		    (strcmp(c->vals[0], "true") == 0 ||
		    strcmp(c->vals[0], "false") == 0) && rnd(2))
			bare = 1;
		if (canonical || bare)
			app(buf, size, " ");
		else
			gen_ws(buf, size, 1);
		if (bare)
			app(buf, size, c->vals[0]);
		else
			quote(buf, size, c->vals[0],
			    canonical || rnd(2) ? '"' : '\'', canonical);
		return;
	}
	if (canonical)
		app(buf, size, " (");
	else {
		gen_ws(buf, size, 1);
		app(buf, size, "(");
		gen_ws(buf, size, 1);
	}
	for (i = 0; i < c->nvals; i++) {
		if (i > 0) {
			if (canonical)
				app(buf, size, ", ");
			else {
				gen_ws(buf, size, 1);
				app(buf, size, ",");
				gen_ws(buf, size, 1);
			}
		}
		bare = is_number(c->vals[i]) && (canonical || rnd(4) != 0);
		if (!canonical && (strcmp(c->vals[i], "true") == 0 ||
		    strcmp(c->vals[i], "false") == 0) && rnd(2))
			bare = 1;
		if (bare)
			app(buf, size, c->vals[i]);
		else
			quote(buf, size, c->vals[i],
			    canonical || rnd(2) ? '"' : '\'', canonical);
	}
	if (!canonical)
		gen_ws(buf, size, 1);
	app(buf, size, ")");
}

/*
 * The round-trip property of §9 over generated filters: the JSON form and
 * a randomly formatted text of the same filter compile to the same
 * canonical JSON (the one the generator expects), whose printed text is
 * the canonical text, which parses back to the same filter.
 */
static void
test_roundtrip_random(void)
{
	struct gencond	 conds[GEN_MAXCOND];
	struct filter	*fj, *ft, *fc;
	json_t		*in, *want, *jj, *jt, *jc, *c, *vals, *ev;
	char		 text[8192], ctext[8192], path[1024], *s;
	size_t		 iter, n, i, k, failures = 0;
	int		 logical;

	ev = base_event();
	for (iter = 0; iter < 3000 && failures < 5; iter++) {
		n = 1 + rnd(GEN_MAXCOND);
		logical = (int)rnd(2);
		for (i = 0; i < n; i++)
			gen_cond(&conds[i]);

		/* The JSON form, with paths in random forms. */
		in = json_pack("{s:s,s:[]}", "logical", logical ? "or" : "and",
		    "conditions");
		want = json_pack("{s:s,s:[]}", "logical",
		    logical && n > 1 ? "or" : "and", "conditions");
		text[0] = ctext[0] = '\0';
		gen_ws(text, sizeof(text), 1);
		for (i = 0; i < n; i++) {
			path[0] = '\0';
			gen_path_text(path, sizeof(path), conds[i].segs,
			    conds[i].nsegs, 0);
			c = json_pack("{s:s,s:s}", "property", path,
			    "operator", all_ops[conds[i].op]);
			if (conds[i].nvals > 0 || rnd(2)) {
				vals = conds[i].nvals > 0 ? json_array() :
				    json_null();
				for (k = 0; k < conds[i].nvals; k++)
					json_array_append_new(vals,
					    json_string(conds[i].vals[k]));
				json_object_set_new(c, "values", vals);
			}
			json_array_append_new(json_object_get(in,
			    "conditions"), c);

			path[0] = '\0';
			gen_path_text(path, sizeof(path), conds[i].segs,
			    conds[i].nsegs, 1);
			c = json_pack("{s:s,s:s}", "property", path,
			    "operator", all_ops[conds[i].op]);
			if (conds[i].nvals > 0) {
				vals = json_array();
				for (k = 0; k < conds[i].nvals; k++)
					json_array_append_new(vals,
					    json_string(conds[i].vals[k]));
				json_object_set_new(c, "values", vals);
			}
			json_array_append_new(json_object_get(want,
			    "conditions"), c);

			if (i > 0) {
				gen_ws(text, sizeof(text), 0);
				app(text, sizeof(text), logical ? "or" : "and");
				gen_ws(text, sizeof(text), 0);
				app(ctext, sizeof(ctext), logical ? " or " :
				    " and ");
			}
			gen_cond_text(&conds[i], text, sizeof(text), 0);
			gen_cond_text(&conds[i], ctext, sizeof(ctext), 1);
		}
		gen_ws(text, sizeof(text), 1);

		fj = NULL;
		if (filter_from_json(in, &fj, errbuf, sizeof(errbuf)) == -1) {
			s = json_dumps(in, JSON_COMPACT);
			printf("  from_json: %s: %s\n", s, errbuf);
			free(s);
		}
		ft = filter_parse(text, strlen(text), errbuf, sizeof(errbuf));
		if (ft == NULL)
			printf("  parse <%s>: %s\n", text, errbuf);
		CHECK(fj != NULL);
		CHECK(ft != NULL);
		if (fj == NULL || ft == NULL) {
			failures++;
			goto next;
		}
		jj = filter_to_json(fj);
		jt = filter_to_json(ft);
		if (!json_equal(jj, want) || !json_equal(jt, want)) {
			failures++;
			s = json_dumps(want, JSON_COMPACT);
			printf("  want %s\n", s);
			free(s);
			s = json_dumps(jj, JSON_COMPACT);
			printf("  json %s\n", s);
			free(s);
			s = json_dumps(jt, JSON_COMPACT);
			printf("  text %s\n  <%s>\n", s, text);
			free(s);
		}
		CHECK(json_equal(jj, want));
		CHECK(json_equal(jt, want));

		/* Printing gives the canonical text, which parses back. */
		s = filter_to_text(fj);
		CHECK_STR(s, ctext);
		fc = filter_parse(s, strlen(s), errbuf, sizeof(errbuf));
		CHECK(fc != NULL);
		if (fc != NULL) {
			jc = filter_to_json(fc);
			CHECK(json_equal(jc, want));
			json_decref(jc);
			CHECK_INT(E(fc, ev, NULL), E(fj, ev, NULL));
			filter_free(fc);
		}
		free(s);
		s = filter_to_text(ft);
		CHECK_STR(s, ctext);
		free(s);
		json_decref(jj);
		json_decref(jt);
next:
		filter_free(fj);
		filter_free(ft);
		json_decref(in);
		json_decref(want);
	}
	json_decref(ev);
}

/* Evaluate a condition text on the base event with this properties text. */
static int
eval_raw(const char *text, const char *props)
{
	struct filter_event	 fe;
	struct filter		*f = P(text);
	struct tev		 t;
	json_t			*ev;
	int			 r;

	if (f == NULL)
		return -1;
	ev = base_event();
	tev_init(&t, ev);
	t.ev.properties = props;
	t.ev.properties_len = strlen(props);
	filter_event_init(&fe, &t.ev);
	r = filter_eval(f, &fe, NULL);
	tev_release(&t);
	json_decref(ev);
	filter_free(f);
	return r;
}

/*
 * §7.5: numbers compare exactly as written in the properties text, at any
 * size and precision, and keys are read with their escapes.
 */
static void
test_raw_numbers(void)
{
	static const char raw[] = "{\"big\":12345678901234567890,"
	    "\"x\":{\"y z\":[1,12345678901234567891,\"a\"]},"
	    "\"f\":0.1000000000000000055511151231257827,\"e\":1E400,"
	    "\"neg\":-0,\"k\\u00e9y\":12345678901234567891,"
	    "\"esc\\\"q\":12345678901234567893,"
	    "\"emoji\\ud83d\\ude00\":-12345678901234567895,"
	    "\"lone\\udc00\":7,\"i18\":-999999999999999999,"
	    "\"i19\":1000000000000000000,\"s\":\"1\",\"n\":null,"
	    "\"deep\":{\"a\":{\"b\":[{},[]],\"c\":2.50}},"
	    "\"h1\":1e1000000000000001,\"h2\":1e1000000000000002,"
	    "\"h3\":10e1000000000000000,\"h4\":0.01e1000000000000002,"
	    "\"t1\":1e-1000000000000001,"
	    "\"g1\":1e99999999999999999999999999999,"
	    "\"z3\":1e0000000000000000000000000000000000000003}";
	static const struct {
		const char	*cond;
		int		 want;
	} ex[] = {
		{ "properties.big is 12345678901234567890", 1 },
		/* §7.5: exponents of any size, compared exactly. */
		{ "properties.h1 is 1e1000000000000001", 1 },
		{ "properties.h2 is 1e1000000000000001", 0 },
		{ "properties.h3 is 1e1000000000000001", 1 },
		{ "properties.h2 is greater than 1e1000000000000001", 1 },
		{ "properties.h2 is greater than 9.99e1000000000000002", 0 },
		{ "properties.h4 is 1e1000000000000000", 1 },
		{ "properties.t1 is less than 1e-1000000000000000", 1 },
		{ "properties.t1 is 0.1e-1000000000000000", 1 },
		{ "properties.t1 is greater than 0", 1 },
		{ "properties.g1 is 1e99999999999999999999999999999", 1 },
		{ "properties.g1 is 1e99999999999999999999999999998", 0 },
		{ "properties.g1 is less than "
		  "10e99999999999999999999999999998", 0 },
		{ "properties.g1 is 10e99999999999999999999999999998", 1 },
		{ "properties.g1 is greater than "
		  "1e-99999999999999999999999999999", 1 },
		{ "properties.z3 is 1000", 1 },
		{ "properties.big is 12345678901234567891", 0 },
		{ "properties.big is 12345678901234567000", 0 },
		{ "properties.big is less than 12345678901234567891", 1 },
		{ "properties.big is greater than 12345678901234567889", 1 },
		{ "properties.big is between (1e19, 2e19)", 1 },
		{ "properties.x[\"y z\"] contains 12345678901234567891", 1 },
		{ "properties.x[\"y z\"] contains 12345678901234567890", 0 },
		{ "properties.x[\"y z\"] contains 12345678901234567000", 0 },
		{ "properties.x[\"y z\"] contains 1.0", 1 },
		{ "properties.x[\"y z\"] contains 1", 1 },
		{ "properties.x[\"y z\"] contains 'a'", 1 },
		{ "properties.f is 0.1", 0 },
		{ "properties.f is '0.10000000000000000555111512312578270'", 1 },
		{ "properties.e is greater than 1e399", 1 },
		{ "properties.e is 1e400", 1 },
		{ "properties.neg is 0", 1 },
		{ "properties.neg is -0.0", 1 },
		{ "properties[\"k\xc3\xa9y\"] is 12345678901234567891", 1 },
		{ "properties[\"esc\\\"q\"] is 12345678901234567893", 1 },
		{ "properties[\"emoji\\U0001F600\"] is "
		  "-12345678901234567895", 1 },
		{ "properties[\"lone\xef\xbf\xbd\"] is 7", 1 },
		{ "properties.i18 is -999999999999999999", 1 },
		{ "properties.i18 is less than -999999999999999998", 1 },
		{ "properties.i18 is '-999999999999999999.0'", 1 },
		{ "properties.i19 is 1e18", 1 },
		{ "properties.i19 is greater than 999999999999999999", 1 },
		{ "properties.i19 is one of (1, 1000000000000000000)", 1 },
		{ "properties.s is 1", 1 },
		{ "properties.n is null", 1 },
		{ "properties.deep.a.c is 2.5", 1 },
		{ "properties.deep.a.c is one of (3, 2.500)", 1 },
		{ "properties.deep.a.b is not empty", 1 },
		{ "properties.deep.a.b contains 1", 0 },
	};
	size_t	 i;
	int	 r;

	for (i = 0; i < sizeof(ex) / sizeof(ex[0]); i++) {
		r = eval_raw(ex[i].cond, raw);
		if (r != ex[i].want)
			printf("  %s: %d\n", ex[i].cond, r);
		CHECK_INT(r, ex[i].want);
	}
	/* Text that is not well formed, which events never have, is safe. */
	CHECK_INT(eval_raw("properties.big is 1", "{\"big\":"), 0);
	CHECK_INT(eval_raw("properties.big is 1", "{\"other\":1}"), 0);
	CHECK_INT(eval_raw("properties.big is 1", "{\"big\":\"x"), 0);
	CHECK_INT(eval_raw("properties.big is 1", "[1]"), 0);
	CHECK_INT(eval_raw("properties.x[\"y z\"] contains 1",
	    "{\"x\":{\"y z\":[1,"), 1);
	CHECK_INT(eval_raw("properties.x[\"y z\"] contains 2",
	    "{\"x\":{\"y z\":[1,"), 0);
	CHECK_INT(eval_raw("properties.big exists", "\x01\xff"), 0);
	CHECK_INT(eval_raw("properties.big exists", "{\"a\":[}"), 0);
}

/*
 * Objects with more members than struct filter_event indexes, keys and
 * strings with escapes, long ones among them, and deep values; several
 * filters on one struct filter_event.
 */
static void
test_raw_texts(void)
{
	static const char *const conds[] = {
		"properties.k3 is 3", "properties.k31 is 31",
		"properties.k32 is 32", "properties.k36 is 36",
		"properties.k39 is 39", "properties.deep does not exist",
		"properties.k40 does not exist", "properties.long ends with "
		"'bbb'", "properties.long contains 'ab'",
		"properties.long is greater than 'a'",
		"properties.long starts with 'aaa'",
		"properties.after is after '2024-01-01'",
		"properties.after is on or before '2024-01-01T10:00:00.001'",
		"properties.wide[\"e\\u0301\"] is 1",
	};
	struct filter_event	 fe;
	struct filter		*f;
	struct tev		 t;
	json_t			*ev;
	char			*text;
	size_t			 n, i, depth = 20000;

	text = malloc(2 * depth + 4096);
	n = sprintf(text, "{");
	for (i = 0; i < 40; i++)
		n += sprintf(text + n, i == 36 ? "\"k\\u0033\\u0036\":%zu," :
		    "\"k%zu\":%zu,", i, i);
	n += sprintf(text + n, "\"after\":\"2024-01-01T10:00:00.001\\u005a\","
	    "\"wide\":{\"e\\u0301\":1},\"p\":");
	for (i = 0; i < depth; i++)
		text[n++] = '[';
	for (i = 0; i < depth; i++)
		text[n++] = ']';
	n += sprintf(text + n, ",\"long\":\"");
	for (i = 0; i < 100; i++)
		n += sprintf(text + n, "\\u0061");
	for (i = 0; i < 300; i++)
		text[n++] = 'b';
	n += sprintf(text + n, "\"}");

	ev = base_event();
	tev_init(&t, ev);
	t.ev.properties = text;
	t.ev.properties_len = n;
	filter_event_init(&fe, &t.ev);
	for (i = 0; i < sizeof(conds) / sizeof(conds[0]); i++) {
		if ((f = P(conds[i])) == NULL)
			continue;
		if (filter_eval(f, &fe, NULL) != 1)
			printf("  %s is false\n", conds[i]);
		CHECK_INT(filter_eval(f, &fe, NULL), 1);
		filter_free(f);
	}
	tev_release(&t);
	json_decref(ev);
	free(text);
}

/* A random JSON value for the raw-text property test. */
static json_t *
gen_json(int depth)
{
	static const char *const keys[] = {
		"a", "b c", "\xc3\xa9", "q\"", "\n", "\xf0\x9f\x98\x80", "x.y",
		"\\", "/", "k"
	};
	static const char *const nums[] = {
		"0", "-0", "1", "-3", "2.5", "1e3", "-1.25E-2", "670", "670.0",
		"12345", "0.1", "3.14159", "100"
	};
	json_t	*j;
	size_t	 i, n;

	switch (depth > 2 ? rnd(3) : rnd(5)) {
	case 0:
		return json_loads(nums[rnd(sizeof(nums) / sizeof(nums[0]))],
		    JSON_DECODE_ANY, NULL);
	case 1:
		return json_string(keys[rnd(sizeof(keys) / sizeof(keys[0]))]);
	case 2:
		return rnd(3) == 0 ? json_null() : json_boolean(rnd(2));
	case 3:
		j = json_array();
		for (i = 0, n = rnd(4); i < n; i++)
			json_array_append_new(j, gen_json(depth + 1));
		return j;
	default:
		j = json_object();
		for (i = 0, n = rnd(5); i < n; i++)
			json_object_set_new(j, keys[rnd(sizeof(keys) /
			    sizeof(keys[0]))], gen_json(depth + 1));
		return j;
	}
}

/*
 * The escapes of a properties text do not matter: a text with its keys and
 * strings escaped as \\uXXXX gives the same results as the same text in
 * UTF-8, on random values.
 */
static void
test_raw_consistency(void)
{
	static const char *const conds[] = {
		"properties.a is 1", "properties[\"b c\"] is 2.5",
		"properties[\"\xc3\xa9\"] is greater than 0",
		"properties[\"q\\\"\"].k is less than 100",
		"properties[\"\\n\"] contains 670",
		"properties[\"\xf0\x9f\x98\x80\"].a contains 0.1",
		"properties[\"x.y\"] is one of (1e3, -3)",
		"properties[\"\\\\\"] is between (-1, 3)",
		"properties[\"/\"] is not 12345", "properties.k contains -0",
		"properties.a.a is 670", "properties.k.k contains 1",
		"properties.a contains '\xc3\xa9'",
		"properties.k is greater than '\xf0\x9f\x98\x80'",
		"properties[\"\xc3\xa9\"] is empty",
		"properties[\"b c\"] ends with 'y'",
	};
	struct filter_event	 fe, fa;
	struct filter		*f[sizeof(conds) / sizeof(conds[0])];
	struct tev		 t, ta;
	json_t			*event, *props;
	size_t			 iter, i, bad = 0;
	int			 a, b;

	for (i = 0; i < sizeof(conds) / sizeof(conds[0]); i++) {
		f[i] = P(conds[i]);
		CHECK(f[i] != NULL);
	}
	event = base_event();
	for (iter = 0; iter < 3000; iter++) {
		props = json_object();
		for (i = 0; i < 6; i++)
			json_object_set_new(props, rnd(2) ? "a" : rnd(2) ?
			    "k" : i % 2 ? "\xc3\xa9" : "\n", gen_json(0));
		json_object_set_new(props, "b c", gen_json(1));
		json_object_set_new(props, "\xf0\x9f\x98\x80", gen_json(0));
		json_object_set_new(props, "x.y", gen_json(1));
		json_object_set_new(event, "properties", props);
		tev_init(&t, event);
		tev_init(&ta, event);
		free(ta.properties);
		ta.properties = json_dumps(props, JSON_COMPACT |
		    JSON_ENSURE_ASCII | JSON_REAL_PRECISION(15));
		ta.ev.properties = ta.properties;
		ta.ev.properties_len = strlen(ta.properties);
		filter_event_init(&fe, &t.ev);
		filter_event_init(&fa, &ta.ev);
		for (i = 0; i < sizeof(conds) / sizeof(conds[0]); i++) {
			if (f[i] == NULL)
				continue;
			a = filter_eval(f[i], &fe, NULL);
			b = filter_eval(f[i], &fa, NULL);
			if (a != b && bad++ < 5)
				printf("  %s on %s: %d/%d\n", conds[i],
				    t.properties, a, b);
			CHECK_INT(a, b);
		}
		tev_release(&t);
		tev_release(&ta);
	}
	for (i = 0; i < sizeof(conds) / sizeof(conds[0]); i++)
		filter_free(f[i]);
	json_decref(event);
}

/* Compiled filters are independent of the inputs they came from. */
static void
test_ownership(void)
{
	struct filter	*f = NULL;
	json_t		*j, *ev;
	char		*text;

	j = J("{'logical':'or','conditions':[{'property':'properties.a',"
	    "'operator':'is','values':['x']},{'property':'userId',"
	    "'operator':'exists'}]}");
	CHECK_INT(filter_from_json(j, &f, errbuf, sizeof(errbuf)), 0);
	json_decref(j);
	text = strdup("properties.a is 'x'");
	ev = base_event();
	event_set(ev, "properties.a", json_string("x"));
	event_set(ev, "userId", NULL);
	CHECK_INT(E(f, ev, NULL), 1);
	free(text);
	filter_free(f);
	json_decref(ev);
}

int
main(void)
{
	UNIT_RUN(test_examples_8_3);
	UNIT_RUN(test_print);
	UNIT_RUN(test_examples_7_6);
	UNIT_RUN(test_eval_table);
	UNIT_RUN(test_eval_table_covers_operators);
	UNIT_RUN(test_shape);
	UNIT_RUN(test_paths);
	UNIT_RUN(test_matrix);
	UNIT_RUN(test_value_counts);
	UNIT_RUN(test_values);
	UNIT_RUN(test_validation_order);
	UNIT_RUN(test_syntax_errors);
	UNIT_RUN(test_syntax_ok);
	UNIT_RUN(test_result);
	UNIT_RUN(test_json_values);
	UNIT_RUN(test_roundtrip);
	UNIT_RUN(test_roundtrip_random);
	UNIT_RUN(test_raw_numbers);
	UNIT_RUN(test_raw_texts);
	UNIT_RUN(test_raw_consistency);
	UNIT_RUN(test_ownership);
	return UNIT_END();
}
