/*
 * Unit tests of the event decoder (spec/events.md): every message, the
 * normalisation rules, the seed payloads end to end, the warehouse rows.
 *
 * Inputs are written with ' for " (and ` for ') to keep them readable;
 * expected messages and outputs are written as they are.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <sqlite3.h>

#include "unit.h"
#include "timestamp.h"
#include "../../krenalisd/event.h"
#include "../../krenalisd/wh_sqlite.h"

#define SOURCE	"7bXk2mQp9RtL"
#define R_TEXT	"2025-10-20T16:15:25.001Z"

/* The input text with ' turned into " and ` into '; static storage. */
static const char *
J(const char *s)
{
	static char	bufs[4][65536];
	static int	which;
	char		*b = bufs[which++ % 4];
	size_t		 i;

	for (i = 0; s[i] != '\0' && i < sizeof(bufs[0]) - 1; i++)
		b[i] = s[i] == '\'' ? '"' : s[i] == '`' ? '\'' : s[i];
	b[i] = '\0';
	return b;
}

static int64_t
ts(const char *s)
{
	int64_t	ms = 0;

	if (timestamp_parse(s, strlen(s), &ms) != TIMESTAMP_OK)
		printf("  bad test timestamp %s\n", s);
	return ms;
}

static void
req_init(struct event_req *r)
{
	memset(r, 0, sizeof(*r));
	r->received_at = ts(R_TEXT);
	r->source_id = SOURCE;
	r->shape = EVENT_SHAPE_BATCH;
	r->default_type = EVENT_TRACK;
	r->request_ip = "203.0.113.7";
	r->max_event_bytes = 32768;
}

/* Decode the (already quoted) text: "OK" or the message; static copy. */
static const char *
outcome_raw(const struct event_req *r, const char *text)
{
	static char	buf[70000];
	struct event	ev;

	if (event_decode(r, text, strlen(text), &ev) == 0)
		snprintf(buf, sizeof(buf), "OK");
	else
		snprintf(buf, sizeof(buf), "%s", ev.error);
	event_release(&ev);
	return buf;
}

static const char *
outcome(const struct event_req *r, const char *in)
{
	return outcome_raw(r, J(in));
}

/* The normalised JSON of a valid event, or "ERROR: <message>". */
static const char *
norm(const struct event_req *r, const char *in)
{
	static char	 buf[70000];
	struct event	 ev;
	const char	*text = J(in);

	if (event_decode(r, text, strlen(text), &ev) == 0)
		snprintf(buf, sizeof(buf), "%s", event_text(&ev, NULL));
	else
		snprintf(buf, sizeof(buf), "ERROR: %s", ev.error);
	event_release(&ev);
	return buf;
}

/*
 * The normalised context of a valid event (the text of its "context"
 * member, "-" when it has none), or "ERROR: <message>".
 */
static const char *
ctx_of(const struct event_req *r, const char *in)
{
	static char	 buf[70000];
	const char	*s = norm(r, in), *p, *q;
	int		 depth = 0, instr = 0;

	if (strncmp(s, "ERROR", 5) == 0)
		return s;
	if ((p = strstr(s, ",\"context\":{")) == NULL)
		return "-";
	p += strlen(",\"context\":");
	for (q = p; *q != '\0'; q++) {
		if (instr) {
			if (*q == '\\')
				q++;
			else if (*q == '"')
				instr = 0;
		} else if (*q == '"')
			instr = 1;
		else if (*q == '{')
			depth++;
		else if (*q == '}' && --depth == 0)
			break;
	}
	snprintf(buf, sizeof(buf), "%.*s", (int)(q - p + 1), p);
	return buf;
}

struct msg_case {
	const char	*in;
	const char	*msg;
};

static void
run_cases(const struct event_req *r, const struct msg_case *c, size_t n)
{
	const char	*got;
	size_t		 i;

	for (i = 0; i < n; i++) {
		got = outcome(r, c[i].in);
		if (strcmp(got, c[i].msg) != 0)
			printf("  input: %s\n", J(c[i].in));
		CHECK_STR(got, c[i].msg);
	}
}

#define RUN(r, cases)	run_cases((r), (cases), sizeof(cases) / sizeof(cases[0]))

/* §2: the raw checks. */
static void
test_raw(void)
{
	static const struct msg_case cases[] = {
		{ "[]", "expected an object for the event, but found array "
		  "instead" },
		{ "[{'type':'track'}]", "expected an object for the event, "
		  "but found array instead" },
		{ "'track'", "expected an object for the event, but found "
		  "string instead" },
		{ "-1.5e3", "expected an object for the event, but found "
		  "number instead" },
		{ "true", "expected an object for the event, but found true "
		  "instead" },
		{ "false", "expected an object for the event, but found "
		  "false instead" },
		{ "null", "expected an object for the event, but found null "
		  "instead" },
		{ "{'type':'track','event':'e','userId':'u'}", "OK" },
	};
	struct event_req	 r;
	char			 big[40000];
	const char		*ev = "{\"type\":\"track\",\"event\":\"e\","
				    "\"userId\":\"u\"}";
	size_t			 n = strlen(ev);

	req_init(&r);
	RUN(&r, cases);

	/* The size limit comes first, and counts bytes. */
	r.max_event_bytes = n;
	CHECK_STR(outcome_raw(&r, ev), "OK");
	r.max_event_bytes = n - 1;
	snprintf(big, sizeof(big), "event exceeds the maximum size of %zu "
	    "bytes", n - 1);
	CHECK_STR(outcome_raw(&r, ev), big);
	r.max_event_bytes = 10;
	CHECK_STR(outcome_raw(&r, "[1,2,3,4,5,6,7,8,9]"),
	    "event exceeds the maximum size of 10 bytes");

	/* The default limit: 32768 bytes. */
	req_init(&r);
	memset(big, 0, sizeof(big));
	n = snprintf(big, sizeof(big), "{\"type\":\"track\",\"event\":\"e\","
	    "\"userId\":\"u\",\"properties\":{\"p\":\"");
	memset(big + n, 'x', 32768 - n - 3);
	memcpy(big + 32768 - 3, "\"}}", 3);
	CHECK_INT(strlen(big), 32768);
	CHECK_STR(outcome_raw(&r, big), "OK");
	big[32768 - 3] = 'x';
	memcpy(big + 32768 - 2, "\"}}", 3);
	CHECK_STR(outcome_raw(&r, big),
	    "event exceeds the maximum size of 32768 bytes");
}

/* §3: every message of the type matrix, and what it accepts. */
static void
test_type_matrix(void)
{
	static const struct msg_case cases[] = {
		/* track */
		{ "{'type':'track','event':'e'}", "either 'anonymousId' or "
		  "'userId' properties are required for a track event" },
		{ "{'type':'track','event':'e','userId':'u','category':'c'}",
		  "property 'category' is not permitted for a track event" },
		{ "{'type':'track','userId':'u'}",
		  "property 'event' is required for a track event" },
		{ "{'type':'track','event':'e','userId':'u','groupId':'g'}",
		  "property 'groupId' is not permitted for a track event" },
		{ "{'type':'track','event':'e','userId':'u','name':'n'}",
		  "property 'name' is not permitted for a track event" },
		{ "{'type':'track','event':'e','userId':'u','previousId':'p'}",
		  "property 'previousId' is not permitted for a track event" },
		{ "{'type':'track','event':'e','userId':'u','traits':{}}",
		  "property 'traits' must be specified as 'context.traits' "
		  "for a track event" },
		{ "{'type':'track','event':'e','anonymousId':'a',"
		  "'properties':{'x':1},'context':{'traits':{'t':1}}}", "OK" },
		/* page */
		{ "{'type':'page'}", "either 'anonymousId' or 'userId' "
		  "properties are required for a page event" },
		{ "{'type':'page','userId':'u','event':'e'}",
		  "property 'event' is not permitted for a page event" },
		{ "{'type':'page','userId':'u','groupId':'g'}",
		  "property 'groupId' is not permitted for a page event" },
		{ "{'type':'page','userId':'u','previousId':'p'}",
		  "property 'previousId' is not permitted for a page event" },
		{ "{'type':'page','userId':'u','traits':{'a':1}}",
		  "property 'traits' must be specified as 'context.traits' "
		  "for a page event" },
		{ "{'type':'page','userId':'u','name':'n','category':'c',"
		  "'properties':{}}", "OK" },
		/* screen */
		{ "{'type':'screen'}", "either 'anonymousId' or 'userId' "
		  "properties are required for a screen event" },
		{ "{'type':'screen','userId':'u','event':'e'}",
		  "property 'event' is not permitted for a screen event" },
		{ "{'type':'screen','userId':'u','groupId':'g'}",
		  "property 'groupId' is not permitted for a screen event" },
		{ "{'type':'screen','userId':'u','previousId':'p'}",
		  "property 'previousId' is not permitted for a screen "
		  "event" },
		{ "{'type':'screen','userId':'u','traits':{}}",
		  "property 'traits' must be specified as 'context.traits' "
		  "for a screen event" },
		{ "{'type':'screen','anonymousId':'a','name':'n',"
		  "'category':'c'}", "OK" },
		/* identify */
		{ "{'type':'identify'}",
		  "property 'userId' is required for an identify event" },
		{ "{'type':'identify','userId':'u','category':'c'}",
		  "property 'category' is not permitted for a identify "
		  "event" },
		{ "{'type':'identify','userId':'u','event':'e'}",
		  "property 'event' is not permitted for a identify event" },
		{ "{'type':'identify','userId':'u','groupId':'g'}",
		  "property 'groupId' is not permitted for a identify event" },
		{ "{'type':'identify','userId':'u','name':'n'}",
		  "property 'name' is not permitted for a identify event" },
		{ "{'type':'identify','userId':'u','previousId':'p'}",
		  "property 'previousId' is not permitted for a identify "
		  "event" },
		{ "{'type':'identify','userId':'u','properties':{}}",
		  "property 'properties' is not permitted for a identify "
		  "event" },
		{ "{'type':'identify','anonymousId':'a','traits':{'x':1},"
		  "'context':{'traits':{'y':2}}}", "OK" },
		/* group */
		{ "{'type':'group','groupId':'g'}", "either 'anonymousId' or "
		  "'userId' properties are required for a group event" },
		{ "{'type':'group','userId':'u','groupId':'g','category':'c'}",
		  "property 'category' is not permitted for a group event" },
		{ "{'type':'group','userId':'u','groupId':'g','event':'e'}",
		  "property 'event' is not permitted for a group event" },
		{ "{'type':'group','userId':'u'}",
		  "property 'groupId' is required for a group event" },
		{ "{'type':'group','userId':'u','groupId':'g','name':'n'}",
		  "property 'name' is not permitted for a group event" },
		{ "{'type':'group','userId':'u','groupId':'g',"
		  "'previousId':'p'}",
		  "property 'previousId' is not permitted for a group event" },
		{ "{'type':'group','userId':'u','groupId':'g',"
		  "'properties':{}}",
		  "property 'properties' is not permitted for a group event" },
		{ "{'type':'group','userId':'u','groupId':'g','traits':{}}",
		  "OK" },
		/* alias */
		{ "{'type':'alias','previousId':'p'}",
		  "property 'userId' is required for an alias event" },
		{ "{'type':'alias','userId':'u','previousId':'p',"
		  "'category':'c'}",
		  "property 'category' is not permitted for a alias event" },
		{ "{'type':'alias','userId':'u','previousId':'p','event':'e'}",
		  "property 'event' is not permitted for a alias event" },
		{ "{'type':'alias','userId':'u','previousId':'p',"
		  "'groupId':'g'}",
		  "property 'groupId' is not permitted for a alias event" },
		{ "{'type':'alias','userId':'u','previousId':'p','name':'n'}",
		  "property 'name' is not permitted for a alias event" },
		{ "{'type':'alias','userId':'u'}",
		  "property 'previousId' is required for an alias event" },
		{ "{'type':'alias','userId':'u','previousId':'p',"
		  "'properties':{}}",
		  "property 'properties' is not permitted for a alias event" },
		{ "{'type':'alias','userId':'u','previousId':'p',"
		  "'traits':{}}",
		  "property 'traits' must be specified as 'context.traits' "
		  "for a alias event" },
		{ "{'type':'alias','anonymousId':'a','previousId':'p'}", "OK" },
		/* "Present" after the null and empty-string rules. */
		{ "{'type':'track','userId':'u','event':''}",
		  "property 'event' is required for a track event" },
		{ "{'type':'track','userId':'u','event':null}",
		  "property 'event' is required for a track event" },
		{ "{'type':'track','userId':'u','event':'e','groupId':null,"
		  "'name':'','previousId':null,'category':'','traits':null}",
		  "OK" },
		{ "{'type':'track','userId':'','anonymousId':null,'event':'e'}",
		  "either 'anonymousId' or 'userId' properties are required "
		  "for a track event" },
		{ "{'type':'identify','userId':'u','properties':null}", "OK" },
		{ "{'type':'identify','userId':'\\u0000','anonymousId':''}",
		  "property 'userId' is required for an identify event" },
	};
	struct event_req	r;

	req_init(&r);
	RUN(&r, cases);
}

/* §4: member types; the member pass stops at the first bad member. */
static void
test_members(void)
{
	static const struct msg_case cases[] = {
		{ "{'type':'track','event':'e','userId':123}",
		  "property 'userId' is not a valid string" },
		{ "{'anonymousId':true}",
		  "property 'anonymousId' is not a valid string" },
		{ "{'category':[]}",
		  "property 'category' is not a valid string" },
		{ "{'groupId':{}}", "property 'groupId' is not a valid string" },
		{ "{'messageId':1}",
		  "property 'messageId' is not a valid string" },
		{ "{'channel':false}",
		  "property 'channel' is not a valid string" },
		{ "{'event':1.5}", "property 'event' is not a valid string" },
		{ "{'name':['n']}", "property 'name' is not a valid string" },
		{ "{'previousId':0}",
		  "property 'previousId' is not a valid string" },
		{ "{'originalTimestamp':1729000000000}",
		  "property 'originalTimestamp' is not a valid string" },
		{ "{'timestamp':{}}",
		  "property 'timestamp' is not a valid string" },
		{ "{'sentAt':true}", "property 'sentAt' is not a valid string" },
		{ "{'type':1}", "property 'type' is not a valid string" },
		{ "{'type':'Track'}", "property 'type' is not a valid event type" },
		{ "{'type':'tracks'}",
		  "property 'type' is not a valid event type" },
		{ "{'type':' track'}",
		  "property 'type' is not a valid event type" },
		{ "{'properties':[]}",
		  "property 'properties' is not a valid object" },
		{ "{'properties':'{}'}",
		  "property 'properties' is not a valid object" },
		{ "{'traits':1}", "property 'traits' is not a valid object" },
		{ "{'context':1}", "property 'context' is not an valid object" },
		{ "{'context':[]}",
		  "property 'context' is not an valid object" },
		{ "{'context':'x'}",
		  "property 'context' is not an valid object" },
		/* Timestamps (§11.1). */
		{ "{'timestamp':'2024-13-01'}",
		  "property 'timestamp' is not a valid ISO 8601 timestamp" },
		{ "{'originalTimestamp':'20240101T100000Z'}",
		  "property 'originalTimestamp' is not a valid ISO 8601 "
		  "timestamp" },
		{ "{'sentAt':'2024-10-31T14:39:60Z'}",
		  "property 'sentAt' is not a valid ISO 8601 timestamp" },
		{ "{'sentAt':'yesterday'}",
		  "property 'sentAt' is not a valid ISO 8601 timestamp" },
		{ "{'timestamp':'0000-01-01'}",
		  "property 'timestamp' has an invalid year value" },
		{ "{'originalTimestamp':'10000-01-01'}",
		  "property 'originalTimestamp' has an invalid year value" },
		{ "{'sentAt':'0001-01-01T00:00:00+01:00'}",
		  "property 'sentAt' has an invalid year value" },
		/* Document order decides which error is reported. */
		{ "{'userId':1,'type':'nope'}",
		  "property 'userId' is not a valid string" },
		{ "{'type':'nope','userId':1}",
		  "property 'type' is not a valid event type" },
		{ "{'context':{'ip':1},'timestamp':'x'}",
		  "property 'context.ip' is not a valid string" },
		{ "{'timestamp':'x','context':{'ip':1}}",
		  "property 'timestamp' is not a valid ISO 8601 timestamp" },
		/* A member error comes before any cross-field check. */
		{ "{'type':'identify','event':'e','traits':[]}",
		  "property 'traits' is not a valid object" },
		/* Unknown members are ignored without any check. */
		{ "{'type':'track','event':'e','userId':'u','integrations':"
		  "{'All':false},'_metadata':[1],'writeKey':5,'options':null,"
		  "'receivedAt':'garbage','connectionId':7,'version':2,"
		  "'projectId':'p','kpid':{}}", "OK" },
		/* Null and "" are absent for every member. */
		{ "{'type':'track','event':'e','userId':'u','messageId':null,"
		  "'timestamp':null,'originalTimestamp':'','sentAt':null,"
		  "'channel':null,'properties':null,'context':null}", "OK" },
		/* Escaped member names are decoded. */
		{ "{'\\u0074ype':'track','event':'e','user\\u0049d':3}",
		  "property 'userId' is not a valid string" },
	};
	struct event_req	r;

	req_init(&r);
	RUN(&r, cases);
}

/* §5 step 1: a missing type. */
static void
test_missing_type(void)
{
	struct event_req	r;

	req_init(&r);
	r.shape = EVENT_SHAPE_BATCH;
	CHECK_STR(outcome(&r, "{'event':'e','userId':'u'}"),
	    "property 'type' is required for a batch request");
	CHECK_STR(outcome(&r, "{'type':'','event':'e','userId':'u'}"),
	    "property 'type' is required for a batch request");
	r.shape = EVENT_SHAPE_OBJECT;
	CHECK_STR(outcome(&r, "{'type':null,'event':'e','userId':'u'}"),
	    "property 'type' is required for a single-event request");
	r.shape = EVENT_SHAPE_SINGLE;
	r.default_type = EVENT_PAGE;
	CHECK_STR(outcome(&r, "{'event':'e','userId':'u'}"),
	    "property 'event' is not permitted for a page event");
	CHECK_STR(outcome(&r, "{'name':'Home','userId':'u'}"), "OK");
	/* A type in the body overrides the path's. */
	CHECK_STR(outcome(&r, "{'type':'track','event':'e','userId':'u'}"),
	    "OK");
	CHECK_STR(outcome(&r, "{'type':'','event':'e','userId':'u'}"),
	    "property 'event' is not permitted for a page event");
	/* The type check comes before the ids. */
	r.shape = EVENT_SHAPE_BATCH;
	CHECK_STR(outcome(&r, "{}"),
	    "property 'type' is required for a batch request");
}

/* §5: the order of the cross-field checks. */
static void
test_check_order(void)
{
	static const struct msg_case cases[] = {
		/* 2 ids before 3 category. */
		{ "{'type':'track','category':'c'}", "either 'anonymousId' or "
		  "'userId' properties are required for a track event" },
		/* 3 category before 5 ip. */
		{ "{'type':'track','userId':'u','category':'c',"
		  "'context':{'ip':'x'}}",
		  "property 'category' is not permitted for a track event" },
		/* 5 ip before 6 screen. */
		{ "{'type':'track','userId':'u','context':{'ip':'x',"
		  "'screen':{'width':-1}}}",
		  "property 'ip' is not a valid IP address" },
		/* 6 screen before 7 event. */
		{ "{'type':'track','userId':'u','context':"
		  "{'screen':{'width':-1}}}",
		  "screen width value is outside the allowed range "
		  "[1, 32767]" },
		/* 7 event before 8 groupId. */
		{ "{'type':'track','userId':'u','groupId':'g'}",
		  "property 'event' is required for a track event" },
		/* 8 groupId before 10 name. */
		{ "{'type':'track','event':'e','userId':'u','name':'n',"
		  "'groupId':'g'}",
		  "property 'groupId' is not permitted for a track event" },
		/* 10 name before 11 previousId. */
		{ "{'type':'track','event':'e','userId':'u','previousId':'p',"
		  "'name':'n'}",
		  "property 'name' is not permitted for a track event" },
		/* 11 previousId before 12 properties. */
		{ "{'type':'identify','userId':'u','properties':{},"
		  "'previousId':'p'}",
		  "property 'previousId' is not permitted for a identify "
		  "event" },
		/* 12 properties before 14 traits. */
		{ "{'type':'alias','userId':'u','previousId':'p','traits':{},"
		  "'properties':{}}",
		  "property 'properties' is not permitted for a alias event" },
		/* width, then height, then density. */
		{ "{'type':'track','event':'e','userId':'u','context':"
		  "{'screen':{'density':-2,'height':0.0,'width':40000}}}",
		  "screen width value is outside the allowed range "
		  "[1, 32767]" },
		{ "{'type':'track','event':'e','userId':'u','context':"
		  "{'screen':{'density':-2,'height':40000}}}",
		  "screen height value is outside the allowed range "
		  "[1, 32767]" },
		{ "{'type':'track','event':'e','userId':'u','context':"
		  "{'screen':{'density':-2,'width':1,'height':32767}}}",
		  "screen density value must be a positive number" },
		{ "{'type':'track','event':'e','userId':'u','context':"
		  "{'screen':{'width':0,'height':0,'density':0}}}", "OK" },
	};
	struct event_req	r;

	req_init(&r);
	RUN(&r, cases);
}

#define T	"{'type':'track','event':'e','userId':'u','context':"

/* §7.2, §7.3, §7.4, §7.5: every context message. */
static void
test_context_messages(void)
{
	static const struct msg_case cases[] = {
		/* §7.2 scalar members. */
		{ T "{'ip':1}}", "property 'context.ip' is not a valid string" },
		{ T "{'locale':['en']}}",
		  "property 'context.locale' is not a valid string" },
		{ T "{'timezone':true}}",
		  "property 'context.timezone' is not a valid string" },
		{ T "{'userAgent':{}}}",
		  "property 'context.userAgent' is not a valid string" },
		{ T "{'groupId':5}}",
		  "property 'context.groupId' is not a valid string" },
		{ T "{'direct':'true'}}",
		  "property 'context.direct' is not a valid boolean" },
		{ T "{'direct':1}}",
		  "property 'context.direct' is not a valid boolean" },
		{ T "{'sessionId':true}}",
		  "property 'context.sessionId' is not a valid number" },
		{ T "{'sessionId':'abc'}}",
		  "property 'context.sessionId' is not a valid number" },
		{ T "{'sessionId':''}}",
		  "property 'context.sessionId' is not a valid number" },
		{ T "{'sessionId':'1.0'}}",
		  "property 'context.sessionId' is not a valid number" },
		{ T "{'sessionId':[1]}}",
		  "property 'context.sessionId' is not a valid number" },
		{ T "{'sessionId':1.5}}",
		  "property 'context.sessionId' is not a 64-bit integer" },
		{ T "{'sessionId':1e3}}",
		  "property 'context.sessionId' is not a 64-bit integer" },
		{ T "{'sessionId':1.00}}",
		  "property 'context.sessionId' is not a 64-bit integer" },
		{ T "{'sessionId':9223372036854775808}}",
		  "property 'context.sessionId' is not a 64-bit integer" },
		{ T "{'sessionId':-9223372036854775809}}",
		  "property 'context.sessionId' is not a 64-bit integer" },
		{ T "{'sessionId':'9223372036854775808'}}",
		  "property 'context.sessionId' is not a 64-bit integer" },
		{ T "{'sessionId':9223372036854775807}}", "OK" },
		{ T "{'sessionId':-9223372036854775808}}", "OK" },
		{ T "{'sessionId':'-12'}}", "OK" },
		{ T "{'sessionId':12.0}}", "OK" },
		{ T "{'sessionStart':1}}",
		  "property 'context.sessionStart' is not a valid boolean" },
		{ T "{'traits':[]}}",
		  "property 'context.traits' is not a valid object" },
		{ T "{'traits':'x'}}",
		  "property 'context.traits' is not a valid object" },
		{ T "{'consents':[]}}",
		  "property 'context.consents' is not a valid object" },
		{ T "{'consents':true}}",
		  "property 'context.consents' is not a valid object" },
		{ T "{'consents':{'a':true,'':false}}}",
		  "property 'context.consents' contains an empty purpose" },
		{ T "{'consents':{'':'x'}}}",
		  "property 'context.consents' contains an empty purpose" },
		{ T "{'consents':{'ads':1}}}",
		  "value of \"ads\" in 'context.consents' is not a valid "
		  "boolean" },
		{ T "{'consents':{'ads':null}}}",
		  "value of \"ads\" in 'context.consents' is not a valid "
		  "boolean" },
		{ T "{'consents':{'a\\'b':'yes'}}}",
		  "value of \"a\\\"b\" in 'context.consents' is not a valid "
		  "boolean" },
		{ T "{'consents':{'a\\\\b':{}}}}",
		  "value of \"a\\\\b\" in 'context.consents' is not a valid "
		  "boolean" },
		{ T "{'consents':{'caf\\u00e9 `x`':0}}}",
		  "value of \"caf\xc3\xa9 'x'\" in 'context.consents' is not "
		  "a valid boolean" },
		/* null is absent for every member. */
		{ T "{'ip':null,'locale':null,'timezone':null,"
		  "'userAgent':null,'groupId':null,'direct':null,"
		  "'sessionId':null,'sessionStart':null,'traits':null,"
		  "'consents':null,'app':null,'screen':null}}", "OK" },
		/* Unknown members are ignored. */
		{ T "{'foo':[1,{'a':'b'}],'active':'x','instanceId':1}}",
		  "OK" },
		/* §7.3 sections. */
		{ T "{'app':1}}", "property 'context.app' is not a valid object" },
		{ T "{'browser':'Chrome'}}",
		  "property 'context.browser' is not a valid object" },
		{ T "{'campaign':[]}}",
		  "property 'context.campaign' is not a valid object" },
		{ T "{'device':true}}",
		  "property 'context.device' is not a valid object" },
		{ T "{'library':'x'}}",
		  "property 'context.library' is not a valid object" },
		{ T "{'location':0}}",
		  "property 'context.location' is not a valid object" },
		{ T "{'network':false}}",
		  "property 'context.network' is not a valid object" },
		{ T "{'os':'Linux'}}",
		  "property 'context.os' is not a valid object" },
		{ T "{'page':[]}}",
		  "property 'context.page' is not a valid object" },
		{ T "{'referrer':1}}",
		  "property 'context.referrer' is not a valid object" },
		{ T "{'screen':1}}",
		  "property 'context.screen' is not a valid object" },
		{ T "{'session':1}}",
		  "property 'context.session' is not a valid object" },
		/* §7.4 string members. */
		{ T "{'app':{'name':1}}}",
		  "property 'context.app.name' is not a string" },
		{ T "{'app':{'namespace':true}}}",
		  "property 'context.app.namespace' is not a string" },
		{ T "{'browser':{'version':117}}}",
		  "property 'context.browser.version' is not a string" },
		{ T "{'campaign':{'content':{}}}}",
		  "property 'context.campaign.content' is not a string" },
		{ T "{'device':{'advertisingId':[]}}}",
		  "property 'context.device.advertisingId' is not a string" },
		{ T "{'device':{'token':0}}}",
		  "property 'context.device.token' is not a string" },
		{ T "{'library':{'version':2}}}",
		  "property 'context.library.version' is not a string" },
		{ T "{'location':{'country':false}}}",
		  "property 'context.location.country' is not a string" },
		{ T "{'network':{'carrier':1}}}",
		  "property 'context.network.carrier' is not a string" },
		{ T "{'os':{'name':1}}}",
		  "property 'context.os.name' is not a string" },
		{ T "{'page':{'url':1}}}",
		  "property 'context.page.url' is not a string" },
		{ T "{'referrer':{'type':1}}}",
		  "property 'context.referrer.type' is not a string" },
		/* Members not listed are ignored: browser.other is not read. */
		{ T "{'browser':{'other':1,'x':[]},'os':{'other':{}}}}", "OK" },
		/* Booleans. */
		{ T "{'device':{'adTrackingEnabled':'yes'}}}",
		  "property 'context.device.adTrackingEnabled' is not a "
		  "boolean" },
		{ T "{'network':{'bluetooth':1}}}",
		  "property 'context.network.bluetooth' is not a boolean" },
		{ T "{'network':{'cellular':'false'}}}",
		  "property 'context.network.cellular' is not a boolean" },
		{ T "{'network':{'wifi':[]}}}",
		  "property 'context.network.wifi' is not a boolean" },
		{ T "{'session':{'start':0}}}",
		  "property 'context.session.start' is not a boolean" },
		/* Integers. */
		{ T "{'screen':{'width':'10'}}}",
		  "property 'context.screen.width' is not a number" },
		{ T "{'screen':{'width':1.5}}}",
		  "property 'context.screen.width' is not a valid 16-bit "
		  "integer" },
		{ T "{'screen':{'width':1e3}}}",
		  "property 'context.screen.width' is not a valid 16-bit "
		  "integer" },
		{ T "{'screen':{'height':1.00}}}",
		  "property 'context.screen.height' is not a valid 16-bit "
		  "integer" },
		{ T "{'screen':{'height':99999999999999999999}}}",
		  "property 'context.screen.height' is not a valid 16-bit "
		  "integer" },
		{ T "{'screen':{'height':true}}}",
		  "property 'context.screen.height' is not a number" },
		{ T "{'session':{'id':'x'}}}",
		  "property 'context.session.id' is not a number" },
		{ T "{'session':{'id':true}}}",
		  "property 'context.session.id' is not a number" },
		{ T "{'session':{'id':1.5}}}",
		  "property 'context.session.id' is not a valid 64-bit "
		  "integer" },
		{ T "{'session':{'id':'99999999999999999999'}}}",
		  "property 'context.session.id' is not a valid 64-bit "
		  "integer" },
		{ T "{'session':{'id':18446744073709551616}}}",
		  "property 'context.session.id' is not a valid 64-bit "
		  "integer" },
		/* Floats. */
		{ T "{'location':{'latitude':'51.5'}}}",
		  "property 'context.location.latitude' is not a number" },
		{ T "{'location':{'longitude':1e400}}}",
		  "property 'context.location.longitude' is not a valid "
		  "64-bit floating-point number" },
		{ T "{'location':{'speed':-1e309}}}",
		  "property 'context.location.speed' is not a valid 64-bit "
		  "floating-point number" },
		{ T "{'location':{'speed':1e-400}}}", "OK" },
		/* decimal(3,2). */
		{ T "{'screen':{'density':'2'}}}",
		  "property 'context.screen.density' is not a number" },
		{ T "{'screen':{'density':1e400}}}",
		  "property 'context.screen.density' is not a valid 64-bit "
		  "floating-point number" },
		{ T "{'screen':{'density':10}}}",
		  "property 'context.screen.density' exceeds the allowed "
		  "precision of 3" },
		{ T "{'screen':{'density':9.996}}}",
		  "property 'context.screen.density' exceeds the allowed "
		  "precision of 3" },
		{ T "{'screen':{'density':-10.5}}}",
		  "property 'context.screen.density' exceeds the allowed "
		  "precision of 3" },
		{ T "{'screen':{'density':1e300}}}",
		  "property 'context.screen.density' exceeds the allowed "
		  "precision of 3" },
		{ T "{'screen':{'density':9.994}}}", "OK" },
		{ T "{'screen':{'density':-0.004}}}", "OK" },
		{ T "{'screen':{'density':-0.5}}}",
		  "screen density value must be a positive number" },
		/* The first error inside the context wins. */
		{ T "{'app':{'name':1},'ip':2}}",
		  "property 'context.app.name' is not a string" },
		{ T "{'ip':2,'app':{'name':1}}}",
		  "property 'context.ip' is not a valid string" },
	};
	struct event_req	r;

	req_init(&r);
	RUN(&r, cases);
}

/* §7.5 session, §7.4 what is kept, §7.7 the order of the context. */
static void
test_context_values(void)
{
	struct event_req	r;

	req_init(&r);
	/* sessionId and sessionStart true win, whatever the order. */
	CHECK_STR(ctx_of(&r, T "{'session':{'id':7,'start':false},"
	    "'sessionId':9,'sessionStart':true}}"),
	    "{\"session\":{\"id\":\"9\",\"start\":true}}");
	CHECK_STR(ctx_of(&r, T "{'sessionStart':true,'sessionId':'9',"
	    "'session':{'start':false,'id':7}}}"),
	    "{\"session\":{\"id\":\"9\",\"start\":true}}");
	CHECK_STR(ctx_of(&r, T "{'sessionStart':false,"
	    "'session':{'start':true}}}"),
	    "{\"session\":{\"start\":true}}");
	CHECK_STR(ctx_of(&r, T "{'sessionStart':false}}"), "-");
	CHECK_STR(ctx_of(&r, T "{'session':{'start':false}}}"),
	    "{\"session\":{\"start\":false}}");
	/* sessionId 0 is kept; session.id 0 is dropped. */
	CHECK_STR(ctx_of(&r, T "{'sessionId':0}}"),
	    "{\"session\":{\"id\":\"0\"}}");
	CHECK_STR(ctx_of(&r, T "{'session':{'id':0}}}"), "-");
	CHECK_STR(ctx_of(&r, T "{'session':{'id':'0'}}}"), "-");
	CHECK_STR(ctx_of(&r, T "{'session':{'id':'-42'}}}"),
	    "{\"session\":{\"id\":\"-42\"}}");
	CHECK_STR(ctx_of(&r, T "{'session':{'id':1766272512048.0}}}"),
	    "{\"session\":{\"id\":\"1766272512048\"}}");

	/* false booleans are kept; "" strings and 0 numbers dropped. */
	CHECK_STR(ctx_of(&r, T "{'device':{'adTrackingEnabled':false,"
	    "'id':''},'network':{'wifi':false,'cellular':true,'carrier':''},"
	    "'location':{'latitude':0,'longitude':0.0,'speed':-0.0,"
	    "'city':'\\u0000'},'app':{},'page':{'title':''}}}"),
	    "{\"device\":{\"adTrackingEnabled\":false},"
	    "\"network\":{\"cellular\":true,\"wifi\":false}}");

	/* Everything, given out of order, comes back in the §7.7 order. */
	CHECK_STR(ctx_of(&r, T "{'userAgent':'UA','timezone':'Europe/Rome',"
	    "'session':{'start':true,'id':5},'screen':{'density':1.355,"
	    "'height':1080,'width':1920},'referrer':{'type':'t','id':'r'},"
	    "'page':{'url':'U','title':'T','search':'?q','referrer':'R',"
	    "'path':'/p'},'os':{'version':'14','name':'macOS'},"
	    "'network':{'wifi':true,'cellular':false,'carrier':'C',"
	    "'bluetooth':true},'location':{'speed':25.562,"
	    "'longitude':-0.1278,'latitude':51.5074,'country':'UK',"
	    "'city':'London'},'locale':'it','library':{'version':'1',"
	    "'name':'L'},'ip':'1.2.3.4','groupId':'g','direct':true,"
	    "'device':{'token':'k','type':'ios','name':'n','model':'m',"
	    "'manufacturer':'Apple','adTrackingEnabled':true,"
	    "'advertisingId':'ad','id':'d'},'consents':{'z':true,"
	    "'a':false,'M':true},'campaign':{'content':'co','term':'te',"
	    "'medium':'me','source':'so','name':'na'},"
	    "'browser':{'version':'9','name':'FIREFOX'},"
	    "'app':{'namespace':'ns','build':'b','version':'v','name':'A'},"
	    "'traits':{'x':1},'extra':1}}"),
	    "{\"app\":{\"name\":\"A\",\"version\":\"v\",\"build\":\"b\","
	    "\"namespace\":\"ns\"},"
	    "\"browser\":{\"name\":\"Firefox\",\"version\":\"9\"},"
	    "\"campaign\":{\"name\":\"na\",\"source\":\"so\","
	    "\"medium\":\"me\",\"term\":\"te\",\"content\":\"co\"},"
	    "\"consents\":{\"M\":true,\"a\":false,\"z\":true},"
	    "\"device\":{\"id\":\"d\",\"advertisingId\":\"ad\","
	    "\"adTrackingEnabled\":true,\"manufacturer\":\"Apple\","
	    "\"model\":\"m\",\"name\":\"n\",\"type\":\"ios\","
	    "\"token\":\"k\"},"
	    "\"ip\":\"1.2.3.4\","
	    "\"library\":{\"name\":\"L\",\"version\":\"1\"},"
	    "\"locale\":\"it-IT\","
	    "\"location\":{\"city\":\"London\",\"country\":\"UK\","
	    "\"latitude\":51.5074,\"longitude\":-0.1278,\"speed\":25.562},"
	    "\"network\":{\"bluetooth\":true,\"carrier\":\"C\","
	    "\"cellular\":false,\"wifi\":true},"
	    "\"os\":{\"name\":\"macOS\",\"version\":\"14\"},"
	    "\"page\":{\"path\":\"/p\",\"referrer\":\"R\",\"search\":\"?q\","
	    "\"title\":\"T\",\"url\":\"U\"},"
	    "\"referrer\":{\"id\":\"r\",\"type\":\"t\"},"
	    "\"screen\":{\"width\":1920,\"height\":1080,\"density\":1.35},"
	    "\"session\":{\"id\":\"5\",\"start\":true},"
	    "\"timezone\":\"Europe/Rome\",\"userAgent\":\"UA\"}");
}

/* §7.5: locales. */
static void
test_locale(void)
{
	static const struct {
		const char	*in;
		const char	*out;
	} cases[] = {
		{ "en-US", "en-US" }, { "en-GB", "en-GB" }, { "si-LK", "si-LK" },
		{ "fr-CA", "fr-CA" }, { "al-AL", "al-AL" }, { "no-NO", "no-NO" },
		{ "en", "en-US" }, { "pt", "pt-BR" }, { "zh", "zh-CN" },
		{ "no", "no-NB" }, { "es", "es-ES" }, { "ms", "ms-MY" },
		{ "it", "it-IT" }, { "de", "de-DE" }, { "sm", "sm-MX" },
		{ "en-us", NULL }, { "en_US", NULL }, { "EN", NULL },
		{ "xx", NULL }, { "en-USA", NULL }, { "e", NULL },
		{ "pt-br", NULL }, { "fr-US", NULL }, { "", NULL },
	};
	struct event_req	 r;
	char			 in[256], want[64];
	size_t			 i;

	req_init(&r);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(in, sizeof(in), T "{'locale':'%s'}}", cases[i].in);
		if (cases[i].out == NULL)
			snprintf(want, sizeof(want), "-");
		else
			snprintf(want, sizeof(want), "{\"locale\":\"%s\"}",
			    cases[i].out);
		CHECK_STR(ctx_of(&r, in), want);
	}
}

/* §8.1 given names, §8.2 derivation only for absent sections. */
static void
test_browser_os(void)
{
	struct event_req	r;

	req_init(&r);
	CHECK_STR(ctx_of(&r, T "{'browser':{'name':'chrome','version':'1'},"
	    "'os':{'name':'WINDOWS'}}}"),
	    "{\"browser\":{\"name\":\"Chrome\",\"version\":\"1\"},"
	    "\"os\":{\"name\":\"Windows\"}}");
	CHECK_STR(ctx_of(&r, T "{'browser':{'name':'Samsung internet'},"
	    "'os':{'name':'Darwin','version':'23.1'}}}"),
	    "{\"browser\":{\"name\":\"Samsung Internet\"},"
	    "\"os\":{\"name\":\"macOS\",\"version\":\"23.1\"}}");
	CHECK_STR(ctx_of(&r, T "{'browser':{'name':'Brave','other':'x'},"
	    "'os':{'name':'iPadOS'}}}"),
	    "{\"browser\":{\"name\":\"Other\",\"other\":\"Brave\"},"
	    "\"os\":{\"name\":\"Other\",\"other\":\"iPadOS\"}}");
	CHECK_STR(ctx_of(&r, T "{'browser':{'name':'Other'},"
	    "'os':{'name':'chrome os'}}}"),
	    "{\"browser\":{\"name\":\"Other\",\"other\":\"Other\"},"
	    "\"os\":{\"name\":\"Chrome OS\"}}");
	CHECK_STR(ctx_of(&r, T "{'os':{'name':'ios'},"
	    "'browser':{'name':'EDGE'}}}"),
	    "{\"browser\":{\"name\":\"Edge\"},\"os\":{\"name\":\"iOS\"}}");
	CHECK_STR(ctx_of(&r, T "{'os':{'name':'android'},"
	    "'browser':{'name':'opera'}}}"),
	    "{\"browser\":{\"name\":\"Opera\"},"
	    "\"os\":{\"name\":\"Android\"}}");
	CHECK_STR(ctx_of(&r, T "{'os':{'name':'Linux'},"
	    "'browser':{'name':'Safari'}}}"),
	    "{\"browser\":{\"name\":\"Safari\"},\"os\":{\"name\":\"Linux\"}}");
	CHECK_STR(ctx_of(&r, T "{'os':{'name':'MacOS'}}}"),
	    "{\"os\":{\"name\":\"macOS\"}}");

	/* Both derived. */
	CHECK_STR(ctx_of(&r, T "{'userAgent':'Mozilla/5.0 (Linux; Android 13; "
	    "SM-S901B) AppleWebKit/537.36 (KHTML, like Gecko) "
	    "SamsungBrowser/23.0 Chrome/115.0.0.0 Mobile Safari/537.36'}}"),
	    "{\"browser\":{\"name\":\"Samsung Internet\",\"version\":"
	    "\"23.0.0\"},\"os\":{\"name\":\"Android\",\"version\":"
	    "\"13.0.0\"},\"userAgent\":\"Mozilla/5.0 (Linux; Android 13; "
	    "SM-S901B) AppleWebKit/537.36 (KHTML, like Gecko) "
	    "SamsungBrowser/23.0 Chrome/115.0.0.0 Mobile Safari/537.36\"}");
	/* Only the absent one; a present section is never changed. */
	CHECK_STR(ctx_of(&r, T "{'browser':{'version':'1'},'userAgent':"
	    "'Mozilla/5.0 (X11; Linux x86_64; rv:132.0) Gecko/20100101 "
	    "Firefox/132.0'}}"),
	    "{\"browser\":{\"version\":\"1\"},\"os\":{\"name\":\"Linux\"},"
	    "\"userAgent\":\"Mozilla/5.0 (X11; Linux x86_64; rv:132.0) "
	    "Gecko/20100101 Firefox/132.0\"}");
	CHECK_STR(ctx_of(&r, T "{'os':{'name':'Plan9'},'userAgent':"
	    "'curl/8.4.0'}}"),
	    "{\"browser\":{\"name\":\"Other\"},\"os\":{\"name\":\"Other\","
	    "\"other\":\"Plan9\"},\"userAgent\":\"curl/8.4.0\"}");
	/* An empty section is absent, so it is derived. */
	CHECK_STR(ctx_of(&r, T "{'os':{'name':''},'browser':null,"
	    "'userAgent':'Googlebot/2.1 (+http://www.google.com/bot.html)'}}"),
	    "{\"browser\":{\"name\":\"Other\"},\"os\":{\"name\":\"Other\"},"
	    "\"userAgent\":\"Googlebot/2.1 "
	    "(+http://www.google.com/bot.html)\"}");
	/* Without a user agent nothing is derived. */
	CHECK_STR(ctx_of(&r, T "{'userAgent':''}}"), "-");
}

#undef T

/* §7.6: the envelope context is decoded once and merged into events. */
static void
test_merge(void)
{
	struct event_req	 r;
	struct event_context	*env;
	char			*err = NULL;
	const char		*text;

	text = J("{'ip':'1.2.3.4','library':{'name':'L','version':'1'},"
	    "'page':{'url':'U','title':'T'},'consents':{'a':true,'b':false},"
	    "'traits':{ 'x' : 1 },'sessionId':5,'locale':'fr',"
	    "'userAgent':'curl/8','groupId':'g','foo':1}");
	env = event_context_new(text, strlen(text), &err);
	CHECK(env != NULL);
	CHECK(err == NULL);
	if (env == NULL)
		return;
	req_init(&r);
	r.context = env;

	CHECK_STR(norm(&r, "{'type':'track','event':'e','userId':'u',"
	    "'anonymousId':'a','messageId':'m','context':{'page':"
	    "{'title':'Mine'},'consents':{'b':true,'c':false},"
	    "'library':{'version':'2'},'session':{'start':true}}}"),
	    "{\"connectionId\":\"" SOURCE "\",\"anonymousId\":\"a\","
	    "\"context\":{\"browser\":{\"name\":\"Other\"},"
	    "\"consents\":{\"a\":true,\"b\":true,\"c\":false},"
	    "\"ip\":\"1.2.3.4\",\"library\":{\"name\":\"L\",\"version\":\"2\"},"
	    "\"locale\":\"fr-FR\",\"os\":{\"name\":\"Other\"},"
	    "\"page\":{\"title\":\"Mine\",\"url\":\"U\"},"
	    "\"session\":{\"id\":\"5\",\"start\":true},"
	    "\"userAgent\":\"curl/8\"},"
	    "\"event\":\"e\",\"messageId\":\"m\",\"properties\":{},"
	    "\"receivedAt\":\"" R_TEXT "\",\"sentAt\":\"" R_TEXT "\","
	    "\"originalTimestamp\":\"" R_TEXT "\",\"timestamp\":\"" R_TEXT "\","
	    "\"traits\":{\"x\":1},\"type\":\"track\",\"userId\":\"u\"}");

	/* The event's values win; the envelope is not changed by a merge. */
	CHECK_STR(ctx_of(&r, "{'type':'identify','userId':'u','context':"
	    "{'ip':'5.6.7.8','locale':'de','userAgent':'x','sessionId':6,"
	    "'consents':{'a':false},'browser':{'name':'b'},'os':{'name':'o'},"
	    "'traits':{'t':2}}}"),
	    "{\"browser\":{\"name\":\"Other\",\"other\":\"b\"},"
	    "\"consents\":{\"a\":false,\"b\":false},\"ip\":\"5.6.7.8\","
	    "\"library\":{\"name\":\"L\",\"version\":\"1\"},"
	    "\"locale\":\"de-DE\",\"os\":{\"name\":\"Other\",\"other\":\"o\"},"
	    "\"page\":{\"title\":\"T\",\"url\":\"U\"},"
	    "\"session\":{\"id\":\"6\"},\"userAgent\":\"x\"}");
	CHECK_STR(ctx_of(&r, "{'type':'page','userId':'u'}"),
	    "{\"browser\":{\"name\":\"Other\"},"
	    "\"consents\":{\"a\":true,\"b\":false},\"ip\":\"1.2.3.4\","
	    "\"library\":{\"name\":\"L\",\"version\":\"1\"},"
	    "\"locale\":\"fr-FR\",\"os\":{\"name\":\"Other\"},"
	    "\"page\":{\"title\":\"T\",\"url\":\"U\"},"
	    "\"session\":{\"id\":\"5\"},\"userAgent\":\"curl/8\"}");
	/* The envelope's traits: moved for track, dropped for identify. */
	CHECK(strstr(norm(&r, "{'type':'page','userId':'u',"
	    "'context':{'traits':{'own':true}}}"),
	    "\"traits\":{\"own\":true}") != NULL);
	CHECK(strstr(norm(&r, "{'type':'identify','userId':'u'}"),
	    "\"traits\":{}") != NULL);
	event_context_free(env);

	/* A context whose checks of §9 and §10 fail rejects each event. */
	text = J("{'ip':'bad','screen':{'width':-3}}");
	env = event_context_new(text, strlen(text), &err);
	CHECK(env != NULL);
	r.context = env;
	CHECK_STR(outcome(&r, "{'type':'track','event':'e','userId':'u'}"),
	    "property 'ip' is not a valid IP address");
	CHECK_STR(outcome(&r, "{'type':'track','event':'e','userId':'u',"
	    "'context':{'ip':'9.9.9.9'}}"),
	    "screen width value is outside the allowed range [1, 32767]");
	event_context_free(env);
	event_context_free(NULL);
}

/* The request-level checks of the envelope context (ingest.md §8.1). */
static void
test_envelope_errors(void)
{
	static const struct msg_case cases[] = {
		{ "null", "property 'context' is not a valid object" },
		{ "[]", "property 'context' is not a valid object" },
		{ "'x'", "property 'context' is not a valid object" },
		{ "1", "property 'context' is not a valid object" },
		{ "{'ip':1}", "property 'context.ip' is not a valid string" },
		{ "{'screen':{'width':1.5}}", "property 'context.screen.width' "
		  "is not a valid 16-bit integer" },
		{ "{'consents':{'':true}}",
		  "property 'context.consents' contains an empty purpose" },
		{ "{'traits':[]}",
		  "property 'context.traits' is not a valid object" },
		{ "{'page':'x'}",
		  "property 'context.page' is not a valid object" },
		{ "{}", NULL },
		{ "{'ip':'not an ip','screen':{'width':-1}}", NULL },
	};
	struct event_context	*c;
	json_t			*v;
	char			*err;
	const char		*text;
	size_t			 i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		text = J(cases[i].in);
		err = NULL;
		c = event_context_new(text, strlen(text), &err);
		CHECK_STR(err, cases[i].msg);
		CHECK((c == NULL) == (cases[i].msg != NULL));
		event_context_free(c);
		free(err);

		/* The same through jansson. */
		err = NULL;
		v = json_loads(text, JSON_DECODE_ANY, NULL);
		c = event_context_new_json(v, &err);
		CHECK_STR(err, cases[i].msg);
		event_context_free(c);
		free(err);
		json_decref(v);
	}
}

/* §10: IP addresses. */
static void
test_ip(void)
{
	static const struct {
		const char	*req_ip;
		int		 fallback;
		const char	*ip;	/* NULL: absent */
		const char	*out;	/* "-": no ip; "ERROR: ..." */
	} cases[] = {
		{ "203.0.113.7", 0, "172.91.24.57", "172.91.24.57" },
		{ "203.0.113.7", 0, "0.0.0.0", "-" },
		{ "203.0.113.7", 1, "0.0.0.0", "-" },
		{ "203.0.113.7", 0, "255.255.255.255", "203.0.113.7" },
		{ "203.0.113.7", 0, "255.255.255.0", "203.0.113.0" },
		{ "203.0.113.7", 0, "255.255.0.0", "203.0.0.0" },
		{ "2001:db8:abcd:12:3456::1", 0, "255.255.255.255",
		  "2001:db8:abcd:12:3456::1" },
		{ "2001:db8:abcd:12:3456::1", 0, "255.255.255.0",
		  "2001:db8:abcd::" },
		{ "2001:db8:abcd:12:3456::1", 0, "255.255.0.0", "2001:db8::" },
		{ "::ffff:10.1.2.3", 0, "255.255.255.0", "10.1.2.0" },
		{ NULL, 0, "255.255.255.255", "-" },
		{ "203.0.113.7", 0, "0.255.255.255", "0.255.255.255" },
		{ "203.0.113.7", 0, "255.255.0.255", "255.255.0.255" },
		{ "203.0.113.7", 0, "::ffff:255.255.255.0", "255.255.255.0" },
		{ "203.0.113.7", 0, "::FFFF:1.2.3.4", "1.2.3.4" },
		{ "203.0.113.7", 0, "::ffff:0.0.0.0", "0.0.0.0" },
		{ "203.0.113.7", 0, "2001:0DB8:0000:0000:0001:0000:0000:0001",
		  "2001:db8::1:0:0:1" },
		{ "203.0.113.7", 0, "2001:db8:0:1:1:1:1:1",
		  "2001:db8:0:1:1:1:1:1" },
		{ "203.0.113.7", 0, "1:0:0:2:0:0:0:3", "1:0:0:2::3" },
		{ "203.0.113.7", 0, "1:0:0:2:3:0:0:4", "1::2:3:0:0:4" },
		{ "203.0.113.7", 0, "0:0:0:0:0:0:0:0", "::" },
		{ "203.0.113.7", 0, "::1", "::1" },
		{ "203.0.113.7", 0, "1::", "1::" },
		{ "203.0.113.7", 0, "::1.2.3.4", "::102:304" },
		{ "203.0.113.7", 0, "64:ff9b::192.0.2.33", "64:ff9b::c000:221" },
		{ "203.0.113.7", 0, "fe80::1", "fe80::1" },
		{ "203.0.113.7", 0, "223.255.255.255", "223.255.255.255" },
		{ "203.0.113.7", 0, "240.0.0.1", "240.0.0.1" },
		{ "203.0.113.7", 0, "224.0.0.1",
		  "ERROR: property 'ip' cannot be a multicast IP address" },
		{ "203.0.113.7", 0, "239.255.255.250",
		  "ERROR: property 'ip' cannot be a multicast IP address" },
		{ "203.0.113.7", 0, "ff02::1",
		  "ERROR: property 'ip' cannot be a multicast IP address" },
		{ "203.0.113.7", 0, "::ffff:224.0.0.1",
		  "ERROR: property 'ip' cannot be a multicast IP address" },
		{ "203.0.113.7", 0, "1.2.3",
		  "ERROR: property 'ip' is not a valid IP address" },
		{ "203.0.113.7", 0, "01.2.3.4",
		  "ERROR: property 'ip' is not a valid IP address" },
		{ "203.0.113.7", 0, "1.2.3.256",
		  "ERROR: property 'ip' is not a valid IP address" },
		{ "203.0.113.7", 0, "1.2.3.4 ",
		  "ERROR: property 'ip' is not a valid IP address" },
		{ "203.0.113.7", 0, "1.2.3.4:80",
		  "ERROR: property 'ip' is not a valid IP address" },
		{ "203.0.113.7", 0, "fe80::1%eth0",
		  "ERROR: property 'ip' is not a valid IP address" },
		{ "203.0.113.7", 0, "[::1]",
		  "ERROR: property 'ip' is not a valid IP address" },
		{ "203.0.113.7", 0, "1:2:3:4:5:6:7:8:9",
		  "ERROR: property 'ip' is not a valid IP address" },
		{ "203.0.113.7", 0, "localhost",
		  "ERROR: property 'ip' is not a valid IP address" },
		/* Absent: only the fallback connectors set it. */
		{ "203.0.113.7", 0, NULL, "-" },
		{ "203.0.113.7", 1, NULL, "203.0.113.7" },
		{ "2001:DB8::5", 1, NULL, "2001:db8::5" },
		{ "203.0.113.7", 1, "", "203.0.113.7" },
		{ NULL, 1, NULL, "-" },
	};
	struct event_req	 r;
	char			 in[256], want[256];
	size_t			 i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		req_init(&r);
		r.request_ip = cases[i].req_ip;
		r.ip_fallback = cases[i].fallback;
		if (cases[i].ip != NULL)
			snprintf(in, sizeof(in), "{'type':'track','event':'e',"
			    "'userId':'u','context':{'ip':'%s'}}",
			    cases[i].ip);
		else
			snprintf(in, sizeof(in), "{'type':'track','event':'e',"
			    "'userId':'u'}");
		if (strcmp(cases[i].out, "-") == 0 ||
		    strncmp(cases[i].out, "ERROR", 5) == 0)
			snprintf(want, sizeof(want), "%s", cases[i].out);
		else
			snprintf(want, sizeof(want), "{\"ip\":\"%s\"}",
			    cases[i].out);
		CHECK_STR(ctx_of(&r, in), want);
	}
}

/* Decode one event and check its four timestamps. */
static void
check_times(const struct event_req *r, const char *in, const char *recv,
    const char *sent, const char *orig, const char *stamp)
{
	struct event	 ev;
	const char	*text = J(in);

	if (event_decode(r, text, strlen(text), &ev) == -1) {
		printf("  rejected: %s\n", ev.error);
		CHECK(0);
		event_release(&ev);
		return;
	}
	CHECK_STR(ev.received_at_text, recv);
	CHECK_STR(ev.sent_at_text, sent);
	CHECK_STR(ev.original_timestamp_text, orig);
	CHECK_STR(ev.timestamp_text, stamp);
	CHECK_INT(ev.received_at, ts(recv));
	CHECK_INT(ev.sent_at, ts(sent));
	CHECK_INT(ev.original_timestamp, ts(orig));
	CHECK_INT(ev.timestamp, ts(stamp));
	event_release(&ev);
}

/* §11.3: the examples of the clock-skew table, and the edge cases. */
static void
test_timestamps(void)
{
	struct event_req	r;

	/* analytics-node: timestamp, envelope sentAt. */
	req_init(&r);
	r.received_at = ts("2025-01-01T10:00:01.200Z");
	r.has_sent_at = 1;
	r.sent_at = ts("2025-01-01T10:00:01.000Z");
	check_times(&r, "{'type':'track','event':'e','userId':'u',"
	    "'timestamp':'2025-01-01T10:00:00.000Z'}",
	    "2025-01-01T10:00:01.200Z", "2025-01-01T10:00:01.000Z",
	    "2025-01-01T10:00:00.000Z", "2025-01-01T10:00:00.200Z");

	/* rudder-sdk-node: originalTimestamp, sentAt. */
	req_init(&r);
	r.received_at = ts("2025-01-01T10:00:07.500Z");
	check_times(&r, "{'type':'track','event':'e','userId':'u',"
	    "'originalTimestamp':'2025-01-01T10:00:00.000Z',"
	    "'sentAt':'2025-01-01T10:00:05.000Z'}",
	    "2025-01-01T10:00:07.500Z", "2025-01-01T10:00:05.000Z",
	    "2025-01-01T10:00:00.000Z", "2025-01-01T10:00:02.500Z");
	r.has_sent_at = 1;
	r.sent_at = ts("2025-01-01T10:00:05.000Z");
	check_times(&r, "{'type':'track','event':'e','userId':'u',"
	    "'originalTimestamp':'2025-01-01T10:00:00.000Z'}",
	    "2025-01-01T10:00:07.500Z", "2025-01-01T10:00:05.000Z",
	    "2025-01-01T10:00:00.000Z", "2025-01-01T10:00:02.500Z");

	/* Segment webhook: both kept as sent. */
	req_init(&r);
	r.received_at = ts("2025-10-20T16:15:25.001Z");
	check_times(&r, "{'type':'track','event':'e','userId':'u',"
	    "'originalTimestamp':'2025-10-20T16:15:23.992Z',"
	    "'timestamp':'2025-10-20T16:15:24.010Z',"
	    "'sentAt':'2025-10-20T16:15:24.327Z',"
	    "'receivedAt':'2025-10-20T16:15:24.340Z'}",
	    "2025-10-20T16:15:25.001Z", "2025-10-20T16:15:24.327Z",
	    "2025-10-20T16:15:23.992Z", "2025-10-20T16:15:24.010Z");

	/* Nothing. */
	req_init(&r);
	r.received_at = ts("2025-01-01T12:00:00.123Z");
	check_times(&r, "{'type':'track','event':'e','userId':'u'}",
	    "2025-01-01T12:00:00.123Z", "2025-01-01T12:00:00.123Z",
	    "2025-01-01T12:00:00.123Z", "2025-01-01T12:00:00.123Z");

	/* The event's sentAt wins over the envelope's. */
	req_init(&r);
	r.received_at = ts("2025-01-01T12:00:10.000Z");
	r.has_sent_at = 1;
	r.sent_at = ts("2025-01-01T12:00:00.000Z");
	check_times(&r, "{'type':'track','event':'e','userId':'u',"
	    "'sentAt':'2025-01-01T12:00:09.000Z',"
	    "'timestamp':'2025-01-01T12:00:08.000Z'}",
	    "2025-01-01T12:00:10.000Z", "2025-01-01T12:00:09.000Z",
	    "2025-01-01T12:00:08.000Z", "2025-01-01T12:00:09.000Z");
	/* A client clock ahead of the server's. */
	check_times(&r, "{'type':'track','event':'e','userId':'u',"
	    "'sentAt':'2025-01-01T13:00:10.000Z',"
	    "'timestamp':'2025-01-01T13:00:00.000Z'}",
	    "2025-01-01T12:00:10.000Z", "2025-01-01T13:00:10.000Z",
	    "2025-01-01T13:00:00.000Z", "2025-01-01T12:00:00.000Z");

	/* Offsets, sub-millisecond digits (truncated), other forms. */
	req_init(&r);
	r.received_at = ts("2024-10-31T14:39:07.000Z");
	check_times(&r, "{'type':'track','event':'e','userId':'u',"
	    "'sentAt':'2024-10-31T14:39:06.288305712',"
	    "'originalTimestamp':'2024-10-31T16:39:06.05+02:00',"
	    "'timestamp':'2024-10-31 14:39:06'}",
	    "2024-10-31T14:39:07.000Z", "2024-10-31T14:39:06.288Z",
	    "2024-10-31T14:39:06.050Z", "2024-10-31T14:39:06.000Z");
	check_times(&r, "{'type':'track','event':'e','userId':'u',"
	    "'sentAt':'2024-10-31T14:39:06.9999-00:00',"
	    "'originalTimestamp':'2024-10-31T16:39:06+0200',"
	    "'timestamp':'2024-10-31'}",
	    "2024-10-31T14:39:07.000Z", "2024-10-31T14:39:06.999Z",
	    "2024-10-31T14:39:06.000Z", "2024-10-31T00:00:00.000Z");

	/* A corrected timestamp outside years 1..9999 becomes R. */
	req_init(&r);
	r.received_at = ts("2025-01-01T00:00:00.000Z");
	check_times(&r, "{'type':'track','event':'e','userId':'u',"
	    "'sentAt':'0001-01-01T00:00:00Z',"
	    "'timestamp':'9999-12-31T23:59:59.999Z'}",
	    "2025-01-01T00:00:00.000Z", "0001-01-01T00:00:00.000Z",
	    "9999-12-31T23:59:59.999Z", "2025-01-01T00:00:00.000Z");
	check_times(&r, "{'type':'track','event':'e','userId':'u',"
	    "'sentAt':'9999-01-01T00:00:00Z',"
	    "'originalTimestamp':'0001-01-01T00:00:00Z'}",
	    "2025-01-01T00:00:00.000Z", "9999-01-01T00:00:00.000Z",
	    "0001-01-01T00:00:00.000Z", "2025-01-01T00:00:00.000Z");
}

/* §12: generated ids. */
static void
test_generated(void)
{
	struct event_req	 r;
	struct event		 ev, ev2;
	const char		*text;
	const char		*a;
	size_t			 i;

	req_init(&r);
	text = J("{'type':'track','event':'e','userId':'u','messageId':'',"
	    "'anonymousId':null}");
	CHECK_INT(event_decode(&r, text, strlen(text), &ev), 0);
	CHECK_INT(event_decode(&r, text, strlen(text), &ev2), 0);
	CHECK_INT(strlen(ev.message_id), 9 + 36);
	CHECK(strncmp(ev.message_id, "krenalis-", 9) == 0);
	CHECK_INT(strlen(ev.anonymous_id), 36);
	a = ev.anonymous_id;
	for (i = 0; i < 36; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23)
			CHECK(a[i] == '-');
		else
			CHECK((a[i] >= '0' && a[i] <= '9') ||
			    (a[i] >= 'a' && a[i] <= 'f'));
	}
	CHECK(a[14] == '4');
	CHECK(strchr("89ab", a[19]) != NULL);
	CHECK(ev.message_id[9 + 14] == '4');
	CHECK(strcmp(ev.message_id, ev2.message_id) != 0);
	CHECK(strcmp(ev.anonymous_id, ev2.anonymous_id) != 0);
	CHECK_STR(ev.connection_id, SOURCE);
	event_release(&ev);
	event_release(&ev2);

	/* Client values are kept; anonymousId is not generated with it. */
	text = J("{'type':'track','event':'e','anonymousId':'x',"
	    "'messageId':'\\u0000m\\u0000','connectionId':'other'}");
	CHECK_INT(event_decode(&r, text, strlen(text), &ev), 0);
	CHECK_STR(ev.message_id, "m");
	CHECK_STR(ev.anonymous_id, "x");
	CHECK(ev.user_id == NULL);
	CHECK_STR(ev.connection_id, SOURCE);
	event_release(&ev);
	event_release(&ev);
}

/* The example of §13, exactly as the spec gives it. */
static const char seed13_in[] =
"{\"type\":\"track\",\"event\":\"Workout Completed\",\"userId\":\"703991475\","
"\"anonymousId\":\"b27c5d9f-92a7-4d30-b21a-4df21a6872c2\",\n"
" \"messageId\":\"f9189a52-b37b-4d7d-9f2d-08b91d85fa9c\","
"\"originalTimestamp\":\"2025-10-20T16:15:23.992Z\",\n"
" \"timestamp\":\"2025-10-20T16:15:24.010Z\",\"sentAt\":"
"\"2025-10-20T16:15:24.327Z\",\"receivedAt\":\"2025-10-20T16:15:24.340Z\",\n"
" \"properties\":{ \"workout_type\": \"Cardio\", \"duration_minutes\": 45 },\n"
" \"context\":{\"ip\":\"172.91.24.57\",\"locale\":\"en-US\",\"library\":"
"{\"name\":\"analytics.js\",\"version\":\"5.2.0\"},\n"
"  \"page\":{\"path\":\"/dashboard\",\"url\":"
"\"https://app.example.com/dashboard\",\"title\":\"\"},\n"
"  \"screen\":{\"width\":3024,\"height\":1964,\"density\":2},"
"\"sessionId\":1766272512048,\"timezone\":\"America/Los_Angeles\",\n"
"  \"userAgent\":\"Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) "
"AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.2.1 "
"Safari/605.1.15\"},\n"
" \"integrations\":{},\"writeKey\":\"ignored\"}";

static const char seed13_out[] =
"{\"connectionId\":\"7bXk2mQp9RtL\",\"anonymousId\":"
"\"b27c5d9f-92a7-4d30-b21a-4df21a6872c2\","
"\"context\":{\"browser\":{\"name\":\"Safari\",\"version\":\"17.2.1\"},"
"\"ip\":\"172.91.24.57\","
"\"library\":{\"name\":\"analytics.js\",\"version\":\"5.2.0\"},"
"\"locale\":\"en-US\",\"os\":{\"name\":\"macOS\",\"version\":\"14.5.0\"},"
"\"page\":{\"path\":\"/dashboard\",\"url\":"
"\"https://app.example.com/dashboard\"},"
"\"screen\":{\"width\":3024,\"height\":1964,\"density\":2},"
"\"session\":{\"id\":\"1766272512048\"},"
"\"timezone\":\"America/Los_Angeles\","
"\"userAgent\":\"Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) "
"AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.2.1 "
"Safari/605.1.15\"},"
"\"event\":\"Workout Completed\","
"\"messageId\":\"f9189a52-b37b-4d7d-9f2d-08b91d85fa9c\","
"\"properties\":{\"workout_type\":\"Cardio\",\"duration_minutes\":45},"
"\"receivedAt\":\"2025-10-20T16:15:25.001Z\","
"\"sentAt\":\"2025-10-20T16:15:24.327Z\","
"\"originalTimestamp\":\"2025-10-20T16:15:23.992Z\","
"\"timestamp\":\"2025-10-20T16:15:24.010Z\","
"\"traits\":{},\"type\":\"track\",\"userId\":\"703991475\"}";

/* The payload of seed/collect-events-from-segment.md, as it stands. */
static const char seed_doc_in[] =
"{\n"
"  \"anonymousId\": \"b27c5d9f-92a7-4d30-b21a-4df21a6872c2\",\n"
"  \"context\": {\n"
"    \"browser\": { \"name\": \"Safari\", \"version\": \"17.2.1\" },\n"
"    \"ip\": \"172.91.24.57\",\n"
"    \"library\": { \"name\": \"krenalis.js\", \"version\": \"1.0.0\" },\n"
"    \"locale\": \"en-US\",\n"
"    \"os\": { \"name\": \"macOS\", \"version\": \"14.5\" },\n"
"    \"page\": { \"path\": \"/dashboard\", \"title\": \"User Dashboard\", "
"\"url\": \"https://app.example.com/dashboard\" },\n"
"    \"screen\": { \"width\": 3024, \"height\": 1964, \"density\": 2 },\n"
"    \"session\": { \"id\": \"1766272512048\" },\n"
"    \"timezone\": \"America/Los_Angeles\",\n"
"    \"userAgent\": \"Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) "
"AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.2.1 "
"Safari/605.1.15\"\n"
"  },\n"
"  \"event\": \"Workout Completed\",\n"
"  \"messageId\": \"f9189a52-b37b-4d7d-9f2d-08b91d85fa9c\",\n"
"  \"properties\": { \"workout_type\": \"Cardio\", \"duration_minutes\": 45, "
"\"calories_burned\": 380, \"device\": \"Smartwatch\" },\n"
"  \"receivedAt\": \"2025-10-20T16:15:24.340Z\",\n"
"  \"sentAt\": \"2025-10-20T16:15:24.327Z\",\n"
"  \"originalTimestamp\": \"2025-10-20T16:15:23.992Z\",\n"
"  \"timestamp\": \"2025-10-20T16:15:24.010Z\",\n"
"  \"type\": \"track\",\n"
"  \"userId\": \"703991475\"\n"
"}";

static const char seed_doc_out[] =
"{\"connectionId\":\"7bXk2mQp9RtL\",\"anonymousId\":"
"\"b27c5d9f-92a7-4d30-b21a-4df21a6872c2\","
"\"context\":{\"browser\":{\"name\":\"Safari\",\"version\":\"17.2.1\"},"
"\"ip\":\"172.91.24.57\","
"\"library\":{\"name\":\"krenalis.js\",\"version\":\"1.0.0\"},"
"\"locale\":\"en-US\",\"os\":{\"name\":\"macOS\",\"version\":\"14.5\"},"
"\"page\":{\"path\":\"/dashboard\",\"title\":\"User Dashboard\","
"\"url\":\"https://app.example.com/dashboard\"},"
"\"screen\":{\"width\":3024,\"height\":1964,\"density\":2},"
"\"session\":{\"id\":\"1766272512048\"},"
"\"timezone\":\"America/Los_Angeles\","
"\"userAgent\":\"Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) "
"AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.2.1 "
"Safari/605.1.15\"},"
"\"event\":\"Workout Completed\","
"\"messageId\":\"f9189a52-b37b-4d7d-9f2d-08b91d85fa9c\","
"\"properties\":{\"workout_type\":\"Cardio\",\"duration_minutes\":45,"
"\"calories_burned\":380,\"device\":\"Smartwatch\"},"
"\"receivedAt\":\"2025-10-20T16:15:25.001Z\","
"\"sentAt\":\"2025-10-20T16:15:24.327Z\","
"\"originalTimestamp\":\"2025-10-20T16:15:23.992Z\","
"\"timestamp\":\"2025-10-20T16:15:24.010Z\","
"\"traits\":{},\"type\":\"track\",\"userId\":\"703991475\"}";

/* The row of the seed payload: every non-NULL column, in order. */
static const char seed_doc_row[] =
"connection_id=7bXk2mQp9RtL\n"
"anonymous_id=b27c5d9f-92a7-4d30-b21a-4df21a6872c2\n"
"context_browser_name=Safari\n"
"context_browser_version=17.2.1\n"
"context_ip=172.91.24.57\n"
"context_library_name=krenalis.js\n"
"context_library_version=1.0.0\n"
"context_locale=en-US\n"
"context_os_name=macOS\n"
"context_os_version=14.5\n"
"context_page_path=/dashboard\n"
"context_page_title=User Dashboard\n"
"context_page_url=https://app.example.com/dashboard\n"
"context_screen_width=(integer)3024\n"
"context_screen_height=(integer)1964\n"
"context_screen_density=(real)2.0\n"
"context_session_id=(integer)1766272512048\n"
"context_timezone=America/Los_Angeles\n"
"context_user_agent=Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) "
"AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.2.1 "
"Safari/605.1.15\n"
"event=Workout Completed\n"
"message_id=f9189a52-b37b-4d7d-9f2d-08b91d85fa9c\n"
"properties={\"workout_type\":\"Cardio\",\"duration_minutes\":45,"
"\"calories_burned\":380,\"device\":\"Smartwatch\"}\n"
"received_at=2025-10-20T16:15:25.001Z\n"
"sent_at=2025-10-20T16:15:24.327Z\n"
"timestamp=2025-10-20T16:15:24.010Z\n"
"traits={}\n"
"type=track\n"
"user_id=703991475\n";

static sqlite3 *
db_open(void)
{
	sqlite3	*db = NULL;
	char	*err = NULL;

	if (sqlite3_open(":memory:", &db) != SQLITE_OK)
		return NULL;
	if (sqlite3_exec(db, wh_sqlite_schema_sql, NULL, NULL, &err) !=
	    SQLITE_OK) {
		printf("  schema: %s\n", err);
		sqlite3_free(err);
		sqlite3_close(db);
		return NULL;
	}
	return db;
}

/*
 * Insert ev into krenalis_events and read the row back through the
 * events view, as "column=value" lines for the non-NULL columns (with the
 * storage class for non-TEXT values).  Static storage; "" on failure.
 */
static const char *
row_of(sqlite3 *db, const struct event *ev)
{
	static char	 out[70000];
	sqlite3_stmt	*st = NULL;
	size_t		 n = 0;
	int		 i, type;

	out[0] = '\0';
	if (sqlite3_prepare_v2(db, wh_sqlite_insert_sql, -1, &st, NULL) !=
	    SQLITE_OK) {
		printf("  prepare: %s\n", sqlite3_errmsg(db));
		return out;
	}
	CHECK_INT(sqlite3_bind_parameter_count(st), EVENT_NCOLUMNS);
	CHECK_INT(wh_sqlite_bind_event(st, ev), SQLITE_OK);
	if (sqlite3_step(st) != SQLITE_DONE)
		printf("  insert: %s\n", sqlite3_errmsg(db));
	sqlite3_finalize(st);

	sqlite3_prepare_v2(db, "SELECT * FROM events WHERE message_id = ?",
	    -1, &st, NULL);
	sqlite3_bind_text(st, 1, ev->message_id, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW) {
		CHECK_INT(sqlite3_column_count(st), 68);
		for (i = 0; i < sqlite3_column_count(st); i++) {
			type = sqlite3_column_type(st, i);
			if (type == SQLITE_NULL)
				continue;
			n += snprintf(out + n, sizeof(out) - n, "%s=%s%s\n",
			    sqlite3_column_name(st, i),
			    type == SQLITE_INTEGER ? "(integer)" :
			    type == SQLITE_FLOAT ? "(real)" : "",
			    (const char *)sqlite3_column_text(st, i));
		}
	}
	sqlite3_finalize(st);
	return out;
}

/* Decode text (already quoted) that must be valid. */
static int
decode_ok(const struct event_req *r, const char *text, struct event *ev)
{
	if (event_decode(r, text, strlen(text), ev) == -1) {
		printf("  rejected: %s\n", ev->error);
		return -1;
	}
	return 0;
}

/* The seed payloads end to end: normalised JSON and warehouse row. */
static void
test_seed(void)
{
	struct event_req	 r;
	struct event		 ev;
	sqlite3			*db;

	req_init(&r);
	r.request_ip = "198.51.100.4";
	CHECK_STR(norm(&r, seed13_in), seed13_out);

	/* Also on a single-event path and with a fallback connector. */
	r.shape = EVENT_SHAPE_SINGLE;
	r.default_type = EVENT_PAGE;
	r.ip_fallback = 1;
	CHECK_STR(norm(&r, seed13_in), seed13_out);

	req_init(&r);
	CHECK_STR(norm(&r, seed_doc_in), seed_doc_out);
	if ((db = db_open()) == NULL) {
		CHECK(0);
		return;
	}
	if (decode_ok(&r, seed_doc_in, &ev) == 0) {
		CHECK(event_text(&ev, NULL) != NULL);
		CHECK_INT(ev.text_len, strlen(seed_doc_out));
		CHECK_INT(ev.type, EVENT_TRACK);
		CHECK_INT(ev.timestamp, ts("2025-10-20T16:15:24.010Z"));
		CHECK_STR(row_of(db, &ev), seed_doc_row);
	}
	event_release(&ev);
	sqlite3_close(db);
}

/* Every kind of column: booleans, floats, consents, NULL properties. */
static void
test_row_kinds(void)
{
	struct event_req	 r;
	struct event		 ev;
	sqlite3			*db;
	sqlite3_stmt		*st;

	req_init(&r);
	if ((db = db_open()) == NULL) {
		CHECK(0);
		return;
	}
	if (decode_ok(&r, J("{'type':'identify','userId':'u1',"
	    "'messageId':'id-1','anonymousId':'a1','channel':'server',"
	    "'traits':{'plan' : 'pro', 'n':[1, 2.50]},"
	    "'context':{'device':{'adTrackingEnabled':false,'type':'ios'},"
	    "'network':{'wifi':true,'bluetooth':false},"
	    "'location':{'latitude':51.5074,'longitude':-0.1278,"
	    "'speed':25.562},'screen':{'density':1.36},"
	    "'session':{'start':false},'consents':{'b':true,'a':false},"
	    "'browser':{'name':'Brave'},'os':{'name':'Haiku',"
	    "'version':'1'},'campaign':{'name':'c'},'referrer':"
	    "{'id':'r'},'app':{'build':'7'}}}"), &ev) == 0) {
		CHECK_STR(row_of(db, &ev),
		    "connection_id=7bXk2mQp9RtL\n"
		    "anonymous_id=a1\n"
		    "channel=server\n"
		    "context_app_build=7\n"
		    "context_browser_name=Other\n"
		    "context_browser_other=Brave\n"
		    "context_campaign_name=c\n"
		    "context_consents={\"a\":false,\"b\":true}\n"
		    "context_device_ad_tracking_enabled=(integer)0\n"
		    "context_device_type=ios\n"
		    "context_location_latitude=(real)51.5074\n"
		    "context_location_longitude=(real)-0.1278\n"
		    "context_location_speed=(real)25.562\n"
		    "context_network_bluetooth=(integer)0\n"
		    "context_network_wifi=(integer)1\n"
		    "context_os_name=Other\n"
		    "context_os_other=Haiku\n"
		    "context_os_version=1\n"
		    "context_referrer_id=r\n"
		    "context_screen_density=(real)1.36\n"
		    "context_session_start=(integer)0\n"
		    "message_id=id-1\n"
		    "received_at=2025-10-20T16:15:25.001Z\n"
		    "sent_at=2025-10-20T16:15:25.001Z\n"
		    "timestamp=2025-10-20T16:15:25.001Z\n"
		    "traits={\"plan\":\"pro\",\"n\":[1,2.50]}\n"
		    "type=identify\n"
		    "user_id=u1\n");
		CHECK(strstr(event_text(&ev, NULL), "\"context\":{\"app\":{\"build\":\"7\"},"
		    "\"browser\":{\"name\":\"Other\",\"other\":\"Brave\"},"
		    "\"campaign\":{\"name\":\"c\"},"
		    "\"consents\":{\"a\":false,\"b\":true},"
		    "\"device\":{\"adTrackingEnabled\":false,"
		    "\"type\":\"ios\"},"
		    "\"location\":{\"latitude\":51.5074,\"longitude\":-0.1278,"
		    "\"speed\":25.562},"
		    "\"network\":{\"bluetooth\":false,\"wifi\":true},"
		    "\"os\":{\"name\":\"Other\",\"other\":\"Haiku\","
		    "\"version\":\"1\"},\"referrer\":{\"id\":\"r\"},"
		    "\"screen\":{\"density\":1.36},"
		    "\"session\":{\"start\":false}}") != NULL);
	}
	event_release(&ev);

	/* kpid is never written; a second insert is a plain INSERT. */
	st = NULL;
	sqlite3_prepare_v2(db, "SELECT count(*), count(kpid) FROM events",
	    -1, &st, NULL);
	CHECK_INT(sqlite3_step(st), SQLITE_ROW);
	CHECK_INT(sqlite3_column_int(st, 0), 1);
	CHECK_INT(sqlite3_column_int(st, 1), 0);
	sqlite3_finalize(st);
	CHECK(strstr(wh_sqlite_insert_sql, "OR IGNORE") == NULL);
	CHECK(strstr(wh_sqlite_insert_sql, "OR REPLACE") == NULL);
	CHECK(strncmp(wh_sqlite_insert_sql, "INSERT INTO krenalis_events ",
	    28) == 0);
	sqlite3_close(db);
}

/* The raw messageId of ingest.md §9, on valid and rejected events. */
static void
test_raw_message_id(void)
{
	static const struct {
		const char	*in;
		const char	*id;
	} cases[] = {
		{ "{'messageId':'m1'}", "m1" },
		{ "{'a':{'messageId':'x'},'messageId':'m2','b':1}", "m2" },
		{ "{'messageId':''}", NULL },
		{ "{'messageId':null}", NULL },
		{ "{'messageId':5}", NULL },
		{ "{'messageId':'\\u0000'}", NULL },
		{ "{'message\\u0049d':'m3'}", "m3" },
		{ "['messageId','m']", NULL },
		{ "'m'", NULL },
		{ "{'messageId':'m4'", "m4" },
		{ "{'x':", NULL },
		{ "", NULL },
	};
	struct event_req	 r;
	struct event		 ev;
	const char		*t;
	char			*id;
	size_t			 i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		t = J(cases[i].in);
		id = event_raw_message_id(t, strlen(t));
		CHECK_STR(id, cases[i].id);
		free(id);
	}

	/* On a rejected event, even an oversized one. */
	req_init(&r);
	r.max_event_bytes = 20;
	t = J("{'type':'track','messageId':'big-1','userId':'u'}");
	CHECK_INT(event_decode(&r, t, strlen(t), &ev), -1);
	CHECK_STR(ev.error, "event exceeds the maximum size of 20 bytes");
	CHECK_STR(ev.message_id, "big-1");
	event_release(&ev);
	req_init(&r);
	t = J("{'type':'track','messageId':'m9','userId':'u','event':1}");
	CHECK_INT(event_decode(&r, t, strlen(t), &ev), -1);
	CHECK_STR(ev.message_id, "m9");
	event_release(&ev);
	t = J("{'type':'track','userId':'u','event':1}");
	CHECK_INT(event_decode(&r, t, strlen(t), &ev), -1);
	CHECK(ev.message_id == NULL);
	CHECK(ev.text == NULL);
	event_release(&ev);
}

/* §4 and §6: strings as received, properties and traits verbatim. */
static void
test_strings(void)
{
	struct event_req	r;

	req_init(&r);
	/* U+0000 is removed from strings; escapes are re-written (§13). */
	CHECK_STR(norm(&r, "{'type':'track','event':'a\\u0000b','userId':"
	    "'q\\'b\\\\c\\n\\u0001\\/\\u00e9\\ud83d\\ude00\\u007f',"
	    "'anonymousId':'x','messageId':'m','channel':'\\t'}"),
	    "{\"connectionId\":\"7bXk2mQp9RtL\",\"anonymousId\":\"x\","
	    "\"channel\":\"\\t\",\"event\":\"ab\",\"messageId\":\"m\","
	    "\"properties\":{},\"receivedAt\":\"" R_TEXT "\","
	    "\"sentAt\":\"" R_TEXT "\",\"originalTimestamp\":\"" R_TEXT "\","
	    "\"timestamp\":\"" R_TEXT "\",\"traits\":{},\"type\":\"track\","
	    "\"userId\":\"q\\\"b\\\\c\\n\\u0001/\xc3\xa9\xf0\x9f\x98\x80\x7f\"}");
	/* A lone surrogate escape becomes U+FFFD. */
	CHECK(strstr(norm(&r, "{'type':'track','event':'\\ud800x',"
	    "'userId':'u'}"), "\"event\":\"\xef\xbf\xbdx\"") != NULL);
	/* Raw UTF-8 is kept byte for byte, without normalisation. */
	CHECK(strstr(norm(&r, "{'type':'track','event':'e\xcc\x81',"
	    "'userId':'u'}"), "\"event\":\"e\xcc\x81\"") != NULL);

	/* properties: whitespace outside strings removed, nothing else. */
	CHECK(strstr(norm(&r, "{'type':'track','event':'e','userId':'u',"
	    "'properties' : {\n\t'a' : 1.0 ,\r\n 'b':[ 1e3, 'x  y', "
	    "'\\u00e9\\/' , -0 , 1E+2 ], 'c d':{ }, 'e.f':null,"
	    "'g':'\\u0000', 'h':123456789012345678901234567890,"
	    "'i':1e400 } }"),
	    "\"properties\":{\"a\":1.0,\"b\":[1e3,\"x  y\",\"\\u00e9\\/\","
	    "-0,1E+2],\"c d\":{},\"e.f\":null,\"g\":\"\\u0000\","
	    "\"h\":123456789012345678901234567890,\"i\":1e400},") != NULL);
	/* context.traits moved verbatim; a top-level one for identify. */
	CHECK(strstr(norm(&r, "{'type':'screen','userId':'u','context':"
	    "{'traits':{ 'email' : 'a@b.c', 'age':  30.50 }}}"),
	    "\"traits\":{\"email\":\"a@b.c\",\"age\":30.50},") != NULL);
	CHECK(strstr(norm(&r, "{'type':'group','userId':'u','groupId':'g',"
	    "'traits':{ 'n' : [ ] }}"),
	    "\"groupId\":\"g\",\"messageId\"") != NULL);
	CHECK(strstr(norm(&r, "{'type':'group','userId':'u','groupId':'g',"
	    "'traits':{ 'n' : [ ] }}"), "\"traits\":{\"n\":[]},") != NULL);
	/* Properties are absent for identify, group and alias. */
	CHECK(strstr(norm(&r, "{'type':'alias','userId':'u',"
	    "'previousId':'p'}"), "properties") == NULL);
	CHECK(strstr(norm(&r, "{'type':'alias','userId':'u',"
	    "'previousId':'p'}"), "\"type\":\"alias\",\"previousId\":\"p\","
	    "\"userId\":\"u\"}") != NULL);
	/* page and screen keep name and category. */
	CHECK(strstr(norm(&r, "{'type':'page','userId':'u','name':'Home',"
	    "'category':'Docs'}"), "\"anonymousId\"") != NULL);
	CHECK(strstr(norm(&r, "{'type':'screen','userId':'u','name':'Home',"
	    "'category':'Docs','anonymousId':'a'}"),
	    "\"anonymousId\":\"a\",\"category\":\"Docs\",") != NULL);
	CHECK(strstr(norm(&r, "{'type':'screen','userId':'u','name':'Home',"
	    "'category':'Docs','anonymousId':'a','messageId':'m'}"),
	    "\"messageId\":\"m\",\"name\":\"Home\",\"properties\":{},")
	    != NULL);
}

/* Payloads of the clients of ingest.md §17. */
static void
test_clients(void)
{
	struct event_req	 r;
	struct event		 ev;

	/* @segment/analytics-node: an element of {"batch":[...]}. */
	req_init(&r);
	r.received_at = ts("2025-03-01T10:00:01.200Z");
	r.has_sent_at = 1;
	r.sent_at = ts("2025-03-01T10:00:01.000Z");
	if (decode_ok(&r, J("{'userId':'019mr8mf4r','event':"
	    "'Order Completed','properties':{'revenue':10.50,'currency':"
	    "'USD','products':[{'sku':'A-1','qty':2}]},'type':'track',"
	    "'context':{'library':{'name':'@segment/analytics-node',"
	    "'version':'2.1.2'}},'_metadata':{'jsRuntime':'node'},"
	    "'timestamp':'2025-03-01T10:00:00.000Z','integrations':{},"
	    "'messageId':'node-next-1740823200000-f1ce9a3d-5f8a'}"),
	    &ev) == 0) {
		CHECK(strncmp(event_text(&ev, NULL),
		    "{\"connectionId\":\"7bXk2mQp9RtL\","
		    "\"anonymousId\":\"", 46) == 0);
		CHECK_STR(ev.text + 46 + 36, "\","
		    "\"context\":{\"library\":{\"name\":"
		    "\"@segment/analytics-node\",\"version\":\"2.1.2\"}},"
		    "\"event\":\"Order Completed\","
		    "\"messageId\":\"node-next-1740823200000-f1ce9a3d-5f8a\","
		    "\"properties\":{\"revenue\":10.50,\"currency\":\"USD\","
		    "\"products\":[{\"sku\":\"A-1\",\"qty\":2}]},"
		    "\"receivedAt\":\"2025-03-01T10:00:01.200Z\","
		    "\"sentAt\":\"2025-03-01T10:00:01.000Z\","
		    "\"originalTimestamp\":\"2025-03-01T10:00:00.000Z\","
		    "\"timestamp\":\"2025-03-01T10:00:00.200Z\","
		    "\"traits\":{},\"type\":\"track\","
		    "\"userId\":\"019mr8mf4r\"}");
		CHECK_INT(strlen(ev.anonymous_id), 36);
	}
	event_release(&ev);

	/* @rudderstack/rudder-sdk-node: originalTimestamp, no timestamp. */
	req_init(&r);
	r.received_at = ts("2025-03-01T10:00:07.500Z");
	r.has_sent_at = 1;
	r.sent_at = ts("2025-03-01T10:00:05.000Z");
	CHECK_STR(norm(&r, "{'channel':'server','context':{'library':"
	    "{'name':'analytics-node','version':'2.0.0'},'traits':"
	    "{'email':'x@y.z'}},'type':'identify','userId':'u-7',"
	    "'traits':{'name':'Ann'},'messageId':'node-1a2b',"
	    "'anonymousId':'8d8a6c4e','originalTimestamp':"
	    "'2025-03-01T10:00:00.000Z','_metadata':{'nodeVersion':'20.1.0'},"
	    "'rudderId':'r-1','sentAt':null}"),
	    "{\"connectionId\":\"7bXk2mQp9RtL\",\"anonymousId\":\"8d8a6c4e\","
	    "\"channel\":\"server\",\"context\":{\"library\":{\"name\":"
	    "\"analytics-node\",\"version\":\"2.0.0\"}},"
	    "\"messageId\":\"node-1a2b\","
	    "\"receivedAt\":\"2025-03-01T10:00:07.500Z\","
	    "\"sentAt\":\"2025-03-01T10:00:05.000Z\","
	    "\"originalTimestamp\":\"2025-03-01T10:00:00.000Z\","
	    "\"timestamp\":\"2025-03-01T10:00:02.500Z\","
	    "\"traits\":{\"name\":\"Ann\"},\"type\":\"identify\","
	    "\"userId\":\"u-7\"}");
	CHECK_STR(norm(&r, "{'channel':'server','type':'track','event':"
	    "'Signed Up','anonymousId':'a','properties':{'plan':'team'},"
	    "'context':{'library':{'name':'analytics-node'},'traits':"
	    "{'plan':'team'}},'originalTimestamp':"
	    "'2025-03-01T10:00:00.000Z','messageId':'node-2'}"),
	    "{\"connectionId\":\"7bXk2mQp9RtL\",\"anonymousId\":\"a\","
	    "\"channel\":\"server\",\"context\":{\"library\":{\"name\":"
	    "\"analytics-node\"}},\"event\":\"Signed Up\","
	    "\"messageId\":\"node-2\",\"properties\":{\"plan\":\"team\"},"
	    "\"receivedAt\":\"2025-03-01T10:00:07.500Z\","
	    "\"sentAt\":\"2025-03-01T10:00:05.000Z\","
	    "\"originalTimestamp\":\"2025-03-01T10:00:00.000Z\","
	    "\"timestamp\":\"2025-03-01T10:00:02.500Z\","
	    "\"traits\":{\"plan\":\"team\"},\"type\":\"track\"}");

	/* analytics.js on /v1/p: a single event with its write key. */
	req_init(&r);
	r.shape = EVENT_SHAPE_SINGLE;
	r.default_type = EVENT_PAGE;
	r.ip_fallback = 1;
	CHECK_STR(ctx_of(&r, "{'anonymousId':'a','properties':{'path':'/'},"
	    "'context':{'page':{'path':'/','referrer':'','search':'',"
	    "'title':'Home','url':'https://x.io/'},'userAgent':'Mozilla/5.0 "
	    "(Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like "
	    "Gecko) Chrome/120.0.0.0 Safari/537.36','locale':'en-US',"
	    "'library':{'name':'analytics.js','version':'npm:next-1.64.0'}},"
	    "'writeKey':'k','sentAt':'2025-10-20T16:15:24.999Z',"
	    "'_metadata':{'bundled':['Segment.io'],'unbundled':[]}}"),
	    "{\"browser\":{\"name\":\"Chrome\",\"version\":\"120.0.0\"},"
	    "\"ip\":\"203.0.113.7\",\"library\":{\"name\":\"analytics.js\","
	    "\"version\":\"npm:next-1.64.0\"},\"locale\":\"en-US\","
	    "\"os\":{\"name\":\"Windows\",\"version\":\"10.0.0\"},"
	    "\"page\":{\"path\":\"/\",\"title\":\"Home\","
	    "\"url\":\"https://x.io/\"},\"userAgent\":\"Mozilla/5.0 "
	    "(Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like "
	    "Gecko) Chrome/120.0.0.0 Safari/537.36\"}");
}

/* Decoding from a jansson value gives the same normalised event. */
static void
test_json_forms(void)
{
	struct event_req	 r;
	struct event		 ev2;
	json_t			*v;

	req_init(&r);
	v = json_loads(seed_doc_in, 0, NULL);
	CHECK(v != NULL);
	CHECK_INT(event_decode_json(&r, v, strlen(seed_doc_in), &ev2), 0);
	CHECK_STR(event_text(&ev2, NULL), seed_doc_out);
	event_release(&ev2);
	r.max_event_bytes = 100;
	CHECK_INT(event_decode_json(&r, v, strlen(seed_doc_in), &ev2), -1);
	CHECK_STR(ev2.error, "event exceeds the maximum size of 100 bytes");
	CHECK_STR(ev2.message_id, "f9189a52-b37b-4d7d-9f2d-08b91d85fa9c");
	event_release(&ev2);
	json_decref(v);
	v = json_integer(5);
	CHECK_INT(event_decode_json(&r, v, 1, &ev2), -1);
	CHECK_STR(ev2.error, "expected an object for the event, but found "
	    "number instead");
	event_release(&ev2);
	json_decref(v);
}

/* Properties nested deeper than any recursion should go. */
static void
test_deep(void)
{
	struct event_req	 r;
	struct event		 ev;
	char			*buf;
	size_t			 n, i, depth = 20000;

	req_init(&r);
	r.max_event_bytes = 0;
	buf = malloc(2 * depth + 256);
	n = sprintf(buf, "{\"type\":\"track\",\"event\":\"e\",\"userId\":\"u\","
	    "\"properties\":{\"p\":");
	for (i = 0; i < depth; i++)
		buf[n++] = '[';
	for (i = 0; i < depth; i++)
		buf[n++] = ']';
	n += sprintf(buf + n, "}}");
	CHECK_INT(event_decode(&r, buf, n, &ev), 0);
	CHECK_INT(ev.properties_len, 2 * depth + 6);
	event_release(&ev);
	free(buf);
}

/* Text that is not JSON is rejected, never read past its end. */
static void
test_malformed(void)
{
	static const char *const cases[] = {
		"{", "{\"type\"", "{\"type\":", "{\"type\":\"tra",
		"{\"type\":\"track\"", "{\"type\":\"track\",",
		"{\"type\" \"track\"}", "{\"a\":[1,2}", "{\"a\":tru}",
		"{\"context\":{\"app\":{\"name\":\"x\"", "{\"a\":\"\\",
		"{\"properties\":{\"a\":[}", "{]", "x", "",
		"{\"context\":{\"consents\":{\"a\":true,}}}",
		"{\"context\":{\"screen\":{\"width\":}}}",
	};
	struct event_req	 r;
	struct event		 ev;
	char			*copy;
	size_t			 i, n;

	req_init(&r);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		n = strlen(cases[i]);
		/* An exact-size heap copy lets ASan see any over-read. */
		copy = malloc(n + 1);
		memcpy(copy, cases[i], n);
		CHECK_INT(event_decode(&r, copy, n, &ev), -1);
		CHECK(ev.error != NULL);
		event_release(&ev);
		free(copy);
	}
}

/* Field metadata used by the filters and the storage code. */
static void
test_fields(void)
{
	CHECK_STR(event_field_column(EVENT_APP_NAME), "context_app_name");
	CHECK_STR(event_field_column(EVENT_USER_AGENT), "context_user_agent");
	CHECK_STR(event_field_path(EVENT_SCREEN_WIDTH), "screen.width");
	CHECK_STR(event_field_path(EVENT_DEVICE_AD_TRACKING_ENABLED),
	    "device.adTrackingEnabled");
	CHECK_INT(event_field_kind(EVENT_SESSION_ID), EVENT_KIND_INT64);
	CHECK(event_field_column(EVENT_NFIELDS) == NULL);
	CHECK_STR(event_type_name(EVENT_IDENTIFY), "identify");
	CHECK_INT(event_type_parse("alias", 5), EVENT_ALIAS);
	CHECK_INT(event_type_parse("aliases", 7), -1);
}

/* Whether every string of a valid event has the length len[] says. */
static int
lengths_right(const struct event *ev)
{
	const char	*strs[EVENT_NSTRS] = {
		[EVENT_STR_CONNECTION_ID] = ev->connection_id,
		[EVENT_STR_ANONYMOUS_ID] = ev->anonymous_id,
		[EVENT_STR_CHANNEL] = ev->channel,
		[EVENT_STR_CATEGORY] = ev->category,
		[EVENT_STR_EVENT] = ev->event,
		[EVENT_STR_GROUP_ID] = ev->group_id,
		[EVENT_STR_MESSAGE_ID] = ev->message_id,
		[EVENT_STR_NAME] = ev->name,
		[EVENT_STR_PREVIOUS_ID] = ev->previous_id,
		[EVENT_STR_USER_ID] = ev->user_id,
	};
	int		 i, f, right = 1;

	for (i = 0; i < EVENT_NSTRS; i++)
		if (ev->len[i] != (strs[i] != NULL ? strlen(strs[i]) : 0)) {
			printf("  string %d: %zu, not %zu\n", i, ev->len[i],
			    strs[i] != NULL ? strlen(strs[i]) : 0);
			right = 0;
		}
	for (f = 0; f < EVENT_NFIELDS; f++)
		if (event_has(&ev->ctx, f) &&
		    event_field_kind(f) == EVENT_KIND_STRING &&
		    ev->ctx.len[f] != strlen(ev->ctx.v[f].s)) {
			printf("  %s: %zu, not %zu\n", event_field_path(f),
			    ev->ctx.len[f], strlen(ev->ctx.v[f].s));
			right = 0;
		}
	return right;
}

/*
 * The decoder measures the strings it keeps, which the writer and the
 * text read instead of their ends: after every rule that makes or
 * replaces one (ids, the envelope's context, the user agent's browser
 * and OS, a browser named "Other", the IP, the locale).
 */
static void
test_lengths(void)
{
	static const char *const ins[] = {
		seed_doc_in,
		seed13_in,
		"{\"type\":\"page\",\"name\":\"Home\",\"category\":\"c\","
		    "\"userId\":\"u\",\"channel\":\"web\",\"context\":{"
		    "\"browser\":{\"name\":\"Lynx\"},\"locale\":\"en_us\","
		    "\"userAgent\":\"Mozilla/5.0 (Windows NT 10.0; Win64; x64) "
		    "AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 "
		    "Safari/537.36\"}}",
		"{\"type\":\"alias\",\"userId\":\"u\",\"previousId\":\"p\"}",
		"{\"type\":\"group\",\"groupId\":\"g\",\"anonymousId\":\"a\"}",
	};
	struct event_context	*env;
	struct event_req	 r;
	struct event		 ev;
	const char		*envtext;
	char			*err = NULL;
	size_t			 i;

	req_init(&r);
	r.ip_fallback = 1;
	envtext = J("{'app':{'name':'EnvApp'},'os':{'name':'Android'}}");
	env = event_context_new(envtext, strlen(envtext), &err);
	CHECK(env != NULL);
	for (i = 0; i < sizeof(ins) / sizeof(ins[0]); i++) {
		r.context = i % 2 ? env : NULL;
		CHECK_INT(event_decode(&r, ins[i], strlen(ins[i]), &ev), 0);
		if (ev.error == NULL)
			CHECK(lengths_right(&ev));
		else
			printf("  %zu: %s\n", i, ev.error);
		event_release(&ev);
	}
	event_context_free(env);
	free(err);
}

/* A rough guard on the cost per event (the target is a few µs). */
/*
 * The ids of §12 that the decoder makes, said in generated; a request
 * that gives ids (an event decoded again) has them used instead.
 */
static void
test_given_ids(void)
{
	static const char	 in[] = "{\"type\":\"track\",\"event\":\"e\","
				    "\"userId\":\"u\"}";
	static const char	 both[] = "{\"type\":\"track\",\"event\":\"e\","
				    "\"anonymousId\":\"a\",\"messageId\":\"m\"}";
	struct event_req	 r;
	struct event		 ev;

	req_init(&r);
	CHECK_INT(event_decode(&r, in, strlen(in), &ev), 0);
	CHECK_INT(ev.generated, EVENT_GENERATED_ANONYMOUS_ID |
	    EVENT_GENERATED_MESSAGE_ID);
	CHECK(strncmp(ev.message_id, "krenalis-", 9) == 0);
	event_release(&ev);

	r.anonymous_id = "given-anon";
	r.message_id = "krenalis-given";
	CHECK_INT(event_decode(&r, in, strlen(in), &ev), 0);
	CHECK_STR(ev.anonymous_id, "given-anon");
	CHECK_STR(ev.message_id, "krenalis-given");
	event_release(&ev);

	/* The event's own ids win. */
	CHECK_INT(event_decode(&r, both, strlen(both), &ev), 0);
	CHECK_INT(ev.generated, 0);
	CHECK_STR(ev.anonymous_id, "a");
	CHECK_STR(ev.message_id, "m");
	event_release(&ev);
}

static void
test_speed(void)
{
	struct event_req	 r;
	struct event		 ev;
	struct timespec		 t0, t1;
	double			 us;
	int			 i, n = 20000, bad = 0;

	req_init(&r);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < n; i++) {
		if (event_decode(&r, seed_doc_in, sizeof(seed_doc_in) - 1,
		    &ev) != 0)
			bad++;
		event_release(&ev);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	us = ((t1.tv_sec - t0.tv_sec) * 1e9 + (t1.tv_nsec - t0.tv_nsec)) /
	    1e3 / n;
	printf("  %.2f us per seed event\n", us);
	CHECK_INT(bad, 0);
	CHECK(us < 1000);
}

int
main(void)
{
	UNIT_RUN(test_raw);
	UNIT_RUN(test_type_matrix);
	UNIT_RUN(test_members);
	UNIT_RUN(test_missing_type);
	UNIT_RUN(test_check_order);
	UNIT_RUN(test_context_messages);
	UNIT_RUN(test_context_values);
	UNIT_RUN(test_locale);
	UNIT_RUN(test_browser_os);
	UNIT_RUN(test_merge);
	UNIT_RUN(test_envelope_errors);
	UNIT_RUN(test_ip);
	UNIT_RUN(test_timestamps);
	UNIT_RUN(test_generated);
	UNIT_RUN(test_seed);
	UNIT_RUN(test_row_kinds);
	UNIT_RUN(test_raw_message_id);
	UNIT_RUN(test_strings);
	UNIT_RUN(test_clients);
	UNIT_RUN(test_json_forms);
	UNIT_RUN(test_deep);
	UNIT_RUN(test_malformed);
	UNIT_RUN(test_fields);
	UNIT_RUN(test_given_ids);
	UNIT_RUN(test_lengths);
	UNIT_RUN(test_speed);
	return UNIT_END();
}
