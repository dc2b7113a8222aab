/* Tables and blocks printed by krctl; see print.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "table.h"
#include "utf8.h"
#include "xmalloc.h"
#include "print.h"
#include "record.h"

/* A member as text: strings as they are, null as "-", others as JSON. */
static const char *
str(const json_t *o, const char *key, char *buf, size_t len)
{
	const json_t	*v = json_object_get(o, key);
	char		*s;

	if (v == NULL || json_is_null(v))
		return "-";
	if (json_is_string(v))
		return json_string_value(v);
	if (json_is_true(v))
		return "yes";
	if (json_is_false(v))
		return "no";
	s = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
	snprintf(buf, len, "%s", s ? s : "?");
	free(s);
	return buf;
}

/*
 * A rate the daemon rounded to one decimal, as that decimal: JSON gives it
 * as the double nearest to it (0.80000000000000004).
 */
static const char *
rate(const json_t *v, char *buf, size_t len)
{
	if (!json_is_number(v))
		return "-";
	snprintf(buf, len, "%.1f", json_number_value(v));
	return buf;
}

/* A latency in seconds as milliseconds, or "-". */
static const char *
latency(const json_t *v, char *buf, size_t len)
{
	if (!json_is_number(v))
		return "-";
	snprintf(buf, len, "%.0f ms", json_number_value(v) * 1000);
	return buf;
}

static void
print_status(FILE *fp, const json_t *d)
{
	const json_t	*t = json_object_get(d, "totals");
	char		 b[16][64], up[80];
	const char	*pairs[] = {
		"version", str(d, "version", b[0], 64),
		"pid", str(d, "pid", b[1], 64),
		"started", str(d, "startedAt", b[2], 64),
		"uptime", up,
		"endpoint", str(d, "endpoint", b[4], 64),
		"data dir", str(d, "dataDir", b[5], 64),
		"warehouse", str(d, "warehouse", b[14], 64),
		"dedupe", str(d, "dedupe", b[15], 64),
		"sources", str(d, "sources", b[6], 64),
		"pipelines", str(d, "pipelines", b[7], 64),
		"received", str(t, "received", b[8], 64),
		"accepted", str(t, "accepted", b[9], 64),
		"rejected", str(t, "rejected", b[10], 64),
		"duplicates", str(t, "duplicates", b[11], 64),
		"stored", str(t, "stored", b[12], 64),
		"filtered", str(t, "filtered", b[13], 64),
	};
	size_t		 n = sizeof(pairs) / sizeof(pairs[0]) / 2;

	snprintf(up, sizeof(up), "%ss", str(d, "uptime", b[3], 64));
	/* Only a server's warehouse is shown (PostgreSQL): drop the two. */
	if (json_object_get(d, "warehouse") == NULL) {
		memmove(&pairs[12], &pairs[16], (n - 8) * 2 * sizeof(*pairs));
		n -= 2;
	}
	table_print_pairs(fp, pairs, n);
}

static void
print_pipelines(FILE *fp, const json_t *a)
{
	static const char *const h[] = { "ID", "SOURCE", "NAME", "ENABLED",
	    "FILTER" };
	struct table	*t = table_new(5, h);
	const json_t	*p;
	size_t		 i;
	char		 b[5][64];

	json_array_foreach(a, i, p) {
		const char *row[] = {
			str(p, "id", b[0], 64), str(p, "source", b[1], 64),
			str(p, "name", b[2], 64), str(p, "enabled", b[3], 64),
			str(p, "filterText", b[4], 64)
		};
		table_add(t, row);
	}
	table_print(t, fp);
	table_free(t);
}

static void
print_source(FILE *fp, const json_t *s)
{
	const json_t	*keys = json_object_get(s, "writeKeys");
	const json_t	*pipes = json_object_get(s, "pipelines");
	const json_t	*k;
	const char	**pairs;
	size_t		 i, n = 0, nkeys = json_array_size(keys);
	char		 b[6][64];

	pairs = xcalloc(2 * (6 + nkeys), sizeof(*pairs));
#define PAIR(l, v) do { pairs[2 * n] = (l); pairs[2 * n + 1] = (v); n++; } \
	while (0)
	PAIR("id", str(s, "id", b[0], 64));
	PAIR("name", str(s, "name", b[1], 64));
	PAIR("connector", str(s, "connector", b[2], 64));
	if (!json_is_null(json_object_get(s, "strategy")))
		PAIR("strategy", str(s, "strategy", b[3], 64));
	json_array_foreach(keys, i, k)
		PAIR(i == 0 ? "write key" : "", json_string_value(k));
	PAIR("endpoint", str(s, "endpoint", b[4], 64));
	PAIR("created", str(s, "createdAt", b[5], 64));
#undef PAIR
	table_print_pairs(fp, pairs, n);
	free(pairs);
	if (json_array_size(pipes) > 0) {
		fputc('\n', fp);
		print_pipelines(fp, pipes);
	}
}

static void
print_sources(FILE *fp, const json_t *a)
{
	static const char *const h[] = { "ID", "NAME", "CONNECTOR", "KEYS",
	    "PIPELINES", "CREATED" };
	struct table	*t = table_new(6, h);
	const json_t	*s;
	size_t		 i;
	char		 b[4][64], nk[32], np[32];

	json_array_foreach(a, i, s) {
		snprintf(nk, sizeof(nk), "%zu",
		    json_array_size(json_object_get(s, "writeKeys")));
		snprintf(np, sizeof(np), "%zu",
		    json_array_size(json_object_get(s, "pipelines")));
		const char *row[] = {
			str(s, "id", b[0], 64), str(s, "name", b[1], 64),
			str(s, "connector", b[2], 64), nk, np,
			str(s, "createdAt", b[3], 64)
		};
		table_add(t, row);
	}
	table_print(t, fp);
	table_free(t);
}

static void
print_keys(FILE *fp, const json_t *a)
{
	static const char *const h[] = { "KEY", "CREATED", "LAST USED" };
	struct table	*t = table_new(3, h);
	const json_t	*k;
	size_t		 i;
	char		 b[3][64];

	json_array_foreach(a, i, k) {
		const char *row[] = {
			str(k, "key", b[0], 64), str(k, "createdAt", b[1], 64),
			str(k, "lastUsedAt", b[2], 64)
		};
		table_add(t, row);
	}
	table_print(t, fp);
	table_free(t);
}

static void
print_pipeline(FILE *fp, const json_t *p)
{
	char		 b[8][64], consents[256];
	const json_t	*rc = json_object_get(p, "requiredConsents");
	const json_t	*purposes = json_object_get(rc, "purposes");
	const json_t	*v;
	size_t		 i;

	consents[0] = '\0';
	json_array_foreach(purposes, i, v) {
		if (i == 0)
			snprintf(consents, sizeof(consents), "%s:",
			    json_string_value(json_object_get(rc, "operator")));
		else
			strncat(consents, ",", sizeof(consents) -
			    strlen(consents) - 1);
		strncat(consents, json_string_value(v), sizeof(consents) -
		    strlen(consents) - 1);
	}
	const char *pairs[] = {
		"id", str(p, "id", b[0], 64),
		"name", str(p, "name", b[1], 64),
		"source", str(p, "source", b[2], 64),
		"kind", str(p, "kind", b[3], 64),
		"enabled", str(p, "enabled", b[4], 64),
		"filter", str(p, "filterText", b[5], 64),
		"consents", consents[0] ? consents : "-",
		"created", str(p, "createdAt", b[6], 64),
		"destination", str(p, "destination", b[7], 64),
	};
	/* Only a send pipeline has a destination line. */
	table_print_pairs(fp, pairs, json_is_string(json_object_get(p,
	    "destination")) ? 9 : 8);
}

/*
 * Counters: one table of sources, then one of pipelines
 * (spec/pipelines.md §8.4).
 */
/* The destinations table of krctl stats (spec/destinations.md §6). */
static void
print_stats_dests(FILE *fp, const json_t *a)
{
	static const char *const h[] = { "DESTINATION", "NAME", "QUEUED",
	    "IN FLIGHT", "DELIVERED", "RETRIED", "FAILED", "P50", "P99",
	    "LAST SUCCESS" };
	static const char *const k[] = { "id", "name", "queued", "inFlight",
	    "delivered", "retried", "failed" };
	struct table	*t;
	const json_t	*e, *lat;
	const char	*row[10];
	char		 b[10][64];
	size_t		 i, c;

	if (json_array_size(a) == 0)
		return;
	t = table_new(10, h);
	json_array_foreach(a, i, e) {
		for (c = 0; c < 7; c++)
			row[c] = str(e, k[c], b[c], 64);
		lat = json_object_get(e, "latency");
		row[7] = latency(json_object_get(lat, "p50"), b[7], 64);
		row[8] = latency(json_object_get(lat, "p99"), b[8], 64);
		row[9] = str(e, "lastSuccessAt", b[9], 64);
		table_add(t, row);
	}
	fputc('\n', fp);
	table_print(t, fp);
	table_free(t);
}

static void
print_stats(FILE *fp, const json_t *d)
{
	static const char *const sh[] = { "SOURCE", "NAME", "RECEIVED",
	    "ACCEPTED", "REJECTED", "DUPLICATES", "STORED", "FILTERED",
	    "LAST RECEIVED" };
	static const char *const sk[] = { "id", "name", "received",
	    "accepted", "rejected", "duplicates", "stored", "filtered",
	    "lastReceivedAt" };
	static const char *const ph[] = { "PIPELINE", "NAME", "ENABLED",
	    "RECEIVE", "FILTER PASSED", "FILTER FAILED", "CONSENT PASSED",
	    "CONSENT FAILED", "STORED" };
	static const char *const pk[] = { "id", "name", "enabled", "receive",
	    "filterPassed", "filterFailed", "consentPassed", "consentFailed",
	    "stored" };
	const json_t	*sources = json_object_get(d, "sources"), *s, *p;
	struct table	*st, *pt;
	const char	*row[9];
	char		 b[9][64];
	size_t		 i, j, c, np = 0;

	fprintf(fp, "since %s\n\n", json_string_value(json_object_get(d,
	    "since")));
	st = table_new(9, sh);
	pt = table_new(9, ph);
	json_array_foreach(sources, i, s) {
		for (c = 0; c < 9; c++)
			row[c] = str(s, sk[c], b[c], 64);
		table_add(st, row);
		json_array_foreach(json_object_get(s, "pipelines"), j, p) {
			for (c = 0; c < 9; c++)
				row[c] = str(p, pk[c], b[c], 64);
			table_add(pt, row);
			np++;
		}
	}
	table_print(st, fp);
	if (np > 0) {
		fputc('\n', fp);
		table_print(pt, fp);
	}
	table_free(st);
	table_free(pt);
	print_stats_dests(fp, json_object_get(d, "destinations"));
}

/* The member key of o as a string, or "-". */
static const char *
member(const json_t *o, const char *key)
{
	const char	*v = json_string_value(json_object_get(o, key));

	return v != NULL && *v != '\0' ? v : "-";
}

void
print_record_line(FILE *fp, const json_t *rec)
{
	const json_t	*p;
	json_t		*ev = record_event(rec);
	const char	*s;
	char		*f[4];
	size_t		 i;

	/* Everything here came from the network: made safe, cut by runes. */
	f[0] = table_fit(member(rec, "receivedAt"), 24, 1);
	f[1] = table_fit(member(ev, "type"), 8, 1);
	f[2] = table_fit((s = record_label(ev)) != NULL ? s : "-", 24, 1);
	f[3] = table_fit((s = record_user(ev)) != NULL ? s : "-", 20, 1);
	fprintf(fp, "%s  %s  %s  %s  %-9s", f[0], f[1], f[2], f[3],
	    member(rec, "outcome"));
	for (i = 0; i < 4; i++)
		free(f[i]);
	json_decref(ev);
	if (json_object_get(rec, "error") != NULL) {
		f[0] = table_safe(member(rec, "error"));
		fprintf(fp, "  %s", f[0]);
		free(f[0]);
	}
	json_array_foreach(json_object_get(rec, "pipelines"), i, p) {
		f[0] = table_safe(member(p, "name"));
		fprintf(fp, "  %s=%s", f[0], member(p, "result"));
		free(f[0]);
		if (json_object_get(p, "condition") != NULL) {
			f[0] = table_safe(member(json_object_get(p,
			    "condition"), "text"));
			fprintf(fp, " (%s)", f[0]);
			free(f[0]);
		}
	}
	fputc('\n', fp);
}

/*
 * Quarantined events: a table, the raw text cut to fit a line (the daemon
 * sends at most its first 1024 bytes).
 */
static void
print_rejected(FILE *fp, const json_t *a)
{
	static const char *const h[] = { "ID", "RECEIVED", "SOURCE",
	    "REQUEST", "INDEX", "MESSAGE ID", "ERROR", "RAW" };
	struct table	*t = table_new(8, h);
	const json_t	*r;
	size_t		 i, n;
	char		 b[5][64], raw[80 * 4 + 4];
	const char	*s;
	size_t		 c, len, seq;

	json_array_foreach(a, i, r) {
		/* Its first 80 characters (krctl.8), not bytes. */
		s = member(r, "raw");
		len = strlen(s);
		for (n = 0, c = 0; n < len && c < 80; c++, n += seq)
			if ((seq = utf8_seqlen(s + n, len - n)) == 0)
				seq = 1;
		snprintf(raw, sizeof(raw), "%.*s%s", (int)n, s,
		    n < len ? "..." : "");
		const char *row[] = { member(r, "id"),
			str(r, "receivedAt", b[0], 64), str(r, "source", b[1], 64),
			str(r, "requestId", b[2], 64), str(r, "index", b[3], 64),
			str(r, "messageId", b[4], 64), member(r, "error"), raw
		};
		table_add(t, row);
	}
	table_print(t, fp);
	table_free(t);
}

/* One quarantined event: its members, then its whole raw text. */
static void
print_reject(FILE *fp, const json_t *r)
{
	char		 b[2][64], *raw;
	const char	*pairs[] = {
		"id", member(r, "id"),
		"received", member(r, "receivedAt"),
		"source", member(r, "source"),
		"request", member(r, "requestId"),
		"index", str(r, "index", b[0], 64),
		"message id", member(r, "messageId"),
		"error", member(r, "error"),
		"raw bytes", str(r, "rawBytes", b[1], 64),
	};

	table_print_pairs(fp, pairs, sizeof(pairs) / sizeof(pairs[0]) / 2);
	raw = table_safe(member(r, "raw"));
	fprintf(fp, "\n%s\n", raw);
	free(raw);
}

/* The nodes, newest seen first as the daemon sends them. */
static void
print_nodes(FILE *fp, const json_t *a)
{
	static const char *const h[] = { "ID", "HOST", "LISTEN", "VERSION",
	    "STATE", "SEEN", "RECEIVED", "STORED", "REJECTED", "DUPLICATES",
	    "RECEIVED/S", "STORED/S" };
	struct table	*t = table_new(12, h);
	const json_t	*n;
	size_t		 i;
	char		 b[11][64];

	json_array_foreach(a, i, n) {
		const char *row[] = {
			str(n, "id", b[0], 64), str(n, "host", b[1], 64),
			str(n, "listen", b[2], 64), str(n, "version", b[3], 64),
			json_is_true(json_object_get(n, "down")) ? "down" :
			    "up",
			str(n, "seenAt", b[4], 64), str(n, "received", b[5], 64),
			str(n, "stored", b[6], 64), str(n, "rejected", b[7], 64),
			str(n, "duplicates", b[8], 64),
			rate(json_object_get(n, "receivedPerSecond"), b[9],
			    64),
			rate(json_object_get(n, "storedPerSecond"), b[10], 64)
		};
		table_add(t, row);
	}
	table_print(t, fp);
	table_free(t);
}

/* How a destination's delivery goes (spec/destinations.md §6). */
static void
print_delivery(FILE *fp, const json_t *d)
{
	const json_t	*q = json_object_get(d, "queue");
	const json_t	*le = json_object_get(d, "lastError");
	const json_t	*lat = json_object_get(d, "latency");
	char		 b[10][64], err[1024];
	const char	*pairs[] = {
		"queued", str(q, "events", b[0], 64),
		"oldest queued", str(q, "oldestQueuedAt", b[1], 64),
		"in flight", str(q, "inFlight", b[2], 64),
		"delivered", str(d, "delivered", b[3], 64),
		"retried", str(d, "retried", b[4], 64),
		"failed", str(d, "failed", b[5], 64),
		"last success", str(d, "lastSuccessAt", b[6], 64),
		"last error", err,
		"latency p50", latency(json_object_get(lat, "p50"), b[7], 64),
		"latency p99", latency(json_object_get(lat, "p99"), b[8], 64),
	};

	if (q == NULL)
		return;
	if (json_is_object(le))
		snprintf(err, sizeof(err), "%s %s", member(le, "at"),
		    member(le, "reason"));
	else
		snprintf(err, sizeof(err), "-");
	table_print_pairs(fp, pairs, sizeof(pairs) / sizeof(pairs[0]) / 2);
}

/*
 * A body a destination answered, line by line, each made safe (it came
 * from the network), ending with one newline.
 */
static void
print_body(FILE *fp, const char *body)
{
	const char	*nl;
	char		*line, *safe, *p;
	size_t		 len;

	do {
		nl = strchr(body, '\n');
		len = nl != NULL ? (size_t)(nl - body) : strlen(body);
		if (len > 0 && body[len - 1] == '\r')
			len--;
		line = xstrndup(body, len);
		/* A tab is kept as a blank, its layout roughly. */
		for (p = line; (p = strchr(p, '\t')) != NULL; p++)
			*p = ' ';
		safe = table_safe(line);
		fprintf(fp, "%s\n", safe);
		free(safe);
		free(line);
		body = nl != NULL ? nl + 1 : NULL;
	} while (body != NULL && *body != '\0');
}

/*
 * A destination removed: with --force, the send pipelines removed with it
 * and the queued events that failed.
 */
static void
print_dest_removed(FILE *fp, const json_t *d)
{
	const json_t	*p, *pipes = json_object_get(d, "pipelines");
	json_int_t	 dropped;
	size_t		 i;
	char		*s;

	s = table_safe(member(d, "name"));
	fprintf(fp, "removed destination %s \"%s\"", member(d, "id"), s);
	free(s);
	json_array_foreach(pipes, i, p) {
		s = table_safe(member(p, "name"));
		fprintf(fp, "%s\"%s\"", i == 0 ? (json_array_size(pipes) == 1 ?
		    " and its send pipeline " : " and its send pipelines ") :
		    ", ", s);
		free(s);
	}
	dropped = json_integer_value(json_object_get(d, "dropped"));
	if (dropped > 0)
		fprintf(fp, "; %lld queued event%s failed", (long long)dropped,
		    dropped == 1 ? "" : "s");
	fputc('\n', fp);
}

/* The failed deliveries of a destination, newest first. */
static void
print_dest_failed(FILE *fp, const json_t *a)
{
	static const char *const h[] = { "FAILED", "MESSAGE ID", "PIPELINE",
	    "QUEUED", "ATTEMPTS", "REASON" };
	struct table	*t = table_new(6, h);
	const json_t	*r;
	size_t		 i;
	char		 b[5][64];

	json_array_foreach(a, i, r) {
		const char *row[] = { str(r, "failedAt", b[0], 64),
			str(r, "messageId", b[1], 64),
			str(r, "pipeline", b[2], 64),
			str(r, "queuedAt", b[3], 64),
			str(r, "attempts", b[4], 64), member(r, "reason")
		};
		table_add(t, row);
	}
	table_print(t, fp);
	table_free(t);
}

/* One destination (spec/destinations.md §6.1), then its pipelines. */
static void
print_destination(FILE *fp, const json_t *d)
{
	static const char *const h[] = { "ID", "SOURCE", "NAME" };
	const json_t	*headers = json_object_get(d, "headers");
	const json_t	*pipes = json_object_get(d, "pipelines");
	const json_t	*v;
	const char	**pairs;
	struct table	*t;
	size_t		 i, n = 0;
	char		 b[14][64], timeout[80];

	pairs = xcalloc(2 * (14 + json_array_size(headers)), sizeof(*pairs));
#define PAIR(l, v) do { pairs[2 * n] = (l); pairs[2 * n + 1] = (v); n++; } \
	while (0)
	PAIR("id", str(d, "id", b[0], 64));
	PAIR("name", str(d, "name", b[1], 64));
	PAIR("connector", str(d, "connector", b[2], 64));
	PAIR("url", str(d, "url", b[3], 64));
	json_array_foreach(headers, i, v)
		PAIR(i == 0 ? "header" : "", json_string_value(v));
	PAIR("write key", str(d, "writeKey", b[4], 64));
	PAIR("secret", str(d, "secret", b[5], 64));
	PAIR("batch size", str(d, "batchSize", b[6], 64));
	snprintf(timeout, sizeof(timeout), "%ss", str(d, "timeout", b[7], 64));
	PAIR("timeout", timeout);
	PAIR("max in flight", str(d, "maxInFlight", b[8], 64));
	PAIR("max age", str(d, "maxAge", b[9], 64));
	PAIR("gzip", str(d, "gzip", b[10], 64));
	PAIR("enabled", str(d, "enabled", b[11], 64));
	PAIR("created", str(d, "createdAt", b[12], 64));
#undef PAIR
	table_print_pairs(fp, pairs, n);
	free(pairs);
	print_delivery(fp, d);
	if (json_array_size(pipes) == 0)
		return;
	fputc('\n', fp);
	t = table_new(3, h);
	json_array_foreach(pipes, i, v) {
		const char *row[] = {
			str(v, "id", b[0], 64), str(v, "source", b[1], 64),
			str(v, "name", b[2], 64)
		};
		table_add(t, row);
	}
	table_print(t, fp);
	table_free(t);
}

static void
print_destinations(FILE *fp, const json_t *a)
{
	static const char *const h[] = { "ID", "NAME", "CONNECTOR", "URL",
	    "ENABLED", "PIPELINES", "QUEUED", "DELIVERED", "FAILED" };
	struct table	*t = table_new(9, h);
	const json_t	*d;
	size_t		 i;
	char		 b[8][64], np[32];

	json_array_foreach(a, i, d) {
		snprintf(np, sizeof(np), "%zu",
		    json_array_size(json_object_get(d, "pipelines")));
		const char *row[] = {
			str(d, "id", b[0], 64), str(d, "name", b[1], 64),
			str(d, "connector", b[2], 64), str(d, "url", b[3], 64),
			str(d, "enabled", b[4], 64), np,
			str(json_object_get(d, "queue"), "events", b[5], 64),
			str(d, "delivered", b[6], 64), str(d, "failed", b[7], 64)
		};
		table_add(t, row);
	}
	table_print(t, fp);
	table_free(t);
}

void
print_human(FILE *fp, enum cmd_print k, const json_t *d)
{
	const json_t	*v;
	const char	*body;
	size_t		 i;
	char		*s, b[3][64];

	switch (k) {
	case PRINT_EVENTS:
		json_array_foreach(d, i, v)
			print_record_line(fp, v);
		break;
	case PRINT_REJECTED:
		print_rejected(fp, d);
		break;
	case PRINT_REJECT:
		print_reject(fp, d);
		break;
	case PRINT_SENT:
	case PRINT_EXPORTED:
		/* main prints the answer, or the document, as it came. */
		break;
	case PRINT_NODES:
		print_nodes(fp, d);
		break;
	case PRINT_IMPORTED:
		fprintf(fp, "imported %s sources, %s write keys, %s "
		    "pipelines", str(d, "sources", b[0], 64),
		    str(d, "writeKeys", b[1], 64),
		    str(d, "pipelines", b[2], 64));
		if (json_object_get(d, "destinations") != NULL)
			fprintf(fp, ", %s destinations",
			    str(d, "destinations", b[0], 64));
		fputc('\n', fp);
		break;
	case PRINT_STATS:
		print_stats(fp, d);
		break;
	case PRINT_STATUS:
		print_status(fp, d);
		break;
	case PRINT_SOURCE:
		print_source(fp, d);
		break;
	case PRINT_SOURCES:
		print_sources(fp, d);
		break;
	case PRINT_SOURCE_REMOVED:
		s = table_safe(member(d, "name"));
		fprintf(fp, "removed source %s \"%s\"\n", member(d, "id"), s);
		free(s);
		break;
	case PRINT_KEYS:
		print_keys(fp, d);
		break;
	case PRINT_KEY:
		fprintf(fp, "%s\n", json_string_value(json_object_get(d,
		    "key")));
		break;
	case PRINT_KEY_REMOVED:
		fprintf(fp, "removed key %s\n",
		    json_string_value(json_object_get(d, "key")));
		break;
	case PRINT_PIPELINE:
		print_pipeline(fp, d);
		break;
	case PRINT_PIPELINES:
		print_pipelines(fp, d);
		break;
	case PRINT_PIPELINE_REMOVED:
		s = table_safe(member(d, "name"));
		fprintf(fp, "removed pipeline %s \"%s\"\n", member(d, "id"),
		    s);
		free(s);
		break;
	case PRINT_DESTINATION:
		print_destination(fp, d);
		break;
	case PRINT_DESTINATIONS:
		print_destinations(fp, d);
		break;
	case PRINT_DEST_TEST:
		fprintf(fp, "HTTP %s in %s ms\n", str(d, "status", b[0], 64),
		    str(d, "ms", b[1], 64));
		/* An empty body prints nothing: "-" would be a body. */
		body = json_string_value(json_object_get(d, "body"));
		if (body != NULL && *body != '\0')
			print_body(fp, body);
		break;
	case PRINT_DEST_FAILED:
		print_dest_failed(fp, d);
		break;
	case PRINT_DEST_RETRY:
		s = table_safe(member(d, "name"));
		fprintf(fp, "%s failed events of destination %s \"%s\" queued "
		    "again\n", str(d, "requeued", b[0], 64), member(d, "id"), s);
		free(s);
		break;
	case PRINT_DESTINATION_REMOVED:
		print_dest_removed(fp, d);
		break;
	}
}

void
print_text(FILE *fp, const char *text, size_t len)
{
	if (text == NULL)
		fputs("null", fp);
	else
		fwrite(text, 1, len, fp);
	fputc('\n', fp);
}
