/* The admin socket's path, checked before connecting; see sockpath.h. */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <stdio.h>
#include <string.h>

#include "sockpath.h"

int
sockpath_check(const char *path, char *why, size_t whylen)
{
	struct sockaddr_un	sun;
	struct stat		st;

	if (*path == '\0') {
		snprintf(why, whylen, "-s: the socket path is empty");
		return -1;
	}
	if (strlen(path) >= sizeof(sun.sun_path)) {
		snprintf(why, whylen, "socket path %s is too long", path);
		return -1;
	}
	if (stat(path, &st) == 0 && !S_ISSOCK(st.st_mode)) {
		snprintf(why, whylen, "%s is not a socket", path);
		return -1;
	}
	return 0;
}
