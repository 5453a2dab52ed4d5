/* report: what a person reads. The live progress line and the end-of-run
 * summary on stderr (counts, and reject reasons grouped, each with an example
 * line), and `rbusage report RESULT_LOG` over a finished or interrupted log. */
#ifndef RB_REPORT_H
#define RB_REPORT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "config.h"
#include "resultlog.h"
#include "status.h"

/* Reasons grouped by shape: digits become N and quoted values '…', so
 * "quantity 1.2345 has 4 decimals" and "quantity 7.0001 has 4 decimals" count
 * as one reason. At most a fixed number of groups; the rest count as "other". */
struct report_reasons;
struct report_reasons *report_reasons_new(void);
void report_reasons_free(struct report_reasons *r); /* accepts NULL */
void report_reasons_add(struct report_reasons *r, const char *reason, long line);

struct report_summary {
	const char *input;
	const char *rejects_path; /* NULL when nothing was rejected */
	const char *log_path;
	const struct run_counts *counts;
	const struct report_reasons *reasons;
	bool dry_run;
	bool undo;          /* counts: read = usages listed, created = deleted,
	                       skipped = deleted earlier, remaining */
	bool interrupted;
	long elapsed_ms;
};

/* The end-of-run summary, several lines. */
void report_summary(FILE *out, const struct report_summary *s);

/* One progress line: on a terminal (tty) redrawn in place with '\r' and an
 * erase-line code; elsewhere (--progress into a file) a plain line each time,
 * with no escape codes. */
void report_progress(FILE *out, const struct run_counts *c, uint64_t consumed,
                     int64_t total, long elapsed_ms, bool tty);
/* Clears a terminal's progress line before other output. */
void report_progress_clear(FILE *out);

/* `rbusage report`: reads cfg->files[0] and prints the report to out (and
 * --html). Returns RB_OK, or an error with err set. */
enum rb_status report_run(const struct config *cfg, FILE *out, char *err,
                          size_t errlen);

#endif
