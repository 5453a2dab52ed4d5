/* usage_fixtures: a checked row and a listed usage, built from their
 * fields, for the tables of test_match and test_existing. */
#ifndef RB_TEST_USAGE_FIXTURES_H
#define RB_TEST_USAGE_FIXTURES_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "response.h"
#include "timefmt.h"

static inline struct usage row_of(const char *sid, const char *q,
                                  int64_t ms, int partial)
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

static inline struct response_usage cand(const char *id,
                                         const char *sid, const char *q,
                                         bool number, const char *t)
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

#endif
