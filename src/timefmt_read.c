/* timefmt_read: see timefmt_read.h. The usual value, RFC 3339 with Z, goes
 * straight through timefmt_iso_parse's fast path: no zone is consulted for
 * a value that names its own offset. */
#include "timefmt_read.h"

#include "quote.h"
#include "status.h"

/* The instant of local time t (no offset of its own) in r's zone. */
static int in_zone(const struct timefmt_reader *r, const struct timefmt_iso *t,
                   const char *s, size_t n, int64_t *ms, char *reason,
                   size_t reasonlen)
{
	struct timefmt_zone_change c;
	char q[QUOTE_MAX], why[256];

	if (!r->zone) {
		*ms = t->local_ms - (int64_t)r->zone_offset_min * 60000;
		return 0;
	}
	if (!timefmt_zone_to_utc(r->zone, t->local_ms, r->dst, ms, &c))
		return 0;
	timefmt_zone_describe(r->zone, &c, why, sizeof(why));
	rb_detail(reason, reasonlen,
	          "usageTime '%s' %s; pass --dst earlier or --dst later to "
	          "take one",
	          quote_value(q, s, n), why);
	return -1;
}

int timefmt_read(const struct timefmt_reader *r, const char *s, size_t n,
                 int64_t *ms, char *reason, size_t reasonlen)
{
	struct timefmt_iso t;
	char q[QUOTE_MAX];

	switch (r->kind) {
	case TIMEFMT_EPOCH:
	case TIMEFMT_EPOCH_MS:
		return timefmt_epoch_parse(s, n, r->kind == TIMEFMT_EPOCH_MS, ms,
		                           reason, reasonlen);
	case TIMEFMT_PATTERN:
		if (timefmt_pattern_read(r->pattern, s, n, &t, reason,
		                         reasonlen))
			return -1;
		if (!t.has_zone && !r->has_zone) {
			rb_detail(reason, reasonlen,
			          "usageTime '%s' has no time zone (the pattern "
			          "has no %%z); pass --time-zone",
			          quote_value(q, s, n));
			return -1;
		}
		break;
	default:
		if (timefmt_iso_parse(s, n, "usageTime ", &t, reason, reasonlen))
			return -1;
		if (!t.has_zone && !r->has_zone) {
			if (t.has_time)
				rb_detail(reason, reasonlen,
				          "usageTime '%s' has no time zone; add Z "
				          "or an offset like +02:00, or pass "
				          "--time-zone",
				          quote_value(q, s, n));
			else
				rb_detail(reason, reasonlen,
				          "usageTime '%s' is a date without a time "
				          "zone; write %.10sT00:00:00Z (or with an "
				          "offset), or pass --time-zone",
				          quote_value(q, s, n), s);
			return -1;
		}
		break;
	}
	if (t.has_zone)
		*ms = t.local_ms - (int64_t)t.offset_min * 60000;
	else if (in_zone(r, &t, s, n, ms, reason, reasonlen))
		return -1;
	return timefmt_check_range("usageTime ", s, n, *ms, reason, reasonlen);
}
