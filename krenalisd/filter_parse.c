/*
 * The text form of filters (spec/filters.md §8).  A text is parsed
 * completely into inputs first; only then is it validated, by
 * filter_compile() (§6).  It calls filter.c, filter_path.c and
 * filter_value.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xmalloc.h"

#include "filter.h"
#include "filter_priv.h"

#define E_OPERATOR	"expected an operator"
#define E_VALUE		"expected a value"
#define E_LIST		"expected \",\" or \")\""
#define E_NUMBER	"invalid number"
#define E_CONNECTOR	"expected \"and\", \"or\" or the end of the filter"
#define E_MIX		"cannot mix \"and\" and \"or\" in one filter"

/* The conditions read so far, and the value strings they borrow. */
struct parser {
	const char		*s;
	size_t			 len;
	size_t			 pos;
	char			*err;
	size_t			 errlen;
	struct filter_input	*in;
	size_t			 n;
	size_t			 cap;
	char			**strs;
	size_t			 nstrs;
};

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
	filter_err(p->err, p->errlen, "syntax error at position %zu: %s", n,
	    desc);
	return -1;
}

static size_t
skip_ws(const struct parser *p, size_t i)
{
	while (i < p->len && filter_isspace((unsigned char)p->s[i]))
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
				if (q < p->len && !filter_isspace(
				    (unsigned char)p->s[q]) &&
				    p->s[q] != '(' && p->s[q] != '\'' &&
				    p->s[q] != '"')
					break;
				if (words > bestwords) {
					best = (int)i;
					bestwords = words;
					*end = q;
				}
				break;
			}
			if (q >= p->len ||
			    !filter_isspace((unsigned char)p->s[q]))
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
	struct buf		 b;
	const char		*why;
	size_t			 i = *pos, end;
	char			*v;
	int			 c = i < p->len ? (unsigned char)p->s[i] : 0;

	buf_init(&b);
	if (c == '\'' || c == '"') {
		end = i;
		if (filter_string_scan(p->s, p->len, &end, &b, &why) == -1) {
			buf_release(&b);
			return perr(p, i, "%s", why);
		}
		v = buf_finish(&b);
	} else if (filter_isdigit(c) || c == '+' || c == '-' || c == '.') {
		for (end = i; end < p->len && (filter_isword((unsigned char)
		    p->s[end]) || p->s[end] == '.' || p->s[end] == '+' ||
		    p->s[end] == '-'); end++)
			;
		if (!filter_is_number(p->s + i, end - i))
			return perr(p, i, "%s", E_NUMBER);
		v = xstrndup(p->s + i, end - i);
	} else if (filter_isalpha(c)) {
		for (end = i; end < p->len && filter_isword((unsigned char)
		    p->s[end]); end++)
			;
		if (!(end - i == 4 && memcmp(p->s + i, "true", 4) == 0) &&
		    !(end - i == 5 && memcmp(p->s + i, "false", 5) == 0))
			return perr(p, i, "%s", E_VALUE);
		v = xstrndup(p->s + i, end - i);
	} else
		return perr(p, i, "%s", E_VALUE);

	p->strs = xreallocarray(p->strs, p->nstrs + 1, sizeof(*p->strs));
	p->strs[p->nstrs++] = v;
	in->vals = xreallocarray(in->vals, in->nvals + 1, sizeof(*in->vals));
	in->lens = xreallocarray(in->lens, in->nvals + 1, sizeof(*in->lens));
	in->vals[in->nvals] = v;
	/* A value holds no NUL: filter_string_scan refuses one. */
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

	if (p->n == p->cap) {
		p->cap = p->cap ? p->cap * 2 : 4;
		p->in = xreallocarray(p->in, p->cap, sizeof(*p->in));
	}
	in = &p->in[p->n++];
	memset(in, 0, sizeof(*in));
	if (filter_path_scan(p->s, p->len, &i, &in->path, &errpos,
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

struct filter *
filter_parse(const char *text, size_t len, char *err, size_t errlen)
{
	struct parser	 p;
	struct filter	*f = NULL;
	size_t		 q, w, i;
	int		 logical = -1, conn;

	memset(&p, 0, sizeof(p));
	p.s = text;
	p.len = len;
	p.err = err;
	p.errlen = errlen;
	p.pos = skip_ws(&p, 0);
	for (;;) {
		if (cond_parse(&p) == -1)
			goto out;
		q = skip_ws(&p, p.pos);
		if (q >= p.len)
			break;
		for (w = q; w < p.len && filter_isword((unsigned char)p.s[w]);
		    w++)
			;
		if (q == p.pos || w >= p.len ||
		    !filter_isspace((unsigned char)p.s[w])) {
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
	filter_inputs_free(p.in, p.n);
	for (i = 0; i < p.nstrs; i++)
		free(p.strs[i]);
	free(p.strs);
	return f;
}
