/* Tests for timefmt: reading RFC 3339 / ISO 8601 and Unix times exactly,
 * the reasons given for what is not one, the canonical UTC form, the
 * calendar from year 1 to 9999, option values and HTTP dates. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "timefmt.h"

#define DAY_MS (INT64_C(86400000))

static char reason[512];

/* want: the exact reason, or with a leading '~' a substring of it */
static void expect_reason(const char *what, const char *want)
{
	if (want[0] == '~') {
		if (!strstr(reason, want + 1))
			fail_msg("%s: reason '%s' lacks '%s'", what, reason,
			         want + 1);
	} else if (strcmp(reason, want) != 0) {
		fail_msg("%s: reason '%s', want '%s'", what, reason, want);
	}
	if (strchr(reason, '\n') || strchr(reason, '\r'))
		fail_msg("%s: reason has a line break", what);
}

/* in read with r is the instant want (canonical UTC); returns it in ms */
static int64_t t_ok(const struct timefmt_reader *r, const char *in,
                    const char *want)
{
	char out[TIMEFMT_MAX];
	int64_t ms = -1;

	reason[0] = 0;
	if (timefmt_read(r, in, strlen(in), &ms, reason, sizeof(reason)))
		fail_msg("usageTime '%s' rejected: %s", in, reason);
	timefmt_format(ms, out);
	if (strcmp(out, want) != 0)
		fail_msg("usageTime '%s' -> '%s', want '%s'", in, out, want);
	return ms;
}

static void t_bad(const struct timefmt_reader *r, const char *in,
                  const char *want)
{
	int64_t ms = 12345;

	reason[0] = 0;
	if (timefmt_read(r, in, strlen(in), &ms, reason, sizeof(reason)) == 0)
		fail_msg("usageTime '%s' accepted as %lld", in, (long long)ms);
	expect_reason(in, want);
}

static int64_t arg_ms(const char *s)
{
	int64_t ms;

	if (timefmt_parse_bound(s, &ms, reason, sizeof(reason)))
		fail_msg("time argument '%s' rejected: %s", s, reason);
	return ms;
}

static int test_leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static void test_time_forms(void **state)
{
	struct timefmt_reader p;
	int64_t ms;

	(void)state;
	memset(&p, 0, sizeof(p));
	ms = t_ok(&p, "2026-01-01T00:00:00Z", "2026-01-01T00:00:00Z");
	assert_true(ms == INT64_C(1767225600000));
	t_ok(&p, "2026-01-01T10:00:00Z", "2026-01-01T10:00:00Z");
	t_ok(&p, "2026-01-01t10:00:00z", "2026-01-01T10:00:00Z");
	t_ok(&p, "2026-01-01 10:00:00Z", "2026-01-01T10:00:00Z");
	t_ok(&p, "2026-01-01T10:00:00+05:45", "2026-01-01T04:15:00Z");
	t_ok(&p, "2026-01-01T10:00:00-12:00", "2026-01-01T22:00:00Z");
	t_ok(&p, "2026-01-01T10:00:00+14:00", "2025-12-31T20:00:00Z");
	t_ok(&p, "2026-01-01T10:00:00+0530", "2026-01-01T04:30:00Z");
	t_ok(&p, "2026-01-01T10:00:00-05", "2026-01-01T15:00:00Z");
	t_ok(&p, "2026-01-01T10:00:00+00:00", "2026-01-01T10:00:00Z");
	t_ok(&p, "2026-01-01T10:00:00-00:00", "2026-01-01T10:00:00Z");
	t_ok(&p, "2026-01-01T10:00:00+23:59", "2025-12-31T10:01:00Z");
	t_bad(&p, "2026-01-01T10:00:00+24:00",
	      "usageTime '2026-01-01T10:00:00+24:00' has offset +24:00; "
	      "offsets are -23:59 to +23:59");
	t_bad(&p, "2026-01-01T10:00:00+02:60", "~has offset +02:60");
}

static void test_time_fractions(void **state)
{
	struct timefmt_reader p;
	int64_t ms;

	(void)state;
	memset(&p, 0, sizeof(p));
	ms = t_ok(&p, "2026-01-01T10:00:00.5Z", "2026-01-01T10:00:00.500Z");
	assert_true(ms % 1000 == 500);
	t_ok(&p, "2026-01-01T10:00:00.05Z", "2026-01-01T10:00:00.050Z");
	t_ok(&p, "2026-01-01T10:00:00.123Z", "2026-01-01T10:00:00.123Z");
	t_ok(&p, "2026-01-01T10:00:00.123456Z", "2026-01-01T10:00:00.123Z");
	t_ok(&p, "2026-01-01T10:00:00.999999999Z", "2026-01-01T10:00:00.999Z");
	t_ok(&p, "2026-01-01T10:00:00.000Z", "2026-01-01T10:00:00Z");
	t_ok(&p, "2026-01-01T10:00:00.1+01:00", "2026-01-01T09:00:00.100Z");
	t_bad(&p, "2026-01-01T10:00:00.1234567890Z",
	      "~has a fraction of 10 digits; at most 9 are allowed");
	t_bad(&p, "2026-01-01T10:00:00.Z", "~is not an RFC 3339 date-time");
}

static void test_time_calendar(void **state)
{
	struct timefmt_reader p;

	(void)state;
	memset(&p, 0, sizeof(p));
	t_ok(&p, "2024-02-29T00:00:00Z", "2024-02-29T00:00:00Z");
	t_ok(&p, "2000-02-29T00:00:00Z", "2000-02-29T00:00:00Z");
	t_bad(&p, "2023-02-29T00:00:00Z",
	      "usageTime '2023-02-29T00:00:00Z' has day 29; February 2023 "
	      "has 28 days");
	t_bad(&p, "1900-02-29T00:00:00Z", "~February 1900 has 28 days");
	t_bad(&p, "2026-04-31T00:00:00Z", "~has day 31; April 2026 has 30 days");
	t_ok(&p, "2026-03-31T23:59:59Z", "2026-03-31T23:59:59Z");
	t_bad(&p, "2026-01-00T00:00:00Z", "~has day 00");
	t_bad(&p, "2026-13-01T00:00:00Z", "~has month 13; months are 01-12");
	t_bad(&p, "2026-00-01T00:00:00Z", "~has month 00");
	t_bad(&p, "0000-01-01T00:00:00Z", "~has year 0000; years are 0001-9999");
	t_bad(&p, "2026-01-01T24:00:00Z", "~has hour 24; hours are 00-23");
	t_bad(&p, "2026-01-01T23:60:00Z", "~has minute 60; minutes are 00-59");
	t_bad(&p, "2016-12-31T23:59:60Z",
	      "usageTime '2016-12-31T23:59:60Z' is a leap second (:60); "
	      "seconds are 00-59");
	t_bad(&p, "2026-01-01T23:59:61Z", "~has second 61");
	t_ok(&p, "0001-01-01T00:00:00Z", "0001-01-01T00:00:00Z");
	t_bad(&p, "0001-01-01T00:00:00+00:01",
	      "~is outside 0001-01-01T00:00:00Z to 9999-12-31T23:59:59.999Z");
}

static void test_time_syntax(void **state)
{
	static const char *const bad[] = {
		"yesterday",
		"2026-1-1T10:00:00Z",
		"2026-01-01T10:00Z",
		"2026-01-01T10:00:00 Z",
		"2026-01-01T10:00:00+2:00",
		"2026-01-01T10:00:00+02:0",
		"2026-01-01T10:00:00+02:00:00",
		"2026-01-01T10:00:00ZZ",
		"2026-01-01T",
		"2026-01-01X10:00:00Z",
		"26-01-01T10:00:00Z",
		"2026/01/01T10:00:00Z",
		"2026-01-01T10:00:00UTC",
		"2026-01-01T10:00:00.Z",
		"+2026-01-01T10:00:00Z",
		"2026-01-01T1a:00:00Z",
	};
	struct timefmt_reader p;
	size_t i;

	(void)state;
	memset(&p, 0, sizeof(p));
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		t_bad(&p, bad[i], "~is not an RFC 3339 date-time");
	t_bad(&p, "yesterday",
	      "usageTime 'yesterday' is not an RFC 3339 date-time "
	      "(YYYY-MM-DDTHH:MM:SS[.fff] with Z or an offset like +02:00)");
	t_bad(&p, "1767225600", "~for Unix times pass --time-format epoch");
	t_bad(&p, "2026-01-01\n10:00:00Z", "~'2026-01-01?10:00:00Z'");
}

/* A value without an offset takes the reader's zone; one with an offset
 * keeps its own. */
static void test_time_zones(void **state)
{
	struct timefmt_reader p;

	(void)state;
	memset(&p, 0, sizeof(p));
	t_bad(&p, "2026-01-01T10:00:00",
	      "usageTime '2026-01-01T10:00:00' has no time zone; add Z or an "
	      "offset like +02:00, or pass --time-zone");
	t_bad(&p, "2026-01-01",
	      "usageTime '2026-01-01' is a date without a time zone; write "
	      "2026-01-01T00:00:00Z (or with an offset), or pass --time-zone");
	p.has_zone = true;
	p.zone_offset_min = 120;
	t_ok(&p, "2026-01-01T10:00:00", "2026-01-01T08:00:00Z");
	t_ok(&p, "2026-01-01 10:00:00.25", "2026-01-01T08:00:00.250Z");
	t_ok(&p, "2026-01-01", "2025-12-31T22:00:00Z");
	t_ok(&p, "2026-01-01T10:00:00Z", "2026-01-01T10:00:00Z");
	t_ok(&p, "2026-01-01T10:00:00-01:00", "2026-01-01T11:00:00Z");
	p.zone_offset_min = -330;
	t_ok(&p, "2026-01-01T10:00:00", "2026-01-01T15:30:00Z");
	/* the zone can carry a value past the years four digits write */
	p.zone_offset_min = 60;
	t_bad(&p, "0001-01-01T00:30:00",
	      "usageTime '0001-01-01T00:30:00' is outside "
	      "0001-01-01T00:00:00Z to 9999-12-31T23:59:59.999Z");
}

static void test_time_epoch(void **state)
{
	struct timefmt_reader p;
	int64_t ms;

	(void)state;
	memset(&p, 0, sizeof(p));
	p.kind = TIMEFMT_EPOCH;
	ms = t_ok(&p, "1767225600", "2026-01-01T00:00:00Z");
	assert_true(ms == INT64_C(1767225600000));
	t_ok(&p, "0", "1970-01-01T00:00:00Z");
	t_ok(&p, "1767225600.5", "2026-01-01T00:00:00.500Z");
	t_ok(&p, "1767225600.123", "2026-01-01T00:00:00.123Z");
	t_ok(&p, "1767225600.123456", "2026-01-01T00:00:00.123Z");
	t_ok(&p, "001767225600", "2026-01-01T00:00:00Z");
	t_bad(&p, "1767225600.", "~is not a Unix time in seconds");
	t_bad(&p, ".5", "~is not a Unix time in seconds");
	t_bad(&p, "-1", "~is not a Unix time in seconds");
	t_bad(&p, "1.7e9", "~is not a Unix time in seconds");
	t_bad(&p, "abc",
	      "usageTime 'abc' is not a Unix time in seconds (digits with an "
	      "optional fraction, --time-format epoch)");
	t_bad(&p, "2026-01-01T00:00:00Z", "~is not a Unix time in seconds");
	t_bad(&p, "1767225600.1234567890", "~fraction of 10 digits");
	/* milliseconds given as seconds: an instant after 2100 says so */
	t_ok(&p, "4102444799.999", "2099-12-31T23:59:59.999Z");
	t_bad(&p, "4102444800",
	      "usageTime '4102444800' is 2100-01-01T00:00:00Z in seconds, in "
	      "2100 or later: probably milliseconds (pass --time-format "
	      "epoch-ms)");
	t_bad(&p, "253402300799.999",
	      "usageTime '253402300799.999' is 9999-12-31T23:59:59.999Z in "
	      "seconds, in 2100 or later: probably milliseconds (pass "
	      "--time-format epoch-ms)");
	t_bad(&p, "1767225600123",
	      "usageTime '1767225600123' is after 9999-12-31T23:59:59.999Z in "
	      "seconds: probably milliseconds (pass --time-format epoch-ms)");
	t_bad(&p, "99999999999999999999999999999999", "~is after 9999");

	p.kind = TIMEFMT_EPOCH_MS;
	ms = t_ok(&p, "1767225600123", "2026-01-01T00:00:00.123Z");
	assert_true(ms == INT64_C(1767225600123));
	t_ok(&p, "1767225600000", "2026-01-01T00:00:00Z");
	t_ok(&p, "253402300799999", "9999-12-31T23:59:59.999Z");
	/* seconds given as milliseconds: an instant before 2000 says so */
	t_ok(&p, "946684800000", "2000-01-01T00:00:00Z");
	t_bad(&p, "946684799999",
	      "usageTime '946684799999' is 1999-12-31T23:59:59.999Z in "
	      "milliseconds, before 2000: probably seconds (pass --time-format "
	      "epoch)");
	t_bad(&p, "1767225600",
	      "usageTime '1767225600' is 1970-01-21T10:53:45.600Z in "
	      "milliseconds, before 2000: probably seconds (pass --time-format "
	      "epoch)");
	t_bad(&p, "1", "~is 1970-01-01T00:00:00.001Z in milliseconds, before "
	               "2000: probably seconds");
	t_bad(&p, "1767225600123.5",
	      "usageTime '1767225600123.5' is not a Unix time in "
	      "milliseconds (digits only, --time-format epoch-ms)");
	t_bad(&p, "-5", "~is not a Unix time in milliseconds");
	t_bad(&p, "1e12", "~is not a Unix time in milliseconds");
	t_bad(&p, "253402300800000",
	      "usageTime '253402300800000' is after 9999-12-31T23:59:59.999Z");
	t_bad(&p, "99999999999999999999999999999999", "~is after 9999");
}

static void test_format_time(void **state)
{
	char out[TIMEFMT_MAX];

	(void)state;
	timefmt_format(0, out);
	assert_string_equal(out, "1970-01-01T00:00:00Z");
	timefmt_format(1, out);
	assert_string_equal(out, "1970-01-01T00:00:00.001Z");
	timefmt_format(-1, out);
	assert_string_equal(out, "1969-12-31T23:59:59.999Z");
	timefmt_format(INT64_C(951782400000), out);
	assert_string_equal(out, "2000-02-29T00:00:00Z");
	timefmt_format(INT64_C(253402300799999), out);
	assert_string_equal(out, "9999-12-31T23:59:59.999Z");
	timefmt_format(INT64_C(-62135596800000), out);
	assert_string_equal(out, "0001-01-01T00:00:00Z");
	timefmt_format(INT64_MAX, out); /* clamped */
	assert_string_equal(out, "9999-12-31T23:59:59.999Z");
	timefmt_format(INT64_MIN, out);
	assert_string_equal(out, "0001-01-01T00:00:00Z");
}

/* Every day from 0001-01-01 to 9999-12-31, counted by hand, must format as
 * that date and parse back to the same instant. */
static void test_calendar_sweep(void **state)
{
	static const int dim[12] = { 31, 28, 31, 30, 31, 30,
		                     31, 31, 30, 31, 30, 31 };
	struct timefmt_reader p;
	char out[TIMEFMT_MAX], want[64];
	int64_t ms = INT64_C(-62135596800000), back;
	int y = 1, m = 1, d = 1, n;

	(void)state;
	memset(&p, 0, sizeof(p));
	for (;;) {
		snprintf(want, sizeof(want), "%04d-%02d-%02dT%02d:00:00Z", y, m,
		         d, d % 24);
		timefmt_format(ms + (d % 24) * INT64_C(3600000), out);
		if (strcmp(out, want) != 0)
			fail_msg("format: got %s, want %s", out, want);
		if (timefmt_read(&p, want, strlen(want), &back, reason,
		                 sizeof(reason)) ||
		    back != ms + (d % 24) * INT64_C(3600000))
			fail_msg("parse %s: %s", want, reason);
		n = m == 2 && test_leap(y) ? 29 : dim[m - 1];
		ms += DAY_MS;
		if (++d > n) {
			d = 1;
			if (++m > 12) {
				m = 1;
				if (++y > 9999)
					break;
			}
		}
	}
	assert_true(ms == INT64_C(253402300800000));
}

static void test_time_args(void **state)
{
	int64_t ms;
	int min = 999;

	(void)state;
	assert_true(arg_ms("2026-01-01") == INT64_C(1767225600000));
	/* --not-after: a bare date is the last millisecond of that day, a
	 * date-time is itself */
	assert_int_equal(timefmt_parse_end_bound("2025-12-31", &ms, reason,
	                                         sizeof(reason)),
	                 0);
	assert_true(ms == INT64_C(1767225599999));
	assert_int_equal(timefmt_parse_end_bound(" 2024-02-29 ", &ms, reason,
	                                         sizeof(reason)),
	                 0);
	assert_true(ms == INT64_C(1709251199999));
	assert_int_equal(timefmt_parse_end_bound("2025-12-31T00:00:00Z", &ms,
	                                         reason, sizeof(reason)),
	                 0);
	assert_true(ms == INT64_C(1767139200000));
	assert_int_equal(timefmt_parse_end_bound("2025-02-29", &ms, reason,
	                                         sizeof(reason)),
	                 -1);
	assert_string_equal(reason,
	                    "'2025-02-29' has day 29; February 2025 has 28 days");
	assert_true(arg_ms("2026-01-01T02:00:00+02:00") ==
	            INT64_C(1767225600000));
	assert_true(arg_ms(" 2026-01-01T00:00:00.5Z ") ==
	            INT64_C(1767225600500));
	assert_int_equal(timefmt_parse_bound("2026-01-01T10:00:00", &ms,
	                                      reason, sizeof(reason)),
	                 -1);
	assert_string_equal(reason, "'2026-01-01T10:00:00' has no time zone; "
	                            "add Z or an offset like +02:00");
	assert_int_equal(timefmt_parse_bound("2026-02-30", &ms, reason,
	                                      sizeof(reason)),
	                 -1);
	assert_string_equal(reason,
	                    "'2026-02-30' has day 30; February 2026 has 28 days");
	assert_int_equal(timefmt_parse_bound("tomorrow", &ms, reason,
	                                      sizeof(reason)),
	                 -1);
	assert_non_null(strstr(reason, "'tomorrow' is not an RFC 3339"));

	assert_int_equal(timefmt_parse_offset("UTC", &min), 0);
	assert_int_equal(min, 0);
	min = 9;
	assert_int_equal(timefmt_parse_offset("utc", &min), 0);
	assert_int_equal(min, 0);
	min = 9;
	assert_int_equal(timefmt_parse_offset("Z", &min), 0);
	assert_int_equal(min, 0);
	assert_int_equal(timefmt_parse_offset("+02:00", &min), 0);
	assert_int_equal(min, 120);
	assert_int_equal(timefmt_parse_offset("-0530", &min), 0);
	assert_int_equal(min, -330);
	assert_int_equal(timefmt_parse_offset("+05:45", &min), 0);
	assert_int_equal(min, 345);
	assert_int_equal(timefmt_parse_offset("-12", &min), 0);
	assert_int_equal(min, -720);
	min = 7;
	assert_int_equal(timefmt_parse_offset("+24:00", &min), -1);
	assert_int_equal(timefmt_parse_offset("+02:60", &min), -1);
	assert_int_equal(timefmt_parse_offset("2", &min), -1);
	assert_int_equal(timefmt_parse_offset("", &min), -1);
	assert_int_equal(timefmt_parse_offset("+02:0", &min), -1);
	assert_int_equal(timefmt_parse_offset("UTC+2", &min), -1);
	assert_int_equal(timefmt_parse_offset("Europe/Paris", &min), -1);
	assert_int_equal(min, 7);
}

static void test_http_dates(void **state)
{
	int64_t s;

	(void)state;
	assert_true(timefmt_parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT", &s));
	assert_int_equal(s, 784111777);
	assert_true(timefmt_parse_http_date("Sunday, 06-Nov-94 08:49:37 GMT", &s));
	assert_int_equal(s, 784111777);
	assert_true(timefmt_parse_http_date("Sun Nov  6 08:49:37 1994", &s));
	assert_int_equal(s, 784111777);
	assert_true(timefmt_parse_http_date("Thu, 29 Feb 2024 00:00:00 GMT", &s));
	assert_int_equal(s, 1709164800);
	assert_false(timefmt_parse_http_date("Thu, 29 Feb 2023 00:00:00 GMT", &s));
	assert_false(timefmt_parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT x", &s));
}


int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_time_forms),
		cmocka_unit_test(test_time_fractions),
		cmocka_unit_test(test_time_calendar),
		cmocka_unit_test(test_time_syntax),
		cmocka_unit_test(test_time_zones),
		cmocka_unit_test(test_time_epoch),
		cmocka_unit_test(test_format_time),
		cmocka_unit_test(test_calendar_sweep),
		cmocka_unit_test(test_time_args),
		cmocka_unit_test(test_http_dates),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
