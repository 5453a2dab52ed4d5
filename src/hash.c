/* hash: XXH64, FNV-1a 64 and the fingerprint hash; see hash.h for where each
 * value is kept. Words are read little-endian byte by byte, so the values are
 * the same on every machine (the compiler makes each read one load). */
#include "hash.h"

#include <string.h>

static uint64_t rotl64(uint64_t x, int r)
{
	return (x << r) | (x >> (64 - r));
}

static uint64_t read64(const unsigned char *p)
{
	return (uint64_t)p[0] | (uint64_t)p[1] << 8 | (uint64_t)p[2] << 16 |
	       (uint64_t)p[3] << 24 | (uint64_t)p[4] << 32 |
	       (uint64_t)p[5] << 40 | (uint64_t)p[6] << 48 |
	       (uint64_t)p[7] << 56;
}

static uint64_t read32(const unsigned char *p)
{
	return (uint64_t)p[0] | (uint64_t)p[1] << 8 | (uint64_t)p[2] << 16 |
	       (uint64_t)p[3] << 24;
}

/* ---- XXH64 ---------------------------------------------------------------- */

#define XP1 UINT64_C(0x9E3779B185EBCA87)
#define XP2 UINT64_C(0xC2B2AE3D27D4EB4F)
#define XP3 UINT64_C(0x165667B19E3779F9)
#define XP4 UINT64_C(0x85EBCA77C2B2AE63)
#define XP5 UINT64_C(0x27D4EB2F165667C5)

static uint64_t xxh_round(uint64_t acc, uint64_t in)
{
	acc += in * XP2;
	acc = rotl64(acc, 31);
	return acc * XP1;
}

static uint64_t xxh_merge(uint64_t acc, uint64_t v)
{
	acc ^= xxh_round(0, v);
	return acc * XP1 + XP4;
}

uint64_t hash_xxh64(const void *data, size_t len, uint64_t seed)
{
	const unsigned char *p = data, *end = p + len;
	uint64_t h;

	if (len >= 32) {
		uint64_t v1 = seed + XP1 + XP2, v2 = seed + XP2, v3 = seed,
		         v4 = seed - XP1;

		do {
			v1 = xxh_round(v1, read64(p));
			v2 = xxh_round(v2, read64(p + 8));
			v3 = xxh_round(v3, read64(p + 16));
			v4 = xxh_round(v4, read64(p + 24));
			p += 32;
		} while (end - p >= 32);
		h = rotl64(v1, 1) + rotl64(v2, 7) + rotl64(v3, 12) +
		    rotl64(v4, 18);
		h = xxh_merge(h, v1);
		h = xxh_merge(h, v2);
		h = xxh_merge(h, v3);
		h = xxh_merge(h, v4);
	} else {
		h = seed + XP5;
	}
	h += (uint64_t)len;
	while (end - p >= 8) {
		h ^= xxh_round(0, read64(p));
		h = rotl64(h, 27) * XP1 + XP4;
		p += 8;
	}
	if (end - p >= 4) {
		h ^= read32(p) * XP1;
		h = rotl64(h, 23) * XP2 + XP3;
		p += 4;
	}
	while (p < end) {
		h ^= *p++ * XP5;
		h = rotl64(h, 11) * XP1;
	}
	h ^= h >> 33;
	h *= XP2;
	h ^= h >> 29;
	h *= XP3;
	h ^= h >> 32;
	return h;
}

/* ---- FNV-1a 64 ------------------------------------------------------------ */

uint64_t hash_fnv1a64(const void *data, size_t len)
{
	const unsigned char *p = data;
	uint64_t h = UINT64_C(0xcbf29ce484222325);
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= p[i];
		h *= UINT64_C(0x100000001b3);
	}
	return h;
}

/* ---- the fingerprint hash --------------------------------------------------- */

#define FK1 UINT64_C(0x9e3779b97f4a7c15)
#define FK2 UINT64_C(0xc2b2ae3d27d4eb4f)

static uint64_t stream_word(uint64_t h, uint64_t w)
{
	return rotl64(h ^ (w * FK1), 31) * FK2;
}

void hash_stream_init(struct hash_stream *s)
{
	memset(s, 0, sizeof(*s));
	s->h = FK2;
}

void hash_stream_update(struct hash_stream *s, const void *data, size_t len)
{
	const unsigned char *p = data;

	s->total += (uint64_t)len;
	if (s->ntail) {
		while (len && s->ntail < 8) {
			s->tail[s->ntail++] = *p++;
			len--;
		}
		if (s->ntail < 8)
			return;
		s->h = stream_word(s->h, read64(s->tail));
		s->ntail = 0;
	}
	for (; len >= 8; p += 8, len -= 8)
		s->h = stream_word(s->h, read64(p));
	memcpy(s->tail, p, len);
	s->ntail = (unsigned)len;
}

uint64_t hash_stream_final(const struct hash_stream *s)
{
	unsigned char last[8] = { 0 };
	uint64_t h;

	memcpy(last, s->tail, s->ntail);
	h = stream_word(s->h, read64(last)) ^ s->total;
	h ^= h >> 33;
	h *= UINT64_C(0xff51afd7ed558ccd);
	h ^= h >> 33;
	h *= UINT64_C(0xc4ceb9fe1a85ec53);
	h ^= h >> 33;
	return h;
}
