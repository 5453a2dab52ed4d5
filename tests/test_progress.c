/* The progress line: exact text on a terminal and into a file, and the
 * estimate of a file's rows from a real reader, plain and gzipped. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <zlib.h>

#include "config.h"
#include "reader.h"
#include "progress.h"
#include "resultlog.h"

#include "tmpdir.h"

/* ---- progress ---- */

static void test_progress(void **state)
{
	struct run_counts c;
	FILE *fp = out_file();
	char *got;

	(void)state;
	memset(&c, 0, sizeof(c));
	c.read = 5;
	c.valid = 5;
	c.created = 4;
	c.rejected = 1;
	/* half the bytes read: ~10 rows; 5 done in 2 s: 2.5/s, 2 s to go */
	progress_line(fp, &c, 50, 100, 2000, false);
	got = contents(fp);
	assert_string_equal(got, "rbusage: progress: rows 5 of ~10 (50%)  2.5/s  "
	                         "created 4  rejected 1  failed 0  ETA 0m02s\n");
	free(got);

	/* a terminal: redrawn in place */
	fp = out_file();
	progress_line(fp, &c, 50, 100, 2000, true);
	got = contents(fp);
	assert_string_equal(got, "\rrows 5 of ~10 (50%)  2.5/s  created 4  "
	                         "rejected 1  failed 0  ETA 0m02s\033[K");
	free(got);

	/* a pipe: no total, no estimate */
	fp = out_file();
	progress_line(fp, &c, 50, -1, 0, false);
	got = contents(fp);
	assert_string_equal(got, "rbusage: progress: rows 5  0.0/s  created 4  "
	                         "rejected 1  failed 0\n");
	free(got);

	/* a dry run: reading is the work */
	fp = out_file();
	memset(&c, 0, sizeof(c));
	c.read = 100;
	c.valid = 90;
	c.rejected = 10;
	progress_line(fp, &c, 100, 100, 1000, false);
	got = contents(fp);
	assert_string_equal(got, "rbusage: progress: rows 100 of ~100 (100%)  "
	                         "100.0/s  created 0  rejected 10  failed 0\n");
	free(got);

	fp = out_file();
	progress_clear(fp);
	got = contents(fp);
	assert_string_equal(got, "\r\033[K");
	free(got);
}

/* The estimate from a real reader: a file of `rows` rows (gzipped when gz),
 * read `take` rows into; returns the estimated total. The figures:
 * 284 of ~319 at 284 of 2000 rows, ~31,550 for 50,000, because the reads
 * run up to 190 KiB ahead of the rows. */
static double estimate_after(unsigned long rows, unsigned long take, bool gz)
{
	const char *p = path_of(gz ? "progress.csv.gz" : "progress.csv");
	struct config cfg;
	struct reader *rd = NULL;
	struct reader_row row;
	struct run_counts c;
	char err[300], line[128];
	uint64_t consumed;
	int64_t total;
	unsigned long i;
	double est;

	if (gz) {
		gzFile g = gzopen(p, "wb6");
		assert_non_null(g);
		gzputs(g, "subscriptionId,quantity,usageTime\n");
		for (i = 0; i < rows; i++) {
			snprintf(line, sizeof(line), "sub_%lu,%lu.5,2026-11-%02luT10:%02lu:"
			         "%02luZ\n", i * 7919 % 100003, i % 97 + 1, i % 28 + 1,
			         i / 60 % 60, i % 60);
			gzputs(g, line);
		}
		assert_int_equal(gzclose(g), Z_OK);
	} else {
		FILE *fp = fopen(p, "wb");
		assert_non_null(fp);
		fputs("subscriptionId,quantity,usageTime\n", fp);
		for (i = 0; i < rows; i++)
			fprintf(fp, "sub_%lu,%lu.5,2026-11-%02luT10:%02lu:%02luZ\n",
			        i * 7919 % 100003, i % 97 + 1, i % 28 + 1, i / 60 % 60,
			        i % 60);
		assert_int_equal(fclose(fp), 0);
	}
	config_defaults(&cfg);
	assert_int_equal(reader_open(&rd, p, &cfg, err, sizeof(err)), RB_OK);
	for (i = 0; i < take; i++)
		assert_int_equal(reader_next(rd, &row, err, sizeof(err)), RB_OK);
	reader_progress(rd, &consumed, &total);
	memset(&c, 0, sizeof(c));
	c.read = take;
	est = progress_estimate_rows(c.read, consumed, total);
	reader_free(rd);
	unlink(p);
	return est;
}

static void test_progress_estimate_from_reader(void **state)
{
	double est;

	(void)state;
	/* within 2% of the real count, early and late, plain and gzipped */
	est = estimate_after(2000, 284, false);
	assert_true(est > 1960 && est < 2040);
	est = estimate_after(2000, 1990, false);
	assert_true(est > 1990 && est < 2010);
	est = estimate_after(50000, 284, false);
	assert_true(est > 49000 && est < 51000);
	est = estimate_after(50000, 10000, true);
	assert_true(est > 49000 && est < 51000);
	est = estimate_after(50000, 45000, true);
	assert_true(est > 49000 && est < 51000);
	/* never below the rows read: all of them read, est is exact */
	est = estimate_after(300, 300, false);
	assert_true(est >= 300 && est < 303);
	/* no size (a pipe) or nothing consumed: no estimate */
	assert_true(progress_estimate_rows(5, 100, -1) < 0);
	assert_true(progress_estimate_rows(5, 0, 1000) < 0);
	/* rows read beyond the share of bytes: never below them */
	assert_true(progress_estimate_rows(500, 1000, 1000) == 500);
	assert_true(progress_estimate_rows(500, 2000, 1000) == 500);
}

static void test_tick(void **state)
{
	struct progress p;
	struct run_counts c;

	(void)state;
	memset(&c, 0, sizeof(c));
	progress_init(&p, false, false, 0);
	progress_tick(&p, &c, 0, -1, 10000, true); /* off: nothing, no crash */
	progress_init(&p, true, false, 1000);
	assert_true(p.start_ms == 1000 && p.last_ms == 1000);
	progress_tick(&p, &c, 0, -1, 2000, false); /* not yet: 5 s apart */
	assert_true(p.last_ms == 1000);
	progress_tick(&p, &c, 0, -1, 6000, false);
	assert_true(p.last_ms == 6000);
	progress_init(&p, true, true, 0);
	progress_tick(&p, &c, 0, -1, 300, false); /* a terminal: 250 ms */
	assert_true(p.last_ms == 300);
	progress_clear(stderr);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_progress),
		cmocka_unit_test(test_progress_estimate_from_reader),
		cmocka_unit_test(test_tick),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
