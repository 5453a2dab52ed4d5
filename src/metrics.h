/* metrics: how the last run went, in Prometheus' text format, for
 * node_exporter's textfile collector: rows by final status, requests by HTTP
 * status, 429 pauses, quantity created, duration, end time, success. The
 * file is replaced atomically (a temporary file beside it, then rename), so
 * a scrape never reads half of it. */
#ifndef RB_METRICS_H
#define RB_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "resultlog.h"
#include "sender.h"
#include "status.h"

#define METRICS_HTTP_CODES 600 /* requests[0]: no reply; else 100..599 */

/* What one input (one file of an import, or the log an undo reads) did. */
struct metrics_input {
	const char *input;       /* the label: the path as given; borrowed */
	bool started;            /* the run reached this input */
	bool finished;           /* read to its end and not cut short */
	struct run_counts counts;
	int64_t created_milli;   /* quantity created, in thousandths */
	unsigned long requests[METRICS_HTTP_CODES];
	unsigned long pauses;    /* times a 429 paused all sending */
	long duration_ms;
	unsigned long earlier_unknown; /* --restart: rows of an earlier version
	                                  of unknown outcome that no row matched
	                                  (exit 1: they may be billed) */
};

struct metrics_run {
	const char *command;     /* "import", "dry-run" or "undo" */
	const char *shard;       /* "K/N", or NULL */
	int64_t end_ms;          /* Unix time the run ended, ms */
	int exit_status;         /* the process's exit status */
	const struct metrics_input *inputs; /* borrowed */
	size_t ninputs;
};

/* Fills mi when its run ends: the counts, whether it finished, how long it
 * took, and the sender's replies and 429 pauses (ss NULL: nothing was
 * sent). mi NULL is fine: no metrics were asked for. */
void metrics_note(struct metrics_input *mi, const struct run_counts *c,
                  bool finished, long duration_ms,
                  const struct sender_stats *ss);

/* Adds a created usage's quantity (canonical decimal text, at most 3
 * decimals) to mi->created_milli; anything else is ignored. mi may be NULL. */
void metrics_add_quantity(struct metrics_input *mi, const char *quantity);

/* The exposition text for m, appended to out. Pure: no I/O, no clock.
 * RB_ETOOBIG when out's cap is reached. */
enum rb_status metrics_format(struct buf *out, const struct metrics_run *m);

/* Can path be written (its directory takes a new file; path itself, when
 * there, is a regular file)? Leaves nothing behind. RB_EUSAGE with err set
 * otherwise: checked before a run, so a bad path is exit 2. */
enum rb_status metrics_check_path(const char *path, char *err, size_t errlen);

/* Formats m and replaces path with it atomically (mode 0644, so the
 * collector can read it). RB_EIO/RB_ENOMEM with err set; path is then left
 * as it was. */
enum rb_status metrics_write(const char *path, const struct metrics_run *m,
                             char *err, size_t errlen);

#endif
