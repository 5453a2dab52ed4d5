/* The usages --skip-existing found on the server: each taken by one row that
 * matches it and may claim it (a usage another row of the log holds is
 * passed over), the index by subscription and second growing as it fills. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "dedup.h"
#include "existing.h"
#include "timefmt.h"

static struct usage row_of(const char *sid, const char *q, int64_t ms,
                           int partial)
{
	struct usage u;

	memset(&u, 0, sizeof(u));
	snprintf(u.subscription_id, sizeof(u.subscription_id), "%s", sid);
	snprintf(u.quantity, sizeof(u.quantity), "%s", q);
	timefmt_format(ms, u.usage_time);
	u.usage_time_ms = ms;
	u.accept_partial = partial;
	return u;
}

static struct response_usage cand(const char *id, const char *sid,
                                  const char *q, bool number, const char *t)
{
	struct response_usage c;

	memset(&c, 0, sizeof(c));
	snprintf(c.id, sizeof(c.id), "%s", id);
	snprintf(c.subscription_id, sizeof(c.subscription_id), "%s", sid);
	snprintf(c.quantity, sizeof(c.quantity), "%s", q);
	c.quantity_is_number = number;
	snprintf(c.usage_time, sizeof(c.usage_time), "%s", t);
	return c;
}

/* The claims of a log, as resume keeps them: a set of usage ids. */
static int claim(void *ctx, const char *id)
{
	return dedup_seen_key(ctx, id, strlen(id));
}

#define T0 1795168800250LL /* 2026-11-20T10:00:00.250Z */

static void take_each_once(void **state)
{
	struct existing *p = existing_new();
	struct dedup *cl = dedup_new();
	struct usage a = row_of("s", "5", T0, -1), b = row_of("s", "5", T0 + 1000, -1);
	char id[64];
	int i;

	(void)state;
	assert_non_null(p);
	assert_non_null(cl);
	/* two identical usages, one of another second, one unreadable */
	assert_int_equal(existing_add(p, &(struct response_usage){"u1", "s", "5", true, "2026-11-20T10:00:00.250Z"}), 0);
	assert_int_equal(existing_add(p, &(struct response_usage){"u2", "s", "5", true, "2026-11-20T10:00:00Z"}), 0);
	assert_int_equal(existing_add(p, &(struct response_usage){"u3", "s", "5", true, "2026-11-20T10:00:01.250Z"}), 0);
	assert_int_equal(existing_add(p, &(struct response_usage){"u4", "s", "x", false, "2026-11-20T10:00:00.250Z"}), 0);
	/* each taken once: two rows of the first second, one of the next */
	assert_int_equal(existing_take(p, &a, claim, cl, id, sizeof(id)), 1);
	assert_int_equal(existing_take(p, &a, claim, cl, id, sizeof(id)), 1);
	assert_int_equal(existing_take(p, &a, claim, cl, id, sizeof(id)), 0);
	assert_int_equal(existing_take(p, &b, claim, cl, id, sizeof(id)), 1);
	assert_string_equal(id, "u3");
	assert_int_equal(existing_take(p, &b, claim, cl, id, sizeof(id)), 0);
	existing_free(p);
	dedup_free(cl);

	/* a usage a row of the log holds (it found its own after an unknown
	 * outcome) is passed over for the next that matches */
	p = existing_new();
	cl = dedup_new();
	assert_non_null(p);
	assert_non_null(cl);
	assert_int_equal(existing_add(p, &(struct response_usage){"u1", "s", "5", true, "2026-11-20T10:00:00.250Z"}), 0);
	assert_int_equal(existing_add(p, &(struct response_usage){"u2", "s", "5", true, "2026-11-20T10:00:00.250Z"}), 0);
	assert_int_equal(claim(cl, "u2"), 0);
	assert_int_equal(existing_take(p, &a, claim, cl, id, sizeof(id)), 1);
	assert_string_equal(id, "u1");
	assert_int_equal(claim(cl, "u1"), 1); /* claimed by the take */
	assert_int_equal(existing_take(p, &a, claim, cl, id, sizeof(id)), 0);
	existing_free(p);
	dedup_free(cl);

	/* many: the index grows */
	p = existing_new();
	cl = dedup_new();
	for (i = 0; i < 5000; i++) {
		struct response_usage c = cand("", "s", "1", true, "");
		snprintf(c.id, sizeof(c.id), "u%d", i);
		timefmt_format(T0 + (int64_t)i * 1000, c.usage_time);
		assert_int_equal(existing_add(p, &c), 0);
	}
	for (i = 4999; i >= 0; i--) {
		struct usage r = row_of("s", "1", T0 + (int64_t)i * 1000, -1);
		char want[16];
		snprintf(want, sizeof(want), "u%d", i);
		assert_int_equal(existing_take(p, &r, claim, cl, id, sizeof(id)), 1);
		assert_string_equal(id, want);
	}
	existing_free(p);
	dedup_free(cl);
	existing_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(take_each_once),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
