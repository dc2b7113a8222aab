/* Unit tests of common/jsonlex.c. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "jsonlex.h"
#include "unit.h"

/* The decoded body of the string literal s (a C string, no quotes). */
static char	out[256];

static size_t
dec(const char *s, int flags)
{
	size_t	n;

	memset(out, 0, sizeof(out));
	n = jsonlex_decode(s, strlen(s), flags, out);
	out[n] = '\0';
	return n;
}

static void
test_escapes(void)
{
	CHECK_INT(dec("plain", 0), 5);
	CHECK_STR(out, "plain");
	CHECK_INT(dec("\\\"\\\\\\/\\b\\f\\n\\r\\t", 0), 8);
	CHECK(memcmp(out, "\"\\/\b\f\n\r\t", 8) == 0);
	CHECK_INT(dec("a\\u0041\\u00e9\\u20AC", 0), 1 + 1 + 2 + 3);
	CHECK_STR(out, "aA\xc3\xa9\xe2\x82\xac");
	CHECK_INT(dec("\\u007f\\u0080\\u07ff\\u0800\\uffff", 0),
	    1 + 2 + 2 + 3 + 3);
	CHECK_STR(out, "\x7f\xc2\x80\xdf\xbf\xe0\xa0\x80\xef\xbf\xbf");
}

static void
test_nul(void)
{
	CHECK_INT(dec("a\\u0000b", 0), 3);
	CHECK(memcmp(out, "a\0b", 3) == 0);
	CHECK_INT(dec("a\\u0000b", JSONLEX_STRIP_NUL), 2);
	CHECK_STR(out, "ab");
	CHECK_INT(dec("\\u0000", JSONLEX_STRIP_NUL), 0);
}

static void
test_surrogates(void)
{
	/* A pair is one code point, U+1F600 here. */
	CHECK_INT(dec("\\ud83d\\ude00", 0), 4);
	CHECK_STR(out, "\xf0\x9f\x98\x80");
	CHECK_INT(dec("\\uD800\\uDC00\\uDBFF\\uDFFF", 0), 8);
	CHECK_STR(out, "\xf0\x90\x80\x80\xf4\x8f\xbf\xbf");
	/* Lone surrogates become U+FFFD. */
	CHECK_INT(dec("\\ud800", 0), 3);
	CHECK_STR(out, "\xef\xbf\xbd");
	CHECK_INT(dec("\\udc00x", 0), 4);
	CHECK_STR(out, "\xef\xbf\xbdx");
	CHECK_INT(dec("\\ud800\\u0041", 0), 4);
	CHECK_STR(out, "\xef\xbf\xbd" "A");
	CHECK_INT(dec("\\ud800\\ud800\\udc00", 0), 7);
	CHECK_STR(out, "\xef\xbf\xbd\xf0\x90\x80\x80");
	CHECK_INT(dec("\\ude00\\ud83d", 0), 6);
	CHECK_STR(out, "\xef\xbf\xbd\xef\xbf\xbd");
	CHECK_INT(dec("\\ud800\\udc0", 0), 3 + 4);	/* cut low half */
	CHECK_STR(out, "\xef\xbf\xbdudc0");
}

static void
test_bad_escapes(void)
{
	/* Not JSON: the backslash is dropped, the next byte kept. */
	CHECK_INT(dec("\\q", 0), 1);
	CHECK_STR(out, "q");
	CHECK_INT(dec("\\u12", 0), 3);
	CHECK_STR(out, "u12");
	CHECK_INT(dec("\\uzzzz", 0), 5);
	CHECK_STR(out, "uzzzz");
	CHECK_INT(dec("a\\", 0), 2);
	CHECK_STR(out, "a\\");
}

static void
test_escape(void)
{
	const char	*s, *q;
	uint32_t	 cp;

	s = "\\n";
	CHECK(jsonlex_escape(s, s + 2, &cp) == s + 2 && cp == '\n');
	s = "\\/";
	CHECK(jsonlex_escape(s, s + 2, &cp) == s + 2 && cp == '/');
	s = "\\ud83d\\ude00!";
	CHECK(jsonlex_escape(s, s + strlen(s), &cp) == s + 12 &&
	    cp == 0x1f600);
	/* A lone surrogate is returned as it is. */
	s = "\\ud83d!";
	CHECK(jsonlex_escape(s, s + strlen(s), &cp) == s + 6 &&
	    cp == 0xd83d);
	s = "\\ude00";
	CHECK(jsonlex_escape(s, s + strlen(s), &cp) == s + 6 &&
	    cp == 0xde00);
	/* The pair must lie before end. */
	s = "\\ud83d\\ude00";
	q = jsonlex_escape(s, s + 11, &cp);
	CHECK(q == s + 6 && cp == 0xd83d);
	CHECK(jsonlex_escape("\\x", (const char *)"\\x" + 2, &cp) == NULL);
	s = "\\u00e";
	CHECK(jsonlex_escape(s, s + strlen(s), &cp) == NULL);
	s = "\\";
	CHECK(jsonlex_escape(s, s + 1, &cp) == NULL);
}

/* Where jsonlex_skip stops in s, as an offset, or -1. */
static long
skip(const char *s)
{
	const char	*q = jsonlex_skip(s, s + strlen(s));

	return q == NULL ? -1 : q - s;
}

static void
test_skip(void)
{
	char	*deep;
	size_t	 i, n = 100000;

	CHECK_INT(skip("1,2"), 1);
	CHECK_INT(skip("  -1.5e3 ]"), 8);
	CHECK_INT(skip("true}"), 4);
	CHECK_INT(skip("\"a\\\"b\" x"), 6);
	CHECK_INT(skip("{\"a\":[1,{\"b\":\"]}\"}],\"c\":null} ,"), 29);
	CHECK_INT(skip("[ ]"), 3);
	CHECK_INT(skip("[[1,2],[3]],4"), 11);
	CHECK_INT(skip("\"\\\\\"x"), 4);
	CHECK_INT(skip(""), -1);
	CHECK_INT(skip("   "), -1);
	CHECK_INT(skip("]"), -1);
	CHECK_INT(skip(","), -1);
	CHECK_INT(skip("[1,2"), -1);
	CHECK_INT(skip("{\"a\":\"b}"), -1);
	CHECK_INT(skip("\"abc\\"), -1);
	/* Deep nesting takes no stack. */
	deep = malloc(2 * n + 1);
	for (i = 0; i < n; i++) {
		deep[i] = '[';
		deep[n + i] = ']';
	}
	deep[2 * n] = '\0';
	CHECK_INT(skip(deep), (long)(2 * n));
	deep[2 * n - 1] = '\0';
	CHECK_INT(skip(deep), -1);
	free(deep);
}

static void
test_string(void)
{
	const char	*s;
	int		 esc = -1;

	s = "\"abc\"d";
	CHECK(jsonlex_string(s, s + strlen(s), &esc) == s + 5 && esc == 0);
	s = "\"a\\\"c\"";
	CHECK(jsonlex_string(s, s + strlen(s), &esc) == s + 6 && esc == 1);
	s = "\"abc";
	CHECK(jsonlex_string(s, s + strlen(s), &esc) == NULL);
	s = "\"abc\\\"";
	CHECK(jsonlex_string(s, s + strlen(s), NULL) == NULL);
	s = "\"ab\"";
	CHECK(jsonlex_string(s, s + 3, NULL) == NULL);
}

static void
test_kind_token(void)
{
	const char	*s;

#define K(t)	jsonlex_kind((t), (t) + strlen(t))
	CHECK_INT(K("{"), JSONLEX_OBJECT);
	CHECK_INT(K("["), JSONLEX_ARRAY);
	CHECK_INT(K("\""), JSONLEX_STRING);
	CHECK_INT(K("-1"), JSONLEX_NUMBER);
	CHECK_INT(K("7"), JSONLEX_NUMBER);
	CHECK_INT(K("true"), JSONLEX_TRUE);
	CHECK_INT(K("tru"), JSONLEX_BAD);
	CHECK_INT(K("false,"), JSONLEX_FALSE);
	CHECK_INT(K("fals"), JSONLEX_BAD);
	CHECK_INT(K("null"), JSONLEX_NULL);
	CHECK_INT(K("nul"), JSONLEX_BAD);
	CHECK_INT(K(""), JSONLEX_BAD);
	CHECK_INT(K("}"), JSONLEX_BAD);
	CHECK_INT(K(" 1"), JSONLEX_BAD);
#undef K
	s = "12.5e-3,";
	CHECK(jsonlex_token(s, s + strlen(s)) == s + 7);
	s = "null";
	CHECK(jsonlex_token(s, s + strlen(s)) == s + 4);
	s = "]";
	CHECK(jsonlex_token(s, s + 1) == s);
	s = " \t\r\nx";
	CHECK(jsonlex_ws(s, s + strlen(s)) == s + 4);
}

int
main(void)
{
	UNIT_RUN(test_escapes);
	UNIT_RUN(test_nul);
	UNIT_RUN(test_surrogates);
	UNIT_RUN(test_bad_escapes);
	UNIT_RUN(test_escape);
	UNIT_RUN(test_skip);
	UNIT_RUN(test_string);
	UNIT_RUN(test_kind_token);
	return UNIT_END();
}
