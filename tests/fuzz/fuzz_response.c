/* fuzz_response: the server's replies as any bytes. The whole input is a
 * body for response_usage_id, response_error_reason, response_usage_list
 * and json_parse (with json_unescape on every string token); its first four
 * lines are header values for retry_hint_parse (X-RateLimit-Retry-After,
 * Retry-After), timefmt_parse_http_date and throttle_observe (X-RateLimit-Limit,
 * X-RateLimit-Remaining). */
#include "fuzz.h"
#include "timefmt.h"
#include "response.h"
#include "retry.h"
#include "throttle.h"

static void check_tokens(const char *text, size_t len)
{
	jsmntok_t *toks = NULL;
	int max = 4, ntoks = 0, i, j;
	enum rb_status st;
	char reason[256];

	for (;;) {
		jsmntok_t *t = realloc(toks, (size_t)max * sizeof(*toks));

		FUZZ_CHECK(t != NULL, "out of memory");
		toks = t;
		reason[0] = 0;
		st = json_parse(text, len, toks, max, &ntoks, reason,
		                sizeof(reason));
		if (st != RB_ETOOBIG)
			break;
		FUZZ_CHECK((size_t)max <= len, "%d tokens not enough for %zu bytes",
		           max, len);
		max *= 4;
	}
	if (st) {
		FUZZ_CHECK(st == RB_EINPUT, "json_parse: status %d", st);
		fuzz_check_line(reason, sizeof(reason), "json_parse reason");
		free(toks);
		return;
	}
	FUZZ_CHECK(ntoks >= 1 && ntoks <= max, "%d tokens", ntoks);
	FUZZ_CHECK(json_skip(toks, ntoks, 0) == ntoks,
	           "the value does not span every token");
	for (i = 0; i < ntoks; i++) {
		const jsmntok_t *t = &toks[i];
		size_t n;
		char *out;

		FUZZ_CHECK(t->start >= 0 && t->start <= t->end &&
		                   (size_t)t->end <= len,
		           "token %d at [%d, %d) of %zu", i, t->start, t->end, len);
		FUZZ_CHECK(i == 0 ? t->parent == -1
		                  : t->parent >= 0 && t->parent < i,
		           "token %d parent %d", i, t->parent);
		j = json_skip(toks, ntoks, i);
		FUZZ_CHECK(j > i && j <= ntoks, "skip %d -> %d", i, j);
		if (t->type != JSMN_STRING)
			continue;
		n = (size_t)(t->end - t->start);
		/* exactly sized: decoding never grows */
		out = malloc(n ? n : 1);
		FUZZ_CHECK(out != NULL, "out of memory");
		j = (int)json_unescape(text + t->start, n, out);
		FUZZ_CHECK((size_t)j <= n, "unescaped %zu bytes to %d", n, j);
		FUZZ_CHECK(json_utf8_valid_len(out, (size_t)j) == (size_t)j,
		           "token %d unescapes to invalid UTF-8", i);
		/* in place, as the header allows */
		memcpy(out, text + t->start, n);
		FUZZ_CHECK(json_unescape(out, n, out) == (size_t)j,
		           "in-place decoding differs");
		free(out);
	}
	if (toks[0].type == JSMN_OBJECT) {
		(void)json_find(text, toks, ntoks, 0, "id");
		(void)json_find(text, toks, ntoks, 0, "");
	}
	free(toks);
}

struct walk {
	int seen, stop_after;
};

static int on_usage(void *ctx, const struct response_usage *u)
{
	struct walk *w = ctx;

	FUZZ_CHECK(strnlen(u->id, sizeof(u->id)) < sizeof(u->id), "id");
	FUZZ_CHECK(strnlen(u->subscription_id, sizeof(u->subscription_id)) <
	                   sizeof(u->subscription_id),
	           "subscription_id");
	FUZZ_CHECK(strnlen(u->quantity, sizeof(u->quantity)) <
	                   sizeof(u->quantity),
	           "quantity");
	FUZZ_CHECK(!u->quantity_is_number || u->quantity[0],
	           "empty number quantity");
	FUZZ_CHECK(strnlen(u->usage_time, sizeof(u->usage_time)) <
	                   sizeof(u->usage_time),
	           "usage_time");
	w->seen++;
	FUZZ_CHECK(!w->stop_after || w->seen <= w->stop_after,
	           "walk went on after the callback stopped it");
	return w->stop_after && w->seen == w->stop_after;
}

static void check_bodies(const char *body, size_t len)
{
	static const long statuses[] = { 0,   400, 401, 403, 404, 409,
		                         422, 429, 500, 502, 503, 599 };
	static const size_t caps[] = { 1, 2, 8, 13, 40, 128, 512 };
	char id[512], *line, reason[256];
	size_t cap = caps[len % 7], idlen = caps[(len / 7) % 7];
	struct walk w = { 0, (int)(len % 4) };
	enum rb_status st;
	size_t i, n;
	char *loc;

	/* Location: the body's first line, as a C string */
	n = memchr(body, '\n', len) ? (size_t)((char *)memchr(body, '\n', len) -
	                                         body)
	                            : len;
	loc = malloc(n + 1);
	FUZZ_CHECK(loc != NULL, "out of memory");
	memcpy(loc, body, n);
	loc[n] = 0;
	memset(id, 'x', sizeof(id));
	if (response_usage_id(body, len, len % 2 ? loc : NULL, id, idlen)) {
		n = strnlen(id, idlen);
		FUZZ_CHECK(n > 0 && n < idlen, "id of %zu bytes in %zu", n,
		           idlen);
		for (i = 0; i < n; i++)
			FUZZ_CHECK(id[i] > 0x20 && id[i] < 0x7f &&
			                   !strchr("/?#", id[i]),
			           "id has 0x%02x", (unsigned char)id[i]);
	} else {
		FUZZ_CHECK(id[0] == 0, "no id, yet id is set");
	}
	free(loc);

	line = malloc(cap);
	FUZZ_CHECK(line != NULL, "out of memory");
	response_error_reason(statuses[len % 12], body, len, line, cap);
	n = strnlen(line, cap);
	FUZZ_CHECK(n < cap, "error reason not NUL-terminated in %zu", cap);
	for (i = 0; i < n; i++)
		FUZZ_CHECK((unsigned char)line[i] >= 0x20 && line[i] != 0x7f,
		           "error reason has 0x%02x", (unsigned char)line[i]);
	FUZZ_CHECK(json_utf8_valid_len(line, n) == n,
	           "error reason is not UTF-8");
	if (cap >= 40)
		FUZZ_CHECK(!strncmp(line, "HTTP ", 5), "error reason '%s'", line);
	free(line);

	reason[0] = 0;
	st = response_usage_list(body, len, on_usage, &w, reason,
	                         sizeof(reason));
	FUZZ_CHECK(st == RB_OK || st == RB_EINPUT, "usage list status %d", st);
	if (st)
		fuzz_check_line(reason, sizeof(reason), "usage list reason");

	check_tokens(body, len);
}

/* line k (0-based) of the input as a fresh C string, NULL past the end */
static char *nth_line(const uint8_t *data, size_t size, int k)
{
	size_t at = 0, n;
	char *s;

	for (; k > 0; k--) {
		const uint8_t *nl = memchr(data + at, '\n', size - at);
		if (!nl)
			return NULL;
		at = (size_t)(nl - data) + 1;
	}
	n = size - at;
	if (memchr(data + at, '\n', n))
		n = (size_t)((const uint8_t *)memchr(data + at, '\n', n) -
		             (data + at));
	s = malloc(n + 1);
	FUZZ_CHECK(s != NULL, "out of memory");
	memcpy(s, data + at, n);
	s[n] = 0;
	return s;
}

static void check_hint(const char *xrl, const char *ra, int64_t now)
{
	struct retry_hint h = retry_hint_parse(xrl, ra, now);
	char out[160];

	if (h.have) {
		FUZZ_CHECK(h.wait_ms >= 0 && h.wait_ms <= RETRY_HINT_CAP_MS,
		           "wait %lld ms", (long long)h.wait_ms);
		FUZZ_CHECK(h.capped == (h.until_unix_ms - now > RETRY_HINT_CAP_MS),
		           "capped %d until %lld now %lld", h.capped,
		           (long long)h.until_unix_ms, (long long)now);
		if (!h.capped)
			FUZZ_CHECK(h.wait_ms == (h.until_unix_ms > now
			                                 ? h.until_unix_ms - now
			                                 : 0),
			           "wait %lld until %lld now %lld",
			           (long long)h.wait_ms,
			           (long long)h.until_unix_ms, (long long)now);
	} else {
		FUZZ_CHECK(h.wait_ms == 0, "no hint, yet a wait");
	}
	retry_hint_describe(&h, out, sizeof(out));
	fuzz_check_line(out, sizeof(out), "hint description");
	retry_hint_describe(&h, out, 7);
	FUZZ_CHECK(strnlen(out, 7) < 7, "short description not terminated");
}

static void check_http_date(const char *s)
{
	static const char *const mon[] = { "Jan", "Feb", "Mar", "Apr",
		                           "May", "Jun", "Jul", "Aug",
		                           "Sep", "Oct", "Nov", "Dec" };
	int64_t t = -1, t2 = -2, days, rem, y, era;
	unsigned doe, yoe, doy, mp, m, d;
	char again[64];

	if (!timefmt_parse_http_date(s, &t))
		return;
	FUZZ_CHECK(t >= 0 && t <= INT64_C(253402300799), "'%s' is %lld", s,
	           (long long)t);
	/* written back as an IMF-fixdate (civil_from_days), read again */
	days = t / 86400;
	rem = t % 86400;
	days += 719468;
	era = days / 146097;
	doe = (unsigned)(days - era * 146097);
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	d = doy - (153 * mp + 2) / 5 + 1;
	m = mp < 10 ? mp + 3 : mp - 9;
	y = (int64_t)yoe + era * 400 + (m <= 2);
	snprintf(again, sizeof(again), "Sun, %02u %s %04lld %02d:%02d:%02d GMT",
	         d, mon[m - 1], (long long)y, (int)(rem / 3600),
	         (int)(rem / 60 % 60), (int)(rem % 60));
	FUZZ_CHECK(timefmt_parse_http_date(again, &t2) && t2 == t,
	           "'%s' is %lld; '%s' is %lld", s, (long long)t, again,
	           (long long)t2);
}

static void check_throttle(const char *limit, const char *remaining,
                           size_t size)
{
	static const double rates[] = { THROTTLE_AUTO, 0.1, 5, 30, 1000 };
	static const unsigned reserves[] = { 0, 1, 20, 90, 100 };
	struct throttle t;
	double rate = rates[size % 5], r;
	int64_t now = 1000, w;
	int k;

	throttle_init(&t, rate, reserves[(size / 5) % 5], 10, now);
	for (k = 0; k < 6; k++) {
		struct throttle_ticket tk;
		bool counted = k != 2;

		w = throttle_take(&t, counted, now, &tk);
		/* a token, the one-second log, or the floor's 1 s poll */
		FUZZ_CHECK(w >= 0 && w <= (int64_t)(1000.0 / t.paced.rate) + 1011,
		           "wait %lld at pace %g", (long long)w, t.paced.rate);
		if (!w)
			throttle_observe(&t, &tk, k == 4 ? 429 : 201,
			                 k % 2 ? remaining : limit,
			                 k % 2 ? limit : remaining, now + 1);
		if (throttle_probe(&t, now, &tk) == 0)
			throttle_observe(&t, &tk, 200, limit, remaining, now + 2);
		FUZZ_CHECK(!t.known || (t.limit > 0 && t.last_raw >= 0 &&
		                        t.last_raw <= t.limit),
		           "limit %ld remaining %ld", t.limit, t.last_raw);
		FUZZ_CHECK(throttle_floor(&t) >= 0 &&
		                   (!t.known || throttle_floor(&t) <= t.limit),
		           "floor %ld of %ld", throttle_floor(&t), t.limit);
		r = throttle_rate(&t, now);
		FUZZ_CHECK(r > 0 && r <= t.cap, "rate %g of %g", r, t.cap);
		FUZZ_CHECK(t.all.tokens <= t.all.capacity + 1e-9 &&
		                   t.paced.tokens <= t.paced.capacity + 1e-9,
		           "tokens %g of %g, %g of %g", t.all.tokens,
		           t.all.capacity, t.paced.tokens, t.paced.capacity);
		FUZZ_CHECK(t.inflight == 0, "%u in flight", t.inflight);
		now += w + k;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *l[4];
	int k;

	check_bodies((const char *)data, size);
	for (k = 0; k < 4; k++)
		l[k] = nth_line(data, size, k);
	check_hint(l[0], l[1], INT64_C(1780272000000));
	check_hint(l[1], l[0], 0);
	check_hint(NULL, l[0], INT64_C(1780272000000));
	check_http_date(l[0] ? l[0] : "");
	if (l[1])
		check_http_date(l[1]);
	check_throttle(l[2] ? l[2] : l[0], l[3] ? l[3] : l[1], size);
	for (k = 0; k < 4; k++)
		free(l[k]);
	return 0;
}
