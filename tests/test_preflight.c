/* preflight: outputs that are inputs are refused before
 * anything is written, so an input is never truncated, deleted, or read
 * back while it is being written. */
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
#include "preflight.h"

static void test_rejects_path_is_the_input(void **state)
{
	/* Regression (was a bug): --rejects naming the input file itself deletes the input. A
	 * person fixes x.rejects.csv and feeds it back as
	 *   rbusage import --dry-run --rejects x.rejects.csv x.rejects.csv
	 * (or without --dry-run); every row passes, so rejects_close removes
	 * "the stale reject file" at that path -- which starts with rejectLine,
	 * because it is the fixed input -- and the input is gone. (With a reject,
	 * fopen("w") would truncate the input while it is being read.) Neither
	 * cli nor preflight_import refuses --rejects (or --log) equal to a
	 * FILE. Expected: refused before anything is written (exit 2), or the
	 * input left alone. */
	static const char text[] =
		"rejectLine,rejectReason,subscriptionId,quantity,usageTime\n"
		"2,fixed now,sub-1,5,2026-01-01T00:00:00Z\n";
	char dir[64], in[128], log[128], err[400] = "", buf[256];
	struct config cfg;
	struct run_outcome out;
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
	if (preflight_import(&cfg, err, sizeof(err)) == RB_OK)
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
	 * preflight_import checks that an existing log belongs to the input
	 * only when not --dry-run, and nothing compares --log (or --rejects)
	 * with the FILEs. Expected: refused by preflight (exit 2). This test
	 * only calls preflight_import, so it cannot loop when unskipped. */
	static const char text[] =
		"subscriptionId,quantity,usageTime\nsub-1,5,2026-01-01T00:00:00Z\n";
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
	st = preflight_import(&cfg, err, sizeof(err));
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
	assert_int_not_equal(st, RB_OK);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rejects_path_is_the_input),
		cmocka_unit_test(test_log_path_is_the_input),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
