/* What a result log tells the next run: rows by line for the same input,
 * by content (counted) for another version of it, the stamped time, the
 * claimed ids, and the refusal of a log for another file. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "resume.h"

static char dir[] = "/tmp/test_resume.XXXXXX";
static char path[512];

#define RUN(fp) "{\"type\":\"run\",\"command\":\"import\",\"input\":\"x.csv\"," \
	"\"fingerprint\":\"" fp "\",\"stampedTime\":\"2026-11-20T00:00:00Z\"," \
	"\"dryRun\":false}\n"
#define ROW(line, status, sid, q, t, extra) "{\"type\":\"row\",\"line\":" #line \
	",\"status\":\"" status "\",\"subscriptionId\":\"" sid "\",\"quantity\":" \
	q ",\"usageTime\":\"" t "\"" extra "}\n"

static void write_log(const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static struct usage u_of(const char *sid, const char *q, const char *t)
{
	struct usage u;

	memset(&u, 0, sizeof(u));
	snprintf(u.subscription_id, sizeof(u.subscription_id), "%s", sid);
	snprintf(u.quantity, sizeof(u.quantity), "%s", q);
	snprintf(u.usage_time, sizeof(u.usage_time), "%s", t);
	return u;
}

static char err[1600];

static struct resume *load_agg(const char *fp, bool restart,
                               enum config_aggregate agg, enum rb_status want)
{
	struct resume *rs = NULL;

	err[0] = 0;
	assert_int_equal(resume_load(path, "x.csv", fp, restart, agg, &rs, err,
	                             sizeof(err)),
	                 want);
	if (want)
		assert_null(rs);
	return rs;
}

static struct resume *load(const char *fp, bool restart, enum rb_status want)
{
	return load_agg(fp, restart, CONFIG_AGGREGATE_NONE, want);
}

#define T1 "2026-11-20T01:00:00Z"

static void no_log(void **state)
{
	struct resume *rs;
	struct usage u = u_of("a", "1", T1);

	(void)state;
	unlink(path);
	rs = load("v1:1:aa", false, RB_OK);
	assert_int_equal(resume_take(rs, 2, &u), RESUME_SEND);
	assert_string_equal(resume_stamped(rs), "");
	assert_true(resume_last_write_ms(rs) == 0);
	resume_free(rs);
}

static void same_input_by_line(void **state)
{
	struct resume *rs;
	struct usage u = u_of("a", "1", T1);

	(void)state;
	write_log(RUN("v1:1:aa")
	          ROW(2, "pending", "a", "1", T1, "")
	          ROW(2, "created", "a", "1", T1, ",\"usageId\":\"u2\"")
	          ROW(3, "pending", "a", "1", T1, "")
	          ROW(4, "pending", "a", "1", T1, "")
	          ROW(4, "refused", "a", "1", T1, "")
	          ROW(5, "pending", "a", "1", T1, "")
	          ROW(5, "failed", "a", "1", T1, "")
	          ROW(6, "rejected", "a", "1", T1, "")
	          ROW(8, "pending", "a", "1", T1, "")
	          ROW(8, "refused", "a", "1", T1, ",\"storedMaybe\":true")
	          "{\"type\":\"run\",\"fingerprint\":\"v1:1:aa\",\"dryRun\":true,"
	          "\"stampedTime\":\"2030-01-01T00:00:00Z\"}\n");
	rs = load("v1:1:aa", false, RB_OK);
	assert_int_equal(resume_take(rs, 2, &u), RESUME_CREATED);
	assert_int_equal(resume_take(rs, 3, &u), RESUME_UNKNOWN);
	assert_int_equal(resume_take(rs, 4, &u), RESUME_SEND);   /* a 4xx */
	assert_int_equal(resume_take(rs, 5, &u), RESUME_UNKNOWN); /* failed: maybe */
	assert_int_equal(resume_take(rs, 6, &u), RESUME_SEND);
	assert_int_equal(resume_take(rs, 7, &u), RESUME_SEND);
	/* refused after an earlier POST of it was unknown: look first */
	assert_int_equal(resume_take(rs, 8, &u), RESUME_UNKNOWN);
	/* the first real run's stamp, not the dry run's */
	assert_string_equal(resume_stamped(rs), "2026-11-20T00:00:00Z");
	assert_true(resume_last_write_ms(rs) > 0);
	/* u2 is claimed; another id is not, once; asking claims nothing */
	assert_true(resume_claimed(rs, "u2"));
	assert_false(resume_claimed(rs, "u9"));
	assert_false(resume_claimed(rs, "u9"));
	assert_int_equal(resume_claim(rs, "u2"), 1);
	assert_int_equal(resume_claim(rs, "u9"), 0);
	assert_int_equal(resume_claim(rs, "u9"), 1);
	assert_true(resume_claimed(rs, "u9"));
	resume_free(rs);
}

static void other_version_refused_or_by_content(void **state)
{
	struct resume *rs;
	struct usage a = u_of("a", "1", T1), b = u_of("b", "2.5", T1);
	struct usage c = u_of("c", "3", T1);

	(void)state;
	write_log(RUN("v1:1:aa")
	          ROW(2, "pending", "a", "1", T1, "")
	          ROW(2, "created", "a", "1", T1, ",\"usageId\":\"u2\"")
	          ROW(3, "pending", "a", "1", T1, "")
	          ROW(3, "created", "a", "1", T1, ",\"usageId\":\"u3\"")
	          ROW(4, "pending", "b", "2.5", T1, "")
	          RUN("v1:1:aa")
	          ROW(5, "pending", "c", "3", T1, "")
	          ROW(5, "refused", "c", "3", T1, ""));
	load("v1:2:bb", false, RB_EUSAGE);
	rs = load("v1:2:bb", true, RB_OK);
	/* line numbers mean nothing now; content, counted */
	assert_int_equal(resume_take(rs, 2, &b), RESUME_UNKNOWN);
	assert_int_equal(resume_take(rs, 3, &b), RESUME_SEND);
	assert_int_equal(resume_take(rs, 9, &a), RESUME_CREATED);
	assert_int_equal(resume_take(rs, 10, &a), RESUME_CREATED);
	assert_int_equal(resume_take(rs, 11, &a), RESUME_SEND);
	assert_int_equal(resume_take(rs, 5, &c), RESUME_SEND);
	resume_free(rs);

	/* --restart again on top: the latest run's version is the one that
	 * must match, and both earlier versions count by content */
	write_log(RUN("v1:1:aa")
	          ROW(2, "created", "a", "1", T1, ",\"usageId\":\"u2\"")
	          RUN("v1:2:bb")
	          ROW(2, "skipped", "a", "1", T1, "")
	          ROW(3, "pending", "c", "3", T1, "")
	          ROW(3, "created", "c", "3", T1, ",\"usageId\":\"u3\""));
	load("v1:1:aa", false, RB_EUSAGE);
	rs = load("v1:2:bb", false, RB_OK);
	assert_int_equal(resume_take(rs, 3, &c), RESUME_CREATED); /* by line */
	assert_int_equal(resume_take(rs, 2, &a), RESUME_CREATED); /* by content */
	assert_int_equal(resume_take(rs, 4, &a), RESUME_SEND);
	resume_free(rs);
}

/* A row --skip-existing found on the server names its usage: a later run
 * (with the option or without) skips it as it skips a created one, by line
 * and by content, and no lookup may take that usage for another row. A row
 * skipped as created by an earlier run names none and counts once. */
static void skipped_on_server(void **state)
{
	struct resume *rs;
	struct usage a = u_of("a", "1", T1), b = u_of("b", "2", T1);

	(void)state;
	write_log(RUN("v1:1:aa")
	          ROW(2, "skipped", "a", "1", T1, ",\"usageId\":\"u2\",\"found\":"
	              "\"already on the server (--skip-existing)\"")
	          ROW(3, "pending", "b", "2", T1, "")
	          ROW(3, "created", "b", "2", T1, ",\"usageId\":\"u3\"")
	          RUN("v1:1:aa")
	          ROW(3, "skipped", "b", "2", T1, ",\"found\":\"created by an "
	              "earlier run\""));
	rs = load("v1:1:aa", false, RB_OK);
	assert_int_equal(resume_take(rs, 2, &a), RESUME_CREATED);
	assert_int_equal(resume_take(rs, 3, &b), RESUME_CREATED);
	assert_true(resume_claimed(rs, "u2"));
	resume_free(rs);
	rs = load("v1:2:bb", true, RB_OK); /* another version: by content */
	assert_int_equal(resume_take(rs, 7, &a), RESUME_CREATED);
	assert_int_equal(resume_take(rs, 8, &a), RESUME_SEND);
	assert_int_equal(resume_take(rs, 9, &b), RESUME_CREATED);
	assert_int_equal(resume_take(rs, 10, &b), RESUME_SEND);
	assert_true(resume_claimed(rs, "u2"));
	resume_free(rs);
}

static void stdin_by_content(void **state)
{
	struct resume *rs;
	struct usage a = u_of("a", "1", T1);

	(void)state;
	write_log(RUN("stdin")
	          ROW(2, "pending", "a", "1", T1, "")
	          ROW(2, "created", "a", "1", T1, ",\"usageId\":\"u2\""));
	rs = load("stdin", false, RB_OK);
	/* another stream: line 2 may be another row */
	assert_int_equal(resume_take(rs, 7, &a), RESUME_CREATED);
	assert_int_equal(resume_take(rs, 2, &a), RESUME_SEND);
	resume_free(rs);
}

static void not_a_log(void **state)
{
	(void)state;
	write_log("hello\n");
	load("v1:1:aa", false, RB_EINPUT);
	resume_free(NULL);
}

/* A log is input too: a row line no input can have is refused, saying
 * where, and the lines kept cost memory by the pages they touch, not by
 * the largest number named (2^35 once took 8 GiB). */
static void hostile_lines(void **state)
{
	struct resume *rs;
	struct usage u = u_of("a", "1", T1);

	(void)state;
	write_log(RUN("v1:1:aa")
	          ROW(34359738368, "created", "a", "1", T1, ",\"usageId\":\"u\""));
	load("v1:1:aa", false, RB_EINPUT);
	assert_non_null(strstr(err, "line 2"));
	assert_non_null(strstr(err, "34359738368"));
	write_log(RUN("v1:1:aa")
	          ROW(-5, "created", "a", "1", T1, ",\"usageId\":\"u\""));
	load("v1:1:aa", false, RB_EINPUT);
	write_log(RUN("v1:1:aa")
	          ROW(4294967295, "created", "a", "1", T1, "")
	          ROW(4294967294, "pending", "a", "1", T1, "")
	          ROW(3, "pending", "a", "1", T1, ""));
	rs = load("v1:1:aa", false, RB_OK);
	assert_int_equal(resume_take(rs, 4294967295L, &u), RESUME_CREATED);
	assert_int_equal(resume_take(rs, 4294967294L, &u), RESUME_UNKNOWN);
	assert_int_equal(resume_take(rs, 3, &u), RESUME_UNKNOWN);
	assert_int_equal(resume_take(rs, 2, &u), RESUME_SEND);
	assert_int_equal(resume_take(rs, 4294967296L, &u), RESUME_SEND);
	resume_free(rs);
}

/* --aggregate: a run line that says it, rows that name their lines */
#define RUNA(fp, agg) "{\"type\":\"run\",\"command\":\"import\"," \
	"\"input\":\"x.csv\",\"fingerprint\":\"" fp "\",\"dryRun\":false," \
	"\"options\":{\"rate\":\"auto\",\"aggregate\":\"" agg "\"}}\n"
#define T2 "2026-11-20T02:20:00.500Z"
#define T3 "2026-11-20T03:00:00Z"

static void aggregates_by_content(void **state)
{
	struct resume *rs;
	struct usage a = u_of("a", "12.5", T1), b = u_of("a", "7", T2);
	struct usage c = u_of("b", "1", T1);

	(void)state;
	write_log(RUNA("v1:1:aa", "hour")
	          ROW(2, "pending", "a", "12.5", T1, ",\"lines\":[2,5,9]")
	          ROW(2, "created", "a", "12.5", T1,
	              ",\"lines\":[2,5,9],\"usageId\":\"u2\"")
	          ROW(3, "pending", "a", "7", T2, ",\"lines\":[3,4]")
	          ROW(6, "pending", "b", "1", T1, ",\"lines\":[6]")
	          ROW(6, "refused", "b", "1", T1, ",\"lines\":[6]"));
	rs = load_agg("v1:1:aa", false, CONFIG_AGGREGATE_HOUR, RB_OK);
	/* no line means anything: the same usage by content */
	assert_int_equal(resume_take(rs, 2, &c), RESUME_SEND); /* a 4xx */
	assert_int_equal(resume_take(rs, 7, &a), RESUME_CREATED);
	assert_int_equal(resume_take(rs, 2, &a), RESUME_SEND); /* used up */
	assert_int_equal(resume_take(rs, 3, &b), RESUME_UNKNOWN);
	/* every usage of the log's buckets is matched now */
	assert_int_equal(resume_bucket_left(rs, &a), 0);
	assert_int_equal(resume_bucket_left(rs, &b), 0);
	assert_int_equal(resume_bucket_left(rs, &c), 0);
	assert_int_equal(resume_claim(rs, "u2"), 1);
	resume_free(rs);
}

static void aggregates_bucket_left(void **state)
{
	struct resume *rs;
	/* the same hour as the log's usages, other sums */
	struct usage a2 = u_of("a", "13", "2026-11-20T01:05:00Z");
	struct usage b2 = u_of("a", "7.5", T2);
	struct usage other = u_of("a", "1", T3);  /* another hour */
	struct usage sub = u_of("A", "1", T1);    /* another subscription */

	(void)state;
	/* another version of the file (--restart): a row was added to the
	 * first hour; the second hour's usage was sent, outcome unknown */
	write_log(RUNA("v1:1:aa", "hour")
	          ROW(2, "created", "a", "12.5", T1,
	              ",\"lines\":[2,5,9],\"usageId\":\"u2\"")
	          ROW(3, "pending", "a", "7", T2, ",\"lines\":[3,4]"));
	rs = load_agg("v1:2:bb", true, CONFIG_AGGREGATE_HOUR, RB_OK);
	assert_int_equal(resume_take(rs, 2, &a2), RESUME_SEND);
	assert_int_equal(resume_take(rs, 3, &b2), RESUME_SEND);
	assert_int_equal(resume_take(rs, 4, &other), RESUME_SEND);
	assert_int_equal(resume_take(rs, 5, &sub), RESUME_SEND);
	/* a created and an unknown usage hold those hours */
	assert_int_equal(resume_bucket_left(rs, &a2), 1);
	assert_int_equal(resume_bucket_left(rs, &b2), 1);
	assert_int_equal(resume_bucket_left(rs, &other), 0);
	assert_int_equal(resume_bucket_left(rs, &sub), 0);
	resume_free(rs);

	/* with day buckets both usages are one bucket's */
	write_log(RUNA("v1:1:aa", "day")
	          ROW(2, "created", "a", "12.5", T1,
	              ",\"lines\":[2,5,9],\"usageId\":\"u2\"")
	          ROW(3, "created", "a", "7", T2,
	              ",\"lines\":[3,4],\"usageId\":\"u3\""));
	rs = load_agg("v1:2:bb", true, CONFIG_AGGREGATE_DAY, RB_OK);
	assert_int_equal(resume_bucket_left(rs, &other), 2);
	b2 = u_of("a", "7", T2);
	assert_int_equal(resume_take(rs, 3, &b2), RESUME_CREATED);
	assert_int_equal(resume_bucket_left(rs, &other), 1);
	resume_free(rs);

	/* one first line, two usages (a run with other options): a pending
	 * usage stays unknown though a created one shares its line */
	write_log(RUNA("v1:1:aa", "hour")
	          ROW(2, "pending", "a", "12.5", T1, ",\"lines\":[2,5,9]")
	          RUNA("v1:1:aa", "hour")
	          ROW(2, "created", "a", "13", T1,
	              ",\"lines\":[2,5],\"usageId\":\"u2\""));
	rs = load_agg("v1:1:aa", false, CONFIG_AGGREGATE_HOUR, RB_OK);
	a2 = u_of("a", "12.5", T1);
	assert_int_equal(resume_bucket_left(rs, &a2), 2);
	assert_int_equal(resume_take(rs, 2, &a2), RESUME_UNKNOWN);
	resume_free(rs);
}

static void aggregate_mismatch_refused(void **state)
{
	struct resume *rs;
	char want[1600];

	(void)state;
	write_log(RUN("v1:1:aa")
	          ROW(2, "rejected", "a", "12.5", T1, "")
	          RUNA("v1:1:aa", "hour")
	          ROW(3, "pending", "a", "12.5", T1, ",\"lines\":[3,5,9]"));
	/* the usage was sent with --aggregate hour: another bucketing, or
	 * none, could send its rows again, --restart or not */
	load_agg("v1:1:aa", false, CONFIG_AGGREGATE_NONE, RB_EUSAGE);
	load_agg("v1:1:aa", false, CONFIG_AGGREGATE_DAY, RB_EUSAGE);
	load_agg("v1:2:bb", true, CONFIG_AGGREGATE_MINUTE, RB_EUSAGE);
	snprintf(want, sizeof(want),
	         "result log '%s' holds usages sent with --aggregate hour (log "
	         "line 4), but this run has --aggregate minute: rows cannot be "
	         "matched to usages of another bucketing, so some could be "
	         "billed twice; run it with --aggregate hour to resume, or give "
	         "--log NEW_PATH to start afresh (after 'rbusage undo %s' if "
	         "those usages are to go)", path, path);
	assert_string_equal(err, want);
	rs = load_agg("v1:1:aa", false, CONFIG_AGGREGATE_HOUR, RB_OK);
	resume_free(rs);

	/* rows sent one by one, resumed with --aggregate */
	write_log(RUN("v1:1:aa")
	          ROW(2, "created", "a", "1", T1, ",\"usageId\":\"u2\""));
	load_agg("v1:1:aa", false, CONFIG_AGGREGATE_DAY, RB_EUSAGE);
	snprintf(want, sizeof(want),
	         "result log '%s' holds usages sent one per row (without "
	         "--aggregate) (log line 2), but this run has --aggregate day: "
	         "rows cannot be matched to usages of another bucketing, so some "
	         "could be billed twice; run it without --aggregate to resume, "
	         "or give --log NEW_PATH to start afresh (after 'rbusage undo "
	         "%s' if those usages are to go)", path, path);
	assert_string_equal(err, want);
	rs = load("v1:1:aa", false, RB_OK);
	resume_free(rs);

	/* a run that sent nothing binds nothing; nor does a dry run */
	write_log(RUNA("v1:1:aa", "day")
	          ROW(2, "rejected", "a", "1", T1, "")
	          "{\"type\":\"run\",\"fingerprint\":\"v1:1:aa\","
	          "\"dryRun\":true,\"options\":{\"aggregate\":\"minute\"}}\n"
	          ROW(3, "rejected", "a", "1", T1, ""));
	rs = load("v1:1:aa", false, RB_OK);
	resume_free(rs);
}

static int setup(void **state)
{
	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/x.results.jsonl", dir);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	unlink(path);
	rmdir(dir);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(no_log),
		cmocka_unit_test(same_input_by_line),
		cmocka_unit_test(other_version_refused_or_by_content),
		cmocka_unit_test(skipped_on_server),
		cmocka_unit_test(stdin_by_content),
		cmocka_unit_test(not_a_log),
		cmocka_unit_test(hostile_lines),
		cmocka_unit_test(aggregates_by_content),
		cmocka_unit_test(aggregates_bucket_left),
		cmocka_unit_test(aggregate_mismatch_refused),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
