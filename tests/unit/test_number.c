/* Unit tests of krenalisd/number.c. */
#include <stdint.h>
#include <string.h>

#include "unit.h"
#include "../../krenalisd/number.h"

static void
test_int(void)
{
	static const struct {
		const char	*text;
		int		 ok;
		long long	 want;
	} t[] = {
		{ "0", 1, 0 },
		{ "-0", 1, 0 },
		{ "007", 1, 7 },
		{ "-15", 1, -15 },
		{ "9223372036854775807", 1, INT64_MAX },
		{ "-9223372036854775808", 1, INT64_MIN },
		{ "9223372036854775808", 0, 0 },
		{ "-9223372036854775809", 0, 0 },
		{ "99999999999999999999", 0, 0 },
		{ "", 0, 0 },
		{ "-", 0, 0 },
		{ "+1", 0, 0 },
		{ "--1", 0, 0 },
		{ "1.0", 0, 0 },
		{ "1e3", 0, 0 },
		{ " 1", 0, 0 },
	};
	size_t	i;
	int64_t	v;
	int	r;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		v = 0;
		r = number_parse_int(t[i].text, strlen(t[i].text), &v);
		CHECK_INT(r, t[i].ok ? 0 : -1);
		CHECK_INT(v, t[i].want);
	}
}

static void
test_double(void)
{
	char	long_text[200];
	double	d = 0;

	CHECK_INT(number_parse_double("1.5e3", 5, &d), 0);
	CHECK(d == 1500);
	/* Only the n bytes count, not what follows them. */
	CHECK_INT(number_parse_double("255", 2, &d), 0);
	CHECK(d == 25);
	CHECK_INT(number_parse_double("-0.25", 5, &d), 0);
	CHECK(d == -0.25);
	CHECK_INT(number_parse_double("1e400", 5, &d), -1);
	CHECK_INT(number_parse_double("-1e400", 6, &d), -1);
	CHECK(d == -0.25);
	CHECK_INT(number_parse_double("1e-400", 6, &d), 0);
	CHECK(d == 0);
	/* A text longer than the stack copy. */
	memset(long_text, '0', sizeof(long_text));
	long_text[0] = '1';
	long_text[1] = '.';
	long_text[sizeof(long_text) - 1] = '5';
	CHECK_INT(number_parse_double(long_text, sizeof(long_text), &d), 0);
	CHECK(d == 1);
}

int
main(void)
{
	UNIT_RUN(test_int);
	UNIT_RUN(test_double);
	return UNIT_END();
}
