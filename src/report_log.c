/* report_log: `rbusage report LOG...`: read the logs, total, print. */
#include "report_log.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hash.h"
#include "linemap.h"
#include "report_html.h"
#include "report_model.h"

#define DAY_SLOTS 8192           /* distinct days kept; more count as "other" */
#define SUB_SLOTS (1 << 16)      /* distinct subscriptions kept for the top list */
#define LAT_MAX_MS 120000        /* latency histogram: 1 ms buckets up to 2 min */
#define MAX_RUNS 4096            /* runs described; more are counted */
#define TIME_BYTES 40

enum run_end { RUN_OPEN, RUN_FINISHED, RUN_CUT_SHORT };

struct run_info {
	size_t log;                  /* index of its log in cfg->files */
	char command[8];             /* "import", "undo" */
	char started[TIME_BYTES];    /* as written; "" when not */
	bool dry_run;
	enum run_end end;
	long elapsed_ms;             /* -1: not written */
	struct run_counts counts;    /* from its summary line */
};

struct report_state {
	unsigned long status[RESULTLOG_STATUS_COUNT];
	unsigned long imports, dry_runs, undos;
	unsigned long retried, attempts_extra, other_days, other_subs;
	struct report_reasons *reasons;
	struct report_total *days;          /* open addressing on key */
	struct report_total *subs;
	uint32_t *lat;               /* LAT_MAX_MS + 1 buckets */
	unsigned long lat_n;
	int64_t milli_total;
	bool overflow;
	unsigned long earlier;       /* final "skipped": created by an earlier run */
	struct run_info *runs;
	size_t nruns;
	struct report_log_info *logs;
	/* the log being read */
	size_t log;
	struct linemap last;         /* row line -> log line of its last entry */
	bool in_dry;                 /* inside a dry run's section of the log */
	struct run_info *cur;        /* its current run, NULL when not described */
	enum rb_status fail;
	long fail_line;
};

/* Pass 1: the log line that holds each row's last entry, so a row failed in
 * one run and created in the next counts once, as created, and a row whose
 * last entry is "pending" is known to have no outcome. */
static int last_cb(const struct resultlog_entry *e, void *ctx)
{
	struct report_state *rs = ctx;
	enum rb_status st = RB_OK;
	const long *lines;
	size_t i, n;

	if (e->type == RESULTLOG_ENTRY_RUN)
		rs->in_dry = e->dry_run;
	if (e->type != RESULTLOG_ENTRY_ROW || rs->in_dry || e->row.line < 1)
		return 0;
	/* an --aggregate usage's line is the last entry of each of its rows */
	n = resultlog_row_lines(&e->row, &lines);
	for (i = 0; i < n && !st; i++)
		st = linemap_set(&rs->last, lines[i], e->line_no);
	if (st) {
		rs->fail = st;
		rs->fail_line = e->line_no;
		return 1;
	}
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

static struct report_total *total_slot(struct report_total *t, size_t n, const char *key)
{
	size_t i = hash_fnv1a64(key, strlen(key)) & (n - 1), k;

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

static void begin_run(struct report_state *rs, const struct resultlog_entry *e)
{
	struct report_log_info *li = &rs->logs[rs->log];
	struct run_info *ri;
	const char *cmd = e->command ? e->command : "import";

	rs->in_dry = e->dry_run;
	rs->cur = NULL;
	if (e->dry_run) {
		rs->dry_runs++;
		li->dry_runs++;
	} else {
		if (!strcmp(cmd, "undo"))
			rs->undos++;
		else
			rs->imports++;
		li->runs++;
	}
	if (rs->nruns == MAX_RUNS) {
		li->more_runs++;
		return;
	}
	ri = rs->cur = &rs->runs[rs->nruns++];
	memset(ri, 0, sizeof(*ri));
	ri->log = rs->log;
	snprintf(ri->command, sizeof(ri->command), "%s",
	         !strcmp(cmd, "undo") ? "undo" : "import");
	snprintf(ri->started, sizeof(ri->started), "%s",
	         e->started ? e->started : "");
	ri->dry_run = e->dry_run;
	ri->end = RUN_OPEN;
	ri->elapsed_ms = -1;
}

/* The final entry of the row at line: its status (and reason) counts. */
static void final_entry(struct report_state *rs, const struct resultlog_row *r,
                        long line)
{
	if (r->status == RESULTLOG_PENDING) {
		struct report_log_info *li = &rs->logs[rs->log];
		if (li->unknown < REPORT_UNKNOWN_SHOWN)
			li->unknown_lines[li->unknown] = line;
		li->unknown++;
		rs->status[RESULTLOG_PENDING]++;
	} else if (r->status == RESULTLOG_SKIPPED) {
		rs->status[RESULTLOG_CREATED]++;
		rs->earlier++;
	} else {
		rs->status[r->status]++;
	}
	if (r->reason && (r->status == RESULTLOG_REJECTED ||
	                  r->status == RESULTLOG_REFUSED ||
	                  r->status == RESULTLOG_FAILED))
		report_reasons_add_at(rs->reasons, r->reason, rs->log, line);
}

static int report_cb(const struct resultlog_entry *e, void *ctx)
{
	struct report_state *rs = ctx;
	const struct resultlog_row *r = &e->row;
	struct report_total *t;
	const char *q, *when;
	const long *lines;
	size_t i, n;
	char day[16];
	int64_t m;

	if (e->type == RESULTLOG_ENTRY_RUN) {
		begin_run(rs, e);
		return 0;
	}
	if (e->type == RESULTLOG_ENTRY_SUMMARY) {
		if (rs->cur && rs->cur->end == RUN_OPEN) {
			rs->cur->end = e->interrupted ? RUN_CUT_SHORT : RUN_FINISHED;
			rs->cur->elapsed_ms = e->elapsed_ms;
			rs->cur->counts = e->counts;
		}
		return 0;
	}
	if (e->type != RESULTLOG_ENTRY_ROW || rs->in_dry || r->line < 1)
		return 0;
	/* rows by final status: each row an --aggregate usage covers counts */
	n = resultlog_row_lines(r, &lines);
	for (i = 0; i < n; i++)
		if (linemap_get(&rs->last, lines[i]) == e->line_no)
			final_entry(rs, r, lines[i]);
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
	/* what the server stored counts, when it differs from what was sent;
	 * an --aggregate usage's quantity once, for all of its rows */
	q = r->stored_quantity ? r->stored_quantity : r->quantity;
	when = r->stored_usage_time ? r->stored_usage_time : r->usage_time;
	m = q ? milli_of(q) : -1;
	if (m < 0)
		return 0;
	add_milli(&rs->milli_total, m, &rs->overflow);
	snprintf(day, sizeof(day), "%.10s", when ? when : "?");
	if ((t = total_slot(rs->days, DAY_SLOTS, day))) {
		add_milli(&t->milli, m, &rs->overflow);
		t->rows += n;
	} else {
		rs->other_days += n;
	}
	if (r->subscription_id &&
	    (t = total_slot(rs->subs, SUB_SLOTS, r->subscription_id))) {
		add_milli(&t->milli, m, &rs->overflow);
		t->rows += n;
	} else {
		rs->other_subs += n;
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
	return strcmp(((const struct report_total *)a)->key, ((const struct report_total *)b)->key);
}

static int by_milli(const void *a, const void *b)
{
	const struct report_total *x = a, *y = b;

	if (x->milli != y->milli)
		return x->milli < y->milli ? 1 : -1;
	return strcmp(x->key, y->key);
}

/* Moves the used slots to the front; returns their count. */
static size_t compact(struct report_total *t, size_t n)
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

/* ---- run times: "2026-11-25T02:00:00[.fff]Z" and back ---- */

static int digits(const char *s, int n)
{
	int v = 0, i;

	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

/* The run line's own format only; false for anything else. */
static bool parse_started(const char *s, int64_t *ms, bool *frac)
{
	int y = digits(s, 4), mo = digits(s + 5, 2), d = digits(s + 8, 2);
	int h, mi, se, f = 0;
	size_t n = strlen(s);

	if (n != 20 && n != 24)
		return false;
	h = digits(s + 11, 2);
	mi = digits(s + 14, 2);
	se = digits(s + 17, 2);
	if (y < 0 || mo < 1 || mo > 12 || d < 1 || d > 31 || h < 0 || h > 23 ||
	    mi < 0 || mi > 59 || se < 0 || se > 59 || s[4] != '-' ||
	    s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':' ||
	    s[n - 1] != 'Z')
		return false;
	*frac = n == 24;
	if (*frac && (s[19] != '.' || (f = digits(s + 20, 3)) < 0))
		return false;
	*ms = ((days_from_civil(y, (unsigned)mo, (unsigned)d) * 24 + h) * 60 +
	       mi) * 60000 + se * 1000 + f;
	return true;
}

static void format_ms(int64_t ms, bool frac, char *out, size_t len)
{
	int64_t days = ms / 86400000, rem = ms % 86400000, z, era, y;
	unsigned doe, yoe, doy, mp, d, m;

	if (rem < 0) {
		rem += 86400000;
		days--;
	}
	z = days + 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = (unsigned)(z - era * 146097);
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	d = doy - (153 * mp + 2) / 5 + 1;
	m = mp < 10 ? mp + 3 : mp - 9;
	y = (int64_t)yoe + era * 400 + (m <= 2);
	snprintf(out, len, "%04lld-%02u-%02uT%02d:%02d:%02d", (long long)y, m, d,
	         (int)(rem / 3600000), (int)(rem / 60000 % 60),
	         (int)(rem / 1000 % 60));
	if (frac)
		snprintf(out + strlen(out), len - strlen(out), ".%03dZ",
		         (int)(rem % 1000));
	else
		snprintf(out + strlen(out), len - strlen(out), "Z");
}

/* "2026-11-25T02:00:00Z to 2026-11-25T02:00:01Z", or the start alone. */
static void run_times(const struct run_info *ri, char *out, size_t len)
{
	int64_t ms;
	bool frac;
	char end[TIME_BYTES];

	if (!ri->started[0]) {
		snprintf(out, len, "(start not recorded)");
		return;
	}
	if (ri->end == RUN_OPEN || ri->elapsed_ms < 0 ||
	    !parse_started(ri->started, &ms, &frac)) {
		snprintf(out, len, "%s", ri->started);
		return;
	}
	format_ms(ms + ri->elapsed_ms, frac, end, sizeof(end));
	snprintf(out, len, "%s to %s", ri->started, end);
}

static const char *run_kind(const struct run_info *ri)
{
	return ri->dry_run ? "dry run" : ri->command;
}

/* "finished: rows read 4 = created 1 + ...", how the run ended. */
static void run_outcome(const struct run_info *ri, char *out, size_t len)
{
	const struct run_counts *c = &ri->counts;
	const char *how = ri->end == RUN_FINISHED ? "finished" : "cut short";
	char usages[64] = "";

	if (c->usages) /* --aggregate */
		snprintf(usages, sizeof(usages), " (as %lu usages)", c->usages);

	if (ri->end == RUN_OPEN)
		snprintf(out, len, "no end recorded: killed, crashed, or still "
		                   "running");
	else if (ri->dry_run)
		snprintf(out, len, "%s: rows read %lu = valid %lu + rejected %lu%s",
		         how, c->read, c->valid, c->rejected, usages);
	else if (!strcmp(ri->command, "undo"))
		snprintf(out, len, "%s: usages %lu = deleted %lu + deleted earlier "
		                   "%lu + remaining %lu",
		         how, c->read, c->created, c->skipped, c->remaining);
	else
		snprintf(out, len, "%s: rows read %lu = created %lu + rejected %lu + "
		                   "refused %lu + failed %lu + skipped %lu%s",
		         how, c->read, c->created, c->rejected, c->refused, c->failed,
		         c->skipped, usages);
}

static void plural(char *out, size_t len, unsigned long n, const char *what)
{
	size_t o = strlen(out);

	if (n)
		snprintf(out + o, len - o, "%s%lu %s%s", o ? ", " : "", n, what,
		         n == 1 ? "" : "s");
}

static void write_text(FILE *out, const struct report_model *m)
{
	size_t i, k, l;
	int s;

	fprintf(out, "Result log%s: ", m->nlogs == 1 ? "" : "s");
	for (l = 0; l < m->nlogs; l++)
		fprintf(out, "%s%s", l ? ", " : "", m->logs[l]);
	fprintf(out, " (%s)\n\nRuns\n", m->runs_text);
	for (l = 0; l < m->nlogs; l++) {
		const struct report_log_info *li = &m->loginfo[l];
		fprintf(out, "  %s\n", m->logs[l]);
		for (i = 0; i < m->nruns; i++)
			if (m->runs[i].log == l)
				fprintf(out, "    %-7s  %s  %s\n", m->runs[i].kind,
				        m->runs[i].when, m->runs[i].how);
		if (li->more_runs)
			fprintf(out, "    (%lu more runs not listed)\n", li->more_runs);
		if (!li->runs && !li->dry_runs)
			fprintf(out, "    no runs\n");
	}
	if (!m->imports && !m->undos) {
		fprintf(out, "\nNo import run: nothing was sent.\n");
		return;
	}
	fputs("\nRows by final status\n", out);
	for (s = 0; s < RESULTLOG_STATUS_COUNT; s++)
		if (m->status[s] && s != RESULTLOG_PENDING) {
			fprintf(out, "  %-10s %10lu", resultlog_status_names[s],
			        m->status[s]);
			if (s == RESULTLOG_CREATED && m->earlier)
				fprintf(out, "  (%lu of them before the last run)",
				        m->earlier);
			fputc('\n', out);
		}
	if (m->status[RESULTLOG_PENDING]) {
		fprintf(out, "  %-10s %10lu  pending with no outcome: may have been "
		             "billed\n",
		        "unknown", m->status[RESULTLOG_PENDING]);
		fprintf(out, "\nUnknown \xe2\x80\x94 run the import again to "
		             "reconcile\n");
		for (l = 0; l < m->nlogs; l++) {
			const struct report_log_info *li = &m->loginfo[l];
			if (!li->unknown)
				continue;
			fprintf(out, "  %s: line", m->logs[l]);
			for (k = 0; k < li->unknown && k < REPORT_UNKNOWN_SHOWN; k++)
				fprintf(out, "%s %ld", k ? "," : "", li->unknown_lines[k]);
			fprintf(out, "%s (%lu row%s)\n",
			        li->unknown > REPORT_UNKNOWN_SHOWN ? ", ..." : "",
			        li->unknown, li->unknown == 1 ? "" : "s");
		}
	}
	{
		size_t olog;
		long oline;
		struct report_reason kinds[REPORT_REASON_KINDS];
		if (report_reasons_sorted(m->reasons, kinds) ||
		    report_reasons_other(m->reasons, &olog, &oline)) {
			fprintf(out, "\nReasons (rejected, refused, failed)\n");
			report_reasons_print(out, m->reasons, m->logs, m->nlogs);
		}
	}
	if (m->ndays) {
		fprintf(out, "\nQuantity created per day (UTC)%s\n",
		        m->overflow ? " [overflow: totals too large]" : "");
		for (i = 0; i < m->ndays; i++)
			fprintf(out, "  %-10s %18s  (%lu row%s)\n", m->days[i].key,
			        m->days[i].quantity, m->days[i].rows,
			        m->days[i].rows == 1 ? "" : "s");
		if (m->other_days)
			fprintf(out, "  (%lu rows of further days not listed)\n",
			        m->other_days);
		fprintf(out, "  %-10s %18s\n", "total", m->total_quantity);
		fprintf(out, "\nTop subscriptions by quantity\n");
		for (i = 0; i < m->nsubs && i < 10; i++)
			fprintf(out, "  %-50s %18s  (%lu row%s)\n", m->subs[i].key,
			        m->subs[i].quantity, m->subs[i].rows,
			        m->subs[i].rows == 1 ? "" : "s");
		if (m->other_subs)
			fprintf(out, "  (%lu rows of further subscriptions not ranked)\n",
			        m->other_subs);
	}
	if (m->latency_n)
		fprintf(out,
		        "\nLatency of created rows (first send to reply)\n"
		        "  p50 %ld ms  p90 %ld ms  p99 %ld ms  max %ld ms\n",
		        m->p50_ms, m->p90_ms, m->p99_ms, m->max_ms);
	fprintf(out, "\nRetries: %lu rows needed more than one attempt (%lu extra "
	             "attempts)\n",
	        m->retried, m->attempts_extra);
}

/* Both passes over one log. */
static enum rb_status read_log(struct report_state *rs, const char *log,
                               char *err, size_t errlen)
{
	enum rb_status st;

	linemap_free(&rs->last);
	rs->in_dry = false;
	rs->cur = NULL;
	if ((st = resultlog_read(log, last_cb, rs, err, errlen)))
		return st;
	if (rs->fail == RB_ETOOBIG) {
		rb_detail(err, errlen, "%s: line %ld: a row line or log line past "
		                       "%lld is not one of ours",
		          log, rs->fail_line, LINEMAP_MAX);
		return RB_EINPUT;
	}
	if (rs->fail) {
		rb_detail(err, errlen, "out of memory");
		return rs->fail;
	}
	rs->in_dry = false;
	return resultlog_read(log, report_cb, rs, err, errlen);
}

/* The model from what the logs gave. */
static enum rb_status build_model(struct report_state *rs,
                                  const struct config *cfg,
                                  struct report_model *m)
{
	size_t i;

	memset(m, 0, sizeof(*m));
	m->logs = (const char *const *)cfg->files;
	m->nlogs = cfg->nfiles;
	m->loginfo = rs->logs;
	if (!(m->runs = calloc(rs->nruns ? rs->nruns : 1, sizeof(*m->runs))))
		return RB_ENOMEM;
	m->nruns = rs->nruns;
	for (i = 0; i < rs->nruns; i++) {
		m->runs[i].log = rs->runs[i].log;
		m->runs[i].kind = run_kind(&rs->runs[i]);
		run_times(&rs->runs[i], m->runs[i].when, sizeof(m->runs[i].when));
		run_outcome(&rs->runs[i], m->runs[i].how, sizeof(m->runs[i].how));
	}
	plural(m->runs_text, sizeof(m->runs_text), rs->imports, "import run");
	plural(m->runs_text, sizeof(m->runs_text), rs->undos, "undo run");
	plural(m->runs_text, sizeof(m->runs_text), rs->dry_runs, "dry run");
	if (!m->runs_text[0])
		snprintf(m->runs_text, sizeof(m->runs_text), "no runs");
	m->imports = rs->imports;
	m->undos = rs->undos;
	m->dry_runs = rs->dry_runs;
	memcpy(m->status, rs->status, sizeof(m->status));
	m->earlier = rs->earlier;
	m->reasons = rs->reasons;
	m->days = rs->days;
	m->ndays = compact(rs->days, DAY_SLOTS);
	qsort(rs->days, m->ndays, sizeof(*rs->days), by_key);
	m->subs = rs->subs;
	m->nsubs = compact(rs->subs, SUB_SLOTS);
	qsort(rs->subs, m->nsubs, sizeof(*rs->subs), by_milli);
	for (i = 0; i < m->ndays; i++)
		fmt_milli(m->days[i].milli, m->days[i].quantity,
		          sizeof(m->days[i].quantity));
	for (i = 0; i < m->nsubs; i++)
		fmt_milli(m->subs[i].milli, m->subs[i].quantity,
		          sizeof(m->subs[i].quantity));
	m->other_days = rs->other_days;
	m->other_subs = rs->other_subs;
	fmt_milli(rs->milli_total, m->total_quantity, sizeof(m->total_quantity));
	m->overflow = rs->overflow;
	m->latency_n = rs->lat_n;
	m->p50_ms = percentile(rs, 0.5);
	m->p90_ms = percentile(rs, 0.9);
	m->p99_ms = percentile(rs, 0.99);
	m->max_ms = percentile(rs, 1.0);
	m->retried = rs->retried;
	m->attempts_extra = rs->attempts_extra;
	return RB_OK;
}

enum rb_status report_run(const struct config *cfg, FILE *out,
                          unsigned long *unknown, char *err, size_t errlen)
{
	struct report_state rs;
	struct report_model m;
	enum rb_status st = RB_OK;
	FILE *html = NULL;
	size_t l;

	memset(&rs, 0, sizeof(rs));
	memset(&m, 0, sizeof(m));
	*unknown = 0;
	rs.reasons = report_reasons_new();
	rs.days = calloc(DAY_SLOTS, sizeof(*rs.days));
	rs.subs = calloc(SUB_SLOTS, sizeof(*rs.subs));
	rs.lat = calloc(LAT_MAX_MS + 1, sizeof(*rs.lat));
	rs.runs = calloc(MAX_RUNS, sizeof(*rs.runs));
	rs.logs = calloc(cfg->nfiles ? cfg->nfiles : 1, sizeof(*rs.logs));
	if (!rs.reasons || !rs.days || !rs.subs || !rs.lat || !rs.runs ||
	    !rs.logs) {
		st = RB_ENOMEM;
		goto out;
	}
	for (l = 0; l < cfg->nfiles && !st; l++) {
		rs.log = l;
		st = read_log(&rs, cfg->files[l], err, errlen);
	}
	if (st || (st = build_model(&rs, cfg, &m)))
		goto out;
	*unknown = m.status[RESULTLOG_PENDING];
	if (!cfg->quiet)
		write_text(out, &m);
	if (cfg->html_path) {
		html = fopen(cfg->html_path, "w");
		if (!html) {
			rb_detail(err, errlen, "cannot open '%s': %s", cfg->html_path,
			          strerror(errno));
			st = RB_EIO;
			goto out;
		}
		report_html_write(html, &m);
		if (ferror(html) | fclose(html)) {
			rb_detail(err, errlen, "cannot write '%s': %s", cfg->html_path,
			          strerror(errno));
			st = RB_EIO;
		}
	}
out:
	if (st == RB_ENOMEM)
		rb_detail(err, errlen, "out of memory");
	linemap_free(&rs.last);
	report_reasons_free(rs.reasons);
	free(rs.days);
	free(rs.subs);
	free(rs.lat);
	free(rs.runs);
	free(rs.logs);
	free(m.runs);
	return st;
}
