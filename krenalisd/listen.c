/* Parsing and opening the HTTP listen address. */
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "compat.h"
#include "xmalloc.h"
#include "listen.h"

int
listen_parse(const char *s, struct sockaddr_storage *ss, socklen_t *sslen)
{
	struct sockaddr_storage	 tmp;
	struct sockaddr_in	*sin = (struct sockaddr_in *)&tmp;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)&tmp;
	char			 host[64];
	const char		*colon, *errstr, *h, *hend;
	long long		 port;

	memset(&tmp, 0, sizeof(tmp));
	if (s[0] == '[') {
		if ((hend = strchr(s, ']')) == NULL || hend[1] != ':')
			return -1;
		h = s + 1;
		colon = hend + 1;
	} else {
		if ((colon = strrchr(s, ':')) == NULL)
			return -1;
		h = s;
		hend = colon;
	}
	if ((size_t)(hend - h) >= sizeof(host) || hend == h)
		return -1;
	memcpy(host, h, hend - h);
	host[hend - h] = '\0';
	port = strtonum(colon + 1, 1, 65535, &errstr);
	if (errstr != NULL || colon[1] == '+' || colon[1] == '-')
		return -1;
	if (strcmp(host, "localhost") == 0)
		strlcpy(host, "127.0.0.1", sizeof(host));
	else if (strcmp(host, "*") == 0)
		strlcpy(host, "0.0.0.0", sizeof(host));
	if (s[0] == '[') {
		if (inet_pton(AF_INET6, host, &sin6->sin6_addr) != 1)
			return -1;
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		if (sslen != NULL)
			*sslen = sizeof(*sin6);
	} else {
		if (inet_pton(AF_INET, host, &sin->sin_addr) != 1)
			return -1;
		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		if (sslen != NULL)
			*sslen = sizeof(*sin);
	}
	if (ss != NULL)
		*ss = tmp;
	return 0;
}

int
listen_open(const char *addr, char *err, size_t errlen)
{
	struct sockaddr_storage	ss;
	socklen_t		sslen;
	int			fd, on = 1;

	if (listen_parse(addr, &ss, &sslen) == -1) {
		snprintf(err, errlen, "listen: \"%s\" is not an address:port",
		    addr);
		return -1;
	}
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0);
	if (fd == -1) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return -1;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
	if (ss.ss_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on));
	if (bind(fd, (struct sockaddr *)&ss, sslen) == -1) {
		snprintf(err, errlen, "cannot listen on %s: %s", addr,
		    strerror(errno));
		close(fd);
		return -1;
	}
	if (listen(fd, 1024) == -1) {
		snprintf(err, errlen, "cannot listen on %s: %s", addr,
		    strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

char *
listen_base_url(const char *addr)
{
	const char	*port = strrchr(addr, ':');
	char		*s, host[256];

	if (strncmp(addr, "localhost:", 10) == 0)
		xasprintf(&s, "http://127.0.0.1:%s", addr + 10);
	else if (strncmp(addr, "*:", 2) == 0 || strncmp(addr, "0.0.0.0:",
	    8) == 0 || strncmp(addr, "[::]:", 5) == 0) {
		/*
		 * Every address: "*" is no host a client can reach, the
		 * machine's name may be (public_url says it for sure).
		 */
		if (gethostname(host, sizeof(host)) == -1)
			strlcpy(host, "localhost", sizeof(host));
		host[sizeof(host) - 1] = '\0';
		xasprintf(&s, "http://%s%s", host, port);
	} else
		xasprintf(&s, "http://%s", addr);
	return s;
}
