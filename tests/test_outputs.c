/* Where an import writes: the default reject file and result log beside the
 * input (DESIGN.md "Files it writes": <input>.rejects.<ext> and
 * <input>.results.jsonl; ".gz" and the format's extension dropped; "-" gives
 * stdin.* in the current directory), and the checks before anything is
 * written: an output that is an input, two outputs on one path, a path that
 * cannot be written. */
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

#include "outputs.h"

static void assert_paths(const char *input, enum config_format fmt,
                         char delim, const char *rejects, const char *log)
{
	char r[256], l[256];

	memset(r, 'x', sizeof(r));
	memset(l, 'x', sizeof(l));
	outputs_default_paths(input, fmt, delim, r, l, sizeof(r));
	assert_string_equal(r, rejects);
	assert_string_equal(l, log);
}

static void test_csv(void **state)
{
	(void)state;
	assert_paths("x.csv", CONFIG_FORMAT_CSV, ',', "x.rejects.csv",
	             "x.results.jsonl");
	/* delimiter 0 = by extension: still ',' for .csv */
	assert_paths("x.csv", CONFIG_FORMAT_CSV, 0, "x.rejects.csv",
	             "x.results.jsonl");
	assert_paths("usage.2026-01.csv", CONFIG_FORMAT_CSV, ',',
	             "usage.2026-01.rejects.csv", "usage.2026-01.results.jsonl");
	/* a semicolon CSV is still a .csv */
	assert_paths("x.csv", CONFIG_FORMAT_CSV, ';', "x.rejects.csv",
	             "x.results.jsonl");
}

static void test_gz_in_a_directory(void **state)
{
	(void)state;
	/* beside the input, never compressed */
	assert_paths("dir/x.csv.gz", CONFIG_FORMAT_CSV, ',', "dir/x.rejects.csv",
	             "dir/x.results.jsonl");
	assert_paths("/data/in/x.csv.gz", CONFIG_FORMAT_CSV, ',',
	             "/data/in/x.rejects.csv", "/data/in/x.results.jsonl");
	/* a directory whose name looks like a file's is left alone */
	assert_paths("dir.csv/x", CONFIG_FORMAT_CSV, ',', "dir.csv/x.rejects.csv",
	             "dir.csv/x.results.jsonl");
	/* .gz with no format extension under it */
	assert_paths("dir/x.gz", CONFIG_FORMAT_CSV, ',', "dir/x.rejects.csv",
	             "dir/x.results.jsonl");
	assert_paths("dir/x.gz", CONFIG_FORMAT_JSONL, 0, "dir/x.rejects.jsonl",
	             "dir/x.results.jsonl");
}

static void test_tsv(void **state)
{
	(void)state;
	assert_paths("x.tsv", CONFIG_FORMAT_CSV, '\t', "x.rejects.tsv",
	             "x.results.jsonl");
	assert_paths("x.tsv.gz", CONFIG_FORMAT_CSV, '\t', "x.rejects.tsv",
	             "x.results.jsonl");
	/* the input's own extension wins over the delimiter */
	assert_paths("x.tsv", CONFIG_FORMAT_CSV, ',', "x.rejects.tsv",
	             "x.results.jsonl");
	assert_paths("x.csv", CONFIG_FORMAT_CSV, '\t', "x.rejects.csv",
	             "x.results.jsonl");
}

static void test_jsonl(void **state)
{
	(void)state;
	assert_paths("x.jsonl", CONFIG_FORMAT_JSONL, 0, "x.rejects.jsonl",
	             "x.results.jsonl");
	assert_paths("x.jsonl.gz", CONFIG_FORMAT_JSONL, 0, "x.rejects.jsonl",
	             "x.results.jsonl");
	assert_paths("x.ndjson.gz", CONFIG_FORMAT_JSONL, 0, "x.rejects.ndjson",
	             "x.results.jsonl");
	assert_paths("x.ndjson", CONFIG_FORMAT_JSONL, 0, "x.rejects.ndjson",
	             "x.results.jsonl");
}

static void test_other_extension(void **state)
{
	(void)state;
	/* an unknown extension is part of the name; the format picks ours */
	assert_paths("x.txt", CONFIG_FORMAT_CSV, ',', "x.txt.rejects.csv",
	             "x.txt.results.jsonl");
	assert_paths("x.txt", CONFIG_FORMAT_CSV, 0, "x.txt.rejects.csv",
	             "x.txt.results.jsonl");
	assert_paths("x.txt", CONFIG_FORMAT_CSV, '\t', "x.txt.rejects.tsv",
	             "x.txt.results.jsonl");
	assert_paths("x.txt", CONFIG_FORMAT_JSONL, 0, "x.txt.rejects.jsonl",
	             "x.txt.results.jsonl");
	assert_paths("x.txt.gz", CONFIG_FORMAT_JSONL, 0, "x.txt.rejects.jsonl",
	             "x.txt.results.jsonl");
	assert_paths("noext", CONFIG_FORMAT_CSV, ',', "noext.rejects.csv",
	             "noext.results.jsonl");
}

static void test_stdin(void **state)
{
	(void)state;
	assert_paths("-", CONFIG_FORMAT_CSV, ',', "stdin.rejects.csv",
	             "stdin.results.jsonl");
	assert_paths("-", CONFIG_FORMAT_CSV, '\t', "stdin.rejects.tsv",
	             "stdin.results.jsonl");
	assert_paths("-", CONFIG_FORMAT_JSONL, 0, "stdin.rejects.jsonl",
	             "stdin.results.jsonl");
	/* a file that happens to be named like that is beside itself */
	assert_paths("./-", CONFIG_FORMAT_CSV, ',', "./-.rejects.csv",
	             "./-.results.jsonl");
}

static void test_truncated_to_len(void **state)
{
	char r[8], l[8];

	(void)state;
	/* never writes past len, always NUL-terminated */
	outputs_default_paths("abcdef.csv", CONFIG_FORMAT_CSV, ',', r, l,
	                      sizeof(r));
	assert_string_equal(r, "abcdef.");
	assert_string_equal(l, "abcdef.");
}

static void test_paths_from_options(void **state)
{
	struct config cfg;
	char r[OUTPUTS_PATH_MAX], l[OUTPUTS_PATH_MAX];

	(void)state;
	config_defaults(&cfg);
	outputs_paths(&cfg, "d/x.csv", CONFIG_FORMAT_CSV, ',', r, l);
	assert_string_equal(r, "d/x.rejects.csv");
	assert_string_equal(l, "d/x.results.jsonl");
	cfg.rejects_path = "rej.csv";
	cfg.log_path = "log.jsonl";
	outputs_paths(&cfg, "d/x.csv", CONFIG_FORMAT_CSV, ',', r, l);
	assert_string_equal(r, "rej.csv");
	assert_string_equal(l, "log.jsonl");
}

static void test_checks(void **state)
{
	char dir[64], in[128], other[128], bad[160], err[600];
	char *files[1];
	struct config cfg;
	FILE *fp;

	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/rbusage-test-outputs-XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(in, sizeof(in), "%s/x.csv", dir);
	snprintf(other, sizeof(other), "%s/x.rejects.csv", dir);
	snprintf(bad, sizeof(bad), "%s/no/such/dir/x.log", dir);
	fp = fopen(in, "wb");
	assert_non_null(fp);
	assert_int_equal(fclose(fp), 0);
	config_defaults(&cfg);
	files[0] = in;
	cfg.files = files;
	cfg.nfiles = 1;
	/* fine, and nothing is left behind by the probe */
	assert_int_equal(outputs_check(&cfg, other, "/dev/null", err, sizeof(err)),
	                 RB_OK);
	assert_int_equal(access(other, F_OK), -1);
	/* an input as an output */
	assert_int_equal(outputs_check(&cfg, in, "/dev/null", err, sizeof(err)),
	                 RB_EUSAGE);
	assert_non_null(strstr(err, "is the input"));
	assert_int_equal(outputs_check(&cfg, other, in, err, sizeof(err)),
	                 RB_EUSAGE);
	assert_non_null(strstr(err, "the result log"));
	/* one path for both */
	assert_int_equal(outputs_check(&cfg, other, other, err, sizeof(err)),
	                 RB_EUSAGE);
	assert_non_null(strstr(err, "are both"));
	/* cannot be written */
	assert_int_equal(outputs_check(&cfg, other, bad, err, sizeof(err)),
	                 RB_EUSAGE);
	assert_non_null(strstr(err, "cannot write the result log"));
	assert_true(outputs_is_stream("/dev/null"));
	assert_false(outputs_is_stream(in));
	assert_int_equal(unlink(in), 0);
	assert_int_equal(rmdir(dir), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_csv),
		cmocka_unit_test(test_gz_in_a_directory),
		cmocka_unit_test(test_tsv),
		cmocka_unit_test(test_jsonl),
		cmocka_unit_test(test_other_extension),
		cmocka_unit_test(test_stdin),
		cmocka_unit_test(test_truncated_to_len),
		cmocka_unit_test(test_paths_from_options),
		cmocka_unit_test(test_checks),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
