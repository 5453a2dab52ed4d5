/* resultlog: the JSON-lines record of a run: a "run" line, one "row" line per
 * row outcome (a "pending" line before a row's first request), a "summary"
 * line. Each line goes out in one write(2) on an O_APPEND descriptor, so a
 * crash loses nothing already written and never leaves half a line behind a
 * complete one. Also reads a log back, for resume, undo and report. */
#ifndef RB_RESULTLOG_H
#define RB_RESULTLOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "status.h"

enum resultlog_status {
	RESULTLOG_PENDING,
	RESULTLOG_CREATED,
	RESULTLOG_REJECTED,
	RESULTLOG_REFUSED,
	RESULTLOG_FAILED,
	RESULTLOG_SKIPPED,
	RESULTLOG_DELETED,   /* undo: the usage is gone (204, or 404 already gone) */
	RESULTLOG_STATUS_COUNT,
};

/* "pending", "created", ...; NULL-safe lookup back with resultlog_status_of. */
extern const char *const resultlog_status_names[RESULTLOG_STATUS_COUNT];
int resultlog_status_of(const char *name, size_t len); /* -1 when unknown */

struct run_counts {
	unsigned long read;      /* rows of this shard read from the input */
	unsigned long valid;     /* passed the local checks */
	unsigned long created;
	unsigned long rejected;  /* local checks */
	unsigned long refused;   /* server 4xx */
	unsigned long failed;    /* gave up */
	unsigned long skipped;   /* created by an earlier run */
	unsigned long other_shard; /* rows left to other --shard processes */
	unsigned long reconciled;  /* outcomes found again with GET /usages */
	unsigned long remaining;   /* undo: usages that could not be deleted */
	unsigned long usages;      /* --aggregate: the usages the valid rows
	                              make (each counted once; 0 without) */
};

/* Input lines one row line may name, at most: an --aggregate usage's rows
 * (aggregate.h keeps a usage to AGGREGATE_ROWS_MAX). Their list, at up to
 * 20 bytes a line, fits a log line's 256 KiB cap with room to spare. */
#define RESULTLOG_LINES_MAX 10000

/* Adds every count of from to to (the files of one run, or its shards). */
void resultlog_counts_add(struct run_counts *to, const struct run_counts *from);

struct resultlog_row {
	long line;                   /* the input line; an aggregate's first */
	const long *lines;           /* an aggregate's input lines, ascending
	                                ("lines"), nlines of them; NULL and 0
	                                for a single row */
	size_t nlines;
	enum resultlog_status status;
	const char *usage_id;        /* NULL when none */
	long http;                   /* 0 when none */
	unsigned attempts;           /* 0: not written */
	long ms;                     /* < 0: not written */
	const char *reason;          /* NULL when none */
	const char *subscription_id; /* canonical values, NULL when unknown */
	const char *quantity;
	const char *usage_time;
	const char *found;           /* how an outcome was found again, or NULL */
	/* created: what the server stored when it differs from what was sent
	 * (a cut quantity, a time kept in whole seconds); NULL otherwise */
	const char *stored_quantity;
	const char *stored_usage_time;
	bool stored_maybe;           /* refused, failed: an earlier POST of the
	                                row may have been stored all the same
	                                (its outcome was unknown and lookups did
	                                not find it): resume looks it up first */
};

struct resultlog_run {
	const char *command;      /* "import" or "undo" */
	const char *input;        /* path as given */
	const char *fingerprint;
	const char *format;       /* "csv" / "jsonl", NULL for undo */
	const char *stamped_time; /* usageTime given to rows without one */
	const char *started;      /* UTC time the run started */
	const struct config *cfg; /* options, base URL and organization; never the key */
};

struct resultlog;

/* Opens path for appending (created 0644 when absent). A torn last line
 * (from a crash) is cut off, unless another run holds the log (see below):
 * then it is that run's log to mend, and lines are only appended. */
struct resultlog *resultlog_open(const char *path, char *err, size_t errlen);

/* The same, for a run that sends: one run per result log. An exclusive lock
 * (flock) is held on the log for as long as it is open, so cron starting a
 * second run on the same log is harmless. RB_EBUSY when another process
 * holds it (err names its pid, from /proc/locks, when it can be told);
 * RB_EIO, RB_ENOMEM otherwise. */
enum rb_status resultlog_open_exclusive(struct resultlog **out,
                                        const char *path, char *err,
                                        size_t errlen);
/* Makes every line written so far durable (fdatasync), so a power cut cannot
 * hide a pending line whose request went out. RB_EIO on failure. */
enum rb_status resultlog_sync(struct resultlog *lg, char *err, size_t errlen);

/* Closes; returns RB_EIO when the close reports a failed write. NULL is fine. */
enum rb_status resultlog_close(struct resultlog *lg, char *err, size_t errlen);

enum rb_status resultlog_write_run(struct resultlog *lg,
                                   const struct resultlog_run *run, char *err,
                                   size_t errlen);
enum rb_status resultlog_write_row(struct resultlog *lg,
                                   const struct resultlog_row *row, char *err,
                                   size_t errlen);
/* input_failed: why the input ended before its end (NULL when it did not),
 * written as "inputFailed" so a report can tell a cut input from a whole
 * one; "" writes a generic reason. */
enum rb_status resultlog_write_summary(struct resultlog *lg,
                                       const struct run_counts *c,
                                       bool dry_run, bool interrupted,
                                       const char *input_failed,
                                       long elapsed_ms, char *err,
                                       size_t errlen);

/* Reading back. Each entry is borrowed for the callback only. */
struct resultlog_entry {
	enum { RESULTLOG_ENTRY_RUN, RESULTLOG_ENTRY_ROW, RESULTLOG_ENTRY_SUMMARY,
	       RESULTLOG_ENTRY_OTHER } type;
	long line_no;         /* line of the log file itself */
	/* run */
	const char *input, *fingerprint, *stamped_time, *command;
	const char *base_url, *organization;
	const char *started;  /* UTC time the run started, as written */
	const char *aggregate; /* options.aggregate: "minute", "hour", "day";
	                          NULL when the run sent one usage per row */
	const char *shard;    /* options.shard: "K/N"; NULL without --shard */
	bool dry_run;         /* run and summary */
	/* row */
	struct resultlog_row row;
	/* summary: the run's counts (the members written; others 0) */
	struct run_counts counts;
	bool interrupted;
	const char *input_failed; /* "inputFailed": why the input ended early
	                             (truncated gzip, a read error); NULL when
	                             it was read to its end, or in older logs */
	long elapsed_ms;      /* -1 when not written */
};

/* Calls cb for every complete line of path (a torn last line, from a crash,
 * is ignored). cb returns non-zero to stop. RB_EIO when the file cannot be
 * read, RB_EINPUT with the line number when a line is not ours. */
typedef int (*resultlog_cb)(const struct resultlog_entry *e, void *ctx);
enum rb_status resultlog_read(const char *path, resultlog_cb cb, void *ctx,
                              char *err, size_t errlen);

/* The input lines row r stands for: an aggregate's list, else its line
 * alone. *lines is borrowed from r. */
size_t resultlog_row_lines(const struct resultlog_row *r, const long **lines);

#endif
