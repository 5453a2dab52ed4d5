/* existing: --skip-existing asks the server instead of the log. It lists
 * every usage in a file's usageTime window (GET /usages?filter=usageTime:
 * A..B, every page: a day of a hundred rows takes one or two requests) and
 * keeps them, so each row that matches one (match.h's rules) takes it and
 * is skipped rather than sent. */
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

/* Takes the first listed usage not taken yet that matches row and that
 * claim() gives it: 1 with its id in id (idlen bytes), 0 when none, -1 out
 * of memory. */
int existing_take(struct existing *e, const struct usage *row,
                  existing_claim_fn claim, void *ctx, char *id, size_t idlen);

/* The pieces, for tests: an empty set, and adding one listed usage (a
 * usage whose quantity or usageTime cannot be read is left out). */
struct existing *existing_new(void);
int existing_add(struct existing *e, const struct response_usage *u);

#endif
