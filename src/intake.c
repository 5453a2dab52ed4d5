/* intake: reading and checking the rows of one input. */
#include "intake.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dedup.h"
#include "hash.h"
#include "record.h"
#include "rejects.h"
#include "timefmt.h"

struct intake {
	const struct config *cfg;
	struct reader *rd;
	struct record_map *map;
	struct check_policy pol;
	struct dedup *dd;       /* NULL with --allow-duplicates */
	bool fed_back;          /* may be a reject file: a rejectReason column
	                           (JSON lines: any row may have the member) */
	int64_t now_wall_ms;
	char stamped[CHECK_TIME_MAX];
	int64_t stamped_ms;
};

void intake_free(struct intake *in)
{
	if (!in)
		return;
	reader_free(in->rd);
	record_map_free(in->map);
	dedup_free(in->dd);
	free(in);
}

enum rb_status intake_open(struct intake **out, const struct config *cfg,
                           const char *path, int64_t now_wall_ms, char *err,
                           size_t errlen)
{
	struct intake *in = calloc(1, sizeof(*in));
	const struct reader_field *hdr;
	char why[512];
	size_t nhdr;
	enum rb_status st;

	*out = NULL;
	if (!in) {
		rb_detail(err, errlen, "out of memory");
		return RB_ENOMEM;
	}
	in->cfg = cfg;
	in->now_wall_ms = now_wall_ms;
	check_policy_from_config(&in->pol, cfg);
	intake_set_stamped(in, now_wall_ms / 1000 * 1000);
	if ((st = reader_open(&in->rd, path, cfg, err, errlen))) {
		intake_free(in);
		return st == RB_ENOMEM ? st : RB_EUSAGE;
	}
	if (!(in->map = record_map_new(cfg)) ||
	    (!cfg->allow_duplicates && !(in->dd = dedup_new()))) {
		intake_free(in);
		rb_detail(err, errlen, "out of memory");
		return RB_ENOMEM;
	}
	hdr = reader_header(in->rd, &nhdr);
	if (reader_format(in->rd) == CONFIG_FORMAT_CSV && nhdr == 0) {
		/* An export always has its header, even with no rows: an empty
		 * file is an export that failed, not a quiet night. */
		rb_detail(err, errlen, "%s: no header line (the file is empty)",
		          path);
		intake_free(in);
		return RB_EINPUT;
	}
	if (reader_format(in->rd) == CONFIG_FORMAT_CSV &&
	    record_map_header(in->map, hdr, nhdr, why, sizeof(why))) {
		rb_detail(err, errlen, "%s: %s", path, why);
		intake_free(in);
		return RB_EINPUT;
	}
	in->fed_back = reader_format(in->rd) != CONFIG_FORMAT_CSV ||
	               rejects_header_fed_back(hdr, nhdr);
	*out = in;
	return RB_OK;
}

void intake_set_stamped(struct intake *in, int64_t stamped_ms)
{
	in->stamped_ms = stamped_ms;
	timefmt_format(stamped_ms, in->stamped);
}

const char *intake_stamped(const struct intake *in, int64_t *ms)
{
	*ms = in->stamped_ms;
	return in->stamped;
}

const struct reader *intake_reader(const struct intake *in)
{
	return in->rd;
}

/* --shard K/N: the row's trimmed subscriptionId text (valid or not), FNV-1a
 * 64, modulo N, is shard K-1. Rows without one (missing, null or empty) and
 * unreadable rows go to shard 1, so every row is reported by exactly one
 * process. */
static bool in_shard(const struct config *cfg, const struct record *rec)
{
	const struct record_value *v = &rec->v[CONFIG_FIELD_SUBSCRIPTION_ID];
	const char *s = v->text;
	size_t n = v->len;

	if (!cfg->shard_n)
		return true;
	if (!v->present)
		return cfg->shard_k == 1;
	while (n && (*s == ' ' || *s == '\t'))
		s++, n--;
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	if (!n)
		return cfg->shard_k == 1; /* empty is missing */
	return hash_fnv1a64(s, n) % cfg->shard_n == cfg->shard_k - 1;
}

/* A row of a reject file fed back (rejects.c finds its reason) that was
 * rejected as a duplicate: the line it repeated, whose row was sent, or 0.
 * Fixing the other rejects and importing the file again must not send the
 * duplicate with them. Its own reason starts the same way, so a third
 * import refuses it too. */
static long earlier_duplicate(const struct reader_row *row)
{
	static const char said[] = "repeats line ";
	size_t k, len, n = sizeof(said) - 1;
	const char *v = rejects_earlier_reason(row, &len);
	long line = 0;

	if (!v || len <= n || memcmp(v, said, n))
		return 0;
	for (k = n; k < len && k < n + 18 && v[k] >= '0' && v[k] <= '9'; k++)
		line = line * 10 + (v[k] - '0');
	return k > n && k < len && v[k] == ' ' ? line : 0;
}

enum rb_status intake_next(struct intake *in, struct intake_row *out,
                           char *err, size_t errlen)
{
	const struct config *cfg = in->cfg;
	struct record rec;
	enum rb_status st;
	long first;
	int seen;

	if ((st = reader_next(in->rd, &out->row, err, errlen)))
		return st;
	out->why[0] = 0;
	if (out->row.error ||
	    record_from_row(in->map, &out->row, &rec, out->why, sizeof(out->why))) {
		if (out->row.error)
			snprintf(out->why, sizeof(out->why), "%s", out->row.error);
		/* unreadable rows are shard 1's */
		out->kind = cfg->shard_n && cfg->shard_k != 1 ? INTAKE_OTHER_SHARD
		                                              : INTAKE_REJECTED;
		return RB_OK;
	}
	if (!in_shard(cfg, &rec)) {
		out->kind = INTAKE_OTHER_SHARD;
		return RB_OK;
	}
	out->kind = INTAKE_REJECTED;
	if (check_record(&in->pol, &rec, in->now_wall_ms, &out->u, out->why,
	                 sizeof(out->why)))
		return RB_OK;
	if (!out->u.usage_time[0]) {
		memcpy(out->u.usage_time, in->stamped, sizeof(out->u.usage_time));
		out->u.usage_time_ms = in->stamped_ms;
	}
	if (in->dd && (seen = dedup_seen(in->dd, &out->u, &first)) != 0) {
		if (seen < 0) {
			rb_detail(err, errlen, "out of memory");
			return RB_ENOMEM;
		}
		snprintf(out->why, sizeof(out->why),
		         "repeats line %ld (same subscriptionId, usageTime and "
		         "quantity), which is sent: delete this row before "
		         "importing this reject file, unless both are real "
		         "(then pass --allow-duplicates)",
		         first);
		return RB_OK;
	}
	if (in->dd && in->fed_back &&
	    (first = earlier_duplicate(&out->row)) != 0) {
		snprintf(out->why, sizeof(out->why),
		         "repeats line %ld of the run that wrote this reject "
		         "file, which was sent: delete this row, unless both "
		         "are real (then pass --allow-duplicates)",
		         first);
		return RB_OK;
	}
	out->kind = INTAKE_VALID;
	return RB_OK;
}

enum rb_status intake_each(const struct config *cfg, const char *path,
                           int64_t now_wall_ms, int64_t stamped_ms,
                           intake_each_fn fn, void *ctx, char *err,
                           size_t errlen)
{
	struct intake *in;
	struct intake_row ir;
	enum rb_status st;

	if ((st = intake_open(&in, cfg, path, now_wall_ms, err, errlen)))
		return st;
	intake_set_stamped(in, stamped_ms);
	while ((st = intake_next(in, &ir, err, errlen)) == RB_OK) {
		if (ir.kind == INTAKE_VALID &&
		    (st = fn(ctx, &ir.u, err, errlen)))
			break;
	}
	intake_free(in);
	return st == RB_END ? RB_OK : st;
}

struct window {
	int64_t *lo_ms, *hi_ms;
	bool *any;
};

static enum rb_status window_row(void *ctx, const struct usage *u, char *err,
                                 size_t errlen)
{
	struct window *w = ctx;
	int64_t t = u->usage_time_ms;

	(void)err;
	(void)errlen;
	if (!*w->any || t < *w->lo_ms)
		*w->lo_ms = t;
	if (!*w->any || t > *w->hi_ms)
		*w->hi_ms = t;
	*w->any = true;
	return RB_OK;
}

enum rb_status intake_window(const struct config *cfg, const char *path,
                             int64_t now_wall_ms, int64_t stamped_ms,
                             int64_t *lo_ms, int64_t *hi_ms, bool *any,
                             char *err, size_t errlen)
{
	struct window w = {lo_ms, hi_ms, any};

	*any = false;
	return intake_each(cfg, path, now_wall_ms, stamped_ms, window_row, &w,
	                   err, errlen);
}
