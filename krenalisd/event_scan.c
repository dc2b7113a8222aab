/*
 * Reading the raw text of an event (spec/events.md §4, §7.4): a cursor
 * over it, the members of its objects and their keys, and the readers of
 * member values, which decode strings into the owner's arena and keep
 * objects as compact text (§6).  The JSON primitives are common/jsonlex.
 */
#include <stdint.h>
#include <string.h>

#include "jsonlex.h"
#include "number.h"
#include "event_priv.h"

int
event_scan_lookup(const struct event_name *t, size_t n, const char *s,
    size_t len)
{
	size_t	i;

	/* No name is empty: s[0] is read only when len is not 0. */
	for (i = 0; i < n; i++)
		if (t[i].len == len && t[i].name[0] == s[0] &&
		    memcmp(t[i].name, s, len) == 0)
			return t[i].id;
	return -1;
}

/*
 * Scan the string at s->p (on its opening quote): set *body and *blen to
 * its escaped content and *esc when it holds a backslash.
 */
static int
sc_string(struct event_scan *s, const char **body, size_t *blen, int *esc)
{
	const char	*q;

	if ((q = jsonlex_string(s->p, s->end, esc)) == NULL)
		return -1;
	*body = s->p + 1;
	*blen = q - 1 - *body;
	s->p = q;
	return 0;
}

/* Scan a number, true, false or null; set its span. */
static int
sc_token(struct event_scan *s, const char **tok, size_t *len)
{
	const char	*q;

	if ((q = jsonlex_token(s->p, s->end)) == s->p)
		return -1;
	*tok = s->p;
	*len = q - s->p;
	s->p = q;
	return 0;
}

int
event_scan_skip(struct event_scan *s)
{
	return (s->p = jsonlex_skip(s->p, s->end)) == NULL ? -1 : 0;
}

int
event_scan_object_begin(struct event_scan *s)
{
	if (s->p >= s->end || *s->p != '{')
		return -1;
	s->p++;
	return 0;
}

int
event_scan_object_next(struct event_scan *s, int *first, const char **key,
    size_t *klen, int *kesc)
{
	s->p = jsonlex_ws(s->p, s->end);
	if (s->p >= s->end)
		return -1;
	if (*s->p == '}') {
		s->p++;
		return 0;
	}
	if (!*first) {
		if (*s->p != ',')
			return -1;
		s->p++;
		s->p = jsonlex_ws(s->p, s->end);
		if (s->p >= s->end)
			return -1;
	}
	*first = 0;
	if (*s->p != '"' || sc_string(s, key, klen, kesc) == -1)
		return -1;
	s->p = jsonlex_ws(s->p, s->end);
	if (s->p >= s->end || *s->p != ':')
		return -1;
	s->p++;
	s->p = jsonlex_ws(s->p, s->end);
	return 1;
}

char *
event_scan_str(struct arena **ap, const char *b, size_t blen, int esc,
    int strip, size_t *len)
{
	char	*d;
	size_t	 n;

	d = arena_alloc(ap, blen + 1, 1);
	if (esc)
		n = jsonlex_decode(b, blen, strip ? JSONLEX_STRIP_NUL : 0, d);
	else {
		memcpy(d, b, blen);
		n = blen;
	}
	d[n] = '\0';
	*len = n;
	return d;
}

size_t
event_scan_key(const char *b, size_t blen, int esc, char *buf)
{
	char	tmp[EVENT_KEYBUF * 6];
	size_t	n;

	if (!esc) {
		if (blen >= EVENT_KEYBUF)
			return EVENT_KEYBUF;
		memcpy(buf, b, blen);
		return blen;
	}
	if (blen > sizeof(tmp))
		return EVENT_KEYBUF;
	n = jsonlex_decode(b, blen, 0, tmp);
	if (n >= EVENT_KEYBUF)
		return EVENT_KEYBUF;
	memcpy(buf, tmp, n);
	return n;
}

/*
 * Copy the JSON text of len bytes at src into dst without the whitespace
 * outside strings (§6); return the new length.
 */
static size_t
json_compact(const char *src, size_t len, char *dst)
{
	const char	*p = src, *end = src + len;
	char		*d = dst;

	while (p < end) {
		switch (*p) {
		case ' ':
		case '\t':
		case '\n':
		case '\r':
			p++;
			break;
		case '"':
			*d++ = *p++;
			while (p < end && *p != '"') {
				if (*p == '\\' && p + 1 < end)
					*d++ = *p++;
				*d++ = *p++;
			}
			if (p < end)
				*d++ = *p++;
			break;
		default:
			*d++ = *p++;
			break;
		}
	}
	return d - dst;
}

enum event_rd
event_read_open(struct event_scan *s, unsigned kinds)
{
	enum jsonlex_kind	k;

	k = jsonlex_kind(s->p, s->end);
	if (k == JSONLEX_NULL) {
		s->p += 4;
		return RD_ABSENT;
	}
	if (k == JSONLEX_BAD)
		return RD_SYNTAX;
	return kinds & RD_KIND(k) ? RD_VALUE : RD_TYPE;
}

enum event_rd
event_read_string(struct event_scan *s, struct arena **ap, const char **out,
    size_t *len)
{
	const char	*b;
	size_t		 blen;
	int		 esc;
	enum event_rd	 rd;

	if ((rd = event_read_open(s, RD_KIND(JSONLEX_STRING))) != RD_VALUE)
		return rd;
	if (sc_string(s, &b, &blen, &esc) == -1)
		return RD_SYNTAX;
	*out = event_scan_str(ap, b, blen, esc, 1, len);
	return *len == 0 ? RD_ABSENT : RD_VALUE;
}

enum event_rd
event_read_bool(struct event_scan *s, int *v)
{
	enum event_rd	rd;

	if ((rd = event_read_open(s, RD_KIND(JSONLEX_TRUE) |
	    RD_KIND(JSONLEX_FALSE))) != RD_VALUE)
		return rd;
	*v = *s->p == 't';
	s->p += *v ? 4 : 5;
	return RD_VALUE;
}

enum event_rd
event_read_number(struct event_scan *s, const char **tok, size_t *len)
{
	enum event_rd	rd;

	if ((rd = event_read_open(s, RD_KIND(JSONLEX_NUMBER))) != RD_VALUE)
		return rd;
	return sc_token(s, tok, len) == -1 ? RD_SYNTAX : RD_VALUE;
}

enum event_rd
event_read_int(struct event_scan *s, struct arena **ap, int strings,
    int64_t *v)
{
	const char	*t;
	size_t		 n, i;
	enum event_rd	 r;

	if (strings && jsonlex_kind(s->p, s->end) == JSONLEX_STRING) {
		if ((r = event_read_string(s, ap, &t, &n)) != RD_VALUE)
			return r == RD_ABSENT ? RD_TYPE : r;
		i = n > 0 && t[0] == '-';
		if (i == n)
			return RD_TYPE;
		for (; i < n; i++)
			if (t[i] < '0' || t[i] > '9')
				return RD_TYPE;
		return number_parse_int(t, n, v) == -1 ? RD_NOTINT :
		    RD_VALUE;
	}
	if ((r = event_read_number(s, &t, &n)) != RD_VALUE)
		return r;
	/* One trailing ".0" is allowed (§7.4). */
	if (n >= 2 && t[n - 2] == '.' && t[n - 1] == '0')
		n -= 2;
	return number_parse_int(t, n, v) == -1 ? RD_NOTINT : RD_VALUE;
}

enum event_rd
event_read_object(struct event_scan *s, struct arena **ap, const char **out,
    size_t *len)
{
	const char	*start = s->p;
	char		*d;
	enum event_rd	 rd;

	if ((rd = event_read_open(s, RD_KIND(JSONLEX_OBJECT))) != RD_VALUE)
		return rd;
	if (event_scan_skip(s) == -1)
		return RD_SYNTAX;
	d = arena_alloc(ap, s->p - start + 1, 1);
	*len = json_compact(start, s->p - start, d);
	d[*len] = '\0';
	*out = d;
	return RD_VALUE;
}
