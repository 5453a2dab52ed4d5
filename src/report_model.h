/* report_model: what `rbusage report` knows after reading its logs, as the
 * text report and the HTML page both show it. Types only: report_log fills
 * the model, report_html draws it. */
#ifndef RB_REPORT_MODEL_H
#define RB_REPORT_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "report.h"
#include "resultlog.h"

#define REPORT_UNKNOWN_SHOWN 10 /* unknown rows named per log */

/* One run of a log, as a person reads it. */
struct report_run_line {
	size_t log;         /* index in the model's logs */
	const char *kind;   /* "import", "undo", "dry run" (static) */
	char when[96];      /* "START to END", or START alone, UTC */
	char how[512];      /* "finished: rows read ...", "cut short: ...",
	                       "no end recorded: ..." */
};

struct report_log_info {
	unsigned long unknown; /* rows whose last entry is "pending", or failed
	                          or refused with storedMaybe */
	long unknown_lines[REPORT_UNKNOWN_SHOWN];
	unsigned long runs;    /* import and undo runs */
	unsigned long dry_runs;
	unsigned long more_runs; /* beyond what the model lists */
};

struct report_total {
	char key[64];       /* a day "YYYY-MM-DD" or a subscriptionId, as read */
	int64_t milli;      /* quantity in thousandths: exact */
	char quantity[48];  /* milli as decimal text */
	unsigned long rows;
};

/* Everything is owned by the model (report_run frees it) except logs
 * (borrowed from the config) and reasons. */
struct report_model {
	const char *const *logs;
	size_t nlogs;
	struct report_log_info *loginfo;        /* nlogs entries */
	struct report_run_line *runs;
	size_t nruns;
	unsigned long imports, undos, dry_runs;
	char runs_text[128];    /* "2 import runs, 1 dry run" */
	/* final status of each row over every import run of every log; "pending"
	 * counts the rows with no outcome (shown as unknown) */
	unsigned long status[RESULTLOG_STATUS_COUNT];
	unsigned long earlier; /* created rows that a later run skipped */
	unsigned long on_server; /* "skipped": --skip-existing found them on
	                            the server (counted as skipped, not created) */
	unsigned long input_failed; /* logs whose last import's input ended
	                               early (truncated gzip, a read error) */
	unsigned long deleted_rows; /* created rows an undo log says are gone */
	char deleted_quantity[48];  /* their quantity */
	unsigned long total_rows;   /* rows the quantity totals cover: created,
	                               not deleted */
	const struct report_reasons *reasons;
	struct report_total *days, *subs; /* days by date, subs by quantity */
	size_t ndays, nsubs;
	unsigned long other_days, other_subs;
	char total_quantity[48];
	bool overflow;      /* a total past 2^63 thousandths */
	unsigned long latency_n; /* created rows with a time */
	long p50_ms, p90_ms, p99_ms, max_ms;
	unsigned long retried, attempts_extra;
};

#endif
