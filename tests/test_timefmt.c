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

#include "timefmt_read.h"

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
	/* HH:MM: the missing seconds are named, not the zone */
	t_bad(&p, "2026-01-01T10:00Z",
	      "usageTime '2026-01-01T10:00Z' has no seconds (RFC 3339 wants "
	      "HH:MM:SS)");
	t_bad(&p, "2025-07-01 12:00",
	      "usageTime '2025-07-01 12:00' has no seconds (RFC 3339 wants "
	      "HH:MM:SS); for times without them pass --time-format "
	      "'%Y-%m-%d %H:%M'");
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

/* ---- zones ------------------------------------------------------------ */

/* The fixture database: TZif files copied into tests/data/zoneinfo, so the
 * answers do not move with the machine's tzdata. */
static struct timefmt_zone *fixture(const char *name)
{
	const char *top = getenv("TOP");
	char dir[4096], why[512];
	struct timefmt_zone *z = NULL;

	snprintf(dir, sizeof(dir), "%s/tests/data/zoneinfo", top ? top : ".");
	if (timefmt_zone_load(name, dir, &z, why, sizeof(why)))
		fail_msg("%s (set TOP to the checkout)", why);
	return z;
}

/* local (no offset) read in z with dst is the instant want */
static void z_ok(const struct timefmt_zone *z, enum timefmt_dst dst,
                 const char *local, const char *want)
{
	struct timefmt_reader r;

	memset(&r, 0, sizeof(r));
	r.has_zone = true;
	r.zone = z;
	r.dst = dst;
	t_ok(&r, local, want);
}

static void z_bad(const struct timefmt_zone *z, const char *local,
                  const char *want)
{
	struct timefmt_reader r;

	memset(&r, 0, sizeof(r));
	r.has_zone = true;
	r.zone = z;
	t_bad(&r, local, want);
}

/* A skipped hour and a repeated one, each read all three ways. */
static void test_zone_new_york(void **state)
{
	struct timefmt_zone *z = fixture("America/New_York");
	const char *abbr = NULL;

	(void)state;
	assert_string_equal(timefmt_zone_name(z), "America/New_York");
	assert_int_equal(timefmt_zone_offset(z, 1767225600, &abbr), -18000);
	assert_string_equal(abbr, "EST");
	assert_int_equal(timefmt_zone_offset(z, 1751328000, &abbr), -14400);
	assert_string_equal(abbr, "EDT");
	/* plain times either side */
	z_ok(z, TIMEFMT_DST_REJECT, "2025-01-15T12:00:00", "2025-01-15T17:00:00Z");
	z_ok(z, TIMEFMT_DST_REJECT, "2025-07-15 12:00:00.250",
	     "2025-07-15T16:00:00.250Z");
	z_ok(z, TIMEFMT_DST_REJECT, "2025-07-15", "2025-07-15T04:00:00Z");
	/* spring forward: 02:00 EST becomes 03:00 EDT */
	z_ok(z, TIMEFMT_DST_REJECT, "2025-03-09T01:59:59", "2025-03-09T06:59:59Z");
	z_bad(z, "2025-03-09T02:00:00",
	      "usageTime '2025-03-09T02:00:00' does not exist in "
	      "America/New_York: clocks jumped from 02:00 to 03:00 on "
	      "2025-03-09 (EST to EDT); pass --dst earlier or --dst later to "
	      "take one");
	z_bad(z, "2025-03-09 02:59:59.999", "~does not exist in America/New_York");
	z_ok(z, TIMEFMT_DST_REJECT, "2025-03-09T03:00:00", "2025-03-09T07:00:00Z");
	z_ok(z, TIMEFMT_DST_EARLIER, "2025-03-09T02:30:00", "2025-03-09T06:30:00Z");
	z_ok(z, TIMEFMT_DST_LATER, "2025-03-09T02:30:00", "2025-03-09T07:30:00Z");
	/* fall back: 01:00 to 02:00 twice, EDT then EST */
	z_ok(z, TIMEFMT_DST_REJECT, "2025-11-02T00:59:59", "2025-11-02T04:59:59Z");
	z_bad(z, "2025-11-02T01:30:00",
	      "usageTime '2025-11-02T01:30:00' is ambiguous in America/New_York: "
	      "01:00 to 02:00 happened twice on 2025-11-02 (EDT, then EST); "
	      "pass --dst earlier or --dst later to take one");
	z_bad(z, "2025-11-02T01:00:00", "~is ambiguous");
	z_ok(z, TIMEFMT_DST_EARLIER, "2025-11-02T01:30:00.5",
	     "2025-11-02T05:30:00.500Z");
	z_ok(z, TIMEFMT_DST_LATER, "2025-11-02T01:30:00", "2025-11-02T06:30:00Z");
	z_ok(z, TIMEFMT_DST_REJECT, "2025-11-02T02:00:00", "2025-11-02T07:00:00Z");
	/* --dst changes nothing for a time that is neither */
	z_ok(z, TIMEFMT_DST_EARLIER, "2025-11-02T02:00:00", "2025-11-02T07:00:00Z");
	z_ok(z, TIMEFMT_DST_LATER, "2025-07-15T12:00:00", "2025-07-15T16:00:00Z");
	/* an offset written in the value wins over the zone */
	z_ok(z, TIMEFMT_DST_REJECT, "2025-11-02T01:30:00-05:00",
	     "2025-11-02T06:30:00Z");
	z_ok(z, TIMEFMT_DST_REJECT, "2025-03-09T02:30:00Z", "2025-03-09T02:30:00Z");
	/* before 1970: the 1960 rules, and local mean time until 1883 */
	z_bad(z, "1960-04-24T02:30:00",
	      "~does not exist in America/New_York: clocks jumped from 02:00 to "
	      "03:00 on 1960-04-24 (EST to EDT)");
	z_ok(z, TIMEFMT_DST_LATER, "1960-04-24T02:30:00", "1960-04-24T07:30:00Z");
	z_ok(z, TIMEFMT_DST_REJECT, "1960-06-01", "1960-06-01T04:00:00Z");
	z_ok(z, TIMEFMT_DST_REJECT, "1800-01-01T00:00:00", "1800-01-01T04:56:02Z");
	z_bad(z, "1883-11-18T12:01:00",
	      "usageTime '1883-11-18T12:01:00' is ambiguous in America/New_York: "
	      "12:00 to 12:03:58 happened twice on 1883-11-18 (LMT, then EST); "
	      "pass --dst earlier or --dst later to take one");
	z_ok(z, TIMEFMT_DST_EARLIER, "1883-11-18T12:01:00", "1883-11-18T16:57:02Z");
	z_ok(z, TIMEFMT_DST_LATER, "1883-11-18T12:01:00", "1883-11-18T17:01:00Z");
	/* past the table (2037): the footer's rule, EST5EDT,M3.2.0,M11.1.0 */
	z_bad(z, "2100-03-14T02:30:00",
	      "~clocks jumped from 02:00 to 03:00 on 2100-03-14 (EST to EDT)");
	z_ok(z, TIMEFMT_DST_EARLIER, "2100-03-14T02:30:00", "2100-03-14T06:30:00Z");
	z_bad(z, "2100-11-07T01:30:00",
	      "~01:00 to 02:00 happened twice on 2100-11-07 (EDT, then EST)");
	z_ok(z, TIMEFMT_DST_LATER, "2100-11-07T01:30:00", "2100-11-07T06:30:00Z");
	z_ok(z, TIMEFMT_DST_REJECT, "9999-12-31T18:59:59.999",
	     "9999-12-31T23:59:59.999Z");
	t_ok(&(struct timefmt_reader){ .has_zone = true, .zone = z },
	     "0001-01-01T00:00:00", "0001-01-01T04:56:02Z");
	timefmt_zone_free(z);
}

/* Odd rules: a 30-minute change, half-hour and 45-minute offsets, offsets
 * that changed for good, daylight time that began at midnight, a skipped
 * day, negative daylight time past the table. */
static void test_zone_odd_rules(void **state)
{
	struct timefmt_zone *z;

	(void)state;
	/* Lord Howe: +10:30, +11 in summer: half an hour each way */
	z = fixture("Australia/Lord_Howe");
	z_bad(z, "2025-10-05T02:15:00",
	      "usageTime '2025-10-05T02:15:00' does not exist in "
	      "Australia/Lord_Howe: clocks jumped from 02:00 to 02:30 on "
	      "2025-10-05 (+1030 to +11); pass --dst earlier or --dst later to "
	      "take one");
	z_ok(z, TIMEFMT_DST_EARLIER, "2025-10-05T02:15:00", "2025-10-04T15:15:00Z");
	z_ok(z, TIMEFMT_DST_LATER, "2025-10-05T02:15:00", "2025-10-04T15:45:00Z");
	z_bad(z, "2025-04-06T01:45:00",
	      "~is ambiguous in Australia/Lord_Howe: 01:30 to 02:00 happened "
	      "twice on 2025-04-06 (+11, then +1030)");
	z_ok(z, TIMEFMT_DST_EARLIER, "2025-04-06T01:45:00", "2025-04-05T14:45:00Z");
	z_ok(z, TIMEFMT_DST_LATER, "2025-04-06T01:45:00", "2025-04-05T15:15:00Z");
	z_ok(z, TIMEFMT_DST_REJECT, "2025-01-01T12:00:00", "2025-01-01T01:00:00Z");
	timefmt_zone_free(z);

	/* Kolkata: +05:30, and +06:30 during the war */
	z = fixture("Asia/Kolkata");
	z_ok(z, TIMEFMT_DST_REJECT, "2025-06-01T10:00:00", "2025-06-01T04:30:00Z");
	z_ok(z, TIMEFMT_DST_REJECT, "1942-09-01T12:00:00", "1942-09-01T05:30:00Z");
	timefmt_zone_free(z);

	/* Kathmandu: +05:30 until 1986, then +05:45: a 15-minute gap */
	z = fixture("Asia/Kathmandu");
	z_ok(z, TIMEFMT_DST_REJECT, "2025-06-01T10:00:00", "2025-06-01T04:15:00Z");
	z_ok(z, TIMEFMT_DST_REJECT, "1985-12-31T23:50:00", "1985-12-31T18:20:00Z");
	z_bad(z, "1986-01-01T00:10:00",
	      "~does not exist in Asia/Kathmandu: clocks jumped from 00:00 to "
	      "00:15 on 1986-01-01 (+0530 to +0545)");
	timefmt_zone_free(z);

	/* Moscow: +04 all year from 2011, back to +03 in 2014 */
	z = fixture("Europe/Moscow");
	z_bad(z, "2011-03-27T02:30:00",
	      "~clocks jumped from 02:00 to 03:00 on 2011-03-27 (MSK to MSK)");
	z_ok(z, TIMEFMT_DST_REJECT, "2012-07-01T12:00:00", "2012-07-01T08:00:00Z");
	z_ok(z, TIMEFMT_DST_REJECT, "2013-01-01T12:00:00", "2013-01-01T08:00:00Z");
	z_bad(z, "2014-10-26T01:30:00",
	      "~01:00 to 02:00 happened twice on 2014-10-26 (MSK, then MSK)");
	z_ok(z, TIMEFMT_DST_EARLIER, "2014-10-26T01:30:00", "2014-10-25T21:30:00Z");
	z_ok(z, TIMEFMT_DST_REJECT, "2025-07-01T12:00:00", "2025-07-01T09:00:00Z");
	timefmt_zone_free(z);

	/* Sao Paulo: daylight time began at midnight (so that day has no
	 * midnight) until it was abolished in 2019 */
	z = fixture("America/Sao_Paulo");
	z_bad(z, "2018-11-04",
	      "usageTime '2018-11-04' does not exist in America/Sao_Paulo: "
	      "clocks jumped from 00:00 to 01:00 on 2018-11-04 (-03 to -02); "
	      "pass --dst earlier or --dst later to take one");
	z_ok(z, TIMEFMT_DST_LATER, "2018-11-04", "2018-11-04T03:00:00Z");
	z_bad(z, "2019-02-16T23:30:00",
	      "~is ambiguous in America/Sao_Paulo: 2019-02-16 23:00 to "
	      "2019-02-17 00:00 happened twice (-02, then -03)");
	z_ok(z, TIMEFMT_DST_LATER, "2019-02-16T23:30:00", "2019-02-17T02:30:00Z");
	z_ok(z, TIMEFMT_DST_REJECT, "2019-11-03", "2019-11-03T03:00:00Z");
	timefmt_zone_free(z);

	/* Apia skipped 2011-12-30 to move west of the date line */
	z = fixture("Pacific/Apia");
	z_bad(z, "2011-12-30T12:00:00",
	      "usageTime '2011-12-30T12:00:00' does not exist in Pacific/Apia: "
	      "clocks jumped from 2011-12-30 00:00 to 2011-12-31 00:00 (-10 to "
	      "+14); pass --dst earlier or --dst later to take one");
	z_ok(z, TIMEFMT_DST_EARLIER, "2011-12-30T12:00:00", "2011-12-29T22:00:00Z");
	z_ok(z, TIMEFMT_DST_REJECT, "2011-12-31T12:00:00", "2011-12-30T22:00:00Z");
	timefmt_zone_free(z);

	/* Dublin's footer has negative daylight time: IST in summer is the
	 * standard, GMT in winter the "daylight" time */
	z = fixture("Europe/Dublin");
	z_ok(z, TIMEFMT_DST_REJECT, "2100-07-01T12:00:00", "2100-07-01T11:00:00Z");
	z_ok(z, TIMEFMT_DST_REJECT, "2100-01-01T12:00:00", "2100-01-01T12:00:00Z");
	z_bad(z, "2100-03-28T01:30:00",
	      "~clocks jumped from 01:00 to 02:00 on 2100-03-28 (GMT to IST)");
	z_bad(z, "2100-10-31T01:30:00",
	      "~01:00 to 02:00 happened twice on 2100-10-31 (IST, then GMT)");
	z_ok(z, TIMEFMT_DST_EARLIER, "2100-10-31T01:30:00", "2100-10-31T00:30:00Z");
	timefmt_zone_free(z);

	/* St. John's: -03:30, and -02:30 in summer */
	z = fixture("America/St_Johns");
	z_bad(z, "2025-03-09T02:30:00",
	      "~clocks jumped from 02:00 to 03:00 on 2025-03-09 (NST to NDT)");
	z_ok(z, TIMEFMT_DST_EARLIER, "2025-03-09T02:30:00", "2025-03-09T05:00:00Z");
	z_ok(z, TIMEFMT_DST_LATER, "2025-11-02T01:30:00", "2025-11-02T05:00:00Z");
	timefmt_zone_free(z);

	/* Berlin: the European rule, changes at 01:00 UTC */
	z = fixture("Europe/Berlin");
	z_bad(z, "2025-03-30T02:30:00",
	      "~clocks jumped from 02:00 to 03:00 on 2025-03-30 (CET to CEST)");
	z_bad(z, "2025-10-26T02:30:00",
	      "~02:00 to 03:00 happened twice on 2025-10-26 (CEST, then CET)");
	z_ok(z, TIMEFMT_DST_LATER, "2025-10-26T02:30:00", "2025-10-26T01:30:00Z");
	z_ok(z, TIMEFMT_DST_REJECT, "1900-01-01T00:00:00", "1899-12-31T23:00:00Z");
	timefmt_zone_free(z);

	/* UTC: no change ever */
	z = fixture("UTC");
	z_ok(z, TIMEFMT_DST_REJECT, "2025-03-09T02:30:00", "2025-03-09T02:30:00Z");
	z_ok(z, TIMEFMT_DST_REJECT, "0001-01-01", "0001-01-01T00:00:00Z");
	timefmt_zone_free(z);
}

/* ---- patterns (--time-format PATTERN) ------------------------------------ */

static struct timefmt_pattern pat;

static struct timefmt_reader *pattern_reader(const char *p, int zone_min)
{
	static struct timefmt_reader r;

	if (timefmt_pattern_compile(p, &pat, reason, sizeof(reason)))
		fail_msg("pattern '%s' refused: %s", p, reason);
	memset(&r, 0, sizeof(r));
	r.kind = TIMEFMT_PATTERN;
	r.pattern = &pat;
	r.has_zone = zone_min != INT32_MIN;
	r.zone_offset_min = r.has_zone ? zone_min : 0;
	return &r;
}

static void pattern_bad(const char *p, const char *want)
{
	struct timefmt_pattern x;

	reason[0] = 0;
	if (timefmt_pattern_compile(p, &x, reason, sizeof(reason)) == 0)
		fail_msg("pattern '%s' accepted", p);
	expect_reason(p, want);
}

/* Excel's US export: month first, 12-hour clock */
static void test_pattern_us(void **state)
{
	const struct timefmt_reader *r = pattern_reader("%m/%d/%Y %I:%M %p", 0);

	(void)state;
	t_ok(r, "3/1/2025 10:00 PM", "2025-03-01T22:00:00Z");
	t_ok(r, "03/01/2025 10:00 PM", "2025-03-01T22:00:00Z");
	t_ok(r, "3/1/2025 10:00PM", "2025-03-01T22:00:00Z");
	t_ok(r, "3/1/2025  9:05 am", "2025-03-01T09:05:00Z");
	t_ok(r, "12/31/2025 12:00 AM", "2025-12-31T00:00:00Z");
	t_ok(r, "12/31/2025 12:30 PM", "2025-12-31T12:30:00Z");
	t_ok(r, "12/31/2025 11:59 pm", "2025-12-31T23:59:00Z");
	t_bad(r, "3/1/2025 10:00",
	      "usageTime '3/1/2025 10:00' does not match --time-format "
	      "'%m/%d/%Y %I:%M %p': %p wants AM or PM, found nothing");
	t_bad(r, "3/1/2025 13:00 PM",
	      "usageTime '3/1/2025 13:00 PM' has hour 13; with AM or PM hours "
	      "are 1-12");
	t_bad(r, "3/1/2025 0:30 AM", "~has hour 0; with AM or PM hours are 1-12");
	t_bad(r, "13/1/2025 10:00 PM",
	      "usageTime '13/1/2025 10:00 PM' has month 13; months are 01-12");
	t_bad(r, "2/29/2025 10:00 PM",
	      "usageTime '2/29/2025 10:00 PM' has day 29; February 2025 has 28 "
	      "days");
	t_bad(r, "3/1/25 10:00 PM",
	      "usageTime '3/1/25 10:00 PM' does not match --time-format "
	      "'%m/%d/%Y %I:%M %p': %Y wants 4 digits, found '25 10:00 PM'");
	t_bad(r, "2025-03-01 22:00",
	      "usageTime '2025-03-01 22:00' does not match --time-format "
	      "'%m/%d/%Y %I:%M %p': wants '/', found '25-03-01 22:00'");
	t_bad(r, "3/1/2025 10:00 PM UTC",
	      "usageTime '3/1/2025 10:00 PM UTC' does not match --time-format "
	      "'%m/%d/%Y %I:%M %p': ' UTC' is left over");
	/* a naive pattern needs a zone */
	r = pattern_reader("%m/%d/%Y %I:%M %p", INT32_MIN);
	t_bad(r, "3/1/2025 10:00 PM",
	      "usageTime '3/1/2025 10:00 PM' has no time zone (the pattern has "
	      "no %z); pass --time-zone");
}

/* A German export: day first, 24-hour clock, in Berlin's time */
static void test_pattern_german(void **state)
{
	struct timefmt_zone *z = fixture("Europe/Berlin");
	struct timefmt_reader *r = pattern_reader("%d.%m.%Y %H:%M", 0);

	(void)state;
	r->zone = z;
	t_ok(r, "01.03.2025 10:00", "2025-03-01T09:00:00Z");
	t_ok(r, "1.3.2025 9:05", "2025-03-01T08:05:00Z");
	t_ok(r, "01.07.2025 10:00", "2025-07-01T08:00:00Z");
	t_bad(r, "30.03.2025 02:30",
	      "usageTime '30.03.2025 02:30' does not exist in Europe/Berlin: "
	      "clocks jumped from 02:00 to 03:00 on 2025-03-30 (CET to CEST); "
	      "pass --dst earlier or --dst later to take one");
	r->dst = TIMEFMT_DST_EARLIER;
	t_ok(r, "26.10.2025 02:30", "2025-10-26T00:30:00Z");
	r->dst = TIMEFMT_DST_REJECT;
	t_bad(r, "01/03/2025 10:00",
	      "usageTime '01/03/2025 10:00' does not match --time-format "
	      "'%d.%m.%Y %H:%M': wants '.', found '/03/2025 10:00'");
	t_bad(r, "31.04.2025 10:00",
	      "usageTime '31.04.2025 10:00' has day 31; April 2025 has 30 days");
	t_bad(r, "01.03.2025 24:00", "~has hour 24; hours are 00-23");
	t_bad(r, "01.03.2025 10:60", "~has minute 60; minutes are 00-59");
	t_bad(r, "01.03.2025", "~%H wants an hour, 1 or 2 digits, found nothing");
	t_bad(r, "01.03.2025 10:00 Uhr", "~' Uhr' is left over");
	timefmt_zone_free(z);
	/* a bare date pattern is midnight in the zone */
	r = pattern_reader("%d.%m.%Y", 60);
	t_ok(r, "01.03.2025", "2025-02-28T23:00:00Z");
}

/* Every directive, seconds and fractions, month names, offsets */
static void test_pattern_directives(void **state)
{
	const struct timefmt_reader *r;

	(void)state;
	r = pattern_reader("%Y-%m-%dT%H:%M:%S.%f%z", INT32_MIN);
	t_ok(r, "2025-03-01T10:00:00.123456+05:30", "2025-03-01T04:30:00.123Z");
	t_ok(r, "2025-03-01T10:00:00.5Z", "2025-03-01T10:00:00.500Z");
	t_ok(r, "2025-03-01T10:00:00.5-0200", "2025-03-01T12:00:00.500Z");
	t_ok(r, "2025-03-01T10:00:00.5+01", "2025-03-01T09:00:00.500Z");
	t_bad(r, "2025-03-01T10:00:00.Z",
	      "usageTime '2025-03-01T10:00:00.Z' does not match --time-format "
	      "'%Y-%m-%dT%H:%M:%S.%f%z': %f wants 1 to 9 digits, found 'Z'");
	t_bad(r, "2025-03-01T10:00:00.1234567890Z",
	      "usageTime '2025-03-01T10:00:00.1234567890Z' has a fraction of 10 "
	      "digits; at most 9 are allowed");
	t_bad(r, "2025-03-01T10:00:00.1 CET",
	      "~%z wants Z or an offset like +02:00, found ' CET'");
	t_bad(r, "2025-03-01T10:00:00.1+24:00",
	      "usageTime '2025-03-01T10:00:00.1+24:00' has an offset beyond "
	      "23:59; offsets are -23:59 to +23:59");
	t_bad(r, "2016-12-31T23:59:60.0Z",
	      "usageTime '2016-12-31T23:59:60.0Z' is a leap second (:60); "
	      "seconds are 00-59");
	r = pattern_reader("%d %b %Y %H:%M", 0);
	t_ok(r, "1 Mar 2025 10:00", "2025-03-01T10:00:00Z");
	t_ok(r, "01 march 2025 10:00", "2025-03-01T10:00:00Z");
	t_ok(r, "1 SEPTEMBER 2025 10:00", "2025-09-01T10:00:00Z");
	t_ok(r, "9 May 2025 10:00", "2025-05-09T10:00:00Z");
	t_bad(r, "1 M\xc3\xa4r 2025 10:00",
	      "usageTime '1 M\xc3\xa4r 2025 10:00' does not match --time-format "
	      "'%d %b %Y %H:%M': %b wants a month name such as Mar or March, "
	      "found 'M\xc3\xa4r 2025 10:00'");
	t_bad(r, "1 Marc 2025 10:00", "~%b wants a month name");
	/* %% is a '%'; bytes are themselves */
	r = pattern_reader("%Y%%%m%%%d", 0);
	t_ok(r, "2025%03%01", "2025-03-01T00:00:00Z");
	/* one or two digits, greedy, as strptime reads them */
	r = pattern_reader("%Y%m%d%H%M", 0);
	t_ok(r, "202503011000", "2025-03-01T10:00:00Z");
	t_bad(r, "202531101000", "~has month 31; months are 01-12");
	/* control bytes in the value and the pattern are quoted, one line */
	r = pattern_reader("%d.%m.%Y\t%H:%M", 0);
	t_ok(r, "01.03.2025\t10:00", "2025-03-01T10:00:00Z");
	t_bad(r, "01.03.2025 10:00",
	      "usageTime '01.03.2025 10:00' does not match --time-format "
	      "'%d.%m.%Y?%H:%M': wants byte 0x09, found ' 10:00'");
}

static void test_pattern_compile(void **state)
{
	char big[100];

	(void)state;
	pattern_bad("%d.%m.%y", "'%d.%m.%y' has %y; a pattern takes %Y %m %d "
	                        "%H %I %M %S %p %b %z %f and %%");
	pattern_bad("%Y-%m-%d %", "'%Y-%m-%d %' ends with a lone %; write %% "
	                          "for a %");
	pattern_bad("%Y-%m-%d %\x01", "'%Y-%m-%d %?' has %\\x01; a pattern takes "
	                            "%Y %m %d %H %I %M %S %p %b %z %f and %%");
	pattern_bad("%Y-%m", "'%Y-%m' does not name a whole date; it needs %Y, "
	                     "%m (or %b) and %d");
	pattern_bad("%H:%M", "~does not name a whole date");
	pattern_bad("%Y-%m-%d %b", "'%Y-%m-%d %b' has both %m and %b");
	pattern_bad("%Y-%m-%d-%d", "'%Y-%m-%d-%d' has %d twice");
	pattern_bad("%Y-%m-%d %H %I %p", "~has both %H and %I");
	pattern_bad("%Y-%m-%d %I:%M", "'%Y-%m-%d %I:%M' has %I without %p: a "
	                              "12-hour clock needs both");
	pattern_bad("%Y-%m-%d %H %p", "~has %p without %I");
	pattern_bad("%Y-%m-%d %M", "'%Y-%m-%d %M' has minutes or seconds but no "
	                           "hour (%H or %I)");
	pattern_bad("%Y-%m-%d %H:%S", "'%Y-%m-%d %H:%S' has %S but no %M");
	pattern_bad("%Y-%m-%d %H:%M.%f", "'%Y-%m-%d %H:%M.%f' has %f but no %S: "
	                                 "a fraction is of a second");
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = 0;
	memcpy(big, "%Y%m%d", 6);
	pattern_bad(big, "~is longer than 64 bytes");
}

/* ---- TZif files made here, to reach every branch of the reader ---- */

struct tzb {
	unsigned char b[8192];
	size_t n;
};

static void put_be(struct tzb *t, uint64_t v, int bytes)
{
	while (bytes--)
		t->b[t->n++] = (unsigned char)(v >> (8 * bytes));
}

static void put_bytes(struct tzb *t, const void *p, size_t n)
{
	if (n) /* p may be NULL then */
		memcpy(t->b + t->n, p, n);
	t->n += n;
}

static void put_header(struct tzb *t, char version, uint32_t leap,
                       uint32_t times, uint32_t types, uint32_t chars)
{
	put_bytes(t, "TZif", 4);
	t->b[t->n++] = (unsigned char)version;
	memset(t->b + t->n, 0, 15);
	t->n += 15;
	put_be(t, 0, 4); /* isut */
	put_be(t, 0, 4); /* isstd */
	put_be(t, leap, 4);
	put_be(t, times, 4);
	put_be(t, types, 4);
	put_be(t, chars, 4);
}

/* A TZif file: version '2' (a dummy v1 block, then 64-bit data and the
 * footer) or 0 (32-bit data only). chars holds the abbreviations with
 * their NULs, nchars bytes. */
static size_t tzif(struct tzb *t, char version, int ntimes,
                   const int64_t *times, const uint8_t *idx, int ntypes,
                   const int32_t *offs, const uint8_t *abbr,
                   const char *chars, size_t nchars, const char *footer)
{
	int i, tsize = version ? 8 : 4;

	t->n = 0;
	if (version) {
		put_header(t, version, 0, 0, 1, 1);
		put_be(t, 0, 4);
		put_be(t, 0, 2);
		put_be(t, 0, 1);
	}
	put_header(t, version, 0, (uint32_t)ntimes, (uint32_t)ntypes,
	           (uint32_t)nchars);
	for (i = 0; i < ntimes; i++)
		put_be(t, (uint64_t)times[i], tsize);
	put_bytes(t, idx, (size_t)ntimes);
	for (i = 0; i < ntypes; i++) {
		put_be(t, (uint64_t)(uint32_t)offs[i], 4);
		t->b[t->n++] = 0;
		t->b[t->n++] = abbr[i];
	}
	put_bytes(t, chars, nchars);
	if (version) {
		t->b[t->n++] = '\n';
		put_bytes(t, footer, strlen(footer));
		t->b[t->n++] = '\n';
	}
	return t->n;
}

static struct timefmt_zone *parse_ok(const struct tzb *t)
{
	struct timefmt_zone *z = NULL;
	char why[256];

	if (timefmt_zone_parse("Test/Zone", t->b, t->n, &z, why, sizeof(why)))
		fail_msg("refused: %s", why);
	return z;
}

static void parse_bad(const struct tzb *t, size_t len, const char *want)
{
	struct timefmt_zone *z = (struct timefmt_zone *)1;
	char why[256];

	assert_int_equal(timefmt_zone_parse("Test/Zone", t->b, len, &z, why,
	                                    sizeof(why)),
	                 RB_EUSAGE);
	assert_null(z);
	if (want && strcmp(why, want) != 0)
		fail_msg("reason '%s', want '%s'", why, want);
}

/* offset at the instant of an RFC 3339 text */
static int32_t off_at(const struct timefmt_zone *z, const char *t)
{
	return timefmt_zone_offset(z, arg_ms(t) / 1000, NULL);
}

/* A footer's POSIX rule, alone (no transitions): every form of a day. */
static int32_t rule_off(const char *rule, const char *at)
{
	static const int32_t offs[] = { 0 };
	static const uint8_t abbr[] = { 0 };
	struct tzb t;
	struct timefmt_zone *z;
	int32_t o;

	tzif(&t, '2', 0, NULL, NULL, 1, offs, abbr, "AAA", 4, rule);
	z = parse_ok(&t);
	o = off_at(z, at);
	timefmt_zone_free(z);
	return o;
}

static void test_zone_rules(void **state)
{
	(void)state;
	/* no daylight time: the offset is the rule's, east of UTC */
	assert_int_equal(rule_off("<+0545>-5:45", "2025-01-01T00:00:00Z"),
	                 5 * 3600 + 45 * 60);
	assert_int_equal(rule_off("<-03>3", "2025-01-01T00:00:00Z"), -3 * 3600);
	/* Jn: 1-365, February 29 never counted: J60 is March 1 */
	assert_int_equal(rule_off("AAA0BBB,J60/0,J300/0", "2024-02-29T23:59:59Z"),
	                 0);
	assert_int_equal(rule_off("AAA0BBB,J60/0,J300/0", "2024-03-01T00:00:00Z"),
	                 3600);
	/* n: 0-365, counted: 59 is February 29 in a leap year */
	assert_int_equal(rule_off("AAA0BBB,59/0,300/0", "2024-02-28T23:59:59Z"),
	                 0);
	assert_int_equal(rule_off("AAA0BBB,59/0,300/0", "2024-02-29T00:00:00Z"),
	                 3600);
	assert_int_equal(rule_off("AAA0BBB,59/0,300/0", "2025-03-01T00:00:00Z"),
	                 3600);
	/* Mm.5.d is the last; a negative time is the day before */
	assert_int_equal(rule_off("AAA0BBB,M3.5.0/-1,M10.5.0/0",
	                          "2025-03-29T22:59:59Z"),
	                 0);
	assert_int_equal(rule_off("AAA0BBB,M3.5.0/-1,M10.5.0/0",
	                          "2025-03-29T23:00:00Z"),
	                 3600);
	/* Sundays of October 2025: 5, 12, 19, 26; the end is 00:00 BBB */
	assert_int_equal(rule_off("AAA0BBB,M3.5.0/-1,M10.5.0/0",
	                          "2025-10-25T22:59:59Z"),
	                 3600);
	assert_int_equal(rule_off("AAA0BBB,M3.5.0/-1,M10.5.0/0",
	                          "2025-10-25T23:00:00Z"),
	                 0);
	/* hours past 24 are days later */
	assert_int_equal(rule_off("AAA0BBB,M3.2.0/26,M11.1.0/0",
	                          "2025-03-10T01:59:59Z"),
	                 0);
	assert_int_equal(rule_off("AAA0BBB,M3.2.0/26,M11.1.0/0",
	                          "2025-03-10T02:00:00Z"),
	                 3600);
	/* no rule for a named daylight time: the United States' dates */
	assert_int_equal(rule_off("EST5EDT", "2025-03-09T06:59:59Z"), -5 * 3600);
	assert_int_equal(rule_off("EST5EDT", "2025-03-09T07:00:00Z"), -4 * 3600);
	/* an explicit daylight offset, across the new year (south) */
	assert_int_equal(rule_off("<-03>3<-02>2,M10.1.0/0,M2.3.0/0",
	                          "2025-01-15T12:00:00Z"),
	                 -2 * 3600);
	assert_int_equal(rule_off("<-03>3<-02>2,M10.1.0/0,M2.3.0/0",
	                          "2025-06-15T12:00:00Z"),
	                 -3 * 3600);
}

static void test_zone_tzif(void **state)
{
	static const int64_t times[] = { -100, 1000000000 };
	static const uint8_t idx[] = { 1, 0 };
	static const int32_t offs[] = { 3600, 7200 };
	static const uint8_t abbr[] = { 0, 4 };
	static const char chars[] = "ONE\0TWO";
	struct tzb t;
	struct timefmt_zone *z;
	const char *ab;
	size_t n, k;

	(void)state;
	/* version 2: type 0 before the first change, the last type after the
	 * table when the footer is empty */
	n = tzif(&t, '2', 2, times, idx, 2, offs, abbr, chars, 8, "");
	z = parse_ok(&t);
	assert_int_equal(timefmt_zone_offset(z, -101, &ab), 3600);
	assert_string_equal(ab, "ONE");
	assert_int_equal(timefmt_zone_offset(z, -100, &ab), 7200);
	assert_string_equal(ab, "TWO");
	assert_int_equal(timefmt_zone_offset(z, 999999999, NULL), 7200);
	assert_int_equal(timefmt_zone_offset(z, 1000000000, &ab), 3600);
	assert_int_equal(timefmt_zone_offset(z, INT64_C(100000000000), NULL),
	                 3600);
	timefmt_zone_free(z);
	/* every cut of the file is refused, never read past */
	for (k = 0; k < n - 1; k++) {
		unsigned char *cut = malloc(k ? k : 1);

		assert_non_null(cut);
		memcpy(cut, t.b, k);
		z = (struct timefmt_zone *)1;
		assert_int_equal(timefmt_zone_parse("Test/Zone", cut, k, &z,
		                                    reason, sizeof(reason)),
		                 RB_EUSAGE);
		assert_null(z);
		free(cut);
	}
	/* version 1: 32-bit data, no footer */
	tzif(&t, 0, 2, times, idx, 2, offs, abbr, chars, 8, NULL);
	z = parse_ok(&t);
	assert_int_equal(timefmt_zone_offset(z, 0, NULL), 7200);
	assert_int_equal(timefmt_zone_offset(z, 2000000000, NULL), 3600);
	timefmt_zone_free(z);

	/* refusals, each with its reason */
	tzif(&t, '2', 2, times, idx, 2, offs, abbr, chars, 8, "");
	t.b[0] = 'X';
	parse_bad(&t, t.n, "time zone 'Test/Zone': not a TZif file");
	parse_bad(&t, 10, "time zone 'Test/Zone': not a TZif file");
	tzif(&t, '2', 2, times, idx, 2, offs, abbr, chars, 8, "EST");
	parse_bad(&t, t.n, "time zone 'Test/Zone': its TZ rule does not parse");
	tzif(&t, '2', 2, times, idx, 2, offs, abbr, chars, 8, "EST5EDT,M3");
	parse_bad(&t, t.n, "time zone 'Test/Zone': its TZ rule does not parse");
	tzif(&t, '2', 2, times, idx, 2, offs, abbr, chars, 8, "");
	parse_bad(&t, t.n - 1,
	          "time zone 'Test/Zone': no TZ rule at the end of the TZif "
	          "file");
	{
		static const int64_t back[] = { 5, 5 };
		tzif(&t, '2', 2, back, idx, 2, offs, abbr, chars, 8, "");
		parse_bad(&t, t.n,
		          "time zone 'Test/Zone': transitions out of order in "
		          "TZif file");
	}
	{
		static const uint8_t bad_idx[] = { 1, 2 };
		tzif(&t, '2', 2, times, bad_idx, 2, offs, abbr, chars, 8, "");
		parse_bad(&t, t.n,
		          "time zone 'Test/Zone': bad type index in TZif file");
	}
	{
		static const int32_t far[] = { 3600, 26 * 3600 };
		tzif(&t, '2', 2, times, idx, 2, far, abbr, chars, 8, "");
		parse_bad(&t, t.n,
		          "time zone 'Test/Zone': bad local time type in TZif "
		          "file");
	}
	{
		static const uint8_t bad_abbr[] = { 0, 8 };
		tzif(&t, '2', 2, times, idx, 2, offs, bad_abbr, chars, 8, "");
		parse_bad(&t, t.n,
		          "time zone 'Test/Zone': bad local time type in TZif "
		          "file");
	}
	tzif(&t, '2', 0, NULL, NULL, 0, NULL, NULL, "", 0, "");
	parse_bad(&t, t.n, "time zone 'Test/Zone': bad counts in TZif file");
	/* leap seconds: the "right/" zones */
	t.n = 0;
	put_header(&t, '2', 0, 0, 1, 1);
	put_be(&t, 0, 7);
	put_header(&t, '2', 1, 0, 1, 4);
	parse_bad(&t, t.n,
	          "time zone 'Test/Zone': its times count leap seconds, which "
	          "usage times do not (use the zone without 'right/')");
}

/* The machine's own database loads too (tzdata is in scripts/install-deps). */
static void test_zone_system(void **state)
{
	struct timefmt_zone *z = NULL;
	char why[512];

	(void)state;
	if (timefmt_zone_load("America/New_York", NULL, &z, why, sizeof(why)))
		fail_msg("%s", why);
	z_ok(z, TIMEFMT_DST_LATER, "2025-11-02T01:30:00", "2025-11-02T06:30:00Z");
	timefmt_zone_free(z);
	assert_int_equal(timefmt_zone_load("Nowhere/Special", NULL, &z, why,
	                                   sizeof(why)),
	                 RB_EUSAGE);
	assert_null(z);
	assert_string_equal(why, "'Nowhere/Special' is not a time zone in "
	                         "/usr/share/zoneinfo (give UTC, an offset like "
	                         "+02:00, or a name like America/New_York)");
	timefmt_zone_free(NULL);
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
		cmocka_unit_test(test_zone_new_york),
		cmocka_unit_test(test_zone_odd_rules),
		cmocka_unit_test(test_zone_rules),
		cmocka_unit_test(test_zone_tzif),
		cmocka_unit_test(test_zone_system),
		cmocka_unit_test(test_pattern_us),
		cmocka_unit_test(test_pattern_german),
		cmocka_unit_test(test_pattern_directives),
		cmocka_unit_test(test_pattern_compile),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
