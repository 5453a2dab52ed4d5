/* Tests for report: reasons grouped by shape (digits -> N, quoted values ->
 * '...', HTTP status codes kept), up to three example lines per group, more
 * than 64 groups counted as "other"; the end-of-run summary for a dry run,
 * an import and an undo (exact text); the progress line; and `rbusage
 * report` over a hand-written log of two runs (final statuses, per-day and
 * per-subscription totals exact in thousandths, latency, retries). Output
 * goes to tmpfile()s; logs live under a mkdtemp directory. */
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
#include "report.h"
#include "report_log.h"
#include "resultlog.h"

#include "tmpdir.h"

/* The summary of a dry run over reasons, as text. */
static char *summary_of(struct report_reasons *r)
{
	struct run_counts c;
	struct report_summary s;
	FILE *fp = out_file();

	memset(&c, 0, sizeof(c));
	memset(&s, 0, sizeof(s));
	s.input = "x.csv";
	s.counts = &c;
	s.reasons = r;
	s.dry_run = true;
	report_summary(fp, &s);
	return contents(fp);
}

#define DRY_HEAD                                                              \
	"rbusage: x.csv: dry run in 0.0 s\n"                                      \
	"  rows read 0 = valid 0 + rejected 0\n"

static void assert_summary(struct report_reasons *r, const char *exp)
{
	char *got = summary_of(r);

	assert_string_equal(got, exp);
	free(got);
}

/* ---- reasons ---- */

static void test_reasons_grouped_by_shape(void **state)
{
	struct report_reasons *r = report_reasons_new();

	(void)state;
	assert_non_null(r);
	report_reasons_add(r, "quantity 1.2345 has 4 decimals; at most 3", 2);
	report_reasons_add(r, "quantity 7.0001 has 4 decimals; at most 3", 5);
	report_reasons_add(r, "quantity 12 has 5 decimals; at most 3", 9);
	/* the shape of a group of several; examples in the order seen */
	assert_summary(r, DRY_HEAD
	               "  reasons:\n"
	               "         3  e.g. quantity 1.2345 has 4 decimals; at most 3 "
	               "(line 2, 5, 9)\n");
	report_reasons_free(r);
}

static void test_reasons_apostrophe_is_no_quote(void **state)
{
	struct report_reasons *r = report_reasons_new();

	(void)state;
	/* "can't" opens no quoted value: the two reasons stay apart */
	report_reasons_add(r, "HTTP 422: usageTime: can't be in the future", 3);
	report_reasons_add(r, "HTTP 422: usageTime: can't be in the future", 4);
	report_reasons_add(r, "HTTP 422: subscriptionId: can't be blank", 5);
	report_reasons_add(r, "HTTP 422: subscriptionId: can't be blank", 6);
	assert_summary(r, DRY_HEAD
	               "  reasons:\n"
	               "         2  e.g. HTTP 422: usageTime: can't be in the "
	               "future (line 3, 4)\n"
	               "         2  e.g. HTTP 422: subscriptionId: can't be blank "
	               "(line 5, 6)\n");
	report_reasons_free(r);
}

static void test_reasons_single_shown_as_written(void **state)
{
	struct report_reasons *r = report_reasons_new();

	(void)state;
	report_reasons_add(r, "subscriptionId 'sub 1' has a space", 4);
	assert_summary(r, DRY_HEAD
	               "  reasons:\n"
	               "         1  subscriptionId 'sub 1' has a space (line 4)\n");
	report_reasons_free(r);
}

static void test_reasons_quoted_values(void **state)
{
	struct report_reasons *r = report_reasons_new();

	(void)state;
	report_reasons_add(r, "subscriptionId 'a b' has a space", 3);
	report_reasons_add(r, "subscriptionId 'x;y 9' has a space", 4);
	report_reasons_add(r, "usageTime '2026-13-01' is not a date", 6);
	report_reasons_add(r, "usageTime 'yesterday' is not a date", 7);
	report_reasons_add(r, "usageTime 'now' is not a date", 8);
	assert_summary(r, DRY_HEAD
	               "  reasons:\n"
	               "         3  e.g. usageTime '2026-13-01' is not a date "
	               "(line 6, 7, 8)\n"
	               "         2  e.g. subscriptionId 'a b' has a space "
	               "(line 3, 4)\n");
	report_reasons_free(r);
}

static void test_reasons_http_codes_kept(void **state)
{
	struct report_reasons *r = report_reasons_new();

	(void)state;
	report_reasons_add(r, "HTTP 422: quantity: must be at most 1000", 2);
	report_reasons_add(r, "HTTP 409: quantity: must be at most 1000", 3);
	report_reasons_add(r, "HTTP 422: quantity: must be at most 5", 4);
	report_reasons_add(r, "HTTP 422: quantity: must be at most 77", 5);
	report_reasons_add(r, "HTTP 409: quantity: must be at most 2", 6);
	report_reasons_add(r, "HTTP 400: x", 7);
	/* 422 and 409 are two groups; the other numbers still collapse */
	assert_summary(r, DRY_HEAD
	               "  reasons:\n"
	               "         3  e.g. HTTP 422: quantity: must be at most 1000 "
	               "(line 2, 4, 5)\n"
	               "         2  e.g. HTTP 409: quantity: must be at most 1000 "
	               "(line 3, 6)\n"
	               "         1  HTTP 400: x (line 7)\n");
	report_reasons_free(r);

	r = report_reasons_new();
	report_reasons_add(r, "HTTP 422: x", 1);
	report_reasons_add(r, "HTTP 409: x", 2);
	report_reasons_add(r, "HTTP 409: x", 3);
	assert_summary(r, DRY_HEAD
	               "  reasons:\n"
	               "         2  e.g. HTTP 409: x (line 2, 3)\n"
	               "         1  HTTP 422: x (line 1)\n");
	report_reasons_free(r);
}

static void test_reasons_numbers_times_one_n(void **state)
{
	struct report_reasons *r = report_reasons_new();

	(void)state;
	/* a time or a decimal is one N, not several */
	report_reasons_add(r, "usageTime 2026-01-01T10:00:00Z is after 2026-02-01", 2);
	report_reasons_add(r, "usageTime 1999-12-31T23:59:59.5Z is after 5", 3);
	report_reasons_add(r, "quantity 5.25 is over 1000000", 4);
	report_reasons_add(r, "quantity 0.5 is over 1", 5);
	report_reasons_add(r, "quantity 0.5 is over 1", 6);
	assert_summary(r, DRY_HEAD
	               "  reasons:\n"
	               "         3  e.g. quantity 5.25 is over 1000000 "
	               "(line 4, 5, 6)\n"
	               "         2  e.g. usageTime 2026-01-01T10:00:00Z is after "
	               "2026-02-01 (line 2, 3)\n");
	report_reasons_free(r);
}

/* Issue 11: grouping never rewrites what is shown, and a word holding
 * digits (an id, a number inside quotes or not) is a value of the kind. */
static void test_reasons_keep_values(void **state)
{
	struct report_reasons *r = report_reasons_new();
	char *got;

	(void)state;
	report_reasons_add(r, "usageTime '2026-13-05' has month 13; months are "
	                      "1-12", 2);
	report_reasons_add(r, "usageTime '2026-14-01' has month 14; months are "
	                      "1-12", 3);
	report_reasons_add(r, "HTTP 404: Subscription sub_zyq3r7b2dchya9y4q not "
	                      "found", 4);
	report_reasons_add(r, "HTTP 404: Subscription sub_x1 not found", 5);
	report_reasons_add(r, "HTTP 404: Subscription 42 not found", 6);
	assert_summary(r, DRY_HEAD
	               "  reasons:\n"
	               "         3  e.g. HTTP 404: Subscription "
	               "sub_zyq3r7b2dchya9y4q not found (line 4, 5, 6)\n"
	               "         2  e.g. usageTime '2026-13-05' has month 13; "
	               "months are 1-12 (line 2, 3)\n");
	got = summary_of(r);
	/* no value was turned into a placeholder */
	assert_null(strstr(got, " N "));
	assert_null(strstr(got, "'...'"));
	free(got);
	report_reasons_free(r);

	/* a long reason is cut at a character boundary, never inside one */
	r = report_reasons_new();
	{
		char longr[1200];
		size_t i, n;
		memset(longr, 0, sizeof(longr));
		for (i = 0; i + 2 < 1100; i += 2)
			memcpy(longr + i, "\xc3\xa9", 2); /* é */
		report_reasons_add(r, longr, 7);
		got = summary_of(r);
		n = strlen(got);
		assert_non_null(strstr(got, "\xc3\xa9... (line 7)\n"));
		for (i = 0; i < n; i++)
			if ((unsigned char)got[i] == 0xc3)
				assert_int_equal((unsigned char)got[i + 1], 0xa9);
		free(got);
	}
	report_reasons_free(r);
}

static void test_reasons_three_examples(void **state)
{
	struct report_reasons *r = report_reasons_new();
	long line;

	(void)state;
	for (line = 10; line < 15; line++)
		report_reasons_add(r, "quantity is missing", line);
	report_reasons_add(r, "line\nbreak\tin reason", 20);
	assert_summary(r, DRY_HEAD
	               "  reasons:\n"
	               "         5  e.g. quantity is missing (line 10, 11, 12, ...)\n"
	               "         1  line break in reason (line 20)\n");
	report_reasons_free(r);
}

static void test_reasons_over_64_groups(void **state)
{
	struct report_reasons *r = report_reasons_new();
	char reason[64], exp[16384], *e = exp;
	int i;

	(void)state;
	/* 64 groups of distinct shapes (letters, no digits), the 64th seen
	 * most; then three more shapes, which count as "other" */
	for (i = 0; i < 67; i++) {
		snprintf(reason, sizeof(reason), "reason %c%c", 'a' + i / 26,
		         'a' + i % 26);
		report_reasons_add(r, reason, 100 + i);
	}
	for (i = 0; i < 5; i++) {
		report_reasons_add(r, "reason cl", 300 + i); /* group 64 */
		report_reasons_add(r, "reason cm", 400 + i); /* other */
	}
	e += sprintf(e, DRY_HEAD "  reasons:\n");
	e += sprintf(e, "         6  e.g. reason cl (line 163, 300, 301, ...)\n");
	/* the others each once; ties keep no promised order, so check them as
	 * a set below */
	{
		char *got = summary_of(r);
		assert_int_equal(strncmp(got, exp, strlen(exp)), 0);
		for (i = 0; i < 63; i++) {
			char line[80];
			snprintf(line, sizeof(line), "         1  reason %c%c (line %d)\n",
			         'a' + i / 26, 'a' + i % 26, 100 + i);
			assert_non_null(strstr(got, line));
		}
		/* 2 first-seen + 5 more of "cm", and "cn", "co" once each */
		assert_non_null(strstr(got, "\n         8  other reasons (line 164, "
		                            "...)\n"));
		assert_null(strstr(got, "reason cm"));
		assert_null(strstr(got, "reason cn"));
		free(got);
	}
	report_reasons_free(r);
}

static void test_reasons_null_safe(void **state)
{
	(void)state;
	report_reasons_add(NULL, "x", 1);
	report_reasons_free(NULL);
}

/* ---- end-of-run summary ---- */

static void test_summary_dry_run(void **state)
{
	struct run_counts c;
	struct report_summary s;
	struct report_reasons *r = report_reasons_new();
	FILE *fp = out_file();
	char *got;

	(void)state;
	memset(&c, 0, sizeof(c));
	c.read = 10;
	c.valid = 8;
	c.rejected = 2;
	report_reasons_add(r, "quantity is missing", 3);
	report_reasons_add(r, "quantity is missing", 7);
	memset(&s, 0, sizeof(s));
	s.input = "usage.csv";
	s.rejects_path = "usage.rejects.csv";
	s.log_path = "usage.results.jsonl";
	s.counts = &c;
	s.reasons = r;
	s.dry_run = true;
	s.elapsed_ms = 1250;
	report_summary(fp, &s);
	got = contents(fp);
	assert_string_equal(got, "rbusage: usage.csv: dry run in 1.2 s\n"
	                         "  rows read 10 = valid 8 + rejected 2\n"
	                         "  reasons:\n"
	                         "         2  e.g. quantity is missing (line 3, 7)\n"
	                         "  rejects: usage.rejects.csv\n"
	                         "  log: usage.results.jsonl\n");
	free(got);
	report_reasons_free(r);
}

static void test_summary_import(void **state)
{
	struct run_counts c;
	struct report_summary s;
	FILE *fp = out_file();
	char *got;

	(void)state;
	memset(&c, 0, sizeof(c));
	c.read = 12;
	c.valid = 10;
	c.created = 6;
	c.rejected = 2;
	c.refused = 1;
	c.failed = 1;
	c.skipped = 2;
	c.other_shard = 30;
	c.reconciled = 1;
	memset(&s, 0, sizeof(s));
	s.input = "-";
	s.log_path = "stdin.results.jsonl";
	s.counts = &c;
	s.elapsed_ms = 61050;
	report_summary(fp, &s);
	got = contents(fp);
	/* no reasons given, no rejects path: those lines are left out */
	assert_string_equal(got, "rbusage: -: import in 61.0 s\n"
	                         "  rows read 12 = created 6 + rejected 2 + "
	                         "refused 1 + failed 1 + skipped 2\n"
	                         "  1 created rows were found again after a lost "
	                         "reply\n"
	                         "  30 rows belong to other shards\n"
	                         "  log: stdin.results.jsonl\n");
	free(got);

	/* cut short */
	fp = out_file();
	memset(&c, 0, sizeof(c));
	c.read = 3;
	c.created = 3;
	s.interrupted = true;
	s.elapsed_ms = 0;
	s.log_path = NULL;
	report_summary(fp, &s);
	got = contents(fp);
	assert_string_equal(got, "rbusage: -: import cut short in 0.0 s\n"
	                         "  rows read 3 = created 3 + rejected 0 + "
	                         "refused 0 + failed 0 + skipped 0\n");
	free(got);
}

static void test_summary_undo(void **state)
{
	struct run_counts c;
	struct report_summary s;
	struct report_reasons *r = report_reasons_new();
	FILE *fp = out_file();
	char *got;

	(void)state;
	memset(&c, 0, sizeof(c));
	c.read = 5;
	c.created = 3;
	c.skipped = 1;
	c.remaining = 1;
	report_reasons_add(r, "HTTP 409: usage is invoiced", 4);
	memset(&s, 0, sizeof(s));
	s.input = "x.results.jsonl";
	s.log_path = "x.results.jsonl.undo.jsonl";
	s.counts = &c;
	s.reasons = r;
	s.undo = true;
	s.dry_run = true; /* undo wins */
	s.elapsed_ms = 999;
	report_summary(fp, &s);
	got = contents(fp);
	assert_string_equal(got, "rbusage: x.results.jsonl: undo in 1.0 s\n"
	                         "  usages 5 = deleted 3 + deleted earlier 1 + "
	                         "remaining 1\n"
	                         "  reasons:\n"
	                         "         1  HTTP 409: usage is invoiced (line 4)\n"
	                         "  log: x.results.jsonl.undo.jsonl\n");
	free(got);
	report_reasons_free(r);
}

/* ---- rbusage report ---- */

static const char *write_log(const char *name, const char *text)
{
	const char *p = path_of(name);
	FILE *fp = fopen(p, "wb");

	assert_non_null(fp);
	fputs(text, fp);
	assert_int_equal(fclose(fp), 0);
	return p;
}

#define RUN(dry) "{\"type\":\"run\",\"command\":\"import\",\"dryRun\":" dry "}\n"
#define ROW(line, st, extra)                                                  \
	"{\"type\":\"row\",\"line\":" #line ",\"status\":\"" st "\"" extra "}\n"
#define CREATED(line, sub, qty, day, ms, attempts)                            \
	ROW(line, "created", ",\"usageId\":\"u" #line "\",\"http\":201,"          \
	    "\"attempts\":" #attempts ",\"ms\":" #ms ",\"subscriptionId\":\"" sub \
	    "\",\"quantity\":" qty ",\"usageTime\":\"" day "T10:00:00Z\"")

static const char two_runs[] =
	/* a dry run first: none of its lines count */
	RUN("true")
	ROW(4, "rejected", ",\"reason\":\"dry reason\"")
	"{\"type\":\"summary\",\"read\":5}\n"
	/* run 1 */
	RUN("false")
	ROW(2, "pending", "")
	CREATED(2, "sub-A", "0.001", "2026-01-01", 10, 1)
	ROW(3, "pending", "")
	ROW(3, "failed", ",\"http\":503,\"attempts\":7,\"reason\":\"HTTP 503: "
	                 "unavailable\"")
	ROW(4, "rejected", ",\"reason\":\"quantity 'x' is not a number\"")
	CREATED(5, "sub-B", "2.999", "2026-01-01", 20, 1)
	CREATED(6, "sub-A", "1.5", "2026-01-02", 30, 1)
	ROW(7, "pending", "")
	"{\"type\":\"summary\",\"read\":6,\"interrupted\":true}\n"
	/* run 2: a resume */
	RUN("false")
	ROW(2, "skipped", "")
	CREATED(3, "sub-B", "4", "2026-01-02", 40, 3)
	ROW(4, "rejected", ",\"reason\":\"quantity 'x' is not a number\"")
	ROW(5, "skipped", "")
	ROW(6, "skipped", "")
	ROW(7, "refused", ",\"http\":422,\"reason\":\"HTTP 422: quantity: bad\"")
	"{\"type\":\"summary\",\"read\":6}\n";

/* got starts with exp; shows both when not. */
static void assert_prefix(const char *got, const char *exp)
{
	if (strncmp(got, exp, strlen(exp)))
		assert_string_equal(got, exp);
}

/* A config for report over the given logs. */
static void report_cfg(struct config *cfg, char **files, size_t n)
{
	config_defaults(cfg);
	cfg->cmd = CONFIG_CMD_REPORT;
	cfg->files = files;
	cfg->nfiles = n;
}

static void test_report_run_two_runs(void **state)
{
	const char *p = write_log("two.results.jsonl", two_runs);
	struct config cfg;
	char *files[1], err[300] = "", exp[4096], *e = exp, *got;
	unsigned long unknown = 99;
	FILE *fp = out_file();

	(void)state;
	files[0] = (char *)p;
	report_cfg(&cfg, files, 1);
	assert_int_equal(report_run(&cfg, fp, &unknown, err, sizeof(err)), RB_OK);
	assert_string_equal(err, "");
	assert_int_equal(unknown, 0); /* line 7's pending was settled later */
	got = contents(fp);

	e += sprintf(e, "Result log: %s (2 import runs, 1 dry run)\n\n", p);
	/* each run and how it ended; these runs wrote no start time */
	e += sprintf(e, "Runs\n  %s\n", p);
	e += sprintf(e, "    dry run  (start not recorded)  finished: rows read "
	                "5 = valid 0 + rejected 0\n"
	                "    import   (start not recorded)  cut short: rows read "
	                "6 = created 0 + rejected 0 + refused 0 + failed 0 + "
	                "skipped 0\n"
	                "    import   (start not recorded)  finished: rows read 6 "
	                "= created 0 + rejected 0 + refused 0 + failed 0 + skipped "
	                "0\n\n");
	/* final outcomes: line 2, 5, 6 created in run 1 (skipped in run 2),
	 * line 3 failed then created, line 4 rejected twice (once), line 7
	 * pending then refused */
	e += sprintf(e, "Rows by final status\n"
	                "  created             4  (3 of them before the last "
	                "run)\n"
	                "  rejected            1\n"
	                "  refused             1\n");
	/* only final outcomes' reasons: run 1's 503 is not one */
	e += sprintf(e, "\nReasons (rejected, refused, failed)\n");
	/* equal counts: either order */
	{
		char *r1 = strstr(got, "         1  quantity 'x' is not a number "
		                       "(line 4)\n");
		char *r2 = strstr(got, "         1  HTTP 422: quantity: bad "
		                       "(line 7)\n");
		assert_non_null(r1);
		assert_non_null(r2);
		assert_null(strstr(got, "503"));
		assert_null(strstr(got, "dry reason"));
		assert_null(strstr(got, "unknown"));
		assert_prefix(got, exp);
	}
	/* per day: 0.001 + 2.999 = 3 exactly; 1.5 + 4 = 5.5 */
	e = exp;
	e += sprintf(e, "\nQuantity created per day (UTC)\n"
	                "  2026-01-01                  3  (2 rows)\n"
	                "  2026-01-02                5.5  (2 rows)\n"
	                "  total                     8.5  (4 rows)\n"
	                "\nTop subscriptions by quantity\n"
	                "  %-50s %18s  (2 rows)\n"
	                "  %-50s %18s  (2 rows)\n",
	             "sub-B", "6.999", "sub-A", "1.501");
	e += sprintf(e, "\nLatency of created rows (first send to reply)\n"
	                "  p50 20 ms  p90 40 ms  p99 40 ms  max 40 ms\n"
	                "\nRetries: 2 rows needed more than one attempt (8 extra "
	                "attempts)\n");
	{
		char *tail = strstr(got, "\nQuantity created per day");
		assert_non_null(tail);
		assert_string_equal(tail, exp);
	}
	free(got);
}

/* A run cut short by a crash: no summary, rows left pending. They are
 * named as unknown (they may be billed), the run has no end, and report
 * says so with *unknown (main: exit 1). */
static const char crashed[] =
	"{\"type\":\"run\",\"command\":\"import\",\"dryRun\":false,"
	"\"started\":\"2026-11-25T02:00:00.000Z\"}\n"
	CREATED(2, "sub-A", "1", "2026-11-24", 10, 1)
	ROW(3, "pending", "")
	ROW(4, "pending", "")
	ROW(4, "created", ",\"usageId\":\"u4\",\"subscriptionId\":\"sub-A\","
	                  "\"quantity\":2,\"usageTime\":\"2026-11-24T11:00:00Z\"")
	ROW(5, "pending", "")
	"{\"type\":\"row\",\"line\":6,\"status\":\"pen"; /* torn by the crash */

static void test_report_run_crashed(void **state)
{
	const char *p = write_log("crash.results.jsonl", crashed);
	struct config cfg;
	char *files[1], err[300] = "", exp[2048], *got;
	unsigned long unknown = 0;
	FILE *fp = out_file();

	(void)state;
	files[0] = (char *)p;
	report_cfg(&cfg, files, 1);
	assert_int_equal(report_run(&cfg, fp, &unknown, err, sizeof(err)), RB_OK);
	assert_int_equal(unknown, 2);
	got = contents(fp);
	snprintf(exp, sizeof(exp),
	         "Result log: %s (1 import run)\n\n"
	         "Runs\n  %s\n"
	         "    import   2026-11-25T02:00:00.000Z  no end recorded: killed, "
	         "crashed, or still running\n\n"
	         "Rows by final status\n"
	         "  created             2\n"
	         "  unknown             2  may be billed (pending, or timed "
	         "out and not found)\n\n"
	         "Unknown \xe2\x80\x94 may be billed; run the import again to "
	         "reconcile\n"
	         "  %s: line 3, 5 (2 rows)\n\n"
	         "Quantity created per day (UTC)\n",
	         p, p, p);
	assert_prefix(got, exp);
	free(got);
}

/* report a b: both logs, each with its runs; totals over both; reasons
 * and unknown rows name their log. A log of dry runs only is summarized
 * as such. */
static void test_report_run_several_logs(void **state)
{
	char *files[3], err[300] = "", exp[4096], *got;
	struct config cfg;
	unsigned long unknown = 0;
	FILE *fp = out_file();
	const char *a, *b, *dry;

	(void)state;
	a = write_log("a.results.jsonl",
	              "{\"type\":\"run\",\"command\":\"import\",\"started\":"
	              "\"2026-11-25T02:00:00Z\",\"dryRun\":false}\n"
	              CREATED(2, "sub-A", "1.25", "2026-11-24", 10, 1)
	              ROW(3, "rejected", ",\"reason\":\"quantity 1.2345 has 4 "
	                                 "decimals\"")
	              "{\"type\":\"summary\",\"read\":2,\"valid\":1,\"created\":1,"
	              "\"rejected\":1,\"dryRun\":false,\"interrupted\":false,"
	              "\"elapsedMs\":61500}\n");
	b = write_log("b.results.jsonl",
	              "{\"type\":\"run\",\"command\":\"import\",\"started\":"
	              "\"2026-11-25T23:59:59.500Z\",\"dryRun\":false}\n"
	              CREATED(2, "sub-B", "2", "2026-11-24", 20, 1)
	              ROW(3, "rejected", ",\"reason\":\"quantity 7.0001 has 4 "
	                                 "decimals\"")
	              ROW(4, "pending", "")
	              "{\"type\":\"summary\",\"read\":3,\"created\":1,"
	              "\"rejected\":1,\"failed\":1,\"interrupted\":true,"
	              "\"elapsedMs\":1000}\n");
	dry = write_log("dry.results.jsonl",
	                "{\"type\":\"run\",\"command\":\"import\",\"started\":"
	                "\"2026-11-24T12:00:00Z\",\"dryRun\":true}\n"
	                ROW(9, "rejected", ",\"reason\":\"quantity 0 is below\"")
	                "{\"type\":\"summary\",\"read\":5,\"valid\":4,"
	                "\"rejected\":1,\"dryRun\":true,\"elapsedMs\":5}\n");
	files[0] = (char *)a;
	files[1] = (char *)b;
	files[2] = (char *)dry;
	report_cfg(&cfg, files, 3);
	assert_int_equal(report_run(&cfg, fp, &unknown, err, sizeof(err)), RB_OK);
	assert_int_equal(unknown, 1);
	got = contents(fp);
	snprintf(exp, sizeof(exp),
	         "Result logs: %s, %s, %s (2 import runs, 1 dry run)\n\n"
	         "Runs\n"
	         "  %s\n"
	         "    import   2026-11-25T02:00:00Z to 2026-11-25T02:01:01Z  "
	         "finished: rows read 2 = created 1 + rejected 1 + refused 0 + "
	         "failed 0 + skipped 0\n"
	         "  %s\n"
	         "    import   2026-11-25T23:59:59.500Z to 2026-11-26T00:00:00.500Z"
	         "  cut short: rows read 3 = created 1 + rejected 1 + refused 0 + "
	         "failed 1 + skipped 0\n"
	         "  %s\n"
	         "    dry run  2026-11-24T12:00:00Z to 2026-11-24T12:00:00Z  "
	         "finished: rows read 5 = valid 4 + rejected 1\n\n"
	         "Rows by final status\n"
	         "  created             2\n"
	         "  rejected            2\n"
	         "  unknown             1  may be billed (pending, or timed "
	         "out and not found)\n\n"
	         "Unknown \xe2\x80\x94 may be billed; run the import again to "
	         "reconcile\n"
	         "  %s: line 4 (1 row)\n\n"
	         "Reasons (rejected, refused, failed)\n"
	         "         2  e.g. quantity 1.2345 has 4 decimals (%s line 3, %s "
	         "line 3)\n\n"
	         "Quantity created per day (UTC)\n"
	         "  2026-11-24               3.25  (2 rows)\n"
	         "  total                    3.25  (2 rows)\n",
	         a, b, dry, a, b, dry, b, a, b);
	assert_prefix(got, exp);
	free(got);

	/* the dry run's log alone: summarized, nothing was sent */
	fp = out_file();
	report_cfg(&cfg, files + 2, 1);
	assert_int_equal(report_run(&cfg, fp, &unknown, err, sizeof(err)), RB_OK);
	assert_int_equal(unknown, 0);
	got = contents(fp);
	snprintf(exp, sizeof(exp),
	         "Result log: %s (1 dry run)\n\n"
	         "Runs\n  %s\n"
	         "    dry run  2026-11-24T12:00:00Z to 2026-11-24T12:00:00Z  "
	         "finished: rows read 5 = valid 4 + rejected 1\n\n"
	         "No import run: nothing was sent.\n",
	         dry, dry);
	assert_string_equal(got, exp);
	free(got);
}

/* What the server stored counts: storedQuantity and storedUsageTime, when
 * a created line has them, are what the totals add up. */
static void test_report_run_stored_values(void **state)
{
	const char *p = write_log(
		"stored.results.jsonl",
		RUN("false")
		ROW(2, "created", ",\"usageId\":\"u2\",\"subscriptionId\":\"s\","
		                  "\"quantity\":10,\"storedQuantity\":7.5,"
		                  "\"usageTime\":\"2026-01-01T23:59:59.999Z\","
		                  "\"storedUsageTime\":\"2026-01-02T00:00:00Z\"")
		CREATED(3, "s", "1", "2026-01-01", 5, 1));
	struct config cfg;
	char *files[1] = {(char *)p}, err[300] = "", exp[256], *got;
	unsigned long unknown = 0;
	FILE *fp = out_file();

	(void)state;
	report_cfg(&cfg, files, 1);
	assert_int_equal(report_run(&cfg, fp, &unknown, err, sizeof(err)), RB_OK);
	got = contents(fp);
	snprintf(exp, sizeof(exp),
	         "Quantity created per day (UTC)\n"
	         "  2026-01-01                  1  (1 row)\n"
	         "  2026-01-02                7.5  (1 row)\n"
	         "  total                     8.5  (2 rows)\n");
	assert_non_null(strstr(got, exp));
	free(got);
}

/* --aggregate: a usage's line counts for each row it names (rows by final
 * status, reasons, unknown rows), its quantity once (what the server
 * stored), its rows in the per-day and per-subscription counts. */
static void test_report_run_aggregates(void **state)
{
	const char *p = write_log(
		"agg.results.jsonl",
		"{\"type\":\"run\",\"command\":\"import\",\"dryRun\":false,"
		"\"options\":{\"aggregate\":\"hour\"}}\n"
		ROW(2, "pending", ",\"lines\":[2,4,9]")
		ROW(2, "created", ",\"lines\":[2,4,9],\"usageId\":\"u2\","
		                  "\"subscriptionId\":\"s\",\"quantity\":10,"
		                  "\"storedQuantity\":7.5,\"usageTime\":"
		                  "\"2026-01-01T10:00:00Z\"")
		ROW(3, "pending", ",\"lines\":[3,5]")
		ROW(3, "refused", ",\"lines\":[3,5],\"http\":422,\"reason\":"
		                  "\"HTTP 422: quantity: too much\"")
		ROW(6, "rejected", ",\"reason\":\"quantity 'x' is not a number\"")
		ROW(7, "pending", ",\"lines\":[7,8,10,11]")
		"{\"type\":\"summary\",\"read\":10,\"created\":3,\"rejected\":1,"
		"\"refused\":2,\"failed\":4,\"usages\":3,\"interrupted\":true}\n");
	struct config cfg;
	char *files[1] = {(char *)p}, err[300] = "", exp[1024], *got;
	unsigned long unknown = 0;
	FILE *fp = out_file();

	(void)state;
	report_cfg(&cfg, files, 1);
	assert_int_equal(report_run(&cfg, fp, &unknown, err, sizeof(err)), RB_OK);
	assert_int_equal(unknown, 4);
	got = contents(fp);
	assert_non_null(strstr(got, "cut short: rows read 10 = created 3 + "
	                            "rejected 1 + refused 2 + failed 4 + "
	                            "skipped 0 (as 3 usages)\n"));
	snprintf(exp, sizeof(exp),
	         "Rows by final status\n"
	         "  created             3\n"
	         "  rejected            1\n"
	         "  refused             2\n"
	         "  unknown             4  may be billed (pending, or timed "
	         "out and not found)\n\n"
	         "Unknown \xe2\x80\x94 may be billed; run the import again to "
	         "reconcile\n"
	         "  %s: line 7, 8, 10, 11 (4 rows)\n\n"
	         "Reasons (rejected, refused, failed)\n"
	         "         2  e.g. HTTP 422: quantity: too much (line 3, 5)\n"
	         "         1  quantity 'x' is not a number (line 6)\n\n"
	         "Quantity created per day (UTC)\n"
	         "  2026-01-01                7.5  (3 rows)\n"
	         "  total                     7.5  (3 rows)\n\n"
	         "Top subscriptions by quantity\n"
	         "  %-50s %18s  (3 rows)\n", p, "s", "7.5");
	if (!strstr(got, exp))
		assert_string_equal(got, exp);
	free(got);
}

static void test_report_run_quiet_and_html(void **state)
{
	const char *p = write_log("html.results.jsonl", two_runs);
	char html_path[256];
	struct config cfg;
	char *files[1], err[300] = "", *got;
	unsigned long unknown = 0;
	FILE *fp = out_file(), *h;

	(void)state;
	snprintf(html_path, sizeof(html_path), "%s", path_of("r.html"));
	files[0] = (char *)p;
	report_cfg(&cfg, files, 1);
	cfg.quiet = true;
	cfg.html_path = html_path;
	assert_int_equal(report_run(&cfg, fp, &unknown, err, sizeof(err)), RB_OK);
	got = contents(fp);
	assert_string_equal(got, ""); /* --quiet: no text */
	free(got);
	h = fopen(html_path, "rb");
	assert_non_null(h);
	got = contents(h);
	assert_int_equal(strncmp(got, "<!DOCTYPE html>\n", 16), 0);
	assert_non_null(strstr(got, "<tr><td>2026-01-01</td><td class=\"n\">3</td>"
	                            "<td class=\"n\">2</td></tr>"));
	assert_non_null(strstr(got, "<tr><td>sub-B</td><td class=\"n\">6.999</td>"
	                            "<td class=\"n\">2</td></tr>"));
	/* one reason of its kind: shown as written (escaped) */
	assert_non_null(strstr(got, "<tr><td class=\"n\">1</td><td>quantity "
	                            "&#39;x&#39; is not a number</td><td>4</td>"
	                            "</tr>"));
	assert_non_null(strstr(got, "</body></html>\n"));
	free(got);
}

/* Every text from a log or the command line is escaped in the page: the
 * log's name, a run's start, reasons, days, subscription ids. */
static void test_report_run_html_escapes_everything(void **state)
{
	const char *p = write_log(
		"<b>&\".results.jsonl",
		"{\"type\":\"run\",\"command\":\"import\",\"dryRun\":false,"
		"\"started\":\"<i>start</i>\"}\n"
		ROW(2, "created", ",\"usageId\":\"u\",\"subscriptionId\":"
		                  "\"<script>alert(1)</script>\",\"quantity\":1,"
		                  "\"usageTime\":\"<img src=x>\"")
		ROW(3, "rejected", ",\"reason\":\"bad <svg onload=alert(2)> & "
		                   "'q'\"")
		ROW(4, "pending", ""));
	char html_path[256];
	struct config cfg;
	char *files[1] = {(char *)p}, err[300] = "", *got, *c;
	unsigned long unknown = 0;
	FILE *fp = out_file(), *h;

	(void)state;
	snprintf(html_path, sizeof(html_path), "%s", path_of("esc.html"));
	report_cfg(&cfg, files, 1);
	cfg.quiet = true;
	cfg.html_path = html_path;
	assert_int_equal(report_run(&cfg, fp, &unknown, err, sizeof(err)), RB_OK);
	fclose(fp);
	h = fopen(html_path, "rb");
	assert_non_null(h);
	got = contents(h);
	/* outside the page's own markup, no '<' from the log survives */
	assert_null(strstr(got, "<script"));
	assert_null(strstr(got, "<img"));
	assert_null(strstr(got, "<i>"));
	assert_null(strstr(got, "<b>"));
	assert_null(strstr(got, "<svg onload"));
	assert_non_null(strstr(got, "&lt;script&gt;alert(1)&lt;/script&gt;"));
	assert_non_null(strstr(got, "&lt;img src=x"));           /* the day */
	assert_non_null(strstr(got, "&lt;i&gt;start&lt;/i&gt;")); /* the run */
	assert_non_null(strstr(got, "&lt;b&gt;&amp;&quot;.results.jsonl"));
	assert_non_null(strstr(got, "bad &lt;svg onload=alert(2)&gt; &amp; "
	                            "&#39;q&#39;"));
	/* and every '&' starts an entity */
	for (c = strchr(got, '&'); c; c = strchr(c + 1, '&'))
		assert_true(!strncmp(c, "&lt;", 4) || !strncmp(c, "&gt;", 4) ||
		            !strncmp(c, "&amp;", 5) || !strncmp(c, "&quot;", 6) ||
		            !strncmp(c, "&#39;", 5));
	free(got);
}

static void test_report_run_refusals(void **state)
{
	const char *bad = write_log("bad.results.jsonl",
	                            RUN("false") "not json\n");
	const char *missing = path_of("missing.results.jsonl");
	const char *good = write_log("good.results.jsonl", two_runs);
	struct config cfg;
	char *files[2], err[400], exp[400];
	unsigned long unknown = 0;
	FILE *fp = out_file();

	(void)state;
	report_cfg(&cfg, files, 1);

	files[0] = (char *)bad;
	assert_int_equal(report_run(&cfg, fp, &unknown, err, sizeof(err)),
	                 RB_EINPUT);
	snprintf(exp, sizeof(exp), "%s: line 2 is not a result log line", bad);
	assert_string_equal(err, exp);

	files[0] = (char *)missing;
	assert_int_equal(report_run(&cfg, fp, &unknown, err, sizeof(err)), RB_EIO);
	snprintf(exp, sizeof(exp), "cannot open '%s': No such file or directory",
	         missing);
	assert_string_equal(err, exp);

	/* one bad log among good ones: no report, the bad one named */
	files[0] = (char *)good;
	files[1] = (char *)missing;
	cfg.nfiles = 2;
	assert_int_equal(report_run(&cfg, fp, &unknown, err, sizeof(err)), RB_EIO);
	assert_string_equal(err, exp);
	fclose(fp);
	fp = out_file();
	{
		char *got = contents(fp);
		assert_string_equal(got, "");
		free(got);
	}
}

/* A crafted "line" near 2^61 once made the per-line table's size overflow
 * (a heap overflow). Now a row line or log line past 2^32-1 is refused, and
 * sparse lines within range cost a page each, not the whole range. */
static void test_report_run_hostile_lines(void **state)
{
	static const char *const huge[] = {
		"2305843009213693952", "2305843009213693951", "4294967296",
		"9223372036854775807", "99999999999999999999999",
	};
	struct config cfg;
	char *files[1], err[400], exp[400], text[512];
	unsigned long unknown = 0;
	FILE *fp = out_file();
	const char *p;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(huge) / sizeof(huge[0]); i++) {
		snprintf(text, sizeof(text),
		         RUN("false") "{\"type\":\"row\",\"line\":%s,\"status\":"
		                      "\"created\",\"quantity\":1}\n",
		         huge[i]);
		p = write_log("huge.results.jsonl", text);
		files[0] = (char *)p;
		report_cfg(&cfg, files, 1);
		err[0] = 0;
		assert_int_equal(report_run(&cfg, fp, &unknown, err, sizeof(err)),
		                 RB_EINPUT);
		snprintf(exp, sizeof(exp), "%s: line 2: a row line or log line past "
		                           "4294967295 is not one of ours", p);
		assert_string_equal(err, exp);
	}
	/* in range, far apart: fine, and counted */
	p = write_log("sparse.results.jsonl",
	              RUN("false") ROW(4294967295, "pending", "")
	              ROW(1, "pending", "") ROW(2147483648, "created", ""));
	files[0] = (char *)p;
	assert_int_equal(report_run(&cfg, fp, &unknown, err, sizeof(err)), RB_OK);
	assert_int_equal(unknown, 2);
	fclose(fp);
}

static void test_report_run_exact_thousandths(void **state)
{
	/* many small quantities: a double would drift, thousandths do not */
	char *log = malloc(1 << 20), *e = log, *got;
	const char *p;
	struct config cfg;
	char *files[1], err[300] = "", exp[200];
	unsigned long unknown = 0;
	FILE *fp = out_file();
	int i;

	(void)state;
	assert_non_null(log);
	e += sprintf(e, RUN("false"));
	for (i = 0; i < 1000; i++)
		e += sprintf(e, "{\"type\":\"row\",\"line\":%d,\"status\":\"created\","
		                "\"subscriptionId\":\"s\",\"quantity\":0.1,"
		                "\"usageTime\":\"2026-05-05T00:00:00Z\"}\n",
		             i + 2);
	e += sprintf(e, "{\"type\":\"row\",\"line\":2000,\"status\":\"created\","
	                "\"subscriptionId\":\"s\",\"quantity\":999999999999.999,"
	                "\"usageTime\":\"2026-05-06T00:00:00Z\"}\n");
	p = write_log("exact.results.jsonl", log);
	free(log);
	files[0] = (char *)p;
	report_cfg(&cfg, files, 1);
	assert_int_equal(report_run(&cfg, fp, &unknown, err, sizeof(err)), RB_OK);
	got = contents(fp);
	snprintf(exp, sizeof(exp), "  %-10s %18s  (1000 rows)\n", "2026-05-05",
	         "100");
	assert_non_null(strstr(got, exp));
	snprintf(exp, sizeof(exp), "  %-10s %18s  (1 row)\n", "2026-05-06",
	         "999999999999.999");
	assert_non_null(strstr(got, exp));
	snprintf(exp, sizeof(exp), "  %-10s %18s  (1001 rows)\n", "total",
	         "1000000000099.999");
	assert_non_null(strstr(got, exp));
	snprintf(exp, sizeof(exp), "  %-10s %10d\n", "created", 1001);
	assert_non_null(strstr(got, exp));
	free(got);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reasons_grouped_by_shape),
		cmocka_unit_test(test_reasons_single_shown_as_written),
		cmocka_unit_test(test_reasons_apostrophe_is_no_quote),
		cmocka_unit_test(test_reasons_quoted_values),
		cmocka_unit_test(test_reasons_http_codes_kept),
		cmocka_unit_test(test_reasons_numbers_times_one_n),
		cmocka_unit_test(test_reasons_keep_values),
		cmocka_unit_test(test_reasons_three_examples),
		cmocka_unit_test(test_reasons_over_64_groups),
		cmocka_unit_test(test_reasons_null_safe),
		cmocka_unit_test(test_summary_dry_run),
		cmocka_unit_test(test_summary_import),
		cmocka_unit_test(test_summary_undo),
		cmocka_unit_test(test_report_run_two_runs),
		cmocka_unit_test(test_report_run_aggregates),
		cmocka_unit_test(test_report_run_crashed),
		cmocka_unit_test(test_report_run_several_logs),
		cmocka_unit_test(test_report_run_stored_values),
		cmocka_unit_test(test_report_run_quiet_and_html),
		cmocka_unit_test(test_report_run_html_escapes_everything),
		cmocka_unit_test(test_report_run_refusals),
		cmocka_unit_test(test_report_run_hostile_lines),
		cmocka_unit_test(test_report_run_exact_thousandths),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
