/*
 * Evaluation of compiled filters on normalised events (spec/filters.md §7).
 * Nothing here allocates or parses a condition: values were pre-parsed by
 * filter_compile(); only the event's own values are read (numbers as exact
 * decimals, timestamp strings as instants, IP texts as addresses).  The
 * structure and strings of properties and traits come from the jansson
 * object; their numbers, when the event gives its raw texts, come from
 * those, found by walking the text in place with jsonlex, without building
 * anything; a text that does not walk falls back to jansson's values.  It
 * calls filter.c (the operator table) and filter_value.c.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "jsonlex.h"
#include "number.h"
#include "utf8.h"

#include "filter.h"
#include "filter_priv.h"

#define DECBUF	40	/* a jansson number as "%.16e" or an int64 */

/* A borrowed byte string of the event. */
struct bytes {
	const char	*s;
	size_t		 len;
};

/*
 * A value inside the raw text of properties or traits: p is its first
 * byte (NULL when unknown) and end the end of the whole text.
 */
struct raw {
	const char	*p;
	const char	*end;
};

/* Follow the path through JSON objects; NULL when missing (§7.2). */
static const json_t *
prop_read(const json_t *event, const struct filter_cond *c)
{
	const json_t	*v = event;
	size_t		 i;

	for (i = 0; i < c->path.nsegs; i++) {
		if (!json_is_object(v))
			return NULL;
		if ((v = json_object_get(v, c->path.segs[i])) == NULL)
			return NULL;
	}
	return v;
}

/* Byte-wise order; a proper prefix is smaller. */
static int
bytes_cmp(const char *a, size_t alen, const char *b, size_t blen)
{
	int	 r;

	r = memcmp(a, b, alen < blen ? alen : blen);
	if (r == 0 && alen != blen)
		return alen < blen ? -1 : 1;
	return r < 0 ? -1 : r > 0;
}

/*
 * A JSON number as an exact decimal, written in buf[DECBUF] (d points into
 * it).  jansson keeps integers as 64-bit integers and other numbers as
 * doubles; a double is taken as the shortest decimal that reads back as
 * the same double, which is the text it came from whenever that text has
 * at most 15 significant digits.
 */
static int
json_dec(const json_t *v, struct filter_dec *d, char *buf)
{
	double	 x;
	int	 n = 0, prec;

	if (json_is_integer(v))
		n = snprintf(buf, DECBUF, "%" JSON_INTEGER_FORMAT,
		    json_integer_value(v));
	else if (json_is_real(v)) {
		x = json_real_value(v);
		if (!isfinite(x))
			return -1;
		for (prec = 15; prec <= 17; prec++) {
			n = snprintf(buf, DECBUF, "%.*e", prec - 1, x);
			if (strtod(buf, NULL) == x)
				break;
		}
	} else
		return -1;
	if (n <= 0 || n >= DECBUF)
		return -1;
	filter_dec_parse(buf, (size_t)n, d);
	return 0;
}

/*
 * Compare the JSON string whose quote is at p, decoded, with key.  Return
 * 1 when equal, 0 when not, -1 when the text is not well formed; *next is
 * after the string.  A key never holds a lone surrogate, so a string that
 * does is not equal to it.
 */
static int
raw_key_eq(const char *p, const char *end, const char *key,
    const char **next)
{
	char		 u[4];
	const char	*c;
	uint32_t	 cp;
	size_t		 n, k;
	int		 eq = 1;

	for (p++;;) {
		if (p >= end)
			return -1;
		if (*p == '"')
			break;
		if (*p != '\\') {
			c = p++;
			n = 1;
		} else {
			if ((p = jsonlex_escape(p, end, &cp)) == NULL)
				return -1;
			if (cp >= 0xd800 && cp <= 0xdfff) {
				eq = 0;
				continue;
			}
			c = u;
			n = utf8_encode(cp, u);
		}
		for (k = 0; k < n; k++) {
			if (eq && *key != '\0' && *key == c[k])
				key++;
			else
				eq = 0;
		}
	}
	*next = p + 1;
	return eq && *key == '\0';
}

/*
 * Find the value at the keys segs[0..n) inside the raw object text; NULL
 * when it is not there (or the text is not well formed).
 */
static const char *
raw_find(const char *p, const char *end, char *const *segs, size_t n)
{
	size_t	 i;
	int	 r;

	for (i = 0; i < n; i++) {
		p = jsonlex_ws(p, end);
		if (p >= end || *p != '{')
			return NULL;
		p = jsonlex_ws(p + 1, end);
		for (;;) {
			if (p >= end || *p != '"' ||
			    (r = raw_key_eq(p, end, segs[i], &p)) == -1)
				return NULL;
			p = jsonlex_ws(p, end);
			if (p >= end || *p != ':')
				return NULL;
			p = jsonlex_ws(p + 1, end);
			if (r == 1)
				break;
			if ((p = jsonlex_skip(p, end)) == NULL)
				return NULL;
			p = jsonlex_ws(p, end);
			if (p >= end || *p != ',')
				return NULL;
			p = jsonlex_ws(p + 1, end);
		}
	}
	return p;
}

/*
 * The exact decimal of the JSON number v: its raw text when there is one,
 * otherwise what jansson holds.
 */
static int
num_dec(const json_t *v, const struct raw *raw, struct filter_dec *d,
    char *buf)
{
	const char	*q;

	if (raw != NULL && raw->p != NULL) {
		for (q = raw->p; q < raw->end && *q != '\0' &&
		    strchr("+-0123456789.eE", *q) != NULL; q++)
			;
		if (q > raw->p && filter_is_decimal(raw->p,
		    (size_t)(q - raw->p))) {
			filter_dec_parse(raw->p, (size_t)(q - raw->p), d);
			return 0;
		}
	}
	return json_dec(v, d, buf);
}

/* An int property: a JSON integer, a string of digits or an integral real. */
static int
json_int(const json_t *v, int64_t *out)
{
	double	 x;

	if (json_is_integer(v)) {
		*out = json_integer_value(v);
		return 0;
	}
	if (json_is_real(v)) {
		x = json_real_value(v);
		if (x != floor(x) || x < -9223372036854775808.0 ||
		    x >= 9223372036854775808.0)
			return -1;
		*out = (int64_t)x;
		return 0;
	}
	if (!json_is_string(v))
		return -1;
	return number_parse_int(json_string_value(v), json_string_length(v),
	    out);
}

static int
cmp_str(const void *ev, const struct filter_value *v)
{
	const struct bytes	*b = ev;

	return bytes_cmp(b->s, b->len, v->str, v->len);
}

static int
cmp_int(const void *ev, const struct filter_value *v)
{
	int64_t	 i = *(const int64_t *)ev;

	return i < v->i ? -1 : i > v->i;
}

static int
cmp_float(const void *ev, const struct filter_value *v)
{
	double	 f = *(const double *)ev;

	return f < v->f ? -1 : f > v->f;
}

static int
cmp_dec(const void *ev, const struct filter_value *v)
{
	return filter_dec_cmp(ev, &v->num);
}

static int
cmp_instant(const void *ev, const struct filter_value *v)
{
	const struct filter_instant	*t = ev;

	if (t->ms != v->t.ms)
		return t->ms < v->t.ms ? -1 : 1;
	return t->ns < v->t.ns ? -1 : t->ns > v->t.ns;
}

/* Whether "event <op> value" holds, given cmp(event, value). */
static int
cmp_holds(enum filter_op pos, int r)
{
	switch (pos) {
	case FOP_IS:
	case FOP_ONE_OF:
		return r == 0;
	case FOP_LT:
	case FOP_BEFORE:
		return r < 0;
	case FOP_LE:
	case FOP_ON_OR_BEFORE:
		return r <= 0;
	case FOP_GT:
	case FOP_AFTER:
		return r > 0;
	case FOP_GE:
	case FOP_ON_OR_AFTER:
		return r >= 0;
	default:
		return 0;
	}
}

/*
 * The comparison operators (is, <, <=, >, >=, between, one of, before,
 * after and their "or equal" forms) with the given order.
 */
static int
ordered_eval(const struct filter_cond *c, enum filter_op pos,
    int (*cmp)(const void *, const struct filter_value *), const void *ev)
{
	size_t	 i;

	switch (pos) {
	case FOP_BETWEEN:
		return cmp(ev, &c->values[0]) >= 0 &&
		    cmp(ev, &c->values[1]) <= 0;
	case FOP_ONE_OF:
		for (i = 0; i < c->nvalues; i++)
			if (cmp(ev, &c->values[i]) == 0)
				return 1;
		return 0;
	default:
		return cmp_holds(pos, cmp(ev, &c->values[0]));
	}
}

/* contains, starts with, ends with on a string. */
static int
affix_eval(enum filter_op pos, const struct bytes *b,
    const struct filter_value *v)
{
	switch (pos) {
	case FOP_CONTAINS:
		return memmem(b->s, b->len, v->str, v->len) != NULL;
	case FOP_STARTS_WITH:
		return b->len >= v->len && memcmp(b->s, v->str, v->len) == 0;
	case FOP_ENDS_WITH:
		return b->len >= v->len &&
		    memcmp(b->s + b->len - v->len, v->str, v->len) == 0;
	default:
		return 0;
	}
}

/*
 * A present, non-null value of a typed (not json) property (§7.4).  A
 * value of an unexpected JSON type, which a normalised event never has,
 * satisfies no positive operator.
 */
static int
typed_eval(const struct filter_cond *c, enum filter_op pos, const json_t *v)
{
	struct filter_dec	 d;
	struct filter_instant	 t;
	struct ipaddr		 ip;
	struct bytes		 b;
	char			 buf[DECBUF];
	int64_t			 i;
	double			 f;

	switch (c->kind) {
	case FK_STRING:
	case FK_ENUM:
		if (!json_is_string(v))
			return 0;
		b.s = json_string_value(v);
		b.len = json_string_length(v);
		if (pos == FOP_EMPTY)
			return b.len == 0;
		if (pos == FOP_CONTAINS || pos == FOP_STARTS_WITH ||
		    pos == FOP_ENDS_WITH)
			return affix_eval(pos, &b, &c->values[0]);
		return ordered_eval(c, pos, cmp_str, &b);
	case FK_INT:
		if (json_int(v, &i) == -1)
			return 0;
		return ordered_eval(c, pos, cmp_int, &i);
	case FK_FLOAT:
		if (!json_is_number(v))
			return 0;
		f = json_number_value(v);
		return ordered_eval(c, pos, cmp_float, &f);
	case FK_DECIMAL:
		if (json_dec(v, &d, buf) == -1)
			return 0;
		return ordered_eval(c, pos, cmp_dec, &d);
	case FK_DATETIME:
		if (!json_is_string(v) || filter_instant_parse(
		    json_string_value(v), json_string_length(v), &t) == -1)
			return 0;
		return ordered_eval(c, pos, cmp_instant, &t);
	case FK_IP:
		if (!json_is_string(v) || ipaddr_parse(json_string_value(v),
		    json_string_length(v), &ip) == -1)
			return 0;
		ipaddr_unmap(&ip);
		return pos == FOP_IS && ip.v6 == c->values[0].ip.v6 &&
		    memcmp(ip.a, c->values[0].ip.a, 16) == 0;
	case FK_BOOLEAN:
		return pos == FOP_TRUE ? json_is_true(v) :
		    pos == FOP_FALSE ? json_is_false(v) : 0;
	case FK_MAP:
		return pos == FOP_EMPTY && json_is_object(v) &&
		    json_object_size(v) == 0;
	default:
		return 0;
	}
}

/* "is" between a JSON value and a condition value (§7.5). */
static int
json_is_eq(const json_t *v, const struct raw *raw,
    const struct filter_value *cv)
{
	struct filter_dec	 d;
	char			 buf[DECBUF];

	if (json_is_number(v))
		return cv->hasnum && num_dec(v, raw, &d, buf) == 0 &&
		    filter_dec_cmp(&d, &cv->num) == 0;
	if (json_is_string(v))
		return json_string_length(v) == cv->len &&
		    memcmp(json_string_value(v), cv->str, cv->len) == 0;
	return 0;
}

/* A JSON number of a json property (§7.5): numbers compare exactly. */
static int
json_number_eval(const struct filter_cond *c, enum filter_op pos,
    const json_t *v, const struct raw *raw)
{
	struct filter_dec	 d;
	char			 buf[DECBUF];
	size_t			 i;

	if (num_dec(v, raw, &d, buf) == -1)
		return 0;
	switch (pos) {
	case FOP_IS:
	case FOP_LT:
	case FOP_LE:
	case FOP_GT:
	case FOP_GE:
		return c->values[0].hasnum &&
		    cmp_holds(pos, filter_dec_cmp(&d, &c->values[0].num));
	case FOP_BETWEEN:
		return c->values[0].hasnum && c->values[1].hasnum &&
		    filter_dec_cmp(&d, &c->values[0].num) >= 0 &&
		    filter_dec_cmp(&d, &c->values[1].num) <= 0;
	case FOP_ONE_OF:
		for (i = 0; i < c->nvalues; i++)
			if (c->values[i].hasnum &&
			    filter_dec_cmp(&d, &c->values[i].num) == 0)
				return 1;
		return 0;
	default:
		return 0;
	}
}

/*
 * A present, non-null value of a json property (§7.5); raw is its raw
 * text when known, for exact numbers.
 */
static int
json_eval(const struct filter_cond *c, enum filter_op pos, const json_t *v,
    const struct raw *raw)
{
	struct filter_instant	 t;
	struct bytes		 b;
	struct raw		 elem;
	size_t			 i;

	if (json_is_number(v))
		return json_number_eval(c, pos, v, raw);
	if (json_is_string(v)) {
		b.s = json_string_value(v);
		b.len = json_string_length(v);
		switch (pos) {
		case FOP_EMPTY:
			return b.len == 0;
		case FOP_CONTAINS:
		case FOP_STARTS_WITH:
		case FOP_ENDS_WITH:
			return affix_eval(pos, &b, &c->values[0]);
		case FOP_BEFORE:
		case FOP_ON_OR_BEFORE:
		case FOP_AFTER:
		case FOP_ON_OR_AFTER:
			if (filter_instant_parse(b.s, b.len, &t) == -1)
				return 0;
			return ordered_eval(c, pos, cmp_instant, &t);
		case FOP_TRUE:
		case FOP_FALSE:
			return 0;
		default:
			return ordered_eval(c, pos, cmp_str, &b);
		}
	}
	if (json_is_array(v)) {
		if (pos == FOP_EMPTY)
			return json_array_size(v) == 0;
		if (pos != FOP_CONTAINS)
			return 0;
		/* Walk the raw elements alongside jansson's. */
		elem.end = raw->end;
		elem.p = raw->p != NULL && *raw->p == '[' ?
		    jsonlex_ws(raw->p + 1, raw->end) : NULL;
		for (i = 0; i < json_array_size(v); i++) {
			if (json_is_eq(json_array_get(v, i), &elem,
			    &c->values[0]))
				return 1;
			if (elem.p != NULL && (elem.p = jsonlex_skip(elem.p,
			    elem.end)) != NULL) {
				elem.p = jsonlex_ws(elem.p, elem.end);
				elem.p = elem.p < elem.end && *elem.p == ',' ?
				    jsonlex_ws(elem.p + 1, elem.end) : NULL;
			}
		}
		return 0;
	}
	if (json_is_object(v))
		return pos == FOP_EMPTY && json_object_size(v) == 0;
	if (pos == FOP_TRUE)
		return json_is_true(v);
	if (pos == FOP_FALSE)
		return json_is_false(v);
	return 0;
}

/* Locate the raw text of a json property's value, when the event has it. */
static void
raw_locate(const struct filter_cond *c, const struct filter_event *ev,
    struct raw *raw)
{
	const char	*text = NULL;
	size_t		 len = 0;

	if (c->root == FILTER_ROOT_PROPERTIES) {
		text = ev->properties;
		len = ev->properties_len;
	} else if (c->root == FILTER_ROOT_TRAITS) {
		text = ev->traits;
		len = ev->traits_len;
	}
	if (text == NULL)
		return;
	raw->end = text + len;
	raw->p = raw_find(text, raw->end, c->path.segs + 1,
	    c->path.nsegs - 1);
}

/*
 * One condition: missing and null properties by the table of §7.3, and
 * each negative operator as the negation of its positive form.
 */
static int
cond_eval(const struct filter_cond *c, const struct filter_event *ev)
{
	const json_t	*v = prop_read(ev->json, c);
	enum filter_op	 pos = filter_ops[c->op].positive;
	struct raw	 raw;
	int		 r;

	if (v == NULL)
		r = pos == FOP_EMPTY;
	else if (json_is_null(v))
		r = pos == FOP_EMPTY || pos == FOP_NULL || pos == FOP_EXISTS;
	else if (pos == FOP_EXISTS)
		r = 1;
	else if (pos == FOP_NULL)
		r = 0;
	else if (c->kind == FK_JSON) {
		/* Only numbers, alone or in an array, need the raw text. */
		raw.p = raw.end = NULL;
		if (json_is_number(v) || (json_is_array(v) &&
		    pos == FOP_CONTAINS))
			raw_locate(c, ev, &raw);
		r = json_eval(c, pos, v, &raw);
	} else
		r = typed_eval(c, pos, v);
	return c->op != pos ? !r : r;
}

int
filter_eval(const struct filter *f, const json_t *event,
    struct filter_result *res)
{
	struct filter_event	 ev;

	memset(&ev, 0, sizeof(ev));
	ev.json = event;
	return filter_eval_event(f, &ev, res);
}

int
filter_eval_event(const struct filter *f, const struct filter_event *ev,
    struct filter_result *res)
{
	size_t	 i;
	int	 r;

	if (res != NULL) {
		res->reason = FILTER_PASSED;
		res->index = 0;
		res->text = NULL;
	}
	if (f == NULL)
		return 1;
	for (i = 0; i < f->nconds; i++) {
		r = cond_eval(&f->conds[i], ev);
		if (f->logical == FILTER_LOGICAL_AND && !r) {
			if (res != NULL) {
				res->reason = FILTER_FAILED_CONDITION;
				res->index = i;
				res->text = f->conds[i].text;
			}
			return 0;
		}
		if (f->logical == FILTER_LOGICAL_OR && r)
			return 1;
	}
	if (f->logical == FILTER_LOGICAL_AND)
		return 1;
	if (res != NULL)
		res->reason = FILTER_NO_MATCH;
	return 0;
}
