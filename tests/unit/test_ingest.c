/*
 * Unit tests of the body scanner, body reading and ingest headers, and of
 * whole ingest requests, from their headers to their answer, against a
 * real catalog, writer and warehouse in a temporary directory, and on to
 * the debugger records that krctl and krtop read.
 */
#include <sys/socket.h>
#include <sys/un.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <sqlite3.h>
#include <zlib.h>

#include "compat.h"
#include "ids.h"
#include "jsonstr.h"
#include "proto.h"
#include "timestamp.h"
#include "xmalloc.h"

#include "unit.h"
#include "unit_sqlite.h"
#include "../../krenalisd/body.h"
#include "../../krenalisd/budget.h"
#include "../../krenalisd/catalog.h"
#include "../../krenalisd/config.h"
#include "../../krenalisd/debugger.h"
#include "../../krenalisd/ingest.h"
#include "../../krenalisd/jsonscan.h"
#include "../../krenalisd/reply.h"
#include "../../krenalisd/slab.h"
#include "../../krenalisd/warehouse.h"
#include "../../krenalisd/writer.h"
#include "../../krctl/ctl.h"
#include "../../krctl/print.h"
#include "../../krtop/detail.h"
#include "../../krtop/link.h"
#include "../../krtop/reclist.h"

static int
scan_ok(const char *text)
{
	struct jsonscan	js;
	int		rc = jsonscan_parse(&js, text, strlen(text));

	if (rc != 0)
		printf("  [%s]: %s\n", text, js.detail);
	jsonscan_release(&js);
	return rc == 0;
}

static const char *
scan_err(const char *text, size_t len)
{
	static char	detail[160];
	struct jsonscan	js;

	if (jsonscan_parse(&js, text, len) == 0)
		strlcpy(detail, "(accepted)", sizeof(detail));
	else
		strlcpy(detail, js.detail, sizeof(detail));
	jsonscan_release(&js);
	return detail;
}

static void
test_scan_valid(void)
{
	static const char *const ok[] = {
		"{}", "[]", " [ 1 , -0.5e+3 , \"x\" , true , false , null ] ",
		"123456789012345678901234567890", "1e400", "-0", "0.0E-0",
		"\"a\\u0000b\\ud800\\n\\\"\\/\"", "{\"a\":{\"a\":1}}",
		"{\"a\":1,\"b\":[{\"a\":2,\"b\":3}]}", "\"\xc3\xa9\xf0\x9f\x98\x80\"",
		"[[[[]]]]",
	};
	size_t	i;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		CHECK(scan_ok(ok[i]));
}

static void
test_scan_invalid(void)
{
	static const struct {
		const char	*text;
		const char	*detail;
	} bad[] = {
		{ "", "unexpected end of JSON input" },
		{ "[1,]", "invalid character ']' at offset 3" },
		{ "{\"a\":1,\"a\":2}", "duplicate member \"a\" at offset 7" },
		{ "{\"a\":1,\"\\u0061\":2}",
		    "duplicate member \"a\" at offset 7" },
		{ "[{\"b\":1},{\"x\":{\"y\":1,\"y\":2}}]",
		    "duplicate member \"y\" at offset 21" },
		{ "[1] 2", "data after the JSON value at offset 4" },
		{ "01", "data after the JSON value at offset 1" },
		{ "1.", "unexpected end of JSON input" },
		{ "-", "unexpected end of JSON input" },
		{ "+1", "invalid character '+' at offset 0" },
		{ "\"\\x\"", "invalid escape at offset 1" },
		{ "\"\\u12g4\"", "invalid \\u escape at offset 1" },
		{ "\"a\tb\"", "control character 0x09 in a string at offset 2" },
		{ "\"\xff\"", "invalid UTF-8 at offset 1" },
		{ "\"\xc0\xaf\"", "invalid UTF-8 at offset 1" },
		{ "\"\xed\xa0\x80\"", "invalid UTF-8 at offset 1" },
		{ "{\"a\" 1}", "expected ':' at offset 5" },
		{ "{1:2}", "expected a member name at offset 1" },
		{ "[1 2]", "expected ',' or ']' at offset 3" },
		{ "tru", "invalid character 't' at offset 0" },
		{ "NaN", "invalid character 'N' at offset 0" },
	};
	size_t	i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK_STR(scan_err(bad[i].text, strlen(bad[i].text)),
		    bad[i].detail);
	/* A NUL byte outside a string. */
	CHECK_STR(scan_err("[1,\0]", 5), "invalid byte 0x00 at offset 3");
}

/* Objects past the small array use a table: duplicates still found. */
static void
test_scan_many_members(void)
{
	char	*s = malloc(200 * 16 + 64), *p;
	int	 i;

	p = s + sprintf(s, "[{");
	for (i = 0; i < 200; i++)
		p += sprintf(p, "%s\"k%d\":%d", i ? "," : "", i, i);
	strcpy(p, "}]");
	CHECK(scan_ok(s));
	/* The same name again, once plainly and once escaped. */
	sprintf(p, ",\"k157\":1}]");
	CHECK_STR(scan_err(s, strlen(s)), "duplicate member \"k157\" at "
	    "offset 1982");
	sprintf(p, ",\"\\u006b3\":1}]");
	CHECK_STR(scan_err(s, strlen(s)), "duplicate member \"k3\" at "
	    "offset 1982");
	free(s);
}

static void
test_scan_depth(void)
{
	char	*s = malloc(2 * 2049 + 1);
	size_t	 i;

	for (i = 0; i < 2049; i++) {
		s[i] = '[';
		s[2 * 2049 - 1 - i] = ']';
	}
	s[2 * 2049] = '\0';
	CHECK_STR(scan_err(s, strlen(s)),
	    "nesting deeper than 2048 levels at offset 2048");
	/* 2048 levels are fine. */
	s[2 * 2049 - 1] = '\0';
	CHECK(scan_ok(s + 1));
	free(s);
}

static void
test_scan_spans(void)
{
	const char	*t = " [ {\"a\":1} ,\n 42,\"s\" ] ";
	const char	*e = "{\"sentAt\":\"x\",\"batch\":[ {\"b\":[1,2]} , [3] ],"
	    "\"w\\u0072iteKey\":\"k\"}";
	struct jsonscan	 js;
	const struct jsonscan_member *m;

	CHECK_INT(jsonscan_parse(&js, t, strlen(t)), 0);
	CHECK_INT(js.root.kind, JSONSCAN_ARRAY);
	CHECK_INT(js.root_count, 3);
	CHECK_INT(js.elems[0].off, 3);
	CHECK_INT(js.elems[0].len, 7);
	CHECK_INT(js.elems[1].kind, JSONSCAN_NUMBER);
	CHECK_INT(js.elems[2].off, 17);
	CHECK_INT(js.elems[2].len, 3);
	jsonscan_release(&js);

	CHECK_INT(jsonscan_parse(&js, e, strlen(e)), 0);
	CHECK_INT(js.root.kind, JSONSCAN_OBJECT);
	CHECK_INT(js.nmembers, 3);
	m = jsonscan_member(&js, "batch");
	CHECK(m != NULL);
	if (m != NULL) {
		CHECK_INT(m->count, 2);
		CHECK(memcmp(e + js.elems[m->first].off, "{\"b\":[1,2]}",
		    11) == 0);
		CHECK_INT(js.elems[m->first + 1].kind, JSONSCAN_ARRAY);
	}
	m = jsonscan_member(&js, "writeKey");
	CHECK(m != NULL);
	if (m != NULL) {
		size_t	 len;
		char	*k = jsonscan_string(e, &m->value, &len);

		CHECK_STR(k, "k");
		free(k);
	}
	CHECK(jsonscan_member(&js, "nope") == NULL);
	jsonscan_release(&js);

	/*
	 * The root's names share one buffer: forty of them, every third
	 * escaped, each found with its own value.
	 */
	{
		char	big[2048], name[16], *p = big;
		int	i, found = 0;

		p += sprintf(p, "{");
		for (i = 0; i < 40; i++)
			p += sprintf(p, i % 3 ? "%s\"n%d\":%d" :
			    "%s\"\\u006e%d\":%d", i ? "," : "", i, i);
		sprintf(p, "}");
		CHECK_INT(jsonscan_parse(&js, big, strlen(big)), 0);
		CHECK_INT(js.nmembers, 40);
		for (i = 0; i < 40; i++) {
			snprintf(name, sizeof(name), "n%d", i);
			m = jsonscan_member(&js, name);
			found += m != NULL && m->keylen == strlen(name) &&
			    atoi(big + m->value.off) == i;
		}
		CHECK_INT(found, 40);
		jsonscan_release(&js);
	}
}

/* gzip the len bytes at in into a malloc'd buffer. */
static unsigned char *
gz(const char *in, size_t len, size_t *outlen)
{
	z_stream	 zs;
	unsigned char	*out = malloc(len + 1024);

	memset(&zs, 0, sizeof(zs));
	deflateInit2(&zs, 9, Z_DEFLATED, 16 + MAX_WBITS, 8,
	    Z_DEFAULT_STRATEGY);
	zs.next_in = (Bytef *)(uintptr_t)in;
	zs.avail_in = len;
	zs.next_out = out;
	zs.avail_out = len + 1024;
	deflate(&zs, Z_FINISH);
	*outlen = zs.total_out;
	deflateEnd(&zs);
	return out;
}

static void
test_body(void)
{
	struct body	 b;
	unsigned char	*z, *z2;
	size_t		 zlen, z2len, i;
	char		*big;
	struct budget	 bu;

	body_init(&b, 10, 100, 0, 0, NULL, 0);
	CHECK_INT(body_feed(&b, "12345", 5), 0);
	CHECK_INT(body_feed(&b, "67890", 5), 0);
	CHECK_INT(body_finish(&b), 0);
	CHECK_STR(b.buf, "1234567890");
	body_release(&b);

	body_init(&b, 10, 100, 0, 0, NULL, 0);
	CHECK_INT(body_feed(&b, "12345678901", 11), -1);
	CHECK_INT(b.error, BODY_TOO_LARGE);
	body_release(&b);

	z = gz("hello", 5, &zlen);
	z2 = gz(" world", 6, &z2len);
	body_init(&b, 100, 100, 0, 1, NULL, 0);
	/* Byte by byte, two members. */
	for (i = 0; i < zlen; i++)
		CHECK_INT(body_feed(&b, (char *)z + i, 1), 0);
	CHECK_INT(body_feed(&b, (char *)z2, z2len), 0);
	CHECK_INT(body_finish(&b), 0);
	CHECK_STR(b.buf, "hello world");
	body_release(&b);

	body_init(&b, 100, 100, 0, 1, NULL, 0);
	CHECK_INT(body_feed(&b, (char *)z, zlen - 3), 0);
	CHECK_INT(body_finish(&b), -1);
	CHECK_INT(b.error, BODY_BAD_GZIP);
	body_release(&b);

	body_init(&b, 100, 100, 0, 1, NULL, 0);
	CHECK_INT(body_feed(&b, (char *)z, zlen), 0);
	CHECK_INT(body_feed(&b, "xx", 2), -1);
	CHECK_INT(b.error, BODY_BAD_GZIP);
	body_release(&b);
	free(z);
	free(z2);

	/* 3 MiB of zeros: over the ratio once past 1 MiB. */
	big = calloc(3 << 20, 1);
	z = gz(big, 3 << 20, &zlen);
	body_init(&b, 4 << 20, 100, zlen, 1, NULL, 0);
	CHECK_INT(body_feed(&b, (char *)z, zlen), -1);
	CHECK_INT(b.error, BODY_RATIO);
	CHECK(b.len <= (2 << 20));
	body_release(&b);
	/* The same with a ratio that allows it, but a smaller limit. */
	body_init(&b, 2 << 20, 100000, zlen, 1, NULL, 0);
	CHECK_INT(body_feed(&b, (char *)z, zlen), -1);
	CHECK_INT(b.error, BODY_TOO_LARGE);
	body_release(&b);
	free(z);
	free(big);

	/*
	 * With a budget, a declared length takes nothing before bytes come;
	 * the buffer grows from the budget and gives it back.
	 */
	budget_init(&bu, 20000);
	body_init(&b, 100000, 100, 100000, 0, &bu, 0);
	CHECK(b.buf == NULL);
	CHECK_INT(bu.used, 0);
	CHECK_INT(body_feed(&b, "x", 1), 0);
	CHECK_INT(bu.used, 16384);
	big = calloc(8192, 1);
	CHECK_INT(body_feed(&b, big, 8192), 0);
	CHECK_INT(body_feed(&b, big, 8192), -1);
	CHECK_INT(b.error, BODY_BUSY);
	body_release(&b);
	CHECK_INT(bu.used, 0);
	free(big);
	budget_release(&bu);
}

static void
test_routes(void)
{
	struct route	r;

	ingest_route("/v1/events", &r);
	CHECK_INT(r.kind, ROUTE_BATCH);
	ingest_route("/v1/import/", &r);
	CHECK_INT(r.kind, ROUTE_BATCH);
	CHECK_STR(r.label, "/v1/import");
	ingest_route("/v1/import//", &r);
	CHECK_INT(r.kind, ROUTE_OTHER);
	ingest_route("/v1/p", &r);
	CHECK_INT(r.kind, ROUTE_SINGLE);
	CHECK_INT(r.type, EVENT_PAGE);
	ingest_route("/v1/events/alias", &r);
	CHECK_INT(r.type, EVENT_ALIAS);
	ingest_route("/V1/events", &r);
	CHECK_INT(r.kind, ROUTE_OTHER);
	ingest_route("/v1/events/settings/abc", &r);
	CHECK_INT(r.kind, ROUTE_SETTINGS);
	CHECK_STR(r.key, "abc");
	ingest_route("/v1/events/settings/", &r);
	CHECK_INT(r.kind, ROUTE_OTHER);
	ingest_route("/v1/projects/k1/settings", &r);
	CHECK_INT(r.kind, ROUTE_PROJECT);
	CHECK_STR(r.key, "k1");
	ingest_route("/v1/projects/k/1/settings", &r);
	CHECK_INT(r.kind, ROUTE_OTHER);
	ingest_route("/healthz/", &r);
	CHECK_INT(r.kind, ROUTE_HEALTHZ);
	ingest_route("/metricsx", &r);
	CHECK_INT(r.kind, ROUTE_OTHER);
	CHECK_STR(ingest_allow(ROUTE_SINGLE), "POST, OPTIONS");
	CHECK_STR(ingest_allow(ROUTE_PROJECT), "GET, HEAD, OPTIONS");
}

static void
test_auth(void)
{
	char	key[40];

	CHECK_INT(ingest_auth("", key, sizeof(key)), AUTH_NONE);
	CHECK_INT(ingest_auth(" \t ", key, sizeof(key)), AUTH_NONE);
	CHECK_INT(ingest_auth("Bearer abc", key, sizeof(key)), AUTH_BEARER);
	CHECK_STR(key, "abc");
	CHECK_INT(ingest_auth("bEaReR \t abc \t", key, sizeof(key)),
	    AUTH_BEARER);
	CHECK_STR(key, "abc");
	CHECK_INT(ingest_auth("Bearer", key, sizeof(key)), -1);
	CHECK_INT(ingest_auth("Bearer   ", key, sizeof(key)), -1);
	CHECK_INT(ingest_auth("Token abc", key, sizeof(key)), -1);
	/* "key:" and "key:password" and "key" alone. */
	CHECK_INT(ingest_auth("Basic a2V5Og==", key, sizeof(key)),
	    AUTH_BASIC);
	CHECK_STR(key, "key");
	CHECK_INT(ingest_auth("Basic a2V5OnB3", key, sizeof(key)),
	    AUTH_BASIC);
	CHECK_STR(key, "key");
	CHECK_INT(ingest_auth("basic a2V5", key, sizeof(key)), AUTH_BASIC);
	CHECK_STR(key, "key");
	CHECK_INT(ingest_auth("Basic a2V5Og", key, sizeof(key)), AUTH_BASIC);
	CHECK_STR(key, "key");
	CHECK_INT(ingest_auth("Basic a2V5O*==", key, sizeof(key)), -1);
	CHECK_INT(ingest_auth("Basic a", key, sizeof(key)), -1);
	/*
	 * A key with a NUL ("key\0:", "k\0ey:", "\0") is no key, left
	 * empty, so unknown; a NUL in the password ("key:\0pw") is ignored
	 * with the rest of it.
	 */
	CHECK_INT(ingest_auth("Basic a2V5ADo=", key, sizeof(key)), AUTH_BASIC);
	CHECK_STR(key, "");
	CHECK_INT(ingest_auth("Basic awBleTo=", key, sizeof(key)), AUTH_BASIC);
	CHECK_STR(key, "");
	CHECK_INT(ingest_auth("Basic AA==", key, sizeof(key)), AUTH_BASIC);
	CHECK_STR(key, "");
	CHECK_INT(ingest_auth("Basic a2V5OgBwdw==", key, sizeof(key)),
	    AUTH_BASIC);
	CHECK_STR(key, "key");
}

static void
test_headers(void)
{
	char	ip[64];

	CHECK(ingest_charset_ok(NULL));
	CHECK(ingest_charset_ok("application/json"));
	CHECK(ingest_charset_ok("application/json; charset=utf-8"));
	CHECK(ingest_charset_ok("text/plain;CHARSET=\"UTF8\""));
	CHECK(!ingest_charset_ok("application/json; charset=latin1"));
	CHECK(!ingest_charset_ok("text/plain; a=b; charset=utf-16"));
	CHECK(ingest_charset_ok("garbage;;;"));
	CHECK(!ingest_charset_ok("application/json; charset=latin1;"));
	CHECK(!ingest_charset_ok("json ; charset=latin1"));
	/* §7.1: a header that is not a media type is ignored, whole. */
	CHECK(ingest_charset_ok(";charset=latin1"));
	CHECK(ingest_charset_ok("garbage;;;charset=latin1"));
	CHECK(ingest_charset_ok("application/json; foo; charset=latin1"));
	CHECK(ingest_charset_ok("application/json; charset=latin1; foo"));
	CHECK(ingest_charset_ok("application/; charset=latin1"));
	CHECK(ingest_charset_ok("a b/json; charset=latin1"));
	CHECK(ingest_charset_ok("text/plain; charset=\"latin1"));
	CHECK(ingest_charset_ok("text/plain; charset=latin1; charset=utf-8"));
	CHECK(ingest_charset_ok("application/json;charset="));
	CHECK(ingest_charset_ok("application/json; =latin1; charset=latin1"));

	CHECK_INT(ingest_forwarded_for("1.2.3.4", ip, sizeof(ip)), 1);
	CHECK_STR(ip, "1.2.3.4");
	CHECK_INT(ingest_forwarded_for(" 1.2.3.4:8080 , 5.6.7.8", ip,
	    sizeof(ip)), 1);
	CHECK_STR(ip, "1.2.3.4");
	CHECK_INT(ingest_forwarded_for("[2001:db8::1]:443", ip, sizeof(ip)),
	    1);
	CHECK_STR(ip, "2001:db8::1");
	CHECK_INT(ingest_forwarded_for("2001:DB8::1", ip, sizeof(ip)), 1);
	CHECK_STR(ip, "2001:db8::1");
	CHECK_INT(ingest_forwarded_for("::ffff:10.1.2.3", ip, sizeof(ip)), 1);
	CHECK_STR(ip, "10.1.2.3");
	CHECK_INT(ingest_forwarded_for("", ip, sizeof(ip)), 0);
	CHECK_INT(ingest_forwarded_for("unknown", ip, sizeof(ip)), -1);
	CHECK_INT(ingest_forwarded_for("fe80::1%eth0", ip, sizeof(ip)), -1);
	CHECK_INT(ingest_forwarded_for("1.2.3.256", ip, sizeof(ip)), -1);
	CHECK_INT(ingest_forwarded_for(",1.2.3.4", ip, sizeof(ip)), -1);

	CHECK_INT(ingest_encoding(NULL), ENCODING_IDENTITY);
	CHECK_INT(ingest_encoding(" identity "), ENCODING_IDENTITY);
	CHECK_INT(ingest_encoding(""), ENCODING_IDENTITY);
	CHECK_INT(ingest_encoding("GZIP"), ENCODING_GZIP);
	CHECK_INT(ingest_encoding("x-gzip"), ENCODING_GZIP);
	CHECK_INT(ingest_encoding("gzip, br"), ENCODING_UNSUPPORTED);
	CHECK_INT(ingest_encoding("deflate"), ENCODING_UNSUPPORTED);
}

static void
test_jsonstr(void)
{
	static const struct {
		const char	*in;
		size_t		 len;
		const char	*out;
	} cases[] = {
		{ "plain", 5, "\"plain\"" },
		{ "", 0, "\"\"" },
		{ "a\"b\\c/d", 7, "\"a\\\"b\\\\c/d\"" },
		{ "\b\f\n\r\t", 5, "\"\\b\\f\\n\\r\\t\"" },
		{ "\x01\x1f\x7f", 3, "\"\\u0001\\u001F\x7f\"" },
		{ "a\0b", 3, "\"a\\u0000b\"" },
		{ "caf\xc3\xa9", 5, "\"caf\xc3\xa9\"" },
	};
	char	out[64];
	size_t	i, n;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		n = jsonstr_quote(out, cases[i].in, cases[i].len);
		CHECK(n <= JSONSTR_MAX(cases[i].len));
		out[n] = '\0';
		CHECK_STR(out, cases[i].out);
	}
}

/* The daemon's parts that an ingest request goes through. */
static struct {
	char		 dir[64];
	char		*warehouse;
	struct config	 cf;
	struct catalog	*cat;
	struct warehouse *wh;
	struct writer	*writer;
	struct ingest	*ingest;
	char		 key[IDS_KEY_LEN + 1];
	char		 bearer[IDS_KEY_LEN + 8];
} d;

static void
daemon_up(void)
{
	struct catalog_error	 ce;
	json_t			*o, *f;
	char			 err[256], *path;

	strlcpy(d.dir, "/tmp/krenalis-unit.XXXXXX", sizeof(d.dir));
	if (mkdtemp(d.dir) == NULL) {
		perror("mkdtemp");
		exit(1);
	}
	config_init(&d.cf);
	d.cf.max_body_bytes = 4096;
	d.cf.max_batch_events = 5;
	d.cf.writer_queue_events = 100;
	d.cf.rate_limit_events_per_minute = 0;
	debugger_init(16);
	xasprintf(&path, "%s/state.db", d.dir);
	d.cat = catalog_open(path, "http://127.0.0.1/v1/events", err,
	    sizeof(err));
	free(path);
	xasprintf(&d.warehouse, "%s/warehouse.db", d.dir);
	free(d.cf.data_dir);
	d.cf.data_dir = xstrdup(d.dir);
	d.wh = warehouse_open("sqlite", &d.cf, err, sizeof(err));
	if (d.wh != NULL && warehouse_ensure_schema(d.wh, err,
	    sizeof(err)) == -1) {
		warehouse_close(d.wh);
		d.wh = NULL;
	}
	d.writer = d.wh == NULL ? NULL : writer_start(d.wh, &d.cf, err,
	    sizeof(err));
	if (d.cat == NULL || d.writer == NULL) {
		printf("  set-up: %s\n", err);
		exit(1);
	}
	o = catalog_source_add(d.cat, "S", 1, NULL, NULL, &ce);
	strlcpy(d.key, json_string_value(json_array_get(json_object_get(o,
	    "writeKeys"), 0)), sizeof(d.key));
	json_decref(o);
	/* One pipeline, which stores the track events. */
	f = json_string("type is 'track'");
	o = catalog_pipeline_add(d.cat, "S", "tracks", 6, 1, f, NULL, NULL,
	    &ce);
	json_decref(f);
	if (o == NULL) {
		printf("  set-up: %s\n", ce.message);
		exit(1);
	}
	json_decref(o);
	snprintf(d.bearer, sizeof(d.bearer), "Bearer %s", d.key);
	d.ingest = ingest_new(&d.cf, d.writer);
}

static void
daemon_down(void)
{
	char	*cmd;

	ingest_free(d.ingest);
	writer_stop(d.writer);
	debugger_shutdown();
	catalog_close(d.cat);
	warehouse_close(d.wh);
	config_release(&d.cf);
	xasprintf(&cmd, "rm -rf '%s'", d.dir);
	if (system(cmd) != 0)
		printf("  cannot remove %s\n", d.dir);
	free(cmd);
	free(d.warehouse);
}

/*
 * POST body to /v1/batch with the Authorization header auth (or none)
 * and Content-Length clen (or none), as http.c would; the answer is in
 * *r, its status returned.
 */
static unsigned int
post(const char *auth, const char *clen, const char *body, struct reply *r)
{
	struct ingest_request	rq;

	memset(&rq, 0, sizeof(rq));
	ingest_route("/v1/batch", &rq.route);
	ids_new_request_id(rq.id);
	rq.received_at = timestamp_now();
	rq.nauth = auth != NULL;
	rq.authorization = auth;
	rq.content_type = "application/json";
	rq.content_length = clen;
	strlcpy(rq.peer, "192.0.2.1", sizeof(rq.peer));
	if (ingest_start(d.ingest, &rq, r) == 0 &&
	    ingest_read(d.ingest, &rq, body, strlen(body), r) == 0)
		ingest_finish(d.ingest, &rq, r);
	ingest_request_release(d.ingest, &rq);
	return r->status;
}

/* Check the status and body of a request's answer. */
#define CHECK_POST(auth, clen, text, status, answer) do {		\
	struct reply unit_r_;						\
									\
	CHECK_INT(post(auth, clen, text, &unit_r_), status);		\
	CHECK_STR(unit_r_.body, answer);				\
	reply_release(&unit_r_);					\
} while (0)

#define ERRBODY(code, msg)						\
	"{\"error\":{\"code\":\"" code "\",\"message\":\"" msg "\"}}\n"

/* The rows of krenalis_events with a message id. */
static long long
stored(const char *message_id)
{
	return unit_sql_int(d.warehouse, "SELECT count(*) FROM "
	    "krenalis_events WHERE message_id = ?", message_id);
}

static void
test_request_good(void)
{
	CHECK_POST(d.bearer, NULL, "[{\"type\":\"track\",\"event\":\"e\","
	    "\"userId\":\"u\",\"messageId\":\"good-1\"},{\"type\":\"track\","
	    "\"userId\":\"u\",\"messageId\":\"bad-1\"}]", 200,
	    "{\"success\":true,\"received\":2,\"accepted\":1,"
	    "\"duplicates\":0,\"rejected\":[{\"index\":1,\"messageId\":"
	    "\"bad-1\",\"error\":\"property 'event' is required for a track "
	    "event\"}]}\n");
	CHECK_INT(stored("good-1"), 1);
	CHECK_INT(stored("bad-1"), 0);
	/* Accepted, but the pipeline's filter does not pass it. */
	CHECK_POST(d.bearer, NULL, "{\"type\":\"identify\",\"userId\":\"u\","
	    "\"messageId\":\"filtered-1\"}", 200, "{\"success\":true,"
	    "\"received\":1,\"accepted\":1,\"duplicates\":0}\n");
	CHECK_INT(stored("filtered-1"), 0);
}

/*
 * Requests from many threads at once, through the writer's inbox and its
 * group commits: every request is answered, each of its events stored
 * once and in index order, and an id that every thread sends in its i-th
 * request is stored once, the other copies counted as duplicates, whether
 * they met in one transaction or in two.
 */
#define CONC_THREADS	16
#define CONC_REQUESTS	150

struct conc {
	pthread_t	 thread;
	int		 k;
	int		 bad;		/* answers other than a 200 */
	int		 duplicates;	/* summed over the answers */
	char		 first_bad[256];
};

static void *
conc_main(void *arg)
{
	struct conc	*c = arg;
	struct reply	 r;
	char		 body[512];
	const char	*p;
	int		 i;

	for (i = 0; i < CONC_REQUESTS; i++) {
		snprintf(body, sizeof(body), "["
		    "{\"type\":\"track\",\"event\":\"e\",\"userId\":\"u\","
		    "\"messageId\":\"conc-%d-%d-0\"},"
		    "{\"type\":\"track\",\"event\":\"e\",\"userId\":\"u\","
		    "\"messageId\":\"conc-shared-%d\"},"
		    "{\"type\":\"track\",\"event\":\"e\",\"userId\":\"u\","
		    "\"messageId\":\"conc-%d-%d-1\"}]", c->k, i, i, c->k, i);
		if (post(d.bearer, NULL, body, &r) != 200 ||
		    (p = strstr(r.body, "\"duplicates\":")) == NULL) {
			if (c->bad++ == 0)
				snprintf(c->first_bad, sizeof(c->first_bad),
				    "%u %s", r.status, r.body);
		} else
			c->duplicates += atoi(p + strlen("\"duplicates\":"));
		reply_release(&r);
	}
	return NULL;
}

static void
test_request_concurrent(void)
{
	struct conc	 c[CONC_THREADS];
	char		 id[64];
	int		 k, i, duplicates = 0, shared_once = 0;

	for (k = 0; k < CONC_THREADS; k++) {
		memset(&c[k], 0, sizeof(c[k]));
		c[k].k = k;
		if (pthread_create(&c[k].thread, NULL, conc_main, &c[k]) != 0) {
			perror("pthread_create");
			exit(1);
		}
	}
	for (k = 0; k < CONC_THREADS; k++) {
		pthread_join(c[k].thread, NULL);
		CHECK_INT(c[k].bad, 0);
		if (c[k].bad > 0)
			printf("  thread %d: %s\n", k, c[k].first_bad);
		duplicates += c[k].duplicates;
	}
	CHECK_INT(duplicates, (CONC_THREADS - 1) * CONC_REQUESTS);
	CHECK_INT(unit_sql_int(d.warehouse, "SELECT count(*) FROM "
	    "krenalis_events WHERE message_id LIKE 'conc-%'", NULL),
	    CONC_REQUESTS * (2 * CONC_THREADS + 1));
	CHECK_INT(unit_sql_int(d.warehouse, "SELECT count(DISTINCT "
	    "message_id) FROM krenalis_events WHERE message_id LIKE 'conc-%'",
	    NULL), CONC_REQUESTS * (2 * CONC_THREADS + 1));
	for (i = 0; i < CONC_REQUESTS; i++) {
		snprintf(id, sizeof(id), "conc-shared-%d", i);
		shared_once += stored(id) == 1;
	}
	CHECK_INT(shared_once, CONC_REQUESTS);
	/* A request's events in index order, each request after the last. */
	CHECK_INT(unit_sql_int(d.warehouse, "SELECT count(*) FROM "
	    "krenalis_events a JOIN krenalis_events b ON b.message_id = "
	    "substr(a.message_id, 1, length(a.message_id) - 1) || '1' "
	    "WHERE a.message_id LIKE 'conc-%-0' AND a.rowid > b.rowid", NULL),
	    0);
}

static void
test_request_key(void)
{
	char	body[256];

	CHECK_POST("Bearer nope", NULL, "[{}]", 401, ERRBODY("Unauthorized",
	    "event write key in the Authorization header is not valid"));
	CHECK_POST("Bearer", NULL, "[{}]", 400, ERRBODY("BadRequest",
	    "Authorization header is invalid; use \\\"Authorization: Bearer "
	    "<KEY>\\\" or \\\"Authorization: Basic <BASE64(KEY:)>\\\" with "
	    "an event write key"));
	CHECK_POST(NULL, NULL, "[{}]", 401, ERRBODY("Unauthorized",
	    "Authorization header is missing"));
	CHECK_POST(NULL, NULL, "{\"writeKey\":\"nope\",\"batch\":[{}]}", 401,
	    ERRBODY("Unauthorized", "the event write key in the request body "
	    "does not exist"));
	snprintf(body, sizeof(body), "{\"writeKey\":\"%s\",\"type\":"
	    "\"track\",\"event\":\"e\",\"userId\":\"u\",\"messageId\":"
	    "\"body-key\"}", d.key);
	CHECK_POST(NULL, NULL, body, 200, "{\"success\":true,\"received\":1,"
	    "\"accepted\":1,\"duplicates\":0}\n");
	CHECK_INT(stored("body-key"), 1);
}

static void
test_request_malformed(void)
{
	CHECK_POST(d.bearer, NULL, " \r\n", 400, ERRBODY("BadRequest",
	    "request's body is empty"));
	CHECK_POST(d.bearer, NULL, "[{\"type\":", 400, ERRBODY("BadRequest",
	    "error parsing the request body as JSON: unexpected end of JSON "
	    "input"));
	CHECK_POST(d.bearer, NULL, "\"x\"", 400, ERRBODY("BadRequest",
	    "request's content is not a valid JSON object or array"));
	CHECK_POST(d.bearer, NULL, "{\"batch\":{}}", 400, ERRBODY("BadRequest",
	    "property 'batch' is not a valid array"));
	CHECK_POST(d.bearer, NULL, "[]", 400, ERRBODY("BadRequest",
	    "batch must contain at least one event"));
	CHECK_POST(d.bearer, NULL, "{\"batch\":[{}],\"sentAt\":\"yesterday\"}",
	    400, ERRBODY("BadRequest", "property 'sentAt' is not a valid ISO "
	    "8601 timestamp"));
}

/* §8.1: an envelope's members are checked before the batch's size. */
static void
test_request_envelope_order(void)
{
	char	body[256];

	CHECK_POST(d.bearer, NULL, "{\"batch\":[],\"sentAt\":\"\"}", 400,
	    ERRBODY("BadRequest", "property 'sentAt' is not a valid ISO 8601 "
	    "timestamp"));
	CHECK_POST(d.bearer, NULL, "{\"sentAt\":1,\"batch\":[]}", 400,
	    ERRBODY("BadRequest", "property 'sentAt' is not a valid string"));
	CHECK_POST(d.bearer, NULL, "{\"batch\":[],\"context\":null}", 400,
	    ERRBODY("BadRequest", "property 'context' is not a valid object"));
	CHECK_POST(d.bearer, NULL, "{\"batch\":[{},{},{},{},{},{}],"
	    "\"context\":[]}", 400, ERRBODY("BadRequest", "property 'context' "
	    "is not a valid object"));
	CHECK_POST(NULL, NULL, "{\"batch\":[],\"writeKey\":1}", 400,
	    ERRBODY("BadRequest", "property 'writeKey' is not a valid string"));
	CHECK_POST(NULL, NULL, "{\"batch\":[],\"writeKey\":\"\"}", 400,
	    ERRBODY("BadRequest", "property 'writeKey' cannot be empty"));
	/* The key's lookup stays at step 12, after the size. */
	CHECK_POST(NULL, NULL, "{\"batch\":[],\"writeKey\":\"nope\"}", 400,
	    ERRBODY("BadRequest", "batch must contain at least one event"));
	/* With an Authorization header, the body's key is not looked at. */
	CHECK_POST(d.bearer, NULL, "{\"batch\":[],\"writeKey\":1}", 400,
	    ERRBODY("BadRequest", "batch must contain at least one event"));
	/* Every check holds after a BOM, whose 3 bytes shift nothing. */
	snprintf(body, sizeof(body), "\xef\xbb\xbf{\"writeKey\":\"%s\","
	    "\"sentAt\":\"2025-01-02T03:04:05Z\",\"context\":{\"ip\":"
	    "\"192.0.2.9\"},\"batch\":[{\"type\":\"track\",\"event\":\"e\","
	    "\"userId\":\"u\",\"messageId\":\"bom-1\"}]}", d.key);
	CHECK_POST(NULL, NULL, body, 200, "{\"success\":true,\"received\":1,"
	    "\"accepted\":1,\"duplicates\":0}\n");
	CHECK_INT(stored("bom-1"), 1);
}

static void
test_request_limits(void)
{
	struct reply	 r;
	char		*big;

	CHECK_POST(d.bearer, "4097", "[{}]", 413, ERRBODY("PayloadTooLarge",
	    "request's body exceeds the limit of 4096 bytes"));
	/*
	 * Past the limit the rest is read and dropped, then answered; past
	 * twice the limit the answer comes while the body is being read.
	 */
	big = xmalloc(10000);
	memset(big, ' ', 9999);
	big[0] = '[';
	big[9998] = ']';
	big[9999] = '\0';
	CHECK_POST(d.bearer, NULL, big + 5000, 413, ERRBODY("PayloadTooLarge",
	    "request's body exceeds the limit of 4096 bytes"));
	CHECK_POST(d.bearer, NULL, big, 413, ERRBODY("PayloadTooLarge",
	    "request's body exceeds the limit of 4096 bytes"));
	free(big);
	CHECK_POST(d.bearer, NULL, "[{},{},{},{},{},{}]", 400,
	    ERRBODY("BadRequest", "batch contains too many events"));

	/* A bucket of 2 events refilled at 1 a second. */
	d.cf.rate_limit_events_per_minute = 60;
	d.cf.rate_limit_burst = 2;
	CHECK_INT(post(d.bearer, NULL, "[{},{},{}]", &r), 429);
	CHECK_STR(r.body, ERRBODY("TooManyRequests", "rate limit exceeded; "
	    "retry according to the Retry-After header"));
	CHECK_INT(r.nhdrs, 2);
	CHECK_STR(r.names[0], "Retry-After");
	CHECK_STR(r.values[0], "1");
	CHECK_STR(r.names[1], "X-RateLimit-Reset");
	CHECK_STR(r.values[1], "1");
	reply_release(&r);
	d.cf.rate_limit_events_per_minute = 0;

	/* More events than the writer's queue holds. */
	d.cf.writer_queue_events = 2;
	CHECK_INT(post(d.bearer, NULL, "[{},{},{}]", &r), 503);
	CHECK_STR(r.body, ERRBODY("ServiceUnavailable", "request cannot be "
	    "processed at this time; try again later"));
	CHECK_INT(r.nhdrs, 1);
	CHECK_STR(r.values[0], "1");
	reply_release(&r);
	d.cf.writer_queue_events = 100;
}

static void
test_request_duplicates(void)
{
	static const char	*body = "[{\"type\":\"track\",\"event\":\"e\","
	    "\"userId\":\"u\",\"messageId\":\"dup-1\"},{\"type\":\"track\","
	    "\"event\":\"e\",\"userId\":\"u\",\"messageId\":\"dup-1\"}]";

	CHECK_POST(d.bearer, NULL, body, 200, "{\"success\":true,"
	    "\"received\":2,\"accepted\":1,\"duplicates\":1}\n");
	CHECK_INT(stored("dup-1"), 1);
	/* Again: now both are duplicates of the stored event. */
	CHECK_POST(d.bearer, NULL, body, 200, "{\"success\":true,"
	    "\"received\":2,\"accepted\":0,\"duplicates\":2}\n");
	CHECK_INT(stored("dup-1"), 1);
}

/* The newest debugger record (a reference), or NULL. */
static struct dbg_record *
newest_record(void)
{
	struct dbg_record	**recs, *r = NULL;

	if (debugger_history(NULL, 1, &recs) == 1)
		r = recs[0];
	free(recs);
	return r;
}

/* The text of the newest debugger record (malloc'd), or NULL. */
static char *
last_record(void)
{
	struct dbg_record	*r;
	const char		*text;
	char			*s = NULL;
	size_t			 len;

	if ((r = newest_record()) != NULL) {
		text = dbg_record_text(r, &len);
		s = xstrndup(text, len);
		dbg_record_unref(r);
	}
	return s;
}

/*
 * Add a source (of connector, or the default) and write "Bearer <its
 * write key>" in out; -1 when it cannot be added.
 */
static int
source_bearer(const char *name, const char *connector, char *out,
    size_t size)
{
	struct catalog_error	 ce;
	json_t			*o;

	o = catalog_source_add(d.cat, name, strlen(name), connector, NULL,
	    &ce);
	if (o == NULL)
		return -1;
	snprintf(out, size, "Bearer %s", json_string_value(
	    json_array_get(json_object_get(o, "writeKeys"), 0)));
	json_decref(o);
	return 0;
}

/*
 * Stand in for krenalisd's admin socket: a listening socket at path, for
 * a client to open, and to be taken by served().
 */
static int
serve(const char *path)
{
	struct sockaddr_un	sun;
	int			lfd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	strlcpy(sun.sun_path, path, sizeof(sun.sun_path));
	unlink(path);
	if ((lfd = socket(AF_UNIX, SOCK_STREAM, 0)) == -1 ||
	    bind(lfd, (struct sockaddr *)&sun, sizeof(sun)) == -1 ||
	    listen(lfd, 4) == -1) {
		perror("serve");
		exit(1);
	}
	return lfd;
}

/*
 * Accept the client's connection on lfd, close lfd, and send line as
 * krenalisd would; return the daemon's end, which the caller closes.
 */
static int
served(int lfd, const char *line)
{
	int	fd = accept(lfd, NULL, NULL);

	close(lfd);
	if (fd == -1 || write(fd, line, strlen(line)) != (ssize_t)strlen(line)) {
		perror("served");
		exit(1);
	}
	return fd;
}

/* What call printed on fp, a memory stream, as a string in out. */
#define PRINTED(out, call) do {						\
	size_t	 unit_n_;						\
	FILE	*fp = open_memstream(&(out), &unit_n_);			\
									\
	call;								\
	fclose(fp);							\
} while (0)

/* Whether out, which is freed, has the text has. */
static int
shows(char *out, const char *has)
{
	int	yes = strstr(out, has) != NULL;

	if (!yes)
		printf("  [%s] has no [%s]\n", out, has);
	free(out);
	return yes;
}

/* Whether out, which is freed, is text and a newline. */
static int
is_line(char *out, const char *text)
{
	int	yes = strlen(out) == strlen(text) + 1 &&
		    strncmp(out, text, strlen(text)) == 0;

	free(out);
	return yes;
}

/* Open c on a stand-in daemon at path that sends line; its end returned. */
static int
ctl_sent(struct ctl *c, const char *path, const char *line)
{
	int	lfd = serve(path);

	ctl_open(c, path);
	return served(lfd, line);
}

/*
 * What krctl shows of the record text, sent as the reply to "krctl
 * events" and as a line of "krctl events -f": its line, which must have
 * line_has, and the text that -j prints, the daemon's byte for byte: the
 * reply's array, and the record of the line.
 */
static void
odd_krctl(const char *text, const char *line_has)
{
	static const char *const forms[] = {
		"{\"id\":1,\"ok\":true,\"data\":[%s]}\n",
		"{\"id\":1,\"record\":%s}\n"
	};
	struct ctl	 c;
	json_t		*o;
	const char	*t;
	char		*line, *out, path[128];
	size_t		 len, k;
	int		 fd;

	snprintf(path, sizeof(path), "%s/ctl.sock", d.dir);
	for (k = 0; k < 2; k++) {
		xasprintf(&line, forms[k], text);
		fd = ctl_sent(&c, path, line);
		free(line);
		if (k == 0) {
			o = ctl_call(&c, "events", NULL);
			CHECK(json_array_size(o) == 1);
			PRINTED(out, print_human(fp, PRINT_EVENTS, o));
		} else {
			o = ctl_read(&c);
			PRINTED(out, print_record_line(fp,
			    json_object_get(o, "record")));
		}
		CHECK(shows(out, line_has));
		t = proto_member(c.line, c.linelen, k == 0 ? "data" : "record",
		    &len);
		PRINTED(out, print_text(fp, t, len));
		xasprintf(&line, k == 0 ? "[%s]" : "%s", text);
		CHECK(is_line(out, line));
		free(line);
		json_decref(o);
		ctl_close(&c);
		close(fd);
	}
}

/*
 * The record of krtop's list that the stream line of text makes: its type,
 * name and user must be these, and its details show detail_has.
 */
static void
odd_krtop(const char *text, const char *type, const char *name,
    const char *user, const char *detail_has)
{
	struct link		 l;
	struct link_msg		 m;
	struct fmt_lines	 fl;
	struct rec		*r = NULL;
	const char		*t;
	char			*line, path[128];
	size_t			 len, i;
	int			 lfd, fd, found = 0;

	snprintf(path, sizeof(path), "%s/top.sock", d.dir);
	xasprintf(&line, "{\"id\":1,\"record\":%s}\n", text);
	lfd = serve(path);
	link_init(&l);
	CHECK_INT(link_open(&l, path), 0);
	fd = served(lfd, line);
	free(line);
	CHECK_INT(link_read(&l), 1);
	if (link_next(&l, &m) == 1) {
		CHECK_INT(m.type, LINK_RECORD);
		t = proto_member(m.line, m.len, "record", &len);
		CHECK(t != NULL && len == strlen(text));
		r = reclist_rec_new(json_object_get(m.obj, "record"), t, len,
		    1);
		json_decref(m.obj);
	}
	CHECK(r != NULL);
	if (r != NULL) {
		CHECK_STR(r->type, type);
		CHECK_STR(r->name, name);
		CHECK_STR(r->user, user);
		fmt_lines_init(&fl);
		detail_build(&fl, r, NULL, DETAIL_EVENT, 200, 1);
		detail_build(&fl, r, NULL, DETAIL_RAW, 200, 1);
		for (i = 0; i < fl.n; i++)
			if (strstr(fl.v[i].text, detail_has) != NULL)
				found = 1;
		CHECK(found);
		fmt_lines_release(&fl);
		reclist_rec_free(r);
	}
	link_release(&l);
	close(fd);
}

/*
 * Events that are valid but that jansson refuses as they are (a number
 * past 64 bits or past a double, a lone surrogate, U+0000 in a member
 * name, nesting deeper than jansson reads) are stored verbatim; their
 * debugger records must reach krctl and krtop, with every number shown as
 * it was sent.
 */
static void
test_odd_events(void)
{
	static const struct {
		const char	*props;
		const char	*detail;	/* a line of krtop's details */
	} odd[] = {
		{ "{\"n\":18446744073709551615}", "\"n\": 18446744073709551615" },
		{ "{\"n\":1e999}", "\"n\": 1e999" },
		{ "{\"s\":\"\\ud800\"}", "\"s\": \"\\ud800\"" },
		{ "{\"a\\u0000b\":1}", "\"a\\u0000b\": 1" },
		{ "{\"x\":1.36}", "\"x\": 1.36" },
		{ "{\"s\":\"a\\u0000b\",\"m\":-1e999}", "\"m\": -1e999" },
		{ NULL, "\"d\": [" },
	};
	const char	*props;
	char		*body, *text, *want, deep[2 * 2044 + 16];
	size_t		 i, k;

	/* Arrays to the depth that a request's body allows. */
	k = (size_t)snprintf(deep, sizeof(deep), "{\"d\":");
	for (i = 0; i < 2044; i++)
		deep[k++] = '[';
	for (i = 0; i < 2044; i++)
		deep[k++] = ']';
	strlcpy(deep + k, "}", sizeof(deep) - k);
	d.cf.max_body_bytes = 16384;
	for (i = 0; i < sizeof(odd) / sizeof(odd[0]); i++) {
		props = odd[i].props ? odd[i].props : deep;
		xasprintf(&body, "{\"type\":\"track\",\"event\":\"odd\","
		    "\"userId\":\"u\",\"messageId\":\"odd-%zu\",\"properties\":%s}",
		    i, props);
		CHECK_POST(d.bearer, NULL, body, 200, "{\"success\":true,"
		    "\"received\":1,\"accepted\":1,\"duplicates\":0}\n");
		free(body);
		if ((text = last_record()) == NULL) {
			CHECK(text != NULL);
			continue;
		}
		/* The properties are in the record as they were sent. */
		xasprintf(&want, "\"properties\":%s,", props);
		CHECK(strstr(text, want) != NULL);
		free(want);
		odd_krctl(text, "  track     odd ");
		odd_krtop(text, "track", "odd", "u", odd[i].detail);
		free(text);
	}
	d.cf.max_body_bytes = 4096;

	/* A rejected one: what its raw text says is still shown. */
	CHECK_POST(d.bearer, NULL, "{\"type\":\"track\",\"userId\":\"u9\","
	    "\"properties\":{\"n\":1e999,\"s\":\"\\udc00\"}}", 200,
	    "{\"success\":true,\"received\":1,\"accepted\":0,\"duplicates\":0,"
	    "\"rejected\":[{\"index\":0,\"error\":\"property 'event' is "
	    "required for a track event\"}]}\n");
	if ((text = last_record()) != NULL) {
		odd_krctl(text, "  track     -                         u9  ");
		odd_krtop(text, "track", "", "u9", "\"n\": 1e999,");
		free(text);
	}
	CHECK(text != NULL);
}

/*
 * The debugger's records are carved from their ring's slab: however many
 * requests go by, the ring of 16 keeps at most two blocks, and its newest
 * record is the last event posted.  A quiet source's one record, made
 * halfway, keeps only its own ring's smallest block, not one of the busy
 * source's: once the busy ring goes, that block is all that is left.
 */
static void
test_debugger_memory(void)
{
	struct slab_stats	 st;
	struct reply		 r;
	json_t			*o;
	char			 body[2048], quiet[IDS_KEY_LEN + 8], *text;
	size_t			 i, j, n;

	if (source_bearer("Q", NULL, quiet, sizeof(quiet)) == -1) {
		CHECK(!"source Q added");
		return;
	}
	for (i = 1; i <= 300; i++) {
		n = 0;
		for (j = 0; j < 5; j++)
			n += (size_t)snprintf(body + n, sizeof(body) - n,
			    "%s{\"type\":\"track\",\"event\":\"e\","
			    "\"userId\":\"u\",\"messageId\":\"mem-%zu-%zu\","
			    "\"properties\":{\"pad\":\"%0200d\"}}",
			    j == 0 ? "[" : ",", i, j, 0);
		strlcpy(body + n, "]", sizeof(body) - n);
		CHECK_INT(post(d.bearer, NULL, body, &r), 200);
		reply_release(&r);
		if (i == 150) {
			CHECK_INT(post(quiet, NULL, "{\"type\":\"track\","
			    "\"event\":\"q\",\"userId\":\"u\"}", &r), 200);
			reply_release(&r);
		}
		if (i % 100 == 0) {
			slab_stats(&st);
			CHECK(st.blocks >= 1 && st.blocks <= 3);
			CHECK(st.bytes <= 2 * SLAB_BLOCK_MAX +
			    (i > 150 ? SLAB_BLOCK_MIN : 0));
		}
	}
	text = last_record();
	CHECK(text != NULL &&
	    strstr(text, "\"messageId\":\"mem-300-4\"") != NULL);
	/* The busy ring gone, the quiet one's block is all that is left. */
	o = text != NULL ? json_loads(text, 0, NULL) : NULL;
	if (o != NULL)
		debugger_forget(json_string_value(json_object_get(o,
		    "source")), "quiet");
	CHECK(o != NULL);
	json_decref(o);
	free(text);
	slab_stats(&st);
	CHECK_INT(st.blocks, 1);
	CHECK_INT(st.bytes, SLAB_BLOCK_MIN);
}

/* The number of stored rows that sql, with its one "?" bound to v, counts. */
static long long
rows_where(const char *sql, const char *v)
{
	return v != NULL ? unit_sql_int(d.warehouse, sql, v) : -1;
}

/*
 * A record that no subscriber waited for keeps its raw text and decodes
 * its event again when first read: the text must be the stored event's,
 * with the ids the decoder made for it, the envelope's context and
 * sentAt, and the request's IP.  With a subscriber, with a raw text cut,
 * or with an envelope context larger than such a text, the record is
 * written at once.
 */
static void
test_debugger_decoded_again(void)
{
	struct dbg_record	*r;
	struct dbg_item		 it;
	struct dbg_sub		*sub;
	const char		*text;
	json_t			*o, *ev;
	char			*body, js[IDS_KEY_LEN + 8];
	size_t			 len, pad = DEBUGGER_RAW_MAX;
	long long		 max_event = d.cf.max_event_bytes;

	CHECK_POST(d.bearer, NULL, "{\"batch\":[{\"type\":\"track\","
	    "\"event\":\"again\",\"userId\":\"again-u\"}],\"context\":{\"app\":"
	    "{\"name\":\"EnvApp\"}},\"sentAt\":\"2026-01-02T03:04:05.678Z\"}",
	    200, "{\"success\":true,\"received\":1,\"accepted\":1,"
	    "\"duplicates\":0}\n");
	CHECK((r = newest_record()) != NULL);
	if (r != NULL) {
		CHECK(r->req != NULL && r->event == NULL);
		CHECK(r->anonymous_id != NULL && r->message_id != NULL);
		text = dbg_record_text(r, &len);
		o = json_loadb(text, len, 0, NULL);
		ev = json_object_get(o, "event");
		CHECK(json_is_object(ev));
		CHECK_INT(rows_where("SELECT count(*) FROM krenalis_events "
		    "WHERE user_id = 'again-u' AND anonymous_id = ?",
		    json_string_value(json_object_get(ev, "anonymousId"))), 1);
		CHECK_INT(rows_where("SELECT count(*) FROM krenalis_events "
		    "WHERE user_id = 'again-u' AND message_id = ?",
		    json_string_value(json_object_get(ev, "messageId"))), 1);
		CHECK_INT(rows_where("SELECT count(*) FROM krenalis_events "
		    "WHERE user_id = 'again-u' AND received_at = ?",
		    json_string_value(json_object_get(ev, "receivedAt"))), 1);
		CHECK_STR(json_string_value(json_object_get(ev, "sentAt")),
		    "2026-01-02T03:04:05.678Z");
		CHECK_STR(json_string_value(json_object_get(json_object_get(
		    json_object_get(ev, "context"), "app"), "name")), "EnvApp");
		json_decref(o);
		dbg_record_unref(r);
	}

	/* A JavaScript source's event takes the request's IP. */
	if (source_bearer("J", "javascript", js, sizeof(js)) == -1) {
		CHECK(!"source J added");
		return;
	}
	CHECK_POST(js, NULL, "{\"type\":\"track\",\"event\":\"ip\","
	    "\"userId\":\"again-u\"}", 200, "{\"success\":true,"
	    "\"received\":1,\"accepted\":1,\"duplicates\":0}\n");
	CHECK((r = newest_record()) != NULL);
	if (r != NULL) {
		CHECK(r->req != NULL);
		text = dbg_record_text(r, &len);
		CHECK(strstr(text, "\"context\":{\"ip\":\"192.0.2.1\"}") !=
		    NULL);
		dbg_record_unref(r);
	}

	/* A subscriber reads every record: they are written at once. */
	sub = debugger_subscribe(NULL, 0);
	CHECK_POST(d.bearer, NULL, "{\"type\":\"track\",\"event\":\"sub\","
	    "\"userId\":\"again-u\"}", 200, "{\"success\":true,"
	    "\"received\":1,\"accepted\":1,\"duplicates\":0}\n");
	CHECK_INT(debugger_take(sub, &it, 1), 1);
	CHECK(it.rec != NULL && it.rec->req == NULL && it.rec->event != NULL);
	if (it.rec != NULL) {
		text = dbg_record_text(it.rec, &len);
		CHECK(strstr(text, "\"event\":\"sub\"") != NULL);
		dbg_record_unref(it.rec);
	}
	debugger_unsubscribe(sub);

	/* A raw text cut in the record cannot be decoded again. */
	d.cf.max_body_bytes = 2 * DEBUGGER_RAW_MAX;
	d.cf.max_event_bytes = 2 * DEBUGGER_RAW_MAX;
	xasprintf(&body, "{\"type\":\"track\",\"event\":\"cut\","
	    "\"userId\":\"again-u\",\"properties\":{\"pad\":\"%0*d\"}}",
	    (int)pad, 0);
	CHECK_POST(d.bearer, NULL, body, 200, "{\"success\":true,"
	    "\"received\":1,\"accepted\":1,\"duplicates\":0}\n");
	free(body);
	CHECK((r = newest_record()) != NULL);
	if (r != NULL) {
		CHECK(r->rawcut < r->rawlen);
		CHECK(r->req == NULL && r->event != NULL);
		text = dbg_record_text(r, &len);
		CHECK(strstr(text, "\"event\":\"cut\"") != NULL);
		dbg_record_unref(r);
	}

	/*
	 * An envelope context larger than a raw text a record keeps is not
	 * kept: the record is written at once.
	 */
	xasprintf(&body, "{\"batch\":[{\"type\":\"track\",\"event\":"
	    "\"bigctx\",\"userId\":\"again-u\"}],\"context\":{\"pad\":"
	    "\"%0*d\",\"app\":{\"name\":\"Big\"}}}", (int)pad, 0);
	CHECK_POST(d.bearer, NULL, body, 200, "{\"success\":true,"
	    "\"received\":1,\"accepted\":1,\"duplicates\":0}\n");
	free(body);
	CHECK((r = newest_record()) != NULL);
	if (r != NULL) {
		CHECK(r->rawcut == r->rawlen);
		CHECK(r->req == NULL && r->event != NULL);
		text = dbg_record_text(r, &len);
		CHECK(strstr(text, "\"app\":{\"name\":\"Big\"}") != NULL);
		dbg_record_unref(r);
	}
	d.cf.max_body_bytes = 4096;
	d.cf.max_event_bytes = max_event;
}

/* Once the daemon is down, no record holds a block any more. */
static void
test_debugger_released(void)
{
	struct slab_stats	st;

	slab_stats(&st);
	CHECK_INT(st.blocks, 0);
	CHECK_INT(st.pooled, 0);
}

int
main(void)
{
	UNIT_RUN(test_scan_valid);
	UNIT_RUN(test_scan_invalid);
	UNIT_RUN(test_scan_many_members);
	UNIT_RUN(test_scan_depth);
	UNIT_RUN(test_scan_spans);
	UNIT_RUN(test_body);
	UNIT_RUN(test_routes);
	UNIT_RUN(test_auth);
	UNIT_RUN(test_headers);
	UNIT_RUN(test_jsonstr);

	daemon_up();
	UNIT_RUN(test_request_good);
	UNIT_RUN(test_request_key);
	UNIT_RUN(test_request_malformed);
	UNIT_RUN(test_request_envelope_order);
	UNIT_RUN(test_request_limits);
	UNIT_RUN(test_request_duplicates);
	UNIT_RUN(test_request_concurrent);
	UNIT_RUN(test_odd_events);
	UNIT_RUN(test_debugger_memory);
	UNIT_RUN(test_debugger_decoded_again);
	daemon_down();
	UNIT_RUN(test_debugger_released);
	return UNIT_END();
}
