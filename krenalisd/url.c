/* HTTP URLs as libcurl reads them; see url.h. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "log.h"
#include "url.h"

int
url_check_http(const char *u, char *why, size_t whylen)
{
	const char	*host, *s;
	char		*port = NULL;
	CURLU		*h;
	CURLUcode	 rc;

	host = u + (strncasecmp(u, "https://", 8) == 0 ? 8 : 7);
	/* libcurl takes http:///x for a URL of host x. */
	if (host[0] == '\0' || strchr("/?#", host[0]) != NULL)
		rc = CURLUE_NO_HOST;
	else {
		if ((h = curl_url()) == NULL)
			fatalx("curl_url: out of memory");
		rc = curl_url_set(h, CURLUPART_URL, u, 0);
		if (rc == CURLUE_OK) {
			rc = curl_url_get(h, CURLUPART_PORT, &port, 0);
			if (rc == CURLUE_NO_PORT)
				rc = CURLUE_OK;
			else if (rc == CURLUE_OK && strcmp(port, "0") == 0)
				rc = CURLUE_BAD_PORT_NUMBER;
		}
		curl_free(port);
		curl_url_cleanup(h);
	}
	switch (rc) {
	case CURLUE_OK:
		return 0;
	case CURLUE_OUT_OF_MEMORY:
		fatalx("curl_url: out of memory");
	case CURLUE_NO_HOST:
		snprintf(why, whylen, "has no host");
		break;
	case CURLUE_BAD_PORT_NUMBER:
		snprintf(why, whylen, "is not valid: its port must be a number "
		    "from 1 to 65535");
		break;
	default:
		/* "Bad hostname", "Bad IPv6 address": in lower case. */
		s = curl_url_strerror(rc);
		snprintf(why, whylen, "is not valid: %c%s",
		    tolower((unsigned char)s[0]), s + 1);
		break;
	}
	return -1;
}
