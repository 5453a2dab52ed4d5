/* report_rows: which entry of a result log is a row's final one, for report
 * and undo. Runs of one input read by line (the same fingerprint as the run
 * before, not standard input, the same --aggregate) share their line
 * numbers: a later entry of a line replaces the earlier. Any other run
 * (standard input, --restart with another version, another file given the
 * same --log) has lines of its own, and replaces an earlier run's entry only
 * by content, one for one, as resume matches rows: a row skipped as created
 * before stands for an earlier created entry of the same subscriptionId,
 * usageTime and quantity; a row sent again for an earlier entry that was
 * pending, failed or refused; a rejected row for an earlier rejected one at
 * the same line with the same reason. */
#ifndef RB_REPORT_ROWS_H
#define RB_REPORT_ROWS_H

#include <stdbool.h>
#include <stddef.h>

#include "status.h"

struct report_rows;

/* Reads log (two passes). *out is NULL on failure: RB_EIO, RB_EINPUT (a
 * line not ours, or a row or log line past LINEMAP_MAX; err names it),
 * RB_ENOMEM. Free with report_rows_free. */
enum rb_status report_rows_load(const char *log, struct report_rows **out,
                                char *err, size_t errlen);
void report_rows_free(struct report_rows *rr); /* accepts NULL */

/* Is the row entry on log line log_line the final entry of input line line
 * (one of the entry's lines)? Entries of dry runs are never final. */
bool report_rows_final(const struct report_rows *rr, long log_line,
                       long line);

/* How many runs of the log have lines of their own (see above). */
size_t report_rows_groups(const struct report_rows *rr);

#endif
