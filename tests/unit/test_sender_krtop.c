/*
 * Unit tests of what krtop shows of the sender (spec/destinations.md
 * §6): the > mark of a send pipeline's queued result, the line of a
 * destination in the d view, and the d key in and out of that view.
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "unit.h"
#include "../../krtop/keys.h"
#include "../../krtop/reclist.h"
#include "../../krtop/session.h"
#include "../../krtop/state.h"

/* A record whose two pipelines, an import and a send, passed it. */
static void
test_queued_mark(void)
{
	static const char text[] = "{\"seq\":1,\"receivedAt\":"
	    "\"2025-10-20T16:15:25.001Z\",\"source\":\"S\",\"raw\":\"{}\","
	    "\"event\":{\"type\":\"track\",\"event\":\"E\",\"userId\":\"u\"},"
	    "\"outcome\":\"stored\",\"pipelines\":[{\"name\":\"all\","
	    "\"result\":\"passed\"},{\"name\":\"to B\",\"result\":"
	    "\"queued\"}]}";
	struct rec	*r;
	json_t		*o;

	o = json_loads(text, 0, NULL);
	r = reclist_rec_new(o, text, strlen(text), 1);
	json_decref(o);
	CHECK_STR(r->marks, "+>");
	reclist_rec_free(r);
}

/* The d view's head and lines, latencies in ms, none as "-". */
static void
test_dest_line(void)
{
	struct session_dest	d;
	char			line[256], name[] = "Warehouse B";
	char			err[] = "HTTP 500: oops";

	session_dest_line(NULL, line, sizeof(line));
	CHECK_STR(line, "DESTINATION             QUEUED DELIVERED/s  FAILED/s "
	    "    P50     P99  LAST ERROR");
	memset(&d, 0, sizeof(d));
	d.name = name;
	d.queued = 1250;
	d.delivered_rate = 480.4;
	d.failed_rate = 0;
	d.p50 = 0.012;
	d.p99 = 0.18;
	d.last_error = err;
	session_dest_line(&d, line, sizeof(line));
	CHECK_STR(line, "Warehouse B               1250         480         0 "
	    "   12ms   180ms  HTTP 500: oops");
	d.p50 = d.p99 = -1;
	d.last_error = NULL;
	session_dest_line(&d, line, sizeof(line));
	CHECK_STR(line, "Warehouse B               1250         480         0 "
	    "      -       -  -");
}

/* d opens the view, any key closes it. */
static void
test_dest_key(void)
{
	struct session	sess;
	struct state	s;

	session_init(&sess, "/nonexistent", NULL, &s.list);
	state_init(&s, &sess, NULL, 1);
	s.rows = 24;
	s.cols = 80;
	state_refresh(&s);
	keys_press(&s, 'd');
	CHECK_INT(s.screen, STATE_DESTS);
	keys_press(&s, 'x');
	CHECK_INT(s.screen, STATE_MAIN);
	state_release(&s);
	session_release(&sess);
}

int
main(void)
{
	UNIT_RUN(test_queued_mark);
	UNIT_RUN(test_dest_line);
	UNIT_RUN(test_dest_key);
	return UNIT_END();
}
