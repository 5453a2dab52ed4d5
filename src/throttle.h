/* throttle: the sending rate as a pure policy. A token bucket holds the rate at
 * --rate requests per second; a 429 pauses all sending until a time; the
 * X-RateLimit headers of each reply slow it down below --reserve of the
 * organization's budget. No I/O, no clock: every call takes now_ms (any
 * monotonic millisecond clock, the same one for every call). */
#ifndef RB_THROTTLE_H
#define RB_THROTTLE_H

#include <stdint.h>

/* Never slower than this under --reserve (requests per second), unless --rate
 * itself is lower. See throttle_observe for why it is not zero. */
#define THROTTLE_MIN_RATE 0.2

struct throttle {
	double rate;        /* --rate, requests per second, > 0 */
	double factor;      /* (0, 1]: the --reserve slowdown, 1 = full rate */
	double capacity;    /* bucket size in tokens (>= 1) */
	double tokens;      /* tokens in the bucket at last_ms */
	int64_t last_ms;    /* when tokens was last brought up to date */
	int64_t paused_until_ms; /* a 429 stops everything until then */
	unsigned reserve_pct;    /* --reserve, 0..100; 0 = never slow down */
	long limit;         /* last X-RateLimit-Limit seen, -1 = none */
	long remaining;     /* last X-RateLimit-Remaining seen, -1 = none */
};

/* rate > 0 requests per second; reserve_pct is --reserve (0 disables it).
 * The bucket starts full at now_ms. */
void throttle_init(struct throttle *t, double rate, unsigned reserve_pct,
                   int64_t now_ms);

/* Takes one token: 0 when the caller may send now, else how many
 * milliseconds to wait before asking again (>= 1). */
int64_t throttle_take(struct throttle *t, int64_t now_ms);

/* Milliseconds until a token would be available, without taking it (0 = now). */
int64_t throttle_wait_ms(struct throttle *t, int64_t now_ms);

/* A 429: no token is handed out before until_ms. A pause only ever extends. */
void throttle_pause_until(struct throttle *t, int64_t until_ms);

/* One reply's X-RateLimit-Limit and X-RateLimit-Remaining header values
 * (borrowed for the call; NULL when absent). Values that are not plain
 * non-negative integers, or a remaining above the limit, are ignored. */
void throttle_observe(struct throttle *t, const char *limit,
                      const char *remaining, int64_t now_ms);

/* The rate the bucket refills at now: rate * factor, never below
 * min(rate, THROTTLE_MIN_RATE). */
double throttle_rate(const struct throttle *t);

#endif
