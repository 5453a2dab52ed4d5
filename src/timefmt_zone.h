/* timefmt_zone: IANA time zones from the system's tz database (TZif files,
 * RFC 8536: the 64-bit data and the footer's POSIX TZ rule for times past
 * the table), read once per run; turning a local wall-clock time into an
 * instant is then pure arithmetic, with no I/O and no TZ environment. */
#ifndef RB_TIMEFMT_ZONE_H
#define RB_TIMEFMT_ZONE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "status.h"

#define TIMEFMT_ZONE_DIR "/usr/share/zoneinfo"
#define TIMEFMT_ZONE_NAME_MAX 128

struct timefmt_zone;

/* Loads the zone called name (an IANA name such as America/New_York: ASCII
 * letters, digits and / _ - + only, no "." component) from dir (NULL:
 * TIMEFMT_ZONE_DIR). *out is the caller's (timefmt_zone_free). RB_EUSAGE
 * when there is no such zone or its file is not one, with a message naming
 * the zone ("'America/New_Yrok' is not a time zone in
 * /usr/share/zoneinfo"); RB_ENOMEM. */
enum rb_status timefmt_zone_load(const char *name, const char *dir,
                                 struct timefmt_zone **out, char *err,
                                 size_t errlen);
/* The same from a TZif file's bytes (borrowed for the call). RB_EUSAGE
 * with a message when they are not a usable TZif file (bad magic, counts
 * out of range, truncated, a TZ rule that does not parse, leap seconds). */
enum rb_status timefmt_zone_parse(const char *name, const void *data,
                                  size_t len, struct timefmt_zone **out,
                                  char *err, size_t errlen);
void timefmt_zone_free(struct timefmt_zone *z); /* accepts NULL */
/* The name it was loaded as; borrowed until timefmt_zone_free. */
const char *timefmt_zone_name(const struct timefmt_zone *z);

/* Seconds east of UTC in force at utc_s; *abbr (may be NULL) gets the
 * zone's abbreviation then ("EDT", "+0545"), borrowed until
 * timefmt_zone_free. */
int32_t timefmt_zone_offset(const struct timefmt_zone *z, int64_t utc_s,
                            const char **abbr);

/* What to do with a local time that daylight saving (or any change of
 * offset) makes ambiguous (a repeated hour) or nonexistent (a skipped
 * hour): such a time can mean two instants, read with the offset before
 * the change or after it. */
enum timefmt_dst {
	TIMEFMT_DST_REJECT,  /* refuse it, naming the change */
	TIMEFMT_DST_EARLIER, /* the earlier of the two instants */
	TIMEFMT_DST_LATER,   /* the later one */
};

/* The change of offset around a refused local time. */
struct timefmt_zone_change {
	bool skipped;         /* a gap (else a repeated stretch) */
	int64_t at_s;         /* the instant of the change, UTC seconds */
	int32_t off_before_s; /* seconds east of UTC before and after it */
	int32_t off_after_s;
	const char *abbr_before; /* borrowed until timefmt_zone_free */
	const char *abbr_after;
};

/* The instant of local_ms (a wall-clock time read as if it were UTC, ms) in
 * z. Returns 0 with *utc_ms; or, with TIMEFMT_DST_REJECT only, 1 for a
 * local time that does not exist and 2 for one that exists twice, with
 * *change (may be NULL) describing the change of offset around it. */
int timefmt_zone_to_utc(const struct timefmt_zone *z, int64_t local_ms,
                        enum timefmt_dst dst, int64_t *utc_ms,
                        struct timefmt_zone_change *change);

/* A reason for a person about a refused local time: "does not exist in
 * America/New_York: clocks jumped from 02:00 to 03:00 on 2025-03-09 (EST
 * to EDT)" or "is ambiguous in America/New_York: 01:00 to 02:00 happened
 * twice on 2025-11-02 (EDT, then EST)". */
void timefmt_zone_describe(const struct timefmt_zone *z,
                           const struct timefmt_zone_change *c, char *out,
                           size_t outlen);

#endif
