/* throttle: the token buckets, the one-second bound, the budget floor and the
 * auto pace, driven by recorded header sequences and by a simulated server
 * (fixed windows started by the first request like the fake's, windows on a
 * clock grid, sliding windows, none) with simulated clients: concurrency,
 * latency with jitter (replies out of order), shards, another client that
 * ignores the budget. Time is simulated: nothing sleeps. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "throttle.h"

/* ---- plain bucket behaviour ------------------------------------------------ */

/* Drives t like the sender does: ask, and when told to wait, come back after
 * exactly that long plus late_ms (a sender never wakes early). Records the
 * time of every take in sent[] (up to max) and returns how many. */
static size_t simulate(struct throttle *t, bool counted, int64_t start_ms,
                       int64_t end_ms, int64_t late_ms, int64_t *sent,
                       size_t max)
{
	struct throttle_ticket tk;
	int64_t now = start_ms;
	size_t n = 0;

	while (now < end_ms && n < max) {
		int64_t w = throttle_take(t, counted, now, &tk);

		if (w == 0) {
			sent[n++] = now;
			throttle_observe(t, &tk, 201, NULL, NULL, now);
		} else {
			now += w + late_ms;
		}
	}
	return n;
}

/* The most takes in any half-open window [x, x + width_ms). */
static size_t max_in_window(const int64_t *sent, size_t n, int64_t width_ms)
{
	size_t i, j = 0, best = 0;

	for (i = 0; i < n; i++) {
		while (sent[i] - sent[j] >= width_ms)
			j++;
		if (i - j + 1 > best)
			best = i - j + 1;
	}
	return best;
}

static void rate_holds_over_ten_seconds(void **state)
{
	static int64_t sent[1000];
	int64_t late;

	(void)state;
	/* On time, and waking up to 3 ms late each time (poll granularity). */
	for (late = 0; late <= 3; late++) {
		struct throttle t;
		size_t n;

		throttle_init(&t, 30, 20, 600, 1000);
		n = simulate(&t, true, 1000, 11000, late, sent, 1000);
		/* 300 expected; within 2% */
		assert_in_range(n, 294, 306);
		assert_true(max_in_window(sent, n, 1000) <= 30);
	}
}

static void no_burst_at_the_start(void **state)
{
	static int64_t sent[1000];
	static const double rates[] = {1, 5, 30, 50, 200, 1000};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(rates) / sizeof(rates[0]); i++) {
		struct throttle t;
		size_t n;

		throttle_init(&t, rates[i], 20, 600, 0);
		n = simulate(&t, true, 0, 3000, 0, sent, 1000);
		/* the first second, and any other, holds at most the rate */
		assert_true(max_in_window(sent, n, 1000) <= (size_t)rates[i]);
		n = 0;
		while (n < 1000 && sent[n] < 1000)
			n++;
		assert_int_equal(n, (size_t)rates[i]);
	}
}

static void no_burst_after_a_pause(void **state)
{
	static int64_t sent[1000];
	struct throttle t;
	size_t n;

	(void)state;
	throttle_init(&t, 5, 0, 600, 0);
	throttle_pause_until(&t, 60000); /* a long 429: the bucket fills up */
	n = simulate(&t, true, 0, 63000, 1, sent, 1000);
	assert_true(sent[0] >= 60000);
	assert_true(max_in_window(sent, n, 1000) <= 5);
	assert_in_range(n, 14, 16);
}

static void auto_starts_at_five(void **state)
{
	static int64_t sent[1000];
	struct throttle t;
	size_t n;

	(void)state;
	throttle_init(&t, THROTTLE_AUTO, 20, 600, 0);
	/* no headers at all: the start rate, with no burst */
	n = simulate(&t, true, 0, 10000, 1, sent, 1000);
	assert_in_range(n, 49, 51);
	assert_true(max_in_window(sent, n, 1000) <= 5);
}

static void slow_and_fractional_rates(void **state)
{
	static int64_t sent[1000];
	struct throttle t;
	size_t n;

	(void)state;
	throttle_init(&t, 0.5, 0, 600, 0);
	n = simulate(&t, true, 0, 60000, 1, sent, 1000);
	assert_in_range(n, 29, 31);
	assert_true(max_in_window(sent, n, 1000) <= 1);

	throttle_init(&t, 2.5, 0, 600, 0);
	n = simulate(&t, true, 0, 60000, 2, sent, 1000);
	assert_in_range(n, 147, 151);
	assert_true(max_in_window(sent, n, 1000) <= 3);
}

static void pause_stops_everything(void **state)
{
	struct throttle t;
	struct throttle_ticket tk;

	(void)state;
	throttle_init(&t, 100, 0, 600, 0);
	throttle_pause_until(&t, 5000);
	assert_int_equal(throttle_take(&t, true, 1000, &tk), 4000);
	assert_int_equal(throttle_take(&t, false, 4999, &tk), 1);
	/* a shorter pause does not cut the longer one short */
	throttle_pause_until(&t, 2000);
	assert_int_equal(throttle_take(&t, true, 3000, &tk), 2000);
	assert_int_equal(throttle_take(&t, true, 5000, &tk), 0);
}

/* ---- recorded header sequences -------------------------------------------- */

static void see(struct throttle *t, struct throttle_ticket *tk, long http,
                long limit, long remaining, int64_t now)
{
	char l[32], r[32];

	snprintf(l, sizeof(l), "%ld", limit);
	snprintf(r, sizeof(r), "%ld", remaining);
	throttle_observe(t, tk, http, l, r, now);
}

/* Takes one counted request at now, which must be allowed. */
static struct throttle_ticket go(struct throttle *t, int64_t now)
{
	struct throttle_ticket tk;

	assert_int_equal(throttle_take(t, true, now, &tk), 0);
	return tk;
}

static void reserve_is_a_floor(void **state)
{
	struct throttle t;
	struct throttle_ticket tk;
	int64_t now = 0;
	long r;

	(void)state;
	throttle_init(&t, 1000, 20, 600, 0);
	tk = go(&t, now);
	see(&t, &tk, 201, 100, 99, now + 5);
	assert_int_equal(throttle_floor(&t), 20);
	{
		/* exact for any limit: in doubles, 20% of a limit near 10^15
		 * came out above the limit itself (fuzz_response) */
		struct throttle h = t;

		h.limit = 999999999999990L;
		assert_int_equal(throttle_floor(&h), 199999999999998L);
		h.limit = 7;
		assert_int_equal(throttle_floor(&h), 2); /* ceil(1.4) */
		h.reserve_pct = 0;
		assert_int_equal(throttle_floor(&h), 0);
	}
	/* one at a time, each answered: exactly down to 20, never 19 */
	for (r = 98; r >= 20; r--) {
		now += 10;
		tk = go(&t, now);
		see(&t, &tk, 201, 100, r, now + 5);
	}
	now += 10;
	assert_true(throttle_take(&t, true, now, &tk) > 0);
	assert_true(throttle_take(&t, true, now + 60000, &tk) > 0);
	/* GETs are not counted by the budget: they still go */
	assert_int_equal(throttle_take(&t, false, now, &tk), 0);
	throttle_observe(&t, &tk, 200, NULL, NULL, now);
}

static void in_flight_requests_count_before_their_replies(void **state)
{
	struct throttle t;
	struct throttle_ticket tk[8], x;
	int i;

	(void)state;
	throttle_init(&t, 1000, 20, 600, 0);
	tk[0] = go(&t, 0);
	see(&t, &tk[0], 201, 50, 15, 3); /* 5 above the floor of 10 */
	for (i = 0; i < 5; i++)
		tk[i] = go(&t, 10 + i * 2);
	/* five in flight, no reply yet: the sixth would be below the floor */
	assert_true(throttle_take(&t, true, 30, &x) > 0);
	/* replies in reverse order; the older ones are stale and change nothing */
	see(&t, &tk[4], 201, 50, 10, 40);
	assert_true(throttle_take(&t, true, 41, &x) > 0);
	see(&t, &tk[0], 201, 50, 14, 42); /* sent first: older news */
	assert_true(throttle_take(&t, true, 43, &x) > 0);
}

static void late_old_reply_does_not_undo_a_reset(void **state)
{
	struct throttle t;
	struct throttle_ticket a, b;

	(void)state;
	throttle_init(&t, 1000, 20, 600, 0);
	a = go(&t, 0);
	see(&t, &a, 201, 50, 11, 2);
	a = go(&t, 100); /* the last one above the floor; its reply is slow */
	assert_true(throttle_take(&t, true, 101, &b) > 0);
	/* no probe while a is in flight: its reply brings the news... */
	assert_int_equal(throttle_probe(&t, 20000, &b), -1);
	/* ...but a GET (a lookup) shows the window reset first */
	assert_int_equal(throttle_take(&t, false, 20000, &b), 0);
	see(&t, &b, 200, 50, 50, 20002);
	assert_int_equal(t.resets_seen, 1);
	assert_true(t.remaining == 49); /* a may still land in the new window */
	b = go(&t, 20003);
	/* ...then a's reply, from the old window, arrives late: no effect */
	see(&t, &a, 201, 50, 10, 20004);
	assert_true(t.remaining == 48);
	see(&t, &b, 201, 50, 48, 20005);
	assert_true(t.remaining == 48);
}

static void window_is_learned_from_resets(void **state)
{
	struct throttle t;
	struct throttle_ticket tk;
	int64_t now;
	int w;

	(void)state;
	throttle_init(&t, THROTTLE_AUTO, 20, 600, 0);
	assert_int_equal(throttle_window_ms(&t), 600000);
	/* a fixed window of 20 per 2 s, started by the first request */
	for (w = 0; w < 4; w++) {
		int64_t start = -1;
		long used = 0;

		now = w * 2100; /* each window starts with our first request */
		for (;;) {
			int64_t d = throttle_take(&t, true, now, &tk);

			if (d == 0) {
				if (start < 0)
					start = now;
				used++;
				see(&t, &tk, 201, 20,
				    20 - used - (now >= start + 2000 ? 0 : 0), now + 1);
				now += 1;
				continue;
			}
			if (now >= w * 2100 + 2000)
				break;
			if (throttle_probe(&t, now, &tk) == 0)
				see(&t, &tk, 200, 20,
				    now >= start + 2000 ? 20 : 20 - used, now + 1);
			now += d < 50 ? d : 50;
		}
		assert_true(used <= 16);
	}
	/* the window is about 2 s, learned (within the probing step) */
	assert_in_range(throttle_window_ms(&t), 1900, 2500);
	assert_true(t.resets_seen >= 3);
}

static void reset_time_of_a_429_is_used(void **state)
{
	struct throttle t;
	struct throttle_ticket tk;

	(void)state;
	throttle_init(&t, THROTTLE_AUTO, 20, 600, 0);
	tk = go(&t, 0);
	/* another client drained the budget: a 429, reset at 7 s */
	see(&t, &tk, 429, 50, 0, 5);
	throttle_reset_at(&t, 7000, 5);
	throttle_pause_until(&t, 7000);
	assert_true(throttle_take(&t, true, 10, &tk) >= 6990);
	assert_int_equal(throttle_probe(&t, 6000, &tk), 1000);
	/* just after the reset: a probe, which shows the budget back */
	assert_int_equal(throttle_probe(&t, 7000, &tk), 0);
	see(&t, &tk, 200, 50, 50, 7022);
	assert_int_equal(throttle_take(&t, true, 7023, &tk), 0);
	/* the window began at our first request (0) and ended at 7 s */
	assert_int_equal(throttle_window_ms(&t), 7000);
}

static void early_reset_is_taken_at_once(void **state)
{
	struct throttle t;
	struct throttle_ticket tk;
	int64_t now = 0;
	long r = 50;

	(void)state;
	throttle_init(&t, 1000, 20, 10, 0);
	/* learn a 10 s window: a probe sees a reset after 10 s */
	while (r > 10) {
		tk = go(&t, now);
		see(&t, &tk, 201, 50, --r, now + 1);
		now += 10;
	}
	assert_int_equal(throttle_probe(&t, 10000, &tk), 0);
	see(&t, &tk, 200, 50, 50, 10001);
	r = 50;
	tk = go(&t, 10002);
	see(&t, &tk, 201, 50, --r, 10003);
	/* the window began with that request: the next reset is due 10 s on */
	assert_int_equal(throttle_window_ms(&t), 10002);
	assert_int_equal(t.reset_ms, 20004);
	/* paced over the window: by 15 s about half the room is spent */
	for (now = 10004; now < 15000; now++)
		if (throttle_take(&t, true, now, &tk) == 0)
			see(&t, &tk, 201, 50, --r, now + 1);
	assert_in_range(r, 24, 32);
	/* the server resets at 15 s, earlier than expected: the next reply
	 * says so, and the room is back at once */
	while (throttle_take(&t, true, now, &tk) != 0)
		now++;
	see(&t, &tk, 201, 50, 49, now + 1);
	assert_int_equal(t.resets_seen, 2);
	assert_true(t.remaining >= 48);
	/* two windows seen, 10 s and 5 s: the shorter one is believed */
	assert_in_range(throttle_window_ms(&t), 4990, 5200);
}

static void other_client_draining_is_seen(void **state)
{
	struct throttle t;
	struct throttle_ticket tk;
	int64_t now = 0;
	long r = 3000;
	int i;

	(void)state;
	throttle_init(&t, THROTTLE_AUTO, 20, 600, 0);
	/* each of our requests sees 10 fewer: someone else takes 9 per ours */
	for (i = 0; i < 20; i++) {
		while (throttle_take(&t, true, now, &tk) != 0)
			now++;
		r -= 10;
		see(&t, &tk, 201, 3000, r, now + 1);
	}
	assert_true(t.others_rate > 1);
	/* near the floor, their expected share is held back too */
	r = 601 + 3;
	while (throttle_take(&t, true, now, &tk) != 0)
		now++;
	see(&t, &tk, 201, 3000, r, now + 1);
	assert_true(throttle_take(&t, true, now + 2000, &tk) > 0);
}

static void missing_and_garbage_headers(void **state)
{
	static const char *const bad[][2] = {
		{NULL, "1"},   {"100", NULL}, {"", "1"},     {"100", ""},
		{"abc", "1"},  {"100", "x"},  {"-100", "1"}, {"100", "-1"},
		{"100", "1x"}, {"1e2", "1"},  {"100", "1.5"}, {"0", "0"},
		{"100", "101"}, {"99999999999999999999999", "1"},
		{"100", "+1"},
	};
	struct throttle t;
	struct throttle_ticket tk;
	size_t i;
	int64_t now = 0;

	(void)state;
	throttle_init(&t, 10, 20, 600, 0);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		while (throttle_take(&t, true, now, &tk))
			now++;
		throttle_observe(&t, &tk, 201, bad[i][0], bad[i][1], now);
		assert_false(t.known);
		assert_true(throttle_rate(&t, now) == 10);
	}
	/* blanks around a number are fine (header values keep their CRLF) */
	while (throttle_take(&t, true, now, &tk))
		now++;
	throttle_observe(&t, &tk, 201, " 100 ", "10\r\n", now);
	assert_true(t.known);
	assert_int_equal(throttle_floor(&t), 20);
	assert_true(throttle_take(&t, true, now + 5000, &tk) > 0);
	/* a GET's headers are not trusted for the budget before a POST's,
	 * nor when they name another limit */
	throttle_init(&t, 10, 20, 600, 0);
	assert_int_equal(throttle_take(&t, false, 0, &tk), 0);
	throttle_observe(&t, &tk, 200, "100", "0", 1);
	assert_false(t.known);
	tk = go(&t, 200);
	see(&t, &tk, 201, 100, 90, 201);
	assert_int_equal(throttle_take(&t, false, 400, &tk), 0);
	see(&t, &tk, 200, 5000, 0, 401);
	assert_true(t.remaining > 80);
	/* headers gone for good: after 20 replies without, the budget is
	 * forgotten and the start rate applies again */
	now = 1000;
	for (i = 0; i < 20; i++) {
		while (throttle_take(&t, true, now, &tk))
			now++;
		throttle_observe(&t, &tk, 201, NULL, NULL, now);
	}
	assert_false(t.known);
}

static void probes_without_headers_fall_back(void **state)
{
	struct throttle t;
	struct throttle_ticket tk;
	int64_t now;

	(void)state;
	throttle_init(&t, 1000, 20, 10, 0);
	tk = go(&t, 0);
	see(&t, &tk, 201, 50, 10, 1); /* at the floor */
	assert_true(throttle_take(&t, true, 2, &tk) > 0);
	now = 2;
	while (throttle_probe(&t, now, &tk) != 0)
		now++;
	throttle_observe(&t, &tk, 200, NULL, NULL, now + 1); /* no headers */
	assert_true(t.probes_useless);
	assert_int_equal(throttle_probe(&t, now + 5000, &tk), -1);
	/* now and then one counted request goes as the probe */
	now += 2;
	while (throttle_take(&t, true, now, &tk) != 0)
		now++;
	assert_true(now >= 1000); /* four probe steps of 250 ms at least */
	see(&t, &tk, 201, 50, 49, now + 1);
	assert_int_equal(throttle_take(&t, true, now + 2, &tk), 0);
}

/* ---- a simulated server and its clients ------------------------------------ */

enum srv_kind { SRV_LAZY, SRV_GRID, SRV_SLIDING };

#define SIM_MAX 20000

struct srv {
	enum srv_kind kind;
	long limit;
	int64_t window_ms;
	bool headers;       /* X-RateLimit-* on replies */
	bool get_headers;   /* ... on GET replies too */
	long floor;         /* for counting our requests taken below it */
	int64_t start;      /* lazy: the current window's start, -1 none */
	int64_t grid;       /* grid: the current window's index */
	long count;         /* fixed: counted requests in this window */
	long per_window[SIM_MAX / 10];
	long nwindows;
	int64_t times[SIM_MAX]; /* every counted request accepted */
	unsigned ntimes;
	unsigned n429;
	unsigned below_floor; /* throttled clients' requests that left Remaining < floor */
};

struct reply {
	int status;
	long limit, remaining;
	int64_t reset;
};

static long srv_sliding_count(const struct srv *s, int64_t now)
{
	long n = 0;
	unsigned i;

	for (i = s->ntimes; i > 0 && s->times[i - 1] > now - s->window_ms; i--)
		n++;
	return n;
}

static struct reply srv_process(struct srv *s, int64_t now, bool counted,
                                bool throttled)
{
	struct reply rp = {counted ? 201 : 200, s->limit, 0, 0};
	long used;

	switch (s->kind) {
	case SRV_LAZY:
		if (s->start >= 0 && now >= s->start + s->window_ms) {
			s->start = -1;
			s->count = 0;
		}
		if (counted && s->start < 0) {
			s->start = now;
			s->nwindows++;
		}
		rp.reset = s->start + s->window_ms;
		used = s->count;
		break;
	case SRV_GRID:
		if (now / s->window_ms != s->grid) {
			s->grid = now / s->window_ms;
			s->count = 0;
			s->nwindows = s->grid + 1;
		}
		rp.reset = (s->grid + 1) * s->window_ms;
		used = s->count;
		break;
	default:
		used = srv_sliding_count(s, now);
		rp.reset = used ? s->times[s->ntimes - used] + s->window_ms : now;
		s->nwindows = 1;
		break;
	}
	if (counted && used >= s->limit) {
		rp.status = 429;
		s->n429++;
	} else if (counted) {
		used++;
		if (s->kind != SRV_SLIDING) {
			s->count++;
			s->per_window[s->nwindows - 1]++;
		}
		if (s->ntimes < SIM_MAX)
			s->times[s->ntimes++] = now;
		if (throttled && s->limit - used < s->floor)
			s->below_floor++;
	}
	rp.remaining = s->limit - used;
	return rp;
}

/* The most counted requests in any window: per fixed window, or in any
 * interval of the window's length for a sliding one. */
static long srv_busiest(const struct srv *s)
{
	long best = 0, i;

	if (s->kind == SRV_SLIDING) {
		unsigned a, b = 0;

		for (a = 0; a < s->ntimes; a++) {
			while (s->times[a] - s->times[b] >= s->window_ms)
				b++;
			if ((long)(a - b + 1) > best)
				best = a - b + 1;
		}
		return best;
	}
	for (i = 0; i < s->nwindows; i++)
		if (s->per_window[i] > best)
			best = s->per_window[i];
	return best;
}

struct flight {
	struct throttle_ticket tk;
	int64_t at_server, at_reply;
	struct reply rp;
};

struct client {
	struct throttle th;
	bool throttled;      /* false: a client that ignores the budget */
	int64_t every_ms;    /* ... and sends one request this often */
	unsigned conc;
	int64_t lat_ms, jitter_ms;
	long left, created;
	struct flight fly[64];
	unsigned nfly;
	unsigned probes;
	int64_t finished_ms;
	uint64_t rng;
};

static void client_init(struct client *c, double rate, unsigned reserve,
                        double window_s, unsigned conc, int64_t lat_ms,
                        int64_t jitter_ms, long rows)
{
	memset(c, 0, sizeof(*c));
	throttle_init(&c->th, rate, reserve, window_s, 0);
	c->throttled = true;
	c->conc = conc;
	c->lat_ms = lat_ms;
	c->jitter_ms = jitter_ms;
	c->left = rows;
	c->finished_ms = -1;
	c->rng = 0x9e3779b97f4a7c15ULL ^ (uint64_t)rows;
}

static int64_t latency(struct client *c)
{
	c->rng ^= c->rng << 13;
	c->rng ^= c->rng >> 7;
	c->rng ^= c->rng << 17;
	return c->lat_ms + (c->jitter_ms ? (int64_t)(c->rng % (uint64_t)(c->jitter_ms + 1)) : 0);
}

static void launch(struct client *c, const struct throttle_ticket *tk,
                   int64_t now)
{
	struct flight *f = &c->fly[c->nfly++];
	int64_t l = latency(c);

	f->tk = *tk;
	f->at_server = now + l / 2;
	f->at_reply = now + (l > 0 ? l : 1);
	f->rp.status = -1;
}

/* Runs the clients against s from from_ms to end_ms of simulated time, one
 * millisecond at a time; returns when every throttled client is done. */
static void run_sim(struct srv *s, struct client *cl, unsigned ncl,
                    int64_t from_ms, int64_t end_ms)
{
	int64_t now;
	unsigned k, i;

	for (now = from_ms; now < end_ms; now++) {
		bool all_done = true;

		for (k = 0; k < ncl; k++) {
			struct client *c = &cl[k];

			for (i = 0; i < c->nfly; i++)
				if (c->fly[i].at_server == now)
					c->fly[i].rp = srv_process(s, now,
					        c->fly[i].tk.counted, c->throttled);
		}
		for (k = 0; k < ncl; k++) {
			struct client *c = &cl[k];

			for (i = 0; i < c->nfly;) {
				struct flight f = c->fly[i];
				char l[32], r[32];
				bool hdr = s->headers && (f.tk.counted || s->get_headers);

				if (f.at_reply != now) {
					i++;
					continue;
				}
				c->fly[i] = c->fly[--c->nfly];
				if (!c->throttled)
					continue;
				snprintf(l, sizeof(l), "%ld", f.rp.limit);
				snprintf(r, sizeof(r), "%ld", f.rp.remaining);
				throttle_observe(&c->th, &f.tk, f.rp.status,
				                 hdr ? l : NULL, hdr ? r : NULL, now);
				if (f.rp.status == 429) {
					/* Retry-After in whole seconds, rounded up */
					int64_t at = (f.rp.reset + 999) / 1000 * 1000;

					throttle_reset_at(&c->th, at, now);
					throttle_pause_until(&c->th, at);
					c->left++;
				} else if (f.tk.counted) {
					c->created++;
				}
			}
			if (!c->throttled) {
				if (now % c->every_ms == 0) {
					struct throttle_ticket tk = {0};

					tk.counted = true;
					launch(c, &tk, now);
				}
				continue;
			}
			while (c->left > 0 && c->nfly < c->conc) {
				struct throttle_ticket tk;

				if (throttle_take(&c->th, true, now, &tk)) {
					if (throttle_probe(&c->th, now, &tk) == 0) {
						c->probes++;
						launch(c, &tk, now);
					}
					break;
				}
				c->left--;
				launch(c, &tk, now);
			}
			if (c->left == 0 && c->nfly == 0 && c->finished_ms < 0)
				c->finished_ms = now;
			if (c->finished_ms < 0)
				all_done = false;
		}
		if (all_done)
			return;
	}
}

static void dump(const struct srv *s, const struct client *c, unsigned n)
{
	long i;
	unsigned k;

	if (!getenv("SIM_DUMP"))
		return;
	for (i = 0; i < s->nwindows && s->kind != SRV_SLIDING; i++)
		fprintf(stderr, "%ld ", s->per_window[i]);
	fprintf(stderr, "| busiest %ld 429s %u below %u\n", srv_busiest(s), s->n429, s->below_floor);
	for (k = 0; k < n; k++)
		fprintf(stderr, "  client %u: created %ld finished %lld probes %u W %lld resets %u others %.2f\n", k, c[k].created, (long long)c[k].finished_ms, c[k].probes, (long long)throttle_window_ms(&c[k].th), c[k].th.resets_seen, c[k].th.others_rate);
}

static void srv_init(struct srv *s, enum srv_kind kind, long limit,
                     int64_t window_ms, unsigned reserve)
{
	memset(s, 0, sizeof(*s));
	s->kind = kind;
	s->limit = limit;
	s->window_ms = window_ms;
	s->headers = s->get_headers = true;
	s->floor = (limit * (long)reserve + 99) / 100;
	s->start = -1;
	s->grid = -1;
}

/* The figures: 50 per 10 s, --reserve 20, 160 rows. */
static void one_process_keeps_the_reserve(void **state)
{
	static struct srv s;
	static struct client c;

	(void)state;
	srv_init(&s, SRV_LAZY, 50, 10000, 20);
	client_init(&c, THROTTLE_AUTO, 20, 600, 8, 3, 4, 160);
	run_sim(&s, &c, 1, 0, 200000);
	dump(&s, &c, 1);
	assert_int_equal(c.created, 160);
	assert_true(srv_busiest(&s) <= 40);
	assert_int_equal(s.n429, 0);
	assert_int_equal(s.below_floor, 0);
	assert_true(s.nwindows <= 5);
	assert_true(c.finished_ms < 50000);
	assert_true(c.probes < 100);
}

static void two_shards_share_it(void **state)
{
	static struct srv s;
	static struct client c[2];

	(void)state;
	srv_init(&s, SRV_LAZY, 50, 10000, 20);
	client_init(&c[0], THROTTLE_AUTO, 20, 600, 8, 3, 4, 80);
	client_init(&c[1], THROTTLE_AUTO, 20, 600, 8, 5, 6, 80);
	run_sim(&s, c, 2, 0, 200000);
	dump(&s, c, 2);
	assert_int_equal(c[0].created + c[1].created, 160);
	assert_true(srv_busiest(&s) <= 40);
	assert_true(s.n429 <= 2);
	assert_true(s.nwindows <= 5);
}

static void fixed_rate_still_keeps_the_floor(void **state)
{
	static struct srv s;
	static struct client c;

	(void)state;
	srv_init(&s, SRV_LAZY, 50, 10000, 20);
	client_init(&c, 20, 20, 600, 8, 3, 4, 160);
	run_sim(&s, &c, 1, 0, 200000);
	dump(&s, &c, 1);
	assert_int_equal(c.created, 160);
	assert_true(srv_busiest(&s) <= 40);
	assert_int_equal(s.n429, 0);
	assert_true(s.nwindows <= 5);
}

static void grid_windows_joined_midway(void **state)
{
	static struct srv s;
	static struct client c[2];

	(void)state;
	/* windows on the clock; a second process joins 23 s in */
	srv_init(&s, SRV_GRID, 50, 10000, 20);
	client_init(&c[0], THROTTLE_AUTO, 20, 600, 8, 3, 4, 200);
	client_init(&c[1], THROTTLE_AUTO, 20, 600, 8, 3, 4, 100);
	run_sim(&s, c, 1, 0, 23000);
	run_sim(&s, c, 2, 23000, 200000);
	dump(&s, c, 2);
	assert_int_equal(c[0].created + c[1].created, 300);
	assert_true(srv_busiest(&s) <= 40);
	assert_true(s.n429 <= 2);
	assert_true(s.nwindows <= 9); /* 300 / 40 = 7.5 windows at best */
}

static void sliding_window(void **state)
{
	static struct srv s;
	static struct client c[2];

	(void)state;
	srv_init(&s, SRV_SLIDING, 50, 10000, 20);
	client_init(&c[0], THROTTLE_AUTO, 20, 600, 8, 3, 4, 120);
	client_init(&c[1], THROTTLE_AUTO, 20, 600, 8, 3, 4, 120);
	run_sim(&s, c, 2, 0, 200000);
	dump(&s, c, 2);
	assert_int_equal(c[0].created + c[1].created, 240);
	assert_true(srv_busiest(&s) <= 40);
	assert_true(s.n429 <= 2);
	/* 240 at 40 per 10 s is 60 s at best */
	assert_true(c[0].finished_ms < 80000 && c[1].finished_ms < 80000);
}

static void another_client_drains_the_reserve(void **state)
{
	static struct srv s;
	static struct client c[2];

	(void)state;
	/* the merchant's own traffic: one request every 700 ms, whatever the
	 * budget says; it takes from the reserve, we never do */
	srv_init(&s, SRV_LAZY, 50, 10000, 20);
	client_init(&c[0], THROTTLE_AUTO, 20, 600, 8, 3, 4, 160);
	client_init(&c[1], THROTTLE_AUTO, 20, 600, 8, 3, 4, 0);
	c[1].throttled = false;
	c[1].every_ms = 700;
	run_sim(&s, c, 2, 0, 300000);
	dump(&s, c, 2);
	assert_int_equal(c[0].created, 160);
	assert_true(s.below_floor <= 2);
	assert_true(s.n429 <= 2);
}

static void no_headers_at_all(void **state)
{
	static struct srv s;
	static struct client c;

	(void)state;
	srv_init(&s, SRV_LAZY, 1000, 10000, 20);
	s.headers = false;
	client_init(&c, THROTTLE_AUTO, 20, 600, 8, 3, 4, 100);
	run_sim(&s, &c, 1, 0, 200000);
	dump(&s, &c, 1);
	assert_int_equal(c.created, 100);
	/* the start rate: 5 per second, 100 rows in about 20 s */
	assert_in_range(c.finished_ms, 19000, 21000);
	assert_false(c.th.known);
}

static void get_replies_without_headers(void **state)
{
	static struct srv s;
	static struct client c;

	(void)state;
	srv_init(&s, SRV_LAZY, 50, 10000, 20);
	s.get_headers = false;
	client_init(&c, THROTTLE_AUTO, 20, 600, 8, 3, 4, 160);
	run_sim(&s, &c, 1, 0, 300000);
	dump(&s, &c, 1);
	assert_int_equal(c.created, 160);
	assert_true(c.th.probes_useless);
	/* a counted request now and then stands in for the probe: a few go
	 * under the floor, never to a 429 */
	assert_true(srv_busiest(&s) <= 44);
	assert_int_equal(s.n429, 0);
}

static void big_budget_is_used(void **state)
{
	static struct srv s;
	static struct client c;

	(void)state;
	/* 30000 per 600 s: auto goes well past the start rate (24000 / 600 =
	 * 40 per second), bounded by 8 in flight at 100 ms */
	srv_init(&s, SRV_LAZY, 30000, 600000, 20);
	client_init(&c, THROTTLE_AUTO, 20, 600, 8, 100, 0, 2000);
	run_sim(&s, &c, 1, 0, 600000);
	dump(&s, &c, 1);
	assert_int_equal(c.created, 2000);
	assert_true(c.finished_ms < 60000);
	assert_true(c.finished_ms > 45000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(rate_holds_over_ten_seconds),
		cmocka_unit_test(no_burst_at_the_start),
		cmocka_unit_test(no_burst_after_a_pause),
		cmocka_unit_test(auto_starts_at_five),
		cmocka_unit_test(slow_and_fractional_rates),
		cmocka_unit_test(pause_stops_everything),
		cmocka_unit_test(reserve_is_a_floor),
		cmocka_unit_test(in_flight_requests_count_before_their_replies),
		cmocka_unit_test(late_old_reply_does_not_undo_a_reset),
		cmocka_unit_test(window_is_learned_from_resets),
		cmocka_unit_test(reset_time_of_a_429_is_used),
		cmocka_unit_test(early_reset_is_taken_at_once),
		cmocka_unit_test(other_client_draining_is_seen),
		cmocka_unit_test(missing_and_garbage_headers),
		cmocka_unit_test(probes_without_headers_fall_back),
		cmocka_unit_test(one_process_keeps_the_reserve),
		cmocka_unit_test(two_shards_share_it),
		cmocka_unit_test(fixed_rate_still_keeps_the_floor),
		cmocka_unit_test(grid_windows_joined_midway),
		cmocka_unit_test(sliding_window),
		cmocka_unit_test(another_client_drains_the_reserve),
		cmocka_unit_test(no_headers_at_all),
		cmocka_unit_test(get_replies_without_headers),
		cmocka_unit_test(big_budget_is_used),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
