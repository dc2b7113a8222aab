/*
 * Internals of the filter module.  Its files call one another in one
 * direction only: each calls only files listed before it.
 *
 *	filter_value.c	literals: numbers, decimals, ints, floats, instants
 *			and quoted strings, read and printed;
 *	filter_path.c	property paths: their syntax, their canonical text
 *			and the event schema they resolve against;
 *	filter.c	the compiled filter: operators, validation (§6),
 *			canonical text, accessors and freeing;
 *	filter_parse.c	the text form (§8), filter_json.c the JSON form (§1)
 *			and filter_eval.c evaluation (§7), which do not call
 *			one another.
 *
 * This header declares them in that order.  Nothing outside filter*.c
 * includes it.  Texts are built with common/buf, JSON escapes and raw
 * JSON texts read with common/jsonlex, IP addresses handled by ipaddr and
 * number texts converted by number; the schema binds each property to
 * where the decoded events of event.h keep it, which is what evaluation
 * reads.
 */
#ifndef FILTER_PRIV_H
#define FILTER_PRIV_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "filter.h"

/*
 * filter_value.c: the characters and literals of spec/filters.md §5, §8
 * and §9.
 */

/* Character classes of the text form, independent of the locale. */
static inline int
filter_isdigit(int c)
{
	return c >= '0' && c <= '9';
}

static inline int
filter_isalpha(int c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

/* A character of a word or a name: A-Z a-z 0-9 _. */
static inline int
filter_isword(int c)
{
	return filter_isalpha(c) || filter_isdigit(c) || c == '_';
}

/* The white space of the text form, which is JSON's. */
static inline int
filter_isspace(int c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/*
 * An exact decimal number: sign * 0.D * 10^(point + esign * E), where the
 * digits D are a[0..alen) followed by b[0..blen) and the exponent's
 * digits E are e[0..elen), of any length, all pointing into the text it
 * was read from, with no leading or trailing zero (no leading zero in E);
 * zero has sign 0 and no digits.
 */
struct filter_dec {
	int		 sign;
	int64_t		 point;
	int		 esign;
	const char	*e;
	size_t		 elen;
	const char	*a;
	size_t		 alen;
	const char	*b;
	size_t		 blen;
};

/* An instant: ms since the epoch and the nanoseconds below the ms. */
struct filter_instant {
	int64_t		 ms;
	int32_t		 ns;
};

/* Whether s matches the number rule of §8.1. */
int	 filter_is_number(const char *, size_t);

/* Whether s matches the decimal literal of §5. */
int	 filter_is_decimal(const char *, size_t);

/* Parse a text matching filter_is_decimal() into d, which points into it. */
void	 filter_dec_parse(const char *, size_t, struct filter_dec *);

/* Compare two decimals: -1, 0 or 1. */
int	 filter_dec_cmp(const struct filter_dec *,
	    const struct filter_dec *);

/*
 * Parse the int literal of §5, [+-]?(0|[1-9][0-9]*), within 64 bits.
 * Return 0, or -1 when it is not valid.
 */
int	 filter_int_parse(const char *, size_t, int64_t *);

/* Parse the float literal of §5 into a finite double.  Return 0 or -1. */
int	 filter_float_parse(const char *, size_t, double *);

/*
 * Parse a timestamp of spec/events.md §11.1 (UTC year 1..9999) with its
 * full precision.  Return 0, or -1 when it is not valid.
 */
int	 filter_instant_parse(const char *, size_t, struct filter_instant *);

/*
 * Read the quoted string of the text form (§8.2) whose quote is at
 * s[*pos], unescaped, onto out.  Return 0 with *pos after the closing
 * quote, or -1 with the description of the syntax error in *why.
 */
int	 filter_string_scan(const char *, size_t, size_t *, struct buf *,
	    const char **);

/*
 * Append a value as §9 prints it: bare when it is a number, else quoted;
 * the quoting of §9 is that of a JSON string (buf_addquoted).
 */
void	 filter_literal_add(struct buf *, const char *, size_t);

/* filter_path.c: property paths (§2) and the event schema (§2.3). */

/* Property kinds of spec/filters.md §4, in the column order of its table. */
enum filter_kind {
	FK_STRING,
	FK_ENUM,
	FK_BOOLEAN,
	FK_INT,
	FK_FLOAT,
	FK_DECIMAL,
	FK_DATETIME,
	FK_IP,
	FK_JSON,
	FK_OBJECT,
	FK_MAP
};
#define FK_COUNT	11

/* A property path as its keys; segs is NULL for a path that is not valid. */
struct filter_path {
	char		**segs;
	size_t		  nsegs;
};

/*
 * Where a property is kept in a decoded event (struct event of event.h),
 * with the "at" and "fields" of struct filter_field.
 */
enum filter_src {
	FSRC_STRING,		/* the const char * member at offset at */
	FSRC_TYPE,		/* type */
	FSRC_TIME,		/* the int64_t ms member at offset at */
	FSRC_PROPERTIES,	/* in the compact text of properties */
	FSRC_TRAITS,		/* in the compact text of traits */
	FSRC_CONTEXT,		/* the context: has_context */
	FSRC_SECTION,		/* a context section: any of fields */
	FSRC_FIELD		/* the context field at, whose bit is fields */
};

/* What the schema says of a path. */
struct filter_field {
	enum filter_kind	 kind;
	int			 ro;		/* read-optional, or in json */
	const char *const	*enums;		/* FK_ENUM: NULL-terminated */
	enum filter_src		 src;
	size_t			 at;		/* member offset or field */
	uint64_t		 fields;	/* bits of event_field */
};

/*
 * Read a property path of the text form (§2.1) at s[*pos].  Return 0 with
 * the path and *pos after it, or -1 with the byte offset of the syntax
 * error in *errpos and its description in *why.
 */
int	 filter_path_scan(const char *, size_t, size_t *, struct filter_path *,
	    size_t *, const char **);

/*
 * Split a JSON-form property path (§2.1), all of s, into its keys.  Return
 * 0, or -1 with segs NULL when the path is not valid.
 */
int	 filter_path_split(const char *, size_t, struct filter_path *);

/* Whether every key of the path is present, non-empty and valid UTF-8. */
int	 filter_path_valid(const struct filter_path *);

/* The canonical text (§2.4) of the first n keys, allocated. */
char	*filter_path_text(const struct filter_path *, size_t);

/*
 * Resolve a valid path against the event schema (§2.2).  Return 0 with
 * what the schema says of it, or -1 with *bad the index of the first key
 * that does not exist.
 */
int	 filter_path_resolve(const struct filter_path *, struct filter_field *,
	    size_t *);

/* Free the keys of a path and leave it empty. */
void	 filter_path_release(struct filter_path *);

/* filter.c: the compiled filter. */

/* The 26 operators of §3, in its order. */
enum filter_op {
	FOP_IS,
	FOP_IS_NOT,
	FOP_LT,
	FOP_LE,
	FOP_GT,
	FOP_GE,
	FOP_BETWEEN,
	FOP_NOT_BETWEEN,
	FOP_CONTAINS,
	FOP_NOT_CONTAINS,
	FOP_ONE_OF,
	FOP_NOT_ONE_OF,
	FOP_STARTS_WITH,
	FOP_ENDS_WITH,
	FOP_BEFORE,
	FOP_ON_OR_BEFORE,
	FOP_AFTER,
	FOP_ON_OR_AFTER,
	FOP_TRUE,
	FOP_FALSE,
	FOP_EMPTY,
	FOP_NOT_EMPTY,
	FOP_NULL,
	FOP_NOT_NULL,
	FOP_EXISTS,
	FOP_NOT_EXISTS
};
#define FOP_COUNT	26

/* How many values an operator takes. */
#define FVALS_NONE	0
#define FVALS_ONE	1
#define FVALS_TWO	2
#define FVALS_LIST	3	/* one or more */

struct filter_opdef {
	const char	*name;
	int		 nvals;		/* FVALS_* */
	enum filter_op	 positive;	/* what it negates, or itself */
};

extern const struct filter_opdef filter_ops[FOP_COUNT];

/*
 * One condition value, as given and as pre-parsed for its kind (§5).  An
 * ip value is kept as its canonical text (events.md §10), the form of the
 * IP of a decoded event.
 */
struct filter_value {
	char			*str;		/* a NUL-terminated copy */
	size_t			 len;
	int			 hasnum;	/* num is set */
	struct filter_dec	 num;		/* decimal, numeric copy */
	int			 hasint;	/* json: i is num */
	int64_t			 i;		/* int, json integer */
	double			 f;		/* float */
	int			 hastime;	/* t is set */
	struct filter_instant	 t;		/* datetime, json time ops */
};

struct filter_cond {
	struct filter_path	 path;
	char			*canon;		/* canonical path (§2.4) */
	char			*text;		/* canonical (§9) */
	enum filter_op		 op;
	enum filter_op		 pos;		/* op or what it negates */
	enum filter_kind	 kind;
	enum filter_src		 src;		/* as struct filter_field */
	size_t			 at;
	uint64_t		 fields;
	struct filter_value	*values;
	size_t			 nvalues;
};

struct filter {
	int			 logical;	/* FILTER_LOGICAL_* */
	struct filter_cond	*conds;
	size_t			 nconds;
};
#define FILTER_LOGICAL_AND	0
#define FILTER_LOGICAL_OR	1

/* One condition as read from either form, before validation (§6). */
struct filter_input {
	struct filter_path	 path;		/* owned */
	const char		*op;		/* operator name, borrowed */
	size_t			 oplen;
	const char		**vals;		/* borrowed value strings */
	size_t			*lens;
	size_t			 nvals;
	int			 hasvals;	/* values not absent or null */
};

/*
 * Validate and compile n conditions (§6 from the path syntax on), moving
 * the path of every input it compiles into the filter.  Return NULL with
 * the message in err.
 */
struct filter	*filter_compile(int, struct filter_input *, size_t, char *,
		    size_t);

/* Free an array of n inputs, with what they still own. */
void	 filter_inputs_free(struct filter_input *, size_t);

/* Write a message to an error buffer of the API (which may be NULL). */
void	 filter_err(char *, size_t, const char *, ...)
	    __attribute__((__format__(printf, 3, 4)));

#endif
