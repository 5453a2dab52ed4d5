/* Tests for fingerprint: the same bytes give the same text, one changed byte a
 * different one, the size is in the text ("v1:<bytes>:<16 hex>"), the hash
 * is stable across versions (a log written by an older build must still be
 * resumable), "-" and FIFOs are "stdin", a missing file is RB_EIO. Files live
 * under a mkdtemp directory. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sys/stat.h>

#include <cmocka.h>

#include "fingerprint.h"

static char tmpdir[64];

static const char *path_of(const char *name)
{
	static char path[256];

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	return path;
}

static const char *write_file(const char *name, const void *data, size_t n)
{
	const char *p = path_of(name);
	FILE *fp = fopen(p, "wb");

	assert_non_null(fp);
	assert_int_equal(fwrite(data, 1, n, fp), n);
	assert_int_equal(fclose(fp), 0);
	return p;
}

/* fingerprint_file of path, which must succeed. */
static const char *fp_of(const char *path)
{
	static char out[FINGERPRINT_MAX];
	char err[300] = "";

	memset(out, 'x', sizeof(out));
	assert_int_equal(fingerprint_file(path, out, err, sizeof(err)), RB_OK);
	assert_string_equal(err, "");
	return out;
}

/* The documented shape: "v1:<decimal size>:<16 lowercase hex>". */
static void assert_shape(const char *fp, unsigned long long size)
{
	char head[40];
	size_t i, n;

	n = (size_t)snprintf(head, sizeof(head), "v1:%llu:", size);
	assert_int_equal(strncmp(fp, head, n), 0);
	assert_int_equal(strlen(fp), n + 16);
	for (i = n; i < n + 16; i++)
		assert_non_null(strchr("0123456789abcdef", fp[i]));
}

/* The algorithm as documented in fingerprint.c, written out again so a change
 * to the hash (which would orphan every existing result log) shows here. */
static uint64_t rotl(uint64_t x, int r) { return (x << r) | (x >> (64 - r)); }

static void reference(const unsigned char *d, size_t n, char *out)
{
	const uint64_t k1 = 0x9e3779b97f4a7c15ULL, k2 = 0xc2b2ae3d27d4eb4fULL;
	uint64_t h = k2, w;
	size_t i;

	for (i = 0; i + 8 <= n; i += 8) {
		memcpy(&w, d + i, 8);
		h = rotl(h ^ (w * k1), 31) * k2;
	}
	w = 0;
	memcpy(&w, d + i, n - i);
	h = rotl(h ^ (w * k1), 31) * k2 ^ (uint64_t)n;
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 33;
	snprintf(out, FINGERPRINT_MAX, "v1:%llu:%016llx", (unsigned long long)n,
	         (unsigned long long)h);
}

static int setup(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/rbusage-test-fp-XXXXXX");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

static void test_same_content_same_fingerprint(void **state)
{
	char a[FINGERPRINT_MAX];
	const char *text = "subscriptionId,quantity\nsub-1,5\n";

	(void)state;
	snprintf(a, sizeof(a), "%s", fp_of(write_file("a.csv", text, strlen(text))));
	/* another name, same bytes: same fingerprint (the path is not in it) */
	assert_string_equal(fp_of(write_file("b.csv", text, strlen(text))), a);
	/* read twice: same */
	assert_string_equal(fp_of(path_of("a.csv")), a);
	assert_shape(a, strlen(text));
}

static void test_one_byte_changed(void **state)
{
	char a[FINGERPRINT_MAX];
	char text[] = "subscriptionId,quantity\nsub-1,5\nsub-2,6\n";
	size_t i, n = strlen(text);

	(void)state;
	snprintf(a, sizeof(a), "%s", fp_of(write_file("a.csv", text, n)));
	/* every position, so no byte of a word or of the tail is left out */
	for (i = 0; i < n; i++) {
		text[i] ^= 1;
		assert_string_not_equal(fp_of(write_file("b.csv", text, n)), a);
		text[i] ^= 1;
	}
	/* swapping two words (8-byte blocks) changes it too */
	{
		char sw[] = "AAAAAAAABBBBBBBB", ws[] = "BBBBBBBBAAAAAAAA";
		char x[FINGERPRINT_MAX];
		snprintf(x, sizeof(x), "%s", fp_of(write_file("s.csv", sw, 16)));
		assert_string_not_equal(fp_of(write_file("s.csv", ws, 16)), x);
	}
}

static void test_size_in_text(void **state)
{
	char z[FINGERPRINT_MAX];

	(void)state;
	assert_shape(fp_of(write_file("e.csv", "", 0)), 0);
	assert_shape(fp_of(write_file("1.csv", "a", 1)), 1);
	assert_shape(fp_of(write_file("8.csv", "abcdefgh", 8)), 8);
	assert_shape(fp_of(write_file("9.csv", "abcdefghi", 9)), 9);
	/* trailing NULs are not the same as a shorter file: the size tells */
	snprintf(z, sizeof(z), "%s", fp_of(write_file("z1.csv", "ab", 2)));
	assert_string_not_equal(fp_of(write_file("z2.csv", "ab\0", 3)), z);
	assert_shape(fp_of(path_of("z2.csv")), 3);
}

static void test_stable_values(void **state)
{
	char ref[FINGERPRINT_MAX];
	unsigned char *big;
	size_t n = 3 * 65536 + 13, i; /* several read chunks and a ragged tail */

	(void)state;
	/* pinned: these strings are in result logs written today */
	assert_string_equal(fp_of(write_file("e.csv", "", 0)),
	                    "v1:0:2d3ea4fad15535c3");
	assert_string_equal(fp_of(write_file("h.csv", "hello\n", 6)),
	                    "v1:6:4fded3b8a67061ed");
	reference((const unsigned char *)"", 0, ref);
	assert_string_equal(ref, "v1:0:2d3ea4fad15535c3");
	reference((const unsigned char *)"hello\n", 6, ref);
	assert_string_equal(fp_of(path_of("h.csv")), ref);

	big = malloc(n);
	assert_non_null(big);
	for (i = 0; i < n; i++)
		big[i] = (unsigned char)(i * 2654435761u >> 13);
	reference(big, n, ref);
	assert_string_equal(fp_of(write_file("big.csv", big, n)), ref);
	assert_shape(ref, n);
	free(big);
}

static void test_stdin(void **state)
{
	(void)state;
	assert_string_equal(fp_of("-"), "stdin");
}

static void test_fifo_is_stdin(void **state)
{
	const char *p = path_of("fifo");

	(void)state;
	assert_int_equal(mkfifo(p, 0600), 0);
	/* not opened (that would block with no writer): named "stdin" */
	assert_string_equal(fp_of(p), "stdin");
	unlink(p);
}

static void test_missing_file(void **state)
{
	char out[FINGERPRINT_MAX], err[300] = "", exp[400];
	const char *p = path_of("no-such.csv");

	(void)state;
	assert_int_equal(fingerprint_file(p, out, err, sizeof(err)), RB_EIO);
	snprintf(exp, sizeof(exp), "cannot open '%s': No such file or directory",
	         p);
	assert_string_equal(err, exp);
}

static void test_directory(void **state)
{
	char out[FINGERPRINT_MAX], err[300] = "";

	(void)state;
	/* a directory is not a stream: it is refused, not hashed as empty */
	assert_int_equal(fingerprint_file(tmpdir, out, err, sizeof(err)), RB_EIO);
	assert_non_null(strstr(err, tmpdir));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_same_content_same_fingerprint),
		cmocka_unit_test(test_one_byte_changed),
		cmocka_unit_test(test_size_in_text),
		cmocka_unit_test(test_stable_values),
		cmocka_unit_test(test_stdin),
		cmocka_unit_test(test_fifo_is_stdin),
		cmocka_unit_test(test_missing_file),
		cmocka_unit_test(test_directory),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
