/* Reading and gunzipping request bodies within limits; see body.h. */
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "xmalloc.h"
#include "budget.h"
#include "body.h"

#define RATIO_FLOOR	(1024 * 1024)	/* the ratio applies above 1 MiB */

/* Move the body to a buffer of at least size bytes. */
static void
body_grow(struct body *b, size_t size)
{
	char	*buf;
	size_t	 got;

	if (b->budget == NULL) {
		b->buf = xreallocarray(b->buf, size, 1);
		b->size = size;
		return;
	}
	buf = budget_buffer(b->budget, size, &got);
	if (b->len > 0)
		memcpy(buf, b->buf, b->len);
	budget_put(b->budget, 0, b->buf, b->size);
	b->buf = buf;
	b->size = got;
}

void
body_init(struct body *b, size_t max, int64_t ratio, size_t declared,
    int gzip, struct budget *budget, size_t share)
{
	memset(b, 0, sizeof(*b));
	b->max = max;
	b->ratio = ratio;
	b->declared = declared;
	b->gzip = gzip;
	b->budget = budget;
	b->share = share;
	if (!gzip && declared > 0 && declared <= max &&
	    (budget == NULL || declared <= share)) {
		b->cap = declared;
		body_grow(b, b->cap + 1);
	}
}

void
body_release(struct body *b)
{
	if (b->zinit)
		inflateEnd(&b->zs);
	if (b->budget != NULL)
		budget_put(b->budget, b->share + b->taken, b->buf, b->size);
	else
		free(b->buf);
	memset(b, 0, sizeof(*b));
}

static int
body_fail(struct body *b, enum body_error e)
{
	b->error = e;
	return -1;
}

/*
 * Make room for at least n more bytes, never past max (+1 to detect) nor
 * past a plain body's declared length; -1 when the budget refuses.
 */
static int
body_reserve(struct body *b, size_t n)
{
	size_t	want = b->len + n, cap = b->cap ? b->cap : 16384, held;

	if (want <= b->cap)
		return 0;
	while (cap < want)
		cap *= 2;
	if (cap > b->max + 1)
		cap = b->max + 1;
	if (!b->gzip && b->declared >= want && cap > b->declared)
		cap = b->declared;
	held = b->share + b->taken;
	if (b->budget != NULL && cap > held) {
		if (budget_try(b->budget, cap - held) == -1)
			return body_fail(b, BODY_BUSY);
		b->taken = cap - b->share;
	}
	if (cap + 1 > b->size)
		body_grow(b, cap + 1);
	b->cap = cap;
	return 0;
}

/* Inflate n bytes into the buffer, checking both limits as we go. */
static int
body_inflate(struct body *b, const char *data, size_t n)
{
	size_t	total_in;
	int	rc;

	if (!b->zinit) {
		if (inflateInit2(&b->zs, 16 + MAX_WBITS) != Z_OK)
			return body_fail(b, BODY_BAD_GZIP);
		b->zinit = 1;
	}
	b->zs.next_in = (Bytef *)(uintptr_t)data;
	b->zs.avail_in = n;
	while (b->zs.avail_in > 0) {
		if (b->zend) {
			/* Another member must follow. */
			if (inflateReset(&b->zs) != Z_OK)
				return body_fail(b, BODY_BAD_GZIP);
			b->zend = 0;
		}
		if (b->len == b->cap) {
			if (b->len > b->max)
				return body_fail(b, BODY_TOO_LARGE);
			if (body_reserve(b, 65536) == -1)
				return -1;
		}
		b->zs.next_out = (Bytef *)b->buf + b->len;
		b->zs.avail_out = b->cap - b->len;
		rc = inflate(&b->zs, Z_NO_FLUSH);
		b->len = b->cap - b->zs.avail_out;
		if (b->len > b->max)
			return body_fail(b, BODY_TOO_LARGE);
		total_in = b->received > b->declared ? b->received :
		    b->declared;
		if (b->len > RATIO_FLOOR &&
		    (uint64_t)b->len > (uint64_t)b->ratio * total_in)
			return body_fail(b, BODY_RATIO);
		if (rc == Z_STREAM_END)
			b->zend = 1;
		else if (rc == Z_BUF_ERROR && b->zs.avail_out > 0)
			break;
		else if (rc != Z_OK && rc != Z_BUF_ERROR)
			return body_fail(b, BODY_BAD_GZIP);
	}
	return 0;
}

int
body_feed(struct body *b, const char *data, size_t n)
{
	b->received += n;
	if (b->error != BODY_OK)
		return -1;
	if (b->gzip)
		return body_inflate(b, data, n);
	if (b->len + n > b->max)
		return body_fail(b, BODY_TOO_LARGE);
	if (body_reserve(b, n) == -1)
		return -1;
	memcpy(b->buf + b->len, data, n);
	b->len += n;
	return 0;
}

int
body_finish(struct body *b)
{
	if (b->error != BODY_OK)
		return -1;
	if (b->gzip && (!b->zinit || !b->zend))
		return body_fail(b, BODY_BAD_GZIP);
	if (b->buf == NULL)
		body_grow(b, 1);
	b->buf[b->len] = '\0';
	return 0;
}
