/* report: what a person reads at the end of a run: the
 * summary on stderr (counts, and reject reasons grouped by kind, each with
 * one real example), and `rbusage report LOG...` over finished, interrupted
 * or crashed logs. */
#ifndef RB_REPORT_H
#define RB_REPORT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "resultlog.h"
#include "status.h"

/* Reasons grouped by kind: "quantity 1.2345 has 4 decimals" and "quantity
 * 7.0001 has 4 decimals" are one kind (quoted values and words holding
 * digits are the values), shown with the first reason of the kind exactly
 * as written. At most a fixed number of kinds; the rest count as "other". */
#define REPORT_REASON_KINDS 64

struct report_reasons;
struct report_reasons *report_reasons_new(void);
void report_reasons_free(struct report_reasons *r); /* accepts NULL */
void report_reasons_add(struct report_reasons *r, const char *reason, long line);
/* The same, for a report over several logs: log is the index of the line's
 * log among them. */
void report_reasons_add_at(struct report_reasons *r, const char *reason,
                           size_t log, long line);

/* One kind of reason. example is borrowed from the reasons, valid until
 * they are freed: the first reason of the kind, as written (control
 * characters as spaces, cut at a character boundary). */
struct report_reason {
	const char *example;
	unsigned long count;
	long lines[3];  /* the first min(count, 3) rows; lines[0] the example's */
	size_t logs[3]; /* their logs (report_reasons_add_at) */
};
/* Fills out (REPORT_REASON_KINDS entries) with the kinds, most rows first,
 * ties in the order first seen; returns how many. */
size_t report_reasons_sorted(const struct report_reasons *r,
                             struct report_reason *out);
/* Rows whose reason fit no kind (all kinds taken): their count, and the
 * first one's log and line. */
unsigned long report_reasons_other(const struct report_reasons *r,
                                   size_t *log, long *line);
/* The kinds as text, one line each: "  <count>  [e.g. ]<example> (line A,
 * B, C, ...)"; logs names the lines' logs when nlogs > 1 (else NULL). */
void report_reasons_print(FILE *out, const struct report_reasons *r,
                          const char *const *logs, size_t nlogs);

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
	const char *aggregate; /* --aggregate's value, NULL for none: counts
	                          says how many usages the valid rows make */
};

/* The end-of-run summary, several lines. */
void report_summary(FILE *out, const struct report_summary *s);


#endif
