/* The per-row decision table: every (state, event) pair, running and
 * stopping, and the walks a row takes under each way a server can fail. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "rowstate.h"

#define SETTLE 10000
#define NOW 1000000

static const struct rowstate_limits LIM = {
	.max_posts = 3, .lookups = 2, .stored_lookups = 4, .settle_ms = SETTLE,
};

/* Before: state, posts, lookups, stored, maybe. Event, stopping. After:
 * action, state, posts, lookups, stored, maybe, due (-1: don't care). */
struct row {
	enum rowstate_state s;
	unsigned posts, lookups;
	bool stored, maybe;
	enum rowstate_event ev;
	bool stopping;
	enum rowstate_action want;
	enum rowstate_state s2;
	unsigned posts2, lookups2;
	bool stored2, maybe2;
	int64_t due2;
};

#define N ROWSTATE_NEW
#define P ROWSTATE_POSTING
#define S ROWSTATE_SETTLING
#define F ROWSTATE_FINDING
#define C ROWSTATE_CREATED
#define R ROWSTATE_REFUSED
#define X ROWSTATE_FAILED
#define DUE (NOW + SETTLE)

static const struct row table[] = {
	/* NEW */
	{N, 0, 0, 0, 0, ROWSTATE_EV_START, 0, ROWSTATE_DO_POST, P, 1, 0, 0, 0, -1},
	{N, 0, 0, 0, 0, ROWSTATE_EV_START, 1, ROWSTATE_DO_FAILED, X, 0, 0, 0, 0, -1},
	{N, 0, 0, 0, 0, ROWSTATE_EV_RESUME, 0, ROWSTATE_DO_SETTLE, S, 0, 0, 0, 1, DUE},
	{N, 0, 0, 0, 0, ROWSTATE_EV_RESUME, 1, ROWSTATE_DO_FAILED, X, 0, 0, 0, 1, -1},
	{N, 0, 0, 0, 0, ROWSTATE_EV_STOP, 0, ROWSTATE_DO_FAILED, X, 0, 0, 0, 0, -1},
	{N, 0, 0, 0, 0, ROWSTATE_EV_STOP, 1, ROWSTATE_DO_FAILED, X, 0, 0, 0, 0, -1},

	/* POSTING: what each answer proves */
	{P, 1, 0, 0, 0, ROWSTATE_EV_POST_2XX, 0, ROWSTATE_DO_CREATED, C, 1, 0, 1, 0, -1},
	{P, 2, 0, 0, 1, ROWSTATE_EV_POST_2XX, 1, ROWSTATE_DO_CREATED, C, 2, 0, 1, 0, -1},
	{P, 1, 0, 0, 0, ROWSTATE_EV_POST_2XX_NOID, 0, ROWSTATE_DO_SETTLE, S, 1, 0, 1, 1, DUE},
	{P, 1, 0, 0, 0, ROWSTATE_EV_POST_2XX_NOID, 1, ROWSTATE_DO_CREATED_NOID, C, 1, 0, 1, 1, -1},
	{P, 1, 0, 0, 0, ROWSTATE_EV_POST_4XX, 0, ROWSTATE_DO_REFUSED, R, 1, 0, 0, 0, -1},
	{P, 2, 0, 0, 1, ROWSTATE_EV_POST_4XX, 1, ROWSTATE_DO_REFUSED, R, 2, 0, 0, 1, -1},
	{P, 1, 0, 0, 0, ROWSTATE_EV_POST_429, 0, ROWSTATE_DO_NOTHING, P, 1, 0, 0, 0, -1},
	{P, 1, 0, 0, 0, ROWSTATE_EV_POST_429, 1, ROWSTATE_DO_NOTHING, P, 1, 0, 0, 0, -1},
	{P, 1, 0, 0, 0, ROWSTATE_EV_POST_AUTH, 0, ROWSTATE_DO_FAILED, X, 1, 0, 0, 0, -1},
	{P, 2, 0, 0, 1, ROWSTATE_EV_POST_AUTH, 1, ROWSTATE_DO_FAILED, X, 2, 0, 0, 1, -1},
	{P, 1, 0, 0, 0, ROWSTATE_EV_POST_5XX, 0, ROWSTATE_DO_SETTLE, S, 1, 0, 0, 1, DUE},
	{P, 1, 0, 0, 0, ROWSTATE_EV_POST_5XX, 1, ROWSTATE_DO_FAILED, X, 1, 0, 0, 1, -1},
	{P, 1, 0, 0, 0, ROWSTATE_EV_POST_UNSENT, 0, ROWSTATE_DO_FAILED, X, 1, 0, 0, 0, -1},
	{P, 2, 0, 0, 1, ROWSTATE_EV_POST_UNSENT, 1, ROWSTATE_DO_FAILED, X, 2, 0, 0, 1, -1},
	{P, 1, 0, 0, 0, ROWSTATE_EV_POST_LOST, 0, ROWSTATE_DO_SETTLE, S, 1, 0, 0, 1, DUE},
	{P, 1, 0, 0, 0, ROWSTATE_EV_POST_LOST, 1, ROWSTATE_DO_FAILED, X, 1, 0, 0, 1, -1},
	{P, 1, 0, 0, 0, ROWSTATE_EV_STOP, 0, ROWSTATE_DO_NOTHING, P, 1, 0, 0, 0, -1},
	{P, 1, 0, 0, 0, ROWSTATE_EV_STOP, 1, ROWSTATE_DO_NOTHING, P, 1, 0, 0, 0, -1},

	/* SETTLING */
	{S, 1, 0, 0, 1, ROWSTATE_EV_SETTLED, 0, ROWSTATE_DO_LOOKUP, F, 1, 1, 0, 1, -1},
	{S, 1, 1, 0, 1, ROWSTATE_EV_SETTLED, 0, ROWSTATE_DO_LOOKUP, F, 1, 2, 0, 1, -1},
	{S, 1, 0, 0, 1, ROWSTATE_EV_SETTLED, 1, ROWSTATE_DO_FAILED, X, 1, 0, 0, 1, -1},
	{S, 1, 0, 1, 1, ROWSTATE_EV_SETTLED, 1, ROWSTATE_DO_CREATED_NOID, C, 1, 0, 1, 1, -1},
	{S, 1, 0, 0, 1, ROWSTATE_EV_STOP, 0, ROWSTATE_DO_FAILED, X, 1, 0, 0, 1, -1},
	{S, 1, 0, 1, 1, ROWSTATE_EV_STOP, 1, ROWSTATE_DO_CREATED_NOID, C, 1, 0, 1, 1, -1},

	/* FINDING */
	{F, 1, 1, 0, 1, ROWSTATE_EV_FOUND, 0, ROWSTATE_DO_CREATED, C, 1, 1, 1, 0, -1},
	{F, 0, 2, 0, 1, ROWSTATE_EV_FOUND, 1, ROWSTATE_DO_CREATED, C, 0, 2, 1, 0, -1},
	/* not found once: settle and look again */
	{F, 1, 1, 0, 1, ROWSTATE_EV_NOT_FOUND, 0, ROWSTATE_DO_SETTLE, S, 1, 1, 0, 1, DUE},
	/* not found twice: only now may it go again */
	{F, 1, 2, 0, 1, ROWSTATE_EV_NOT_FOUND, 0, ROWSTATE_DO_POST, P, 2, 0, 0, 1, -1},
	/* a resumed row (no POST of this run yet) likewise */
	{F, 0, 2, 0, 1, ROWSTATE_EV_NOT_FOUND, 0, ROWSTATE_DO_POST, P, 1, 0, 0, 1, -1},
	/* ... unless its POSTs are spent */
	{F, 3, 2, 0, 1, ROWSTATE_EV_NOT_FOUND, 0, ROWSTATE_DO_FAILED, X, 3, 2, 0, 1, -1},
	{F, 1, 1, 0, 1, ROWSTATE_EV_NOT_FOUND, 1, ROWSTATE_DO_FAILED, X, 1, 1, 0, 1, -1},
	{F, 1, 2, 0, 1, ROWSTATE_EV_NOT_FOUND, 1, ROWSTATE_DO_FAILED, X, 1, 2, 0, 1, -1},
	/* a 2xx without an id: look again and again, never POST */
	{F, 1, 1, 1, 1, ROWSTATE_EV_NOT_FOUND, 0, ROWSTATE_DO_SETTLE, S, 1, 1, 1, 1, DUE},
	{F, 1, 3, 1, 1, ROWSTATE_EV_NOT_FOUND, 0, ROWSTATE_DO_SETTLE, S, 1, 3, 1, 1, DUE},
	{F, 1, 4, 1, 1, ROWSTATE_EV_NOT_FOUND, 0, ROWSTATE_DO_CREATED_NOID, C, 1, 4, 1, 1, -1},
	{F, 1, 1, 1, 1, ROWSTATE_EV_NOT_FOUND, 1, ROWSTATE_DO_CREATED_NOID, C, 1, 1, 1, 1, -1},
	{F, 1, 1, 0, 1, ROWSTATE_EV_LOOKUP_FAILED, 0, ROWSTATE_DO_FAILED, X, 1, 1, 0, 1, -1},
	{F, 1, 1, 0, 1, ROWSTATE_EV_LOOKUP_FAILED, 1, ROWSTATE_DO_FAILED, X, 1, 1, 0, 1, -1},
	{F, 1, 1, 1, 1, ROWSTATE_EV_LOOKUP_FAILED, 0, ROWSTATE_DO_CREATED_NOID, C, 1, 1, 1, 1, -1},
	{F, 1, 1, 0, 1, ROWSTATE_EV_STOP, 0, ROWSTATE_DO_NOTHING, F, 1, 1, 0, 1, -1},
	{F, 1, 1, 0, 1, ROWSTATE_EV_STOP, 1, ROWSTATE_DO_NOTHING, F, 1, 1, 0, 1, -1},

	/* final states stay final */
	{C, 1, 0, 1, 0, ROWSTATE_EV_STOP, 1, ROWSTATE_DO_NOTHING, C, 1, 0, 1, 0, -1},
	{R, 1, 0, 0, 0, ROWSTATE_EV_STOP, 0, ROWSTATE_DO_NOTHING, R, 1, 0, 0, 0, -1},
	{X, 1, 0, 0, 1, ROWSTATE_EV_STOP, 1, ROWSTATE_DO_NOTHING, X, 1, 0, 0, 1, -1},
};

static struct rowstate make(const struct row *t)
{
	struct rowstate r;

	rowstate_init(&r);
	r.state = t->s;
	r.posts = t->posts;
	r.lookups = t->lookups;
	r.stored = t->stored;
	r.stored_maybe = t->maybe;
	r.due_ms = 0;
	return r;
}

static void decision_table(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		const struct row *t = &table[i];
		struct rowstate r = make(t);
		enum rowstate_action a = rowstate_next(&r, t->ev, &LIM, NOW,
		                                       t->stopping);

		if (a != t->want || r.state != t->s2 || r.posts != t->posts2 ||
		    r.lookups != t->lookups2 || r.stored != t->stored2 ||
		    r.stored_maybe != t->maybe2 ||
		    (t->due2 >= 0 && r.due_ms != t->due2))
			fail_msg("row %zu: %s + %s%s: got %s -> %s posts %u lookups "
			         "%u stored %d maybe %d due %lld; want %s -> %s",
			         i, rowstate_state_name(t->s),
			         rowstate_event_name(t->ev),
			         t->stopping ? " (stopping)" : "",
			         rowstate_action_name(a),
			         rowstate_state_name(r.state), r.posts, r.lookups,
			         r.stored, r.stored_maybe, (long long)r.due_ms,
			         rowstate_action_name(t->want),
			         rowstate_state_name(t->s2));
	}
}

/* Every (state, event) pair, running and stopping, is either in the table
 * above or cannot happen (DO_INVALID, state unchanged). */
static void every_pair_is_decided(void **state)
{
	unsigned s, e, stop;
	size_t i;

	(void)state;
	for (s = 0; s < ROWSTATE_COUNT; s++)
		for (e = 0; e < ROWSTATE_EV_COUNT; e++)
			for (stop = 0; stop < 2; stop++) {
				bool listed = false;
				struct rowstate r;
				enum rowstate_action a;

				for (i = 0; i < sizeof(table) / sizeof(table[0]); i++)
					if (table[i].s == s && table[i].ev == e &&
					    table[i].stopping == stop)
						listed = true;
				rowstate_init(&r);
				r.state = (enum rowstate_state)s;
				a = rowstate_next(&r, (enum rowstate_event)e, &LIM,
				                  NOW, stop);
				if (listed)
					continue;
				if (e == ROWSTATE_EV_STOP && s >= ROWSTATE_CREATED) {
					assert_int_equal(a, ROWSTATE_DO_NOTHING);
					continue;
				}
				if (a != ROWSTATE_DO_INVALID || r.state != s)
					fail_msg("%s + %s%s is not in the table but "
					         "answers %s",
					         rowstate_state_name(s),
					         rowstate_event_name(e),
					         stop ? " (stopping)" : "",
					         rowstate_action_name(a));
			}
}

/* Drives one row through events, checking each action. */
static void walk(const enum rowstate_event *evs, const enum rowstate_action *want,
                 size_t n, enum rowstate_state end)
{
	struct rowstate r;
	int64_t now = NOW;
	size_t i;

	rowstate_init(&r);
	for (i = 0; i < n; i++) {
		enum rowstate_action a = rowstate_next(&r, evs[i], &LIM, now, false);

		if (a != want[i])
			fail_msg("step %zu (%s): got %s, want %s", i,
			         rowstate_event_name(evs[i]), rowstate_action_name(a),
			         rowstate_action_name(want[i]));
		if (a == ROWSTATE_DO_SETTLE) {
			assert_true(r.due_ms == now + SETTLE);
			now = r.due_ms;
		}
	}
	assert_int_equal(r.state, end);
}

#define WALK(evs, acts, end)                                                   \
	do {                                                                   \
		assert_int_equal(sizeof(evs) / sizeof(evs[0]),                  \
		                 sizeof(acts) / sizeof(acts[0]));               \
		walk(evs, acts, sizeof(evs) / sizeof(evs[0]), end);             \
	} while (0)

/* A 5xx after the usage was stored: looked up, found, never sent again. */
static void walk_store_then_5xx(void **state)
{
	static const enum rowstate_event e[] = {
		ROWSTATE_EV_START, ROWSTATE_EV_POST_5XX, ROWSTATE_EV_SETTLED,
		ROWSTATE_EV_FOUND,
	};
	static const enum rowstate_action a[] = {
		ROWSTATE_DO_POST, ROWSTATE_DO_SETTLE, ROWSTATE_DO_LOOKUP,
		ROWSTATE_DO_CREATED,
	};

	(void)state;
	WALK(e, a, ROWSTATE_CREATED);
}

/* A list that lags: the first lookup misses, the second finds it. */
static void walk_list_lag(void **state)
{
	static const enum rowstate_event e[] = {
		ROWSTATE_EV_START, ROWSTATE_EV_POST_LOST, ROWSTATE_EV_SETTLED,
		ROWSTATE_EV_NOT_FOUND, ROWSTATE_EV_SETTLED, ROWSTATE_EV_FOUND,
	};
	static const enum rowstate_action a[] = {
		ROWSTATE_DO_POST, ROWSTATE_DO_SETTLE, ROWSTATE_DO_LOOKUP,
		ROWSTATE_DO_SETTLE, ROWSTATE_DO_LOOKUP, ROWSTATE_DO_CREATED,
	};

	(void)state;
	WALK(e, a, ROWSTATE_CREATED);
}

/* Truly not stored (a 503 that meant it): two misses, then sent again. */
static void walk_not_stored(void **state)
{
	static const enum rowstate_event e[] = {
		ROWSTATE_EV_START,     ROWSTATE_EV_POST_5XX,  ROWSTATE_EV_SETTLED,
		ROWSTATE_EV_NOT_FOUND, ROWSTATE_EV_SETTLED,   ROWSTATE_EV_NOT_FOUND,
		ROWSTATE_EV_POST_2XX,
	};
	static const enum rowstate_action a[] = {
		ROWSTATE_DO_POST,   ROWSTATE_DO_SETTLE, ROWSTATE_DO_LOOKUP,
		ROWSTATE_DO_SETTLE, ROWSTATE_DO_LOOKUP, ROWSTATE_DO_POST,
		ROWSTATE_DO_CREATED,
	};

	(void)state;
	WALK(e, a, ROWSTATE_CREATED);
}

/* A 5xx every time: three POST rounds, each looked up twice, then failed. */
static void walk_spent(void **state)
{
	struct rowstate r;
	unsigned round, posts = 0;

	(void)state;
	rowstate_init(&r);
	assert_int_equal(rowstate_next(&r, ROWSTATE_EV_START, &LIM, NOW, false),
	                 ROWSTATE_DO_POST);
	for (round = 0; round < LIM.max_posts; round++) {
		enum rowstate_action a;

		posts++;
		assert_int_equal(rowstate_next(&r, ROWSTATE_EV_POST_5XX, &LIM, NOW,
		                               false),
		                 ROWSTATE_DO_SETTLE);
		assert_int_equal(rowstate_next(&r, ROWSTATE_EV_SETTLED, &LIM, NOW,
		                               false),
		                 ROWSTATE_DO_LOOKUP);
		assert_int_equal(rowstate_next(&r, ROWSTATE_EV_NOT_FOUND, &LIM,
		                               NOW, false),
		                 ROWSTATE_DO_SETTLE);
		assert_int_equal(rowstate_next(&r, ROWSTATE_EV_SETTLED, &LIM, NOW,
		                               false),
		                 ROWSTATE_DO_LOOKUP);
		a = rowstate_next(&r, ROWSTATE_EV_NOT_FOUND, &LIM, NOW, false);
		assert_int_equal(a, round + 1 < LIM.max_posts ? ROWSTATE_DO_POST
		                                             : ROWSTATE_DO_FAILED);
	}
	assert_int_equal(r.posts, posts);
	assert_int_equal(r.state, ROWSTATE_FAILED);
	assert_true(r.stored_maybe); /* the next run looks before it sends */
}

/* After a crash: wait from when the last attempt may have ended, look. */
static void walk_resume(void **state)
{
	static const enum rowstate_event e[] = {
		ROWSTATE_EV_RESUME, ROWSTATE_EV_SETTLED, ROWSTATE_EV_NOT_FOUND,
		ROWSTATE_EV_SETTLED, ROWSTATE_EV_NOT_FOUND, ROWSTATE_EV_POST_2XX,
	};
	static const enum rowstate_action a[] = {
		ROWSTATE_DO_SETTLE, ROWSTATE_DO_LOOKUP, ROWSTATE_DO_SETTLE,
		ROWSTATE_DO_LOOKUP, ROWSTATE_DO_POST,  ROWSTATE_DO_CREATED,
	};

	(void)state;
	WALK(e, a, ROWSTATE_CREATED);
}

static void names(void **state)
{
	(void)state;
	assert_string_equal(rowstate_state_name(ROWSTATE_SETTLING), "settling");
	assert_string_equal(rowstate_event_name(ROWSTATE_EV_POST_5XX), "post-5xx");
	assert_string_equal(rowstate_event_name(ROWSTATE_EV_STOP), "stop");
	assert_string_equal(rowstate_action_name(ROWSTATE_DO_LOOKUP), "lookup");
	assert_string_equal(rowstate_state_name(ROWSTATE_COUNT), "?");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(decision_table),
		cmocka_unit_test(every_pair_is_decided),
		cmocka_unit_test(walk_store_then_5xx),
		cmocka_unit_test(walk_list_lag),
		cmocka_unit_test(walk_not_stored),
		cmocka_unit_test(walk_spent),
		cmocka_unit_test(walk_resume),
		cmocka_unit_test(names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
