/* POST bodies and lookup paths: exact text, ids Rebilly's filter syntax
 * misreads, time ranges cut to the second, paging. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "request.h"

static struct usage usage_of(const char *sid, const char *q, const char *t,
                             int64_t ms, int partial)
{
	struct usage u;

	memset(&u, 0, sizeof(u));
	snprintf(u.subscription_id, sizeof(u.subscription_id), "%s", sid);
	snprintf(u.quantity, sizeof(u.quantity), "%s", q);
	snprintf(u.usage_time, sizeof(u.usage_time), "%s", t);
	u.usage_time_ms = ms;
	u.accept_partial = partial;
	return u;
}

static void body_exact(void **state)
{
	struct buf b;
	struct usage u = usage_of("sub\"1", "5.25", "2026-11-20T10:00:00.250Z",
	                          1795168800250LL, -1);

	(void)state;
	buf_init(&b, 4096);
	assert_int_equal(request_usage_body(&b, &u), RB_OK);
	assert_string_equal(buf_cstr(&b),
	                    "{\"subscriptionId\":\"sub\\\"1\",\"quantity\":5.25,"
	                    "\"usageTime\":\"2026-11-20T10:00:00.250Z\"}");
	u.accept_partial = 1;
	assert_int_equal(request_usage_body(&b, &u), RB_OK);
	assert_non_null(strstr(buf_cstr(&b), ",\"acceptPartialQuantity\":true}"));
	u.accept_partial = 0;
	assert_int_equal(request_usage_body(&b, &u), RB_OK);
	assert_non_null(strstr(buf_cstr(&b), ",\"acceptPartialQuantity\":false}"));
	buf_free(&b);
}

static void filterable_ids(void **state)
{
	(void)state;
	assert_true(request_id_filterable("sub_1"));
	assert_true(request_id_filterable("a.b-c_d"));
	assert_true(request_id_filterable("s.001"));
	/* not known to be safe: by time alone */
	assert_false(request_id_filterable("a.b~c-d@e"));
	assert_false(request_id_filterable("~x"));
	assert_false(request_id_filterable("-lead"));
	assert_false(request_id_filterable(".lead"));
	assert_false(request_id_filterable("trail-"));
	assert_false(request_id_filterable(""));
	assert_false(request_id_filterable("@acct-1")); /* a value list */
	assert_false(request_id_filterable("s..001"));  /* a range */
	assert_false(request_id_filterable("a,b"));
	assert_false(request_id_filterable("a;b"));
	assert_false(request_id_filterable("a:b"));
}

static void lookup_paths(void **state)
{
	struct buf b;
	struct usage u = usage_of("sub_1", "5", "2026-11-20T10:00:00.250Z",
	                          1795168800250LL, -1);

	(void)state;
	buf_init(&b, 4096);
	assert_int_equal(request_lookup_path(&b, &u, 0), RB_OK);
	/* subscriptionId:sub_1;usageTime:10:00:00Z..10:00:01Z, encoded */
	assert_string_equal(buf_cstr(&b),
	                    "/usages?filter=subscriptionId%3Asub_1%3BusageTime%3A"
	                    "2026-11-20T10%3A00%3A00Z..2026-11-20T10%3A00%3A01Z"
	                    "&limit=1000&offset=0&sort=createdTime");
	assert_int_equal(request_lookup_path(&b, &u, 2000), RB_OK);
	assert_non_null(strstr(buf_cstr(&b), "&offset=2000&"));
	/* misread ids: by the time range alone */
	u = usage_of("@acct-1", "5", "2026-11-20T10:00:00Z", 1795168800000LL, -1);
	assert_int_equal(request_lookup_path(&b, &u, 0), RB_OK);
	assert_string_equal(buf_cstr(&b),
	                    "/usages?filter=usageTime%3A2026-11-20T10%3A00%3A00Z.."
	                    "2026-11-20T10%3A00%3A01Z&limit=1000&offset=0"
	                    "&sort=createdTime");
	/* before 1970: cut toward the past, never toward zero */
	u = usage_of("s", "5", "1969-12-31T23:59:59.500Z", -500, -1);
	assert_int_equal(request_lookup_path(&b, &u, 0), RB_OK);
	assert_non_null(strstr(buf_cstr(&b), "1969-12-31T23%3A59%3A59Z..1970-01-01T00%3A00%3A00Z"));
	buf_free(&b);
}

static void window_paths(void **state)
{
	struct buf b;

	(void)state;
	buf_init(&b, 4096);
	assert_int_equal(request_window_path(&b, 1795168800250LL,
	                                     1795255199999LL, 1000),
	                 RB_OK);
	assert_string_equal(buf_cstr(&b),
	                    "/usages?filter=usageTime%3A2026-11-20T10%3A00%3A00Z.."
	                    "2026-11-21T10%3A00%3A00Z&limit=1000&offset=1000"
	                    "&sort=createdTime");
	buf_free(&b);
}

static void paging(void **state)
{
	unsigned long next = 0;

	(void)state;
	/* a total says when the walk is done */
	assert_true(request_next_page(0, 1000, 2500, &next));
	assert_int_equal(next, 1000);
	assert_true(request_next_page(1000, 1000, 2500, &next));
	assert_int_equal(next, 2000);
	assert_false(request_next_page(2000, 500, 2500, &next));
	/* a server serving fewer than asked, without a total: go on */
	assert_true(request_next_page(0, 100, -1, &next));
	assert_int_equal(next, 100);
	/* ... until an empty page */
	assert_false(request_next_page(100, 0, -1, &next));
	assert_false(request_next_page(0, 0, 0, &next));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(body_exact),
		cmocka_unit_test(filterable_ids),
		cmocka_unit_test(lookup_paths),
		cmocka_unit_test(window_paths),
		cmocka_unit_test(paging),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
