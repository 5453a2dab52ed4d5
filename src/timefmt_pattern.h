/* timefmt_pattern: a small strftime-style reader for --time-format PATTERN,
 * for what spreadsheets write ("3/1/2025 10:00 PM", "01.03.2025 10:00").
 * Compiled once from the option, then each value is read against it with
 * no allocation; reasons say which directive wanted what, and where. */
#ifndef RB_TIMEFMT_PATTERN_H
#define RB_TIMEFMT_PATTERN_H

#include <stdbool.h>
#include <stddef.h>

#include "timefmt.h"

#define TIMEFMT_PATTERN_MAX 64 /* bytes of a pattern */

struct timefmt_pattern_item {
	char op;  /* a directive's letter (Y m d H I M S p b z f), 'L' for a
	             literal byte, ' ' for blanks */
	char lit; /* op 'L': the byte */
};

/* A compiled pattern: a value type, copied freely, nothing to free. */
struct timefmt_pattern {
	char text[TIMEFMT_PATTERN_MAX + 1]; /* as given, for reasons */
	unsigned n;
	struct timefmt_pattern_item items[TIMEFMT_PATTERN_MAX];
	bool has_zone; /* %z: values carry their offset */
};

/* Compiles s (NUL-terminated): %Y (4 digits), %m %d %H %I %M %S (1 or 2
 * digits, as strptime takes them), %p (AM/PM), %b (an English month name,
 * short or long), %z (Z or an offset like +02:00), %f (1-9 digits of a
 * fraction, cut to ms), %% (a '%'); a space matches any run of blanks, none
 * too; any other byte itself. A pattern names its date (%Y, %m or %b, and
 * %d) and each directive at most once; %I goes with %p, %f with %S.
 * Returns 0, or -1 with a reason for a person that quotes s, e.g. "'%d.%m.%y'
 * has %y; a pattern takes %Y %m %d %H %I %M %S %p %b %z %f and %%". */
int timefmt_pattern_compile(const char *s, struct timefmt_pattern *p,
                            char *reason, size_t reasonlen);

/* Reads value s (n bytes, trimmed, borrowed for the call) with p into t
 * (has_zone when the pattern has %z; has_time when it has an hour).
 * Returns 0, or -1 with a reason that starts "usageTime '<s>'", e.g.
 * "usageTime '3/1/2025 10:00' does not match --time-format '%m/%d/%Y %I:%M
 * %p': %p wants AM or PM, found nothing" or "usageTime '13/01/2025' has
 * month 13; months are 01-12". */
int timefmt_pattern_read(const struct timefmt_pattern *p, const char *s,
                         size_t n, struct timefmt_iso *t, char *reason,
                         size_t reasonlen);

#endif
