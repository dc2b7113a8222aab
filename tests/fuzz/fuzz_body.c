/*
 * libFuzzer target of gzip request bodies within limits (krenalisd/
 * body.c).  The first three bytes choose max_body_bytes (64 bytes to
 * 2 MiB), max_gzip_ratio with whether a Content-Length is declared, and
 * the size of the pieces in which the rest, the body as sent with
 * Content-Encoding: gzip, is fed.  The body is checked against zlib
 * inflating the same bytes at once: an accepted body is exactly what zlib
 * gives, within both limits, and a body that zlib inflates to no more
 * than max and 1 MiB (where the ratio starts to apply) is accepted.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "body.h"

#define RATIO_FLOOR	(1024 * 1024)

enum outcome {
	INFLATED,	/* whole members, nothing after them */
	OVER_MAX,	/* more than max bytes came out */
	NOT_GZIP
};

static void	fail(const char *why, const struct body *b)
    __attribute__((__noreturn__));

static void
fail(const char *why, const struct body *b)
{
	fprintf(stderr, "body: %s (max %zu, ratio %lld, received %zu, "
	    "len %zu, error %d)\n", why, b->max, (long long)b->ratio,
	    b->received, b->len, (int)b->error);
	abort();
}

/* Inflate the n bytes at in, members one after the other, into out. */
static enum outcome
reference(const uint8_t *in, size_t n, char *out, size_t max, size_t *len)
{
	z_stream	zs;
	int		rc;
	enum outcome	o = NOT_GZIP;

	*len = 0;
	if (n == 0)
		return NOT_GZIP;
	memset(&zs, 0, sizeof(zs));
	if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK)
		abort();
	zs.next_in = (Bytef *)(uintptr_t)in;
	zs.avail_in = n;
	zs.next_out = (Bytef *)out;
	zs.avail_out = max + 1;
	for (;;) {
		rc = inflate(&zs, Z_NO_FLUSH);
		*len = max + 1 - zs.avail_out;
		if (*len > max) {
			o = OVER_MAX;
			break;
		}
		if (rc == Z_STREAM_END && zs.avail_in == 0) {
			o = INFLATED;
			break;
		}
		if (rc == Z_STREAM_END)
			rc = inflateReset(&zs);
		else if (rc == Z_OK && zs.avail_in == 0)
			break;
		if (rc != Z_OK)
			break;
	}
	inflateEnd(&zs);
	return o;
}

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct body	 b;
	enum outcome	 o;
	char		*out;
	size_t		 max, piece, i, k, rlen, total_in;
	int64_t		 ratio;
	int		 rc = 0;

	if (size < 3)
		return 0;
	max = (size_t)64 << (data[0] % 16);
	ratio = 1 + (data[1] & 0x7f) % 16;
	piece = 1 + data[2] * 17;
	data += 3;
	size -= 3;

	body_init(&b, max, ratio, data[-2] & 0x80 ? size : 0, 1, NULL, 0);
	for (i = 0; i < size && rc == 0; i += k) {
		k = size - i < piece ? size - i : piece;
		rc = body_feed(&b, (const char *)data + i, k);
		if ((rc == -1) != (b.error != BODY_OK))
			fail("body_feed's answer and its error disagree", &b);
	}
	if (rc == 0)
		rc = body_finish(&b);
	if ((rc == -1) != (b.error != BODY_OK))
		fail("body_finish's answer and its error disagree", &b);

	out = malloc(max + 1);
	o = reference(data, size, out, max, &rlen);
	total_in = b.received > b.declared ? b.received : b.declared;
	if (rc == 0) {
		if (o != INFLATED || b.len != rlen ||
		    memcmp(b.buf, out, rlen) != 0 || b.buf[b.len] != '\0')
			fail("a body that is not what zlib inflates", &b);
		if (b.len > max || (b.len > RATIO_FLOOR &&
		    (uint64_t)b.len > (uint64_t)ratio * total_in))
			fail("a body past its limits", &b);
	} else if (o == INFLATED && rlen <= RATIO_FLOOR)
		fail("a body that zlib inflates is refused", &b);
	free(out);
	body_release(&b);
	return 0;
}
