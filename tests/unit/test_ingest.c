/* Unit tests of the body scanner, body reading and ingest headers. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "compat.h"
#include "jsonstr.h"

#include "unit.h"
#include "../../krenalisd/body.h"
#include "../../krenalisd/ingest.h"
#include "../../krenalisd/jsonscan.h"

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

	body_init(&b, 10, 100, 0, 0);
	CHECK_INT(body_feed(&b, "12345", 5), 0);
	CHECK_INT(body_feed(&b, "67890", 5), 0);
	CHECK_INT(body_finish(&b), 0);
	CHECK_STR(b.buf, "1234567890");
	body_release(&b);

	body_init(&b, 10, 100, 0, 0);
	CHECK_INT(body_feed(&b, "12345678901", 11), -1);
	CHECK_INT(b.error, BODY_TOO_LARGE);
	body_release(&b);

	z = gz("hello", 5, &zlen);
	z2 = gz(" world", 6, &z2len);
	body_init(&b, 100, 100, 0, 1);
	/* Byte by byte, two members. */
	for (i = 0; i < zlen; i++)
		CHECK_INT(body_feed(&b, (char *)z + i, 1), 0);
	CHECK_INT(body_feed(&b, (char *)z2, z2len), 0);
	CHECK_INT(body_finish(&b), 0);
	CHECK_STR(b.buf, "hello world");
	body_release(&b);

	body_init(&b, 100, 100, 0, 1);
	CHECK_INT(body_feed(&b, (char *)z, zlen - 3), 0);
	CHECK_INT(body_finish(&b), -1);
	CHECK_INT(b.error, BODY_BAD_GZIP);
	body_release(&b);

	body_init(&b, 100, 100, 0, 1);
	CHECK_INT(body_feed(&b, (char *)z, zlen), 0);
	CHECK_INT(body_feed(&b, "xx", 2), -1);
	CHECK_INT(b.error, BODY_BAD_GZIP);
	body_release(&b);
	free(z);
	free(z2);

	/* 3 MiB of zeros: over the ratio once past 1 MiB. */
	big = calloc(3 << 20, 1);
	z = gz(big, 3 << 20, &zlen);
	body_init(&b, 4 << 20, 100, zlen, 1);
	CHECK_INT(body_feed(&b, (char *)z, zlen), -1);
	CHECK_INT(b.error, BODY_RATIO);
	CHECK(b.len <= (2 << 20));
	body_release(&b);
	/* The same with a ratio that allows it, but a smaller limit. */
	body_init(&b, 2 << 20, 100000, zlen, 1);
	CHECK_INT(body_feed(&b, (char *)z, zlen), -1);
	CHECK_INT(b.error, BODY_TOO_LARGE);
	body_release(&b);
	free(z);
	free(big);
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
	return UNIT_END();
}
