/* undo: deletes the usages an import's result log says were created. */
#include "undo.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sys/stat.h>

#include "buf.h"
#include "clock.h"
#include "check.h"
#include "dedup.h"
#include "report_rows.h"
#include "outputs.h"
#include "report.h"
#include "resultlog.h"
#include "endpoint.h"
#include "sender.h"


struct undo_slot {
	bool busy;
	long line;
	char id[128];
	int64_t started_ms;
};

struct undo {
	const struct config *cfg;
	const volatile sig_atomic_t *signals;
	struct sender *snd;
	struct resultlog *lg;
	struct resultlog *import_lg; /* the import's log, held for its lock */
	struct dedup *done;     /* ids deleted by an earlier undo run */
	struct undo_slot *slots;
	unsigned nslots;
	struct run_counts c;
	struct report_reasons *reasons;
	struct buf path;
	struct report_rows *rows; /* the log's final row entries */
	unsigned long unknown;  /* final rows of unknown outcome: no usage id */
	unsigned long import_runs, dry_runs;
	bool in_dry;
	bool stop, not_import, wrong_place, undo_not_undo;
	enum rb_status stop_status; /* RB_EAUTH, RB_ENET: no DELETE can get
	                               through (said once, in err) */
	enum rb_status fatal;
	char *err;
	size_t errlen;
};

static int undo_prior_cb(const struct resultlog_entry *e, void *ctx)
{
	struct undo *ud = ctx;

	if (e->type == RESULTLOG_ENTRY_RUN &&
	    (!e->command || strcmp(e->command, "undo"))) {
		/* appending undo lines to an import's log would make it lie */
		ud->undo_not_undo = true;
		return 1;
	}
	if (e->type == RESULTLOG_ENTRY_ROW && e->row.status == RESULTLOG_DELETED &&
	    e->row.usage_id &&
	    dedup_seen_key(ud->done, e->row.usage_id, strlen(e->row.usage_id)) < 0)
		return 1;
	return 0;
}

static void undo_result(struct undo *ud, const struct sender_result *res)
{
	struct undo_slot *sl = &ud->slots[res->tag];
	struct resultlog_row r = {0};
	enum rb_status st;

	r.line = sl->line;
	r.usage_id = sl->id;
	r.http = res->http;
	r.attempts = res->attempts;
	r.ms = (long)(clock_mono_ms() - sl->started_ms);
	if (res->outcome == SENDER_DONE ||
	    (res->outcome == SENDER_REFUSED && res->http == 404)) {
		r.status = RESULTLOG_DELETED;
		r.found = res->http == 404 ? "already gone" : NULL;
		ud->c.created++; /* counts deletions in an undo */
	} else {
		if (res->outcome == SENDER_AUTH || res->outcome == SENDER_STOP ||
		    res->outcome == SENDER_UNREACHABLE) {
			if (!ud->stop_status)
				rb_detail(ud->err, ud->errlen,
				          res->outcome == SENDER_AUTH
				              ? "the server refused our credentials (%s)"
				          : res->outcome == SENDER_STOP
				              ? "cannot go on: %s"
				              : "%s; stopping (run the same command "
				                "again once the API can be reached)",
				          res->reason);
			if (!ud->stop_status)
				ud->stop_status = res->outcome == SENDER_UNREACHABLE
				                      ? RB_ENET
				                      : RB_EAUTH;
			ud->stop = true;
		}
		r.status = res->outcome == SENDER_REFUSED ? RESULTLOG_REFUSED
		                                          : RESULTLOG_FAILED;
		r.reason = res->reason;
		report_reasons_add(ud->reasons, res->reason, sl->line);
		ud->c.remaining++;
	}
	st = resultlog_write_row(ud->lg, &r, ud->err, ud->errlen);
	if (st && !ud->fatal)
		ud->fatal = st;
	sl->busy = false;
}

/* Waits for one result (or a short timeout) and books it. */
static enum rb_status undo_step(struct undo *ud)
{
	struct sender_result res;
	bool have;
	enum rb_status st;

	if (*ud->signals)
		ud->stop = true;
	st = sender_next(ud->snd, 100, &res, &have, ud->err, ud->errlen);
	if (st)
		return st;
	if (have)
		undo_result(ud, &res);
	return ud->fatal;
}

/* Do a and b name one file (b may not exist yet)? */
static bool same_file(const char *a, const char *b)
{
	struct stat sa, sb;

	if (stat(b, &sb) != 0)
		return !strcmp(a, b);
	return stat(a, &sa) == 0 && sa.st_dev == sb.st_dev &&
	       sa.st_ino == sb.st_ino;
}

/* Before anything is deleted: every import run in the log went where undo
 * is about to go. */
static int undo_where_cb(const struct resultlog_entry *e, void *ctx)
{
	struct undo *ud = ctx;

	if (e->type == RESULTLOG_ENTRY_RUN && e->dry_run)
		ud->dry_runs++;
	if (e->type != RESULTLOG_ENTRY_RUN || e->dry_run)
		return 0;
	ud->import_runs++;
	if (e->command && strcmp(e->command, "import")) {
		ud->not_import = true;
		return 1;
	}
	if ((e->base_url && strcmp(e->base_url, ud->cfg->base_url)) ||
	    (e->organization && strcmp(e->organization, ud->cfg->org))) {
		/* Deleting elsewhere would find nothing, count 404s as gone, and
		 * leave every usage in place. */
		rb_detail(ud->err, ud->errlen,
		          "this log's usages were created at %s for organization "
		          "'%s', but undo is set to %s for '%s'; give undo the same "
		          "--org and --live/--sandbox/--base-url as the import",
		          e->base_url ? e->base_url : "?",
		          e->organization ? e->organization : "?",
		          ud->cfg->base_url, ud->cfg->org);
		ud->wrong_place = true;
		return 1;
	}
	return 0;
}

/* A usage that may exist but cannot be deleted: it remains, and says why. */
static int cannot_undo(struct undo *ud, const struct resultlog_row *row,
                       const char *why)
{
	struct resultlog_row r = {0};
	char reason[512];

	snprintf(reason, sizeof(reason),
	         "%s; undo cannot delete it: find subscriptionId '%s' at "
	         "usageTime %s in Rebilly and delete it there",
	         why, row->subscription_id ? row->subscription_id : "?",
	         row->usage_time ? row->usage_time : "?");
	r.line = row->line;
	r.status = RESULTLOG_FAILED;
	r.ms = -1;
	r.subscription_id = row->subscription_id;
	r.quantity = row->quantity;
	r.usage_time = row->usage_time;
	r.reason = reason;
	report_reasons_add(ud->reasons, reason, row->line);
	ud->c.read++;
	ud->c.remaining++;
	if ((ud->fatal = resultlog_write_row(ud->lg, &r, ud->err, ud->errlen)))
		return 1;
	return 0;
}

static int undo_cb(const struct resultlog_entry *e, void *ctx)
{
	struct undo *ud = ctx;
	unsigned i;
	int seen;

	if (e->type == RESULTLOG_ENTRY_RUN)
		ud->in_dry = e->dry_run;
	if (e->type != RESULTLOG_ENTRY_ROW || ud->in_dry)
		return 0;
	if (e->row.line >= 1 &&
	    report_rows_final(ud->rows, e->line_no, e->row.line)) {
		if (e->row.status == RESULTLOG_PENDING) {
			ud->unknown++;
			return cannot_undo(ud, &e->row,
			                   "outcome unknown: the import stopped while "
			                   "this row was in flight, so it may have "
			                   "been created");
		}
		if ((e->row.status == RESULTLOG_FAILED ||
		     e->row.status == RESULTLOG_REFUSED) &&
		    e->row.stored_maybe) {
			ud->unknown++;
			return cannot_undo(ud, &e->row,
			                   "outcome unknown: a request timed out or "
			                   "went unanswered and no lookup found the "
			                   "usage, so it may have been created");
		}
	}
	if (e->row.status != RESULTLOG_CREATED)
		return 0;
	if (!e->row.usage_id || !*e->row.usage_id)
		return cannot_undo(ud, &e->row,
		                   "created, but the server named no usage id");
	ud->c.read++;
	seen = dedup_seen_key(ud->done, e->row.usage_id, strlen(e->row.usage_id));
	if (seen < 0) {
		ud->fatal = RB_ENOMEM;
		return 1;
	}
	if (seen) {
		ud->c.skipped++;
		return 0;
	}
	while (!ud->stop && !sender_room(ud->snd))
		if ((ud->fatal = undo_step(ud)))
			return 1;
	if (ud->stop || *ud->signals) {
		ud->stop = true;
		ud->c.read--;
		return 1;
	}
	for (i = 0; i < ud->nslots && ud->slots[i].busy; i++)
		;
	ud->slots[i].busy = true;
	ud->slots[i].line = e->row.line;
	ud->slots[i].started_ms = clock_mono_ms();
	snprintf(ud->slots[i].id, sizeof(ud->slots[i].id), "%s", e->row.usage_id);
	buf_reset(&ud->path);
	if (buf_puts(&ud->path, "/usages/") ||
	    buf_url_encode(&ud->path, ud->slots[i].id) ||
	    sender_submit(ud->snd, i, SENDER_DELETE, buf_cstr(&ud->path), NULL, 0)) {
		ud->fatal = RB_ENOMEM;
		return 1;
	}
	return 0;
}

enum rb_status undo_run(const struct config *cfg,
                        const volatile sig_atomic_t *signals,
                        struct run_outcome *out, char *err, size_t errlen)
{
	struct undo ud;
	struct resultlog_run run = {0};
	char undo_path[OUTPUTS_PATH_MAX], started[CHECK_TIME_MAX];
	const char *log = cfg->files[0];
	int64_t t0 = clock_mono_ms();
	enum rb_status st;

	memset(&ud, 0, sizeof(ud));
	memset(out, 0, sizeof(*out));
	ud.cfg = cfg;
	ud.signals = signals;
	ud.err = err;
	ud.errlen = errlen;
	buf_init(&ud.path, 4096);
	snprintf(undo_path, sizeof(undo_path), "%s.undo.jsonl", log);
	if (cfg->log_path && strcmp(cfg->log_path, undo_path)) {
		/* import and report look for LOG.undo.jsonl only */
		fprintf(stderr,
		        "rbusage: note: --log '%s': an import or report of '%s' "
		        "will not see what this undo deletes (they read '%s'); "
		        "importing that input again would skip those rows as "
		        "created\n", cfg->log_path, log, undo_path);
		snprintf(undo_path, sizeof(undo_path), "%s", cfg->log_path);
	}
	if (!endpoint_check_base_url(cfg->base_url, err, errlen) ||
	    !endpoint_check_cacert(cfg->cacert, err, errlen)) {
		st = RB_EUSAGE;
		goto out;
	}
	if (access(log, R_OK) != 0) {
		rb_detail(err, errlen, "cannot open '%s': %s", log, strerror(errno));
		st = RB_EUSAGE;
		goto out;
	}
	/* The import's log is locked while its usages are deleted: an import
	 * (or another undo) on it now would race this one. A log that cannot
	 * be opened for writing (kept read-only) is only read. */
	st = resultlog_open_exclusive(&ud.import_lg, log, err, errlen);
	if (st == RB_EBUSY)
		goto out;
	err[0] = 0;
	if (!(ud.done = dedup_new()) || !(ud.reasons = report_reasons_new())) {
		st = RB_ENOMEM;
		goto out;
	}
	if ((st = resultlog_read(log, undo_where_cb, &ud, err, errlen)))
		goto out;
	if (ud.not_import) {
		rb_detail(err, errlen, "'%s' is not the result log of an import", log);
		st = RB_EUSAGE;
		goto out;
	}
	if (ud.wrong_place) {
		st = RB_EUSAGE;
		goto out;
	}
	if (same_file(log, undo_path)) {
		rb_detail(err, errlen, "the undo log '%s' is the import's result "
		                       "log; give --log another path (default: "
		                       "%s.undo.jsonl)", undo_path, log);
		st = RB_EUSAGE;
		goto out;
	}
	if (access(undo_path, F_OK) == 0 &&
	    (st = resultlog_read(undo_path, undo_prior_cb, &ud, err, errlen)))
		goto out;
	if (ud.undo_not_undo) {
		rb_detail(err, errlen, "'%s' is not an undo log (it holds an "
		                       "import's run); give --log another path",
		          undo_path);
		st = RB_EUSAGE;
		goto out;
	}
	if (!ud.import_runs && ud.dry_runs) {
		/* nothing to delete, and saying "usages 0" would hide why */
		rb_detail(err, errlen, "'%s' is the log of a dry run: nothing was "
		                       "sent, so there is nothing to undo", log);
		st = RB_EUSAGE;
		goto out;
	}
	if ((st = report_rows_load(log, &ud.rows, err, errlen))) {
		if (st == RB_EINPUT)
			st = RB_EUSAGE;
		goto out;
	}
	if (!(ud.snd = sender_new(cfg, err, errlen))) {
		st = RB_EUSAGE;
		goto out;
	}
	ud.nslots = cfg->concurrency;
	if (!(ud.slots = calloc(ud.nslots, sizeof(*ud.slots)))) {
		st = RB_ENOMEM;
		goto out;
	}
	if (!(ud.lg = resultlog_open(undo_path, err, errlen))) {
		st = RB_EIO;
		goto out;
	}
	timefmt_format(clock_wall_ms(), started);
	run.command = "undo";
	run.input = log;
	run.started = started;
	run.cfg = cfg;
	if ((st = resultlog_write_run(ud.lg, &run, err, errlen)))
		goto out;
	ud.in_dry = false;
	st = resultlog_read(log, undo_cb, &ud, err, errlen);
	if (!st)
		st = ud.fatal;
	while (!st && sender_busy(ud.snd)) {
		if (ud.stop)
			sender_wind_down(ud.snd, ud.stop_status != RB_OK);
		st = undo_step(&ud);
	}
	if (!st && ud.stop_status)
		st = ud.stop_status;
	if (!st && ud.stop) {
		st = RB_EINTR;
		rb_detail(err, errlen, "interrupted; run the same command again to "
		                       "resume");
	}
	if (ud.lg) {
		char serr[256];
		resultlog_write_summary(ud.lg, &ud.c, false,
		                        st == RB_EINTR || st == RB_EAUTH ||
		                                st == RB_ENET,
		                        NULL, (long)(clock_mono_ms() - t0), serr, sizeof(serr));
	}
	if (!cfg->quiet && st != RB_EUSAGE) {
		struct report_summary rs = {0};
		rs.input = log;
		rs.log_path = undo_path;
		rs.counts = &ud.c;
		rs.reasons = ud.reasons;
		rs.undo = true;
		rs.interrupted = st == RB_EINTR || st == RB_EAUTH || st == RB_ENET;
		rs.elapsed_ms = (long)(clock_mono_ms() - t0);
		report_summary(stderr, &rs);
	}
	if (ud.unknown && st != RB_EUSAGE)
		fprintf(stderr, "rbusage: cannot undo %lu row%s whose outcome is "
		                "unknown; run the import again to reconcile them "
		                "first\n",
		        ud.unknown, ud.unknown == 1 ? "" : "s");
out:
	out->counts = ud.c;
	out->interrupted = st == RB_EINTR;
	if (cfg->metrics_path && (out->files = calloc(1, sizeof(*out->files)))) {
		struct sender_stats ss;

		out->nfiles = 1;
		out->files->input = log;
		if (ud.snd)
			sender_stats(ud.snd, &ss);
		metrics_note(out->files, &ud.c, st == RB_OK,
		             (long)(clock_mono_ms() - t0), ud.snd ? &ss : NULL);
	}
	resultlog_close(ud.lg, NULL, 0);
	resultlog_close(ud.import_lg, NULL, 0);
	sender_free(ud.snd);
	dedup_free(ud.done);
	report_reasons_free(ud.reasons);
	free(ud.slots);
	buf_free(&ud.path);
	report_rows_free(ud.rows);
	return st;
}
