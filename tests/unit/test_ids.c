/* Unit tests of common/ids.c. */
#include <sys/wait.h>

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ids.h"
#include "unit.h"

#define B58	"123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
#define B62	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

#define DRAWS	10000

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The number of equal neighbours in the sorted array v of n strings. */
static int
count_duplicates(char **v, size_t n)
{
	size_t	i;
	int	dups = 0;

	qsort(v, n, sizeof(*v), cmp_str);
	for (i = 1; i < n; i++)
		if (strcmp(v[i - 1], v[i]) == 0)
			dups++;
	return dups;
}

/* Whether all len bytes of s are in the alphabet a. */
static int
all_in(const char *s, size_t len, const char *a)
{
	size_t	i;

	for (i = 0; i < len; i++)
		if (s[i] == '\0' || strchr(a, s[i]) == NULL)
			return 0;
	return 1;
}

static void
test_id_form(void)
{
	char	*v[DRAWS];
	size_t	 i;
	int	 bad = 0;

	for (i = 0; i < DRAWS; i++) {
		v[i] = malloc(IDS_ID_LEN + 1);
		memset(v[i], 'x', IDS_ID_LEN + 1);
		ids_new_id(v[i]);
		if (strlen(v[i]) != IDS_ID_LEN ||
		    !all_in(v[i], IDS_ID_LEN, B58) || !ids_is_id(v[i]))
			bad++;
	}
	CHECK_INT(bad, 0);
	CHECK_INT(count_duplicates(v, DRAWS), 0);
	for (i = 0; i < DRAWS; i++)
		free(v[i]);
}

static void
test_key_form(void)
{
	char	*v[DRAWS];
	size_t	 i;
	int	 bad = 0;

	for (i = 0; i < DRAWS; i++) {
		v[i] = malloc(IDS_KEY_LEN + 1);
		memset(v[i], 'x', IDS_KEY_LEN + 1);
		ids_new_key(v[i]);
		if (strlen(v[i]) != IDS_KEY_LEN ||
		    !all_in(v[i], IDS_KEY_LEN, B62) ||
		    !ids_is_key(v[i], strlen(v[i])))
			bad++;
	}
	CHECK_INT(bad, 0);
	CHECK_INT(count_duplicates(v, DRAWS), 0);
	for (i = 0; i < DRAWS; i++)
		free(v[i]);
}

static void
test_uuid_form(void)
{
	char	*v[DRAWS];
	size_t	 i, j;
	int	 bad = 0, variants[4] = { 0, 0, 0, 0 };
	char	 c;

	for (i = 0; i < DRAWS; i++) {
		v[i] = malloc(IDS_UUID_LEN + 1);
		memset(v[i], 'x', IDS_UUID_LEN + 1);
		ids_new_uuid(v[i]);
		if (strlen(v[i]) != IDS_UUID_LEN)
			bad++;
		for (j = 0; j < IDS_UUID_LEN && v[i][j] != '\0'; j++) {
			c = v[i][j];
			if (j == 8 || j == 13 || j == 18 || j == 23) {
				if (c != '-')
					bad++;
			} else if (strchr("0123456789abcdef", c) == NULL)
				bad++;
		}
		/* Version 4, variant 10 (8, 9, a or b). */
		if (v[i][14] != '4')
			bad++;
		c = v[i][19];
		if (c == '8' || c == '9')
			variants[c - '8']++;
		else if (c == 'a' || c == 'b')
			variants[c - 'a' + 2]++;
		else
			bad++;
	}
	CHECK_INT(bad, 0);
	for (j = 0; j < 4; j++)
		CHECK(variants[j] > DRAWS / 8);
	CHECK_INT(count_duplicates(v, DRAWS), 0);
	for (i = 0; i < DRAWS; i++)
		free(v[i]);
}

static void
test_is_id(void)
{
	CHECK(ids_is_id("123456789ABC"));
	CHECK(ids_is_id("zzzzzzzzzzzz"));
	CHECK(!ids_is_id(""));
	CHECK(!ids_is_id("123456789AB"));
	CHECK(!ids_is_id("123456789ABCD"));
	CHECK(!ids_is_id("023456789ABC"));	/* 0 */
	CHECK(!ids_is_id("O23456789ABC"));	/* O */
	CHECK(!ids_is_id("I23456789ABC"));	/* I */
	CHECK(!ids_is_id("l23456789ABC"));	/* l */
	CHECK(!ids_is_id("12345678-ABC"));
	CHECK(!ids_is_id("12345678 ABC"));
	CHECK(!ids_is_id("12345678\xc3\xa9" "BC"));
}

static void
test_is_key(void)
{
	const char	*k = "1bG4rPq0nV7aX2cT9mK5sW8eY3hJ6dLf";

	CHECK(ids_is_key(k, 32));
	CHECK(ids_is_key("0OIl0OIl0OIl0OIl0OIl0OIl0OIl0OIl", 32));
	CHECK(!ids_is_key(k, 31));
	CHECK(!ids_is_key(k, 0));
	CHECK(!ids_is_key("1bG4rPq0nV7aX2cT9mK5sW8eY3hJ6dLfX", 33));
	CHECK(!ids_is_key("1bG4rPq0nV7aX2cT9mK5sW8eY3hJ6dL-", 32));
	CHECK(!ids_is_key("1bG4rPq0nV7aX2cT9mK5sW8eY3hJ6dL_", 32));
	CHECK(!ids_is_key("1bG4rPq0nV7aX2cT9mK5sW8eY3hJ6dL\0", 32));
	CHECK(!ids_is_key("1bG4rPq0nV7aX2cT9mK5sW8eY3h\xc3\xa9" "dLf", 32));
}

/*
 * Pearson's chi-square over n characters of an alphabet of alen: with
 * alen - 1 degrees of freedom its mean is alen - 1.
 */
static double
chi_square(const char *alphabet, size_t alen, size_t n, int *missing)
{
	static char	 buf[200000];
	size_t		 counts[256], i;
	const char	*p;
	double		 expect, d, chi = 0;

	memset(counts, 0, sizeof(counts));
	ids_random_chars(buf, n, alphabet, alen);
	for (i = 0; i < n; i++) {
		p = memchr(alphabet, buf[i], alen);
		if (p == NULL)
			return 1e9;
		counts[p - alphabet]++;
	}
	expect = (double)n / (double)alen;
	*missing = 0;
	for (i = 0; i < alen; i++) {
		if (counts[i] == 0)
			(*missing)++;
		d = (double)counts[i] - expect;
		chi += d * d / expect;
	}
	return chi;
}

/*
 * 200000 characters of base62.  The statistic has mean 61 and standard
 * deviation 11; a plain "byte % 62" would favour the first 8 characters
 * by 25% and give about 1300.  The bound 200 is some 13 deviations off:
 * a fair source will not fail, a biased one cannot pass.
 */
static void
test_uniformity(void)
{
	double	chi;
	int	missing;

	chi = chi_square(B62, 62, 200000, &missing);
	if (chi >= 200)
		printf("  base62 chi-square %.1f\n", chi);
	CHECK(chi < 200);
	CHECK_INT(missing, 0);

	chi = chi_square(B58, 58, 200000, &missing);
	if (chi >= 190)
		printf("  base58 chi-square %.1f\n", chi);
	CHECK(chi < 190);
	CHECK_INT(missing, 0);

	/* A small alphabet that does not divide 256 is uniform too. */
	chi = chi_square("abc", 3, 200000, &missing);
	CHECK(chi < 40);
	CHECK_INT(missing, 0);
}

/* Alphabets of 1 and 256 characters, and a zero count. */
static void
test_random_chars_edges(void)
{
	char	all[256], buf[4096];
	size_t	i, seen[256];
	int	missing = 0;

	ids_random_chars(buf, 64, "q", 1);
	for (i = 0; i < 64; i++)
		CHECK(buf[i] == 'q');

	for (i = 0; i < 256; i++)
		all[i] = (char)i;
	memset(seen, 0, sizeof(seen));
	ids_random_chars(buf, sizeof(buf), all, 256);
	for (i = 0; i < sizeof(buf); i++)
		seen[(unsigned char)buf[i]]++;
	for (i = 0; i < 256; i++)
		if (seen[i] == 0)
			missing++;
	CHECK(missing < 3);

	buf[0] = '!';
	ids_random_chars(buf, 0, B62, 62);
	CHECK(buf[0] == '!');
}

/* A forked child must not repeat what its parent draws next. */
static void
test_fork(void)
{
	char	parent[IDS_UUID_LEN + 1], child[IDS_UUID_LEN + 1];
	int	fd[2], status;
	pid_t	pid;
	ssize_t	n;

	/* Leave most of this thread's pool unused. */
	ids_new_id(parent);
	CHECK(pipe(fd) == 0);
	/* The child must not write what stdout holds a second time. */
	fflush(stdout);
	pid = fork();
	CHECK(pid != -1);
	if (pid == 0) {
		ids_new_uuid(child);
		_exit(write(fd[1], child, sizeof(child)) == sizeof(child) ?
		    0 : 1);
	}
	close(fd[1]);
	ids_new_uuid(parent);
	n = read(fd[0], child, sizeof(child));
	close(fd[0]);
	CHECK(waitpid(pid, &status, 0) == pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	CHECK_INT(n, sizeof(child));
	if (n == sizeof(child)) {
		CHECK(strlen(child) == IDS_UUID_LEN);
		CHECK(strcmp(parent, child) != 0);
	}
}

int
main(void)
{
	UNIT_RUN(test_id_form);
	UNIT_RUN(test_key_form);
	UNIT_RUN(test_uuid_form);
	UNIT_RUN(test_is_id);
	UNIT_RUN(test_is_key);
	UNIT_RUN(test_uniformity);
	UNIT_RUN(test_random_chars_edges);
	UNIT_RUN(test_fork);
	return UNIT_END();
}
