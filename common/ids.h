/*
 * Identifiers, all drawn from getrandom(2): 12-character base58 object ids
 * and 32-character base62 write keys (spec/pipelines.md conventions and §3),
 * and RFC 4122 version 4 UUIDs.  Characters are drawn by rejection sampling,
 * so there is no modulo bias.
 */
#ifndef IDS_H
#define IDS_H

#include <stddef.h>

#define IDS_ID_LEN	12
#define IDS_KEY_LEN	32
#define IDS_UUID_LEN	36
#define IDS_REQID_MAX	17		/* 12 bytes in base58 */

/* Write a NUL-terminated id into buf (IDS_ID_LEN + 1 bytes). */
void	ids_new_id(char *buf);
/* Write a NUL-terminated write key into buf (IDS_KEY_LEN + 1 bytes). */
void	ids_new_key(char *buf);
/* Write a NUL-terminated lower-case UUID v4 into buf (IDS_UUID_LEN + 1). */
void	ids_new_uuid(char *buf);

/*
 * Write a request id of spec/ingest.md §14 into buf (IDS_REQID_MAX + 1
 * bytes): 12 random bytes as a base58 number, 12 to 17 characters.
 */
void	ids_new_request_id(char *buf);

/* Whether s has the form of an id, a write key (exact length, alphabet). */
int	ids_is_id(const char *s);
int	ids_is_key(const char *s, size_t len);

/* Fill buf with n bytes from getrandom(2), through short reads and EINTR. */
void	ids_random_bytes(void *buf, size_t n);

/*
 * Fill buf with n random characters of alphabet (of size alen <= 256)
 * without modulo bias.  Exposed for the unit tests.
 */
void	ids_random_chars(char *buf, size_t n, const char *alphabet,
	    size_t alen);

#endif
