/* Tests for check: every rule at its boundaries, the canonical forms, the
 * time window (reading time text: test_timefmt; duplicates: test_dedup). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "check.h"

/* 2026-11-26T14:00:00Z, the run's clock in every test */
#define NOW_MS (INT64_C(1795701600000))

static char reason[512];

/* ---- helpers ------------------------------------------------------------ */

static void policy_init(struct check_policy *p)
{
	memset(p, 0, sizeof(*p));
	p->time.kind = TIMEFMT_ISO;
}

static void q_ok(const char *in, bool json, const char *want)
{
	char out[CHECK_QUANTITY_MAX];

	reason[0] = 0;
	if (check_quantity(in, strlen(in), json, out, reason, sizeof(reason)))
		fail_msg("quantity '%s' (json %d) rejected: %s", in, json,
		         reason);
	if (strcmp(out, want) != 0)
		fail_msg("quantity '%s' -> '%s', want '%s'", in, out, want);
}

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

static void q_bad(const char *in, bool json, const char *want)
{
	char out[CHECK_QUANTITY_MAX];

	reason[0] = 0;
	if (check_quantity(in, strlen(in), json, out, reason,
	                   sizeof(reason)) == 0)
		fail_msg("quantity '%s' (json %d) accepted as '%s'", in, json,
		         out);
	expect_reason(in, want);
}

static void id_ok(const char *in, const char *want)
{
	char out[CHECK_ID_MAX + 1];

	if (check_subscription_id(in, strlen(in), out, reason, sizeof(reason)))
		fail_msg("id '%s' rejected: %s", in, reason);
	assert_string_equal(out, want);
}

static void id_bad(const char *in, const char *want)
{
	char out[CHECK_ID_MAX + 1];

	reason[0] = 0;
	if (check_subscription_id(in, strlen(in), out, reason,
	                          sizeof(reason)) == 0)
		fail_msg("id '%s' accepted", in);
	expect_reason(in, want);
}

static int64_t t_ok(const struct check_policy *p, const char *in,
                    const char *want)
{
	char out[CHECK_TIME_MAX];
	int64_t ms = -1;

	reason[0] = 0;
	if (check_usage_time(p, in, in ? strlen(in) : 0, NOW_MS, &ms, out,
	                     reason, sizeof(reason)))
		fail_msg("usageTime '%s' rejected: %s", in, reason);
	if (strcmp(out, want) != 0)
		fail_msg("usageTime '%s' -> '%s', want '%s'", in, out, want);
	return ms;
}

static void t_bad(const struct check_policy *p, const char *in,
                  const char *want)
{
	char out[CHECK_TIME_MAX];
	int64_t ms;

	reason[0] = 0;
	if (check_usage_time(p, in, strlen(in), NOW_MS, &ms, out, reason,
	                     sizeof(reason)) == 0)
		fail_msg("usageTime '%s' accepted as '%s'", in, out);
	expect_reason(in, want);
}

static int64_t arg_ms(const char *s)
{
	int64_t ms;

	if (timefmt_parse_bound(s, &ms, reason, sizeof(reason)))
		fail_msg("time argument '%s' rejected: %s", s, reason);
	return ms;
}

/* ---- subscriptionId ----------------------------------------------------- */

static void test_id_basic(void **state)
{
	(void)state;
	id_ok("sub_1", "sub_1");
	id_ok("  sub-1\t ", "sub-1");
	id_ok("@~-._AZaz09", "@~-._AZaz09");
	id_ok("sub_0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJ",
	      "sub_0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJ");
	id_ok("4f6cf35x-2c4y-483z-a0a9-158621f77a21",
	      "4f6cf35x-2c4y-483z-a0a9-158621f77a21");
	id_ok("a@b.c~d", "a@b.c~d");
	id_bad("", "subscriptionId is empty");
	id_bad(" \t ", "subscriptionId is empty");
	reason[0] = 0;
	{
		char out[CHECK_ID_MAX + 1];
		assert_int_equal(check_subscription_id(NULL, 0, out, reason,
		                                       sizeof(reason)),
		                 -1);
		assert_string_equal(reason, "subscriptionId is missing");
	}
}

static void test_id_length(void **state)
{
	char s[64];

	(void)state;
	memset(s, 'a', 50);
	s[50] = 0;
	id_ok(s, s);
	s[50] = 'a';
	s[51] = 0;
	id_bad(s, "subscriptionId has 51 characters; at most 50 are allowed");
	/* trimming happens before counting */
	s[50] = 0;
	{
		char padded[80];
		snprintf(padded, sizeof(padded), "   %s   ", s);
		id_ok(padded, s);
	}
}

static void test_id_chars(void **state)
{
	/* every printable ASCII character outside the alphabet */
	static const char other[] = "!\"#$%&'()*+,/:;<=>?[\\]^`{|}";
	const char *p;
	char in[8], want[200];

	(void)state;
	for (p = other; *p; p++) {
		snprintf(in, sizeof(in), "a%cb", *p);
		snprintf(want, sizeof(want),
		         "subscriptionId 'a%cb' contains '%c', which no "
		         "subscription id can hold (ASCII letters, digits and _ @ ~ . "
		         "- only)",
		         *p, *p);
		id_bad(in, want);
	}
	/* issue 10: ids no subscription can have */
	id_bad("sub:1", "subscriptionId 'sub:1' contains ':', which no "
	                "subscription id can hold (ASCII letters, digits and _ @ ~ "
	                ". - only)");
	id_bad("a!b", "subscriptionId 'a!b' contains '!', which no "
	              "subscription id can hold (ASCII letters, digits and _ @ ~ . "
	              "- only)");
	id_bad("a b", "subscriptionId 'a b' contains a space, which no "
	              "subscription id can hold (ASCII letters, digits and _ @ ~ . "
	              "- only)");
	id_bad("a\tb", "subscriptionId 'a?b' contains byte 0x09, which no "
	                "subscription id can hold (ASCII letters, digits and _ @ ~ "
	                ". - only)");
	id_bad("a\x7f", "~contains byte 0x7f, which");
	id_bad("s\xc3\xbc"
	       "b",
	       "subscriptionId 's\xc3\xbc"
	       "b' contains '\xc3\xbc', which no subscription id can hold "
	       "(ASCII letters, digits and _ @ ~ . - only)");
	id_bad("sub_\xff", "~contains byte 0xff, which");
	/* the first bad character is named, wherever it is */
	id_bad("sub_12345678901234567890:x",
	       "~'sub_12345678901234567890:x' contains ':', which");
	id_bad("sub_1234567890123456789/", "~contains '/', which");
	id_bad("sub_1234567:", "~contains ':', which");
	/* a bad character is named before a bad length */
	id_bad("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa;",
	       "~contains ';', which");
}

/* Every byte at every position of ids of every length up to 24 (the word
 * loop, the overlapping last word, the short loop): accepted exactly when
 * it is in the alphabet. */
static void test_id_alphabet_exhaustive(void **state)
{
	char in[32], out[CHECK_ID_MAX + 1];
	size_t len, pos;
	int c;

	(void)state;
	for (len = 1; len <= 24; len++)
		for (pos = 0; pos < len; pos++)
			for (c = 1; c < 256; c++) {
				int good = (c >= '0' && c <= '9') ||
				           (c >= 'a' && c <= 'z') ||
				           (c >= 'A' && c <= 'Z') || c == '_' ||
				           c == '@' || c == '~' || c == '.' ||
				           c == '-';
				int rc;

				memset(in, 'x', len);
				in[pos] = (char)c;
				if (c == ' ' || c == '\t')
					continue; /* trimmed at the ends */
				rc = check_subscription_id(in, len, out, reason,
				                           sizeof(reason));
				if (rc != (good ? 0 : -1))
					fail_msg("byte 0x%02x at %zu of %zu: %d", c,
					         pos, len, rc);
			}
}

/* ---- quantity ----------------------------------------------------------- */

static void test_quantity_canonical(void **state)
{
	(void)state;
	q_ok("5", false, "5");
	q_ok("5.25", false, "5.25");
	q_ok("5.250", false, "5.25");
	q_ok("5.2500", false, "5.25");
	q_ok("005", false, "5");
	q_ok(".5", false, "0.5");
	q_ok("0.5", false, "0.5");
	q_ok("5.", false, "5");
	q_ok("1.000", false, "1");
	q_ok("100", false, "100");
	q_ok("100.0", false, "100");
	q_ok("0010.010", false, "10.01");
	q_ok(" 7 ", false, "7");
	q_ok("\t7.5\t", false, "7.5");
}

static void test_quantity_minimum(void **state)
{
	(void)state;
	q_ok("0.001", false, "0.001");
	q_ok("0.0010", false, "0.001");
	q_ok(".001", false, "0.001");
	q_ok("0.01", false, "0.01");
	q_bad("0.0009", false, "quantity 0.0009 is below the minimum 0.001");
	q_bad("0", false, "quantity 0 is below the minimum 0.001");
	q_bad("0.000", false, "quantity 0.000 is below the minimum 0.001");
	q_bad("000", false, "~below the minimum 0.001");
	q_bad("0.00000000000000000001", false, "~below the minimum");
}

static void test_quantity_decimals(void **state)
{
	(void)state;
	q_ok("1.234", false, "1.234");
	q_ok("1.2340000", false, "1.234");
	q_bad("1.2345", false,
	      "quantity 1.2345 has 4 decimals; at most 3 are allowed");
	q_bad("0.0015", false,
	      "quantity 0.0015 has 4 decimals; at most 3 are allowed");
}

static void test_quantity_digits(void **state)
{
	(void)state;
	q_ok("123456789012345", false, "123456789012345");
	q_ok("000123456789012345", false, "123456789012345");
	q_ok("123456789012.345", false, "123456789012.345");
	q_ok("123456789012.3450000", false, "123456789012.345");
	q_ok("0.123", false, "0.123");
	q_ok("999999999999999", false, "999999999999999");
	q_bad("1234567890123456", false,
	      "quantity 1234567890123456 has 16 significant digits; at most "
	      "15 are allowed");
	q_bad("1234567890123.456", false, "~has 16 significant digits");
	/* an integer's own zeros are digits of the value sent */
	q_ok("100000000000000", false, "100000000000000");
	q_bad("1000000000000000", false, "~has 16 significant digits");
}

static void test_quantity_text_rejects(void **state)
{
	static const char *const bad[] = {
		"",      ".",    "+5",   "1e3",  "1E3",    "NaN",   "nan",
		"inf",   "Infinity", "5 kg", "1 000", "0x10", "5..2", "5.2.1",
		"1_000", "5\t5", "--5",  "five", "5%",     "$5",    "1,5",
	};
	size_t i;

	(void)state;
	q_bad("1,000", false,
	      "quantity '1,000' is not a decimal number (digits with an "
	      "optional '.', no sign, exponent, separators or units); if ',' "
	      "is the decimal mark, pass --decimal-comma");
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		q_bad(bad[i], false, bad[i][0] ? "~is not a decimal number"
		                               : "~quantity is empty");
	q_bad("   ", false, "~quantity is empty");
	q_bad("-5", false,
	      "quantity -5 is negative; it must be at least 0.001");
	q_bad("-0", false, "~is not a decimal number");
	/* a JSON string holding a number is text: no exponent */
	q_bad("1.5e2", false, "~is not a decimal number");
}

static void test_quantity_json(void **state)
{
	(void)state;
	q_ok("5", true, "5");
	q_ok("5.250", true, "5.25");
	q_ok("1.5e2", true, "150");
	q_ok("1.5E+2", true, "150");
	q_ok("1E-3", true, "0.001");
	q_ok("0.0015e1", true, "0.015");
	q_ok("12.5e-1", true, "1.25");
	q_bad("123e-5", true,
	      "quantity 123e-5 has 5 decimals; at most 3 are allowed");
	q_ok("1e14", true, "100000000000000");
	q_ok("0.001e0", true, "0.001");
	q_ok("100e-2", true, "1");
	q_ok("7", true, "7");
	q_bad("1e15", true, "~has 16 significant digits");
	q_bad("9e-4", true, "quantity 9e-4 is below the minimum 0.001");
	q_bad("1234.5e-4", true,
	      "quantity 1234.5e-4 has 5 decimals; at most 3 are allowed");
	q_bad("0e5", true, "quantity 0e5 is below the minimum 0.001");
	q_bad("-1", true, "quantity -1 is negative; it must be at least 0.001");
	q_bad("-0.5e1", true, "~is negative");
	q_bad("-0", true, "~below the minimum 0.001");
	q_bad("01", true, "quantity '01' is not a valid JSON number");
	q_bad("1.", true, "~not a valid JSON number");
	q_bad(".5", true, "~not a valid JSON number");
	q_bad("1e", true, "~not a valid JSON number");
	q_bad("1e+", true, "~not a valid JSON number");
	q_bad("+1", true, "~not a valid JSON number");
	q_bad("NaN", true, "~not a valid JSON number");
}

static void test_quantity_huge_exponents(void **state)
{
	static char big[70000];

	(void)state;
	q_bad("1e999999999", true,
	      "quantity 1e999999999 has 1000000000 significant digits; at "
	      "most 15 are allowed");
	q_bad("1e-999999999", true, "~below the minimum 0.001");
	q_bad("1e99999999999999999999999999999", true,
	      "~is too large; at most 15 significant digits are allowed");
	q_bad("1e-99999999999999999999999999999", true, "~below the minimum");
	q_bad("0e99999999999999999999999999999", true, "~below the minimum");
	q_bad("0.000e-99999999999999999999999", true, "~below the minimum");
	/* a 64 KiB mantissa is one linear scan */
	memset(big, '0', sizeof(big) - 1);
	big[0] = '1';
	q_bad(big, true, "~significant digits; at most 15");
	q_bad(big, false, "~significant digits; at most 15");
	big[1] = '.';
	q_ok(big, false, "1"); /* zeros after the point are free */
	big[sizeof(big) - 2] = '1';
	q_bad(big, false, "~decimals; at most 3 are allowed");
	memcpy(big, "0.", 2);
	q_bad(big, false, "~below the minimum");
	/* the quoted value is capped */
	assert_true(strlen(reason) < 120);
	assert_non_null(strstr(reason, "..."));
}

/* --decimal-comma: ',' is the mark in text, the value is sent with '.',
 * reasons keep the value as read (issue 11) */
static void qc_ok(const char *in, bool json, const char *want)
{
	char out[CHECK_QUANTITY_MAX];

	reason[0] = 0;
	if (check_quantity_comma(in, strlen(in), json, out, reason,
	                         sizeof(reason)))
		fail_msg("quantity '%s' (comma, json %d) rejected: %s", in, json,
		         reason);
	if (strcmp(out, want) != 0)
		fail_msg("quantity '%s' (comma) -> '%s', want '%s'", in, out,
		         want);
}

static void qc_bad(const char *in, const char *want)
{
	char out[CHECK_QUANTITY_MAX];

	reason[0] = 0;
	if (check_quantity_comma(in, strlen(in), false, out, reason,
	                         sizeof(reason)) == 0)
		fail_msg("quantity '%s' (comma) accepted as '%s'", in, out);
	expect_reason(in, want);
}

static void test_quantity_decimal_comma(void **state)
{
	(void)state;
	qc_ok("1,5", false, "1.5");
	qc_ok("12,25", false, "12.25");
	qc_ok("0,001", false, "0.001");
	qc_ok(" 5 ", false, "5");
	qc_ok(",5", false, "0.5");
	qc_ok("5,", false, "5");
	qc_ok("5,250", false, "5.25");
	qc_ok("005,2500", false, "5.25");
	qc_ok("123456789012,345", false, "123456789012.345");
	/* a JSON number is JSON's: '.' and exponent */
	qc_ok("1.5", true, "1.5");
	qc_ok("1.5e2", true, "150");
	qc_bad("1,2345", "quantity 1,2345 has 4 decimals; at most 3 are "
	                 "allowed");
	qc_bad("0,0009", "quantity 0,0009 is below the minimum 0.001");
	qc_bad("-1,5", "quantity -1,5 is negative; it must be at least 0.001");
	qc_bad("1234567890123,456",
	       "quantity 1234567890123,456 has 16 significant digits; at most "
	       "15 are allowed");
	/* a '.' may be a thousands separator here: refused, not guessed */
	qc_bad("1.5", "quantity '1.5' is not a decimal number (digits with an "
	              "optional ',' as --decimal-comma says, no sign, "
	              "exponent, separators or units)");
	qc_bad("1.234,5", "~is not a decimal number");
	qc_bad("1,2,3", "~is not a decimal number");
	/* without the option, a comma-shaped value says what to pass */
	q_bad("1,5", false,
	      "quantity '1,5' is not a decimal number (digits with an optional "
	      "'.', no sign, exponent, separators or units); if ',' is the "
	      "decimal mark, pass --decimal-comma");
	q_bad("1,2,3", false,
	      "quantity '1,2,3' is not a decimal number (digits with an "
	      "optional '.', no sign, exponent, separators or units)");
}

static void test_quantity_quoting(void **state)
{
	(void)state;
	q_bad("5\x01kg", false, "~'5?kg'");
	q_bad("5\x1b[31m", false, "~'5?[31m'");
	q_bad("5 \xe2\x82\xac", false, "~'5 \xe2\x82\xac'");
	q_bad("5\xff", false, "~'5?'");
	q_bad("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
	      false, "~'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa...'");
}

/* ---- usageTime ---------------------------------------------------------- */

static void test_time_zones(void **state)
{
	struct check_policy p;

	(void)state;
	policy_init(&p);
	t_bad(&p, "2026-01-01T10:00:00",
	      "usageTime '2026-01-01T10:00:00' has no time zone; add Z or an "
	      "offset like +02:00, or pass --time-zone");
	t_bad(&p, "2026-01-01",
	      "usageTime '2026-01-01' is a date without a time zone; write "
	      "2026-01-01T00:00:00Z (or with an offset), or pass --time-zone");
	p.time.has_zone = true;
	p.time.zone_offset_min = 120;
	t_ok(&p, "2026-01-01T10:00:00", "2026-01-01T08:00:00Z");
	t_ok(&p, "2026-01-01 10:00:00.25", "2026-01-01T08:00:00.250Z");
	t_ok(&p, "2026-01-01", "2025-12-31T22:00:00Z");
	/* an explicit offset wins over --time-zone */
	t_ok(&p, "2026-01-01T10:00:00Z", "2026-01-01T10:00:00Z");
	t_ok(&p, "2026-01-01T10:00:00-01:00", "2026-01-01T11:00:00Z");
	p.time.zone_offset_min = -330;
	t_ok(&p, "2026-01-01T10:00:00", "2026-01-01T15:30:00Z");
	p.time.zone_offset_min = 0;
	t_ok(&p, "2026-01-01", "2026-01-01T00:00:00Z");
	/* values are borrowed without a NUL: nothing past len may be read
	 * (found by fuzzing; ASan sees it only in an exactly sized block) */
	{
		char *exact = malloc(10), out[CHECK_TIME_MAX];
		int64_t ms;

		assert_non_null(exact);
		memcpy(exact, "2026-01-01", 10);
		assert_int_equal(check_usage_time(&p, exact, 10, NOW_MS, &ms,
		                                  out, reason, sizeof(reason)),
		                 0);
		assert_string_equal(out, "2026-01-01T00:00:00Z");
		free(exact);
	}
}

static void test_time_missing(void **state)
{
	struct check_policy p;
	char out[CHECK_TIME_MAX];
	int64_t ms = 5;

	(void)state;
	policy_init(&p);
	p.stamp_time = true;
	assert_int_equal(check_usage_time(&p, NULL, 0, NOW_MS, &ms, out,
	                                  reason, sizeof(reason)),
	                 0);
	assert_string_equal(out, "");
	assert_true(ms == 0);
	t_ok(&p, "", "");
	t_ok(&p, "   ", "");
	p.stamp_time = false;
	t_bad(&p, "", "no usageTime; pass --stamp-time to send it at the run's start time");
	t_bad(&p, " ", "no usageTime; pass --stamp-time to send it at the run's start time");
	p.time.kind = TIMEFMT_EPOCH;
	t_bad(&p, "", "no usageTime; pass --stamp-time to send it at the run's start time");
}

static void test_time_window(void **state)
{
	struct check_policy p;

	(void)state;
	policy_init(&p);
	/* now = 2026-11-26T14:00:00Z; the default bound is now + 5 minutes */
	assert_true(arg_ms("2026-11-26T14:00:00Z") == NOW_MS);
	t_ok(&p, "2026-11-26T14:05:00Z", "2026-11-26T14:05:00Z");
	t_ok(&p, "2026-11-26T14:05:00.000Z", "2026-11-26T14:05:00Z");
	t_bad(&p, "2026-11-26T14:05:00.001Z",
	      "usageTime 2026-11-26T14:05:00.001Z is after the upper bound "
	      "2026-11-26T14:05:00Z (now + 5 minutes); pass --not-after to "
	      "change it");
	t_bad(&p, "2030-01-01T00:00:00Z",
	      "usageTime 2030-01-01T00:00:00Z is after the upper bound "
	      "2026-11-26T14:05:00Z (now + 5 minutes); pass --not-after to "
	      "change it");
	t_bad(&p, "2026-11-26T16:05:01+02:00",
	      "usageTime 2026-11-26T16:05:01+02:00 (2026-11-26T14:05:01Z) is "
	      "after the upper bound 2026-11-26T14:05:00Z (now + 5 minutes); "
	      "pass --not-after to change it");
	t_ok(&p, "1970-01-01T00:00:00Z", "1970-01-01T00:00:00Z");
	t_ok(&p, "1969-12-31T23:59:59.999Z", "1969-12-31T23:59:59.999Z");

	p.has_not_before = true;
	p.not_before_ms = arg_ms("2026-01-01");
	t_ok(&p, "2026-01-01T00:00:00Z", "2026-01-01T00:00:00Z");
	t_ok(&p, "2026-01-01T01:00:00+01:00", "2026-01-01T00:00:00Z");
	t_bad(&p, "2025-12-31T23:59:59.999Z",
	      "usageTime 2025-12-31T23:59:59.999Z is before --not-before "
	      "2026-01-01T00:00:00Z");

	p.has_not_after = true;
	p.not_after_ms = arg_ms("2031-01-01T00:00:00Z");
	t_ok(&p, "2030-01-01T00:00:00Z", "2030-01-01T00:00:00Z");
	t_ok(&p, "2031-01-01T00:00:00Z", "2031-01-01T00:00:00Z");
	t_bad(&p, "2031-01-01T00:00:00.001Z",
	      "usageTime 2031-01-01T00:00:00.001Z is after --not-after "
	      "2031-01-01T00:00:00Z");
	/* --not-after DATE: that whole day is inside (issue 11) */
	assert_int_equal(timefmt_parse_end_bound("2030-12-31", &p.not_after_ms,
	                                         reason, sizeof(reason)),
	                 0);
	t_ok(&p, "2030-12-31T23:59:59.999Z", "2030-12-31T23:59:59.999Z");
	t_ok(&p, "2030-12-31T18:59:59-05:00", "2030-12-31T23:59:59Z");
	t_bad(&p, "2031-01-01T00:00:00Z",
	      "usageTime 2031-01-01T00:00:00Z is after --not-after "
	      "2030-12-31T23:59:59.999Z");
	p.not_after_ms = arg_ms("9999-12-31T23:59:59.999Z");
	p.has_not_before = false;
	t_ok(&p, "9999-12-31T23:59:59.999Z", "9999-12-31T23:59:59.999Z");
	t_bad(&p, "9999-12-31T23:59:59-00:01", "~is outside 0001-01-01");
}

/* The value is trimmed before it is read, whatever its form, and epoch
 * values meet the same window. */
static void test_time_trim_epoch_window(void **state)
{
	struct check_policy p;

	(void)state;
	policy_init(&p);
	t_ok(&p, "  2026-01-01T10:00:00Z\t", "2026-01-01T10:00:00Z");
	t_ok(&p, "\t2026-01-01T10:00:00.500Z ", "2026-01-01T10:00:00.500Z");
	p.time.kind = TIMEFMT_EPOCH;
	t_ok(&p, " 1767225600 ", "2026-01-01T00:00:00Z");
	t_bad(&p, "1893456000",
	      "usageTime 1893456000 (2030-01-01T00:00:00Z) is after the upper "
	      "bound 2026-11-26T14:05:00Z (now + 5 minutes); pass --not-after "
	      "to change it");
	p.has_not_after = true;
	p.not_after_ms = arg_ms("9999-12-31T23:59:59.999Z");
	t_ok(&p, "4102444799", "2099-12-31T23:59:59Z");
	p.time.kind = TIMEFMT_EPOCH_MS;
	t_ok(&p, "\t1767225600123", "2026-01-01T00:00:00.123Z");
}

/* ---- acceptPartialQuantity ---------------------------------------------- */

static void test_bool(void **state)
{
	static const char *const yes[] = { "true", "TRUE", "True", "1",
		                           "yes", "YES", " yes\t" };
	static const char *const no[] = { "false", "FALSE", "0", "no", "No" };
	size_t i;
	int v;

	(void)state;
	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		assert_int_equal(check_bool(yes[i], strlen(yes[i]), &v, reason,
		                            sizeof(reason)),
		                 0);
		assert_int_equal(v, 1);
	}
	for (i = 0; i < sizeof(no) / sizeof(no[0]); i++) {
		assert_int_equal(check_bool(no[i], strlen(no[i]), &v, reason,
		                            sizeof(reason)),
		                 0);
		assert_int_equal(v, 0);
	}
	assert_int_equal(check_bool("", 0, &v, reason, sizeof(reason)), 0);
	assert_int_equal(v, -1);
	assert_int_equal(check_bool("  ", 2, &v, reason, sizeof(reason)), 0);
	assert_int_equal(v, -1);
	assert_int_equal(check_bool(NULL, 0, &v, reason, sizeof(reason)), 0);
	assert_int_equal(v, -1);
	assert_int_equal(check_bool("maybe", 5, &v, reason, sizeof(reason)),
	                 -1);
	assert_string_equal(reason, "acceptPartialQuantity 'maybe' is not a "
	                            "boolean (true/false, 1/0, yes/no)");
	assert_int_equal(check_bool("2", 1, &v, reason, sizeof(reason)), -1);
	assert_int_equal(check_bool("truee", 5, &v, reason, sizeof(reason)),
	                 -1);
	assert_int_equal(check_bool("y", 1, &v, reason, sizeof(reason)), -1);
}

/* ---- records ------------------------------------------------------------ */

static void set(struct record *r, enum config_field f, const char *text,
                enum reader_kind kind)
{
	r->v[f].present = text != NULL;
	r->v[f].text = text;
	r->v[f].len = text ? strlen(text) : 0;
	r->v[f].kind = kind;
}

static void good_record(struct record *r)
{
	memset(r, 0, sizeof(*r));
	r->line = 42;
	set(r, CONFIG_FIELD_SUBSCRIPTION_ID, " sub_1 ", READER_STRING);
	set(r, CONFIG_FIELD_QUANTITY, "5.250", READER_STRING);
	set(r, CONFIG_FIELD_USAGE_TIME, "2026-01-01T10:00:00+02:00",
	    READER_STRING);
	set(r, CONFIG_FIELD_ACCEPT_PARTIAL, "yes", READER_STRING);
}

static int run(const struct check_policy *p, const struct record *r,
               struct usage *u)
{
	reason[0] = 0;
	return check_record(p, r, NOW_MS, u, reason, sizeof(reason));
}

static void test_record_ok(void **state)
{
	struct check_policy p;
	struct record r;
	struct usage u;

	(void)state;
	policy_init(&p);
	good_record(&r);
	assert_int_equal(run(&p, &r, &u), 0);
	assert_int_equal(u.line, 42);
	assert_string_equal(u.subscription_id, "sub_1");
	assert_string_equal(u.quantity, "5.25");
	assert_string_equal(u.usage_time, "2026-01-01T08:00:00Z");
	assert_true(u.usage_time_ms == INT64_C(1767225600000) + 8 * 3600000);
	assert_int_equal(u.accept_partial, 1);

	/* JSON kinds */
	set(&r, CONFIG_FIELD_QUANTITY, "1.5e2", READER_NUMBER);
	set(&r, CONFIG_FIELD_ACCEPT_PARTIAL, "false", READER_FALSE);
	assert_int_equal(run(&p, &r, &u), 0);
	assert_string_equal(u.quantity, "150");
	assert_int_equal(u.accept_partial, 0);
	set(&r, CONFIG_FIELD_ACCEPT_PARTIAL, "true", READER_TRUE);
	assert_int_equal(run(&p, &r, &u), 0);
	assert_int_equal(u.accept_partial, 1);
	set(&r, CONFIG_FIELD_ACCEPT_PARTIAL, NULL, READER_NULL);
	assert_int_equal(run(&p, &r, &u), 0);
	assert_int_equal(u.accept_partial, -1);
	set(&r, CONFIG_FIELD_ACCEPT_PARTIAL, "", READER_STRING);
	assert_int_equal(run(&p, &r, &u), 0);
	assert_int_equal(u.accept_partial, -1);
	/* a JSON string holding a number is text */
	set(&r, CONFIG_FIELD_QUANTITY, "0.50", READER_STRING);
	assert_int_equal(run(&p, &r, &u), 0);
	assert_string_equal(u.quantity, "0.5");
	/* no usageTime: a reject, or with --stamp-time stamped later */
	set(&r, CONFIG_FIELD_USAGE_TIME, NULL, READER_NULL);
	assert_int_equal(run(&p, &r, &u), -1);
	p.stamp_time = true;
	assert_int_equal(run(&p, &r, &u), 0);
	assert_string_equal(u.usage_time, "");
	assert_true(u.usage_time_ms == 0);
	p.stamp_time = false;
	/* --decimal-comma: text with ',', a JSON number as JSON says */
	p.decimal_comma = true;
	set(&r, CONFIG_FIELD_USAGE_TIME, "2026-01-01T10:00:00Z", READER_STRING);
	set(&r, CONFIG_FIELD_QUANTITY, "2,50", READER_STRING);
	assert_int_equal(run(&p, &r, &u), 0);
	assert_string_equal(u.quantity, "2.5");
	set(&r, CONFIG_FIELD_QUANTITY, "2.5", READER_NUMBER);
	assert_int_equal(run(&p, &r, &u), 0);
	assert_string_equal(u.quantity, "2.5");
	set(&r, CONFIG_FIELD_QUANTITY, "2.5", READER_STRING);
	assert_int_equal(run(&p, &r, &u), -1);
	assert_non_null(strstr(reason, "optional ',' as --decimal-comma says"));
	p.decimal_comma = false;
	set(&r, CONFIG_FIELD_QUANTITY, "0.50", READER_STRING);
	/* epoch as a JSON number */
	p.time.kind = TIMEFMT_EPOCH;
	set(&r, CONFIG_FIELD_USAGE_TIME, "1767225600.25", READER_NUMBER);
	assert_int_equal(run(&p, &r, &u), 0);
	assert_string_equal(u.usage_time, "2026-01-01T00:00:00.250Z");
}

static void test_record_kinds(void **state)
{
	struct check_policy p;
	struct record r;
	struct usage u;

	(void)state;
	policy_init(&p);
	good_record(&r);
	set(&r, CONFIG_FIELD_SUBSCRIPTION_ID, "12345", READER_NUMBER);
	assert_int_equal(run(&p, &r, &u), -1);
	assert_string_equal(reason, "subscriptionId must be a string, not a "
	                            "number");
	set(&r, CONFIG_FIELD_SUBSCRIPTION_ID, "true", READER_TRUE);
	assert_int_equal(run(&p, &r, &u), -1);
	assert_string_equal(reason, "subscriptionId must be a string, not a "
	                            "boolean");
	set(&r, CONFIG_FIELD_SUBSCRIPTION_ID, NULL, READER_NULL);
	assert_int_equal(run(&p, &r, &u), -1);
	assert_string_equal(reason, "subscriptionId is missing");

	good_record(&r);
	set(&r, CONFIG_FIELD_QUANTITY, "true", READER_TRUE);
	assert_int_equal(run(&p, &r, &u), -1);
	assert_string_equal(reason, "quantity must be a number or a string, "
	                            "not a boolean");
	set(&r, CONFIG_FIELD_QUANTITY, "[1]", READER_COMPOSITE);
	assert_int_equal(run(&p, &r, &u), -1);
	assert_string_equal(reason, "quantity must be a number or a string, "
	                            "not an object or array");
	set(&r, CONFIG_FIELD_QUANTITY, NULL, READER_NULL);
	assert_int_equal(run(&p, &r, &u), -1);
	assert_string_equal(reason, "quantity is missing");
	/* --map quantity=usage.total: the reason names the path given */
	p.map[CONFIG_FIELD_QUANTITY] = "usage.total";
	assert_int_equal(run(&p, &r, &u), -1);
	assert_string_equal(reason, "quantity is missing: --map "
	                            "quantity=usage.total finds no value in "
	                            "this row (no such member, or null)");
	p.map[CONFIG_FIELD_QUANTITY] = NULL;

	good_record(&r);
	set(&r, CONFIG_FIELD_USAGE_TIME, "{}", READER_COMPOSITE);
	assert_int_equal(run(&p, &r, &u), -1);
	assert_string_equal(reason, "usageTime must be a string, not an "
	                            "object or array");
	set(&r, CONFIG_FIELD_USAGE_TIME, "1767225600", READER_NUMBER);
	assert_int_equal(run(&p, &r, &u), -1);
	assert_non_null(strstr(reason, "pass --time-format epoch"));

	good_record(&r);
	set(&r, CONFIG_FIELD_ACCEPT_PARTIAL, "1", READER_NUMBER);
	assert_int_equal(run(&p, &r, &u), -1);
	assert_string_equal(reason, "acceptPartialQuantity 1 is a number; use "
	                            "true or false");
	set(&r, CONFIG_FIELD_ACCEPT_PARTIAL, "{}", READER_COMPOSITE);
	assert_int_equal(run(&p, &r, &u), -1);
	assert_string_equal(reason, "acceptPartialQuantity must be true or "
	                            "false, not an object or array");
	set(&r, CONFIG_FIELD_ACCEPT_PARTIAL, "maybe", READER_STRING);
	assert_int_equal(run(&p, &r, &u), -1);
	assert_string_equal(reason, "acceptPartialQuantity 'maybe' is not a "
	                            "boolean (true/false, 1/0, yes/no)");
}

static void test_record_first_failure(void **state)
{
	struct check_policy p;
	struct record r;
	struct usage u;

	(void)state;
	policy_init(&p);
	memset(&r, 0, sizeof(r));
	r.line = 7;
	set(&r, CONFIG_FIELD_SUBSCRIPTION_ID, "a;b", READER_STRING);
	set(&r, CONFIG_FIELD_QUANTITY, "0", READER_STRING);
	set(&r, CONFIG_FIELD_USAGE_TIME, "", READER_STRING);
	set(&r, CONFIG_FIELD_ACCEPT_PARTIAL, "maybe", READER_STRING);
	assert_int_equal(run(&p, &r, &u), -1);
	assert_int_equal(u.line, 7);
	assert_non_null(strstr(reason, "subscriptionId 'a;b' contains ';', which"));
	set(&r, CONFIG_FIELD_SUBSCRIPTION_ID, "ab", READER_STRING);
	assert_int_equal(run(&p, &r, &u), -1);
	assert_string_equal(reason, "quantity 0 is below the minimum 0.001");
	set(&r, CONFIG_FIELD_QUANTITY, "1", READER_STRING);
	assert_int_equal(run(&p, &r, &u), -1);
	assert_string_equal(reason, "no usageTime; pass --stamp-time to send it at the run's start time");
	set(&r, CONFIG_FIELD_USAGE_TIME, "2026-01-01T00:00:00Z", READER_STRING);
	assert_int_equal(run(&p, &r, &u), -1);
	assert_non_null(strstr(reason, "acceptPartialQuantity 'maybe'"));
	set(&r, CONFIG_FIELD_ACCEPT_PARTIAL, "no", READER_STRING);
	assert_int_equal(run(&p, &r, &u), 0);
}

static void test_policy_from_config(void **state)
{
	struct config cfg;
	struct check_policy p;

	(void)state;
	config_defaults(&cfg);
	cfg.has_time_zone = true;
	cfg.time_zone_offset_min = -330;
	cfg.time_format = CONFIG_TIME_EPOCH_MS;
	cfg.has_not_before = true;
	cfg.not_before_ms = 11;
	cfg.has_not_after = true;
	cfg.not_after_ms = 22;
	cfg.stamp_time = true;
	cfg.decimal_comma = true;
	check_policy_from_config(&p, &cfg);
	assert_true(p.decimal_comma);
	assert_true(p.time.has_zone);
	assert_int_equal(p.time.zone_offset_min, -330);
	assert_int_equal(p.time.kind, TIMEFMT_EPOCH_MS);
	assert_true(p.has_not_before && p.not_before_ms == 11);
	assert_true(p.has_not_after && p.not_after_ms == 22);
	assert_true(p.stamp_time);
	assert_null(p.time.zone);
	assert_int_equal(p.time.dst, TIMEFMT_DST_REJECT);
	/* a pattern and a zone are borrowed from cfg */
	cfg.time_format = CONFIG_TIME_PATTERN;
	assert_int_equal(timefmt_pattern_compile("%d.%m.%Y", &cfg.time_pattern,
	                                         reason, sizeof(reason)),
	                 0);
	cfg.dst = TIMEFMT_DST_LATER;
	cfg.has_not_after = false;
	cfg.has_not_before = false;
	assert_int_equal(timefmt_zone_load("Europe/Berlin", NULL, &cfg.time_zone,
	                                   reason, sizeof(reason)),
	                 RB_OK);
	check_policy_from_config(&p, &cfg);
	assert_int_equal(p.time.kind, TIMEFMT_PATTERN);
	assert_ptr_equal(p.time.pattern, &cfg.time_pattern);
	assert_ptr_equal(p.time.zone, cfg.time_zone);
	assert_int_equal(p.time.dst, TIMEFMT_DST_LATER);
	t_ok(&p, " 26.10.2025 ", "2025-10-25T22:00:00Z");
	config_free(&cfg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_id_basic),
		cmocka_unit_test(test_id_length),
		cmocka_unit_test(test_id_chars),
		cmocka_unit_test(test_id_alphabet_exhaustive),
		cmocka_unit_test(test_quantity_canonical),
		cmocka_unit_test(test_quantity_minimum),
		cmocka_unit_test(test_quantity_decimals),
		cmocka_unit_test(test_quantity_digits),
		cmocka_unit_test(test_quantity_text_rejects),
		cmocka_unit_test(test_quantity_json),
		cmocka_unit_test(test_quantity_huge_exponents),
		cmocka_unit_test(test_quantity_quoting),
		cmocka_unit_test(test_quantity_decimal_comma),
		cmocka_unit_test(test_time_zones),
		cmocka_unit_test(test_time_missing),
		cmocka_unit_test(test_time_window),
		cmocka_unit_test(test_time_trim_epoch_window),
		cmocka_unit_test(test_bool),
		cmocka_unit_test(test_record_ok),
		cmocka_unit_test(test_record_kinds),
		cmocka_unit_test(test_record_first_failure),
		cmocka_unit_test(test_policy_from_config),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
