/* fuzz_check: the single rules of check.h driven directly. The first byte
 * picks the rule and its options; the rest is the value, passed as an
 * exactly sized buffer without a NUL (values are borrowed from a row), or
 * cut at its first NUL for the option parsers, which take C strings.
 * Accepted values must be canonical and fixed points of their rule. */
#include "fuzz.h"
#include "hash.h"

enum { Q_TEXT, Q_JSON, T_ISO, T_EPOCH, T_EPOCH_MS, ID, BOOL, TIME_ARG, OFFSET,
       FORMAT, NRULES };

static void one_quantity(const char *s, size_t n, bool json)
{
	char out[CHECK_QUANTITY_MAX], other[CHECK_QUANTITY_MAX], reason[512];

	reason[0] = 0;
	if (check_quantity(s, n, json, out, reason, sizeof(reason))) {
		fuzz_check_line(reason, sizeof(reason), "quantity reason");
		FUZZ_CHECK(out[0] == 0, "refused, yet out is '%s'", out);
		return;
	}
	fuzz_check_quantity_out(out);
	/* a value both modes accept is the same number */
	if (!check_quantity(s, n, !json, other, reason, sizeof(reason)))
		FUZZ_CHECK(!strcmp(out, other), "'%.*s' is %s as %s, %s else",
		           (int)n, s, out, json ? "JSON" : "text", other);
}

/* --decimal-comma: the value with ',' for '.' (and no '.' of its own) is
 * the same number as with '.', and is refused exactly as often. */
static void one_quantity_comma(const char *s, size_t n)
{
	char out[CHECK_QUANTITY_MAX], dot[CHECK_QUANTITY_MAX], reason[512];
	char *swapped;
	int rc, rc_dot;
	size_t i;

	reason[0] = 0;
	rc = check_quantity_comma(s, n, false, out, reason, sizeof(reason));
	if (rc) {
		fuzz_check_line(reason, sizeof(reason), "quantity reason");
		FUZZ_CHECK(out[0] == 0, "refused, yet out is '%s'", out);
	} else {
		fuzz_check_quantity_out(out);
	}
	if (memchr(s, '.', n))
		return;
	swapped = malloc(n + 1);
	FUZZ_CHECK(swapped != NULL, "out of memory");
	for (i = 0; i < n; i++)
		swapped[i] = s[i] == ',' ? '.' : s[i];
	rc_dot = check_quantity(swapped, n, false, dot, reason, sizeof(reason));
	free(swapped);
	FUZZ_CHECK(rc == rc_dot && (rc || !strcmp(out, dot)),
	           "'%.*s' with a comma: %d '%s'; with a point: %d '%s'",
	           (int)n, s, rc, out, rc_dot, dot);
}

static void one_time(const char *s, size_t n, unsigned opts,
                     enum timefmt_kind tf)
{
	static const int offsets[] = { 0, 60, -330, 1439, -1439, 345 };
	struct check_policy p;
	char out[CHECK_TIME_MAX], reason[1024];
	int64_t ms = -1;

	memset(&p, 0, sizeof(p));
	p.time.kind = tf;
	p.time.has_zone = opts & 1;
	p.time.zone_offset_min = offsets[(opts >> 1) % 6];
	p.stamp_time = !(opts & 16);
	/* a window around "now" some of the time, none the rest */
	if (opts & 32) {
		p.has_not_before = true;
		p.not_before_ms = INT64_C(1700000000000);
	} else if (opts & 64) {
		p.has_not_after = true;
		p.not_after_ms = INT64_C(253402300799999);
	}
	reason[0] = 0;
	if (check_usage_time(&p, s, n, FUZZ_NOW_MS, &ms, out, reason,
	                     sizeof(reason))) {
		fuzz_check_line(reason, sizeof(reason), "usageTime reason");
		FUZZ_CHECK(out[0] == 0 && ms == 0, "refused, yet out is '%s'",
		           out);
		return;
	}
	if (!out[0]) {
		FUZZ_CHECK(ms == 0 && p.stamp_time,
		           "accepted as missing");
		return;
	}
	fuzz_check_time_out(out, ms);
	FUZZ_CHECK(!p.has_not_before || ms >= p.not_before_ms, "before window");
	FUZZ_CHECK(ms <= (p.has_not_after ? p.not_after_ms
	                                  : FUZZ_NOW_MS + 5 * 60 * 1000),
	           "after window");
}

static void one_id(const char *s, size_t n)
{
	char out[CHECK_ID_MAX + 1], again[CHECK_ID_MAX + 1], reason[512];
	size_t i;

	reason[0] = 0;
	if (check_subscription_id(s, n, out, reason, sizeof(reason))) {
		fuzz_check_line(reason, sizeof(reason), "id reason");
		return;
	}
	for (i = 0; out[i]; i++)
		FUZZ_CHECK((out[i] >= '0' && out[i] <= '9') ||
		                   (out[i] >= 'a' && out[i] <= 'z') ||
		                   (out[i] >= 'A' && out[i] <= 'Z') ||
		                   strchr("_@~.-", out[i]),
		           "id '%s' has 0x%02x", out, (unsigned char)out[i]);
	FUZZ_CHECK(check_subscription_id(out, strlen(out), again, reason,
	                                 sizeof(reason)) == 0 &&
	                   !strcmp(out, again),
	           "id '%s' is not a fixed point", out);
}

static void one_bool(const char *s, size_t n)
{
	char reason[512];
	int v = 7;

	reason[0] = 0;
	if (check_bool(s, n, &v, reason, sizeof(reason))) {
		fuzz_check_line(reason, sizeof(reason), "bool reason");
		FUZZ_CHECK(v == -1, "refused bool %d", v);
		return;
	}
	FUZZ_CHECK(v >= -1 && v <= 1, "bool %d", v);
}

static void one_time_arg(const char *s)
{
	char reason[1024], fmt[CHECK_TIME_MAX];
	int64_t ms = 0, ms2 = 0;

	reason[0] = 0;
	if (timefmt_parse_bound(s, &ms, reason, sizeof(reason))) {
		fuzz_check_line(reason, sizeof(reason), "time arg reason");
		return;
	}
	timefmt_format(ms, fmt);
	FUZZ_CHECK(fuzz_canonical_time(fmt), "'%s' formats as '%s'", s, fmt);
	FUZZ_CHECK(timefmt_parse_bound(fmt, &ms2, reason, sizeof(reason)) == 0 &&
	                   ms2 == ms,
	           "'%s' is %lld; its form '%s' reads as %lld", s,
	           (long long)ms, fmt, (long long)ms2);
}

static void one_offset(const char *s)
{
	int min = 12345, min2 = 54321;
	char again[16];

	if (timefmt_parse_offset(s, &min)) {
		FUZZ_CHECK(min == 12345, "refused offset changed minutes");
		return;
	}
	FUZZ_CHECK(min > -24 * 60 && min < 24 * 60, "offset %d", min);
	snprintf(again, sizeof(again), "%c%02d:%02d", min < 0 ? '-' : '+',
	         abs(min) / 60, abs(min) % 60);
	FUZZ_CHECK(timefmt_parse_offset(again, &min2) == 0 && min2 == min,
	           "'%s' is %d; '%s' is %d", s, min, again, min2);
}

/* Any int64 formats canonically (clamped to years 0001-9999), and reads back. */
static void one_format(const uint8_t *d, size_t n)
{
	int64_t ms = 0, back = -1;
	char out[CHECK_TIME_MAX], reason[512];
	size_t i;

	for (i = 0; i < n && i < 8; i++)
		ms = (int64_t)((uint64_t)ms << 8 | d[i]);
	timefmt_format(ms, out);
	FUZZ_CHECK(fuzz_canonical_time(out), "%lld formats as '%s'",
	           (long long)ms, out);
	FUZZ_CHECK(timefmt_parse_bound(out, &back, reason, sizeof(reason)) == 0,
	           "'%s' refused: %s", out, reason);
	if (ms >= INT64_C(-62135596800000) && ms <= INT64_C(253402300799999))
		FUZZ_CHECK(back == ms, "%lld formats as '%s', reads %lld",
		           (long long)ms, out, (long long)back);
	(void)hash_xxh64(d, n, (uint64_t)ms);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned sel, opts;
	const char *s;
	size_t n;
	char *z;

	if (size < 1)
		return 0;
	sel = data[0] % NRULES;
	opts = data[0] / NRULES;
	s = (const char *)data + 1;
	n = size - 1;
	switch (sel) {
	case Q_TEXT:
		if (opts & 1)
			one_quantity_comma(s, n);
		else
			one_quantity(s, n, false);
		break;
	case Q_JSON:
		one_quantity(s, n, true);
		break;
	case T_ISO:
		one_time(s, n, opts, TIMEFMT_ISO);
		break;
	case T_EPOCH:
		one_time(s, n, opts, TIMEFMT_EPOCH);
		break;
	case T_EPOCH_MS:
		one_time(s, n, opts, TIMEFMT_EPOCH_MS);
		break;
	case ID:
		one_id(s, n);
		break;
	case BOOL:
		one_bool(s, n);
		break;
	case TIME_ARG:
	case OFFSET:
		z = malloc(n + 1);
		FUZZ_CHECK(z != NULL, "out of memory");
		memcpy(z, s, n);
		z[n] = 0;
		if (sel == TIME_ARG)
			one_time_arg(z);
		else
			one_offset(z);
		free(z);
		break;
	case FORMAT:
		one_format((const uint8_t *)s, n);
		break;
	}
	/* NULL is "absent" for every rule */
	if (n == 0) {
		char out[CHECK_QUANTITY_MAX], id[CHECK_ID_MAX + 1], r[256];
		int v;

		FUZZ_CHECK(check_quantity(NULL, 0, false, out, r, sizeof(r)) == -1,
		           "absent quantity accepted");
		FUZZ_CHECK(check_subscription_id(NULL, 0, id, r, sizeof(r)) == -1,
		           "absent id accepted");
		FUZZ_CHECK(check_bool(NULL, 0, &v, r, sizeof(r)) == 0 && v == -1,
		           "absent bool");
	}
	return 0;
}
