/* Unit tests of common/utf8.c. */
#include <stdint.h>
#include <string.h>

#include "utf8.h"
#include "unit.h"

struct utf8_case {
	const char	*s;
	size_t		 len;		/* 0: strlen(s) */
	int		 valid;
	size_t		 runes;
};

static const struct utf8_case	cases[] = {
	{ "", 0, 1, 0 },
	{ "abc", 0, 1, 3 },
	{ "\0", 1, 1, 1 },			/* NUL is a character */
	{ "a\0b", 3, 1, 3 },
	{ "\x7f", 0, 1, 1 },
	{ "\xc2\x80", 0, 1, 1 },		/* U+0080 */
	{ "\xc3\xa9t\xc3\xa9", 0, 1, 3 },	/* été */
	{ "\xdf\xbf", 0, 1, 1 },		/* U+07FF */
	{ "\xe0\xa0\x80", 0, 1, 1 },		/* U+0800 */
	{ "\xe2\x82\xac", 0, 1, 1 },		/* € */
	{ "\xed\x9f\xbf", 0, 1, 1 },		/* U+D7FF */
	{ "\xee\x80\x80", 0, 1, 1 },		/* U+E000 */
	{ "\xef\xbf\xbd", 0, 1, 1 },		/* U+FFFD */
	{ "\xef\xbf\xbf", 0, 1, 1 },		/* U+FFFF */
	{ "\xef\xbb\xbf" "a", 0, 1, 2 },	/* BOM, kept as a rune */
	{ "\xf0\x90\x80\x80", 0, 1, 1 },	/* U+10000 */
	{ "\xf0\x9f\x98\x80!", 0, 1, 2 },	/* emoji */
	{ "\xf3\xbf\xbf\xbf", 0, 1, 1 },
	{ "\xf4\x8f\xbf\xbf", 0, 1, 1 },	/* U+10FFFF */
	{ "Segment prod \xe6\x97\xa5\xe6\x9c\xac", 0, 1, 15 },

	/* Lone continuation bytes and bytes that never start a sequence. */
	{ "\x80", 0, 0, 0 },
	{ "\xbf", 0, 0, 0 },
	{ "a\x80" "b", 0, 0, 0 },
	{ "\xc0\x80", 0, 0, 0 },		/* overlong NUL */
	{ "\xc1\xbf", 0, 0, 0 },		/* overlong U+007F */
	{ "\xf5\x80\x80\x80", 0, 0, 0 },
	{ "\xf8\x88\x80\x80\x80", 0, 0, 0 },
	{ "\xfc\x84\x80\x80\x80\x80", 0, 0, 0 },
	{ "\xfe", 0, 0, 0 },
	{ "\xff", 0, 0, 0 },
	/* Overlong three- and four-byte forms. */
	{ "\xe0\x80\x80", 0, 0, 0 },
	{ "\xe0\x9f\xbf", 0, 0, 0 },		/* overlong U+07FF */
	{ "\xf0\x80\x80\x80", 0, 0, 0 },
	{ "\xf0\x8f\xbf\xbf", 0, 0, 0 },	/* overlong U+FFFF */
	/* Surrogates, alone and paired (CESU-8). */
	{ "\xed\xa0\x80", 0, 0, 0 },		/* U+D800 */
	{ "\xed\xbf\xbf", 0, 0, 0 },		/* U+DFFF */
	{ "\xed\xa0\xbd\xed\xb8\x80", 0, 0, 0 },
	/* Above U+10FFFF. */
	{ "\xf4\x90\x80\x80", 0, 0, 0 },	/* U+110000 */
	{ "\xf7\xbf\xbf\xbf", 0, 0, 0 },
	/* Truncated sequences, at the end and before another byte. */
	{ "\xc3", 0, 0, 0 },
	{ "\xe2\x82", 0, 0, 0 },
	{ "\xf0\x9f\x98", 0, 0, 0 },
	{ "\xf0\x9f", 0, 0, 0 },
	{ "\xc3" "a", 0, 0, 0 },
	{ "\xe2\x82" "a", 0, 0, 0 },
	{ "\xf0\x9f\x98" "a", 0, 0, 0 },
	{ "\xe2\x82\xac\xe2", 0, 0, 0 },
	{ "\xc3\xc3\xa9", 0, 0, 0 },
	/* A continuation byte too many. */
	{ "\xc3\xa9\xa9", 0, 0, 0 },
	{ "\xe2\x82\xac\x80", 0, 0, 0 },
	/* Invalid bytes after valid text. */
	{ "valid then \xff", 0, 0, 0 },
};

static void
test_table(void)
{
	const struct utf8_case	*c;
	size_t			 i, len, runes;
	int			 v;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		c = &cases[i];
		len = c->len ? c->len : strlen(c->s);
		runes = 12345;
		v = utf8_valid(c->s, len, &runes);
		if (v != c->valid || (v && runes != c->runes))
			printf("  case %zu: valid %d runes %zu\n", i, v,
			    runes);
		CHECK_INT(v, c->valid);
		if (c->valid)
			CHECK_INT(runes, c->runes);
		CHECK_INT(utf8_valid(c->s, len, NULL), c->valid);
	}
}

/* A valid string stays valid as a prefix only on boundaries. */
static void
test_length_bound(void)
{
	const char	*s = "\xe2\x82\xac\xff";
	size_t		 runes;

	CHECK(utf8_valid(s, 3, &runes));
	CHECK_INT(runes, 1);
	CHECK(!utf8_valid(s, 4, &runes));
	CHECK(!utf8_valid(s, 2, &runes));
	CHECK(utf8_valid(s, 0, &runes));
	CHECK_INT(runes, 0);
}

/*
 * Every code point from U+0000 to U+10FFFF, encoded here: valid exactly
 * when it is not a surrogate.
 */
static void
test_all_code_points(void)
{
	unsigned char	b[4];
	uint32_t	cp;
	size_t		n, runes;
	int		bad = 0, want;

	for (cp = 0; cp <= 0x10ffff; cp++) {
		if (cp < 0x80) {
			b[0] = (unsigned char)cp;
			n = 1;
		} else if (cp < 0x800) {
			b[0] = (unsigned char)(0xc0 | cp >> 6);
			b[1] = (unsigned char)(0x80 | (cp & 0x3f));
			n = 2;
		} else if (cp < 0x10000) {
			b[0] = (unsigned char)(0xe0 | cp >> 12);
			b[1] = (unsigned char)(0x80 | (cp >> 6 & 0x3f));
			b[2] = (unsigned char)(0x80 | (cp & 0x3f));
			n = 3;
		} else {
			b[0] = (unsigned char)(0xf0 | cp >> 18);
			b[1] = (unsigned char)(0x80 | (cp >> 12 & 0x3f));
			b[2] = (unsigned char)(0x80 | (cp >> 6 & 0x3f));
			b[3] = (unsigned char)(0x80 | (cp & 0x3f));
			n = 4;
		}
		want = cp < 0xd800 || cp > 0xdfff;
		runes = 0;
		if (utf8_valid((const char *)b, n, &runes) != want ||
		    (want && runes != 1))
			bad++;
		/* Any strict prefix of a multi-byte form is truncated. */
		if (n > 1 && utf8_valid((const char *)b, n - 1, NULL))
			bad++;
	}
	CHECK_INT(bad, 0);
}

/* Every two-byte sequence: the valid ones are exactly C2..DF 80..BF. */
static void
test_all_pairs(void)
{
	unsigned char	b[2];
	int		i, j, bad = 0, want;

	for (i = 0x80; i < 0x100; i++)
		for (j = 0; j < 0x100; j++) {
			b[0] = (unsigned char)i;
			b[1] = (unsigned char)j;
			want = i >= 0xc2 && i <= 0xdf && j >= 0x80 &&
			    j <= 0xbf;
			if (utf8_valid((const char *)b, 2, NULL) != want)
				bad++;
		}
	CHECK_INT(bad, 0);
}

static void
test_cut(void)
{
	/* "a" "é" "€" "😀" "b": boundaries at 0 1 3 6 10 11. */
	static const size_t	 want[] = {
		0, 1, 1, 3, 3, 3, 6, 6, 6, 6, 10, 11
	};
	const char		*s =
	    "a" "\xc3\xa9" "\xe2\x82\xac" "\xf0\x9f\x98\x80" "b";
	size_t			 len = strlen(s), max;

	CHECK_INT(len, 11);
	for (max = 0; max <= len; max++)
		CHECK_INT(utf8_cut(s, len, max), want[max]);
	CHECK_INT(utf8_cut(s, len, 12), 11);
	CHECK_INT(utf8_cut(s, len, (size_t)-1), 11);
	CHECK_INT(utf8_cut("", 0, 0), 0);
	CHECK_INT(utf8_cut("", 0, 5), 0);
	CHECK_INT(utf8_cut("abc", 3, 2), 2);
	/* Starts with a multi-byte character. */
	CHECK_INT(utf8_cut("\xe2\x82\xac", 3, 2), 0);
	CHECK_INT(utf8_cut("\xe2\x82\xac", 3, 1), 0);
	CHECK_INT(utf8_cut("\xe2\x82\xac", 3, 3), 3);
}

/*
 * A prefix of any length of a valid string, with utf8_whole's length, is
 * the longest valid prefix of it: the incomplete character goes.
 */
static void
test_whole(void)
{
	const char	*s =
	    "a" "\xc3\xa9" "\xe2\x82\xac" "\xf0\x9f\x98\x80" "b";
	size_t		 len = strlen(s), n, m, want;
	int		 bad = 0;

	for (n = 0; n <= len; n++) {
		for (want = n; want > 0 && !utf8_valid(s, want, NULL); want--)
			;
		if ((m = utf8_whole(s, n)) != want)
			bad++;
	}
	CHECK_INT(bad, 0);
	CHECK_INT(utf8_whole("\xe2\x82", 2), 0);
	CHECK_INT(utf8_whole("ab\xf0\x9f\x98", 5), 2);
	CHECK_INT(utf8_whole("ab\xc3", 3), 2);
	CHECK_INT(utf8_whole("abc", 3), 3);
	CHECK_INT(utf8_whole("", 0), 0);
}

/* Every cut of a valid string is valid and has no more runes. */
static void
test_cut_keeps_valid(void)
{
	const char	*s = "x\xc3\xa9\xe6\x97\xa5\xf0\x9f\x98\x80y\xc2\x80";
	size_t		 len = strlen(s), max, n, m, runes, all;
	int		 bad = 0;

	CHECK(utf8_valid(s, len, &all));
	for (max = 0; max <= len + 1; max++) {
		n = utf8_cut(s, len, max);
		if (n > max || n > len || !utf8_valid(s, n, &runes) ||
		    runes > all)
			bad++;
		/* The largest such n: no longer prefix up to max is whole. */
		for (m = n + 1; m <= max && m <= len; m++)
			if (utf8_valid(s, m, NULL))
				bad++;
	}
	CHECK_INT(bad, 0);
}

static void
test_encode(void)
{
	static const struct {
		uint32_t	 cp;
		const char	*utf8;
	} enc[] = {
		{ 0x41, "A" }, { 0xe9, "\xc3\xa9" }, { 0x7ff, "\xdf\xbf" },
		{ 0x800, "\xe0\xa0\x80" }, { 0x20ac, "\xe2\x82\xac" },
		{ 0xffff, "\xef\xbf\xbf" }, { 0x10000, "\xf0\x90\x80\x80" },
		{ 0x1f600, "\xf0\x9f\x98\x80" },
		{ 0x10ffff, "\xf4\x8f\xbf\xbf" },
	};
	char	buf[5];
	size_t	i, n;

	for (i = 0; i < sizeof(enc) / sizeof(enc[0]); i++) {
		n = utf8_encode(enc[i].cp, buf);
		buf[n] = '\0';
		CHECK_STR(buf, enc[i].utf8);
	}
	CHECK_INT(utf8_hexdigit('0'), 0);
	CHECK_INT(utf8_hexdigit('9'), 9);
	CHECK_INT(utf8_hexdigit('a'), 10);
	CHECK_INT(utf8_hexdigit('F'), 15);
	CHECK_INT(utf8_hexdigit('g'), -1);
	CHECK_INT(utf8_hexdigit('/'), -1);
}

/* utf8_seqlen reads one sequence and stops at len. */
static void
test_seqlen(void)
{
	CHECK_INT(utf8_seqlen("a\xc3\xa9", 3), 1);
	CHECK_INT(utf8_seqlen("\xc3\xa9", 2), 2);
	CHECK_INT(utf8_seqlen("\xc3\xa9", 1), 0);
	CHECK_INT(utf8_seqlen("\xe2\x82\xac", 3), 3);
	CHECK_INT(utf8_seqlen("\xf0\x9f\x98\x80", 4), 4);
	CHECK_INT(utf8_seqlen("\xf0\x9f\x98\x80", 3), 0);
	CHECK_INT(utf8_seqlen("\xed\xa0\x80", 3), 0);	/* surrogate */
	CHECK_INT(utf8_seqlen("\xc0\x80", 2), 0);		/* overlong */
	CHECK_INT(utf8_seqlen("\x80", 1), 0);
}

static void
test_decode(void)
{
	static const struct {
		const char	*s;
		size_t		 n;	/* the bytes read */
		uint32_t	 cp;
	} decodes[] = {
		{ "a", 1, 'a' },
		{ "\xc3\xa9", 2, 0xe9 },
		{ "\xe4\xb8\xad", 3, 0x4e2d },
		{ "\xf0\x9f\x98\x80", 4, 0x1f600 },
		/* Invalid: a lone continuation, overlong, surrogate, cut short. */
		{ "\x80", 1, 0xfffd },
		{ "\xc0\xaf", 1, 0xfffd },
		{ "\xed\xa0\x80", 1, 0xfffd },
		{ "\xe4\xb8", 1, 0xfffd },
	};
	uint32_t	cp;
	size_t		i;

	for (i = 0; i < sizeof(decodes) / sizeof(decodes[0]); i++) {
		CHECK_INT(utf8_decode(decodes[i].s, strlen(decodes[i].s), &cp),
		    decodes[i].n);
		CHECK_INT(cp, decodes[i].cp);
	}
}

int
main(void)
{
	UNIT_RUN(test_decode);
	UNIT_RUN(test_table);
	UNIT_RUN(test_length_bound);
	UNIT_RUN(test_all_code_points);
	UNIT_RUN(test_all_pairs);
	UNIT_RUN(test_cut);
	UNIT_RUN(test_cut_keeps_valid);
	UNIT_RUN(test_whole);
	UNIT_RUN(test_encode);
	UNIT_RUN(test_seqlen);
	return UNIT_END();
}
