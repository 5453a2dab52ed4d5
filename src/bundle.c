/* bundle: --aggregate's usages and what to do with each. */
#include "bundle.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct bundle {
	enum config_aggregate unit;
	struct aggregate *agg;
	struct resume *rs;        /* NULL: a dry run */
	unsigned char *verdict;   /* per usage: enum resume_verdict */
	size_t next;              /* the next usage to take */
	unsigned long rows_taken; /* rows of the usages taken */
	bool ready;
	bool any;
	int64_t lo_ms, hi_ms;
	char why[700];
};

struct bundle *bundle_new(enum config_aggregate unit)
{
	struct bundle *b = calloc(1, sizeof(*b));

	if (!b || !(b->agg = aggregate_new(unit))) {
		free(b);
		return NULL;
	}
	b->unit = unit;
	return b;
}

void bundle_free(struct bundle *b)
{
	if (!b)
		return;
	aggregate_free(b->agg);
	free(b->verdict);
	free(b);
}

enum rb_status bundle_add(struct bundle *b, const struct usage *u)
{
	if (!b->any || u->usage_time_ms < b->lo_ms)
		b->lo_ms = u->usage_time_ms;
	if (!b->any || u->usage_time_ms > b->hi_ms)
		b->hi_ms = u->usage_time_ms;
	b->any = true;
	/* RB_EINPUT would be a row the checks let through unchecked: a bug,
	 * and the run stops rather than lose the row */
	return aggregate_add(b->agg, u) == RB_OK ? RB_OK : RB_ENOMEM;
}

bool bundle_window(const struct bundle *b, int64_t *lo_ms, int64_t *hi_ms)
{
	*lo_ms = b->lo_ms;
	*hi_ms = b->hi_ms;
	return b->any;
}

enum rb_status bundle_ready(struct bundle *b, struct resume *rs,
                            unsigned long *usages,
                            unsigned long *rejected_rows)
{
	size_t i, n;

	aggregate_finish(b->agg);
	b->ready = true;
	b->rs = rs;
	n = aggregate_count(b->agg);
	*usages = *rejected_rows = 0;
	if (n && !(b->verdict = malloc(n)))
		return RB_ENOMEM;
	for (i = 0; i < n; i++) {
		const struct aggregate_usage *g = aggregate_get(b->agg, i);

		b->verdict[i] = RESUME_SEND;
		if (g->reject) {
			*rejected_rows += g->nlines;
			continue;
		}
		++*usages;
		if (rs)
			b->verdict[i] = resume_take(rs, g->usage.line, &g->usage);
	}
	return RB_OK;
}

/* "hour of 2026-11-20T10:00Z": g's bucket, for a person. */
static void bucket_words(const struct bundle *b,
                         const struct aggregate_usage *g, char *out,
                         size_t len)
{
	const char *t = g->usage.usage_time;

	if (b->unit == CONFIG_AGGREGATE_DAY)
		snprintf(out, len, "day of %.10s", t);
	else if (b->unit == CONFIG_AGGREGATE_HOUR)
		snprintf(out, len, "hour of %.13s:00Z", t);
	else
		snprintf(out, len, "minute of %.16sZ", t);
}

bool bundle_next(struct bundle *b, struct bundle_item *out)
{
	const struct aggregate_usage *g;
	char bucket[64];
	size_t i;

	if (!b->ready || b->next >= aggregate_count(b->agg))
		return false;
	i = b->next++;
	g = aggregate_get(b->agg, i);
	b->rows_taken += g->nlines;
	out->g = g;
	out->why = g->reject;
	if (g->reject) {
		out->action = BUNDLE_REJECT;
		return true;
	}
	if (b->verdict[i] == RESUME_CREATED) {
		out->action = BUNDLE_SKIP;
		return true;
	}
	if (b->verdict[i] == RESUME_UNKNOWN) {
		out->action = BUNDLE_LOOKUP;
		return true;
	}
	out->action = BUNDLE_SEND;
	if (b->rs && resume_bucket_left(b->rs, &g->usage)) {
		/* The log holds a usage of this bucket that no usage of this
		 * run is: the file or the options changed since. Sending this
		 * one too would bill the rows the two share twice. */
		bucket_words(b, g, bucket, sizeof(bucket));
		snprintf(b->why, sizeof(b->why),
		         "--aggregate %s: the result log has a usage of "
		         "subscription %s for the %s, sent by an earlier run, and "
		         "this run's rows of it (sum %s from %s) are not that "
		         "usage (the file or the options changed): not sent, so "
		         "nothing is billed twice; undo the earlier usage and "
		         "import again, or send the difference by hand",
		         config_aggregate_name(b->unit), g->usage.subscription_id,
		         bucket, g->usage.quantity, g->usage.usage_time);
		out->action = BUNDLE_REJECT;
		out->why = b->why;
	}
	return true;
}

enum rb_status bundle_each_sent(const struct bundle *b, bundle_each_fn fn,
                                void *ctx, char *err, size_t errlen)
{
	size_t i, n = b->ready ? aggregate_count(b->agg) : 0;
	enum rb_status st;

	for (i = 0; i < n; i++) {
		const struct aggregate_usage *g = aggregate_get(b->agg, i);

		if (!g->reject && b->verdict[i] != RESUME_CREATED &&
		    (st = fn(ctx, &g->usage, err, errlen)))
			return st;
	}
	return RB_OK;
}

const struct aggregate_usage *bundle_at(const struct bundle *b, long line)
{
	size_t lo = 0, hi = b->ready ? aggregate_count(b->agg) : 0;

	/* usages come in the order of their first lines */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct aggregate_usage *g = aggregate_get(b->agg, mid);

		if (g->usage.line == line)
			return g;
		if (line < g->usage.line)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

unsigned long bundle_rows_left(const struct bundle *b)
{
	return aggregate_rows(b->agg) - b->rows_taken;
}
