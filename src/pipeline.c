/* pipeline: the import loop: read, check, decide (rowstate), act. */
#include "pipeline.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sys/stat.h>

#include "buf.h"
#include "check.h"
#include "clock.h"
#include "fingerprint.h"
#include "match.h"
#include "reader.h"
#include "record.h"
#include "rejects.h"
#include "report.h"
#include "request.h"
#include "response.h"
#include "resultlog.h"
#include "resume.h"
#include "rowstate.h"
#include "sender.h"

#define PATH_BYTES 4096
#define GRACE_MS 5000        /* in-flight requests may finish after a signal */
#define PROGRESS_EVERY_MS 250    /* redraws on a terminal */
#define PROGRESS_PLAIN_MS 5000   /* lines into a file or pipe */
#define SETTLING_ROWS 1024   /* rows waiting to be looked up, beyond the
                                ones in flight: the file goes on meanwhile */
#define WHY_MAX 900

static bool ends_with(const char *s, size_t n, const char *suffix)
{
	size_t k = strlen(suffix);

	return n >= k && !strncmp(s + n - k, suffix, k);
}

void pipeline_default_paths(const char *input, enum config_format format,
                            char delimiter, char *rejects, char *log,
                            size_t len)
{
	static const char *const exts[] = {".csv", ".tsv", ".jsonl", ".ndjson"};
	const char *ext = format == CONFIG_FORMAT_JSONL ? ".jsonl"
	                  : delimiter == '\t'          ? ".tsv"
	                                               : ".csv";
	const char *base = strcmp(input, "-") ? input : "stdin";
	size_t n = strlen(base), i;

	if (ends_with(base, n, ".gz"))
		n -= 3;
	for (i = 0; i < sizeof(exts) / sizeof(exts[0]); i++)
		if (ends_with(base, n, exts[i])) {
			n -= strlen(exts[i]);
			/* keep the input's own extension when it fits the format
			 * (x.ndjson -> x.rejects.ndjson), never a wrong one */
			if ((format == CONFIG_FORMAT_JSONL) == (i >= 2))
				ext = exts[i];
			break;
		}
	snprintf(rejects, len, "%.*s.rejects%s", (int)n, base, ext);
	snprintf(log, len, "%.*s.results.jsonl", (int)n, base);
}

/* ---- the import of one file ---- */

/* A row between being read and its final line in the log. */
struct slot {
	bool used;
	struct rowstate rs;
	struct usage u;
	struct buf row;      /* the row as the reject file writes it */
	enum rowstate_action queued; /* a POST or LOOKUP waiting to go out
	                        (NOTHING: none); a row goes only while no row
	                        of the same subscription and second is out or
	                        unknown, or a lookup could not tell whose usage
	                        it found */
	bool out;            /* a request of this row is in the sender */
	unsigned long page;  /* the lookup page to ask for next */
	unsigned attempts;   /* POST requests that went out, all rounds */
	long ms;             /* the sender's time on this row, all requests */
	long http;           /* the last POST's status */
	char usage_id[128];
	struct match_stored stored;
	bool found;          /* created by a lookup, not by a 2xx */
	char why[WHY_MAX];   /* what made the outcome unknown, or the failure */
};

struct import {
	const struct config *cfg;
	const char *path;
	const volatile sig_atomic_t *signals;
	char rejects_path[PATH_BYTES];
	char log_path[PATH_BYTES];
	char fingerprint[FINGERPRINT_MAX];
	struct reader *rd;
	struct record_map *map;
	struct check_policy pol;
	struct dedup *dd;
	struct rejects *rj;
	struct resultlog *lg;
	struct sender *snd;
	struct report_reasons *reasons;
	struct resume *rs;
	struct match_pool *existing; /* --skip-existing: the server's usages */
	struct rowstate_limits lim;
	struct run_counts c;
	struct slot *slots;
	unsigned nslots, nused, nqueued;
	struct buf body;
	struct buf rowbuf;
	char stamped[CHECK_TIME_MAX];
	int64_t stamped_ms;
	int64_t resume_mono_ms; /* the log's last write on the monotonic clock */
	int64_t start_wall_ms;
	int64_t start_mono_ms;
	int64_t last_progress_ms;
	bool progress;
	bool progress_tty;  /* redraw in place; else a plain line now and then */
	bool eof;
	bool stop;          /* stop reading, send nothing new */
	bool stop_told;     /* the rows were told (ROWSTATE_EV_STOP) */
	bool abort_now;     /* auth refused, unreachable: no grace */
	bool input_failed;
	enum rb_status stop_status; /* RB_EAUTH, RB_ENET; RB_OK for a signal */
	bool output_closed; /* --emit's reader went away */
	struct metrics_input *metrics; /* this input's, or NULL */
	enum rb_status fatal;
	char *err;
	size_t errlen;
};

static enum rb_status log_slot(struct import *im, const struct usage *u,
                               enum resultlog_status status,
                               const struct slot *sl, const char *reason,
                               const char *found, long line)
{
	struct resultlog_row r = {0};
	enum rb_status st;

	r.line = line;
	r.status = status;
	r.reason = reason;
	r.ms = -1;
	r.found = found;
	if (sl) {
		r.usage_id = sl->usage_id[0] ? sl->usage_id : NULL;
		r.http = sl->http;
		r.attempts = sl->attempts;
		r.ms = sl->ms;
		if (status == RESULTLOG_CREATED) {
			r.stored_quantity = sl->stored.quantity[0]
			                            ? sl->stored.quantity
			                            : NULL;
			r.stored_usage_time = sl->stored.usage_time[0]
			                              ? sl->stored.usage_time
			                              : NULL;
		}
	}
	if (u) {
		r.subscription_id = u->subscription_id;
		r.quantity = u->quantity;
		r.usage_time = u->usage_time;
	}
	st = resultlog_write_row(im->lg, &r, im->err, im->errlen);
	if (st && !im->fatal)
		im->fatal = st;
	/* what was created, for --metrics-file: what the server stored */
	if (status == RESULTLOG_CREATED && u)
		metrics_add_quantity(im->metrics, r.stored_quantity
		                                      ? r.stored_quantity
		                                      : u->quantity);
	return st;
}

static enum rb_status reject(struct import *im, long line, const char *reason,
                             const char *body, size_t body_len,
                             const struct usage *u, enum resultlog_status status,
                             const struct slot *sl)
{
	enum rb_status st;

	st = rejects_write(im->rj, line, reason, body, body_len, im->err,
	                   im->errlen);
	if (st) {
		im->fatal = st;
		return st;
	}
	report_reasons_add(im->reasons, reason, line);
	if (status == RESULTLOG_REJECTED)
		im->c.rejected++;
	else
		im->c.refused++;
	return log_slot(im, u, status, sl, reason, NULL, line);
}

/* ---- scheduling: which rows may have a request out ---- */

static unsigned free_slot(const struct import *im)
{
	unsigned i;

	if (im->nused == im->nslots)
		return im->nslots;
	for (i = 0; i < im->nslots; i++)
		if (!im->slots[i].used)
			return i;
	return im->nslots;
}

/* Rows that a lookup could mix up: one subscription, one second. */
static bool same_second(const struct usage *a, const struct usage *b)
{
	return a->usage_time_ms / 1000 == b->usage_time_ms / 1000 &&
	       !strcmp(a->subscription_id, b->subscription_id);
}

/* Is a row that a lookup for slot i could mistake for its own out, of
 * unknown outcome, or halfway through the pages of its lookup? */
static bool second_busy(const struct import *im, unsigned i)
{
	unsigned j;

	for (j = 0; j < im->nslots; j++) {
		const struct slot *o = &im->slots[j];

		if (j != i && o->used &&
		    (o->out || o->rs.state == ROWSTATE_SETTLING ||
		     (o->rs.state == ROWSTATE_FINDING && o->page)) &&
		    same_second(&im->slots[i].u, &o->u))
			return true;
	}
	return false;
}

static void release(struct import *im, struct slot *sl)
{
	if (sl->queued != ROWSTATE_DO_NOTHING)
		im->nqueued--;
	sl->queued = ROWSTATE_DO_NOTHING;
	sl->used = false;
	im->nused--;
}

/* ---- carrying out what rowstate decides ---- */

static void act(struct import *im, unsigned i, enum rowstate_action a);

static void apply(struct import *im, unsigned i, enum rowstate_event ev,
                  int64_t now)
{
	act(im, i, rowstate_next(&im->slots[i].rs, ev, &im->lim, now, im->stop));
}

static void queue(struct import *im, struct slot *sl, enum rowstate_action a)
{
	if (sl->queued == ROWSTATE_DO_NOTHING)
		im->nqueued++;
	sl->queued = a;
	sl->page = 0;
}

static void failed_reason(const struct import *im, const struct slot *sl,
                          char *out, size_t len)
{
	const char *why = sl->why[0] ? sl->why : "interrupted before sending";

	if (!sl->rs.stored_maybe)
		snprintf(out, len, "%s; not stored", why);
	else if (!im->stop && sl->rs.posts >= im->lim.max_posts)
		snprintf(out, len,
		         "%s; gave up after %u attempts, each looked up twice and "
		         "not found; it may have been stored all the same: the next "
		         "run looks it up before it sends anything",
		         why, sl->rs.posts);
	else
		snprintf(out, len,
		         "%s; it may have been stored: the next run looks it up "
		         "before it sends anything", why);
}

static void act(struct import *im, unsigned i, enum rowstate_action a)
{
	struct slot *sl = &im->slots[i];
	const struct usage *u = &sl->u;
	char reason[WHY_MAX + 200];

	switch (a) {
	case ROWSTATE_DO_NOTHING:
	case ROWSTATE_DO_SETTLE:
		return; /* a request or the settle timer reports */
	case ROWSTATE_DO_POST:
	case ROWSTATE_DO_LOOKUP:
		queue(im, sl, a);
		return;
	case ROWSTATE_DO_CREATED:
		im->c.created++;
		if (sl->found)
			im->c.reconciled++;
		log_slot(im, u, RESULTLOG_CREATED, sl, NULL,
		         sl->found ? "reconciled: found with GET /usages" : NULL,
		         u->line);
		break;
	case ROWSTATE_DO_CREATED_NOID:
		im->c.created++;
		log_slot(im, u, RESULTLOG_CREATED, sl,
		         "the server answered 2xx without a usage id and GET "
		         "/usages does not list it; it is stored, but undo cannot "
		         "delete it",
		         "2xx without an id", u->line);
		break;
	case ROWSTATE_DO_REFUSED:
		if (sl->rs.stored_maybe)
			snprintf(reason, sizeof(reason),
			         "%s (an earlier POST of this row may have been "
			         "stored: check before sending it again)", sl->why);
		else
			snprintf(reason, sizeof(reason), "%s", sl->why);
		reject(im, u->line, reason, sl->row.data, sl->row.len, u,
		       RESULTLOG_REFUSED, sl);
		break;
	case ROWSTATE_DO_FAILED:
		im->c.failed++;
		failed_reason(im, sl, reason, sizeof(reason));
		log_slot(im, u, RESULTLOG_FAILED, sl, reason, NULL, u->line);
		break;
	case ROWSTATE_DO_INVALID:
		/* A bug: stop before anything else goes out. The row's pending
		 * line makes the next run look it up first. */
		rb_detail(im->err, im->errlen,
		          "internal error: row %ld in state %s got an event it "
		          "cannot take; stopping", u->line,
		          rowstate_state_name(sl->rs.state));
		if (!im->fatal)
			im->fatal = RB_EIO;
		im->c.failed++;
		break;
	}
	release(im, sl);
}

/* ---- requests ---- */

static enum rb_status submit_lookup(struct import *im, unsigned i)
{
	struct slot *sl = &im->slots[i];
	enum rb_status st;

	if ((st = request_lookup_path(&im->body, &sl->u, sl->page)))
		return st;
	sl->out = true;
	return sender_submit(im->snd, i, SENDER_GET, buf_cstr(&im->body), NULL,
	                     0);
}

static enum rb_status submit_post(struct import *im, unsigned i)
{
	struct slot *sl = &im->slots[i];
	enum rb_status st;

	if ((st = request_usage_body(&im->body, &sl->u)))
		return st;
	sl->out = true;
	return sender_submit(im->snd, i, SENDER_POST, "/usages", im->body.data,
	                     im->body.len);
}

/* Sends what is queued, as far as the sender has room and no row of the
 * same second is out or unknown. Every POST's pending line is written and
 * made durable (one fdatasync for the batch) before the POST leaves: a
 * power cut must not hide a request that went out. */
static enum rb_status dispatch(struct import *im)
{
	unsigned i, room = sender_room(im->snd), n = 0;
	unsigned go[256];
	enum rb_status st;

	if (!im->nqueued || !room)
		return RB_OK;
	for (i = 0; i < im->nslots && n < room && n < 256; i++) {
		struct slot *sl = &im->slots[i];

		if (!sl->used || sl->queued == ROWSTATE_DO_NOTHING ||
		    second_busy(im, i))
			continue;
		if (sl->queued == ROWSTATE_DO_POST &&
		    log_slot(im, &sl->u, RESULTLOG_PENDING, NULL, NULL, NULL,
		             sl->u.line))
			return im->fatal;
		sl->out = true; /* holds the second from here on */
		go[n++] = i;
	}
	if (!n)
		return RB_OK;
	if ((st = resultlog_sync(im->lg, im->err, im->errlen))) {
		im->fatal = st;
		return st;
	}
	for (i = 0; i < n; i++) {
		struct slot *sl = &im->slots[go[i]];
		enum rowstate_action a = sl->queued;

		sl->queued = ROWSTATE_DO_NOTHING;
		im->nqueued--;
		st = a == ROWSTATE_DO_POST ? submit_post(im, go[i])
		                           : submit_lookup(im, go[i]);
		if (st)
			return st;
	}
	return RB_OK;
}

/* Settle timers that have come due: look the rows up now. */
static int64_t fire_due(struct import *im, int64_t now)
{
	int64_t next = -1;
	unsigned i;

	for (i = 0; i < im->nslots; i++) {
		struct slot *sl = &im->slots[i];

		if (!sl->used || sl->rs.state != ROWSTATE_SETTLING)
			continue;
		if (sl->rs.due_ms <= now)
			apply(im, i, ROWSTATE_EV_SETTLED, now);
		else if (next < 0 || sl->rs.due_ms < next)
			next = sl->rs.due_ms;
	}
	return next;
}

/* ---- answers ---- */

struct find_ctx {
	struct import *im;
	struct slot *sl;
	unsigned long n;     /* usages on the page */
	bool found;
	bool oom;
};

static int find_cb(void *ctx, const struct response_usage *ru)
{
	struct find_ctx *fc = ctx;
	struct match_stored stored;
	int claimed;

	fc->n++;
	if (fc->found || !match_usage(&fc->sl->u, ru, &stored))
		return 0;
	/* A usage another row of this log created (or found) is not ours. */
	claimed = resume_claim(fc->im->rs, ru->id);
	if (claimed < 0) {
		fc->oom = true;
		return 1;
	}
	if (claimed)
		return 0;
	fc->found = true;
	fc->sl->found = true;
	fc->sl->stored = stored;
	snprintf(fc->sl->usage_id, sizeof(fc->sl->usage_id), "%s", ru->id);
	return 0; /* count the rest of the page */
}

static enum rowstate_event lookup_event(struct import *im, unsigned i,
                                        const struct sender_result *res)
{
	struct slot *sl = &im->slots[i];
	struct find_ctx fc = {im, sl, 0, false, false};
	char why[400];
	unsigned long next;

	if (res->outcome != SENDER_DONE) {
		snprintf(why, sizeof(why), "%.300s", res->reason);
		goto failed;
	}
	if (response_usage_list(res->body, res->body_len, find_cb, &fc, why,
	                        sizeof(why))) {
		snprintf(why, sizeof(why), "an unreadable reply");
		goto failed;
	}
	if (fc.oom) {
		im->fatal = RB_ENOMEM;
		snprintf(why, sizeof(why), "out of memory");
		goto failed;
	}
	if (fc.found)
		return ROWSTATE_EV_FOUND;
	if (request_next_page(sl->page, fc.n, res->page_total, &next)) {
		/* every page, never just the first */
		sl->page = next;
		im->nqueued++;
		sl->queued = ROWSTATE_DO_LOOKUP;
		return ROWSTATE_EV_COUNT; /* no event yet */
	}
	return ROWSTATE_EV_NOT_FOUND;
failed:
	{
		char was[WHY_MAX];

		snprintf(was, sizeof(was), "%s", sl->why);
		snprintf(sl->why, sizeof(sl->why),
		         "outcome unknown (%.400s) and looking it up failed "
		         "(%.300s)", was, why);
	}
	return ROWSTATE_EV_LOOKUP_FAILED;
}

/* A reason to stop the whole run, said once. */
static void stop_run(struct import *im, enum rb_status why, const char *msg)
{
	if (!im->stop_status) {
		im->stop_status = why;
		rb_detail(im->err, im->errlen, "%s", msg);
	}
	im->stop = true;
	im->abort_now = true;
}

/* 401/403, an untrusted server, an unreachable API: no row can get
 * through, so the run stops rather than fail row by row. */
static void stop_for(struct import *im, const struct sender_result *res)
{
	char msg[1200];

	if (res->outcome == SENDER_AUTH)
		snprintf(msg, sizeof(msg),
		         "the server refused our credentials (%.1000s); stopping "
		         "before more requests go out", res->reason);
	else if (res->outcome == SENDER_STOP)
		snprintf(msg, sizeof(msg),
		         "cannot go on: %.1000s; stopping before more requests go "
		         "out", res->reason);
	else
		snprintf(msg, sizeof(msg),
		         "%.1000s; stopping (run the same command again once the "
		         "API can be reached)", res->reason);
	stop_run(im, res->outcome == SENDER_UNREACHABLE ? RB_ENET : RB_EAUTH, msg);
}

static enum rowstate_event post_event(struct import *im, unsigned i,
                                      const struct sender_result *res)
{
	struct slot *sl = &im->slots[i];
	struct response_usage ru;

	sl->attempts += res->attempts;
	sl->http = res->http;
	snprintf(sl->why, sizeof(sl->why), "%.800s", res->reason);
	switch (res->outcome) {
	case SENDER_DONE:
		snprintf(sl->usage_id, sizeof(sl->usage_id), "%s", res->usage_id);
		/* what the server stored is what counts */
		memset(&sl->stored, 0, sizeof(sl->stored));
		if (response_usage_one(res->body, res->body_len, &ru) &&
		    !strcmp(ru.subscription_id, sl->u.subscription_id))
			(void)match_usage(&sl->u, &ru, &sl->stored);
		if (resume_claim(im->rs, sl->usage_id) < 0)
			im->fatal = RB_ENOMEM;
		return ROWSTATE_EV_POST_2XX;
	case SENDER_REFUSED:
		return ROWSTATE_EV_POST_4XX;
	case SENDER_FAILED:
		return ROWSTATE_EV_POST_UNSENT;
	case SENDER_UNKNOWN:
		if (res->http >= 200 && res->http < 300)
			return ROWSTATE_EV_POST_2XX_NOID;
		return res->http >= 500 ? ROWSTATE_EV_POST_5XX
		                        : ROWSTATE_EV_POST_LOST;
	case SENDER_AUTH:
	case SENDER_STOP:
	case SENDER_UNREACHABLE:
		stop_for(im, res);
		return res->outcome == SENDER_UNREACHABLE ? ROWSTATE_EV_POST_UNSENT
		                                          : ROWSTATE_EV_POST_AUTH;
	}
	return ROWSTATE_EV_POST_UNSENT;
}

static void handle_result(struct import *im, const struct sender_result *res)
{
	unsigned i = (unsigned)res->tag;
	struct slot *sl = &im->slots[i];
	enum rowstate_event ev;

	sl->out = false;
	sl->ms += res->ms;
	if (sl->rs.state == ROWSTATE_FINDING) {
		if (res->outcome == SENDER_AUTH || res->outcome == SENDER_STOP ||
		    res->outcome == SENDER_UNREACHABLE)
			stop_for(im, res);
		ev = lookup_event(im, i, res);
		if (ev == ROWSTATE_EV_COUNT)
			return; /* the next page is queued */
	} else {
		ev = post_event(im, i, res);
	}
	apply(im, i, ev, clock_mono_ms());
}

/* The run winds down: nothing new goes out. Rows whose request was only
 * queued never sent it; the others hear STOP and end when what they have
 * out reports. */
static void tell_stop(struct import *im)
{
	int64_t now = clock_mono_ms();
	unsigned i;

	im->stop_told = true;
	for (i = 0; i < im->nslots; i++) {
		struct slot *sl = &im->slots[i];
		enum rowstate_action q = sl->queued;

		if (!sl->used)
			continue;
		if (q != ROWSTATE_DO_NOTHING) {
			sl->queued = ROWSTATE_DO_NOTHING;
			im->nqueued--;
			if (!sl->why[0] || q == ROWSTATE_DO_POST)
				snprintf(sl->why, sizeof(sl->why),
				         "interrupted before sending");
			apply(im, i, q == ROWSTATE_DO_POST
			                     ? ROWSTATE_EV_POST_UNSENT
			                     : ROWSTATE_EV_LOOKUP_FAILED,
			      now);
			continue;
		}
		if (sl->rs.state == ROWSTATE_SETTLING) {
			char was[WHY_MAX];

			snprintf(was, sizeof(was), "%s", sl->why);
			snprintf(sl->why, sizeof(sl->why),
			         "interrupted while its outcome was unknown (%.800s)",
			         was);
		}
		apply(im, i, ROWSTATE_EV_STOP, now);
	}
}

/* ---- reading ---- */

/* --shard K/N: the row's trimmed subscriptionId text (valid or not), FNV-1a
 * 64, modulo N, is shard K-1. Rows without one (missing, null or empty) and
 * unreadable rows go to shard 1, so every row is reported by exactly one
 * process. */
static uint64_t fnv1a(const char *s, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	size_t i;

	for (i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

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
	return fnv1a(s, n) % cfg->shard_n == cfg->shard_k - 1;
}

/* Checks a row: 0 with *u filled, 1 when another shard's, -1 rejected with
 * why set. */
static int check_row(struct import *im, const struct reader_row *row,
                     struct usage *u, char *why, size_t whylen)
{
	struct record rec;
	int seen;

	if (row->error || record_from_row(im->map, row, &rec, why, whylen)) {
		if (row->error)
			snprintf(why, whylen, "%s", row->error);
		return im->cfg->shard_n && im->cfg->shard_k != 1 ? 1 : -1;
	}
	if (!in_shard(im->cfg, &rec))
		return 1;
	if (check_record(&im->pol, &rec, im->start_wall_ms, u, why, whylen))
		return -1;
	if (!u->usage_time[0]) {
		memcpy(u->usage_time, im->stamped, sizeof(u->usage_time));
		u->usage_time_ms = im->stamped_ms;
	}
	if (im->dd && (seen = dedup_seen(im->dd, u)) != 0) {
		if (seen < 0) {
			im->fatal = RB_ENOMEM;
			return -1;
		}
		snprintf(why, whylen,
		         "repeats an earlier row with the same subscriptionId, "
		         "usageTime and quantity; pass --allow-duplicates if both are "
		         "meant");
		return -1;
	}
	return 0;
}

static enum rb_status emit_body(struct import *im, const struct usage *u)
{
	enum rb_status st = request_usage_body(&im->body, u);

	if (!st)
		st = buf_putc(&im->body, '\n');
	if (st)
		return st;
	if (fwrite(im->body.data, 1, im->body.len, stdout) != im->body.len) {
		if (errno == EPIPE) {
			/* | head: the reader has what it wanted; stop quietly,
			 * like any filter (exit 3: not every row was checked) */
			im->stop = im->output_closed = true;
			return RB_OK;
		}
		rb_detail(im->err, im->errlen, "cannot write to stdout: %s",
		          strerror(errno));
		return RB_EIO;
	}
	return RB_OK;
}

/* One row from the reader: reject it, count it, skip it, or give it a slot. */
static enum rb_status take_row(struct import *im, const struct reader_row *row)
{
	struct usage u;
	struct slot *sl;
	char why[512];
	unsigned i;
	int r;

	r = check_row(im, row, &u, why, sizeof(why));
	if (im->fatal)
		return im->fatal;
	if (r > 0) {
		im->c.other_shard++;
		return RB_OK;
	}
	im->c.read++;
	if (r < 0) {
		if (rejects_format_row(im->rj, row, &im->rowbuf))
			buf_reset(&im->rowbuf);
		return reject(im, row->line, why, im->rowbuf.data, im->rowbuf.len,
		              NULL, RESULTLOG_REJECTED, NULL);
	}
	im->c.valid++;
	if (im->cfg->dry_run)
		return im->cfg->emit ? emit_body(im, &u) : RB_OK;

	switch (resume_take(im->rs, row->line, &u)) {
	case RESUME_CREATED:
		im->c.skipped++;
		return log_slot(im, &u, RESULTLOG_SKIPPED, NULL, NULL,
		                "created by an earlier run", row->line);
	case RESUME_UNKNOWN:
		r = 1;
		break;
	case RESUME_SEND:
		r = 0;
		break;
	}
	if (!r && im->existing) {
		struct slot tmp = {0};
		int k = match_pool_take(im->existing, &u, tmp.usage_id,
		                        sizeof(tmp.usage_id));

		tmp.ms = -1;
		if (k > 0) {
			im->c.skipped++;
			return log_slot(im, &u, RESULTLOG_SKIPPED, &tmp, NULL,
			                "already on the server (--skip-existing)",
			                row->line);
		}
	}
	i = free_slot(im);
	if (i == im->nslots)
		return RB_ENOMEM; /* cannot happen: rows are read only with room */
	sl = &im->slots[i];
	sl->used = true;
	im->nused++;
	rowstate_init(&sl->rs);
	sl->u = u;
	sl->queued = ROWSTATE_DO_NOTHING;
	sl->out = false;
	sl->page = 0;
	sl->attempts = 0;
	sl->ms = 0;
	sl->http = 0;
	sl->usage_id[0] = 0;
	sl->why[0] = 0;
	sl->found = false;
	memset(&sl->stored, 0, sizeof(sl->stored));
	if (rejects_format_row(im->rj, row, &sl->row))
		buf_reset(&sl->row);
	if (r) {
		/* An earlier run sent it and never learned the outcome: it may
		 * have been committed up to the log's last write. */
		snprintf(sl->why, sizeof(sl->why),
		         "an earlier run sent it and never learned the outcome");
		apply(im, i, ROWSTATE_EV_RESUME, im->resume_mono_ms);
	} else {
		apply(im, i, ROWSTATE_EV_START, clock_mono_ms());
	}
	return RB_OK;
}

static void show_progress(struct import *im, bool force)
{
	int64_t now;
	uint64_t consumed;
	int64_t total;

	if (!im->progress)
		return;
	now = clock_mono_ms();
	if (!force && now - im->last_progress_ms <
	                  (im->progress_tty ? PROGRESS_EVERY_MS : PROGRESS_PLAIN_MS))
		return;
	im->last_progress_ms = now;
	reader_progress(im->rd, &consumed, &total);
	report_progress(stderr, &im->c, consumed, total,
	                (long)(now - im->start_mono_ms), im->progress_tty);
}

/* Reads and takes rows while a new one could get a request out. */
static enum rb_status read_rows(struct import *im)
{
	struct reader_row row;
	enum rb_status st;
	unsigned n = 0;

	while (!im->eof && !im->stop) {
		if (!im->cfg->dry_run &&
		    (im->nused == im->nslots ||
		     im->nqueued >= sender_room(im->snd)))
			break;
		st = reader_next(im->rd, &row, im->err, im->errlen);
		if (st == RB_END) {
			im->eof = true;
			break;
		}
		if (st) {
			/* The input ended early (truncated gzip, read error): the rows
			 * so far count; the message says where it stopped. */
			im->eof = true;
			im->input_failed = true;
			return RB_OK;
		}
		if ((st = take_row(im, &row)))
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

/* ---- --skip-existing: what the server already holds ---- */

/* The usageTime window of the rows this run would send: a first pass over
 * the input (a file, never a stream: preflight refuses one). */
static enum rb_status file_window(struct import *im, int64_t *lo, int64_t *hi,
                                  bool *any)
{
	struct reader *rd = NULL;
	struct record_map *map = NULL;
	struct reader_row row;
	struct record rec;
	struct usage u;
	char why[512];
	enum rb_status st;

	*any = false;
	if ((st = reader_open(&rd, im->path, im->cfg, im->err, im->errlen)))
		return st;
	if (!(map = record_map_new(im->cfg))) {
		st = RB_ENOMEM;
		goto out;
	}
	if (reader_format(rd) == CONFIG_FORMAT_CSV) {
		size_t nhdr;
		const struct reader_field *hdr = reader_header(rd, &nhdr);

		if (record_map_header(map, hdr, nhdr, why, sizeof(why)))
			goto out; /* no rows will be sent */
	}
	while ((st = reader_next(rd, &row, im->err, im->errlen)) == RB_OK) {
		if (row.error || record_from_row(map, &row, &rec, why, sizeof(why)) ||
		    !in_shard(im->cfg, &rec) ||
		    check_record(&im->pol, &rec, im->start_wall_ms, &u, why,
		                 sizeof(why)))
			continue;
		if (!u.usage_time[0])
			u.usage_time_ms = im->stamped_ms;
		if (!*any || u.usage_time_ms < *lo)
			*lo = u.usage_time_ms;
		if (!*any || u.usage_time_ms > *hi)
			*hi = u.usage_time_ms;
		*any = true;
	}
	st = st == RB_END ? RB_OK : st;
out:
	record_map_free(map);
	reader_free(rd);
	return st;
}

struct pool_ctx {
	struct match_pool *pool;
	struct resume *rs;
	unsigned long n;
	bool oom;
};

static int pool_cb(void *ctx, const struct response_usage *ru)
{
	struct pool_ctx *pc = ctx;
	int claimed;

	pc->n++;
	/* a usage this log already accounts for is no other row's */
	claimed = resume_claim(pc->rs, ru->id);
	if (claimed < 0 || (!claimed && match_pool_add(pc->pool, ru) < 0)) {
		pc->oom = true;
		return 1;
	}
	return 0;
}

/* Lists the file's window on the server, every page. */
static enum rb_status load_existing(struct import *im)
{
	struct sender_result res;
	struct pool_ctx pc = {0};
	unsigned long page = 0, next;
	int64_t lo = 0, hi = 0;
	enum rb_status st;
	bool any, have;
	char why[300];

	if ((st = file_window(im, &lo, &hi, &any)) || !any)
		return st;
	if (!(im->existing = match_pool_new()))
		return RB_ENOMEM;
	pc.pool = im->existing;
	pc.rs = im->rs;
	for (;;) {
		if ((st = request_window_path(&im->body, lo, hi, page)) ||
		    (st = sender_submit(im->snd, 0, SENDER_GET, buf_cstr(&im->body),
		                        NULL, 0)))
			return st;
		do {
			if (*im->signals) {
				sender_abort(im->snd);
				rb_detail(im->err, im->errlen,
				          "interrupted; nothing was sent");
				return RB_EINTR;
			}
			st = sender_next(im->snd, 100, &res, &have, im->err,
			                 im->errlen);
			if (st)
				return st;
		} while (!have);
		if (res.outcome != SENDER_DONE) {
			rb_detail(im->err, im->errlen,
			          "--skip-existing: cannot list the usages already on "
			          "the server: %s; nothing was sent", res.reason);
			return res.outcome == SENDER_AUTH ? RB_EAUTH : RB_ENET;
		}
		pc.n = 0;
		if (response_usage_list(res.body, res.body_len, pool_cb, &pc, why,
		                        sizeof(why))) {
			rb_detail(im->err, im->errlen,
			          "--skip-existing: unreadable list of usages (%s); "
			          "nothing was sent", why);
			return RB_ENET;
		}
		if (pc.oom)
			return RB_ENOMEM;
		if (!request_next_page(page, pc.n, res.page_total, &next))
			break;
		page = next;
	}
	return RB_OK;
}

/* ---- the loop ---- */

static enum rb_status send_loop(struct import *im)
{
	struct sender_result res;
	int64_t grace_until = 0, now, due;
	bool have, aborted = false;
	enum rb_status st;
	int wait;

	for (;;) {
		if (*im->signals && !im->stop)
			im->stop = true;
		if (im->stop && !im->stop_told) {
			grace_until = clock_mono_ms() + GRACE_MS;
			tell_stop(im);
		}
		if (im->fatal)
			return im->fatal;
		now = clock_mono_ms();
		due = fire_due(im, now);
		if ((st = read_rows(im)) || (st = dispatch(im)))
			return st;
		if (im->stop && !im->stop_told)
			continue;
		if ((im->eof || im->stop) && !im->nused)
			break;
		if (!aborted && im->stop &&
		    (im->abort_now || *im->signals > 1 ||
		     clock_mono_ms() > grace_until)) {
			sender_abort(im->snd);
			aborted = true;
		}
		wait = 100;
		if (due >= 0 && due - now < wait)
			wait = due > now ? (int)(due - now) : 0;
		/* every result that is ready, then one dispatch: the rows it
		 * frees go out as one batch behind one fdatasync */
		do {
			st = sender_next(im->snd, wait, &res, &have, im->err,
			                 im->errlen);
			if (st)
				return st;
			if (have)
				handle_result(im, &res);
			if (im->fatal)
				return im->fatal;
			wait = 0;
		} while (have);
		show_progress(im, false);
	}
	return RB_OK;
}

static void import_free(struct import *im)
{
	unsigned i;

	reader_free(im->rd);
	record_map_free(im->map);
	dedup_free(im->dd);
	rejects_close(im->rj, NULL, 0);
	resultlog_close(im->lg, NULL, 0);
	sender_free(im->snd);
	report_reasons_free(im->reasons);
	resume_free(im->rs);
	match_pool_free(im->existing);
	for (i = 0; i < im->nslots; i++)
		buf_free(&im->slots[i].row);
	free(im->slots);
	buf_free(&im->body);
	buf_free(&im->rowbuf);
}

static enum rb_status open_input(const struct config *cfg, const char *path,
                                 struct reader **rd, struct record_map **map,
                                 char *err, size_t errlen)
{
	const struct reader_field *hdr;
	size_t nhdr;
	char why[512];
	enum rb_status st;

	*map = NULL;
	if ((st = reader_open(rd, path, cfg, err, errlen)))
		return st == RB_ENOMEM ? st : RB_EUSAGE;
	*map = record_map_new(cfg);
	if (!*map) {
		rb_detail(err, errlen, "out of memory");
		return RB_ENOMEM;
	}
	hdr = reader_header(*rd, &nhdr);
	if (reader_format(*rd) == CONFIG_FORMAT_CSV && nhdr == 0) {
		/* An export always has its header, even with no rows: an empty
		 * file is an export that failed, not a quiet night. */
		rb_detail(err, errlen, "%s: no header line (the file is empty)",
		          path);
		return RB_EINPUT;
	}
	if (reader_format(*rd) == CONFIG_FORMAT_CSV &&
	    record_map_header(*map, hdr, nhdr, why, sizeof(why))) {
		rb_detail(err, errlen, "%s: %s", path, why);
		return RB_EINPUT;
	}
	return RB_OK;
}

/* The CSV delimiter the reader uses for path (0 when it is ','). */
static char input_delimiter(const struct config *cfg, const char *path)
{
	size_t n = strlen(path);

	if (cfg->delimiter)
		return cfg->delimiter;
	return ends_with(path, n, ".tsv") || ends_with(path, n, ".tsv.gz") ? '\t'
	                                                                   : 0;
}

static void paths_for(const struct config *cfg, const char *path,
                      enum config_format fmt, char *rejects, char *log)
{
	pipeline_default_paths(path, fmt, input_delimiter(cfg, path), rejects, log,
	                       PATH_BYTES);
	if (cfg->rejects_path)
		snprintf(rejects, PATH_BYTES, "%s", cfg->rejects_path);
	if (cfg->log_path)
		snprintf(log, PATH_BYTES, "%s", cfg->log_path);
}

/* Opens the result log (locked, unless a dry run), and what it says to
 * resume; the stamped time for rows without usageTime. */
static enum rb_status open_log(struct import *im)
{
	const struct config *cfg = im->cfg;
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
	                      cfg->restart, &im->rs, im->err, im->errlen)))
		return st;
	stamped = resume_stamped(im->rs);
	if (stamped[0] &&
	    !check_parse_time_arg(stamped, &im->stamped_ms, im->err, im->errlen))
		snprintf(im->stamped, sizeof(im->stamped), "%s", stamped);
	/* the log's last write on the monotonic clock */
	im->resume_mono_ms = clock_mono_ms() -
	                     (clock_wall_ms() - resume_last_write_ms(im->rs));
	if (im->resume_mono_ms > clock_mono_ms())
		im->resume_mono_ms = clock_mono_ms();
	return RB_OK;
}

static enum rb_status start_sending(struct import *im)
{
	const struct config *cfg = im->cfg;
	unsigned i;

	im->snd = sender_new(cfg, im->err, im->errlen);
	if (!im->snd)
		return RB_EUSAGE;
	im->lim.max_posts = cfg->retries + 1;
	im->lim.lookups = 2;
	/* a 2xx that named no usage: look --retries + 1 times (at least 2) */
	im->lim.stored_lookups = cfg->retries + 1 > 2 ? cfg->retries + 1 : 2;
	im->lim.settle_ms = cfg->settle_ms;
	im->nslots = cfg->concurrency + SETTLING_ROWS;
	im->slots = calloc(im->nslots, sizeof(*im->slots));
	if (!im->slots)
		return RB_ENOMEM;
	for (i = 0; i < im->nslots; i++)
		buf_init(&im->slots[i].row, 4 * READER_MAX_RECORD);
	return RB_OK;
}

/* The input's part of --metrics-file, when the run ends. */
static void note_metrics(struct import *im, enum rb_status st)
{
	struct metrics_input *mi = im->metrics;
	struct sender_stats ss;
	size_t k;

	if (!mi)
		return;
	mi->started = true;
	mi->finished = st == RB_OK && !im->input_failed && !im->stop;
	mi->counts = im->c;
	mi->duration_ms = (long)(clock_mono_ms() - im->start_mono_ms);
	if (im->snd) {
		sender_stats(im->snd, &ss);
		for (k = 0; k < METRICS_HTTP_CODES && k < SENDER_HTTP_CODES; k++)
			mi->requests[k] = ss.replies[k];
		mi->pauses = ss.pauses;
	}
}

static enum rb_status import_file(const struct config *cfg, const char *path,
                                  const volatile sig_atomic_t *signals,
                                  struct pipeline_outcome *out,
                                  struct metrics_input *metrics, char *err,
                                  size_t errlen)
{
	struct import im;
	struct resultlog_run run = {0};
	const struct reader_field *hdr;
	char started[CHECK_TIME_MAX];
	size_t nhdr;
	enum rb_status st;
	enum config_format fmt;

	memset(&im, 0, sizeof(im));
	im.cfg = cfg;
	im.path = path;
	im.metrics = metrics;
	im.signals = signals;
	im.err = err;
	im.errlen = errlen;
	im.start_wall_ms = clock_wall_ms();
	im.start_mono_ms = im.last_progress_ms = clock_mono_ms();
	im.progress_tty = isatty(2);
	im.progress = !cfg->quiet && cfg->progress != CONFIG_PROGRESS_OFF &&
	              (cfg->progress == CONFIG_PROGRESS_ON || im.progress_tty);
	buf_init(&im.body, 4 * READER_MAX_RECORD);
	buf_init(&im.rowbuf, 4 * READER_MAX_RECORD);
	check_policy_from_config(&im.pol, cfg);
	/* Rows without usageTime get this run's start, or the first run's on a
	 * resume, so a re-sent row is the same record and can be found again. */
	im.stamped_ms = im.start_wall_ms / 1000 * 1000;
	check_format_time(im.stamped_ms, im.stamped);
	check_format_time(im.start_wall_ms, started);

	if ((st = open_input(cfg, path, &im.rd, &im.map, err, errlen)))
		goto out;
	fmt = reader_format(im.rd);
	paths_for(cfg, path, fmt, im.rejects_path, im.log_path);
	if ((st = open_log(&im)))
		goto out;
	if (!cfg->allow_duplicates && !(im.dd = dedup_new())) {
		st = RB_ENOMEM;
		goto out;
	}
	im.reasons = report_reasons_new();
	if (!im.reasons) {
		st = RB_ENOMEM;
		goto out;
	}
	hdr = reader_header(im.rd, &nhdr);
	im.rj = rejects_open(im.rejects_path, fmt, input_delimiter(cfg, path),
	                     reader_encoding(im.rd), hdr, nhdr, err, errlen);
	if (!im.rj) {
		st = RB_EIO;
		goto out;
	}
	run.command = "import";
	run.input = path;
	run.fingerprint = im.fingerprint[0] ? im.fingerprint : NULL;
	run.format = fmt == CONFIG_FORMAT_CSV ? "csv" : "jsonl";
	run.stamped_time = im.stamped;
	run.started = started;
	run.cfg = cfg;
	if ((st = resultlog_write_run(im.lg, &run, err, errlen)))
		goto out;

	if (cfg->dry_run) {
		while (!im.eof && !im.stop && !st) {
			st = read_rows(&im);
			if (*signals)
				im.stop = true;
		}
	} else {
		st = start_sending(&im);
		if (!st && cfg->skip_existing)
			st = load_existing(&im);
		if (!st)
			st = send_loop(&im);
	}
	if (im.progress && im.progress_tty) {
		show_progress(&im, true);
		report_progress_clear(stderr);
	}
	if (!cfg->dry_run) {
		/* A stop on a fatal error (a log that cannot be written) leaves
		 * rows with no outcome: they count as failed, so the books still
		 * add up; their pending lines make the next run look them up
		 * before it sends anything. */
		unsigned long settled = im.c.created + im.c.rejected + im.c.refused +
		                        im.c.failed + im.c.skipped;
		if (im.c.read > settled) {
			fprintf(stderr,
			        "rbusage: %lu rows were in flight when the run stopped; "
			        "the next run looks them up before sending\n",
			        im.c.read - settled);
			im.c.failed += im.c.read - settled;
		}
	}
	if (st == RB_OK && im.stop_status)
		st = im.stop_status;
	if (st == RB_OK && im.stop) {
		st = RB_EINTR;
		if (im.output_closed)
			err[0] = 0; /* --emit | head: quiet, as filters are */
		else
			rb_detail(err, errlen, "interrupted; run the same command "
			                       "again to resume");
	}
	{
		char serr[512];
		bool cut = st == RB_EINTR || st == RB_EAUTH || st == RB_ENET;
		enum rb_status s2 = resultlog_write_summary(
			im.lg, &im.c, cfg->dry_run, cut,
			(long)(clock_mono_ms() - im.start_mono_ms), serr, sizeof(serr));
		if (!st && s2) {
			st = s2;
			rb_detail(err, errlen, "%s", serr);
		}
		s2 = rejects_close(im.rj, serr, sizeof(serr));
		im.rj = NULL;
		if (!st && s2) {
			st = s2;
			rb_detail(err, errlen, "%s", serr);
		}
	}
	{
		struct report_summary rs = {0};
		rs.input = path;
		rs.rejects_path = im.c.rejected + im.c.refused ? im.rejects_path : NULL;
		rs.log_path = im.log_path;
		rs.counts = &im.c;
		rs.reasons = im.reasons;
		rs.dry_run = cfg->dry_run;
		rs.interrupted = st == RB_EINTR || st == RB_EAUTH || st == RB_ENET;
		rs.elapsed_ms = (long)(clock_mono_ms() - im.start_mono_ms);
		if (!cfg->quiet && !im.output_closed)
			report_summary(stderr, &rs);
	}
	if (im.input_failed) {
		out->input_failed = true;
		fprintf(stderr, "rbusage: %s\n", err);
		err[0] = 0;
	}
out:
	out->counts.read += im.c.read;
	out->counts.valid += im.c.valid;
	out->counts.created += im.c.created;
	out->counts.rejected += im.c.rejected;
	out->counts.refused += im.c.refused;
	out->counts.failed += im.c.failed;
	out->counts.skipped += im.c.skipped;
	out->counts.other_shard += im.c.other_shard;
	out->counts.reconciled += im.c.reconciled;
	if (st == RB_EINTR)
		out->interrupted = true;
	note_metrics(&im, st);
	import_free(&im);
	return st;
}

/* A FIFO, socket or character device: it can be read only once. */
static bool is_stream(const char *path)
{
	struct stat sb;

	return stat(path, &sb) == 0 && (S_ISFIFO(sb.st_mode) ||
	                                S_ISCHR(sb.st_mode) || S_ISSOCK(sb.st_mode));
}

/* Does path name the same file as one of the inputs? */
static const char *same_as_input(const struct config *cfg, const char *path)
{
	struct stat a, b;
	size_t i;

	if (stat(path, &a) != 0)
		return NULL; /* not there yet: cannot be an input */
	for (i = 0; i < cfg->nfiles; i++)
		if (strcmp(cfg->files[i], "-") && stat(cfg->files[i], &b) == 0 &&
		    a.st_dev == b.st_dev && a.st_ino == b.st_ino)
			return cfg->files[i];
	return NULL;
}

/* The reject file and the log are written while the inputs are read: one
 * that is an input would be truncated, removed, or read back without end. */
static enum rb_status outputs_apart(const struct config *cfg, const char *rej,
                                    const char *log, char *err, size_t errlen)
{
	const char *in;

	if ((in = same_as_input(cfg, rej))) {
		rb_detail(err, errlen,
		          "the reject file '%s' is the input '%s'; give --rejects "
		          "another path (a fixed reject file is read, not rewritten)",
		          rej, in);
		return RB_EUSAGE;
	}
	if ((in = same_as_input(cfg, log))) {
		rb_detail(err, errlen,
		          "the result log '%s' is the input '%s'; give --log another "
		          "path", log, in);
		return RB_EUSAGE;
	}
	if (!strcmp(rej, log)) {
		rb_detail(err, errlen,
		          "the reject file and the result log are both '%s'", log);
		return RB_EUSAGE;
	}
	return RB_OK;
}

/* Can path be written (appended to, or created)? Probes without changing
 * anything: an existing file is opened for appending and closed; a missing
 * one is created and removed again. */
static enum rb_status can_write(const char *what, const char *path, char *err,
                                size_t errlen)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);

	if (fd >= 0) {
		close(fd);
		unlink(path);
		return RB_OK;
	}
	if (errno == EEXIST &&
	    (fd = open(path, O_WRONLY | O_APPEND | O_NONBLOCK | O_CLOEXEC)) >= 0) {
		close(fd);
		return RB_OK;
	}
	rb_detail(err, errlen, "cannot write the %s '%s': %s",
	          what, path, strerror(errno));
	return RB_EUSAGE;
}

static enum rb_status outputs_ok(const struct config *cfg, const char *rej,
                                 const char *log, char *err, size_t errlen)
{
	enum rb_status st = outputs_apart(cfg, rej, log, err, errlen);

	if (!st)
		st = can_write("reject file", rej, err, errlen);
	if (!st)
		st = can_write("result log", log, err, errlen);
	return st;
}

enum rb_status pipeline_preflight(const struct config *cfg, char *err,
                                  size_t errlen)
{
	size_t i, stdin_uses = 0;
	enum rb_status st = RB_OK;

	if (!cfg->dry_run && !sender_check_base_url(cfg->base_url, err, errlen))
		return RB_EUSAGE;
	if (!cfg->dry_run && !sender_check_cacert(cfg->cacert, err, errlen))
		return RB_EUSAGE;
	for (i = 0; i < cfg->nfiles; i++)
		stdin_uses += !strcmp(cfg->files[i], "-");
	if (stdin_uses > 1) {
		rb_detail(err, errlen, "'-' (standard input) can be read only once");
		return RB_EUSAGE;
	}
	for (i = 0; i < cfg->nfiles && !st; i++) {
		const char *path = cfg->files[i];
		struct reader *rd = NULL;
		struct record_map *map = NULL;
		char rejects[PATH_BYTES], log[PATH_BYTES], fp[FINGERPRINT_MAX];
		struct resume *rs = NULL;

		if (!strcmp(path, "-") || is_stream(path)) {
			/* cannot be read twice; checked as it is read */
			enum config_format f = cfg->format == CONFIG_FORMAT_JSONL
			                           ? CONFIG_FORMAT_JSONL
			                           : CONFIG_FORMAT_CSV;
			if (cfg->skip_existing && !cfg->dry_run) {
				rb_detail(err, errlen,
				          "--skip-existing reads the input twice (its "
				          "time window first): give '%s' as a file",
				          path);
				return RB_EUSAGE;
			}
			paths_for(cfg, path, f, rejects, log);
			st = outputs_ok(cfg, rejects, log, err, errlen);
			continue;
		}
		st = open_input(cfg, path, &rd, &map, err, errlen);
		if (!st) {
			paths_for(cfg, path, reader_format(rd), rejects, log);
			st = outputs_ok(cfg, rejects, log, err, errlen);
		}
		if (!st && !cfg->dry_run) {
			st = fingerprint_file(path, fp, err, errlen);
			if (!st)
				st = resume_load(log, path, fp, cfg->restart, &rs, err,
				                 errlen);
			resume_free(rs);
		}
		reader_free(rd);
		record_map_free(map);
	}
	return st;
}

enum rb_status pipeline_import(const struct config *cfg,
                               const volatile sig_atomic_t *signals,
                               struct pipeline_outcome *out, char *err,
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
