#include "throttle.h"

#include <errno.h>
#include <stdlib.h>

/*
 * The bucket is small on purpose. A bucket of B tokens lets any window of W
 * seconds hold up to rate * W + B requests, so a burst the size of the
 * concurrency (8 at --rate 30) would allow 38 requests in one second. The
 * organization's limit is what we must not overrun, so the bucket holds 1.5
 * tokens: at most rate + 1 requests in any second for a whole-number rate,
 * while the half token absorbs a sender that wakes a little late (poll
 * granularity, a busy loop) so the long-run rate does not sag below --rate.
 * Above 50 requests per second half a token is under 10 ms of slack, so the
 * bucket grows to 30 ms worth of tokens there.
 */
static double capacity_for(double rate)
{
	double c = rate * 0.030;

	return c > 1.5 ? c : 1.5;
}

double throttle_rate(const struct throttle *t)
{
	double r = t->rate * t->factor;
	double floor_rate = t->rate < THROTTLE_MIN_RATE ? t->rate : THROTTLE_MIN_RATE;

	return r > floor_rate ? r : floor_rate;
}

/* Brings tokens up to date at now_ms at the current rate. A clock that goes
 * backwards (it should not: callers use a monotonic one) adds nothing. */
static void refill(struct throttle *t, int64_t now_ms)
{
	if (now_ms > t->last_ms) {
		t->tokens += (double)(now_ms - t->last_ms) * throttle_rate(t) / 1000.0;
		if (t->tokens > t->capacity)
			t->tokens = t->capacity;
		t->last_ms = now_ms;
	}
}

void throttle_init(struct throttle *t, double rate, unsigned reserve_pct,
                   int64_t now_ms)
{
	if (!(rate > 0))
		rate = 1;
	t->rate = rate;
	t->factor = 1;
	t->capacity = capacity_for(rate);
	t->tokens = t->capacity;
	t->last_ms = now_ms;
	t->paused_until_ms = now_ms;
	t->reserve_pct = reserve_pct > 100 ? 100 : reserve_pct;
	t->limit = -1;
	t->remaining = -1;
}

int64_t throttle_wait_ms(struct throttle *t, int64_t now_ms)
{
	double need;
	int64_t ms;

	if (now_ms < t->paused_until_ms)
		return t->paused_until_ms - now_ms;
	refill(t, now_ms);
	if (t->tokens >= 1.0)
		return 0;
	need = (1.0 - t->tokens) * 1000.0 / throttle_rate(t);
	ms = (int64_t)need;
	if ((double)ms < need)
		ms++; /* round up: asking again early would only spin */
	return ms > 0 ? ms : 1;
}

int64_t throttle_take(struct throttle *t, int64_t now_ms)
{
	int64_t wait = throttle_wait_ms(t, now_ms);

	if (wait)
		return wait;
	t->tokens -= 1.0;
	return 0;
}

void throttle_pause_until(struct throttle *t, int64_t until_ms)
{
	if (until_ms > t->paused_until_ms)
		t->paused_until_ms = until_ms;
}

/* A header value as a non-negative integer; -1 for anything else (empty,
 * signs, fractions, trailing garbage, overflow). Surrounding blanks allowed. */
static long parse_count(const char *s)
{
	char *end;
	long v;

	if (!s)
		return -1;
	while (*s == ' ' || *s == '\t')
		s++;
	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno)
		return -1;
	while (*end == ' ' || *end == '\t' || *end == '\r' || *end == '\n')
		end++;
	return *end ? -1 : v;
}

/*
 * --reserve P keeps P% of the organization's budget for its other clients
 * (its live traffic shares the limit with us). While Remaining is at or above
 * P% of Limit we go at --rate. Below it the rate shrinks in proportion to what
 * is left of the reserve: at half the reserve, half the rate; near zero, a
 * trickle. It never reaches zero because the only way to learn that the
 * window has reset and the budget is back is the headers of another reply:
 * a stopped sender would wait forever. THROTTLE_MIN_RATE (one request every
 * five seconds) is negligible against any real budget (the sandbox's is 5
 * per second) and keeps that feedback coming; if the budget does run out,
 * the 429 and its Retry-After pause take over.
 */
void throttle_observe(struct throttle *t, const char *limit,
                      const char *remaining, int64_t now_ms)
{
	long lim = parse_count(limit), rem = parse_count(remaining);
	double reserve;

	if (lim <= 0 || rem < 0 || rem > lim)
		return;
	refill(t, now_ms); /* tokens so far accrued at the old rate */
	t->limit = lim;
	t->remaining = rem;
	reserve = (double)lim * t->reserve_pct / 100.0;
	if (t->reserve_pct == 0 || (double)rem >= reserve)
		t->factor = 1;
	else
		t->factor = (double)rem / reserve;
}
