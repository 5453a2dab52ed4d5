/* aggregate: --aggregate as a pure module. Checked usages of one
 * subscriptionId, acceptPartialQuantity value and UTC minute, hour or day go
 * into one bucket, sent as one usage: the exact decimal sum of their
 * quantities, stamped with the earliest usageTime, naming the input lines it
 * covers. No I/O, no clock. */
#ifndef RB_AGGREGATE_H
#define RB_AGGREGATE_H

#include <stddef.h>
#include <stdint.h>

#include "check.h"
#include "config.h"
#include "status.h"

/* Rows per usage, at most: a bucket with more is sent as several usages, in
 * input order (each with its own sum and earliest time). It bounds a
 * bucket's memory (8 to 16 bytes a row) and its result-log line. */
#define AGGREGATE_ROWS_MAX 10000

/* What one usage costs besides its rows, at most, allocator overhead aside
 * (--help says "about 300 bytes"; tests hold it to this). */
#define AGGREGATE_USAGE_BYTES 300

/* One usage to send and the rows it stands for. */
struct aggregate_usage {
	struct usage usage;  /* line: its first input line; quantity: the sum,
	                        canonical; usage_time: the earliest of its rows;
	                        accept_partial: -1 when every row left it out */
	int64_t bucket_ms;   /* the UTC minute, hour or day it sums */
	const long *lines;   /* its input lines, ascending; borrowed until
	                        aggregate_free */
	size_t nlines;
	const char *reject;  /* NULL, or why none of its rows may be sent (the
	                        sum has over 15 significant digits): each of its
	                        lines is rejected with it; borrowed likewise */
};

struct aggregate;

/* unit: CONFIG_AGGREGATE_MINUTE, _HOUR or _DAY. NULL when out of memory
 * (or for CONFIG_AGGREGATE_NONE). */
struct aggregate *aggregate_new(enum config_aggregate unit);
void aggregate_free(struct aggregate *a); /* accepts NULL */

/* Adds one checked usage (u is copied): its quantity canonical decimal text
 * ("5", "5.25", "0.001"), its usage_time set (a stamped time applied
 * first). RB_OK; RB_ENOMEM (the run stops); RB_EINPUT when u is not such a
 * usage (a bug in the caller: nothing was added). Not after
 * aggregate_finish. */
enum rb_status aggregate_add(struct aggregate *a, const struct usage *u);

/* Ends the adding: sums become text, too-large sums reasons, and the usages
 * take their stable order (by first input line: the same input gives the
 * same usages in the same order, run after run). */
void aggregate_finish(struct aggregate *a);

size_t aggregate_rows(const struct aggregate *a);  /* rows added */
size_t aggregate_count(const struct aggregate *a); /* usages to send */

/* The i-th usage (0 <= i < aggregate_count), after aggregate_finish;
 * borrowed until aggregate_free. */
const struct aggregate_usage *aggregate_get(const struct aggregate *a,
                                            size_t i);

/* The bytes it holds now (for tests and --verbose). */
size_t aggregate_bytes(const struct aggregate *a);

/* "minute", "hour", "day". */
const char *aggregate_unit_name(enum config_aggregate unit);

#endif
