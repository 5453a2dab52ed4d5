/* Tests for metrics: the exact exposition text for an import, a dry run and
 * an undo (every family with HELP and TYPE, labels escaped, quantities
 * exact), quantities added from canonical decimals, and the atomic write
 * (mode 0644, nothing left behind, a failed write leaves the old file). */
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

#include "metrics.h"

static char dir[64];

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/rbusage-test-metrics-XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static char *format(const struct metrics_run *m)
{
	struct buf b;
	char *s;

	buf_init(&b, 1 << 20);
	assert_int_equal(metrics_format(&b, m), RB_OK);
	s = strdup(buf_cstr(&b));
	buf_free(&b);
	return s;
}

static void test_quantity(void **state)
{
	struct metrics_input mi;

	(void)state;
	memset(&mi, 0, sizeof(mi));
	metrics_add_quantity(&mi, "1.5");
	metrics_add_quantity(&mi, "0.001");
	metrics_add_quantity(&mi, "2");
	metrics_add_quantity(&mi, "999999999999.999");
	assert_int_equal(mi.created_milli, 1000000000003500LL);
	/* not canonical decimals: ignored, never half-added */
	metrics_add_quantity(&mi, "1.2345");
	metrics_add_quantity(&mi, "-1");
	metrics_add_quantity(&mi, "1e3");
	metrics_add_quantity(&mi, "");
	metrics_add_quantity(&mi, NULL);
	metrics_add_quantity(NULL, "1");
	assert_int_equal(mi.created_milli, 1000000000003500LL);
}

static void test_import_text(void **state)
{
	struct metrics_input in[2];
	struct metrics_run m;
	char *got;

	(void)state;
	memset(in, 0, sizeof(in));
	in[0].input = "/data/usage-2026-11-25.csv";
	in[0].started = in[0].finished = true;
	in[0].counts.read = 10;
	in[0].counts.created = 7;
	in[0].counts.rejected = 2;
	in[0].counts.skipped = 1;
	in[0].created_milli = 12500;
	in[0].requests[201] = 7;
	in[0].requests[429] = 3;
	in[0].requests[0] = 1;
	in[0].pauses = 2;
	in[0].duration_ms = 61050;
	/* a second input the run never reached: zeros, not a success */
	in[1].input = "odd \"name\"\\\nx\x01\xff\xc3\xa9.csv";
	memset(&m, 0, sizeof(m));
	m.command = "import";
	m.shard = "2/4";
	m.end_ms = 1764036000123LL;
	m.exit_status = 1;
	m.inputs = in;
	m.ninputs = 2;
	got = format(&m);
#define L0 "command=\"import\",input=\"/data/usage-2026-11-25.csv\",shard=\"2/4\""
#define L1 "command=\"import\",input=\"odd \\\"name\\\"\\\\\\nx??\xc3\xa9.csv\",shard=\"2/4\""
	assert_string_equal(got,
		"# HELP rbusage_rows Rows of the last run by final status (undo: usages).\n"
		"# TYPE rbusage_rows gauge\n"
		"rbusage_rows{" L0 ",status=\"created\"} 7\n"
		"rbusage_rows{" L0 ",status=\"rejected\"} 2\n"
		"rbusage_rows{" L0 ",status=\"refused\"} 0\n"
		"rbusage_rows{" L0 ",status=\"failed\"} 0\n"
		"rbusage_rows{" L0 ",status=\"skipped\"} 1\n"
		"rbusage_rows{" L1 ",status=\"created\"} 0\n"
		"rbusage_rows{" L1 ",status=\"rejected\"} 0\n"
		"rbusage_rows{" L1 ",status=\"refused\"} 0\n"
		"rbusage_rows{" L1 ",status=\"failed\"} 0\n"
		"rbusage_rows{" L1 ",status=\"skipped\"} 0\n"
		"# HELP rbusage_requests Requests of the last run by HTTP status of the reply (none: no reply).\n"
		"# TYPE rbusage_requests gauge\n"
		"rbusage_requests{" L0 ",code=\"none\"} 1\n"
		"rbusage_requests{" L0 ",code=\"201\"} 7\n"
		"rbusage_requests{" L0 ",code=\"429\"} 3\n"
		"# HELP rbusage_rate_limit_pauses Times a 429 reply paused all sending in the last run.\n"
		"# TYPE rbusage_rate_limit_pauses gauge\n"
		"rbusage_rate_limit_pauses{" L0 "} 2\n"
		"rbusage_rate_limit_pauses{" L1 "} 0\n"
		"# HELP rbusage_quantity_created Sum of the quantities the last run created.\n"
		"# TYPE rbusage_quantity_created gauge\n"
		"rbusage_quantity_created{" L0 "} 12.5\n"
		"rbusage_quantity_created{" L1 "} 0\n"
		"# HELP rbusage_run_duration_seconds How long the last run spent on the input.\n"
		"# TYPE rbusage_run_duration_seconds gauge\n"
		"rbusage_run_duration_seconds{" L0 "} 61.05\n"
		"rbusage_run_duration_seconds{" L1 "} 0\n"
		"# HELP rbusage_last_run_end_timestamp_seconds When the last run ended, in seconds since 1970.\n"
		"# TYPE rbusage_last_run_end_timestamp_seconds gauge\n"
		"rbusage_last_run_end_timestamp_seconds{" L0 "} 1764036000.123\n"
		"rbusage_last_run_end_timestamp_seconds{" L1 "} 1764036000.123\n"
		"# HELP rbusage_last_run_success 1 when the last run finished the input with every row created (dry run: valid; undo: deleted), else 0.\n"
		"# TYPE rbusage_last_run_success gauge\n"
		"rbusage_last_run_success{" L0 "} 0\n"
		"rbusage_last_run_success{" L1 "} 0\n"
		"# HELP rbusage_last_run_exit_status The exit status the last run would have had with this input alone: 0 all done, 1 some rows not created, 2 configuration error, 3 cut short.\n"
		"# TYPE rbusage_last_run_exit_status gauge\n"
		"rbusage_last_run_exit_status{" L0 "} 1\n"
		/* never reached: as a cut-short run */
		"rbusage_last_run_exit_status{" L1 "} 3\n");
	free(got);

	/* the same input with no rejects: a success */
	in[0].counts.rejected = 0;
	m.ninputs = 1;
	m.shard = NULL;
	got = format(&m);
	assert_non_null(strstr(got, "rbusage_last_run_success{command=\"import\","
	                            "input=\"/data/usage-2026-11-25.csv\"} 1\n"));
	free(got);
	/* ... but not when the run was cut short */
	m.exit_status = 3;
	got = format(&m);
	assert_non_null(strstr(got, "rbusage_last_run_success{command=\"import\","
	                            "input=\"/data/usage-2026-11-25.csv\"} 0\n"));
	free(got);
}

/* Each input's exit status is its own: a clean input next to one with
 * rejects is 0 (success 1); the one cut short is 3 and so is one never
 * reached; a configuration error is 2 for all. */
static void test_exit_status_per_input(void **state)
{
	struct metrics_input in[4];
	struct metrics_run m;
	char *got;
	size_t i;
	static const char *const names[4] = {"a.csv", "b.csv", "c.csv", "d.csv"};

	(void)state;
	memset(in, 0, sizeof(in));
	for (i = 0; i < 4; i++)
		in[i].input = names[i];
	in[0].started = in[0].finished = true; /* clean */
	in[0].counts.read = in[0].counts.created = 5;
	in[1].started = in[1].finished = true; /* rejects */
	in[1].counts.read = 5;
	in[1].counts.created = 4;
	in[1].counts.rejected = 1;
	in[2].started = true;                  /* cut short */
	memset(&m, 0, sizeof(m));
	m.command = "import";
	m.exit_status = 3;
	m.inputs = in;
	m.ninputs = 4;
	got = format(&m);
	assert_non_null(strstr(got,
		"rbusage_last_run_success{command=\"import\",input=\"a.csv\"} 1\n"
		"rbusage_last_run_success{command=\"import\",input=\"b.csv\"} 0\n"
		"rbusage_last_run_success{command=\"import\",input=\"c.csv\"} 0\n"
		"rbusage_last_run_success{command=\"import\",input=\"d.csv\"} 0\n"));
	assert_non_null(strstr(got,
		"rbusage_last_run_exit_status{command=\"import\",input=\"a.csv\"} 0\n"
		"rbusage_last_run_exit_status{command=\"import\",input=\"b.csv\"} 1\n"
		"rbusage_last_run_exit_status{command=\"import\",input=\"c.csv\"} 3\n"
		"rbusage_last_run_exit_status{command=\"import\",input=\"d.csv\"} 3\n"));
	free(got);
	m.exit_status = 2;
	got = format(&m);
	assert_non_null(strstr(got,
		"rbusage_last_run_exit_status{command=\"import\",input=\"a.csv\"} 2\n"));
	free(got);
	/* every row done, but --restart left rows of unknown outcome that
	 * no row matched: 1, as the process's exit */
	m.exit_status = 1;
	in[0].earlier_unknown = 2;
	got = format(&m);
	assert_non_null(strstr(got,
		"rbusage_last_run_exit_status{command=\"import\",input=\"a.csv\"} 1\n"));
	free(got);
}

static void test_dry_run_and_undo_rows(void **state)
{
	struct metrics_input in;
	struct metrics_run m;
	char *got;

	(void)state;
	memset(&in, 0, sizeof(in));
	in.input = "x.csv";
	in.started = in.finished = true;
	in.counts.read = 5;
	in.counts.valid = 4;
	in.counts.rejected = 1;
	memset(&m, 0, sizeof(m));
	m.command = "dry-run";
	m.inputs = &in;
	m.ninputs = 1;
	got = format(&m);
	assert_non_null(strstr(got, "# TYPE rbusage_rows gauge\n"
	                            "rbusage_rows{command=\"dry-run\",input=\"x.csv\","
	                            "status=\"valid\"} 4\n"
	                            "rbusage_rows{command=\"dry-run\",input=\"x.csv\","
	                            "status=\"rejected\"} 1\n"
	                            "# HELP rbusage_requests"));
	assert_non_null(strstr(got, "rbusage_last_run_success{command=\"dry-run\","
	                            "input=\"x.csv\"} 0\n"));
	free(got);

	memset(&in.counts, 0, sizeof(in.counts));
	in.input = "x.results.jsonl";
	in.counts.read = 5;
	in.counts.created = 3;
	in.counts.skipped = 1;
	in.counts.remaining = 1;
	m.command = "undo";
	got = format(&m);
	assert_non_null(strstr(got, "status=\"deleted\"} 3\n"));
	assert_non_null(strstr(got, "status=\"deleted_earlier\"} 1\n"));
	assert_non_null(strstr(got, "status=\"remaining\"} 1\n"));
	assert_non_null(strstr(got, "rbusage_last_run_success{command=\"undo\","
	                            "input=\"x.results.jsonl\"} 0\n"));
	free(got);
}

static void test_write_atomic(void **state)
{
	struct metrics_input in;
	struct metrics_run m;
	char path[128], bad[160], err[300], buf[256];
	struct stat sb;
	FILE *fp;
	size_t n;

	(void)state;
	memset(&in, 0, sizeof(in));
	in.input = "x.csv";
	memset(&m, 0, sizeof(m));
	m.command = "import";
	m.inputs = &in;
	m.ninputs = 1;
	snprintf(path, sizeof(path), "%s/rbusage.prom", dir);
	umask(077);
	assert_int_equal(metrics_check_path(path, err, sizeof(err)), RB_OK);
	assert_int_not_equal(stat(path, &sb), 0); /* the check leaves nothing */
	assert_int_equal(metrics_write(path, &m, err, sizeof(err)), RB_OK);
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0644); /* readable by the collector */
	fp = fopen(path, "r");
	assert_non_null(fp);
	n = fread(buf, 1, sizeof(buf) - 1, fp);
	buf[n] = 0;
	fclose(fp);
	assert_int_equal(strncmp(buf, "# HELP rbusage_rows ", 20), 0);
	/* only the file itself in the directory: no temporary left */
	{
		char cmd[200];
		snprintf(cmd, sizeof(cmd), "test \"$(ls -A '%s')\" = rbusage.prom", dir);
		assert_int_equal(system(cmd), 0);
	}
	/* refused paths: a directory, a missing directory */
	assert_int_equal(metrics_check_path(dir, err, sizeof(err)), RB_EUSAGE);
	snprintf(bad, sizeof(bad), "--metrics-file: '%s' is not a regular file",
	         dir);
	assert_string_equal(err, bad);
	snprintf(bad, sizeof(bad), "%s/none/x.prom", dir);
	assert_int_equal(metrics_check_path(bad, err, sizeof(err)), RB_EUSAGE);
	assert_non_null(strstr(err, "No such file or directory"));
	assert_int_equal(metrics_write(bad, &m, err, sizeof(err)), RB_EIO);
	assert_non_null(strstr(err, "cannot write the metrics file"));
	umask(022);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_quantity),
		cmocka_unit_test(test_import_text),
		cmocka_unit_test(test_exit_status_per_input),
		cmocka_unit_test(test_dry_run_and_undo_rows),
		cmocka_unit_test(test_write_atomic),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
