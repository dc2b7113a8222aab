/*
 * Destinations: the validation of every setting of spec/destinations.md
 * §2 through the catalog (each message quoted, nothing added or changed
 * by an invalid request), the masking of secrets, maxAge's text, the
 * credential headers, and the snapshot's copy that send pipelines point
 * to.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "log.h"
#include "../../krenalisd/catalog.h"
#include "../../krenalisd/destination.h"
#include "../../krenalisd/snapshot.h"
#include "unit.h"

static char	dir[] = "/tmp/krenalis-dest.XXXXXX";
static char	path[64];

/* The error of adding "D" with the settings of the JSON text args. */
static const char *
add_error(struct catalog *cat, const char *args, struct catalog_error *ce)
{
	json_t	*a = json_loads(args, 0, NULL), *o;

	if (a == NULL)
		abort();
	memset(ce, 0, sizeof(*ce));
	o = catalog_destination_add(cat, "D", 1, a, ce);
	json_decref(a);
	if (o != NULL) {
		json_decref(o);
		return "(added)";
	}
	return ce->message;
}

static void
test_add_messages(void)
{
	static const struct {
		const char	*args;
		const char	*message;
	} cases[] = {
		{ "{}", "url is required" },
		{ "{\"url\":\"\"}", "url is empty" },
		{ "{\"url\":\"ftp://h/x\"}", "url \"ftp://h/x\" is not valid; "
		    "it must start with http:// or https://" },
		{ "{\"url\":\"https://\"}", "url \"https://\" has no host" },
		{ "{\"url\":\"http://h/a b\"}", "url contains a space or a "
		    "control character" },
		{ "{\"url\":\"http://h\",\"connector\":\"kafka\"}",
		    "connector \"kafka\" does not exist; use one of webhook, "
		    "segment" },
		{ "{\"url\":\"http://h\",\"headers\":[\"X-A 1\"]}",
		    "headers[0] is not valid; use \"Name: value\"" },
		{ "{\"url\":\"http://h\",\"headers\":[\": v\"]}",
		    "headers[0] is not valid; use \"Name: value\"" },
		{ "{\"url\":\"http://h\",\"headers\":[\"X(A): 1\"]}",
		    "header name \"X(A)\" is not a valid HTTP header name" },
		{ "{\"url\":\"http://h\",\"headers\":[\"HOST: h\"]}",
		    "header \"Host\" may not be set; krenalisd sets "
		    "Content-Type, Content-Length, Content-Encoding, Host and "
		    "X-Signature itself" },
		{ "{\"url\":\"http://h\",\"headers\":[\"x-signature: s\"]}",
		    "header \"X-Signature\" may not be set; krenalisd sets "
		    "Content-Type, Content-Length, Content-Encoding, Host and "
		    "X-Signature itself" },
		{ "{\"url\":\"http://h\",\"headers\":[\"X-A: 1\\r\\nX-B: 2\"]}",
		    "header \"X-A\" has a CR or LF in its value" },
		{ "{\"url\":\"http://h\",\"secret\":\"\"}", "secret is empty" },
		{ "{\"url\":\"http://h\",\"secret\":\"a\\tb\"}",
		    "secret contains a control character" },
		{ "{\"url\":\"http://h\",\"writeKey\":\"k\"}",
		    "writeKey is only for the segment connector" },
		{ "{\"url\":\"http://h\",\"connector\":\"segment\"}",
		    "the segment connector needs a writeKey" },
		{ "{\"url\":\"http://h\",\"connector\":\"segment\","
		    "\"writeKey\":\"k\",\"headers\":[\"X-A: 1\","
		    "\"authorization: Bearer t\"]}",
		    "header \"Authorization\" may not be set with the segment "
		    "connector, which sends the writeKey in it" },
		{ "{\"url\":\"http://h\",\"batchSize\":0}",
		    "batchSize must be an integer from 1 to 1000" },
		{ "{\"url\":\"http://h\",\"batchSize\":\"5\"}",
		    "batchSize must be an integer from 1 to 1000" },
		{ "{\"url\":\"http://h\",\"timeout\":121}",
		    "timeout must be an integer from 1 to 120" },
		{ "{\"url\":\"http://h\",\"maxInFlight\":0}",
		    "maxInFlight must be an integer from 1 to 16" },
		{ "{\"url\":\"http://h\",\"maxAge\":\"0\"}", "maxAge \"0\" is not "
		    "valid; use a duration from 1m to 30d, such as 30m, 24h or "
		    "7d" },
		{ "{\"url\":\"http://h\",\"maxAge\":\"721h\"}", "maxAge \"721h\" is "
		    "not valid; use a duration from 1m to 30d, such as 30m, 24h "
		    "or 7d" },
		{ "{\"url\":\"http://h\",\"gzip\":1}",
		    "gzip must be true or false" },
	};
	struct catalog		*cat;
	struct catalog_error	 ce;
	json_t			*l;
	char			 err[256];
	size_t			 i;

	if ((cat = catalog_open(path, "http://x", err, sizeof(err))) == NULL)
		abort();
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		CHECK_STR(add_error(cat, cases[i].args, &ce),
		    cases[i].message);
		CHECK_STR(ce.code, "BadRequest");
	}
	l = catalog_destination_list(cat);
	CHECK_INT(json_array_size(l), 0);
	json_decref(l);

	CHECK_STR(add_error(cat, "{\"url\":\"http://h\"}", &ce), "(added)");
	CHECK_STR(add_error(cat, "{\"url\":\"http://h\"}", &ce),
	    "a destination named \"D\" already exists");
	CHECK_STR(ce.code, "Conflict");
	CHECK(catalog_destination_show(cat, "E", &ce) == NULL);
	CHECK_STR(ce.message, "destination \"E\" does not exist");
	CHECK_STR(ce.code, "NotFound");
	catalog_close(cat);
}

/* Secrets never leave the catalog; set changes nothing when invalid. */
static void
test_masking_and_set(void)
{
	struct catalog		*cat;
	struct catalog_error	 ce;
	json_t			*a, *o;
	char			*s, err[256];

	if ((cat = catalog_open(path, "http://x", err, sizeof(err))) == NULL)
		abort();
	a = json_pack("{s:s,s:s,s:s,s:[s,s,s]}", "url", "http://h/x",
	    "connector", "segment", "writeKey", "wk-secret", "headers",
	    "Proxy-Authorization: Bearer t-secret", "X-Api-Token:t2-secret",
	    "X-Plain:  visible ");
	o = catalog_destination_add(cat, "M", 1, a, &ce);
	json_decref(a);
	CHECK(o != NULL);
	s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	CHECK(strstr(s, "secret\"") != NULL);
	CHECK(strstr(s, "-secret") == NULL);
	CHECK(strstr(s, "\"headers\":[\"Proxy-Authorization: ***\","
	    "\"X-Api-Token: ***\",\"X-Plain: visible\"]") != NULL);
	CHECK(strstr(s, "\"writeKey\":\"***\",\"secret\":null") != NULL);
	free(s);
	json_decref(o);

	a = json_pack("{s:i,s:i}", "timeout", 5, "maxInFlight", 99);
	CHECK(catalog_destination_set(cat, "M", a, &ce) == NULL);
	CHECK_STR(ce.message, "maxInFlight must be an integer from 1 to 16");
	json_decref(a);
	o = catalog_destination_show(cat, "M", &ce);
	CHECK_INT(json_integer_value(json_object_get(o, "timeout")), 10);
	json_decref(o);
	a = json_pack("{s:s}", "connector", "webhook");
	CHECK(catalog_destination_set(cat, "M", a, &ce) == NULL);
	CHECK_STR(ce.message, "writeKey is only for the segment connector");
	json_decref(a);
	a = json_pack("{s:s,s:n,s:n,s:s}", "connector", "webhook", "writeKey",
	    "headers", "maxAge", "90m");
	o = catalog_destination_set(cat, "M", a, &ce);
	json_decref(a);
	CHECK(o != NULL);
	CHECK_STR(json_string_value(json_object_get(o, "maxAge")), "90m");
	CHECK_INT(json_array_size(json_object_get(o, "headers")), 0);
	json_decref(o);
	o = catalog_destination_rm(cat, "M", 0, &ce);
	CHECK(o != NULL);
	json_decref(o);

	/* A webhook's Authorization header stops it becoming segment. */
	a = json_pack("{s:s,s:[s]}", "url", "http://h/w", "headers",
	    "Authorization: Bearer t");
	o = catalog_destination_add(cat, "W", 1, a, &ce);
	json_decref(a);
	CHECK(o != NULL);
	json_decref(o);
	a = json_pack("{s:s,s:s}", "connector", "segment", "writeKey", "k");
	CHECK(catalog_destination_set(cat, "W", a, &ce) == NULL);
	CHECK_STR(ce.message, "header \"Authorization\" may not be set with "
	    "the segment connector, which sends the writeKey in it");
	json_decref(a);
	o = catalog_destination_show(cat, "W", &ce);
	CHECK_STR(json_string_value(json_object_get(o, "connector")),
	    "webhook");
	json_decref(o);
	json_decref(catalog_destination_rm(cat, "W", 0, &ce));
	catalog_close(cat);
}

static void
test_age_and_headers(void)
{
	char	buf[DEST_AGE_BUFSZ];

	CHECK_STR(destination_format_age(86400, buf), "24h");
	CHECK_STR(destination_format_age(7 * 86400, buf), "7d");
	CHECK_STR(destination_format_age(2 * 86400, buf), "2d");
	CHECK_STR(destination_format_age(1800, buf), "30m");
	CHECK_STR(destination_format_age(60, buf), "1m");
	CHECK_STR(destination_format_age(36 * 3600, buf), "36h");
	CHECK_STR(destination_format_age(30 * 86400, buf), "30d");
	CHECK(destination_header_secret("Authorization: Basic x"));
	CHECK(destination_header_secret("proxy-authorization: x"));
	CHECK(destination_header_secret("X-Api-Key: x"));
	CHECK(destination_header_secret("Cookie: a=b"));
	CHECK(!destination_header_secret("X-Team: blue"));
	CHECK(!destination_header_secret("Accept: */*"));
}

/*
 * A send pipeline of the published snapshot points to the snapshot's
 * copy of its destination, whose counters the catalog's shares.
 */
static void
test_snapshot(void)
{
	struct catalog			*cat;
	struct catalog_error		 ce;
	struct snapshot			*snap;
	const struct snap_pipeline	*p;
	json_t				*a, *o;
	char				 err[256], did[16];

	if ((cat = catalog_open(path, "http://x", err, sizeof(err))) == NULL)
		abort();
	a = json_pack("{s:s,s:s}", "url", "http://h/x", "secret", "s");
	o = catalog_destination_add(cat, "Snap", 4, a, &ce);
	json_decref(a);
	snprintf(did, sizeof(did), "%s",
	    json_string_value(json_object_get(o, "id")));
	json_decref(o);
	json_decref(catalog_source_add(cat, "S", 1, NULL, NULL, &ce));
	json_decref(catalog_pipeline_add(cat, "S", "imp", 3, 1, NULL, NULL,
	    NULL, &ce));
	json_decref(catalog_pipeline_add(cat, "S", "out", 3, 1, NULL, NULL,
	    "Snap", &ce));
	/* "D" of test_add_messages comes first, in creation order. */
	snap = snapshot_current();
	CHECK_INT(snap->ndestinations, 2);
	CHECK_STR(snap->destinations[1].id, did);
	CHECK_STR(snap->destinations[1].secret, "s");
	CHECK_INT(snap->destinations[1].max_age, 86400);
	CHECK_INT(snap->sources[0].npipelines, 2);
	CHECK(snap->sources[0].pipelines[0].destination == NULL);
	p = &snap->sources[0].pipelines[1];
	CHECK(p->destination == &snap->destinations[1]);
	snapshot_unref(snap);
	catalog_close(cat);
}

int
main(void)
{
	char	cmd[128];

	log_init("test_dest", 1, 0);
	if (mkdtemp(dir) == NULL)
		return 1;
	snprintf(path, sizeof(path), "%s/state.db", dir);
	UNIT_RUN(test_add_messages);
	UNIT_RUN(test_masking_and_set);
	UNIT_RUN(test_age_and_headers);
	UNIT_RUN(test_snapshot);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		return 1;
	return UNIT_END();
}
