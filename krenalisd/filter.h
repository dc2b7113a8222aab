/*
 * Pipeline filters of spec/filters.md: a flat list of conditions on
 * properties of the normalised event (spec/events.md §13), joined by "and"
 * or "or".
 *
 * A filter is compiled once, from its JSON form (§1) or its text form (§8),
 * and validated completely (§6) on the way; it is then immutable and may be
 * evaluated any number of times, by any number of threads at once, against
 * decoded events.  Evaluation does not parse a condition: paths are
 * resolved at compile time to where a decoded event keeps the property,
 * and values to numbers, instants and IP addresses.
 *
 * Ownership: a struct filter belongs to whoever compiled it and is freed
 * with filter_free().  Strings returned by filter_condition_text() and the
 * text member of struct filter_result are borrowed from the filter and live
 * as long as it does.  filter_to_json() and filter_to_text() return new
 * objects owned by the caller (a json_t reference to json_decref(), a string
 * to free()).  No function keeps a reference to a json_t it is given.
 *
 * A NULL struct filter pointer stands for the JSON null filter: no filter,
 * every event passes.
 */
#ifndef FILTER_H
#define FILTER_H

#include <stddef.h>

#include <jansson.h>

struct filter;

/*
 * A comfortable size for the err buffers below; a longer message (a very
 * long property path quoted in it) is truncated.
 */
#define FILTER_ERRSZ	1024

/* Why filter_eval() gave its result (spec/pipelines.md §7.2). */
enum filter_reason {
	FILTER_PASSED = 0,		/* the filter is true */
	FILTER_FAILED_CONDITION,	/* "and": condition index was false */
	FILTER_NO_MATCH			/* "or": no condition matched */
};

struct filter_result {
	enum filter_reason	 reason;
	size_t			 index;	/* with FILTER_FAILED_CONDITION */
	const char		*text;	/* its canonical text or NULL */
};

/*
 * Compile the JSON form j, which is borrowed.  Return 0 and set *fp to the
 * new filter, or to NULL when j is the JSON null (no filter).  On an
 * invalid filter return -1 and write the message of spec/filters.md §6 to
 * err (without the "filter is not valid: " prefix, which the caller adds).
 */
int		 filter_from_json(const json_t *j, struct filter **fp,
		    char *err, size_t errlen);

/*
 * Compile the text form (§8), the len bytes of text, which is not NULL.
 * A NUL byte among them is a syntax error where it stands (§8.2).
 * Return the new filter, or NULL with the message in err: either "syntax
 * error at position <n>: <description>" (§8.4) or a validation message
 * of §6, again without the "filter is not valid: " prefix.
 */
struct filter	*filter_parse(const char *text, size_t len, char *err,
		    size_t errlen);

/*
 * The canonical JSON form (§1: canonical paths, no "values" for operators
 * that take none, "and" for a single condition): a new reference.  A NULL
 * filter gives the JSON null.
 */
json_t		*filter_to_json(const struct filter *f);

/* The canonical text form (§9), allocated; NULL for a NULL filter. */
char		*filter_to_text(const struct filter *f);

/* The number of conditions of f (0 for a NULL filter). */
size_t		 filter_count(const struct filter *f);

/* The canonical text of condition i (from 0), borrowed from f. */
const char	*filter_condition_text(const struct filter *f, size_t i);

struct event;

/* How many members of an object struct filter_event indexes. */
#define FILTER_MEMBERS	32

/*
 * The top-level members of the compact text of properties or traits, in
 * their order, indexed by the first condition that reads one: each key as
 * it stands in the text (without quotes) and where its value starts.
 * rest is where the members past the first FILTER_MEMBERS start.
 */
struct filter_object {
	const char	*text;		/* NULL when absent */
	const char	*end;
	int		 indexed;
	size_t		 n;
	struct {
		const char	*key;
		size_t		 klen;
		int		 esc;	/* the key holds escapes */
		const char	*value;
	}		 m[FILTER_MEMBERS];
	const char	*rest;		/* or NULL */
};

/*
 * An event under evaluation: a valid decoded event (event.h), borrowed,
 * and what the filters found in its properties and traits so far, which
 * the next filter evaluated on it reuses.  One thread uses it at a time.
 */
struct filter_event {
	const struct event	*ev;
	struct filter_object	 properties;
	struct filter_object	 traits;
};

/* Start the evaluation of ev, which must outlive fe. */
void		 filter_event_init(struct filter_event *fe,
		    const struct event *ev);

/*
 * Evaluate f on the event of fe.  Conditions read the decoded members and
 * context fields of the event and the compact texts of its properties and
 * traits, whose JSON numbers compare exactly as written, at any size and
 * precision (filters.md §7.5).  Return 1 when the filter is true and 0
 * otherwise; when res is not NULL it says why (§7.1).  A NULL filter is
 * true (fe may then be NULL).  Evaluation allocates nothing, except to
 * decode a property string longer than 256 bytes that holds escapes.
 */
int		 filter_eval(const struct filter *f, struct filter_event *fe,
		    struct filter_result *res);

/* Free f; filter_free(NULL) does nothing. */
void		 filter_free(struct filter *f);

#endif
