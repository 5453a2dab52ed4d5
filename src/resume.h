/* resume: what an earlier run left in a result log, so this run sends each
 * row at most once: rows it created (skipped now), rows whose outcome it
 * never learned (looked up before anything is sent), the usage ids already
 * claimed by a row, and the stamped time for rows without usageTime. Rows
 * logged for this very input are known by line number; rows logged for an
 * earlier version of it (--restart) by content, counted by multiplicity. */
#ifndef RB_RESUME_H
#define RB_RESUME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "check.h"
#include "config.h"
#include "status.h"

#define RESUME_FINGERPRINT_MAX 64

struct resume;

/* Reads log_path (absent: nothing to resume) for the input whose
 * fingerprint is fp (NULL: not known, e.g. a dry run), for a run with
 * --aggregate aggregate. A log whose last run was for another fingerprint
 * is refused (RB_EUSAGE, err names the way out) unless restart; rows read
 * from standard input cannot be matched by line again either. A log that
 * holds usages (created or pending) sent with another --aggregate (or none)
 * is refused whatever restart says: their rows cannot be told apart from
 * this run's. Usages sent with --aggregate are known by content only (their
 * first line depends on the options), as are rows of another version.
 * *out is NULL on failure; free with resume_free. */
enum rb_status resume_load(const char *log_path, const char *input,
                           const char *fp, bool restart,
                           enum config_aggregate aggregate,
                           struct resume **out, char *err, size_t errlen);
void resume_free(struct resume *rs); /* accepts NULL */

/* What to do with the row at line with usage u (its key: subscriptionId,
 * usageTime, quantity; an aggregate's: its first line, earliest usageTime
 * and sum). Content matches are used up as they are found. */
enum resume_verdict {
	RESUME_SEND,     /* nothing known: send it */
	RESUME_CREATED,  /* an earlier run created it: skip */
	RESUME_UNKNOWN,  /* an earlier run sent it, outcome unknown: look first */
};
enum resume_verdict resume_take(struct resume *rs, long line,
                                const struct usage *u);

/* --aggregate: the usages the log holds (created, or of unknown outcome)
 * for u's subscription in u's bucket that no resume_take has matched. Asked
 * once resume_take has seen every usage of the run: a usage that matches
 * none of the log's while its bucket still holds one would bill some rows
 * twice (the input or the options changed since). */
unsigned long resume_bucket_left(const struct resume *rs,
                                 const struct usage *u);

/* Rows of earlier versions of the input (--restart, standard input) that
 * no resume_take of this run matched, asked once every row is read:
 * created ones (their usages stay billed though the input no longer has
 * them) and unknown ones (they may be billed, and nothing looks them up
 * now). A line for a person on each into created_msg and unknown_msg (""
 * when none), naming log_path (borrowed for the call) and an example row.
 * Returns how many are unknown. */
unsigned long resume_left(const struct resume *rs, const char *log_path,
                          char *created_msg, char *unknown_msg,
                          size_t msglen);

/* A log's sends were made under one --shard: a run with another (or none,
 * shard "") would send the rows another process's log holds, billing them
 * twice. RB_EUSAGE with err naming log_path and both values, else RB_OK. */
enum rb_status resume_check_shard(const struct resume *rs,
                                  const char *log_path, const char *shard,
                                  char *err, size_t errlen);

/* The stamped usageTime of the log's first run ("" when none), for rows
 * without usageTime: the same row must be the same usage on every run. */
const char *resume_stamped(const struct resume *rs);

/* When the log was last written (ms since 1970; 0 when there was none): an
 * unknown outcome may have been committed up to then, so lookups wait
 * --settle from it. */
int64_t resume_last_write_ms(const struct resume *rs);

/* Usage ids some row of the log has claimed (created). 1 when id was
 * claimed already, else 0 and it is claimed now; -1 out of memory. */
int resume_claim(struct resume *rs, const char *id);
/* Whether id is claimed, claiming nothing. */
bool resume_claimed(struct resume *rs, const char *id);

#endif
