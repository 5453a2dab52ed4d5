/* Tests for dedup: exact answers against a plain array through every
 * growth, batch boundary and allocation failure, and the memory budget. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dedup.h"

static void usage_of(struct usage *u, const char *id, const char *t,
                     const char *q)
{
	memset(u, 0, sizeof(*u));
	snprintf(u->subscription_id, sizeof(u->subscription_id), "%s", id);
	snprintf(u->usage_time, sizeof(u->usage_time), "%s", t);
	snprintf(u->quantity, sizeof(u->quantity), "%s", q);
}

static void test_dedup_basic(void **state)
{
	struct dedup *d = dedup_new();
	struct usage u;

	(void)state;
	assert_non_null(d);
	usage_of(&u, "sub_1", "2026-01-01T00:00:00Z", "5");
	assert_int_equal(dedup_seen(d, &u, NULL), 0);
	assert_int_equal(dedup_seen(d, &u, NULL), 1);
	usage_of(&u, "sub_1", "2026-01-01T00:00:00Z", "5.1");
	assert_int_equal(dedup_seen(d, &u, NULL), 0);
	usage_of(&u, "sub_1", "2026-01-01T00:00:01Z", "5");
	assert_int_equal(dedup_seen(d, &u, NULL), 0);
	usage_of(&u, "sub_2", "2026-01-01T00:00:00Z", "5");
	assert_int_equal(dedup_seen(d, &u, NULL), 0);
	/* the separators keep shifted fields apart */
	usage_of(&u, "a", "", "15");
	assert_int_equal(dedup_seen(d, &u, NULL), 0);
	usage_of(&u, "a1", "", "5");
	assert_int_equal(dedup_seen(d, &u, NULL), 0);
	usage_of(&u, "a", "", "15");
	assert_int_equal(dedup_seen(d, &u, NULL), 1);
	/* the line is not part of the key */
	u.line = 99;
	assert_int_equal(dedup_seen(d, &u, NULL), 1);
	assert_int_equal(dedup_count(d), 6);
	dedup_free(d);
	dedup_free(NULL);
}

static void test_dedup_many(void **state)
{
	enum { N = 100000 };
	struct dedup *d = dedup_new();
	struct usage u;
	char id[32];
	size_t bytes0;
	int i;

	(void)state;
	assert_non_null(d);
	bytes0 = dedup_bytes(d);
	assert_true(bytes0 <= 256 * 1024);
	usage_of(&u, "", "2026-01-01T00:00:00Z", "1");
	for (i = 0; i < N; i++) {
		snprintf(id, sizeof(id), "sub_%d", i);
		memcpy(u.subscription_id, id, strlen(id) + 1);
		assert_int_equal(dedup_seen(d, &u, NULL), 0);
	}
	assert_int_equal(dedup_count(d), N);
	for (i = 0; i < N; i++) {
		snprintf(id, sizeof(id), "sub_%d", i);
		memcpy(u.subscription_id, id, strlen(id) + 1);
		assert_int_equal(dedup_seen(d, &u, NULL), 1);
	}
	assert_int_equal(dedup_count(d), N);
	/* 12-byte slots (hash, line) and a 1-byte filter, 0.54 to 4/5 full:
	 * about 16.3 to 24 bytes a row */
	assert_true(dedup_bytes(d) >= (size_t)N * 16);
	assert_true(dedup_bytes(d) <= (size_t)N * 24 + bytes0);
	dedup_free(d);
}

#define MIB (1024 * 1024)

/* The benchmark's budget, with 1 MiB for the empty set: at most 24 bytes a
 * distinct row. dedup_bytes only changes when a sub-table grows, so checking
 * after every insert also checks right after each growth. */
static void assert_dedup_budget(const struct dedup *d)
{
	assert_true(dedup_bytes(d) <= dedup_count(d) * 24 + MIB);
}

static void test_dedup_million(void **state)
{
	enum { N = 1000000, ABSENT = 10000 };
	struct dedup *d = dedup_new();
	struct usage u;
	int i;

	(void)state;
	assert_non_null(d);
	assert_dedup_budget(d);
	usage_of(&u, "", "2026-01-01T00:00:00Z", "1");
	for (i = 0; i < N; i++) {
		snprintf(u.subscription_id, sizeof(u.subscription_id), "sub_%d",
		         i);
		assert_int_equal(dedup_seen(d, &u, NULL), 0);
		assert_dedup_budget(d);
		if (i + 1 == 100 || i + 1 == 10000 || i + 1 == 100000 ||
		    i + 1 == N)
			assert_int_equal(dedup_count(d), i + 1);
	}
	for (i = 0; i < N; i++) {
		snprintf(u.subscription_id, sizeof(u.subscription_id), "sub_%d",
		         i);
		assert_int_equal(dedup_seen(d, &u, NULL), 1);
	}
	assert_int_equal(dedup_count(d), N);
	/* never inserted: another time, another id form */
	for (i = 0; i < ABSENT; i++) {
		snprintf(u.subscription_id, sizeof(u.subscription_id), "sub_%d",
		         i * 97);
		snprintf(u.usage_time, sizeof(u.usage_time),
		         "2026-01-01T00:00:01Z");
		assert_int_equal(dedup_seen(d, &u, NULL), 0);
		snprintf(u.subscription_id, sizeof(u.subscription_id),
		         "other-%d", i);
		assert_int_equal(dedup_seen(d, &u, NULL), 0);
		snprintf(u.usage_time, sizeof(u.usage_time),
		         "2026-01-01T00:00:00Z");
	}
	assert_int_equal(dedup_count(d), N + 2 * ABSENT);
	assert_dedup_budget(d);
	dedup_free(d);
}

/* A repeat tells the line its key was first seen on (issue 11), wherever
 * the first one is: pending in a batch, stored, moved by growths. */
static void test_dedup_first_line(void **state)
{
	enum { N = 300000 };
	struct dedup *d = dedup_new();
	struct usage u;
	long first;
	int i;

	(void)state;
	assert_non_null(d);
	usage_of(&u, "sub_1", "2026-01-01T00:00:00Z", "5");
	u.line = 17;
	assert_int_equal(dedup_seen(d, &u, &first), 0);
	u.line = 40;
	first = -5;
	assert_int_equal(dedup_seen(d, &u, &first), 1);
	assert_int_equal(first, 17);
	/* the repeat is not remembered in its place */
	u.line = 41;
	assert_int_equal(dedup_seen(d, &u, &first), 1);
	assert_int_equal(first, 17);
	/* many rows, each repeated right away (in the batch) and at the end
	 * (after every growth) */
	usage_of(&u, "", "2026-01-01T00:00:00Z", "1");
	for (i = 0; i < N; i++) {
		snprintf(u.subscription_id, sizeof(u.subscription_id), "s_%d", i);
		u.line = 100 + 2 * i;
		assert_int_equal(dedup_seen(d, &u, &first), 0);
		if (i % 7 == 0) {
			u.line++;
			assert_int_equal(dedup_seen(d, &u, &first), 1);
			assert_int_equal(first, 100 + 2 * i);
		}
	}
	for (i = 0; i < N; i++) {
		snprintf(u.subscription_id, sizeof(u.subscription_id), "s_%d", i);
		u.line = 5000000;
		first = 0;
		assert_int_equal(dedup_seen(d, &u, &first), 1);
		if (first != 100 + 2 * i)
			fail_msg("row %d: first line %ld, want %d", i, first,
			         100 + 2 * i);
	}
	/* NULL: the line is not wanted */
	assert_int_equal(dedup_seen(d, &u, NULL), 1);
	/* lines past 32 bits are kept as 4294967295 */
	usage_of(&u, "big", "2026-01-01T00:00:00Z", "1");
	u.line = 5000000000L;
	assert_int_equal(dedup_seen(d, &u, &first), 0);
	assert_int_equal(dedup_seen(d, &u, &first), 1);
	assert_int_equal(first, 4294967295L);
	u.line = 4294967294L;
	usage_of(&u, "big2", "2026-01-01T00:00:00Z", "1");
	u.line = 4294967294L;
	assert_int_equal(dedup_seen(d, &u, &first), 0);
	assert_int_equal(dedup_seen(d, &u, &first), 1);
	assert_int_equal(first, 4294967294L);
	dedup_free(d);
}

/* Growth rehashes a sub-table: a key inserted before must still be found
 * after, and a new key must never be found (a false "seen" would drop a row
 * silently). Keys are raw bytes here, NULs and all, of every length. */
static void key_of(unsigned char key[16], unsigned i, size_t *len)
{
	size_t k;

	for (k = 0; k < 4; k++) /* distinct i, distinct keys */
		key[k] = (unsigned char)(i >> (8 * k));
	for (; k < 16; k++)
		key[k] = (unsigned char)(k % 3 ? 0 : i);
	*len = 4 + i % 13;
}

static void test_dedup_growth(void **state)
{
	enum { N = 200000, BACK = 64 };
	struct dedup *d = dedup_new();
	unsigned char key[16];
	size_t len, bytes, growths = 0;
	unsigned i, j;

	(void)state;
	assert_non_null(d);
	bytes = dedup_bytes(d);
	for (i = 0; i < N; i++) {
		key_of(key, i, &len);
		assert_int_equal(dedup_seen_key(d, key, len), 0);
		assert_int_equal(dedup_seen_key(d, key, len), 1);
		if (dedup_bytes(d) == bytes)
			continue;
		/* a sub-table just grew: recent keys (some of them in it) are
		 * still there, and the set did not grow by more than 1/2 */
		growths++;
		assert_true(dedup_bytes(d) - bytes <= bytes / 2);
		bytes = dedup_bytes(d);
		for (j = i > BACK ? i - BACK : 0; j <= i; j++) {
			key_of(key, j, &len);
			assert_int_equal(dedup_seen_key(d, key, len), 1);
		}
	}
	assert_true(growths > 1024); /* every sub-table grew, some often */
	assert_int_equal(dedup_count(d), N);
	for (i = 0; i < N; i++) {
		key_of(key, i, &len);
		assert_int_equal(dedup_seen_key(d, key, len), 1);
	}
	assert_int_equal(dedup_count(d), N);
	dedup_free(d);
}

static void test_dedup_key(void **state)
{
	struct dedup *d = dedup_new();
	struct usage u;

	(void)state;
	assert_non_null(d);
	assert_int_equal(dedup_seen_key(d, "", 0), 0);
	assert_int_equal(dedup_seen_key(d, "", 0), 1);
	assert_int_equal(dedup_seen_key(d, "\0", 1), 0);
	assert_int_equal(dedup_seen_key(d, "ab", 2), 0);
	assert_int_equal(dedup_seen_key(d, "ab", 1), 0); /* only len counts */
	assert_int_equal(dedup_seen_key(d, "a", 1), 1);
	assert_int_equal(dedup_count(d), 4);
	/* a usage's key is the bytes id NUL time NUL quantity: the same key
	 * as before this set was split (its hash picks a row's --shard too) */
	usage_of(&u, "sub_1", "2026-01-01T00:00:00Z", "5");
	assert_int_equal(dedup_seen(d, &u, NULL), 0);
	assert_int_equal(
	        dedup_seen_key(d, "sub_1\0002026-01-01T00:00:00Z\0005", 28), 1);
	assert_int_equal(dedup_seen_key(d, "sub_1\0002026-01-01T00:00:00Z\0006",
	                                28),
	                 0);
	usage_of(&u, "sub_1", "2026-01-01T00:00:00Z", "6");
	assert_int_equal(dedup_seen(d, &u, NULL), 1);
	dedup_free(d);
}

/* dedup_has_key asks without remembering: keys still in the batch, keys
 * stored, keys never given, over growths of every sub-table. */
static void test_dedup_has_key(void **state)
{
	enum { N = 50000 };
	struct dedup *d = dedup_new();
	unsigned char key[16];
	size_t len;
	unsigned i;

	(void)state;
	assert_non_null(d);
	assert_int_equal(dedup_has_key(d, "u1", 2), 0);
	assert_int_equal(dedup_has_key(d, "u1", 2), 0); /* still not there */
	assert_int_equal(dedup_count(d), 0);
	assert_int_equal(dedup_seen_key(d, "u1", 2), 0);
	assert_int_equal(dedup_has_key(d, "u1", 2), 1); /* in the batch */
	for (i = 0; i < N; i += 2) {
		key_of(key, i, &len);
		assert_int_equal(dedup_seen_key(d, key, len), 0);
	}
	for (i = 0; i < N; i++) {
		key_of(key, i, &len);
		assert_int_equal(dedup_has_key(d, key, len), !(i % 2));
	}
	assert_int_equal(dedup_count(d), 1 + N / 2);
	assert_int_equal(dedup_has_key(d, "u1", 2), 1);
	dedup_free(d);
}

/* New keys wait in a batch of pending hashes before they are stored (the
 * filter says they are new): a repeat must be found wherever it falls, in
 * the batch, at its end or just after a flush. Every length from 0 to past
 * three batches, the repeat of the first, middle and last key. */
static void test_dedup_batch_boundary(void **state)
{
	unsigned char key[16];
	size_t len;
	unsigned r, j, i, which;

	(void)state;
	for (r = 0; r <= 100; r++) {
		for (which = 0; which < 3 && r > 0; which++) {
			struct dedup *d = dedup_new();

			assert_non_null(d);
			for (i = 0; i < r; i++) {
				key_of(key, i, &len);
				assert_int_equal(dedup_seen_key(d, key, len), 0);
				assert_int_equal(dedup_count(d), i + 1);
			}
			j = which == 0 ? 0 : which == 1 ? r / 2 : r - 1;
			key_of(key, j, &len);
			assert_int_equal(dedup_seen_key(d, key, len), 1);
			assert_int_equal(dedup_count(d), r);
			key_of(key, r, &len);
			assert_int_equal(dedup_seen_key(d, key, len), 0);
			assert_int_equal(dedup_seen_key(d, key, len), 1);
			assert_int_equal(dedup_count(d), r + 1);
			for (i = 0; i <= r; i++) {
				key_of(key, i, &len);
				assert_int_equal(dedup_seen_key(d, key, len), 1);
			}
			assert_int_equal(dedup_count(d), r + 1);
			dedup_free(d);
		}
	}
}

/* A mix of new keys and repeats, checked against a plain array after every
 * call: answers and count exact at all times, through growths that happen
 * with a batch pending. With map_shift the filters are cut to a word, so
 * nearly every key is a false positive and takes the exact path. */
static void dedup_against_array(unsigned map_shift)
{
	enum { UNIVERSE = 60000, OPS = 150000 };
	struct dedup *d = dedup_new();
	unsigned char *seen = calloc(UNIVERSE, 1), key[16];
	size_t len, count = 0;
	uint64_t x = 88172645463325252u;
	unsigned op;

	assert_non_null(d);
	assert_non_null(seen);
	dedup_test_hooks(d, map_shift, -1);
	for (op = 0; op < OPS; op++) {
		unsigned i;

		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		/* mostly new keys in order, now and then an old or a recent one */
		if (x % 8 == 0 && op > 0)
			i = (unsigned)(x >> 32) % (op < UNIVERSE ? op : UNIVERSE);
		else if (x % 8 == 1 && op > 0)
			i = (op - 1 - (unsigned)(x >> 40) % 40 % op) % UNIVERSE;
		else
			i = op % UNIVERSE;
		key_of(key, i, &len);
		assert_int_equal(dedup_seen_key(d, key, len), seen[i]);
		count += !seen[i];
		seen[i] = 1;
		assert_int_equal(dedup_count(d), count);
		assert_dedup_budget(d);
	}
	free(seen);
	dedup_free(d);
}

static void test_dedup_exact(void **state)
{
	(void)state;
	dedup_against_array(0);
}

static void test_dedup_false_positives(void **state)
{
	(void)state;
	dedup_against_array(30);
}

/* Out of memory during a growth: -1, the key not remembered, the count and
 * every key before unchanged, the pending ones included; once memory is back
 * the same key is new. Each allocation of a growth fails in turn. */
static unsigned dedup_oom_at(unsigned prefill, unsigned n, long k)
{
	unsigned char key[16];
	size_t len, count;
	unsigned i, j;
	struct dedup *d = dedup_new();

	assert_non_null(d);
	for (i = 0; i < prefill; i++) {
		key_of(key, i, &len);
		assert_int_equal(dedup_seen_key(d, key, len), 0);
	}
	dedup_test_hooks(d, 0, k);
	count = dedup_count(d);
	for (; i < n; i++) {
		int rc;

		key_of(key, i, &len);
		rc = dedup_seen_key(d, key, len);
		if (rc == 0) {
			count++;
			assert_int_equal(dedup_count(d), count);
			continue;
		}
		assert_int_equal(rc, -1);
		assert_int_equal(dedup_count(d), count);
		for (j = 0; j < i; j++) { /* needs no memory */
			key_of(key, j, &len);
			assert_int_equal(dedup_seen_key(d, key, len), 1);
		}
		assert_int_equal(dedup_count(d), count);
		dedup_test_hooks(d, 0, -1);
		key_of(key, i, &len);
		assert_int_equal(dedup_seen_key(d, key, len), 0);
		assert_int_equal(dedup_seen_key(d, key, len), 1);
		assert_int_equal(dedup_count(d), count + 1);
		break;
	}
	dedup_free(d);
	return i < n; /* a growth came, and failed */
}

/* Small sub-tables take 2 allocations to grow (filter, slots); past 512
 * slots (about 450,000 rows) the filter, segment array and each segment. */
static void test_dedup_oom(void **state)
{
	long k;

	(void)state;
	for (k = 0; k < 3; k++)
		assert_true(dedup_oom_at(15000, 30000, k));
	for (k = 0; k < 5; k++)
		assert_true(dedup_oom_at(450000, 480000, k));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dedup_basic),
		cmocka_unit_test(test_dedup_many),
		cmocka_unit_test(test_dedup_million),
		cmocka_unit_test(test_dedup_first_line),
		cmocka_unit_test(test_dedup_growth),
		cmocka_unit_test(test_dedup_key),
		cmocka_unit_test(test_dedup_has_key),
		cmocka_unit_test(test_dedup_batch_boundary),
		cmocka_unit_test(test_dedup_exact),
		cmocka_unit_test(test_dedup_false_positives),
		cmocka_unit_test(test_dedup_oom),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
