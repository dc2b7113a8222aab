/* The configuration file of krenalisd(8), see krenalisd.conf(5). */
#include <sys/stat.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "compat.h"
#include "xmalloc.h"
#include "config.h"
#include "listen.h"
#include "pg.h"
#include "url.h"

enum setting_kind { SET_STRING, SET_SIZE, SET_DURATION, SET_LISTEN,
    SET_URL, SET_SYNC, SET_WAREHOUSE, SET_FILE };

/* Every setting: its name, kind, where it goes, and the least value. */
static const struct setting {
	const char		*name;
	enum setting_kind	 kind;
	size_t			 off;
	int64_t			 min;
	int64_t			 max;
} settings[] = {
	{ "data_dir", SET_STRING, offsetof(struct config, data_dir), 0, 0 },
	{ "listen", SET_LISTEN, offsetof(struct config, listen), 0, 0 },
	{ "socket", SET_STRING, offsetof(struct config, socket), 0, 0 },
	{ "public_url", SET_URL, offsetof(struct config, public_url), 0, 0 },
	{ "synchronous", SET_SYNC, offsetof(struct config, synchronous),
	    0, 0 },
	{ "max_body_bytes", SET_SIZE,
	    offsetof(struct config, max_body_bytes), 1, 1LL << 34 },
	{ "max_gzip_ratio", SET_SIZE,
	    offsetof(struct config, max_gzip_ratio), 1, 1000000 },
	{ "max_event_bytes", SET_SIZE,
	    offsetof(struct config, max_event_bytes), 1, 1LL << 34 },
	{ "max_batch_events", SET_SIZE,
	    offsetof(struct config, max_batch_events), 1, 10000000 },
	{ "rate_limit_events_per_minute", SET_SIZE,
	    offsetof(struct config, rate_limit_events_per_minute), 0,
	    1LL << 40 },
	{ "rate_limit_burst", SET_SIZE,
	    offsetof(struct config, rate_limit_burst), 1, 1LL << 40 },
	{ "writer_queue_events", SET_SIZE,
	    offsetof(struct config, writer_queue_events), 1, 1LL << 32 },
	{ "debugger_records", SET_SIZE,
	    offsetof(struct config, debugger_records), 1, 1000000 },
	{ "dedupe_window", SET_DURATION,
	    offsetof(struct config, dedupe_window_ms), 0, 0 },
	{ "outbox_max_events", SET_SIZE,
	    offsetof(struct config, outbox_max_events), 1, 1LL << 40 },
	{ "header_timeout", SET_DURATION,
	    offsetof(struct config, header_timeout_ms), 0, 0 },
	{ "body_timeout", SET_DURATION,
	    offsetof(struct config, body_timeout_ms), 0, 0 },
	{ "body_min_rate", SET_SIZE,
	    offsetof(struct config, body_min_rate), 0, 1LL << 30 },
	{ "max_connections_per_ip", SET_SIZE,
	    offsetof(struct config, max_connections_per_ip), 0, 4096 },
	{ "warehouse", SET_WAREHOUSE, offsetof(struct config, warehouse),
	    0, 0 },
	{ "pg_timeout", SET_SIZE, offsetof(struct config, pg_timeout), 1, 300 },
	{ "pg_connections", SET_SIZE,
	    offsetof(struct config, pg_connections), 1, 16 },
	{ "sender_threads", SET_SIZE,
	    offsetof(struct config, sender_threads), 1, 64 },
	{ "ca_file", SET_FILE, offsetof(struct config, ca_file), 0, 0 },
};

void
config_init(struct config *cf)
{
	memset(cf, 0, sizeof(*cf));
	cf->data_dir = xstrdup(CONFIG_DEFAULT_DATADIR);
	cf->listen = xstrdup(CONFIG_DEFAULT_LISTEN);
	cf->synchronous = xstrdup("full");
	cf->max_body_bytes = 4194304;
	cf->max_gzip_ratio = 100;
	cf->max_event_bytes = 32768;
	cf->max_batch_events = 20000;
	cf->rate_limit_events_per_minute = 0;
	cf->rate_limit_burst = 20000;
	cf->writer_queue_events = 200000;
	cf->debugger_records = 1000;
	cf->dedupe_window_ms = 7LL * 24 * 3600 * 1000;
	cf->outbox_max_events = 10000000;
	cf->header_timeout_ms = 10000;
	cf->body_timeout_ms = 10000;
	cf->body_min_rate = 4096;
	cf->max_connections_per_ip = 256;
	cf->warehouse = xstrdup("sqlite");
	cf->pg_timeout = 10;
	cf->pg_connections = 2;
	cf->sender_threads = 1;
}

void
config_release(struct config *cf)
{
	free(cf->data_dir);
	free(cf->listen);
	free(cf->socket);
	free(cf->public_url);
	free(cf->synchronous);
	free(cf->warehouse);
	free(cf->ca_file);
	memset(cf, 0, sizeof(*cf));
}

int
config_parse_duration(const char *s, int64_t *ms)
{
	const char	*errstr;
	char		 num[32];
	size_t		 len = strlen(s);
	long long	 n, unit;

	if (strcmp(s, "0") == 0) {
		*ms = 0;
		return 0;
	}
	if (len < 2 || len >= sizeof(num))
		return -1;
	switch (s[len - 1]) {
	case 's':
		unit = 1000;
		break;
	case 'm':
		unit = 60 * 1000;
		break;
	case 'h':
		unit = 3600 * 1000;
		break;
	case 'd':
		unit = 24 * 3600 * 1000;
		break;
	default:
		return -1;
	}
	memcpy(num, s, len - 1);
	num[len - 1] = '\0';
	if (!isdigit((unsigned char)num[0]))
		return -1;
	n = strtonum(num, 1, 100LL * 365 * 24 * 3600, &errstr);
	if (errstr != NULL)
		return -1;
	*ms = n * unit;
	return 0;
}

int
config_is_pg(const struct config *cf)
{
	return strcmp(cf->warehouse, "sqlite") != 0;
}

/*
 * The value as an error message quotes it: its first SHOWN_MAX - 4 bytes
 * and "..." when it is longer, cut at the start of a UTF-8 character, so
 * that the reason after it is never lost to the message's length.
 */
#define SHOWN_MAX	128

static const char *
value_shown(const char *value, char *out)
{
	size_t	n = strlen(value);

	if (n < SHOWN_MAX)
		return value;
	n = SHOWN_MAX - 4;
	while (n > 0 && ((unsigned char)value[n] & 0xc0) == 0x80)
		n--;
	memcpy(out, value, n);
	memcpy(out + n, "...", 4);
	return out;
}

int
config_warehouse_check(const char *value, char *err, size_t errlen)
{
	char	shown[SHOWN_MAX];

	if (strcmp(value, "sqlite") == 0)
		return 0;
	/* One libpq cannot read would fail every connection, for ever. */
	if (strncmp(value, "postgresql://", 13) == 0 ||
	    strncmp(value, "postgres://", 11) == 0 ||
	    strchr(value, '=') != NULL)
		return pg_conninfo_check(value, err, errlen);
	snprintf(err, errlen, "warehouse: \"%s\" is neither sqlite, a "
	    "postgresql:// URI nor a key=value connection string",
	    value_shown(value, shown));
	return -1;
}

/*
 * A base URL (public_url) that url_check_http passed: /v1/events is added
 * to its path, and its host is served to any client in the SDK settings,
 * so it may hold neither a query, a fragment, nor a user name and
 * password.  -1 with why.
 */
static int
url_base_check(const char *u, char *why, size_t whylen)
{
	const char	*host = strstr(u, "://") + 3;
	size_t		 hostlen = strcspn(host, "/?#");

	if (memchr(host, '@', hostlen) != NULL) {
		snprintf(why, whylen, "has a user name: the SDK settings, "
		    "which any client may read, would show it");
		return -1;
	}
	if (strpbrk(host, "?#") != NULL) {
		snprintf(why, whylen, "has a query or a fragment, after "
		    "which /v1/events cannot be added");
		return -1;
	}
	return 0;
}

/* Store value into the setting s of cf; -1 with the reason in err. */
static int
setting_apply(struct config *cf, const struct setting *s, const char *value,
    char *err, size_t errlen)
{
	char		**sp = (char **)((char *)cf + s->off);
	int64_t		 *ip = (int64_t *)((char *)cf + s->off);
	const char	 *errstr;
	long long	  n;
	struct stat	  sb;
	char		  why[128], buf[SHOWN_MAX];
	const char	 *shown = value_shown(value, buf);

	/* A file read later: one that cannot be read fails now. */
	if (s->kind == SET_FILE && *value != '\0') {
		if (stat(value, &sb) == -1 || access(value, R_OK) == -1) {
			snprintf(err, errlen, "%s: \"%s\": %s", s->name, shown,
			    strerror(errno));
			return -1;
		}
		if (!S_ISREG(sb.st_mode)) {
			snprintf(err, errlen, "%s: \"%s\" is not a file",
			    s->name, shown);
			return -1;
		}
	}
	switch (s->kind) {
	case SET_LISTEN:
		if (listen_parse(value, NULL, NULL) == -1) {
			snprintf(err, errlen, "%s: \"%s\" is not an "
			    "address:port", s->name, shown);
			return -1;
		}
		/* FALLTHROUGH */
	case SET_FILE:
	case SET_STRING:
		if (*value == '\0') {
			snprintf(err, errlen, "%s: value is empty", s->name);
			return -1;
		}
		free(*sp);
		*sp = xstrdup(value);
		return 0;
	case SET_URL:
		if (strncmp(value, "http://", 7) != 0 &&
		    strncmp(value, "https://", 8) != 0) {
			snprintf(err, errlen, "%s: \"%s\" is not an http:// "
			    "or https:// URL", s->name, shown);
			return -1;
		}
		if (url_check_http(value, why, sizeof(why)) == -1 ||
		    url_base_check(value, why, sizeof(why)) == -1) {
			snprintf(err, errlen, "%s: \"%s\" %s", s->name, shown,
			    why);
			return -1;
		}
		free(*sp);
		*sp = xstrdup(value);
		return 0;
	case SET_SYNC:
		if (strcmp(value, "full") != 0 && strcmp(value, "normal") != 0 &&
		    strcmp(value, "extra") != 0 && strcmp(value, "off") != 0) {
			snprintf(err, errlen, "%s: \"%s\" is not one of off, "
			    "normal, full, extra", s->name, shown);
			return -1;
		}
		free(*sp);
		*sp = xstrdup(value);
		return 0;
	case SET_WAREHOUSE:
		if (config_warehouse_check(value, err, errlen) == -1)
			return -1;
		free(*sp);
		*sp = xstrdup(value);
		return 0;
	case SET_SIZE:
		/* Decimal digits: strtonum would take a sign too. */
		n = strtonum(value, s->min, s->max, &errstr);
		if (value[0] == '+')
			errstr = "invalid";
		if (errstr != NULL) {
			snprintf(err, errlen, "%s: \"%s\" is %s (%lld to %lld)",
			    s->name, shown, errstr, (long long)s->min,
			    (long long)s->max);
			return -1;
		}
		*ip = n;
		return 0;
	case SET_DURATION:
		if (config_parse_duration(value, ip) == -1) {
			snprintf(err, errlen, "%s: \"%s\" is not a duration "
			    "(a number from 1 to 3153600000 with s, m, h or d, "
			    "or 0)", s->name, shown);
			return -1;
		}
		return 0;
	}
	return -1;
}

/* Strip blanks at both ends of s in place and return it. */
static char *
trim(char *s)
{
	char	*e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r' ||
	    e[-1] == '\n'))
		*--e = '\0';
	return s;
}

int
config_load(struct config *cf, const char *path, int must_exist, char *err,
    size_t errlen)
{
	FILE		*fp;
	char		*line = NULL, *key, *value, *eq, rerr[512];
	size_t		 cap = 0, i;
	ssize_t		 n;
	int		 lineno = 0, rc = 0;
	unsigned char	 seen[sizeof(settings) / sizeof(settings[0])];

	if ((fp = fopen(path, "r")) == NULL) {
		if (errno == ENOENT && !must_exist)
			return 0;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	memset(seen, 0, sizeof(seen));
	while ((n = getline(&line, &cap, fp)) != -1) {
		lineno++;
		if (memchr(line, '\0', n) != NULL) {
			snprintf(err, errlen, "%s:%d: line contains a NUL byte",
			    path, lineno);
			rc = -1;
			break;
		}
		key = trim(line);
		if (*key == '\0' || *key == '#')
			continue;
		if ((eq = strchr(key, '=')) == NULL) {
			snprintf(err, errlen, "%s:%d: expected \"key = value\"",
			    path, lineno);
			rc = -1;
			break;
		}
		*eq = '\0';
		value = trim(eq + 1);
		key = trim(key);
		for (i = 0; i < sizeof(settings) / sizeof(settings[0]); i++)
			if (strcmp(settings[i].name, key) == 0)
				break;
		if (i == sizeof(settings) / sizeof(settings[0])) {
			snprintf(err, errlen, "%s:%d: unknown setting \"%s\"",
			    path, lineno, key);
			rc = -1;
			break;
		}
		if (seen[i]) {
			snprintf(err, errlen, "%s:%d: %s is set twice", path,
			    lineno, key);
			rc = -1;
			break;
		}
		seen[i] = 1;
		if (setting_apply(cf, &settings[i], value, rerr,
		    sizeof(rerr)) == -1) {
			snprintf(err, errlen, "%s:%d: %s", path, lineno, rerr);
			rc = -1;
			break;
		}
	}
	if (rc == 0 && ferror(fp)) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		rc = -1;
	}
	free(line);
	fclose(fp);
	return rc;
}

/* Whether the setting a is at least the setting b; -1 with err if not. */
static int
at_least(const char *a, int64_t av, const char *b, int64_t bv, char *err,
    size_t errlen)
{
	if (av >= bv)
		return 0;
	snprintf(err, errlen, "%s (%lld) must be at least %s (%lld)", a,
	    (long long)av, b, (long long)bv);
	return -1;
}

int
config_check(const struct config *cf, char *err, size_t errlen)
{
	size_t	sockpath;

	if (cf->data_dir[0] == '\0') {
		snprintf(err, errlen, "data_dir: value is empty");
		return -1;
	}
	if (cf->socket != NULL && cf->socket[0] == '\0') {
		snprintf(err, errlen, "socket: value is empty");
		return -1;
	}
	/* sun_path holds 107 bytes and the NUL. */
	sockpath = cf->socket != NULL ? strlen(cf->socket) :
	    strlen(cf->data_dir) + 1 + strlen(CONFIG_SOCKET_NAME);
	if (sockpath > 107) {
		snprintf(err, errlen, "socket path is too long (%zu bytes, at "
		    "most 107)", sockpath);
		return -1;
	}
	/* Every batch may pass the rate limit and enter the writer's queue. */
	if (at_least("rate_limit_burst", cf->rate_limit_burst,
	    "max_batch_events", cf->max_batch_events, err, errlen) == -1 ||
	    at_least("writer_queue_events", cf->writer_queue_events,
	    "max_batch_events", cf->max_batch_events, err, errlen) == -1)
		return -1;
	if (cf->max_event_bytes > cf->max_body_bytes) {
		snprintf(err, errlen, "max_event_bytes (%lld) must not exceed "
		    "max_body_bytes (%lld)", (long long)cf->max_event_bytes,
		    (long long)cf->max_body_bytes);
		return -1;
	}
	if (listen_parse(cf->listen, NULL, NULL) == -1) {
		snprintf(err, errlen, "listen: \"%s\" is not an address:port",
		    cf->listen);
		return -1;
	}
	if (config_warehouse_check(cf->warehouse, err, errlen) == -1)
		return -1;
	return 0;
}
