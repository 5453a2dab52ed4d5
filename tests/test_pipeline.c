/* Tests for pipeline's pure part: the default reject file and result log
 * paths beside the input (DESIGN.md "Files it writes": <input>.rejects.<ext>
 * and <input>.results.jsonl; ".gz" and the format's extension dropped; "-"
 * gives stdin.* in the current directory). */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "pipeline.h"

static void assert_paths(const char *input, enum config_format fmt,
                         char delim, const char *rejects, const char *log)
{
	char r[256], l[256];

	memset(r, 'x', sizeof(r));
	memset(l, 'x', sizeof(l));
	pipeline_default_paths(input, fmt, delim, r, l, sizeof(r));
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
	pipeline_default_paths("abcdef.csv", CONFIG_FORMAT_CSV, ',', r, l,
	                       sizeof(r));
	assert_string_equal(r, "abcdef.");
	assert_string_equal(l, "abcdef.");
}

static void test_rejects_path_is_the_input(void **state)
{
	/* Regression (was a bug): --rejects naming the input file itself deletes the input. A
	 * person fixes x.rejects.csv and feeds it back as
	 *   rbusage import --dry-run --rejects x.rejects.csv x.rejects.csv
	 * (or without --dry-run); every row passes, so rejects_close removes
	 * "the stale reject file" at that path -- which starts with rejectLine,
	 * because it is the fixed input -- and the input is gone. (With a reject,
	 * fopen("w") would truncate the input while it is being read.) Neither
	 * cli nor pipeline_preflight refuses --rejects (or --log) equal to a
	 * FILE. Expected: refused before anything is written (exit 2), or the
	 * input left alone. */
	static const char text[] =
		"rejectLine,rejectReason,subscriptionId,quantity,usageTime\n"
		"2,fixed now,sub-1,5,2026-01-01T00:00:00Z\n";
	char dir[64], in[128], log[128], err[400] = "", buf[256];
	struct config cfg;
	struct pipeline_outcome out;
	volatile sig_atomic_t sig = 0;
	char *files[1];
	FILE *fp;
	size_t n;

	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/rbusage-test-pipeline-XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(in, sizeof(in), "%s/x.rejects.csv", dir);
	snprintf(log, sizeof(log), "%s/x.results.jsonl", dir);
	fp = fopen(in, "wb");
	assert_non_null(fp);
	fputs(text, fp);
	assert_int_equal(fclose(fp), 0);

	config_defaults(&cfg);
	cfg.cmd = CONFIG_CMD_IMPORT;
	cfg.dry_run = true;
	cfg.quiet = true;
	cfg.progress = CONFIG_PROGRESS_OFF;
	files[0] = in;
	cfg.files = files;
	cfg.nfiles = 1;
	cfg.rejects_path = in;
	cfg.log_path = log;
	memset(&out, 0, sizeof(out));
	if (pipeline_preflight(&cfg, err, sizeof(err)) == RB_OK)
		(void)pipeline_import(&cfg, &sig, &out, err, sizeof(err));
	fp = fopen(in, "rb"); /* NULL today: the input was deleted */
	n = fp ? fread(buf, 1, sizeof(buf) - 1, fp) : 0;
	if (fp)
		fclose(fp);
	buf[n] = 0;
	{
		char cmd[128];
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
		assert_int_equal(system(cmd), 0);
	}
	assert_non_null(fp);
	assert_string_equal(buf, text);
}

static void test_log_path_is_the_input(void **state)
{
	/* Regression (was a bug): --log naming the input file itself, with --dry-run, never ends:
	 * the run line and each reject line are appended to the input while it
	 * is read, each appended line is read as a new (bad) row, rejected, and
	 * logged again. Reproduce (stop it quickly: it wrote 19 GB in ten
	 * minutes here):
	 *   printf 'subscriptionId,quantity\nsub-1,5\n' > y.csv
	 *   rbusage import --dry-run --log y.csv y.csv
	 * pipeline_preflight checks that an existing log belongs to the input
	 * only when not --dry-run, and nothing compares --log (or --rejects)
	 * with the FILEs. Expected: refused by preflight (exit 2). This test
	 * only calls pipeline_preflight, so it cannot loop when unskipped. */
	static const char text[] = "subscriptionId,quantity\nsub-1,5\n";
	char dir[64], in[128], err[400] = "", cmd[128];
	struct config cfg;
	char *files[1];
	enum rb_status st;
	FILE *fp;

	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/rbusage-test-pipeline-XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(in, sizeof(in), "%s/y.csv", dir);
	fp = fopen(in, "wb");
	assert_non_null(fp);
	fputs(text, fp);
	assert_int_equal(fclose(fp), 0);
	config_defaults(&cfg);
	cfg.cmd = CONFIG_CMD_IMPORT;
	cfg.dry_run = true;
	files[0] = in;
	cfg.files = files;
	cfg.nfiles = 1;
	cfg.log_path = in;
	st = pipeline_preflight(&cfg, err, sizeof(err));
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
	assert_int_not_equal(st, RB_OK);
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
		cmocka_unit_test(test_rejects_path_is_the_input),
		cmocka_unit_test(test_log_path_is_the_input),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
