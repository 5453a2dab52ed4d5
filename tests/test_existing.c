/* The usages --skip-existing found on the server: each taken by one row that
 * matches it and may claim it (a usage another row of the log holds is
 * passed over), the index by subscription and second growing as it fills;
 * a usage goes to the row it matches best, whatever the rows' order. */
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

#include "usage_fixtures.h"

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

/* One case: the usages listed (id, subscription, quantity, usageTime), the
 * rows of the input in file order, and what each row takes: a usage's id,
 * "" (none: the row is sent), "*" (one, whichever). */
struct best_case {
	const char *name;
	struct { const char *id, *sid, *q, *t; } usages[4];
	struct { const char *sid, *q; int64_t ms; int partial; } rows[4];
	const char *want[4];
};

#define S00 1795168800000LL /* 2026-11-20T10:00:00.000Z */

static const struct best_case best_cases[] = {
	{"partial: the row of 3 is the usage of 3, the 5 is sent",
	 {{"u1", "subP", "3", "2026-11-20T10:00:00Z"}},
	 {{"subP", "5", S00, 1}, {"subP", "3", S00, 1}},
	 {"", "u1"}},
	{"partial, the exact row first",
	 {{"u1", "subP", "3", "2026-11-20T10:00:00Z"}},
	 {{"subP", "3", S00, 1}, {"subP", "5", S00, 1}},
	 {"u1", ""}},
	{"partial alone: a cut quantity is the row's",
	 {{"u1", "subP", "3", "2026-11-20T10:00:00Z"}},
	 {{"subP", "5", S00, 1}},
	 {"u1"}},
	{"partial refused: a quantity cut without acceptPartialQuantity",
	 {{"u1", "subP", "3", "2026-11-20T10:00:00Z"}},
	 {{"subP", "5", S00, -1}},
	 {""}},
	{"a stored quantity above the row's is never its",
	 {{"u1", "subP", "6", "2026-11-20T10:00:00Z"}},
	 {{"subP", "5", S00, 1}},
	 {""}},
	{"ms: the .500 row is not the :00.000 usage a :00.000 row is",
	 {{"u1", "subM", "2", "2026-11-20T10:00:00.000Z"}},
	 {{"subM", "2", S00 + 500, -1}, {"subM", "2", S00, -1}},
	 {"", "u1"}},
	{"ms alone: a server that keeps seconds cut the .500",
	 {{"u1", "subM", "2", "2026-11-20T10:00:00Z"}},
	 {{"subM", "2", S00 + 500, -1}},
	 {"u1"}},
	{"two rows loosely matching one usage: one is sent",
	 {{"u1", "subM", "2", "2026-11-20T10:00:00Z"}},
	 {{"subM", "2", S00 + 500, -1}, {"subM", "2", S00 + 700, -1}},
	 {"u1", ""}},
	{"a row takes its exact usage before a loose one",
	 {{"u2", "subM", "2", "2026-11-20T10:00:00.500Z"},
	  {"u1", "subM", "2", "2026-11-20T10:00:00Z"}},
	 {{"subM", "2", S00 + 500, -1}, {"subM", "2", S00, -1}},
	 {"u2", "u1"}},
	{"a surplus twin is free for a loose row",
	 {{"u1", "subP", "3", "2026-11-20T10:00:00Z"},
	  {"u2", "subP", "3", "2026-11-20T10:00:00Z"}},
	 {{"subP", "5", S00, 1}, {"subP", "3", S00, 1}},
	 {"*", "*"}},
	{"twins of both, each row its own",
	 {{"u1", "subP", "5", "2026-11-20T10:00:00Z"},
	  {"u2", "subP", "3", "2026-11-20T10:00:00Z"}},
	 {{"subP", "5", S00, 1}, {"subP", "3", S00, 1}},
	 {"u1", "u2"}},
	{"another subscription's exact row reserves nothing of this one",
	 {{"u1", "subA", "2", "2026-11-20T10:00:00Z"}},
	 {{"subA", "2", S00 + 500, -1}, {"subB", "2", S00, -1}},
	 {"u1", ""}},
};

static void best_match_first(void **state)
{
	size_t k, i, j;

	(void)state;
	for (k = 0; k < sizeof(best_cases) / sizeof(best_cases[0]); k++) {
		const struct best_case *c = &best_cases[k];
		struct existing *p = existing_new();
		struct dedup *cl = dedup_new();
		struct usage rows[4];
		char got[4][64];
		size_t n = 0;

		assert_non_null(p);
		assert_non_null(cl);
		for (i = 0; i < 4 && c->usages[i].id; i++) {
			struct response_usage u = cand(c->usages[i].id, c->usages[i].sid,
			                               c->usages[i].q, true,
			                               c->usages[i].t);
			assert_int_equal(existing_add(p, &u), 0);
		}
		assert_int_equal(existing_count(p), i);
		while (n < 4 && c->rows[n].sid) {
			rows[n] = row_of(c->rows[n].sid, c->rows[n].q, c->rows[n].ms,
			                 c->rows[n].partial);
			n++;
		}
		/* the input's pass, then the rows as they are read */
		for (i = 0; i < n; i++)
			(void)existing_reserve(p, &rows[i]);
		for (i = 0; i < n; i++) {
			int r = existing_take(p, &rows[i], claim, cl, got[i],
			                      sizeof(got[i]));

			assert_in_range(r, 0, 1);
			if (!r)
				got[i][0] = 0;
			if (!strcmp(c->want[i], "*") ? !got[i][0]
			                             : strcmp(got[i], c->want[i]))
				fail_msg("%s: row %zu took '%s', want '%s'", c->name,
				         i + 1, got[i], c->want[i]);
			for (j = 0; j < i; j++)
				if (got[i][0] && !strcmp(got[i], got[j]))
					fail_msg("%s: rows %zu and %zu both took %s", c->name,
					         j + 1, i + 1, got[i]);
		}
		existing_free(p);
		dedup_free(cl);
	}
}

/* Each listed usage is reserved for one row at most. */
static void reserve_once(void **state)
{
	struct existing *p = existing_new();
	struct usage a = row_of("s", "3", S00, 1);

	(void)state;
	assert_int_equal(existing_count(NULL), 0);
	assert_int_equal(existing_add(p, &(struct response_usage){"u1", "s", "3", true, "2026-11-20T10:00:00Z"}), 0);
	assert_int_equal(existing_add(p, &(struct response_usage){"u2", "s", "3", true, "2026-11-20T10:00:00.001Z"}), 0);
	assert_int_equal(existing_reserve(p, &a), 1);
	assert_int_equal(existing_reserve(p, &a), 0);
	existing_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(take_each_once),
		cmocka_unit_test(best_match_first),
		cmocka_unit_test(reserve_once),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
