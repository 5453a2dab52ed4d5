/* throttle: when the next request may leave, as a pure policy. It paces the
 * requests Rebilly's budget counts (every non-GET) by X-RateLimit-Limit and
 * X-RateLimit-Remaining so the organization's budget, less --reserve, lasts
 * until its window resets; --rate N caps it; a 429 pauses everything. No I/O,
 * no clock: every call takes now_ms (one monotonic millisecond clock). */
#ifndef RB_THROTTLE_H
#define RB_THROTTLE_H

#include <stdbool.h>
#include <stdint.h>

#define THROTTLE_AUTO 0.0        /* --rate auto */
#define THROTTLE_START_RATE 5.0  /* --rate auto until the server's headers say more */
#define THROTTLE_MAX_RATE 1000.0 /* --rate's maximum, and auto's cap */
#define THROTTLE_LOG_MAX 1000    /* sends remembered for the one-second bound */

/* A token bucket that also never lets more than ceil(rate) requests leave
 * within any one second (the bucket alone would let rate + 1 through). */
struct throttle_bucket {
	double rate;     /* tokens per second, > 0 */
	double capacity; /* >= 1 */
	double tokens;
	int64_t last_ms; /* when tokens was last brought up to date */
	int64_t log[THROTTLE_LOG_MAX]; /* send times of the last second, a ring */
	unsigned log_head, log_len;
	bool used;       /* a request went: the first one is logged late */
};

/* What the throttle knows about one request it let go; the caller keeps it
 * with the request and hands it back to throttle_observe exactly once. */
struct throttle_ticket {
	uint64_t order;     /* requests taken before it, GETs included: which
	                       of two replies is the newer news */
	uint64_t seq;       /* counted requests taken up to and including this one */
	int64_t sent_ms;
	unsigned inflight;  /* other counted requests in flight when it left */
	bool counted;       /* a non-GET: the organization's budget counts it */
	bool probe;         /* a GET the throttle asked for (throttle_probe) */
	bool open;          /* taken, not yet observed */
};

struct throttle {
	/* configuration */
	double cap;          /* --rate N, or THROTTLE_MAX_RATE under auto */
	double start;        /* the pace before any header: N, or THROTTLE_START_RATE */
	unsigned reserve_pct;
	int64_t window0_ms;  /* --rate-window: the window length until one is seen */

	struct throttle_bucket all;  /* every request but probes, at cap */
	struct throttle_bucket paced; /* counted requests, at the pace */
	int64_t paused_until_ms;     /* a 429 stops everything until then */

	/* the budget as last seen */
	bool known;          /* a counted reply carried usable headers */
	long limit;          /* X-RateLimit-Limit */
	double remaining;    /* our estimate of Remaining once what we sent lands */
	long last_raw;       /* Remaining of the newest observation */
	uint64_t last_order; /* its ticket's order and seq */
	uint64_t last_seq;
	unsigned last_inflight;
	int64_t last_obs_ms;
	unsigned missing;    /* counted replies in a row without headers */

	/* our requests */
	uint64_t order;      /* requests taken so far, GETs and probes included */
	uint64_t seq;        /* counted requests taken so far */
	unsigned inflight;   /* counted requests taken and not yet observed */
	double rtt_ms;       /* smoothed reply time of counted requests */
	double others_rate;  /* requests per second other clients take (smoothed) */

	/* the window */
	int64_t window_start_ms; /* when the current window began, -1 unknown */
	bool awaiting_start;     /* a reset was seen: the next counted take starts it */
	bool window_sampled;     /* this window's length is already sampled */
	int64_t reset_ms;        /* the next reset, -1 unknown */
	int64_t samples[3];      /* the last window lengths seen, newest first */
	unsigned nsamples;

	/* probing while the budget is at the floor */
	bool probe_flying;
	bool probes_useless;     /* GET replies carry no usable headers */
	int64_t last_probe_ms;
	uint64_t reset_order;    /* the reply that showed the last reset: older
	                            replies describe the window before it */
	unsigned resets_seen;    /* for tests and --verbose */
};

/* rate: --rate N (> 0), or THROTTLE_AUTO. reserve_pct: --reserve (0..100).
 * window_s: --rate-window (> 0). No burst: the first second holds at most
 * ceil(rate) requests. */
void throttle_init(struct throttle *t, double rate, unsigned reserve_pct,
                   double window_s, int64_t now_ms);

/* Asks to send one request; counted is true for a non-GET. 0: go now (tk is
 * filled; hand it to throttle_observe when the request ends). Otherwise how
 * many milliseconds to wait before asking again (>= 1): a reply may change
 * that sooner, so ask again after any. */
int64_t throttle_take(struct throttle *t, bool counted, int64_t now_ms,
                      struct throttle_ticket *tk);

/* Counted requests wait at the budget's floor and none is in flight: should
 * a probe (a GET, which the budget does not count, e.g. GET
 * /usages?limit=1) go to learn whether the window has reset? 0: send it now
 * (tk filled, probe set); > 0: ask again in that many ms; -1: no probe is
 * needed (or possible) now. */
int64_t throttle_probe(struct throttle *t, int64_t now_ms,
                       struct throttle_ticket *tk);

/* A request taken with tk ended. http: its reply's status, 0 when none came.
 * limit and remaining: its X-RateLimit-Limit and X-RateLimit-Remaining
 * (borrowed for the call; NULL when absent); values that are not plain
 * non-negative integers, or a remaining above the limit, are ignored. A GET's
 * headers are used only when their limit is the one non-GET replies showed.
 * Call it exactly once per ticket, whatever the outcome. */
void throttle_observe(struct throttle *t, struct throttle_ticket *tk, long http,
                      const char *limit, const char *remaining, int64_t now_ms);

/* A 429's X-RateLimit-Retry-After, converted to the monotonic clock: the
 * current window ends then. */
void throttle_reset_at(struct throttle *t, int64_t reset_ms, int64_t now_ms);

/* A 429: no request leaves before until_ms. A pause only ever extends. */
void throttle_pause_until(struct throttle *t, int64_t until_ms);

/* The pace counted requests go at now (requests per second). */
double throttle_rate(struct throttle *t, int64_t now_ms);

/* The budget's floor: ceil(reserve% of the limit), 0 before any header. */
long throttle_floor(const struct throttle *t);

/* The window length in use: learned, else --rate-window. */
int64_t throttle_window_ms(const struct throttle *t);

/* How long a sender should sleep when a token comes in t ms: a little
 * longer at high rates, so what accrues meanwhile goes as a small batch
 * (within the same bound on any window), never shorter than t. */
int64_t throttle_sleep_ms(const struct throttle *th, int64_t t);

#endif
