/* outcome: how a run ended (an import's files, or an undo), for main to map
 * to an exit status and --metrics-file. Types only. */
#ifndef RB_OUTCOME_H
#define RB_OUTCOME_H

#include <stdbool.h>
#include <stddef.h>

#include "metrics.h"
#include "resultlog.h"

struct run_outcome {
	struct run_counts counts; /* summed over the files */
	bool interrupted;         /* a signal stopped it */
	bool input_failed;        /* an input ended early (truncated gzip, I/O) */
	unsigned long earlier_unknown; /* rows of an earlier version of an
	                                  input, outcome unknown, not looked
	                                  up (resume_left) */
	struct metrics_input *files; /* one per input, in order, for
	                                --metrics-file; owned by the caller
	                                (free()), NULL when none was made */
	size_t nfiles;
};

#endif
