/*
 * The text form of filters (spec/filters.md §8) and the property path
 * syntax shared with the JSON form (§2.1).  A text is parsed completely
 * first; only then is it validated, by filter_compile() (§6).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "utf8.h"
#include "xmalloc.h"

#include "filter.h"
#include "filter_priv.h"

#define E_PATH		"expected a property path"
#define E_BADPATH	"invalid property path"
#define E_OPERATOR	"expected an operator"
#define E_VALUE		"expected a value"
#define E_LIST		"expected \",\" or \")\""
#define E_UNTERM	"unterminated string"
#define E_ESCAPE	"invalid escape sequence"
#define E_NUMBER	"invalid number"
#define E_CONNECTOR	"expected \"and\", \"or\" or the end of the filter"
#define E_MIX		"cannot mix \"and\" and \"or\" in one filter"

/* The conditions read so far, with the value strings they own. */
struct parser {
	const char		*s;
	size_t			 len;
	size_t			 pos;
	char			*err;
	size_t			 errlen;
	struct filter_input	*in;
	char			***owned;	/* values of in[i] */
	size_t			 n;
	size_t			 cap;
};

static int
is_ws(int c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static int
is_alpha(int c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

static int
is_digit(int c)
{
	return c >= '0' && c <= '9';
}

/* A character of a word: A-Z a-z 0-9 _. */
static int
is_word(int c)
{
	return is_alpha(c) || is_digit(c) || c == '_';
}

/* Append the UTF-8 encoding of the scalar value cp. */
static void
utf8_add(struct filter_buf *b, uint32_t cp)
{
	char	u[4];

	filter_buf_add(b, u, utf8_encode(cp, u));
}

/*
 * Read the string whose quote (' or ") is at s[*pos], with the escapes of
 * §8.2, into out (which is NUL-terminated and may be empty).  Return 0
 * with *pos after the closing quote, or -1 with *why set.
 */
static int
string_scan(const char *s, size_t len, size_t *pos, struct filter_buf *out,
    const char **why)
{
	size_t		 i = *pos + 1, k, ndig;
	char		 q = s[*pos];
	uint32_t	 cp;
	int		 h;

	filter_buf_add(out, "", 0);
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
			filter_buf_addc(out, s[i++]);
			continue;
		}
		if (++i >= len) {
			*why = E_UNTERM;
			return -1;
		}
		switch (s[i]) {
		case 'n':
			filter_buf_addc(out, '\n');
			break;
		case 'r':
			filter_buf_addc(out, '\r');
			break;
		case 't':
			filter_buf_addc(out, '\t');
			break;
		case 'b':
			filter_buf_addc(out, '\b');
			break;
		case 'f':
			filter_buf_addc(out, '\f');
			break;
		case '\\':
		case '"':
		case '\'':
		case '/':
			filter_buf_addc(out, s[i]);
			break;
		case 'u':
		case 'U':
			ndig = s[i] == 'u' ? 4 : 8;
			cp = 0;
			for (k = 1; k <= ndig; k++) {
				if (i + k >= len || (h = utf8_hexdigit(
				    (unsigned char)s[i + k])) == -1) {
					*why = E_ESCAPE;
					return -1;
				}
				cp = cp << 4 | (uint32_t)h;
			}
			if (cp == 0 || cp > 0x10ffff ||
			    (cp >= 0xd800 && cp <= 0xdfff)) {
				*why = E_ESCAPE;
				return -1;
			}
			utf8_add(out, cp);
			i += ndig;
			break;
		default:
			*why = E_ESCAPE;
			return -1;
		}
		i++;
	}
	*pos = i + 1;
	return 0;
}

/* Append a segment to a growing array. */
static void
seg_add(char ***segs, size_t *n, char *seg)
{
	*segs = xreallocarray(*segs, *n + 1, sizeof(**segs));
	(*segs)[(*n)++] = seg;
}

/*
 * Read a property path (§2.1) at s[*pos], which is a letter or "_".
 * Return 0 with the segments and *pos after the path, or -1 with the byte
 * offset of the error in *errpos and its description in *why.
 */
static int
path_scan(const char *s, size_t len, size_t *pos, char ***segsp,
    size_t *nsegsp, size_t *errpos, const char **why)
{
	struct filter_buf	 key;
	char			**segs = NULL;
	size_t			 nsegs = 0, i = *pos, start, open;

	memset(&key, 0, sizeof(key));
	for (;;) {
		start = i;
		while (i < len && is_word((unsigned char)s[i]))
			i++;
		seg_add(&segs, &nsegs, xstrndup(s + start, i - start));
		for (;;) {
			if (i < len && s[i] == '.') {
				if (i + 1 >= len || !(is_alpha((unsigned char)
				    s[i + 1]) || s[i + 1] == '_')) {
					*errpos = i;
					*why = E_BADPATH;
					goto fail;
				}
				i++;
				break;
			}
			if (i >= len || s[i] != '[')
				goto done;
			open = i++;
			if (i >= len || (s[i] != '"' && s[i] != '\'')) {
				*errpos = open;
				*why = E_BADPATH;
				goto fail;
			}
			*errpos = i;
			if (string_scan(s, len, &i, &key, why) == -1)
				goto fail;
			if (key.len == 0 || i >= len || s[i] != ']') {
				*errpos = open;
				*why = E_BADPATH;
				goto fail;
			}
			i++;
			seg_add(&segs, &nsegs, filter_buf_finish(&key));
		}
	}
done:
	free(key.s);
	*pos = i;
	*segsp = segs;
	*nsegsp = nsegs;
	return 0;
fail:
	free(key.s);
	filter_segs_free(segs, nsegs);
	return -1;
}

int
filter_path_split(const char *s, size_t len, char ***segs, size_t *nsegs)
{
	size_t		 pos = 0, errpos;
	const char	*why;

	*segs = NULL;
	*nsegs = 0;
	if (len == 0 || !(is_alpha((unsigned char)s[0]) || s[0] == '_'))
		return -1;
	if (path_scan(s, len, &pos, segs, nsegs, &errpos, &why) == -1)
		return -1;
	if (pos != len) {
		filter_segs_free(*segs, *nsegs);
		*segs = NULL;
		*nsegs = 0;
		return -1;
	}
	return 0;
}

/*
 * Report a syntax error at byte offset off: the position is 1-based and
 * counted in code points (§8.4); a byte that does not continue a UTF-8
 * sequence starts one.
 */
static int
perr(struct parser *p, size_t off, const char *fmt, const char *op)
{
	char	 desc[128];
	size_t	 i, n = 1;

	for (i = 0; i < off && i < p->len; i++)
		if (((unsigned char)p->s[i] & 0xc0) != 0x80)
			n++;
	snprintf(desc, sizeof(desc), fmt, op);
	if (p->err != NULL && p->errlen > 0)
		snprintf(p->err, p->errlen, "syntax error at position %zu: %s",
		    n, desc);
	return -1;
}

static size_t
skip_ws(const struct parser *p, size_t i)
{
	while (i < p->len && is_ws((unsigned char)p->s[i]))
		i++;
	return i;
}

/*
 * Match the longest operator at pos (§8.1): its words separated by
 * whitespace, the last one followed by whitespace, "(", a quote or the end.
 * Return its index with *end after it, or -1.
 */
static int
op_match(const struct parser *p, size_t pos, size_t *end)
{
	const char	*w;
	size_t		 i, q, wl, words, bestwords = 0;
	int		 best = -1;

	for (i = 0; i < FOP_COUNT; i++) {
		q = pos;
		words = 0;
		for (w = filter_ops[i].name;; w += wl + 1) {
			wl = strcspn(w, " ");
			if (p->len - q < wl || memcmp(p->s + q, w, wl) != 0)
				break;
			q += wl;
			words++;
			if (w[wl] == '\0') {
				if (q < p->len && !is_ws((unsigned char)
				    p->s[q]) && p->s[q] != '(' &&
				    p->s[q] != '\'' && p->s[q] != '"')
					break;
				if (words > bestwords) {
					best = (int)i;
					bestwords = words;
					*end = q;
				}
				break;
			}
			if (q >= p->len || !is_ws((unsigned char)p->s[q]))
				break;
			q = skip_ws(p, q);
		}
	}
	return best;
}

/*
 * Read one value at *pos into the current condition (§8.1, §8.4).  A
 * number token extends over [0-9A-Za-z_.+-] and a word over [A-Za-z0-9_],
 * so what follows a value is never part of it: a missing delimiter is
 * reported by the caller, where a connector, "," or ")" was expected.
 */
static int
value_scan(struct parser *p, size_t *pos)
{
	struct filter_input	*in = &p->in[p->n - 1];
	struct filter_buf	 b;
	const char		*why;
	size_t			 i = *pos, end;
	char			*v;
	int			 c = i < p->len ? (unsigned char)p->s[i] : 0;

	memset(&b, 0, sizeof(b));
	if (c == '\'' || c == '"') {
		end = i;
		if (string_scan(p->s, p->len, &end, &b, &why) == -1) {
			free(b.s);
			return perr(p, i, "%s", why);
		}
		v = filter_buf_finish(&b);
	} else if (is_digit(c) || c == '+' || c == '-' || c == '.') {
		for (end = i; end < p->len && (is_word((unsigned char)
		    p->s[end]) || p->s[end] == '.' || p->s[end] == '+' ||
		    p->s[end] == '-'); end++)
			;
		if (!filter_is_number(p->s + i, end - i))
			return perr(p, i, "%s", E_NUMBER);
		v = xstrndup(p->s + i, end - i);
	} else if (is_alpha(c)) {
		for (end = i; end < p->len && is_word((unsigned char)
		    p->s[end]); end++)
			;
		if (!(end - i == 4 && memcmp(p->s + i, "true", 4) == 0) &&
		    !(end - i == 5 && memcmp(p->s + i, "false", 5) == 0))
			return perr(p, i, "%s", E_VALUE);
		v = xstrndup(p->s + i, end - i);
	} else
		return perr(p, i, "%s", E_VALUE);

	in->vals = xreallocarray(in->vals, in->nvals + 1, sizeof(*in->vals));
	in->lens = xreallocarray(in->lens, in->nvals + 1, sizeof(*in->lens));
	p->owned[p->n - 1] = xreallocarray(p->owned[p->n - 1], in->nvals + 1,
	    sizeof(**p->owned));
	p->owned[p->n - 1][in->nvals] = v;
	in->vals[in->nvals] = v;
	/* A string value holds no NUL: the text ends at the first one. */
	in->lens[in->nvals] = strlen(v);
	in->nvals++;
	*pos = end;
	return 0;
}

/* Read one condition at p->pos (§8.1). */
static int
cond_parse(struct parser *p)
{
	struct filter_input	*in;
	const char		*why, *opname;
	size_t			 i = p->pos, q, end = 0, errpos;
	int			 op;

	if (i >= p->len || !(is_alpha((unsigned char)p->s[i]) ||
	    p->s[i] == '_'))
		return perr(p, i, "%s", E_PATH);
	if (p->n == p->cap) {
		p->cap = p->cap ? p->cap * 2 : 4;
		p->in = xreallocarray(p->in, p->cap, sizeof(*p->in));
		p->owned = xreallocarray(p->owned, p->cap, sizeof(*p->owned));
	}
	in = &p->in[p->n];
	memset(in, 0, sizeof(*in));
	p->owned[p->n] = NULL;
	p->n++;
	if (path_scan(p->s, p->len, &i, &in->segs, &in->nsegs, &errpos,
	    &why) == -1)
		return perr(p, errpos, "%s", why);

	q = skip_ws(p, i);
	if (q == i || q >= p->len || (op = op_match(p, q, &end)) == -1)
		return perr(p, q, "%s", E_OPERATOR);
	opname = filter_ops[op].name;
	in->op = opname;
	in->oplen = strlen(opname);
	i = end;

	switch (filter_ops[op].nvals) {
	case FVALS_NONE:
		break;
	case FVALS_ONE:
		in->hasvals = 1;
		q = skip_ws(p, i);
		if (q < p->len && p->s[q] == '(')
			return perr(p, q, "unexpected \"(\" after the operator "
			    "\"%s\"", opname);
		if (value_scan(p, &q) == -1)
			return -1;
		i = q;
		break;
	default:
		in->hasvals = 1;
		q = skip_ws(p, i);
		if (q >= p->len || p->s[q] != '(')
			return perr(p, q, "expected \"(\" after the operator "
			    "\"%s\"", opname);
		q = skip_ws(p, q + 1);
		if (q < p->len && p->s[q] == ')') {
			i = q + 1;
			break;
		}
		for (;;) {
			if (value_scan(p, &q) == -1)
				return -1;
			q = skip_ws(p, q);
			if (q < p->len && p->s[q] == ',') {
				q = skip_ws(p, q + 1);
				continue;
			}
			if (q < p->len && p->s[q] == ')')
				break;
			return perr(p, q, "%s", E_LIST);
		}
		i = q + 1;
		break;
	}
	p->pos = i;
	return 0;
}

/* Free what the parser still owns. */
static void
parser_release(struct parser *p)
{
	size_t	 i, k;

	for (i = 0; i < p->n; i++) {
		filter_segs_free(p->in[i].segs, p->in[i].nsegs);
		for (k = 0; k < p->in[i].nvals; k++)
			free(p->owned[i][k]);
		free(p->owned[i]);
		free(p->in[i].vals);
		free(p->in[i].lens);
	}
	free(p->in);
	free(p->owned);
}

struct filter *
filter_parse(const char *text, char *err, size_t errlen)
{
	struct parser	 p;
	struct filter	*f = NULL;
	size_t		 q, w;
	int		 logical = -1, conn;

	memset(&p, 0, sizeof(p));
	p.s = text;
	p.len = strlen(text);
	p.err = err;
	p.errlen = errlen;
	p.pos = skip_ws(&p, 0);
	for (;;) {
		if (cond_parse(&p) == -1)
			goto out;
		q = skip_ws(&p, p.pos);
		if (q >= p.len)
			break;
		for (w = q; w < p.len && is_word((unsigned char)p.s[w]); w++)
			;
		if (q == p.pos || w >= p.len ||
		    !is_ws((unsigned char)p.s[w])) {
			perr(&p, q, "%s", E_CONNECTOR);
			goto out;
		}
		if (w - q == 3 && memcmp(p.s + q, "and", 3) == 0)
			conn = FILTER_LOGICAL_AND;
		else if (w - q == 2 && memcmp(p.s + q, "or", 2) == 0)
			conn = FILTER_LOGICAL_OR;
		else {
			perr(&p, q, "%s", E_CONNECTOR);
			goto out;
		}
		if (logical != -1 && conn != logical) {
			perr(&p, q, "%s", E_MIX);
			goto out;
		}
		logical = conn;
		p.pos = skip_ws(&p, w);
	}
	f = filter_compile(logical == -1 ? FILTER_LOGICAL_AND : logical,
	    p.in, p.n, err, errlen);
out:
	parser_release(&p);
	return f;
}
