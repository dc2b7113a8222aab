/*
 * The HTTP URLs an operator gives krenalisd (a destination's url, the
 * public_url setting), checked as libcurl, which sends to them, reads
 * them.
 */
#ifndef URL_H
#define URL_H

#include <stddef.h>

/*
 * Whether u, which starts with http:// or https://, names a host and is
 * a URL that libcurl can parse, with a port from 1 to 65535 when it has
 * one: 0, or -1 with why it is not in why, to follow the URL in a message
 * ("has no host", "is not valid: its port must be a number from 1 to
 * 65535", "is not valid: bad hostname", ...).
 */
int	url_check_http(const char *u, char *why, size_t whylen);

#endif
