/* retry: what to do after one attempt, as pure policy. Classifies an attempt's
 * outcome (HTTP status, libcurl result, whether the request may have left),
 * draws backoff delays with full jitter, and reads the server's wait hints
 * (X-RateLimit-Retry-After, Retry-After). No I/O, no clock: times are passed in. */
#ifndef RB_RETRY_H
#define RB_RETRY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum retry_class {
	RETRY_DONE,         /* 2xx */
	RETRY_REFUSED,      /* a 4xx other than 401/403/408/429: the request itself is wrong */
	RETRY_AUTH,         /* 401/403: stop the run */
	RETRY_RATE_LIMITED, /* 429: pause all sending, send the same request again */
	RETRY_SAFE,         /* transient, and the server cannot have acted on it (a POST
	                       never fully sent, a 408), or the request is
	                       idempotent (a 500/502/503/504 to a GET): retry with
	                       backoff */
	RETRY_UNKNOWN,      /* POST only: it went out and no reply proves what
	                       happened (a 5xx, a timeout or reset after the body
	                       left, a 2xx cut off); the server may have stored
	                       it. Never retried blindly */
	RETRY_GIVE_UP,      /* known not acted on, but retrying cannot help (a 3xx, a
	                       501, a TLS verification failure, a malformed URL) */
};

/* Human name of a class, e.g. "retry-safe". */
const char *retry_class_name(enum retry_class c);

/* Classifies one attempt.
 *   http:        the reply's status, 0 when none was received;
 *   curl_code:   the transfer's CURLcode (0 = CURLE_OK);
 *   idempotent:  GET or DELETE (doing it twice is harmless);
 *   maybe_sent:  any byte of the request body was handed to libcurl, or any
 *                byte of a reply came back (conservative: true when unsure).
 * A reply status wins over the transfer error, except that a 2xx whose
 * transfer then failed (body cut off or over our cap) is UNKNOWN for a POST. */
/* A TLS failure that says the server cannot be trusted (its certificate
 * failed verification, or our CA bundle is unusable): no request to it can
 * succeed, so the run stops rather than fail row by row. */
bool retry_tls_untrusted(int curl_code);

enum retry_class retry_classify(long http, int curl_code, bool idempotent,
                                bool maybe_sent);

/* One step of xorshift64*; *rng must not be 0 (0 is replaced by a constant). */
uint64_t retry_rng_next(uint64_t *rng);

/* Full jitter: uniform in [0, min(cap_ms, base_ms * 2^attempt)], attempt
 * counting from 0 for the first retry. Overflow-safe for any attempt. */
int64_t retry_backoff_ms(unsigned attempt, int64_t base_ms, int64_t cap_ms,
                         uint64_t *rng);

/* The longest a server may make us wait: 15 minutes. */
#define RETRY_HINT_CAP_MS (15 * 60 * 1000LL)

struct retry_hint {
	bool have;          /* a usable hint was found */
	int64_t wait_ms;    /* how long to wait from now, 0..RETRY_HINT_CAP_MS */
	int64_t until_unix_ms; /* the time the server asked for (before the cap) */
	bool capped;        /* the server asked for more than RETRY_HINT_CAP_MS */
};

/* Reads the wait hint of a 429 (or 503) reply. xrl_retry_after is Rebilly's
 * X-RateLimit-Retry-After, a UTC Unix timestamp in seconds (a value below
 * 1e9, i.e. before 2001, is taken as delta-seconds: no real reset lies in the
 * 1990s); retry_after is the standard Retry-After, delta-seconds or an
 * HTTP-date (IMF-fixdate, RFC 850 or asctime form). The first usable one wins.
 * Both borrowed for the call, NULL when absent. now_unix_ms is wall-clock
 * time. A time in the past means "now" (wait_ms 0); garbage is ignored. */
struct retry_hint retry_hint_parse(const char *xrl_retry_after,
                                   const char *retry_after, int64_t now_unix_ms);

/* A line for a person about a hint, e.g. "server asked to wait until
 * 2024-05-01T12:00:00Z, capped at 15 minutes" or "server asked to wait 30 s". */
void retry_hint_describe(const struct retry_hint *h, char *out, size_t outlen);

/* Is the API reachable at all? A connection-level failure (no reply, nothing
 * sent: DNS, refused, unreachable, a connect or TLS handshake that timed
 * out) counts; anything else ends the streak. */
bool retry_no_connection(long http, int curl_code, bool maybe_sent);

struct retry_reach {
	bool got_reply;    /* some HTTP reply came in this run */
	unsigned fails;    /* connection-level failures in a row */
	int64_t since_ms;  /* when the streak began */
};

#define RETRY_UNREACHABLE_FIRST_MS 5000  /* no reply yet: a short streak */
#define RETRY_UNREACHABLE_LATER_MS 60000 /* the API answered before */

/* Counts one attempt (no_connection as retry_no_connection says; http its
 * status, 0 for none; last_try when its row has no retry left) at now_ms.
 * True when the API is to be taken as unreachable: more than retries
 * failures in a row, over 5 s when no reply ever came (or at once when a
 * row would fail on it: with --retries 0 no row fails one by one against
 * an API never reached), over 60 s when one did. */
bool retry_reach_note(struct retry_reach *r, bool no_connection, long http,
                      unsigned retries, bool last_try, int64_t now_ms);

/* How long everything waits after a 429, the rate_limited'th in a row for
 * one request: the server's hint (h, already capped), else a backoff of at
 * least a second; and when the same request is turned away again although
 * it waited as told (clocks apart?), at least 1, 2, 4... 30 s. */
int64_t retry_rate_limited_wait_ms(const struct retry_hint *h,
                                   unsigned rate_limited, uint64_t *rng);

/* The wait before attempt attempts + 1 of a request that may be retried:
 * full jitter backoff (attempts counts from 1), or a 503's Retry-After hint
 * when longer, within cap_ms. */
int64_t retry_safe_wait_ms(unsigned attempts, int64_t base_ms, int64_t cap_ms,
                           const struct retry_hint *h, uint64_t *rng);

#endif
