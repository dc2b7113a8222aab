/* Number texts read as C numbers; see number.h. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "xmalloc.h"
#include "number.h"

int
number_parse_int(const char *s, size_t n, int64_t *v)
{
	uint64_t	 acc = 0, limit;
	size_t		 i = 0;
	int		 neg = 0, d;

	if (n > 0 && s[0] == '-') {
		neg = 1;
		i = 1;
	}
	if (i >= n)
		return -1;
	limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
	for (; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		d = s[i] - '0';
		if (acc > (limit - d) / 10)
			return -1;
		acc = acc * 10 + d;
	}
	if (neg)
		*v = acc == (uint64_t)INT64_MAX + 1 ? INT64_MIN :
		    -(int64_t)acc;
	else
		*v = (int64_t)acc;
	return 0;
}

/* strtod() needs a NUL after the text: copy it, on the stack if short. */
int
number_parse_double(const char *s, size_t n, double *v)
{
	char	 small[64], *buf;
	double	 d;

	buf = n < sizeof(small) ? small : xmalloc(n + 1);
	memcpy(buf, s, n);
	buf[n] = '\0';
	d = strtod(buf, NULL);
	if (buf != small)
		free(buf);
	if (!isfinite(d))
		return -1;
	*v = d;
	return 0;
}
