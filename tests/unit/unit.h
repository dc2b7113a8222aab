/*
 * A small unit-test harness.  A test file defines functions
 * "static void test_x(void)" and lists them in main with UNIT_RUN(); each
 * prints "PASS unit/file:test_x" or "FAIL ..." followed by the failed
 * checks, and the program exits 1 when any check failed.
 */
#ifndef UNIT_H
#define UNIT_H

#include <stdio.h>
#include <string.h>

static int	unit_failed_checks;
static int	unit_failed_tests;

#define CHECK(cond) do {						\
	if (!(cond)) {							\
		printf("  %s:%d: check failed: %s\n", __FILE__,	\
		    __LINE__, #cond);					\
		unit_failed_checks++;					\
	}								\
} while (0)

#define CHECK_INT(a, b) do {						\
	long long unit_a_ = (long long)(a), unit_b_ = (long long)(b);	\
	if (unit_a_ != unit_b_) {					\
		printf("  %s:%d: %s == %lld, expected %lld\n",		\
		    __FILE__, __LINE__, #a, unit_a_, unit_b_);		\
		unit_failed_checks++;					\
	}								\
} while (0)

#define CHECK_STR(a, b) do {						\
	const char *unit_a_ = (a), *unit_b_ = (b);			\
	if (unit_a_ == NULL || unit_b_ == NULL ?			\
	    unit_a_ != unit_b_ : strcmp(unit_a_, unit_b_) != 0) {	\
		printf("  %s:%d: %s == \"%s\", expected \"%s\"\n",	\
		    __FILE__, __LINE__, #a, unit_a_ ? unit_a_ : "(null)",	\
		    unit_b_ ? unit_b_ : "(null)");			\
		unit_failed_checks++;					\
	}								\
} while (0)

#define UNIT_RUN(fn) do {						\
	int unit_before_ = unit_failed_checks;				\
	fn();								\
	printf("%s unit/%s:%s\n", unit_failed_checks == unit_before_ ?	\
	    "PASS" : "FAIL", unit_basename(__FILE__), #fn);		\
	if (unit_failed_checks != unit_before_)				\
		unit_failed_tests++;					\
} while (0)

#define UNIT_END()	(unit_failed_tests == 0 ? 0 : 1)

static inline const char *
unit_basename(const char *path)
{
	const char	*s = strrchr(path, '/');

	return s ? s + 1 : path;
}

#endif
