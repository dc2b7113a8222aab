/* SHA-1 and HMAC-SHA1; see sha1.h. */
#include <stdint.h>
#include <string.h>

#include "sha1.h"

#define ROL(x, n)	(((x) << (n)) | ((x) >> (32 - (n))))

/* Hash one 64-byte block into s->h (RFC 3174 §6.1). */
static void
sha1_block(struct sha1 *s, const unsigned char *p)
{
	uint32_t	w[80], a, b, c, d, e, f, k, t;
	int		i;

	for (i = 0; i < 16; i++)
		w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
		    (uint32_t)p[4 * i + 2] << 8 | (uint32_t)p[4 * i + 3];
	for (i = 16; i < 80; i++)
		w[i] = ROL(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
	a = s->h[0];
	b = s->h[1];
	c = s->h[2];
	d = s->h[3];
	e = s->h[4];
	for (i = 0; i < 80; i++) {
		if (i < 20) {
			f = (b & c) | (~b & d);
			k = 0x5a827999;
		} else if (i < 40) {
			f = b ^ c ^ d;
			k = 0x6ed9eba1;
		} else if (i < 60) {
			f = (b & c) | (b & d) | (c & d);
			k = 0x8f1bbcdc;
		} else {
			f = b ^ c ^ d;
			k = 0xca62c1d6;
		}
		t = ROL(a, 5) + f + e + k + w[i];
		e = d;
		d = c;
		c = ROL(b, 30);
		b = a;
		a = t;
	}
	s->h[0] += a;
	s->h[1] += b;
	s->h[2] += c;
	s->h[3] += d;
	s->h[4] += e;
}

void
sha1_init(struct sha1 *s)
{
	s->h[0] = 0x67452301;
	s->h[1] = 0xefcdab89;
	s->h[2] = 0x98badcfe;
	s->h[3] = 0x10325476;
	s->h[4] = 0xc3d2e1f0;
	s->len = 0;
}

void
sha1_update(struct sha1 *s, const void *data, size_t len)
{
	const unsigned char	*p = data;
	size_t			 used = s->len % 64, n;

	s->len += len;
	if (used > 0) {
		n = 64 - used < len ? 64 - used : len;
		memcpy(s->block + used, p, n);
		p += n;
		len -= n;
		if (used + n < 64)
			return;
		sha1_block(s, s->block);
	}
	for (; len >= 64; p += 64, len -= 64)
		sha1_block(s, p);
	memcpy(s->block, p, len);
}

/* The padding of RFC 3174 §4: a 1 bit, zeros, the length in bits. */
void
sha1_final(struct sha1 *s, unsigned char out[SHA1_LEN])
{
	static const unsigned char	 zeros[64] = { 0x80 };
	unsigned char			 bits[8];
	uint64_t			 nbits = s->len * 8;
	size_t				 used = s->len % 64;
	int				 i;

	for (i = 0; i < 8; i++)
		bits[i] = (unsigned char)(nbits >> (56 - 8 * i));
	sha1_update(s, zeros, used < 56 ? 56 - used : 120 - used);
	sha1_update(s, bits, sizeof(bits));
	for (i = 0; i < SHA1_LEN; i++)
		out[i] = (unsigned char)(s->h[i / 4] >> (24 - 8 * (i % 4)));
}

/* RFC 2104 §2: H(K ^ opad, H(K ^ ipad, data)), a long key hashed first. */
void
sha1_hmac(const void *key, size_t keylen, const void *data, size_t len,
    unsigned char out[SHA1_LEN])
{
	struct sha1	s;
	unsigned char	k[64], pad[64], inner[SHA1_LEN];
	int		i;

	memset(k, 0, sizeof(k));
	if (keylen > sizeof(k)) {
		sha1_init(&s);
		sha1_update(&s, key, keylen);
		sha1_final(&s, k);
	} else
		memcpy(k, key, keylen);
	for (i = 0; i < 64; i++)
		pad[i] = k[i] ^ 0x36;
	sha1_init(&s);
	sha1_update(&s, pad, sizeof(pad));
	sha1_update(&s, data, len);
	sha1_final(&s, inner);
	for (i = 0; i < 64; i++)
		pad[i] = k[i] ^ 0x5c;
	sha1_init(&s);
	sha1_update(&s, pad, sizeof(pad));
	sha1_update(&s, inner, sizeof(inner));
	sha1_final(&s, out);
}

void
sha1_hex(const unsigned char d[SHA1_LEN], char out[SHA1_HEX_LEN + 1])
{
	static const char	digits[] = "0123456789abcdef";
	int			i;

	for (i = 0; i < SHA1_LEN; i++) {
		out[2 * i] = digits[d[i] >> 4];
		out[2 * i + 1] = digits[d[i] & 15];
	}
	out[SHA1_HEX_LEN] = '\0';
}
