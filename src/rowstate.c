/* rowstate: the per-row decision table. */
#include "rowstate.h"

void rowstate_init(struct rowstate *r)
{
	r->state = ROWSTATE_NEW;
	r->posts = 0;
	r->lookups = 0;
	r->stored = false;
	r->stored_maybe = false;
	r->due_ms = 0;
}

bool rowstate_final(const struct rowstate *r)
{
	return r->state == ROWSTATE_CREATED || r->state == ROWSTATE_REFUSED ||
	       r->state == ROWSTATE_FAILED;
}

static enum rowstate_action go(struct rowstate *r, enum rowstate_state s,
                               enum rowstate_action a)
{
	r->state = s;
	return a;
}

static enum rowstate_action post(struct rowstate *r)
{
	r->posts++;
	r->lookups = 0;
	return go(r, ROWSTATE_POSTING, ROWSTATE_DO_POST);
}

static enum rowstate_action settle(struct rowstate *r,
                                   const struct rowstate_limits *lim,
                                   int64_t now_ms)
{
	r->due_ms = now_ms + lim->settle_ms;
	return go(r, ROWSTATE_SETTLING, ROWSTATE_DO_SETTLE);
}

/* The run winds down with the row's outcome open: a 2xx proved it stored
 * (log it created, without an id: never failed, or the next run could send
 * it again); else failed, and stored_maybe tells the next run to look. */
static enum rowstate_action give_up(struct rowstate *r)
{
	if (r->stored)
		return go(r, ROWSTATE_CREATED, ROWSTATE_DO_CREATED_NOID);
	return go(r, ROWSTATE_FAILED, ROWSTATE_DO_FAILED);
}

/* The outcome of a POST is unknown: wait, then look (never send blind). */
static enum rowstate_action unknown(struct rowstate *r,
                                    const struct rowstate_limits *lim,
                                    int64_t now_ms, bool stopping)
{
	r->stored_maybe = true;
	r->lookups = 0;
	if (stopping)
		return give_up(r);
	return settle(r, lim, now_ms);
}

static enum rowstate_action on_new(struct rowstate *r, enum rowstate_event ev,
                                   const struct rowstate_limits *lim,
                                   int64_t now_ms, bool stopping)
{
	switch (ev) {
	case ROWSTATE_EV_START:
		return stopping ? give_up(r) : post(r);
	case ROWSTATE_EV_RESUME:
		return unknown(r, lim, now_ms, stopping);
	case ROWSTATE_EV_STOP:
		return give_up(r);
	default:
		return ROWSTATE_DO_INVALID;
	}
}

static enum rowstate_action on_posting(struct rowstate *r,
                                       enum rowstate_event ev,
                                       const struct rowstate_limits *lim,
                                       int64_t now_ms, bool stopping)
{
	switch (ev) {
	case ROWSTATE_EV_POST_2XX:
		r->stored = true;
		r->stored_maybe = false;
		return go(r, ROWSTATE_CREATED, ROWSTATE_DO_CREATED);
	case ROWSTATE_EV_POST_2XX_NOID:
		r->stored = true;
		return unknown(r, lim, now_ms, stopping);
	case ROWSTATE_EV_POST_4XX:
		return go(r, ROWSTATE_REFUSED, ROWSTATE_DO_REFUSED);
	case ROWSTATE_EV_POST_429:
		return ROWSTATE_DO_NOTHING; /* the sender sends it again */
	case ROWSTATE_EV_POST_AUTH:
	case ROWSTATE_EV_POST_UNSENT:
		return go(r, ROWSTATE_FAILED, ROWSTATE_DO_FAILED);
	case ROWSTATE_EV_POST_5XX:
	case ROWSTATE_EV_POST_LOST:
		return unknown(r, lim, now_ms, stopping);
	case ROWSTATE_EV_STOP:
		return ROWSTATE_DO_NOTHING; /* the POST reports when it ends */
	default:
		return ROWSTATE_DO_INVALID;
	}
}

static enum rowstate_action on_settling(struct rowstate *r,
                                        enum rowstate_event ev, bool stopping)
{
	switch (ev) {
	case ROWSTATE_EV_SETTLED:
		if (stopping)
			return give_up(r);
		r->lookups++;
		return go(r, ROWSTATE_FINDING, ROWSTATE_DO_LOOKUP);
	case ROWSTATE_EV_STOP:
		return give_up(r);
	default:
		return ROWSTATE_DO_INVALID;
	}
}

static enum rowstate_action on_finding(struct rowstate *r,
                                       enum rowstate_event ev,
                                       const struct rowstate_limits *lim,
                                       int64_t now_ms, bool stopping)
{
	switch (ev) {
	case ROWSTATE_EV_FOUND:
		r->stored = true;
		r->stored_maybe = false;
		return go(r, ROWSTATE_CREATED, ROWSTATE_DO_CREATED);
	case ROWSTATE_EV_NOT_FOUND:
		if (r->stored) {
			/* A 2xx said it is stored: look again (lists lag), and
			 * in the end log it created without an id. Never POST. */
			if (r->lookups < lim->stored_lookups && !stopping)
				return settle(r, lim, now_ms);
			return go(r, ROWSTATE_CREATED, ROWSTATE_DO_CREATED_NOID);
		}
		if (stopping)
			return give_up(r);
		if (r->lookups < lim->lookups)
			return settle(r, lim, now_ms);
		/* Looked up twice, --settle apart, and not there: the POST
		 * was not stored. Safe to send again while POSTs remain. */
		if (r->posts < lim->max_posts)
			return post(r);
		return go(r, ROWSTATE_FAILED, ROWSTATE_DO_FAILED);
	case ROWSTATE_EV_LOOKUP_FAILED:
		return give_up(r);
	case ROWSTATE_EV_STOP:
		return ROWSTATE_DO_NOTHING; /* the lookup reports when it ends */
	default:
		return ROWSTATE_DO_INVALID;
	}
}

enum rowstate_action rowstate_next(struct rowstate *r, enum rowstate_event ev,
                                   const struct rowstate_limits *lim,
                                   int64_t now_ms, bool stopping)
{
	switch (r->state) {
	case ROWSTATE_NEW:
		return on_new(r, ev, lim, now_ms, stopping);
	case ROWSTATE_POSTING:
		return on_posting(r, ev, lim, now_ms, stopping);
	case ROWSTATE_SETTLING:
		return on_settling(r, ev, stopping);
	case ROWSTATE_FINDING:
		return on_finding(r, ev, lim, now_ms, stopping);
	case ROWSTATE_CREATED:
	case ROWSTATE_REFUSED:
	case ROWSTATE_FAILED:
	case ROWSTATE_COUNT:
		break;
	}
	return ev == ROWSTATE_EV_STOP ? ROWSTATE_DO_NOTHING : ROWSTATE_DO_INVALID;
}

const char *rowstate_state_name(enum rowstate_state s)
{
	static const char *const n[ROWSTATE_COUNT] = {
		"new", "posting", "settling", "finding", "created", "refused",
		"failed",
	};

	return (unsigned)s < ROWSTATE_COUNT ? n[s] : "?";
}

const char *rowstate_event_name(enum rowstate_event e)
{
	static const char *const n[ROWSTATE_EV_COUNT] = {
		"start",  "resume",   "post-2xx",  "post-2xx-noid",
		"post-4xx", "post-429", "post-auth", "post-5xx",
		"post-unsent", "post-lost", "settled", "found",
		"not-found", "lookup-failed", "stop",
	};

	return (unsigned)e < ROWSTATE_EV_COUNT ? n[e] : "?";
}

const char *rowstate_action_name(enum rowstate_action a)
{
	switch (a) {
	case ROWSTATE_DO_NOTHING: return "nothing";
	case ROWSTATE_DO_POST: return "post";
	case ROWSTATE_DO_SETTLE: return "settle";
	case ROWSTATE_DO_LOOKUP: return "lookup";
	case ROWSTATE_DO_CREATED: return "created";
	case ROWSTATE_DO_CREATED_NOID: return "created-noid";
	case ROWSTATE_DO_REFUSED: return "refused";
	case ROWSTATE_DO_FAILED: return "failed";
	case ROWSTATE_DO_INVALID: return "invalid";
	}
	return "?";
}
