/* report_log: `rbusage report LOG...`: read the logs, total, print. */
#include "report_log.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <sys/stat.h>
#include <unistd.h>

#include "dedup.h"
#include "hash.h"
#include "linemap.h"
#include "report_html.h"
#include "report_model.h"
#include "report_rows.h"

#define DAY_SLOTS 8192           /* distinct days kept; more count as "other" */
#define SUB_SLOTS (1 << 16)      /* distinct subscriptions kept for the top list */
#define LAT_MAX_MS 120000        /* latency histogram: 1 ms buckets up to 2 min */
#define MAX_RUNS 4096            /* runs described; more are counted */
#define TIME_BYTES 40

enum run_end { RUN_OPEN, RUN_FINISHED, RUN_CUT_SHORT, RUN_INPUT_FAILED };

struct run_info {
	size_t log;                  /* index of its log in cfg->files */
	char command[8];             /* "import", "undo" */
	char started[TIME_BYTES];    /* as written; "" when not */
	bool dry_run;
	enum run_end end;
	long elapsed_ms;             /* -1: not written */
	struct run_counts counts;    /* from its summary line */
	char input_failed[200];      /* RUN_INPUT_FAILED: why */
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
	unsigned long on_server;     /* final "skipped": --skip-existing found it */
	unsigned long input_failed;  /* logs whose last import's input ended early */
	struct dedup *deleted;       /* usage ids an undo log says are gone */
	unsigned long deleted_rows;  /* created rows whose usage undo deleted */
	unsigned long resent;        /* rows created again after undo deleted
	                                their usage: not deleted any more */
	struct linemap undone;       /* row lines whose created usage undo
	                                deleted (any run of the log) */
	int64_t deleted_milli;
	unsigned long total_rows;    /* rows the quantity totals cover */
	bool last_failed;            /* this log's last import: input ended early */
	bool undo_log;               /* this log is a sibling undo log: its runs
	                                are listed, its rows net the others' */
	struct run_info *runs;
	size_t nruns;
	struct report_log_info *logs;
	/* the log being read */
	size_t log;
	struct report_rows *rows;    /* its final entries */
	bool in_dry;                 /* inside a dry run's section of the log */
	struct run_info *cur;        /* its current run, NULL when not described */
	enum rb_status fail;
	long fail_line;
};

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
		if (strcmp(cmd, "undo"))
			rs->last_failed = false;
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
	/* a row whose POST may have been stored (a timeout no lookup settled)
	 * is as unknown as a pending one: only an import can tell */
	if (r->status == RESULTLOG_PENDING ||
	    ((r->status == RESULTLOG_FAILED || r->status == RESULTLOG_REFUSED) &&
	     r->stored_maybe)) {
		struct report_log_info *li = &rs->logs[rs->log];
		if (li->unknown < REPORT_UNKNOWN_SHOWN)
			li->unknown_lines[li->unknown] = line;
		li->unknown++;
		rs->status[RESULTLOG_PENDING]++;
	} else if (r->status == RESULTLOG_SKIPPED && r->usage_id) {
		/* --skip-existing found it on the server: not this log's */
		rs->status[RESULTLOG_SKIPPED]++;
		rs->on_server++;
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
		if (e->input_failed && !rs->in_dry)
			rs->last_failed = true;
		if (rs->cur && rs->cur->end == RUN_OPEN) {
			rs->cur->end = e->interrupted    ? RUN_CUT_SHORT
			               : e->input_failed ? RUN_INPUT_FAILED
			                                 : RUN_FINISHED;
			if (e->input_failed)
				snprintf(rs->cur->input_failed,
				         sizeof(rs->cur->input_failed), "%s",
				         e->input_failed);
			rs->cur->elapsed_ms = e->elapsed_ms;
			rs->cur->counts = e->counts;
		}
		return 0;
	}
	if (e->type != RESULTLOG_ENTRY_ROW || rs->in_dry || r->line < 1)
		return 0;
	if (rs->undo_log) {
		/* an undo's deletions net the import's rows (read after) */
		if (r->status == RESULTLOG_DELETED && r->usage_id &&
		    dedup_seen_key(rs->deleted, r->usage_id,
		                   strlen(r->usage_id)) < 0) {
			rs->fail = RB_ENOMEM;
			return 1;
		}
		return 0;
	}
	/* rows by final status: each row an --aggregate usage covers counts */
	n = resultlog_row_lines(r, &lines);
	for (i = 0; i < n; i++)
		if (report_rows_final(rs->rows, e->line_no, lines[i]))
			final_entry(rs, r, lines[i]);
	/* a row created again after undo (an import reads the undo log) is
	 * created, not deleted; lines are matched across runs, so a log of
	 * several stdin exports may count one such row wrong either way */
	for (i = 0; r->status == RESULTLOG_CREATED && r->usage_id && i < n;
	     i++) {
		if (dedup_has_key(rs->deleted, r->usage_id,
		                  strlen(r->usage_id)) == 1) {
			if (linemap_set(&rs->undone, lines[i], 1)) {
				rs->fail = RB_ENOMEM;
				return 1;
			}
		} else if (linemap_get(&rs->undone, lines[i]) == 1) {
			rs->resent++;
			if (linemap_set(&rs->undone, lines[i], 2)) {
				rs->fail = RB_ENOMEM;
				return 1;
			}
		}
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
	/* what the server stored counts, when it differs from what was sent;
	 * an --aggregate usage's quantity once, for all of its rows */
	q = r->stored_quantity ? r->stored_quantity : r->quantity;
	when = r->stored_usage_time ? r->stored_usage_time : r->usage_time;
	m = q ? milli_of(q) : -1;
	if (m < 0)
		return 0;
	if (r->usage_id &&
	    dedup_has_key(rs->deleted, r->usage_id, strlen(r->usage_id)) == 1) {
		/* undo deleted it: the totals are what is still billed */
		rs->deleted_rows += n;
		add_milli(&rs->deleted_milli, m, &rs->overflow);
		return 0;
	}
	rs->total_rows += n;
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
	char early[160];
	char usages[64] = "";

	if (c->usages) /* --aggregate */
		snprintf(usages, sizeof(usages), " (as %lu usages)", c->usages);

	if (ri->end == RUN_INPUT_FAILED) {
		snprintf(early, sizeof(early), "input ended early: %.130s",
		         ri->input_failed);
		how = early;
	}
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
			if (s == RESULTLOG_SKIPPED && m->on_server)
				fprintf(out, "  already on the server (--skip-existing)");
			if (s == RESULTLOG_DELETED && m->deleted_rows)
				fprintf(out, "  by undo (quantity %s)",
				        m->deleted_quantity);
			fputc('\n', out);
		}
	if (m->status[RESULTLOG_PENDING]) {
		fprintf(out, "  %-10s %10lu  may be billed (pending, or timed out "
		             "and not found)\n",
		        "unknown", m->status[RESULTLOG_PENDING]);
		fprintf(out, "\nUnknown \xe2\x80\x94 may be billed; run the "
		             "import again to reconcile\n");
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
	if (m->input_failed)
		fprintf(out, "\nInput ended early: the last import of %lu log%s "
		             "stopped reading its input before the end (see Runs); "
		             "rows after the cut were never read\n",
		        m->input_failed, m->input_failed == 1 ? "" : "s");
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
		fprintf(out, "  %-10s %18s  (%lu row%s)\n", "total",
		        m->total_quantity, m->total_rows,
		        m->total_rows == 1 ? "" : "s");
		if (m->deleted_rows)
			fprintf(out, "  (not counted: %lu row%s deleted by undo, "
			             "quantity %s)\n",
			        m->deleted_rows, m->deleted_rows == 1 ? "" : "s",
			        m->deleted_quantity);
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

/* Every pass over one log: its final entries (report_rows), then the
 * report's own. A sibling undo log is read for its runs and deleted ids. */
static enum rb_status read_log(struct report_state *rs, const char *log,
                               char *err, size_t errlen)
{
	enum rb_status st;

	report_rows_free(rs->rows);
	rs->rows = NULL;
	rs->in_dry = false;
	rs->cur = NULL;
	rs->last_failed = false;
	if (!rs->undo_log &&
	    (st = report_rows_load(log, &rs->rows, err, errlen)))
		return st;
	if ((st = resultlog_read(log, report_cb, rs, err, errlen)))
		return st;
	if (rs->fail) {
		rb_detail(err, errlen, "out of memory");
		return rs->fail;
	}
	if (rs->last_failed)
		rs->input_failed++;
	return RB_OK;
}

/* "LOG.undo.jsonl", where undo writes its log by default. */
static char *undo_sibling(const char *log)
{
	size_t n = strlen(log);
	char *p = malloc(n + sizeof(".undo.jsonl"));

	if (p)
		memcpy(p, log, n), memcpy(p + n, ".undo.jsonl", sizeof(".undo.jsonl"));
	return p;
}

static bool ends_with(const char *s, const char *tail)
{
	size_t n = strlen(s), k = strlen(tail);

	return n >= k && !strcmp(s + n - k, tail);
}

/* The model from what the logs gave. */
static enum rb_status build_model(struct report_state *rs,
                                  const char *const *logs, size_t nlogs,
                                  struct report_model *m)
{
	size_t i;

	memset(m, 0, sizeof(*m));
	m->logs = logs;
	m->nlogs = nlogs;
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
	m->on_server = rs->on_server;
	m->input_failed = rs->input_failed;
	m->deleted_rows = rs->deleted_rows;
	fmt_milli(rs->deleted_milli, m->deleted_quantity,
	          sizeof(m->deleted_quantity));
	m->total_rows = rs->total_rows;
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

/* The logs to read: those given, then each one's undo log
 * (LOG.undo.jsonl) when it is there and not given; undo[i] marks the logs
 * read as some given log's undo log. */
static enum rb_status list_logs(const struct config *cfg, char ***paths,
                                bool **undo, size_t *n)
{
	size_t l, k, cap = 2 * cfg->nfiles + 1;
	char *sib;

	*n = 0;
	*paths = calloc(cap, sizeof(**paths));
	*undo = calloc(cap, sizeof(**undo));
	if (!*paths || !*undo)
		return RB_ENOMEM;
	for (l = 0; l < cfg->nfiles; l++)
		if (!((*paths)[(*n)++] = strdup(cfg->files[l])))
			return RB_ENOMEM;
	for (l = 0; l < cfg->nfiles; l++) {
		if (ends_with(cfg->files[l], ".undo.jsonl"))
			continue;
		if (!(sib = undo_sibling(cfg->files[l])))
			return RB_ENOMEM;
		for (k = 0; k < *n && strcmp((*paths)[k], sib); k++)
			;
		if (k < *n) {
			(*undo)[k] = true; /* given as well: read as its undo log */
			free(sib);
		} else if (access(sib, F_OK) == 0) {
			(*undo)[*n] = true;
			(*paths)[(*n)++] = sib;
		} else {
			free(sib);
		}
	}
	return RB_OK;
}

enum rb_status report_run(const struct config *cfg, FILE *out,
                          unsigned long *unknown, char *err, size_t errlen)
{
	struct report_state rs;
	struct report_model m;
	enum rb_status st = RB_OK;
	FILE *html = NULL;
	char **paths = NULL;
	bool *undo = NULL;
	size_t l, npaths = 0;
	int pass;

	memset(&rs, 0, sizeof(rs));
	memset(&m, 0, sizeof(m));
	*unknown = 0;
	rs.reasons = report_reasons_new();
	rs.days = calloc(DAY_SLOTS, sizeof(*rs.days));
	rs.subs = calloc(SUB_SLOTS, sizeof(*rs.subs));
	rs.lat = calloc(LAT_MAX_MS + 1, sizeof(*rs.lat));
	rs.runs = calloc(MAX_RUNS, sizeof(*rs.runs));
	rs.logs = calloc(2 * cfg->nfiles + 1, sizeof(*rs.logs));
	rs.deleted = dedup_new();
	if (!rs.reasons || !rs.days || !rs.subs || !rs.lat || !rs.runs ||
	    !rs.logs || !rs.deleted || list_logs(cfg, &paths, &undo, &npaths)) {
		st = RB_ENOMEM;
		goto out;
	}
	/* undo logs first: their deletions net the imports' rows */
	for (pass = 0; pass < 2; pass++)
		for (l = 0; l < npaths && !st; l++) {
			if (undo[l] != (pass == 0))
				continue;
			rs.log = l;
			rs.undo_log = undo[l];
			st = read_log(&rs, paths[l], err, errlen);
		}
	if (!st && rs.deleted_rows) {
		/* rows whose usage undo deleted: each one's final entry is its
		 * created line or a later run's skip of it, unless the row was
		 * sent again since */
		unsigned long d = rs.deleted_rows -
		                  (rs.resent < rs.deleted_rows ? rs.resent
		                                               : rs.deleted_rows);
		unsigned long *c = &rs.status[RESULTLOG_CREATED];
		if (d > *c)
			d = *c;
		*c -= d;
		rs.status[RESULTLOG_DELETED] += d;
		/* a row created then deleted is skipped by the runs after
		 * (resume knows nothing of undo): count it out of those first */
		rs.earlier -= d < rs.earlier ? d : rs.earlier;
		if (rs.earlier > *c)
			rs.earlier = *c;
	}
	if (st || (st = build_model(&rs, (const char *const *)paths, npaths,
	                            &m)))
		goto out;
	/* exit 1 while rows may be billed unseen, or an input was cut */
	*unknown = m.status[RESULTLOG_PENDING] + m.input_failed;
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
	report_rows_free(rs.rows);
	linemap_free(&rs.undone);
	dedup_free(rs.deleted);
	for (l = 0; paths && l < npaths; l++)
		free(paths[l]);
	free(paths);
	free(undo);
	report_reasons_free(rs.reasons);
	free(rs.days);
	free(rs.subs);
	free(rs.lat);
	free(rs.runs);
	free(rs.logs);
	free(m.runs);
	return st;
}
