/* Tests for hash: every algorithm pinned by fixed vectors. These values are
 * kept outside the program (a row's --shard is documented, a fingerprint is
 * in every result log, the duplicate set's keys are compared across one run
 * only but XXH64 is a published algorithm), so none of them may move. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "hash.h"

/* bytes i * 2654435761 >> 13: no run, no structure a hash could hide in */
static void pattern(unsigned char *buf, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		buf[i] = (unsigned char)(i * 2654435761u >> 13);
}

static void test_xxh64_reference(void **state)
{
	(void)state;
	/* the published XXH64 test values (seed 0) */
	assert_true(hash_xxh64("", 0, 0) == UINT64_C(0xef46db3751d8e999));
	assert_true(hash_xxh64("abc", 3, 0) == UINT64_C(0x44bc2cf5ad770999));
	/* the duplicate set's key of (sub_1, 2026-01-01T00:00:00Z, 5) */
	assert_true(hash_xxh64("sub_1\0002026-01-01T00:00:00Z\0005", 28, 0) ==
	            UINT64_C(0x8f36f3053a3bbc0b));
}

/* Every branch: the 32-byte stripes, 8-byte words, a 4-byte word, single
 * bytes, and a seed that is not 0. */
static void test_xxh64_lengths(void **state)
{
	static const struct {
		size_t len;
		int seeded;
		uint64_t want;
	} v[] = {
		{ 0, 0, UINT64_C(0xef46db3751d8e999) },
		{ 0, 1, UINT64_C(0x6ec6d05f61c7e7a7) },
		{ 1, 0, UINT64_C(0xe934a84adb052768) },
		{ 1, 1, UINT64_C(0x60508b0ced72c717) },
		{ 3, 0, UINT64_C(0x28823e205e353f69) },
		{ 3, 1, UINT64_C(0xbc6d8133e944f5fd) },
		{ 4, 0, UINT64_C(0x91b65bbe720c34cf) },
		{ 4, 1, UINT64_C(0x7f45f3d41cdea13b) },
		{ 7, 0, UINT64_C(0xe2400cdea02ee3c5) },
		{ 7, 1, UINT64_C(0xbd0752f4f57c71c6) },
		{ 8, 0, UINT64_C(0x521fd2878ea69d17) },
		{ 8, 1, UINT64_C(0xce975374fe68613c) },
		{ 9, 0, UINT64_C(0x192535de38f73596) },
		{ 9, 1, UINT64_C(0x1c9e1b857434760a) },
		{ 15, 0, UINT64_C(0x4ee77ab371d06e31) },
		{ 15, 1, UINT64_C(0x0c605bf674998a89) },
		{ 16, 0, UINT64_C(0xb1a375c6bd6ba7af) },
		{ 16, 1, UINT64_C(0x81c3974799073363) },
		{ 31, 0, UINT64_C(0xb74baa9042b94dee) },
		{ 31, 1, UINT64_C(0x704dc650ba0c237b) },
		{ 32, 0, UINT64_C(0x4e13111ced6f735d) },
		{ 32, 1, UINT64_C(0xf0467c7317d02084) },
		{ 33, 0, UINT64_C(0xf7b9faf20b3bce63) },
		{ 33, 1, UINT64_C(0x4b3482c675118adf) },
		{ 63, 0, UINT64_C(0x35f935e6044a08ad) },
		{ 63, 1, UINT64_C(0x7657291b8964a0e0) },
		{ 64, 0, UINT64_C(0xcd91daec2c21766f) },
		{ 64, 1, UINT64_C(0x34ab6c3decaa51fe) },
		{ 65, 0, UINT64_C(0x7c795c59456ed577) },
		{ 65, 1, UINT64_C(0xfc74864efd76ed1c) },
		{ 100, 0, UINT64_C(0xd61ea92c5ae13676) },
		{ 100, 1, UINT64_C(0x4ad47ae9a891493f) },
		{ 255, 0, UINT64_C(0xfed0a69e11176032) },
		{ 255, 1, UINT64_C(0xa6559920085d484a) },
	};
	unsigned char buf[256];
	size_t i;

	(void)state;
	pattern(buf, sizeof(buf));
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		uint64_t got = hash_xxh64(buf, v[i].len,
		                          v[i].seeded ? UINT64_C(0x9E3779B185EBCA87)
		                                      : 0);
		if (got != v[i].want)
			fail_msg("xxh64 of %zu bytes (seeded %d): %016llx, want "
			         "%016llx",
			         v[i].len, v[i].seeded, (unsigned long long)got,
			         (unsigned long long)v[i].want);
	}
}

/* FNV-1a 64: the published values, and the --shard of ids the README's
 * rule gives (hash mod N is shard K-1). */
static void test_fnv1a64(void **state)
{
	(void)state;
	assert_true(hash_fnv1a64("", 0) == UINT64_C(0xcbf29ce484222325));
	assert_true(hash_fnv1a64("a", 1) == UINT64_C(0xaf63dc4c8601ec8c));
	assert_true(hash_fnv1a64("foobar", 6) == UINT64_C(0x85944171f73967e8));
	assert_true(hash_fnv1a64("sub_1", 5) == UINT64_C(0x6c402db46677081d));
	assert_true(hash_fnv1a64("shard_7", 7) ==
	            UINT64_C(0x8b809e73fae95031));
	assert_true(hash_fnv1a64("bad id", 6) == UINT64_C(0x156e1ae14e37a435));
	assert_int_equal(hash_fnv1a64("sub_1", 5) % 4, 1); /* shard 2 of 4 */
}

static uint64_t stream_of(const unsigned char *d, size_t n, size_t piece)
{
	struct hash_stream s;
	size_t i, k;

	hash_stream_init(&s);
	for (i = 0; i < n; i += k) {
		k = n - i < piece ? n - i : piece;
		hash_stream_update(&s, d + i, k);
	}
	assert_true(s.total == n);
	return hash_stream_final(&s);
}

/* The fingerprint hash: values written by fingerprint.c into result logs
 * before it was moved here ("v1:<size>:<hash>"), fed whole and in pieces
 * of every awkward size. */
static void test_stream_pinned(void **state)
{
	static const struct {
		size_t len;
		uint64_t want;
	} v[] = {
		{ 0, UINT64_C(0x2d3ea4fad15535c3) },
		{ 1, UINT64_C(0x0c31166b064a1434) },
		{ 7, UINT64_C(0x829830100357fa22) },
		{ 8, UINT64_C(0x75d794a6d1e6c3a6) },
		{ 9, UINT64_C(0x0040712d891d468f) },
		{ 255, UINT64_C(0xf993b526713f35a4) },
		{ 3 * 65536 + 13, UINT64_C(0x031f132bd981f4c7) },
	};
	static const size_t pieces[] = { 1, 3, 7, 8, 9, 64, 65536, 1 << 20 };
	unsigned char *buf = malloc(3 * 65536 + 13);
	size_t i, j;

	(void)state;
	assert_non_null(buf);
	pattern(buf, 3 * 65536 + 13);
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		for (j = 0; j < sizeof(pieces) / sizeof(pieces[0]); j++) {
			uint64_t got = stream_of(buf, v[i].len, pieces[j]);
			if (got != v[i].want)
				fail_msg("stream of %zu bytes in pieces of %zu: "
				         "%016llx, want %016llx",
				         v[i].len, pieces[j],
				         (unsigned long long)got,
				         (unsigned long long)v[i].want);
		}
	/* "hello\n", as test_fingerprint pins it */
	assert_true(stream_of((const unsigned char *)"hello\n", 6, 6) ==
	            UINT64_C(0x4fded3b8a67061ed));
	free(buf);
}

/* final leaves the stream as it was: more may follow */
static void test_stream_final_midway(void **state)
{
	struct hash_stream s;
	unsigned char buf[40];

	(void)state;
	pattern(buf, sizeof(buf));
	hash_stream_init(&s);
	hash_stream_update(&s, buf, 13);
	assert_true(hash_stream_final(&s) == stream_of(buf, 13, 13));
	hash_stream_update(&s, buf + 13, 27);
	assert_true(hash_stream_final(&s) == stream_of(buf, 40, 40));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_xxh64_reference),
		cmocka_unit_test(test_xxh64_lengths),
		cmocka_unit_test(test_fnv1a64),
		cmocka_unit_test(test_stream_pinned),
		cmocka_unit_test(test_stream_final_midway),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
