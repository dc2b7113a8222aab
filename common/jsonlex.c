/* Reading JSON text in place; see jsonlex.h. */
#include <string.h>

#include "utf8.h"
#include "jsonlex.h"

enum jsonlex_kind
jsonlex_kind(const char *p, const char *end)
{
	size_t	left = end - p;

	if (left == 0)
		return JSONLEX_BAD;
	switch (*p) {
	case '{':
		return JSONLEX_OBJECT;
	case '[':
		return JSONLEX_ARRAY;
	case '"':
		return JSONLEX_STRING;
	case 't':
		return left >= 4 && memcmp(p, "true", 4) == 0 ? JSONLEX_TRUE :
		    JSONLEX_BAD;
	case 'f':
		return left >= 5 && memcmp(p, "false", 5) == 0 ?
		    JSONLEX_FALSE : JSONLEX_BAD;
	case 'n':
		return left >= 4 && memcmp(p, "null", 4) == 0 ? JSONLEX_NULL :
		    JSONLEX_BAD;
	case '-':
	case '0': case '1': case '2': case '3': case '4':
	case '5': case '6': case '7': case '8': case '9':
		return JSONLEX_NUMBER;
	default:
		return JSONLEX_BAD;
	}
}

const char *
jsonlex_kind_name(enum jsonlex_kind k)
{
	static const char *const names[] = {
		"object", "array", "string", "number", "true", "false", "null"
	};

	return (unsigned)k < JSONLEX_BAD ? names[k] : "bad";
}

const char *
jsonlex_string(const char *p, const char *end, int *esc)
{
	int	e = 0;

	for (p++;;) {
		while (p < end && *p != '"' && *p != '\\')
			p++;
		if (p >= end)
			return NULL;
		if (*p == '"')
			break;
		e = 1;
		if (end - p < 2)
			return NULL;
		p += 2;
	}
	if (esc != NULL)
		*esc = e;
	return p + 1;
}

const char *
jsonlex_token(const char *p, const char *end)
{
	while (p < end && *p != ',' && *p != '}' && *p != ']' && *p != ':' &&
	    *p != ' ' && *p != '\t' && *p != '\n' && *p != '\r' &&
	    *p != '"' && *p != '{' && *p != '[')
		p++;
	return p;
}

const char *
jsonlex_skip(const char *p, const char *end)
{
	size_t	depth = 0;

	for (;;) {
		p = jsonlex_ws(p, end);
		if (p >= end)
			return NULL;
		switch (*p) {
		case '"':
			if ((p = jsonlex_string(p, end, NULL)) == NULL)
				return NULL;
			break;
		case '{':
		case '[':
			depth++;
			p++;
			continue;
		case '}':
		case ']':
			if (depth == 0)
				return NULL;
			depth--;
			p++;
			break;
		case ',':
		case ':':
			if (depth == 0)
				return NULL;
			p++;
			continue;
		default:
			/* Not a delimiter, so the token is not empty. */
			p = jsonlex_token(p, end);
			break;
		}
		if (depth == 0)
			return p;
	}
}

/* The 4 hex digits at p (n bytes available), or -1. */
static long
hex4(const char *p, size_t n)
{
	long	v = 0;
	int	i, h;

	if (n < 4)
		return -1;
	for (i = 0; i < 4; i++) {
		if ((h = utf8_hexdigit((unsigned char)p[i])) == -1)
			return -1;
		v = v * 16 + h;
	}
	return v;
}

const char *
jsonlex_escape(const char *p, const char *end, uint32_t *cp)
{
	long	hi, lo;

	if (end - p < 2)
		return NULL;
	switch (p[1]) {
	case '"':
	case '\\':
	case '/':
		*cp = (unsigned char)p[1];
		return p + 2;
	case 'b':
		*cp = '\b';
		return p + 2;
	case 'f':
		*cp = '\f';
		return p + 2;
	case 'n':
		*cp = '\n';
		return p + 2;
	case 'r':
		*cp = '\r';
		return p + 2;
	case 't':
		*cp = '\t';
		return p + 2;
	case 'u':
		if ((hi = hex4(p + 2, end - p - 2)) == -1)
			return NULL;
		p += 6;
		if (hi >= 0xd800 && hi <= 0xdbff && end - p >= 6 &&
		    p[0] == '\\' && p[1] == 'u' &&
		    (lo = hex4(p + 2, 4)) >= 0xdc00 && lo <= 0xdfff) {
			*cp = 0x10000 + ((hi - 0xd800) << 10) + (lo - 0xdc00);
			return p + 6;
		}
		*cp = (uint32_t)hi;
		return p;
	default:
		return NULL;
	}
}

size_t
jsonlex_decode(const char *b, size_t blen, int flags, char *dst)
{
	const char	*p = b, *end = b + blen, *q;
	char		*d = dst;
	uint32_t	 cp;

	while (p < end) {
		q = memchr(p, '\\', end - p);
		if (q == NULL)
			q = end;
		memcpy(d, p, q - p);
		d += q - p;
		p = q;
		if (p >= end)
			break;
		if (end - p < 2) {
			*d++ = *p++;
			break;
		}
		if ((q = jsonlex_escape(p, end, &cp)) == NULL) {
			*d++ = p[1];
			p += 2;
			continue;
		}
		p = q;
		if (cp >= 0xd800 && cp <= 0xdfff)
			cp = 0xfffd;
		if (cp == 0 && (flags & JSONLEX_STRIP_NUL))
			continue;
		d += utf8_encode(cp, d);
	}
	return d - dst;
}
