/* The HTTP listen address: "host:port", an IPv6 host in brackets. */
#ifndef LISTEN_H
#define LISTEN_H

#include <sys/socket.h>
#include <stddef.h>

/*
 * Parse "1.2.3.4:2022", "[::1]:2022" or "localhost:2022" (numeric hosts
 * only, plus "localhost" and "*" for every IPv4 address).  Fill ss and
 * *sslen when not NULL; 0 or -1.
 */
int	listen_parse(const char *, struct sockaddr_storage *ss,
	    socklen_t *sslen);

/*
 * Create, bind and listen on a non-blocking TCP socket for addr; return
 * the fd, or -1 with the reason in err.
 */
int	listen_open(const char *addr, char *err, size_t errlen);

/* "http://" followed by the address as the configuration gives it. */
char	*listen_base_url(const char *addr);

#endif
