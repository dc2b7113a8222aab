/* IP addresses of spec/events.md §10; see ipaddr.h. */
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <stdio.h>
#include <string.h>

#include "ipaddr.h"

/* Four decimal numbers 0-255 without leading zeros. */
static int
parse4(const char *s, size_t n, unsigned char out[4])
{
	size_t		 i = 0, digits;
	unsigned	 v;
	int		 part;

	for (part = 0; part < 4; part++) {
		if (part > 0) {
			if (i >= n || s[i] != '.')
				return -1;
			i++;
		}
		v = 0;
		for (digits = 0; i < n && s[i] >= '0' && s[i] <= '9';
		    digits++, i++) {
			if (digits == 3 || (digits == 1 && v == 0))
				return -1;
			v = v * 10 + (s[i] - '0');
		}
		if (digits == 0 || v > 255)
			return -1;
		out[part] = (unsigned char)v;
	}
	return i == n ? 0 : -1;
}

int
ipaddr_parse(const char *s, size_t n, struct ipaddr *ip)
{
	char	buf[IPADDR_BUFSZ];

	memset(ip, 0, sizeof(*ip));
	if (parse4(s, n, ip->a) == 0)
		return 0;
	if (n == 0 || n >= sizeof(buf) || memchr(s, '%', n) != NULL ||
	    memchr(s, ':', n) == NULL || memchr(s, '\0', n) != NULL)
		return -1;
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (inet_pton(AF_INET6, buf, ip->a) != 1)
		return -1;
	ip->v6 = 1;
	return 0;
}

void
ipaddr_unmap(struct ipaddr *ip)
{
	static const unsigned char	prefix[12] = {
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff
	};

	if (ip->v6 && memcmp(ip->a, prefix, 12) == 0) {
		memmove(ip->a, ip->a + 12, 4);
		memset(ip->a + 4, 0, 12);
		ip->v6 = 0;
	}
}

void
ipaddr_mask(struct ipaddr *ip, int bits)
{
	int	i;

	for (i = bits / 8; i < 16; i++)
		ip->a[i] = 0;
}

size_t
ipaddr_format(const struct ipaddr *ip, char buf[IPADDR_BUFSZ])
{
	unsigned	 w[8];
	int		 i, best = -1, bestlen = 0, run;
	size_t		 n = 0;

	if (!ip->v6)
		return snprintf(buf, IPADDR_BUFSZ, "%u.%u.%u.%u",
		    ip->a[0], ip->a[1], ip->a[2], ip->a[3]);
	for (i = 0; i < 8; i++)
		w[i] = (unsigned)ip->a[2 * i] << 8 | ip->a[2 * i + 1];
	for (i = 0; i < 8; i += run > 0 ? run : 1) {
		for (run = 0; i + run < 8 && w[i + run] == 0; run++)
			;
		if (run >= 2 && run > bestlen) {
			best = i;
			bestlen = run;
		}
	}
	for (i = 0; i < 8; ) {
		if (i == best) {
			buf[n++] = ':';
			buf[n++] = ':';
			i += bestlen;
			continue;
		}
		if (i > 0 && i != best + bestlen)
			buf[n++] = ':';
		n += snprintf(buf + n, IPADDR_BUFSZ - n, "%x", w[i]);
		i++;
	}
	buf[n] = '\0';
	return n;
}

int
ipaddr_multicast(const struct ipaddr *ip)
{
	return ip->v6 ? ip->a[0] == 0xff : (ip->a[0] & 0xf0) == 0xe0;
}
