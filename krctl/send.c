/* krctl send; see send.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <jansson.h>

#include "buf.h"
#include "ids.h"
#include "xmalloc.h"
#include "send.h"

static const char *const types[] = { "track", "page", "screen",
    "identify", "group", "alias" };

json_t *
send_build(const json_t *opts, char *err, size_t errlen)
{
	const char	*type = json_string_value(json_object_get(opts, "type"));
	const char	*name = json_string_value(json_object_get(opts, "event"));
	const char	*user = json_string_value(json_object_get(opts,
			    "userId"));
	const char	*props = json_string_value(json_object_get(opts,
			    "properties"));
	json_error_t	 jerr;
	json_t		*ev, *p = NULL;
	char		 uuid[IDS_UUID_LEN + 1], mid[IDS_UUID_LEN + 8];
	size_t		 i;

	if (type == NULL)
		type = "track";
	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (strcmp(types[i], type) == 0)
			break;
	if (i == sizeof(types) / sizeof(types[0])) {
		snprintf(err, errlen, "-t: type \"%s\" is not one of track, "
		    "page, screen, identify, group, alias", type);
		return NULL;
	}
	if (props != NULL) {
		p = json_loads(props, JSON_REJECT_DUPLICATES, &jerr);
		if (!json_is_object(p)) {
			snprintf(err, errlen, "-p: properties must be a JSON "
			    "object%s%s", p == NULL ? ": " : "",
			    p == NULL ? jerr.text : "");
			json_decref(p);
			return NULL;
		}
	}
	ev = json_object();
	json_object_set_new(ev, "type", json_string(type));
	if (strcmp(type, "track") == 0)
		json_object_set_new(ev, "event",
		    json_string(name ? name : "Test Event"));
	else if (name != NULL && (strcmp(type, "page") == 0 ||
	    strcmp(type, "screen") == 0))
		json_object_set_new(ev, "name", json_string(name));
	else if (name != NULL && strcmp(type, "group") == 0)
		json_object_set_new(ev, "groupId", json_string(name));
	else if (name != NULL && strcmp(type, "alias") == 0)
		json_object_set_new(ev, "previousId", json_string(name));
	ids_new_uuid(uuid);
	if (user != NULL)
		json_object_set_new(ev, "userId", json_string(user));
	else
		json_object_set_new(ev, "anonymousId", json_string(uuid));
	if (p != NULL)
		json_object_set_new(ev, "properties", p);
	ids_new_uuid(uuid);
	snprintf(mid, sizeof(mid), "krctl-%s", uuid);
	json_object_set_new(ev, "messageId", json_string(mid));
	json_object_set_new(ev, "context", json_pack("{s:{s:s}}", "library",
	    "name", "krctl"));
	return ev;
}

/* Gather the response body, at most 1 MiB of it. */
static size_t
collect(char *data, size_t size, size_t n, void *arg)
{
	struct buf	*b = arg;

	if (b->len + size * n > 1024 * 1024)
		return 0;
	buf_add(b, data, size * n);
	return size * n;
}

long
send_post(const json_t *source, const json_t *event, char **body, char *err,
    size_t errlen)
{
	const char		*url, *key;
	struct curl_slist	*h = NULL;
	struct buf		 b;
	char			*payload, *auth;
	CURL			*curl;
	CURLcode		 rc;
	long			 status = -1;

	url = json_string_value(json_object_get(source, "endpoint"));
	key = json_string_value(json_array_get(json_object_get(source,
	    "writeKeys"), 0));
	if (url == NULL || key == NULL) {
		snprintf(err, errlen, "the source has no endpoint or key");
		return -1;
	}
	if ((curl = curl_easy_init()) == NULL) {
		snprintf(err, errlen, "cannot initialise libcurl");
		return -1;
	}
	buf_init(&b);
	payload = json_dumps(event, JSON_COMPACT | JSON_PRESERVE_ORDER);
	xasprintf(&auth, "Authorization: Bearer %s", key);
	h = curl_slist_append(h, auth);
	h = curl_slist_append(h, "Content-Type: application/json");
	curl_easy_setopt(curl, CURLOPT_URL, url);
	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(curl, CURLOPT_POSTFIELDS, payload);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, &b);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT, 30L);
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(curl, CURLOPT_USERAGENT, "krctl");
	rc = curl_easy_perform(curl);
	if (rc != CURLE_OK)
		snprintf(err, errlen, "POST %s: %s", url,
		    curl_easy_strerror(rc));
	else {
		curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
		*body = buf_finish(&b);
	}
	buf_release(&b);
	free(payload);
	free(auth);
	curl_slist_free_all(h);
	curl_easy_cleanup(curl);
	return status;
}
