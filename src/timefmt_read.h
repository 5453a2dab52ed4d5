/* timefmt_read: how a usageTime value is read, as the options say: its form
 * (RFC 3339, Unix time, a pattern) and the zone of values that name none
 * (a fixed offset, or an IANA zone with its daylight-saving changes). */
#ifndef RB_TIMEFMT_READ_H
#define RB_TIMEFMT_READ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "timefmt.h"
#include "timefmt_pattern.h"
#include "timefmt_zone.h"

enum timefmt_kind {
	TIMEFMT_ISO,      /* timefmt_iso_parse */
	TIMEFMT_EPOCH,    /* seconds since 1970, maybe with a fraction */
	TIMEFMT_EPOCH_MS, /* milliseconds since 1970 */
	TIMEFMT_PATTERN,  /* timefmt_pattern_read with pattern */
};

/* All zero is RFC 3339 with an offset required. */
struct timefmt_reader {
	enum timefmt_kind kind;
	const struct timefmt_pattern *pattern; /* TIMEFMT_PATTERN; borrowed */
	bool has_zone;       /* else a value without an offset is refused */
	int zone_offset_min; /* minutes east of UTC, when zone is NULL */
	const struct timefmt_zone *zone; /* an IANA zone; borrowed */
	enum timefmt_dst dst; /* a skipped or repeated local time in zone */
};

/* Reads a usageTime value (s trimmed and not empty, borrowed for the call)
 * into ms since 1970, inside years 0001-9999. Returns 0, or -1 with a
 * reason that names usageTime, quotes the value and says what is wrong,
 * e.g. "usageTime '2026-01-01T10:00:00' has no time zone; add Z or an
 * offset like +02:00, or pass --time-zone", or "usageTime '2025-03-09
 * 02:30' does not exist in America/New_York: clocks jumped from 02:00 to
 * 03:00 on 2025-03-09 (EST to EDT); pass --dst earlier or --dst later". */
int timefmt_read(const struct timefmt_reader *r, const char *s, size_t n,
                 int64_t *ms, char *reason, size_t reasonlen);

#endif
