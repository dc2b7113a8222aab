/*
 * Identifiers drawn from getrandom(2).  Random bytes are taken from the
 * kernel in blocks of IDS_POOL bytes into a per-thread pool, so that the
 * HTTP threads neither share a lock nor make a system call per character.
 */
#include <sys/random.h>

#include <errno.h>
#include <pthread.h>
#include <stddef.h>
#include <string.h>

#include "ids.h"
#include "log.h"

#define IDS_POOL	256

static const char	 base58[] =
    "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
/* Write keys use A-Z, then a-z, then 0-9 (pipelines.md §3). */
static const char	 base62[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/* Each thread's unused random bytes are pool[IDS_POOL - avail ..]. */
static _Thread_local unsigned char	 pool[IDS_POOL];
static _Thread_local size_t		 pool_avail;
static pthread_once_t			 pool_once = PTHREAD_ONCE_INIT;

/*
 * A forked child must not hand out the bytes its parent still holds: it
 * would repeat the parent's next ids.  Only the forking thread survives a
 * fork, so emptying its pool is enough.
 */
static void
pool_atfork_child(void)
{
	explicit_bzero(pool, sizeof(pool));
	pool_avail = 0;
}

static void
pool_setup(void)
{
	if (pthread_atfork(NULL, NULL, pool_atfork_child) != 0)
		fatalx("ids: pthread_atfork failed");
}

void
ids_random_bytes(void *p, size_t n)
{
	unsigned char	*buf = p;
	ssize_t	r;

	while (n > 0) {
		r = getrandom(buf, n, 0);
		if (r == -1) {
			if (errno == EINTR)
				continue;
			fatal("ids: getrandom");
		}
		buf += r;
		n -= (size_t)r;
	}
}

/* The next random byte of this thread's pool. */
static unsigned char
random_byte(void)
{
	unsigned char	b;

	if (pool_avail == 0) {
		pthread_once(&pool_once, pool_setup);
		ids_random_bytes(pool, sizeof(pool));
		pool_avail = sizeof(pool);
	}
	b = pool[IDS_POOL - pool_avail];
	pool[IDS_POOL - pool_avail] = 0;
	pool_avail--;
	return b;
}

/*
 * Rejection sampling: a byte is used only when it is below the largest
 * multiple of alen that is at most 256, so that each of the alen
 * characters has the same chance; the others are drawn again.
 */
void
ids_random_chars(char *buf, size_t n, const char *alphabet, size_t alen)
{
	unsigned int	limit, b;
	size_t		i;

	if (alen == 0 || alen > 256)
		fatalx("ids: alphabet of %zu characters", alen);
	limit = 256 - 256 % (unsigned int)alen;
	for (i = 0; i < n; i++) {
		do
			b = random_byte();
		while (b >= limit);
		buf[i] = alphabet[b % alen];
	}
}

void
ids_new_id(char *buf)
{
	ids_random_chars(buf, IDS_ID_LEN, base58, sizeof(base58) - 1);
	buf[IDS_ID_LEN] = '\0';
}

void
ids_new_key(char *buf)
{
	ids_random_chars(buf, IDS_KEY_LEN, base62, sizeof(base62) - 1);
	buf[IDS_KEY_LEN] = '\0';
}

/*
 * RFC 4122 §4.4: 122 random bits, version 4 in the high nibble of byte 6,
 * variant 10 in the high bits of byte 8, printed 8-4-4-4-12 in lower case.
 */
void
ids_new_uuid(char *buf)
{
	static const char	 hex[] = "0123456789abcdef";
	unsigned char		 b[16];
	size_t			 i;
	char			*p = buf;

	for (i = 0; i < sizeof(b); i++)
		b[i] = random_byte();
	b[6] = (b[6] & 0x0f) | 0x40;
	b[8] = (b[8] & 0x3f) | 0x80;
	for (i = 0; i < sizeof(b); i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			*p++ = '-';
		*p++ = hex[b[i] >> 4];
		*p++ = hex[b[i] & 0x0f];
	}
	*p = '\0';
}

/* Whether c is in the base58 alphabet (no 0, O, I or l). */
static int
is_base58(char c)
{
	if (c >= '1' && c <= '9')
		return 1;
	if (c >= 'A' && c <= 'Z')
		return c != 'I' && c != 'O';
	if (c >= 'a' && c <= 'z')
		return c != 'l';
	return 0;
}

/* Whether c is an ASCII letter or digit, whatever the locale. */
static int
is_base62(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') ||
	    (c >= 'a' && c <= 'z');
}

int
ids_is_id(const char *s)
{
	size_t	i;

	for (i = 0; i < IDS_ID_LEN; i++)
		if (!is_base58(s[i]))
			return 0;
	return s[IDS_ID_LEN] == '\0';
}

int
ids_is_key(const char *s, size_t len)
{
	size_t	i;

	if (len != IDS_KEY_LEN)
		return 0;
	for (i = 0; i < len; i++)
		if (!is_base62(s[i]))
			return 0;
	return 1;
}

/*
 * Encode n bytes as one big-endian base58 number, as Bitcoin's base58
 * does (a leading zero byte becomes "1"); buf must hold 2n + 1 bytes.
 */
static void
base58_encode(const unsigned char *in, size_t n, char *buf)
{
	static const char	alphabet[] =
	    "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
	unsigned char		num[32], digits[48];
	size_t			i, len = 0, zeros = 0, start, out = 0;
	unsigned int		rem;

	memcpy(num, in, n);
	while (zeros < n && num[zeros] == 0)
		zeros++;
	start = zeros;
	while (start < n) {
		rem = 0;
		for (i = start; i < n; i++) {
			rem = rem * 256 + num[i];
			num[i] = rem / 58;
			rem %= 58;
		}
		digits[len++] = rem;
		while (start < n && num[start] == 0)
			start++;
	}
	for (i = 0; i < zeros; i++)
		buf[out++] = '1';
	while (len > 0)
		buf[out++] = alphabet[digits[--len]];
	buf[out] = '\0';
}

void
ids_new_request_id(char *buf)
{
	unsigned char	b[12];
	size_t		i;

	for (i = 0; i < sizeof(b); i++)
		b[i] = random_byte();
	base58_encode(b, sizeof(b), buf);
}
