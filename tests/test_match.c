/* The rules that tell a listed usage is a row's: exact ids, whole seconds,
 * partial quantities. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "match.h"
#include "timefmt.h"

#include "usage_fixtures.h"

#define T0 1795168800250LL /* 2026-11-20T10:00:00.250Z */

static void decimals(void **state)
{
	(void)state;
	assert_int_equal(match_decimal_cmp("5", "5"), 0);
	assert_int_equal(match_decimal_cmp("5", "5.001"), -1);
	assert_int_equal(match_decimal_cmp("5.1", "5.01"), 1);
	assert_int_equal(match_decimal_cmp("10", "9.999"), 1);
	assert_int_equal(match_decimal_cmp("0.5", "0.25"), 1);
	assert_int_equal(match_decimal_cmp("0.001", "1"), -1);
	assert_int_equal(match_decimal_cmp("123456789012345", "123456789012344"), 1);
}

struct mrow {
	const char *sid, *q;
	bool number;
	const char *t;
	int partial;
	bool want;
	const char *stored_q, *stored_t;
};

static void rules(void **state)
{
	static const struct mrow rows[] = {
		/* the same usage, written as servers write it */
		{"sub_1", "5.25", true, "2026-11-20T10:00:00.250Z", -1, true, "", ""},
		{"sub_1", "5.250", true, "2026-11-20T10:00:00.250Z", -1, true, "", ""},
		{"sub_1", "5.25", false, "2026-11-20T11:00:00.25+01:00", -1, true, "", ""},
		/* ids compare exactly (filters ignore case) */
		{"SUB_1", "5.25", true, "2026-11-20T10:00:00.250Z", -1, false, 0, 0},
		{"sub_10", "5.25", true, "2026-11-20T10:00:00.250Z", -1, false, 0, 0},
		/* whole seconds: the row's time cut, nothing else */
		{"sub_1", "5.25", true, "2026-11-20T10:00:00Z", -1, true, "",
		 "2026-11-20T10:00:00Z"},
		{"sub_1", "5.25", true, "2026-11-20T10:00:01Z", -1, false, 0, 0},
		{"sub_1", "5.25", true, "2026-11-20T10:00:00.251Z", -1, false, 0, 0},
		/* a smaller quantity only under acceptPartialQuantity */
		{"sub_1", "4", true, "2026-11-20T10:00:00.250Z", -1, false, 0, 0},
		{"sub_1", "4", true, "2026-11-20T10:00:00.250Z", 0, false, 0, 0},
		{"sub_1", "4", true, "2026-11-20T10:00:00.250Z", 1, true, "4", ""},
		{"sub_1", "5.26", true, "2026-11-20T10:00:00.250Z", 1, false, 0, 0},
		/* unreadable values never match */
		{"sub_1", "five", false, "2026-11-20T10:00:00.250Z", -1, false, 0, 0},
		{"sub_1", "5.25", true, "yesterday", -1, false, 0, 0},
		{"sub_1", "5.25", true, "", -1, false, 0, 0},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const struct mrow *m = &rows[i];
		struct usage u = row_of("sub_1", "5.25", T0, m->partial);
		struct response_usage c = cand("u1", m->sid, m->q, m->number, m->t);
		struct match_stored st;
		bool got = match_usage(&u, &c, &st);

		if (got != m->want)
			fail_msg("row %zu: %s %s %s: got %d", i, m->sid, m->q, m->t,
			         got);
		if (got) {
			assert_string_equal(st.quantity, m->stored_q);
			assert_string_equal(st.usage_time, m->stored_t);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(decimals),
		cmocka_unit_test(rules),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
