/* The jansson read-back check of the fuzz targets; see readable.h. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "readable.h"

/* The kinds of token jansson refuses in valid JSON. */
#define KNOWN_BIG_INTEGER	0x1	/* beyond json_int_t */
#define KNOWN_REAL_OVERFLOW	0x2	/* beyond a double: 1e999 */
#define KNOWN_LONE_SURROGATE	0x4	/* "\ud800" */
#define KNOWN_NUL_IN_KEY	0x8	/* {"a\u0000b":1} */

static void	fail(const char *what, const char *why, const char *text,
		    size_t len) __attribute__((__noreturn__));

static void
fail(const char *what, const char *why, const char *text, size_t len)
{
	fprintf(stderr, "%s: %s\n  text (%zu bytes): %.*s\n", what, why, len,
	    len > 4096 ? 4096 : (int)len, text);
	abort();
}

/* The value of the four hex digits at p. */
static unsigned int
hex4(const char *p)
{
	unsigned int	v = 0;
	int		i;

	for (i = 0; i < 4; i++)
		v = v << 4 | (p[i] <= '9' ? p[i] - '0' :
		    (p[i] | 0x20) - 'a' + 10);
	return v;
}

static int
is_high(unsigned int v)
{
	return v >= 0xd800 && v <= 0xdbff;
}

static int
is_low(unsigned int v)
{
	return v >= 0xdc00 && v <= 0xdfff;
}

/*
 * Copy the string token at text[i] (its opening quote) to out, turning a
 * lone surrogate escape into \ufffd and, in a member name, \u0000 into
 * \u0001; return the index after its closing quote.
 */
static size_t
copy_string(const char *text, size_t len, size_t i, char *out, size_t *o,
    int *known)
{
	size_t		 start = *o, j, k;
	unsigned int	 v;

	out[(*o)++] = text[i++];
	while (i < len && text[i] != '"') {
		if (text[i] != '\\') {
			out[(*o)++] = text[i++];
			continue;
		}
		if (text[i + 1] != 'u') {
			out[(*o)++] = text[i++];
			out[(*o)++] = text[i++];
			continue;
		}
		v = hex4(text + i + 2);
		if (is_high(v) && i + 12 <= len && text[i + 6] == '\\' &&
		    text[i + 7] == 'u' && is_low(hex4(text + i + 8))) {
			memcpy(out + *o, text + i, 12);
			*o += 12;
			i += 12;
			continue;
		}
		memcpy(out + *o, text + i, 6);
		if (is_high(v) || is_low(v)) {
			memcpy(out + *o, "\\ufffd", 6);
			*known |= KNOWN_LONE_SURROGATE;
		}
		*o += 6;
		i += 6;
	}
	out[(*o)++] = '"';
	i++;
	/* A member name is followed by a colon. */
	for (k = i; k < len && strchr(" \t\r\n", text[k]) != NULL; k++)
		continue;
	if (k < len && text[k] == ':') {
		for (j = start; j + 6 <= *o; j++) {
			if (out[j] == '\\' && out[j + 1] == '\\') {
				j++;
				continue;
			}
			if (memcmp(out + j, "\\u0000", 6) == 0) {
				memcpy(out + j, "\\u0001", 6);
				*known |= KNOWN_NUL_IN_KEY;
			}
		}
	}
	return i;
}

/*
 * Copy the number token at text[i] to out, as 0 when jansson cannot hold
 * it; return the index after it.
 */
static size_t
copy_number(const char *text, size_t len, size_t i, char *out, size_t *o,
    int *known)
{
	char	 tok[512], *big = NULL, *s = tok;
	size_t	 n, end;
	int	 real;
	double	 d;

	for (end = i; end < len && strchr("-+0123456789.eE", text[end]) !=
	    NULL && text[end] != '\0'; end++)
		continue;
	n = end - i;
	if (n >= sizeof(tok))
		s = big = malloc(n + 1);
	memcpy(s, text + i, n);
	s[n] = '\0';
	real = strpbrk(s, ".eE") != NULL;
	errno = 0;
	if (real) {
		d = strtod(s, NULL);
		if (errno == ERANGE && isinf(d)) {
			*known |= KNOWN_REAL_OVERFLOW;
			n = 0;
		}
	} else {
		(void)strtoll(s, NULL, 10);
		if (errno == ERANGE) {
			*known |= KNOWN_BIG_INTEGER;
			n = 0;
		}
	}
	if (n == 0)
		out[(*o)++] = '0';
	else {
		memcpy(out + *o, s, n);
		*o += n;
	}
	free(big);
	return end;
}

/* Whether jansson's refusal err is one of the known kinds found. */
static int
known_error(const json_error_t *err, int known)
{
	switch (json_error_code(err)) {
	case json_error_numeric_overflow:
		return (known & (KNOWN_BIG_INTEGER | KNOWN_REAL_OVERFLOW)) != 0;
	case json_error_null_byte_in_key:
		return (known & KNOWN_NUL_IN_KEY) != 0;
	case json_error_invalid_syntax:
		return (known & KNOWN_LONE_SURROGATE) != 0 &&
		    strncmp(err->text, "invalid Unicode", 15) == 0;
	default:
		return 0;
	}
}

void
readable_check(const char *what, const char *text, size_t len)
{
	const size_t	 flags = JSON_DECODE_ANY | JSON_ALLOW_NUL;
	json_error_t	 err, err2;
	json_t		*j;
	char		*out, why[300];
	size_t		 i = 0, o = 0;
	int		 known = 0;

	if ((j = json_loadb(text, len, flags, &err)) != NULL) {
		json_decref(j);
		return;
	}
	/* Each token is copied, shortened or of the same length. */
	out = malloc(len + 1);
	while (i < len) {
		if (text[i] == '"')
			i = copy_string(text, len, i, out, &o, &known);
		else if (text[i] == '-' || (text[i] >= '0' && text[i] <= '9'))
			i = copy_number(text, len, i, out, &o, &known);
		else
			out[o++] = text[i++];
	}
	if (!known_error(&err, known)) {
		snprintf(why, sizeof(why), "jansson cannot read it: %s "
		    "(position %d)", err.text, err.position);
		fail(what, why, text, len);
	}
	if ((j = json_loadb(out, o, flags, &err2)) == NULL) {
		snprintf(why, sizeof(why), "jansson cannot read it even "
		    "without its known unreadable tokens: %s (position %d)",
		    err2.text, err2.position);
		fail(what, why, out, o);
	}
	json_decref(j);
	free(out);
}
