/* Seed-like request bodies with unique messageIds; see payload.h. */
#include <err.h>
#include <stdlib.h>
#include <string.h>

#include "xmalloc.h"
#include "payload.h"

/*
 * The event of the seed page, on one line, split where its messageId
 * goes.  The spacing is the page's, which makes it about 1.1 KB.
 */
static const char event_head[] =
    "{ \"anonymousId\": \"b27c5d9f-92a7-4d30-b21a-4df21a6872c2\", "
    "\"context\": { "
    "\"browser\": { \"name\": \"Safari\", \"version\": \"17.2.1\" }, "
    "\"ip\": \"172.91.24.57\", "
    "\"library\": { \"name\": \"krenalis.js\", \"version\": \"1.0.0\" }, "
    "\"locale\": \"en-US\", "
    "\"os\": { \"name\": \"macOS\", \"version\": \"14.5\" }, "
    "\"page\": { \"path\": \"/dashboard\", \"title\": \"User Dashboard\", "
    "\"url\": \"https://app.example.com/dashboard\" }, "
    "\"screen\": { \"width\": 3024, \"height\": 1964, \"density\": 2 }, "
    "\"session\": { \"id\": \"1766272512048\" }, "
    "\"timezone\": \"America/Los_Angeles\", "
    "\"userAgent\": \"Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) "
    "AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.2.1 "
    "Safari/605.1.15\" }, "
    "\"event\": \"Workout Completed\", "
    "\"messageId\": \"";
static const char event_tail[] =
    "\", "
    "\"properties\": { \"workout_type\": \"Cardio\", "
    "\"duration_minutes\": 45, \"calories_burned\": 380, "
    "\"device\": \"Smartwatch\" }, "
    "\"receivedAt\": \"2025-10-20T16:15:24.340Z\", "
    "\"sentAt\": \"2025-10-20T16:15:24.327Z\", "
    "\"originalTimestamp\": \"2025-10-20T16:15:23.992Z\", "
    "\"timestamp\": \"2025-10-20T16:15:24.010Z\", "
    "\"type\": \"track\", "
    "\"userId\": \"703991475\" }";

#define HEAD_LEN	(sizeof(event_head) - 1)
#define TAIL_LEN	(sizeof(event_tail) - 1)
#define EVENT_LEN	(HEAD_LEN + PAYLOAD_ID_LEN + TAIL_LEN)

static const char hexdigits[] = "0123456789abcdef";

/* Write the low digits hex digits of v at p. */
static void
put_hex(char *p, uint64_t v, int digits)
{
	while (digits-- > 0) {
		p[digits] = hexdigits[v & 0xf];
		v >>= 4;
	}
}

/*
 * Write the varying digits of the id of run and seq at s, an id already:
 * seq scrambled by a bijection of its 64 bits (splitmix64's), the top 32
 * bits first and the low 48 last, which together give them all back, and
 * run in the middle.
 */
static void
stamp(char *s, uint32_t run, uint64_t seq)
{
	uint64_t	x = seq;

	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	x ^= x >> 31;
	put_hex(s, x >> 32, 8);
	put_hex(s + 9, run >> 16, 4);
	put_hex(s + 14, run & 0xffff, 4);
	put_hex(s + 24, x, 12);
}

void
payload_id(char *buf, uint32_t run, uint64_t seq)
{
	memcpy(buf, "00000000-0000-0000-9f2d-000000000000",
	    PAYLOAD_ID_LEN + 1);
	stamp(buf, run, seq);
}

void
payload_init(struct payload *p, size_t n, int array)
{
	char	*s;
	size_t	 i;

	if (n == 0 || (!array && n != 1))
		errx(1, "payload: bad event count %zu", n);
	p->n = n;
	p->len = n * EVENT_LEN + (array ? n + 1 : 0);
	p->body = xmalloc(p->len + 1);
	p->idoff = xcalloc(n, sizeof(*p->idoff));
	s = p->body;
	if (array)
		*s++ = '[';
	for (i = 0; i < n; i++) {
		if (i > 0)
			*s++ = ',';
		memcpy(s, event_head, HEAD_LEN);
		s += HEAD_LEN;
		p->idoff[i] = (size_t)(s - p->body);
		payload_id(s, 0, i);
		s += PAYLOAD_ID_LEN;
		memcpy(s, event_tail, TAIL_LEN);
		s += TAIL_LEN;
	}
	if (array)
		*s++ = ']';
	*s = '\0';
	if ((size_t)(s - p->body) != p->len)
		errx(1, "payload: length mismatch");
}

void
payload_release(struct payload *p)
{
	free(p->body);
	free(p->idoff);
	memset(p, 0, sizeof(*p));
}

size_t
payload_fit(size_t bytes)
{
	if (bytes < EVENT_LEN + 2)
		return 1;
	return (bytes - 1) / (EVENT_LEN + 1);
}

void
payload_stamp(const struct payload *p, char *body, uint32_t run,
    uint64_t seq)
{
	size_t	i;
	char	*s;

	for (i = 0; i < p->n; i++) {
		s = body + p->idoff[i];
		stamp(s, run, seq + i);
	}
}
