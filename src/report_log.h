/* report_log: `rbusage report LOG...`. Reads result logs (shards, several
 * nights) into one model: each run's start, end and how it ended, rows by
 * final status totalled over the logs, rows left "pending" with no outcome,
 * reasons, quantities per day and subscription, latency (report_model.h).
 * Writes it as text; report_html writes the same model as one offline page. */
#ifndef RB_REPORT_LOG_H
#define RB_REPORT_LOG_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "config.h"
#include "status.h"

/* Reads every log of cfg->files and prints the report to out (unless
 * --quiet; the caller checks out for write errors) and to --html. *unknown
 * counts the rows whose last entry is "pending": they may have been billed,
 * and only running the import again can tell. RB_OK, or an error with err
 * set (RB_EIO: a log or the page cannot be read or written; RB_EINPUT: a
 * file is not a result log). */
enum rb_status report_run(const struct config *cfg, FILE *out,
                          unsigned long *unknown, char *err, size_t errlen);

#endif
