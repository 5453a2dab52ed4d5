#include "sender.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <sys/stat.h>

#include <curl/curl.h>

#include "buf.h"
#include "attempt.h"
#include "clock.h"
#include "endpoint.h"
#include "response.h"
#include "retry.h"
#include "throttle.h"


#define MAX_RATE_LIMITED 100     /* 429s in a row for one request before giving up */
/* A GET the budget does not count, asked for by the throttle at the floor
 * to learn whether the window has reset. */
#define PROBE_PATH "/usages?limit=1"

enum req_state { REQ_WAITING, REQ_FLYING, REQ_DONE };

/* One request, from sender_submit until the caller has taken its result
 * and called sender_next (or sender_free) again. */
struct req {
	struct sender *s;
	struct req *next;       /* in whichever list state says */
	enum req_state state;
	uint64_t tag;
	enum sender_method method;
	bool probe;             /* the throttle's probe: no result for the caller */
	struct throttle_ticket ticket; /* the throttle's, from take to observe */
	char *path;             /* owned; relative to the organization */
	char *url;              /* owned; the full URL */
	char *body;             /* owned; POST only */
	size_t body_len;

	struct attempt at;       /* this attempt */
	int64_t start_ms;

	/* across attempts */
	unsigned attempts;      /* real attempts (429 re-sends taken back) */
	unsigned rate_limited;  /* 429s in a row */
	int64_t first_ms;       /* first send, -1 before */
	int64_t ready_ms;       /* not sent again before this (backoff) */
	struct sender_result res;
};

struct sender {
	CURLM *multi;
	struct curl_slist *headers; /* holds the key: wiped before it is freed */
	char *base;             /* base URL + "/organizations/{org}" */
	char *shown_prefix;     /* "/organizations/{org}", for --verbose */
	char *cacert;
	long timeout_ms;
	unsigned concurrency;
	unsigned retries;
	bool verbose;
	bool https;
	long backoff_base_ms, backoff_cap_ms;
	struct throttle th;
	uint64_t rng;

	struct req *waiting, *waiting_tail; /* FIFO; retries wait their time */
	struct req *flying;
	struct req *done, *done_tail;       /* FIFO of results not yet taken */
	unsigned nwaiting, nflying, ndone;
	unsigned nprobes;       /* probes flying (counted in nflying, not busy) */
	struct req *returned;   /* the result last handed out: freed next call */
	CURL **idle;            /* easy handles to reuse */
	unsigned nidle;
	bool aborted;
	int64_t capped_told_until; /* the capped-wait notice, said once a pause */

	/* Is the API reachable at all? (see SENDER_UNREACHABLE) */
	struct retry_reach reach;
	struct sender_stats stats;
	int64_t paused_until;      /* for stats: the pause a 429 set */
	int64_t grace_until;       /* sender_wind_down: 0 before its first call */
};

static const char *method_name(enum sender_method m)
{
	switch (m) {
	case SENDER_POST: return "POST";
	case SENDER_GET: return "GET";
	case SENDER_DELETE: return "DELETE";
	}
	return "?";
}

/* ---- lists ---- */

static void push(struct req **head, struct req **tail, struct req *r)
{
	r->next = NULL;
	if (*tail)
		(*tail)->next = r;
	else
		*head = r;
	*tail = r;
}

static void push_front(struct req **head, struct req **tail, struct req *r)
{
	r->next = *head;
	*head = r;
	if (!*tail)
		*tail = r;
}

/* Unlinks r from a singly linked list; prev is its predecessor or NULL. */
static void unlink_req(struct req **head, struct req **tail, struct req *prev,
                       struct req *r)
{
	if (prev)
		prev->next = r->next;
	else
		*head = r->next;
	if (tail && *tail == r)
		*tail = prev;
	r->next = NULL;
}

static void req_free(struct req *r)
{
	if (!r)
		return;
	free(r->path);
	free(r->url);
	free(r->body);
	attempt_free(&r->at);
	free(r);
}

/* ---- set-up ---- */


struct sender *sender_new(const struct config *cfg, char *err, size_t errlen)
{
	struct sender *s = NULL;
	struct buf b;
	const char *p;
	size_t n;

	buf_init(&b, 64 * 1024);
	if (!cfg->org || !*cfg->org) {
		rb_detail(err, errlen, "no organization id: use --org or "
		                       "$REBILLY_ORGANIZATION_ID");
		return NULL;
	}
	if (!cfg->api_key || !*cfg->api_key) {
		rb_detail(err, errlen, "no API key: use --api-key-file or "
		                       "$REBILLY_API_KEY");
		return NULL;
	}
	for (p = cfg->api_key; *p; p++) {
		if ((unsigned char)*p < 0x20 || *p == 0x7f) {
			rb_detail(err, errlen, "the API key holds a control character "
			                       "(a stray line break in the key file?)");
			return NULL;
		}
	}
	if (!cfg->base_url || !*cfg->base_url) {
		rb_detail(err, errlen, "no base URL");
		return NULL;
	}
	if (curl_global_init(CURL_GLOBAL_DEFAULT)) {
		rb_detail(err, errlen, "cannot initialize libcurl");
		return NULL;
	}
	if (!endpoint_check_base_url(cfg->base_url, err, errlen))
		goto fail_global;
	s = calloc(1, sizeof(*s));
	if (!s)
		goto oom;
	s->concurrency = cfg->concurrency ? cfg->concurrency : 1;
	s->retries = cfg->retries;
	s->timeout_ms = cfg->timeout_ms > 0 ? cfg->timeout_ms : 30000;
	s->verbose = cfg->verbose;
	s->https = !strncasecmp(cfg->base_url, "https:", 6);
	s->backoff_base_ms = 500;
	s->backoff_cap_ms = 30000;
	s->rng = (uint64_t)clock_wall_ms() * 0x9e3779b97f4a7c15ULL ^
	         ((uint64_t)getpid() << 32) ^ (uint64_t)clock_mono_ms();
	throttle_init(&s->th, cfg->rate, cfg->reserve_pct,
	              cfg->rate_window_s > 0 ? cfg->rate_window_s : 600,
	              clock_mono_ms());

	/* the URLs: base without trailing slashes, then the organization */
	n = strlen(cfg->base_url);
	while (n > 0 && cfg->base_url[n - 1] == '/')
		n--;
	/* the organization id as one path segment */
	if (buf_puts(&b, "/organizations/") || buf_url_encode(&b, cfg->org))
		goto oom;
	if (!(s->shown_prefix = strdup(buf_cstr(&b))))
		goto oom;
	buf_reset(&b);
	if (buf_append(&b, cfg->base_url, n) || buf_puts(&b, s->shown_prefix))
		goto oom;
	if (!(s->base = strdup(buf_cstr(&b))))
		goto oom;
	if (cfg->cacert && !(s->cacert = strdup(cfg->cacert)))
		goto oom;

	/* headers; libcurl does not copy the list, so it lives here */
	if (!(s->headers = attempt_headers(cfg->api_key)))
		goto oom;

	if (!(s->idle = calloc(s->concurrency, sizeof(*s->idle))))
		goto oom;
	if (!(s->multi = curl_multi_init()))
		goto oom;
	curl_multi_setopt(s->multi, CURLMOPT_PIPELINING, (long)CURLPIPE_MULTIPLEX);
	curl_multi_setopt(s->multi, CURLMOPT_MAX_TOTAL_CONNECTIONS,
	                  (long)s->concurrency);
	curl_multi_setopt(s->multi, CURLMOPT_MAXCONNECTS, (long)s->concurrency);
	buf_free(&b);
	return s;
oom:
	rb_detail(err, errlen, "out of memory");
	buf_free(&b);
	if (s)
		sender_free(s); /* its curl_global_cleanup pairs with ours */
	else
		curl_global_cleanup();
	return NULL;
fail_global:
	buf_free(&b);
	curl_global_cleanup();
	return NULL;
}

void sender_set_backoff(struct sender *s, long base_ms, long cap_ms)
{
	s->backoff_base_ms = base_ms > 0 ? base_ms : 0;
	s->backoff_cap_ms = cap_ms > 0 ? cap_ms : 0;
}

unsigned sender_busy(const struct sender *s)
{
	return s->nwaiting + s->nflying - s->nprobes + s->ndone;
}

unsigned sender_room(const struct sender *s)
{
	unsigned busy = sender_busy(s);

	if (s->aborted)
		return 0;
	return busy < s->concurrency ? s->concurrency - busy : 0;
}

static struct req *req_new(struct sender *s, uint64_t tag,
                           enum sender_method method, const char *path,
                           const char *body, size_t body_len)
{
	struct req *r;
	size_t plen = strlen(path), blen = strlen(s->base);

	if (!(r = calloc(1, sizeof(*r))))
		return NULL;
	r->s = s;
	r->tag = tag;
	r->method = method;
	r->first_ms = -1;
	attempt_init(&r->at);
	r->path = strdup(path);
	r->url = malloc(blen + plen + 1);
	if (method == SENDER_POST) {
		r->body = malloc(body_len ? body_len : 1);
		if (r->body && body_len)
			memcpy(r->body, body, body_len);
		r->body_len = body_len;
	}
	if (!r->path || !r->url || (method == SENDER_POST && !r->body)) {
		req_free(r);
		return NULL;
	}
	memcpy(r->url, s->base, blen);
	memcpy(r->url + blen, path, plen + 1);
	return r;
}

enum rb_status sender_submit(struct sender *s, uint64_t tag,
                             enum sender_method method, const char *path,
                             const char *body, size_t body_len)
{
	struct req *r;

	if (s->aborted)
		return RB_EINTR;
	if (!sender_room(s))
		return RB_ETOOBIG;
	if (!(r = req_new(s, tag, method, path, body, body_len)))
		return RB_ENOMEM;
	r->state = REQ_WAITING;
	push(&s->waiting, &s->waiting_tail, r);
	s->nwaiting++;
	return RB_OK;
}

/* ---- one attempt ---- */

static enum rb_status start(struct sender *s, struct req *r, int64_t now)
{
	CURL *e = s->nidle ? s->idle[--s->nidle] : curl_easy_init();

	if (!e)
		return RB_ENOMEM;
	attempt_setup(&r->at, e, &(struct attempt_opts){
		.url = r->url, .method = method_name(r->method), .body = r->body,
		.body_len = r->body_len, .headers = s->headers,
		.timeout_ms = s->timeout_ms, .cacert = s->cacert,
		.https = s->https, .priv = r});
	if (curl_multi_add_handle(s->multi, e)) {
		curl_easy_cleanup(e);
		r->at.easy = NULL;
		return RB_ENOMEM;
	}
	r->attempts++;
	if (r->first_ms < 0)
		r->first_ms = now;
	r->start_ms = now;
	r->state = REQ_FLYING;
	r->next = s->flying;
	s->flying = r;
	s->nflying++;
	if (s->verbose)
		attempt_trace(stderr, method_name(r->method), s->shown_prefix,
		              r->path, r->method == SENDER_POST ? r->body : NULL,
		              r->body_len);
	return RB_OK;
}

/* Takes r off the multi handle and keeps its easy handle for reuse. */
static void land(struct sender *s, struct req *r)
{
	struct req *p = NULL, *q;

	for (q = s->flying; q && q != r; p = q, q = q->next)
		;
	if (q)
		unlink_req(&s->flying, NULL, p, r);
	s->nflying--;
	curl_multi_remove_handle(s->multi, r->at.easy);
	if (s->nidle < s->concurrency)
		s->idle[s->nidle++] = r->at.easy;
	else
		curl_easy_cleanup(r->at.easy);
	r->at.easy = NULL;
}

static void finish(struct sender *s, struct req *r, enum sender_outcome o,
                   long http, int64_t now)
{
	r->res.tag = r->tag;
	r->res.outcome = o;
	r->res.http = http;
	r->res.attempts = r->attempts;
	r->res.ms = r->first_ms < 0 ? 0 : (long)(now - r->first_ms);
	r->res.body = r->at.reply.data ? r->at.reply.data : "";
	r->res.body_len = r->at.reply.len;
	r->res.page_total = -1;
	if (r->at.page_total[0] >= '0' && r->at.page_total[0] <= '9' &&
	    strlen(r->at.page_total) < 16)
		r->res.page_total = atol(r->at.page_total);
	if (o == SENDER_DONE)
		r->res.reason[0] = 0;
	r->state = REQ_DONE;
	push(&s->done, &s->done_tail, r);
	s->ndone++;
}

static void requeue(struct sender *s, struct req *r, int64_t ready_ms, bool front)
{
	r->ready_ms = ready_ms;
	r->state = REQ_WAITING;
	if (front)
		push_front(&s->waiting, &s->waiting_tail, r);
	else
		push(&s->waiting, &s->waiting_tail, r);
	s->nwaiting++;
}



/* A probe came back: the throttle has read its headers; a 429 still pauses
 * everything, like any other. */
static void probe_done(struct sender *s, struct req *r, long http, int64_t now)
{
	if (s->verbose)
		fprintf(stderr, "< %ld %ld ms (rate probe)\n", http,
		        (long)(now - r->start_ms));
	if (http == 429) {
		struct retry_hint hint = retry_hint_parse(
			r->at.xrl_retry_after[0] ? r->at.xrl_retry_after : NULL,
			r->at.retry_after[0] ? r->at.retry_after : NULL, clock_wall_ms());

		throttle_pause_until(&s->th, now + (hint.have ? hint.wait_ms : 1000));
	}
	s->nprobes--;
	req_free(r);
}

static void done_attempt(struct sender *s, struct req *r, CURLcode code)
{
	long http = 0, sent = 0;
	int64_t now = clock_mono_ms(), wait;
	enum retry_class cls;
	struct retry_hint hint;
	char line[256];

	curl_easy_getinfo(r->at.easy, CURLINFO_RESPONSE_CODE, &http);
	curl_easy_getinfo(r->at.easy, CURLINFO_REQUEST_SIZE, &sent);
	s->stats.replies[http >= 100 && http < SENDER_HTTP_CODES ? http : 0]++;
	land(s, r);
	throttle_observe(&s->th, &r->ticket, http, r->at.limit[0] ? r->at.limit : NULL,
	                 r->at.remaining[0] ? r->at.remaining : NULL, now);
	if (r->probe) {
		probe_done(s, r, http, now);
		return;
	}
	cls = retry_classify(http, code, r->method != SENDER_POST,
	                     r->at.body_read || r->at.got_bytes);
	/* a request that went out (a GET whose reply never came) reached a
	 * server: only one never sent says the API cannot be reached */
	if (retry_reach_note(&s->reach,
	                     retry_no_connection(http, code, r->at.body_read ||
	                                         r->at.got_bytes || sent > 0),
	                     http, s->retries, r->attempts > s->retries, now)) {
		attempt_unreachable(&r->at, code, r->url, s->reach.fails,
		                    (now - s->reach.since_ms) / 1000, r->res.reason,
		                    sizeof(r->res.reason));
		finish(s, r, SENDER_UNREACHABLE, 0, now);
		return;
	}
	if (s->verbose) {
		if (http)
			fprintf(stderr, "< %ld %ld ms%s%s\n", http,
			        (long)(now - r->start_ms), code ? ": " : "",
			        code ? attempt_why(&r->at, code) : "");
		else
			fprintf(stderr, "< no reply %ld ms: %s\n",
			        (long)(now - r->start_ms), attempt_why(&r->at, code));
	}
	switch (cls) {
	case RETRY_DONE:
		if (r->method == SENDER_POST &&
		    !response_usage_id(r->at.reply.data, r->at.reply.len,
		                       r->at.location[0] ? r->at.location : NULL,
		                       r->res.usage_id, sizeof(r->res.usage_id))) {
			/* Stored, but we cannot tell which usage it is: the caller
			 * finds it by reconciling, as for any unknown outcome. */
			snprintf(r->res.reason, sizeof(r->res.reason),
			         "HTTP %ld but the reply names no usage id; outcome "
			         "unknown", http);
			finish(s, r, SENDER_UNKNOWN, http, now);
			return;
		}
		finish(s, r, SENDER_DONE, http, now);
		return;
	case RETRY_REFUSED:
		response_error_reason(http, r->at.reply.data, r->at.reply.len,
		                      r->res.reason, sizeof(r->res.reason));
		finish(s, r, SENDER_REFUSED, http, now);
		return;
	case RETRY_AUTH:
		response_error_reason(http, r->at.reply.data, r->at.reply.len,
		                      r->res.reason, sizeof(r->res.reason));
		finish(s, r, SENDER_AUTH, http, now);
		return;
	case RETRY_RATE_LIMITED:
		/* Not an attempt: the server turned it away unread. */
		r->attempts--;
		r->rate_limited++;
		hint = retry_hint_parse(r->at.xrl_retry_after[0] ? r->at.xrl_retry_after : NULL,
		                        r->at.retry_after[0] ? r->at.retry_after : NULL,
		                        clock_wall_ms());
		wait = retry_rate_limited_wait_ms(&hint, r->rate_limited, &s->rng);
		if (hint.have) {
			/* the window ends then; a GET's limit may be another one */
			if (r->method != SENDER_GET)
				throttle_reset_at(&s->th, now + hint.wait_ms, now);
			retry_hint_describe(&hint, line, sizeof(line));
			/* every request in flight meets the same 429: say it once */
			if (hint.capped && now >= s->capped_told_until) {
				fprintf(stderr, "rbusage: %s\n", line);
				s->capped_told_until = now + wait;
			}
		} else {
			snprintf(line, sizeof(line), "no wait hint from the server");
		}
		if (s->verbose)
			fprintf(stderr, "  429: all sending paused for %lld ms (%s)\n",
			        (long long)wait, line);
		if (now >= s->paused_until)
			s->stats.pauses++; /* a new pause, not one more 429 in it */
		if (now + wait > s->paused_until)
			s->paused_until = now + wait;
		throttle_pause_until(&s->th, now + wait);
		if (r->rate_limited >= MAX_RATE_LIMITED) {
			response_error_reason(http, r->at.reply.data, r->at.reply.len,
			                      r->res.reason, sizeof(r->res.reason));
			snprintf(line, sizeof(line), " (rate limited %u times in a "
			         "row; gave up, nothing stored)", r->rate_limited);
			strncat(r->res.reason, line,
			        sizeof(r->res.reason) - strlen(r->res.reason) - 1);
			finish(s, r, SENDER_FAILED, http, now);
			return;
		}
		requeue(s, r, now, true);
		return;
	case RETRY_SAFE:
		r->rate_limited = 0;
		r->res.http = http; /* kept should an abort end the wait */
		attempt_failure(&r->at, http, code, "no reply: ", r->res.reason,
		                sizeof(r->res.reason));
		if (r->attempts > s->retries) {
			snprintf(line, sizeof(line), " (gave up after %u attempt%s)",
			         r->attempts, r->attempts == 1 ? "" : "s");
			strncat(r->res.reason, line,
			        sizeof(r->res.reason) - strlen(r->res.reason) - 1);
			finish(s, r, SENDER_FAILED, http, now);
			return;
		}
		/* a 503 may say when to come back; within our cap, honored */
		hint = retry_hint_parse(NULL, r->at.retry_after[0] ? r->at.retry_after : NULL,
		                        clock_wall_ms());
		wait = retry_safe_wait_ms(r->attempts, s->backoff_base_ms,
		                          s->backoff_cap_ms, &hint, &s->rng);
		if (s->verbose)
			fprintf(stderr, "  retrying in %lld ms (attempt %u of %u): %s\n",
			        (long long)wait, r->attempts + 1, s->retries + 1,
			        r->res.reason);
		requeue(s, r, now + wait, false);
		return;
	case RETRY_UNKNOWN:
		attempt_unknown(&r->at, http, code, r->res.reason,
		                sizeof(r->res.reason));
		finish(s, r, SENDER_UNKNOWN, http, now);
		return;
	case RETRY_GIVE_UP:
		attempt_failure(&r->at, http, code, "", r->res.reason,
		                sizeof(r->res.reason));
		if (http >= 300 && http < 400)
			strncat(r->res.reason, " (a redirect: not followed, so the "
			        "key goes nowhere else; check --base-url)",
			        sizeof(r->res.reason) - strlen(r->res.reason) - 1);
		/* A server we cannot trust fails every row the same way: one
		 * failed handshake is enough to stop. */
		finish(s, r, !http && retry_tls_untrusted(code) ? SENDER_STOP
		                                              : SENDER_FAILED,
		       http, now);
		return;
	}
}


/* At the budget's floor the throttle may want a probe: a GET it reads the
 * headers of, whose result nobody takes. */
static enum rb_status start_probe(struct sender *s, int64_t now, int64_t *wait)
{
	struct throttle_ticket tk;
	struct req *r;
	enum rb_status st;
	int64_t t;

	if (s->nflying >= s->concurrency || s->aborted)
		return RB_OK;
	t = throttle_probe(&s->th, now, &tk);
	if (t > 0 && (*wait < 0 || t < *wait))
		*wait = t;
	if (t != 0)
		return RB_OK;
	if (!(r = req_new(s, 0, SENDER_GET, PROBE_PATH, NULL, 0))) {
		throttle_observe(&s->th, &tk, 0, NULL, NULL, now);
		return RB_ENOMEM;
	}
	r->probe = true;
	r->ticket = tk;
	if ((st = start(s, r, now))) {
		throttle_observe(&s->th, &r->ticket, 0, NULL, NULL, now);
		req_free(r);
		return st;
	}
	s->nprobes++;
	return RB_OK;
}

/* Starts every waiting request whose time has come, as far as the
 * throttle allows: the budget counts every non-GET, so a GET (a lookup)
 * need not wait behind a POST held at the budget's floor. Returns how long
 * until the next one could start, -1 when only a finishing transfer can
 * change that. */
static enum rb_status start_ready(struct sender *s, int64_t now, int64_t *wait)
{
	struct req *prev = NULL, *r = s->waiting, *next;
	enum rb_status st;
	bool held[2] = {false, false}; /* [counted]: the throttle said wait */

	*wait = -1;
	for (; r; r = next) {
		int64_t t;
		bool counted = r->method != SENDER_GET;

		next = r->next;
		if (s->nflying >= s->concurrency)
			break;
		if (held[counted] || r->ready_ms > now) {
			t = r->ready_ms - now;
			if (!held[counted] && (*wait < 0 || t < *wait))
				*wait = t;
			prev = r;
			continue;
		}
		t = throttle_take(&s->th, counted, now, &r->ticket);
		if (t > 0) {
			t = throttle_sleep_ms(&s->th, t);
			if (*wait < 0 || t < *wait)
				*wait = t;
			held[counted] = true;
			if (held[!counted])
				break;
			prev = r;
			continue;
		}
		unlink_req(&s->waiting, &s->waiting_tail, prev, r);
		s->nwaiting--;
		if ((st = start(s, r, now))) {
			throttle_observe(&s->th, &r->ticket, 0, NULL, NULL, now);
			/* put it back where it was; the caller stops the run */
			r->state = REQ_WAITING;
			if (prev) {
				r->next = prev->next;
				prev->next = r;
				if (!r->next)
					s->waiting_tail = r;
			} else {
				push_front(&s->waiting, &s->waiting_tail, r);
			}
			s->nwaiting++;
			return st;
		}
	}
	return held[true] ? start_probe(s, now, wait) : RB_OK;
}

static void reap(struct sender *s)
{
	CURLMsg *m;
	int left;

	while ((m = curl_multi_info_read(s->multi, &left))) {
		struct req *r = NULL;

		if (m->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&r);
		if (r)
			done_attempt(s, r, m->data.result);
	}
}

static bool take_result(struct sender *s, struct sender_result *res)
{
	struct req *r = s->done;

	if (!r)
		return false;
	unlink_req(&s->done, &s->done_tail, NULL, r);
	s->ndone--;
	*res = r->res;
	s->returned = r;
	return true;
}

enum rb_status sender_next(struct sender *s, int timeout_ms,
                           struct sender_result *res, bool *have, char *err,
                           size_t errlen)
{
	int64_t now = clock_mono_ms(), deadline = timeout_ms < 0 ? -1 : now + timeout_ms;
	enum rb_status st;

	*have = false;
	req_free(s->returned);
	s->returned = NULL;
	for (;;) {
		int64_t wait, t;
		int running;
		CURLMcode mc;

		if (take_result(s, res)) {
			*have = true;
			return RB_OK;
		}
		if (!sender_busy(s)) {
			/* nothing to carry: wait out the caller's time here (a
			 * settle timer, say) rather than have it spin on us */
			if (deadline > now && !s->nprobes)
				curl_multi_poll(s->multi, NULL, 0,
				                (int)(deadline - now), NULL);
			return RB_OK;
		}
		if ((st = start_ready(s, now, &wait))) {
			rb_detail(err, errlen, "cannot start a request: %s",
			          rb_strerror(st));
			return st;
		}
		mc = curl_multi_perform(s->multi, &running);
		if (mc) {
			rb_detail(err, errlen, "libcurl: %s", curl_multi_strerror(mc));
			return mc == CURLM_OUT_OF_MEMORY ? RB_ENOMEM : RB_ENET;
		}
		reap(s);
		if (s->done)
			continue;
		now = clock_mono_ms();
		if (deadline >= 0 && now >= deadline)
			return RB_OK;
		/* sleep until a socket moves, curl's own timer (curl_multi_poll
		 * honors it), a token, a backoff or the caller's deadline */
		t = deadline >= 0 ? deadline - now : 60000;
		if (wait >= 0 && wait < t)
			t = wait;
		if (t > 0) {
			mc = curl_multi_poll(s->multi, NULL, 0, (int)t, NULL);
			if (mc) {
				rb_detail(err, errlen, "libcurl: %s",
				          curl_multi_strerror(mc));
				return RB_ENET;
			}
		}
		now = clock_mono_ms();
	}
}

void sender_wind_down(struct sender *s, bool hard)
{
	int64_t now = clock_mono_ms();

	if (s->aborted)
		return;
	if (!s->grace_until)
		s->grace_until = now + SENDER_GRACE_MS;
	if (hard || now > s->grace_until)
		sender_abort(s);
}

void sender_abort(struct sender *s)
{
	int64_t now = clock_mono_ms();
	struct req *r;

	s->aborted = true;
	while ((r = s->flying)) {
		land(s, r);
		throttle_observe(&s->th, &r->ticket, 0, NULL, NULL, now);
		if (r->probe) {
			s->nprobes--;
			req_free(r);
			continue;
		}
		if (r->method == SENDER_POST && (r->at.body_read || r->at.got_bytes)) {
			snprintf(r->res.reason, sizeof(r->res.reason),
			         "interrupted after sending; outcome unknown");
			finish(s, r, SENDER_UNKNOWN, 0, now);
		} else {
			snprintf(r->res.reason, sizeof(r->res.reason), "%s",
			         r->method == SENDER_POST ? "interrupted before sending"
			                                  : "interrupted");
			finish(s, r, SENDER_FAILED, 0, now);
		}
	}
	while ((r = s->waiting)) {
		unlink_req(&s->waiting, &s->waiting_tail, NULL, r);
		s->nwaiting--;
		if (r->attempts) {
			char last[sizeof(r->res.reason)];

			memcpy(last, r->res.reason, sizeof(last));
			snprintf(r->res.reason, sizeof(r->res.reason),
			         "interrupted before sending again (last: %.900s)", last);
		} else {
			snprintf(r->res.reason, sizeof(r->res.reason),
			         "interrupted before sending");
		}
		finish(s, r, SENDER_FAILED, r->res.http, now);
	}
}

void sender_stats(const struct sender *s, struct sender_stats *out)
{
	*out = s->stats;
}

void sender_free(struct sender *s)
{
	struct req *r;
	unsigned i;

	if (!s)
		return;
	if (s->multi) {
		sender_abort(s);
		while ((r = s->done)) {
			unlink_req(&s->done, &s->done_tail, NULL, r);
			req_free(r);
		}
		curl_multi_cleanup(s->multi);
	}
	req_free(s->returned);
	for (i = 0; i < s->nidle; i++)
		curl_easy_cleanup(s->idle[i]);
	free(s->idle);
	attempt_headers_free(s->headers);
	free(s->base);
	free(s->shown_prefix);
	free(s->cacert);
	free(s);
	curl_global_cleanup();
}
