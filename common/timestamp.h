/*
 * Timestamps of spec/events.md §11: milliseconds since the Unix epoch, UTC,
 * printed as YYYY-MM-DDTHH:MM:SS.mmmZ.
 */
#ifndef TIMESTAMP_H
#define TIMESTAMP_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define TIMESTAMP_BUFSZ	25		/* 24 characters and the NUL */

enum timestamp_error {
	TIMESTAMP_OK = 0,
	TIMESTAMP_INVALID,		/* "is not a valid ISO 8601 timestamp" */
	TIMESTAMP_BAD_YEAR		/* "has an invalid year value" */
};

/* The current time, truncated to whole milliseconds. */
int64_t	 timestamp_now(void);

/* Milliseconds of the monotonic clock, for deadlines and intervals. */
int64_t	 timestamp_monotonic(void);

/*
 * A condition variable whose timed waits count on the monotonic clock,
 * and the time ms from now on that clock, for its pthread_cond_timedwait:
 * a wall clock stepped back would lengthen the wait by the step.
 */
void	 timestamp_cond_init(pthread_cond_t *);
void	 timestamp_abstime(struct timespec *, int64_t ms);

/*
 * Print ms (UTC year 1..9999) into buf as YYYY-MM-DDTHH:MM:SS.mmmZ and
 * return buf.
 */
char	*timestamp_format(int64_t ms, char buf[TIMESTAMP_BUFSZ]);

/*
 * Parse the len bytes at s (not NUL-terminated) with the grammar of §11.1,
 * convert to UTC and truncate to ms towards the past.  Return TIMESTAMP_OK
 * and set *ms, or an error.
 */
enum timestamp_error timestamp_parse(const char *s, size_t len, int64_t *ms);

/* Whether ms lies in UTC years 1..9999. */
int	 timestamp_valid_year(int64_t ms);

#endif
