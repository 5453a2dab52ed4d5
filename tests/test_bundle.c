/* bundle: --aggregate's usages come out once each, in first-line order, with
 * what to do: send, skip (created by an earlier run), look up first (sent,
 * outcome unknown), or reject every row (a sum past 15 digits; a usage the
 * log holds for the bucket that this run's usage does not match). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "bundle.h"

static char dir[] = "/tmp/test_bundle.XXXXXX";
static char path[512];

/* A checked usage at hh:mm:ss on 2026-11-20 UTC. */
static struct usage mk(long line, const char *id, const char *qty, int hh,
                       int mm, int ss)
{
	struct usage u;

	memset(&u, 0, sizeof(u));
	u.line = line;
	snprintf(u.subscription_id, sizeof(u.subscription_id), "%s", id);
	snprintf(u.quantity, sizeof(u.quantity), "%s", qty);
	snprintf(u.usage_time, sizeof(u.usage_time),
	         "2026-11-20T%02d:%02d:%02dZ", hh, mm, ss);
	/* 2026-11-20T00:00:00Z */
	u.usage_time_ms = 1795132800000LL + ((hh * 60 + mm) * 60 + ss) * 1000LL;
	u.accept_partial = -1;
	return u;
}

static void add(struct bundle *b, long line, const char *id, const char *qty,
                int hh, int mm, int ss)
{
	struct usage u = mk(line, id, qty, hh, mm, ss);

	assert_int_equal(bundle_add(b, &u), RB_OK);
}

static void next(struct bundle *b, enum bundle_action want, long first,
                 const char *qty, size_t nlines)
{
	struct bundle_item it;

	assert_true(bundle_next(b, &it));
	assert_int_equal(it.action, want);
	assert_int_equal(it.g->usage.line, first);
	assert_string_equal(it.g->usage.quantity, qty);
	assert_int_equal(it.g->nlines, nlines);
	if (want == BUNDLE_REJECT)
		assert_non_null(it.why);
	else
		assert_null(it.why);
}

/* bundle_each_sent's usages as "line:quantity ..." */
static enum rb_status collect(void *ctx, const struct usage *u, char *err,
                              size_t errlen)
{
	char *out = ctx;

	(void)err;
	(void)errlen;
	snprintf(out + strlen(out), 200 - strlen(out), "%s%ld:%s",
	         *out ? " " : "", u->line, u->quantity);
	return RB_OK;
}

static void dry_run_order_window_and_sums(void **state)
{
	struct bundle *b = bundle_new(CONFIG_AGGREGATE_HOUR);
	struct bundle_item it;
	unsigned long usages, rejected;
	char seen[200] = "";
	int64_t lo, hi;

	(void)state;
	assert_non_null(b);
	assert_false(bundle_window(b, &lo, &hi));
	add(b, 2, "a", "1.5", 10, 5, 0);
	add(b, 3, "b", "999999999999999", 10, 0, 0);
	add(b, 4, "a", "2.25", 10, 59, 59);
	add(b, 5, "b", "1", 10, 30, 0);  /* 16 digits now: rejected */
	add(b, 6, "a", "1", 11, 0, 0);   /* the next hour */
	assert_true(bundle_window(b, &lo, &hi));
	assert_true(lo == 1795132800000LL + 36000000LL);
	assert_true(hi == 1795132800000LL + 39600000LL);
	assert_null(bundle_at(b, 2)); /* not before ready */
	/* none before ready, then not the sum too large */
	assert_int_equal(bundle_each_sent(b, collect, seen, NULL, 0), RB_OK);
	assert_string_equal(seen, "");
	assert_int_equal(bundle_ready(b, NULL, &usages, &rejected), RB_OK);
	assert_int_equal(bundle_each_sent(b, collect, seen, NULL, 0), RB_OK);
	assert_string_equal(seen, "2:3.75 6:1");
	assert_int_equal(usages, 2);
	assert_int_equal(rejected, 2);
	assert_int_equal(bundle_rows_left(b), 5);
	next(b, BUNDLE_SEND, 2, "3.75", 2);
	assert_int_equal(bundle_rows_left(b), 3);
	assert_true(bundle_next(b, &it));
	assert_int_equal(it.action, BUNDLE_REJECT);
	assert_int_equal(it.g->usage.line, 3);
	assert_string_equal(it.why, it.g->reject);
	assert_non_null(strstr(it.why, "sum to 1000000000000000, over 15"));
	next(b, BUNDLE_SEND, 6, "1", 1);
	assert_false(bundle_next(b, &it));
	assert_int_equal(bundle_rows_left(b), 0);
	/* the usage of each first line, for flight's hooks */
	assert_string_equal(bundle_at(b, 2)->usage.quantity, "3.75");
	assert_string_equal(bundle_at(b, 6)->usage.quantity, "1");
	assert_int_equal(bundle_at(b, 3)->nlines, 2);
	assert_null(bundle_at(b, 4)); /* not a first line */
	assert_null(bundle_at(b, 1));
	assert_null(bundle_at(b, 7));
	bundle_free(b);
	bundle_free(NULL);
}

static void write_log(const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

#define RUNA "{\"type\":\"run\",\"command\":\"import\",\"fingerprint\":" \
	"\"v1:1:aa\",\"dryRun\":false,\"options\":{\"aggregate\":\"hour\"}}\n"
#define ROW(line, status, sid, q, t, extra) "{\"type\":\"row\",\"line\":" \
	#line ",\"status\":\"" status "\",\"subscriptionId\":\"" sid         \
	"\",\"quantity\":" q ",\"usageTime\":\"" t "\"" extra "}\n"

static void what_the_log_says(void **state)
{
	struct resume *rs = NULL;
	struct bundle *b = bundle_new(CONFIG_AGGREGATE_HOUR);
	struct bundle_item it;
	unsigned long usages, rejected;
	char err[600], seen[200] = "";

	(void)state;
	/* an earlier run: a's 10:00 usage created, b's sent with no answer,
	 * c's 10:00 usage created with a sum this run does not have */
	write_log(RUNA
	          ROW(2, "created", "a", "3.75", "2026-11-20T10:05:00Z",
	              ",\"lines\":[2,4],\"usageId\":\"u1\"")
	          ROW(3, "pending", "b", "7", "2026-11-20T10:00:00Z",
	              ",\"lines\":[3]")
	          ROW(5, "created", "c", "2", "2026-11-20T10:10:00Z",
	              ",\"lines\":[5],\"usageId\":\"u2\""));
	assert_int_equal(resume_load(path, "x.csv", "v1:1:aa", false,
	                             CONFIG_AGGREGATE_HOUR, &rs, err,
	                             sizeof(err)),
	                 RB_OK);
	add(b, 2, "a", "1.5", 10, 5, 0);
	add(b, 3, "b", "7", 10, 0, 0);
	add(b, 4, "a", "2.25", 10, 59, 59);
	add(b, 5, "c", "2", 10, 10, 0);
	add(b, 6, "c", "1", 10, 11, 0); /* appended to c's hour */
	add(b, 7, "c", "1", 11, 0, 0);  /* a new hour */
	assert_int_equal(bundle_ready(b, rs, &usages, &rejected), RB_OK);
	/* what --skip-existing reserves for: not the usage created before */
	assert_int_equal(bundle_each_sent(b, collect, seen, NULL, 0), RB_OK);
	assert_string_equal(seen, "3:7 5:3 7:1");
	assert_int_equal(usages, 4);
	assert_int_equal(rejected, 0);
	next(b, BUNDLE_SKIP, 2, "3.75", 2);
	next(b, BUNDLE_LOOKUP, 3, "7", 1);
	assert_true(bundle_next(b, &it));
	assert_int_equal(it.action, BUNDLE_REJECT);
	assert_int_equal(it.g->nlines, 2);
	assert_string_equal(
		it.why,
		"--aggregate hour: the result log has a usage of subscription c "
		"for the hour of 2026-11-20T10:00Z, sent by an earlier run, and "
		"this run's rows of it (sum 3 from 2026-11-20T10:10:00Z) are not "
		"that usage (the file or the options changed): not sent, so "
		"nothing is billed twice; undo the earlier usage and import "
		"again, or send the difference by hand");
	next(b, BUNDLE_SEND, 7, "1", 1);
	assert_false(bundle_next(b, &it));
	bundle_free(b);
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
		cmocka_unit_test(dry_run_order_window_and_sums),
		cmocka_unit_test(what_the_log_says),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
