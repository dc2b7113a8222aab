/*
 * The debugger records krtop holds (spec/pipelines.md §7.1), in order,
 * and the list the screen shows of them.
 *
 * Records are ordered by (epoch, seq): seq restarts at 1 when the daemon
 * restarts, so every run of the daemon krtop has seen is an epoch of its
 * own.  The list keeps at most maxn records and maxbytes of text; past
 * that the oldest go, a tenth at a time.
 *
 * It calls jansson to read the records, and record.h (common) for what
 * a rejected event's raw text says of it.
 */
#ifndef RECLIST_H
#define RECLIST_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

enum rec_outcome {
	REC_STORED,
	REC_FILTERED,
	REC_DUPLICATE,
	REC_REJECTED,
	REC_UNKNOWN,
	REC_NOUTCOMES
};

/* The marks of the list, one per pipeline entry (§7.2). */
#define REC_MARK_PASSED		'+'
#define REC_MARK_FILTERED	'x'
#define REC_MARK_CONSENT	'c'
#define REC_MARK_DISABLED	'-'
#define REC_MARK_QUEUED		'>'	/* for a destination */
#define REC_MARK_FAILED		'!'	/* its queue was full */
#define REC_MARK_OTHER		'?'	/* a result krtop does not know */

/* One record: what the list shows of it, and its text for the details. */
struct rec {
	unsigned	 epoch;
	long long	 seq;
	char		*at;		/* receivedAt */
	char		*source;	/* source id */
	char		*type;		/* these three are "" when absent */
	char		*name;		/* event, or name (page, screen) */
	char		*user;		/* userId, or anonymousId */
	char		*error;		/* NULL unless rejected */
	char		*raw;		/* the raw event text */
	size_t		 rawlen;
	char		*marks;		/* one REC_MARK_ per pipeline */
	enum rec_outcome outcome;
	char		*text;		/* the record's JSON text */
	size_t		 textlen;
	size_t		 size;		/* bytes held, roughly */
	unsigned	 matchgen;	/* text filter cache */
	int		 match;
};

/* What the screen shows of the list. */
struct reclist_filter {
	const char	*source;	/* a source id, or NULL for all */
	int		 outcome;	/* enum rec_outcome, or -1: all */
	const char	*text;		/* NULL or "" for all */
	int		 paused;	/* show nothing after (epoch, seq) */
	unsigned	 epoch;
	long long	 seq;
};

struct reclist {
	struct rec	**v;
	size_t		  n;
	size_t		  cap;
	size_t		  bytes;
	size_t		  maxn;
	size_t		  maxbytes;
	char		 *text;		/* the text filter matchgen is for */
	uint32_t	 *needle;	/* its characters, in lower case */
	size_t		  nneedle;
	unsigned	  matchgen;
};

/* The name of an outcome ("stored" ...), and back (-1 if unknown). */
const char	*reclist_outcome_name(enum rec_outcome);
int		 reclist_outcome_parse(const char *);

/*
 * Make a record of the JSON object rec, whose text is the len bytes at
 * text, received in epoch.  Return NULL if it has no seq.  The caller
 * owns the result (reclist_add takes it over).
 */
struct rec	*reclist_rec_new(const json_t *rec, const char *text,
		    size_t len, unsigned epoch);
void		 reclist_rec_free(struct rec *);

void		 reclist_init(struct reclist *, size_t maxn, size_t maxbytes);
void		 reclist_release(struct reclist *);
/*
 * Add r in its place and take it over; return 1, or 0 when the list has
 * that record already (r is freed).  The oldest records may go.
 */
int		 reclist_add(struct reclist *, struct rec *r);
/* The index of the first record at or after (epoch, seq). */
size_t		 reclist_lower(const struct reclist *, unsigned epoch,
		    long long seq);
/* Whether r passes the filter, its pause point aside. */
int		 reclist_match(struct reclist *, struct rec *r,
		    const struct reclist_filter *);
/*
 * Put the records that pass the filter into out (room for n records), in
 * order, and return how many.  *held is the number that pass but came
 * after the pause point.
 */
size_t		 reclist_view(struct reclist *, const struct reclist_filter *,
		    struct rec **out, size_t *held);

#endif
