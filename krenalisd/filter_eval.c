/*
 * Evaluation of compiled filters on decoded events (spec/filters.md §7).
 * Each condition reads its property where the schema bound it in struct
 * event (event.h): a member, a context field, or a value inside the
 * compact JSON text of properties or traits, found by walking the text in
 * place with jsonlex.  Nothing is built: a JSON number compares as the
 * exact decimal of its text, a JSON string as it stands in the text,
 * decoded only when it holds escapes.  Nothing here parses a condition
 * (filter_compile() pre-parsed the values), and nothing allocates but the
 * decoding of an escaped string longer than STRBUF bytes.  It calls
 * filter.c (the operator table) and filter_value.c.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonlex.h"
#include "utf8.h"
#include "xmalloc.h"

#include "event.h"
#include "filter.h"
#include "filter_priv.h"

#define DECBUF	40	/* a double as "%.16e" */
#define STRBUF	256	/* an escaped JSON string decoded on the stack */

/* A borrowed byte string of the event. */
struct bytes {
	const char	*s;
	size_t		 len;
};

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
 * A finite double as an exact decimal, written in buf[DECBUF] (d points
 * into it): the shortest decimal that reads back as the same double,
 * which is the text it came from whenever that text has at most 15
 * significant digits.  The decimals of events have two decimal places
 * (events.md §7.3), so a value that is some c / 100 is c "e-2" without
 * printf.
 */
static int
double_dec(double x, struct filter_dec *d, char *buf)
{
	long long	 c;
	int		 n = 0, prec;
	char		*p;

	if (!isfinite(x))
		return -1;
	if (fabs(x) < 1e13 && (double)(c = llround(x * 100)) / 100 == x) {
		p = buf + DECBUF;
		*--p = '2';
		*--p = '-';
		*--p = 'e';
		do {
			*--p = (char)('0' + llabs(c % 10));
			c /= 10;
		} while (c != 0);
		if (x < 0)
			*--p = '-';
		filter_dec_parse(p, (size_t)(buf + DECBUF - p), d);
		return 0;
	}
	for (prec = 15; prec <= 17; prec++) {
		n = snprintf(buf, DECBUF, "%.*e", prec - 1, x);
		if (strtod(buf, NULL) == x)
			break;
	}
	if (n <= 0 || n >= DECBUF)
		return -1;
	filter_dec_parse(buf, (size_t)n, d);
	return 0;
}

/*
 * Compare the JSON string whose quote is at p, decoded as jsonlex_decode
 * does (a lone surrogate is U+FFFD), with the key of klen bytes.  Return
 * 1 when equal, 0 when not, -1 when the text is not well formed; *next is
 * after the string.
 */
static int
raw_key_eq(const char *p, const char *end, const char *key, size_t klen,
    const char **next)
{
	char		 u[4];
	const char	*c;
	uint32_t	 cp;
	size_t		 n, k;
	int		 eq = 1, esc;

	if ((*next = jsonlex_string(p, end, &esc)) == NULL)
		return -1;
	if (!esc)
		return (size_t)(*next - p) - 2 == klen && p[1] == key[0] &&
		    memcmp(p + 1, key, klen) == 0;
	for (p++, end = *next - 1; p < end;) {
		if (*p != '\\') {
			c = p++;
			n = 1;
		} else {
			if ((p = jsonlex_escape(p, end, &cp)) == NULL)
				return -1;
			if (cp >= 0xd800 && cp <= 0xdfff)
				cp = 0xfffd;
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
	return eq && *key == '\0';
}

/*
 * Past the value at p and the comma after it, at the next member or
 * element; NULL at the end of its object or array (or of a text that is
 * not well formed).
 */
static const char *
raw_next(const char *p, const char *end)
{
	if ((p = jsonlex_skip(p, end)) == NULL)
		return NULL;
	p = jsonlex_ws(p, end);
	if (p >= end || *p != ',')
		return NULL;
	return jsonlex_ws(p + 1, end);
}

/*
 * The value of the member key (klen bytes) among the members of an object
 * text whose first key is at p; NULL when it is not there (or the text is
 * not well formed).
 */
static const char *
raw_member(const char *p, const char *end, const char *key, size_t klen)
{
	int	 r;

	for (;;) {
		if (p >= end || *p != '"' ||
		    (r = raw_key_eq(p, end, key, klen, &p)) == -1)
			return NULL;
		p = jsonlex_ws(p, end);
		if (p >= end || *p != ':')
			return NULL;
		p = jsonlex_ws(p + 1, end);
		if (r == 1)
			return p;
		if ((p = raw_next(p, end)) == NULL)
			return NULL;
	}
}

/*
 * Find the value at the keys segs[0..n) inside the value text at p
 * (§7.2); NULL when it is not there (or the text is not well formed).
 */
static const char *
raw_find(const char *p, const char *end, char *const *segs, size_t n)
{
	size_t	 i;

	for (i = 0; i < n && p != NULL; i++) {
		if (p >= end || *p != '{')
			return NULL;
		p = raw_member(jsonlex_ws(p + 1, end), end, segs[i],
		    strlen(segs[i]));
	}
	return p;
}

/* Index the first FILTER_MEMBERS members of the object text of o. */
static void
object_index(struct filter_object *o)
{
	const char	*p, *q, *end = o->end;
	int		 esc;

	o->indexed = 1;
	p = jsonlex_ws(o->text, end);
	if (p >= end || *p != '{')
		return;
	for (p = jsonlex_ws(p + 1, end); o->n < FILTER_MEMBERS; o->n++) {
		if (p >= end || *p != '"' ||
		    (q = jsonlex_string(p, end, &esc)) == NULL)
			return;
		o->m[o->n].key = p + 1;
		o->m[o->n].klen = (size_t)(q - p) - 2;
		o->m[o->n].esc = esc;
		p = jsonlex_ws(q, end);
		if (p >= end || *p != ':')
			return;
		o->m[o->n].value = p = jsonlex_ws(p + 1, end);
		if ((p = raw_next(p, end)) == NULL) {
			o->n++;
			return;
		}
	}
	o->rest = p;
}

/* The value of the top-level member key of o (§7.2), or NULL. */
static const char *
object_get(struct filter_object *o, const char *key)
{
	const char	*next;
	size_t		 i, klen = strlen(key);

	if (!o->indexed)
		object_index(o);
	for (i = 0; i < o->n; i++) {
		if (o->m[i].esc ? raw_key_eq(o->m[i].key - 1, o->end, key,
		    klen, &next) == 1 : o->m[i].klen == klen &&
		    memcmp(o->m[i].key, key, klen) == 0)
			return o->m[i].value;
	}
	return o->rest != NULL ? raw_member(o->rest, o->end, key, klen) :
	    NULL;
}

/* The JSON number at p as an exact decimal pointing into the text. */
static int
raw_number(const char *p, const char *end, struct filter_dec *d)
{
	const char	*q = jsonlex_token(p, end);

	if (q == p || !filter_is_decimal(p, (size_t)(q - p)))
		return -1;
	filter_dec_parse(p, (size_t)(q - p), d);
	return 0;
}

/*
 * The JSON string whose quote is at p, decoded (U+0000 kept): in place
 * when it has no escape, otherwise into buf[STRBUF] or, when longer, into
 * a new *heap for the caller to free.
 */
static int
raw_string(const char *p, const char *end, char *buf, char **heap,
    struct bytes *b)
{
	const char	*q;
	size_t		 blen;
	int		 esc;

	if ((q = jsonlex_string(p, end, &esc)) == NULL)
		return -1;
	blen = (size_t)(q - p) - 2;
	b->s = p + 1;
	b->len = blen;
	if (esc) {
		if (blen > STRBUF)
			buf = *heap = xmalloc(blen);
		b->len = jsonlex_decode(p + 1, blen, 0, buf);
		b->s = buf;
	}
	return 0;
}

static int
cmp_str(const void *ev, const struct filter_value *v)
{
	const struct bytes	*b = ev;

	return bytes_cmp(b->s, b->len, v->str, v->len);
}

static int
cmp_cstr(const void *ev, const struct filter_value *v)
{
	int	 r = strcmp(ev, v->str);

	return r < 0 ? -1 : r > 0;
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

/* A present JSON string (§7.5). */
static int
string_eval(const struct filter_cond *c, enum filter_op pos,
    const struct bytes *b)
{
	const struct filter_value	*v = c->values;	/* NULL without values */
	struct filter_instant		 t;

	switch (pos) {
	case FOP_EMPTY:
		return b->len == 0;
	case FOP_CONTAINS:
		return memmem(b->s, b->len, v->str, v->len) != NULL;
	case FOP_STARTS_WITH:
		return b->len >= v->len && memcmp(b->s, v->str, v->len) == 0;
	case FOP_ENDS_WITH:
		return b->len >= v->len &&
		    memcmp(b->s + b->len - v->len, v->str, v->len) == 0;
	case FOP_BEFORE:
	case FOP_ON_OR_BEFORE:
	case FOP_AFTER:
	case FOP_ON_OR_AFTER:
		if (filter_instant_parse(b->s, b->len, &t) == -1)
			return 0;
		return ordered_eval(c, pos, cmp_instant, &t);
	case FOP_TRUE:
	case FOP_FALSE:
		return 0;
	default:
		return ordered_eval(c, pos, cmp_str, b);
	}
}

/*
 * A typed string (§7.4), NUL-terminated as the event keeps it, which holds
 * no U+0000, and nor does a condition value: the C string functions
 * compare them byte by byte without measuring them first.  Validation
 * left the string operators only.
 */
static int
cstring_eval(const struct filter_cond *c, enum filter_op pos, const char *s)
{
	const struct filter_value	*v = c->values;	/* NULL without values */
	size_t				 n;

	switch (pos) {
	case FOP_EMPTY:
		return *s == '\0';
	case FOP_CONTAINS:
		return strstr(s, v->str) != NULL;
	case FOP_STARTS_WITH:
		return strncmp(s, v->str, v->len) == 0;
	case FOP_ENDS_WITH:
		n = strlen(s);
		return n >= v->len &&
		    memcmp(s + n - v->len, v->str, v->len) == 0;
	default:
		return ordered_eval(c, pos, cmp_cstr, s);
	}
}

/* A present context field (§7.4). */
static int
field_eval(const struct filter_cond *c, enum filter_op pos,
    const struct event_context *ctx)
{
	const union event_value	*v = &ctx->v[c->at];
	struct filter_dec	 d;
	char			 buf[DECBUF];

	switch (c->kind) {
	case FK_STRING:
	case FK_ENUM:
		return cstring_eval(c, pos, v->s);
	case FK_INT:
		return ordered_eval(c, pos, cmp_int, &v->i);
	case FK_FLOAT:
		return ordered_eval(c, pos, cmp_float, &v->f);
	case FK_DECIMAL:
		if (double_dec(v->f, &d, buf) == -1)
			return 0;
		return ordered_eval(c, pos, cmp_dec, &d);
	case FK_IP:
		/* Both canonical (events.md §10): equal texts, equal IPs. */
		return pos == FOP_IS && strcmp(v->s, c->values[0].str) == 0;
	case FK_BOOLEAN:
		return pos == FOP_TRUE ? v->b != 0 :
		    pos == FOP_FALSE ? v->b == 0 : 0;
	case FK_MAP:
		return pos == FOP_EMPTY && ctx->nconsents == 0;
	default:
		return 0;
	}
}

/*
 * A JSON number of the event.  One of at most 18 digits, without fraction
 * or exponent, is read as an integer, which compares with an integer
 * condition value as is; its exact decimal is parsed only for the other
 * values.  Any other number is parsed as a decimal at once.
 */
struct num {
	int			 isint;
	int64_t			 i;
	int			 hasdec;
	struct filter_dec	 d;
	const char		*p;	/* the integer's text */
	size_t			 len;
};

/* Read the JSON number at p into n; -1 when it is not one. */
static int
num_read(struct num *n, const char *p, const char *end)
{
	const char	*q = p < end && *p == '-' ? p + 1 : p;
	uint64_t	 v = 0;
	size_t		 k = 0;

	while (q < end && *q >= '0' && *q <= '9' && k++ < 18)
		v = v * 10 + (uint64_t)(*q++ - '0');
	n->isint = k >= 1 && k <= 18 && (q >= end || *q == ',' ||
	    *q == '}' || *q == ']');
	n->hasdec = 0;
	if (!n->isint) {
		if (raw_number(p, end, &n->d) == -1)
			return -1;
		n->hasdec = 1;
		return 0;
	}
	n->i = *p == '-' ? -(int64_t)v : (int64_t)v;
	n->p = p;
	n->len = (size_t)(q - p);
	return 0;
}

/* Compare n with a condition value that has a numeric copy. */
static int
num_cmp(struct num *n, const struct filter_value *v)
{
	if (n->isint && v->hasint)
		return n->i < v->i ? -1 : n->i > v->i;
	if (!n->hasdec) {
		filter_dec_parse(n->p, n->len, &n->d);
		n->hasdec = 1;
	}
	return filter_dec_cmp(&n->d, &v->num);
}

/* A JSON number of a json property (§7.5): numbers compare exactly. */
static int
number_eval(const struct filter_cond *c, enum filter_op pos, struct num *n)
{
	size_t	 i;

	switch (pos) {
	case FOP_IS:
	case FOP_LT:
	case FOP_LE:
	case FOP_GT:
	case FOP_GE:
		return c->values[0].hasnum &&
		    cmp_holds(pos, num_cmp(n, &c->values[0]));
	case FOP_BETWEEN:
		return c->values[0].hasnum && c->values[1].hasnum &&
		    num_cmp(n, &c->values[0]) >= 0 &&
		    num_cmp(n, &c->values[1]) <= 0;
	case FOP_ONE_OF:
		for (i = 0; i < c->nvalues; i++)
			if (c->values[i].hasnum &&
			    num_cmp(n, &c->values[i]) == 0)
				return 1;
		return 0;
	default:
		return 0;
	}
}

/* "is" between the JSON value at p and a condition value (§7.5). */
static int
raw_is_eq(const char *p, const char *end, const struct filter_value *cv)
{
	struct num	 n;
	struct bytes	 b;
	char		 buf[STRBUF], *heap = NULL;
	int		 r;

	switch (jsonlex_kind(p, end)) {
	case JSONLEX_NUMBER:
		return cv->hasnum && num_read(&n, p, end) == 0 &&
		    num_cmp(&n, cv) == 0;
	case JSONLEX_STRING:
		if (raw_string(p, end, buf, &heap, &b) == -1)
			return 0;
		r = b.len == cv->len && memcmp(b.s, cv->str, cv->len) == 0;
		free(heap);
		return r;
	default:
		return 0;
	}
}

/*
 * A present, non-null JSON value of a json property at p, of the given
 * kind (§7.5).
 */
static int
json_eval(const struct filter_cond *c, enum filter_op pos,
    enum jsonlex_kind kind, const char *p, const char *end)
{
	struct num	 n;
	struct bytes	 b;
	const char	*q;
	char		 buf[STRBUF], *heap = NULL;
	int		 r;

	switch (kind) {
	case JSONLEX_NUMBER:
		return num_read(&n, p, end) == 0 && number_eval(c, pos, &n);
	case JSONLEX_STRING:
		if (raw_string(p, end, buf, &heap, &b) == -1)
			return 0;
		r = string_eval(c, pos, &b);
		free(heap);
		return r;
	case JSONLEX_ARRAY:
		q = jsonlex_ws(p + 1, end);
		if (q < end && *q == ']')
			return pos == FOP_EMPTY;
		if (pos != FOP_CONTAINS)
			return 0;
		for (; q != NULL; q = raw_next(q, end))
			if (raw_is_eq(q, end, &c->values[0]))
				return 1;
		return 0;
	case JSONLEX_OBJECT:
		q = jsonlex_ws(p + 1, end);
		return pos == FOP_EMPTY && q < end && *q == '}';
	case JSONLEX_TRUE:
		return pos == FOP_TRUE;
	case JSONLEX_FALSE:
		return pos == FOP_FALSE;
	default:
		return 0;
	}
}

/* The string member of struct event at offset at. */
static const char *
member_string(const struct event *ev, size_t at)
{
	const char	*s;

	memcpy(&s, (const char *)ev + at, sizeof(s));
	return s;
}

/* A present typed (not json) property (§7.4). */
static int
typed_eval(const struct filter_cond *c, enum filter_op pos,
    const struct event *ev)
{
	struct filter_instant	 t;

	switch (c->src) {
	case FSRC_STRING:
		return cstring_eval(c, pos, member_string(ev, c->at));
	case FSRC_TYPE:
		return cstring_eval(c, pos, event_type_name(ev->type));
	case FSRC_TIME:
		memcpy(&t.ms, (const char *)ev + c->at, sizeof(t.ms));
		t.ns = 0;
		return ordered_eval(c, pos, cmp_instant, &t);
	case FSRC_FIELD:
		return field_eval(c, pos, &ev->ctx);
	default:
		return 0;	/* objects have exists only */
	}
}

/* What a property is on an event: missing, JSON null or a value. */
#define PROP_MISSING	0
#define PROP_NULL	1
#define PROP_VALUE	2

/*
 * One condition: missing and null properties by the table of §7.3, and
 * each negative operator as the negation of its positive form.
 */
static int
cond_eval(const struct filter_cond *c, struct filter_event *fe)
{
	const struct event	*ev = fe->ev;
	struct filter_object	*o;
	enum filter_op		 pos = c->pos;
	enum jsonlex_kind	 kind = JSONLEX_BAD;
	const char		*p = NULL, *end = NULL;
	int			 prop, r;

	switch (c->src) {
	case FSRC_STRING:
		prop = member_string(ev, c->at) != NULL ? PROP_VALUE :
		    PROP_MISSING;
		break;
	case FSRC_TYPE:
	case FSRC_TIME:
		prop = PROP_VALUE;
		break;
	case FSRC_PROPERTIES:
	case FSRC_TRAITS:
		o = c->src == FSRC_PROPERTIES ? &fe->properties : &fe->traits;
		if (o->text == NULL)
			p = NULL;
		else if (c->path.nsegs == 1)
			p = jsonlex_ws(o->text, o->end);
		else if ((p = object_get(o, c->path.segs[1])) != NULL)
			p = raw_find(p, o->end, c->path.segs + 2,
			    c->path.nsegs - 2);
		end = o->end;
		if (p != NULL)
			kind = jsonlex_kind(p, end);
		prop = p == NULL ? PROP_MISSING : kind == JSONLEX_NULL ?
		    PROP_NULL : PROP_VALUE;
		break;
	case FSRC_CONTEXT:
		prop = ev->has_context ? PROP_VALUE : PROP_MISSING;
		break;
	default:
		prop = ev->has_context && (ev->ctx.present & c->fields) != 0 ?
		    PROP_VALUE : PROP_MISSING;
		break;
	}
	if (prop == PROP_MISSING)
		r = pos == FOP_EMPTY;
	else if (prop == PROP_NULL)
		r = pos == FOP_EMPTY || pos == FOP_NULL || pos == FOP_EXISTS;
	else if (pos == FOP_EXISTS)
		r = 1;
	else if (pos == FOP_NULL)
		r = 0;
	else if (p != NULL)
		r = json_eval(c, pos, kind, p, end);
	else
		r = typed_eval(c, pos, ev);
	return c->op != pos ? !r : r;
}

static void
object_init(struct filter_object *o, const char *text, size_t len)
{
	o->text = text;
	o->end = text != NULL ? text + len : NULL;
	o->indexed = 0;
	o->n = 0;
	o->rest = NULL;
}

void
filter_event_init(struct filter_event *fe, const struct event *ev)
{
	fe->ev = ev;
	object_init(&fe->properties, ev->properties, ev->properties_len);
	object_init(&fe->traits, ev->traits, ev->traits_len);
}

int
filter_eval(const struct filter *f, struct filter_event *fe,
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
		r = cond_eval(&f->conds[i], fe);
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
