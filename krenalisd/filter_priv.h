/*
 * Internals of the filter module, shared by filter.c (model, validation,
 * JSON form, printing), filter_parse.c (text form and path syntax) and
 * filter_eval.c (evaluation).  Nothing outside filter*.c includes this.
 */
#ifndef FILTER_PRIV_H
#define FILTER_PRIV_H

#include <stddef.h>
#include <stdint.h>

#include "filter.h"

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
 * An exact decimal number: sign * 0.D * 10^exp, where the digits D are
 * a[0..alen) followed by b[0..blen), both pointing into the text it was
 * read from, with no leading or trailing zero; zero has sign 0 and no
 * digits.
 */
struct filter_dec {
	int		 sign;
	int64_t		 exp;
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

/* A binary IP address: family 4 uses the first 4 bytes. */
struct filter_ip {
	int		 family;
	unsigned char	 addr[16];
};

/* One condition value, as given and as pre-parsed for its kind (§5). */
struct filter_value {
	char			*str;		/* a NUL-terminated copy */
	size_t			 len;
	int			 hasnum;	/* num is set */
	struct filter_dec	 num;		/* decimal, numeric copy */
	int64_t			 i;		/* int */
	double			 f;		/* float */
	int			 hastime;	/* t is set */
	struct filter_instant	 t;		/* datetime, json time ops */
	struct filter_ip	 ip;		/* ip */
};

struct filter_cond {
	char			**segs;		/* path keys */
	size_t			  nsegs;
	char			 *path;		/* canonical (§2.4) */
	char			 *text;		/* canonical (§9) */
	enum filter_op		  op;
	enum filter_kind	  kind;
	int			  root;		/* FILTER_ROOT_* */
	struct filter_value	 *values;
	size_t			  nvalues;
};

/* Which raw text of struct filter_event holds a json property. */
#define FILTER_ROOT_NONE	0
#define FILTER_ROOT_PROPERTIES	1
#define FILTER_ROOT_TRAITS	2

struct filter {
	int			 logical;	/* FILTER_LOGICAL_* */
	struct filter_cond	*conds;
	size_t			 nconds;
};
#define FILTER_LOGICAL_AND	0
#define FILTER_LOGICAL_OR	1

/* One condition as read from either form, before validation (§6). */
struct filter_input {
	char		**segs;		/* owned; NULL: invalid path */
	size_t		  nsegs;
	const char	 *op;		/* operator name, borrowed */
	size_t		  oplen;
	const char	**vals;		/* borrowed value strings */
	size_t		 *lens;
	size_t		  nvals;
	int		  hasvals;	/* values not absent or null */
};

/* A growing string. */
struct filter_buf {
	char		*s;
	size_t		 len;
	size_t		 cap;
};

void	 filter_buf_add(struct filter_buf *, const char *, size_t);
void	 filter_buf_addc(struct filter_buf *, char);
void	 filter_buf_adds(struct filter_buf *, const char *);
char	*filter_buf_finish(struct filter_buf *);

/*
 * Validate and compile n conditions (§6 from the path syntax on), taking
 * the segments of every input.  Return NULL with the message in err.
 */
struct filter	*filter_compile(int, struct filter_input *, size_t, char *,
		    size_t);

/* Free an array of n path segments. */
void	 filter_segs_free(char **, size_t);

/*
 * Split a JSON-form property path (§2.1) into its segments.  Return 0, or
 * -1 when the path is not valid.
 */
int	 filter_path_split(const char *, size_t, char ***, size_t *);

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
 * Parse a timestamp of spec/events.md §11.1 (UTC year 1..9999) with its
 * full precision.  Return 0, or -1 when it is not valid.
 */
int	 filter_instant_parse(const char *, size_t, struct filter_instant *);

/* Parse an IP address of spec/events.md §10 step 1; 0 or -1. */
int	 filter_ip_parse(const char *, size_t, struct filter_ip *);

#endif
