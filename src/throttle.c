#include "throttle.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define PROBE_MIN_MS 250      /* probes at the floor: never more often */
#define PROBE_MAX_MS 15000    /* ... and never further apart */
#define MISSING_MAX 20        /* counted replies without headers before forgetting */
#define SAMPLE_MIN_MS 100     /* a shorter "window" is noise */
/* The one-second bound is kept over a little more than a second, so that
 * the server, which sees our requests with some jitter, still never sees
 * rate + 1 in one second (it costs 1% of the rate when the bound binds);
 * and the first request, which also opens the connection and reaches the
 * server later than it left, counts as leaving 50 ms later. */
#define LOG_SPAN_MS 1010
#define FIRST_SEND_LAG_MS 50

/* ---- the bucket ---------------------------------------------------------- */

/*
 * The bucket is small on purpose. A bucket of B tokens lets any window of W
 * seconds hold up to rate * W + B requests, so a burst the size of the
 * concurrency (8 at --rate 30) would allow 38 requests in one second. The
 * bucket holds 1.5 tokens: the half token absorbs a sender that wakes a little
 * late (poll granularity, a busy loop) so the long-run rate does not sag. It
 * starts with one token, and the log of the last second's sends keeps any one
 * second to ceil(rate) requests even when the bucket is full: no burst at the
 * start or after a pause. Above 50 per second half a token is under 10 ms of
 * slack, so the bucket grows to 30 ms worth of tokens there.
 */
static double capacity_for(double rate)
{
	double c = rate * 0.030;

	return c > 1.5 ? c : 1.5;
}

static void bucket_init(struct throttle_bucket *b, double rate, int64_t now_ms)
{
	b->rate = rate;
	b->capacity = capacity_for(rate);
	b->tokens = 1.0;
	b->last_ms = now_ms;
	b->log_head = b->log_len = 0;
	b->used = false;
}

/* Brings tokens up to date at now_ms at the current rate. A clock that goes
 * backwards (it should not: callers use a monotonic one) adds nothing. */
static void bucket_refill(struct throttle_bucket *b, int64_t now_ms)
{
	if (now_ms > b->last_ms) {
		b->tokens += (double)(now_ms - b->last_ms) * b->rate / 1000.0;
		if (b->tokens > b->capacity)
			b->tokens = b->capacity;
		b->last_ms = now_ms;
	}
}

static void bucket_set_rate(struct throttle_bucket *b, double rate,
                            int64_t now_ms)
{
	bucket_refill(b, now_ms); /* what accrued so far, at the old rate */
	b->rate = rate;
	b->capacity = capacity_for(rate);
	if (b->tokens > b->capacity)
		b->tokens = b->capacity;
}

/* At most this many sends in any one second: ceil(rate), within the log. */
static unsigned log_bound(double rate)
{
	double n = ceil(rate - 1e-9);

	if (n < 1)
		return 1;
	return n > THROTTLE_LOG_MAX ? THROTTLE_LOG_MAX : (unsigned)n;
}

/* Milliseconds until one request may go (0 = now). */
static int64_t bucket_wait(struct throttle_bucket *b, int64_t now_ms)
{
	int64_t wait = 0;

	bucket_refill(b, now_ms);
	if (b->tokens < 1.0) {
		double need = (1.0 - b->tokens) * 1000.0 / b->rate;

		wait = (int64_t)need;
		if ((double)wait < need)
			wait++; /* round up: asking again early would only spin */
		if (wait < 1)
			wait = 1;
	}
	/* a send at s counts in the seconds [x, x + 1000) holding s */
	while (b->log_len && b->log[b->log_head] <= now_ms - LOG_SPAN_MS) {
		b->log_head = (b->log_head + 1) % THROTTLE_LOG_MAX;
		b->log_len--;
	}
	if (b->log_len >= log_bound(b->rate)) {
		int64_t w = b->log[b->log_head] + LOG_SPAN_MS - now_ms;

		if (w > wait)
			wait = w;
	}
	return wait;
}

static void bucket_take(struct throttle_bucket *b, int64_t now_ms)
{
	if (!b->used) {
		b->used = true;
		now_ms += FIRST_SEND_LAG_MS;
	}
	b->tokens -= 1.0;
	if (b->log_len == THROTTLE_LOG_MAX) {
		b->log_head = (b->log_head + 1) % THROTTLE_LOG_MAX;
		b->log_len--;
	}
	b->log[(b->log_head + b->log_len) % THROTTLE_LOG_MAX] = now_ms;
	b->log_len++;
}

/* ---- what the throttle knows ---------------------------------------------- */

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

long throttle_floor(const struct throttle *t)
{
	if (!t->known)
		return 0;
	/* ceil(limit * pct / 100) in integers: exact for any limit (in
	 * doubles a limit near 10^15 gave a floor above the limit) */
	return t->limit / 100 * (long)t->reserve_pct +
	       (t->limit % 100 * (long)t->reserve_pct + 99) / 100;
}

/*
 * The window's length: the last lengths seen are noisy (a reset is only seen
 * when a reply shows it, and a window that started before our first request
 * looks short), so two or fewer give their minimum (too short only makes the
 * pace a little fast, which the floor absorbs; too long would leave budget
 * unused at the reset) and three give their median, which drops one outlier.
 */
int64_t throttle_window_ms(const struct throttle *t)
{
	const int64_t *s = t->samples;

	if (t->nsamples == 0)
		return t->window0_ms;
	if (t->nsamples == 1)
		return s[0];
	if (t->nsamples == 2)
		return s[0] < s[1] ? s[0] : s[1];
	if ((s[0] <= s[1]) == (s[1] <= s[2]))
		return s[1];
	if ((s[1] <= s[0]) == (s[0] <= s[2]))
		return s[0];
	return s[2];
}

static void add_sample(struct throttle *t, int64_t len_ms)
{
	if (len_ms < SAMPLE_MIN_MS)
		return;
	t->samples[2] = t->samples[1];
	t->samples[1] = t->samples[0];
	t->samples[0] = len_ms;
	if (t->nsamples < 3)
		t->nsamples++;
}

/*
 * Other clients of the organization (other shards, the merchant's own
 * traffic) show only as Remaining falling faster than our own requests
 * explain. Their rate is smoothed over a quarter window (2 to 60 s). While
 * they are active, every decision near the floor assumes they took what their
 * rate says since our last look, rounded up, and at least one: two processes
 * that both saw one unit above the floor must not both take it.
 */
static double others_tau_ms(const struct throttle *t)
{
	double tau = (double)throttle_window_ms(t) / 4;

	return tau < 2000 ? 2000 : tau > 60000 ? 60000 : tau;
}

static bool others_active(const struct throttle *t)
{
	return t->others_rate * others_tau_ms(t) / 1000.0 >= 0.5;
}

static double others_expected(const struct throttle *t, int64_t now_ms)
{
	double stale_ms = (double)(now_ms - t->last_obs_ms) + t->rtt_ms;

	if (!others_active(t))
		return 0;
	return t->others_rate * (stale_ms > 0 ? stale_ms : 0) / 1000.0;
}

/* Whole units of budget above the floor we may still take now. */
static double room(const struct throttle *t, int64_t now_ms)
{
	double r = t->remaining - (double)throttle_floor(t);

	if (others_active(t)) {
		double oe = ceil(others_expected(t, now_ms) - 1e-9);

		r -= oe < 1 ? 1 : oe;
	}
	return r;
}

static bool budget_allows(const struct throttle *t, int64_t now_ms)
{
	return !t->known || room(t, now_ms) >= 1.0;
}

/*
 * The pace: the room above the floor spread over the time left until the
 * window resets, finishing a tenth of a window early (a reset seen late, or a
 * window a little shorter than measured, then costs nothing: the budget was
 * spent). Without a known reset time (the first window, a sliding window, a
 * reset that did not come when expected) the room is spread over a whole
 * window, but never slower than the start rate: the floor guards the budget,
 * the pace only keeps it from being spent in one burst.
 */
double throttle_rate(struct throttle *t, int64_t now_ms)
{
	double r, left, w;

	if (!t->known)
		return t->start;
	left = t->remaining - (double)throttle_floor(t) - others_expected(t, now_ms);
	if (left < 1)
		return t->paced.rate; /* blocked: the pace does not matter now */
	w = (double)throttle_window_ms(t);
	if (t->reset_ms >= 0 && now_ms < t->reset_ms) {
		double until = (double)(t->reset_ms - now_ms) - w / 10;

		if (until > 0) {
			r = left * 1000.0 / until;
		} else { /* the last tenth: what is left goes now */
			r = left * 1000.0 / (double)(t->reset_ms - now_ms);
			if (r < t->start)
				r = t->start;
		}
	} else {
		r = left * 1000.0 / w;
		if (r < t->start)
			r = t->start;
	}
	if (r > t->cap)
		r = t->cap;
	return r < 0.001 ? 0.001 : r;
}

/* ---- the window ---------------------------------------------------------- */

/* A new window began at at_ms: the last one's length is a sample, and the
 * next reset is one window later. */
static void start_window(struct throttle *t, int64_t at_ms, bool after_reset)
{
	if (t->window_start_ms >= 0 && !t->window_sampled && after_reset)
		add_sample(t, at_ms - t->window_start_ms);
	t->window_start_ms = at_ms;
	t->awaiting_start = false;
	t->window_sampled = false;
	t->reset_ms = after_reset ? at_ms + throttle_window_ms(t) : -1;
}

/*
 * Remaining came back up by more than half of what lies above the floor: the
 * window reset (a sliding window comes back a little at a time and never
 * looks like this; its pace is the start rate, its floor the same). A counted
 * request that shows it was itself in the new window, so the window began no
 * later than it left; a GET (not counted) only says it has reset, and the
 * window of a server that starts it with the first counted request begins
 * with our next one.
 */
static void window_reset(struct throttle *t, const struct throttle_ticket *tk)
{
	t->resets_seen++;
	t->reset_order = tk->order;
	if (tk->counted) {
		start_window(t, tk->sent_ms, true);
	} else {
		t->awaiting_start = true;
		t->reset_ms = -1;
	}
}

static void forget(struct throttle *t)
{
	t->known = false;
	t->missing = 0;
	t->others_rate = 0;
	bucket_set_rate(&t->paced, t->start, t->paced.last_ms);
}

/* The next time a probe may go: a step after the last look (a fortieth of the
 * time the window has run, 250 ms to 15 s: a reset is due sooner in a short
 * window), or just after the reset we expect, whichever comes first; never
 * during a pause. Without usable GET headers the "probe" is a counted request
 * and costs one unit under the floor: four times rarer. */
static int64_t next_probe_at(const struct throttle *t, int64_t now_ms)
{
	int64_t base = t->last_probe_ms > t->last_obs_ms ? t->last_probe_ms
	                                                : t->last_obs_ms;
	int64_t step = t->window_start_ms >= 0 ? (now_ms - t->window_start_ms) / 40
	                                       : PROBE_MIN_MS;
	int64_t at;

	if (step < PROBE_MIN_MS)
		step = PROBE_MIN_MS;
	if (step > PROBE_MAX_MS)
		step = PROBE_MAX_MS;
	if (t->probes_useless)
		step *= 4;
	at = base + step;
	if (t->reset_ms >= 0 && t->reset_ms + 20 > base && t->reset_ms + 20 < at)
		at = t->reset_ms + 20;
	return at > t->paused_until_ms ? at : t->paused_until_ms;
}

/* ---- the calls ----------------------------------------------------------- */

void throttle_init(struct throttle *t, double rate, unsigned reserve_pct,
                   double window_s, int64_t now_ms)
{
	memset(t, 0, sizeof(*t));
	if (!(rate > 0)) {
		t->cap = THROTTLE_MAX_RATE;
		t->start = THROTTLE_START_RATE;
	} else {
		t->cap = t->start = rate > THROTTLE_MAX_RATE ? THROTTLE_MAX_RATE : rate;
	}
	t->reserve_pct = reserve_pct > 100 ? 100 : reserve_pct;
	t->window0_ms = window_s > 0 ? (int64_t)(window_s * 1000 + 0.5) : 600000;
	if (t->window0_ms < 1)
		t->window0_ms = 1;
	bucket_init(&t->all, t->cap, now_ms);
	bucket_init(&t->paced, t->start, now_ms);
	t->paused_until_ms = now_ms;
	t->limit = -1;
	t->last_obs_ms = now_ms;
	t->last_probe_ms = now_ms;
	t->window_start_ms = -1;
	t->reset_ms = -1;
}

static void fill(struct throttle *t, struct throttle_ticket *tk, bool counted,
                 bool probe, int64_t now_ms)
{
	tk->order = ++t->order;
	tk->seq = t->seq;
	tk->sent_ms = now_ms;
	tk->inflight = counted ? t->inflight - 1 : t->inflight;
	tk->counted = counted;
	tk->probe = probe;
	tk->open = true;
}

int64_t throttle_take(struct throttle *t, bool counted, int64_t now_ms,
                      struct throttle_ticket *tk)
{
	int64_t wait, w;
	bool as_probe = false;

	if (now_ms < t->paused_until_ms)
		return t->paused_until_ms - now_ms;
	wait = bucket_wait(&t->all, now_ms);
	if (counted) {
		if (!budget_allows(t, now_ms)) {
			/* at the floor: wait for a probe's news (or, when GETs say
			 * nothing, let one request go now and then as the probe) */
			int64_t at = next_probe_at(t, now_ms);

			if (!t->probes_useless || now_ms < at) {
				w = at - now_ms;
				return w < 1 ? 1 : w > 1000 ? 1000 : w;
			}
			as_probe = true;
		}
		bucket_set_rate(&t->paced, throttle_rate(t, now_ms), now_ms);
		w = bucket_wait(&t->paced, now_ms);
		if (w > wait)
			wait = w;
	}
	if (wait)
		return wait;
	bucket_take(&t->all, now_ms);
	if (counted) {
		bucket_take(&t->paced, now_ms);
		t->seq++;
		t->inflight++;
		if (as_probe)
			t->last_probe_ms = now_ms;
		if (t->known)
			t->remaining -= 1;
		if (t->window_start_ms < 0)
			start_window(t, now_ms, false);
		else if (t->awaiting_start)
			start_window(t, now_ms, true);
	}
	fill(t, tk, counted, false, now_ms);
	return 0;
}

int64_t throttle_probe(struct throttle *t, int64_t now_ms,
                       struct throttle_ticket *tk)
{
	int64_t at;

	/* a reply still to come brings the same news for free */
	if (!t->known || t->probes_useless || t->probe_flying || t->inflight ||
	    budget_allows(t, now_ms))
		return -1;
	at = next_probe_at(t, now_ms);
	if (now_ms < at)
		return at - now_ms;
	t->probe_flying = true;
	t->last_probe_ms = now_ms;
	fill(t, tk, false, true, now_ms);
	return 0;
}

static void note_others(struct throttle *t, double others, int64_t now_ms)
{
	double dt = (double)(now_ms - t->last_obs_ms), a;

	if (dt <= 0)
		dt = 1;
	if (others < 0) /* our own requests landed in an order we did not see */
		others = 0;
	a = 1 - exp(-dt / others_tau_ms(t));
	t->others_rate += a * (others * 1000.0 / dt - t->others_rate);
}

/*
 * Replies come back late and out of order (8 in flight, other processes
 * sending meanwhile), so each Remaining is placed by its ticket: the requests
 * we took after it (and those in flight when it left) may be missing from it.
 * A newer reply (by ticket) replaces the estimate: Remaining less every
 * counted request still in flight (some may already be in it: we count them
 * twice rather than never). An older one can only lower it, unless it
 * predates the last reset.
 */
void throttle_observe(struct throttle *t, struct throttle_ticket *tk, long http,
                      const char *limit, const char *remaining, int64_t now_ms)
{
	long lim, rem;

	if (!tk->open)
		return;
	tk->open = false;
	if (tk->counted && t->inflight)
		t->inflight--;
	if (tk->probe)
		t->probe_flying = false;
	lim = parse_count(limit);
	rem = parse_count(remaining);
	if (lim <= 0 || rem < 0 || rem > lim) {
		if (tk->counted && http > 0 && ++t->missing >= MISSING_MAX)
			forget(t);
		if (tk->probe && http >= 200 && http < 300)
			t->probes_useless = true;
		return;
	}
	if (!tk->counted) {
		/* a GET's headers may describe another budget, or none */
		if (!t->known || lim != t->limit) {
			if (tk->probe && http >= 200 && http < 300)
				t->probes_useless = true;
			return;
		}
	} else {
		double rtt = (double)(now_ms - tk->sent_ms);

		t->missing = 0;
		t->rtt_ms = t->rtt_ms > 0 ? 0.8 * t->rtt_ms + 0.2 * rtt : rtt;
	}
	if (!t->known || lim != t->limit || tk->order > t->last_order) {
		if (t->known && lim == t->limit) {
			double ours = (double)(tk->seq - t->last_seq);
			double expect = (double)t->last_raw - ours;

			if ((double)rem >= expect + 1 &&
			    (double)rem - expect >= (double)(lim - throttle_floor(t)) / 2)
				window_reset(t, tk);
			else if ((double)rem <= expect)
				note_others(t, expect - (double)rem - t->last_inflight,
				            now_ms);
			else
				note_others(t, 0, now_ms);
		}
		t->known = true;
		t->limit = lim;
		t->remaining = (double)rem - t->inflight;
		t->last_raw = rem;
		t->last_order = tk->order;
		t->last_seq = tk->seq;
		t->last_inflight = tk->inflight;
		t->last_obs_ms = now_ms;
	} else if (!(t->resets_seen && tk->order < t->reset_order)) {
		double cand = (double)rem - t->inflight;

		if (cand < t->remaining)
			t->remaining = cand;
	}
}

void throttle_reset_at(struct throttle *t, int64_t reset_ms, int64_t now_ms)
{
	if (reset_ms <= now_ms)
		return;
	t->reset_ms = reset_ms;
	if (t->window_start_ms >= 0 && !t->awaiting_start && !t->window_sampled) {
		add_sample(t, reset_ms - t->window_start_ms);
		t->window_sampled = true;
	}
}

void throttle_pause_until(struct throttle *t, int64_t until_ms)
{
	if (until_ms > t->paused_until_ms)
		t->paused_until_ms = until_ms;
}

/*
 * How long to sleep when the throttle says a token comes in t ms. At a high
 * --rate a token comes every millisecond or so, and waking for each one
 * costs a timer wakeup, a poll and a curl_multi_perform per request: at
 * --rate 1000 that was over a third of the client's CPU (bench/send). The
 * bucket holds more than one token (throttle.c: 30 ms worth above 50 per
 * second), so sleeping a little longer loses none: what accrues meanwhile
 * starts as a small batch, at the same long-run rate and within the same
 * rate + capacity bound on any window. The sleep is stretched to at most
 * TOKEN_BATCH_MS and to half the bucket's room above one token, so the
 * other half still absorbs a late wakeup. At low rates (a token every
 * 20 ms or more) the stretch only applies to the last few milliseconds.
 */
#define TOKEN_BATCH_MS 10.0
static double bucket_room_ms(const struct throttle_bucket *b)
{
	return (b->capacity - 1.0) * 1000.0 / b->rate / 2;
}

int64_t throttle_sleep_ms(const struct throttle *th, int64_t t)
{
	double room_ms = bucket_room_ms(&th->all) < bucket_room_ms(&th->paced)
	                         ? bucket_room_ms(&th->all)
	                         : bucket_room_ms(&th->paced);
	int64_t floor_ms = (int64_t)(room_ms < TOKEN_BATCH_MS ? room_ms
	                                                      : TOKEN_BATCH_MS);

	return t < floor_ms ? floor_ms : t;
}
