/* report: summaries and progress for a person. */
#include "report.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define MAX_GROUPS 64
#define SHAPE_BYTES 200

struct group {
	char shape[SHAPE_BYTES];
	char example[SHAPE_BYTES]; /* the first reason as written */
	unsigned long count;
	long first_line;
	long lines[3]; /* examples */
};

struct report_reasons {
	struct group g[MAX_GROUPS];
	size_t n;
	unsigned long other;
	long other_line;
};

struct report_reasons *report_reasons_new(void)
{
	return calloc(1, sizeof(struct report_reasons));
}

void report_reasons_free(struct report_reasons *r)
{
	free(r);
}

/* Digits -> N, quoted text -> '…', control characters -> space. */
static void shape_of(const char *s, char *out, size_t len)
{
	size_t o = 0;
	char q = 0;

	for (; *s && o + 4 < len; s++) {
		if (q) {
			if (*s == q) {
				q = 0;
				memcpy(out + o, "...", 3);
				o += 3;
				out[o++] = *s;
			}
			continue;
		}
		if (*s == '\'' && (!o || out[o - 1] == ' ' || out[o - 1] == '(')) {
			/* a quoted value starts a word; "can't" is no quote */
			q = *s;
			out[o++] = *s;
		} else if (*s >= '0' && *s <= '9' && o >= 5 &&
		           !strncmp(out + o - 5, "HTTP ", 5)) {
			/* HTTP status codes stay: 422 and 409 are different reasons */
			while (*s >= '0' && *s <= '9' && o + 4 < len)
				out[o++] = *s++;
			s--;
		} else if (*s >= '0' && *s <= '9') {
			out[o++] = 'N';
			/* one N for a whole number, decimal or time: 12.5, 10:00:00Z */
			while ((s[1] >= '0' && s[1] <= '9') ||
			       (s[1] && strchr(".:-T", s[1]) && s[2] >= '0' && s[2] <= '9') ||
			       (s[1] == 'Z' && s[0] >= '0' && s[0] <= '9'))
				s++;
		} else {
			out[o++] = (unsigned char)*s < 0x20 ? ' ' : *s;
		}
	}
	out[o] = 0;
}

void report_reasons_add(struct report_reasons *r, const char *reason, long line)
{
	char shape[SHAPE_BYTES];
	size_t i;

	if (!r)
		return;
	shape_of(reason, shape, sizeof(shape));
	for (i = 0; i < r->n; i++)
		if (!strcmp(r->g[i].shape, shape))
			break;
	if (i == r->n) {
		if (r->n == MAX_GROUPS) {
			if (!r->other++)
				r->other_line = line;
			return;
		}
		memcpy(r->g[i].shape, shape, sizeof(shape));
		snprintf(r->g[i].example, sizeof(r->g[i].example), "%s", reason);
		for (char *p = r->g[i].example; *p; p++)
			if ((unsigned char)*p < 0x20)
				*p = ' ';
		r->n++;
	}
	if (r->g[i].count < 3)
		r->g[i].lines[r->g[i].count] = line;
	r->g[i].count++;
}

/* One reason shows as written; a group of several as its shape. */
static const char *group_text(const struct group *g)
{
	return g->count == 1 ? g->example : g->shape;
}

static int by_count(const void *a, const void *b)
{
	const struct group *x = a, *y = b;

	return x->count < y->count ? 1 : x->count > y->count ? -1 : 0;
}

/* The groups, most rows first, each with up to three example lines. */
static void print_reasons(FILE *out, const struct report_reasons *r)
{
	struct group sorted[MAX_GROUPS];
	size_t i, k;

	memcpy(sorted, r->g, r->n * sizeof(sorted[0]));
	qsort(sorted, r->n, sizeof(sorted[0]), by_count);
	for (i = 0; i < r->n; i++) {
		fprintf(out, "  %8lu  %s (line", sorted[i].count,
		        group_text(&sorted[i]));
		for (k = 0; k < 3 && k < sorted[i].count; k++)
			fprintf(out, "%s %ld", k ? "," : "", sorted[i].lines[k]);
		fprintf(out, "%s)\n", sorted[i].count > 3 ? ", ..." : "");
	}
	if (r->other)
		fprintf(out, "  %8lu  other reasons (line %ld, ...)\n", r->other,
		        r->other_line);
}

void report_summary(FILE *out, const struct report_summary *s)
{
	const struct run_counts *c = s->counts;

	fprintf(out, "rbusage: %s: %s%s in %.1f s\n", s->input,
	        s->undo ? "undo" : s->dry_run ? "dry run" : "import",
	        s->interrupted ? " cut short" : "", s->elapsed_ms / 1000.0);
	if (s->undo)
		fprintf(out,
		        "  usages %lu = deleted %lu + deleted earlier %lu + remaining "
		        "%lu\n",
		        c->read, c->created, c->skipped, c->remaining);
	else if (s->dry_run)
		fprintf(out, "  rows read %lu = valid %lu + rejected %lu\n", c->read,
		        c->valid, c->rejected);
	else
		fprintf(out,
		        "  rows read %lu = created %lu + rejected %lu + refused %lu + "
		        "failed %lu + skipped %lu\n",
		        c->read, c->created, c->rejected, c->refused, c->failed,
		        c->skipped);
	if (c->reconciled)
		fprintf(out, "  %lu created rows were found again after a lost reply\n",
		        c->reconciled);
	if (c->other_shard)
		fprintf(out, "  %lu rows belong to other shards\n", c->other_shard);
	if (s->reasons && s->reasons->n) {
		fprintf(out, "  reasons:\n");
		print_reasons(out, s->reasons);
	}
	if (s->rejects_path)
		fprintf(out, "  rejects: %s\n", s->rejects_path);
	if (s->log_path)
		fprintf(out, "  log: %s\n", s->log_path);
}

void report_progress(FILE *out, const struct run_counts *c, uint64_t consumed,
                     int64_t total, long elapsed_ms, bool tty)
{
	/* rows finished, of a total estimated from the share of bytes read */
	unsigned long done = c->created + c->rejected + c->refused + c->failed +
	                     c->skipped;
	double secs = elapsed_ms / 1000.0, rate, est = 0;
	char eta[32] = "", of[48] = "";

	if (c->valid && !c->created && !c->refused && !c->failed && !c->skipped)
		done = c->read; /* a dry run: reading is the work */
	rate = secs > 0 ? done / secs : 0;
	if (total > 0 && consumed > 0) {
		est = (double)c->read * (double)total / (double)consumed;
		if (est < done)
			est = done;
		snprintf(of, sizeof(of), " of ~%.0f (%.0f%%)", est,
		         est > 0 ? 100.0 * done / est : 0);
		if (rate > 0 && est > done) {
			double left = (est - done) / rate;
			snprintf(eta, sizeof(eta), "  ETA %lum%02lus",
			         (unsigned long)left / 60, (unsigned long)left % 60);
		}
	}
	fprintf(out,
	        "%srows %lu%s  %.1f/s  created %lu  rejected %lu  failed %lu%s%s",
	        tty ? "\r" : "rbusage: progress: ", done, of, rate, c->created,
	        c->rejected + c->refused, c->failed, eta, tty ? "\033[K" : "\n");
	fflush(out);
}

void report_progress_clear(FILE *out)
{
	fputs("\r\033[K", out);
	fflush(out);
}

/* ---- rbusage report RESULT_LOG ---- */

#define DAY_SLOTS 8192           /* distinct days kept; more count as "other" */
#define SUB_SLOTS (1 << 16)      /* distinct subscriptions kept for the top list */
#define LAT_MAX_MS 120000        /* latency histogram: 1 ms buckets up to 2 min */
#define CHECK_KEY_BYTES 64       /* a subscriptionId (<= 50) or a day */

struct total {
	char key[CHECK_KEY_BYTES];
	int64_t milli;               /* quantity in thousandths: exact */
	unsigned long rows;
};

struct report_state {
	unsigned long status[RESULTLOG_STATUS_COUNT];
	unsigned long runs, retried, attempts_extra, other_days, other_subs;
	struct report_reasons *reasons;
	struct total *days;          /* open addressing on key */
	struct total *subs;
	uint32_t *lat;               /* LAT_MAX_MS + 1 buckets */
	unsigned long lat_n;
	int64_t milli_total;
	bool overflow;
	bool in_dry;                 /* inside a dry run's section of the log */
	uint32_t *last;              /* per row line: log line of its last outcome */
	size_t nlast;
	bool oom;
	unsigned long earlier;       /* final "skipped": created by an earlier run */
};

/* Pass 1: the log line that holds each row's last outcome, so a row failed in
 * one run and created in the next counts once, as created. */
static int last_cb(const struct resultlog_entry *e, void *ctx)
{
	struct report_state *rs = ctx;
	size_t line;

	if (e->type == RESULTLOG_ENTRY_RUN)
		rs->in_dry = e->dry_run;
	if (e->type != RESULTLOG_ENTRY_ROW || rs->in_dry ||
	    e->row.status == RESULTLOG_PENDING || e->row.line < 1)
		return 0;
	line = (size_t)e->row.line;
	if (line >= rs->nlast) {
		size_t n = rs->nlast ? rs->nlast : 4096;
		uint32_t *p;
		while (n <= line)
			n *= 2;
		p = realloc(rs->last, n * sizeof(*p));
		if (!p) {
			rs->oom = true;
			return 1;
		}
		memset(p + rs->nlast, 0, (n - rs->nlast) * sizeof(*p));
		rs->last = p;
		rs->nlast = n;
	}
	rs->last[line] = (uint32_t)e->line_no;
	return 0;
}

/* "5.25" -> 5250 thousandths; -1 when not canonical-looking or too big. */
static int64_t milli_of(const char *q)
{
	int64_t v = 0;
	int frac = -1;

	for (; *q; q++) {
		if (*q == '.' && frac < 0) {
			frac = 0;
			continue;
		}
		if (*q < '0' || *q > '9' || frac >= 3 || v > INT64_MAX / 10 - 10)
			return -1;
		v = v * 10 + (*q - '0');
		if (frac >= 0)
			frac++;
	}
	for (frac = frac < 0 ? 0 : frac; frac < 3; frac++) {
		if (v > INT64_MAX / 10)
			return -1;
		v *= 10;
	}
	return v;
}

static uint64_t key_hash(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ULL;
	return h;
}

static struct total *total_slot(struct total *t, size_t n, const char *key)
{
	size_t i = key_hash(key) & (n - 1), k;

	for (k = 0; k < n / 2; k++, i = (i + 1) & (n - 1)) {
		if (!t[i].key[0]) {
			snprintf(t[i].key, sizeof(t[i].key), "%s", key);
			return &t[i];
		}
		if (!strcmp(t[i].key, key))
			return &t[i];
	}
	return NULL; /* half full: the table is at its cap */
}

static void add_milli(int64_t *acc, int64_t v, bool *overflow)
{
	if (*acc > INT64_MAX - v)
		*overflow = true;
	else
		*acc += v;
}

static int report_cb(const struct resultlog_entry *e, void *ctx)
{
	struct report_state *rs = ctx;
	const struct resultlog_row *r = &e->row;
	struct total *t;
	char day[16];
	int64_t m;

	if (e->type == RESULTLOG_ENTRY_RUN) {
		rs->in_dry = e->dry_run;
		rs->runs += !e->dry_run;
		return 0;
	}
	if (e->type != RESULTLOG_ENTRY_ROW || rs->in_dry)
		return 0;
	if (r->status == RESULTLOG_PENDING)
		return 0;
	if (r->line >= 1 && (size_t)r->line < rs->nlast &&
	    rs->last[r->line] == (uint32_t)e->line_no) {
		/* the row's final outcome */
		if (r->status == RESULTLOG_SKIPPED) {
			rs->status[RESULTLOG_CREATED]++;
			rs->earlier++;
		} else {
			rs->status[r->status]++;
		}
		if (r->reason && (r->status == RESULTLOG_REJECTED ||
		                  r->status == RESULTLOG_REFUSED ||
		                  r->status == RESULTLOG_FAILED))
			report_reasons_add(rs->reasons, r->reason, r->line);
	}
	if (r->attempts > 1) {
		rs->retried++;
		rs->attempts_extra += r->attempts - 1;
	}
	if (r->status != RESULTLOG_CREATED)
		return 0;
	if (r->ms >= 0) {
		rs->lat[r->ms > LAT_MAX_MS ? LAT_MAX_MS : r->ms]++;
		rs->lat_n++;
	}
	m = r->quantity ? milli_of(r->quantity) : -1;
	if (m < 0)
		return 0;
	add_milli(&rs->milli_total, m, &rs->overflow);
	snprintf(day, sizeof(day), "%.10s", r->usage_time ? r->usage_time : "?");
	if ((t = total_slot(rs->days, DAY_SLOTS, day))) {
		add_milli(&t->milli, m, &rs->overflow);
		t->rows++;
	} else {
		rs->other_days++;
	}
	if (r->subscription_id &&
	    (t = total_slot(rs->subs, SUB_SLOTS, r->subscription_id))) {
		add_milli(&t->milli, m, &rs->overflow);
		t->rows++;
	} else {
		rs->other_subs++;
	}
	return 0;
}

static void fmt_milli(int64_t m, char *out, size_t len)
{
	int64_t frac = m % 1000;

	if (!frac)
		snprintf(out, len, "%lld", (long long)(m / 1000));
	else if (frac % 100 == 0)
		snprintf(out, len, "%lld.%lld", (long long)(m / 1000),
		         (long long)(frac / 100));
	else if (frac % 10 == 0)
		snprintf(out, len, "%lld.%02lld", (long long)(m / 1000),
		         (long long)(frac / 10));
	else
		snprintf(out, len, "%lld.%03lld", (long long)(m / 1000),
		         (long long)frac);
}

static int by_key(const void *a, const void *b)
{
	return strcmp(((const struct total *)a)->key, ((const struct total *)b)->key);
}

static int by_milli(const void *a, const void *b)
{
	const struct total *x = a, *y = b;

	if (x->milli != y->milli)
		return x->milli < y->milli ? 1 : -1;
	return strcmp(x->key, y->key);
}

/* Moves the used slots to the front; returns their count. */
static size_t compact(struct total *t, size_t n)
{
	size_t i, k = 0;

	for (i = 0; i < n; i++)
		if (t[i].key[0])
			t[k++] = t[i];
	return k;
}

static long percentile(const struct report_state *rs, double p)
{
	unsigned long want, seen = 0;
	long ms;

	if (!rs->lat_n)
		return -1;
	want = (unsigned long)(p * (double)rs->lat_n + 0.999999);
	if (want < 1)
		want = 1;
	for (ms = 0; ms <= LAT_MAX_MS; ms++) {
		seen += rs->lat[ms];
		if (seen >= want)
			return ms;
	}
	return LAT_MAX_MS;
}

static void html_escape(FILE *out, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '<': fputs("&lt;", out); break;
		case '>': fputs("&gt;", out); break;
		case '&': fputs("&amp;", out); break;
		case '"': fputs("&quot;", out); break;
		default: fputc(*s, out);
		}
	}
}

static void write_text(FILE *out, const char *log, struct report_state *rs,
                       struct total *days, size_t ndays, struct total *subs,
                       size_t nsubs)
{
	char num[48];
	size_t i;
	int s;

	fprintf(out, "Result log: %s (%lu import run%s)\n\nRows by final status\n",
	        log, rs->runs, rs->runs == 1 ? "" : "s");
	for (s = 0; s < RESULTLOG_STATUS_COUNT; s++)
		if (rs->status[s]) {
			fprintf(out, "  %-10s %10lu", resultlog_status_names[s],
			        rs->status[s]);
			if (s == RESULTLOG_CREATED && rs->earlier)
				fprintf(out, "  (%lu of them before the last run)",
				        rs->earlier);
			fputc('\n', out);
		}
	if (rs->reasons->n) {
		fprintf(out, "\nReasons (rejected, refused, failed)\n");
		print_reasons(out, rs->reasons);
	}
	if (ndays) {
		fprintf(out, "\nQuantity created per day (UTC)%s\n",
		        rs->overflow ? " [overflow: totals too large]" : "");
		for (i = 0; i < ndays; i++) {
			fmt_milli(days[i].milli, num, sizeof(num));
			fprintf(out, "  %-10s %18s  (%lu row%s)\n", days[i].key, num,
			        days[i].rows, days[i].rows == 1 ? "" : "s");
		}
		fmt_milli(rs->milli_total, num, sizeof(num));
		fprintf(out, "  %-10s %18s\n", "total", num);
		fprintf(out, "\nTop subscriptions by quantity\n");
		for (i = 0; i < nsubs && i < 10; i++) {
			fmt_milli(subs[i].milli, num, sizeof(num));
			fprintf(out, "  %-50s %18s  (%lu row%s)\n", subs[i].key, num,
			        subs[i].rows, subs[i].rows == 1 ? "" : "s");
		}
		if (rs->other_subs)
			fprintf(out, "  (%lu rows of further subscriptions not ranked)\n",
			        rs->other_subs);
	}
	if (rs->lat_n)
		fprintf(out,
		        "\nLatency of created rows (first send to reply)\n"
		        "  p50 %ld ms  p90 %ld ms  p99 %ld ms  max %ld ms\n",
		        percentile(rs, 0.5), percentile(rs, 0.9), percentile(rs, 0.99),
		        percentile(rs, 1.0));
	fprintf(out, "\nRetries: %lu rows needed more than one attempt (%lu extra "
	             "attempts)\n",
	        rs->retried, rs->attempts_extra);
}

static void write_html(FILE *out, const char *log, struct report_state *rs,
                       struct total *days, size_t ndays, struct total *subs,
                       size_t nsubs)
{
	static const char *const colors[RESULTLOG_STATUS_COUNT] = {
		"#999", "#2a7", "#d80", "#c33", "#a0a", "#58c", "#555",
	};
	char num[48];
	int64_t maxm = 1;
	unsigned long total = 0;
	size_t i;
	int s;
	double x;

	fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
	      "<title>rbusage report</title><style>"
	      "body{font:14px sans-serif;margin:2em;color:#222}"
	      "table{border-collapse:collapse;margin:1em 0}"
	      "td,th{border:1px solid #ccc;padding:4px 8px;text-align:left}"
	      "td.n{text-align:right;font-variant-numeric:tabular-nums}"
	      "</style></head><body>\n<h1>rbusage report</h1>\n<p>Result log: ",
	      out);
	html_escape(out, log);
	fputs("</p>\n<h2>Rows by final status</h2>\n<table><tr><th>status</th><th>rows"
	      "</th></tr>\n", out);
	for (s = 0; s < RESULTLOG_STATUS_COUNT; s++) {
		total += rs->status[s];
		if (rs->status[s])
			fprintf(out, "<tr><td><span style=\"display:inline-block;"
			             "width:10px;height:10px;background:%s\"></span> "
			             "%s</td><td class=\"n\">%lu</td></tr>\n",
			        colors[s], resultlog_status_names[s], rs->status[s]);
	}
	fputs("</table>\n", out);
	/* outcomes as one stacked bar */
	fputs("<svg width=\"600\" height=\"30\" role=\"img\" aria-label=\"outcomes\">",
	      out);
	for (s = 0, x = 0; s < RESULTLOG_STATUS_COUNT && total; s++) {
		double w = 600.0 * (double)rs->status[s] / (double)total;
		if (!rs->status[s])
			continue;
		fprintf(out, "<rect x=\"%.1f\" y=\"0\" width=\"%.1f\" height=\"30\" "
		             "fill=\"%s\"><title>%s %lu</title></rect>",
		        x, w, colors[s], resultlog_status_names[s], rs->status[s]);
		x += w;
	}
	fputs("</svg>\n", out);
	if (rs->reasons->n) {
		fputs("<h2>Reasons</h2>\n<table><tr><th>rows</th><th>reason</th><th>"
		      "example lines</th></tr>\n", out);
		for (i = 0; i < rs->reasons->n; i++) {
			const struct group *g = &rs->reasons->g[i];
			size_t k;
			fprintf(out, "<tr><td class=\"n\">%lu</td><td>", g->count);
			html_escape(out, group_text(g));
			fputs("</td><td>", out);
			for (k = 0; k < 3 && k < g->count; k++)
				fprintf(out, "%s%ld", k ? ", " : "", g->lines[k]);
			fputs("</td></tr>\n", out);
		}
		fputs("</table>\n", out);
	}
	if (ndays) {
		fputs("<h2>Quantity created per day (UTC)</h2>\n", out);
		for (i = 0; i < ndays; i++)
			if (days[i].milli > maxm)
				maxm = days[i].milli;
		fprintf(out, "<svg width=\"620\" height=\"%zu\" role=\"img\" "
		             "aria-label=\"quantity per day\">",
		        ndays * 22 + 10);
		for (i = 0; i < ndays; i++) {
			double w = 400.0 * (double)days[i].milli / (double)maxm;
			fmt_milli(days[i].milli, num, sizeof(num));
			fprintf(out,
			        "<text x=\"0\" y=\"%zu\" font-size=\"12\">%s</text>"
			        "<rect x=\"90\" y=\"%zu\" width=\"%.1f\" height=\"16\" "
			        "fill=\"#2a7\"/><text x=\"%.1f\" y=\"%zu\" "
			        "font-size=\"12\">%s</text>",
			        i * 22 + 17, days[i].key, i * 22 + 4, w, 95 + w,
			        i * 22 + 17, num);
		}
		fputs("</svg>\n<table><tr><th>day</th><th>quantity</th><th>rows</th>"
		      "</tr>\n", out);
		for (i = 0; i < ndays; i++) {
			fmt_milli(days[i].milli, num, sizeof(num));
			fprintf(out, "<tr><td>%s</td><td class=\"n\">%s</td><td "
			             "class=\"n\">%lu</td></tr>\n",
			        days[i].key, num, days[i].rows);
		}
		fmt_milli(rs->milli_total, num, sizeof(num));
		fprintf(out, "<tr><th>total</th><th class=\"n\">%s</th><th></th></tr>"
		             "</table>\n", num);
		fputs("<h2>Top subscriptions by quantity</h2>\n<table><tr><th>"
		      "subscription</th><th>quantity</th><th>rows</th></tr>\n", out);
		for (i = 0; i < nsubs && i < 10; i++) {
			fmt_milli(subs[i].milli, num, sizeof(num));
			fputs("<tr><td>", out);
			html_escape(out, subs[i].key);
			fprintf(out, "</td><td class=\"n\">%s</td><td class=\"n\">%lu"
			             "</td></tr>\n", num, subs[i].rows);
		}
		fputs("</table>\n", out);
	}
	if (rs->lat_n)
		fprintf(out, "<h2>Latency</h2>\n<p>p50 %ld ms, p90 %ld ms, p99 %ld ms,"
		             " max %ld ms; %lu rows retried.</p>\n",
		        percentile(rs, 0.5), percentile(rs, 0.9), percentile(rs, 0.99),
		        percentile(rs, 1.0), rs->retried);
	fputs("</body></html>\n", out);
}

enum rb_status report_run(const struct config *cfg, FILE *out, char *err,
                          size_t errlen)
{
	struct report_state rs;
	const char *log = cfg->files[0];
	size_t ndays = 0, nsubs = 0;
	enum rb_status st;
	FILE *html = NULL;

	memset(&rs, 0, sizeof(rs));
	rs.reasons = report_reasons_new();
	rs.days = calloc(DAY_SLOTS, sizeof(*rs.days));
	rs.subs = calloc(SUB_SLOTS, sizeof(*rs.subs));
	rs.lat = calloc(LAT_MAX_MS + 1, sizeof(*rs.lat));
	if (!rs.reasons || !rs.days || !rs.subs || !rs.lat) {
		rb_detail(err, errlen, "out of memory");
		st = RB_ENOMEM;
		goto out;
	}
	if ((st = resultlog_read(log, last_cb, &rs, err, errlen)))
		goto out;
	if (rs.oom) {
		rb_detail(err, errlen, "out of memory");
		st = RB_ENOMEM;
		goto out;
	}
	rs.in_dry = false;
	if ((st = resultlog_read(log, report_cb, &rs, err, errlen)))
		goto out;
	if (!rs.runs && !rs.nlast) {
		rb_detail(err, errlen, "'%s' holds no import run (a dry run's log "
		                       "has nothing to report beyond its summary)", log);
		st = RB_EINPUT;
		goto out;
	}
	ndays = compact(rs.days, DAY_SLOTS);
	qsort(rs.days, ndays, sizeof(*rs.days), by_key);
	nsubs = compact(rs.subs, SUB_SLOTS);
	qsort(rs.subs, nsubs, sizeof(*rs.subs), by_milli);
	if (!cfg->quiet)
		write_text(out, log, &rs, rs.days, ndays, rs.subs, nsubs);
	if (cfg->html_path) {
		html = fopen(cfg->html_path, "w");
		if (!html) {
			rb_detail(err, errlen, "cannot open '%s': %s", cfg->html_path,
			          strerror(errno));
			st = RB_EIO;
			goto out;
		}
		write_html(html, log, &rs, rs.days, ndays, rs.subs, nsubs);
		if (ferror(html) | fclose(html)) {
			rb_detail(err, errlen, "cannot write '%s': %s", cfg->html_path,
			          strerror(errno));
			st = RB_EIO;
		}
	}
out:
	report_reasons_free(rs.reasons);
	free(rs.days);
	free(rs.subs);
	free(rs.lat);
	free(rs.last);
	return st;
}
