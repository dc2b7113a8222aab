/*
 * Unit tests of common/sha1.c: the test vectors of RFC 3174 §7.3 for
 * SHA-1 and of RFC 2202 §3 for HMAC-SHA1.
 */
#include <string.h>

#include "sha1.h"
#include "unit.h"

/* The hex digest of count repetitions of s. */
static const char *
digest(const char *s, int count)
{
	static char	hex[SHA1_HEX_LEN + 1];
	struct sha1	sh;
	unsigned char	d[SHA1_LEN];
	int		i;

	sha1_init(&sh);
	for (i = 0; i < count; i++)
		sha1_update(&sh, s, strlen(s));
	sha1_final(&sh, d);
	sha1_hex(d, hex);
	return hex;
}

/* The hex HMAC-SHA1 of data under key. */
static const char *
hmac(const void *key, size_t keylen, const void *data, size_t len)
{
	static char	hex[SHA1_HEX_LEN + 1];
	unsigned char	d[SHA1_LEN];

	sha1_hmac(key, keylen, data, len, d);
	sha1_hex(d, hex);
	return hex;
}

/* RFC 3174 §7.3, TEST1 to TEST4, and the empty message. */
static void
test_rfc3174(void)
{
	CHECK_STR(digest("abc", 1),
	    "a9993e364706816aba3e25717850c26c9cd0d89d");
	CHECK_STR(digest("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnop"
	    "nopq", 1), "84983e441c3bd26ebaae4aa1f95129e5e54670f1");
	CHECK_STR(digest("a", 1000000),
	    "34aa973cd4c4daa4f61eeb2bdbad27316534016f");
	CHECK_STR(digest("01234567012345670123456701234567"
	    "01234567012345670123456701234567", 10),
	    "dea356a2cddd90c7a7ecedc5ebb563934f460452");
	CHECK_STR(digest("", 1), "da39a3ee5e6b4b0d3255bfef95601890afd80709");
}

/* Messages whose padding falls on each side of a block's end. */
static void
test_block_edges(void)
{
	CHECK_STR(digest("a", 55), "c1c8bbdc22796e28c0e15163d20899b65621d65a");
	CHECK_STR(digest("a", 56), "c2db330f6083854c99d4b5bfb6e8f29f201be699");
	CHECK_STR(digest("a", 64), "0098ba824b5c16427bd7a1122a5a442a25ec644d");
}

/* RFC 2202 §3, test cases 1 to 7. */
static void
test_rfc2202(void)
{
	unsigned char	key[80], data[50];
	int		i;

	memset(key, 0x0b, 20);
	CHECK_STR(hmac(key, 20, "Hi There", 8),
	    "b617318655057264e28bc0b6fb378c8ef146be00");
	CHECK_STR(hmac("Jefe", 4, "what do ya want for nothing?", 28),
	    "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79");
	memset(key, 0xaa, 20);
	memset(data, 0xdd, 50);
	CHECK_STR(hmac(key, 20, data, 50),
	    "125d7342b9ac11cd91a39af48aa17b4f63f175d3");
	for (i = 0; i < 25; i++)
		key[i] = (unsigned char)(i + 1);
	memset(data, 0xcd, 50);
	CHECK_STR(hmac(key, 25, data, 50),
	    "4c9007f4026250c6bc8414f9bf50c86c2d7235da");
	memset(key, 0x0c, 20);
	CHECK_STR(hmac(key, 20, "Test With Truncation", 20),
	    "4c1a03424b55e07fe7f27be1d58bb9324a9a5a04");
	memset(key, 0xaa, 80);
	CHECK_STR(hmac(key, 80, "Test Using Larger Than Block-Size Key - "
	    "Hash Key First", 54), "aa4ae5e15272d00e95705637ce8a3b55ed402112");
	CHECK_STR(hmac(key, 80, "Test Using Larger Than Block-Size Key and "
	    "Larger Than One Block-Size Data", 73),
	    "e8e99d0f45237d786d6bbaa7965c7808bbff1a91");
}

int
main(void)
{
	UNIT_RUN(test_rfc3174);
	UNIT_RUN(test_block_edges);
	UNIT_RUN(test_rfc2202);
	return UNIT_END();
}
