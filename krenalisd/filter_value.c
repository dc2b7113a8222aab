/*
 * The literals of filters (spec/filters.md §5, §8.1, §8.2, §9): numbers
 * and exact decimals, ints, floats and instants read and compared, and
 * strings read from the text form and printed in it.  It calls no other
 * filter file.
 */
#include <stdint.h>
#include <string.h>

#include "jsonlex.h"
#include "number.h"
#include "timestamp.h"
#include "utf8.h"

#include "filter_priv.h"

/* Past it, a difference of exponents keeps its sign (exp_cmp). */
#define EXP_FAR		((int64_t)1 << 59)

#define E_UNTERM	"unterminated string"
#define E_ESCAPE	"invalid escape sequence"

/*
 * The parts of a number text: a sign, integer digits [ib, ie), fraction
 * digits [fb, fe) after an optional point, exponent digits [eb, ee).
 */
struct numtext {
	int	 sign;
	size_t	 ib, ie;
	int	 dot;
	size_t	 fb, fe;
	int	 esign;
	size_t	 eb, ee;
};

/*
 * Split s into the parts of a number.  Return 0 when all of s matches
 * [+-]? ( digits [ "." digits? ] / "." digits ) [ [eE] [+-]? digits ], -1
 * otherwise.
 */
static int
num_split(const char *s, size_t len, struct numtext *n)
{
	size_t	 i = 0;

	memset(n, 0, sizeof(*n));
	n->sign = n->esign = 1;
	if (i < len && (s[i] == '+' || s[i] == '-'))
		n->sign = s[i++] == '-' ? -1 : 1;
	for (n->ib = i; i < len && filter_isdigit(s[i]); i++)
		;
	n->ie = n->fb = n->fe = i;
	if (i < len && s[i] == '.') {
		n->dot = 1;
		for (n->fb = ++i; i < len && filter_isdigit(s[i]); i++)
			;
		n->fe = i;
	}
	if (n->ib == n->ie && n->fb == n->fe)
		return -1;
	n->eb = n->ee = i;
	if (i < len && (s[i] == 'e' || s[i] == 'E')) {
		i++;
		if (i < len && (s[i] == '+' || s[i] == '-'))
			n->esign = s[i++] == '-' ? -1 : 1;
		for (n->eb = i; i < len && filter_isdigit(s[i]); i++)
			;
		n->ee = i;
		if (n->eb == n->ee)
			return -1;
	}
	return i == len ? 0 : -1;
}

int
filter_is_number(const char *s, size_t len)
{
	struct numtext	 n;

	return num_split(s, len, &n) == 0;
}

/* A number whose integer part has no leading zero. */
int
filter_is_decimal(const char *s, size_t len)
{
	struct numtext	 n;

	return num_split(s, len, &n) == 0 &&
	    !(n.ie - n.ib > 1 && s[n.ib] == '0');
}

/*
 * Parse a decimal into d, without copying: the digits are the integer and
 * fraction parts of s, zeros stripped at both ends, and the exponent's
 * digits, of any length, which exp_cmp compares exactly.
 */
void
filter_dec_parse(const char *s, size_t len, struct filter_dec *d)
{
	struct numtext	 n;
	size_t		 ib, ie, fb, fe, eb;
	int64_t		 point;

	num_split(s, len, &n);
	for (eb = n.eb; eb < n.ee && s[eb] == '0'; eb++)
		;
	ib = n.ib;
	ie = n.ie;
	fb = n.fb;
	fe = n.fe;
	point = (int64_t)(ie - ib);
	while (ib < ie && s[ib] == '0') {
		ib++;
		point--;
	}
	if (ib == ie)
		while (fb < fe && s[fb] == '0') {
			fb++;
			point--;
		}
	while (fe > fb && s[fe - 1] == '0')
		fe--;
	if (fe == fb)
		while (ie > ib && s[ie - 1] == '0')
			ie--;
	memset(d, 0, sizeof(*d));
	if (ib == ie && fb == fe)
		return;
	d->sign = n.sign;
	d->point = point;
	d->esign = n.esign;
	d->e = s + eb;
	d->elen = n.ee - eb;
	d->a = s + ib;
	d->alen = ie - ib;
	d->b = s + fb;
	d->blen = fe - fb;
}

/* Digit i of a decimal's digit string. */
static char
dec_digit(const struct filter_dec *d, size_t i)
{
	return i < d->alen ? d->a[i] : d->b[i - d->alen];
}

/*
 * Compare where the points of a and b fall, point + esign x e, exactly:
 * the exponents' difference is taken digit by digit, most significant
 * first, and once it passes EXP_FAR no digit after, nor the points'
 * difference (within the length of a text), can change its sign.
 */
static int
exp_cmp(const struct filter_dec *a, const struct filter_dec *b)
{
	size_t	 n = a->elen > b->elen ? a->elen : b->elen, k;
	int64_t	 s = 0;
	int	 da, db;

	for (k = 0; k < n; k++) {
		da = k + a->elen >= n ? a->e[k + a->elen - n] - '0' : 0;
		db = k + b->elen >= n ? b->e[k + b->elen - n] - '0' : 0;
		s = s * 10 + a->esign * da - b->esign * db;
		if (s > EXP_FAR || s < -EXP_FAR)
			return s < 0 ? -1 : 1;
	}
	s += a->point - b->point;
	return s < 0 ? -1 : s > 0;
}

int
filter_dec_cmp(const struct filter_dec *a, const struct filter_dec *b)
{
	size_t	 i, na = a->alen + a->blen, nb = b->alen + b->blen;
	int	 r = 0;
	char	 ca, cb;

	if (a->sign != b->sign)
		return a->sign < b->sign ? -1 : 1;
	if (a->sign == 0)
		return 0;
	if ((r = exp_cmp(a, b)) == 0) {
		for (i = 0; i < na && i < nb && r == 0; i++) {
			ca = dec_digit(a, i);
			cb = dec_digit(b, i);
			if (ca != cb)
				r = ca < cb ? -1 : 1;
		}
		if (r == 0 && na != nb)
			r = na < nb ? -1 : 1;
	}
	return a->sign > 0 ? r : -r;
}

/* The int literal of §5: [+-]?(0|[1-9][0-9]*). */
int
filter_int_parse(const char *s, size_t len, int64_t *v)
{
	size_t	 i = len > 0 && (s[0] == '+' || s[0] == '-');

	if (i == len || !filter_isdigit(s[i]) || (s[i] == '0' && i + 1 < len))
		return -1;
	if (s[0] == '+')
		return number_parse_int(s + 1, len - 1, v);
	return number_parse_int(s, len, v);
}

/*
 * The float literal is a number with integer digits and, after a point,
 * fraction digits: [+-]?[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?.
 */
int
filter_float_parse(const char *s, size_t len, double *d)
{
	struct numtext	 n;

	if (num_split(s, len, &n) == -1 || n.ib == n.ie ||
	    (n.dot && n.fb == n.fe))
		return -1;
	return number_parse_double(s, len, d);
}

/*
 * A timestamp with full precision: timestamp_parse() gives the ms
 * (truncated towards the past); the zone offset is whole minutes, so the
 * nanoseconds below the ms are fraction digits 4 to 9.
 */
int
filter_instant_parse(const char *s, size_t len, struct filter_instant *t)
{
	const char	*dot, *p, *end = s + len;
	size_t		 i;
	int32_t		 ns = 0, d;

	if (timestamp_parse(s, len, &t->ms) != TIMESTAMP_OK)
		return -1;
	if ((dot = memchr(s, '.', len)) != NULL) {
		p = dot + 1;
		for (i = 0; i < 9; i++) {
			d = 0;
			if (p < end && filter_isdigit(*p))
				d = *p++ - '0';
			else
				p = end;	/* the zone: pad with zeros */
			if (i >= 3)
				ns = ns * 10 + d;
		}
	}
	t->ns = ns;
	return 0;
}

/* The escape \UXXXXXXXX whose backslash is at p: past it, or NULL. */
static const char *
ucs_escape(const char *p, const char *end, uint32_t *cp)
{
	int	i, h;

	if (end - p < 10)
		return NULL;
	for (*cp = 0, i = 2; i < 10; i++) {
		if ((h = utf8_hexdigit((unsigned char)p[i])) == -1)
			return NULL;
		*cp = *cp << 4 | (uint32_t)h;
	}
	return p + 10;
}

/*
 * The string of §8.2: ' or " quotes, the escapes of JSON, \' and
 * \UXXXXXXXX.  An escape gives a scalar value other than U+0000, and
 * \uXXXX one of the BMP: a character beyond it is written \UXXXXXXXX, not
 * as a JSON surrogate pair.
 */
int
filter_string_scan(const char *s, size_t len, size_t *pos,
    struct buf *out, const char **why)
{
	const char	*e, *end = s + len;
	size_t		 i = *pos + 1;
	char		 q = s[*pos], u[4];
	uint32_t	 cp;

	for (;;) {
		if (i >= len) {
			*why = E_UNTERM;
			return -1;
		}
		if (s[i] == q)
			break;
		if (s[i] == '\0') {
			*why = E_ESCAPE;	/* only a JSON path has one */
			return -1;
		}
		if (s[i] != '\\') {
			buf_addc(out, s[i++]);
			continue;
		}
		if (i + 1 >= len) {
			*why = E_UNTERM;
			return -1;
		}
		if (s[i + 1] == '\'') {
			cp = '\'';
			e = s + i + 2;
		} else if (s[i + 1] == 'U')
			e = ucs_escape(s + i, end, &cp);
		else if ((e = jsonlex_escape(s + i, end, &cp)) != NULL &&
		    cp > 0xffff)
			e = NULL;
		if (e == NULL || cp == 0 || cp > 0x10ffff ||
		    (cp >= 0xd800 && cp <= 0xdfff)) {
			*why = E_ESCAPE;
			return -1;
		}
		buf_add(out, u, utf8_encode(cp, u));
		i = e - s;
	}
	*pos = i + 1;
	return 0;
}

void
filter_literal_add(struct buf *b, const char *s, size_t len)
{
	if (filter_is_number(s, len))
		buf_add(b, s, len);
	else
		buf_addquoted(b, s, len);
}
