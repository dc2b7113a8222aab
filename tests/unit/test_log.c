/*
 * Unit tests of common/log.c in the foreground: during the start, the
 * lines of the thread that began it go without the time, and those of
 * the threads it started (a sender failing at once) have it; after the
 * start, every line has it.
 */
#include <pthread.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "unit.h"
#include "log.h"

static void *
other_thread(void *arg)
{
	log_info("from a thread %s", (const char *)arg);
	return NULL;
}

/* Whether line matches the extended regular expression re. */
static int
matches(const char *line, const char *re)
{
	regex_t	r;
	int	rc;

	if (regcomp(&r, re, REG_EXTENDED | REG_NOSUB) != 0)
		return 0;
	rc = regexec(&r, line, 0, NULL, 0) == 0;
	regfree(&r);
	return rc;
}

static void
test_stamps(void)
{
	static const char *const want[] = {
		"^unit: starting$",
		"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]{12}Z unit: from a thread "
		    "during the start$",
		"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]{12}Z unit: serving$",
		"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]{12}Z unit: from a thread "
		    "after it$",
	};
	char		 path[] = "/tmp/krenalis-log.XXXXXX", line[256];
	char		 during[] = "during the start", after[] = "after it";
	pthread_t	 t;
	FILE		*fp;
	size_t		 n = 0;
	int		 fd, saved;

	if ((fd = mkstemp(path)) == -1) {
		CHECK(!"mkstemp");
		return;
	}
	fflush(stderr);
	saved = dup(2);
	dup2(fd, 2);
	log_init("unit", 1, 0);
	log_stamp(0);
	log_info("starting");
	pthread_create(&t, NULL, other_thread, during);
	pthread_join(t, NULL);
	log_stamp(1);
	log_info("serving");
	pthread_create(&t, NULL, other_thread, after);
	pthread_join(t, NULL);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	close(fd);

	if ((fp = fopen(path, "r")) == NULL) {
		CHECK(!"fopen");
		unlink(path);
		return;
	}
	while (fgets(line, sizeof(line), fp) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		if (n < sizeof(want) / sizeof(want[0]) &&
		    !matches(line, want[n]))
			printf("  line %zu: \"%s\" does not match %s\n", n + 1,
			    line, want[n]);
		CHECK(n >= sizeof(want) / sizeof(want[0]) ||
		    matches(line, want[n]));
		n++;
	}
	CHECK_INT(n, sizeof(want) / sizeof(want[0]));
	fclose(fp);
	unlink(path);
}

int
main(void)
{
	UNIT_RUN(test_stamps);
	return UNIT_END();
}
