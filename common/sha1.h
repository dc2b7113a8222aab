/*
 * SHA-1 (RFC 3174) and HMAC-SHA1 (RFC 2104), for the X-Signature header
 * of spec/destinations.md §2: a receiver checks it, nothing here relies
 * on SHA-1 being collision resistant.
 */
#ifndef SHA1_H
#define SHA1_H

#include <stddef.h>
#include <stdint.h>

#define SHA1_LEN	20		/* bytes of a digest */
#define SHA1_HEX_LEN	(2 * SHA1_LEN)	/* its hex form, without the NUL */

/* A digest being computed: sha1_init, sha1_update..., sha1_final. */
struct sha1 {
	uint32_t	h[5];
	uint64_t	len;		/* bytes hashed */
	unsigned char	block[64];	/* the partial block */
};

void	sha1_init(struct sha1 *);
void	sha1_update(struct sha1 *, const void *data, size_t len);
void	sha1_final(struct sha1 *, unsigned char out[SHA1_LEN]);

/* HMAC-SHA1 of data under key. */
void	sha1_hmac(const void *key, size_t keylen, const void *data,
	    size_t len, unsigned char out[SHA1_LEN]);

/* The digest d in lower-case hex, NUL-terminated, in out. */
void	sha1_hex(const unsigned char d[SHA1_LEN],
	    char out[SHA1_HEX_LEN + 1]);

#endif
