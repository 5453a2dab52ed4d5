/* existing: --skip-existing asks the server instead of the log. It lists
 * every usage in a file's usageTime window (GET /usages?filter=usageTime:
 * A..B, every page: a day of a hundred rows takes one or two requests) and
 * keeps them, so each row that matches one (match.h's rules) takes it and
 * is skipped rather than sent. A usage goes to the row it matches best: the
 * input is read once more first, so a usage some row matches exactly is
 * kept for that row, whichever comes first in the file. */
#ifndef RB_EXISTING_H
#define RB_EXISTING_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "check.h"
#include "response.h"
#include "sender.h"
#include "status.h"

struct existing;

/* Is id already accounted for (created by a row of the log)? Such a usage
 * is no other row's. Returns 1 yes, 0 no, -1 out of memory. It must only
 * ask: a row the log has with an unknown outcome finds its own usage among
 * the listed ones, so listing them claims none. */
typedef int (*existing_claimed_fn)(void *ctx, const char *id);

/* Lists [from_ms, to_ms] (cut to whole seconds) through snd, which must have
 * nothing in flight, and keeps the usages claimed() says are free. signals
 * (main's count) stops it: RB_EINTR. RB_EAUTH, RB_ENET when the server
 * cannot be asked (err says why; nothing was sent), RB_ENOMEM. */
enum rb_status existing_load(struct existing **out, struct sender *snd,
                             int64_t from_ms, int64_t to_ms,
                             existing_claimed_fn claimed, void *ctx,
                             const volatile sig_atomic_t *signals, char *err,
                             size_t errlen);
void existing_free(struct existing *e); /* accepts NULL */

/* Claims id for a row: 1 when a row of the log holds it already (a row
 * whose outcome was unknown found it meanwhile), 0 when claimed now, -1 out
 * of memory. */
typedef int (*existing_claim_fn)(void *ctx, const char *id);

/* Notes that a row of the input (read in a pass before any row is taken)
 * matches a listed usage exactly: the same subscriptionId, the same
 * usageTime to the millisecond, the same quantity. Such a usage is kept for
 * that row: no other row takes it by a looser rule (whole seconds, a
 * partial quantity), since the row that loosely matches it is a different
 * usage and must be sent. Each listed usage is reserved for one row at
 * most. Returns 1 when one was reserved, 0 when none is left. */
int existing_reserve(struct existing *e, const struct usage *row);

/* existing_reserve as intake_each's and bundle_each_sent's callback (ctx:
 * the struct existing): always RB_OK. */
enum rb_status existing_reserve_each(void *e, const struct usage *row,
                                     char *err, size_t errlen);

/* How many usages were listed and kept (0 for NULL): none, and no row can
 * take one, so there is nothing to reserve. */
size_t existing_count(const struct existing *e);

/* Takes a listed usage not taken yet that matches row and that claim()
 * gives it, the best first: one it matches exactly (one reserved before
 * one not), else one it matches loosely that is reserved for no row. 1
 * with its id in id (idlen bytes), 0 when none, -1 out of memory. */
int existing_take(struct existing *e, const struct usage *row,
                  existing_claim_fn claim, void *ctx, char *id, size_t idlen);

/* The pieces, for tests: an empty set, and adding one listed usage (a
 * usage whose quantity or usageTime cannot be read is left out). */
struct existing *existing_new(void);
int existing_add(struct existing *e, const struct response_usage *u);

#endif
