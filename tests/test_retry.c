/* Backoff bounds and jitter, outcome classification, wait hints. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <curl/curl.h>

#include "retry.h"

static void backoff_stays_in_bounds(void **state)
{
	uint64_t rng = 42;
	unsigned a;
	int i;

	(void)state;
	for (a = 0; a < 80; a++) {
		int64_t top = a < 20 ? 100LL << a : INT64_MAX;

		if (top > 30000)
			top = 30000;
		for (i = 0; i < 200; i++) {
			int64_t w = retry_backoff_ms(a, 100, 30000, &rng);

			assert_true(w >= 0);
			assert_true(w <= top);
		}
	}
	/* huge attempts and bases do not overflow */
	assert_true(retry_backoff_ms(UINT32_MAX, INT64_MAX / 3, 5000, &rng) <= 5000);
	assert_int_equal(retry_backoff_ms(3, 0, 5000, &rng), 0);
	assert_int_equal(retry_backoff_ms(3, 100, 0, &rng), 0);
}

static void jitter_covers_the_range(void **state)
{
	uint64_t rng = 1;
	int64_t lo = INT64_MAX, hi = -1, sum = 0;
	int i, n = 20000;

	(void)state;
	/* attempt 3 with base 100: uniform over [0, 800] */
	for (i = 0; i < n; i++) {
		int64_t w = retry_backoff_ms(3, 100, 100000, &rng);

		lo = w < lo ? w : lo;
		hi = w > hi ? w : hi;
		sum += w;
	}
	assert_true(lo < 20);
	assert_true(hi > 780 && hi <= 800);
	assert_in_range(sum / n, 380, 420);
}

static void rng_zero_state_is_fixed(void **state)
{
	uint64_t rng = 0;

	(void)state;
	assert_true(retry_rng_next(&rng) != 0);
	assert_true(rng != 0);
}

struct row {
	long http;
	int code;
	bool idempotent;
	bool sent;
	enum retry_class want;
};

static void classification_table(void **state)
{
	static const struct row rows[] = {
		/* replies */
		{201, CURLE_OK, false, true, RETRY_DONE},
		{200, CURLE_OK, true, false, RETRY_DONE},
		{204, CURLE_OK, true, false, RETRY_DONE},
		{401, CURLE_OK, false, true, RETRY_AUTH},
		{403, CURLE_OK, true, false, RETRY_AUTH},
		{429, CURLE_OK, false, true, RETRY_RATE_LIMITED},
		{429, CURLE_OK, true, false, RETRY_RATE_LIMITED},
		{422, CURLE_OK, false, true, RETRY_REFUSED},
		{409, CURLE_OK, false, true, RETRY_REFUSED},
		{404, CURLE_OK, true, false, RETRY_REFUSED},
		{400, CURLE_OK, false, true, RETRY_REFUSED},
		{408, CURLE_OK, false, true, RETRY_SAFE},
		/* a 5xx may follow a commit: a POST's fate is unknown */
		{500, CURLE_OK, false, true, RETRY_UNKNOWN},
		{502, CURLE_OK, false, true, RETRY_UNKNOWN},
		{503, CURLE_OK, false, true, RETRY_UNKNOWN},
		{504, CURLE_OK, false, true, RETRY_UNKNOWN},
		{501, CURLE_OK, false, true, RETRY_UNKNOWN},
		{599, CURLE_OK, false, true, RETRY_UNKNOWN},
		/* ... while a GET or DELETE is simply tried again */
		{500, CURLE_OK, true, true, RETRY_SAFE},
		{502, CURLE_OK, true, true, RETRY_SAFE},
		{503, CURLE_OK, true, true, RETRY_SAFE},
		{504, CURLE_OK, true, true, RETRY_SAFE},
		{501, CURLE_OK, true, true, RETRY_GIVE_UP},
		{505, CURLE_OK, true, false, RETRY_GIVE_UP},
		/* a redirect to a POST whose body went out proves nothing */
		{301, CURLE_OK, false, true, RETRY_UNKNOWN},
		{303, CURLE_OK, false, true, RETRY_UNKNOWN},
		{307, CURLE_OK, false, false, RETRY_GIVE_UP},
		{307, CURLE_OK, true, true, RETRY_GIVE_UP},
		/* a status came, then the transfer broke */
		{503, CURLE_PARTIAL_FILE, false, true, RETRY_UNKNOWN},
		{503, CURLE_PARTIAL_FILE, true, true, RETRY_SAFE},
		{422, CURLE_RECV_ERROR, false, true, RETRY_REFUSED},
		{201, CURLE_PARTIAL_FILE, false, true, RETRY_UNKNOWN},
		{201, CURLE_WRITE_ERROR, false, true, RETRY_UNKNOWN},
		{200, CURLE_PARTIAL_FILE, true, true, RETRY_SAFE},
		{200, CURLE_WRITE_ERROR, true, true, RETRY_GIVE_UP},
		/* never sent: safe even for a POST */
		{0, CURLE_COULDNT_CONNECT, false, false, RETRY_SAFE},
		{0, CURLE_COULDNT_RESOLVE_HOST, false, false, RETRY_SAFE},
		{0, CURLE_COULDNT_RESOLVE_PROXY, false, false, RETRY_SAFE},
		{0, CURLE_OPERATION_TIMEDOUT, false, false, RETRY_SAFE},
		{0, CURLE_SSL_CONNECT_ERROR, false, false, RETRY_SAFE},
		/* POST that may have gone out: never blindly again */
		{0, CURLE_OPERATION_TIMEDOUT, false, true, RETRY_UNKNOWN},
		{0, CURLE_GOT_NOTHING, false, true, RETRY_UNKNOWN},
		{0, CURLE_RECV_ERROR, false, true, RETRY_UNKNOWN},
		{0, CURLE_SEND_ERROR, false, true, RETRY_UNKNOWN},
		{0, CURLE_SEND_FAIL_REWIND, false, true, RETRY_UNKNOWN},
		{0, CURLE_PARTIAL_FILE, false, true, RETRY_UNKNOWN},
		{0, CURLE_HTTP2_STREAM, false, true, RETRY_UNKNOWN},
		{0, CURLE_WRITE_ERROR, false, true, RETRY_UNKNOWN},
		/* idempotent: every transient failure is retried */
		{0, CURLE_OPERATION_TIMEDOUT, true, true, RETRY_SAFE},
		{0, CURLE_GOT_NOTHING, true, true, RETRY_SAFE},
		{0, CURLE_RECV_ERROR, true, true, RETRY_SAFE},
		{0, CURLE_COULDNT_CONNECT, true, false, RETRY_SAFE},
		/* configuration problems are not retried */
		{0, CURLE_PEER_FAILED_VERIFICATION, false, false, RETRY_GIVE_UP},
		{0, CURLE_SSL_CACERT_BADFILE, true, false, RETRY_GIVE_UP},
		{0, CURLE_URL_MALFORMAT, true, false, RETRY_GIVE_UP},
		{0, CURLE_UNSUPPORTED_PROTOCOL, false, false, RETRY_GIVE_UP},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		enum retry_class got = retry_classify(rows[i].http, rows[i].code,
		                                      rows[i].idempotent, rows[i].sent);
		if (got != rows[i].want)
			fail_msg("row %zu: http %ld curl %d idem %d sent %d: got %s want %s",
			         i, rows[i].http, rows[i].code, rows[i].idempotent,
			         rows[i].sent, retry_class_name(got),
			         retry_class_name(rows[i].want));
	}
}

#define NOW_S 1714564800LL /* 2024-05-01T12:00:00Z */
#define NOW_MS (NOW_S * 1000)

static void xrl_timestamp(void **state)
{
	struct retry_hint h;

	(void)state;
	h = retry_hint_parse("1714564830", NULL, NOW_MS);
	assert_true(h.have);
	assert_int_equal(h.wait_ms, 30000);
	assert_false(h.capped);
	/* it wins over Retry-After */
	h = retry_hint_parse("1714564810", "120", NOW_MS);
	assert_int_equal(h.wait_ms, 10000);
	/* fraction */
	h = retry_hint_parse("1714564800.250", NULL, NOW_MS);
	assert_int_equal(h.wait_ms, 250);
	/* ISO form, with offset */
	h = retry_hint_parse("2024-05-01T14:00:05+02:00", NULL, NOW_MS);
	assert_int_equal(h.wait_ms, 5000);
	/* a small value cannot be a timestamp: delta-seconds */
	h = retry_hint_parse("7", NULL, NOW_MS);
	assert_int_equal(h.wait_ms, 7000);
}

static void past_timestamp_means_now(void **state)
{
	struct retry_hint h;

	(void)state;
	h = retry_hint_parse("1714564700", NULL, NOW_MS);
	assert_true(h.have);
	assert_int_equal(h.wait_ms, 0);
	h = retry_hint_parse(NULL, "Wed, 01 May 2024 11:00:00 GMT", NOW_MS);
	assert_true(h.have);
	assert_int_equal(h.wait_ms, 0);
}

static void absurd_waits_are_capped(void **state)
{
	struct retry_hint h;
	char line[200];

	(void)state;
	h = retry_hint_parse("1714651200", NULL, NOW_MS); /* a day later */
	assert_true(h.have);
	assert_true(h.capped);
	assert_int_equal(h.wait_ms, RETRY_HINT_CAP_MS);
	retry_hint_describe(&h, line, sizeof(line));
	assert_string_equal(line, "server asked to wait until "
	                          "2024-05-02T12:00:00Z, capped at 15 minutes");
	h = retry_hint_parse(NULL, "99999999999999999999999", NOW_MS);
	assert_true(h.capped);
	assert_int_equal(h.wait_ms, RETRY_HINT_CAP_MS);
	h = retry_hint_parse(NULL, "900", NOW_MS); /* exactly 15 min is fine */
	assert_false(h.capped);
	assert_int_equal(h.wait_ms, 900000);
	retry_hint_describe(&h, line, sizeof(line));
	assert_string_equal(line,
	                    "server asked to wait until 2024-05-01T12:15:00Z");
}

static void retry_after_forms(void **state)
{
	struct retry_hint h;

	(void)state;
	h = retry_hint_parse(NULL, "120", NOW_MS);
	assert_int_equal(h.wait_ms, 120000);
	h = retry_hint_parse(NULL, "0", NOW_MS);
	assert_true(h.have);
	assert_int_equal(h.wait_ms, 0);
	h = retry_hint_parse(NULL, "Wed, 01 May 2024 12:00:45 GMT", NOW_MS);
	assert_int_equal(h.wait_ms, 45000);
	h = retry_hint_parse(NULL, "Wednesday, 01-May-24 12:01:00 GMT", NOW_MS);
	assert_int_equal(h.wait_ms, 60000);
	h = retry_hint_parse(NULL, "Wed May  1 12:00:02 2024", NOW_MS);
	assert_int_equal(h.wait_ms, 2000);
	/* garbage X-RateLimit-Retry-After falls back to Retry-After */
	h = retry_hint_parse("soon", "3", NOW_MS);
	assert_int_equal(h.wait_ms, 3000);
}

static void garbage_hints_are_ignored(void **state)
{
	static const char *const bad[] = {
		"", " ", "-5", "+5", "5s", "1e3", "abc", "5.", ".5",
		"Wed, 01 May 2024 12:00:45 UTC", "Wed, 32 May 2024 12:00:45 GMT",
		"Wed, 01 Foo 2024 12:00:45 GMT", "Wed, 01 May 2024 25:00:45 GMT",
		"2024-05-01T12:00:00", "2024-02-30T12:00:00Z",
	};
	size_t i;

	(void)state;
	assert_false(retry_hint_parse(NULL, NULL, NOW_MS).have);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct retry_hint h = retry_hint_parse(bad[i], bad[i], NOW_MS);

		if (h.have)
			fail_msg("accepted '%s'", bad[i]);
	}
}

/* The API is unreachable after more than --retries connection failures in
 * a row: over 5 s when no reply ever came, 60 s when one did. */
static void reachability(void **state)
{
	struct retry_reach r = {0};
	unsigned i;

	(void)state;
	assert_true(retry_no_connection(0, CURLE_COULDNT_CONNECT, false));
	assert_true(retry_no_connection(0, CURLE_COULDNT_RESOLVE_HOST, false));
	assert_true(retry_no_connection(0, CURLE_OPERATION_TIMEDOUT, false));
	assert_false(retry_no_connection(0, CURLE_OPERATION_TIMEDOUT, true));
	assert_false(retry_no_connection(503, CURLE_OK, false));
	assert_false(retry_no_connection(0, CURLE_RECV_ERROR, false));
	/* 3 retries: the fourth failure in a row, 5 s after the first */
	for (i = 0; i < 3; i++)
		assert_false(retry_reach_note(&r, true, 0, 3, false, 1000 + i));
	assert_false(retry_reach_note(&r, true, 0, 3, false, 5999)); /* not 5 s yet */
	assert_true(retry_reach_note(&r, true, 0, 3, false, 6000));
	/* any reply ends the streak, and from then on it takes 60 s */
	assert_false(retry_reach_note(&r, false, 503, 3, false, 7000));
	assert_true(r.got_reply);
	for (i = 0; i < 10; i++)
		assert_false(retry_reach_note(&r, true, 0, 3, false, 8000 + i * 1000));
	assert_true(retry_reach_note(&r, true, 0, 3, false, 68000));
	/* a failure that is not a connection's ends it too */
	assert_false(retry_reach_note(&r, false, 0, 3, false, 69000));
	assert_int_equal(r.fails, 0);
	/* once the API answered, a row out of retries fails on its own */
	for (i = 0; i < 3; i++)
		assert_false(retry_reach_note(&r, true, 0, 0, true, 70000 + i));
}

/* --retries 0 (or a row's last try) against an API never reached: the
 * first failure that would fail a row stops the run instead; before that
 * the 5 s rule holds. */
static void reachability_last_try(void **state)
{
	struct retry_reach r = {0};

	(void)state;
	assert_true(retry_reach_note(&r, true, 0, 0, true, 1000));
	memset(&r, 0, sizeof(r));
	assert_false(retry_reach_note(&r, true, 0, 2, false, 1000));
	assert_false(retry_reach_note(&r, true, 0, 2, false, 1100));
	assert_false(retry_reach_note(&r, true, 0, 2, false, 1200)); /* 3 > 2, < 5 s */
	assert_true(retry_reach_note(&r, true, 0, 2, true, 1300));
	/* not a connection failure: never */
	memset(&r, 0, sizeof(r));
	assert_false(retry_reach_note(&r, false, 0, 0, true, 1000));
}

static void waits(void **state)
{
	struct retry_hint none = {false, 0, 0, false};
	struct retry_hint hint = {true, 2500, 0, false};
	uint64_t rng = 7;
	int i;

	(void)state;
	/* a 429 with a hint: the hint; again and again: 1, 2, 4... 30 s floors */
	assert_int_equal(retry_rate_limited_wait_ms(&hint, 1, &rng), 2500);
	assert_int_equal(retry_rate_limited_wait_ms(&hint, 2, &rng), 2500);
	assert_int_equal(retry_rate_limited_wait_ms(&hint, 4, &rng), 4000);
	assert_int_equal(retry_rate_limited_wait_ms(&hint, 50, &rng), 30000);
	/* without a hint: at least a second, at most a minute more */
	for (i = 0; i < 100; i++) {
		int64_t w = retry_rate_limited_wait_ms(&none, 1, &rng);
		assert_true(w >= 1000 && w <= 2000);
		w = retry_rate_limited_wait_ms(&none, 20, &rng);
		assert_true(w >= 30000 && w <= 61000);
	}
	/* a retry: full jitter, or a longer Retry-After within the cap */
	for (i = 0; i < 100; i++) {
		int64_t w = retry_safe_wait_ms(3, 100, 30000, &none, &rng);
		assert_true(w >= 0 && w <= 400);
		w = retry_safe_wait_ms(1, 100, 30000, &hint, &rng);
		assert_int_equal(w, 2500);
		w = retry_safe_wait_ms(1, 100, 1000, &hint, &rng);
		assert_int_equal(w, 1000);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(backoff_stays_in_bounds),
		cmocka_unit_test(jitter_covers_the_range),
		cmocka_unit_test(rng_zero_state_is_fixed),
		cmocka_unit_test(classification_table),
		cmocka_unit_test(reachability),
		cmocka_unit_test(reachability_last_try),
		cmocka_unit_test(waits),
		cmocka_unit_test(xrl_timestamp),
		cmocka_unit_test(past_timestamp_means_now),
		cmocka_unit_test(absurd_waits_are_capped),
		cmocka_unit_test(retry_after_forms),
		cmocka_unit_test(garbage_hints_are_ignored),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
