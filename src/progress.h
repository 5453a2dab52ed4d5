/* progress: the live progress line on stderr while an import runs: rows
 * done of a total estimated from the bytes read against the input's size,
 * the rate and an ETA; redrawn in place on a terminal, a plain line now and
 * then into a file or pipe. */
#ifndef RB_PROGRESS_H
#define RB_PROGRESS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "resultlog.h"

/* The rows a file holds, estimated from the rows read so far and the share
 * of its bytes they took (consumed of total; for a compressed file both in
 * compressed bytes), never fewer than rows_read; -1 when total is unknown
 * (a pipe) or nothing is consumed yet. */
double progress_estimate_rows(unsigned long rows_read, uint64_t consumed,
                              int64_t total);

/* One progress line: on a terminal (tty) redrawn in place with '\r' and an
 * erase-line code; elsewhere (--progress into a file) a plain line each time,
 * with no escape codes. consumed and total as for progress_estimate_rows. */
void progress_line(FILE *out, const struct run_counts *c, uint64_t consumed,
                   int64_t total, long elapsed_ms, bool tty);
/* Clears a terminal's progress line before other output. */
void progress_clear(FILE *out);

/* When to draw: every 250 ms on a terminal, every 5 s elsewhere. */
struct progress {
	bool on;
	bool tty;
	int64_t start_ms;  /* monotonic */
	int64_t last_ms;
};

/* on: draw at all (--progress, or stderr a terminal and not --quiet). */
void progress_init(struct progress *p, bool on, bool tty, int64_t now_ms);
/* Draws on stderr when it is time (or force). */
void progress_tick(struct progress *p, const struct run_counts *c,
                   uint64_t consumed, int64_t total, int64_t now_ms,
                   bool force);

#endif
