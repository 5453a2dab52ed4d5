/* Token bucket, 429 pause and --reserve slowdown over simulated time. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "throttle.h"

/* Drives t like the sender does: ask, and when told to wait, come back after
 * exactly that long plus late_ms (a sender never wakes early). Records the
 * time of every take in sent[] (up to max) and returns how many. */
static size_t simulate(struct throttle *t, int64_t start_ms, int64_t end_ms,
                       int64_t late_ms, int64_t *sent, size_t max)
{
	int64_t now = start_ms;
	size_t n = 0;

	while (now < end_ms && n < max) {
		int64_t w = throttle_take(t, now);

		if (w == 0)
			sent[n++] = now;
		else
			now += w + late_ms;
	}
	return n;
}

/* The most takes in any closed window [x, x + width_ms]. */
static size_t max_in_window(const int64_t *sent, size_t n, int64_t width_ms)
{
	size_t i, j = 0, best = 0;

	for (i = 0; i < n; i++) {
		while (sent[i] - sent[j] > width_ms)
			j++;
		if (i - j + 1 > best)
			best = i - j + 1;
	}
	return best;
}

static void rate_holds_over_ten_seconds(void **state)
{
	static int64_t sent[1000];
	int64_t late;

	(void)state;
	/* On time, and waking up to 3 ms late each time (poll granularity). */
	for (late = 0; late <= 3; late++) {
		struct throttle t;
		size_t n;

		throttle_init(&t, 30, 20, 1000);
		n = simulate(&t, 1000, 11000, late, sent, 1000);
		/* 300 expected; within 2% */
		assert_in_range(n, 294, 306);
		assert_true(max_in_window(sent, n, 1000) <= 31);
	}
}

static void slow_and_fractional_rates(void **state)
{
	static int64_t sent[1000];
	struct throttle t;
	size_t n;

	(void)state;
	throttle_init(&t, 0.5, 0, 0);
	n = simulate(&t, 0, 60000, 1, sent, 1000);
	assert_in_range(n, 29, 31);
	assert_true(max_in_window(sent, n, 1000) <= 1);

	throttle_init(&t, 5, 0, 0);
	n = simulate(&t, 0, 60000, 2, sent, 1000);
	assert_in_range(n, 294, 306);
	assert_true(max_in_window(sent, n, 1000) <= 6);
}

static void burst_is_one_after_idle(void **state)
{
	struct throttle t;
	int64_t w;

	(void)state;
	throttle_init(&t, 30, 0, 0);
	/* a long idle spell does not bank more than one request's worth */
	assert_int_equal(throttle_take(&t, 60000), 0);
	w = throttle_take(&t, 60000);
	assert_true(w > 0);
	assert_true(w <= 34);
	assert_int_equal(throttle_take(&t, 60000 + w), 0);
	assert_true(throttle_take(&t, 60000 + w) > 0);
}

static void wait_does_not_take(void **state)
{
	struct throttle t;

	(void)state;
	throttle_init(&t, 1, 0, 0);
	assert_int_equal(throttle_wait_ms(&t, 0), 0);
	assert_int_equal(throttle_wait_ms(&t, 0), 0);
	assert_int_equal(throttle_take(&t, 0), 0);
	assert_int_equal(throttle_wait_ms(&t, 0), 500); /* half a token left */
	assert_int_equal(throttle_take(&t, 500), 0);
}

static void pause_stops_everything(void **state)
{
	struct throttle t;

	(void)state;
	throttle_init(&t, 100, 0, 0);
	throttle_pause_until(&t, 5000);
	assert_int_equal(throttle_take(&t, 1000), 4000);
	assert_int_equal(throttle_take(&t, 4999), 1);
	/* a shorter pause does not cut the longer one short */
	throttle_pause_until(&t, 2000);
	assert_int_equal(throttle_take(&t, 3000), 2000);
	assert_int_equal(throttle_take(&t, 5000), 0);
}

static void reserve_slows_down_proportionally(void **state)
{
	struct throttle t;

	(void)state;
	throttle_init(&t, 10, 20, 0);
	assert_true(throttle_rate(&t) == 10);

	throttle_observe(&t, "100", "50", 0); /* above the 20% reserve */
	assert_true(throttle_rate(&t) == 10);
	throttle_observe(&t, "100", "20", 0); /* exactly at it */
	assert_true(throttle_rate(&t) == 10);
	throttle_observe(&t, "100", "10", 0); /* half the reserve left */
	assert_true(throttle_rate(&t) > 4.99 && throttle_rate(&t) < 5.01);
	throttle_observe(&t, "100", "1", 0);
	assert_true(throttle_rate(&t) > 0.49 && throttle_rate(&t) < 0.51);
	/* drained: a trickle, never a stop */
	throttle_observe(&t, "100", "0", 0);
	assert_true(throttle_rate(&t) == THROTTLE_MIN_RATE);
	assert_true(throttle_take(&t, 100000) == 0);
	assert_true(throttle_take(&t, 100000) <= 5000);
	/* the window reset: full speed again */
	throttle_observe(&t, "100", "100", 0);
	assert_true(throttle_rate(&t) == 10);
}

static void slowed_rate_is_what_the_bucket_uses(void **state)
{
	static int64_t sent[1000];
	struct throttle t;
	size_t n;

	(void)state;
	throttle_init(&t, 10, 50, 0);
	throttle_observe(&t, "1000", "250", 0); /* half the 50% reserve: 5/s */
	n = simulate(&t, 0, 10000, 0, sent, 1000);
	assert_in_range(n, 49, 52);
}

static void reserve_zero_never_slows(void **state)
{
	struct throttle t;

	(void)state;
	throttle_init(&t, 10, 0, 0);
	throttle_observe(&t, "100", "0", 0);
	assert_true(throttle_rate(&t) == 10);
}

static void rate_below_the_floor_is_kept(void **state)
{
	struct throttle t;

	(void)state;
	throttle_init(&t, 0.1, 20, 0);
	throttle_observe(&t, "100", "0", 0);
	assert_true(throttle_rate(&t) == 0.1);
}

static void garbage_headers_are_ignored(void **state)
{
	static const char *const bad[][2] = {
		{NULL, "1"},   {"100", NULL}, {"", "1"},     {"100", ""},
		{"abc", "1"},  {"100", "x"},  {"-100", "1"}, {"100", "-1"},
		{"100", "1x"}, {"1e2", "1"},  {"100", "1.5"}, {"0", "0"},
		{"100", "101"}, {"99999999999999999999999", "1"},
		{"100", "+1"},
	};
	struct throttle t;
	size_t i;

	(void)state;
	throttle_init(&t, 10, 20, 0);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		throttle_observe(&t, bad[i][0], bad[i][1], 0);
		assert_true(throttle_rate(&t) == 10);
	}
	/* blanks around a number are fine (header values keep their CRLF) */
	throttle_observe(&t, " 100 ", "10\r\n", 0);
	assert_true(throttle_rate(&t) < 10);
	/* garbage after a slowdown leaves the slowdown as it was */
	throttle_observe(&t, "junk", "100", 0);
	assert_true(throttle_rate(&t) < 10);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(rate_holds_over_ten_seconds),
		cmocka_unit_test(slow_and_fractional_rates),
		cmocka_unit_test(burst_is_one_after_idle),
		cmocka_unit_test(wait_does_not_take),
		cmocka_unit_test(pause_stops_everything),
		cmocka_unit_test(reserve_slows_down_proportionally),
		cmocka_unit_test(slowed_rate_is_what_the_bucket_uses),
		cmocka_unit_test(reserve_zero_never_slows),
		cmocka_unit_test(rate_below_the_floor_is_kept),
		cmocka_unit_test(garbage_headers_are_ignored),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
