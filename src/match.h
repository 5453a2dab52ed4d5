/* match: is a usage the server lists the one a row sent? The rules of
 * DESIGN.md "Resume and exactly-once": the same subscriptionId, compared
 * exactly (Rebilly's filters ignore case); a usageTime equal to the row's,
 * or to it cut to whole seconds (a server may keep seconds only); a quantity
 * equal, or with acceptPartialQuantity true at most the row's (a usage
 * limit may have cut it). Whether the usage is already claimed by another
 * row is the caller's to know. Pure. */
#ifndef RB_MATCH_H
#define RB_MATCH_H

#include <stdbool.h>
#include <stdint.h>

#include "check.h"
#include "response.h"

/* What the server stored, when it differs from what the row sent. */
struct match_stored {
	char quantity[CHECK_QUANTITY_MAX];  /* canonical; "" when the same */
	char usage_time[CHECK_TIME_MAX];    /* canonical UTC; "" when the same */
};

/* True when cand is row's usage by the rules above; stored (may be NULL)
 * then says what differs. A candidate whose quantity or usageTime cannot be
 * read never matches. */
bool match_usage(const struct usage *row, const struct response_usage *cand,
                 struct match_stored *stored);

/* Compares two canonical decimal texts ("5", "5.25", "0.001"): <0, 0, >0. */
int match_decimal_cmp(const char *a, const char *b);

#endif
