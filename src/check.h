/* check: the pure rules a usage must pass before it may be sent, and the
 * normalized values it is sent with (trimmed id, canonical decimal quantity,
 * UTC time). No I/O; the current time is a parameter, so tests and fuzzers
 * drive every rule directly. */
#ifndef RB_CHECK_H
#define RB_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "record.h"
#include "status.h"
#include "timefmt_read.h"

#define CHECK_ID_MAX 50
#define CHECK_QUANTITY_MAX 24 /* 15 significant digits, a point, NUL, slack */
#define CHECK_TIME_MAX TIMEFMT_MAX /* "YYYY-MM-DDTHH:MM:SS.fffZ" + NUL */

/* A checked, normalized usage, ready to send. */
struct usage {
	long line;
	char subscription_id[CHECK_ID_MAX + 1];
	char quantity[CHECK_QUANTITY_MAX];  /* canonical: "5", "5.25", "0.001" */
	char usage_time[CHECK_TIME_MAX];    /* "YYYY-MM-DDTHH:MM:SS[.fff]Z", or ""
	                                       when the row had none (stamped later) */
	int64_t usage_time_ms;              /* when usage_time[0] */
	int accept_partial;                 /* -1 absent, 0 false, 1 true */
};

struct check_policy {
	struct timefmt_reader time; /* how usageTime text is read */
	bool has_not_before;
	int64_t not_before_ms;
	bool has_not_after;    /* else: now_ms + 5 minutes */
	int64_t not_after_ms;
	bool stamp_time; /* else a missing usageTime is a reject */
	bool decimal_comma; /* quantities in text have ',' as decimal mark */
	const char *map[CONFIG_FIELD_COUNT]; /* --map's names, NULL if none;
	                                        borrowed from cfg */
};

/* Copies the check-related options out of cfg; the zone and the pattern
 * are borrowed from cfg, which must outlive p. */
void check_policy_from_config(struct check_policy *p, const struct config *cfg);

/* Checks rec and fills out. Returns 0, or -1 with one reason for a person in
 * reason, naming the field and what is wrong and what is allowed, e.g.
 * "quantity 1.2345 has 4 decimals; at most 3 are allowed". now_ms is the run's
 * clock for the default upper bound of the time window. */
int check_record(const struct check_policy *p, const struct record *rec,
                 int64_t now_ms, struct usage *out, char *reason,
                 size_t reasonlen);

/* The single rules, for tests and fuzzers. Each returns 0 or -1 with a reason.
 * s is borrowed for the call; NULL means the field is absent. Text values are
 * trimmed of surrounding spaces and tabs first. A value quoted in a reason is
 * cut at 40 characters ("...") with control characters shown as '?'. */
int check_subscription_id(const char *s, size_t len, char out[CHECK_ID_MAX + 1],
                          char *reason, size_t reasonlen);
/* Decimal text (CSV, JSON string) when is_json_number is false; else the
 * exact text of a JSON number (exponent allowed, resolved exactly on the digit
 * string: 1.5e2 is 150, 1e999999999 is rejected in constant time). At least
 * 0.001, at most 3 decimals and 15 significant digits; zeros after the point
 * do not count, an integer's own zeros do (1000 is 4 digits). out is the
 * canonical text: "005.2500" -> "5.25", ".5" -> "0.5", "5." -> "5". */
int check_quantity(const char *s, size_t len, bool is_json_number,
                   char out[CHECK_QUANTITY_MAX], char *reason, size_t reasonlen);
/* The same with ',' as the decimal mark of text (--decimal-comma): "1,5" is
 * 1.5, sent as "1.5"; a '.' in text is then refused (it may be a thousands
 * separator). A JSON number keeps JSON's '.'. */
int check_quantity_comma(const char *s, size_t len, bool is_json_number,
                         char out[CHECK_QUANTITY_MAX], char *reason,
                         size_t reasonlen);
/* usageTime text, or a JSON number's text with epoch formats, trimmed and
 * read by timefmt_read with p->time. out_text gets the canonical UTC form.
 * Window checks are done here too (now_ms for the default). Absent or empty
 * (after trimming) is missing: 0 with out_text "" and *out_ms 0, when
 * p->stamp_time; else a reject naming --stamp-time. */
int check_usage_time(const struct check_policy *p, const char *s, size_t len,
                     int64_t now_ms, int64_t *out_ms,
                     char out_text[CHECK_TIME_MAX], char *reason,
                     size_t reasonlen);
/* -1 absent (empty), 0 or 1; returns -1 for anything else (reason set). */
int check_bool(const char *s, size_t len, int *out, char *reason,
               size_t reasonlen);

#endif
