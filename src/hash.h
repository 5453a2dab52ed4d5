/* hash: the tree's 64-bit hashes, in one place. Each one's values are kept
 * somewhere (a row's --shard is documented, a fingerprint is stored in
 * result logs), so tests/test_hash.c pins them with fixed vectors: a change
 * here that moves any value is a bug. None of them is cryptographic. */
#ifndef RB_HASH_H
#define RB_HASH_H

#include <stddef.h>
#include <stdint.h>

/* XXH64 (Yann Collet's xxHash, 64-bit; the public reference algorithm):
 * fast on short keys and well mixed in every bit. The duplicate set's hash.
 * data is borrowed for the call; len may be 0. */
uint64_t hash_xxh64(const void *data, size_t len, uint64_t seed);

/* FNV-1a 64 (offset basis 0xcbf29ce484222325, prime 0x100000001b3): the
 * README's --shard rule (of the trimmed subscriptionId) and report's table
 * of totals. Slow on long inputs, simple to write again in any language,
 * which is why --shard uses it. */
uint64_t hash_fnv1a64(const void *data, size_t len);

/* The fingerprint hash of an input ("v1:<size>:<16 hex>" in result logs):
 * 8-byte little-endian words mixed in order, the last partial word padded
 * with zeros, then the size and a murmur3 finalizer. Fed in pieces of any
 * size: the value depends on the bytes only. */
struct hash_stream {
	uint64_t h;
	uint64_t total;         /* bytes fed so far */
	unsigned char tail[8];  /* the last word while it is not complete */
	unsigned ntail;
};
void hash_stream_init(struct hash_stream *s);
/* data is borrowed for the call. */
void hash_stream_update(struct hash_stream *s, const void *data, size_t len);
/* The hash of everything fed; s is left as it was (more may follow). */
uint64_t hash_stream_final(const struct hash_stream *s);

#endif
