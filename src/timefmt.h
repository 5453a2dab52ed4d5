/* timefmt: the tree's only date arithmetic and time text. The proleptic
 * Gregorian calendar, RFC 3339 / ISO 8601 and Unix times read exactly, the
 * canonical UTC form written, HTTP dates. Pure: no I/O, no clock, no TZ. */
#ifndef RB_TIMEFMT_H
#define RB_TIMEFMT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TIMEFMT_MAX 32 /* "YYYY-MM-DDTHH:MM:SS.fffZ" + NUL, and slack */
#define TIMEFMT_MS_PER_DAY INT64_C(86400000)
/* 0001-01-01T00:00:00.000Z and 9999-12-31T23:59:59.999Z: the instants four
 * digits of year can write. */
#define TIMEFMT_MIN_MS INT64_C(-62135596800000)
#define TIMEFMT_MAX_MS INT64_C(253402300799999)
#define TIMEFMT_FRACTION_MAX 9 /* digits; more is certainly not a time */

/* ---- calendar ---- */

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's
 * algorithm): exact for every year, no timegm, no TZ environment. m 1-12,
 * d 1-31 (not checked against the month). */
int64_t timefmt_days_from_civil(int64_t y, int m, int d);
/* The inverse: the date of a day number. */
void timefmt_civil_from_days(int64_t days, int64_t *y, int *m, int *d);
bool timefmt_is_leap(int64_t y);
int timefmt_days_in_month(int64_t y, int m); /* m 1-12 */

/* ---- writing ---- */

/* ms since 1970 as "YYYY-MM-DDTHH:MM:SS[.fff]Z" (fraction only when not
 * zero, then always 3 digits). ms outside years 0001-9999 is clamped. */
void timefmt_format(int64_t ms, char out[TIMEFMT_MAX]);

/* ---- reading ---- */

/* An ISO 8601 value as read: a wall-clock time and maybe its offset. */
struct timefmt_iso {
	bool has_time;    /* false: a bare date (midnight) */
	bool has_zone;    /* Z or an offset was written */
	int64_t local_ms; /* the wall-clock value read as if it were UTC */
	int offset_min;   /* when has_zone: minutes east of UTC */
};

/* Parses YYYY-MM-DD[(T|t| )HH:MM:SS[.f{1,9}][Z|z|+HH:MM|+HHMM|+HH]] exactly
 * (s trimmed by the caller, not NUL-terminated, borrowed for the call).
 * Fractions beyond milliseconds are cut, never rounded; offsets up to 23:59;
 * a leap second (:60) is refused. Returns 0, or -1 with a reason for a
 * person that starts with pfx ("usageTime " or ""), e.g. "usageTime
 * '2023-02-29T00:00:00Z' has day 29; February 2023 has 28 days". */
int timefmt_iso_parse(const char *s, size_t n, const char *pfx,
                      struct timefmt_iso *t, char *reason, size_t reasonlen);

/* 0 when the fields name a time of the calendar (years 0001-9999, the
 * month's days, hours 00-23, no leap second); else -1 with a reason quoting
 * s after pfx, e.g. "'2026-02-30' has day 30; February 2026 has 28 days". */
int timefmt_check_civil(const char *pfx, const char *s, size_t n, int y,
                        int mo, int d, int h, int mi, int sec, char *reason,
                        size_t reasonlen);

/* 0 when ms is inside years 0001-9999; else -1 with a reason quoting s
 * ("<pfx>'<s>' is outside 0001-01-01T00:00:00Z to ..."). */
int timefmt_check_range(const char *pfx, const char *s, size_t n, int64_t ms,
                        char *reason, size_t reasonlen);

/* Plausible Unix times: milliseconds before 2000-01-01T00:00:00Z are
 * probably seconds, seconds from 2100-01-01T00:00:00Z on probably
 * milliseconds (DESIGN "Checks"). */
#define TIMEFMT_EPOCH_MS_MIN INT64_C(946684800000)
#define TIMEFMT_EPOCH_MAX INT64_C(4102444800000)

/* Unix time text (s trimmed, borrowed): seconds with an optional fraction
 * of 1-9 digits (cut to ms) when !millis, digits only when millis; no sign,
 * no exponent; inside the plausible range above for its unit. Returns 0, or
 * -1 with a reason naming usageTime and the --time-format that was given,
 * or the one that was probably meant. */
int timefmt_epoch_parse(const char *s, size_t n, bool millis, int64_t *ms,
                        char *reason, size_t reasonlen);

/* A --not-before/--not-after value (NUL-terminated; blanks around it
 * allowed): an RFC 3339 date-time with Z or an offset, or a bare date
 * meaning midnight UTC. Returns 0, or -1 with a reason like "'2026-02-30'
 * has day 30; February 2026 has 28 days" (the caller adds the option). */
int timefmt_parse_bound(const char *s, int64_t *ms, char *reason,
                        size_t reasonlen);
/* The same for --not-after, where a bare date means the end of that day:
 * its last millisecond in UTC ("2025-12-31" is 2025-12-31T23:59:59.999Z). */
int timefmt_parse_end_bound(const char *s, int64_t *ms, char *reason,
                            size_t reasonlen);

/* A --time-zone offset: "UTC" or "Z" (any case), "+HH:MM", "+HHMM" or
 * "+HH" (or '-'), hours 00-23, minutes 00-59. *minutes is east of UTC
 * ("-05:30" is -330). Returns 0, or -1 leaving *minutes alone. */
int timefmt_parse_offset(const char *s, int *minutes);

/* An HTTP-date (RFC 9110: IMF-fixdate, RFC 850 with its two-digit year
 * taken within 50 years of 2000, or asctime; blanks around it allowed),
 * years 1970-9999, into Unix seconds. false when s (NUL-terminated) is not
 * one. */
bool timefmt_parse_http_date(const char *s, int64_t *unix_s);

#endif
