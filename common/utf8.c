/*
 * Strict UTF-8 following the table of well-formed byte sequences of The
 * Unicode Standard, §3.9 (Table 3-7): the second byte's range depends on
 * the first, which excludes overlong forms, surrogates and code points
 * above U+10FFFF in one test.
 */
#include <stddef.h>
#include <stdint.h>
#include <wchar.h>

#include "utf8.h"

size_t
utf8_seqlen(const char *cs, size_t len)
{
	const unsigned char	*s = (const unsigned char *)cs;
	unsigned char		 lo = 0x80, hi = 0xbf;
	size_t			 n, i;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		n = 3;
		if (s[0] == 0xe0)
			lo = 0xa0;		/* overlong */
		else if (s[0] == 0xed)
			hi = 0x9f;		/* surrogates */
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		n = 4;
		if (s[0] == 0xf0)
			lo = 0x90;		/* overlong */
		else if (s[0] == 0xf4)
			hi = 0x8f;		/* above U+10FFFF */
	} else
		return 0;	/* continuation byte, C0, C1 or F5..FF */
	if (len < n)
		return 0;
	if (s[1] < lo || s[1] > hi)
		return 0;
	for (i = 2; i < n; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return n;
}

int
utf8_valid(const char *s, size_t len, size_t *runes)
{
	const unsigned char	*p = (const unsigned char *)s;
	size_t			 n, count = 0;

	while (len > 0) {
		n = utf8_seqlen((const char *)p, len);
		if (n == 0)
			return 0;
		p += n;
		len -= n;
		count++;
	}
	if (runes != NULL)
		*runes = count;
	return 1;
}

/*
 * Step back from max over continuation bytes: the byte at the result is
 * the first byte of a character (or the end), so the prefix is whole.
 */
size_t
utf8_cut(const char *s, size_t len, size_t max)
{
	size_t	n;

	if (max >= len)
		return len;
	n = max;
	while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
		n--;
	return n;
}

size_t
utf8_whole(const char *s, size_t len)
{
	const unsigned char	*u = (const unsigned char *)s;
	size_t			 n = len, want;

	while (n > 0 && len - n < 3 && (u[n - 1] & 0xc0) == 0x80)
		n--;
	if (n == 0)
		return len;
	if (u[n - 1] >= 0xf0)
		want = 4;
	else if (u[n - 1] >= 0xe0)
		want = 3;
	else if (u[n - 1] >= 0xc0)
		want = 2;
	else
		return len;
	return len - (n - 1) < want ? n - 1 : len;
}

size_t
utf8_encode(uint32_t cp, char *out)
{
	unsigned char	*u = (unsigned char *)out;

	if (cp < 0x80) {
		u[0] = (unsigned char)cp;
		return 1;
	}
	if (cp < 0x800) {
		u[0] = (unsigned char)(0xc0 | (cp >> 6));
		u[1] = (unsigned char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		u[0] = (unsigned char)(0xe0 | (cp >> 12));
		u[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
		u[2] = (unsigned char)(0x80 | (cp & 0x3f));
		return 3;
	}
	u[0] = (unsigned char)(0xf0 | (cp >> 18));
	u[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3f));
	u[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
	u[3] = (unsigned char)(0x80 | (cp & 0x3f));
	return 4;
}

int
utf8_hexdigit(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

size_t
utf8_decode(const char *s, size_t len, uint32_t *cp)
{
	const unsigned char	*u = (const unsigned char *)s;
	uint32_t		 c, min;
	size_t			 n, i;

	if (u[0] < 0x80) {
		*cp = u[0];
		return 1;
	}
	if (u[0] >= 0xc2 && u[0] <= 0xdf) {
		n = 2;
		c = u[0] & 0x1f;
		min = 0x80;
	} else if (u[0] >= 0xe0 && u[0] <= 0xef) {
		n = 3;
		c = u[0] & 0x0f;
		min = 0x800;
	} else if (u[0] >= 0xf0 && u[0] <= 0xf4) {
		n = 4;
		c = u[0] & 0x07;
		min = 0x10000;
	} else
		goto bad;
	if (len < n)
		goto bad;
	for (i = 1; i < n; i++) {
		if ((u[i] & 0xc0) != 0x80)
			goto bad;
		c = (c << 6) | (u[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		goto bad;
	*cp = c;
	return n;
bad:
	*cp = 0xfffd;
	return 1;
}

int
utf8_cpwidth(uint32_t cp)
{
	int	w;

	if (cp < 0x80)
		return 1;
	w = wcwidth((wchar_t)cp);
	return w < 0 ? 1 : w > 2 ? 2 : w;
}
