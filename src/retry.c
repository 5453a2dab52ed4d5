#include "retry.h"
#include "check.h"

#include <stdio.h>
#include <string.h>

/* Only for the CURLcode constants: nothing here calls libcurl. */
#include <curl/curl.h>

const char *retry_class_name(enum retry_class c)
{
	switch (c) {
	case RETRY_DONE: return "done";
	case RETRY_REFUSED: return "refused";
	case RETRY_AUTH: return "auth-stop";
	case RETRY_RATE_LIMITED: return "rate-limited";
	case RETRY_SAFE: return "retry-safe";
	case RETRY_UNKNOWN: return "unknown";
	case RETRY_GIVE_UP: return "give-up";
	}
	return "?";
}

/* The transfer failed before a single byte of the request could leave. */
static bool never_sent(int code)
{
	switch (code) {
	case CURLE_COULDNT_RESOLVE_PROXY:
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_CONNECT:
		return true;
	default:
		return false;
	}
}

bool retry_tls_untrusted(int code)
{
	switch (code) {
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_ISSUER_ERROR:
	case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
	case CURLE_SSL_INVALIDCERTSTATUS:
		return true;
	default:
		return false;
	}
}

/* Failures that the same request would meet again: our own configuration
 * (URL, TLS trust, protocols) or our own limits (the reply cap). */
static bool permanent(int code)
{
	if (retry_tls_untrusted(code))
		return true;
	switch (code) {
	case CURLE_UNSUPPORTED_PROTOCOL:
	case CURLE_FAILED_INIT:
	case CURLE_URL_MALFORMAT:
	case CURLE_NOT_BUILT_IN:
	case CURLE_WRITE_ERROR:         /* our write callback: reply over the cap */
	case CURLE_OUT_OF_MEMORY:
	case CURLE_BAD_FUNCTION_ARGUMENT:
	case CURLE_ABORTED_BY_CALLBACK:
	case CURLE_TOO_MANY_REDIRECTS:
	case CURLE_UNKNOWN_OPTION:
	case CURLE_SSL_ENGINE_NOTFOUND:
	case CURLE_SSL_ENGINE_SETFAILED:
	case CURLE_SSL_CIPHER:
	case CURLE_FILESIZE_EXCEEDED:
	case CURLE_SSL_CRL_BADFILE:
		return true;
	default:
		return false;
	}
}

enum retry_class retry_classify(long http, int curl_code, bool idempotent,
                                bool maybe_sent)
{
	if (http >= 200 && http < 300) {
		if (curl_code == CURLE_OK)
			return RETRY_DONE;
		/* The server acted but its reply broke off: for a POST the usage
		 * exists and we may not know its id; the caller reconciles. */
		if (!idempotent)
			return RETRY_UNKNOWN;
		return permanent(curl_code) ? RETRY_GIVE_UP : RETRY_SAFE;
	}
	if (http > 0) {
		if (http == 401 || http == 403)
			return RETRY_AUTH;
		if (http == 429)
			return RETRY_RATE_LIMITED;
		/* 408: the server gave up waiting for our request, so it did not
		 * act on it. */
		if (http == 408)
			return RETRY_SAFE;
		if (http >= 400 && http < 500)
			return RETRY_REFUSED;
		/* Any 5xx may come after the backend stored the usage (a gateway
		 * that timed out while it committed): for a POST it proves
		 * nothing, so it is looked up, never sent again blindly. */
		if (http >= 500 && http < 600 && !idempotent)
			return RETRY_UNKNOWN;
		if (http == 500 || http == 502 || http == 503 || http == 504)
			return RETRY_SAFE;
		return RETRY_GIVE_UP; /* 1xx, 3xx (never followed), 501, 505... */
	}
	if (never_sent(curl_code))
		return RETRY_SAFE;
	if (!idempotent && maybe_sent)
		return RETRY_UNKNOWN;
	if (permanent(curl_code))
		return RETRY_GIVE_UP;
	return RETRY_SAFE;
}

uint64_t retry_rng_next(uint64_t *rng)
{
	uint64_t x = *rng ? *rng : 0x9e3779b97f4a7c15ULL;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*rng = x;
	return x * 0x2545f4914f6cdd1dULL;
}

int64_t retry_backoff_ms(unsigned attempt, int64_t base_ms, int64_t cap_ms,
                         uint64_t *rng)
{
	int64_t top = base_ms > 0 ? base_ms : 0;

	if (cap_ms < 0)
		cap_ms = 0;
	while (attempt-- > 0 && top < cap_ms)
		top = top > INT64_MAX / 2 ? INT64_MAX : top * 2;
	if (top > cap_ms)
		top = cap_ms;
	if (top <= 0)
		return 0;
	return (int64_t)(retry_rng_next(rng) % ((uint64_t)top + 1));
}

/* ---- dates ---- */

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
 * days_from_civil), so no timegm (not POSIX) and no time zone is involved. */
static int64_t days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
	int64_t era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

static bool leap(int64_t y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static bool valid_date(int64_t y, int m, int d, int hh, int mm, int ss)
{
	static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

	if (y < 1970 || y > 9999 || m < 1 || m > 12 || d < 1)
		return false;
	if (d > mdays[m - 1] + (m == 2 && leap(y)))
		return false;
	return hh >= 0 && hh <= 23 && mm >= 0 && mm <= 59 && ss >= 0 && ss <= 60;
}

static int64_t to_unix(int64_t y, int m, int d, int hh, int mm, int ss)
{
	return days_from_civil(y, m, d) * 86400 + hh * 3600 + mm * 60 + ss;
}

/* Reads exactly n digits. */
static bool digits(const char **p, int n, int *out)
{
	int v = 0;

	while (n-- > 0) {
		if (**p < '0' || **p > '9')
			return false;
		v = v * 10 + (*(*p)++ - '0');
	}
	*out = v;
	return true;
}

static bool lit(const char **p, const char *s)
{
	size_t n = strlen(s);

	if (strncmp(*p, s, n))
		return false;
	*p += n;
	return true;
}

static int month_of(const char **p)
{
	static const char *const names[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
	                                    "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
	int i;

	for (i = 0; i < 12; i++)
		if (lit(p, names[i]))
			return i + 1;
	return 0;
}

static bool skip_day_name(const char **p, bool long_form)
{
	static const char *const s[] = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
	static const char *const l[] = {"Monday", "Tuesday", "Wednesday", "Thursday",
	                                "Friday", "Saturday", "Sunday"};
	int i;

	for (i = 0; i < 7; i++)
		if (lit(p, long_form ? l[i] : s[i]))
			return true;
	return false;
}

static bool hms(const char **p, int *hh, int *mm, int *ss)
{
	return digits(p, 2, hh) && lit(p, ":") && digits(p, 2, mm) && lit(p, ":") &&
	       digits(p, 2, ss);
}

static bool only_blanks(const char *p)
{
	while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
		p++;
	return !*p;
}

bool retry_parse_http_date(const char *s, int64_t *unix_s)
{
	const char *p;
	int d, m, y4, y2, hh, mm, ss;
	int64_t y;

	if (!s)
		return false;
	while (*s == ' ' || *s == '\t')
		s++;
	/* IMF-fixdate: Sun, 06 Nov 1994 08:49:37 GMT */
	p = s;
	if (skip_day_name(&p, false) && lit(&p, ", ") && digits(&p, 2, &d) &&
	    lit(&p, " ") && (m = month_of(&p)) && lit(&p, " ") &&
	    digits(&p, 4, &y4) && lit(&p, " ") && hms(&p, &hh, &mm, &ss) &&
	    lit(&p, " GMT") && only_blanks(p)) {
		y = y4;
		goto found;
	}
	/* RFC 850: Sunday, 06-Nov-94 08:49:37 GMT; a two-digit year is taken in
	 * the 50 years around 2000 (RFC 9110 says: not more than 50 years ahead). */
	p = s;
	if (skip_day_name(&p, true) && lit(&p, ", ") && digits(&p, 2, &d) &&
	    lit(&p, "-") && (m = month_of(&p)) && lit(&p, "-") &&
	    digits(&p, 2, &y2) && lit(&p, " ") && hms(&p, &hh, &mm, &ss) &&
	    lit(&p, " GMT") && only_blanks(p)) {
		y = y2 < 70 ? 2000 + y2 : 1900 + y2;
		goto found;
	}
	/* asctime: Sun Nov  6 08:49:37 1994 */
	p = s;
	if (skip_day_name(&p, false) && lit(&p, " ") && (m = month_of(&p)) &&
	    lit(&p, " ")) {
		if (*p == ' ') {
			p++;
			if (!digits(&p, 1, &d))
				return false;
		} else if (!digits(&p, 2, &d)) {
			return false;
		}
		if (lit(&p, " ") && hms(&p, &hh, &mm, &ss) && lit(&p, " ") &&
		    digits(&p, 4, &y4) && only_blanks(p)) {
			y = y4;
			goto found;
		}
	}
	return false;
found:
	if (!valid_date(y, m, d, hh, mm, ss))
		return false;
	*unix_s = to_unix(y, m, d, hh, mm, ss);
	return true;
}

/* An RFC 3339 time in a header (blanks around it allowed), through the
 * same parser as --not-before/--not-after. */
static bool iso_time(const char *s, int64_t *unix_ms)
{
	char buf[64], why[160];
	size_t n;

	while (*s == ' ' || *s == '\t')
		s++;
	n = strlen(s);
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	if (n == 0 || n >= sizeof(buf))
		return false;
	memcpy(buf, s, n);
	buf[n] = 0;
	return check_parse_time_arg(buf, unix_ms, why, sizeof(why)) == 0;
}

/* A plain non-negative number, optionally with a fraction, in seconds;
 * values beyond a year are clamped (they will be capped anyway). */
static bool parse_seconds(const char *s, int64_t *ms_out)
{
	int64_t sec = 0, ms = 0, scale = 100;
	const char *p = s;

	while (*p == ' ' || *p == '\t')
		p++;
	if (*p < '0' || *p > '9')
		return false;
	for (; *p >= '0' && *p <= '9'; p++)
		if (sec < 100000000000LL)
			sec = sec * 10 + (*p - '0');
	if (*p == '.') {
		p++;
		if (*p < '0' || *p > '9')
			return false;
		for (; *p >= '0' && *p <= '9'; p++, scale /= 10)
			ms += (*p - '0') * scale;
	}
	if (!only_blanks(p))
		return false;
	*ms_out = sec * 1000 + ms;
	return true;
}

static struct retry_hint hint_until(int64_t until_unix_ms, int64_t now_unix_ms)
{
	struct retry_hint h = {true, 0, until_unix_ms, false};
	int64_t wait = until_unix_ms - now_unix_ms;

	if (wait <= 0)
		wait = 0; /* the reset is behind us: go now */
	if (wait > RETRY_HINT_CAP_MS) {
		wait = RETRY_HINT_CAP_MS;
		h.capped = true;
	}
	h.wait_ms = wait;
	return h;
}

struct retry_hint retry_hint_parse(const char *xrl_retry_after,
                                   const char *retry_after, int64_t now_unix_ms)
{
	struct retry_hint none = {false, 0, 0, false};
	int64_t v, s;

	if (xrl_retry_after) {
		if (parse_seconds(xrl_retry_after, &v)) {
			if (v < 1000000000LL * 1000)
				return hint_until(now_unix_ms + v, now_unix_ms);
			return hint_until(v, now_unix_ms);
		}
		if (iso_time(xrl_retry_after, &v))
			return hint_until(v, now_unix_ms);
		if (retry_parse_http_date(xrl_retry_after, &s))
			return hint_until(s * 1000, now_unix_ms);
	}
	if (retry_after) {
		if (parse_seconds(retry_after, &v))
			return hint_until(now_unix_ms + v, now_unix_ms);
		if (retry_parse_http_date(retry_after, &s))
			return hint_until(s * 1000, now_unix_ms);
	}
	return none;
}

void retry_hint_describe(const struct retry_hint *h, char *out, size_t outlen)
{
	int64_t s = h->until_unix_ms / 1000, y;
	int64_t days = s / 86400, rem = s % 86400;
	int m, d;

	if (!out || !outlen)
		return;
	if (!h->have) {
		snprintf(out, outlen, "server gave no usable wait hint");
		return;
	}
	if (rem < 0) {
		rem += 86400;
		days--;
	}
	civil_from_days(days, &y, &m, &d);
	snprintf(out, outlen,
	         "server asked to wait until %04lld-%02d-%02dT%02d:%02d:%02dZ%s",
	         (long long)y, m, d, (int)(rem / 3600), (int)(rem / 60 % 60),
	         (int)(rem % 60), h->capped ? ", capped at 15 minutes" : "");
}

bool retry_no_connection(long http, int curl_code, bool maybe_sent)
{
	if (http || maybe_sent)
		return false;
	switch (curl_code) {
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
	case CURLE_COULDNT_CONNECT:
	case CURLE_OPERATION_TIMEDOUT:
	case CURLE_SSL_CONNECT_ERROR:
		return true;
	default:
		return false;
	}
}

bool retry_reach_note(struct retry_reach *r, bool no_connection, long http,
                      unsigned retries, int64_t now_ms)
{
	if (!no_connection) {
		if (http)
			r->got_reply = true;
		r->fails = 0;
		return false;
	}
	if (r->fails++ == 0)
		r->since_ms = now_ms;
	return r->fails > retries &&
	       now_ms - r->since_ms >= (r->got_reply ? RETRY_UNREACHABLE_LATER_MS
	                                             : RETRY_UNREACHABLE_FIRST_MS);
}

int64_t retry_rate_limited_wait_ms(const struct retry_hint *h,
                                   unsigned rate_limited, uint64_t *rng)
{
	int64_t wait;

	if (h->have)
		wait = h->wait_ms;
	else /* no hint: back off, at least a second, longer each time */
		wait = 1000 + retry_backoff_ms(rate_limited ? rate_limited - 1 : 0,
		                               1000, 60000, rng);
	if (rate_limited > 1) {
		unsigned k = rate_limited - 2 < 5 ? rate_limited - 2 : 5;
		int64_t floor_ms = 1000LL << k;

		if (floor_ms > 30000)
			floor_ms = 30000;
		if (wait < floor_ms)
			wait = floor_ms;
	}
	return wait;
}

int64_t retry_safe_wait_ms(unsigned attempts, int64_t base_ms, int64_t cap_ms,
                           const struct retry_hint *h, uint64_t *rng)
{
	int64_t wait = retry_backoff_ms(attempts ? attempts - 1 : 0, base_ms,
	                                cap_ms, rng);

	if (h->have && h->wait_ms > wait)
		wait = h->wait_ms < cap_ms ? h->wait_ms : cap_ms;
	return wait;
}
