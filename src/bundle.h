/* bundle: --aggregate's side of an import. The valid rows are gathered into
 * usages (aggregate.c) while the whole input is read; then each usage comes
 * out once, in a stable order, with what to do with it: reject its rows (a
 * sum too large, or a usage the result log holds for its bucket that it does
 * not match), skip it (an earlier run created it), look it up first (an
 * earlier run sent it and never learned the outcome), or send it. */
#ifndef RB_BUNDLE_H
#define RB_BUNDLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "aggregate.h"
#include "check.h"
#include "config.h"
#include "resume.h"
#include "status.h"

enum bundle_action {
	BUNDLE_SEND,    /* into flight */
	BUNDLE_LOOKUP,  /* into flight, looked up before anything is sent */
	BUNDLE_SKIP,    /* created by an earlier run */
	BUNDLE_REJECT,  /* each of its rows, with why */
};

struct bundle_item {
	const struct aggregate_usage *g; /* borrowed until bundle_free */
	enum bundle_action action;
	const char *why;    /* BUNDLE_REJECT: the reason for every row;
	                       borrowed until the next bundle_next */
};

struct bundle;

/* unit: the --aggregate value (not NONE). NULL when out of memory. */
struct bundle *bundle_new(enum config_aggregate unit);
void bundle_free(struct bundle *b); /* accepts NULL */

/* One valid, checked row (a stamped time applied). RB_ENOMEM. */
enum rb_status bundle_add(struct bundle *b, const struct usage *u);

/* The usageTime window of the rows added (false when none). */
bool bundle_window(const struct bundle *b, int64_t *lo_ms, int64_t *hi_ms);

/* Every row is in: the usages are final. rs (NULL for a dry run) is asked
 * about every usage before the first is taken (a match by content is used
 * up, so the check for a bucket's unmatched usage must see every match);
 * it is borrowed until bundle_free. *usages: how many will be sent or
 * skipped; *rejected_rows: rows whose usage's sum is too large. RB_ENOMEM. */
enum rb_status bundle_ready(struct bundle *b, struct resume *rs,
                            unsigned long *usages,
                            unsigned long *rejected_rows);

/* The next usage into *out; false when every usage was taken. */
bool bundle_next(struct bundle *b, struct bundle_item *out);

/* Once ready: each usage bundle_next will send or look up (neither one of
 * too large a sum nor one an earlier run created), in order, to fn (u
 * borrowed for the call); a status other than RB_OK from fn stops the walk
 * and is returned. */
typedef enum rb_status (*bundle_each_fn)(void *ctx, const struct usage *u,
                                         char *err, size_t errlen);
enum rb_status bundle_each_sent(const struct bundle *b, bundle_each_fn fn,
                                void *ctx, char *err, size_t errlen);

/* The usage whose first input line is line (the line of a usage handed to
 * flight), or NULL. */
const struct aggregate_usage *bundle_at(const struct bundle *b, long line);

/* Rows added but not in a usage taken yet. */
unsigned long bundle_rows_left(const struct bundle *b);

#endif
