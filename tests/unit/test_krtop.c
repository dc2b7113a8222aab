/*
 * krtop's parts without a terminal: widths, fitting and wrapping text,
 * numbers, the rows of the list, the JSON pretty-printer, the record
 * list and its filters, the detail pane's lines, the rates of the
 * sources, and the keys: their table against the manual's key list, the
 * ? screen, and what they do to the state.
 */
#include <locale.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "unit.h"
#include "../../krtop/detail.h"
#include "../../krtop/fmt.h"
#include "../../krtop/jtext.h"
#include "../../krtop/keys.h"
#include "../../krtop/reclist.h"
#include "../../krtop/session.h"
#include "../../krtop/state.h"

/* Whether wcwidth knows wide characters (a UTF-8 locale is there). */
static int	have_utf8_locale;

/* A record as the daemon sends it (spec/pipelines.md §7.1). */
static const char rec_stored[] =
    "{\"seq\":7,\"receivedAt\":\"2025-10-20T16:15:25.001Z\","
    "\"source\":\"7bXk2mQp9RtL\",\"requestId\":\"3yVqKp8ZtW1mN4cR\","
    "\"index\":0,\"raw\":\"{\\\"type\\\":\\\"track\\\",\\\"event\\\":"
    "\\\"Signed Up\\\",\\\"userId\\\":\\\"u1\\\",\\\"properties\\\":"
    "{\\\"plan\\\":\\\"team\\\",\\\"total\\\":12.50}}\",\"rawBytes\":95,"
    "\"rawTruncated\":false,\"event\":{\"connectionId\":\"7bXk2mQp9RtL\","
    "\"anonymousId\":\"5a0c\",\"event\":\"Signed Up\",\"properties\":"
    "{\"plan\":\"team\",\"total\":12.50},\"type\":\"track\",\"userId\":"
    "\"u1\"},\"outcome\":\"stored\",\"pipelines\":["
    "{\"id\":\"Qm3n8PzR2xKa\",\"name\":\"Import tracks\",\"result\":"
    "\"passed\"},"
    "{\"id\":\"Lp9s2WcX7vBd\",\"name\":\"Pro plans\",\"result\":"
    "\"filtered\",\"condition\":{\"index\":1,\"text\":"
    "\"properties.plan is \\\"pro\\\"\"}},"
    "{\"id\":\"Tz4k6HnY8mCe\",\"name\":\"Pages or screens\",\"result\":"
    "\"filtered\",\"reason\":\"no condition matched\"},"
    "{\"id\":\"Vb2r5JqM9sAf\",\"name\":\"Consented\",\"result\":"
    "\"consent\"},"
    "{\"id\":\"Wc7t3GpL4nDh\",\"name\":\"Old import\",\"result\":"
    "\"disabled\"}]}";

static const char rec_rejected[] =
    "{\"seq\":8,\"receivedAt\":\"2025-10-20T16:15:25.001Z\","
    "\"source\":\"7bXk2mQp9RtL\",\"requestId\":\"3yVqKp8ZtW1mN4cR\","
    "\"index\":1,\"raw\":\"{\\\"type\\\":\\\"track\\\",\\\"userId\\\":"
    "\\\"u2\\\"}\",\"rawBytes\":30,\"rawTruncated\":false,\"event\":null,"
    "\"outcome\":\"rejected\",\"error\":\"property 'event' is required "
    "for a track event\",\"pipelines\":[]}";

static const char rec_cut[] =
    "{\"seq\":9,\"receivedAt\":\"2025-10-20T16:15:26.000Z\","
    "\"source\":\"other\",\"requestId\":\"r\",\"index\":0,"
    "\"raw\":\"{\\\"type\\\":\\\"page\\\",\\\"name\\\":\\\"Ho\","
    "\"rawBytes\":40000,\"rawTruncated\":true,\"event\":{\"type\":\"page\","
    "\"name\":\"Home\",\"anonymousId\":\"a1\"},\"outcome\":\"duplicate\","
    "\"pipelines\":[]}";

/* A record of text, or NULL; epoch as given. */
static struct rec *
make_rec(const char *text, unsigned epoch)
{
	json_t		*o;
	struct rec	*r;

	o = json_loads(text, 0, NULL);
	if (o == NULL)
		return NULL;
	r = reclist_rec_new(o, text, strlen(text), epoch);
	json_decref(o);
	return r;
}

/* A minimal record with seq, outcome and source. */
static struct rec *
tiny_rec(long long seq, unsigned epoch, const char *outcome,
    const char *source, const char *user)
{
	char		 buf[512];
	struct rec	*r;
	json_t		*o;

	snprintf(buf, sizeof(buf), "{\"seq\":%lld,\"receivedAt\":"
	    "\"2025-10-20T16:15:25.001Z\",\"source\":\"%s\",\"raw\":\"{}\","
	    "\"event\":{\"type\":\"track\",\"event\":\"E%lld\",\"userId\":"
	    "\"%s\"},\"outcome\":\"%s\",\"pipelines\":[]}", seq, source, seq,
	    user, outcome);
	o = json_loads(buf, 0, NULL);
	r = reclist_rec_new(o, buf, strlen(buf), epoch);
	json_decref(o);
	return r;
}

static void
test_width(void)
{
	CHECK_INT(fmt_width("abc", 3, 1), 3);
	CHECK_INT(fmt_width("caf\xc3\xa9", 5, 0), 4);
	CHECK_INT(fmt_width("a\tb\x01", 4, 1), 4);
	if (have_utf8_locale) {
		CHECK_INT(fmt_width("caf\xc3\xa9", 5, 1), 4);
		CHECK_INT(fmt_width("\xe4\xb8\xad\xe6\x96\x87", 6, 1), 4);
		/* A combining accent takes no column. */
		CHECK_INT(fmt_width("e\xcc\x81", 3, 1), 1);
	}
	/* Without UTF-8, a wide character is one '?'. */
	CHECK_INT(fmt_width("\xe4\xb8\xad", 3, 0), 1);
}

static void
test_fit(void)
{
	char	buf[64];

	CHECK_INT(fmt_fit(buf, sizeof(buf), "hello", 3, 0, 1), 3);
	CHECK_STR(buf, "hel");
	CHECK_INT(fmt_fit(buf, sizeof(buf), "hi", 5, 1, 1), 5);
	CHECK_STR(buf, "hi   ");
	CHECK_INT(fmt_fit(buf, sizeof(buf), "hi", 5, 0, 1), 2);
	CHECK_STR(buf, "hi");
	/* Nothing from the network moves the cursor. */
	fmt_fit(buf, sizeof(buf), "a\x1b[2Jb\nc\td\x7f", 20, 0, 1);
	CHECK_STR(buf, "a?[2Jb?c d?");
	/* A C1 control is as bad as a C0 one. */
	fmt_fit(buf, sizeof(buf), "x\xc2\x9by", 20, 0, 1);
	CHECK_STR(buf, "x?y");
	fmt_fit(buf, sizeof(buf), "caf\xc3\xa9!", 20, 0, 0);
	CHECK_STR(buf, "caf?!");
	fmt_fit(buf, sizeof(buf), "bad\xff", 20, 0, 1);
	CHECK_STR(buf, "bad?");
	if (have_utf8_locale) {
		fmt_fit(buf, sizeof(buf), "caf\xc3\xa9!", 20, 0, 1);
		CHECK_STR(buf, "caf\xc3\xa9!");
		/* A wide character that would cross the edge is left out. */
		CHECK_INT(fmt_fit(buf, sizeof(buf),
		    "a\xe4\xb8\xad\xe6\x96\x87", 4, 1, 1), 4);
		CHECK_STR(buf, "a\xe4\xb8\xad ");
	}
	/* The buffer's size is respected. */
	CHECK_INT(fmt_fit(buf, 4, "abcdef", 10, 1, 1), 3);
	CHECK_STR(buf, "abc");
	CHECK_INT(fmt_fit(buf, sizeof(buf), "", 0, 1, 1), 0);
	CHECK_STR(buf, "");

	/* A text cut ends with a mark: an ellipsis, or '>' without UTF-8. */
	CHECK_INT(fmt_fit(buf, sizeof(buf), "hello", 4, FMT_CUT, 1), 4);
	CHECK_STR(buf, "hel\xe2\x80\xa6");
	CHECK_INT(fmt_fit(buf, sizeof(buf), "hello", 4, FMT_CUT, 0), 4);
	CHECK_STR(buf, "hel>");
	CHECK_INT(fmt_fit(buf, sizeof(buf), "hello", 5, FMT_CUT, 0), 5);
	CHECK_STR(buf, "hello");
	CHECK_INT(fmt_fit(buf, sizeof(buf), "hello", 1, FMT_CUT, 0), 1);
	CHECK_STR(buf, ">");
	CHECK_INT(fmt_fit(buf, sizeof(buf), "hi", 6, FMT_CUT | FMT_PAD, 0),
	    6);
	CHECK_STR(buf, "hi    ");
	CHECK_INT(fmt_fit(buf, sizeof(buf), "hello", 0, FMT_CUT, 0), 0);
	CHECK_STR(buf, "");
	if (have_utf8_locale) {
		/* A wide character is left out whole for the mark. */
		CHECK_INT(fmt_fit(buf, sizeof(buf),
		    "\xe4\xb8\xad\xe6\x96\x87x", 4, FMT_CUT | FMT_PAD, 1),
		    4);
		CHECK_STR(buf, "\xe4\xb8\xad\xe2\x80\xa6 ");
	}
	CHECK_STR(fmt_cutmark(0), ">");
	CHECK_STR(fmt_cutmark(1), "\xe2\x80\xa6");
}

static void
test_wrap(void)
{
	struct fmt_lines	l;
	const char		*long1 = "  \"note\": \"one two three four\"";
	size_t			i;

	fmt_lines_init(&l);
	fmt_wrap(&l, "short\n\nnext", 12, 20, 1, 5);
	CHECK_INT(l.n, 3);
	CHECK_STR(l.v[0].text, "short");
	CHECK_STR(l.v[1].text, "");
	CHECK_STR(l.v[2].text, "next");
	CHECK_INT(l.v[2].style, 5);
	fmt_lines_release(&l);
	CHECK_INT(l.n, 0);

	/* Breaks after the last blank that fits; continuations indent. */
	fmt_wrap(&l, long1, strlen(long1), 16, 1, 0);
	CHECK_INT(l.n, 3);
	CHECK_STR(l.v[0].text, "  \"note\": \"one ");
	CHECK_STR(l.v[1].text, "    two three ");
	CHECK_STR(l.v[2].text, "    four\"");
	for (i = 0; i < l.n; i++)
		CHECK(fmt_width(l.v[i].text, strlen(l.v[i].text), 1) <= 16);
	fmt_lines_release(&l);

	/* No blank: cut at the width. */
	fmt_wrap(&l, "abcdefghij", 10, 4, 1, 0);
	CHECK_INT(l.n, 4);
	CHECK_STR(l.v[0].text, "abcd");
	CHECK_STR(l.v[1].text, "  ef");
	CHECK_STR(l.v[3].text, "  ij");
	fmt_lines_release(&l);

	/* The indentation itself is no place to break. */
	fmt_wrap(&l, "      abcdefgh", 14, 8, 1, 0);
	CHECK_STR(l.v[0].text, "      ab");
	CHECK_STR(l.v[1].text, "    cdef");
	fmt_lines_release(&l);

	/* Width 1 and a text of one long word still end. */
	fmt_wrap(&l, "xyz", 3, 1, 1, 0);
	CHECK_INT(l.n, 3);
	CHECK_STR(l.v[2].text, "z");
	fmt_lines_release(&l);

	/* A text ending in a newline has a last, empty line. */
	fmt_wrap(&l, "a\n", 2, 10, 1, 0);
	CHECK_INT(l.n, 2);
	fmt_lines_release(&l);

	if (have_utf8_locale) {
		fmt_wrap(&l, "\xe4\xb8\xad\xe6\x96\x87\xe4\xb8\xad", 9, 4, 1,
		    0);
		CHECK_INT(l.n, 2);
		CHECK_STR(l.v[0].text, "\xe4\xb8\xad\xe6\x96\x87");
		CHECK_STR(l.v[1].text, "  \xe4\xb8\xad");
		fmt_lines_release(&l);
	}
}

static void
test_numbers(void)
{
	char	b[32];

	CHECK_STR(fmt_count(b, sizeof(b), 0), "0");
	CHECK_STR(fmt_count(b, sizeof(b), 99999), "99999");
	CHECK_STR(fmt_count(b, sizeof(b), 123456), "123k");
	CHECK_STR(fmt_count(b, sizeof(b), 999499), "999k");
	CHECK_STR(fmt_count(b, sizeof(b), 999500), "1.0M");
	CHECK_STR(fmt_count(b, sizeof(b), 1234567), "1.2M");
	CHECK_STR(fmt_count(b, sizeof(b), 45600000), "46M");
	CHECK_STR(fmt_count(b, sizeof(b), 7800000000ULL), "7.8G");
	CHECK_STR(fmt_rate(b, sizeof(b), 0.0), "0");
	CHECK_STR(fmt_rate(b, sizeof(b), -3.0), "0");
	CHECK_STR(fmt_rate(b, sizeof(b), 0.5), "0.5");
	CHECK_STR(fmt_rate(b, sizeof(b), 9.94), "9.9");
	CHECK_STR(fmt_rate(b, sizeof(b), 9.96), "10");
	CHECK_STR(fmt_rate(b, sizeof(b), 123.4), "123");
	CHECK_STR(fmt_rate(b, sizeof(b), 1234.0), "1.2k");
	CHECK_STR(fmt_rate(b, sizeof(b), 45678.0), "46k");
	CHECK_STR(fmt_rate(b, sizeof(b), 2500000.0), "2.5M");
	CHECK_STR(fmt_duration(b, sizeof(b), 45), "45s");
	CHECK_STR(fmt_duration(b, sizeof(b), 723), "12m03s");
	CHECK_STR(fmt_duration(b, sizeof(b), 3 * 3600 + 4 * 60 + 5), "3h04m");
	CHECK_STR(fmt_duration(b, sizeof(b), 2 * 86400 + 3 * 3600), "2d03h");
	CHECK_STR(fmt_duration(b, sizeof(b), -5), "0s");
	CHECK_STR(fmt_clock(b, sizeof(b), "2025-10-20T16:15:25.001Z"),
	    "16:15:25.001");
	CHECK_STR(fmt_clock(b, sizeof(b), "yesterday"), "yesterday");
}

static void
test_columns(void)
{
	struct fmt_cols	c;
	char		line[FMT_LINESZ];
	int		w;

	for (w = 40; w <= 300; w += 7) {
		fmt_columns(&c, w, 3, 0);
		fmt_header(line, sizeof(line), &c, w, 1);
		CHECK_INT(fmt_width(line, strlen(line), 1), w);
		if (w >= 80) {
			/* Everything fits: the marks end by the edge. */
			CHECK(c.x_marks + c.marks <= w);
			CHECK(c.source > 0);
			CHECK_INT(c.time, 12);
		}
	}
	fmt_columns(&c, 80, 2, 0);
	CHECK_INT(c.x_time, 0);
	CHECK_INT(c.x_source, 13);
	CHECK_INT(c.x_type, c.x_source + c.source + 1);
	CHECK_INT(c.x_marks + c.marks, 80);
	fmt_header(line, sizeof(line), &c, 80, 1);
	CHECK(strncmp(line, "TIME         SOURCE", 19) == 0);
	CHECK(strstr(line, "EVENT/NAME") != NULL);
	CHECK(strstr(line, "OUTCOME   PIPES") != NULL);
	/* Narrow: no source, the time without milliseconds. */
	fmt_columns(&c, 60, 2, 0);
	CHECK_INT(c.source, 0);
	CHECK_INT(c.time, 8);
	CHECK_INT(c.x_marks + c.marks, 60);
	fmt_header(line, sizeof(line), &c, 60, 1);
	CHECK(strstr(line, "SOURCE") == NULL);
	/* Errors to show: a third of what is left, the source kept at 80. */
	for (w = 40; w <= 300; w += 7) {
		fmt_columns(&c, w, 3, 1);
		if (w >= 80) {
			CHECK_INT(c.x_marks + c.marks, w);
			CHECK(c.source > 0);
		}
		fmt_header(line, sizeof(line), &c, w, 1);
		CHECK_INT(fmt_width(line, strlen(line), 1), w);
	}
	fmt_columns(&c, 80, 2, 1);
	CHECK_INT(c.marks, 15);
	CHECK(c.source > 0);
	CHECK_INT(c.time, 12);
	CHECK_INT(c.x_marks + c.marks, 80);
	fmt_header(line, sizeof(line), &c, 80, 1);
	CHECK(strstr(line, "OUTCOME   PIPES/ERROR") != NULL);
	/* Below 80, the errors keep their third, and the source goes. */
	fmt_columns(&c, 75, 2, 1);
	CHECK_INT(c.marks, 13);
	CHECK_INT(c.source, 0);
	fmt_columns(&c, 120, 2, 1);
	CHECK_INT(c.marks, 28);
	fmt_columns(&c, 120, 2, 0);
	CHECK_INT(c.marks, 5);
}

static void
test_row(void)
{
	struct fmt_cols	 c;
	struct rec	*r;
	char		 line[FMT_LINESZ];

	r = make_rec(rec_stored, 1);
	CHECK(r != NULL);
	if (r == NULL)
		return;
	fmt_columns(&c, 80, (int)strlen(r->marks), 0);
	fmt_row(line, sizeof(line), &c, r, "Segment prod", 80, 1);
	CHECK_INT(fmt_width(line, strlen(line), 1), 80);
	CHECK(strncmp(line, "16:15:25.001 Segment prod track    Signed Up",
	    44) == 0);
	CHECK(strncmp(line + c.x_user, "u1 ", 3) == 0);
	CHECK(strncmp(line + c.x_outcome, "stored    +xxc-", 15) == 0);
	/* Without a name, the source's id. */
	fmt_row(line, sizeof(line), &c, r, NULL, 80, 1);
	CHECK(strncmp(line + c.x_source, "7bXk2mQp9RtL", 12) == 0);
	/* Fewer columns for marks than pipelines: the last says so. */
	free(r->marks);
	r->marks = strdup("++++++++++++++++++++");
	fmt_columns(&c, 80, 20, 0);
	CHECK_INT(c.marks, 16);
	fmt_row(line, sizeof(line), &c, r, "S", 80, 1);
	CHECK(strcmp(line + c.x_marks, "+++++++++++++++\xe2\x80\xa6") == 0);
	/* Without UTF-8 not '>', which marks a queued event. */
	fmt_row(line, sizeof(line), &c, r, "S", 80, 0);
	CHECK(strcmp(line + c.x_marks, "+++++++++++++++~") == 0);
	/* Narrow. */
	fmt_columns(&c, 50, 1, 0);
	fmt_row(line, sizeof(line), &c, r, "S", 50, 1);
	CHECK_INT(fmt_width(line, strlen(line), 1), 50);
	CHECK(strncmp(line, "16:15:25 track", 14) == 0);
	/* A cell cut to its column, and a row cut at the edge, say so. */
	free(r->name);
	r->name = strdup("Order Completed In The Mobile App");
	fmt_columns(&c, 80, 5, 0);
	fmt_row(line, sizeof(line), &c, r, "Segment production", 80, 1);
	CHECK_INT(fmt_width(line, strlen(line), 1), 80);
	CHECK(strncmp(line + c.x_source, "Segment pro\xe2\x80\xa6 track",
	    20) == 0);
	CHECK(strstr(line, " Order Completed\xe2\x80\xa6 u1 ") != NULL);
	fmt_row(line, sizeof(line), &c, r, "Segment production", 80, 0);
	CHECK(strncmp(line + c.x_source, "Segment pro> track", 18) == 0);
	fmt_columns(&c, 40, 5, 0);
	fmt_row(line, sizeof(line), &c, r, "S", 40, 0);
	CHECK_INT(fmt_width(line, strlen(line), 0), 40);
	CHECK_INT(line[39], '>');
	fmt_header(line, sizeof(line), &c, 40, 0);
	CHECK_INT((int)strlen(line), 40);
	CHECK_INT(line[39], '>');
	/* A name with control characters cannot reach the terminal. */
	free(r->name);
	r->name = strdup("bad\x1b]0;title\x07");
	fmt_columns(&c, 120, 1, 0);
	fmt_row(line, sizeof(line), &c, r, "S", 120, 1);
	CHECK(strchr(line, '\x1b') == NULL && strchr(line, '\x07') == NULL);
	CHECK(strstr(line, "bad?]0;title?") != NULL);
	reclist_rec_free(r);

	/* A rejected event: what its raw text says, and its error. */
	r = make_rec(rec_rejected, 1);
	CHECK(r != NULL);
	if (r == NULL)
		return;
	fmt_columns(&c, 120, 0, 1);
	fmt_row(line, sizeof(line), &c, r, "Segment prod", 120, 1);
	CHECK_INT(fmt_width(line, strlen(line), 1), 120);
	CHECK(strncmp(line + c.x_type, "track ", 6) == 0);
	CHECK(strncmp(line + c.x_user, "u2 ", 3) == 0);
	CHECK(strncmp(line + c.x_outcome, "rejected  property 'event' is "
	    "require\xe2\x80\xa6", 40) == 0);
	fmt_columns(&c, 80, 0, 1);
	fmt_row(line, sizeof(line), &c, r, "Segment prod", 80, 1);
	CHECK_INT(fmt_width(line, strlen(line), 1), 80);
	CHECK(strstr(line, " u2        rejected  property 'even\xe2\x80\xa6") !=
	    NULL);
	reclist_rec_free(r);
}

static void
test_pretty(void)
{
	enum jtext_status	 st;
	char			*s;
	const char		*in;

	in = "{\"a\":1,\"b\":[true,null,{\"c\":\"x\"}],\"d\":{},\"e\":[ ]}";
	s = jtext_pretty(in, strlen(in), 2, &st);
	CHECK_INT(st, JTEXT_OK);
	CHECK_STR(s, "{\n  \"a\": 1,\n  \"b\": [\n    true,\n    null,\n"
	    "    {\n      \"c\": \"x\"\n    }\n  ],\n  \"d\": {},\n"
	    "  \"e\": []\n}");
	free(s);

	/* Numbers, escapes and brackets in strings stay as written. */
	in = " { \"n\" : 12.50e0 , \"s\":\"a\\\"{[,:]}\\\\\" , "
	    "\"u\":\"\\u00e9\"} ";
	s = jtext_pretty(in, strlen(in), 4, &st);
	CHECK_INT(st, JTEXT_OK);
	CHECK_STR(s, "{\n    \"n\": 12.50e0,\n    \"s\": \"a\\\"{[,:]}\\\\\","
	    "\n    \"u\": \"\\u00e9\"\n}");
	free(s);

	/* Duplicate keys are both shown. */
	in = "{\"k\":1,\"k\":2}";
	s = jtext_pretty(in, strlen(in), 1, &st);
	CHECK_INT(st, JTEXT_OK);
	CHECK_STR(s, "{\n \"k\": 1,\n \"k\": 2\n}");
	free(s);

	/* Scalars at the top. */
	s = jtext_pretty("42", 2, 2, &st);
	CHECK_INT(st, JTEXT_OK);
	CHECK_STR(s, "42");
	free(s);
	s = jtext_pretty("\"x y\"", 5, 2, &st);
	CHECK_INT(st, JTEXT_OK);
	CHECK_STR(s, "\"x y\"");
	free(s);

	/* Cut text: laid out as far as it goes. */
	in = "{\"type\":\"page\",\"name\":\"Ho";
	s = jtext_pretty(in, strlen(in), 2, &st);
	CHECK_INT(st, JTEXT_PARTIAL);
	CHECK_STR(s, "{\n  \"type\": \"page\",\n  \"name\": \"Ho");
	free(s);
	s = jtext_pretty("[1,[2", 5, 2, &st);
	CHECK_INT(st, JTEXT_PARTIAL);
	CHECK_STR(s, "[\n  1,\n  [\n    2");
	free(s);
	s = jtext_pretty("", 0, 2, &st);
	CHECK_INT(st, JTEXT_PARTIAL);
	CHECK_STR(s, "");
	free(s);

	/* Not JSON. */
	s = jtext_pretty("{\"a\":1]", 7, 2, &st);
	CHECK_INT(st, JTEXT_INVALID);
	free(s);
	s = jtext_pretty("{} x", 4, 2, &st);
	CHECK_INT(st, JTEXT_INVALID);
	CHECK_STR(s, "{}\nx");
	free(s);
	s = jtext_pretty("1,2", 3, 2, &st);
	CHECK_INT(st, JTEXT_INVALID);
	free(s);
}

static void
test_rec(void)
{
	struct rec	*r;

	r = make_rec(rec_stored, 3);
	CHECK(r != NULL);
	if (r != NULL) {
		CHECK_INT(r->epoch, 3);
		CHECK_INT(r->seq, 7);
		CHECK_STR(r->source, "7bXk2mQp9RtL");
		CHECK_STR(r->type, "track");
		CHECK_STR(r->name, "Signed Up");
		CHECK_STR(r->user, "u1");
		CHECK_INT(r->outcome, REC_STORED);
		CHECK_STR(r->marks, "+xxc-");
		CHECK(r->error == NULL);
		CHECK(strncmp(r->raw, "{\"type\":\"track\"", 15) == 0);
		CHECK_INT(r->textlen, strlen(rec_stored));
		reclist_rec_free(r);
	}
	/* Send pipelines: queued, failed (a full queue); and the unknown. */
	r = make_rec("{\"seq\":1,\"receivedAt\":\"2025-10-20T16:15:25.001Z\","
	    "\"source\":\"S\",\"outcome\":\"filtered\",\"event\":{},"
	    "\"pipelines\":[{\"result\":\"queued\"},{\"result\":\"failed\"},"
	    "{\"result\":\"later\"},{}]}", 1);
	CHECK(r != NULL);
	if (r != NULL) {
		CHECK_STR(r->marks, ">!??");
		reclist_rec_free(r);
	}
	/* A rejected event's summary comes from its raw text. */
	r = make_rec(rec_rejected, 1);
	CHECK(r != NULL);
	if (r != NULL) {
		CHECK_STR(r->type, "track");
		CHECK_STR(r->name, "");
		CHECK_STR(r->user, "u2");
		CHECK_INT(r->outcome, REC_REJECTED);
		CHECK_STR(r->marks, "");
		CHECK_STR(r->error,
		    "property 'event' is required for a track event");
		reclist_rec_free(r);
	}
	r = make_rec(rec_cut, 1);
	CHECK(r != NULL);
	if (r != NULL) {
		CHECK_STR(r->name, "Home");
		CHECK_STR(r->user, "a1");
		CHECK_INT(r->outcome, REC_DUPLICATE);
		reclist_rec_free(r);
	}
	/* The name of each type, as krctl events gives it. */
	{
		static const char *const ev[][2] = {
			{ "\"type\":\"group\",\"groupId\":\"g1\","
			    "\"anonymousId\":\"a\"", "g1" },
			{ "\"type\":\"alias\",\"previousId\":\"p0\","
			    "\"userId\":\"u\"", "p0" },
			{ "\"type\":\"screen\",\"name\":\"S\",\"userId\":\"u\"",
			    "S" },
			{ "\"type\":\"identify\",\"userId\":\"u\","
			    "\"name\":\"n\"", "" },
			{ "\"type\":\"trak\",\"event\":\"E\",\"userId\":\"u\"",
			    "E" },
		};
		char	buf[512];
		size_t	i;

		for (i = 0; i < sizeof(ev) / sizeof(ev[0]); i++) {
			snprintf(buf, sizeof(buf), "{\"seq\":1,\"outcome\":"
			    "\"stored\",\"event\":{%s},\"pipelines\":[]}",
			    ev[i][0]);
			r = make_rec(buf, 1);
			CHECK(r != NULL);
			if (r == NULL)
				continue;
			CHECK_STR(r->name, ev[i][1]);
			CHECK_STR(r->user, i == 0 ? "a" : "u");
			reclist_rec_free(r);
		}
	}
	CHECK(make_rec("{\"outcome\":\"stored\"}", 1) == NULL);
	CHECK(make_rec("{\"seq\":\"1\"}", 1) == NULL);
	r = make_rec("{\"seq\":1,\"outcome\":\"odd\",\"raw\":\"no json\"}",
	    1);
	CHECK(r != NULL);
	if (r != NULL) {
		CHECK_INT(r->outcome, REC_UNKNOWN);
		CHECK_STR(r->type, "");
		reclist_rec_free(r);
	}
	CHECK_STR(reclist_outcome_name(REC_DUPLICATE), "duplicate");
	CHECK_INT(reclist_outcome_parse("filtered"), REC_FILTERED);
	CHECK_INT(reclist_outcome_parse("?"), -1);
	reclist_rec_free(NULL);
}

static void
test_reclist_order(void)
{
	struct reclist	 l;
	long long	 i;

	reclist_init(&l, 100, 0);
	CHECK_INT(reclist_add(&l, tiny_rec(5, 1, "stored", "A", "u")), 1);
	CHECK_INT(reclist_add(&l, tiny_rec(7, 1, "stored", "A", "u")), 1);
	/* Out of order, and again: history after live records. */
	CHECK_INT(reclist_add(&l, tiny_rec(6, 1, "stored", "A", "u")), 1);
	CHECK_INT(reclist_add(&l, tiny_rec(6, 1, "stored", "A", "u")), 0);
	CHECK_INT(reclist_add(&l, tiny_rec(1, 1, "stored", "A", "u")), 1);
	/* A restarted daemon counts from 1 again, in a later epoch. */
	CHECK_INT(reclist_add(&l, tiny_rec(1, 2, "stored", "A", "u")), 1);
	CHECK_INT(l.n, 5);
	CHECK_INT(l.v[0]->seq, 1);
	CHECK_INT(l.v[1]->seq, 5);
	CHECK_INT(l.v[2]->seq, 6);
	CHECK_INT(l.v[3]->seq, 7);
	CHECK_INT(l.v[4]->epoch, 2);
	CHECK_INT(reclist_lower(&l, 1, 6), 2);
	CHECK_INT(reclist_lower(&l, 1, 8), 4);
	CHECK_INT(reclist_lower(&l, 3, 0), 5);
	reclist_release(&l);

	/* Past maxn, the oldest tenth goes at once. */
	reclist_init(&l, 100, 0);
	for (i = 1; i <= 101; i++)
		reclist_add(&l, tiny_rec(i, 1, "stored", "A", "u"));
	CHECK_INT(l.n, 90);
	CHECK_INT(l.v[0]->seq, 12);
	CHECK_INT(l.v[89]->seq, 101);
	reclist_release(&l);

	/* And past maxbytes. */
	reclist_init(&l, 100000, 20000);
	for (i = 1; i <= 1000; i++)
		reclist_add(&l, tiny_rec(i, 1, "stored", "A", "u"));
	CHECK(l.bytes <= 20000);
	CHECK(l.n > 10);
	CHECK_INT(l.v[l.n - 1]->seq, 1000);
	reclist_release(&l);
}

static void
test_reclist_view(void)
{
	struct reclist		 l;
	struct reclist_filter	 f;
	struct rec		*out[16];
	size_t			 n, held;

	reclist_init(&l, 100, 0);
	reclist_add(&l, tiny_rec(1, 1, "stored", "A", "alice"));
	reclist_add(&l, tiny_rec(2, 1, "rejected", "B", "bob"));
	reclist_add(&l, tiny_rec(3, 1, "filtered", "A", "Carol"));
	reclist_add(&l, tiny_rec(4, 1, "stored", "B", "dave"));
	reclist_add(&l, make_rec(rec_stored, 1));
	reclist_add(&l, tiny_rec(8, 1, "stored", "B", "\xc3\x89lodie"));
	memset(&f, 0, sizeof(f));
	f.outcome = -1;
	CHECK_INT(reclist_view(&l, &f, out, &held), 6);
	CHECK_INT(held, 0);
	f.source = "A";
	n = reclist_view(&l, &f, out, &held);
	CHECK_INT(n, 2);
	CHECK_INT(out[0]->seq, 1);
	CHECK_INT(out[1]->seq, 3);
	f.source = NULL;
	f.outcome = REC_STORED;
	CHECK_INT(reclist_view(&l, &f, out, &held), 4);
	/* Text: any case, in the user, the name, the raw payload. */
	f.outcome = -1;
	f.text = "CAROL";
	n = reclist_view(&l, &f, out, &held);
	CHECK_INT(n, 1);
	CHECK_INT(out[0]->seq, 3);
	f.text = "e3";
	CHECK_INT(reclist_view(&l, &f, out, &held), 1);
	f.text = "plan";
	n = reclist_view(&l, &f, out, &held);
	CHECK_INT(n, 1);
	CHECK_INT(out[0]->seq, 7);
	f.text = "rejected";
	CHECK_INT(reclist_view(&l, &f, out, &held), 1);
	f.text = "no such text";
	CHECK_INT(reclist_view(&l, &f, out, &held), 0);
	/* Beyond ASCII, in a UTF-8 locale: "ÉLO" finds "Élodie", "élo" too. */
	if (have_utf8_locale) {
		f.text = "\xc3\x89LO";
		n = reclist_view(&l, &f, out, &held);
		CHECK_INT(n, 1);
		CHECK_INT(out[0]->seq, 8);
		f.text = "\xc3\xa9lo";
		CHECK_INT(reclist_view(&l, &f, out, &held), 1);
	}
	f.text = "";
	/* Paused after 2: the rest are held and counted. */
	f.paused = 1;
	f.epoch = 1;
	f.seq = 2;
	n = reclist_view(&l, &f, out, &held);
	CHECK_INT(n, 2);
	CHECK_INT(held, 4);
	f.outcome = REC_STORED;
	n = reclist_view(&l, &f, out, &held);
	CHECK_INT(n, 1);
	CHECK_INT(held, 3);
	reclist_release(&l);
}

/* Whether some line of l contains s. */
static int
has_line(const struct fmt_lines *l, const char *s)
{
	size_t	i;

	for (i = 0; i < l->n; i++)
		if (strstr(l->v[i].text, s) != NULL)
			return 1;
	return 0;
}

static void
test_detail(void)
{
	struct fmt_lines	 l;
	struct rec		*r;
	size_t			 i;
	int			 ok;

	fmt_lines_init(&l);
	r = make_rec(rec_stored, 1);
	if (r == NULL) {
		CHECK(r != NULL);
		return;
	}
	detail_build(&l, r, "Segment prod", DETAIL_RAW, 80, 1);
	CHECK(l.n > 10);
	CHECK_STR(l.v[0].text, "Event 7  received 2025-10-20T16:15:25.001Z");
	CHECK_INT(l.v[0].style, DETAIL_TITLE);
	CHECK(has_line(&l, "Source   Segment prod (7bXk2mQp9RtL)"));
	CHECK(has_line(&l, "Request  3yVqKp8ZtW1mN4cR  index 0"));
	CHECK(has_line(&l, "Outcome  stored"));
	CHECK(has_line(&l, "  + Import tracks     passed"));
	CHECK(has_line(&l, "  x Pro plans         filtered: condition 2 is "
	    "false: properties.plan is \"pro\""));
	CHECK(has_line(&l, "  x Pages or screens  filtered: no condition "
	    "matched"));
	CHECK(has_line(&l, "  c Consented         consent"));
	CHECK(has_line(&l, "  - Old import        disabled"));
	CHECK(has_line(&l, "Raw payload, 95 bytes"));
	CHECK(has_line(&l, "  \"event\": \"Signed Up\","));
	CHECK(has_line(&l, "    \"total\": 12.50"));
	ok = 1;
	for (i = 0; i < l.n; i++)
		if (fmt_width(l.v[i].text, strlen(l.v[i].text), 1) > 80)
			ok = 0;
		else if (strncmp(l.v[i].text, "  + ", 4) == 0 &&
		    l.v[i].style != DETAIL_STORED)
			ok = 0;
	CHECK(ok);
	fmt_lines_release(&l);

	/* Narrow: everything wrapped within the width. */
	detail_build(&l, r, "Segment prod", DETAIL_RAW, 30, 1);
	ok = 1;
	for (i = 0; i < l.n; i++)
		if (fmt_width(l.v[i].text, strlen(l.v[i].text), 1) > 30)
			ok = 0;
	CHECK(ok);
	fmt_lines_release(&l);

	detail_build(&l, r, NULL, DETAIL_EVENT, 80, 1);
	CHECK(has_line(&l, "Source   7bXk2mQp9RtL"));
	CHECK(has_line(&l, "Normalised event"));
	CHECK(has_line(&l, "  \"connectionId\": \"7bXk2mQp9RtL\","));
	CHECK(!has_line(&l, "Raw payload"));
	fmt_lines_release(&l);
	reclist_rec_free(r);

	r = make_rec(rec_rejected, 1);
	detail_build(&l, r, "S", DETAIL_RAW, 80, 1);
	CHECK(has_line(&l, "Outcome  rejected"));
	CHECK(has_line(&l, "Error    property 'event' is required for a "
	    "track event"));
	CHECK(has_line(&l, "  none: a rejected event goes through no "
	    "pipeline"));
	CHECK(has_line(&l, "  \"userId\": \"u2\""));
	fmt_lines_release(&l);
	detail_build(&l, r, "S", DETAIL_EVENT, 80, 1);
	CHECK(has_line(&l, "none: the event was rejected"));
	fmt_lines_release(&l);
	reclist_rec_free(r);

	r = make_rec(rec_cut, 1);
	detail_build(&l, r, "S", DETAIL_RAW, 80, 1);
	CHECK(has_line(&l, "Raw payload, the first 25 of 40000 bytes"));
	CHECK(has_line(&l, "  \"name\": \"Ho"));
	CHECK(has_line(&l, "[cut: the daemon keeps the first 25 bytes]"));
	CHECK(has_line(&l, "none: the source had no pipelines"));
	fmt_lines_release(&l);
	reclist_rec_free(r);
}

#define MAXKEYS	64

/*
 * The keys of man/krtop.1's key list: the words after Ic on the .It
 * lines of the list under ".Ss Keys" (".It Ic Up , k No / Ic Down , j"),
 * up to max of them.
 */
static size_t
manual_keys(char keys[][16], size_t max)
{
	const char	*top = getenv("KRENALIS_TOP");
	char		 path[1024], line[512], *w, *save;
	FILE		*fp;
	size_t		 n = 0;
	int		 in = 0, ic;

	snprintf(path, sizeof(path), "%s/man/krtop.1", top ? top : ".");
	if ((fp = fopen(path, "r")) == NULL)
		return 0;
	while (fgets(line, sizeof(line), fp) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		if (strcmp(line, ".Ss Keys") == 0)
			in = 1;
		else if (in && strcmp(line, ".El") == 0)
			break;
		if (!in || strncmp(line, ".It ", 4) != 0)
			continue;
		ic = 0;
		for (w = strtok_r(line + 4, " ", &save); w != NULL;
		    w = strtok_r(NULL, " ", &save)) {
			if (strcmp(w, "Ic") == 0)
				ic = 1;
			else if (strcmp(w, "No") == 0)
				ic = 0;
			else if (ic && strcmp(w, ",") != 0 && n < max)
				snprintf(keys[n++], sizeof(keys[0]), "%s",
				    strncmp(w, "\\&", 2) == 0 ? w + 2 : w);
		}
	}
	fclose(fp);
	return n;
}

/* The keys the table names, each once, up to max of them. */
static size_t
table_keys(char keys[][16], size_t max)
{
	const struct keys_binding	*b;
	const char			*p, *name;
	size_t				 n = 0, len, i;
	int				 other;

	for (b = keys_table; b->keys != NULL; b++) {
		p = b->keys;
		other = 0;
		while (keys_next(&p, &name, &len, &other)) {
			CHECK(keys_code(name, len) != -1);
			for (i = 0; i < n; i++)
				if (strlen(keys[i]) == len &&
				    memcmp(keys[i], name, len) == 0)
					break;
			if (i == n && n < max)
				snprintf(keys[n++], sizeof(keys[0]), "%.*s",
				    (int)len, name);
		}
	}
	return n;
}

static int
has_key(char keys[][16], size_t n, const char *key)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (strcmp(keys[i], key) == 0)
			return 1;
	return 0;
}

/* Every key of the table is in the manual's key list, and back. */
static void
test_keys_manual(void)
{
	char	man[MAXKEYS][16], tab[MAXKEYS][16];
	size_t	nman, ntab, i;

	nman = manual_keys(man, MAXKEYS);
	ntab = table_keys(tab, MAXKEYS);
	CHECK(nman > 10);
	CHECK(ntab > 10);
	for (i = 0; i < ntab; i++) {
		if (!has_key(man, nman, tab[i]))
			printf("  key %s is not in man/krtop.1\n", tab[i]);
		CHECK(has_key(man, nman, tab[i]));
	}
	for (i = 0; i < nman; i++) {
		if (!has_key(tab, ntab, man[i]))
			printf("  key %s of man/krtop.1 is not in the table\n",
			    man[i]);
		CHECK(has_key(tab, ntab, man[i]));
	}
	CHECK(has_key(tab, ntab, "g"));
	CHECK(has_key(tab, ntab, "G"));
	CHECK(has_key(tab, ntab, "Ctrl-L"));
	CHECK_INT(keys_code("Ctrl-L", 6), 12);
	CHECK_INT(keys_code("PgDn", 4), KEYS_PGDN);
	CHECK_INT(keys_code("Shift", 5), -1);
}

/* The ? screen: every binding, within 80x24 under its title bar. */
static void
test_keys_help(void)
{
	struct fmt_lines	 l;
	size_t			 i;

	fmt_lines_init(&l);
	keys_help(&l);
	CHECK(l.n + 1 <= 24);
	for (i = 0; i < l.n; i++)
		CHECK(fmt_width(l.v[i].text, strlen(l.v[i].text), 0) < 80);
	CHECK_STR(l.v[0].text, "Keys of the event list");
	CHECK_INT(l.v[0].style, KEYS_TITLE);
	CHECK(has_line(&l, "  Home, g / End, G       the oldest / newest "
	    "event (End follows new ones)"));
	CHECK(has_line(&l, "  Ctrl-L                 draw the screen again"));
	CHECK(has_line(&l, "  Tab                    the raw payload"));
	CHECK(has_line(&l, "Marks: + passed  x filtered  c consent missing  "
	    "- disabled  > queued  ! failed"));
	CHECK_STR(l.v[l.n - 1].text, "Press any key to go back.");
	fmt_lines_release(&l);
}

/* Keys change the state as the table says, on an 80x24 screen. */
static void
test_keys_press(void)
{
	struct session	 sess;
	struct state	 s;
	long long	 i;

	session_init(&sess, "/nonexistent", NULL, &s.list);
	state_init(&s, &sess, NULL, 1);
	s.rows = 24;
	s.cols = 80;
	for (i = 1; i <= 30; i++)
		reclist_add(&s.list, tiny_rec(i, 1, "stored", "A", "u"));
	reclist_add(&s.list, make_rec(rec_stored, 2));
	s.stale = 1;
	state_refresh(&s);
	CHECK_INT(s.nvis, 31);
	CHECK_INT(s.sel, 30);

	/* The list: 19 rows a page; g and G go to either end. */
	keys_press(&s, 'g');
	CHECK_INT(s.sel, 0);
	CHECK(!s.follow);
	keys_press(&s, 'j');
	keys_press(&s, KEYS_PGDN);
	CHECK_INT(s.sel, 20);
	keys_press(&s, KEYS_UP);
	CHECK_INT(s.sel, 19);
	keys_press(&s, 'G');
	CHECK_INT(s.sel, 30);
	CHECK(s.follow);

	/* The detail pane: its own keys first, the list's after. */
	keys_press(&s, KEYS_ENTER);
	CHECK(s.detail);
	state_refresh(&s);
	keys_press(&s, 'G');
	CHECK(s.dscroll > 0);
	CHECK_INT(s.sel, 30);
	keys_press(&s, 'g');
	CHECK_INT(s.dscroll, 0);
	keys_press(&s, ' ');
	CHECK(s.dscroll > 0);
	keys_press(&s, '\t');
	CHECK_INT(s.mode, DETAIL_EVENT);
	CHECK_INT(s.dscroll, 0);
	keys_press(&s, 'N');
	CHECK_INT(s.sel, 29);
	keys_press(&s, 'p');
	CHECK(s.paused);
	keys_press(&s, KEYS_ESC);
	CHECK(!s.detail);
	keys_press(&s, KEYS_ESC);
	CHECK(!s.detail);

	/* Elsewhere: Ctrl-L, ?, the pickers, q. */
	keys_press(&s, 12);
	CHECK(s.redraw);
	keys_press(&s, '?');
	CHECK_INT(s.screen, STATE_HELP);
	keys_press(&s, KEYS_OTHER);
	CHECK_INT(s.screen, STATE_MAIN);
	keys_press(&s, 'o');
	CHECK_INT(s.screen, STATE_PICK_OUTCOME);
	keys_press(&s, 'r');
	CHECK_INT(s.outcome, REC_REJECTED);
	CHECK_INT(s.screen, STATE_MAIN);
	keys_press(&s, 's');
	CHECK_INT(s.screen, STATE_PICK_SOURCE);
	keys_press(&s, '0');
	CHECK(s.resubscribe);
	CHECK(s.source == NULL);
	CHECK(!s.quit);
	keys_press(&s, 3);
	CHECK(s.quit);
	state_release(&s);
	session_release(&sess);
}

static void
test_rates(void)
{
	struct reclist	l;
	struct session	sess;
	double		rate[SESSION_NCOUNTERS];

	reclist_init(&l, 10, 0);
	session_init(&sess, "/nonexistent", NULL, &l);
	/* Not connected: the rates are not known. */
	CHECK_INT(session_rates(&sess, NULL, rate), 0);
	sess.connected = 1;
	sess.nsrc = 2;
	sess.src = calloc(2, sizeof(*sess.src));
	sess.src[0].id = strdup("a");
	sess.src[1].id = strdup("b");
	/* Connected, a source not sampled twice yet: 0, not unknown. */
	CHECK_INT(session_rates(&sess, "a", rate), 1);
	CHECK(rate[SESSION_RECEIVED] == 0.0 && rate[SESSION_STORED] == 0.0);
	CHECK_INT(session_rates(&sess, NULL, rate), 1);
	sess.src[0].rate[SESSION_RECEIVED] = 2.0;
	sess.src[1].rate[SESSION_RECEIVED] = 3.0;
	session_rates(&sess, NULL, rate);
	CHECK(rate[SESSION_RECEIVED] == 5.0);
	session_rates(&sess, "b", rate);
	CHECK(rate[SESSION_RECEIVED] == 3.0);
	session_release(&sess);
	reclist_release(&l);
}

int
main(void)
{
	have_utf8_locale = setlocale(LC_CTYPE, "C.UTF-8") != NULL ||
	    setlocale(LC_CTYPE, "en_US.UTF-8") != NULL;
	UNIT_RUN(test_width);
	UNIT_RUN(test_fit);
	UNIT_RUN(test_wrap);
	UNIT_RUN(test_numbers);
	UNIT_RUN(test_columns);
	UNIT_RUN(test_row);
	UNIT_RUN(test_pretty);
	UNIT_RUN(test_rec);
	UNIT_RUN(test_reclist_order);
	UNIT_RUN(test_reclist_view);
	UNIT_RUN(test_detail);
	UNIT_RUN(test_keys_manual);
	UNIT_RUN(test_keys_help);
	UNIT_RUN(test_keys_press);
	UNIT_RUN(test_rates);
	return UNIT_END();
}
