/* Answers to HTTP requests; see reply.h. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "buf.h"
#include "log.h"
#include "xmalloc.h"
#include "reply.h"

void
reply_init(struct reply *r, unsigned int status)
{
	memset(r, 0, sizeof(*r));
	r->status = status;
}

void
reply_release(struct reply *r)
{
	size_t	i;

	free(r->body);
	for (i = 0; i < r->nhdrs; i++)
		free(r->values[i]);
	memset(r, 0, sizeof(*r));
}

void
reply_header(struct reply *r, const char *name, const char *value)
{
	if (r->nhdrs == REPLY_MAXHDRS)
		fatalx("reply: more than %d headers", REPLY_MAXHDRS);
	r->names[r->nhdrs] = name;
	r->values[r->nhdrs++] = xstrdup(value);
}

void
reply_json(struct reply *r, unsigned int status, const char *ctype,
    const json_t *o)
{
	char	*s;
	size_t	 len;

	/* jansson's compact output is the JSON of spec/ingest.md §1. */
	s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	if (s == NULL) {
		reply_init(r, 0);
		return;
	}
	len = strlen(s);
	s = xreallocarray(s, len + 2, 1);
	s[len++] = '\n';
	s[len] = '\0';
	reply_init(r, status);
	r->ctype = ctype;
	r->body = s;
	r->len = len;
}

/*
 * The message of an error, whole: it may quote what a client sent (a
 * header's value, a member name), which need not be UTF-8.  A byte that
 * does not start a well-formed sequence becomes U+FFFD, as JSON holds
 * only Unicode text; the answer is then always made.
 */
static json_t *
error_message(const char *fmt, va_list ap)
{
	struct buf	 b;
	json_t		*s;
	char		*msg;
	int		 len;

	if ((len = vasprintf(&msg, fmt, ap)) == -1)
		fatal("vasprintf");
	buf_init(&b);
	buf_addutf8(&b, msg, (size_t)len, "\xef\xbf\xbd", 0);
	s = json_stringn(b.p != NULL ? b.p : "", b.len);
	buf_release(&b);
	free(msg);
	return s;
}

void
reply_error(struct reply *r, unsigned int status, const char *fmt, ...)
{
	const char	*code;
	va_list		 ap;
	json_t		*o;

	switch (status) {
	case 400: code = "BadRequest"; break;
	case 401: code = "Unauthorized"; break;
	case 404: code = "NotFound"; break;
	case 405: code = "MethodNotAllowed"; break;
	case 408: code = "RequestTimeout"; break;
	case 413: code = "PayloadTooLarge"; break;
	case 415: code = "UnsupportedMediaType"; break;
	case 429: code = "TooManyRequests"; break;
	case 501: code = "NotImplemented"; break;
	case 503: code = "ServiceUnavailable"; break;
	default: code = "InternalServerError"; break;
	}
	va_start(ap, fmt);
	o = json_pack("{s:{s:s,s:o}}", "error", "code", code, "message",
	    error_message(fmt, ap));
	va_end(ap);
	reply_json(r, status, "application/json; charset=utf-8", o);
	json_decref(o);
}

void
reply_unavailable(struct reply *r, const char *retry, const char *msg)
{
	reply_error(r, 503, "%s", msg);
	reply_header(r, "Retry-After", retry);
}
