/* rowstate: what happens to one row after each thing that happens to it,
 * as a pure decision table (DESIGN.md "Sending", "Resume and exactly-once").
 * Rebilly has no idempotency key, so an answer that does not prove "not
 * stored" means "maybe stored": wait (--settle), look the usage up twice, and
 * only then send again. No I/O; the time is passed in. pipeline.c carries out
 * the actions. */
#ifndef RB_ROWSTATE_H
#define RB_ROWSTATE_H

#include <stdbool.h>
#include <stdint.h>

enum rowstate_state {
	ROWSTATE_NEW,      /* checked, nothing sent by this run */
	ROWSTATE_POSTING,  /* a POST is out (its pending line is durable) */
	ROWSTATE_SETTLING, /* outcome unknown: waiting until due_ms to look */
	ROWSTATE_FINDING,  /* a lookup (GET /usages, every page) is out */
	ROWSTATE_CREATED,  /* final: stored (found, or a 2xx) */
	ROWSTATE_REFUSED,  /* final: a 4xx; nothing stored */
	ROWSTATE_FAILED,   /* final: gave up for this run (see stored_maybe) */
	ROWSTATE_COUNT
};

enum rowstate_event {
	ROWSTATE_EV_START,        /* a fresh row is ready to go */
	ROWSTATE_EV_RESUME,       /* an earlier run sent it and never learned
	                             the outcome (a pending line, a failed one) */
	ROWSTATE_EV_POST_2XX,     /* stored, and the reply names the usage */
	ROWSTATE_EV_POST_2XX_NOID,/* stored, but which usage? find it; never POST */
	ROWSTATE_EV_POST_4XX,     /* refused (422, 409, ...): not stored */
	ROWSTATE_EV_POST_429,     /* not stored; the sender pauses and resends */
	ROWSTATE_EV_POST_AUTH,    /* 401/403, or a server we cannot trust: not
	                             stored, and the run stops */
	ROWSTATE_EV_POST_5XX,     /* any 5xx: maybe stored */
	ROWSTATE_EV_POST_UNSENT,  /* the request never fully left (no
	                             connection, timed out before the body) and
	                             the sender's retries ran out: not stored */
	ROWSTATE_EV_POST_LOST,    /* timeout, reset or EOF after the body went
	                             out: maybe stored */
	ROWSTATE_EV_SETTLED,      /* due_ms has come */
	ROWSTATE_EV_FOUND,        /* a lookup found a match no row has claimed */
	ROWSTATE_EV_NOT_FOUND,    /* a lookup read every page: no match */
	ROWSTATE_EV_LOOKUP_FAILED,/* a lookup got no usable answer */
	ROWSTATE_EV_STOP,         /* the run winds down (signal, auth,
	                             unreachable API, a log that cannot be written) */
	ROWSTATE_EV_COUNT
};

enum rowstate_action {
	ROWSTATE_DO_NOTHING,  /* wait for the request in flight to report */
	ROWSTATE_DO_POST,     /* (pending line first, made durable) send the POST */
	ROWSTATE_DO_SETTLE,   /* wait until due_ms, then report SETTLED */
	ROWSTATE_DO_LOOKUP,   /* send the lookup */
	ROWSTATE_DO_CREATED,  /* log created (with the usage id when known) */
	ROWSTATE_DO_CREATED_NOID, /* log created: a 2xx said so, no list shows it */
	ROWSTATE_DO_REFUSED,  /* log refused, the row to the reject file */
	ROWSTATE_DO_FAILED,   /* log failed: see rowstate.stored_maybe */
	ROWSTATE_DO_INVALID,  /* the event cannot happen in this state: a bug */
};

struct rowstate_limits {
	unsigned max_posts;     /* POST rounds for one row: --retries + 1 */
	unsigned lookups;       /* lookups that must miss before a resend: 2 */
	unsigned stored_lookups;/* lookups for a 2xx without an id */
	int64_t settle_ms;      /* --settle */
};

struct rowstate {
	enum rowstate_state state;
	unsigned posts;        /* POSTs sent by this run */
	unsigned lookups;      /* lookups since the last POST (or resume) */
	bool stored;           /* a 2xx came: never POST again */
	bool stored_maybe;     /* some POST (this run or an earlier one) may
	                          have been stored and no lookup found it yet */
	int64_t due_ms;        /* SETTLING: when to look */
};

/* A fresh row (state NEW). */
void rowstate_init(struct rowstate *r);

/* Applies ev at now_ms and returns what to do. stopping: the run winds down,
 * so nothing new goes out: a POST or a lookup that would be next ends the
 * row as failed instead (a row that may be stored says so: the next run
 * looks it up before it sends). A final state stays final. For RESUME,
 * now_ms is when the earlier attempt may have ended at the latest (e.g. the
 * log's last write): the lookup waits --settle from then. */
enum rowstate_action rowstate_next(struct rowstate *r, enum rowstate_event ev,
                                   const struct rowstate_limits *lim,
                                   int64_t now_ms, bool stopping);

/* True for CREATED, REFUSED and FAILED. */
bool rowstate_final(const struct rowstate *r);

/* Names for logs and test messages: "new", "posting", ...; "start", ... */
const char *rowstate_state_name(enum rowstate_state s);
const char *rowstate_event_name(enum rowstate_event e);
const char *rowstate_action_name(enum rowstate_action a);

#endif
