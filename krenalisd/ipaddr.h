/*
 * IP addresses as spec/events.md §10 reads and writes them: an IPv4
 * address in dotted decimal (four numbers 0-255 without leading zeros)
 * or an IPv6 address in any form of RFC 4291 without a zone, written
 * back canonically.  Pure functions: safe from any thread.
 */
#ifndef IPADDR_H
#define IPADDR_H

#include <stddef.h>

/* Room for the longest text ipaddr_format writes, and its NUL. */
#define IPADDR_BUFSZ	46

struct ipaddr {
	int		 v6;
	unsigned char	 a[16];		/* IPv4 in a[0..3], the rest 0 */
};

/*
 * Parse the n bytes at s into ip: 0, or -1 when they are not an address.
 * An IPv4-mapped IPv6 address stays IPv6 (see ipaddr_unmap).
 */
int	ipaddr_parse(const char *s, size_t n, struct ipaddr *ip);

/* Turn an IPv4-mapped IPv6 address into its IPv4 address. */
void	ipaddr_unmap(struct ipaddr *ip);

/* Keep the first bits bits of the address (its /bits network). */
void	ipaddr_mask(struct ipaddr *ip, int bits);

/*
 * Write the canonical text of ip into buf and return its length: dotted
 * decimal, or RFC 5952 (lower case, no leading zeros, the first longest
 * run of two or more zero groups as "::").
 */
size_t	ipaddr_format(const struct ipaddr *ip, char buf[IPADDR_BUFSZ]);

/* Whether ip is a multicast address (224.0.0.0/4, ff00::/8). */
int	ipaddr_multicast(const struct ipaddr *ip);

#endif
