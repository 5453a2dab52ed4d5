/* flight: rows in flight, carried out as rowstate decides. */
#include "flight.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "clock.h"
#include "row.h"
#include "request.h"
#include "response.h"
#include "rowstate.h"

#define SETTLING_ROWS 1024 /* rows waiting to be looked up, beyond the ones
                              in flight: the file goes on meanwhile */
#define WHY_MAX 900
/* The rows held keep their reject-file form (a refusal writes it), up to
 * this much in all: a run of huge records against a server that answers
 * 5xx to everything waits for room rather than grow. */
#define ROW_BYTES_MAX (16u << 20)
#define ROW_KEEP 4096 /* a slot keeps a buffer this big for the next row */

struct slot {
	unsigned pos;        /* its index in flight.live while in use */
	struct rowstate rs;
	struct usage u;
	struct buf row;      /* the row as the reject file writes it */
	enum rowstate_action queued; /* a POST or LOOKUP waiting to go out, or
	                        NOTHING (see second_busy) */
	bool out;            /* a request of this row is in the sender */
	unsigned long page;  /* the lookup page to ask for next */
	char page_first[128]; /* the first usage id of the page before */
	unsigned attempts;   /* POST requests that went out, all rounds */
	long ms;             /* the sender's time on this row, all requests */
	long http;           /* the last POST's status */
	char usage_id[128];
	struct match_stored stored;
	bool found;          /* created by a lookup, not by a 2xx */
	char why[WHY_MAX];   /* what made the outcome unknown, or the failure */
};

struct flight {
	struct sender *snd;
	struct resume *rs;
	struct flight_hooks hooks;
	struct rowstate_limits lim;
	struct slot *slots;
	unsigned *live;      /* the used slots' indices, nused of them: every
	                        turn walks these, not all nslots */
	unsigned *spare;     /* the free slots' indices, a stack */
	unsigned nslots, nused, nspare, nqueued;
	size_t row_bytes;    /* the held rows' reject-file forms, in all */
	struct buf path;     /* request paths and bodies, built one at a time */
	bool stopping;
	unsigned long reconciled;
	enum rb_status fatal;      /* a hook failed, or a bug */
	enum rb_status stop_status; /* RB_EAUTH, RB_ENET */
	char why[1200];            /* for fatal or stop_status */
};

struct flight *flight_new(const struct config *cfg, struct sender *snd,
                          struct resume *rs, const struct flight_hooks *hooks)
{
	struct flight *f = calloc(1, sizeof(*f));
	unsigned i;

	if (!f)
		return NULL;
	f->snd = snd;
	f->rs = rs;
	f->hooks = *hooks;
	f->lim.max_posts = cfg->retries + 1;
	f->lim.lookups = 2;
	/* a 2xx that named no usage: look --retries + 1 times (at least 2) */
	f->lim.stored_lookups = cfg->retries + 1 > 2 ? cfg->retries + 1 : 2;
	f->lim.settle_ms = cfg->settle_ms;
	f->nslots = cfg->concurrency + SETTLING_ROWS;
	f->slots = calloc(f->nslots, sizeof(*f->slots));
	f->live = calloc(f->nslots, sizeof(*f->live));
	f->spare = calloc(f->nslots, sizeof(*f->spare));
	if (!f->slots || !f->live || !f->spare) {
		free(f->slots);
		free(f->live);
		free(f->spare);
		free(f);
		return NULL;
	}
	for (i = 0; i < f->nslots; i++) {
		buf_init(&f->slots[i].row, 4 * READER_MAX_RECORD);
		f->spare[f->nspare++] = f->nslots - 1 - i; /* slot 0 first */
	}
	buf_init(&f->path, 4 * READER_MAX_RECORD);
	return f;
}

void flight_free(struct flight *f)
{
	unsigned i;

	if (!f)
		return;
	for (i = 0; i < f->nslots; i++)
		buf_free(&f->slots[i].row);
	free(f->slots);
	free(f->live);
	free(f->spare);
	buf_free(&f->path);
	free(f);
}

bool flight_room(const struct flight *f)
{
	return f->nused < f->nslots && f->nqueued < sender_room(f->snd) &&
	       f->row_bytes < ROW_BYTES_MAX;
}

unsigned flight_rows(const struct flight *f)
{
	return f->nused;
}

unsigned long flight_reconciled(const struct flight *f)
{
	return f->reconciled;
}

enum rb_status flight_fatal(const struct flight *f, const char **why)
{
	*why = f->why;
	return f->stop_status;
}

/* ---- scheduling: which rows may have a request out ---- */

/* Rows that a lookup could mix up: one subscription, one second. */
static bool same_second(const struct usage *a, const struct usage *b)
{
	return a->usage_time_ms / 1000 == b->usage_time_ms / 1000 &&
	       !strcmp(a->subscription_id, b->subscription_id);
}

/* Is a row that a lookup for slot i could mistake for its own out, of
 * unknown outcome, or halfway through the pages of its lookup? */
static bool second_busy(const struct flight *f, unsigned i)
{
	unsigned k, j;

	for (k = 0; k < f->nused; k++) {
		const struct slot *o = &f->slots[j = f->live[k]];

		if (j != i &&
		    (o->out || o->rs.state == ROWSTATE_SETTLING ||
		     (o->rs.state == ROWSTATE_FINDING && o->page)) &&
		    same_second(&f->slots[i].u, &o->u))
			return true;
	}
	return false;
}

static void queue(struct flight *f, struct slot *sl, enum rowstate_action a,
                  unsigned long page)
{
	if (sl->queued == ROWSTATE_DO_NOTHING)
		f->nqueued++;
	sl->queued = a;
	sl->page = page;
}

static void unqueue(struct flight *f, struct slot *sl)
{
	if (sl->queued != ROWSTATE_DO_NOTHING)
		f->nqueued--;
	sl->queued = ROWSTATE_DO_NOTHING;
}

/* ---- carrying out what rowstate decides ---- */

static void failed_reason(const struct flight *f, const struct slot *sl,
                          char *out, size_t len)
{
	const char *why = sl->why[0] ? sl->why : "interrupted before sending";

	if (!sl->rs.stored_maybe)
		snprintf(out, len, "%s; not stored", why);
	else if (!f->stopping && sl->rs.posts >= f->lim.max_posts)
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

/* The row is final: to the conductor, and its slot is free. */
static void finish(struct flight *f, struct slot *sl, enum rowstate_action a)
{
	struct flight_row r = {0};
	char reason[WHY_MAX + 200];
	enum rb_status st;

	r.u = &sl->u;
	r.usage_id = sl->usage_id[0] ? sl->usage_id : NULL;
	r.http = sl->http;
	r.attempts = sl->attempts;
	r.ms = sl->ms;
	r.stored = &sl->stored;
	r.stored_maybe = sl->rs.stored_maybe;
	r.row = sl->row.data;
	r.row_len = sl->row.len;
	switch (a) {
	case ROWSTATE_DO_CREATED:
		r.status = RESULTLOG_CREATED;
		r.reconciled = sl->found;
		r.found = sl->found ? "reconciled: found with GET /usages" : NULL;
		f->reconciled += sl->found;
		break;
	case ROWSTATE_DO_CREATED_NOID:
		r.status = RESULTLOG_CREATED;
		r.reason = "the server answered 2xx without a usage id and GET "
		           "/usages does not list it; it is stored, but undo cannot "
		           "delete it";
		r.found = "2xx without an id";
		break;
	case ROWSTATE_DO_REFUSED:
		r.status = RESULTLOG_REFUSED;
		if (sl->rs.stored_maybe)
			snprintf(reason, sizeof(reason),
			         "%s (an earlier POST of this row may have been "
			         "stored: check before sending it again)", sl->why);
		else
			snprintf(reason, sizeof(reason), "%s", sl->why);
		r.reason = reason;
		break;
	default:
		r.status = RESULTLOG_FAILED;
		failed_reason(f, sl, reason, sizeof(reason));
		r.reason = reason;
		break;
	}
	if ((st = f->hooks.done(f->hooks.ctx, &r)) && !f->fatal)
		f->fatal = st;
	unqueue(f, sl);
	f->row_bytes -= sl->row.len;
	if (sl->row.cap > ROW_KEEP)
		buf_free(&sl->row); /* a huge row's buffer goes with it */
	/* out of the live list (the last one takes its place), back to spare */
	f->live[sl->pos] = f->live[--f->nused];
	f->slots[f->live[sl->pos]].pos = sl->pos;
	f->spare[f->nspare++] = (unsigned)(sl - f->slots);
}

static void act(struct flight *f, unsigned i, enum rowstate_action a)
{
	struct slot *sl = &f->slots[i];

	switch (a) {
	case ROWSTATE_DO_NOTHING:
	case ROWSTATE_DO_SETTLE:
		return; /* a request or the settle timer reports */
	case ROWSTATE_DO_POST:
	case ROWSTATE_DO_LOOKUP:
		queue(f, sl, a, 0);
		return;
	case ROWSTATE_DO_INVALID:
		/* A bug: stop before anything else goes out. The row's pending
		 * line makes the next run look it up first. */
		snprintf(f->why, sizeof(f->why),
		         "internal error: row %ld in state %s got an event it "
		         "cannot take; stopping", sl->u.line,
		         rowstate_state_name(sl->rs.state));
		if (!f->fatal)
			f->fatal = RB_EIO;
		finish(f, sl, ROWSTATE_DO_FAILED);
		return;
	default:
		finish(f, sl, a);
		return;
	}
}

static void apply(struct flight *f, unsigned i, enum rowstate_event ev,
                  int64_t now)
{
	act(f, i, rowstate_next(&f->slots[i].rs, ev, &f->lim, now, f->stopping));
}

enum rb_status flight_add(struct flight *f, const struct usage *u,
                          const char *row, size_t row_len, bool unknown,
                          int64_t since_mono_ms)
{
	unsigned i;
	struct slot *sl;

	if (!f->nspare)
		return RB_ETOOBIG; /* the caller asks flight_room first */
	i = f->spare[--f->nspare];
	sl = &f->slots[i];
	rowstate_init(&sl->rs);
	sl->pos = f->nused;
	f->live[f->nused++] = i;
	sl->u = *u;
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
	buf_reset(&sl->row);
	if (row_len && buf_append(&sl->row, row, row_len))
		buf_reset(&sl->row); /* over the cap: the reject line says so */
	f->row_bytes += sl->row.len;
	if (unknown) {
		snprintf(sl->why, sizeof(sl->why),
		         "an earlier run sent it and never learned the outcome");
		apply(f, i, ROWSTATE_EV_RESUME, since_mono_ms);
	} else {
		apply(f, i, ROWSTATE_EV_START, clock_mono_ms());
	}
	return f->fatal;
}

/* ---- requests ---- */

static enum rb_status submit(struct flight *f, unsigned i,
                             enum rowstate_action a)
{
	struct slot *sl = &f->slots[i];
	enum rb_status st;

	if (a == ROWSTATE_DO_POST) {
		if ((st = request_usage_body(&f->path, &sl->u)))
			return st;
		sl->out = true;
		return sender_submit(f->snd, i, SENDER_POST, "/usages",
		                     f->path.data, f->path.len);
	}
	if ((st = request_lookup_path(&f->path, &sl->u, sl->page)))
		return st;
	sl->out = true;
	return sender_submit(f->snd, i, SENDER_GET, buf_cstr(&f->path), NULL, 0);
}

/* Sends what is queued, as far as the sender has room and no row of the
 * same second is out or unknown. Every POST's pending line is written and
 * made durable (one sync for the batch) before the POST leaves: a power cut
 * must not hide a request that went out. */
static enum rb_status dispatch(struct flight *f)
{
	unsigned i, k, room = sender_room(f->snd), n = 0;
	unsigned go[256];
	enum rb_status st;

	if (!f->nqueued || !room || f->stopping)
		return RB_OK;
	for (k = 0; k < f->nused && n < room && n < 256; k++) {
		struct slot *sl = &f->slots[i = f->live[k]];

		if (sl->queued == ROWSTATE_DO_NOTHING || second_busy(f, i))
			continue;
		if (sl->queued == ROWSTATE_DO_POST &&
		    (st = f->hooks.pending(f->hooks.ctx, &sl->u)))
			return st;
		sl->out = true; /* holds the second from here on */
		go[n++] = i;
	}
	if (!n)
		return RB_OK;
	if ((st = f->hooks.sync(f->hooks.ctx)))
		return st;
	for (i = 0; i < n; i++) {
		struct slot *sl = &f->slots[go[i]];
		enum rowstate_action a = sl->queued;

		unqueue(f, sl);
		if ((st = submit(f, go[i], a)))
			return st;
	}
	return RB_OK;
}

/* Settle timers that have come due: look the rows up now. The next one's
 * time, or -1. */
static int64_t fire_due(struct flight *f, int64_t now)
{
	int64_t next = -1;
	unsigned k, i;

	/* backwards: a row that ends is replaced by one already seen */
	for (k = f->nused; k-- > 0;) {
		struct slot *sl = &f->slots[i = f->live[k]];

		if (sl->rs.state != ROWSTATE_SETTLING)
			continue;
		if (sl->rs.due_ms <= now)
			apply(f, i, ROWSTATE_EV_SETTLED, now);
		else if (next < 0 || sl->rs.due_ms < next)
			next = sl->rs.due_ms;
	}
	return next;
}

/* ---- answers ---- */

struct find_ctx {
	struct flight *f;
	struct slot *sl;
	char first[128];     /* the page's first usage id */
	unsigned long n;     /* usages on the page */
	bool found;
	bool oom;
};

static int find_cb(void *ctx, const struct response_usage *ru)
{
	struct find_ctx *fc = ctx;
	struct match_stored stored;
	int claimed;

	if (!fc->n++)
		snprintf(fc->first, sizeof(fc->first), "%s", ru->id);
	if (fc->found || !match_usage(&fc->sl->u, ru, &stored))
		return 0;
	/* A usage another row of this log created (or found) is not ours. */
	claimed = resume_claim(fc->f->rs, ru->id);
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

/* ROWSTATE_EV_COUNT: the next page is queued, no event yet. */
static enum rowstate_event lookup_event(struct flight *f, unsigned i,
                                        const struct sender_result *res)
{
	struct slot *sl = &f->slots[i];
	struct find_ctx fc = {f, sl, "", 0, false, false};
	char why[400], was[WHY_MAX];
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
		f->fatal = RB_ENOMEM;
		snprintf(why, sizeof(why), "out of memory");
		goto failed;
	}
	if (fc.found)
		return ROWSTATE_EV_FOUND;
	if (sl->page && fc.n && !strcmp(fc.first, sl->page_first)) {
		/* a server that ignores offset would keep the row looking
		 * for ever: this lookup has no answer */
		snprintf(why, sizeof(why),
		         "the page at offset %lu repeats the one before: the "
		         "server seems to ignore offset", sl->page);
		goto failed;
	}
	memcpy(sl->page_first, fc.first, sizeof(sl->page_first));
	if (request_next_page(sl->page, fc.n, res->page_total, &next)) {
		/* Once the run winds down nothing goes out (dispatch), so a
		 * page queued now would hold the row, and the run, for ever. */
		if (f->stopping) {
			snprintf(why, sizeof(why),
			         "interrupted before the page at offset %lu", next);
			goto failed;
		}
		queue(f, sl, ROWSTATE_DO_LOOKUP, next); /* every page */
		return ROWSTATE_EV_COUNT;
	}
	return ROWSTATE_EV_NOT_FOUND;
failed:
	snprintf(was, sizeof(was), "%s", sl->why);
	snprintf(sl->why, sizeof(sl->why),
	         "outcome unknown (%.400s) and looking it up failed (%.300s)", was,
	         why);
	return ROWSTATE_EV_LOOKUP_FAILED;
}

/* 401/403, an untrusted server, an unreachable API: no row can get
 * through, so the run stops rather than fail row by row. Said once. */
static void stop_for(struct flight *f, const struct sender_result *res)
{
	if (f->stop_status)
		return;
	f->stop_status = res->outcome == SENDER_UNREACHABLE ? RB_ENET : RB_EAUTH;
	if (res->outcome == SENDER_AUTH)
		snprintf(f->why, sizeof(f->why),
		         "the server refused our credentials (%.1000s); stopping "
		         "before more requests go out", res->reason);
	else if (res->outcome == SENDER_STOP)
		snprintf(f->why, sizeof(f->why),
		         "cannot go on: %.1000s; stopping before more requests go "
		         "out", res->reason);
	else
		snprintf(f->why, sizeof(f->why),
		         "%.1000s; stopping (run the same command again once the "
		         "API can be reached)", res->reason);
	flight_stop(f);
}

static enum rowstate_event post_event(struct flight *f, unsigned i,
                                      const struct sender_result *res)
{
	struct slot *sl = &f->slots[i];
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
		if (resume_claim(f->rs, sl->usage_id) < 0)
			f->fatal = RB_ENOMEM;
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
		stop_for(f, res);
		return ROWSTATE_EV_POST_AUTH;
	case SENDER_UNREACHABLE:
		stop_for(f, res);
		return ROWSTATE_EV_POST_UNSENT;
	}
	return ROWSTATE_EV_POST_UNSENT;
}

static void on_result(struct flight *f, const struct sender_result *res)
{
	unsigned i = (unsigned)res->tag;
	struct slot *sl = &f->slots[i];
	enum rowstate_event ev;

	sl->out = false;
	sl->ms += res->ms;
	if (sl->rs.state == ROWSTATE_FINDING) {
		if (res->outcome == SENDER_AUTH || res->outcome == SENDER_STOP ||
		    res->outcome == SENDER_UNREACHABLE)
			stop_for(f, res);
		if ((ev = lookup_event(f, i, res)) == ROWSTATE_EV_COUNT)
			return;
	} else {
		ev = post_event(f, i, res);
	}
	apply(f, i, ev, clock_mono_ms());
}

void flight_stop(struct flight *f)
{
	int64_t now = clock_mono_ms();
	unsigned k, i;

	if (f->stopping)
		return;
	f->stopping = true;
	/* backwards: a row that ends is replaced by one already seen */
	for (k = f->nused; k-- > 0;) {
		struct slot *sl = &f->slots[i = f->live[k]];
		enum rowstate_action q = sl->queued;

		if (q != ROWSTATE_DO_NOTHING) {
			/* only queued: it never went out */
			unqueue(f, sl);
			if (!sl->why[0] || q == ROWSTATE_DO_POST)
				snprintf(sl->why, sizeof(sl->why),
				         "interrupted before sending");
			apply(f, i, q == ROWSTATE_DO_POST ? ROWSTATE_EV_POST_UNSENT
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
		apply(f, i, ROWSTATE_EV_STOP, now);
	}
}

enum rb_status flight_step(struct flight *f, int timeout_ms, char *err,
                           size_t errlen)
{
	struct sender_result res;
	int64_t now = clock_mono_ms(), due;
	enum rb_status st;
	bool have;

	due = fire_due(f, now);
	if (!f->fatal && (st = dispatch(f)))
		f->fatal = st;
	if (f->fatal)
		goto fatal;
	if (due >= 0 && due - now < timeout_ms)
		timeout_ms = due > now ? (int)(due - now) : 0;
	/* every result that is ready, then the next turn's one dispatch: the
	 * rows they free go out as one batch behind one sync */
	do {
		if ((st = sender_next(f->snd, timeout_ms, &res, &have, err,
		                      errlen)))
			return st;
		if (have)
			on_result(f, &res);
		timeout_ms = 0;
	} while (have && !f->fatal);
	if (!f->fatal)
		return RB_OK;
fatal:
	if (f->why[0])
		rb_detail(err, errlen, "%s", f->why);
	return f->fatal;
}
