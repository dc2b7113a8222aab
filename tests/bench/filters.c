/*
 * filters: what pipeline filters cost an HTTP thread next to decoding, in
 * instructions, which stay the same on a loaded machine where times do
 * not.  Each round scans and decodes the 500-event batch body of loadgen
 * (payload.h) as rows_decode does, then, with -f, evaluates on every
 * event the filters of 10 pipelines of 5 conditions each, all true, so
 * that every condition is evaluated.
 *
 *   filters [-f] [-r rounds]
 *
 * filters.sh runs it under valgrind's cachegrind with two round counts
 * and prints the instructions per event of the rounds alone.
 */
#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "filter.h"
#include "rows.h"

#define NEVENTS		500
#define NPIPELINES	10

/* One "and" filter of 5 conditions per pipeline, true on every event. */
static const char *const filters[NPIPELINES] = {
	"type is 'track' and event is 'Workout Completed' and "
	"properties.duration_minutes is greater than 30 and "
	"context.os.name is 'macOS' and userId exists",
	"properties.workout_type is one of ('Cardio', 'Strength') and "
	"context.screen.width is greater than or equal to 1024 and "
	"timestamp is after '2025-01-01' and context.locale starts with 'en' "
	"and properties.calories_burned is between (100, 1000)",
	"context.browser.name is 'Safari' and context.page.path contains "
	"'dash' and anonymousId is not empty and properties.device is not "
	"'Phone' and traits is empty",
	"event starts with 'Workout' and context.ip is '172.91.24.57' and "
	"properties.calories_burned is not 0 and context.screen.density is "
	"2 and receivedAt is on or after '2020-01-01'",
	"userId is not one of ('1', '2', '3') and properties.device ends with "
	"'watch' and context.session.id is greater than 0 and "
	"context.timezone contains 'America' and properties exists",
	"context.library.name is 'krenalis.js' and properties.duration_minutes "
	"is less than or equal to 60 and context.page.url starts with "
	"'https://' and type is not 'identify' and context.userAgent contains "
	"'Safari'",
	"properties.workout_type is 'Cardio' and context.os.version is "
	"greater than '10' and originalTimestamp is before '2030-01-01' and "
	"context.page.title is not empty and properties.unknown does not "
	"exist",
	"context.screen.height is between (600, 2160) and properties.device is "
	"one of ('Smartwatch', 'Phone') and sentAt is on or before "
	"'2030-01-01' and context.browser.version starts with '17' and "
	"name does not exist",
	"properties.calories_burned is greater than 300 and event is not "
	"'Signed Up' and context.consents does not exist and "
	"context.location does not exist and properties.workout_type does not "
	"contain 'Yoga'",
	"context.page exists and properties.duration_minutes is one of (30, "
	"45, 60) and anonymousId starts with 'b27c' and context.os.name is "
	"not 'Windows' and properties.device is greater than 'A'",
};

static void
usage(void)
{
	fprintf(stderr, "usage: filters [-f] [-r rounds]\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	struct filter		*f[NPIPELINES];
	struct filter_event	 fe;
	struct payload		 p;
	struct event		*evs;
	char			 err[FILTER_ERRSZ];
	size_t			 i, j;
	long			 rounds = 1, r, passed = 0;
	int			 ch, eval = 0;

	while ((ch = getopt(argc, argv, "fr:")) != -1) {
		switch (ch) {
		case 'f':
			eval = 1;
			break;
		case 'r':
			rounds = strtol(optarg, NULL, 10);
			break;
		default:
			usage();
		}
	}
	if (optind != argc || rounds < 0)
		usage();
	for (i = 0; i < NPIPELINES; i++)
		if ((f[i] = filter_parse(filters[i], strlen(filters[i]), err,
		    sizeof(err))) == NULL)
			errx(1, "filter %zu: %s", i, err);
	payload_init(&p, NEVENTS, 1);
	for (r = 0; r < rounds; r++) {
		evs = rows_decode(&p, NULL, 1760976925001LL);
		for (i = 0; eval && i < NEVENTS; i++) {
			filter_event_init(&fe, &evs[i]);
			for (j = 0; j < NPIPELINES; j++)
				passed += filter_eval(f[j], &fe, NULL);
		}
		rows_free(evs, NEVENTS);
	}
	if (eval && passed != rounds * NEVENTS * NPIPELINES)
		errx(1, "%ld of %ld evaluations passed", passed,
		    rounds * NEVENTS * NPIPELINES);
	for (i = 0; i < NPIPELINES; i++)
		filter_free(f[i]);
	payload_release(&p);
	return 0;
}
