/*
 * libFuzzer target of the ingest header rules (krenalisd/ingest.c): the
 * input is cut at each newline, and each slice is taken as a path, an
 * Authorization, a Content-Type, an X-Forwarded-For and a
 * Content-Encoding.  The answers must be of their kind, and what they
 * write must fit the buffers given, whose sizes the first byte chooses.
 */
#include <arpa/inet.h>
#include <netinet/in.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ingest.h"

static void	fail(const char *why, const char *value)
    __attribute__((__noreturn__));

static void
fail(const char *why, const char *value)
{
	fprintf(stderr, "ingest: %s\n  value: %s\n", why, value);
	abort();
}

static void
check_route(const char *s)
{
	struct route	r;

	memset(&r, 0xa5, sizeof(r));
	ingest_route(s, &r);
	if ((unsigned int)r.kind > ROUTE_METRICS)
		fail("a route of no kind", s);
	if (r.kind == ROUTE_SINGLE && (unsigned int)r.type >= EVENT_NTYPES)
		fail("a single-event route of no type", s);
	if ((r.kind == ROUTE_SETTINGS || r.kind == ROUTE_PROJECT) &&
	    memchr(r.key, '\0', sizeof(r.key)) == NULL)
		fail("a route key is not terminated", s);
	(void)ingest_allow(r.kind);
}

/* Authorization into a key buffer of exactly keylen bytes. */
static void
check_auth(const char *s, size_t keylen)
{
	char	*key = malloc(keylen);
	int	 rc;

	rc = ingest_auth(s, key, keylen);
	if (rc != -1 && rc != AUTH_NONE && rc != AUTH_BEARER &&
	    rc != AUTH_BASIC)
		fail("an Authorization of no scheme", s);
	if (memchr(key, '\0', keylen) == NULL)
		fail("a key is not terminated", s);
	if (rc == AUTH_NONE && key[0] != '\0')
		fail("a key from an empty Authorization", s);
	free(key);
}

static void
check_forwarded(const char *s)
{
	unsigned char	 addr[16];
	char		*ip = malloc(INET6_ADDRSTRLEN);
	int		 rc;

	rc = ingest_forwarded_for(s, ip, INET6_ADDRSTRLEN);
	if (rc < -1 || rc > 1)
		fail("an X-Forwarded-For answer out of range", s);
	if (rc == 1 && inet_pton(AF_INET, ip, addr) != 1 &&
	    inet_pton(AF_INET6, ip, addr) != 1)
		fail("a request IP that is no address", s);
	free(ip);
}

static void
check_slice(const char *s, size_t keylen)
{
	int	rc;

	check_route(s);
	check_auth(s, keylen);
	if ((rc = ingest_charset_ok(s)) != 0 && rc != 1)
		fail("a charset answer that is no boolean", s);
	check_forwarded(s);
	rc = ingest_encoding(s);
	if (rc != ENCODING_IDENTITY && rc != ENCODING_GZIP &&
	    rc != ENCODING_UNSUPPORTED)
		fail("an encoding of no kind", s);
}

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char	*p, *end, *nl;
	char		*s;
	size_t		 keylen, n;

	if (size == 0)
		return 0;
	keylen = 1 + data[0] % 80;
	p = (const char *)data + 1;
	end = (const char *)data + size;
	while (p <= end) {
		nl = memchr(p, '\n', end - p);
		n = (nl != NULL ? nl : end) - p;
		s = malloc(n + 1);
		memcpy(s, p, n);
		s[n] = '\0';
		check_slice(s, keylen);
		free(s);
		p += n + 1;
	}
	if (ingest_charset_ok(NULL) != 1 ||
	    ingest_encoding(NULL) != ENCODING_IDENTITY)
		fail("an absent header is not the default", "(null)");
	return 0;
}
