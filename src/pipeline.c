/* pipeline: the conductor of an import: read -> check (intake) -> decide
 * (resume, --skip-existing, rowstate in flight) -> act (the sender), with
 * every outcome into the reject file and the result log. */
#include "pipeline.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "bundle.h"
#include "check.h"
#include "clock.h"
#include "existing.h"
#include "fingerprint.h"
#include "flight.h"
#include "intake.h"
#include "outputs.h"
#include "progress.h"
#include "recall.h"
#include "rejects.h"
#include "report.h"
#include "request.h"
#include "resultlog.h"
#include "resume.h"
#include "sender.h"
#include "timefmt.h"

/* an aggregate's lines fit one result-log line */
_Static_assert(AGGREGATE_ROWS_MAX <= RESULTLOG_LINES_MAX,
               "a usage's rows must fit its log line");

struct import {
	const struct config *cfg;
	const char *path;
	const volatile sig_atomic_t *signals;
	char rejects_path[OUTPUTS_PATH_MAX];
	char log_path[OUTPUTS_PATH_MAX];
	char fingerprint[FINGERPRINT_MAX];
	struct intake *in;
	struct rejects *rj;
	struct resultlog *lg;
	struct sender *snd;
	struct report_reasons *reasons;
	struct resume *rs;
	struct existing *existing; /* --skip-existing: the server's usages */
	struct flight *fl;
	struct metrics_input *metrics; /* this input's, or NULL */
	/* --aggregate: the whole input is read (and its rows checked) first */
	struct bundle *agg;      /* the usages the valid rows make */
	bool agg_done;           /* every usage taken */
	struct recall *recall;   /* rows to write to the reject file at the end:
	                            a refused usage's, a too-large sum's */
	struct run_counts c;
	struct progress progress;
	struct buf body;       /* --emit */
	struct buf rowbuf;     /* a rejected row as the reject file writes it */
	int64_t start_wall_ms;
	int64_t start_mono_ms;
	int64_t resume_mono_ms; /* the log's last write on the monotonic clock */
	bool eof;
	bool stop;           /* stop reading, send nothing new */
	bool input_failed;
	bool output_closed;  /* --emit's reader went away */
	enum rb_status fatal;
	char *err;
	size_t errlen;
};

/* ---- what goes into the log and the reject file ---- */

static enum rb_status log_line(struct import *im, struct resultlog_row *r,
                               const struct usage *u)
{
	enum rb_status st;

	if (u) {
		r->subscription_id = u->subscription_id;
		r->quantity = u->quantity;
		r->usage_time = u->usage_time;
	}
	st = resultlog_write_row(im->lg, r, im->err, im->errlen);
	if (st && !im->fatal)
		im->fatal = st;
	/* what was created, for --metrics-file: what the server stored */
	if (r->status == RESULTLOG_CREATED && u)
		metrics_add_quantity(im->metrics, r->stored_quantity
		                                      ? r->stored_quantity
		                                      : u->quantity);
	return st;
}

static enum rb_status reject(struct import *im, long line, const char *reason,
                             const char *body, size_t body_len,
                             struct resultlog_row *r, const struct usage *u)
{
	enum rb_status st;

	st = rejects_write(im->rj, line, reason, body, body_len, im->err,
	                   im->errlen);
	if (st) {
		im->fatal = st;
		return st;
	}
	report_reasons_add(im->reasons, reason, line);
	if (r->status == RESULTLOG_REJECTED)
		im->c.rejected++;
	else
		im->c.refused++;
	r->reason = reason;
	return log_line(im, r, u);
}

/* ---- --aggregate's usages ---- */

/* A result-log row for u: an aggregate's names every line it covers. */
static size_t row_of(const struct import *im, const struct usage *u,
                     struct resultlog_row *r)
{
	const struct aggregate_usage *g = im->agg ? bundle_at(im->agg, u->line)
	                                          : NULL;

	r->line = u->line;
	r->ms = -1;
	if (!g)
		return 1;
	r->lines = g->lines;
	r->nlines = g->nlines;
	return g->nlines;
}

/* flight's hooks */

static enum rb_status on_pending(void *ctx, const struct usage *u)
{
	struct resultlog_row r = {0};

	row_of(ctx, u, &r);
	r.status = RESULTLOG_PENDING;
	return log_line(ctx, &r, u);
}

static enum rb_status on_sync(void *ctx)
{
	struct import *im = ctx;

	return resultlog_sync(im->lg, im->err, im->errlen);
}

/* The rows of an --aggregate usage that is not sent: each to the reject
 * file with why (at the end: recall), and to the log (one line each when
 * log_each; else the caller writes the usage's line). */
static enum rb_status reject_lines(struct import *im, const long *lines,
                                   size_t n, const char *why, bool log_each)
{
	struct resultlog_row r = {0};
	size_t i;

	r.status = RESULTLOG_REJECTED;
	r.ms = -1;
	r.reason = why;
	for (i = 0; i < n && !im->fatal; i++) {
		report_reasons_add(im->reasons, why, lines[i]);
		if (recall_add(im->recall, lines[i], why)) {
			rb_detail(im->err, im->errlen, "out of memory");
			return im->fatal = RB_ENOMEM;
		}
		r.line = lines[i];
		if (log_each)
			log_line(im, &r, NULL);
	}
	if (log_each) { /* a check before sending: not valid after all */
		im->c.rejected += n;
		im->c.valid -= n;
	} else {
		im->c.refused += n;
	}
	return im->fatal;
}

/* A refused --aggregate usage: its line in the log, each of its rows in the
 * reject file with the server's reason and which usage it was. */
static enum rb_status refuse_usage(struct import *im, struct resultlog_row *r,
                                   const struct usage *u)
{
	char why[1200];

	snprintf(why, sizeof(why),
	         "%s (refused for the --aggregate %s usage of %zu row%s from "
	         "line %ld: quantity %s at %s)",
	         r->reason, config_aggregate_name(im->cfg->aggregate), r->nlines,
	         r->nlines == 1 ? "" : "s", r->line, u->quantity, u->usage_time);
	if (reject_lines(im, r->lines, r->nlines, why, false))
		return im->fatal;
	return log_line(im, r, u);
}

static enum rb_status on_done(void *ctx, const struct flight_row *f)
{
	struct import *im = ctx;
	struct resultlog_row r = {0};
	size_t n = row_of(im, f->u, &r);

	r.status = f->status;
	r.usage_id = f->usage_id;
	r.http = f->http;
	r.attempts = f->attempts;
	r.ms = f->ms;
	r.found = f->found;
	r.stored_maybe = f->status != RESULTLOG_CREATED && f->stored_maybe;
	if (f->status == RESULTLOG_REFUSED && r.nlines) {
		r.reason = f->reason;
		return refuse_usage(im, &r, f->u);
	}
	if (f->status == RESULTLOG_REFUSED)
		return reject(im, r.line, f->reason, f->row, f->row_len, &r, f->u);
	r.reason = f->reason;
	if (f->status == RESULTLOG_CREATED) {
		im->c.created += n;
		im->c.reconciled += f->reconciled ? n : 0;
		if (f->stored->quantity[0])
			r.stored_quantity = f->stored->quantity;
		if (f->stored->usage_time[0])
			r.stored_usage_time = f->stored->usage_time;
	} else {
		im->c.failed += n;
	}
	return log_line(im, &r, f->u);
}

/* ---- rows ---- */

static enum rb_status emit_body(struct import *im, const struct usage *u)
{
	enum rb_status st = outputs_emit(&im->body, u, stdout,
	                                 &im->output_closed, im->err, im->errlen);

	if (im->output_closed) /* | head: stop quietly, as filters do (exit 3) */
		im->stop = true;
	return st;
}

/* ---- --skip-existing ---- */

/* Listing the window only asks (a pending row must still find its own
 * usage among those listed); the row that takes a usage claims it. */
static int claimed_cb(void *ctx, const char *id)
{
	return resume_claimed(ctx, id);
}

static int claim_cb(void *ctx, const char *id)
{
	return resume_claim(ctx, id);
}

/* u (nrows rows) on the server already, as a listed usage it takes and
 * claims: logged skipped (r: its line so far), *st the outcome. */
static bool on_server(struct import *im, const struct usage *u, size_t nrows,
                      struct resultlog_row *r, enum rb_status *st)
{
	char id[128];
	int k;

	if (!im->existing || !(k = existing_take(im->existing, u, claim_cb,
	                                         im->rs, id, sizeof(id))))
		return false;
	if (k < 0) {
		rb_detail(im->err, im->errlen, "out of memory");
		*st = RB_ENOMEM;
		return true;
	}
	im->c.skipped += nrows;
	r->usage_id = id;
	r->found = "already on the server (--skip-existing)";
	*st = log_line(im, r, u);
	return true;
}

/* One checked row: reject it, count it, skip it, or put it in flight. */
static enum rb_status take(struct import *im, const struct intake_row *ir)
{
	struct resultlog_row r;
	const struct usage *u = &ir->u;
	bool unknown = false;
	enum rb_status st;

	if (ir->kind == INTAKE_OTHER_SHARD) {
		im->c.other_shard++;
		return RB_OK;
	}
	im->c.read++;
	if (ir->kind == INTAKE_VALID) {
		im->c.valid++;
		if (im->agg) { /* summed now, sent once the whole input is read */
			if (bundle_add(im->agg, u)) {
				rb_detail(im->err, im->errlen, "out of memory");
				return RB_ENOMEM;
			}
			return RB_OK;
		}
		if (im->cfg->dry_run) /* the hot path of a dry run: nothing more */
			return im->cfg->emit ? emit_body(im, u) : RB_OK;
	}
	memset(&r, 0, sizeof(r));
	r.line = ir->row.line;
	r.ms = -1;
	if (ir->kind == INTAKE_REJECTED) {
		if (rejects_format_row(im->rj, &ir->row, &im->rowbuf))
			buf_reset(&im->rowbuf);
		r.status = RESULTLOG_REJECTED;
		return reject(im, r.line, ir->why, im->rowbuf.data, im->rowbuf.len,
		              &r, NULL);
	}
	r.status = RESULTLOG_SKIPPED;
	switch (resume_take(im->rs, r.line, u)) {
	case RESUME_CREATED:
		im->c.skipped++;
		r.found = "created by an earlier run";
		return log_line(im, &r, u);
	case RESUME_UNKNOWN:
		unknown = true;
		break;
	case RESUME_SEND:
		break;
	}
	if (!unknown && on_server(im, u, 1, &r, &st))
		return st;
	if (rejects_format_row(im->rj, &ir->row, &im->rowbuf))
		buf_reset(&im->rowbuf);
	return flight_add(im->fl, u, im->rowbuf.data, im->rowbuf.len, unknown,
	                  im->resume_mono_ms);
}

static void show_progress(struct import *im, bool force)
{
	uint64_t consumed;
	int64_t total;

	reader_progress(intake_reader(im->in), &consumed, &total);
	progress_tick(&im->progress, &im->c, consumed, total, clock_mono_ms(),
	              force);
}

/* Reads and takes rows while a new one could get a request out. */
static enum rb_status read_rows(struct import *im)
{
	struct intake_row ir;
	enum rb_status st;
	unsigned n = 0;

	while (!im->eof && !im->stop &&
	       (im->cfg->dry_run || im->agg || flight_room(im->fl))) {
		st = intake_next(im->in, &ir, im->err, im->errlen);
		if (st == RB_END) {
			long last = reader_unended_line(intake_reader(im->in));
			if (last)
				fprintf(stderr,
				        "rbusage: %s: the last line (%ld) has no "
				        "line end; a cut-off export?\n",
				        im->path, last);
			im->eof = true;
			break;
		}
		if (st == RB_ENOMEM)
			return st;
		if (st) {
			/* The input ended early (truncated gzip, read error): the rows
			 * so far count; the message says where it stopped. */
			im->eof = true;
			im->input_failed = true;
			return RB_OK;
		}
		if ((st = take(im, &ir)))
			return st;
		if (im->fatal)
			return im->fatal;
		if (*im->signals)
			im->stop = true;
		if (++n == 4096) {
			n = 0;
			show_progress(im, false);
		}
	}
	return RB_OK;
}

/* ---- --aggregate: the usages, once every row is read ---- */

/* One usage of --aggregate, as bundle says. */
static enum rb_status take_usage(struct import *im,
                                 const struct bundle_item *it)
{
	struct resultlog_row r = {0};
	const struct usage *u = &it->g->usage;
	enum rb_status st;

	if (it->action == BUNDLE_REJECT) {
		im->c.usages -= !it->g->reject; /* not its sum: its bucket */
		return reject_lines(im, it->g->lines, it->g->nlines, it->why, true);
	}
	if (it->action == BUNDLE_LOOKUP)
		return flight_add(im->fl, u, NULL, 0, true, im->resume_mono_ms);
	row_of(im, u, &r);
	r.status = RESULTLOG_SKIPPED;
	if (it->action == BUNDLE_SKIP) {
		im->c.skipped += it->g->nlines;
		r.found = "created by an earlier run";
		return log_line(im, &r, u);
	}
	if (on_server(im, u, it->g->nlines, &r, &st))
		return st;
	return flight_add(im->fl, u, NULL, 0, false, 0);
}

/* Takes usages while a new one could get a request out. */
static enum rb_status take_usages(struct import *im)
{
	struct bundle_item it;
	enum rb_status st;

	while (!im->agg_done && !im->stop && flight_room(im->fl)) {
		if (!bundle_next(im->agg, &it)) {
			im->agg_done = true;
			break;
		}
		if ((st = take_usage(im, &it)))
			return st;
		if (im->fatal)
			return im->fatal;
		if (*im->signals)
			im->stop = true;
	}
	return RB_OK;
}

/* A dry run's usages: a too-large sum rejects its rows; --emit prints the
 * others' bodies. */
static enum rb_status dry_usages(struct import *im)
{
	struct bundle_item it;
	enum rb_status st = RB_OK;

	while (!st && !im->stop && bundle_next(im->agg, &it)) {
		if (it.action == BUNDLE_REJECT)
			st = reject_lines(im, it.g->lines, it.g->nlines, it.why,
			                  true);
		else if (im->cfg->emit)
			st = emit_body(im, &it.g->usage);
	}
	return st;
}

/* The reject file's rows of refused usages and too-large sums, from the
 * input read once more. */
static enum rb_status recall_rows(struct import *im)
{
	size_t missing;
	enum rb_status st;

	if (!im->recall || !recall_count(im->recall))
		return RB_OK;
	if ((st = recall_write(im->recall, im->cfg, im->path, im->rj, &missing,
	                       im->err, im->errlen)))
		return st;
	if (missing)
		fprintf(stderr,
		        "rbusage: %s changed while it was imported: %zu rows to "
		        "reject were not found again; the result log names their "
		        "lines\n",
		        im->path, missing);
	return RB_OK;
}

/* ---- the loop ---- */

static enum rb_status send_loop(struct import *im)
{
	const char *why;
	enum rb_status st;

	for (;;) {
		if (*im->signals && !im->stop)
			im->stop = true;
		if (flight_fatal(im->fl, &why))
			im->stop = true;
		if (im->stop)
			flight_stop(im->fl);
		if ((st = im->agg ? take_usages(im) : read_rows(im)))
			return st;
		if (im->stop)
			flight_stop(im->fl);
		if ((im->agg ? im->agg_done : im->eof) || im->stop)
			if (!flight_rows(im->fl))
				break;
		if (im->stop)
			/* a second signal never gets here: main exits at once */
			sender_wind_down(im->snd, flight_fatal(im->fl, &why));
		if ((st = flight_step(im->fl, 100, im->err, im->errlen)))
			return st;
		if (im->fatal)
			return im->fatal;
		show_progress(im, false);
	}
	return RB_OK;
}

/* ---- one file ---- */

static void import_free(struct import *im)
{
	bundle_free(im->agg);
	recall_free(im->recall);
	flight_free(im->fl);
	intake_free(im->in);
	rejects_close(im->rj, NULL, 0);
	resultlog_close(im->lg, NULL, 0);
	sender_free(im->snd);
	report_reasons_free(im->reasons);
	resume_free(im->rs);
	existing_free(im->existing);
	buf_free(&im->body);
	buf_free(&im->rowbuf);
}

/* Opens the result log (locked, unless a dry run), and what it says to
 * resume; the stamped time for rows without usageTime. */
static enum rb_status open_log(struct import *im)
{
	const struct config *cfg = im->cfg;
	int64_t stamped_ms;
	const char *stamped;
	enum rb_status st;

	if (cfg->dry_run) {
		im->lg = resultlog_open(im->log_path, im->err, im->errlen);
		return im->lg ? RB_OK : RB_EIO;
	}
	if ((st = fingerprint_file(im->path, im->fingerprint, im->err,
	                           im->errlen)))
		return st;
	/* Locked before it is read: two runs must never both resume it. */
	if ((st = resultlog_open_exclusive(&im->lg, im->log_path, im->err,
	                                   im->errlen)))
		return st;
	if ((st = resume_load(im->log_path, im->path, im->fingerprint,
	                      cfg->restart, cfg->aggregate, &im->rs, im->err,
	                      im->errlen)))
		return st;
	/* Rows without usageTime get the first run's stamped time, so a row
	 * sent again is the same usage and can be found again. */
	stamped = resume_stamped(im->rs);
	if (stamped[0] &&
	    !timefmt_parse_bound(stamped, &stamped_ms, im->err, im->errlen))
		intake_set_stamped(im->in, stamped_ms);
	im->resume_mono_ms = clock_mono_ms() -
	                     (clock_wall_ms() - resume_last_write_ms(im->rs));
	if (im->resume_mono_ms > clock_mono_ms())
		im->resume_mono_ms = clock_mono_ms();
	return RB_OK;
}

static enum rb_status start_sending(struct import *im)
{
	struct flight_hooks hooks = {im, on_pending, on_sync, on_done};
	int64_t lo = 0, hi = 0, stamped = 0;
	enum rb_status st = RB_OK;
	bool any;

	if (!(im->snd = sender_new(im->cfg, im->err, im->errlen)))
		return RB_EUSAGE;
	if (!(im->fl = flight_new(im->cfg, im->snd, im->rs, &hooks)))
		return RB_ENOMEM;
	if (!im->cfg->skip_existing)
		return RB_OK;
	if (im->agg) { /* the rows are read already */
		any = bundle_window(im->agg, &lo, &hi);
	} else {
		(void)intake_stamped(im->in, &stamped);
		if ((st = intake_window(im->cfg, im->path, im->start_wall_ms,
		                        stamped, &lo, &hi, &any, im->err,
		                        im->errlen)))
			return st;
	}
	if (!any ||
	    (st = existing_load(&im->existing, im->snd, lo, hi, claimed_cb,
	                        im->rs, im->signals, im->err, im->errlen)) ||
	    !existing_count(im->existing))
		return st;
	/* each row reserves its exact usage before the first row is decided */
	return im->agg ? bundle_each_sent(im->agg, existing_reserve_each,
	                                  im->existing, im->err, im->errlen)
	               : intake_each(im->cfg, im->path, im->start_wall_ms,
	                             stamped, existing_reserve_each,
	                             im->existing, im->err, im->errlen);
}

/* The input's part of --metrics-file, when the run ends. */
static void note_metrics(struct import *im, enum rb_status st)
{
	struct sender_stats ss;

	if (im->snd)
		sender_stats(im->snd, &ss);
	metrics_note(im->metrics, &im->c,
	             st == RB_OK && !im->input_failed && !im->stop,
	             (long)(clock_mono_ms() - im->start_mono_ms),
	             im->snd ? &ss : NULL);
}

/* The run line, then every row. */
static enum rb_status run_rows(struct import *im)
{
	const struct config *cfg = im->cfg;
	const struct reader *rd = intake_reader(im->in);
	struct resultlog_run run = {0};
	char started[CHECK_TIME_MAX];
	int64_t stamped_ms;
	unsigned long rejected;
	enum rb_status st;

	timefmt_format(im->start_wall_ms, started);
	run.command = "import";
	run.input = im->path;
	run.fingerprint = im->fingerprint[0] ? im->fingerprint : NULL;
	run.format = reader_format(rd) == CONFIG_FORMAT_CSV ? "csv" : "jsonl";
	run.stamped_time = intake_stamped(im->in, &stamped_ms);
	run.started = started;
	run.cfg = cfg;
	if ((st = resultlog_write_run(im->lg, &run, im->err, im->errlen)))
		return st;
	if (!cfg->dry_run && !im->agg) {
		if ((st = start_sending(im)))
			return st;
		return send_loop(im);
	}
	/* a dry run, or --aggregate's first pass: every row */
	while (!im->eof && !im->stop && !st) {
		st = read_rows(im);
		if (*im->signals)
			im->stop = true;
	}
	if (st || !im->agg)
		return st;
	/* every row is read: the usages are final, and the log is asked about
	 * each (rows of too-large sums are rejected as they are taken) */
	if (bundle_ready(im->agg, cfg->dry_run ? NULL : im->rs, &im->c.usages,
	                 &rejected)) {
		rb_detail(im->err, im->errlen, "out of memory");
		return RB_ENOMEM;
	}
	if (cfg->dry_run)
		return dry_usages(im);
	/* Nothing sent: the rows count as failed. A usage summed from part of
	 * the input (it ended early) would not be the whole file's. */
	if (im->stop || im->input_failed)
		return RB_OK;
	if ((st = start_sending(im)))
		return st;
	return send_loop(im);
}

/* Closes the books: rows with no outcome, the summary line, the reject
 * file, the summary on stderr. */
static enum rb_status wind_up(struct import *im, enum rb_status st)
{
	const struct config *cfg = im->cfg;
	struct report_summary rs = {0};
	char serr[512];
	const char *why;
	enum rb_status s2;
	bool cut;

	if (!cfg->dry_run) {
		/* A stop on a fatal error (a log that cannot be written) leaves
		 * rows with no outcome: they count as failed, so the books still
		 * add up; their pending lines make the next run look them up
		 * before it sends anything. */
		unsigned long settled = im->c.created + im->c.rejected +
		                        im->c.refused + im->c.failed + im->c.skipped;
		unsigned long waiting = 0; /* --aggregate: usages never taken */

		if (im->agg)
			waiting = bundle_rows_left(im->agg);
		if (waiting)
			fprintf(stderr,
			        "rbusage: %lu rows were not sent: %s\n", waiting,
			        im->input_failed
			            ? "--aggregate sends nothing of an input that "
			              "ended early"
			            : "the run stopped before their usages' turn");
		if (im->c.read > settled + waiting)
			fprintf(stderr,
			        "rbusage: %lu rows were in flight when the run stopped; "
			        "the next run looks them up before sending\n",
			        im->c.read - settled - waiting);
		if (im->c.read > settled)
			im->c.failed += im->c.read - settled;
	}
	if ((s2 = recall_rows(im)) && st == RB_OK)
		st = s2;
	if (st == RB_OK && im->fl && (s2 = flight_fatal(im->fl, &why))) {
		st = s2;
		rb_detail(im->err, im->errlen, "%s", why);
	}
	if (st == RB_OK && im->stop) {
		st = RB_EINTR;
		if (im->output_closed)
			im->err[0] = 0; /* --emit | head: quiet, as filters are */
		else
			rb_detail(im->err, im->errlen, "interrupted; run the same "
			                               "command again to resume");
	}
	cut = st == RB_EINTR || st == RB_EAUTH || st == RB_ENET;
	/* an input that ended early says so in the log too, so a report read
	 * later does not call the run finished (err holds the reader's words) */
	s2 = resultlog_write_summary(im->lg, &im->c, cfg->dry_run, cut,
	                             im->input_failed ? im->err : NULL,
	                             (long)(clock_mono_ms() - im->start_mono_ms),
	                             serr, sizeof(serr));
	if (!st && s2) {
		st = s2;
		rb_detail(im->err, im->errlen, "%s", serr);
	}
	s2 = rejects_close(im->rj, serr, sizeof(serr));
	im->rj = NULL;
	if (!st && s2) {
		st = s2;
		rb_detail(im->err, im->errlen, "%s", serr);
	}
	rs.input = im->path;
	rs.rejects_path = im->c.rejected + im->c.refused ? im->rejects_path : NULL;
	rs.log_path = im->log_path;
	rs.counts = &im->c;
	rs.reasons = im->reasons;
	rs.dry_run = cfg->dry_run;
	rs.interrupted = cut;
	rs.elapsed_ms = (long)(clock_mono_ms() - im->start_mono_ms);
	rs.aggregate = config_aggregate_name(cfg->aggregate);
	if (!cfg->quiet && !im->output_closed)
		report_summary(stderr, &rs);
	return st;
}

static enum rb_status import_file(const struct config *cfg, const char *path,
                                  const volatile sig_atomic_t *signals,
                                  struct run_outcome *out,
                                  struct metrics_input *metrics, char *err,
                                  size_t errlen)
{
	struct import im;
	const struct reader *rd;
	const struct reader_field *hdr;
	size_t nhdr;
	enum rb_status st;
	bool tty = isatty(2);

	memset(&im, 0, sizeof(im));
	im.cfg = cfg;
	im.path = path;
	im.metrics = metrics;
	im.signals = signals;
	im.err = err;
	im.errlen = errlen;
	im.start_wall_ms = clock_wall_ms();
	im.start_mono_ms = clock_mono_ms();
	progress_init(&im.progress,
	              !cfg->quiet && cfg->progress != CONFIG_PROGRESS_OFF &&
	                      (cfg->progress == CONFIG_PROGRESS_ON || tty),
	              tty, im.start_mono_ms);
	buf_init(&im.body, 4 * READER_MAX_RECORD);
	buf_init(&im.rowbuf, 4 * READER_MAX_RECORD);

	if ((st = intake_open(&im.in, cfg, path, im.start_wall_ms, err, errlen)))
		goto out;
	if (cfg->aggregate != CONFIG_AGGREGATE_NONE &&
	    (!(im.agg = bundle_new(cfg->aggregate)) ||
	     !(im.recall = recall_new()))) {
		rb_detail(err, errlen, "out of memory");
		st = RB_ENOMEM;
		goto out;
	}
	rd = intake_reader(im.in);
	outputs_paths(cfg, path, reader_format(rd),
	              reader_delimiter_for(cfg, path), im.rejects_path,
	              im.log_path);
	if ((st = open_log(&im)))
		goto out;
	if (!(im.reasons = report_reasons_new())) {
		st = RB_ENOMEM;
		goto out;
	}
	hdr = reader_header(rd, &nhdr);
	im.rj = rejects_open(im.rejects_path, reader_format(rd),
	                     reader_delimiter_for(cfg, path), reader_encoding(rd),
	                     hdr, nhdr, err, errlen);
	if (!im.rj) {
		st = RB_EIO;
		goto out;
	}
	st = run_rows(&im);
	if (im.progress.on && im.progress.tty) {
		show_progress(&im, true);
		progress_clear(stderr);
	}
	st = wind_up(&im, st);
	/* --restart: what the earlier version's rows left that the new one
	 * does not have (standard input's runs are different exports) */
	if (!st && im.rs && cfg->restart && !cfg->dry_run && !im.stop &&
	    !im.input_failed) {
		char made[1024], unsure[1024];

		unsigned long n = resume_left(im.rs, im.log_path, made, unsure,
		                              sizeof(made));

		out->earlier_unknown += n;
		if (metrics)
			metrics->earlier_unknown = n;
		if (made[0])
			fprintf(stderr, "rbusage: %s\n", made);
		if (unsure[0])
			fprintf(stderr, "rbusage: %s\n", unsure);
	}
	if (im.input_failed) {
		out->input_failed = true;
		fprintf(stderr, "rbusage: %s\n", err);
		err[0] = 0;
	}
out:
	resultlog_counts_add(&out->counts, &im.c);
	if (st == RB_EINTR)
		out->interrupted = true;
	note_metrics(&im, st);
	import_free(&im);
	return st;
}

enum rb_status pipeline_import(const struct config *cfg,
                               const volatile sig_atomic_t *signals,
                               struct run_outcome *out, char *err,
                               size_t errlen)
{
	size_t i;
	enum rb_status st = RB_OK;

	memset(out, 0, sizeof(*out));
	if (cfg->metrics_path) {
		out->files = calloc(cfg->nfiles, sizeof(*out->files));
		if (!out->files) {
			rb_detail(err, errlen, "out of memory");
			return RB_ENOMEM;
		}
		out->nfiles = cfg->nfiles;
		for (i = 0; i < cfg->nfiles; i++)
			out->files[i].input = cfg->files[i];
	}
	for (i = 0; i < cfg->nfiles && !st; i++)
		st = import_file(cfg, cfg->files[i], signals, out,
		                 out->files ? &out->files[i] : NULL, err, errlen);
	return st;
}
