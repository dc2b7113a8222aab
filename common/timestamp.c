/*
 * Timestamps of spec/events.md §11.  The calendar arithmetic is done here
 * with 64-bit integers (proleptic Gregorian, days counted from 1970-01-01)
 * rather than with timegm(3), whose range depends on time_t and struct tm.
 */
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "timestamp.h"

#define MS_PER_SEC	1000
#define SECS_PER_DAY	86400

/*
 * The first and last whole seconds of UTC years 1..9999:
 * 0001-01-01T00:00:00Z and 10000-01-01T00:00:00Z (excluded).
 */
#define SECS_MIN	INT64_C(-62135596800)
#define SECS_END	INT64_C(253402300800)
#define MS_MIN		(SECS_MIN * MS_PER_SEC)
#define MS_MAX		(SECS_END * MS_PER_SEC - 1)

/* Floor division: rounds towards minus infinity, unlike C's "/". */
static int64_t
floor_div(int64_t a, int64_t b)
{
	int64_t	q = a / b;

	if ((a % b != 0) && ((a < 0) != (b < 0)))
		q--;
	return q;
}

/* Whether the year y of the proleptic Gregorian calendar is a leap year. */
static int
is_leap(int64_t y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* The number of days of month m (1..12) of year y. */
static int
month_days(int64_t y, int m)
{
	static const int	 days[12] = {
		31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31
	};

	if (m == 2 && is_leap(y))
		return 29;
	return days[m - 1];
}

/*
 * Days from 1970-01-01 to the date y-m-d (H. Hinnant's days_from_civil,
 * with March as the first month of a 400-year era).
 */
static int64_t
days_from_civil(int64_t y, int m, int d)
{
	int64_t	era, yoe, doy, doe;

	if (m <= 2)
		y--;
	era = floor_div(y, 400);
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* The date of the day z counted from 1970-01-01 (inverse of the above). */
static void
civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
	int64_t	era, doe, yoe, doy, mp;

	z += 719468;
	era = floor_div(z, 146097);
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

int64_t
timestamp_now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * MS_PER_SEC + ts.tv_nsec / 1000000;
}

int64_t
timestamp_monotonic(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * MS_PER_SEC + ts.tv_nsec / 1000000;
}

void
timestamp_cond_init(pthread_cond_t *cv)
{
	pthread_condattr_t	ca;

	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(cv, &ca);
	pthread_condattr_destroy(&ca);
}

void
timestamp_abstime(struct timespec *ts, int64_t ms)
{
	clock_gettime(CLOCK_MONOTONIC, ts);
	if (ms <= 0)
		return;
	ts->tv_sec += ms / MS_PER_SEC;
	ts->tv_nsec += (ms % MS_PER_SEC) * 1000000L;
	ts->tv_sec += ts->tv_nsec / 1000000000L;
	ts->tv_nsec %= 1000000000L;
}

int
timestamp_valid_year(int64_t ms)
{
	return ms >= MS_MIN && ms <= MS_MAX;
}

/* Write v as exactly width decimal digits at p; return the end. */
static char *
put_digits(char *p, int64_t v, int width)
{
	int	i;

	for (i = width - 1; i >= 0; i--) {
		p[i] = '0' + (char)(v % 10);
		v /= 10;
	}
	return p + width;
}

/*
 * Print ms as YYYY-MM-DDTHH:MM:SS.mmmZ.  A value outside years 1..9999 is
 * a caller's error (see timestamp_valid_year); it is clamped to the nearest
 * end of that range so that the output keeps its fixed form.
 */
char *
timestamp_format(int64_t ms, char buf[TIMESTAMP_BUFSZ])
{
	int64_t	 secs, days, sod, y;
	int	 m, d, msr;
	char	*p = buf;

	if (ms < MS_MIN)
		ms = MS_MIN;
	else if (ms > MS_MAX)
		ms = MS_MAX;
	secs = floor_div(ms, MS_PER_SEC);
	msr = (int)(ms - secs * MS_PER_SEC);
	days = floor_div(secs, SECS_PER_DAY);
	sod = secs - days * SECS_PER_DAY;
	civil_from_days(days, &y, &m, &d);

	p = put_digits(p, y, 4);
	*p++ = '-';
	p = put_digits(p, m, 2);
	*p++ = '-';
	p = put_digits(p, d, 2);
	*p++ = 'T';
	p = put_digits(p, sod / 3600, 2);
	*p++ = ':';
	p = put_digits(p, sod / 60 % 60, 2);
	*p++ = ':';
	p = put_digits(p, sod % 60, 2);
	*p++ = '.';
	p = put_digits(p, msr, 3);
	*p++ = 'Z';
	*p = '\0';
	return buf;
}

/* A cursor over the bytes being parsed. */
struct cursor {
	const char	*p;
	const char	*end;
};

static int
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Whether the next byte is c; if so, step over it. */
static int
accept_char(struct cursor *c, char ch)
{
	if (c->p < c->end && *c->p == ch) {
		c->p++;
		return 1;
	}
	return 0;
}

/* Read exactly n digits into *v; 0 on success, -1 otherwise. */
static int
fixed_digits(struct cursor *c, int n, int *v)
{
	int	i;

	if (c->end - c->p < n)
		return -1;
	*v = 0;
	for (i = 0; i < n; i++) {
		if (!is_digit(c->p[i]))
			return -1;
		*v = *v * 10 + (c->p[i] - '0');
	}
	c->p += n;
	return 0;
}

/* The number of consecutive digits at the cursor. */
static size_t
count_digits(const struct cursor *c)
{
	const char	*q = c->p;

	while (q < c->end && is_digit(*q))
		q++;
	return (size_t)(q - c->p);
}

/*
 * The grammar of §11.1:
 *
 *   timestamp = date [ ( "T" / " " ) time [ zone ] ]
 *   date      = year "-" 2DIGIT "-" 2DIGIT
 *   year      = 4*9DIGIT
 *   time      = 2DIGIT ":" 2DIGIT [ ":" 2DIGIT [ "." 1*9DIGIT ] ]
 *   zone      = "Z" / "z" / ( "+" / "-" ) 2DIGIT [ [ ":" ] 2DIGIT ]
 *
 * The separator is an upper-case "T" or a space only: the spec spells the
 * zone's "z" out and the separator's "t" not.  Every field is checked
 * against its range before the year of the UTC value is.
 */
enum timestamp_error
timestamp_parse(const char *s, size_t len, int64_t *ms)
{
	struct cursor	c;
	int64_t		year, secs;
	size_t		n, i;
	int		month, day, hour = 0, min = 0, sec = 0, frac = 0;
	int		zsign = 0, zh = 0, zm = 0;

	c.p = s;
	c.end = s + len;

	/* Date. */
	n = count_digits(&c);
	if (n < 4 || n > 9)
		return TIMESTAMP_INVALID;
	year = 0;
	for (i = 0; i < n; i++)
		year = year * 10 + (c.p[i] - '0');
	c.p += n;
	if (!accept_char(&c, '-') || fixed_digits(&c, 2, &month) == -1 ||
	    !accept_char(&c, '-') || fixed_digits(&c, 2, &day) == -1)
		return TIMESTAMP_INVALID;
	if (month < 1 || month > 12 || day < 1 ||
	    day > month_days(year, month))
		return TIMESTAMP_INVALID;

	if (c.p < c.end) {
		/* Time. */
		if (!accept_char(&c, 'T') && !accept_char(&c, ' '))
			return TIMESTAMP_INVALID;
		if (fixed_digits(&c, 2, &hour) == -1 ||
		    !accept_char(&c, ':') || fixed_digits(&c, 2, &min) == -1)
			return TIMESTAMP_INVALID;
		if (accept_char(&c, ':')) {
			if (fixed_digits(&c, 2, &sec) == -1)
				return TIMESTAMP_INVALID;
			if (accept_char(&c, '.')) {
				/* Digits past the third are truncated. */
				n = count_digits(&c);
				if (n < 1 || n > 9)
					return TIMESTAMP_INVALID;
				for (i = 0; i < 3; i++)
					frac = frac * 10 +
					    (i < n ? c.p[i] - '0' : 0);
				c.p += n;
			}
		}
		if (hour > 23 || min > 59 || sec > 59)
			return TIMESTAMP_INVALID;

		/* Zone. */
		if (c.p < c.end && (*c.p == 'Z' || *c.p == 'z'))
			c.p++;
		else if (c.p < c.end && (*c.p == '+' || *c.p == '-')) {
			zsign = *c.p++ == '+' ? 1 : -1;
			if (fixed_digits(&c, 2, &zh) == -1)
				return TIMESTAMP_INVALID;
			if (accept_char(&c, ':') ||
			    (c.p < c.end && is_digit(*c.p))) {
				if (fixed_digits(&c, 2, &zm) == -1)
					return TIMESTAMP_INVALID;
			}
			if (zh > 23 || zm > 59)
				return TIMESTAMP_INVALID;
		}
	}
	if (c.p != c.end)
		return TIMESTAMP_INVALID;

	/*
	 * A year has at most 9 digits, so the seconds fit in 64 bits; the
	 * milliseconds would not, hence the range check on seconds first.
	 * The fraction only adds less than a second, so it cannot change
	 * the year.
	 */
	secs = days_from_civil(year, month, day) * SECS_PER_DAY +
	    hour * 3600 + min * 60 + sec - zsign * (zh * 3600 + zm * 60);
	if (secs < SECS_MIN || secs >= SECS_END)
		return TIMESTAMP_BAD_YEAR;
	*ms = secs * MS_PER_SEC + frac;
	return TIMESTAMP_OK;
}
