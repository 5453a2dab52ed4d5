/* aggregate: buckets by subscription, acceptPartialQuantity and UTC
 * minute/hour/day; exact decimal sums; the earliest usageTime; the lines of
 * each usage; sums past 15 digits rejected with a reason; the row cap per
 * usage; stable order; memory. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "aggregate.h"

/* Milliseconds since 1970 of a UTC civil time (H. Hinnant's days_from_civil). */
static int64_t utc_ms(int y, int m, int d, int hh, int mm, int ss, int ms)
{
	int64_t era, yoe, doy, doe, days;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	days = era * 146097 + doe - 719468;
	return ((days * 24 + hh) * 60 + mm) * 60000 + ss * 1000 + ms;
}

/* A checked usage; time is "YYYY-MM-DDTHH:MM:SS[.fff]Z". */
static struct usage mk(long line, const char *id, const char *qty,
                       const char *time, int partial)
{
	struct usage u;
	int y, mo, d, h, mi, s, ms = 0;

	memset(&u, 0, sizeof(u));
	u.line = line;
	snprintf(u.subscription_id, sizeof(u.subscription_id), "%s", id);
	snprintf(u.quantity, sizeof(u.quantity), "%s", qty);
	snprintf(u.usage_time, sizeof(u.usage_time), "%s", time);
	assert_true(sscanf(time, "%d-%d-%dT%d:%d:%d.%d", &y, &mo, &d, &h, &mi,
	                   &s, &ms) >= 6);
	u.usage_time_ms = utc_ms(y, mo, d, h, mi, s, ms);
	u.accept_partial = partial;
	return u;
}

static void add(struct aggregate *a, long line, const char *id,
                const char *qty, const char *time, int partial)
{
	struct usage u = mk(line, id, qty, time, partial);

	assert_int_equal(aggregate_add(a, &u), RB_OK);
}

static void expect(const struct aggregate_usage *g, const char *id,
                   const char *qty, const char *time, int partial,
                   const long *lines, size_t n)
{
	size_t i;

	assert_non_null(g);
	assert_string_equal(g->usage.subscription_id, id);
	assert_string_equal(g->usage.quantity, qty);
	assert_string_equal(g->usage.usage_time, time);
	assert_int_equal(g->usage.accept_partial, partial);
	assert_null(g->reject);
	assert_int_equal(g->nlines, n);
	for (i = 0; i < n; i++)
		assert_int_equal(g->lines[i], lines[i]);
	assert_int_equal(g->usage.line, lines[0]);
}

static void hourly_buckets_and_exact_sums(void **state)
{
	struct aggregate *a = aggregate_new(CONFIG_AGGREGATE_HOUR);
	static const long l1[] = {2, 3, 6}, l2[] = {4}, l3[] = {5, 7};

	(void)state;
	add(a, 2, "sub_a", "0.1", "2025-03-14T10:15:00Z", -1);
	add(a, 3, "sub_a", "0.2", "2025-03-14T10:59:59.999Z", -1);
	add(a, 4, "sub_a", "1", "2025-03-14T11:00:00Z", -1); /* the next hour */
	add(a, 5, "sub_b", "5.25", "2025-03-14T10:30:00Z", -1);
	add(a, 6, "sub_a", "0.7", "2025-03-14T10:00:00Z", -1); /* the earliest */
	add(a, 7, "sub_b", "0.001", "2025-03-14T10:45:00.5Z", -1);
	assert_int_equal(aggregate_rows(a), 6);
	assert_int_equal(aggregate_count(a), 3);
	assert_null(aggregate_get(a, 0)); /* not before the end */
	aggregate_finish(a);
	/* 0.1 + 0.2 + 0.7 is 1 exactly, in canonical form */
	expect(aggregate_get(a, 0), "sub_a", "1", "2025-03-14T10:00:00Z", -1, l1, 3);
	expect(aggregate_get(a, 1), "sub_a", "1", "2025-03-14T11:00:00Z", -1, l2, 1);
	expect(aggregate_get(a, 2), "sub_b", "5.251", "2025-03-14T10:30:00Z", -1,
	       l3, 2);
	assert_true(aggregate_get(a, 0)->bucket_ms ==
	            utc_ms(2025, 3, 14, 10, 0, 0, 0));
	assert_null(aggregate_get(a, 3));
	aggregate_free(a);
}

static void minute_and_day(void **state)
{
	struct aggregate *m = aggregate_new(CONFIG_AGGREGATE_MINUTE);
	struct aggregate *d = aggregate_new(CONFIG_AGGREGATE_DAY);
	static const char *const t[] = {
		"2025-12-31T23:59:00Z", "2025-12-31T23:59:59.999Z",
		"2026-01-01T00:00:00Z", "2026-01-01T23:59:59Z",
	};
	static const long l01[] = {1, 2}, l2[] = {3}, l3[] = {4}, l23[] = {3, 4};
	long i;

	(void)state;
	for (i = 0; i < 4; i++) {
		add(m, i + 1, "s", "2", t[i], 1);
		add(d, i + 1, "s", "2", t[i], 1);
	}
	aggregate_finish(m);
	aggregate_finish(d);
	assert_int_equal(aggregate_count(m), 3);
	expect(aggregate_get(m, 0), "s", "4", t[0], 1, l01, 2);
	expect(aggregate_get(m, 1), "s", "2", t[2], 1, l2, 1);
	expect(aggregate_get(m, 2), "s", "2", t[3], 1, l3, 1);
	/* midnight UTC starts a new day */
	assert_int_equal(aggregate_count(d), 2);
	expect(aggregate_get(d, 0), "s", "4", t[0], 1, l01, 2);
	expect(aggregate_get(d, 1), "s", "4", t[2], 1, l23, 2);
	aggregate_free(m);
	aggregate_free(d);
	assert_null(aggregate_new(CONFIG_AGGREGATE_NONE));
	aggregate_free(NULL);
}

static void before_1970_floors(void **state)
{
	struct aggregate *a = aggregate_new(CONFIG_AGGREGATE_HOUR);

	(void)state;
	add(a, 1, "s", "1", "1969-12-31T23:30:00Z", -1);
	add(a, 2, "s", "1", "1969-12-31T23:59:59.999Z", -1);
	add(a, 3, "s", "1", "1970-01-01T00:00:00Z", -1);
	aggregate_finish(a);
	assert_int_equal(aggregate_count(a), 2);
	assert_true(aggregate_get(a, 0)->bucket_ms == -3600000);
	assert_string_equal(aggregate_get(a, 0)->usage.quantity, "2");
	assert_true(aggregate_get(a, 1)->bucket_ms == 0);
	aggregate_free(a);
}

static void accept_partial_is_part_of_the_key(void **state)
{
	struct aggregate *a = aggregate_new(CONFIG_AGGREGATE_DAY);
	static const long la[] = {1, 2}, lb[] = {3, 5}, lc[] = {4};

	(void)state;
	/* absent and false mean the same to Rebilly: one bucket */
	add(a, 1, "s", "1", "2025-03-14T10:00:00Z", -1);
	add(a, 2, "s", "1", "2025-03-14T11:00:00Z", 0);
	add(a, 3, "s", "1", "2025-03-14T12:00:00Z", 1);
	add(a, 4, "t", "1", "2025-03-14T12:00:00Z", -1);
	add(a, 5, "s", "1", "2025-03-14T13:00:00Z", 1);
	aggregate_finish(a);
	assert_int_equal(aggregate_count(a), 3);
	/* one row said false: the usage says false */
	expect(aggregate_get(a, 0), "s", "2", "2025-03-14T10:00:00Z", 0, la, 2);
	expect(aggregate_get(a, 1), "s", "2", "2025-03-14T12:00:00Z", 1, lb, 2);
	expect(aggregate_get(a, 2), "t", "1", "2025-03-14T12:00:00Z", -1, lc, 1);
	aggregate_free(a);
}

static void sums_exactly_at_the_limits(void **state)
{
	struct aggregate *a = aggregate_new(CONFIG_AGGREGATE_DAY);
	const struct aggregate_usage *g;

	(void)state;
	/* 15 digits: fine */
	add(a, 1, "a", "999999999999.999", "2025-03-14T00:00:00Z", -1);
	add(a, 2, "a", "0.001", "2025-03-14T00:00:00Z", -1);
	add(a, 3, "b", "99999999999999.9", "2025-03-14T00:00:00Z", -1);
	add(a, 4, "b", "0.09", "2025-03-14T00:00:00Z", -1);
	add(a, 5, "c", "0.5", "2025-03-14T00:00:00Z", -1);
	add(a, 6, "c", "0.5", "2025-03-14T00:00:01Z", -1);
	add(a, 7, "d", "0.001", "2025-03-14T00:00:00Z", -1);
	add(a, 8, "d", "0.004", "2025-03-14T00:00:00Z", -1);
	/* 16 digits: rejected, every row, with the sum in the reason */
	add(a, 9, "e", "99999999999999.9", "2025-03-14T00:00:00Z", -1);
	add(a, 10, "e", "0.2", "2025-03-14T05:00:00Z", -1);
	/* far past: the sum stays at the limit, never wraps */
	add(a, 11, "f", "999999999999999", "2025-03-14T00:00:00Z", -1);
	add(a, 12, "f", "999999999999999", "2025-03-14T00:00:00Z", -1);
	add(a, 13, "f", "999999999999999", "2025-03-14T00:00:00Z", -1);
	aggregate_finish(a);
	assert_string_equal(aggregate_get(a, 0)->usage.quantity, "1000000000000");
	assert_null(aggregate_get(a, 0)->reject);
	assert_string_equal(aggregate_get(a, 1)->usage.quantity, "99999999999999.99");
	assert_non_null(aggregate_get(a, 1)->reject); /* 16 digits */
	assert_string_equal(aggregate_get(a, 2)->usage.quantity, "1");
	assert_string_equal(aggregate_get(a, 3)->usage.quantity, "0.005");
	assert_null(aggregate_get(a, 3)->reject);
	g = aggregate_get(a, 4);
	assert_string_equal(g->usage.quantity, "100000000000000.1");
	assert_string_equal(g->reject,
	                    "--aggregate day: the 2 rows of subscription e in the "
	                    "day of 2025-03-14 sum to 100000000000000.1, over 15 "
	                    "significant digits; send them without --aggregate");
	assert_int_equal(g->nlines, 2);
	g = aggregate_get(a, 5);
	assert_string_equal(g->reject,
	                    "--aggregate day: the 3 rows of subscription f in the "
	                    "day of 2025-03-14 sum to 1000000000000000 or more, "
	                    "over 15 significant digits; send them without "
	                    "--aggregate");
	aggregate_free(a);
}

static void reason_names_the_hour(void **state)
{
	struct aggregate *a = aggregate_new(CONFIG_AGGREGATE_HOUR);

	(void)state;
	add(a, 8, "sub-1", "999999999999999", "2025-03-14T10:20:00Z", -1);
	add(a, 9, "sub-1", "1", "2025-03-14T10:21:00Z", -1);
	aggregate_finish(a);
	assert_string_equal(aggregate_get(a, 0)->reject,
	                    "--aggregate hour: the 2 rows of subscription sub-1 "
	                    "in the hour of 2025-03-14T10:00Z sum to "
	                    "1000000000000000, over 15 significant digits; send "
	                    "them without --aggregate");
	aggregate_free(a);
}

static void bad_usages_are_refused(void **state)
{
	static const char *const bad[] = {
		"", "abc", "1.", ".5", "1.2345", "-1", "1e3", "1 ", "1000000000000000",
		"1.5.5",
	};
	struct aggregate *a = aggregate_new(CONFIG_AGGREGATE_HOUR);
	struct usage u;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		u = mk(1, "s", "1", "2025-03-14T10:00:00Z", -1);
		snprintf(u.quantity, sizeof(u.quantity), "%s", bad[i]);
		assert_int_equal(aggregate_add(a, &u), RB_EINPUT);
	}
	u = mk(1, "s", "1", "2025-03-14T10:00:00Z", -1);
	u.usage_time[0] = 0; /* a stamped time not applied */
	assert_int_equal(aggregate_add(a, &u), RB_EINPUT);
	u = mk(1, "", "1", "2025-03-14T10:00:00Z", -1);
	assert_int_equal(aggregate_add(a, &u), RB_EINPUT);
	assert_int_equal(aggregate_rows(a), 0);
	aggregate_finish(a);
	u = mk(1, "s", "1", "2025-03-14T10:00:00Z", -1);
	assert_int_equal(aggregate_add(a, &u), RB_EINPUT); /* after the end */
	assert_int_equal(aggregate_count(a), 0);
	aggregate_free(a);
}

static void a_full_bucket_goes_as_several_usages(void **state)
{
	struct aggregate *a = aggregate_new(CONFIG_AGGREGATE_DAY);
	const struct aggregate_usage *g;
	long i;

	(void)state;
	for (i = 0; i < AGGREGATE_ROWS_MAX + 5; i++) {
		char t[64];

		snprintf(t, sizeof(t), "2025-03-14T%02ld:%02ld:%02ldZ", 23 - i / 3600,
		         59 - i / 60 % 60, 59 - i % 60);
		add(a, i + 2, "big", "0.001", t, -1);
	}
	add(a, AGGREGATE_ROWS_MAX + 100, "other", "1", "2025-03-14T00:00:00Z", -1);
	aggregate_finish(a);
	assert_int_equal(aggregate_count(a), 3);
	g = aggregate_get(a, 0);
	assert_int_equal(g->nlines, AGGREGATE_ROWS_MAX);
	assert_string_equal(g->usage.quantity, "10");
	assert_int_equal(g->lines[0], 2);
	assert_int_equal(g->lines[AGGREGATE_ROWS_MAX - 1], AGGREGATE_ROWS_MAX + 1);
	/* the earliest of its own rows (times fall as lines rise) */
	assert_string_equal(g->usage.usage_time, "2025-03-14T21:13:20Z");
	g = aggregate_get(a, 1);
	assert_int_equal(g->nlines, 5);
	assert_string_equal(g->usage.quantity, "0.005");
	assert_int_equal(g->usage.line, AGGREGATE_ROWS_MAX + 2);
	assert_string_equal(g->usage.usage_time, "2025-03-14T21:13:15Z");
	assert_string_equal(aggregate_get(a, 2)->usage.subscription_id, "other");
	aggregate_free(a);
}

static void order_is_by_first_line(void **state)
{
	struct aggregate *a = aggregate_new(CONFIG_AGGREGATE_HOUR);
	static const long lz[] = {3, 8}, ly[] = {5, 9};

	(void)state;
	/* fed out of order: lines come back ascending, usages by first line */
	add(a, 9, "y", "1", "2025-03-14T10:00:00Z", -1);
	add(a, 8, "z", "1", "2025-03-14T10:00:00Z", -1);
	add(a, 3, "z", "1", "2025-03-14T10:00:00Z", -1);
	add(a, 5, "y", "1", "2025-03-14T10:00:00Z", -1);
	aggregate_finish(a);
	aggregate_finish(a); /* twice is harmless */
	expect(aggregate_get(a, 0), "z", "2", "2025-03-14T10:00:00Z", -1, lz, 2);
	expect(aggregate_get(a, 1), "y", "2", "2025-03-14T10:00:00Z", -1, ly, 2);
	aggregate_free(a);
}

/* The backfill: 6,000 rows over 10 subscriptions and 2 days, hourly:
 * one usage per subscription and hour, each the exact sum of its rows. */
static void backfill_hourly(void **state)
{
	struct aggregate *a = aggregate_new(CONFIG_AGGREGATE_HOUR);
	static int64_t want[10][48]; /* thousandths */
	static size_t rows[10][48];
	long i;
	size_t k;

	(void)state;
	memset(want, 0, sizeof(want));
	memset(rows, 0, sizeof(rows));
	for (i = 0; i < 6000; i++) {
		int sub = (int)(i % 10), hour = (int)(i * 48 / 6000);
		int sec = (int)(i * 48 % 6000) * 3600 / 6000;
		int64_t milli = 1 + (i * 7919) % 50000; /* 0.001 .. 50 */
		char id[32], q[48], t[64];

		snprintf(id, sizeof(id), "sub_%d", sub);
		snprintf(q, sizeof(q), "%lld.%03lld", (long long)(milli / 1000),
		         (long long)(milli % 1000));
		/* canonical: drop trailing zeros and a bare point */
		while (strchr(q, '.') && q[strlen(q) - 1] == '0')
			q[strlen(q) - 1] = 0;
		if (q[strlen(q) - 1] == '.')
			q[strlen(q) - 1] = 0;
		snprintf(t, sizeof(t), "2025-03-%02dT%02d:%02d:%02dZ", 14 + hour / 24,
		         hour % 24, sec / 60, sec % 60);
		add(a, i + 2, id, q, t, -1);
		want[sub][hour] += milli;
		rows[sub][hour]++;
	}
	aggregate_finish(a);
	assert_int_equal(aggregate_rows(a), 6000);
	assert_int_equal(aggregate_count(a), 480);
	for (k = 0; k < aggregate_count(a); k++) {
		const struct aggregate_usage *g = aggregate_get(a, k);
		int sub = atoi(g->usage.subscription_id + 4);
		int hour = (int)((g->bucket_ms - utc_ms(2025, 3, 14, 0, 0, 0, 0)) /
		                 3600000);
		char q[32];
		int64_t w = want[sub][hour];

		assert_in_range(hour, 0, 47);
		snprintf(q, sizeof(q), "%lld.%03lld", (long long)(w / 1000),
		         (long long)(w % 1000));
		while (q[strlen(q) - 1] == '0')
			q[strlen(q) - 1] = 0;
		if (q[strlen(q) - 1] == '.')
			q[strlen(q) - 1] = 0;
		assert_string_equal(g->usage.quantity, q);
		assert_int_equal(g->nlines, rows[sub][hour]);
		assert_null(g->reject);
		if (k)
			assert_true(g->usage.line > aggregate_get(a, k - 1)->usage.line);
	}
	aggregate_free(a);
}

static void memory_is_per_usage_and_row(void **state)
{
	struct aggregate *a = aggregate_new(CONFIG_AGGREGATE_MINUTE);
	size_t bytes;
	long i;

	(void)state;
	/* 100,000 buckets of one row, then 100,000 rows in one bucket's parts */
	for (i = 0; i < 100000; i++) {
		char id[32];

		snprintf(id, sizeof(id), "s%ld", i);
		add(a, i + 2, id, "1", "2025-03-14T10:00:00Z", -1);
	}
	assert_true(aggregate_bytes(a) <= (AGGREGATE_USAGE_BYTES + 8) * 100000);
	for (i = 0; i < 100000; i++)
		add(a, 100002 + i, "one", "1", "2025-03-14T10:00:00Z", -1);
	aggregate_finish(a);
	assert_int_equal(aggregate_count(a), 100000 + 10);
	bytes = aggregate_bytes(a);
	assert_true(bytes <= AGGREGATE_USAGE_BYTES * aggregate_count(a) +
	                         16 * aggregate_rows(a));
	aggregate_free(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(hourly_buckets_and_exact_sums),
		cmocka_unit_test(minute_and_day),
		cmocka_unit_test(before_1970_floors),
		cmocka_unit_test(accept_partial_is_part_of_the_key),
		cmocka_unit_test(sums_exactly_at_the_limits),
		cmocka_unit_test(reason_names_the_hour),
		cmocka_unit_test(bad_usages_are_refused),
		cmocka_unit_test(a_full_bucket_goes_as_several_usages),
		cmocka_unit_test(order_is_by_first_line),
		cmocka_unit_test(backfill_hourly),
		cmocka_unit_test(memory_is_per_usage_and_row),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
