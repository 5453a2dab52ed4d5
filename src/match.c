/* match: the server's usage against a row. */
#include "match.h"

#include <stdint.h>
#include <string.h>

int match_decimal_cmp(const char *a, const char *b)
{
	size_t ia = strcspn(a, "."), ib = strcspn(b, ".");
	const char *fa, *fb;
	int c;

	/* canonical: no leading zeros but "0.x", so a longer integer part
	 * is a bigger number */
	if (ia != ib)
		return ia < ib ? -1 : 1;
	if ((c = strncmp(a, b, ia)))
		return c < 0 ? -1 : 1;
	fa = a[ia] ? a + ia + 1 : "";
	fb = b[ib] ? b + ib + 1 : "";
	while (*fa || *fb) {
		char x = *fa ? *fa++ : '0', y = *fb ? *fb++ : '0';

		if (x != y)
			return x < y ? -1 : 1;
	}
	return 0;
}

bool match_usage(const struct usage *row, const struct response_usage *cand,
                 struct match_stored *stored)
{
	struct check_policy any;
	char q[CHECK_QUANTITY_MAX], t[CHECK_TIME_MAX], why[200];
	int64_t ms, whole;
	int c;

	if (strcmp(row->subscription_id, cand->subscription_id))
		return false;
	if (check_quantity(cand->quantity, strlen(cand->quantity),
	                   cand->quantity_is_number, q, why, sizeof(why)))
		return false;
	c = match_decimal_cmp(q, row->quantity);
	if (c > 0 || (c < 0 && row->accept_partial != 1))
		return false;
	memset(&any, 0, sizeof(any));
	any.has_not_after = true;
	any.not_after_ms = INT64_MAX;
	if (check_usage_time(&any, cand->usage_time, strlen(cand->usage_time), 0,
	                     &ms, t, why, sizeof(why)) ||
	    !t[0])
		return false;
	whole = row->usage_time_ms - ((row->usage_time_ms % 1000) + 1000) % 1000;
	if (ms != row->usage_time_ms && ms != whole)
		return false;
	if (stored) {
		memset(stored, 0, sizeof(*stored));
		if (c)
			memcpy(stored->quantity, q, sizeof(q));
		if (ms != row->usage_time_ms)
			memcpy(stored->usage_time, t, sizeof(t));
	}
	return true;
}
