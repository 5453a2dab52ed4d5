/* sender: carries requests to Rebilly's API over libcurl's multi interface:
 * at most --concurrency in flight on reused connections, at most --rate per
 * second (token bucket), a 429 pauses all sending, transient failures are
 * retried with backoff. It never lets libcurl re-send a POST on its own: a POST
 * whose fate is unknown comes back as SENDER_UNKNOWN for the caller to reconcile. */
#ifndef RB_SENDER_H
#define RB_SENDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "status.h"

enum sender_method {
	SENDER_POST,
	SENDER_GET,
	SENDER_DELETE,
};

enum sender_outcome {
	SENDER_DONE,    /* 2xx: POST 201 (usage_id set), GET 200 (body set), DELETE 204 */
	SENDER_REFUSED, /* a 4xx other than 401/403/429 (404 included): reason holds
	                   the server's messages, e.g. "quantity: must be at least 0.001" */
	SENDER_FAILED,  /* gave up after --retries on transient failures, and the
	                   server cannot have stored a POST (it never fully left) */
	SENDER_UNKNOWN, /* POST only: it may have been stored but no reply proves
	                   it either way (any 5xx, a timeout or reset after the body
	                   went out, a 2xx that broke off or named no id: http says
	                   which): reconcile before resending */
	SENDER_AUTH,    /* 401 or 403: the caller stops the run */
	SENDER_STOP,    /* no request can succeed (the server's TLS certificate
	                   failed verification): the caller stops the run */
	SENDER_UNREACHABLE, /* the API cannot be reached: connection-level failures
	                   (DNS, refused, unreachable) came --retries + 1 times in a
	                   row, over 5 s with no reply ever received (60 s after
	                   one was). Nothing of this request left. The caller stops
	                   the run: going on row by row would take hours to fail */
};

struct sender_result {
	uint64_t tag;          /* the caller's tag from sender_submit */
	enum sender_outcome outcome;
	long http;             /* last HTTP status, 0 when no reply */
	unsigned attempts;     /* requests sent; a 429 re-send does not count */
	long ms;               /* from the first send to the outcome */
	char usage_id[128];    /* POST 201: the new usage's id (body, else Location) */
	char reason[1024];     /* all but DONE: one line for a person */
	const char *body;      /* the reply body (capped), borrowed until the next
	                          sender_next or sender_free; GET uses it */
	size_t body_len;
	long page_total;       /* GET: the reply's Pagination-Total, -1 if none */
};

struct sender;

#define SENDER_HTTP_CODES 600

/* What went over the wire, for metrics. */
struct sender_stats {
	unsigned long replies[SENDER_HTTP_CODES]; /* attempts by HTTP status;
	                                             [0]: no reply at all */
	unsigned long pauses; /* times a 429 paused all sending (a 429 that
	                         meets a pause already running adds none) */
};

/* Builds the transport from cfg: base URL + "/organizations/{org}", key,
 * rate, concurrency, retries, timeout, reserve, cacert, verbose. Refuses
 * http:// to anything but loopback (127.0.0.0/8, localhost, [::1]), a base
 * URL with credentials, a query or a fragment, and a missing org or key.
 * Nothing of cfg is kept (strings are copied). NULL with err set on failure
 * (RB_EUSAGE-like: a message for a person, never holding the key). */
struct sender *sender_new(const struct config *cfg, char *err, size_t errlen);

void sender_free(struct sender *s); /* accepts NULL; abandons what is in flight */

/* Backoff between retries of transient failures: full jitter over
 * [0, min(cap_ms, base_ms * 2^retry)]. Defaults 500 ms and 30 s; tests
 * shorten them. */
void sender_set_backoff(struct sender *s, long base_ms, long cap_ms);

/* How many more requests sender_submit takes now (--concurrency minus busy). */
unsigned sender_room(const struct sender *s);
/* Requests submitted whose result has not been taken by sender_next. */
unsigned sender_busy(const struct sender *s);

/* Queues one request. path is relative to the organization, e.g. "/usages",
 * "/usages?filter=subscriptionId:abc;usageTime:...", "/usages/ID" (already
 * URL-encoded); path and body are copied; body is for POST only (NULL/0
 * otherwise). tag comes back in the result. Fails only when there is no room
 * (RB_ETOOBIG), no memory (RB_ENOMEM) or after sender_abort (RB_EINTR). */
enum rb_status sender_submit(struct sender *s, uint64_t tag,
                             enum sender_method method, const char *path,
                             const char *body, size_t body_len);

/* Drives transfers until a result is ready or timeout_ms passes (0: one
 * pass without waiting; negative: no limit). RB_OK with *have true and res
 * filled, or *have false on timeout or when nothing is busy (then after
 * waiting out a positive timeout_ms: a caller's loop must not spin while
 * its rows only wait on timers). Results come
 * back one at a time, in the order they finished. Other statuses are fatal
 * transport errors (err says why). */
enum rb_status sender_next(struct sender *s, int timeout_ms,
                           struct sender_result *res, bool *have, char *err,
                           size_t errlen);

/* Copies the counts so far into out. */
void sender_stats(const struct sender *s, struct sender_stats *out);

/* The run is stopping: what is in flight gets SENDER_GRACE_MS to end by
 * itself (its result comes back as usual), then it is dropped as
 * sender_abort does; hard (a second signal, credentials refused, an
 * unreachable API) drops it at once. Call it on each turn of the caller's
 * loop while stopping; the grace starts at the first call. */
#define SENDER_GRACE_MS 5000
void sender_wind_down(struct sender *s, bool hard);

/* Drops every queued and in-flight request: each comes back from sender_next
 * (at once, without waiting) so the caller's books stay whole: a POST whose
 * body may have left as SENDER_UNKNOWN "interrupted after sending; outcome
 * unknown", everything else as SENDER_FAILED ("interrupted before sending",
 * or "interrupted" for an in-flight GET/DELETE). Later submits get RB_EINTR.
 * Used on a second signal or after the grace. */
void sender_abort(struct sender *s);

#endif
