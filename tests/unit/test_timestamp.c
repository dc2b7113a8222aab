/* Unit tests of common/timestamp.c against spec/events.md §11. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "timestamp.h"
#include "unit.h"

/* Parse the C string s; return the error and set *ms. */
static enum timestamp_error
parse(const char *s, int64_t *ms)
{
	*ms = INT64_MIN;
	return timestamp_parse(s, strlen(s), ms);
}

/* Whether s parses to want. */
static int
parses_to(const char *s, int64_t want)
{
	int64_t	ms;

	if (parse(s, &ms) != TIMESTAMP_OK) {
		printf("  \"%s\" did not parse\n", s);
		return 0;
	}
	if (ms != want) {
		printf("  \"%s\" is %lld, expected %lld\n", s, (long long)ms,
		    (long long)want);
		return 0;
	}
	return 1;
}

/* The result of parsing s, for the error cases. */
static enum timestamp_error
parse_err(const char *s)
{
	int64_t	ms;

	return parse(s, &ms);
}

/* The examples of valid values of §11.1, each with its UTC value. */
static void
test_spec_examples(void)
{
	CHECK(parses_to("2024-10-31T14:39:06.050Z", 1730385546050));
	CHECK(parses_to("2024-10-31T14:39:06Z", 1730385546000));
	CHECK(parses_to("2024-10-31T16:39:06.05+02:00", 1730385546050));
	CHECK(parses_to("2024-10-31T14:39:06.288305712", 1730385546288));
	CHECK(parses_to("2024-10-31 14:39:06", 1730385546000));
	CHECK(parses_to("2024-10-31T14:39", 1730385540000));
	CHECK(parses_to("2024-10-31T16:39:06+0200", 1730385546000));
	CHECK(parses_to("2024-10-31T16:39:06+02", 1730385546000));
	CHECK(parses_to("2024-10-31", 1730332800000));
}

/* The forms §11.1 names as not accepted, and other malformed input. */
static void
test_invalid_forms(void)
{
	static const char	*bad[] = {
		/* Week and ordinal dates, the basic format. */
		"2024-W44-4", "2024-W44", "2024-305", "2024305",
		"20240101T100000Z", "20240101", "2024-10-31T143906Z",
		/* A time without minutes. */
		"2024-10-31T14", "2024-10-31T14Z", "2024-10-31T14+02:00",
		/* Leap second, comma, more than 9 fractional digits. */
		"2024-12-31T23:59:60Z", "2024-10-31T14:39:06,050Z",
		"2024-10-31T14:39:06.0500000000Z",
		"2024-10-31T14:39:06.1234567890",
		/* A zone on a date without time. */
		"2024-10-31Z", "2024-10-31+02:00", "2024-10-31+02",
		/* Variable widths, year alone, short years. */
		"2024-1-5", "2024-01-5", "2024-1-05", "2024", "2024-10",
		"999-01-01", "24-10-31", "1000000000-01-01",
		/* Field ranges. */
		"2024-00-10", "2024-13-10", "2024-10-00", "2024-10-32",
		"2024-04-31", "2024-06-31", "2024-09-31", "2024-11-31",
		"2024-10-31T24:00:00Z", "2024-10-31T23:60:00Z",
		"2024-10-31T14:39:06+24:00", "2024-10-31T14:39:06+02:60",
		"2024-10-31T14:39:06-24", "2024-10-31T14:39:06+9959",
		/* Broken separators, zones and fractions. */
		"", "T", "-2024-10-31", "+2024-10-31", " 2024-10-31",
		"2024-10-31 ", "2024-10-31T", "2024-10-31t14:39:06Z",
		"2024-10-31_14:39:06Z", "2024/10/31", "2024-10-31T14:39:",
		"2024-10-31T14:39:6Z", "2024-10-31T14:3:06Z",
		"2024-10-31T4:39:06Z", "2024-10-31T14:39:06.",
		"2024-10-31T14:39:06.Z", "2024-10-31T14:39.5Z",
		"2024-10-31T14:39:06+", "2024-10-31T14:39:06+2",
		"2024-10-31T14:39:06+02:", "2024-10-31T14:39:06+02:0",
		"2024-10-31T14:39:06+020", "2024-10-31T14:39:06+02:000",
		"2024-10-31T14:39:06+0200Z", "2024-10-31T14:39:06ZZ",
		"2024-10-31T14:39:06Z ", "2024-10-31T14:39:06 Z",
		"2024-10-31T14:39:06UTC", "2024-10-31T14:39:06GMT",
		"2024-10-31T14:39:06+02:00:00", "2024-10-31T14:39:06.05.1",
		"２０２４-10-31", "2024-1O-31", "2024-10-31T14:39:06\n",
	};
	size_t			 i;
	enum timestamp_error	 e;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		e = parse_err(bad[i]);
		if (e != TIMESTAMP_INVALID)
			printf("  \"%s\" gave %d\n", bad[i], (int)e);
		CHECK_INT(e, TIMESTAMP_INVALID);
	}
}

/* Only the len bytes given are read: what follows does not matter. */
static void
test_length_bound(void)
{
	const char	*s = "2024-10-31T14:39:06Zjunk";
	int64_t		 ms;

	CHECK_INT(timestamp_parse(s, 20, &ms), TIMESTAMP_OK);
	CHECK_INT(ms, 1730385546000);
	CHECK_INT(timestamp_parse(s, 10, &ms), TIMESTAMP_OK);
	CHECK_INT(ms, 1730332800000);
	CHECK_INT(timestamp_parse(s, 21, &ms), TIMESTAMP_INVALID);
	CHECK_INT(timestamp_parse(s, 19, &ms), TIMESTAMP_OK);
	CHECK_INT(timestamp_parse(s, 12, &ms), TIMESTAMP_INVALID);
	CHECK_INT(timestamp_parse(s, 0, &ms), TIMESTAMP_INVALID);
	CHECK_INT(timestamp_parse("2024-10-31\0", 11, &ms),
	    TIMESTAMP_INVALID);
}

/* February 29 exists only in leap years of the written year. */
static void
test_leap_years(void)
{
	CHECK(parses_to("2024-02-29", 1709164800000));
	CHECK(parses_to("2000-02-29", 951782400000));
	CHECK_INT(parse_err("2023-02-29"), TIMESTAMP_INVALID);
	CHECK_INT(parse_err("1900-02-29"), TIMESTAMP_INVALID);
	CHECK_INT(parse_err("2100-02-29"), TIMESTAMP_INVALID);
	CHECK_INT(parse_err("2024-02-30"), TIMESTAMP_INVALID);
	CHECK_INT(parse_err("2023-02-28"), TIMESTAMP_OK);
	CHECK_INT(parse_err("1600-02-29"), TIMESTAMP_OK);
	CHECK_INT(parse_err("0004-02-29"), TIMESTAMP_OK);
	CHECK_INT(parse_err("0100-02-29"), TIMESTAMP_INVALID);
	/* The written year decides, even when UTC falls in another one. */
	CHECK(parses_to("2024-02-29T01:00+02:00", 1709164800000 - 3600000));
	/* Year 0 is a leap year, and valid syntax, but out of range. */
	CHECK_INT(parse_err("0000-02-29"), TIMESTAMP_BAD_YEAR);
	CHECK_INT(parse_err("0001-02-29"), TIMESTAMP_INVALID);
	/* A leap year with more than 4 digits is still checked. */
	CHECK_INT(parse_err("10400-02-29"), TIMESTAMP_BAD_YEAR);
	CHECK_INT(parse_err("10100-02-29"), TIMESTAMP_INVALID);
}

/* The UTC year must be 1..9999 (§11.1); years have 4 to 9 digits. */
static void
test_year_range(void)
{
	CHECK_INT(parse_err("0000-01-01"), TIMESTAMP_BAD_YEAR);
	CHECK_INT(parse_err("10000-01-01"), TIMESTAMP_BAD_YEAR);
	CHECK_INT(parse_err("0001-01-01T00:00:00+01:00"),
	    TIMESTAMP_BAD_YEAR);
	CHECK_INT(parse_err("9999-12-31T23:59:59-00:01"),
	    TIMESTAMP_BAD_YEAR);
	CHECK_INT(parse_err("999999999-12-31T23:59:59.999999999Z"),
	    TIMESTAMP_BAD_YEAR);
	CHECK_INT(parse_err("123456789-06-15"), TIMESTAMP_BAD_YEAR);
	CHECK_INT(parse_err("0000-12-31T23:59:59.999Z"), TIMESTAMP_BAD_YEAR);
	CHECK(parses_to("0001-01-01", -62135596800000));
	CHECK(parses_to("0001-01-01T00:00:00Z", -62135596800000));
	CHECK(parses_to("9999-12-31T23:59:59.999999999Z", 253402300799999));
	/* The conversion to UTC can bring a year back into range. */
	CHECK(parses_to("0000-12-31T23:00:00-01:00", -62135596800000));
	CHECK(parses_to("10000-01-01T00:00+00:01", 253402300740000));
	CHECK(parses_to("000009999-12-31T23:59:59.999Z", 253402300799999));
	CHECK(parses_to("00002024-10-31T14:39:06Z", 1730385546000));
	CHECK(parses_to("000000001-01-01", -62135596800000));
}

/* Zones: Z, z, ±hh, ±hhmm, ±hh:mm, and -00:00 meaning UTC. */
static void
test_zones(void)
{
	int64_t	base = 1730385546000;	/* 2024-10-31T14:39:06Z */

	CHECK(parses_to("2024-10-31T14:39:06z", base));
	CHECK(parses_to("2024-10-31T14:39:06+00:00", base));
	CHECK(parses_to("2024-10-31T14:39:06-00:00", base));
	CHECK(parses_to("2024-10-31T14:39:06-0000", base));
	CHECK(parses_to("2024-10-31T14:39:06-00", base));
	CHECK(parses_to("2024-10-31T16:39:06+02:00", base));
	CHECK(parses_to("2024-10-31T09:09:06-05:30", base));
	CHECK(parses_to("2024-10-31T09:09:06-0530", base));
	CHECK(parses_to("2024-11-01T14:38:06+23:59", base));
	CHECK(parses_to("2024-10-30T14:40:06-23:59", base));
	CHECK(parses_to("2024-10-31T14:39Z", base - 6000));
	CHECK(parses_to("2024-10-31T16:39+02", base - 6000));
	CHECK(parses_to("2024-10-31 16:39:06.050+02:00", base + 50));
	/* Across a day, a month and a year. */
	CHECK(parses_to("2025-01-01T01:00:00+02:00",
	    1735689600000 - 3600000));
	CHECK(parses_to("1969-12-31T23:00:00-01:00", 0));
	CHECK(parses_to("1970-01-01T01:00:00+01:00", 0));
}

/* Digits past milliseconds are dropped, towards the past (§11.2). */
static void
test_truncation(void)
{
	CHECK(parses_to("2024-10-31T14:39:06.9999999Z", 1730385546999));
	CHECK(parses_to("2024-10-31T14:39:06.999999999Z", 1730385546999));
	CHECK(parses_to("2024-10-31T14:39:06.0009Z", 1730385546000));
	CHECK(parses_to("2024-10-31T14:39:06.1Z", 1730385546100));
	CHECK(parses_to("2024-10-31T14:39:06.12Z", 1730385546120));
	CHECK(parses_to("2024-10-31T14:39:06.000000000Z", 1730385546000));
	/* Before 1970 the value is negative and still goes down. */
	CHECK(parses_to("1969-12-31T23:59:59.9999Z", -1));
	CHECK(parses_to("1969-12-31T23:59:59.0001Z", -1000));
	CHECK(parses_to("1969-12-31T23:59:59.5009Z", -500));
	CHECK(parses_to("1969-07-20T20:17:40.9999Z", -14182940000 + 999));
	CHECK(parses_to("0001-01-01T00:00:00.0009Z", -62135596800000));
	CHECK(parses_to("0001-01-01T00:00:00.9999Z", -62135596799001));
}

/* Printing, including years before 1970 and the two ends of the range. */
static void
test_format(void)
{
	char	buf[TIMESTAMP_BUFSZ];

	CHECK_STR(timestamp_format(0, buf), "1970-01-01T00:00:00.000Z");
	CHECK_STR(timestamp_format(1730385546050, buf),
	    "2024-10-31T14:39:06.050Z");
	CHECK_STR(timestamp_format(-1, buf), "1969-12-31T23:59:59.999Z");
	CHECK_STR(timestamp_format(-1000, buf), "1969-12-31T23:59:59.000Z");
	CHECK_STR(timestamp_format(-1001, buf), "1969-12-31T23:59:58.999Z");
	CHECK_STR(timestamp_format(-86400000, buf),
	    "1969-12-31T00:00:00.000Z");
	CHECK_STR(timestamp_format(-14182940000, buf),
	    "1969-07-20T20:17:40.000Z");
	CHECK_STR(timestamp_format(-2208988800000, buf),
	    "1900-01-01T00:00:00.000Z");
	CHECK_STR(timestamp_format(-11670866703211, buf),
	    "1600-03-01T12:34:56.789Z");
	CHECK_STR(timestamp_format(-62135596800000, buf),
	    "0001-01-01T00:00:00.000Z");
	CHECK_STR(timestamp_format(253402300799999, buf),
	    "9999-12-31T23:59:59.999Z");
	CHECK_STR(timestamp_format(951782400000, buf),
	    "2000-02-29T00:00:00.000Z");
	CHECK_INT(strlen(timestamp_format(0, buf)), TIMESTAMP_BUFSZ - 1);
	/* Out of range: clamped, and the form stays fixed. */
	CHECK_STR(timestamp_format(INT64_MIN, buf),
	    "0001-01-01T00:00:00.000Z");
	CHECK_STR(timestamp_format(INT64_MAX, buf),
	    "9999-12-31T23:59:59.999Z");
}

static void
test_valid_year(void)
{
	CHECK(timestamp_valid_year(0));
	CHECK(timestamp_valid_year(-62135596800000));
	CHECK(!timestamp_valid_year(-62135596800001));
	CHECK(timestamp_valid_year(253402300799999));
	CHECK(!timestamp_valid_year(253402300800000));
	CHECK(!timestamp_valid_year(INT64_MIN));
	CHECK(!timestamp_valid_year(INT64_MAX));
}

/* A small deterministic generator for the sweeps below. */
static uint64_t
next_rand(uint64_t *state)
{
	*state ^= *state << 13;
	*state ^= *state >> 7;
	*state ^= *state << 17;
	return *state;
}

/*
 * Every day of years 1..9999 and many random instants: the printed form
 * matches gmtime_r(3) and parses back to the same value.
 */
static void
test_round_trip(void)
{
	char		 buf[TIMESTAMP_BUFSZ], want[64];
	int64_t		 ms, back, span, day;
	uint64_t	 state = 0x9e3779b97f4a7c15ULL;
	struct tm	 tm;
	time_t		 t;
	int		 i, bad = 0;

	span = 253402300799999 - -62135596800000 + 1;
	for (i = 0; i < 200000 + 3652059; i++) {
		if (i < 3652059) {
			/* Days, at a time of day that varies. */
			day = -719162 + i;
			ms = day * 86400000 + (int64_t)(i % 86400) * 1000 +
			    i % 1000;
		} else
			ms = -62135596800000 +
			    (int64_t)(next_rand(&state) % (uint64_t)span);
		timestamp_format(ms, buf);
		t = (time_t)(ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000));
		if (gmtime_r(&t, &tm) == NULL) {
			bad++;
			continue;
		}
		snprintf(want, sizeof(want),
		    "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
		    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		    tm.tm_min, tm.tm_sec, (int)(ms - (int64_t)t * 1000));
		if (strcmp(buf, want) != 0 ||
		    timestamp_parse(buf, strlen(buf), &back) !=
		    TIMESTAMP_OK || back != ms) {
			if (bad++ < 5)
				printf("  %lld: \"%s\", want \"%s\"\n",
				    (long long)ms, buf, want);
		}
	}
	CHECK_INT(bad, 0);
}

/* The current time is in range and agrees with time(3). */
static void
test_now(void)
{
	int64_t	now = timestamp_now();
	time_t	t = time(NULL);

	CHECK(timestamp_valid_year(now));
	CHECK(now / 1000 >= (int64_t)t - 2 && now / 1000 <= (int64_t)t + 2);
}

/* The monotonic clock never goes back and counts milliseconds. */
static void
test_monotonic(void)
{
	struct timespec	d = { 0, 20 * 1000 * 1000 };
	int64_t		a = timestamp_monotonic(), b;

	nanosleep(&d, NULL);
	b = timestamp_monotonic();
	CHECK(a > 0);
	CHECK(b - a >= 20 && b - a < 2000);
}

int
main(void)
{
	UNIT_RUN(test_spec_examples);
	UNIT_RUN(test_invalid_forms);
	UNIT_RUN(test_length_bound);
	UNIT_RUN(test_leap_years);
	UNIT_RUN(test_year_range);
	UNIT_RUN(test_zones);
	UNIT_RUN(test_truncation);
	UNIT_RUN(test_format);
	UNIT_RUN(test_valid_year);
	UNIT_RUN(test_round_trip);
	UNIT_RUN(test_now);
	UNIT_RUN(test_monotonic);
	return UNIT_END();
}
