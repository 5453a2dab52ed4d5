/* intake: the rows of one input, read and checked. It drives the first
 * stages for the conductor: reader -> record (field mapping) -> shard ->
 * check -> duplicates. Each row comes out valid (a usage ready to send),
 * rejected (with a reason a person can act on), or another shard's. */
#ifndef RB_INTAKE_H
#define RB_INTAKE_H

#include <stdbool.h>
#include <stdint.h>

#include "check.h"
#include "config.h"
#include "reader.h"
#include "status.h"

enum intake_kind {
	INTAKE_VALID,       /* u is filled */
	INTAKE_REJECTED,    /* why says what is wrong */
	INTAKE_OTHER_SHARD, /* --shard: left to another process */
};

struct intake_row {
	enum intake_kind kind;
	struct reader_row row; /* as read; borrowed until the next intake_next */
	struct usage u;        /* INTAKE_VALID; a row without usageTime has the
	                          stamped time (intake_set_stamped) */
	char why[600];         /* INTAKE_REJECTED */
};

struct intake;

/* Opens path as cfg says and binds a CSV header. now_wall_ms is the run's
 * clock for the default upper bound of the usageTime window (and its stamped
 * time until intake_set_stamped). RB_EINPUT for a header that binds no
 * usable columns or an empty CSV, RB_EUSAGE for an input that cannot be
 * opened (err names the file and why, in one line), RB_ENOMEM. */
enum rb_status intake_open(struct intake **out, const struct config *cfg,
                           const char *path, int64_t now_wall_ms, char *err,
                           size_t errlen);
void intake_free(struct intake *in); /* accepts NULL */

/* The usageTime given to rows that have none (--stamp-time), in ms since
 * 1970 (cut to the second when set by intake_open). */
void intake_set_stamped(struct intake *in, int64_t stamped_ms);
/* It as text ("YYYY-MM-DDTHH:MM:SSZ", borrowed until the next set) and
 * in *ms. */
const char *intake_stamped(const struct intake *in, int64_t *ms);

/* The next row into *out. RB_OK, RB_END at the end of the input; anything
 * else means the input ended early (truncated gzip, a read error: err says
 * where) or RB_ENOMEM. */
enum rb_status intake_next(struct intake *in, struct intake_row *out,
                           char *err, size_t errlen);

/* The usageTime window [*lo_ms, *hi_ms] of path's valid rows (*any false
 * when it has none), read in a pass of its own (--skip-existing lists it
 * before anything is sent), rows without usageTime at stamped_ms.
 * Arguments as for intake_open; errors as intake_open's and intake_next's. */
enum rb_status intake_window(const struct config *cfg, const char *path,
                             int64_t now_wall_ms, int64_t stamped_ms,
                             int64_t *lo_ms, int64_t *hi_ms, bool *any,
                             char *err, size_t errlen);

/* Each valid row of path, in a pass of its own, to fn (u borrowed for the
 * call); a status other than RB_OK from fn stops the pass and is returned.
 * --skip-existing knows which listed usages some row matches exactly before
 * the first row is decided. Arguments and errors as intake_window's. */
typedef enum rb_status (*intake_each_fn)(void *ctx, const struct usage *u,
                                         char *err, size_t errlen);
enum rb_status intake_each(const struct config *cfg, const char *path,
                           int64_t now_wall_ms, int64_t stamped_ms,
                           intake_each_fn fn, void *ctx, char *err,
                           size_t errlen);

/* The reader underneath, for its format, header, encoding and progress;
 * borrowed until intake_free. */
const struct reader *intake_reader(const struct intake *in);

#endif
